//! The demo chain: what a newcomer sees on first start, and what the README tour walks through.
//!
//! Two cafes in Belgrade with opening hours and coordinates, a chain-wide points program with
//! Classic / Silver / Gold tiers, a per-cafe 7-stamp coffee card, and 50 guests with a few
//! months of purchase history. The data is generated from a fixed seed, so every demo
//! database looks the same.

use std::sync::Arc;

use chrono::{Duration, NaiveTime, Utc, Weekday};
use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use regulars_core::chain::{Chain, GeoPoint, NewCafe, NewChain, OpeningHours, OpeningInterval};
use regulars_core::guest::{ChannelIdentity, Consent, NewGuest};
use regulars_core::money::{Currency, Money};
use regulars_core::pos::ingest::PurchaseIngest;
use regulars_core::program::NewProgram;
use regulars_core::purchase::{LineItem, NewPurchase};
use regulars_core::store::Store;
use regulars_core::{ErrorKind, Result};

/// The demo chain's slug.
pub const DEMO_SLUG: &str = "demo";

/// The POS source name the demo's purchase history is recorded under.
const DEMO_SOURCE: &str = "demo-pos";

const GUESTS: usize = 50;

/// (sku, name, category, price in para)
const MENU: [(&str, &str, &str, i64); 6] = [
    ("ESP", "Espresso", "coffee", 22_000),
    ("CAP", "Cappuccino", "coffee", 29_000),
    ("FLW", "Flat white", "coffee", 32_000),
    ("CRO", "Croissant", "pastry", 25_000),
    ("CHC", "Cheesecake", "pastry", 39_000),
    ("LEM", "Lemonade", "drinks", 27_000),
];

const NAMES: [(&str, &str); 10] = [
    ("Milica", "sr"),
    ("Nikola", "sr"),
    ("Ana", "en"),
    ("Ivan", "ru"),
    ("Olga", "ru"),
    ("Noa", "he"),
    ("Yael", "he"),
    ("Marko", "sr"),
    ("Sara", "en"),
    ("Dmitry", "ru"),
];

/// The chain-wide points program, written as an owner would write it in the config file.
const DEMO_POINTS: &str = r#"
name = "Demo Points"
kind = { type = "points" }
scope = "chain"

[rules]
earn = { points = 1, per_minor = 1000 }   # one point per 10 RSD, rounded down per purchase
tiers = [
    { name = "Classic", threshold = 0 },
    { name = "Silver", threshold = 500, multiplier_percent = 110 },
    { name = "Gold", threshold = 1500, multiplier_percent = 125 },
]
rewards = [
    { key = "free-coffee", name = "Free coffee", cost = 300, value_minor = 29000 },
    { key = "croissant", name = "Croissant", cost = 250, value_minor = 25000 },
    { key = "breakfast", name = "Breakfast for two", cost = 1000, tiers = ["Gold"] },
]
"#;

/// The per-cafe coffee card: every 7th coffee free.
const DEMO_STAMPS: &str = r#"
name = "Coffee card"
kind = { type = "stamps", card_size = 7 }
scope = "cafe"

[rules]
items = [{ category = "coffee", per_unit = 1 }]
rewards = [{ key = "seventh-coffee", name = "7th coffee free", cost = 7, auto_issue = true }]
"#;

/// The demo POS source's cafe references: `dorcol` and `vracar`, the demo's two cafes in the
/// order [`seed`] creates them.
///
/// # Errors
/// Storage errors; [`ErrorKind::NotFound`] when the chain does not have the demo's cafes.
pub async fn pos_cafe_refs(
    store: &dyn Store,
    chain: regulars_core::ids::ChainId,
) -> Result<std::collections::HashMap<String, regulars_core::ids::CafeId>> {
    let cafes = store.list_cafes(chain).await?;
    let [dorcol, vracar, ..] = cafes.as_slice() else {
        return Err(regulars_core::Error::not_found("demo cafe", "dorcol"));
    };
    Ok([("dorcol".to_owned(), dorcol.id), ("vracar".to_owned(), vracar.id)].into())
}

fn program_from_toml(text: &str) -> Result<NewProgram> {
    toml::from_str(text).map_err(|e| regulars_core::Error::internal(format!("demo program: {e}")))
}

/// What [`seed`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seeded {
    /// The demo chain was created with this many guests and purchases.
    Created {
        /// Guests created.
        guests: usize,
        /// Purchases recorded.
        purchases: usize,
    },
    /// A chain with the demo slug already exists; nothing was written.
    AlreadyPresent,
}

