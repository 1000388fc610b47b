//! The contract the README promises: its examples parse to what it says, its worked signing
//! example is right, bad input gets the answer it lists.

use chrono::{DateTime, TimeZone as _, Utc};
use regulars_core::ids::CafeId;
use regulars_core::money::{Currency, Money};
use regulars_core::pos::signature::{WebhookSecret, sign};
use regulars_core::pos::{
    AuthFailure, GuestRef, PosError, PosErrorKind, PosEvent, PosPayload, PosRequest, PosSource, RefundLine, RefundLines,
};
use regulars_pos_webhook::{WebhookConfig, WebhookSource, to_body};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const README: &str = include_str!("../README.md");
const PURCHASE: &str = include_str!("fixtures/purchase_completed.json");
const REFUND_ALL: &str = include_str!("fixtures/purchase_refunded_all.json");
const REFUND_LINES: &str = include_str!("fixtures/purchase_refunded_lines.json");

fn secret() -> WebhookSecret {
    WebhookSecret::parse(SECRET).unwrap()
}

fn source() -> WebhookSource {
    WebhookSource::new(&WebhookConfig::new("demo", vec![secret()])).unwrap()
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 29, 3).unwrap()
}

fn parse(body: &[u8]) -> Result<PosEvent, PosError> {
    source().parse(&PosRequest::signed(&secret(), "msg_test", at(), body.to_vec()))
}

fn invalid_field(body: &str) -> (String, String) {
    match parse(body.as_bytes()) {
        Err(PosError::InvalidPayload { field, reason }) => (field, reason),
        other => panic!("expected InvalidPayload for {body}, got {other:?}"),
    }
}

#[test]
fn the_readme_shows_the_fixtures_verbatim() {
    for fixture in [PURCHASE, REFUND_ALL, REFUND_LINES] {
        assert!(README.contains(fixture.trim_end()), "README lacks:\n{fixture}");
    }
}

#[test]
fn the_readme_purchase_example_parses_as_documented() {
    let event = parse(PURCHASE.as_bytes()).unwrap();
    assert_eq!(event.delivery_id, "msg_test");
    let PosPayload::PurchaseCompleted(p) = event.payload else { panic!("not a purchase") };
    assert_eq!(p.receipt_id, "R-2026-000123");
    assert_eq!(p.cafe_ref, "belgrade-center");
    assert_eq!(p.guest, GuestRef::QrPayload("RG1.0123456789AB.004217".into()));
    assert_eq!(p.total, Money::new(60_000, Currency::new("RSD").unwrap()));
    assert_eq!(p.items.len(), 2);
    assert_eq!(p.items[0].category.as_deref(), Some("coffee"));
    assert_eq!(p.discount_minor(), 10_000);
    assert_eq!(p.reward_code.as_deref(), Some("K7Q2-9XHM"));
    assert_eq!(p.occurred_at, Utc.with_ymd_and_hms(2026, 11, 20, 9, 29, 0).unwrap());
    let recorded = p.to_new_purchase("demo", CafeId(3), None);
    assert!(recorded.validate().is_ok());
}

#[test]
fn the_readme_refund_examples_parse_as_documented() {
    let PosPayload::PurchaseRefunded(all) = parse(REFUND_ALL.as_bytes()).unwrap().payload else { panic!() };
    assert_eq!((all.receipt_id.as_str(), all.refund_id.as_str()), ("R-2026-000123", "RF-2026-000007"));
    assert_eq!(all.lines, RefundLines::All);
    assert_eq!(all.amount, None);

    let PosPayload::PurchaseRefunded(some) = parse(REFUND_LINES.as_bytes()).unwrap().payload else { panic!() };
    assert_eq!(some.lines, RefundLines::Some(vec![RefundLine { sku: "ESP".into(), quantity: 1 }]));
    assert_eq!(some.amount.map(|a| a.minor), Some(21_428));

    // The README's stated amount is what regulars derives from the lines itself.
    let PosPayload::PurchaseCompleted(p) = parse(PURCHASE.as_bytes()).unwrap().payload else { panic!() };
    let recorded = p.to_new_purchase("demo", CafeId(3), None);
    let mut derived = some;
    derived.amount = None;
    assert_eq!(derived.amount_minor(&recorded).unwrap(), 21_428);
    assert_eq!(all.amount_minor(&recorded).unwrap(), 60_000);
}

