//! Telegram-specific behaviour beyond the conformance suite: long polling, webhook setup, the
//! start-up token check, uploads and flood control, against the loopback fake.

use std::time::Duration;

use futures::StreamExt as _;
use regulars_core::channel::{Address, Button, Channel, DeliveryResult, InboundEvent, Message};
use regulars_telegram::{BotToken, TelegramChannel, TelegramConfig, TelegramError, WebhookSecret};
use regulars_testkit::channel::tiny_png;
use regulars_testkit::fakes::telegram::{
    FakeTelegram, TgUser, WebhookInfo, callback_query_id, callback_query_update, start_update, text_update,
};

const SECRET: &str = "polling_Secret-1";

fn config(fake: &FakeTelegram) -> TelegramConfig {
    let mut config = TelegramConfig::new(
        BotToken::new(fake.token()).unwrap(),
        WebhookSecret::new(SECRET).unwrap(),
        "regulars_test_bot",
    );
    config.api_url = Some(fake.api_url());
    config.request_timeout_ms = 500;
    config.poll_timeout_secs = 1;
    config
}

async fn setup() -> (FakeTelegram, TelegramChannel) {
    let fake = FakeTelegram::start().await;
    let channel = TelegramChannel::new(&config(&fake)).unwrap();
    (fake, channel)
}

#[tokio::test]
async fn polling_yields_events_and_confirms_them_with_the_offset() {
    let (fake, channel) = setup().await;
    let ana = TgUser::new(42);
    fake.push_update(start_update(0, &ana, Some("ref_AB12")));
    let second = fake.push_update(callback_query_update(0, &ana, "card"));

    let polled = channel.poll(0).await.unwrap();
    assert_eq!(polled.next_offset, i32::try_from(second).unwrap() + 1);
    assert!(matches!(&polled.events[..], [
        InboundEvent::Start { payload: Some(p), .. },
        InboundEvent::Button { payload, ack_id: Some(_), .. },
    ] if p == "ref_AB12" && payload == "card"));

    // Confirmed: the next poll waits (up to poll_timeout_secs) and comes back empty.
    let again = channel.poll(polled.next_offset).await.unwrap();
    assert!(again.events.is_empty());
    assert_eq!(again.next_offset, polled.next_offset);
    let call = fake.calls_to("getUpdates").pop().unwrap();
    assert_eq!(call.param("timeout").as_deref(), Some("1"));
}

#[tokio::test]
async fn a_long_poll_wakes_when_an_update_arrives() {
    let (fake, channel) = setup().await;
    let started = std::time::Instant::now();
    let (polled, ()) = tokio::join!(channel.poll(0), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        fake.push_update(text_update(0, &TgUser::new(7), "hello"));
    });
    let polled = polled.unwrap();
    assert!(started.elapsed() < Duration::from_millis(900), "the poll waited for its timeout");
    assert!(matches!(&polled.events[..], [InboundEvent::Text { text, .. }] if text == "hello"));
}

