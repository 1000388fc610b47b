//! Guests and their messenger identities.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CafeId, ChainId, GuestId};
use crate::{Error, Result};

/// Which messenger (or other channel) an identity belongs to: `telegram`, `whatsapp`, `viber`,
/// or whatever a third-party channel calls itself (lower-case ASCII, digits, `-`, `_`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChannelKind(String);

impl ChannelKind {
    /// Validates a channel name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `channel`.
    pub fn new(name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        let ok = !name.is_empty()
            && name.len() <= 32
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(name))
        } else {
            Err(Error::invalid("channel", format!("`{name}` is not a valid channel name")))
        }
    }

    /// The name as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ChannelKind {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl From<ChannelKind> for String {
    fn from(k: ChannelKind) -> Self {
        k.0
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A guest's account on one messenger: the channel plus the id that messenger uses for them
/// (a Telegram user id, a WhatsApp `wa_id`, a Viber user id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChannelIdentity {
    /// The messenger.
    pub channel: ChannelKind,
    /// The messenger's id for the person.
    pub external_id: String,
}

impl ChannelIdentity {
    /// Builds an identity, checking both parts.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `channel` or `external_id`.
    pub fn new(channel: &str, external_id: impl Into<String>) -> Result<Self> {
        let external_id = external_id.into();
        if external_id.is_empty() || external_id.len() > 128 {
            return Err(Error::invalid("external_id", "must be 1-128 characters"));
        }
        Ok(Self { channel: ChannelKind::new(channel)?, external_id })
    }
}

/// The id a guest shows at the till (inside the card QR): random, unguessable, and unrelated
/// to storage ids, so it leaks neither the number of guests nor their order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GuestPublicId(String);

/// Crockford's base32 alphabet: no I, L, O or U, so nothing is misread from a screen.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl GuestPublicId {
    /// Length of a public id: 12 base32 characters = 60 random bits.
    pub const LEN: usize = 12;

    /// A fresh random id.
    #[must_use]
    pub fn random() -> Self {
        Self(random_base32(Self::LEN))
    }

    /// Parses an id read from a QR code or typed in.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `public_id`.
    pub fn parse(s: &str) -> Result<Self> {
        let upper = s.to_ascii_uppercase();
        if upper.len() == Self::LEN && upper.bytes().all(|b| CROCKFORD.contains(&b)) {
            Ok(Self(upper))
        } else {
            Err(Error::invalid("public_id", "not a guest id"))
        }
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for GuestPublicId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<GuestPublicId> for String {
    fn from(id: GuestPublicId) -> Self {
        id.0
    }
}

impl fmt::Display for GuestPublicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `len` random characters of Crockford base32.
#[must_use]
pub fn random_base32(len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(CROCKFORD[rng.random_range(0..32)])).collect()
}

/// What a guest agreed to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// Promotions and broadcasts may be sent.
    pub marketing: bool,
}

/// A guest: one person, possibly known on several messengers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guest {
    /// Storage identifier.
    pub id: GuestId,
    /// Owning chain.
    pub chain_id: ChainId,
    /// What the card QR carries.
    pub public_id: GuestPublicId,
    /// Name as the messenger reported it, if any.
    pub display_name: Option<String>,
    /// Phone number in E.164 (`+381...`), when shared.
    pub phone: Option<String>,
    /// True when a messenger vouched for the phone number (contact share, WhatsApp).
    pub phone_verified: bool,
    /// Chosen language (BCP 47), if the guest picked one.
    pub language: Option<String>,
    /// Birthday, for the birthday campaign.
    pub birthday: Option<NaiveDate>,
    /// The guest's personal referral code.
    pub referral_code: String,
    /// Consent flags.
    pub consent: Consent,
    /// The cafe the guest picked as theirs (per-cafe cards show that cafe's wallet).
    pub home_cafe: Option<CafeId>,
    /// The guest whose referral link brought this one, if any.
    pub referred_by: Option<GuestId>,
    /// When the guest joined.
    pub created_at: DateTime<Utc>,
    /// Messenger identities, oldest first.
    pub identities: Vec<ChannelIdentity>,
    /// When their personal data was erased at their request (GDPR); `None` for everyone
    /// else. An erased guest has no name, phone, birthday or identities; their wallets,
    /// ledger and purchases stay, anonymised.
    #[serde(default)]
    pub erased_at: Option<DateTime<Utc>>,
}

