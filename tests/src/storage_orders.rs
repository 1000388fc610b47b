//! Conformance checks of what the owner portal's orders and loyalty pages read.

use std::sync::Arc;

use chrono::{Duration, Utc};
use regulars_core::ErrorKind;
use regulars_core::analytics::{Balance, TierCount};
use regulars_core::ledger::{Actor, EntryKind, IdempotencyKey};
use regulars_core::page::PageRequest;
use regulars_core::pos::RefundLines;
use regulars_core::purchase::{PurchaseFilter, PurchaseRecord};
use regulars_core::rules::Reward;
use regulars_core::rules::codes::{RewardCode, RewardCodeStatus};
use regulars_core::store::Store;

use crate::fixtures::{TestChain, entry};

fn receipts(records: &[PurchaseRecord]) -> Vec<&str> {
    records.iter().map(|r| r.purchase.details.external_id.as_str()).collect()
}

/// The orders list: newest first a page at a time, narrowed by cafe, guest, source and
/// time, each sale with its refunds and the shifts open at its cafe when it was made.
pub async fn orders_list_with_refunds_and_shifts(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "orders").await;
    let other = TestChain::create(&*store, "orders-other").await;
    let ana = chain.guest(&*store, "o1").await;
    let bo = chain.guest(&*store, "o2").await;
    let barista = chain.barista(&*store, "Jelena").await;
    let before_shift = Utc::now() - Duration::seconds(1);
    let shift = store.open_shift(chain.id(), barista.id, chain.cafe.id).await.unwrap();
    for (guest, receipt) in [(&ana, "r-1"), (&bo, "r-2"), (&ana, "r-3")] {
        chain.sale(&*store, guest, receipt, 40_000).await;
    }
    store.close_shift(chain.id(), shift.id).await.unwrap();
    // Made (at the till) before the shift opened, reported now.
    let mut early = chain.ingest(&bo, "r-0", 10_000);
    early.purchase.occurred_at = before_shift - Duration::hours(2);
    store.ingest_purchase(chain.id(), early).await.unwrap();
    let theirs = other.guest(&*store, "o3").await;
    other.sale(&*store, &theirs, "x-1", 50_000).await;
    let refund = regulars_core::pos::ingest::RefundIngest {
        source: "test-pos".into(),
        delivery_id: "delivery-refund-r-3".into(),
        cafe_id: chain.cafe.id,
        refund: regulars_core::pos::PosRefund {
            receipt_id: "r-3".into(),
            refund_id: "back-1".into(),
            cafe_ref: "cafe".into(),
            lines: RefundLines::All,
            amount: Some(regulars_core::money::Money::new(15_000, regulars_core::money::Currency::new("RSD").unwrap())),
            occurred_at: Utc::now(),
        },
    };
    store.ingest_refund(chain.id(), refund).await.unwrap();

    let all = PurchaseFilter::default();
    let first = store.list_purchases(chain.id(), &all, PageRequest::first(2)).await.unwrap();
    assert_eq!(receipts(&first.items), ["r-3", "r-2"], "the latest sale first");
    let rest = store.list_purchases(chain.id(), &all, PageRequest { after: first.next, limit: 10 }).await.unwrap();
    assert_eq!(receipts(&rest.items), ["r-1", "r-0"], "a sale reported late takes its place in time");
    assert!(rest.next.is_none());

    let r3 = &first.items[0];
    assert_eq!(r3.refunds.len(), 1, "{r3:?}");
    assert_eq!((r3.refunds[0].refund_id.as_str(), r3.refunded_minor()), ("back-1", 15_000));
    assert_eq!(r3.purchase.details.items[0].name, "Cappuccino", "with line items");
    assert_eq!(r3.shifts.iter().map(|s| s.staff_id).collect::<Vec<_>>(), [barista.id], "on duty");
    assert!(rest.items[1].shifts.is_empty(), "nobody was on shift before it opened");
    assert!(rest.items[0].refunds.is_empty());

    let of_ana = PurchaseFilter { guest: Some(ana.id), ..PurchaseFilter::default() };
    let page = store.list_purchases(chain.id(), &of_ana, PageRequest::first(10)).await.unwrap();
    assert_eq!(receipts(&page.items), ["r-3", "r-1"]);
    let earlier = PurchaseFilter { until: Some(before_shift), ..PurchaseFilter::default() };
    let page = store.list_purchases(chain.id(), &earlier, PageRequest::first(10)).await.unwrap();
    assert_eq!(receipts(&page.items), ["r-0"], "by the time of the sale, not of the report");
    let later = PurchaseFilter { since: Some(before_shift), ..PurchaseFilter::default() };
    assert_eq!(store.list_purchases(chain.id(), &later, PageRequest::first(10)).await.unwrap().items.len(), 3);
    let elsewhere = PurchaseFilter { cafes: Some(vec![other.cafe.id]), ..PurchaseFilter::default() };
    assert!(store.list_purchases(chain.id(), &elsewhere, PageRequest::first(10)).await.unwrap().items.is_empty());
    let here = PurchaseFilter { cafes: Some(vec![chain.cafe.id]), ..PurchaseFilter::default() };
    assert_eq!(store.list_purchases(chain.id(), &here, PageRequest::first(10)).await.unwrap().items.len(), 4);
    let till = PurchaseFilter { source: Some("till".into()), ..PurchaseFilter::default() };
    assert!(store.list_purchases(chain.id(), &till, PageRequest::first(10)).await.unwrap().items.is_empty());
    let theirs = store.list_purchases(other.id(), &all, PageRequest::first(10)).await.unwrap();
    assert_eq!(receipts(&theirs.items), ["x-1"], "each chain sees its own");
    assert!(theirs.items[0].shifts.is_empty(), "and not another chain's shifts");
    let foreign =
        PageRequest { after: Some(regulars_core::page::Cursor::after(theirs.items[0].purchase.id.get())), limit: 10 };
    let err = store.list_purchases(chain.id(), &all, foreign).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "another chain's purchase is no cursor here");
}

