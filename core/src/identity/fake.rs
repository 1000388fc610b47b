//! An in-memory store for the identity tests: guests, staff and the [`IdentityRepo`] methods,
//! following their `# Behaviour` sections. Methods identity does not use refuse loudly.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::guest::{ChannelIdentity, Guest, GuestPublicId, NewGuest};
use crate::identity::double_tap::{self, ActionClaim, ClaimOutcome};
use crate::identity::rate_limit::AttemptSubject;
use crate::identity::secret::EncryptedSecret;
use crate::identity::security::SecurityEvent;
use crate::identity::totp::TimeStep;
use crate::ids::{CafeId, ChainId, GuestId, ShiftId, StaffId};
use crate::page::{Page, PageRequest};
use crate::staff::{NewStaff, Shift, Staff, StaffUpdate};
use crate::store::{GuestRepo, IdentityRepo, PresenceRecord, StaffRepo};
use crate::{Error, Result};

#[derive(Default)]
struct State {
    guests: Vec<Guest>,
    staff: Vec<Staff>,
    secrets: HashMap<(ChainId, GuestId), (EncryptedSecret, Option<TimeStep>)>,
    presence: HashMap<(ChainId, GuestId), (DateTime<Utc>, DateTime<Utc>)>,
    claims: HashMap<(ChainId, StaffId, String, GuestId), DateTime<Utc>>,
    events: Vec<(ChainId, SecurityEvent)>,
}

#[derive(Default)]
pub(crate) struct FakeStore {
    state: Mutex<State>,
    /// How many times guest data was read: a refused actor must leave this at zero.
    pub(crate) guest_reads: AtomicUsize,
}

fn unsupported<T>() -> Result<T> {
    Err(Error::internal("not supported by the identity test store"))
}

impl FakeStore {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    pub(crate) fn add_guest(&self, chain: ChainId, phone: Option<&str>, verified: bool) -> Guest {
        let mut s = self.state();
        let guest = Guest {
            id: GuestId(i64::try_from(s.guests.len()).unwrap() + 1),
            chain_id: chain,
            public_id: GuestPublicId::random(),
            display_name: None,
            phone: phone.map(str::to_owned),
            phone_verified: verified,
            language: None,
            birthday: None,
            referral_code: "REF".into(),
            consent: crate::guest::Consent::default(),
            home_cafe: None,
            referred_by: None,
            created_at: Utc::now(),
            identities: Vec::new(),
            erased_at: None,
        };
        s.guests.push(guest.clone());
        guest
    }

    pub(crate) fn add_staff(
        &self,
        chain: ChainId,
        role: crate::staff::Role,
        cafes: Vec<CafeId>,
        identity: Option<ChannelIdentity>,
    ) -> Staff {
        let mut s = self.state();
        let staff = Staff {
            id: StaffId(i64::try_from(s.staff.len()).unwrap() + 100),
            chain_id: chain,
            name: "Ana".into(),
            role,
            cafes,
            identity,
            login: None,
            active: true,
        };
        s.staff.push(staff.clone());
        staff
    }

    pub(crate) fn put_secret(&self, chain: ChainId, guest: GuestId, secret: EncryptedSecret) {
        self.state().secrets.insert((chain, guest), (secret, None));
    }

    pub(crate) fn events(&self) -> Vec<SecurityEvent> {
        self.state().events.iter().map(|(_, e)| e.clone()).collect()
    }
}

