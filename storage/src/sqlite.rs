//! The embedded SQLite backend: a pool of reader connections and one writer task that groups
//! concurrent writes into one transaction (group commit).
//!
//! Why one writer: SQLite admits a single writer at a time anyway; letting many connections
//! race for the lock wastes time in busy-waits. Funnelling writes through one task lets it
//! take every write that is waiting, run each inside its own SAVEPOINT (so one failed write
//! never undoes another), and commit them together: one `fsync` for the whole group. Each
//! caller is answered only after the commit that made its write durable.
//!
//! Why a thread of its own: the writer owns its connection and does nothing but write, so it
//! runs on a dedicated OS thread and drives each group with a connection whose "blocking"
//! calls run inline ([`Inline`]). The same async query code as everywhere else then costs no
//! thread hop per statement (with tokio's `spawn_blocking` per statement, the hops, not
//! SQLite, were the bottleneck).
//!
//! Why a checkpoint thread: SQLite copies the WAL back into the database file (a checkpoint,
//! with its fsyncs) inside whichever commit crosses 1,000 pages, stalling every write queued
//! behind it. The writer's automatic checkpoints are off; a thread of its own runs a passive
//! checkpoint every [`CHECKPOINT_EVERY`] instead.
//!
//! Why grouped writes: some writes are cheaper applied together than one savepoint each (POS
//! sales, with multi-row statements). The writer takes those of a group apart and hands them
//! all to their [`GroupedWrites`] implementation at once; it knows nothing else of them.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use diesel_async::SimpleAsyncConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::sync_connection_wrapper::{SpawnBlocking, SyncConnectionWrapper};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures::FutureExt as _;
use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use crate::error::{DbError, OpenError};
use crate::store::{Caches, answered};

/// The async SQLite connection readers use: statements run inline, on the task that awaits
/// them (see [`Inline`]).
pub(crate) type SqliteConn = SyncConnectionWrapper<SqliteConnection, Inline>;

/// The writer's connection: statements run inline on the writer thread.
pub(crate) type SqliteWriteConn = SyncConnectionWrapper<SqliteConnection, Inline>;

/// A [`SpawnBlocking`] that runs the task where it is polled.
///
/// The writer thread exists to block on its connection. Readers run inline too: a read here is
/// an indexed lookup in a memory-mapped, cached file (tens of microseconds, never waiting for
/// the writer under WAL), cheaper than the two thread switches of handing each statement to
/// tokio's blocking pool, which were the largest item of the bot's profile (futex wake-ups
/// and context switches, about a third of the CPU).
pub(crate) struct Inline;

impl SpawnBlocking for Inline {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> BoxFuture<'a, Result<R, Box<dyn std::error::Error + Send + Sync + 'static>>>
    where
        R: Send + 'static,
    {
        Box::pin(std::future::ready(Ok(task())))
    }

    fn get_runtime() -> Self {
        Self
    }
}

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Most writes grouped into one commit; bounds the latency a single commit adds (and the size
/// of the grouped writes handed over together).
const MAX_GROUP: usize = 256;

/// How long a connection waits for a lock held by another process before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the checkpointer copies the WAL back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// WAL frames (a page each, 4 KiB by default: 64 MiB) past which the checkpointer empties the
/// WAL even if that holds writes back for a moment.
const WAL_LIMIT_FRAMES: i32 = 16_384;

/// Writes the writer applies together: all of a group's are handed to [`GroupedWrites::run`]
/// at once, inside the group's transaction, before its other writes.
pub(crate) trait GroupedWrites: 'static {
    /// One queued write, with whoever waits for its answer.
    type Job: Send + 'static;

    /// Applies `jobs` (in arrival order; at most a group's worth) inside the writer's open
    /// transaction, each part that can fail alone in a savepoint of its own ([`in_savepoint`]),
    /// and says for each job, in any order, how it settled, or which write to run on its own
    /// with the group's other writes instead. A savepoint statement that failed is recorded in
    /// `broken`: the group cannot commit then.
    fn run(
        conn: &mut SqliteWriteConn,
        jobs: Vec<Self::Job>,
        caches: &Arc<Caches>,
        broken: &mut Option<String>,
    ) -> impl Future<Output = Vec<Ran>>;

    /// Answers a job that never ran: the group could not start.
    fn fail(job: Self::Job, reason: &str);
}

