//! Many POS sales applied together: the same workflow ([`apply_purchase`]) for each sale, over
//! primitives that gather what the sales ask of the database and answer them all with one
//! multi-row statement per table ([`crate::pos_batch_sql`]).
//!
//! One sale alone costs about fifteen statements, and on PostgreSQL each statement costs some
//! 100 µs of server CPU whatever it carries. So the sales waiting together (the SQLite writer's
//! group, a PostgreSQL batcher's queue) each run the workflow over a [`InBatch`]. A primitive
//! that needs the database (a guest's public id, inserting the purchase, locking a wallet and
//! reading its new ledger entries) records its question and waits; once every sale waits, the
//! batch answers all the questions of a kind with one statement and lets the sales go on. What
//! the sales write (ledger entries, balances and tiers, outbox rows, stored answers, events) is
//! kept and written at the end, one statement per table. The rare operations (a card code, a
//! reward code, a first purchase that opens a wallet) are answered one by one, through the
//! same primitives a sale alone uses ([`OneTx`]).
//!
//! Sales that share a wallet take it in delivery order: a sale holds each wallet it locked
//! until its workflow ends, and the next sale asking for it waits, then plans over the ledger
//! the first one left. Any error, a key taken, or a batch that cannot go on fails the whole
//! batch: the caller rolls it back and applies every sale on its own. A test
//! (`tests/src/pos_batch.rs`) holds a batching store to a one-by-one store's answers,
//! balances, tiers and ledgers on both backends.
//!
//! The batches run where the backend drivers run grouped writes: in the SQLite writer's group
//! transaction ([`sqlite::GroupedWrites`]), and in PostgreSQL's batcher tasks
//! ([`postgres::Batched`], several at once: they lock receipts and then wallets in one order, so
//! they never deadlock each other). The drivers queue the sales and hand them over; [`Sales`]
//! implements both hooks, so the drivers know no POS type.
//!
//! On by default ([`DbStore::with_pos_batches`](crate::DbStore::with_pos_batches) turns it
//! off); PERFORMANCE.md has the figures.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use chrono::{DateTime, Utc};
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::{AsyncConnection as _, SimpleAsyncConnection as _};
use futures::FutureExt as _;
use regulars_core::chain::Cafe;
use regulars_core::identity::totp::TimeStep;
use regulars_core::ids::{CafeId, ChainId, GuestId, LedgerEntryId, PurchaseId, WalletId};
use regulars_core::ledger::{LedgerEntry, NewLedgerEntry};
use regulars_core::notification::NewNotification;
use regulars_core::pos::RecordedRefund;
use regulars_core::pos::ingest::{IngestOutcome, PurchaseIngest};
use regulars_core::pos::workflow::{Applied, Delivery, SaleTx, apply_purchase};
use regulars_core::program::Program;
use regulars_core::purchase::{NewPurchase, Purchase};
use regulars_core::rules::codes::{RewardCode, RewardCodeStatus};
use regulars_core::wallet::{Wallet, WalletScope};

use crate::columns::{from_millis, to_json, to_millis};
use crate::error::DbError;
use crate::events::NewEventRow;
use crate::ledger::tier_changed_event;
use crate::outbox::NewOutboxRow;
use crate::pos::{OneTx, purchase_alone};
use crate::pos_batch_sql::{BatchStatements, DeliveryInsert, EntryInsert, WalletKey, wallet_key};
use crate::postgres::{self, PgConn, PgDb, checkout};
use crate::purchases::recorded_event;
use crate::sqlite::{self, Ran, SqliteDb, SqliteWriteConn};
use crate::store::{Caches, answered};

/// Most sales in one batch: bounds the time a batch holds its wallets and the memory it plans
/// in (statements are cut into chunks of at most 64 rows either way).
pub(crate) const MAX_BATCH: usize = 256;

/// What a batch did with each sale, in the order given: its outcome, or `None` for a sale left
/// to the one-by-one path.
pub(crate) type BatchOutcomes = Vec<Option<IngestOutcome>>;

/// A sale waiting for a batch, and who to answer.
pub(crate) struct PurchaseJob {
    pub(crate) chain: ChainId,
    pub(crate) ingest: PurchaseIngest,
    pub(crate) reply: Replier,
}

/// Answers one sale's caller.
pub(crate) type Replier = tokio::sync::oneshot::Sender<Result<IngestOutcome, DbError>>;

/// The POS sales as the backends' batched writes (see the module docs).
pub(crate) enum Sales {}

