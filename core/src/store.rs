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
use chrono::{DateTime, Duration, Utc};

#[cfg(doc)]
use crate::Error;
use crate::Result;
use crate::analytics::{
    Balance, CohortCell, GuestVisits, HourIndex, HourlyStats, MonthIndex, RewardCodeCount, Scope, ScopeTotals,
    TierCount, VisitOrder,
};
use crate::auth::{Account, ApiToken, NewApiToken, NewSession, NewTerminal, SecretHash, Session, Terminal};
use crate::chain::{Cafe, CafeUpdate, Chain, NewCafe, NewChain};
use crate::channel::ReceiptStatus;
use crate::conversation::state::{ConversationState, StoredConversation};
use crate::event::{Event, EventFilter};
use crate::guest::{ChannelIdentity, Guest, GuestUpdate, NewGuest};
use crate::identity::double_tap::{ActionClaim, ClaimOutcome};
use crate::identity::rate_limit::AttemptSubject;
use crate::identity::secret::EncryptedSecret;
use crate::identity::security::SecurityEvent;
use crate::identity::totp::TimeStep;
use crate::ids::{
    AccountId, ApiTokenId, CafeId, ChainId, GuestId, ProgramId, PurchaseId, SessionId, ShiftId, StaffId, TerminalId,
    WalletId,
};
use crate::ledger::{LedgerEntry, LedgerOutcome, NewLedgerEntry};
use crate::notification::{ClaimScope, ClaimedMessage, Expired, NewNotification, OutboxMessage};
use crate::page::{Page, PageRequest};
use crate::pos::ingest::{IngestOutcome, PurchaseIngest, RefundIngest};
use crate::pos::redeem::{TillRedeem, TillRedemption};
use crate::program::{NewProgram, Program, ProgramUpdate};
use crate::purchase::{NewPurchase, Purchase, PurchaseFilter, PurchaseRecord};
use crate::rules::codes::{RewardCode, RewardCodeStatus};
use crate::staff::{NewStaff, Shift, Staff, StaffUpdate};
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

    /// The chain's cafes, oldest first, archived ones included.
    async fn list_cafes(&self, chain: ChainId) -> Result<Vec<Cafe>>;

    /// Changes a cafe as [`CafeUpdate::apply`] says, and answers it as it now is.
    ///
    /// # Behaviour
    /// - Validates the change ([`Error::InvalidInput`] naming the field); a cafe of another
    ///   chain is [`Error::NotFound`].
    /// - Appends a `cafe.updated` event; archiving twice keeps the first time.
    /// - Sales read after the change see it (a cached copy of the cafe is dropped).
    async fn update_cafe(&self, chain: ChainId, id: CafeId, update: CafeUpdate) -> Result<Cafe>;
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

    /// The chain's programs, oldest first, archived ones included.
    async fn list_programs(&self, chain: ChainId) -> Result<Vec<Program>>;

    /// Changes a program as [`ProgramUpdate::apply`] says, and answers it as it now is.
    ///
    /// # Behaviour
    /// - Validates the change against the program's kind ([`Error::InvalidInput`] naming the
    ///   field, `rules.…` for the rules); a program of another chain is [`Error::NotFound`].
    /// - Appends a `program.updated` event.
    /// - Sales after the change earn by the new rules (or not at all once archived); entries
    ///   posted before keep their rule snapshots: history is never rewritten.
    async fn update_program(&self, chain: ChainId, id: ProgramId, update: ProgramUpdate) -> Result<Program>;
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

    /// Changes a guest's profile (language, phone, home cafe) and returns the guest as stored.
    ///
    /// # Behaviour
    /// - Validates the update ([`Error::InvalidInput`]); an empty update changes nothing and
    ///   writes no event.
    /// - Sets only the fields the update names; a phone is stored with its `verified` flag.
    /// - The guest, and a named home cafe, must belong to the chain ([`Error::NotFound`]).
    /// - Writes a `guest.updated` event (payload: the names of the changed fields, never the
    ///   phone number itself) in the same transaction.
    async fn update_guest(&self, chain: ChainId, guest: GuestId, update: GuestUpdate) -> Result<Guest>;

    /// The guest whose personal referral code is `code` (case-insensitive), or
    /// [`Error::NotFound`] (also for another chain's code).
    async fn guest_by_referral_code(&self, chain: ChainId, code: &str) -> Result<Guest>;

    /// How many guests of the chain name `guest` as [`Guest::referred_by`].
    ///
    /// # Behaviour
    /// - Zero for a guest nobody named, or a guest of another chain.
    async fn count_referrals(&self, chain: ChainId, guest: GuestId) -> Result<u64>;

    /// Records that the person wrote to the bot from `identity` at `at`: notifications go to
    /// the identity used last, and a messenger with a service window takes free-form messages
    /// only within it of this time.
    ///
    /// # Behaviour
    /// - Sets the identity's last-seen time to `at` unless it is already later; `false` when no
    ///   guest of the chain has this identity (a person still onboarding), which is no error.
    /// - Clears [`OutboxRepo::mark_unreachable`] for this identity: a person who writes to the
    ///   bot can be written to (Viber refuses sends until a person writes; a person who
    ///   unblocked a bot may write before the platform says so).
    /// - Writes no event: this is presence, not a change of the guest.
    async fn record_seen(&self, chain: ChainId, identity: &ChannelIdentity, at: DateTime<Utc>) -> Result<bool>;

    /// Merges guest `absorb` into guest `keep`: one person found twice (the same verified
    /// phone on two messengers). Returns the kept guest and what was moved.
    ///
    /// # Behaviour
    /// - Both guests must belong to the chain ([`Error::NotFound`]) and differ
    ///   ([`Error::InvalidInput`]).
    /// - In one transaction: `absorb`'s identities, purchases and queued notifications move to
    ///   `keep`; each of `absorb`'s wallets moves to `keep` whole, with every ledger entry, when
    ///   `keep` has no wallet of that program and scope; where it has one, the absorbed wallet
    ///   stays where it is and is listed in [`GuestMerge::clashing_wallets`] for the caller to
    ///   transfer its balance with ledger entries (no entry is rewritten). Profile fields
    ///   `keep` lacks (phone, language, name, birthday, home cafe, referrer) are taken from
    ///   `absorb`; `absorb` keeps no phone and no identity and is marked merged into `keep`.
    /// - Writes a `guest.merged` event naming both guests and the moved wallets.
    /// - Merging a guest already merged into `keep` again changes nothing and answers the same.
    async fn merge_guests(&self, chain: ChainId, keep: GuestId, absorb: GuestId) -> Result<GuestMerge>;

    /// Guests of the chain (not merged away) whose display name contains `text`, compared as
    /// [`name_key`](crate::guest::name_key)s, by id.
    ///
    /// # Behaviour
    /// - `%` and `_` in `text` are matched literally; a blank `text` is
    ///   [`Error::InvalidInput`] naming `q`.
    /// - Cursor pagination by guest id, ascending.
    async fn search_guests(&self, chain: ChainId, text: &str, page: PageRequest) -> Result<Page<Guest>>;

    /// Erases a guest's personal data at their request (GDPR): name, phone, birthday,
    /// language and consent are cleared, their messenger identities, conversations, card
    /// secret, presence and queued or sent messages are deleted, and so are those of guests
    /// merged into them. Wallets, ledger entries, reward codes and purchases stay, tied to the
    /// anonymous guest, so the chain's totals stay right.
    ///
    /// # Behaviour
    /// - One transaction; appends a `guest.erased` event the first time. Erasing again
    ///   answers the erased guest and changes nothing.
    /// - A guest of another chain is [`Error::NotFound`].
    /// - Whoever writes from that messenger again is a new guest.
    async fn erase_guest(&self, chain: ChainId, guest: GuestId) -> Result<Guest>;
}

