//! `regulars serve`: open the store, seed the demo if asked, serve until Ctrl-C or SIGTERM.

use std::sync::Arc;

use anyhow::Context;
use regulars_core::store::Store;
use regulars_storage::DbStore;

use crate::app::{AppState, router};
use crate::bots::Bots;
use crate::config::Config;
use crate::demo;
use crate::outbox::OutboxSender;

/// Opens (and migrates) the configured store.
///
/// # Errors
/// With the reason, naming `database.url` where it is the URL's fault.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let store = DbStore::open(&config.database).await.with_context(|| format!("opening {}", config.database.url))?;
    Ok(Arc::new(store))
}

/// Serves until a shutdown signal, then finishes in-flight requests and returns.
///
/// # Errors
/// When the store cannot be opened or the address cannot be bound.
pub async fn run(config: Config) -> anyhow::Result<()> {
    // Checked before anything else, so a missing or broken key stops the server before it
    // touches the database.
    let identity = crate::identity_keys::load(&config)?;
    tracing::info!(current_key = %identity.keyring.current_key_id().as_str(), "identity keys ready");
    let store = open_store(&config).await?;
    if config.demo.seed_when_empty && store.list_chains().await?.is_empty() {
        tracing::info!("empty database: seeding the demo chain");
        demo::seed(store.clone()).await.context("seeding the demo chain")?;
    }
    let demo_present = store.list_chains().await?.iter().any(|c| c.slug == demo::DEMO_SLUG);
    crate::demo_accounts::refuse_public(config.server.listen, demo_present, config.demo.allow_public)?;
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("server.listen: cannot bind {}", config.server.listen))?;
    tracing::info!(address = %listener.local_addr()?, "regulars is serving; open http://{}/", listener.local_addr()?);
    let jobs = tokio::spawn(crate::scheduler::run(store.clone()));
    let compaction = tokio::spawn(crate::scheduler::compact_rollups(store.clone()));
    let pos = crate::pos::sources::PosRoutes::from_config(&config, &*store).await.context("invalid configuration")?;
    let media = config.server.public_url.as_deref().map(|url| Arc::new(crate::media::PublicMedia::new(url)));
    let host = media.clone().map(|m| m as Arc<dyn regulars_core::channel::MediaHost>);
    let bots = Bots::from_config(&config.channels, &*store, host).await.context("invalid configuration")?;
    check_bots(&bots).await;
    let mut state = AppState::with_parts(store.clone(), identity, pos)?
        .with_bots(bots)
        .with_auth(crate::api::AuthSettings::new(&config.auth, config.server.public_url.as_deref()));
    if let Some(media) = media {
        state = state.with_media(media);
    }
    for bot in state.bots.iter() {
        tracing::info!(channel = bot.channel.kind(), chain = %bot.slug,
            webhook = %format!("/channels/{}/{}/webhook", bot.channel.kind(), bot.slug), "bot ready");
    }
    // One sender task per bot, and one that gives up on what cannot be delivered.
    let outbox =
        OutboxSender::for_bots(store.clone(), state.i18n.clone(), state.bots.outbox_bots(), config.outbox.settings())
            .spawn();
    let (stop_polling, polling_stopped) = tokio::sync::watch::channel(false);
    let polling = crate::bots::polling::spawn(&state, &polling_stopped);
    // With the peer's address: login throttling per address and the audit log's "from where"
    // read it (behind a proxy it is the proxy's).
    let service = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown_signal()).await?;
    // Jobs are idempotent: stopping one mid-pass loses nothing the next start does not redo.
    jobs.abort();
    compaction.abort();
    let _ = stop_polling.send(true);
    for task in polling {
        let _ = task.await;
    }
    // The sender finishes the sends in flight and hands the rest of its batch back.
    outbox.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// Checks each Telegram bot's token with `getMe` at start-up, so a wrong token shows in the log
/// at once instead of as failed sends later. A bot that fails the check still starts (the
/// platform may only be unreachable for now).
async fn check_bots(bots: &Bots) {
    for (bot, telegram) in bots.telegram() {
        if let Err(e) = telegram.check_token().await {
            tracing::error!(chain = %bot.slug, error = %e, "the Telegram bot's token check failed");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` and systemd send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}

/// Turns transparent huge pages off for this process; call it first thing in `main`, before
/// the runtime starts its threads.
///
/// mimalloc asks the kernel for huge pages on its arenas (`madvise`), so the first byte touched
/// in a 2 MiB region made all of it resident: 16 of the 33-36 MiB an idle server held. Without
/// them the webhook benchmark was faster too (PERFORMANCE.md, "Transparent huge pages"). A
/// kernel that refuses leaves things as they were; other systems have nothing to turn off.
pub fn without_huge_pages() {
    // A refusal (an old kernel) changes nothing: the process runs as before.
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
}
