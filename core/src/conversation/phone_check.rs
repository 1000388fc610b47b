//! A phone number the messenger cannot vouch for (typed on Viber, or a Viber contact), when a
//! guest of the chain already has that number vouched for by another messenger: the person is
//! asked to prove it is theirs with a six-digit code sent to that guest's messenger through the
//! outbox. The right code joins this identity to that card (or merges the two cards); a
//! number is never taken on the person's word alone.
//!
//! The code lives in the conversation state as a salted SHA-256 digest, expires after
//! [`CODE_TTL_MINUTES`] and allows [`MAX_ATTEMPTS`] tries; giving up or skipping keeps the
//! typed number out of the database (it belongs to someone else's card as far as we know).

use chrono::Duration;
use rand::Rng as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use super::reply::{Arg, Phrase, ReplyButton};
use super::state::{PhoneCheck, Step};
use super::turn::Turn;
use crate::channel::messenger_name;
use crate::guest::{ChannelIdentity, Guest};
use crate::merge;
use crate::notification::{NewNotification, Notification};
use crate::{ErrorKind, Result};

/// How long a code is good for.
pub const CODE_TTL_MINUTES: i64 = 10;
/// Wrong codes allowed before the check is given up.
pub const MAX_ATTEMPTS: u8 = 3;

impl Turn<'_> {
    /// Starts a check of `phone` when another guest has it vouched for; `false` when there is
    /// nothing to check (no such guest, or nowhere to send the code).
    pub(crate) async fn start_phone_check(&mut self, phone: &str) -> Result<bool> {
        let mine = self.guest.as_ref().map(|g| g.id);
        let Some(twin) = merge::verified_twin(self.store(), self.chain(), phone, mine).await? else { return Ok(false) };
        let Some(elsewhere) = messenger_elsewhere(&twin, &self.who) else { return Ok(false) };
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let salt = format!("{:016x}", rand::rng().random::<u64>());
        let nonce = self.state.next_nonce();
        let notification = NewNotification {
            guest_id: twin.id,
            dedupe_key: format!("phone_code:{}:{}:{nonce}", self.who.channel, self.who.external_id),
            notification: Notification::PhoneCode { code: code.clone(), messenger: self.who.channel.to_string() },
        };
        self.store().queue_notification(self.chain(), notification).await?;
        self.state.phone_check = Some(PhoneCheck {
            twin: twin.id,
            digest: digest(&salt, &code),
            salt,
            expires_at: self.now + Duration::minutes(CODE_TTL_MINUTES),
            attempts: 0,
        });
        self.state.step = Step::PhoneCode;
        let sent =
            Phrase::with("bot-phone-code-sent", vec![("messenger", Arg::Text(messenger_name(&elsewhere).to_owned()))]);
        self.say(vec![sent], vec![skip_button()], 1);
        Ok(true)
    }

    /// A reply while a code is awaited.
    pub(crate) async fn check_phone_code(&mut self, text: &str) -> Result<()> {
        let Some(mut check) = self.state.phone_check.take() else {
            if self.guest.is_some() {
                self.state.step = Step::Ready;
                self.menu(None);
            } else {
                self.state.step = Step::Phone;
                self.resume_onboarding();
            }
            return Ok(());
        };
        let typed: String = text.chars().filter(char::is_ascii_digit).collect();
        if self.now > check.expires_at {
            return self.give_up_phone_check("bot-phone-code-expired").await;
        }
        if typed.len() != 6 || !bool::from(digest(&check.salt, &typed).as_bytes().ct_eq(check.digest.as_bytes())) {
            check.attempts += 1;
            if check.attempts >= MAX_ATTEMPTS {
                return self.give_up_phone_check("bot-phone-code-failed").await;
            }
            let left = i64::from(MAX_ATTEMPTS - check.attempts);
            self.state.phone_check = Some(check);
            self.say(
                vec![Phrase::with("bot-phone-code-wrong", vec![("left", Arg::Int(left))])],
                vec![skip_button()],
                1,
            );
            return Ok(());
        }
        self.state.step = Step::Ready;
        let twin = check.twin;
        match self.guest.clone() {
            // A card already: the two become one.
            Some(guest) => {
                let merged = merge::merge(self.store(), self.chain(), guest.id, twin).await?;
                self.guest = Some(merged.guest);
                self.line(Phrase::msg("bot-cards-merged"));
                self.card().await
            }
            // Onboarding: this identity joins the card.
            None => match self.store().link_identity(self.chain(), twin, self.who.clone()).await {
                Ok(guest) => {
                    let guest = self.adopt_choices(guest).await?;
                    self.guest = Some(guest);
                    let name = self.name();
                    self.state.home_cafe = None;
                    self.state.referrer = None;
                    self.line(Phrase::with("bot-card-found", vec![("name", Arg::Text(name))]));
                    self.card().await
                }
                Err(e) if e.kind() == ErrorKind::Conflict => {
                    self.reload_guest().await?;
                    self.card().await
                }
                Err(e) => Err(e),
            },
        }
    }

    /// Ends a check without joining anything: onboarding finishes without a phone.
    pub(crate) async fn give_up_phone_check(&mut self, why: &'static str) -> Result<()> {
        self.state.phone_check = None;
        self.line(Phrase::msg(why));
        if self.guest.is_some() {
            self.state.step = Step::Ready;
            self.menu(None);
            Ok(())
        } else {
            self.state.step = Step::Phone;
            self.finish(None).await
        }
    }
}

fn skip_button() -> ReplyButton {
    ReplyButton::payload("bot-skip", super::payload::Payload::SkipPhone.encode())
}

/// The messenger, other than the person's own, where the vouched-for card can be told.
fn messenger_elsewhere(twin: &Guest, me: &ChannelIdentity) -> Option<String> {
    twin.identities.iter().find(|i| i.channel != me.channel).map(|i| i.channel.to_string())
}

fn digest(salt: &str, code: &str) -> String {
    let hash = Sha256::digest(format!("{salt}:{code}").as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}
