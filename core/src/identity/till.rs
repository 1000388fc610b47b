//! [`TillIdentity`]: the service the server wires to the staff POS, the bots and the Mini App.
//!
//! Every staff lookup starts with the same gate: the actor must be a staff member *of that
//! chain* (storage is chain-scoped, so another chain's staff id is simply not found), with at
//! least [`TillConfig::lookup_role`], working at the cafe of the till. Nothing about a guest is
//! read before the gate passes. Outcomes are a typed [`TillOutcome`] the till renders; `Err`
//! is kept for storage trouble and bugs.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::guest::{ChannelIdentity, Guest, validate_e164};
use crate::identity::TerminalId;
use crate::identity::card_code::{CardPayload, PayloadProblem};
use crate::identity::deep_link::{DeepLinkRejection, DeepLinkSigner, DeepLinkToken};
use crate::identity::double_tap::{ActionClaim, ClaimOutcome, DOUBLE_TAP_WINDOW, TillAction};
use crate::identity::presence::{CodeMatches, DEFAULT_PRESENCE, PresenceIndex};
use crate::identity::rate_limit::{Admission, AttemptSubject, RateLimitPolicy};
use crate::identity::secret::{SecretKeyring, TotpSecret};
use crate::identity::security::{SecurityEvent, SecurityEventKind};
use crate::identity::totp::{CodeCheck, GuestTotp, TillCode, TimeStep};
use crate::ids::{CafeId, ChainId, GuestId, StaffId};
use crate::staff::{Role, Staff};
use crate::store::{GuestRepo, IdentityRepo, StaffRepo};
use crate::{ErrorKind, Result};

/// The storage [`TillIdentity`] needs; every [`Store`](crate::store::Store) is one, including
/// `dyn Store`, so the server can use `TillIdentity<dyn Store>`.
pub trait TillStore: GuestRepo + StaffRepo + IdentityRepo {}

impl<T: GuestRepo + StaffRepo + IdentityRepo + ?Sized> TillStore for T {}

/// Tunables of identity at the till.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TillConfig {
    /// How long a guest who opened their card counts as presenting (`identity.presence_secs`).
    pub presence: Duration,
    /// Wrong-code limit per staff member and per terminal.
    pub rate_limit: RateLimitPolicy,
    /// The least role that may open a guest at the till.
    pub lookup_role: Role,
    /// Taps of one action closer than this count once.
    pub double_tap_window: Duration,
}

impl Default for TillConfig {
    fn default() -> Self {
        Self {
            presence: DEFAULT_PRESENCE,
            rate_limit: RateLimitPolicy::default(),
            lookup_role: Role::Barista,
            double_tap_window: DOUBLE_TAP_WINDOW,
        }
    }
}

/// Who is asking, from where: the authenticated staff session of a web POS or a POS terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TillActor {
    /// The chain the till belongs to.
    pub chain: ChainId,
    /// The staff member signed in.
    pub staff: StaffId,
    /// The cafe of the till.
    pub cafe: CafeId,
    /// The device.
    pub terminal: TerminalId,
}

/// How a guest was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LookupMethod {
    /// Scanned card QR.
    Scan,
    /// Six typed digits.
    TypedCode,
    /// Phone number.
    Phone,
    /// Staff deep link.
    DeepLink,
}

/// A guest opened at the till.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifiedGuest {
    /// The guest.
    pub guest: Guest,
    /// The staff member who opened them (already checked).
    pub staff: Staff,
    /// How.
    pub via: LookupMethod,
    /// The TOTP step consumed, for code lookups.
    pub step: Option<TimeStep>,
}

/// What the till shows after a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TillOutcome {
    /// The guest is open.
    Identified(Box<IdentifiedGuest>),
    /// Several guests match: ask for what `ask` says.
    NeedsDetail {
        /// How many guests matched.
        candidates: usize,
        /// What to ask the guest for.
        ask: DetailNeeded,
    },
    /// Nobody is opened; the reason says what to tell the barista.
    Refused(TillRefusal),
}

impl TillOutcome {
    /// The identified guest, if any.
    #[must_use]
    pub fn identified(&self) -> Option<&IdentifiedGuest> {
        match self {
            Self::Identified(g) => Some(g),
            _ => None,
        }
    }

    /// The refusal, if any.
    #[must_use]
    pub fn refusal(&self) -> Option<&TillRefusal> {
        match self {
            Self::Refused(r) => Some(r),
            _ => None,
        }
    }
}

/// The extra detail that tells guests apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DetailNeeded {
    /// The last digits of the guest's phone (pass them as `phone_hint`), or a scan.
    PhoneDigitsOrScan,
    /// Only a scan of the card QR tells them apart (they share the phone number too).
    Scan,
}

/// Why a lookup opened nobody. [`TillRefusal::message_id`] names the Fluent message; `Display`
/// is the English text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TillRefusal {
    /// The actor is not a staff member of this chain.
    NotStaff,
    /// The staff member's role is below the one required.
    RoleTooLow {
        /// The least role that may do this.
        required: Role,
    },
    /// The staff member does not work at this cafe.
    NotAtThisCafe,
    /// Too many wrong codes from this staff member or terminal.
    Locked {
        /// When code entry opens again.
        until: DateTime<Utc>,
    },
    /// The scan or the typed text is not a card code.
    UnreadableCode,
    /// A card from a newer format: the till needs an update.
    NewerCardFormat,
    /// The code matched nobody.
    WrongCode {
        /// Wrong codes left before the lock.
        failures_left: u32,
    },
    /// The code is from an older step.
    CodeExpired,
    /// The code's step was already accepted.
    CodeAlreadyUsed,
    /// No such guest (scanned card or phone).
    UnknownGuest,
    /// The extra detail (phone digits) is not 2-6 digits.
    UnreadableDetail,
    /// The extra detail matched none of the guests sharing the code.
    DetailMismatch,
    /// The phone number is not in international format.
    InvalidPhone,
    /// The deep link is not genuine (forged, altered, or for another chain).
    LinkInvalid,
    /// The deep link is genuine but expired.
    LinkExpired,
}

