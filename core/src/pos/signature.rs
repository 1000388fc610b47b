//! Standard Webhooks v1 signatures, shared by every POS driver that signs with HMAC.
//!
//! The POS sends three headers: `webhook-id` (the delivery id, the same on retries),
//! `webhook-timestamp` (unix seconds) and `webhook-signature`, a space-separated list of
//! `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`. The key is the base64 part of a
//! `whsec_<base64>` secret. Several secrets may be active at once, so a secret is rotated by
//! adding the new one, moving the POS to it, then removing the old one; and a sender may sign
//! with several keys at once during that window.
//!
//! Verification compares in constant time, bounds the timestamp to a tolerance (300 s unless
//! configured) in both directions, and reads the header names from [`HeaderNames`], so a driver
//! whose POS uses other names reuses all of it.
//!
//! ```
//! use chrono::{TimeZone as _, Utc};
//! use regulars_core::pos::signature::{WebhookSecret, WebhookVerifier};
//! use regulars_core::pos::PosRequest;
//!
//! let old = WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//! let new = WebhookSecret::generate();
//! let verifier = WebhookVerifier::new(vec![new, old.clone()], 300)?;
//! let at = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
//! let request = PosRequest::signed(&old, "msg_1", at, b"{}".to_vec());
//! assert_eq!(verifier.verify(&request).unwrap().id, "msg_1");
//! # Ok::<(), regulars_core::Error>(())
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac as _};
use rand::RngCore as _;
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroize as _;

use super::{
    AuthFailure, DEFAULT_MAX_BODY_BYTES, MAX_ID_LEN, PosError, PosEvent, PosHeaders, PosPayload, PosRequest, SaleLimits,
};
use crate::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// Prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// The tolerance Standard Webhooks recommends: five minutes either way.
pub const DEFAULT_TOLERANCE_SECS: u32 = 300;

/// The largest tolerance accepted: beyond a quarter of an hour a captured request stays
/// replayable for too long, and a clock that far off should be fixed instead.
pub const MAX_TOLERANCE_SECS: u32 = 900;

/// A shared signing secret (`whsec_<base64>`). Prints `***`, is wiped when dropped, and has
/// no `Display` or `Serialize`.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// Random bytes in a generated secret (what Svix and most senders use).
    pub const GENERATED_LEN: usize = 24;

    /// Parses `whsec_<base64>`; the bare base64 key is accepted too, as the reference
    /// libraries do.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `secret` (the value itself is never echoed).
    pub fn parse(text: &str) -> Result<Self> {
        let encoded = text.trim().strip_prefix(SECRET_PREFIX).unwrap_or(text.trim());
        let key =
            STANDARD.decode(encoded).map_err(|_| Error::invalid("secret", "expected `whsec_` followed by base64"))?;
        if key.len() < 16 {
            return Err(Error::invalid("secret", "the key must be at least 16 bytes (24 base64 characters)"));
        }
        Ok(Self(key))
    }

    /// A secret from raw key bytes.
    #[must_use]
    pub fn from_bytes(key: Vec<u8>) -> Self {
        Self(key)
    }

    /// A fresh random secret, for setting up a new POS.
    #[must_use]
    pub fn generate() -> Self {
        let mut key = vec![0u8; Self::GENERATED_LEN];
        rand::rng().fill_bytes(&mut key);
        Self(key)
    }

    /// The secret as `whsec_<base64>`, to hand to the POS. Named so that every use stands out
    /// in review.
    #[must_use]
    pub fn expose_whsec(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    fn mac(&self) -> HmacSha256 {
        <HmacSha256 as hmac::KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

impl Drop for WebhookSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl PartialEq for WebhookSecret {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for WebhookSecret {}

impl<'de> Deserialize<'de> for WebhookSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let mut text = String::deserialize(d)?;
        let parsed = Self::parse(&text).map_err(|_| serde::de::Error::custom("expected `whsec_` followed by base64"));
        text.zeroize();
        parsed
    }
}

/// The names of the three signature headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderNames {
    /// The delivery id.
    pub id: &'static str,
    /// The unix timestamp of signing.
    pub timestamp: &'static str,
    /// The signature list.
    pub signature: &'static str,
}

