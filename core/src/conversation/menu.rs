//! The main menu, help and promotions.

use super::Arg;
use super::payload::Payload;
use super::reply::{Phrase, ReplyButton};
use super::turn::Turn;

/// The menu's entries, most important first (the last ones give way on channels with few
/// buttons; each is also a typed command: /card, /history, ...).
const MENU: [(&str, Payload); 7] = [
    ("bot-menu-card", Payload::Card),
    ("bot-menu-history", Payload::History(1)),
    ("bot-menu-cafes", Payload::Cafes),
    ("bot-menu-invite", Payload::Invite),
    ("bot-menu-promotions", Payload::Promotions),
    ("bot-menu-language", Payload::Languages),
    ("bot-menu-help", Payload::Help),
];

impl Turn<'_> {
    /// The menu's buttons; without the card entry under the card itself.
    pub(crate) fn menu_buttons(&self, with_card: bool) -> Vec<ReplyButton> {
        MENU.iter()
            .filter(|(_, p)| with_card || *p != Payload::Card)
            .map(|(id, payload)| ReplyButton::payload(id, payload.encode()))
            .collect()
    }

    /// The menu, after `lead` (a fallback or a notice) when given.
    pub(crate) fn menu(&mut self, lead: Option<Phrase>) {
        if self.guest.is_none() {
            // Only guests have a menu; anyone else continues onboarding.
            if let Some(lead) = lead {
                self.line(lead);
            }
            self.resume_onboarding();
            return;
        }
        let mut lines: Vec<Phrase> = lead.into_iter().collect();
        lines.push(Phrase::msg("bot-menu-prompt"));
        let buttons = self.menu_buttons(true);
        self.say(lines, buttons, 2);
    }

    pub(crate) fn help(&mut self) {
        let chain = self.catalog.chain.name.clone();
        let lines = vec![Phrase::with("bot-help", vec![("chain", Arg::Text(chain))])];
        let buttons = if self.guest.is_some() { self.menu_buttons(true) } else { Vec::new() };
        self.say(lines, buttons, 2);
        if self.guest.is_none() {
            self.resume_onboarding();
        }
    }

    /// Promotions: none are defined yet (a later issue brings them), so the guest hears that
    /// they will be told.
    pub(crate) fn promotions(&mut self) {
        let lines = vec![Phrase::msg("bot-promotions-title"), Phrase::msg("bot-promotions-none")];
        let back = vec![ReplyButton::payload("bot-back", Payload::Menu.encode())];
        self.say(lines, back, 1);
    }
}
