//! Repository traits: the storage plugin point.
//!
//! Implemented once in `regulars-storage` for SQLite and PostgreSQL, and checked by the
//! storage conformance suite in `regulars-testkit`. Every method takes the [`ChainId`] it acts
//! in, and that scoping is part of every contract below: an id from another chain behaves
//! exactly like an id that does not exist ([`Error::NotFound`]), so one tenant can never read or
//! change another's data by guessing ids.
//!
//! All methods are safe to call concurrently from many tasks.

use async_trait::async_trait;

#[cfg(doc)]
use crate::Error;
use crate::Result;
use crate::chain::{Cafe, Chain, NewCafe, NewChain};
use crate::event::Event;
use crate::guest::{ChannelIdentity, Guest, NewGuest};
use crate::ids::{CafeId, ChainId, GuestId, ProgramId, PurchaseId, ShiftId, StaffId, WalletId};
use crate::ledger::{LedgerEntry, LedgerOutcome, NewLedgerEntry};
use crate::page::{Page, PageRequest};
use crate::program::{NewProgram, Program};
use crate::purchase::{NewPurchase, Purchase};
use crate::staff::{NewStaff, Shift, Staff};
use crate::wallet::{Wallet, WalletScope};

/// Chains (tenants).
#[async_trait]
pub trait ChainRepo: Send + Sync {
    /// Creates a chain.
    ///
    /// # Behaviour
    /// - Validates the input first ([`Error::InvalidInput`] naming the field).
    /// - A slug already in use gives [`Error::Conflict`].
    async fn create_chain(&self, new: NewChain) -> Result<Chain>;

    /// The chain with this id, or [`Error::NotFound`].
    async fn chain(&self, id: ChainId) -> Result<Chain>;

    /// The chain with this slug, or [`Error::NotFound`].
    async fn chain_by_slug(&self, slug: &str) -> Result<Chain>;

    /// Every chain, oldest first.
    async fn list_chains(&self) -> Result<Vec<Chain>>;
}

/// Cafes of a chain.
#[async_trait]
pub trait CafeRepo: Send + Sync {
    /// Creates a cafe in `chain`.
    ///
    /// # Behaviour
    /// - Validates the input ([`Error::InvalidInput`]); an unknown chain gives [`Error::NotFound`].
    async fn create_cafe(&self, chain: ChainId, new: NewCafe) -> Result<Cafe>;

    /// The cafe, or [`Error::NotFound`] (also when it belongs to another chain).
    async fn cafe(&self, chain: ChainId, id: CafeId) -> Result<Cafe>;

    /// The chain's cafes, oldest first.
    async fn list_cafes(&self, chain: ChainId) -> Result<Vec<Cafe>>;
}

/// Loyalty programs of a chain.
#[async_trait]
pub trait ProgramRepo: Send + Sync {
    /// Creates a program in `chain`.
    ///
    /// # Behaviour
    /// - Validates the program and its rules ([`Error::InvalidInput`] naming the field).
    async fn create_program(&self, chain: ChainId, new: NewProgram) -> Result<Program>;

    /// The program, or [`Error::NotFound`].
    async fn program(&self, chain: ChainId, id: ProgramId) -> Result<Program>;

    /// The chain's programs, oldest first.
    async fn list_programs(&self, chain: ChainId) -> Result<Vec<Program>>;
}

/// Guests of a chain.
#[async_trait]
pub trait GuestRepo: Send + Sync {
    /// Creates a guest with a fresh public id and referral code.
    ///
    /// # Behaviour
    /// - Validates the input ([`Error::InvalidInput`]).
    /// - When `new.identity` is already linked to a guest of the chain: [`Error::Conflict`].
    /// - Writes a `guest.joined` event in the same transaction.
    async fn create_guest(&self, chain: ChainId, new: NewGuest) -> Result<Guest>;

    /// The guest with its identities, or [`Error::NotFound`].
    async fn guest(&self, chain: ChainId, id: GuestId) -> Result<Guest>;

    /// The guest whose card shows `public_id`, or [`Error::NotFound`].
    async fn guest_by_public_id(&self, chain: ChainId, public_id: &str) -> Result<Guest>;

    /// The guest linked to `identity` in this chain, or [`Error::NotFound`].
    async fn guest_by_identity(&self, chain: ChainId, identity: &ChannelIdentity) -> Result<Guest>;

    /// Links another messenger identity to a guest.
    ///
    /// # Behaviour
    /// - Linking an identity the guest already has changes nothing and succeeds.
    /// - An identity linked to another guest of the chain gives [`Error::Conflict`].
    async fn link_identity(&self, chain: ChainId, guest: GuestId, identity: ChannelIdentity) -> Result<Guest>;

    /// Guests in creation order, a page at a time.
    ///
    /// # Behaviour
    /// - Walking the pages from the first visits every guest of the chain exactly once, and
    ///   no guest of another chain.
    async fn list_guests(&self, chain: ChainId, page: PageRequest) -> Result<Page<Guest>>;

