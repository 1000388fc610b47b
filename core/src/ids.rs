//! Typed identifiers, so a guest id can never be passed where a cafe id is expected.
//!
//! Storage assigns them (64-bit, increasing). They are internal: what a guest shows at the
//! till is their [`GuestPublicId`](crate::guest::GuestPublicId), never these.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $entity:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The entity name used in error messages.
            pub const ENTITY: &'static str = $entity;

            /// The raw value, for storage and URLs.
            #[must_use]
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::Error;
            fn from_str(s: &str) -> crate::Result<Self> {
                s.parse::<i64>()
                    .ok()
                    .filter(|v| *v > 0)
                    .map(Self)
                    .ok_or_else(|| crate::Error::invalid($entity, format!("`{s}` is not a valid {} id", $entity)))
            }
        }
    };
}

id_type!(
    /// A chain (tenant): one brand with one or more cafes.
    ChainId, "chain");
id_type!(
    /// A cafe: one location of a chain.
    CafeId, "cafe");
id_type!(
    /// A loyalty program of a chain.
    ProgramId, "program");
id_type!(
    /// A guest: one person, possibly on several messengers.
    GuestId, "guest");
id_type!(
    /// A wallet: a guest's balance in one program scope.
    WalletId, "wallet");
id_type!(
    /// One append-only ledger entry.
    LedgerEntryId, "ledger entry");
id_type!(
    /// A purchase reported by a POS.
    PurchaseId, "purchase");
id_type!(
    /// A staff member of a chain.
    StaffId, "staff member");
id_type!(
    /// A staff member's shift at one cafe.
    ShiftId, "shift");
id_type!(
    /// An entry of the event log.
    EventId, "event");
id_type!(
    /// A login: a name and a password, shared by a person's staff records in every chain.
    AccountId, "account");
id_type!(
    /// A till tablet paired to one cafe, where baristas sign in with a PIN.
    TerminalId, "terminal");
id_type!(
    /// A signed-in session (a browser's cookie, a terminal's PIN sign-in).
    SessionId, "session");
id_type!(
    /// An integrator's API token.
    ApiTokenId, "API token");
