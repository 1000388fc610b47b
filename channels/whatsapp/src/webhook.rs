//! Inbound webhook requests: Meta's subscription check (`GET` with `hub.*` parameters,
//! answered with the challenge when the verify token matches) and signed notifications
//! (`POST` with `X-Hub-Signature-256`, checked in constant time over the raw body before the
//! body is read).

use hmac::{Hmac, KeyInit as _, Mac as _};
use regulars_core::channel::{ChannelRequest, WebhookError, WebhookOutcome};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use crate::config::{AppSecret, VerifyToken};
use crate::mapping;

/// The header Meta signs notifications in: `sha256=<hex HMAC-SHA256(app secret, raw body)>`.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

/// Verifies and parses one webhook request.
pub(crate) fn parse(
    app_secret: &AppSecret,
    verify_token: &VerifyToken,
    request: &ChannelRequest,
) -> Result<WebhookOutcome, WebhookError> {
    if request.method.eq_ignore_ascii_case("GET") {
        return verify_subscription(verify_token, &request.query);
    }
    check_signature(app_secret, request)?;
    let events = mapping::events(&request.body).map_err(WebhookError::Malformed)?;
    Ok(WebhookOutcome { events, reply: None })
}

/// Meta's subscription check: `hub.mode=subscribe&hub.challenge=C&hub.verify_token=T` is
/// answered with `C` when `T` is the configured token.
fn verify_subscription(verify_token: &VerifyToken, query: &str) -> Result<WebhookOutcome, WebhookError> {
    let (mut mode, mut challenge, mut given) = (None, None, None);
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "hub.mode" => mode = Some(value.into_owned()),
            "hub.challenge" => challenge = Some(value.into_owned()),
            "hub.verify_token" => given = Some(value.into_owned()),
            _ => {}
        }
    }
    let Some(given) = given else {
        return Err(WebhookError::Unauthenticated("no hub.verify_token".into()));
    };
    // Only the length can leak from `ct_eq` on slices of different lengths.
    if !bool::from(given.as_bytes().ct_eq(verify_token.expose().as_bytes())) {
        return Err(WebhookError::Unauthenticated("wrong hub.verify_token".into()));
    }
    if mode.as_deref() != Some("subscribe") {
        return Err(WebhookError::Malformed("hub.mode is not `subscribe`".into()));
    }
    match challenge {
        Some(challenge) if !challenge.is_empty() => {
            Ok(WebhookOutcome { events: Vec::new(), reply: Some(challenge.into_bytes()) })
        }
        _ => Err(WebhookError::Malformed("no hub.challenge".into())),
    }
}

/// Checks `X-Hub-Signature-256` against the raw body.
fn check_signature(app_secret: &AppSecret, request: &ChannelRequest) -> Result<(), WebhookError> {
    let Some(header) = request.headers.get(SIGNATURE_HEADER) else {
        return Err(WebhookError::Unauthenticated(format!("no {SIGNATURE_HEADER} header")));
    };
    let Some(given) = header.trim().strip_prefix("sha256=").and_then(decode_hex) else {
        return Err(WebhookError::Unauthenticated(format!("{SIGNATURE_HEADER} is not `sha256=<64 hex digits>`")));
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.expose().as_bytes())
        .map_err(|_| WebhookError::Unauthenticated("unusable app secret".into()))?;
    mac.update(&request.body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&given).map_err(|_| WebhookError::Unauthenticated(format!("wrong {SIGNATURE_HEADER}")))
}

/// 64 hex digits (either case) as 32 bytes.
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 {
        return None;
    }
    let digit = |b: u8| char::from(b).to_digit(16);
    hex.as_bytes().chunks(2).map(|pair| u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()).collect()
}

#[cfg(test)]
mod tests {
    use regulars_core::channel::InboundEvent;
    use regulars_core::http::Headers;

    use super::*;

    /// `hmac.new(b"test_app_secret", BODY, hashlib.sha256).hexdigest()`, computed with
    /// Python's standard library.
    const BODY: &[u8] = br#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1749416383","type":"text","text":{"body":"Does it come in another color?"}}]},"field":"messages"}]}]}"#;
    const SIGNATURE: &str = "sha256=ded1d1d9621cffa39832ccf2b330fa476b4dc8ec2a5d102e1e554312b3f21d42";

    fn secrets() -> (AppSecret, VerifyToken) {
        (AppSecret::new("test_app_secret").unwrap(), VerifyToken::new("verify-Me_1").unwrap())
    }

