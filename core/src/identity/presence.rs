//! Who is presenting their card right now, and the in-memory index that resolves six typed
//! digits among them.
//!
//! # Why a presence window
//! Six digits are a million values. With a million guests, every code belongs to about one
//! guest *somewhere* at any moment, so a typed code alone cannot say who is at the till. A guest
//! who opens their card (in any messenger or the Mini App) is *presenting* at that chain for a
//! few minutes; a typed code is searched only among those. With 2,000 guests presenting at one
//! chain and 3 accepted steps each, a wrong or guessed code hits someone with probability
//! about 0.6 %, and the per-staff and per-terminal lock keeps guessing slow and loud.
//!
//! # The index
//! For each presenting guest the index keeps the codes of every step from when the guest began
//! presenting until one step past the end of their window, computed once when the presence is
//! recorded (about a dozen HMACs per card opening). Codes live in a map keyed by
//! `(step, code)`, so a lookup is three hash probes for the accepted steps plus ten for the
//! "expired" diagnosis: no HMAC and no decryption on the hot path, and no secret kept in memory
//! after the codes are computed. Guests outside the window are never touched, so the cost does
//! not grow with the chain's million guests.
//!
//! Each server process keeps its own index and brings it up to date from the database
//! ([`IdentityRepo::presences_changed_since`]) before resolving a code, so a card opened
//! through one process resolves in another.
//!
//! [`IdentityRepo::presences_changed_since`]: crate::store::IdentityRepo::presences_changed_since

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use chrono::{DateTime, Duration, Utc};

use crate::identity::totp::{EXPIRED_LOOKBACK_STEPS, GuestTotp, SKEW_STEPS, TillCode, TimeStep};
use crate::ids::{ChainId, GuestId};

/// Default length of the presence window.
pub const DEFAULT_PRESENCE: Duration = Duration::minutes(5);

/// What a typed code matches among a chain's presenting guests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeMatches {
    /// No presenting guest has this code now or recently.
    Nobody,
    /// No current match, but a presenting guest had this code a few steps ago.
    Expired {
        /// Whose old code it was.
        guest: GuestId,
    },
    /// Exactly one presenting guest has this code within the accepted skew.
    One {
        /// The guest.
        guest: GuestId,
        /// The step the code belongs to (to mark as used).
        step: TimeStep,
    },
    /// Several presenting guests share this code: ask for one more detail.
    Several(Vec<(GuestId, TimeStep)>),
}

#[derive(Debug)]
struct PresentGuest {
    /// Step of `codes[0]`.
    first_step: u64,
    /// Codes for `first_step`, `first_step + 1`, ...
    codes: Vec<u32>,
    /// End of the presence window.
    until: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct ChainPresence {
    guests: HashMap<GuestId, PresentGuest>,
    by_code: HashMap<(u64, u32), Vec<GuestId>>,
    synced_at: Option<DateTime<Utc>>,
    swept_step: u64,
}

impl ChainPresence {
    fn unindex(&mut self, guest: GuestId, first_step: u64, codes: &[u32]) {
        for (i, code) in codes.iter().enumerate() {
            let key = (first_step + i as u64, *code);
            if let Some(list) = self.by_code.get_mut(&key) {
                list.retain(|g| *g != guest);
                if list.is_empty() {
                    self.by_code.remove(&key);
                }
            }
        }
    }