/// What [`GuestRepo::merge_guests`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestMerge {
    /// The kept guest, as stored after the merge.
    pub guest: Guest,
    /// Wallets that moved to the kept guest whole.
    pub moved_wallets: Vec<WalletId>,
    /// Pairs `(absorbed wallet, kept wallet)` of the same program and scope: the absorbed
    /// wallet's balance is still to be transferred.
    pub clashing_wallets: Vec<(WalletId, WalletId)>,
}

/// Where each person is in the bot conversation (see [`crate::conversation`]), per
/// (chain, messenger identity).
#[async_trait]
pub trait ConversationRepo: Send + Sync {
    /// The stored conversation with `who`, or `None` when they never wrote to the chain's bot.
    ///
    /// # Behaviour
    /// - Keyed by (chain, `who.channel`, `who.external_id`): the same person on another
    ///   messenger, or in another chain, is another conversation.
    async fn conversation(&self, chain: ChainId, who: &ChannelIdentity) -> Result<Option<StoredConversation>>;

    /// Stores `state` for `who` if the stored version is still `expected`, and returns the
    /// new version.
    ///
    /// # Behaviour
    /// - Compare-and-set: `expected: None` creates the conversation and succeeds only when
    ///   none is stored; `Some(v)` replaces it only while its version is `v`. Otherwise
    ///   [`Error::Conflict`] and nothing changes, so of concurrent saves from one version
    ///   exactly one succeeds (two updates of one person handled at once never lose a step
    ///   silently).
    /// - The new version is greater than `expected` (1 for a new conversation).
    /// - An unknown chain gives [`Error::NotFound`].
    async fn save_conversation(
        &self,
        chain: ChainId,
        who: &ChannelIdentity,
        state: &ConversationState,
        expected: Option<u64>,
    ) -> Result<u64>;
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
    /// - The entry is the points log: it is not copied into the event log ([`EventRepo`]),
    ///   which records every other kind of change.
    /// - When it returns `Ok`, the write is durable.
    async fn post_entry(&self, chain: ChainId, entry: NewLedgerEntry) -> Result<LedgerOutcome>;

    /// A wallet's entries, newest first.
    async fn ledger_entries(&self, chain: ChainId, wallet: WalletId, page: PageRequest) -> Result<Page<LedgerEntry>>;

    /// Updates the wallet's cached tier (the rules engine derives the tier from the ledger;
    /// this keeps [`Wallet::tier`] in step for readers that do not run the engine).
    ///
    /// # Behaviour
    /// - Sets `tier` and `updated_at`; balances and the ledger are untouched.
    /// - When the tier changes, writes a `wallet.tier_changed` event (payload: wallet, `from`,
    ///   `to`) in the same transaction, for the event log and "you reached Gold" messages;
    ///   setting the tier it already has changes nothing and writes no event.
    /// - An unknown wallet, or one of another chain, gives [`Error::NotFound`].
    async fn set_wallet_tier(&self, chain: ChainId, wallet: WalletId, tier: Option<String>) -> Result<Wallet>;

