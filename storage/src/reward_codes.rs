//! Reward codes: issued by a redemption, applied at the till exactly once.
//!
//! The `LedgerRepo` methods for codes delegate here, keeping the ledger module about the
//! ledger.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::ids::{CafeId, ChainId, WalletId};
use regulars_core::ledger::{Actor, IdempotencyKey};
use regulars_core::rules::codes::{RewardCode, RewardCodeStatus};
use regulars_core::{Error, Result};
use serde_json::json;

use crate::columns::{from_millis, to_millis};
use crate::error::{DbError, corrupt};
use crate::events::append_event;
use crate::schema::{reward_codes, wallets};
use crate::store::{DbStore, read, write_tx};

#[derive(Queryable, Selectable)]
#[diesel(table_name = reward_codes)]
pub(crate) struct RewardCodeRow {
    pub(crate) code: String,
    pub(crate) wallet_id: i64,
    pub(crate) reward_key: String,
    pub(crate) reward_name: String,
    pub(crate) cost_points: i64,
    pub(crate) cost_stamps: i64,
    pub(crate) ledger_key: String,
    pub(crate) cafe_id: Option<i64>,
    pub(crate) status: String,
    pub(crate) issued_at: i64,
    pub(crate) expires_at: Option<i64>,
    pub(crate) closed_at: Option<i64>,
    pub(crate) used_at_cafe: Option<i64>,
    pub(crate) closed_by_kind: Option<String>,
    pub(crate) closed_by_ref: Option<String>,
}

impl RewardCodeRow {
    pub(crate) fn into_code(self) -> Result<RewardCode, DbError> {
        let when = |column: &str, ms: Option<i64>| ms.map(|ms| from_millis(column, ms)).transpose();
        Ok(RewardCode {
            code: self.code,
            wallet_id: WalletId(self.wallet_id),
            reward_key: self.reward_key,
            reward_name: self.reward_name,
            cost_points: self.cost_points,
            cost_stamps: self.cost_stamps,
            ledger_key: IdempotencyKey::new(self.ledger_key).map_err(|e| corrupt("reward_codes.ledger_key", e))?,
            cafe_id: self.cafe_id.map(CafeId),
            status: RewardCodeStatus::parse(&self.status).map_err(|e| corrupt("reward_codes.status", e))?,
            issued_at: from_millis("reward_codes.issued_at", self.issued_at)?,
            expires_at: when("reward_codes.expires_at", self.expires_at)?,
            closed_at: when("reward_codes.closed_at", self.closed_at)?,
            used_at_cafe: self.used_at_cafe.map(CafeId),
            closed_by: match (self.closed_by_kind, self.closed_by_ref) {
                (Some(kind), Some(reference)) => {
                    Some(Actor::from_parts(&kind, reference).map_err(|e| corrupt("reward_codes.closed_by", e))?)
                }
                _ => None,
            },
        })
    }
}

pub(crate) fn status_event(status: RewardCodeStatus) -> &'static str {
    match status {
        RewardCodeStatus::Issued => "reward_code.issued",
        RewardCodeStatus::Used => "reward_code.used",
        RewardCodeStatus::Cancelled => "reward_code.cancelled",
        RewardCodeStatus::Expired => "reward_code.expired",
    }
}

/// Stores an issued reward code inside the current transaction (see
/// [`LedgerRepo::issue_reward_code`](regulars_core::store::LedgerRepo::issue_reward_code));
/// evaluates to the stored [`RewardCodeRow`], or `None` when another code of the chain already
/// has this text (draw another).
macro_rules! issue_code_in_tx {
    ($c:ident, $chain:expr, $code:expr) => {{
        let c = &mut *$c;
        let chain: ChainId = $chain;
        let code: &RewardCode = &$code;
        let by_key = reward_codes::table
            .filter(reward_codes::chain_id.eq(chain.get()))
            .filter(reward_codes::ledger_key.eq(code.ledger_key.as_str()))
            .select(RewardCodeRow::as_select());
        let existing: Option<RewardCodeRow> = by_key.first(c).await.optional()?;
        match existing {
            Some(existing) => Some(existing),
            None => issue_new_code_in_tx!(c, chain, code, by_key),
        }
    }};
}