#[tokio::test]
async fn the_update_stream_runs_across_polls() {
    let (fake, channel) = setup().await;
    let ana = TgUser::new(42);
    fake.push_update(text_update(0, &ana, "one"));
    let stream = channel.updates(0);
    futures::pin_mut!(stream);
    let first = stream.next().await.unwrap().unwrap();
    fake.push_update(text_update(0, &ana, "two"));
    let second = stream.next().await.unwrap().unwrap();
    let texts: Vec<String> = [first, second]
        .into_iter()
        .map(|e| match e {
            InboundEvent::Text { text, .. } => text,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(texts, ["one", "two"]);
}

#[tokio::test]
async fn polling_stops_while_a_webhook_is_set() {
    let (fake, channel) = setup().await;
    channel.set_webhook("https://regulars.example/telegram/webhook").await.unwrap();
    assert_eq!(
        fake.webhook(),
        Some(WebhookInfo {
            url: "https://regulars.example/telegram/webhook".into(),
            secret_token: Some(SECRET.into())
        })
    );
    assert_eq!(channel.poll(0).await.unwrap_err(), TelegramError::WebhookActive);
    let stream = channel.updates(0);
    futures::pin_mut!(stream);
    assert_eq!(stream.next().await.unwrap().unwrap_err(), TelegramError::WebhookActive);
    assert!(stream.next().await.is_none(), "the stream ends: retrying cannot help");

    channel.delete_webhook().await.unwrap();
    assert_eq!(fake.webhook(), None);
    assert!(channel.poll(0).await.unwrap().events.is_empty());
}

#[tokio::test]
async fn poll_errors_are_typed() {
    let (fake, channel) = setup().await;
    fake.rate_limit_next(1, Duration::from_secs(4));
    assert_eq!(channel.poll(0).await.unwrap_err(), TelegramError::RateLimited { retry_after: Duration::from_secs(4) });
    fake.fail_next_with(400, "Bad Request: wrong parameter offset");
    assert!(matches!(channel.poll(0).await.unwrap_err(), TelegramError::Refused(_)));
}

#[tokio::test]
async fn the_token_check_reads_get_me() {
    let (fake, channel) = setup().await;
    channel.check_token().await.unwrap();
    let mut other = config(&fake);
    other.bot_username = "someone_elses_bot".into();
    let err = TelegramChannel::new(&other).unwrap().check_token().await.unwrap_err();
    assert!(matches!(err, TelegramError::Refused(ref r) if r.contains("@regulars_test_bot")), "{err}");

    let mut wrong = config(&fake);
    wrong.token = BotToken::new("987654321:AAwrong_token_entirely").unwrap();
    let wrong = TelegramChannel::new(&wrong).unwrap();
    let err = wrong.check_token().await.unwrap_err();
    assert!(matches!(err, TelegramError::Refused(_)), "{err}");
    let sent = wrong.send(&Address("42".into()), &Message::text("hi")).await;
    let DeliveryResult::PermanentFailure { reason } = sent else { panic!("{sent:?}") };
    assert!(!reason.contains("AAwrong_token"), "{reason}");
}

#[tokio::test]
async fn photos_are_uploaded_as_png_with_caption_and_buttons() {
    let (fake, channel) = setup().await;
    let message = Message::Photo {
        png: tiny_png(),
        caption: "Your card".into(),
        buttons: vec![vec![Button::payload("Refresh", "card:refresh")]],
    };
    let result = channel.send(&Address("42".into()), &message).await;
    assert_eq!(result, DeliveryResult::Delivered { message_id: Some("1".into()) });
    let call = fake.calls_to("sendPhoto").pop().unwrap();
    assert!(call.uploaded_photo());
    assert_eq!(call.upload.as_deref(), Some(&tiny_png()[..]));
    assert_eq!(call.chat_id, Some(42));
    assert_eq!(call.param("caption").as_deref(), Some("Your card"));
    assert_eq!(
        call.params["reply_markup"],
        serde_json::json!({"inline_keyboard": [[{"text": "Refresh", "callback_data": "card:refresh"}]]})
    );
}

#[tokio::test]
async fn flood_control_answers_429_only_beyond_the_limits() {
    let (fake, channel) = setup().await;
    fake.enforce_limits(30, Duration::from_secs(1));
    for chat in 1..=5 {
        assert!(channel.send(&Address(chat.to_string()), &Message::text("hi")).await.is_delivered());
    }
    assert_eq!(fake.limit_hits(), 0);
    let again = channel.send(&Address("1".into()), &Message::text("again")).await;
    assert_eq!(again, DeliveryResult::RateLimited { retry_after: Duration::from_secs(1) });
    assert_eq!(fake.limit_hits(), 1);
}

#[tokio::test]
async fn acknowledgements_are_best_effort() {
    let (fake, channel) = setup().await;
    let press = InboundEvent::Button {
        from: regulars_core::channel::Sender { external_id: "42".into(), display_name: None, language: None },
        payload: "card".into(),
        ack_id: Some(callback_query_id(9)),
    };
    fake.fail_next_with(400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
    channel.acknowledge(&press).await;
    channel.acknowledge(&press).await;
    assert_eq!(fake.answered_callbacks(), [callback_query_id(9), callback_query_id(9)]);
}

#[tokio::test]
async fn addresses_that_are_not_chat_ids_are_refused_without_a_call() {
    let (fake, channel) = setup().await;
    let result = channel.send(&Address("@ana".into()), &Message::text("hi")).await;
    assert!(matches!(result, DeliveryResult::PermanentFailure { .. }), "{result:?}");
    assert!(fake.calls().is_empty());
    let shown = format!("{channel:?}");
    assert!(!shown.contains(fake.token()) && !shown.contains(SECRET), "{shown}");
}
