//! The WhatsApp channel against the loopback fake, beyond the conformance suite: the JSON the
//! platform receives, uploads, the service window, the rate limits' defaults, and the fake's
//! own checks.

use std::time::Duration;

use chrono::Utc;
use regulars_core::channel::{Address, Button, Channel, DeliveryResult, InboundEvent, Message};
use regulars_testkit::channel::tiny_png;
use regulars_testkit::fakes::whatsapp::{
    FakeWhatsApp, TEST_APP_SECRET, TEST_VERIFY_TOKEN, WaUser, list_reply_notification, signed_webhook,
    verification_request,
};
use regulars_whatsapp::{AccessToken, AppSecret, VerifyToken, WhatsAppChannel, WhatsAppConfig};
use serde_json::{Value, json};

const ANA: &str = "381601234567";

fn config(fake: &FakeWhatsApp, token: &str) -> WhatsAppConfig {
    let mut config = WhatsAppConfig::new(
        fake.phone_number_id(),
        AccessToken::new(token).unwrap(),
        AppSecret::new(TEST_APP_SECRET).unwrap(),
        VerifyToken::new(TEST_VERIFY_TOKEN).unwrap(),
    );
    config.api_url = Some(fake.api_url());
    config.request_timeout_ms = 2_000;
    config
}

async fn setup() -> (FakeWhatsApp, WhatsAppChannel) {
    let fake = FakeWhatsApp::start().await;
    let channel = WhatsAppChannel::new(&config(&fake, fake.token())).unwrap();
    (fake, channel)
}

fn ana() -> Address {
    Address(ANA.into())
}

#[tokio::test]
async fn text_goes_out_as_the_cloud_api_takes_it_and_the_wamid_comes_back() {
    let (fake, channel) = setup().await;
    let result = channel.send(&ana(), &Message::text("Your balance: 120 points")).await;
    let calls = fake.messages();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].version, "v21.0");
    assert_eq!(result, DeliveryResult::Delivered { message_id: calls[0].message_id() });
    assert!(calls[0].message_id().unwrap().starts_with("wamid."));
    assert_eq!(
        fake.raw_sent_to(ANA),
        vec![json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": ANA,
            "type": "text", "text": {"body": "Your balance: 120 points", "preview_url": false}})]
    );
}

#[tokio::test]
async fn a_photo_is_uploaded_then_sent_by_media_id() {
    let (fake, channel) = setup().await;
    let photo = Message::Photo { png: tiny_png(), caption: "Your card".into(), buttons: Vec::new() };
    assert!(channel.send(&ana(), &photo).await.is_delivered());
    let calls = fake.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let (bytes, content_type) = calls[0].upload.clone().unwrap();
    assert_eq!((bytes, content_type.as_str()), (tiny_png(), "image/png"));
    assert_eq!(calls[0].body["messaging_product"], "whatsapp");
    let media_id = calls[0].answer["id"].as_str().unwrap().to_owned();
    assert_eq!(fake.media()[&media_id], tiny_png());
    assert_eq!(calls[1].body["image"], json!({"id": media_id, "caption": "Your card"}));
}

#[tokio::test]
async fn templates_pass_the_service_window_that_free_form_messages_cannot() {
    let (fake, channel) = setup().await;
    fake.enforce_service_window(true);
    // Never wrote: outside the window.
    let result = channel.send(&ana(), &Message::text("Your reward is ready")).await;
    assert!(matches!(result, DeliveryResult::OutsideServiceWindow { reason } if reason.contains("131047")));
    // Wrote 25 hours ago: still outside.
    fake.record_inbound(ANA, Utc::now() - chrono::TimeDelta::hours(25));
    assert!(matches!(
        channel.send(&ana(), &Message::text("Your reward is ready")).await,
        DeliveryResult::OutsideServiceWindow { .. }
    ));
    let template = Message::Template { name: "reward_ready".into(), language: "sr".into(), params: vec!["Ana".into()] };
    assert!(channel.send(&ana(), &template).await.is_delivered());
    assert_eq!(
        fake.raw_sent_to(ANA)[0]["template"],
        json!({"name": "reward_ready", "language": {"code": "sr"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}]})
    );
    // Wrote an hour ago: inside.
    fake.record_inbound(ANA, Utc::now() - chrono::TimeDelta::hours(1));
    assert!(channel.send(&ana(), &Message::text("Your reward is ready")).await.is_delivered());
}

