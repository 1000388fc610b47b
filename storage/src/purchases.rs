//! Purchases reported by POS sources.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::ids::{CafeId, ChainId, GuestId, PurchaseId};
use regulars_core::money::{Currency, Money};
use regulars_core::page::{Page, PageRequest};
use regulars_core::pos::RecordedRefund;
use regulars_core::purchase::{NewPurchase, Purchase, PurchaseFilter, PurchaseRecord};
use regulars_core::staff::ShiftState;
use regulars_core::store::PurchaseRepo;
use regulars_core::{Error, Result};
use serde_json::json;

use crate::columns::{from_json, from_millis, now_millis, to_json, to_millis};
use crate::error::{DbError, corrupt};
use crate::pos::{RefundColumns, into_refund};
use crate::schema::{cafes, guests, purchase_refunds, purchases, shifts};
use crate::staff::ShiftRow;
use crate::store::{DbStore, read, write_tx};

#[derive(Queryable, Selectable)]
#[diesel(table_name = purchases)]
pub(crate) struct PurchaseRow {
    pub(crate) id: i64,
    chain_id: i64,
    cafe_id: i64,
    source: String,
    external_id: String,
    guest_id: Option<i64>,
    total_minor: i64,
    currency: String,
    items: String,
    occurred_at: i64,
    recorded_at: i64,
}

impl PurchaseRow {
    pub(crate) fn into_purchase(self) -> Result<Purchase, DbError> {
        Ok(Purchase {
            id: PurchaseId(self.id),
            chain_id: ChainId(self.chain_id),
            details: NewPurchase {
                cafe_id: CafeId(self.cafe_id),
                source: self.source,
                external_id: self.external_id,
                guest_id: self.guest_id.map(GuestId),
                total: Money::new(
                    self.total_minor,
                    Currency::new(&self.currency).map_err(|e| corrupt("purchases.currency", e))?,
                ),
                items: from_json("purchases.items", &self.items)?,
                occurred_at: from_millis("purchases.occurred_at", self.occurred_at)?,
            },
            recorded_at: from_millis("purchases.recorded_at", self.recorded_at)?,
        })
    }
}

/// SQL types of a `purchases` row, in [`PurchaseRow`]'s field order.
pub(crate) type PurchaseSql = (
    diesel::sql_types::BigInt,
    diesel::sql_types::BigInt,
    diesel::sql_types::BigInt,
    diesel::sql_types::Text,
    diesel::sql_types::Text,
    diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
    diesel::sql_types::BigInt,
    diesel::sql_types::Text,
    diesel::sql_types::Text,
    diesel::sql_types::BigInt,
    diesel::sql_types::BigInt,
);

crate::cached::statements! {
    /// Records a purchase unless its receipt is known.
    InsertPurchase => "INSERT INTO purchases (chain_id, cafe_id, source, external_id, guest_id, total_minor, \
        currency, items, occurred_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING \
        RETURNING id, chain_id, cafe_id, source, external_id, guest_id, total_minor, currency, items, occurred_at, \
        recorded_at";
}

/// The `purchase.recorded` event of purchase `id`, recorded as `new`.
pub(crate) fn recorded_event(chain: ChainId, id: i64, new: &NewPurchase) -> crate::events::NewEventRow {
    crate::events::NewEventRow::new(
        chain,
        "purchase.recorded",
        format!("purchase:{id}"),
        &json!({
            "source": new.source, "receipt": new.external_id, "total_minor": new.total.minor,
            "guest": new.guest_id, "cafe": new.cafe_id,
        }),
    )
}

/// Records a purchase inside the current transaction, with its `purchase.recorded` event;
/// the cafe and guest are the caller's to check. Evaluates to `Option<PurchaseRow>`: `None`
/// when the chain already has this `(source, external_id)` (the transaction should roll back).
macro_rules! insert_purchase_in_tx {
    ($c:ident, $chain:expr, $new:expr) => {{
        let (c, chain, new): (_, ChainId, &NewPurchase) = (&mut *$c, $chain, $new);
        let items = to_json(&new.items);
        let row: Option<PurchaseRow> =
            $crate::cached::Cached::<$crate::purchases::InsertPurchase, $crate::purchases::PurchaseSql>::new(vec![
                $crate::cached::Bind::I64(chain.get()),
                $crate::cached::Bind::I64(new.cafe_id.get()),
                $crate::cached::Bind::Text(&new.source),
                $crate::cached::Bind::Text(&new.external_id),
                $crate::cached::Bind::OptI64(new.guest_id.map(GuestId::get)),
                $crate::cached::Bind::I64(new.total.minor),
                $crate::cached::Bind::Text(new.total.currency.as_str()),
                $crate::cached::Bind::Text(&items),
                $crate::cached::Bind::I64(to_millis(new.occurred_at)),
                $crate::cached::Bind::I64(now_millis()),
            ])
            .get_result(c)
            .await
            .optional()?;
        if let Some(row) = &row {
            $crate::events::insert_event!(c, $crate::purchases::recorded_event(chain, row.id, new));
        }
        row
    }};
}
pub(crate) use insert_purchase_in_tx;

