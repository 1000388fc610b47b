//! The POS plugin point: a [`PosSource`] turns one signed HTTP request from a point-of-sale
//! system into a purchase or refund event.
//!
//! A source does the CPU-only part of ingestion: it checks the body size, verifies the
//! signature, and maps the POS's JSON onto channel-neutral types. Everything that needs state
//! stays with the caller (the server): mapping the POS's cafe reference to a [`CafeId`],
//! resolving the [`GuestRef`] to a guest, idempotency, the ledger and the outbox.
//!
//! ```
//! use chrono::{TimeZone as _, Utc};
//! use regulars_core::pos::signature::{WebhookSecret, sign};
//! use regulars_core::pos::PosRequest;
//!
//! let secret = WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//! let body = br#"{"email":"test@example.com","username":"test_user"}"#;
//! let at = Utc.timestamp_opt(1_649_367_553, 0).unwrap();
//! let request = PosRequest::signed(&secret, "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", at, body.to_vec());
//! assert_eq!(
//!     request.headers.get("Webhook-Signature"),
//!     Some("v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=")
//! );
//! assert_eq!(sign(&secret, "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1_649_367_553, body),
//!     "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
//! # Ok::<(), regulars_core::Error>(())
//! ```
//!
//! Drivers: `regulars-pos-webhook` (the generic Standard Webhooks contract) and
//! `regulars-octopos`. Both build on [`signature`] and [`payload`], and both pass the
//! [`conformance`] suite (feature `testing`).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::guest::{GuestPublicId, validate_e164};
use crate::identity::card_code::CardPayload;
use crate::ids::{CafeId, GuestId};
use crate::ledger::Actor;
use crate::money::{Currency, Money};
use crate::purchase::{LineItem, NewPurchase, control_char, control_char_reason};
use crate::rules::refunds::RefundRequest;
use crate::{Error, Result};

#[cfg(any(test, feature = "testing"))]
pub mod conformance;
pub mod ingest;
pub mod payload;
pub mod redeem;
pub mod signature;
pub mod workflow;

/// Largest body a source accepts unless it says otherwise: 256 KiB, far above any receipt
/// (a 200-line receipt is about 40 KiB of JSON) and small enough to buffer without worry.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// Longest receipt, refund or delivery id accepted, matching [`NewPurchase::validate`].
pub const MAX_ID_LEN: usize = 128;

/// The headers of a POS request (the shared [`Headers`](crate::http::Headers) type).
pub use crate::http::Headers as PosHeaders;

/// One inbound HTTP request, independent of any web framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PosRequest {
    /// The request headers.
    pub headers: PosHeaders,
    /// The raw body, exactly as received: signatures cover these bytes, never re-serialized
    /// JSON.
    pub body: Vec<u8>,
    /// When the server received it: the only clock a source reads, so tests can pin time.
    pub received_at: DateTime<Utc>,
}

impl PosRequest {
    /// A request with no headers.
    #[must_use]
    pub fn new(body: Vec<u8>, received_at: DateTime<Utc>) -> Self {
        Self { headers: PosHeaders::new(), body, received_at }
    }

    /// Adds a header (builder style).
    #[must_use]
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.append(name, value);
        self
    }

    /// A request signed per Standard Webhooks with `secret`, as delivery `id`, signed and
    /// received at `at`: what a POS following the generic contract sends.
    #[must_use]
    pub fn signed(secret: &signature::WebhookSecret, id: &str, at: DateTime<Utc>, body: Vec<u8>) -> Self {
        let headers = signature::signed_headers(&[secret], &signature::HeaderNames::STANDARD, id, at, &body);
        Self { headers, body, received_at: at }
    }
}

/// A guest as the till identified them, before the server resolves it to a [`GuestId`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuestRef {
    /// No guest: the purchase is recorded (revenue, average check) and earns nothing.
    None,
    /// The text scanned from the card QR (`RG1.<public id>.<code>`), verbatim; see
    /// [`GuestRef::card_payload`].
    QrPayload(String),
    /// The six digits of the card, typed in by the cashier.
    TypedCode(String),
    /// A phone number in E.164 (`+381601234567`).
    Phone(String),
    /// The guest's public id (printed under the card QR).
    PublicId(GuestPublicId),
}

impl GuestRef {
    /// Which kind of reference this is.
    #[must_use]
    pub fn kind(&self) -> Option<GuestRefKind> {
        match self {
            Self::None => None,
            Self::QrPayload(_) => Some(GuestRefKind::QrPayload),
            Self::TypedCode(_) => Some(GuestRefKind::TypedCode),
            Self::Phone(_) => Some(GuestRefKind::Phone),
            Self::PublicId(_) => Some(GuestRefKind::PublicId),
        }
    }

    /// Whether the reference holds a one-time card code (a scanned QR or typed digits), which
    /// the sale uses up: a retried delivery must then be recognised before the code is checked
    /// again, or it would look like a reused code.
    #[must_use]
    pub fn carries_code(&self) -> bool {
        matches!(self, Self::QrPayload(_) | Self::TypedCode(_))
    }

