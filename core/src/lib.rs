//! # regulars-core
//!
//! The domain of regulars, messenger-first loyalty for cafes and chains: chains and cafes,
//! programs (points or stamps), guests with several messenger identities, wallets and the
//! append-only ledger, purchases, staff and shifts, and the event log; the rules engine
//! ([`rules`], [`loyalty`]), identity at the till ([`identity`]), the outbox's notifications
//! ([`notification`]) and the bot conversation ([`conversation`]). It also defines the plugin
//! points, each with a behaviour contract per method: the [`store`] repository traits (storage
//! backends), [`channel::Channel`] (messengers: Telegram, WhatsApp and Viber in `channels/`) and
//! [`pos::PosSource`] (POS drivers: the generic signed webhook and Octopos in `channels/`).
//!
//! No HTTP and no SQL live here: storage, channels and the server depend on this crate, never
//! the other way round.
//!
//! ```
//! use regulars_core::ledger::{EntryKind, IdempotencyKey};
//! use regulars_core::money::{Currency, Money};
//!
//! let total = Money::new(35_000, Currency::new("RSD")?);
//! assert_eq!(total.to_string(), "350.00 RSD");
//! let key = IdempotencyKey::new("pos:demo:receipt-1")?;
//! assert_eq!(EntryKind::parse("earn")?, EntryKind::Earn);
//! # let _ = key;
//! # Ok::<(), regulars_core::Error>(())
//! ```

pub mod analytics;
pub mod auth;
pub mod chain;
pub mod channel;
pub mod conversation;
pub mod error;
pub mod event;
pub mod guest;
pub mod http;
pub mod identity;
pub mod ids;
pub mod ledger;
pub mod loyalty;
pub mod merge;
pub mod money;
pub mod notification;
pub mod page;
pub mod pos;
pub mod privacy;
pub mod program;
pub mod purchase;
pub mod rules;
pub mod staff;
pub mod store;
pub mod wallet;

pub use error::{Error, ErrorKind, Result};
