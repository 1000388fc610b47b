//! The POS types, and the conformance suite run over a minimal source (and shown to fail over
//! broken ones).

use chrono::{DateTime, TimeZone as _, Utc};

use super::conformance::{self, Fixture};
use super::signature::{WebhookSecret, WebhookVerifier};
use super::*;
use crate::money::Currency;

/// The smallest honest source: Standard Webhooks signatures, the core types' own serde form
/// as the payload. What a custom driver looks like.
#[derive(Debug)]
struct MiniSource {
    verifier: WebhookVerifier,
    check_signature: bool,
    check_size: bool,
}

impl MiniSource {
    fn new() -> Self {
        Self { verifier: WebhookVerifier::new(vec![secret()], 300).unwrap(), check_signature: true, check_size: true }
    }
}

impl PosSource for MiniSource {
    fn name(&self) -> &str {
        "mini"
    }

    fn kind(&self) -> &'static str {
        "mini"
    }

    fn capabilities(&self) -> PosCapabilities {
        PosCapabilities {
            refunds: true,
            partial_refunds: true,
            line_items: true,
            guest_refs: vec![GuestRefKind::QrPayload, GuestRefKind::Phone],
            reward_redemption: true,
            max_body_bytes: 4096,
        }
    }

    fn parse(&self, request: &PosRequest) -> Result<PosEvent, PosError> {
        if self.check_size {
            payload::check_size(request.body.len(), self.capabilities().max_body_bytes)?;
        }
        let (delivery_id, signed_at) = if self.check_signature {
            let d = self.verifier.verify(request)?;
            (d.id, d.signed_at)
        } else {
            (request.headers.get("webhook-id").unwrap_or("none").to_owned(), request.received_at)
        };
        let payload::Envelope { event_type, data } = payload::from_json(&request.body)?;
        let payload = match event_type.as_str() {
            "purchase.completed" => PosPayload::PurchaseCompleted(payload::from_value(data, payload::DATA)?),
            "purchase.refunded" => PosPayload::PurchaseRefunded(payload::from_value(data, payload::DATA)?),
            other => return Err(PosError::Unsupported { event_type: other.to_owned() }),
        };
        match &payload {
            PosPayload::PurchaseCompleted(p) => p.validate("data.")?,
            PosPayload::PurchaseRefunded(r) => r.validate("data.")?,
        }
        Ok(PosEvent { delivery_id, signed_at, payload })
    }
}

fn secret() -> WebhookSecret {
    WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap()
}

fn rsd() -> Currency {
    Currency::new("RSD").unwrap()
}

fn purchase(receipt_id: &str) -> PosPurchase {
    PosPurchase {
        receipt_id: receipt_id.into(),
        cafe_ref: "center".into(),
        guest: GuestRef::Phone("+381601234567".into()),
        total: Money::new(60_000, rsd()),
        items: vec![
            LineItem {
                sku: "ESP".into(),
                name: "Espresso".into(),
                category: Some("coffee".into()),
                quantity: 2,
                unit_price_minor: 25_000,
            },
            LineItem {
                sku: "CRO".into(),
                name: "Croissant".into(),
                category: None,
                quantity: 1,
                unit_price_minor: 20_000,
            },
        ],
        discounts: vec![PosDiscount { name: "Happy hour".into(), amount_minor: 10_000 }],
        occurred_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 29, 0).unwrap(),
        reward_code: None,
    }
}

struct MiniFixture;

impl Fixture for MiniFixture {
    fn purchase_body(&self, receipt_id: &str) -> Vec<u8> {
        serde_json::to_vec(&PosPayload::PurchaseCompleted(purchase(receipt_id))).unwrap()
    }

    fn purchase_body_missing_field(&self, receipt_id: &str) -> (Vec<u8>, String) {
        let mut json = serde_json::to_value(PosPayload::PurchaseCompleted(purchase(receipt_id))).unwrap();
        json["data"].as_object_mut().unwrap().remove("occurred_at");
        (serde_json::to_vec(&json).unwrap(), "data.occurred_at".into())
    }

