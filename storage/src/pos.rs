//! POS deliveries, each applied in one transaction ([`PosRepo`]).
//!
//! The transaction reads what the rules engine needs *inside* itself (each wallet's ledger
//! after locking the wallet row, only the new part when a [`HistoryCache`] holds the rest; the
//! cafe and the programs unless a fresh [`CatalogCache`] entry has them), plans with the same
//! pure functions the loyalty service uses ([`plan_earn`], [`plan_refund`]), and writes the
//! purchase, the entries, codes, tier, outbox row and the stored outcome. A unique index that
//! reports a clash (the receipt, the delivery id, or on PostgreSQL a concurrent writer of
//! either) rolls everything back; the caller then answers with the outcome stored by whoever
//! applied it first.

use async_trait::async_trait;
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::ids::{CafeId, ChainId, GuestId, PurchaseId, WalletId};
use regulars_core::ledger::{Actor, LedgerEntry};
use regulars_core::loyalty::{EarnSetting, PurchaseContext, plan_earn, wallet_scope};
use regulars_core::notification::{NewNotification, Notification, ProgramProgress};
use regulars_core::pos::ingest::{
    CodeOutcome, GuestMatch, IngestOutcome, PurchaseIngest, RefundIngest, RefundSummary, Unmatched,
};
use regulars_core::program::Program;
use regulars_core::purchase::{NewPurchase, Purchase};
use regulars_core::rules::codes::{RewardCode, RewardCodeStatus};
use regulars_core::rules::preview::EntryContext;
use regulars_core::rules::refunds::{RefundRequest, plan_refund, refunded_minor};
use regulars_core::store::PosRepo;
use regulars_core::wallet::WalletScope;
use regulars_core::{Error, Result};
use serde_json::json;

use crate::cached::{Bind, Cached};
use crate::cafes::CafeRow;
use crate::catalog_cache::CatalogCache;
use crate::columns::{from_json, now_millis, to_json, to_millis};
use crate::error::DbError;
use crate::events::append_event;
use crate::history_cache::HistoryCache;
use crate::identity::accept_step_in_tx;
use crate::ledger::{EntryRow, PostInTx, WalletRow, lock_wallet_in_tx, open_wallet_in_tx, set_tier_in_tx};
use crate::outbox::enqueue_in_tx;
use crate::programs::ProgramRow;
use crate::purchases::{PurchaseRow, insert_purchase_in_tx, purchase_by_receipt_in};
use crate::reward_codes::{
    RewardCodeRow, issue_code_in_tx, issue_drawn_code_in_tx, issue_new_code_in_tx, status_event, update_code_in_tx,
};
use crate::schema::{cafes, guests, ledger_entries, pos_deliveries, programs, purchases, reward_codes, wallets};
use crate::store::{Backend, Caches, DbStore, read, write_tx};

/// The stored outcome of the delivery whose `$key_column` is `$key` (delivery id or event key),
/// inside any connection.
macro_rules! find_delivery {
    ($c:ident, $chain:expr, $source:expr, $key_column:expr, $key:expr) => {
        pos_deliveries::table
            .filter(pos_deliveries::chain_id.eq($chain.get()))
            .filter(pos_deliveries::source.eq($source))
            .filter($key_column.eq($key))
            .select(pos_deliveries::outcome)
            .get_result::<String>($c)
            .await
            .optional()?
    };
}

#[async_trait]
impl PosRepo for DbStore {
    async fn delivery_outcome(
        &self,
        chain: ChainId,
        source: &str,
        delivery_id: &str,
        event_key: &str,
    ) -> Result<Option<IngestOutcome>> {
        // Two point lookups, one per unique index: with `delivery_id = ? OR event_key = ?` in
        // one statement PostgreSQL's generic plan scanned every delivery of the source.
        let stored: Option<String> = read!(self, |c| {
            match find_delivery!(c, chain, source, pos_deliveries::delivery_id, delivery_id) {
                Some(found) => Ok(Some(found)),
                None => Ok(find_delivery!(c, chain, source, pos_deliveries::event_key, event_key)),
            }
        })?;
        Ok(stored
            .map(|text| from_json::<IngestOutcome>("pos_deliveries.outcome", &text).map(IngestOutcome::as_duplicate))
            .transpose()?)
    }

