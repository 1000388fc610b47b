//! The core services over the real stores, on both backends: the rules engine's preview against
//! the purchase workflow's earn, a duplicate, a refund through `Loyalty`, and identity at the till through `TillIdentity`.
//! Their own tests use in-memory fakes; these prove the real storage keeps their contracts.

use std::sync::Arc;

use chrono::{Duration, Utc};
use regulars_core::guest::ChannelIdentity;
use regulars_core::identity::TerminalId;
use regulars_core::identity::deep_link::DeepLinkSigner;
use regulars_core::identity::secret::{KeyId, SecretKey, SecretKeyring};
use regulars_core::identity::till::{TillActor, TillConfig, TillIdentity, TillOutcome, TillRefusal};
use regulars_core::ledger::Actor;
use regulars_core::loyalty::{Loyalty, RefundCommand};
use regulars_core::rules::refunds::RefundRequest;
use regulars_core::staff::{NewStaff, Role};
use regulars_core::store::Store;
use regulars_testkit::fixtures::TestChain;
use regulars_testkit::postgres::{TestDatabase, fresh_database};

async fn postgres() -> Option<(Arc<dyn Store>, TestDatabase)> {
    let db = fresh_database().await?;
    let store: Arc<dyn Store> = Arc::new(db.store(8).await);
    Some((store, db))
}

async fn loyalty_earns_previews_and_refunds(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "loyalty").await;
    let guest = chain.guest(&*store, "1").await;
    let purchase = chain.purchase(Some(guest.id), "R-1", 45_000);
    let loyalty = Loyalty::new(&*store);
    let preview = loyalty.preview(chain.id(), chain.points.id, &purchase, &[]).await.unwrap();
    let sold = chain.sale(&*store, &guest, "R-1", 45_000).await;
    assert!(!sold.duplicate);
    let earned = sold.programs.iter().find(|p| p.program_id == chain.points.id).unwrap();
    assert_eq!(earned.change, 4, "450 RSD at 1 point per 100 RSD, rounded down");
    assert_eq!(earned.change, preview.points, "the preview is what the earn writes");
    let wallet = chain.points_wallet(&*store, &guest).await;
    assert_eq!(wallet.balances.points, 4);

    let again = chain.sale(&*store, &guest, "R-1", 45_000).await;
    assert!(again.duplicate);
    assert_eq!(store.wallet(chain.id(), wallet.id).await.unwrap().balances.points, 4, "earns once");

    let refund = RefundCommand {
        purchase_id: sold.purchase_id,
        refund: RefundRequest { refund_id: "F-1".into(), amount_minor: 45_000 },
        actor: Actor::Pos("test-pos".into()),
        shift_id: None,
    };
    loyalty.refund(chain.id(), &refund, Utc::now()).await.unwrap();
    loyalty.refund(chain.id(), &refund, Utc::now()).await.unwrap();
    let after = store.wallet(chain.id(), wallet.id).await.unwrap().balances;
    assert_eq!((after.points, after.lifetime_points), (0, 0), "a full refund, delivered twice, reverses once");
}

fn till(store: Arc<dyn Store>) -> TillIdentity<dyn Store> {
    let key_id = KeyId::new("k1").unwrap();
    let keyring = SecretKeyring::new(key_id.clone(), [(key_id, SecretKey::generate())]).unwrap();
    TillIdentity::new(store, keyring, DeepLinkSigner::new(SecretKey::generate()), TillConfig::default())
}

async fn till_identifies_once(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "till").await;
    let guest = chain.guest(&*store, "1").await;
    let barista = store
        .create_staff(
            chain.id(),
            NewStaff {
                name: "Milica".into(),
                role: Role::Barista,
                cafes: vec![chain.cafe.id],
                identity: Some(ChannelIdentity::new("telegram", "900").unwrap()),
                login: None,
            },
        )
        .await
        .unwrap();
    let till = till(store.clone());
    let actor = TillActor {
        chain: chain.id(),
        staff: barista.id,
        cafe: chain.cafe.id,
        terminal: TerminalId::new("till-1").unwrap(),
    };
    let now = Utc::now();

    let card = till.present_card(chain.id(), &guest, now).await.unwrap();
    match till.resolve_scan(&actor, &card.payload.to_string(), now).await.unwrap() {
        TillOutcome::Identified(found) => assert_eq!(found.guest.id, guest.id),
        other => panic!("expected the guest, got {other:?}"),
    }
    assert!(
        matches!(
            till.resolve_scan(&actor, &card.payload.to_string(), now).await.unwrap(),
            TillOutcome::Refused(TillRefusal::CodeAlreadyUsed)
        ),
        "the same code never counts twice"
    );

    // Typed digits 30 s later: found among the chain's presenting guests.
    let later = now + Duration::seconds(30);
    let fresh = till.present_card(chain.id(), &guest, later).await.unwrap();
    match till.resolve_typed_code(&actor, &fresh.code.to_string(), None, later).await.unwrap() {
        TillOutcome::Identified(found) => assert_eq!(found.guest.id, guest.id),
        other => panic!("expected the guest by typed code, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loyalty_on_sqlite() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    loyalty_earns_previews_and_refunds(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loyalty_on_postgres() {
    let Some((store, _db)) = postgres().await else { return };
    loyalty_earns_previews_and_refunds(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn till_on_sqlite() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    till_identifies_once(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn till_on_postgres() {
    let Some((store, _db)) = postgres().await else { return };
    till_identifies_once(store).await;
}
