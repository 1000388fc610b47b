//! One channel's sending loop: claim, pace, send, record.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use regulars_core::channel::{Channel, DeliveryResult, Message};
use regulars_core::ids::{CafeId, ChainId};
use regulars_core::notification::{ClaimScope, ClaimedMessage, Notification};
use regulars_core::store::Store;
use regulars_core::{Error, ErrorKind};
use regulars_i18n::Localizer;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::Instrument as _;

use super::pacing::Pacer;
use super::render::{Facts, render};
use super::{Counters, OutboxSettings};

/// A send is not started when less than this is left of its lease: another sender may take
/// the message when the lease runs out, and both would send it.
const LEASE_MARGIN: Duration = Duration::from_secs(15);

/// Whether a person last seen at `last_seen` may get free-form messages at `now` from a
/// messenger whose service window is `window` (never seen: no).
fn window_open(last_seen: Option<DateTime<Utc>>, window: Duration, now: DateTime<Utc>) -> bool {
    let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
    last_seen.is_some_and(|seen| now - seen < window)
}

/// Why a notification outside a messenger's service window was not sent.
const NO_TEMPLATE: &str = "no template is configured for this notification";

/// Which notifications a bot's sender takes.
#[derive(Debug, Clone, Default)]
pub(super) struct BotScope {
    /// The bot's chain; `None`: a sender for every chain.
    pub(super) chain: Option<ChainId>,
    /// Every channel kind the chain is served on (guests who used another last are left to
    /// that channel's sender).
    pub(super) reachable_on: Vec<String>,
}

/// How often recording a result is tried when the database is briefly unavailable; a result
/// not recorded means a re-send after the lease.
const STORE_TRIES: u32 = 4;

/// What to record about a message.
enum Settle {
    /// Accepted, with the platform's message id when it gave one.
    Sent(DateTime<Utc>, Option<String>),
    Retry(DateTime<Utc>, String),
    Failed(String),
    /// The guest blocked the bot: flag their identities on this channel, then fail.
    Blocked(String),
}

/// What a send task needs, shared with the loop.
struct Shared {
    kind: String,
    channel: Arc<dyn Channel>,
    bot: BotScope,
    store: Arc<dyn Store>,
    settings: OutboxSettings,
    counters: Arc<Counters>,
}

/// A claimed message rendered and waiting for its turn.
struct Ready {
    item: ClaimedMessage,
    message: Message,
}

pub(super) struct Delivery {
    shared: Arc<Shared>,
    i18n: Arc<Localizer>,
    shutdown: watch::Receiver<bool>,
    pacer: Pacer,
    batch: u32,
    /// Claimed messages, rendered, in claim order.
    queue: VecDeque<Ready>,
    /// Sends under way, each settling its own result; a `Some` answer is the platform's
    /// retry-after, to pause the channel for.
    in_flight: JoinSet<Option<Duration>>,
    cafes: HashMap<(ChainId, CafeId), String>,
}

impl Delivery {
    #[expect(clippy::too_many_arguments, reason = "assembled once per bot by OutboxSender::spawn")]
    pub(super) fn new(
        kind: String,
        channel: Arc<dyn Channel>,
        bot: BotScope,
        store: Arc<dyn Store>,
        i18n: Arc<Localizer>,
        settings: OutboxSettings,
        counters: Arc<Counters>,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let rate = channel.capabilities().rate;
        let batch = settings.batch.unwrap_or_else(|| rate.per_second.saturating_mul(2)).clamp(1, 500);
        Self {
            shared: Arc::new(Shared { kind, channel, bot, store, settings, counters }),
            i18n,
            shutdown,
            pacer: Pacer::new(rate),
            batch,
            queue: VecDeque::new(),
            in_flight: JoinSet::new(),
            cafes: HashMap::new(),
        }
    }

