//! Giving up on notifications that cannot be delivered, so none waits in the outbox forever
//! and an operator can see why it was not sent.
//!
//! Every [`OutboxSettings::sweep_every`](super::OutboxSettings::sweep_every) (and once at
//! start), for every chain: a notification whose guest has no identity on any messenger the
//! chain is served on from this server fails with [`NO_MESSENGER`], and one not delivered
//! within [`OutboxSettings::max_age`](super::OutboxSettings::max_age) fails with [`EXPIRED`]
//! ([`OutboxRepo::expire_undeliverable`]). Both reasons are the row's `last_error` and are
//! logged per chain (`info` for no messenger, which is how a chain without bots works;
//! `warn` for expired, which means deliveries are not keeping up or keep failing).
//!
//! [`NO_MESSENGER`]: regulars_core::notification::NO_MESSENGER
//! [`EXPIRED`]: regulars_core::notification::EXPIRED
//! [`OutboxRepo::expire_undeliverable`]: regulars_core::store::OutboxRepo::expire_undeliverable

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use regulars_core::ids::ChainId;
use regulars_core::notification::Expired;
use regulars_core::store::Store;
use tokio::sync::watch;

use super::OutboxBot;

/// The messenger kinds each chain is served on by `bots`; a bot of every chain (`chain:
/// None`) counts for each of them.
#[derive(Debug, Clone, Default)]
pub(super) struct ServedOn {
    by_chain: BTreeMap<ChainId, BTreeSet<String>>,
    everywhere: BTreeSet<String>,
}

impl ServedOn {
    pub(super) fn new(bots: &[OutboxBot]) -> Self {
        let mut served = Self::default();
        for bot in bots {
            let kinds = bot.reachable_on.iter().cloned().chain([bot.channel.kind().to_owned()]);
            match bot.chain {
                Some(chain) => served.by_chain.entry(chain).or_default().extend(kinds),
                None => served.everywhere.extend(kinds),
            }
        }
        served
    }

    fn of(&self, chain: ChainId) -> Vec<String> {
        let mut kinds = self.everywhere.clone();
        kinds.extend(self.by_chain.get(&chain).into_iter().flatten().cloned());
        kinds.into_iter().collect()
    }
}

/// One pass over every chain as of `now`: gives up on notifications of guests with no
/// identity on the messengers `bots` serve their chain on, and on those queued more than
/// `max_age` ago. Returns the totals.
///
/// # Errors
/// The first storage error; the next pass does what this one did not.
pub async fn expire_undeliverable(
    store: &dyn Store,
    bots: &[OutboxBot],
    max_age: Option<Duration>,
    now: DateTime<Utc>,
) -> regulars_core::Result<Expired> {
    pass(store, &ServedOn::new(bots), max_age, now).await
}

async fn pass(
    store: &dyn Store,
    served: &ServedOn,
    max_age: Option<Duration>,
    now: DateTime<Utc>,
) -> regulars_core::Result<Expired> {
    let created_before = max_age.map(|age| now - chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX));
    let mut total = Expired::default();
    for chain in store.list_chains().await? {
        let kinds = served.of(chain.id);
        let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
        let expired = store.expire_undeliverable(chain.id, &kinds, created_before, now).await?;
        if expired.no_messenger > 0 {
            tracing::info!(chain = %chain.slug, count = expired.no_messenger, messengers = ?kinds,
                "gave up on notifications to guests with no identity on a messenger this chain is served on");
        }
        if expired.too_old > 0 {
            tracing::warn!(chain = %chain.slug, count = expired.too_old, max_age_secs = max_age.map(|a| a.as_secs()),
                "gave up on notifications not delivered within outbox.max_age_hours");
        }
        total.no_messenger += expired.no_messenger;
        total.too_old += expired.too_old;
    }
    Ok(total)
}

/// Sweeps once at start and then every `every`, until `stop` says so; a pass in progress is
/// finished first, so a sender that was started and shut down has swept at least once.
pub(super) async fn run(
    store: Arc<dyn Store>,
    served: ServedOn,
    max_age: Option<Duration>,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = pass(&*store, &served, max_age, Utc::now()).await {
            tracing::warn!(error = %e, "outbox expiry pass failed; retrying at the next");
        }
        tokio::select! {
            _ = stop.wait_for(|stopping| *stopping) => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