    /// How many guests the chain has.
    async fn count_guests(&self, chain: ChainId) -> Result<u64>;
}

/// Wallets and the ledger.
#[async_trait]
pub trait LedgerRepo: Send + Sync {
    /// The wallet for `scope`, created empty on first use.
    ///
    /// # Behaviour
    /// - Idempotent: calling it again, even concurrently, returns the same wallet.
    /// - The guest and program must belong to the chain, else [`Error::NotFound`]; a per-cafe
    ///   program needs `scope.cafe_id` and a chain-wide one refuses it ([`Error::InvalidInput`]).
    async fn open_wallet(&self, chain: ChainId, scope: WalletScope) -> Result<Wallet>;

    /// The wallet, or [`Error::NotFound`].
    async fn wallet(&self, chain: ChainId, id: WalletId) -> Result<Wallet>;

    /// Every wallet of a guest.
    async fn wallets_of_guest(&self, chain: ChainId, guest: GuestId) -> Result<Vec<Wallet>>;

    /// Appends an entry and updates the wallet's balances in one transaction.
    ///
    /// # Behaviour
    /// - Validates the entry ([`Error::InvalidInput`]).
    /// - A key already used in the chain by the same request returns the first outcome with
    ///   `replayed: true` and changes nothing; used by a different request (other wallet, kind
    ///   or amounts): [`Error::Conflict`]. This holds under concurrency: of many concurrent
    ///   writes with one key exactly one is applied.
    /// - With [`Overdraft::Forbid`](crate::ledger::Overdraft::Forbid), a debit larger than the
    ///   balance gives [`Error::InsufficientBalance`] and writes nothing; concurrent debits
    ///   never overdraw.
    /// - Writes a `ledger.<kind>` event in the same transaction.
    /// - When it returns `Ok`, the write is durable.
    async fn post_entry(&self, chain: ChainId, entry: NewLedgerEntry) -> Result<LedgerOutcome>;

    /// A wallet's entries, newest first.
    async fn ledger_entries(&self, chain: ChainId, wallet: WalletId, page: PageRequest) -> Result<Page<LedgerEntry>>;
}

/// Purchases from POS sources.
#[async_trait]
pub trait PurchaseRepo: Send + Sync {
    /// Records a purchase once.
    ///
    /// # Behaviour
    /// - Validates it ([`Error::InvalidInput`]); the cafe (and guest, if given) must belong to
    ///   the chain ([`Error::NotFound`]).
    /// - The same `(source, external_id)` again returns the first record and `true`.
    async fn record_purchase(&self, chain: ChainId, new: NewPurchase) -> Result<(Purchase, bool)>;

    /// The purchase, or [`Error::NotFound`].
    async fn purchase(&self, chain: ChainId, id: PurchaseId) -> Result<Purchase>;
}

/// Staff and shifts.
#[async_trait]
pub trait StaffRepo: Send + Sync {
    /// Creates a staff member.
    ///
    /// # Behaviour
    /// - Every listed cafe must belong to the chain ([`Error::NotFound`]); an identity or
    ///   login already used by staff of the chain gives [`Error::Conflict`].
    async fn create_staff(&self, chain: ChainId, new: NewStaff) -> Result<Staff>;

    /// The staff member, or [`Error::NotFound`].
    async fn staff(&self, chain: ChainId, id: StaffId) -> Result<Staff>;

    /// The staff member with this messenger identity, or [`Error::NotFound`].
    async fn staff_by_identity(&self, chain: ChainId, identity: &ChannelIdentity) -> Result<Staff>;

    /// Opens a shift.
    ///
    /// # Behaviour
    /// - The staff member must work at the cafe ([`Error::Conflict`] otherwise) and have no
    ///   open shift ([`Error::Conflict`]).
    /// - Writes a `shift.opened` event.
    async fn open_shift(&self, chain: ChainId, staff: StaffId, cafe: CafeId) -> Result<Shift>;

    /// Closes an open shift ([`Error::Conflict`] when already closed); writes `shift.closed`.
    async fn close_shift(&self, chain: ChainId, shift: ShiftId) -> Result<Shift>;

    /// The staff member's open shift, if any.
    async fn open_shift_of(&self, chain: ChainId, staff: StaffId) -> Result<Option<Shift>>;
}

/// The event log.
#[async_trait]
pub trait EventRepo: Send + Sync {
    /// Events of the chain, oldest first, a page at a time.
    async fn events(&self, chain: ChainId, page: PageRequest) -> Result<Page<Event>>;
}

/// Everything the server needs from storage, usable as `Arc<dyn Store>`.
#[async_trait]
pub trait Store:
    ChainRepo + CafeRepo + ProgramRepo + GuestRepo + LedgerRepo + PurchaseRepo + StaffRepo + EventRepo
{
    /// Succeeds when the database answers a trivial query; [`Error::Unavailable`] otherwise.
    async fn ping(&self) -> Result<()>;

    /// `"sqlite"` or `"postgres"`, for logs and `/readyz`.
    fn backend_name(&self) -> &'static str;
}
