//! Conformance checks for changing cafes, programs and staff, and for reading the event log
//! filtered: the store's behaviour that the admin API's edit and archive routes rely on.

use std::sync::Arc;

use chrono::{Duration, Utc};
use regulars_core::chain::{CafeUpdate, NewChain};
use regulars_core::event::EventFilter;
use regulars_core::ledger::EntryKind;
use regulars_core::page::PageRequest;
use regulars_core::program::ProgramUpdate;
use regulars_core::staff::{NewStaff, Role, StaffUpdate};
use regulars_core::store::Store;
use regulars_core::{Error, ErrorKind};

use crate::fixtures::{TestChain, rules};

/// A rules change applies to the next sale at once (no cached copy of the old rules earns
/// it), history keeps what it earned under the old rules, an archived program earns nothing,
/// and bad rules are refused naming the field.
pub async fn program_changes_apply_to_later_sales(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "edit-programs").await;
    let guest = chain.guest(&*store, "1").await;
    let first = chain.sale(&*store, &guest, "before", 50_000).await;
    let earned = |outcome: &regulars_core::pos::ingest::IngestOutcome, program| {
        outcome.programs.iter().find(|p| p.program_id == program).map(|p| p.change)
    };
    assert_eq!(earned(&first, chain.points.id), Some(5));

    let doubled = ProgramUpdate {
        rules: Some(rules(r#"{ "earn": { "points": 2, "per_minor": 10000 } }"#)),
        ..ProgramUpdate::default()
    };
    let changed = store.update_program(chain.id(), chain.points.id, doubled).await.unwrap();
    assert_eq!(changed.rules.earn.map(|e| e.points), Some(2));
    assert_eq!(store.program(chain.id(), chain.points.id).await.unwrap(), changed, "read back as written");
    let second = chain.sale(&*store, &guest, "after", 50_000).await;
    assert_eq!(earned(&second, chain.points.id), Some(10), "the new rate, at once");
    let wallet = chain.points_wallet(&*store, &guest).await;
    let history = store.ledger_entries(chain.id(), wallet.id, PageRequest::first(10)).await.unwrap().items;
    let earns: Vec<i64> = history.iter().filter(|e| e.kind == EntryKind::Earn).map(|e| e.points).collect();
    assert_eq!(earns.iter().sum::<i64>(), 15, "the first sale keeps its 5: history is not rewritten");

    let archive = ProgramUpdate { archived: Some(true), ..ProgramUpdate::default() };
    let archived = store.update_program(chain.id(), chain.stamps.id, archive.clone()).await.unwrap();
    let at = archived.archived_at.expect("archived");
    let again = store.update_program(chain.id(), chain.stamps.id, archive).await.unwrap();
    assert_eq!(again.archived_at, Some(at), "archiving twice keeps the first time");
    let third = chain.sale(&*store, &guest, "archived", 50_000).await;
    assert_eq!(earned(&third, chain.stamps.id), None, "an archived program earns nothing");
    assert_eq!(earned(&third, chain.points.id), Some(10));
    let restore = ProgramUpdate { archived: Some(false), ..ProgramUpdate::default() };
    assert_eq!(store.update_program(chain.id(), chain.stamps.id, restore).await.unwrap().archived_at, None);

    let bad = ProgramUpdate { rules: Some(rules("{}")), ..ProgramUpdate::default() };
    let err = store.update_program(chain.id(), chain.points.id, bad).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field.starts_with("rules.")), "{err}");
    let other = TestChain::create(&*store, "edit-programs-other").await;
    let err = store.update_program(other.id(), chain.points.id, ProgramUpdate::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "another chain's program is not found");
}

