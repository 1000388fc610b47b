//! What the admin API answers and accepts: its own JSON shapes (the API is a contract; the
//! core types behind it may change), each described in the OpenAPI document.

use chrono::{DateTime, NaiveDate, Utc};
use regulars_core::auth::policy::Decision;
use regulars_core::auth::{Action, ApiToken, Principal, Target, Terminal};
use regulars_core::chain::{Cafe, Chain};
use regulars_core::event::Event;
use regulars_core::guest::Guest;
use regulars_core::ledger::LedgerEntry;
use regulars_core::page::{Cursor, Page};
use regulars_core::program::{Program, ProgramKind};
use regulars_core::staff::{Shift, ShiftState, Staff};
use regulars_core::wallet::Wallet;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The error body every failure answers (see `crate::error`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// See [`ErrorBody`].
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `not_found`, `conflict`, `invalid_input`, `insufficient_balance`, `unavailable`,
    /// `internal`, `unauthenticated`, `forbidden` or `rate_limited`.
    pub kind: String,
    /// For the person reading it.
    pub message: String,
    /// The offending field, for `invalid_input`.
    pub field: Option<String>,
}

/// A chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainView {
    /// Its id.
    pub id: i64,
    /// Its slug (URLs, configuration).
    pub slug: String,
    /// Its name.
    pub name: String,
    /// The language guests get before they choose.
    pub default_language: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<&Chain> for ChainView {
    fn from(c: &Chain) -> Self {
        Self {
            id: c.id.get(),
            slug: c.slug.clone(),
            name: c.name.clone(),
            default_language: c.default_language.clone(),
            created_at: c.created_at,
        }
    }
}

/// A cafe.
#[derive(Debug, Serialize, ToSchema)]
pub struct CafeView {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// IANA timezone, e.g. `Europe/Belgrade`.
    pub timezone: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// Opening hours: intervals of weekday, opening and closing time.
    #[schema(value_type = Vec<Object>)]
    pub opening_hours: serde_json::Value,
    /// When it was archived (hidden from guests choosing a cafe); `null` while open.
    pub archived_at: Option<DateTime<Utc>>,
}

impl From<&Cafe> for CafeView {
    fn from(c: &Cafe) -> Self {
        Self {
            id: c.id.get(),
            name: c.name.clone(),
            address: c.address.clone(),
            lat: c.location.lat,
            lon: c.location.lon,
            timezone: c.timezone.name().to_owned(),
            currency: c.currency.to_string(),
            opening_hours: serde_json::to_value(&c.opening_hours).unwrap_or_default(),
            archived_at: c.archived_at,
        }
    }
}

/// A new cafe.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCafeBody {
    /// Its name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Latitude, -90 to 90.
    pub lat: f64,
    /// Longitude, -180 to 180.
    pub lon: f64,
    /// IANA timezone, e.g. `Europe/Belgrade`.
    pub timezone: String,
    /// ISO 4217 currency, e.g. `RSD`.
    pub currency: String,
    /// Opening hours as `[{"day": "mon", "opens": "08:00:00", "closes": "20:00:00"}, …]`;
    /// every day 08:00-20:00 when left out.
    #[schema(value_type = Option<Vec<Object>>)]
    pub opening_hours: Option<serde_json::Value>,
}

/// A change to a cafe: the fields given are replaced, the rest kept. The currency cannot
/// change (every amount already recorded is in it).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CafeUpdateBody {
    /// Its name.
    pub name: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// Latitude, -90 to 90 (with `lon`).
    pub lat: Option<f64>,
    /// Longitude, -180 to 180 (with `lat`).
    pub lon: Option<f64>,
    /// IANA timezone, e.g. `Europe/Belgrade`.
    pub timezone: Option<String>,
    /// Opening hours, as on creation.
    #[schema(value_type = Option<Vec<Object>>)]
    pub opening_hours: Option<serde_json::Value>,
    /// `true` archives the cafe (guests no longer choose it), `false` opens it again.
    pub archived: Option<bool>,
}

