//! Short-lived signed tokens that open a guest in staff mode from a messenger deep link.
//!
//! A token fits a Telegram `start=` payload (at most 64 characters of `A-Za-z0-9_-`):
//! `st1_` then URL-safe base64 (no padding) of 36 bytes:
//!
//! | bytes | field |
//! | --- | --- |
//! | 0..8 | chain id, big-endian |
//! | 8..16 | the guest's public id, 12 Crockford base32 characters packed into 60 bits |
//! | 16..20 | expiry, Unix seconds, big-endian |
//! | 20..36 | HMAC-SHA256 over a domain tag and bytes 0..20, truncated to 128 bits |
//!
//! 52 characters in all. The token carries the public id, never the storage id, because anyone
//! who sees the link (the guest too) sees the token. The token proves only *which guest*; who
//! may open it is decided by the staff check in [`TillIdentity::open_deep_link`].
//!
//! [`TillIdentity::open_deep_link`]: crate::identity::till::TillIdentity::open_deep_link

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, TimeZone as _, Utc};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::guest::GuestPublicId;
use crate::identity::secret::SecretKey;
use crate::ids::ChainId;
use crate::{Error, Result};

/// Token prefix: `st` for staff link, `1` for the format version.
pub const TOKEN_PREFIX: &str = "st1_";
/// Longest payload Telegram accepts after `?start=`.
pub const TELEGRAM_START_MAX: usize = 64;
/// Default lifetime of a token: long enough to scan a card and open the bot, short enough that
/// a screenshot is soon worthless.
pub const DEFAULT_TTL: Duration = Duration::minutes(10);

const BODY_LEN: usize = 20;
const TAG_LEN: usize = 16;
const DOMAIN: &[u8] = b"regulars/deep-link/v1\0";
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

type HmacSha256 = Hmac<Sha256>;

/// A signed token, ready for `https://t.me/<bot>?start=<token>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeepLinkToken(String);

impl DeepLinkToken {
    /// The token text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeepLinkToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeepLinkClaims {
    /// The chain the guest belongs to.
    pub chain: ChainId,
    /// The guest.
    pub guest: GuestPublicId,
    /// When the token stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeepLinkRejection {
    /// Not a staff deep link at all (some other `start` payload, or truncated).
    Malformed,
    /// Shaped right but the signature does not match: forged or altered.
    BadSignature,
    /// Genuine but past its expiry.
    Expired,
}

/// Signs and verifies deep-link tokens. Keys print `***`.
#[derive(Debug)]
pub struct DeepLinkSigner {
    current: SecretKey,
    previous: Vec<SecretKey>,
    ttl: Duration,
}

impl DeepLinkSigner {
    /// A signer with one key and [`DEFAULT_TTL`].
    #[must_use]
    pub fn new(key: SecretKey) -> Self {
        Self { current: key, previous: Vec::new(), ttl: DEFAULT_TTL }
    }

    /// Also accept tokens signed with older keys (rotation: keep them for one TTL).
    #[must_use]
    pub fn with_previous_keys(mut self, keys: impl IntoIterator<Item = SecretKey>) -> Self {
        self.previous.extend(keys);
        self
    }

    /// Tokens live for `ttl` (clamped to 1 second - 1 day).
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.clamp(Duration::seconds(1), Duration::days(1));
        self
    }

    /// How long new tokens live.
    #[must_use]
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A token for `guest` of `chain`, valid from `now` for the signer's TTL.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `chain` for a non-positive chain id.
    pub fn sign(&self, chain: ChainId, guest: &GuestPublicId, now: DateTime<Utc>) -> Result<DeepLinkToken> {
        let chain_raw = u64::try_from(chain.get()).map_err(|_| Error::invalid("chain", "must be positive"))?;
        let expires = u32::try_from((now + self.ttl).timestamp())
            .map_err(|_| Error::invalid("now", "is outside the range deep links can express"))?;
        let mut bytes = [0u8; BODY_LEN + TAG_LEN];
        bytes[..8].copy_from_slice(&chain_raw.to_be_bytes());
        bytes[8..16].copy_from_slice(&pack_public_id(guest).to_be_bytes());
        bytes[16..20].copy_from_slice(&expires.to_be_bytes());
        let tag = mac(&self.current, &bytes[..BODY_LEN]).finalize().into_bytes();
        bytes[BODY_LEN..].copy_from_slice(&tag[..TAG_LEN]);
        Ok(DeepLinkToken(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))))
    }

    /// Checks a token: shape, signature (constant time, any configured key), then expiry.
    ///
    /// # Errors
    /// The [`DeepLinkRejection`].
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<DeepLinkClaims, DeepLinkRejection> {
        let encoded = token.strip_prefix(TOKEN_PREFIX).ok_or(DeepLinkRejection::Malformed)?;
        if encoded.len() != 48 {
            return Err(DeepLinkRejection::Malformed);
        }
        let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| DeepLinkRejection::Malformed)?;
        let (body, tag) = bytes.split_at(BODY_LEN);
        let genuine = std::iter::once(&self.current)
            .chain(&self.previous)
            // verify_truncated_left compares in constant time.
            .any(|key| mac(key, body).verify_truncated_left(tag).is_ok());
        if !genuine {
            return Err(DeepLinkRejection::BadSignature);
        }
        let chain = i64::from_be_bytes(body[..8].try_into().map_err(|_| DeepLinkRejection::Malformed)?);
        let packed = u64::from_be_bytes(body[8..16].try_into().map_err(|_| DeepLinkRejection::Malformed)?);
        let expires = u32::from_be_bytes(body[16..20].try_into().map_err(|_| DeepLinkRejection::Malformed)?);
        let guest = unpack_public_id(packed).ok_or(DeepLinkRejection::Malformed)?;
        let expires_at = Utc.timestamp_opt(i64::from(expires), 0).single().ok_or(DeepLinkRejection::Malformed)?;
        if chain <= 0 {
            return Err(DeepLinkRejection::Malformed);
        }
        if now >= expires_at {
            return Err(DeepLinkRejection::Expired);
        }
        Ok(DeepLinkClaims { chain: ChainId(chain), guest, expires_at })
    }
}

