//! POS batches checked against the one-by-one path: the same sales, delivered the same way to
//! a store that batches them and to one that applies each alone
//! ([`DbStore::with_pos_batches`](regulars_storage::DbStore::with_pos_batches)), must leave
//! the same answers, balances, tiers and ledgers.

use std::collections::BTreeMap;
use std::sync::Arc;

use regulars_core::guest::Guest;
use regulars_core::ids::ChainId;
use regulars_core::page::PageRequest;
use regulars_core::pos::ingest::{GuestMatch, Notify, PurchaseIngest};
use regulars_core::program::{NewProgram, ProgramKind, ProgramScope};
use regulars_core::store::Store;
use serde_json::Value;

use crate::fixtures::{TestChain, rules};

/// Guests the sales are spread over.
const GUESTS: usize = 8;

/// Waves of concurrent sales after each guest's first.
const WAVES: usize = 8;

/// A chain whose programs make a batch do everything a sale can: the fixture's points and
/// stamp card, plus tiers with multipliers and a stamp card that issues reward codes itself.
async fn rich_chain(store: &dyn Store) -> TestChain {
    let chain = TestChain::create(store, "batches").await;
    let tiered = r#"{
        "earn": { "points": 1, "per_minor": 100 },
        "tiers": [
            { "name": "Classic", "threshold": 0 },
            { "name": "Silver", "threshold": 700, "multiplier_percent": 110 },
            { "name": "Gold", "threshold": 2000, "multiplier_percent": 125 }
        ],
        "rewards": [{ "key": "free-coffee", "name": "Free coffee", "cost": 300 }]
    }"#;
    let auto = r#"{
        "items": [{ "category": "coffee", "per_unit": 1 }],
        "rewards": [{ "key": "third", "name": "Third coffee free", "cost": 3, "auto_issue": true }]
    }"#;
    for (name, kind, scope, text) in [
        ("Tiered", ProgramKind::Points, ProgramScope::Chain, tiered),
        ("Quick card", ProgramKind::Stamps { card_size: 3 }, ProgramScope::Cafe, auto),
    ] {
        store
            .create_program(chain.id(), NewProgram { name: name.into(), kind, scope, rules: rules(text) })
            .await
            .expect("create program");
    }
    chain
}

/// One delivery of `receipt` for `guest` (none: an anonymous sale).
fn delivery(chain: &TestChain, guest: Option<&Guest>, receipt: &str, total_minor: i64) -> PurchaseIngest {
    PurchaseIngest {
        source: "test-pos".into(),
        delivery_id: format!("delivery-{receipt}"),
        purchase: chain.purchase(guest.map(|g| g.id), receipt, total_minor),
        guest: guest
            .map_or(GuestMatch::None, |g| GuestMatch::Matched { public_id: g.public_id.to_string(), via: None }),
        card_step: None,
        reward_code: None,
        promotions: Vec::new(),
        staff: None,
        notify: Notify::Guest,
    }
}

/// The sales, wave by wave: first one per guest alone (opening the wallets), then waves with
/// one sale per guest (the second guest's silent in every other wave), an anonymous sale and
/// a retry of the previous wave's first receipt, and, with `repeat_guests`, a last wave with three sales per guest.
fn waves(chain: &TestChain, guests: &[Guest], repeat_guests: bool) -> Vec<Vec<PurchaseIngest>> {
    let mut waves: Vec<Vec<PurchaseIngest>> = guests
        .iter()
        .enumerate()
        .map(|(g, guest)| vec![delivery(chain, Some(guest), &format!("R0-{g}"), 29_000)])
        .collect();
    for wave in 1..=WAVES {
        let mut sales: Vec<PurchaseIngest> = guests
            .iter()
            .enumerate()
            .map(|(g, guest)| {
                let total = 29_000 + 10_000 * i64::try_from((g + wave) % 5).unwrap_or(0);
                let mut sale = delivery(chain, Some(guest), &format!("R{wave}-{g}"), total);
                // History being loaded, mixed in: both stores must record it and tell nobody.
                if g == 1 && wave % 2 == 1 {
                    sale.notify = Notify::Silent;
                }
                sale
            })
            .collect();
        sales.push(delivery(chain, None, &format!("R{wave}-anonymous"), 54_000));
        sales.push(delivery(chain, Some(&guests[0]), &format!("R{}-0", wave - 1), 29_000));
        waves.push(sales);
    }
    if repeat_guests {
        let repeated = (0..3).flat_map(|n| {
            guests.iter().enumerate().map(move |(g, guest)| delivery(chain, Some(guest), &format!("RR{n}-{g}"), 39_000))
        });
        waves.push(repeated.collect());
    }
    waves
}