    fn sweep(&mut self, now: DateTime<Utc>) -> usize {
        let now_step = TimeStep::at(now).get();
        // Keep guests a little past their window so a stale code still reads "expired".
        let grace = Duration::seconds(i64::try_from(EXPIRED_LOOKBACK_STEPS * 30).unwrap_or(300));
        let gone: Vec<GuestId> = self.guests.iter().filter(|(_, p)| p.until + grace < now).map(|(g, _)| *g).collect();
        for guest in &gone {
            if let Some(p) = self.guests.remove(guest) {
                self.unindex(*guest, p.first_step, &p.codes);
            }
        }
        // Trim codes too old to matter from guests who keep extending their presence.
        let oldest_useful = now_step.saturating_sub(SKEW_STEPS + EXPIRED_LOOKBACK_STEPS);
        let mut trims = Vec::new();
        for (guest, p) in &mut self.guests {
            if p.first_step < oldest_useful {
                let drop = usize::try_from(oldest_useful - p.first_step).unwrap_or(usize::MAX).min(p.codes.len());
                let dropped: Vec<u32> = p.codes.drain(..drop).collect();
                trims.push((*guest, p.first_step, dropped));
                p.first_step += drop as u64;
            }
        }
        for (guest, first, codes) in trims {
            self.unindex(guest, first, &codes);
        }
        self.swept_step = now_step;
        gone.len()
    }
}

/// Presenting guests of every chain, in memory, safe to share between tasks.
#[derive(Debug, Default)]
pub struct PresenceIndex {
    chains: RwLock<HashMap<ChainId, ChainPresence>>,
}

impl PresenceIndex {
    /// An empty index.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `guest` presents at `chain` until `until`, computing the codes the window
    /// needs from `totp`. Extending a presence computes only the new steps; a shorter `until`
    /// than the one known is ignored (presence only grows, as in the store).
    pub fn upsert(&self, chain: ChainId, guest: GuestId, totp: &GuestTotp, until: DateTime<Utc>, now: DateTime<Utc>) {
        let now_step = TimeStep::at(now).get();
        let last_needed = TimeStep::at(until).get() + SKEW_STEPS;
        let fresh_first = now_step.saturating_sub(SKEW_STEPS);
        let start = {
            let chains = self.chains.read().unwrap_or_else(PoisonError::into_inner);
            chains
                .get(&chain)
                .and_then(|c| c.guests.get(&guest))
                .map_or(fresh_first, |p| p.first_step + p.codes.len() as u64)
        };
        // The HMACs run outside the lock, so a card being opened never stalls typed-code lookups.
        let computed: Vec<u32> = (start..=last_needed).map(|step| totp.code_at(TimeStep::new(step)).value()).collect();

        let mut chains = self.chains.write().unwrap_or_else(PoisonError::into_inner);
        let presence = chains.entry(chain).or_default();
        if presence.swept_step != now_step {
            presence.sweep(now);
        }
        let entry = presence.guests.entry(guest).or_insert_with(|| PresentGuest {
            first_step: start,
            codes: Vec::new(),
            until,
        });
        entry.until = entry.until.max(until);
        let mut added = Vec::new();
        let mut next = entry.first_step + entry.codes.len() as u64;
        while next <= last_needed {
            // Normally every code comes from `computed`; if a concurrent upsert or sweep moved
            // the entry in between, the missing steps are computed here instead.
            let code = next
                .checked_sub(start)
                .and_then(|i| computed.get(usize::try_from(i).ok()?).copied())
                .unwrap_or_else(|| totp.code_at(TimeStep::new(next)).value());
            entry.codes.push(code);
            added.push((next, code));
            next += 1;
        }
        for key in added {
            presence.by_code.entry(key).or_default().push(guest);
        }
    }

    /// The presenting guests of `chain` whose code at `now` (±1 step) is `code`.
    #[must_use]
    pub fn find(&self, chain: ChainId, code: TillCode, now: DateTime<Utc>) -> CodeMatches {
        let chains = self.chains.read().unwrap_or_else(PoisonError::into_inner);
        let Some(presence) = chains.get(&chain) else { return CodeMatches::Nobody };
        let current = TimeStep::at(now);
        let mut hits = Vec::new();
        // Hash probes on (step, code) do not run in constant time, but what they could reveal,
        // whether some presenting guest has this code, is exactly what the answer says anyway.
        for delta in -i64::try_from(SKEW_STEPS).unwrap_or(1)..=i64::try_from(SKEW_STEPS).unwrap_or(1) {
            let step = current.offset(delta);
            if let Some(guests) = presence.by_code.get(&(step.get(), code.value())) {
                hits.extend(
                    guests
                        .iter()
                        .filter(|g| presence.guests.get(g).is_some_and(|p| p.until >= now))
                        .map(|g| (*g, step)),
                );
            }
        }
        // A guest whose code of one step equals that of the next would show twice.
        hits.sort_unstable();
        hits.dedup_by_key(|(g, _)| *g);
        match hits.len() {
            0 => {}
            1 => return CodeMatches::One { guest: hits[0].0, step: hits[0].1 },
            _ => return CodeMatches::Several(hits),
        }
        for back in (SKEW_STEPS + 1)..=(SKEW_STEPS + EXPIRED_LOOKBACK_STEPS) {
            let step = current.offset(-i64::try_from(back).unwrap_or(0));
            if let Some(guest) = presence.by_code.get(&(step.get(), code.value())).and_then(|g| g.first()) {
                return CodeMatches::Expired { guest: *guest };
            }
        }
        CodeMatches::Nobody
    }

    /// Whether `guest` presents at `chain` at `now`.
    #[must_use]
    pub fn is_presenting(&self, chain: ChainId, guest: GuestId, now: DateTime<Utc>) -> bool {
        let chains = self.chains.read().unwrap_or_else(PoisonError::into_inner);
        chains.get(&chain).and_then(|c| c.guests.get(&guest)).is_some_and(|p| p.until >= now)
    }

    /// How many guests `chain` has in the index (presenting or just expired).
    #[must_use]
    pub fn len(&self, chain: ChainId) -> usize {
        let chains = self.chains.read().unwrap_or_else(PoisonError::into_inner);
        chains.get(&chain).map_or(0, |c| c.guests.len())
    }

