//! `regulars-bench outbox`: how close the outbox sender gets to a messenger's allowed rate
//! without being told "too many requests".
//!
//! Queues `--count` notifications (3000) for as many guests through the real store (each one
//! a real POS sale: purchase, earn, outbox row in one transaction), then runs the real
//! [`OutboxSender`] with the real Telegram channel (teloxide) against the loopback fake of the
//! Bot API (`regulars_testkit::fakes::telegram`), which enforces Telegram's limits as its
//! flood control does: more than 30 sends in any sliding second, or two sends to one chat
//! within a second, are answered 429 with `retry_after`. Each answer comes `--latency-ms` (0)
//! late. Prints what was delivered, the steady rate as a share of the allowed one (the first
//! second's burst left out: a sliding window lets a full second's worth go at once), and how
//! many 429s the sender provoked. Target: at least 95% of the allowed rate and no 429s.
//!
//! [`measure`] takes any `Arc<dyn Channel>` and reads only the sender's counters, so another
//! platform's fake drops in.
//!
//! Flags: `--store sqlite|postgres`, `--url`, `--count`, `--latency-ms`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{NaiveTime, Utc};
use futures::StreamExt;
use regulars_core::chain::{GeoPoint, NewCafe, NewChain, OpeningHours};
use regulars_core::channel::Channel;
use regulars_core::guest::{ChannelIdentity, NewGuest};
use regulars_core::ids::{CafeId, ChainId};
use regulars_core::money::{Currency, Money};
use regulars_core::pos::ingest::{GuestMatch, Notify, PurchaseIngest};
use regulars_core::program::{NewProgram, ProgramKind, ProgramScope};
use regulars_core::purchase::{LineItem, NewPurchase};
use regulars_core::store::Store;
use regulars_i18n::Localizer;
use regulars_telegram::{BotToken, TelegramChannel, TelegramConfig, WebhookSecret};
use regulars_testkit::fakes::telegram::FakeTelegram;

use crate::store::{BenchStore, open_bench_store};
use regulars_server::outbox::{DeliveryStats, OutboxSender, OutboxSettings};

/// Settings of `regulars-bench outbox`.
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

    let fake = FakeTelegram::start().await;
    let mut config =
        TelegramConfig::new(BotToken::new(fake.token())?, WebhookSecret::new("bench_secret")?, "regulars_bench_bot");
    config.api_url = Some(fake.api_url());
    let messenger = Arc::new(TelegramChannel::new(&config)?);
    let limits = messenger.capabilities().rate;
    fake.enforce_limits(limits.per_second, limits.per_chat_interval);
    fake.slow(Duration::from_millis(args.latency_ms));
    let run = measure(store.clone(), messenger, args.count).await?;
    let accepted = fake.calls_to("sendMessage").iter().filter(|c| c.succeeded()).count();
    let stats = run.stats;

    let allowed = f64::from(limits.per_second);
    let burst = stats.sent.min(u64::from(limits.per_second));
    let steady = match run.steady_window() {
        Some(window) => (stats.sent - burst) as f64 / window.as_secs_f64(),
        None => f64::NAN,
    };
    println!(
        "outbox: backend={} notifications={} (chain {chain}) over the Telegram Bot API fake, limits={}/s per bot, \
         {} ms per chat, latency {} ms\n  \
         delivered {} (the messenger accepted {}; failed {}, retried {}) in {:.1} s\n  \
         steady rate {steady:.2} msg/s = {:.1}% of the allowed {allowed:.0}/s (first second's burst of {burst} left out; \
         whole run {:.2} msg/s)\n  \
         429 answers provoked: {} (the fake counted {})",
        store.backend_name(),
        args.count,
        limits.per_second,
        limits.per_chat_interval.as_millis(),
        args.latency_ms,
        stats.sent,
        accepted,
        stats.failed,
        stats.retried,
        run.elapsed.as_secs_f64(),
        100.0 * steady / allowed,
        stats.sent as f64 / run.elapsed.as_secs_f64(),
        stats.rate_limited,
        fake.limit_hits(),
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
                staff: None,
                notify: Notify::Guest,
            },
        )
        .await?;
    anyhow::ensure!(outcome.notified, "sale {i} queued no notification");
    Ok(())
}
