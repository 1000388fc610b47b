//! The one authorization policy: may this [`Principal`] do this [`Action`] on this
//! [`Target`]?
//!
//! Every admin route asks [`Principal::require`] (never compares roles itself), and the rules
//! for every role are the one table [`RULES`]. What the table says, in words:
//!
//! - nobody sees another chain: a target in another chain is [`Decision::Hidden`], answered
//!   as "not found" exactly like an id that does not exist;
//! - owners may do everything in their chain;
//! - managers run their cafes: a cafe-scoped action on another cafe is hidden too; they see
//!   the chain's guests (a guest belongs to the chain and visits any cafe) with full phones,
//!   adjust balances and merge guests, and read the event log of their cafes, but not change
//!   programs or export or erase guests;
//! - baristas serve guests: they find one guest by card or public id, see their wallets with
//!   the phone masked, and see their cafes' shifts; no lists, no history, no staff;
//! - an API token acts with its staff member's role, narrowed to its [`Permission`]s, and can
//!   never manage tokens (a leaked token cannot mint more);
//! - a session on a paired terminal acts at the terminal's cafe only, and only for what the
//!   till needs ([`Rule::at_terminal`]).

use std::collections::BTreeSet;

use super::permission::Permission;
use crate::ids::{ApiTokenId, CafeId, ChainId, SessionId, StaffId, TerminalId};
use crate::staff::{Role, Staff};
use crate::{Error, Result};

/// Something a caller may want to do through the admin API or the web.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read the chain's settings.
    ViewChain,
    /// Change the chain's settings.
    EditChain,
    /// Read a cafe (hours, address, timezone).
    ViewCafe,
    /// Open a new cafe.
    CreateCafe,
    /// Change a cafe.
    EditCafe,
    /// Read programs, their rules, tiers and rewards.
    ViewPrograms,
    /// Create, change or archive programs.
    EditPrograms,
    /// Look up one guest to serve them (by card code or public id): wallets, phone masked.
    FindGuest,
    /// List and search guests (by phone, name).
    ListGuests,
    /// Read a guest's ledger history and purchases.
    ViewGuestHistory,
    /// See a guest's full phone number.
    ViewGuestContact,
    /// Adjust a guest's balance by hand, with a reason.
    AdjustBalance,
    /// Merge two guests who are one person.
    MergeGuests,
    /// Export everything stored about a guest (GDPR access).
    ExportGuest,
    /// Erase a guest's personal data (GDPR erasure).
    EraseGuest,
    /// Read staff members.
    ViewStaff,
    /// Create staff members, set their PINs.
    EditStaff,
    /// Read shifts.
    ViewShifts,
    /// Read paired terminals.
    ViewTerminals,
    /// Pair or unpair a terminal.
    PairTerminal,
    /// Read the chain's event log.
    ViewEvents,
    /// Create, list and revoke API tokens.
    ManageTokens,
    /// Read the figures of cafes (the portal's dashboard, loyalty and analytics pages).
    ViewAnalytics,
}

/// Whether an action's target narrows to a cafe (where managers and terminals are limited
/// to theirs) or is the chain as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The action is about the chain: only the chain is checked.
    Chain,
    /// The action is about one cafe: non-owners must work there. Asked of the whole chain
    /// ([`Target::Chain`]), it is allowed and the caller filters to [`Principal::cafes`].
    Cafe,
}

/// One row of [`RULES`].
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The action.
    pub action: Action,
    /// The lowest role allowed.
    pub role: Role,
    /// Whether it narrows to a cafe.
    pub scope: Scope,
    /// The permission a token needs; `None`: sessions only, never a token.
    pub permission: Option<Permission>,
    /// Whether a PIN session on a paired terminal may do it.
    pub at_terminal: bool,
}

const fn rule(action: Action, role: Role, scope: Scope, permission: Option<Permission>, at_terminal: bool) -> Rule {
    Rule { action, role, scope, permission, at_terminal }
}

