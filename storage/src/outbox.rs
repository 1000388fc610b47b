//! The guest outbox ([`OutboxRepo`]): notifications queued in the same transaction as the
//! change they tell about, drained by the channel senders.
//!
//! A claim is one write transaction: fail the due messages of guests nobody can reach any
//! more, pick the due rows a sender can deliver, move them to `sending` under a lease, and read
//! them back with the guest's address, language and name. The pick is the one statement that
//! differs by backend, and both versions sit side by side in [`OutboxRepo::claim_due`] below:
//! PostgreSQL locks the picked rows `FOR UPDATE SKIP LOCKED`, so concurrent claimers (any
//! number of server processes) each take different rows without waiting for one another;
//! SQLite has a single writer (one writer task per process, `BEGIN IMMEDIATE` across
//! processes), so the pick and the update are never interleaved with another claim.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use diesel::dsl::{exists, not};
use diesel::expression::IntoSql as _;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use regulars_core::channel::Address;
use regulars_core::channel::ReceiptStatus;
use regulars_core::guest::ChannelKind;
use regulars_core::ids::{ChainId, GuestId};
use regulars_core::notification::{
    ClaimScope, ClaimedMessage, EXPIRED, Expired, NO_MESSENGER, NewNotification, OutboxMessage, OutboxStatus,
    UNREACHABLE,
};
use regulars_core::store::OutboxRepo;
use regulars_core::{Error, Result};

use crate::columns::{from_json, from_millis, now_millis, to_millis};
use crate::error::{DbError, corrupt};
use crate::schema::{chains, guest_identities, guests, outbox};
use crate::store::{Backend, DbStore, read, write_tx};

const PENDING: &str = OutboxStatus::Pending.as_str();
const SENDING: &str = OutboxStatus::Sending.as_str();
const SENT: &str = OutboxStatus::Sent.as_str();
const FAILED: &str = OutboxStatus::Failed.as_str();

crate::cached::statements! {
    /// Queues a notification unless its dedupe key is taken.
    InsertOutbox => "INSERT INTO outbox (chain_id, guest_id, dedupe_key, kind, payload, status, attempts, \
        available_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT DO NOTHING";
}

/// A pending outbox row for a [`NewNotification`](regulars_core::notification::NewNotification),
/// with its binds in the order of [`InsertOutbox`] (and of the POS batch's multi-row insert).
pub(crate) struct NewOutboxRow {
    chain_id: i64,
    guest_id: i64,
    dedupe_key: String,
    kind: &'static str,
    payload: String,
    created_at: i64,
}

impl NewOutboxRow {
    pub(crate) fn new(chain: ChainId, new: regulars_core::notification::NewNotification) -> Self {
        Self {
            chain_id: chain.get(),
            guest_id: new.guest_id.get(),
            kind: new.notification.kind(),
            payload: crate::columns::to_json(&new.notification),
            dedupe_key: new.dedupe_key,
            created_at: crate::columns::now_millis(),
        }
    }

    pub(crate) fn binds(&self) -> [crate::cached::Bind<'_>; 8] {
        use crate::cached::Bind;
        [
            Bind::I64(self.chain_id),
            Bind::I64(self.guest_id),
            Bind::Text(&self.dedupe_key),
            Bind::Text(self.kind),
            Bind::Text(&self.payload),
            Bind::Text(regulars_core::notification::OutboxStatus::Pending.as_str()),
            Bind::I64(self.created_at),
            Bind::I64(self.created_at),
        ]
    }
}

/// Queues a [`NewNotification`](regulars_core::notification::NewNotification) inside the
/// current transaction. Its `dedupe_key` is unique per chain, so the same change applied again
/// queues nothing. Evaluates to `()`.
macro_rules! enqueue_in_tx {
    ($c:ident, $chain:expr, $new:expr) => {{
        let row = $crate::outbox::NewOutboxRow::new($chain, $new);
        diesel_async::RunQueryDsl::execute(
            $crate::cached::Cached::<$crate::outbox::InsertOutbox>::new(row.binds().to_vec()),
            $c,
        )
        .await?
    }};
}
pub(crate) use enqueue_in_tx;

/// Rows a claim may take at `$now` (ms): pending and available, or sending with a lapsed lease.
macro_rules! due {
    ($now:expr) => {
        outbox::status
            .eq(PENDING)
            .and(outbox::available_at.le($now))
            .or(outbox::status.eq(SENDING).and(outbox::lease_until.assume_not_null().le($now)))
    };
}

