//! `regulars-bench portal --store sqlite|postgres --guests N --purchases N` loads a chain of
//! that size (guests, wallets and sales inserted in bulk, each sale through the roll-up
//! triggers, as the POS path writes them), then times the portal's pages through the real
//! router as a signed-in owner and prints p50 and p95 of each page's server time: the
//! dashboard, guest list and searches, analytics, orders and loyalty.

use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{NaiveTime, Utc};
use hdrhistogram::Histogram;
use http_body_util::BodyExt as _;
use regulars_core::auth::Secret;
use regulars_core::chain::{GeoPoint, NewCafe, NewChain, OpeningHours};
use regulars_core::money::Currency;
use regulars_core::program::{NewProgram, ProgramKind, ProgramScope};
use regulars_core::staff::{NewStaff, Role};
use regulars_core::store::Store;
use tower::ServiceExt as _;

use crate::store::{BenchStore, open_bench_db};

/// Settings of `regulars-bench portal`.
#[derive(Debug, Clone, clap::Args)]
pub struct PortalBench {
    /// Backend to measure.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub store: BenchStore,
    /// Guests of the chain.
    #[arg(long, default_value_t = 100_000)]
    pub guests: i64,
    /// Sales, spread over the guests (a sixth without a guest), the cafes and a year.
    #[arg(long, default_value_t = 1_000_000)]
    pub purchases: i64,
    /// Cafes of the chain.
    #[arg(long, default_value_t = 10)]
    pub cafes: i64,
    /// Requests timed per page.
    #[arg(long, default_value_t = 30)]
    pub samples: usize,
    /// Database URL (defaults per backend, see `--store`).
    #[arg(long)]
    pub url: Option<String>,
}

/// Rows per bulk statement.
const CHUNK: i64 = 50_000;

/// The SQL that differs between the backends.
struct Dialect {
    postgres: bool,
}

impl Dialect {
    /// `FROM` a series `from..=to` named `n(i)`, and a `WITH` clause SQLite needs before it.
    fn series(&self, from: i64, to: i64) -> (String, String) {
        if self.postgres {
            (String::new(), format!("FROM generate_series({from}::bigint, {to}::bigint) AS n(i)"))
        } else {
            (
                format!("WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {to}) "),
                "FROM n".to_owned(),
            )
        }
    }

    /// `i` padded with zeros to `width` digits, after `prefix`.
    fn padded(&self, prefix: &str, width: usize) -> String {
        if self.postgres {
            format!("'{prefix}' || lpad(i::text, {width}, '0')")
        } else {
            format!("'{prefix}' || substr('{}' || i, -{width}, {width})", "0".repeat(width))
        }
    }
}

