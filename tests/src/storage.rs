//! The storage conformance suite: the `# Behaviour` sections of
//! [`regulars_core::store`], checked. Every function takes a fresh, empty store.
//!
//! Run it for a backend with [`storage_conformance!`](crate::storage_conformance), which
//! expands to one `#[tokio::test]` per check.

use std::collections::HashSet;
use std::sync::Arc;

use futures::StreamExt;
use regulars_core::ErrorKind;
use regulars_core::guest::{ChannelIdentity, NewGuest};
use regulars_core::ids::{CafeId, GuestId};
use regulars_core::ledger::{EntryKind, Overdraft};
use regulars_core::money::{Currency, Money};
use regulars_core::page::PageRequest;
use regulars_core::purchase::{LineItem, NewPurchase};
use regulars_core::staff::{NewStaff, Role};
use regulars_core::store::Store;
use regulars_core::wallet::WalletScope;

use crate::fixtures::{TestChain, entry};

/// Expands to one test per conformance check, each on a store made by `$make`, an async
/// expression evaluating to `Option<(Arc<dyn Store>, guard)>` (`None` skips: see
/// [`crate::postgres`]).
#[macro_export]
macro_rules! storage_conformance {
    ($make:expr) => {
        $crate::storage_conformance!(@tests $make;
            idempotent_earn, replayed_key_with_other_request_conflicts, concurrent_redeems_never_overdraw,
            concurrent_same_key_applies_once, ledger_is_the_truth, chain_scoping, cursor_pagination_over_10k_guests,
            wallets_open_idempotently_and_check_scope, purchases_record_once, identities_link_once,
            shifts_follow_their_state_machine, changes_write_events);
    };
    (@tests $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some((store, _guard)) = $make.await else { return };
                $crate::storage::$check(store).await;
            }
        )*
    };
}

/// The same key twice: one entry, the same answer, `replayed` on the second.
pub async fn idempotent_earn(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "idem").await;
    let guest = chain.guest(&*store, "1").await;
    let wallet = chain.points_wallet(&*store, &guest).await;
    let first = store.post_entry(chain.id(), entry(wallet.id, EntryKind::Earn, 25, "receipt-1")).await.unwrap();
    let second = store.post_entry(chain.id(), entry(wallet.id, EntryKind::Earn, 25, "receipt-1")).await.unwrap();
    assert!(!first.replayed);
    assert!(second.replayed);
    assert_eq!(first.entry, second.entry, "a replay answers with the first outcome");
    assert_eq!(first.entry.balances_after.points, 25);
    let page = store.ledger_entries(chain.id(), wallet.id, PageRequest::first(10)).await.unwrap();
    assert_eq!(page.items.len(), 1, "one entry for one key");
    assert_eq!(store.wallet(chain.id(), wallet.id).await.unwrap().balances.points, 25);
}

/// A key reused for a different write is a conflict and changes nothing.
pub async fn replayed_key_with_other_request_conflicts(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "reuse").await;
    let guest = chain.guest(&*store, "1").await;
    let wallet = chain.points_wallet(&*store, &guest).await;
    store.post_entry(chain.id(), entry(wallet.id, EntryKind::Earn, 10, "k")).await.unwrap();
    let err = store.post_entry(chain.id(), entry(wallet.id, EntryKind::Earn, 11, "k")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(store.wallet(chain.id(), wallet.id).await.unwrap().balances.points, 10);
}

/// 50 concurrent redeems of 10 against 100: exactly 10 succeed, the balance ends at 0.
pub async fn concurrent_redeems_never_overdraw(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "race").await;
    let guest = chain.guest(&*store, "1").await;
    let wallet = chain.points_wallet(&*store, &guest).await;
    store.post_entry(chain.id(), entry(wallet.id, EntryKind::Earn, 100, "seed")).await.unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = store.clone();
            let chain = chain.id();
            tokio::spawn(async move {
                store.post_entry(chain, entry(wallet.id, EntryKind::Redeem, -10, &format!("redeem-{i}"))).await
            })
        })
        .collect();
    let mut succeeded = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(outcome) => {
                assert!(outcome.entry.balances_after.points >= 0, "never negative");
                succeeded += 1;
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::InsufficientBalance, "unexpected error: {e}"),
        }
    }
    assert_eq!(succeeded, 10);
    let balances = store.wallet(chain.id(), wallet.id).await.unwrap().balances;
    assert_eq!(balances.points, 0);
    assert_eq!(balances.lifetime_points, 100, "redeeming does not undo lifetime points");
}

