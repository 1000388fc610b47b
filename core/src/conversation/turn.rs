//! One turn: the event, what is known about the person, and the replies being built.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::payload::{DeepLink, Payload};
use super::reply::{Phrase, Reply, ReplyBody, ReplyButton, layout};
use super::state::{ConversationState, Step};
use super::{Catalog, Conversation, first_name};
use crate::channel::{Capabilities, InboundEvent, Sender};
use crate::guest::{ChannelIdentity, Guest};
use crate::ids::ChainId;
use crate::store::Store;
use crate::{ErrorKind, Result};

/// A turn of the conversation.
pub(crate) struct Turn<'a> {
    pub(crate) svc: &'a Conversation,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) who: ChannelIdentity,
    pub(crate) from: Sender,
    pub(crate) caps: &'a Capabilities,
    pub(crate) now: DateTime<Utc>,
    pub(crate) state: ConversationState,
    pub(crate) guest: Option<Guest>,
    replies: Vec<Reply>,
}

impl<'a> Turn<'a> {
    #[expect(clippy::too_many_arguments, reason = "assembled once per event by Conversation::handle")]
    pub(crate) fn new(
        svc: &'a Conversation,
        catalog: Arc<Catalog>,
        who: ChannelIdentity,
        from: Sender,
        caps: &'a Capabilities,
        now: DateTime<Utc>,
        state: ConversationState,
        guest: Option<Guest>,
    ) -> Self {
        Self { svc, catalog, who, from, caps, now, state, guest, replies: Vec::new() }
    }

    pub(crate) fn into_parts(self) -> (ConversationState, Vec<Reply>) {
        (self.state, self.replies)
    }

    pub(crate) fn store(&self) -> &dyn Store {
        &*self.svc.store
    }

    pub(crate) fn chain(&self) -> ChainId {
        self.catalog.chain.id
    }

    pub(crate) fn name(&self) -> String {
        first_name(self.guest.as_ref(), &self.from)
    }

    /// The language to speak now: the guest's choice, the choice made during onboarding, the
    /// messenger's language, the chain's.
    fn language(&self) -> String {
        self.guest
            .as_ref()
            .and_then(|g| g.language.clone())
            .or_else(|| self.state.language.clone())
            .or_else(|| self.from.language.clone())
            .unwrap_or_else(|| self.catalog.chain.default_language.clone())
    }

    pub(crate) fn push(&mut self, body: ReplyBody) {
        let reply = Reply {
            to: self.from.address(),
            language: self.language(),
            fallback_language: self.catalog.chain.default_language.clone(),
            body,
        };
        self.replies.push(reply);
    }

    /// Text lines with buttons laid out `per_row` to a row within the channel's limits.
    pub(crate) fn say(&mut self, lines: Vec<Phrase>, buttons: Vec<ReplyButton>, per_row: usize) {
        let buttons = layout(buttons, per_row, self.caps);
        self.push(ReplyBody::Text { lines, buttons });
    }

    /// One line, no buttons.
    pub(crate) fn line(&mut self, phrase: Phrase) {
        self.say(vec![phrase], Vec::new(), 1);
    }

    /// Runs the turn.
    pub(crate) async fn dispatch(&mut self, event: InboundEvent) -> Result<()> {
        if self.guest.is_some() && self.state.step != Step::Ready {
            // A guest known from another path (the POS, an import, a lost state row).
            self.state.step = Step::Ready;
        }
        match event {
            InboundEvent::Start { payload, .. } => self.on_start(payload.as_deref()).await,
            InboundEvent::Text { text, .. } => self.on_text(&text).await,
            InboundEvent::Button { payload, .. } => match Payload::decode(&payload) {
                Some(payload) => self.on_payload(payload).await,
                None => self.stale().await,
            },
            InboundEvent::Contact { phone, verified, .. } => self.on_contact(&phone, verified).await,
            InboundEvent::Location { lat, lon, .. } => self.cafes(Some((lat, lon))),
            _ => Ok(()),
        }
    }

