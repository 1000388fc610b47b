//! Inbound webhook requests: Telegram's secret token is checked (in constant time) before the
//! body is read; the body is one `Update`.

use regulars_core::channel::{ChannelRequest, WebhookError, WebhookOutcome};
use subtle::ConstantTimeEq as _;
use teloxide::types::Update;

use crate::config::WebhookSecret;
use crate::mapping;

/// The header Telegram sends the webhook's `secret_token` in.
pub const SECRET_TOKEN_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Verifies and parses one webhook request.
pub(crate) fn parse(
    secret: &WebhookSecret,
    bot_username: &str,
    request: &ChannelRequest,
) -> Result<WebhookOutcome, WebhookError> {
    let Some(given) = request.headers.get(SECRET_TOKEN_HEADER) else {
        return Err(WebhookError::Unauthenticated(format!("no {SECRET_TOKEN_HEADER} header")));
    };
    // `ct_eq` on slices of different lengths is false at once: only the length can leak, and
    // Telegram's secrets are of a length the operator chose, not a secret worth hiding.
    if !bool::from(given.as_bytes().ct_eq(secret.expose().as_bytes())) {
        return Err(WebhookError::Unauthenticated(format!("wrong {SECRET_TOKEN_HEADER}")));
    }
    let update: Update = serde_json::from_slice(&request.body)
        .map_err(|e| WebhookError::Malformed(format!("not a Telegram update: {e}")))?;
    Ok(WebhookOutcome { events: mapping::events(&update, bot_username), reply: None })
}

#[cfg(test)]
mod tests {
    use regulars_core::channel::InboundEvent;
    use regulars_core::http::Headers;

    use super::*;

    fn request(secret: Option<&str>, body: &[u8]) -> ChannelRequest {
        let mut headers = Headers::new();
        if let Some(secret) = secret {
            headers.append("x-telegram-bot-api-secret-token", secret);
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
    fn the_secret_is_checked_before_the_body() {
        let secret = WebhookSecret::new("right_secret").unwrap();
        let parse = |s: Option<&str>, body: &[u8]| parse(&secret, "regulars_bot", &request(s, body));
        assert!(matches!(parse(None, b"garbage"), Err(WebhookError::Unauthenticated(_))));
        assert!(matches!(parse(Some("wrong_secret"), b"garbage"), Err(WebhookError::Unauthenticated(_))));
        assert!(matches!(parse(Some("right_secre"), b"{}"), Err(WebhookError::Unauthenticated(_))));
        assert!(matches!(parse(Some("right_secret"), b"garbage"), Err(WebhookError::Malformed(_))));
        assert!(matches!(parse(Some("right_secret"), b"{}"), Err(WebhookError::Malformed(_))));
        let body = br#"{"update_id":5,"callback_query":{"id":"77","from":{"id":42,"is_bot":false,"first_name":"A"},
            "chat_instance":"1","data":"card"}}"#;
        let outcome = parse(Some("right_secret"), body).unwrap();
        assert!(matches!(&outcome.events[..], [InboundEvent::Button { payload, ack_id: Some(id), .. }]
            if payload == "card" && id == "77"));
        // An update kind teloxide does not know is housekeeping, not an error.
        let unknown = br#"{"update_id":6,"some_future_update":{"x":1}}"#;
        assert_eq!(parse(Some("right_secret"), unknown).unwrap(), WebhookOutcome::default());
    }
}
