//! The card: the QR to show at the till, with balance, stamps, tier and progress.

use super::Arg;
use super::payload::Payload;
use super::reply::{Phrase, ReplyBody, ReplyButton, layout};
use super::turn::Turn;
use crate::guest::Guest;
use crate::ids::CafeId;
use crate::loyalty::Loyalty;
use crate::program::{Program, ProgramKind, ProgramScope};
use crate::rules::rewards::{RewardOption, catalogue};
use crate::rules::stamps::card_progress;
use crate::rules::tiers::{QualificationBasis, TierStatus, tier_status};
use crate::wallet::Balances;
use crate::{Result, store::Store};

/// A guest's standing in one program, as the card and staff mode show it.
#[derive(Debug, Clone)]
pub(crate) struct ProgramView {
    pub(crate) program: Program,
    pub(crate) balances: Balances,
    pub(crate) tier: TierStatus,
    pub(crate) catalogue: Vec<RewardOption>,
}

/// The guest's standing in every program that applies to them: chain-wide programs, and
/// per-cafe programs at `cafe` (their home cafe, or the staff member's shift cafe). A program
/// the guest has no wallet in yet shows as empty, without opening one.
pub(crate) async fn program_views(
    store: &dyn Store,
    programs: &[Program],
    guest: &Guest,
    cafe: Option<CafeId>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<ProgramView>> {
    let wallets = store.wallets_of_guest(guest.chain_id, guest.id).await?;
    let loyalty = Loyalty::new(store);
    let mut views = Vec::new();
    for program in programs {
        let scope_cafe = match program.scope {
            ProgramScope::Chain => None,
            ProgramScope::Cafe => match cafe {
                Some(cafe) if program.rules.earns_at(cafe) => Some(cafe),
                _ => continue,
            },
        };
        let wallet = wallets.iter().find(|w| w.scope.program_id == program.id && w.scope.cafe_id == scope_cafe);
        let view = match wallet {
            Some(wallet) => {
                let standing = loyalty.standing(guest.chain_id, wallet.id, cafe, now).await?;
                ProgramView {
                    program: program.clone(),
                    balances: standing.balances,
                    tier: standing.tier,
                    catalogue: standing.catalogue,
                }
            }
            None => {
                let tier = tier_status(&program.rules, &[], now);
                let catalogue = catalogue(&program.rules, 0, tier.name(), cafe);
                ProgramView { program: program.clone(), balances: Balances::default(), tier, catalogue }
            }
        };
        views.push(view);
    }
    Ok(views)
}

/// The card's lines for one program.
fn program_lines(view: &ProgramView, lines: &mut Vec<Phrase>) {
    let nearest = view.catalogue.iter().filter(|o| !o.affordable).min_by_key(|o| o.missing);
    let ready = view.catalogue.iter().find(|o| o.affordable);
    match view.program.kind {
        ProgramKind::Points => {
            lines.push(Phrase::with("bot-card-balance", vec![("balance", Arg::Int(view.balances.points))]));
            if let Some(tier) = view.tier.name() {
                lines.push(Phrase::with("bot-card-tier", vec![("tier", Arg::Text(tier.to_owned()))]));
                match &view.tier.next {
                    Some(next) if view.program.rules.qualification.basis == QualificationBasis::Points => {
                        lines.push(Phrase::with(
                            "bot-card-tier-progress",
                            vec![("points_needed", Arg::Int(next.missing)), ("tier", Arg::Text(next.name.clone()))],
                        ));
                    }
                    Some(_) => {}
                    None => lines.push(Phrase::msg("bot-card-tier-top")),
                }
            }
        }
        ProgramKind::Stamps { .. } => {
            if let Some(card) = card_progress(view.program.kind, view.balances) {
                lines.push(Phrase::with(
                    "bot-card-stamps",
                    vec![("stamps", Arg::Int(card.stamps)), ("stamps_total", Arg::Int(i64::from(card.card_size)))],
                ));
                if ready.is_none() {
                    lines.push(Phrase::with("bot-card-stamps-left", vec![("stamps_left", Arg::Int(card.to_full))]));
                }
            }
        }
    }
    if let Some(ready) = ready {
        lines.push(Phrase::with("bot-card-reward-ready", vec![("reward", Arg::Text(ready.reward.name.clone()))]));
    } else if let (Some(nearest), ProgramKind::Points) = (nearest, view.program.kind) {
        lines.push(Phrase::with(
            "bot-card-reward-progress",
            vec![("points_needed", Arg::Int(nearest.missing)), ("reward", Arg::Text(nearest.reward.name.clone()))],
        ));
    }
}

impl Turn<'_> {
    /// Shows the card: a photo of the QR where the channel sends photos, the same lines as
    /// text (with the six digits) where it does not.
    pub(crate) async fn card(&mut self) -> Result<()> {
        let Some(guest) = self.guest.clone() else { return Ok(()) };
        let presented = self.svc.till.present_card(self.chain(), &guest, self.now).await?;
        let views = program_views(self.store(), &self.catalog.programs, &guest, guest.home_cafe, self.now).await?;
        let chain = self.catalog.chain.name.clone();
        let mut lines = vec![Phrase::with("bot-card-title", vec![("chain", Arg::Text(chain))])];
        for view in &views {
            program_lines(view, &mut lines);
        }
        lines.push(Phrase::with("bot-card-code", vec![("code", Arg::Text(presented.code.to_string()))]));
        lines.push(Phrase::msg("bot-card-code-hint"));
        // Seed 003's flow: a barista in the bot's staff mode taps (or scans from the guest's
        // screen) this link to open the guest; only staff members can open it. The QR stays
        // the card payload that POS scanners and the web till read.
        if let Some(base) = self.start_link_base() {
            let link = format!("{base}{}", presented.staff_link);
            lines.push(Phrase::with("bot-card-staff-link", vec![("link", Arg::Text(link))]));
        }
        let mut buttons = vec![ReplyButton::payload("bot-card-refresh", Payload::Card.encode())];
        buttons.extend(self.menu_buttons(false));
        let buttons = layout(buttons, 2, self.caps);
        if self.caps.photos {
            let png = presented.payload.to_png()?;
            self.push(ReplyBody::Photo { png, caption: lines, buttons });
        } else {
            self.push(ReplyBody::Text { lines, buttons });
        }
        Ok(())
    }
}
