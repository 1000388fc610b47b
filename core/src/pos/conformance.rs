//! The [`PosSource`] conformance suite: one public function per `# Behaviour` sentence of the
//! trait, for a driver's own tests to call (feature `testing`).
//!
//! A driver supplies its source and a [`Fixture`] that knows how to build valid, signed
//! requests for it. The simplest way to run every check is the
//! [`pos_conformance_suite!`](crate::pos_conformance_suite) macro, which writes one `#[test]`
//! per check, so a new check reaches every driver without anyone listing it:
//!
//! ```text
//! regulars_core::pos_conformance_suite!(my_source_and_fixture());
//! ```
//!
//! Every check panics with a message naming the behaviour it found broken.

use chrono::{DateTime, TimeDelta, TimeZone as _, Utc};

use super::{
    PosCapabilities, PosError, PosErrorKind, PosEvent, PosPayload, PosPurchase, PosRequest, PosSource, RefundLines,
    validate_source_name,
};

/// How to build requests a source accepts. Bodies are the POS's own JSON; `sign` wraps a body
/// in whatever authentication the source checks.
pub trait Fixture {
    /// A sale with receipt id `receipt_id`, with at least one line when the source reports
    /// lines.
    fn purchase_body(&self, receipt_id: &str) -> Vec<u8>;

    /// A sale's body without one field the source requires, and that field's path as
    /// [`PosError::InvalidPayload`] should name it.
    fn purchase_body_missing_field(&self, receipt_id: &str) -> (Vec<u8>, String);

    /// A refund of every line of receipt `receipt_id` (from [`Fixture::purchase_body`]);
    /// `None` exactly when the source does not report refunds.
    fn full_refund_body(&self, receipt_id: &str, refund_id: &str) -> Option<Vec<u8>>;

    /// A refund of one unit of the first line of receipt `receipt_id`; `None` exactly when the
    /// source does not report partial refunds.
    fn partial_refund_body(&self, receipt_id: &str, refund_id: &str) -> Option<Vec<u8>>;

    /// A well-formed event the source does not handle, if the POS has any.
    fn unsupported_body(&self) -> Option<Vec<u8>>;

    /// `body` as delivery `delivery_id`, signed with an active secret at `signed_at` and
    /// received then.
    fn sign(&self, delivery_id: &str, body: &[u8], signed_at: DateTime<Utc>) -> PosRequest;

    /// The same, signed with a secret the source does not know.
    fn sign_with_unknown_secret(&self, delivery_id: &str, body: &[u8], signed_at: DateTime<Utc>) -> PosRequest;
}

/// A fixed instant, so failures reproduce.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).single().unwrap_or_default()
}

fn purchase_request(fixture: &dyn Fixture, delivery_id: &str, receipt_id: &str) -> PosRequest {
    fixture.sign(delivery_id, &fixture.purchase_body(receipt_id), now())
}

fn expect_kind(what: &str, got: &Result<PosEvent, PosError>, kind: PosErrorKind) {
    match got {
        Err(e) if e.kind() == kind => {}
        other => panic!("{what}: expected {kind:?}, got {other:?}"),
    }
}

fn expect_purchase(what: &str, got: Result<PosEvent, PosError>) -> (PosEvent, PosPurchase) {
    match got {
        Ok(event) => match event.payload.clone() {
            PosPayload::PurchaseCompleted(p) => (event, p),
            PosPayload::PurchaseRefunded(r) => panic!("{what}: expected a purchase, got refund {r:?}"),
        },
        Err(e) => panic!("{what}: expected a purchase, got {e:?}"),
    }
}

/// `name()` is a valid source name and stable across calls.
pub fn name_is_valid_and_stable(source: &dyn PosSource, _fixture: &dyn Fixture) {
    let name = source.name();
    assert!(validate_source_name(name).is_ok(), "name(): `{name}` is not a valid source name");
    assert_eq!(source.name(), name, "name(): differs between calls");
}

/// `kind()` is non-empty, lower-case and stable.
pub fn kind_is_valid(source: &dyn PosSource, _fixture: &dyn Fixture) {
    let kind = source.kind();
    assert!(!kind.is_empty(), "kind(): empty");
    assert!(
        kind.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'),
        "kind(): `{kind}` is not lower-case"
    );
    assert_eq!(source.kind(), kind, "kind(): differs between calls");
}