impl HeaderNames {
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    pub const STANDARD: Self =
        Self { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" };
}

/// The authenticated facts of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The delivery id (the idempotency key of the request).
    pub id: String,
    /// When the sender signed it.
    pub signed_at: DateTime<Utc>,
}

/// The signature of `body`, sent as delivery `id` at unix second `timestamp`, with `secret`:
/// `v1,<base64>`.
#[must_use]
pub fn sign(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = compute(secret, id, &timestamp.to_string(), body);
    format!("v1,{}", STANDARD.encode(tag))
}

/// The three headers of a delivery signed with every secret in `secrets` (more than one while
/// a sender rotates), named per `names`.
#[must_use]
pub fn signed_headers(
    secrets: &[&WebhookSecret],
    names: &HeaderNames,
    id: &str,
    at: DateTime<Utc>,
    body: &[u8],
) -> PosHeaders {
    let ts = at.timestamp();
    let signatures: Vec<String> = secrets.iter().map(|s| sign(s, id, ts, body)).collect();
    let mut headers = PosHeaders::new();
    headers.append(names.id, id);
    headers.append(names.timestamp, ts.to_string());
    headers.append(names.signature, signatures.join(" "));
    headers
}

fn compute(secret: &WebhookSecret, id: &str, timestamp: &str, body: &[u8]) -> [u8; 32] {
    let mut mac = secret.mac();
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Checks Standard Webhooks signatures against a set of active secrets.
#[derive(Debug, Clone)]
pub struct WebhookVerifier {
    secrets: Vec<WebhookSecret>,
    tolerance: TimeDelta,
    names: HeaderNames,
}

impl WebhookVerifier {
    /// A verifier accepting any of `secrets`, with signatures at most `tolerance_secs` away
    /// from the reception time, reading the standard header names.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `secrets` when there are none, or `tolerance_secs` when
    /// it is 0 or more than [`MAX_TOLERANCE_SECS`].
    pub fn new(secrets: Vec<WebhookSecret>, tolerance_secs: u32) -> Result<Self> {
        if secrets.is_empty() {
            return Err(Error::invalid("secrets", "configure at least one `whsec_` secret"));
        }
        if tolerance_secs == 0 || tolerance_secs > MAX_TOLERANCE_SECS {
            return Err(Error::invalid("tolerance_secs", format!("must be 1-{MAX_TOLERANCE_SECS} seconds")));
        }
        Ok(Self { secrets, tolerance: TimeDelta::seconds(i64::from(tolerance_secs)), names: HeaderNames::STANDARD })
    }

    /// What every signed source's [`PosSource::parse`](super::PosSource::parse) does, in the
    /// order its contract requires: the size, then the signature, then the JSON body, decoded
    /// as `T` and turned into a payload by the driver's `map` (given the delivery id).
    ///
    /// # Errors
    /// [`PosError::TooLarge`], [`PosError::Unauthenticated`], [`PosError::InvalidPayload`],
    /// or what `map` returns.
    pub fn parse_signed<T: serde::de::DeserializeOwned>(
        &self,
        request: &PosRequest,
        map: impl FnOnce(T, &str) -> std::result::Result<PosPayload, PosError>,
    ) -> std::result::Result<PosEvent, PosError> {
        super::payload::check_size(request.body.len(), DEFAULT_MAX_BODY_BYTES)?;
        let delivery = self.verify(request)?;
        let body: T = super::payload::from_json(&request.body)?;
        let payload = map(body, &delivery.id)?;
        Ok(PosEvent { delivery_id: delivery.id, signed_at: delivery.signed_at, payload })
    }

    /// The same verifier reading other header names.
    #[must_use]
    pub fn with_header_names(mut self, names: HeaderNames) -> Self {
        self.names = names;
        self
    }

    /// The header names read.
    #[must_use]
    pub fn header_names(&self) -> &HeaderNames {
        &self.names
    }

    /// The tolerance in seconds.
    #[must_use]
    pub fn tolerance_secs(&self) -> i64 {
        self.tolerance.num_seconds()
    }

    /// Verifies a request against its `received_at`.
    ///
    /// # Errors
    /// The [`AuthFailure`]: a missing or malformed header, a timestamp outside the tolerance,
    /// or no signature matching any active secret.
    pub fn verify(&self, request: &PosRequest) -> std::result::Result<Delivery, AuthFailure> {
        let n = &self.names;
        let id = request.headers.get(n.id).ok_or(AuthFailure::MissingHeader(n.id))?;
        if id.is_empty() || id.len() > MAX_ID_LEN || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AuthFailure::MalformedHeader(n.id));
        }
        let ts_text = request.headers.get(n.timestamp).ok_or(AuthFailure::MissingHeader(n.timestamp))?;
        let signed_at = parse_timestamp(ts_text).ok_or(AuthFailure::MalformedHeader(n.timestamp))?;
        let tolerance_secs = self.tolerance.num_seconds();
        let skew = request.received_at.signed_duration_since(signed_at);
        if skew > self.tolerance {
            return Err(AuthFailure::StaleTimestamp { age_secs: skew.num_seconds(), tolerance_secs });
        }
        if -skew > self.tolerance {
            return Err(AuthFailure::FutureTimestamp { ahead_secs: (-skew).num_seconds(), tolerance_secs });
        }
        let header = request.headers.get(n.signature).ok_or(AuthFailure::MissingHeader(n.signature))?;
        // Other versions (`v1a,` asymmetric signatures) may sit beside ours; skip them.
        let candidates: Vec<Vec<u8>> = header
            .split(' ')
            .filter_map(|part| part.strip_prefix("v1,"))
            .filter_map(|b64| STANDARD.decode(b64).ok())
            .collect();
        if candidates.is_empty() {
            return Err(AuthFailure::MalformedHeader(n.signature));
        }
        for secret in &self.secrets {
            // The signed text uses the header exactly as sent, so re-formatting the number can
            // never make a forged timestamp verify.
            let expected = compute(secret, id, ts_text, &request.body);
            let mut matched = subtle::Choice::from(0);
            for candidate in &candidates {
                matched |= expected.as_slice().ct_eq(candidate.as_slice());
            }
            if bool::from(matched) {
                return Ok(Delivery { id: id.to_owned(), signed_at });
            }
        }
        Err(AuthFailure::NoMatchingSignature)
    }
}

