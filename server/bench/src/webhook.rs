//! `regulars-bench webhook`: end-to-end POS webhook throughput and latency.
//!
//! Starts the real server in this process on a loopback port (the real router, the demo
//! chain's signed POS source, the store), creates `--guests` guests, and drives it with
//! [`loadgen`](crate::loadgen) over HTTP: every request is a signed `purchase.completed` with
//! a unique receipt for one of the guests, so each one is a full ingest (signature, duplicate
//! check, guest match, rules, ledger, outbox, stored outcome). Two phases:
//!
//! 1. **throughput**: `--requests` deliveries from `--concurrency` connections, as fast as
//!    they are answered;
//! 2. **latency at a fixed rate**: `--rate` requests per second for `--rate-secs` seconds,
//!    latency measured from each request's scheduled send time.
//!
//! Flags: `--store sqlite|postgres`, `--url`, `--concurrency` (64), `--requests` (40000),
//! `--guests` (1000), `--rate` (2000), `--rate-secs` (10), `--pos-batches true|false` (true).
//! The load generator shares the machine's two cores with the server (each on its own runtime
//! and threads); the figures include that cost.

use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use regulars_core::guest::{Consent, GuestPublicId, NewGuest};
use regulars_core::identity::config::IdentitySettings;
use regulars_core::money::{Currency, Money};
use regulars_core::pos::signature::WebhookSecret;
use regulars_core::pos::{GuestRef, PosPayload, PosPurchase};
use regulars_core::purchase::LineItem;
use regulars_core::store::Store;

use crate::loadgen::{LoadPlan, Requests, run};
use crate::store::{BenchStore, open_bench_db};
use regulars_server::app::{AppState, router};
use regulars_server::demo;
use regulars_server::pos::sources::{DEMO_POS_SECRET, PosRoutes, demo_route};

/// Settings of `regulars-bench webhook`.
#[derive(Debug, Clone, clap::Args)]
pub struct WebhookBench {
    /// Backend to measure.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub store: BenchStore,
    /// Database URL (defaults per backend).
    #[arg(long)]
    pub url: Option<String>,
    /// Connections of the throughput phase.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Deliveries in the throughput phase.
    #[arg(long, default_value_t = 40_000)]
    pub requests: usize,
    /// Guests the purchases are spread over.
    #[arg(long, default_value_t = 1_000)]
    pub guests: usize,
    /// Requests per second of the latency phase (0 skips it).
    #[arg(long, default_value_t = 2_000)]
    pub rate: u32,
    /// Seconds of the latency phase.
    #[arg(long, default_value_t = 10)]
    pub rate_secs: u32,
    /// Apply sales in batches (`true`, the store's default) or one by one (`false`); see
    /// `DbStore::with_pos_batches`.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub pos_batches: bool,
}

