//! A guest's data through the admin API over the demo chain: search by name, purchases,
//! merging two records of one person, opening a guest at the till with the code on their
//! card, the export and erasure an owner does at a guest's request, and the event log each
//! manager reads for their own cafes.

use axum::http::{StatusCode, header};
use chrono::Utc;
use regulars_core::page::PageRequest;
use regulars_core::staff::Role;
use regulars_server::demo_accounts::{DEMO_BARISTA_PIN, DEMO_MANAGER, DEMO_OWNER, DEMO_TERMINAL_TOKEN};
use serde_json::{Value, json};

use crate::api::first_guest_with_phone;
use crate::test_app::{Answer, TestApp, refs, session_cookie, with_cookie};

/// `GET` `path` under the demo chain's API with `cookie`.
async fn get(app: &TestApp, cookie: &str, path: &str) -> Answer {
    let path = format!("/api/v1/chains/{}{path}", app.chain());
    app.send("GET", &path, &refs(&with_cookie(cookie)), None).await
}

/// `POST` `body` to `path` under the demo chain's API with `cookie`.
async fn post(app: &TestApp, cookie: &str, path: &str, body: Value) -> Answer {
    let path = format!("/api/v1/chains/{}{path}", app.chain());
    app.send("POST", &path, &refs(&with_cookie(cookie)), Some(body)).await
}

