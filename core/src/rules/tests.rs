//! Tests of the rules engine over an in-memory ledger: a table per rule, timezone edges, the
//! seed scenarios, and property tests of the ledger invariants.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::codes::{RewardCode, RewardCodeStatus};
use super::earning::{Caps, EarnRate, ItemRule, Promotion, Rounding, TimeWindow, apportion};
use super::expiry::{self, ExpiryPolicy};
use super::preview::{Calculation, EarnInput, EntryContext, PlannedEntry, calculate, purchase_key};
use super::refunds::{RefundPolicy, RefundRequest, plan_refund};
use super::rewards::{self, Reward};
use super::snapshot::CapKind;
use super::stamps::card_progress;
use super::tiers::{DowngradePolicy, QualificationBasis, QualificationWindow, Tier, TierQualification, tier_status};
use super::{ProgramRules, history};
use crate::Error;
use crate::ids::{CafeId, ChainId, GuestId, LedgerEntryId, ProgramId, WalletId};
use crate::ledger::{Actor, EntryKind, LedgerEntry, LedgerOutcome, NewLedgerEntry};
use crate::money::{Currency, Money};
use crate::program::{NewProgram, Program, ProgramKind, ProgramScope};
use crate::purchase::{LineItem, NewPurchase};
use crate::wallet::Balances;

const CAFE: CafeId = CafeId(7);
const BELGRADE: Tz = chrono_tz::Europe::Belgrade;

/// The ledger's contract (`LedgerRepo::post_entry`) over a vector: unique keys with replay,
/// validation, overdraft rules, balances after each entry.
struct MemLedger {
    entries: Vec<LedgerEntry>,
    clock: DateTime<Utc>,
}

impl MemLedger {
    fn new() -> Self {
        Self { entries: Vec::new(), clock: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() }
    }

    fn balances(&self) -> Balances {
        self.entries.last().map_or(Balances::default(), |e| e.balances_after)
    }

    fn post(&mut self, new: &NewLedgerEntry) -> crate::Result<LedgerOutcome> {
        new.validate()?;
        if let Some(e) = self.entries.iter().find(|e| e.idempotency_key == new.idempotency_key) {
            return if new.matches(e) {
                Ok(LedgerOutcome { entry: e.clone(), replayed: true })
            } else {
                Err(Error::Conflict(format!("key {} reused", new.idempotency_key)))
            };
        }
        let after = new.apply_to(self.balances())?;
        let entry = LedgerEntry {
            id: LedgerEntryId(i64::try_from(self.entries.len()).unwrap() + 1),
            chain_id: ChainId(1),
            wallet_id: new.wallet_id,
            kind: new.kind,
            points: new.points,
            stamps: new.stamps,
            balances_after: after,
            idempotency_key: new.idempotency_key.clone(),
            actor: new.actor.clone(),
            cafe_id: new.cafe_id,
            shift_id: new.shift_id,
            purchase_id: new.purchase_id,
            reason: new.reason.clone(),
            rule_snapshot: new.rule_snapshot.clone(),
            created_at: self.clock,
            decoded: Default::default(),
        };
        self.entries.push(entry.clone());
        Ok(LedgerOutcome { entry, replayed: false })
    }

    fn post_all(&mut self, planned: &[PlannedEntry]) -> crate::Result<Vec<LedgerOutcome>> {
        planned.iter().map(|p| self.post(&p.to_new_entry(&ctx()))).collect()
    }

    /// Calculates and posts a purchase, as the purchase workflow (`apply_purchase`) does.
    fn earn(&mut self, program: &Program, purchase: &NewPurchase) -> Calculation {
        self.earn_with(program, purchase, BELGRADE, &[])
    }

    fn earn_with(
        &mut self,
        program: &Program,
        purchase: &NewPurchase,
        tz: Tz,
        promotions: &[Promotion],
    ) -> Calculation {
        self.clock = self.clock.max(purchase.occurred_at);
        let calc = calculate(&EarnInput { program, purchase, cafe_timezone: tz, history: &self.entries, promotions })
            .expect("a plan");
        self.post_all(&calc.entries).expect("the ledger accepts the plan");
        calc
    }

    fn refund(
        &mut self,
        program: &Program,
        purchase: &NewPurchase,
        id: &str,
        amount: i64,
    ) -> super::refunds::RefundPlan {
        let plan = plan_refund(
            program,
            purchase,
            &RefundRequest { refund_id: id.into(), amount_minor: amount },
            &self.entries,
            self.clock,
        )
        .expect("a refund plan");
        if let Some(entry) = &plan.entry {
            self.post(&entry.to_new_entry(&ctx())).expect("the ledger accepts the refund");
        }
        plan
    }

    fn tier(&self, program: &Program, at: DateTime<Utc>) -> Option<String> {
        let events = history::qualifying_events(&self.entries, program.rules.qualification.basis);
        tier_status(&program.rules, &events, at).name().map(str::to_owned)
    }
}

fn ctx() -> EntryContext {
    EntryContext {
        wallet_id: WalletId(1),
        actor: Actor::Pos("pos".into()),
        cafe_id: Some(CAFE),
        shift_id: None,
        purchase_id: None,
    }
}

fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap()
}

fn local(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    BELGRADE.with_ymd_and_hms(y, m, d, h, mi, 0).earliest().unwrap().with_timezone(&Utc)
}

fn buy(ext: &str, total: i64, at: DateTime<Utc>) -> NewPurchase {
    buy_items(ext, total, vec![], at)
}

fn buy_items(ext: &str, total: i64, items: Vec<LineItem>, at: DateTime<Utc>) -> NewPurchase {
    NewPurchase {
        cafe_id: CAFE,
        source: "pos".into(),
        external_id: ext.into(),
        guest_id: Some(GuestId(1)),
        total: Money::new(total, Currency::new("RSD").unwrap()),
        items,
        occurred_at: at,
    }
}

fn line(sku: &str, category: &str, quantity: u32, price: i64) -> LineItem {
    LineItem { sku: sku.into(), name: sku.into(), category: Some(category.into()), quantity, unit_price_minor: price }
}

fn program(kind: ProgramKind, rules: ProgramRules) -> Program {
    rules.validate_for(kind).expect("valid test rules");
    Program {
        id: ProgramId(1),
        chain_id: ChainId(1),
        name: "Test".into(),
        kind,
        scope: ProgramScope::Chain,
        rules,
        archived_at: None,
    }
}

/// 1 point per 100.00 RSD, rounded down.
fn per_100_rsd() -> ProgramRules {
    ProgramRules {
        earn: Some(EarnRate { points: 1, per_minor: 10_000, rounding: Rounding::Down }),
        ..ProgramRules::default()
    }
}

fn window(name: &str, days: &[Weekday], from: Option<(u32, u32)>, to: Option<(u32, u32)>, percent: u32) -> TimeWindow {
    TimeWindow {
        name: name.into(),
        days: days.to_vec(),
        dates: vec![],
        from: from.map(|(h, m)| NaiveTime::from_hms_opt(h, m, 0).unwrap()),
        to: to.map(|(h, m)| NaiveTime::from_hms_opt(h, m, 0).unwrap()),
        multiplier_percent: percent,
        bonus: 0,
    }
}

fn tier(name: &str, threshold: i64, percent: u32) -> Tier {
    Tier { name: name.into(), threshold, multiplier_percent: percent }
}

fn reward(key: &str, cost: i64, auto_issue: bool) -> Reward {
    Reward {
        key: key.into(),
        name: key.replace('-', " "),
        cost,
        tiers: vec![],
        cafes: vec![],
        auto_issue,
        value_minor: None,
        valid_days: None,
    }
}

