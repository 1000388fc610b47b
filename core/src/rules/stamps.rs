//! Stamp cards: N stamps fill a card; a full card buys its reward and the count restarts.
//!
//! A stamp program is a [`ProgramKind::Stamps`] program whose catalogue has a reward costing
//! the card (usually `cost = card_size` with `auto_issue = true`). Stamps are earned by the same
//! rules as points, with stamps as the unit: `per_visit = 1` is one stamp per purchase, an item
//! rule with `per_unit = 1` one stamp per coffee sold. When a purchase fills the card, the earn
//! plan ([`super::calculate`]) posts a `redeem` of one card per full card and issues the
//! reward; stamps beyond a full card carry over into the next one (6 stamps + 3 on a 7-stamp
//! card: one free coffee, 2 stamps on the new card).

use serde::{Deserialize, Serialize};

use crate::program::ProgramKind;
use crate::wallet::Balances;

/// Where a guest is on their stamp card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardProgress {
    /// Stamps that fill a card.
    pub card_size: u32,
    /// Stamps on the current card.
    pub stamps: i64,
    /// Stamps still needed to fill it.
    pub to_full: i64,
    /// Full cards held and not yet redeemed (only when the card's reward is not auto-issued).
    pub full_cards: i64,
}

/// The card progress of a stamp wallet; `None` for a points program.
#[must_use]
pub fn card_progress(kind: ProgramKind, balances: Balances) -> Option<CardProgress> {
    let ProgramKind::Stamps { card_size } = kind else { return None };
    let size = i64::from(card_size.max(1));
    let stamps = balances.stamps.max(0);
    let on_card = stamps % size;
    Some(CardProgress { card_size, stamps: on_card, to_full: size - on_card, full_cards: stamps / size })
}
