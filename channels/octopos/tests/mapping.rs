//! The assumed Octopos format maps as the README says.

use chrono::{DateTime, TimeZone as _, Utc};
use regulars_core::ids::CafeId;
use regulars_core::pos::signature::WebhookSecret;
use regulars_core::pos::{GuestRef, PosError, PosEvent, PosPayload, PosRequest, PosSource, RefundLine, RefundLines};
use regulars_octopos::{OctoposConfig, OctoposSource};
use serde_json::{Value, json};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const README: &str = include_str!("../README.md");
const SALE: &str = include_str!("fixtures/sale.json");
const REFUND: &str = include_str!("fixtures/refund.json");

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 29, 5).unwrap()
}

fn parse(body: &[u8]) -> Result<PosEvent, PosError> {
    let secret = WebhookSecret::parse(SECRET).unwrap();
    let source = OctoposSource::new(&OctoposConfig::new("octopos", vec![secret.clone()])).unwrap();
    source.parse(&PosRequest::signed(&secret, "evt_1", at(), body.to_vec()))
}

fn edited(template: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut body: Value = serde_json::from_str(template).unwrap();
    edit(&mut body);
    serde_json::to_vec(&body).unwrap()
}

fn invalid(body: &[u8]) -> (String, String) {
    match parse(body) {
        Err(PosError::InvalidPayload { field, reason }) => (field, reason),
        other => panic!("expected InvalidPayload, got {other:?}"),
    }
}

#[test]
fn the_readme_shows_the_fixtures_verbatim() {
    for fixture in [SALE, REFUND] {
        assert!(README.contains(fixture.trim_end()), "README lacks:\n{fixture}");
    }
    assert!(README.contains("to be\n> confirmed against a real Octopos account"), "the assumption is stated");
}

#[test]
fn a_sale_maps_exactly() {
    let event = parse(SALE.as_bytes()).unwrap();
    let PosPayload::PurchaseCompleted(p) = event.payload else { panic!("not a sale") };
    assert_eq!(p.receipt_id, "X4F7Q2PL-X4F7Q2PL-1234");
    assert_eq!(p.cafe_ref, "OCT-LOC-0042");
    assert_eq!(p.guest, GuestRef::QrPayload("RG1.0123456789AB.004217".into()));
    assert_eq!(p.total.to_string(), "1589.98 RSD");
    assert_eq!(p.occurred_at, Utc.with_ymd_and_hms(2026, 11, 20, 9, 29, 0).unwrap(), "+01:00 becomes UTC");
    let lines: Vec<_> =
        p.items.iter().map(|i| (i.sku.as_str(), i.category.as_deref(), i.quantity, i.unit_price_minor)).collect();
    assert_eq!(
        lines,
        [("1001", Some("coffee"), 2, 25_000), ("2040", Some("pastry"), 1, 22_000), ("3007", Some("beans"), 1, 89_998)]
    );
    assert_eq!(p.discount_minor(), 3_000);
    assert_eq!(p.discounts[0].name, "Kroasan discount");
    assert_eq!(p.reward_code, None);
    assert!(p.to_new_purchase("octopos", CafeId(1), None).validate().is_ok());
}

#[test]
fn a_refund_receipt_maps_to_a_partial_refund_of_the_sale() {
    let PosPayload::PurchaseRefunded(r) = parse(REFUND.as_bytes()).unwrap().payload else { panic!("not a refund") };
    assert_eq!(r.receipt_id, "X4F7Q2PL-X4F7Q2PL-1234", "the referent document is the sale");
    assert_eq!(r.refund_id, "X4F7Q2PL-X4F7Q2PL-1242", "the refund's own fiscal number");
    assert_eq!(r.lines, RefundLines::Some(vec![RefundLine { sku: "1001".into(), quantity: 1 }]));
    assert_eq!(r.amount.map(|a| a.minor), Some(25_000));
    let PosPayload::PurchaseCompleted(sale) = parse(SALE.as_bytes()).unwrap().payload else { panic!() };
    assert_eq!(r.amount_minor(&sale.to_new_purchase("octopos", CafeId(1), None)).unwrap(), 25_000);
}