impl TillRefusal {
    /// The Fluent message id for the till's language.
    #[must_use]
    pub fn message_id(&self) -> &'static str {
        match self {
            Self::NotStaff => "till-not-staff",
            Self::RoleTooLow { .. } => "till-role-too-low",
            Self::NotAtThisCafe => "till-not-at-this-cafe",
            Self::Locked { .. } => "till-locked",
            Self::UnreadableCode => "till-unreadable-code",
            Self::NewerCardFormat => "till-newer-card-format",
            Self::WrongCode { .. } => "till-wrong-code",
            Self::CodeExpired => "till-code-expired",
            Self::CodeAlreadyUsed => "till-code-already-used",
            Self::UnknownGuest => "till-unknown-guest",
            Self::UnreadableDetail => "till-unreadable-detail",
            Self::DetailMismatch => "till-detail-mismatch",
            Self::InvalidPhone => "till-invalid-phone",
            Self::LinkInvalid => "till-link-invalid",
            Self::LinkExpired => "till-link-expired",
        }
    }
}

impl fmt::Display for TillRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotStaff => f.write_str("Only staff of this chain can open guests."),
            Self::RoleTooLow { required } => write!(f, "Opening guests needs the {} role.", required.as_str()),
            Self::NotAtThisCafe => f.write_str("You are not on the staff of this cafe."),
            Self::Locked { until } => write!(
                f,
                "Too many wrong codes. Code entry is locked until {} UTC; scan the QR or look the guest up by phone.",
                until.format("%H:%M")
            ),
            Self::UnreadableCode => f.write_str("That is not a guest card code. Scan the QR or type the 6 digits."),
            Self::NewerCardFormat => f.write_str("This card comes from a newer version. Update the till."),
            Self::WrongCode { failures_left } => {
                write!(f, "Wrong code. Check the digits with the guest ({failures_left} tries left).")
            }
            Self::CodeExpired => f.write_str("Code expired, ask the guest to refresh their card."),
            Self::CodeAlreadyUsed => f.write_str("Code already used, ask the guest to refresh their card."),
            Self::UnknownGuest => f.write_str("No such guest."),
            Self::UnreadableDetail => f.write_str("Type the last 2-6 digits of the guest's phone."),
            Self::DetailMismatch => f.write_str("Those digits match none of the guests. Scan the QR instead."),
            Self::InvalidPhone => f.write_str("Use the international format, e.g. +381601234567."),
            Self::LinkInvalid => f.write_str("This staff link is not valid."),
            Self::LinkExpired => f.write_str("This staff link has expired; ask the guest to open their card again."),
        }
    }
}

/// What a guest's card shows right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedCard {
    /// The QR payload (render with [`CardPayload::to_svg`] / [`CardPayload::to_png`]).
    pub payload: CardPayload,
    /// The six digits to show under the QR.
    pub code: TillCode,
    /// When the code rotates: refresh the card then.
    pub refresh_at: DateTime<Utc>,
    /// The end of the guest's presence window.
    pub presenting_until: DateTime<Utc>,
    /// A staff deep link token for this guest.
    pub staff_link: DeepLinkToken,
}

/// Identity at the till, over a store `S` (usually `dyn Store`).
pub struct TillIdentity<S: ?Sized> {
    store: Arc<S>,
    keyring: SecretKeyring,
    links: DeepLinkSigner,
    presence: PresenceIndex,
    config: TillConfig,
}

impl<S: ?Sized> fmt::Debug for TillIdentity<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TillIdentity")
            .field("keyring", &self.keyring)
            .field("links", &self.links)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Presences re-read on each sync to cover clock differences between server processes.
const SYNC_OVERLAP: Duration = Duration::seconds(5);

mod source;
pub use source::SourceMatch;

impl<S: TillStore + ?Sized> TillIdentity<S> {
    /// The service over `store`, with the secret keyring and deep-link signer from config.
    pub fn new(store: Arc<S>, keyring: SecretKeyring, links: DeepLinkSigner, config: TillConfig) -> Self {
        Self { store, keyring, links, presence: PresenceIndex::new(), config }
    }

    /// The in-memory presence index (for metrics and the benchmark).
    #[must_use]
    pub fn presence(&self) -> &PresenceIndex {
        &self.presence
    }

    /// The guest opens their card: makes sure they have a secret, starts (or extends) their
    /// presence window, and returns what the card shows.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] when the guest is not in `chain`; storage errors.
    pub async fn present_card(&self, chain: ChainId, guest: &Guest, now: DateTime<Utc>) -> Result<PresentedCard> {
        if guest.chain_id != chain {
            return Err(crate::Error::not_found("guest", guest.id));
        }
        let totp = self.guest_totp(chain, guest.id).await?;
        let until = now + self.config.presence;
        self.store.record_presence(chain, guest.id, until, now).await?;
        self.presence.upsert(chain, guest.id, &totp, until, now);
        let step = TimeStep::at(now);
        let code = totp.code_at(step);
        Ok(PresentedCard {
            payload: CardPayload::new(guest.public_id.clone(), code),
            code,
            refresh_at: step.ends_at(),
            presenting_until: until,
            staff_link: self.links.sign(chain, &guest.public_id, now)?,
        })
    }

    /// A staff deep-link token for `guest`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for an impossible chain id or time.
    pub fn staff_link(&self, chain: ChainId, guest: &Guest, now: DateTime<Utc>) -> Result<DeepLinkToken> {
        self.links.sign(chain, &guest.public_id, now)
    }

