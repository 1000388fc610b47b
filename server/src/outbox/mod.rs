//! The outbox sender: drains queued guest notifications and delivers them through each guest's
//! messenger, paced by the messenger's limits, retried when the failure is temporary, and
//! never sent twice by two senders.
//!
//! ```no_run
//! # async fn demo(
//! #     store: std::sync::Arc<dyn regulars_core::store::Store>,
//! #     telegram: std::sync::Arc<dyn regulars_core::channel::Channel>,
//! # ) -> anyhow::Result<()> {
//! use std::collections::HashMap;
//! use std::sync::Arc;
//! use regulars_server::outbox::{OutboxSender, OutboxSettings};
//!
//! let i18n = Arc::new(regulars_i18n::Localizer::embedded()?);
//! let channels = HashMap::from([(telegram.kind().to_owned(), telegram)]);
//! let outbox = OutboxSender::new(store, i18n, channels, OutboxSettings::default()).spawn();
//! // ... serve ...
//! let totals = outbox.shutdown().await; // finishes the sends in flight, then returns
//! # let _ = totals; Ok(()) }
//! ```
//!
//! ## How it works
//! One tokio task per bot ([`OutboxBot`]: a channel serving one chain, or every chain with
//! [`OutboxSender::new`]) loops: claim a batch of the chain's due notifications whose guest
//! used that messenger last among the chain's ([`OutboxRepo::claim_due_in`], under a lease;
//! one guest across messengers is told where they talk to the program now), render each in
//! the guest's language
//! ([`render`]), send it at the pace the channel's [`Capabilities::rate`] allows (a sliding
//! one-second window across the bot and a minimum interval per chat; see `pacing`), and record
//! what the platform said:
//!
//! | [`DeliveryResult`] | the outbox row | the sender |
//! |---|---|---|
//! | `Delivered` | `sent` | |
//! | `RateLimited { retry_after }` | `pending` again, due after `retry_after` | pauses the whole channel for `retry_after` |
//! | `TemporaryFailure` | `pending` again after 1 s, 2 s, 4 s … (capped at [`OutboxSettings::backoff_cap`]); `failed` after [`OutboxSettings::max_attempts`] | |
//! | `OutsideServiceWindow` | sent again as the channel's template ([`Channel::template`]), or `failed` saying no template is configured | |
//! | `Blocked` | `failed`; the guest's identities on the channel are marked unreachable ([`OutboxRepo::mark_unreachable`]), so their later notifications are not attempted there | |
//! | `PermanentFailure` | `failed` | |
//!
//! Beside them one task gives up on what cannot be delivered ([`expiry`]): notifications of
//! guests with no identity on any messenger their chain is served on, and notifications older
//! than [`OutboxSettings::max_age`]; the reason is the row's `last_error` and the log's.
//!
//! When nothing is due the task polls every [`OutboxSettings::idle_poll`] (a poll with nothing
//! to do is one indexed read, no write). [`OutboxHandle::shutdown`] lets every task finish the
//! send it is in, hands the rest of its batch back as due at once (so another server takes it
//! without waiting out the lease), and returns the counters. Each task runs in a tracing span
//! `outbox{channel}`, each send in `send{id, chain, attempt}`; counters (sent, retried, failed,
//! rate-limited answers, blocked) are in [`DeliveryStats`].
//!
//! ## Guarantees, honestly
//! - **Never queued twice**: a change retried (a POS webhook delivered twice) queues nothing
//!   new; the outbox row's `dedupe_key` is unique per chain.
//! - **Never claimed twice**: concurrent claims, from any number of server processes on one
//!   database, never hand out the same row while its lease runs.
//! - **At least once at the messenger edge, bounded by the lease**: a sender that crashes (or
//!   loses the database) between the platform accepting a message and recording `sent` leaves
//!   the row `sending`; once its lease ([`OutboxSettings::lease`]) runs out another claim sends
//!   it again. That is the one way a guest can get a message twice, at most once more per such
//!   crash, and no sooner than the lease. Messengers offer no idempotency key for sends, so
//!   exactly-once at the edge is not possible; the lease keeps the window small and rare.
//!   A sender also never starts a send whose lease is about to run out (another sender may
//!   already have it), so a slow batch cannot cause a double send by itself.
//!
//! A channel with a service window (WhatsApp's 24 hours) gets a free-form notification only
//! while the guest's last message is younger than the window; outside it the notification
//! goes as the channel's approved template for its kind ([`Channel::template`], e.g. WhatsApp's
//! `[templates.earned]`), with the rendered text as its parameter, or is not sent and says so
//! in `last_error`.
//!
//! [`OutboxRepo::claim_due_in`]: regulars_core::store::OutboxRepo::claim_due_in
//! [`OutboxRepo::mark_unreachable`]: regulars_core::store::OutboxRepo::mark_unreachable
//! [`Capabilities::rate`]: regulars_core::channel::Capabilities::rate
//! [`DeliveryResult`]: regulars_core::channel::DeliveryResult

