//! The admin API over the demo chain: signing in and out, sessions, tokens, PINs on a paired
//! terminal, and the authorization matrix over every route of the OpenAPI document.

use axum::http::{StatusCode, header};
use chrono::{Duration, Utc};
use regulars_core::auth::token::{TokenKind, issue};
use regulars_core::auth::{NewSession, NewTerminal, Secret};
use regulars_core::ids::CafeId;
use regulars_core::page::PageRequest;
use regulars_core::staff::{NewStaff, Role};
use regulars_server::demo_accounts::{DEMO_BARISTA_PIN, DEMO_MANAGER, DEMO_OWNER, DEMO_TERMINAL_TOKEN};
use serde_json::{Value, json};

use crate::test_app::{TestApp, refs, session_cookie, with_cookie};

#[tokio::test]
async fn an_owner_signs_in_sees_the_chain_and_signs_out() {
    let app = TestApp::demo().build().await;
    let chain = app.chain().get();
    let answer = app
        .send("POST", "/api/v1/session", &[], Some(json!({ "login": "Demo-Owner ", "password": DEMO_OWNER.1 })))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let set = answer.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(set.contains(flag), "{set}");
    }
    assert!(!set.contains("Secure"), "plain http on loopback: {set}");
    assert_eq!(answer.body["staff"]["role"], "owner");
    assert_eq!(answer.body["chain"]["id"], chain);
    assert!(!answer.text.contains(DEMO_OWNER.1) && !answer.text.contains("argon2"));
    let cookie = session_cookie(&answer);

    let me = app.send("GET", "/api/v1/session", &refs(&with_cookie(&cookie)), None).await;
    assert_eq!((me.status, me.body["via"].as_str()), (StatusCode::OK, Some("session")));
    let cafes = |query: &str| {
        let path = format!("/api/v1/chains/{chain}/cafes{query}");
        let headers = with_cookie(&cookie);
        let app = &app;
        async move { app.send("GET", &path, &refs(&headers), None).await }
    };
    let all = cafes("").await;
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(2), "{}", all.text);
    // Short lists page like long ones.
    let first = cafes("?limit=1").await;
    let next = first.body["next_cursor"].as_str().expect("a second page").to_owned();
    let second = cafes(&format!("?limit=1&cursor={next}")).await;
    assert_eq!(
        [first.body["items"][0].clone(), second.body["items"][0].clone()],
        [all.body["items"][0].clone(), all.body["items"][1].clone()]
    );
    assert!(second.body["next_cursor"].is_null(), "{}", second.text);
    assert_eq!(cafes("?cursor=yesterday").await.body["error"]["field"], "cursor");

    // A cross-site page cannot use the cookie to change anything; the portal's own can.
    let mut cross = with_cookie(&cookie);
    cross.push(("sec-fetch-site", "cross-site".into()));
    let body = json!({ "name": "CI token", "permissions": ["guests:read"] });
    let refused = app.send("POST", &format!("/api/v1/chains/{chain}/tokens"), &refs(&cross), Some(body.clone())).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let mut own = with_cookie(&cookie);
    own.push(("origin", "http://localhost:8080".into()));
    own.push(("host", "localhost:8080".into()));
    let created = app.send("POST", &format!("/api/v1/chains/{chain}/tokens"), &refs(&own), Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);

    let out = app.send("DELETE", "/api/v1/session", &refs(&with_cookie(&cookie)), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().contains("Max-Age=0"));
    let after = app.send("GET", "/api/v1/session", &refs(&with_cookie(&cookie)), None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert!(after.text.contains("signed out"), "{}", after.text);
}

#[tokio::test]
async fn wrong_passwords_are_refused_alike_and_throttled() {
    let app = TestApp::demo().build().await;
    let attempt = |login: &'static str, password: &'static str| {
        app.send("POST", "/api/v1/session", &[], Some(json!({ "login": login, "password": password })))
    };
    let wrong = attempt("demo-owner", "not-the-password").await;
    let unknown = attempt("nobody-here", "not-the-password").await;
    assert_eq!((wrong.status, unknown.status), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(wrong.body["error"]["message"], unknown.body["error"]["message"], "no hint which one exists");
    let missing = app.send("POST", "/api/v1/session", &[], Some(json!({ "login": "demo-owner" }))).await;
    assert_eq!(
        (missing.status, missing.body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("password"))
    );
    // Four more wrong tries use up the burst of five; the sixth is refused unheard, even
    // with the right password.
    for _ in 0..4 {
        assert_eq!(attempt("demo-owner", "still-wrong").await.status, StatusCode::UNAUTHORIZED);
    }
    let limited = attempt("demo-owner", DEMO_OWNER.1).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.text);
    let wait: u64 = limited.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=12).contains(&wait), "{wait}");
    assert!(limited.text.contains("too many"), "{}", limited.text);
    // Another account is not locked out by it.
    app.sign_in(DEMO_MANAGER.0, DEMO_MANAGER.1).await;
}

