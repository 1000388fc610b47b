//! Staff members, their roles, and shifts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::guest::ChannelIdentity;
use crate::ids::{CafeId, ChainId, ShiftId, StaffId};
use crate::{Error, Result};

/// A staff role. Roles are ordered: an owner may do what a manager may, a manager what a
/// barista may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Serves guests at the till: earn, redeem, open a guest.
    Barista,
    /// Runs cafes: discounts above the barista limit, staff of their cafes, reports.
    Manager,
    /// Owns the chain: everything, every cafe.
    Owner,
}

impl Role {
    /// The stable name stored in the database.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Barista => "barista",
            Self::Manager => "manager",
            Self::Owner => "owner",
        }
    }

    /// Parses [`Role::as_str`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `role`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "barista" => Ok(Self::Barista),
            "manager" => Ok(Self::Manager),
            "owner" => Ok(Self::Owner),
            other => Err(Error::invalid("role", format!("unknown role `{other}`; use owner, manager or barista"))),
        }
    }
}

/// A staff member of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    /// Storage identifier.
    pub id: StaffId,
    /// Owning chain.
    pub chain_id: ChainId,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Cafes they work at. Owners work at every cafe whatever this says.
    pub cafes: Vec<CafeId>,
    /// Their messenger identity, for staff mode in the bot.
    pub identity: Option<ChannelIdentity>,
    /// Portal login name, if they use the web portal or web POS.
    pub login: Option<String>,
    /// False once deactivated: they left. A deactivated member signs in nowhere (portal, till
    /// PIN, API tokens acting as them, bot staff mode) but stays in the history they made.
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

impl Staff {
    /// Whether they may act at `cafe`.
    #[must_use]
    pub fn works_at(&self, cafe: CafeId) -> bool {
        self.role == Role::Owner || self.cafes.contains(&cafe)
    }

    /// Whether their role is at least `role`.
    #[must_use]
    pub fn has_role(&self, role: Role) -> bool {
        self.role >= role
    }
}

/// What is needed to create a [`Staff`] member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaff {
    /// See [`Staff::name`].
    pub name: String,
    /// See [`Staff::role`].
    pub role: Role,
    /// See [`Staff::cafes`].
    pub cafes: Vec<CafeId>,
    /// See [`Staff::identity`].
    pub identity: Option<ChannelIdentity>,
    /// See [`Staff::login`].
    pub login: Option<String>,
}

/// A change to a [`Staff`] member: the fields given are replaced, the rest kept. Logins,
/// passwords and PINs have their own calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffUpdate {
    /// See [`Staff::name`].
    pub name: Option<String>,
    /// See [`Staff::role`].
    pub role: Option<Role>,
    /// See [`Staff::cafes`].
    pub cafes: Option<Vec<CafeId>>,
    /// See [`Staff::active`]. Deactivating ends their sessions, closes their open shift and
    /// revokes API tokens acting as them; reactivating restores none of these.
    pub active: Option<bool>,
}

impl StaffUpdate {
    /// `staff` with this change applied and checked.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `name` when it is blank.
    pub fn apply(&self, mut staff: Staff) -> Result<Staff> {
        if let Some(name) = &self.name {
            crate::chain::non_empty("name", name)?;
            staff.name.clone_from(name);
        }
        staff.role = self.role.unwrap_or(staff.role);
        if let Some(cafes) = &self.cafes {
            staff.cafes.clone_from(cafes);
        }
        staff.active = self.active.unwrap_or(staff.active);
        Ok(staff)
    }
}

/// Where a shift is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ShiftState {
    /// Staff are working; actions are allowed.
    Open,
    /// Finished at the time given; no more actions.
    Closed {
        /// When it was closed.
        closed_at: DateTime<Utc>,
    },
}

/// A staff member's shift at one cafe. Every staff action happens inside an open shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    /// Storage identifier.
    pub id: ShiftId,
    /// Owning chain.
    pub chain_id: ChainId,
    /// Who works it.
    pub staff_id: StaffId,
    /// Where.
    pub cafe_id: CafeId,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// Open or closed.
    #[serde(flatten)]
    pub state: ShiftState,
}

impl Shift {
    /// The shift closed at `at`: the only transition a shift has.
    ///
    /// # Errors
    /// [`Error::Conflict`] when it is already closed; [`Error::InvalidInput`] naming
    /// `closed_at` when `at` is before it opened.
    pub fn close(&self, at: DateTime<Utc>) -> Result<Self> {
        match self.state {
            ShiftState::Closed { .. } => Err(Error::Conflict(format!("shift {} is already closed", self.id))),
            ShiftState::Open if at < self.opened_at => Err(Error::invalid("closed_at", "is before the shift opened")),
            ShiftState::Open => Ok(Self { state: ShiftState::Closed { closed_at: at }, ..self.clone() }),
        }
    }

    /// Whether actions may happen in it.
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.state == ShiftState::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Owner > Role::Manager && Role::Manager > Role::Barista);
        for r in [Role::Barista, Role::Manager, Role::Owner] {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(Role::parse("admin").is_err());
    }

    #[test]
    fn shift_closes_once() {
        let opened = Utc::now();
        let shift = Shift {
            id: ShiftId(1),
            chain_id: ChainId(1),
            staff_id: StaffId(1),
            cafe_id: CafeId(1),
            opened_at: opened,
            state: ShiftState::Open,
        };
        let closed = shift.close(opened + chrono::Duration::hours(8)).unwrap();
        assert!(!closed.is_open());
        assert_eq!(closed.close(Utc::now()).unwrap_err().kind(), crate::ErrorKind::Conflict);
        assert_eq!(
            shift.close(opened - chrono::Duration::hours(1)).unwrap_err().kind(),
            crate::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn owners_work_everywhere() {
        let mut s = Staff {
            id: StaffId(1),
            chain_id: ChainId(1),
            name: "A".into(),
            role: Role::Barista,
            cafes: vec![CafeId(2)],
            identity: None,
            login: None,
            active: true,
        };
        assert!(s.works_at(CafeId(2)) && !s.works_at(CafeId(3)));
        s.role = Role::Owner;
        assert!(s.works_at(CafeId(3)));
    }
}
