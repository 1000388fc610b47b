//! The `regulars-bench` command: performance figures of the server's hot paths.

use clap::{Parser, Subcommand};
use regulars_bench::conversation::ConversationBench;
use regulars_bench::ledger::LedgerBench;
use regulars_bench::outbox::OutboxBench;
use regulars_bench::portal::PortalBench;
use regulars_bench::webhook::WebhookBench;
use tracing_subscriber::EnvFilter;

/// mimalloc, as in the `regulars` binary: the figures are meant to be the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Measure regulars' performance and print the figures (asserts nothing).
#[derive(Debug, Parser)]
#[command(name = "regulars-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Idempotent earn transactions per second and latency, on SQLite or PostgreSQL.
    Ledger(LedgerBench),
    /// End-to-end POS webhook throughput and latency over loopback HTTP, on SQLite or
    /// PostgreSQL.
    Webhook(WebhookBench),
    /// Outbox delivery rate against a messenger enforcing its limits (30/s, 1/s per chat).
    Outbox(OutboxBench),
    /// Inbound bot updates per second through the conversation, on SQLite or PostgreSQL.
    Conversation(ConversationBench),
    /// The owner portal's pages (server time, p50 and p95) on a chain loaded in bulk.
    Portal(PortalBench),
}

fn main() -> anyhow::Result<()> {
    // The server under test runs in this process: run it as `regulars` runs.
    regulars_server::serve::without_huge_pages();
    let cli = Cli::parse();
    // As `regulars` logs by default (`log.filter = "info"`); RUST_LOG overrides it.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Ledger(args) => regulars_bench::ledger::ledger(args).await,
            Command::Webhook(args) => regulars_bench::webhook::webhook(args).await,
            Command::Outbox(args) => regulars_bench::outbox::outbox(args).await,
            Command::Conversation(args) => regulars_bench::conversation::conversation(args).await,
            Command::Portal(args) => regulars_bench::portal::portal(args).await,
        }
    })
}
