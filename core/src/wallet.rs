//! Wallets: a guest's standing in one program scope.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CafeId, ChainId, GuestId, ProgramId, WalletId};

/// Which wallet: a guest in a program, at one cafe for per-cafe programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WalletScope {
    /// The guest.
    pub guest_id: GuestId,
    /// The program.
    pub program_id: ProgramId,
    /// The cafe, for per-cafe programs; `None` for chain-wide ones.
    pub cafe_id: Option<CafeId>,
}

/// Balances of a wallet at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balances {
    /// Spendable points.
    pub points: i64,
    /// Stamps on the current card.
    pub stamps: i64,
    /// Points ever earned (net of refunds); tiers qualify on this, not on the balance.
    pub lifetime_points: i64,
}

/// A guest's wallet. The ledger is the truth; these balances are a cache the ledger
/// transaction keeps in step, and the conformance suite checks they agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wallet {
    /// Storage identifier.
    pub id: WalletId,
    /// Owning chain.
    pub chain_id: ChainId,
    /// Which guest, program and cafe.
    #[serde(flatten)]
    pub scope: WalletScope,
    /// Current balances.
    pub balances: Balances,
    /// Current tier name, when the program has tiers.
    pub tier: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}
