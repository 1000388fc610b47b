//! Inbound callbacks: `X-Viber-Content-Signature`, the hex HMAC-SHA256 of the raw body keyed
//! with the bot's token, is checked (in constant time) before the body is read; the body is
//! one callback.
//!
//! Only the header is accepted: Viber's documentation names no other place for the signature.

use hmac::{Hmac, KeyInit, Mac as _};
use regulars_core::channel::{ChannelRequest, WebhookError, WebhookOutcome};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use crate::config::AuthToken;
use crate::mapping;

/// The header Viber signs every callback in.
pub const SIGNATURE_HEADER: &str = "X-Viber-Content-Signature";

type HmacSha256 = Hmac<Sha256>;

fn mac(token: &AuthToken, body: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(token.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The signature Viber sends with `body`: lower-case hex of HMAC-SHA256(key = the token, body).
/// For tests and tools that post callbacks as Viber does.
#[must_use]
pub fn sign(token: &AuthToken, body: &[u8]) -> String {
    mac(token, body).iter().map(|b| format!("{b:02x}")).collect()
}

/// `text` as bytes, when it is an even number of hex digits (either case).
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |d: u8| char::from(d).to_digit(16).and_then(|n| u8::try_from(n).ok());
    digits.chunks(2).map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?)).collect()
}

/// Verifies and parses one callback.
pub(crate) fn parse(token: &AuthToken, request: &ChannelRequest) -> Result<WebhookOutcome, WebhookError> {
    let Some(given) = request.headers.get(SIGNATURE_HEADER) else {
        return Err(WebhookError::Unauthenticated(format!("no {SIGNATURE_HEADER} header")));
    };
    let Some(given) = decode_hex(given.trim()) else {
        return Err(WebhookError::Unauthenticated(format!("{SIGNATURE_HEADER} is not hex")));
    };
    // `ct_eq` on slices of different lengths is false at once: only the length can leak, and
    // it is public (32 bytes).
    if !bool::from(mac(token, &request.body).as_slice().ct_eq(&given)) {
        return Err(WebhookError::Unauthenticated(format!("wrong {SIGNATURE_HEADER}")));
    }
    let events = mapping::events(&request.body).map_err(WebhookError::Malformed)?;
    Ok(WebhookOutcome { events, reply: None })
}

#[cfg(test)]
mod tests {
    use regulars_core::channel::InboundEvent;
    use regulars_core::http::Headers;

    use super::*;

    const TOKEN: &str = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";
    const WEBHOOK_BODY: &[u8] = br#"{"event":"webhook","timestamp":1457764197627,"chat_hostname":"SN-platform-02","message_token":241256543215}"#;
    /// Computed independently: `hmac.new(TOKEN, WEBHOOK_BODY, hashlib.sha256).hexdigest()` in
    /// Python.
    const WEBHOOK_SIGNATURE: &str = "eb72dfcd7e4faded753212817818166ac1301b9a76ff79cf1a994c451b9314ee";

    fn token() -> AuthToken {
        AuthToken::new(TOKEN).unwrap()
    }

    fn request(signature: Option<&str>, body: &[u8]) -> ChannelRequest {
        let mut headers = Headers::new();
        if let Some(signature) = signature {
            headers.append("x-viber-content-signature", signature);
        }
        ChannelRequest {
            method: "POST".into(),
            query: String::new(),
            headers,
            body: body.to_vec(),
            received_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn signatures_match_an_independent_vector() {
        assert_eq!(sign(&token(), WEBHOOK_BODY), WEBHOOK_SIGNATURE);
        assert_eq!(decode_hex("00ffA0"), Some(vec![0, 255, 160]));
        assert_eq!(decode_hex("0g"), None);
        assert_eq!(decode_hex("abc"), None);
    }

    #[test]
    fn the_signature_is_checked_before_the_body() {
        let parse = |signature: Option<&str>, body: &[u8]| parse(&token(), &request(signature, body));
        assert_eq!(parse(Some(WEBHOOK_SIGNATURE), WEBHOOK_BODY).unwrap(), WebhookOutcome::default());
        assert_eq!(parse(Some(&WEBHOOK_SIGNATURE.to_uppercase()), WEBHOOK_BODY).unwrap(), WebhookOutcome::default());
        assert!(matches!(parse(None, WEBHOOK_BODY), Err(WebhookError::Unauthenticated(_))));
        assert!(matches!(parse(Some(""), WEBHOOK_BODY), Err(WebhookError::Unauthenticated(_))));
        assert!(matches!(parse(Some("zz"), b"garbage"), Err(WebhookError::Unauthenticated(_))));
        assert!(matches!(parse(Some(&WEBHOOK_SIGNATURE[..62]), WEBHOOK_BODY), Err(WebhookError::Unauthenticated(_))));
        let other_key = sign(&AuthToken::new("0000000000000000-e02c5f12174805f9").unwrap(), WEBHOOK_BODY);
        assert!(matches!(parse(Some(&other_key), WEBHOOK_BODY), Err(WebhookError::Unauthenticated(_))));
        // The signature covers the exact bytes: the same JSON spaced differently is forged.
        let spaced = br#"{"event": "webhook","timestamp":1457764197627,"chat_hostname":"SN-platform-02","message_token":241256543215}"#;
        assert!(matches!(parse(Some(WEBHOOK_SIGNATURE), spaced), Err(WebhookError::Unauthenticated(_))));
        let garbage = b"garbage";
        assert!(matches!(parse(Some(&sign(&token(), garbage)), garbage), Err(WebhookError::Malformed(_))));
        let seen = br#"{"event":"seen","timestamp":1,"message_token":5741311803571721087,"user_id":"01234567890A="}"#;
        let outcome = parse(Some(&sign(&token(), seen)), seen).unwrap();
        assert!(
            matches!(&outcome.events[..], [InboundEvent::Receipt { message_id, .. }] if message_id == "5741311803571721087")
        );
    }
}
