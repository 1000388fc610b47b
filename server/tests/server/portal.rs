//! The owner portal through the router: signing in, the dashboard's figures against a
//! hand-made history, the guest list, CSV exports, who may see what, languages and the
//! security headers.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use regulars_core::chain::NewCafe;
use regulars_core::money::{Currency, Money};
use regulars_core::pos::ingest::{GuestMatch, RefundIngest};
use regulars_core::pos::{PosRefund, RefundLines};
use regulars_core::staff::Role;
use regulars_testkit::fixtures::TestChain;

use crate::api::add_login;
use crate::test_app::{Answer, TestApp};

/// `GET path` with the session cookie `cookie` (and more cookies, `; `-separated).
async fn page(app: &TestApp, path: &str, cookie: &str) -> Answer {
    let request = Request::get(path).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
    app.call(request).await
}

/// Signs in through the portal's form and answers the session cookie.
async fn portal_sign_in(app: &TestApp, login: &str) -> String {
    let answer =
        form(app, "/portal/login", &format!("login={login}&password={login}-password&next=/portal/guests"), "").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text);
    assert_eq!(answer.headers[header::LOCATION], "/portal/guests", "back to the page asked for");
    crate::test_app::session_cookie(&answer)
}

async fn form(app: &TestApp, path: &str, body: &str, cookie: &str) -> Answer {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !cookie.is_empty() {
        request = request.header(header::COOKIE, cookie);
    }
    app.call(request.body(Body::from(body.to_owned())).unwrap()).await
}

/// The figure of the dashboard card `key`, as shown.
fn card(html: &str, key: &str) -> String {
    let start = html.find(&format!("data-key=\"{key}\"")).unwrap_or_else(|| panic!("no card {key}"));
    let value = &html[start..];
    let value = &value[value.find("<bdi>").unwrap() + 5..];
    value[..value.find("</bdi>").unwrap()].replace('\u{a0}', " ")
}

/// The change shown under card `key`, if any.
fn change(html: &str, key: &str) -> Option<String> {
    let start = html.find(&format!("data-key=\"{key}\"")).unwrap();
    let rest = &html[start..];
    let end = rest.find("</article>").unwrap();
    let article = &rest[..end];
    let at = article.find("class=\"change")?;
    let text = &article[at..];
    let text = &text[text.find("<bdi>").unwrap() + 5..];
    Some(text[..text.find("</bdi>").unwrap()].to_owned())
}

/// A chain with two cafes, an owner, a manager of the second cafe and a barista, and a
/// history whose figures are worked out by hand in [`the_dashboard_adds_up_a_hand_made_history`].
async fn history(app: &TestApp) -> (TestChain, regulars_core::chain::Cafe) {
    let store = &*app.store;
    let chain = TestChain::create(store, "portal").await;
    let second = store
        .create_cafe(
            chain.id(),
            NewCafe {
                name: "Vračar".into(),
                address: "Njegoševa 1".into(),
                location: chain.cafe.location,
                timezone: chain.cafe.timezone,
                currency: chain.cafe.currency,
                opening_hours: chain.cafe.opening_hours.clone(),
            },
        )
        .await
        .unwrap();
    add_login(app, chain.id(), "owner", Role::Owner, vec![]).await;
    add_login(app, chain.id(), "manager", Role::Manager, vec![second.id]).await;
    add_login(app, chain.id(), "barista", Role::Barista, vec![chain.cafe.id]).await;
    let ana = chain.guest(store, "ana").await;
    let boris = chain.guest(store, "boris").await;
    let _cleo = chain.guest(store, "cleo").await;
    let now = Utc::now();
    let sale = |guest: Option<&regulars_core::guest::Guest>, receipt: &str, minor: i64, ago: Duration, cafe| {
        let mut ingest = chain.ingest(guest.unwrap_or(&ana), receipt, minor);
        if guest.is_none() {
            ingest.guest = GuestMatch::None;
            ingest.purchase.guest_id = None;
        }
        ingest.purchase.occurred_at = now - ago;
        ingest.purchase.cafe_id = cafe;
        store.ingest_purchase(chain.id(), ingest)
    };
    let (central, vracar) = (chain.cafe.id, second.id);
    sale(Some(&ana), "A1", 100_000, Duration::hours(1), central).await.unwrap();
    sale(Some(&ana), "A2", 50_000, Duration::days(2), vracar).await.unwrap();
    sale(Some(&boris), "B1", 30_000, Duration::days(3), central).await.unwrap();
    sale(None, "X1", 20_000, Duration::hours(2), central).await.unwrap();
    sale(Some(&boris), "B0", 40_000, Duration::days(40), central).await.unwrap();
    let refund = RefundIngest {
        source: "test-pos".into(),
        delivery_id: "refund-A1".into(),
        cafe_id: central,
        refund: PosRefund {
            receipt_id: "A1".into(),
            refund_id: "R1".into(),
            cafe_ref: "cafe".into(),
            lines: RefundLines::All,
            amount: Some(Money::new(10_000, Currency::new("RSD").unwrap())),
            occurred_at: now,
        },
    };
    store.ingest_refund(chain.id(), refund).await.unwrap();
    (chain, second)
}