/// The barista's session at the demo chain's paired till.
async fn barista_at_till(app: &TestApp) -> String {
    let barista = app.store.list_staff(app.chain()).await.unwrap().into_iter().find(|s| s.role == Role::Barista);
    let body =
        json!({ "terminal_token": DEMO_TERMINAL_TOKEN, "staff_id": barista.unwrap().id, "pin": DEMO_BARISTA_PIN });
    let answer = app.send("POST", "/api/v1/terminal/session", &[], Some(body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    session_cookie(&answer)
}

fn ids(page: &Answer) -> Vec<i64> {
    page.body["items"].as_array().unwrap().iter().map(|g| g["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn managers_find_guests_by_name_and_read_their_purchases_newest_first() {
    let app = TestApp::demo().build().await;
    let manager = app.sign_in(DEMO_MANAGER.0, DEMO_MANAGER.1).await;
    let guests = app.store.list_guests(app.chain(), PageRequest::first(200)).await.unwrap().items;
    let milicas: Vec<i64> = guests
        .iter()
        .filter(|g| g.display_name.as_deref().is_some_and(|n| n.starts_with("Milica")))
        .map(|g| g.id.get())
        .collect();
    assert!(milicas.len() >= 2, "the demo has several guests named Milica");

    let found = get(&app, &manager, "/guests?q=%20mILICA").await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(ids(&found), milicas, "any case, trimmed, in id order");
    let page = get(&app, &manager, "/guests?q=milica&limit=1").await;
    let cursor = page.body["next_cursor"].as_str().expect("more than one page").to_owned();
    let next = get(&app, &manager, &format!("/guests?q=milica&limit=1&cursor={cursor}")).await;
    assert_eq!([ids(&page), ids(&next)].concat(), milicas[..2], "the pages follow on");
    assert_eq!(ids(&get(&app, &manager, "/guests?q=nobody-is-called-this").await), Vec::<i64>::new());

    let guest = first_guest_with_phone(&app).await;
    let purchases = get(&app, &manager, &format!("/guests/{}/purchases", guest.id)).await;
    assert_eq!(purchases.status, StatusCode::OK, "{}", purchases.text);
    let items = purchases.body["items"].as_array().unwrap();
    assert!(!items.is_empty(), "demo guests have bought something: {}", purchases.text);
    let times: Vec<&str> = items.iter().map(|p| p["occurred_at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    assert!(items.iter().all(|p| !p["items"].as_array().unwrap().is_empty()), "with their line items");
    let missing = get(&app, &manager, "/guests/999999/purchases").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
}

#[tokio::test]
async fn a_manager_merges_two_records_of_one_guest_and_the_balances_add_up() {
    let app = TestApp::demo().build().await;
    let manager = app.sign_in(DEMO_MANAGER.0, DEMO_MANAGER.1).await;
    let guests = app.store.list_guests(app.chain(), PageRequest::first(3)).await.unwrap().items;
    let (keep, absorb) = (&guests[0], &guests[1]);
    let points = |detail: &Answer| -> i64 {
        detail.body["wallets"].as_array().unwrap().iter().map(|w| w["points"].as_i64().unwrap()).sum()
    };
    let before = points(&get(&app, &manager, &format!("/guests/{}", keep.id)).await)
        + points(&get(&app, &manager, &format!("/guests/{}", absorb.id)).await);

    let itself = post(&app, &manager, &format!("/guests/{}/merges", keep.id), json!({ "absorb": keep.id })).await;
    assert_eq!(itself.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", itself.text);
    let merged = post(&app, &manager, &format!("/guests/{}/merges", keep.id), json!({ "absorb": absorb.id })).await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text);
    assert_eq!(merged.body["guest"]["id"], keep.id.get());
    assert_eq!(points(&merged), before, "nothing earned is lost: {}", merged.text);
    // Merging is chain-wide, not at a cafe: the owner's log has it.
    let owner = app.sign_in(DEMO_OWNER.0, DEMO_OWNER.1).await;
    let audit = get(&app, &owner, &format!("/events?kind=audit.guests_merged&subject=guest:{}", keep.id)).await;
    assert_eq!(audit.body["items"].as_array().map(Vec::len), Some(1), "{}", audit.text);
    assert_eq!(audit.body["items"][0]["payload"]["details"]["absorbed"], absorb.id.get());
}

#[tokio::test]
async fn the_till_opens_the_guest_whose_card_code_is_typed_or_scanned_once() {
    let app = TestApp::demo().build().await;
    let barista = barista_at_till(&app).await;
    let guest = first_guest_with_phone(&app).await;
    let card = app.state.till.present_card(app.chain(), &guest, Utc::now()).await.unwrap();

    let typed = post(&app, &barista, "/till/lookup", json!({ "code": card.code.to_string() })).await;
    assert_eq!(typed.status, StatusCode::OK, "{}", typed.text);
    assert_eq!(typed.body["outcome"], "identified", "{}", typed.text);
    assert_eq!(typed.body["guest"]["guest"]["id"], guest.id.get());
    let phone = typed.body["guest"]["guest"]["phone"].as_str().unwrap();
    assert!(phone.contains('•'), "a barista sees the phone masked: {phone}");
    let again = post(&app, &barista, "/till/lookup", json!({ "code": card.code.to_string() })).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "a code opens a guest once: {}", again.text);

    // A fresh code, scanned: the QR's text. The next 30 s step is always within the
    // accepted skew (31 s from now could be two steps on, near a step's end).
    let now = Utc::now().timestamp();
    let later = chrono::DateTime::from_timestamp(now - now.rem_euclid(30) + 30, 0).unwrap();
    let card = app.state.till.present_card(app.chain(), &guest, later).await.unwrap();
    let scanned = post(&app, &barista, "/till/lookup", json!({ "scanned": card.payload.to_string() })).await;
    assert_eq!(scanned.status, StatusCode::OK, "{}", scanned.text);
    let neither = post(&app, &barista, "/till/lookup", json!({})).await;
    assert_eq!(neither.body["error"]["field"], "code", "{}", neither.text);
    let elsewhere = app.store.list_cafes(app.chain()).await.unwrap()[1].id;
    let other_cafe = post(&app, &barista, "/till/lookup", json!({ "code": "123456", "cafe": elsewhere })).await;
    assert_eq!(other_cafe.body["error"]["field"], "cafe", "a terminal works at its own cafe: {}", other_cafe.text);

    // A manager signed in on the web says which cafe's till this is.
    let manager = app.sign_in(DEMO_MANAGER.0, DEMO_MANAGER.1).await;
    let no_cafe = post(&app, &manager, "/till/lookup", json!({ "code": "123456" })).await;
    assert_eq!(no_cafe.body["error"]["field"], "cafe", "{}", no_cafe.text);

    // Wrong codes lock the barista for a while, said with Retry-After.
    let mut last = None;
    for wrong in 0..10 {
        let answer = post(&app, &barista, "/till/lookup", json!({ "code": format!("{:06}", 100_000 + wrong) })).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            last = Some(answer);
            break;
        }
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.text);
    }
    let locked = last.expect("wrong codes lock the till");
    let retry: u64 = locked.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!(retry > 0, "{retry}");
}

#[tokio::test]
async fn an_owner_exports_and_erases_a_guest_and_the_totals_stay() {
    let app = TestApp::demo().build().await;
    let owner = app.sign_in(DEMO_OWNER.0, DEMO_OWNER.1).await;
    let manager = app.sign_in(DEMO_MANAGER.0, DEMO_MANAGER.1).await;
    let guest = first_guest_with_phone(&app).await;
    let path = |what: &str| format!("/guests/{}/{what}", guest.id);

    assert_eq!(get(&app, &manager, &path("export")).await.status, StatusCode::FORBIDDEN, "owners only");
    let export = get(&app, &owner, &path("export")).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.text);
    let disposition = export.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert_eq!(disposition, format!("attachment; filename=\"guest-{}.json\"", guest.id));
    assert_eq!(export.body["guest"]["phone"], guest.phone.clone().unwrap());
    let ledger = &export.body["wallets"][0]["ledger"];
    assert!(ledger.as_array().is_some_and(|l| !l.is_empty()), "every ledger entry: {}", export.text);
    assert!(export.body["purchases"].as_array().is_some_and(|p| !p.is_empty()));
    assert!(!export.text.contains("secret"), "no card secret in an export");
    let purchases_before = get(&app, &owner, &path("purchases")).await.body["items"].clone();

    let unconfirmed = post(&app, &owner, &path("erase"), json!({})).await;
    assert_eq!(unconfirmed.body["error"]["field"], "confirm_public_id", "{}", unconfirmed.text);
    let mistaken = post(&app, &owner, &path("erase"), json!({ "confirm_public_id": "ZZZZZZ" })).await;
    assert_eq!(mistaken.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", mistaken.text);
    let confirm = json!({ "confirm_public_id": guest.public_id.as_str().to_lowercase() });
    assert_eq!(post(&app, &manager, &path("erase"), confirm.clone()).await.status, StatusCode::FORBIDDEN);
    let erased = post(&app, &owner, &path("erase"), confirm).await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.text);
    assert!(erased.body["erased_at"].is_string(), "{}", erased.text);
    for field in ["phone", "display_name", "birthday", "language"] {
        assert!(erased.body[field].is_null(), "{field}: {}", erased.text);
    }
    assert_eq!(erased.body["messengers"], json!([]));
    let again = post(&app, &owner, &path("erase"), json!({})).await;
    assert_eq!(again.status, StatusCode::OK, "erasing again changes nothing: {}", again.text);

    let after = get(&app, &owner, &path("export")).await;
    let phone = guest.phone.clone().unwrap();
    assert!(!after.text.contains(&phone), "the phone is gone everywhere: {}", after.text);
    assert_eq!(get(&app, &owner, &path("purchases")).await.body["items"], purchases_before, "the totals stay");
    let audit = get(&app, &owner, &format!("/events?kind=audit.guest_erased&subject=guest:{}", guest.id)).await;
    assert_eq!(audit.body["items"].as_array().map(Vec::len), Some(1), "audited once: {}", audit.text);
    let exported = get(&app, &owner, &format!("/events?kind=audit.guest_exported&subject=guest:{}", guest.id)).await;
    assert_eq!(exported.body["items"].as_array().map(Vec::len), Some(2), "{}", exported.text);
}

#[tokio::test]
async fn managers_read_the_event_log_of_their_own_cafes() {
    let app = TestApp::demo().build().await;
    let owner = app.sign_in(DEMO_OWNER.0, DEMO_OWNER.1).await;
    let manager = app.sign_in(DEMO_MANAGER.0, DEMO_MANAGER.1).await;
    let cafes = app.store.list_cafes(app.chain()).await.unwrap();
    let (dorcol, vracar) = (cafes[0].id.get(), cafes[1].id.get());
    let cafes_of = |page: &Answer| -> Vec<Value> {
        page.body["items"].as_array().unwrap().iter().map(|e| e["cafe"].clone()).collect()
    };

    let mine = get(&app, &manager, "/events?kind=purchase.recorded&limit=200").await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert!(!cafes_of(&mine).is_empty());
    assert!(cafes_of(&mine).iter().all(|c| *c == json!(dorcol)), "{}", mine.text);
    let hidden = get(&app, &manager, &format!("/events?cafe={vracar}")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "another cafe's log is hidden: {}", hidden.text);

    let theirs = get(&app, &owner, &format!("/events?kind=purchase.recorded&cafe={vracar}&limit=200")).await;
    assert!(!cafes_of(&theirs).is_empty(), "{}", theirs.text);
    assert!(cafes_of(&theirs).iter().all(|c| *c == json!(vracar)), "{}", theirs.text);
    let dorcols = get(&app, &owner, &format!("/events?kind=purchase.recorded&cafe={dorcol}&limit=200")).await;
    assert_eq!(dorcols.body, mine.body, "the manager reads all of their cafe's log");
}
