//! Cafes.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::chain::{Cafe, CafeUpdate, GeoPoint, NewCafe};
use regulars_core::ids::{CafeId, ChainId};
use regulars_core::money::Currency;
use regulars_core::store::CafeRepo;
use regulars_core::{Error, Result};
use serde_json::json;

use crate::chains::require_chain;
use crate::columns::{from_json, from_millis, now_millis, to_json, to_millis};
use crate::error::{DbError, corrupt};
use crate::events::append_event;
use crate::schema::cafes;
use crate::store::{DbStore, read, write_tx};

#[derive(Queryable, Selectable)]
#[diesel(table_name = cafes)]
pub(crate) struct CafeRow {
    id: i64,
    chain_id: i64,
    name: String,
    address: String,
    lat: f64,
    lon: f64,
    timezone: String,
    currency: String,
    opening_hours: String,
    archived_at: Option<i64>,
}

impl CafeRow {
    pub(crate) fn into_cafe(self) -> Result<Cafe, DbError> {
        Ok(Cafe {
            id: CafeId(self.id),
            chain_id: ChainId(self.chain_id),
            name: self.name,
            address: self.address,
            location: GeoPoint { lat: self.lat, lon: self.lon },
            timezone: self.timezone.parse().map_err(|e| corrupt("cafes.timezone", e))?,
            currency: Currency::new(&self.currency).map_err(|e| corrupt("cafes.currency", e))?,
            opening_hours: from_json("cafes.opening_hours", &self.opening_hours)?,
            archived_at: self.archived_at.map(|ms| from_millis("cafes.archived_at", ms)).transpose()?,
        })
    }
}

#[async_trait]
impl CafeRepo for DbStore {
    async fn create_cafe(&self, chain: ChainId, new: NewCafe) -> Result<Cafe> {
        new.validate()?;
        let row: CafeRow = write_tx!(self, |c| {
            require_chain!(c, chain);
            let row: CafeRow = diesel::insert_into(cafes::table)
                .values((
                    cafes::chain_id.eq(chain.get()),
                    cafes::name.eq(&new.name),
                    cafes::address.eq(&new.address),
                    cafes::lat.eq(new.location.lat),
                    cafes::lon.eq(new.location.lon),
                    cafes::timezone.eq(new.timezone.name()),
                    cafes::currency.eq(new.currency.as_str()),
                    cafes::opening_hours.eq(to_json(&new.opening_hours)),
                    cafes::created_at.eq(now_millis()),
                ))
                .returning(CafeRow::as_returning())
                .get_result(c)
                .await?;
            append_event!(c, chain, "cafe.created", format!("cafe:{}", row.id), json!({ "name": new.name }));
            Ok(row)
        })?;
        // Any change to a cafe must say so, or the POS path may use its old row (see CatalogCache).
        self.caches.catalog.changed();
        Ok(row.into_cafe()?)
    }

    async fn cafe(&self, chain: ChainId, id: CafeId) -> Result<Cafe> {
        let row: Option<CafeRow> = read!(self, |c| {
            Ok(cafes::table
                .filter(cafes::id.eq(id.get()))
                .filter(cafes::chain_id.eq(chain.get()))
                .select(CafeRow::as_select())
                .first(c)
                .await
                .optional()?)
        })?;
        Ok(row.ok_or_else(|| Error::not_found(CafeId::ENTITY, id))?.into_cafe()?)
    }

    async fn list_cafes(&self, chain: ChainId) -> Result<Vec<Cafe>> {
        let rows: Vec<CafeRow> = read!(self, |c| {
            Ok(cafes::table
                .filter(cafes::chain_id.eq(chain.get()))
                .order(cafes::id.asc())
                .select(CafeRow::as_select())
                .load(c)
                .await?)
        })?;
        Ok(rows.into_iter().map(CafeRow::into_cafe).collect::<Result<_, _>>()?)
    }

    async fn update_cafe(&self, chain: ChainId, id: CafeId, update: CafeUpdate) -> Result<Cafe> {
        update.validate()?;
        let row: CafeRow = write_tx!(self, |c| {
            let row: Option<CafeRow> = cafes::table
                .filter(cafes::id.eq(id.get()))
                .filter(cafes::chain_id.eq(chain.get()))
                .select(CafeRow::as_select())
                .first(c)
                .await
                .optional()?;
            let Some(row) = row else { return Err(Error::not_found(CafeId::ENTITY, id).into()) };
            let cafe = update.apply(row.into_cafe()?, chrono::Utc::now());
            let row: CafeRow = diesel::update(cafes::table.filter(cafes::id.eq(id.get())))
                .set((
                    cafes::name.eq(&cafe.name),
                    cafes::address.eq(&cafe.address),
                    cafes::lat.eq(cafe.location.lat),
                    cafes::lon.eq(cafe.location.lon),
                    cafes::timezone.eq(cafe.timezone.name()),
                    cafes::opening_hours.eq(to_json(&cafe.opening_hours)),
                    cafes::archived_at.eq(cafe.archived_at.map(to_millis)),
                ))
                .returning(CafeRow::as_returning())
                .get_result(c)
                .await?;
            append_event!(c, chain, "cafe.updated", format!("cafe:{id}"), json!({ "change": update }));
            Ok(row)
        })?;
        self.caches.catalog.changed();
        Ok(row.into_cafe()?)
    }
}