#[tokio::test]
async fn pages_ask_for_a_sign_in_and_lead_back_after_it() {
    let app = TestApp::empty().build().await;
    history(&app).await;
    let answer = app.get("/portal/guests?q=ana").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.headers[header::LOCATION], "/portal/login?next=%2Fportal%2Fguests%3Fq%3Dana");
    let login = app.get("/portal/login?next=/portal/guests").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.text.contains("name=\"next\" value=\"/portal/guests\""), "{}", login.text);

    let wrong = form(&app, "/portal/login", "login=owner&password=nope&next=/portal/", "").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text.contains("Wrong login or password."), "{}", wrong.text);
    assert!(wrong.text.contains("value=\"owner\""), "the login is kept");
    let away = form(&app, "/portal/login", "login=owner&password=owner-password&next=https://evil.example/", "").await;
    assert_eq!(away.headers[header::LOCATION], "/portal/", "never sent to another site");

    let cookie = portal_sign_in(&app, "owner").await;
    let guests = page(&app, "/portal/guests", &cookie).await;
    assert_eq!(guests.status, StatusCode::OK);
    let out = form(&app, "/portal/logout", "", &cookie).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(page(&app, "/portal/guests", &cookie).await.status, StatusCode::SEE_OTHER, "signed out");
}

#[tokio::test]
async fn a_sign_in_from_another_site_is_refused() {
    let app = TestApp::empty().build().await;
    history(&app).await;
    let request = Request::post("/portal/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from("login=owner&password=owner-password"))
        .unwrap();
    let answer = app.call(request).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.headers.get(header::SET_COOKIE).is_none());
    assert!(answer.text.contains("<html"), "an error page, not JSON");
}

/// The figures, by hand (30 days, all cafes): sales A1 1,000.00 (refunded 100.00), A2 500.00,
/// B1 300.00 and an anonymous 200.00 are this period; B0 400.00, 40 days ago, the previous.
/// Orders 4 (+300% on 1); revenue 1,900.00; average check 475.00; guests and new guests 3;
/// both guests who bought came twice: 100%. Points are counted when recorded: 10 + 5 + 3 + 4
/// earned (1 per 100.00 RSD), 1 taken back by the refund: 21.
#[tokio::test]
async fn the_dashboard_adds_up_a_hand_made_history() {
    let app = TestApp::empty().build().await;
    let (chain, second) = history(&app).await;
    let cookie = portal_sign_in(&app, "owner").await;
    let dash = page(&app, "/portal/", &cookie).await;
    assert_eq!(dash.status, StatusCode::OK, "{}", dash.text);
    let html = &dash.text;
    assert_eq!(card(html, "orders"), "4");
    assert_eq!(change(html, "orders").as_deref(), Some("+300%"));
    assert_eq!(card(html, "revenue"), "RSD 1,900.00");
    assert_eq!(card(html, "average_check"), "RSD 475.00");
    assert_eq!(card(html, "guests"), "3");
    assert_eq!(card(html, "new_guests"), "3");
    assert_eq!(card(html, "repeat_share"), "100%");
    assert_eq!(card(html, "points_earned"), "21");
    assert_eq!(card(html, "rewards_redeemed"), "0");
    assert!(html.contains("Purchase of"), "recent activity");

    // One cafe: the second has only A2; Ana is its only visitor, once.
    let vracar = page(&app, &format!("/portal/?cafe={}", second.id), &cookie).await;
    assert_eq!(card(&vracar.text, "orders"), "1");
    assert_eq!(card(&vracar.text, "revenue"), "RSD 500.00");
    assert_eq!(card(&vracar.text, "repeat_share"), "0%");
    // A week: A1, B1, X1 and A2.
    let week = page(&app, "/portal/?days=7", &cookie).await;
    assert_eq!(card(&week.text, "orders"), "4");

    let csv = page(&app, "/portal/dashboard.csv?cafe=all&days=7", &cookie).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines.len(), 8, "a header and seven days");
    let orders: i64 = lines[1..].iter().map(|l| l.split(',').nth(1).unwrap().parse::<i64>().unwrap()).sum();
    assert_eq!(orders, 4);
    let refunded: i64 = lines[1..].iter().map(|l| l.split(',').nth(3).unwrap().parse::<i64>().unwrap()).sum();
    assert_eq!(refunded, 10_000);

    for bad in ["/portal/?days=12", "/portal/?cafe=abc"] {
        let answer = page(&app, bad, &cookie).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(answer.text.contains("<html"), "{bad}: a page");
    }
    let other = TestChain::create(&*app.store, "other").await;
    let foreign = page(&app, &format!("/portal/?cafe={}", other.cafe.id), &cookie).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "another chain's cafe does not exist here");
    let _ = chain;
}

