//! Wallets and the append-only ledger.
//!
//! A write is: look up the idempotency key (a replay answers with the first outcome); apply
//! the deltas to the wallet with one conditional `UPDATE` (`points >= debit`), which is what
//! makes concurrent debits safe on PostgreSQL (the row lock serialises them and the condition
//! is re-checked after the lock); then insert the entry. All in one transaction. The entry is
//! itself the points log, so it is not copied into `events`.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::ids::{CafeId, ChainId, GuestId, LedgerEntryId, ProgramId, PurchaseId, ShiftId, WalletId};
use regulars_core::ledger::{Actor, EntryKind, IdempotencyKey, LedgerEntry, LedgerOutcome, NewLedgerEntry};
use regulars_core::page::{Page, PageRequest};
use regulars_core::program::ProgramScope;
use regulars_core::rules::codes::{RewardCode, RewardCodeStatus};
use regulars_core::store::LedgerRepo;
use regulars_core::wallet::{Balances, Wallet, WalletScope};
use regulars_core::{Error, Result};
use serde_json::json;

use diesel::sql_types::{BigInt, Nullable, Text};

use crate::cached::{Bind, Cached, statements};
use crate::columns::{from_json, from_millis, now_millis, to_json};
use crate::error::{DbError, corrupt};
use crate::events::append_event;
use crate::programs::load_program;
use crate::schema::{cafes, guests, ledger_entries, wallets};
use crate::store::{DbStore, read, write_tx};

#[derive(Queryable, Selectable)]
#[diesel(table_name = wallets)]
pub(crate) struct WalletRow {
    pub(crate) id: i64,
    pub(crate) chain_id: i64,
    pub(crate) guest_id: i64,
    pub(crate) program_id: i64,
    pub(crate) cafe_id: Option<i64>,
    pub(crate) points: i64,
    pub(crate) stamps: i64,
    pub(crate) lifetime_points: i64,
    pub(crate) tier: Option<String>,
    pub(crate) updated_at: i64,
}

