//! The storage conformance check of the owner portal's roll-ups ([`AnalyticsRepo`]): after
//! random histories of sales (some without a guest, some recorded late), refunds and merges,
//! through the real POS and merge paths, every roll-up equals a recomputation from what
//! happened. Run through [`crate::storage_conformance!`] with the rest of the suite.
//!
//! [`AnalyticsRepo`]: regulars_core::store::AnalyticsRepo

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use regulars_core::analytics::{CohortCell, Counters, Scope, hour_of, month_of};
use regulars_core::chain::NewCafe;
use regulars_core::guest::Guest;
use regulars_core::ids::{CafeId, GuestId, WalletId};
use regulars_core::ledger::EntryKind;
use regulars_core::money::{Currency, Money};
use regulars_core::page::PageRequest;
use regulars_core::pos::ingest::RefundIngest;
use regulars_core::pos::{PosRefund, RefundLines};
use regulars_core::store::Store;

use crate::fixtures::TestChain;

/// Histories tried per backend, each in its own chain.
const HISTORIES: u64 = 6;

/// One thing that happened.
#[derive(Debug, Clone)]
enum Op {
    /// A sale of `total` at cafe `cafe` (0 or 1), `hours_ago`, for guest `guest` (or nobody).
    Sale { guest: Option<usize>, cafe: usize, hours_ago: i64, total: i64 },
    /// A refund of `amount` of the `sale`-th sale (modulo the sales so far).
    Refund { sale: usize, amount: i64 },
    /// Guest `absorb` merged into guest `keep`.
    Merge { keep: usize, absorb: usize },
}

fn history(rng: &mut StdRng, guests: usize) -> Vec<Op> {
    (0..rng.random_range(8..30))
        .map(|_| match rng.random_range(0..10) {
            0..=6 => Op::Sale {
                guest: (rng.random_range(0..6) > 0).then(|| rng.random_range(0..guests)),
                cafe: rng.random_range(0..2),
                // Up to about four months back, so cohorts span months; not in time order.
                hours_ago: rng.random_range(0..24 * 120),
                total: rng.random_range(1..80) * 1_000,
            },
            7 | 8 => Op::Refund { sale: rng.random_range(0..1000), amount: rng.random_range(1..40) * 1_000 },
            _ => Op::Merge { keep: rng.random_range(0..guests), absorb: rng.random_range(0..guests) },
        })
        .collect()
}

/// A sale as the model keeps it.
#[derive(Debug, Clone)]
struct Sale {
    receipt: String,
    guest: Option<usize>,
    cafe: usize,
    at: DateTime<Utc>,
    total: i64,
    refunded: i64,
}

