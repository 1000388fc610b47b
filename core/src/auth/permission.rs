//! What an API token may be allowed to do.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// One permission an API token can carry. A token never does more than its staff member's
/// role allows ([`super::policy`]); permissions narrow it further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Read the chain, its cafes and programs.
    #[serde(rename = "chain:read")]
    ChainRead,
    /// Create and change cafes, programs, tiers and rewards.
    #[serde(rename = "chain:write")]
    ChainWrite,
    /// Find guests and read their wallets, ledger and purchases (phones masked).
    #[serde(rename = "guests:read")]
    GuestsRead,
    /// Read guests' full phone numbers and export a guest's data.
    #[serde(rename = "guests:contact")]
    GuestsContact,
    /// Adjust balances and erase guests.
    #[serde(rename = "guests:write")]
    GuestsWrite,
    /// Read staff, shifts and terminals.
    #[serde(rename = "staff:read")]
    StaffRead,
    /// Create staff, set PINs, pair and unpair terminals.
    #[serde(rename = "staff:write")]
    StaffWrite,
    /// Read the event log.
    #[serde(rename = "events:read")]
    EventsRead,
    /// Read the figures: sales, revenue, points, visits, cohorts.
    #[serde(rename = "analytics:read")]
    AnalyticsRead,
}

impl Permission {
    /// Every permission, in order.
    pub const ALL: [Self; 9] = [
        Self::ChainRead,
        Self::ChainWrite,
        Self::GuestsRead,
        Self::GuestsContact,
        Self::GuestsWrite,
        Self::StaffRead,
        Self::StaffWrite,
        Self::EventsRead,
        Self::AnalyticsRead,
    ];

    /// The stable name (`guests:read`), as in JSON and storage.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChainRead => "chain:read",
            Self::ChainWrite => "chain:write",
            Self::GuestsRead => "guests:read",
            Self::GuestsContact => "guests:contact",
            Self::GuestsWrite => "guests:write",
            Self::StaffRead => "staff:read",
            Self::StaffWrite => "staff:write",
            Self::EventsRead => "events:read",
            Self::AnalyticsRead => "analytics:read",
        }
    }

    /// Parses [`Permission::as_str`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `permissions`, listing the known names.
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name).ok_or_else(|| {
            let known: Vec<&str> = Self::ALL.iter().map(|p| p.as_str()).collect();
            Error::invalid("permissions", format!("unknown permission `{name}`; use {}", known.join(", ")))
        })
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_json() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()).unwrap(), p);
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{p}\""));
        }
        assert!(Permission::parse("guests:all").is_err());
    }
}
