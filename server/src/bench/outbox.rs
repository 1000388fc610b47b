//! `regulars bench outbox`: how close the outbox sender gets to a messenger's allowed rate
//! without being told "too many requests".
//!
//! Queues `--count` notifications (3000) for as many guests through the real store (each one
//! a real POS sale: purchase, earn, outbox row in one transaction), then runs the real
//! [`OutboxSender`] against an in-process messenger that enforces `--per-second` (30, a
//! Telegram bot's bulk limit) over any sliding second and `--chat-interval-ms` (1000) per chat,
//! answering `RateLimited` like a 429 when either is exceeded, after `--latency-ms` (0) of
//! simulated answer time. Prints what was delivered, the steady rate as a share of the allowed
//! one (the first second's burst left out: a sliding window lets a full second's worth go at
//! once), and how many rate-limit answers the sender provoked. Target: at least 95% of the
//! allowed rate and no 429s.
//!
//! The messenger is pluggable: [`measure`] takes any `Arc<dyn Channel>` and reads only the
//! sender's counters, so a loopback HTTP fake of a platform drops in for [`LimitedChannel`].
//!
//! Flags: `--store sqlite|postgres`, `--url`, `--count`, `--per-second`, `--chat-interval-ms`,
//! `--latency-ms`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use async_trait::async_trait;
use chrono::{NaiveTime, Utc};
use futures::StreamExt;
use regulars_core::chain::{GeoPoint, NewCafe, NewChain, OpeningHours};
use regulars_core::channel::{
    Address, Capabilities, Channel, ChannelRequest, DeliveryResult, Message, RateLimits, WebhookError, WebhookOutcome,
};
use regulars_core::guest::{ChannelIdentity, NewGuest};
use regulars_core::ids::{CafeId, ChainId};
use regulars_core::money::{Currency, Money};
use regulars_core::pos::ingest::{GuestMatch, PurchaseIngest};
use regulars_core::program::{NewProgram, ProgramKind, ProgramScope};
use regulars_core::purchase::{LineItem, NewPurchase};
use regulars_core::store::Store;
use regulars_i18n::Localizer;

use super::{BenchStore, open_bench_store};
use crate::outbox::{DeliveryStats, OutboxSender, OutboxSettings};

/// Settings of `regulars bench outbox`.
#[derive(Debug, Clone, clap::Args)]
pub struct OutboxBench {
    /// Backend to measure.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub store: BenchStore,
    /// Database URL (defaults per backend).
    #[arg(long)]
    pub url: Option<String>,
    /// Notifications to deliver, one per guest.
    #[arg(long, default_value_t = 3_000)]
    pub count: usize,
    /// The messenger's limit across the bot, messages per second.
    #[arg(long, default_value_t = 30)]
    pub per_second: u32,
    /// The messenger's least interval between two messages to one chat, in milliseconds.
    #[arg(long, default_value_t = 1_000)]
    pub chat_interval_ms: u64,
    /// How long the messenger takes to answer each send, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
}

/// Runs the benchmark and prints its figures.
///
/// # Errors
/// When the store cannot be opened or preparing the notifications fails.
#[expect(clippy::print_stdout, reason = "the figures are the command's output")]
pub async fn outbox(args: OutboxBench) -> anyhow::Result<()> {
    let (store, _url, _dir) = open_bench_store(args.store, args.url.as_deref(), 16).await?;
    eprintln!("queueing {} notifications for as many guests on {}...", args.count, store.backend_name());
    let prepared = Instant::now();
    let chain = queue_notifications(&*store, args.count).await?;
    eprintln!("  queued in {:.1} s; delivering...", prepared.elapsed().as_secs_f64());

    let limits = RateLimits {
        per_second: args.per_second.max(1),
        per_chat_interval: Duration::from_millis(args.chat_interval_ms),
    };
    let messenger = Arc::new(LimitedChannel::new(limits, Duration::from_millis(args.latency_ms)));
    let run = measure(store.clone(), messenger.clone(), args.count).await?;
    let stats = run.stats;

    let allowed = f64::from(limits.per_second);
    let burst = stats.sent.min(u64::from(limits.per_second));
    let steady = match run.steady_window() {
        Some(window) => (stats.sent - burst) as f64 / window.as_secs_f64(),
        None => f64::NAN,
    };
    println!(
        "outbox: backend={} notifications={} (chain {chain}) limits={}/s per bot, {} ms per chat, latency {} ms\n  \
         delivered {} (the messenger accepted {}; failed {}, retried {}) in {:.1} s\n  \
         steady rate {steady:.2} msg/s = {:.1}% of the allowed {allowed:.0}/s (first second's burst of {burst} left out; \
         whole run {:.2} msg/s)\n  \
         rate-limit answers provoked: {} (the messenger counted {})",
        store.backend_name(),
        args.count,
        limits.per_second,
        args.chat_interval_ms,
        args.latency_ms,
        stats.sent,
        messenger.delivered(),
        stats.failed,
        stats.retried,
        run.elapsed.as_secs_f64(),
        100.0 * steady / allowed,
        stats.sent as f64 / run.elapsed.as_secs_f64(),
        stats.rate_limited,
        messenger.rate_limited(),
    );
    Ok(())
}

