//! The storage conformance suite: the `# Behaviour` sections of
//! [`regulars_core::store`], checked. Every function takes a fresh, empty store.
//!
//! Run it for a backend with [`storage_conformance!`](crate::storage_conformance), which
//! expands to one `#[tokio::test]` per check.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Utc;
use futures::StreamExt;
use regulars_core::ErrorKind;
use regulars_core::channel::ReceiptStatus;
use regulars_core::conversation::ConversationState;
use regulars_core::conversation::state::Step;
use regulars_core::event::EventFilter;
use regulars_core::guest::{ChannelIdentity, Guest, GuestUpdate, NewGuest};
use regulars_core::ids::{CafeId, ChainId, GuestId};
use regulars_core::ledger::{EntryKind, Overdraft};
use regulars_core::notification::{
    ClaimScope, EXPIRED, Expired, NO_MESSENGER, Notification, OutboxMessage, OutboxStatus, UNREACHABLE,
};
use regulars_core::page::PageRequest;
use regulars_core::purchase::NewPurchase;
use regulars_core::staff::{NewStaff, Role};
use regulars_core::store::Store;
use regulars_core::wallet::WalletScope;

use crate::fixtures::{TestChain, entry};
pub use crate::storage_accounts::{
    accounts_sign_in_across_chains, api_tokens_revoke_once, deactivated_staff_hold_nothing_open, pins_and_terminals,
    sessions_end_once_and_everywhere,
};
pub use crate::storage_catalog::{
    cafe_changes_and_archive, events_filter_by_kind_subject_and_time, program_changes_apply_to_later_sales,
    staff_changes_read_back,
};
pub use crate::storage_guests::{guest_purchases_newest_first, guests_erased_keep_their_totals, guests_found_by_name};
pub use crate::storage_orders::{loyalty_figures_count_wallets, orders_list_with_refunds_and_shifts};
pub use crate::storage_rollups::rollups_match_a_recomputation;

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
            shifts_follow_their_state_machine, changes_write_events, totp_secrets_and_steps, presence_windows,
            guests_found_by_phone, double_tap_counts_once, security_events_count_failed_codes, reward_codes_apply_once,
            wallet_tier_is_cached, outbox_claims_once, outbox_lease_expiry_reclaims, outbox_concurrent_claimers_never_share,
            outbox_status_transitions, outbox_unreachable_guests_are_skipped, outbox_address_is_most_recent_identity,
            conversations_save_compare_and_set, guest_profiles_update_and_referrals_count,
            outbox_goes_where_the_guest_wrote_last, outbox_receipts_never_go_back, outbox_undeliverable_messages_expire,
            guests_merge_into_one, refunds_never_exceed_the_receipt, sales_racing_on_a_reward_code_all_land,
            silent_sales_tell_nobody, till_redemptions_pay_once, till_redemptions_racing_never_overdraw,
            accounts_sign_in_across_chains, pins_and_terminals, sessions_end_once_and_everywhere, api_tokens_revoke_once,
            program_changes_apply_to_later_sales, cafe_changes_and_archive, events_filter_by_kind_subject_and_time,
            staff_changes_read_back, deactivated_staff_hold_nothing_open, guests_found_by_name,
            guest_purchases_newest_first, guests_erased_keep_their_totals, rollups_match_a_recomputation,
            orders_list_with_refunds_and_shifts, loyalty_figures_count_wallets);
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

    // A debit replayed after the balance is gone is still a replay, not "insufficient".
    let redeem = store.post_entry(chain.id(), entry(wallet.id, EntryKind::Redeem, -25, "redeem-1")).await.unwrap();
    let replay = store.post_entry(chain.id(), entry(wallet.id, EntryKind::Redeem, -25, "redeem-1")).await.unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.entry, redeem.entry);
    assert_eq!(store.wallet(chain.id(), wallet.id).await.unwrap().balances.points, 0);
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
    let purchase = chain.purchase(Some(guest.id), "R-1", 45_000);
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

/// State changes write events in the same transaction; ledger writes are the points log.
pub async fn changes_write_events(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "events").await;
    let guest = chain.guest(&*store, "1").await;
    let wallet = chain.points_wallet(&*store, &guest).await;
    store.post_entry(chain.id(), entry(wallet.id, EntryKind::Earn, 3, "e1")).await.unwrap();
    let _ = store.post_entry(chain.id(), entry(wallet.id, EntryKind::Redeem, -100, "refused")).await;
    let events = store.events(chain.id(), &EventFilter::default(), PageRequest::first(100)).await.unwrap().items;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    for expected in ["chain.created", "cafe.created", "program.created", "guest.joined", "wallet.opened"] {
        assert!(kinds.contains(&expected), "missing {expected} in {kinds:?}");
    }
    assert!(!kinds.iter().any(|k| k.starts_with("ledger.")), "the ledger is the points log, not copied: {kinds:?}");
    let points_log = store.ledger_entries(chain.id(), wallet.id, PageRequest::first(10)).await.unwrap().items;
    assert_eq!(points_log.len(), 1, "the refused redeem left nothing in the points log");
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
}

