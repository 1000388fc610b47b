//! POS ingestion end to end through the real router, drivers and storage, on SQLite and on
//! PostgreSQL: signed deliveries earn exactly once, retries answer with the same body, refunds
//! reverse once, the preview matches the earn, bad input gets the documented status, and the
//! guest's notification is queued in the same transaction as the earn.

use std::sync::Arc;

use axum::http::{StatusCode, header};
use chrono::{Duration, Utc};
use futures::future::join_all;
use regulars_core::guest::{Consent, Guest, GuestPublicId, NewGuest};
use regulars_core::ids::ChainId;
use regulars_core::ledger::{Actor, EntryKind, IdempotencyKey, NewLedgerEntry, Overdraft};
use regulars_core::money::{Currency, Money};
use regulars_core::notification::Notification;
use regulars_core::page::PageRequest;
use regulars_core::pos::signature::{HeaderNames, WebhookSecret, signed_headers};
use regulars_core::pos::{GuestRef, PosPayload, PosPurchase, PosRefund, RefundLine, RefundLines};
use regulars_core::purchase::LineItem;
use regulars_core::store::Store;
use regulars_server::demo;
use regulars_server::pos::sources::{DEMO_POS_SECRET, PosRoutes};
use serde_json::Value;

use crate::test_app::{Answer, TestApp, signed};

/// The demo chain with its POS source, and one new guest.
struct PosApp {
    app: TestApp,
    store: Arc<dyn Store>,
    chain: ChainId,
    guest: Guest,
}

async fn pos_app(store: Arc<dyn Store>) -> PosApp {
    let app = TestApp::demo().on(store.clone()).build().await;
    let chain = app.chain();
    let guest = store
        .create_guest(
            chain,
            NewGuest {
                display_name: Some("Test Guest".into()),
                phone: Some("+381641234567".into()),
                phone_verified: true,
                language: Some("ru".into()),
                birthday: None,
                consent: Consent { marketing: true },
                identity: None,
                ..NewGuest::default()
            },
        )
        .await
        .unwrap();
    PosApp { app, store, chain, guest }
}

fn rsd(minor: i64) -> Money {
    Money::new(minor, Currency::new("RSD").unwrap())
}

fn line(sku: &str, category: &str, quantity: u32, unit_price_minor: i64) -> LineItem {
    LineItem { sku: sku.into(), name: sku.into(), category: Some(category.into()), quantity, unit_price_minor }
}

/// A sale at Dorćol: two cappuccinos and a croissant, 830.00 RSD.
fn sale(receipt: &str, guest: GuestRef) -> PosPurchase {
    let items = vec![line("CAP", "coffee", 2, 29_000), line("CRO", "pastry", 1, 25_000)];
    PosPurchase {
        receipt_id: receipt.into(),
        cafe_ref: "dorcol".into(),
        guest,
        total: rsd(83_000),
        items,
        discounts: Vec::new(),
        occurred_at: Utc::now() - Duration::seconds(5),
        reward_code: None,
    }
}

fn refund(receipt: &str, refund_id: &str, lines: RefundLines) -> PosPayload {
    PosPayload::PurchaseRefunded(PosRefund {
        receipt_id: receipt.into(),
        refund_id: refund_id.into(),
        cafe_ref: "dorcol".into(),
        lines,
        amount: None,
        occurred_at: Utc::now(),
    })
}

impl PosApp {
    fn public_ref(&self) -> GuestRef {
        GuestRef::PublicId(self.guest.public_id.clone())
    }

    async fn call(&self, path: &str, headers: &[(String, String)], body: Vec<u8>) -> Answer {
        self.app.post(path, headers, body).await
    }

    /// Posts `payload` to `/pos/demo/{route}` as delivery `id`, signed with the demo secret.
    async fn deliver_to(&self, route: &str, id: &str, payload: &PosPayload) -> Answer {
        self.app.deliver_to(route, id, payload).await
    }

    async fn deliver(&self, id: &str, payload: &PosPayload) -> Answer {
        self.app.deliver(id, payload).await
    }

    async fn buy(&self, id: &str, purchase: PosPurchase) -> Answer {
        self.deliver(id, &PosPayload::PurchaseCompleted(purchase)).await
    }

