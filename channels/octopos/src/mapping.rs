//! Octopos JSON -> core types. ASSUMED FORMAT: no public Octopos documentation exists; this is
//! modelled on a Serbian fiscal receipt (SUF/PFR fields: fiscal number, invoice and
//! transaction types, VAT labels) as described in the crate README. When a real account shows
//! the actual payload, correct it here; nothing else in the crate reads Octopos's JSON.
//!
//! Money arrives as decimal strings (`"690.00"`) and is converted exactly, never through a
//! float. Quantities have three decimals (`"2.000"`, `"0.250"` kg).

use chrono::{DateTime, Utc};
use regulars_core::money::{Currency, Money};
use regulars_core::pos::payload::{decimal_2, decimal_3, from_value};
use regulars_core::pos::{
    GuestRef, PosDiscount, PosError, PosPayload, PosPurchase, PosRefund, RefundLine, RefundLines, SaleLimits,
};
use regulars_core::purchase::LineItem;
use serde::Deserialize;

/// The only event that carries a sale or a refund.
pub const RECEIPT_FISCALIZED: &str = "receipt.fiscalized";

/// The whole delivery: `{"event", "location_id", "receipt"}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Delivery {
    event: String,
    #[serde(default)]
    location_id: Option<String>,
    /// Read once `event` says it is a receipt, so other events need not carry one.
    #[serde(default)]
    receipt: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Receipt {
    /// Octopos's own running number; informational (the fiscal number is the unique key).
    #[expect(dead_code, reason = "documented in the assumed format; kept for logs once needed")]
    receipt_number: String,
    /// The number the fiscal processor (PFR) assigned: unique nationwide.
    fiscal_number: String,
    /// `Normal`; `Training`, `Copy`, `ProForma`, `Advance` are not sales.
    invoice_type: String,
    /// `Sale` or `Refund`.
    transaction_type: String,
    /// For a refund: the fiscal number of the sale it refunds.
    #[serde(default)]
    referent_document_number: Option<String>,
    issued_at: DateTime<Utc>,
    #[serde(default = "dinar")]
    currency: Currency,
    items: Vec<Item>,
    #[serde(deserialize_with = "decimal_2")]
    total: i64,
    #[serde(default)]
    loyalty: Option<Loyalty>,
}

fn dinar() -> Currency {
    Currency::new("RSD").unwrap_or_else(|_| unreachable!("RSD is a valid code"))
}

