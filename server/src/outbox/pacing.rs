//! Pacing one bot's sends by its [`RateLimits`]: at most `per_second` sends in any window of a
//! second across the bot, at least `per_chat_interval` between two sends to one chat, and a
//! pause of the whole bot when the platform says "too many requests".
//!
//! The window is sliding and counts the sends that really went out (their instants), not a
//! schedule: a schedule-based bucket lets a late send and an on-time one land closer than the
//! platform allows, and a bucket with burst capacity lets almost twice the rate into one
//! second. Both limits get a small safety margin ([`SAFETY`]), because the platform measures
//! when requests arrive, a little after we measured them leaving.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use regulars_core::channel::{Address, RateLimits};
use tokio::time::Instant;

/// Added to the one-second window and to the per-chat interval.
pub const SAFETY: Duration = Duration::from_millis(10);

/// The pacing state of one bot.
#[derive(Debug)]
pub(crate) struct Pacer {
    per_window: usize,
    window: Duration,
    chat_interval: Duration,
    /// Instants of the last `per_window` sends, oldest first.
    recent: VecDeque<Instant>,
    /// The last send to each chat, pruned once older than the interval.
    last_to_chat: HashMap<Address, Instant>,
    paused_until: Option<Instant>,
}

impl Pacer {
    pub(crate) fn new(limits: RateLimits) -> Self {
        let per_window = usize::try_from(limits.per_second.max(1)).unwrap_or(usize::MAX);
        Self {
            per_window,
            window: Duration::from_secs(1) + SAFETY,
            chat_interval: if limits.per_chat_interval.is_zero() {
                Duration::ZERO
            } else {
                limits.per_chat_interval + SAFETY
            },
            recent: VecDeque::with_capacity(per_window),
            last_to_chat: HashMap::new(),
            paused_until: None,
        }
    }

    /// The earliest instant the bot may send anything.
    pub(crate) fn next_slot(&self, now: Instant) -> Instant {
        let mut at = now;
        if self.recent.len() >= self.per_window
            && let Some(&oldest) = self.recent.front()
        {
            at = at.max(oldest + self.window);
        }
        if let Some(paused) = self.paused_until {
            at = at.max(paused);
        }
        at
    }

    /// The earliest instant a message may go to `chat`, by the per-chat interval alone.
    pub(crate) fn chat_ready(&self, chat: &Address, now: Instant) -> Instant {
        self.last_to_chat.get(chat).map_or(now, |&last| (last + self.chat_interval).max(now))
    }

    /// Records a send to `chat` at `at`.
    pub(crate) fn record(&mut self, chat: &Address, at: Instant) {
        if self.recent.len() >= self.per_window {
            self.recent.pop_front();
        }
        self.recent.push_back(at);
        if !self.chat_interval.is_zero() {
            self.last_to_chat.insert(chat.clone(), at);
            // Keep the map to the chats that still constrain us; amortised by size.
            if self.last_to_chat.len() > 4 * self.per_window + 64 {
                let interval = self.chat_interval;
                self.last_to_chat.retain(|_, &mut last| last + interval > at);
            }
        }
    }

    /// Stops every send until `until` (the platform's retry-after).
    pub(crate) fn pause(&mut self, until: Instant) {
        self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_second: u32) -> RateLimits {
        RateLimits { per_second, per_chat_interval: Duration::from_secs(1) }
    }

    fn chat(id: &str) -> Address {
        Address(id.into())
    }

    #[test]
    fn at_most_per_second_sends_in_any_window() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(limits(3));
        for i in 0..3 {
            let at = t0 + Duration::from_millis(i);
            assert_eq!(pacer.next_slot(at), at, "the first three go at once");
            pacer.record(&chat(&i.to_string()), at);
        }
        let fourth = pacer.next_slot(t0 + Duration::from_millis(5));
        assert_eq!(fourth, t0 + Duration::from_secs(1) + SAFETY, "a second after the first send");
        pacer.record(&chat("4"), fourth);
        assert_eq!(pacer.next_slot(fourth), t0 + Duration::from_millis(1) + Duration::from_secs(1) + SAFETY);
    }

    #[test]
    fn one_chat_waits_its_interval_others_do_not() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(limits(30));
        pacer.record(&chat("a"), t0);
        assert_eq!(pacer.chat_ready(&chat("a"), t0), t0 + Duration::from_secs(1) + SAFETY);
        assert_eq!(pacer.chat_ready(&chat("b"), t0), t0);
    }

    #[test]
    fn a_pause_holds_everything() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(limits(30));
        pacer.pause(t0 + Duration::from_secs(5));
        pacer.pause(t0 + Duration::from_secs(2));
        assert_eq!(pacer.next_slot(t0), t0 + Duration::from_secs(5), "the longer pause wins");
    }

    #[test]
    fn the_chat_map_stays_small() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(limits(2));
        for i in 0..1_000_u64 {
            pacer.record(&chat(&i.to_string()), t0 + Duration::from_millis(500 * i));
        }
        assert!(pacer.last_to_chat.len() <= 4 * 2 + 64 + 1, "{}", pacer.last_to_chat.len());
    }
}