fn mac(key: &SecretKey, body: &[u8]) -> HmacSha256 {
    let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(key.bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(DOMAIN);
    mac.update(body);
    mac
}

fn pack_public_id(id: &GuestPublicId) -> u64 {
    id.as_str().bytes().fold(0u64, |acc, b| {
        let digit = CROCKFORD.iter().position(|&c| c == b).unwrap_or(0) as u64;
        (acc << 5) | digit
    })
}

fn unpack_public_id(packed: u64) -> Option<GuestPublicId> {
    if packed >> (5 * GuestPublicId::LEN) != 0 {
        return None;
    }
    let text: String = (0..GuestPublicId::LEN)
        .rev()
        .map(|i| char::from(CROCKFORD[usize::try_from((packed >> (5 * i)) & 31).unwrap_or(0)]))
        .collect();
    GuestPublicId::parse(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> DeepLinkSigner {
        DeepLinkSigner::new(SecretKey::from_bytes([7; 32]))
    }

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn tokens_fit_telegram_and_round_trip() {
        let guest = GuestPublicId::random();
        let token = signer().sign(ChainId(42), &guest, now()).unwrap();
        let text = token.as_str();
        assert!(text.len() <= TELEGRAM_START_MAX, "{} chars", text.len());
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
        let claims = signer().verify(text, now() + Duration::minutes(9)).unwrap();
        assert_eq!(claims, DeepLinkClaims { chain: ChainId(42), guest, expires_at: now() + DEFAULT_TTL });
    }

    proptest::proptest! {
        #[test]
        fn any_chain_and_guest_round_trip(chain in 1i64..=i64::MAX, id in "[0-9A-HJKMNP-TV-Z]{12}") {
            let guest = GuestPublicId::parse(&id).unwrap();
            let token = signer().sign(ChainId(chain), &guest, now()).unwrap();
            proptest::prop_assert!(token.as_str().len() <= TELEGRAM_START_MAX);
            let claims = signer().verify(token.as_str(), now()).unwrap();
            proptest::prop_assert_eq!((claims.chain, claims.guest), (ChainId(chain), guest));
        }

        #[test]
        fn arbitrary_payloads_are_refused_without_panicking(text in "[A-Za-z0-9_-]{0,64}") {
            proptest::prop_assert!(signer().verify(&text, now()).is_err());
        }
    }

    #[test]
    fn public_ids_pack_into_60_bits() {
        for _ in 0..100 {
            let id = GuestPublicId::random();
            assert_eq!(unpack_public_id(pack_public_id(&id)).unwrap(), id);
        }
        assert!(unpack_public_id(u64::MAX).is_none());
    }

    #[test]
    fn forged_altered_and_expired_tokens_are_refused() {
        let s = signer();
        let token = s.sign(ChainId(42), &GuestPublicId::random(), now()).unwrap().0;
        assert_eq!(s.verify(&token, now() + DEFAULT_TTL), Err(DeepLinkRejection::Expired));

        // Another key's token: forged.
        let other = DeepLinkSigner::new(SecretKey::from_bytes([8; 32]));
        let forged = other.sign(ChainId(42), &GuestPublicId::random(), now()).unwrap().0;
        assert_eq!(s.verify(&forged, now()), Err(DeepLinkRejection::BadSignature));

        // Every single-character change is caught (altered guest, chain, expiry or tag).
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for i in TOKEN_PREFIX.len()..token.len() {
            let mut altered = token.clone().into_bytes();
            altered[i] = *alphabet.iter().find(|&&c| c != altered[i]).unwrap();
            let altered = String::from_utf8(altered).unwrap();
            assert!(
                matches!(
                    s.verify(&altered, now()),
                    Err(DeepLinkRejection::BadSignature | DeepLinkRejection::Malformed)
                ),
                "position {i}"
            );
        }
        for junk in ["", "st1_", "ref_ABC", &token[..token.len() - 1], &format!("{token}A"), "st1_!!!!"] {
            assert_eq!(s.verify(junk, now()), Err(DeepLinkRejection::Malformed), "{junk}");
        }
    }

    #[test]
    fn rotated_keys_still_verify_their_tokens() {
        let old = DeepLinkSigner::new(SecretKey::from_bytes([1; 32]));
        let token = old.sign(ChainId(1), &GuestPublicId::random(), now()).unwrap();
        let new = DeepLinkSigner::new(SecretKey::from_bytes([2; 32]));
        assert_eq!(new.verify(token.as_str(), now()), Err(DeepLinkRejection::BadSignature));
        let new = new.with_previous_keys([SecretKey::from_bytes([1; 32])]);
        assert!(new.verify(token.as_str(), now()).is_ok());
        assert!(!format!("{new:?}").contains("[1, 1"));
    }
}