/// What a run of the sender did.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// The sender's counters at the end.
    pub stats: DeliveryStats,
    /// From the start of the sender to the last message settled.
    pub elapsed: Duration,
    /// When the first message was seen delivered, from the start.
    pub first_sent: Option<Duration>,
    /// When the last message was seen delivered, from the start.
    pub last_sent: Option<Duration>,
}

impl Run {
    /// The time between the first and the last delivery, if there were two.
    #[must_use]
    pub fn steady_window(&self) -> Option<Duration> {
        let window = self.last_sent?.checked_sub(self.first_sent?)?;
        (!window.is_zero()).then_some(window)
    }
}

/// Runs the outbox sender with `channel` (as kind `telegram`) until `count` notifications are
/// settled, watching its counters every few milliseconds.
///
/// # Errors
/// When the localizer cannot load, or nothing settles for a minute.
pub async fn measure(store: Arc<dyn Store>, channel: Arc<dyn Channel>, count: usize) -> anyhow::Result<Run> {
    let i18n = Arc::new(Localizer::embedded()?);
    let channels = HashMap::from([("telegram".to_owned(), channel)]);
    let started = Instant::now();
    let sender = OutboxSender::new(store, i18n, channels, OutboxSettings::default()).spawn();
    let target = u64::try_from(count).unwrap_or(u64::MAX);
    let (mut first_sent, mut last_sent) = (None, None);
    let mut progress_at = Instant::now();
    let mut settled_before = 0;
    loop {
        let stats = sender.stats().get("telegram").copied().unwrap_or_default();
        if stats.sent > 0 && first_sent.is_none() {
            first_sent = Some(started.elapsed());
        }
        let settled = stats.sent + stats.failed;
        if settled != settled_before {
            settled_before = settled;
            progress_at = Instant::now();
            last_sent = Some(started.elapsed());
        }
        if settled >= target {
            break;
        }
        anyhow::ensure!(progress_at.elapsed() < Duration::from_secs(60), "no progress for a minute: {stats:?}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = started.elapsed();
    let stats = sender.shutdown().await.get("telegram").copied().unwrap_or_default();
    Ok(Run { stats, elapsed, first_sent, last_sent })
}

/// Creates a chain with a cafe and a points program, `count` guests on Telegram, and one sale
/// each through the POS ingest path, which queues one notification per guest.
async fn queue_notifications(store: &dyn Store, count: usize) -> anyhow::Result<ChainId> {
    let run = format!("outbox-bench-{}", Utc::now().timestamp_millis());
    let chain =
        store.create_chain(NewChain { slug: run.clone(), name: run.clone(), default_language: "en".into() }).await?;
    let hours = |h| NaiveTime::from_hms_opt(h, 0, 0).context("time");
    let cafe = store
        .create_cafe(
            chain.id,
            NewCafe {
                name: "Bench cafe".into(),
                address: "Knez Mihailova 1, Beograd".into(),
                location: GeoPoint { lat: 44.8176, lon: 20.4569 },
                timezone: chrono_tz::Europe::Belgrade,
                currency: Currency::new("RSD")?,
                opening_hours: OpeningHours::daily(hours(7)?, hours(22)?),
            },
        )
        .await?;
    store
        .create_program(
            chain.id,
            NewProgram {
                name: "Points".into(),
                kind: ProgramKind::Points,
                scope: ProgramScope::Chain,
                rules: serde_json::from_value(serde_json::json!({ "earn": { "points": 1, "per_minor": 10_000 } }))?,
            },
        )
        .await?;
    let results: Vec<anyhow::Result<()>> = futures::stream::iter(0..count)
        .map(|i| sale(store, chain.id, cafe.id, &run, i))
        .buffer_unordered(32)
        .collect()
        .await;
    results.into_iter().collect::<anyhow::Result<()>>()?;
    Ok(chain.id)
}

async fn sale(store: &dyn Store, chain: ChainId, cafe: CafeId, run: &str, i: usize) -> anyhow::Result<()> {
    let guest = store
        .create_guest(
            chain,
            NewGuest {
                display_name: Some(format!("Guest {i}")),
                language: Some(if i.is_multiple_of(2) { "en" } else { "ru" }.into()),
                identity: Some(ChannelIdentity::new("telegram", format!("{}", 100_000 + i))?),
                ..NewGuest::default()
            },
        )
        .await?;
    let total = Money::new(50_000, Currency::new("RSD")?);
    let outcome = store
        .ingest_purchase(
            chain,
            PurchaseIngest {
                source: "bench-pos".into(),
                delivery_id: format!("{run}-{i}"),
                purchase: NewPurchase {
                    cafe_id: cafe,
                    source: "bench-pos".into(),
                    external_id: format!("receipt-{i}"),
                    guest_id: Some(guest.id),
                    total,
                    items: vec![LineItem {
                        sku: "CAP".into(),
                        name: "Cappuccino".into(),
                        category: Some("coffee".into()),
                        quantity: 1,
                        unit_price_minor: total.minor,
                    }],
                    occurred_at: Utc::now(),
                },
                guest: GuestMatch::Matched { public_id: guest.public_id.to_string(), via: None },
                card_step: None,
                reward_code: None,
                promotions: Vec::new(),
            },
        )
        .await?;
    anyhow::ensure!(outcome.notified, "sale {i} queued no notification");
    Ok(())
}

/// An in-process messenger that holds its sender to `limits` like a real platform: more than
/// `per_second` sends within any sliding second, or two sends to one chat closer than
/// `per_chat_interval`, are answered `RateLimited` (a 429) and counted. Everything else is
/// accepted after `latency`.
#[derive(Debug)]
pub struct LimitedChannel {
    limits: RateLimits,
    latency: Duration,
    state: Mutex<Limiter>,
    rate_limited: AtomicU64,
    delivered: AtomicU64,
}

#[derive(Debug, Default)]
struct Limiter {
    window: VecDeque<Instant>,
    last_to_chat: HashMap<Address, Instant>,
}

impl LimitedChannel {
    /// A messenger enforcing `limits`, answering after `latency`.
    #[must_use]
    pub fn new(limits: RateLimits, latency: Duration) -> Self {
        Self { limits, latency, state: Mutex::default(), rate_limited: AtomicU64::new(0), delivered: AtomicU64::new(0) }
    }

    /// Sends answered `RateLimited` so far.
    #[must_use]
    pub fn rate_limited(&self) -> u64 {
        self.rate_limited.load(Ordering::Relaxed)
    }

    /// Sends accepted so far.
    #[must_use]
    pub fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    /// Whether a send to `to` now keeps within the limits; counts it when it does.
    fn admit(&self, to: &Address) -> bool {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while state.window.front().is_some_and(|&t| now.duration_since(t) >= Duration::from_secs(1)) {
            state.window.pop_front();
        }
        let per_second = usize::try_from(self.limits.per_second).unwrap_or(usize::MAX);
        let chat_free =
            state.last_to_chat.get(to).is_none_or(|&last| now.duration_since(last) >= self.limits.per_chat_interval);
        if state.window.len() >= per_second || !chat_free {
            return false;
        }
        state.window.push_back(now);
        state.last_to_chat.insert(to.clone(), now);
        true
    }
}

#[async_trait]
impl Channel for LimitedChannel {
    fn kind(&self) -> &'static str {
        "telegram"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            max_text_len: 4096,
            max_buttons: 0,
            max_buttons_per_row: 0,
            max_button_label: 0,
            max_list_rows: 0,
            photos: false,
            max_caption_len: 0,
            contact_sharing: false,
            verified_phone_inherent: false,
            location: false,
            mini_app: false,
            rate: self.limits,
            service_window: None,
        }
    }

    async fn send(&self, to: &Address, _message: &Message) -> DeliveryResult {
        let admitted = self.admit(to);
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        if admitted {
            self.delivered.fetch_add(1, Ordering::Relaxed);
            DeliveryResult::Delivered { message_id: None }
        } else {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
            DeliveryResult::RateLimited { retry_after: Duration::from_secs(1) }
        }
    }

    fn parse_webhook(&self, _request: &ChannelRequest) -> Result<WebhookOutcome, WebhookError> {
        Ok(WebhookOutcome::default())
    }
}
