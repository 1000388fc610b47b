//! The points-expiry job over real storage: it expires what is due, once, and only in
//! programs that have an expiry rule.

use std::sync::Arc;

use chrono::{Duration, Utc};
use regulars_core::program::{NewProgram, ProgramKind, ProgramScope};
use regulars_core::store::Store;
use regulars_server::scheduler::expire_points;
use regulars_testkit::fixtures::{TestChain, rules};

async fn expiry_runs_once(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "expiry").await;
    let expiring = store
        .create_program(
            chain.id(),
            NewProgram {
                name: "Expiring points".into(),
                kind: ProgramKind::Points,
                scope: ProgramScope::Chain,
                rules: rules(
                    r#"{ "earn": { "points": 1, "per_minor": 10000 }, "expiry": { "lots_after_months": 1 } }"#,
                ),
            },
        )
        .await
        .unwrap();
    let guest = chain.guest(&*store, "1").await;
    chain.sale(&*store, &guest, "R-1", 50_000).await;
    let wallets = store.wallets_of_guest(chain.id(), guest.id).await.unwrap();
    let earned = |program| wallets.iter().find(|w| w.scope.program_id == program).unwrap().id;
    let (expiring_wallet, lasting_wallet) = (earned(expiring.id), earned(chain.points.id));
    assert_eq!(store.wallet(chain.id(), expiring_wallet).await.unwrap().balances.points, 5);

    let early = expire_points(&*store, Utc::now() + Duration::days(10)).await.unwrap();
    assert_eq!((early.programs, early.entries), (1, 0), "nothing is due after 10 days");

    let later = Utc::now() + Duration::days(40);
    let pass = expire_points(&*store, later).await.unwrap();
    assert_eq!((pass.entries, pass.points), (1, 5));
    assert_eq!(store.wallet(chain.id(), expiring_wallet).await.unwrap().balances.points, 0);
    assert_eq!(store.wallet(chain.id(), lasting_wallet).await.unwrap().balances.points, 5, "no expiry rule, no expiry");
    assert_eq!(expire_points(&*store, later).await.unwrap().entries, 0, "a second pass writes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_on_sqlite() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    expiry_runs_once(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_on_postgres() {
    let Some(db) = regulars_testkit::postgres::fresh_database().await else { return };
    expiry_runs_once(Arc::new(db.store(4).await)).await;
}