/// Sealed TOTP secrets: insert-if-absent, replace keeps the step, steps accepted once and in
/// order, all scoped by chain.
pub async fn totp_secrets_and_steps(store: Arc<dyn Store>) {
    use regulars_core::identity::secret::{KeyId, SecretKey, SecretKeyring, TotpSecret};
    use regulars_core::identity::totp::TimeStep;
    let chain = TestChain::create(&*store, "totp").await;
    let other = TestChain::create(&*store, "totp-other").await;
    let guest = chain.guest(&*store, "1").await;
    let keyring =
        SecretKeyring::new(KeyId::new("k1").unwrap(), [(KeyId::new("k1").unwrap(), SecretKey::generate())]).unwrap();
    let seal = || keyring.seal(chain.id(), guest.id, &TotpSecret::generate()).unwrap();

    assert!(store.totp_secret(chain.id(), guest.id).await.unwrap().is_none());
    let first = seal();
    let stored = store.ensure_totp_secret(chain.id(), guest.id, first.clone()).await.unwrap();
    assert_eq!(stored, first);
    let again = store.ensure_totp_secret(chain.id(), guest.id, seal()).await.unwrap();
    assert_eq!(again, first, "a second candidate never replaces the stored secret");
    assert_eq!(store.totp_secret(chain.id(), guest.id).await.unwrap(), Some(first.clone()));
    assert!(store.totp_secret(other.id(), guest.id).await.unwrap().is_none(), "scoped by chain");
    assert_eq!(store.ensure_totp_secret(other.id(), guest.id, seal()).await.unwrap_err().kind(), ErrorKind::NotFound);

    let step = TimeStep::new(1_000);
    assert!(store.accept_totp_step(chain.id(), guest.id, step).await.unwrap());
    assert!(!store.accept_totp_step(chain.id(), guest.id, step).await.unwrap(), "never the same step twice");
    assert!(!store.accept_totp_step(chain.id(), guest.id, TimeStep::new(999)).await.unwrap(), "nor an older one");
    let replacement = seal();
    store.replace_totp_secret(chain.id(), guest.id, replacement.clone()).await.unwrap();
    assert_eq!(store.totp_secret(chain.id(), guest.id).await.unwrap(), Some(replacement));
    assert!(!store.accept_totp_step(chain.id(), guest.id, step).await.unwrap(), "replacing keeps the used step");
    let stranger = chain.guest(&*store, "2").await;
    assert_eq!(store.accept_totp_step(chain.id(), stranger.id, step).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(
        store.replace_totp_secret(chain.id(), stranger.id, seal()).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    // Of concurrent acceptances of one step, exactly one wins.
    let next = TimeStep::new(2_000);
    let wins = futures::future::join_all((0..16).map(|_| {
        let store = store.clone();
        let chain = chain.id();
        async move { store.accept_totp_step(chain, guest.id, next).await.unwrap() }
    }))
    .await;
    assert_eq!(wins.iter().filter(|w| **w).count(), 1);
}

/// Presence never shrinks, is listed by change time, and leaves out guests without secrets.
pub async fn presence_windows(store: Arc<dyn Store>) {
    use chrono::{Duration, TimeZone, Utc};
    use regulars_core::identity::secret::{KeyId, SecretKey, SecretKeyring, TotpSecret};
    let chain = TestChain::create(&*store, "presence").await;
    let other = TestChain::create(&*store, "presence-other").await;
    let keyring =
        SecretKeyring::new(KeyId::new("k1").unwrap(), [(KeyId::new("k1").unwrap(), SecretKey::generate())]).unwrap();
    let with_secret = chain.guest(&*store, "1").await;
    let without_secret = chain.guest(&*store, "2").await;
    let sealed = keyring.seal(chain.id(), with_secret.id, &TotpSecret::generate()).unwrap();
    store.ensure_totp_secret(chain.id(), with_secret.id, sealed).await.unwrap();

    let t0 = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
    store.record_presence(chain.id(), with_secret.id, t0 + Duration::minutes(5), t0).await.unwrap();
    store.record_presence(chain.id(), without_secret.id, t0 + Duration::minutes(5), t0).await.unwrap();
    // A later call with an earlier end keeps the later end but refreshes updated_at.
    let t1 = t0 + Duration::minutes(1);
    store.record_presence(chain.id(), with_secret.id, t0 + Duration::minutes(2), t1).await.unwrap();
    let listed = store.presences_changed_since(chain.id(), t0, t1).await.unwrap();
    assert_eq!(listed.len(), 1, "guests without a secret are left out");
    assert_eq!(listed[0].guest, with_secret.id);
    assert_eq!(listed[0].presenting_until, t0 + Duration::minutes(5));
    assert_eq!(listed[0].updated_at, t1);
    assert!(store.presences_changed_since(chain.id(), t1 + Duration::seconds(1), t1).await.unwrap().is_empty());
    assert!(
        store.presences_changed_since(chain.id(), t0, t0 + Duration::minutes(6)).await.unwrap().is_empty(),
        "expired"
    );
    assert!(store.presences_changed_since(other.id(), t0, t1).await.unwrap().is_empty(), "scoped by chain");
    assert_eq!(
        store.record_presence(other.id(), with_secret.id, t1, t1).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

/// Phone lookups: exact match, verified first, scoped by chain.
pub async fn guests_found_by_phone(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "phones").await;
    let other = TestChain::create(&*store, "phones-other").await;
    let phone = "+381601234567".to_owned();
    let unverified =
        store.create_guest(chain.id(), NewGuest { phone: Some(phone.clone()), ..NewGuest::default() }).await.unwrap();
    let verified = store
        .create_guest(chain.id(), NewGuest { phone: Some(phone.clone()), phone_verified: true, ..NewGuest::default() })
        .await
        .unwrap();
    store.create_guest(other.id(), NewGuest { phone: Some(phone.clone()), ..NewGuest::default() }).await.unwrap();
    let found: Vec<GuestId> = store.guests_by_phone(chain.id(), &phone).await.unwrap().iter().map(|g| g.id).collect();
    assert_eq!(found, vec![verified.id, unverified.id]);
    assert!(store.guests_by_phone(chain.id(), "+381600000000").await.unwrap().is_empty());
}

/// The double-tap guard counts one tap per window, also under concurrency.
pub async fn double_tap_counts_once(store: Arc<dyn Store>) {
    use chrono::{Duration, TimeZone, Utc};
    use regulars_core::identity::double_tap::{ActionClaim, ClaimOutcome, DOUBLE_TAP_WINDOW, TillAction};
    let chain = TestChain::create(&*store, "taps").await;
    let guest = chain.guest(&*store, "1").await;
    let staff = chain.barista(&*store, "B").await;
    let t0 = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
    let claim = |at| ActionClaim { staff: staff.id, action: TillAction::new("earn").unwrap(), guest: guest.id, at };
    let outcomes = futures::future::join_all((0..10).map(|_| {
        let store = store.clone();
        let claim = claim(t0);
        let chain = chain.id();
        async move { store.claim_action(chain, &claim, DOUBLE_TAP_WINDOW).await.unwrap() }
    }))
    .await;
    assert_eq!(outcomes.iter().filter(|o| **o == ClaimOutcome::Counted).count(), 1);
    assert_eq!(
        store.claim_action(chain.id(), &claim(t0 + Duration::seconds(2)), DOUBLE_TAP_WINDOW).await.unwrap(),
        ClaimOutcome::Repeat { counted_at: t0 }
    );
    assert_eq!(
        store.claim_action(chain.id(), &claim(t0 + Duration::seconds(3)), DOUBLE_TAP_WINDOW).await.unwrap(),
        ClaimOutcome::Counted,
        "3 s later it is a new tap"
    );
    let redeem = ActionClaim { action: TillAction::new("redeem").unwrap(), ..claim(t0 + Duration::seconds(3)) };
    assert_eq!(store.claim_action(chain.id(), &redeem, DOUBLE_TAP_WINDOW).await.unwrap(), ClaimOutcome::Counted);
}

/// Security events feed the wrong-code lock per staff member and per terminal.
pub async fn security_events_count_failed_codes(store: Arc<dyn Store>) {
    use chrono::{Duration, TimeZone, Utc};
    use regulars_core::identity::TerminalId;
    use regulars_core::identity::rate_limit::AttemptSubject;
    use regulars_core::identity::security::{SecurityEvent, SecurityEventKind};
    let chain = TestChain::create(&*store, "security").await;
    let other = TestChain::create(&*store, "security-other").await;
    let staff = chain.barista(&*store, "B").await;
    let terminal = TerminalId::new("till-1").unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
    let event = |kind, secs| SecurityEvent {
        kind,
        staff: Some(staff.id),
        terminal: Some(terminal.clone()),
        guest: None,
        at: t0 + Duration::seconds(secs),
    };
    store.record_security_event(chain.id(), &event(SecurityEventKind::WrongCode, 0)).await.unwrap();
    store.record_security_event(chain.id(), &event(SecurityEventKind::NotStaff, 1)).await.unwrap();
    store.record_security_event(chain.id(), &event(SecurityEventKind::ExpiredCode, 2)).await.unwrap();
    let by_staff = store.failed_code_attempts(chain.id(), &AttemptSubject::Staff(staff.id), t0).await.unwrap();
    assert_eq!(by_staff, vec![t0, t0 + Duration::seconds(2)], "only kinds that count toward the lock");
    let by_terminal = store
        .failed_code_attempts(chain.id(), &AttemptSubject::Terminal(terminal.clone()), t0 + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(by_terminal, vec![t0 + Duration::seconds(2)]);
    assert!(store.failed_code_attempts(other.id(), &AttemptSubject::Terminal(terminal), t0).await.unwrap().is_empty());
    let events = store.events(chain.id(), &EventFilter::default(), PageRequest::first(100)).await.unwrap().items;
    assert!(events.iter().any(|e| e.kind == "till.wrong_code"), "also in the event log");
}

/// Reward codes: idempotent on the ledger key, unique text, applied exactly once.
pub async fn reward_codes_apply_once(store: Arc<dyn Store>) {
    use regulars_core::ledger::{Actor, IdempotencyKey};
    use regulars_core::rules::Reward;
    use regulars_core::rules::codes::{RewardCode, RewardCodeStatus};
    let chain = TestChain::create(&*store, "codes").await;
    let other = TestChain::create(&*store, "codes-other").await;
    let guest = chain.guest(&*store, "1").await;
    let wallet = chain.points_wallet(&*store, &guest).await;
    let reward: Reward =
        serde_json::from_value(serde_json::json!({ "key": "free-coffee", "name": "Free coffee", "cost": 100 }))
            .unwrap();
    let issue = |text: &str, key: &str| {
        RewardCode::issue(
            text.into(),
            wallet.id,
            &reward,
            (100, 0),
            IdempotencyKey::new(key).unwrap(),
            None,
            Utc::now(),
        )
    };
    let first = store.issue_reward_code(chain.id(), issue("AAAA0001", "redeem-1")).await.unwrap();
    let retried = store.issue_reward_code(chain.id(), issue("BBBB0002", "redeem-1")).await.unwrap();
    assert_eq!(retried.code, "AAAA0001", "a retried redemption gets the code it was first given");
    assert_eq!(
        store.issue_reward_code(chain.id(), issue("AAAA0001", "redeem-2")).await.unwrap_err().kind(),
        ErrorKind::Conflict
    );
    assert_eq!(
        store.issue_reward_code(other.id(), issue("CCCC0003", "redeem-3")).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(store.reward_code(chain.id(), "AAAA0001").await.unwrap(), first);
    assert_eq!(store.reward_code(other.id(), "AAAA0001").await.unwrap_err().kind(), ErrorKind::NotFound);

    let used = first.apply(chain.cafe.id, Actor::System("test".into()), Utc::now()).unwrap();
    let attempts = futures::future::join_all((0..8).map(|_| {
        let store = store.clone();
        let used = used.clone();
        let chain = chain.id();
        async move { store.update_reward_code(chain, RewardCodeStatus::Issued, used).await }
    }))
    .await;
    assert_eq!(attempts.iter().filter(|a| a.is_ok()).count(), 1, "a code applies exactly once");
    assert!(attempts.iter().filter_map(|a| a.as_ref().err()).all(|e| e.kind() == ErrorKind::Conflict));
    let stored = store.reward_code(chain.id(), "AAAA0001").await.unwrap();
    assert_eq!(stored.status, RewardCodeStatus::Used);
    assert_eq!(stored.used_at_cafe, Some(chain.cafe.id));
    assert_eq!(stored.closed_by, Some(Actor::System("test".into())));
    store.issue_reward_code(chain.id(), issue("DDDD0004", "redeem-4")).await.unwrap();
    let codes: Vec<String> =
        store.reward_codes_of_wallet(chain.id(), wallet.id).await.unwrap().into_iter().map(|c| c.code).collect();
    assert_eq!(codes, vec!["DDDD0004".to_owned(), "AAAA0001".to_owned()], "newest first");
}

/// The cached tier changes on request, with an event only when it really changes.
pub async fn wallet_tier_is_cached(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "tiers").await;
    let other = TestChain::create(&*store, "tiers-other").await;
    let guest = chain.guest(&*store, "1").await;
    let wallet = chain.points_wallet(&*store, &guest).await;
    let updated = store.set_wallet_tier(chain.id(), wallet.id, Some("Silver".into())).await.unwrap();
    assert_eq!(updated.tier.as_deref(), Some("Silver"));
    store.set_wallet_tier(chain.id(), wallet.id, Some("Silver".into())).await.unwrap();
    assert_eq!(store.wallet(chain.id(), wallet.id).await.unwrap().tier.as_deref(), Some("Silver"));
    assert_eq!(store.set_wallet_tier(other.id(), wallet.id, None).await.unwrap_err().kind(), ErrorKind::NotFound);
    let events = store.events(chain.id(), &EventFilter::default(), PageRequest::first(100)).await.unwrap().items;
    assert_eq!(events.iter().filter(|e| e.kind == "wallet.tier_changed").count(), 1);
}

/// A guest on Telegram with one queued notification (a sale through the POS ingest path).
async fn queued(store: &dyn Store, chain: &TestChain, telegram_id: &str) -> (Guest, i64) {
    let guest = chain.guest(store, telegram_id).await;
    let outcome = chain.sale(store, &guest, &format!("r-{telegram_id}"), 50_000).await;
    assert!(outcome.notified, "the sale queues a notification");
    let queued = store.outbox_of_guest(chain.id(), guest.id).await.unwrap();
    assert_eq!(queued.len(), 1);
    (guest, queued[0].id)
}

async fn status_of(store: &dyn Store, chain: &TestChain, guest: GuestId) -> OutboxMessage {
    store.outbox_of_guest(chain.id(), guest).await.unwrap().pop().expect("a queued notification")
}

const LEASE: chrono::Duration = chrono::Duration::seconds(60);

/// A claim moves a due message to `sending` with the guest's address; a second claim while
/// the lease runs gets nothing; other channels and unlinked guests are left alone.
pub async fn outbox_claims_once(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "claim").await;
    let (guest, id) = queued(&*store, &chain, "100").await;
    let now = Utc::now();
    assert!(store.claim_due(now, LEASE, 10, &["whatsapp"]).await.unwrap().is_empty(), "not on whatsapp");
    assert!(store.claim_due(now, LEASE, 0, &["telegram"]).await.unwrap().is_empty(), "limit 0");
    assert!(store.claim_due(now, LEASE, 10, &[]).await.unwrap().is_empty(), "no channels");

    let claimed = store.claim_due(now, LEASE, 10, &["telegram"]).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let c = &claimed[0];
    assert_eq!((c.message.id, c.message.guest_id, c.message.chain_id), (id, guest.id, chain.id()));
    assert_eq!(c.message.status, OutboxStatus::Sending);
    assert_eq!(c.message.attempts, 1);
    assert_eq!((c.channel.as_str(), c.address.0.as_str()), ("telegram", "100"));
    assert_eq!(c.display_name.as_deref(), Some("Guest 100"));
    assert_eq!(c.language, None);
    assert_eq!(c.chain_language, "en");
    assert_eq!(c.lease_until.timestamp_millis(), (now + LEASE).timestamp_millis());
    assert!(matches!(c.message.notification, Notification::Earned { .. }));
    assert!(store.claim_due(now, LEASE, 10, &["telegram"]).await.unwrap().is_empty(), "claimed once");
    assert_eq!(status_of(&*store, &chain, guest.id).await.status, OutboxStatus::Sending);

    // Not yet due, and a guest with no messenger identity: left pending.
    let future = store.claim_due(now - chrono::Duration::hours(1), LEASE, 10, &["telegram"]).await.unwrap();
    assert!(future.is_empty());
    let unlinked = store.create_guest(chain.id(), NewGuest::default()).await.unwrap();
    assert!(chain.sale(&*store, &unlinked, "r-unlinked", 50_000).await.notified);
    assert!(store.claim_due(Utc::now(), LEASE, 10, &["telegram", "whatsapp"]).await.unwrap().is_empty());
    let waiting = status_of(&*store, &chain, unlinked.id).await;
    assert_eq!((waiting.status, waiting.attempts), (OutboxStatus::Pending, 0), "stays pending, not failed");

    // `limit` is respected, oldest first.
    let mut more = Vec::new();
    for i in 1..=3 {
        more.push(queued(&*store, &chain, &format!("20{i}")).await.1);
    }
    let now = Utc::now();
    let first = store.claim_due(now, LEASE, 2, &["telegram"]).await.unwrap();
    let second = store.claim_due(now, LEASE, 2, &["telegram"]).await.unwrap();
    assert_eq!((first.len(), second.len()), (2, 1));
    let mut ids: Vec<i64> = first.iter().chain(&second).map(|c| c.message.id).collect();
    assert!(first.iter().all(|f| second.iter().all(|s| f.message.id < s.message.id)), "oldest first");
    ids.sort_unstable();
    let mut expected = more;
    expected.sort_unstable();
    assert_eq!(ids, expected);
}

/// A sender that dies mid-send: once its lease runs out, the message is claimed again, with
/// another attempt counted.
pub async fn outbox_lease_expiry_reclaims(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "lease").await;
    let (_guest, id) = queued(&*store, &chain, "1").await;
    let now = Utc::now();
    assert_eq!(store.claim_due(now, LEASE, 10, &["telegram"]).await.unwrap().len(), 1);
    let before_expiry = now + LEASE - chrono::Duration::seconds(1);
    assert!(store.claim_due(before_expiry, LEASE, 10, &["telegram"]).await.unwrap().is_empty(), "lease holds");
    let after_expiry = now + LEASE;
    let again = store.claim_due(after_expiry, LEASE, 10, &["telegram"]).await.unwrap();
    assert_eq!(again.len(), 1, "reclaimed once the lease ran out");
    assert_eq!((again[0].message.id, again[0].message.attempts), (id, 2));
    assert_eq!(again[0].lease_until.timestamp_millis(), (after_expiry + LEASE).timestamp_millis());
    assert!(store.claim_due(after_expiry, LEASE, 10, &["telegram"]).await.unwrap().is_empty(), "new lease holds");
}

/// Many concurrent claimers over one database: every message is claimed by exactly one.
pub async fn outbox_concurrent_claimers_never_share(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "claimers").await;
    let mut queued_ids = HashSet::new();
    for i in 0..40 {
        let guest = chain.guest(&*store, &format!("c{i}")).await;
        assert!(chain.sale(&*store, &guest, &format!("a-{i}"), 50_000).await.notified);
        assert!(chain.sale(&*store, &guest, &format!("b-{i}"), 50_000).await.notified);
        queued_ids.extend(store.outbox_of_guest(chain.id(), guest.id).await.unwrap().into_iter().map(|m| m.id));
    }
    assert_eq!(queued_ids.len(), 80);
    let claimers = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_due(Utc::now(), LEASE, 3, &["telegram"]).await.unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|c| c.message.id));
            }
        })
    });
    let mut seen = HashSet::new();
    for claimer in futures::future::join_all(claimers).await {
        for id in claimer.unwrap() {
            assert!(seen.insert(id), "message {id} was claimed twice");
        }
    }
    assert_eq!(seen, queued_ids, "every message claimed exactly once");
}