#[tokio::test]
async fn guests_sort_search_and_export() {
    let app = TestApp::empty().build().await;
    history(&app).await;
    let cookie = portal_sign_in(&app, "owner").await;
    let by_spend = page(&app, "/portal/guests?sort=spend", &cookie).await;
    assert_eq!(by_spend.status, StatusCode::OK);
    let ana = by_spend.text.find("Guest ana").unwrap();
    let boris = by_spend.text.find("Guest boris").unwrap();
    assert!(ana < boris, "Ana spent 1,400.00, Boris 700.00");
    assert!(!by_spend.text.contains("Guest cleo"), "who never bought is not in a spend ranking");
    assert!(by_spend.text.contains("RSD\u{a0}1,400.00"));

    let found = page(&app, "/portal/guests?q=bor", &cookie).await;
    assert!(found.text.contains("Guest boris") && !found.text.contains("Guest ana"));

    let csv = page(&app, "/portal/guests.csv?sort=orders", &cookie).await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "public_id,name,phone,orders,spend_minor,balance,tier,last_visit,reward_ready");
    assert_eq!(lines.len(), 3, "the two guests who bought");
    assert!(lines[1].contains(",Guest ana,") || lines[1].contains(",Guest boris,"));
    let all = page(&app, "/portal/guests.csv", &cookie).await;
    assert_eq!(all.text.lines().count(), 4, "every guest, by joining");
    assert_eq!(page(&app, "/portal/guests?sort=size", &cookie).await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn each_role_sees_what_it_may() {
    let app = TestApp::empty().build().await;
    let (chain, second) = history(&app).await;
    let manager = portal_sign_in(&app, "manager").await;
    let dash = page(&app, "/portal/", &manager).await;
    assert_eq!(dash.status, StatusCode::OK);
    assert_eq!(card(&dash.text, "orders"), "1", "a manager sees their cafe");
    assert!(!dash.text.contains("All cafes"), "and cannot pick the whole chain");
    let theirs = page(&app, &format!("/portal/?cafe={}", second.id), &manager).await;
    assert_eq!(theirs.status, StatusCode::OK);
    let elsewhere = page(&app, &format!("/portal/?cafe={}", chain.cafe.id), &manager).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND, "another cafe of the chain is not theirs");
    assert_eq!(page(&app, "/portal/guests", &manager).await.status, StatusCode::OK);

    let barista = portal_sign_in(&app, "barista").await;
    for path in ["/portal/", "/portal/guests", "/portal/guests.csv", "/portal/dashboard.csv"] {
        let answer = page(&app, path, &barista).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
    }
}

#[tokio::test]
async fn pages_speak_the_viewers_language_and_hebrew_runs_right_to_left() {
    let app = TestApp::empty().build().await;
    history(&app).await;
    let cookie = portal_sign_in(&app, "owner").await;
    let switch = page(&app, "/portal/language?to=he&back=/portal/guests", &cookie).await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.headers[header::LOCATION], "/portal/guests");
    let lang = switch.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert_eq!(lang, "regulars_lang=he");
    let hebrew = page(&app, "/portal/", &format!("{cookie}; {lang}")).await;
    assert!(hebrew.text.contains("<html lang=\"he\" dir=\"rtl\">"), "{}", &hebrew.text[..200]);
    assert!(hebrew.text.contains("לוח בקרה"));
    let russian = app
        .call(
            Request::get("/portal/")
                .header(header::COOKIE, &cookie)
                .header(header::ACCEPT_LANGUAGE, "ru-RU,ru;q=0.9")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(russian.text.contains("<html lang=\"ru\" dir=\"ltr\">"));
    assert!(russian.text.contains("1\u{a0}900,00"), "money the Russian way");
    let away = page(&app, "/portal/language?to=sr-Latn&back=https://evil.example", &cookie).await;
    assert_eq!(away.headers[header::LOCATION], "/portal/");
}

