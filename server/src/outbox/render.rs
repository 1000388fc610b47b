//! A queued [`Notification`] as a channel-neutral [`Message`] in the guest's language.
//!
//! Rendered at send time, not at queue time, so a guest who changed language meanwhile hears
//! it in the new one. The language is the guest's choice, else the chain's default, else
//! English ([`Localizer::negotiate`]); a message a locale lacks falls back to the chain's
//! default and then English ([`Localizer::format_for_chain`]).
//!
//! What each notification says, per program it touched, from the `notify-*` messages in
//! `notifications.ftl`:
//!
//! - **earned, points**: `notify-points-earned` (points, the order's amount, the balance),
//!   `notify-tier-up` when the purchase moved the guest up a tier, then the nearest goal:
//!   `notify-progress-reward` for the cheapest reward not yet covered, else
//!   `notify-progress-tier` for the next tier (left out for spend-qualified tiers, whose
//!   distance is money, not points);
//! - **earned, stamps**: `notify-stamp-earned` (stamps on the card of how many), or
//!   `notify-stamp-card-full` when the card is full and no code was issued for it;
//! - **a reward code issued** by the purchase: `notify-reward-unlocked` for each;
//! - **refunded**: `notify-refund` (what was taken back, in points or stamps);
//! - **redeemed** at the till: `notify-reward-redeemed` (the reward, the points left), or
//!   `notify-stamp-reward-redeemed` (the stamps left) for a stamp card's reward.
//!
//! Parts are joined with line breaks. Fluent's bidi isolation marks stay in the text (the
//! channels send them on; they keep a Latin cafe name upright inside Hebrew).

use regulars_core::channel::Message;
use regulars_core::money::Money;
use regulars_core::notification::{ClaimedMessage, Notification, ProgramProgress, Unit};
use regulars_i18n::{FluentArgs, LanguageIdentifier, Localizer, format_money};

/// What a notification refers to but does not carry: the sender looks these up (they do not
/// change after the purchase, so looking them up at send time is safe).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The cafe's name.
    pub cafe: String,
    /// The purchase's total, for "… for your order of 830,00 RSD" (earned notifications).
    pub total: Option<Money>,
}

/// The languages one message is rendered in.
struct Voice<'a> {
    i18n: &'a Localizer,
    lang: LanguageIdentifier,
    chain: LanguageIdentifier,
}

impl Voice<'_> {
    fn say(&self, id: &str, args: &FluentArgs<'_>) -> String {
        self.i18n.format_for_chain(&self.lang, &self.chain, id, Some(args))
    }
}

/// Renders `claimed`'s notification for its guest, with `facts` about what it refers to.
#[must_use]
pub fn render(i18n: &Localizer, claimed: &ClaimedMessage, facts: &Facts) -> Message {
    let chain_default = claimed.chain_language.as_str();
    let voice = Voice {
        i18n,
        lang: i18n.negotiate(claimed.language.as_deref(), None, chain_default),
        chain: i18n.negotiate(Some(chain_default), None, chain_default),
    };
    let name = claimed.display_name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let mut parts = Vec::new();
    match &claimed.message.notification {
        Notification::Earned { programs, .. } => {
            for program in programs {
                earned(&voice, program, facts, name, &mut parts);
            }
        }
        Notification::Refunded { programs, .. } => {
            for program in programs.iter().filter(|p| p.change < 0) {
                let mut args = FluentArgs::new();
                args.set("cafe", facts.cafe.as_str());
                args.set("points", -program.change);
                parts.push(voice.say("notify-refund", &args));
            }
        }
        Notification::Redeemed { reward, program, .. } => {
            let mut args = FluentArgs::new();
            args.set("reward", reward.as_str());
            let id = match program.unit {
                Unit::Points => {
                    args.set("balance", program.balance);
                    "notify-reward-redeemed"
                }
                Unit::Stamps => {
                    args.set("stamps", program.balance);
                    "notify-stamp-reward-redeemed"
                }
            };
            parts.push(voice.say(id, &args));
        }
        Notification::PhoneCode { code, messenger } => {
            let mut args = FluentArgs::new();
            args.set("code", code.as_str());
            args.set("messenger", regulars_core::channel::messenger_name(messenger));
            parts.push(voice.say("notify-phone-code", &args));
        }
    }
    Message::text(parts.join("\n"))
}

