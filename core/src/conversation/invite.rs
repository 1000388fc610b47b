//! Invite a friend: the guest's personal referral link. A newcomer who starts the bot with it
//! is linked to the inviter when their guest is created ([`Guest::referred_by`]).
//!
//! [`Guest::referred_by`]: crate::guest::Guest::referred_by

use super::Arg;
use super::payload::{DeepLink, Payload};
use super::reply::{Phrase, ReplyButton};
use super::turn::Turn;
use crate::Result;

impl Turn<'_> {
    /// The guest's referral link and how many friends joined with it.
    pub(crate) async fn invite(&mut self) -> Result<()> {
        let Some(guest) = self.guest.clone() else { return Ok(()) };
        let payload = DeepLink::referral_payload(&guest.referral_code);
        let link = match self.start_link_base() {
            Some(base) => format!("{base}{payload}"),
            None => payload,
        };
        let friends = self.store().count_referrals(self.chain(), guest.id).await?;
        let chain = Arg::Text(self.catalog.chain.name.clone());
        let pitch = match self.svc.config.referral_bonus {
            Some(points) => Phrase::with("bot-invite", vec![("chain", chain), ("points", Arg::Int(points))]),
            None => Phrase::with("bot-invite-no-bonus", vec![("chain", chain)]),
        };
        let lines = vec![
            pitch,
            Phrase::with("bot-invite-link", vec![("link", Arg::Text(link))]),
            Phrase::with("bot-invite-count", vec![("friends", Arg::Int(i64::try_from(friends).unwrap_or(i64::MAX)))]),
        ];
        self.say(lines, vec![ReplyButton::payload("bot-back", Payload::Menu.encode())], 1);
        Ok(())
    }

    /// The link a start payload is appended to on this messenger, for this chain's bot (see
    /// [`ConversationConfig::invite_links`](super::ConversationConfig::invite_links)).
    pub(crate) fn start_link_base(&self) -> Option<&str> {
        let kind = self.who.channel.as_str();
        let per_chain = format!("{kind}:{}", self.chain());
        let links = &self.svc.config.invite_links;
        links.get(&per_chain).or_else(|| links.get(kind)).map(String::as_str)
    }
}