    /// Opens the guest whose card QR was scanned.
    ///
    /// # Errors
    /// Storage errors, or a secret that does not decrypt ([`ErrorKind::Internal`]).
    pub async fn resolve_scan(&self, actor: &TillActor, scanned: &str, now: DateTime<Utc>) -> Result<TillOutcome> {
        let staff = match self.authorize(actor, now).await? {
            Ok(staff) => staff,
            Err(refusal) => return Ok(TillOutcome::Refused(refusal)),
        };
        if let Some(locked) = self.lock_of(actor, now).await? {
            return Ok(TillOutcome::Refused(locked));
        }
        let payload = match CardPayload::parse_detailed(scanned) {
            Ok(p) => p,
            Err(PayloadProblem::UnsupportedVersion) => return Ok(TillOutcome::Refused(TillRefusal::NewerCardFormat)),
            Err(_) => return Ok(TillOutcome::Refused(TillRefusal::UnreadableCode)),
        };
        let guest = match self.store.guest_by_public_id(actor.chain, payload.public_id().as_str()).await {
            Ok(guest) => guest,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return self.fail(actor, SecurityEventKind::UnknownCard, None, now).await;
            }
            Err(e) => return Err(e),
        };
        let Some(sealed) = self.store.totp_secret(actor.chain, guest.id).await? else {
            // A guest who never opened their card has no code to show: whatever was scanned
            // is not theirs.
            return self.fail(actor, SecurityEventKind::WrongCode, Some(guest.id), now).await;
        };
        let totp = GuestTotp::new(&self.keyring.open(actor.chain, guest.id, &sealed)?);
        match totp.verify(payload.code(), now) {
            CodeCheck::Valid(step) => self.accept(actor, staff, guest, step, LookupMethod::Scan, now).await,
            CodeCheck::Expired(_) => self.fail(actor, SecurityEventKind::ExpiredCode, Some(guest.id), now).await,
            CodeCheck::Wrong => self.fail(actor, SecurityEventKind::WrongCode, Some(guest.id), now).await,
        }
    }

    /// Opens the guest whose six digits were typed, searching only the chain's presenting
    /// guests. When several share the code, call again with `phone_hint`: the last 2-6 digits
    /// of the guest's phone.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn resolve_typed_code(
        &self,
        actor: &TillActor,
        typed: &str,
        phone_hint: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<TillOutcome> {
        let staff = match self.authorize(actor, now).await? {
            Ok(staff) => staff,
            Err(refusal) => return Ok(TillOutcome::Refused(refusal)),
        };
        if let Some(locked) = self.lock_of(actor, now).await? {
            return Ok(TillOutcome::Refused(locked));
        }
        let Ok(code) = TillCode::parse(typed) else {
            return Ok(TillOutcome::Refused(TillRefusal::UnreadableCode));
        };
        self.sync_presence(actor.chain, now).await?;
        match self.presence.find(actor.chain, code, now) {
            CodeMatches::Nobody => self.fail(actor, SecurityEventKind::WrongCode, None, now).await,
            CodeMatches::Expired { guest } => self.fail(actor, SecurityEventKind::ExpiredCode, Some(guest), now).await,
            CodeMatches::One { guest, step } => {
                let guest = self.store.guest(actor.chain, guest).await?;
                self.accept(actor, staff, guest, step, LookupMethod::TypedCode, now).await
            }
            CodeMatches::Several(candidates) => {
                let Some(hint) = phone_hint else {
                    return Ok(TillOutcome::NeedsDetail {
                        candidates: candidates.len(),
                        ask: DetailNeeded::PhoneDigitsOrScan,
                    });
                };
                let hint = hint.trim();
                if !(2..=6).contains(&hint.len()) || !hint.bytes().all(|b| b.is_ascii_digit()) {
                    return Ok(TillOutcome::Refused(TillRefusal::UnreadableDetail));
                }
                let mut matching = Vec::new();
                for (id, step) in &candidates {
                    let guest = self.store.guest(actor.chain, *id).await?;
                    if guest.phone.as_deref().is_some_and(|p| p.ends_with(hint)) {
                        matching.push((guest, *step));
                    }
                }
                match matching.len() {
                    0 => self.fail(actor, SecurityEventKind::DetailMismatch, None, now).await,
                    1 => {
                        let (guest, step) = matching.remove(0);
                        self.accept(actor, staff, guest, step, LookupMethod::TypedCode, now).await
                    }
                    // The hint was too short to separate them: more digits, or a scan.
                    n => Ok(TillOutcome::NeedsDetail { candidates: n, ask: DetailNeeded::PhoneDigitsOrScan }),
                }
            }
        }
    }

    /// Opens the guest with this phone number (E.164).
    ///
    /// # Errors
    /// Storage errors.
    pub async fn lookup_by_phone(&self, actor: &TillActor, phone: &str, now: DateTime<Utc>) -> Result<TillOutcome> {
        let staff = match self.authorize(actor, now).await? {
            Ok(staff) => staff,
            Err(refusal) => return Ok(TillOutcome::Refused(refusal)),
        };
        let phone = phone.trim();
        if validate_e164(phone).is_err() {
            return Ok(TillOutcome::Refused(TillRefusal::InvalidPhone));
        }
        let mut guests = self.store.guests_by_phone(actor.chain, phone).await?;
        // Several guests may have typed the same phone; a messenger-verified one is the person.
        let verified = guests.iter().filter(|g| g.phone_verified).count();
        if guests.len() > 1 && verified == 1 {
            guests.retain(|g| g.phone_verified);
        }
        match guests.len() {
            0 => Ok(TillOutcome::Refused(TillRefusal::UnknownGuest)),
            1 => Ok(identified(guests.remove(0), staff, LookupMethod::Phone, None)),
            n => Ok(TillOutcome::NeedsDetail { candidates: n, ask: DetailNeeded::Scan }),
        }
    }

    /// Opens the guest of a staff deep link received by `chain`'s bot from `opener`.
    ///
    /// The opener must be staff of `chain` with at least [`TillConfig::lookup_role`]; a link
    /// carries no cafe, so the cafe check is left to the action that follows (earning needs an
    /// open shift at a cafe anyway). The token is checked before anything is read, and a
    /// non-staff opener never reaches the guest.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn open_deep_link(
        &self,
        chain: ChainId,
        opener: &ChannelIdentity,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<TillOutcome> {
        let terminal = TerminalId::of_identity(opener);
        let claims = match self.links.verify(token, now) {
            Ok(claims) if claims.chain == chain => claims,
            Ok(_) | Err(DeepLinkRejection::Malformed) => return Ok(TillOutcome::Refused(TillRefusal::LinkInvalid)),
            Err(DeepLinkRejection::Expired) => return Ok(TillOutcome::Refused(TillRefusal::LinkExpired)),
            Err(DeepLinkRejection::BadSignature) => {
                self.record(chain, SecurityEventKind::ForgedDeepLink, None, Some(terminal), None, now).await?;
                return Ok(TillOutcome::Refused(TillRefusal::LinkInvalid));
            }
        };
        let staff = match self.store.staff_by_identity(chain, opener).await {
            Ok(staff) if staff.chain_id == chain => staff,
            Ok(_) => return Ok(TillOutcome::Refused(TillRefusal::NotStaff)),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                self.record(chain, SecurityEventKind::NotStaff, None, Some(terminal), None, now).await?;
                return Ok(TillOutcome::Refused(TillRefusal::NotStaff));
            }
            Err(e) => return Err(e),
        };
        if !staff.has_role(self.config.lookup_role) {
            self.record(chain, SecurityEventKind::NotAllowed, Some(staff.id), Some(terminal), None, now).await?;
            return Ok(TillOutcome::Refused(TillRefusal::RoleTooLow { required: self.config.lookup_role }));
        }
        match self.store.guest_by_public_id(chain, claims.guest.as_str()).await {
            Ok(guest) => Ok(identified(guest, staff, LookupMethod::DeepLink, None)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(TillOutcome::Refused(TillRefusal::UnknownGuest)),
            Err(e) => Err(e),
        }
    }

    /// The double-tap guard: whether this tap of `action` for `guest` by the actor counts.
    /// Call it after the lookup, right before doing the action.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn claim_action(
        &self,
        actor: &TillActor,
        action: TillAction,
        guest: GuestId,
        now: DateTime<Utc>,
    ) -> Result<ClaimOutcome> {
        let claim = ActionClaim { staff: actor.staff, action, guest, at: now };
        self.store.claim_action(actor.chain, &claim, self.config.double_tap_window).await
    }

    /// Brings this process's presence index up to date with presences recorded by any
    /// process. Typed-code lookups call it; a background task may call it too.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn sync_presence(&self, chain: ChainId, now: DateTime<Utc>) -> Result<()> {
        let since = self.presence.synced_at(chain).map_or(now - self.config.presence, |at| at - SYNC_OVERLAP);
        for record in self.store.presences_changed_since(chain, since, now).await? {
            if self.presence.presenting_until(chain, record.guest).is_some_and(|u| u >= record.presenting_until) {
                continue;
            }
            // One unreadable secret must not stop the till for everyone else; the guest can
            // still be scanned or found by phone, and the scan path reports the error.
            let Ok(secret) = self.keyring.open(chain, record.guest, &record.secret) else { continue };
            self.presence.upsert(chain, record.guest, &GuestTotp::new(&secret), record.presenting_until, now);
        }
        self.presence.mark_synced(chain, now);
        Ok(())
    }

    async fn guest_totp(&self, chain: ChainId, guest: GuestId) -> Result<GuestTotp> {
        let sealed = match self.store.totp_secret(chain, guest).await? {
            Some(sealed) => sealed,
            None => {
                let candidate = self.keyring.seal(chain, guest, &TotpSecret::generate())?;
                // Another process may create one at the same moment: use whichever was stored.
                self.store.ensure_totp_secret(chain, guest, candidate).await?
            }
        };
        let secret = self.keyring.open(chain, guest, &sealed)?;
        if self.keyring.needs_resealing(&sealed) {
            self.store.replace_totp_secret(chain, guest, self.keyring.seal(chain, guest, &secret)?).await?;
        }
        Ok(GuestTotp::new(&secret))
    }

    async fn authorize(&self, actor: &TillActor, now: DateTime<Utc>) -> Result<Result<Staff, TillRefusal>> {
        let staff = match self.store.staff(actor.chain, actor.staff).await {
            Ok(staff) if staff.chain_id == actor.chain => staff,
            Ok(_) => return Ok(Err(TillRefusal::NotStaff)),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                self.record(actor.chain, SecurityEventKind::NotStaff, None, Some(actor.terminal.clone()), None, now)
                    .await?;
                return Ok(Err(TillRefusal::NotStaff));
            }
            Err(e) => return Err(e),
        };
        let refusal = if !staff.has_role(self.config.lookup_role) {
            TillRefusal::RoleTooLow { required: self.config.lookup_role }
        } else if !staff.works_at(actor.cafe) {
            TillRefusal::NotAtThisCafe
        } else {
            return Ok(Ok(staff));
        };
        self.record(
            actor.chain,
            SecurityEventKind::NotAllowed,
            Some(staff.id),
            Some(actor.terminal.clone()),
            None,
            now,
        )
        .await?;
        Ok(Err(refusal))
    }

    /// The lock on the actor's staff member or terminal, whichever ends later.
    async fn lock_of(&self, actor: &TillActor, now: DateTime<Utc>) -> Result<Option<TillRefusal>> {
        Ok(self.admissions(actor, now).await?.0.map(|until| TillRefusal::Locked { until }))
    }

    /// (lock end if locked, failures left otherwise) over both subjects.
    async fn admissions(&self, actor: &TillActor, now: DateTime<Utc>) -> Result<(Option<DateTime<Utc>>, u32)> {
        let policy = self.config.rate_limit;
        let since = now - policy.lookback();
        let mut locked_until: Option<DateTime<Utc>> = None;
        let mut left = policy.max_failures;
        for subject in [AttemptSubject::Staff(actor.staff), AttemptSubject::Terminal(actor.terminal.clone())] {
            let failures = self.store.failed_code_attempts(actor.chain, &subject, since).await?;
            match policy.admit(&failures, now) {
                Admission::Locked { until } => locked_until = Some(locked_until.map_or(until, |u| u.max(until))),
                Admission::Open { failures_left } => left = left.min(failures_left),
            }
        }
        Ok((locked_until, left))
    }

    /// Records a failed attempt and tells the till what to say, the lock first if this
    /// failure triggered it.
    async fn fail(
        &self,
        actor: &TillActor,
        kind: SecurityEventKind,
        guest: Option<GuestId>,
        now: DateTime<Utc>,
    ) -> Result<TillOutcome> {
        self.record(actor.chain, kind, Some(actor.staff), Some(actor.terminal.clone()), guest, now).await?;
        let (locked_until, failures_left) = self.admissions(actor, now).await?;
        let refusal = match (locked_until, kind) {
            (Some(until), _) => TillRefusal::Locked { until },
            (None, SecurityEventKind::ExpiredCode) => TillRefusal::CodeExpired,
            (None, SecurityEventKind::ReplayedCode) => TillRefusal::CodeAlreadyUsed,
            (None, SecurityEventKind::UnknownCard) => TillRefusal::UnknownGuest,
            (None, SecurityEventKind::DetailMismatch) => TillRefusal::DetailMismatch,
            (None, _) => TillRefusal::WrongCode { failures_left },
        };
        Ok(TillOutcome::Refused(refusal))
    }

    async fn accept(
        &self,
        actor: &TillActor,
        staff: Staff,
        guest: Guest,
        step: TimeStep,
        via: LookupMethod,
        now: DateTime<Utc>,
    ) -> Result<TillOutcome> {
        if self.store.accept_totp_step(actor.chain, guest.id, step).await? {
            Ok(identified(guest, staff, via, Some(step)))
        } else {
            self.fail(actor, SecurityEventKind::ReplayedCode, Some(guest.id), now).await
        }
    }

    async fn record(
        &self,
        chain: ChainId,
        kind: SecurityEventKind,
        staff: Option<StaffId>,
        terminal: Option<TerminalId>,
        guest: Option<GuestId>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.store.record_security_event(chain, &SecurityEvent { kind, staff, terminal, guest, at }).await
    }
}

