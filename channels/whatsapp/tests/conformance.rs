//! The WhatsApp channel passes the channel conformance suite, with its real reqwest client
//! talking to the loopback fake of the Cloud API.

use std::sync::Arc;
use std::time::Duration;

use regulars_core::channel::{Address, Channel, ChannelRequest};
use regulars_testkit::channel::{Auth, ChannelHarness, Fault, Inbound, SentMessage, User};
use regulars_testkit::fakes::whatsapp::{
    self as wa, FakeWhatsApp, WaUser, button_reply_notification, contacts_notification, location_notification,
    start_notification, status_notification, text_notification,
};
use regulars_whatsapp::{AccessToken, AppSecret, VerifyToken, WhatsAppChannel, WhatsAppConfig};

const APP_SECRET: &str = "conformance_app_secret_1";
const VERIFY_TOKEN: &str = "conformance-verify-1";
/// Short, so the timeout check stays fast.
const REQUEST_TIMEOUT_MS: u64 = 400;

struct WhatsAppHarness {
    fake: FakeWhatsApp,
    channel: Arc<WhatsAppChannel>,
}

impl WhatsAppHarness {
    async fn start() -> Self {
        let fake = FakeWhatsApp::start().await;
        let mut config = WhatsAppConfig::new(
            fake.phone_number_id(),
            AccessToken::new(fake.token()).unwrap(),
            AppSecret::new(APP_SECRET).unwrap(),
            VerifyToken::new(VERIFY_TOKEN).unwrap(),
        );
        config.api_url = Some(fake.api_url());
        config.request_timeout_ms = REQUEST_TIMEOUT_MS;
        let channel = Arc::new(WhatsAppChannel::new(&config).unwrap());
        Self { fake, channel }
    }
}

/// WhatsApp ids are phone numbers' digits: the neutral user number becomes a Serbian mobile.
fn wa_id(user: User) -> String {
    format!("38160{user:07}")
}

impl ChannelHarness for WhatsAppHarness {
    fn channel(&self) -> Arc<dyn Channel> {
        self.channel.clone()
    }

    fn address(&self, user: User) -> Address {
        Address(wa_id(user))
    }

    fn sent(&self, to: &Address) -> Vec<SentMessage> {
        self.fake.sent_to(&to.0)
    }

    fn inject(&self, to: &Address, fault: Fault) -> bool {
        match fault {
            // WhatsApp does not tell blocked, deactivated and unknown numbers apart: all are
            // 131026, "Message undeliverable".
            Fault::Blocked | Fault::Deactivated | Fault::Unreachable => self.fake.block(&to.0),
            Fault::RateLimited { retry_after } => self.fake.rate_limit_next(1, Some(retry_after)),
            Fault::ServerError => self.fake.fail_next_with_5xx(1),
            Fault::SlowerThanTimeout => self.fake.slow(Duration::from_millis(REQUEST_TIMEOUT_MS * 3)),
            Fault::Refused => self.fake.fail_next_with(400, 131_009, "Parameter value is not valid"),
            Fault::OutsideServiceWindow => self.fake.close_window(&to.0),
            _ => return false,
        }
        true
    }

    fn body(&self, inbound: &Inbound) -> Option<Vec<u8>> {
        let user = |n: User| WaUser::new(wa_id(n));
        let notification = match inbound {
            Inbound::Text { user: u, text } => text_notification(&user(*u), text),
            Inbound::Start { user: u, payload } => start_notification(&user(*u), payload.as_deref()),
            Inbound::ButtonPress { user: u, payload } => button_reply_notification(&user(*u), payload, "Card"),
            // WhatsApp shows shared numbers formatted, with `+`.
            Inbound::OwnContact { user: u, phone } => contacts_notification(&user(*u), phone, Some(&wa_id(*u))),
            Inbound::OthersContact { user: u, phone } => {
                contacts_notification(&user(*u), phone, Some(phone.trim_start_matches('+')))
            }
            Inbound::Location { user: u, lat, lon } => location_notification(&user(*u), *lat, *lon),
            // A `sent` status: WhatsApp reports every accepted message this way.
            Inbound::Housekeeping { user: u } => status_notification(&wa_id(*u), "wamid.HBgLsent", "sent"),
            // Blocking a business sends no notification.
            _ => return None,
        };
        Some(notification.to_string().into_bytes())
    }

    fn request(&self, body: Vec<u8>, auth: Auth) -> ChannelRequest {
        match auth {
            Auth::Valid => {
                let signature = wa::signature(APP_SECRET, &body);
                wa::webhook_request(Some(&signature), body)
            }
            Auth::Missing => wa::webhook_request(None, body),
            Auth::Wrong => {
                let signature = wa::signature("conformance_app_secret_2", &body);
                wa::webhook_request(Some(&signature), body)
            }
        }
    }

    fn acknowledgements(&self) -> Vec<String> {
        // WhatsApp waits for no acknowledgement of a button press.
        Vec::new()
    }

    fn secrets(&self) -> Vec<String> {
        vec![self.fake.token().to_owned(), APP_SECRET.to_owned(), VERIFY_TOKEN.to_owned()]
    }

    fn link_buttons(&self) -> bool {
        false
    }
}

regulars_testkit::channel_conformance!(WhatsAppHarness::start().await);