impl SqliteDb<Sales> {
    /// Applies a POS sale in the writer's current group, batched with the other sales waiting,
    /// and answers once it is committed.
    pub(crate) async fn ingest(&self, chain: ChainId, ingest: PurchaseIngest) -> Result<IngestOutcome, DbError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.write_grouped(PurchaseJob { chain, ingest, reply }).await?;
        answered(answer).await
    }
}

impl PgDb<Sales> {
    /// Applies a POS sale in a batch with the other sales waiting, and answers once committed.
    pub(crate) async fn ingest(&self, chain: ChainId, ingest: PurchaseIngest) -> Result<IngestOutcome, DbError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.write_batched(PurchaseJob { chain, ingest, reply }).await?;
        answered(answer).await
    }
}

impl sqlite::GroupedWrites for Sales {
    type Job = PurchaseJob;

    /// Each chain's sales as one batch in a savepoint of its own; the sales a batch leaves (or
    /// all of a failed one) run one by one with the group's other writes.
    async fn run(
        conn: &mut SqliteWriteConn,
        jobs: Vec<PurchaseJob>,
        caches: &Arc<Caches>,
        broken: &mut Option<String>,
    ) -> Vec<Ran> {
        let mut ran = Vec::with_capacity(jobs.len());
        for (chain, ingests, replies) in by_chain(jobs) {
            let started = std::time::Instant::now();
            let applied = sqlite::in_savepoint(conn, broken, "a POS batch", async |c| {
                apply_batch(c, chain, &ingests, caches).await
            })
            .await;
            match &applied {
                Some(_) => {
                    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                    tracing::debug!(sales = ingests.len(), elapsed_us, "POS batch applied");
                }
                None => tracing::debug!(sales = ingests.len(), "no POS batch; its sales go one by one"),
            }
            let applied = applied.unwrap_or_else(|| vec![None; ingests.len()]);
            for ((ingest, reply), outcome) in ingests.into_iter().zip(replies).zip(applied) {
                ran.push(match outcome {
                    Some(outcome) => Ran::Settled(sqlite::settled(Ok(outcome), reply)),
                    None => {
                        let caches = caches.clone();
                        Ran::Alone(sqlite::job(
                            move |c| Box::pin(async move { purchase_alone(c, &caches, chain, &ingest).await }),
                            reply,
                        ))
                    }
                });
            }
        }
        ran
    }

    fn fail(job: PurchaseJob, reason: &str) {
        let _ = job.reply.send(Err(DbError::unavailable(reason.to_owned())));
    }
}

impl postgres::Batched for Sales {
    type Job = PurchaseJob;

    const MAX_JOBS: usize = MAX_BATCH;

    /// Each chain's sales as one batch in a transaction of its own; the sales a batch leaves
    /// (or all of a failed one) one by one, each in its own transaction.
    async fn run(pool: &Pool<PgConn>, jobs: Vec<PurchaseJob>, caches: &Caches) {
        for (chain, sales, replies) in by_chain(jobs) {
            let applied = pg_batch(pool, chain, &sales, caches).await;
            for ((ingest, reply), outcome) in sales.into_iter().zip(replies).zip(applied) {
                let answer = match outcome {
                    Some(outcome) => Ok(outcome),
                    None => pg_alone(pool, chain, ingest, caches).await,
                };
                let _ = reply.send(answer);
            }
        }
    }
}

/// Applies `sales` as one batch in one PostgreSQL transaction: the committed outcome of each
/// sale it applied, `None` for each it left. A batch that fails (or does not commit) leaves
/// them all.
async fn pg_batch(pool: &Pool<PgConn>, chain: ChainId, sales: &[PurchaseIngest], caches: &Caches) -> BatchOutcomes {
    let none = || vec![None; sales.len()];
    let Ok(mut conn) = pool.get().await else { return none() };
    let started = std::time::Instant::now();
    let done = AssertUnwindSafe(conn.transaction(async |c| {
        // A batch joins its `VALUES` list to the ledger and the wallets, a few rows per value.
        // Before `ANALYZE` has run (a young database) PostgreSQL expects hundreds per value and
        // hashes a sequential scan of the whole table instead (measured: 93 ms against 8 ms for
        // 64 wallets, growing with the ledger). Looking each value up is always right here.
        c.batch_execute(
            "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL enable_hashjoin = off; \
             SET LOCAL enable_mergejoin = off",
        )
        .await?;
        apply_batch(&mut **c, chain, sales, caches).await
    }))
    .catch_unwind()
    .await;
    match done {
        Ok(Ok(applied)) => {
            let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            tracing::debug!(sales = sales.len(), elapsed_us, "POS batch committed");
            applied
        }
        Ok(Err(e)) => {
            tracing::debug!(error = ?e, sales = sales.len(), "a POS batch stepped back; its sales go one by one");
            none()
        }
        Err(_) => {
            tracing::error!(sales = sales.len(), "a POS batch panicked; it was rolled back, its sales go one by one");
            // Its transaction may still be open: the connection must not go back to the pool.
            let _ = Object::take(conn);
            none()
        }
    }
}