fn field_of(err: &Error) -> &str {
    match err {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Rules as data

#[test]
fn the_foundation_json_still_parses_and_round_trips() {
    let json = r#"{"earn":{"points":1,"per_minor":10000},"tiers":[{"name":"Classic","threshold":0}],"rewards":[{"key":"free-coffee","name":"Free coffee","cost":100}]}"#;
    let rules: ProgramRules = serde_json::from_str(json).unwrap();
    rules.validate_for(ProgramKind::Points).unwrap();
    assert_eq!(rules.earn.unwrap().rounding, Rounding::Down);
    let back = serde_json::to_value(&rules).unwrap();
    assert_eq!(back, serde_json::from_str::<serde_json::Value>(json).unwrap(), "defaults are not written back");
    assert_eq!(rules.tier_for(5).unwrap().name, "Classic");
}

#[test]
fn unknown_fields_are_refused() {
    let err =
        serde_json::from_str::<ProgramRules>(r#"{"earn":{"points":1,"per_minor":100,"per_mnior":3}}"#).unwrap_err();
    assert!(err.to_string().contains("per_mnior"), "{err}");
    assert!(serde_json::from_str::<ProgramRules>(r#"{"eran":{}}"#).is_err());
}

const TOML_PROGRAM: &str = r#"
minimum_spend_minor = 20000
timezone = "Europe/Belgrade"
refunds = "allow_negative"
expiry = { lots_after_months = 12 }
cafes = [7, 8]

[earn]
points = 1
per_minor = 10000
rounding = "down"

[[items]]
category = "coffee"
multiplier_percent = 200

[[items]]
category = "alcohol"
exclude = true

[[windows]]
name = "Quiet hours"
days = ["Mon", "Tue", "Wed", "Thu", "Fri"]
from = "14:00:00"
to = "17:00:00"
multiplier_percent = 150

[[windows]]
name = "Double points Saturday"
days = ["Sat"]
multiplier_percent = 200

[caps]
per_purchase = 500
per_guest_per_day = 1000

[qualification]
basis = "points"
window = "calendar_year"
downgrade = "one_step"

[[tiers]]
name = "Classic"
threshold = 0

[[tiers]]
name = "Silver"
threshold = 500
multiplier_percent = 125

[[tiers]]
name = "Gold"
threshold = 1500
multiplier_percent = 150

[[rewards]]
key = "free-coffee"
name = "Free coffee"
cost = 100
value_minor = 25000
valid_days = 30

[[rewards]]
key = "brunch"
name = "Brunch for two"
cost = 800
tiers = ["Gold"]
"#;

#[test]
fn a_program_loads_from_toml() {
    let rules: ProgramRules = toml::from_str(TOML_PROGRAM).unwrap();
    rules.validate_for(ProgramKind::Points).unwrap();
    assert_eq!(rules.timezone, Some(BELGRADE));
    assert_eq!(rules.expiry, Some(ExpiryPolicy::LotsAfterMonths(12)));
    assert_eq!(rules.refunds, RefundPolicy::AllowNegative);
    assert!(rules.items[1].exclude);
    assert_eq!(rules.windows[0].days.len(), 5);
    assert_eq!(rules.windows[0].from, NaiveTime::from_hms_opt(14, 0, 0));
    assert_eq!(rules.windows[1].from, None);
    assert_eq!(rules.caps.per_guest_per_day, Some(1000));
    assert_eq!(
        rules.qualification,
        TierQualification {
            basis: QualificationBasis::Points,
            window: QualificationWindow::CalendarYear,
            downgrade: DowngradePolicy::OneStep
        }
    );
    assert_eq!(rules.tiers[2].multiplier_percent, 150);
    assert_eq!(rules.rewards[1].tiers, vec!["Gold".to_owned()]);
    assert!(rules.earns_at(CafeId(8)) && !rules.earns_at(CafeId(9)));

    let rolling: ProgramRules =
        toml::from_str("[earn]\npoints = 1\nper_minor = 100\n[qualification]\nwindow = { rolling_months = 6 }\n")
            .unwrap();
    assert_eq!(rolling.qualification.window, QualificationWindow::RollingMonths(6));

    let typo = TOML_PROGRAM.replace("multiplier_percent = 200", "multiplier = 200");
    let err = toml::from_str::<ProgramRules>(&typo).unwrap_err();
    assert!(err.to_string().contains("multiplier"), "{err}");
}

#[test]
fn validation_names_the_field() {
    type Case = (&'static str, ProgramKind, fn(&mut ProgramRules));
    let cases: Vec<Case> = vec![
        ("rules.tiers[1].threshold", ProgramKind::Points, |r| {
            r.tiers = vec![tier("Classic", 0, 100), tier("Silver", 0, 100)];
        }),
        ("rules.tiers[0].threshold", ProgramKind::Points, |r| r.tiers = vec![tier("Classic", 10, 100)]),
        ("rules.tiers[1].name", ProgramKind::Points, |r| r.tiers = vec![tier("A", 0, 100), tier("A", 5, 100)]),
        ("rules.tiers[0].multiplier_percent", ProgramKind::Points, |r| r.tiers = vec![tier("A", 0, 90_000)]),
        ("rules.earn.per_minor", ProgramKind::Points, |r| {
            r.earn = Some(EarnRate { points: 1, per_minor: 0, rounding: Rounding::Down });
        }),
        ("rules.earn.points", ProgramKind::Points, |r| {
            r.earn = Some(EarnRate { points: -1, per_minor: 5, rounding: Rounding::Down });
        }),
        ("rules.items[0].sku", ProgramKind::Points, |r| {
            r.items =
                vec![ItemRule { sku: None, category: None, multiplier_percent: 100, exclude: false, per_unit: 0 }];
        }),
        ("rules.windows[0].multiplier_percent", ProgramKind::Points, |r| {
            r.windows = vec![window("w", &[], None, None, 9_000)];
        }),
        ("rules.windows[0].name", ProgramKind::Points, |r| r.windows = vec![window(" ", &[], None, None, 100)]),
        ("rules.caps.per_purchase", ProgramKind::Points, |r| {
            r.caps = Caps { per_purchase: Some(-1), per_guest_per_day: None }
        }),
        ("rules.rewards[1].key", ProgramKind::Points, |r| {
            r.rewards = vec![reward("a", 1, false), reward("a", 2, false)];
        }),
        ("rules.rewards[0].cost", ProgramKind::Points, |r| r.rewards = vec![reward("a", 0, false)]),
        ("rules.rewards[1].tiers[0]", ProgramKind::Points, |r| {
            let mut gold_only = reward("b", 5, false);
            gold_only.tiers = vec!["Gold".into()];
            r.rewards = vec![reward("a", 1, false), gold_only];
        }),
        ("rules.expiry.lots_after_months", ProgramKind::Points, |r| r.expiry = Some(ExpiryPolicy::LotsAfterMonths(0))),
        ("rules.qualification.window.rolling_months", ProgramKind::Points, |r| {
            r.qualification.window = QualificationWindow::RollingMonths(0);
        }),
        ("rules.minimum_spend_minor", ProgramKind::Points, |r| r.minimum_spend_minor = -5),
        ("rules.earn", ProgramKind::Stamps { card_size: 7 }, |_| {}),
        ("rules.rewards[0].cost", ProgramKind::Stamps { card_size: 7 }, |r| {
            r.earn = None;
            r.per_visit = 1;
            r.rewards = vec![reward("coffee", 8, true)];
        }),
        ("rules.per_visit", ProgramKind::Stamps { card_size: 7 }, |r| r.earn = None),
        ("rules.earn", ProgramKind::Points, |r| r.earn = None),
    ];
    for (field, kind, mutate) in cases {
        let mut rules = per_100_rsd();
        mutate(&mut rules);
        let err = rules.validate_for(kind).expect_err(field);
        assert_eq!(field_of(&err), field, "{err}");
    }
    // The program's own validation runs the rules' too.
    let mut rules = per_100_rsd();
    rules.tiers = vec![tier("Classic", 0, 100), tier("Silver", 0, 100)];
    let new = NewProgram { name: "P".into(), kind: ProgramKind::Points, scope: ProgramScope::Chain, rules };
    assert_eq!(field_of(&new.validate().unwrap_err()), "rules.tiers[1].threshold");
}

// ---------------------------------------------------------------------------------------------
// Earning: one table, one row per rule

#[test]
fn earning_rules_table() {
    // A Wednesday afternoon outside any window.
    let at = local(2026, 11, 25, 10, 0);
    type Case = (&'static str, fn(&mut ProgramRules), NewPurchase, i64);
    let coffee_and_pastry = vec![line("cap", "coffee", 2, 15_000), line("croissant", "pastry", 1, 20_000)];
    let cases: Vec<Case> = vec![
        ("rate rounds down", |_| {}, buy("a", 34_999, at), 3),
        ("rate rounds to nearest", |r| r.earn.as_mut().unwrap().rounding = Rounding::Nearest, buy("a", 35_000, at), 4),
        (
            "nearest keeps below half",
            |r| r.earn.as_mut().unwrap().rounding = Rounding::Nearest,
            buy("a", 34_999, at),
            3,
        ),
        ("rate rounds up", |r| r.earn.as_mut().unwrap().rounding = Rounding::Up, buy("a", 30_001, at), 4),
        ("per visit adds to the amount", |r| r.per_visit = 5, buy("a", 10_000, at), 6),
        (
            "category multiplier",
            |r| {
                r.items = vec![ItemRule {
                    sku: None,
                    category: Some("coffee".into()),
                    multiplier_percent: 200,
                    exclude: false,
                    per_unit: 0,
                }];
            },
            buy_items("a", 50_000, coffee_and_pastry, at),
            8,
        ),
        (
            "excluded category neither earns nor counts",
            |r| {
                r.items = vec![ItemRule {
                    sku: None,
                    category: Some("alcohol".into()),
                    multiplier_percent: 100,
                    exclude: true,
                    per_unit: 0,
                }];
            },
            buy_items("a", 60_000, vec![line("wine", "alcohol", 1, 50_000), line("cap", "coffee", 1, 10_000)], at),
            1,
        ),
        (
            "points on the net amount after a discount",
            |r| {
                r.items = vec![ItemRule {
                    sku: None,
                    category: Some("coffee".into()),
                    multiplier_percent: 200,
                    exclude: false,
                    per_unit: 0,
                }];
            },
            // 800 RSD list, 25% off: coffee's share 300 RSD doubled + pastry's 300 RSD.
            buy_items("a", 60_000, vec![line("cap", "coffee", 2, 20_000), line("cake", "pastry", 1, 40_000)], at),
            9,
        ),
        (
            "per unit by sku",
            |r| {
                r.items = vec![ItemRule {
                    sku: Some("croissant".into()),
                    category: None,
                    multiplier_percent: 100,
                    exclude: false,
                    per_unit: 3,
                }];
            },
            buy_items("a", 50_000, vec![line("croissant", "pastry", 2, 25_000)], at),
            11,
        ),
        (
            "below the minimum spend earns nothing",
            |r| {
                r.minimum_spend_minor = 20_000;
                r.per_visit = 5;
            },
            buy("a", 19_999, at),
            0,
        ),
        (
            "at the minimum spend earns",
            |r| {
                r.minimum_spend_minor = 20_000;
                r.per_visit = 5;
            },
            buy("a", 20_000, at),
            7,
        ),
        ("cap per purchase", |r| r.caps.per_purchase = Some(5), buy("a", 100_000, at), 5),
        (
            "window multiplier and bonus",
            |r| r.windows = vec![TimeWindow { bonus: 2, ..window("Wednesday", &[Weekday::Wed], None, None, 200) }],
            buy("a", 30_000, at),
            8,
        ),
        (
            "window on another day does nothing",
            |r| r.windows = vec![window("Thursday", &[Weekday::Thu], None, None, 200)],
            buy("a", 30_000, at),
            3,
        ),
        (
            "rounded once per purchase, not per line",
            |_| {},
            buy_items(
                "a",
                45_000,
                vec![line("a", "x", 1, 15_000), line("b", "x", 1, 15_000), line("c", "x", 1, 15_000)],
                at,
            ),
            4,
        ),
        ("program not at this cafe", |r| r.cafes = vec![CafeId(99)], buy("a", 100_000, at), 0),
    ];
    for (name, mutate, purchase, expected) in cases {
        let mut rules = per_100_rsd();
        mutate(&mut rules);
        let p = program(ProgramKind::Points, rules);
        let calc = calculate(&EarnInput {
            program: &p,
            purchase: &purchase,
            cafe_timezone: BELGRADE,
            history: &[],
            promotions: &[],
        })
        .unwrap();
        assert_eq!(calc.points, expected, "{name}");
        assert_eq!(
            calc.entries.len(),
            usize::from(expected > 0),
            "{name}: an earn entry only when something was earned"
        );
    }
}

#[test]
fn multipliers_compose_and_promotions_apply() {
    let mut rules = per_100_rsd();
    rules.windows = vec![window("Saturday", &[Weekday::Sat], None, None, 200)];
    let p = program(ProgramKind::Points, rules);
    let saturday = local(2026, 11, 28, 12, 0);
    let promo = Promotion { key: "autumn".into(), multiplier_percent: 150, bonus: 2 };
    let mut ledger = MemLedger::new();
    let calc = ledger.earn_with(&p, &buy("a", 100_000, saturday), BELGRADE, std::slice::from_ref(&promo));
    // 10 points x2 (Saturday) x1.5 (promotion) + 2 bonus.
    assert_eq!(calc.points, 32);
    assert_eq!(calc.earn.promotions, vec![promo]);
    assert_eq!(calc.earn.windows.len(), 1);
}

#[test]
fn tier_multiplier_applies_from_the_next_purchase() {
    let mut rules = per_100_rsd();
    rules.tiers = vec![tier("Classic", 0, 100), tier("Silver", 10, 150)];
    let p = program(ProgramKind::Points, rules);
    let mut ledger = MemLedger::new();
    let first = ledger.earn(&p, &buy("a", 100_000, utc(2026, 11, 2, 10, 0)));
    assert_eq!(
        (first.points, first.tier_before.name(), first.tier_after.name()),
        (10, Some("Classic"), Some("Silver"))
    );
    assert!(first.tier_changed());
    let second = ledger.earn(&p, &buy("b", 100_000, utc(2026, 11, 3, 10, 0)));
    assert_eq!(second.points, 15);
    assert_eq!(second.earn.tier.as_ref().map(|t| t.multiplier_percent), Some(150));
}

#[test]
fn daily_cap_counts_the_cafes_local_day() {
    let mut rules = per_100_rsd();
    rules.caps.per_guest_per_day = Some(10);
    let p = program(ProgramKind::Points, rules);
    let mut ledger = MemLedger::new();
    // 22:30 UTC on 23 November is 23:30 in Belgrade.
    let a = ledger.earn(&p, &buy("a", 200_000, utc(2026, 11, 23, 22, 30)));
    assert_eq!((a.points, a.earn.capped_by), (10, Some(CapKind::PerGuestPerDay)));
    // 23:30 UTC, the same UTC day, is already 24 November in Belgrade: a fresh cap.
    let b = ledger.earn(&p, &buy("b", 30_000, utc(2026, 11, 23, 23, 30)));
    assert_eq!(b.points, 3);
    let c = ledger.earn(&p, &buy("c", 200_000, utc(2026, 11, 24, 8, 0)));
    assert_eq!(c.points, 7, "what is left of the 24th's cap");
    let d = ledger.earn(&p, &buy("d", 200_000, utc(2026, 11, 24, 9, 0)));
    assert_eq!((d.points, d.entries.len()), (0, 0));
}

#[test]
fn apportion_adds_up_exactly() {
    let items = vec![line("a", "x", 1, 333), line("b", "x", 1, 333), line("c", "x", 1, 334)];
    let shares = apportion(100, &items);
    assert_eq!(shares.iter().sum::<i64>(), 100);
    assert_eq!(apportion(500, &[]), vec![500]);
}

// ---------------------------------------------------------------------------------------------
// Timezone edges

#[test]
fn quiet_hours_follow_the_wall_clock_across_dst() {
    let mut rules = per_100_rsd();
    rules.windows = vec![window("Quiet hours", &[], Some((14, 0)), Some((17, 0)), 200)];
    let p = program(ProgramKind::Points, rules);
    let earn_at = |at| {
        calculate(&EarnInput {
            program: &p,
            purchase: &buy("a", 100_000, at),
            cafe_timezone: BELGRADE,
            history: &[],
            promotions: &[],
        })
        .unwrap()
        .points
    };
    // 28 March 2026 is CET (UTC+1): 12:30 UTC is 13:30 local, outside; 13:30 UTC is 14:30, inside.
    assert_eq!(earn_at(utc(2026, 3, 28, 12, 30)), 10);
    assert_eq!(earn_at(utc(2026, 3, 28, 13, 30)), 20);
    // 29 March is the DST change day (CEST, UTC+2): 12:30 UTC is now 14:30 local, inside.
    assert_eq!(earn_at(utc(2026, 3, 29, 12, 30)), 20);
    assert_eq!(earn_at(utc(2026, 3, 29, 15, 0)), 10, "17:00 local is the end, exclusive");
}

#[test]
fn windows_over_the_dst_gap_and_the_repeated_hour() {
    let night = window("Night", &[], Some((1, 0)), Some((4, 0)), 200);
    // Spring forward, 29 March 2026: 02:00 CET jumps to 03:00 CEST.
    assert!(night.contains(utc(2026, 3, 29, 0, 30), BELGRADE), "01:30 CET");
    assert!(night.contains(utc(2026, 3, 29, 1, 30), BELGRADE), "03:30 CEST");
    assert!(!night.contains(utc(2026, 3, 29, 2, 0), BELGRADE), "04:00 CEST");
    // Fall back, 25 October 2026: 02:00-03:00 happens twice, both count.
    let repeated = window("Repeated hour", &[], Some((2, 0)), Some((3, 0)), 200);
    assert!(repeated.contains(utc(2026, 10, 25, 0, 30), BELGRADE), "02:30 CEST");
    assert!(repeated.contains(utc(2026, 10, 25, 1, 30), BELGRADE), "02:30 CET");
    assert!(!repeated.contains(utc(2026, 10, 25, 2, 0), BELGRADE), "03:00 CET");
}

#[test]
fn double_points_day_starts_at_local_midnight() {
    let saturday = window("Double Saturday", &[Weekday::Sat], None, None, 200);
    // Saturday 28 November 2026 00:00 in Belgrade is Friday 23:00 UTC.
    assert!(!saturday.contains(utc(2026, 11, 27, 22, 59), BELGRADE));
    assert!(saturday.contains(utc(2026, 11, 27, 23, 0), BELGRADE));
    assert!(saturday.contains(utc(2026, 11, 28, 22, 59), BELGRADE));
    assert!(!saturday.contains(utc(2026, 11, 28, 23, 0), BELGRADE), "Sunday 00:00 local");
    // In UTC the same instants fall on the other side of midnight.
    assert!(!saturday.contains(utc(2026, 11, 27, 23, 0), chrono_tz::UTC));
}

#[test]
fn overnight_window_belongs_to_the_day_it_started() {
    let late = window("Late Friday", &[Weekday::Fri], Some((22, 0)), Some((2, 0)), 200);
    assert!(late.contains(local(2026, 11, 27, 23, 0), BELGRADE), "Friday 23:00");
    assert!(late.contains(local(2026, 11, 28, 1, 30), BELGRADE), "Saturday 01:30, still Friday night");
    assert!(!late.contains(local(2026, 11, 28, 2, 0), BELGRADE));
    assert!(!late.contains(local(2026, 11, 28, 23, 0), BELGRADE), "Saturday night is not Friday");
    assert!(!late.contains(local(2026, 11, 27, 1, 0), BELGRADE), "Friday 01:00 belongs to Thursday");
}

// ---------------------------------------------------------------------------------------------
// Seed scenario: the 7-stamp card

fn stamp_card() -> Program {
    let rules = ProgramRules { per_visit: 1, rewards: vec![reward("free-coffee", 7, true)], ..ProgramRules::default() };
    program(ProgramKind::Stamps { card_size: 7 }, rules)
}

#[test]
fn seventh_stamp_earns_the_coffee_and_the_card_restarts() {
    let p = stamp_card();
    let mut ledger = MemLedger::new();
    for i in 0..6 {
        let calc = ledger.earn(&p, &buy(&format!("r{i}"), 30_000, utc(2026, 11, 2, 8 + i, 0)));
        assert_eq!(calc.stamps, 1);
        assert!(calc.rewards_issued.is_empty());
    }
    assert_eq!(ledger.balances().stamps, 6);
    assert_eq!(card_progress(p.kind, ledger.balances()).unwrap().to_full, 1);
    let seventh = ledger.earn(&p, &buy("r6", 30_000, utc(2026, 11, 2, 15, 0)));
    assert_eq!(seventh.rewards_issued.len(), 1);
    assert_eq!(seventh.rewards_issued[0].reward.key, "free-coffee");
    assert_eq!(seventh.entries.iter().map(|e| e.kind).collect::<Vec<_>>(), vec![EntryKind::Earn, EntryKind::Redeem]);
    assert_eq!(ledger.balances().stamps, 0, "the card restarts");
    assert_eq!(seventh.balances_after, ledger.balances());
    let eighth = ledger.earn(&p, &buy("r7", 30_000, utc(2026, 11, 3, 8, 0)));
    assert_eq!((eighth.stamps, ledger.balances().stamps), (1, 1));
}

#[test]
fn several_stamps_in_one_purchase_carry_over() {
    let rules = ProgramRules {
        items: vec![ItemRule {
            sku: None,
            category: Some("coffee".into()),
            multiplier_percent: 100,
            exclude: false,
            per_unit: 1,
        }],
        rewards: vec![reward("free-coffee", 7, true)],
        ..ProgramRules::default()
    };
    let p = program(ProgramKind::Stamps { card_size: 7 }, rules);
    let mut ledger = MemLedger::new();
    ledger.earn(&p, &buy_items("a", 1, vec![line("cap", "coffee", 5, 20_000)], utc(2026, 11, 2, 8, 0)));
    assert_eq!(ledger.balances().stamps, 5);
    let calc = ledger.earn(
        &p,
        &buy_items(
            "b",
            1,
            vec![line("cap", "coffee", 4, 20_000), line("cake", "pastry", 1, 1)],
            utc(2026, 11, 2, 9, 0),
        ),
    );
    assert_eq!((calc.stamps, calc.rewards_issued.len(), ledger.balances().stamps), (4, 1, 2));
    let big = ledger.earn(&p, &buy_items("c", 1, vec![line("cap", "coffee", 13, 20_000)], utc(2026, 11, 2, 10, 0)));
    assert_eq!((big.rewards_issued.len(), ledger.balances().stamps), (2, 1), "15 stamps: two cards, one over");
    let keys: Vec<&str> = big.rewards_issued.iter().map(|r| r.entry_key.as_str()).collect();
    assert_ne!(keys[0], keys[1]);
}

#[test]
fn full_cards_wait_when_the_reward_is_chosen_by_the_guest() {
    let rules =
        ProgramRules { per_visit: 1, rewards: vec![reward("free-coffee", 3, false)], ..ProgramRules::default() };
    let p = program(ProgramKind::Stamps { card_size: 3 }, rules);
    let mut ledger = MemLedger::new();
    let mut unlocked = Vec::new();
    for i in 0..3 {
        unlocked.push(ledger.earn(&p, &buy(&format!("{i}"), 1, utc(2026, 11, 2, 8 + i, 0))).rewards_unlocked.len());
    }
    assert_eq!(unlocked, vec![0, 0, 1]);
    assert_eq!(card_progress(p.kind, ledger.balances()).unwrap().full_cards, 1);
    let (entry, _) = rewards::plan_redeem(&p, &ledger.entries, None, Some(CAFE), "free-coffee", "tap-1").unwrap();
    assert_eq!((entry.points, entry.stamps), (0, -3));
}

// ---------------------------------------------------------------------------------------------
// Seed scenario: the 1000-point threshold reward

#[test]
fn a_thousand_points_issue_the_threshold_reward() {
    let mut rules = per_100_rsd();
    rules.earn = Some(EarnRate { points: 1, per_minor: 100, rounding: Rounding::Down });
    rules.rewards = vec![reward("coffee-voucher", 1000, true)];
    let p = program(ProgramKind::Points, rules);
    let mut ledger = MemLedger::new();
    let first = ledger.earn(&p, &buy("a", 95_000, utc(2026, 11, 2, 8, 0)));
    assert!(first.rewards_issued.is_empty());
    let second = ledger.earn(&p, &buy("b", 6_000, utc(2026, 11, 2, 9, 0)));
    assert_eq!(second.rewards_issued.len(), 1);
    assert_eq!(ledger.balances().points, 10);
    assert_eq!(ledger.balances().lifetime_points, 1010, "redeeming does not undo having earned");
}

#[test]
fn crossing_a_threshold_unlocks_a_reward_the_guest_can_redeem() {
    let mut rules = per_100_rsd();
    rules.earn = Some(EarnRate { points: 1, per_minor: 100, rounding: Rounding::Down });
    rules.tiers = vec![tier("Classic", 0, 100), tier("Gold", 100_000, 100)];
    let mut gold = reward("brunch", 500, false);
    gold.tiers = vec!["Gold".into()];
    let mut cafe_only = reward("cake", 200, false);
    cafe_only.cafes = vec![CafeId(99)];
    rules.rewards = vec![reward("free-coffee", 1000, false), gold, cafe_only];
    let p = program(ProgramKind::Points, rules);
    let mut ledger = MemLedger::new();
    assert!(ledger.earn(&p, &buy("a", 95_000, utc(2026, 11, 2, 8, 0))).rewards_unlocked.is_empty());
    let crossing = ledger.earn(&p, &buy("b", 6_000, utc(2026, 11, 2, 9, 0)));
    assert_eq!(crossing.rewards_unlocked.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), vec!["free-coffee"]);
    assert!(ledger.earn(&p, &buy("c", 1_000, utc(2026, 11, 2, 10, 0))).rewards_unlocked.is_empty(), "only once");

    let balance = ledger.balances().points;
    let now: Vec<String> =
        rewards::redeemable_now(&p.rules, balance, Some("Classic"), Some(CAFE)).into_iter().map(|r| r.key).collect();
    assert_eq!(now, vec!["free-coffee"], "brunch is Gold-only, cake is for another cafe");
    let shown = rewards::catalogue(&p.rules, 400, Some("Gold"), Some(CafeId(99)));
    assert_eq!(
        shown.iter().map(|o| (o.reward.key.as_str(), o.missing)).collect::<Vec<_>>(),
        vec![("free-coffee", 600), ("brunch", 100), ("cake", 0)]
    );

    let (entry, reward) =
        rewards::plan_redeem(&p, &ledger.entries, Some("Classic"), Some(CAFE), "free-coffee", "tap 1").unwrap();
    assert_eq!((entry.points, reward.key.as_str()), (-1000, "free-coffee"));
    ledger.post(&entry.to_new_entry(&ctx())).unwrap();
    assert!(matches!(
        rewards::plan_redeem(&p, &ledger.entries, Some("Classic"), Some(CAFE), "free-coffee", "tap 2"),
        Err(Error::InsufficientBalance { .. })
    ));
    assert!(matches!(
        rewards::plan_redeem(&p, &ledger.entries, Some("Classic"), Some(CAFE), "brunch", "t"),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(rewards::plan_redeem(&p, &ledger.entries, None, None, "nope", "t"), Err(Error::NotFound { .. })));
}

// ---------------------------------------------------------------------------------------------
// Seed scenario: Classic -> Silver -> Gold, and a downgrade at the window's end

fn tiered(window: QualificationWindow, downgrade: DowngradePolicy) -> Program {
    let rules = ProgramRules {
        earn: Some(EarnRate { points: 1, per_minor: 100, rounding: Rounding::Down }),
        tiers: vec![tier("Classic", 0, 100), tier("Silver", 500, 100), tier("Gold", 1500, 100)],
        qualification: TierQualification { basis: QualificationBasis::Points, window, downgrade },
        timezone: Some(BELGRADE),
        ..ProgramRules::default()
    };
    program(ProgramKind::Points, rules)
}

#[test]
fn classic_silver_gold_and_a_downgrade_at_the_end_of_the_year() {
    let p = tiered(QualificationWindow::CalendarYear, DowngradePolicy::ToQualified);
    let mut ledger = MemLedger::new();
    let silver = ledger.earn(&p, &buy("a", 60_000, local(2026, 2, 10, 12, 0)));
    assert_eq!((silver.tier_before.name(), silver.tier_after.name()), (Some("Classic"), Some("Silver")));
    assert_eq!(silver.tier_after.next.as_ref().map(|n| (n.name.as_str(), n.missing)), Some(("Gold", 900)));
    let gold = ledger.earn(&p, &buy("b", 100_000, local(2026, 6, 1, 12, 0)));
    assert_eq!(gold.tier_after.name(), Some("Gold"));
    assert_eq!(gold.tier_after.review_at, Some(local(2027, 1, 1, 0, 0)));
    // Gold was earned in 2026, so it is kept through 2027 whatever 2027 brings.
    ledger.earn(&p, &buy("c", 60_000, local(2027, 3, 1, 12, 0)));
    let end_2027 = tier_status(
        &p.rules,
        &history::qualifying_events(&ledger.entries, QualificationBasis::Points),
        local(2027, 12, 31, 23, 59),
    );
    assert_eq!(
        (end_2027.name(), end_2027.qualifying, end_2027.review_at),
        (Some("Gold"), 600, Some(local(2028, 1, 1, 0, 0)))
    );
    assert_eq!(end_2027.to_keep, Some(900), "1500 needed in 2027 to keep Gold, 600 earned");
    // 1 January 2028, local midnight: 2027 qualified for Silver only.
    assert_eq!(ledger.tier(&p, local(2027, 12, 31, 23, 59)).as_deref(), Some("Gold"));
    assert_eq!(ledger.tier(&p, local(2028, 1, 1, 0, 0)).as_deref(), Some("Silver"));
    // And with nothing earned in 2028, Classic a year later.
    assert_eq!(ledger.tier(&p, local(2029, 1, 1, 0, 0)).as_deref(), Some("Classic"));
}

#[test]
fn downgrade_policies_differ_at_the_review() {
    let cases = [
        (DowngradePolicy::ToQualified, "Classic"),
        (DowngradePolicy::OneStep, "Silver"),
        (DowngradePolicy::Never, "Gold"),
    ];
    for (policy, expected) in cases {
        let p = tiered(QualificationWindow::CalendarYear, policy);
        let mut ledger = MemLedger::new();
        ledger.earn(&p, &buy("a", 160_000, local(2026, 5, 1, 12, 0)));
        ledger.earn(&p, &buy("b", 10_000, local(2027, 5, 1, 12, 0)));
        assert_eq!(ledger.tier(&p, local(2027, 12, 31, 12, 0)).as_deref(), Some("Gold"), "{policy:?}");
        assert_eq!(ledger.tier(&p, local(2028, 1, 2, 12, 0)).as_deref(), Some(expected), "{policy:?}");
    }
}

#[test]
fn rolling_window_reviews_months_after_the_upgrade() {
    let p = tiered(QualificationWindow::RollingMonths(6), DowngradePolicy::ToQualified);
    let mut ledger = MemLedger::new();
    ledger.earn(&p, &buy("a", 60_000, utc(2026, 1, 10, 12, 0)));
    ledger.earn(&p, &buy("b", 10_000, utc(2026, 3, 1, 12, 0)));
    assert_eq!(ledger.tier(&p, utc(2026, 7, 10, 11, 59)).as_deref(), Some("Silver"));
    // Review on 10 July: the last six months hold only 100 points.
    assert_eq!(ledger.tier(&p, utc(2026, 7, 10, 12, 0)).as_deref(), Some("Classic"));

    let mut kept = MemLedger::new();
    kept.earn(&p, &buy("a", 60_000, utc(2026, 1, 10, 12, 0)));
    kept.earn(&p, &buy("b", 50_000, utc(2026, 6, 1, 12, 0)));
    assert_eq!(kept.tier(&p, utc(2026, 7, 11, 0, 0)).as_deref(), Some("Silver"), "requalified within the window");
}

#[test]
fn spend_basis_counts_money_not_points() {
    let mut p = tiered(QualificationWindow::Lifetime, DowngradePolicy::ToQualified);
    p.rules.qualification.basis = QualificationBasis::Spend;
    p.rules.tiers = vec![tier("Classic", 0, 100), tier("Silver", 100_000, 100)];
    let mut ledger = MemLedger::new();
    let calc = ledger.earn(&p, &buy("a", 100_000, utc(2026, 1, 10, 12, 0)));
    assert_eq!(calc.tier_after.name(), Some("Silver"));
    assert_eq!(calc.tier_after.qualifying, 100_000);
}

#[test]
fn a_refund_takes_back_tier_progress() {
    let p = tiered(QualificationWindow::CalendarYear, DowngradePolicy::ToQualified);
    let mut ledger = MemLedger::new();
    ledger.earn(&p, &buy("a", 40_000, local(2026, 2, 10, 12, 0)));
    let purchase = buy("b", 20_000, local(2026, 2, 11, 12, 0));
    assert_eq!(ledger.earn(&p, &purchase).tier_after.name(), Some("Silver"));
    ledger.clock = local(2026, 2, 12, 12, 0);
    let plan = ledger.refund(&p, &purchase, "r1", 20_000);
    assert_eq!(plan.tier_after.name(), Some("Classic"));
    assert_eq!(ledger.tier(&p, local(2026, 2, 12, 12, 0)).as_deref(), Some("Classic"));
}

// ---------------------------------------------------------------------------------------------
// Refunds

#[test]
fn partial_refunds_add_up_to_exactly_what_was_earned() {
    let p = program(ProgramKind::Points, per_100_rsd());
    let mut ledger = MemLedger::new();
    let purchase = buy("a", 75_000, utc(2026, 11, 2, 8, 0));
    assert_eq!(ledger.earn(&p, &purchase).points, 7);
    let reversed: Vec<i64> =
        ["r1", "r2", "r3"].iter().map(|id| ledger.refund(&p, &purchase, id, 25_000).reversed_points).collect();
    assert_eq!(reversed, vec![2, 2, 3]);
    assert_eq!(ledger.balances(), Balances::default());
    let err = plan_refund(
        &p,
        &purchase,
        &RefundRequest { refund_id: "r4".into(), amount_minor: 1 },
        &ledger.entries,
        ledger.clock,
    )
    .unwrap_err();
    assert_eq!(field_of(&err), "amount_minor");
}

#[test]
fn the_same_refund_twice_reverses_once() {
    let p = program(ProgramKind::Points, per_100_rsd());
    let mut ledger = MemLedger::new();
    let purchase = buy("a", 75_000, utc(2026, 11, 2, 8, 0));
    ledger.earn(&p, &purchase);
    ledger.refund(&p, &purchase, "r1", 30_000);
    let len = ledger.entries.len();
    let again = ledger.refund(&p, &purchase, "r1", 30_000);
    assert!(again.replayed);
    assert_eq!(ledger.entries.len(), len);
    assert_eq!(ledger.balances().points, 5, "7 earned, floor(7 x 30/75) = 2 reversed");
}

#[test]
fn refunding_spent_points_leaves_a_debt_paid_from_future_earns() {
    let mut rules = per_100_rsd();
    rules.earn = Some(EarnRate { points: 1, per_minor: 100, rounding: Rounding::Down });
    rules.rewards = vec![reward("cake", 80, false)];
    let p = program(ProgramKind::Points, rules);
    let mut ledger = MemLedger::new();
    let purchase = buy("a", 10_000, utc(2026, 11, 2, 8, 0));
    ledger.earn(&p, &purchase);
    let (redeem, _) = rewards::plan_redeem(&p, &ledger.entries, None, Some(CAFE), "cake", "k").unwrap();
    ledger.post(&redeem.to_new_entry(&ctx())).unwrap();
    let plan = ledger.refund(&p, &purchase, "r1", 10_000);
    assert_eq!((plan.reversed_points, plan.debt), (100, (80, 0)));
    assert_eq!(ledger.balances().points, 0, "never negative under the debt policy");
    assert_eq!(history::debt(&ledger.entries), (80, 0));
    let next = ledger.earn(&p, &buy("b", 5_000, utc(2026, 11, 3, 8, 0)));
    assert_eq!((next.points, next.debt_settled), (50, (50, 0)));
    assert_eq!(ledger.balances().points, 0);
    let after = ledger.earn(&p, &buy("c", 5_000, utc(2026, 11, 4, 8, 0)));
    assert_eq!(after.debt_settled, (30, 0));
    assert_eq!((ledger.balances().points, history::debt(&ledger.entries)), (20, (0, 0)));
}

#[test]
fn refund_with_nothing_left_records_the_debt_in_an_empty_entry() {
    let mut rules = per_100_rsd();
    rules.rewards = vec![reward("cake", 5, false)];
    let p = program(ProgramKind::Points, rules);
    let mut ledger = MemLedger::new();
    let purchase = buy("a", 50_000, utc(2026, 11, 2, 8, 0));
    ledger.earn(&p, &purchase);
    let (redeem, _) = rewards::plan_redeem(&p, &ledger.entries, None, Some(CAFE), "cake", "k").unwrap();
    ledger.post(&redeem.to_new_entry(&ctx())).unwrap();
    let plan = ledger.refund(&p, &purchase, "r1", 50_000);
    let entry = plan.entry.unwrap();
    assert_eq!((entry.points, plan.debt), (0, (5, 0)));
    assert_eq!(history::debt(&ledger.entries), (5, 0));
}

#[test]
fn allow_negative_takes_it_all() {
    let mut rules = per_100_rsd();
    rules.refunds = RefundPolicy::AllowNegative;
    rules.rewards = vec![reward("cake", 5, false)];
    let p = program(ProgramKind::Points, rules);
    let mut ledger = MemLedger::new();
    let purchase = buy("a", 50_000, utc(2026, 11, 2, 8, 0));
    ledger.earn(&p, &purchase);
    let (redeem, _) = rewards::plan_redeem(&p, &ledger.entries, None, Some(CAFE), "cake", "k").unwrap();
    ledger.post(&redeem.to_new_entry(&ctx())).unwrap();
    ledger.refund(&p, &purchase, "r1", 50_000);
    assert_eq!(ledger.balances().points, -5);
    let next = ledger.earn(&p, &buy("b", 30_000, utc(2026, 11, 3, 8, 0)));
    assert_eq!((next.debt_settled, ledger.balances().points), ((0, 0), -2), "a negative balance repays itself");
}

// ---------------------------------------------------------------------------------------------
// Expiry

fn expiring(policy: ExpiryPolicy) -> Program {
    let mut rules = per_100_rsd();
    rules.earn = Some(EarnRate { points: 1, per_minor: 100, rounding: Rounding::Down });
    rules.expiry = Some(policy);
    rules.rewards = vec![reward("r120", 120, false)];
    program(ProgramKind::Points, rules)
}

#[test]
fn lots_expire_oldest_first_and_spending_consumes_the_oldest() {
    let p = expiring(ExpiryPolicy::LotsAfterMonths(12));
    let mut ledger = MemLedger::new();
    ledger.earn(&p, &buy("jan", 10_000, utc(2026, 1, 10, 12, 0)));
    ledger.earn(&p, &buy("jun", 5_000, utc(2026, 6, 1, 12, 0)));
    ledger.clock = utc(2026, 7, 1, 12, 0);
    let (redeem, _) = rewards::plan_redeem(&p, &ledger.entries, None, Some(CAFE), "r120", "k").unwrap();
    ledger.post(&redeem.to_new_entry(&ctx())).unwrap();
    // The 120 came out of January's 100 and 20 of June's 50.
    let lots = expiry::lots(&ledger.entries);
    assert_eq!(
        lots.lots.iter().map(|l| (l.earned_at, l.remaining)).collect::<Vec<_>>(),
        vec![(utc(2026, 6, 1, 12, 0), 30)]
    );
    assert_eq!(
        expiry::schedule(p.rules.expiry, &ledger.entries),
        vec![expiry::Expiring { at: utc(2027, 6, 1, 12, 0), points: 30 }]
    );
    assert!(expiry::plan_expiry(p.rules.expiry, &ledger.entries, utc(2027, 5, 31, 0, 0)).unwrap().is_empty());
    let due = expiry::plan_expiry(p.rules.expiry, &ledger.entries, utc(2027, 6, 2, 0, 0)).unwrap();
    assert_eq!(due.iter().map(|e| (e.kind, e.points)).collect::<Vec<_>>(), vec![(EntryKind::Expire, -30)]);
    ledger.clock = utc(2027, 6, 2, 0, 0);
    ledger.post_all(&due).unwrap();
    assert_eq!(ledger.balances().points, 0);
    assert!(
        expiry::plan_expiry(p.rules.expiry, &ledger.entries, utc(2027, 6, 3, 0, 0)).unwrap().is_empty(),
        "expired once"
    );
}

#[test]
fn the_expiry_job_on_a_given_date_takes_only_due_lots() {
    let p = expiring(ExpiryPolicy::LotsAfterMonths(12));
    let mut ledger = MemLedger::new();
    ledger.earn(&p, &buy("jan", 10_000, utc(2026, 1, 10, 12, 0)));
    ledger.earn(&p, &buy("jun", 5_000, utc(2026, 6, 1, 12, 0)));
    let due = expiry::plan_expiry(p.rules.expiry, &ledger.entries, utc(2027, 1, 10, 12, 0)).unwrap();
    assert_eq!(due.iter().map(|e| e.points).collect::<Vec<_>>(), vec![-100]);
    ledger.clock = utc(2027, 1, 10, 12, 0);
    // Running the job twice (or two jobs at once) writes it once.
    ledger.post_all(&due).unwrap();
    assert!(ledger.post_all(&due).unwrap().iter().all(|o| o.replayed));
    assert_eq!(ledger.balances().points, 50);
}

#[test]
fn inactivity_expires_everything_and_a_visit_resets_it() {
    let p = expiring(ExpiryPolicy::InactivityMonths(6));
    let mut ledger = MemLedger::new();
    ledger.earn(&p, &buy("a", 10_000, utc(2026, 1, 10, 12, 0)));
    ledger.earn(&p, &buy("b", 5_000, utc(2026, 3, 10, 12, 0)));
    assert!(expiry::plan_expiry(p.rules.expiry, &ledger.entries, utc(2026, 9, 10, 11, 0)).unwrap().is_empty());
    let due = expiry::plan_expiry(p.rules.expiry, &ledger.entries, utc(2026, 9, 10, 12, 0)).unwrap();
    assert_eq!(due.iter().map(|e| e.points).collect::<Vec<_>>(), vec![-150]);
    assert_eq!(expiry::schedule(p.rules.expiry, &ledger.entries)[0].at, utc(2026, 9, 10, 12, 0));
}

#[test]
fn a_refund_takes_back_its_own_lot() {
    let p = expiring(ExpiryPolicy::LotsAfterMonths(12));
    let mut ledger = MemLedger::new();
    let jan = buy("jan", 10_000, utc(2026, 1, 10, 12, 0));
    ledger.earn(&p, &jan);
    let feb = buy("feb", 5_000, utc(2026, 2, 10, 12, 0));
    ledger.earn(&p, &feb);
    ledger.refund(&p, &feb, "r", 5_000);
    assert_eq!(
        expiry::schedule(p.rules.expiry, &ledger.entries),
        vec![expiry::Expiring { at: utc(2027, 1, 10, 12, 0), points: 100 }]
    );
}

// ---------------------------------------------------------------------------------------------
// Reward codes

fn a_code(valid_days: Option<u32>, cafe: Option<CafeId>) -> RewardCode {
    let mut r = reward("free-coffee", 100, false);
    r.valid_days = valid_days;
    RewardCode::issue(
        "ABCD2345".into(),
        WalletId(1),
        &r,
        (100, 0),
        crate::ledger::IdempotencyKey::new("redeem:p1:k").unwrap(),
        cafe,
        utc(2026, 11, 2, 8, 0),
    )
}

#[test]
fn a_code_applies_exactly_once() {
    let code = a_code(None, None);
    let staff = Actor::Staff(crate::ids::StaffId(3));
    let used = code.apply(CAFE, staff.clone(), utc(2026, 11, 2, 9, 0)).unwrap();
    assert_eq!((used.status, used.used_at_cafe), (RewardCodeStatus::Used, Some(CAFE)));
    assert!(matches!(used.apply(CAFE, staff.clone(), utc(2026, 11, 2, 9, 1)), Err(Error::Conflict(_))));
    assert!(matches!(used.cancel(staff, utc(2026, 11, 2, 9, 1)), Err(Error::Conflict(_))));
}

#[test]
fn cancelling_gives_the_cost_back_and_validity_is_enforced() {
    let code = a_code(Some(1), Some(CAFE));
    let (cancelled, entry) = code.cancel(Actor::System("guest".into()), utc(2026, 11, 2, 9, 0)).unwrap();
    assert_eq!((cancelled.status, entry.kind, entry.points), (RewardCodeStatus::Cancelled, EntryKind::Adjust, 100));
    assert!(
        matches!(code.apply(CafeId(8), Actor::System("t".into()), utc(2026, 11, 2, 9, 0)), Err(Error::Conflict(_))),
        "other cafe"
    );
    assert!(
        matches!(code.apply(CAFE, Actor::System("t".into()), utc(2026, 11, 3, 8, 0)), Err(Error::Conflict(_))),
        "expired"
    );
    assert!(code.expire(utc(2026, 11, 2, 9, 0)).is_err(), "still valid");
    assert_eq!(code.expire(utc(2026, 11, 3, 8, 0)).unwrap().status, RewardCodeStatus::Expired);
    for s in RewardCodeStatus::ALL {
        assert_eq!(RewardCodeStatus::parse(s.as_str()).unwrap(), s);
    }
    assert_eq!(RewardCode::normalise(" abcd-2345 "), "ABCD2345");
    assert_eq!(RewardCode::normalise("o1il"), "0111");
    assert_eq!(RewardCode::random_code().len(), RewardCode::LEN);
}

// ---------------------------------------------------------------------------------------------
// Keys and replays

#[test]
fn keys_are_derived_from_the_purchase_and_program() {
    assert_eq!(purchase_key(ProgramId(3), "octo pos", "r:1"), "purchase:octo%20pos:r%3A1:p3");
    let p = program(ProgramKind::Points, per_100_rsd());
    let long = buy(&"x".repeat(128), 100_000, utc(2026, 11, 2, 8, 0));
    let mut long = long;
    long.source = "y".repeat(150);
    let calc =
        calculate(&EarnInput { program: &p, purchase: &long, cafe_timezone: BELGRADE, history: &[], promotions: &[] })
            .unwrap();
    assert!(calc.entries[0].idempotency_key.as_str().starts_with("h:"));
    let mut other = p.clone();
    other.id = ProgramId(2);
    let a = calculate(&EarnInput {
        program: &p,
        purchase: &buy("r", 100_000, utc(2026, 11, 2, 8, 0)),
        cafe_timezone: BELGRADE,
        history: &[],
        promotions: &[],
    })
    .unwrap();
    let b = calculate(&EarnInput {
        program: &other,
        purchase: &buy("r", 100_000, utc(2026, 11, 2, 8, 0)),
        cafe_timezone: BELGRADE,
        history: &[],
        promotions: &[],
    })
    .unwrap();
    assert_ne!(a.entries[0].idempotency_key, b.entries[0].idempotency_key, "two programs earn on one purchase");
}

#[test]
fn a_purchase_reported_twice_earns_once() {
    let p = stamp_card();
    let mut ledger = MemLedger::new();
    for i in 0..6 {
        ledger.earn(&p, &buy(&format!("r{i}"), 1, utc(2026, 11, 2, 8 + i, 0)));
    }
    let purchase = buy("r6", 1, utc(2026, 11, 2, 15, 0));
    let first = ledger.earn(&p, &purchase);
    let len = ledger.entries.len();
    let again = ledger.earn(&p, &purchase);
    assert!(again.replayed);
    assert_eq!(again.entries, first.entries);
    assert_eq!(again.rewards_issued, first.rewards_issued, "the same reward code key, so the same code");
    assert_eq!(ledger.entries.len(), len);
    assert_eq!(again.balances_after, first.balances_after);
}

// ---------------------------------------------------------------------------------------------
// Property tests of the invariants

#[derive(Debug, Clone)]
enum Op {
    Buy { amount: i64, hours: i64 },
    BuyAndRefundAtOnce { amount: i64, hours: i64 },
    Refund { which: usize, percent: i64 },
    Redeem,
    Expire { hours: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0i64..200_000, 0i64..200).prop_map(|(amount, hours)| Op::Buy { amount, hours }),
        2 => (0i64..200_000, 0i64..200).prop_map(|(amount, hours)| Op::BuyAndRefundAtOnce { amount, hours }),
        2 => (0usize..50, 1i64..=100).prop_map(|(which, percent)| Op::Refund { which, percent }),
        2 => Just(Op::Redeem),
        1 => (0i64..2_000).prop_map(|hours| Op::Expire { hours }),
    ]
}

fn arbitrary_program(
    per_visit: i64,
    daily_cap: Option<i64>,
    allow_negative: bool,
    auto: bool,
    window: QualificationWindow,
) -> Program {
    let rules = ProgramRules {
        earn: Some(EarnRate { points: 1, per_minor: 1_000, rounding: Rounding::Down }),
        per_visit,
        caps: Caps { per_purchase: None, per_guest_per_day: daily_cap },
        tiers: vec![tier("Classic", 0, 100), tier("Silver", 150, 150), tier("Gold", 600, 200)],
        qualification: TierQualification {
            basis: QualificationBasis::Points,
            window,
            downgrade: DowngradePolicy::OneStep,
        },
        rewards: vec![reward("coffee", 120, auto)],
        expiry: Some(ExpiryPolicy::LotsAfterMonths(1)),
        refunds: if allow_negative { RefundPolicy::AllowNegative } else { RefundPolicy::Debt },
        timezone: Some(BELGRADE),
        ..ProgramRules::default()
    };
    program(ProgramKind::Points, rules)
}

/// Everything that must come back after a full refund of what was just earned.
fn state(ledger: &MemLedger, p: &Program, at: DateTime<Utc>) -> (Balances, Option<String>, expiry::Lots, (i64, i64)) {
    (ledger.balances(), ledger.tier(p, at), expiry::lots(&ledger.entries), history::debt(&ledger.entries))
}

fn check_invariants(ledger: &MemLedger, p: &Program) -> Result<(), TestCaseError> {
    let sum = history::balances(&ledger.entries);
    prop_assert_eq!(sum, ledger.balances(), "balance = sum of the ledger");
    prop_assert_eq!(expiry::lots(&ledger.entries).balance(), sum.points, "lots add up to the balance");
    if p.rules.refunds == RefundPolicy::Debt {
        prop_assert!(sum.points >= 0 && sum.stamps >= 0, "never negative unless the program allows it");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn ledger_invariants_hold_under_any_sequence(
        ops in prop::collection::vec(op(), 1..40),
        per_visit in 0i64..3,
        daily_cap in prop::option::of(50i64..400),
        allow_negative in any::<bool>(),
        auto in any::<bool>(),
        calendar in any::<bool>(),
    ) {
        let window = if calendar { QualificationWindow::CalendarYear } else { QualificationWindow::RollingMonths(2) };
        let p = arbitrary_program(per_visit, daily_cap, allow_negative, auto, window);
        let mut ledger = MemLedger::new();
        let mut purchases: Vec<NewPurchase> = Vec::new();
        let mut refund_ids = 0;
        for (n, op) in ops.into_iter().enumerate() {
            match op {
                Op::Buy { amount, hours } | Op::BuyAndRefundAtOnce { amount, hours } => {
                    let at = ledger.clock + Duration::hours(hours);
                    let purchase = buy(&format!("p{n}"), amount, at);
                    let before = state(&ledger, &p, at);
                    let len = ledger.entries.len();
                    let calc = ledger.earn(&p, &purchase);
                    // Preview equals earn: what was written is exactly the plan.
                    let written = &ledger.entries[len..];
                    prop_assert_eq!(written.len(), calc.entries.len());
                    for (w, planned) in written.iter().zip(&calc.entries) {
                        prop_assert_eq!((w.kind, w.points, w.stamps, &w.idempotency_key), (planned.kind, planned.points, planned.stamps, &planned.idempotency_key));
                    }
                    prop_assert_eq!(calc.balances_after, ledger.balances());
                    prop_assert_eq!(calc.tier_after.name().map(str::to_owned), ledger.tier(&p, at));
                    // Idempotent: the same purchase again changes nothing.
                    let again = ledger.earn(&p, &purchase);
                    prop_assert!(again.replayed || calc.entries.is_empty());
                    prop_assert_eq!(ledger.entries.len(), len + calc.entries.len());
                    check_invariants(&ledger, &p)?;
                    if matches!(op, Op::BuyAndRefundAtOnce { .. }) {
                        refund_ids += 1;
                        ledger.refund(&p, &purchase, &format!("f{refund_ids}"), amount);
                        if calc.rewards_issued.is_empty() && calc.debt_settled == (0, 0) {
                            prop_assert_eq!(state(&ledger, &p, at), before, "a full refund restores the earlier state");
                        }
                    }
                    purchases.push(purchase);
                }
                Op::Refund { which, percent } => {
                    if purchases.is_empty() { continue; }
                    let purchase = purchases[which % purchases.len()].clone();
                    refund_ids += 1;
                    let amount = purchase.total.minor * percent / 100;
                    match plan_refund(&p, &purchase, &RefundRequest { refund_id: format!("f{refund_ids}"), amount_minor: amount }, &ledger.entries, ledger.clock) {
                        Ok(plan) => {
                            if let Some(entry) = plan.entry {
                                ledger.post(&entry.to_new_entry(&ctx())).expect("a refund plan posts");
                            }
                        }
                        Err(Error::InvalidInput { field, .. }) => prop_assert_eq!(field, "amount_minor"),
                        Err(other) => return Err(TestCaseError::fail(format!("{other:?}"))),
                    }
                }
                Op::Redeem => {
                    let tier = ledger.tier(&p, ledger.clock);
                    if let Ok((entry, _)) = rewards::plan_redeem(&p, &ledger.entries, tier.as_deref(), Some(CAFE), "coffee", &format!("k{n}")) {
                        ledger.post(&entry.to_new_entry(&ctx())).expect("a redeem plan posts");
                    }
                }
                Op::Expire { hours } => {
                    ledger.clock += Duration::hours(hours);
                    let due = expiry::plan_expiry(p.rules.expiry, &ledger.entries, ledger.clock).unwrap();
                    ledger.post_all(&due).expect("expiry never overdraws");
                    prop_assert!(expiry::plan_expiry(p.rules.expiry, &ledger.entries, ledger.clock).unwrap().is_empty());
                }
            }
            check_invariants(&ledger, &p)?;
        }
    }

    #[test]
    fn partial_refunds_reverse_exactly_what_was_earned(
        amount in 1i64..1_000_000,
        cuts in prop::collection::vec(1i64..100, 0..6),
    ) {
        let p = program(ProgramKind::Points, per_100_rsd());
        let mut ledger = MemLedger::new();
        let purchase = buy("a", amount, utc(2026, 11, 2, 8, 0));
        let earned = ledger.earn(&p, &purchase).points;
        let mut left = amount;
        let mut reversed = 0;
        for (i, cut) in cuts.iter().enumerate() {
            let part = left * cut / 100;
            reversed += ledger.refund(&p, &purchase, &format!("r{i}"), part).reversed_points;
            left -= part;
            prop_assert!(reversed <= earned);
        }
        reversed += ledger.refund(&p, &purchase, "last", left).reversed_points;
        prop_assert_eq!(reversed, earned);
        prop_assert_eq!(ledger.balances(), Balances::default());
    }

    #[test]
    fn apportioned_shares_always_add_up(net in 0i64..10_000_000, prices in prop::collection::vec((1u32..5, 0i64..100_000), 1..8)) {
        let items: Vec<LineItem> = prices.iter().map(|(q, p)| line("s", "c", *q, *p)).collect();
        prop_assert_eq!(apportion(net, &items).iter().sum::<i64>(), net);
    }

    #[test]
    fn stamps_balance_stays_below_the_card_with_auto_issue(visits in prop::collection::vec(1u32..20, 1..30)) {
        let rules = ProgramRules {
            items: vec![ItemRule { sku: None, category: Some("coffee".into()), multiplier_percent: 100, exclude: false, per_unit: 1 }],
            rewards: vec![reward("free-coffee", 7, true)],
            ..ProgramRules::default()
        };
        let p = program(ProgramKind::Stamps { card_size: 7 }, rules);
        let mut ledger = MemLedger::new();
        let mut total = 0i64;
        let mut cards = 0usize;
        for (i, coffees) in visits.iter().enumerate() {
            let calc = ledger.earn(&p, &buy_items(&format!("{i}"), 1, vec![line("cap", "coffee", *coffees, 100)], utc(2026, 11, 2, 0, 0) + Duration::hours(i64::try_from(i).unwrap())));
            total += i64::from(*coffees);
            cards += calc.rewards_issued.len();
            prop_assert!((0..7).contains(&ledger.balances().stamps));
        }
        prop_assert_eq!(i64::try_from(cards).unwrap() * 7 + ledger.balances().stamps, total, "every stamp is on the card or in a reward");
    }
}
