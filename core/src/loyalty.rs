//! The loyalty service: the rules engine wired to a [`Store`].
//!
//! Sales are not recorded here: every sale goes through the one purchase workflow
//! ([`crate::pos::workflow`], through
//! [`PosRepo::ingest_purchase`](crate::store::PosRepo::ingest_purchase)). This service previews
//! them, and keeps the wallet operations outside a sale (standing, redemption, codes, expiry).
//!
//! Each operation loads what the pure engine needs (program, cafe timezone, the wallet's
//! ledger), asks the engine for a plan, and posts the plan's entries. All writes go through
//! [`LedgerRepo::post_entry`] with keys derived from the
//! request, so every operation can be retried safely: a redemption retried after a timeout
//! hands back the code it already issued.
//!
//! ```no_run
//! # async fn demo(store: &dyn regulars_core::store::Store, purchase: regulars_core::purchase::NewPurchase)
//! # -> regulars_core::Result<()> {
//! use regulars_core::ids::{ChainId, ProgramId};
//! use regulars_core::loyalty::Loyalty;
//!
//! let loyalty = Loyalty::new(store);
//! let calc = loyalty.preview(ChainId(1), ProgramId(1), &purchase, &[]).await?;
//! println!("{} points, tier {:?}", calc.points, calc.tier_after.name());
//! # Ok(()) }
//! ```
//!
//! Concurrency: the ledger's own guarantees (unique keys, no forbidden overdraft) hold under
//! any interleaving; these operations read the ledger outside the write's transaction, so
//! the ones that the till runs (a redemption handed over there and then) are workflows over
//! a locked wallet instead ([`crate::pos::redeem`]).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::ids::{CafeId, ChainId, ProgramId, PurchaseId, ShiftId, WalletId};
use crate::ledger::{Actor, LedgerEntry, LedgerOutcome};
use crate::page::PageRequest;
use crate::program::{Program, ProgramScope};
use crate::purchase::{NewPurchase, Purchase};
use crate::rules::codes::{RewardCode, RewardCodeStatus};
use crate::rules::earning::Promotion;
use crate::rules::expiry::{self, Expiring};
use crate::rules::preview::{Calculation, EarnInput, EntryContext, PlannedEntry, calculate, unit_balance};
use crate::rules::refunds::{RefundPlan, RefundRequest, plan_refund};
use crate::rules::rewards::{self, RewardOption};
use crate::rules::stamps::{CardProgress, card_progress};
use crate::rules::tiers::{TierStatus, tier_status};
use crate::rules::{ProgramRules, history};
use crate::store::{CafeRepo, GuestRepo, LedgerRepo, ProgramRepo, PurchaseRepo, Store};
use crate::wallet::{Balances, Wallet, WalletScope};
use crate::{Error, ErrorKind, Result};

/// Who reports a purchase and what promotions apply to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseContext {
    /// The POS source or staff member.
    pub actor: Actor,
    /// The staff shift, when staff entered it.
    pub shift_id: Option<ShiftId>,
    /// Promotions the guest takes part in now.
    pub promotions: Vec<Promotion>,
}

/// A request to redeem a reward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeemRequest {
    /// The wallet paying.
    pub wallet_id: WalletId,
    /// The reward's key.
    pub reward_key: String,
    /// Where the guest is, if at a cafe (needed for rewards limited to some cafes).
    pub cafe_id: Option<CafeId>,
    /// Identifies this request (button press id, POS request id) so a retry redeems once.
    pub request_key: String,
    /// Who asks.
    pub actor: Actor,
    /// The staff shift, at the till.
    pub shift_id: Option<ShiftId>,
}

/// A refund to apply to a recorded purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundCommand {
    /// The refunded purchase.
    pub purchase_id: PurchaseId,
    /// The refund.
    pub refund: RefundRequest,
    /// Who reports it.
    pub actor: Actor,
    /// The staff shift, when staff entered it.
    pub shift_id: Option<ShiftId>,
}

/// What a refund did in one program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramRefund {
    /// The program.
    pub program_id: ProgramId,
    /// The wallet.
    pub wallet_id: WalletId,
    /// The engine's plan.
    pub plan: RefundPlan,
    /// The ledger's answer, when an entry was posted.
    pub outcome: Option<LedgerOutcome>,
}