/// Seeds the demo chain unless it exists.
///
/// # Errors
/// Whatever the store reports.
pub async fn seed(store: Arc<dyn Store>) -> Result<Seeded> {
    match store.chain_by_slug(DEMO_SLUG).await {
        Ok(_) => return Ok(Seeded::AlreadyPresent),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let chain = match store
        .create_chain(NewChain { slug: DEMO_SLUG.into(), name: "Demo Coffee".into(), default_language: "sr".into() })
        .await
    {
        Ok(chain) => chain,
        // Another process seeded it between our check and our insert.
        Err(e) if e.kind() == ErrorKind::Conflict => return Ok(Seeded::AlreadyPresent),
        Err(e) => return Err(e),
    };
    let world = create_world(&*store, &chain).await?;
    crate::demo_accounts::seed(&*store, &chain, &world.cafes).await?;
    let purchases: Vec<usize> = futures::stream::iter(0..GUESTS)
        .map(|n| {
            let store = store.clone();
            let world = world.clone();
            async move { seed_guest(&*store, &world, n).await }
        })
        .buffer_unordered(16)
        .collect::<Vec<Result<usize>>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    let purchases = purchases.into_iter().sum();
    tracing::info!(chain = %chain.slug, guests = GUESTS, purchases, "seeded the demo chain");
    Ok(Seeded::Created { guests: GUESTS, purchases })
}

#[derive(Clone)]
struct World {
    chain: Chain,
    cafes: Vec<regulars_core::ids::CafeId>,
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

async fn create_world(store: &dyn Store, chain: &Chain) -> Result<World> {
    let rsd = Currency::new("RSD")?;
    let belgrade = chrono_tz::Europe::Belgrade;
    let weekdays = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
    let mut dorcol_hours: Vec<OpeningInterval> =
        weekdays.iter().map(|&day| OpeningInterval { day, opens: time(7, 30), closes: time(21, 0) }).collect();
    dorcol_hours.extend([Weekday::Sat, Weekday::Sun].map(|day| OpeningInterval {
        day,
        opens: time(9, 0),
        closes: time(22, 0),
    }));
    let dorcol = store
        .create_cafe(
            chain.id,
            NewCafe {
                name: "Demo Coffee Dorćol".into(),
                address: "Cara Dušana 48, Beograd".into(),
                location: GeoPoint { lat: 44.8236, lon: 20.4663 },
                timezone: belgrade,
                currency: rsd,
                opening_hours: OpeningHours(dorcol_hours),
            },
        )
        .await?;
    let vracar = store
        .create_cafe(
            chain.id,
            NewCafe {
                name: "Demo Coffee Vračar".into(),
                address: "Njegoševa 12, Beograd".into(),
                location: GeoPoint { lat: 44.8005, lon: 20.4765 },
                timezone: belgrade,
                currency: rsd,
                opening_hours: OpeningHours::daily(time(8, 0), time(20, 0)),
            },
        )
        .await?;
    store.create_program(chain.id, program_from_toml(DEMO_POINTS)?).await?;
    store.create_program(chain.id, program_from_toml(DEMO_STAMPS)?).await?;
    Ok(World { chain: chain.clone(), cafes: vec![dorcol.id, vracar.id] })
}

/// Creates guest `n` and replays their purchase history; returns how many purchases.
async fn seed_guest(store: &dyn Store, world: &World, n: usize) -> Result<usize> {
    // One generator per guest, seeded by their number: deterministic however the tasks interleave.
    let mut rng = StdRng::seed_from_u64(0x5EED_0000 + n as u64);
    let (name, language) = NAMES[n % NAMES.len()];
    let chain = world.chain.id;
    let guest = store
        .create_guest(
            chain,
            NewGuest {
                display_name: Some(format!("{name} {}", n / NAMES.len() + 1)),
                phone: n.is_multiple_of(3).then(|| format!("+38160{:07}", 1_000_000 + n)),
                phone_verified: n.is_multiple_of(3),
                language: Some(language.into()),
                birthday: None,
                consent: Consent { marketing: !n.is_multiple_of(4) },
                identity: Some(ChannelIdentity::new("telegram", (100_000 + n).to_string())?),
                ..NewGuest::default()
            },
        )
        .await?;
    // A few regulars visit a lot; most come now and then.
    let visits = if n.is_multiple_of(10) { rng.random_range(25..40) } else { rng.random_range(1..14) };
    let now = Utc::now();
    // Visits in time order over the last 90 days: the engine reads history as it happened.
    let mut minutes_ago: Vec<i64> = (0..visits).map(|_| rng.random_range(60..90 * 24 * 60)).collect();
    minutes_ago.sort_unstable_by(|a, b| b.cmp(a));
    for (visit, ago) in minutes_ago.into_iter().enumerate() {
        let cafe = world.cafes[rng.random_range(0..world.cafes.len())];
        let items: Vec<LineItem> = (0..rng.random_range(1..4))
            .map(|_| {
                let (sku, item, category, price) = MENU[rng.random_range(0..MENU.len())];
                LineItem {
                    sku: sku.into(),
                    name: item.into(),
                    category: Some(category.into()),
                    quantity: 1,
                    unit_price_minor: price,
                }
            })
            .collect();
        let total: i64 = items.iter().map(LineItem::total_minor).sum();
        let occurred_at = now - Duration::minutes(ago);
        let purchase = NewPurchase {
            cafe_id: cafe,
            source: DEMO_SOURCE.into(),
            external_id: format!("D-{n:03}-{visit:03}"),
            guest_id: Some(guest.id),
            total: Money::new(total, Currency::new("RSD")?),
            items,
            occurred_at,
        };
        // The one purchase workflow, as a POS delivery would run it, except that history being
        // seeded tells the guest nothing (a fresh demo would otherwise queue some 2,000
        // "you earned" messages for sales months old).
        let ingest = PurchaseIngest::history(purchase, guest.public_id.to_string());
        store.ingest_purchase(chain, ingest).await?;
    }
    Ok(visits)
}