/// Random histories of sales, refunds and merges leave every roll-up equal to a
/// recomputation from the sales, the guests and the ledger.
pub async fn rollups_match_a_recomputation(store: Arc<dyn Store>) {
    for seed in 0..HISTORIES {
        let mut rng = StdRng::seed_from_u64(seed);
        let chain = TestChain::create(&*store, &format!("rollups-{seed}")).await;
        let second = store
            .create_cafe(
                chain.id(),
                NewCafe {
                    name: "Second".into(),
                    address: chain.cafe.address.clone(),
                    location: chain.cafe.location,
                    timezone: chain.cafe.timezone,
                    currency: chain.cafe.currency,
                    opening_hours: chain.cafe.opening_hours.clone(),
                },
            )
            .await
            .expect("second cafe");
        let cafes = [chain.cafe.id, second.id];
        let mut guests: Vec<Guest> = Vec::new();
        for i in 0..4 {
            guests.push(chain.guest(&*store, &format!("r{seed}-{i}")).await);
        }
        let ops = history(&mut rng, guests.len());
        // Where each guest's sales now belong (merges move them), and who was merged away.
        let mut owner: Vec<usize> = (0..guests.len()).collect();
        let mut merged_away = HashSet::new();
        let mut sales: Vec<Sale> = Vec::new();
        let now = Utc::now();
        for (n, op) in ops.iter().enumerate() {
            if n == ops.len() / 2 {
                // Halfway, the deltas kept apart (PostgreSQL) are folded: reads do not change.
                store.compact_rollups().await.expect("compact");
            }
            match *op {
                Op::Sale { guest, cafe, hours_ago, total } => {
                    let guest = guest.map(|g| owner[g]);
                    let receipt = format!("S{seed}-{n}");
                    let at = now - Duration::hours(hours_ago);
                    let mut ingest = match guest {
                        Some(g) => chain.ingest(&guests[g], &receipt, total),
                        None => {
                            let mut ingest = chain.ingest(&guests[0], &receipt, total);
                            ingest.guest = regulars_core::pos::ingest::GuestMatch::None;
                            ingest.purchase.guest_id = None;
                            ingest
                        }
                    };
                    ingest.purchase.cafe_id = cafes[cafe];
                    ingest.purchase.occurred_at = at;
                    store.ingest_purchase(chain.id(), ingest).await.expect("sale");
                    sales.push(Sale { receipt, guest, cafe, at, total, refunded: 0 });
                }
                Op::Refund { sale, amount } if !sales.is_empty() => {
                    let i = sale % sales.len();
                    let given = amount.min(sales[i].total - sales[i].refunded);
                    if given == 0 {
                        continue;
                    }
                    let refund = RefundIngest {
                        source: "test-pos".into(),
                        delivery_id: format!("refund-{seed}-{n}"),
                        cafe_id: cafes[sales[i].cafe],
                        refund: PosRefund {
                            receipt_id: sales[i].receipt.clone(),
                            refund_id: format!("F{seed}-{n}"),
                            cafe_ref: "cafe".into(),
                            lines: RefundLines::All,
                            amount: Some(Money::new(given, Currency::new("RSD").expect("currency"))),
                            occurred_at: now,
                        },
                    };
                    store.ingest_refund(chain.id(), refund).await.expect("refund");
                    sales[i].refunded += given;
                }
                Op::Refund { .. } => {}
                Op::Merge { keep, absorb } => {
                    let (keep, absorb) = (owner[keep], owner[absorb]);
                    if keep == absorb {
                        continue;
                    }
                    store.merge_guests(chain.id(), guests[keep].id, guests[absorb].id).await.expect("merge");
                    merged_away.insert(absorb);
                    for o in &mut owner {
                        if *o == absorb {
                            *o = keep;
                        }
                    }
                    for s in &mut sales {
                        if s.guest == Some(absorb) {
                            s.guest = Some(keep);
                        }
                    }
                }
            }
        }
        let context = format!("history {seed}: {ops:?}");
        check_hours(&*store, &chain, &cafes, &sales, &guests, &merged_away, &context).await;
        check_guests(&*store, &chain, &cafes, &sales, &guests, &merged_away, &context).await;
        store.compact_rollups().await.expect("compact");
        let context = format!("{context}, folded");
        check_hours(&*store, &chain, &cafes, &sales, &guests, &merged_away, &context).await;
        check_guests(&*store, &chain, &cafes, &sales, &guests, &merged_away, &context).await;
    }
}

/// A guest's sales in a scope: orders, spend, first, last, and the months they bought in.
type Visits = (i64, i64, DateTime<Utc>, DateTime<Utc>, BTreeSet<i64>);

/// The hourly figures: sales per cafe and hour, joins, and the ledger's points.
async fn check_hours(
    store: &dyn Store,
    chain: &TestChain,
    cafes: &[CafeId; 2],
    sales: &[Sale],
    guests: &[Guest],
    merged_away: &HashSet<usize>,
    context: &str,
) {
    let mut expected: BTreeMap<(Option<CafeId>, i64), Counters> = BTreeMap::new();
    for s in sales {
        let c = expected.entry((Some(cafes[s.cafe]), hour_of(s.at))).or_default();
        c.orders += 1;
        c.revenue_minor += s.total;
        c.refunded_minor += s.refunded;
    }
    for (i, g) in guests.iter().enumerate() {
        if !merged_away.contains(&i) {
            expected.entry((None, hour_of(g.created_at))).or_default().new_guests += 1;
        }
    }
    let rows = store.hourly_stats(chain.id(), None, i64::MIN / 2, i64::MAX / 2).await.expect("hourly stats");
    let mut ledger = Counters::default();
    let mut actual: BTreeMap<(Option<CafeId>, i64), Counters> = BTreeMap::new();
    for row in &rows {
        ledger.points_earned += row.counters.points_earned;
        ledger.stamps_earned += row.counters.stamps_earned;
        ledger.points_redeemed += row.counters.points_redeemed;
        ledger.rewards_redeemed += row.counters.rewards_redeemed;
        let sales_only = Counters {
            orders: row.counters.orders,
            revenue_minor: row.counters.revenue_minor,
            refunded_minor: row.counters.refunded_minor,
            new_guests: row.counters.new_guests,
            ..Counters::default()
        };
        if sales_only != Counters::default() {
            actual.insert((row.cafe, row.hour), sales_only);
        }
    }
    assert_eq!(actual, expected, "sales and joins per cafe and hour; {context}");

    let mut recomputed = Counters::default();
    let mut seen: BTreeSet<WalletId> = BTreeSet::new();
    for g in guests {
        for wallet in store.wallets_of_guest(chain.id(), g.id).await.expect("wallets") {
            if !seen.insert(wallet.id) {
                continue;
            }
            let entries = store.ledger_entries(chain.id(), wallet.id, PageRequest::first(1000)).await.expect("ledger");
            for e in entries.items {
                match e.kind {
                    EntryKind::Earn | EntryKind::Bonus | EntryKind::Refund => {
                        recomputed.points_earned += e.points;
                        recomputed.stamps_earned += e.stamps;
                    }
                    EntryKind::Redeem => {
                        recomputed.points_redeemed -= e.points;
                        recomputed.rewards_redeemed += 1;
                    }
                    EntryKind::Expire | EntryKind::Adjust => {}
                }
            }
        }
    }
    assert_eq!(ledger, recomputed, "points, stamps and rewards from the ledger; {context}");
}