/// A cafe's change is read back, archiving keeps its first time and leaves sales working,
/// and another chain's cafe is not found.
pub async fn cafe_changes_and_archive(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "edit-cafes").await;
    let update = CafeUpdate {
        name: Some("Renamed".into()),
        timezone: Some(chrono_tz::Europe::Vienna),
        archived: Some(true),
        ..CafeUpdate::default()
    };
    let changed = store.update_cafe(chain.id(), chain.cafe.id, update).await.unwrap();
    assert_eq!((changed.name.as_str(), changed.timezone), ("Renamed", chrono_tz::Europe::Vienna));
    assert_eq!(changed.address, chain.cafe.address, "what was not given is kept");
    assert!(changed.archived_at.is_some());
    assert_eq!(store.cafe(chain.id(), chain.cafe.id).await.unwrap(), changed);
    let guest = chain.guest(&*store, "1").await;
    let sold = chain.sale(&*store, &guest, "late-receipt", 10_000).await;
    assert!(!sold.programs.is_empty(), "a till's late receipt at an archived cafe still earns");

    let blank = CafeUpdate { name: Some(" ".into()), ..CafeUpdate::default() };
    let err = store.update_cafe(chain.id(), chain.cafe.id, blank).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "name"), "{err}");
    let other = store
        .create_chain(NewChain { slug: "edit-cafes-other".into(), name: "Other".into(), default_language: "en".into() })
        .await
        .unwrap();
    let err = store.update_cafe(other.id, chain.cafe.id, CafeUpdate::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

/// The event log filtered by kind, kind family, subject, time and cafe.
pub async fn events_filter_by_kind_subject_and_time(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "event-filters").await;
    let cafe_subject = format!("cafe:{}", chain.cafe.id);
    store.update_cafe(chain.id(), chain.cafe.id, CafeUpdate::default()).await.unwrap();
    store.update_program(chain.id(), chain.points.id, ProgramUpdate::default()).await.unwrap();
    let id = chain.id();
    let read = |filter: EventFilter| {
        let store = store.clone();
        async move { store.events(id, &filter, PageRequest::first(100)).await }
    };
    let kinds = |events: &[regulars_core::event::Event]| events.iter().map(|e| e.kind.clone()).collect::<Vec<_>>();

    let exact = read(EventFilter { kind: Some("cafe.updated".into()), ..EventFilter::default() }).await.unwrap();
    assert_eq!(kinds(&exact.items), ["cafe.updated"]);
    let family = read(EventFilter { kind: Some("cafe.".into()), ..EventFilter::default() }).await.unwrap();
    assert_eq!(kinds(&family.items), ["cafe.created", "cafe.updated"], "a family, oldest first");
    let subject = read(EventFilter { subject: Some(cafe_subject), ..EventFilter::default() }).await.unwrap();
    assert!(subject.items.iter().all(|e| e.subject == format!("cafe:{}", chain.cafe.id)) && subject.items.len() == 2);
    let later = Utc::now() + Duration::hours(1);
    let future = read(EventFilter { since: Some(later), ..EventFilter::default() }).await.unwrap();
    assert!(future.items.is_empty(), "nothing at or after an hour from now");
    let past = read(EventFilter { until: Some(later), kind: Some("program.".into()), ..EventFilter::default() })
        .await
        .unwrap();
    assert_eq!(kinds(&past.items), ["program.created", "program.created", "program.updated"]);
    let err = read(EventFilter { kind: Some("cafe%".into()), ..EventFilter::default() }).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "kind"));

    // By cafe: events about the cafe and events at it (a shift there), nothing else.
    let barista = chain.barista(&*store, "Iva").await;
    store.open_shift(id, barista.id, chain.cafe.id).await.unwrap();
    let at_cafe = read(EventFilter { cafes: Some(vec![chain.cafe.id]), ..EventFilter::default() }).await.unwrap();
    assert_eq!(kinds(&at_cafe.items), ["cafe.created", "cafe.updated", "shift.opened"]);
    assert!(at_cafe.items.iter().all(|e| e.cafe_id == Some(chain.cafe.id)));
    let none = read(EventFilter { cafes: Some(Vec::new()), ..EventFilter::default() }).await.unwrap();
    assert!(none.items.is_empty(), "no cafes: no events");
    let elsewhere =
        read(EventFilter { cafes: Some(vec![regulars_core::ids::CafeId(i64::MAX)]), ..EventFilter::default() })
            .await
            .unwrap();
    assert!(elsewhere.items.is_empty());

    // By staff: what they did or what is about them (their record, their shifts).
    let theirs = read(EventFilter { staff: Some(barista.id), ..EventFilter::default() }).await.unwrap();
    assert_eq!(kinds(&theirs.items), ["staff.created", "shift.opened"]);
    let nobody = read(EventFilter { staff: Some(regulars_core::ids::StaffId(i64::MAX)), ..EventFilter::default() })
        .await
        .unwrap();
    assert!(nobody.items.is_empty());
    store
        .record_event(
            id,
            "audit.cafe_updated",
            format!("cafe:{}", chain.cafe.id),
            serde_json::json!({ "by": barista.id }),
        )
        .await
        .unwrap();
    let audited = read(EventFilter { staff: Some(barista.id), kind: Some("audit.".into()), ..EventFilter::default() })
        .await
        .unwrap();
    assert_eq!(kinds(&audited.items), ["audit.cafe_updated"], "an admin change by them");
}

/// A staff member's name, role and cafes change and read back; an unknown cafe or another
/// chain's staff member is not found, and nothing changes.
pub async fn staff_changes_read_back(store: Arc<dyn Store>) {
    let chain = TestChain::create(&*store, "edit-staff").await;
    let new = NewStaff { name: "Milica".into(), role: Role::Barista, cafes: vec![], identity: None, login: None };
    let member = store.create_staff(chain.id(), new).await.unwrap();
    let update = StaffUpdate {
        name: Some("Milica P.".into()),
        role: Some(Role::Manager),
        cafes: Some(vec![chain.cafe.id]),
        active: None,
    };
    let changed = store.update_staff(chain.id(), member.id, update).await.unwrap();
    assert_eq!(
        (changed.name.as_str(), changed.role, changed.cafes.as_slice()),
        ("Milica P.", Role::Manager, &[chain.cafe.id][..])
    );
    assert_eq!(store.staff(chain.id(), member.id).await.unwrap(), changed);
    let unknown = StaffUpdate { cafes: Some(vec![regulars_core::ids::CafeId(i64::MAX)]), ..StaffUpdate::default() };
    let err = store.update_staff(chain.id(), member.id, unknown).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let blank = StaffUpdate { name: Some("".into()), ..StaffUpdate::default() };
    assert_eq!(store.update_staff(chain.id(), member.id, blank).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(store.staff(chain.id(), member.id).await.unwrap(), changed, "a refused change writes nothing");
    let other = TestChain::create(&*store, "edit-staff-other").await;
    let err = store.update_staff(other.id(), member.id, StaffUpdate::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}
