//! What the store keeps about signing in: accounts, paired terminals, sessions, API tokens.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::permission::Permission;
use super::secret::SecretHash;
use crate::ids::{AccountId, ApiTokenId, CafeId, ChainId, SessionId, StaffId, TerminalId};
use crate::{Error, Result};

/// A login: one person's name and password. Their staff records ([`crate::staff::Staff`])
/// in each chain name it by [`Account::login`]; the role and cafes live there, per chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Storage identifier.
    pub id: AccountId,
    /// The login name, lowercase (see [`normalize_login`]).
    pub login: String,
    /// The Argon2id hash of the password.
    pub password: SecretHash,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// The longest login name accepted.
pub const MAX_LOGIN_CHARS: usize = 64;

/// A login name as stored and compared: trimmed and lowercase, so `Ana` and `ana ` are one
/// account.
///
/// # Errors
/// [`Error::InvalidInput`] naming `login` unless it is 3 to [`MAX_LOGIN_CHARS`] letters,
/// digits, `.`, `-`, `_` or `@`.
pub fn normalize_login(login: &str) -> Result<String> {
    let login = login.trim().to_lowercase();
    let chars = login.chars().count();
    if !(3..=MAX_LOGIN_CHARS).contains(&chars) {
        return Err(Error::invalid("login", format!("must be 3 to {MAX_LOGIN_CHARS} characters")));
    }
    if let Some(bad) = login.chars().find(|c| !(c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))) {
        return Err(Error::invalid("login", format!("may hold letters, digits, `.`, `-`, `_` and `@`, not `{bad}`")));
    }
    Ok(login)
}

/// A till tablet paired to one cafe by a manager. Baristas sign in on it with their PIN; a
/// PIN is worth nothing anywhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terminal {
    /// Storage identifier.
    pub id: TerminalId,
    /// Owning chain.
    pub chain_id: ChainId,
    /// The cafe it serves; sessions on it act at this cafe only.
    pub cafe_id: CafeId,
    /// What staff call it ("Till 1").
    pub name: String,
    /// Who paired it.
    pub paired_by: StaffId,
    /// When it was paired.
    pub created_at: DateTime<Utc>,
    /// When it was last used to sign in.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was unpaired; its token and sessions stop working then.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What is needed to pair a [`Terminal`].
#[derive(Debug, Clone)]
pub struct NewTerminal {
    /// See [`Terminal::cafe_id`].
    pub cafe_id: CafeId,
    /// See [`Terminal::name`].
    pub name: String,
    /// See [`Terminal::paired_by`].
    pub paired_by: StaffId,
    /// The digest of the token handed to the tablet ([`super::token::issue`]).
    pub token: SecretHash,
}

/// A signed-in session: a staff member of one chain, in a browser or at a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Storage identifier (not the cookie: that is only stored as a digest).
    pub id: SessionId,
    /// The chain it acts in.
    pub chain_id: ChainId,
    /// Whose rights it carries.
    pub staff_id: StaffId,
    /// The account that signed in with a password, or none for a PIN at a terminal.
    pub account_id: Option<AccountId>,
    /// The terminal it was opened on, for a PIN sign-in.
    pub terminal_id: Option<TerminalId>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it was last used (updated at most once a minute).
    pub last_seen_at: DateTime<Utc>,
    /// When it ends whatever happens (absolute expiry).
    pub expires_at: DateTime<Utc>,
    /// When it was ended by logging out (or "log out everywhere").
    pub ended_at: Option<DateTime<Utc>>,
}

/// What is needed to open a [`Session`].
#[derive(Debug, Clone)]
pub struct NewSession {
    /// See [`Session::chain_id`].
    pub chain_id: ChainId,
    /// See [`Session::staff_id`].
    pub staff_id: StaffId,
    /// See [`Session::account_id`].
    pub account_id: Option<AccountId>,
    /// See [`Session::terminal_id`].
    pub terminal_id: Option<TerminalId>,
    /// The digest of the cookie value.
    pub token: SecretHash,
    /// See [`Session::created_at`] (also the first `last_seen_at`).
    pub created_at: DateTime<Utc>,
    /// See [`Session::expires_at`].
    pub expires_at: DateTime<Utc>,
}

/// An integrator's token: one chain, one staff member's rights narrowed to a set of
/// permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Storage identifier.
    pub id: ApiTokenId,
    /// The chain it acts in.
    pub chain_id: ChainId,
    /// Whose role and cafes bound it (a barista's token never reads what a barista may not).
    pub staff_id: StaffId,
    /// What it is for ("Till integration").
    pub name: String,
    /// What it may do, within the staff member's role.
    pub permissions: BTreeSet<Permission>,
    /// Who created it.
    pub created_by: StaffId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last used (updated at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked; it stops working then.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What is needed to create an [`ApiToken`].
#[derive(Debug, Clone)]
pub struct NewApiToken {
    /// See [`ApiToken::staff_id`].
    pub staff_id: StaffId,
    /// See [`ApiToken::name`].
    pub name: String,
    /// See [`ApiToken::permissions`].
    pub permissions: BTreeSet<Permission>,
    /// See [`ApiToken::created_by`].
    pub created_by: StaffId,
    /// The digest of the token shown once to its creator.
    pub token: SecretHash,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_case_folded_and_checked() {
        assert_eq!(normalize_login("  Demo-Owner ").unwrap(), "demo-owner");
        assert_eq!(normalize_login("ana@kafa.rs").unwrap(), "ana@kafa.rs");
        for bad in ["ab", "has space", "semi;colon", &"a".repeat(MAX_LOGIN_CHARS + 1)] {
            assert!(normalize_login(bad).is_err(), "{bad}");
        }
    }
}