    /// The scanned card, for [`GuestRef::QrPayload`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `card_code` when the text is not a card payload;
    /// `Ok(None)` for other kinds of reference.
    pub fn card_payload(&self) -> Result<Option<CardPayload>> {
        match self {
            Self::QrPayload(text) => CardPayload::parse(text).map(Some),
            _ => Ok(None),
        }
    }

    /// Checks the shape of the reference (not whether such a guest exists).
    ///
    /// # Errors
    /// [`PosError::InvalidPayload`] naming `field`.
    pub fn validate(&self, field: &str) -> Result<(), PosError> {
        match self {
            Self::None | Self::PublicId(_) => Ok(()),
            Self::QrPayload(text) => {
                // The payload itself is checked when the server resolves it, so that a till
                // scanning a newer card format gets "update the till" rather than a 422 here.
                if text.trim().is_empty() || text.len() > 64 {
                    Err(PosError::invalid(field, "a scanned card code has 1-64 characters"))
                } else {
                    check_text(field, text)
                }
            }
            Self::TypedCode(code) => {
                if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(())
                } else {
                    Err(PosError::invalid(field, "a typed card code is exactly 6 digits"))
                }
            }
            Self::Phone(phone) => {
                validate_e164(phone).map_err(|_| PosError::invalid(field, "use E.164, e.g. +381601234567"))
            }
        }
    }
}

/// The kinds of [`GuestRef`] a source can report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuestRefKind {
    /// [`GuestRef::QrPayload`].
    QrPayload,
    /// [`GuestRef::TypedCode`].
    TypedCode,
    /// [`GuestRef::Phone`].
    Phone,
    /// [`GuestRef::PublicId`].
    PublicId,
}

/// A discount the POS applied to a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosDiscount {
    /// What the POS calls it (`Happy hour`, `Staff`, `Reward ABCD-1234`).
    pub name: String,
    /// Amount taken off, in minor units (positive).
    pub amount_minor: i64,
}

/// A completed sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosPurchase {
    /// The POS's receipt id: with the source name, the purchase's unique key.
    pub receipt_id: String,
    /// The POS's id for the cafe (location, store, outlet); the server maps it to a
    /// [`CafeId`] from its configuration.
    pub cafe_ref: String,
    /// Who bought, if the till identified them.
    pub guest: GuestRef,
    /// Net amount paid, after discounts.
    pub total: Money,
    /// Receipt lines, at prices before discounts (empty when the POS sends no lines).
    pub items: Vec<LineItem>,
    /// Discounts applied; lines minus discounts equal `total`.
    pub discounts: Vec<PosDiscount>,
    /// When the sale happened, per the POS.
    pub occurred_at: DateTime<Utc>,
    /// A reward code the guest redeemed with this purchase, to be marked as used.
    pub reward_code: Option<String>,
}

impl PosPurchase {
    /// The sum of all discounts, in minor units.
    #[must_use]
    pub fn discount_minor(&self) -> i64 {
        // Saturating: a hostile sum must not overflow before the checks refuse it.
        self.discounts.iter().fold(0, |sum, d| sum.saturating_add(d.amount_minor))
    }

    /// Checks the invariants every source guarantees (see [`PosSource::parse`]).
    ///
    /// # Errors
    /// [`PosError::InvalidPayload`] naming the first bad field, with `prefix` before it
    /// (`data.` for the generic webhook), so the name matches the POS's JSON.
    pub fn validate(&self, prefix: &str) -> Result<(), PosError> {
        let field = |name: &str| format!("{prefix}{name}");
        check_id(&field("receipt_id"), &self.receipt_id)?;
        check_cafe_ref(&field("cafe"), &self.cafe_ref)?;
        if self.total.minor < 0 {
            return Err(PosError::invalid(field("total"), "must not be negative"));
        }
        for (i, item) in self.items.iter().enumerate() {
            if item.sku.is_empty() {
                return Err(PosError::invalid(field(&format!("items[{i}].sku")), "must not be empty"));
            }
            check_text(&field(&format!("items[{i}].sku")), &item.sku)?;
            check_text(&field(&format!("items[{i}].name")), &item.name)?;
            if let Some(category) = &item.category {
                check_text(&field(&format!("items[{i}].category")), category)?;
            }
            if item.quantity == 0 {
                return Err(PosError::invalid(field(&format!("items[{i}].quantity")), "must be positive"));
            }
            if item.unit_price_minor < 0 {
                return Err(PosError::invalid(field(&format!("items[{i}].unit_price")), "must not be negative"));
            }
        }
        for (i, d) in self.discounts.iter().enumerate() {
            check_text(&field(&format!("discounts[{i}].name")), &d.name)?;
            if d.amount_minor < 0 {
                return Err(PosError::invalid(field(&format!("discounts[{i}].amount")), "must not be negative"));
            }
        }
        if !self.items.is_empty() {
            let lines = self.items.iter().try_fold(0i64, |acc, i| {
                i64::from(i.quantity).checked_mul(i.unit_price_minor).and_then(|t| acc.checked_add(t))
            });
            let expected = lines.and_then(|l| l.checked_sub(self.discount_minor()));
            if expected != Some(self.total.minor) {
                let shown =
                    expected.map_or_else(|| "too large".to_owned(), |e| Money::new(e, self.total.currency).to_string());
                return Err(PosError::invalid(
                    field("total"),
                    format!("{} does not equal the lines minus the discounts ({shown})", self.total),
                ));
            }
        }
        if let Some(code) = &self.reward_code {
            if code.trim().is_empty() || code.len() > 64 {
                return Err(PosError::invalid(field("reward_code"), "must be 1-64 characters"));
            }
            check_text(&field("reward_code"), code)?;
        }
        self.guest.validate(&field("guest"))
    }

