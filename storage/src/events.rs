//! The event log.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::Result;
use regulars_core::event::{Event, EventFilter, cafe_of, staff_of};
use regulars_core::ids::{CafeId, ChainId, EventId, StaffId};
use regulars_core::page::{Page, PageRequest};
use regulars_core::store::EventRepo;

use crate::columns::{from_json, from_millis, now_millis, to_json, to_millis};
use crate::error::DbError;
use crate::schema::events;
use crate::store::{DbStore, read};

/// An event to append inside the same transaction as the change it records.
#[derive(Insertable)]
#[diesel(table_name = events)]
pub(crate) struct NewEventRow {
    chain_id: i64,
    kind: &'static str,
    subject: String,
    cafe_id: Option<i64>,
    staff_id: Option<i64>,
    payload: String,
    created_at: i64,
}

impl NewEventRow {
    pub(crate) fn binds(&self) -> Vec<crate::cached::Bind<'_>> {
        use crate::cached::Bind;
        vec![
            Bind::I64(self.chain_id),
            Bind::Text(self.kind),
            Bind::Text(&self.subject),
            Bind::OptI64(self.cafe_id),
            Bind::OptI64(self.staff_id),
            Bind::Text(&self.payload),
            Bind::I64(self.created_at),
        ]
    }

    pub(crate) fn new(chain: ChainId, kind: &'static str, subject: String, payload: &serde_json::Value) -> Self {
        let cafe_id = cafe_of(&subject, payload).map(CafeId::get);
        let staff_id = staff_of(&subject, payload).map(StaffId::get);
        Self {
            chain_id: chain.get(),
            kind,
            subject,
            cafe_id,
            staff_id,
            payload: to_json(payload),
            created_at: now_millis(),
        }
    }
}

crate::cached::statements! {
    /// Appends an event.
    InsertEvent => "INSERT INTO events (chain_id, kind, subject, cafe_id, staff_id, payload, created_at) \
        VALUES (?, ?, ?, ?, ?, ?, ?)";
}

/// Appends an event inside the current transaction (a cached statement: every change writes
/// one).
macro_rules! append_event {
    ($c:ident, $chain:expr, $kind:expr, $subject:expr, $payload:expr) => {
        $crate::events::insert_event!($c, $crate::events::NewEventRow::new($chain, $kind, $subject, &$payload))
    };
}

/// Appends a [`NewEventRow`] inside the current transaction.
macro_rules! insert_event {
    ($c:ident, $row:expr) => {{
        let row: $crate::events::NewEventRow = $row;
        diesel_async::RunQueryDsl::execute($crate::cached::Cached::<$crate::events::InsertEvent>::new(row.binds()), $c)
            .await?
    }};
}
pub(crate) use {append_event, insert_event};

#[derive(Queryable, Selectable)]
#[diesel(table_name = events)]
struct EventRow {
    id: i64,
    chain_id: i64,
    kind: String,
    subject: String,
    cafe_id: Option<i64>,
    payload: String,
    created_at: i64,
}

impl EventRow {
    fn into_event(self) -> Result<Event, DbError> {
        Ok(Event {
            id: EventId(self.id),
            chain_id: ChainId(self.chain_id),
            kind: self.kind,
            subject: self.subject,
            cafe_id: self.cafe_id.map(CafeId),
            payload: from_json("events.payload", &self.payload)?,
            created_at: from_millis("events.created_at", self.created_at)?,
        })
    }
}

#[async_trait]
impl EventRepo for DbStore {
    async fn events(&self, chain: ChainId, filter: &EventFilter, page: PageRequest) -> Result<Page<Event>> {
        filter.validate()?;
        let limit = page.clamped_limit();
        let after = page.after.map(|c| c.key());
        let newest_first = filter.newest_first;
        let rows: Vec<EventRow> = read!(self, |c| {
            let mut query = events::table
                .filter(events::chain_id.eq(chain.get()))
                .limit(limit + 1)
                .select(EventRow::as_select())
                .into_boxed();
            query = if newest_first {
                let query = query.order(events::id.desc());
                match after {
                    Some(after) => query.filter(events::id.lt(after)),
                    None => query,
                }
            } else {
                query.order(events::id.asc()).filter(events::id.gt(after.unwrap_or(0)))
            };
            match (filter.kind_prefix(), &filter.kind) {
                (Some(prefix), _) => query = query.filter(events::kind.like(prefix)),
                (None, Some(kind)) => query = query.filter(events::kind.eq(kind.clone())),
                (None, None) => {}
            }
            if let Some(subject) = &filter.subject {
                query = query.filter(events::subject.eq(subject.clone()));
            }
            if let Some(cafes) = &filter.cafes {
                query = query.filter(events::cafe_id.eq_any(cafes.iter().map(|c| c.get()).collect::<Vec<_>>()));
            }
            if let Some(staff) = filter.staff {
                query = query.filter(events::staff_id.eq(staff.get()));
            }
            if let Some(since) = filter.since {
                query = query.filter(events::created_at.ge(to_millis(since)));
            }
            if let Some(until) = filter.until {
                query = query.filter(events::created_at.lt(to_millis(until)));
            }
            Ok(query.load(c).await?)
        })?;
        let events = rows.into_iter().map(EventRow::into_event).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(events, limit, |e| e.id.get()))
    }

    async fn record_event(
        &self,
        chain: ChainId,
        kind: &'static str,
        subject: String,
        payload: serde_json::Value,
    ) -> Result<()> {
        crate::store::write_tx!(self, |c| {
            crate::chains::require_chain!(c, chain);
            append_event!(c, chain, kind, subject, payload);
            Ok(())
        })?;
        Ok(())
    }
}
