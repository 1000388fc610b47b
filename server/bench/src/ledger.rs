//! `regulars-bench ledger --store sqlite|postgres --concurrency N --ops N` drives `ops`
//! idempotent earn transactions (each a unique key: a real ledger write, an event, a wallet
//! update) through the real store from `concurrency` tasks, and prints transactions per second
//! and the latency distribution.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use hdrhistogram::Histogram;
use regulars_core::chain::NewChain;
use regulars_core::guest::NewGuest;
use regulars_core::ids::WalletId;
use regulars_core::ledger::{Actor, EntryKind, IdempotencyKey, NewLedgerEntry, Overdraft};
use regulars_core::program::{NewProgram, ProgramKind, ProgramScope};
use regulars_core::store::Store;
use regulars_core::wallet::WalletScope;
use regulars_storage::DatabaseUrl;

use crate::store::{BenchStore, open_bench_store};

/// Settings of `regulars-bench ledger`.
#[derive(Debug, Clone, clap::Args)]
pub struct LedgerBench {
    /// Backend to measure.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub store: BenchStore,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Earn transactions to run.
    #[arg(long, default_value_t = 50_000)]
    pub ops: usize,
    /// Wallets the earns are spread over.
    #[arg(long, default_value_t = 1_000)]
    pub wallets: usize,
    /// Database URL (defaults per backend, see `--store`).
    #[arg(long)]
    pub url: Option<String>,
}

/// Runs the ledger benchmark and prints its figures.
///
/// # Errors
/// When the store cannot be opened or a write fails.
#[expect(clippy::print_stdout, reason = "the figures are the command's output")]
pub async fn ledger(args: LedgerBench) -> anyhow::Result<()> {
    let (store, url, _dir) = open_bench_store(args.store, args.url.as_deref(), args.concurrency).await?;
    let run = format!("bench-{}", chrono::Utc::now().timestamp_millis());
    eprintln!("preparing {} wallets on {} ({})...", args.wallets, store.backend_name(), DatabaseUrl::new(url));
    let (chain, wallets) = prepare(&*store, &run, args.wallets).await?;

    let done = Arc::new(AtomicUsize::new(0));
    let progress = tokio::spawn({
        let done = done.clone();
        let total = args.ops;
        async move {
            let mut tick = tokio::time::interval(Duration::from_secs(2));
            tick.tick().await;
            loop {
                tick.tick().await;
                eprintln!("  {}/{total} earns", done.load(Ordering::Relaxed));
            }
        }
    });
    let started = Instant::now();
    let latencies: Vec<Duration> = futures::stream::iter(0..args.ops)
        .map(|i| {
            let store = store.clone();
            let wallet = wallets[i % wallets.len()];
            let key = format!("{run}:{i}");
            let done = done.clone();
            async move {
                let t = Instant::now();
                let entry = earn(wallet, &key)?;
                store.post_entry(chain, entry).await.with_context(|| format!("earn {i}"))?;
                done.fetch_add(1, Ordering::Relaxed);
                anyhow::Ok(t.elapsed())
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let elapsed = started.elapsed();
    progress.abort();

    let mut histogram = Histogram::<u64>::new(3)?;
    for latency in &latencies {
        histogram.record(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX))?;
    }
    let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    let rate = args.ops as f64 / elapsed.as_secs_f64();
    println!(
        "ledger earn: backend={} concurrency={} ops={} wallets={}\n  throughput {rate:.0} tx/s ({:.2} s)\n  latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        store.backend_name(),
        args.concurrency,
        args.ops,
        wallets.len(),
        elapsed.as_secs_f64(),
        ms(0.50),
        ms(0.99),
        histogram.max() as f64 / 1000.0,
    );
    Ok(())
}

fn earn(wallet: WalletId, key: &str) -> regulars_core::Result<NewLedgerEntry> {
    Ok(NewLedgerEntry {
        wallet_id: wallet,
        kind: EntryKind::Earn,
        points: 10,
        stamps: 0,
        idempotency_key: IdempotencyKey::new(key)?,
        actor: Actor::System("bench".into()),
        cafe_id: None,
        shift_id: None,
        purchase_id: None,
        reason: None,
        rule_snapshot: serde_json::json!({ "bench": true }),
        overdraft: Overdraft::Forbid,
    })
}

async fn prepare(
    store: &dyn Store,
    run: &str,
    wallets: usize,
) -> anyhow::Result<(regulars_core::ids::ChainId, Vec<WalletId>)> {
    let chain =
        store.create_chain(NewChain { slug: run.into(), name: run.into(), default_language: "en".into() }).await?;
    let program = store
        .create_program(
            chain.id,
            NewProgram {
                name: "bench".into(),
                kind: ProgramKind::Points,
                scope: ProgramScope::Chain,
                rules: serde_json::from_value(serde_json::json!({ "earn": { "points": 1, "per_minor": 100 } }))?,
            },
        )
        .await?;
    let ids = futures::stream::iter(0..wallets.max(1))
        .map(|_| async {
            let guest = store.create_guest(chain.id, NewGuest::default()).await?;
            let wallet = store
                .open_wallet(chain.id, WalletScope { guest_id: guest.id, program_id: program.id, cafe_id: None })
                .await?;
            anyhow::Ok(wallet.id)
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    Ok((chain.id, ids))
}
