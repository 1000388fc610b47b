//! `regulars pos send`: posts one correctly signed purchase (or refund) to a running server,
//! the way a till following the generic POS contract would, and prints both sides of the
//! exchange. For newcomers trying the webhook, and for demonstrating retries and refunds.
//!
//! ```text
//! regulars pos send                                    # one cappuccino at dorcol, anonymous
//! regulars pos send --guest phone:+381601234567 --item ESP:Espresso:coffee:2:25000
//! regulars pos send --receipt R-1 --webhook-id msg_1   # run twice: the second is a duplicate
//! regulars pos send --refund R-1 --lines CAP:1         # refund one cappuccino of R-1
//! ```
//!
//! Flags:
//! - `--url` (env `REGULARS_POS_URL`): the server, default `http://127.0.0.1:8080`; the request goes
//!   to `<url>/pos/<source>/webhook`. Plain HTTP only.
//! - `--source` (env `REGULARS_POS_SOURCE`): the POS source's name, default `demo`.
//! - `--secret` (env `REGULARS_POS_SECRET`): its `whsec_` secret, default the demo chain's. Never
//!   printed (the signature it makes is).
//! - `--cafe`: the POS's cafe reference, default `dorcol` (the demo chain also has `vracar`).
//! - `--receipt`: the receipt id, default `R-<unix ms>`.
//! - `--guest KIND:VALUE`: `public_id:<12 chars>`, `phone:+381...`, `code:<6 digits>` or
//!   `qr:RG1....`; without it the sale is anonymous.
//! - `--item SKU:NAME:CATEGORY:QTY:UNIT_PRICE_MINOR`, repeatable (category may be empty),
//!   default `CAP:Cappuccino:coffee:1:29000`.
//! - `--discount NAME:AMOUNT_MINOR`, repeatable: what the till took off the lines (a happy
//!   hour, a redeemed reward: `--discount Reward:29000` makes the default cappuccino free).
//! - `--total MINOR`: the net amount paid, default the sum of the items less the discounts; a
//!   total that is not that sum is refused before sending, naming the difference.
//! - `--currency`: default `RSD`.
//! - `--reward-code CODE`: a reward redeemed with the sale.
//! - `--webhook-id ID`: the delivery id, default generated; send the same again to see a retry
//!   recorded once.
//! - `--refund RECEIPT`: send `purchase.refunded` for that receipt instead, with
//!   `--lines all|SKU:QTY,SKU:QTY` (default `all`) and `--refund-id` (default `RF-<unix ms>`).
//!
//! The command exits non-zero, with the server's message, on any answer other than 2xx.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use rand::RngCore as _;
use regulars_core::guest::GuestPublicId;
use regulars_core::money::{Currency, Money};
use regulars_core::pos::signature::{HeaderNames, WebhookSecret, sign};
use regulars_core::pos::{
    GuestRef, MAX_ID_LEN, PosDiscount, PosPayload, PosPurchase, PosRefund, RefundLine, RefundLines,
    validate_source_name,
};
use regulars_core::purchase::LineItem;

/// The demo chain's secret (public: it is in the POS contract's README).
pub const DEMO_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// The item sent when no `--item` is given.
pub const DEFAULT_ITEM: &str = "CAP:Cappuccino:coffee:1:29000";