    async fn ingest_purchase(&self, chain: ChainId, ingest: PurchaseIngest) -> Result<IngestOutcome> {
        ingest.purchase.validate()?;
        let event_key = ingest.event_key();
        let (source, delivery_id, receipt) =
            (ingest.source.clone(), ingest.delivery_id.clone(), ingest.purchase.external_id.clone());
        // Through the backend's batches (see `pos_batch`): a plain sale is applied together
        // with the others waiting, anything else alone, in the same order of business.
        self.apply_once(chain, &source, &delivery_id, &event_key, Some(&receipt), || {
            let (ingest, caches) = (ingest.clone(), self.caches.clone());
            async move {
                match &self.backend {
                    _ if !self.pos_batches => write_tx!(self, |c| c.purchase_in_tx(chain, ingest, &caches).await),
                    Backend::Sqlite(db) => db.ingest(chain, ingest).await,
                    Backend::Postgres(db) => db.ingest(chain, ingest).await,
                }
            }
        })
        .await
    }

    async fn ingest_refund(&self, chain: ChainId, ingest: RefundIngest) -> Result<IngestOutcome> {
        ingest.refund.validate("").map_err(|e| Error::invalid("refund", e.to_string()))?;
        let event_key = ingest.event_key();
        let (source, delivery_id) = (ingest.source.clone(), ingest.delivery_id.clone());
        self.apply_once(chain, &source, &delivery_id, &event_key, None, || {
            let (ingest, caches) = (ingest.clone(), self.caches.clone());
            async move { write_tx!(self, |c| c.refund_in_tx(chain, ingest, &caches).await) }
        })
        .await
    }

    async fn purchase_by_receipt(&self, chain: ChainId, source: &str, receipt: &str) -> Result<Purchase> {
        let row: Option<PurchaseRow> = read!(self, |c| Ok(purchase_by_receipt_in!(c, chain, source, receipt)))?;
        Ok(row.ok_or_else(|| Error::not_found(PurchaseId::ENTITY, receipt))?.into_purchase()?)
    }
}

impl DbStore {
    /// Runs `apply` (one transaction) until it either applies the delivery or finds it applied
    /// by someone else: a clash on a unique index rolls the transaction back, and the stored
    /// outcome of the first delivery is the answer.
    async fn apply_once<F, Fut>(
        &self,
        chain: ChainId,
        source: &str,
        delivery_id: &str,
        event_key: &str,
        receipt: Option<&str>,
        apply: F,
    ) -> Result<IngestOutcome>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<IngestOutcome, DbError>>,
    {
        for _ in 0..3 {
            match apply().await {
                Err(DbError::KeyRace) => {}
                other => return Ok(other?),
            }
            if let Some(done) = self.delivery_outcome(chain, source, delivery_id, event_key).await? {
                return Ok(done);
            }
            // A receipt recorded outside POS ingestion has no stored outcome: answer from the
            // purchase itself.
            if let Some(receipt) = receipt
                && let Ok(purchase) = self.purchase_by_receipt(chain, source, receipt).await
            {
                return Ok(bare_duplicate(&purchase));
            }
        }
        Err(Error::Unavailable("concurrent deliveries of the same receipt; retry".into()))
    }
}

/// The answer to a retry of a receipt recorded without a stored outcome.
fn bare_duplicate(purchase: &Purchase) -> IngestOutcome {
    IngestOutcome {
        event: "purchase.completed".into(),
        receipt_id: purchase.details.external_id.clone(),
        purchase_id: purchase.id,
        duplicate: true,
        guest: GuestMatch::None,
        programs: Vec::new(),
        reward_code: None,
        refund: None,
        notified: false,
    }
}

