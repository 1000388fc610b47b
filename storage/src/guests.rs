//! Guests and their messenger identities.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::guest::{
    ChannelIdentity, Consent, Guest, GuestPublicId, GuestUpdate, NewGuest, name_key, random_base32,
};
use regulars_core::ids::{CafeId, ChainId, GuestId, WalletId};
use regulars_core::page::{Page, PageRequest};
use regulars_core::store::{GuestMerge, GuestRepo};
use regulars_core::{Error, Result};
use serde_json::json;

use crate::chains::require_chain;
use crate::columns::{from_millis, now_millis, to_millis};
use crate::error::{DbError, corrupt};
use crate::events::append_event;
use crate::schema::{cafes, guest_identities, guests, outbox, purchases, wallets};
use crate::store::{DbStore, read, write_tx};

#[derive(Queryable, Selectable)]
#[diesel(table_name = guests)]
pub(crate) struct GuestRow {
    pub(crate) id: i64,
    chain_id: i64,
    public_id: String,
    display_name: Option<String>,
    phone: Option<String>,
    phone_verified: bool,
    language: Option<String>,
    birthday: Option<String>,
    referral_code: String,
    marketing_consent: bool,
    created_at: i64,
    home_cafe_id: Option<i64>,
    referred_by: Option<i64>,
    erased_at: Option<i64>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = guest_identities)]
pub(crate) struct IdentityRow {
    guest_id: i64,
    channel: String,
    external_id: String,
}

impl IdentityRow {
    fn into_identity(self) -> Result<ChannelIdentity, DbError> {
        ChannelIdentity::new(&self.channel, self.external_id).map_err(|e| corrupt("guest_identities", e))
    }
}

impl GuestRow {
    fn into_guest(self, identities: Vec<ChannelIdentity>) -> Result<Guest, DbError> {
        Ok(Guest {
            id: GuestId(self.id),
            chain_id: ChainId(self.chain_id),
            public_id: GuestPublicId::parse(&self.public_id).map_err(|e| corrupt("guests.public_id", e))?,
            display_name: self.display_name,
            phone: self.phone,
            phone_verified: self.phone_verified,
            language: self.language,
            birthday: self
                .birthday
                .map(|d| d.parse::<NaiveDate>().map_err(|e| corrupt("guests.birthday", e)))
                .transpose()?,
            referral_code: self.referral_code,
            consent: Consent { marketing: self.marketing_consent },
            home_cafe: self.home_cafe_id.map(CafeId),
            referred_by: self.referred_by.map(GuestId),
            created_at: from_millis("guests.created_at", self.created_at)?,
            identities,
            erased_at: self.erased_at.map(|ms| from_millis("guests.erased_at", ms)).transpose()?,
        })
    }
}

/// Attaches identities (one query for the whole batch) to guest rows, keeping their order.
pub(crate) fn assemble(rows: Vec<GuestRow>, identities: Vec<IdentityRow>) -> Result<Vec<Guest>, DbError> {
    let mut by_guest: HashMap<i64, Vec<ChannelIdentity>> = HashMap::new();
    for row in identities {
        by_guest.entry(row.guest_id).or_default().push(row.into_identity()?);
    }
    rows.into_iter()
        .map(|row| {
            let ids = by_guest.remove(&row.id).unwrap_or_default();
            row.into_guest(ids)
        })
        .collect()
}

/// Loads guest rows selected by `$filter` (a boxed-free filter on `guests`) with their
/// identities, inside whatever connection `$c` is.
macro_rules! load_guests {
    ($c:ident, $query:expr) => {{
        let rows: Vec<GuestRow> = $query.select(GuestRow::as_select()).load($c).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let identities: Vec<IdentityRow> = if ids.is_empty() {
            Vec::new()
        } else {
            guest_identities::table
                .filter(guest_identities::guest_id.eq_any(&ids))
                .order(guest_identities::id.asc())
                .select(IdentityRow::as_select())
                .load($c)
                .await?
        };
        assemble(rows, identities)?
    }};
}
pub(crate) use load_guests;