/// What became of a grouped write.
pub(crate) enum Ran {
    /// It ran; answer it once the group's commit is known.
    Settled(Settled),
    /// It was left: run this write on its own (in a savepoint) with the group's other writes.
    Alone(Box<dyn WriteJob>),
}

pub(crate) struct SqliteDb<G: GroupedWrites> {
    readers: Pool<SqliteConn>,
    writes: mpsc::Sender<Queued<G>>,
    /// Dropped with the store, which stops the checkpointer thread.
    _checkpoints: std::sync::mpsc::Sender<()>,
}

fn open_connection(path: &str) -> diesel::ConnectionResult<SqliteConnection> {
    let mut conn = SqliteConnection::establish(path)?;
    // WAL: readers never block the writer; synchronous=FULL: a commit is on disk before any
    // caller hears "ok" (group commit pays one fsync for many writes).
    //
    // No memory map here, although reads through one copy nothing: a connection that starts a
    // read after another connection's commit throws its page cache away and, with a map,
    // unmaps the whole file too (SQLite's `pagerBeginReadTransaction`). Under a steady stream
    // of POS commits every reader did so for nearly every read, and each `munmap` interrupts
    // the other core to flush its TLB (without reader maps the handlers' CPU at a steady 2,000
    // webhooks/s fell by a quarter to a third). Only the writer, which never sees another
    // connection's commit, maps the file (see `open`).
    conn.batch_execute(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
         PRAGMA busy_timeout = {}; PRAGMA temp_store = MEMORY;",
        BUSY_TIMEOUT.as_millis()
    ))
    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