/// Runs the benchmark and prints its figures.
///
/// # Errors
/// When the store cannot be opened, the server cannot bind, or the load cannot start.
#[expect(clippy::print_stdout, reason = "the figures are the command's output")]
pub async fn webhook(args: WebhookBench) -> anyhow::Result<()> {
    let (store, url, _dir) = open_bench_db(args.store, args.url.as_deref(), 32).await?;
    let db = Arc::new(store.with_pos_batches(args.pos_batches));
    let store: Arc<dyn Store> = db.clone();
    eprintln!("preparing the demo chain and {} guests on {}...", args.guests, store.backend_name());
    demo::seed(store.clone()).await?;
    let route = demo_route(&*store).await?.context("the demo chain was just seeded")?;
    let chain = route.chain;
    let guests = create_guests(&*store, chain, args.guests).await?;
    // A database in use has planner statistics (from autovacuum, or from the store itself when
    // autovacuum is off); one just filled has none until the next check, and PostgreSQL's
    // guesses pick the wrong indexes (DECISIONS.md, "Planner statistics").
    db.analyze_stale_tables().await?;
    let mut routes = PosRoutes::default();
    routes.insert(route);
    let state = AppState::with_parts(store.clone(), IdentitySettings::generate().build()?, routes)?;
    // The server gets its own runtime and threads, as a separate process would: the load
    // generator's tasks must not queue behind the handlers on the same workers.
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let address = socket.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ready, listening) = std::sync::mpsc::channel::<()>();
    let server = std::thread::Builder::new().name("bench-server".into()).spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        runtime.block_on(async move {
            // A deep accept queue, as `regulars serve` has: with std's default of 128, some of
            // 256 connections opened at once waited a second for a SYN retry.
            let listener = socket.listen(1024)?;
            let _ = ready.send(());
            axum::serve(listener, router(state))
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        })
    })?;
    if listening.recv().is_err() {
        // The thread ended before it listened: its error says why.
        server.join().map_err(|_| anyhow::anyhow!("the benchmark server thread panicked"))??;
        anyhow::bail!("the benchmark server stopped before it listened");
    }
    let target = format!("http://{address}/pos/demo/webhook");
    let secret = WebhookSecret::parse(DEMO_POS_SECRET)?;
    let run_id = Utc::now().timestamp_millis();
    let guests = Arc::new(guests);

    println!(
        "regulars-bench webhook: {} ({}), {} guests, sales {}, end to end over loopback HTTP",
        store.backend_name(),
        regulars_storage::DatabaseUrl::new(url),
        args.guests,
        if args.pos_batches { "in batches" } else { "one by one" },
    );
    let throughput = LoadPlan {
        concurrency: args.concurrency,
        ..LoadPlan::new(&target, secret.clone(), purchases(&guests, format!("T{run_id}"), args.requests))
    };
    eprintln!("throughput: {} deliveries from {} connections...", args.requests, args.concurrency);
    let report = run(throughput).await?;
    println!("\nthroughput ({} connections, as fast as answered)\n{report}", args.concurrency);

    if args.rate > 0 {
        let count = usize::try_from(args.rate * args.rate_secs).unwrap_or(usize::MAX);
        let paced = LoadPlan {
            concurrency: args.concurrency.max(64),
            rate: Some(args.rate),
            ..LoadPlan::new(&target, secret, purchases(&guests, format!("L{run_id}"), count))
        };
        eprintln!("latency: {} req/s for {} s...", args.rate, args.rate_secs);
        let report = run(paced).await?;
        println!("\nlatency at {} req/s (measured from the schedule)\n{report}", args.rate);
    }
    let _ = stop.send(());
    server.join().map_err(|_| anyhow::anyhow!("the benchmark server thread panicked"))??;
    Ok(())
}

/// `count` purchases with unique receipts `<prefix>-<n>`, round-robin over `guests`: a coffee
/// and, every third sale, a croissant, at Dorćol or Vračar.
fn purchases(guests: &Arc<Vec<GuestPublicId>>, prefix: String, count: usize) -> Requests {
    let guests = guests.clone();
    let rsd = Currency::new("RSD").unwrap_or_else(|_| unreachable!("RSD is a valid ISO 4217 code"));
    Requests::generated(count, move |n| {
        let mut items = vec![LineItem {
            sku: "CAP".into(),
            name: "Cappuccino".into(),
            category: Some("coffee".into()),
            quantity: 1,
            unit_price_minor: 29_000,
        }];
        if n % 3 == 0 {
            items.push(LineItem {
                sku: "CRO".into(),
                name: "Croissant".into(),
                category: Some("pastry".into()),
                quantity: 1,
                unit_price_minor: 25_000,
            });
        }
        let total = items.iter().map(LineItem::total_minor).sum();
        PosPayload::PurchaseCompleted(PosPurchase {
            receipt_id: format!("{prefix}-{n}"),
            cafe_ref: if n % 2 == 0 { "dorcol" } else { "vracar" }.into(),
            guest: GuestRef::PublicId(guests[n % guests.len()].clone()),
            total: Money::new(total, rsd),
            items,
            discounts: Vec::new(),
            occurred_at: Utc::now(),
            reward_code: None,
        })
    })
}

async fn create_guests(
    store: &dyn Store,
    chain: regulars_core::ids::ChainId,
    count: usize,
) -> anyhow::Result<Vec<GuestPublicId>> {
    use futures::StreamExt as _;
    let created: Vec<regulars_core::Result<GuestPublicId>> = futures::stream::iter(0..count.max(1))
        .map(|_| async move {
            let guest = store
                .create_guest(
                    chain,
                    NewGuest {
                        display_name: None,
                        phone: None,
                        phone_verified: false,
                        language: Some("sr".into()),
                        birthday: None,
                        consent: Consent { marketing: false },
                        identity: None,
                        ..NewGuest::default()
                    },
                )
                .await?;
            Ok(guest.public_id)
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let guests = created.into_iter().collect::<regulars_core::Result<Vec<_>>>()?;
    Ok(guests)
}