/// Fails with `NotFound` unless the cafe belongs to the chain.
macro_rules! require_cafe {
    ($c:ident, $chain:expr, $cafe:expr) => {{
        let found: i64 = cafes::table
            .filter(cafes::id.eq($cafe.get()))
            .filter(cafes::chain_id.eq($chain.get()))
            .count()
            .get_result($c)
            .await?;
        if found == 0 {
            return Err(Error::not_found(CafeId::ENTITY, $cafe).into());
        }
    }};
}

/// The guest an identity is linked to in the chain, if any.
macro_rules! identity_owner {
    ($c:ident, $chain:expr, $identity:expr) => {
        guest_identities::table
            .filter(guest_identities::chain_id.eq($chain.get()))
            .filter(guest_identities::channel.eq($identity.channel.as_str()))
            .filter(guest_identities::external_id.eq(&$identity.external_id))
            .select(guest_identities::guest_id)
            .first::<i64>($c)
            .await
            .optional()?
    };
}

fn one(mut guests: Vec<Guest>, what: impl std::fmt::Display) -> Result<Guest> {
    guests.pop().ok_or_else(|| Error::not_found(GuestId::ENTITY, what))
}

impl DbStore {
    /// The chain's guests with exactly this phone, verified first, then by creation (the
    /// `IdentityRepo::guests_by_phone` contract), with their identities in one batch.
    pub(crate) async fn guests_with_phone(&self, chain: ChainId, phone: &str) -> Result<Vec<Guest>> {
        let guests: Vec<Guest> = read!(self, |c| {
            Ok(load_guests!(
                c,
                guests::table
                    .filter(guests::chain_id.eq(chain.get()))
                    .filter(guests::phone.eq(phone))
                    .order((guests::phone_verified.desc(), guests::id.asc()))
            ))
        })?;
        Ok(guests)
    }
}

#[async_trait]
impl GuestRepo for DbStore {
    async fn create_guest(&self, chain: ChainId, new: NewGuest) -> Result<Guest> {
        new.validate()?;
        let identities: Vec<ChannelIdentity> = new.identity.iter().cloned().collect();
        let row: GuestRow = write_tx!(self, |c| {
            require_chain!(c, chain);
            if let Some(identity) = &new.identity
                && identity_owner!(c, chain, identity).is_some()
            {
                return Err(
                    Error::Conflict(format!("{} identity is already linked to a guest", identity.channel)).into()
                );
            }
            if let Some(cafe) = new.home_cafe {
                require_cafe!(c, chain, cafe);
            }
            if let Some(referrer) = new.referred_by {
                let found: i64 = guests::table
                    .filter(guests::id.eq(referrer.get()))
                    .filter(guests::chain_id.eq(chain.get()))
                    .count()
                    .get_result(c)
                    .await?;
                if found == 0 {
                    return Err(Error::not_found(GuestId::ENTITY, referrer).into());
                }
            }
            let now = now_millis();
            let row: GuestRow = diesel::insert_into(guests::table)
                .values((
                    guests::chain_id.eq(chain.get()),
                    guests::public_id.eq(GuestPublicId::random().as_str()),
                    guests::display_name.eq(&new.display_name),
                    guests::name_key.eq(new.display_name.as_deref().map(name_key)),
                    guests::phone.eq(&new.phone),
                    guests::phone_verified.eq(new.phone_verified),
                    guests::language.eq(&new.language),
                    guests::birthday.eq(new.birthday.map(|d| d.to_string())),
                    guests::referral_code.eq(random_base32(8)),
                    guests::marketing_consent.eq(new.consent.marketing),
                    guests::created_at.eq(now),
                    guests::home_cafe_id.eq(new.home_cafe.map(CafeId::get)),
                    guests::referred_by.eq(new.referred_by.map(GuestId::get)),
                ))
                .returning(GuestRow::as_returning())
                .get_result(c)
                .await?;
            let id = row.id;
            if let Some(identity) = &new.identity {
                diesel::insert_into(guest_identities::table)
                    .values((
                        guest_identities::chain_id.eq(chain.get()),
                        guest_identities::guest_id.eq(id),
                        guest_identities::channel.eq(identity.channel.as_str()),
                        guest_identities::external_id.eq(&identity.external_id),
                        guest_identities::created_at.eq(now),
                        guest_identities::last_seen_at.eq(Some(now)),
                    ))
                    .execute(c)
                    .await?;
            }
            let channel = new.identity.as_ref().map(|i| i.channel.to_string());
            let referred_by = new.referred_by.map(GuestId::get);
            append_event!(
                c,
                chain,
                "guest.joined",
                format!("guest:{id}"),
                json!({ "channel": channel, "referred_by": referred_by })
            );
            Ok(row)
        })?;
        // Everything the answer holds was just written: no need to read it back.
        Ok(row.into_guest(identities)?)
    }