/// A display name as it is searched: Unicode lowercase, so `МИЛА` finds `Милица`.
#[must_use]
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// What is needed to create a [`Guest`]; ids and codes are generated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewGuest {
    /// See [`Guest::display_name`].
    pub display_name: Option<String>,
    /// See [`Guest::phone`].
    pub phone: Option<String>,
    /// See [`Guest::phone_verified`].
    pub phone_verified: bool,
    /// See [`Guest::language`].
    pub language: Option<String>,
    /// See [`Guest::birthday`].
    pub birthday: Option<NaiveDate>,
    /// See [`Guest::consent`].
    pub consent: Consent,
    /// See [`Guest::home_cafe`].
    pub home_cafe: Option<CafeId>,
    /// See [`Guest::referred_by`].
    pub referred_by: Option<GuestId>,
    /// The identity the guest arrived with, if any.
    pub identity: Option<ChannelIdentity>,
}

impl NewGuest {
    /// Checks the fields.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `phone` when it is not E.164.
    pub fn validate(&self) -> Result<()> {
        if let Some(phone) = &self.phone {
            validate_e164(phone)?;
        }
        Ok(())
    }
}

/// Changes to a guest's profile: each `Some` field is set, each `None` field is left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestUpdate {
    /// A new language (BCP 47).
    pub language: Option<String>,
    /// A new phone number (E.164) and whether a messenger vouched for it.
    pub phone: Option<(String, bool)>,
    /// A new home cafe (of the guest's chain).
    pub home_cafe: Option<CafeId>,
}

impl GuestUpdate {
    /// Whether it changes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.language.is_none() && self.phone.is_none() && self.home_cafe.is_none()
    }

    /// Checks the fields.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `phone` when it is not E.164, or `language` when it is
    /// empty or longer than 35 characters.
    pub fn validate(&self) -> Result<()> {
        if let Some((phone, _)) = &self.phone {
            validate_e164(phone)?;
        }
        if let Some(language) = &self.language
            && (language.is_empty() || language.len() > 35)
        {
            return Err(Error::invalid("language", "must be a language tag such as `en` or `sr-Latn`"));
        }
        Ok(())
    }
}

/// Checks an E.164 phone number: `+` then 8-15 digits.
///
/// # Errors
/// [`Error::InvalidInput`] naming `phone`.
pub fn validate_e164(phone: &str) -> Result<()> {
    let digits = phone.strip_prefix('+').unwrap_or("");
    if (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::invalid("phone", "use international format, e.g. +381601234567"))
    }
}

/// A phone number as messengers send it (`381601234567`, `+381 60 123-4567`, `00381…`) in
/// E.164, or `None` when it is not an international number. A national number (`060…`, from
/// someone's address book) has no country code to add, and no country code starts with 0.
#[must_use]
pub fn normalize_phone(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (plus, rest) = match raw.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    if !rest.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.')) {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let digits = match digits.strip_prefix("00") {
        Some(international) if !plus => international.to_owned(),
        _ => digits,
    };
    if digits.starts_with('0') {
        return None;
    }
    let phone = format!("+{digits}");
    validate_e164(&phone).ok().map(|()| phone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalized_to_e164_as_messengers_send_them() {
        assert_eq!(normalize_phone("381601234567").as_deref(), Some("+381601234567"));
        assert_eq!(normalize_phone("+381601234567").as_deref(), Some("+381601234567"));
        assert_eq!(normalize_phone(" +381 60 123-4567 ").as_deref(), Some("+381601234567"));
        assert_eq!(normalize_phone("+381 60 123-4567").as_deref(), Some("+381601234567"));
        assert_eq!(normalize_phone("+1 (940) 555-1234").as_deref(), Some("+19405551234"));
        assert_eq!(normalize_phone("00381601234567").as_deref(), Some("+381601234567"));
        assert_eq!(normalize_phone("0601234567"), None, "a national number");
        assert_eq!(normalize_phone("1234"), None);
        assert_eq!(normalize_phone("+38160abc"), None);
        assert_eq!(normalize_phone("++381601234567"), None);
    }

    #[test]
    fn public_ids_are_random_and_parse_back() {
        let a = GuestPublicId::random();
        let b = GuestPublicId::random();
        assert_ne!(a, b);
        assert_eq!(GuestPublicId::parse(&a.as_str().to_lowercase()).unwrap(), a);
        assert!(GuestPublicId::parse("ILOU00000000").is_err());
        assert!(GuestPublicId::parse("SHORT").is_err());
    }

    #[test]
    fn channel_kinds_are_checked() {
        assert!(ChannelKind::new("telegram").is_ok());
        assert!(ChannelKind::new("Tele gram").is_err());
        assert!(ChannelIdentity::new("telegram", "").is_err());
    }

    #[test]
    fn phones_are_e164() {
        assert!(validate_e164("+381601234567").is_ok());
        assert!(validate_e164("0601234567").is_err());
        assert!(validate_e164("+38160-123").is_err());
    }
}