/// How long to wait for the server's answer.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Flags of `regulars pos send`; see the [module docs](self).
#[derive(Debug, Clone, clap::Args)]
pub struct PosSend {
    /// The server; the request goes to `<url>/pos/<source>/webhook`.
    #[arg(long, env = "REGULARS_POS_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The POS source's name, as configured on the server.
    #[arg(long, env = "REGULARS_POS_SOURCE", default_value = "demo")]
    pub source: String,
    /// The source's `whsec_` secret (default: the demo chain's).
    #[arg(
        long,
        env = "REGULARS_POS_SECRET",
        default_value = DEMO_SECRET,
        hide_default_value = true,
        hide_env_values = true,
        value_parser = parse_secret,
    )]
    pub secret: WebhookSecret,
    /// The POS's reference of the cafe.
    #[arg(long, default_value = "dorcol")]
    pub cafe: String,
    /// The receipt id (default: `R-<unix ms>`).
    #[arg(long, value_name = "RECEIPT_ID", value_parser = parse_id)]
    pub receipt: Option<String>,
    /// Who bought: `public_id:ID`, `phone:+381...`, `code:123456` or `qr:RG1....` (default: nobody).
    #[arg(long, value_name = "KIND:VALUE", value_parser = parse_guest)]
    pub guest: Option<GuestRef>,
    /// A receipt line, repeatable; CATEGORY may be empty (default: `CAP:Cappuccino:coffee:1:29000`).
    #[arg(long = "item", value_name = "SKU:NAME:CATEGORY:QTY:UNIT_PRICE_MINOR", value_parser = parse_item)]
    pub items: Vec<LineItem>,
    /// A discount the till applied, repeatable: `NAME:AMOUNT_MINOR` (`Reward:29000`).
    #[arg(long = "discount", value_name = "NAME:AMOUNT_MINOR", value_parser = parse_discount)]
    pub discounts: Vec<PosDiscount>,
    /// Net amount paid in minor units (default: the sum of the items less the discounts).
    #[arg(long, value_name = "MINOR")]
    pub total: Option<i64>,
    /// ISO 4217 currency of the amounts.
    #[arg(long, default_value = "RSD", value_parser = parse_currency)]
    pub currency: Currency,
    /// A reward code the guest redeemed with this sale.
    #[arg(long, value_name = "CODE")]
    pub reward_code: Option<String>,
    /// The delivery id; send the same one again to demonstrate a retry (default: generated).
    #[arg(long, value_name = "ID", value_parser = parse_id)]
    pub webhook_id: Option<String>,
    /// Send `purchase.refunded` for this receipt instead of a purchase.
    #[arg(
        long,
        value_name = "RECEIPT_ID",
        value_parser = parse_id,
        conflicts_with_all = ["receipt", "guest", "items", "discounts", "total", "reward_code"],
    )]
    pub refund: Option<String>,
    /// With `--refund`: `all` or `SKU:QTY,SKU:QTY` (default: all).
    #[arg(long, value_name = "all|SKU:QTY,...", requires = "refund", value_parser = parse_lines)]
    pub lines: Option<RefundLines>,
    /// With `--refund`: the POS's id of the refund (default: `RF-<unix ms>`).
    #[arg(long, value_name = "ID", requires = "refund", value_parser = parse_id)]
    pub refund_id: Option<String>,
}

fn parse_secret(text: &str) -> Result<WebhookSecret, String> {
    // The core error names the field without echoing the value.
    WebhookSecret::parse(text).map_err(|e| e.to_string())
}

fn parse_currency(text: &str) -> Result<Currency, String> {
    Currency::new(text).map_err(|_| "expected an ISO 4217 code such as RSD or EUR".to_owned())
}

/// A receipt, refund or delivery id: what the contract accepts.
fn parse_id(text: &str) -> Result<String, String> {
    if text.is_empty() || text.len() > MAX_ID_LEN || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("use 1-128 printable ASCII characters without spaces".to_owned());
    }
    Ok(text.to_owned())
}

fn parse_guest(text: &str) -> Result<GuestRef, String> {
    let kinds = "expected public_id:ID, phone:+381..., code:123456 or qr:RG1....";
    let (kind, value) = text.split_once(':').ok_or(kinds)?;
    let guest = match kind {
        "public_id" => GuestRef::PublicId(GuestPublicId::parse(value).map_err(|_| {
            format!("`{value}` is not a guest public id (12 characters, as printed under the card QR)")
        })?),
        "phone" => GuestRef::Phone(value.to_owned()),
        "code" => GuestRef::TypedCode(value.to_owned()),
        "qr" => GuestRef::QrPayload(value.to_owned()),
        other => return Err(format!("unknown kind `{other}`: {kinds}")),
    };
    guest.validate(kind).map_err(|e| e.to_string())?;
    Ok(guest)
}

