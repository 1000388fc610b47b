//! The outbox sender end to end on a real store: notifications queued by real POS sales are
//! delivered once each through a messenger that enforces its rate limits, retried when the
//! failure is temporary, stopped for a guest who blocked the bot, handed back on shutdown, and
//! never sent twice by two senders on one database.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use regulars_core::channel::{
    Address, Capabilities, Channel, ChannelRequest, DeliveryResult, Message, RateLimits, WebhookError, WebhookOutcome,
};
use regulars_core::guest::Guest;
use regulars_core::notification::{EXPIRED, NO_MESSENGER, OutboxMessage, OutboxStatus, UNREACHABLE};
use regulars_core::store::Store;
use regulars_i18n::Localizer;
use regulars_server::outbox::expiry::expire_undeliverable;
use regulars_server::outbox::{OutboxBot, OutboxHandle, OutboxSender, OutboxSettings};
use regulars_storage::{DatabaseUrl, DbStore, StoreConfig};
use regulars_testkit::fixtures::TestChain;

/// A messenger that records what it is sent and holds the sender to its limits like a real
/// platform: more than `per_second` sends within any second, or two sends to one chat closer
/// than `chat_interval`, are answered `RateLimited` (and counted as violations). Answers can
/// be scripted per chat.
#[derive(Debug)]
struct FakeMessenger {
    per_second: usize,
    chat_interval: Duration,
    state: Mutex<FakeState>,
}

#[derive(Debug, Default)]
struct FakeState {
    /// Accepted messages: to whom, the text, when.
    delivered: Vec<(Address, String, Instant)>,
    /// Every request within the limits, for the sliding window.
    window: VecDeque<Instant>,
    last_to_chat: HashMap<Address, Instant>,
    scripted: HashMap<Address, VecDeque<DeliveryResult>>,
    /// Requests that broke a limit.
    violations: usize,
    /// Every request, with its answer.
    requests: Vec<(Address, DeliveryResult)>,
}

impl FakeMessenger {
    fn new(per_second: usize, chat_interval: Duration) -> Arc<Self> {
        Arc::new(Self { per_second, chat_interval, state: Mutex::default() })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn script(&self, chat: &str, answers: impl IntoIterator<Item = DeliveryResult>) {
        self.state().scripted.entry(Address(chat.into())).or_default().extend(answers);
    }

    /// The texts delivered to `chat`, without Fluent's bidi isolation marks.
    fn delivered_to(&self, chat: &str) -> Vec<String> {
        let plain = |text: &str| text.chars().filter(|c| !matches!(c, '\u{2068}' | '\u{2069}')).collect();
        self.state().delivered.iter().filter(|(a, ..)| a.0 == chat).map(|(_, text, _)| plain(text)).collect()
    }
}

fn temporary() -> DeliveryResult {
    DeliveryResult::TemporaryFailure { reason: "502 Bad Gateway".into() }
}

#[async_trait]
impl Channel for FakeMessenger {
    fn kind(&self) -> &'static str {
        "telegram"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            max_text_len: 4096,
            max_buttons: 0,
            max_buttons_per_row: 0,
            max_button_label: 0,
            max_list_rows: 0,
            photos: false,
            max_caption_len: 0,
            contact_sharing: false,
            verified_phone_inherent: false,
            location: false,
            mini_app: false,
            rate: RateLimits {
                per_second: u32::try_from(self.per_second).unwrap(),
                per_chat_interval: self.chat_interval,
            },
            service_window: None,
        }
    }

    async fn send(&self, to: &Address, message: &Message) -> DeliveryResult {
        let now = Instant::now();
        let mut state = self.state();
        while state.window.front().is_some_and(|&t| now.duration_since(t) >= Duration::from_secs(1)) {
            state.window.pop_front();
        }
        let too_fast = state.window.len() >= self.per_second;
        let chat_too_soon = state.last_to_chat.get(to).is_some_and(|&t| now.duration_since(t) < self.chat_interval);
        let answer = if too_fast || chat_too_soon {
            state.violations += 1;
            DeliveryResult::RateLimited { retry_after: Duration::from_secs(1) }
        } else {
            state.window.push_back(now);
            state.last_to_chat.insert(to.clone(), now);
            match state.scripted.get_mut(to).and_then(VecDeque::pop_front) {
                Some(answer) => answer,
                None => {
                    let Message::Text { text, .. } = message else { panic!("notifications are text") };
                    state.delivered.push((to.clone(), text.clone(), now));
                    DeliveryResult::Delivered { message_id: Some(state.delivered.len().to_string()) }
                }
            }
        };
        state.requests.push((to.clone(), answer.clone()));
        answer
    }

    fn parse_webhook(&self, _request: &ChannelRequest) -> Result<WebhookOutcome, WebhookError> {
        Ok(WebhookOutcome::default())
    }
}