/// What an expiry run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiryRun {
    /// Wallets of the program looked at.
    pub wallets: u64,
    /// Expiry entries newly written.
    pub entries: u64,
    /// Points expired by them.
    pub points: i64,
}

/// Everything [`plan_earn`] looks at: one program's wallet and the purchase.
#[derive(Debug, Clone, Copy)]
pub struct EarnSetting<'a> {
    /// The program.
    pub program: &'a Program,
    /// The guest's wallet in it (opened).
    pub wallet: &'a Wallet,
    /// The wallet's ledger, oldest first.
    pub history: &'a [LedgerEntry],
    /// The purchase as recorded.
    pub purchase: &'a Purchase,
    /// The purchase cafe's timezone.
    pub cafe_timezone: Tz,
    /// Who reports it, in which shift, with which promotions.
    pub ctx: &'a PurchaseContext,
}

/// A reward code an earn must issue: one per automatically issued reward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeToIssue {
    /// The reward.
    pub reward: crate::rules::rewards::Reward,
    /// What it cost: `(points, stamps)`.
    pub cost: (i64, i64),
    /// The key of the `redeem` entry that paid for it.
    pub entry_key: crate::ledger::IdempotencyKey,
    /// The cafe it is limited to, if any.
    pub cafe: Option<CafeId>,
}

impl CodeToIssue {
    /// A fresh code with random text, issued at `now` (draw again on a text collision).
    #[must_use]
    pub fn draw(&self, wallet: WalletId, now: DateTime<Utc>) -> RewardCode {
        RewardCode::issue(
            RewardCode::random_code(),
            wallet,
            &self.reward,
            self.cost,
            self.entry_key.clone(),
            self.cafe,
            now,
        )
    }
}

/// What a purchase earns in one wallet, ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct EarnPlan {
    /// The engine's calculation.
    pub calculation: Calculation,
    /// The ledger writes, in order.
    pub entries: Vec<crate::ledger::NewLedgerEntry>,
    /// The reward codes to issue after them.
    pub codes: Vec<CodeToIssue>,
}

/// The pure part of an earn: the engine's calculation turned into ledger writes and reward
/// codes for one wallet, which the purchase workflow ([`crate::pos::workflow::apply_purchase`])
/// posts inside the sale's transaction.
///
/// # Errors
/// [`Error::InvalidInput`] from the engine (a purchase it cannot rate).
pub fn plan_earn(setting: &EarnSetting<'_>) -> Result<EarnPlan> {
    let EarnSetting { program, wallet, history, purchase, cafe_timezone, ctx } = *setting;
    let calculation = calculate(&EarnInput {
        program,
        purchase: &purchase.details,
        cafe_timezone,
        history,
        promotions: &ctx.promotions,
    })?;
    let entry_ctx = EntryContext {
        wallet_id: wallet.id,
        actor: ctx.actor.clone(),
        cafe_id: Some(purchase.details.cafe_id),
        shift_id: ctx.shift_id,
        purchase_id: Some(purchase.id),
    };
    let entries = calculation.entries.iter().map(|planned| planned.to_new_entry(&entry_ctx)).collect();
    let code_cafe = (program.scope == ProgramScope::Cafe).then_some(purchase.details.cafe_id);
    let codes = calculation
        .rewards_issued
        .iter()
        .map(|issued| {
            let planned = calculation.entries.iter().find(|e| e.idempotency_key == issued.entry_key);
            CodeToIssue {
                reward: issued.reward.clone(),
                cost: planned.map_or((0, 0), |e| (-e.points, -e.stamps)),
                entry_key: issued.entry_key.clone(),
                cafe: code_cafe.or_else(|| (!issued.reward.cafes.is_empty()).then_some(purchase.details.cafe_id)),
            }
        })
        .collect();
    Ok(EarnPlan { calculation, entries, codes })
}

/// The wallet scope `program` uses for `guest` buying at `cafe`.
#[must_use]
pub fn wallet_scope(program: &Program, guest: crate::ids::GuestId, cafe: CafeId) -> WalletScope {
    WalletScope {
        guest_id: guest,
        program_id: program.id,
        cafe_id: (program.scope == ProgramScope::Cafe).then_some(cafe),
    }
}

