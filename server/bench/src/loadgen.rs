//! A load generator for signed POS webhooks: what `regulars-bench webhook` drives.
//!
//! A [`LoadPlan`] names the webhook URL, the source's secret, the payloads to send (a list or
//! a generator), how many connections to use and, optionally, a fixed request rate. [`run`]
//! renders every payload with [`regulars_pos_webhook::to_body`], signs it per Standard Webhooks
//! (a unique `webhook-id` per request, the timestamp of signing) and builds the HTTP request
//! *before* the clock starts, then sends them over HTTP/1.1 keep-alive connections and returns
//! a [`LoadReport`]: counts per status, duplicates the server reported, wall time, requests per
//! second and the latency distribution.
//!
//! Plan settings (the fields of [`LoadPlan`]):
//! - `url`: the full webhook URL, `http://host:port/pos/{source}/webhook` (plain HTTP only);
//! - `secret`: the source's `whsec_` secret;
//! - `requests`: [`Requests::List`] or [`Requests::Generated`];
//! - `concurrency`: connections, each with at most one request in flight;
//! - `rate`: `None` sends as fast as the connections allow (closed loop), `Some(n)` schedules
//!   request `i` at `i / n` seconds after the start (open loop, see below);
//! - `timeout`: per request, connecting included;
//! - `sign_ahead`: how many requests are signed ahead (below).
//!
//! # Signing ahead, and long runs
//! Up to `sign_ahead` requests ([`PRESIGN_MAX`] by default; in rate mode also at most two
//! minutes' worth) are signed before the clock starts. Larger plans are signed lazily, in chunks of [`CHUNK`], by a
//! background thread that stays that far ahead of the senders, so a signature is never much
//! older than its send. As a last guard, a request signed more than [`RESIGN_AFTER`] ago (a
//! slow server, a long queue) is signed again just before it is sent, so the server's ±300 s
//! tolerance always holds.
//!
//! # Latency and coordinated omission
//! Without a rate, latency is measured from the moment a request is handed to its connection
//! to the end of the response body. With a rate, it is measured from the request's
//! **scheduled** send time, not from when it was actually sent: when the server stalls and
//! every connection is busy, the requests queued behind it are charged the wait, instead of
//! the stall disappearing from the figures (coordinated omission, as wrk2 corrects it).
//! `concurrency` then caps the requests in flight; make it large enough for the rate times the
//! expected latency.
//!
//! # Client
//! One [`hyper::client::conn::http1`] connection per worker, no pool, no per-request URL
//! parsing or pool lookup. Measured when this generator was written (generator and a verifying
//! test server in one process on 2 cores, dev profile, 20,000 requests over 8 connections),
//! it reached 22,000-29,000 requests/s where the same pre-built, pre-signed
//! requests on a shared `reqwest::Client` reached 16,000-20,000: about 1.4x, i.e. roughly 30 %
//! less CPU per request left to the generator, and more left to the server it shares the
//! machine with. The request is fully built (headers, body) before the clock, so a send
//! costs only the HTTP exchange.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use rand::RngCore as _;
use regulars_core::pos::PosPayload;
use regulars_core::pos::signature::{HeaderNames, WebhookSecret, sign};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Requests signed per chunk when a plan is signed lazily.
pub const CHUNK: usize = 1024;

/// Requests signed before the clock starts unless [`LoadPlan::sign_ahead`] says otherwise
/// (about 1 KiB each, built).
pub const PRESIGN_MAX: usize = 50_000;

/// A request signed longer ago than this is signed again right before it is sent (the
/// server accepts 300 s).
pub const RESIGN_AFTER: Duration = Duration::from_secs(240);

/// In rate mode, at most this much of the schedule is signed ahead.
const RATE_LOOKAHEAD_SECS: usize = 120;

/// Latencies above an hour are recorded as an hour.
const MAX_LATENCY_MICROS: u64 = 3_600_000_000;

/// Error bodies kept as samples in the report.
const MAX_SAMPLES: usize = 5;

/// Characters of an error body kept in a sample.
const SAMPLE_BODY_CHARS: usize = 200;

/// Makes the payload of request `i`.
pub type PayloadFn = Arc<dyn Fn(usize) -> PosPayload + Send + Sync>;

/// The payloads of a plan.
///
/// Every request gets its own `webhook-id`; to exercise the server's duplicate handling, send
/// the same `receipt_id` more than once.
#[derive(Clone)]
pub enum Requests {
    /// These payloads, in this order.
    List(Vec<PosPayload>),
    /// `count` payloads, request `i` made by `make(i)` when it is signed (before the clock,
    /// or during a long run, on the signing thread).
    Generated {
        /// How many requests to send.
        count: usize,
        /// Makes the payload of request `i`.
        make: PayloadFn,
    },
}

