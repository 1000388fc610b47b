//! Security events at the till: wrong, stale or replayed codes, forged deep links, and lookups
//! by people who may not do them. The owner portal shows them; the rate limit counts them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::identity::TerminalId;
use crate::ids::{GuestId, StaffId};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SecurityEventKind {
    /// A code matched no guest (typed, or scanned for a known card).
    WrongCode,
    /// A code from an older step: a stale screen, or a photo of one.
    ExpiredCode,
    /// A code whose step was already accepted: a replay or a photographed screen.
    ReplayedCode,
    /// A scanned card whose public id is not a guest of the chain.
    UnknownCard,
    /// Typed code shared by several guests, and the extra detail matched none of them.
    DetailMismatch,
    /// A deep-link token whose signature did not verify.
    ForgedDeepLink,
    /// Someone who is not staff of the chain tried a staff lookup.
    NotStaff,
    /// A staff member whose role or cafe does not allow the lookup tried it.
    NotAllowed,
}

impl SecurityEventKind {
    /// The dotted kind for the event log, e.g. `till.wrong_code`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WrongCode => "till.wrong_code",
            Self::ExpiredCode => "till.expired_code",
            Self::ReplayedCode => "till.replayed_code",
            Self::UnknownCard => "till.unknown_card",
            Self::DetailMismatch => "till.detail_mismatch",
            Self::ForgedDeepLink => "till.forged_deep_link",
            Self::NotStaff => "till.not_staff",
            Self::NotAllowed => "till.not_allowed",
        }
    }

    /// Parses [`SecurityEventKind::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Every kind.
    pub const ALL: [Self; 8] = [
        Self::WrongCode,
        Self::ExpiredCode,
        Self::ReplayedCode,
        Self::UnknownCard,
        Self::DetailMismatch,
        Self::ForgedDeepLink,
        Self::NotStaff,
        Self::NotAllowed,
    ];

    /// Whether the event is a failed code attempt that counts toward the lock.
    #[must_use]
    pub fn counts_toward_lock(self) -> bool {
        matches!(
            self,
            Self::WrongCode | Self::ExpiredCode | Self::ReplayedCode | Self::UnknownCard | Self::DetailMismatch
        )
    }
}

/// One security event. Never carries a code, a secret or a token: only who, where and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEvent {
    /// What happened.
    pub kind: SecurityEventKind,
    /// The staff member involved, when known.
    pub staff: Option<StaffId>,
    /// The terminal it came from, when known.
    pub terminal: Option<TerminalId>,
    /// The guest concerned, when known.
    pub guest: Option<GuestId>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in SecurityEventKind::ALL {
            assert_eq!(SecurityEventKind::parse(k.as_str()), Some(k));
        }
        assert!(SecurityEventKind::WrongCode.counts_toward_lock());
        assert!(!SecurityEventKind::NotStaff.counts_toward_lock());
    }
}