    /// Checks the purchase against a source's [`SaleLimits`], for a delivery received at
    /// `received_at` (see [`PosSource::parse`]).
    ///
    /// # Errors
    /// [`PosError::InvalidPayload`] naming the first field beyond a limit, after `prefix`.
    pub fn check_limits(&self, limits: &SaleLimits, received_at: DateTime<Utc>, prefix: &str) -> Result<(), PosError> {
        let field = |name: &str| format!("{prefix}{name}");
        limits.check_time(&field("occurred_at"), self.occurred_at, received_at)?;
        let currency = self.total.currency;
        limits.check_amount(&field("total"), self.total.minor, currency)?;
        for (i, item) in self.items.iter().enumerate() {
            limits.check_quantity(&field(&format!("items[{i}].quantity")), item.quantity)?;
            let line = i64::from(item.quantity).checked_mul(item.unit_price_minor).unwrap_or(i64::MAX);
            limits.check_amount(&field(&format!("items[{i}].unit_price")), line, currency)?;
        }
        for (i, d) in self.discounts.iter().enumerate() {
            limits.check_amount(&field(&format!("discounts[{i}].amount")), d.amount_minor, currency)?;
        }
        Ok(())
    }

    /// The purchase to record, once the server has mapped the cafe and resolved the guest.
    #[must_use]
    pub fn to_new_purchase(&self, source: &str, cafe_id: CafeId, guest_id: Option<GuestId>) -> NewPurchase {
        NewPurchase {
            cafe_id,
            source: source.to_owned(),
            external_id: self.receipt_id.clone(),
            guest_id,
            total: self.total,
            items: self.items.clone(),
            occurred_at: self.occurred_at,
        }
    }
}

/// Which lines of a receipt a refund covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundLines {
    /// The whole receipt.
    All,
    /// Some units of some lines.
    Some(Vec<RefundLine>),
}

/// Units of one article given back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLine {
    /// The article code, as on the purchase's line.
    pub sku: String,
    /// Units given back (positive).
    pub quantity: u32,
}

/// A refund of (part of) an earlier sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosRefund {
    /// The receipt id of the purchase being refunded.
    pub receipt_id: String,
    /// The POS's id for this refund; the same refund reported twice reverses once. Sources
    /// whose POS sends none use the delivery id.
    pub refund_id: String,
    /// The POS's id for the cafe.
    pub cafe_ref: String,
    /// What is given back.
    pub lines: RefundLines,
    /// The net amount refunded, when the POS states it; otherwise it is derived from the
    /// lines by [`PosRefund::amount_minor`].
    pub amount: Option<Money>,
    /// When the refund happened, per the POS.
    pub occurred_at: DateTime<Utc>,
}

impl PosRefund {
    /// Checks the invariants every source guarantees.
    ///
    /// # Errors
    /// [`PosError::InvalidPayload`] naming the first bad field after `prefix`.
    pub fn validate(&self, prefix: &str) -> Result<(), PosError> {
        let field = |name: &str| format!("{prefix}{name}");
        check_id(&field("receipt_id"), &self.receipt_id)?;
        check_id(&field("refund_id"), &self.refund_id)?;
        check_cafe_ref(&field("cafe"), &self.cafe_ref)?;
        if let Some(amount) = self.amount
            && amount.minor < 0
        {
            return Err(PosError::invalid(field("amount"), "must not be negative"));
        }
        if let RefundLines::Some(lines) = &self.lines {
            if lines.is_empty() {
                return Err(PosError::invalid(field("lines"), "name at least one line, or refund \"all\""));
            }
            for (i, line) in lines.iter().enumerate() {
                if line.sku.is_empty() {
                    return Err(PosError::invalid(field(&format!("lines[{i}].sku")), "must not be empty"));
                }
                check_text(&field(&format!("lines[{i}].sku")), &line.sku)?;
                if line.quantity == 0 {
                    return Err(PosError::invalid(field(&format!("lines[{i}].quantity")), "must be positive"));
                }
            }
        }
        Ok(())
    }