    /// The guest's wallets' (points, stamps) balances.
    async fn balances(&self) -> (i64, i64) {
        let wallets = self.store.wallets_of_guest(self.chain, self.guest.id).await.unwrap();
        wallets.iter().fold((0, 0), |(p, s), w| (p + w.balances.points, s + w.balances.stamps))
    }

    /// Earn entries on the guest's wallets.
    async fn earns(&self) -> usize {
        let mut n = 0;
        for wallet in self.store.wallets_of_guest(self.chain, self.guest.id).await.unwrap() {
            let entries = self.store.ledger_entries(self.chain, wallet.id, PageRequest::first(1000)).await.unwrap();
            n += entries.items.iter().filter(|e| e.kind == EntryKind::Earn).count();
        }
        n
    }
}

fn without_duplicate(mut body: Value) -> Value {
    body.as_object_mut().unwrap().remove("duplicate");
    body
}

fn program<'a>(body: &'a Value, unit: &str) -> &'a Value {
    body["programs"].as_array().unwrap().iter().find(|p| p["unit"] == unit).unwrap_or_else(|| panic!("{body}"))
}

async fn earns_once_and_retries_get_the_same_body(store: Arc<dyn Store>) {
    let app = pos_app(store).await;
    let first = app.buy("msg_1", sale("R-1", app.public_ref())).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["duplicate"], false);
    assert_eq!(first.body["guest"]["status"], "matched");
    // 830.00 RSD at one point per 10 RSD; two coffees on the stamp card.
    assert_eq!(program(&first.body, "points")["change"], 83);
    assert_eq!(program(&first.body, "stamps")["change"], 2);
    assert_eq!(program(&first.body, "points")["next_tier"]["name"], "Silver");
    assert_eq!(app.balances().await, (83, 2));

    let retry = app.buy("msg_1", sale("R-1", app.public_ref())).await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(retry.body["duplicate"], true);
    assert_eq!(without_duplicate(retry.body), without_duplicate(first.body.clone()), "same body on a retry");
    let same_receipt = app.buy("msg_2", sale("R-1", app.public_ref())).await;
    assert_eq!(same_receipt.body["duplicate"], true, "same receipt under a new delivery id");
    assert_eq!(app.balances().await, (83, 2), "retries earn nothing");
    assert_eq!(app.earns().await, 2, "one earn per program");

    let outbox = app.store.outbox_of_guest(app.chain, app.guest.id).await.unwrap();
    assert_eq!(outbox.len(), 1, "one notification, queued with the earn");
    let Notification::Earned { programs, .. } = &outbox[0].notification else { panic!("{outbox:?}") };
    let points = programs.iter().find(|p| p.change == 83).expect("the points program");
    assert_eq!(points.balance, 83);
    assert_eq!(points.next_reward.as_ref().map(|g| (g.name.as_str(), g.missing)), Some(("Croissant", 167)));
}

/// The POS path keeps each wallet's history between sales and reads only what is new: an entry
/// written elsewhere in between (a manual adjustment through the ledger) must be in the next
/// sale's plan, or its balance would be short by it.
async fn later_sales_see_entries_written_in_between(store: Arc<dyn Store>) {
    let app = pos_app(store).await;
    let first = app.buy("msg_1", sale("R-1", app.public_ref())).await;
    assert_eq!(program(&first.body, "points")["balance"], 83, "{}", first.body);
    let wallets = app.store.wallets_of_guest(app.chain, app.guest.id).await.unwrap();
    let points = wallets.iter().find(|w| w.balances.points > 0).expect("the points wallet");
    app.store
        .post_entry(
            app.chain,
            NewLedgerEntry {
                wallet_id: points.id,
                kind: EntryKind::Adjust,
                points: 200,
                stamps: 0,
                idempotency_key: IdempotencyKey::new("goodwill-1").unwrap(),
                actor: Actor::System("test".into()),
                cafe_id: None,
                shift_id: None,
                purchase_id: None,
                reason: Some("goodwill".into()),
                rule_snapshot: Value::Null,
                overdraft: Overdraft::Forbid,
            },
        )
        .await
        .unwrap();

    let second = app.buy("msg_2", sale("R-2", app.public_ref())).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(program(&second.body, "points")["balance"], 83 + 200 + 83, "{}", second.body);
    assert_eq!(program(&second.body, "stamps")["balance"], 4, "{}", second.body);
    let third = app.buy("msg_3", sale("R-3", app.public_ref())).await;
    assert_eq!(program(&third.body, "points")["balance"], 83 + 200 + 83 + 83, "{}", third.body);
    assert_eq!(app.balances().await, (449, 6), "the stored balances agree with the answers");
}

