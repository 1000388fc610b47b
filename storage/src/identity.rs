//! Identity at the till: sealed TOTP secrets, accepted steps, presence, the double-tap guard
//! and security events.
//!
//! Every check-and-change here is one conditional statement (`UPDATE ... WHERE <condition>`
//! and a look at the affected row count), never a read followed by a write: on PostgreSQL the
//! row lock makes concurrent callers take turns and re-check the condition, so exactly one
//! of them wins, across any number of server processes.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use regulars_core::guest::Guest;
use regulars_core::identity::double_tap::{ActionClaim, ClaimOutcome, decide};
use regulars_core::identity::rate_limit::AttemptSubject;
use regulars_core::identity::secret::{EncryptedSecret, KeyId};
use regulars_core::identity::security::{SecurityEvent, SecurityEventKind};
use regulars_core::identity::totp::TimeStep;
use regulars_core::ids::{ChainId, GuestId};
use regulars_core::store::{IdentityRepo, PresenceRecord};
use regulars_core::{Error, Result};
use serde_json::json;

use crate::columns::{from_millis, now_millis, to_millis};
use crate::error::{DbError, corrupt};
use crate::events::append_event;
use crate::schema::{action_claims, guest_secrets, guests, presences, security_events};
use crate::store::{DbStore, read, write_tx};

fn unseal_row(key_id: String, sealed: Vec<u8>) -> Result<EncryptedSecret, DbError> {
    let key_id = KeyId::new(key_id).map_err(|e| corrupt("guest_secrets.key_id", e))?;
    EncryptedSecret::new(key_id, sealed).map_err(|e| corrupt("guest_secrets.sealed", e))
}

/// Fails with `NotFound` unless the guest belongs to the chain.
macro_rules! require_guest {
    ($c:ident, $chain:expr, $guest:expr) => {{
        let found: i64 = guests::table
            .filter(guests::id.eq($guest.get()))
            .filter(guests::chain_id.eq($chain.get()))
            .count()
            .get_result($c)
            .await?;
        if found == 0 {
            return Err(Error::not_found(GuestId::ENTITY, $guest).into());
        }
    }};
}

/// The kinds that count toward the wrong-code lock, as stored.
fn lock_kinds() -> Vec<&'static str> {
    SecurityEventKind::ALL.into_iter().filter(|k| k.counts_toward_lock()).map(SecurityEventKind::as_str).collect()
}

/// Marks TOTP step `step` used for `guest` inside the current transaction, if it is newer
/// than the last accepted one (see [`IdentityRepo::accept_totp_step`]). Evaluates to `true`
/// when it was accepted.
macro_rules! accept_step_in_tx {
    ($c:ident, $chain:expr, $guest:expr, $step:expr) => {{
        use diesel::prelude::*;
        use $crate::schema::guest_secrets;
        let step: i64 = $step;
        let changed = diesel_async::RunQueryDsl::execute(
            diesel::update(
                guest_secrets::table
                    .filter(guest_secrets::guest_id.eq($guest.get()))
                    .filter(guest_secrets::chain_id.eq($chain.get()))
                    .filter(guest_secrets::last_step.is_null().or(guest_secrets::last_step.lt(step))),
            )
            .set(guest_secrets::last_step.eq(step)),
            $c,
        )
        .await?;
        changed == 1
    }};
}
pub(crate) use accept_step_in_tx;

#[async_trait]
impl IdentityRepo for DbStore {
    async fn totp_secret(&self, chain: ChainId, guest: GuestId) -> Result<Option<EncryptedSecret>> {
        let row: Option<(String, Vec<u8>)> = read!(self, |c| {
            Ok(guest_secrets::table
                .filter(guest_secrets::guest_id.eq(guest.get()))
                .filter(guest_secrets::chain_id.eq(chain.get()))
                .select((guest_secrets::key_id, guest_secrets::sealed))
                .first(c)
                .await
                .optional()?)
        })?;
        Ok(row.map(|(key_id, sealed)| unseal_row(key_id, sealed)).transpose()?)
    }