/// What the guest of a sale is told: the progress in each program, when a sale earned points or
/// stamps or issued a reward code to a known guest (one sale alone and a batch alike).
pub(crate) fn earned_notification(
    source: &str,
    purchase: &Purchase,
    progress: &[ProgramProgress],
) -> Option<NewNotification> {
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

/// The refused reward code, as the outcome reports it.
fn code_refused(code: &str, reward: Option<String>, reason: impl Into<String>) -> CodeOutcome {
    CodeOutcome { code: code.to_owned(), applied: false, reward, reason: Some(reason.into()) }
}

/// The transactional bodies, for whichever connection type the backend uses.
pub(crate) trait IngestInTx {
    fn purchase_in_tx(
        &mut self,
        chain: ChainId,
        ingest: PurchaseIngest,
        caches: &Caches,
    ) -> impl Future<Output = Result<IngestOutcome, DbError>> + Send;

    fn refund_in_tx(
        &mut self,
        chain: ChainId,
        ingest: RefundIngest,
        caches: &Caches,
    ) -> impl Future<Output = Result<IngestOutcome, DbError>> + Send;
}

/// A wallet's ledger, oldest first, inside the current transaction: what `$cache` holds of it
/// plus the entries written since (see [`HistoryCache`]). Evaluates to the `Vec<LedgerEntry>`,
/// which the caller puts back into the cache once it has planned over it, before writing to
/// the wallet.
macro_rules! history_in_tx {
    ($c:ident, $wallet:expr, $cache:expr) => {{
        let (wallet, cache): (WalletId, &HistoryCache) = ($wallet, $cache);
        let mut history = cache.take(wallet);
        let seen = history.last().map_or(0, |e: &LedgerEntry| e.id.get());
        // By wallet only (the caller found the wallet in the chain): with a `chain_id` term too,
        // PostgreSQL's generic plan intersected this index with the chain-wide key index,
        // reading every entry of the chain.
        let rows: Vec<EntryRow> = ledger_entries::table
            .filter(ledger_entries::wallet_id.eq(wallet.get()))
            .filter(ledger_entries::id.gt(seen))
            .order(ledger_entries::id.asc())
            .select(EntryRow::as_select())
            .load($c)
            .await?;
        history.reserve(rows.len());
        for row in rows {
            history.push(row.into_entry()?);
        }
        history
    }};
}

/// The chain's programs, in id order (the order wallets are locked in): from `$catalog` when
/// fresh (see [`CatalogCache`]), else read inside the transaction and kept. Evaluates to an
/// `Arc<[Program]>`.
macro_rules! programs_in_tx {
    ($c:ident, $chain:expr, $catalog:expr) => {{
        let (chain, catalog): (ChainId, &CatalogCache) = ($chain, $catalog);
        match catalog.programs(chain) {
            Some(programs) => programs,
            None => {
                let generation = catalog.generation();
                let rows: Vec<ProgramRow> = programs::table
                    .filter(programs::chain_id.eq(chain.get()))
                    .order(programs::id.asc())
                    .select(ProgramRow::as_select())
                    .load($c)
                    .await?;
                let programs: std::sync::Arc<[Program]> =
                    rows.into_iter().map(ProgramRow::into_program).collect::<Result<_, DbError>>()?;
                catalog.keep_programs(chain, generation, programs.clone());
                programs
            }
        }
    }};
}

/// The chain's cafe `$cafe`: from `$catalog` when fresh, else read inside the transaction and
/// kept. Evaluates to an `Arc<Cafe>`; an unknown cafe is [`Error::NotFound`].
macro_rules! cafe_in_tx {
    ($c:ident, $chain:expr, $cafe:expr, $catalog:expr) => {{
        let (chain, cafe, catalog): (ChainId, CafeId, &CatalogCache) = ($chain, $cafe, $catalog);
        match catalog.cafe(chain, cafe) {
            Some(found) => found,
            None => {
                let generation = catalog.generation();
                let row: Option<CafeRow> = cafes::table
                    .filter(cafes::id.eq(cafe.get()))
                    .filter(cafes::chain_id.eq(chain.get()))
                    .select(CafeRow::as_select())
                    .get_result($c)
                    .await
                    .optional()?;
                let found =
                    std::sync::Arc::new(row.ok_or_else(|| Error::not_found(CafeId::ENTITY, cafe))?.into_cafe()?);
                catalog.keep_cafe(chain, generation, found.clone());
                found
            }
        }
    }};
}

pub(crate) use {cafe_in_tx, programs_in_tx};

crate::cached::statements! {
    /// Stores a delivery's outcome unless its delivery id or event key is taken.
    InsertDelivery => "INSERT INTO pos_deliveries (chain_id, source, delivery_id, event_key, purchase_id, outcome, \
        created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
}

/// Stores the outcome under the delivery id and the event key; a clash rolls back.
macro_rules! store_outcome_in_tx {
    ($c:ident, $chain:expr, $source:expr, $delivery_id:expr, $event_key:expr, $outcome:expr) => {{
        let outcome: &IngestOutcome = &$outcome;
        let text = to_json(outcome);
        let stored = Cached::<InsertDelivery>::new(vec![
            Bind::I64($chain.get()),
            Bind::Text($source),
            Bind::Text($delivery_id),
            Bind::Text(&$event_key),
            Bind::I64(outcome.purchase_id.get()),
            Bind::Text(&text),
            Bind::I64(now_millis()),
        ])
        .execute($c)
        .await?;
        if stored == 0 {
            return Err(DbError::KeyRace);
        }
    }};
}

/// Posts every entry of a plan; a key already used rolls the whole delivery back.
macro_rules! post_all_in_tx {
    ($c:ident, $chain:expr, $entries:expr) => {
        for entry in $entries {
            $c.post_in_tx($chain, entry, false).await?;
        }
    };
}

macro_rules! impl_ingest_in_tx {
    ($conn:ty) => {
        impl IngestInTx for $conn {
            async fn purchase_in_tx(
                &mut self,
                chain: ChainId,
                ingest: PurchaseIngest,
                caches: &Caches,
            ) -> Result<IngestOutcome, DbError> {
                let c = self;
                let histories = &caches.histories;
                let now = Utc::now();
                let mut purchase: NewPurchase = ingest.purchase.clone();
                let cafe = cafe_in_tx!(c, chain, purchase.cafe_id, &caches.catalog);
                if purchase.total.currency != cafe.currency {
                    return Err(Error::invalid(
                        "currency",
                        format!("{} takes {}; the sale is in {}", cafe.name, cafe.currency, purchase.total.currency),
                    )
                    .into());
                }
                let mut guest_match = ingest.guest.clone();
                let mut public_id = None;
                if let Some(guest) = purchase.guest_id {
                    let found: Option<String> = guests::table
                        .filter(guests::id.eq(guest.get()))
                        .filter(guests::chain_id.eq(chain.get()))
                        .select(guests::public_id)
                        .first(c)
                        .await
                        .optional()?;
                    public_id = Some(found.ok_or_else(|| Error::not_found(GuestId::ENTITY, guest))?);
                    // The code is used by this sale only if the sale is written: a rollback
                    // (a duplicate, an outage) leaves it unused for the retry.
                    if let Some(step) = ingest.card_step {
                        let accepted = accept_step_in_tx!(c, chain, guest, step.as_i64());
                        if !accepted {
                            purchase.guest_id = None;
                            guest_match = GuestMatch::unmatched(Unmatched::CodeAlreadyUsed);
                        }
                    }
                }
                let Some(row) = insert_purchase_in_tx!(c, chain, &purchase) else {
                    return Err(DbError::KeyRace);
                };
                let purchase = row.into_purchase()?;
                let mut progress = Vec::new();
                if let Some(guest) = purchase.details.guest_id {
                    let ctx = PurchaseContext {
                        actor: ingest.actor(),
                        shift_id: None,
                        promotions: ingest.promotions.clone(),
                    };
                    for program in programs_in_tx!(c, chain, &caches.catalog).iter() {
                        if !program.rules.earns_at(cafe.id) {
                            continue;
                        }
                        let wallet =
                            open_wallet_in_tx!(c, chain, program, wallet_scope(&program, guest, cafe.id)).into_wallet()?;
                        let history = history_in_tx!(c, wallet.id, histories);
                        let plan = plan_earn(&EarnSetting {
                            program: &program,
                            wallet: &wallet,
                            history: &history,
                            purchase: &purchase,
                            cafe_timezone: cafe.timezone,
                            ctx: &ctx,
                        })?;
                        histories.put(wallet.id, history);
                        post_all_in_tx!(c, chain, plan.entries);
                        let calc = &plan.calculation;
                        let mut shown = ProgramProgress::after(
                            &program,
                            (calc.points, calc.stamps),
                            calc.balances_after,
                            &calc.tier_after,
                            calc.tier_changed(),
                            Some(cafe.id),
                        );
                        for to_issue in &plan.codes {
                            shown.codes.push(issue_drawn_code_in_tx!(c, chain, to_issue, wallet.id, now));
                        }
                        let tier_after = calc.tier_after.name().map(str::to_owned);
                        set_tier_in_tx!(c, chain, wallet.id, guest, wallet.tier.clone(), tier_after);
                        progress.push(shown);
                    }
                }
                let reward_code = match &ingest.reward_code {
                    None => None,
                    Some(typed) => Some(apply_code_in_tx!(c, chain, typed, cafe.id, ingest.actor(), now)),
                };
                let notification = earned_notification(&ingest.source, &purchase, &progress);
                let notified = notification.is_some();
                if let Some(notification) = notification {
                    enqueue_in_tx!(c, chain, notification);
                }
                if let (GuestMatch::Matched { public_id: shown, .. }, Some(stored)) = (&mut guest_match, public_id) {
                    *shown = stored;
                }
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
                store_outcome_in_tx!(c, chain, &ingest.source, &ingest.delivery_id, ingest.event_key(), outcome);
                Ok(outcome)
            }

            async fn refund_in_tx(
                &mut self,
                chain: ChainId,
                ingest: RefundIngest,
                caches: &Caches,
            ) -> Result<IngestOutcome, DbError> {
                let c = self;
                let histories = &caches.histories;
                let now = Utc::now();
                let receipt = &ingest.refund.receipt_id;
                let row: Option<PurchaseRow> = purchase_by_receipt_in!(c, chain, &ingest.source, receipt);
                let purchase = row.ok_or_else(|| Error::not_found(PurchaseId::ENTITY, receipt))?.into_purchase()?;
                if purchase.details.cafe_id != ingest.cafe_id {
                    return Err(Error::invalid("cafe", format!("receipt {receipt} was sold at another cafe")).into());
                }
                let stated = ingest.refund.amount_minor(&purchase.details)?;
                // The whole receipt, with no amount stated, means whatever is left of it after
                // earlier partial refunds.
                let the_rest = ingest.refund.amount.is_none() && stated == purchase.details.total.minor;
                let mut amount_minor = stated;
                let mut progress = Vec::new();
                let mut guest_match = GuestMatch::None;
                if let Some(guest) = purchase.details.guest_id {
                    let public_id: String = guests::table
                        .filter(guests::id.eq(guest.get()))
                        .select(guests::public_id)
                        .first(c)
                        .await?;
                    guest_match = GuestMatch::Matched { public_id, via: None };
                    for program in programs_in_tx!(c, chain, &caches.catalog).iter() {
                        let scope: WalletScope = wallet_scope(&program, guest, purchase.details.cafe_id);
                        let locked: Option<WalletRow> = lock_wallet_in_tx!(c, scope);
                        let Some(wallet) = locked else { continue };
                        let wallet = wallet.into_wallet()?;
                        let history = history_in_tx!(c, wallet.id, histories);
                        if the_rest {
                            amount_minor = (stated - refunded_minor(&program, &purchase.details, &history)).max(0);
                        }
                        let request = RefundRequest { refund_id: ingest.refund.refund_id.clone(), amount_minor };
                        let plan = plan_refund(&program, &purchase.details, &request, &history, now)?;
                        histories.put(wallet.id, history);
                        let Some(entry) = &plan.entry else { continue };
                        let ctx = EntryContext {
                            wallet_id: wallet.id,
                            actor: ingest.actor(),
                            cafe_id: Some(purchase.details.cafe_id),
                            shift_id: None,
                            purchase_id: Some(purchase.id),
                        };
                        post_all_in_tx!(c, chain, [entry.to_new_entry(&ctx)]);
                        let tier_after = plan.tier_after.name().map(str::to_owned);
                        let tier_changed = wallet.tier != tier_after;
                        set_tier_in_tx!(c, chain, wallet.id, guest, wallet.tier.clone(), tier_after);
                        progress.push(ProgramProgress::after(
                            &program,
                            (-plan.reversed_points, -plan.reversed_stamps),
                            plan.balances_after,
                            &plan.tier_after,
                            tier_changed,
                            Some(purchase.details.cafe_id),
                        ));
                    }
                }
                let notified = match purchase.details.guest_id {
                    Some(guest) if progress.iter().any(|p| p.change != 0) => {
                        enqueue_in_tx!(
                            c,
                            chain,
                            NewNotification {
                                guest_id: guest,
                                dedupe_key: format!("refunded:{}:{}", ingest.source, ingest.refund.refund_id),
                                notification: Notification::Refunded {
                                    purchase_id: purchase.id,
                                    cafe_id: purchase.details.cafe_id,
                                    programs: progress.clone(),
                                },
                            }
                        );
                        true
                    }
                    _ => false,
                };
                append_event!(
                    c,
                    chain,
                    "purchase.refunded",
                    format!("purchase:{}", purchase.id),
                    json!({ "source": ingest.source, "refund": ingest.refund.refund_id, "amount_minor": amount_minor })
                );
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
                store_outcome_in_tx!(c, chain, &ingest.source, &ingest.delivery_id, ingest.event_key(), outcome);
                Ok(outcome)
            }
        }
    };
}

/// Marks a reward code redeemed with a sale as used at `cafe`, inside the transaction.
/// Evaluates to the [`CodeOutcome`]; a code that cannot be used is reported, not an error.
macro_rules! apply_code_in_tx {
    ($c:ident, $chain:expr, $typed:expr, $cafe:expr, $actor:expr, $now:expr) => {{
        let (typed, cafe, now): (&String, CafeId, chrono::DateTime<Utc>) = ($typed, $cafe, $now);
        let normalised = RewardCode::normalise(typed);
        let row: Option<RewardCodeRow> = reward_codes::table
            .filter(reward_codes::chain_id.eq($chain.get()))
            .filter(reward_codes::code.eq(&normalised))
            .select(RewardCodeRow::as_select())
            .first($c)
            .await
            .optional()?;
        match row {
            None => code_refused(typed, None, "unknown reward code"),
            Some(row) => {
                let code = row.into_code()?;
                let reward = Some(code.reward_name.clone());
                if code.status == RewardCodeStatus::Issued && code.is_past_validity(now) {
                    let expired = code.expire(now)?;
                    update_code_in_tx!($c, $chain, RewardCodeStatus::Issued, expired);
                    code_refused(typed, reward, format!("reward code {} has expired", code.code))
                } else {
                    match code.apply(cafe, $actor, now) {
                        Ok(used) => {
                            update_code_in_tx!($c, $chain, RewardCodeStatus::Issued, used);
                            CodeOutcome { code: code.code, applied: true, reward, reason: None }
                        }
                        Err(refusal) => code_refused(typed, reward, refusal.to_string()),
                    }
                }
            }
        }
    }};
}

impl_ingest_in_tx!(crate::sqlite::SqliteWriteConn);
impl_ingest_in_tx!(crate::postgres::PgConn);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_duplicate_says_so() {
        let purchase = Purchase {
            id: PurchaseId(7),
            chain_id: ChainId(1),
            details: NewPurchase {
                cafe_id: CafeId(1),
                source: "demo".into(),
                external_id: "R-1".into(),
                guest_id: None,
                total: regulars_core::money::Money::new(100, regulars_core::money::Currency::new("RSD").unwrap()),
                items: Vec::new(),
                occurred_at: Utc::now(),
            },
            recorded_at: Utc::now(),
        };
        let outcome = bare_duplicate(&purchase);
        assert!(outcome.duplicate);
        assert_eq!((outcome.receipt_id.as_str(), outcome.purchase_id), ("R-1", PurchaseId(7)));
    }
}