async fn sales_without_a_known_guest_are_recorded_without_points(store: Arc<dyn Store>) {
    let app = pos_app(store).await;
    let anonymous = app.buy("msg_a", sale("R-anon", GuestRef::None)).await;
    assert_eq!(anonymous.status, StatusCode::OK, "{}", anonymous.body);
    assert_eq!(anonymous.body["guest"]["status"], "none");
    assert_eq!(anonymous.body["programs"], Value::Array(Vec::new()));
    assert_eq!(anonymous.body["notified"], false);

    let unknown = app.buy("msg_u", sale("R-unknown", GuestRef::PublicId(GuestPublicId::random()))).await;
    assert_eq!(unknown.status, StatusCode::OK, "{}", unknown.body);
    assert_eq!(unknown.body["guest"]["status"], "unmatched");
    assert_eq!(unknown.body["guest"]["reason"], "unknown_guest");
    for receipt in ["R-anon", "R-unknown"] {
        let recorded = app.store.purchase_by_receipt(app.chain, "demo", receipt).await.unwrap();
        assert_eq!((recorded.details.total.minor, recorded.details.guest_id), (83_000, None), "revenue counts");
    }
    let by_phone = app.buy("msg_p", sale("R-phone", GuestRef::Phone("+381641234567".into()))).await;
    assert_eq!(by_phone.body["guest"]["public_id"], app.guest.public_id.as_str());
    assert_eq!(app.balances().await, (83, 2), "only the matched sale earned");
}

async fn refunds_reverse_once(store: Arc<dyn Store>) {
    let app = pos_app(store).await;
    app.buy("msg_1", sale("R-1", app.public_ref())).await;
    assert_eq!(app.balances().await, (83, 2));

    let one_coffee = RefundLines::Some(vec![RefundLine { sku: "CAP".into(), quantity: 1 }]);
    let partial = app.deliver("msg_r1", &refund("R-1", "RF-1", one_coffee.clone())).await;
    assert_eq!(partial.status, StatusCode::OK, "{}", partial.body);
    // One cappuccino is 290.00 of 830.00 RSD: 290 RSD back and its share of what was earned,
    // rounded down: 29 of 83 points, and 0 of 2 stamps (the engine refunds by amount).
    assert_eq!(partial.body["refund"]["amount_minor"], 29_000);
    assert_eq!(program(&partial.body, "points")["change"], -29);
    assert_eq!(app.balances().await, (54, 2));

    let again = app.deliver("msg_r1b", &refund("R-1", "RF-1", one_coffee)).await;
    assert_eq!(again.body["duplicate"], true, "the same refund id reverses once: {}", again.body);
    assert_eq!(app.balances().await, (54, 2));

    let rest = app.deliver("msg_r2", &refund("R-1", "RF-2", RefundLines::All)).await;
    assert_eq!(rest.status, StatusCode::OK, "{}", rest.body);
    assert_eq!(app.balances().await, (0, 0), "all of the sale given back: {}", rest.body);
    // "The whole receipt" again: nothing is left, so nothing changes (and the POS is not
    // told to retry a refund that can never apply).
    let nothing_left = app.deliver("msg_r3", &refund("R-1", "RF-3", RefundLines::All)).await;
    assert_eq!(nothing_left.status, StatusCode::OK, "{}", nothing_left.body);
    assert_eq!(nothing_left.body["refund"]["amount_minor"], 0);
    assert_eq!(app.balances().await, (0, 0));
    let mut too_much = refund("R-1", "RF-5", RefundLines::All);
    if let PosPayload::PurchaseRefunded(r) = &mut too_much {
        r.amount = Some(rsd(1_000));
    }
    let too_much = app.deliver("msg_r5", &too_much).await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY, "a stated amount beyond the rest: {}", too_much.body);

    let early = app.deliver("msg_r4", &refund("R-never", "RF-4", RefundLines::All)).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert!(early.headers.contains_key(header::RETRY_AFTER), "the POS retries once the sale arrives");
    let outbox = app.store.outbox_of_guest(app.chain, app.guest.id).await.unwrap();
    let kinds: Vec<&str> = outbox.iter().map(|m| m.notification.kind()).collect();
    assert_eq!(kinds, ["earned", "refunded", "refunded"]);
}