/// A new loyalty program.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProgramBody {
    /// Its name, e.g. `Demo Points`.
    pub name: String,
    /// `points` or `stamps`.
    pub kind: String,
    /// Stamps per card, 1 to 100: required for a stamp program.
    pub card_size: Option<u32>,
    /// `chain` (one wallet per guest) or `cafe` (one per guest and cafe).
    pub scope: String,
    /// Earning rules, tiers, rewards and expiry: the rules engine's shape, as in the
    /// configuration's `[[programs]]` (see the README); errors name the field (`rules.earn`).
    #[schema(value_type = Object)]
    pub rules: regulars_core::rules::ProgramRules,
}

/// A change to a program: the fields given are replaced, the rest kept. Kind and scope
/// cannot change. `rules` is a JSON merge patch (RFC 7386) over the current rules: an object
/// changes only the keys it names (`{"earn": {"points": 2}}`), a list such as `tiers` or
/// `rewards` is replaced whole, `null` removes a key. New rules apply to sales after the
/// change; history keeps the rules it was earned under.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramUpdateBody {
    /// Its name.
    pub name: Option<String>,
    /// A merge patch over the earning rules, tiers, rewards and expiry.
    #[schema(value_type = Option<Object>)]
    pub rules: Option<serde_json::Value>,
    /// `true` archives the program (sales stop earning in it), `false` makes it earn again.
    pub archived: Option<bool>,
}

/// A loyalty program with its rules (the rules engine's JSON shape).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramView {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// `points` or `stamps`.
    pub kind: String,
    /// Stamps per card, for a stamp program.
    pub card_size: Option<u32>,
    /// `chain` (one wallet per guest) or `cafe` (one per guest and cafe).
    pub scope: String,
    /// Earning rules, tiers, rewards and expiry.
    #[schema(value_type = Object)]
    pub rules: serde_json::Value,
    /// When it stopped earning; `null` while it earns.
    pub archived_at: Option<DateTime<Utc>>,
}

impl From<&Program> for ProgramView {
    fn from(p: &Program) -> Self {
        let (kind, card_size) = match p.kind {
            ProgramKind::Points => ("points", None),
            ProgramKind::Stamps { card_size } => ("stamps", Some(card_size)),
        };
        Self {
            id: p.id.get(),
            name: p.name.clone(),
            kind: kind.to_owned(),
            card_size,
            scope: serde_json::to_value(p.scope).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            rules: serde_json::to_value(&p.rules).unwrap_or_default(),
            archived_at: p.archived_at,
        }
    }
}

/// A guest as the caller may see them: the phone is masked unless their role may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuestView {
    /// Internal id (URLs of this API).
    pub id: i64,
    /// What the guest shows at the till.
    pub public_id: String,
    /// Their name, if they gave one.
    pub display_name: Option<String>,
    /// Phone, masked (`+381 •• ••• •• 00`) for callers who may not see it.
    pub phone: Option<String>,
    /// Whether the messenger verified the phone.
    pub phone_verified: bool,
    /// Their language.
    pub language: Option<String>,
    /// Their birthday, for callers who may see contact data.
    pub birthday: Option<NaiveDate>,
    /// The cafe they chose.
    pub home_cafe: Option<i64>,
    /// When they joined.
    pub created_at: DateTime<Utc>,
    /// The messengers they use (`telegram`, `whatsapp`, `viber`).
    pub messengers: Vec<String>,
    /// When their personal data was erased at their request, if it was.
    pub erased_at: Option<DateTime<Utc>>,
}

impl GuestView {
    /// `guest` as `viewer` may see them.
    #[must_use]
    pub fn new(guest: &Guest, viewer: &Principal) -> Self {
        let full = viewer.decide(Action::ViewGuestContact, Target::Chain(viewer.chain_id)) == Decision::Allowed;
        Self {
            id: guest.id.get(),
            public_id: guest.public_id.to_string(),
            display_name: guest.display_name.clone(),
            phone: guest.phone.as_deref().map(|p| viewer.phone_for(p)),
            phone_verified: guest.phone_verified,
            language: guest.language.clone(),
            birthday: if full { guest.birthday } else { None },
            home_cafe: guest.home_cafe.map(|c| c.get()),
            created_at: guest.created_at,
            messengers: guest.identities.iter().map(|i| i.channel.as_str().to_owned()).collect(),
            erased_at: guest.erased_at,
        }
    }
}