    pub(super) async fn run(mut self) {
        tracing::info!(batch = self.batch, max_in_flight = self.shared.settings.max_in_flight, "outbox sender started");
        let max_in_flight = self.shared.settings.max_in_flight.max(1);
        // Whether the queue was topped up since the last send (so a wait on one chat does not
        // turn into a claim loop).
        let mut topped_up = false;
        while !self.stopping() {
            while let Some(done) = self.in_flight.try_join_next() {
                self.finished(done);
            }
            if self.in_flight.len() >= max_in_flight {
                if self.wait(None).await {
                    break;
                }
                continue;
            }
            if self.queue.is_empty() {
                self.claim(self.batch).await;
                if self.queue.is_empty() {
                    if self.wait(Some(Instant::now() + self.shared.settings.idle_poll)).await {
                        break;
                    }
                    continue;
                }
            }
            let now = Instant::now();
            let slot = self.pacer.next_slot(now);
            let (index, at) = self.pick(slot, now);
            if at > now {
                let queued = u32::try_from(self.queue.len()).unwrap_or(u32::MAX);
                let room = self.batch.saturating_sub(queued);
                if (queued <= self.batch / 2 || at > slot) && room > 0 && !topped_up {
                    // We have to wait anyway: top the queue up now (claim and render), so the
                    // database never stands between a free slot and its send. Also when only
                    // one chat's interval holds us up: other guests' messages can go meanwhile.
                    topped_up = true;
                    self.claim(room).await;
                    continue;
                }
                if self.wait(Some(at)).await {
                    break;
                }
                continue;
            }
            if let Some(ready) = self.queue.remove(index) {
                self.start(ready);
                topped_up = false;
            }
        }
        // Sends already started finish and record their results.
        while let Some(done) = self.in_flight.join_next().await {
            self.finished(done);
        }
        self.release().await;
    }

