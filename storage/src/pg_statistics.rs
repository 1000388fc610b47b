//! Planner statistics for a PostgreSQL server whose autovacuum is off.
//!
//! PostgreSQL picks its plans from statistics that `ANALYZE` gathers, and autovacuum runs
//! `ANALYZE` on a table once enough of it has changed. With autovacuum off (a setting some
//! installations ship with, this project's test machines among them) a table is never
//! analyzed, and the planner guesses. Its guesses were wrong where it hurt: looking up a batch
//! of webhook ids it walked the index on `(chain, source, event_key)` and filtered every
//! delivery of the source instead of using the unique index on the id itself (measured: 18 ms
//! against well under one for two ids in 12,000 deliveries; the webhook benchmark ran at 170
//! requests/s against 607 after one `ANALYZE`).
//!
//! So when the store opens on a server with autovacuum off it says so, and a task of its own
//! does the analyzing part of autovacuum's job: every [`CHECK_EVERY`] it analyzes each of its
//! tables changed by more than autovacuum's default threshold since its last analysis. Dead
//! rows are still not vacuumed; the warning says so.

use std::time::Duration;

use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::deadpool::Pool;
use tokio::sync::oneshot;

use crate::error::DbError;
use crate::postgres::{PgConn, checkout};

/// How often the tables' changes are checked when autovacuum is off: autovacuum's default
/// `autovacuum_naptime`. Analyzing is not free (the ledger, 60,000 entries with their rule
/// snapshots, took 0.76 s); checking every 10 s analyzed it three times in one 20 s benchmark.
const CHECK_EVERY: Duration = Duration::from_secs(60);

/// Tables changed by more than this many rows plus [`ANALYZE_SCALE`] of their size since their
/// last analysis are analyzed again: autovacuum's defaults (`autovacuum_analyze_threshold`,
/// `autovacuum_analyze_scale_factor`).
const ANALYZE_THRESHOLD: i64 = 50;

/// See [`ANALYZE_THRESHOLD`].
const ANALYZE_SCALE: f64 = 0.1;

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    autovacuum: String,
}

#[derive(QueryableByName)]
struct StaleTable {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Whether the server's autovacuum daemon is on.
async fn autovacuum_on(conn: &mut PgConn) -> Result<bool, DbError> {
    let setting: Setting = diesel::sql_query("SHOW autovacuum").get_result(conn).await?;
    Ok(setting.autovacuum == "on")
}

/// Analyzes every table of the current schema changed past autovacuum's threshold since its
/// last analysis; returns their names, sorted.
pub(crate) async fn analyze_stale(conn: &mut PgConn) -> Result<Vec<String>, DbError> {
    let stale: Vec<StaleTable> = diesel::sql_query(
        "SELECT relname::text AS name FROM pg_stat_user_tables WHERE schemaname = current_schema() \
         AND n_mod_since_analyze > $1 + $2 * GREATEST(n_live_tup, 0) ORDER BY relname",
    )
    .bind::<diesel::sql_types::BigInt, _>(ANALYZE_THRESHOLD)
    .bind::<diesel::sql_types::Double, _>(ANALYZE_SCALE)
    .load(conn)
    .await?;
    let mut analyzed = Vec::with_capacity(stale.len());
    for table in stale {
        // A name from the catalogue, quoted as an identifier: nothing a client sent.
        let quoted = format!("\"{}\"", table.name.replace('"', "\"\""));
        diesel::sql_query(format!("ANALYZE {quoted}")).execute(conn).await?;
        analyzed.push(table.name);
    }
    Ok(analyzed)
}

/// Checks once whether autovacuum is on; when it is off, warns and starts the task that keeps
/// the statistics, which stops when `stop`'s sender is dropped (with the store).
pub(crate) async fn keep_if_autovacuum_off(pool: Pool<PgConn>, stop: oneshot::Receiver<()>) {
    let on = async { autovacuum_on(&mut *checkout(&pool).await?).await }.await;
    match on {
        Ok(true) => return,
        Ok(false) => tracing::warn!(
            "PostgreSQL's autovacuum is off: regulars will ANALYZE its own tables as they change, \
             so that the planner keeps choosing the right indexes, but dead rows are not vacuumed; \
             turn autovacuum on (postgresql.conf: autovacuum = on)"
        ),
        Err(e) => {
            tracing::warn!(error = ?e, "could not read PostgreSQL's autovacuum setting; leaving statistics to it");
            return;
        }
    }
    tokio::spawn(keep(pool, stop));
}

async fn keep(pool: Pool<PgConn>, mut stop: oneshot::Receiver<()>) {
    let mut ticks = tokio::time::interval(CHECK_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = ticks.tick() => {}
        }
        let analyzed = async { analyze_stale(&mut *checkout(&pool).await?).await }.await;
        match analyzed {
            Ok(tables) if tables.is_empty() => {}
            Ok(tables) => tracing::debug!(?tables, "analyzed tables for the planner (autovacuum is off)"),
            Err(e) => tracing::warn!(error = ?e, "analyzing tables failed; trying again later"),
        }
    }
    tracing::debug!("PostgreSQL statistics task stopped: the store was dropped");
}
