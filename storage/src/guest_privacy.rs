//! The parts of the guest store that touch their personal data: erasing it at their request
//! (GDPR) and finding guests by name.
//! [`GuestRepo`](regulars_core::store::GuestRepo) delegates here.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use regulars_core::guest::{Guest, name_key};
use regulars_core::ids::{ChainId, GuestId};
use regulars_core::page::{Page, PageRequest};
use regulars_core::store::GuestRepo as _;
use regulars_core::{Error, Result};
use serde_json::json;

use crate::columns::now_millis;
use crate::events::append_event;
use crate::guests::{GuestRow, IdentityRow, assemble, load_guests};
use crate::schema::{conversations, guest_identities, guest_secrets, guests, outbox, presences};
use crate::store::{Backend, DbStore, read, write_tx};

/// See [`regulars_core::store::GuestRepo::erase_guest`].
pub(crate) async fn erase_guest(store: &DbStore, chain: ChainId, guest: GuestId) -> Result<Guest> {
    write_tx!(store, |c| {
        let erased_at: Option<Option<i64>> = guests::table
            .filter(guests::id.eq(guest.get()))
            .filter(guests::chain_id.eq(chain.get()))
            .select(guests::erased_at)
            .first(c)
            .await
            .optional()?;
        match erased_at {
            None => return Err(Error::not_found(GuestId::ENTITY, guest).into()),
            Some(Some(_)) => return Ok(()),
            Some(None) => {}
        }
        // The guest and everyone merged into them: a merge leaves the absorbed row's name.
        let mut ids: Vec<i64> = guests::table
            .filter(guests::chain_id.eq(chain.get()))
            .filter(guests::merged_into.eq(guest.get()))
            .select(guests::id)
            .load(c)
            .await?;
        ids.push(guest.get());
        let identities: Vec<(String, String)> = guest_identities::table
            .filter(guest_identities::guest_id.eq_any(&ids))
            .select((guest_identities::channel, guest_identities::external_id))
            .load(c)
            .await?;
        for (channel, external_id) in &identities {
            diesel::delete(
                conversations::table
                    .filter(conversations::chain_id.eq(chain.get()))
                    .filter(conversations::channel.eq(channel))
                    .filter(conversations::external_id.eq(external_id)),
            )
            .execute(c)
            .await?;
        }
        diesel::delete(guest_identities::table.filter(guest_identities::guest_id.eq_any(&ids))).execute(c).await?;
        diesel::delete(guest_secrets::table.filter(guest_secrets::guest_id.eq_any(&ids))).execute(c).await?;
        diesel::delete(presences::table.filter(presences::guest_id.eq_any(&ids))).execute(c).await?;
        // Messages hold their name and balance; the ledger keeps what was earned.
        let messages = diesel::delete(outbox::table.filter(outbox::guest_id.eq_any(&ids))).execute(c).await?;
        diesel::update(guests::table.filter(guests::id.eq_any(&ids)))
            .set((
                guests::display_name.eq(None::<String>),
                guests::name_key.eq(None::<String>),
                guests::phone.eq(None::<String>),
                guests::phone_verified.eq(false),
                guests::language.eq(None::<String>),
                guests::birthday.eq(None::<String>),
                guests::marketing_consent.eq(false),
                guests::erased_at.eq(Some(now_millis())),
            ))
            .execute(c)
            .await?;
        append_event!(
            c,
            chain,
            "guest.erased",
            format!("guest:{guest}"),
            json!({ "identities": identities.len(), "messages": messages, "merged": ids.len() - 1 })
        );
        Ok(())
    })?;
    store.guest(chain, guest).await
}

/// See [`regulars_core::store::GuestRepo::search_guests`].
pub(crate) async fn search_guests(
    store: &DbStore,
    chain: ChainId,
    text: &str,
    page: PageRequest,
) -> Result<Page<Guest>> {
    let needle = name_key(text);
    if needle.is_empty() {
        return Err(Error::invalid("q", "type part of a name"));
    }
    let limit = page.clamped_limit();
    let after = page.after.map_or(0, |c| c.key());
    // Three letters or more make a trigram: SQLite reads its FTS5 trigram index of the names
    // (PostgreSQL's planner takes its pg_trgm index for the LIKE below by itself). Shorter
    // needles have no trigram and scan the chain's names.
    if needle.chars().count() >= 3 && matches!(store.backend, Backend::Sqlite(_)) {
        let phrase = format!("\"{}\"", needle.replace('"', "\"\""));
        let found: Vec<Guest> = read!(store, |c| {
            // CROSS JOIN keeps the trigram index as the outer loop. With a plain JOIN the
            // planner (which, built with QPSG, cannot see the bound values) walked the chain's
            // guests by id and matched each against the index: 118 s at a million guests,
            // 0.3 ms this way.
            let ids: Vec<GuestIdRow> = diesel::sql_query(
                "SELECT g.id AS id FROM guest_names CROSS JOIN guests g ON g.id = guest_names.rowid \
                 WHERE guest_names MATCH ? AND guest_names.rowid > ? AND g.chain_id = ? AND g.merged_into IS NULL \
                 ORDER BY guest_names.rowid LIMIT ?",
            )
            .bind::<Text, _>(&phrase)
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(chain.get())
            .bind::<BigInt, _>(limit + 1)
            .load(c)
            .await?;
            let ids: Vec<i64> = ids.into_iter().map(|r| r.id).collect();
            Ok(load_guests!(c, guests::table.filter(guests::id.eq_any(&ids)).order(guests::id.asc())))
        })?;
        return Ok(Page::from_rows(found, limit, |g| g.id.get()));
    }
    let pattern = format!("%{}%", escape_like(&needle));
    let found: Vec<Guest> = read!(store, |c| {
        Ok(load_guests!(
            c,
            guests::table
                .filter(guests::chain_id.eq(chain.get()))
                .filter(guests::merged_into.is_null())
                .filter(guests::name_key.like(&pattern).escape('\\'))
                .filter(guests::id.gt(after))
                .order(guests::id.asc())
                .limit(limit + 1)
        ))
    })?;
    Ok(Page::from_rows(found, limit, |g| g.id.get()))
}

/// A guest's id, read by raw SQL.
#[derive(QueryableByName)]
struct GuestIdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// `text` with the `LIKE` wildcards (and the escape itself) escaped by `\`.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_are_literal() {
        assert_eq!(super::escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
