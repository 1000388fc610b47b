//! Identity at the till, hot paths without storage.
//!
//! - `typed_code`: resolve six typed digits at a chain of 1,000,000 guests of whom 2,000 are
//!   presenting (target p99 < 1 ms). Only presenting guests are in the index by design, so the
//!   other 998,000 cost nothing; they exist here to pick the 2,000 from a realistic id space.
//! - `scan`: verify a scanned card QR: parse the payload, open the sealed secret, check the
//!   code (target p99 < 100 us).
//!
//! Criterion reports means; the p50/p99/p99.9 lines come from an HDR histogram over many
//! single calls and are printed to stderr. `cargo bench -p regulars-core --bench identity`
//! runs in about a minute once built; `-- --quick` for less.
//!
//! Measured on the 2-core development machine (shared with other builds), 2026-11-22:
//!
//! | path | p50 | p99 | p99.9 | criterion mean |
//! | --- | --- | --- | --- | --- |
//! | typed code, hit, 2,000 presenting of 1,000,000 | 0.22 us | 0.76 us | 1.2 us | 0.17-0.26 us |
//! | typed code, random digits | 0.33-0.43 us | 0.87-0.95 us | 1.3-1.6 us | 0.37-0.52 us |
//! | scan verify, valid code | 2.3-2.5 us | 3.2-3.3 us | 22-34 us | 2.4-3.8 us |
//! | scan verify, wrong code (13 HMACs) | 4.7-5.4 us | 5.5-6.7 us | 39-74 us | 4.9-7.9 us |
//!
//! Building the index for 2,000 presences (what a freshly started process does on its first
//! sync) took 46 ms, about 23 us per presence.

use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use hdrhistogram::Histogram;
use rand::Rng as _;
use rand::seq::index::sample;
use regulars_core::guest::GuestPublicId;
use regulars_core::identity::card_code::CardPayload;
use regulars_core::identity::presence::{DEFAULT_PRESENCE, PresenceIndex};
use regulars_core::identity::secret::{EncryptedSecret, KeyId, SecretKey, SecretKeyring, TotpSecret};
use regulars_core::identity::totp::{CodeCheck, GuestTotp, TillCode, TimeStep};
use regulars_core::ids::{ChainId, GuestId};

const GUESTS: usize = 1_000_000;
const PRESENTING: usize = 2_000;
const CHAIN: ChainId = ChainId(1);

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_010, 0).single().unwrap_or_else(Utc::now)
}

struct TypedScene {
    index: PresenceIndex,
    /// Current codes of the presenting guests: typed codes that hit.
    hits: Vec<TillCode>,
}

fn typed_scene() -> TypedScene {
    let started = Instant::now();
    let mut rng = rand::rng();
    let index = PresenceIndex::new();
    let now = now();
    let mut hits = Vec::with_capacity(PRESENTING);
    for i in sample(&mut rng, GUESTS, PRESENTING) {
        let totp = GuestTotp::new(&TotpSecret::generate());
        // Presence windows at various ages, as at a real chain over five minutes.
        let opened = now - Duration::seconds(rng.random_range(0..240));
        index.upsert(CHAIN, GuestId(i64::try_from(i).unwrap_or(1) + 1), &totp, opened + DEFAULT_PRESENCE, opened);
        hits.push(totp.code_at(TimeStep::at(now)));
    }
    eprintln!(
        "setup: {PRESENTING} of {GUESTS} guests presenting, index built in {:.1} ms ({} in index)",
        started.elapsed().as_secs_f64() * 1e3,
        index.len(CHAIN)
    );
    TypedScene { index, hits }
}

struct ScanScene {
    keyring: SecretKeyring,
    sealed: EncryptedSecret,
    good: String,
    wrong: String,
}

fn scan_scene() -> ScanScene {
    let keyring = SecretKeyring::new(
        KeyId::new("k1").unwrap_or_else(|_| unreachable!()),
        [(KeyId::new("k1").unwrap_or_else(|_| unreachable!()), SecretKey::generate())],
    )
    .unwrap_or_else(|_| unreachable!());
    let secret = TotpSecret::generate();
    let code = GuestTotp::new(&secret).code_at(TimeStep::at(now()));
    let sealed = keyring.seal(CHAIN, GuestId(42), &secret).unwrap_or_else(|_| unreachable!());
    let id = GuestPublicId::random();
    let good = CardPayload::new(id.clone(), code).to_string();
    let wrong_code = TillCode::from_u32((code.value() + 500_000) % 1_000_000).unwrap_or(code);
    let wrong = CardPayload::new(id, wrong_code).to_string();
    ScanScene { keyring, sealed, good, wrong }
}

/// The CPU work of `TillIdentity::resolve_scan` between the storage calls.
fn verify_scan(scene: &ScanScene, scanned: &str, now: DateTime<Utc>) -> CodeCheck {
    let Ok(payload) = CardPayload::parse(scanned) else { return CodeCheck::Wrong };
    let Ok(secret) = scene.keyring.open(CHAIN, GuestId(42), &scene.sealed) else { return CodeCheck::Wrong };
    GuestTotp::new(&secret).verify(payload.code(), now)
}

fn percentiles(name: &str, runs: usize, mut call: impl FnMut(usize)) {
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap_or_else(|_| unreachable!());
    for i in 0..runs {
        let start = Instant::now();
        call(i);
        let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        hist.saturating_record(nanos.max(1));
    }
    eprintln!(
        "{name}: n={runs} p50={:.2}us p99={:.2}us p99.9={:.2}us max={:.2}us",
        hist.value_at_quantile(0.5) as f64 / 1e3,
        hist.value_at_quantile(0.99) as f64 / 1e3,
        hist.value_at_quantile(0.999) as f64 / 1e3,
        hist.max() as f64 / 1e3,
    );
}

fn bench(c: &mut Criterion) {
    let typed = typed_scene();
    let scan = scan_scene();
    let now = now();
    let mut rng = rand::rng();
    let randoms: Vec<TillCode> =
        (0..4_096).map(|_| TillCode::from_u32(rng.random_range(0..1_000_000)).unwrap_or(typed.hits[0])).collect();

    percentiles("typed_code (hit)", 200_000, |i| {
        black_box(typed.index.find(CHAIN, typed.hits[i % typed.hits.len()], now));
    });
    percentiles("typed_code (random code)", 200_000, |i| {
        black_box(typed.index.find(CHAIN, randoms[i % randoms.len()], now));
    });
    percentiles("scan verify (valid)", 50_000, |_| {
        black_box(verify_scan(&scan, &scan.good, now));
    });
    percentiles("scan verify (wrong code, worst case)", 50_000, |_| {
        black_box(verify_scan(&scan, &scan.wrong, now));
    });

    let mut group = c.benchmark_group("identity");
    group.warm_up_time(StdDuration::from_millis(500)).measurement_time(StdDuration::from_secs(3));
    let mut i = 0usize;
    group.bench_function("typed_code_hit_2000_of_1M", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            typed.index.find(CHAIN, black_box(typed.hits[i % typed.hits.len()]), now)
        });
    });
    group.bench_function("typed_code_random_2000_of_1M", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            typed.index.find(CHAIN, black_box(randoms[i % randoms.len()]), now)
        });
    });
    group.bench_function("scan_verify_valid", |b| b.iter(|| verify_scan(&scan, black_box(&scan.good), now)));
    group.bench_function("scan_verify_wrong", |b| b.iter(|| verify_scan(&scan, black_box(&scan.wrong), now)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
