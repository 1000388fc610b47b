//! First contact: welcome → language → home cafe → phone (with consent) → the card.

use super::Arg;
use super::payload::Payload;
use super::reply::{Phrase, ReplyButton};
use super::state::Step;
use super::turn::Turn;
use crate::channel::ButtonAction;
use crate::guest::{Guest, GuestUpdate, NewGuest, validate_e164};
use crate::ids::CafeId;
use crate::merge;
use crate::program::ProgramScope;
use crate::{ErrorKind, Result};

impl Turn<'_> {
    /// Greets a newcomer and asks for the language.
    pub(crate) fn begin_onboarding(&mut self) {
        let name = self.name();
        let chain = self.catalog.chain.name.clone();
        self.line(Phrase::with("bot-welcome", vec![("name", Arg::Text(name)), ("chain", Arg::Text(chain))]));
        self.state.step = Step::Language;
        self.language_picker("bot-choose-language");
    }

    /// Asks again the question onboarding stopped at.
    pub(crate) fn resume_onboarding(&mut self) {
        match self.state.step {
            Step::Cafe => self.ask_cafe(),
            Step::Phone => self.ask_phone(),
            Step::PhoneCode => {
                self.state.phone_check = None;
                self.state.step = Step::Phone;
                self.ask_phone();
            }
            Step::Language => self.language_picker("bot-choose-language"),
            Step::New | Step::Ready => self.begin_onboarding(),
        }
    }

    /// The language picker under `prompt`: each language named in itself.
    pub(crate) fn language_picker(&mut self, prompt: &'static str) {
        let buttons = self
            .svc
            .config
            .languages
            .iter()
            .map(|tag| ReplyButton {
                label: Phrase::InLanguage { language: tag.clone(), id: "bot-language-name" },
                action: ButtonAction::Payload(Payload::Language(tag.clone()).encode()),
            })
            .collect();
        self.say(vec![Phrase::msg(prompt)], buttons, 2);
    }

    pub(crate) async fn choose_language(&mut self, tag: &str) -> Result<()> {
        if !self.svc.config.languages.iter().any(|l| l == tag) {
            return self.stale().await;
        }
        if let Some(guest) = &self.guest {
            let update = GuestUpdate { language: Some(tag.to_owned()), ..GuestUpdate::default() };
            self.guest = Some(self.store().update_guest(self.chain(), guest.id, update).await?);
            self.line(Phrase::msg("bot-language-set"));
            self.menu(None);
            return Ok(());
        }
        self.state.language = Some(tag.to_owned());
        self.line(Phrase::msg("bot-language-set"));
        if self.needs_cafe_choice() {
            self.state.step = Step::Cafe;
            self.ask_cafe();
        } else {
            let open: Vec<_> = self.catalog.open_cafes().map(|c| c.id).collect();
            if let [only] = open.as_slice() {
                self.state.home_cafe = Some(*only);
            }
            self.ask_for_phone_step().await?;
        }
        Ok(())
    }

    /// The home cafe matters when a per-cafe program keeps a wallet per cafe and there is a
    /// choice to make.
    fn needs_cafe_choice(&self) -> bool {
        self.catalog.open_cafes().nth(1).is_some()
            && self.catalog.programs.iter().any(|p| p.is_earning() && p.scope == ProgramScope::Cafe)
    }

    fn ask_cafe(&mut self) {
        let mut buttons: Vec<ReplyButton> = self
            .catalog
            .open_cafes()
            .map(|cafe| ReplyButton {
                label: Phrase::Verbatim(cafe.name.clone()),
                action: ButtonAction::Payload(Payload::Cafe(cafe.id).encode()),
            })
            .collect();
        // "Skip" first when the cafes would not all fit, so it is never the one dropped.
        let skip = ReplyButton::payload("bot-skip", Payload::NoCafe.encode());
        if self.caps.max_buttons != 0 && buttons.len() >= self.caps.max_buttons {
            buttons.insert(0, skip);
        } else {
            buttons.push(skip);
        }
        self.say(vec![Phrase::msg("bot-choose-cafe")], buttons, 1);
    }

    pub(crate) async fn choose_cafe(&mut self, cafe: Option<CafeId>) -> Result<()> {
        let chosen = match cafe {
            Some(id) => match self.catalog.cafe(id) {
                Some(cafe) => Some(cafe.clone()),
                None => return self.stale().await,
            },
            None => None,
        };
        if let Some(guest) = &self.guest {
            if let Some(cafe) = &chosen {
                let update = GuestUpdate { home_cafe: Some(cafe.id), ..GuestUpdate::default() };
                self.guest = Some(self.store().update_guest(self.chain(), guest.id, update).await?);
                self.line(Phrase::with("bot-cafe-chosen", vec![("cafe", Arg::Text(cafe.name.clone()))]));
            }
            self.menu(None);
            return Ok(());
        }
        if self.state.step != Step::Cafe {
            // A cafe button from an earlier screen: ask what onboarding is at now.
            self.resume_onboarding();
            return Ok(());
        }
        self.state.home_cafe = chosen.as_ref().map(|c| c.id);
        if let Some(cafe) = chosen {
            self.line(Phrase::with("bot-cafe-chosen", vec![("cafe", Arg::Text(cafe.name))]));
        }
        self.ask_for_phone_step().await
    }

    /// Moves to the phone question, or past it where the platform already vouches for the
    /// number (WhatsApp: the address is the number).
    async fn ask_for_phone_step(&mut self) -> Result<()> {
        if self.caps.verified_phone_inherent {
            let phone = format!("+{}", self.who.external_id.trim_start_matches('+'));
            if validate_e164(&phone).is_ok() {
                return self.finish(Some((phone, true))).await;
            }
        }
        self.state.step = Step::Phone;
        self.ask_phone();
        Ok(())
    }

    fn ask_phone(&mut self) {
        let chain = self.catalog.chain.name.clone();
        let consent = Phrase::with("bot-consent", vec![("chain", Arg::Text(chain))]);
        let skip = ReplyButton::payload("bot-skip", Payload::SkipPhone.encode());
        if self.caps.contact_sharing {
            let share =
                ReplyButton { label: Phrase::msg("bot-share-phone-button"), action: ButtonAction::ShareContact };
            self.say(vec![consent, Phrase::msg("bot-share-phone")], vec![share, skip], 1);
        } else {
            self.say(vec![consent, Phrase::msg("bot-type-phone")], vec![skip], 1);
        }
    }

    pub(crate) async fn skip_phone(&mut self) -> Result<()> {
        if self.guest.is_some() {
            self.menu(None);
            return Ok(());
        }
        if self.state.step == Step::PhoneCode {
            self.state.phone_check = None;
            self.state.step = Step::Phone;
        }
        if self.state.step != Step::Phone {
            self.resume_onboarding();
            return Ok(());
        }
        self.finish(None).await
    }

    /// A phone typed where the channel cannot share contacts: stored unverified.
    pub(crate) async fn typed_phone(&mut self, text: &str) -> Result<()> {
        let phone: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect();
        if validate_e164(&phone).is_err() {
            self.line(Phrase::msg("bot-phone-invalid"));
            self.ask_phone();
            return Ok(());
        }
        // Someone else's card has this number, vouched for: prove it before joining them.
        if self.start_phone_check(&phone).await? {
            return Ok(());
        }
        self.finish(Some((phone, false))).await
    }

    /// A shared contact: during onboarding it completes the phone step; later it updates the
    /// guest's phone.
    pub(crate) async fn on_contact(&mut self, phone: &str, verified: bool) -> Result<()> {
        let phone = if phone.starts_with('+') { phone.to_owned() } else { format!("+{phone}") };
        if validate_e164(&phone).is_err() {
            self.line(Phrase::msg("bot-phone-invalid"));
            if self.guest.is_none() {
                self.resume_onboarding();
            }
            return Ok(());
        }
        if !verified && self.start_phone_check(&phone).await? {
            return Ok(());
        }
        match self.guest.clone() {
            Some(guest) => {
                let update = GuestUpdate { phone: Some((phone.clone(), verified)), ..GuestUpdate::default() };
                self.guest = Some(self.store().update_guest(self.chain(), guest.id, update).await?);
                // The same person already has a card through another messenger: one card.
                let twin = if verified {
                    merge::verified_twin(self.store(), self.chain(), &phone, Some(guest.id)).await?
                } else {
                    None
                };
                match twin {
                    Some(twin) => {
                        let merged = merge::merge(self.store(), self.chain(), guest.id, twin.id).await?;
                        self.guest = Some(merged.guest);
                        self.line(Phrase::msg("bot-cards-merged"));
                        self.card().await
                    }
                    None => {
                        self.menu(Some(Phrase::msg("bot-phone-saved")));
                        Ok(())
                    }
                }
            }
            None => self.finish(Some((phone, verified))).await,
        }
    }

    /// Remembers who invited a newcomer (their `ref_` deep link), and says so.
    pub(crate) async fn note_referrer(&mut self, code: &str) -> Result<()> {
        if self.guest.is_some() {
            return Ok(());
        }
        let referrer = match self.store().guest_by_referral_code(self.chain(), code).await {
            Ok(referrer) => referrer,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        self.state.referrer = Some(referrer.id);
        if let Some(friend) = referrer.display_name.as_deref().and_then(|n| n.split_whitespace().next()) {
            self.line(Phrase::with("bot-invited-by", vec![("friend", Arg::Text(friend.to_owned()))]));
        }
        Ok(())
    }

    /// Creates the guest from what onboarding gathered and shows the card.
    pub(crate) async fn finish(&mut self, phone: Option<(String, bool)>) -> Result<()> {
        let (phone, phone_verified) = phone.map_or((None, false), |(p, v)| (Some(p), v));
        let new = NewGuest {
            display_name: self.from.display_name.clone(),
            phone,
            phone_verified,
            language: self.state.language.clone(),
            home_cafe: self.state.home_cafe,
            referred_by: self.state.referrer,
            identity: Some(self.who.clone()),
            ..NewGuest::default()
        };
        // A phone the messenger vouches for that a guest already has: the same person, joining
        // from another messenger. Their card gains this identity; no second card.
        let twin = match (&new.phone, new.phone_verified) {
            (Some(phone), true) => merge::verified_twin(self.store(), self.chain(), phone, None).await?,
            _ => None,
        };
        let found = twin.is_some();
        match twin {
            Some(twin) => match self.store().link_identity(self.chain(), twin.id, self.who.clone()).await {
                Ok(guest) => self.guest = Some(self.adopt_choices(guest).await?),
                Err(e) if e.kind() == ErrorKind::Conflict => self.reload_guest().await?,
                Err(e) => return Err(e),
            },
            None => match self.store().create_guest(self.chain(), new).await {
                Ok(guest) => self.guest = Some(guest),
                // The same update handled twice at once: the other one created the guest.
                Err(e) if e.kind() == ErrorKind::Conflict => self.reload_guest().await?,
                Err(e) => return Err(e),
            },
        }
        self.state.step = Step::Ready;
        self.state.home_cafe = None;
        self.state.referrer = None;
        let name = self.name();
        if found {
            self.line(Phrase::with("bot-card-found", vec![("name", Arg::Text(name))]));
        } else {
            self.line(Phrase::with("bot-card-ready", vec![("name", Arg::Text(name))]));
        }
        self.card().await
    }

    /// The language picked in this onboarding becomes the guest's (their latest choice).
    pub(crate) async fn adopt_choices(&mut self, guest: Guest) -> Result<Guest> {
        match self.state.language.clone() {
            Some(language) if guest.language.as_deref() != Some(language.as_str()) => {
                let update = GuestUpdate { language: Some(language), ..GuestUpdate::default() };
                self.store().update_guest(self.chain(), guest.id, update).await
            }
            _ => Ok(guest),
        }
    }
}