fn fast_settings() -> OutboxSettings {
    OutboxSettings {
        idle_poll: Duration::from_millis(50),
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(200),
        max_attempts: 3,
        ..OutboxSettings::default()
    }
}

fn start(store: Arc<dyn Store>, channel: Arc<FakeMessenger>, settings: OutboxSettings) -> OutboxHandle {
    let channel: Arc<dyn Channel> = channel;
    let channels = HashMap::from([("telegram".to_owned(), channel)]);
    OutboxSender::new(store, Arc::new(Localizer::embedded().unwrap()), channels, settings).spawn()
}

async fn outbox(store: &dyn Store, chain: &TestChain, guests: &[Guest]) -> Vec<OutboxMessage> {
    let mut all = Vec::new();
    for guest in guests {
        all.extend(store.outbox_of_guest(chain.id(), guest.id).await.unwrap());
    }
    all
}

/// Polls until every notification of `guests` is settled (sent or failed); panics after 30 s.
async fn settled(store: &dyn Store, chain: &TestChain, guests: &[Guest]) -> Vec<OutboxMessage> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let all = outbox(store, chain, guests).await;
        if all.iter().all(|m| matches!(m.status, OutboxStatus::Sent | OutboxStatus::Failed)) {
            return all;
        }
        assert!(Instant::now() < deadline, "not settled in time: {all:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn guests_with_sales(store: &dyn Store, chain: &TestChain, prefix: &str, count: usize) -> Vec<Guest> {
    let mut guests = Vec::new();
    for i in 0..count {
        let guest = chain.guest(store, &format!("{prefix}{i}")).await;
        assert!(chain.sale(store, &guest, &format!("{prefix}-sale-{i}"), 50_000).await.notified);
        guests.push(guest);
    }
    guests
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_notifications_are_delivered_once_within_the_limits() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    let chain = TestChain::create(&*store, "deliver").await;
    let guests = guests_with_sales(&*store, &chain, "g", 12).await;
    // One guest with a second purchase: two messages to one chat, a second apart at least.
    assert!(chain.sale(&*store, &guests[0], "g-sale-again", 120_000).await.notified);
    let unlinked = store.create_guest(chain.id(), regulars_core::guest::NewGuest::default()).await.unwrap();
    assert!(chain.sale(&*store, &unlinked, "unlinked-sale", 50_000).await.notified);

    let messenger = FakeMessenger::new(5, Duration::from_secs(1));
    let sender = start(store.clone(), messenger.clone(), fast_settings());
    let all = settled(&*store, &chain, &guests).await;
    let stats = sender.shutdown().await["telegram"];

    assert!(all.iter().all(|m| m.status == OutboxStatus::Sent && m.attempts == 1 && m.sent_at.is_some()), "{all:#?}");
    assert_eq!(all.len(), 13);
    assert_eq!(stats.sent, 13);
    assert_eq!((stats.retried, stats.failed, stats.rate_limited), (0, 0, 0));
    let (violations, delivered) = {
        let state = messenger.state();
        (state.violations, state.delivered.len())
    };
    assert_eq!(violations, 0, "the sender kept to 5/s and 1 s per chat");
    assert_eq!(delivered, 13, "each notification once");

    let first = messenger.delivered_to("g0");
    assert_eq!(first.len(), 2);
    assert!(first[0].contains("+5 points"), "{first:?}");
    assert!(first[1].contains("+12 points") && first[1].contains("balance: 17 points"), "{first:?}");
    let given_up = store.outbox_of_guest(chain.id(), unlinked.id).await.unwrap();
    assert_eq!(
        (given_up[0].status, given_up[0].last_error.as_deref(), given_up[0].attempts),
        (OutboxStatus::Failed, Some(NO_MESSENGER), 0),
        "no messenger linked: given up on, saying why, never sent"
    );
}