impl<G: GroupedWrites> SqliteDb<G> {
    /// Opens the file with `readers` reader connections and starts the writer; a failed group
    /// commit clears `caches` (the writer may have read its own group's lost writes).
    pub(crate) async fn open(path: &Path, readers: u32, caches: Arc<Caches>) -> Result<Self, OpenError> {
        let connect = |reason: String| OpenError::Connect { backend: "sqlite", reason };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| connect(format!("cannot create {}: {e}", dir.display())))?;
        }
        let url = path
            .to_str()
            .ok_or_else(|| OpenError::InvalidUrl("the SQLite path must be valid UTF-8".into()))?
            .to_owned();

        let migrate_url = url.clone();
        let migrated = tokio::task::spawn_blocking(move || {
            let mut conn = open_connection(&migrate_url).map_err(|e| connect(e.to_string()))?;
            conn.run_pending_migrations(MIGRATIONS)
                .map(|applied| applied.len())
                .map_err(|e| OpenError::Migrate { backend: "sqlite", reason: e.to_string() })
        })
        .await
        .map_err(|e| connect(e.to_string()))??;
        if migrated > 0 {
            tracing::info!(migrations = migrated, "applied SQLite migrations");
        }

        let mut manager_config = ManagerConfig::default();
        manager_config.custom_setup = Box::new(|url| {
            let url = url.to_owned();
            Box::pin(async move {
                tokio::task::spawn_blocking(move || open_connection(&url).map(SyncConnectionWrapper::new))
                    .await
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?
            })
        });
        // Connections are local files: a liveness query on every checkout would only cost time.
        manager_config.recycling_method = RecyclingMethod::Fast;
        let manager = AsyncDieselConnectionManager::new_with_config(url.clone(), manager_config);
        let readers =
            Pool::builder(manager).max_size(readers.max(1) as usize).build().map_err(|e| connect(e.to_string()))?;

        let checkpoint_url = url.clone();
        let (writer_conn, checkpoint_conn) = tokio::task::spawn_blocking(move || {
            let mut writer = open_connection(&url)?;
            // Checkpoints run on their own thread (below): run inside a commit, as SQLite does
            // by default, each one held up every write behind it for its fsyncs.
            //
            // The writer keeps its pages between groups (no other connection commits), so it
            // reads through a memory map and a 16 MiB page cache: with SQLite's 2 MiB default,
            // every POS transaction re-read its pages into freshly allocated buffers (measured:
            // malloc and memmove led the profile).
            writer
                .batch_execute(
                    "PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -16384; \
                     PRAGMA mmap_size = 268435456;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok::<_, diesel::ConnectionError>((writer, open_connection(&checkpoint_url)?))
        })
        .await
        .map_err(|e| connect(e.to_string()))?
        .map_err(|e| connect(e.to_string()))?;
        let (checkpoints, stop_checkpoints) = std::sync::mpsc::channel();
        let wal_too_long = Arc::new(AtomicBool::new(false));
        let raise = wal_too_long.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run_checkpointer(checkpoint_conn, &stop_checkpoints, &raise))
            .map_err(|e| connect(format!("cannot start the checkpoint thread: {e}")))?;
        let (writes, queue) = mpsc::channel(4 * MAX_GROUP);
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run_writer::<G>(SyncConnectionWrapper::new(writer_conn), queue, &caches, &wal_too_long))
            .map_err(|e| connect(format!("cannot start the writer thread: {e}")))?;
        Ok(Self { readers, writes, _checkpoints: checkpoints })
    }

    pub(crate) async fn reader(&self) -> Result<Object<SqliteConn>, DbError> {
        self.readers.get().await.map_err(|e| DbError::unavailable(format!("sqlite pool: {e}")))
    }

    /// Runs `f` inside the writer's current group transaction and answers once it is committed.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteWriteConn) -> BoxFuture<'c, Result<T, DbError>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.queue(Queued::Job(job(f, reply)), answer).await
    }

    /// Queues a grouped write (see [`GroupedWrites`]); the job answers its caller itself.
    pub(crate) async fn write_grouped(&self, job: G::Job) -> Result<(), DbError> {
        self.send(Queued::Grouped(job)).await
    }

    async fn queue<T>(&self, write: Queued<G>, answer: oneshot::Receiver<Result<T, DbError>>) -> Result<T, DbError> {
        self.send(write).await?;
        answered(answer).await
    }

    async fn send(&self, write: Queued<G>) -> Result<(), DbError> {
        self.writes.send(write).await.map_err(|_| DbError::unavailable("the SQLite writer has stopped"))
    }
}

/// What the writer's queue carries.
enum Queued<G: GroupedWrites> {
    /// Any write, as a closure over the connection.
    Job(Box<dyn WriteJob>),
    /// A write applied together with the others of its kind in the group.
    Grouped(G::Job),
}

/// A queued write of `body`, answering `reply`.
pub(crate) fn job<T, F>(body: F, reply: oneshot::Sender<Result<T, DbError>>) -> Box<dyn WriteJob>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut SqliteWriteConn) -> BoxFuture<'c, Result<T, DbError>> + Send + 'static,
{
    Box::new(Job { body, reply })
}

/// One queued write, type-erased so writes of every result type share the queue.
pub(crate) trait WriteJob: Send {
    /// Runs the write; returns whether it succeeded and a way to answer the caller later.
    fn run<'c>(self: Box<Self>, conn: &'c mut SqliteWriteConn) -> BoxFuture<'c, Settled>;
    /// Answers the caller without running (the group could not start).
    fn fail(self: Box<Self>, reason: String);
}

struct Job<F, T> {
    body: F,
    reply: oneshot::Sender<Result<T, DbError>>,
}

/// Answers a caller once the group's fate is known: `Some(reason)` when the commit failed.
type Answer = Box<dyn FnOnce(Option<&str>) + Send>;

/// A write that ran, waiting for the fate of its group's commit.
pub(crate) struct Settled {
    succeeded: bool,
    answer: Answer,
}

