//! The `[identity]` section of the server configuration.
//!
//! Keys read (all under `identity.`):
//!
//! | key | default | meaning |
//! | --- | --- | --- |
//! | `secret_keys.<id>` | required | base64 of 32 random bytes sealing TOTP secrets; list old ids until every secret is resealed |
//! | `current_secret_key` | required | the id new secrets are sealed with |
//! | `deep_link_key` | required | base64 of 32 random bytes signing staff deep links |
//! | `previous_deep_link_keys` | `[]` | older deep-link keys, accepted for one link lifetime after a rotation |
//! | `deep_link_ttl_secs` | 600 | lifetime of a staff deep link |
//! | `presence_secs` | 300 | how long a guest who opened their card counts as presenting |
//! | `lookup_role` | `barista` | the least role that may open a guest at the till |
//! | `max_wrong_codes` | 5 | wrong codes per staff member and per terminal within the window |
//! | `wrong_code_window_secs` | 60 | the window they are counted in |
//! | `lock_secs` | 300 | how long code entry stays locked after that |
//!
//! ```toml
//! [identity]
//! current_secret_key = "2026-11"
//! deep_link_key = "q1n2...base64...="
//! [identity.secret_keys]
//! "2026-11" = "Zm9v...base64...="
//! ```
//!
//! Key values never appear in `Debug` output or in error messages.

use std::collections::BTreeMap;
use std::fmt;

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::identity::deep_link::DeepLinkSigner;
use crate::identity::rate_limit::RateLimitPolicy;
use crate::identity::secret::{SecretKey, SecretKeyring};
use crate::identity::till::TillConfig;
use crate::staff::Role;
use crate::{Error, Result};

/// The `[identity]` settings as read from TOML or the environment.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentitySettings {
    /// `identity.secret_keys`: key id -> base64 key.
    pub secret_keys: BTreeMap<String, String>,
    /// `identity.current_secret_key`.
    pub current_secret_key: String,
    /// `identity.deep_link_key`: base64 key.
    pub deep_link_key: String,
    /// `identity.previous_deep_link_keys`: base64 keys.
    pub previous_deep_link_keys: Vec<String>,
    /// `identity.deep_link_ttl_secs`.
    pub deep_link_ttl_secs: u32,
    /// `identity.presence_secs`.
    pub presence_secs: u32,
    /// `identity.lookup_role`.
    pub lookup_role: Role,
    /// `identity.max_wrong_codes`.
    pub max_wrong_codes: u32,
    /// `identity.wrong_code_window_secs`.
    pub wrong_code_window_secs: u32,
    /// `identity.lock_secs`.
    pub lock_secs: u32,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            secret_keys: BTreeMap::new(),
            current_secret_key: String::new(),
            deep_link_key: String::new(),
            previous_deep_link_keys: Vec::new(),
            deep_link_ttl_secs: 600,
            presence_secs: 300,
            lookup_role: Role::Barista,
            max_wrong_codes: 5,
            wrong_code_window_secs: 60,
            lock_secs: 300,
        }
    }
}

/// What [`IdentitySettings::build`] yields: the parts of
/// [`TillIdentity::new`](crate::identity::till::TillIdentity::new).
#[derive(Debug)]
pub struct IdentityParts {
    /// Seals and opens TOTP secrets.
    pub keyring: SecretKeyring,
    /// Signs and verifies staff deep links.
    pub links: DeepLinkSigner,
    /// Tunables.
    pub config: TillConfig,
}

impl IdentitySettings {
    /// Settings with fresh random keys, for a demo server started without configuration.
    /// The server must keep them (e.g. in a file beside the SQLite database): secrets sealed
    /// under a key that is lost can never be opened again, and every card stops working.
    #[must_use]
    pub fn generate() -> Self {
        let id = "generated".to_owned();
        Self {
            secret_keys: BTreeMap::from([(id.clone(), SecretKey::generate().to_base64())]),
            current_secret_key: id,
            deep_link_key: SecretKey::generate().to_base64(),
            ..Self::default()
        }
    }