fn identified(guest: Guest, staff: Staff, via: LookupMethod, step: Option<TimeStep>) -> TillOutcome {
    TillOutcome::Identified(Box::new(IdentifiedGuest { guest, staff, via, step }))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use chrono::TimeZone as _;

    use super::*;
    use crate::identity::fake::FakeStore;
    use crate::identity::secret::{KeyId, SecretKey};

    const CHAIN: ChainId = ChainId(1);
    const OTHER_CHAIN: ChainId = ChainId(2);
    const CAFE: CafeId = CafeId(10);

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_010, 0).unwrap()
    }

    fn keyring() -> SecretKeyring {
        SecretKeyring::new(KeyId::new("k1").unwrap(), [(KeyId::new("k1").unwrap(), SecretKey::from_bytes([3; 32]))])
            .unwrap()
    }

    fn service(store: &Arc<FakeStore>, config: TillConfig) -> TillIdentity<FakeStore> {
        TillIdentity::new(store.clone(), keyring(), DeepLinkSigner::new(SecretKey::from_bytes([4; 32])), config)
    }

    struct Scene {
        store: Arc<FakeStore>,
        till: TillIdentity<FakeStore>,
        actor: TillActor,
        guest: Guest,
    }

    fn scene() -> Scene {
        scene_with(TillConfig::default())
    }

    fn scene_with(config: TillConfig) -> Scene {
        let store = Arc::new(FakeStore::default());
        let staff = store.add_staff(CHAIN, Role::Barista, vec![CAFE], None);
        let guest = store.add_guest(CHAIN, Some("+381601234567"), true);
        let actor =
            TillActor { chain: CHAIN, staff: staff.id, cafe: CAFE, terminal: TerminalId::new("pos-1").unwrap() };
        Scene { till: service(&store, config), store, actor, guest }
    }

    fn refusal(outcome: &TillOutcome) -> TillRefusal {
        *outcome.refusal().unwrap_or_else(|| panic!("expected a refusal, got {outcome:?}"))
    }

    fn guest_id(outcome: &TillOutcome) -> GuestId {
        outcome.identified().unwrap_or_else(|| panic!("expected a guest, got {outcome:?}")).guest.id
    }

    async fn code_of(s: &Scene, guest: &Guest, at: DateTime<Utc>) -> TillCode {
        let sealed = s.store.totp_secret(CHAIN, guest.id).await.unwrap().unwrap();
        GuestTotp::new(&keyring().open(CHAIN, guest.id, &sealed).unwrap()).code_at(TimeStep::at(at))
    }

    #[tokio::test]
    async fn a_scanned_card_opens_the_guest_once() {
        let s = scene();
        let card = s.till.present_card(CHAIN, &s.guest, now()).await.unwrap();
        assert_eq!(card.refresh_at, TimeStep::at(now()).ends_at());
        let scanned = card.payload.to_string();
        let outcome = s.till.resolve_scan(&s.actor, &scanned, now()).await.unwrap();
        let found = outcome.identified().unwrap();
        assert_eq!(
            (found.guest.id, found.via, found.step),
            (s.guest.id, LookupMethod::Scan, Some(TimeStep::at(now())))
        );
        // Replay: the same step is refused, by scan or by typing.
        let again = s.till.resolve_scan(&s.actor, &scanned, now() + Duration::seconds(5)).await.unwrap();
        assert_eq!(refusal(&again), TillRefusal::CodeAlreadyUsed);
        let typed = s.till.resolve_typed_code(&s.actor, &card.code.to_string(), None, now()).await.unwrap();
        assert_eq!(refusal(&typed), TillRefusal::CodeAlreadyUsed);
        assert!(s.store.events().iter().any(|e| e.kind == SecurityEventKind::ReplayedCode));
    }

    #[tokio::test]
    async fn scans_allow_one_step_of_skew_and_call_older_codes_expired() {
        let s = scene();
        let card = s.till.present_card(CHAIN, &s.guest, now()).await.unwrap();
        // The guest's phone is a step behind the till: still fine.
        let later = now() + Duration::seconds(30);
        let outcome = s.till.resolve_scan(&s.actor, &card.payload.to_string(), later).await.unwrap();
        assert_eq!(guest_id(&outcome), s.guest.id);
        // A screen two steps stale is expired, with the message the till shows.
        let old_code = code_of(&s, &s.guest, now() - Duration::seconds(60)).await;
        let stale = CardPayload::new(s.guest.public_id.clone(), old_code).to_string();
        let outcome = s.till.resolve_scan(&s.actor, &stale, now()).await.unwrap();
        assert_eq!(refusal(&outcome), TillRefusal::CodeExpired);
        assert_eq!(refusal(&outcome).to_string(), "Code expired, ask the guest to refresh their card.");
        // Junk and unknown cards.
        assert_eq!(refusal(&s.till.resolve_scan(&s.actor, "hello", now()).await.unwrap()), TillRefusal::UnreadableCode);
        let stranger = CardPayload::new(GuestPublicId::random(), card.code).to_string();
        assert_eq!(refusal(&s.till.resolve_scan(&s.actor, &stranger, now()).await.unwrap()), TillRefusal::UnknownGuest);
    }

    use crate::guest::GuestPublicId;

    #[tokio::test]
    async fn typed_codes_resolve_among_presenting_guests_only() {
        let s = scene();
        let absent = s.store.add_guest(CHAIN, None, false);
        // The absent guest has a secret (opened the card long ago) but is not presenting now.
        s.till.present_card(CHAIN, &absent, now() - Duration::hours(1)).await.unwrap();
        let card = s.till.present_card(CHAIN, &s.guest, now()).await.unwrap();
        let absent_code = code_of(&s, &absent, now()).await;
        if !absent_code.ct_eq(card.code) {
            let outcome = s.till.resolve_typed_code(&s.actor, &absent_code.to_string(), None, now()).await.unwrap();
            assert!(matches!(refusal(&outcome), TillRefusal::WrongCode { failures_left: 4 }), "{outcome:?}");
        }
        let typed = format!("{} {}", &card.code.to_string()[..3], &card.code.to_string()[3..]);
        let outcome = s.till.resolve_typed_code(&s.actor, &typed, None, now()).await.unwrap();
        assert_eq!(guest_id(&outcome), s.guest.id);
        assert_eq!(outcome.identified().unwrap().via, LookupMethod::TypedCode);
    }

    #[tokio::test]
    async fn a_card_opened_through_one_process_resolves_in_another_once() {
        let s = scene();
        let other_process = service(&s.store, TillConfig::default());
        let card = s.till.present_card(CHAIN, &s.guest, now()).await.unwrap();
        let outcome = other_process.resolve_typed_code(&s.actor, &card.code.to_string(), None, now()).await.unwrap();
        assert_eq!(guest_id(&outcome), s.guest.id);
        // The step is used now, whichever process sees it next.
        let outcome = s.till.resolve_scan(&s.actor, &card.payload.to_string(), now()).await.unwrap();
        assert_eq!(refusal(&outcome), TillRefusal::CodeAlreadyUsed);
    }

    #[tokio::test]
    async fn a_shared_code_asks_for_the_phone_digits() {
        let s = scene();
        let twin = s.store.add_guest(CHAIN, Some("+381609999888"), true);
        // Give both guests the same secret, so their codes collide as two strangers' sometimes do.
        let shared = TotpSecret::from_bytes([5; 32]);
        s.store.put_secret(CHAIN, s.guest.id, keyring().seal(CHAIN, s.guest.id, &shared).unwrap());
        s.store.put_secret(CHAIN, twin.id, keyring().seal(CHAIN, twin.id, &shared).unwrap());
        let card = s.till.present_card(CHAIN, &s.guest, now()).await.unwrap();
        s.till.present_card(CHAIN, &twin, now()).await.unwrap();
        let code = card.code.to_string();

        let outcome = s.till.resolve_typed_code(&s.actor, &code, None, now()).await.unwrap();
        assert_eq!(outcome, TillOutcome::NeedsDetail { candidates: 2, ask: DetailNeeded::PhoneDigitsOrScan });
        let outcome = s.till.resolve_typed_code(&s.actor, &code, Some("x1"), now()).await.unwrap();
        assert_eq!(refusal(&outcome), TillRefusal::UnreadableDetail);
        let outcome = s.till.resolve_typed_code(&s.actor, &code, Some("0000"), now()).await.unwrap();
        assert_eq!(refusal(&outcome), TillRefusal::DetailMismatch);
        let outcome = s.till.resolve_typed_code(&s.actor, &code, Some("888"), now()).await.unwrap();
        assert_eq!(guest_id(&outcome), twin.id);
        // The twin's step is used; the first guest's is not, and the hint still finds them.
        let outcome = s.till.resolve_typed_code(&s.actor, &code, Some("4567"), now()).await.unwrap();
        assert_eq!(guest_id(&outcome), s.guest.id);
    }

    #[tokio::test]
    async fn five_wrong_codes_lock_the_staff_member_and_the_terminal() {
        let s = scene();
        let card = s.till.present_card(CHAIN, &s.guest, now()).await.unwrap();
        let wrong = TillCode::from_u32((card.code.value() + 500_000) % 1_000_000).unwrap();
        let wrong = CardPayload::new(s.guest.public_id.clone(), wrong).to_string();
        for left in (1..=4).rev() {
            let outcome = s.till.resolve_scan(&s.actor, &wrong, now()).await.unwrap();
            assert_eq!(refusal(&outcome), TillRefusal::WrongCode { failures_left: left });
        }
        let outcome = s.till.resolve_scan(&s.actor, &wrong, now()).await.unwrap();
        let until = now() + Duration::minutes(5);
        assert_eq!(refusal(&outcome), TillRefusal::Locked { until });
        assert!(refusal(&outcome).to_string().contains("locked until"));
        // Locked means locked: even the right code is refused, by scan and by typing.
        let right = card.payload.to_string();
        assert_eq!(
            refusal(&s.till.resolve_scan(&s.actor, &right, now()).await.unwrap()),
            TillRefusal::Locked { until }
        );
        let typed = s.till.resolve_typed_code(&s.actor, &card.code.to_string(), None, now()).await.unwrap();
        assert_eq!(refusal(&typed), TillRefusal::Locked { until });
        // Another staff member at the same terminal is locked too; the first one elsewhere as well.
        let colleague = s.store.add_staff(CHAIN, Role::Barista, vec![CAFE], None);
        let at_same_till = TillActor { staff: colleague.id, ..s.actor.clone() };
        assert_eq!(
            refusal(&s.till.resolve_scan(&at_same_till, &right, now()).await.unwrap()),
            TillRefusal::Locked { until }
        );
        let elsewhere = TillActor { terminal: TerminalId::new("pos-2").unwrap(), ..s.actor.clone() };
        assert_eq!(
            refusal(&s.till.resolve_scan(&elsewhere, &right, now()).await.unwrap()),
            TillRefusal::Locked { until }
        );
        // The colleague on another terminal is not.
        let free = TillActor { staff: colleague.id, terminal: TerminalId::new("pos-2").unwrap(), ..s.actor.clone() };
        assert_eq!(guest_id(&s.till.resolve_scan(&free, &right, now()).await.unwrap()), s.guest.id);
        // Every wrong code was reported.
        let wrongs = s.store.events().iter().filter(|e| e.kind == SecurityEventKind::WrongCode).count();
        assert_eq!(wrongs, 5);
        // After the lock, code entry opens again.
        let card = s.till.present_card(CHAIN, &s.guest, until).await.unwrap();
        let outcome = s.till.resolve_scan(&s.actor, &card.payload.to_string(), until).await.unwrap();
        assert_eq!(guest_id(&outcome), s.guest.id);
    }

    #[tokio::test]
    async fn only_staff_of_the_chain_with_the_role_reach_a_guest() {
        let s = scene_with(TillConfig { lookup_role: Role::Manager, ..TillConfig::default() });
        let card = s.till.present_card(CHAIN, &s.guest, now()).await.unwrap();
        let manager = s.store.add_staff(CHAIN, Role::Manager, vec![CafeId(11)], None);
        let foreign = s.store.add_staff(OTHER_CHAIN, Role::Owner, vec![], None);
        let cases = [
            (s.actor.clone(), TillRefusal::RoleTooLow { required: Role::Manager }),
            (TillActor { staff: manager.id, ..s.actor.clone() }, TillRefusal::NotAtThisCafe),
            (TillActor { staff: foreign.id, ..s.actor.clone() }, TillRefusal::NotStaff),
            (TillActor { staff: StaffId(9_999), ..s.actor.clone() }, TillRefusal::NotStaff),
        ];
        let reads_before = s.store.guest_reads.load(Ordering::SeqCst);
        for (actor, expected) in &cases {
            let payload = card.payload.to_string();
            let code = card.code.to_string();
            assert_eq!(refusal(&s.till.resolve_scan(actor, &payload, now()).await.unwrap()), *expected);
            assert_eq!(refusal(&s.till.resolve_typed_code(actor, &code, None, now()).await.unwrap()), *expected);
            assert_eq!(refusal(&s.till.lookup_by_phone(actor, "+381601234567", now()).await.unwrap()), *expected);
        }
        assert_eq!(s.store.guest_reads.load(Ordering::SeqCst), reads_before, "a refused actor read guest data");
        assert!(s.store.events().iter().any(|e| e.kind == SecurityEventKind::NotStaff));
        // The same code still works for someone allowed (nothing was consumed).
        let manager_here = s.store.add_staff(CHAIN, Role::Manager, vec![CAFE], None);
        let ok = TillActor { staff: manager_here.id, ..s.actor.clone() };
        assert_eq!(guest_id(&s.till.resolve_scan(&ok, &card.payload.to_string(), now()).await.unwrap()), s.guest.id);
    }

    #[tokio::test]
    async fn phone_lookup_prefers_the_verified_guest() {
        let s = scene();
        s.store.add_guest(CHAIN, Some("+381601234567"), false);
        let outcome = s.till.lookup_by_phone(&s.actor, " +381601234567 ", now()).await.unwrap();
        assert_eq!((guest_id(&outcome), outcome.identified().unwrap().via), (s.guest.id, LookupMethod::Phone));
        s.store.add_guest(CHAIN, Some("+381605555555"), false);
        s.store.add_guest(CHAIN, Some("+381605555555"), false);
        let outcome = s.till.lookup_by_phone(&s.actor, "+381605555555", now()).await.unwrap();
        assert_eq!(outcome, TillOutcome::NeedsDetail { candidates: 2, ask: DetailNeeded::Scan });
        assert_eq!(
            refusal(&s.till.lookup_by_phone(&s.actor, "0601234567", now()).await.unwrap()),
            TillRefusal::InvalidPhone
        );
        assert_eq!(
            refusal(&s.till.lookup_by_phone(&s.actor, "+381600000000", now()).await.unwrap()),
            TillRefusal::UnknownGuest
        );
    }

    #[tokio::test]
    async fn deep_links_open_the_guest_for_staff_only() {
        let s = scene();
        let barista_tg = ChannelIdentity::new("telegram", "5001").unwrap();
        s.store.add_staff(CHAIN, Role::Barista, vec![CAFE], Some(barista_tg.clone()));
        let foreign_tg = ChannelIdentity::new("telegram", "5002").unwrap();
        s.store.add_staff(OTHER_CHAIN, Role::Owner, vec![], Some(foreign_tg.clone()));
        let guest_tg = ChannelIdentity::new("telegram", "7001").unwrap();
        let token = s.till.present_card(CHAIN, &s.guest, now()).await.unwrap().staff_link;
        let token = token.as_str();

        let outcome = s.till.open_deep_link(CHAIN, &barista_tg, token, now()).await.unwrap();
        assert_eq!((guest_id(&outcome), outcome.identified().unwrap().via), (s.guest.id, LookupMethod::DeepLink));

        let reads_before = s.store.guest_reads.load(Ordering::SeqCst);
        assert_eq!(
            refusal(&s.till.open_deep_link(CHAIN, &guest_tg, token, now()).await.unwrap()),
            TillRefusal::NotStaff
        );
        assert_eq!(
            refusal(&s.till.open_deep_link(CHAIN, &foreign_tg, token, now()).await.unwrap()),
            TillRefusal::NotStaff
        );
        // Another chain's bot gets a link of this chain: refused before any lookup.
        let outcome = s.till.open_deep_link(OTHER_CHAIN, &foreign_tg, token, now()).await.unwrap();
        assert_eq!(refusal(&outcome), TillRefusal::LinkInvalid);
        // Expired, forged and altered links.
        let late = now() + Duration::minutes(11);
        assert_eq!(
            refusal(&s.till.open_deep_link(CHAIN, &barista_tg, token, late).await.unwrap()),
            TillRefusal::LinkExpired
        );
        let forger = DeepLinkSigner::new(SecretKey::from_bytes([66; 32]));
        let forged = forger.sign(CHAIN, &s.guest.public_id, now()).unwrap();
        let outcome = s.till.open_deep_link(CHAIN, &barista_tg, forged.as_str(), now()).await.unwrap();
        assert_eq!(refusal(&outcome), TillRefusal::LinkInvalid);
        let mut altered = token.to_owned().into_bytes();
        altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        assert_eq!(
            refusal(&s.till.open_deep_link(CHAIN, &barista_tg, &altered, now()).await.unwrap()),
            TillRefusal::LinkInvalid
        );
        assert_eq!(s.store.guest_reads.load(Ordering::SeqCst), reads_before, "a refused opener read guest data");
        let kinds: Vec<_> = s.store.events().iter().map(|e| e.kind).collect();
        assert!(kinds.contains(&SecurityEventKind::ForgedDeepLink) && kinds.contains(&SecurityEventKind::NotStaff));
    }

    #[tokio::test]
    async fn a_double_tap_counts_once_across_processes() {
        let s = scene();
        let other_process = service(&s.store, TillConfig::default());
        let earn = TillAction::new("earn").unwrap();
        let first = s.till.claim_action(&s.actor, earn.clone(), s.guest.id, now()).await.unwrap();
        assert_eq!(first, ClaimOutcome::Counted);
        let tap = now() + Duration::milliseconds(800);
        let second = other_process.claim_action(&s.actor, earn.clone(), s.guest.id, tap).await.unwrap();
        assert_eq!(second, ClaimOutcome::Repeat { counted_at: now() });
        // Another action, or after the window, counts.
        let redeem = TillAction::new("redeem").unwrap();
        assert_eq!(s.till.claim_action(&s.actor, redeem, s.guest.id, tap).await.unwrap(), ClaimOutcome::Counted);
        let later = now() + Duration::seconds(3);
        assert_eq!(s.till.claim_action(&s.actor, earn, s.guest.id, later).await.unwrap(), ClaimOutcome::Counted);
    }

    #[tokio::test]
    async fn secrets_are_sealed_in_the_store_and_resealed_after_rotation() {
        let s = scene();
        s.till.present_card(CHAIN, &s.guest, now()).await.unwrap();
        let sealed = s.store.totp_secret(CHAIN, s.guest.id).await.unwrap().unwrap();
        assert_eq!(sealed.key_id().as_str(), "k1");
        let code_before = code_of(&s, &s.guest, now()).await;
        // Rotate: k2 becomes current, k1 still opens.
        let rotated = SecretKeyring::new(
            KeyId::new("k2").unwrap(),
            [
                (KeyId::new("k1").unwrap(), SecretKey::from_bytes([3; 32])),
                (KeyId::new("k2").unwrap(), SecretKey::generate()),
            ],
        )
        .unwrap();
        let till = TillIdentity::new(
            s.store.clone(),
            rotated,
            DeepLinkSigner::new(SecretKey::generate()),
            TillConfig::default(),
        );
        let card = till.present_card(CHAIN, &s.guest, now()).await.unwrap();
        assert!(card.code.ct_eq(code_before), "rotation keeps the secret");
        let resealed = s.store.totp_secret(CHAIN, s.guest.id).await.unwrap().unwrap();
        assert_eq!(resealed.key_id().as_str(), "k2");
        let shown = format!("{till:?}");
        assert!(shown.contains("k2") && !shown.contains("[3, 3"), "{shown}");
    }
}

#[cfg(test)]
mod wiring {
    use super::*;
    use crate::store::Store;

    /// The server holds `TillIdentity<dyn Store>` in axum state: it must type-check, and its
    /// futures must be `Send`.
    #[test]
    fn fits_dyn_store_and_futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        fn check(till: &TillIdentity<dyn Store>, actor: &TillActor, who: &ChannelIdentity, guest: &Guest) {
            let now = Utc::now();
            assert_send(&till.resolve_scan(actor, "", now));
            assert_send(&till.resolve_typed_code(actor, "", None, now));
            assert_send(&till.lookup_by_phone(actor, "", now));
            assert_send(&till.open_deep_link(actor.chain, who, "", now));
            assert_send(&till.present_card(actor.chain, guest, now));
            assert_send(&till.claim_action(actor, TillAction::new("earn").unwrap(), guest.id, now));
        }
        let _ = check;
        fn assert_sync<T: Send + Sync + ?Sized>() {}
        assert_sync::<TillIdentity<dyn Store>>();
    }
}