/// `retry_later`, `mark_failed` and `mark_sent` move messages as documented, never un-send a
/// sent one, and are scoped by chain.
pub async fn outbox_status_transitions(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "transitions").await;
    let other = TestChain::create(&*store, "transitions-other").await;
    let (retried, retried_id) = queued(&*store, &chain, "1").await;
    let (failed, failed_id) = queued(&*store, &chain, "2").await;
    let (sent, sent_id) = queued(&*store, &chain, "3").await;
    let now = Utc::now();
    assert_eq!(store.claim_due(now, LEASE, 10, &["telegram"]).await.unwrap().len(), 3);

    // Retry: back to pending, due at `at`, the error kept, attempts kept.
    let at = now + chrono::Duration::seconds(10);
    store.retry_later(chain.id(), retried_id, at, "timeout").await.unwrap();
    let m = status_of(&*store, &chain, retried.id).await;
    assert_eq!((m.status, m.attempts, m.last_error.as_deref()), (OutboxStatus::Pending, 1, Some("timeout")));
    assert_eq!(m.available_at.timestamp_millis(), at.timestamp_millis());
    assert!(store.claim_due(now, LEASE, 10, &["telegram"]).await.unwrap().is_empty(), "not due before `at`");
    let again = store.claim_due(at, LEASE, 10, &["telegram"]).await.unwrap();
    assert_eq!(again.iter().map(|c| (c.message.id, c.message.attempts)).collect::<Vec<_>>(), [(retried_id, 2)]);

    // Failed: final; a late retry does not revive it.
    store.mark_failed(chain.id(), failed_id, "bad request").await.unwrap();
    store.retry_later(chain.id(), failed_id, now, "late").await.unwrap();
    let m = status_of(&*store, &chain, failed.id).await;
    assert_eq!((m.status, m.last_error.as_deref()), (OutboxStatus::Failed, Some("bad request")));

    // Sent: with its time; marking again keeps the first; later failures do not undo it.
    store.mark_sent(chain.id(), sent_id, now, None).await.unwrap();
    store.mark_sent(chain.id(), sent_id, now + chrono::Duration::seconds(5), None).await.unwrap();
    store.mark_failed(chain.id(), sent_id, "late").await.unwrap();
    store.retry_later(chain.id(), sent_id, now, "late").await.unwrap();
    let m = status_of(&*store, &chain, sent.id).await;
    assert_eq!(m.status, OutboxStatus::Sent);
    assert_eq!(m.sent_at.map(|t| t.timestamp_millis()), Some(now.timestamp_millis()));
    assert!(
        store
            .claim_due(now + LEASE * 2, LEASE, 10, &["telegram"])
            .await
            .unwrap()
            .iter()
            .all(|c| c.message.id == retried_id)
    );

    // Sent wins even after the lease ran out and the message was failed meanwhile.
    store.mark_sent(chain.id(), failed_id, now, None).await.unwrap();
    assert_eq!(status_of(&*store, &chain, failed.id).await.status, OutboxStatus::Sent);

    // Scoped by chain; unknown ids are not found.
    for result in [
        store.mark_sent(other.id(), retried_id, now, None).await,
        store.retry_later(other.id(), retried_id, now, "x").await,
        store.mark_failed(other.id(), retried_id, "x").await,
        store.mark_sent(chain.id(), i64::MAX, now, None).await,
    ] {
        assert_eq!(result.unwrap_err().kind(), ErrorKind::NotFound);
    }
    assert_ne!(status_of(&*store, &chain, retried.id).await.status, OutboxStatus::Sent);
}