/// The insert part of [`issue_code_in_tx`]: `None` when the text is taken.
macro_rules! issue_new_code_in_tx {
    ($c:ident, $chain:expr, $code:expr, $by_key:expr) => {{
        let (c, chain, code, by_key) = (&mut *$c, $chain, $code, $by_key);
        let wallet_found: i64 = wallets::table
            .filter(wallets::id.eq(code.wallet_id.get()))
            .filter(wallets::chain_id.eq(chain.get()))
            .count()
            .get_result(c)
            .await?;
        if wallet_found == 0 {
            return Err(Error::not_found(WalletId::ENTITY, code.wallet_id).into());
        }
        let text_taken: i64 = reward_codes::table
            .filter(reward_codes::chain_id.eq(chain.get()))
            .filter(reward_codes::code.eq(&code.code))
            .count()
            .get_result(c)
            .await?;
        if text_taken > 0 {
            None
        } else {
        let (closed_kind, closed_ref) = code.closed_by.as_ref().map(Actor::to_parts).unzip();
        let inserted = diesel::insert_into(reward_codes::table)
            .values((
                reward_codes::chain_id.eq(chain.get()),
                reward_codes::code.eq(&code.code),
                reward_codes::wallet_id.eq(code.wallet_id.get()),
                reward_codes::reward_key.eq(&code.reward_key),
                reward_codes::reward_name.eq(&code.reward_name),
                reward_codes::cost_points.eq(code.cost_points),
                reward_codes::cost_stamps.eq(code.cost_stamps),
                reward_codes::ledger_key.eq(code.ledger_key.as_str()),
                reward_codes::cafe_id.eq(code.cafe_id.map(CafeId::get)),
                reward_codes::status.eq(code.status.as_str()),
                reward_codes::issued_at.eq(to_millis(code.issued_at)),
                reward_codes::expires_at.eq(code.expires_at.map(to_millis)),
                reward_codes::closed_at.eq(code.closed_at.map(to_millis)),
                reward_codes::used_at_cafe.eq(code.used_at_cafe.map(CafeId::get)),
                reward_codes::closed_by_kind.eq(closed_kind),
                reward_codes::closed_by_ref.eq(closed_ref),
            ))
            .on_conflict_do_nothing()
            .execute(c)
            .await?;
        // Nothing inserted means a concurrent redemption with the same ledger key won
        // (the code text was checked above): answer with its code.
        let row = by_key.first(c).await?;
        if inserted == 1 {
            append_event!(
                c,
                chain,
                "reward_code.issued",
                format!("wallet:{}", code.wallet_id),
                json!({ "reward": code.reward_key, "cost_points": code.cost_points, "cost_stamps": code.cost_stamps })
            );
        }
        Some(row)
        }
    }};
}
pub(crate) use {issue_code_in_tx, issue_new_code_in_tx};

/// How many fresh random texts an automatically issued reward code tries before giving up.
pub(crate) const CODE_DRAWS: usize = 5;

/// Issues a [`CodeToIssue`](regulars_core::loyalty::CodeToIssue) for `$wallet` inside the
/// current transaction, drawing a fresh random text (up to [`CODE_DRAWS`] times) while the one
/// drawn is taken. Evaluates to the issued code as
/// [`IssuedCode`](regulars_core::notification::IssuedCode).
macro_rules! issue_drawn_code_in_tx {
    ($c:ident, $chain:expr, $to_issue:expr, $wallet:expr, $now:expr) => {{
        let mut issued: Option<$crate::reward_codes::RewardCodeRow> = None;
        for _ in 0..$crate::reward_codes::CODE_DRAWS {
            issued = issue_code_in_tx!($c, $chain, $to_issue.draw($wallet, $now));
            if issued.is_some() {
                break;
            }
        }
        let code =
            issued.ok_or_else(|| Error::internal("no free reward code text after several draws"))?.into_code()?;
        regulars_core::notification::IssuedCode { reward: code.reward_name, code: code.code }
    }};
}
pub(crate) use issue_drawn_code_in_tx;

