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
use regulars_core::chain::Cafe;
use regulars_core::identity::totp::TimeStep;
use regulars_core::ids::{CafeId, ChainId, GuestId, PurchaseId, WalletId};
use regulars_core::ledger::IdempotencyKey;
use regulars_core::ledger::{Actor, LedgerEntry, NewLedgerEntry};
use regulars_core::notification::NewNotification;
use regulars_core::pos::RecordedRefund;
use regulars_core::pos::ingest::{GuestMatch, IngestOutcome, PurchaseIngest, RefundIngest};
use regulars_core::pos::redeem::{RedeemTx, TillRedeem, TillRedemption, redeem_at_till};
use regulars_core::pos::workflow::{Applied, Delivery, SaleTx, apply_purchase, apply_refund};
use regulars_core::program::Program;
use regulars_core::purchase::{NewPurchase, Purchase};
use regulars_core::rules::codes::{RewardCode, RewardCodeStatus};
use regulars_core::store::PosRepo;
use regulars_core::wallet::{Wallet, WalletScope};
use regulars_core::{Error, Result};
use serde_json::json;
use std::sync::Arc;

use crate::cached::{Bind, Cached};
use crate::cafes::CafeRow;
use crate::catalog_cache::CatalogCache;
use crate::columns::{from_json, now_millis, to_json, to_millis};
use crate::error::DbError;
use crate::events::append_event;
use crate::history_cache::HistoryCache;
use crate::identity::accept_step_in_tx;
use crate::ledger::{EntryRow, PostInTx, Posted, WalletRow, lock_wallet_in_tx, open_wallet_in_tx, set_tier_in_tx};
use crate::outbox::enqueue_in_tx;
use crate::programs::ProgramRow;
use crate::purchases::{PurchaseRow, insert_purchase_in_tx, purchase_by_receipt_in};
use crate::reward_codes::{RewardCodeRow, issue_code_in_tx, issue_new_code_in_tx, status_event, try_update_code_in_tx};
use crate::schema::{
    cafes, guests, ledger_entries, pos_deliveries, programs, purchase_refunds, purchases, reward_codes, wallets,
};
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
        // Through the backend's batches (see `pos_batch`): the sale runs the same workflow
        // together with the others waiting; a repeat of a delivery or receipt goes alone.
        self.apply_once(chain, &source, &delivery_id, &event_key, Some(&receipt), || {
            let (ingest, caches) = (ingest.clone(), self.caches.clone());
            async move {
                match &self.backend {
                    _ if !self.pos_batches => write_tx!(self, |c| purchase_alone(c, &caches, chain, &ingest).await),
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
            async move {
                write_tx!(self, |c| {
                    let mut tx = OneTx { c, caches: &caches };
                    taken_as_race(apply_refund(&mut tx, chain, &ingest, Utc::now()).await?)
                })
            }
        })
        .await
    }

    async fn purchase_by_receipt(&self, chain: ChainId, source: &str, receipt: &str) -> Result<Purchase> {
        let row: Option<PurchaseRow> = read!(self, |c| Ok(purchase_by_receipt_in!(c, chain, source, receipt)))?;
        Ok(row.ok_or_else(|| Error::not_found(PurchaseId::ENTITY, receipt))?.into_purchase()?)
    }

    async fn redeem_at_till(&self, chain: ChainId, request: TillRedeem) -> Result<TillRedemption> {
        // The wallet's lock orders redemptions of one wallet, and a retried request finds its
        // key on the ledger; a key taken anyway (by a transaction that committed between our
        // read and our write) is found on the next attempt.
        for _ in 0..3 {
            let (request, caches) = (request.clone(), self.caches.clone());
            let done = write_tx!(self, |c| {
                let mut tx = OneTx { c, caches: &caches };
                taken_as_race(redeem_at_till(&mut tx, chain, &request, Utc::now()).await?)
            });
            match done {
                Err(DbError::KeyRace) => {}
                other => return Ok(other?),
            }
        }
        Err(Error::unavailable("concurrent redemptions of the same request; retry"))
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
        Err(Error::unavailable("concurrent deliveries of the same receipt; retry"))
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

/// Applies one sale alone inside the current transaction of `c` (the one-by-one path, and
/// what a batch falls back to).
pub(crate) async fn purchase_alone<C>(
    c: &mut C,
    caches: &Caches,
    chain: ChainId,
    ingest: &PurchaseIngest,
) -> Result<IngestOutcome, DbError>
where
    C: Send,
    for<'t> OneTx<'t, C>: SaleTx<Error = DbError>,
{
    let mut tx = OneTx { c, caches };
    taken_as_race(apply_purchase(&mut tx, chain, ingest, Utc::now()).await?)
}

/// A workflow's [`Applied::Taken`] as the signal that rolls its transaction back and sends the
/// caller to the stored outcome ([`DbStore::apply_once`]).
fn taken_as_race<T>(applied: Applied<T>) -> Result<T, DbError> {
    match applied {
        Applied::Done(done) => Ok(done),
        Applied::Taken => Err(DbError::KeyRace),
    }
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

crate::cached::statements! {
    /// Stores a delivery's outcome unless its delivery id or event key is taken.
    InsertDelivery => "INSERT INTO pos_deliveries (chain_id, source, delivery_id, event_key, purchase_id, outcome, \
        created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
}

/// The workflow's primitives over one connection's open transaction: each method is one of
/// the `*_in_tx!` operations the rest of the store uses too, and holds no business rule.
pub(crate) struct OneTx<'t, C> {
    pub(crate) c: &'t mut C,
    pub(crate) caches: &'t Caches,
}

/// The columns a recorded refund is read with.
pub(crate) type RefundColumns = (String, String, i64, String);

pub(crate) fn into_refund((source, refund_id, amount_minor, lines): RefundColumns) -> Result<RecordedRefund, DbError> {
    Ok(RecordedRefund { refund_id, amount_minor, lines: from_json("purchase_refunds.lines", &lines)?, source })
}

/// Implements [`SaleTx`] and [`RedeemTx`] for [`OneTx`] over a connection type; every body is a call.
macro_rules! impl_sale_tx {
    ($conn:ty) => {
        impl SaleTx for OneTx<'_, $conn> {
            type Error = DbError;

            async fn cafe(&mut self, chain: ChainId, cafe: CafeId) -> Result<Arc<Cafe>, DbError> {
                let c = &mut *self.c;
                Ok(cafe_in_tx!(c, chain, cafe, &self.caches.catalog))
            }

            async fn programs(&mut self, chain: ChainId) -> Result<Arc<[Program]>, DbError> {
                let c = &mut *self.c;
                Ok(programs_in_tx!(c, chain, &self.caches.catalog))
            }

            async fn guest_public_id(&mut self, chain: ChainId, guest: GuestId) -> Result<Option<String>, DbError> {
                Ok(guests::table
                    .filter(guests::id.eq(guest.get()))
                    .filter(guests::chain_id.eq(chain.get()))
                    .select(guests::public_id)
                    .first(self.c)
                    .await
                    .optional()?)
            }

            async fn accept_card_step(&mut self, chain: ChainId, guest: GuestId, step: TimeStep) -> Result<bool, DbError> {
                let c = &mut *self.c;
                Ok(accept_step_in_tx!(c, chain, guest, step.as_i64()))
            }

            async fn insert_purchase(&mut self, chain: ChainId, purchase: &NewPurchase) -> Result<Option<Purchase>, DbError> {
                let c = &mut *self.c;
                insert_purchase_in_tx!(c, chain, purchase).map(PurchaseRow::into_purchase).transpose()
            }

            async fn purchase_by_receipt(
                &mut self,
                chain: ChainId,
                source: &str,
                receipt: &str,
            ) -> Result<Option<Purchase>, DbError> {
                let c = &mut *self.c;
                let row: Option<PurchaseRow> = purchase_by_receipt_in!(c, chain, source, receipt);
                row.map(PurchaseRow::into_purchase).transpose()
            }

            async fn open_wallet(&mut self, chain: ChainId, program: &Program, scope: WalletScope) -> Result<Wallet, DbError> {
                let c = &mut *self.c;
                open_wallet_in_tx!(c, chain, program, scope).into_wallet()
            }

            async fn lock_wallet(&mut self, _chain: ChainId, scope: WalletScope) -> Result<Option<Wallet>, DbError> {
                let c = &mut *self.c;
                let row: Option<WalletRow> = lock_wallet_in_tx!(c, scope);
                row.map(WalletRow::into_wallet).transpose()
            }

            async fn history(&mut self, wallet: WalletId) -> Result<Vec<LedgerEntry>, DbError> {
                let c = &mut *self.c;
                Ok(history_in_tx!(c, wallet, &self.caches.histories))
            }

            fn keep_history(&mut self, wallet: WalletId, history: Vec<LedgerEntry>) {
                self.caches.histories.put(wallet, history);
            }

            async fn post_entry(&mut self, chain: ChainId, entry: NewLedgerEntry) -> Result<bool, DbError> {
                match self.c.post_in_tx(chain, entry, false).await {
                    Ok(Posted::Applied(_)) => Ok(true),
                    // Not asked for (no lookup first): a replay is a key taken all the same.
                    Ok(Posted::Replayed(_)) | Err(DbError::KeyRace) => Ok(false),
                    Err(e) => Err(e),
                }
            }

            async fn set_tier(&mut self, chain: ChainId, wallet: &Wallet, tier: Option<String>) -> Result<(), DbError> {
                let c = &mut *self.c;
                set_tier_in_tx!(c, chain, wallet.id, wallet.scope.guest_id, wallet.tier.clone(), tier);
                Ok(())
            }

            async fn issue_code(&mut self, chain: ChainId, code: RewardCode) -> Result<Option<RewardCode>, DbError> {
                let c = &mut *self.c;
                let issued: Option<RewardCodeRow> = issue_code_in_tx!(c, chain, code);
                issued.map(RewardCodeRow::into_code).transpose()
            }

            async fn lock_reward_code(&mut self, chain: ChainId, code: &str) -> Result<Option<RewardCode>, DbError> {
                let key = reward_codes::table
                    .filter(reward_codes::chain_id.eq(chain.get()))
                    .filter(reward_codes::code.eq(code));
                // An UPDATE that changes nothing takes the row lock on PostgreSQL (a concurrent
                // sale with the same code waits here, then reads it used); SQLite has a single
                // writer anyway.
                diesel::update(key).set(reward_codes::status.eq(reward_codes::status)).execute(self.c).await?;
                let row: Option<RewardCodeRow> =
                    key.select(RewardCodeRow::as_select()).first(self.c).await.optional()?;
                row.map(RewardCodeRow::into_code).transpose()
            }

            async fn update_reward_code(
                &mut self,
                chain: ChainId,
                expected: RewardCodeStatus,
                next: &RewardCode,
            ) -> Result<bool, DbError> {
                let c = &mut *self.c;
                Ok(try_update_code_in_tx!(c, chain, expected, next).is_some())
            }

            async fn refunds_of(&mut self, chain: ChainId, purchase: PurchaseId) -> Result<Vec<RecordedRefund>, DbError> {
                let rows: Vec<RefundColumns> = purchase_refunds::table
                    .filter(purchase_refunds::purchase_id.eq(purchase.get()))
                    .filter(purchase_refunds::chain_id.eq(chain.get()))
                    .order(purchase_refunds::id.asc())
                    .select((
                        purchase_refunds::source,
                        purchase_refunds::refund_id,
                        purchase_refunds::amount_minor,
                        purchase_refunds::lines,
                    ))
                    .load(self.c)
                    .await?;
                rows.into_iter().map(into_refund).collect()
            }

            async fn record_refund(
                &mut self,
                chain: ChainId,
                purchase: &Purchase,
                refund: &RecordedRefund,
            ) -> Result<bool, DbError> {
                let c = &mut *self.c;
                let recorded = diesel::insert_into(purchase_refunds::table)
                    .values((
                        purchase_refunds::chain_id.eq(chain.get()),
                        purchase_refunds::purchase_id.eq(purchase.id.get()),
                        purchase_refunds::source.eq(&refund.source),
                        purchase_refunds::refund_id.eq(&refund.refund_id),
                        purchase_refunds::amount_minor.eq(refund.amount_minor),
                        purchase_refunds::lines.eq(to_json(&refund.lines)),
                        purchase_refunds::created_at.eq(now_millis()),
                    ))
                    .on_conflict_do_nothing()
                    .execute(c)
                    .await?;
                if recorded == 0 {
                    return Ok(false);
                }
                append_event!(
                    c,
                    chain,
                    "purchase.refunded",
                    format!("purchase:{}", purchase.id),
                    json!({ "source": refund.source, "refund": refund.refund_id, "amount_minor": refund.amount_minor })
                );
                Ok(true)
            }

            async fn enqueue(&mut self, chain: ChainId, notification: NewNotification) -> Result<bool, DbError> {
                let c = &mut *self.c;
                Ok(enqueue_in_tx!(c, chain, notification) == 1)
            }

            async fn store_outcome(
                &mut self,
                chain: ChainId,
                delivery: Delivery<'_>,
                outcome: &IngestOutcome,
            ) -> Result<bool, DbError> {
                let text = to_json(outcome);
                let stored = Cached::<InsertDelivery>::new(vec![
                    Bind::I64(chain.get()),
                    Bind::Text(delivery.source),
                    Bind::Text(delivery.delivery_id),
                    Bind::Text(delivery.event_key),
                    Bind::I64(outcome.purchase_id.get()),
                    Bind::Text(&text),
                    Bind::I64(now_millis()),
                ])
                .execute(self.c)
                .await?;
                Ok(stored == 1)
            }
        }

        impl RedeemTx for OneTx<'_, $conn> {
            async fn code_of_entry(&mut self, chain: ChainId, key: &IdempotencyKey) -> Result<Option<RewardCode>, DbError> {
                let row: Option<RewardCodeRow> = reward_codes::table
                    .filter(reward_codes::chain_id.eq(chain.get()))
                    .filter(reward_codes::ledger_key.eq(key.as_str()))
                    .select(RewardCodeRow::as_select())
                    .first(self.c)
                    .await
                    .optional()?;
                row.map(RewardCodeRow::into_code).transpose()
            }
        }
    };
}

impl_sale_tx!(crate::sqlite::SqliteWriteConn);
impl_sale_tx!(crate::postgres::PgConn);

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