/// Rows no sender holds at `$now` (ms): pending (due or not), or sending with a lapsed lease.
macro_rules! unheld {
    ($now:expr) => {
        outbox::status.eq(PENDING).or(outbox::status.eq(SENDING).and(outbox::lease_until.assume_not_null().le($now)))
    };
}

/// The row's guest has an identity on one of `$channels` (`&[String]`); with `reachable`, one
/// not flagged unreachable.
macro_rules! identity_on {
    ($channels:expr) => {
        exists(
            guest_identities::table
                .filter(guest_identities::guest_id.eq(outbox::guest_id))
                .filter(guest_identities::channel.eq_any($channels)),
        )
    };
}

/// The channel of the row's guest's preferred identity: reachable, on one of `$reachable_on`
/// (`&[String]`), seen last (linking counts as being seen, so the column is never NULL).
macro_rules! preferred_channel {
    ($reachable_on:expr) => {
        guest_identities::table
            .filter(guest_identities::guest_id.eq(outbox::guest_id))
            .filter(guest_identities::channel.eq_any($reachable_on))
            .filter(guest_identities::unreachable_at.is_null())
            .order((guest_identities::last_seen_at.desc(), guest_identities::id.desc()))
            .select(guest_identities::channel)
            .limit(1)
            .single_value()
    };
}

/// The row's guest has a reachable identity on any channel at all.
macro_rules! reachable_anywhere {
    () => {
        exists(
            guest_identities::table
                .filter(guest_identities::guest_id.eq(outbox::guest_id))
                .filter(guest_identities::unreachable_at.is_null()),
        )
    };
}

/// The whole claim inside one transaction on connection `$c`; `$($lock)*` is appended to the
/// query that picks the rows (the backend's locking clause, or nothing). Evaluates to
/// `Claimed`.
macro_rules! claim_in_tx {
    ($c:ident, $now:expr, $lease_until:expr, $limit:expr, $scope:expr; $($lock:tt)*) => {{
        let (now, lease_until, limit, scope): (i64, i64, i64, &OwnedScope) = ($now, $lease_until, $limit, $scope);
        let channels: &[String] = &scope.channels;
        // One chain, or every chain (no chain has id -1).
        let (all_chains, chain) = (scope.chain.is_none(), scope.chain.unwrap_or(-1));
        // Nobody can reach the guest on any channel any more: give up on their messages, so
        // they neither wait forever nor make every claim look at them again.
        let failed = diesel::update(
            outbox::table
                .filter(due!(now))
                .filter(outbox::chain_id.eq(chain).or(all_chains.into_sql::<diesel::sql_types::Bool>()))
                .filter(identity_on!(channels))
                .filter(not(reachable_anywhere!())),
        )
        .set((
            outbox::status.eq(FAILED),
            outbox::last_error.eq(Some(UNREACHABLE)),
            outbox::lease_until.eq(None::<i64>),
        ))
        .execute($c)
        .await?;
        let ids: Vec<i64> = outbox::table
            .filter(due!(now))
            .filter(outbox::chain_id.eq(chain).or(all_chains.into_sql::<diesel::sql_types::Bool>()))
            .filter(preferred_channel!(&scope.reachable_on).eq_any(channels))
            .order((outbox::available_at.asc(), outbox::id.asc()))
            .limit(limit)
            .select(outbox::id)
            $($lock)*
            .load($c)
            .await?;
        if ids.is_empty() {
            Claimed { failed, rows: Vec::new(), identities: Vec::new() }
        } else {
            diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
                .set((
                    outbox::status.eq(SENDING),
                    outbox::lease_until.eq(Some(lease_until)),
                    outbox::attempts.eq(outbox::attempts + 1),
                ))
                .execute($c)
                .await?;
            let rows: Vec<ClaimedRow> = outbox::table
                .inner_join(guests::table.on(guests::id.eq(outbox::guest_id)))
                .inner_join(chains::table.on(chains::id.eq(outbox::chain_id)))
                .filter(outbox::id.eq_any(&ids))
                .order((outbox::available_at.asc(), outbox::id.asc()))
                .select((OutboxRow::as_select(), guests::language, guests::display_name, chains::default_language))
                .load($c)
                .await?;
            let guest_ids: Vec<i64> = rows.iter().map(|r| r.0.guest_id).collect();
            let identities: Vec<(i64, String, String, Option<i64>)> = guest_identities::table
                .filter(guest_identities::guest_id.eq_any(&guest_ids))
                .filter(guest_identities::channel.eq_any(channels))
                .filter(guest_identities::unreachable_at.is_null())
                .order((
                    guest_identities::guest_id.asc(),
                    guest_identities::last_seen_at.desc(),
                    guest_identities::id.desc(),
                ))
                .select((
                    guest_identities::guest_id,
                    guest_identities::channel,
                    guest_identities::external_id,
                    guest_identities::last_seen_at,
                ))
                .load($c)
                .await?;
            Claimed { failed, rows, identities }
        }
    }};
}