mod delivery;
pub mod expiry;
mod pacing;
pub mod render;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use regulars_core::channel::Channel;
use regulars_core::ids::ChainId;
use regulars_core::store::Store;
use regulars_i18n::Localizer;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument as _;

pub use pacing::SAFETY as PACING_SAFETY;

/// How the sender claims, retries and waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxSettings {
    /// How long a claim holds a message before another sender may take it again: the bound on
    /// a re-send after a crash. Must be well above a batch's sending time.
    pub lease: Duration,
    /// Messages claimed at once per channel; `None`: two seconds' worth at the channel's rate
    /// (at least 1, at most 500).
    pub batch: Option<u32>,
    /// How long a channel's task waits before looking again when nothing was due.
    pub idle_poll: Duration,
    /// Sends under way at once per channel, so a platform's answer latency (tens of
    /// milliseconds) does not cap the rate; the pacing still counts each send when it starts.
    pub max_in_flight: usize,
    /// Attempts (claims) before a temporarily failing message is given up on.
    pub max_attempts: u32,
    /// The first retry's delay after a temporary failure; doubled for each further attempt.
    pub backoff_base: Duration,
    /// The longest retry delay.
    pub backoff_cap: Duration,
    /// Notifications not delivered this long after they were queued are given up on (failed
    /// with [`EXPIRED`](regulars_core::notification::EXPIRED), see [`expiry`]); `None` keeps
    /// them until they are sent or fail otherwise. `outbox.max_age_hours` in the configuration.
    pub max_age: Option<Duration>,
    /// How often the outbox looks for notifications it cannot deliver ([`expiry`]).
    pub sweep_every: Duration,
}

/// [`OutboxSettings::max_age`] by default: a day covers a messenger's outage over a night,
/// and points earned yesterday are old news by then.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(5 * 60),
            batch: None,
            idle_poll: Duration::from_secs(1),
            max_in_flight: 16,
            max_attempts: 8,
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(5 * 60),
            max_age: Some(DEFAULT_MAX_AGE),
            sweep_every: Duration::from_secs(60),
        }
    }
}

impl OutboxSettings {
    /// The delay before attempt `attempts + 1`, after `attempts` failed: 1 s, 2 s, 4 s … (with
    /// the default base), never more than the cap.
    #[must_use]
    pub fn backoff(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(30);
        self.backoff_base.saturating_mul(1 << doublings).min(self.backoff_cap)
    }
}

/// What one channel's sender has done since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    /// Messages the platform accepted.
    pub sent: u64,
    /// Messages put back for a later attempt (temporary failures and rate limits).
    pub retried: u64,
    /// Messages given up on.
    pub failed: u64,
    /// "Too many requests" answers from the platform.
    pub rate_limited: u64,
    /// Sends the platform refused because the guest blocked the bot.
    pub blocked: u64,
}

/// Live counters behind [`DeliveryStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    sent: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
    rate_limited: AtomicU64,
    blocked: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> DeliveryStats {
        DeliveryStats {
            sent: self.sent.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            blocked: self.blocked.load(Ordering::Relaxed),
        }
    }
}

/// One bot the outbox sends through: a channel of one chain (or of every chain).
#[derive(Debug, Clone)]
pub struct OutboxBot {
    /// The bot.
    pub channel: Arc<dyn Channel>,
    /// Its chain; `None`: it sends every chain's notifications (one bot for the server).
    pub chain: Option<ChainId>,
    /// Every channel kind the chain is served on, this one included: a guest who used another
    /// of them last is notified there.
    pub reachable_on: Vec<String>,
}

/// The outbox sender, configured and not yet running.
pub struct OutboxSender {
    store: Arc<dyn Store>,
    i18n: Arc<Localizer>,
    bots: Vec<OutboxBot>,
    settings: OutboxSettings,
}