fn parse_item(text: &str) -> Result<LineItem, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let [sku, name, category, quantity, price] = parts[..] else {
        return Err(format!(
            "expected SKU:NAME:CATEGORY:QTY:UNIT_PRICE_MINOR (5 parts, CATEGORY may be empty), got {} parts",
            parts.len()
        ));
    };
    if sku.is_empty() || name.is_empty() {
        return Err("SKU and NAME must not be empty".to_owned());
    }
    let quantity: u32 = quantity
        .parse()
        .ok()
        .filter(|q| *q > 0)
        .ok_or_else(|| format!("QTY `{quantity}` is not a positive whole number"))?;
    let unit_price_minor: i64 =
        price.parse().ok().filter(|p| *p >= 0).ok_or_else(|| {
            format!("UNIT_PRICE_MINOR `{price}` is not a whole number of minor units (29000 = 290.00)")
        })?;
    Ok(LineItem {
        sku: sku.to_owned(),
        name: name.to_owned(),
        category: (!category.is_empty()).then(|| category.to_owned()),
        quantity,
        unit_price_minor,
    })
}

fn parse_discount(text: &str) -> Result<PosDiscount, String> {
    let (name, amount) =
        text.rsplit_once(':').ok_or_else(|| format!("expected NAME:AMOUNT_MINOR (`Reward:29000`), got `{text}`"))?;
    if name.trim().is_empty() {
        return Err("NAME must not be empty".to_owned());
    }
    let amount_minor: i64 = amount
        .parse()
        .ok()
        .filter(|a| *a >= 0)
        .ok_or_else(|| format!("AMOUNT_MINOR `{amount}` is not a whole number of minor units (29000 = 290.00)"))?;
    Ok(PosDiscount { name: name.to_owned(), amount_minor })
}

fn parse_lines(text: &str) -> Result<RefundLines, String> {
    if text == "all" {
        return Ok(RefundLines::All);
    }
    text.split(',')
        .map(|part| {
            let (sku, quantity) = part.split_once(':').ok_or_else(|| format!("`{part}`: expected SKU:QTY or all"))?;
            let quantity = quantity
                .parse()
                .ok()
                .filter(|q: &u32| *q > 0)
                .ok_or_else(|| format!("`{part}`: QTY must be a positive whole number"))?;
            if sku.is_empty() {
                return Err(format!("`{part}`: SKU must not be empty"));
            }
            Ok(RefundLine { sku: sku.to_owned(), quantity })
        })
        .collect::<Result<_, _>>()
        .map(RefundLines::Some)
}