/// The loyalty figures: balances in ranges, tiers, the largest balances, reward codes by
/// status, all of one chain's program.
pub async fn loyalty_figures_count_wallets(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "loyalty").await;
    let other = TestChain::create(&*store, "loyalty-other").await;
    let mut wallets = Vec::new();
    for (n, points) in [0_i64, 5, 10, 49, 50, 120].into_iter().enumerate() {
        let guest = chain.guest(&*store, &format!("l{n}")).await;
        let wallet = chain.points_wallet(&*store, &guest).await;
        if points > 0 {
            store.post_entry(chain.id(), entry(wallet.id, EntryKind::Earn, points, &format!("e{n}"))).await.unwrap();
        }
        wallets.push(wallet);
    }
    let program = chain.points.id;
    let histogram = store.balance_histogram(chain.id(), program, Balance::Points, &[0, 10, 50]).await.unwrap();
    assert_eq!(histogram, [2, 2, 2], "0..10, 10..50, 50 and more");
    let above = store.balance_histogram(chain.id(), program, Balance::Points, &[1, 100]).await.unwrap();
    assert_eq!(above, [4, 1], "wallets below the first floor count nowhere");
    let err = store.balance_histogram(chain.id(), program, Balance::Points, &[10, 10]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(store.balance_histogram(other.id(), program, Balance::Points, &[0]).await.unwrap(), [0]);
    assert_eq!(store.balance_histogram(chain.id(), program, Balance::Stamps, &[0, 1]).await.unwrap(), [6, 0]);

    store.set_wallet_tier(chain.id(), wallets[5].id, Some("Gold".into())).await.unwrap();
    store.set_wallet_tier(chain.id(), wallets[4].id, Some("Silver".into())).await.unwrap();
    store.set_wallet_tier(chain.id(), wallets[3].id, Some("Silver".into())).await.unwrap();
    let tiers = store.tier_counts(chain.id(), program).await.unwrap();
    let tier = |name: Option<&str>, wallets: u64| TierCount { tier: name.map(str::to_owned), wallets };
    assert_eq!(tiers, [tier(None, 3), tier(Some("Silver"), 2), tier(Some("Gold"), 1)]);
    assert!(store.tier_counts(other.id(), program).await.unwrap().is_empty());

    let top = store.wallets_by_balance(chain.id(), program, Balance::Points, 10, 0, 3).await.unwrap();
    let top: Vec<i64> = top.iter().map(|w| w.balances.points).collect();
    assert_eq!(top, [120, 50, 49]);
    let eligible = store.wallets_by_balance(chain.id(), program, Balance::Points, 50, 0, 100).await.unwrap();
    assert_eq!(eligible.iter().map(|w| w.id).collect::<Vec<_>>(), [wallets[5].id, wallets[4].id]);
    let second = store.wallets_by_balance(chain.id(), program, Balance::Points, 10, 1, 1).await.unwrap();
    assert_eq!(second.iter().map(|w| w.balances.points).collect::<Vec<_>>(), [50], "the next page");
    assert!(store.wallets_by_balance(other.id(), program, Balance::Points, 0, 0, 10).await.unwrap().is_empty());

    let reward: Reward =
        serde_json::from_value(serde_json::json!({ "key": "coffee", "name": "Free coffee", "cost": 50 })).unwrap();
    let issue = |code: &str, wallet: usize, key: &str| {
        RewardCode::issue(
            code.into(),
            wallets[wallet].id,
            &reward,
            (50, 0),
            IdempotencyKey::new(key).unwrap(),
            None,
            Utc::now(),
        )
    };
    let since = Utc::now() - Duration::minutes(1);
    let used = store.issue_reward_code(chain.id(), issue("LOYA0001", 5, "redeem-a")).await.unwrap();
    store.issue_reward_code(chain.id(), issue("LOYA0002", 4, "redeem-b")).await.unwrap();
    store.issue_reward_code(chain.id(), issue("LOYA0003", 5, "redeem-c")).await.unwrap();
    let applied = used.apply(chain.cafe.id, Actor::System("test".into()), Utc::now()).unwrap();
    store.update_reward_code(chain.id(), RewardCodeStatus::Issued, applied).await.unwrap();
    let counts = store.reward_code_counts(chain.id(), None, since).await.unwrap();
    let counts: Vec<(&str, RewardCodeStatus, u64)> =
        counts.iter().map(|c| (c.reward_name.as_str(), c.status, c.codes)).collect();
    assert_eq!(counts, [("Free coffee", RewardCodeStatus::Issued, 2), ("Free coffee", RewardCodeStatus::Used, 1)]);
    let at_cafe = store.reward_code_counts(chain.id(), Some(&[chain.cafe.id]), since).await.unwrap();
    assert_eq!(at_cafe.iter().map(|c| c.codes).sum::<u64>(), 1, "the one used there: {at_cafe:?}");
    let later = store.reward_code_counts(chain.id(), None, Utc::now() + Duration::minutes(1)).await.unwrap();
    assert!(later.is_empty(), "issued before the period");
    assert!(store.reward_code_counts(other.id(), None, since).await.unwrap().is_empty());
}