/// A guest who blocked the bot: their messages are not claimed; with no other way to reach
/// them they fail as unreachable, with another messenger they wait for its sender; unblocking
/// makes new messages claimable again.
pub async fn outbox_unreachable_guests_are_skipped(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "blocked").await;
    let other = TestChain::create(&*store, "blocked-other").await;
    let (blocked, blocked_id) = queued(&*store, &chain, "1").await;
    store.mark_unreachable(chain.id(), blocked.id, "telegram").await.unwrap();
    store.mark_unreachable(chain.id(), blocked.id, "telegram").await.unwrap();
    assert!(store.claim_due(Utc::now(), LEASE, 10, &["telegram"]).await.unwrap().is_empty());
    let m = status_of(&*store, &chain, blocked.id).await;
    assert_eq!((m.id, m.status, m.last_error.as_deref()), (blocked_id, OutboxStatus::Failed, Some(UNREACHABLE)));
    assert_eq!(m.attempts, 0, "never sent");

    // Blocked on Telegram but also on WhatsApp: the Telegram sender leaves it for WhatsApp.
    let (both, both_id) = queued(&*store, &chain, "2").await;
    store.link_identity(chain.id(), both.id, ChannelIdentity::new("whatsapp", "+381600000002").unwrap()).await.unwrap();
    store.mark_unreachable(chain.id(), both.id, "telegram").await.unwrap();
    assert!(store.claim_due(Utc::now(), LEASE, 10, &["telegram"]).await.unwrap().is_empty());
    assert_eq!(status_of(&*store, &chain, both.id).await.status, OutboxStatus::Pending);
    let claimed = store.claim_due(Utc::now(), LEASE, 10, &["telegram", "whatsapp"]).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!((claimed[0].message.id, claimed[0].channel.as_str()), (both_id, "whatsapp"));

    // Unblocked: the next message goes out again.
    store.mark_reachable(chain.id(), blocked.id, "telegram").await.unwrap();
    assert!(chain.sale(&*store, &blocked, "r-after-unblock", 50_000).await.notified);
    let claimed = store.claim_due(Utc::now(), LEASE, 10, &["telegram"]).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].message.guest_id, blocked.id);
    assert_eq!(status_of(&*store, &chain, blocked.id).await.status, OutboxStatus::Sending);
    let history = store.outbox_of_guest(chain.id(), blocked.id).await.unwrap();
    assert_eq!(history[0].status, OutboxStatus::Failed, "a failed message stays failed");

    // Scoped by chain.
    for result in [
        store.mark_unreachable(other.id(), blocked.id, "telegram").await,
        store.mark_reachable(other.id(), blocked.id, "telegram").await,
    ] {
        assert_eq!(result.unwrap_err().kind(), ErrorKind::NotFound);
    }
}

/// Messages nobody can deliver are given up on, visibly: a guest with no identity on the
/// chain's messengers at once, any other message once older than the age limit; messages a
/// sender holds, settled ones and other chains' are left alone.
pub async fn outbox_undeliverable_messages_expire(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "expire").await;
    let other = TestChain::create(&*store, "expire-other").await;
    let now = Utc::now();
    let (on_telegram, on_telegram_id) = queued(&*store, &chain, "1").await;
    let unlinked = store.create_guest(chain.id(), NewGuest::default()).await.unwrap();
    assert!(chain.sale(&*store, &unlinked, "r-unlinked", 50_000).await.notified);
    let (elsewhere, _) = queued(&*store, &other, "9").await;
    let other_unlinked = store.create_guest(other.id(), NewGuest::default()).await.unwrap();
    assert!(other.sale(&*store, &other_unlinked, "r-other-unlinked", 50_000).await.notified);

    // No age limit: only the guest with no Telegram identity is given up on.
    let first = store.expire_undeliverable(chain.id(), &["telegram"], None, now).await.unwrap();
    assert!(!first.is_empty(), "the unlinked guest's message is undeliverable");
    assert_eq!(first, Expired { no_messenger: 1, too_old: 0 });
    let m = status_of(&*store, &chain, unlinked.id).await;
    assert_eq!((m.status, m.last_error.as_deref(), m.attempts), (OutboxStatus::Failed, Some(NO_MESSENGER), 0));
    assert_eq!(status_of(&*store, &chain, on_telegram.id).await.status, OutboxStatus::Pending, "reachable: kept");
    let again = store.expire_undeliverable(chain.id(), &["telegram"], None, now).await.unwrap();
    assert!(again.is_empty(), "a second pass finds nothing: {again:?}");

    // A chain served on no messenger at all: everything of it is undeliverable.
    let whatsapp_only = store.expire_undeliverable(chain.id(), &["whatsapp"], None, now).await.unwrap();
    assert_eq!(whatsapp_only, Expired { no_messenger: 1, too_old: 0 }, "a Telegram guest has no WhatsApp identity");
    let m = status_of(&*store, &chain, on_telegram.id).await;
    assert_eq!((m.id, m.status, m.last_error.as_deref()), (on_telegram_id, OutboxStatus::Failed, Some(NO_MESSENGER)));

    // Too old: given up on unless a sender holds it; the age counts from when it was queued.
    let (retried, _) = queued(&*store, &chain, "2").await;
    let (held, _) = queued(&*store, &chain, "3").await;
    let queued_by = Utc::now();
    let scope = ClaimScope { chain: Some(chain.id()), channels: &["telegram"], reachable_on: &["telegram"] };
    let claim = store.claim_due_in(queued_by, LEASE, 10, &scope).await.unwrap();
    assert_eq!(claim.len(), 2);
    let retried_id = claim.iter().find(|c| c.message.guest_id == retried.id).unwrap().message.id;
    store.retry_later(chain.id(), retried_id, queued_by + chrono::Duration::hours(1), "502").await.unwrap();
    let young = store
        .expire_undeliverable(chain.id(), &["telegram"], Some(queued_by - chrono::Duration::hours(1)), queued_by)
        .await
        .unwrap();
    assert!(young.is_empty(), "younger than the limit: {young:?}");
    let limit = Some(queued_by + chrono::Duration::seconds(1));
    let while_held = queued_by + LEASE - chrono::Duration::seconds(1);
    let old = store.expire_undeliverable(chain.id(), &["telegram"], limit, while_held).await.unwrap();
    assert_eq!(old, Expired { no_messenger: 0, too_old: 1 }, "the pending retry, not the claim in its lease");
    let m = status_of(&*store, &chain, retried.id).await;
    assert_eq!((m.status, m.last_error.as_deref(), m.attempts), (OutboxStatus::Failed, Some(EXPIRED), 1));
    assert_eq!(status_of(&*store, &chain, held.id).await.status, OutboxStatus::Sending, "a sender holds it");
    let lapsed = store.expire_undeliverable(chain.id(), &["telegram"], limit, queued_by + LEASE).await.unwrap();
    assert_eq!(lapsed, Expired { no_messenger: 0, too_old: 1 }, "once its sender's lease ran out");
    assert_eq!(status_of(&*store, &chain, held.id).await.last_error.as_deref(), Some(EXPIRED));

    // Settled messages stay as they are.
    let (sent, sent_id) = queued(&*store, &chain, "5").await;
    store.mark_sent(chain.id(), sent_id, Utc::now(), None).await.unwrap();
    let late = Utc::now() + chrono::Duration::days(30);
    store.expire_undeliverable(chain.id(), &[], Some(late), late).await.unwrap();
    assert_eq!(status_of(&*store, &chain, sent.id).await.status, OutboxStatus::Sent);

    // The other chain was never touched.
    assert_eq!(status_of(&*store, &other, elsewhere.id).await.status, OutboxStatus::Pending);
    assert_eq!(status_of(&*store, &other, other_unlinked.id).await.status, OutboxStatus::Pending);
    let unknown = store.expire_undeliverable(ChainId(i64::MAX), &[], Some(late), late).await.unwrap();
    assert!(unknown.is_empty());
}