/// A guest with their wallets.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuestDetail {
    /// The guest.
    pub guest: GuestView,
    /// Their balances, one per program scope.
    pub wallets: Vec<WalletView>,
}

/// A balance in one program scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct WalletView {
    /// Its id.
    pub id: i64,
    /// The program.
    pub program_id: i64,
    /// The cafe, for a per-cafe program.
    pub cafe_id: Option<i64>,
    /// Points held.
    pub points: i64,
    /// Stamps held.
    pub stamps: i64,
    /// Points ever earned.
    pub lifetime_points: i64,
    /// The tier reached.
    pub tier: Option<String>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Wallet> for WalletView {
    fn from(w: &Wallet) -> Self {
        Self {
            id: w.id.get(),
            program_id: w.scope.program_id.get(),
            cafe_id: w.scope.cafe_id.map(|c| c.get()),
            points: w.balances.points,
            stamps: w.balances.stamps,
            lifetime_points: w.balances.lifetime_points,
            tier: w.tier.clone(),
            updated_at: w.updated_at,
        }
    }
}

/// One ledger entry, with the rule that produced it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryView {
    /// Its id.
    pub id: i64,
    /// The wallet.
    pub wallet_id: i64,
    /// `earn`, `redeem`, `expire`, `adjust`, `refund` or `bonus`.
    pub kind: String,
    /// Points it moved (negative: taken).
    pub points: i64,
    /// Stamps it moved.
    pub stamps: i64,
    /// Points held after it.
    pub points_after: i64,
    /// Stamps held after it.
    pub stamps_after: i64,
    /// Who caused it (`staff:3`, `pos:demo`, `system`).
    pub actor: String,
    /// Where.
    pub cafe_id: Option<i64>,
    /// In which shift.
    pub shift_id: Option<i64>,
    /// For which purchase.
    pub purchase_id: Option<i64>,
    /// Why (adjustments).
    pub reason: Option<String>,
    /// The rule as it was when the entry was made (any JSON).
    #[schema(value_type = Value)]
    pub rule_snapshot: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<&LedgerEntry> for LedgerEntryView {
    fn from(e: &LedgerEntry) -> Self {
        Self {
            id: e.id.get(),
            wallet_id: e.wallet_id.get(),
            kind: e.kind.as_str().to_owned(),
            points: e.points,
            stamps: e.stamps,
            points_after: e.balances_after.points,
            stamps_after: e.balances_after.stamps,
            actor: {
                let (kind, reference) = e.actor.to_parts();
                format!("{kind}:{reference}")
            },
            cafe_id: e.cafe_id.map(|c| c.get()),
            shift_id: e.shift_id.map(|s| s.get()),
            purchase_id: e.purchase_id.map(|p| p.get()),
            reason: e.reason.clone(),
            rule_snapshot: e.rule_snapshot.clone(),
            created_at: e.created_at,
        }
    }
}

/// A manual balance adjustment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentBody {
    /// The wallet to adjust (one of the guest's).
    pub wallet_id: i64,
    /// Points to add (negative: take).
    #[serde(default)]
    pub points: i64,
    /// Stamps to add (negative: take).
    #[serde(default)]
    pub stamps: i64,
    /// Why: required, kept in the ledger and the event log.
    pub reason: String,
    /// Any unique text per adjustment: sending the same one again adjusts once.
    pub idempotency_key: String,
}

/// A staff member.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    /// Their id.
    pub id: i64,
    /// Their name.
    pub name: String,
    /// `owner`, `manager` or `barista`.
    pub role: String,
    /// The cafes they work at.
    pub cafes: Vec<i64>,
    /// Their login name, if they sign in with a password.
    pub login: Option<String>,
    /// The messenger of their staff mode in the bot, if any.
    pub messenger: Option<String>,
    /// False once deactivated: they sign in nowhere.
    pub active: bool,
}