/// A claimed row with the guest's language and name and the chain's default language.
type ClaimedRow = (OutboxRow, Option<String>, Option<String>, String);

/// What a claim transaction read.
struct Claimed {
    /// Messages failed as unreachable.
    failed: usize,
    rows: Vec<ClaimedRow>,
    /// `(guest, channel, external id, last seen)` of the claimed guests' reachable identities
    /// on the claimer's channels, seen last first per guest.
    identities: Vec<(i64, String, String, Option<i64>)>,
}

/// A [`ClaimScope`] owned, to move into a write closure.
struct OwnedScope {
    chain: Option<i64>,
    channels: Vec<String>,
    reachable_on: Vec<String>,
}

/// Fails with [`Error::NotFound`] unless message `$id` exists in `$chain`.
macro_rules! require_message {
    ($c:ident, $chain:expr, $id:expr) => {{
        let found: i64 = outbox::table
            .filter(outbox::id.eq($id))
            .filter(outbox::chain_id.eq($chain.get()))
            .count()
            .get_result($c)
            .await?;
        if found == 0 {
            return Err(Error::not_found("notification", $id).into());
        }
    }};
}

/// Fails with [`Error::NotFound`] unless guest `$guest` exists in `$chain`.
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
    available_at: i64,
    last_error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
    lease_until: Option<i64>,
    platform_message_id: Option<String>,
    receipt: Option<String>,
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
            available_at: from_millis("outbox.available_at", self.available_at)?,
            last_error: self.last_error,
            created_at: from_millis("outbox.created_at", self.created_at)?,
            sent_at: self.sent_at.map(|ms| from_millis("outbox.sent_at", ms)).transpose()?,
            platform_message_id: self.platform_message_id,
            receipt: self.receipt.as_deref().map(receipt_from_str).transpose()?,
        })
    }
}

/// A stored receipt, as [`receipt_as_str`] wrote it.
fn receipt_from_str(text: &str) -> Result<ReceiptStatus, DbError> {
    match text {
        "delivered" => Ok(ReceiptStatus::Delivered),
        "read" => Ok(ReceiptStatus::Read),
        "failed" => Ok(ReceiptStatus::Failed),
        other => Err(corrupt("outbox.receipt", format!("unknown receipt `{other}`"))),
    }
}

