//! The Viber channel against the loopback fake, beyond the conformance suite: broadcasts in
//! chunks with their `failed_list`, statuses in HTTP 200 answers, the welcome message, webhook
//! setup and receipts.

use std::time::Duration;

use regulars_core::channel::{
    Address, Button, ButtonAction, Channel, DeliveryResult, InboundEvent, Message, ReceiptStatus,
};
use regulars_testkit::fakes::viber::{
    FakeViber, TEST_TOKEN, ViberUser, conversation_started_callback, delivered_callback, failed_callback,
    seen_callback, signed_callback, webhook_callback,
};
use regulars_viber::{AuthToken, ViberChannel, ViberConfig, ViberError};
use serde_json::{Value, json};

async fn setup() -> (FakeViber, ViberChannel) {
    let fake = FakeViber::start().await;
    let mut config = ViberConfig::new(AuthToken::new(fake.token()).unwrap(), "Regulars Test", "regularstest");
    config.api_url = Some(fake.api_url());
    config.request_timeout_ms = 2_000;
    let channel = ViberChannel::new(&config).unwrap();
    (fake, channel)
}

fn address(n: usize) -> Address {
    Address(format!("Rg{n:020}=="))
}

#[tokio::test]
async fn broadcasts_go_out_300_at_a_time_and_map_the_failed_list() {
    let (fake, channel) = setup().await;
    let to: Vec<Address> = (0..650).map(address).collect();
    fake.not_subscribed(&to[5].0);
    fake.not_registered(&to[310].0);
    fake.no_suitable_device(&to[649].0);
    let message =
        Message::Text { text: "Double points today".into(), buttons: vec![vec![Button::payload("Card", "card")]] };
    let results = channel.send_to_many(&to, &message).await;

    let calls = fake.calls_to("broadcast_message");
    assert_eq!(calls.iter().map(|c| c.receivers.len()).collect::<Vec<_>>(), [300, 300, 50]);
    let sent_order: Vec<String> = calls.iter().flat_map(|c| c.receivers.clone()).collect();
    assert_eq!(sent_order, to.iter().map(|a| a.0.clone()).collect::<Vec<_>>());
    assert!(calls.iter().all(|c| c.body["min_api_version"] == 2 && c.body.get("receiver").is_none()));

    assert_eq!(results.len(), 650);
    let tokens: Vec<String> = calls.iter().map(|c| c.answer["message_token"].to_string()).collect();
    for (i, result) in results.iter().enumerate() {
        match i {
            5 | 310 | 649 => assert!(matches!(result, DeliveryResult::Blocked { .. }), "{i}: {result:?}"),
            _ => assert_eq!(result, &DeliveryResult::Delivered { message_id: Some(tokens[i / 300].clone()) }, "{i}"),
        }
    }
    assert_eq!(fake.sent_to(&to[4].0).len(), 1);
    assert!(fake.sent_to(&to[5].0).is_empty());
}

#[tokio::test]
async fn a_refused_broadcast_fails_its_chunk_only() {
    let (fake, channel) = setup().await;
    let to: Vec<Address> = (0..301).map(address).collect();
    fake.rate_limit_next(1);
    let results = channel.send_to_many(&to, &Message::text("hello")).await;
    assert!(results[..300].iter().all(|r| *r == DeliveryResult::RateLimited { retry_after: Duration::from_secs(5) }));
    assert!(results[300].is_delivered());
    // A single address is a plain send.
    let one = channel.send_to_many(&to[..1], &Message::text("hi")).await;
    assert!(one[0].is_delivered());
    assert_eq!(fake.calls_to("send_message").len(), 1);
    assert!(channel.send_to_many(&[], &Message::text("nobody")).await.is_empty());
}

