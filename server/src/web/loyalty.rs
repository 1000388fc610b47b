//! Loyalty: how a program's balances are spread (a histogram), its tiers, the guests who can
//! take a reward now, the largest balances and the biggest spenders, and the reward codes of
//! the last 30 days by what became of them. Balances are the program's across its cafes;
//! the cafe filter narrows the spenders and the rewards. Every table exports to CSV.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use regulars_core::analytics::{Balance, Scope, VisitOrder};
use regulars_core::program::{Program, ProgramKind};
use regulars_core::rules::codes::RewardCodeStatus;
use regulars_core::wallet::Wallet;
use regulars_core::{Error, Result};
use serde::Deserialize;

use super::charts::{self, Point};
use super::export::{csv_field, csv_response, csv_stream};
use super::format;
use super::viewer::{Choice, Chrome, Viewer};
use super::{PortalError, render};
use crate::app::AppState;

/// Guests listed in each of the page's top tables.
const TOP: u32 = 10;
/// Wallets read at a time by the eligible guests' export.
const EXPORT_PAGE: u32 = 500;
/// Days the rewards table looks back.
const REWARD_DAYS: i64 = 30;

/// `?cafe=all|<id>&program=<id>`, and for the CSV `table=balances|tiers|eligible|rewards`.
#[derive(Debug, Default, Deserialize)]
pub struct LoyaltyQuery {
    cafe: Option<String>,
    program: Option<String>,
    table: Option<String>,
}

/// One range of the balance histogram.
struct Bucket {
    label: String,
    floor: i64,
    wallets: u64,
}

/// A guest in one of the top tables.
struct GuestRow {
    public_id: String,
    name: String,
    figure: String,
    figure_raw: i64,
}

/// One tier's wallets.
struct TierRow {
    tier: String,
    wallets: u64,
    share: String,
}

/// One reward's codes by status.
struct RewardRow {
    name: String,
    issued: u64,
    used: u64,
    waiting: u64,
    cancelled: u64,
    expired: u64,
}

#[derive(Template)]
#[template(path = "portal/loyalty.html")]
struct LoyaltyPage<'a> {
    chrome: Chrome<'a>,
    programs: Vec<Choice>,
    program_id: i64,
    cafe_value: String,
    balances_chart: String,
    buckets: Vec<Bucket>,
    tiers: Vec<TierRow>,
    eligible_count: String,
    threshold: String,
    eligible: Vec<GuestRow>,
    top_balance: Vec<GuestRow>,
    top_spend: Vec<GuestRow>,
    rewards: Vec<RewardRow>,
}

/// The program a query asks for (the first one when it names none) and what it counts in.
fn program_of<'p>(programs: &'p [Program], asked: Option<&str>) -> Result<&'p Program> {
    let asked = asked.map(str::trim).filter(|p| !p.is_empty());
    let found = match asked {
        None => programs.iter().find(|p| p.archived_at.is_none()).or_else(|| programs.first()),
        Some(text) => {
            let id: i64 = text.parse().map_err(|_| Error::invalid("program", "a program's id"))?;
            programs.iter().find(|p| p.id.get() == id)
        }
    };
    found.ok_or_else(|| Error::not_found(regulars_core::ids::ProgramId::ENTITY, asked.unwrap_or("any")))
}

fn held(wallet: &Wallet, balance: Balance) -> i64 {
    match balance {
        Balance::Points => wallet.balances.points,
        Balance::Stamps => wallet.balances.stamps,
    }
}

/// The histogram's floors: every stamp of a card, or for points the steps to the cheapest
/// reward (none, some, a quarter, a half, three quarters, one, two rewards' worth).
fn floors(program: &Program) -> Vec<i64> {
    let mut floors = match program.kind {
        ProgramKind::Stamps { card_size } => {
            let top = i64::from(card_size).max(program.cheapest_reward_cost().unwrap_or(0)).max(1);
            (0..=top).collect()
        }
        ProgramKind::Points => {
            let c = program.cheapest_reward_cost().unwrap_or(100).max(4);
            vec![0, 1, c / 4, c / 2, c * 3 / 4, c, c * 2]
        }
    };
    floors.dedup();
    floors
}

fn bucket_label(lang: &regulars_i18n::LanguageIdentifier, floor: i64, next: Option<i64>) -> String {
    match next {
        Some(next) if next == floor + 1 => format::integer(lang, floor),
        Some(next) => format!("{}–{}", format::integer(lang, floor), format::integer(lang, next - 1)),
        None => format!("≥ {}", format::integer(lang, floor)),
    }
}