/// Applies one sale in its own PostgreSQL transaction, as a write of its own would.
async fn pg_alone(
    pool: &Pool<PgConn>,
    chain: ChainId,
    ingest: PurchaseIngest,
    caches: &Caches,
) -> Result<IngestOutcome, DbError> {
    let mut conn = checkout(pool).await?;
    conn.transaction(async |c| purchase_alone(&mut **c, caches, chain, &ingest).await).await
}

/// `jobs` grouped by chain (a batch is one chain's), each group in arrival order, as the
/// chain, its sales and their repliers.
fn by_chain(jobs: Vec<PurchaseJob>) -> Vec<(ChainId, Vec<PurchaseIngest>, Vec<Replier>)> {
    let mut groups: Vec<(ChainId, Vec<PurchaseIngest>, Vec<Replier>)> = Vec::new();
    for job in jobs {
        let at = match groups.iter().position(|(chain, ..)| *chain == job.chain) {
            Some(at) => at,
            None => {
                groups.push((job.chain, Vec::new(), Vec::new()));
                groups.len() - 1
            }
        };
        groups[at].1.push(job.ingest);
        groups[at].2.push(job.reply);
    }
    groups
}

/// A question a sale asks of the database, answered when every sale waits.
enum Ask {
    Cafe(CafeId),
    Programs,
    PublicId(GuestId),
    CardStep(GuestId, TimeStep),
    InsertPurchase(Box<NewPurchase>),
    PurchaseByReceipt(String, String),
    /// A wallet to lock (and open when `program` is given), with its history.
    Wallet(WalletScope, Option<Box<Program>>),
    IssueCode(Box<RewardCode>),
    LockCode(String),
    UpdateCode(RewardCodeStatus, Box<RewardCode>),
    RefundsOf(PurchaseId),
    RecordRefund(Box<Purchase>, RecordedRefund),
}

/// The answer to an [`Ask`].
enum Answer {
    Cafe(Arc<Cafe>),
    Programs(Arc<[Program]>),
    PublicId(Option<String>),
    Yes(bool),
    Purchase(Option<Purchase>),
    Wallet(Option<Wallet>),
    Code(Option<RewardCode>),
    Refunds(Vec<RecordedRefund>),
}

/// A wallet the batch has locked: its state as the batch leaves it, and its history.
struct Held {
    wallet: Wallet,
    /// Oldest first: what the cache had, the entries read since, then the batch's own.
    history: Vec<LedgerEntry>,
    /// How many entries of `history` were read from the database (what goes back to the cache).
    read: usize,
    /// The sale holding it, until its workflow ends.
    owner: Option<usize>,
    changed: bool,
}

/// What the sales of one batch share.
#[derive(Default)]
struct Shared {
    asks: Vec<(usize, u64, Ask)>,
    answers: HashMap<u64, Answer>,
    next_ticket: u64,
    wallets: HashMap<WalletKey, Held>,
    by_id: HashMap<WalletId, WalletKey>,
    /// Written at the end, one statement per table.
    entries: Vec<EntryInsert>,
    outbox: Vec<NewOutboxRow>,
    deliveries: Vec<DeliveryInsert>,
    events: Vec<NewEventRow>,
}

impl Shared {
    /// The held wallet `id`, which `sale` must hold.
    fn held(&mut self, sale: usize, id: WalletId) -> Result<&mut Held, DbError> {
        // The workflow locks a wallet before it touches it; anything else is a bug here, which
        // fails the batch (its sales then go one by one).
        let not_held =
            || DbError::Domain(regulars_core::Error::internal(format!("wallet {id} is not held by the sale")));
        let key = self.by_id.get(&id).ok_or_else(not_held)?;
        self.wallets.get_mut(key).filter(|held| held.owner == Some(sale)).ok_or_else(not_held)
    }
}