impl WalletRow {
    pub(crate) fn into_wallet(self) -> Result<Wallet, DbError> {
        Ok(Wallet {
            id: WalletId(self.id),
            chain_id: ChainId(self.chain_id),
            scope: WalletScope {
                guest_id: GuestId(self.guest_id),
                program_id: ProgramId(self.program_id),
                cafe_id: self.cafe_id.map(CafeId),
            },
            balances: Balances { points: self.points, stamps: self.stamps, lifetime_points: self.lifetime_points },
            tier: self.tier,
            updated_at: from_millis("wallets.updated_at", self.updated_at)?,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ledger_entries)]
pub(crate) struct EntryRow {
    id: i64,
    chain_id: i64,
    wallet_id: i64,
    kind: String,
    points: i64,
    stamps: i64,
    points_after: i64,
    stamps_after: i64,
    lifetime_after: i64,
    idempotency_key: String,
    actor_kind: String,
    actor_ref: String,
    cafe_id: Option<i64>,
    shift_id: Option<i64>,
    purchase_id: Option<i64>,
    reason: Option<String>,
    rule_snapshot: String,
    created_at: i64,
}

impl EntryRow {
    pub(crate) fn into_entry(self) -> Result<LedgerEntry, DbError> {
        Ok(LedgerEntry {
            id: LedgerEntryId(self.id),
            chain_id: ChainId(self.chain_id),
            wallet_id: WalletId(self.wallet_id),
            kind: EntryKind::parse(&self.kind).map_err(|e| corrupt("ledger_entries.kind", e))?,
            points: self.points,
            stamps: self.stamps,
            balances_after: Balances {
                points: self.points_after,
                stamps: self.stamps_after,
                lifetime_points: self.lifetime_after,
            },
            idempotency_key: IdempotencyKey::new(self.idempotency_key)
                .map_err(|e| corrupt("ledger_entries.idempotency_key", e))?,
            actor: Actor::from_parts(&self.actor_kind, self.actor_ref)
                .map_err(|e| corrupt("ledger_entries.actor", e))?,
            cafe_id: self.cafe_id.map(CafeId),
            shift_id: self.shift_id.map(ShiftId),
            purchase_id: self.purchase_id.map(PurchaseId),
            reason: self.reason,
            rule_snapshot: from_json("ledger_entries.rule_snapshot", &self.rule_snapshot)?,
            created_at: from_millis("ledger_entries.created_at", self.created_at)?,
            decoded: Default::default(),
        })
    }
}

/// SQL types of a `wallets` row, in [`WalletRow`]'s field order.
pub(crate) type WalletSql =
    (BigInt, BigInt, BigInt, BigInt, Nullable<BigInt>, BigInt, BigInt, BigInt, Nullable<Text>, BigInt);

/// SQL types of a `ledger_entries` row, in [`EntryRow`]'s field order.
pub(crate) type EntrySql = (
    BigInt,
    BigInt,
    BigInt,
    Text,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    BigInt,
    Text,
    Text,
    Text,
    Nullable<BigInt>,
    Nullable<BigInt>,
    Nullable<BigInt>,
    Nullable<Text>,
    Text,
    BigInt,
);

/// The columns of [`WalletRow`], in order, for hand-written `RETURNING` clauses.
macro_rules! wallet_columns {
    () => {
        "id, chain_id, guest_id, program_id, cafe_id, points, stamps, lifetime_points, tier, updated_at"
    };
}

statements! {
    /// Touches a wallet, taking its row lock, and returns it (see [`lock_wallet_in_tx`]).
    LockWallet => concat!(
        "UPDATE wallets SET updated_at = ? WHERE program_id = ? AND guest_id = ? AND scope_key = ? RETURNING ",
        wallet_columns!()
    );
    /// Applies an entry's deltas when the balance covers a forbidden overdraft.
    ApplyDeltas => "UPDATE wallets SET points = points + ?, stamps = stamps + ?, \
        lifetime_points = lifetime_points + ?, updated_at = ? \
        WHERE id = ? AND chain_id = ? AND points >= ? AND stamps >= ? \
        RETURNING points, stamps, lifetime_points";
    /// Appends an entry unless its idempotency key is taken.
    InsertEntry => "INSERT INTO ledger_entries (chain_id, wallet_id, kind, points, stamps, points_after, \
        stamps_after, lifetime_after, idempotency_key, actor_kind, actor_ref, cafe_id, shift_id, purchase_id, \
        reason, rule_snapshot, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
        ON CONFLICT DO NOTHING RETURNING id, chain_id, wallet_id, kind, points, stamps, points_after, \
        stamps_after, lifetime_after, idempotency_key, actor_kind, actor_ref, cafe_id, shift_id, purchase_id, \
        reason, rule_snapshot, created_at";
}

/// The smallest balance a debit of `delta` needs, or no requirement for credits and allowed
/// overdrafts. One query shape serves all cases, so its prepared statement is reused.
fn floor_for(delta: i64, forbid: bool) -> i64 {
    if forbid && delta < 0 { -delta } else { i64::MIN }
}

/// Outcome of the transactional part of [`LedgerRepo::post_entry`].
pub(crate) enum Posted {
    Applied(EntryRow),
    Replayed(EntryRow),
}

/// The wallet for `scope`, if it exists, row-locked for the rest of the transaction (an
/// `UPDATE ... RETURNING`: PostgreSQL takes the row lock, so concurrent sales of one guest are
/// planned one after the other over the ledger each leaves; SQLite has a single writer anyway).
/// Evaluates to `Option<WalletRow>`.
macro_rules! lock_wallet_in_tx {
    ($c:ident, $scope:expr) => {{
        let scope: WalletScope = $scope;
        let binds = vec![
            $crate::cached::Bind::I64(now_millis()),
            $crate::cached::Bind::I64(scope.program_id.get()),
            $crate::cached::Bind::I64(scope.guest_id.get()),
            $crate::cached::Bind::I64(scope.cafe_id.map_or(0, CafeId::get)),
        ];
        $crate::cached::Cached::<$crate::ledger::LockWallet, $crate::ledger::WalletSql>::new(binds)
            .get_result::<$crate::ledger::WalletRow>($c)
            .await
            .optional()?
    }};
}

/// Sets a wallet's cached tier inside the current transaction, with a `wallet.tier_changed`
/// event when it changes (see [`LedgerRepo::set_wallet_tier`]). Evaluates to `()`.
macro_rules! set_tier_in_tx {
    ($c:ident, $chain:expr, $wallet:expr, $guest:expr, $before:expr, $tier:expr) => {{
        let (c, chain, wallet, guest, before, tier): (_, ChainId, WalletId, GuestId, Option<String>, Option<String>) =
            (&mut *$c, $chain, $wallet, $guest, $before, $tier);
        if before != tier {
            diesel::update(wallets::table.filter(wallets::id.eq(wallet.get())))
                .set((wallets::tier.eq(&tier), wallets::updated_at.eq(now_millis())))
                .execute(c)
                .await?;
            $crate::events::insert_event!(c, $crate::ledger::tier_changed_event(chain, wallet, guest, &before, &tier));
        }
    }};
}

/// The `wallet.tier_changed` event of `guest`'s `wallet` going from tier `before` to `after`.
pub(crate) fn tier_changed_event(
    chain: ChainId,
    wallet: WalletId,
    guest: GuestId,
    before: &Option<String>,
    after: &Option<String>,
) -> crate::events::NewEventRow {
    crate::events::NewEventRow::new(
        chain,
        "wallet.tier_changed",
        format!("guest:{guest}"),
        &json!({ "wallet": wallet, "from": before, "to": after }),
    )
}
pub(crate) use {lock_wallet_in_tx, set_tier_in_tx};

/// The wallet for `scope` inside the current transaction, created empty on first use (with a
/// `wallet.opened` event); the program, guest and cafe are the caller's to check. Evaluates to
/// its [`WalletRow`]. Reads first: a wallet exists on every purchase but the first.
macro_rules! open_wallet_in_tx {
    ($c:ident, $chain:expr, $program:expr, $scope:expr) => {{
        let (c, chain, program, scope): (_, ChainId, &regulars_core::program::Program, WalletScope) =
            (&mut *$c, $chain, &$program, $scope);
        let scope_key = scope.cafe_id.map_or(0, CafeId::get);
        let existing: Option<WalletRow> = lock_wallet_in_tx!(c, scope);
        let find = wallets::table
            .filter(wallets::program_id.eq(scope.program_id.get()))
            .filter(wallets::guest_id.eq(scope.guest_id.get()))
            .filter(wallets::scope_key.eq(scope_key))
            .select(WalletRow::as_select());
        match existing {
            Some(row) => row,
            None => {
                // A concurrent first purchase may insert it between our read and our insert.
                let inserted = diesel::insert_into(wallets::table)
                    .values((
                        wallets::chain_id.eq(chain.get()),
                        wallets::guest_id.eq(scope.guest_id.get()),
                        wallets::program_id.eq(scope.program_id.get()),
                        wallets::cafe_id.eq(scope.cafe_id.map(CafeId::get)),
                        wallets::scope_key.eq(scope_key),
                        wallets::points.eq(0),
                        wallets::stamps.eq(0),
                        wallets::lifetime_points.eq(0),
                        wallets::tier.eq(program.rules.tier_for(0).map(|t| t.name.clone())),
                        wallets::updated_at.eq(now_millis()),
                    ))
                    .on_conflict_do_nothing()
                    .execute(c)
                    .await?;
                let row: WalletRow = find.first(c).await?;
                if inserted > 0 {
                    append_event!(
                        c,
                        chain,
                        "wallet.opened",
                        format!("guest:{}", scope.guest_id),
                        json!({ "wallet": row.id, "program": scope.program_id })
                    );
                }
                row
            }
        }
    }};
}
pub(crate) use open_wallet_in_tx;

#[async_trait]
impl LedgerRepo for DbStore {
    async fn open_wallet(&self, chain: ChainId, scope: WalletScope) -> Result<Wallet> {
        let row: WalletRow = write_tx!(self, |c| {
            let program = load_program!(c, chain, scope.program_id);
            match (program.scope, scope.cafe_id) {
                (ProgramScope::Chain, Some(_)) => {
                    return Err(Error::invalid(
                        "cafe_id",
                        "this program is chain-wide: open its wallet without a cafe",
                    )
                    .into());
                }
                (ProgramScope::Cafe, None) => {
                    return Err(Error::invalid("cafe_id", "this program is per cafe: say which cafe").into());
                }
                (ProgramScope::Cafe, Some(cafe)) => {
                    let found: i64 = cafes::table
                        .filter(cafes::id.eq(cafe.get()))
                        .filter(cafes::chain_id.eq(chain.get()))
                        .count()
                        .get_result(c)
                        .await?;
                    if found == 0 {
                        return Err(Error::not_found(CafeId::ENTITY, cafe).into());
                    }
                }
                (ProgramScope::Chain, None) => {}
            }
            let guest_found: i64 = guests::table
                .filter(guests::id.eq(scope.guest_id.get()))
                .filter(guests::chain_id.eq(chain.get()))
                .count()
                .get_result(c)
                .await?;
            if guest_found == 0 {
                return Err(Error::not_found(GuestId::ENTITY, scope.guest_id).into());
            }
            Ok(open_wallet_in_tx!(c, chain, program, scope))
        })?;
        Ok(row.into_wallet()?)
    }

    async fn wallet(&self, chain: ChainId, id: WalletId) -> Result<Wallet> {
        let row: Option<WalletRow> = read!(self, |c| {
            Ok(wallets::table
                .filter(wallets::id.eq(id.get()))
                .filter(wallets::chain_id.eq(chain.get()))
                .select(WalletRow::as_select())
                .first(c)
                .await
                .optional()?)
        })?;
        Ok(row.ok_or_else(|| Error::not_found(WalletId::ENTITY, id))?.into_wallet()?)
    }

    async fn wallets_of_guest(&self, chain: ChainId, guest: GuestId) -> Result<Vec<Wallet>> {
        let rows: Vec<WalletRow> = read!(self, |c| {
            Ok(wallets::table
                .filter(wallets::guest_id.eq(guest.get()))
                .filter(wallets::chain_id.eq(chain.get()))
                .order(wallets::id.asc())
                .select(WalletRow::as_select())
                .load(c)
                .await?)
        })?;
        Ok(rows.into_iter().map(WalletRow::into_wallet).collect::<Result<_, _>>()?)
    }

    async fn post_entry(&self, chain: ChainId, entry: NewLedgerEntry) -> Result<LedgerOutcome> {
        entry.validate()?;
        // On PostgreSQL two transactions may race on one key; the loser rolls back and, on
        // the second pass, finds the winner's entry and answers with a replay.
        //
        // The first pass does not look the key up: the unique index catches a repeat, which
        // is rare on the hot path, and saves a statement on every write. Only after a clash
        // does a pass look the key up first and answer with the replay.
        let mut attempts = 0;
        let posted = loop {
            attempts += 1;
            let attempt = entry.clone();
            let look_up_key = attempts > 1;
            match write_tx!(self, |c| c.post_in_tx(chain, attempt, look_up_key).await) {
                Err(DbError::KeyRace) if attempts < 3 => {}
                other => break other?,
            }
        };
        let (row, replayed) = match posted {
            Posted::Applied(row) => (row, false),
            Posted::Replayed(row) => (row, true),
        };
        let stored = row.into_entry()?;
        if replayed && !entry.matches(&stored) {
            return Err(Error::Conflict(format!(
                "idempotency key `{}` was already used for a different ledger write",
                entry.idempotency_key
            )));
        }
        Ok(LedgerOutcome { entry: stored, replayed })
    }

    async fn set_wallet_tier(&self, chain: ChainId, wallet: WalletId, tier: Option<String>) -> Result<Wallet> {
        let row: WalletRow = write_tx!(self, |c| {
            let key = wallets::table.filter(wallets::id.eq(wallet.get())).filter(wallets::chain_id.eq(chain.get()));
            let before: Option<(Option<String>, i64)> =
                key.select((wallets::tier, wallets::guest_id)).first(c).await.optional()?;
            let Some((before, guest)) = before else {
                return Err(Error::not_found(WalletId::ENTITY, wallet).into());
            };
            set_tier_in_tx!(c, chain, wallet, GuestId(guest), before, tier.clone());
            let row: WalletRow = key.select(WalletRow::as_select()).first(c).await?;
            Ok(row)
        })?;
        Ok(row.into_wallet()?)
    }

    async fn issue_reward_code(&self, chain: ChainId, code: RewardCode) -> Result<RewardCode> {
        self.issue_reward_code_impl(chain, code).await
    }

    async fn reward_code(&self, chain: ChainId, code: &str) -> Result<RewardCode> {
        self.reward_code_impl(chain, code).await
    }

    async fn update_reward_code(
        &self,
        chain: ChainId,
        expected: RewardCodeStatus,
        next: RewardCode,
    ) -> Result<RewardCode> {
        self.update_reward_code_impl(chain, expected, next).await
    }

    async fn reward_codes_of_wallet(&self, chain: ChainId, wallet: WalletId) -> Result<Vec<RewardCode>> {
        self.reward_codes_of_wallet_impl(chain, wallet).await
    }

    async fn ledger_entries(&self, chain: ChainId, wallet: WalletId, page: PageRequest) -> Result<Page<LedgerEntry>> {
        let limit = page.clamped_limit();
        let before = page.after.map_or(i64::MAX, |c| c.key());
        let rows: Vec<EntryRow> = read!(self, |c| {
            Ok(ledger_entries::table
                .filter(ledger_entries::wallet_id.eq(wallet.get()))
                .filter(ledger_entries::chain_id.eq(chain.get()))
                .filter(ledger_entries::id.lt(before))
                .order(ledger_entries::id.desc())
                .limit(limit + 1)
                .select(EntryRow::as_select())
                .load(c)
                .await?)
        })?;
        let entries = rows.into_iter().map(EntryRow::into_entry).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(entries, limit, |e| e.id.get()))
    }
}

/// The entry written under an idempotency key in the chain, if any.
macro_rules! find_by_key {
    ($c:ident, $chain:expr, $key:expr) => {
        ledger_entries::table
            .filter(ledger_entries::chain_id.eq($chain.get()))
            .filter(ledger_entries::idempotency_key.eq($key.as_str()))
            .select(EntryRow::as_select())
            .first::<EntryRow>($c)
            .await
            .optional()?
    };
}

/// The transactional part of a ledger write, for whichever connection type the backend uses.
pub(crate) trait PostInTx {
    fn post_in_tx(
        &mut self,
        chain: ChainId,
        entry: NewLedgerEntry,
        look_up_key: bool,
    ) -> impl Future<Output = Result<Posted, DbError>> + Send;
}

/// The body of a ledger write, written once and expanded for both connection types.
macro_rules! impl_post_in_tx {
    ($conn:ty) => {
        impl PostInTx for $conn {
            async fn post_in_tx(
                &mut self,
                chain: ChainId,
                entry: NewLedgerEntry,
                look_up_key: bool,
            ) -> Result<Posted, DbError> {
                let c = self;
                if look_up_key {
                    let existing: Option<EntryRow> = find_by_key!(c, chain, entry.idempotency_key);
                    if let Some(row) = existing {
                        return Ok(Posted::Replayed(row));
                    }
                }

                let forbid = entry.overdraft == regulars_core::ledger::Overdraft::Forbid;
                let lifetime_delta = if entry.kind.counts_toward_lifetime() { entry.points } else { 0 };
                let now = now_millis();
                let after: Option<(i64, i64, i64)> = Cached::<ApplyDeltas, (BigInt, BigInt, BigInt)>::new(vec![
                    Bind::I64(entry.points),
                    Bind::I64(entry.stamps),
                    Bind::I64(lifetime_delta),
                    Bind::I64(now),
                    Bind::I64(entry.wallet_id.get()),
                    Bind::I64(chain.get()),
                    Bind::I64(floor_for(entry.points, forbid)),
                    Bind::I64(floor_for(entry.stamps, forbid)),
                ])
                .get_result(c)
                .await
                .optional()?;
                let Some((points_after, stamps_after, lifetime_after)) = after else {
                    // Nothing was written. A debit repeated after the balance was spent must still
                    // answer with its first outcome, so look the key up before saying "insufficient".
                    let existing: Option<EntryRow> = find_by_key!(c, chain, entry.idempotency_key);
                    if let Some(row) = existing {
                        return Ok(Posted::Replayed(row));
                    }
                    let current: Option<(i64, i64)> = wallets::table
                        .filter(wallets::id.eq(entry.wallet_id.get()))
                        .filter(wallets::chain_id.eq(chain.get()))
                        .select((wallets::points, wallets::stamps))
                        .first(c)
                        .await
                        .optional()?;
                    return Err(match current {
                        None => Error::not_found(WalletId::ENTITY, entry.wallet_id),
                        Some((points, _)) if entry.points < 0 && points + entry.points < 0 => {
                            Error::InsufficientBalance { available: points, requested: -entry.points }
                        }
                        Some((_, stamps)) => Error::InsufficientBalance { available: stamps, requested: -entry.stamps },
                    }
                    .into());
                };

                let (actor_kind, actor_ref) = entry.actor.to_parts();
                let snapshot = to_json(&entry.rule_snapshot);
                let inserted: Option<EntryRow> = Cached::<InsertEntry, EntrySql>::new(vec![
                    Bind::I64(chain.get()),
                    Bind::I64(entry.wallet_id.get()),
                    Bind::Text(entry.kind.as_str()),
                    Bind::I64(entry.points),
                    Bind::I64(entry.stamps),
                    Bind::I64(points_after),
                    Bind::I64(stamps_after),
                    Bind::I64(lifetime_after),
                    Bind::Text(entry.idempotency_key.as_str()),
                    Bind::Text(actor_kind),
                    Bind::Text(&actor_ref),
                    Bind::OptI64(entry.cafe_id.map(CafeId::get)),
                    Bind::OptI64(entry.shift_id.map(ShiftId::get)),
                    Bind::OptI64(entry.purchase_id.map(PurchaseId::get)),
                    Bind::OptText(entry.reason.as_deref()),
                    Bind::Text(&snapshot),
                    Bind::I64(now),
                ])
                .get_result(c)
                .await
                .optional()?;
                // Nothing inserted: the key was used before (or, on PostgreSQL, by a concurrent
                // transaction that committed first). Roll back, undoing the wallet update, and let
                // the caller retry with a lookup.
                let row = inserted.ok_or(DbError::KeyRace)?;
                // No copy in `events`: the ledger is the points log (see DECISIONS.md).
                Ok(Posted::Applied(row))
            }
        }
    };
}

impl_post_in_tx!(crate::sqlite::SqliteWriteConn);
impl_post_in_tx!(crate::postgres::PgConn);