/// The event the flags describe, happening at `now`.
///
/// # Errors
/// When the items' or the discounts' sum does not fit in 64 bits, the discounts exceed the
/// items, or `--total` is not the items less the discounts (each naming the flag to change).
pub fn build_payload(args: &PosSend, now: DateTime<Utc>) -> anyhow::Result<PosPayload> {
    let ms = now.timestamp_millis();
    // Whole seconds read better in the printed body; the contract accepts either.
    let occurred_at = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    if let Some(receipt_id) = &args.refund {
        return Ok(PosPayload::PurchaseRefunded(PosRefund {
            receipt_id: receipt_id.clone(),
            refund_id: args.refund_id.clone().unwrap_or_else(|| format!("RF-{ms}")),
            cafe_ref: args.cafe.clone(),
            lines: args.lines.clone().unwrap_or(RefundLines::All),
            amount: None,
            occurred_at,
        }));
    }
    let items = if args.items.is_empty() {
        vec![parse_item(DEFAULT_ITEM).map_err(anyhow::Error::msg)?]
    } else {
        args.items.clone()
    };
    let lines = items
        .iter()
        .try_fold(0i64, |sum, i| i64::from(i.quantity).checked_mul(i.unit_price_minor)?.checked_add(sum))
        .context("--item: the items' sum is too large")?;
    let discounts = args.discounts.iter().try_fold(0i64, |sum, d| sum.checked_add(d.amount_minor));
    let net = discounts.and_then(|d| lines.checked_sub(d)).context("--discount: the discounts' sum is too large")?;
    if net < 0 {
        bail!("--discount: the discounts ({}) are more than the items ({lines})", lines - net);
    }
    // The contract wants lines minus discounts to equal the total. Say which flag is short
    // here, where the cashier's intent is known, instead of sending what the server can only
    // call a mismatch of the lines.
    let total = match args.total {
        None => net,
        Some(total) if total == net => total,
        Some(total) if total < net => bail!(
            "--total {total} is {} less than the items ({lines}) less the discounts ({}): add what the till took \
             off as --discount NAME:{}, or leave --total out",
            net - total,
            lines - net,
            net - total,
        ),
        Some(total) => bail!(
            "--total {total} is {} more than the items ({lines}) less the discounts ({}): add the missing --item, \
             or leave --total out",
            total - net,
            lines - net,
        ),
    };
    Ok(PosPayload::PurchaseCompleted(PosPurchase {
        receipt_id: args.receipt.clone().unwrap_or_else(|| format!("R-{ms}")),
        cafe_ref: args.cafe.clone(),
        guest: args.guest.clone().unwrap_or(GuestRef::None),
        total: Money::new(total, args.currency),
        items,
        discounts: args.discounts.clone(),
        occurred_at,
        reward_code: args.reward_code.clone(),
    }))
}

/// `<url>/pos/<source>/webhook`.
///
/// # Errors
/// A bad `--source` name, or an `--url` that is not plain `http://`.
pub fn webhook_url(url: &str, source: &str) -> anyhow::Result<String> {
    validate_source_name(source)
        .map_err(|_| anyhow::anyhow!("--source: `{source}` is not a source name: use 1-32 of a-z, 0-9, `-`, `_`"))?;
    if url.starts_with("https://") {
        bail!("--url: https is not supported by this helper (it talks plain HTTP to a local server); use http://");
    }
    if !url.starts_with("http://") {
        bail!("--url: expected http://host:port, got `{url}`");
    }
    Ok(format!("{}/pos/{source}/webhook", url.trim_end_matches('/')))
}

/// A delivery built and signed, ready to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDelivery {
    /// Where it goes.
    pub url: String,
    /// `webhook-id`.
    pub webhook_id: String,
    /// `webhook-timestamp`, unix seconds.
    pub timestamp: i64,
    /// `webhook-signature`: `v1,<base64>`.
    pub signature: String,
    /// The exact bytes signed and sent.
    pub body: Vec<u8>,
}

/// Builds and signs the delivery the flags describe, at `now`.
///
/// # Errors
/// As [`build_payload`] and [`webhook_url`].
pub fn prepare(args: &PosSend, now: DateTime<Utc>) -> anyhow::Result<SignedDelivery> {
    let url = webhook_url(&args.url, &args.source)?;
    let body = regulars_pos_webhook::to_body(&build_payload(args, now)?);
    let webhook_id = args
        .webhook_id
        .clone()
        .unwrap_or_else(|| format!("msg_{}_{:08x}", now.timestamp_millis(), rand::rng().next_u32()));
    let timestamp = now.timestamp();
    let signature = sign(&args.secret, &webhook_id, timestamp, &body);
    Ok(SignedDelivery { url, webhook_id, timestamp, signature, body })
}

/// What the server answered (2xx).
#[derive(Debug, Clone)]
pub struct Sent {
    /// The delivery as sent.
    pub delivery: SignedDelivery,
    /// The HTTP status.
    pub status: u16,
    /// The answer's body.
    pub response: String,
}