/// An answer without what legitimately differs between two stores: purchase ids (the order of
/// inserts within a batch), guests' public ids and reward codes' texts (both random).
fn comparable(mut outcome: Value) -> Value {
    if let Some(object) = outcome.as_object_mut() {
        object.remove("purchase_id");
    }
    if let Some(guest) = outcome["guest"].as_object_mut() {
        guest.remove("public_id");
    }
    for program in outcome["programs"].as_array_mut().into_iter().flatten() {
        for code in program["codes"].as_array_mut().into_iter().flatten() {
            if let Some(code) = code.as_object_mut() {
                code.remove("code");
            }
        }
    }
    outcome
}

/// Everything the sales left, comparable across stores: each answer by receipt, and each
/// guest's wallets with their whole ledgers.
async fn run(store: &dyn Store, repeat_guests: bool) -> (BTreeMap<String, Value>, Vec<Value>) {
    let chain = rich_chain(store).await;
    let mut guests = Vec::new();
    for g in 0..GUESTS {
        guests.push(chain.guest(store, &format!("batch-guest-{g}")).await);
    }
    let mut answers = BTreeMap::new();
    let mut retries = 0;
    for wave in waves(&chain, &guests, repeat_guests) {
        // Every sale of a wave is sent before any is answered, in order: the batching store
        // applies them together (in this order), the other one transaction each.
        let sent = wave.iter().map(|sale| store.ingest_purchase(chain.id(), sale.clone()));
        for (sale, outcome) in wave.iter().zip(futures::future::join_all(sent).await) {
            let outcome = outcome.expect("ingest");
            if outcome.duplicate {
                retries += 1;
                continue;
            }
            let answer = serde_json::to_value(&outcome).expect("outcome as JSON");
            assert!(answers.insert(sale.purchase.external_id.clone(), comparable(answer)).is_none());
        }
    }
    assert_eq!(retries, WAVES, "every retry of a receipt is answered as a duplicate");
    let mut wallets = Vec::new();
    for guest in &guests {
        wallets.extend(ledgers(store, chain.id(), guest).await);
        let queued = store.outbox_of_guest(chain.id(), guest.id).await.expect("outbox").len();
        wallets.push(serde_json::json!({ "guest": guest.id, "notifications": queued }));
    }
    (answers, wallets)
}

/// A guest's wallets, each with its balances, tier and every ledger entry's numbers.
async fn ledgers(store: &dyn Store, chain: ChainId, guest: &Guest) -> Vec<Value> {
    let mut found = Vec::new();
    for wallet in store.wallets_of_guest(chain, guest.id).await.expect("wallets") {
        let page = store.ledger_entries(chain, wallet.id, PageRequest::first(500)).await.expect("ledger");
        let entries: Vec<Value> = page
            .items
            .iter()
            .map(|e| {
                serde_json::json!([e.kind.as_str(), e.points, e.stamps, e.balances_after, e.idempotency_key.as_str()])
            })
            .collect();
        found.push(serde_json::json!({
            "guest": guest.id, "program": wallet.scope.program_id, "cafe": wallet.scope.cafe_id,
            "balances": wallet.balances, "tier": wallet.tier, "entries": entries,
        }));
    }
    found
}

/// The same sales through `batched` and through `alone` (both fresh stores of one backend) end
/// the same. With `repeat_guests` a wave has several sales of each guest; only a store that
/// applies a wave in the order sent (SQLite's single writer) can promise the same order then.
///
/// # Panics
/// When the two stores differ.
pub async fn batches_match_one_by_one(batched: Arc<dyn Store>, alone: Arc<dyn Store>, repeat_guests: bool) {
    let (batched_answers, batched_wallets) = run(&*batched, repeat_guests).await;
    let (alone_answers, alone_wallets) = run(&*alone, repeat_guests).await;
    assert_eq!(batched_answers.len(), alone_answers.len());
    for (receipt, answer) in &alone_answers {
        assert_eq!(batched_answers.get(receipt), Some(answer), "the answer to {receipt}");
    }
    assert_eq!(batched_wallets, alone_wallets, "balances, tiers and ledgers");
    let codes = alone_answers.values().filter(|a| a["programs"].to_string().contains("Third coffee free")).count();
    assert!(codes > 0, "the scenario issues reward codes");
    let tiers = alone_answers.values().filter(|a| a.to_string().contains("\"tier_changed\":true")).count();
    assert!(tiers > 0, "the scenario changes tiers");
    for wave in (1..=WAVES).filter(|w| w % 2 == 1) {
        let silent = &alone_answers[&format!("R{wave}-1")];
        assert!(silent["programs"][0]["change"].as_i64().is_some_and(|c| c > 0), "a silent sale earns: {silent}");
        assert_eq!(silent["notified"], false, "a silent sale tells nobody: {silent}");
    }
}
