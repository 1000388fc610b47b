//! Long polling: `getUpdates` instead of a webhook, for running on a laptop or anywhere without
//! a public HTTPS URL. The same updates come through, mapped the same way as
//! [`Channel::parse_webhook`](regulars_core::channel::Channel::parse_webhook) maps them (there
//! is no secret to check: the answer comes from Telegram over our own connection).

use std::collections::VecDeque;

use futures::Stream;
use regulars_core::channel::InboundEvent;
use teloxide::payloads::GetUpdatesSetters as _;
use teloxide::requests::Requester as _;

use crate::client::{TelegramChannel, TelegramError};
use crate::mapping;

/// One `getUpdates` answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Polled {
    /// The events the updates carried, in order.
    pub events: Vec<InboundEvent>,
    /// The offset for the next poll: it confirms every update of this answer to Telegram.
    pub next_offset: i32,
}

impl TelegramChannel {
    /// Asks Telegram for updates from `offset` on (0 at first), waiting up to the configured
    /// `poll_timeout_secs` for one to arrive.
    ///
    /// # Errors
    /// [`TelegramError::WebhookActive`] while a webhook is set; otherwise as for any call.
    pub async fn poll(&self, offset: i32) -> Result<Polled, TelegramError> {
        let seconds = u32::try_from(self.poll_timeout.as_secs()).unwrap_or(50);
        let call = self.bot.get_updates().offset(offset).timeout(seconds);
        let updates = self.call_within(self.poll_timeout + self.request_timeout, async move { call.await }).await?;
        let mut next_offset = offset;
        let mut events = Vec::new();
        for update in &updates {
            let id = i32::try_from(update.id.0).unwrap_or(i32::MAX);
            next_offset = next_offset.max(id.saturating_add(1));
            events.extend(mapping::events(update, self.bot_username()));
        }
        Ok(Polled { events, next_offset })
    }

    /// Polls for ever from `offset` on, yielding events as they come. A failed poll yields
    /// its error, then the stream waits as the error asks and polls again; it ends after
    /// [`TelegramError::WebhookActive`] or a refusal, which retrying cannot fix.
    pub fn updates(&self, offset: i32) -> impl Stream<Item = Result<InboundEvent, TelegramError>> + Send + '_ {
        struct State<'a> {
            channel: &'a TelegramChannel,
            offset: i32,
            pending: VecDeque<InboundEvent>,
            wait: Option<std::time::Duration>,
            done: bool,
        }
        let start = State { channel: self, offset, pending: VecDeque::new(), wait: None, done: false };
        futures::stream::unfold(start, |mut state| async move {
            loop {
                if let Some(event) = state.pending.pop_front() {
                    return Some((Ok(event), state));
                }
                if state.done {
                    return None;
                }
                if let Some(wait) = state.wait.take() {
                    tokio::time::sleep(wait).await;
                }
                match state.channel.poll(state.offset).await {
                    Ok(polled) => {
                        state.offset = polled.next_offset;
                        state.pending.extend(polled.events);
                    }
                    Err(error) => {
                        state.wait = error.retry_after();
                        state.done = state.wait.is_none();
                        return Some((Err(error), state));
                    }
                }
            }
        })
    }
}
