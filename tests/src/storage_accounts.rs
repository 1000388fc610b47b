//! The storage conformance checks of [`regulars_core::store::AccountRepo`]: accounts, PINs,
//! terminals, sessions and API tokens. Run through [`crate::storage_conformance!`] with the
//! rest of the suite.

use std::sync::Arc;

use chrono::{Duration, Utc};
use regulars_core::ErrorKind;
use regulars_core::auth::token::{TokenKind, issue};
use regulars_core::auth::{NewApiToken, NewSession, NewTerminal, Permission, SecretHash};
use regulars_core::page::PageRequest;
use regulars_core::staff::{NewStaff, Role, Staff};
use regulars_core::store::Store;

use crate::fixtures::TestChain;

async fn member(store: &dyn Store, chain: &TestChain, name: &str, role: Role, login: Option<&str>) -> Staff {
    store
        .create_staff(
            chain.id(),
            NewStaff {
                name: name.into(),
                role,
                cafes: vec![chain.cafe.id],
                identity: None,
                login: login.map(str::to_owned),
            },
        )
        .await
        .expect("create staff")
}

/// One login, staff records in two chains; logins are unique; passwords are replaced.
pub async fn accounts_sign_in_across_chains(store: Arc<dyn Store>) {
    let a = TestChain::create(&*store, "acc-a").await;
    let b = TestChain::create(&*store, "acc-b").await;
    let account = store.create_account("ana", SecretHash::from_stored("h1")).await.unwrap();
    assert_eq!(account.login, "ana");
    assert_eq!(
        store.create_account("ana", SecretHash::from_stored("h2")).await.unwrap_err().kind(),
        ErrorKind::Conflict
    );
    assert_eq!(store.account_by_login("nobody").await.unwrap_err().kind(), ErrorKind::NotFound);
    store.set_password(account.id, SecretHash::from_stored("h3")).await.unwrap();
    assert_eq!(store.account_by_login("ana").await.unwrap().password, SecretHash::from_stored("h3"));
    assert_eq!(
        store
            .set_password(regulars_core::ids::AccountId(i64::MAX), SecretHash::from_stored("x"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );

    let in_a = member(&*store, &a, "Ana", Role::Owner, Some("ana")).await;
    let in_b = member(&*store, &b, "Ana", Role::Manager, Some("ana")).await;
    member(&*store, &a, "Other", Role::Barista, Some("other")).await;
    let of_ana: Vec<_> = store.staff_of_account("ana").await.unwrap().into_iter().map(|s| (s.chain_id, s.id)).collect();
    assert_eq!(of_ana, vec![(a.id(), in_a.id), (b.id(), in_b.id)]);
    let in_chain_a = store.list_staff(a.id()).await.unwrap();
    assert_eq!(in_chain_a.len(), 2);
    assert!(in_chain_a.iter().all(|s| s.chain_id == a.id()));
}

/// PINs are per staff member and chain; terminals pair to a cafe of the chain, are found by
/// token digest, and unpairing is idempotent and ends the sessions opened on them.
pub async fn pins_and_terminals(store: Arc<dyn Store>) {
    let a = TestChain::create(&*store, "term-a").await;
    let b = TestChain::create(&*store, "term-b").await;
    let manager = member(&*store, &a, "Marko", Role::Manager, Some("marko")).await;
    let barista = member(&*store, &a, "Milica", Role::Barista, None).await;
    assert_eq!(store.staff_pin(a.id(), barista.id).await.unwrap(), None);
    store.set_staff_pin(a.id(), barista.id, Some(SecretHash::from_stored("pin-hash"))).await.unwrap();
    assert_eq!(store.staff_pin(a.id(), barista.id).await.unwrap(), Some(SecretHash::from_stored("pin-hash")));
    assert_eq!(store.staff_pin(b.id(), barista.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.set_staff_pin(b.id(), barista.id, None).await.unwrap_err().kind(), ErrorKind::NotFound);

    let token = issue(TokenKind::Terminal);
    let new =
        |cafe| NewTerminal { cafe_id: cafe, name: "Till 1".into(), paired_by: manager.id, token: token.hash.clone() };
    assert_eq!(store.pair_terminal(a.id(), new(b.cafe.id)).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.pair_terminal(b.id(), new(b.cafe.id)).await.unwrap_err().kind(), ErrorKind::NotFound);
    let blank = NewTerminal { name: "  ".into(), ..new(a.cafe.id) };
    assert_eq!(store.pair_terminal(a.id(), blank).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    let terminal = store.pair_terminal(a.id(), new(a.cafe.id)).await.unwrap();
    assert_eq!((terminal.cafe_id, terminal.revoked_at), (a.cafe.id, None));
    assert_eq!(store.terminal_by_token(&token.hash).await.unwrap().id, terminal.id);
    assert_eq!(
        store.terminal_by_token(&issue(TokenKind::Terminal).hash).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(store.list_terminals(a.id()).await.unwrap().len(), 1);
    assert_eq!(store.terminal(a.id(), terminal.id).await.unwrap(), terminal);
    assert_eq!(store.terminal(b.id(), terminal.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert!(store.list_terminals(b.id()).await.unwrap().is_empty());

    let now = Utc::now();
    store.touch_terminal(a.id(), terminal.id, now).await.unwrap();
    assert!(store.terminal_by_token(&token.hash).await.unwrap().last_used_at.is_some());
    let cookie = issue(TokenKind::Session);
    let session = store
        .create_session(NewSession {
            chain_id: a.id(),
            staff_id: barista.id,
            account_id: None,
            terminal_id: Some(terminal.id),
            token: cookie.hash.clone(),
            created_at: now,
            expires_at: now + Duration::hours(12),
        })
        .await
        .unwrap();
    assert_eq!(store.revoke_terminal(b.id(), terminal.id, now).await.unwrap_err().kind(), ErrorKind::NotFound);
    let revoked = store.revoke_terminal(a.id(), terminal.id, now).await.unwrap();
    let first_time = revoked.revoked_at.expect("revoked");
    let again = store.revoke_terminal(a.id(), terminal.id, now + Duration::minutes(5)).await.unwrap();
    assert_eq!(again.revoked_at, Some(first_time), "unpairing twice keeps the first time");
    let ended = store.session_by_token(&cookie.hash).await.unwrap();
    assert_eq!((ended.id, ended.ended_at.is_some()), (session.id, true), "its sessions end with it");
    let events = store
        .events(a.id(), &regulars_core::event::EventFilter::default(), PageRequest::first(100))
        .await
        .unwrap()
        .items;
    let revocations = events.iter().filter(|e| e.kind == "terminal.revoked").count();
    assert_eq!(revocations, 1);
    assert!(events.iter().any(|e| e.kind == "terminal.paired"));
    assert!(events.iter().any(|e| e.kind == "staff.pin_set"));
    assert!(!events.iter().any(|e| e.payload.to_string().contains("pin-hash")), "no hash in the event log");
}

/// Sessions are found by cookie digest, end once, and "log out everywhere" ends only the
/// account's open sessions, in every chain.
pub async fn sessions_end_once_and_everywhere(store: Arc<dyn Store>) {
    let a = TestChain::create(&*store, "sess-a").await;
    let b = TestChain::create(&*store, "sess-b").await;
    let account = store.create_account("sam", SecretHash::from_stored("h")).await.unwrap();
    let in_a = member(&*store, &a, "Sam", Role::Owner, Some("sam")).await;
    let in_b = member(&*store, &b, "Sam", Role::Owner, Some("sam")).await;
    let someone = member(&*store, &a, "Ivan", Role::Owner, None).await;
    let now = Utc::now();
    let open = |chain, staff, account| {
        let store = store.clone();
        async move {
            let cookie = issue(TokenKind::Session);
            let session = store
                .create_session(NewSession {
                    chain_id: chain,
                    staff_id: staff,
                    account_id: account,
                    terminal_id: None,
                    token: cookie.hash.clone(),
                    created_at: now,
                    expires_at: now + Duration::days(7),
                })
                .await
                .unwrap();
            (session, cookie.hash)
        }
    };
    let (first, first_cookie) = open(a.id(), in_a.id, Some(account.id)).await;
    let (_, second_cookie) = open(b.id(), in_b.id, Some(account.id)).await;
    let (_, third_cookie) = open(a.id(), in_a.id, Some(account.id)).await;
    let (_, other_cookie) = open(a.id(), someone.id, None).await;
    // A staff member of another chain cannot be given a session here.
    let wrong = NewSession {
        chain_id: b.id(),
        staff_id: someone.id,
        account_id: None,
        terminal_id: None,
        token: issue(TokenKind::Session).hash,
        created_at: now,
        expires_at: now,
    };
    assert_eq!(store.create_session(wrong).await.unwrap_err().kind(), ErrorKind::NotFound);

    let found = store.session_by_token(&first_cookie).await.unwrap();
    assert_eq!((found.id, found.staff_id, found.ended_at), (first.id, in_a.id, None));
    store.touch_session(first.id, now + Duration::minutes(3)).await.unwrap();
    assert!(store.session_by_token(&first_cookie).await.unwrap().last_seen_at > found.last_seen_at);
    store.end_session(first.id, now + Duration::minutes(4)).await.unwrap();
    let ended_at = store.session_by_token(&first_cookie).await.unwrap().ended_at.expect("ended");
    store.end_session(first.id, now + Duration::minutes(9)).await.unwrap();
    assert_eq!(store.session_by_token(&first_cookie).await.unwrap().ended_at, Some(ended_at));

    assert_eq!(store.end_sessions_of_account(account.id, now).await.unwrap(), 2, "the two still open, both chains");
    for cookie in [&second_cookie, &third_cookie] {
        assert!(store.session_by_token(cookie).await.unwrap().ended_at.is_some());
    }
    assert!(store.session_by_token(&other_cookie).await.unwrap().ended_at.is_none(), "another person's stays");
    assert_eq!(store.end_sessions_of_account(account.id, now).await.unwrap(), 0);
    assert_eq!(store.session_by_token(&issue(TokenKind::Session).hash).await.unwrap_err().kind(), ErrorKind::NotFound);
}

/// Tokens keep their permissions, are scoped to their chain, and revoke once; the event
/// log names them but never holds the digest.
pub async fn api_tokens_revoke_once(store: Arc<dyn Store>) {
    let a = TestChain::create(&*store, "tok-a").await;
    let b = TestChain::create(&*store, "tok-b").await;
    let owner = member(&*store, &a, "Olga", Role::Owner, Some("olga")).await;
    let barista = member(&*store, &a, "Bojan", Role::Barista, None).await;
    let token = issue(TokenKind::Api);
    let new = |permissions: &[Permission]| NewApiToken {
        staff_id: barista.id,
        name: "Till integration".into(),
        permissions: permissions.iter().copied().collect(),
        created_by: owner.id,
        token: token.hash.clone(),
    };
    assert_eq!(store.create_api_token(a.id(), new(&[])).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(
        store.create_api_token(b.id(), new(&[Permission::GuestsRead])).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let created = store.create_api_token(a.id(), new(&[Permission::GuestsRead, Permission::StaffRead])).await.unwrap();
    assert_eq!(created.permissions, [Permission::GuestsRead, Permission::StaffRead].into_iter().collect());
    assert_eq!((created.staff_id, created.created_by, created.revoked_at), (barista.id, owner.id, None));
    let found = store.api_token_by_hash(&token.hash).await.unwrap();
    assert_eq!(found, created);
    store.touch_api_token(created.id, Utc::now()).await.unwrap();
    assert!(store.api_token_by_hash(&token.hash).await.unwrap().last_used_at.is_some());
    assert_eq!(store.list_api_tokens(a.id()).await.unwrap().len(), 1);
    assert!(store.list_api_tokens(b.id()).await.unwrap().is_empty());

    let now = Utc::now();
    assert_eq!(store.revoke_api_token(b.id(), created.id, now).await.unwrap_err().kind(), ErrorKind::NotFound);
    let revoked = store.revoke_api_token(a.id(), created.id, now).await.unwrap().revoked_at.expect("revoked");
    let again = store.revoke_api_token(a.id(), created.id, now + Duration::hours(1)).await.unwrap();
    assert_eq!(again.revoked_at, Some(revoked));
    let events = store
        .events(a.id(), &regulars_core::event::EventFilter::default(), PageRequest::first(100))
        .await
        .unwrap()
        .items;
    assert_eq!(events.iter().filter(|e| e.kind == "api_token.revoked").count(), 1);
    assert!(events.iter().any(|e| e.kind == "api_token.created"));
    assert!(!events.iter().any(|e| e.payload.to_string().contains(token.hash.as_str())));
}

/// A member who leaves: their sessions end, their open shift closes, tokens acting as them
/// are revoked, their login and messenger stop finding them; their history stays, and
/// reactivating lets them sign in again without bringing any of it back.
pub async fn deactivated_staff_hold_nothing_open(store: Arc<dyn Store>) {
    use regulars_core::guest::ChannelIdentity;
    use regulars_core::staff::StaffUpdate;

    let a = TestChain::create(&*store, "leave").await;
    let owner = member(&*store, &a, "Olga", Role::Owner, Some("olga-leave")).await;
    let identity = ChannelIdentity::new("telegram", "leaver-1").unwrap();
    let leaver = store
        .create_staff(
            a.id(),
            NewStaff {
                name: "Lena".into(),
                role: Role::Barista,
                cafes: vec![a.cafe.id],
                identity: Some(identity.clone()),
                login: Some("lena-leave".into()),
            },
        )
        .await
        .unwrap();
    assert!(leaver.active, "new staff are active");
    let now = Utc::now();
    let cookie = issue(TokenKind::Session);
    let session = store
        .create_session(NewSession {
            chain_id: a.id(),
            staff_id: leaver.id,
            account_id: None,
            terminal_id: None,
            token: cookie.hash.clone(),
            created_at: now,
            expires_at: now + Duration::days(1),
        })
        .await
        .unwrap();
    let token = issue(TokenKind::Api);
    let api = store
        .create_api_token(
            a.id(),
            NewApiToken {
                staff_id: leaver.id,
                name: "Lena's scanner".into(),
                permissions: [Permission::GuestsRead].into_iter().collect(),
                created_by: owner.id,
                token: token.hash.clone(),
            },
        )
        .await
        .unwrap();
    let shift = store.open_shift(a.id(), leaver.id, a.cafe.id).await.unwrap();

    let leave = StaffUpdate { active: Some(false), ..StaffUpdate::default() };
    let left = store.update_staff(a.id(), leaver.id, leave.clone()).await.unwrap();
    assert!(!left.active);
    assert!(!store.staff(a.id(), leaver.id).await.unwrap().active, "read back deactivated");
    assert!(store.session_by_token(&cookie.hash).await.unwrap().ended_at.is_some(), "their session ended");
    assert_eq!(session.ended_at, None);
    assert!(store.api_token_by_hash(&token.hash).await.unwrap().revoked_at.is_some(), "their token was revoked");
    assert_eq!(api.revoked_at, None);
    assert_eq!(store.open_shift_of(a.id(), leaver.id).await.unwrap(), None, "their shift closed");
    let closed = store.list_shifts(a.id(), None, PageRequest::first(10)).await.unwrap().items;
    assert!(closed.iter().any(|s| s.id == shift.id && !s.is_open()), "the shift stays, closed");
    assert_eq!(store.staff_by_identity(a.id(), &identity).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert!(store.staff_of_account("lena-leave").await.unwrap().is_empty(), "their login signs in nowhere");
    assert!(store.list_staff(a.id()).await.unwrap().iter().any(|s| s.id == leaver.id && !s.active), "still listed");
    // Deactivating again changes nothing more.
    store.update_staff(a.id(), leaver.id, leave).await.unwrap();

    let back = store.update_staff(a.id(), leaver.id, StaffUpdate { active: Some(true), ..StaffUpdate::default() });
    assert!(back.await.unwrap().active);
    assert_eq!(store.staff_by_identity(a.id(), &identity).await.unwrap().id, leaver.id);
    assert_eq!(store.staff_of_account("lena-leave").await.unwrap().len(), 1);
    assert!(store.session_by_token(&cookie.hash).await.unwrap().ended_at.is_some(), "the old session stays ended");
    assert!(store.api_token_by_hash(&token.hash).await.unwrap().revoked_at.is_some(), "the token stays revoked");
}
