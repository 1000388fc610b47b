//! Accounts, PINs, paired terminals, sessions and API tokens ([`AccountRepo`]).

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::auth::account::{Account, ApiToken, NewApiToken, NewSession, NewTerminal, Session, Terminal};
use regulars_core::auth::{Permission, SecretHash};
use regulars_core::ids::{AccountId, ApiTokenId, CafeId, ChainId, SessionId, StaffId, TerminalId};
use regulars_core::staff::Staff;
use regulars_core::store::AccountRepo;
use regulars_core::{Error, Result};
use serde_json::json;

use crate::columns::{from_json, from_millis, now_millis, to_json, to_millis};
use crate::error::DbError;
use crate::events::append_event;
use crate::schema::{accounts, api_tokens, cafes, sessions, staff, terminals};
use crate::staff::{StaffRow, load_staff};
use crate::store::{DbStore, read, write_tx};

#[derive(Queryable, Selectable)]
#[diesel(table_name = accounts)]
struct AccountRow {
    id: i64,
    login: String,
    password_hash: String,
    created_at: i64,
}

impl AccountRow {
    fn into_account(self) -> Result<Account, DbError> {
        Ok(Account {
            id: AccountId(self.id),
            login: self.login,
            password: SecretHash::from_stored(self.password_hash),
            created_at: from_millis("accounts.created_at", self.created_at)?,
        })
    }
}

