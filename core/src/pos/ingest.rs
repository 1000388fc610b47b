//! One POS delivery, applied atomically: what the server hands storage
//! ([`PurchaseIngest`], [`RefundIngest`]) and what the POS is answered ([`IngestOutcome`]).
//!
//! [`PosRepo::ingest_purchase`](crate::store::PosRepo::ingest_purchase) applies a delivery in
//! one transaction: the purchase, the ledger entries the rules engine plans from the wallet's
//! history *as read inside that transaction*, reward codes issued or applied, the guest's
//! card step, the outbox notification, and the outcome itself, stored under the delivery id
//! and the receipt. A retry of the delivery, or the same receipt under a new delivery id, is
//! answered with the stored outcome and `duplicate: true`, and writes nothing.

use serde::{Deserialize, Serialize};

use super::{GuestRefKind, PosRefund};
use crate::identity::totp::TimeStep;
use crate::ids::{CafeId, PurchaseId, ShiftId, StaffId};
use crate::ledger::Actor;
use crate::notification::ProgramProgress;
use crate::purchase::NewPurchase;
use crate::rules::earning::Promotion;

/// A completed sale to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseIngest {
    /// The POS source's name.
    pub source: String,
    /// The delivery's id (`webhook-id`).
    pub delivery_id: String,
    /// The purchase, its `guest_id` set when the guest reference matched.
    pub purchase: NewPurchase,
    /// How the guest reference was matched, for the answer.
    pub guest: GuestMatch,
    /// The card code's step to mark as used with the purchase (scanned or typed codes), so a
    /// code is used once and a retried delivery does not count as a reuse.
    pub card_step: Option<TimeStep>,
    /// A reward code redeemed at the till, to mark as used.
    pub reward_code: Option<String>,
    /// Promotions the guest takes part in.
    pub promotions: Vec<Promotion>,
    /// The staff member who recorded the sale at the till (the bot's staff mode, the web
    /// till), when it is not the POS itself.
    pub staff: Option<StaffSale>,
    /// Whether the guest is told what the sale earned. Set by the caller in code, never from a
    /// delivery's payload: every live sale says [`Notify::Guest`].
    pub notify: Notify,
}

/// Whether recording a sale queues the guest's notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Notify {
    /// Queue the guest's notification, when the sale changed anything for them: every sale
    /// that happens now (a POS delivery, staff mode, the web till).
    #[default]
    Guest,
    /// Record the sale and what it earns, and tell nobody: history being loaded (the demo
    /// seed's months of past purchases, an import), which the guest must not hear about as
    /// thousands of messages. The outcome says `notified: false`.
    Silent,
}

/// A sale recorded by a staff member, in their shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffSale {
    /// Who recorded it.
    pub staff_id: StaffId,
    /// The shift it belongs to.
    pub shift_id: ShiftId,
}

impl PurchaseIngest {
    /// A past sale loaded in code (the demo seed, an import of history): recorded under its
    /// own source as delivery `history-<receipt>`, for the guest with public id `public_id`
    /// (the purchase's `guest_id`), telling nobody ([`Notify::Silent`]).
    #[must_use]
    pub fn history(purchase: NewPurchase, public_id: String) -> Self {
        Self {
            source: purchase.source.clone(),
            delivery_id: format!("history-{}", purchase.external_id),
            purchase,
            guest: GuestMatch::Matched { public_id, via: None },
            card_step: None,
            reward_code: None,
            promotions: Vec::new(),
            staff: None,
            notify: Notify::Silent,
        }
    }

    /// Who the ledger records as the actor: the staff member, or else the POS source.
    #[must_use]
    pub fn actor(&self) -> Actor {
        match self.staff {
            Some(staff) => Actor::Staff(staff.staff_id),
            None => Actor::Pos(self.source.clone()),
        }
    }

    /// The shift the sale belongs to, when staff recorded it.
    #[must_use]
    pub fn shift_id(&self) -> Option<ShiftId> {
        self.staff.map(|s| s.shift_id)
    }

    /// The key the outcome is stored under besides the delivery id (see
    /// [`purchase_event_key`]).
    #[must_use]
    pub fn event_key(&self) -> String {
        purchase_event_key(&self.purchase.external_id)
    }
}

