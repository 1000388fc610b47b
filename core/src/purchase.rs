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
        if self.external_id.is_empty() || self.external_id.len() > 128 {
            return Err(Error::invalid("external_id", "must be 1-128 characters"));
        }
        if self.total.minor < 0 {
            return Err(Error::invalid("total", "must not be negative"));
        }
        for (i, item) in self.items.iter().enumerate() {
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
