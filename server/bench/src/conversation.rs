//! `regulars-bench conversation`: inbound bot updates per second through the conversation.
//!
//! Seeds the demo chain on a fresh store, then drives [`Conversation::handle`] (state load,
//! guest lookup, the turn, the compare-and-set save, and rendering with the real locales)
//! from `--concurrency` tasks for `--users` people in two measured phases:
//!
//! 1. **onboarding**: every user starts, picks a language and a cafe and skips the phone
//!    (four updates each, creating the guest);
//! 2. **mixed**: `--events` updates from those users, round robin, cycling through a mix of
//!    what people do: menu, card (the QR PNG and a presence write), history, cafes, invite,
//!    promotions, help, free text the bot does not understand, a stale button.
//!
//! Flags: `--store sqlite|postgres`, `--url`, `--users` (1000), `--events` (50000),
//! `--concurrency` (64). Prints updates per second and the latency distribution per phase;
//! asserts nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use hdrhistogram::Histogram;
use regulars_core::channel::{Capabilities, InboundEvent, RateLimits, Sender};
use regulars_core::conversation::{Conversation, ConversationConfig};
use regulars_core::ids::{CafeId, ChainId};
use regulars_i18n::Localizer;

use crate::store::{BenchStore, open_bench_store};
use regulars_server::app::AppState;
use regulars_server::conversation_render::render;
use regulars_server::demo;

/// Settings of `regulars-bench conversation`.
#[derive(Debug, Clone, clap::Args)]
pub struct ConversationBench {
    /// Backend to measure.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub store: BenchStore,
    /// Database URL (defaults per backend).
    #[arg(long)]
    pub url: Option<String>,
    /// People talking to the bot.
    #[arg(long, default_value_t = 1_000)]
    pub users: usize,
    /// Updates in the mixed phase.
    #[arg(long, default_value_t = 50_000)]
    pub events: usize,
    /// Updates handled at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
}

/// A messenger with everything: buttons, photos, contacts, locations.
fn capabilities() -> Capabilities {
    Capabilities {
        max_text_len: 4096,
        max_buttons: 100,
        max_buttons_per_row: 8,
        max_button_label: 64,
        max_list_rows: 0,
        photos: true,
        max_caption_len: 1024,
        contact_sharing: true,
        verified_phone_inherent: false,
        location: true,
        mini_app: true,
        rate: RateLimits { per_second: 30, per_chat_interval: Duration::from_secs(1) },
        service_window: None,
    }
}

fn sender(user: usize) -> Sender {
    Sender {
        external_id: format!("bench-{user}"),
        display_name: Some(format!("Guest {user}")),
        language: Some("en".into()),
    }
}

fn button(user: usize, payload: &str) -> InboundEvent {
    InboundEvent::Button { from: sender(user), payload: payload.to_owned(), ack_id: None }
}

/// The `step`th onboarding update of `user`.
fn onboarding(user: usize, step: usize, cafe: CafeId) -> InboundEvent {
    match step {
        0 => InboundEvent::Start { from: sender(user), payload: None },
        1 => button(user, "v1:lang:ru"),
        2 => button(user, &format!("v1:cafe:{cafe}")),
        _ => button(user, "v1:phone:skip"),
    }
}

/// The `i`th update of the mixed phase.
fn mixed(i: usize, users: usize) -> InboundEvent {
    let user = i % users;
    match (i / users) % 10 {
        0 => button(user, "v1:menu"),
        1 => button(user, "v1:card"),
        2 => button(user, "v1:hist:1"),
        3 => button(user, "v1:cafes"),
        4 => button(user, "v1:invite"),
        5 => button(user, "v1:promo"),
        6 => button(user, "v1:help"),
        7 => InboundEvent::Text { from: sender(user), text: "do you have oat milk?".into() },
        8 => button(user, "v0:stale"),
        _ => InboundEvent::Start { from: sender(user), payload: None },
    }
}

struct Rig {
    conversation: Conversation,
    i18n: Localizer,
    chain: ChainId,
    caps: Capabilities,
}

impl Rig {
    async fn handle(&self, event: InboundEvent) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let replies = self.conversation.handle(self.chain, "telegram", &self.caps, event, chrono::Utc::now()).await?;
        let rendered: usize = replies.iter().map(|r| std::mem::size_of_val(&render(&self.i18n, r))).sum();
        std::hint::black_box(rendered);
        Ok(started.elapsed())
    }
}

/// Runs `events` through the rig, `concurrency` at a time, and prints the figures.
#[expect(clippy::print_stdout, reason = "the figures are the command's output")]
async fn phase(
    rig: &Arc<Rig>,
    name: &str,
    events: Vec<InboundEvent>,
    concurrency: usize,
    ordered_per_user: bool,
) -> anyhow::Result<()> {
    let count = events.len();
    let started = Instant::now();
    // Onboarding is a sequence per person: run each person's updates in order, people in
    // parallel. Mixed updates are independent.
    let latencies: Vec<Duration> = if ordered_per_user {
        let per_user: Vec<Vec<InboundEvent>> = events.chunks(4).map(<[InboundEvent]>::to_vec).collect();
        futures::stream::iter(per_user)
            .map(|updates| {
                let rig = rig.clone();
                async move {
                    let mut took = Vec::with_capacity(updates.len());
                    for event in updates {
                        took.push(rig.handle(event).await?);
                    }
                    anyhow::Ok(took)
                }
            })
            .buffer_unordered(concurrency.max(1))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<anyhow::Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect()
    } else {
        futures::stream::iter(events)
            .map(|event| {
                let rig = rig.clone();
                async move { rig.handle(event).await }
            })
            .buffer_unordered(concurrency.max(1))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<anyhow::Result<_>>()?
    };
    let elapsed = started.elapsed();
    let mut histogram = Histogram::<u64>::new(3)?;
    for latency in &latencies {
        histogram.record(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX))?;
    }
    let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "  {name}: {count} updates in {:.2} s = {:.0} updates/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
        ms(0.5),
        ms(0.99),
        histogram.max() as f64 / 1000.0,
    );
    Ok(())
}

/// Runs the benchmark and prints its figures.
///
/// # Errors
/// When the store cannot be opened or an update fails.
#[expect(clippy::print_stdout, reason = "the figures are the command's output")]
pub async fn conversation(args: ConversationBench) -> anyhow::Result<()> {
    let (store, _url, _dir) = open_bench_store(args.store, args.url.as_deref(), args.concurrency).await?;
    eprintln!("preparing the demo chain on {}...", store.backend_name());
    demo::seed(store.clone()).await?;
    let chain = store.chain_by_slug(demo::DEMO_SLUG).await?.id;
    let cafe = store.list_cafes(chain).await?.first().map(|c| c.id).context("the demo chain has cafes")?;
    let state = AppState::new(store.clone())?;
    let conversation = Conversation::new(store.clone(), state.till.clone(), ConversationConfig::default());
    let rig = Arc::new(Rig { conversation, i18n: Localizer::embedded()?, chain, caps: capabilities() });
    let users = args.users.max(1);
    println!(
        "conversation: backend={} users={users} concurrency={} (rendering included)",
        store.backend_name(),
        args.concurrency
    );
    let onboard: Vec<InboundEvent> = (0..users).flat_map(|u| (0..4).map(move |s| onboarding(u, s, cafe))).collect();
    phase(&rig, "onboarding", onboard, args.concurrency, true).await?;
    let events: Vec<InboundEvent> = (0..args.events).map(|i| mixed(i, users)).collect();
    phase(&rig, "mixed", events, args.concurrency, false).await?;
    Ok(())
}
