//! # regulars-bench
//!
//! `regulars-bench`: measured, not assumed. Each command prints figures and asserts nothing.
//!
//! | command | what it drives | module |
//! |---|---|---|
//! | `regulars-bench ledger` | idempotent earn transactions through the real store | [`ledger`] |
//! | `regulars-bench webhook` | signed POS webhooks over loopback HTTP into the real router | [`webhook`], with the load generator [`loadgen`] |
//! | `regulars-bench outbox` | queued notifications through the real Telegram client to the Bot API fake at its limits | [`outbox`] |
//! | `regulars-bench conversation` | inbound bot updates through the conversation and its rendering | [`conversation`] |
//! | `regulars-bench portal` | the owner portal's pages on a chain of a million guests | [`portal`] |
//!
//! A crate of its own, not part of the `regulars` binary: the benchmarks need the loopback
//! messenger fakes of `regulars-testkit`, temporary databases (`tempfile`) and a PostgreSQL
//! client that creates the benchmark database, none of which a production server should
//! carry (DECISIONS.md, "Server"). It drives the server through `regulars-server`'s library,
//! so what it measures is the server's own code.
//!
//! ```sh
//! cargo run --release -p regulars-bench -- webhook --store sqlite
//! cargo run --release -p regulars-bench -- ledger --help
//! ```

pub mod conversation;
pub mod ledger;
pub mod loadgen;
pub mod outbox;
pub mod portal;
pub mod store;
pub mod webhook;