#[test]
fn the_readme_worked_signing_example_is_right() {
    let body = r#"{"type":"purchase.completed","data":{"receipt_id":"R-1","cafe":"belgrade-center","total_minor":25000,"currency":"RSD","occurred_at":"2026-11-20T09:29:00Z"}}"#;
    let signature = sign(&secret(), "msg_2mD4oNq1R7xZk0", 1_795_166_943, body.as_bytes());
    assert_eq!(signature, "v1,4WsulHd0NGVuh6/tuzDAKopd7amYoK4czVGfbrjqDJ0=");
    assert!(README.contains(body) && README.contains(&signature), "README shows the body and {signature}");
    let request = PosRequest::new(body.as_bytes().to_vec(), at())
        .with_header("Webhook-Id", "msg_2mD4oNq1R7xZk0")
        .with_header("Webhook-Timestamp", "1795166943")
        .with_header("Webhook-Signature", signature);
    assert!(source().parse(&request).is_ok());
}

#[test]
fn a_refund_without_its_own_id_uses_the_delivery_id() {
    let body = REFUND_ALL.replace("\"refund_id\": \"RF-2026-000007\",", "");
    let PosPayload::PurchaseRefunded(r) = parse(body.as_bytes()).unwrap().payload else { panic!() };
    assert_eq!(r.refund_id, "msg_test");
}

#[test]
fn a_purchase_without_guest_or_lines_is_fine() {
    let body = r#"{"type":"purchase.completed","data":{"receipt_id":"R-9","cafe":"c","guest":null,
        "total_minor":0,"currency":"RSD","occurred_at":"2026-11-20T09:29:00Z"}}"#;
    let PosPayload::PurchaseCompleted(p) = parse(body.as_bytes()).unwrap().payload else { panic!() };
    assert_eq!((p.guest, p.items.len(), p.total.currency.as_str()), (GuestRef::None, 0, "RSD"));
}