    /// Checks the refund against a source's [`SaleLimits`], for a delivery received at
    /// `received_at`.
    ///
    /// # Errors
    /// [`PosError::InvalidPayload`] naming the first field beyond a limit, after `prefix`.
    pub fn check_limits(&self, limits: &SaleLimits, received_at: DateTime<Utc>, prefix: &str) -> Result<(), PosError> {
        let field = |name: &str| format!("{prefix}{name}");
        limits.check_time(&field("occurred_at"), self.occurred_at, received_at)?;
        if let Some(amount) = self.amount {
            limits.check_amount(&field("amount"), amount.minor, amount.currency)?;
        }
        if let RefundLines::Some(lines) = &self.lines {
            for (i, line) in lines.iter().enumerate() {
                limits.check_quantity(&field(&format!("lines[{i}].quantity")), line.quantity)?;
            }
        }
        Ok(())
    }

    /// The net amount this refund gives back of `purchase` (as recorded), in minor units, as
    /// the first refund of the purchase: [`PosRefund::amount_left`] with no earlier refunds.
    ///
    /// # Errors
    /// As [`PosRefund::amount_left`].
    pub fn amount_minor(&self, purchase: &NewPurchase) -> Result<i64> {
        self.amount_left(purchase, &[])
    }

    /// The net amount this refund gives back of `purchase` (as recorded), in minor units,
    /// after the `earlier` refunds of the same purchase.
    ///
    /// A stated [`PosRefund::amount`] wins, up to what is left. Otherwise all lines give back
    /// whatever is left of the net total (0 once everything was refunded), and some lines
    /// give back their share of it: their value at list price over the value of every line,
    /// times the net total, rounded down (so discounts are shared out in proportion). Naming
    /// the last units of every line, counting those refunded before, gives back the rest, so
    /// a refund assembled line by line reverses exactly what the purchase earned.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `amount` (currency differs, more than is left) or
    /// `lines[i]` (an article not on the receipt, more units than are left of it).
    pub fn amount_left(&self, purchase: &NewPurchase, earlier: &[RecordedRefund]) -> Result<i64> {
        let refunded_before: i64 = earlier.iter().map(|r| r.amount_minor).sum();
        let left = (purchase.total.minor - refunded_before).max(0);
        if let Some(amount) = self.amount {
            if amount.currency != purchase.total.currency {
                return Err(Error::invalid(
                    "amount",
                    format!("the refund is in {}, the purchase in {}", amount.currency, purchase.total.currency),
                ));
            }
            if amount.minor > left {
                let total = purchase.total;
                let left = Money::new(left, total.currency);
                return Err(Error::invalid("amount", format!("more than is left to refund: {left} of {total}")));
            }
            return Ok(amount.minor);
        }
        let lines = match &self.lines {
            RefundLines::All => return Ok(left),
            RefundLines::Some(lines) => lines,
        };
        let sold_units =
            |sku: &str| -> u64 { purchase.items.iter().filter(|i| i.sku == sku).map(|i| u64::from(i.quantity)).sum() };
        // Units of each article refunded before: every unit after a whole-receipt refund.
        let units_before = |sku: &str| -> u64 {
            earlier
                .iter()
                .map(|r| match &r.lines {
                    RefundLines::All => sold_units(sku),
                    RefundLines::Some(lines) => {
                        lines.iter().filter(|l| l.sku == sku).map(|l| u64::from(l.quantity)).sum()
                    }
                })
                .sum::<u64>()
                .min(sold_units(sku))
        };
        let mut refunded_value: i128 = 0;
        // (sku, units refunded before, units asked so far by this refund)
        let mut seen: Vec<(&str, u64, u64)> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let sold = sold_units(&line.sku);
            if sold == 0 {
                return Err(Error::invalid(format!("lines[{i}].sku"), format!("`{}` is not on the receipt", line.sku)));
            }
            let at = match seen.iter().position(|(s, ..)| *s == line.sku) {
                Some(at) => at,
                None => {
                    seen.push((&line.sku, units_before(&line.sku), 0));
                    seen.len() - 1
                }
            };
            let (_, before, asked) = &mut seen[at];
            let before = *before;
            *asked += u64::from(line.quantity);
            if before + *asked > sold {
                let why = match before {
                    0 => format!("{asked} units of `{}` refunded, {sold} sold", line.sku),
                    _ => format!("{asked} more units of `{}` refunded, {} of {sold} left", line.sku, sold - before),
                };
                return Err(Error::invalid(format!("lines[{i}].quantity"), why));
            }
            // A sku on several lines at different prices: refund the dearest units first, as
            // a cashier would, so the guest never gets back less than the article cost.
            let through = before + *asked;
            refunded_value += unit_value(purchase, &line.sku, through)
                - unit_value(purchase, &line.sku, through - u64::from(line.quantity));
        }
        let everything_refunded = purchase.items.iter().all(|item| {
            let asked = seen.iter().find(|(s, ..)| *s == item.sku).map_or(0, |(_, _, n)| *n);
            units_before(&item.sku) + asked >= sold_units(&item.sku)
        });
        if everything_refunded {
            return Ok(left);
        }
        let list_value: i128 = purchase.items.iter().map(|i| i128::from(i.total_minor())).sum();
        if list_value <= 0 {
            return Ok(0);
        }
        let share = refunded_value * i128::from(purchase.total.minor) / list_value;
        let share = i64::try_from(share).map_err(|_| Error::invalid("amount", "out of range"))?;
        Ok(share.min(left))
    }

    /// The rules engine's refund request for `purchase` (as recorded).
    ///
    /// # Errors
    /// As [`PosRefund::amount_minor`].
    pub fn to_refund_request(&self, purchase: &NewPurchase) -> Result<RefundRequest> {
        Ok(RefundRequest { refund_id: self.refund_id.clone(), amount_minor: self.amount_minor(purchase)? })
    }
}