fn optional_millis(column: &str, ms: Option<i64>) -> Result<Option<DateTime<Utc>>, DbError> {
    ms.map(|ms| from_millis(column, ms)).transpose()
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = terminals)]
struct TerminalRow {
    id: i64,
    chain_id: i64,
    cafe_id: i64,
    name: String,
    paired_by: i64,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TerminalRow {
    fn into_terminal(self) -> Result<Terminal, DbError> {
        Ok(Terminal {
            id: TerminalId(self.id),
            chain_id: ChainId(self.chain_id),
            cafe_id: CafeId(self.cafe_id),
            name: self.name,
            paired_by: StaffId(self.paired_by),
            created_at: from_millis("terminals.created_at", self.created_at)?,
            last_used_at: optional_millis("terminals.last_used_at", self.last_used_at)?,
            revoked_at: optional_millis("terminals.revoked_at", self.revoked_at)?,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = sessions)]
struct SessionRow {
    id: i64,
    chain_id: i64,
    staff_id: i64,
    account_id: Option<i64>,
    terminal_id: Option<i64>,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    ended_at: Option<i64>,
}

impl SessionRow {
    fn into_session(self) -> Result<Session, DbError> {
        Ok(Session {
            id: SessionId(self.id),
            chain_id: ChainId(self.chain_id),
            staff_id: StaffId(self.staff_id),
            account_id: self.account_id.map(AccountId),
            terminal_id: self.terminal_id.map(TerminalId),
            created_at: from_millis("sessions.created_at", self.created_at)?,
            last_seen_at: from_millis("sessions.last_seen_at", self.last_seen_at)?,
            expires_at: from_millis("sessions.expires_at", self.expires_at)?,
            ended_at: optional_millis("sessions.ended_at", self.ended_at)?,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
struct ApiTokenRow {
    id: i64,
    chain_id: i64,
    staff_id: i64,
    name: String,
    permissions: String,
    created_by: i64,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl ApiTokenRow {
    fn into_token(self) -> Result<ApiToken, DbError> {
        let permissions: BTreeSet<Permission> = from_json("api_tokens.permissions", &self.permissions)?;
        Ok(ApiToken {
            id: ApiTokenId(self.id),
            chain_id: ChainId(self.chain_id),
            staff_id: StaffId(self.staff_id),
            name: self.name,
            permissions,
            created_by: StaffId(self.created_by),
            created_at: from_millis("api_tokens.created_at", self.created_at)?,
            last_used_at: optional_millis("api_tokens.last_used_at", self.last_used_at)?,
            revoked_at: optional_millis("api_tokens.revoked_at", self.revoked_at)?,
        })
    }
}

/// A name for a terminal or token: trimmed, not empty, not too long, no control characters.
fn check_name(field: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid(field, "must be 1 to 100 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(name.to_owned())
}

#[async_trait]
impl AccountRepo for DbStore {
    async fn create_account(&self, login: &str, password: SecretHash) -> Result<Account> {
        let login = login.to_owned();
        let row: AccountRow = write_tx!(self, |c| {
            let taken: i64 = accounts::table.filter(accounts::login.eq(&login)).count().get_result(c).await?;
            if taken > 0 {
                return Err(Error::Conflict(format!("the login `{login}` is taken")).into());
            }
            let now = now_millis();
            Ok(diesel::insert_into(accounts::table)
                .values((
                    accounts::login.eq(&login),
                    accounts::password_hash.eq(password.as_str()),
                    accounts::created_at.eq(now),
                    accounts::updated_at.eq(now),
                ))
                .returning(AccountRow::as_returning())
                .get_result(c)
                .await?)
        })?;
        Ok(row.into_account()?)
    }

    async fn account_by_login(&self, login: &str) -> Result<Account> {
        let row: Option<AccountRow> = read!(self, |c| {
            Ok(accounts::table
                .filter(accounts::login.eq(login))
                .select(AccountRow::as_select())
                .first(c)
                .await
                .optional()?)
        })?;
        Ok(row.ok_or_else(|| Error::not_found(AccountId::ENTITY, login))?.into_account()?)
    }

    async fn set_password(&self, account: AccountId, password: SecretHash) -> Result<()> {
        let changed: usize = write_tx!(self, |c| {
            Ok(diesel::update(accounts::table.filter(accounts::id.eq(account.get())))
                .set((accounts::password_hash.eq(password.as_str()), accounts::updated_at.eq(now_millis())))
                .execute(c)
                .await?)
        })?;
        if changed == 0 {
            return Err(Error::not_found(AccountId::ENTITY, account));
        }
        Ok(())
    }

    async fn staff_of_account(&self, login: &str) -> Result<Vec<Staff>> {
        let rows: Vec<StaffRow> = read!(self, |c| {
            Ok(staff::table
                .filter(staff::login.eq(login))
                .filter(staff::deactivated_at.is_null())
                .order(staff::id)
                .select(StaffRow::as_select())
                .load(c)
                .await?)
        })?;
        Ok(rows.into_iter().map(StaffRow::into_staff).collect::<Result<_, _>>()?)
    }

    async fn list_staff(&self, chain: ChainId) -> Result<Vec<Staff>> {
        let rows: Vec<StaffRow> = read!(self, |c| {
            Ok(staff::table
                .filter(staff::chain_id.eq(chain.get()))
                .order(staff::id)
                .select(StaffRow::as_select())
                .load(c)
                .await?)
        })?;
        Ok(rows.into_iter().map(StaffRow::into_staff).collect::<Result<_, _>>()?)
    }

    async fn set_staff_pin(&self, chain: ChainId, member: StaffId, pin: Option<SecretHash>) -> Result<()> {
        write_tx!(self, |c| {
            load_staff!(c, chain, member);
            diesel::update(staff::table.filter(staff::id.eq(member.get())))
                .set(staff::pin_hash.eq(pin.as_ref().map(SecretHash::as_str)))
                .execute(c)
                .await?;
            let kind = if pin.is_some() { "staff.pin_set" } else { "staff.pin_cleared" };
            append_event!(c, chain, kind, format!("staff:{member}"), json!({}));
            Ok(())
        })?;
        Ok(())
    }

    async fn staff_pin(&self, chain: ChainId, member: StaffId) -> Result<Option<SecretHash>> {
        let row: Option<Option<String>> = read!(self, |c| {
            Ok(staff::table
                .filter(staff::id.eq(member.get()))
                .filter(staff::chain_id.eq(chain.get()))
                .select(staff::pin_hash)
                .first(c)
                .await
                .optional()?)
        })?;
        let pin = row.ok_or_else(|| Error::not_found(StaffId::ENTITY, member))?;
        Ok(pin.map(SecretHash::from_stored))
    }

    async fn pair_terminal(&self, chain: ChainId, new: NewTerminal) -> Result<Terminal> {
        let name = check_name("name", &new.name)?;
        let row: TerminalRow = write_tx!(self, |c| {
            load_staff!(c, chain, new.paired_by);
            let cafe_found: i64 = cafes::table
                .filter(cafes::id.eq(new.cafe_id.get()))
                .filter(cafes::chain_id.eq(chain.get()))
                .count()
                .get_result(c)
                .await?;
            if cafe_found == 0 {
                return Err(Error::not_found(CafeId::ENTITY, new.cafe_id).into());
            }
            let row: TerminalRow = diesel::insert_into(terminals::table)
                .values((
                    terminals::chain_id.eq(chain.get()),
                    terminals::cafe_id.eq(new.cafe_id.get()),
                    terminals::name.eq(&name),
                    terminals::token_hash.eq(new.token.as_str()),
                    terminals::paired_by.eq(new.paired_by.get()),
                    terminals::created_at.eq(now_millis()),
                ))
                .returning(TerminalRow::as_returning())
                .get_result(c)
                .await?;
            append_event!(
                c,
                chain,
                "terminal.paired",
                format!("terminal:{}", row.id),
                json!({ "cafe": new.cafe_id, "by": new.paired_by, "name": name })
            );
            Ok(row)
        })?;
        Ok(row.into_terminal()?)
    }

    async fn terminal_by_token(&self, token: &SecretHash) -> Result<Terminal> {
        let row: Option<TerminalRow> = read!(self, |c| {
            Ok(terminals::table
                .filter(terminals::token_hash.eq(token.as_str()))
                .select(TerminalRow::as_select())
                .first(c)
                .await
                .optional()?)
        })?;
        Ok(row.ok_or_else(|| Error::not_found(TerminalId::ENTITY, "with this token"))?.into_terminal()?)
    }

    async fn terminal(&self, chain: ChainId, terminal: TerminalId) -> Result<Terminal> {
        let row: Option<TerminalRow> = read!(self, |c| {
            Ok(terminals::table
                .filter(terminals::id.eq(terminal.get()))
                .filter(terminals::chain_id.eq(chain.get()))
                .select(TerminalRow::as_select())
                .first(c)
                .await
                .optional()?)
        })?;
        Ok(row.ok_or_else(|| Error::not_found(TerminalId::ENTITY, terminal))?.into_terminal()?)
    }

    async fn list_terminals(&self, chain: ChainId) -> Result<Vec<Terminal>> {
        let rows: Vec<TerminalRow> = read!(self, |c| {
            Ok(terminals::table
                .filter(terminals::chain_id.eq(chain.get()))
                .order(terminals::id)
                .select(TerminalRow::as_select())
                .load(c)
                .await?)
        })?;
        Ok(rows.into_iter().map(TerminalRow::into_terminal).collect::<Result<_, _>>()?)
    }

    async fn revoke_terminal(&self, chain: ChainId, terminal: TerminalId, at: DateTime<Utc>) -> Result<Terminal> {
        let row: TerminalRow = write_tx!(self, |c| {
            let first = diesel::update(
                terminals::table
                    .filter(terminals::id.eq(terminal.get()))
                    .filter(terminals::chain_id.eq(chain.get()))
                    .filter(terminals::revoked_at.is_null()),
            )
            .set(terminals::revoked_at.eq(to_millis(at)))
            .execute(c)
            .await?;
            let row: Option<TerminalRow> = terminals::table
                .filter(terminals::id.eq(terminal.get()))
                .filter(terminals::chain_id.eq(chain.get()))
                .select(TerminalRow::as_select())
                .first(c)
                .await
                .optional()?;
            let row = row.ok_or_else(|| Error::not_found(TerminalId::ENTITY, terminal))?;
            if first > 0 {
                diesel::update(
                    sessions::table
                        .filter(sessions::terminal_id.eq(terminal.get()))
                        .filter(sessions::ended_at.is_null()),
                )
                .set(sessions::ended_at.eq(to_millis(at)))
                .execute(c)
                .await?;
                append_event!(c, chain, "terminal.revoked", format!("terminal:{terminal}"), json!({}));
            }
            Ok(row)
        })?;
        Ok(row.into_terminal()?)
    }

    async fn touch_terminal(&self, chain: ChainId, terminal: TerminalId, at: DateTime<Utc>) -> Result<()> {
        write_tx!(self, |c| {
            diesel::update(
                terminals::table.filter(terminals::id.eq(terminal.get())).filter(terminals::chain_id.eq(chain.get())),
            )
            .set(terminals::last_used_at.eq(to_millis(at)))
            .execute(c)
            .await?;
            Ok(())
        })?;
        Ok(())
    }

    async fn create_session(&self, new: NewSession) -> Result<Session> {
        let row: SessionRow = write_tx!(self, |c| {
            load_staff!(c, new.chain_id, new.staff_id);
            let row: SessionRow = diesel::insert_into(sessions::table)
                .values((
                    sessions::chain_id.eq(new.chain_id.get()),
                    sessions::staff_id.eq(new.staff_id.get()),
                    sessions::account_id.eq(new.account_id.map(AccountId::get)),
                    sessions::terminal_id.eq(new.terminal_id.map(TerminalId::get)),
                    sessions::token_hash.eq(new.token.as_str()),
                    sessions::created_at.eq(to_millis(new.created_at)),
                    sessions::last_seen_at.eq(to_millis(new.created_at)),
                    sessions::expires_at.eq(to_millis(new.expires_at)),
                ))
                .returning(SessionRow::as_returning())
                .get_result(c)
                .await?;
            append_event!(
                c,
                new.chain_id,
                "session.opened",
                format!("staff:{}", new.staff_id),
                json!({ "session": row.id, "terminal": new.terminal_id })
            );
            Ok(row)
        })?;
        Ok(row.into_session()?)
    }

    async fn session_by_token(&self, token: &SecretHash) -> Result<Session> {
        let row: Option<SessionRow> = read!(self, |c| {
            Ok(sessions::table
                .filter(sessions::token_hash.eq(token.as_str()))
                .select(SessionRow::as_select())
                .first(c)
                .await
                .optional()?)
        })?;
        Ok(row.ok_or_else(|| Error::not_found(SessionId::ENTITY, "with this cookie"))?.into_session()?)
    }

    async fn touch_session(&self, session: SessionId, at: DateTime<Utc>) -> Result<()> {
        write_tx!(self, |c| {
            diesel::update(sessions::table.filter(sessions::id.eq(session.get())))
                .set(sessions::last_seen_at.eq(to_millis(at)))
                .execute(c)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    async fn end_session(&self, session: SessionId, at: DateTime<Utc>) -> Result<()> {
        write_tx!(self, |c| {
            diesel::update(sessions::table.filter(sessions::id.eq(session.get())).filter(sessions::ended_at.is_null()))
                .set(sessions::ended_at.eq(to_millis(at)))
                .execute(c)
                .await?;
            Ok(())
        })?;
        Ok(())
    }

    async fn end_sessions_of_account(&self, account: AccountId, at: DateTime<Utc>) -> Result<u64> {
        let ended: usize = write_tx!(self, |c| {
            Ok(diesel::update(
                sessions::table.filter(sessions::account_id.eq(account.get())).filter(sessions::ended_at.is_null()),
            )
            .set(sessions::ended_at.eq(to_millis(at)))
            .execute(c)
            .await?)
        })?;
        Ok(ended as u64)
    }

    async fn create_api_token(&self, chain: ChainId, new: NewApiToken) -> Result<ApiToken> {
        let name = check_name("name", &new.name)?;
        if new.permissions.is_empty() {
            return Err(Error::invalid("permissions", "must name at least one permission"));
        }
        let row: ApiTokenRow = write_tx!(self, |c| {
            load_staff!(c, chain, new.staff_id);
            load_staff!(c, chain, new.created_by);
            let row: ApiTokenRow = diesel::insert_into(api_tokens::table)
                .values((
                    api_tokens::chain_id.eq(chain.get()),
                    api_tokens::staff_id.eq(new.staff_id.get()),
                    api_tokens::name.eq(&name),
                    api_tokens::permissions.eq(to_json(&new.permissions)),
                    api_tokens::token_hash.eq(new.token.as_str()),
                    api_tokens::created_by.eq(new.created_by.get()),
                    api_tokens::created_at.eq(now_millis()),
                ))
                .returning(ApiTokenRow::as_returning())
                .get_result(c)
                .await?;
            append_event!(
                c,
                chain,
                "api_token.created",
                format!("api_token:{}", row.id),
                json!({ "staff": new.staff_id, "by": new.created_by, "name": name, "permissions": new.permissions })
            );
            Ok(row)
        })?;
        Ok(row.into_token()?)
    }

    async fn api_token_by_hash(&self, token: &SecretHash) -> Result<ApiToken> {
        let row: Option<ApiTokenRow> = read!(self, |c| {
            Ok(api_tokens::table
                .filter(api_tokens::token_hash.eq(token.as_str()))
                .select(ApiTokenRow::as_select())
                .first(c)
                .await
                .optional()?)
        })?;
        Ok(row.ok_or_else(|| Error::not_found(ApiTokenId::ENTITY, "with this value"))?.into_token()?)
    }

    async fn list_api_tokens(&self, chain: ChainId) -> Result<Vec<ApiToken>> {
        let rows: Vec<ApiTokenRow> = read!(self, |c| {
            Ok(api_tokens::table
                .filter(api_tokens::chain_id.eq(chain.get()))
                .order(api_tokens::id)
                .select(ApiTokenRow::as_select())
                .load(c)
                .await?)
        })?;
        Ok(rows.into_iter().map(ApiTokenRow::into_token).collect::<Result<_, _>>()?)
    }

    async fn revoke_api_token(&self, chain: ChainId, token: ApiTokenId, at: DateTime<Utc>) -> Result<ApiToken> {
        let row: ApiTokenRow = write_tx!(self, |c| {
            let first = diesel::update(
                api_tokens::table
                    .filter(api_tokens::id.eq(token.get()))
                    .filter(api_tokens::chain_id.eq(chain.get()))
                    .filter(api_tokens::revoked_at.is_null()),
            )
            .set(api_tokens::revoked_at.eq(to_millis(at)))
            .execute(c)
            .await?;
            let row: Option<ApiTokenRow> = api_tokens::table
                .filter(api_tokens::id.eq(token.get()))
                .filter(api_tokens::chain_id.eq(chain.get()))
                .select(ApiTokenRow::as_select())
                .first(c)
                .await
                .optional()?;
            let row = row.ok_or_else(|| Error::not_found(ApiTokenId::ENTITY, token))?;
            if first > 0 {
                append_event!(c, chain, "api_token.revoked", format!("api_token:{token}"), json!({}));
            }
            Ok(row)
        })?;
        Ok(row.into_token()?)
    }

    async fn touch_api_token(&self, token: ApiTokenId, at: DateTime<Utc>) -> Result<()> {
        write_tx!(self, |c| {
            diesel::update(api_tokens::table.filter(api_tokens::id.eq(token.get())))
                .set(api_tokens::last_used_at.eq(to_millis(at)))
                .execute(c)
                .await?;
            Ok(())
        })?;
        Ok(())
    }
}
