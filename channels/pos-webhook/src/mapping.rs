//! The generic contract's JSON <-> core types. The README shows both events in full.

use chrono::{DateTime, Utc};
use regulars_core::guest::GuestPublicId;
use regulars_core::money::{Currency, Money};
use regulars_core::pos::payload::{DATA, Envelope, from_value};
use regulars_core::pos::{
    GuestRef, PosDiscount, PosError, PosPayload, PosPurchase, PosRefund, RefundLine, RefundLines, SaleLimits,
};
use regulars_core::purchase::LineItem;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// `purchase.completed`.
pub const PURCHASE_COMPLETED: &str = "purchase.completed";
/// `purchase.refunded`.
pub const PURCHASE_REFUNDED: &str = "purchase.refunded";

/// `data` of `purchase.completed`.
#[derive(Debug, Serialize, Deserialize)]
struct PurchaseData {
    receipt_id: String,
    cafe: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    guest: Option<GuestData>,
    total_minor: i64,
    currency: Currency,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    items: Vec<ItemData>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    discounts: Vec<DiscountData>,
    occurred_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reward_code: Option<String>,
}

/// Exactly one way of naming the guest.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum GuestData {
    QrPayload(String),
    Code(String),
    Phone(String),
    PublicId(GuestPublicId),
}

#[derive(Debug, Serialize, Deserialize)]
struct ItemData {
    sku: String,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    quantity: u32,
    unit_price_minor: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct DiscountData {
    name: String,
    amount_minor: i64,
}

/// `data` of `purchase.refunded`.
#[derive(Debug, Serialize, Deserialize)]
struct RefundData {
    receipt_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refund_id: Option<String>,
    cafe: String,
    lines: LinesData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    amount_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    currency: Option<Currency>,
    occurred_at: DateTime<Utc>,
}

/// `"all"` or `[{"sku", "quantity"}, ...]`.
#[derive(Debug)]
struct LinesData(RefundLines);

#[derive(Debug, Serialize, Deserialize)]
struct LineData {
    sku: String,
    quantity: u32,
}

impl Serialize for LinesData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            RefundLines::All => s.serialize_str("all"),
            RefundLines::Some(lines) => {
                s.collect_seq(lines.iter().map(|l| LineData { sku: l.sku.clone(), quantity: l.quantity }))
            }
        }
    }
}

impl<'de> Deserialize<'de> for LinesData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Lines;
        impl<'de> Visitor<'de> for Lines {
            type Value = LinesData;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("\"all\" or an array of {\"sku\", \"quantity\"}")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<LinesData, E> {
                if v == "all" {
                    Ok(LinesData(RefundLines::All))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LinesData, A::Error> {
                let mut lines = Vec::new();
                while let Some(LineData { sku, quantity }) = seq.next_element()? {
                    lines.push(RefundLine { sku, quantity });
                }
                Ok(LinesData(RefundLines::Some(lines)))
            }
        }
        d.deserialize_any(Lines)
    }
}

/// Field paths in errors start with `data.`, as in the POS's JSON.
const PREFIX: &str = "data.";

/// The core payload of an envelope received at `received_at`, checked against the source's
/// `limits`; `delivery_id` stands in for a missing `refund_id`.
pub(crate) fn to_payload(
    envelope: Envelope,
    delivery_id: &str,
    limits: &SaleLimits,
    received_at: DateTime<Utc>,
) -> Result<PosPayload, PosError> {
    let Envelope { event_type, data } = envelope;
    match event_type.as_str() {
        PURCHASE_COMPLETED => {
            let purchase = purchase_from(from_value(data, DATA)?);
            purchase.validate(PREFIX).map_err(json_name)?;
            purchase.check_limits(limits, received_at, PREFIX).map_err(json_name)?;
            Ok(PosPayload::PurchaseCompleted(purchase))
        }
        PURCHASE_REFUNDED => {
            let refund = refund_from(from_value(data, DATA)?, delivery_id)?;
            refund.validate(PREFIX).map_err(json_name)?;
            refund.check_limits(limits, received_at, PREFIX).map_err(json_name)?;
            Ok(PosPayload::PurchaseRefunded(refund))
        }
        other => Err(PosError::Unsupported { event_type: other.to_owned() }),
    }
}

/// Names a core check's failure by the contract's key: core calls the amounts `total`,
/// `unit_price` and `amount`, the contract's keys carry `_minor`.
fn json_name(error: PosError) -> PosError {
    let PosError::InvalidPayload { field, reason } = error else { return error };
    let field = match field.strip_prefix(PREFIX) {
        Some(name @ ("total" | "amount")) => format!("{PREFIX}{name}_minor"),
        Some(name) if name.ends_with(".unit_price") || name.ends_with(".amount") => format!("{field}_minor"),
        _ => field,
    };
    PosError::InvalidPayload { field, reason }
}