/// A server with no bot at all (the demo out of the box): notifications cannot be sent, so
/// they are given up on with the reason instead of waiting forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_any_bot_notifications_are_given_up_visibly() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    let chain = TestChain::create(&*store, "no-bots").await;
    let guests = guests_with_sales(&*store, &chain, "n", 2).await;
    let sender =
        OutboxSender::for_bots(store.clone(), Arc::new(Localizer::embedded().unwrap()), Vec::new(), fast_settings())
            .spawn();
    // The expiry task sweeps once at start, and shutdown lets that pass finish.
    assert!(sender.shutdown().await.is_empty(), "no bot, no sender counters");
    let all = outbox(&*store, &chain, &guests).await;
    assert_eq!(all.len(), 2);
    for message in &all {
        assert_eq!((message.status, message.last_error.as_deref()), (OutboxStatus::Failed, Some(NO_MESSENGER)));
    }
}

/// Notifications older than `max_age` are given up on as expired; younger ones, and those of
/// a chain's guests who can be reached, are left for the sender.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_older_than_the_age_limit_expire() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    let chain = TestChain::create(&*store, "old").await;
    let guests = guests_with_sales(&*store, &chain, "o", 2).await;
    let channel: Arc<dyn Channel> = FakeMessenger::new(5, Duration::from_secs(1));
    let bots = vec![OutboxBot { channel, chain: Some(chain.id()), reachable_on: vec!["telegram".into()] }];
    let day = Some(Duration::from_secs(24 * 3600));

    let now = chrono::Utc::now();
    let today = expire_undeliverable(&*store, &bots, day, now).await.unwrap();
    assert!(today.is_empty(), "reachable and young: {today:?}");
    let tomorrow = expire_undeliverable(&*store, &bots, day, now + chrono::Duration::hours(25)).await.unwrap();
    assert_eq!((tomorrow.no_messenger, tomorrow.too_old), (0, 2));
    for message in outbox(&*store, &chain, &guests).await {
        assert_eq!((message.status, message.last_error.as_deref()), (OutboxStatus::Failed, Some(EXPIRED)));
    }
    let no_limit = expire_undeliverable(&*store, &bots, None, now + chrono::Duration::days(365)).await.unwrap();
    assert!(no_limit.is_empty(), "nothing left, and no age limit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_failures_are_retried_then_given_up_and_rate_limits_pause() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    let chain = TestChain::create(&*store, "retry").await;
    let guests = guests_with_sales(&*store, &chain, "r", 3).await;
    let messenger = FakeMessenger::new(50, Duration::from_millis(100));
    messenger.script("r0", [temporary(), temporary()]);
    messenger.script("r1", [temporary(), temporary(), temporary()]);
    messenger.script("r2", [DeliveryResult::RateLimited { retry_after: Duration::from_millis(300) }]);

    let sender = start(store.clone(), messenger.clone(), fast_settings());
    let all = settled(&*store, &chain, &guests).await;
    let stats = sender.shutdown().await["telegram"];

    let by_guest = |g: &Guest| all.iter().find(|m| m.guest_id == g.id).unwrap().clone();
    let recovered = by_guest(&guests[0]);
    assert_eq!((recovered.status, recovered.attempts), (OutboxStatus::Sent, 3), "third attempt delivered");
    let gave_up = by_guest(&guests[1]);
    assert_eq!((gave_up.status, gave_up.attempts), (OutboxStatus::Failed, 3), "max_attempts = 3");
    assert!(gave_up.last_error.as_deref().unwrap().contains("502"), "{gave_up:?}");
    let limited = by_guest(&guests[2]);
    assert_eq!((limited.status, limited.attempts), (OutboxStatus::Sent, 2));

    assert_eq!(messenger.delivered_to("r0").len(), 1);
    assert!(messenger.delivered_to("r1").is_empty());
    assert_eq!(messenger.delivered_to("r2").len(), 1);
    assert_eq!(stats.sent, 2);
    assert_eq!(stats.failed, 1);
    assert_eq!(stats.retried, 2 + 2 + 1);
    assert_eq!(stats.rate_limited, 1, "the scripted one");
    assert_eq!(messenger.state().violations, 0, "the pause held");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_who_blocked_the_bot_stops_receiving_until_unblocked() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    let chain = TestChain::create(&*store, "blocked").await;
    let guests = guests_with_sales(&*store, &chain, "b", 2).await;
    let messenger = FakeMessenger::new(50, Duration::from_millis(100));
    messenger.script("b0", [DeliveryResult::Blocked { reason: "Forbidden: bot was blocked by the user".into() }]);
    let sender = start(store.clone(), messenger.clone(), fast_settings());

    let all = settled(&*store, &chain, &guests).await;
    let blocked = all.iter().find(|m| m.guest_id == guests[0].id).unwrap();
    assert_eq!(blocked.status, OutboxStatus::Failed);
    assert_eq!(blocked.last_error.as_deref(), Some("Forbidden: bot was blocked by the user"));

    // The next purchase is not even attempted.
    assert!(chain.sale(&*store, &guests[0], "b-after-block", 50_000).await.notified);
    let all = settled(&*store, &chain, &guests[..1]).await;
    assert_eq!(all[1].status, OutboxStatus::Failed);
    assert_eq!(all[1].last_error.as_deref(), Some(UNREACHABLE));
    assert_eq!(all[1].attempts, 0, "never sent");
    assert_eq!(messenger.state().requests.iter().filter(|(a, _)| a.0 == "b0").count(), 1);

    // Unblocked (an `Unblocked` event): the one after that arrives.
    store.mark_reachable(chain.id(), guests[0].id, "telegram").await.unwrap();
    assert!(chain.sale(&*store, &guests[0], "b-after-unblock", 50_000).await.notified);
    let all = settled(&*store, &chain, &guests[..1]).await;
    assert_eq!(all[2].status, OutboxStatus::Sent);
    let stats = sender.shutdown().await["telegram"];
    assert_eq!((stats.blocked, stats.sent), (1, 2));
    assert_eq!(messenger.delivered_to("b0").len(), 1);
    assert_eq!(messenger.delivered_to("b1").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_send_in_flight_and_hands_the_rest_back() {
    let (store, _dir) = regulars_testkit::sqlite_store().await;
    let chain = TestChain::create(&*store, "shutdown").await;
    let guests = guests_with_sales(&*store, &chain, "s", 10).await;
    let messenger = FakeMessenger::new(2, Duration::from_secs(1));
    let sender = start(store.clone(), messenger.clone(), fast_settings());
    let deadline = Instant::now() + Duration::from_secs(30);
    while messenger.state().delivered.is_empty() {
        assert!(Instant::now() < deadline, "nothing sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = sender.shutdown().await["telegram"];

    let all = outbox(&*store, &chain, &guests).await;
    let sent = all.iter().filter(|m| m.status == OutboxStatus::Sent).count();
    assert!((1..10).contains(&sent), "some sent before the stop: {sent}");
    assert_eq!(u64::try_from(sent).unwrap(), stats.sent);
    assert_eq!(sent, messenger.state().delivered.len(), "every accepted send was recorded");
    assert!(
        all.iter().all(|m| matches!(m.status, OutboxStatus::Sent | OutboxStatus::Pending)),
        "nothing left `sending` to wait out its lease: {all:#?}"
    );
    let now = chrono::Utc::now();
    assert!(all.iter().filter(|m| m.status == OutboxStatus::Pending).all(|m| m.available_at <= now));
}

/// Two senders (as two server processes) on one database, sharing one bot.
async fn two_senders_never_double_send(url: String) {
    let open = || async {
        let config = StoreConfig { url: DatabaseUrl::new(url.clone()), pool_size: 4 };
        Arc::new(DbStore::open(&config).await.unwrap()) as Arc<dyn Store>
    };
    let (first, second) = (open().await, open().await);
    let chain = TestChain::create(&*first, "two-senders").await;
    let guests = guests_with_sales(&*first, &chain, "t", 40).await;
    let messenger = FakeMessenger::new(10_000, Duration::ZERO);
    let settings = OutboxSettings { batch: Some(3), ..fast_settings() };
    let a = start(first.clone(), messenger.clone(), settings.clone());
    let b = start(second.clone(), messenger.clone(), settings);
    let all = settled(&*first, &chain, &guests).await;
    let (a, b) = (a.shutdown().await["telegram"], b.shutdown().await["telegram"]);

    assert!(all.iter().all(|m| m.status == OutboxStatus::Sent), "{all:#?}");
    assert_eq!(a.sent + b.sent, 40);
    let state = messenger.state();
    assert_eq!(state.requests.len(), 40, "one send per notification");
    let mut chats: Vec<&str> = state.delivered.iter().map(|(a, ..)| a.0.as_str()).collect();
    chats.sort_unstable();
    chats.dedup();
    assert_eq!(chats.len(), 40, "every guest exactly once");
    eprintln!("first sender sent {}, second {}", a.sent, b.sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_on_one_sqlite_file_never_double_send() {
    let dir = tempfile::tempdir().unwrap();
    two_senders_never_double_send(format!("sqlite://{}", dir.path().join("shared.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_on_one_postgres_database_never_double_send() {
    let Some(db) = regulars_testkit::postgres::fresh_database().await else { return };
    two_senders_never_double_send(db.url().to_owned()).await;
}
