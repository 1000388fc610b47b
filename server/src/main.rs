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
/// bots (`/channels/<kind>/<chain>/webhook`, or long polling), serves the admin JSON API
/// (`/api/v1/`, described at `/api/openapi.json`), sends guest notifications through the
/// outbox, runs points expiry, and shows a status page with health and readiness. The owner
/// portal, the staff web till and the Mini App are not built yet. `regulars chain add` and
/// `regulars staff add` set up a real chain. Benchmarks are the separate `regulars-bench`
/// command.
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
    /// Set up chains without the demo.
    #[command(subcommand)]
    Chain(ChainCommand),
    /// Staff accounts: add, change a password, pair a till terminal.
    #[command(subcommand)]
    Staff(StaffCommand),
}

#[derive(Debug, Subcommand)]
enum ChainCommand {
    /// Create a chain; then add its first owner with `regulars staff add`.
    Add {
        /// Its slug (lowercase letters, digits, `-`), for URLs and configuration.
        slug: String,
        /// Its name, as guests see it.
        #[arg(long)]
        name: String,
        /// The language guests get before they choose (en, ru, he, sr).
        #[arg(long, default_value = "en")]
        language: String,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Add a staff member. With a new `--login`, the password is read from standard input
    /// (type it, or pipe it in); with `--pin`, a PIN is read after it.
    Add {
        /// The chain's slug.
        #[arg(long)]
        chain: String,
        /// Their name.
        #[arg(long)]
        name: String,
        /// owner, manager or barista.
        #[arg(long, value_parser = parse_role)]
        role: regulars_core::staff::Role,
        /// Cafe ids they work at (comma-separated; owners work at every cafe).
        #[arg(long, value_delimiter = ',')]
        cafes: Vec<i64>,
        /// A login name for the portal and the API.
        #[arg(long)]
        login: Option<String>,
        /// Also read a PIN (4 to 8 digits) for paired till terminals.
        #[arg(long)]
        pin: bool,
    },
    /// Change an account's password (read from standard input) and sign it out everywhere.
    Passwd {
        /// The login name.
        login: String,
    },
    /// Pair a till terminal at a cafe and print its token, once.
    PairTerminal {
        /// The chain's slug.
        #[arg(long)]
        chain: String,
        /// The cafe's id.
        #[arg(long)]
        cafe: i64,
        /// What staff call it.
        #[arg(long, default_value = "Till")]
        name: String,
    },
}

fn parse_role(text: &str) -> Result<regulars_core::staff::Role, String> {
    regulars_core::staff::Role::parse(text).map_err(|e| e.to_string())
}

/// Runs a chain or staff command against the configured store and prints what it did.
#[expect(clippy::print_stdout, reason = "the result is the command's output")]
async fn administer(config: &Config, command: Command) -> anyhow::Result<()> {
    use regulars_server::admin_cli;
    let store = serve::open_store(config).await?;
    let mut input = std::io::stdin().lock();
    let said = match command {
        Command::Chain(ChainCommand::Add { slug, name, language }) => {
            admin_cli::add_chain(&*store, &slug, &name, &language).await?
        }
        Command::Staff(StaffCommand::Add { chain, name, role, cafes, login, pin }) => {
            let add = admin_cli::StaffToAdd { chain, name, role, cafes, login, pin };
            admin_cli::add_staff(&*store, add, &mut input).await?
        }
        Command::Staff(StaffCommand::Passwd { login }) => admin_cli::set_password(&*store, &login, &mut input).await?,
        Command::Staff(StaffCommand::PairTerminal { chain, cafe, name }) => {
            admin_cli::pair_terminal(&*store, &chain, cafe, &name).await?
        }
        _ => unreachable!("only chain and staff commands come here"),
    };
    println!("{said}");
    Ok(())
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
            command @ (Command::Chain(_) | Command::Staff(_)) => administer(&config, command).await,
            Command::I18n(_) | Command::Pos(_) => unreachable!("handled before the runtime starts"),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