    fn full_refund_body(&self, receipt_id: &str, refund_id: &str) -> Option<Vec<u8>> {
        Some(
            serde_json::to_vec(&PosPayload::PurchaseRefunded(refund(receipt_id, refund_id, RefundLines::All))).unwrap(),
        )
    }

    fn partial_refund_body(&self, receipt_id: &str, refund_id: &str) -> Option<Vec<u8>> {
        let lines = RefundLines::Some(vec![RefundLine { sku: "ESP".into(), quantity: 1 }]);
        Some(serde_json::to_vec(&PosPayload::PurchaseRefunded(refund(receipt_id, refund_id, lines))).unwrap())
    }

    fn unsupported_body(&self) -> Option<Vec<u8>> {
        Some(br#"{"type":"shift.closed","data":{}}"#.to_vec())
    }

    fn sign(&self, delivery_id: &str, body: &[u8], signed_at: DateTime<Utc>) -> PosRequest {
        PosRequest::signed(&secret(), delivery_id, signed_at, body.to_vec())
    }

    fn sign_with_unknown_secret(&self, delivery_id: &str, body: &[u8], signed_at: DateTime<Utc>) -> PosRequest {
        PosRequest::signed(&WebhookSecret::generate(), delivery_id, signed_at, body.to_vec())
    }
}

fn refund(receipt_id: &str, refund_id: &str, lines: RefundLines) -> PosRefund {
    PosRefund {
        receipt_id: receipt_id.into(),
        refund_id: refund_id.into(),
        cafe_ref: "center".into(),
        lines,
        amount: None,
        occurred_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 29, 0).unwrap(),
    }
}

mod mini_conformance {
    crate::pos_conformance_suite!((super::MiniSource::new(), super::MiniFixture));
}

#[test]
#[should_panic(expected = "rejects_unsigned")]
fn the_suite_catches_a_source_that_skips_signatures() {
    let lax = MiniSource { check_signature: false, ..MiniSource::new() };
    for (name, check) in conformance::CHECKS {
        let outcome = std::panic::catch_unwind(|| check(&lax, &MiniFixture));
        assert!(outcome.is_ok(), "{name}");
    }
}

#[test]
#[should_panic(expected = "signed oversized body")]
fn the_suite_catches_a_source_that_ignores_size() {
    let lax = MiniSource { check_size: false, ..MiniSource::new() };
    conformance::rejects_oversized_body(&lax, &MiniFixture);
}

#[test]
#[should_panic(expected = "signed 16 minutes before reception")]
fn the_suite_catches_a_lax_tolerance() {
    #[derive(Debug)]
    struct Lax(MiniSource);
    impl PosSource for Lax {
        fn name(&self) -> &str {
            self.0.name()
        }
        fn kind(&self) -> &'static str {
            self.0.kind()
        }
        fn capabilities(&self) -> PosCapabilities {
            self.0.capabilities()
        }
        fn parse(&self, request: &PosRequest) -> Result<PosEvent, PosError> {
            let mut pinned = request.clone();
            pinned.received_at =
                DateTime::from_timestamp(request.headers.get("webhook-timestamp").unwrap().parse().unwrap(), 0)
                    .unwrap();
            self.0.parse(&pinned)
        }
    }
    conformance::rejects_stale_signature(&Lax(MiniSource::new()), &MiniFixture);
}

#[test]
fn headers_are_case_insensitive_and_keep_repeats() {
    let mut h: PosHeaders = [("Webhook-Id", "a"), ("X-Multi", "1"), ("x-multi", "2")].into_iter().collect();
    assert_eq!(h.get("WEBHOOK-ID"), Some("a"));
    assert_eq!(h.get_all("X-MULTI").collect::<Vec<_>>(), ["1", "2"]);
    h.insert("x-Multi", "3");
    assert_eq!(h.get_all("x-multi").collect::<Vec<_>>(), ["3"]);
    h.append("Authorization", "Bearer secret");
    let shown = format!("{h:?}");
    assert!(!shown.contains("secret") && shown.contains("***"), "{shown}");
}

