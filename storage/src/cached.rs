//! Write statements whose prepared form is cached.
//!
//! diesel never caches the prepared statement of an `UPDATE` (a changeset may skip `None`
//! fields, so its SQL varies) nor of an `INSERT ... ON CONFLICT`, so every hot write was parsed
//! and planned again on every transaction: measured on the POS ingest path, SQLite spent a
//! third of its time in `sqlite3Prepare`. A [`Cached`] statement has fixed SQL text (one
//! `&'static str` per statement type) and a static query id, so diesel prepares it once per
//! connection and reuses it, on SQLite and PostgreSQL alike (`push_bind_param` writes `?` or
//! `$n` for the backend).
//!
//! ```text
//! struct BumpWallet;
//! impl StatementText for BumpWallet {
//!     const SQL: &'static str = "UPDATE wallets SET updated_at = ? WHERE id = ?";
//! }
//! Cached::<BumpWallet>::new(vec![Bind::I64(now), Bind::I64(wallet)]).execute(c).await?;
//! ```

use std::marker::PhantomData;

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, Nullable, Text};

/// The fixed SQL of one statement, with `?` where each bind goes, in order.
pub(crate) trait StatementText: 'static {
    /// The SQL text.
    const SQL: &'static str;
}

/// One bound value.
#[derive(Debug, Clone)]
pub(crate) enum Bind<'a> {
    I64(i64),
    OptI64(Option<i64>),
    Text(&'a str),
    OptText(Option<&'a str>),
}

/// A statement of text `S` whose rows (for `RETURNING`) have SQL type `ST`.
pub(crate) struct Cached<'a, S, ST = ()> {
    binds: Vec<Bind<'a>>,
    marker: PhantomData<fn() -> (S, ST)>,
}

impl<'a, S: StatementText, ST> Cached<'a, S, ST> {
    /// The statement with `binds`, one per `?` in `S::SQL`.
    pub(crate) fn new(binds: Vec<Bind<'a>>) -> Self {
        debug_assert_eq!(S::SQL.matches('?').count(), binds.len(), "binds of {}", S::SQL);
        Self { binds, marker: PhantomData }
    }
}

impl<S: StatementText, ST: 'static> QueryId for Cached<'_, S, ST> {
    type QueryId = Cached<'static, S, ST>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<S: StatementText, ST, DB: BindBackend> QueryFragment<DB> for Cached<'_, S, ST> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        DB::push_with_binds(S::SQL, &self.binds, out)
    }
}