    /// Takes note of a finished send task.
    fn finished(&mut self, done: Result<Option<Duration>, tokio::task::JoinError>) {
        match done {
            Ok(Some(retry_after)) => self.pacer.pause(Instant::now() + retry_after),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "a send task failed; its message is retried after the lease"),
        }
    }

    /// Waits until `at` (or, with `None`, for a send to finish), noting sends that finish
    /// meanwhile; `true` when shutdown came first.
    async fn wait(&mut self, at: Option<Instant>) -> bool {
        let deadline = at.unwrap_or_else(|| Instant::now() + self.shared.settings.idle_poll);
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => return false,
                changed = self.shutdown.changed() => return changed.is_err() || *self.shutdown.borrow(),
                Some(done) = self.in_flight.join_next(), if !self.in_flight.is_empty() => {
                    self.finished(done);
                    if at.is_none() {
                        return false;
                    }
                }
            }
        }
    }

    /// Whether shutdown was asked for (or the handle dropped).
    fn stopping(&self) -> bool {
        self.shutdown.has_changed().map_or(true, |_| *self.shutdown.borrow())
    }

    /// The queued message to send next and when: the first (in claim order) whose chat is
    /// free soonest, no earlier than the bot's next slot.
    fn pick(&self, slot: Instant, now: Instant) -> (usize, Instant) {
        self.queue
            .iter()
            .enumerate()
            .map(|(i, r)| (i, self.pacer.chat_ready(&r.item.address, now).max(slot)))
            .min_by_key(|&(i, at)| (at, i))
            .unwrap_or((0, slot))
    }

    async fn claim(&mut self, limit: u32) {
        let shared = &self.shared;
        let lease = chrono::Duration::from_std(shared.settings.lease).unwrap_or(chrono::Duration::minutes(5));
        let reachable_on: Vec<&str> = shared.bot.reachable_on.iter().map(String::as_str).collect();
        let scope =
            ClaimScope { chain: shared.bot.chain, channels: &[shared.kind.as_str()], reachable_on: &reachable_on };
        match shared.store.claim_due_in(Utc::now(), lease, limit, &scope).await {
            Ok(batch) => {
                if !batch.is_empty() {
                    tracing::debug!(claimed = batch.len(), "claimed");
                }
                for item in batch {
                    if let Some(message) = self.prepare(&item).await {
                        self.queue.push_back(Ready { item, message });
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e.report(), "claiming notifications failed; trying again"),
        }
    }

    /// Renders a claimed message, or settles it at once when it must not be sent.
    async fn prepare(&mut self, item: &ClaimedMessage) -> Option<Message> {
        let shared = self.shared.clone();
        let span = tracing::debug_span!("prepare", id = item.message.id, chain = %item.message.chain_id,
            attempt = item.message.attempts);
        if item.message.attempts > shared.settings.max_attempts {
            // Claimed again and again without a result recorded: senders crashing mid-send.
            let reason = format!("gave up after {} attempts", item.message.attempts - 1);
            shared.settle(item, Settle::Failed(reason)).instrument(span).await;
            return None;
        }
        match self.facts(item).await {
            Ok(facts) => Some(render(&self.i18n, item, &facts)),
            Err(e) => {
                let settle = if e.kind() == ErrorKind::NotFound {
                    Settle::Failed(format!("cannot render: {e}"))
                } else {
                    Settle::Retry(Utc::now() + shared.backoff(item.message.attempts), format!("cannot render: {e}"))
                };
                shared.settle(item, settle).instrument(span).await;
                None
            }
        }
    }

    /// Starts the send of a rendered message, recording it with the pacer.
    fn start(&mut self, ready: Ready) {
        let Ready { item, message } = ready;
        let span = tracing::debug_span!("send", id = item.message.id, chain = %item.message.chain_id,
            attempt = item.message.attempts);
        if item.lease_until - Utc::now() < chrono::Duration::from_std(LEASE_MARGIN).unwrap_or_default() {
            // Left for the next claim: recording anything now could undo another sender's claim.
            tracing::warn!(parent: &span, "lease nearly over before the send started; leaving it to the next claim");
            return;
        }
        // Recorded when the send starts, the instant the platform's limits count.
        self.pacer.record(&item.address, Instant::now());
        let shared = self.shared.clone();
        self.in_flight.spawn(async move { shared.send(item, message).await }.instrument(span));
    }

    /// The cafe's name (cached: cafes are few and their names rarely change) and, for an earn,
    /// the purchase's total.
    async fn facts(&mut self, item: &ClaimedMessage) -> Result<Facts, Error> {
        let chain = item.message.chain_id;
        let (cafe_id, purchase) = match &item.message.notification {
            Notification::Earned { cafe_id, purchase_id, .. } => (*cafe_id, Some(*purchase_id)),
            Notification::Refunded { cafe_id, .. } | Notification::Redeemed { cafe_id, .. } => (*cafe_id, None),
            // About no cafe and no purchase.
            Notification::PhoneCode { .. } => return Ok(Facts { cafe: String::new(), total: None }),
        };
        let cafe = match self.cafes.get(&(chain, cafe_id)) {
            Some(name) => name.clone(),
            None => {
                let name = self.shared.store.cafe(chain, cafe_id).await?.name;
                self.cafes.insert((chain, cafe_id), name.clone());
                name
            }
        };
        let total = match purchase {
            Some(id) => Some(self.shared.store.purchase(chain, id).await?.details.total),
            None => None,
        };
        Ok(Facts { cafe, total })
    }

    /// On shutdown: hands the claimed messages not yet sent back as due now, so another server
    /// sends them without waiting out the lease.
    async fn release(&mut self) {
        let now = Utc::now();
        let released = self.queue.len();
        // A message whose lease already ran out may be another sender's now: leave it alone.
        for Ready { item, .. } in self.queue.drain(..).filter(|r| r.item.lease_until > now) {
            if let Err(e) =
                self.shared.store.retry_later(item.message.chain_id, item.message.id, now, "sender stopped").await
            {
                tracing::warn!(id = item.message.id, error = %e.report(), "could not hand a message back; it waits for its lease");
            }
        }
        if released > 0 {
            tracing::info!(released, "handed unsent messages back to the outbox");
        }
    }
}

impl Shared {
    /// Sends one message and records what the platform said; returns the platform's
    /// retry-after when it asked to slow down.
    async fn send(&self, item: ClaimedMessage, message: Message) -> Option<Duration> {
        let mut pause = None;
        let message = match self.within_window(&item, message) {
            Ok(message) => message,
            Err(reason) => {
                self.settle(&item, Settle::Failed(reason)).await;
                return None;
            }
        };
        let mut result = self.channel.send(&item.address, &message).await;
        if let DeliveryResult::OutsideServiceWindow { reason } = &result {
            // The platform knows better than our last-seen time: the template, if there is one.
            result = match self.template_for(&item, &message) {
                Some(template) => self.channel.send(&item.address, &template).await,
                None => DeliveryResult::PermanentFailure { reason: format!("{reason}; {NO_TEMPLATE}") },
            };
        }
        let settle = match result {
            DeliveryResult::Delivered { message_id } => Settle::Sent(Utc::now(), message_id),
            DeliveryResult::RateLimited { retry_after } => {
                self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(retry_after_ms = retry_after.as_millis(), "rate limited: pausing the channel");
                pause = Some(retry_after);
                let wait = chrono::Duration::from_std(retry_after).unwrap_or(chrono::Duration::minutes(1));
                Settle::Retry(Utc::now() + wait, "rate limited".into())
            }
            DeliveryResult::Blocked { reason } => {
                self.counters.blocked.fetch_add(1, Ordering::Relaxed);
                Settle::Blocked(reason)
            }
            DeliveryResult::PermanentFailure { reason } | DeliveryResult::OutsideServiceWindow { reason } => {
                Settle::Failed(reason)
            }
            DeliveryResult::TemporaryFailure { reason } => self.temporary(&item, reason),
            other => self.temporary(&item, format!("unexpected delivery result: {other:?}")),
        };
        self.settle(&item, settle).await;
        pause
    }

    /// `message` when the channel takes free-form messages to the guest now; outside its
    /// service window, the configured template instead, or `Err` with the reason nothing is
    /// sent.
    fn within_window(&self, item: &ClaimedMessage, message: Message) -> Result<Message, String> {
        let Some(window) = self.channel.capabilities().service_window else { return Ok(message) };
        if window_open(item.last_seen_at, window, Utc::now()) {
            return Ok(message);
        }
        self.template_for(item, &message).ok_or_else(|| format!("outside the service window; {NO_TEMPLATE}"))
    }

    /// The channel's template for this notification, carrying `message`'s text, when one is
    /// configured.
    fn template_for(&self, item: &ClaimedMessage, message: &Message) -> Option<Message> {
        let text = match message {
            Message::Text { text, .. } | Message::Photo { caption: text, .. } => text.clone(),
            _ => return None,
        };
        let language = item.language.as_deref().unwrap_or(&item.chain_language);
        self.channel.template(item.message.notification.kind(), Some(language), vec![text])
    }

    fn temporary(&self, item: &ClaimedMessage, reason: String) -> Settle {
        if item.message.attempts >= self.settings.max_attempts {
            Settle::Failed(format!("{reason} (gave up after {} attempts)", item.message.attempts))
        } else {
            Settle::Retry(Utc::now() + self.backoff(item.message.attempts), reason)
        }
    }

    fn backoff(&self, attempts: u32) -> chrono::Duration {
        chrono::Duration::from_std(self.settings.backoff(attempts)).unwrap_or(chrono::Duration::minutes(5))
    }

    /// Records a result, retrying briefly while the database is unavailable.
    async fn settle(&self, item: &ClaimedMessage, settle: Settle) {
        let (chain, id) = (item.message.chain_id, item.message.id);
        let mut delay = Duration::from_millis(100);
        for attempt in 1..=STORE_TRIES {
            let result = match &settle {
                Settle::Sent(at, platform_id) => self.store.mark_sent(chain, id, *at, platform_id.as_deref()).await,
                Settle::Retry(at, reason) => self.store.retry_later(chain, id, *at, reason).await,
                Settle::Failed(reason) => self.store.mark_failed(chain, id, reason).await,
                Settle::Blocked(reason) => {
                    match self.store.mark_unreachable(chain, item.message.guest_id, &self.kind).await {
                        Ok(()) => self.store.mark_failed(chain, id, reason).await,
                        Err(e) => Err(e),
                    }
                }
            };
            match result {
                Ok(()) => break,
                Err(e) if e.is_retryable() && attempt < STORE_TRIES => {
                    tracing::warn!(error = %e.report(), "recording a delivery result failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(e) => {
                    // The row stays `sending`; the next claim after the lease picks it up.
                    tracing::error!(error = %e.report(), "could not record a delivery result");
                    return;
                }
            }
        }
        let counter = match &settle {
            Settle::Sent(..) => {
                tracing::debug!("sent");
                &self.counters.sent
            }
            Settle::Retry(at, reason) => {
                tracing::info!(%reason, retry_at = %at, "will retry");
                &self.counters.retried
            }
            Settle::Failed(reason) | Settle::Blocked(reason) => {
                tracing::info!(%reason, "gave up");
                &self.counters.failed
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_window_counts_from_the_last_message() {
        let day = Duration::from_secs(24 * 3600);
        let now = Utc::now();
        assert!(window_open(Some(now - chrono::Duration::hours(23)), day, now));
        assert!(!window_open(Some(now - chrono::Duration::hours(24)), day, now), "24 hours is outside");
        assert!(!window_open(Some(now - chrono::Duration::days(3)), day, now));
        assert!(!window_open(None, day, now), "never seen: templates only");
    }
}
