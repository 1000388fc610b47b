//! # regulars-pos-webhook
//!
//! The generic POS contract of regulars: any till that can send a signed HTTPS POST reports
//! sales and refunds through it. Signatures follow Standard Webhooks v1 (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature`, `whsec_` secrets, several at once for rotation,
//! ±300 s); bodies are `{"type": "purchase.completed" | "purchase.refunded", "data": {...}}`.
//! The crate's README is the contract for integrators, with full examples.
//!
//! The server builds one [`WebhookSource`] per configured source and keeps it as
//! `Arc<dyn PosSource>`:
//!
//! ```
//! use std::sync::Arc;
//! use chrono::{TimeZone as _, Utc};
//! use regulars_core::pos::signature::WebhookSecret;
//! use regulars_core::pos::{PosPayload, PosRequest, PosSource};
//! use regulars_pos_webhook::{WebhookConfig, WebhookSource};
//!
//! let secret = WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//! let source: Arc<dyn PosSource> = Arc::new(WebhookSource::new(&WebhookConfig::new("demo", vec![secret.clone()]))?);
//!
//! let body = br#"{"type":"purchase.completed","data":{"receipt_id":"R-1","cafe":"center",
//!   "total_minor":25000,"currency":"RSD","occurred_at":"2026-11-20T09:29:00Z"}}"#;
//! let at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap();
//! let event = source.parse(&PosRequest::signed(&secret, "msg_1", at, body.to_vec())).unwrap();
//! let PosPayload::PurchaseCompleted(purchase) = event.payload else { unreachable!() };
//! assert_eq!((event.delivery_id.as_str(), purchase.total.to_string()), ("msg_1", "250.00 RSD".into()));
//! # Ok::<(), regulars_core::Error>(())
//! ```

mod config;
mod mapping;
mod webhook;

pub use config::WebhookConfig;
pub use mapping::{PURCHASE_COMPLETED, PURCHASE_REFUNDED, to_body};
pub use webhook::WebhookSource;