/// Many concurrent writes with one key: exactly one is applied.
pub async fn concurrent_same_key_applies_once(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "samekey").await;
    let guest = chain.guest(&*store, "1").await;
    let wallet = chain.points_wallet(&*store, &guest).await;
    let outcomes = futures::future::join_all((0..20).map(|_| {
        let store = store.clone();
        let chain = chain.id();
        async move { store.post_entry(chain, entry(wallet.id, EntryKind::Earn, 7, "webhook-abc")).await.unwrap() }
    }))
    .await;
    assert_eq!(outcomes.iter().filter(|o| !o.replayed).count(), 1);
    assert!(outcomes.iter().all(|o| o.entry.id == outcomes[0].entry.id));
    assert_eq!(store.wallet(chain.id(), wallet.id).await.unwrap().balances.points, 7);
}

/// After a mix of writes, the wallet's balances equal the sums over its ledger, and each
/// entry's `balances_after` is the running sum.
pub async fn ledger_is_the_truth(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "truth").await;
    let guest = chain.guest(&*store, "1").await;
    let wallet = chain.points_wallet(&*store, &guest).await;
    let mut writes = vec![
        entry(wallet.id, EntryKind::Earn, 120, "a"),
        entry(wallet.id, EntryKind::Redeem, -50, "b"),
        entry(wallet.id, EntryKind::Bonus, 30, "c"),
        entry(wallet.id, EntryKind::Redeem, -500, "too-much"),
        entry(wallet.id, EntryKind::Adjust, -5, "d"),
        entry(wallet.id, EntryKind::Refund, -200, "refund-overdraw"),
    ];
    writes[5].overdraft = Overdraft::Allow;
    for write in writes {
        let _ = store.post_entry(chain.id(), write).await;
    }
    let entries = store.ledger_entries(chain.id(), wallet.id, PageRequest::first(100)).await.unwrap().items;
    assert_eq!(entries.len(), 5, "the refused redeem wrote nothing");
    let mut running = 0;
    for e in entries.iter().rev() {
        running += e.points;
        assert_eq!(e.balances_after.points, running);
    }
    let balances = store.wallet(chain.id(), wallet.id).await.unwrap().balances;
    assert_eq!(balances.points, running);
    assert_eq!(balances.points, 120 - 50 + 30 - 5 - 200, "an allowed overdraft may go negative");
    assert_eq!(balances.lifetime_points, 120 + 30 - 200, "earn, bonus and refund count toward lifetime");
}

/// Chain A's data is invisible and untouchable from chain B.
pub async fn chain_scoping(store: Arc<dyn Store>) {
    let a = TestChain::create(&*store, "chain-a").await;
    let b = TestChain::create(&*store, "chain-b").await;
    let guest = a.guest(&*store, "42").await;
    let wallet = a.points_wallet(&*store, &guest).await;
    let not_found =
        |r: regulars_core::Result<_>| matches!(r.map(|_: ()| ()), Err(e) if e.kind() == ErrorKind::NotFound);

    assert!(not_found(store.guest(b.id(), guest.id).await.map(drop)));
    assert!(not_found(store.guest_by_public_id(b.id(), guest.public_id.as_str()).await.map(drop)));
    assert!(not_found(store.guest_by_identity(b.id(), &guest.identities[0]).await.map(drop)));
    assert!(not_found(store.wallet(b.id(), wallet.id).await.map(drop)));
    assert!(not_found(store.cafe(b.id(), a.cafe.id).await.map(drop)));
    assert!(not_found(store.program(b.id(), a.points.id).await.map(drop)));
    assert!(not_found(store.post_entry(b.id(), entry(wallet.id, EntryKind::Earn, 5, "x")).await.map(drop)));
    assert!(not_found(
        store
            .open_wallet(b.id(), WalletScope { guest_id: guest.id, program_id: b.points.id, cafe_id: None })
            .await
            .map(drop)
    ));
    assert!(store.list_guests(b.id(), PageRequest::first(100)).await.unwrap().items.is_empty());
    assert_eq!(store.count_guests(b.id()).await.unwrap(), 0);
    assert!(store.ledger_entries(b.id(), wallet.id, PageRequest::first(10)).await.unwrap().items.is_empty());
    // The same messenger identity may be a guest of both chains independently.
    let twin = b.guest(&*store, "42").await;
    assert_ne!(twin.id, guest.id);
    assert_eq!(store.guest_by_identity(a.id(), &guest.identities[0]).await.unwrap().id, guest.id);
}