/// Unix seconds as plain ASCII digits (no sign, no spaces, no fraction).
fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    DateTime::from_timestamp(text.parse().ok()?, 0)
}

/// The settings every signed POS source has: its name, the secrets it accepts, the clock
/// tolerance and the [`SaleLimits`]. Each driver documents them as its own config type (an
/// alias of this one), so the keys and their checks live in one place.
///
/// `Debug` shows the secrets as `***`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SignedSourceConfig {
    /// The source's name: `/pos/{name}/webhook`, 1-32 of `a-z0-9-_`.
    pub name: String,
    /// Active `whsec_<base64>` secrets, newest first; two during a rotation.
    pub secrets: Vec<WebhookSecret>,
    /// How far the signature timestamp may be from now, 1-900 seconds.
    #[serde(default = "default_tolerance")]
    pub tolerance_secs: u32,
    /// What one delivery may report: the keys `max_amount`, `max_amount_by_currency`,
    /// `max_quantity` and `max_age_days`, beside the others.
    #[serde(flatten)]
    pub limits: SaleLimits,
}

fn default_tolerance() -> u32 {
    DEFAULT_TOLERANCE_SECS
}

impl SignedSourceConfig {
    /// A source named `name` accepting `secrets`, with the default tolerance.
    #[must_use]
    pub fn new(name: impl Into<String>, secrets: Vec<WebhookSecret>) -> Self {
        Self { name: name.into(), secrets, tolerance_secs: DEFAULT_TOLERANCE_SECS, limits: SaleLimits::default() }
    }