#[test]
fn a_refund_of_every_line_gives_everything_back() {
    let sale: Value = serde_json::from_str(SALE).unwrap();
    let body = edited(REFUND, |b| {
        b["receipt"]["items"] = sale["receipt"]["items"].clone();
        b["receipt"]["total"] = sale["receipt"]["total"].clone();
    });
    let PosPayload::PurchaseRefunded(r) = parse(&body).unwrap().payload else { panic!() };
    let PosPayload::PurchaseCompleted(p) = parse(SALE.as_bytes()).unwrap().payload else { panic!() };
    let whole = p.to_new_purchase("octopos", CafeId(1), None);
    assert_eq!(r.amount_minor(&whole).unwrap(), whole.total.minor);
    let mut by_lines = r;
    by_lines.amount = None;
    assert_eq!(by_lines.amount_minor(&whole).unwrap(), whole.total.minor, "every unit counts as all");
}

#[test]
fn a_refund_must_name_its_sale() {
    let body = edited(REFUND, |b| b["receipt"]["referent_document_number"] = Value::Null);
    assert_eq!(invalid(&body).0, "receipt.referent_document_number");
}

#[test]
fn non_sales_are_acknowledged_and_ignored() {
    for kind in ["Training", "Copy", "ProForma", "Advance"] {
        let body = edited(SALE, |b| b["receipt"]["invoice_type"] = json!(kind));
        assert_eq!(parse(&body), Err(PosError::Unsupported { event_type: format!("receipt.fiscalized:{kind}") }));
    }
    let shift = br#"{"event":"shift.closed"}"#;
    assert_eq!(parse(shift), Err(PosError::Unsupported { event_type: "shift.closed".into() }));
}

#[test]
fn money_is_parsed_exactly_or_refused() {
    let set = |field: &'static str, value: Value| edited(SALE, move |b| b["receipt"]["items"][0][field] = value);
    assert_eq!(invalid(&set("unit_price", json!("250,00"))).0, "receipt.items[0].unit_price");
    assert!(invalid(&set("unit_price", json!("250,00"))).1.contains("decimal separator"));
    assert_eq!(invalid(&set("unit_price", json!(250.0))).0, "receipt.items[0].unit_price", "JSON numbers are refused");
    assert_eq!(invalid(&set("unit_price", json!("250.001"))).0, "receipt.items[0].unit_price");
    assert_eq!(invalid(&set("unit_price", json!("1e3"))).0, "receipt.items[0].unit_price");
    assert_eq!(invalid(&set("unit_price", json!("-250.00"))).0, "receipt.items[0].unit_price");
    assert_eq!(invalid(&set("quantity", json!("2.0001"))).0, "receipt.items[0].quantity");
    assert_eq!(invalid(&set("quantity", json!("0.000"))).0, "receipt.items[0].quantity");
    assert_eq!(invalid(&set("total", json!("500.01"))).0, "receipt.items[0].total");
    assert_eq!(invalid(&set("total", json!("99999999999999999999.00"))).0, "receipt.items[0].total");
    // Trailing zeros are fine, and so is a missing discount.
    let ok = edited(SALE, |b| {
        b["receipt"]["items"][0]["unit_price"] = json!("250.0000");
        b["receipt"]["items"][0].as_object_mut().unwrap().remove("discount");
    });
    assert!(parse(&ok).is_ok());
    let off = edited(SALE, |b| b["receipt"]["total"] = json!("1589.99"));
    assert_eq!(invalid(&off).0, "receipt.total");
}

