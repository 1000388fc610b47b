//! The Telegram channel passes the channel conformance suite, with teloxide's real client
//! talking to the loopback fake of the Bot API.

use std::sync::Arc;
use std::time::Duration;

use regulars_core::channel::{Address, Channel, ChannelRequest};
use regulars_telegram::{BotToken, TelegramChannel, TelegramConfig, WebhookSecret};
use regulars_testkit::channel::{Auth, ChannelHarness, Fault, Inbound, SentMessage, User};
use regulars_testkit::fakes::telegram::{
    self as tg, FakeTelegram, MemberStatus, TgUser, callback_query_update, contact_update, edited_message_update,
    location_update, my_chat_member_update, start_update, text_update,
};

const WEBHOOK_SECRET: &str = "conformance_Secret-1";
/// Short, so the timeout check (and a 5xx, which teloxide holds for 10 s) stays fast.
const REQUEST_TIMEOUT_MS: u64 = 400;

struct TelegramHarness {
    fake: FakeTelegram,
    channel: Arc<TelegramChannel>,
}

impl TelegramHarness {
    async fn start() -> Self {
        let fake = FakeTelegram::start().await;
        let mut config = TelegramConfig::new(
            BotToken::new(fake.token()).unwrap(),
            WebhookSecret::new(WEBHOOK_SECRET).unwrap(),
            "regulars_test_bot",
        );
        config.api_url = Some(fake.api_url());
        config.mini_app_url = Some("https://regulars.example/app".into());
        config.request_timeout_ms = REQUEST_TIMEOUT_MS;
        let channel = Arc::new(TelegramChannel::new(&config).unwrap());
        Self { fake, channel }
    }
}

/// Telegram user ids are large; the neutral user number is offset into that range.
fn user_id(user: User) -> i64 {
    5_000_000_000 + i64::from(user)
}

fn chat_id(to: &Address) -> i64 {
    to.0.parse().unwrap()
}

impl ChannelHarness for TelegramHarness {
    fn channel(&self) -> Arc<dyn Channel> {
        self.channel.clone()
    }

    fn address(&self, user: User) -> Address {
        Address(user_id(user).to_string())
    }

    fn sent(&self, to: &Address) -> Vec<SentMessage> {
        self.fake.sent_to(chat_id(to))
    }

    fn inject(&self, to: &Address, fault: Fault) -> bool {
        let chat = chat_id(to);
        match fault {
            Fault::Blocked => self.fake.block(chat),
            Fault::Deactivated => self.fake.deactivate(chat),
            Fault::Unreachable => self.fake.missing_chat(chat),
            Fault::RateLimited { retry_after } => self.fake.rate_limit_next(1, retry_after),
            Fault::ServerError => self.fake.fail_next_with_5xx(1),
            Fault::SlowerThanTimeout => self.fake.slow(Duration::from_millis(REQUEST_TIMEOUT_MS * 3)),
            Fault::Refused => self.fake.fail_next_with(400, "Bad Request: can't parse entities: Unsupported start tag"),
            _ => return false,
        }
        true
    }

    fn body(&self, inbound: &Inbound) -> Option<Vec<u8>> {
        let user = |n: User| TgUser::new(user_id(n));
        // Telegram sends shared phone numbers without `+`.
        let bare = |phone: &str| phone.trim_start_matches('+').to_owned();
        let update = match inbound {
            Inbound::Text { user: u, text } => text_update(1, &user(*u), text),
            Inbound::Start { user: u, payload } => start_update(2, &user(*u), payload.as_deref()),
            Inbound::ButtonPress { user: u, payload } => callback_query_update(3, &user(*u), payload),
            Inbound::OwnContact { user: u, phone } => contact_update(4, &user(*u), &bare(phone), Some(user_id(*u))),
            Inbound::OthersContact { user: u, phone } => contact_update(5, &user(*u), &bare(phone), Some(777)),
            Inbound::Location { user: u, lat, lon } => location_update(6, &user(*u), *lat, *lon),
            Inbound::Blocked { user: u } => my_chat_member_update(7, &user(*u), MemberStatus::Kicked),
            Inbound::Unblocked { user: u } => my_chat_member_update(8, &user(*u), MemberStatus::Member),
            Inbound::Housekeeping { user: u } => edited_message_update(9, &user(*u), "edited"),
            _ => return None,
        };
        Some(update.to_string().into_bytes())
    }

    fn request(&self, body: Vec<u8>, auth: Auth) -> ChannelRequest {
        match auth {
            Auth::Valid => tg::webhook_request(Some(WEBHOOK_SECRET), body),
            Auth::Missing => tg::webhook_request(None, body),
            Auth::Wrong => tg::webhook_request(Some("conformance_Secret-2"), body),
        }
    }

    fn acknowledgements(&self) -> Vec<String> {
        self.fake.answered_callbacks()
    }

    fn secrets(&self) -> Vec<String> {
        let token = self.fake.token().to_owned();
        let tail = token.split_once(':').map(|(_, t)| t.to_owned()).unwrap_or_default();
        vec![token, tail, WEBHOOK_SECRET.to_owned()]
    }
}

regulars_testkit::channel_conformance!(TelegramHarness::start().await);
