//! Staff members and shifts.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::guest::ChannelIdentity;
use regulars_core::ids::{CafeId, ChainId, ShiftId, StaffId};
use regulars_core::page::{Page, PageRequest};
use regulars_core::staff::{NewStaff, Role, Shift, ShiftState, Staff, StaffUpdate};
use regulars_core::store::StaffRepo;
use regulars_core::{Error, Result};
use serde_json::json;

use crate::chains::require_chain;
use crate::columns::{from_json, from_millis, now_millis, to_json, to_millis};
use crate::error::{DbError, corrupt};
use crate::events::append_event;
use crate::schema::{api_tokens, cafes, sessions, shifts, staff};
use crate::store::{DbStore, read, write_tx};

#[derive(Queryable, Selectable)]
#[diesel(table_name = staff)]
pub(crate) struct StaffRow {
    id: i64,
    chain_id: i64,
    name: String,
    role: String,
    cafes: String,
    channel: Option<String>,
    external_id: Option<String>,
    login: Option<String>,
    deactivated_at: Option<i64>,
}

impl StaffRow {
    pub(crate) fn into_staff(self) -> Result<Staff, DbError> {
        let identity = match (self.channel, self.external_id) {
            (Some(channel), Some(external_id)) => {
                Some(ChannelIdentity::new(&channel, external_id).map_err(|e| corrupt("staff.channel", e))?)
            }
            _ => None,
        };
        Ok(Staff {
            id: StaffId(self.id),
            chain_id: ChainId(self.chain_id),
            name: self.name,
            role: Role::parse(&self.role).map_err(|e| corrupt("staff.role", e))?,
            cafes: from_json("staff.cafes", &self.cafes)?,
            identity,
            login: self.login,
            active: self.deactivated_at.is_none(),
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = shifts)]
pub(crate) struct ShiftRow {
    id: i64,
    chain_id: i64,
    staff_id: i64,
    cafe_id: i64,
    opened_at: i64,
    closed_at: Option<i64>,
}

impl ShiftRow {
    pub(crate) fn into_shift(self) -> Result<Shift, DbError> {
        Ok(Shift {
            id: ShiftId(self.id),
            chain_id: ChainId(self.chain_id),
            staff_id: StaffId(self.staff_id),
            cafe_id: CafeId(self.cafe_id),
            opened_at: from_millis("shifts.opened_at", self.opened_at)?,
            state: match self.closed_at {
                None => ShiftState::Open,
                Some(ms) => ShiftState::Closed { closed_at: from_millis("shifts.closed_at", ms)? },
            },
        })
    }
}

macro_rules! load_staff {
    ($c:ident, $chain:expr, $id:expr) => {{
        let row: Option<StaffRow> = staff::table
            .filter(staff::id.eq($id.get()))
            .filter(staff::chain_id.eq($chain.get()))
            .select(StaffRow::as_select())
            .first($c)
            .await
            .optional()?;
        match row {
            Some(row) => row.into_staff()?,
            None => return Err(Error::not_found(StaffId::ENTITY, $id).into()),
        }
    }};
}

/// Fails with `NotFound` naming the first of `$cafes` that is not a cafe of `$chain`.
macro_rules! require_cafes {
    ($c:ident, $chain:expr, $cafes:expr) => {{
        let named: &[CafeId] = $cafes;
        let ids: Vec<i64> = named.iter().map(|c| c.get()).collect();
        let known: Vec<i64> = cafes::table
            .filter(cafes::chain_id.eq($chain.get()))
            .filter(cafes::id.eq_any(&ids))
            .select(cafes::id)
            .load($c)
            .await?;
        if let Some(missing) = named.iter().find(|id| !known.contains(&id.get())) {
            return Err(Error::not_found(CafeId::ENTITY, missing).into());
        }
    }};
}

#[async_trait]
impl StaffRepo for DbStore {
    async fn create_staff(&self, chain: ChainId, new: NewStaff) -> Result<Staff> {
        if new.name.trim().is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        let row: StaffRow = write_tx!(self, |c| {
            require_chain!(c, chain);
            require_cafes!(c, chain, &new.cafes);
            if let Some(identity) = &new.identity {
                let taken: i64 = staff::table
                    .filter(staff::chain_id.eq(chain.get()))
                    .filter(staff::channel.eq(identity.channel.as_str()))
                    .filter(staff::external_id.eq(&identity.external_id))
                    .count()
                    .get_result(c)
                    .await?;
                if taken > 0 {
                    return Err(
                        Error::Conflict("this messenger identity already belongs to a staff member".into()).into()
                    );
                }
            }
            if let Some(login) = &new.login {
                let taken: i64 = staff::table
                    .filter(staff::chain_id.eq(chain.get()))
                    .filter(staff::login.eq(login))
                    .count()
                    .get_result(c)
                    .await?;
                if taken > 0 {
                    return Err(Error::Conflict(format!("the login `{login}` is taken")).into());
                }
            }
            let row: StaffRow = diesel::insert_into(staff::table)
                .values((
                    staff::chain_id.eq(chain.get()),
                    staff::name.eq(&new.name),
                    staff::role.eq(new.role.as_str()),
                    staff::cafes.eq(to_json(&new.cafes)),
                    staff::channel.eq(new.identity.as_ref().map(|i| i.channel.as_str())),
                    staff::external_id.eq(new.identity.as_ref().map(|i| i.external_id.as_str())),
                    staff::login.eq(&new.login),
                    staff::created_at.eq(now_millis()),
                ))
                .returning(StaffRow::as_returning())
                .get_result(c)
                .await?;
            append_event!(c, chain, "staff.created", format!("staff:{}", row.id), json!({ "role": new.role.as_str() }));
            Ok(row)
        })?;
        Ok(row.into_staff()?)
    }

    async fn staff(&self, chain: ChainId, id: StaffId) -> Result<Staff> {
        let member: Staff = read!(self, |c| Ok(load_staff!(c, chain, id)))?;
        Ok(member)
    }

    async fn update_staff(&self, chain: ChainId, id: StaffId, update: StaffUpdate) -> Result<Staff> {
        let row: StaffRow = write_tx!(self, |c| {
            let before = load_staff!(c, chain, id);
            let member = update.apply(before.clone())?;
            require_cafes!(c, chain, &member.cafes);
            let now = now_millis();
            let deactivated_at: Option<i64> = if member.active {
                None
            } else {
                staff::table
                    .filter(staff::id.eq(id.get()))
                    .select(staff::deactivated_at)
                    .first::<Option<i64>>(c)
                    .await?
                    .or(Some(now))
            };
            let row: StaffRow = diesel::update(staff::table.filter(staff::id.eq(id.get())))
                .set((
                    staff::name.eq(&member.name),
                    staff::role.eq(member.role.as_str()),
                    staff::cafes.eq(to_json(&member.cafes)),
                    staff::deactivated_at.eq(deactivated_at),
                ))
                .returning(StaffRow::as_returning())
                .get_result(c)
                .await?;
            if before.active && !member.active {
                // They left: nothing they held open keeps working.
                diesel::update(
                    sessions::table.filter(sessions::staff_id.eq(id.get())).filter(sessions::ended_at.is_null()),
                )
                .set(sessions::ended_at.eq(now))
                .execute(c)
                .await?;
                diesel::update(
                    api_tokens::table
                        .filter(api_tokens::staff_id.eq(id.get()))
                        .filter(api_tokens::revoked_at.is_null()),
                )
                .set(api_tokens::revoked_at.eq(now))
                .execute(c)
                .await?;
                diesel::update(shifts::table.filter(shifts::staff_id.eq(id.get())).filter(shifts::closed_at.is_null()))
                    .set(shifts::closed_at.eq(now))
                    .execute(c)
                    .await?;
            }
            append_event!(c, chain, "staff.updated", format!("staff:{id}"), json!({ "change": update }));
            Ok(row)
        })?;
        Ok(row.into_staff()?)
    }

    async fn staff_by_identity(&self, chain: ChainId, identity: &ChannelIdentity) -> Result<Staff> {
        let row: Option<StaffRow> = read!(self, |c| {
            Ok(staff::table
                .filter(staff::chain_id.eq(chain.get()))
                .filter(staff::channel.eq(identity.channel.as_str()))
                .filter(staff::external_id.eq(&identity.external_id))
                .filter(staff::deactivated_at.is_null())
                .select(StaffRow::as_select())
                .first(c)
                .await
                .optional()?)
        })?;
        let row = row.ok_or_else(|| {
            Error::not_found(StaffId::ENTITY, format!("{}:{}", identity.channel, identity.external_id))
        })?;
        Ok(row.into_staff()?)
    }

    async fn open_shift(&self, chain: ChainId, staff_id: StaffId, cafe: CafeId) -> Result<Shift> {
        let row: ShiftRow = write_tx!(self, |c| {
            let member = load_staff!(c, chain, staff_id);
            let cafe_found: i64 = cafes::table
                .filter(cafes::id.eq(cafe.get()))
                .filter(cafes::chain_id.eq(chain.get()))
                .count()
                .get_result(c)
                .await?;
            if cafe_found == 0 {
                return Err(Error::not_found(CafeId::ENTITY, cafe).into());
            }
            if !member.works_at(cafe) {
                return Err(Error::Conflict(format!("{} does not work at cafe {cafe}", member.name)).into());
            }
            let open: i64 = shifts::table
                .filter(shifts::staff_id.eq(staff_id.get()))
                .filter(shifts::closed_at.is_null())
                .count()
                .get_result(c)
                .await?;
            if open > 0 {
                return Err(Error::Conflict(format!("{} already has an open shift", member.name)).into());
            }
            let row: ShiftRow = diesel::insert_into(shifts::table)
                .values((
                    shifts::chain_id.eq(chain.get()),
                    shifts::staff_id.eq(staff_id.get()),
                    shifts::cafe_id.eq(cafe.get()),
                    shifts::opened_at.eq(now_millis()),
                ))
                .returning(ShiftRow::as_returning())
                .get_result(c)
                .await?;
            append_event!(
                c,
                chain,
                "shift.opened",
                format!("shift:{}", row.id),
                json!({ "staff": staff_id, "cafe": cafe })
            );
            Ok(row)
        })?;
        Ok(row.into_shift()?)
    }

    async fn close_shift(&self, chain: ChainId, shift: ShiftId) -> Result<Shift> {
        let row: ShiftRow = write_tx!(self, |c| {
            let row: Option<ShiftRow> = shifts::table
                .filter(shifts::id.eq(shift.get()))
                .filter(shifts::chain_id.eq(chain.get()))
                .select(ShiftRow::as_select())
                .first(c)
                .await
                .optional()?;
            let current = row.ok_or_else(|| Error::not_found(ShiftId::ENTITY, shift))?.into_shift()?;
            let closed = current.close(chrono::Utc::now())?;
            let ShiftState::Closed { closed_at } = closed.state else {
                return Err(Error::internal("a closed shift is not closed").into());
            };
            let row: ShiftRow = diesel::update(shifts::table.filter(shifts::id.eq(shift.get())))
                .set(shifts::closed_at.eq(to_millis(closed_at)))
                .returning(ShiftRow::as_returning())
                .get_result(c)
                .await?;
            append_event!(c, chain, "shift.closed", format!("shift:{shift}"), json!({ "staff": current.staff_id }));
            Ok(row)
        })?;
        Ok(row.into_shift()?)
    }

    async fn open_shift_of(&self, chain: ChainId, staff_id: StaffId) -> Result<Option<Shift>> {
        let row: Option<ShiftRow> = read!(self, |c| {
            Ok(shifts::table
                .filter(shifts::staff_id.eq(staff_id.get()))
                .filter(shifts::chain_id.eq(chain.get()))
                .filter(shifts::closed_at.is_null())
                .select(ShiftRow::as_select())
                .first(c)
                .await
                .optional()?)
        })?;
        Ok(row.map(ShiftRow::into_shift).transpose()?)
    }

    async fn list_shifts(&self, chain: ChainId, cafes: Option<&[CafeId]>, page: PageRequest) -> Result<Page<Shift>> {
        let limit = page.clamped_limit();
        let before = page.after.map_or(i64::MAX, |c| c.key());
        let cafe_ids: Option<Vec<i64>> = cafes.map(|cafes| cafes.iter().map(|c| c.get()).collect());
        let rows: Vec<ShiftRow> = read!(self, |c| {
            let mut query = shifts::table
                .filter(shifts::chain_id.eq(chain.get()))
                .filter(shifts::id.lt(before))
                .order(shifts::id.desc())
                .limit(limit + 1)
                .select(ShiftRow::as_select())
                .into_boxed();
            if let Some(ids) = &cafe_ids {
                query = query.filter(shifts::cafe_id.eq_any(ids.clone()));
            }
            Ok(query.load(c).await?)
        })?;
        let shifts = rows.into_iter().map(ShiftRow::into_shift).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(shifts, limit, |s| s.id.get()))
    }
}

pub(crate) use load_staff;