    async fn ensure_totp_secret(
        &self,
        chain: ChainId,
        guest: GuestId,
        candidate: EncryptedSecret,
    ) -> Result<EncryptedSecret> {
        let (key_id, sealed): (String, Vec<u8>) = write_tx!(self, |c| {
            require_guest!(c, chain, guest);
            diesel::insert_into(guest_secrets::table)
                .values((
                    guest_secrets::guest_id.eq(guest.get()),
                    guest_secrets::chain_id.eq(chain.get()),
                    guest_secrets::key_id.eq(candidate.key_id().as_str()),
                    guest_secrets::sealed.eq(candidate.sealed()),
                    guest_secrets::updated_at.eq(now_millis()),
                ))
                .on_conflict_do_nothing()
                .execute(c)
                .await?;
            Ok(guest_secrets::table
                .filter(guest_secrets::guest_id.eq(guest.get()))
                .select((guest_secrets::key_id, guest_secrets::sealed))
                .first(c)
                .await?)
        })?;
        Ok(unseal_row(key_id, sealed)?)
    }

    async fn replace_totp_secret(&self, chain: ChainId, guest: GuestId, secret: EncryptedSecret) -> Result<()> {
        let changed: usize = write_tx!(self, |c| {
            Ok(diesel::update(
                guest_secrets::table
                    .filter(guest_secrets::guest_id.eq(guest.get()))
                    .filter(guest_secrets::chain_id.eq(chain.get())),
            )
            .set((
                guest_secrets::key_id.eq(secret.key_id().as_str()),
                guest_secrets::sealed.eq(secret.sealed()),
                guest_secrets::updated_at.eq(now_millis()),
            ))
            .execute(c)
            .await?)
        })?;
        if changed == 0 {
            return Err(Error::not_found("TOTP secret of guest", guest));
        }
        Ok(())
    }

    async fn accept_totp_step(&self, chain: ChainId, guest: GuestId, step: TimeStep) -> Result<bool> {
        let step = step.as_i64();
        let accepted: bool = write_tx!(self, |c| {
            if accept_step_in_tx!(c, chain, guest, step) {
                return Ok(true);
            }
            let exists: i64 = guest_secrets::table
                .filter(guest_secrets::guest_id.eq(guest.get()))
                .filter(guest_secrets::chain_id.eq(chain.get()))
                .count()
                .get_result(c)
                .await?;
            if exists == 0 {
                return Err(Error::not_found("TOTP secret of guest", guest).into());
            }
            Ok(false)
        })?;
        Ok(accepted)
    }

