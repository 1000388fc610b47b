//! The loopback Telegram fake answers like the real Bot API: status codes, error shapes,
//! long polling, webhook conflicts, and the updates it builds are what Telegram sends.

use std::time::{Duration, Instant};

use regulars_testkit::fakes::telegram::{
    FakeTelegram, MemberStatus, SECRET_TOKEN_HEADER, TEST_TOKEN, TgUser, contact_update, my_chat_member_update,
    signed_webhook, start_update,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// One HTTP/1.1 POST with a JSON body; the status and the parsed answer.
async fn post(fake: &FakeTelegram, path: &str, body: &Value) -> (u16, Value) {
    let addr = fake.api_url().trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let body = body.to_string();
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer[9..12].parse().unwrap();
    let (_, body) = answer.split_once("\r\n\r\n").unwrap();
    (status, serde_json::from_str(body).unwrap())
}

fn method(name: &str) -> String {
    format!("/bot{TEST_TOKEN}/{name}")
}

#[tokio::test]
async fn unknown_tokens_and_methods_are_refused_like_the_real_api() {
    let fake = FakeTelegram::start().await;
    let (status, body) = post(&fake, "/bot1:wrong/getMe", &json!({})).await;
    assert_eq!((status, body), (401, json!({"ok": false, "error_code": 401, "description": "Unauthorized"})));
    let (status, body) = post(&fake, &method("sendTelepathy"), &json!({})).await;
    assert_eq!((status, body), (404, json!({"ok": false, "error_code": 404, "description": "Not Found"})));
    let (status, body) = post(&fake, &method("getme"), &json!({})).await;
    assert_eq!(status, 200, "method names are case-insensitive");
    assert_eq!(body["result"]["username"], "regulars_test_bot");
    assert_eq!(body["result"]["id"], fake.bot_id());
}

#[tokio::test]
async fn sends_answer_real_shaped_messages_and_are_recorded() {
    let fake = FakeTelegram::start().await;
    let (status, body) = post(&fake, &method("sendMessage"), &json!({"chat_id": 42, "text": "hi"})).await;
    assert_eq!(status, 200);
    let message = &body["result"];
    assert_eq!(message["message_id"], 1);
    assert_eq!(message["chat"], json!({"id": 42, "type": "private", "first_name": "Guest"}));
    assert_eq!(message["from"]["is_bot"], true);
    assert!(message["date"].as_i64().unwrap() > 1_700_000_000);
    let venue = json!({"chat_id": "42", "latitude": 44.8, "longitude": 20.4, "title": "Cafe", "address": "Street 1"});
    let (_, body) = post(&fake, &method("sendVenue"), &venue).await;
    assert_eq!(body["result"]["venue"]["title"], "Cafe");
    let calls = fake.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!((calls[0].method.as_str(), calls[0].chat_id, calls[0].status), ("sendMessage", Some(42), 200));
    assert_eq!(fake.sent_to(42)[1].location, Some((44.8, 20.4)));
}

#[tokio::test]
async fn sends_are_checked_like_the_real_api_checks_them() {
    let fake = FakeTelegram::start().await;
    let send = |text: String, markup: Value| json!({"chat_id": 1, "text": text, "reply_markup": markup});
    let cases = [
        (send(String::new(), Value::Null), "Bad Request: message text is empty"),
        (send("x".repeat(4097), Value::Null), "Bad Request: message is too long"),
        (
            send("x".into(), json!({"inline_keyboard": [[{"text": "B", "callback_data": "d".repeat(65)}]]})),
            "Bad Request: BUTTON_DATA_INVALID",
        ),
    ];
    for (params, description) in cases {
        let (status, body) = post(&fake, &method("sendMessage"), &params).await;
        assert_eq!((status, body["description"].as_str().unwrap()), (400, description));
    }
    // 4096 UTF-16 units is the limit, so 2048 emoji fit and 2049 do not.
    let (status, _) = post(&fake, &method("sendMessage"), &send("😀".repeat(2048), Value::Null)).await;
    assert_eq!(status, 200);
    let (status, _) = post(&fake, &method("sendMessage"), &send("😀".repeat(2049), Value::Null)).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn faults_answer_with_telegrams_errors() {
    let fake = FakeTelegram::start().await;
    fake.block(1);
    fake.deactivate(2);
    fake.missing_chat(3);
    let send = |chat: i64| json!({"chat_id": chat, "text": "hi"});
    let description = |(status, body): (u16, Value)| (status, body["description"].as_str().unwrap().to_owned());
    assert_eq!(
        description(post(&fake, &method("sendMessage"), &send(1)).await),
        (403, "Forbidden: bot was blocked by the user".into())
    );
    assert_eq!(
        description(post(&fake, &method("sendMessage"), &send(2)).await),
        (403, "Forbidden: user is deactivated".into())
    );
    assert_eq!(
        description(post(&fake, &method("sendMessage"), &send(3)).await),
        (400, "Bad Request: chat not found".into())
    );

    fake.rate_limit_next(1, Duration::from_secs(9));
    let (status, body) = post(&fake, &method("sendMessage"), &send(4)).await;
    assert_eq!(status, 429);
    assert_eq!(body["parameters"], json!({"retry_after": 9}));
    assert_eq!(post(&fake, &method("sendMessage"), &send(4)).await.0, 200, "only the next call");

    fake.fail_next_with_5xx(2);
    assert_eq!(post(&fake, &method("sendMessage"), &send(4)).await.0, 500);
    assert_eq!(post(&fake, &method("getMe"), &json!({})).await.0, 500);
    assert_eq!(post(&fake, &method("getMe"), &json!({})).await.0, 200);

    fake.slow(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(post(&fake, &method("getMe"), &json!({})).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn enforced_limits_count_the_429s_they_provoke() {
    let fake = FakeTelegram::start().await;
    fake.enforce_limits(2, Duration::from_millis(200));
    let send = |chat: i64| json!({"chat_id": chat, "text": "hi"});
    assert_eq!(post(&fake, &method("sendMessage"), &send(1)).await.0, 200);
    let (status, body) = post(&fake, &method("sendMessage"), &send(1)).await;
    assert_eq!((status, body["parameters"]["retry_after"].as_i64()), (429, Some(1)), "per chat");
    assert_eq!(post(&fake, &method("sendMessage"), &send(2)).await.0, 200);
    assert_eq!(post(&fake, &method("sendMessage"), &send(3)).await.0, 429, "per bot: 2 a second");
    assert_eq!(fake.limit_hits(), 2);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(post(&fake, &method("sendMessage"), &send(1)).await.0, 200);
    assert_eq!(post(&fake, &method("getMe"), &json!({})).await.0, 200, "only sends count");
}

#[tokio::test]
async fn get_updates_long_polls_and_conflicts_with_a_webhook() {
    let fake = FakeTelegram::start().await;
    let ana = TgUser::new(42);
    let first = fake.push_update(start_update(0, &ana, None));
    let (_, body) = post(&fake, &method("getUpdates"), &json!({"offset": 0, "timeout": 0})).await;
    assert_eq!(body["result"][0]["update_id"], first);
    assert_eq!(body["result"][0]["message"]["text"], "/start");

    let started = Instant::now();
    let (_, body) = post(&fake, &method("getUpdates"), &json!({"offset": first + 1, "timeout": 1})).await;
    assert_eq!(body["result"], json!([]));
    assert!(started.elapsed() >= Duration::from_millis(900), "waited for the timeout");

    let (status, _) =
        post(&fake, &method("setWebhook"), &json!({"url": "https://x.example/hook", "secret_token": "bad token!"}))
            .await;
    assert_eq!(status, 400, "secret tokens are 1-256 of A-Za-z0-9_-");
    post(&fake, &method("setWebhook"), &json!({"url": "https://x.example/hook", "secret_token": "good_token"})).await;
    assert_eq!(fake.webhook().unwrap().secret_token.as_deref(), Some("good_token"));
    let (status, body) = post(&fake, &method("getUpdates"), &json!({})).await;
    assert_eq!(status, 409);
    assert!(body["description"].as_str().unwrap().contains("webhook is active"));
}

#[test]
fn inbound_updates_are_real_shaped_and_signed() {
    let ana = TgUser::new(42);
    let start = start_update(5, &ana, Some("ref_1"));
    assert_eq!(start["message"]["entities"], json!([{"offset": 0, "length": 6, "type": "bot_command"}]));
    assert_eq!(start["message"]["from"]["language_code"], "sr");
    assert_eq!(start["message"]["chat"]["type"], "private");
    let contact = contact_update(6, &ana, "381601234567", Some(42));
    assert_eq!(contact["message"]["contact"]["user_id"], 42);
    let kicked = my_chat_member_update(7, &ana, MemberStatus::Kicked);
    assert_eq!(kicked["my_chat_member"]["new_chat_member"]["status"], "kicked");
    assert_eq!(kicked["my_chat_member"]["old_chat_member"]["status"], "member");
    let request = signed_webhook("s3cret", &start);
    assert_eq!(request.headers.get(SECRET_TOKEN_HEADER), Some("s3cret"));
    assert_eq!(serde_json::from_slice::<Value>(&request.body).unwrap(), start);
}