/// `capabilities()` is stable; partial refunds imply refunds; the body limit is positive; the
/// fixture offers refunds exactly when the capabilities say so.
pub fn capabilities_are_consistent(source: &dyn PosSource, fixture: &dyn Fixture) {
    let caps: PosCapabilities = source.capabilities();
    assert_eq!(source.capabilities(), caps, "capabilities(): differ between calls");
    assert!(!caps.partial_refunds || caps.refunds, "capabilities(): partial refunds without refunds");
    assert!(caps.max_body_bytes > 0, "capabilities(): max_body_bytes is 0");
    assert_eq!(fixture.full_refund_body("r", "f").is_some(), caps.refunds, "fixture: full refund vs `refunds`");
    assert_eq!(
        fixture.partial_refund_body("r", "f").is_some(),
        caps.partial_refunds,
        "fixture: partial refund vs `partial_refunds`"
    );
}

/// A signed sale parses to a valid purchase whose delivery id is the request's.
pub fn accepts_signed_purchase(source: &dyn PosSource, fixture: &dyn Fixture) {
    let caps = source.capabilities();
    let (event, purchase) =
        expect_purchase("signed purchase", source.parse(&purchase_request(fixture, "dlv-conf-1", "RCPT-CONF-1")));
    assert_eq!(event.delivery_id, "dlv-conf-1", "parse: delivery_id is not the request's delivery id");
    assert_eq!(event.event_type(), "purchase.completed", "parse: event_type");
    assert_eq!(event.receipt_id(), purchase.receipt_id, "parse: receipt_id()");
    if let Err(e) = purchase.validate("") {
        panic!("parse: the purchase fails PosPurchase::validate: {e}");
    }
    if let Some(kind) = purchase.guest.kind() {
        assert!(caps.guest_refs.contains(&kind), "parse: guest reference {kind:?} is not in capabilities");
    }
    if caps.line_items {
        assert!(!purchase.items.is_empty(), "parse: the fixture's purchase has lines, the parsed one none");
    } else {
        assert!(purchase.items.is_empty(), "parse: lines reported while `line_items` is false");
    }
    assert!(
        purchase.to_new_purchase(source.name(), crate::ids::CafeId(1), None).validate().is_ok(),
        "parse: the purchase does not make a valid NewPurchase"
    );
}

/// Parsing the same request twice gives equal events.
pub fn parse_is_deterministic(source: &dyn PosSource, fixture: &dyn Fixture) {
    let request = purchase_request(fixture, "dlv-conf-2", "RCPT-CONF-2");
    let first = source.parse(&request);
    assert!(first.is_ok(), "parse: {first:?}");
    assert_eq!(source.parse(&request), first, "parse: the same request parsed twice differs");
}

/// Different deliveries have different delivery ids; a retry keeps its id.
pub fn delivery_ids_identify_deliveries(source: &dyn PosSource, fixture: &dyn Fixture) {
    let body = fixture.purchase_body("RCPT-CONF-3");
    let a = source.parse(&fixture.sign("dlv-conf-3a", &body, now()));
    let b = source.parse(&fixture.sign("dlv-conf-3b", &body, now()));
    let retry = source.parse(&fixture.sign("dlv-conf-3a", &body, now() + TimeDelta::seconds(30)));
    let (a, b, retry) = match (a, b, retry) {
        (Ok(a), Ok(b), Ok(r)) => (a, b, r),
        other => panic!("parse: {other:?}"),
    };
    assert_ne!(a.delivery_id, b.delivery_id, "parse: two deliveries share a delivery id");
    assert_eq!(a.delivery_id, retry.delivery_id, "parse: a retry changed the delivery id");
    assert_eq!(a.payload, retry.payload, "parse: a retry changed the payload");
}

/// A request without any headers is Unauthenticated.
pub fn rejects_unsigned(source: &dyn PosSource, fixture: &dyn Fixture) {
    let mut request = purchase_request(fixture, "dlv-conf-4", "RCPT-CONF-4");
    request.headers = super::PosHeaders::new();
    expect_kind("unsigned request", &source.parse(&request), PosErrorKind::Unauthenticated);
}

/// A request signed with an unknown secret is Unauthenticated.
pub fn rejects_unknown_secret(source: &dyn PosSource, fixture: &dyn Fixture) {
    let body = fixture.purchase_body("RCPT-CONF-5");
    let request = fixture.sign_with_unknown_secret("dlv-conf-5", &body, now());
    expect_kind("unknown secret", &source.parse(&request), PosErrorKind::Unauthenticated);
}

