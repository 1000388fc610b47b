//! The purchase workflow: how a sale or a refund becomes ledger entries, reward codes, a tier,
//! a notification and a stored answer. Written once, here, for every way a sale is recorded
//! (a POS webhook, a barista in the bot's staff mode, the web till, the demo seed).
//!
//! The workflow opens nothing itself. It runs inside one transaction that the store opened
//! and hands it as a [`SaleTx`]: a dozen storage primitives, each with a behaviour contract.
//! Storage implements them once per connection type and once more for batches (which collect
//! the rows of many sales and write them with multi-row statements); the business rules stay
//! in this file. Everything a sale writes, including the guest's notification and the answer
//! stored for retries, lands in that one transaction or not at all.
//!
//! ```no_run
//! # async fn demo<T: regulars_core::pos::workflow::SaleTx>(tx: &mut T, ingest: regulars_core::pos::ingest::PurchaseIngest)
//! # -> Result<(), T::Error> {
//! use regulars_core::ids::ChainId;
//! use regulars_core::pos::workflow::{Applied, apply_purchase};
//!
//! match apply_purchase(tx, ChainId(1), &ingest, chrono::Utc::now()).await? {
//!     Applied::Done(outcome) => println!("earned in {} programs", outcome.programs.len()),
//!     // Another transaction recorded this receipt first: roll back, answer with its outcome.
//!     Applied::Taken => {}
//! }
//! # Ok(()) }
//! ```

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::RecordedRefund;
use super::ingest::{
    CodeOutcome, GuestMatch, IngestOutcome, Notify, PurchaseIngest, RefundIngest, RefundSummary, Unmatched,
};
use crate::chain::Cafe;
use crate::identity::totp::TimeStep;
use crate::ids::{CafeId, ChainId, GuestId, PurchaseId, WalletId};
use crate::ledger::{Actor, LedgerEntry, NewLedgerEntry};
use crate::loyalty::{CodeToIssue, EarnSetting, PurchaseContext, plan_earn, wallet_scope};
use crate::notification::{IssuedCode, NewNotification, Notification, ProgramProgress};
use crate::program::Program;
use crate::purchase::{NewPurchase, Purchase};
use crate::rules::codes::{RewardCode, RewardCodeStatus};
use crate::rules::preview::EntryContext;
use crate::rules::refunds::{RefundRequest, plan_refund};
use crate::wallet::{Wallet, WalletScope};
use crate::{Error, Result};

/// How many fresh random texts an automatically issued reward code is drawn with before the
/// sale fails (a collision needs two equal 8-character codes in one chain: practically never).
pub const CODE_DRAWS: usize = 5;

/// What a workflow did inside its transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Applied<T> {
    /// Everything was written; commit and answer with this.
    Done(T),
    /// A unique key the workflow needed (the receipt, the delivery, a ledger key) was taken by
    /// another transaction first: the caller must roll back and answer with what that
    /// transaction stored.
    Taken,
}

/// One delivery's keys: where its answer is stored for retries.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The POS source (or `staff`, `demo`).
    pub source: &'a str,
    /// The delivery's own id.
    pub delivery_id: &'a str,
    /// The key of the event it reports (`purchase:<receipt>`, `refund:<id>`), so the same
    /// event delivered under a new delivery id is found too.
    pub event_key: &'a str,
}

/// The storage primitives the workflow runs on: the operations of one open write transaction.
///
/// Every method acts inside that transaction and sees the transaction's own writes. None of
/// them commits or rolls back: the caller that opened the transaction commits after
/// [`Applied::Done`] and rolls back after [`Applied::Taken`] or an error. An error is always
/// the end of the transaction (the workflow returns it as it is).
///
/// Implementations: `regulars-storage` (one connection of either backend, and a batch of
/// sales); the storage conformance suite runs the workflow over each.
pub trait SaleTx: Send {
    /// The store's error; core errors (a plan the rules engine refuses) convert into it.
    type Error: From<Error> + Send;

