//! Chains.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::chain::{Chain, NewChain};
use regulars_core::ids::ChainId;
use regulars_core::store::ChainRepo;
use regulars_core::{Error, Result};
use serde_json::json;

use crate::columns::{from_millis, now_millis};
use crate::error::DbError;
use crate::events::append_event;
use crate::schema::chains;
use crate::store::{DbStore, read, write_tx};

#[derive(Queryable, Selectable)]
#[diesel(table_name = chains)]
struct ChainRow {
    id: i64,
    slug: String,
    name: String,
    default_language: String,
    created_at: i64,
}

impl ChainRow {
    fn into_chain(self) -> Result<Chain, DbError> {
        Ok(Chain {
            id: ChainId(self.id),
            slug: self.slug,
            name: self.name,
            default_language: self.default_language,
            created_at: from_millis("chains.created_at", self.created_at)?,
        })
    }
}

/// Fails with [`Error::NotFound`] unless `chain` exists. Used by writes before inserting rows
/// that reference it, so the caller hears "chain not found" rather than a constraint error.
macro_rules! require_chain {
    ($c:ident, $chain:expr) => {{
        use diesel::prelude::*;
        let found: i64 = diesel_async::RunQueryDsl::get_result(
            $crate::schema::chains::table.filter($crate::schema::chains::id.eq($chain.get())).count(),
            $c,
        )
        .await?;
        if found == 0 {
            return Err(regulars_core::Error::not_found(regulars_core::ids::ChainId::ENTITY, $chain).into());
        }
    }};
}
pub(crate) use require_chain;

#[async_trait]
impl ChainRepo for DbStore {
    async fn create_chain(&self, new: NewChain) -> Result<Chain> {
        new.validate()?;
        let row: ChainRow = write_tx!(self, |c| {
            let taken: i64 = chains::table.filter(chains::slug.eq(&new.slug)).count().get_result(c).await?;
            if taken > 0 {
                return Err(Error::Conflict(format!("the slug `{}` is already taken", new.slug)).into());
            }
            let row: ChainRow = diesel::insert_into(chains::table)
                .values((
                    chains::slug.eq(&new.slug),
                    chains::name.eq(&new.name),
                    chains::default_language.eq(&new.default_language),
                    chains::created_at.eq(now_millis()),
                ))
                .returning(ChainRow::as_returning())
                .get_result(c)
                .await?;
            append_event!(
                c,
                ChainId(row.id),
                "chain.created",
                format!("chain:{}", row.id),
                json!({ "slug": new.slug })
            );
            Ok(row)
        })?;
        Ok(row.into_chain()?)
    }

    async fn chain(&self, id: ChainId) -> Result<Chain> {
        let row: Option<ChainRow> = read!(self, |c| {
            Ok(chains::table.find(id.get()).select(ChainRow::as_select()).first(c).await.optional()?)
        })?;
        Ok(row.ok_or_else(|| Error::not_found(ChainId::ENTITY, id))?.into_chain()?)
    }

    async fn chain_by_slug(&self, slug: &str) -> Result<Chain> {
        let row: Option<ChainRow> = read!(self, |c| {
            Ok(chains::table.filter(chains::slug.eq(slug)).select(ChainRow::as_select()).first(c).await.optional()?)
        })?;
        Ok(row.ok_or_else(|| Error::not_found(ChainId::ENTITY, slug))?.into_chain()?)
    }

    async fn list_chains(&self) -> Result<Vec<Chain>> {
        let rows: Vec<ChainRow> = read!(self, |c| {
            Ok(chains::table.order(chains::id.asc()).select(ChainRow::as_select()).load(c).await?)
        })?;
        Ok(rows.into_iter().map(ChainRow::into_chain).collect::<Result<_, _>>()?)
    }
}