/// The address is the guest's most recently linked reachable identity on the claimer's
/// channels.
pub async fn outbox_address_is_most_recent_identity(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "address").await;
    let (guest, _) = queued(&*store, &chain, "old").await;
    store.link_identity(chain.id(), guest.id, ChannelIdentity::new("telegram", "new").unwrap()).await.unwrap();
    store.link_identity(chain.id(), guest.id, ChannelIdentity::new("viber", "v-1").unwrap()).await.unwrap();
    let claimed = store.claim_due(Utc::now(), LEASE, 10, &["telegram"]).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].address.0, "new");

    assert!(chain.sale(&*store, &guest, "r-second", 50_000).await.notified);
    let claimed = store.claim_due(Utc::now(), LEASE, 10, &["telegram", "viber"]).await.unwrap();
    assert_eq!((claimed[0].channel.as_str(), claimed[0].address.0.as_str()), ("viber", "v-1"));
}

/// Conversations are keyed by (chain, channel, external id) and saved compare-and-set.
pub async fn conversations_save_compare_and_set(store: Arc<dyn Store>) {
    let a = TestChain::create(&*store, "conv-a").await;
    let b = TestChain::create(&*store, "conv-b").await;
    let who = ChannelIdentity::new("telegram", "42").unwrap();
    assert_eq!(store.conversation(a.id(), &who).await.unwrap(), None);
    let mut state = ConversationState { step: Step::Language, ..ConversationState::default() };
    assert_eq!(store.save_conversation(a.id(), &who, &state, None).await.unwrap(), 1);
    let again = store.save_conversation(a.id(), &who, &state, None).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Conflict, "creating twice conflicts");
    let stored = store.conversation(a.id(), &who).await.unwrap().unwrap();
    assert_eq!((stored.state.step, stored.version), (Step::Language, 1));

    state.step = Step::Cafe;
    assert_eq!(store.save_conversation(a.id(), &who, &state, Some(1)).await.unwrap(), 2);
    let stale = store.save_conversation(a.id(), &who, &ConversationState::default(), Some(1)).await.unwrap_err();
    assert_eq!(stale.kind(), ErrorKind::Conflict, "a stale version changes nothing");
    assert_eq!(store.conversation(a.id(), &who).await.unwrap().unwrap().state.step, Step::Cafe);

    // Of concurrent saves from one version exactly one wins.
    let chain = a.id();
    let wins = futures::stream::iter(0..8)
        .map(|_| {
            let store = store.clone();
            let (who, state) = (who.clone(), state.clone());
            async move { store.save_conversation(chain, &who, &state, Some(2)).await.is_ok() }
        })
        .buffer_unordered(8)
        .filter(|won| futures::future::ready(*won))
        .count()
        .await;
    assert_eq!(wins, 1);

    // Another chain, or another messenger, is another conversation.
    assert_eq!(store.conversation(b.id(), &who).await.unwrap(), None);
    let viber = ChannelIdentity::new("viber", "42").unwrap();
    assert_eq!(store.conversation(a.id(), &viber).await.unwrap(), None);
    let missing = store.save_conversation(regulars_core::ids::ChainId(999_999), &who, &state, None).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

/// Profile updates set only what they name, check the home cafe's chain and write an event;
/// referral codes find their guest and referrals are counted per chain.
pub async fn guest_profiles_update_and_referrals_count(store: Arc<dyn Store>) {
    let a = TestChain::create(&*store, "prof-a").await;
    let b = TestChain::create(&*store, "prof-b").await;
    let guest = a.guest(&*store, "1").await;
    let update = GuestUpdate { language: Some("ru".into()), home_cafe: Some(a.cafe.id), ..GuestUpdate::default() };
    let updated = store.update_guest(a.id(), guest.id, update).await.unwrap();
    assert_eq!((updated.language.as_deref(), updated.home_cafe, updated.phone), (Some("ru"), Some(a.cafe.id), None));
    let phone = GuestUpdate { phone: Some(("+381601112233".into(), true)), ..GuestUpdate::default() };
    let updated = store.update_guest(a.id(), guest.id, phone).await.unwrap();
    assert_eq!((updated.phone.as_deref(), updated.phone_verified), (Some("+381601112233"), true));
    assert_eq!(updated.language.as_deref(), Some("ru"), "fields not named stay");
    let foreign = GuestUpdate { home_cafe: Some(b.cafe.id), ..GuestUpdate::default() };
    assert_eq!(store.update_guest(a.id(), guest.id, foreign).await.unwrap_err().kind(), ErrorKind::NotFound);
    let bad = GuestUpdate { phone: Some(("0601".into(), false)), ..GuestUpdate::default() };
    assert_eq!(store.update_guest(a.id(), guest.id, bad).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    let other_chain =
        store.update_guest(b.id(), guest.id, GuestUpdate { language: Some("en".into()), ..GuestUpdate::default() });
    assert_eq!(other_chain.await.unwrap_err().kind(), ErrorKind::NotFound);
    let events = store.events(a.id(), &EventFilter::default(), PageRequest::first(1000)).await.unwrap().items;
    assert_eq!(events.iter().filter(|e| e.kind == "guest.updated").count(), 2, "the refused updates wrote nothing");

    let found = store.guest_by_referral_code(a.id(), &guest.referral_code.to_lowercase()).await.unwrap();
    assert_eq!(found.id, guest.id);
    let elsewhere = store.guest_by_referral_code(b.id(), &guest.referral_code).await.unwrap_err();
    assert_eq!(elsewhere.kind(), ErrorKind::NotFound);
    assert_eq!(store.count_referrals(a.id(), guest.id).await.unwrap(), 0);
    let friend =
        store.create_guest(a.id(), NewGuest { referred_by: Some(guest.id), ..NewGuest::default() }).await.unwrap();
    assert_eq!(friend.referred_by, Some(guest.id));
    assert_eq!(store.count_referrals(a.id(), guest.id).await.unwrap(), 1);
    assert_eq!(store.count_referrals(b.id(), guest.id).await.unwrap(), 0);
    let foreign_referrer = NewGuest { referred_by: Some(guest.id), ..NewGuest::default() };
    assert_eq!(store.create_guest(b.id(), foreign_referrer).await.unwrap_err().kind(), ErrorKind::NotFound);
}

/// A sender per bot claims its chain's messages only, for guests who wrote from its messenger
/// last among the chain's; the claim carries that identity's last-seen time.
pub async fn outbox_goes_where_the_guest_wrote_last(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "last-used").await;
    let other = TestChain::create(&*store, "last-used-other").await;
    let (guest, id) = queued(&*store, &chain, "500").await;
    let whatsapp = ChannelIdentity::new("whatsapp", "381600000500").unwrap();
    store.link_identity(chain.id(), guest.id, whatsapp.clone()).await.unwrap();
    let unknown = ChannelIdentity::new("whatsapp", "381699999999").unwrap();
    assert!(!store.record_seen(chain.id(), &unknown, Utc::now()).await.unwrap(), "nobody has that identity");
    assert!(!store.record_seen(other.id(), &whatsapp, Utc::now()).await.unwrap(), "scoped by chain");

    let seen = Utc::now() + chrono::Duration::minutes(5);
    assert!(store.record_seen(chain.id(), &whatsapp, seen).await.unwrap());
    let both = ["telegram", "whatsapp"];
    let scope = |chain_id, channel: &'static [&'static str]| ClaimScope {
        chain: Some(chain_id),
        channels: channel,
        reachable_on: &both,
    };
    let now = Utc::now() + chrono::Duration::minutes(6);
    let telegram_bot = store.claim_due_in(now, LEASE, 10, &scope(chain.id(), &["telegram"])).await.unwrap();
    assert!(telegram_bot.is_empty(), "she wrote on WhatsApp last: {telegram_bot:?}");
    let other_chain = store.claim_due_in(now, LEASE, 10, &scope(other.id(), &["whatsapp"])).await.unwrap();
    assert!(other_chain.is_empty(), "another chain's bot takes nothing of this chain");
    let claimed = store.claim_due_in(now, LEASE, 10, &scope(chain.id(), &["whatsapp"])).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!((claimed[0].message.id, claimed[0].address.0.as_str()), (id, "381600000500"));
    assert_eq!(claimed[0].last_seen_at.map(|t| t.timestamp_millis()), Some(seen.timestamp_millis()));
    store.mark_sent(chain.id(), id, now, None).await.unwrap();

    // She writes on Telegram again: her next message goes there.
    let later = seen + chrono::Duration::minutes(5);
    assert!(store.record_seen(chain.id(), &ChannelIdentity::new("telegram", "500").unwrap(), later).await.unwrap());
    // An older time never moves it back.
    assert!(store.record_seen(chain.id(), &whatsapp, seen - chrono::Duration::hours(1)).await.unwrap());
    assert!(chain.sale(&*store, &guest, "r-500-2", 50_000).await.notified);
    let now = later + chrono::Duration::minutes(1);
    assert!(store.claim_due_in(now, LEASE, 10, &scope(chain.id(), &["whatsapp"])).await.unwrap().is_empty());
    let claimed = store.claim_due_in(now, LEASE, 10, &scope(chain.id(), &["telegram"])).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].address.0, "500");
    store.mark_sent(chain.id(), claimed[0].message.id, now, None).await.unwrap();

    // Unreachable on WhatsApp, then she writes there: reachable again, and preferred.
    store.mark_unreachable(chain.id(), guest.id, "whatsapp").await.unwrap();
    let again = later + chrono::Duration::minutes(10);
    assert!(store.record_seen(chain.id(), &whatsapp, again).await.unwrap());
    assert!(chain.sale(&*store, &guest, "r-500-3", 50_000).await.notified);
    let now = again + chrono::Duration::minutes(1);
    let claimed = store.claim_due_in(now, LEASE, 10, &scope(chain.id(), &["whatsapp"])).await.unwrap();
    assert_eq!(claimed.len(), 1, "writing makes her reachable");
}