use Action as A;
use Permission as P;
use Role::{Barista, Manager, Owner};
use Scope::{Cafe, Chain};

/// Every action's rule: the whole policy in one place.
pub const RULES: [Rule; 23] = [
    rule(A::ViewChain, Barista, Chain, Some(P::ChainRead), true),
    rule(A::EditChain, Owner, Chain, Some(P::ChainWrite), false),
    rule(A::ViewCafe, Barista, Cafe, Some(P::ChainRead), true),
    rule(A::CreateCafe, Owner, Chain, Some(P::ChainWrite), false),
    rule(A::EditCafe, Manager, Cafe, Some(P::ChainWrite), false),
    rule(A::ViewPrograms, Barista, Chain, Some(P::ChainRead), true),
    rule(A::EditPrograms, Owner, Chain, Some(P::ChainWrite), false),
    rule(A::FindGuest, Barista, Chain, Some(P::GuestsRead), true),
    rule(A::ListGuests, Manager, Chain, Some(P::GuestsRead), false),
    rule(A::ViewGuestHistory, Manager, Chain, Some(P::GuestsRead), false),
    rule(A::ViewGuestContact, Manager, Chain, Some(P::GuestsContact), false),
    rule(A::AdjustBalance, Manager, Chain, Some(P::GuestsWrite), false),
    rule(A::MergeGuests, Manager, Chain, Some(P::GuestsWrite), false),
    rule(A::ExportGuest, Owner, Chain, Some(P::GuestsContact), false),
    rule(A::EraseGuest, Owner, Chain, Some(P::GuestsWrite), false),
    rule(A::ViewStaff, Manager, Cafe, Some(P::StaffRead), false),
    rule(A::EditStaff, Manager, Cafe, Some(P::StaffWrite), false),
    rule(A::ViewShifts, Barista, Cafe, Some(P::StaffRead), true),
    rule(A::ViewTerminals, Manager, Cafe, Some(P::StaffRead), false),
    rule(A::PairTerminal, Manager, Cafe, Some(P::StaffWrite), false),
    rule(A::ViewEvents, Manager, Cafe, Some(P::EventsRead), false),
    rule(A::ManageTokens, Owner, Chain, None, false),
    rule(A::ViewAnalytics, Manager, Cafe, Some(P::AnalyticsRead), false),
];

impl Action {
    /// This action's row of [`RULES`].
    #[must_use]
    pub fn rule(self) -> &'static Rule {
        // Every action has exactly one row; the test `every_action_has_one_rule` holds it.
        RULES.iter().find(|r| r.action == self).unwrap_or(&RULES[RULES.len() - 1])
    }
}

/// How a principal proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A session opened with a password.
    Session(SessionId),
    /// A session opened with a PIN on a paired terminal at `cafe`.
    Terminal {
        /// The session.
        session: SessionId,
        /// The terminal.
        terminal: TerminalId,
        /// The terminal's cafe: the only one this session acts at.
        cafe: CafeId,
    },
    /// An API token.
    Token {
        /// The token.
        token: ApiTokenId,
        /// What it may do.
        permissions: BTreeSet<Permission>,
    },
}

/// A caller who proved who they are: a staff member of one chain, and how they proved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The chain they act in.
    pub chain_id: ChainId,
    /// The staff member.
    pub staff_id: StaffId,
    /// Their role.
    pub role: Role,
    /// The cafes they work at (all of them for an owner).
    pub staff_cafes: Vec<CafeId>,
    /// How they proved it.
    pub via: Via,
}

/// What they may act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The chain as a whole (lists, chain-wide actions).
    Chain(ChainId),
    /// One cafe of a chain.
    Cafe(ChainId, CafeId),
}

/// The cafes whose things a principal sees in lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CafeFilter {
    /// Every cafe of the chain.
    All,
    /// Only these.
    Only(Vec<CafeId>),
}

