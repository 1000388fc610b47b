//! One path for every bot's inbound events, however they arrived (webhook or long polling).
//!
//! For each event, in order:
//! - a button press is acknowledged first, so the person's app stops its spinner;
//! - a person talking (start, text, button, contact, location) is recorded as seen on that
//!   identity ([`GuestRepo::record_seen`]: notifications go to the messenger used last, and
//!   WhatsApp's 24-hour window is counted from it), then handed to the conversation, whose
//!   replies are rendered in the person's language and sent back through the bot, in order.
//!   Where the platform takes the first reply in the webhook's answer (Viber's welcome), it
//!   goes there instead ([`Channel::reply_in_response`]);
//! - the bot blocked or unblocked marks the guest's identities on that messenger unreachable
//!   or reachable again, for the outbox;
//! - a receipt lands on the notification it is about ([`OutboxRepo::record_receipt`]).
//!
//! Storage being down is the one error that makes the platform deliver the update again
//! (503): the conversation's steps are idempotent. A reply the platform refuses is logged, not
//! retried: the person sees the bot answer their next message.
//!
//! [`GuestRepo::record_seen`]: regulars_core::store::GuestRepo::record_seen
//! [`OutboxRepo::record_receipt`]: regulars_core::store::OutboxRepo::record_receipt

use chrono::{DateTime, Utc};
use regulars_core::channel::{Address, DeliveryResult, InboundEvent, Message};
use regulars_core::guest::ChannelIdentity;
use regulars_core::{ErrorKind, Result};

use super::Bot;
use crate::app::AppState;
use crate::conversation_render::render;

/// Handles `events` from `bot` received at `now`; returns the body to answer the webhook with,
/// when the platform takes a reply there.
///
/// # Errors
/// Storage unavailable ([`ErrorKind::Unavailable`]): the platform should deliver again.
pub async fn handle_events(
    state: &AppState,
    bot: &Bot,
    events: Vec<InboundEvent>,
    now: DateTime<Utc>,
) -> Result<Option<Vec<u8>>> {
    let mut response = None;
    for event in events {
        if let Some(body) = handle_event(state, bot, event, now).await? {
            response.get_or_insert(body);
        }
    }
    Ok(response)
}

async fn handle_event(state: &AppState, bot: &Bot, event: InboundEvent, now: DateTime<Utc>) -> Result<Option<Vec<u8>>> {
    let kind = bot.channel.kind();
    match &event {
        InboundEvent::Receipt { message_id, status } => {
            state.store.record_receipt(bot.chain, message_id, *status).await?;
            return Ok(None);
        }
        InboundEvent::Blocked { user } | InboundEvent::Unblocked { user } => {
            let blocked = matches!(event, InboundEvent::Blocked { .. });
            set_reachable(state, bot, user, !blocked).await?;
            return Ok(None);
        }
        InboundEvent::Button { .. } => bot.channel.acknowledge(&event).await,
        _ => {}
    }
    let Some(sender) = sender_id(&event) else { return Ok(None) };
    if let Ok(who) = ChannelIdentity::new(kind, sender) {
        state.store.record_seen(bot.chain, &who, now).await?;
    }
    let caps = bot.channel.capabilities();
    let replies = match state.conversation.handle(bot.chain, kind, &caps, event.clone(), now).await {
        Ok(replies) => replies,
        Err(e) if e.kind() == ErrorKind::Unavailable => return Err(e),
        Err(e) => {
            // Not the platform's to fix by redelivering: answer 200 and log.
            tracing::warn!(error = %e.report(), channel = kind, chain = %bot.chain, "the conversation could not handle an update");
            return Ok(None);
        }
    };
    let mut messages: Vec<(Address, Message)> =
        replies.iter().map(|reply| (reply.to.clone(), render(&state.i18n, reply))).collect();
    let mut response = None;
    if let Some((to, first)) = messages.first()
        && bot.channel.reply_in_response(&event, first).is_some()
    {
        // The platform takes one reply in the answer, and may refuse sends until the person
        // writes (Viber after `conversation_started`): the leading texts go as one message.
        let to = to.clone();
        let folded = fold_texts(&mut messages);
        match bot.channel.reply_in_response(&event, &folded) {
            Some(body) => response = Some(body),
            None => messages.insert(0, (to, folded)),
        }
    }
    for (to, message) in &messages {
        match bot.channel.send(to, message).await {
            DeliveryResult::Delivered { .. } => {}
            DeliveryResult::Blocked { reason } => {
                tracing::info!(%reason, channel = kind, "the person cannot be reached; stopping this answer");
                set_reachable(state, bot, &to.0, false).await?;
                break;
            }
            other => tracing::warn!(result = ?other, channel = kind, "a reply was not delivered"),
        }
    }
    Ok(response)
}

/// Marks the guest behind `user` on the bot's messenger reachable or not (nothing for a
/// person who never became a guest).
async fn set_reachable(state: &AppState, bot: &Bot, user: &str, reachable: bool) -> Result<()> {
    let Ok(who) = ChannelIdentity::new(bot.channel.kind(), user) else { return Ok(()) };
    let guest = match state.store.guest_by_identity(bot.chain, &who).await {
        Ok(guest) => guest,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if reachable {
        state.store.mark_reachable(bot.chain, guest.id, bot.channel.kind()).await
    } else {
        state.store.mark_unreachable(bot.chain, guest.id, bot.channel.kind()).await
    }
}

/// Takes the leading text messages out of `messages` and joins them into one: their texts a
/// blank line apart, their buttons in order.
fn fold_texts(messages: &mut Vec<(Address, Message)>) -> Message {
    let leading = messages.iter().take_while(|(_, m)| matches!(m, Message::Text { .. })).count().max(1);
    let mut texts = Vec::new();
    let mut rows = Vec::new();
    let mut first_other = None;
    for (_, message) in messages.drain(..leading) {
        match message {
            Message::Text { text, buttons } => {
                texts.push(text);
                rows.extend(buttons);
            }
            other => first_other = Some(other),
        }
    }
    first_other.unwrap_or(Message::Text { text: texts.join("\n\n"), buttons: rows })
}

fn sender_id(event: &InboundEvent) -> Option<&str> {
    match event {
        InboundEvent::Start { from, .. }
        | InboundEvent::Text { from, .. }
        | InboundEvent::Button { from, .. }
        | InboundEvent::Contact { from, .. }
        | InboundEvent::Location { from, .. } => Some(&from.external_id),
        _ => None,
    }
}
