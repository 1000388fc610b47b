//! Settings of one WhatsApp Business phone number on the Cloud API.
//!
//! Keys read (the number's table in the server's configuration, e.g. `[channels.whatsapp]`;
//! other keys of that table, such as `chain`, are left to the server, so unknown keys are not
//! an error here; the server refuses a key that neither it nor this table reads):
//!
//! | key                    | type    | default                      | meaning |
//! |------------------------|---------|------------------------------|---------|
//! | `phone_number_id`      | string  | —                            | the business number's id on the Graph API (digits, from the app's WhatsApp › API setup page); messages are sent as `POST /{api_version}/{phone_number_id}/messages` |
//! | `access_token`         | string  | —                            | a system user's permanent access token with `whatsapp_business_messaging`; sent as `Authorization: Bearer …`; never logged |
//! | `app_secret`           | string  | —                            | the Meta app's secret: webhooks are signed with it (`X-Hub-Signature-256`); never logged |
//! | `verify_token`         | string  | —                            | the token typed into the app's webhook settings; Meta's `GET` subscription check must carry it; never logged |
//! | `display_phone_number` | string  | none                         | the business number in international form, digits only (`381601234567`, a leading `+` is accepted): deep links `https://wa.me/<number>?text=start%20<payload>`; without it there are no deep links |
//! | `api_url`              | string  | `https://graph.facebook.com` | the Graph API root: a loopback fake in tests |
//! | `api_version`          | string  | `v21.0`                      | the Graph API version in every path (`v<major>.<minor>`) |
//! | `request_timeout_ms`   | integer | 15000                        | how long one Graph API call may take before the send counts as a temporary failure, 100-120000 (a photo is two calls: upload, then send) |
//! | `templates`            | table   | empty                        | message templates for notifications outside the 24-hour window, by notification kind (`earned`, `refunded`): `[templates.<kind>]` with `name` (as approved in WhatsApp Manager), `language` (its default language code, `en_US`) and optionally `languages`, a table from the person's language (`sr`, `ru`) to the template's language code on WhatsApp (`sr`, `ru`) |
//!
//! The access token, the app secret and the verify token never appear in `Debug` output or in
//! error messages.
//!
//! ```
//! let config: regulars_whatsapp::WhatsAppConfig = toml::from_str(r#"
//!     phone_number_id = "106540352242922"
//!     access_token = "EAAGm0PX4ZCpsBAsecret_access_token"
//!     app_secret = "6f2bd1c0e2d2a1b1a3f4e5d6c7b8a9f0"
//!     verify_token = "regulars-verify-1"
//!     display_phone_number = "+381601234567"
//!
//!     [templates.earned]
//!     name = "loyalty_points_update"
//!     language = "en_US"
//!     languages = { sr = "sr", ru = "ru" }
//! "#)?;
//! assert_eq!(config.api_version, "v21.0");
//! assert!(config.validate().is_ok());
//! assert!(!format!("{config:?}").contains("secret_access_token"));
//! # Ok::<(), toml::de::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use regulars_core::channel::Message;
use regulars_core::{Error, Result};
use serde::{Deserialize, Deserializer};

/// The Graph API root used when `api_url` is not set.
pub const DEFAULT_API_URL: &str = "https://graph.facebook.com";

/// The Graph API version used when `api_version` is not set.
pub const DEFAULT_API_VERSION: &str = "v21.0";

/// Printable ASCII without spaces, 1-`max` bytes: the shape of every secret here.
fn is_token(text: &str, max: usize) -> bool {
    (1..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic())
}

macro_rules! secret {
    ($(#[$doc:meta])* $name:ident, $key:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("Checks the shape: 1-", stringify!($max), " printable ASCII characters, no spaces.")]
            ///
            /// # Errors
            #[doc = concat!("[`Error::InvalidInput`] naming `", $key, "` (without quoting it).")]
            pub fn new(secret: impl Into<String>) -> Result<Self> {
                let secret = secret.into();
                if is_token(&secret, $max) {
                    Ok(Self(secret))
                } else {
                    Err(Error::invalid($key, concat!("use 1-", stringify!($max), " printable characters without spaces")))
                }
            }

            /// The secret itself, for the client or the comparison.
            #[must_use]
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                Self::new(String::deserialize(d)?).map_err(|_| {
                    serde::de::Error::custom(concat!("use 1-", stringify!($max), " printable characters without spaces"))
                })
            }
        }
    };
}

secret!(
    /// A Graph API access token (`EAAG…`). `Debug` prints `AccessToken(***)`.
    AccessToken,
    "access_token",
    1024
);

secret!(
    /// The Meta app's secret, the key of the webhook signatures. `Debug` prints `AppSecret(***)`.
    AppSecret,
    "app_secret",
    256
);

