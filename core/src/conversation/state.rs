//! Where a person is in the conversation, persisted per (chain, messenger identity) through
//! [`ConversationRepo`](crate::store::ConversationRepo).
//!
//! The state is small and stored as JSON. Every field has a default, so a state written by an
//! older version still loads, and a step this version does not know falls back to the start
//! of onboarding (or the menu, for a known guest) instead of failing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CafeId, GuestId, ProgramId};

/// The conversation's state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConversationState {
    /// The step the person is at.
    pub step: Step,
    /// Language picked during onboarding, before the guest exists (afterwards the guest's
    /// own language is the truth).
    pub language: Option<String>,
    /// Home cafe picked during onboarding, before the guest exists.
    pub home_cafe: Option<CafeId>,
    /// Who invited them (from a referral deep link), until the guest is created.
    pub referrer: Option<GuestId>,
    /// Staff mode, for staff members.
    pub staff: Option<StaffSession>,
    /// The last nonce handed out for a single-use confirm button.
    pub nonce: u64,
    /// A phone number being proven with a code (see [`super::phone_check`]).
    pub phone_check: Option<PhoneCheck>,
}

/// A code sent to the messenger of the guest who has the number the person gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneCheck {
    /// The guest whose vouched-for number it is.
    pub twin: GuestId,
    /// Salted SHA-256 of the code, hex (the code itself is not kept).
    pub digest: String,
    /// The salt.
    pub salt: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
    /// Wrong codes so far.
    pub attempts: u8,
}

impl ConversationState {
    /// A fresh nonce for a single-use button.
    pub fn next_nonce(&mut self) -> u64 {
        self.nonce += 1;
        self.nonce
    }
}

/// The onboarding or idle step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Asked which language.
    Language,
    /// Asked which cafe.
    Cafe,
    /// Asked for the phone (share button, or typed where contacts cannot be shared).
    Phone,
    /// Asked for the code that proves the phone number given is theirs.
    PhoneCode,
    /// A guest with a card: the menu is what they see.
    Ready,
    /// Nothing asked yet (also any step this version does not know).
    #[default]
    #[serde(other)]
    New,
}

/// A staff member serving a guest in the messenger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSession {
    /// The guest opened (by deep link or code), if any.
    pub guest: Option<GuestId>,
    /// What the bot waits for.
    #[serde(default)]
    pub awaiting: StaffAwaiting,
    /// The last confirmed action's nonce: the same confirm pressed again (or redelivered) is
    /// answered as a repeat, never done twice.
    #[serde(default)]
    pub done: Option<u64>,
    /// Actions confirmed in this messenger since the shift was opened here.
    #[serde(default)]
    pub shift_actions: u32,
}

/// What staff mode waits for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StaffAwaiting {
    /// The purchase amount, typed.
    Amount,
    /// The last digits of the guest's phone, for a code several guests share.
    PhoneDigits {
        /// The six digits typed before.
        code: String,
    },
    /// A confirm or cancel of `action`.
    Confirm {
        /// The nonce the confirm button carries.
        nonce: u64,
        /// What confirming does.
        action: StaffAction,
    },
    /// Nothing: buttons or a guest code (also anything this version does not know).
    #[default]
    #[serde(other)]
    Nothing,
}

/// A staff action waiting for confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StaffAction {
    /// Earn for a purchase of this amount (minor units of the shift cafe's currency).
    Earn {
        /// Minor units.
        amount_minor: i64,
    },
    /// Count a visit.
    Visit,
    /// Redeem a reward.
    Redeem {
        /// The program.
        program: ProgramId,
        /// The reward's key.
        reward: String,
    },
}

/// A conversation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConversation {
    /// The state.
    pub state: ConversationState,
    /// Its version, for compare-and-set saves.
    pub version: u64,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_old_or_unknown_ones_still_load() {
        let mut state = ConversationState { step: Step::Phone, language: Some("ru".into()), ..Default::default() };
        state.staff = Some(StaffSession {
            guest: Some(GuestId(4)),
            awaiting: StaffAwaiting::Confirm { nonce: 3, action: StaffAction::Earn { amount_minor: 45_000 } },
            done: None,
            shift_actions: 2,
        });
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<ConversationState>(&json).unwrap(), state);
        let old: ConversationState = serde_json::from_str(r#"{"step":"teleported","extra":1}"#).unwrap();
        assert_eq!(old.step, Step::New);
        let staff: StaffSession = serde_json::from_str(r#"{"guest":1,"awaiting":{"kind":"dancing"}}"#).unwrap();
        assert_eq!(staff.awaiting, StaffAwaiting::Nothing);
    }
}