    /// Whether `chain` has nobody in the index.
    #[must_use]
    pub fn is_empty(&self, chain: ChainId) -> bool {
        self.len(chain) == 0
    }

    /// Drops guests whose window ended more than the expiry grace ago, and codes too old to
    /// matter; returns how many guests went. Upserts do this once per step on their own.
    pub fn sweep(&self, now: DateTime<Utc>) -> usize {
        let mut chains = self.chains.write().unwrap_or_else(PoisonError::into_inner);
        chains.values_mut().map(|c| c.sweep(now)).sum()
    }

    /// When the index of `chain` was last brought up to date from the store.
    #[must_use]
    pub fn synced_at(&self, chain: ChainId) -> Option<DateTime<Utc>> {
        let chains = self.chains.read().unwrap_or_else(PoisonError::into_inner);
        chains.get(&chain).and_then(|c| c.synced_at)
    }

    /// Notes that the index of `chain` holds every presence the store had changed up to `at`.
    pub fn mark_synced(&self, chain: ChainId, at: DateTime<Utc>) {
        let mut chains = self.chains.write().unwrap_or_else(PoisonError::into_inner);
        let presence = chains.entry(chain).or_default();
        presence.synced_at = Some(presence.synced_at.map_or(at, |s| s.max(at)));
    }

    /// The end of `guest`'s window as the index knows it.
    #[must_use]
    pub fn presenting_until(&self, chain: ChainId, guest: GuestId) -> Option<DateTime<Utc>> {
        let chains = self.chains.read().unwrap_or_else(PoisonError::into_inner);
        chains.get(&chain).and_then(|c| c.guests.get(&guest)).map(|p| p.until)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;
    use crate::identity::secret::TotpSecret;

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_010, 0).unwrap()
    }

    #[test]
    fn finds_only_presenting_guests_of_the_chain() {
        let index = PresenceIndex::new();
        let alice = GuestTotp::new(&TotpSecret::generate());
        let bob = GuestTotp::new(&TotpSecret::generate());
        index.upsert(ChainId(1), GuestId(1), &alice, now() + DEFAULT_PRESENCE, now());
        let step = TimeStep::at(now());
        let code = alice.code_at(step);
        assert_eq!(index.find(ChainId(1), code, now()), CodeMatches::One { guest: GuestId(1), step });
        assert_eq!(index.find(ChainId(2), code, now()), CodeMatches::Nobody, "other chains never see her");
        // Bob is not presenting: his current code resolves to nobody (barring a 1e-6 clash).
        let bob_code = bob.code_at(step);
        if !bob_code.ct_eq(code) {
            assert!(matches!(
                index.find(ChainId(1), bob_code, now()),
                CodeMatches::Nobody | CodeMatches::Expired { .. }
            ));
        }
        // Skew: the next step's code is accepted now, and now's code in the next step.
        let next = step.offset(1);
        assert_eq!(
            index.find(ChainId(1), alice.code_at(next), now()),
            CodeMatches::One { guest: GuestId(1), step: next }
        );
        let later = now() + Duration::seconds(30);
        assert_eq!(index.find(ChainId(1), code, later), CodeMatches::One { guest: GuestId(1), step });
        // Two steps on, the old code is expired; past the window, she is gone.
        let much_later = now() + Duration::seconds(90);
        assert_eq!(index.find(ChainId(1), code, much_later), CodeMatches::Expired { guest: GuestId(1) });
        let after = now() + DEFAULT_PRESENCE + Duration::seconds(31);
        assert!(!index.is_presenting(ChainId(1), GuestId(1), after));
        assert!(!matches!(index.find(ChainId(1), alice.code_at(TimeStep::at(after)), after), CodeMatches::One { .. }));
    }