#[tokio::test]
async fn the_configured_template_is_found_by_key_and_language() {
    let fake = FakeWhatsApp::start().await;
    let mut config = config(&fake, fake.token());
    config.templates = toml::from_str(
        r#"
        [reward_ready]
        name = "reward_ready_v2"
        language = "en_US"
        languages = { sr = "sr", ru = "ru" }
        "#,
    )
    .unwrap();
    let channel = WhatsAppChannel::new(&config).unwrap();
    assert_eq!(
        channel.template("reward_ready", Some("sr-Latn"), vec!["Ana".into()]),
        Some(Message::Template { name: "reward_ready_v2".into(), language: "sr".into(), params: vec!["Ana".into()] })
    );
    assert_eq!(channel.template("unknown", None, Vec::new()), None);
}

#[tokio::test]
async fn rate_limits_without_a_retry_time_get_the_defaults() {
    let (fake, channel) = setup().await;
    fake.pair_limit_next(1);
    assert_eq!(
        channel.send(&ana(), &Message::text("hi")).await,
        DeliveryResult::RateLimited { retry_after: Duration::from_secs(6) }
    );
    fake.rate_limit_next(1, None);
    assert_eq!(
        channel.send(&ana(), &Message::text("hi")).await,
        DeliveryResult::RateLimited { retry_after: Duration::from_secs(5) }
    );
    assert!(channel.send(&ana(), &Message::text("hi")).await.is_delivered());
}

#[tokio::test]
async fn a_wrong_token_is_a_permanent_failure_that_does_not_show_it() {
    let fake = FakeWhatsApp::start().await;
    let token = "EAAGwrong_token_that_must_stay_hidden";
    let channel = WhatsAppChannel::new(&config(&fake, token)).unwrap();
    let result = channel.send(&ana(), &Message::text("hi")).await;
    let DeliveryResult::PermanentFailure { reason } = &result else { panic!("{result:?}") };
    assert!(reason.contains("190") && !reason.contains(token), "{reason}");
    assert!(!format!("{channel:?}").contains(token));
    // Refused at the door, as the Graph API does: nothing recorded as sent.
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn the_network_down_is_a_temporary_failure() {
    let fake = FakeWhatsApp::start().await;
    let mut config = config(&fake, fake.token());
    drop(fake);
    config.api_url = Some("http://127.0.0.1:9".into());
    let channel = WhatsAppChannel::new(&config).unwrap();
    let result = channel.send(&ana(), &Message::text("hi")).await;
    assert!(matches!(result, DeliveryResult::TemporaryFailure { .. }), "{result:?}");
    let not_a_wa_id = channel.send(&Address("+381 60".into()), &Message::text("hi")).await;
    assert!(matches!(not_a_wa_id, DeliveryResult::PermanentFailure { .. }));
}

#[tokio::test]
async fn a_list_choice_comes_back_as_its_payload() {
    let (fake, channel) = setup().await;
    let buttons: Vec<Button> = (1..=5).map(|i| Button::payload(format!("Cafe {i}"), format!("cafe:{i}"))).collect();
    let message = Message::Text { text: "Which cafe?".into(), buttons: vec![buttons] };
    assert!(channel.send(&ana(), &message).await.is_delivered());
    let row = fake.raw_sent_to(ANA)[0]["interactive"]["action"]["sections"][0]["rows"][3].clone();
    let (id, title) = (row["id"].as_str().unwrap(), row["title"].as_str().unwrap());
    let request = signed_webhook(TEST_APP_SECRET, &list_reply_notification(&WaUser::new(ANA), id, title));
    let events = channel.parse_webhook(&request).unwrap().events;
    assert!(matches!(&events[..], [InboundEvent::Button { payload, .. }] if payload == "cafe:4"), "{events:?}");
}

#[tokio::test]
async fn the_subscription_check_built_by_the_fake_is_answered() {
    let (_fake, channel) = setup().await;
    let ok = channel.parse_webhook(&verification_request("subscribe", "8843 & more", TEST_VERIFY_TOKEN)).unwrap();
    assert_eq!(ok.reply.as_deref(), Some(&b"8843 & more"[..]));
    let wrong = channel.parse_webhook(&verification_request("subscribe", "8843", "guess"));
    assert!(matches!(wrong, Err(regulars_core::channel::WebhookError::Unauthenticated(_))));
}

/// Posts `body` to the fake's `messages` as a client that bypasses the channel's rendering.
async fn post_raw(fake: &FakeWhatsApp, body: &Value) -> (u16, Value) {
    let url = format!("{}/v21.0/{}/messages", fake.api_url(), fake.phone_number_id());
    let answer = reqwest::Client::new().post(url).bearer_auth(fake.token()).json(body).send().await.unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap())
}