/// A body altered after signing is Unauthenticated, even when it is still valid JSON.
pub fn rejects_tampered_body(source: &dyn PosSource, fixture: &dyn Fixture) {
    let mut request = purchase_request(fixture, "dlv-conf-6", "RCPT-CONF-6");
    request.body.push(b' ');
    expect_kind("body with a space appended after signing", &source.parse(&request), PosErrorKind::Unauthenticated);
    let mut request = purchase_request(fixture, "dlv-conf-6", "RCPT-CONF-6");
    let body = String::from_utf8_lossy(&request.body).replace("RCPT-CONF-6", "RCPT-CONF-7");
    request.body = body.into_bytes();
    expect_kind("receipt id changed after signing", &source.parse(&request), PosErrorKind::Unauthenticated);
}

/// A signature older than the tolerance (at most 15 minutes) is Unauthenticated.
pub fn rejects_stale_signature(source: &dyn PosSource, fixture: &dyn Fixture) {
    let mut request = purchase_request(fixture, "dlv-conf-8", "RCPT-CONF-8");
    request.received_at = now() + TimeDelta::minutes(16);
    expect_kind("signed 16 minutes before reception", &source.parse(&request), PosErrorKind::Unauthenticated);
    request.received_at = now() + TimeDelta::days(2);
    expect_kind("signed 2 days before reception", &source.parse(&request), PosErrorKind::Unauthenticated);
}

/// A signature from further in the future than the tolerance is Unauthenticated.
pub fn rejects_future_signature(source: &dyn PosSource, fixture: &dyn Fixture) {
    let mut request = purchase_request(fixture, "dlv-conf-9", "RCPT-CONF-9");
    request.received_at = now() - TimeDelta::minutes(16);
    expect_kind("signed 16 minutes after reception", &source.parse(&request), PosErrorKind::Unauthenticated);
}

/// Small clock differences (a minute either way) are accepted.
pub fn accepts_small_clock_skew(source: &dyn PosSource, fixture: &dyn Fixture) {
    for skew in [-60, 60] {
        let mut request = purchase_request(fixture, "dlv-conf-10", "RCPT-CONF-10");
        request.received_at = now() + TimeDelta::seconds(skew);
        let got = source.parse(&request);
        assert!(got.is_ok(), "parse: received {skew} s after signing: {got:?}");
    }
}

/// The signature is checked before the body: garbage that is not signed is Unauthenticated,
/// not InvalidPayload.
pub fn verifies_before_parsing(source: &dyn PosSource, fixture: &dyn Fixture) {
    let mut request = purchase_request(fixture, "dlv-conf-11", "RCPT-CONF-11");
    request.body = b"{ this is not json".to_vec();
    expect_kind(
        "garbage body under a signature for another body",
        &source.parse(&request),
        PosErrorKind::Unauthenticated,
    );
    let garbage = fixture.sign_with_unknown_secret("dlv-conf-11", b"[]", now());
    expect_kind("garbage body, unknown secret", &source.parse(&garbage), PosErrorKind::Unauthenticated);
}

/// A signed body that is not JSON is InvalidPayload naming a field.
pub fn rejects_malformed_json(source: &dyn PosSource, fixture: &dyn Fixture) {
    for body in [&b"{ this is not json"[..], b"", b"[]", b"\"purchase\""] {
        let got = source.parse(&fixture.sign("dlv-conf-12", body, now()));
        match &got {
            Err(PosError::InvalidPayload { field, reason }) => {
                assert!(!field.is_empty() && !reason.is_empty(), "InvalidPayload with an empty field or reason");
            }
            other => panic!("signed body {:?}: expected InvalidPayload, got {other:?}", String::from_utf8_lossy(body)),
        }
    }
}

/// A signed body without a required field is InvalidPayload naming exactly that field.
pub fn names_the_missing_field(source: &dyn PosSource, fixture: &dyn Fixture) {
    let (body, expected) = fixture.purchase_body_missing_field("RCPT-CONF-13");
    match source.parse(&fixture.sign("dlv-conf-13", &body, now())) {
        Err(PosError::InvalidPayload { field, .. }) => {
            assert_eq!(field, expected, "InvalidPayload names the wrong field");
        }
        other => panic!("missing `{expected}`: expected InvalidPayload, got {other:?}"),
    }
}