/// A backend every [`Bind`] can be written to (SQLite and PostgreSQL alike): the bounds that
/// [`Cached`] and [`Chunk`] need, stated once.
pub(crate) trait BindBackend: Backend + HasSqlType<BigInt> + HasSqlType<Text> {
    /// Writes `sql`, putting the next of `binds` where each `?` is.
    fn push_with_binds<'b>(sql: &str, binds: &'b [Bind<'_>], out: AstPass<'_, 'b, Self>) -> QueryResult<()>;
}

impl<DB> BindBackend for DB
where
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Text>,
    i64: ToSql<BigInt, DB>,
    Option<i64>: ToSql<Nullable<BigInt>, DB>,
    str: ToSql<Text, DB>,
    for<'x> Option<&'x str>: ToSql<Nullable<Text>, DB>,
{
    fn push_with_binds<'b>(sql: &str, binds: &'b [Bind<'_>], mut out: AstPass<'_, 'b, Self>) -> QueryResult<()> {
        let mut binds = binds.iter();
        let mut pieces = sql.split('?').peekable();
        while let Some(piece) = pieces.next() {
            out.push_sql(piece);
            if pieces.peek().is_none() {
                break;
            }
            match binds.next() {
                Some(Bind::I64(v)) => out.push_bind_param::<BigInt, _>(v)?,
                Some(Bind::OptI64(v)) => out.push_bind_param::<Nullable<BigInt>, _>(v)?,
                Some(Bind::Text(v)) => out.push_bind_param::<Text, _>(*v)?,
                Some(Bind::OptText(v)) => out.push_bind_param::<Nullable<Text>, _>(v)?,
                None => return Err(diesel::result::Error::QueryBuilderError("missing bind".into())),
            }
        }
        Ok(())
    }
}

impl<S: StatementText, ST: diesel::sql_types::SqlType + diesel::expression::TypedExpressionType> Query
    for Cached<'_, S, ST>
{
    type SqlType = ST;
}

/// Declares statement marker types: `statements! { Name => "SQL", ... }`.
macro_rules! statements {
    ($($(#[$doc:meta])* $name:ident => $sql:expr;)*) => {
        $(
            $(#[$doc])*
            pub(crate) struct $name;
            impl $crate::cached::StatementText for $name {
                const SQL: &'static str = $sql;
            }
        )*
    };
}
pub(crate) use statements;

/// Most rows one multi-row statement carries.
const MAX_CHUNK: usize = 64;

/// Statements over many rows at once: `head`, then `template` (one row's placeholders, such as
/// `(?, ?, 0)`) repeated once per row and joined by commas, then `tail`; rows of SQL type `ST`.
/// `binds` holds each row's binds in turn, then those of `tail`.
///
/// One such statement replaces a statement per row: on PostgreSQL each statement costs about
/// 100 µs of server CPU whatever it carries. The rows are cut into [`Chunk`]s of 1 to 8 rows or
/// a power of two up to [`MAX_CHUNK`], so there are only a few texts per statement and each is
/// prepared once per connection and reused: parsing a fresh text of a few thousand binds every
/// time was an eighth of the SQLite writer's time. Run them with
/// [`load_chunks`](crate::cached::load_chunks) or
/// [`execute_chunks`](crate::cached::execute_chunks).
pub(crate) struct Rows<'a, ST = ()> {
    chunks: Vec<Chunk<'a, ST>>,
}

/// One statement of a [`Rows`].
pub(crate) struct Chunk<'a, ST> {
    sql: String,
    binds: Vec<Bind<'a>>,
    marker: PhantomData<fn() -> ST>,
}

impl<'a, ST> Rows<'a, ST> {
    /// The statements for `rows` rows of `template` (see the type's docs for `binds`).
    pub(crate) fn new(head: &str, template: &str, rows: usize, tail: &str, binds: Vec<Bind<'a>>) -> Self {
        let per_row = template.matches('?').count();
        let mut row_binds = binds;
        let tail_binds = row_binds.split_off((rows * per_row).min(row_binds.len()));
        let mut row_binds = row_binds.into_iter();
        debug_assert_eq!(tail.matches('?').count(), tail_binds.len(), "binds of {tail}");
        let mut chunks = Vec::new();
        let mut start = 0;
        while start < rows {
            let left = rows - start;
            let size = match left {
                0..=8 => left,
                _ => MAX_CHUNK.min(1 << left.ilog2()),
            };
            let mut sql = String::with_capacity(head.len() + size * (template.len() + 2) + tail.len());
            sql.push_str(head);
            for row in 0..size {
                if row > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(template);
            }
            sql.push_str(tail);
            let mut chunk_binds = Vec::with_capacity(size * per_row + tail_binds.len());
            chunk_binds.extend(row_binds.by_ref().take(size * per_row));
            chunk_binds.extend_from_slice(&tail_binds);
            chunks.push(Chunk { sql, binds: chunk_binds, marker: PhantomData });
            start += size;
        }
        Self { chunks }
    }

    /// The statements, in row order.
    pub(crate) fn into_chunks(self) -> Vec<Chunk<'a, ST>> {
        self.chunks
    }
}

/// Runs every statement of a [`Rows`] and evaluates to all their rows, in order.
macro_rules! load_chunks {
    ($c:ident, $rows:expr) => {{
        let mut found = Vec::new();
        for chunk in $rows.into_chunks() {
            found.extend(diesel_async::RunQueryDsl::load(chunk, $c).await?);
        }
        found
    }};
}

/// Runs every statement of a [`Rows`] and evaluates to the rows they changed.
macro_rules! execute_chunks {
    ($c:ident, $rows:expr) => {{
        let mut changed = 0;
        for chunk in $rows.into_chunks() {
            changed += diesel_async::RunQueryDsl::execute(chunk, $c).await?;
        }
        changed
    }};
}
pub(crate) use {execute_chunks, load_chunks};

impl<ST: 'static> QueryId for Chunk<'_, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST, DB: BindBackend> QueryFragment<DB> for Chunk<'_, ST> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        // Cached by its text: a handful of texts per statement (see `Rows`).
        DB::push_with_binds(&self.sql, &self.binds, out)
    }
}

impl<ST: diesel::sql_types::SqlType + diesel::expression::TypedExpressionType> Query for Chunk<'_, ST> {
    type SqlType = ST;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_binds(rows: usize) -> Vec<Bind<'static>> {
        (0..rows).flat_map(|r| [Bind::I64(i64::try_from(r).unwrap()), Bind::Text("x")]).chain([Bind::I64(-1)]).collect()
    }

    #[test]
    fn rows_are_cut_into_few_cacheable_sizes() {
        let sizes = |rows: usize| -> Vec<usize> {
            Rows::<()>::new("INSERT INTO t VALUES ", "(?, ?)", rows, " WHERE c = ?", row_binds(rows))
                .into_chunks()
                .iter()
                .map(|chunk| chunk.sql.matches("(?, ?)").count())
                .collect()
        };
        assert_eq!(sizes(5), [5]);
        assert_eq!(sizes(13), [8, 5]);
        assert_eq!(sizes(64), [64]);
        assert_eq!(sizes(150), [64, 64, 16, 6]);
        assert!(sizes(0).is_empty());
    }

    #[test]
    fn each_chunk_binds_its_rows_then_the_tail() {
        let chunks =
            Rows::<()>::new("INSERT INTO t VALUES ", "(?, ?)", 13, " WHERE c = ?", row_binds(13)).into_chunks();
        let mut next_row = 0;
        for chunk in &chunks {
            assert_eq!(chunk.sql.matches('?').count(), chunk.binds.len(), "{}", chunk.sql);
            let (rows, tail) = chunk.binds.split_at(chunk.binds.len() - 1);
            for pair in rows.chunks(2) {
                assert!(matches!(pair[0], Bind::I64(r) if r == next_row), "rows in order across chunks");
                next_row += 1;
            }
            assert!(matches!(tail, [Bind::I64(-1)]), "every chunk ends with the tail's binds");
        }
        assert_eq!(next_row, 13);
    }
}
