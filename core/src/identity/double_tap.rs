//! The double-tap guard: the same staff member doing the same action for the same guest within
//! [`DOUBLE_TAP_WINDOW`] counts once.
//!
//! The claim lives in the database ([`IdentityRepo::claim_action`]) because two taps may reach
//! two server processes; [`decide`] is the rule every implementation applies, atomically.
//!
//! [`IdentityRepo::claim_action`]: crate::store::IdentityRepo::claim_action

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{GuestId, StaffId};
use crate::{Error, Result};

/// Taps closer than this count once.
pub const DOUBLE_TAP_WINDOW: Duration = Duration::seconds(3);

/// The name of a till action: `earn`, `redeem`, `stamp`, `open_guest`, ... (1-40 characters of
/// lower-case ASCII, digits, `_`, `.`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TillAction(String);

impl TillAction {
    /// Validates an action name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `action`.
    pub fn new(name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        let ok = !name.is_empty()
            && name.len() <= 40
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
        if ok { Ok(Self(name)) } else { Err(Error::invalid("action", format!("`{name}` is not a valid action name"))) }
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TillAction {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl From<TillAction> for String {
    fn from(a: TillAction) -> Self {
        a.0
    }
}

impl fmt::Display for TillAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tap to be counted: who, what, for whom, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionClaim {
    /// The staff member tapping.
    pub staff: StaffId,
    /// The action.
    pub action: TillAction,
    /// The guest it is for.
    pub guest: GuestId,
    /// When the tap happened.
    pub at: DateTime<Utc>,
}

/// Whether a tap counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The first tap: do the action.
    Counted,
    /// A repeat of the tap counted at `counted_at`: do nothing, show the first result.
    Repeat {
        /// When the tap that counted happened.
        counted_at: DateTime<Utc>,
    },
}

/// The rule: a tap counts unless the last *counted* tap for the same (staff, action, guest) is
/// less than `window` away. Measured from the counted tap, not the latest repeat, so a barista
/// hammering the button still gets a fresh count every `window`. Either direction counts as
/// near, since two processes' clocks may disagree by a little.
#[must_use]
pub fn decide(last_counted: Option<DateTime<Utc>>, at: DateTime<Utc>, window: Duration) -> ClaimOutcome {
    match last_counted {
        Some(counted_at) if (at - counted_at).abs() < window => ClaimOutcome::Repeat { counted_at },
        _ => ClaimOutcome::Counted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_within_three_seconds_count_once() {
        let t0 = Utc::now();
        assert_eq!(decide(None, t0, DOUBLE_TAP_WINDOW), ClaimOutcome::Counted);
        let near = t0 + Duration::milliseconds(2_999);
        assert_eq!(decide(Some(t0), near, DOUBLE_TAP_WINDOW), ClaimOutcome::Repeat { counted_at: t0 });
        assert_eq!(decide(Some(t0), t0 + DOUBLE_TAP_WINDOW, DOUBLE_TAP_WINDOW), ClaimOutcome::Counted);
        // A process whose clock runs behind still sees the other's tap as near.
        assert!(matches!(decide(Some(t0), t0 - Duration::seconds(1), DOUBLE_TAP_WINDOW), ClaimOutcome::Repeat { .. }));
        assert!(TillAction::new("earn").is_ok() && TillAction::new("Earn!").is_err());
    }
}