#[derive(Debug, Deserialize)]
struct Item {
    code: String,
    name: String,
    #[serde(default)]
    group: Option<String>,
    /// Thousandths.
    #[serde(deserialize_with = "decimal_3")]
    quantity: i64,
    #[serde(deserialize_with = "decimal_2")]
    unit_price: i64,
    #[serde(default, deserialize_with = "decimal_2")]
    discount: i64,
    /// The line's amount after its discount.
    #[serde(deserialize_with = "decimal_2")]
    total: i64,
    /// VAT labels (`Ђ` 20 %, `Е` 10 %, ...): read for completeness, not used by loyalty rules.
    #[serde(default)]
    #[expect(dead_code, reason = "part of the assumed format; rules do not use VAT")]
    labels: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Loyalty {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    reward_code: Option<String>,
}

/// The core payload of a delivery received at `received_at`, checked against the source's
/// `limits`.
pub(crate) fn to_payload(
    delivery: Delivery,
    limits: &SaleLimits,
    received_at: DateTime<Utc>,
) -> Result<PosPayload, PosError> {
    if delivery.event != RECEIPT_FISCALIZED {
        return Err(PosError::Unsupported { event_type: delivery.event });
    }
    let location = delivery.location_id.ok_or_else(|| PosError::invalid("location_id", "is required"))?;
    let receipt: Receipt =
        from_value(delivery.receipt.ok_or_else(|| PosError::invalid("receipt", "is required"))?, "receipt")?;
    if receipt.invoice_type != "Normal" {
        // Training and pro-forma receipts, copies and advances are not sales a guest earns on.
        return Err(PosError::Unsupported { event_type: format!("{RECEIPT_FISCALIZED}:{}", receipt.invoice_type) });
    }
    let lines = lines(&receipt)?;
    match receipt.transaction_type.as_str() {
        "Sale" => sale(receipt, location, lines, limits, received_at),
        "Refund" => refund(receipt, location, &lines, limits, received_at),
        _ => Err(PosError::invalid("receipt.transaction_type", "expected `Sale` or `Refund`")),
    }
}

/// Receipt lines as core lines plus their discounts, checked against the receipt's totals.
fn lines(receipt: &Receipt) -> Result<Vec<(LineItem, i64)>, PosError> {
    let mut out = Vec::with_capacity(receipt.items.len());
    let mut sum: i64 = 0;
    for (i, item) in receipt.items.iter().enumerate() {
        let field = |name: &str| format!("receipt.items[{i}].{name}");
        if item.quantity <= 0 {
            return Err(PosError::invalid(
                field("quantity"),
                "must be positive (refund receipts list positive quantities)",
            ));
        }
        for (name, value) in [("unit_price", item.unit_price), ("discount", item.discount), ("total", item.total)] {
            if value < 0 {
                return Err(PosError::invalid(field(name), "must not be negative"));
            }
        }
        let gross =
            item.total.checked_add(item.discount).ok_or_else(|| PosError::invalid(field("total"), "is too large"))?;
        // Whole units keep their unit price; a weighed quantity (0.250 kg) becomes one unit
        // priced at the line's value, so amounts stay exact.
        let (quantity, unit_price_minor) = if item.quantity % 1000 == 0 {
            let units = u32::try_from(item.quantity / 1000)
                .map_err(|_| PosError::invalid(field("quantity"), "is too large"))?;
            let expected = i64::from(units).checked_mul(item.unit_price);
            if expected != Some(gross) {
                return Err(PosError::invalid(field("total"), "is not quantity × unit_price − discount"));
            }
            (units, item.unit_price)
        } else {
            // The POS rounds the weighed amount to the para; allow exactly that rounding.
            let exact = i128::from(item.quantity) * i128::from(item.unit_price);
            if (exact - i128::from(gross) * 1000).abs() >= 1000 {
                return Err(PosError::invalid(field("total"), "is not quantity × unit_price − discount"));
            }
            (1, gross)
        };
        sum = sum.checked_add(item.total).ok_or_else(|| PosError::invalid("receipt.total", "is too large"))?;
        let line = LineItem {
            sku: item.code.clone(),
            name: item.name.clone(),
            category: item.group.clone(),
            quantity,
            unit_price_minor,
        };
        out.push((line, item.discount));
    }
    if sum != receipt.total {
        return Err(PosError::invalid("receipt.total", "is not the sum of the items' totals"));
    }
    Ok(out)
}

fn sale(
    receipt: Receipt,
    location: String,
    lines: Vec<(LineItem, i64)>,
    limits: &SaleLimits,
    received_at: DateTime<Utc>,
) -> Result<PosPayload, PosError> {
    let (code, reward_code) = receipt.loyalty.map_or((None, None), |l| (l.code, l.reward_code));
    let discounts = lines
        .iter()
        .filter(|(_, d)| *d > 0)
        .map(|(line, d)| PosDiscount { name: format!("{} discount", line.name), amount_minor: *d })
        .collect();
    let purchase = PosPurchase {
        receipt_id: receipt.fiscal_number,
        cafe_ref: location,
        guest: guest(code.as_deref())?,
        total: Money::new(receipt.total, receipt.currency),
        items: lines.into_iter().map(|(line, _)| line).collect(),
        discounts,
        occurred_at: receipt.issued_at,
        reward_code,
    };
    purchase.validate("").map_err(|e| rename(e, "receipt.fiscal_number"))?;
    purchase.check_limits(limits, received_at, "").map_err(|e| rename(e, "receipt.fiscal_number"))?;
    Ok(PosPayload::PurchaseCompleted(purchase))
}

fn refund(
    receipt: Receipt,
    location: String,
    lines: &[(LineItem, i64)],
    limits: &SaleLimits,
    received_at: DateTime<Utc>,
) -> Result<PosPayload, PosError> {
    let sale = receipt
        .referent_document_number
        .ok_or_else(|| PosError::invalid("receipt.referent_document_number", "a refund names the sale it refunds"))?;
    let mut refunded: Vec<RefundLine> = Vec::new();
    for (line, _) in lines {
        match refunded.iter_mut().find(|r| r.sku == line.sku) {
            Some(r) => r.quantity = r.quantity.saturating_add(line.quantity),
            None => refunded.push(RefundLine { sku: line.sku.clone(), quantity: line.quantity }),
        }
    }
    let refund = PosRefund {
        receipt_id: sale,
        // The refund receipt's own fiscal number: the same refund re-sent reverses once.
        refund_id: receipt.fiscal_number,
        cafe_ref: location,
        lines: RefundLines::Some(refunded),
        // A fiscal refund receipt states what was paid back; that is the amount.
        amount: Some(Money::new(receipt.total, receipt.currency)),
        occurred_at: receipt.issued_at,
    };
    refund.validate("").map_err(|e| rename(e, "receipt.referent_document_number"))?;
    refund.check_limits(limits, received_at, "").map_err(|e| rename(e, "receipt.referent_document_number"))?;
    Ok(PosPayload::PurchaseRefunded(refund))
}

/// The loyalty code field holds whatever the cashier scanned or typed.
fn guest(code: Option<&str>) -> Result<GuestRef, PosError> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(GuestRef::None) };
    // `get` rather than slicing: the text may start with a multi-byte character.
    if code.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("RG1")) || code.contains('.') {
        Ok(GuestRef::QrPayload(code.to_owned()))
    } else if code.starts_with('+') {
        Ok(GuestRef::Phone(code.to_owned()))
    } else if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(GuestRef::TypedCode(code.to_owned()))
    } else {
        Err(PosError::invalid(
            "receipt.loyalty.code",
            "expected the scanned card (RG1.…), the card's 6 digits or a phone number (+381…)",
        ))
    }
}

/// Names a core validation failure by the Octopos field it comes from.
fn rename(error: PosError, receipt_id_field: &str) -> PosError {
    let PosError::InvalidPayload { field, reason } = error else { return error };
    let octopos = match field.as_str() {
        "receipt_id" => receipt_id_field.to_owned(),
        "refund_id" => "receipt.fiscal_number".to_owned(),
        "cafe" => "location_id".to_owned(),
        "guest" => "receipt.loyalty.code".to_owned(),
        "reward_code" => "receipt.loyalty.reward_code".to_owned(),
        "total" | "amount" => "receipt.total".to_owned(),
        "occurred_at" => "receipt.issued_at".to_owned(),
        f if f.starts_with("items[") => {
            format!("receipt.{}", f.replace(".sku", ".code").replace(".category", ".group"))
        }
        // Refunded lines are the refund receipt's items, merged by article code.
        _ => "receipt.items".to_owned(),
    };
    PosError::InvalidPayload { field: octopos, reason }
}