#[test]
fn weighed_lines_allow_only_the_paras_rounding() {
    let set_total = |t: &'static str| edited(SALE, move |b| b["receipt"]["items"][2]["total"] = json!(t));
    // 0.250 × 3599.90 = 899.975: 899.97 and 899.98 are both a rounding of it, 899.96 is not.
    for (total, ok) in [("899.98", true), ("899.97", true), ("899.96", false), ("900.00", false)] {
        let mut body: Value = serde_json::from_slice(&set_total(total)).unwrap();
        let sum = 50_000 + 19_000 + regulars_core::pos::payload::parse_decimal(total, 2).unwrap();
        body["receipt"]["total"] = json!(format!("{}.{:02}", sum / 100, sum % 100));
        let got = parse(&serde_json::to_vec(&body).unwrap());
        assert_eq!(got.is_ok(), ok, "{total}: {got:?}");
    }
}

#[test]
fn the_loyalty_code_is_whatever_the_cashier_entered() {
    for (code, want) in [
        (json!("rg1.0123456789ab.004217"), GuestRef::QrPayload("rg1.0123456789ab.004217".into())),
        (json!(" 004217 "), GuestRef::TypedCode("004217".into())),
        (json!("+381601234567"), GuestRef::Phone("+381601234567".into())),
        (json!(""), GuestRef::None),
        (Value::Null, GuestRef::None),
    ] {
        let body = edited(SALE, |b| b["receipt"]["loyalty"]["code"] = code);
        let PosPayload::PurchaseCompleted(p) = parse(&body).unwrap().payload else { panic!() };
        assert_eq!(p.guest, want);
    }
    let no_loyalty = edited(SALE, |b| {
        b["receipt"].as_object_mut().unwrap().remove("loyalty");
    });
    assert!(parse(&no_loyalty).is_ok());
    for junk in ["Ђ12345", "42", "4006381333931"] {
        let body = edited(SALE, |b| b["receipt"]["loyalty"]["code"] = json!(junk));
        assert_eq!(invalid(&body).0, "receipt.loyalty.code", "{junk}");
    }
    let bad_phone = edited(SALE, |b| b["receipt"]["loyalty"]["code"] = json!("+38160"));
    assert_eq!(invalid(&bad_phone).0, "receipt.loyalty.code");
    let reward = edited(SALE, |b| b["receipt"]["loyalty"]["reward_code"] = json!("K7Q2-9XHM"));
    let PosPayload::PurchaseCompleted(p) = parse(&reward).unwrap().payload else { panic!() };
    assert_eq!(p.reward_code.as_deref(), Some("K7Q2-9XHM"));
}

#[test]
fn missing_and_wrong_fields_are_named_in_octopos_terms() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (edited(SALE, |b| drop(b.as_object_mut().unwrap().remove("location_id"))), "location_id"),
        (edited(SALE, |b| drop(b.as_object_mut().unwrap().remove("receipt"))), "receipt"),
        (
            edited(SALE, |b| drop(b["receipt"].as_object_mut().unwrap().remove("fiscal_number"))),
            "receipt.fiscal_number",
        ),
        (edited(SALE, |b| b["receipt"]["fiscal_number"] = json!("has space")), "receipt.fiscal_number"),
        (edited(SALE, |b| b["location_id"] = json!("")), "location_id"),
        (edited(SALE, |b| b["receipt"]["transaction_type"] = json!("Void")), "receipt.transaction_type"),
        (edited(SALE, |b| b["receipt"]["issued_at"] = json!("20.11.2026. 10:29")), "receipt.issued_at"),
        (edited(SALE, |b| b["receipt"]["currency"] = json!("dinar")), "receipt.currency"),
        (
            edited(SALE, |b| drop(b["receipt"]["items"][1].as_object_mut().unwrap().remove("code"))),
            "receipt.items[1].code",
        ),
        (edited(SALE, |b| b["receipt"]["items"][0]["code"] = json!("")), "receipt.items[0].code"),
    ];
    // An unknown extra field is ignored, not an error.
    assert!(parse(&edited(SALE, |b| b["receipt"]["location_id"] = json!(1))).is_ok());
    for (body, field) in cases {
        assert_eq!(invalid(&body).0, field, "{}", String::from_utf8_lossy(&body));
    }
}