    fn post(signature: Option<&str>, body: &[u8]) -> ChannelRequest {
        let mut headers = Headers::new();
        if let Some(signature) = signature {
            headers.append("x-hub-signature-256", signature);
        }
        ChannelRequest {
            method: "POST".into(),
            query: String::new(),
            headers,
            body: body.to_vec(),
            received_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn get(query: &str) -> ChannelRequest {
        ChannelRequest { method: "GET".into(), query: query.into(), ..post(None, b"") }
    }

    #[test]
    fn a_known_signature_verifies_and_anything_else_does_not() {
        let (secret, token) = secrets();
        let parse = |request: ChannelRequest| parse(&secret, &token, &request);
        let outcome = parse(post(Some(SIGNATURE), BODY)).unwrap();
        assert!(matches!(&outcome.events[..], [InboundEvent::Text { from, text }]
            if from.external_id == "16505551234" && from.display_name.as_deref() == Some("Sheena Nelson")
                && text == "Does it come in another color?"));
        assert_eq!(outcome.reply, None);
        // Upper-case hex is the same signature.
        assert!(parse(post(Some(&SIGNATURE.to_uppercase().replace("SHA256=", "sha256=")), BODY)).is_ok());
        let unauthenticated =
            |r: Result<WebhookOutcome, WebhookError>| matches!(r, Err(WebhookError::Unauthenticated(_)));
        assert!(unauthenticated(parse(post(None, BODY))));
        assert!(unauthenticated(parse(post(Some(SIGNATURE.trim_start_matches("sha256=")), BODY))));
        assert!(unauthenticated(parse(post(Some(&SIGNATURE[..SIGNATURE.len() - 2]), BODY))));
        assert!(unauthenticated(parse(post(Some(&format!("{}00", &SIGNATURE[..SIGNATURE.len() - 2])), BODY))));
        let mut tampered = BODY.to_vec();
        tampered[BODY.len() - 10] = b'X';
        assert!(unauthenticated(parse(post(Some(SIGNATURE), &tampered))));
        let other = AppSecret::new("other_app_secret").unwrap();
        assert!(matches!(
            super::parse(&other, &token, &post(Some(SIGNATURE), BODY)),
            Err(WebhookError::Unauthenticated(_))
        ));
    }

    #[test]
    fn signed_bodies_that_are_not_notifications_are_malformed() {
        let (secret, token) = secrets();
        let sign = |body: &[u8]| {
            let mut mac = Hmac::<Sha256>::new_from_slice(b"test_app_secret").unwrap();
            mac.update(body);
            let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
            post(Some(&format!("sha256={hex}")), body)
        };
        for body in [&b"not json"[..], b"", b"{}", b"[1,2", br#"{"object":"whatsapp_business_account"}"#] {
            assert!(matches!(parse(&secret, &token, &sign(body)), Err(WebhookError::Malformed(_))), "{body:?}");
        }
        // Another product's object, or a change this crate does not read: no events.
        let page = br#"{"object":"page","entry":[{"id":"1","changes":[]}]}"#;
        assert_eq!(parse(&secret, &token, &sign(page)).unwrap(), WebhookOutcome::default());
        let template_status = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
            {"field":"message_template_status_update","value":{"event":"APPROVED","message_template_name":"x"}}]}]}"#;
        assert_eq!(parse(&secret, &token, &sign(template_status)).unwrap(), WebhookOutcome::default());
    }

    #[test]
    fn the_subscription_check_answers_the_challenge_only_with_the_right_token() {
        let (secret, token) = secrets();
        let check = |query: &str| parse(&secret, &token, &get(query));
        let ok = check("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-Me_1").unwrap();
        assert_eq!(ok, WebhookOutcome { events: Vec::new(), reply: Some(b"1158201444".to_vec()) });
        // Percent-encoded parameters are decoded, in any order.
        let ok = check("hub.verify_token=verify%2DMe_1&hub.challenge=a%20b&hub.mode=subscribe").unwrap();
        assert_eq!(ok.reply.as_deref(), Some(&b"a b"[..]));
        for query in [
            "hub.mode=subscribe&hub.challenge=1&hub.verify_token=verify-Me_2",
            "hub.mode=subscribe&hub.challenge=1&hub.verify_token=verify-Me_",
            "hub.mode=subscribe&hub.challenge=1",
            "",
        ] {
            assert!(matches!(check(query), Err(WebhookError::Unauthenticated(_))), "{query}");
        }
        assert!(matches!(
            check("hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=verify-Me_1"),
            Err(WebhookError::Malformed(_))
        ));
        assert!(matches!(check("hub.mode=subscribe&hub.verify_token=verify-Me_1"), Err(WebhookError::Malformed(_))));
    }
}