    #[test]
    fn shared_codes_are_reported_as_several() {
        // The same secret for two guests forces the collision that otherwise happens by chance.
        let index = PresenceIndex::new();
        let secret = TotpSecret::from_bytes([9; 32]);
        let totp = GuestTotp::new(&secret);
        index.upsert(ChainId(1), GuestId(1), &totp, now() + DEFAULT_PRESENCE, now());
        index.upsert(ChainId(1), GuestId(2), &totp, now() + DEFAULT_PRESENCE, now());
        let step = TimeStep::at(now());
        assert_eq!(
            index.find(ChainId(1), totp.code_at(step), now()),
            CodeMatches::Several(vec![(GuestId(1), step), (GuestId(2), step)])
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// The index answers exactly what checking every guest's secret would: the guests
        /// presenting at `now` whose code for a step within the skew is the typed one.
        #[test]
        fn agrees_with_checking_every_guest(
            seeds in proptest::collection::vec(proptest::prelude::any::<[u8; 32]>(), 1..30),
            mut opened in proptest::collection::vec(0i64..600, 30),
            later in 0i64..400,
            pick in 0usize..30,
            delta in -2i64..=2,
            random in 0u32..1_000_000,
        ) {
            let base = now();
            opened.truncate(seeds.len());
            opened.sort_unstable();
            let index = PresenceIndex::new();
            let guests: Vec<(GuestId, GuestTotp, DateTime<Utc>)> = seeds
                .iter()
                .zip(&opened)
                .enumerate()
                .map(|(i, (seed, at))| {
                    (GuestId(i64::try_from(i).unwrap() + 1), GuestTotp::new(&TotpSecret::from_bytes(*seed)), base + Duration::seconds(*at))
                })
                .collect();
            for (id, totp, at) in &guests {
                index.upsert(ChainId(1), *id, totp, *at + DEFAULT_PRESENCE, *at);
            }
            let query = base + Duration::seconds(600 + later);
            let step = TimeStep::at(query);
            let chosen = &guests[pick % guests.len()].1;
            for code in [chosen.code_at(step.offset(delta)), TillCode::from_u32(random).unwrap()] {
                let mut expected: Vec<(GuestId, TimeStep)> = guests
                    .iter()
                    .filter(|(_, _, at)| *at + DEFAULT_PRESENCE >= query)
                    .filter_map(|(id, totp, _)| {
                        (-1..=1).map(|d| step.offset(d)).find(|s| totp.code_at(*s).ct_eq(code)).map(|s| (*id, s))
                    })
                    .collect();
                expected.sort_unstable();
                let found = match index.find(ChainId(1), code, query) {
                    CodeMatches::Nobody | CodeMatches::Expired { .. } => Vec::new(),
                    CodeMatches::One { guest, step } => vec![(guest, step)],
                    CodeMatches::Several(all) => all,
                };
                proptest::prop_assert_eq!(found, expected);
            }
        }
    }

    #[test]
    fn concurrent_openings_and_lookups_stay_consistent() {
        let index = PresenceIndex::new();
        let totps: Vec<GuestTotp> = (0..400).map(|_| GuestTotp::new(&TotpSecret::generate())).collect();
        std::thread::scope(|scope| {
            for part in totps.chunks(100).enumerate() {
                let index = &index;
                scope.spawn(move || {
                    let (n, chunk) = part;
                    for (i, totp) in chunk.iter().enumerate() {
                        let id = GuestId(i64::try_from(n * 100 + i).unwrap() + 1);
                        // Each guest opens the card twice, as a refreshing Mini App would.
                        index.upsert(ChainId(1), id, totp, now() + DEFAULT_PRESENCE, now());
                        index.upsert(ChainId(1), id, totp, now() + DEFAULT_PRESENCE + Duration::seconds(30), now());
                    }
                });
            }
            scope.spawn(|| {
                for totp in &totps {
                    let _ = index.find(ChainId(1), totp.code_at(TimeStep::at(now())), now());
                }
            });
        });
        assert_eq!(index.len(ChainId(1)), 400);
        for (i, totp) in totps.iter().enumerate() {
            let id = GuestId(i64::try_from(i).unwrap() + 1);
            let found = index.find(ChainId(1), totp.code_at(TimeStep::at(now())), now());
            let hit = match found {
                CodeMatches::One { guest, .. } => guest == id,
                CodeMatches::Several(all) => all.iter().any(|(g, _)| *g == id),
                _ => false,
            };
            assert!(hit, "guest {i} not found");
        }
    }

    #[test]
    fn extending_a_presence_adds_codes_and_sweeping_drops_the_gone() {
        let index = PresenceIndex::new();
        let totp = GuestTotp::new(&TotpSecret::generate());
        index.upsert(ChainId(1), GuestId(1), &totp, now() + Duration::minutes(1), now());
        let later = now() + Duration::minutes(4);
        assert!(!index.is_presenting(ChainId(1), GuestId(1), later));
        index.upsert(ChainId(1), GuestId(1), &totp, later + Duration::minutes(1), later);
        assert!(index.is_presenting(ChainId(1), GuestId(1), later));
        let step = TimeStep::at(later);
        assert_eq!(index.find(ChainId(1), totp.code_at(step), later), CodeMatches::One { guest: GuestId(1), step });
        // A shorter window never shrinks the known one.
        index.upsert(ChainId(1), GuestId(1), &totp, later, later);
        assert_eq!(index.presenting_until(ChainId(1), GuestId(1)), Some(later + Duration::minutes(1)));
        assert_eq!(index.sweep(later + Duration::minutes(30)), 1);
        assert!(index.is_empty(ChainId(1)));
    }
}