/// The sales' shared state, behind a lock that is never held across an `.await`.
struct Batch<'b> {
    chain: ChainId,
    caches: &'b Caches,
    shared: Mutex<Shared>,
    now_ms: i64,
    /// As the entries are read back: to the millisecond.
    created_at: DateTime<Utc>,
}

impl Batch<'_> {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A poisoned lock means a sale panicked while planning; the batch is rolled back then.
        self.shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One sale's primitives inside a batch.
struct InBatch<'b> {
    batch: &'b Batch<'b>,
    sale: usize,
}

/// A question on its way: registered on the first poll, ready once the batch answered it.
struct Asking<'b> {
    batch: &'b Batch<'b>,
    sale: usize,
    ask: Option<Ask>,
    ticket: u64,
}

impl Future for Asking<'_> {
    type Output = Answer;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Answer> {
        let mut shared = self.batch.lock();
        if let Some(ask) = self.ask.take() {
            let ticket = shared.next_ticket;
            shared.next_ticket += 1;
            shared.asks.push((self.sale, ticket, ask));
            drop(shared);
            self.ticket = ticket;
            return Poll::Pending;
        }
        match shared.answers.remove(&self.ticket) {
            Some(answer) => Poll::Ready(answer),
            None => Poll::Pending,
        }
    }
}

/// The answer's kind did not match the question: a bug in the batch.
fn mismatch() -> DbError {
    DbError::Domain(regulars_core::Error::internal("a POS batch answered the wrong question"))
}

impl<'b> InBatch<'b> {
    fn ask(&self, ask: Ask) -> Asking<'b> {
        Asking { batch: self.batch, sale: self.sale, ask: Some(ask), ticket: 0 }
    }
}

