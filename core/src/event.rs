//! The event log: everything that changes state writes an event, which the portal's event log
//! and analytics read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ChainId, EventId};
use crate::{Error, Result};

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Storage identifier; increases with time within a store.
    pub id: EventId,
    /// Owning chain.
    pub chain_id: ChainId,
    /// Dotted kind, e.g. `ledger.earn`, `guest.joined`, `shift.closed`.
    pub kind: String,
    /// What it is about, e.g. `guest:42`.
    pub subject: String,
    /// Details, shaped by the kind.
    pub payload: serde_json::Value,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

/// Which events to read: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// A kind (`ledger.earn`), or a family of kinds ending in `.` (`audit.`).
    pub kind: Option<String>,
    /// The subject, e.g. `guest:42` or `cafe:3`.
    pub subject: Option<String>,
    /// At or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Before this time.
    pub until: Option<DateTime<Utc>>,
}

impl EventFilter {
    /// Checks what a person typed: kinds and subjects are short words of `a-z`, `0-9`, `_`,
    /// `.`, `:` and `-`, so a kind family can be matched as a prefix without escaping.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `kind`, `subject` or `until`.
    pub fn validate(&self) -> Result<()> {
        let word = |s: &str| {
            !s.is_empty()
                && s.len() <= 100
                && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.:-".contains(&b))
        };
        if self.kind.as_deref().is_some_and(|k| !word(k)) {
            return Err(Error::invalid("kind", "use a kind such as `ledger.earn`, or a family such as `audit.`"));
        }
        if self.subject.as_deref().is_some_and(|s| !word(s)) {
            return Err(Error::invalid("subject", "use a subject such as `guest:42`"));
        }
        if let (Some(since), Some(until)) = (self.since, self.until)
            && until < since
        {
            return Err(Error::invalid("until", "must not be before `since`"));
        }
        Ok(())
    }

    /// The kind as an SQL `LIKE` pattern, when it names a family (`audit.` -> `audit.%`).
    #[must_use]
    pub fn kind_prefix(&self) -> Option<String> {
        self.kind.as_deref().filter(|k| k.ends_with('.')).map(|k| format!("{k}%"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked_and_families_are_prefixes() {
        let family = EventFilter { kind: Some("audit.".into()), ..EventFilter::default() };
        assert_eq!(family.kind_prefix().as_deref(), Some("audit.%"));
        assert!(family.validate().is_ok());
        let exact = EventFilter { kind: Some("ledger.earn".into()), ..EventFilter::default() };
        assert_eq!(exact.kind_prefix(), None);
        let wild = EventFilter { kind: Some("a%".into()), ..EventFilter::default() };
        assert!(matches!(wild.validate(), Err(Error::InvalidInput { ref field, .. }) if field == "kind"));
        let now = Utc::now();
        let backwards =
            EventFilter { since: Some(now), until: Some(now - chrono::Duration::hours(1)), ..EventFilter::default() };
        assert!(matches!(backwards.validate(), Err(Error::InvalidInput { ref field, .. }) if field == "until"));
    }
}