/// Walking the pages of 10,000 guests visits each exactly once, in order, and nothing else.
pub async fn cursor_pagination_over_10k_guests(store: Arc<dyn Store>) {
    const GUESTS: usize = 10_000;
    let chain = TestChain::create(&*store, "many").await;
    let other = TestChain::create(&*store, "other").await;
    let created: Vec<GuestId> = futures::stream::iter(0..GUESTS)
        .map(|i| {
            let store = store.clone();
            let chain = if i % 1000 == 999 { other.id() } else { chain.id() };
            async move {
                let guest = store
                    .create_guest(chain, NewGuest { display_name: Some(format!("g{i}")), ..NewGuest::default() })
                    .await
                    .unwrap();
                (chain, guest.id)
            }
        })
        .buffer_unordered(64)
        .filter_map(|(c, id)| futures::future::ready((c == chain.id()).then_some(id)))
        .collect()
        .await;
    let expected: HashSet<GuestId> = created.into_iter().collect();
    assert_eq!(store.count_guests(chain.id()).await.unwrap(), expected.len() as u64);

    let mut seen = Vec::new();
    let mut page = PageRequest::first(997);
    loop {
        let result = store.list_guests(chain.id(), page).await.unwrap();
        assert!(result.items.len() <= 997);
        seen.extend(result.items.iter().map(|g| g.id));
        match result.next {
            Some(next) => page = PageRequest { after: Some(next), limit: 997 },
            None => break,
        }
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "creation order, no repeats");
    assert_eq!(seen.len(), expected.len());
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), expected);
}

/// Opening a wallet twice (even concurrently) gives one wallet; scope is checked.
pub async fn wallets_open_idempotently_and_check_scope(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "wallets").await;
    let guest = chain.guest(&*store, "1").await;
    let scope = WalletScope { guest_id: guest.id, program_id: chain.points.id, cafe_id: None };
    let chain_id = chain.id();
    let wallets = futures::future::join_all((0..8).map(|_| {
        let store = store.clone();
        async move { store.open_wallet(chain_id, scope).await.unwrap() }
    }))
    .await;
    assert!(wallets.iter().all(|w| w.id == wallets[0].id));
    assert_eq!(store.wallets_of_guest(chain.id(), guest.id).await.unwrap().len(), 1);

    let per_cafe = WalletScope { guest_id: guest.id, program_id: chain.stamps.id, cafe_id: None };
    assert_eq!(store.open_wallet(chain.id(), per_cafe).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    let at_cafe = WalletScope { cafe_id: Some(chain.cafe.id), ..per_cafe };
    let stamp_wallet = store.open_wallet(chain.id(), at_cafe).await.unwrap();
    assert_eq!(stamp_wallet.scope.cafe_id, Some(chain.cafe.id));
    let unknown_cafe = WalletScope { cafe_id: Some(CafeId(9_999_999)), ..per_cafe };
    assert_eq!(store.open_wallet(chain.id(), unknown_cafe).await.unwrap_err().kind(), ErrorKind::NotFound);
    let chain_wide_with_cafe = WalletScope { cafe_id: Some(chain.cafe.id), ..scope };
    assert_eq!(store.open_wallet(chain.id(), chain_wide_with_cafe).await.unwrap_err().kind(), ErrorKind::InvalidInput);
}

/// The same receipt twice is recorded once; a purchase with no guest is still recorded.
pub async fn purchases_record_once(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "pos").await;
    let guest = chain.guest(&*store, "1").await;
    let purchase = NewPurchase {
        cafe_id: chain.cafe.id,
        source: "demo-pos".into(),
        external_id: "R-1".into(),
        guest_id: Some(guest.id),
        total: Money::new(45_000, Currency::new("RSD").unwrap()),
        items: vec![LineItem {
            sku: "CAP".into(),
            name: "Cappuccino".into(),
            category: Some("coffee".into()),
            quantity: 2,
            unit_price_minor: 22_500,
        }],
        occurred_at: chrono::Utc::now(),
    };
    let (first, replayed_first) = store.record_purchase(chain.id(), purchase.clone()).await.unwrap();
    let (second, replayed_second) = store.record_purchase(chain.id(), purchase.clone()).await.unwrap();
    assert!(!replayed_first && replayed_second);
    assert_eq!(first.id, second.id);
    assert_eq!(store.purchase(chain.id(), first.id).await.unwrap().details.items, purchase.items);
    let anonymous = NewPurchase { external_id: "R-2".into(), guest_id: None, ..purchase.clone() };
    assert!(store.record_purchase(chain.id(), anonymous).await.unwrap().0.details.guest_id.is_none());
    let foreign_cafe = NewPurchase { external_id: "R-3".into(), cafe_id: CafeId(9_999_999), ..purchase };
    assert_eq!(store.record_purchase(chain.id(), foreign_cafe).await.unwrap_err().kind(), ErrorKind::NotFound);
}