async fn guest_rows(state: &AppState, viewer: &Viewer, wallets: &[Wallet], balance: Balance) -> Result<Vec<GuestRow>> {
    let mut rows = Vec::with_capacity(wallets.len());
    for wallet in wallets {
        let guest = state.store.guest(viewer.chain.id, wallet.scope.guest_id).await?;
        let amount = held(wallet, balance);
        rows.push(GuestRow {
            public_id: guest.public_id.to_string(),
            name: guest.display_name.unwrap_or_default(),
            figure: format::integer(&viewer.lang, amount),
            figure_raw: amount,
        });
    }
    Ok(rows)
}

async fn rewards(state: &AppState, viewer: &Viewer, scope: Scope) -> Result<Vec<RewardRow>> {
    let since = Utc::now() - Duration::days(REWARD_DAYS);
    let cafes = viewer.cafe_ids(scope);
    let counts = state.store.reward_code_counts(viewer.chain.id, cafes.as_deref(), since).await?;
    let mut rows: Vec<RewardRow> = Vec::new();
    for count in counts {
        let row = match rows.iter_mut().find(|r| r.name == count.reward_name) {
            Some(row) => row,
            None => {
                rows.push(RewardRow {
                    name: count.reward_name.clone(),
                    issued: 0,
                    used: 0,
                    waiting: 0,
                    cancelled: 0,
                    expired: 0,
                });
                rows.last_mut().expect("just pushed")
            }
        };
        row.issued += count.codes;
        match count.status {
            RewardCodeStatus::Issued => row.waiting += count.codes,
            RewardCodeStatus::Used => row.used += count.codes,
            RewardCodeStatus::Cancelled => row.cancelled += count.codes,
            RewardCodeStatus::Expired => row.expired += count.codes,
        }
    }
    Ok(rows)
}

async fn buckets(state: &AppState, viewer: &Viewer, program: &Program) -> Result<Vec<Bucket>> {
    let floors = floors(program);
    let counts = state.store.balance_histogram(viewer.chain.id, program.id, program.balance(), &floors).await?;
    Ok(floors
        .iter()
        .zip(counts)
        .enumerate()
        .map(|(i, (floor, wallets))| Bucket {
            label: bucket_label(&viewer.lang, *floor, floors.get(i + 1).copied()),
            floor: *floor,
            wallets,
        })
        .collect())
}

async fn tiers(state: &AppState, viewer: &Viewer, program: &Program) -> Result<Vec<TierRow>> {
    let counts = state.store.tier_counts(viewer.chain.id, program.id).await?;
    let total: u64 = counts.iter().map(|t| t.wallets).sum();
    let whole = i64::try_from(total).unwrap_or(i64::MAX);
    Ok(counts
        .into_iter()
        .map(|t| TierRow {
            tier: t.tier.unwrap_or_else(|| state.i18n.format(&viewer.lang, "portal-loyalty-no-tier", None)),
            share: format::share(&viewer.lang, i64::try_from(t.wallets).unwrap_or(i64::MAX), whole),
            wallets: t.wallets,
        })
        .collect())
}