async fn preview_agrees_with_the_earn(store: Arc<dyn Store>) {
    let app = pos_app(store).await;
    app.buy("msg_0", sale("R-0", app.public_ref())).await;
    let payload = PosPayload::PurchaseCompleted(sale("R-1", app.public_ref()));
    let preview = app.deliver_to("preview", "prev_1", &payload).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert_eq!(app.earns().await, 2, "a preview writes nothing");
    let earned = app.deliver("msg_1", &payload).await;
    for unit in ["points", "stamps"] {
        let shown = program(&preview.body, unit);
        let done = program(&earned.body, unit);
        assert_eq!(shown["earn"], done["change"], "{unit}: preview {shown} vs earn {done}");
        assert_eq!(shown["balance_after"], done["balance"], "{unit}");
    }
    // Rewards are what the balance covers *before* the sale: 83 points cover none.
    assert_eq!(preview.body["rewards"], Value::Array(Vec::new()));
    assert_eq!(preview.body["max_discount_minor"], 0);
    for n in 2..4 {
        app.buy(&format!("msg_{n}"), sale(&format!("R-{n}"), app.public_ref())).await;
    }
    // 332 points: the free coffee (300) and the croissant (250), not Gold's breakfast.
    let later =
        app.deliver_to("preview", "prev_2", &PosPayload::PurchaseCompleted(sale("R-9", app.public_ref()))).await;
    let names: Vec<&str> =
        later.body["rewards"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Free coffee", "Croissant"], "{}", later.body);
    assert_eq!(later.body["max_discount_minor"], 29_000, "the dearer reward's menu value");
}

async fn a_scanned_card_code_is_used_once(store: Arc<dyn Store>) {
    let app = pos_app(store).await;
    let card = app.app.state.till.present_card(app.chain, &app.guest, Utc::now()).await.unwrap();
    let qr = GuestRef::QrPayload(card.payload.to_string());
    let first = app.buy("msg_q1", sale("R-q1", qr.clone())).await;
    assert_eq!(first.body["guest"]["status"], "matched", "{}", first.body);
    assert_eq!(first.body["guest"]["via"], "qr_payload");
    let retry = app.buy("msg_q1", sale("R-q1", qr.clone())).await;
    assert_eq!(retry.body["duplicate"], true, "a retry is not a reused code: {}", retry.body);
    let reuse = app.buy("msg_q2", sale("R-q2", qr)).await;
    assert_eq!(reuse.status, StatusCode::OK, "the sale is still recorded: {}", reuse.body);
    assert_eq!(reuse.body["guest"]["reason"], "code_already_used");
    assert_eq!(app.balances().await, (83, 2), "the reused code earned nothing");
}

async fn parallel_deliveries_earn_once_per_receipt(store: Arc<dyn Store>) {
    let app = pos_app(store).await;
    // 20 receipts, each delivered 5 times at once: some retries of one delivery, some the same
    // receipt under new delivery ids.
    let deliveries = (0..100).map(|n| {
        let receipt = format!("R-{}", n % 20);
        let id = format!("msg_{}_{}", n % 20, n % 3);
        let app = &app;
        async move { app.buy(&id, sale(&receipt, app.public_ref())).await }
    });
    let answers = join_all(deliveries).await;
    for answer in &answers {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let applied = answers.iter().filter(|a| a.body["duplicate"] == false).count();
    assert_eq!(applied, 20, "exactly one delivery per receipt applied");
    assert_eq!(app.earns().await, 40, "20 receipts x 2 programs");
    let (points, stamps) = app.balances().await;
    let applied_points: i64 = answers
        .iter()
        .filter(|a| a.body["duplicate"] == false)
        .map(|a| program(&a.body, "points")["change"].as_i64().unwrap())
        .sum();
    assert_eq!(points, applied_points, "the balance is exactly the applied earns");
    assert!(points > 20 * 83, "Silver's multiplier applies once 500 points are reached: {points}");
    assert!(stamps < 7, "full cards turn into reward codes: {stamps}");
    let outbox = app.store.outbox_of_guest(app.chain, app.guest.id).await.unwrap();
    assert_eq!(outbox.len(), 20, "one notification per receipt");
}

async fn bad_input_gets_the_documented_answer(store: Arc<dyn Store>) {
    let app = pos_app(store).await;
    let body = regulars_pos_webhook::to_body(&PosPayload::PurchaseCompleted(sale("R-1", app.public_ref())));
    let other = WebhookSecret::generate();
    let forged: Vec<(String, String)> = signed_headers(&[&other], &HeaderNames::STANDARD, "m1", Utc::now(), &body)
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    let bad = app.call("/pos/demo/webhook", &forged, body.clone()).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.body["error"]["message"].as_str().unwrap().contains("no signature matches"), "{}", bad.body);
    let stale =
        app.call("/pos/demo/webhook", &signed("m2", Utc::now() - Duration::minutes(10), &body), body.clone()).await;
    assert_eq!(stale.status, StatusCode::UNAUTHORIZED);
    assert!(stale.body["error"]["message"].as_str().unwrap().contains("old"), "{}", stale.body);
    let unsigned = app.call("/pos/demo/webhook", &[], body.clone()).await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);

    let not_json = b"{not json".to_vec();
    let answer = app.call("/pos/demo/webhook", &signed("m3", Utc::now(), &not_json), not_json).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    let missing = br#"{"type":"purchase.completed","data":{"receipt_id":"R-9","cafe":"dorcol","currency":"RSD","occurred_at":"2026-11-20T09:29:00Z"}}"#.to_vec();
    let answer = app.call("/pos/demo/webhook", &signed("m4", Utc::now(), &missing), missing).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.body["error"]["field"], "data.total_minor", "{}", answer.body);

    let mut elsewhere = sale("R-2", app.public_ref());
    elsewhere.cafe_ref = "novi-sad".into();
    let answer = app.buy("m5", elsewhere).await;
    assert_eq!(
        (answer.status, &answer.body["error"]["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &Value::from("cafe"))
    );
    let mut euros = sale("R-3", app.public_ref());
    euros.total = Money::new(83_000, Currency::new("EUR").unwrap());
    let answer = app.buy("m6", euros).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    assert_eq!(answer.body["error"]["field"], "currency");

    let huge = vec![b' '; 300 * 1024];
    let answer = app.call("/pos/demo/webhook", &signed("m7", Utc::now(), &huge), huge).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.body);
    let answer = app.call("/pos/nope/webhook", &signed("m8", Utc::now(), &body), body.clone()).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let shift = br#"{"type":"shift.closed","data":{}}"#.to_vec();
    let answer = app.call("/pos/demo/webhook", &signed("m9", Utc::now(), &shift), shift).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);

    assert_eq!(app.earns().await, 0, "none of it earned anything");
    assert!(app.store.purchase_by_receipt(app.chain, "demo", "R-3").await.is_err(), "nothing recorded");
}