/// A refund as recorded against its purchase: what later refunds of the same receipt are
/// measured against (see [`PosRefund::amount_left`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRefund {
    /// The POS's id of the refund, unique per purchase.
    pub refund_id: String,
    /// The net amount given back, in minor units.
    pub amount_minor: i64,
    /// What was given back.
    pub lines: RefundLines,
    /// Who reported it (the POS source).
    pub source: String,
}

/// Value at list price of the `units` dearest units of `sku` on the receipt.
fn unit_value(purchase: &NewPurchase, sku: &str, units: u64) -> i128 {
    let mut lines: Vec<&LineItem> = purchase.items.iter().filter(|i| i.sku == sku).collect();
    lines.sort_by_key(|i| std::cmp::Reverse(i.unit_price_minor));
    let mut left = units;
    let mut value = 0i128;
    for line in lines {
        let take = left.min(u64::from(line.quantity));
        value += i128::from(take) * i128::from(line.unit_price_minor);
        left -= take;
    }
    value
}

fn check_id(field: &str, id: &str) -> Result<(), PosError> {
    if id.is_empty() || id.len() > MAX_ID_LEN || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(PosError::invalid(field, "use 1-128 printable ASCII characters without spaces"));
    }
    Ok(())
}

fn check_cafe_ref(field: &str, cafe_ref: &str) -> Result<(), PosError> {
    if cafe_ref.trim().is_empty() || cafe_ref.len() > MAX_ID_LEN {
        return Err(PosError::invalid(field, "must be 1-128 characters"));
    }
    check_text(field, cafe_ref)
}

/// Refuses control characters in a text field of a POS payload (see
/// [`control_char`](crate::purchase::control_char) for which, and why).
fn check_text(field: &str, text: &str) -> Result<(), PosError> {
    match control_char(text) {
        Some(c) => Err(PosError::invalid(field, control_char_reason(c))),
        None => Ok(()),
    }
}

/// The largest amount of one sale, refund, line or discount unless a source says otherwise:
/// a million in major units of its currency (1,000,000.00 RSD, EUR or ILS; 1,000,000 JPY).
pub const DEFAULT_MAX_AMOUNT: u64 = 1_000_000;

/// The most units of one receipt line unless a source says otherwise.
pub const DEFAULT_MAX_QUANTITY: u32 = 10_000;

/// How many days before its arrival a sale or refund may have happened unless a source says
/// otherwise: long enough for a till that was offline over a holiday to catch up.
pub const DEFAULT_MAX_AGE_DAYS: u32 = 30;

/// The largest `max_age_days` accepted: ten years.
pub const MAX_AGE_DAYS_LIMIT: u32 = 3_650;

/// How far after its arrival a sale or refund may be dated, in seconds: one day, more than
/// any time-zone mistake (a local time sent as UTC is at most 14 hours off). Later than that
/// the till's clock is wrong, and rules such as quiet hours would read nonsense. Not
/// configurable: no till has a reason to report the future.
pub const MAX_AHEAD_SECS: i64 = 86_400;

/// Bounds on what one signed delivery may report, beyond the shape that
/// [`PosPurchase::validate`] checks: a correctly signed till with a bug (or a leaked secret)
/// must not record a sale of `i64::MAX`, thousands of units to earn per-item bonuses, or a
/// sale dated in the year 1 or 9999. A source's settings carry them (the `max_*` keys of
/// [`SignedSourceConfig`](signature::SignedSourceConfig)); everything beyond them is a 422
/// naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SaleLimits {
    /// `max_amount`: the largest total of one sale or refund, and of any one line
    /// (quantity × unit price) or discount, in **major** units of its currency; the limit in
    /// minor units follows from the currency's [`Currency::minor_digits`].
    pub max_amount: u64,
    /// `max_amount_by_currency`: `max_amount` for particular currencies, in their major
    /// units (`{ EUR = 20000 }`).
    pub max_amount_by_currency: BTreeMap<Currency, u64>,
    /// `max_quantity`: the most units of one receipt line (or of one refunded line).
    pub max_quantity: u32,
    /// `max_age_days`: how many days before its arrival a sale or refund may have happened,
    /// 1-[`MAX_AGE_DAYS_LIMIT`].
    pub max_age_days: u32,
}

