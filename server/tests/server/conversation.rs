//! The bot conversation end to end over a real SQLite store and the demo chain, rendered with
//! the real locales: what a guest and a barista read.

use std::sync::Arc;

use chrono::{DateTime, TimeZone as _, Utc};
use regulars_core::channel::{ButtonAction, Capabilities, InboundEvent, Message, RateLimits, Sender};
use regulars_core::conversation::{Conversation, ConversationConfig, Reply};
use regulars_core::guest::{ChannelIdentity, Guest};
use regulars_core::ids::{CafeId, ChainId};
use regulars_core::money::{Currency, Money};
use regulars_core::pos::ingest::PurchaseIngest;
use regulars_core::purchase::NewPurchase;
use regulars_core::staff::{NewStaff, Role};
use regulars_core::store::Store;
use regulars_i18n::Localizer;
use regulars_server::app::AppState;
use regulars_server::conversation_render::render;

use crate::test_app::TestApp;

/// Monday 2026-11-23 10:00 in Belgrade: both demo cafes are open.
fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn telegram() -> Capabilities {
    Capabilities {
        max_text_len: 4096,
        max_buttons: 100,
        max_buttons_per_row: 8,
        max_button_label: 64,
        max_list_rows: 0,
        photos: true,
        max_caption_len: 1024,
        contact_sharing: true,
        verified_phone_inherent: false,
        location: true,
        mini_app: true,
        rate: RateLimits { per_second: 30, per_chat_interval: std::time::Duration::from_secs(1) },
        service_window: None,
    }
}

struct Bot {
    store: Arc<dyn Store>,
    state: AppState,
    conversation: Conversation,
    i18n: Localizer,
    chain: ChainId,
    cafes: Vec<CafeId>,
    caps: Capabilities,
    _app: TestApp,
}

/// What one event got back: the raw replies and their rendering.
struct Answer {
    replies: Vec<Reply>,
    messages: Vec<Message>,
}

