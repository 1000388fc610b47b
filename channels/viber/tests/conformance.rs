//! The Viber channel passes the channel conformance suite, with its reqwest client talking to
//! the loopback fake of the REST bot API.

use std::sync::Arc;
use std::time::Duration;

use regulars_core::channel::{Address, ButtonAction, Channel, ChannelRequest};
use regulars_testkit::channel::{Auth, ChannelHarness, Fault, Inbound, SentMessage, User};
use regulars_testkit::fakes::viber::{
    FakeViber, ViberUser, callback_request, contact_callback, conversation_started_callback, location_callback,
    signature, sticker_callback, subscribed_callback, text_callback, unsubscribed_callback,
};
use regulars_viber::{AuthToken, PAYLOAD_PREFIX, ViberChannel, ViberConfig};

/// Short, so the timeout check stays fast.
const REQUEST_TIMEOUT_MS: u64 = 400;

struct ViberHarness {
    fake: FakeViber,
    channel: Arc<ViberChannel>,
}

impl ViberHarness {
    async fn start() -> Self {
        let fake = FakeViber::start().await;
        let mut config = ViberConfig::new(AuthToken::new(fake.token()).unwrap(), "Regulars Test", "regularstest");
        config.api_url = Some(fake.api_url());
        config.request_timeout_ms = REQUEST_TIMEOUT_MS;
        // Photos as `picture` messages, published where a server would serve them.
        let channel = Arc::new(ViberChannel::new(&config).unwrap().with_media_host(Arc::new(Hosted)));
        Self { fake, channel }
    }
}

/// A media host as the server's: each image gets a public URL.
#[derive(Debug)]
struct Hosted;

impl regulars_core::channel::MediaHost for Hosted {
    fn publish_png(&self, png: &[u8]) -> Option<String> {
        Some(format!("https://regulars.example/media/{}.png", png.len()))
    }
}

/// Viber user ids are 24 characters of base64; the neutral user number is written into one.
fn user_id(user: User) -> String {
    format!("Rg{user:020}==")
}

fn viber_user(user: User) -> ViberUser {
    ViberUser::new(&user_id(user))
}

impl ChannelHarness for ViberHarness {
    fn channel(&self) -> Arc<dyn Channel> {
        self.channel.clone()
    }

    fn address(&self, user: User) -> Address {
        Address(user_id(user))
    }

    /// A `reply` button comes back as its `ActionBody`, the channel's prefix and the payload:
    /// the payload is what the channel turns it back into.
    fn sent(&self, to: &Address) -> Vec<SentMessage> {
        let mut sent = self.fake.sent_to(&to.0);
        for button in sent.iter_mut().flat_map(|m| m.buttons.iter_mut().flatten()) {
            if let ButtonAction::Payload(body) = &button.action
                && let Some(payload) = body.strip_prefix(PAYLOAD_PREFIX)
            {
                button.action = ButtonAction::Payload(payload.to_owned());
            }
        }
        sent
    }

    fn inject(&self, to: &Address, fault: Fault) -> bool {
        match fault {
            // Blocking a bot is unsubscribing on Viber.
            Fault::Blocked => self.fake.not_subscribed(&to.0),
            Fault::Deactivated => self.fake.not_registered(&to.0),
            Fault::Unreachable => self.fake.no_suitable_device(&to.0),
            Fault::ServerError => self.fake.fail_next_with_5xx(1),
            Fault::SlowerThanTimeout => self.fake.slow(Duration::from_millis(REQUEST_TIMEOUT_MS * 3)),
            Fault::Refused => self.fake.fail_next_with(3, "badData"),
            // Viber's "too many requests" carries no retry-after for the suite to compare (the
            // channel's default is tested in tests/viber.rs); no service window.
            _ => return false,
        }
        true
    }

    fn body(&self, inbound: &Inbound) -> Option<Vec<u8>> {
        let callback = match inbound {
            Inbound::Text { user, text } => text_callback(&viber_user(*user), text),
            Inbound::Start { user, payload } => {
                conversation_started_callback(&viber_user(*user), payload.as_deref(), false)
            }
            // A `reply` button sends its `ActionBody` as a text message.
            Inbound::ButtonPress { user, payload } => {
                text_callback(&viber_user(*user), &format!("{PAYLOAD_PREFIX}{payload}"))
            }
            Inbound::OwnContact { user, phone } => {
                let user = viber_user(*user);
                contact_callback(&user, &user.name, phone)
            }
            Inbound::OthersContact { user, phone } => contact_callback(&viber_user(*user), "Marko Marković", phone),
            Inbound::Location { user, lat, lon } => location_callback(&viber_user(*user), *lat, *lon),
            Inbound::Blocked { user } => unsubscribed_callback(&user_id(*user)),
            Inbound::Unblocked { user } => subscribed_callback(&viber_user(*user)),
            Inbound::Housekeeping { user } => sticker_callback(&viber_user(*user)),
            _ => return None,
        };
        Some(callback.to_string().into_bytes())
    }

    fn request(&self, body: Vec<u8>, auth: Auth) -> ChannelRequest {
        match auth {
            Auth::Valid => callback_request(Some(&signature(self.fake.token(), &body)), body),
            Auth::Missing => callback_request(None, body),
            Auth::Wrong => callback_request(Some(&signature("0000000000000000-someone-elses-token", &body)), body),
        }
    }

    /// Viber has nothing to acknowledge.
    fn acknowledgements(&self) -> Vec<String> {
        Vec::new()
    }

    fn secrets(&self) -> Vec<String> {
        vec![self.fake.token().to_owned()]
    }
}

regulars_testkit::channel_conformance!(ViberHarness::start().await);