    /// Stores a reward code issued by a redemption (the `redeem` entry named by
    /// `code.ledger_key` was posted first).
    ///
    /// # Behaviour
    /// - Idempotent on `code.ledger_key`: when a code was already stored for that key, returns
    ///   the stored code unchanged (whatever `code.code` says), so a retried redemption gets the
    ///   code it was first given. This holds under concurrency.
    /// - The wallet must belong to the chain ([`Error::NotFound`]).
    /// - A `code.code` already used by another code of the chain gives [`Error::Conflict`]; the
    ///   caller retries with a fresh random code.
    /// - Writes a `reward_code.issued` event in the same transaction.
    async fn issue_reward_code(&self, chain: ChainId, code: RewardCode) -> Result<RewardCode>;

    /// The reward code with this text (exactly as stored; callers normalise typed input with
    /// [`RewardCode::normalise`]), or [`Error::NotFound`] (also for another chain's code).
    async fn reward_code(&self, chain: ChainId, code: &str) -> Result<RewardCode>;

    /// Moves a reward code to its next state, if it is still in state `expected`.
    ///
    /// # Behaviour
    /// - Compare-and-set on the status: stores `next.status`, `next.closed_at`,
    ///   `next.used_at_cafe` and `next.closed_by` for the code `next.code` only when its stored
    ///   status is `expected`; otherwise [`Error::Conflict`] and nothing changes. Of many
    ///   concurrent updates from the same `expected` state exactly one succeeds, which is what
    ///   makes a code apply exactly once.
    /// - Other fields of `next` are ignored (a code's reward, cost and wallet never change).
    /// - An unknown code gives [`Error::NotFound`].
    /// - Writes a `reward_code.<new status>` event in the same transaction.
    async fn update_reward_code(
        &self,
        chain: ChainId,
        expected: RewardCodeStatus,
        next: RewardCode,
    ) -> Result<RewardCode>;

    /// A wallet's reward codes, newest first (at most the latest 1000).
    async fn reward_codes_of_wallet(&self, chain: ChainId, wallet: WalletId) -> Result<Vec<RewardCode>>;
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

    /// The guest's purchases, newest first, with their line items.
    ///
    /// # Behaviour
    /// Cursor pagination by purchase id, descending; a guest of another chain has none.
    async fn purchases_of_guest(&self, chain: ChainId, guest: GuestId, page: PageRequest) -> Result<Page<Purchase>>;

    /// The chain's purchases that pass `filter`, the latest made at the till first, each with
    /// its refunds and the shifts open at its cafe when it was made: the owner portal's orders.
    ///
    /// # Behaviour
    /// Ordered by the time of the sale, then by id, both descending, so a sale reported late
    /// takes its place in time; the cursor is the last purchase shown (a cursor of another
    /// chain's purchase is [`Error::InvalidInput`] naming `cursor`). `since..until` bounds the
    /// time of the sale. Purchases, refunds and shifts of other chains never show.
    async fn list_purchases(
        &self,
        chain: ChainId,
        filter: &PurchaseFilter,
        page: PageRequest,
    ) -> Result<Page<PurchaseRecord>>;
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

    /// Changes a staff member's name, role or cafes as [`StaffUpdate::apply`] says.
    ///
    /// # Behaviour
    /// - Every listed cafe must belong to the chain ([`Error::NotFound`]); a staff member of
    ///   another chain is [`Error::NotFound`]; a blank name is [`Error::InvalidInput`].
    /// - Appends a `staff.updated` event. Sessions stay, and act with the new role and cafes
    ///   from their next request (the caller is read afresh each time).
    /// - Deactivating (`active: Some(false)` on an active member) ends their sessions (web and
    ///   terminal), closes their open shift and revokes API tokens acting as them, in the same
    ///   transaction; reactivating restores none of these.
    async fn update_staff(&self, chain: ChainId, id: StaffId, update: StaffUpdate) -> Result<Staff>;

    /// The active staff member with this messenger identity, or [`Error::NotFound`] (a
    /// deactivated member's messenger is a guest's again).
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

    /// The chain's shifts, newest first, at `cafes` only when given (an empty list: none).
    ///
    /// # Behaviour
    /// Cursor pagination by shift id, descending.
    async fn list_shifts(&self, chain: ChainId, cafes: Option<&[CafeId]>, page: PageRequest) -> Result<Page<Shift>>;
}

/// The event log.
#[async_trait]
pub trait EventRepo: Send + Sync {
    /// Events of the chain that pass `filter`, oldest first, a page at a time.
    ///
    /// # Behaviour
    /// - Validates the filter ([`Error::InvalidInput`] naming the field).
    /// - A kind ending in `.` matches the family (`audit.` matches `audit.cafe_updated`).
    async fn events(&self, chain: ChainId, filter: &EventFilter, page: PageRequest) -> Result<Page<Event>>;

    /// Appends an event that is not part of another change (the admin API's audit entries:
    /// who did what, from where).
    ///
    /// # Behaviour
    /// [`Error::NotFound`] for an unknown chain; the event gets the next id and the current
    /// time.
    async fn record_event(
        &self,
        chain: ChainId,
        kind: &'static str,
        subject: String,
        payload: serde_json::Value,
    ) -> Result<()>;
}

/// A presence as stored, with the guest's sealed TOTP secret so a server process can compute
/// the guest's codes without a second query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceRecord {
    /// The presenting guest.
    pub guest: GuestId,
    /// Their sealed TOTP secret.
    pub secret: EncryptedSecret,
    /// The end of their presence window.
    pub presenting_until: DateTime<Utc>,
    /// When the presence was last recorded or extended.
    pub updated_at: DateTime<Utc>,
}