/// `"notified": true` means queued; the answer also says on which of the chain's messengers
/// the guest can be reached, and when none can take the notification.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_says_when_no_messenger_can_take_the_notification() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    let app = pos_app(store).await;
    let sold = app.buy("msg_1", sale("R-1", app.public_ref())).await;
    assert_eq!(sold.status, StatusCode::OK, "{}", sold.body);
    assert_eq!(sold.body["notified"], true, "a notification was queued: {}", sold.body);
    assert_eq!(sold.body["messengers"], serde_json::json!([]), "the demo chain has no bot: {}", sold.body);
    assert_eq!(sold.body["undeliverable"]["reason"], "no_reachable_messenger", "{}", sold.body);
    assert!(sold.body["undeliverable"]["message"].as_str().unwrap().contains("no identity on a messenger"));
    let retry = app.buy("msg_1", sale("R-1", app.public_ref())).await;
    assert_eq!(
        (&retry.body["duplicate"], &retry.body["undeliverable"]),
        (&Value::from(true), &sold.body["undeliverable"])
    );

    let anonymous = app.buy("msg_2", sale("R-2", GuestRef::None)).await;
    assert_eq!(anonymous.body["notified"], false);
    let fields = anonymous.body.as_object().unwrap();
    assert!(!fields.contains_key("messengers") && !fields.contains_key("undeliverable"), "{}", anonymous.body);

    let refund = app.deliver("msg_r", &refund("R-1", "RF-1", RefundLines::All)).await;
    assert_eq!(refund.status, StatusCode::OK, "{}", refund.body);
    assert_eq!(refund.body["undeliverable"]["reason"], "no_reachable_messenger", "refunds too: {}", refund.body);
}