/// How a receipt is stored, and which stored receipts it may replace (a receipt never goes
/// back: a late `delivered` does not undo `read`).
fn receipt_as_str(receipt: ReceiptStatus) -> (&'static str, &'static [&'static str]) {
    match receipt {
        ReceiptStatus::Delivered => ("delivered", &[]),
        ReceiptStatus::Read => ("read", &["delivered"]),
        ReceiptStatus::Failed => ("failed", &["delivered"]),
    }
}

/// Builds the claimed messages: each row with its guest's identity seen last.
fn assemble(claimed: Claimed) -> Result<Vec<ClaimedMessage>, DbError> {
    let mut address: HashMap<i64, (String, String, Option<i64>)> = HashMap::new();
    for (guest, channel, external_id, seen) in claimed.identities {
        // Ordered most recent first per guest: keep the first.
        address.entry(guest).or_insert((channel, external_id, seen));
    }
    claimed
        .rows
        .into_iter()
        .map(|(row, language, display_name, chain_language)| {
            let (channel, external_id, seen) = address
                .get(&row.guest_id)
                .cloned()
                .ok_or_else(|| corrupt("guest_identities", "claimed without one"))?;
            let lease_until =
                row.lease_until.ok_or_else(|| corrupt("outbox.lease_until", "claimed without a lease"))?;
            Ok(ClaimedMessage {
                channel: ChannelKind::new(channel).map_err(|e| corrupt("guest_identities.channel", e))?,
                address: Address(external_id),
                language,
                chain_language,
                display_name,
                lease_until: from_millis("outbox.lease_until", lease_until)?,
                last_seen_at: seen.map(|ms| from_millis("guest_identities.last_seen_at", ms)).transpose()?,
                message: row.into_message()?,
            })
        })
        .collect()
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

    async fn queue_notification(&self, chain: ChainId, new: NewNotification) -> Result<bool> {
        let guest = new.guest_id;
        let queued = write_tx!(self, |c| {
            require_guest!(c, chain, guest);
            let before: i64 = outbox::table
                .filter(outbox::chain_id.eq(chain.get()))
                .filter(outbox::dedupe_key.eq(&new.dedupe_key))
                .count()
                .get_result(c)
                .await?;
            if before > 0 {
                return Ok(false);
            }
            enqueue_in_tx!(c, chain, new.clone());
            Ok(true)
        })?;
        Ok(queued)
    }

    async fn claim_due_in(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
        scope: &ClaimScope<'_>,
    ) -> Result<Vec<ClaimedMessage>> {
        if limit == 0 || scope.channels.is_empty() {
            return Ok(Vec::new());
        }
        let owned = |kinds: &[&str]| kinds.iter().map(|&c| c.to_owned()).collect::<Vec<String>>();
        let mut reachable_on = owned(scope.reachable_on);
        reachable_on.extend(owned(scope.channels));
        let scope = OwnedScope { chain: scope.chain.map(ChainId::get), channels: owned(scope.channels), reachable_on };
        let channels = scope.channels.clone();
        let chain_filter = scope.chain;
        let (now, lease_until, limit) = (to_millis(now), to_millis(now + lease), i64::from(limit));
        // An idle sender polls often: look on a reader first, so a poll with nothing to do
        // costs no write transaction (on SQLite, no fsync and no turn of the single writer).
        let work: bool = read!(self, |c| {
            let due_here = outbox::table
                .filter(due!(now))
                .filter(
                    outbox::chain_id
                        .eq(chain_filter.unwrap_or(-1))
                        .or(chain_filter.is_none().into_sql::<diesel::sql_types::Bool>()),
                )
                .filter(identity_on!(&channels));
            Ok(diesel::select(exists(due_here)).get_result(c).await?)
        })?;
        if !work {
            return Ok(Vec::new());
        }
        let claimed = match &self.backend {
            // One writer: nothing interleaves with the pick and the update.
            Backend::Sqlite(db) => {
                db.write(move |c| Box::pin(async move { Ok(claim_in_tx!(c, now, lease_until, limit, &scope;)) })).await
            }
            // Concurrent claimers lock what they pick and skip what others locked.
            Backend::Postgres(db) => {
                db.write(move |c| {
                    Box::pin(async move {
                        Ok(claim_in_tx!(c, now, lease_until, limit, &scope; .for_update().skip_locked()))
                    })
                })
                .await
            }
        }?;
        if claimed.failed > 0 {
            tracing::info!(failed = claimed.failed, "gave up on notifications to guests nobody can reach");
        }
        Ok(assemble(claimed)?)
    }

    async fn mark_sent(
        &self,
        chain: ChainId,
        id: i64,
        at: DateTime<Utc>,
        platform_message_id: Option<&str>,
    ) -> Result<()> {
        let platform_message_id = platform_message_id.map(str::to_owned);
        write_tx!(self, |c| {
            let changed = diesel::update(
                outbox::table
                    .filter(outbox::id.eq(id))
                    .filter(outbox::chain_id.eq(chain.get()))
                    .filter(outbox::status.ne(SENT)),
            )
            .set((
                outbox::status.eq(SENT),
                outbox::sent_at.eq(Some(to_millis(at))),
                outbox::lease_until.eq(None::<i64>),
                outbox::platform_message_id.eq(&platform_message_id),
            ))
            .execute(c)
            .await?;
            if changed == 0 {
                require_message!(c, chain, id);
            }
            Ok(())
        })?;
        Ok(())
    }

    async fn retry_later(&self, chain: ChainId, id: i64, at: DateTime<Utc>, error: &str) -> Result<()> {
        let error = error.to_owned();
        write_tx!(self, |c| {
            let changed = diesel::update(
                outbox::table
                    .filter(outbox::id.eq(id))
                    .filter(outbox::chain_id.eq(chain.get()))
                    .filter(outbox::status.eq(SENDING)),
            )
            .set((
                outbox::status.eq(PENDING),
                outbox::available_at.eq(to_millis(at)),
                outbox::last_error.eq(Some(&error)),
                outbox::lease_until.eq(None::<i64>),
            ))
            .execute(c)
            .await?;
            if changed == 0 {
                require_message!(c, chain, id);
            }
            Ok(())
        })?;
        Ok(())
    }

    async fn mark_failed(&self, chain: ChainId, id: i64, error: &str) -> Result<()> {
        let error = error.to_owned();
        write_tx!(self, |c| {
            let changed = diesel::update(
                outbox::table
                    .filter(outbox::id.eq(id))
                    .filter(outbox::chain_id.eq(chain.get()))
                    .filter(outbox::status.eq_any([PENDING, SENDING])),
            )
            .set((outbox::status.eq(FAILED), outbox::last_error.eq(Some(&error)), outbox::lease_until.eq(None::<i64>)))
            .execute(c)
            .await?;
            if changed == 0 {
                require_message!(c, chain, id);
            }
            Ok(())
        })?;
        Ok(())
    }

    async fn mark_unreachable(&self, chain: ChainId, guest: GuestId, channel: &str) -> Result<()> {
        let channel = channel.to_owned();
        write_tx!(self, |c| {
            require_guest!(c, chain, guest);
            diesel::update(
                guest_identities::table
                    .filter(guest_identities::chain_id.eq(chain.get()))
                    .filter(guest_identities::guest_id.eq(guest.get()))
                    .filter(guest_identities::channel.eq(&channel))
                    .filter(guest_identities::unreachable_at.is_null()),
            )
            .set(guest_identities::unreachable_at.eq(Some(now_millis())))
            .execute(c)
            .await?;
            Ok(())
        })?;
        Ok(())
    }

    async fn mark_reachable(&self, chain: ChainId, guest: GuestId, channel: &str) -> Result<()> {
        let channel = channel.to_owned();
        write_tx!(self, |c| {
            require_guest!(c, chain, guest);
            diesel::update(
                guest_identities::table
                    .filter(guest_identities::chain_id.eq(chain.get()))
                    .filter(guest_identities::guest_id.eq(guest.get()))
                    .filter(guest_identities::channel.eq(&channel)),
            )
            .set(guest_identities::unreachable_at.eq(None::<i64>))
            .execute(c)
            .await?;
            Ok(())
        })?;
        Ok(())
    }

    async fn expire_undeliverable(
        &self,
        chain: ChainId,
        channels: &[&str],
        created_before: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Expired> {
        let channels: Vec<String> = channels.iter().map(|&c| c.to_owned()).collect();
        let (chain, now) = (chain.get(), to_millis(now));
        // Without an age limit nothing is older than the oldest possible time.
        let before = created_before.map_or(i64::MIN, to_millis);
        // A sweep runs every minute per chain and nearly always finds nothing: look on a
        // reader first, so an empty sweep costs no write (on SQLite, no fsync).
        let work: bool = read!(self, |c| {
            let candidates = outbox::table
                .filter(outbox::chain_id.eq(chain))
                .filter(unheld!(now))
                .filter(not(identity_on!(&channels)).or(outbox::created_at.lt(before)));
            Ok(diesel::select(exists(candidates)).get_result(c).await?)
        })?;
        if !work {
            return Ok(Expired::default());
        }
        let (no_messenger, too_old) = write_tx!(self, |c| {
            let no_messenger = diesel::update(
                outbox::table
                    .filter(outbox::chain_id.eq(chain))
                    .filter(unheld!(now))
                    .filter(not(identity_on!(&channels))),
            )
            .set((
                outbox::status.eq(FAILED),
                outbox::last_error.eq(Some(NO_MESSENGER)),
                outbox::lease_until.eq(None::<i64>),
            ))
            .execute(c)
            .await?;
            // What the first statement failed is no longer unheld, so nothing counts twice.
            let too_old = diesel::update(
                outbox::table
                    .filter(outbox::chain_id.eq(chain))
                    .filter(unheld!(now))
                    .filter(outbox::created_at.lt(before)),
            )
            .set((outbox::status.eq(FAILED), outbox::last_error.eq(Some(EXPIRED)), outbox::lease_until.eq(None::<i64>)))
            .execute(c)
            .await?;
            Ok((no_messenger, too_old))
        })?;
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        Ok(Expired { no_messenger: count(no_messenger), too_old: count(too_old) })
    }

    async fn record_receipt(&self, chain: ChainId, platform_message_id: &str, receipt: ReceiptStatus) -> Result<bool> {
        let (status, overrides) = receipt_as_str(receipt);
        let platform_message_id = platform_message_id.to_owned();
        let changed = write_tx!(self, |c| {
            let mine = outbox::table
                .filter(outbox::chain_id.eq(chain.get()))
                .filter(outbox::platform_message_id.eq(&platform_message_id));
            let known: i64 = mine.count().get_result(c).await?;
            if known == 0 {
                return Ok(false);
            }
            // A receipt never goes back: only an empty one, or one this receipt follows, changes.
            diesel::update(mine.filter(outbox::receipt.is_null().or(outbox::receipt.eq_any(overrides))))
                .set(outbox::receipt.eq(Some(status)))
                .execute(c)
                .await?;
            Ok(true)
        })?;
        Ok(changed)
    }
}
