//! Matching the guest a POS names on a receipt.
//!
//! A POS source is authenticated by its webhook signature, not by a staff login, so there is
//! no staff gate and no per-staff lock here. Everything else is the till's: a scanned QR is
//! checked against the guest's current code, typed digits are searched only among presenting
//! guests, a phone opens only a single (or the single verified) guest, and every failed code is
//! a security event from terminal `pos:<source>`. The code's step is *not* marked used here:
//! the ingest transaction marks it with the purchase, so a retried delivery does not count as
//! a reuse and a rolled-back purchase does not burn the code.

use chrono::{DateTime, Utc};

use super::{TillIdentity, TillStore};
use crate::guest::Guest;
use crate::identity::TerminalId;
use crate::identity::card_code::{CardPayload, PayloadProblem};
use crate::identity::presence::CodeMatches;
use crate::identity::security::SecurityEventKind;
use crate::identity::totp::{CodeCheck, GuestTotp, TillCode, TimeStep};
use crate::ids::{ChainId, GuestId};
use crate::pos::GuestRef;
use crate::pos::ingest::{GuestMatch, Unmatched};
use crate::{ErrorKind, Result};

/// The guest a POS reference names, as far as can be known before the sale is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMatch {
    /// The guest, when matched.
    pub guest: Option<Guest>,
    /// The card code's step, to mark used with the purchase.
    pub step: Option<TimeStep>,
    /// What the POS is told.
    pub outcome: GuestMatch,
}

impl SourceMatch {
    fn none() -> Self {
        Self { guest: None, step: None, outcome: GuestMatch::None }
    }

    fn unmatched(reason: Unmatched) -> Self {
        Self { guest: None, step: None, outcome: GuestMatch::unmatched(reason) }
    }

    fn matched(guest: Guest, reference: &GuestRef, step: Option<TimeStep>) -> Self {
        let outcome = match reference.kind() {
            Some(via) => GuestMatch::Matched { public_id: guest.public_id.as_str().to_owned(), via: Some(via) },
            None => GuestMatch::None,
        };
        Self { guest: Some(guest), step, outcome }
    }
}

impl<S: TillStore + ?Sized> TillIdentity<S> {
    /// Matches the guest `source` names on a receipt at `now` (the time of reception: a code is
    /// checked against the clock when the POS sends it, which is moments after the scan).
    ///
    /// # Errors
    /// Storage errors, or a secret that does not decrypt. A reference that matches nobody is
    /// not an error: the sale is still recorded, and the outcome says why.
    pub async fn match_for_source(
        &self,
        chain: ChainId,
        source: &str,
        reference: &GuestRef,
        now: DateTime<Utc>,
    ) -> Result<SourceMatch> {
        let terminal = || TerminalId::new(format!("pos:{source}"));
        let failed = |kind: SecurityEventKind, guest: Option<GuestId>, reason: Unmatched| async move {
            self.record(chain, kind, None, Some(terminal()?), guest, now).await?;
            Ok::<_, crate::Error>(SourceMatch::unmatched(reason))
        };
        match reference {
            GuestRef::None => Ok(SourceMatch::none()),
            GuestRef::PublicId(public_id) => match self.store.guest_by_public_id(chain, public_id.as_str()).await {
                Ok(guest) => Ok(SourceMatch::matched(guest, reference, None)),
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(SourceMatch::unmatched(Unmatched::UnknownGuest)),
                Err(e) => Err(e),
            },
            GuestRef::Phone(phone) => {
                let mut guests = self.store.guests_by_phone(chain, phone).await?;
                if guests.len() > 1 && guests.iter().filter(|g| g.phone_verified).count() == 1 {
                    guests.retain(|g| g.phone_verified);
                }
                match guests.len() {
                    0 => Ok(SourceMatch::unmatched(Unmatched::UnknownGuest)),
                    1 => Ok(SourceMatch::matched(guests.remove(0), reference, None)),
                    _ => Ok(SourceMatch::unmatched(Unmatched::Ambiguous)),
                }
            }
            GuestRef::QrPayload(text) => {
                let payload = match CardPayload::parse_detailed(text) {
                    Ok(p) => p,
                    Err(PayloadProblem::UnsupportedVersion) => {
                        return Ok(SourceMatch::unmatched(Unmatched::NewerCardFormat));
                    }
                    Err(_) => return Ok(SourceMatch::unmatched(Unmatched::UnreadableCode)),
                };
                let guest = match self.store.guest_by_public_id(chain, payload.public_id().as_str()).await {
                    Ok(guest) => guest,
                    Err(e) if e.kind() == ErrorKind::NotFound => {
                        return failed(SecurityEventKind::UnknownCard, None, Unmatched::UnknownGuest).await;
                    }
                    Err(e) => return Err(e),
                };
                let Some(sealed) = self.store.totp_secret(chain, guest.id).await? else {
                    return failed(SecurityEventKind::WrongCode, Some(guest.id), Unmatched::WrongCode).await;
                };
                let totp = GuestTotp::new(&self.keyring.open(chain, guest.id, &sealed)?);
                match totp.verify(payload.code(), now) {
                    CodeCheck::Valid(step) => Ok(SourceMatch::matched(guest, reference, Some(step))),
                    CodeCheck::Expired(_) => {
                        failed(SecurityEventKind::ExpiredCode, Some(guest.id), Unmatched::CodeExpired).await
                    }
                    CodeCheck::Wrong => {
                        failed(SecurityEventKind::WrongCode, Some(guest.id), Unmatched::WrongCode).await
                    }
                }
            }
            GuestRef::TypedCode(typed) => {
                let Ok(code) = TillCode::parse(typed) else {
                    return Ok(SourceMatch::unmatched(Unmatched::UnreadableCode));
                };
                self.sync_presence(chain, now).await?;
                match self.presence.find(chain, code, now) {
                    CodeMatches::One { guest, step } => {
                        let guest = self.store.guest(chain, guest).await?;
                        Ok(SourceMatch::matched(guest, reference, Some(step)))
                    }
                    CodeMatches::Several(_) => Ok(SourceMatch::unmatched(Unmatched::Ambiguous)),
                    CodeMatches::Expired { guest } => {
                        failed(SecurityEventKind::ExpiredCode, Some(guest), Unmatched::CodeExpired).await
                    }
                    CodeMatches::Nobody => failed(SecurityEventKind::WrongCode, None, Unmatched::WrongCode).await,
                }
            }
        }
    }
}
