//! The server's integration tests, in one test binary: each module was a binary of its own,
//! and linking eight of them (each with the whole server, storage, the channels and the test
//! kit) cost minutes on two cores (DECISIONS.md, "Tests"). [`test_app::TestApp`] sets up the
//! server under test in one line.
//!
//! - [`api`]: the admin API: sign-in, sessions, tokens, PINs, and the authorization matrix.
//! - [`browser`]: the owner portal in headless Chromium.
//! - [`conversation`]: the bot conversation over the demo chain, rendered with the real locales.
//! - [`demo`]: the demo chain on both backends.
//! - [`guest_data`]: a guest's data: search, purchases, merges, the till lookup, export and
//!   erasure, and the event log per cafe.
//! - [`http`]: health, readiness and the status page through the router.
//! - [`messengers`]: the whole server on a socket against each messenger's loopback fake.
//! - [`outbox`]: the outbox sender on a real store.
//! - [`portal`]: the owner portal's pages through the router.
//! - [`pos`]: POS ingestion end to end on both backends.
//! - [`process`]: the `regulars` binary as a person runs it.
//! - [`scheduler`]: the points-expiry job.

mod api;
mod browser;
mod conversation;
mod demo;
mod guest_data;
mod http;
mod messengers;
mod outbox;
mod portal;
mod pos;
mod process;
mod scheduler;
mod test_app;