#[async_trait]
impl GuestRepo for FakeStore {
    async fn create_guest(&self, _: ChainId, _: NewGuest) -> Result<Guest> {
        unsupported()
    }
    async fn guest(&self, chain: ChainId, id: GuestId) -> Result<Guest> {
        self.guest_reads.fetch_add(1, Ordering::SeqCst);
        let s = self.state();
        s.guests
            .iter()
            .find(|g| g.chain_id == chain && g.id == id)
            .cloned()
            .ok_or_else(|| Error::not_found("guest", id))
    }
    async fn guest_by_public_id(&self, chain: ChainId, public_id: &str) -> Result<Guest> {
        self.guest_reads.fetch_add(1, Ordering::SeqCst);
        let s = self.state();
        s.guests
            .iter()
            .find(|g| g.chain_id == chain && g.public_id.as_str() == public_id)
            .cloned()
            .ok_or_else(|| Error::not_found("guest", public_id))
    }
    async fn guest_by_identity(&self, _: ChainId, _: &ChannelIdentity) -> Result<Guest> {
        unsupported()
    }
    async fn link_identity(&self, _: ChainId, _: GuestId, _: ChannelIdentity) -> Result<Guest> {
        unsupported()
    }
    async fn list_guests(&self, _: ChainId, _: PageRequest) -> Result<Page<Guest>> {
        unsupported()
    }
    async fn count_guests(&self, _: ChainId) -> Result<u64> {
        unsupported()
    }
    async fn update_guest(&self, _: ChainId, _: GuestId, _: crate::guest::GuestUpdate) -> Result<Guest> {
        unsupported()
    }
    async fn guest_by_referral_code(&self, _: ChainId, _: &str) -> Result<Guest> {
        unsupported()
    }
    async fn count_referrals(&self, _: ChainId, _: GuestId) -> Result<u64> {
        unsupported()
    }
    async fn record_seen(&self, _: ChainId, _: &ChannelIdentity, _: DateTime<Utc>) -> Result<bool> {
        unsupported()
    }

    async fn merge_guests(&self, _: ChainId, _: GuestId, _: GuestId) -> Result<crate::store::GuestMerge> {
        unsupported()
    }
    async fn search_guests(&self, _: ChainId, _: &str, _: PageRequest) -> Result<Page<Guest>> {
        unsupported()
    }
    async fn erase_guest(&self, _: ChainId, _: GuestId) -> Result<Guest> {
        unsupported()
    }
}

#[async_trait]
impl StaffRepo for FakeStore {
    async fn create_staff(&self, _: ChainId, _: NewStaff) -> Result<Staff> {
        unsupported()
    }
    async fn update_staff(&self, _: ChainId, _: StaffId, _: StaffUpdate) -> Result<Staff> {
        unsupported()
    }
    async fn staff(&self, chain: ChainId, id: StaffId) -> Result<Staff> {
        let s = self.state();
        s.staff.iter().find(|m| m.chain_id == chain && m.id == id).cloned().ok_or_else(|| Error::not_found("staff", id))
    }
    async fn staff_by_identity(&self, chain: ChainId, identity: &ChannelIdentity) -> Result<Staff> {
        let s = self.state();
        s.staff
            .iter()
            .find(|m| m.chain_id == chain && m.active && m.identity.as_ref() == Some(identity))
            .cloned()
            .ok_or_else(|| Error::not_found("staff", &identity.external_id))
    }
    async fn open_shift(&self, _: ChainId, _: StaffId, _: CafeId) -> Result<Shift> {
        unsupported()
    }
    async fn close_shift(&self, _: ChainId, _: ShiftId) -> Result<Shift> {
        unsupported()
    }
    async fn open_shift_of(&self, _: ChainId, _: StaffId) -> Result<Option<Shift>> {
        unsupported()
    }
    async fn list_shifts(
        &self,
        _: ChainId,
        _: Option<&[CafeId]>,
        _: crate::page::PageRequest,
    ) -> Result<crate::page::Page<Shift>> {
        unsupported()
    }
}

#[async_trait]
impl IdentityRepo for FakeStore {
    async fn totp_secret(&self, chain: ChainId, guest: GuestId) -> Result<Option<EncryptedSecret>> {
        Ok(self.state().secrets.get(&(chain, guest)).map(|(s, _)| s.clone()))
    }