impl Requests {
    /// `count` payloads made by `make`.
    pub fn generated(count: usize, make: impl Fn(usize) -> PosPayload + Send + Sync + 'static) -> Self {
        Self::Generated { count, make: Arc::new(make) }
    }

    /// How many requests these are.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Self::List(list) => list.len(),
            Self::Generated { count, .. } => *count,
        }
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for Requests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::List(list) => f.debug_tuple("List").field(&list.len()).finish(),
            Self::Generated { count, .. } => f.debug_struct("Generated").field("count", count).finish_non_exhaustive(),
        }
    }
}

impl From<Vec<PosPayload>> for Requests {
    fn from(list: Vec<PosPayload>) -> Self {
        Self::List(list)
    }
}

/// What to send, where, and how fast. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct LoadPlan {
    /// The full webhook URL: `http://127.0.0.1:8080/pos/demo/webhook`. Plain HTTP only.
    pub url: String,
    /// The source's signing secret.
    pub secret: WebhookSecret,
    /// The payloads.
    pub requests: Requests,
    /// Connections (and requests in flight), at least 1.
    pub concurrency: usize,
    /// `Some(n)`: open-loop pacing at `n` requests per second, latency from the scheduled
    /// send time; `None`: as fast as the connections allow.
    pub rate: Option<u32>,
    /// Longest wait for one request (connecting, sending, reading the answer).
    pub timeout: Duration,
    /// Requests signed before the clock starts, and kept signed ahead of the senders during
    /// longer runs (rounded up to whole chunks of [`CHUNK`]): memory against freshness.
    /// [`PRESIGN_MAX`] by default; with a `rate`, never more than two minutes of the schedule.
    pub sign_ahead: usize,
}

impl LoadPlan {
    /// A plan sending `requests` to `url` over 8 connections, as fast as possible, with a 10 s
    /// timeout per request.
    pub fn new(url: impl Into<String>, secret: WebhookSecret, requests: impl Into<Requests>) -> Self {
        Self {
            url: url.into(),
            secret,
            requests: requests.into(),
            concurrency: 8,
            rate: None,
            timeout: Duration::from_secs(10),
            sign_ahead: PRESIGN_MAX,
        }
    }
}

/// Why a load run could not be carried out. Failed requests are not errors: they are counted
/// in the [`LoadReport`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The URL is not an absolute `http://` URL with a host.
    #[error("invalid url `{url}`: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A plan setting is out of range.
    #[error("invalid {field}: {reason}")]
    InvalidPlan {
        /// The field of [`LoadPlan`].
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The server could not be reached before the run started.
    #[error("cannot connect to {target}: {source}")]
    Connect {
        /// `host:port`.
        target: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The run was cut short: the payload generator or a sender task panicked.
    #[error("the run was aborted: {0}")]
    Aborted(String),
    /// The latency histogram could not be set up or merged.
    #[error("latency histogram: {0}")]
    Histogram(String),
}

/// Latency percentiles of the answered requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LatencySummary {
    /// Median.
    pub p50: Duration,
    /// 90th percentile.
    pub p90: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
}

/// The figures of a run. `Display` prints a compact table.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// The prefix of this run's `webhook-id`s (`<prefix>-<i>`), to find its deliveries.
    pub run_id: String,
    /// Requests in the plan.
    pub planned: usize,
    /// Requests sent (answered, failed or timed out); less than `planned` only when the
    /// generator failed mid-run.
    pub sent: usize,
    /// Answers per HTTP status code.
    pub by_status: BTreeMap<u16, usize>,
    /// Requests that got no answer: connection refused or reset, malformed response.
    pub transport_errors: usize,
    /// Requests that got no answer within the plan's timeout (not in `transport_errors`).
    pub timeouts: usize,
    /// 200 answers whose JSON said `"duplicate": true`.
    pub duplicates: usize,
    /// From the first send (or scheduled send) to the last answer.
    pub wall: Duration,
    /// Latency of answered requests; see [`LoadReport::from_schedule`].
    pub latency: LatencySummary,
    /// Whether latency was measured from the scheduled send time (rate mode).
    pub from_schedule: bool,
    /// Connections used.
    pub concurrency: usize,
    /// The fixed rate asked for, if any.
    pub rate: Option<u32>,
    /// The first few unexpected answers and transport errors, for diagnosis
    /// (`503: {"error":...}`, `transport: connection reset`).
    pub samples: Vec<String>,
}

impl LoadReport {
    /// Answers with this status.
    #[must_use]
    pub fn status(&self, code: u16) -> usize {
        self.by_status.get(&code).copied().unwrap_or(0)
    }