/// A write that ran with `result`, answering `reply` once the group's commit is known: a
/// failed commit turns a success into an "unavailable" error.
pub(crate) fn settled<T: Send + 'static>(
    result: Result<T, DbError>,
    reply: oneshot::Sender<Result<T, DbError>>,
) -> Settled {
    let succeeded = result.is_ok();
    Settled {
        succeeded,
        answer: Box::new(move |commit_failure: Option<&str>| {
            let outcome = match commit_failure {
                Some(reason) if succeeded => Err(DbError::unavailable(format!("commit failed: {reason}"))),
                _ => result,
            };
            // The caller may have gone away (timeout, disconnect): nothing to do then.
            let _ = reply.send(outcome);
        }),
    }
}

impl<F, T> WriteJob for Job<F, T>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut SqliteWriteConn) -> BoxFuture<'c, Result<T, DbError>> + Send + 'static,
{
    fn run<'c>(self: Box<Self>, conn: &'c mut SqliteWriteConn) -> BoxFuture<'c, Settled> {
        let Job { body, reply } = *self;
        Box::pin(async move { settled(body(conn).await, reply) })
    }

    fn fail(self: Box<Self>, reason: String) {
        let _ = self.reply.send(Err(DbError::unavailable(reason)));
    }
}

/// Copies committed WAL frames back into the database file every [`CHECKPOINT_EVERY`], until the
/// store is dropped (`stop` disconnects).
///
/// A `PASSIVE` checkpoint never waits for readers or the writer: it copies what no reader
/// still needs while writes go on appending to the WAL, and once it has copied everything the
/// next write starts the WAL over from its beginning, so the file stays small. The writer
/// connection has automatic checkpoints turned off; a checkpoint there ran inside a commit and
/// every caller queued behind it waited for its fsyncs.
///
/// Under writes that never pause (a bulk load, a long burst of large transactions) the passive
/// checkpoint never catches up with the end of the WAL, so the WAL is never started over and
/// grows without bound (a 10M-sale load filled the disk with a 25 GB WAL). Past
/// [`WAL_LIMIT_FRAMES`] the checkpointer raises `too_long`, and the writer, between two groups
/// (the one moment no write is in progress, which another connection's checkpoint cannot find
/// when the writer starts the next group at once), runs a `TRUNCATE` checkpoint: it copies what
/// is left and empties the file. Writes pause for that moment, the price of a bounded WAL; at
/// a cafe's ordinary pace the passive checkpoint keeps the WAL far below the limit.
fn run_checkpointer(mut conn: SqliteConnection, stop: &std::sync::mpsc::Receiver<()>, too_long: &AtomicBool) {
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
        match checkpoint(&mut conn, "PASSIVE") {
            Ok(left) if left.log > WAL_LIMIT_FRAMES => too_long.store(true, Ordering::Relaxed),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; retrying"),
        }
    }
    tracing::debug!("SQLite checkpointer stopped: the store was dropped");
}

/// What `PRAGMA wal_checkpoint` answers.
#[derive(diesel::QueryableByName)]
struct Checkpoint {
    /// Frames in the WAL.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
}

fn checkpoint(conn: &mut SqliteConnection, mode: &'static str) -> diesel::QueryResult<Checkpoint> {
    use diesel::RunQueryDsl as _;
    diesel::sql_query(format!("PRAGMA wal_checkpoint({mode})")).get_result(conn)
}