impl std::fmt::Debug for OutboxSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxSender")
            .field("bots", &self.bots.iter().map(|b| (b.channel.kind(), b.chain)).collect::<Vec<_>>())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl OutboxSender {
    /// A sender for `channels`, keyed by channel kind (`telegram`, as guest identities store
    /// it; normally each channel's own [`Channel::kind`]).
    #[must_use]
    pub fn new(
        store: Arc<dyn Store>,
        i18n: Arc<Localizer>,
        channels: HashMap<String, Arc<dyn Channel>>,
        settings: OutboxSettings,
    ) -> Self {
        for (kind, channel) in &channels {
            if kind != channel.kind() {
                tracing::warn!(key = %kind, channel = channel.kind(), "outbox channel registered under another kind");
            }
        }
        let kinds: Vec<String> = channels.keys().cloned().collect();
        let bots = channels
            .into_values()
            .map(|channel| OutboxBot { channel, chain: None, reachable_on: kinds.clone() })
            .collect();
        Self { store, i18n, bots, settings }
    }

    /// A sender with one task per bot (a chain's bot sends that chain's notifications only).
    #[must_use]
    pub fn for_bots(
        store: Arc<dyn Store>,
        i18n: Arc<Localizer>,
        bots: Vec<OutboxBot>,
        settings: OutboxSettings,
    ) -> Self {
        Self { store, i18n, bots, settings }
    }

    /// Starts one task per channel on the current tokio runtime, and the [`expiry`] task.
    /// With no channels, only the latter: every notification is undeliverable.
    #[must_use]
    pub fn spawn(self) -> OutboxHandle {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        let mut counters: BTreeMap<String, Arc<Counters>> = BTreeMap::new();
        if self.bots.is_empty() {
            tracing::info!(
                "no messenger channels configured: notifications are not sent, and given up on as undeliverable"
            );
        }
        let served = expiry::ServedOn::new(&self.bots);
        tasks.push(tokio::spawn(
            expiry::run(self.store.clone(), served, self.settings.max_age, self.settings.sweep_every, stopped.clone())
                .instrument(tracing::info_span!("outbox_expiry")),
        ));
        for bot in self.bots {
            let kind = bot.channel.kind().to_owned();
            // Counters per channel kind: a kind's bots add up.
            let shared: Arc<Counters> = counters.entry(kind.clone()).or_default().clone();
            let span = match bot.chain {
                Some(chain) => tracing::info_span!("outbox", channel = %kind, %chain),
                None => tracing::info_span!("outbox", channel = %kind),
            };
            let scope = delivery::BotScope { chain: bot.chain, reachable_on: bot.reachable_on };
            let task = delivery::Delivery::new(
                kind,
                bot.channel,
                scope,
                self.store.clone(),
                self.i18n.clone(),
                self.settings.clone(),
                shared,
                stopped.clone(),
            );
            tasks.push(tokio::spawn(task.run().instrument(span)));
        }
        OutboxHandle { stop, tasks, counters }
    }
}

/// A running outbox sender. Dropping it stops the tasks as [`OutboxHandle::shutdown`] does,
/// without waiting for them.
#[derive(Debug)]
pub struct OutboxHandle {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    counters: BTreeMap<String, Arc<Counters>>,
}

impl OutboxHandle {
    /// The counters so far, per channel kind.
    #[must_use]
    pub fn stats(&self) -> BTreeMap<String, DeliveryStats> {
        self.counters.iter().map(|(kind, c)| (kind.clone(), c.snapshot())).collect()
    }

    /// Stops every channel's task: each finishes the send in flight and records its result,
    /// hands the rest of its batch back as due now, and ends. Returns the final counters.
    pub async fn shutdown(self) -> BTreeMap<String, DeliveryStats> {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "an outbox task ended abnormally");
            }
        }
        let totals: BTreeMap<String, DeliveryStats> =
            self.counters.iter().map(|(kind, c)| (kind.clone(), c.snapshot())).collect();
        for (kind, stats) in &totals {
            tracing::info!(channel = %kind, sent = stats.sent, retried = stats.retried, failed = stats.failed,
                rate_limited = stats.rate_limited, blocked = stats.blocked, "outbox sender stopped");
        }
        totals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_and_is_capped() {
        let settings = OutboxSettings::default();
        let secs: Vec<u64> = (1..=11).map(|a| settings.backoff(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(settings.backoff(u32::MAX), settings.backoff_cap);
    }
}
