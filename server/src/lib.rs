//! # regulars-server
//!
//! The reference server of regulars, as a library (so tests drive the real [`app::router`])
//! and the `regulars` binary.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use std::sync::Arc;
//! use regulars_server::{app, config::Config};
//! use regulars_storage::DbStore;
//!
//! let config = Config::load(None)?;
//! let store = Arc::new(DbStore::open(&config.database).await?);
//! let router = app::router(app::AppState::new(store)?);
//! let listener = tokio::net::TcpListener::bind(config.server.listen).await?;
//! axum::serve(listener, router).await?;
//! # Ok(()) }
//! ```

pub mod admin_cli;
pub mod api;
pub mod app;
pub mod bots;
pub mod config;
pub mod conversation_render;
pub mod demo;
pub mod demo_accounts;
pub mod error;
pub mod identity_keys;
pub mod media;
pub mod outbox;
pub mod pos;
pub mod pos_send;
pub mod scheduler;
pub mod serve;
pub mod web;