    async fn guest(&self, chain: ChainId, id: GuestId) -> Result<Guest> {
        let guests: Vec<Guest> = read!(self, |c| {
            Ok(load_guests!(c, guests::table.filter(guests::id.eq(id.get())).filter(guests::chain_id.eq(chain.get()))))
        })?;
        one(guests, id)
    }

    async fn guest_by_public_id(&self, chain: ChainId, public_id: &str) -> Result<Guest> {
        // Ids are stored upper-case; accept what a person typed.
        let normalized = public_id.to_ascii_uppercase();
        let guests: Vec<Guest> = read!(self, |c| {
            Ok(load_guests!(
                c,
                guests::table.filter(guests::public_id.eq(&normalized)).filter(guests::chain_id.eq(chain.get()))
            ))
        })?;
        one(guests, public_id)
    }

    async fn guest_by_identity(&self, chain: ChainId, identity: &ChannelIdentity) -> Result<Guest> {
        // The bot looks its sender up on every update: the owner is a subquery, not a round trip.
        let guests: Vec<Guest> = read!(self, |c| {
            let owner = guest_identities::table
                .filter(guest_identities::chain_id.eq(chain.get()))
                .filter(guest_identities::channel.eq(identity.channel.as_str()))
                .filter(guest_identities::external_id.eq(&identity.external_id))
                .select(guest_identities::guest_id);
            Ok(load_guests!(c, guests::table.filter(guests::id.eq_any(owner)).filter(guests::chain_id.eq(chain.get()))))
        })?;
        one(guests, format!("{}:{}", identity.channel, identity.external_id))
    }

    async fn link_identity(&self, chain: ChainId, guest: GuestId, identity: ChannelIdentity) -> Result<Guest> {
        write_tx!(self, |c| {
            let exists: i64 = guests::table
                .filter(guests::id.eq(guest.get()))
                .filter(guests::chain_id.eq(chain.get()))
                .count()
                .get_result(c)
                .await?;
            if exists == 0 {
                return Err(Error::not_found(GuestId::ENTITY, guest).into());
            }
            let owner: Option<i64> = identity_owner!(c, chain, identity);
            match owner {
                Some(owner) if owner == guest.get() => Ok(()),
                Some(_) => {
                    Err(Error::Conflict(format!("this {} identity belongs to another guest", identity.channel)).into())
                }
                None => {
                    diesel::insert_into(guest_identities::table)
                        .values((
                            guest_identities::chain_id.eq(chain.get()),
                            guest_identities::guest_id.eq(guest.get()),
                            guest_identities::channel.eq(identity.channel.as_str()),
                            guest_identities::external_id.eq(&identity.external_id),
                            guest_identities::created_at.eq(now_millis()),
                            guest_identities::last_seen_at.eq(Some(now_millis())),
                        ))
                        .execute(c)
                        .await?;
                    append_event!(
                        c,
                        chain,
                        "guest.identity_linked",
                        format!("guest:{guest}"),
                        json!({ "channel": identity.channel.as_str() })
                    );
                    Ok(())
                }
            }
        })?;
        self.guest(chain, guest).await
    }

    async fn list_guests(&self, chain: ChainId, page: PageRequest) -> Result<Page<Guest>> {
        let limit = page.clamped_limit();
        let after = page.after.map_or(0, |c| c.key());
        let guests: Vec<Guest> = read!(self, |c| {
            Ok(load_guests!(
                c,
                guests::table
                    .filter(guests::chain_id.eq(chain.get()))
                    .filter(guests::id.gt(after))
                    .filter(guests::merged_into.is_null())
                    .order(guests::id.asc())
                    .limit(limit + 1)
            ))
        })?;
        Ok(Page::from_rows(guests, limit, |g| g.id.get()))
    }