    async fn on_start(&mut self, payload: Option<&str>) -> Result<()> {
        match payload.map(DeepLink::parse) {
            Some(DeepLink::Staff(token)) => {
                if self.open_by_link(&token).await? {
                    return Ok(());
                }
            }
            Some(DeepLink::Referral(code)) => self.note_referrer(&code).await?,
            Some(DeepLink::Other) | None => {}
        }
        if let Some(staff) = self.state.staff.as_mut() {
            staff.awaiting = super::state::StaffAwaiting::Nothing;
        }
        match &self.guest {
            Some(_) => {
                self.line(Phrase::with("bot-welcome-back", vec![("name", super::Arg::Text(self.name()))]));
                self.menu(None);
                Ok(())
            }
            None => {
                self.begin_onboarding();
                Ok(())
            }
        }
    }

    async fn on_payload(&mut self, payload: Payload) -> Result<()> {
        match payload {
            Payload::Languages => {
                self.language_picker("bot-language-prompt");
                Ok(())
            }
            Payload::Language(tag) => self.choose_language(&tag).await,
            Payload::Cafe(cafe) => self.choose_cafe(Some(cafe)).await,
            Payload::NoCafe => self.choose_cafe(None).await,
            Payload::SkipPhone => self.skip_phone().await,
            Payload::Menu => {
                self.menu(None);
                Ok(())
            }
            Payload::Promotions => {
                self.promotions();
                Ok(())
            }
            Payload::Cafes => self.cafes(None),
            Payload::Pin(cafe) => self.pin(cafe).await,
            Payload::Help => {
                self.help();
                Ok(())
            }
            // Only a guest has a card, a history and a referral link: anyone else is taken
            // back to where onboarding stopped.
            Payload::Card | Payload::History(_) | Payload::Invite if self.guest.is_none() => {
                self.resume_onboarding();
                Ok(())
            }
            Payload::Card => self.card().await,
            Payload::History(page) => self.history(page).await,
            Payload::Invite => self.invite().await,
            Payload::StaffAmount
            | Payload::StaffVisit
            | Payload::StaffRedeem
            | Payload::StaffReward(..)
            | Payload::StaffConfirm(_)
            | Payload::StaffCancel(_)
            | Payload::ShiftOpen(_)
            | Payload::ShiftClose
            | Payload::StaffExit => self.on_staff_payload(payload).await,
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<()> {
        let text = text.trim();
        let command = text.strip_prefix('/').map(|c| c.split_whitespace().next().unwrap_or_default());
        match command {
            Some("start") => return self.on_start(text.split_whitespace().nth(1)).await,
            Some("help") => return self.on_payload(Payload::Help).await,
            Some("menu") => return self.on_payload(Payload::Menu).await,
            Some("card") => return self.on_payload(Payload::Card).await,
            Some("history") => return self.on_payload(Payload::History(1)).await,
            Some("cafes") => return self.on_payload(Payload::Cafes).await,
            Some("invite") => return self.on_payload(Payload::Invite).await,
            Some("promotions") => return self.on_payload(Payload::Promotions).await,
            Some("language") => return self.on_payload(Payload::Languages).await,
            Some("staff") => return self.staff_panel().await,
            _ => {}
        }
        if self.staff_text(text).await? {
            return Ok(());
        }
        match self.state.step {
            Step::PhoneCode => self.check_phone_code(text).await,
            Step::Phone if self.guest.is_none() => self.typed_phone(text).await,
            Step::Language | Step::Cafe | Step::Phone if self.guest.is_none() => {
                self.line(Phrase::msg("bot-fallback"));
                self.resume_onboarding();
                Ok(())
            }
            _ if self.guest.is_none() => {
                self.begin_onboarding();
                Ok(())
            }
            _ => {
                self.menu(Some(Phrase::msg("bot-fallback")));
                Ok(())
            }
        }
    }

    /// A button this version does not know (or no longer offers): say so and show the way on.
    pub(crate) async fn stale(&mut self) -> Result<()> {
        if self.guest.is_some() {
            self.menu(Some(Phrase::msg("bot-stale-button")));
            Ok(())
        } else {
            self.line(Phrase::msg("bot-stale-button"));
            self.resume_onboarding();
            Ok(())
        }
    }

    /// Reloads the guest after a change.
    pub(crate) async fn reload_guest(&mut self) -> Result<()> {
        self.guest = match self.store().guest_by_identity(self.chain(), &self.who).await {
            Ok(guest) => Some(guest),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        Ok(())
    }
}