#[tokio::test]
async fn the_fake_refuses_what_the_platform_refuses() {
    let fake = FakeWhatsApp::start().await;
    let message = |part: Value| {
        let mut body = json!({"messaging_product": "whatsapp", "to": ANA});
        body.as_object_mut().unwrap().extend(part.as_object().unwrap().clone());
        body
    };
    let reply = |id: &str, title: &str| json!({"type": "reply", "reply": {"id": id, "title": title}});
    let buttons = |buttons: Vec<Value>| {
        message(
            json!({"type": "interactive", "interactive": {"type": "button", "body": {"text": "Hi"}, "action": {"buttons": buttons}}}),
        )
    };
    let rows = |n: usize, title: &str| {
        let rows: Vec<Value> = (0..n).map(|i| json!({"id": format!("r{i}"), "title": title})).collect();
        message(json!({"type": "interactive", "interactive": {"type": "list", "body": {"text": "Hi"},
            "action": {"button": "Menu", "sections": [{"rows": rows}]}}}))
    };
    let refused = [
        message(json!({"type": "text", "text": {"body": ""}})),
        message(json!({"type": "text", "text": {"body": "x".repeat(4097)}})),
        buttons((0..4).map(|i| reply(&format!("b{i}"), "B")).collect()),
        buttons(vec![reply("a", "x".repeat(21).as_str())]),
        buttons(vec![reply("a", "Same"), reply("a", "Other")]),
        rows(11, "Row"),
        rows(2, &"x".repeat(25)),
        message(json!({"type": "image", "image": {"id": "never-uploaded"}})),
        message(json!({"type": "template", "template": {"name": "t", "language": {"code": "en"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "two\nlines"}]}]}})),
        json!({"to": ANA, "type": "text", "text": {"body": "no messaging_product"}}),
    ];
    for body in refused {
        let (status, answer) = post_raw(&fake, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["error"]["code"].is_i64() && answer["error"]["fbtrace_id"].is_string(), "{answer}");
    }
    let accepted = [
        message(json!({"type": "text", "text": {"body": "x".repeat(4096)}})),
        buttons((0..3).map(|i| reply(&format!("b{i}"), &"x".repeat(19 + i))).take(2).collect()),
        rows(10, &"x".repeat(24)),
    ];
    for body in accepted {
        let (status, answer) = post_raw(&fake, &body).await;
        assert_eq!(status, 200, "{body}: {answer}");
    }
    assert!(fake.sent_to(ANA).len() == 3 && fake.sent_to(ANA)[2].list.len() == 10);
}