/// The key a sale's outcome is stored under besides its delivery id: `purchase:<receipt>`, so
/// a receipt delivered again under a new delivery id is still found.
#[must_use]
pub fn purchase_event_key(receipt: &str) -> String {
    format!("purchase:{receipt}")
}

/// A refund to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundIngest {
    /// The POS source's name.
    pub source: String,
    /// The delivery's id (`webhook-id`).
    pub delivery_id: String,
    /// The cafe the refund was reported at (mapped from the POS's reference).
    pub cafe_id: CafeId,
    /// The refund as the POS reported it.
    pub refund: PosRefund,
}

impl RefundIngest {
    /// Who the ledger records as the actor.
    #[must_use]
    pub fn actor(&self) -> Actor {
        Actor::Pos(self.source.clone())
    }

    /// The key the outcome is stored under besides the delivery id: `refund:<refund id>`.
    #[must_use]
    pub fn event_key(&self) -> String {
        format!("refund:{}", self.refund.refund_id)
    }
}

/// Why a guest reference matched nobody. The sale is still recorded, without points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unmatched {
    /// No guest with that public id, card or phone.
    UnknownGuest,
    /// The card code is not the guest's current code.
    WrongCode,
    /// The card code is from an older step: the guest's screen was stale.
    CodeExpired,
    /// The card code was already used for another sale.
    CodeAlreadyUsed,
    /// Several guests match (a shared typed code or phone): scan the QR next time.
    Ambiguous,
    /// The scanned text is not a regulars card.
    UnreadableCode,
    /// A card from a newer format than this server reads.
    NewerCardFormat,
}

impl Unmatched {
    /// What the cashier screen can show.
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Self::UnknownGuest => "no such guest; the sale was recorded without points",
            Self::WrongCode => "wrong card code; the sale was recorded without points",
            Self::CodeExpired => "the card code had expired; ask the guest to refresh their card next time",
            Self::CodeAlreadyUsed => "the card code was already used for another sale",
            Self::Ambiguous => "several guests match; scan the card QR instead",
            Self::UnreadableCode => "not a regulars card code",
            Self::NewerCardFormat => "a card from a newer version of regulars; update the server",
        }
    }
}

/// Who bought, as the answer tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum GuestMatch {
    /// The sale named no guest.
    None,
    /// The guest was found.
    Matched {
        /// The guest's public id (on their card).
        public_id: String,
        /// How the till named them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<GuestRefKind>,
    },
    /// The reference matched nobody.
    Unmatched {
        /// Why.
        reason: Unmatched,
        /// What the cashier screen can show.
        message: String,
    },
}

impl GuestMatch {
    /// An unmatched reference, with its message.
    #[must_use]
    pub fn unmatched(reason: Unmatched) -> Self {
        Self::Unmatched { reason, message: reason.message().to_owned() }
    }
}

/// What became of a reward code redeemed at the till.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeOutcome {
    /// The code as sent.
    pub code: String,
    /// Whether it was marked used by this sale.
    pub applied: bool,
    /// The reward, when the code exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<String>,
    /// Why it was not applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A refund as applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundSummary {
    /// The refund's id.
    pub refund_id: String,
    /// The net amount given back, in minor units.
    pub amount_minor: i64,
}

/// What a delivery did: the body of the POS's 200 answer, stored and answered again, with
/// `duplicate: true`, to every retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestOutcome {
    /// `purchase.completed` or `purchase.refunded`.
    pub event: String,
    /// The receipt (for a refund, the refunded purchase's).
    pub receipt_id: String,
    /// The purchase as stored.
    pub purchase_id: PurchaseId,
    /// True when this answers a retry: nothing was written this time.
    pub duplicate: bool,
    /// Who bought.
    pub guest: GuestMatch,
    /// Each program the delivery changed, with where the guest stands now.
    pub programs: Vec<ProgramProgress>,
    /// The reward code redeemed with the sale, if one was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward_code: Option<CodeOutcome>,
    /// The refund, for `purchase.refunded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<RefundSummary>,
    /// Whether a message to the guest was queued.
    pub notified: bool,
}

impl IngestOutcome {
    /// The answer to a retry of the delivery that produced `self`.
    #[must_use]
    pub fn as_duplicate(mut self) -> Self {
        self.duplicate = true;
        self
    }
}