/// The platform's message id is stored with `sent`, and receipts land on it without ever
/// going back.
pub async fn outbox_receipts_never_go_back(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "receipts").await;
    let other = TestChain::create(&*store, "receipts-other").await;
    let (guest, id) = queued(&*store, &chain, "600").await;
    assert_eq!(store.claim_due(Utc::now(), LEASE, 10, &["telegram"]).await.unwrap().len(), 1);
    store.mark_sent(chain.id(), id, Utc::now(), Some("wamid.600")).await.unwrap();
    assert_eq!(status_of(&*store, &chain, guest.id).await.platform_message_id.as_deref(), Some("wamid.600"));
    assert_eq!(status_of(&*store, &chain, guest.id).await.receipt, None);
    assert!(!store.record_receipt(chain.id(), "wamid.unknown", ReceiptStatus::Read).await.unwrap());
    assert!(!store.record_receipt(other.id(), "wamid.600", ReceiptStatus::Read).await.unwrap(), "scoped by chain");
    assert!(store.record_receipt(chain.id(), "wamid.600", ReceiptStatus::Delivered).await.unwrap());
    assert_eq!(status_of(&*store, &chain, guest.id).await.receipt, Some(ReceiptStatus::Delivered));
    assert!(store.record_receipt(chain.id(), "wamid.600", ReceiptStatus::Read).await.unwrap());
    assert!(store.record_receipt(chain.id(), "wamid.600", ReceiptStatus::Delivered).await.unwrap());
    assert_eq!(
        status_of(&*store, &chain, guest.id).await.receipt,
        Some(ReceiptStatus::Read),
        "a late `delivered` does not undo `read`"
    );
    assert!(store.record_receipt(chain.id(), "wamid.600", ReceiptStatus::Failed).await.unwrap());
    assert_eq!(status_of(&*store, &chain, guest.id).await.receipt, Some(ReceiptStatus::Read));
}

/// Two guests merge into one: identities, purchases, notifications and wallets move, a wallet
/// both have keeps its history and hands its balance over with ledger entries, exactly once.
pub async fn guests_merge_into_one(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "merge").await;
    let other = TestChain::create(&*store, "merge-other").await;
    let kept = chain.guest(&*store, "700").await;
    let absorbed = store
        .create_guest(
            chain.id(),
            NewGuest {
                display_name: Some("Ana on WhatsApp".into()),
                phone: Some("+381600000700".into()),
                phone_verified: true,
                language: Some("sr-Latn".into()),
                identity: Some(ChannelIdentity::new("whatsapp", "381600000700").unwrap()),
                ..NewGuest::default()
            },
        )
        .await
        .unwrap();
    // The kept guest earned at the till by hand (points only); the absorbed one through a sale
    // (points, a stamp on the cafe's card, a notification).
    let kept_points = chain.points_wallet(&*store, &kept).await;
    store.post_entry(chain.id(), entry(kept_points.id, EntryKind::Earn, 10, "k-700")).await.unwrap();
    chain.sale(&*store, &absorbed, "r-700-b", 50_000).await;
    let stamp_wallet = store
        .open_wallet(
            chain.id(),
            WalletScope { guest_id: absorbed.id, program_id: chain.stamps.id, cafe_id: Some(chain.cafe.id) },
        )
        .await
        .unwrap();
    let guests_before = store.count_guests(chain.id()).await.unwrap();
    let absorbed_points = chain.points_wallet(&*store, &absorbed).await;

    assert_eq!(store.merge_guests(chain.id(), kept.id, kept.id).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(store.merge_guests(other.id(), kept.id, absorbed.id).await.unwrap_err().kind(), ErrorKind::NotFound);

    let merged = regulars_core::merge::merge(&*store, chain.id(), absorbed.id, kept.id).await.unwrap();
    assert_eq!(merged.guest.id, kept.id, "the older guest is kept");
    let kinds: HashSet<&str> = merged.guest.identities.iter().map(|i| i.channel.as_str()).collect();
    assert_eq!(kinds, HashSet::from(["telegram", "whatsapp"]));
    assert_eq!((merged.guest.phone.as_deref(), merged.guest.phone_verified), (Some("+381600000700"), true));
    assert_eq!(merged.guest.language.as_deref(), Some("sr-Latn"), "what the kept guest lacked");
    assert!(merged.moved_wallets.contains(&stamp_wallet.id), "a wallet only the absorbed guest had moves whole");
    assert_eq!(merged.clashing_wallets.len(), 1, "both had the points wallet");

    let wallets = store.wallets_of_guest(chain.id(), kept.id).await.unwrap();
    let points: i64 = wallets.iter().map(|w| w.balances.points).sum();
    assert_eq!(points, 15, "10 + 5 points on one card");
    assert!(wallets.iter().any(|w| w.id == stamp_wallet.id && w.balances.stamps == 1), "{wallets:?}");
    let old = store.ledger_entries(chain.id(), absorbed_points.id, PageRequest::first(10)).await.unwrap().items;
    assert_eq!(old.len(), 2, "the absorbed wallet keeps its earn, plus the transfer out: {old:?}");
    assert_eq!(store.wallet(chain.id(), absorbed_points.id).await.unwrap().balances.points, 0);
    assert_eq!(store.count_guests(chain.id()).await.unwrap(), guests_before - 1);
    let whatsapp = ChannelIdentity::new("whatsapp", "381600000700").unwrap();
    assert_eq!(store.guest_by_identity(chain.id(), &whatsapp).await.unwrap().id, kept.id);
    assert_eq!(store.guests_by_phone(chain.id(), "+381600000700").await.unwrap().len(), 1);
    let notes = store.outbox_of_guest(chain.id(), kept.id).await.unwrap();
    assert_eq!(notes.len(), 1, "the absorbed guest's notification moved too");
    let events = store.events(chain.id(), &EventFilter::default(), PageRequest::first(200)).await.unwrap().items;
    assert_eq!(events.iter().filter(|e| e.kind == "guest.merged").count(), 1);

    // Run again (a retry after a crash): nothing moves twice.
    let again = regulars_core::merge::merge(&*store, chain.id(), kept.id, absorbed.id).await.unwrap();
    let points: i64 =
        store.wallets_of_guest(chain.id(), kept.id).await.unwrap().iter().map(|w| w.balances.points).sum();
    assert_eq!(points, 15);
    assert_eq!(again.guest.id, kept.id);
    let events = store.events(chain.id(), &EventFilter::default(), PageRequest::first(200)).await.unwrap().items;
    assert_eq!(events.iter().filter(|e| e.kind == "guest.merged").count(), 1);
}