    /// Checks the signature keys and builds the verifier reading `headers`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] naming `name`, `secrets` or `tolerance_secs`.
    pub fn verifier(&self, headers: HeaderNames) -> crate::Result<WebhookVerifier> {
        crate::pos::validate_source_name(&self.name)?;
        Ok(WebhookVerifier::new(self.secrets.clone(), self.tolerance_secs)?.with_header_names(headers))
    }

    /// Checks the limit keys and returns the limits.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] naming the key (see [`SaleLimits::validate`]).
    pub fn limits(&self) -> crate::Result<SaleLimits> {
        self.limits.validate()?;
        Ok(self.limits.clone())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    const VECTOR_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const VECTOR_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const VECTOR_TS: i64 = 1_649_367_553;
    const VECTOR_BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
    const VECTOR_SIG: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    fn secret() -> WebhookSecret {
        WebhookSecret::parse(VECTOR_SECRET).unwrap()
    }

    fn at(ts: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(ts, 0).unwrap()
    }

    fn vector_request() -> PosRequest {
        PosRequest::new(VECTOR_BODY.to_vec(), at(VECTOR_TS))
            .with_header("webhook-id", VECTOR_ID)
            .with_header("webhook-timestamp", VECTOR_TS.to_string())
            .with_header("webhook-signature", VECTOR_SIG)
    }

    fn verifier() -> WebhookVerifier {
        WebhookVerifier::new(vec![secret()], DEFAULT_TOLERANCE_SECS).unwrap()
    }

    #[test]
    fn standard_webhooks_test_vector_signs() {
        assert_eq!(sign(&secret(), VECTOR_ID, VECTOR_TS, VECTOR_BODY), VECTOR_SIG);
        // The bare key (without `whsec_`) is the same secret.
        let bare = WebhookSecret::parse(VECTOR_SECRET.trim_start_matches(SECRET_PREFIX)).unwrap();
        assert_eq!(sign(&bare, VECTOR_ID, VECTOR_TS, VECTOR_BODY), VECTOR_SIG);
    }

    #[test]
    fn standard_webhooks_test_vector_verifies() {
        let delivery = verifier().verify(&vector_request()).unwrap();
        assert_eq!(delivery, Delivery { id: VECTOR_ID.into(), signed_at: at(VECTOR_TS) });
    }

    #[test]
    fn headers_are_case_insensitive() {
        let request = PosRequest::new(VECTOR_BODY.to_vec(), at(VECTOR_TS))
            .with_header("Webhook-Id", VECTOR_ID)
            .with_header("WEBHOOK-TIMESTAMP", VECTOR_TS.to_string())
            .with_header("Webhook-Signature", VECTOR_SIG);
        assert!(verifier().verify(&request).is_ok());
    }

    #[test]
    fn rotation_accepts_old_and_new_secrets() {
        let new = WebhookSecret::generate();
        let both = WebhookVerifier::new(vec![new.clone(), secret()], 300).unwrap();
        assert!(both.verify(&vector_request()).is_ok(), "old secret still accepted");
        let by_new = PosRequest::signed(&new, "msg_2", at(VECTOR_TS), VECTOR_BODY.to_vec());
        assert!(both.verify(&by_new).is_ok(), "new secret accepted");
        // Once the old secret is removed, its signatures stop working.
        let only_new = WebhookVerifier::new(vec![new.clone()], 300).unwrap();
        assert_eq!(only_new.verify(&vector_request()), Err(AuthFailure::NoMatchingSignature));
        // A sender signing with both keys during its own rotation passes either verifier.
        let headers = signed_headers(&[&new, &secret()], &HeaderNames::STANDARD, "msg_3", at(VECTOR_TS), VECTOR_BODY);
        let dual = PosRequest { headers, body: VECTOR_BODY.to_vec(), received_at: at(VECTOR_TS) };
        assert!(only_new.verify(&dual).is_ok());
        assert!(verifier().verify(&dual).is_ok());
    }

    #[test]
    fn tampering_with_body_id_or_timestamp_fails() {
        let v = verifier();
        let mut body = vector_request();
        body.body = br#"{"email":"test@example.com","username":"test_usr"}"#.to_vec();
        assert_eq!(v.verify(&body), Err(AuthFailure::NoMatchingSignature));

        let mut id = vector_request();
        id.headers.insert("webhook-id", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpK");
        assert_eq!(v.verify(&id), Err(AuthFailure::NoMatchingSignature));

        let mut ts = vector_request();
        ts.headers.insert("webhook-timestamp", (VECTOR_TS + 1).to_string());
        assert_eq!(v.verify(&ts), Err(AuthFailure::NoMatchingSignature));

        // Same number, different text: still the text that was signed that counts.
        let mut padded = vector_request();
        padded.headers.insert("webhook-timestamp", format!("0{VECTOR_TS}"));
        assert_eq!(v.verify(&padded), Err(AuthFailure::NoMatchingSignature));

        let mut sig = vector_request();
        sig.headers.insert("webhook-signature", "v1,tZ2I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
        assert_eq!(v.verify(&sig), Err(AuthFailure::NoMatchingSignature));
    }

    #[test]
    fn timestamps_outside_the_tolerance_fail() {
        let v = verifier();
        for (offset, ok) in [(-300, true), (300, true), (301, false), (-301, false), (86_400, false)] {
            let mut r = vector_request();
            r.received_at = at(VECTOR_TS + offset);
            assert_eq!(v.verify(&r).is_ok(), ok, "received {offset} s after signing");
        }
        let mut stale = vector_request();
        stale.received_at = at(VECTOR_TS + 301);
        assert_eq!(v.verify(&stale), Err(AuthFailure::StaleTimestamp { age_secs: 301, tolerance_secs: 300 }));
        let mut future = vector_request();
        future.received_at = at(VECTOR_TS - 400);
        assert_eq!(v.verify(&future), Err(AuthFailure::FutureTimestamp { ahead_secs: 400, tolerance_secs: 300 }));
        assert!(future.received_at < at(VECTOR_TS));
    }

    #[test]
    fn missing_and_malformed_headers_fail() {
        let v = verifier();
        for header in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            let mut r = vector_request();
            r.headers.remove(header);
            assert_eq!(v.verify(&r), Err(AuthFailure::MissingHeader(header)));
        }
        for (header, value) in [
            ("webhook-timestamp", "1649367553.5"),
            ("webhook-timestamp", "-1649367553"),
            ("webhook-timestamp", "soon"),
            ("webhook-timestamp", ""),
            ("webhook-signature", "sha256=abc"),
            ("webhook-signature", "v1,***"),
            ("webhook-id", ""),
            ("webhook-id", "has space"),
        ] {
            let mut r = vector_request();
            r.headers.insert(header, value);
            assert!(
                matches!(v.verify(&r), Err(AuthFailure::MalformedHeader(h)) if h == header),
                "{header}: {value:?} gave {:?}",
                v.verify(&r)
            );
        }
    }

    #[test]
    fn several_signatures_and_other_versions_are_tolerated() {
        let header = format!("v1a,c29tZXRoaW5nZWxzZQ== v1,AAAA {VECTOR_SIG}");
        let mut r = vector_request();
        r.headers.insert("webhook-signature", header);
        assert!(verifier().verify(&r).is_ok());
    }

    #[test]
    fn other_header_names_can_be_read() {
        const NAMES: HeaderNames = HeaderNames { id: "x-id", timestamp: "x-ts", signature: "x-sig" };
        let headers = signed_headers(&[&secret()], &NAMES, VECTOR_ID, at(VECTOR_TS), VECTOR_BODY);
        let r = PosRequest { headers, body: VECTOR_BODY.to_vec(), received_at: at(VECTOR_TS) };
        assert_eq!(verifier().verify(&r), Err(AuthFailure::MissingHeader("webhook-id")));
        assert!(verifier().with_header_names(NAMES).verify(&r).is_ok());
    }

    #[test]
    fn secrets_are_checked_and_never_printed() {
        let s = secret();
        assert_eq!(format!("{s:?}"), "WebhookSecret(***)");
        assert_eq!(s.expose_whsec(), VECTOR_SECRET);
        assert!(WebhookSecret::parse("whsec_not base64!").is_err());
        assert!(WebhookSecret::parse("whsec_c2hvcnQ=").is_err(), "5-byte keys are refused");
        let err = WebhookSecret::parse("whsec_c2hvcnQ=").unwrap_err().to_string();
        assert!(!err.contains("c2hvcnQ"), "the error does not echo the secret: {err}");
        assert_ne!(WebhookSecret::generate(), WebhookSecret::generate());
        let from_toml: Vec<WebhookSecret> = serde_json::from_str(&format!("[\"{VECTOR_SECRET}\"]")).unwrap();
        assert_eq!(from_toml, vec![secret()]);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_headers_never_verify_or_panic(
            id in "\\PC{0,40}", ts in "\\PC{0,14}", sig in "\\PC{0,120}"
        ) {
            let r = PosRequest::new(VECTOR_BODY.to_vec(), at(VECTOR_TS))
                .with_header("webhook-id", id)
                .with_header("webhook-timestamp", ts)
                .with_header("webhook-signature", sig);
            proptest::prop_assert!(verifier().verify(&r).is_err());
        }
    }

    #[test]
    fn limits_are_read_with_their_defaults_and_checked() {
        let config: SignedSourceConfig = serde_json::from_value(serde_json::json!({
            "name": "till", "secrets": [VECTOR_SECRET],
            "max_amount": 50_000, "max_amount_by_currency": { "EUR": 2_000 }, "max_age_days": 7
        }))
        .unwrap();
        let limits = config.limits().unwrap();
        let eur = crate::money::Currency::new("EUR").unwrap();
        let rsd = crate::money::Currency::new("RSD").unwrap();
        let jpy = crate::money::Currency::new("JPY").unwrap();
        assert_eq!((limits.max_minor(eur), limits.max_minor(rsd), limits.max_minor(jpy)), (200_000, 5_000_000, 50_000));
        assert_eq!((limits.max_age_days, limits.max_quantity), (7, super::super::DEFAULT_MAX_QUANTITY));
        let defaults = SignedSourceConfig::new("till", vec![secret()]).limits().unwrap();
        assert_eq!(defaults.max_minor(rsd), 100_000_000, "a million dinars");
        let field = |limits: SaleLimits| {
            let config = SignedSourceConfig { limits, ..SignedSourceConfig::new("till", vec![secret()]) };
            match config.limits() {
                Err(Error::InvalidInput { field, .. }) => field,
                other => panic!("expected InvalidInput, got {other:?}"),
            }
        };
        assert_eq!(field(SaleLimits { max_amount: 0, ..SaleLimits::default() }), "max_amount");
        assert_eq!(field(SaleLimits { max_amount: u64::MAX / 10, ..SaleLimits::default() }), "max_amount");
        assert_eq!(
            field(SaleLimits { max_amount_by_currency: [(eur, 0)].into(), ..SaleLimits::default() }),
            "max_amount_by_currency.EUR"
        );
        assert_eq!(field(SaleLimits { max_quantity: 0, ..SaleLimits::default() }), "max_quantity");
        assert_eq!(field(SaleLimits { max_age_days: 0, ..SaleLimits::default() }), "max_age_days");
        assert_eq!(field(SaleLimits { max_age_days: 3_651, ..SaleLimits::default() }), "max_age_days");
        let lower: std::result::Result<SignedSourceConfig, _> = serde_json::from_value(serde_json::json!({
            "name": "till", "secrets": [VECTOR_SECRET], "max_amount_by_currency": { "eur": 2_000 }
        }));
        assert!(lower.is_err(), "currency codes are as strict as everywhere");
    }

    #[test]
    fn verifier_config_is_checked() {
        assert!(WebhookVerifier::new(vec![], 300).is_err());
        assert!(WebhookVerifier::new(vec![secret()], 0).is_err());
        assert!(WebhookVerifier::new(vec![secret()], MAX_TOLERANCE_SECS + 1).is_err());
        assert_eq!(WebhookVerifier::new(vec![secret()], 60).unwrap().tolerance_secs(), 60);
    }
}