/// `regulars pos send` against the real server: a free item is a discount as large as its
/// line, and the sale is recorded with a total of 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pos_send_posts_a_free_item_with_a_discount() {
    use clap::Parser as _;
    use regulars_server::pos_send::{PosSend, send};

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        send: PosSend,
    }

    let app = TestApp::demo().serve().await;
    let guest = app.store.create_guest(app.chain(), NewGuest::default()).await.unwrap();
    let args = |extra: &[&str]| {
        let public_id = format!("--guest=public_id:{}", guest.public_id.as_str());
        let base = ["send", "--url", app.base(), &public_id, "--receipt=R-free"];
        Cli::try_parse_from(base.iter().chain(extra)).unwrap().send
    };
    let err = send(&args(&["--total=0"]), &mut Vec::new()).await.unwrap_err().to_string();
    assert!(err.contains("--discount NAME:29000"), "names the missing discount, not the lines: {err}");
    assert!(app.store.purchase_by_receipt(app.chain(), "demo", "R-free").await.is_err(), "nothing was sent");

    let sent = send(&args(&["--discount=Reward free-coffee:29000"]), &mut Vec::new()).await.unwrap();
    assert_eq!(sent.status, 200, "{}", sent.response);
    let answer: Value = serde_json::from_str(&sent.response).unwrap();
    assert_eq!(answer["guest"]["status"], "matched", "{answer}");
    let recorded = app.store.purchase_by_receipt(app.chain(), "demo", "R-free").await.unwrap();
    assert_eq!((recorded.details.total.minor, recorded.details.guest_id), (0, Some(guest.id)));
}

/// `[[pos.sources]]` against a real store: chains and cafes must exist, and a configured source
/// serves with its own secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_sources_resolve_their_chain_and_cafes() {
    use regulars_server::config::Config;
    let (store, dir) = regulars_testkit::sqlite_store().await;
    demo::seed(store.clone()).await.unwrap();
    let chain = store.chain_by_slug(demo::DEMO_SLUG).await.unwrap();
    let cafe = store.list_cafes(chain.id).await.unwrap()[1].id;
    let secret = WebhookSecret::generate();
    let toml = |chain: &str, cafe: i64| {
        format!(
            "[demo]\npos_source = false\n[[pos.sources]]\nname = \"till\"\nkind = \"webhook\"\nchain = \"{chain}\"\n\
             secrets = [\"{}\"]\ncafes = {{ main = {cafe} }}\n",
            secret.expose_whsec()
        )
    };
    let load = |text: String| {
        let path = dir.path().join("regulars.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(Some(&path)).unwrap()
    };
    let routes = PosRoutes::from_config(&load(toml("demo", cafe.get())), &*store).await.unwrap();
    assert!(routes.get("till").is_some() && routes.get("demo").is_none(), "demo source off when asked");
    let err = PosRoutes::from_config(&load(toml("nope", cafe.get())), &*store).await.unwrap_err();
    assert!(format!("{err:#}").contains("pos.sources[0].chain"), "{err:#}");
    let err = PosRoutes::from_config(&load(toml("demo", 999)), &*store).await.unwrap_err();
    assert!(format!("{err:#}").contains("pos.sources[0].cafes.main"), "{err:#}");
}

macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let (store, _dir) = regulars_testkit::sqlite_store().await;
                    super::$scenario(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let Some(db) = regulars_testkit::postgres::fresh_database().await else { return };
                    super::$scenario(std::sync::Arc::new(db.store(8).await)).await;
                }
            )*
        }
    };
}

on_both_backends!(
    earns_once_and_retries_get_the_same_body,
    later_sales_see_entries_written_in_between,
    sales_without_a_known_guest_are_recorded_without_points,
    refunds_reverse_once,
    preview_agrees_with_the_earn,
    a_scanned_card_code_is_used_once,
    parallel_deliveries_earn_once_per_receipt,
    bad_input_gets_the_documented_answer,
);