/// Moves a reward code from `expected` to `next.status` inside the current transaction (see
/// [`LedgerRepo::update_reward_code`](regulars_core::store::LedgerRepo::update_reward_code));
/// evaluates to the stored [`RewardCodeRow`].
macro_rules! update_code_in_tx {
    ($c:ident, $chain:expr, $expected:expr, $next:expr) => {{
        let c = &mut *$c;
        let chain: ChainId = $chain;
        let expected: RewardCodeStatus = $expected;
        let next: &RewardCode = &$next;
        let key = reward_codes::table
            .filter(reward_codes::chain_id.eq(chain.get()))
            .filter(reward_codes::code.eq(&next.code));
        let (closed_kind, closed_ref) = next.closed_by.as_ref().map(Actor::to_parts).unzip();
        let changed = diesel::update(key.filter(reward_codes::status.eq(expected.as_str())))
            .set((
                reward_codes::status.eq(next.status.as_str()),
                reward_codes::closed_at.eq(next.closed_at.map(to_millis)),
                reward_codes::used_at_cafe.eq(next.used_at_cafe.map(CafeId::get)),
                reward_codes::closed_by_kind.eq(closed_kind),
                reward_codes::closed_by_ref.eq(closed_ref),
            ))
            .execute(c)
            .await?;
        let row: Option<RewardCodeRow> = key.select(RewardCodeRow::as_select()).first(c).await.optional()?;
        let Some(row) = row else {
            return Err(Error::not_found("reward code", &next.code).into());
        };
        if changed == 0 {
            return Err(Error::Conflict(format!(
                "reward code is {}, not {}: it was already handled",
                row.status,
                expected.as_str()
            ))
            .into());
        }
        append_event!(
            c,
            chain,
            status_event(next.status),
            format!("wallet:{}", row.wallet_id),
            json!({ "reward": row.reward_key, "cafe": next.used_at_cafe })
        );
        row
    }};
}
pub(crate) use update_code_in_tx;

impl DbStore {
    pub(crate) async fn issue_reward_code_impl(&self, chain: ChainId, code: RewardCode) -> Result<RewardCode> {
        let row: Option<RewardCodeRow> = write_tx!(self, |c| Ok(issue_code_in_tx!(c, chain, code)))?;
        let row = row.ok_or_else(|| Error::Conflict("this reward code text is taken; draw another".into()))?;
        Ok(row.into_code()?)
    }

    pub(crate) async fn reward_code_impl(&self, chain: ChainId, code: &str) -> Result<RewardCode> {
        let row: Option<RewardCodeRow> = read!(self, |c| {
            Ok(reward_codes::table
                .filter(reward_codes::chain_id.eq(chain.get()))
                .filter(reward_codes::code.eq(code))
                .select(RewardCodeRow::as_select())
                .first(c)
                .await
                .optional()?)
        })?;
        Ok(row.ok_or_else(|| Error::not_found("reward code", code))?.into_code()?)
    }

    pub(crate) async fn update_reward_code_impl(
        &self,
        chain: ChainId,
        expected: RewardCodeStatus,
        next: RewardCode,
    ) -> Result<RewardCode> {
        let row: RewardCodeRow = write_tx!(self, |c| Ok(update_code_in_tx!(c, chain, expected, next)))?;
        Ok(row.into_code()?)
    }

    pub(crate) async fn reward_codes_of_wallet_impl(
        &self,
        chain: ChainId,
        wallet: WalletId,
    ) -> Result<Vec<RewardCode>> {
        let rows: Vec<RewardCodeRow> = read!(self, |c| {
            Ok(reward_codes::table
                .filter(reward_codes::chain_id.eq(chain.get()))
                .filter(reward_codes::wallet_id.eq(wallet.get()))
                .order(reward_codes::id.desc())
                .limit(1000)
                .select(RewardCodeRow::as_select())
                .load(c)
                .await?)
        })?;
        Ok(rows.into_iter().map(RewardCodeRow::into_code).collect::<Result<_, _>>()?)
    }
}