/// Builds, signs and posts the delivery, printing the request and the answer to `out`.
///
/// # Errors
/// Bad flags, the server unreachable, or any answer other than 2xx (with the server's
/// message; the answer is printed first).
pub async fn send(args: &PosSend, out: &mut impl Write) -> anyhow::Result<Sent> {
    let delivery = prepare(args, Utc::now())?;
    let names = HeaderNames::STANDARD;
    writeln!(out, "POST {}", delivery.url)?;
    writeln!(out, "content-type: application/json")?;
    writeln!(out, "{}: {}", names.id, delivery.webhook_id)?;
    writeln!(out, "{}: {}", names.timestamp, delivery.timestamp)?;
    writeln!(out, "{}: {}", names.signature, delivery.signature)?;
    writeln!(out)?;
    writeln!(out, "{}", String::from_utf8_lossy(&delivery.body))?;
    writeln!(out)?;
    out.flush()?;

    let client = reqwest::Client::builder().timeout(TIMEOUT).build().context("setting up the HTTP client")?;
    let response = client
        .post(&delivery.url)
        .header("content-type", "application/json")
        .header(names.id, &delivery.webhook_id)
        .header(names.timestamp, delivery.timestamp)
        .header(names.signature, &delivery.signature)
        .body(delivery.body.clone())
        .send()
        .await
        .with_context(|| format!("cannot reach {} (is `regulars serve` running?)", delivery.url))?;
    let status = response.status();
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let text = response.text().await.context("reading the answer")?;
    writeln!(out, "HTTP {status}")?;
    if let Some(seconds) = &retry_after {
        writeln!(out, "retry-after: {seconds}")?;
    }
    let json = serde_json::from_str::<serde_json::Value>(&text).ok();
    match json.as_ref().and_then(|v| serde_json::to_string_pretty(v).ok()) {
        Some(pretty) => writeln!(out, "{pretty}")?,
        None if !text.is_empty() => writeln!(out, "{text}")?,
        None => {}
    }
    if !status.is_success() {
        bail!("the server answered {status}: {}", server_message(json.as_ref(), &text));
    }
    Ok(Sent { delivery, status: status.as_u16(), response: text })
}