impl SaleTx for InBatch<'_> {
    type Error = DbError;

    async fn cafe(&mut self, chain: ChainId, cafe: CafeId) -> Result<Arc<Cafe>, DbError> {
        if let Some(found) = self.batch.caches.catalog.cafe(chain, cafe) {
            return Ok(found);
        }
        match self.ask(Ask::Cafe(cafe)).await {
            Answer::Cafe(found) => Ok(found),
            _ => Err(mismatch()),
        }
    }

    async fn programs(&mut self, chain: ChainId) -> Result<Arc<[Program]>, DbError> {
        if let Some(found) = self.batch.caches.catalog.programs(chain) {
            return Ok(found);
        }
        match self.ask(Ask::Programs).await {
            Answer::Programs(found) => Ok(found),
            _ => Err(mismatch()),
        }
    }

    async fn guest_public_id(&mut self, _chain: ChainId, guest: GuestId) -> Result<Option<String>, DbError> {
        match self.ask(Ask::PublicId(guest)).await {
            Answer::PublicId(found) => Ok(found),
            _ => Err(mismatch()),
        }
    }

    async fn accept_card_step(&mut self, _chain: ChainId, guest: GuestId, step: TimeStep) -> Result<bool, DbError> {
        match self.ask(Ask::CardStep(guest, step)).await {
            Answer::Yes(accepted) => Ok(accepted),
            _ => Err(mismatch()),
        }
    }

    async fn insert_purchase(&mut self, _chain: ChainId, purchase: &NewPurchase) -> Result<Option<Purchase>, DbError> {
        match self.ask(Ask::InsertPurchase(Box::new(purchase.clone()))).await {
            Answer::Purchase(inserted) => Ok(inserted),
            _ => Err(mismatch()),
        }
    }

    async fn purchase_by_receipt(
        &mut self,
        _chain: ChainId,
        source: &str,
        receipt: &str,
    ) -> Result<Option<Purchase>, DbError> {
        match self.ask(Ask::PurchaseByReceipt(source.to_owned(), receipt.to_owned())).await {
            Answer::Purchase(found) => Ok(found),
            _ => Err(mismatch()),
        }
    }

    async fn open_wallet(&mut self, _chain: ChainId, program: &Program, scope: WalletScope) -> Result<Wallet, DbError> {
        match self.ask(Ask::Wallet(scope, Some(Box::new(program.clone())))).await {
            Answer::Wallet(Some(wallet)) => Ok(wallet),
            _ => Err(mismatch()),
        }
    }

    async fn lock_wallet(&mut self, _chain: ChainId, scope: WalletScope) -> Result<Option<Wallet>, DbError> {
        match self.ask(Ask::Wallet(scope, None)).await {
            Answer::Wallet(found) => Ok(found),
            _ => Err(mismatch()),
        }
    }

    async fn history(&mut self, wallet: WalletId) -> Result<Vec<LedgerEntry>, DbError> {
        let mut shared = self.batch.lock();
        Ok(std::mem::take(&mut shared.held(self.sale, wallet)?.history))
    }

    fn keep_history(&mut self, wallet: WalletId, history: Vec<LedgerEntry>) {
        let mut shared = self.batch.lock();
        if let Ok(held) = shared.held(self.sale, wallet) {
            held.history = history;
        }
    }

    async fn post_entry(&mut self, chain: ChainId, entry: NewLedgerEntry) -> Result<bool, DbError> {
        let mut shared = self.batch.lock();
        let held = shared.held(self.sale, entry.wallet_id)?;
        // A forbidden overdraft fails the batch; alone, the sale says why.
        let after = entry.apply_to(held.wallet.balances)?;
        held.wallet.balances = after;
        held.changed = true;
        // The batch's own entries are only read by the batch's later sales, which never look at
        // ids; they are cut off before the history goes back to the cache.
        held.history.push(entry.clone().into_entry(LedgerEntryId(0), chain, after, self.batch.created_at));
        shared.entries.push(EntryInsert { entry, after });
        Ok(true)
    }

    async fn set_tier(&mut self, chain: ChainId, wallet: &Wallet, tier: Option<String>) -> Result<(), DbError> {
        let mut shared = self.batch.lock();
        let held = shared.held(self.sale, wallet.id)?;
        if held.wallet.tier != tier {
            let event = tier_changed_event(chain, wallet.id, wallet.scope.guest_id, &held.wallet.tier, &tier);
            held.wallet.tier = tier;
            held.changed = true;
            shared.events.push(event);
        }
        Ok(())
    }

    async fn issue_code(&mut self, _chain: ChainId, code: RewardCode) -> Result<Option<RewardCode>, DbError> {
        match self.ask(Ask::IssueCode(Box::new(code))).await {
            Answer::Code(issued) => Ok(issued),
            _ => Err(mismatch()),
        }
    }

    async fn lock_reward_code(&mut self, _chain: ChainId, code: &str) -> Result<Option<RewardCode>, DbError> {
        match self.ask(Ask::LockCode(code.to_owned())).await {
            Answer::Code(found) => Ok(found),
            _ => Err(mismatch()),
        }
    }

    async fn update_reward_code(
        &mut self,
        _chain: ChainId,
        expected: RewardCodeStatus,
        next: &RewardCode,
    ) -> Result<bool, DbError> {
        match self.ask(Ask::UpdateCode(expected, Box::new(next.clone()))).await {
            Answer::Yes(updated) => Ok(updated),
            _ => Err(mismatch()),
        }
    }

    async fn refunds_of(&mut self, _chain: ChainId, purchase: PurchaseId) -> Result<Vec<RecordedRefund>, DbError> {
        match self.ask(Ask::RefundsOf(purchase)).await {
            Answer::Refunds(found) => Ok(found),
            _ => Err(mismatch()),
        }
    }

    async fn record_refund(
        &mut self,
        _chain: ChainId,
        purchase: &Purchase,
        refund: &RecordedRefund,
    ) -> Result<bool, DbError> {
        match self.ask(Ask::RecordRefund(Box::new(purchase.clone()), refund.clone())).await {
            Answer::Yes(recorded) => Ok(recorded),
            _ => Err(mismatch()),
        }
    }

    async fn enqueue(&mut self, chain: ChainId, notification: NewNotification) -> Result<bool, DbError> {
        // A dedupe key taken before shows as a short count at the end, which fails the batch.
        self.batch.lock().outbox.push(NewOutboxRow::new(chain, notification));
        Ok(true)
    }

    async fn store_outcome(
        &mut self,
        _chain: ChainId,
        delivery: Delivery<'_>,
        outcome: &IngestOutcome,
    ) -> Result<bool, DbError> {
        self.batch.lock().deliveries.push(DeliveryInsert {
            source: delivery.source.to_owned(),
            delivery_id: delivery.delivery_id.to_owned(),
            event_key: delivery.event_key.to_owned(),
            purchase_id: outcome.purchase_id.get(),
            outcome: to_json(outcome),
        });
        Ok(true)
    }
}