fn purchase_from(d: PurchaseData) -> PosPurchase {
    PosPurchase {
        receipt_id: d.receipt_id,
        cafe_ref: d.cafe,
        guest: match d.guest {
            None => GuestRef::None,
            Some(GuestData::QrPayload(text)) => GuestRef::QrPayload(text),
            Some(GuestData::Code(code)) => GuestRef::TypedCode(code),
            Some(GuestData::Phone(phone)) => GuestRef::Phone(phone),
            Some(GuestData::PublicId(id)) => GuestRef::PublicId(id),
        },
        total: Money::new(d.total_minor, d.currency),
        items: d
            .items
            .into_iter()
            .map(|i| LineItem {
                sku: i.sku,
                name: i.name,
                category: i.category,
                quantity: i.quantity,
                unit_price_minor: i.unit_price_minor,
            })
            .collect(),
        discounts: d
            .discounts
            .into_iter()
            .map(|x| PosDiscount { name: x.name, amount_minor: x.amount_minor })
            .collect(),
        occurred_at: d.occurred_at,
        reward_code: d.reward_code,
    }
}

fn refund_from(d: RefundData, delivery_id: &str) -> Result<PosRefund, PosError> {
    let amount = match (d.amount_minor, d.currency) {
        (Some(minor), Some(currency)) => Some(Money::new(minor, currency)),
        (None, None) => None,
        (Some(_), None) => return Err(PosError::invalid("data.currency", "is required with amount_minor")),
        (None, Some(_)) => return Err(PosError::invalid("data.amount_minor", "is required with currency")),
    };
    Ok(PosRefund {
        receipt_id: d.receipt_id,
        refund_id: d.refund_id.unwrap_or_else(|| delivery_id.to_owned()),
        cafe_ref: d.cafe,
        lines: d.lines.0,
        amount,
        occurred_at: d.occurred_at,
    })
}

/// The body a POS following the generic contract sends for `payload`: what the
/// `regulars pos send` helper, the benchmark and tests post.
#[must_use]
pub fn to_body(payload: &PosPayload) -> Vec<u8> {
    #[derive(Serialize)]
    struct Out<'a, T: Serialize> {
        #[serde(rename = "type")]
        event_type: &'a str,
        timestamp: DateTime<Utc>,
        data: T,
    }
    let out = match payload {
        PosPayload::PurchaseCompleted(p) => serde_json::to_vec(&Out {
            event_type: PURCHASE_COMPLETED,
            timestamp: p.occurred_at,
            data: PurchaseData {
                receipt_id: p.receipt_id.clone(),
                cafe: p.cafe_ref.clone(),
                guest: match &p.guest {
                    GuestRef::None => None,
                    GuestRef::QrPayload(t) => Some(GuestData::QrPayload(t.clone())),
                    GuestRef::TypedCode(c) => Some(GuestData::Code(c.clone())),
                    GuestRef::Phone(t) => Some(GuestData::Phone(t.clone())),
                    GuestRef::PublicId(id) => Some(GuestData::PublicId(id.clone())),
                },
                total_minor: p.total.minor,
                currency: p.total.currency,
                items: p
                    .items
                    .iter()
                    .map(|i| ItemData {
                        sku: i.sku.clone(),
                        name: i.name.clone(),
                        category: i.category.clone(),
                        quantity: i.quantity,
                        unit_price_minor: i.unit_price_minor,
                    })
                    .collect(),
                discounts: p
                    .discounts
                    .iter()
                    .map(|d| DiscountData { name: d.name.clone(), amount_minor: d.amount_minor })
                    .collect(),
                occurred_at: p.occurred_at,
                reward_code: p.reward_code.clone(),
            },
        }),
        PosPayload::PurchaseRefunded(r) => serde_json::to_vec(&Out {
            event_type: PURCHASE_REFUNDED,
            timestamp: r.occurred_at,
            data: RefundData {
                receipt_id: r.receipt_id.clone(),
                refund_id: Some(r.refund_id.clone()),
                cafe: r.cafe_ref.clone(),
                lines: LinesData(r.lines.clone()),
                amount_minor: r.amount.map(|a| a.minor),
                currency: r.amount.map(|a| a.currency),
                occurred_at: r.occurred_at,
            },
        }),
    };
    // Serializing these plain structs cannot fail: every map key is a string.
    out.unwrap_or_default()
}
