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

impl<S, ST, DB> QueryFragment<DB> for Cached<'_, S, ST>
where
    S: StatementText,
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Text>,
    i64: ToSql<BigInt, DB>,
    Option<i64>: ToSql<Nullable<BigInt>, DB>,
    str: ToSql<Text, DB>,
    for<'x> Option<&'x str>: ToSql<Nullable<Text>, DB>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        push_with_binds(S::SQL, &self.binds, out)
    }
}

/// Writes `sql`, putting the next of `binds` where each `?` is.
fn push_with_binds<'b, DB>(sql: &str, binds: &'b [Bind<'_>], mut out: AstPass<'_, 'b, DB>) -> QueryResult<()>
where
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Text>,
    i64: ToSql<BigInt, DB>,
    Option<i64>: ToSql<Nullable<BigInt>, DB>,
    str: ToSql<Text, DB>,
    for<'x> Option<&'x str>: ToSql<Nullable<Text>, DB>,
{
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

/// A statement over many rows at once: `head`, then `template` (one row's placeholders, such as
/// `(?, ?, 0)`) repeated once per row and joined by commas, then `tail`; rows of SQL type `ST`.
///
/// Its text varies with the number of rows, so it is planned on every run and never enters the
/// prepared-statement cache (which would otherwise keep one entry per batch size). One such
/// statement replaces a statement per row: on PostgreSQL each statement costs about 100 µs of
/// server CPU whatever its size, which is what the POS batches save.
pub(crate) struct Rows<'a, ST = ()> {
    sql: String,
    binds: Vec<Bind<'a>>,
    marker: PhantomData<fn() -> ST>,
}

impl<'a, ST> Rows<'a, ST> {
    /// The statement for `rows` rows of `template`, with `binds` for every `?` in order.
    pub(crate) fn new(head: &str, template: &str, rows: usize, tail: &str, binds: Vec<Bind<'a>>) -> Self {
        let mut sql = String::with_capacity(head.len() + rows * (template.len() + 2) + tail.len());
        sql.push_str(head);
        for row in 0..rows {
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push_str(template);
        }
        sql.push_str(tail);
        debug_assert_eq!(sql.matches('?').count(), binds.len(), "binds of {sql}");
        Self { sql, binds, marker: PhantomData }
    }
}

impl<ST: 'static> QueryId for Rows<'_, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST, DB> QueryFragment<DB> for Rows<'_, ST>
where
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Text>,
    i64: ToSql<BigInt, DB>,
    Option<i64>: ToSql<Nullable<BigInt>, DB>,
    str: ToSql<Text, DB>,
    for<'x> Option<&'x str>: ToSql<Nullable<Text>, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        push_with_binds(&self.sql, &self.binds, out)
    }
}

impl<ST: diesel::sql_types::SqlType + diesel::expression::TypedExpressionType> Query for Rows<'_, ST> {
    type SqlType = ST;
}
