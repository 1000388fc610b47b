//! Purchases reported by a POS.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CafeId, ChainId, GuestId, PurchaseId};
use crate::money::Money;
use crate::{Error, Result};

/// One line of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    /// The POS's article code.
    pub sku: String,
    /// Name as printed on the receipt.
    pub name: String,
    /// Category for per-category rules (`coffee`, `pastry`, `alcohol`, ...).
    #[serde(default)]
    pub category: Option<String>,
    /// Units sold (positive).
    pub quantity: u32,
    /// Price of one unit in minor units, before discounts.
    pub unit_price_minor: i64,
}

impl LineItem {
    /// `quantity * unit_price_minor`.
    #[must_use]
    pub fn total_minor(&self) -> i64 {
        i64::from(self.quantity) * self.unit_price_minor
    }
}

/// A purchase to record. Unique per `(source, external_id)` within a chain: the same receipt
/// reported twice is recorded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPurchase {
    /// Where it was sold.
    pub cafe_id: CafeId,
    /// The POS source's configured name.
    pub source: String,
    /// The POS's receipt id.
    pub external_id: String,
    /// The guest, when one was identified at the till.
    pub guest_id: Option<GuestId>,
    /// Net total paid, after discounts.
    pub total: Money,
    /// Receipt lines.
    pub items: Vec<LineItem>,
    /// When the sale happened (from the POS).
    pub occurred_at: DateTime<Utc>,
}

impl NewPurchase {
    /// Checks the purchase.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        if self.source.is_empty() {
            return Err(Error::invalid("source", "must not be empty"));
        }
        check_text("source", &self.source)?;
        if self.external_id.is_empty() || self.external_id.len() > 128 {
            return Err(Error::invalid("external_id", "must be 1-128 characters"));
        }
        check_text("external_id", &self.external_id)?;
        if self.total.minor < 0 {
            return Err(Error::invalid("total", "must not be negative"));
        }
        for (i, item) in self.items.iter().enumerate() {
            check_text(&format!("items[{i}].sku"), &item.sku)?;
            check_text(&format!("items[{i}].name"), &item.name)?;
            if let Some(category) = &item.category {
                check_text(&format!("items[{i}].category"), category)?;
            }
            if item.quantity == 0 {
                return Err(Error::invalid(format!("items[{i}].quantity"), "must be positive"));
            }
            if item.unit_price_minor < 0 {
                return Err(Error::invalid(format!("items[{i}].unit_price_minor"), "must not be negative"));
            }
        }
        Ok(())
    }
}

/// The first control character in `text`, if any: C0 (U+0000-U+001F, tab and line feed
/// included), DEL (U+007F) or C1 (U+0080-U+009F), Unicode's `Cc` category.
///
/// Every text of a purchase is an id or a one-line label (an article, a category, a discount,
/// a cafe reference, a reward code) that ends up in messages, the portal and exports, so
/// none may hold one; and PostgreSQL's `text` cannot store NUL at all, so letting one through
/// would turn a POS's bad byte into a 500 at the database instead of a 422 naming the field.
#[must_use]
pub fn control_char(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control())
}

/// Why a text holding the control character `c` is refused, for the one who sent it.
#[must_use]
pub fn control_char_reason(c: char) -> String {
    format!("must not contain control characters such as tabs, line breaks or NUL (found U+{:04X})", u32::from(c))
}

/// [`Error::InvalidInput`] naming `field` when `text` holds a control character
/// ([`control_char`]).
///
/// # Errors
/// As above.
pub fn check_text(field: &str, text: &str) -> Result<()> {
    match control_char(text) {
        Some(c) => Err(Error::invalid(field, control_char_reason(c))),
        None => Ok(()),
    }
}

/// A recorded purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    /// Storage identifier.
    pub id: PurchaseId,
    /// Owning chain.
    pub chain_id: ChainId,
    /// The purchase as reported.
    #[serde(flatten)]
    pub details: NewPurchase,
    /// When regulars recorded it.
    pub recorded_at: DateTime<Utc>,
}

/// Which purchases an orders list shows; every field narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurchaseFilter {
    /// Only at these cafes (`None`: every cafe of the chain).
    pub cafes: Option<Vec<CafeId>>,
    /// Only this guest's.
    pub guest: Option<GuestId>,
    /// Only reported by this POS source.
    pub source: Option<String>,
    /// Only those made at the till at or after this moment.
    pub since: Option<DateTime<Utc>>,
    /// Only those made at the till before this moment.
    pub until: Option<DateTime<Utc>>,
}

/// A purchase as the orders list shows it: with what was given back and who was at work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseRecord {
    /// The purchase as reported.
    pub purchase: Purchase,
    /// Its refunds, oldest first.
    pub refunds: Vec<crate::pos::RecordedRefund>,
    /// The shifts open at its cafe when it was made (a POS does not say which cashier rang
    /// it up, so these are the staff who were on duty), earliest opened first.
    pub shifts: Vec<crate::staff::Shift>,
}

impl PurchaseRecord {
    /// The total given back, in minor units.
    #[must_use]
    pub fn refunded_minor(&self) -> i64 {
        self.refunds.iter().map(|r| r.amount_minor).sum()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;
    use crate::money::Currency;

    fn purchase() -> NewPurchase {
        NewPurchase {
            cafe_id: CafeId(1),
            source: "till".into(),
            external_id: "R-1".into(),
            guest_id: None,
            total: Money::new(500, Currency::new("RSD").unwrap()),
            items: vec![LineItem {
                sku: "ESP".into(),
                name: "Espresso".into(),
                category: Some("coffee".into()),
                quantity: 2,
                unit_price_minor: 250,
            }],
            occurred_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
        }
    }

    fn field(p: &NewPurchase) -> String {
        match p.validate() {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn control_characters_are_found_but_other_text_is_fine() {
        for text in ["a\0b", "tab\there", "line\nbreak", "cr\r", "\u{7f}", "\u{85}", "\u{9f}", "\u{1b}[31m"] {
            assert!(control_char(text).is_some(), "{text:?}");
        }
        for text in ["Espresso", "Ћевапи 🍢", "שקשוקה", "a\u{2028}b", "\u{a0}", "", "\u{200f}"] {
            assert_eq!(control_char(text), None, "{text:?}");
        }
        assert!(control_char_reason('\0').contains("U+0000"));
    }

    #[test]
    fn every_text_of_a_purchase_is_checked_for_control_characters() {
        assert!(purchase().validate().is_ok());
        let mut p = purchase();
        p.external_id = "R\0".into();
        assert_eq!(field(&p), "external_id");
        let mut p = purchase();
        p.items[0].sku = "E\nSP".into();
        assert_eq!(field(&p), "items[0].sku");
        let mut p = purchase();
        p.items[0].name = "Espresso\0".into();
        assert_eq!(field(&p), "items[0].name");
        let mut p = purchase();
        p.items[0].category = Some("cof\tfee".into());
        assert_eq!(field(&p), "items[0].category");
        let mut p = purchase();
        p.source = "till\u{0}".into();
        assert_eq!(field(&p), "source");
    }
}