/// The message of the server's error body (`{"error": {"message", "field"}}`), or its text.
fn server_message(json: Option<&serde_json::Value>, text: &str) -> String {
    let error = json.and_then(|v| v.get("error"));
    match error.and_then(|e| e.get("message")).and_then(|m| m.as_str()) {
        Some(message) => match error.and_then(|e| e.get("field")).and_then(|f| f.as_str()) {
            Some(field) if !message.contains(field) => format!("{message} (field `{field}`)"),
            _ => message.to_owned(),
        },
        None if text.trim().is_empty() => "no message".to_owned(),
        None => text.trim().chars().take(500).collect(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse as _, Response};
    use chrono::TimeZone as _;
    use clap::Parser;
    use regulars_core::pos::PosRequest;
    use regulars_core::pos::signature::{DEFAULT_TOLERANCE_SECS, WebhookVerifier};
    use serde_json::{Value, json};

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        send: PosSend,
    }

    fn parse(args: &[&str]) -> Result<PosSend, String> {
        Cli::try_parse_from(std::iter::once("send").chain(args.iter().copied()))
            .map(|cli| cli.send)
            .map_err(|e| e.to_string())
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 9, 29, 0).unwrap()
    }

    fn body_json(args: &PosSend) -> Value {
        serde_json::from_slice(&prepare(args, now()).unwrap().body).unwrap()
    }

    #[test]
    fn defaults_send_one_anonymous_cappuccino_to_the_demo_source() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.secret, WebhookSecret::parse(DEMO_SECRET).unwrap());
        assert!(!format!("{args:?}").contains("C2FVsBQIhrscChlQIMV"), "the secret is never printed");
        let delivery = prepare(&args, now()).unwrap();
        assert_eq!(delivery.url, "http://127.0.0.1:8080/pos/demo/webhook");
        assert!(delivery.webhook_id.starts_with("msg_1795166940000_"), "{}", delivery.webhook_id);
        assert_eq!(delivery.timestamp, 1_795_166_940);
        assert_eq!(
            body_json(&args),
            json!({
                "type": "purchase.completed",
                "timestamp": "2026-11-20T09:29:00Z",
                "data": {
                    "receipt_id": "R-1795166940000",
                    "cafe": "dorcol",
                    "total_minor": 29000,
                    "currency": "RSD",
                    "items": [{ "sku": "CAP", "name": "Cappuccino", "category": "coffee", "quantity": 1, "unit_price_minor": 29000 }],
                    "occurred_at": "2026-11-20T09:29:00Z",
                }
            })
        );
    }

    #[test]
    fn a_purchase_with_every_flag_matches_the_contract() {
        let args = parse(&[
            "--url=http://localhost:9000/",
            "--source=octo-1",
            "--cafe=vracar",
            "--receipt=R-2026-000123",
            "--guest=phone:+381601234567",
            "--item=ESP:Espresso:coffee:2:25000",
            "--item=CRO:Croissant::1:20000",
            "--discount=Happy hour:10000",
            "--total=60000",
            "--currency=EUR",
            "--reward-code=K7Q2-9XHM",
            "--webhook-id=msg_retry_1",
        ])
        .unwrap();
        let delivery = prepare(&args, now()).unwrap();
        assert_eq!(delivery.url, "http://localhost:9000/pos/octo-1/webhook");
        assert_eq!(delivery.webhook_id, "msg_retry_1");
        assert_eq!(delivery.signature, sign(&args.secret, "msg_retry_1", 1_795_166_940, &delivery.body));
        assert_eq!(
            body_json(&args),
            json!({
                "type": "purchase.completed",
                "timestamp": "2026-11-20T09:29:00Z",
                "data": {
                    "receipt_id": "R-2026-000123",
                    "cafe": "vracar",
                    "guest": { "phone": "+381601234567" },
                    "total_minor": 60000,
                    "currency": "EUR",
                    "items": [
                        { "sku": "ESP", "name": "Espresso", "category": "coffee", "quantity": 2, "unit_price_minor": 25000 },
                        { "sku": "CRO", "name": "Croissant", "quantity": 1, "unit_price_minor": 20000 }
                    ],
                    "discounts": [{ "name": "Happy hour", "amount_minor": 10000 }],
                    "occurred_at": "2026-11-20T09:29:00Z",
                    "reward_code": "K7Q2-9XHM"
                }
            })
        );
        // Without --total, the items' sum.
        let summed = parse(&["--item=ESP:Espresso:coffee:2:25000", "--item=CRO:Croissant::1:20000"]).unwrap();
        assert_eq!(body_json(&summed)["data"]["total_minor"], 70000);
    }

    #[test]
    fn a_free_item_is_a_discount_as_large_as_its_line() {
        let free = parse(&["--guest=phone:+381601234567", "--discount=Reward free-coffee:29000"]).unwrap();
        let body = body_json(&free);
        assert_eq!(body["data"]["total_minor"], 0, "{body}");
        assert_eq!(body["data"]["discounts"], json!([{ "name": "Reward free-coffee", "amount_minor": 29000 }]));
        let stated = parse(&["--discount=Reward:29000", "--total=0"]).unwrap();
        assert_eq!(body_json(&stated)["data"]["total_minor"], 0, "a stated total that adds up is kept");

        // A total the lines and discounts do not add up to names the flag that is short.
        let err = prepare(&parse(&["--total=0"]).unwrap(), now()).unwrap_err().to_string();
        assert!(err.starts_with("--total 0 is 29000 less than the items (29000)"), "{err}");
        assert!(err.contains("--discount NAME:29000"), "the way out is named: {err}");
        let err = prepare(&parse(&["--total=30000"]).unwrap(), now()).unwrap_err().to_string();
        assert!(err.starts_with("--total 30000 is 1000 more") && err.contains("--item"), "{err}");
        let err = prepare(&parse(&["--discount=Too much:30000"]).unwrap(), now()).unwrap_err().to_string();
        assert!(err.starts_with("--discount: the discounts (30000) are more than the items (29000)"), "{err}");
    }

    #[test]
    fn every_guest_kind_is_rendered() {
        for (flag, expected) in [
            ("public_id:7K3M9Q2XW8HR", json!({ "public_id": "7K3M9Q2XW8HR" })),
            ("phone:+381601234567", json!({ "phone": "+381601234567" })),
            ("code:123456", json!({ "code": "123456" })),
            ("qr:RG1.7K3M9Q2XW8HR.123456", json!({ "qr_payload": "RG1.7K3M9Q2XW8HR.123456" })),
        ] {
            let args = parse(&["--guest", flag]).unwrap();
            assert_eq!(body_json(&args)["data"]["guest"], expected, "{flag}");
        }
    }

    #[test]
    fn a_refund_matches_the_contract() {
        let args = parse(&["--refund=R-1", "--lines=ESP:1,CRO:2", "--refund-id=RF-7"]).unwrap();
        assert_eq!(
            body_json(&args),
            json!({
                "type": "purchase.refunded",
                "timestamp": "2026-11-20T09:29:00Z",
                "data": {
                    "receipt_id": "R-1",
                    "refund_id": "RF-7",
                    "cafe": "dorcol",
                    "lines": [{ "sku": "ESP", "quantity": 1 }, { "sku": "CRO", "quantity": 2 }],
                    "occurred_at": "2026-11-20T09:29:00Z"
                }
            })
        );
        let all = body_json(&parse(&["--refund", "R-1"]).unwrap());
        assert_eq!((&all["data"]["lines"], &all["data"]["refund_id"]), (&json!("all"), &json!("RF-1795166940000")));
    }

    #[test]
    fn bad_flags_are_refused_naming_the_flag() {
        for (args, flag, hint) in [
            (&["--item", "ESP:Espresso"][..], "--item", "5 parts"),
            (&["--item", "ESP:Espresso:coffee:0:100"], "--item", "QTY"),
            (&["--item", "ESP:Espresso:coffee:1:2.5"], "--item", "UNIT_PRICE_MINOR"),
            (&["--guest", "email:a@b.c"], "--guest", "unknown kind `email`"),
            (&["--guest", "+381601234567"], "--guest", "phone:+381"),
            (&["--guest", "phone:0601234567"], "--guest", "E.164"),
            (&["--guest", "code:12345"], "--guest", "6 digits"),
            (&["--guest", "public_id:nope"], "--guest", "public id"),
            (&["--secret", "whsec_short"], "--secret", "secret"),
            (&["--currency", "dinar"], "--currency", "ISO 4217"),
            (&["--webhook-id", "has space"], "--webhook-id", "printable"),
            (&["--lines", "all"], "--refund", ""),
            (&["--refund", "R-1", "--lines", "ESP"], "--lines", "SKU:QTY"),
            (&["--refund", "R-1", "--item", "A:B::1:1"], "--item", "cannot be used with"),
            (&["--discount", "Reward"], "--discount", "NAME:AMOUNT_MINOR"),
            (&["--discount", ":100"], "--discount", "NAME must not be empty"),
            (&["--discount", "Reward:-5"], "--discount", "AMOUNT_MINOR"),
            (&["--refund", "R-1", "--discount", "A:1"], "--discount", "cannot be used with"),
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.contains(flag) && err.contains(hint), "{args:?}: {err}");
        }
        let bad_source = parse(&["--source", "Demo Chain"]).unwrap();
        assert!(prepare(&bad_source, now()).unwrap_err().to_string().starts_with("--source"));
        let https = parse(&["--url", "https://regulars.example"]).unwrap();
        assert!(prepare(&https, now()).unwrap_err().to_string().starts_with("--url"));
    }

    /// A receiver that verifies the signature like the server and answers a canned body.
    async fn serve() -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app =
            axum::Router::new().route("/pos/{source}/webhook", axum::routing::post(webhook)).with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (format!("http://{addr}"), seen)
    }

    async fn webhook(
        State(seen): State<Arc<Mutex<Vec<Vec<u8>>>>>,
        Path(source): Path<String>,
        headers: HeaderMap,
        body: axum::body::Bytes,
    ) -> Response {
        let verifier =
            WebhookVerifier::new(vec![WebhookSecret::parse(DEMO_SECRET).unwrap()], DEFAULT_TOLERANCE_SECS).unwrap();
        let mut request = PosRequest::new(body.to_vec(), Utc::now());
        for (name, value) in &headers {
            request.headers.append(name.as_str(), value.to_str().unwrap());
        }
        if let Err(e) = verifier.verify(&request) {
            return (StatusCode::UNAUTHORIZED, axum::Json(json!({ "error": { "message": e.to_string() } })))
                .into_response();
        }
        assert_eq!(headers["content-type"], "application/json");
        seen.lock().unwrap().push(body.to_vec());
        if source != "demo" {
            let error = json!({ "error": { "kind": "invalid_input", "message": "invalid data.cafe: unknown cafe `dorcol`", "field": "data.cafe" } });
            return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(error)).into_response();
        }
        axum::Json(json!({ "duplicate": false, "purchase_id": "pur_1" })).into_response()
    }

    #[tokio::test]
    async fn sends_a_signed_purchase_and_prints_the_exchange() {
        let (url, seen) = serve().await;
        let args = parse(&["--url", &url, "--receipt", "R-e2e"]).unwrap();
        let mut out = Vec::new();
        let sent = send(&args, &mut out).await.unwrap();

        assert_eq!(sent.status, 200);
        assert_eq!(*seen.lock().unwrap(), vec![sent.delivery.body.clone()], "the server saw the exact body");
        let printed: Value = serde_json::from_slice(&sent.delivery.body).unwrap();
        assert_eq!(printed["data"]["receipt_id"], "R-e2e");
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with(&format!("POST {url}/pos/demo/webhook\n")), "{out}");
        assert!(out.contains(&format!("webhook-signature: {}", sent.delivery.signature)), "{out}");
        assert!(out.contains(&String::from_utf8(sent.delivery.body).unwrap()), "{out}");
        assert!(out.contains("HTTP 200 OK\n{\n  \"duplicate\": false,"), "{out}");
        assert!(!out.contains("C2FVsBQIhrscChlQIMV"), "the secret is never printed");
    }

    #[tokio::test]
    async fn a_refused_delivery_is_an_error_with_the_servers_message() {
        let (url, _seen) = serve().await;
        let args = parse(&["--url", &url, "--source", "other"]).unwrap();
        let mut out = Vec::new();
        let err = send(&args, &mut out).await.unwrap_err().to_string();
        assert_eq!(err, "the server answered 422 Unprocessable Entity: invalid data.cafe: unknown cafe `dorcol`");
        assert!(String::from_utf8(out).unwrap().contains("HTTP 422 Unprocessable Entity"));

        let wrong_key = parse(&["--url", &url, "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]).unwrap();
        let err = send(&wrong_key, &mut Vec::new()).await.unwrap_err().to_string();
        assert!(err.starts_with("the server answered 401 Unauthorized"), "{err}");
    }

    #[tokio::test]
    async fn an_unreachable_server_says_so() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let err = send(&parse(&["--url", &url]).unwrap(), &mut Vec::new()).await.unwrap_err();
        assert!(err.to_string().contains("is `regulars serve` running?"), "{err:#}");
    }
}