/// A sale's workflow in the batch.
type Running<'b> = Pin<Box<dyn Future<Output = Result<Applied<IngestOutcome>, DbError>> + Send + 'b>>;

/// Applies `ingests` inside the current transaction of `c` (see the module docs). An `Err`
/// means the caller must roll the batch back and apply every sale on its own.
pub(crate) async fn apply_batch<C>(
    c: &mut C,
    chain: ChainId,
    ingests: &[PurchaseIngest],
    caches: &Caches,
) -> Result<BatchOutcomes, DbError>
where
    C: BatchStatements,
    for<'t> OneTx<'t, C>: SaleTx<Error = DbError>,
{
    let now = Utc::now();
    let now_ms = to_millis(now);
    let mut outcomes: BatchOutcomes = vec![None; ingests.len()];

    // The first of each delivery and receipt, neither seen before: a repeat is answered from
    // what is stored, by the one-by-one path (a receipt taken at insert time fails the batch).
    let mut seen = HashSet::new();
    let mut taken: Vec<usize> = (0..ingests.len())
        .filter(|&i| {
            let s = &ingests[i];
            seen.insert(("delivery", &s.source, &s.delivery_id))
                & seen.insert(("receipt", &s.source, &s.purchase.external_id))
        })
        .collect();
    if taken.is_empty() {
        return Ok(outcomes);
    }
    let deliveries: Vec<(&str, &str)> =
        taken.iter().map(|&i| (ingests[i].source.as_str(), ingests[i].delivery_id.as_str())).collect();
    let receipts: Vec<(&str, &str)> =
        taken.iter().map(|&i| (ingests[i].source.as_str(), ingests[i].purchase.external_id.as_str())).collect();
    let delivered = c.known_deliveries(chain, &deliveries).await?;
    let recorded = c.known_receipts(chain, &receipts).await?;
    taken.retain(|&i| {
        let s = &ingests[i];
        !delivered.contains(&(s.source.clone(), s.delivery_id.clone()))
            && !recorded.contains(&(s.source.clone(), s.purchase.external_id.clone()))
    });
    let batch = Batch {
        chain,
        caches,
        shared: Mutex::new(Shared::default()),
        now_ms,
        created_at: from_millis("ledger_entries.created_at", now_ms)?,
    };
    let mut running: Vec<Option<Running<'_>>> = taken
        .iter()
        .enumerate()
        .map(|(sale, &i)| {
            let (batch, ingest) = (&batch, &ingests[i]);
            let future: Running<'_> = Box::pin(async move {
                let mut tx = InBatch { batch, sale };
                apply_purchase(&mut tx, chain, ingest, now).await
            });
            Some(future)
        })
        .collect();

    let mut waiting_wallets: Vec<(usize, u64, WalletScope, Option<Box<Program>>)> = Vec::new();
    loop {
        let progressed = poll_sales(&mut running, &taken, &mut outcomes, &batch)?;
        if running.iter().all(Option::is_none) {
            break;
        }
        let asks = std::mem::take(&mut batch.lock().asks);
        if asks.is_empty() && waiting_wallets.is_empty() && !progressed {
            return Err(DbError::Domain(regulars_core::Error::internal("a POS batch stopped making progress")));
        }
        let answered = answer(c, &batch, asks, &mut waiting_wallets).await?;
        if !answered && !progressed {
            // Every sale waits for a wallet another one holds, in a circle: go one by one.
            return Err(DbError::Domain(regulars_core::Error::internal("POS batch sales wait on each other")));
        }
    }

    finish(c, &batch).await?;
    Ok(outcomes)
}