fn run_writer<G: GroupedWrites>(
    mut conn: SqliteWriteConn,
    mut queue: mpsc::Receiver<Queued<G>>,
    caches: &Arc<Caches>,
    wal_too_long: &AtomicBool,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while let Some(first) = queue.blocking_recv() {
        group.push(first);
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        // Every statement completes inline, so this never actually waits on another task.
        futures::executor::block_on(commit_group::<G>(&mut conn, group.drain(..), caches));
        if wal_too_long.swap(false, Ordering::Relaxed) {
            // See `run_checkpointer`: between groups no write is in progress.
            let started = std::time::Instant::now();
            match futures::executor::block_on(conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")) {
                // Debug, not info: a bulk load does this every statement.
                Ok(()) => tracing::debug!(
                    took_ms = started.elapsed().as_millis(),
                    "the WAL outgrew its limit under sustained writes; emptied it between two groups"
                ),
                Err(e) => tracing::warn!(error = %e, "truncating WAL checkpoint failed; the checkpointer asks again"),
            }
        }
    }
    tracing::debug!("SQLite writer stopped: every store handle was dropped");
}

async fn commit_group<G: GroupedWrites>(
    conn: &mut SqliteWriteConn,
    group: impl Iterator<Item = Queued<G>>,
    caches: &Arc<Caches>,
) {
    let mut jobs: Vec<Box<dyn WriteJob>> = Vec::new();
    let mut grouped: Vec<G::Job> = Vec::new();
    for queued in group {
        match queued {
            Queued::Job(job) => jobs.push(job),
            Queued::Grouped(job) => grouped.push(job),
        }
    }
    // IMMEDIATE takes the write lock up front, so another process's writer makes us wait
    // (busy_timeout) instead of failing half-way through the group.
    if let Err(e) = conn.batch_execute("BEGIN IMMEDIATE").await {
        tracing::warn!(error = %e, "could not start a write transaction");
        let reason = format!("database busy: {e}");
        for job in jobs {
            job.fail(reason.clone());
        }
        for job in grouped {
            G::fail(job, &reason);
        }
        return;
    }
    let mut settled = Vec::new();
    let mut broken = None;
    // The grouped writes first, together; what they leave joins the other writes, one by one.
    let mut alone: Vec<Box<dyn WriteJob>> = Vec::new();
    if !grouped.is_empty() {
        for ran in G::run(conn, grouped, caches, &mut broken).await {
            match ran {
                Ran::Settled(done) => settled.push(done),
                Ran::Alone(job) => alone.push(job),
            }
        }
    }
    for job in alone.into_iter().chain(jobs) {
        if broken.is_some() {
            job.fail("an earlier write in the group broke the transaction".into());
            continue;
        }
        if let Err(e) = conn.batch_execute("SAVEPOINT job").await {
            broken = Some(e.to_string());
            job.fail(e.to_string());
            continue;
        }
        // A bug in one write must not take the writer (and every later write) down with it:
        // its savepoint is rolled back and its caller hears that the write failed.
        let done = AssertUnwindSafe(job.run(conn)).catch_unwind().await.ok();
        let close = match &done {
            Some(done) if done.succeeded => "RELEASE job",
            Some(_) => "ROLLBACK TO job; RELEASE job",
            None => {
                tracing::error!("a write panicked; it was rolled back");
                "ROLLBACK TO job; RELEASE job"
            }
        };
        if let Err(e) = conn.batch_execute(close).await {
            broken = Some(e.to_string());
        }
        settled.extend(done);
    }
    let failure = match broken {
        Some(reason) => Some(reason),
        None => conn.batch_execute("COMMIT").await.err().map(|e| e.to_string()),
    };
    if let Some(reason) = &failure {
        tracing::error!(%reason, writes = settled.len(), "group commit failed; rolling back");
        // Writes of this group may have been read into a cache before they were lost.
        caches.clear();
        if let Err(e) = conn.batch_execute("ROLLBACK").await {
            tracing::error!(error = %e, "rollback after a failed commit failed too");
        }
    }
    for done in settled {
        (done.answer)(failure.as_deref());
    }
}

