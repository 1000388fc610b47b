//! Settings of one Telegram bot.
//!
//! Keys read (the bot's table in the server's configuration, e.g. `[channels.telegram]`; other
//! keys of that table are left to the server, which refuses a key that neither reads):
//!
//! | key                  | type    | default                    | meaning |
//! |----------------------|---------|----------------------------|---------|
//! | `token`              | string  | —                          | the bot token from @BotFather, `<bot id>:<secret>`; never logged |
//! | `webhook_secret`     | string  | —                          | the `secret_token` given to `setWebhook`, 1-256 of `A-Za-z0-9_-`; Telegram sends it back in `X-Telegram-Bot-Api-Secret-Token` on every update; never logged |
//! | `bot_username`       | string  | —                          | the bot's username without `@` (5-32 of `A-Za-z0-9_`): deep links `https://t.me/<bot_username>?start=<payload>`, and `/start@<bot_username>` |
//! | `api_url`            | string  | `https://api.telegram.org` | the Bot API root: a local Bot API server, or a loopback fake in tests |
//! | `mini_app_url`       | string  | none                       | the bot's Mini App (`https://…`); when set, Mini App buttons open it inside Telegram and `capabilities().mini_app` is true, otherwise they are plain links |
//! | `request_timeout_ms` | integer | 15000                      | how long one Bot API call may take before the send counts as a temporary failure, 100-120000. Keep it above 10 s in production: teloxide waits 10 s before reading a 5xx answer |
//! | `poll_timeout_secs`  | integer | 25                         | long polling only: how long one `getUpdates` waits for updates, 0-50 |
//!
//! The token and the webhook secret never appear in `Debug` output or in error messages.
//!
//! ```
//! let config: regulars_telegram::TelegramConfig = toml::from_str(r#"
//!     token = "123456789:AAHk3Vq-Tsecret_part_of_the_token"
//!     webhook_secret = "s3cr3t_Webhook-token"
//!     bot_username = "regulars_demo_bot"
//! "#)?;
//! assert_eq!(config.request_timeout_ms, 15_000);
//! assert!(!format!("{config:?}").contains("secret_part"));
//! # Ok::<(), toml::de::Error>(())
//! ```

use std::fmt;
use std::time::Duration;

use regulars_core::{Error, Result};
use serde::{Deserialize, Deserializer};

/// The Bot API root used when `api_url` is not set.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// A bot token (`123456789:AA…`). `Debug` prints `BotToken(***)`.
#[derive(Clone, PartialEq, Eq)]
pub struct BotToken(String);

impl BotToken {
    /// Checks the shape: a numeric bot id, `:`, then letters, digits, `_` or `-`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `token` (without quoting it).
    pub fn new(token: impl Into<String>) -> Result<Self> {
        let token = token.into();
        let valid = token.split_once(':').is_some_and(|(id, secret)| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && !secret.is_empty()
                && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        });
        if valid {
            Ok(Self(token))
        } else {
            Err(Error::invalid("token", "expected `<bot id>:<secret>` from @BotFather"))
        }
    }

    /// The token itself, for the client.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BotToken(***)")
    }
}

impl<'de> Deserialize<'de> for BotToken {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Self::new(String::deserialize(d)?).map_err(|_| serde::de::Error::custom("expected `<bot id>:<secret>`"))
    }
}

/// The webhook's `secret_token`: 1-256 of `A-Za-z0-9_-`. `Debug` prints `WebhookSecret(***)`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// Checks the characters and length Telegram allows.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `webhook_secret`.
    pub fn new(secret: impl Into<String>) -> Result<Self> {
        let secret = secret.into();
        let valid = (1..=256).contains(&secret.len())
            && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid { Ok(Self(secret)) } else { Err(Error::invalid("webhook_secret", "use 1-256 of A-Za-z0-9_-")) }
    }

    /// The secret itself, for `setWebhook` and the comparison.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

impl<'de> Deserialize<'de> for WebhookSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Self::new(String::deserialize(d)?).map_err(|_| serde::de::Error::custom("use 1-256 of A-Za-z0-9_-"))
    }
}

fn default_request_timeout_ms() -> u64 {
    15_000
}

fn default_poll_timeout_secs() -> u32 {
    25
}

/// One Telegram bot's settings (see the module docs for every key).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TelegramConfig {
    /// The bot token.
    pub token: BotToken,
    /// The webhook's secret token.
    pub webhook_secret: WebhookSecret,
    /// The bot's username, without `@`.
    pub bot_username: String,
    /// The Bot API root; `None`: [`DEFAULT_API_URL`].
    #[serde(default)]
    pub api_url: Option<String>,
    /// The bot's Mini App URL, if it has one.
    #[serde(default)]
    pub mini_app_url: Option<String>,
    /// Longest time one Bot API call may take, in milliseconds.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// How long one long-polling `getUpdates` waits, in seconds.
    #[serde(default = "default_poll_timeout_secs")]
    pub poll_timeout_secs: u32,
}