/// The purchase `source` recorded as `receipt` in the chain, inside any connection. Evaluates
/// to `Option<PurchaseRow>`.
macro_rules! purchase_by_receipt_in {
    ($c:ident, $chain:expr, $source:expr, $receipt:expr) => {
        purchases::table
            .filter(purchases::chain_id.eq($chain.get()))
            .filter(purchases::source.eq($source))
            .filter(purchases::external_id.eq($receipt))
            .select(PurchaseRow::as_select())
            .first::<PurchaseRow>($c)
            .await
            .optional()?
    };
}
pub(crate) use purchase_by_receipt_in;

#[async_trait]
impl PurchaseRepo for DbStore {
    async fn record_purchase(&self, chain: ChainId, new: NewPurchase) -> Result<(Purchase, bool)> {
        new.validate()?;
        // A concurrent writer of the same receipt (PostgreSQL) wins the insert; the next pass
        // finds its row and answers with it.
        let mut attempts = 0;
        let (row, replayed): (PurchaseRow, bool) = loop {
            attempts += 1;
            let new = new.clone();
            match write_tx!(self, |c| {
                let existing: Option<PurchaseRow> = purchase_by_receipt_in!(c, chain, &new.source, &new.external_id);
                if let Some(row) = existing {
                    return Ok((row, true));
                }
                let cafe_found: i64 = cafes::table
                    .filter(cafes::id.eq(new.cafe_id.get()))
                    .filter(cafes::chain_id.eq(chain.get()))
                    .count()
                    .get_result(c)
                    .await?;
                if cafe_found == 0 {
                    return Err(Error::not_found(CafeId::ENTITY, new.cafe_id).into());
                }
                if let Some(guest) = new.guest_id {
                    let guest_found: i64 = guests::table
                        .filter(guests::id.eq(guest.get()))
                        .filter(guests::chain_id.eq(chain.get()))
                        .count()
                        .get_result(c)
                        .await?;
                    if guest_found == 0 {
                        return Err(Error::not_found(GuestId::ENTITY, guest).into());
                    }
                }
                let Some(row) = insert_purchase_in_tx!(c, chain, &new) else {
                    return Err(DbError::KeyRace);
                };
                Ok((row, false))
            }) {
                Err(DbError::KeyRace) if attempts < 3 => {}
                other => break other?,
            }
        };
        Ok((row.into_purchase()?, replayed))
    }

    async fn purchase(&self, chain: ChainId, id: PurchaseId) -> Result<Purchase> {
        let row: Option<PurchaseRow> = read!(self, |c| {
            Ok(purchases::table
                .filter(purchases::id.eq(id.get()))
                .filter(purchases::chain_id.eq(chain.get()))
                .select(PurchaseRow::as_select())
                .first(c)
                .await
                .optional()?)
        })?;
        Ok(row.ok_or_else(|| Error::not_found(PurchaseId::ENTITY, id))?.into_purchase()?)
    }