#[tokio::test]
async fn statuses_in_http_200_answers_map_to_delivery_results() {
    let (fake, channel) = setup().await;
    let to = address(1);
    let hello = Message::text("hello");
    fake.rate_limit_next(1);
    assert_eq!(channel.send(&to, &hello).await, DeliveryResult::RateLimited { retry_after: Duration::from_secs(5) });
    fake.fail_next_with(2, "invalidAuthToken");
    assert!(matches!(channel.send(&to, &hello).await, DeliveryResult::PermanentFailure { .. }));
    fake.fail_next_with(10, "webhookNotSet");
    assert!(matches!(channel.send(&to, &hello).await, DeliveryResult::PermanentFailure { .. }));
    fake.not_subscribed(&to.0);
    assert!(matches!(channel.send(&to, &hello).await, DeliveryResult::Blocked { .. }));
    fake.subscribe(&to.0);
    let DeliveryResult::Delivered { message_id: Some(id) } = channel.send(&to, &hello).await else { panic!() };
    let calls = fake.calls_to("send_message");
    assert!(calls.iter().all(|c| c.http_status == 200));
    assert_eq!(calls.last().unwrap().answer["message_token"].to_string(), id);
    assert_eq!(calls.last().unwrap().body["sender"], json!({"name": "Regulars Test"}));

    // A wrong token is the platform's status 2, whatever the call.
    let mut config =
        ViberConfig::new(AuthToken::new("0000000000000000-1111111111111111").unwrap(), "R", "regularstest");
    config.api_url = Some(fake.api_url());
    let stranger = ViberChannel::new(&config).unwrap();
    let refused = stranger.send(&to, &hello).await;
    assert!(
        matches!(&refused, DeliveryResult::PermanentFailure { reason } if reason.contains("status 2")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn the_welcome_message_reaches_a_person_who_has_not_subscribed() {
    let (fake, channel) = setup().await;
    fake.require_subscription(true);
    let ana = ViberUser::new(&address(7).0);
    let request = signed_callback(TEST_TOKEN, &conversation_started_callback(&ana, Some("ref_AB12"), false));
    let outcome = channel.parse_webhook(&request).unwrap();
    let [start @ InboundEvent::Start { from, payload }] = &outcome.events[..] else { panic!("{outcome:?}") };
    assert_eq!(payload.as_deref(), Some("ref_AB12"));
    let welcome = Message::Text {
        text: "Welcome to Regulars!".into(),
        buttons: vec![vec![Button::payload("Get my card", "v1:card")]],
    };
    // Viber refuses a send to someone who only opened the chat ...
    assert!(matches!(channel.send(&from.address(), &welcome).await, DeliveryResult::Blocked { .. }));
    // ... so the welcome goes back in the callback's answer: a message without a receiver.
    let reply: Value = serde_json::from_slice(&channel.reply_in_response(start, &welcome).unwrap()).unwrap();
    assert!(reply.get("receiver").is_none());
    assert_eq!((reply["type"].as_str(), reply["text"].as_str()), (Some("text"), Some("Welcome to Regulars!")));
    assert_eq!(reply["keyboard"]["Buttons"][0]["ActionBody"], "rg:v1:card");
    // It is a message Viber takes as it is: the fake accepts it with a receiver added.
    fake.subscribe(&from.external_id);
    let mut as_send = reply.clone();
    as_send["receiver"] = json!(from.external_id);
    let accepted = reqwest_post(&fake, "send_message", &as_send).await;
    assert_eq!(accepted["status"], 0, "{accepted}");
}

/// Posts `body` to the fake as a client would, with the right token.
async fn reqwest_post(fake: &FakeViber, method: &str, body: &Value) -> Value {
    let answer = reqwest::Client::new()
        .post(format!("{}/{method}", fake.api_url()))
        .header("X-Viber-Auth-Token", fake.token())
        .json(body)
        .send()
        .await
        .unwrap();
    answer.json().await.unwrap()
}

#[tokio::test]
async fn share_phone_needs_api_level_3_and_arrives_as_a_contact_request() {
    let (fake, channel) = setup().await;
    let to = address(8);
    let message = Message::Text {
        text: "Share your number".into(),
        buttons: vec![vec![
            Button { label: "Share my number".into(), action: ButtonAction::ShareContact },
            Button::payload("Skip", "v1:skip"),
        ]],
    };
    assert!(channel.send(&to, &message).await.is_delivered());
    let call = fake.calls_to("send_message").pop().unwrap();
    assert_eq!(call.body["min_api_version"], 3);
    let sent = fake.sent_to(&to.0).pop().unwrap();
    assert_eq!(sent.buttons[0][0].action, ButtonAction::ShareContact);
    assert_eq!(sent.buttons[0][1].action, ButtonAction::Payload("rg:v1:skip".into()));
}

#[tokio::test]
async fn webhook_setup_and_the_token_check() {
    let (fake, channel) = setup().await;
    channel.set_webhook("https://regulars.example/channels/viber/demo/webhook").await.unwrap();
    let webhook = fake.webhook().unwrap();
    assert_eq!(webhook.url, "https://regulars.example/channels/viber/demo/webhook");
    assert!(webhook.event_types.contains(&"conversation_started".to_owned()));
    assert!(matches!(channel.set_webhook("http://insecure.example/").await, Err(ViberError::Refused(_))));
    channel.delete_webhook().await.unwrap();
    assert_eq!(fake.webhook(), None);
    channel.check_token().await.unwrap();

    let mut config = ViberConfig::new(AuthToken::new(fake.token()).unwrap(), "Regulars", "another_bot");
    config.api_url = Some(fake.api_url());
    let other = ViberChannel::new(&config).unwrap();
    assert!(matches!(other.check_token().await, Err(ViberError::Refused(_))));
    fake.rate_limit_next(1);
    assert!(matches!(channel.check_token().await, Err(ViberError::RateLimited { .. })));
    fake.fail_next_with_5xx(1);
    assert!(matches!(channel.check_token().await, Err(ViberError::Temporary(_))));
    // Viber's check right after set_webhook: answered with no events.
    assert!(channel.parse_webhook(&signed_callback(TEST_TOKEN, &webhook_callback())).unwrap().events.is_empty());
}

#[tokio::test]
async fn receipts_name_the_message_token_the_send_returned() {
    let (_fake, channel) = setup().await;
    let to = address(9);
    let DeliveryResult::Delivered { message_id: Some(id) } = channel.send(&to, &Message::text("hi")).await else {
        panic!()
    };
    let token: u64 = id.parse().unwrap();
    for (callback, status) in [
        (delivered_callback(&to.0, token), ReceiptStatus::Delivered),
        (seen_callback(&to.0, token), ReceiptStatus::Read),
        (failed_callback(&to.0, token, "the device is offline"), ReceiptStatus::Failed),
    ] {
        let events = channel.parse_webhook(&signed_callback(TEST_TOKEN, &callback)).unwrap().events;
        assert_eq!(events, vec![InboundEvent::Receipt { message_id: id.clone(), status }]);
    }
}