#[test]
fn purchases_must_add_up() {
    assert_eq!(purchase("r").validate("data."), Ok(()));
    let mut off = purchase("r");
    off.total = Money::new(60_001, rsd());
    let err = off.validate("data.").unwrap_err();
    assert!(
        matches!(&err, PosError::InvalidPayload { field, reason } if field == "data.total" && reason.contains("600.00 RSD")),
        "{err}"
    );
    let mut zero = purchase("r");
    zero.items[1].quantity = 0;
    assert!(
        matches!(zero.validate("").unwrap_err(), PosError::InvalidPayload { field, .. } if field == "items[1].quantity")
    );
    let mut bad_guest = purchase("r");
    bad_guest.guest = GuestRef::TypedCode("12345".into());
    assert!(matches!(bad_guest.validate("").unwrap_err(), PosError::InvalidPayload { field, .. } if field == "guest"));
    let mut no_lines = purchase("r");
    no_lines.items.clear();
    no_lines.discounts.clear();
    assert_eq!(no_lines.validate(""), Ok(()), "without lines the total stands alone");
    let mut spaced = purchase("r one");
    spaced.guest = GuestRef::None;
    assert!(spaced.validate("").is_err());
}

#[test]
fn guest_refs_are_checked() {
    assert!(GuestRef::TypedCode("004217".into()).validate("g").is_ok());
    assert!(GuestRef::TypedCode("0042a7".into()).validate("g").is_err());
    assert!(GuestRef::Phone("0601234567".into()).validate("g").is_err());
    assert!(GuestRef::QrPayload(String::new()).validate("g").is_err());
    let qr = GuestRef::QrPayload("RG1.0123456789AB.004217".into());
    assert!(qr.validate("g").is_ok());
    assert_eq!(qr.card_payload().unwrap().unwrap().public_id().as_str(), "0123456789AB");
    assert!(GuestRef::QrPayload("EAN 4006381333931".into()).card_payload().is_err());
    assert_eq!(GuestRef::None.kind(), None);
}

fn recorded() -> NewPurchase {
    purchase("r").to_new_purchase("mini", CafeId(1), None)
}

#[test]
fn full_refunds_give_back_the_net_total() {
    assert_eq!(refund("r", "f", RefundLines::All).amount_minor(&recorded()).unwrap(), 60_000);
    // Naming every unit is the same as all lines, whatever the rounding.
    let every = RefundLines::Some(vec![
        RefundLine { sku: "CRO".into(), quantity: 1 },
        RefundLine { sku: "ESP".into(), quantity: 1 },
        RefundLine { sku: "ESP".into(), quantity: 1 },
    ]);
    assert_eq!(refund("r", "f", every).amount_minor(&recorded()).unwrap(), 60_000);
}

#[test]
fn partial_refunds_share_out_the_discount() {
    // One espresso of 250.00 out of 700.00 at list price; 600.00 was paid: 214.28 back.
    let one = RefundLines::Some(vec![RefundLine { sku: "ESP".into(), quantity: 1 }]);
    assert_eq!(refund("r", "f", one).amount_minor(&recorded()).unwrap(), 21_428);
    let croissant = RefundLines::Some(vec![RefundLine { sku: "CRO".into(), quantity: 1 }]);
    assert_eq!(refund("r", "f", croissant).to_refund_request(&recorded()).unwrap().amount_minor, 17_142);
}

