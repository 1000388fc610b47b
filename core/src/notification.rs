//! Notifications to guests, and the outbox that carries them.
//!
//! A change a guest should hear about (a purchase earned points, a refund took them back)
//! writes a [`NewNotification`] to the outbox **in the same transaction** as the change
//! itself: either both are durable or neither is, so no earn goes untold and no message tells
//! of an earn that was rolled back. Channel workers drain the outbox later, render the
//! [`Notification`] in the guest's language on the channel they use, and record delivery; a
//! notification's `dedupe_key` is unique per chain, so the change retried never queues a
//! second message.
//!
//! Notifications are data, not text: what was earned and where the guest stands
//! ([`ProgramProgress`]), rendered at send time so a guest who changes language meanwhile
//! hears it in the new one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::{Address, ReceiptStatus};
use crate::guest::ChannelKind;
use crate::ids::{CafeId, ChainId, GuestId, ProgramId, PurchaseId};
use crate::program::{Program, ProgramKind};
use crate::rules::rewards::catalogue;
use crate::rules::tiers::{QualificationBasis, TierStatus};
use crate::wallet::Balances;
use crate::{Error, Result};

/// What a program counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Points.
    Points,
    /// Stamps on a card.
    Stamps,
}

impl Unit {
    /// The unit of `kind`.
    #[must_use]
    pub fn of(kind: ProgramKind) -> Self {
        match kind {
            ProgramKind::Points => Self::Points,
            ProgramKind::Stamps { .. } => Self::Stamps,
        }
    }

    /// The amount in this unit of `(points, stamps)`.
    #[must_use]
    pub fn pick(self, points: i64, stamps: i64) -> i64 {
        match self {
            Self::Points => points,
            Self::Stamps => stamps,
        }
    }
}

/// How far a goal (the next tier, the next reward) is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// Its name (`Gold`, `Free coffee`).
    pub name: String,
    /// Points, stamps or spend (minor units, for spend-qualified tiers) still missing.
    pub missing: i64,
    /// Whether `missing` is spend in minor units (a tier qualified by spend) rather than
    /// points or stamps: a message must not call it points.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spend: bool,
}

/// A reward issued automatically by the change (a full stamp card).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCode {
    /// The reward's name.
    pub reward: String,
    /// The code the till applies.
    pub code: String,
}

/// Where a guest stands in one program after a change: what a message shows and what the
/// POS is answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramProgress {
    /// The program.
    pub program_id: ProgramId,
    /// Its name.
    pub program: String,
    /// What it counts in.
    pub unit: Unit,
    /// What the change added (earned) or took (a refund: negative), in `unit`.
    pub change: i64,
    /// The balance after the change, in `unit`.
    pub balance: i64,
    /// The tier held after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Whether the change moved the guest to another tier.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tier_changed: bool,
    /// The next tier up and what is missing for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_tier: Option<Goal>,
    /// The cheapest reward the balance does not cover yet, and what is missing for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_reward: Option<Goal>,
    /// Rewards the guest can take now.
    #[serde(default)]
    pub rewards_available: u32,
    /// Codes issued automatically by the change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<IssuedCode>,
}

impl ProgramProgress {
    /// The progress in `program` after a change of `(points, stamps)` that left `balances`
    /// and `tier`, for a guest at `cafe` (rewards limited to other cafes are left out).
    #[must_use]
    pub fn after(
        program: &Program,
        change: (i64, i64),
        balances: Balances,
        tier: &TierStatus,
        tier_changed: bool,
        cafe: Option<CafeId>,
    ) -> Self {
        let unit = Unit::of(program.kind);
        let by_spend = matches!(program.rules.qualification.basis, QualificationBasis::Spend);
        let balance = unit.pick(balances.points, balances.stamps);
        let options = catalogue(&program.rules, balance, tier.name(), cafe);
        let rewards_available = u32::try_from(options.iter().filter(|o| o.affordable).count()).unwrap_or(u32::MAX);
        let next_reward = options.iter().filter(|o| !o.affordable).min_by_key(|o| o.missing).map(|o| Goal {
            name: o.reward.name.clone(),
            missing: o.missing,
            spend: false,
        });
        Self {
            program_id: program.id,
            program: program.name.clone(),
            unit,
            change: unit.pick(change.0, change.1),
            balance,
            tier: tier.name().map(str::to_owned),
            tier_changed,
            next_tier: tier.next.as_ref().map(|n| Goal { name: n.name.clone(), missing: n.missing, spend: by_spend }),
            next_reward,
            rewards_available,
            codes: Vec::new(),
        }
    }
}

/// What a guest is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notification {
    /// A purchase earned points or stamps.
    Earned {
        /// The purchase.
        purchase_id: PurchaseId,
        /// Where it was made.
        cafe_id: CafeId,
        /// Each program it earned in.
        programs: Vec<ProgramProgress>,
    },
    /// A refund took back what a purchase had earned.
    Refunded {
        /// The refunded purchase.
        purchase_id: PurchaseId,
        /// Where it was made.
        cafe_id: CafeId,
        /// Each program it took from (`change` is negative).
        programs: Vec<ProgramProgress>,
    },
    /// A reward was redeemed for the guest at the till, paid from one program's balance.
    Redeemed {
        /// Where it was handed over.
        cafe_id: CafeId,
        /// The reward's name.
        reward: String,
        /// The program that paid (`change` is the cost, negative) and what is left.
        program: ProgramProgress,
    },
    /// Someone on another messenger gave this guest's phone number: the code that proves it
    /// is them (see [`crate::conversation::phone_check`]).
    PhoneCode {
        /// The six digits.
        code: String,
        /// The messenger the number was given on (`viber`).
        messenger: String,
    },
}