/// What identity at the till needs from storage: TOTP secrets, accepted steps, presence,
/// double-tap claims and security events (see [`crate::identity`]).
#[async_trait]
pub trait IdentityRepo: Send + Sync {
    /// The guest's sealed TOTP secret, or `None` when the guest has none yet.
    ///
    /// # Behaviour
    /// - A guest of another chain, or no guest at all, gives `Ok(None)` as well.
    async fn totp_secret(&self, chain: ChainId, guest: GuestId) -> Result<Option<EncryptedSecret>>;

    /// Stores `candidate` as the guest's secret unless the guest already has one, and returns
    /// the secret the guest has afterwards.
    ///
    /// # Behaviour
    /// - Insert-if-absent, atomically: of concurrent calls for one guest (from any number of
    ///   processes) exactly one candidate is stored and every call returns that one.
    /// - A guest that is not in the chain gives [`Error::NotFound`].
    async fn ensure_totp_secret(
        &self,
        chain: ChainId,
        guest: GuestId,
        candidate: EncryptedSecret,
    ) -> Result<EncryptedSecret>;

    /// Replaces the guest's sealed secret (resealing under a new key, or a new secret after a
    /// compromise).
    ///
    /// # Behaviour
    /// - Keeps the last accepted step, so codes already used stay used.
    /// - A guest without a secret, or not in the chain, gives [`Error::NotFound`].
    async fn replace_totp_secret(&self, chain: ChainId, guest: GuestId, secret: EncryptedSecret) -> Result<()>;

    /// Marks `step` as used for the guest: compare-and-set on the last accepted step.
    ///
    /// # Behaviour
    /// - Returns `true` and stores `step` when the guest has no accepted step yet or `step` is
    ///   greater than the stored one; returns `false` and changes nothing otherwise (the same
    ///   step again, or an older one).
    /// - Atomic across processes: of concurrent calls with the same step, exactly one returns
    ///   `true` (e.g. a single `UPDATE ... SET last_step = $step WHERE guest = $g AND
    ///   (last_step IS NULL OR last_step < $step)`, checking the affected row count).
    /// - A guest without a secret, or not in the chain, gives [`Error::NotFound`].
    async fn accept_totp_step(&self, chain: ChainId, guest: GuestId, step: TimeStep) -> Result<bool>;