secret!(
    /// The webhook's verify token, checked on Meta's subscription `GET`. `Debug` prints
    /// `VerifyToken(***)`.
    VerifyToken,
    "verify_token",
    256
);

/// One message template, as approved in WhatsApp Manager, for a notification key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateConfig {
    /// The template's name (lower-case letters, digits and `_`).
    pub name: String,
    /// The language code used when the person's language has no entry in `languages`
    /// (`en_US`).
    pub language: String,
    /// The person's language (`sr`, `ru`, `en-US`) → the template's language code on WhatsApp.
    #[serde(default)]
    pub languages: BTreeMap<String, String>,
}

impl TemplateConfig {
    /// The template's language code for a person whose language is `language` (an exact
    /// match first, then its primary subtag: `sr-Latn` → `sr`), else the default.
    #[must_use]
    pub fn language_for(&self, language: Option<&str>) -> &str {
        let Some(language) = language else { return &self.language };
        let primary = language.split(['-', '_']).next().unwrap_or(language);
        self.languages.get(language).or_else(|| self.languages.get(primary)).unwrap_or(&self.language)
    }

    /// The [`Message::Template`] with these body parameters, for a person whose language is
    /// `language`.
    #[must_use]
    pub fn message(&self, language: Option<&str>, params: Vec<String>) -> Message {
        Message::Template { name: self.name.clone(), language: self.language_for(language).to_owned(), params }
    }
}

fn default_api_version() -> String {
    DEFAULT_API_VERSION.to_owned()
}

fn default_request_timeout_ms() -> u64 {
    15_000
}

/// One WhatsApp Business number's settings (see the module docs for every key).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WhatsAppConfig {
    /// The business number's id on the Graph API.
    pub phone_number_id: String,
    /// The access token.
    pub access_token: AccessToken,
    /// The app secret (webhook signatures).
    pub app_secret: AppSecret,
    /// The webhook's verify token.
    pub verify_token: VerifyToken,
    /// The business number, digits only, for deep links.
    #[serde(default)]
    pub display_phone_number: Option<String>,
    /// The Graph API root; `None`: [`DEFAULT_API_URL`].
    #[serde(default)]
    pub api_url: Option<String>,
    /// The Graph API version (`v21.0`).
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// Longest time one Graph API call may take, in milliseconds.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// Templates by notification key.
    #[serde(default)]
    pub templates: BTreeMap<String, TemplateConfig>,
}

impl WhatsAppConfig {
    /// Settings with the defaults for every optional key.
    #[must_use]
    pub fn new(
        phone_number_id: impl Into<String>,
        access_token: AccessToken,
        app_secret: AppSecret,
        verify_token: VerifyToken,
    ) -> Self {
        Self {
            phone_number_id: phone_number_id.into(),
            access_token,
            app_secret,
            verify_token,
            display_phone_number: None,
            api_url: None,
            api_version: default_api_version(),
            request_timeout_ms: default_request_timeout_ms(),
            templates: BTreeMap::new(),
        }
    }

    /// Checks every key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first key that is wrong.
    pub fn validate(&self) -> Result<()> {
        let id = &self.phone_number_id;
        if !(1..=32).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("phone_number_id", "use the number's id from the API setup page (digits)"));
        }
        if let Some(number) = &self.display_phone_number
            && wa_me_number(number).is_none()
        {
            return Err(Error::invalid(
                "display_phone_number",
                "use the number in international form, 7-15 digits (`381601234567`)",
            ));
        }
        self.api_url()?;
        let valid_version = self.api_version.strip_prefix('v').and_then(|v| v.split_once('.')).is_some_and(|(a, b)| {
            !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
        });
        if !valid_version {
            return Err(Error::invalid("api_version", "use `v<major>.<minor>`, such as v21.0"));
        }
        if !(100..=120_000).contains(&self.request_timeout_ms) {
            return Err(Error::invalid("request_timeout_ms", "use 100-120000"));
        }
        for (key, template) in &self.templates {
            let name = &template.name;
            let valid_name = (1..=512).contains(&name.len())
                && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            let valid_code = |code: &str| {
                (2..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            };
            if !valid_name
                || !valid_code(&template.language)
                || !template.languages.values().all(|code| valid_code(code))
            {
                return Err(Error::invalid(
                    format!("templates.{key}"),
                    "use the approved template's name (a-z, 0-9, _) and language codes such as en_US",
                ));
            }
        }
        Ok(())
    }

    /// The Graph API root, parsed.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `api_url` when it is not an http(s) URL.
    pub fn api_url(&self) -> Result<url::Url> {
        let raw = self.api_url.as_deref().unwrap_or(DEFAULT_API_URL);
        match url::Url::parse(raw) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
            _ => Err(Error::invalid("api_url", "use an http(s) URL such as https://graph.facebook.com")),
        }
    }

    /// [`WhatsAppConfig::request_timeout_ms`] as a duration.
    #[must_use]
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}