impl Answer {
    /// Every rendered text and caption, without Fluent's bidi isolation marks.
    fn text(&self) -> String {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Message::Text { text, .. } | Message::Photo { caption: text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
            .replace(['\u{2068}', '\u{2069}'], "")
    }

    fn has(&self, id: &str) -> bool {
        self.replies.iter().any(|r| r.has(id))
    }

    /// The payload of the first button whose payload starts with `prefix`.
    fn payload(&self, prefix: &str) -> String {
        self.messages
            .iter()
            .flat_map(Message::buttons)
            .find_map(|b| match &b.action {
                ButtonAction::Payload(p) if p.starts_with(prefix) => Some(p.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no button {prefix}… in {}", self.text()))
    }

    fn buttons(&self) -> usize {
        self.messages.iter().map(|m| m.buttons().count()).sum()
    }
}

fn person(id: &str, name: &str) -> Sender {
    // Their app speaks English; the Russian guest picks Russian in the bot.
    Sender { external_id: id.into(), display_name: Some(name.into()), language: Some("en".into()) }
}

impl Bot {
    async fn new() -> Self {
        Self::with(ConversationConfig::default()).await
    }

    async fn with(mut config: ConversationConfig) -> Self {
        let app = TestApp::demo().build().await;
        let (store, state, chain) = (app.store.clone(), app.state.clone(), app.chain());
        let cafes = store.list_cafes(chain).await.unwrap().iter().map(|c| c.id).collect();
        config.invite_links.insert("telegram".into(), "https://t.me/demo_bot?start=".into());
        let conversation = Conversation::new(store.clone(), state.till.clone(), config);
        Self {
            store,
            state,
            conversation,
            i18n: Localizer::embedded().unwrap(),
            chain,
            cafes,
            caps: telegram(),
            _app: app,
        }
    }

    async fn send(&self, event: InboundEvent) -> Answer {
        self.send_at(event, morning()).await
    }

    async fn send_at(&self, event: InboundEvent, now: DateTime<Utc>) -> Answer {
        let replies = self.conversation.handle(self.chain, "telegram", &self.caps, event, now).await.unwrap();
        let messages: Vec<Message> = replies.iter().map(|r| render(&self.i18n, r)).collect();
        let answer = Answer { replies, messages };
        let text = answer.text();
        assert!(!text.contains("bot-") && !text.contains("staff-") && !text.contains("{$"), "unrendered: {text}");
        answer
    }

    async fn start(&self, who: &Sender, payload: Option<&str>) -> Answer {
        self.send(InboundEvent::Start { from: who.clone(), payload: payload.map(str::to_owned) }).await
    }

    async fn press(&self, who: &Sender, payload: &str) -> Answer {
        self.send(InboundEvent::Button { from: who.clone(), payload: payload.into(), ack_id: Some("q".into()) }).await
    }

    async fn say(&self, who: &Sender, text: &str) -> Answer {
        self.send(InboundEvent::Text { from: who.clone(), text: text.into() }).await
    }

    async fn guest(&self, who: &Sender) -> Guest {
        let id = ChannelIdentity::new("telegram", who.external_id.clone()).unwrap();
        self.store.guest_by_identity(self.chain, &id).await.unwrap()
    }

    /// A guest who went through onboarding in `language`, skipping the phone.
    async fn onboard(&self, who: &Sender, language: &str) -> Guest {
        self.start(who, None).await;
        self.press(who, &format!("v1:lang:{language}")).await;
        self.press(who, &format!("v1:cafe:{}", self.cafes[0])).await;
        self.press(who, "v1:phone:skip").await;
        self.guest(who).await
    }

    /// A staff member of the chain at its first cafe, known on Telegram as `telegram_id`.
    async fn staff(&self, telegram_id: &str, name: &str, role: Role) -> regulars_core::staff::Staff {
        let identity = Some(ChannelIdentity::new("telegram", telegram_id).unwrap());
        let new = NewStaff { name: name.into(), role, cafes: vec![self.cafes[0]], identity, login: None };
        self.store.create_staff(self.chain, new).await.unwrap()
    }

    async fn buy(&self, guest: &Guest, receipt: &str, rsd: i64) {
        let purchase = NewPurchase {
            cafe_id: self.cafes[0],
            source: "test-pos".into(),
            external_id: receipt.into(),
            guest_id: Some(guest.id),
            total: Money::new(rsd * 100, Currency::new("RSD").unwrap()),
            items: Vec::new(),
            occurred_at: morning(),
        };
        // Past purchases the scenario starts from: nobody is told about them.
        let ingest = PurchaseIngest::history(purchase, guest.public_id.to_string());
        self.store.ingest_purchase(self.chain, ingest).await.unwrap();
    }
}

#[tokio::test]
async fn a_new_guest_onboards_in_russian_and_sees_the_card() {
    let bot = Bot::new().await;
    let ivan = person("9001", "Иван Петров");
    let hello = bot.start(&ivan, None).await;
    assert!(hello.has("bot-welcome") && hello.has("bot-choose-language"));
    assert!(hello.text().contains("Demo Coffee"));
    let labels: Vec<String> = hello.messages.iter().flat_map(Message::buttons).map(|b| b.label.clone()).collect();
    assert!(labels.contains(&"Русский".to_owned()) && labels.contains(&"English".to_owned()), "{labels:?}");

    let language = bot.press(&ivan, "v1:lang:ru").await;
    assert!(language.has("bot-language-set") && language.has("bot-choose-cafe"));
    let cafes: Vec<String> = language.messages.iter().flat_map(Message::buttons).map(|b| b.label.clone()).collect();
    assert!(cafes.contains(&"Demo Coffee Vračar".to_owned()) && cafes.len() == 3, "both cafes and Skip: {cafes:?}");
    let cafe = bot.press(&ivan, &format!("v1:cafe:{}", bot.cafes[1])).await;
    assert!(cafe.has("bot-cafe-chosen") && cafe.has("bot-share-phone") && cafe.has("bot-consent"));
    let share = cafe.messages.iter().flat_map(Message::buttons).any(|b| b.action == ButtonAction::ShareContact);
    assert!(share, "the contact button is offered where the channel has one");

    let card = bot.press(&ivan, "v1:phone:skip").await;
    assert!(card.has("bot-card-ready"));
    let Some(Message::Photo { png, caption, .. }) = card.messages.iter().find(|m| matches!(m, Message::Photo { .. }))
    else {
        panic!("the card is a photo: {}", card.text())
    };
    assert!(png.starts_with(b"\x89PNG"), "a QR PNG");
    assert!(caption.contains("Demo Coffee"));
    let text = card.text();
    assert!(text.contains("На счету 0 баллов"), "{text}");
    assert!(text.contains("До награды «Croissant» осталось 250 баллов"), "{text}");

    let guest = bot.guest(&ivan).await;
    assert_eq!(guest.language.as_deref(), Some("ru"));
    assert_eq!(guest.home_cafe, Some(bot.cafes[1]));
    assert_eq!(guest.phone, None);

    // A purchase of 1 234 RSD earns 123 points (one per 10 RSD): the card says so in Russian.
    bot.buy(&guest, "r-1", 1234).await;
    let card = bot.press(&ivan, "v1:card").await.text();
    assert!(card.contains("На счету 123 балла"), "{card}");
    assert!(card.contains("До награды «Croissant» осталось 127 баллов"), "{card}");
    assert!(card.contains("До уровня Silver осталось 377 баллов"), "{card}");
}

#[tokio::test]
async fn a_returning_guest_gets_the_menu_and_unknown_input_gets_help() {
    let bot = Bot::new().await;
    let ana = person("9002", "Ana");
    bot.onboard(&ana, "en").await;
    let back = bot.start(&ana, None).await;
    assert!(back.has("bot-welcome-back") && back.has("bot-menu-prompt"));
    assert!(back.text().contains("Welcome back, Ana!"));
    assert_eq!(back.buttons(), 7, "the whole menu");

    let confused = bot.say(&ana, "do you have oat milk?").await;
    assert!(confused.has("bot-fallback") && confused.buttons() > 0, "never silence: {}", confused.text());
    let stale = bot.press(&ana, "v0:old-button").await;
    assert!(stale.has("bot-stale-button") && stale.buttons() > 0);

    // A demo guest known from the POS (identity linked, no conversation yet) is recognised too.
    let demo_guest = person("100000", "Milica");
    assert!(bot.start(&demo_guest, None).await.has("bot-welcome-back"));
}

#[tokio::test]
async fn history_pages_through_every_entry() {
    let bot = Bot::new().await;
    let sara = person("9003", "Sara");
    let guest = bot.onboard(&sara, "en").await;
    assert!(bot.press(&sara, "v1:hist:1").await.has("bot-history-empty"));
    for i in 0..7 {
        bot.buy(&guest, &format!("h-{i}"), 100 + i).await;
    }
    let first = bot.press(&sara, "v1:hist:1").await;
    let text = first.text();
    assert_eq!(text.matches("+10 points at Demo Coffee Dorćol").count(), 5, "{text}");
    assert!(text.contains("Page 1 of 2"), "{text}");
    let older = first.payload("v1:hist:2");
    let second = bot.press(&sara, &older).await.text();
    assert_eq!(second.matches("+10 points").count(), 2, "{second}");
    assert!(second.contains("Page 2 of 2"));
}

#[tokio::test]
async fn cafes_say_whether_they_are_open_and_send_a_pin() {
    let bot = Bot::new().await;
    let noa = person("9004", "Noa");
    bot.onboard(&noa, "en").await;
    let open = bot.press(&noa, "v1:cafes").await.text();
    assert!(open.contains("Demo Coffee Dorćol, Cara Dušana 48, Beograd"), "{open}");
    // Times are formatted for English (`9:00 PM`, with a narrow no-break space).
    assert!(open.contains("Open now, until 9:00") && open.contains("Open now, until 8:00"), "{open}");
    let night = Utc.with_ymd_and_hms(2026, 11, 23, 22, 0, 0).unwrap();
    let closed =
        bot.send_at(InboundEvent::Button { from: noa.clone(), payload: "v1:cafes".into(), ack_id: None }, night).await;
    assert!(closed.text().contains("Closed now, opens at 7:30"), "{}", closed.text());
    let pin = bot.press(&noa, &format!("v1:pin:{}", bot.cafes[1])).await;
    assert!(matches!(pin.messages[0], Message::Location { .. }));
    assert!(pin.messages.iter().flat_map(Message::buttons).any(|b| matches!(b.action, ButtonAction::Url(_))));
}

#[tokio::test]
async fn an_invitee_is_linked_to_the_inviter() {
    let bot = Bot::new().await;
    let olga = person("9005", "Olga");
    let inviter = bot.onboard(&olga, "en").await;
    let invite = bot.press(&olga, "v1:invite").await.text();
    let link = format!("https://t.me/demo_bot?start=ref_{}", inviter.referral_code);
    assert!(invite.contains(&link) && invite.contains("No friends have joined yet."), "{invite}");

    let dmitry = person("9006", "Dmitry");
    let hello = bot.start(&dmitry, Some(&format!("ref_{}", inviter.referral_code))).await;
    assert!(hello.text().contains("Olga invited you!"), "{}", hello.text());
    let friend = bot.onboard(&dmitry, "ru").await;
    assert_eq!(friend.referred_by, Some(inviter.id));
    assert!(bot.press(&olga, "v1:invite").await.text().contains("1 friend has joined so far."));
}

#[tokio::test]
async fn staff_open_a_guest_by_link_and_earn_inside_a_shift_once() {
    let bot = Bot::new().await;
    let guest_person = person("9007", "Marko");
    let guest = bot.onboard(&guest_person, "en").await;
    let barista = person("7001", "Ana Barista");
    let staff = bot.staff("7001", "Ana", Role::Barista).await;
    // The guest's card carries the staff link (seed 003: the barista taps it).
    let card = bot.press(&guest_person, "v1:card").await;
    assert!(card.has("bot-card-staff-link"), "{}", card.text());
    let link = card.text().lines().find_map(|l| l.strip_prefix("For staff: ").map(str::to_owned)).unwrap();
    let token = link.strip_prefix("https://t.me/demo_bot?start=").expect("the bot's start link").to_owned();

    // Not staff: the link opens nothing.
    let stranger = person("7002", "Mallory");
    let refused = bot.start(&stranger, Some(token.as_str())).await;
    assert!(refused.has("staff-only") && !refused.has("staff-guest-opened"));
    assert!(!refused.text().contains("Marko"));

    let opened = bot.start(&barista, Some(token.as_str())).await;
    assert!(opened.has("staff-guest-opened"), "{}", opened.text());
    assert!(opened.text().contains("Marko · Classic"));

    // No shift: refused, with a way to open one.
    let no_shift = bot.press(&barista, "v1:st:amt").await;
    assert!(no_shift.has("staff-shift-required"));
    let shift = bot.press(&barista, &no_shift.payload("v1:shift:open:")).await;
    assert!(shift.has("staff-shift-opened") && shift.has("staff-guest-opened"));

    assert!(bot.press(&barista, "v1:st:amt").await.has("staff-earn-prompt"));
    assert!(bot.say(&barista, "lots").await.has("error-invalid-amount"));
    let confirm = bot.say(&barista, "450").await;
    assert!(confirm.has("staff-earn-confirm"), "{}", confirm.text());
    let ok = confirm.payload("v1:st:ok:");
    let done = bot.press(&barista, &ok).await;
    assert!(done.has("staff-earn-done"), "{}", done.text());
    assert!(done.text().contains("Added 45 points"), "{}", done.text());
    // Telegram redelivers the press: nothing is added twice.
    let again = bot.press(&barista, &ok).await;
    assert!(again.has("staff-duplicate-tap"), "{}", again.text());
    let wallets = bot.store.wallets_of_guest(bot.chain, guest.id).await.unwrap();
    assert_eq!(wallets.iter().map(|w| w.balances.points).sum::<i64>(), 45);
    let shift = bot.store.open_shift_of(bot.chain, staff.id).await.unwrap().unwrap();
    assert_eq!(shift.cafe_id, bot.cafes[0]);
    // The same workflow as a POS sale: the guest is told, once, and the ledger names the
    // barista and the shift.
    let told = bot.store.outbox_of_guest(bot.chain, guest.id).await.unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(matches!(told[0].notification, regulars_core::notification::Notification::Earned { .. }));
    let wallet = wallets.iter().find(|w| w.balances.points == 45).unwrap();
    let entries = bot.store.ledger_entries(bot.chain, wallet.id, regulars_core::page::PageRequest::first(10)).await;
    let earned = &entries.unwrap().items[0];
    assert_eq!(earned.actor, regulars_core::ledger::Actor::Staff(staff.id));
    assert_eq!(earned.shift_id, Some(shift.id));

    // A cancelled confirmation does nothing when pressed later.
    bot.press(&barista, "v1:st:amt").await;
    let confirm = bot.say(&barista, "100").await;
    let (ok, cancel) = (confirm.payload("v1:st:ok:"), confirm.payload("v1:st:no:"));
    assert!(bot.press(&barista, &cancel).await.has("staff-cancelled"));
    assert!(!bot.press(&barista, &ok).await.has("staff-earn-done"));
    let wallets = bot.store.wallets_of_guest(bot.chain, guest.id).await.unwrap();
    assert_eq!(wallets.iter().map(|w| w.balances.points).sum::<i64>(), 45);

    // Text that is not a card code, in staff mode with no guest open, asks for the code; the
    // barista is not taken into a guest's onboarding.
    bot.press(&barista, "v1:st:exit").await;
    let staff_panel = bot.say(&barista, "/staff").await;
    let typo = bot.say(&barista, "hello").await;
    assert!(typo.has("staff-code-prompt"), "{} then {}", staff_panel.text(), typo.text());
    assert!(!typo.has("bot-welcome") && !typo.has("bot-choose-language"), "{}", typo.text());
}

#[tokio::test]
async fn staff_open_a_guest_by_the_typed_code() {
    let bot = Bot::new().await;
    let guest_person = person("9008", "Yael");
    let guest = bot.onboard(&guest_person, "he").await;
    bot.staff("7003", "Nikola", Role::Manager).await;
    let card = bot.state.till.present_card(bot.chain, &guest, morning()).await.unwrap();
    let manager = person("7003", "Nikola");
    let no_shift = bot.say(&manager, &card.code.to_string()).await;
    assert!(no_shift.has("staff-shift-required"));
    bot.press(&manager, &format!("v1:shift:open:{}", bot.cafes[0])).await;
    let opened = bot.say(&manager, &card.code.to_string()).await;
    assert!(opened.has("staff-guest-opened"), "{}", opened.text());
    // A guest typing six digits is just a guest typing.
    assert!(bot.say(&guest_person, "123456").await.has("bot-fallback"));
}

#[tokio::test]
async fn staff_redeem_a_reward_at_the_till_once() {
    use regulars_core::notification::Notification;
    use regulars_core::rules::codes::RewardCodeStatus;
    let bot = Bot::new().await;
    let guest_person = person("9010", "Sara");
    let guest = bot.onboard(&guest_person, "en").await;
    bot.buy(&guest, "R-redeem", 3_500).await;
    let staff = bot.staff("7010", "Ana", Role::Barista).await;
    let barista = person("7010", "Ana Barista");
    bot.press(&barista, &format!("v1:shift:open:{}", bot.cafes[0])).await;
    let card = bot.state.till.present_card(bot.chain, &guest, morning()).await.unwrap();
    assert!(bot.say(&barista, &card.code.to_string()).await.has("staff-guest-opened"));

    let choice = bot.press(&barista, "v1:st:rdm").await;
    assert!(choice.has("staff-redeem-prompt"), "{}", choice.text());
    let confirm = bot.press(&barista, &choice.payload("v1:st:rw:")).await;
    assert!(confirm.has("staff-redeem-confirm"), "{}", confirm.text());
    let ok = confirm.payload("v1:st:ok:");
    let done = bot.press(&barista, &ok).await;
    assert!(done.has("staff-redeem-done"), "{}", done.text());
    assert!(done.text().contains("Done: Free coffee for Sara. Balance left: 50."), "{}", done.text());
    // Telegram redelivers the press: nothing is paid twice.
    assert!(bot.press(&barista, &ok).await.has("staff-duplicate-tap"));

    let wallets = bot.store.wallets_of_guest(bot.chain, guest.id).await.unwrap();
    let wallet = wallets.iter().find(|w| w.tier.is_some()).expect("the points wallet");
    assert_eq!(wallet.balances.points, 50, "350 earned, 300 paid once");
    let codes = bot.store.reward_codes_of_wallet(bot.chain, wallet.id).await.unwrap();
    assert_eq!(codes.len(), 1);
    assert_eq!((codes[0].status, codes[0].used_at_cafe), (RewardCodeStatus::Used, Some(bot.cafes[0])));
    let paid = &bot.store.ledger_entries(bot.chain, wallet.id, regulars_core::page::PageRequest::first(1)).await;
    let shift = bot.store.open_shift_of(bot.chain, staff.id).await.unwrap().unwrap();
    let paid = &paid.as_ref().unwrap().items[0];
    assert_eq!((paid.points, paid.shift_id), (-300, Some(shift.id)));
    let told = bot.store.outbox_of_guest(bot.chain, guest.id).await.unwrap();
    assert_eq!(told.len(), 1, "the guest is told of the redemption, once: {told:?}");
    assert!(matches!(&told[0].notification, Notification::Redeemed { reward, .. } if reward == "Free coffee"));
}

#[tokio::test]
async fn channels_without_contacts_or_many_buttons_still_work() {
    let mut bot = Bot::with(ConversationConfig::default()).await;
    bot.caps.contact_sharing = false;
    bot.caps.max_buttons = 3;
    bot.caps.photos = false;
    let viber = person("9009", "Ivan");
    bot.start(&viber, None).await;
    bot.press(&viber, "v1:lang:en").await;
    let phone = bot.press(&viber, &format!("v1:cafe:{}", bot.cafes[0])).await;
    assert!(
        phone.has("bot-type-phone")
            && !phone.messages.iter().flat_map(Message::buttons).any(|b| b.action == ButtonAction::ShareContact)
    );
    assert!(bot.say(&viber, "call me maybe").await.has("bot-phone-invalid"));
    let card = bot.say(&viber, "+381 60 123 4567").await;
    assert!(card.messages.iter().all(|m| !matches!(m, Message::Photo { .. })), "text card without photos");
    assert!(card.has("bot-card-code"));
    let guest = bot.guest(&viber).await;
    assert_eq!((guest.phone.as_deref(), guest.phone_verified), (Some("+381601234567"), false));
    let menu = bot.press(&viber, "v1:menu").await;
    assert!(menu.messages.iter().all(|m| m.buttons().count() <= 3));
}
