//! Identity at the till: how the barista knows who the guest is.
//!
//! - Every guest has a TOTP secret ([`secret`]): 32 random bytes, RFC 6238 HMAC-SHA256, 30 s
//!   steps, 6 digits ([`totp`]). It is stored encrypted (XChaCha20-Poly1305) under a server key
//!   named by a key id, so keys rotate without a flag day.
//! - The card QR ([`card_code`]) carries `RG1.<public id>.<code>`: a scan needs no search.
//! - Six typed digits are searched only among the guests *presenting* at that chain (they opened
//!   their card in the last few minutes), kept in memory by [`presence::PresenceIndex`]; a code
//!   two presenting guests share asks the staff for one more detail.
//! - Wrong codes are rate-limited per staff member and per terminal ([`rate_limit`]) and written
//!   as security events ([`security`]).
//! - A short signed token ([`deep_link`]) fits a Telegram `start=` payload and opens the guest
//!   in staff mode, for staff of that chain only.
//! - The same staff doing the same action for the same guest within 3 s counts once
//!   ([`double_tap`]); the claim lives in the database so it holds across server processes.
//!
//! [`till::TillIdentity`] ties these together for the server; storage implements
//! [`IdentityRepo`](crate::store::IdentityRepo).
//!
//! # Configuration
//! The server reads the `[identity]` section into [`config::IdentitySettings`] (its docs list
//! every key: the secret keyring, the deep-link signing key, the presence window, the lock) and
//! passes what [`config::IdentitySettings::build`] returns to [`till::TillIdentity::new`]. No
//! key value is ever logged: every key type prints `***` in `Debug`.
//!
//! ```
//! use regulars_core::identity::card_code::CardPayload;
//! use regulars_core::identity::secret::TotpSecret;
//! use regulars_core::identity::totp::{CodeCheck, GuestTotp, TimeStep};
//! use regulars_core::guest::GuestPublicId;
//!
//! let totp = GuestTotp::new(&TotpSecret::generate());
//! let now = chrono::Utc::now();
//! let code = totp.code_at(TimeStep::at(now));
//! let payload = CardPayload::new(GuestPublicId::random(), code);
//! let scanned = CardPayload::parse(&payload.to_string())?;
//! assert_eq!(totp.verify(scanned.code(), now), CodeCheck::Valid(TimeStep::at(now)));
//! # Ok::<(), regulars_core::Error>(())
//! ```

pub mod card_code;
pub mod config;
pub mod deep_link;
pub mod double_tap;
pub mod presence;
pub mod rate_limit;
pub mod secret;
pub mod security;
pub mod till;
pub mod totp;

#[cfg(test)]
mod fake;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::guest::ChannelIdentity;
use crate::{Error, Result};

/// The device a staff member works on: a web POS browser, a POS terminal, or a staff member's
/// messenger chat. Wrong codes are counted per terminal as well as per staff member, so a
/// shared till is locked even when several logins take turns guessing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TerminalId(String);

impl TerminalId {
    /// Longest accepted terminal id.
    pub const MAX_LEN: usize = 200;

    /// Validates a terminal id: 1-200 printable ASCII characters.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `terminal`.
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        if !id.is_empty() && id.len() <= Self::MAX_LEN && id.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(Self(id))
        } else {
            Err(Error::invalid("terminal", "must be 1-200 printable ASCII characters"))
        }
    }

    /// The terminal of a staff member working from a messenger chat: `<channel>:<external id>`.
    #[must_use]
    pub fn of_identity(identity: &ChannelIdentity) -> Self {
        // Channel names are checked ASCII and external ids are at most 128 bytes, but ids from a
        // messenger may hold spaces; replace anything unprintable so the id stays one token.
        let external: String =
            identity.external_id.chars().map(|c| if c.is_ascii_graphic() { c } else { '_' }).collect();
        Self(format!("{}:{external}", identity.channel))
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TerminalId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::new(s)
    }
}

impl From<TerminalId> for String {
    fn from(t: TerminalId) -> Self {
        t.0
    }
}

impl fmt::Display for TerminalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