/// A refund through the POS path, as the source `test-pos` reports it.
fn refund_of(
    chain: &TestChain,
    receipt: &str,
    refund_id: &str,
    amount: Option<i64>,
) -> regulars_core::pos::ingest::RefundIngest {
    use regulars_core::money::{Currency, Money};
    use regulars_core::pos::{PosRefund, RefundLines};
    regulars_core::pos::ingest::RefundIngest {
        source: "test-pos".into(),
        delivery_id: format!("delivery-{refund_id}"),
        cafe_id: chain.cafe.id,
        refund: PosRefund {
            receipt_id: receipt.into(),
            refund_id: refund_id.into(),
            cafe_ref: "cafe".into(),
            lines: RefundLines::All,
            amount: amount.map(|minor| Money::new(minor, Currency::new("RSD").expect("currency"))),
            occurred_at: Utc::now(),
        },
    }
}

/// What is left to refund comes from the receipt: a second full refund gives back 0 (with or
/// without a guest), and stated amounts never add up past the sale.
pub async fn refunds_never_exceed_the_receipt(store: Arc<dyn Store>) {
    use regulars_core::pos::ingest::{GuestMatch, Notify, PurchaseIngest};
    let chain = TestChain::create(&*store, "refunds").await;
    let guest = chain.guest(&*store, "1").await;
    let sold = chain.sale(&*store, &guest, "R-1", 60_000).await;
    assert!(sold.programs.iter().any(|p| p.change > 0), "the sale earned: {sold:?}");

    let first = store.ingest_refund(chain.id(), refund_of(&chain, "R-1", "f1", None)).await.unwrap();
    assert_eq!(first.refund.as_ref().map(|r| r.amount_minor), Some(60_000));
    let second = store.ingest_refund(chain.id(), refund_of(&chain, "R-1", "f2", None)).await.unwrap();
    assert_eq!(second.refund.as_ref().map(|r| r.amount_minor), Some(0), "nothing is left: {second:?}");
    assert!(second.programs.iter().all(|p| p.change == 0), "{second:?}");
    let wallets = store.wallets_of_guest(chain.id(), guest.id).await.unwrap();
    assert!(wallets.iter().all(|w| w.balances.points == 0 && w.balances.stamps == 0), "{wallets:?}");
    let retried = store.ingest_refund(chain.id(), refund_of(&chain, "R-1", "f1", None)).await.unwrap();
    assert!(retried.duplicate && retried.refund.map(|r| r.amount_minor) == Some(60_000));

    // No guest: the sale earned nothing, and it still cannot be refunded twice.
    let anonymous = PurchaseIngest {
        source: "test-pos".into(),
        delivery_id: "delivery-R-2".into(),
        purchase: chain.purchase(None, "R-2", 40_000),
        guest: GuestMatch::None,
        card_step: None,
        reward_code: None,
        promotions: Vec::new(),
        staff: None,
        notify: Notify::Guest,
    };
    store.ingest_purchase(chain.id(), anonymous).await.unwrap();
    let all = store.ingest_refund(chain.id(), refund_of(&chain, "R-2", "a1", None)).await.unwrap();
    assert_eq!(all.refund.map(|r| r.amount_minor), Some(40_000));
    let again = store.ingest_refund(chain.id(), refund_of(&chain, "R-2", "a2", None)).await.unwrap();
    assert_eq!(again.refund.map(|r| r.amount_minor), Some(0));

    // A partial refund that reverses no points still counts toward what is left.
    chain.sale(&*store, &guest, "R-3", 5_000).await;
    let part = store.ingest_refund(chain.id(), refund_of(&chain, "R-3", "p1", Some(3_000))).await.unwrap();
    assert_eq!(part.refund.map(|r| r.amount_minor), Some(3_000));
    let over = store.ingest_refund(chain.id(), refund_of(&chain, "R-3", "p2", Some(3_000))).await.unwrap_err();
    assert!(
        matches!(&over, regulars_core::Error::InvalidInput { field, .. } if field == "amount"),
        "more than is left: {over:?}"
    );
    let rest = store.ingest_refund(chain.id(), refund_of(&chain, "R-3", "p3", None)).await.unwrap();
    assert_eq!(rest.refund.map(|r| r.amount_minor), Some(2_000));

    let events = store.events(chain.id(), &EventFilter::default(), PageRequest::first(100)).await.unwrap().items;
    let mut refunded: Vec<i64> = events
        .iter()
        .filter(|e| e.kind == "purchase.refunded")
        .map(|e| e.payload["amount_minor"].as_i64().unwrap_or(-1))
        .collect();
    refunded.sort_unstable();
    assert_eq!(refunded, vec![0, 0, 2_000, 3_000, 40_000, 60_000], "one event per refund, with what it gave back");
}

/// Many sales racing on one reward code: every sale is recorded, the code is used by one.
pub async fn sales_racing_on_a_reward_code_all_land(store: Arc<dyn Store>) {
    use regulars_core::ledger::IdempotencyKey;
    use regulars_core::pos::ingest::{GuestMatch, Notify, PurchaseIngest};
    use regulars_core::rules::Reward;
    use regulars_core::rules::codes::{RewardCode, RewardCodeStatus};
    let chain = TestChain::create(&*store, "code-race").await;
    let guest = chain.guest(&*store, "1").await;
    let wallet = chain.points_wallet(&*store, &guest).await;
    let reward: Reward =
        serde_json::from_value(serde_json::json!({ "key": "free-coffee", "name": "Free coffee", "cost": 100 }))
            .unwrap();
    let code = RewardCode::issue(
        "RACE0001".into(),
        wallet.id,
        &reward,
        (100, 0),
        IdempotencyKey::new("redeem-race").unwrap(),
        None,
        Utc::now(),
    );
    store.issue_reward_code(chain.id(), code).await.unwrap();
    const SALES: usize = 50;
    let outcomes = futures::future::join_all((0..SALES).map(|i| {
        let (store, chain) = (store.clone(), &chain);
        async move {
            let ingest = PurchaseIngest {
                source: "test-pos".into(),
                delivery_id: format!("delivery-race-{i}"),
                purchase: chain.purchase(None, &format!("race-{i}"), 30_000),
                guest: GuestMatch::None,
                card_step: None,
                reward_code: Some("race0001".into()),
                promotions: Vec::new(),
                staff: None,
                notify: Notify::Guest,
            };
            store.ingest_purchase(chain.id(), ingest).await
        }
    }))
    .await;
    let recorded: Vec<_> = outcomes.into_iter().collect::<Result<_, _>>().expect("every sale is recorded");
    let applied = recorded.iter().filter(|o| o.reward_code.as_ref().is_some_and(|c| c.applied)).count();
    assert_eq!(applied, 1, "the code is used once");
    assert!(
        recorded.iter().filter_map(|o| o.reward_code.as_ref()).filter(|c| !c.applied).all(|c| c.reason.is_some()),
        "every other sale says why the code was refused"
    );
    assert_eq!(store.reward_code(chain.id(), "RACE0001").await.unwrap().status, RewardCodeStatus::Used);
}