#[test]
fn every_guest_reference_parses() {
    for (guest, want) in [
        (r#"{"code":"004217"}"#, GuestRef::TypedCode("004217".into())),
        (r#"{"phone":"+381601234567"}"#, GuestRef::Phone("+381601234567".into())),
        (r#"{"public_id":"0123456789ab"}"#, GuestRef::PublicId("0123456789AB".to_owned().try_into().unwrap())),
    ] {
        let body = PURCHASE.replace(r#"{ "qr_payload": "RG1.0123456789AB.004217" }"#, guest);
        let PosPayload::PurchaseCompleted(p) = parse(body.as_bytes()).unwrap().payload else { panic!() };
        assert_eq!(p.guest, want);
    }
}

#[test]
fn missing_and_wrong_fields_are_named_exactly() {
    let cases = [
        (PURCHASE.replace(r#""receipt_id": "R-2026-000123","#, ""), "data.receipt_id"),
        (PURCHASE.replace(r#""currency": "RSD","#, ""), "data.currency"),
        (PURCHASE.replace(r#""currency": "RSD""#, r#""currency": "DINAR""#), "data.currency"),
        (PURCHASE.replace(r#""quantity": 1"#, r#""quantity": -1"#), "data.items[1].quantity"),
        (PURCHASE.replace(r#""quantity": 1"#, r#""quantity": 0"#), "data.items[1].quantity"),
        (
            PURCHASE.replace(r#""unit_price_minor": 25000"#, r#""unit_price_minor": "250.00""#),
            "data.items[0].unit_price_minor",
        ),
        (PURCHASE.replace(r#""total_minor": 60000"#, r#""total_minor": 60001"#), "data.total_minor"),
        (PURCHASE.replace(r#""currency": "RSD""#, r#""currency": "rsd""#), "data.currency"),
        (
            PURCHASE.replace(r#""occurred_at": "2026-11-20T09:29:00Z""#, r#""occurred_at": "20.11.2026""#),
            "data.occurred_at",
        ),
        (PURCHASE.replace(r#""qr_payload""#, r#""email""#), "data.guest"),
        (PURCHASE.replace(r#""RG1.0123456789AB.004217""#, "42"), "data.guest.qr_payload"),
        (PURCHASE.replace("\"type\": \"purchase.completed\",", ""), "type"),
        (PURCHASE.replace(r#""data": {"#, r#""dta": {"#), "data"),
        (REFUND_ALL.replace(r#""lines": "all""#, r#""lines": "everything""#), "data.lines"),
        (REFUND_LINES.replace(r#""quantity": 1"#, r#""quantity": "1""#), "data.lines[0].quantity"),
        (REFUND_LINES.replace(r#""currency": "RSD","#, ""), "data.currency"),
        (REFUND_ALL.replace(r#""lines": "all""#, r#""lines": []"#), "data.lines"),
    ];
    for (body, field) in cases {
        assert_eq!(invalid_field(&body).0, field, "{body}");
    }
    let (field, reason) = invalid_field(r#"{"type": "purchase.completed", "data": "#);
    assert_eq!(field, ".");
    assert!(reason.starts_with("not valid JSON"), "{reason}");
}

#[test]
fn unknown_event_types_are_unsupported() {
    let body = PURCHASE.replace("purchase.completed", "purchase.voided");
    assert_eq!(parse(body.as_bytes()), Err(PosError::Unsupported { event_type: "purchase.voided".into() }));
}

#[test]
fn bodies_over_256_kib_are_too_large_before_anything_else() {
    let mut body = PURCHASE.as_bytes().to_vec();
    body.resize(256 * 1024 + 1, b' ');
    let unsigned = PosRequest::new(body, at());
    assert_eq!(source().parse(&unsigned).unwrap_err().kind(), PosErrorKind::TooLarge);
    let mut body = PURCHASE.as_bytes().to_vec();
    body.resize(256 * 1024, b' ');
    assert!(parse(&body).is_ok());
}

#[test]
fn signatures_are_checked_before_the_body() {
    let mut request = PosRequest::signed(&secret(), "msg_x", at(), PURCHASE.as_bytes().to_vec());
    request.body = PURCHASE.replace("60000", "6000000").into_bytes();
    assert_eq!(source().parse(&request), Err(PosError::Unauthenticated { reason: AuthFailure::NoMatchingSignature }));
    let mut stale = PosRequest::signed(&secret(), "msg_x", at(), PURCHASE.as_bytes().to_vec());
    stale.received_at = at() + chrono::TimeDelta::seconds(301);
    let err = source().parse(&stale).unwrap_err();
    assert_eq!(err.to_string(), "unauthenticated: timestamp is 301 s old, more than the 300 s allowed; sign it again");
}

#[test]
fn rotation_works_through_the_config() {
    let new = WebhookSecret::generate();
    let rotating = WebhookSource::new(&WebhookConfig::new("demo", vec![new.clone(), secret()])).unwrap();
    for key in [&new, &secret()] {
        let request = PosRequest::signed(key, "msg_r", at(), PURCHASE.as_bytes().to_vec());
        assert!(rotating.parse(&request).is_ok());
    }
    let retired = WebhookSource::new(&WebhookConfig::new("demo", vec![new])).unwrap();
    let old = PosRequest::signed(&secret(), "msg_r", at(), PURCHASE.as_bytes().to_vec());
    assert_eq!(retired.parse(&old).unwrap_err().kind(), PosErrorKind::Unauthenticated);
}

#[test]
fn to_body_round_trips() {
    for fixture in [PURCHASE, REFUND_ALL, REFUND_LINES] {
        let event = parse(fixture.as_bytes()).unwrap();
        let again = parse(&to_body(&event.payload)).unwrap();
        assert_eq!(again.payload, event.payload, "{fixture}");
    }
    let PosPayload::PurchaseCompleted(mut p) = parse(PURCHASE.as_bytes()).unwrap().payload else { panic!() };
    p.total = Money::new(60_000, Currency::new("RSD").unwrap());
    assert!(
        String::from_utf8(to_body(&PosPayload::PurchaseCompleted(p)))
            .unwrap()
            .starts_with(r#"{"type":"purchase.completed""#)
    );
}

#[test]
fn control_characters_are_refused_in_every_text_field() {
    for (from, to, field) in [
        (r#""reward_code": "K7Q2-9XHM""#, r#""reward_code": "K7Q2\u0000-9XHM""#, "data.reward_code"),
        (r#""cafe": "belgrade-center""#, r#""cafe": "belgrade\u0000center""#, "data.cafe"),
        (r#""name": "Espresso""#, r#""name": "Espresso\n""#, "data.items[0].name"),
        (r#""sku": "CRO""#, r#""sku": "CRO\t""#, "data.items[1].sku"),
        (r#""category": "pastry""#, r#""category": "pas\u001btry""#, "data.items[1].category"),
        (r#""name": "Happy hour""#, r#""name": "Happy\u0085hour""#, "data.discounts[0].name"),
        (r#""RG1.0123456789AB.004217""#, r#""RG1.0123456789AB.004217\u0000""#, "data.guest"),
        (r#""receipt_id": "R-2026-000123""#, r#""receipt_id": "R-2026\u0000""#, "data.receipt_id"),
    ] {
        let body = PURCHASE.replace(from, to);
        assert_ne!(body, PURCHASE, "{from}");
        let (got, reason) = invalid_field(&body);
        assert_eq!(got, field, "{to}");
        assert!(reason.contains("U+") || field == "data.receipt_id", "{field}: {reason}");
    }
    let refund = REFUND_LINES.replace(r#""sku": "ESP""#, r#""sku": "ESP\u0000""#);
    assert_ne!(refund, REFUND_LINES);
    assert_eq!(invalid_field(&refund).0, "data.lines[0].sku");
}

#[test]
fn amounts_quantities_and_times_are_bounded() {
    let bare = |total: &str, occurred_at: &str| {
        format!(
            r#"{{"type":"purchase.completed","data":{{"receipt_id":"R-9","cafe":"c","total_minor":{total},
            "currency":"RSD","occurred_at":"{occurred_at}"}}}}"#
        )
    };
    let now = "2026-11-20T09:29:00Z";
    assert!(parse(bare("100000000", now).as_bytes()).is_ok(), "a million dinars is the default limit");
    for total in [i64::MAX.to_string(), "100000001".to_owned()] {
        let (field, reason) = invalid_field(&bare(&total, now));
        assert_eq!(field, "data.total_minor");
        assert!(reason.contains("max_amount"), "{reason}");
    }
    for occurred_at in ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-11-21T09:30:00Z", "2026-10-21T09:29:00Z"]
    {
        assert_eq!(invalid_field(&bare("100", occurred_at)).0, "data.occurred_at", "{occurred_at}");
    }
    assert!(parse(bare("100", "2026-10-22T09:29:00Z").as_bytes()).is_ok(), "29 days old is fine");
    // 20,000 free espressos: the lines still add up, but no till sells that many.
    let many = PURCHASE
        .replace(r#""quantity": 2, "unit_price_minor": 25000"#, r#""quantity": 20000, "unit_price_minor": 0"#)
        .replace(r#""total_minor": 60000"#, r#""total_minor": 10000"#);
    assert_ne!(many, PURCHASE);
    assert_eq!(invalid_field(&many).0, "data.items[0].quantity");
    // Without lines a discount stands alone, so it is bounded by itself.
    let discounted = bare("100", now).replace(
        r#""currency""#,
        &format!(
            r#""discounts":[{{"name":"x","amount_minor":{m}}},{{"name":"y","amount_minor":{m}}}],"currency""#,
            m = i64::MAX
        ),
    );
    assert_eq!(invalid_field(&discounted).0, "data.discounts[0].amount_minor");
    let refund = REFUND_LINES.replace(r#""amount_minor": 21428"#, &format!(r#""amount_minor": {}"#, i64::MAX));
    assert_ne!(refund, REFUND_LINES);
    assert_eq!(invalid_field(&refund).0, "data.amount_minor");
    let old_refund = REFUND_ALL.replace("2026-11-20T10:02:00Z", "0001-01-01T00:00:00Z");
    assert_ne!(old_refund, REFUND_ALL);
    assert_eq!(invalid_field(&old_refund).0, "data.occurred_at");
}

#[test]
fn limits_come_from_the_config() {
    let config: WebhookConfig = toml::from_str(&format!(
        "name = \"demo\"\nsecrets = [\"{SECRET}\"]\nmax_amount = 1000\nmax_age_days = 1\n\
         max_amount_by_currency = {{ EUR = 10 }}"
    ))
    .unwrap();
    let strict = WebhookSource::new(&config).unwrap();
    let body = |total: i64, currency: &str| {
        format!(
            r#"{{"type":"purchase.completed","data":{{"receipt_id":"R-9","cafe":"c","total_minor":{total},
            "currency":"{currency}","occurred_at":"2026-11-20T09:29:00Z"}}}}"#
        )
    };
    let parse = |body: String| strict.parse(&PosRequest::signed(&secret(), "msg_l", at(), body.into_bytes()));
    assert!(parse(body(100_000, "RSD")).is_ok());
    assert_eq!(parse(body(100_001, "RSD")).unwrap_err().kind(), PosErrorKind::InvalidPayload);
    assert!(parse(body(1_000, "EUR")).is_ok());
    assert_eq!(parse(body(1_001, "EUR")).unwrap_err().kind(), PosErrorKind::InvalidPayload);
    let bad =
        WebhookConfig { limits: regulars_core::pos::SaleLimits { max_age_days: 0, ..config.limits.clone() }, ..config };
    assert!(
        matches!(WebhookSource::new(&bad), Err(regulars_core::Error::InvalidInput { field, .. }) if field == "max_age_days")
    );
}

#[test]
fn a_key_given_twice_is_refused() {
    let twice = PURCHASE.replace(r#""total_minor": 60000,"#, r#""total_minor": 60000, "total_minor": 6000000,"#);
    assert_ne!(twice, PURCHASE);
    let (field, reason) = invalid_field(&twice);
    assert_eq!(field, "data.total_minor");
    assert!(reason.contains("twice"), "{reason}");
    let type_twice =
        PURCHASE.replace(r#""type": "purchase.completed","#, r#""type": "purchase.completed", "type": "x","#);
    assert_eq!(invalid_field(&type_twice).0, "type");
    let nested = PURCHASE.replace(r#""sku": "CRO","#, r#""sku": "CRO", "sku": "ESP","#);
    assert_eq!(invalid_field(&nested).0, "data.items[1].sku");
}
