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

crate::cached::statements! {
    /// Queues a notification unless its dedupe key is taken.
    InsertOutbox => "INSERT INTO outbox (chain_id, guest_id, dedupe_key, kind, payload, status, attempts, \
        available_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT DO NOTHING";
}

/// Queues a [`NewNotification`](regulars_core::notification::NewNotification) inside the
/// current transaction. Its `dedupe_key` is unique per chain, so the same change applied again
/// queues nothing. Evaluates to `()`.
macro_rules! enqueue_in_tx {
    ($c:ident, $chain:expr, $new:expr) => {{
        let new: regulars_core::notification::NewNotification = $new;
        let now = $crate::columns::now_millis();
        let payload = $crate::columns::to_json(&new.notification);
        diesel_async::RunQueryDsl::execute(
            $crate::cached::Cached::<$crate::outbox::InsertOutbox>::new(vec![
                $crate::cached::Bind::I64($chain.get()),
                $crate::cached::Bind::I64(new.guest_id.get()),
                $crate::cached::Bind::Text(&new.dedupe_key),
                $crate::cached::Bind::Text(new.notification.kind()),
                $crate::cached::Bind::Text(&payload),
                $crate::cached::Bind::Text(regulars_core::notification::OutboxStatus::Pending.as_str()),
                $crate::cached::Bind::I64(now),
                $crate::cached::Bind::I64(now),
            ]),
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