/// The digits `wa.me` links take (no `+`, no spaces), when `number` is 7-15 digits with an
/// optional leading `+`.
pub(crate) fn wa_me_number(number: &str) -> Option<&str> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    ((7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "EAAGm0PX4ZCpsBAsecret_access_token";

    fn config() -> WhatsAppConfig {
        WhatsAppConfig::new(
            "106540352242922",
            AccessToken::new(TOKEN).unwrap(),
            AppSecret::new("app_secret_value").unwrap(),
            VerifyToken::new("verify_me").unwrap(),
        )
    }

    fn field(config: &WhatsAppConfig) -> String {
        match config.validate().unwrap_err() {
            Error::InvalidInput { field, .. } => field,
            other => panic!("{other}"),
        }
    }

    fn template(name: &str) -> TemplateConfig {
        TemplateConfig { name: name.into(), language: "en_US".into(), languages: BTreeMap::new() }
    }

    #[test]
    fn every_key_is_checked() {
        assert!(config().validate().is_ok());
        assert_eq!(field(&WhatsAppConfig { phone_number_id: "+3816".into(), ..config() }), "phone_number_id");
        assert_eq!(field(&WhatsAppConfig { phone_number_id: String::new(), ..config() }), "phone_number_id");
        assert_eq!(
            field(&WhatsAppConfig { display_phone_number: Some("+381 60 123".into()), ..config() }),
            "display_phone_number"
        );
        assert_eq!(field(&WhatsAppConfig { api_url: Some("ftp://example.org".into()), ..config() }), "api_url");
        assert_eq!(field(&WhatsAppConfig { api_version: "21.0".into(), ..config() }), "api_version");
        assert_eq!(field(&WhatsAppConfig { api_version: "v21".into(), ..config() }), "api_version");
        assert_eq!(field(&WhatsAppConfig { request_timeout_ms: 50, ..config() }), "request_timeout_ms");
        let bad = WhatsAppConfig { templates: [("reward".to_owned(), template("Reward Ready"))].into(), ..config() };
        assert_eq!(field(&bad), "templates.reward");
        let good = WhatsAppConfig {
            display_phone_number: Some("+381601234567".into()),
            api_url: Some("http://127.0.0.1:8081/".into()),
            templates: [("reward".to_owned(), template("reward_ready_2"))].into(),
            ..config()
        };
        assert!(good.validate().is_ok());
    }

    #[test]
    fn secrets_are_checked_and_hidden() {
        assert!(AccessToken::new("").is_err());
        assert!(AccessToken::new("has space").is_err());
        assert!(AppSecret::new("x".repeat(257)).is_err());
        assert!(VerifyToken::new("x".repeat(256)).is_ok());
        let shown = format!("{:?}", config());
        for hidden in ["AccessToken(***)", "AppSecret(***)", "VerifyToken(***)"] {
            assert!(shown.contains(hidden), "{shown}");
        }
        for secret in [TOKEN, "app_secret_value", "verify_me"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn toml_with_the_servers_keys_and_errors_that_do_not_quote_secrets() {
        let config: WhatsAppConfig = toml::from_str(
            r#"chain = "demo"
            phone_number_id = "1065"
            access_token = "EAAG"
            app_secret = "s"
            verify_token = "v"
            request_timeout_ms = 900"#,
        )
        .unwrap();
        assert_eq!(
            (config.request_timeout_ms, config.api_url().unwrap().as_str()),
            (900, "https://graph.facebook.com/")
        );
        let err = toml::from_str::<WhatsAppConfig>(
            "phone_number_id = \"1\"\naccess_token = \"EAAG bad token\"\napp_secret = \"s\"\nverify_token = \"v\"",
        )
        .unwrap_err();
        assert!(!err.message().contains("bad token"), "{}", err.message());
    }

    #[test]
    fn templates_pick_the_persons_language() {
        let mut reward = template("reward_ready");
        reward.languages = [("sr".to_owned(), "sr".to_owned()), ("pt-BR".to_owned(), "pt_BR".to_owned())].into();
        assert_eq!(reward.language_for(Some("sr-Latn")), "sr");
        assert_eq!(reward.language_for(Some("pt-BR")), "pt_BR");
        assert_eq!(reward.language_for(Some("he")), "en_US");
        assert_eq!(reward.language_for(None), "en_US");
        assert_eq!(
            reward.message(Some("sr"), vec!["Ana".into()]),
            Message::Template { name: "reward_ready".into(), language: "sr".into(), params: vec!["Ana".into()] }
        );
    }
}