/// An identity belongs to one guest per chain; relinking to the same guest is a no-op.
pub async fn identities_link_once(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "links").await;
    let anna = chain.guest(&*store, "100").await;
    let boris = chain.guest(&*store, "200").await;
    let whatsapp = ChannelIdentity::new("whatsapp", "381601234567").unwrap();
    let linked = store.link_identity(chain.id(), anna.id, whatsapp.clone()).await.unwrap();
    assert_eq!(linked.identities.len(), 2);
    assert_eq!(store.link_identity(chain.id(), anna.id, whatsapp.clone()).await.unwrap().identities.len(), 2);
    let err = store.link_identity(chain.id(), boris.id, whatsapp.clone()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(store.guest_by_identity(chain.id(), &whatsapp).await.unwrap().id, anna.id);
    let err = store
        .create_guest(chain.id(), NewGuest { identity: Some(anna.identities[0].clone()), ..NewGuest::default() })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

/// Shifts: open once, only where the staff member works, close once.
pub async fn shifts_follow_their_state_machine(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "shifts").await;
    let other = TestChain::create(&*store, "shifts-other").await;
    let barista = store
        .create_staff(
            chain.id(),
            NewStaff {
                name: "Milica".into(),
                role: Role::Barista,
                cafes: vec![chain.cafe.id],
                identity: Some(ChannelIdentity::new("telegram", "777").unwrap()),
                login: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.staff_by_identity(chain.id(), barista.identity.as_ref().unwrap()).await.unwrap().id, barista.id);
    assert_eq!(
        store.staff_by_identity(other.id(), barista.identity.as_ref().unwrap()).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(store.open_shift_of(chain.id(), barista.id).await.unwrap().is_none());
    let shift = store.open_shift(chain.id(), barista.id, chain.cafe.id).await.unwrap();
    assert!(shift.is_open());
    assert_eq!(store.open_shift(chain.id(), barista.id, chain.cafe.id).await.unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(store.open_shift_of(chain.id(), barista.id).await.unwrap().map(|s| s.id), Some(shift.id));
    let closed = store.close_shift(chain.id(), shift.id).await.unwrap();
    assert!(!closed.is_open());
    assert_eq!(store.close_shift(chain.id(), shift.id).await.unwrap_err().kind(), ErrorKind::Conflict);
    assert!(store.open_shift_of(chain.id(), barista.id).await.unwrap().is_none());
    // Not their cafe, and not their chain.
    assert_eq!(store.open_shift(chain.id(), barista.id, other.cafe.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.close_shift(other.id(), shift.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    let second_cafe = store
        .create_cafe(chain.id(), regulars_core::chain::NewCafe { name: "Second".into(), ..cafe_like(&chain) })
        .await
        .unwrap();
    assert_eq!(store.open_shift(chain.id(), barista.id, second_cafe.id).await.unwrap_err().kind(), ErrorKind::Conflict);
}

fn cafe_like(chain: &TestChain) -> regulars_core::chain::NewCafe {
    regulars_core::chain::NewCafe {
        name: chain.cafe.name.clone(),
        address: chain.cafe.address.clone(),
        location: chain.cafe.location,
        timezone: chain.cafe.timezone,
        currency: chain.cafe.currency,
        opening_hours: chain.cafe.opening_hours.clone(),
    }
}

/// State changes write events in the same transaction.
pub async fn changes_write_events(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "events").await;
    let guest = chain.guest(&*store, "1").await;
    let wallet = chain.points_wallet(&*store, &guest).await;
    store.post_entry(chain.id(), entry(wallet.id, EntryKind::Earn, 3, "e1")).await.unwrap();
    let _ = store.post_entry(chain.id(), entry(wallet.id, EntryKind::Redeem, -100, "refused")).await;
    let events = store.events(chain.id(), PageRequest::first(100)).await.unwrap().items;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    for expected in ["chain.created", "cafe.created", "program.created", "guest.joined", "wallet.opened", "ledger.earn"]
    {
        assert!(kinds.contains(&expected), "missing {expected} in {kinds:?}");
    }
    assert!(!kinds.contains(&"ledger.redeem"), "a refused write leaves no event");
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
}