/// A signed body in which one object holds the same key twice is InvalidPayload naming it,
/// even a key the source does not read.
pub fn rejects_duplicate_keys(source: &dyn PosSource, fixture: &dyn Fixture) {
    let body = fixture.purchase_body("RCPT-CONF-20");
    let Some(open) = body.iter().position(|b| *b == b'{') else { panic!("fixture: the purchase is not an object") };
    let mut twice = body[..=open].to_vec();
    twice.extend_from_slice(br#""conformance_note": 1, "conformance_note": 2, "#);
    twice.extend_from_slice(&body[open + 1..]);
    match source.parse(&fixture.sign("dlv-conf-20", &twice, now())) {
        Err(PosError::InvalidPayload { field, .. }) => {
            assert_eq!(field, "conformance_note", "InvalidPayload names the wrong field for a repeated key");
        }
        other => panic!("a repeated key: expected InvalidPayload, got {other:?}"),
    }
}

/// A signed sale or refund that happened long before the delivery arrived (20 years; no
/// source may allow that much), or more than a day after, is InvalidPayload.
pub fn rejects_times_far_from_reception(source: &dyn PosSource, fixture: &dyn Fixture) {
    let sale = fixture.purchase_body("RCPT-CONF-21");
    let refund = fixture.full_refund_body("RCPT-CONF-21", "RFND-CONF-21");
    for (what, body) in [("sale", Some(sale)), ("refund", refund)] {
        let Some(body) = body else { continue };
        // The fixture's events happen around `now()`; receiving (and signing) them 20 years
        // later makes them that old, receiving them two days before puts them in the future.
        for (arrival, when) in [(TimeDelta::days(20 * 365), "20 years old"), (-TimeDelta::days(2), "2 days ahead")] {
            let got = source.parse(&fixture.sign("dlv-conf-21", &body, now() + arrival));
            expect_kind(&format!("a {what} {when}"), &got, PosErrorKind::InvalidPayload);
        }
        let got = source.parse(&fixture.sign("dlv-conf-21", &body, now() + TimeDelta::hours(1)));
        assert!(got.is_ok(), "parse: a {what} an hour before its arrival was refused: {got:?}");
    }
}

/// A body over `max_body_bytes` is TooLarge, signed or not, before anything else.
pub fn rejects_oversized_body(source: &dyn PosSource, fixture: &dyn Fixture) {
    let limit = source.capabilities().max_body_bytes;
    let mut big = fixture.purchase_body("RCPT-CONF-14");
    // Pad with JSON whitespace so the only thing wrong is the size.
    big.resize(limit + 1, b' ');
    let signed = fixture.sign("dlv-conf-14", &big, now());
    expect_kind("signed oversized body", &source.parse(&signed), PosErrorKind::TooLarge);
    let mut unsigned = signed;
    unsigned.headers = super::PosHeaders::new();
    expect_kind("unsigned oversized body", &source.parse(&unsigned), PosErrorKind::TooLarge);
    let mut at_limit = fixture.purchase_body("RCPT-CONF-14");
    at_limit.resize(limit, b' ');
    let got = source.parse(&fixture.sign("dlv-conf-14", &at_limit, now()));
    assert!(got.is_ok(), "parse: a body of exactly max_body_bytes was refused: {got:?}");
}

/// A signed event the source does not handle is Unsupported.
pub fn reports_unsupported_events(source: &dyn PosSource, fixture: &dyn Fixture) {
    if let Some(body) = fixture.unsupported_body() {
        expect_kind(
            "unsupported event",
            &source.parse(&fixture.sign("dlv-conf-15", &body, now())),
            PosErrorKind::Unsupported,
        );
    }
}

/// A signed full refund names the purchase's receipt and all its lines.
pub fn parses_full_refund(source: &dyn PosSource, fixture: &dyn Fixture) {
    let Some(body) = fixture.full_refund_body("RCPT-CONF-16", "RFND-CONF-16") else { return };
    let (_, purchase) =
        expect_purchase("purchase", source.parse(&purchase_request(fixture, "dlv-conf-16a", "RCPT-CONF-16")));
    match source.parse(&fixture.sign("dlv-conf-16b", &body, now())) {
        Ok(PosEvent { payload: PosPayload::PurchaseRefunded(refund), delivery_id, .. }) => {
            assert_eq!(delivery_id, "dlv-conf-16b", "refund: delivery_id");
            assert_eq!(refund.receipt_id, purchase.receipt_id, "refund: receipt_id is not the purchase's");
            if let Err(e) = refund.validate("") {
                panic!("refund fails PosRefund::validate: {e}");
            }
            let whole = purchase.to_new_purchase(source.name(), crate::ids::CafeId(1), None);
            assert_eq!(
                refund.amount_minor(&whole).ok(),
                Some(whole.total.minor),
                "a full refund does not give back the whole purchase"
            );
        }
        other => panic!("full refund: expected PurchaseRefunded, got {other:?}"),
    }
}

/// A signed partial refund names some lines of the purchase.
pub fn parses_partial_refund(source: &dyn PosSource, fixture: &dyn Fixture) {
    let Some(body) = fixture.partial_refund_body("RCPT-CONF-17", "RFND-CONF-17") else { return };
    let (_, purchase) =
        expect_purchase("purchase", source.parse(&purchase_request(fixture, "dlv-conf-17a", "RCPT-CONF-17")));
    match source.parse(&fixture.sign("dlv-conf-17b", &body, now())) {
        Ok(PosEvent { payload: PosPayload::PurchaseRefunded(refund), .. }) => {
            assert_eq!(refund.receipt_id, purchase.receipt_id, "refund: receipt_id is not the purchase's");
            if let Err(e) = refund.validate("") {
                panic!("partial refund fails PosRefund::validate: {e}");
            }
            let RefundLines::Some(lines) = &refund.lines else {
                panic!("partial refund: lines are `All`");
            };
            for line in lines {
                assert!(
                    purchase.items.iter().any(|i| i.sku == line.sku),
                    "partial refund: `{}` not on the receipt",
                    line.sku
                );
            }
            let whole = purchase.to_new_purchase(source.name(), crate::ids::CafeId(1), None);
            match refund.amount_minor(&whole) {
                Ok(amount) => assert!(
                    amount <= whole.total.minor,
                    "partial refund: {amount} is more than the purchase's {}",
                    whole.total.minor
                ),
                Err(e) => panic!("partial refund: no amount against its own purchase: {e}"),
            }
        }
        other => panic!("partial refund: expected PurchaseRefunded, got {other:?}"),
    }
}

/// One conformance check.
pub type Check = fn(&dyn PosSource, &dyn Fixture);

/// Every check, by name, for runners that want a list (the macro writes one test each).
pub const CHECKS: &[(&str, Check)] = &[
    ("name_is_valid_and_stable", name_is_valid_and_stable),
    ("kind_is_valid", kind_is_valid),
    ("capabilities_are_consistent", capabilities_are_consistent),
    ("accepts_signed_purchase", accepts_signed_purchase),
    ("parse_is_deterministic", parse_is_deterministic),
    ("delivery_ids_identify_deliveries", delivery_ids_identify_deliveries),
    ("rejects_unsigned", rejects_unsigned),
    ("rejects_unknown_secret", rejects_unknown_secret),
    ("rejects_tampered_body", rejects_tampered_body),
    ("rejects_stale_signature", rejects_stale_signature),
    ("rejects_future_signature", rejects_future_signature),
    ("accepts_small_clock_skew", accepts_small_clock_skew),
    ("verifies_before_parsing", verifies_before_parsing),
    ("rejects_malformed_json", rejects_malformed_json),
    ("names_the_missing_field", names_the_missing_field),
    ("rejects_duplicate_keys", rejects_duplicate_keys),
    ("rejects_times_far_from_reception", rejects_times_far_from_reception),
    ("rejects_oversized_body", rejects_oversized_body),
    ("reports_unsupported_events", reports_unsupported_events),
    ("parses_full_refund", parses_full_refund),
    ("parses_partial_refund", parses_partial_refund),
];

/// Writes one `#[test]` per conformance check. The argument is an expression evaluating to
/// `(source, fixture)`: a value implementing [`PosSource`] and one implementing [`Fixture`].
#[macro_export]
macro_rules! pos_conformance_suite {
    ($setup:expr) => {
        $crate::pos_conformance_suite!(@each $setup;
            name_is_valid_and_stable, kind_is_valid, capabilities_are_consistent,
            accepts_signed_purchase, parse_is_deterministic, delivery_ids_identify_deliveries,
            rejects_unsigned, rejects_unknown_secret, rejects_tampered_body,
            rejects_stale_signature, rejects_future_signature, accepts_small_clock_skew,
            verifies_before_parsing, rejects_malformed_json, names_the_missing_field,
            rejects_duplicate_keys, rejects_times_far_from_reception, rejects_oversized_body,
            reports_unsupported_events, parses_full_refund, parses_partial_refund);
    };
    (@each $setup:expr; $($check:ident),+) => {
        $(
            #[test]
            fn $check() {
                let (source, fixture) = $setup;
                $crate::pos::conformance::$check(&source, &fixture);
            }
        )+
        #[test]
        fn conformance_suite_is_complete() {
            let listed: &[&str] = &[$(stringify!($check)),+];
            for (name, _) in $crate::pos::conformance::CHECKS {
                assert!(listed.contains(name), "the macro misses check `{name}`");
            }
        }
    };
}
