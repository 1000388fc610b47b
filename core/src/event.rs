//! The event log: everything that changes state writes an event, which the portal's event log
//! and analytics read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CafeId, ChainId, EventId, StaffId};
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
    /// The cafe it happened at or is about, when there is one ([`cafe_of`]).
    pub cafe_id: Option<CafeId>,
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
    /// At one of these cafes only ([`Event::cafe_id`]); an empty list matches nothing.
    pub cafes: Option<Vec<CafeId>>,
    /// Done by or about this staff member only ([`staff_of`]).
    pub staff: Option<StaffId>,
    /// Newest first (the cursor then pages back in time), rather than oldest first.
    pub newest_first: bool,
}

/// The cafe an event is about: its subject's (`cafe:3`), else its payload's `cafe` (or an
/// audit record's `details.cafe`), when that is a cafe id.
#[must_use]
pub fn cafe_of(subject: &str, payload: &serde_json::Value) -> Option<CafeId> {
    if let Some(id) = subject.strip_prefix("cafe:") {
        return id.parse().ok().map(CafeId);
    }
    let id = |v: &serde_json::Value| v.get("cafe").or_else(|| v.get("cafe_id")).and_then(serde_json::Value::as_i64);
    id(payload).or_else(|| payload.get("details").and_then(id)).map(CafeId)
}

/// The staff member an event is by or about: its subject's (`staff:7`), else its payload's
/// `by` (who made an admin change) or `staff` (whose shift, whose token), when that is an id.
#[must_use]
pub fn staff_of(subject: &str, payload: &serde_json::Value) -> Option<StaffId> {
    if let Some(id) = subject.strip_prefix("staff:") {
        return id.parse().ok().map(StaffId);
    }
    payload.get("by").or_else(|| payload.get("staff")).and_then(serde_json::Value::as_i64).map(StaffId)
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

    #[test]
    fn an_event_is_at_its_subjects_or_payloads_cafe() {
        let none = serde_json::json!({});
        assert_eq!(cafe_of("cafe:3", &none), Some(CafeId(3)));
        assert_eq!(cafe_of("shift:9", &serde_json::json!({ "staff": 1, "cafe": 4 })), Some(CafeId(4)));
        assert_eq!(cafe_of("staff:2", &serde_json::json!({ "details": { "cafe": 5 } })), Some(CafeId(5)));
        assert_eq!(cafe_of("guest:1", &serde_json::json!({ "cafe": null })), None);
        assert_eq!(cafe_of("cafe:x", &none), None);
        assert_eq!(staff_of("staff:7", &none), Some(StaffId(7)));
        assert_eq!(staff_of("shift:9", &serde_json::json!({ "staff": 1, "cafe": 4 })), Some(StaffId(1)));
        assert_eq!(staff_of("guest:1", &serde_json::json!({ "by": 3, "via": "session:1" })), Some(StaffId(3)));
        assert_eq!(staff_of("purchase:1", &serde_json::json!({ "cafe": 2 })), None);
    }
}
