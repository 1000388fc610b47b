//! Settings of one Viber bot.
//!
//! Keys read (the bot's table in the server's configuration, e.g. `[channels.viber]`; other
//! keys of that table are left to the server, which flattens this struct into it and refuses
//! a key that neither reads):
//!
//! | key                  | type    | default                        | meaning |
//! |----------------------|---------|--------------------------------|---------|
//! | `auth_token`         | string  | —                              | the bot's authentication token ("app key" in the bot's settings), sent as `X-Viber-Auth-Token` on every call; it is also the HMAC key of the callbacks' `X-Viber-Content-Signature`; never logged |
//! | `sender_name`        | string  | —                              | the name shown on every message (`sender.name`), 1-28 characters |
//! | `sender_avatar`      | string  | none                           | the avatar shown on every message (`sender.avatar`): an http(s) URL of an image under 100 KB |
//! | `uri`                | string  | —                              | the bot's public account URI (1-64 of `A-Za-z0-9_.-`): deep links `viber://pa?chatURI=<uri>&context=<payload>` |
//! | `api_url`            | string  | `https://chatapi.viber.com/pa` | the REST API root that methods are appended to: a loopback fake in tests |
//! | `request_timeout_ms` | integer | 10000                          | how long one API call may take before the send counts as a temporary failure, 100-120000 |
//!
//! The token never appears in `Debug` output or in error messages.
//!
//! ```
//! let config: regulars_viber::ViberConfig = toml::from_str(r#"
//!     auth_token = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"
//!     sender_name = "Regulars"
//!     uri = "regularsdemo"
//! "#)?;
//! assert_eq!(config.request_timeout_ms, 10_000);
//! assert!(!format!("{config:?}").contains("e02c5f12"));
//! # Ok::<(), toml::de::Error>(())
//! ```

use std::fmt;
use std::time::Duration;

use regulars_core::{Error, Result};
use serde::{Deserialize, Deserializer};

/// The REST API root used when `api_url` is not set.
pub const DEFAULT_API_URL: &str = "https://chatapi.viber.com/pa";

/// Longest `sender.name` Viber accepts, in characters.
pub const MAX_SENDER_NAME: usize = 28;

/// The bot's authentication token. `Debug` prints `AuthToken(***)`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthToken(String);

impl AuthToken {
    /// Checks the shape: 16-256 of `A-Za-z0-9_-` (Viber's tokens are hex groups joined by `-`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `auth_token` (without quoting it).
    pub fn new(token: impl Into<String>) -> Result<Self> {
        let token = token.into();
        let valid = (16..=256).contains(&token.len())
            && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            Ok(Self(token))
        } else {
            Err(Error::invalid("auth_token", "expected the bot's token: 16-256 of A-Za-z0-9_-"))
        }
    }

    /// The token itself, for the client and the signature check.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(***)")
    }
}

impl<'de> Deserialize<'de> for AuthToken {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Self::new(String::deserialize(d)?).map_err(|_| serde::de::Error::custom("expected 16-256 of A-Za-z0-9_-"))
    }
}

fn default_request_timeout_ms() -> u64 {
    10_000
}

/// One Viber bot's settings (see the module docs for every key).
///
/// Not `deny_unknown_fields`: the server flattens it into a table with keys of its own, and
/// refuses the keys left over itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ViberConfig {
    /// The bot's authentication token, also the callbacks' signature key.
    pub auth_token: AuthToken,
    /// The name shown on every message.
    pub sender_name: String,
    /// The avatar shown on every message, if any.
    #[serde(default)]
    pub sender_avatar: Option<String>,
    /// The bot's public account URI, for deep links.
    pub uri: String,
    /// The REST API root; `None`: [`DEFAULT_API_URL`].
    #[serde(default)]
    pub api_url: Option<String>,
    /// Longest time one API call may take, in milliseconds.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
}

impl ViberConfig {
    /// Settings with the defaults for every optional key.
    #[must_use]
    pub fn new(auth_token: AuthToken, sender_name: impl Into<String>, uri: impl Into<String>) -> Self {
        Self {
            auth_token,
            sender_name: sender_name.into(),
            sender_avatar: None,
            uri: uri.into(),
            api_url: None,
            request_timeout_ms: default_request_timeout_ms(),
        }
    }