impl Notification {
    /// The kind as stored (`earned`, `refunded`).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Earned { .. } => "earned",
            Self::Refunded { .. } => "refunded",
            Self::Redeemed { .. } => "redeemed",
            Self::PhoneCode { .. } => "phone_code",
        }
    }
}

/// A notification to queue for a guest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNotification {
    /// Who is told.
    pub guest_id: GuestId,
    /// Unique per chain: the same change retried queues nothing new
    /// (`earned:<source>:<receipt>`, `refunded:<source>:<refund id>`).
    pub dedupe_key: String,
    /// What they are told.
    pub notification: Notification,
}

/// Where a queued notification is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for a channel worker.
    Pending,
    /// Claimed by a worker whose lease has not run out.
    Sending,
    /// Delivered to the messenger.
    Sent,
    /// Given up on (the guest blocked the bot, or retries ran out).
    Failed,
}

impl OutboxStatus {
    /// The status as stored.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    /// Parses a stored status.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `status`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(Self::Pending),
            "sending" => Ok(Self::Sending),
            "sent" => Ok(Self::Sent),
            "failed" => Ok(Self::Failed),
            other => Err(Error::invalid("status", format!("`{other}` is not an outbox status"))),
        }
    }
}

/// A notification in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Storage id, in queueing order.
    pub id: i64,
    /// The chain.
    pub chain_id: ChainId,
    /// Who is told.
    pub guest_id: GuestId,
    /// See [`NewNotification::dedupe_key`].
    pub dedupe_key: String,
    /// What they are told.
    pub notification: Notification,
    /// Where it is.
    pub status: OutboxStatus,
    /// Delivery attempts so far (each claim by a sender counts one).
    pub attempts: u32,
    /// When it is due: when it was queued, or when a retry may go out.
    pub available_at: DateTime<Utc>,
    /// What went wrong with the last attempt, if anything (`unreachable` when the guest can no
    /// longer be reached on any channel they have).
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the messenger accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// The messenger's id of the sent message, when it gave one.
    pub platform_message_id: Option<String>,
    /// The latest receipt the messenger sent for it, if any.
    pub receipt: Option<ReceiptStatus>,
}

/// Why a notification was given up on when the guest cannot be reached, as stored in
/// [`OutboxMessage::last_error`].
pub const UNREACHABLE: &str = "unreachable";

/// Why a notification was given up on when its guest has no identity on any messenger its
/// chain is served on, as stored in [`OutboxMessage::last_error`] (see
/// [`OutboxRepo::expire_undeliverable`](crate::store::OutboxRepo::expire_undeliverable)).
pub const NO_MESSENGER: &str = "no messenger: the guest has no identity on a channel the chain is served on";

/// Why a notification was given up on when it was not delivered in time, as stored in
/// [`OutboxMessage::last_error`] (see
/// [`OutboxRepo::expire_undeliverable`](crate::store::OutboxRepo::expire_undeliverable)).
pub const EXPIRED: &str = "expired: not delivered within the outbox's age limit";

/// What one [`OutboxRepo::expire_undeliverable`](crate::store::OutboxRepo::expire_undeliverable)
/// gave up on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expired {
    /// Notifications failed with [`NO_MESSENGER`].
    pub no_messenger: u64,
    /// Notifications failed with [`EXPIRED`].
    pub too_old: u64,
}

impl Expired {
    /// Whether nothing was given up on.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.no_messenger == 0 && self.too_old == 0
    }
}

/// A notification claimed for delivery (see
/// [`OutboxRepo::claim_due`](crate::store::OutboxRepo::claim_due)), with what the sender needs
/// to render and address it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedMessage {
    /// The notification, now [`OutboxStatus::Sending`], its `attempts` counting this claim.
    pub message: OutboxMessage,
    /// The channel to send on.
    pub channel: ChannelKind,
    /// The guest's id on that channel.
    pub address: Address,
    /// The guest's chosen language, if any.
    pub language: Option<String>,
    /// The chain's default language, the fallback.
    pub chain_language: String,
    /// The guest's name as the messenger reported it.
    pub display_name: Option<String>,
    /// Until when the claim holds; after it, another sender may claim the message again.
    pub lease_until: DateTime<Utc>,
    /// When the guest last wrote from this identity (see
    /// [`GuestRepo::record_seen`](crate::store::GuestRepo::record_seen)), for messengers whose
    /// free-form messages are limited to a service window.
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// Which due notifications a sender claims (see
/// [`OutboxRepo::claim_due_in`](crate::store::OutboxRepo::claim_due_in)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimScope<'a> {
    /// Only this chain's notifications (a sender per bot); `None`: every chain's.
    pub chain: Option<ChainId>,
    /// The channel kinds the sender delivers on.
    pub channels: &'a [&'a str],
    /// Every channel kind the chain's guests are reachable on from this server (`channels`
    /// included): a guest who used one of the others last is left to its sender.
    pub reachable_on: &'a [&'a str],
}