    async fn ensure_totp_secret(
        &self,
        chain: ChainId,
        guest: GuestId,
        candidate: EncryptedSecret,
    ) -> Result<EncryptedSecret> {
        let mut s = self.state();
        if !s.guests.iter().any(|g| g.chain_id == chain && g.id == guest) {
            return Err(Error::not_found("guest", guest));
        }
        Ok(s.secrets.entry((chain, guest)).or_insert((candidate, None)).0.clone())
    }

    async fn replace_totp_secret(&self, chain: ChainId, guest: GuestId, secret: EncryptedSecret) -> Result<()> {
        let mut s = self.state();
        let entry = s.secrets.get_mut(&(chain, guest)).ok_or_else(|| Error::not_found("guest", guest))?;
        entry.0 = secret;
        Ok(())
    }

    async fn accept_totp_step(&self, chain: ChainId, guest: GuestId, step: TimeStep) -> Result<bool> {
        let mut s = self.state();
        let entry = s.secrets.get_mut(&(chain, guest)).ok_or_else(|| Error::not_found("guest", guest))?;
        if entry.1.is_none_or(|last| last < step) {
            entry.1 = Some(step);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    async fn record_presence(
        &self,
        chain: ChainId,
        guest: GuestId,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut s = self.state();
        if !s.guests.iter().any(|g| g.chain_id == chain && g.id == guest) {
            return Err(Error::not_found("guest", guest));
        }
        let entry = s.presence.entry((chain, guest)).or_insert((until, now));
        *entry = (entry.0.max(until), now);
        Ok(())
    }

    async fn presences_changed_since(
        &self,
        chain: ChainId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<PresenceRecord>> {
        let s = self.state();
        let mut out: Vec<PresenceRecord> = s
            .presence
            .iter()
            .filter(|((c, _), (until, updated))| *c == chain && *updated >= since && *until >= now)
            .filter_map(|((c, g), (until, updated))| {
                s.secrets.get(&(*c, *g)).map(|(secret, _)| PresenceRecord {
                    guest: *g,
                    secret: secret.clone(),
                    presenting_until: *until,
                    updated_at: *updated,
                })
            })
            .collect();
        out.sort_by_key(|r| r.updated_at);
        Ok(out)
    }

    async fn guests_by_phone(&self, chain: ChainId, phone: &str) -> Result<Vec<Guest>> {
        self.guest_reads.fetch_add(1, Ordering::SeqCst);
        let s = self.state();
        let mut found: Vec<Guest> =
            s.guests.iter().filter(|g| g.chain_id == chain && g.phone.as_deref() == Some(phone)).cloned().collect();
        found.sort_by_key(|g| (!g.phone_verified, g.created_at));
        Ok(found)
    }

    async fn claim_action(&self, chain: ChainId, claim: &ActionClaim, window: Duration) -> Result<ClaimOutcome> {
        let mut s = self.state();
        let key = (chain, claim.staff, claim.action.as_str().to_owned(), claim.guest);
        let outcome = double_tap::decide(s.claims.get(&key).copied(), claim.at, window);
        if outcome == ClaimOutcome::Counted {
            s.claims.insert(key, claim.at);
        }
        Ok(outcome)
    }

    async fn record_security_event(&self, chain: ChainId, event: &SecurityEvent) -> Result<()> {
        self.state().events.push((chain, event.clone()));
        Ok(())
    }

    async fn failed_code_attempts(
        &self,
        chain: ChainId,
        subject: &AttemptSubject,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>> {
        let s = self.state();
        Ok(s.events
            .iter()
            .filter(|(c, e)| *c == chain && e.kind.counts_toward_lock() && e.at >= since)
            .filter(|(_, e)| match subject {
                AttemptSubject::Staff(id) => e.staff == Some(*id),
                AttemptSubject::Terminal(t) => e.terminal.as_ref() == Some(t),
            })
            .map(|(_, e)| e.at)
            .collect())
    }
}
