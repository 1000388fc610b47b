//! The storage conformance checks of what the admin API reads and does to guests: search by
//! name, a guest's purchases, and erasure (GDPR). Run through [`crate::storage_conformance!`]
//! with the rest of the suite.

use std::sync::Arc;

use chrono::{Duration, Utc};
use regulars_core::ErrorKind;
use regulars_core::conversation::ConversationState;
use regulars_core::event::EventFilter;
use regulars_core::guest::{ChannelIdentity, NewGuest};
use regulars_core::identity::secret::{KeyId, SecretKey, SecretKeyring, TotpSecret};
use regulars_core::page::PageRequest;
use regulars_core::store::Store;

use crate::fixtures::TestChain;

/// Names are found by any part, in any case and script; wildcards are literal; merged-away
/// guests and other chains are never found; pages follow the cursor.
pub async fn guests_found_by_name(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "by-name").await;
    let other = TestChain::create(&*store, "by-name-other").await;
    let named = |name: &'static str, id: &'static str| {
        let store = store.clone();
        let chain_id = chain.id();
        async move {
            let new = NewGuest {
                display_name: Some(name.into()),
                identity: Some(ChannelIdentity::new("telegram", id).unwrap()),
                ..NewGuest::default()
            };
            store.create_guest(chain_id, new).await.unwrap()
        }
    };
    let milica = named("Милица Петровић", "n1").await;
    let mila = named("Mila Jovanović", "n2").await;
    let percent = named("100% Arabica", "n3").await;
    named("Marko", "n4").await;
    other.guest(&*store, "n5").await;
    let names = |page: &regulars_core::page::Page<regulars_core::guest::Guest>| {
        page.items.iter().map(|g| g.id).collect::<Vec<_>>()
    };
    let find = |text: &'static str, page: PageRequest| {
        let store = store.clone();
        let chain_id = chain.id();
        async move { store.search_guests(chain_id, text, page).await }
    };

    assert_eq!(names(&find("МИЛ", PageRequest::first(10)).await.unwrap()), [milica.id], "Cyrillic, any case");
    assert_eq!(names(&find("mil", PageRequest::first(10)).await.unwrap()), [mila.id]);
    assert_eq!(names(&find("ović", PageRequest::first(10)).await.unwrap()), [mila.id], "any part");
    assert_eq!(names(&find("0%", PageRequest::first(10)).await.unwrap()), [percent.id], "`%` is literal");
    assert!(find("_", PageRequest::first(10)).await.unwrap().items.is_empty(), "`_` is literal");
    assert!(find("Guest n5", PageRequest::first(10)).await.unwrap().items.is_empty(), "not another chain's");
    assert!(find("ilica petr", PageRequest::first(10)).await.unwrap().items.is_empty(), "Latin is not Cyrillic");
    assert_eq!(names(&find("ица пе", PageRequest::first(10)).await.unwrap()), [milica.id], "across the space");
    assert_eq!(names(&find("o\"v", PageRequest::first(10)).await.unwrap()), Vec::new(), "a quote is a letter");
    let err = find("  ", PageRequest::first(10)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);

    let first = find("a", PageRequest::first(2)).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let cursor = first.next.expect("a second page");
    let second = find("a", PageRequest { after: Some(cursor), limit: 2 }).await.unwrap();
    let mut all = names(&first);
    all.extend(names(&second));
    assert_eq!(all.len(), 3, "Mila, 100% Arabica, Marko: {all:?}");
    assert!(all.windows(2).all(|w| w[0] < w[1]), "by id, no repeats");
    let jovana = named("Jovana Jovanović", "n7").await;
    let page = find("ović", PageRequest::first(1)).await.unwrap();
    assert_eq!(names(&page), [mila.id]);
    let rest = find("ović", PageRequest { after: page.next, limit: 1 }).await.unwrap();
    assert_eq!(names(&rest), [jovana.id], "a long needle pages too");

    // A guest merged into another is found as the one they became.
    let twin = named("Mila on WhatsApp", "n6").await;
    regulars_core::merge::merge(&*store, chain.id(), mila.id, twin.id).await.unwrap();
    assert_eq!(names(&find("whatsapp", PageRequest::first(10)).await.unwrap()), Vec::new(), "kept name wins");
    assert_eq!(names(&find("mila", PageRequest::first(10)).await.unwrap()), [mila.id]);
}

/// A guest's purchases come newest first, with their line items, a page at a time.
pub async fn guest_purchases_newest_first(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "guest-purchases").await;
    let other = TestChain::create(&*store, "guest-purchases-other").await;
    let guest = chain.guest(&*store, "p1").await;
    let someone = chain.guest(&*store, "p2").await;
    for receipt in ["r-1", "r-2", "r-3"] {
        chain.sale(&*store, &guest, receipt, 30_000).await;
    }
    chain.sale(&*store, &someone, "r-4", 30_000).await;

    let first = store.purchases_of_guest(chain.id(), guest.id, PageRequest::first(2)).await.unwrap();
    let receipts: Vec<&str> = first.items.iter().map(|p| p.details.external_id.as_str()).collect();
    assert_eq!(receipts, ["r-3", "r-2"]);
    assert_eq!(first.items[0].details.items[0].name, "Cappuccino", "with line items");
    let rest =
        store.purchases_of_guest(chain.id(), guest.id, PageRequest { after: first.next, limit: 2 }).await.unwrap();
    assert_eq!(rest.items.iter().map(|p| p.details.external_id.as_str()).collect::<Vec<_>>(), ["r-1"]);
    assert!(rest.next.is_none());
    let elsewhere = store.purchases_of_guest(other.id(), guest.id, PageRequest::first(10)).await.unwrap();
    assert!(elsewhere.items.is_empty(), "another chain has none of them");
}

