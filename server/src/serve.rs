//! `regulars serve`: open the store, seed the demo if asked, serve until Ctrl-C or SIGTERM.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use regulars_core::store::Store;
use regulars_storage::DbStore;

use crate::app::{AppState, router};
use crate::config::Config;
use crate::demo;
use crate::outbox::{OutboxSender, OutboxSettings};

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
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("server.listen: cannot bind {}", config.server.listen))?;
    tracing::info!(address = %listener.local_addr()?, "regulars is serving; open http://{}/", listener.local_addr()?);
    let jobs = tokio::spawn(crate::scheduler::run(store.clone()));
    let pos = crate::pos::sources::PosRoutes::from_config(&config, &*store).await.context("invalid configuration")?;
    let state = AppState::with_parts(store.clone(), identity, pos)?;
    // Messenger channels plug in here as they are configured (keyed by kind); until then the
    // sender is idle and notifications wait in the outbox.
    let outbox =
        OutboxSender::new(store.clone(), state.i18n.clone(), HashMap::new(), OutboxSettings::default()).spawn();
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await?;
    // Jobs are idempotent: stopping one mid-pass loses nothing the next start does not redo.
    jobs.abort();
    // The sender finishes the sends in flight and hands the rest of its batch back.
    outbox.shutdown().await;
    tracing::info!("stopped");
    Ok(())
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
