//! Guests and staff talk to the whole server through each messenger's loopback fake, with the
//! channel's real client: onboarding over webhooks (and Telegram's long polling), a POS sale
//! through the signed POS webhook, and the notification delivered by the outbox sender, in
//! the guest's language; one guest across messengers.
//!
//! `MessengerApp` is the server under test: the demo chain on a real store, the real router on
//! a real loopback socket, the demo POS source, bots pointed at the fakes, and the outbox
//! sender on demand.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use regulars_core::channel::ButtonAction;
use regulars_core::guest::{ChannelIdentity, Guest};
use regulars_core::ids::ChainId;
use regulars_core::money::{Currency, Money};
use regulars_core::notification::{OutboxMessage, OutboxStatus};
use regulars_core::pos::signature::{HeaderNames, WebhookSecret, signed_headers};
use regulars_core::pos::{GuestRef, PosPayload, PosPurchase};
use regulars_core::purchase::LineItem;
use regulars_core::store::Store;
use regulars_server::app::AppState;
use regulars_server::bots::{Bot, Bots};
use regulars_server::demo;
use regulars_server::media::PublicMedia;
use regulars_server::outbox::{OutboxHandle, OutboxSender, OutboxSettings};
use regulars_server::pos::sources::DEMO_POS_SECRET;
use regulars_testkit::channel::SentMessage;
use serde_json::Value;

use crate::test_app::TestApp;

/// The server under test.
struct MessengerApp {
    store: Arc<dyn Store>,
    state: AppState,
    chain: ChainId,
    /// `http://127.0.0.1:<port>`.
    base: String,
    http: reqwest::Client,
    _app: TestApp,
}

impl MessengerApp {
    /// The demo chain on a fresh SQLite file, served on a socket with `bots` (made for the
    /// chain's id).
    async fn start(bots: impl FnOnce(ChainId, &Arc<PublicMedia>) -> Vec<Bot>) -> Self {
        let app = TestApp::demo().with_bots(bots).serve().await;
        Self {
            store: app.store.clone(),
            state: app.state.clone(),
            chain: app.chain(),
            base: app.base().to_owned(),
            http: reqwest::Client::new(),
            _app: app,
        }
    }

    /// Posts `body` with `headers` to the bot webhook of messenger `kind`; the status and body.
    async fn post_webhook(&self, kind: &str, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, Vec<u8>) {
        let mut request = self.http.post(format!("{}/channels/{kind}/{}/webhook", self.base, demo::DEMO_SLUG));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.body(body).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }

    /// Gets the webhook of messenger `kind` with `query` (a subscription check).
    async fn get_webhook(&self, kind: &str, query: &str) -> (u16, Vec<u8>) {
        let url = format!("{}/channels/{kind}/{}/webhook?{query}", self.base, demo::DEMO_SLUG);
        let response = self.http.get(url).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }

    /// The guest behind messenger identity `kind:id`.
    async fn guest(&self, kind: &str, id: &str) -> Guest {
        let who = ChannelIdentity::new(kind, id).unwrap();
        self.store.guest_by_identity(self.chain, &who).await.unwrap()
    }

    /// A sale of 1 234.00 RSD at the first demo cafe for `guest`, posted to the demo POS
    /// source as a signed webhook; the answer's JSON.
    async fn sale(&self, receipt: &str, guest: &Guest) -> Value {
        let purchase = PosPurchase {
            receipt_id: receipt.into(),
            cafe_ref: "dorcol".into(),
            guest: GuestRef::PublicId(guest.public_id.clone()),
            total: Money::new(123_400, Currency::new("RSD").unwrap()),
            items: vec![LineItem {
                sku: "LUNCH".into(),
                name: "Lunch".into(),
                category: Some("food".into()),
                quantity: 1,
                unit_price_minor: 123_400,
            }],
            discounts: Vec::new(),
            occurred_at: Utc::now() - chrono::Duration::seconds(5),
            reward_code: None,
        };
        let body = regulars_pos_webhook::to_body(&PosPayload::PurchaseCompleted(purchase));
        let secret = WebhookSecret::parse(DEMO_POS_SECRET).unwrap();
        let signed = signed_headers(&[&secret], &HeaderNames::STANDARD, &format!("msg_{receipt}"), Utc::now(), &body);
        let mut request = self.http.post(format!("{}/pos/demo/webhook", self.base));
        for (name, value) in signed.iter() {
            request = request.header(name, value);
        }
        let response = request.header("content-type", "application/json").body(body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "the sale is accepted");
        response.json().await.unwrap()
    }

    /// Posts `payload` to the demo POS source as delivery `id`, signed; the status.
    async fn pos(&self, payload: &PosPayload, id: &str) -> u16 {
        let body = regulars_pos_webhook::to_body(payload);
        let secret = WebhookSecret::parse(DEMO_POS_SECRET).unwrap();
        let signed = signed_headers(&[&secret], &HeaderNames::STANDARD, id, Utc::now(), &body);
        let mut request = self.http.post(format!("{}/pos/demo/webhook", self.base));
        for (name, value) in signed.iter() {
            request = request.header(name, value);
        }
        request.header("content-type", "application/json").body(body).send().await.unwrap().status().as_u16()
    }