/// Polls every running sale once; whether one of them finished. A finished sale hands its
/// wallets on, and its outcome goes into `outcomes` (at its place among all the sales given).
fn poll_sales(
    running: &mut [Option<Running<'_>>],
    taken: &[usize],
    outcomes: &mut BatchOutcomes,
    batch: &Batch<'_>,
) -> Result<bool, DbError> {
    // The sales only wait for the batch loop's answers, so nothing needs waking: each round
    // polls every sale again.
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut progressed = false;
    for (sale, slot) in running.iter_mut().enumerate() {
        let Some(future) = slot else { continue };
        if let Poll::Ready(done) = future.as_mut().poll(&mut cx) {
            *slot = None;
            progressed = true;
            match done? {
                Applied::Done(outcome) => outcomes[taken[sale]] = Some(outcome),
                Applied::Taken => return Err(DbError::KeyRace),
            }
            for held in batch.lock().wallets.values_mut().filter(|h| h.owner == Some(sale)) {
                held.owner = None;
            }
        }
    }
    Ok(progressed)
}

/// Answers the questions asked since the last round; wallets held by another sale wait in
/// `waiting`. Whether anything was answered.
async fn answer<C>(
    c: &mut C,
    batch: &Batch<'_>,
    asks: Vec<(usize, u64, Ask)>,
    waiting: &mut Vec<(usize, u64, WalletScope, Option<Box<Program>>)>,
) -> Result<bool, DbError>
where
    C: BatchStatements,
    for<'t> OneTx<'t, C>: SaleTx<Error = DbError>,
{
    let chain = batch.chain;
    let mut answers: Vec<(u64, Answer)> = Vec::new();
    let mut public_ids: Vec<(u64, GuestId)> = Vec::new();
    let mut purchases: Vec<(u64, Box<NewPurchase>)> = Vec::new();
    for (sale, ticket, ask) in asks {
        let mut one = OneTx { c: &mut *c, caches: batch.caches };
        let answer = match ask {
            Ask::PublicId(guest) => {
                public_ids.push((ticket, guest));
                continue;
            }
            Ask::InsertPurchase(purchase) => {
                purchases.push((ticket, purchase));
                continue;
            }
            Ask::Wallet(scope, program) => {
                waiting.push((sale, ticket, scope, program));
                continue;
            }
            Ask::Cafe(cafe) => Answer::Cafe(one.cafe(chain, cafe).await?),
            Ask::Programs => Answer::Programs(one.programs(chain).await?),
            Ask::CardStep(guest, step) => Answer::Yes(one.accept_card_step(chain, guest, step).await?),
            Ask::PurchaseByReceipt(source, receipt) => {
                Answer::Purchase(one.purchase_by_receipt(chain, &source, &receipt).await?)
            }
            Ask::IssueCode(code) => Answer::Code(one.issue_code(chain, *code).await?),
            Ask::LockCode(code) => Answer::Code(one.lock_reward_code(chain, &code).await?),
            Ask::UpdateCode(expected, next) => Answer::Yes(one.update_reward_code(chain, expected, &next).await?),
            Ask::RefundsOf(purchase) => Answer::Refunds(one.refunds_of(chain, purchase).await?),
            Ask::RecordRefund(purchase, refund) => Answer::Yes(one.record_refund(chain, &purchase, &refund).await?),
        };
        answers.push((ticket, answer));
    }

    if !public_ids.is_empty() {
        let mut ids: Vec<i64> = public_ids.iter().map(|(_, g)| g.get()).collect();
        ids.sort_unstable();
        ids.dedup();
        let found = c.public_ids(chain, &ids).await?;
        answers.extend(public_ids.into_iter().map(|(t, g)| (t, Answer::PublicId(found.get(&g.get()).cloned()))));
    }

    if !purchases.is_empty() {
        // In (source, receipt) order, the same in every batch: a receipt being inserted by
        // another transaction makes this one wait, and waits in one order never circle.
        purchases.sort_by(|(_, a), (_, b)| (&a.source, &a.external_id).cmp(&(&b.source, &b.external_id)));
        let rows: Vec<&NewPurchase> = purchases.iter().map(|(_, p)| &**p).collect();
        let inserted = c.insert_purchases(chain, &rows, batch.now_ms).await?;
        let mut by_receipt: HashMap<(String, String), Purchase> =
            inserted.into_iter().map(|p| ((p.details.source.clone(), p.details.external_id.clone()), p)).collect();
        let mut shared = batch.lock();
        for (ticket, new) in purchases {
            let inserted = by_receipt.remove(&(new.source.clone(), new.external_id.clone()));
            if let Some(p) = &inserted {
                shared.events.push(recorded_event(chain, p.id.get(), &new));
            }
            answers.push((ticket, Answer::Purchase(inserted)));
        }
    }

    answer_wallets(c, batch, waiting, &mut answers).await?;
    let answered = !answers.is_empty();
    batch.lock().answers.extend(answers);
    Ok(answered)
}

/// Grants each waiting sale its wallet once no other sale holds it, locking (and reading the
/// new ledger entries of) the wallets the batch does not hold yet with one statement each.
async fn answer_wallets<C>(
    c: &mut C,
    batch: &Batch<'_>,
    waiting: &mut Vec<(usize, u64, WalletScope, Option<Box<Program>>)>,
    answers: &mut Vec<(u64, Answer)>,
) -> Result<(), DbError>
where
    C: BatchStatements,
    for<'t> OneTx<'t, C>: SaleTx<Error = DbError>,
{
    let chain = batch.chain;
    let mut missing: Vec<WalletKey> = {
        let shared = batch.lock();
        waiting.iter().map(|(_, _, scope, _)| wallet_key(scope)).filter(|k| !shared.wallets.contains_key(k)).collect()
    };
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        let mut found: HashMap<WalletKey, Wallet> =
            c.lock_wallets(chain, &missing).await?.into_iter().map(|w| (wallet_key(&w.scope), w)).collect();
        // A first purchase opens its wallet (rare: one by one, with its event).
        for (_, _, scope, program) in waiting.iter() {
            let key = wallet_key(scope);
            if let (true, false, Some(program)) =
                (missing.binary_search(&key).is_ok(), found.contains_key(&key), program)
            {
                let mut one = OneTx { c: &mut *c, caches: batch.caches };
                found.insert(key, one.open_wallet(chain, program, *scope).await?);
            }
        }
        let mut held: Vec<Held> = found
            .into_values()
            .map(|wallet| {
                let history = batch.caches.histories.take(wallet.id);
                Held { read: history.len(), history, wallet, owner: None, changed: false }
            })
            .collect();
        let seen: Vec<(i64, i64)> =
            held.iter().map(|h| (h.wallet.id.get(), h.history.last().map_or(0, |e| e.id.get()))).collect();
        if !seen.is_empty() {
            let at: HashMap<WalletId, usize> = held.iter().enumerate().map(|(n, h)| (h.wallet.id, n)).collect();
            for entry in c.entries_after(&seen).await? {
                if let Some(&n) = at.get(&entry.wallet_id) {
                    held[n].history.push(entry);
                    held[n].read += 1;
                }
            }
        }
        let mut shared = batch.lock();
        for h in held {
            let key = wallet_key(&h.wallet.scope);
            shared.by_id.insert(h.wallet.id, key);
            shared.wallets.insert(key, h);
        }
    }
    // Lowest sale first: sales that share a wallet go in delivery order.
    waiting.sort_by_key(|(sale, ..)| *sale);
    let mut shared = batch.lock();
    waiting.retain(|(sale, ticket, scope, _)| match shared.wallets.get_mut(&wallet_key(scope)) {
        None => {
            // Not in the database (a refund's lock of a wallet never opened).
            answers.push((*ticket, Answer::Wallet(None)));
            false
        }
        Some(held) if held.owner.is_none() || held.owner == Some(*sale) => {
            held.owner = Some(*sale);
            answers.push((*ticket, Answer::Wallet(Some(held.wallet.clone()))));
            false
        }
        Some(_) => true,
    });
    Ok(())
}