impl From<&Staff> for StaffView {
    fn from(s: &Staff) -> Self {
        Self {
            id: s.id.get(),
            name: s.name.clone(),
            role: s.role.as_str().to_owned(),
            cafes: s.cafes.iter().map(|c| c.get()).collect(),
            login: s.login.clone(),
            messenger: s.identity.as_ref().map(|i| i.channel.as_str().to_owned()),
            active: s.active,
        }
    }
}

/// A new staff member, optionally with a password login and a PIN.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaffBody {
    /// Their name.
    pub name: String,
    /// `owner`, `manager` or `barista` (managers may add baristas only).
    pub role: String,
    /// The cafes they work at.
    #[serde(default)]
    pub cafes: Vec<i64>,
    /// A login name, to sign in with a password (with `password`).
    pub login: Option<String>,
    /// The password for a new login (8 to 256 characters); never returned.
    #[schema(value_type = Option<String>)]
    pub password: Option<regulars_core::auth::Secret>,
    /// A PIN (4 to 8 digits) for paired terminals; never returned.
    #[schema(value_type = Option<String>)]
    pub pin: Option<regulars_core::auth::Secret>,
}

/// A change to a staff member: the fields given are replaced, the rest kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffUpdateBody {
    /// Their name.
    pub name: Option<String>,
    /// `owner`, `manager` or `barista` (managers keep baristas baristas; nobody changes
    /// their own role).
    pub role: Option<String>,
    /// The cafes they work at, whole.
    pub cafes: Option<Vec<i64>>,
    /// `false` deactivates them (they left): their sessions end, their open shift closes,
    /// API tokens acting as them are revoked; `true` lets them sign in again. Nobody
    /// deactivates themselves.
    pub active: Option<bool>,
}

/// A new PIN.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinBody {
    /// 4 to 8 digits, or `null` to remove the PIN.
    #[schema(value_type = Option<String>)]
    pub pin: Option<regulars_core::auth::Secret>,
}

/// A shift.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftView {
    /// Its id.
    pub id: i64,
    /// Who worked it.
    pub staff_id: i64,
    /// Where.
    pub cafe_id: i64,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// When it closed; none while open.
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<&Shift> for ShiftView {
    fn from(s: &Shift) -> Self {
        Self {
            id: s.id.get(),
            staff_id: s.staff_id.get(),
            cafe_id: s.cafe_id.get(),
            opened_at: s.opened_at,
            closed_at: match s.state {
                ShiftState::Open => None,
                ShiftState::Closed { closed_at } => Some(closed_at),
            },
        }
    }
}

