//! Staff mode: a barista or manager serving a guest from the messenger.
//!
//! Only a staff member of the chain (their messenger identity is on the staff record) gets
//! here. They open a guest with the staff deep link from the guest's card
//! ([`TillIdentity::open_deep_link`](crate::identity::till::TillIdentity::open_deep_link)) or
//! by typing the six digits of the card during an open shift; then they earn for a purchase
//! amount, count a visit, or redeem a reward.
//!
//! Every action:
//! - needs an open shift at a cafe the staff member works at (the action is recorded to it);
//! - is confirmed: the bot restates it with a Confirm button carrying a fresh random nonce,
//!   and only a press of that button whose nonce is the pending one acts. The write's
//!   idempotency key (the purchase's receipt id, the redemption's request key) is derived
//!   from the nonce, so a redelivered press writes nothing new; a press after the action was
//!   done is answered "already counted"; a cancelled action's button does nothing;
//! - passes the double-tap guard ([`TillIdentity::claim_action`]) for the same staff member,
//!   action and guest.
//!
//! [`TillIdentity::claim_action`]: crate::identity::till::TillIdentity::claim_action

use super::Arg;
use super::card::program_views;
use super::payload::Payload;
use super::reply::{Phrase, ReplyButton};
use super::state::{StaffAction, StaffAwaiting, StaffSession, Step};
use super::turn::Turn;
use crate::chain::Cafe;
use crate::guest::Guest;
use crate::identity::TerminalId;
use crate::identity::double_tap::{ClaimOutcome, TillAction};
use crate::identity::till::{TillActor, TillOutcome, TillRefusal};
use crate::ids::{CafeId, StaffId};
use crate::money::Money;
use crate::notification::ProgramProgress;
use crate::pos::ingest::{GuestMatch, Notify, PurchaseIngest, StaffSale};
use crate::pos::redeem::TillRedeem;
use crate::program::ProgramKind;
use crate::purchase::NewPurchase;
use crate::rules::stamps::card_progress;
use crate::staff::{Shift, Staff};
use crate::{ErrorKind, Result};

/// The POS source name of purchases entered in staff mode.
pub const STAFF_SOURCE: &str = "messenger-staff";

/// The phrase telling staff why nobody was opened.
fn refusal_phrase(refusal: TillRefusal, now: chrono::DateTime<chrono::Utc>) -> Phrase {
    match refusal {
        TillRefusal::NotStaff | TillRefusal::RoleTooLow { .. } | TillRefusal::NotAtThisCafe => {
            Phrase::msg("staff-only")
        }
        TillRefusal::Locked { until } => {
            let minutes = (until - now).num_minutes().max(1);
            Phrase::with("staff-code-locked", vec![("minutes", Arg::Int(minutes))])
        }
        TillRefusal::WrongCode { failures_left } => {
            Phrase::with("staff-code-wrong", vec![("attempts_left", Arg::Int(i64::from(failures_left)))])
        }
        TillRefusal::CodeExpired | TillRefusal::LinkExpired => Phrase::msg("staff-code-expired"),
        TillRefusal::CodeAlreadyUsed => Phrase::msg("staff-code-used"),
        _ => Phrase::msg("staff-guest-not-found"),
    }
}