/// A real outage mid-run: the database refuses connections and the pool's are killed. The POS
/// is answered 503 with `Retry-After`; once the database is back, its retry is applied once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_outage_answers_503_and_the_retry_applies_once() {
    let Some(db) = regulars_testkit::postgres::fresh_database().await else { return };
    let app = pos_app(Arc::new(db.store(2).await)).await;
    let name = db.url().rsplit('/').next().unwrap().to_owned();
    let (admin, connection) =
        tokio_postgres::connect(&regulars_testkit::postgres::admin_url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    admin.batch_execute(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false")).await.unwrap();
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&name],
        )
        .await
        .unwrap();
    let first = app.buy("msg_out", sale("R-out", app.public_ref())).await;
    assert_eq!(first.status, StatusCode::SERVICE_UNAVAILABLE, "{}", first.body);
    assert!(first.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(first.body["error"]["kind"], "unavailable");
    admin.batch_execute(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true")).await.unwrap();
    let mut answer = first;
    for _ in 0..5 {
        if answer.status == StatusCode::OK {
            break;
        }
        answer = app.buy("msg_out", sale("R-out", app.public_ref())).await;
    }
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(app.balances().await, (83, 2), "applied once, nothing half-written before");
    assert_eq!(app.earns().await, 2);
}

/// Hostile but correctly signed deliveries (issue 17): each is a 422 naming its field, on both
/// backends, and none records anything. A NUL in a text used to reach PostgreSQL and answer
/// 500; a total of `i64::MAX`, a sale in the year 1 or 9999, a lower-case currency and a key
/// given twice used to be accepted.
async fn hostile_deliveries_are_refused_by_field(store: Arc<dyn Store>) {
    let app = pos_app(store).await;
    let secret = WebhookSecret::parse(DEMO_POS_SECRET).unwrap();
    let recent = (Utc::now() - Duration::seconds(5)).to_rfc3339();
    let sale = |fields: &str| {
        format!(r#"{{"type":"purchase.completed","data":{{"receipt_id":"R-hostile","cafe":"dorcol",{fields}}}}}"#)
    };
    let plain = format!(r#""total_minor":29000,"currency":"RSD","occurred_at":"{recent}""#);
    let cases = [
        (sale(&format!(r#"{plain},"reward_code":"K7Q2\u0000-9XHM""#)), "data.reward_code"),
        (
            sale(&format!(
                r#"{plain},"items":[{{"sku":"CAP","name":"Cappuccino\u0000","quantity":1,"unit_price_minor":29000}}]"#
            )),
            "data.items[0].name",
        ),
        (sale(&format!(r#"{plain},"guest":{{"qr_payload":"RG1.\u0000"}}"#)), "data.guest"),
        (sale(&format!(r#""total_minor":{},"currency":"RSD","occurred_at":"{recent}""#, i64::MAX)), "data.total_minor"),
        (sale(r#""total_minor":29000,"currency":"RSD","occurred_at":"0001-01-01T00:00:00Z""#), "data.occurred_at"),
        (sale(r#""total_minor":29000,"currency":"RSD","occurred_at":"9999-12-31T23:59:59Z""#), "data.occurred_at"),
        (sale(&format!(r#""total_minor":29000,"currency":"rsd","occurred_at":"{recent}""#)), "data.currency"),
        (sale(&format!(r#"{plain},"total_minor":1"#)), "data.total_minor"),
    ];
    for (n, (body, field)) in cases.into_iter().enumerate() {
        let id = format!("msg_hostile_{n}");
        let headers: Vec<(String, String)> =
            signed_headers(&[&secret], &HeaderNames::STANDARD, &id, Utc::now(), body.as_bytes())
                .iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect();
        let answer = app.call("/pos/demo/webhook", &headers, body.clone().into_bytes()).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", answer.body);
        assert_eq!(answer.body["error"]["kind"], "invalid_input", "{body}: {}", answer.body);
        assert_eq!(answer.body["error"]["field"], field, "{body}: {}", answer.body);
    }
    assert!(app.store.purchase_by_receipt(app.chain, "demo", "R-hostile").await.is_err(), "nothing recorded");
    assert_eq!(app.earns().await, 0);
    // The same sale without the hostile parts is recorded.
    let fine = sale(&plain);
    let headers: Vec<(String, String)> =
        signed_headers(&[&secret], &HeaderNames::STANDARD, "msg_fine", Utc::now(), fine.as_bytes())
            .iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
    let answer = app.call("/pos/demo/webhook", &headers, fine.into_bytes()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

mod hostile {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (store, _dir) = regulars_testkit::sqlite_store().await;
        super::hostile_deliveries_are_refused_by_field(store).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(db) = regulars_testkit::postgres::fresh_database().await else { return };
        super::hostile_deliveries_are_refused_by_field(std::sync::Arc::new(db.store(8).await)).await;
    }
}