impl CafeFilter {
    /// Whether `cafe` passes.
    #[must_use]
    pub fn admits(&self, cafe: CafeId) -> bool {
        match self {
            Self::All => true,
            Self::Only(cafes) => cafes.contains(&cafe),
        }
    }
}

/// The policy's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allowed,
    /// The target is outside what they may see: answer as if it did not exist.
    Hidden,
    /// They see it but may not do this; the reason is for them.
    Denied(String),
}

impl Principal {
    /// The principal of `staff`, proved `via`.
    #[must_use]
    pub fn new(staff: &Staff, via: Via) -> Self {
        Self { chain_id: staff.chain_id, staff_id: staff.id, role: staff.role, staff_cafes: staff.cafes.clone(), via }
    }

    /// The cafes they see: a terminal's cafe, an owner's whole chain, or the cafes a manager
    /// or barista works at.
    #[must_use]
    pub fn cafes(&self) -> CafeFilter {
        match (&self.via, self.role) {
            (Via::Terminal { cafe, .. }, _) => CafeFilter::Only(vec![*cafe]),
            (_, Role::Owner) => CafeFilter::All,
            _ => CafeFilter::Only(self.staff_cafes.clone()),
        }
    }

    /// May they do `action` on `target`?
    #[must_use]
    pub fn decide(&self, action: Action, target: Target) -> Decision {
        let rule = action.rule();
        let (chain, cafe) = match target {
            Target::Chain(chain) => (chain, None),
            Target::Cafe(chain, cafe) => (chain, Some(cafe)),
        };
        if chain != self.chain_id {
            return Decision::Hidden;
        }
        if rule.scope == Scope::Cafe && cafe.is_some_and(|cafe| !self.cafes().admits(cafe)) {
            return Decision::Hidden;
        }
        if self.role < rule.role {
            return Decision::Denied(format!(
                "a {} may not do this; it needs a {}",
                self.role.as_str(),
                rule.role.as_str()
            ));
        }
        match &self.via {
            Via::Token { permissions, .. } => match rule.permission {
                None => return Decision::Denied("API tokens may not do this; sign in".into()),
                Some(needed) if !permissions.contains(&needed) => {
                    return Decision::Denied(format!("this token lacks the permission `{needed}`"));
                }
                Some(_) => {}
            },
            Via::Terminal { .. } if !rule.at_terminal => {
                return Decision::Denied("not at a till terminal; sign in with a password".into());
            }
            Via::Terminal { .. } | Via::Session(_) => {}
        }
        Decision::Allowed
    }

    /// [`Principal::decide`] as a result: what every route calls.
    ///
    /// # Errors
    /// [`Error::NotFound`] for a hidden target (naming the cafe or chain, as a missing one
    /// would be named), [`Error::Forbidden`] when denied.
    pub fn require(&self, action: Action, target: Target) -> Result<()> {
        match self.decide(action, target) {
            Decision::Allowed => Ok(()),
            Decision::Hidden => Err(match target {
                Target::Chain(chain) => Error::not_found(ChainId::ENTITY, chain),
                Target::Cafe(_, cafe) => Error::not_found(CafeId::ENTITY, cafe),
            }),
            Decision::Denied(reason) => Err(Error::Forbidden(reason)),
        }
    }

    /// Whether they may see things of `action` at any of `cafes` (a staff member working
    /// at several cafes is visible to a manager of one of them).
    #[must_use]
    pub fn sees_any(&self, action: Action, cafes: &[CafeId]) -> bool {
        match self.cafes() {
            CafeFilter::All => true,
            CafeFilter::Only(mine) => action.rule().scope == Scope::Chain || cafes.iter().any(|c| mine.contains(c)),
        }
    }

