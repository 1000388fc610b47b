//! One guest's page: profile and messengers, wallets with level progress, the ledger with
//! each entry's rule snapshot, purchases with their lines, and a manual adjustment with a
//! reason for managers (the API's own adjustment, audited and idempotent).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono_tz::Tz;
use regulars_core::Error;
use regulars_core::auth::policy::{Action, Decision, Target};
use regulars_core::event::EventFilter;
use regulars_core::guest::Guest;
use regulars_core::ids::GuestId;
use regulars_core::page::PageRequest;
use regulars_core::program::ProgramKind;
use serde::Deserialize;

use super::format;
use super::viewer::{Chrome, Viewer};
use super::{PortalError, render};
use crate::api::views::AdjustmentBody;
use crate::app::AppState;

/// Entries and purchases shown.
const RECENT: u32 = 30;

/// A wallet as the page shows it.
struct WalletPart {
    id: i64,
    program: String,
    balance: String,
    tier: String,
    next_tier: String,
    entries: Vec<EntryLine>,
}

struct EntryLine {
    when: String,
    kind: &'static str,
    change: String,
    after: String,
    reason: String,
    snapshot: String,
}

struct MergeLine {
    when: String,
    absorbed: String,
}

struct PurchaseLine {
    when: String,
    cafe: String,
    receipt: String,
    total: String,
    items: String,
}

#[derive(Template)]
#[template(path = "portal/guest.html")]
struct GuestPage<'a> {
    chrome: Chrome<'a>,
    public_id: String,
    name: String,
    phone: String,
    language: String,
    joined: String,
    home_cafe: String,
    messengers: String,
    wallets: Vec<WalletPart>,
    purchases: Vec<PurchaseLine>,
    merges: Vec<MergeLine>,
    may_adjust: bool,
    may_merge: bool,
    adjust_key: String,
    notice: String,
}

async fn find(state: &AppState, viewer: &Viewer, public_id: &str) -> Result<Guest, Error> {
    viewer.caller.principal.require(Action::ViewGuestHistory, Target::Chain(viewer.chain.id))?;
    state.store.guest_by_public_id(viewer.chain.id, &public_id.trim().to_uppercase()).await.map_err(|e| {
        match e.kind() {
            regulars_core::ErrorKind::InvalidInput => Error::not_found(GuestId::ENTITY, public_id),
            _ => e,
        }
    })
}