    /// Records that the guest is presenting their card until `until`.
    ///
    /// # Behaviour
    /// - Upsert per (chain, guest): the stored end becomes the later of the stored one and
    ///   `until` (a presence never shrinks), and `updated_at` becomes `now`.
    /// - A guest not in the chain gives [`Error::NotFound`].
    async fn record_presence(
        &self,
        chain: ChainId,
        guest: GuestId,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Presences of the chain recorded or extended at or after `since` that are still open at
    /// `now`, with each guest's sealed secret.
    ///
    /// # Behaviour
    /// - Returns every presence with `updated_at >= since` and `presenting_until >= now`,
    ///   oldest `updated_at` first; guests without a secret are left out.
    /// - Only the chain's own guests. Needs an index on (chain, `updated_at`): it runs before
    ///   every typed code and must not scan the chain's guests.
    async fn presences_changed_since(
        &self,
        chain: ChainId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<PresenceRecord>>;

    /// The chain's guests whose phone is exactly `phone` (E.164).
    ///
    /// # Behaviour
    /// - Verified phones first, then by creation; an empty list when none match.
    async fn guests_by_phone(&self, chain: ChainId, phone: &str) -> Result<Vec<Guest>>;

    /// Counts a tap once: the double-tap guard.
    ///
    /// # Behaviour
    /// - For (chain, `claim.staff`, `claim.action`, `claim.guest`), applies
    ///   [`double_tap::decide`](crate::identity::double_tap::decide) to the stored counted time
    ///   and `claim.at` atomically: when it says [`ClaimOutcome::Counted`], stores `claim.at` as
    ///   the new counted time; when it says [`ClaimOutcome::Repeat`], changes nothing.
    /// - Atomic across processes: of concurrent claims with the same key and times within
    ///   `window`, exactly one is [`ClaimOutcome::Counted`].
    /// - Old claims may be purged once older than `window`.
    async fn claim_action(&self, chain: ChainId, claim: &ActionClaim, window: Duration) -> Result<ClaimOutcome>;

    /// Appends a security event (also for the owner portal's log).
    ///
    /// # Behaviour
    /// - Durable when it returns `Ok`; visible to [`IdentityRepo::failed_code_attempts`] at once.
    async fn record_security_event(&self, chain: ChainId, event: &SecurityEvent) -> Result<()>;

    /// The times of the chain's failed code attempts by `subject` at or after `since`.
    ///
    /// # Behaviour
    /// - Counts the security events whose kind
    ///   [`counts_toward_lock`](crate::identity::security::SecurityEventKind::counts_toward_lock)
    ///   and whose staff (for [`AttemptSubject::Staff`]) or terminal (for
    ///   [`AttemptSubject::Terminal`]) is the subject; oldest first.
    async fn failed_code_attempts(
        &self,
        chain: ChainId,
        subject: &AttemptSubject,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>>;
}

/// POS deliveries, each applied in one transaction (see [`crate::pos::ingest`]).
#[async_trait]
pub trait PosRepo: Send + Sync {
    /// The outcome stored for a delivery of `source`, found by its delivery id or by its
    /// event key (`purchase:<receipt>`, `refund:<refund id>`), answered as a duplicate.
    ///
    /// # Behaviour
    /// - `Ok(None)` when neither was applied in the chain; a cheap indexed read, so the
    ///   server asks it before any work a retry must not repeat (such as checking a card code).
    async fn delivery_outcome(
        &self,
        chain: ChainId,
        source: &str,
        delivery_id: &str,
        event_key: &str,
    ) -> Result<Option<IngestOutcome>>;

    /// Applies a completed sale: everything below happens in one transaction, or nothing does.
    ///
    /// # Behaviour
    /// - A delivery whose `(source, delivery_id)` or `(source, receipt)` was applied before is
    ///   answered with the stored outcome and `duplicate: true`; nothing is written. Of many
    ///   concurrent deliveries of one receipt, exactly one is applied and the others answer
    ///   as duplicates.
    /// - Validates the purchase ([`Error::InvalidInput`]); the cafe must belong to the chain
    ///   ([`Error::NotFound`]) and the total be in the cafe's currency ([`Error::InvalidInput`]
    ///   naming `currency`); a named guest must belong to the chain ([`Error::NotFound`]).
    /// - Records the purchase. With `card_step`, marks that step used for the guest; when it
    ///   already was (the code served another sale), the sale is recorded without the guest and
    ///   the outcome says [`Unmatched::CodeAlreadyUsed`](crate::pos::ingest::Unmatched).
    /// - For a guest, in every program that earns at the cafe: opens the wallet, plans the earn
    ///   with [`plan_earn`](crate::loyalty::plan_earn) over the wallet's ledger as read inside
    ///   the transaction (so concurrent sales of one guest see each other), posts the entries,
    ///   issues the codes of automatic rewards and updates the cached tier.
    /// - Marks `reward_code` used at the cafe (compare-and-set, once); a code that is unknown,
    ///   used, expired or for another cafe is reported in the outcome, not an error: the sale
    ///   happened.
    /// - Queues a [`Notification::Earned`](crate::notification::Notification) for the guest in
    ///   the outbox when any program changed; with
    ///   [`Notify::Silent`](crate::pos::ingest::Notify) it queues nothing (and the outcome says
    ///   `notified: false`), everything else is the same.
    /// - Stores the outcome under the delivery id and `purchase:<receipt>`.
    /// - When it returns `Ok`, all of it is durable; when it returns `Err`, none of it was written.
    async fn ingest_purchase(&self, chain: ChainId, ingest: PurchaseIngest) -> Result<IngestOutcome>;

    /// Applies a refund of an earlier sale of the same source, in one transaction.
    ///
    /// # Behaviour
    /// - Duplicates as for [`PosRepo::ingest_purchase`], by delivery id or `refund:<refund id>`.
    /// - The refunded receipt must have been recorded by the same source: [`Error::NotFound`]
    ///   naming the purchase otherwise (the POS retries; it may not have arrived yet).
    /// - The cafe must be the purchase's ([`Error::InvalidInput`] naming `cafe`); the amount is
    ///   [`PosRefund::amount_minor`](crate::pos::PosRefund::amount_minor) of the purchase, and
    ///   refunds beyond what is left of it are [`Error::InvalidInput`].
    /// - In every program the purchase earned in, posts the reversal the engine plans
    ///   ([`plan_refund`](crate::rules::refunds::plan_refund)) and updates the cached tier, and
    ///   queues a [`Notification::Refunded`](crate::notification::Notification) when any
    ///   points or stamps were taken back.
    /// - Stores the outcome; all or nothing, as above.
    async fn ingest_refund(&self, chain: ChainId, ingest: RefundIngest) -> Result<IngestOutcome>;

    /// The purchase `source` recorded as `receipt`, or [`Error::NotFound`].
    async fn purchase_by_receipt(&self, chain: ChainId, source: &str, receipt: &str) -> Result<Purchase>;

    /// Redeems a reward at the till (see [`crate::pos::redeem`]): everything below happens in
    /// one transaction, or nothing does.
    ///
    /// # Behaviour
    /// - Debits the reward's cost from the guest's wallet in the program (for a per-cafe
    ///   program, the wallet of `request.cafe`), planned with
    ///   [`plan_redeem`](crate::rules::rewards::plan_redeem) over the ledger as read after
    ///   locking the wallet; issues the reward's code and marks it used at the cafe
    ///   (`reward_code.issued` and `reward_code.used` events); queues a
    ///   [`Notification::Redeemed`](crate::notification::Notification) for the guest.
    /// - A request key redeemed before is answered with the first redemption (its code, the
    ///   balances right after it) and `replayed: true`; nothing is written. Of concurrent
    ///   requests with one key, exactly one redeems.
    /// - Concurrent redemptions from one wallet never overdraw it: each plans over what the
    ///   ones before it left, and one the balance no longer covers is
    ///   [`Error::InsufficientBalance`] and writes nothing.
    /// - An unknown program, cafe or reward, or a guest without a wallet there, is
    ///   [`Error::NotFound`]; a reward not available for the guest's tier or at the cafe is
    ///   [`Error::Conflict`].
    async fn redeem_at_till(&self, chain: ChainId, request: TillRedeem) -> Result<TillRedemption>;
}

/// The outbox of guest notifications (see [`crate::notification`]).
#[async_trait]
pub trait OutboxRepo: Send + Sync {
    /// A guest's queued notifications, oldest first.
    ///
    /// # Behaviour
    /// - Only the chain's own; an empty list for a guest with none (or of another chain).
    async fn outbox_of_guest(&self, chain: ChainId, guest: GuestId) -> Result<Vec<OutboxMessage>>;

    /// Queues `new` for its guest, to go out with the others.
    ///
    /// # Behaviour
    /// - `false` (and nothing queued) when the chain already has a message with `new`'s
    ///   `dedupe_key`: the same request retried.
    /// - The guest must belong to the chain ([`Error::NotFound`]).
    async fn queue_notification(&self, chain: ChainId, new: NewNotification) -> Result<bool>;

    /// Claims up to `limit` due notifications, of every chain, for a sender that delivers on
    /// the channel kinds `channels`. The one method not scoped by chain: a sender serves the
    /// whole server.
    ///
    /// # Behaviour
    /// - Due: `pending` with `available_at <= now`, or `sending` whose `lease_until <= now` (its
    ///   sender died mid-send); oldest due first.
    /// - Claimable: due, and the guest has an identity on one of `channels` that is not
    ///   [unreachable](OutboxRepo::mark_unreachable). Each claimed message moves to `sending`
    ///   with `lease_until = now + lease` and `attempts + 1`, and comes back with the address
    ///   of the guest's most recently linked such identity, the guest's language and name, and
    ///   the chain's default language.
    /// - Atomic across processes: of concurrent claims (any number of server processes on one
    ///   database), no two get the same message while its lease runs. A message claimed again
    ///   after its lease ran out counts another attempt.
    /// - Due messages of a guest who has an identity on one of `channels` but no reachable
    ///   identity on any channel at all are not returned: they become `failed` with
    ///   `last_error` [`UNREACHABLE`](crate::notification::UNREACHABLE).
    /// - Due messages of a guest with no identity on any of `channels` (only on a messenger
    ///   this sender does not serve, or none yet) are left `pending`, untouched, for a sender
    ///   that can reach them or for a later link.
    /// - `limit` 0 or no `channels` claims nothing.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
        channels: &[&str],
    ) -> Result<Vec<ClaimedMessage>> {
        self.claim_due_in(now, lease, limit, &ClaimScope { chain: None, channels, reachable_on: channels }).await
    }

    /// Claims as [`OutboxRepo::claim_due`] does, within `scope`: a sender per bot claims its
    /// chain's notifications only, and only those of guests whose most recently used reachable
    /// identity (among `scope.reachable_on`) is on one of its channels.
    ///
    /// # Behaviour
    /// - As [`OutboxRepo::claim_due`], with `scope.channels` as its `channels`; plus:
    /// - With `scope.chain`, only that chain's messages.
    /// - A guest's preferred identity is their reachable identity on `scope.reachable_on` seen
    ///   last ([`GuestRepo::record_seen`]; linking counts as being seen); their messages are
    ///   claimed only when it is on `scope.channels`, and come back addressed to it, with its
    ///   last-seen time.
    async fn claim_due_in(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
        scope: &ClaimScope<'_>,
    ) -> Result<Vec<ClaimedMessage>>;

    /// Records that the messenger accepted message `id`.
    ///
    /// # Behaviour
    /// - The message becomes `sent` with `sent_at = at` and no lease, whatever its status: it
    ///   was delivered even if its lease ran out meanwhile. Marking a `sent` message again keeps
    ///   the first `sent_at`.
    /// - An unknown id, or one of another chain, gives [`Error::NotFound`].
    /// - `platform_message_id` (the messenger's id of the sent message) is stored, so the
    ///   platform's receipts find the message ([`OutboxRepo::record_receipt`]).
    async fn mark_sent(
        &self,
        chain: ChainId,
        id: i64,
        at: DateTime<Utc>,
        platform_message_id: Option<&str>,
    ) -> Result<()>;

    /// Records the messenger's receipt for the notification it knows as `platform_message_id`.
    ///
    /// # Behaviour
    /// - Sets the receipt of the chain's message with that platform id; a later receipt never
    ///   goes back (`read` is not overwritten by a late `delivered`; `failed` overwrites only
    ///   `delivered`).
    /// - `false` when no message of the chain has that id (a reply of the conversation, which
    ///   the outbox does not track), which is no error.
    async fn record_receipt(&self, chain: ChainId, platform_message_id: &str, receipt: ReceiptStatus) -> Result<bool>;

    /// Puts a claimed message back for another attempt at `at`.
    ///
    /// # Behaviour
    /// - A `sending` message becomes `pending` with `available_at = at`, `last_error = error`
    ///   and no lease; `attempts` is kept.
    /// - A message in any other status is left as it is (a `sent` one is never un-sent).
    /// - An unknown id, or one of another chain, gives [`Error::NotFound`].
    async fn retry_later(&self, chain: ChainId, id: i64, at: DateTime<Utc>, error: &str) -> Result<()>;

    /// Gives up on message `id`.
    ///
    /// # Behaviour
    /// - A `pending` or `sending` message becomes `failed` with `last_error = error` and no
    ///   lease; a `sent` or `failed` one is left as it is.
    /// - An unknown id, or one of another chain, gives [`Error::NotFound`].
    async fn mark_failed(&self, chain: ChainId, id: i64, error: &str) -> Result<()>;

    /// Records that the guest cannot be reached on `channel` (they blocked the bot, left, or
    /// their account is gone).
    ///
    /// # Behaviour
    /// - Flags every identity of the guest on `channel`; [`OutboxRepo::claim_due`] skips them
    ///   from then on (see there for what happens to the guest's messages). Flagging again keeps
    ///   the first time.
    /// - A guest without an identity on `channel` changes nothing; a guest not in the chain
    ///   gives [`Error::NotFound`].
    async fn mark_unreachable(&self, chain: ChainId, guest: GuestId, channel: &str) -> Result<()>;

    /// Clears [`OutboxRepo::mark_unreachable`] for the guest on `channel` (they unblocked the
    /// bot or wrote again).
    ///
    /// # Behaviour
    /// - Messages queued afterwards are claimable again; messages already `failed` stay failed.
    /// - A guest not in the chain gives [`Error::NotFound`].
    async fn mark_reachable(&self, chain: ChainId, guest: GuestId, channel: &str) -> Result<()>;

    /// Gives up on the chain's notifications that cannot be delivered, so none waits forever.
    ///
    /// # Behaviour
    /// - Looks only at messages no sender holds: `pending` ones (due or not) and `sending`
    ///   ones whose lease ran out by `now`; `sent`, `failed` and leased messages are left as
    ///   they are.
    /// - A message of a guest with no identity on any of `channels` (the messengers the chain
    ///   is served on; none at all when `channels` is empty) becomes `failed` with
    ///   `last_error` [`NO_MESSENGER`](crate::notification::NO_MESSENGER) and no lease.
    /// - Any other such message created before `created_before` (when given) becomes `failed`
    ///   with `last_error` [`EXPIRED`](crate::notification::EXPIRED) and no lease.
    /// - `attempts` is kept. Returns how many of each; only the chain's own messages change
    ///   (an unknown chain has none).
    async fn expire_undeliverable(
        &self,
        chain: ChainId,
        channels: &[&str],
        created_before: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Expired>;
}

/// Accounts, PINs, paired terminals, sessions and API tokens: what signing in needs.
///
/// Secrets are only ever stored and looked up as their digests ([`SecretHash`]); nothing
/// here sees a password, PIN or token in plain text. Sessions, tokens and terminals are
/// looked up by digest across chains (the digest says which chain), every other method is
/// scoped to its chain as usual.
#[async_trait]
pub trait AccountRepo: Send + Sync {
    /// Creates an account. `login` is already normalized
    /// ([`crate::auth::account::normalize_login`]).
    ///
    /// # Behaviour
    /// A login that exists gives [`Error::Conflict`]; the account is created with its
    /// password hash and an `account.created` event is not written (accounts belong to no
    /// chain; their staff records' events say who they are).
    async fn create_account(&self, login: &str, password: SecretHash) -> Result<Account>;

    /// The account with this (normalized) login; [`Error::NotFound`] if none.
    async fn account_by_login(&self, login: &str) -> Result<Account>;

    /// Replaces an account's password hash (a new password, or a rehash at login).
    ///
    /// # Behaviour
    /// [`Error::NotFound`] for an unknown account.
    async fn set_password(&self, account: AccountId, password: SecretHash) -> Result<()>;

    /// Every active staff record, in every chain, whose login is this account's, oldest
    /// first: the chains a person may sign in to.
    async fn staff_of_account(&self, login: &str) -> Result<Vec<Staff>>;

    /// Every staff member of the chain, oldest first.
    async fn list_staff(&self, chain: ChainId) -> Result<Vec<Staff>>;

    /// Sets (or with `None` clears) a staff member's PIN hash.
    ///
    /// # Behaviour
    /// [`Error::NotFound`] for a staff member of another chain.
    async fn set_staff_pin(&self, chain: ChainId, staff: StaffId, pin: Option<SecretHash>) -> Result<()>;

    /// A staff member's PIN hash, if they have one.
    async fn staff_pin(&self, chain: ChainId, staff: StaffId) -> Result<Option<SecretHash>>;

    /// Pairs a terminal to a cafe of the chain.
    ///
    /// # Behaviour
    /// [`Error::NotFound`] for a cafe or pairing staff member of another chain; writes a
    /// `terminal.paired` event.
    async fn pair_terminal(&self, chain: ChainId, new: NewTerminal) -> Result<Terminal>;

    /// The terminal holding the token with this digest, revoked or not (the caller checks
    /// [`Terminal::revoked_at`]); [`Error::NotFound`] if none.
    async fn terminal_by_token(&self, token: &SecretHash) -> Result<Terminal>;

    /// One terminal of the chain, revoked or not; [`Error::NotFound`] for another chain's.
    async fn terminal(&self, chain: ChainId, terminal: TerminalId) -> Result<Terminal>;

    /// The chain's terminals, oldest first, revoked ones included.
    async fn list_terminals(&self, chain: ChainId) -> Result<Vec<Terminal>>;

    /// Unpairs a terminal: its token stops working and every session opened on it ends.
    ///
    /// # Behaviour
    /// Idempotent (unpairing twice keeps the first time); writes a `terminal.revoked` event
    /// the first time; [`Error::NotFound`] for a terminal of another chain.
    async fn revoke_terminal(&self, chain: ChainId, terminal: TerminalId, at: DateTime<Utc>) -> Result<Terminal>;

    /// Records that a terminal signed someone in at `at`.
    async fn touch_terminal(&self, chain: ChainId, terminal: TerminalId, at: DateTime<Utc>) -> Result<()>;

    /// Opens a session.
    ///
    /// # Behaviour
    /// [`Error::NotFound`] for a staff member of another chain; writes a `session.opened`
    /// event naming the staff member and terminal.
    async fn create_session(&self, new: NewSession) -> Result<Session>;

    /// The session whose cookie has this digest, ended or not (the caller checks expiry);
    /// [`Error::NotFound`] if none.
    async fn session_by_token(&self, token: &SecretHash) -> Result<Session>;

    /// Records that a session was used at `at`.
    async fn touch_session(&self, session: SessionId, at: DateTime<Utc>) -> Result<()>;

    /// Ends one session (logout). Idempotent: ending it again keeps the first time.
    async fn end_session(&self, session: SessionId, at: DateTime<Utc>) -> Result<()>;

    /// Ends every open session of an account in every chain ("log out everywhere") and
    /// answers how many were open.
    async fn end_sessions_of_account(&self, account: AccountId, at: DateTime<Utc>) -> Result<u64>;

    /// Creates an API token for a staff member of the chain.
    ///
    /// # Behaviour
    /// [`Error::NotFound`] for a staff member of another chain; writes an
    /// `api_token.created` event (without the token).
    async fn create_api_token(&self, chain: ChainId, new: NewApiToken) -> Result<ApiToken>;

    /// The token with this digest, revoked or not; [`Error::NotFound`] if none.
    async fn api_token_by_hash(&self, token: &SecretHash) -> Result<ApiToken>;

    /// The chain's tokens, oldest first, revoked ones included.
    async fn list_api_tokens(&self, chain: ChainId) -> Result<Vec<ApiToken>>;

    /// Revokes a token. Idempotent; writes an `api_token.revoked` event the first time;
    /// [`Error::NotFound`] for a token of another chain.
    async fn revoke_api_token(&self, chain: ChainId, token: ApiTokenId, at: DateTime<Utc>) -> Result<ApiToken>;

    /// Records that a token was used at `at`.
    async fn touch_api_token(&self, token: ApiTokenId, at: DateTime<Utc>) -> Result<()>;
}

/// The owner portal's roll-ups ([`crate::analytics`]), kept by the store in the same
/// transaction as the sales, refunds, ledger entries and guests they count.
///
/// # Behaviour
/// Whatever path writes (one sale, a batch, a refund, a merge), every figure equals a
/// recomputation from the base records: the storage conformance suite checks it after random
/// histories. A merge moves the absorbed guest's sales, visits and cohort to the kept guest
/// and stops counting the absorbed guest as a guest.
#[async_trait]
pub trait AnalyticsRepo: Send + Sync {
    /// The figures per cafe and hour in `from..until`, only of `cafes` when given (`None`:
    /// every cafe and what has no cafe); hours without activity are left out.
    async fn hourly_stats(
        &self,
        chain: ChainId,
        cafes: Option<&[CafeId]>,
        from: HourIndex,
        until: HourIndex,
    ) -> Result<Vec<HourlyStats>>;

    /// Guests, visitors and repeat visitors of a scope now (zeros for a scope with none).
    async fn scope_totals(&self, chain: ChainId, scope: Scope) -> Result<ScopeTotals>;

    /// The retention grid's non-empty cells of cohorts from month `since` on.
    async fn cohort_cells(&self, chain: ChainId, scope: Scope, since: MonthIndex) -> Result<Vec<CohortCell>>;

    /// The visits in `scope` of those of `guests` who bought something there.
    async fn guest_visits(&self, chain: ChainId, scope: Scope, guests: &[GuestId]) -> Result<Vec<GuestVisits>>;

    /// Guests who bought something in `scope`, largest first by `order` (ties: newest guest
    /// first), skipping `offset`, at most `limit` (clamped to 1..=1000).
    async fn top_guests(
        &self,
        chain: ChainId,
        scope: Scope,
        order: VisitOrder,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<GuestVisits>>;

    /// Wallets of `program` holding at least `points` points or at least `stamps` stamps
    /// (a threshold of 0 or less does not count).
    async fn count_reward_eligible(&self, chain: ChainId, program: ProgramId, points: i64, stamps: i64) -> Result<u64>;

    /// How many wallets of `program` hold a `balance` in each range: entry `i` counts those
    /// with at least `floors[i]` and less than `floors[i + 1]` (the last has no ceiling).
    /// `floors` must ascend ([`Error::InvalidInput`] naming `floors` otherwise); a program
    /// of another chain has no wallets.
    async fn balance_histogram(
        &self,
        chain: ChainId,
        program: ProgramId,
        balance: Balance,
        floors: &[i64],
    ) -> Result<Vec<u64>>;

    /// Wallets of `program` by tier, most populated first (ties by name).
    async fn tier_counts(&self, chain: ChainId, program: ProgramId) -> Result<Vec<TierCount>>;

    /// Wallets of `program` holding at least `at_least` of `balance`, largest first (ties:
    /// the newer wallet first), skipping `offset`, at most `limit` (clamped to 1..=1000).
    async fn wallets_by_balance(
        &self,
        chain: ChainId,
        program: ProgramId,
        balance: Balance,
        at_least: i64,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<Wallet>>;

    /// Reward codes issued at or after `since`, by reward and status now, at `cafes` when
    /// given (where a code was used, else where it was issued).
    async fn reward_code_counts(
        &self,
        chain: ChainId,
        cafes: Option<&[CafeId]>,
        since: DateTime<Utc>,
    ) -> Result<Vec<RewardCodeCount>>;

    /// Folds pending roll-up changes into their rows, where the backend keeps them apart
    /// (PostgreSQL appends deltas so concurrent sales never wait on a shared row), and
    /// answers how many rows it folded. Every read above is the same before and after; the
    /// server runs this every few seconds to keep the deltas few. Safe to call from several
    /// processes at once: one folds, the others return 0.
    async fn compact_rollups(&self) -> Result<u64>;
}

/// Everything the server needs from storage, usable as `Arc<dyn Store>`.
#[async_trait]
pub trait Store:
    ChainRepo
    + CafeRepo
    + ProgramRepo
    + GuestRepo
    + LedgerRepo
    + PurchaseRepo
    + StaffRepo
    + EventRepo
    + IdentityRepo
    + PosRepo
    + OutboxRepo
    + ConversationRepo
    + AccountRepo
    + AnalyticsRepo
{
    /// Succeeds when the database answers a trivial query; [`Error::Unavailable`] otherwise.
    async fn ping(&self) -> Result<()>;

    /// `"sqlite"` or `"postgres"`, for logs and `/readyz`.
    fn backend_name(&self) -> &'static str;
}