fn earned(voice: &Voice<'_>, program: &ProgramProgress, facts: &Facts, name: Option<&str>, parts: &mut Vec<String>) {
    match program.unit {
        Unit::Points if program.change > 0 => {
            let mut args = FluentArgs::new();
            args.set("points", program.change);
            args.set("balance", program.balance);
            args.set("amount", facts.total.as_ref().map_or_else(String::new, |t| amount(&voice.lang, t)));
            parts.push(voice.say("notify-points-earned", &args));
            if let (true, Some(tier), Some(name)) = (program.tier_changed, &program.tier, name) {
                let mut args = FluentArgs::new();
                args.set("name", name);
                args.set("tier", tier.as_str());
                parts.push(voice.say("notify-tier-up", &args));
            }
            if let Some(goal) = &program.next_reward {
                let mut args = FluentArgs::new();
                args.set("points_needed", goal.missing);
                args.set("reward", goal.name.as_str());
                parts.push(voice.say("notify-progress-reward", &args));
            } else if let Some(goal) = program.next_tier.as_ref().filter(|g| !g.spend) {
                let mut args = FluentArgs::new();
                args.set("points_needed", goal.missing);
                args.set("tier", goal.name.as_str());
                parts.push(voice.say("notify-progress-tier", &args));
            }
        }
        Unit::Stamps if program.change > 0 && program.codes.is_empty() => match &program.next_reward {
            Some(goal) => {
                let mut args = FluentArgs::new();
                args.set("cafe", facts.cafe.as_str());
                args.set("stamps", program.balance);
                args.set("stamps_total", program.balance + goal.missing);
                parts.push(voice.say("notify-stamp-earned", &args));
            }
            None if program.rewards_available > 0 => {
                parts.push(voice.say("notify-stamp-card-full", &FluentArgs::new()));
            }
            None => {}
        },
        Unit::Points | Unit::Stamps => {}
    }
    for code in &program.codes {
        let mut args = FluentArgs::new();
        args.set("reward", code.reward.as_str());
        parts.push(voice.say("notify-reward-unlocked", &args));
    }
}