/// Runs `body` in a savepoint of its own inside the group's transaction (`what` names it in
/// logs): its result when it succeeded and the savepoint was released; `None` when it failed
/// or panicked (rolled back to the savepoint, the rest of the group unharmed) or the group was
/// already broken. A savepoint statement that fails breaks the group.
pub(crate) async fn in_savepoint<T>(
    conn: &mut SqliteWriteConn,
    broken: &mut Option<String>,
    what: &str,
    body: impl AsyncFnOnce(&mut SqliteWriteConn) -> Result<T, DbError>,
) -> Option<T> {
    if broken.is_some() {
        return None;
    }
    if let Err(e) = conn.batch_execute("SAVEPOINT grouped").await {
        *broken = Some(e.to_string());
        return None;
    }
    let done = AssertUnwindSafe(body(&mut *conn)).catch_unwind().await;
    let (close, kept) = match done {
        Ok(Ok(kept)) => ("RELEASE grouped", Some(kept)),
        Ok(Err(e)) => {
            tracing::debug!(error = ?e, "{what} stepped back");
            ("ROLLBACK TO grouped; RELEASE grouped", None)
        }
        Err(_) => {
            tracing::error!("{what} panicked; it was rolled back");
            ("ROLLBACK TO grouped; RELEASE grouped", None)
        }
    };
    if let Err(e) = conn.batch_execute(close).await {
        *broken = Some(e.to_string());
    }
    kept
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;

    use super::*;

    #[test]
    fn checkpoints_say_how_long_the_wal_is_and_truncate_empties_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db");
        let mut conn = open_connection(path.to_str().unwrap()).unwrap();
        conn.batch_execute(
            "PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (x BLOB); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) \
             INSERT INTO t SELECT randomblob(4000) FROM n;",
        )
        .unwrap();
        let passive = checkpoint(&mut conn, "PASSIVE").unwrap();
        assert!(passive.log >= 200, "a page a row at least: {} frames", passive.log);
        let truncated = checkpoint(&mut conn, "TRUNCATE").unwrap();
        assert_eq!(truncated.log, 0, "the WAL is empty");
        assert_eq!(std::fs::metadata(dir.path().join("wal.db-wal")).unwrap().len(), 0);
    }

    fn insert_chain<'c>(c: &'c mut SqliteWriteConn, slug: &'static str) -> BoxFuture<'c, Result<usize, DbError>> {
        Box::pin(async move {
            Ok(diesel::sql_query(format!(
                "INSERT INTO chains (slug, name, default_language, created_at) VALUES ('{slug}', 'x', 'en', 0)"
            ))
            .execute(c)
            .await?)
        })
    }

    fn insert_then_panic(c: &mut SqliteWriteConn) -> BoxFuture<'_, Result<usize, DbError>> {
        Box::pin(async move {
            insert_chain(c, "lost").await?;
            panic!("a bug in a write body");
        })
    }

    /// A writer with no grouped writes.
    enum Ungrouped {}

    impl GroupedWrites for Ungrouped {
        type Job = std::convert::Infallible;

        async fn run(
            _: &mut SqliteWriteConn,
            jobs: Vec<Self::Job>,
            _: &Arc<Caches>,
            _: &mut Option<String>,
        ) -> Vec<Ran> {
            jobs.into_iter().map(|job| match job {}).collect()
        }

        fn fail(job: Self::Job, _: &str) {
            match job {}
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_write_fails_alone_and_the_writer_lives_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteDb::<Ungrouped>::open(&dir.path().join("w.db"), 1, Arc::new(Caches::new())).await.unwrap();
        let (kept, panicked) = tokio::join!(db.write(|c| insert_chain(c, "kept")), db.write(insert_then_panic));
        assert_eq!(kept.unwrap(), 1);
        let err = regulars_core::Error::from(panicked.unwrap_err());
        assert_eq!(err.kind(), regulars_core::ErrorKind::Internal);
        assert_eq!(db.write(|c| insert_chain(c, "after")).await.unwrap(), 1, "the writer survived");
        let mut reader = db.reader().await.unwrap();
        let slugs: Vec<String> = crate::schema::chains::table
            .select(crate::schema::chains::slug)
            .order(crate::schema::chains::slug)
            .load(&mut *reader)
            .await
            .unwrap();
        assert_eq!(slugs, ["after", "kept"], "the panicking write was rolled back, the others kept");
    }
}
