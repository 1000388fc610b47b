//! Passwords and PINs: what is accepted, and how they are hashed (Argon2id) and checked.
//!
//! The parameters are OWASP's first Argon2id recommendation (19 MiB, 2 passes, 1 lane),
//! the `argon2` crate's defaults. A stored hash made with other parameters still verifies
//! (the PHC string carries its own), and [`Verified::needs_rehash`] tells the caller to store
//! a fresh one: that is how a change of parameters reaches every account at its next login.
//!
//! Hashing takes tens of milliseconds of CPU on purpose; servers run it off the async
//! executor (`spawn_blocking`).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use super::secret::{Secret, SecretHash};
use crate::{Error, Result};

/// The shortest password accepted, in characters (OWASP: at least 8, no composition rules).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest password accepted, in characters: long passphrases are welcome, but a
/// megabyte "password" is a denial-of-service attempt on the hasher.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// PIN lengths accepted at a paired terminal, in digits.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=8;

/// The hasher with the current parameters.
fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// Checks a new password against the policy, naming `field` in the error.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` when it is too short, too long or not printable.
pub fn check_password(field: &str, password: &Secret) -> Result<()> {
    let chars = password.expose().chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(Error::invalid(field, format!("must be at least {MIN_PASSWORD_CHARS} characters")));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(Error::invalid(field, format!("must be at most {MAX_PASSWORD_CHARS} characters")));
    }
    if password.expose().chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(())
}

/// Checks a new PIN: digits only, [`PIN_DIGITS`] of them.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn check_pin(field: &str, pin: &Secret) -> Result<()> {
    let text = pin.expose();
    if !text.bytes().all(|b| b.is_ascii_digit()) || !PIN_DIGITS.contains(&text.len()) {
        return Err(Error::invalid(field, format!("must be {} to {} digits", PIN_DIGITS.start(), PIN_DIGITS.end())));
    }
    Ok(())
}

/// Hashes a password or PIN with a fresh random salt.
///
/// # Errors
/// [`Error::Internal`] if the hasher fails (it does not for inputs the checks accept).
pub fn hash_secret(secret: &Secret) -> Result<SecretHash> {
    let hash = hasher()
        .hash_password(secret.expose().as_bytes())
        .map_err(|e| Error::internal(format!("argon2 could not hash: {e}")))?;
    Ok(SecretHash::from_stored(hash.to_string()))
}

/// What checking a secret against its stored hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// It matches.
    Valid {
        /// The stored hash used other parameters than today's: store [`hash_secret`]'s.
        needs_rehash: bool,
    },
    /// It does not match (or the stored hash is unreadable, which is logged by the caller as
    /// corrupt data, never told to the person).
    Invalid,
}

impl Verified {
    /// Whether it matched.
    #[must_use]
    pub fn is_valid(self) -> bool {
        matches!(self, Self::Valid { .. })
    }
}

/// Checks `secret` against `stored` in constant time for the hash's parameters.
#[must_use]
pub fn verify_secret(secret: &Secret, stored: &SecretHash) -> Verified {
    let Ok(parsed) = PasswordHash::new(stored.as_str()) else {
        return Verified::Invalid;
    };
    if hasher().verify_password(secret.expose().as_bytes(), &parsed).is_err() {
        return Verified::Invalid;
    }
    let current = Params::default();
    let same = parsed.algorithm.as_str() == "argon2id"
        && Params::try_from(&parsed).is_ok_and(|p| {
            p.m_cost() == current.m_cost() && p.t_cost() == current.t_cost() && p.p_cost() == current.p_cost()
        });
    Verified::Valid { needs_rehash: !same }
}

/// Spends the time of one verification without a stored hash, so a login name that does
/// not exist answers as slowly as a wrong password for one that does.
pub fn verify_nothing(secret: &Secret) {
    // A valid hash of a random value with today's parameters, made once.
    static DUMMY: std::sync::OnceLock<Option<SecretHash>> = std::sync::OnceLock::new();
    if let Some(dummy) = DUMMY.get_or_init(|| hash_secret(&Secret::new("no such account")).ok()) {
        let _ = verify_secret(secret, dummy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_secret(&Secret::new("correct horse")).unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", hash.as_str());
        assert_eq!(verify_secret(&Secret::new("correct horse"), &hash), Verified::Valid { needs_rehash: false });
        assert_eq!(verify_secret(&Secret::new("correct horsf"), &hash), Verified::Invalid);
        assert_eq!(verify_secret(&Secret::new("x"), &SecretHash::from_stored("garbage")), Verified::Invalid);
        // Two hashes of one password differ (salted).
        assert_ne!(hash_secret(&Secret::new("correct horse")).unwrap(), hash);
    }

    #[test]
    fn old_parameters_ask_for_a_rehash() {
        let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8192, 1, 1, None).unwrap());
        let old = SecretHash::from_stored(weak.hash_password(b"correct horse").unwrap().to_string());
        assert_eq!(verify_secret(&Secret::new("correct horse"), &old), Verified::Valid { needs_rehash: true });
        assert_eq!(verify_secret(&Secret::new("wrong"), &old), Verified::Invalid);
    }

    #[test]
    fn policies_name_the_field() {
        assert!(check_password("password", &Secret::new("demo-owner-password")).is_ok());
        for bad in ["short", "tab\tinside-here", &"x".repeat(MAX_PASSWORD_CHARS + 1)] {
            let e = check_password("password", &Secret::new(bad)).unwrap_err();
            assert!(matches!(&e, Error::InvalidInput { field, .. } if field == "password"), "{e}");
        }
        assert!(check_pin("pin", &Secret::new("1234")).is_ok());
        for bad in ["123", "12a4", "123456789", ""] {
            assert!(check_pin("pin", &Secret::new(bad)).is_err(), "{bad}");
        }
    }
}