    /// Checks the settings and builds the keyring, the signer and the tunables.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the offending key, never repeating a key's value.
    pub fn build(&self) -> Result<IdentityParts> {
        if self.secret_keys.is_empty() {
            return Err(Error::invalid("identity.secret_keys", "list at least one key (32 random bytes, base64)"));
        }
        let keyring = SecretKeyring::from_config(
            &self.current_secret_key,
            self.secret_keys.iter().map(|(id, key)| (id.as_str(), key.as_str())),
        )?;
        let mut previous = Vec::new();
        for (i, key) in self.previous_deep_link_keys.iter().enumerate() {
            previous.push(SecretKey::from_base64(&format!("identity.previous_deep_link_keys[{i}]"), key)?);
        }
        let links = DeepLinkSigner::new(SecretKey::from_base64("identity.deep_link_key", &self.deep_link_key)?)
            .with_previous_keys(previous)
            .with_ttl(secs("identity.deep_link_ttl_secs", self.deep_link_ttl_secs, 10, 86_400)?);
        let window = secs("identity.wrong_code_window_secs", self.wrong_code_window_secs, 10, 3_600)?;
        let lock = secs("identity.lock_secs", self.lock_secs, 10, 86_400)?;
        if lock < window {
            return Err(Error::invalid("identity.lock_secs", "must be at least identity.wrong_code_window_secs"));
        }
        if !(1..=100).contains(&self.max_wrong_codes) {
            return Err(Error::invalid("identity.max_wrong_codes", "must be 1-100"));
        }
        let config = TillConfig {
            presence: secs("identity.presence_secs", self.presence_secs, 30, 3_600)?,
            rate_limit: RateLimitPolicy { max_failures: self.max_wrong_codes, window, lock },
            lookup_role: self.lookup_role,
            ..TillConfig::default()
        };
        Ok(IdentityParts { keyring, links, config })
    }
}

fn secs(field: &str, value: u32, min: u32, max: u32) -> Result<Duration> {
    if (min..=max).contains(&value) {
        Ok(Duration::seconds(i64::from(value)))
    } else {
        Err(Error::invalid(field, format!("must be {min}-{max} seconds")))
    }
}

impl fmt::Debug for IdentitySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentitySettings")
            .field("secret_keys", &self.secret_keys.keys().map(|id| (id, "***")).collect::<BTreeMap<_, _>>())
            .field("current_secret_key", &self.current_secret_key)
            .field("deep_link_key", &"***")
            .field("previous_deep_link_keys", &self.previous_deep_link_keys.len())
            .field("deep_link_ttl_secs", &self.deep_link_ttl_secs)
            .field("presence_secs", &self.presence_secs)
            .field("lookup_role", &self.lookup_role)
            .field("max_wrong_codes", &self.max_wrong_codes)
            .field("wrong_code_window_secs", &self.wrong_code_window_secs)
            .field("lock_secs", &self.lock_secs)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_settings_build_and_hide_their_keys() {
        let settings = IdentitySettings::generate();
        let parts = settings.build().unwrap();
        assert_eq!(parts.config, TillConfig::default());
        assert_eq!(parts.keyring.current_key_id().as_str(), "generated");
        let shown = format!("{settings:?} {parts:?}");
        for key in settings.secret_keys.values().chain([&settings.deep_link_key]) {
            assert!(!shown.contains(key.as_str()), "a key leaked into {shown}");
        }
    }

    #[test]
    fn settings_read_from_json_like_config() {
        let key = SecretKey::generate().to_base64();
        let value = serde_json::json!({
            "secret_keys": { "2026-01": key, "2026-11": key },
            "current_secret_key": "2026-11",
            "deep_link_key": key,
            "presence_secs": 240,
            "lookup_role": "manager",
        });
        let settings: IdentitySettings = serde_json::from_value(value).unwrap();
        let parts = settings.build().unwrap();
        assert_eq!(parts.config.presence, Duration::seconds(240));
        assert_eq!(parts.config.lookup_role, Role::Manager);
        assert!(serde_json::from_value::<IdentitySettings>(serde_json::json!({ "presense_secs": 1 })).is_err());
    }

    #[test]
    fn bad_settings_name_the_key() {
        let mut s = IdentitySettings::generate();
        s.deep_link_key = "not base64!".into();
        assert!(s.build().unwrap_err().to_string().contains("identity.deep_link_key"));
        let mut s = IdentitySettings::generate();
        s.current_secret_key = "missing".into();
        assert!(s.build().unwrap_err().to_string().contains("identity.current_secret_key"));
        let mut s = IdentitySettings::generate();
        s.lock_secs = 30;
        assert!(s.build().unwrap_err().to_string().contains("identity.lock_secs"));
        let s = IdentitySettings::default();
        assert!(s.build().unwrap_err().to_string().contains("identity.secret_keys"));
    }
}