    /// Answers with a status in `range` (e.g. `400..500`).
    #[must_use]
    pub fn status_range(&self, range: std::ops::Range<u16>) -> usize {
        self.by_status.range(range).map(|(_, n)| n).sum()
    }

    /// 200 answers.
    #[must_use]
    pub fn ok(&self) -> usize {
        self.status(200)
    }

    /// 202 answers (signed, but an event type the server does not handle).
    #[must_use]
    pub fn accepted(&self) -> usize {
        self.status(202)
    }

    /// 4xx answers.
    #[must_use]
    pub fn client_errors(&self) -> usize {
        self.status_range(400..500)
    }

    /// 5xx answers.
    #[must_use]
    pub fn server_errors(&self) -> usize {
        self.status_range(500..600)
    }

    /// Requests that got any HTTP answer.
    #[must_use]
    pub fn answered(&self) -> usize {
        self.by_status.values().sum()
    }

    /// Requests sent per second of wall time.
    #[must_use]
    pub fn requests_per_sec(&self) -> f64 {
        let secs = self.wall.as_secs_f64();
        if secs > 0.0 { count_f64(self.sent) / secs } else { 0.0 }
    }
}

#[expect(clippy::cast_precision_loss, reason = "request counts are far below 2^52")]
fn count_f64(n: usize) -> f64 {
    n as f64
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pacing = self.rate.map_or_else(|| "as fast as possible".to_owned(), |r| format!("{r} req/s scheduled"));
        writeln!(
            f,
            "webhook load: {} of {} requests, concurrency {}, {pacing}",
            self.sent, self.planned, self.concurrency
        )?;
        writeln!(f, "  wall        {:>9.2} s    {:>9.0} req/s", self.wall.as_secs_f64(), self.requests_per_sec())?;
        writeln!(f, "  200         {:>9}      duplicates {}", self.ok(), self.duplicates)?;
        writeln!(f, "  202         {:>9}", self.accepted())?;
        let other_2xx = self.status_range(200..300) - self.ok() - self.accepted();
        let other = self.answered() - self.status_range(200..600) + other_2xx;
        if other > 0 {
            writeln!(f, "  other       {other:>9}")?;
        }
        for (label, range) in [("4xx", 400..500), ("5xx", 500..600)] {
            let detail: Vec<String> = self.by_status.range(range.clone()).map(|(s, n)| format!("{s}: {n}")).collect();
            write!(f, "  {label}         {:>9}", self.status_range(range))?;
            if detail.is_empty() {
                writeln!(f)?;
            } else {
                writeln!(f, "      {}", detail.join(", "))?;
            }
        }
        writeln!(f, "  transport   {:>9}      timeouts {}", self.transport_errors, self.timeouts)?;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let l = &self.latency;
        write!(
            f,
            "  latency     p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms{}",
            ms(l.p50),
            ms(l.p90),
            ms(l.p99),
            ms(l.max),
            if self.from_schedule { " (from scheduled send time)" } else { "" }
        )?;
        for sample in &self.samples {
            write!(f, "\n  e.g.        {sample}")?;
        }
        Ok(())
    }
}