impl Default for SaleLimits {
    fn default() -> Self {
        Self {
            max_amount: DEFAULT_MAX_AMOUNT,
            max_amount_by_currency: BTreeMap::new(),
            max_quantity: DEFAULT_MAX_QUANTITY,
            max_age_days: DEFAULT_MAX_AGE_DAYS,
        }
    }
}

impl SaleLimits {
    /// Checks every key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `max_amount`, `max_amount_by_currency.<code>`,
    /// `max_quantity` or `max_age_days`.
    pub fn validate(&self) -> Result<()> {
        let amount = |field: String, major: u64, currency: Option<Currency>| {
            let digits = currency.map_or(3, |c| c.minor_digits());
            let fits = i64::try_from(major).ok().and_then(|m| m.checked_mul(10_i64.pow(digits))).is_some();
            if major == 0 || !fits {
                return Err(Error::invalid(field, "use a positive amount in major units, such as 1000000"));
            }
            Ok(())
        };
        // Without a currency, the strictest exponent in use (3 decimals) must fit.
        amount("max_amount".to_owned(), self.max_amount, None)?;
        for (currency, major) in &self.max_amount_by_currency {
            amount(format!("max_amount_by_currency.{currency}"), *major, Some(*currency))?;
        }
        if self.max_quantity == 0 {
            return Err(Error::invalid("max_quantity", "must be at least 1"));
        }
        if !(1..=MAX_AGE_DAYS_LIMIT).contains(&self.max_age_days) {
            return Err(Error::invalid("max_age_days", format!("use 1-{MAX_AGE_DAYS_LIMIT} days")));
        }
        Ok(())
    }

    /// The largest amount in `currency`, in its major units.
    #[must_use]
    pub fn max_major(&self, currency: Currency) -> u64 {
        self.max_amount_by_currency.get(&currency).copied().unwrap_or(self.max_amount)
    }

    /// The largest amount in `currency`, in its minor units.
    #[must_use]
    pub fn max_minor(&self, currency: Currency) -> i64 {
        i64::try_from(self.max_major(currency))
            .ok()
            .and_then(|m| m.checked_mul(10_i64.pow(currency.minor_digits())))
            .unwrap_or(i64::MAX)
    }

    fn check_amount(&self, field: &str, minor: i64, currency: Currency) -> Result<(), PosError> {
        if minor > self.max_minor(currency) {
            return Err(PosError::invalid(
                field,
                format!(
                    "{minor} minor units is more than this source allows for one sale: {} {currency} \
                     (its `max_amount`)",
                    self.max_major(currency)
                ),
            ));
        }
        Ok(())
    }

    fn check_quantity(&self, field: &str, quantity: u32) -> Result<(), PosError> {
        if quantity > self.max_quantity {
            return Err(PosError::invalid(
                field,
                format!("{quantity} units is more than this source allows on one line: {}", self.max_quantity),
            ));
        }
        Ok(())
    }

    fn check_time(&self, field: &str, at: DateTime<Utc>, received_at: DateTime<Utc>) -> Result<(), PosError> {
        let ahead = at.signed_duration_since(received_at);
        if ahead > TimeDelta::seconds(MAX_AHEAD_SECS) {
            return Err(PosError::invalid(
                field,
                format!(
                    "{} is more than a day after the delivery arrived ({}); check the till's clock and time zone",
                    at.to_rfc3339(),
                    received_at.to_rfc3339()
                ),
            ));
        }
        if -ahead > TimeDelta::days(i64::from(self.max_age_days)) {
            return Err(PosError::invalid(
                field,
                format!(
                    "{} is more than {} days before the delivery arrived ({}); this source takes no older sales",
                    at.to_rfc3339(),
                    self.max_age_days,
                    received_at.to_rfc3339()
                ),
            ));
        }
        Ok(())
    }
}

/// What a delivery reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum PosPayload {
    /// `purchase.completed`: a sale.
    #[serde(rename = "purchase.completed")]
    PurchaseCompleted(PosPurchase),
    /// `purchase.refunded`: (part of) a sale given back.
    #[serde(rename = "purchase.refunded")]
    PurchaseRefunded(PosRefund),
}

/// One verified delivery from a POS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosEvent {
    /// The delivery's id (Standard Webhooks `webhook-id`): identical on every retry of the
    /// same delivery, so it is the idempotency key of the request.
    pub delivery_id: String,
    /// When the POS signed the delivery.
    pub signed_at: DateTime<Utc>,
    /// What happened.
    pub payload: PosPayload,
}

impl PosEvent {
    /// The event type as the generic contract names it (`purchase.completed`, ...).
    #[must_use]
    pub fn event_type(&self) -> &'static str {
        match self.payload {
            PosPayload::PurchaseCompleted(_) => "purchase.completed",
            PosPayload::PurchaseRefunded(_) => "purchase.refunded",
        }
    }

    /// The receipt the event is about (for a refund, the refunded purchase's).
    #[must_use]
    pub fn receipt_id(&self) -> &str {
        match &self.payload {
            PosPayload::PurchaseCompleted(p) => &p.receipt_id,
            PosPayload::PurchaseRefunded(r) => &r.receipt_id,
        }
    }

    /// The POS's id for the cafe.
    #[must_use]
    pub fn cafe_ref(&self) -> &str {
        match &self.payload {
            PosPayload::PurchaseCompleted(p) => &p.cafe_ref,
            PosPayload::PurchaseRefunded(r) => &r.cafe_ref,
        }
    }
}