/// Writes what the sales kept for the end, one statement per table, and hands the histories
/// back to the cache.
async fn finish<C: BatchStatements>(c: &mut C, batch: &Batch<'_>) -> Result<(), DbError> {
    let chain = batch.chain;
    let shared = std::mem::take(&mut *batch.lock());
    if !shared.entries.is_empty()
        && c.insert_entries(chain, &shared.entries, batch.now_ms).await? != shared.entries.len()
    {
        // A key used before: the one-by-one path answers it.
        return Err(DbError::KeyRace);
    }
    let changed: Vec<&Wallet> = shared.wallets.values().filter(|h| h.changed).map(|h| &h.wallet).collect();
    if !changed.is_empty() {
        c.update_wallets(chain, &changed, batch.now_ms).await?;
    }
    if !shared.outbox.is_empty() && c.insert_outbox(&shared.outbox).await? != shared.outbox.len() {
        // A notification queued before for one of these receipts: let each sale alone decide.
        return Err(DbError::KeyRace);
    }
    if !shared.deliveries.is_empty()
        && c.insert_deliveries(chain, &shared.deliveries, batch.now_ms).await? != shared.deliveries.len()
    {
        return Err(DbError::KeyRace);
    }
    if !shared.events.is_empty() {
        c.insert_events(&shared.events).await?;
    }
    // Back to the cache: only what was read, as the one-by-one path keeps it (the batch's own
    // entries are read back by the next sale, so a rollback cannot leave them cached).
    for mut held in shared.wallets.into_values() {
        held.history.truncate(held.read);
        batch.caches.histories.put(held.wallet.id, held.history);
    }
    Ok(())
}
