//! Purchases reported by POS sources.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::ids::{CafeId, ChainId, GuestId, PurchaseId};
use regulars_core::money::{Currency, Money};
use regulars_core::page::{Page, PageRequest};
use regulars_core::purchase::{NewPurchase, Purchase};
use regulars_core::store::PurchaseRepo;
use regulars_core::{Error, Result};
use serde_json::json;

use crate::columns::{from_json, from_millis, now_millis, to_json, to_millis};
use crate::error::{DbError, corrupt};
use crate::schema::{cafes, guests, purchases};
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
}