/// Runs `plan` and reports what happened. See the [module docs](self).
///
/// # Errors
/// [`LoadError`] when the plan is invalid, the server cannot be reached at all before the run,
/// or the generator or a sender panics. Failed requests are counted in the report instead.
pub async fn run(plan: LoadPlan) -> Result<LoadReport, LoadError> {
    let mut target = Target::parse(&plan.url)?;
    if plan.concurrency == 0 {
        return Err(LoadError::InvalidPlan { field: "concurrency", reason: "must be at least 1" });
    }
    if plan.rate == Some(0) {
        return Err(LoadError::InvalidPlan { field: "rate", reason: "must be at least 1 request per second" });
    }
    if plan.timeout.is_zero() {
        return Err(LoadError::InvalidPlan { field: "timeout", reason: "must be positive" });
    }
    let unreachable = |source| LoadError::Connect { target: target.authority.clone(), source };
    let addrs: Vec<SocketAddr> =
        tokio::net::lookup_host((target.host.as_str(), target.port)).await.map_err(unreachable)?.collect();
    // Fail early and clearly when nothing listens, instead of a report of transport errors.
    TcpStream::connect(&*addrs).await.map_err(unreachable)?;
    target.addrs = addrs;
    let target = Arc::new(target);

    let planned = plan.requests.len();
    let run_id = run_id();
    let secret = Arc::new(plan.secret);
    let ahead = plan
        .rate
        .map_or(plan.sign_ahead, |r| {
            plan.sign_ahead.min(RATE_LOOKAHEAD_SECS.saturating_mul(usize::try_from(r).unwrap_or(usize::MAX)))
        })
        .max(1);
    let chunks_ahead = ahead.div_ceil(CHUNK);
    let (tx, rx) = mpsc::channel(chunks_ahead);
    let (primed_tx, primed_rx) = oneshot::channel();
    let signer = Signer { target: target.clone(), secret: secret.clone(), run_id: run_id.clone() };
    let producer = tokio::task::spawn_blocking(move || signer.produce(plan.requests, &tx, chunks_ahead, primed_tx));
    if primed_rx.await.is_err() {
        return Err(generator_failure(producer.await.err()));
    }

    let feed = Arc::new(Mutex::new(Feed { rx, current: Vec::new().into_iter() }));
    let started = Instant::now();
    let pacing = plan.rate.map(|rate| Pacing { start: started, rate: f64::from(rate) });
    let workers: Vec<_> = (0..plan.concurrency)
        .map(|_| {
            let worker = Worker {
                target: target.clone(),
                secret: secret.clone(),
                feed: feed.clone(),
                pacing,
                timeout: plan.timeout,
            };
            tokio::spawn(worker.run())
        })
        .collect();
    let mut total = Tally::new()?;
    for worker in workers {
        let tally = worker.await.map_err(|e| LoadError::Aborted(format!("a sender panicked: {e}")))??;
        total.merge(tally)?;
    }
    let wall = started.elapsed();
    if let Err(e) = producer.await {
        return Err(generator_failure(Some(e)));
    }
    Ok(total.into_report(ReportHeader { run_id, planned, wall, concurrency: plan.concurrency, rate: plan.rate }))
}

fn generator_failure(join: Option<tokio::task::JoinError>) -> LoadError {
    let why = join.map_or_else(|| "stopped before the run started".to_owned(), |e| e.to_string());
    LoadError::Aborted(format!("the request generator failed: {why}"))
}

/// `lg-<unix ms>-<random>`: unique across runs, so a second run is not one big duplicate.
fn run_id() -> String {
    format!("lg-{}-{:08x}", chrono::Utc::now().timestamp_millis(), rand::rng().next_u32())
}

/// Where the requests go, parsed once.
struct Target {
    authority: String,
    host: String,
    port: u16,
    /// Origin-form request target: `/pos/demo/webhook`.
    path: Uri,
    host_header: HeaderValue,
    addrs: Vec<SocketAddr>,
}

impl Target {
    fn parse(url: &str) -> Result<Self, LoadError> {
        let invalid = |reason: &str| LoadError::InvalidUrl { url: url.to_owned(), reason: reason.to_owned() };
        let uri: Uri = url.parse().map_err(|e: hyper::http::uri::InvalidUri| invalid(&e.to_string()))?;
        if uri.scheme_str() != Some("http") {
            return Err(invalid("only http:// is supported"));
        }
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = authority.port_u16().unwrap_or(80);
        let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
        Ok(Self {
            authority: authority.as_str().to_owned(),
            host,
            port,
            path: path_and_query.parse().map_err(|e: hyper::http::uri::InvalidUri| invalid(&e.to_string()))?,
            host_header: HeaderValue::from_str(authority.as_str()).map_err(|_| invalid("bad host"))?,
            addrs: Vec::new(),
        })
    }
}

/// Signs the plan's payloads into ready-to-send requests.
struct Signer {
    target: Arc<Target>,
    secret: Arc<WebhookSecret>,
    run_id: String,
}

/// A request built and signed ahead.
struct Signed {
    index: usize,
    signed_at: Instant,
    id: String,
    body: Bytes,
    request: Request<Full<Bytes>>,
}

impl Signer {
    /// Signs chunks into `tx`; tells `primed` once the first `chunks_ahead` chunks (or all)
    /// are queued, then keeps the queue full until every request is signed.
    fn produce(
        &self,
        requests: Requests,
        tx: &mpsc::Sender<Vec<Signed>>,
        chunks_ahead: usize,
        primed: oneshot::Sender<()>,
    ) {
        let mut primed = Some(primed);
        let mut sent_chunks = 0;
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut push = |signed: Signed, chunk: &mut Vec<Signed>| -> bool {
            chunk.push(signed);
            if chunk.len() < CHUNK {
                return true;
            }
            let full = std::mem::replace(chunk, Vec::with_capacity(CHUNK));
            if tx.blocking_send(full).is_err() {
                return false;
            }
            sent_chunks += 1;
            if sent_chunks >= chunks_ahead
                && let Some(p) = primed.take()
            {
                let _ = p.send(());
            }
            true
        };
        let keep_going = match requests {
            Requests::List(list) => {
                list.into_iter().enumerate().all(|(i, payload)| push(self.sign(i, &payload), &mut chunk))
            }
            Requests::Generated { count, make } => (0..count).all(|i| push(self.sign(i, &make(i)), &mut chunk)),
        };
        if keep_going && !chunk.is_empty() {
            let _ = tx.blocking_send(chunk);
        }
        if let Some(p) = primed.take() {
            let _ = p.send(());
        }
    }