#[tokio::test]
async fn pages_carry_a_strict_content_security_policy_and_no_inline_code() {
    let app = TestApp::empty().build().await;
    history(&app).await;
    let cookie = portal_sign_in(&app, "owner").await;
    for path in ["/portal/", "/portal/guests", "/portal/login"] {
        let answer = page(&app, path, &cookie).await;
        let csp = answer.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert_eq!(answer.headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
        assert!(!answer.text.contains("style=\""), "{path}: no inline style");
        assert!(!answer.text.contains("<script>"), "{path}: no inline script");
        assert!(
            !answer.text.contains("http://") || !answer.text.contains("src=\"http"),
            "{path}: nothing from elsewhere"
        );
    }
    let dash = page(&app, "/portal/", &cookie).await;
    let css = dash.text.split("href=\"/portal/assets/").nth(1).unwrap().split('"').next().unwrap();
    let asset = app.get(&format!("/portal/assets/{css}")).await;
    assert_eq!(asset.status, StatusCode::OK);
    assert!(asset.headers[header::CACHE_CONTROL].to_str().unwrap().contains("immutable"));
    assert_eq!(app.get("/portal/assets/portal.css").await.status, StatusCode::NOT_FOUND, "only hashed names");
}

/// The cohort grid and the monthly series of the hand-made history: Ana bought 1 hour and
/// 2 days ago, Boris 3 and 40 days ago; each is a cohort of the month of their first sale,
/// returning in the months of their later ones.
#[tokio::test]
async fn analytics_show_cohorts_hours_and_cafes() {
    use std::collections::{BTreeMap, BTreeSet};

    use regulars_core::analytics::{month_of, month_start};
    let app = TestApp::empty().build().await;
    let (_chain, second) = history(&app).await;
    let cookie = portal_sign_in(&app, "owner").await;
    let now = Utc::now();
    let answer = page(&app, "/portal/analytics", &cookie).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(answer.text.contains("Vračar"), "the cafes side by side");
    assert_eq!(card(&answer.text, "repeat_rate"), "100%");
    assert_eq!(card(&answer.text, "visit_frequency"), "2.0", "4 purchases of 2 guests (the anonymous one aside)");

    let mut expected: BTreeMap<(String, i64), (i64, i64)> = BTreeMap::new();
    let key = |m: i64| {
        let d = month_start(m);
        format!("{}-{:02}", d.format("%Y"), d.format("%m"))
    };
    let guests = [
        vec![now - Duration::hours(1), now - Duration::days(2)],
        vec![now - Duration::days(3), now - Duration::days(40)],
    ];
    let mut sizes: BTreeMap<i64, i64> = BTreeMap::new();
    let mut returning: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for sales in &guests {
        let cohort = sales.iter().map(|t| month_of(*t)).min().unwrap();
        *sizes.entry(cohort).or_insert(0) += 1;
        for month in sales.iter().map(|t| month_of(*t)).collect::<BTreeSet<_>>() {
            *returning.entry((cohort, month - cohort)).or_insert(0) += 1;
        }
    }
    for ((cohort, offset), n) in &returning {
        expected.insert((key(*cohort), *offset), (sizes[cohort], *n));
    }
    let csv = page(&app, "/portal/analytics.csv?table=cohorts", &cookie).await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut actual = BTreeMap::new();
    for line in csv.text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (size, offset, n): (i64, i64, i64) = (f[1].parse().unwrap(), f[2].parse().unwrap(), f[3].parse().unwrap());
        if n > 0 {
            actual.insert((f[0].to_owned(), offset), (size, n));
        }
    }
    assert_eq!(actual, expected, "{}", csv.text);

    let hours = page(&app, "/portal/analytics.csv?table=hours", &cookie).await;
    let total: i64 = hours.text.lines().skip(1).map(|l| l.rsplit(',').next().unwrap().parse::<i64>().unwrap()).sum();
    assert_eq!(total, 5, "every sale of the last 12 weeks, in its hour of the week");
    let cafes = page(&app, "/portal/analytics.csv?table=cafes", &cookie).await;
    assert!(cafes.text.contains("Vračar,1,50000,1"), "{}", cafes.text);
    let months = page(&app, "/portal/analytics.csv?table=months", &cookie).await;
    let orders: i64 = months.text.lines().skip(1).map(|l| l.split(',').nth(1).unwrap().parse::<i64>().unwrap()).sum();
    assert_eq!(orders, 5);
    assert_eq!(page(&app, "/portal/analytics.csv?table=x", &cookie).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let one = page(&app, &format!("/portal/analytics?cafe={}", second.id), &cookie).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(!one.text.contains("table class=\"cafes\""), "no comparison inside one cafe");
    let barista = portal_sign_in(&app, "barista").await;
    assert_eq!(page(&app, "/portal/analytics", &barista).await.status, StatusCode::FORBIDDEN);
}

/// A guest's page shows their wallets, ledger and purchases; a manager adjusts a balance with
/// a reason, once however often the form is sent; a barista sees nothing of it.
#[tokio::test]
async fn a_guests_page_and_a_manual_adjustment() {
    let app = TestApp::empty().build().await;
    let (chain, _) = history(&app).await;
    let ana = app
        .store
        .guest_by_identity(chain.id(), &regulars_core::guest::ChannelIdentity::new("telegram", "ana").unwrap())
        .await
        .unwrap();
    let path = format!("/portal/guests/{}", ana.public_id);
    let owner = portal_sign_in(&app, "owner").await;
    let shown = page(&app, &path, &owner).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert!(
        shown.text.contains("Guest ana")
            && shown.text.contains("<code>A1</code>")
            && shown.text.contains("Cappuccino × 1")
    );
    assert!(shown.text.contains("Points") && shown.text.contains("earn"), "the ledger");
    let wallet = chain.points_wallet(&*app.store, &ana).await;
    let before = wallet.balances.points;

    let manager = portal_sign_in(&app, "manager").await;
    let body = format!("wallet_id={}&amount=25&reason=Spilled+coffee&key=k1", wallet.id);
    for _ in 0..2 {
        let done = form(&app, &format!("{path}/adjust"), &body, &manager).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
        assert_eq!(done.headers[header::LOCATION], format!("{path}?done=adjusted"));
    }
    let after = app.store.wallet(chain.id(), wallet.id).await.unwrap().balances.points;
    assert_eq!(after, before + 25, "sent twice, adjusted once");
    let shown = page(&app, &format!("{path}?done=adjusted"), &manager).await;
    assert!(shown.text.contains("Spilled coffee") && shown.text.contains("The balance was adjusted."));
    let no_reason =
        form(&app, &format!("{path}/adjust"), &format!("wallet_id={}&amount=5&reason=&key=k2", wallet.id), &manager)
            .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let too_much = form(
        &app,
        &format!("{path}/adjust"),
        &format!("wallet_id={}&amount=-99999&reason=x&key=k3", wallet.id),
        &manager,
    )
    .await;
    assert_eq!(too_much.status, StatusCode::CONFLICT, "never below zero");

    let barista = portal_sign_in(&app, "barista").await;
    assert_eq!(page(&app, &path, &barista).await.status, StatusCode::FORBIDDEN);
    let refused = form(&app, &format!("{path}/adjust"), &body.replace("k1", "k9"), &barista).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(page(&app, "/portal/guests/NOSUCHGUEST1", &owner).await.status, StatusCode::NOT_FOUND);
}

/// The event log, newest first, by family, guest, cafe and date; managers read their cafes'.
#[tokio::test]
async fn the_event_log_filters_and_keeps_to_the_viewers_cafes() {
    let app = TestApp::empty().build().await;
    let (chain, second) = history(&app).await;
    let owner = portal_sign_in(&app, "owner").await;
    let all = page(&app, "/portal/events", &owner).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    let first_sale = all.text.find("purchase.recorded").unwrap();
    assert!(all.text.contains("guest.joined"));
    let sales = page(&app, "/portal/events?kind=purchase.", &owner).await;
    assert_eq!(sales.text.matches("<code>purchase.recorded</code>").count(), 5);
    assert!(!sales.text.contains("<code>guest.joined</code>"));
    let audit = page(&app, "/portal/events?kind=audit.", &owner).await;
    assert!(!audit.text.contains("<code>purchase.recorded</code>"));
    // Newest first: the last sale recorded (B0) comes before the first (A1).
    let receipt = |r: &str| {
        ["&#34;", "&quot;", "\""]
            .iter()
            .find_map(|q| all.text.find(&format!("receipt{q}:{q}{r}{q}")))
            .unwrap_or_else(|| panic!("receipt {r} not shown"))
    };
    let (b0, a1) = (receipt("B0"), receipt("A1"));
    assert!(b0 < a1 && first_sale < a1);

    let ana = app
        .store
        .guest_by_identity(chain.id(), &regulars_core::guest::ChannelIdentity::new("telegram", "ana").unwrap())
        .await
        .unwrap();
    let hers = page(&app, &format!("/portal/events?guest={}", ana.public_id), &owner).await;
    assert!(hers.text.contains(&format!("guest:{}", ana.id)) && !hers.text.contains("purchase:"));
    let tomorrow = (Utc::now() + Duration::days(2)).format("%Y-%m-%d");
    let none = page(&app, &format!("/portal/events?since={tomorrow}"), &owner).await;
    assert!(none.text.contains("Nothing here yet."));
    assert_eq!(page(&app, "/portal/events?since=yesterday", &owner).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page(&app, "/portal/events?guest=NOSUCHCARD12", &owner).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let manager = portal_sign_in(&app, "manager").await;
    let theirs = page(&app, "/portal/events?kind=purchase.", &manager).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert_eq!(theirs.text.matches("<code>purchase.recorded</code>").count(), 1, "only the sale at their cafe");
    let elsewhere = page(&app, &format!("/portal/events?cafe={}", chain.cafe.id), &manager).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let _ = second;
    let barista = portal_sign_in(&app, "barista").await;
    assert_eq!(page(&app, "/portal/events", &barista).await.status, StatusCode::FORBIDDEN);

    // By staff: the barista's record and shift, and the owner's adjustment as an admin change.
    let staff = app.store.list_staff(chain.id()).await.unwrap();
    let id_of = |name: &str| staff.iter().find(|s| s.name == name).unwrap().id;
    app.store.open_shift(chain.id(), id_of("barista"), chain.cafe.id).await.unwrap();
    let wallet = chain.points_wallet(&*app.store, &ana).await;
    let body = format!("wallet_id={}&amount=3&reason=Birthday&key=by-staff", wallet.id);
    form(&app, &format!("/portal/guests/{}/adjust", ana.public_id), &body, &owner).await;
    let baristas = page(&app, &format!("/portal/events?staff={}", id_of("barista")), &owner).await;
    assert!(
        baristas.text.contains("<code>shift.opened</code>") && baristas.text.contains("<code>staff.created</code>")
    );
    assert!(!baristas.text.contains("<code>audit.") && !baristas.text.contains("<code>purchase."), "nothing else");
    let picked = format!("<option value=\"{}\" selected>barista</option>", id_of("barista"));
    assert!(baristas.text.contains(&picked), "the filter shows who is picked");
    let owners = page(&app, &format!("/portal/events?kind=audit.&staff={}", id_of("owner")), &owner).await;
    assert!(owners.text.contains("<code>audit.balance_adjusted</code>"), "{}", owners.text);
    assert_eq!(page(&app, "/portal/events?staff=someone", &owner).await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// An owner of two chains moves between them; the old session ends; a chain they do not
/// work in is not found.
#[tokio::test]
async fn an_owner_of_two_chains_switches_between_them() {
    let app = TestApp::empty().build().await;
    history(&app).await;
    let other = TestChain::create(&*app.store, "second-chain").await;
    app.store
        .create_staff(
            other.id(),
            regulars_core::staff::NewStaff {
                name: "owner".into(),
                role: Role::Owner,
                cafes: vec![],
                identity: None,
                login: Some("owner".into()),
            },
        )
        .await
        .unwrap();
    let cookie = portal_sign_in(&app, "owner").await;
    let dash = page(&app, "/portal/", &cookie).await;
    assert!(dash.text.contains("name=\"chain_id\""), "the switcher shows for two chains");
    let moved = form(&app, "/portal/chain", &format!("chain_id={}", other.id()), &cookie).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text);
    let new_cookie = crate::test_app::session_cookie(&moved);
    let there = page(&app, "/portal/", &new_cookie).await;
    assert!(there.text.contains("Chain second-chain"), "the other chain's dashboard");
    assert_eq!(page(&app, "/portal/", &cookie).await.status, StatusCode::SEE_OTHER, "the old session ended");
    let nowhere = form(&app, "/portal/chain", "chain_id=999999", &new_cookie).await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
}

/// The guest with Telegram id `telegram` of the hand-made history.
async fn guest_of(app: &TestApp, chain: &TestChain, telegram: &str) -> regulars_core::guest::Guest {
    let identity = regulars_core::guest::ChannelIdentity::new("telegram", telegram).unwrap();
    app.store.guest_by_identity(chain.id(), &identity).await.unwrap()
}

/// The receipts of an orders page, top to bottom.
fn receipts_of(html: &str) -> Vec<String> {
    html.split("<tr data-order=")
        .skip(1)
        .map(|row| {
            let codes: Vec<&str> = row.split("<code>").skip(1).map(|c| c.split("</code>").next().unwrap()).collect();
            (*codes.last().unwrap()).to_owned()
        })
        .collect()
}

/// The orders of the hand-made history, newest first, with A1's refund, the POS source and
/// who was on shift for a sale made while a barista worked.
#[tokio::test]
async fn orders_show_refunds_sources_and_who_was_on_shift() {
    let app = TestApp::empty().build().await;
    let (chain, second) = history(&app).await;
    let barista = app.store.list_staff(chain.id()).await.unwrap().into_iter().find(|s| s.name == "barista").unwrap();
    app.store.open_shift(chain.id(), barista.id, chain.cafe.id).await.unwrap();
    let ana = guest_of(&app, &chain, "ana").await;
    chain.sale(&*app.store, &ana, "S1", 25_000).await;

    let owner = portal_sign_in(&app, "owner").await;
    let all = page(&app, "/portal/orders", &owner).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(receipts_of(&all.text), ["S1", "A1", "X1", "A2", "B1", "B0"], "the latest sale first");
    let row = |receipt: &str| {
        let html = &all.text;
        let at = html.find(&format!("<code>{receipt}</code></td>")).unwrap();
        let start = html[..at].rfind("<tr data-order=").unwrap();
        html[start..at + html[at..].find("</tr>").unwrap()].to_owned()
    };
    let a1 = row("A1");
    assert!(a1.contains("RSD\u{a0}1,000.00") && a1.contains("RSD\u{a0}100.00") && a1.contains("R1"), "{a1}");
    assert!(a1.contains("test-pos") && a1.contains("Cappuccino × 1") && a1.contains(&ana.public_id.to_string()));
    assert!(row("S1").contains("<td>barista</td>"), "the barista was on shift: {}", row("S1"));
    assert!(!row("B1").contains("barista"), "nobody was on shift three days ago");
    assert!(!row("X1").contains("/portal/guests/"), "a sale without a guest links to none");

    let vracar = page(&app, &format!("/portal/orders?cafe={}", second.id), &owner).await;
    assert_eq!(receipts_of(&vracar.text), ["A2"]);
    let of_ana = page(&app, &format!("/portal/orders?guest={}", ana.public_id), &owner).await;
    assert_eq!(receipts_of(&of_ana.text), ["S1", "A1", "A2"]);
    let until = (Utc::now() - Duration::days(10)).with_timezone(&chain.cafe.timezone).date_naive();
    let old = page(&app, &format!("/portal/orders?until={until}"), &owner).await;
    assert_eq!(receipts_of(&old.text), ["B0"], "by the day of the sale");
    let none = page(&app, "/portal/orders?source=till", &owner).await;
    assert!(receipts_of(&none.text).is_empty() && none.text.contains("Nothing here yet"), "{}", none.text);
    let paged = page(&app, "/portal/orders", &owner).await;
    assert!(!paged.text.contains("after="), "six orders fit one page");

    let csv = page(&app, "/portal/orders.csv", &owner).await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(
        lines[0],
        "id,occurred_at,cafe,guest,source,receipt,currency,total_minor,refunded_minor,refunds,items,staff_on_shift"
    );
    assert_eq!(lines.len(), 7, "a header and six orders");
    let order: Vec<&str> = lines[1..].iter().map(|l| l.split(',').nth(5).unwrap()).collect();
    assert_eq!(order, ["S1", "A1", "X1", "A2", "B1", "B0"], "in the page's order");
    let a1 = lines.iter().find(|l| l.contains(",A1,")).unwrap();
    assert!(a1.contains(",RSD,100000,10000,R1,"), "{a1}");
    assert!(lines[1].contains(",S1,") && lines[1].ends_with(",barista"), "{}", lines[1]);

    for bad in ["/portal/orders?guest=NOSUCHCARD", "/portal/orders?since=yesterday", "/portal/orders?after=zzz"] {
        assert_eq!(page(&app, bad, &owner).await.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let manager = portal_sign_in(&app, "manager").await;
    let theirs = page(&app, "/portal/orders", &manager).await;
    assert_eq!(receipts_of(&theirs.text), ["A2"], "a manager sees their cafe's orders");
    let csv = page(&app, "/portal/orders.csv", &manager).await;
    assert_eq!(csv.text.lines().count(), 2, "and exports only those");
    let elsewhere = page(&app, &format!("/portal/orders?cafe={}", chain.cafe.id), &manager).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let barista = portal_sign_in(&app, "barista").await;
    for path in ["/portal/orders", "/portal/orders.csv"] {
        assert_eq!(page(&app, path, &barista).await.status, StatusCode::FORBIDDEN, "{path}");
    }
}

/// The loyalty page of the hand-made history: Ana holds 14 points and Boris 7 (1 point per
/// 100 RSD, a tenth of A1 refunded); Boris is given enough stamps at the central cafe for a
/// coffee and takes one.
#[tokio::test]
async fn loyalty_counts_balances_tiers_and_rewards() {
    use regulars_core::ledger::IdempotencyKey;
    use regulars_core::rules::codes::RewardCode;
    use regulars_core::wallet::WalletScope;
    let app = TestApp::empty().build().await;
    let (chain, _) = history(&app).await;
    let owner = portal_sign_in(&app, "owner").await;
    let points = page(&app, "/portal/loyalty", &owner).await;
    assert_eq!(points.status, StatusCode::OK, "{}", points.text);
    let html = &points.text;
    assert!(html.contains("<td><bdi>1–24</bdi></td><td class=\"num\">2</td>"), "both hold 1 to 24 points");
    assert!(html.contains("<td><bdi>0</bdi></td><td class=\"num\">0</td>"));
    assert!(html.contains("<td>No level yet</td><td class=\"num\">2</td><td class=\"num\">100%</td>"));
    assert!(html.contains("This program has no rewards yet."), "the points program has none");
    let top = &html[html.find("Largest balances").unwrap()..html.find("Biggest spenders").unwrap()];
    assert!(top.find("Guest ana").unwrap() < top.find("Guest boris").unwrap(), "14 before 7");
    assert!(top.contains("<bdi>14</bdi>") && top.contains("<bdi>7</bdi>"));
    let spenders = &html[html.find("Biggest spenders").unwrap()..];
    assert!(spenders.contains("RSD\u{a0}1,400.00") && spenders.contains("RSD\u{a0}700.00"));
    assert!(html.contains("<svg"), "the histogram is drawn");

    let boris = guest_of(&app, &chain, "boris").await;
    let stamps = app
        .store
        .open_wallet(
            chain.id(),
            WalletScope { guest_id: boris.id, program_id: chain.stamps.id, cafe_id: Some(chain.cafe.id) },
        )
        .await
        .unwrap();
    let manager_of_all = portal_sign_in(&app, "owner").await;
    let body = format!("wallet_id={}&amount=10&reason=Welcome+back&key=loyal", stamps.id);
    let adjusted = form(&app, &format!("/portal/guests/{}/adjust", boris.public_id), &body, &manager_of_all).await;
    assert_eq!(adjusted.status, StatusCode::SEE_OTHER, "{}", adjusted.text);
    let reward: regulars_core::rules::Reward =
        serde_json::from_value(serde_json::json!({ "key": "coffee", "name": "Coffee", "cost": 7 })).unwrap();
    let code = RewardCode::issue(
        "LOYALTY1".into(),
        stamps.id,
        &reward,
        (0, 7),
        IdempotencyKey::new("loyalty-redeem").unwrap(),
        Some(chain.cafe.id),
        Utc::now(),
    );
    app.store.issue_reward_code(chain.id(), code).await.unwrap();

    let card = page(&app, &format!("/portal/loyalty?program={}", chain.stamps.id), &owner).await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.text);
    let html = &card.text;
    assert!(html.contains("data-figure=\"eligible\">1<"), "Boris alone holds a coffee's 7 stamps");
    let eligible = &html[html.find("Can take a reward now").unwrap()..html.find("Largest balances").unwrap()];
    assert!(eligible.contains("Guest boris") && !eligible.contains("Guest ana"), "{eligible}");
    assert!(html.contains("<td><bdi>≥ 7</bdi></td><td class=\"num\">1</td>"));
    assert!(
        html.contains("<td>Coffee</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">1</td>"),
        "one coffee issued, waiting to be used"
    );

    let csv = page(&app, &format!("/portal/loyalty.csv?table=eligible&program={}", chain.stamps.id), &owner).await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines, ["public_id,name,balance", &format!("{},Guest boris,{}", boris.public_id, 12)].as_slice());
    let balances = page(&app, "/portal/loyalty.csv?table=balances", &owner).await;
    assert_eq!(balances.text.lines().nth(2), Some("1,2"), "{}", balances.text);
    let rewards = page(&app, "/portal/loyalty.csv?table=rewards", &owner).await;
    assert_eq!(rewards.text.lines().nth(1), Some("Coffee,1,0,1,0,0"));
    assert_eq!(page(&app, "/portal/loyalty.csv?table=nope", &owner).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page(&app, "/portal/loyalty?program=999999", &owner).await.status, StatusCode::NOT_FOUND);

    let manager = portal_sign_in(&app, "manager").await;
    let theirs = page(&app, "/portal/loyalty", &manager).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.text.contains("<td>Coffee</td>"), "the coffee was issued at another cafe");
    let barista = portal_sign_in(&app, "barista").await;
    assert_eq!(page(&app, "/portal/loyalty", &barista).await.status, StatusCode::FORBIDDEN);
}

/// One person with two cards: a manager merges the second into the first from the guest's
/// page; the page then lists the merged card, and the audit log has it.
#[tokio::test]
async fn a_guest_found_twice_is_merged_from_their_page() {
    let app = TestApp::empty().build().await;
    let (chain, _) = history(&app).await;
    let ana = guest_of(&app, &chain, "ana").await;
    let cleo = guest_of(&app, &chain, "cleo").await;
    let path = format!("/portal/guests/{}", ana.public_id);
    let manager = portal_sign_in(&app, "manager").await;
    let shown = page(&app, &path, &manager).await;
    assert!(shown.text.contains("action=\"/portal/guests/") && shown.text.contains("/merge\""), "a manager may merge");
    assert!(shown.text.contains("No other card was merged into this guest."));

    let itself = form(&app, &format!("{path}/merge"), &format!("absorb={}", ana.public_id), &manager).await;
    assert_eq!(itself.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", itself.text);
    let unknown = form(&app, &format!("{path}/merge"), "absorb=NOSUCHCARD", &manager).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let barista = portal_sign_in(&app, "barista").await;
    let refused = form(&app, &format!("{path}/merge"), &format!("absorb={}", cleo.public_id), &barista).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let merged = form(
        &app,
        &format!("{path}/merge"),
        &format!("absorb={}", cleo.public_id.to_string().to_lowercase()),
        &manager,
    )
    .await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.text);
    assert_eq!(merged.headers[header::LOCATION], format!("{path}?done=merged"));
    let after = page(&app, &format!("{path}?done=merged"), &manager).await;
    assert!(after.text.contains("The two cards are now one guest."));
    let merges = &after.text[after.text.find("Merged cards").unwrap()..after.text.find("class=\"purchases\"").unwrap()];
    assert!(merges.contains(&format!("<code>{}</code>", cleo.public_id)), "{merges}");
    let kept = app.store.guest(chain.id(), ana.id).await.unwrap();
    assert!(kept.identities.iter().any(|i| i.external_id == "cleo"), "Cleo's messenger is Ana's now: {kept:?}");
    let owner = portal_sign_in(&app, "owner").await;
    let audit = page(&app, "/portal/events?kind=audit.", &owner).await;
    assert!(audit.text.contains("audit.guests_merged"), "the owner's log has it");
}

/// The portal's pages by role, as the accounts issue's matrix has the API's routes: nobody
/// signed in is sent to sign in, managers and owners read, baristas are refused.
#[tokio::test]
async fn every_page_answers_each_role_as_the_policy_says() {
    let app = TestApp::empty().build().await;
    let (chain, _) = history(&app).await;
    let ana = guest_of(&app, &chain, "ana").await;
    let guest_page = format!("/portal/guests/{}", ana.public_id);
    let pages = [
        "/portal/",
        "/portal/dashboard.csv",
        "/portal/guests",
        "/portal/guests.csv",
        guest_page.as_str(),
        "/portal/orders",
        "/portal/orders.csv",
        "/portal/loyalty",
        "/portal/loyalty.csv",
        "/portal/events",
        "/portal/events.csv",
        "/portal/analytics",
        "/portal/analytics.csv",
    ];
    let owner = portal_sign_in(&app, "owner").await;
    let manager = portal_sign_in(&app, "manager").await;
    let barista = portal_sign_in(&app, "barista").await;
    for path in pages {
        let anonymous = app.get(path).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{path}");
        assert!(anonymous.headers[header::LOCATION].to_str().unwrap().starts_with("/portal/login?next="), "{path}");
        for (who, cookie, expected) in [
            ("owner", &owner, StatusCode::OK),
            ("manager", &manager, StatusCode::OK),
            ("barista", &barista, StatusCode::FORBIDDEN),
        ] {
            let answer = page(&app, path, cookie).await;
            assert_eq!(answer.status, expected, "{who} at {path}: {}", answer.text);
        }
    }
    let events = page(&app, "/portal/events.csv?kind=purchase.", &owner).await;
    let lines: Vec<&str> = events.text.lines().collect();
    assert_eq!(lines[0], "id,created_at,kind,subject,cafe,details");
    assert!(lines.len() > 5 && lines[1..].iter().all(|l| l.contains(",purchase.")), "{}", events.text);
    let theirs = page(&app, "/portal/events.csv", &manager).await;
    assert!(
        theirs.text.lines().skip(1).all(|l| l.contains(",Vračar,") || l.split(',').nth(4) == Some("")),
        "a manager exports their cafe's events: {}",
        theirs.text
    );
}
