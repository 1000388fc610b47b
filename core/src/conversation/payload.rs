//! Button payloads and deep-link payloads.
//!
//! Button payloads are versioned, compact and within [`MAX_PAYLOAD_LEN`] bytes of
//! `A-Za-z0-9_:.-`: `v1:<what>[:<arg>...]`. A payload that does not parse (a button from an
//! older version of the bot, or one forged by hand) is [`None`] and gets a helpful answer,
//! never silence.
//!
//! Deep-link payloads (Telegram's `/start <payload>`) are told apart by prefix: `ref_` then a
//! guest's referral code, or a staff token (`st1_`, see
//! [`deep_link`](crate::identity::deep_link)).

use crate::channel::MAX_PAYLOAD_LEN;
use crate::identity::deep_link::TOKEN_PREFIX;
use crate::ids::{CafeId, ProgramId};

/// The version every payload this bot writes starts with.
const VERSION: &str = "v1";

/// Prefix of a referral deep-link payload.
pub const REFERRAL_PREFIX: &str = "ref_";

/// What a button asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Payload {
    /// Show the language picker.
    Languages,
    /// Use this language.
    Language(String),
    /// This is my home cafe (onboarding or later).
    Cafe(CafeId),
    /// No home cafe (skip the question).
    NoCafe,
    /// Do not share a phone number.
    SkipPhone,
    /// Show (or refresh) my card.
    Card,
    /// The main menu.
    Menu,
    /// History page (1-based).
    History(u32),
    /// Promotions.
    Promotions,
    /// The cafes list.
    Cafes,
    /// The location pin of a cafe.
    Pin(CafeId),
    /// My referral link.
    Invite,
    /// Help.
    Help,
    /// Staff: earn by amount for the open guest (asks the amount).
    StaffAmount,
    /// Staff: count a visit for the open guest.
    StaffVisit,
    /// Staff: list the rewards the open guest can have.
    StaffRedeem,
    /// Staff: redeem the reward at this index of this program's rules.
    StaffReward(ProgramId, u32),
    /// Staff: confirm the pending action with this nonce.
    StaffConfirm(u64),
    /// Staff: cancel the pending action with this nonce.
    StaffCancel(u64),
    /// Staff: open a shift at this cafe.
    ShiftOpen(CafeId),
    /// Staff: close the open shift.
    ShiftClose,
    /// Leave staff mode.
    StaffExit,
}

impl Payload {
    /// The payload text for a button.
    #[must_use]
    pub fn encode(&self) -> String {
        let body = match self {
            Self::Languages => "lang".to_owned(),
            Self::Language(tag) => format!("lang:{tag}"),
            Self::Cafe(id) => format!("cafe:{id}"),
            Self::NoCafe => "cafe:none".to_owned(),
            Self::SkipPhone => "phone:skip".to_owned(),
            Self::Card => "card".to_owned(),
            Self::Menu => "menu".to_owned(),
            Self::History(page) => format!("hist:{page}"),
            Self::Promotions => "promo".to_owned(),
            Self::Cafes => "cafes".to_owned(),
            Self::Pin(id) => format!("pin:{id}"),
            Self::Invite => "invite".to_owned(),
            Self::Help => "help".to_owned(),
            Self::StaffAmount => "st:amt".to_owned(),
            Self::StaffVisit => "st:visit".to_owned(),
            Self::StaffRedeem => "st:rdm".to_owned(),
            Self::StaffReward(program, index) => format!("st:rw:{program}:{index}"),
            Self::StaffConfirm(nonce) => format!("st:ok:{nonce}"),
            Self::StaffCancel(nonce) => format!("st:no:{nonce}"),
            Self::ShiftOpen(cafe) => format!("shift:open:{cafe}"),
            Self::ShiftClose => "shift:close".to_owned(),
            Self::StaffExit => "st:exit".to_owned(),
        };
        format!("{VERSION}:{body}")
    }

