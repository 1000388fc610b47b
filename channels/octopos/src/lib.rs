//! # regulars-octopos
//!
//! A driver for the Octopos POS (a Serbian POS and fiscal processor): fiscalized sale and
//! refund receipts become regulars purchases and refunds.
//!
//! **Octopos publishes no API or webhook documentation.** The payload and authentication this
//! driver expects are an assumption, stated in full in the crate README, to be confirmed
//! against a real Octopos account. The JSON mapping lives in one module (`mapping.rs`) and
//! the signature header names in one constant (`webhook.rs`), so correcting the assumption
//! touches nothing else. Signatures and JSON reading are the shared machinery of
//! [`regulars_core::pos`].
//!
//! ```
//! use std::sync::Arc;
//! use chrono::{TimeZone as _, Utc};
//! use regulars_core::pos::signature::WebhookSecret;
//! use regulars_core::pos::{PosPayload, PosRequest, PosSource};
//! use regulars_octopos::{OctoposConfig, OctoposSource};
//!
//! let secret = WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//! let source: Arc<dyn PosSource> = Arc::new(OctoposSource::new(&OctoposConfig::new("octopos", vec![secret.clone()]))?);
//! let body = r#"{"event":"receipt.fiscalized","location_id":"OCT-LOC-0042","receipt":{
//!   "receipt_number":"0042-000123","fiscal_number":"X4F7Q2PL-X4F7Q2PL-1234","invoice_type":"Normal",
//!   "transaction_type":"Sale","issued_at":"2026-11-20T10:29:00.000+01:00","currency":"RSD",
//!   "items":[{"code":"1001","name":"Espresso","quantity":"2.000","unit_price":"250.00","total":"500.00","labels":["Ђ"]}],
//!   "total":"500.00"}}"#;
//! let at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 29, 5).unwrap();
//! let event = source.parse(&PosRequest::signed(&secret, "evt_1", at, body.as_bytes().to_vec())).unwrap();
//! let PosPayload::PurchaseCompleted(sale) = event.payload else { unreachable!() };
//! assert_eq!((sale.receipt_id.as_str(), sale.total.minor), ("X4F7Q2PL-X4F7Q2PL-1234", 50_000));
//! # Ok::<(), regulars_core::Error>(())
//! ```

mod config;
mod mapping;
mod webhook;

pub use config::OctoposConfig;
pub use mapping::RECEIPT_FISCALIZED;
pub use webhook::OctoposSource;