    /// May they create or change a staff member to `role` at `cafes`? Owners may do
    /// anything; managers only baristas, and only at their own cafes.
    ///
    /// # Errors
    /// [`Error::Forbidden`] saying why, [`Error::InvalidInput`] naming `cafes` for a manager
    /// assigning a cafe that is not theirs or none at all.
    pub fn may_assign(&self, role: Role, cafes: &[CafeId]) -> Result<()> {
        self.require(Action::EditStaff, Target::Chain(self.chain_id))?;
        if self.role == Role::Owner {
            return Ok(());
        }
        if role >= self.role {
            return Err(Error::Forbidden(format!("a {} may only add baristas", self.role.as_str())));
        }
        let filter = self.cafes();
        if cafes.is_empty() || cafes.iter().any(|c| !filter.admits(*c)) {
            return Err(Error::invalid("cafes", "must be one or more of your own cafes"));
        }
        Ok(())
    }

    /// Whether `phone` may be shown in full to them, or masked.
    #[must_use]
    pub fn phone_for(&self, phone: &str) -> String {
        if self.decide(Action::ViewGuestContact, Target::Chain(self.chain_id)) == Decision::Allowed {
            phone.to_owned()
        } else {
            mask_phone(phone)
        }
    }
}

/// A phone number with all but its country code and last two digits hidden, grouped as
/// they are read aloud: `+381641234500` shows as `+381 •• ••• •• 00`.
#[must_use]
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 6 {
        return "•".repeat(digits.len());
    }
    let (country, rest) = digits.split_at(3);
    let hidden = rest.len() - 2;
    let mut masked = String::from("+");
    masked.extend(country);
    let mut left = hidden;
    for size in [2, 3].into_iter().cycle() {
        if left == 0 {
            break;
        }
        let take = size.min(left);
        masked.push(' ');
        masked.extend(std::iter::repeat_n('•', take));
        left -= take;
    }
    masked.push(' ');
    masked.extend(&rest[hidden..]);
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, cafes: &[i64], via: Via) -> Principal {
        Principal {
            chain_id: ChainId(1),
            staff_id: StaffId(9),
            role,
            staff_cafes: cafes.iter().copied().map(CafeId).collect(),
            via,
        }
    }

    fn session() -> Via {
        Via::Session(SessionId(1))
    }

    #[test]
    fn every_action_has_one_rule() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(RULES.iter().filter(|o| o.action == r.action).count(), 1, "{:?}", r.action);
            assert_eq!(r.action.rule().action, r.action, "row {i}");
        }
    }

    #[test]
    fn nobody_sees_another_chain() {
        for role in [Barista, Manager, Owner] {
            let p = who(role, &[1], session());
            for r in RULES {
                assert_eq!(p.decide(r.action, Target::Chain(ChainId(2))), Decision::Hidden, "{role:?} {:?}", r.action);
                assert_eq!(p.decide(r.action, Target::Cafe(ChainId(2), CafeId(1))), Decision::Hidden);
            }
        }
        let e = who(Owner, &[], session()).require(A::ViewChain, Target::Chain(ChainId(2))).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::NotFound);
    }

    #[test]
    fn managers_run_their_cafes_only() {
        let m = who(Manager, &[1], session());
        let mine = Target::Cafe(ChainId(1), CafeId(1));
        let other = Target::Cafe(ChainId(1), CafeId(2));
        assert_eq!(m.decide(A::ViewShifts, mine), Decision::Allowed);
        assert_eq!(m.decide(A::ViewShifts, other), Decision::Hidden);
        assert_eq!(m.decide(A::PairTerminal, other), Decision::Hidden);
        assert_eq!(m.decide(A::ListGuests, Target::Chain(ChainId(1))), Decision::Allowed);
        assert!(matches!(m.decide(A::EditPrograms, Target::Chain(ChainId(1))), Decision::Denied(_)));
        assert!(matches!(m.decide(A::EraseGuest, Target::Chain(ChainId(1))), Decision::Denied(_)));
        assert_eq!(m.decide(A::MergeGuests, Target::Chain(ChainId(1))), Decision::Allowed);
        assert_eq!(m.decide(A::ViewEvents, mine), Decision::Allowed, "their cafes' events");
        assert_eq!(m.decide(A::ViewEvents, other), Decision::Hidden);
        assert_eq!(m.cafes(), CafeFilter::Only(vec![CafeId(1)]));
        assert!(m.may_assign(Barista, &[CafeId(1)]).is_ok());
        assert_eq!(m.may_assign(Manager, &[CafeId(1)]).unwrap_err().kind(), crate::ErrorKind::Forbidden);
        assert_eq!(m.may_assign(Barista, &[CafeId(2)]).unwrap_err().kind(), crate::ErrorKind::InvalidInput);
        assert_eq!(m.phone_for("+381641234500"), "+381641234500");
    }

    #[test]
    fn baristas_serve_and_see_phones_masked() {
        let b = who(Barista, &[1], session());
        let chain = Target::Chain(ChainId(1));
        assert_eq!(b.decide(A::FindGuest, chain), Decision::Allowed);
        for denied in [A::ListGuests, A::ViewGuestHistory, A::ViewGuestContact, A::ViewStaff, A::ViewEvents] {
            assert!(matches!(b.decide(denied, chain), Decision::Denied(_)), "{denied:?}");
        }
        assert_eq!(b.decide(A::ViewShifts, Target::Cafe(ChainId(1), CafeId(2))), Decision::Hidden);
        assert_eq!(b.phone_for("+381641234500"), "+381 •• ••• •• 00");
    }

    #[test]
    fn tokens_are_narrowed_by_permissions_and_never_mint_tokens() {
        let token =
            |perms: &[Permission]| Via::Token { token: ApiTokenId(1), permissions: perms.iter().copied().collect() };
        let chain = Target::Chain(ChainId(1));
        let reader = who(Owner, &[], token(&[P::GuestsRead]));
        assert_eq!(reader.decide(A::ListGuests, chain), Decision::Allowed);
        assert!(matches!(reader.decide(A::ViewGuestContact, chain), Decision::Denied(_)));
        assert_eq!(reader.phone_for("+381641234500"), "+381 •• ••• •• 00");
        let all = who(Owner, &[], token(&Permission::ALL));
        assert!(matches!(all.decide(A::ManageTokens, chain), Decision::Denied(_)));
        // A barista's token with every permission is still a barista.
        let barista = who(Barista, &[1], token(&Permission::ALL));
        assert!(matches!(barista.decide(A::ViewGuestContact, chain), Decision::Denied(_)));
        assert_eq!(barista.decide(A::ViewShifts, Target::Cafe(ChainId(1), CafeId(2))), Decision::Hidden);
    }

    #[test]
    fn a_terminal_acts_at_its_cafe_for_the_till_only() {
        let via = Via::Terminal { session: SessionId(1), terminal: TerminalId(1), cafe: CafeId(2) };
        let owner = who(Owner, &[], via);
        assert_eq!(owner.cafes(), CafeFilter::Only(vec![CafeId(2)]));
        assert_eq!(owner.decide(A::ViewShifts, Target::Cafe(ChainId(1), CafeId(3))), Decision::Hidden);
        assert_eq!(owner.decide(A::FindGuest, Target::Chain(ChainId(1))), Decision::Allowed);
        assert!(matches!(owner.decide(A::ExportGuest, Target::Chain(ChainId(1))), Decision::Denied(_)));
    }

    #[test]
    fn phones_mask_to_country_code_and_last_two_digits() {
        assert_eq!(mask_phone("+381641234500"), "+381 •• ••• •• 00");
        assert_eq!(mask_phone("+972 52-123-4567"), "+972 •• ••• •• 67");
        assert_eq!(mask_phone("+1 415 555 0199"), "+141 •• ••• • 99");
        assert_eq!(mask_phone("123"), "•••");
    }
}