    /// How many events of `kind` the chain's event log holds.
    async fn events_of_kind(&self, kind: &str) -> usize {
        let (mut count, mut page) = (0, regulars_core::page::PageRequest::first(500));
        loop {
            let events =
                self.store.events(self.chain, &regulars_core::event::EventFilter::default(), page).await.unwrap();
            count += events.items.iter().filter(|e| e.kind == kind).count();
            match events.next {
                Some(next) => page = regulars_core::page::PageRequest { after: Some(next), limit: 500 },
                None => return count,
            }
        }
    }

    /// The sum of the guest's points balances.
    async fn points(&self, guest: &Guest) -> i64 {
        self.store.wallets_of_guest(self.chain, guest.id).await.unwrap().iter().map(|w| w.balances.points).sum()
    }

    /// Starts the outbox sender over the server's bots, polling fast.
    fn outbox(&self) -> OutboxHandle {
        let settings = OutboxSettings { idle_poll: Duration::from_millis(20), ..OutboxSettings::default() };
        OutboxSender::for_bots(self.store.clone(), self.state.i18n.clone(), self.state.bots.outbox_bots(), settings)
            .spawn()
    }

    /// The guest's notifications, once none is pending or being sent (at most 10 s).
    async fn settled_outbox(&self, guest: &Guest) -> Vec<OutboxMessage> {
        for _ in 0..500 {
            let messages = self.store.outbox_of_guest(self.chain, guest.id).await.unwrap();
            if !messages.is_empty()
                && messages.iter().all(|m| matches!(m.status, OutboxStatus::Sent | OutboxStatus::Failed))
            {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the outbox did not settle: {:?}", self.store.outbox_of_guest(self.chain, guest.id).await.unwrap());
    }
}

/// Polls `check` every 20 ms for up to 10 s.
async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..500 {
        if let Some(value) = check() {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Polls the async `check` every 20 ms for up to 10 s.
async fn eventually_async<T, F: std::future::Future<Output = Option<T>>>(mut check: impl FnMut() -> F) -> T {
    for _ in 0..500 {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out");
}

/// Text without Fluent's bidi isolation marks.
fn plain(text: &str) -> String {
    text.replace(['\u{2068}', '\u{2069}'], "")
}

/// The payload of the newest button whose payload starts with `prefix` among `sent`.
fn payload(sent: &[SentMessage], prefix: &str) -> String {
    sent.iter()
        .rev()
        .flat_map(|m| m.all_buttons().chain(m.list.iter()))
        .find_map(|b| match &b.action {
            ButtonAction::Payload(p) if p.starts_with(prefix) => Some(p.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no button {prefix}… in {sent:?}"))
}

/// Every text and caption the person received, joined.
fn texts(sent: &[SentMessage]) -> String {
    plain(&sent.iter().filter_map(|m| m.text.clone()).collect::<Vec<_>>().join("\n"))
}

mod telegram {
    use super::*;
    use regulars_server::config::TelegramMode;
    use regulars_telegram::{BotToken, SECRET_TOKEN_HEADER, TelegramChannel, TelegramConfig, WebhookSecret};
    use regulars_testkit::fakes::telegram::{
        FakeTelegram, MemberStatus, TgUser, callback_query_id, callback_query_update, contact_update,
        my_chat_member_update, start_update,
    };

    const SECRET: &str = "e2e_Webhook-secret";

    pub(super) fn channel(fake: &FakeTelegram) -> Arc<TelegramChannel> {
        let mut config = TelegramConfig::new(
            BotToken::new(fake.token()).unwrap(),
            WebhookSecret::new(SECRET).unwrap(),
            "regulars_demo_bot",
        );
        config.api_url = Some(fake.api_url());
        config.request_timeout_ms = 2_000;
        Arc::new(TelegramChannel::new(&config).unwrap())
    }

    pub(super) fn bot(fake: &FakeTelegram, chain: ChainId) -> Bot {
        let channel = channel(fake);
        let invite_link = Some(channel.start_link(""));
        Bot { chain, slug: demo::DEMO_SLUG.into(), channel, invite_link }
    }

    /// Posts one update to the bot's webhook, as Telegram does.
    pub(super) async fn post(app: &MessengerApp, update: &Value) -> u16 {
        let body = serde_json::to_vec(update).unwrap();
        app.post_webhook("telegram", &[(SECRET_TOKEN_HEADER, SECRET), ("content-type", "application/json")], body)
            .await
            .0
    }

    /// A Russian-speaking guest (their app is in English) onboards: Russian, the first cafe,
    /// their own phone shared with the contact button.
    pub(super) async fn onboard(app: &MessengerApp, fake: &FakeTelegram, user: &TgUser, phone: &str) -> Guest {
        let id = user.id;
        assert_eq!(post(app, &start_update(id * 10, user, None)).await, 200);
        assert!(texts(&fake.sent_to(id)).contains("Demo Coffee"), "welcome: {:?}", fake.sent_to(id));
        let lang = payload(&fake.sent_to(id), "v1:lang:ru");
        assert_eq!(post(app, &callback_query_update(id * 10 + 1, user, &lang)).await, 200);
        assert!(fake.answered_callbacks().contains(&callback_query_id(id * 10 + 1)), "the button press is answered");
        let cafe = payload(&fake.sent_to(id), "v1:cafe:");
        assert_eq!(post(app, &callback_query_update(id * 10 + 2, user, &cafe)).await, 200);
        let asks_contact =
            fake.sent_to(id).last().unwrap().all_buttons().any(|b| b.action == ButtonAction::ShareContact);
        assert!(asks_contact, "the phone is asked with Telegram's contact button: {:?}", fake.sent_to(id).last());
        assert_eq!(post(app, &contact_update(id * 10 + 3, user, phone, Some(id))).await, 200);
        app.guest("telegram", &id.to_string()).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_guest_onboards_in_russian_earns_at_the_till_and_is_told_in_russian() {
        let fake = FakeTelegram::start().await;
        let app = MessengerApp::start(|chain, _| vec![bot(&fake, chain)]).await;
        let ivan = TgUser { first_name: "Иван".into(), language_code: Some("en".into()), ..TgUser::new(7_700_001) };
        let guest = onboard(&app, &fake, &ivan, "381601234567").await;
        assert_eq!(guest.language.as_deref(), Some("ru"));
        assert_eq!((guest.phone.as_deref(), guest.phone_verified), (Some("+381601234567"), true));
        let card = fake.calls_to("sendPhoto");
        let card = card.last().expect("the card is sent as a photo");
        assert!(card.uploaded_photo(), "the QR is uploaded as a PNG");
        let caption = plain(&card.param("caption").unwrap());
        assert!(caption.contains("На счету 0 баллов"), "{caption}");

        let sale = app.sale("E2E-TG-1", &guest).await;
        let points = app.points(&guest).await;
        assert_eq!(points, 123, "1 234 RSD earns one point per 10 RSD: {sale}");
        assert_eq!(sale["messengers"], serde_json::json!(["telegram"]), "where the notification goes: {sale}");
        assert!(sale.get("undeliverable").is_none(), "{sale}");

        let before = fake.sent_to(ivan.id).len();
        let outbox = app.outbox();
        let settled = app.settled_outbox(&guest).await;
        assert_eq!(settled.len(), 1, "one notification for one sale");
        assert_eq!(settled[0].status, OutboxStatus::Sent);
        let sent = fake.sent_to(ivan.id);
        assert_eq!(sent.len(), before + 1, "exactly one message more: {sent:?}");
        let note = plain(sent.last().unwrap().text.as_deref().unwrap());
        assert!(note.contains("+123 балла за заказ"), "{note}");
        assert!(note.contains(&format!("На счету {points} балла")), "{note}");
        assert!(note.contains("До награды «Croissant» осталось всего 127 баллов"), "{note}");

        // Delivered once: the sale's retry queues nothing new and nothing more is sent.
        app.sale("E2E-TG-1", &guest).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(fake.sent_to(ivan.id).len(), before + 1);
        assert_eq!(outbox.shutdown().await["telegram"].sent, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn forged_updates_are_refused_and_a_blocked_bot_stops_notifications() {
        let fake = FakeTelegram::start().await;
        let app = MessengerApp::start(|chain, _| vec![bot(&fake, chain)]).await;
        let ana = TgUser::new(7_700_002);
        let body = serde_json::to_vec(&start_update(1, &ana, None)).unwrap();
        let (status, _) = app.post_webhook("telegram", &[(SECRET_TOKEN_HEADER, "wrong")], body.clone()).await;
        assert_eq!(status, 401, "a wrong secret token");
        assert_eq!(app.post_webhook("telegram", &[], body.clone()).await.0, 401, "no secret token");
        assert!(fake.sent_to(ana.id).is_empty(), "nothing answered to a forged update");
        let (status, _) = app.post_webhook("viber", &[], body).await;
        assert_eq!(status, 404, "no Viber bot for the chain");
        let (status, _) = app.post_webhook("telegram", &[(SECRET_TOKEN_HEADER, SECRET)], b"{not json".to_vec()).await;
        assert_eq!(status, 400, "a verified body that is not an update");

        let guest = onboard(&app, &fake, &ana, "381601234568").await;
        // She blocks the bot: her notifications are not attempted on Telegram.
        assert_eq!(post(&app, &my_chat_member_update(99, &ana, MemberStatus::Kicked)).await, 200);
        app.sale("E2E-TG-2", &guest).await;
        let before = fake.calls_to("sendMessage").len();
        let outbox = app.outbox();
        let settled = app.settled_outbox(&guest).await;
        assert_eq!(settled[0].status, OutboxStatus::Failed);
        assert_eq!(settled[0].last_error.as_deref(), Some(regulars_core::notification::UNREACHABLE));
        assert_eq!(fake.calls_to("sendMessage").len(), before, "nothing sent to a guest who blocked the bot");
        outbox.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn long_polling_serves_the_same_conversation() {
        let fake = FakeTelegram::start().await;
        let app = MessengerApp::start(|_, _| Vec::new()).await;
        let ana = TgUser::new(7_700_003);
        fake.push_update(start_update(0, &ana, None));
        let mut bots = Bots::default();
        bots.add_telegram(app.chain, demo::DEMO_SLUG, channel(&fake), TelegramMode::Polling).unwrap();
        let state = app.state.clone().with_bots(bots);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let pollers = regulars_server::bots::polling::spawn(&state, &stopped);
        assert_eq!(pollers.len(), 1);
        let welcome = eventually("the welcome over long polling", || {
            let sent = fake.sent_to(ana.id);
            (!sent.is_empty()).then_some(sent)
        })
        .await;
        assert!(texts(&welcome).contains("Demo Coffee"), "{welcome:?}");
        assert!(fake.calls_to("deleteWebhook").len() == 1, "polling starts by removing any webhook");
        stop.send(true).unwrap();
        for poller in pollers {
            poller.await.unwrap();
        }
    }
}

mod whatsapp {
    use super::*;
    use regulars_testkit::fakes::whatsapp::{
        FakeWhatsApp, SIGNATURE_HEADER, TEST_APP_SECRET, TEST_DISPLAY_PHONE_NUMBER, TEST_VERIFY_TOKEN, WaUser,
        button_reply_notification, list_reply_notification, signature, start_notification, status_notification,
        text_notification,
    };
    use regulars_whatsapp::{AccessToken, AppSecret, TemplateConfig, VerifyToken, WhatsAppChannel, WhatsAppConfig};

    pub(super) fn channel(fake: &FakeWhatsApp, with_template: bool) -> Arc<WhatsAppChannel> {
        let mut config = WhatsAppConfig::new(
            fake.phone_number_id(),
            AccessToken::new(fake.token()).unwrap(),
            AppSecret::new(TEST_APP_SECRET).unwrap(),
            VerifyToken::new(TEST_VERIFY_TOKEN).unwrap(),
        );
        config.api_url = Some(fake.api_url());
        config.display_phone_number = Some(TEST_DISPLAY_PHONE_NUMBER.into());
        config.request_timeout_ms = 2_000;
        if with_template {
            let template = TemplateConfig {
                name: "loyalty_update".into(),
                language: "en_US".into(),
                languages: [("sr".to_owned(), "sr".to_owned()), ("ru".to_owned(), "ru".to_owned())].into(),
            };
            config.templates.insert("earned".into(), template);
        }
        Arc::new(WhatsAppChannel::new(&config).unwrap())
    }

    pub(super) fn bot(fake: &FakeWhatsApp, chain: ChainId, with_template: bool) -> Bot {
        let channel = channel(fake, with_template);
        let invite_link = channel.start_link("");
        Bot { chain, slug: demo::DEMO_SLUG.into(), channel, invite_link }
    }

    /// Posts one notification to the bot's webhook, signed as Meta signs it.
    pub(super) async fn post(app: &MessengerApp, notification: &Value) -> u16 {
        let body = serde_json::to_vec(notification).unwrap();
        let signed = signature(TEST_APP_SECRET, &body);
        app.post_webhook("whatsapp", &[(SIGNATURE_HEADER, &signed), ("content-type", "application/json")], body).await.0
    }

    /// A guest onboards in `language` at the first cafe; WhatsApp vouches for the number.
    pub(super) async fn onboard(app: &MessengerApp, fake: &FakeWhatsApp, user: &WaUser, language: &str) -> Guest {
        fake.record_inbound(&user.wa_id, Utc::now());
        assert_eq!(post(app, &start_notification(user, None)).await, 200);
        let lang = payload(&fake.sent_to(&user.wa_id), &format!("v1:lang:{language}"));
        assert_eq!(post(app, &list_reply_notification(user, &lang, language)).await, 200);
        let cafe = payload(&fake.sent_to(&user.wa_id), "v1:cafe:");
        assert_eq!(post(app, &button_reply_notification(user, &cafe, "Cafe")).await, 200);
        app.guest("whatsapp", &user.wa_id).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_guest_onboards_on_whatsapp_earns_and_is_told_in_serbian() {
        let fake = FakeWhatsApp::start().await;
        fake.enforce_service_window(true);
        let app = MessengerApp::start(|chain, _| vec![bot(&fake, chain, false)]).await;
        let query = format!("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={TEST_VERIFY_TOKEN}");
        assert_eq!(
            app.get_webhook("whatsapp", &query).await,
            (200, b"1158201444".to_vec()),
            "Meta's subscription check"
        );
        let wrong = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess";
        assert_eq!(app.get_webhook("whatsapp", wrong).await.0, 403);
        let ana = WaUser::new("381641000001");
        let body = serde_json::to_vec(&text_notification(&ana, "hi")).unwrap();
        assert_eq!(app.post_webhook("whatsapp", &[(SIGNATURE_HEADER, "sha256=00")], body.clone()).await.0, 401);
        assert_eq!(app.post_webhook("whatsapp", &[], body).await.0, 401);
        assert!(fake.messages().is_empty(), "nothing answered to a forged notification");

        let guest = onboard(&app, &fake, &ana, "sr-Latn").await;
        assert_eq!(
            (guest.phone.as_deref(), guest.phone_verified),
            (Some("+381641000001"), true),
            "the number is the address"
        );
        let sent = fake.sent_to(&ana.wa_id);
        assert!(sent.iter().any(|m| m.photo), "the card's QR as an image: {sent:?}");

        app.sale("E2E-WA-1", &guest).await;
        let points = app.points(&guest).await;
        let outbox = app.outbox();
        let settled = app.settled_outbox(&guest).await;
        assert_eq!(settled[0].status, OutboxStatus::Sent, "{settled:?}");
        let note = plain(fake.sent_to(&ana.wa_id).last().unwrap().text.as_deref().unwrap());
        assert!(note.contains(&format!("Vaše stanje: {points} poena")), "{note}");
        let wamid = settled[0].platform_message_id.clone().expect("the platform's message id is kept");

        // WhatsApp's receipts land on the notification.
        assert_eq!(post(&app, &status_notification(&ana.wa_id, &wamid, "delivered")).await, 200);
        assert_eq!(post(&app, &status_notification(&ana.wa_id, &wamid, "read")).await, 200);
        let settled = app.settled_outbox(&guest).await;
        assert_eq!(settled[0].receipt, Some(regulars_core::channel::ReceiptStatus::Read));
        outbox.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn outside_the_24_hour_window_a_notification_goes_as_the_template_or_not_at_all() {
        let fake = FakeWhatsApp::start().await;
        let app = MessengerApp::start(|chain, _| vec![bot(&fake, chain, true)]).await;
        let ana = WaUser::new("381641000002");
        let guest = onboard(&app, &fake, &ana, "ru").await;
        // A day later the platform refuses free-form messages to her (131047).
        fake.close_window(&ana.wa_id);
        app.sale("E2E-WA-2", &guest).await;
        let outbox = app.outbox();
        let settled = app.settled_outbox(&guest).await;
        assert_eq!(settled[0].status, OutboxStatus::Sent, "{settled:?}");
        let raw = fake.raw_sent_to(&ana.wa_id);
        let template = raw.last().unwrap();
        assert_eq!(template["type"], "template", "{template}");
        assert_eq!(template["template"]["name"], "loyalty_update");
        assert_eq!(template["template"]["language"]["code"], "ru", "the template in her language");
        let param = template["template"]["components"][0]["parameters"][0]["text"].as_str().unwrap();
        assert!(plain(param).contains("+123 балла за заказ"), "{param}");

        // A refund has no template configured: not sent, and the outbox says why.
        let refund = regulars_core::pos::PosPayload::PurchaseRefunded(regulars_core::pos::PosRefund {
            receipt_id: "E2E-WA-2".into(),
            refund_id: "E2E-WA-2-R".into(),
            cafe_ref: "dorcol".into(),
            lines: regulars_core::pos::RefundLines::All,
            amount: None,
            occurred_at: Utc::now(),
        });
        assert_eq!(app.pos(&refund, "msg_refund_wa").await, 200);
        let settled = eventually_async(|| async {
            let all = app.store.outbox_of_guest(app.chain, guest.id).await.unwrap();
            (all.len() == 2 && all[1].status == OutboxStatus::Failed).then_some(all)
        })
        .await;
        let reason = settled[1].last_error.clone().unwrap();
        assert!(reason.contains("no template is configured"), "{reason}");
        assert_eq!(fake.raw_sent_to(&ana.wa_id).len(), raw.len(), "nothing more was sent");
        outbox.shutdown().await;
    }
}

/// One person, one card, whichever messenger they use.
mod across {
    use super::*;
    use regulars_testkit::fakes::telegram::{FakeTelegram, TgUser};
    use regulars_testkit::fakes::whatsapp::{FakeWhatsApp, WaUser};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_guest_on_telegram_then_whatsapp_with_the_same_phone_has_one_wallet() {
        let (tg, wa) = (FakeTelegram::start().await, FakeWhatsApp::start().await);
        let app =
            MessengerApp::start(|chain, _| vec![telegram::bot(&tg, chain), whatsapp::bot(&wa, chain, false)]).await;
        let ivan = TgUser { first_name: "Иван".into(), language_code: Some("ru".into()), ..TgUser::new(7_700_010) };
        let on_telegram = telegram::onboard(&app, &tg, &ivan, "381645550010").await;
        app.sale("E2E-X-1", &on_telegram).await;
        assert_eq!(app.points(&on_telegram).await, 123);

        // The same person on WhatsApp: WhatsApp vouches for the number, so it is his card.
        let guests = app.store.count_guests(app.chain).await.unwrap();
        let on_whatsapp = whatsapp::onboard(&app, &wa, &WaUser::new("381645550010"), "ru").await;
        assert_eq!(on_whatsapp.id, on_telegram.id, "one guest");
        let kinds: Vec<&str> = on_whatsapp.identities.iter().map(|i| i.channel.as_str()).collect();
        assert_eq!(kinds, ["telegram", "whatsapp"]);
        assert!(texts(&wa.sent_to("381645550010")).contains("На счету 123 балла"), "the balance on WhatsApp too");
        assert_eq!(app.store.count_guests(app.chain).await.unwrap(), guests, "no second card");

        // He wrote on WhatsApp last: the next notification goes there, not to Telegram.
        let telegram_before = tg.sent_to(ivan.id).len();
        app.sale("E2E-X-2", &on_whatsapp).await;
        let outbox = app.outbox();
        let settled = app.settled_outbox(&on_whatsapp).await;
        assert!(settled.iter().all(|m| m.status == OutboxStatus::Sent), "{settled:?}");
        assert_eq!(app.points(&on_whatsapp).await, 246);
        let note = texts(&wa.sent_to("381645550010"));
        assert!(note.contains("+123 балла за заказ"), "{note}");
        assert!(note.contains("На счету 246 баллов"), "{note}");
        assert_eq!(outbox.shutdown().await.get("whatsapp").map(|s| s.sent), Some(2), "both notifications on WhatsApp");
        assert_eq!(tg.sent_to(ivan.id).len(), telegram_before, "none on Telegram");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_cards_become_one_when_the_phone_is_vouched_for_later() {
        let (tg, wa) = (FakeTelegram::start().await, FakeWhatsApp::start().await);
        let app =
            MessengerApp::start(|chain, _| vec![telegram::bot(&tg, chain), whatsapp::bot(&wa, chain, false)]).await;
        // A card on WhatsApp first, with points.
        let on_whatsapp = whatsapp::onboard(&app, &wa, &WaUser::new("381645550020"), "en").await;
        app.sale("E2E-Y-1", &on_whatsapp).await;
        // A second card on Telegram, phone skipped, with points of its own.
        let ana = TgUser::new(7_700_020);
        telegram::post(&app, &regulars_testkit::fakes::telegram::start_update(1, &ana, None)).await;
        let lang = payload(&tg.sent_to(ana.id), "v1:lang:en");
        telegram::post(&app, &regulars_testkit::fakes::telegram::callback_query_update(2, &ana, &lang)).await;
        let cafe = payload(&tg.sent_to(ana.id), "v1:cafe:");
        telegram::post(&app, &regulars_testkit::fakes::telegram::callback_query_update(3, &ana, &cafe)).await;
        telegram::post(&app, &regulars_testkit::fakes::telegram::callback_query_update(4, &ana, "v1:phone:skip")).await;
        let on_telegram = app.guest("telegram", &ana.id.to_string()).await;
        assert_ne!(on_telegram.id, on_whatsapp.id, "two cards so far");
        app.sale("E2E-Y-2", &on_telegram).await;
        let guests_before = app.store.count_guests(app.chain).await.unwrap();

        // Typed, the number is only her word: nothing merges.
        // Shared with Telegram's contact button, it is vouched for: one card.
        let contact = regulars_testkit::fakes::telegram::contact_update(5, &ana, "381645550020", Some(ana.id));
        assert_eq!(telegram::post(&app, &contact).await, 200);
        let merged = app.guest("telegram", &ana.id.to_string()).await;
        assert_eq!(merged.id, on_whatsapp.id, "the older card is kept");
        assert_eq!(app.guest("whatsapp", "381645550020").await.id, merged.id);
        assert_eq!(app.points(&merged).await, 246, "every point on one card");
        assert_eq!(app.store.count_guests(app.chain).await.unwrap(), guests_before - 1);
        assert!(texts(&tg.sent_to(ana.id)).contains("joined the two"), "{:?}", tg.sent_to(ana.id).last());
        assert_eq!(app.events_of_kind("guest.merged").await, 1);
    }
}

mod viber {
    use super::*;
    use regulars_testkit::fakes::viber::{
        FakeViber, SIGNATURE_HEADER, TEST_URI, ViberUser, conversation_started_callback, signature, text_callback,
    };
    use regulars_viber::{AuthToken, ViberChannel, ViberConfig};

    /// The bot, sending pictures by the server's public media URLs where `media` is given.
    pub(super) fn bot(fake: &FakeViber, chain: ChainId, media: Option<&Arc<PublicMedia>>) -> Bot {
        let mut config = ViberConfig::new(AuthToken::new(fake.token()).unwrap(), "Demo Coffee", TEST_URI);
        config.api_url = Some(fake.api_url());
        config.request_timeout_ms = 2_000;
        let mut channel = ViberChannel::new(&config).unwrap();
        if let Some(media) = media {
            channel = channel.with_media_host(media.clone());
        }
        let channel = Arc::new(channel);
        let invite_link = Some(channel.start_link(""));
        Bot { chain, slug: demo::DEMO_SLUG.into(), channel, invite_link }
    }

    /// Posts one callback to the bot's webhook, signed as Viber signs it; the status and body.
    pub(super) async fn post(app: &MessengerApp, fake: &FakeViber, callback: &Value) -> (u16, Vec<u8>) {
        let body = serde_json::to_vec(callback).unwrap();
        let signed = signature(fake.token(), &body);
        app.post_webhook("viber", &[(SIGNATURE_HEADER, &signed), ("content-type", "application/json")], body).await
    }

    /// Presses a keyboard button: Viber sends its `ActionBody` back as a text message.
    pub(super) async fn press(app: &MessengerApp, fake: &FakeViber, user: &ViberUser, payload: &str) {
        let (status, _) =
            post(app, fake, &text_callback(user, &format!("{}{payload}", regulars_viber::PAYLOAD_PREFIX))).await;
        assert_eq!(status, 200);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_guest_opens_the_chat_onboards_in_russian_and_is_told_in_russian() {
        let fake = FakeViber::start().await;
        // Like Viber: nothing can be sent to a person who has not written yet.
        fake.require_subscription(true);
        let app = MessengerApp::start(|chain, media| vec![bot(&fake, chain, Some(media))]).await;
        let masha = ViberUser { name: "Маша".into(), language: "ru".into(), ..ViberUser::new("01234567890A=") };

        let body = serde_json::to_vec(&conversation_started_callback(&masha, None, false)).unwrap();
        let (status, _) = app.post_webhook("viber", &[(SIGNATURE_HEADER, "00")], body).await;
        assert_eq!(status, 401, "an unsigned callback");

        // The welcome, with the language keyboard, is the answer to `conversation_started`.
        let (status, welcome) = post(&app, &fake, &conversation_started_callback(&masha, None, false)).await;
        assert_eq!(status, 200);
        let welcome: Value = serde_json::from_slice(&welcome).expect("the welcome message as JSON");
        assert!(plain(welcome["text"].as_str().unwrap()).contains("Demo Coffee"), "{welcome}");
        let keyboard = welcome["keyboard"]["Buttons"].as_array().expect("the language keyboard in the welcome");
        let prefix = regulars_viber::PAYLOAD_PREFIX;
        let russian = keyboard
            .iter()
            .find(|b| b["ActionBody"] == format!("{prefix}v1:lang:ru"))
            .unwrap_or_else(|| panic!("no Russian button: {welcome}"));
        assert_eq!(russian["ActionType"], "reply");

        // She presses it: writing subscribes her, and the bot may send from now on.
        fake.subscribe(&masha.id);
        press(&app, &fake, &masha, "v1:lang:ru").await;
        let cafe = payload(&fake.sent_to(&masha.id), &format!("{prefix}v1:cafe:"));
        press(&app, &fake, &masha, cafe.trim_start_matches(prefix)).await;
        // Viber cannot vouch for a number: she may type it (kept unverified) or skip.
        let (status, _) = post(&app, &fake, &text_callback(&masha, "+381 64 555 0030")).await;
        assert_eq!(status, 200);
        let guest = app.guest("viber", &masha.id).await;
        assert_eq!((guest.phone.as_deref(), guest.phone_verified), (Some("+381645550030"), false));
        assert_eq!(guest.language.as_deref(), Some("ru"));
        let card = texts(&fake.sent_to(&masha.id));
        assert!(card.contains("На счету 0 баллов"), "the card's caption: {card}");
        // The QR is a picture Viber fetches from the server's public media URL.
        let pictures: Vec<String> = fake
            .calls_to("send_message")
            .iter()
            .filter(|c| c.body["type"] == "picture")
            .filter_map(|c| c.body["media"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(pictures.len(), 1, "one card picture");
        assert!(pictures[0].starts_with(&format!("{}/media/", app.base)), "{}", pictures[0]);
        let fetched = app.http.get(&pictures[0]).send().await.unwrap();
        assert_eq!(fetched.headers()["content-type"], "image/png");
        assert!(fetched.bytes().await.unwrap().starts_with(b"\x89PNG"), "the QR PNG is served");
        let missing = app.http.get(format!("{}/media/{}.png", app.base, "0".repeat(32))).send().await.unwrap();
        assert_eq!(missing.status().as_u16(), 404);

        app.sale("E2E-VB-1", &guest).await;
        let outbox = app.outbox();
        let settled = app.settled_outbox(&guest).await;
        assert_eq!(settled[0].status, OutboxStatus::Sent, "{settled:?}");
        let note = plain(fake.sent_to(&masha.id).last().unwrap().text.as_deref().unwrap());
        assert!(note.contains("+123 балла за заказ") && note.contains("На счету 123 балла"), "{note}");
        outbox.shutdown().await;
    }
}

mod viber_joins {
    use super::*;
    use regulars_testkit::fakes::viber::{FakeViber, ViberUser, conversation_started_callback, text_callback};
    use regulars_testkit::fakes::whatsapp::{FakeWhatsApp, WaUser};

    /// Opens the Viber chat, picks English and the first cafe; returns at the phone question.
    async fn to_the_phone_step(app: &MessengerApp, fake: &FakeViber, user: &ViberUser) {
        viber::post(app, fake, &conversation_started_callback(user, None, false)).await;
        fake.subscribe(&user.id);
        viber::press(app, fake, user, "v1:lang:en").await;
        let prefix = regulars_viber::PAYLOAD_PREFIX;
        let cafe = payload(&fake.sent_to(&user.id), &format!("{prefix}v1:cafe:"));
        viber::press(app, fake, user, cafe.trim_start_matches(prefix)).await;
    }

    /// The code the WhatsApp card was sent, read off the WhatsApp fake.
    async fn code_sent_to(app: &MessengerApp, wa: &FakeWhatsApp, wa_id: &str, before: usize) -> String {
        let outbox = app.outbox();
        let text = eventually("the code on WhatsApp", || {
            let sent = wa.sent_to(wa_id);
            sent.iter().skip(before).filter_map(|m| m.text.as_deref()).map(plain).find(|t| t.contains("from Viber"))
        })
        .await;
        outbox.shutdown().await;
        text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).expect("six digits").to_owned()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_number_typed_on_viber_joins_the_whatsapp_card_only_with_the_code_sent_there() {
        let (vb, wa) = (FakeViber::start().await, FakeWhatsApp::start().await);
        let app =
            MessengerApp::start(|chain, _| vec![viber::bot(&vb, chain, None), whatsapp::bot(&wa, chain, false)]).await;
        let ana_wa = WaUser::new("381645550040");
        let card = whatsapp::onboard(&app, &wa, &ana_wa, "en").await;
        app.sale("E2E-J-1", &card).await;
        let guests = app.store.count_guests(app.chain).await.unwrap();

        // Someone on Viber types her number: no card is joined on their word.
        let stranger = ViberUser::new("STRANGER0000000000000=");
        to_the_phone_step(&app, &vb, &stranger).await;
        let before = wa.sent_to(&ana_wa.wa_id).len();
        viber::post(&app, &vb, &text_callback(&stranger, "+381645550040")).await;
        assert!(
            texts(&vb.sent_to(&stranger.id)).contains("type the 6-digit code"),
            "{:?}",
            vb.sent_to(&stranger.id).last()
        );
        let code = code_sent_to(&app, &wa, &ana_wa.wa_id, before).await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..3 {
            viber::post(&app, &vb, &text_callback(&stranger, wrong)).await;
        }
        assert!(texts(&vb.sent_to(&stranger.id)).contains("we have not joined the cards"));
        let stranger_guest = app.guest("viber", &stranger.id).await;
        assert_ne!(stranger_guest.id, card.id, "a new card of their own");
        assert_eq!(stranger_guest.phone, None, "and not her number");
        viber::post(&app, &vb, &text_callback(&stranger, &code)).await;
        assert_ne!(app.guest("viber", &stranger.id).await.id, card.id, "the check is over: the code no longer works");

        // She types it on Viber herself, and the code from her WhatsApp: one card.
        let ana_vb = ViberUser::new("ANA00000000000000000A=");
        to_the_phone_step(&app, &vb, &ana_vb).await;
        let before = wa.sent_to(&ana_wa.wa_id).len();
        viber::post(&app, &vb, &text_callback(&ana_vb, "+381 64 555 0040")).await;
        let code = code_sent_to(&app, &wa, &ana_wa.wa_id, before).await;
        viber::post(&app, &vb, &text_callback(&ana_vb, &code)).await;
        let joined = app.guest("viber", &ana_vb.id).await;
        assert_eq!(joined.id, card.id, "her Viber joins her WhatsApp card");
        assert_eq!(app.points(&joined).await, 123);
        assert!(
            texts(&vb.sent_to(&ana_vb.id)).contains("123 points"),
            "her balance on Viber: {:?}",
            vb.sent_to(&ana_vb.id)
        );
        assert_eq!(app.store.count_guests(app.chain).await.unwrap(), guests + 1, "only the stranger's card is new");
    }
}