/// A guest's standing in one wallet: everything a card screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    /// The wallet.
    pub wallet: Wallet,
    /// Balances derived from the ledger.
    pub balances: Balances,
    /// Tier and progress to the next one.
    pub tier: TierStatus,
    /// Stamp card progress, for stamp programs.
    pub card: Option<CardProgress>,
    /// Rewards the guest may have, with what is still missing for each.
    pub catalogue: Vec<RewardOption>,
    /// What expires when.
    pub expiring: Vec<Expiring>,
    /// Debt from refunds of spent points: `(points, stamps)`.
    pub debt: (i64, i64),
}

/// The repositories the loyalty service uses: a narrower view of [`Store`], so tests and
/// embedders can run it over anything that keeps cafes, programs, guests, wallets and
/// purchases. Every [`Store`] is one.
pub trait LoyaltyStore: CafeRepo + ProgramRepo + GuestRepo + LedgerRepo + PurchaseRepo {}

impl<T: CafeRepo + ProgramRepo + GuestRepo + LedgerRepo + PurchaseRepo + ?Sized> LoyaltyStore for T {}

/// The loyalty operations over a store (usually `dyn Store`: `Loyalty::new(&*state.store)`).
pub struct Loyalty<'a, S: ?Sized = dyn Store> {
    store: &'a S,
}

impl<S: ?Sized> Clone for Loyalty<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ?Sized> Copy for Loyalty<'_, S> {}

impl<S: ?Sized> std::fmt::Debug for Loyalty<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loyalty").finish_non_exhaustive()
    }
}

/// How many times a fresh random reward code is tried when one collides.
const CODE_ATTEMPTS: usize = 5;

impl<'a, S: LoyaltyStore + ?Sized> Loyalty<'a, S> {
    /// The service over `store`.
    #[must_use]
    pub fn new(store: &'a S) -> Self {
        Self { store }
    }

