//! `POST /pos/{source}/preview`: for the cashier screen before payment, what a sale would earn,
//! which rewards the guest may redeem now and the largest discount they are entitled to.
//!
//! The request is signed and shaped like a `purchase.completed` delivery of the same source.
//! Nothing is written: the guest's card code is checked but not used up, so the answer carries
//! the guest's `public_id` for the POS to send with the sale itself (a QR code may have
//! rotated by the time the guest has paid).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use chrono::Utc;
use regulars_core::loyalty::{Loyalty, wallet_scope};
use regulars_core::notification::Unit;
use regulars_core::pos::ingest::GuestMatch;
use regulars_core::pos::{PosError, PosPayload};
use regulars_core::rules::codes::RewardCodeStatus;
use regulars_core::rules::rewards::catalogue;
use serde::Serialize;

use super::webhook::{PosAnswer, cafe_of, pos_request, route};
use crate::app::AppState;

/// A reward the guest may redeem with this sale.
#[derive(Debug, Serialize)]
pub(crate) struct Redeemable {
    /// The program.
    program: String,
    /// The reward's key (to redeem it) and name.
    key: String,
    name: String,
    /// Its cost in the program's unit.
    cost: i64,
    /// What it is worth at menu price, when the program says.
    value_minor: Option<i64>,
}

/// An issued, unused reward code the guest holds that is valid at this cafe.
#[derive(Debug, Serialize)]
pub(crate) struct HeldCode {
    code: String,
    reward: String,
    value_minor: Option<i64>,
}

/// What a sale would earn in one program.
#[derive(Debug, Serialize)]
pub(crate) struct ProgramPreview {
    program_id: regulars_core::ids::ProgramId,
    program: String,
    unit: Unit,
    /// Earned by this sale, in `unit`.
    earn: i64,
    balance_before: i64,
    balance_after: i64,
    tier_after: Option<String>,
}

/// The preview answer.
#[derive(Debug, Serialize)]
pub(crate) struct Preview {
    receipt_id: String,
    guest: GuestMatch,
    programs: Vec<ProgramPreview>,
    rewards: Vec<Redeemable>,
    codes: Vec<HeldCode>,
    /// The largest single discount the guest may take with this sale (a reward's or a held
    /// code's menu value, at most the total), in minor units.
    max_discount_minor: i64,
}

/// `POST /pos/{source}/preview`.
pub(crate) async fn preview(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Preview>, PosAnswer> {
    let route = route(&state, &name)?;
    let request = pos_request(route, &headers, body)?;
    let event = route.source.parse(&request).map_err(PosAnswer::Source)?;
    let PosPayload::PurchaseCompleted(purchase) = event.payload else {
        return Err(PosAnswer::Source(PosError::invalid("type", "a preview takes a purchase.completed body")));
    };
    let cafe_id = cafe_of(route, &purchase.cafe_ref)?;
    let now = Utc::now();
    let matched = state.till.match_for_source(route.chain, &name, &purchase.guest, now).await?;
    let mut answer = Preview {
        receipt_id: purchase.receipt_id.clone(),
        guest: matched.outcome,
        programs: Vec::new(),
        rewards: Vec::new(),
        codes: Vec::new(),
        max_discount_minor: 0,
    };
    let Some(guest) = matched.guest else { return Ok(Json(answer)) };
    let new = purchase.to_new_purchase(&name, cafe_id, Some(guest.id));
    let loyalty = Loyalty::new(&*state.store);
    let wallets = state.store.wallets_of_guest(route.chain, guest.id).await?;
    for program in state.store.list_programs(route.chain).await? {
        let unit = Unit::of(program.kind);
        let value_of = |key: &str| program.rules.rewards.iter().find(|r| r.key == key).and_then(|r| r.value_minor);
        if program.is_earning() && program.rules.earns_at(cafe_id) {
            let calc = loyalty.preview(route.chain, program.id, &new, &[]).await?;
            let before = unit.pick(calc.balances_before.points, calc.balances_before.stamps);
            for option in catalogue(&program.rules, before, calc.tier_before.name(), Some(cafe_id)) {
                if option.affordable {
                    answer.rewards.push(Redeemable {
                        program: program.name.clone(),
                        key: option.reward.key.clone(),
                        name: option.reward.name.clone(),
                        cost: option.reward.cost,
                        value_minor: option.reward.value_minor,
                    });
                }
            }
            answer.programs.push(ProgramPreview {
                program_id: program.id,
                program: program.name.clone(),
                unit,
                earn: unit.pick(calc.points, calc.stamps),
                balance_before: before,
                balance_after: unit.pick(calc.balances_after.points, calc.balances_after.stamps),
                tier_after: calc.tier_after.name().map(str::to_owned),
            });
        }
        let scope = wallet_scope(&program, guest.id, cafe_id);
        let Some(wallet) = wallets.iter().find(|w| w.scope == scope) else { continue };
        for code in state.store.reward_codes_of_wallet(route.chain, wallet.id).await? {
            let usable_here = code.cafe_id.is_none_or(|c| c == cafe_id);
            if code.status == RewardCodeStatus::Issued && !code.is_past_validity(now) && usable_here {
                answer.codes.push(HeldCode {
                    value_minor: value_of(&code.reward_key),
                    code: code.code,
                    reward: code.reward_name,
                });
            }
        }
    }
    let best = answer
        .rewards
        .iter()
        .filter_map(|r| r.value_minor)
        .chain(answer.codes.iter().filter_map(|c| c.value_minor))
        .max()
        .unwrap_or(0);
    answer.max_discount_minor = best.min(new.total.minor.max(0));
    Ok(Json(answer))
}
