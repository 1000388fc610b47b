//! The `regulars` command: serve, migrate, seed the demo, check translations, send a test POS
//! delivery. The benchmarks are the `regulars-bench` command (`server/bench`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use regulars_server::config::Config;
use regulars_server::pos_send::PosSend;
use regulars_server::{demo, pos_send, serve};
use tracing_subscriber::EnvFilter;

/// mimalloc instead of the system allocator: the bot and webhook paths allocate many small,
/// short-lived objects across threads, where glibc's malloc was a quarter of the profile
/// (`regulars-bench conversation`, DECISIONS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Messenger-first loyalty for cafes and chains: the reference server.
///
/// `regulars serve` answers POS webhooks (`/pos/<source>/webhook`, `/preview`) and messenger
/// bots (`/channels/<kind>/<chain>/webhook`, or long polling), sends guest notifications
/// through the outbox, runs points expiry, and shows a status page with health and
/// readiness. The owner portal, the admin API, the staff web till and the Mini App are not
/// built yet. Benchmarks are the separate `regulars-bench` command.
#[derive(Debug, Parser)]
#[command(name = "regulars", version)]
struct Cli {
    /// TOML configuration file (also `REGULARS_CONFIG`); without one, defaults and
    /// `REGULARS_*` environment variables apply.
    #[arg(long, global = true, env = "REGULARS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
#[expect(clippy::large_enum_variant, reason = "parsed once at start-up; boxing buys nothing")]
enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Seed the demo chain (two cafes, programs, 50 guests with history) unless present.
    Demo,
    /// Translation tools.
    #[command(subcommand)]
    I18n(I18nCommand),
    /// Act as a till: send signed POS webhooks to a running server.
    #[command(subcommand)]
    Pos(PosCommand),
}

#[derive(Debug, Subcommand)]
enum PosCommand {
    /// Post one signed purchase (or, with `--refund`, a refund) to `/pos/<source>/webhook` and
    /// print the request and the answer. Exits non-zero unless the answer is 2xx.
    Send(PosSend),
}

/// `regulars pos send`: needs no configuration or database, only a server to talk to.
fn send_to_pos(args: &PosSend) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(pos_send::send(args, &mut std::io::stdout().lock()))?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
enum I18nCommand {
    /// Check Fluent files: syntax, missing or extra messages against English, unknown
    /// variables, missing plural categories. Exits non-zero when anything is wrong.
    Check {
        /// A locales directory (`<dir>/<lang>/*.ftl`); the built-in locales when omitted.
        dir: Option<PathBuf>,
    },
}

/// `regulars i18n check`: needs no configuration, so a translator can run it anywhere.
#[expect(clippy::print_stdout, reason = "the report is the command's output")]
fn check_translations(dir: Option<&std::path::Path>) -> ExitCode {
    let report = match dir {
        Some(dir) => regulars_i18n::check_dir(dir),
        None => regulars_i18n::check_embedded(),
    };
    println!("{report}");
    if report.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn main() -> anyhow::Result<ExitCode> {
    serve::without_huge_pages();
    let cli = Cli::parse();
    if let Some(Command::I18n(I18nCommand::Check { dir })) = &cli.command {
        return Ok(check_translations(dir.as_deref()));
    }
    if let Some(Command::Pos(PosCommand::Send(args))) = &cli.command {
        return send_to_pos(args);
    }
    let config = Config::load(cli.config.as_deref())?;
    let filter =
        EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new(&config.log.filter)).context("log.filter")?;
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    tracing::debug!(?config, "configuration");

    // Two worker threads match the machines regulars is sized for; more only adds switching.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve::run(config).await,
            Command::Migrate => {
                serve::open_store(&config).await?;
                tracing::info!("database is up to date");
                Ok(())
            }
            Command::Demo => {
                let store = serve::open_store(&config).await?;
                match demo::seed(store).await? {
                    demo::Seeded::Created { guests, purchases } => {
                        tracing::info!(guests, purchases, "demo chain `{}` created", demo::DEMO_SLUG);
                    }
                    demo::Seeded::AlreadyPresent => tracing::info!("demo chain `{}` already present", demo::DEMO_SLUG),
                }
                Ok(())
            }
            Command::I18n(_) | Command::Pos(_) => unreachable!("handled before the runtime starts"),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