    async fn record_presence(
        &self,
        chain: ChainId,
        guest: GuestId,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (until, now) = (to_millis(until), to_millis(now));
        write_tx!(self, |c| {
            require_guest!(c, chain, guest);
            // A presence never shrinks: keep the later of the stored and the new end.
            let later = diesel::dsl::case_when(
                presences::presenting_until.gt(excluded(presences::presenting_until)),
                presences::presenting_until,
            )
            .otherwise(excluded(presences::presenting_until));
            diesel::insert_into(presences::table)
                .values((
                    presences::guest_id.eq(guest.get()),
                    presences::chain_id.eq(chain.get()),
                    presences::presenting_until.eq(until),
                    presences::updated_at.eq(now),
                ))
                .on_conflict(presences::guest_id)
                .do_update()
                .set((presences::presenting_until.eq(later), presences::updated_at.eq(now)))
                .execute(c)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    async fn presences_changed_since(
        &self,
        chain: ChainId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<PresenceRecord>> {
        let (since, now) = (to_millis(since), to_millis(now));
        let (rows, secrets): (Vec<(i64, i64, i64)>, Vec<(i64, String, Vec<u8>)>) = read!(self, |c| {
            let rows: Vec<(i64, i64, i64)> = presences::table
                .filter(presences::chain_id.eq(chain.get()))
                .filter(presences::updated_at.ge(since))
                .filter(presences::presenting_until.ge(now))
                .order((presences::updated_at.asc(), presences::guest_id.asc()))
                .select((presences::guest_id, presences::presenting_until, presences::updated_at))
                .load(c)
                .await?;
            let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
            let secrets = if ids.is_empty() {
                Vec::new()
            } else {
                guest_secrets::table
                    .filter(guest_secrets::chain_id.eq(chain.get()))
                    .filter(guest_secrets::guest_id.eq_any(&ids))
                    .select((guest_secrets::guest_id, guest_secrets::key_id, guest_secrets::sealed))
                    .load(c)
                    .await?
            };
            Ok((rows, secrets))
        })?;
        let mut secrets: std::collections::HashMap<i64, (String, Vec<u8>)> =
            secrets.into_iter().map(|(guest, key_id, sealed)| (guest, (key_id, sealed))).collect();
        let mut records = Vec::with_capacity(rows.len());
        for (guest, until, updated) in rows {
            // Guests without a secret cannot be matched by code: leave them out.
            let Some((key_id, sealed)) = secrets.remove(&guest) else { continue };
            records.push(PresenceRecord {
                guest: GuestId(guest),
                secret: unseal_row(key_id, sealed)?,
                presenting_until: from_millis("presences.presenting_until", until)?,
                updated_at: from_millis("presences.updated_at", updated)?,
            });
        }
        Ok(records)
    }

    async fn guests_by_phone(&self, chain: ChainId, phone: &str) -> Result<Vec<Guest>> {
        self.guests_with_phone(chain, phone).await
    }

    async fn claim_action(&self, chain: ChainId, claim: &ActionClaim, window: Duration) -> Result<ClaimOutcome> {
        let (staff, action, guest) = (claim.staff.get(), claim.action.as_str().to_owned(), claim.guest.get());
        let (at, window_ms) = (to_millis(claim.at), window.num_milliseconds());
        let counted: Option<i64> = write_tx!(self, |c| {
            // Make sure the key's row exists, then claim it with one conditional update: the
            // condition is `decide`'s "outside the window", so the row lock picks one winner.
            diesel::insert_into(action_claims::table)
                .values((
                    action_claims::chain_id.eq(chain.get()),
                    action_claims::staff_id.eq(staff),
                    action_claims::action.eq(&action),
                    action_claims::guest_id.eq(guest),
                ))
                .on_conflict_do_nothing()
                .execute(c)
                .await?;
            let key = action_claims::table
                .filter(action_claims::chain_id.eq(chain.get()))
                .filter(action_claims::staff_id.eq(staff))
                .filter(action_claims::action.eq(&action))
                .filter(action_claims::guest_id.eq(guest));
            let claimed = diesel::update(
                key.filter(
                    action_claims::counted_at
                        .is_null()
                        .or(action_claims::counted_at.le(at - window_ms))
                        .or(action_claims::counted_at.ge(at + window_ms)),
                ),
            )
            .set(action_claims::counted_at.eq(at))
            .execute(c)
            .await?;
            if claimed == 1 {
                return Ok(None);
            }
            Ok(key.select(action_claims::counted_at).first::<Option<i64>>(c).await?)
        })?;
        let last = counted.map(|ms| from_millis("action_claims.counted_at", ms)).transpose()?;
        Ok(decide(last, claim.at, window))
    }

    async fn record_security_event(&self, chain: ChainId, event: &SecurityEvent) -> Result<()> {
        let event = event.clone();
        write_tx!(self, |c| {
            diesel::insert_into(security_events::table)
                .values((
                    security_events::chain_id.eq(chain.get()),
                    security_events::kind.eq(event.kind.as_str()),
                    security_events::staff_id.eq(event.staff.map(|s| s.get())),
                    security_events::terminal.eq(event.terminal.as_ref().map(|t| t.as_str())),
                    security_events::guest_id.eq(event.guest.map(GuestId::get)),
                    security_events::at.eq(to_millis(event.at)),
                ))
                .execute(c)
                .await?;
            append_event!(
                c,
                chain,
                event.kind.as_str(),
                event.staff.map_or_else(|| "till".to_owned(), |s| format!("staff:{s}")),
                json!({ "terminal": event.terminal.as_ref().map(|t| t.as_str()), "guest": event.guest })
            );
            Ok(())
        })?;
        Ok(())
    }

    async fn failed_code_attempts(
        &self,
        chain: ChainId,
        subject: &AttemptSubject,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>> {
        let since = to_millis(since);
        let kinds = lock_kinds();
        let (staff, terminal) = match subject {
            AttemptSubject::Staff(staff) => (Some(staff.get()), None),
            AttemptSubject::Terminal(terminal) => (None, Some(terminal.as_str().to_owned())),
        };
        let times: Vec<i64> = read!(self, |c| {
            let mut query = security_events::table
                .filter(security_events::chain_id.eq(chain.get()))
                .filter(security_events::at.ge(since))
                .filter(security_events::kind.eq_any(&kinds))
                .into_boxed();
            if let Some(staff) = staff {
                query = query.filter(security_events::staff_id.eq(staff));
            }
            if let Some(terminal) = &terminal {
                query = query.filter(security_events::terminal.eq(terminal));
            }
            Ok(query.order(security_events::at.asc()).select(security_events::at).load(c).await?)
        })?;
        Ok(times.into_iter().map(|ms| from_millis("security_events.at", ms)).collect::<Result<_, _>>()?)
    }
}