#[test]
fn partial_refunds_are_checked_against_the_receipt() {
    let unknown = RefundLines::Some(vec![RefundLine { sku: "TEA".into(), quantity: 1 }]);
    let err = refund("r", "f", unknown).amount_minor(&recorded()).unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "lines[0].sku"), "{err}");
    let too_many = RefundLines::Some(vec![
        RefundLine { sku: "ESP".into(), quantity: 2 },
        RefundLine { sku: "ESP".into(), quantity: 1 },
    ]);
    let err = refund("r", "f", too_many).amount_minor(&recorded()).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, reason } if field == "lines[1].quantity" && reason.contains("3 units")),
        "{err}"
    );
}

#[test]
fn a_stated_refund_amount_wins_but_is_checked() {
    let mut r = refund("r", "f", RefundLines::Some(vec![RefundLine { sku: "ESP".into(), quantity: 1 }]));
    r.amount = Some(Money::new(25_000, rsd()));
    assert_eq!(r.amount_minor(&recorded()).unwrap(), 25_000);
    r.amount = Some(Money::new(60_001, rsd()));
    assert!(r.amount_minor(&recorded()).is_err());
    r.amount = Some(Money::new(100, Currency::new("EUR").unwrap()));
    assert!(matches!(r.amount_minor(&recorded()).unwrap_err(), Error::InvalidInput { field, .. } if field == "amount"));
}

#[test]
fn the_same_sku_at_two_prices_refunds_the_dearest_first() {
    let mut p = purchase("r");
    p.items = vec![
        LineItem { sku: "ESP".into(), name: "Espresso".into(), category: None, quantity: 1, unit_price_minor: 10_000 },
        LineItem { sku: "ESP".into(), name: "Espresso".into(), category: None, quantity: 1, unit_price_minor: 30_000 },
        LineItem { sku: "CRO".into(), name: "Croissant".into(), category: None, quantity: 1, unit_price_minor: 60_000 },
    ];
    p.discounts.clear();
    p.total = Money::new(100_000, rsd());
    let whole = p.to_new_purchase("mini", CafeId(1), None);
    let one = RefundLines::Some(vec![RefundLine { sku: "ESP".into(), quantity: 1 }]);
    assert_eq!(refund("r", "f", one).amount_minor(&whole).unwrap(), 30_000);
}

#[test]
fn errors_map_to_http_answers() {
    let unauth = PosError::from(AuthFailure::MissingHeader("webhook-id"));
    assert_eq!((unauth.kind(), unauth.http_status()), (PosErrorKind::Unauthenticated, 401));
    assert_eq!(unauth.to_string(), "unauthenticated: missing header `webhook-id`");
    assert_eq!(PosError::invalid("data.total", "x").http_status(), 422);
    assert_eq!(PosError::Unsupported { event_type: "shift.closed".into() }.http_status(), 202);
    assert_eq!(PosError::TooLarge { limit: 1, actual: 2 }.http_status(), 413);
}

#[test]
fn the_extension_trait_serves_every_source() {
    let source: std::sync::Arc<dyn PosSource> = std::sync::Arc::new(MiniSource::new());
    assert_eq!(source.actor(), Actor::Pos("mini".into()));
    assert!(source.check_body_len(4096).is_ok());
    assert_eq!(source.check_body_len(4097).unwrap_err().kind(), PosErrorKind::TooLarge);
}

#[test]
fn events_round_trip_through_json() {
    let event = PosEvent {
        delivery_id: "d".into(),
        signed_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).unwrap(),
        payload: PosPayload::PurchaseCompleted(purchase("r")),
    };
    let json = serde_json::to_string(&event).unwrap();
    assert_eq!(serde_json::from_str::<PosEvent>(&json).unwrap(), event);
    assert_eq!((event.event_type(), event.receipt_id(), event.cafe_ref()), ("purchase.completed", "r", "center"));
}

#[test]
fn source_names_are_checked() {
    assert!(validate_source_name("octopos-belgrade_2").is_ok());
    for bad in ["", "Demo", "with space", "a/b", &"x".repeat(33)] {
        assert!(validate_source_name(bad).is_err(), "{bad}");
    }
}