#[tokio::test]
async fn sessions_expire_and_end_everywhere() {
    let app = TestApp::demo().build().await;
    let chain = app.chain();
    let owner = app.store.staff_of_account(DEMO_OWNER.0).await.unwrap().remove(0);
    let account = app.store.account_by_login(DEMO_OWNER.0).await.unwrap();
    let stale = |created: chrono::DateTime<Utc>, expires: chrono::DateTime<Utc>| {
        let store = app.store.clone();
        async move {
            let token = issue(TokenKind::Session);
            store
                .create_session(NewSession {
                    chain_id: chain,
                    staff_id: owner.id,
                    account_id: Some(account.id),
                    terminal_id: None,
                    token: token.hash.clone(),
                    created_at: created,
                    expires_at: expires,
                })
                .await
                .unwrap();
            format!("regulars_session={}", token.plain.expose())
        }
    };
    let now = Utc::now();
    let expired = stale(now - Duration::days(8), now - Duration::days(1)).await;
    let idle = stale(now - Duration::hours(5), now + Duration::days(1)).await;
    for (cookie, says) in
        [(&expired, "expired"), (&idle, "inactivity"), (&"regulars_session=rgs_nonsense".to_owned(), "not valid")]
    {
        let answer = app.send("GET", "/api/v1/session", &refs(&with_cookie(cookie)), None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.text);
        assert!(answer.text.contains(says), "{says}: {}", answer.text);
    }
    let first = app.sign_in(DEMO_OWNER.0, DEMO_OWNER.1).await;
    let second = app.sign_in(DEMO_OWNER.0, DEMO_OWNER.1).await;
    let manager = app.sign_in(DEMO_MANAGER.0, DEMO_MANAGER.1).await;
    let ended = app.send("POST", "/api/v1/session/end-all", &refs(&with_cookie(&first)), None).await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.text);
    // The two just opened, and the two stale ones, which had expired but not been ended.
    assert_eq!(ended.body["sessions"], 4);
    for cookie in [&first, &second] {
        assert_eq!(
            app.send("GET", "/api/v1/session", &refs(&with_cookie(cookie)), None).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(app.send("GET", "/api/v1/session", &refs(&with_cookie(&manager)), None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_barista_signs_in_with_a_pin_on_the_paired_terminal_only() {
    let app = TestApp::demo().build().await;
    let chain = app.chain();
    let barista = app.store.list_staff(chain).await.unwrap().into_iter().find(|s| s.role == Role::Barista).unwrap();
    let pin_login = |terminal: &str, pin: &str| {
        app.send(
            "POST",
            "/api/v1/terminal/session",
            &[],
            Some(json!({ "terminal_token": terminal, "staff_id": barista.id, "pin": pin })),
        )
    };
    assert_eq!(
        pin_login("rgp_not-a-paired-terminal-token-at-all-000000", DEMO_BARISTA_PIN).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(pin_login(DEMO_TERMINAL_TOKEN, "9999").await.status, StatusCode::UNAUTHORIZED);
    let answer = pin_login(DEMO_TERMINAL_TOKEN, DEMO_BARISTA_PIN).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let cafe = answer.body["terminal_cafe_id"].as_i64().unwrap();
    let cookie = session_cookie(&answer);
    let headers = with_cookie(&cookie);
    let shifts =
        |query: String| app.send("GET", &format!("/api/v1/chains/{chain}/shifts{query}"), &refs(&headers), None);
    assert_eq!(shifts(format!("?cafe={cafe}")).await.status, StatusCode::OK);
    let other = app.store.list_cafes(chain).await.unwrap().into_iter().find(|c| c.id.get() != cafe).unwrap();
    assert_eq!(shifts(format!("?cafe={}", other.id)).await.status, StatusCode::NOT_FOUND, "another cafe's shifts");
    // The barista finds a guest by public id and sees the phone masked.
    let guest = first_guest_with_phone(&app).await;
    let found = app
        .send(
            "GET",
            &format!("/api/v1/chains/{chain}/guests/lookup?public_id={}", guest.public_id),
            &refs(&headers),
            None,
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let phone = found.body["guest"]["phone"].as_str().unwrap();
    assert!(phone.contains('•') && !phone.contains(&guest.phone.clone().unwrap()[4..10]), "{phone}");
    // Unpairing the terminal ends the session at once.
    let terminal = app.store.list_terminals(chain).await.unwrap().remove(0);
    app.store.revoke_terminal(chain, terminal.id, Utc::now()).await.unwrap();
    let after = app.send("GET", "/api/v1/session", &refs(&headers), None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.text);
}

pub(crate) async fn first_guest_with_phone(app: &TestApp) -> regulars_core::guest::Guest {
    let guests = app.store.list_guests(app.chain(), PageRequest::first(100)).await.unwrap().items;
    guests.into_iter().find(|g| g.phone.is_some()).expect("demo guests have phones")
}

#[tokio::test]
async fn tokens_act_within_their_staff_member_and_permissions_and_die_when_revoked() {
    let app = TestApp::demo().build().await;
    let chain = app.chain().get();
    let owner = app.sign_in(DEMO_OWNER.0, DEMO_OWNER.1).await;
    let barista =
        app.store.list_staff(app.chain()).await.unwrap().into_iter().find(|s| s.role == Role::Barista).unwrap();
    let mint = |staff: Option<i64>, permissions: Vec<&'static str>| {
        let body = json!({ "name": "integration", "staff_id": staff, "permissions": permissions });
        app.send("POST", &format!("/api/v1/chains/{chain}/tokens"), &refs(&with_cookie(&owner)), Some(body))
    };
    let reader = mint(None, vec!["guests:read"]).await;
    assert_eq!(reader.status, StatusCode::CREATED, "{}", reader.text);
    let secret = reader.body["secret"].as_str().unwrap().to_owned();
    let bearer = vec![("authorization", format!("Bearer {secret}"))];
    let guest = first_guest_with_phone(&app).await;
    let listed =
        app.send("GET", &format!("/api/v1/chains/{chain}/guests?q={}", guest.public_id), &refs(&bearer), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert!(listed.body["items"][0]["phone"].as_str().unwrap().contains('•'), "no guests:contact, masked");
    let events = app.send("GET", &format!("/api/v1/chains/{chain}/events"), &refs(&bearer), None).await;
    assert_eq!(events.status, StatusCode::FORBIDDEN, "{}", events.text);
    assert!(events.text.contains("events:read"), "{}", events.text);
    let no_minting = app
        .send(
            "POST",
            &format!("/api/v1/chains/{chain}/tokens"),
            &refs(&bearer),
            Some(json!({ "name": "x", "permissions": ["guests:read"] })),
        )
        .await;
    assert_eq!(no_minting.status, StatusCode::FORBIDDEN, "a token never mints tokens");

    // A barista's token with every permission still cannot read phones or lists.
    let all = vec!["chain:read", "guests:read", "guests:contact", "staff:read", "events:read"];
    let barista_token = mint(Some(barista.id.get()), all).await;
    let barista_bearer = vec![("authorization", format!("Bearer {}", barista_token.body["secret"].as_str().unwrap()))];
    let lookup = format!("/api/v1/chains/{chain}/guests/lookup?public_id={}", guest.public_id);
    let found = app.send("GET", &lookup, &refs(&barista_bearer), None).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert!(found.body["guest"]["phone"].as_str().unwrap().contains('•'));
    assert_eq!(
        app.send("GET", &format!("/api/v1/chains/{chain}/guests"), &refs(&barista_bearer), None).await.status,
        StatusCode::FORBIDDEN
    );

    let id = reader.body["token"]["id"].as_i64().unwrap();
    let revoked =
        app.send("DELETE", &format!("/api/v1/chains/{chain}/tokens/{id}"), &refs(&with_cookie(&owner)), None).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    let dead = app.send("GET", &format!("/api/v1/chains/{chain}/guests"), &refs(&bearer), None).await;
    assert_eq!(dead.status, StatusCode::UNAUTHORIZED);
    assert!(dead.text.contains("revoked"), "{}", dead.text);
    // The event log names who did what from where, never a secret.
    let mut log = String::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/v1/chains/{chain}/events?limit=200{cursor}");
        let page = app.send("GET", &path, &refs(&with_cookie(&owner)), None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        log.push_str(&page.text);
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert!(log.contains("audit.token_created") && log.contains("audit.token_revoked"), "audit entries");
    assert!(log.contains(r#""address":"#) && log.contains(r#""via":"session:"#), "who and from where");
    assert!(!log.contains(&secret), "no token in the event log");
}

#[tokio::test]
async fn adjustments_need_a_reason_and_apply_once() {
    let app = TestApp::demo().build().await;
    let chain = app.chain().get();
    let manager = app.sign_in(DEMO_MANAGER.0, DEMO_MANAGER.1).await;
    let guest = first_guest_with_phone(&app).await;
    let wallet = app.store.wallets_of_guest(app.chain(), guest.id).await.unwrap().remove(0);
    let path = format!("/api/v1/chains/{chain}/guests/{}/adjustments", guest.id);
    let adjust = |body: Value| app.send("POST", &path, &refs(&with_cookie(&manager)), Some(body));
    let no_reason =
        adjust(json!({ "wallet_id": wallet.id, "points": 5, "reason": " ", "idempotency_key": "k1" })).await;
    assert_eq!(
        (no_reason.status, no_reason.body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let body = json!({ "wallet_id": wallet.id, "points": 5, "stamps": 0, "reason": "coffee spilled", "idempotency_key": "k1" });
    let first = adjust(body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = adjust(body).await;
    assert_eq!((again.status, &again.body["id"]), (StatusCode::OK, &first.body["id"]));
    let after = app.store.wallet(app.chain(), wallet.id).await.unwrap();
    assert_eq!(after.balances.points, wallet.balances.points + 5, "applied once");
    let other_guest_wallet = json!({ "wallet_id": i64::MAX, "points": 5, "reason": "x", "idempotency_key": "k2" });
    assert_eq!(adjust(other_guest_wallet).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn owners_create_change_and_archive_programs_and_cafes_and_the_log_says_who() {
    let app = TestApp::demo().build().await;
    let chain = app.chain().get();
    let owner = with_cookie(&app.sign_in(DEMO_OWNER.0, DEMO_OWNER.1).await);
    let programs = format!("/api/v1/chains/{chain}/programs");
    let send = |method: &'static str, path: String, body: Value| {
        let owner = owner.clone();
        let app = &app;
        async move { app.send(method, &path, &refs(&owner), Some(body)).await }
    };
    let field = |answer: &crate::test_app::Answer| answer.body["error"]["field"].as_str().map(str::to_owned);

    let new = json!({ "name": "Lunch", "kind": "points", "scope": "chain", "rules": { "earn": { "points": 1 } } });
    let missing = send("POST", programs.clone(), new).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", missing.text);
    assert_eq!(field(&missing).as_deref(), Some("rules.earn.per_minor"), "{}", missing.text);
    let stamps = json!({ "name": "Card", "kind": "stamps", "scope": "cafe", "rules": { "per_visit": 1 } });
    assert_eq!(field(&send("POST", programs.clone(), stamps).await).as_deref(), Some("card_size"));
    let new = json!({
        "name": "Lunch", "kind": "points", "scope": "chain",
        "rules": { "earn": { "points": 1, "per_minor": 10000 }, "tiers": [{ "name": "Member", "threshold": 0 }, { "name": "Gold", "threshold": 100 }] }
    });
    let created = send("POST", programs.clone(), new).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_i64().unwrap();
    let path = format!("{programs}/{id}");
    let renamed = send(
        "PATCH",
        path.clone(),
        json!({ "name": "Lunch club", "archived": true, "rules": { "earn": { "points": 3 } } }),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.body["name"], "Lunch club");
    assert!(renamed.body["archived_at"].is_string(), "{}", renamed.text);
    assert_eq!(renamed.body["rules"]["tiers"][1]["name"], "Gold", "rules not given are kept");
    assert_eq!(renamed.body["rules"]["earn"], json!({ "points": 3, "per_minor": 10000 }), "a merge patch");
    let negative = send("PATCH", path.clone(), json!({ "rules": { "earn": { "points": -1 } } })).await;
    assert_eq!(field(&negative).as_deref(), Some("rules.earn.points"), "{}", negative.text);
    let kind = send("PATCH", path.clone(), json!({ "kind": "stamps" })).await;
    assert_eq!(field(&kind).as_deref(), Some("kind"), "the kind cannot change: {}", kind.text);

    // A manager changes their cafe's hours but not its currency, nor another cafe.
    let cafes = app.store.list_cafes(app.chain()).await.unwrap();
    let manager = with_cookie(&app.sign_in(DEMO_MANAGER.0, DEMO_MANAGER.1).await);
    let hours = json!({ "opening_hours": [{ "day": "Mon", "opens": "07:00:00", "closes": "15:00:00" }] });
    let own = format!("/api/v1/chains/{chain}/cafes/{}", cafes[0].id);
    let changed = app.send("PATCH", &own, &refs(&manager), Some(hours.clone())).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.body["opening_hours"].as_array().map(Vec::len), Some(1));
    let currency = app.send("PATCH", &own, &refs(&manager), Some(json!({ "currency": "EUR" }))).await;
    assert_eq!(field(&currency).as_deref(), Some("currency"), "{}", currency.text);
    let half = app.send("PATCH", &own, &refs(&manager), Some(json!({ "lat": 45.0 }))).await;
    assert_eq!(field(&half).as_deref(), Some("lon"), "{}", half.text);
    let other = format!("/api/v1/chains/{chain}/cafes/{}", cafes[1].id);
    assert_eq!(app.send("PATCH", &other, &refs(&manager), Some(hours)).await.status, StatusCode::NOT_FOUND);

    // The log, filtered to admin writes, says who did what.
    let audit = app.send("GET", &format!("/api/v1/chains/{chain}/events?kind=audit."), &refs(&owner), None).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    let kinds: Vec<&str> = audit.body["items"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["audit.program_created", "audit.program_updated", "audit.cafe_updated"], "{}", audit.text);
    let one = format!("/api/v1/chains/{chain}/events?subject=program:{id}&kind=program.updated");
    let updates = app.send("GET", &one, &refs(&owner), None).await;
    assert_eq!(updates.body["items"].as_array().map(Vec::len), Some(1), "{}", updates.text);
    let bad = app.send("GET", &format!("/api/v1/chains/{chain}/events?since=yesterday"), &refs(&owner), None).await;
    assert_eq!(field(&bad).as_deref(), Some("since"), "{}", bad.text);
}

#[tokio::test]
async fn managers_edit_their_baristas_and_nobody_changes_their_own_role() {
    let app = TestApp::demo().build().await;
    let chain = app.chain();
    let cafes = app.store.list_cafes(chain).await.unwrap();
    let barista = app.store.list_staff(chain).await.unwrap().into_iter().find(|s| s.role == Role::Barista).unwrap();
    let manager = with_cookie(&app.sign_in(DEMO_MANAGER.0, DEMO_MANAGER.1).await);
    let owner = with_cookie(&app.sign_in(DEMO_OWNER.0, DEMO_OWNER.1).await);
    let path = |id: regulars_core::ids::StaffId| format!("/api/v1/chains/{chain}/staff/{id}");
    let patch = |who: &[(&'static str, String)], id, body: Value| {
        let (who, path) = (who.to_vec(), path(id));
        let app = &app;
        async move { app.send("PATCH", &path, &refs(&who), Some(body)).await }
    };

    let renamed = patch(&manager, barista.id, json!({ "name": "Milica P." })).await;
    assert_eq!(
        (renamed.status, renamed.body["name"].as_str()),
        (StatusCode::OK, Some("Milica P.")),
        "{}",
        renamed.text
    );
    let promoted = patch(&manager, barista.id, json!({ "role": "manager" })).await;
    assert_eq!(promoted.status, StatusCode::FORBIDDEN, "a manager keeps baristas baristas: {}", promoted.text);
    let elsewhere = patch(&manager, barista.id, json!({ "cafes": [cafes[1].id] })).await;
    assert_eq!(elsewhere.body["error"]["field"], "cafes", "only to the manager's own cafes: {}", elsewhere.text);
    let me = app.store.staff_of_account(DEMO_MANAGER.0).await.unwrap().remove(0);
    let widen = patch(&manager, me.id, json!({ "cafes": [cafes[0].id, cafes[1].id] })).await;
    assert_eq!(widen.status, StatusCode::FORBIDDEN, "{}", widen.text);
    let boss = app.store.staff_of_account(DEMO_OWNER.0).await.unwrap().remove(0);
    let demote = patch(&owner, boss.id, json!({ "role": "barista" })).await;
    assert_eq!(demote.status, StatusCode::FORBIDDEN, "{}", demote.text);
    assert_eq!(app.store.staff(chain, boss.id).await.unwrap().role, Role::Owner);

    // The owner moves the manager; the manager's next request acts with the new cafes.
    let moved = patch(&owner, me.id, json!({ "cafes": [cafes[1].id] })).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let old_cafe = format!("/api/v1/chains/{chain}/cafes/{}", cafes[0].id);
    assert_eq!(app.send("GET", &old_cafe, &refs(&manager), None).await.status, StatusCode::NOT_FOUND);
    let bad_role = patch(&owner, barista.id, json!({ "role": "chef" })).await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad_role.text);
}

#[tokio::test]
async fn a_leaver_is_signed_out_at_once_and_can_be_taken_back() {
    let app = TestApp::demo().build().await;
    let chain = app.chain();
    let barista = app.store.list_staff(chain).await.unwrap().into_iter().find(|s| s.role == Role::Barista).unwrap();
    let owner = with_cookie(&app.sign_in(DEMO_OWNER.0, DEMO_OWNER.1).await);
    let pin_login = || {
        let body = json!({ "terminal_token": DEMO_TERMINAL_TOKEN, "staff_id": barista.id, "pin": DEMO_BARISTA_PIN });
        app.send("POST", "/api/v1/terminal/session", &[], Some(body))
    };
    let at_till = with_cookie(&session_cookie(&pin_login().await));
    let set_active = |who: Vec<(&'static str, String)>, id: regulars_core::ids::StaffId, active: bool| {
        let path = format!("/api/v1/chains/{chain}/staff/{id}");
        let app = &app;
        async move { app.send("PATCH", &path, &refs(&who), Some(json!({ "active": active }))).await }
    };

    let gone = set_active(owner.clone(), barista.id, false).await;
    assert_eq!((gone.status, &gone.body["active"]), (StatusCode::OK, &json!(false)), "{}", gone.text);
    let after = app.send("GET", "/api/v1/session", &refs(&at_till), None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "their till session ends: {}", after.text);
    assert_eq!(pin_login().await.status, StatusCode::UNAUTHORIZED, "and their PIN opens nothing");
    let listed = app.send("GET", &format!("/api/v1/chains/{chain}/staff"), &refs(&owner), None).await;
    let row = listed.body["items"].as_array().unwrap().iter().find(|s| s["id"] == barista.id.get()).cloned();
    assert_eq!(row.map(|s| s["active"].clone()), Some(json!(false)), "the owner still sees who left");

    let me = app.store.staff_of_account(DEMO_OWNER.0).await.unwrap().remove(0);
    let myself = set_active(owner.clone(), me.id, false).await;
    assert_eq!(myself.status, StatusCode::FORBIDDEN, "nobody locks themselves out: {}", myself.text);
    let back = set_active(owner, barista.id, true).await;
    assert_eq!(back.body["active"], json!(true), "{}", back.text);
    assert_eq!(pin_login().await.status, StatusCode::OK, "taken back, the PIN works again");
}

/// What a cell of the matrix must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Allowed: 2xx, or 422 for the deliberately empty body of a write.
    Ok,
    Forbidden,
    NotFound,
}

use Expect::{Forbidden as F, NotFound as N, Ok as Y};

/// Every operation of the OpenAPI document and what each in-chain caller gets:
/// (barista at the Dorćol terminal, manager of Dorćol, manager of Vračar, owner). `None`:
/// the sign-in operations, which take no credentials and are tested above.
const MATRIX: &[(&str, Option<[Expect; 4]>)] = &[
    ("login", None),
    ("pin_login", None),
    ("logout", None),
    ("logout_everywhere", None),
    ("whoami", Some([Y, Y, Y, Y])),
    ("get_chain", Some([Y, Y, Y, Y])),
    ("list_cafes", Some([Y, Y, Y, Y])),
    ("create_cafe", Some([F, F, F, Y])),
    ("get_cafe", Some([Y, Y, N, Y])),
    ("update_cafe", Some([F, Y, N, Y])),
    ("list_programs", Some([Y, Y, Y, Y])),
    ("get_program", Some([Y, Y, Y, Y])),
    ("create_program", Some([F, F, F, Y])),
    ("update_program", Some([F, F, F, Y])),
    ("list_guests", Some([F, Y, Y, Y])),
    ("lookup_guest", Some([Y, Y, Y, Y])),
    ("get_guest", Some([F, Y, Y, Y])),
    ("guest_ledger", Some([F, Y, Y, Y])),
    ("adjust_balance", Some([F, Y, Y, Y])),
    ("guest_purchases", Some([F, Y, Y, Y])),
    ("merge_guests", Some([F, Y, Y, Y])),
    ("export_guest", Some([F, F, F, Y])),
    ("erase_guest", Some([F, F, F, Y])),
    ("till_lookup", Some([Y, Y, Y, Y])),
    ("list_staff", Some([F, Y, Y, Y])),
    ("create_staff", Some([F, Y, Y, Y])),
    ("update_staff", Some([F, Y, N, Y])),
    ("set_pin", Some([F, Y, N, Y])),
    ("list_shifts", Some([Y, Y, Y, Y])),
    ("list_terminals", Some([F, Y, Y, Y])),
    ("pair_terminal", Some([F, Y, Y, Y])),
    ("revoke_terminal", Some([F, Y, N, Y])),
    ("list_tokens", Some([F, F, F, Y])),
    ("create_token", Some([F, F, F, Y])),
    ("revoke_token", Some([F, F, F, Y])),
    ("list_events", Some([F, Y, Y, Y])),
];

#[tokio::test]
async fn every_route_answers_every_caller_as_the_policy_says() {
    let app = TestApp::demo().build().await;
    let chain = app.chain();
    let store = &app.store;
    let cafes = store.list_cafes(chain).await.unwrap();
    let (dorcol, vracar) = (cafes[0].id, cafes[1].id);
    let owner = app.sign_in(DEMO_OWNER.0, DEMO_OWNER.1).await;
    let manager_a = app.sign_in(DEMO_MANAGER.0, DEMO_MANAGER.1).await;
    // A manager of the other cafe, and the owner of another chain.
    add_login(&app, chain, "manager-b", Role::Manager, vec![vracar]).await;
    let manager_b = app.sign_in("manager-b", "manager-b-password").await;
    let other_chain = store
        .create_chain(regulars_core::chain::NewChain {
            slug: "other".into(),
            name: "Other".into(),
            default_language: "en".into(),
        })
        .await
        .unwrap();
    add_login(&app, other_chain.id, "other-owner", Role::Owner, vec![]).await;
    let stranger = app.sign_in("other-owner", "other-owner-password").await;
    let barista = store.list_staff(chain).await.unwrap().into_iter().find(|s| s.role == Role::Barista).unwrap();
    let at_till = app
        .send(
            "POST",
            "/api/v1/terminal/session",
            &[],
            Some(json!({ "terminal_token": DEMO_TERMINAL_TOKEN, "staff_id": barista.id, "pin": DEMO_BARISTA_PIN })),
        )
        .await;
    let barista_cookie = session_cookie(&at_till);
    // A revoked token and an expired session.
    let token = app
        .send(
            "POST",
            &format!("/api/v1/chains/{chain}/tokens"),
            &refs(&with_cookie(&owner)),
            Some(json!({ "name": "t", "permissions": ["chain:read"] })),
        )
        .await;
    let revoked = format!("Bearer {}", token.body["secret"].as_str().unwrap());
    store
        .revoke_api_token(
            chain,
            regulars_core::ids::ApiTokenId(token.body["token"]["id"].as_i64().unwrap()),
            Utc::now(),
        )
        .await
        .unwrap();
    let spare = app
        .send(
            "POST",
            &format!("/api/v1/chains/{chain}/tokens"),
            &refs(&with_cookie(&owner)),
            Some(json!({ "name": "spare", "permissions": ["chain:read"] })),
        )
        .await;
    let owner_staff = store.staff_of_account(DEMO_OWNER.0).await.unwrap().remove(0);
    let expired = issue(TokenKind::Session);
    store
        .create_session(NewSession {
            chain_id: chain,
            staff_id: owner_staff.id,
            account_id: None,
            terminal_id: None,
            token: expired.hash.clone(),
            created_at: Utc::now() - Duration::days(10),
            expires_at: Utc::now() - Duration::days(3),
        })
        .await
        .unwrap();
    let expired_cookie = format!("regulars_session={}", expired.plain.expose());
    // Things the paths name: a guest and their wallet, the barista, a spare terminal at
    // Dorćol (revoking the demo one would end the barista's session), a spare token.
    let guest = first_guest_with_phone(&app).await;
    let wallet = store.wallets_of_guest(chain, guest.id).await.unwrap().remove(0);
    let spare_terminal = store
        .pair_terminal(
            chain,
            NewTerminal {
                cafe_id: dorcol,
                name: "Spare".into(),
                paired_by: owner_staff.id,
                token: issue(TokenKind::Terminal).hash,
            },
        )
        .await
        .unwrap();
    let program = store.list_programs(chain).await.unwrap().remove(0);
    let values = [
        ("{chain}", chain.get().to_string()),
        ("{cafe}", dorcol.get().to_string()),
        ("{program}", program.id.get().to_string()),
        ("{guest}", guest.id.get().to_string()),
        ("{wallet}", wallet.id.get().to_string()),
        ("{staff}", barista.id.get().to_string()),
        ("{terminal}", spare_terminal.id.get().to_string()),
        ("{token}", spare.body["token"]["id"].to_string()),
    ];

    let document = app.get("/api/openapi.json").await.body;
    let mut seen = Vec::new();
    let paths = document["paths"].as_object().expect("paths");
    for (template, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().expect("every operation has an id");
            seen.push(id.to_owned());
            let Some((_, expected)) = MATRIX.iter().find(|(name, _)| *name == id) else {
                panic!("{method} {template} (`{id}`) is not in the authorization matrix: add its row");
            };
            let Some(expected) = expected else { continue };
            let mut path = template.clone();
            for (name, value) in &values {
                path = path.replace(name, value);
            }
            if id == "lookup_guest" {
                path.push_str(&format!("?public_id={}", guest.public_id));
            }
            let method = method.to_uppercase();
            let body = matches!(method.as_str(), "POST" | "PUT" | "PATCH").then(|| json!({}));
            let cell = |credential: Vec<(&'static str, String)>| {
                let (method, path, body) = (method.clone(), path.clone(), body.clone());
                let app = &app;
                async move { app.send(&method, &path, &refs(&credential), body).await }
            };
            // Callers who are not in: everything refused before anything is read.
            for (who, credential, status) in [
                ("nobody", vec![], StatusCode::UNAUTHORIZED),
                ("revoked token", vec![("authorization", revoked.clone())], StatusCode::UNAUTHORIZED),
                ("expired session", with_cookie(&expired_cookie), StatusCode::UNAUTHORIZED),
            ] {
                let answer = cell(credential).await;
                assert_eq!(answer.status, status, "{who}: {method} {path}: {}", answer.text);
                assert!(answer.body["error"]["kind"].is_string(), "{who}: one error body: {}", answer.text);
            }
            let stranger_answer = cell(with_cookie(&stranger)).await;
            let expected_stranger = if id == "whoami" { StatusCode::OK } else { StatusCode::NOT_FOUND };
            assert_eq!(
                stranger_answer.status, expected_stranger,
                "another chain's owner: {method} {path}: {}",
                stranger_answer.text
            );
            for ((who, cookie), expect) in
                [("barista", &barista_cookie), ("manager A", &manager_a), ("manager B", &manager_b), ("owner", &owner)]
                    .into_iter()
                    .zip(expected)
            {
                let answer = cell(with_cookie(cookie)).await;
                let fits = match expect {
                    Expect::Ok => answer.status.is_success() || answer.status == StatusCode::UNPROCESSABLE_ENTITY,
                    Expect::Forbidden => answer.status == StatusCode::FORBIDDEN,
                    Expect::NotFound => answer.status == StatusCode::NOT_FOUND,
                };
                assert!(fits, "{who}: {method} {path}: expected {expect:?}, got {}: {}", answer.status, answer.text);
            }
        }
    }
    for (name, _) in MATRIX {
        assert!(seen.iter().any(|s| s == name), "`{name}` is in the matrix but not in the API any more");
    }
}

pub(crate) async fn add_login(
    app: &TestApp,
    chain: regulars_core::ids::ChainId,
    login: &str,
    role: Role,
    cafes: Vec<CafeId>,
) {
    let hash = regulars_server::api::session::hash_new_password("password", Secret::new(format!("{login}-password")))
        .await
        .unwrap();
    app.store.create_account(login, hash).await.unwrap();
    app.store
        .create_staff(chain, NewStaff { name: login.into(), role, cafes, identity: None, login: Some(login.into()) })
        .await
        .unwrap();
}

#[test]
fn the_committed_openapi_document_is_what_the_code_generates() {
    let generated = regulars_server::api::openapi().to_pretty_json().unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var_os("REGULARS_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "server/openapi.json differs from what the code generates; run \
         `REGULARS_BLESS=1 cargo test -p regulars-server --test server openapi` and commit it"
    );
    let document: Value = serde_json::from_str(&generated).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "OpenAPI 3.1");
}