fn amount(lang: &LanguageIdentifier, total: &Money) -> String {
    format_money(lang, total.minor, total.currency.as_str())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use regulars_core::channel::Address;
    use regulars_core::guest::ChannelKind;
    use regulars_core::ids::{CafeId, ChainId, GuestId, ProgramId, PurchaseId};
    use regulars_core::money::Currency;
    use regulars_core::notification::{Goal, IssuedCode, OutboxMessage, OutboxStatus};

    use super::*;

    fn claimed(language: &str, notification: Notification) -> ClaimedMessage {
        ClaimedMessage {
            message: OutboxMessage {
                id: 1,
                chain_id: ChainId(1),
                guest_id: GuestId(1),
                dedupe_key: "earned:pos:1".into(),
                notification,
                status: OutboxStatus::Sending,
                attempts: 1,
                available_at: Utc::now(),
                last_error: None,
                created_at: Utc::now(),
                sent_at: None,
                platform_message_id: None,
                receipt: None,
            },
            channel: ChannelKind::new("telegram").unwrap(),
            address: Address("42".into()),
            language: Some(language.into()),
            chain_language: "sr-Latn".into(),
            display_name: Some("Ana".into()),
            lease_until: Utc::now(),
            last_seen_at: None,
        }
    }

    fn points(change: i64, balance: i64) -> ProgramProgress {
        ProgramProgress {
            program_id: ProgramId(1),
            program: "Points".into(),
            unit: Unit::Points,
            change,
            balance,
            tier: Some("Silver".into()),
            tier_changed: false,
            next_tier: Some(Goal { name: "Gold".into(), missing: 250, spend: false }),
            next_reward: Some(Goal { name: "Free coffee".into(), missing: 22, spend: false }),
            rewards_available: 0,
            codes: Vec::new(),
        }
    }

    fn stamps(balance: i64, missing: i64) -> ProgramProgress {
        ProgramProgress {
            program_id: ProgramId(2),
            program: "Coffee card".into(),
            unit: Unit::Stamps,
            change: 1,
            balance,
            tier: None,
            tier_changed: false,
            next_tier: None,
            next_reward: Some(Goal { name: "Coffee".into(), missing, spend: false }),
            rewards_available: 0,
            codes: Vec::new(),
        }
    }

    fn earned(programs: Vec<ProgramProgress>) -> Notification {
        Notification::Earned { purchase_id: PurchaseId(7), cafe_id: CafeId(3), programs }
    }

    fn facts() -> Facts {
        Facts { cafe: "Dorćol".into(), total: Some(Money::new(83_000, Currency::new("RSD").unwrap())) }
    }

    /// The text without Fluent's bidi isolation marks and with no-break spaces as spaces, so
    /// expectations read plainly.
    fn plain(message: &Message) -> String {
        let Message::Text { text, buttons } = message else { panic!("a text message: {message:?}") };
        assert!(buttons.is_empty());
        text.chars()
            .filter(|c| !matches!(c, '\u{2068}' | '\u{2069}'))
            .map(|c| if matches!(c, '\u{a0}' | '\u{202f}') { ' ' } else { c })
            .collect()
    }

    fn i18n() -> Localizer {
        Localizer::embedded().unwrap()
    }

    #[test]
    fn a_purchase_earning_points_and_a_stamp() {
        let notification = earned(vec![points(8, 1_250), stamps(3, 4)]);
        let i18n = i18n();
        assert_eq!(
            plain(&render(&i18n, &claimed("en", notification.clone()), &facts())),
            "+8 points for your order of RSD 830.00. Thank you!\n\
             Your balance: 1,250 points.\n\
             Only 22 more points to Free coffee.\n\
             Stamp collected at Dorćol! 3 of 7."
        );
        assert_eq!(
            plain(&render(&i18n, &claimed("ru", notification), &facts())),
            "+8 баллов за заказ на 830,00 RSD. Спасибо!\n\
             На счету 1 250 баллов.\n\
             До награды «Free coffee» осталось всего 22 балла.\n\
             Штамп в кафе Dorćol получен! 3 из 7."
        );
    }

    #[test]
    fn points_earned_in_english() {
        let text = plain(&render(&i18n(), &claimed("en", earned(vec![points(8, 1_250)])), &facts()));
        assert!(text.starts_with("+8 points for your order of "), "{text}");
        assert!(text.contains("830"), "the order's amount: {text}");
        assert!(text.contains("Your balance: 1,250 points."), "{text}");
        assert!(text.ends_with("Only 22 more points to Free coffee."), "the nearest reward: {text}");
        assert_eq!(text.lines().count(), 3, "{text}");
    }

    #[test]
    fn points_earned_in_russian_with_plural_forms() {
        let i18n = i18n();
        // 1 балл (one), 3 балла (few), 5 баллов (many); 1 250 баллов (many).
        let text = plain(&render(&i18n, &claimed("ru", earned(vec![points(1, 1_250)])), &facts()));
        assert!(text.starts_with("+1 балл за заказ на "), "{text}");
        assert!(text.contains("На счету 1 250 баллов."), "{text}");
        assert!(text.contains("осталось всего 22 балла"), "few: {text}");
        let text = plain(&render(&i18n, &claimed("ru", earned(vec![points(3, 21)])), &facts()));
        assert!(text.starts_with("+3 балла за заказ"), "{text}");
        assert!(text.contains("На счету 21 балл."), "one: {text}");
        let text = plain(&render(&i18n, &claimed("ru", earned(vec![points(5, 1_000)])), &facts()));
        assert!(text.starts_with("+5 баллов за заказ"), "{text}");
        assert!(text.contains("На счету 1 000 баллов."), "{text}");
    }

    #[test]
    fn tier_up_and_tier_progress() {
        let mut progress = points(40, 300);
        progress.tier_changed = true;
        progress.next_reward = None;
        let text = plain(&render(&i18n(), &claimed("en", earned(vec![progress.clone()])), &facts()));
        assert!(text.contains("Congratulations, Ana! You're now Silver."), "{text}");
        assert!(text.ends_with("250 more points and you're Gold."), "{text}");

        // A spend-qualified tier's distance is money: never called points.
        progress.next_tier = Some(Goal { name: "Gold".into(), missing: 1_500_000, spend: true });
        let text = plain(&render(&i18n(), &claimed("en", earned(vec![progress])), &facts()));
        assert!(!text.contains("Gold"), "{text}");
    }

    #[test]
    fn stamps_and_codes() {
        let i18n = i18n();
        let text = plain(&render(&i18n, &claimed("en", earned(vec![stamps(3, 4)])), &facts()));
        assert_eq!(text, "Stamp collected at Dorćol! 3 of 7.");
        let text = plain(&render(&i18n, &claimed("ru", earned(vec![stamps(3, 4)])), &facts()));
        assert_eq!(text, "Штамп в кафе Dorćol получен! 3 из 7.");

        let mut full = stamps(0, 7);
        full.codes = vec![IssuedCode { reward: "Coffee".into(), code: "K7WQ-2M9D".into() }];
        let text = plain(&render(&i18n, &claimed("en", earned(vec![points(8, 30), full])), &facts()));
        assert!(text.ends_with("You've unlocked Coffee! Show your card at the till to get it."), "{text}");
        assert!(!text.contains("Stamp collected"), "{text}");
    }

    #[test]
    fn refunds_say_what_was_taken_back() {
        let mut taken = points(-8, 10);
        taken.next_reward = None;
        let refund = Notification::Refunded { purchase_id: PurchaseId(7), cafe_id: CafeId(3), programs: vec![taken] };
        let i18n = i18n();
        let text = plain(&render(&i18n, &claimed("en", refund.clone()), &facts()));
        assert_eq!(text, "Your purchase at Dorćol was refunded, so 8 points were taken back.");
        let text = plain(&render(&i18n, &claimed("ru", refund), &facts()));
        assert_eq!(text, "Покупка в кафе Dorćol возвращена, поэтому списано 8 баллов.");
    }

    #[test]
    fn redemptions_say_what_is_left_in_the_programs_unit() {
        let i18n = i18n();
        let paid =
            |progress| Notification::Redeemed { cafe_id: CafeId(3), reward: "Free coffee".into(), program: progress };
        let text = plain(&render(&i18n, &claimed("en", paid(points(-300, 120))), &facts()));
        assert_eq!(text, "Enjoy your Free coffee!\nBalance left: 120 points.");
        let text = plain(&render(&i18n, &claimed("en", paid(stamps(0, 7))), &facts()));
        assert_eq!(text, "Enjoy your Free coffee!\nStamps on your card: 0.");
    }

    #[test]
    fn an_unknown_language_falls_back_to_the_chain_default() {
        let text = plain(&render(&i18n(), &claimed("xx", earned(vec![stamps(3, 4)])), &facts()));
        assert!(!text.starts_with("Stamp collected"), "Serbian, the chain's language: {text}");
        assert!(text.contains("3") && text.contains("7"), "{text}");
    }
}