    /// The chain's cafe `cafe`.
    ///
    /// # Behaviour
    /// - Returns the cafe as stored; an unknown cafe or one of another chain is
    ///   [`Error::NotFound`].
    fn cafe(&mut self, chain: ChainId, cafe: CafeId) -> impl Future<Output = Result<Arc<Cafe>, Self::Error>> + Send;

    /// The chain's programs.
    ///
    /// # Behaviour
    /// - In ascending id order: the order wallets are locked in, so two transactions never
    ///   wait on each other in a circle.
    fn programs(&mut self, chain: ChainId) -> impl Future<Output = Result<Arc<[Program]>, Self::Error>> + Send;

    /// The public id (on the guest's card) of the chain's guest `guest`.
    ///
    /// # Behaviour
    /// - `None` when the guest does not exist in the chain.
    fn guest_public_id(
        &mut self,
        chain: ChainId,
        guest: GuestId,
    ) -> impl Future<Output = Result<Option<String>, Self::Error>> + Send;

    /// Marks the guest's card code of `step` as used.
    ///
    /// # Behaviour
    /// - `true` when no code of this or a later step was used before; `false` otherwise, and
    ///   nothing changes. A rollback leaves the step unused.
    fn accept_card_step(
        &mut self,
        chain: ChainId,
        guest: GuestId,
        step: TimeStep,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Records a purchase, with its `purchase.recorded` event.
    ///
    /// # Behaviour
    /// - The cafe and the guest are the caller's to check.
    /// - `None` when the chain already has this `(source, external_id)`: nothing is written.
    fn insert_purchase(
        &mut self,
        chain: ChainId,
        purchase: &NewPurchase,
    ) -> impl Future<Output = Result<Option<Purchase>, Self::Error>> + Send;

    /// The purchase `source` recorded as `receipt`.
    ///
    /// # Behaviour
    /// - `None` when there is none in the chain.
    fn purchase_by_receipt(
        &mut self,
        chain: ChainId,
        source: &str,
        receipt: &str,
    ) -> impl Future<Output = Result<Option<Purchase>, Self::Error>> + Send;

    /// The wallet of `scope` in `program`, opened empty on first use (at the program's entry
    /// tier, with a `wallet.opened` event), and locked for the rest of the transaction.
    ///
    /// # Behaviour
    /// - Returns the wallet as stored now, after any other transaction that held its lock.
    /// - Concurrent first purchases of one guest open one wallet.
    fn open_wallet(
        &mut self,
        chain: ChainId,
        program: &Program,
        scope: WalletScope,
    ) -> impl Future<Output = Result<Wallet, Self::Error>> + Send;

    /// The wallet of `scope`, locked for the rest of the transaction, if it exists.
    ///
    /// # Behaviour
    /// - `None` (and nothing is opened) when the guest has no wallet there.
    fn lock_wallet(
        &mut self,
        chain: ChainId,
        scope: WalletScope,
    ) -> impl Future<Output = Result<Option<Wallet>, Self::Error>> + Send;

    /// A locked wallet's ledger, oldest first, as this transaction sees it.
    ///
    /// # Behaviour
    /// - Every entry of the wallet, including those written earlier in this transaction.
    /// - Hand it back with [`SaleTx::keep_history`] before writing to the wallet, so the store
    ///   may keep it for the next transaction instead of reading it again.
    fn history(&mut self, wallet: WalletId) -> impl Future<Output = Result<Vec<LedgerEntry>, Self::Error>> + Send;

    /// Hands back a history read with [`SaleTx::history`], unchanged.
    ///
    /// # Behaviour
    /// - The store may keep it for later transactions, or drop it; it must forget it if this
    ///   transaction does not commit.
    fn keep_history(&mut self, wallet: WalletId, history: Vec<LedgerEntry>);

    /// Appends a ledger entry to its (locked) wallet and applies its deltas to the balances.
    ///
    /// # Behaviour
    /// - `false` when the chain already has an entry with this idempotency key: nothing is
    ///   written.
    /// - A debit the entry's overdraft rule forbids is [`Error::InsufficientBalance`].
    fn post_entry(
        &mut self,
        chain: ChainId,
        entry: NewLedgerEntry,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Sets the wallet's tier.
    ///
    /// # Behaviour
    /// - When `tier` differs from the wallet's current tier (`wallet.tier`, as locked), stores
    ///   it with a `wallet.tier_changed` event; otherwise writes nothing.
    fn set_tier(
        &mut self,
        chain: ChainId,
        wallet: &Wallet,
        tier: Option<String>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Issues a reward code, with a `reward_code.issued` event.
    ///
    /// # Behaviour
    /// - When a code was issued before for the same ledger key, returns that one and writes
    ///   nothing.
    /// - `None` when another code of the chain has the same text: draw another.
    fn issue_code(
        &mut self,
        chain: ChainId,
        code: RewardCode,
    ) -> impl Future<Output = Result<Option<RewardCode>, Self::Error>> + Send;

    /// The chain's reward code with this (normalised) text, locked for the rest of the
    /// transaction so that a concurrent sale with the same code waits and then sees it used.
    ///
    /// # Behaviour
    /// - `None` when the chain has no such code.
    fn lock_reward_code(
        &mut self,
        chain: ChainId,
        code: &str,
    ) -> impl Future<Output = Result<Option<RewardCode>, Self::Error>> + Send;

    /// Moves a reward code from `expected` to `next`'s status, with the status's event.
    ///
    /// # Behaviour
    /// - `false` when the code's status is no longer `expected`: nothing is written.
    fn update_reward_code(
        &mut self,
        chain: ChainId,
        expected: RewardCodeStatus,
        next: &RewardCode,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// The refunds recorded against a purchase, oldest first.
    ///
    /// # Behaviour
    /// - Every refund [`SaleTx::record_refund`] wrote for it, with or without a guest.
    fn refunds_of(
        &mut self,
        chain: ChainId,
        purchase: PurchaseId,
    ) -> impl Future<Output = Result<Vec<RecordedRefund>, Self::Error>> + Send;

    /// Records a refund of `purchase`, with a `purchase.refunded` event.
    ///
    /// # Behaviour
    /// - `false` when this refund id was recorded for the purchase before: nothing is written.
    fn record_refund(
        &mut self,
        chain: ChainId,
        purchase: &Purchase,
        refund: &RecordedRefund,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Queues a notification for the guest, to be sent after the commit.
    ///
    /// # Behaviour
    /// - `false` when a notification with the same dedupe key was queued before: nothing new
    ///   is queued.
    fn enqueue(
        &mut self,
        chain: ChainId,
        notification: NewNotification,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// Stores a delivery's answer under its delivery id and its event key, for retries.
    ///
    /// # Behaviour
    /// - `false` when either key is taken: nothing is written.
    fn store_outcome(
        &mut self,
        chain: ChainId,
        delivery: Delivery<'_>,
        outcome: &IngestOutcome,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;
}

/// Stops the workflow with [`Applied::Taken`] when a primitive reports a taken key.
macro_rules! or_taken {
    ($written:expr) => {
        match $written {
            Some(value) => value,
            None => return Ok(Applied::Taken),
        }
    };
}

/// Records a sale and what it earns, inside `tx`.
///
/// In order: the cafe and its currency are checked; a named guest is looked up in the chain
/// and the card code's step marked used (a code used before leaves the sale without a guest);
/// the purchase is recorded; each program that earns at the cafe opens the guest's wallet,
/// plans over its history and posts the plan's entries, reward codes and tier; a reward code
/// redeemed with the sale is applied (or refused, which never fails the sale); the guest's
/// notification is queued (unless the ingest is [`Notify::Silent`]); and the answer is stored
/// under the delivery's keys.
///
/// # Errors
/// [`Error::InvalidInput`] for a sale in another currency than the cafe's or one the rules
/// cannot rate; [`Error::NotFound`] for an unknown cafe or guest; the store's errors.
pub async fn apply_purchase<T: SaleTx>(
    tx: &mut T,
    chain: ChainId,
    ingest: &PurchaseIngest,
    now: DateTime<Utc>,
) -> Result<Applied<IngestOutcome>, T::Error> {
    let mut purchase: NewPurchase = ingest.purchase.clone();
    let cafe = tx.cafe(chain, purchase.cafe_id).await?;
    if purchase.total.currency != cafe.currency {
        let why = format!("{} takes {}; the sale is in {}", cafe.name, cafe.currency, purchase.total.currency);
        return Err(Error::invalid("currency", why).into());
    }
    let mut guest_match = ingest.guest.clone();
    if let Some(guest) = purchase.guest_id {
        let public_id =
            tx.guest_public_id(chain, guest).await?.ok_or_else(|| Error::not_found(GuestId::ENTITY, guest))?;
        // The code is used by this sale only if the sale is written: a rollback (a duplicate,
        // an outage) leaves it unused for the retry.
        if let Some(step) = ingest.card_step
            && !tx.accept_card_step(chain, guest, step).await?
        {
            purchase.guest_id = None;
            guest_match = GuestMatch::unmatched(Unmatched::CodeAlreadyUsed);
        }
        if let GuestMatch::Matched { public_id: shown, .. } = &mut guest_match {
            *shown = public_id;
        }
    }
    let purchase = or_taken!(tx.insert_purchase(chain, &purchase).await?);
    let mut progress = Vec::new();
    if let Some(guest) = purchase.details.guest_id {
        let ctx = PurchaseContext {
            actor: ingest.actor(),
            shift_id: ingest.shift_id(),
            promotions: ingest.promotions.clone(),
        };
        for program in tx.programs(chain).await?.iter().filter(|p| p.is_earning() && p.rules.earns_at(cafe.id)) {
            let shown = or_taken!(earn_in(tx, chain, program, guest, &purchase, &cafe, &ctx, now).await?);
            progress.push(shown);
        }
    }
    let reward_code = match &ingest.reward_code {
        Some(typed) => Some(apply_reward_code(tx, chain, typed, cafe.id, ingest.actor(), now).await?),
        None => None,
    };
    let notified = match earned_notification(&ingest.source, &purchase, &progress) {
        Some(notification) if ingest.notify == Notify::Guest => tx.enqueue(chain, notification).await?,
        _ => false,
    };
    let outcome = IngestOutcome {
        event: "purchase.completed".into(),
        receipt_id: purchase.details.external_id.clone(),
        purchase_id: purchase.id,
        duplicate: false,
        guest: guest_match,
        programs: progress,
        reward_code,
        refund: None,
        notified,
    };
    let event_key = ingest.event_key();
    let delivery = Delivery { source: &ingest.source, delivery_id: &ingest.delivery_id, event_key: &event_key };
    store_answer(tx, chain, delivery, outcome).await
}

/// Stores a delivery's answer for its retries: [`Applied::Taken`] when another transaction
/// stored one under the same keys first.
async fn store_answer<T: SaleTx>(
    tx: &mut T,
    chain: ChainId,
    delivery: Delivery<'_>,
    outcome: IngestOutcome,
) -> Result<Applied<IngestOutcome>, T::Error> {
    Ok(match tx.store_outcome(chain, delivery, &outcome).await? {
        true => Applied::Done(outcome),
        false => Applied::Taken,
    })
}

/// What one program earns from a recorded purchase, written: `None` when a ledger key was
/// taken.
#[expect(clippy::too_many_arguments, reason = "one earn's whole setting, passed by the workflow above only")]
async fn earn_in<T: SaleTx>(
    tx: &mut T,
    chain: ChainId,
    program: &Program,
    guest: GuestId,
    purchase: &Purchase,
    cafe: &Cafe,
    ctx: &PurchaseContext,
    now: DateTime<Utc>,
) -> Result<Option<ProgramProgress>, T::Error> {
    let wallet = tx.open_wallet(chain, program, wallet_scope(program, guest, cafe.id)).await?;
    let history = tx.history(wallet.id).await?;
    let plan = plan_earn(&EarnSetting {
        program,
        wallet: &wallet,
        history: &history,
        purchase,
        cafe_timezone: cafe.timezone,
        ctx,
    });
    tx.keep_history(wallet.id, history);
    let plan = plan?;
    for entry in plan.entries {
        if !tx.post_entry(chain, entry).await? {
            return Ok(None);
        }
    }
    let calc = &plan.calculation;
    let mut shown = ProgramProgress::after(
        program,
        (calc.points, calc.stamps),
        calc.balances_after,
        &calc.tier_after,
        calc.tier_changed(),
        Some(cafe.id),
    );
    for to_issue in &plan.codes {
        shown.codes.push(issue_drawn_code(tx, chain, to_issue, wallet.id, now).await?);
    }
    tx.set_tier(chain, &wallet, calc.tier_after.name().map(str::to_owned)).await?;
    Ok(Some(shown))
}

/// Issues an automatically earned reward code, drawing a new text on a collision.
async fn issue_drawn_code<T: SaleTx>(
    tx: &mut T,
    chain: ChainId,
    to_issue: &CodeToIssue,
    wallet: WalletId,
    now: DateTime<Utc>,
) -> Result<IssuedCode, T::Error> {
    let code = draw_code(tx, chain, to_issue, wallet, now).await?;
    Ok(IssuedCode { reward: code.reward_name, code: code.code })
}

/// Issues the reward code a ledger entry paid for, drawing a new text on a collision (up to
/// [`CODE_DRAWS`] times).
pub(super) async fn draw_code<T: SaleTx>(
    tx: &mut T,
    chain: ChainId,
    to_issue: &CodeToIssue,
    wallet: WalletId,
    now: DateTime<Utc>,
) -> Result<RewardCode, T::Error> {
    for _ in 0..CODE_DRAWS {
        if let Some(code) = tx.issue_code(chain, to_issue.draw(wallet, now)).await? {
            return Ok(code);
        }
    }
    Err(Error::internal("no free reward code text after several draws").into())
}

/// Marks a reward code redeemed with a sale as used at `cafe`. A code that cannot be used is
/// reported in the outcome, never an error: the sale is recorded either way.
async fn apply_reward_code<T: SaleTx>(
    tx: &mut T,
    chain: ChainId,
    typed: &str,
    cafe: CafeId,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<CodeOutcome, T::Error> {
    let refused = |reward: Option<String>, reason: String| CodeOutcome {
        code: typed.to_owned(),
        applied: false,
        reward,
        reason: Some(reason),
    };
    let Some(code) = tx.lock_reward_code(chain, &RewardCode::normalise(typed)).await? else {
        return Ok(refused(None, "unknown reward code".into()));
    };
    let reward = Some(code.reward_name.clone());
    if code.status == RewardCodeStatus::Issued && code.is_past_validity(now) {
        let expired = code.expire(now)?;
        tx.update_reward_code(chain, RewardCodeStatus::Issued, &expired).await?;
        return Ok(refused(reward, format!("reward code {} has expired", code.code)));
    }
    let used = match code.apply(cafe, actor, now) {
        Ok(used) => used,
        Err(refusal) => return Ok(refused(reward, refusal.to_string())),
    };
    // The code is locked, so this only fails if a store does not lock: refuse rather than
    // lose the sale.
    if !tx.update_reward_code(chain, RewardCodeStatus::Issued, &used).await? {
        return Ok(refused(reward, format!("reward code {} was used by another sale", code.code)));
    }
    Ok(CodeOutcome { code: code.code, applied: true, reward, reason: None })
}

/// What the guest of a sale is told: the progress in each program, when a sale earned points
/// or stamps or issued a reward code to a known guest.
#[must_use]
pub fn earned_notification(source: &str, purchase: &Purchase, progress: &[ProgramProgress]) -> Option<NewNotification> {
    let guest = purchase.details.guest_id?;
    progress.iter().any(|p| p.change != 0 || !p.codes.is_empty()).then(|| NewNotification {
        guest_id: guest,
        dedupe_key: format!("earned:{source}:{}", purchase.details.external_id),
        notification: Notification::Earned {
            purchase_id: purchase.id,
            cafe_id: purchase.details.cafe_id,
            programs: progress.to_vec(),
        },
    })
}

/// Records a refund of a recorded sale and reverses its share of what the sale earned, inside
/// `tx`.
///
/// What is left to refund comes from the purchase's own refunds (amounts and lines), so a
/// receipt is never refunded past what was sold, whether or not it earned anything: a second
/// full refund gives back 0, and a line refunded once cannot be refunded again.
///
/// # Errors
/// [`Error::NotFound`] for an unknown receipt; [`Error::InvalidInput`] for a refund at another
/// cafe, in another currency, or of more than is left; the store's errors.
pub async fn apply_refund<T: SaleTx>(
    tx: &mut T,
    chain: ChainId,
    ingest: &RefundIngest,
    now: DateTime<Utc>,
) -> Result<Applied<IngestOutcome>, T::Error> {
    let receipt = &ingest.refund.receipt_id;
    let purchase = tx
        .purchase_by_receipt(chain, &ingest.source, receipt)
        .await?
        .ok_or_else(|| Error::not_found(PurchaseId::ENTITY, receipt))?;
    if purchase.details.cafe_id != ingest.cafe_id {
        return Err(Error::invalid("cafe", format!("receipt {receipt} was sold at another cafe")).into());
    }
    let earlier = tx.refunds_of(chain, purchase.id).await?;
    let amount_minor = ingest.refund.amount_left(&purchase.details, &earlier)?;
    let mut progress = Vec::new();
    let mut guest_match = GuestMatch::None;
    if let Some(guest) = purchase.details.guest_id {
        let public_id = tx.guest_public_id(chain, guest).await?.unwrap_or_default();
        guest_match = GuestMatch::Matched { public_id, via: None };
        let request = RefundRequest { refund_id: ingest.refund.refund_id.clone(), amount_minor };
        for program in tx.programs(chain).await?.iter() {
            let scope = wallet_scope(program, guest, purchase.details.cafe_id);
            let Some(wallet) = tx.lock_wallet(chain, scope).await? else { continue };
            let history = tx.history(wallet.id).await?;
            let plan = plan_refund(program, &purchase.details, &request, &history, now);
            tx.keep_history(wallet.id, history);
            let plan = plan?;
            let Some(entry) = &plan.entry else { continue };
            let ctx = EntryContext {
                wallet_id: wallet.id,
                actor: ingest.actor(),
                cafe_id: Some(purchase.details.cafe_id),
                shift_id: None,
                purchase_id: Some(purchase.id),
            };
            if !tx.post_entry(chain, entry.to_new_entry(&ctx)).await? {
                return Ok(Applied::Taken);
            }
            let tier_after = plan.tier_after.name().map(str::to_owned);
            let tier_changed = wallet.tier != tier_after;
            tx.set_tier(chain, &wallet, tier_after).await?;
            progress.push(ProgramProgress::after(
                program,
                (-plan.reversed_points, -plan.reversed_stamps),
                plan.balances_after,
                &plan.tier_after,
                tier_changed,
                Some(purchase.details.cafe_id),
            ));
        }
    }
    let recorded = RecordedRefund {
        refund_id: ingest.refund.refund_id.clone(),
        amount_minor,
        lines: ingest.refund.lines.clone(),
        source: ingest.source.clone(),
    };
    if !tx.record_refund(chain, &purchase, &recorded).await? {
        return Ok(Applied::Taken);
    }
    let notified = match purchase.details.guest_id {
        Some(guest) if progress.iter().any(|p| p.change != 0) => {
            let notification = NewNotification {
                guest_id: guest,
                dedupe_key: format!("refunded:{}:{}", ingest.source, ingest.refund.refund_id),
                notification: Notification::Refunded {
                    purchase_id: purchase.id,
                    cafe_id: purchase.details.cafe_id,
                    programs: progress.clone(),
                },
            };
            tx.enqueue(chain, notification).await?
        }
        _ => false,
    };
    let outcome = IngestOutcome {
        event: "purchase.refunded".into(),
        receipt_id: receipt.clone(),
        purchase_id: purchase.id,
        duplicate: false,
        guest: guest_match,
        programs: progress,
        reward_code: None,
        refund: Some(RefundSummary { refund_id: ingest.refund.refund_id.clone(), amount_minor }),
        notified,
    };
    let event_key = ingest.event_key();
    let delivery = Delivery { source: &ingest.source, delivery_id: &ingest.delivery_id, event_key: &event_key };
    store_answer(tx, chain, delivery, outcome).await
}