    async fn count_guests(&self, chain: ChainId) -> Result<u64> {
        let n: i64 = read!(self, |c| {
            Ok(guests::table
                .filter(guests::chain_id.eq(chain.get()))
                .filter(guests::merged_into.is_null())
                .count()
                .get_result(c)
                .await?)
        })?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn update_guest(&self, chain: ChainId, guest: GuestId, update: GuestUpdate) -> Result<Guest> {
        update.validate()?;
        if update.is_empty() {
            return self.guest(chain, guest).await;
        }
        write_tx!(self, |c| {
            let exists: i64 = guests::table
                .filter(guests::id.eq(guest.get()))
                .filter(guests::chain_id.eq(chain.get()))
                .count()
                .get_result(c)
                .await?;
            if exists == 0 {
                return Err(Error::not_found(GuestId::ENTITY, guest).into());
            }
            let row = guests::table.filter(guests::id.eq(guest.get()));
            let mut changed = Vec::new();
            if let Some(language) = &update.language {
                diesel::update(row).set(guests::language.eq(language)).execute(c).await?;
                changed.push("language");
            }
            if let Some((phone, verified)) = &update.phone {
                diesel::update(row)
                    .set((guests::phone.eq(phone), guests::phone_verified.eq(*verified)))
                    .execute(c)
                    .await?;
                changed.push("phone");
            }
            if let Some(cafe) = update.home_cafe {
                require_cafe!(c, chain, cafe);
                diesel::update(row).set(guests::home_cafe_id.eq(cafe.get())).execute(c).await?;
                changed.push("home_cafe");
            }
            append_event!(c, chain, "guest.updated", format!("guest:{guest}"), json!({ "changed": changed }));
            Ok(())
        })?;
        self.guest(chain, guest).await
    }

    async fn guest_by_referral_code(&self, chain: ChainId, code: &str) -> Result<Guest> {
        // Codes are stored upper-case (Crockford base32); accept what a link or a person gave.
        let normalized = code.trim().to_ascii_uppercase();
        let guests: Vec<Guest> = read!(self, |c| {
            Ok(load_guests!(
                c,
                guests::table.filter(guests::referral_code.eq(&normalized)).filter(guests::chain_id.eq(chain.get()))
            ))
        })?;
        one(guests, format!("referral code {code}"))
    }

    async fn count_referrals(&self, chain: ChainId, guest: GuestId) -> Result<u64> {
        let n: i64 = read!(self, |c| {
            Ok(guests::table
                .filter(guests::chain_id.eq(chain.get()))
                .filter(guests::referred_by.eq(guest.get()))
                .count()
                .get_result(c)
                .await?)
        })?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn record_seen(&self, chain: ChainId, identity: &ChannelIdentity, at: DateTime<Utc>) -> Result<bool> {
        let at = to_millis(at);
        let (channel, external_id) = (identity.channel.as_str().to_owned(), identity.external_id.clone());
        // Most updates come from people seen a moment ago: look on a reader first, so they cost
        // no write (on SQLite, no turn of the single writer).
        let seen: Option<(Option<i64>, Option<i64>)> = read!(self, |c| {
            Ok(guest_identities::table
                .filter(guest_identities::chain_id.eq(chain.get()))
                .filter(guest_identities::channel.eq(&channel))
                .filter(guest_identities::external_id.eq(&external_id))
                .select((guest_identities::last_seen_at, guest_identities::unreachable_at))
                .first(c)
                .await
                .optional()?)
        })?;
        match seen {
            None => Ok(false),
            Some((Some(last), None)) if last + SEEN_GRANULARITY_MS > at => Ok(true),
            Some(_) => {
                write_tx!(self, |c| {
                    let identity = guest_identities::table
                        .filter(guest_identities::chain_id.eq(chain.get()))
                        .filter(guest_identities::channel.eq(&channel))
                        .filter(guest_identities::external_id.eq(&external_id));
                    diesel::update(
                        identity
                            .filter(guest_identities::last_seen_at.is_null().or(guest_identities::last_seen_at.lt(at))),
                    )
                    .set(guest_identities::last_seen_at.eq(Some(at)))
                    .execute(c)
                    .await?;
                    // Someone who writes to the bot can be written to.
                    diesel::update(identity.filter(guest_identities::unreachable_at.is_not_null()))
                        .set(guest_identities::unreachable_at.eq(None::<i64>))
                        .execute(c)
                        .await?;
                    Ok(())
                })?;
                Ok(true)
            }
        }
    }

    async fn search_guests(&self, chain: ChainId, text: &str, page: PageRequest) -> Result<Page<Guest>> {
        crate::guest_privacy::search_guests(self, chain, text, page).await
    }

    async fn erase_guest(&self, chain: ChainId, guest: GuestId) -> Result<Guest> {
        crate::guest_privacy::erase_guest(self, chain, guest).await
    }

    async fn merge_guests(&self, chain: ChainId, keep: GuestId, absorb: GuestId) -> Result<GuestMerge> {
        if keep == absorb {
            return Err(Error::invalid("absorb", "a guest cannot be merged into itself"));
        }
        let (moved, clashing) = write_tx!(self, |c| {
            let mut rows: Vec<GuestRow> = guests::table
                .filter(guests::id.eq_any([keep.get(), absorb.get()]))
                .filter(guests::chain_id.eq(chain.get()))
                .select(GuestRow::as_select())
                .load(c)
                .await?;
            let absorbed_into: Option<Option<i64>> = guests::table
                .filter(guests::id.eq(absorb.get()))
                .filter(guests::chain_id.eq(chain.get()))
                .select(guests::merged_into)
                .first(c)
                .await
                .optional()?;
            if rows.len() < 2 {
                let missing = if rows.iter().any(|r| r.id == keep.get()) { absorb } else { keep };
                return Err(Error::not_found(GuestId::ENTITY, missing).into());
            }
            if absorbed_into == Some(Some(keep.get())) {
                return Ok((Vec::new(), Vec::new()));
            }
            let (kept_row, absorbed_row) = if rows[0].id == keep.get() {
                let b = rows.pop().ok_or_else(|| corrupt("guests", "merge lost a row"))?;
                (rows.pop().ok_or_else(|| corrupt("guests", "merge lost a row"))?, b)
            } else {
                let k = rows.pop().ok_or_else(|| corrupt("guests", "merge lost a row"))?;
                (k, rows.pop().ok_or_else(|| corrupt("guests", "merge lost a row"))?)
            };
            // Wallets: whole where the kept guest has none of that program and scope.
            let kept_wallets: Vec<(i64, i64, i64)> = wallets::table
                .filter(wallets::guest_id.eq(keep.get()))
                .select((wallets::id, wallets::program_id, wallets::scope_key))
                .load(c)
                .await?;
            let absorbed_wallets: Vec<(i64, i64, i64)> = wallets::table
                .filter(wallets::guest_id.eq(absorb.get()))
                .select((wallets::id, wallets::program_id, wallets::scope_key))
                .load(c)
                .await?;
            let mut moved = Vec::new();
            let mut clashing = Vec::new();
            for (id, program, scope) in absorbed_wallets {
                match kept_wallets.iter().find(|(_, p, s)| *p == program && *s == scope) {
                    Some((kept, _, _)) => clashing.push((WalletId(id), WalletId(*kept))),
                    None => {
                        diesel::update(wallets::table.filter(wallets::id.eq(id)))
                            .set(wallets::guest_id.eq(keep.get()))
                            .execute(c)
                            .await?;
                        moved.push(WalletId(id));
                    }
                }
            }
            diesel::update(guest_identities::table.filter(guest_identities::guest_id.eq(absorb.get())))
                .set(guest_identities::guest_id.eq(keep.get()))
                .execute(c)
                .await?;
            diesel::update(purchases::table.filter(purchases::guest_id.eq(absorb.get())))
                .set(purchases::guest_id.eq(keep.get()))
                .execute(c)
                .await?;
            diesel::update(outbox::table.filter(outbox::guest_id.eq(absorb.get())))
                .set(outbox::guest_id.eq(keep.get()))
                .execute(c)
                .await?;
            // The profile: what the kept guest lacks, from the absorbed one.
            let take_phone = kept_row.phone.is_none() || (!kept_row.phone_verified && absorbed_row.phone_verified);
            let (phone, phone_verified) = if take_phone {
                (absorbed_row.phone.clone(), absorbed_row.phone_verified)
            } else {
                (kept_row.phone.clone(), kept_row.phone_verified)
            };
            diesel::update(guests::table.filter(guests::id.eq(keep.get())))
                .set((
                    guests::phone.eq(phone),
                    guests::phone_verified.eq(phone_verified),
                    guests::language.eq(kept_row.language.or(absorbed_row.language)),
                    guests::name_key.eq(kept_row
                        .display_name
                        .as_deref()
                        .or(absorbed_row.display_name.as_deref())
                        .map(name_key)),
                    guests::display_name.eq(kept_row.display_name.or(absorbed_row.display_name)),
                    guests::birthday.eq(kept_row.birthday.or(absorbed_row.birthday)),
                    guests::home_cafe_id.eq(kept_row.home_cafe_id.or(absorbed_row.home_cafe_id)),
                    guests::referred_by
                        .eq(kept_row.referred_by.or(absorbed_row.referred_by).filter(|r| *r != keep.get())),
                ))
                .execute(c)
                .await?;
            diesel::update(guests::table.filter(guests::id.eq(absorb.get())))
                .set((
                    guests::phone.eq(None::<String>),
                    guests::phone_verified.eq(false),
                    guests::merged_into.eq(Some(keep.get())),
                ))
                .execute(c)
                .await?;
            append_event!(
                c,
                chain,
                "guest.merged",
                format!("guest:{keep}"),
                json!({
                    "absorbed": absorb.get(),
                    "moved_wallets": moved.iter().map(|w: &WalletId| w.get()).collect::<Vec<_>>(),
                    "clashing_wallets": clashing.iter().map(|(a, k): &(WalletId, WalletId)| [a.get(), k.get()]).collect::<Vec<_>>(),
                })
            );
            Ok((moved, clashing))
        })?;
        let clashing = if moved.is_empty() && clashing.is_empty() {
            // Merged before (or nothing to move): the absorbed guest's wallets that still hold a
            // balance are the ones to transfer.
            self.clashes_after_merge(chain, keep, absorb).await?
        } else {
            clashing
        };
        Ok(GuestMerge { guest: self.guest(chain, keep).await?, moved_wallets: moved, clashing_wallets: clashing })
    }
}

/// Last-seen times are kept to the minute: a person writing several messages a minute costs
/// one write, and the service-window and "used last" decisions need no finer time.
const SEEN_GRANULARITY_MS: i64 = 60_000;

impl DbStore {
    /// Pairs `(absorbed wallet, kept wallet)` of the same program and scope after a merge.
    async fn clashes_after_merge(
        &self,
        chain: ChainId,
        keep: GuestId,
        absorb: GuestId,
    ) -> Result<Vec<(WalletId, WalletId)>> {
        let pairs: Vec<(i64, i64, i64, i64)> = read!(self, |c| {
            let rows: Vec<(i64, i64, i64, i64)> = wallets::table
                .filter(wallets::chain_id.eq(chain.get()))
                .filter(wallets::guest_id.eq_any([keep.get(), absorb.get()]))
                .select((wallets::id, wallets::guest_id, wallets::program_id, wallets::scope_key))
                .load(c)
                .await?;
            Ok(rows)
        })?;
        let mut clashing = Vec::new();
        for (id, guest, program, scope) in &pairs {
            if *guest != absorb.get() {
                continue;
            }
            if let Some((kept, ..)) = pairs.iter().find(|(_, g, p, s)| *g == keep.get() && p == program && s == scope) {
                clashing.push((WalletId(*id), WalletId(*kept)));
            }
        }
        Ok(clashing)
    }
}