    /// Parses a payload this bot wrote; `None` for anything else (stale, foreign, forged).
    #[must_use]
    pub fn decode(payload: &str) -> Option<Self> {
        if payload.len() > MAX_PAYLOAD_LEN || !payload.bytes().all(is_payload_byte) {
            return None;
        }
        let mut parts = payload.split(':');
        if parts.next()? != VERSION {
            return None;
        }
        let what = parts.next()?;
        let args: Vec<&str> = parts.collect();
        let parsed = match (what, args.as_slice()) {
            ("lang", []) => Self::Languages,
            ("lang", [tag]) if !tag.is_empty() => Self::Language((*tag).to_owned()),
            ("cafe", ["none"]) => Self::NoCafe,
            ("cafe", [id]) => Self::Cafe(CafeId(id.parse().ok()?)),
            ("phone", ["skip"]) => Self::SkipPhone,
            ("card", []) => Self::Card,
            ("menu", []) => Self::Menu,
            ("hist", [page]) => Self::History(page.parse().ok().filter(|p| *p > 0)?),
            ("promo", []) => Self::Promotions,
            ("cafes", []) => Self::Cafes,
            ("pin", [id]) => Self::Pin(CafeId(id.parse().ok()?)),
            ("invite", []) => Self::Invite,
            ("help", []) => Self::Help,
            ("st", ["amt"]) => Self::StaffAmount,
            ("st", ["visit"]) => Self::StaffVisit,
            ("st", ["rdm"]) => Self::StaffRedeem,
            ("st", ["rw", program, index]) => Self::StaffReward(ProgramId(program.parse().ok()?), index.parse().ok()?),
            ("st", ["ok", nonce]) => Self::StaffConfirm(nonce.parse().ok()?),
            ("st", ["no", nonce]) => Self::StaffCancel(nonce.parse().ok()?),
            ("st", ["exit"]) => Self::StaffExit,
            ("shift", ["open", cafe]) => Self::ShiftOpen(CafeId(cafe.parse().ok()?)),
            ("shift", ["close"]) => Self::ShiftClose,
            _ => return None,
        };
        Some(parsed)
    }
}

fn is_payload_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'-')
}

/// What a deep link (`/start <payload>`) carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeepLink {
    /// A friend's referral code.
    Referral(String),
    /// A staff token opening a guest in staff mode.
    Staff(String),
    /// Something else (an ad campaign tag, a typo): treated as a plain start.
    Other,
}

impl DeepLink {
    /// Tells a deep-link payload apart by its prefix.
    #[must_use]
    pub fn parse(payload: &str) -> Self {
        let payload = payload.trim();
        if payload.starts_with(TOKEN_PREFIX) {
            Self::Staff(payload.to_owned())
        } else if let Some(code) = payload.strip_prefix(REFERRAL_PREFIX).filter(|c| !c.is_empty() && c.len() <= 32) {
            Self::Referral(code.to_owned())
        } else {
            Self::Other
        }
    }

    /// The deep-link payload inviting friends with `referral_code`.
    #[must_use]
    pub fn referral_payload(referral_code: &str) -> String {
        format!("{REFERRAL_PREFIX}{referral_code}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_payload_round_trips_within_the_limits() {
        let all = [
            Payload::Languages,
            Payload::Language("sr-Latn".into()),
            Payload::Cafe(CafeId(12)),
            Payload::NoCafe,
            Payload::SkipPhone,
            Payload::Card,
            Payload::Menu,
            Payload::History(2),
            Payload::Promotions,
            Payload::Cafes,
            Payload::Pin(CafeId(3)),
            Payload::Invite,
            Payload::Help,
            Payload::StaffAmount,
            Payload::StaffVisit,
            Payload::StaffRedeem,
            Payload::StaffReward(ProgramId(i64::MAX), u32::MAX),
            Payload::StaffConfirm(u64::MAX),
            Payload::StaffCancel(7),
            Payload::ShiftOpen(CafeId(i64::MAX)),
            Payload::ShiftClose,
            Payload::StaffExit,
        ];
        for payload in all {
            let text = payload.encode();
            assert!(text.len() <= MAX_PAYLOAD_LEN && text.bytes().all(is_payload_byte), "{text}");
            assert_eq!(Payload::decode(&text), Some(payload), "{text}");
        }
        assert_eq!(Payload::encode(&Payload::Language("ru".into())), "v1:lang:ru");
        assert_eq!(Payload::encode(&Payload::History(2)), "v1:hist:2");
    }

    #[test]
    fn stale_and_foreign_payloads_are_none() {
        for text in ["", "v0:card", "v2:card", "v1:nope", "v1:hist:0", "v1:hist:x", "v1:cafe:", "v1:card:1", "v1:ca fe"]
        {
            assert_eq!(Payload::decode(text), None, "{text}");
        }
        assert_eq!(Payload::decode(&format!("v1:lang:{}", "x".repeat(70))), None);
    }

    #[test]
    fn deep_links_are_told_apart_by_prefix() {
        assert_eq!(DeepLink::parse("ref_ABCD1234"), DeepLink::Referral("ABCD1234".into()));
        assert_eq!(DeepLink::parse("st1_xyz"), DeepLink::Staff("st1_xyz".into()));
        assert_eq!(DeepLink::parse("ref_"), DeepLink::Other);
        assert_eq!(DeepLink::parse("promo-autumn"), DeepLink::Other);
        assert_eq!(DeepLink::referral_payload("ABCD1234"), "ref_ABCD1234");
    }
}