/// A paired till terminal.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalView {
    /// Its id.
    pub id: i64,
    /// Its cafe.
    pub cafe_id: i64,
    /// Its name.
    pub name: String,
    /// Who paired it.
    pub paired_by: i64,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When someone last signed in on it.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was unpaired.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&Terminal> for TerminalView {
    fn from(t: &Terminal) -> Self {
        Self {
            id: t.id.get(),
            cafe_id: t.cafe_id.get(),
            name: t.name.clone(),
            paired_by: t.paired_by.get(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// Pair a terminal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairTerminalBody {
    /// The cafe it serves.
    pub cafe_id: i64,
    /// What staff call it.
    pub name: String,
}

/// A terminal just paired, with its token: shown once, kept by the tablet.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairedTerminal {
    /// The terminal.
    pub terminal: TerminalView,
    /// The terminal's token (`rgp_…`), for the tablet only.
    pub token: String,
}

/// An API token (never its value).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Its id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// Whose rights bound it.
    pub staff_id: i64,
    /// What it may do.
    pub permissions: Vec<String>,
    /// Who created it.
    pub created_by: i64,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&ApiToken> for TokenView {
    fn from(t: &ApiToken) -> Self {
        Self {
            id: t.id.get(),
            name: t.name.clone(),
            staff_id: t.staff_id.get(),
            permissions: t.permissions.iter().map(|p| p.as_str().to_owned()).collect(),
            created_by: t.created_by.get(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// Create an API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// What it is for.
    pub name: String,
    /// Whose rights bound it; the creator's when left out.
    pub staff_id: Option<i64>,
    /// What it may do: `chain:read`, `chain:write`, `guests:read`, `guests:contact`,
    /// `guests:write`, `staff:read`, `staff:write`, `events:read`.
    pub permissions: Vec<String>,
}

/// A token just created, with its value: shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token.
    pub token: TokenView,
    /// Its value (`rgt_…`), for `Authorization: Bearer …`. Not shown again.
    pub secret: String,
}

/// An entry of the event log.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Its id.
    pub id: i64,
    /// Dotted kind, e.g. `guest.joined`.
    pub kind: String,
    /// What it is about, e.g. `guest:42`.
    pub subject: String,
    /// The cafe it happened at, when it happened at one.
    pub cafe: Option<i64>,
    /// Details, shaped by the kind (any JSON).
    #[schema(value_type = Value)]
    pub payload: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<&Event> for EventView {
    fn from(e: &Event) -> Self {
        Self {
            id: e.id.get(),
            kind: e.kind.clone(),
            subject: e.subject.clone(),
            cafe: e.cafe_id.map(regulars_core::ids::CafeId::get),
            payload: e.payload.clone(),
            created_at: e.created_at,
        }
    }
}

/// The cursor of a page's next page, as the API spells it.
#[must_use]
pub fn next_cursor<T>(page: &Page<T>) -> Option<String> {
    page.next.map(|c: Cursor| c.key().to_string())
}

macro_rules! page_view {
    ($(#[$doc:meta])* $name:ident, $item:ty) => {
        $(#[$doc])*
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            /// This page's items.
            pub items: Vec<$item>,
            /// Pass as `cursor` for the next page; none on the last.
            pub next_cursor: Option<String>,
        }
    };
}

pub(super) use page_view;

page_view!(
    /// A page of guests.
    GuestPage, GuestView);
page_view!(
    /// A page of ledger entries.
    LedgerPage, LedgerEntryView);
page_view!(
    /// A page of events.
    EventPage, EventView);
page_view!(
    /// A page of shifts.
    ShiftPage, ShiftView);
page_view!(
    /// A page of cafes.
    CafePage, CafeView);
page_view!(
    /// A page of programs.
    ProgramPage, ProgramView);
page_view!(
    /// A page of staff.
    StaffPage, StaffView);
page_view!(
    /// A page of paired terminals.
    TerminalPage, TerminalView);
page_view!(
    /// A page of API tokens.
    TokenPage, TokenView);

/// One page, as views, of a short listing read whole in id order (a chain's cafes, staff,
/// terminals, tokens): the same `cursor` and `limit` as the listings the store pages.
///
/// # Errors
/// [`regulars_core::Error::InvalidInput`] naming `cursor` or `limit`.
pub fn listed<T, V>(
    items: impl IntoIterator<Item = T>,
    query: &PageQuery,
    id: impl Fn(&T) -> i64,
) -> regulars_core::Result<(Vec<V>, Option<String>)>
where
    V: for<'a> From<&'a T>,
{
    let page = Page::of_listing(items, query.request()?, id);
    Ok((page.items.iter().map(V::from).collect(), next_cursor(&page)))
}

/// Cursor pagination parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (50).
    pub limit: Option<u32>,
}

impl PageQuery {
    /// The store's page request.
    ///
    /// # Errors
    /// [`regulars_core::Error::InvalidInput`] naming `cursor` or `limit`.
    pub fn request(&self) -> regulars_core::Result<regulars_core::page::PageRequest> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(regulars_core::Error::invalid("limit", "must be 1 to 200"));
        }
        let after = match &self.cursor {
            None => None,
            Some(text) => Some(Cursor::after(
                text.parse::<i64>()
                    .ok()
                    .filter(|v| *v >= 0)
                    .ok_or_else(|| regulars_core::Error::invalid("cursor", "is not a cursor this API gave"))?,
            )),
        };
        Ok(regulars_core::page::PageRequest { after, limit })
    }
}