/// What a source can report, so the server and the cashier screen adapt without asking
/// which POS it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosCapabilities {
    /// Reports refunds at all.
    pub refunds: bool,
    /// Reports refunds of some lines (not only whole receipts).
    pub partial_refunds: bool,
    /// Sends receipt lines (needed for per-item and per-category rules).
    pub line_items: bool,
    /// The kinds of guest reference it can send.
    pub guest_refs: Vec<GuestRefKind>,
    /// Can pass a reward code redeemed at the till.
    pub reward_redemption: bool,
    /// Largest body accepted; larger ones are [`PosError::TooLarge`]. The server can refuse
    /// them before reading the body (HTTP 413).
    pub max_body_bytes: usize,
}

impl Default for PosCapabilities {
    fn default() -> Self {
        Self {
            refunds: false,
            partial_refunds: false,
            line_items: false,
            guest_refs: Vec::new(),
            reward_redemption: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Why an authentication check failed: said to the POS in the 401 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthFailure {
    /// A required header is absent.
    MissingHeader(&'static str),
    /// A header is present but unreadable (a timestamp that is not a number, ...).
    MalformedHeader(&'static str),
    /// The timestamp is older than the tolerance allows (a replay, or a very late retry that
    /// the POS should re-sign).
    StaleTimestamp {
        /// Seconds between the timestamp and the reception.
        age_secs: i64,
        /// The tolerance.
        tolerance_secs: i64,
    },
    /// The timestamp is further in the future than the tolerance allows (a clock off).
    FutureTimestamp {
        /// Seconds the timestamp is ahead of the reception.
        ahead_secs: i64,
        /// The tolerance.
        tolerance_secs: i64,
    },
    /// No signature matched any active secret.
    NoMatchingSignature,
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingHeader(h) => write!(f, "missing header `{h}`"),
            Self::MalformedHeader(h) => write!(f, "malformed header `{h}`"),
            Self::StaleTimestamp { age_secs, tolerance_secs } => {
                write!(f, "timestamp is {age_secs} s old, more than the {tolerance_secs} s allowed; sign it again")
            }
            Self::FutureTimestamp { ahead_secs, tolerance_secs } => {
                write!(
                    f,
                    "timestamp is {ahead_secs} s in the future, more than the {tolerance_secs} s allowed; check the clock"
                )
            }
            Self::NoMatchingSignature => f.write_str("no signature matches an active secret"),
        }
    }
}

/// What went wrong with a delivery, in a form the server maps to an HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PosError {
    /// Bad, missing or stale signature: HTTP 401 with the reason. Nothing in the body was
    /// looked at.
    #[error("unauthenticated: {reason}")]
    Unauthenticated {
        /// Why.
        reason: AuthFailure,
    },
    /// Signed correctly, but the JSON is malformed or a field is missing or wrong: HTTP 422
    /// naming the field.
    #[error("invalid {field}: {reason}")]
    InvalidPayload {
        /// Path of the offending field in the POS's JSON (`data.items[1].quantity`), or `.`
        /// when the body as a whole is not JSON.
        field: String,
        /// What is wrong, phrased for the integrator.
        reason: String,
    },
    /// Signed and well-formed, but an event regulars does not handle (a shift report, a
    /// training receipt). The server should acknowledge it (HTTP 2xx) so the POS stops
    /// retrying, and record nothing.
    #[error("unsupported event type `{event_type}`")]
    Unsupported {
        /// The POS's name for it.
        event_type: String,
    },
    /// The body is larger than [`PosCapabilities::max_body_bytes`]: HTTP 413.
    #[error("body of {actual} bytes is larger than the {limit} bytes allowed")]
    TooLarge {
        /// The limit.
        limit: usize,
        /// The body's size.
        actual: usize,
    },
}

/// The kind of a [`PosError`], to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PosErrorKind {
    /// [`PosError::Unauthenticated`].
    Unauthenticated,
    /// [`PosError::InvalidPayload`].
    InvalidPayload,
    /// [`PosError::Unsupported`].
    Unsupported,
    /// [`PosError::TooLarge`].
    TooLarge,
}

impl PosError {
    /// The kind of this error.
    #[must_use]
    pub fn kind(&self) -> PosErrorKind {
        match self {
            Self::Unauthenticated { .. } => PosErrorKind::Unauthenticated,
            Self::InvalidPayload { .. } => PosErrorKind::InvalidPayload,
            Self::Unsupported { .. } => PosErrorKind::Unsupported,
            Self::TooLarge { .. } => PosErrorKind::TooLarge,
        }
    }