/// Each guest's visits, the visitors and repeat visitors, and the retention grid, per scope.
async fn check_guests(
    store: &dyn Store,
    chain: &TestChain,
    cafes: &[CafeId; 2],
    sales: &[Sale],
    guests: &[Guest],
    merged_away: &HashSet<usize>,
    context: &str,
) {
    let scopes = [Scope::Chain, Scope::Cafe(cafes[0]), Scope::Cafe(cafes[1])];
    for scope in scopes {
        let in_scope = |s: &&Sale| match scope {
            Scope::Chain => true,
            Scope::Cafe(c) => cafes[s.cafe] == c,
        };
        let mut visits: BTreeMap<usize, Visits> = BTreeMap::new();
        for s in sales.iter().filter(in_scope) {
            let Some(g) = s.guest else { continue };
            let v = visits.entry(g).or_insert((0, 0, s.at, s.at, BTreeSet::new()));
            v.0 += 1;
            v.1 += s.total - s.refunded;
            v.2 = v.2.min(s.at);
            v.3 = v.3.max(s.at);
            v.4.insert(month_of(s.at));
        }
        let ids: Vec<GuestId> = guests.iter().map(|g| g.id).collect();
        let mut actual: Vec<_> = store
            .guest_visits(chain.id(), scope, &ids)
            .await
            .expect("guest visits")
            .into_iter()
            .map(|v| (v.guest, v.orders, v.spend_minor, v.first_at.timestamp_millis(), v.last_at.timestamp_millis()))
            .collect();
        actual.sort_unstable();
        let mut expected: Vec<_> = visits
            .iter()
            .map(|(g, v)| (guests[*g].id, v.0, v.1, v.2.timestamp_millis(), v.3.timestamp_millis()))
            .collect();
        expected.sort_unstable();
        assert_eq!(actual, expected, "visits in {scope:?}; {context}");

        let totals = store.scope_totals(chain.id(), scope).await.expect("totals");
        let visitors = i64::try_from(visits.len()).unwrap_or(0);
        let repeat = i64::try_from(visits.values().filter(|v| v.0 >= 2).count()).unwrap_or(0);
        let orders: i64 = visits.values().map(|v| v.0).sum();
        assert_eq!(
            (totals.visitors, totals.repeat_visitors, totals.visits),
            (visitors, repeat, orders),
            "visitors in {scope:?}; {context}"
        );
        if scope == Scope::Chain {
            let members = i64::try_from(guests.len() - merged_away.len()).unwrap_or(0);
            assert_eq!(totals.guests, members, "guests not merged away; {context}");
        }

        let mut grid: BTreeMap<(i64, i64), i64> = BTreeMap::new();
        for v in visits.values() {
            let cohort = month_of(v.2);
            for month in &v.4 {
                *grid.entry((cohort, *month)).or_insert(0) += 1;
            }
        }
        let cells = store.cohort_cells(chain.id(), scope, i64::MIN / 2).await.expect("cohorts");
        let actual: BTreeMap<(i64, i64), i64> =
            cells.iter().map(|c: &CohortCell| ((c.cohort, c.month), c.guests)).collect();
        assert_eq!(actual, grid, "cohorts in {scope:?}; {context}");

        // The sorted list holds the same guests, largest spend first.
        let top = store
            .top_guests(chain.id(), scope, regulars_core::analytics::VisitOrder::Spend, 0, 100)
            .await
            .expect("top guests");
        assert_eq!(top.len(), visits.len(), "{context}");
        assert!(top.windows(2).all(|w| w[0].spend_minor >= w[1].spend_minor), "{context}");
    }
}