/// A sale ingested with [`Notify::Silent`](regulars_core::pos::ingest::Notify) earns, issues
/// and stores its answer like any other, and queues nothing for the guest; the next live sale
/// does.
pub async fn silent_sales_tell_nobody(store: Arc<dyn Store>) {
    use regulars_core::pos::ingest::Notify;
    let chain = TestChain::create(&*store, "silent").await;
    let guest = chain.guest(&*store, "1").await;
    let silent = |receipt: &str| {
        let mut ingest = chain.ingest(&guest, receipt, 60_000);
        ingest.notify = Notify::Silent;
        ingest
    };
    let outcome = store.ingest_purchase(chain.id(), silent("H-1")).await.unwrap();
    assert!(!outcome.notified, "{outcome:?}");
    assert!(outcome.programs.iter().any(|p| p.change > 0), "a silent sale earns: {outcome:?}");
    assert!(store.outbox_of_guest(chain.id(), guest.id).await.unwrap().is_empty(), "nothing queued");
    let retried = store.ingest_purchase(chain.id(), silent("H-1")).await.unwrap();
    assert!(retried.duplicate && !retried.notified);
    // Several at once (batched where the store batches), then the wallet holds them all.
    let many =
        futures::future::join_all((2..10).map(|n| store.ingest_purchase(chain.id(), silent(&format!("H-{n}"))))).await;
    assert!(many.iter().all(|o| o.as_ref().is_ok_and(|o| !o.notified && !o.duplicate)), "{many:?}");
    assert!(store.outbox_of_guest(chain.id(), guest.id).await.unwrap().is_empty(), "nothing queued by the batch");
    let points = chain.points_wallet(&*store, &guest).await.balances.points;
    assert_eq!(points, 9 * outcome.programs.iter().find(|p| p.program_id == chain.points.id).unwrap().change);

    let live = chain.sale(&*store, &guest, "L-1", 60_000).await;
    assert!(live.notified);
    assert_eq!(store.outbox_of_guest(chain.id(), guest.id).await.unwrap().len(), 1, "a live sale is told");
}

/// A chain whose points program has a 10-point coffee, a guest with 100 points in it (one
/// sale), and a barista in a shift at the cafe: the setting of a redemption at the till.
async fn till_with_points(
    store: &dyn Store,
    slug: &str,
) -> (TestChain, Guest, regulars_core::program::Program, regulars_core::pos::ingest::StaffSale) {
    use regulars_core::program::{NewProgram, ProgramKind, ProgramScope};
    let chain = TestChain::create(store, slug).await;
    let rules = r#"{ "earn": { "points": 1, "per_minor": 10000 },
        "rewards": [{ "key": "coffee", "name": "Coffee", "cost": 10 }] }"#;
    let program = store
        .create_program(
            chain.id(),
            NewProgram {
                name: "Till points".into(),
                kind: ProgramKind::Points,
                scope: ProgramScope::Chain,
                rules: crate::fixtures::rules(rules),
            },
        )
        .await
        .unwrap();
    let guest = chain.guest(store, "1").await;
    chain.sale(store, &guest, "R-100", 1_000_000).await;
    let barista = chain.barista(store, "B").await;
    let shift = store.open_shift(chain.id(), barista.id, chain.cafe.id).await.unwrap();
    (chain, guest, program, regulars_core::pos::ingest::StaffSale { staff_id: barista.id, shift_id: shift.id })
}

/// A redemption at the till: the debit, the code used at the cafe, the guest's notification,
/// all at once; a retried request answers the first, and one the balance cannot pay writes
/// nothing.
pub async fn till_redemptions_pay_once(store: Arc<dyn Store>) {
    use regulars_core::notification::Notification;
    use regulars_core::pos::redeem::TillRedeem;
    use regulars_core::rules::codes::RewardCodeStatus;
    let (chain, guest, program, staff) = till_with_points(&*store, "till-redeem").await;
    let told = store.outbox_of_guest(chain.id(), guest.id).await.unwrap().len();
    let request = |key: &str| TillRedeem {
        guest: guest.id,
        program: program.id,
        reward_key: "coffee".into(),
        cafe: chain.cafe.id,
        request_key: key.into(),
        staff,
    };
    let done = store.redeem_at_till(chain.id(), request("press-1")).await.unwrap();
    assert!(!done.replayed);
    assert_eq!((done.reward.as_str(), done.balances.points), ("Coffee", 90));
    assert_eq!(store.wallet(chain.id(), done.wallet_id).await.unwrap().balances.points, 90);
    let code = store.reward_code(chain.id(), &done.code.code).await.unwrap();
    assert_eq!((code.status, code.used_at_cafe), (RewardCodeStatus::Used, Some(chain.cafe.id)));
    let queued = store.outbox_of_guest(chain.id(), guest.id).await.unwrap();
    assert_eq!(queued.len(), told + 1, "the guest is told");
    assert!(matches!(&queued[told].notification, Notification::Redeemed { program: p, .. } if p.balance == 90));
    let paid = &store.ledger_entries(chain.id(), done.wallet_id, PageRequest::first(1)).await.unwrap().items[0];
    assert_eq!((paid.points, paid.shift_id, paid.cafe_id), (-10, Some(staff.shift_id), Some(chain.cafe.id)));

    let again = store.redeem_at_till(chain.id(), request("press-1")).await.unwrap();
    assert!(again.replayed, "{again:?}");
    assert_eq!((again.code.code.as_str(), again.balances), (done.code.code.as_str(), done.balances));
    assert_eq!(store.wallet(chain.id(), done.wallet_id).await.unwrap().balances.points, 90, "charged once");
    assert_eq!(store.outbox_of_guest(chain.id(), guest.id).await.unwrap().len(), told + 1, "told once");

    let events = store.events(chain.id(), &EventFilter::default(), PageRequest::first(100)).await.unwrap().items;
    for kind in ["reward_code.issued", "reward_code.used"] {
        assert_eq!(events.iter().filter(|e| e.kind == kind).count(), 1, "{kind}");
    }
    let unknown = TillRedeem { reward_key: "caviar".into(), ..request("press-2") };
    assert_eq!(store.redeem_at_till(chain.id(), unknown).await.unwrap_err().kind(), ErrorKind::NotFound);
    let stranger = chain.guest(&*store, "2").await;
    let no_wallet = TillRedeem { guest: stranger.id, ..request("press-3") };
    assert_eq!(store.redeem_at_till(chain.id(), no_wallet).await.unwrap_err().kind(), ErrorKind::NotFound);
    let other = TestChain::create(&*store, "till-redeem-other").await;
    assert_eq!(store.redeem_at_till(other.id(), request("press-4")).await.unwrap_err().kind(), ErrorKind::NotFound);
}

/// 20 redemptions of a 10-point coffee racing on 100 points: ten are paid, the rest are
/// refused for the balance, and nothing is overdrawn; 20 presses of one request racing redeem
/// once and all answer with its code.
pub async fn till_redemptions_racing_never_overdraw(store: Arc<dyn Store>) {
    use regulars_core::pos::redeem::TillRedeem;
    let (chain, guest, program, staff) = till_with_points(&*store, "till-race").await;
    let request = move |key: String| TillRedeem {
        guest: guest.id,
        program: program.id,
        reward_key: "coffee".into(),
        cafe: chain.cafe.id,
        request_key: key,
        staff,
    };
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (store, chain, request) = (store.clone(), chain.id(), request(format!("race-{i}")));
            tokio::spawn(async move { store.redeem_at_till(chain, request).await })
        })
        .collect();
    let mut paid = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(done) => {
                assert!(done.balances.points >= 0 && !done.replayed, "{done:?}");
                paid.push(done);
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::InsufficientBalance, "unexpected error: {e}"),
        }
    }
    assert_eq!(paid.len(), 10, "100 points pay for ten coffees");
    let mut left: Vec<i64> = paid.iter().map(|d| d.balances.points).collect();
    left.sort_unstable();
    assert_eq!(left, (0..10).map(|n| n * 10).collect::<Vec<_>>(), "each planned over what the one before left");
    let wallet = store.wallet(chain.id(), paid[0].wallet_id).await.unwrap();
    assert_eq!(wallet.balances.points, 0);
    let codes: HashSet<String> = paid.iter().map(|d| d.code.code.clone()).collect();
    assert_eq!(codes.len(), 10, "a code each");

    // The same press, 20 times at once, after the guest earned again.
    chain.sale(&*store, &guest, "R-101", 200_000).await;
    let same = futures::future::join_all((0..20).map(|_| {
        let (store, chain, request) = (store.clone(), chain.id(), request("press-again".into()));
        tokio::spawn(async move { store.redeem_at_till(chain, request).await })
    }))
    .await;
    let same: Vec<_> = same.into_iter().map(|t| t.unwrap().expect("every press is answered")).collect();
    assert_eq!(same.iter().filter(|d| !d.replayed).count(), 1, "one press redeems");
    assert!(same.iter().all(|d| d.code.code == same[0].code.code && d.balances == same[0].balances));
    assert_eq!(store.wallet(chain.id(), wallet.id).await.unwrap().balances.points, 10, "20 earned, 10 paid once");
}
