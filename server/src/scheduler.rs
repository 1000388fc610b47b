//! Background jobs that run on a clock. Today: points expiry.
//!
//! The expiry job walks every program with an `expiry` rule in every chain and writes the
//! expiry entries that are due. It is idempotent (entries are keyed by the lot they expire),
//! so running it often, after a crash, or on two servers at once is safe.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use regulars_core::loyalty::Loyalty;
use regulars_core::store::Store;

/// How often the expiry job runs.
pub const EXPIRY_EVERY: Duration = Duration::from_secs(60 * 60);

/// What one pass of the expiry job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpiryPass {
    /// Programs with an expiry rule that were processed.
    pub programs: u64,
    /// Expiry entries written.
    pub entries: u64,
    /// Points expired.
    pub points: i64,
}

/// Runs the expiry job once for every chain, as of `now`.
///
/// # Errors
/// The first storage error; the next pass retries whatever this one did not finish.
pub async fn expire_points(store: &dyn Store, now: DateTime<Utc>) -> regulars_core::Result<ExpiryPass> {
    let loyalty = Loyalty::new(store);
    let mut pass = ExpiryPass::default();
    for chain in store.list_chains().await? {
        for program in store.list_programs(chain.id).await? {
            if program.rules.expiry.is_none() {
                continue;
            }
            let run = loyalty.expire(chain.id, program.id, now).await?;
            pass.programs += 1;
            pass.entries += run.entries;
            pass.points += run.points;
            if run.entries > 0 {
                tracing::info!(chain = %chain.slug, program = %program.name, entries = run.entries, points = run.points, "expired points");
            }
        }
    }
    Ok(pass)
}

/// Runs [`expire_points`] every [`EXPIRY_EVERY`] until the task is dropped; failures are
/// logged and retried on the next tick.
pub async fn run(store: Arc<dyn Store>) {
    let mut tick = tokio::time::interval(EXPIRY_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = expire_points(&*store, Utc::now()).await {
            tracing::warn!(error = %e.report(), "points expiry pass failed; retrying next hour");
        }
    }
}

/// How often [`compact_rollups`] folds the portal's roll-up deltas (PostgreSQL).
pub const COMPACT_EVERY: Duration = Duration::from_secs(5);

/// Folds the portal's roll-up deltas every [`COMPACT_EVERY`] until the task is dropped
/// ([`AnalyticsRepo::compact_rollups`]: nothing to do on SQLite, one folder among several
/// processes on PostgreSQL).
///
/// [`AnalyticsRepo::compact_rollups`]: regulars_core::store::AnalyticsRepo::compact_rollups
pub async fn compact_rollups(store: Arc<dyn Store>) {
    let mut tick = tokio::time::interval(COMPACT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match store.compact_rollups().await {
            Ok(0) => {}
            Ok(rows) => tracing::debug!(rows, "folded roll-up deltas"),
            Err(e) => tracing::warn!(error = %e.report(), "folding roll-up deltas failed; retrying"),
        }
    }
}