/// Runs the portal benchmark and prints its figures.
///
/// # Errors
/// When the store cannot be opened, a load fails or a page does not answer 200.
#[expect(clippy::print_stdout, reason = "the figures are the command's output")]
pub async fn portal(args: PortalBench) -> anyhow::Result<()> {
    let (db, _url, _dir) = open_bench_db(args.store, args.url.as_deref(), 8).await?;
    let db = std::sync::Arc::new(db);
    let store: std::sync::Arc<dyn Store> = db.clone();
    let dialect = Dialect { postgres: args.store == BenchStore::Postgres };
    let run = Utc::now().timestamp_millis();
    let chain = store
        .create_chain(NewChain {
            slug: format!("portal-{run}"),
            name: "Portal bench".into(),
            default_language: "en".into(),
        })
        .await?;
    let mut cafes = Vec::new();
    for n in 0..args.cafes {
        let cafe = store
            .create_cafe(
                chain.id,
                NewCafe {
                    name: format!("Cafe {n}"),
                    address: "Knez Mihailova 1".into(),
                    location: GeoPoint { lat: 44.8, lon: 20.4 },
                    timezone: chrono_tz::Europe::Belgrade,
                    currency: Currency::new("RSD")?,
                    opening_hours: OpeningHours::daily(
                        NaiveTime::from_hms_opt(7, 0, 0).context("time")?,
                        NaiveTime::from_hms_opt(22, 0, 0).context("time")?,
                    ),
                },
            )
            .await?;
        cafes.push(cafe.id.get());
    }
    let program = store
        .create_program(
            chain.id,
            NewProgram {
                name: "Points".into(),
                kind: ProgramKind::Points,
                scope: ProgramScope::Chain,
                rules: serde_json::from_str(
                    r#"{ "earn": { "points": 1, "per_minor": 10000 }, "rewards": [{ "key": "coffee", "name": "Coffee", "cost": 300 }] }"#,
                )?,
            },
        )
        .await?;
    let (c, first_cafe, n_cafes) = (chain.id.get(), cafes[0], args.cafes);
    let now = run;
    let year = 365 * 24 * 3_600_000_i64;
    let started = Instant::now();

    eprintln!("loading {} guests...", args.guests);
    for from in (1..=args.guests).step_by(usize::try_from(CHUNK)?) {
        let to = (from + CHUNK - 1).min(args.guests);
        let (with, series) = dialect.series(from, to);
        let sql = format!(
            "{with}INSERT INTO guests (chain_id, public_id, display_name, phone, phone_verified, language, referral_code, \
             marketing_consent, created_at, home_cafe_id, name_key) \
             SELECT {c}, {public}, 'Guest ' || i, {phone}, (1 = 0), 'en', {referral}, (1 = 0), \
             {now} - (i * 2654435761) % {year}, {first_cafe} + (i * 40503) % {n_cafes}, 'guest ' || i {series}",
            public = dialect.padded(&format!("B{}", run % 10), 10),
            phone = dialect.padded("+3816", 8),
            referral = dialect.padded("R", 11),
        );
        db.execute_sql(sql).await?;
    }
    let first_guest = first_guest_id(&*store, chain.id).await?;
    eprintln!("loading wallets...");
    for from in (0..args.guests).step_by(usize::try_from(CHUNK)?) {
        let to = (from + CHUNK - 1).min(args.guests - 1);
        let (with, series) = dialect.series(from, to);
        let sql = format!(
            "{with}INSERT INTO wallets (chain_id, guest_id, program_id, cafe_id, scope_key, points, stamps, lifetime_points, \
             tier, updated_at) SELECT {c}, {first_guest} + i, {p}, NULL, 0, (i * 7919) % 600, 0, (i * 7919) % 2000, NULL, {now} \
             {series}",
            p = program.id.get(),
        );
        db.execute_sql(sql).await?;
    }
    eprintln!("loading {} purchases...", args.purchases);
    let mut loaded = 0;
    for from in (1..=args.purchases).step_by(usize::try_from(CHUNK)?) {
        let to = (from + CHUNK - 1).min(args.purchases);
        let (with, series) = dialect.series(from, to);
        // A sixth of the sales name no guest; the rest fall on guests unevenly (regulars
        // and occasional guests), across the cafes and the last year, during opening hours.
        let sql = format!(
            "{with}INSERT INTO purchases (chain_id, cafe_id, source, external_id, guest_id, total_minor, currency, items, \
             occurred_at, recorded_at) SELECT {c}, {first_cafe} + (i * 2246822519) % {n_cafes}, 'bench', {receipt}, \
             CASE WHEN i % 6 = 0 THEN NULL ELSE {first_guest} + ((i * 2654435761) % {g}) * ((i * 40503) % {g}) / {g} END, \
             20000 + (i * 97) % 80000, 'RSD', '[]', \
             {now} - ((i * 3266489917) % 365) * 86400000 - (7 + (i * 131) % 14) * 3600000, {now} {series}",
            receipt = dialect.padded("P", 11),
            g = args.guests,
        );
        loaded += db.execute_sql(sql).await?;
        eprintln!("  {loaded} sales ({:.0} s)", started.elapsed().as_secs_f64());
    }
    store.compact_rollups().await?;
    db.analyze_stale_tables().await?;
    let load_seconds = started.elapsed().as_secs_f64();

    let app = regulars_server::app::router(regulars_server::app::AppState::new(store.clone())?);
    let password = Secret::new("bench-owner-password");
    let hash = regulars_server::api::session::hash_new_password("password", password).await?;
    let login = format!("bench-owner-{run}");
    store.create_account(&login, hash).await?;
    store
        .create_staff(
            chain.id,
            NewStaff {
                name: "Owner".into(),
                role: Role::Owner,
                cafes: vec![],
                identity: None,
                login: Some(login.clone()),
            },
        )
        .await?;
    let cookie = sign_in(&app, &login).await?;
    let pages = [
        ("dashboard, all cafes", "/portal/".to_owned()),
        ("dashboard, one cafe", format!("/portal/?cafe={first_cafe}")),
        ("guests by spend", "/portal/guests?sort=spend".to_owned()),
        ("guest search, phone", "/portal/guests?q=%2B381600012345".to_owned()),
        ("guest search, card", format!("/portal/guests?q=B{}{:010}", run % 10, 12_345)),
        ("guest search, name", "/portal/guests?q=guest+12345".to_owned()),
        ("analytics (cohort grid)", "/portal/analytics".to_owned()),
        ("orders, all cafes", "/portal/orders".to_owned()),
        ("orders, one cafe", format!("/portal/orders?cafe={first_cafe}")),
        (
            "orders, a month ago",
            format!("/portal/orders?until={}", (Utc::now() - chrono::Duration::days(30)).date_naive()),
        ),
        ("loyalty", "/portal/loyalty".to_owned()),
    ];
    println!(
        "portal on {} with {} guests, {} sales, {} cafes (loaded in {load_seconds:.0} s); server time per page, {} samples:",
        store.backend_name(),
        args.guests,
        loaded,
        args.cafes,
        args.samples
    );
    for (name, path) in pages {
        let mut histogram = Histogram::<u64>::new(3)?;
        for _ in 0..args.samples {
            let request = Request::get(&path).header(header::COOKIE, &cookie).body(Body::empty())?;
            let at = Instant::now();
            let response = app.clone().oneshot(request).await?;
            let status = response.status();
            response.into_body().collect().await?;
            let took = at.elapsed();
            anyhow::ensure!(status == StatusCode::OK, "{path} answered {status}");
            histogram.record(u64::try_from(took.as_micros()).unwrap_or(u64::MAX))?;
        }
        let ms = |q: f64| Duration::from_micros(histogram.value_at_quantile(q)).as_secs_f64() * 1000.0;
        println!("  {name:<26} p50 {:>8.1} ms   p95 {:>8.1} ms", ms(0.5), ms(0.95));
    }
    Ok(())
}

async fn first_guest_id(store: &dyn Store, chain: regulars_core::ids::ChainId) -> anyhow::Result<i64> {
    let page = store.list_guests(chain, regulars_core::page::PageRequest::first(1)).await?;
    Ok(page.items.first().context("no guest was loaded")?.id.get())
}

async fn sign_in(app: &axum::Router, login: &str) -> anyhow::Result<String> {
    let body = format!("login={login}&password=bench-owner-password&next=/portal/");
    let request = Request::post("/portal/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))?;
    let response = app.clone().oneshot(request).await?;
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("the sign-in set no cookie")?
        .to_owned();
    Ok(cookie)
}
