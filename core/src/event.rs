//! The event log: everything that changes state writes an event, which the portal's event log
//! and analytics read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ChainId, EventId};

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