    fn sign(&self, index: usize, payload: &PosPayload) -> Signed {
        let id = format!("{}-{index}", self.run_id);
        let body = Bytes::from(regulars_pos_webhook::to_body(payload));
        let mut signed =
            Signed { index, signed_at: Instant::now(), request: Request::new(Full::new(body.clone())), id, body };
        *signed.request.uri_mut() = self.target.path.clone();
        *signed.request.method_mut() = hyper::Method::POST;
        let headers = signed.request.headers_mut();
        headers.insert(HOST, self.target.host_header.clone());
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        stamp(&self.secret, &mut signed);
        signed
    }
}

/// Sets the id, timestamp and signature headers, signing now.
fn stamp(secret: &WebhookSecret, signed: &mut Signed) {
    let names = &HeaderNames::STANDARD;
    let ts = chrono::Utc::now().timestamp();
    let signature = sign(secret, &signed.id, ts, &signed.body);
    let headers = signed.request.headers_mut();
    // The id is `lg-<digits>-<hex>-<digits>` and the signature base64: always valid values.
    if let Ok(id) = HeaderValue::from_str(&signed.id) {
        headers.insert(names.id, id);
    }
    headers.insert(names.timestamp, HeaderValue::from(ts));
    if let Ok(signature) = HeaderValue::from_str(&signature) {
        headers.insert(names.signature, signature);
    }
    signed.signed_at = Instant::now();
}

/// The queue of signed requests the workers share.
struct Feed {
    rx: mpsc::Receiver<Vec<Signed>>,
    current: std::vec::IntoIter<Signed>,
}

impl Feed {
    async fn next(feed: &Mutex<Self>) -> Option<Signed> {
        let mut feed = feed.lock().await;
        if let Some(signed) = feed.current.next() {
            return Some(signed);
        }
        let chunk = feed.rx.recv().await?;
        feed.current = chunk.into_iter();
        feed.current.next()
    }
}

#[derive(Clone, Copy)]
struct Pacing {
    start: Instant,
    rate: f64,
}

impl Pacing {
    fn scheduled(self, index: usize) -> Instant {
        self.start + Duration::from_secs_f64(count_f64(index) / self.rate)
    }
}

/// One connection and the requests it sends.
struct Worker {
    target: Arc<Target>,
    secret: Arc<WebhookSecret>,
    feed: Arc<Mutex<Feed>>,
    pacing: Option<Pacing>,
    timeout: Duration,
}

/// Why a request got no answer (a timeout is told apart by the caller).
enum Failure {
    Transport(String),
}

impl Worker {
    async fn run(self) -> Result<Tally, LoadError> {
        let mut tally = Tally::new()?;
        let mut conn: Option<SendRequest<Full<Bytes>>> = None;
        while let Some(mut signed) = Feed::next(&self.feed).await {
            let start = match self.pacing {
                Some(pacing) => {
                    let at = pacing.scheduled(signed.index);
                    tokio::time::sleep_until(at.into()).await;
                    at
                }
                None => Instant::now(),
            };
            if signed.signed_at.elapsed() > RESIGN_AFTER {
                stamp(&self.secret, &mut signed);
            }
            let outcome = tokio::time::timeout(self.timeout, self.send(&mut conn, signed.request)).await;
            let latency = start.elapsed();
            tally.sent += 1;
            match outcome {
                Ok(Ok((status, body))) => tally.answer(status, &body, latency),
                Ok(Err(Failure::Transport(message))) => {
                    conn = None;
                    tally.transport_errors += 1;
                    tally.sample(|| format!("transport: {message}"));
                }
                Err(_) => {
                    // The connection may still carry the late answer: start afresh.
                    conn = None;
                    tally.timeouts += 1;
                    tally.sample(|| format!("timeout after {:?}", self.timeout));
                }
            }
        }
        Ok(tally)
    }

