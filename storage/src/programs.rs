//! Programs.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::Result;
use regulars_core::ids::{ChainId, ProgramId};
use regulars_core::program::{NewProgram, Program, ProgramScope, ProgramUpdate};
use regulars_core::store::ProgramRepo;
use serde_json::json;

use crate::chains::require_chain;
use crate::columns::{from_json, from_millis, now_millis, to_json, to_millis};
use crate::error::{DbError, corrupt};
use crate::events::append_event;
use crate::schema::programs;
use crate::store::{DbStore, read, write_tx};

#[derive(Queryable, Selectable)]
#[diesel(table_name = programs)]
pub(crate) struct ProgramRow {
    id: i64,
    chain_id: i64,
    name: String,
    kind: String,
    scope: String,
    rules: String,
    archived_at: Option<i64>,
}

pub(crate) fn scope_name(scope: ProgramScope) -> &'static str {
    match scope {
        ProgramScope::Chain => "chain",
        ProgramScope::Cafe => "cafe",
    }
}

impl ProgramRow {
    pub(crate) fn into_program(self) -> Result<Program, DbError> {
        Ok(Program {
            id: ProgramId(self.id),
            chain_id: ChainId(self.chain_id),
            name: self.name,
            kind: from_json("programs.kind", &self.kind)?,
            scope: match self.scope.as_str() {
                "chain" => ProgramScope::Chain,
                "cafe" => ProgramScope::Cafe,
                other => return Err(corrupt("programs.scope", other)),
            },
            rules: from_json("programs.rules", &self.rules)?,
            archived_at: self.archived_at.map(|ms| from_millis("programs.archived_at", ms)).transpose()?,
        })
    }
}

/// Loads a program of the chain inside a transaction, or fails with `NotFound`.
macro_rules! load_program {
    ($c:ident, $chain:expr, $id:expr) => {{
        use diesel::prelude::*;
        let row: Option<$crate::programs::ProgramRow> = diesel_async::RunQueryDsl::first(
            $crate::schema::programs::table
                .filter($crate::schema::programs::id.eq($id.get()))
                .filter($crate::schema::programs::chain_id.eq($chain.get()))
                .select($crate::programs::ProgramRow::as_select()),
            $c,
        )
        .await
        .optional()?;
        match row {
            Some(row) => row.into_program()?,
            None => return Err(regulars_core::Error::not_found(regulars_core::ids::ProgramId::ENTITY, $id).into()),
        }
    }};
}
pub(crate) use load_program;

#[async_trait]
impl ProgramRepo for DbStore {
    async fn create_program(&self, chain: ChainId, new: NewProgram) -> Result<Program> {
        new.validate()?;
        let row: ProgramRow = write_tx!(self, |c| {
            require_chain!(c, chain);
            let row: ProgramRow = diesel::insert_into(programs::table)
                .values((
                    programs::chain_id.eq(chain.get()),
                    programs::name.eq(&new.name),
                    programs::kind.eq(to_json(&new.kind)),
                    programs::scope.eq(scope_name(new.scope)),
                    programs::rules.eq(to_json(&new.rules)),
                    programs::created_at.eq(now_millis()),
                ))
                .returning(ProgramRow::as_returning())
                .get_result(c)
                .await?;
            append_event!(c, chain, "program.created", format!("program:{}", row.id), json!({ "name": new.name }));
            Ok(row)
        })?;
        // Any change to a program must say so, or the POS path may plan with the old list (see
        // CatalogCache).
        self.caches.catalog.changed();
        Ok(row.into_program()?)
    }

    async fn program(&self, chain: ChainId, id: ProgramId) -> Result<Program> {
        let program: Program = read!(self, |c| Ok(load_program!(c, chain, id)))?;
        Ok(program)
    }

    async fn list_programs(&self, chain: ChainId) -> Result<Vec<Program>> {
        let rows: Vec<ProgramRow> = read!(self, |c| {
            Ok(programs::table
                .filter(programs::chain_id.eq(chain.get()))
                .order(programs::id.asc())
                .select(ProgramRow::as_select())
                .load(c)
                .await?)
        })?;
        Ok(rows.into_iter().map(ProgramRow::into_program).collect::<Result<_, _>>()?)
    }

    async fn update_program(&self, chain: ChainId, id: ProgramId, update: ProgramUpdate) -> Result<Program> {
        let row: ProgramRow = write_tx!(self, |c| {
            let program = update.apply(load_program!(c, chain, id), chrono::Utc::now())?;
            let row: ProgramRow = diesel::update(programs::table.filter(programs::id.eq(id.get())))
                .set((
                    programs::name.eq(&program.name),
                    programs::rules.eq(to_json(&program.rules)),
                    programs::archived_at.eq(program.archived_at.map(to_millis)),
                ))
                .returning(ProgramRow::as_returning())
                .get_result(c)
                .await?;
            append_event!(c, chain, "program.updated", format!("program:{id}"), json!({ "change": update }));
            Ok(row)
        })?;
        // As on creation: the POS path must not plan with the old rules (see CatalogCache).
        self.caches.catalog.changed();
        Ok(row.into_program()?)
    }
}