    /// A wallet's ledger, oldest first (what the engine reads).
    ///
    /// # Errors
    /// Whatever the store returns.
    pub async fn history(&self, chain: ChainId, wallet: WalletId) -> Result<Vec<LedgerEntry>> {
        let mut entries = Vec::new();
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let got = self.store.ledger_entries(chain, wallet, page).await?;
            entries.extend(got.items);
            match got.next {
                Some(next) => page = PageRequest { after: Some(next), limit: PageRequest::MAX_LIMIT },
                None => break,
            }
        }
        entries.reverse();
        Ok(entries)
    }

    /// What `purchase` would earn in `program` now, writing nothing: the same calculation
    /// the purchase workflow posts ([`plan_earn`]). A guest without a wallet yet previews as new.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `guest_id` when the purchase names no guest; the store's
    /// errors otherwise.
    pub async fn preview(
        &self,
        chain: ChainId,
        program: ProgramId,
        purchase: &NewPurchase,
        promotions: &[Promotion],
    ) -> Result<Calculation> {
        let guest = purchase.guest_id.ok_or_else(|| Error::invalid("guest_id", "a preview needs the guest"))?;
        let program = self.store.program(chain, program).await?;
        let cafe = self.store.cafe(chain, purchase.cafe_id).await?;
        let scope = wallet_scope(&program, guest, cafe.id);
        let wallet = self.store.wallets_of_guest(chain, guest).await?.into_iter().find(|w| w.scope == scope);
        let history = match wallet {
            Some(w) => self.history(chain, w.id).await?,
            None => Vec::new(),
        };
        calculate(&EarnInput {
            program: &program,
            purchase,
            cafe_timezone: cafe.timezone,
            history: &history,
            promotions,
        })
    }

    /// Redeems a reward: debits its cost and issues a code the till applies once. Retrying with
    /// the same `request_key` returns the code issued the first time.
    ///
    /// # Errors
    /// [`Error::NotFound`] (wallet, reward), [`Error::Conflict`] (reward not available for the
    /// tier or cafe), [`Error::InsufficientBalance`].
    pub async fn redeem(&self, chain: ChainId, request: &RedeemRequest, now: DateTime<Utc>) -> Result<RewardCode> {
        let wallet = self.store.wallet(chain, request.wallet_id).await?;
        let program = self.store.program(chain, wallet.scope.program_id).await?;
        let history = self.history(chain, wallet.id).await?;
        let tier = Self::tier_of(&program.rules, &history, now);
        let cafe = request.cafe_id.or(wallet.scope.cafe_id);
        let key = crate::rules::preview::derived_redeem_key(program.id, &request.request_key)?;
        // A retry after the debit went through: hand back the code, do not charge twice.
        if history::find_key(&history, key.as_str()).is_some() {
            return self.code_for_entry(chain, wallet.id, &key).await;
        }
        let (planned, reward) =
            rewards::plan_redeem(&program, &history, tier.name(), cafe, &request.reward_key, &request.request_key)?;
        let ctx = EntryContext {
            wallet_id: wallet.id,
            actor: request.actor.clone(),
            cafe_id: request.cafe_id,
            shift_id: request.shift_id,
            purchase_id: None,
        };
        self.store.post_entry(chain, planned.to_new_entry(&ctx)).await?;
        let code_cafe = wallet.scope.cafe_id.or_else(|| (!reward.cafes.is_empty()).then_some(cafe).flatten());
        self.issue_code(
            chain,
            wallet.id,
            &reward,
            (-planned.points, -planned.stamps),
            &planned.idempotency_key,
            code_cafe,
        )
        .await
    }

    async fn code_for_entry(
        &self,
        chain: ChainId,
        wallet: WalletId,
        key: &crate::ledger::IdempotencyKey,
    ) -> Result<RewardCode> {
        let codes = self.store.reward_codes_of_wallet(chain, wallet).await?;
        if let Some(code) = codes.into_iter().find(|c| c.ledger_key == *key) {
            return Ok(code);
        }
        // The debit was posted but the code was not stored (a crash in between): issue it now.
        let history = self.history(chain, wallet).await?;
        let entry = history::find_key(&history, key.as_str()).ok_or_else(|| Error::not_found("ledger entry", key))?;
        let wallet_row = self.store.wallet(chain, wallet).await?;
        let program = self.store.program(chain, wallet_row.scope.program_id).await?;
        let reward_key = match PlannedEntry::from_written(entry).map(|p| p.snapshot) {
            Some(
                crate::rules::snapshot::RuleSnapshot::Redeem(r) | crate::rules::snapshot::RuleSnapshot::AutoReward(r),
            ) => r.reward,
            _ => return Err(Error::internal(format!("entry {key} is not a redemption"))),
        };
        let reward = program
            .rules
            .rewards
            .iter()
            .find(|r| r.key == reward_key)
            .ok_or_else(|| Error::not_found("reward", &reward_key))?;
        self.issue_code(
            chain,
            wallet,
            reward,
            (-entry.points, -entry.stamps),
            key,
            wallet_row.scope.cafe_id.or(entry.cafe_id.filter(|_| !reward.cafes.is_empty())),
        )
        .await
    }

    async fn issue_code(
        &self,
        chain: ChainId,
        wallet: WalletId,
        reward: &crate::rules::rewards::Reward,
        cost: (i64, i64),
        key: &crate::ledger::IdempotencyKey,
        cafe: Option<CafeId>,
    ) -> Result<RewardCode> {
        let mut last = None;
        for _ in 0..CODE_ATTEMPTS {
            let code =
                RewardCode::issue(RewardCode::random_code(), wallet, reward, cost, key.clone(), cafe, Utc::now());
            match self.store.issue_reward_code(chain, code).await {
                Ok(code) => return Ok(code),
                // A collision of random codes: try another one.
                Err(e) if e.kind() == ErrorKind::Conflict => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::internal("could not issue a reward code")))
    }

    /// Applies a reward code at the till, exactly once.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown code; [`Error::Conflict`] when it was already used,
    /// cancelled or expired, or is for another cafe.
    pub async fn apply_code(
        &self,
        chain: ChainId,
        typed: &str,
        cafe: CafeId,
        by: Actor,
        now: DateTime<Utc>,
    ) -> Result<RewardCode> {
        let code = self.store.reward_code(chain, &RewardCode::normalise(typed)).await?;
        if code.status == RewardCodeStatus::Issued && code.is_past_validity(now) {
            let expired = code.expire(now)?;
            self.store.update_reward_code(chain, RewardCodeStatus::Issued, expired).await?;
            return Err(Error::Conflict(format!("reward code {} has expired", code.code)));
        }
        let used = code.apply(cafe, by, now)?;
        self.store.update_reward_code(chain, RewardCodeStatus::Issued, used).await
    }

    /// Cancels an unused reward code and gives its cost back to the wallet. Retrying a cancel
    /// that was interrupted completes it.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Conflict`] when it was used or expired.
    pub async fn cancel_code(&self, chain: ChainId, typed: &str, by: Actor, now: DateTime<Utc>) -> Result<RewardCode> {
        let code = self.store.reward_code(chain, &RewardCode::normalise(typed)).await?;
        let issued = RewardCode { status: RewardCodeStatus::Issued, ..code.clone() };
        let (cancelled, give_back) = issued.cancel(by.clone(), now)?;
        let cancelled = match code.status {
            RewardCodeStatus::Issued => {
                self.store.update_reward_code(chain, RewardCodeStatus::Issued, cancelled).await?
            }
            RewardCodeStatus::Cancelled => code,
            other => return Err(Error::Conflict(format!("reward code {} is already {other}", code.code))),
        };
        let ctx = EntryContext {
            wallet_id: cancelled.wallet_id,
            actor: by,
            cafe_id: None,
            shift_id: None,
            purchase_id: None,
        };
        self.store.post_entry(chain, give_back.to_new_entry(&ctx)).await?;
        Ok(cancelled)
    }

    /// Reverses what a purchase earned, in every program it earned in.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown purchase; [`Error::InvalidInput`] naming
    /// `amount_minor` when refunds would exceed the purchase.
    pub async fn refund(
        &self,
        chain: ChainId,
        command: &RefundCommand,
        now: DateTime<Utc>,
    ) -> Result<Vec<ProgramRefund>> {
        let purchase = self.store.purchase(chain, command.purchase_id).await?;
        let Some(guest) = purchase.details.guest_id else { return Ok(Vec::new()) };
        let wallets = self.store.wallets_of_guest(chain, guest).await?;
        // Plan every program first, so a refund refused in one program writes nothing anywhere.
        let mut plans = Vec::new();
        for program in self.store.list_programs(chain).await? {
            let scope = wallet_scope(&program, guest, purchase.details.cafe_id);
            let Some(wallet) = wallets.iter().find(|w| w.scope == scope) else { continue };
            let history = self.history(chain, wallet.id).await?;
            let plan = plan_refund(&program, &purchase.details, &command.refund, &history, now)?;
            plans.push((program.id, wallet, plan));
        }
        let mut done = Vec::new();
        for (program_id, wallet, plan) in plans {
            let outcome = match &plan.entry {
                Some(entry) => {
                    let ctx = EntryContext {
                        wallet_id: wallet.id,
                        actor: command.actor.clone(),
                        cafe_id: Some(purchase.details.cafe_id),
                        shift_id: command.shift_id,
                        purchase_id: Some(purchase.id),
                    };
                    Some(self.store.post_entry(chain, entry.to_new_entry(&ctx)).await?)
                }
                None => None,
            };
            self.sync_tier(chain, wallet, plan.tier_after.name()).await?;
            done.push(ProgramRefund { program_id, wallet_id: wallet.id, plan, outcome });
        }
        Ok(done)
    }

    /// The expiry job for one program: writes the expiry entries due at `now` in every wallet
    /// of the program. Safe to run often and concurrently: entries are keyed by lot.
    ///
    /// # Errors
    /// The store's errors; a wallet that changed under the job is picked up by the next run.
    pub async fn expire(&self, chain: ChainId, program: ProgramId, now: DateTime<Utc>) -> Result<ExpiryRun> {
        let program = self.store.program(chain, program).await?;
        let mut run = ExpiryRun::default();
        if program.rules.expiry.is_none() {
            return Ok(run);
        }
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let guests = self.store.list_guests(chain, page).await?;
            for guest in &guests.items {
                for wallet in self.store.wallets_of_guest(chain, guest.id).await? {
                    if wallet.scope.program_id != program.id {
                        continue;
                    }
                    run.wallets += 1;
                    let history = self.history(chain, wallet.id).await?;
                    let ctx = EntryContext {
                        wallet_id: wallet.id,
                        actor: Actor::System("expiry".to_owned()),
                        cafe_id: None,
                        shift_id: None,
                        purchase_id: None,
                    };
                    for planned in expiry::plan_expiry(program.rules.expiry, &history, now)? {
                        match self.store.post_entry(chain, planned.to_new_entry(&ctx)).await {
                            Ok(outcome) if !outcome.replayed => {
                                run.entries += 1;
                                run.points -= planned.points;
                            }
                            Ok(_) => {}
                            // The guest spent the points between our read and the write; the
                            // next run sees the new balance.
                            Err(e) if e.kind() == ErrorKind::InsufficientBalance => break,
                            Err(e) => return Err(e),
                        }
                    }
                }
            }
            match guests.next {
                Some(next) => page = PageRequest { after: Some(next), limit: PageRequest::MAX_LIMIT },
                None => break,
            }
        }
        Ok(run)
    }

    /// A wallet's standing at `now`: balances, tier and progress, card, what the guest can
    /// redeem at `cafe`, what expires when.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown wallet.
    pub async fn standing(
        &self,
        chain: ChainId,
        wallet: WalletId,
        cafe: Option<CafeId>,
        now: DateTime<Utc>,
    ) -> Result<Standing> {
        let wallet = self.store.wallet(chain, wallet).await?;
        let program = self.store.program(chain, wallet.scope.program_id).await?;
        let history = self.history(chain, wallet.id).await?;
        let balances = history::balances(&history);
        let tier = Self::tier_of(&program.rules, &history, now);
        let cafe = cafe.or(wallet.scope.cafe_id);
        Ok(Standing {
            catalogue: rewards::catalogue(&program.rules, unit_balance(program.kind, balances), tier.name(), cafe),
            card: card_progress(program.kind, balances),
            expiring: expiry::schedule(program.rules.expiry, &history),
            debt: history::debt(&history),
            tier,
            balances,
            wallet,
        })
    }

    fn tier_of(rules: &ProgramRules, history: &[LedgerEntry], now: DateTime<Utc>) -> TierStatus {
        tier_status(rules, &history::qualifying_events(history, rules.qualification.basis), now)
    }

    async fn sync_tier(&self, chain: ChainId, wallet: &Wallet, tier: Option<&str>) -> Result<()> {
        if wallet.tier.as_deref() != tier {
            self.store.set_wallet_tier(chain, wallet.id, tier.map(str::to_owned)).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    /// axum handlers and spawned jobs need `Send` futures: this only has to compile.
    #[expect(dead_code, reason = "a compile-time check; never called")]
    fn futures_over_dyn_store_are_send(store: &dyn Store, purchase: &NewPurchase, ctx: &PurchaseContext) {
        let loyalty = Loyalty::new(store);
        let chain = ChainId(1);
        let now = Utc::now();
        assert_send(&loyalty.preview(chain, ProgramId(1), purchase, &[]));
        let redeem = RedeemRequest {
            wallet_id: WalletId(1),
            reward_key: String::new(),
            cafe_id: None,
            request_key: String::new(),
            actor: ctx.actor.clone(),
            shift_id: None,
        };
        assert_send(&loyalty.redeem(chain, &redeem, now));
        assert_send(&loyalty.apply_code(chain, "", CafeId(1), ctx.actor.clone(), now));
        assert_send(&loyalty.cancel_code(chain, "", ctx.actor.clone(), now));
        assert_send(&loyalty.expire(chain, ProgramId(1), now));
        assert_send(&loyalty.standing(chain, WalletId(1), None, now));
        let refund = RefundCommand {
            purchase_id: PurchaseId(1),
            refund: RefundRequest { refund_id: String::new(), amount_minor: 0 },
            actor: ctx.actor.clone(),
            shift_id: None,
        };
        assert_send(&loyalty.refund(chain, &refund, now));
    }
}