/// Parses a typed amount (`450`, `450.5`, `450,50`) into minor units (two decimals).
fn parse_amount(text: &str) -> Option<i64> {
    let text = text.trim().replace(',', ".");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 2 {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    let minor = whole.parse::<i64>().ok()?.checked_mul(100)?.checked_add(cents)?;
    (minor > 0).then_some(minor)
}

/// Six digits, spaces allowed: a card code typed by staff.
fn as_card_code(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// A fresh nonce: random, so a reset conversation never reuses one.
fn fresh_nonce() -> u64 {
    // 48 bits keep payloads short and are plenty for one person's pending action.
    (rand::random::<u64>() >> 16).max(1)
}

impl Turn<'_> {
    async fn staff_member(&self) -> Result<Option<Staff>> {
        match self.store().staff_by_identity(self.chain(), &self.who).await {
            Ok(staff) => Ok(Some(staff)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn actor(&self, staff: StaffId, cafe: CafeId) -> TillActor {
        TillActor { chain: self.chain(), staff, cafe, terminal: TerminalId::of_identity(&self.who) }
    }

    fn session(&mut self) -> &mut StaffSession {
        self.state.staff.get_or_insert(StaffSession {
            guest: None,
            awaiting: StaffAwaiting::Nothing,
            done: None,
            shift_actions: 0,
        })
    }

    /// A staff deep link from `/start`. Returns false when the opener is not staff, after
    /// telling them; the start then goes on as for anyone.
    pub(crate) async fn open_by_link(&mut self, token: &str) -> Result<bool> {
        let outcome = self.svc.till.open_deep_link(self.chain(), &self.who, token, self.now).await?;
        self.after_lookup(outcome).await
    }

    /// Shows what a lookup found: the guest in staff mode, or why not.
    async fn after_lookup(&mut self, outcome: TillOutcome) -> Result<bool> {
        match outcome {
            TillOutcome::Identified(found) => {
                let session = self.session();
                session.guest = Some(found.guest.id);
                session.awaiting = StaffAwaiting::Nothing;
                self.show_guest(&found.staff, &found.guest).await?;
                Ok(true)
            }
            TillOutcome::NeedsDetail { .. } => {
                self.line(Phrase::msg("staff-code-ambiguous"));
                self.line(Phrase::msg("staff-phone-digits-prompt"));
                Ok(true)
            }
            TillOutcome::Refused(refusal @ (TillRefusal::NotStaff | TillRefusal::RoleTooLow { .. })) => {
                self.line(refusal_phrase(refusal, self.now));
                Ok(false)
            }
            TillOutcome::Refused(refusal) => {
                self.line(refusal_phrase(refusal, self.now));
                Ok(true)
            }
        }
    }

    /// `/staff`: the shift and how to open a guest; for anyone else the usual fallback.
    pub(crate) async fn staff_panel(&mut self) -> Result<()> {
        let Some(staff) = self.staff_member().await? else {
            self.menu(Some(Phrase::msg("bot-fallback")));
            return Ok(());
        };
        self.session();
        let shift = self.store().open_shift_of(self.chain(), staff.id).await?;
        self.shift_screen(&staff, shift.as_ref());
        Ok(())
    }

    fn shift_screen(&mut self, staff: &Staff, shift: Option<&Shift>) {
        match shift.and_then(|s| self.catalog.cafe(s.cafe_id).cloned()) {
            Some(cafe) => {
                let lines = vec![
                    Phrase::with("staff-mode", vec![("cafe", Arg::Text(cafe.name))]),
                    Phrase::msg("staff-code-prompt"),
                ];
                let buttons = vec![
                    ReplyButton::payload("staff-shift-close", Payload::ShiftClose.encode()),
                    ReplyButton::payload("staff-exit", Payload::StaffExit.encode()),
                ];
                self.say(lines, buttons, 1);
            }
            None => self.shift_required(staff),
        }
    }

    /// "Open a shift first", with a button per cafe the staff member works at.
    fn shift_required(&mut self, staff: &Staff) {
        let mut buttons: Vec<ReplyButton> = self
            .catalog
            .open_cafes()
            .filter(|c| staff.works_at(c.id))
            .map(|c| ReplyButton {
                label: Phrase::Verbatim(c.name.clone()),
                action: crate::channel::ButtonAction::Payload(Payload::ShiftOpen(c.id).encode()),
            })
            .collect();
        buttons.insert(0, ReplyButton::payload("staff-exit", Payload::StaffExit.encode()));
        self.say(vec![Phrase::msg("staff-shift-required"), Phrase::msg("staff-shift-open")], buttons, 1);
    }

    /// The opened guest as staff see them, with the actions.
    async fn show_guest(&mut self, staff: &Staff, guest: &Guest) -> Result<()> {
        let shift = self.store().open_shift_of(self.chain(), staff.id).await?;
        let cafe = shift.as_ref().and_then(|s| self.catalog.cafe(s.cafe_id).cloned());
        let views = program_views(
            self.store(),
            &self.catalog.programs,
            guest,
            cafe.as_ref().map(|c| c.id).or(guest.home_cafe),
            self.now,
        )
        .await?;
        let mut lines = Vec::new();
        if let Some(cafe) = &cafe {
            lines.push(Phrase::with("staff-mode", vec![("cafe", Arg::Text(cafe.name.clone()))]));
        }
        let points = views.iter().find(|v| v.program.kind == ProgramKind::Points);
        let tier = points.and_then(|v| v.tier.name()).unwrap_or("—").to_owned();
        lines.push(Phrase::with("staff-guest-opened", vec![("name", guest_name(guest)), ("tier", Arg::Text(tier))]));
        if let Some(points) = points {
            lines.push(Phrase::with("staff-guest-balance", vec![("balance", Arg::Int(points.balances.points))]));
        }
        if let Some(phone) = &guest.phone {
            let last: String = phone.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
            lines.push(Phrase::with("staff-guest-phone", vec![("phone_last", Arg::Text(last))]));
        }
        if let Some(ready) = views.iter().flat_map(|v| &v.catalogue).find(|o| o.affordable) {
            lines
                .push(Phrase::with("staff-guest-reward-ready", vec![("reward", Arg::Text(ready.reward.name.clone()))]));
        }
        if cafe.is_none() {
            lines.push(Phrase::msg("staff-shift-required"));
        }
        let buttons = vec![
            ReplyButton::payload("staff-earn-amount", Payload::StaffAmount.encode()),
            ReplyButton::payload("staff-earn-visit", Payload::StaffVisit.encode()),
            ReplyButton::payload("staff-redeem", Payload::StaffRedeem.encode()),
            ReplyButton::payload("staff-exit", Payload::StaffExit.encode()),
        ];
        self.say(lines, buttons, 2);
        Ok(())
    }

    /// Text while in staff mode: an amount, phone digits, or a card code. False when the text
    /// is not for staff mode.
    pub(crate) async fn staff_text(&mut self, text: &str) -> Result<bool> {
        let awaiting = self.state.staff.as_ref().map(|s| s.awaiting.clone());
        let code = as_card_code(text);
        if awaiting.is_none() && code.is_none() {
            return Ok(false);
        }
        let Some(staff) = self.staff_member().await? else {
            self.state.staff = None;
            return Ok(false);
        };
        match awaiting {
            Some(StaffAwaiting::Amount) => {
                let Some(minor) = parse_amount(text) else {
                    self.line(Phrase::msg("error-invalid-amount"));
                    return Ok(true);
                };
                self.ask_confirm(&staff, StaffAction::Earn { amount_minor: minor }).await?;
                Ok(true)
            }
            Some(StaffAwaiting::PhoneDigits { code }) => {
                let Some(shift) = self.require_shift(&staff).await? else { return Ok(true) };
                let actor = self.actor(staff.id, shift.cafe_id);
                let outcome = self.svc.till.resolve_typed_code(&actor, &code, Some(text), self.now).await?;
                self.session().awaiting = StaffAwaiting::Nothing;
                self.after_lookup(outcome).await
            }
            _ => {
                // In staff mode any other text is a mistyped code, never the start of the
                // barista's own onboarding as a guest.
                let Some(code) = code else {
                    self.line(Phrase::msg("staff-code-prompt"));
                    return Ok(true);
                };
                let Some(shift) = self.require_shift(&staff).await? else { return Ok(true) };
                let actor = self.actor(staff.id, shift.cafe_id);
                let outcome = self.svc.till.resolve_typed_code(&actor, &code, None, self.now).await?;
                if matches!(outcome, TillOutcome::NeedsDetail { .. }) {
                    self.session().awaiting = StaffAwaiting::PhoneDigits { code };
                }
                self.after_lookup(outcome).await
            }
        }
    }

    /// The staff member's open shift, or "open a shift first" and `None`.
    async fn require_shift(&mut self, staff: &Staff) -> Result<Option<Shift>> {
        match self.store().open_shift_of(self.chain(), staff.id).await? {
            Some(shift) if staff.works_at(shift.cafe_id) => Ok(Some(shift)),
            _ => {
                self.shift_required(staff);
                Ok(None)
            }
        }
    }

    pub(crate) async fn on_staff_payload(&mut self, payload: Payload) -> Result<()> {
        let Some(staff) = self.staff_member().await? else {
            // A staff button in a guest's chat (forwarded, or staff access removed).
            self.state.staff = None;
            self.line(Phrase::msg("staff-only"));
            return self.stale().await;
        };
        match payload {
            Payload::ShiftOpen(cafe) => return self.open_shift(&staff, cafe).await,
            Payload::ShiftClose => return self.close_shift(&staff).await,
            Payload::StaffExit => {
                self.state.staff = None;
                if self.guest.is_some() {
                    self.state.step = Step::Ready;
                    self.menu(None);
                } else {
                    self.line(Phrase::msg("staff-cancelled"));
                }
                return Ok(());
            }
            Payload::StaffConfirm(nonce) => return self.confirm(&staff, nonce).await,
            Payload::StaffCancel(nonce) => {
                let session = self.session();
                if matches!(session.awaiting, StaffAwaiting::Confirm { nonce: n, .. } if n == nonce) {
                    session.awaiting = StaffAwaiting::Nothing;
                }
                self.line(Phrase::msg("staff-cancelled"));
                return Ok(());
            }
            _ => {}
        }
        if self.state.staff.as_ref().and_then(|s| s.guest).is_none() {
            self.line(Phrase::msg("staff-code-prompt"));
            return Ok(());
        }
        let Some(shift) = self.require_shift(&staff).await? else { return Ok(()) };
        match payload {
            Payload::StaffAmount => {
                self.session().awaiting = StaffAwaiting::Amount;
                let currency = self.catalog.cafe(shift.cafe_id).map_or_else(String::new, |c| c.currency.to_string());
                self.line(Phrase::with("staff-earn-prompt", vec![("currency", Arg::Text(currency))]));
                Ok(())
            }
            Payload::StaffVisit => self.ask_confirm(&staff, StaffAction::Visit).await,
            Payload::StaffRedeem => self.reward_choice(&shift).await,
            Payload::StaffReward(program, index) => {
                let reward = self
                    .catalog
                    .programs
                    .iter()
                    .find(|p| p.id == program)
                    .and_then(|p| p.rules.rewards.get(usize::try_from(index).ok()?));
                match reward {
                    Some(reward) => {
                        let action = StaffAction::Redeem { program, reward: reward.key.clone() };
                        self.ask_confirm(&staff, action).await
                    }
                    None => self.stale().await,
                }
            }
            _ => self.stale().await,
        }
    }

    async fn open_shift(&mut self, staff: &Staff, cafe: CafeId) -> Result<()> {
        let Some(cafe) = self.catalog.cafe(cafe).cloned() else { return self.stale().await };
        let shift = match self.store().open_shift_of(self.chain(), staff.id).await? {
            Some(shift) => shift,
            None => match self.store().open_shift(self.chain(), staff.id, cafe.id).await {
                Ok(shift) => {
                    self.session().shift_actions = 0;
                    shift
                }
                Err(e) if e.kind() == ErrorKind::Conflict => {
                    self.line(Phrase::msg("staff-only"));
                    return Ok(());
                }
                Err(e) => return Err(e),
            },
        };
        let opened_cafe = self.catalog.cafe(shift.cafe_id).cloned().unwrap_or(cafe);
        let local = shift.opened_at.with_timezone(&opened_cafe.timezone).time();
        self.line(Phrase::with(
            "staff-shift-opened",
            vec![("cafe", Arg::Text(opened_cafe.name.clone())), ("time", Arg::Time(local))],
        ));
        match self.state.staff.as_ref().and_then(|s| s.guest) {
            Some(guest) => {
                let guest = self.store().guest(self.chain(), guest).await?;
                self.show_guest(staff, &guest).await
            }
            None => {
                self.shift_screen(staff, Some(&shift));
                Ok(())
            }
        }
    }

    async fn close_shift(&mut self, staff: &Staff) -> Result<()> {
        if let Some(shift) = self.store().open_shift_of(self.chain(), staff.id).await? {
            match self.store().close_shift(self.chain(), shift.id).await {
                Ok(_) => {}
                // Closed meanwhile (the web POS, or this press delivered twice).
                Err(e) if e.kind() == ErrorKind::Conflict => {}
                Err(e) => return Err(e),
            }
        }
        let session = self.session();
        let actions = i64::from(session.shift_actions);
        session.shift_actions = 0;
        session.awaiting = StaffAwaiting::Nothing;
        self.line(Phrase::with("staff-shift-closed", vec![("actions", Arg::Int(actions))]));
        Ok(())
    }

    /// The rewards the open guest can have, as buttons; the others with what is missing.
    async fn reward_choice(&mut self, shift: &Shift) -> Result<()> {
        let Some(guest) = self.open_guest().await? else { return Ok(()) };
        let views = program_views(self.store(), &self.catalog.programs, &guest, Some(shift.cafe_id), self.now).await?;
        let mut lines = vec![Phrase::msg("staff-redeem-prompt")];
        let mut buttons = Vec::new();
        for view in &views {
            for option in &view.catalogue {
                let reward = Arg::Text(option.reward.name.clone());
                if option.affordable {
                    let index = view.program.rules.rewards.iter().position(|r| r.key == option.reward.key);
                    let Some(index) = index.and_then(|i| u32::try_from(i).ok()) else { continue };
                    buttons.push(ReplyButton {
                        label: Phrase::with(
                            "staff-redeem-option",
                            vec![("reward", reward), ("cost", Arg::Int(option.reward.cost))],
                        ),
                        action: crate::channel::ButtonAction::Payload(
                            Payload::StaffReward(view.program.id, index).encode(),
                        ),
                    });
                } else {
                    lines.push(Phrase::with(
                        "staff-redeem-short",
                        vec![
                            ("name", guest_name(&guest)),
                            ("points_needed", Arg::Int(option.missing)),
                            ("reward", reward),
                        ],
                    ));
                }
            }
        }
        if buttons.is_empty() && lines.len() == 1 {
            lines.push(Phrase::with("staff-redeem-none", vec![("name", guest_name(&guest))]));
        }
        buttons.insert(0, ReplyButton::payload("staff-cancel", Payload::StaffExit.encode()));
        self.say(lines, buttons, 1);
        Ok(())
    }

    async fn open_guest(&mut self) -> Result<Option<Guest>> {
        let Some(id) = self.state.staff.as_ref().and_then(|s| s.guest) else {
            self.line(Phrase::msg("staff-code-prompt"));
            return Ok(None);
        };
        match self.store().guest(self.chain(), id).await {
            Ok(guest) => Ok(Some(guest)),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                self.line(Phrase::msg("staff-guest-not-found"));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Restates `action` with Confirm and Cancel buttons carrying a fresh nonce.
    async fn ask_confirm(&mut self, staff: &Staff, action: StaffAction) -> Result<()> {
        let Some(guest) = self.open_guest().await? else { return Ok(()) };
        let Some(shift) = self.require_shift(staff).await? else { return Ok(()) };
        let cafe = self.catalog.cafe(shift.cafe_id).cloned();
        let question = match &action {
            StaffAction::Earn { amount_minor } => {
                let currency = cafe.as_ref().map_or_else(String::new, |c| c.currency.to_string());
                Phrase::with(
                    "staff-earn-confirm",
                    vec![("amount", Arg::Money { minor: *amount_minor, currency }), ("name", guest_name(&guest))],
                )
            }
            StaffAction::Visit => Phrase::with("staff-visit-confirm", vec![("name", guest_name(&guest))]),
            StaffAction::Redeem { program, reward } => {
                let Some(found) = self.reward(*program, reward) else { return self.stale().await };
                Phrase::with(
                    "staff-redeem-confirm",
                    vec![
                        ("name", guest_name(&guest)),
                        ("reward", Arg::Text(found.name.clone())),
                        ("cost", Arg::Int(found.cost)),
                    ],
                )
            }
        };
        let nonce = fresh_nonce();
        self.session().awaiting = StaffAwaiting::Confirm { nonce, action };
        let buttons = vec![
            ReplyButton::payload("staff-confirm", Payload::StaffConfirm(nonce).encode()),
            ReplyButton::payload("staff-cancel", Payload::StaffCancel(nonce).encode()),
        ];
        self.say(vec![question], buttons, 2);
        Ok(())
    }

    fn reward(&self, program: crate::ids::ProgramId, key: &str) -> Option<&crate::rules::rewards::Reward> {
        self.catalog.programs.iter().find(|p| p.id == program)?.rules.rewards.iter().find(|r| r.key == key)
    }

    /// Does the pending action if `nonce` is its nonce; answers a repeat otherwise.
    async fn confirm(&mut self, staff: &Staff, nonce: u64) -> Result<()> {
        let session = self.session().clone();
        let action = match session.awaiting {
            StaffAwaiting::Confirm { nonce: pending, action } if pending == nonce => action,
            _ if session.done == Some(nonce) => {
                self.line(Phrase::msg("staff-duplicate-tap"));
                return Ok(());
            }
            _ => return self.stale().await,
        };
        let Some(guest) = self.open_guest().await? else { return Ok(()) };
        let Some(shift) = self.require_shift(staff).await? else { return Ok(()) };
        let Some(cafe) = self.catalog.cafe(shift.cafe_id).cloned() else { return self.stale().await };
        let kind = match action {
            StaffAction::Earn { .. } => "earn",
            StaffAction::Visit => "visit",
            StaffAction::Redeem { .. } => "redeem",
        };
        let till_action = TillAction::new(kind)?;
        let claim = self.svc.till.claim_action(&self.actor(staff.id, cafe.id), till_action, guest.id, self.now).await?;
        let session = self.session();
        session.awaiting = StaffAwaiting::Nothing;
        session.done = Some(nonce);
        if matches!(claim, ClaimOutcome::Repeat { .. }) {
            self.line(Phrase::msg("staff-duplicate-tap"));
            return Ok(());
        }
        let key = format!("{}:{}:{nonce}", STAFF_SOURCE, staff.id);
        match action {
            StaffAction::Earn { amount_minor } => self.earn(staff, &shift, &cafe, &guest, amount_minor, &key).await?,
            StaffAction::Visit => self.earn(staff, &shift, &cafe, &guest, 0, &key).await?,
            StaffAction::Redeem { program, reward } => {
                if !self.redeem(staff, &shift, &cafe, &guest, (program, &reward), &key).await? {
                    return Ok(());
                }
            }
        }
        self.session().shift_actions += 1;
        Ok(())
    }

    async fn earn(
        &mut self,
        staff: &Staff,
        shift: &Shift,
        cafe: &Cafe,
        guest: &Guest,
        amount_minor: i64,
        key: &str,
    ) -> Result<()> {
        let purchase = NewPurchase {
            cafe_id: cafe.id,
            source: STAFF_SOURCE.to_owned(),
            external_id: key.to_owned(),
            guest_id: Some(guest.id),
            total: Money::new(amount_minor, cafe.currency),
            items: Vec::new(),
            occurred_at: self.now,
        };
        // The same workflow as a POS sale: one transaction that earns, honours the daily cap
        // and queues the guest's notification; a repeated confirmation answers the first.
        let ingest = PurchaseIngest {
            source: STAFF_SOURCE.to_owned(),
            delivery_id: key.to_owned(),
            purchase,
            guest: GuestMatch::Matched { public_id: guest.public_id.to_string(), via: None },
            card_step: None,
            reward_code: None,
            promotions: Vec::new(),
            staff: Some(StaffSale { staff_id: staff.id, shift_id: shift.id }),
            notify: Notify::Guest,
        };
        let outcome = self.store().ingest_purchase(self.chain(), ingest).await?;
        let kinds: Vec<(ProgramKind, &ProgramProgress)> = outcome
            .programs
            .iter()
            .filter_map(|p| Some((self.catalog.programs.iter().find(|c| c.id == p.program_id)?.kind, p)))
            .collect();
        if amount_minor > 0 {
            let points: i64 = kinds.iter().filter(|(k, _)| *k == ProgramKind::Points).map(|(_, p)| p.change).sum();
            let balance = kinds.iter().find(|(k, _)| *k == ProgramKind::Points).map_or(0, |(_, p)| p.balance);
            self.line(Phrase::with(
                "staff-earn-done",
                vec![
                    ("points", Arg::Int(points)),
                    ("amount", Arg::Money { minor: amount_minor, currency: cafe.currency.to_string() }),
                    ("name", guest_name(guest)),
                    ("balance", Arg::Int(balance)),
                ],
            ));
        }
        // The stamp card is news after a visit, or after a purchase that stamped it.
        let stamped =
            kinds.iter().find(|(k, p)| matches!(k, ProgramKind::Stamps { .. }) && (amount_minor == 0 || p.change > 0));
        if let Some((kind, progress)) = stamped {
            let stamps = crate::wallet::Balances { stamps: progress.balance, ..Default::default() };
            if let Some(card) = card_progress(*kind, stamps) {
                self.line(Phrase::with(
                    "staff-visit-done",
                    vec![
                        ("name", guest_name(guest)),
                        ("stamps", Arg::Int(card.stamps)),
                        ("stamps_total", Arg::Int(i64::from(card.card_size))),
                    ],
                ));
            }
        } else if amount_minor == 0 {
            self.line(Phrase::with(
                "staff-visit-done",
                vec![("name", guest_name(guest)), ("stamps", Arg::Int(0)), ("stamps_total", Arg::Int(0))],
            ));
        }
        Ok(())
    }

    /// Redeems the reward at the till, in one transaction with the code it is given by (see
    /// [`redeem_at_till`](crate::pos::redeem::redeem_at_till)). False when it could not be done
    /// (told).
    async fn redeem(
        &mut self,
        staff: &Staff,
        shift: &Shift,
        cafe: &Cafe,
        guest: &Guest,
        (program, reward): (crate::ids::ProgramId, &str),
        key: &str,
    ) -> Result<bool> {
        let Some(kind) = self.catalog.programs.iter().find(|p| p.id == program).map(|p| p.kind) else {
            self.line(Phrase::msg("error-reward-unavailable"));
            return Ok(false);
        };
        let request = TillRedeem {
            guest: guest.id,
            program,
            reward_key: reward.to_owned(),
            cafe: cafe.id,
            request_key: key.to_owned(),
            staff: StaffSale { staff_id: staff.id, shift_id: shift.id },
        };
        // A repeated press is answered with the first redemption, as if it were the first.
        let done = match self.store().redeem_at_till(self.chain(), request).await {
            Ok(done) => done,
            Err(e)
                if matches!(e.kind(), ErrorKind::InsufficientBalance | ErrorKind::Conflict | ErrorKind::NotFound) =>
            {
                self.line(Phrase::msg("error-reward-unavailable"));
                return Ok(false);
            }
            Err(e) => return Err(e),
        };
        let left = match kind {
            ProgramKind::Points => done.balances.points,
            ProgramKind::Stamps { .. } => done.balances.stamps,
        };
        let name = self.reward(program, reward).map_or(done.reward, |r| r.name.clone());
        self.line(Phrase::with(
            "staff-redeem-done",
            vec![("reward", Arg::Text(name)), ("name", guest_name(guest)), ("balance", Arg::Int(left))],
        ));
        Ok(true)
    }
}

fn guest_name(guest: &Guest) -> Arg {
    Arg::Text(
        guest
            .display_name
            .as_deref()
            .and_then(|n| n.split_whitespace().next())
            .map_or_else(|| guest.public_id.to_string(), str::to_owned),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_to_minor_units() {
        assert_eq!(parse_amount("450"), Some(45_000));
        assert_eq!(parse_amount("450.5"), Some(45_050));
        assert_eq!(parse_amount(" 450,50 "), Some(45_050));
        for bad in ["", "0", "abc", "4.505", "-3", "1e3", ".5"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }

    #[test]
    fn card_codes_are_six_digits() {
        assert_eq!(as_card_code("123 456").as_deref(), Some("123456"));
        assert_eq!(as_card_code("12345"), None);
        assert_eq!(as_card_code("hello!"), None);
    }
}