/// Erasure removes what names the person (profile, identities, conversation, card secret,
/// presence, messages), also of guests merged into them, keeps wallets, ledger and purchases
/// so totals stay right, happens once, and frees the messenger for a new guest.
pub async fn guests_erased_keep_their_totals(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "erase").await;
    let other = TestChain::create(&*store, "erase-other").await;
    let telegram = ChannelIdentity::new("telegram", "e1").unwrap();
    let whatsapp = ChannelIdentity::new("whatsapp", "381600000900").unwrap();
    let guest = store
        .create_guest(
            chain.id(),
            NewGuest {
                display_name: Some("Jelena".into()),
                phone: Some("+381600000900".into()),
                phone_verified: true,
                language: Some("sr".into()),
                birthday: chrono::NaiveDate::from_ymd_opt(1990, 5, 17),
                identity: Some(telegram.clone()),
                ..NewGuest::default()
            },
        )
        .await
        .unwrap();
    let twin = store
        .create_guest(
            chain.id(),
            NewGuest {
                display_name: Some("Jelena WA".into()),
                identity: Some(whatsapp.clone()),
                ..NewGuest::default()
            },
        )
        .await
        .unwrap();
    regulars_core::merge::merge(&*store, chain.id(), guest.id, twin.id).await.unwrap();
    chain.sale(&*store, &guest, "e-1", 50_000).await;
    let keyring =
        SecretKeyring::new(KeyId::new("k1").unwrap(), [(KeyId::new("k1").unwrap(), SecretKey::generate())]).unwrap();
    let sealed = keyring.seal(chain.id(), guest.id, &TotpSecret::generate()).unwrap();
    store.ensure_totp_secret(chain.id(), guest.id, sealed).await.unwrap();
    let now = Utc::now();
    store.record_presence(chain.id(), guest.id, now + Duration::minutes(5), now).await.unwrap();
    store.save_conversation(chain.id(), &telegram, &ConversationState::default(), None).await.unwrap();
    let wallets_before = store.wallets_of_guest(chain.id(), guest.id).await.unwrap();
    assert!(!store.outbox_of_guest(chain.id(), guest.id).await.unwrap().is_empty(), "the sale told them");

    assert_eq!(store.erase_guest(other.id(), guest.id).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.search_guests(chain.id(), "jelena", PageRequest::first(10)).await.unwrap().items.len(), 1);
    let erased = store.erase_guest(chain.id(), guest.id).await.unwrap();
    assert!(erased.erased_at.is_some());
    let by_name = store.search_guests(chain.id(), "jelena", PageRequest::first(10)).await.unwrap();
    assert!(by_name.items.is_empty(), "an erased name is found no more");
    assert_eq!(
        (erased.display_name, erased.phone, erased.language, erased.birthday),
        (None, None, None, None),
        "nothing that names them"
    );
    assert!(erased.identities.is_empty() && !erased.consent.marketing && !erased.phone_verified);
    let absorbed = store.guest(chain.id(), twin.id).await.unwrap();
    assert_eq!(absorbed.display_name, None, "the guest merged into them is erased too");
    assert_eq!(store.guest_by_identity(chain.id(), &telegram).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(store.guest_by_identity(chain.id(), &whatsapp).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert!(store.guests_by_phone(chain.id(), "+381600000900").await.unwrap().is_empty());
    assert!(store.search_guests(chain.id(), "jelena", PageRequest::first(10)).await.unwrap().items.is_empty());
    assert_eq!(store.conversation(chain.id(), &telegram).await.unwrap(), None, "their conversation is gone");
    assert!(store.totp_secret(chain.id(), guest.id).await.unwrap().is_none(), "their card secret is gone");
    assert!(store.outbox_of_guest(chain.id(), guest.id).await.unwrap().is_empty(), "their messages are gone");
    let presences = store.presences_changed_since(chain.id(), now - Duration::minutes(1), now).await.unwrap();
    assert!(presences.iter().all(|p| p.guest != guest.id), "their presence is gone");

    // What the chain counts stays.
    assert_eq!(store.wallets_of_guest(chain.id(), guest.id).await.unwrap(), wallets_before);
    let purchases = store.purchases_of_guest(chain.id(), guest.id, PageRequest::first(10)).await.unwrap();
    assert_eq!(purchases.items.len(), 1, "the purchase stays, anonymous");

    let again = store.erase_guest(chain.id(), guest.id).await.unwrap();
    assert_eq!(again.erased_at, store.guest(chain.id(), guest.id).await.unwrap().erased_at);
    let filter = EventFilter { kind: Some("guest.erased".into()), ..EventFilter::default() };
    let events = store.events(chain.id(), &filter, PageRequest::first(10)).await.unwrap().items;
    assert_eq!(events.len(), 1, "erased once");
    assert!(!events[0].payload.to_string().contains("Jelena"));

    // Writing again from that messenger is somebody new.
    let back = store
        .create_guest(chain.id(), NewGuest { identity: Some(telegram.clone()), ..NewGuest::default() })
        .await
        .unwrap();
    assert_ne!(back.id, guest.id);
}
