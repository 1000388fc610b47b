//! The Octopos source passes the PosSource conformance suite.

use chrono::{DateTime, Utc};
use regulars_core::pos::PosRequest;
use regulars_core::pos::conformance::Fixture;
use regulars_core::pos::signature::WebhookSecret;
use regulars_octopos::{OctoposConfig, OctoposSource};
use serde_json::{Value, json};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const SALE: &str = include_str!("fixtures/sale.json");
const REFUND: &str = include_str!("fixtures/refund.json");

struct Octopos;

fn with_receipt(template: &str, receipt_id: &str, refund_id: &str) -> Value {
    let mut body: Value = serde_json::from_str(template).unwrap();
    let receipt = &mut body["receipt"];
    if receipt["transaction_type"] == "Refund" {
        receipt["referent_document_number"] = json!(receipt_id);
        receipt["fiscal_number"] = json!(refund_id);
    } else {
        receipt["fiscal_number"] = json!(receipt_id);
    }
    body
}

impl Fixture for Octopos {
    fn purchase_body(&self, receipt_id: &str) -> Vec<u8> {
        serde_json::to_vec(&with_receipt(SALE, receipt_id, "")).unwrap()
    }

    fn purchase_body_missing_field(&self, receipt_id: &str) -> (Vec<u8>, String) {
        let mut body = with_receipt(SALE, receipt_id, "");
        body["receipt"]["items"][2].as_object_mut().unwrap().remove("unit_price");
        (serde_json::to_vec(&body).unwrap(), "receipt.items[2].unit_price".into())
    }

    fn full_refund_body(&self, receipt_id: &str, refund_id: &str) -> Option<Vec<u8>> {
        // A refund receipt listing every line of the sale, paying back its whole total.
        let sale = with_receipt(SALE, receipt_id, "");
        let mut body = with_receipt(REFUND, receipt_id, refund_id);
        body["receipt"]["items"] = sale["receipt"]["items"].clone();
        body["receipt"]["total"] = sale["receipt"]["total"].clone();
        Some(serde_json::to_vec(&body).unwrap())
    }

    fn partial_refund_body(&self, receipt_id: &str, refund_id: &str) -> Option<Vec<u8>> {
        Some(serde_json::to_vec(&with_receipt(REFUND, receipt_id, refund_id)).unwrap())
    }

    fn unsupported_body(&self) -> Option<Vec<u8>> {
        Some(br#"{"event":"shift.closed","location_id":"OCT-LOC-0042"}"#.to_vec())
    }

    fn sign(&self, delivery_id: &str, body: &[u8], signed_at: DateTime<Utc>) -> PosRequest {
        PosRequest::signed(&WebhookSecret::parse(SECRET).unwrap(), delivery_id, signed_at, body.to_vec())
    }

    fn sign_with_unknown_secret(&self, delivery_id: &str, body: &[u8], signed_at: DateTime<Utc>) -> PosRequest {
        PosRequest::signed(&WebhookSecret::generate(), delivery_id, signed_at, body.to_vec())
    }
}

fn setup() -> (OctoposSource, Octopos) {
    (OctoposSource::new(&OctoposConfig::new("octopos", vec![WebhookSecret::parse(SECRET).unwrap()])).unwrap(), Octopos)
}

regulars_core::pos_conformance_suite!(setup());
