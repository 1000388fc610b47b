//! The generic webhook source passes the PosSource conformance suite.

use chrono::{DateTime, Utc};
use regulars_core::pos::PosRequest;
use regulars_core::pos::conformance::Fixture;
use regulars_core::pos::signature::WebhookSecret;
use regulars_pos_webhook::{WebhookConfig, WebhookSource};
use serde_json::{Value, json};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

struct Generic;

fn purchase(receipt_id: &str) -> Value {
    json!({
        "type": "purchase.completed",
        "data": {
            "receipt_id": receipt_id,
            "cafe": "center",
            "guest": {"code": "004217"},
            "total_minor": 60000,
            "currency": "RSD",
            "items": [
                {"sku": "ESP", "name": "Espresso", "category": "coffee", "quantity": 2, "unit_price_minor": 25000},
                {"sku": "CRO", "name": "Croissant", "quantity": 1, "unit_price_minor": 20000}
            ],
            "discounts": [{"name": "Happy hour", "amount_minor": 10000}],
            "occurred_at": "2026-11-20T10:29:00+01:00"
        }
    })
}

fn refund(receipt_id: &str, refund_id: &str, lines: &Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": "purchase.refunded",
        "data": {"receipt_id": receipt_id, "refund_id": refund_id, "cafe": "center", "lines": lines,
                 "occurred_at": "2026-11-20T10:40:00Z"}
    }))
    .unwrap()
}

impl Fixture for Generic {
    fn purchase_body(&self, receipt_id: &str) -> Vec<u8> {
        serde_json::to_vec(&purchase(receipt_id)).unwrap()
    }

    fn purchase_body_missing_field(&self, receipt_id: &str) -> (Vec<u8>, String) {
        let mut body = purchase(receipt_id);
        body["data"]["items"][1].as_object_mut().unwrap().remove("unit_price_minor");
        (serde_json::to_vec(&body).unwrap(), "data.items[1].unit_price_minor".into())
    }

    fn full_refund_body(&self, receipt_id: &str, refund_id: &str) -> Option<Vec<u8>> {
        Some(refund(receipt_id, refund_id, &json!("all")))
    }

    fn partial_refund_body(&self, receipt_id: &str, refund_id: &str) -> Option<Vec<u8>> {
        Some(refund(receipt_id, refund_id, &json!([{"sku": "ESP", "quantity": 1}])))
    }

    fn unsupported_body(&self) -> Option<Vec<u8>> {
        Some(br#"{"type":"shift.closed","data":{"shift":"S-1"}}"#.to_vec())
    }

    fn sign(&self, delivery_id: &str, body: &[u8], signed_at: DateTime<Utc>) -> PosRequest {
        PosRequest::signed(&WebhookSecret::parse(SECRET).unwrap(), delivery_id, signed_at, body.to_vec())
    }

    fn sign_with_unknown_secret(&self, delivery_id: &str, body: &[u8], signed_at: DateTime<Utc>) -> PosRequest {
        PosRequest::signed(&WebhookSecret::generate(), delivery_id, signed_at, body.to_vec())
    }
}

fn setup() -> (WebhookSource, Generic) {
    let config = WebhookConfig::new("demo", vec![WebhookSecret::parse(SECRET).unwrap()]);
    (WebhookSource::new(&config).unwrap(), Generic)
}

regulars_core::pos_conformance_suite!(setup());