    async fn send(
        &self,
        conn: &mut Option<SendRequest<Full<Bytes>>>,
        request: Request<Full<Bytes>>,
    ) -> Result<(StatusCode, Bytes), Failure> {
        let transport = |e: &dyn fmt::Display| Failure::Transport(e.to_string());
        let mut sender = match conn.take() {
            Some(sender) => sender,
            None => connect(&self.target).await?,
        };
        // An idle connection the server closed is noticed here, before the request is lost.
        if sender.ready().await.is_err() {
            sender = connect(&self.target).await?;
        }
        let response = sender.send_request(request).await.map_err(|e| transport(&e))?;
        *conn = Some(sender);
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| transport(&e))?.to_bytes();
        Ok((status, body))
    }
}

async fn connect(target: &Target) -> Result<SendRequest<Full<Bytes>>, Failure> {
    let transport = |e: &dyn fmt::Display| Failure::Transport(e.to_string());
    let stream = TcpStream::connect(&*target.addrs).await.map_err(|e| transport(&e))?;
    // Small requests on a keep-alive connection: do not wait for Nagle.
    stream.set_nodelay(true).map_err(|e| transport(&e))?;
    let (sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| transport(&e))?;
    // Drives the connection; ends when the sender is dropped or the server closes it.
    tokio::spawn(connection);
    Ok(sender)
}

/// Whether a JSON answer says `"duplicate": true`, without parsing the rest.
fn says_duplicate(body: &[u8]) -> bool {
    const KEY: &[u8] = b"\"duplicate\"";
    let Some(at) = body.windows(KEY.len()).position(|w| w == KEY) else {
        return false;
    };
    let Some(rest) = body[at + KEY.len()..].trim_ascii_start().strip_prefix(b":") else {
        return false;
    };
    rest.trim_ascii_start().starts_with(b"true")
}

/// Counts of one worker, merged at the end (no shared counters on the hot path).
struct Tally {
    sent: usize,
    by_status: BTreeMap<u16, usize>,
    transport_errors: usize,
    timeouts: usize,
    duplicates: usize,
    histogram: Histogram<u64>,
    samples: Vec<String>,
}

struct ReportHeader {
    run_id: String,
    planned: usize,
    wall: Duration,
    concurrency: usize,
    rate: Option<u32>,
}

impl Tally {
    fn new() -> Result<Self, LoadError> {
        Ok(Self {
            sent: 0,
            by_status: BTreeMap::new(),
            transport_errors: 0,
            timeouts: 0,
            duplicates: 0,
            histogram: Histogram::new_with_bounds(1, MAX_LATENCY_MICROS, 3)
                .map_err(|e| LoadError::Histogram(e.to_string()))?,
            samples: Vec::new(),
        })
    }