/// `GET /portal/loyalty`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<LoyaltyQuery>,
) -> Result<Response, PortalError> {
    let scope = viewer.figures_scope(query.cafe.as_deref())?;
    let chain = viewer.chain.id;
    let programs = state.store.list_programs(chain).await?;
    let program = program_of(&programs, query.program.as_deref())?;
    let balance = program.balance();
    let lang = &viewer.lang;
    let buckets = buckets(&state, &viewer, program).await?;
    let points: Vec<Point> = buckets
        .iter()
        .map(|b| Point {
            label: b.label.clone(),
            value: i64::try_from(b.wallets).unwrap_or(i64::MAX),
            value_text: format::integer(lang, i64::try_from(b.wallets).unwrap_or(i64::MAX)),
        })
        .collect();
    let rtl = regulars_i18n::text_direction(lang).as_html_dir() == "rtl";
    let t = |id: &str| state.i18n.format(lang, id, None);
    let cheapest = program.cheapest_reward_cost();
    let (eligible_count, eligible) = match cheapest {
        Some(cost) => {
            let (points, stamps) = if balance == Balance::Points { (cost, 0) } else { (0, cost) };
            let count = state.store.count_reward_eligible(chain, program.id, points, stamps).await?;
            let wallets = state.store.wallets_by_balance(chain, program.id, balance, cost, 0, TOP).await?;
            (count, guest_rows(&state, &viewer, &wallets, balance).await?)
        }
        None => (0, Vec::new()),
    };
    let largest = state.store.wallets_by_balance(chain, program.id, balance, 1, 0, TOP).await?;
    let currency = super::dashboard::main_currency(&viewer, scope);
    let mut top_spend = Vec::new();
    for visits in state.store.top_guests(chain, scope, VisitOrder::Spend, 0, TOP).await? {
        let guest = state.store.guest(chain, visits.guest).await?;
        top_spend.push(GuestRow {
            public_id: guest.public_id.to_string(),
            name: guest.display_name.unwrap_or_default(),
            figure: format::money(lang, visits.spend_minor, &currency),
            figure_raw: visits.spend_minor,
        });
    }
    let page = LoyaltyPage {
        chrome: Chrome::new(&state, &viewer, "/portal/loyalty", "portal-loyalty-title", Some(scope)),
        programs: programs
            .iter()
            .map(|p| Choice { value: p.id.get().to_string(), label: p.name.clone(), selected: p.id == program.id })
            .collect(),
        program_id: program.id.get(),
        cafe_value: query.cafe.clone().unwrap_or_default(),
        balances_chart: charts::bars(&t("portal-loyalty-balances"), &points, rtl),
        buckets,
        tiers: tiers(&state, &viewer, program).await?,
        eligible_count: format::integer(lang, i64::try_from(eligible_count).unwrap_or(i64::MAX)),
        threshold: cheapest.map(|c| format::integer(lang, c)).unwrap_or_default(),
        eligible,
        top_balance: guest_rows(&state, &viewer, &largest, balance).await?,
        top_spend,
        rewards: rewards(&state, &viewer, scope).await?,
    };
    Ok(render(&page)?.into_response())
}

/// `GET /portal/loyalty.csv?table=balances|tiers|eligible|rewards`: the eligible guests are
/// all of them, streamed; the other tables are short.
pub async fn csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<LoyaltyQuery>,
) -> Result<Response, PortalError> {
    let scope = viewer.figures_scope(query.cafe.as_deref())?;
    let programs = state.store.list_programs(viewer.chain.id).await?;
    let program = program_of(&programs, query.program.as_deref())?.clone();
    let table = query.table.as_deref().unwrap_or("balances");
    let mut out = String::new();
    match table {
        "balances" => {
            out.push_str("from,wallets\n");
            for b in buckets(&state, &viewer, &program).await? {
                out.push_str(&format!("{},{}\n", b.floor, b.wallets));
            }
        }
        "tiers" => {
            out.push_str("tier,wallets\n");
            for t in tiers(&state, &viewer, &program).await? {
                out.push_str(&format!("{},{}\n", csv_field(&t.tier), t.wallets));
            }
        }
        "rewards" => {
            out.push_str("reward,issued,used,waiting,cancelled,expired\n");
            for r in rewards(&state, &viewer, scope).await? {
                out.push_str(&format!(
                    "{},{},{},{},{},{}\n",
                    csv_field(&r.name),
                    r.issued,
                    r.used,
                    r.waiting,
                    r.cancelled,
                    r.expired
                ));
            }
        }
        "eligible" => {
            let Some(cost) = program.cheapest_reward_cost() else {
                return Ok(csv_response("eligible.csv", "public_id,name,balance\n".to_owned()));
            };
            let header = "public_id,name,balance\n".to_owned();
            return Ok(csv_stream("eligible.csv", header, 0_u64, move |offset: u64| {
                let (state, viewer, program) = (state.clone(), viewer.clone(), program.clone());
                async move {
                    let balance = program.balance();
                    let wallets = state
                        .store
                        .wallets_by_balance(viewer.chain.id, program.id, balance, cost, offset, EXPORT_PAGE)
                        .await?;
                    let rows = guest_rows(&state, &viewer, &wallets, balance).await?;
                    let chunk: String = rows
                        .iter()
                        .map(|r| format!("{},{},{}\n", csv_field(&r.public_id), csv_field(&r.name), r.figure_raw))
                        .collect();
                    let next = (wallets.len() == EXPORT_PAGE as usize).then_some(offset + u64::from(EXPORT_PAGE));
                    Ok((chunk, next))
                }
            }));
        }
        _ => return Err(Error::invalid("table", "balances, tiers, eligible or rewards").into()),
    }
    Ok(csv_response(&format!("{table}.csv"), out))
}