    /// Shorthand for [`PosError::InvalidPayload`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidPayload { field: field.into(), reason: reason.into() }
    }

    /// The HTTP status the server answers with: 401, 422, 202 (acknowledged, ignored) or 413.
    #[must_use]
    pub fn http_status(&self) -> u16 {
        match self.kind() {
            PosErrorKind::Unauthenticated => 401,
            PosErrorKind::InvalidPayload => 422,
            PosErrorKind::Unsupported => 202,
            PosErrorKind::TooLarge => 413,
        }
    }
}

impl From<AuthFailure> for PosError {
    fn from(reason: AuthFailure) -> Self {
        Self::Unauthenticated { reason }
    }
}

/// A point-of-sale system, as one configured source (`Arc<dyn PosSource>` in server state).
///
/// Implementations are CPU-only and hold no state between calls beyond their configuration,
/// so `parse` is synchronous and may run on any thread.
pub trait PosSource: Send + Sync + fmt::Debug {
    /// The configured name of this source (`demo`, `octopos-belgrade`).
    ///
    /// # Behaviour
    /// Non-empty lower-case ASCII letters, digits, `-` and `_`, at most 32 characters, and
    /// the same on every call: it is the `{source}` in `/pos/{source}/webhook`, the `source`
    /// of every purchase it reports and the name in [`Actor::Pos`].
    fn name(&self) -> &str;

    /// The driver (`webhook`, `octopos`), for logs and the portal.
    ///
    /// # Behaviour
    /// Non-empty, lower-case, and the same for every source of the same driver.
    fn kind(&self) -> &'static str;

    /// What this source can report.
    ///
    /// # Behaviour
    /// The same on every call. Partial refunds imply refunds. `max_body_bytes` is positive.
    fn capabilities(&self) -> PosCapabilities;

    /// Verifies and parses one request.
    ///
    /// # Behaviour
    /// - A body longer than `capabilities().max_body_bytes` is [`PosError::TooLarge`], before
    ///   anything else is looked at.
    /// - The signature is checked before the body is parsed: a request that is unsigned, signed
    ///   with an unknown secret, altered after signing, or whose signature timestamp is more
    ///   than the source's tolerance (at most 15 minutes) away from `received_at`, in either
    ///   direction, is [`PosError::Unauthenticated`], whatever the body holds.
    /// - A signed body that is not the expected JSON, or lacks a required field, is
    ///   [`PosError::InvalidPayload`] whose `field` is the path of the offending field; so is a
    ///   body in which one object holds the same key twice (naming that key).
    /// - A signed sale or refund dated more than [`MAX_AHEAD_SECS`] after `received_at`, or
    ///   more than the source's `max_age_days` before it, or whose amounts or quantities are
    ///   beyond the source's [`SaleLimits`], is [`PosError::InvalidPayload`] naming the field
    ///   ([`PosPurchase::check_limits`], [`PosRefund::check_limits`]).
    /// - A signed, well-formed event the source does not handle is [`PosError::Unsupported`].
    /// - A signed sale is [`PosPayload::PurchaseCompleted`]; the purchase passes
    ///   [`PosPurchase::validate`], its guest reference is of a kind listed in
    ///   `capabilities().guest_refs`, and it has no lines when `line_items` is false.
    /// - A signed refund is [`PosPayload::PurchaseRefunded`] (only when `refunds`), naming the
    ///   refunded purchase's receipt id; it passes [`PosRefund::validate`] and names some lines
    ///   only when `partial_refunds`.
    /// - `delivery_id` is the delivery's id, the same on every retry of the delivery and
    ///   different for different deliveries; parsing the same request twice gives equal events.
    /// - Nothing but `request` is read: no clock, no network, no storage.
    ///
    /// # Errors
    /// As above.
    fn parse(&self, request: &PosRequest) -> Result<PosEvent, PosError>;
}

/// Conveniences for every [`PosSource`]; implementors never write these.
pub trait PosSourceExt: PosSource {
    /// The actor recorded on ledger entries this source causes.
    ///
    /// # Behaviour
    /// `Actor::Pos(name())`.
    fn actor(&self) -> Actor {
        Actor::Pos(self.name().to_owned())
    }

    /// Refuses a body of `len` bytes before reading it (from `Content-Length`), with the same
    /// error `parse` would give.
    ///
    /// # Behaviour
    /// `Err(TooLarge)` exactly when `len > capabilities().max_body_bytes`.
    ///
    /// # Errors
    /// [`PosError::TooLarge`].
    fn check_body_len(&self, len: usize) -> Result<(), PosError> {
        payload::check_size(len, self.capabilities().max_body_bytes)
    }
}

impl<T: PosSource + ?Sized> PosSourceExt for T {}

/// Checks a source name (see [`PosSource::name`]).
///
/// # Errors
/// [`Error::InvalidInput`] naming `name`.
pub fn validate_source_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("name", format!("`{name}` is not a valid source name: use 1-32 of a-z, 0-9, `-`, `_`")))
    }
}

#[cfg(test)]
mod tests;