    fn answer(&mut self, status: StatusCode, body: &[u8], latency: Duration) {
        *self.by_status.entry(status.as_u16()).or_default() += 1;
        self.histogram.saturating_record(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
        if status == StatusCode::OK {
            if says_duplicate(body) {
                self.duplicates += 1;
            }
        } else if !status.is_success() {
            self.sample(|| {
                let text = String::from_utf8_lossy(body);
                format!("{}: {}", status.as_u16(), text.chars().take(SAMPLE_BODY_CHARS).collect::<String>())
            });
        }
    }

    fn sample(&mut self, text: impl FnOnce() -> String) {
        if self.samples.len() < MAX_SAMPLES {
            self.samples.push(text());
        }
    }

    fn merge(&mut self, other: Self) -> Result<(), LoadError> {
        self.sent += other.sent;
        for (status, n) in other.by_status {
            *self.by_status.entry(status).or_default() += n;
        }
        self.transport_errors += other.transport_errors;
        self.timeouts += other.timeouts;
        self.duplicates += other.duplicates;
        self.histogram.add(&other.histogram).map_err(|e| LoadError::Histogram(e.to_string()))?;
        self.samples.extend(other.samples);
        self.samples.truncate(MAX_SAMPLES);
        Ok(())
    }

    fn into_report(self, header: ReportHeader) -> LoadReport {
        let h = &self.histogram;
        let at = |q: f64| Duration::from_micros(h.value_at_quantile(q));
        let latency = if h.is_empty() {
            LatencySummary::default()
        } else {
            LatencySummary { p50: at(0.50), p90: at(0.90), p99: at(0.99), max: Duration::from_micros(h.max()) }
        };
        LoadReport {
            run_id: header.run_id,
            planned: header.planned,
            sent: self.sent,
            by_status: self.by_status,
            transport_errors: self.transport_errors,
            timeouts: self.timeouts,
            duplicates: self.duplicates,
            wall: header.wall,
            latency,
            from_schedule: header.rate.is_some(),
            concurrency: header.concurrency,
            rate: header.rate,
            samples: self.samples,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Mutex as StdMutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::extract::State;
    use axum::http::HeaderMap;
    use axum::response::{IntoResponse as _, Response};
    use chrono::Utc;
    use regulars_core::money::{Currency, Money};
    use regulars_core::pos::signature::{DEFAULT_TOLERANCE_SECS, WebhookVerifier};
    use regulars_core::pos::{GuestRef, PosPurchase, PosRequest};
    use regulars_core::purchase::LineItem;
    use serde_json::{Value, json};

    use super::*;

    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

    fn secret() -> WebhookSecret {
        WebhookSecret::parse(SECRET).unwrap()
    }

    fn purchase(receipt: usize) -> PosPayload {
        PosPayload::PurchaseCompleted(PosPurchase {
            receipt_id: format!("R-{receipt}"),
            cafe_ref: "dorcol".into(),
            guest: GuestRef::None,
            total: Money::new(29_000, Currency::new("RSD").unwrap()),
            items: vec![LineItem {
                sku: "CAP".into(),
                name: "Cappuccino".into(),
                category: Some("coffee".into()),
                quantity: 1,
                unit_price_minor: 29_000,
            }],
            discounts: vec![],
            occurred_at: Utc::now(),
            reward_code: None,
        })
    }

    /// How the test server misbehaves.
    #[derive(Default, Clone, Copy)]
    struct Behaviour {
        /// Answer 503 to every n-th valid request (1-based), recording nothing.
        fail_every: Option<usize>,
        /// Answer every n-th valid request only after `slow_for`.
        slow_every: Option<usize>,
        slow_for: Duration,
    }

    #[derive(Default)]
    struct Seen {
        ids: HashSet<String>,
        reused_ids: usize,
        receipts: HashSet<String>,
        valid: usize,
        invalid: usize,
    }

    struct Server {
        verifier: WebhookVerifier,
        behaviour: Behaviour,
        counter: AtomicUsize,
        seen: StdMutex<Seen>,
    }

    /// A tiny webhook receiver on 127.0.0.1:0 that verifies every signature and counts.
    async fn serve(behaviour: Behaviour) -> (String, Arc<Server>) {
        let server = Arc::new(Server {
            verifier: WebhookVerifier::new(vec![secret()], DEFAULT_TOLERANCE_SECS).unwrap(),
            behaviour,
            counter: AtomicUsize::new(0),
            seen: StdMutex::default(),
        });
        let app =
            axum::Router::new().route("/pos/demo/webhook", axum::routing::post(webhook)).with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (format!("http://{addr}/pos/demo/webhook"), server)
    }

    async fn webhook(State(server): State<Arc<Server>>, headers: HeaderMap, body: Bytes) -> Response {
        let mut request = PosRequest::new(body.to_vec(), Utc::now());
        for (name, value) in &headers {
            request.headers.append(name.as_str(), value.to_str().unwrap());
        }
        let delivery = match server.verifier.verify(&request) {
            Ok(delivery) => delivery,
            Err(e) => {
                server.seen.lock().unwrap().invalid += 1;
                return (StatusCode::UNAUTHORIZED, e.to_string()).into_response();
            }
        };
        let n = server.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let b = server.behaviour;
        if b.slow_every.is_some_and(|k| n % k == 0) {
            tokio::time::sleep(b.slow_for).await;
        }
        let mut seen = server.seen.lock().unwrap();
        seen.valid += 1;
        if !seen.ids.insert(delivery.id) {
            seen.reused_ids += 1;
        }
        if b.fail_every.is_some_and(|k| n % k == 0) {
            let body = json!({ "error": { "kind": "unavailable", "message": "storage is unavailable" } });
            return (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "1")], axum::Json(body)).into_response();
        }
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed["type"], "purchase.completed");
        let receipt = parsed["data"]["receipt_id"].as_str().unwrap().to_owned();
        let duplicate = !seen.receipts.insert(receipt.clone());
        axum::Json(json!({ "duplicate": duplicate, "receipt_id": receipt })).into_response()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_request_arrives_signed_once_and_is_counted() {
        let (url, server) = serve(Behaviour::default()).await;
        // 450 receipts over 500 requests: the last 50 are duplicates by receipt.
        let mut plan = LoadPlan::new(url, secret(), Requests::generated(500, |i| purchase(i % 450)));
        plan.concurrency = 8;
        let report = run(plan).await.unwrap();

        let seen = server.seen.lock().unwrap();
        assert_eq!((seen.valid, seen.invalid, seen.ids.len(), seen.reused_ids), (500, 0, 500, 0));
        assert_eq!((report.planned, report.sent, report.answered(), report.ok()), (500, 500, 500, 500));
        assert_eq!((report.transport_errors, report.timeouts, report.server_errors()), (0, 0, 0));
        assert_eq!(report.duplicates, 50);
        assert!(!report.from_schedule && report.samples.is_empty(), "{report}");
        assert!(report.latency.max >= report.latency.p50);
        let table = report.to_string();
        assert!(table.contains("500 of 500 requests") && table.contains("duplicates 50"), "{table}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_fixed_rate_sends_every_request() {
        let (url, server) = serve(Behaviour::default()).await;
        let mut plan = LoadPlan::new(url, secret(), (0..300).map(purchase).collect::<Vec<_>>());
        plan.concurrency = 4;
        plan.rate = Some(200);
        let report = run(plan).await.unwrap();

        let seen = server.seen.lock().unwrap();
        assert_eq!((seen.valid, seen.invalid, seen.ids.len()), (300, 0, 300));
        assert_eq!((report.sent, report.ok(), report.duplicates, report.transport_errors), (300, 300, 0, 0));
        assert!(report.from_schedule);
        assert!(report.to_string().contains("from scheduled send time"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn server_errors_are_counted_not_lost() {
        let (url, server) = serve(Behaviour { fail_every: Some(5), ..Behaviour::default() }).await;
        let report = run(LoadPlan::new(url, secret(), Requests::generated(200, purchase))).await.unwrap();

        assert_eq!(server.seen.lock().unwrap().valid, 200);
        assert_eq!((report.sent, report.ok(), report.server_errors(), report.status(503)), (200, 160, 40, 40));
        assert_eq!((report.client_errors(), report.transport_errors), (0, 0));
        assert!(report.samples[0].starts_with("503: {"), "{:?}", report.samples);
        assert!(report.to_string().contains("503: 40"), "{report}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn slow_answers_are_timeouts_and_the_run_goes_on() {
        let behaviour =
            Behaviour { slow_every: Some(10), slow_for: Duration::from_millis(2500), ..Behaviour::default() };
        let (url, _server) = serve(behaviour).await;
        let mut plan = LoadPlan::new(url, secret(), Requests::generated(50, purchase));
        plan.concurrency = 5;
        plan.timeout = Duration::from_millis(500);
        let report = run(plan).await.unwrap();
        assert_eq!((report.sent, report.timeouts, report.ok()), (50, 5, 45), "{report}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn plans_larger_than_the_signing_window_are_signed_in_chunks() {
        let (url, server) = serve(Behaviour::default()).await;
        let mut plan = LoadPlan::new(url, secret(), Requests::generated(3 * CHUNK + 7, purchase));
        plan.sign_ahead = 1;
        let report = run(plan).await.unwrap();
        let seen = server.seen.lock().unwrap();
        assert_eq!((seen.valid, seen.invalid, seen.ids.len()), (3 * CHUNK + 7, 0, 3 * CHUNK + 7));
        assert_eq!(report.ok(), 3 * CHUNK + 7);
    }

    #[tokio::test]
    async fn bad_plans_and_unreachable_servers_are_errors() {
        let plan = |url: &str| LoadPlan::new(url, secret(), Requests::generated(1, purchase));
        for url in ["https://127.0.0.1/pos/demo/webhook", "/pos/demo/webhook", "not a url"] {
            assert!(matches!(run(plan(url)).await, Err(LoadError::InvalidUrl { .. })), "{url}");
        }
        let mut zero = plan("http://127.0.0.1:1/x");
        zero.concurrency = 0;
        assert!(matches!(run(zero).await, Err(LoadError::InvalidPlan { field: "concurrency", .. })));
        let mut no_rate = plan("http://127.0.0.1:1/x");
        no_rate.rate = Some(0);
        assert!(matches!(run(no_rate).await, Err(LoadError::InvalidPlan { field: "rate", .. })));

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let err = run(plan(&format!("http://127.0.0.1:{port}/pos/demo/webhook"))).await.unwrap_err();
        assert!(matches!(err, LoadError::Connect { .. }), "{err}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_generator_is_an_error() {
        let (url, _server) = serve(Behaviour::default()).await;
        let requests = Requests::generated(10, |i| if i == 3 { panic!("generator bug") } else { purchase(i) });
        let err = run(LoadPlan::new(url, secret(), requests)).await.unwrap_err();
        assert!(matches!(err, LoadError::Aborted(_)), "{err}");
    }

    #[test]
    fn duplicate_flag_is_read_without_parsing() {
        assert!(says_duplicate(br#"{"duplicate":true,"points":10}"#));
        assert!(says_duplicate(br#"{ "purchase": {}, "duplicate" :  true }"#));
        assert!(!says_duplicate(br#"{"duplicate":false}"#));
        assert!(!says_duplicate(br#"{"recorded":true}"#));
        assert!(!says_duplicate(b""));
    }
}