impl TelegramConfig {
    /// Settings with the defaults for every optional key.
    #[must_use]
    pub fn new(token: BotToken, webhook_secret: WebhookSecret, bot_username: impl Into<String>) -> Self {
        Self {
            token,
            webhook_secret,
            bot_username: bot_username.into(),
            api_url: None,
            mini_app_url: None,
            request_timeout_ms: default_request_timeout_ms(),
            poll_timeout_secs: default_poll_timeout_secs(),
        }
    }

    /// Checks every key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first key that is wrong.
    pub fn validate(&self) -> Result<()> {
        let name = &self.bot_username;
        if !(5..=32).contains(&name.len()) || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(Error::invalid("bot_username", "use the bot's username without `@`: 5-32 of A-Za-z0-9_"));
        }
        self.api_url()?;
        if let Some(url) = &self.mini_app_url {
            match url::Url::parse(url) {
                Ok(parsed) if parsed.scheme() == "https" => {}
                _ => return Err(Error::invalid("mini_app_url", "use an https:// URL")),
            }
        }
        if !(100..=120_000).contains(&self.request_timeout_ms) {
            return Err(Error::invalid("request_timeout_ms", "use 100-120000"));
        }
        if self.poll_timeout_secs > 50 {
            return Err(Error::invalid("poll_timeout_secs", "use 0-50"));
        }
        Ok(())
    }

    /// The Bot API root, parsed.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `api_url` when it is not an http(s) URL.
    pub fn api_url(&self) -> Result<url::Url> {
        let raw = self.api_url.as_deref().unwrap_or(DEFAULT_API_URL);
        match url::Url::parse(raw) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
            _ => Err(Error::invalid("api_url", "use an http(s) URL such as https://api.telegram.org")),
        }
    }

    /// [`TelegramConfig::request_timeout_ms`] as a duration.
    #[must_use]
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// [`TelegramConfig::poll_timeout_secs`] as a duration.
    #[must_use]
    pub fn poll_timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.poll_timeout_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "123456789:AAHk3Vq-Tsecret_part_of_the_token";

    fn config() -> TelegramConfig {
        TelegramConfig::new(BotToken::new(TOKEN).unwrap(), WebhookSecret::new("abc_DEF-123").unwrap(), "regulars_bot")
    }

    fn field(config: &TelegramConfig) -> String {
        match config.validate().unwrap_err() {
            Error::InvalidInput { field, .. } => field,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn every_key_is_checked() {
        assert!(config().validate().is_ok());
        assert_eq!(field(&TelegramConfig { bot_username: "@regulars_bot".into(), ..config() }), "bot_username");
        assert_eq!(field(&TelegramConfig { api_url: Some("ftp://example.org".into()), ..config() }), "api_url");
        assert_eq!(
            field(&TelegramConfig { mini_app_url: Some("http://app.example".into()), ..config() }),
            "mini_app_url"
        );
        assert_eq!(field(&TelegramConfig { request_timeout_ms: 50, ..config() }), "request_timeout_ms");
        assert_eq!(field(&TelegramConfig { poll_timeout_secs: 51, ..config() }), "poll_timeout_secs");
        assert!(TelegramConfig { api_url: Some("http://127.0.0.1:8081/".into()), ..config() }.validate().is_ok());
    }

    #[test]
    fn tokens_and_secrets_are_checked_and_hidden() {
        assert!(BotToken::new("no-colon").is_err());
        assert!(BotToken::new("abc:def").is_err());
        assert!(BotToken::new("123:").is_err());
        assert!(WebhookSecret::new("").is_err());
        assert!(WebhookSecret::new("has space").is_err());
        assert!(WebhookSecret::new("x".repeat(257)).is_err());
        assert!(WebhookSecret::new("x".repeat(256)).is_ok());
        let shown = format!("{:?}", config());
        assert!(shown.contains("BotToken(***)") && shown.contains("WebhookSecret(***)"), "{shown}");
        assert!(!shown.contains("secret_part") && !shown.contains("abc_DEF"), "{shown}");
    }

    #[test]
    fn toml_errors_do_not_quote_the_secret() {
        let err = toml::from_str::<TelegramConfig>(
            "token = \"123:bad token\"\nwebhook_secret = \"abc\"\nbot_username = \"regulars_bot\"",
        )
        .unwrap_err();
        assert_eq!(err.message(), "expected `<bot id>:<secret>`");
    }
}