    /// Checks every key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first key that is wrong.
    pub fn validate(&self) -> Result<()> {
        let name = self.sender_name.trim();
        if name.is_empty() || self.sender_name.chars().count() > MAX_SENDER_NAME {
            return Err(Error::invalid("sender_name", format!("use 1-{MAX_SENDER_NAME} characters")));
        }
        if let Some(avatar) = &self.sender_avatar {
            match url::Url::parse(avatar) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
                _ => return Err(Error::invalid("sender_avatar", "use an http(s) URL of an image")),
            }
        }
        let uri = &self.uri;
        if !(1..=64).contains(&uri.len())
            || !uri.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        {
            return Err(Error::invalid("uri", "use the bot's URI: 1-64 of A-Za-z0-9_.-"));
        }
        self.api_url()?;
        if !(100..=120_000).contains(&self.request_timeout_ms) {
            return Err(Error::invalid("request_timeout_ms", "use 100-120000"));
        }
        Ok(())
    }

    /// The REST API root, parsed, with a trailing `/` so that methods can be joined to it.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `api_url` when it is not an http(s) URL.
    pub fn api_url(&self) -> Result<url::Url> {
        let raw = self.api_url.as_deref().unwrap_or(DEFAULT_API_URL);
        let with_slash = if raw.ends_with('/') { raw.to_owned() } else { format!("{raw}/") };
        match url::Url::parse(&with_slash) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
            _ => Err(Error::invalid("api_url", "use an http(s) URL such as https://chatapi.viber.com/pa")),
        }
    }

    /// [`ViberConfig::request_timeout_ms`] as a duration.
    #[must_use]
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";

    fn config() -> ViberConfig {
        ViberConfig::new(AuthToken::new(TOKEN).unwrap(), "Regulars", "regularsdemo")
    }

    fn field(config: &ViberConfig) -> String {
        match config.validate().unwrap_err() {
            Error::InvalidInput { field, .. } => field,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn every_key_is_checked() {
        assert!(config().validate().is_ok());
        assert_eq!(field(&ViberConfig { sender_name: " ".into(), ..config() }), "sender_name");
        assert_eq!(field(&ViberConfig { sender_name: "x".repeat(29), ..config() }), "sender_name");
        assert!(ViberConfig { sender_name: "Ж".repeat(28), ..config() }.validate().is_ok());
        assert_eq!(field(&ViberConfig { sender_avatar: Some("avatar.png".into()), ..config() }), "sender_avatar");
        assert_eq!(field(&ViberConfig { uri: "has space".into(), ..config() }), "uri");
        assert_eq!(field(&ViberConfig { uri: String::new(), ..config() }), "uri");
        assert_eq!(field(&ViberConfig { api_url: Some("ftp://example.org".into()), ..config() }), "api_url");
        assert_eq!(field(&ViberConfig { request_timeout_ms: 50, ..config() }), "request_timeout_ms");
        let local = ViberConfig {
            api_url: Some("http://127.0.0.1:8081/pa".into()),
            sender_avatar: Some("https://regulars.example/a.png".into()),
            ..config()
        };
        assert!(local.validate().is_ok());
        assert_eq!(
            local.api_url().unwrap().join("send_message").unwrap().as_str(),
            "http://127.0.0.1:8081/pa/send_message"
        );
        assert_eq!(config().api_url().unwrap().as_str(), "https://chatapi.viber.com/pa/");
    }

    #[test]
    fn the_token_is_checked_and_hidden() {
        assert!(AuthToken::new("short").is_err());
        assert!(AuthToken::new("has space in the token here").is_err());
        assert!(AuthToken::new("x".repeat(257)).is_err());
        let shown = format!("{:?}", config());
        assert!(shown.contains("AuthToken(***)"), "{shown}");
        assert!(!shown.contains("e02c5f12"), "{shown}");
    }

    #[test]
    fn toml_errors_do_not_quote_the_token_and_extra_keys_are_left_alone() {
        let err = toml::from_str::<ViberConfig>(
            "auth_token = \"bad token with spaces in it\"\nsender_name = \"R\"\nuri = \"r\"",
        )
        .unwrap_err();
        assert_eq!(err.message(), "expected 16-256 of A-Za-z0-9_-");
        let with_chain: ViberConfig =
            toml::from_str(&format!("auth_token = \"{TOKEN}\"\nsender_name = \"R\"\nuri = \"r\"\nchain = \"demo\""))
                .unwrap();
        assert_eq!(with_chain.uri, "r");
    }
}
