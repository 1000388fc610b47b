//! The guest outbox ([`OutboxRepo`]): notifications queued in the same transaction as the
//! change they tell about, drained by the channel workers.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::Result;
use regulars_core::ids::{ChainId, GuestId};
use regulars_core::notification::{OutboxMessage, OutboxStatus};
use regulars_core::store::OutboxRepo;

use crate::columns::{from_json, from_millis};
use crate::error::{DbError, corrupt};
use crate::schema::outbox;
use crate::store::{DbStore, read};

/// Queues a [`NewNotification`](regulars_core::notification::NewNotification) inside the
/// current transaction. Its `dedupe_key` is unique per chain, so the same change applied again
/// queues nothing. Evaluates to `()`.
macro_rules! enqueue_in_tx {
    ($c:ident, $chain:expr, $new:expr) => {{
        let new: regulars_core::notification::NewNotification = $new;
        let now = $crate::columns::now_millis();
        diesel_async::RunQueryDsl::execute(
            diesel::insert_into($crate::schema::outbox::table)
                .values((
                    $crate::schema::outbox::chain_id.eq($chain.get()),
                    $crate::schema::outbox::guest_id.eq(new.guest_id.get()),
                    $crate::schema::outbox::dedupe_key.eq(&new.dedupe_key),
                    $crate::schema::outbox::kind.eq(new.notification.kind()),
                    $crate::schema::outbox::payload.eq($crate::columns::to_json(&new.notification)),
                    $crate::schema::outbox::status.eq(regulars_core::notification::OutboxStatus::Pending.as_str()),
                    $crate::schema::outbox::attempts.eq(0_i64),
                    $crate::schema::outbox::available_at.eq(now),
                    $crate::schema::outbox::created_at.eq(now),
                ))
                .on_conflict_do_nothing(),
            $c,
        )
        .await?;
    }};
}
pub(crate) use enqueue_in_tx;

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox)]
struct OutboxRow {
    id: i64,
    chain_id: i64,
    guest_id: i64,
    dedupe_key: String,
    payload: String,
    status: String,
    attempts: i64,
    created_at: i64,
}

impl OutboxRow {
    fn into_message(self) -> Result<OutboxMessage, DbError> {
        Ok(OutboxMessage {
            id: self.id,
            chain_id: ChainId(self.chain_id),
            guest_id: GuestId(self.guest_id),
            dedupe_key: self.dedupe_key,
            notification: from_json("outbox.payload", &self.payload)?,
            status: OutboxStatus::parse(&self.status).map_err(|e| corrupt("outbox.status", e))?,
            attempts: u32::try_from(self.attempts).map_err(|e| corrupt("outbox.attempts", e))?,
            created_at: from_millis("outbox.created_at", self.created_at)?,
        })
    }
}

#[async_trait]
impl OutboxRepo for DbStore {
    async fn outbox_of_guest(&self, chain: ChainId, guest: GuestId) -> Result<Vec<OutboxMessage>> {
        let rows: Vec<OutboxRow> = read!(self, |c| {
            Ok(outbox::table
                .filter(outbox::chain_id.eq(chain.get()))
                .filter(outbox::guest_id.eq(guest.get()))
                .order(outbox::id.asc())
                .select(OutboxRow::as_select())
                .load(c)
                .await?)
        })?;
        Ok(rows.into_iter().map(OutboxRow::into_message).collect::<Result<_, _>>()?)
    }
}