    async fn purchases_of_guest(&self, chain: ChainId, guest: GuestId, page: PageRequest) -> Result<Page<Purchase>> {
        let limit = page.clamped_limit();
        let before = page.after.map_or(i64::MAX, |c| c.key());
        let rows: Vec<PurchaseRow> = read!(self, |c| {
            Ok(purchases::table
                .filter(purchases::chain_id.eq(chain.get()))
                .filter(purchases::guest_id.eq(guest.get()))
                .filter(purchases::id.lt(before))
                .order(purchases::id.desc())
                .limit(limit + 1)
                .select(PurchaseRow::as_select())
                .load(c)
                .await?)
        })?;
        let purchases = rows.into_iter().map(PurchaseRow::into_purchase).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(purchases, limit, |p| p.id.get()))
    }

    async fn list_purchases(
        &self,
        chain: ChainId,
        filter: &PurchaseFilter,
        page: PageRequest,
    ) -> Result<Page<PurchaseRecord>> {
        let limit = page.clamped_limit();
        let cafe_ids: Option<Vec<i64>> = filter.cafes.as_ref().map(|cafes| cafes.iter().map(|c| c.get()).collect());
        let (since, until) = (filter.since.map(to_millis), filter.until.map(to_millis));
        let (rows, refunds, shift_rows) = read!(self, |c| {
            let mut query = purchases::table
                .filter(purchases::chain_id.eq(chain.get()))
                .order((purchases::occurred_at.desc(), purchases::id.desc()))
                .limit(limit + 1)
                .select(PurchaseRow::as_select())
                .into_boxed();
            if let Some(cursor) = page.after {
                // The cursor is the last purchase shown; the next page starts below its
                // (time, id). The time bound alone is an index range; the id settles ties.
                let at: Option<i64> = purchases::table
                    .filter(purchases::id.eq(cursor.key()))
                    .filter(purchases::chain_id.eq(chain.get()))
                    .select(purchases::occurred_at)
                    .first(c)
                    .await
                    .optional()?;
                let Some(at) = at else {
                    return Err(Error::invalid("cursor", "not a cursor of this listing").into());
                };
                query = query
                    .filter(purchases::occurred_at.le(at))
                    .filter(purchases::occurred_at.lt(at).or(purchases::id.lt(cursor.key())));
            }
            if let Some(ids) = &cafe_ids {
                query = query.filter(purchases::cafe_id.eq_any(ids.clone()));
            }
            if let Some(guest) = filter.guest {
                query = query.filter(purchases::guest_id.eq(guest.get()));
            }
            if let Some(source) = &filter.source {
                query = query.filter(purchases::source.eq(source.clone()));
            }
            if let Some(since) = since {
                query = query.filter(purchases::occurred_at.ge(since));
            }
            if let Some(until) = until {
                query = query.filter(purchases::occurred_at.lt(until));
            }
            let rows: Vec<PurchaseRow> = query.load(c).await?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let refunds: Vec<(i64, RefundColumns)> = purchase_refunds::table
                .filter(purchase_refunds::chain_id.eq(chain.get()))
                .filter(purchase_refunds::purchase_id.eq_any(ids))
                .order(purchase_refunds::id.asc())
                .select((
                    purchase_refunds::purchase_id,
                    (
                        purchase_refunds::source,
                        purchase_refunds::refund_id,
                        purchase_refunds::amount_minor,
                        purchase_refunds::lines,
                    ),
                ))
                .load(c)
                .await?;
            // One read for the page's shifts: those at its cafes overlapping its time span.
            let cafes: Vec<i64> = rows.iter().map(|r| r.cafe_id).collect();
            let span = rows.iter().map(|r| r.occurred_at);
            let shift_rows: Vec<ShiftRow> = match (span.clone().min(), span.max()) {
                (Some(first), Some(last)) => {
                    shifts::table
                        .filter(shifts::chain_id.eq(chain.get()))
                        .filter(shifts::cafe_id.eq_any(cafes))
                        .filter(shifts::opened_at.le(last))
                        .filter(shifts::closed_at.is_null().or(shifts::closed_at.gt(first)))
                        .order(shifts::opened_at.asc())
                        .select(ShiftRow::as_select())
                        .load(c)
                        .await?
                }
                _ => Vec::new(),
            };
            Ok((rows, refunds, shift_rows))
        })?;
        let shifts = shift_rows.into_iter().map(ShiftRow::into_shift).collect::<Result<Vec<_>, _>>()?;
        let mut refunds_of: std::collections::HashMap<i64, Vec<RecordedRefund>> = std::collections::HashMap::new();
        for (purchase, columns) in refunds {
            refunds_of.entry(purchase).or_default().push(into_refund(columns)?);
        }
        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            let refunds = refunds_of.remove(&row.id).unwrap_or_default();
            let purchase = row.into_purchase()?;
            let at = purchase.details.occurred_at;
            let on_duty = shifts
                .iter()
                .filter(|s| s.cafe_id == purchase.details.cafe_id && s.opened_at <= at)
                .filter(|s| match s.state {
                    ShiftState::Open => true,
                    ShiftState::Closed { closed_at } => closed_at > at,
                })
                .cloned()
                .collect();
            records.push(PurchaseRecord { purchase, refunds, shifts: on_duty });
        }
        Ok(Page::from_rows(records, limit, |r| r.purchase.id.get()))
    }
}
