//! History: what the guest earned and spent, newest first, a page at a time.

use chrono_tz::Tz;

use super::Arg;
use super::payload::Payload;
use super::reply::{Phrase, ReplyButton};
use super::turn::Turn;
use crate::Result;
use crate::ledger::{EntryKind, LedgerEntry};
use crate::loyalty::Loyalty;
use crate::rules::snapshot::RuleSnapshot;

impl Turn<'_> {
    /// Page `page` (1-based) of the guest's history across their wallets.
    pub(crate) async fn history(&mut self, page: u32) -> Result<()> {
        let Some(guest) = self.guest.clone() else { return Ok(()) };
        let loyalty = Loyalty::new(self.store());
        let mut entries: Vec<LedgerEntry> = Vec::new();
        for wallet in self.store().wallets_of_guest(self.chain(), guest.id).await? {
            entries.extend(loyalty.history(self.chain(), wallet.id).await?);
        }
        entries.retain(|e| e.points != 0 || e.stamps != 0);
        entries.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.get().cmp(&a.id.get())));
        let back = ReplyButton::payload("bot-back", Payload::Menu.encode());
        if entries.is_empty() {
            self.say(vec![Phrase::msg("bot-history-title"), Phrase::msg("bot-history-empty")], vec![back], 1);
            return Ok(());
        }
        let size = self.svc.config.history_page_size.max(1);
        let pages = entries.len().div_ceil(size);
        let page = usize::try_from(page).unwrap_or(usize::MAX).clamp(1, pages);
        let mut lines = vec![Phrase::msg("bot-history-title")];
        for entry in entries.iter().skip((page - 1) * size).take(size) {
            lines.push(self.entry_line(entry));
        }
        let as_int = |n: usize| Arg::Int(i64::try_from(n).unwrap_or(i64::MAX));
        lines.push(Phrase::with("bot-history-page", vec![("page", as_int(page)), ("pages", as_int(pages))]));
        let mut buttons = Vec::new();
        let number = |p: usize| u32::try_from(p).unwrap_or(u32::MAX);
        if page > 1 {
            buttons.push(ReplyButton::payload("bot-history-newer", Payload::History(number(page - 1)).encode()));
        }
        if page < pages {
            buttons.push(ReplyButton::payload("bot-history-older", Payload::History(number(page + 1)).encode()));
        }
        buttons.push(back);
        self.say(lines, buttons, 2);
        Ok(())
    }

    fn entry_line(&self, entry: &LedgerEntry) -> Phrase {
        let cafe = entry.cafe_id.and_then(|id| self.catalog.cafe(id));
        let tz: Tz = cafe.map_or(chrono_tz::UTC, |c| c.timezone);
        let date = Arg::Date(entry.created_at.with_timezone(&tz).date_naive());
        let cafe_name = Arg::Text(cafe.map_or_else(|| self.catalog.chain.name.clone(), |c| c.name.clone()));
        let amount = if entry.points == 0 { entry.stamps } else { entry.points };
        match entry.kind {
            EntryKind::Earn if entry.points == 0 => {
                Phrase::with("bot-history-stamp", vec![("date", date), ("cafe", cafe_name)])
            }
            EntryKind::Earn => Phrase::with(
                "bot-history-earn",
                vec![("date", date), ("points", Arg::Int(entry.points)), ("cafe", cafe_name)],
            ),
            EntryKind::Redeem => {
                let reward = match entry.snapshot() {
                    Some(RuleSnapshot::Redeem(r) | RuleSnapshot::AutoReward(r)) => r.name.clone(),
                    _ => entry.reason.clone().unwrap_or_default(),
                };
                Phrase::with(
                    "bot-history-redeem",
                    vec![
                        ("date", date),
                        ("reward", Arg::Text(reward)),
                        ("cafe", cafe_name),
                        ("points", Arg::Int(-amount)),
                    ],
                )
            }
            EntryKind::Expire => {
                Phrase::with("bot-history-expire", vec![("date", date), ("points", Arg::Int(-amount))])
            }
            EntryKind::Adjust => Phrase::with(
                "bot-history-adjust",
                vec![
                    ("date", date),
                    ("delta", Arg::Text(format!("{amount:+}"))),
                    ("reason", Arg::Text(entry.reason.clone().unwrap_or_default())),
                ],
            ),
            EntryKind::Refund => Phrase::with(
                "bot-history-refund",
                vec![("date", date), ("cafe", cafe_name), ("points", Arg::Int(-amount))],
            ),
            EntryKind::Bonus => {
                let kind = match entry.reason.as_deref() {
                    Some(r) if r.contains("referral") => "referral",
                    Some(r) if r.contains("birthday") => "birthday",
                    _ => "promotion",
                };
                Phrase::with(
                    "bot-history-bonus",
                    vec![("date", date), ("points", Arg::Int(amount)), ("kind", Arg::Text(kind.to_owned()))],
                )
            }
        }
    }
}
