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
    check_limits: bool,
}

impl MiniSource {
    fn new() -> Self {
        Self {
            verifier: WebhookVerifier::new(vec![secret()], 300).unwrap(),
            check_signature: true,
            check_size: true,
            check_limits: true,
        }
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
        if self.check_limits {
            let limits = SaleLimits::default();
            match &payload {
                PosPayload::PurchaseCompleted(p) => p.check_limits(&limits, request.received_at, "data.")?,
                PosPayload::PurchaseRefunded(r) => r.check_limits(&limits, request.received_at, "data.")?,
            }
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
#[should_panic(expected = "a sale 20 years old")]
fn the_suite_catches_a_source_that_ignores_the_limits() {
    let lax = MiniSource { check_limits: false, ..MiniSource::new() };
    conformance::rejects_times_far_from_reception(&lax, &MiniFixture);
}

fn field_of(result: Result<(), PosError>) -> String {
    match result {
        Err(PosError::InvalidPayload { field, .. }) => field,
        other => panic!("expected InvalidPayload, got {other:?}"),
    }
}

#[test]
fn control_characters_are_refused_in_every_text_of_a_sale() {
    type Edit = fn(&mut PosPurchase, &str);
    let edits: [(Edit, &str); 8] = [
        (|p, t| p.cafe_ref = format!("center{t}"), "data.cafe"),
        (|p, t| p.items[0].sku = format!("ESP{t}"), "data.items[0].sku"),
        (|p, t| p.items[1].name = format!("Croi{t}ssant"), "data.items[1].name"),
        (|p, t| p.items[0].category = Some(format!("{t}coffee")), "data.items[0].category"),
        (|p, t| p.discounts[0].name = format!("Happy{t}hour"), "data.discounts[0].name"),
        (|p, t| p.reward_code = Some(format!("ABCD-{t}1234")), "data.reward_code"),
        (|p, t| p.guest = GuestRef::QrPayload(format!("RG1.0123456789AB.004217{t}")), "data.guest"),
        (|p, t| p.receipt_id = format!("R{t}1"), "data.receipt_id"),
    ];
    for (edit, field) in edits {
        for control in ["\0", "\n", "\t", "\r", "\u{7f}", "\u{9b}"] {
            let mut p = purchase("r");
            edit(&mut p, control);
            let err = p.validate("data.").unwrap_err();
            assert!(
                matches!(&err, PosError::InvalidPayload { field: f, reason }
                    if f == field && (reason.contains("control") || field == "data.receipt_id")),
                "{control:?} in {field}: {err:?}"
            );
        }
        // Text that is merely unusual is fine: Cyrillic, Hebrew, emoji, a no-break space.
        let mut p = purchase("r");
        edit(&mut p, if field == "data.receipt_id" { "-X" } else { "Ћ שׁ ☕\u{a0}" });
        if field != "data.guest" {
            assert_eq!(p.validate("data."), Ok(()), "{field}");
        }
    }
}

#[test]
fn control_characters_are_refused_in_a_refund() {
    let mut r = refund("r", "f", RefundLines::All);
    r.cafe_ref = "cen\0ter".into();
    assert_eq!(field_of(r.validate("data.")), "data.cafe");
    let mut r = refund("r", "f", RefundLines::Some(vec![RefundLine { sku: "ES\0P".into(), quantity: 1 }]));
    assert_eq!(field_of(r.validate("data.")), "data.lines[0].sku");
    r.lines = RefundLines::Some(vec![RefundLine { sku: "ESP".into(), quantity: 1 }]);
    assert_eq!(r.validate("data."), Ok(()));
}

fn at(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap()
}

#[test]
fn amounts_and_quantities_are_bounded() {
    let limits = SaleLimits::default();
    let arrived = at(2026, 11, 20, 10);
    let check = |p: &PosPurchase| p.check_limits(&limits, arrived, "data.");
    assert_eq!(check(&purchase("r")), Ok(()));

    // i64::MAX signed by a till: refused, whatever the lines say.
    let mut huge = purchase("r");
    huge.items.clear();
    huge.discounts.clear();
    huge.total = Money::new(i64::MAX, rsd());
    assert_eq!(field_of(check(&huge)), "data.total");
    // A million dinars exactly is the default limit; one para more is not.
    huge.total = Money::new(100_000_000, rsd());
    assert_eq!(check(&huge), Ok(()));
    huge.total = Money::new(100_000_001, rsd());
    let err = check(&huge).unwrap_err();
    assert!(err.to_string().contains("1000000 RSD"), "{err}");
    // Major units follow the currency: a million yen is 1,000,000 minor units, not 100,000,000.
    huge.total = Money::new(1_000_001, Currency::new("JPY").unwrap());
    assert_eq!(field_of(check(&huge)), "data.total");

    let mut lines = purchase("r");
    lines.items[0].quantity = 10_001;
    assert_eq!(field_of(check(&lines)), "data.items[0].quantity");
    let mut dear = purchase("r");
    dear.items[1].unit_price_minor = i64::MAX;
    assert_eq!(field_of(check(&dear)), "data.items[1].unit_price", "a line that overflows is beyond any limit");
    let mut discount = purchase("r");
    discount.items.clear();
    discount.discounts[0].amount_minor = 200_000_000;
    assert_eq!(field_of(check(&discount)), "data.discounts[0].amount");
    // Two discounts of i64::MAX neither overflow (a panic in a debug build) nor pass.
    let mut hostile = purchase("r");
    hostile.discounts = vec![PosDiscount { name: "a".into(), amount_minor: i64::MAX }; 2];
    assert_eq!(hostile.discount_minor(), i64::MAX);
    assert_eq!(field_of(hostile.validate("data.")), "data.total");
    hostile.items.clear();
    assert_eq!(field_of(check(&hostile)), "data.discounts[0].amount");

    let euros =
        SaleLimits { max_amount_by_currency: [(Currency::new("EUR").unwrap(), 500)].into(), ..SaleLimits::default() };
    let mut cafe = purchase("r");
    cafe.items.clear();
    cafe.discounts.clear();
    cafe.total = Money::new(50_001, Currency::new("EUR").unwrap());
    assert_eq!(field_of(cafe.check_limits(&euros, arrived, "")), "total");
    cafe.total = Money::new(5_000_000, rsd());
    assert_eq!(cafe.check_limits(&euros, arrived, ""), Ok(()), "other currencies keep max_amount");

    let mut r = refund("r", "f", RefundLines::Some(vec![RefundLine { sku: "ESP".into(), quantity: 10_001 }]));
    assert_eq!(field_of(r.check_limits(&limits, arrived, "data.")), "data.lines[0].quantity");
    r.lines = RefundLines::All;
    r.amount = Some(Money::new(i64::MAX, rsd()));
    assert_eq!(field_of(r.check_limits(&limits, arrived, "data.")), "data.amount");
}

#[test]
fn times_far_from_the_arrival_are_refused() {
    let limits = SaleLimits::default();
    let arrived = at(2026, 11, 20, 10);
    let sale_at = |when: DateTime<Utc>| {
        let mut p = purchase("r");
        p.occurred_at = when;
        p.check_limits(&limits, arrived, "data.")
    };
    for ok in [arrived, at(2026, 11, 21, 10), at(2026, 10, 21, 10), at(2026, 11, 20, 23)] {
        assert_eq!(sale_at(ok), Ok(()), "{ok}");
    }
    for (bad, words) in [
        (at(1, 1, 1, 0), "days before"),
        (at(9999, 12, 31, 23), "after the delivery arrived"),
        (at(2026, 11, 21, 11), "after the delivery arrived"),
        (at(2026, 10, 21, 9), "30 days before"),
    ] {
        let err = sale_at(bad).unwrap_err();
        assert!(
            matches!(&err, PosError::InvalidPayload { field, reason } if field == "data.occurred_at" && reason.contains(words)),
            "{bad}: {err:?}"
        );
    }
    let week = SaleLimits { max_age_days: 7, ..SaleLimits::default() };
    let mut p = purchase("r");
    p.occurred_at = at(2026, 11, 12, 10);
    assert_eq!(field_of(p.check_limits(&week, arrived, "")), "occurred_at");
    let mut r = refund("r", "f", RefundLines::All);
    r.occurred_at = at(1, 1, 1, 0);
    assert_eq!(field_of(r.check_limits(&limits, arrived, "data.")), "data.occurred_at");
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