#[test]
fn control_characters_are_refused_in_octopos_terms() {
    type Edit = fn(&mut Value);
    let cases: [(Edit, &str); 6] = [
        (|b| b["location_id"] = json!("OCT-LOC\u{0}-0042"), "location_id"),
        (|b| b["receipt"]["items"][0]["name"] = json!("Espresso\u{0}"), "receipt.items[0].name"),
        (|b| b["receipt"]["items"][1]["group"] = json!("pas\ttry"), "receipt.items[1].group"),
        (|b| b["receipt"]["items"][2]["code"] = json!("30\n07"), "receipt.items[2].code"),
        (|b| b["receipt"]["loyalty"]["reward_code"] = json!("K7Q2\u{0}9XHM"), "receipt.loyalty.reward_code"),
        (|b| b["receipt"]["loyalty"]["code"] = json!("RG1.0123456789AB.004217\u{0}"), "receipt.loyalty.code"),
    ];
    for (edit, field) in cases {
        let (got, reason) = invalid(&edited(SALE, edit));
        assert_eq!(got, field);
        assert!(reason.contains("control"), "{field}: {reason}");
    }
    // A refund's lines are its items merged by code, so the field is the items as a whole.
    let refund = edited(REFUND, |b| b["receipt"]["items"][0]["code"] = json!("10\u{0}01"));
    assert_eq!(invalid(&refund).0, "receipt.items");
}

#[test]
fn sales_beyond_the_limits_are_refused_in_octopos_terms() {
    let one_line = |price: &'static str| {
        edited(SALE, move |b| {
            b["receipt"]["items"] = json!([{ "code": "1001", "name": "Espresso", "quantity": "1.000",
                "unit_price": price, "total": price }]);
            b["receipt"]["total"] = json!(price);
        })
    };
    assert!(parse(&one_line("1000000.00")).is_ok(), "a million dinars is the default limit");
    let (field, reason) = invalid(&one_line("1000000.01"));
    assert_eq!(field, "receipt.total");
    assert!(reason.contains("max_amount"), "{reason}");
    let many = edited(SALE, |b| {
        b["receipt"]["items"] = json!([{ "code": "1001", "name": "Espresso", "quantity": "10001.000",
            "unit_price": "0.00", "total": "0.00" }]);
        b["receipt"]["total"] = json!("0.00");
    });
    assert_eq!(invalid(&many).0, "receipt.items[0].quantity");
    for issued in ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-11-21T10:30:00+01:00", "2026-10-01T10:00:00Z"]
    {
        let body = edited(SALE, |b| b["receipt"]["issued_at"] = json!(issued));
        assert_eq!(invalid(&body).0, "receipt.issued_at", "{issued}");
    }
    let old_refund = edited(REFUND, |b| b["receipt"]["issued_at"] = json!("0001-01-01T00:00:00Z"));
    assert_eq!(invalid(&old_refund).0, "receipt.issued_at");
    let lower = edited(SALE, |b| b["receipt"]["currency"] = json!("rsd"));
    assert_eq!(invalid(&lower).0, "receipt.currency", "ISO 4217 codes are capitals");
}

#[test]
fn a_key_given_twice_is_refused() {
    let twice = SALE.replacen(
        r#""location_id": "OCT-LOC-0042","#,
        r#""location_id": "OCT-LOC-0042", "location_id": "OCT-LOC-0001","#,
        1,
    );
    assert_ne!(twice, SALE);
    assert_eq!(invalid(twice.as_bytes()).0, "location_id");
    let in_receipt = SALE.replacen(r#""total": "1589.98","#, r#""total": "1589.98", "total": "1.00","#, 1);
    assert_ne!(in_receipt, SALE);
    assert_eq!(invalid(in_receipt.as_bytes()).0, "receipt.total");
}