/// `GET /portal/guests/{public_id}`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(public_id): Path<String>,
    query: axum::extract::Query<NoticeQuery>,
) -> Result<Response, PortalError> {
    let guest = find(&state, &viewer, &public_id).await?;
    let lang = &viewer.lang;
    let chain = viewer.chain.id;
    let tz: Tz = viewer.cafes.first().map_or(Tz::UTC, |c| c.timezone);
    let cafe_name = |id| viewer.cafes.iter().find(|c| c.id == id).map(|c| c.name.clone()).unwrap_or_default();
    let programs = state.store.list_programs(chain).await?;
    let mut wallets = Vec::new();
    for wallet in state.store.wallets_of_guest(chain, guest.id).await? {
        let program = programs.iter().find(|p| p.id == wallet.scope.program_id);
        let stamps = program.is_some_and(|p| matches!(p.kind, ProgramKind::Stamps { .. }));
        let unit = |points: i64, stamps_n: i64| {
            if stamps { format::integer(lang, stamps_n) } else { format::integer(lang, points) }
        };
        let next_tier = program
            .and_then(|p| {
                p.rules
                    .tiers
                    .iter()
                    .filter(|t| t.threshold > wallet.balances.lifetime_points)
                    .min_by_key(|t| t.threshold)
            })
            .map(|t| {
                let mut args = regulars_i18n::FluentArgs::new();
                args.set("tier", t.name.clone());
                args.set("points", format::integer(lang, t.threshold - wallet.balances.lifetime_points));
                state.i18n.format(lang, "portal-guest-next-tier", Some(&args))
            })
            .unwrap_or_default();
        let page = state.store.ledger_entries(chain, wallet.id, PageRequest::first(RECENT)).await?;
        let entries = page
            .items
            .iter()
            .map(|e| EntryLine {
                when: format::moment(lang, e.created_at, tz),
                kind: e.kind.as_str(),
                change: signed(lang, if stamps { e.stamps } else { e.points }),
                after: unit(e.balances_after.points, e.balances_after.stamps),
                reason: e.reason.clone().unwrap_or_default(),
                snapshot: serde_json::to_string(&e.rule_snapshot).unwrap_or_default(),
            })
            .collect();
        wallets.push(WalletPart {
            id: wallet.id.get(),
            program: program.map(|p| p.name.clone()).unwrap_or_default(),
            balance: unit(wallet.balances.points, wallet.balances.stamps),
            tier: wallet.tier.clone().unwrap_or_default(),
            next_tier,
            entries,
        });
    }
    let purchases = state
        .store
        .purchases_of_guest(chain, guest.id, PageRequest::first(RECENT))
        .await?
        .items
        .into_iter()
        .map(|p| PurchaseLine {
            when: format::moment(lang, p.details.occurred_at, tz),
            cafe: cafe_name(p.details.cafe_id),
            receipt: p.details.external_id.clone(),
            total: format::money(lang, p.details.total.minor, &p.details.total.currency.to_string()),
            items: p
                .details
                .items
                .iter()
                .map(|i| format!("{} × {}", i.name, i.quantity))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let may_adjust = viewer.caller.principal.decide(Action::AdjustBalance, Target::Chain(chain)) == Decision::Allowed;
    let may_merge = viewer.caller.principal.decide(Action::MergeGuests, Target::Chain(chain)) == Decision::Allowed;
    let notice = match query.done.as_deref() {
        Some("adjusted") => state.i18n.format(lang, "portal-guest-adjusted", None),
        Some("merged") => state.i18n.format(lang, "portal-guest-merged", None),
        _ => String::new(),
    };
    let merges = merges(&state, &viewer, &guest, tz).await?;
    let page = GuestPage {
        chrome: Chrome::new(&state, &viewer, "/portal/guests", "portal-guest-title", None),
        public_id: guest.public_id.to_string(),
        name: guest.display_name.clone().unwrap_or_default(),
        phone: guest.phone.as_deref().map(|p| viewer.caller.principal.phone_for(p)).unwrap_or_default(),
        language: guest.language.clone().unwrap_or_default(),
        joined: format::date(lang, format::local_day(guest.created_at, tz)),
        home_cafe: guest.home_cafe.map(cafe_name).unwrap_or_default(),
        messengers: guest.identities.iter().map(|i| i.channel.as_str().to_owned()).collect::<Vec<_>>().join(", "),
        wallets,
        purchases,
        merges,
        may_adjust,
        may_merge,
        adjust_key: format!("{:016x}", rand::random::<u64>()),
        notice,
    };
    Ok(render(&page)?.into_response())
}

/// The cards merged into this guest, newest first, from the `guest.merged` events.
async fn merges(state: &AppState, viewer: &Viewer, guest: &Guest, tz: Tz) -> Result<Vec<MergeLine>, Error> {
    let filter = EventFilter {
        kind: Some("guest.merged".into()),
        subject: Some(format!("guest:{}", guest.id)),
        newest_first: true,
        ..EventFilter::default()
    };
    let events = state.store.events(viewer.chain.id, &filter, PageRequest::first(RECENT)).await?;
    let mut lines = Vec::with_capacity(events.items.len());
    for event in events.items {
        let absorbed = match event.payload["absorbed"].as_i64() {
            Some(id) => match state.store.guest(viewer.chain.id, GuestId(id)).await {
                Ok(absorbed) => absorbed.public_id.to_string(),
                Err(e) if e.kind() == regulars_core::ErrorKind::NotFound => id.to_string(),
                Err(e) => return Err(e),
            },
            None => String::new(),
        };
        lines.push(MergeLine { when: format::moment(&viewer.lang, event.created_at, tz), absorbed });
    }
    Ok(lines)
}

#[derive(Debug, Deserialize)]
struct MergeForm {
    #[serde(default)]
    absorb: String,
}

/// `POST /portal/guests/{public_id}/merge`: the guest with card `absorb` is this one found
/// twice (managers and owners): the API's own merge, audited.
pub async fn merge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(public_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PortalError> {
    let keep = find(&state, &viewer, &public_id).await?;
    let form: MergeForm =
        serde_urlencoded::from_bytes(&body).map_err(|e| Error::invalid("form", format!("not a merge form: {e}")))?;
    let absorb = super::filters::guest_by_card(&state, &viewer, "absorb", Some(&form.absorb))
        .await?
        .ok_or_else(|| Error::invalid("absorb", "the card code of the other guest"))?;
    let kept = crate::api::guests::merge(&state, &viewer.caller, viewer.chain.id, keep.id, absorb.id).await?;
    Ok(Redirect::to(&format!("/portal/guests/{}?done=merged", kept.public_id)).into_response())
}

fn signed(lang: &regulars_i18n::LanguageIdentifier, n: i64) -> String {
    if n > 0 { format!("+{}", format::integer(lang, n)) } else { format::integer(lang, n) }
}

/// `?done=adjusted` after an adjustment.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    done: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AdjustForm {
    wallet_id: i64,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    key: String,
}

/// `POST /portal/guests/{public_id}/adjust`: a manual adjustment (managers and owners).
pub async fn adjust(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(public_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PortalError> {
    let guest = find(&state, &viewer, &public_id).await?;
    let form: AdjustForm = serde_urlencoded::from_bytes(&body)
        .map_err(|e| Error::invalid("form", format!("not an adjustment form: {e}")))?;
    let amount: i64 =
        form.amount.trim().parse().map_err(|_| Error::invalid("amount", "a whole number, negative to take"))?;
    let wallet = state.store.wallet(viewer.chain.id, regulars_core::ids::WalletId(form.wallet_id)).await?;
    let programs = state.store.list_programs(viewer.chain.id).await?;
    let stamps =
        programs.iter().any(|p| p.id == wallet.scope.program_id && matches!(p.kind, ProgramKind::Stamps { .. }));
    let body = AdjustmentBody {
        wallet_id: form.wallet_id,
        points: if stamps { 0 } else { amount },
        stamps: if stamps { amount } else { 0 },
        reason: form.reason,
        idempotency_key: format!("portal:{}", form.key.chars().take(64).collect::<String>()),
    };
    crate::api::guests::adjust(&state, &viewer.caller, viewer.chain.id, guest.id, &body).await?;
    Ok(Redirect::to(&format!("/portal/guests/{}?done=adjusted", guest.public_id)).into_response())
}
