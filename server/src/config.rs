//! Server configuration: defaults, then one TOML file, then `REGULARS_*` environment variables.
//!
//! The file is `--config PATH` or `REGULARS_CONFIG`; without either, no file is read and the
//! defaults serve a demo on SQLite. Environment variables map to keys by turning the first
//! `_` after the prefix into a dot: `REGULARS_DATABASE_URL` is `database.url`,
//! `REGULARS_DATABASE_POOL_SIZE` is `database.pool_size`.
//!
//! Keys:
//! - `server.listen` (`127.0.0.1:8080`): the address to serve on.
//! - `server.public_url` (none): the server's public HTTPS root; with it, Viber bots send the
//!   card's QR as a picture served at `/media/…` (Viber fetches images only by URL), without
//!   it as text.
//! - `database.url` (`sqlite://data/regulars.db`) and `database.pool_size` (16): see
//!   [`regulars_storage::StoreConfig`]. The URL may hold a password; it is never logged.
//! - `demo.seed_when_empty` (`true`): seed the demo chain when the database has no chain.
//! - `demo.pos_source` (`true`): serve the demo chain's POS source `demo` (the secret in the
//!   README; cafes `dorcol` and `vracar`) when the demo chain exists. Never on a real chain.
//! - `demo.allow_public` (`false`): the demo accounts and POS secret are published in the
//!   README, so a server listening on anything but loopback refuses to start with them
//!   unless this is `true`.
//! - `auth.session_idle_minutes` (240), `auth.session_max_hours` (168) and
//!   `auth.terminal_session_max_hours` (12): a session ends when unused that long, or that
//!   long after sign-in (a PIN session on a till terminal lasts a shift).
//! - `pos.sources`: one `[[pos.sources]]` table per POS, served at `/pos/{name}/webhook`:
//!   `name`, `kind` (`webhook` or `octopos`), `chain` (the chain's slug), `secrets` (active
//!   `whsec_…` secrets, never logged), `tolerance_secs` (300) and `cafes` (the POS's cafe
//!   reference → regulars cafe id, e.g. `cafes = { belgrade-center = 1 }`); and what one
//!   delivery may report, anything beyond it answered 422 naming the field:
//!   `max_amount` (1000000: the largest sale, refund, line or discount, in major units of its
//!   currency, so a million dinars, euros or yen), `max_amount_by_currency` (none: the same
//!   for particular currencies, e.g. `{ EUR = 20000 }`), `max_quantity` (10000: the most
//!   units of one receipt line) and `max_age_days` (30, at most 3650: how many days before
//!   its arrival a sale or refund may have happened; one dated more than a day after its
//!   arrival is always refused).
//! - `channels.telegram`, `channels.whatsapp`, `channels.viber`: one `[[channels.<kind>]]`
//!   table per bot, each with `chain` (the chain's slug) and the messenger's own keys (listed
//!   in each channel crate's `config` module); a Telegram bot also has `mode` (`webhook`, the
//!   default, or `polling`). Webhooks are served at `/channels/<kind>/<chain>/webhook`. Any
//!   other key in a bot's table stops start-up, naming the key and the keys the table takes.
//! - `log.filter` (`info`): a `tracing` filter; `RUST_LOG` overrides it.
//! - `outbox.max_age_hours` (24): a guest notification not delivered this long after it was
//!   queued is given up on (failed as expired, logged); 0 keeps it until it is sent or fails
//!   otherwise. See [`crate::outbox::expiry`].
//! - `identity.*`: keys and tunables of identity at the till, listed in
//!   [`regulars_core::identity::config`]. Without them an SQLite server generates a key file
//!   beside its database ([`crate::identity_keys`]); a PostgreSQL server refuses to start.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use regulars_core::identity::config::IdentitySettings;
use regulars_storage::StoreConfig;
use serde::{Deserialize, Serialize};

/// Everything the server reads at start-up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[server]`.
    pub server: ServerConfig,
    /// `[database]`.
    pub database: StoreConfig,
    /// `[demo]`.
    pub demo: DemoConfig,
    /// `[log]`.
    pub log: LogConfig,
    /// `[pos]`: the POS sources.
    pub pos: PosConfig,
    /// `[identity]`: keys and tunables of identity at the till (see
    /// [`regulars_core::identity::config`]); empty means "generate beside the SQLite file".
    pub identity: IdentitySettings,
    /// `[channels]`: the messenger bots.
    pub channels: ChannelsConfig,
    /// `[outbox]`.
    pub outbox: OutboxConfig,
    /// `[auth]`: sessions of the admin API and the web.
    pub auth: AuthConfig,
}

/// `[outbox]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboxConfig {
    /// `outbox.max_age_hours`: 0 for no limit.
    pub max_age_hours: u64,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self { max_age_hours: crate::outbox::DEFAULT_MAX_AGE.as_secs() / 3600 }
    }
}

impl OutboxConfig {
    /// The sender's settings with this age limit.
    #[must_use]
    pub fn settings(&self) -> crate::outbox::OutboxSettings {
        let max_age =
            (self.max_age_hours > 0).then(|| std::time::Duration::from_secs(self.max_age_hours.saturating_mul(3600)));
        crate::outbox::OutboxSettings { max_age, ..crate::outbox::OutboxSettings::default() }
    }
}

/// `[channels]`: one table per bot, each serving one chain (a chain may run any subset of the
/// messengers, one bot of each).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChannelsConfig {
    /// `[[channels.telegram]]`.
    pub telegram: Vec<TelegramBotSettings>,
    /// `[[channels.whatsapp]]`: `chain` and the number's keys (see
    /// `regulars_whatsapp::WhatsAppConfig`: `phone_number_id`, `access_token`, `app_secret`,
    /// `verify_token`, `display_phone_number`, `templates`, …).
    pub whatsapp: Vec<BotSettings<regulars_whatsapp::WhatsAppConfig>>,
    /// `[[channels.viber]]`: `chain` and the bot's keys (see `regulars_viber::ViberConfig`:
    /// `auth_token`, `sender_name`, `uri`, …).
    pub viber: Vec<BotSettings<regulars_viber::ViberConfig>>,
}

/// One `[[channels.whatsapp]]` or `[[channels.viber]]` table: `chain` (the chain's slug) and
/// the messenger's own keys; any other key is an error naming it. Secrets never reach `Debug`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawBot<C>", bound = "C: serde::de::DeserializeOwned")]
pub struct BotSettings<C> {
    /// `chain`.
    pub chain: String,
    /// The bot's settings.
    pub bot: C,
}

/// A bot's table as read, before unknown keys are refused. serde cannot refuse them itself
/// here: `deny_unknown_fields` does not work beside `flatten`, and the messenger's keys are
/// flattened into the table. But a flattened struct takes only its own keys, so a map
/// flattened after it collects exactly the keys nobody reads.
#[derive(Deserialize)]
struct RawBot<C> {
    chain: String,
    #[serde(flatten)]
    bot: C,
    #[serde(flatten)]
    unknown: std::collections::BTreeMap<String, serde::de::IgnoredAny>,
}

impl<C: serde::de::DeserializeOwned> TryFrom<RawBot<C>> for BotSettings<C> {
    type Error = String;

    fn try_from(raw: RawBot<C>) -> Result<Self, String> {
        refuse_unknown_keys::<C>(raw.unknown.keys(), &["chain"])?;
        Ok(Self { chain: raw.chain, bot: raw.bot })
    }
}

/// `Err` naming the first of `unknown` and the keys the table takes: `own` (the server's) and
/// the fields of `C` (the messenger's), read from `C`'s own `Deserialize`, so the list cannot
/// drift from the struct.
fn refuse_unknown_keys<'k, C: serde::de::DeserializeOwned>(
    mut unknown: impl Iterator<Item = &'k String>,
    own: &[&str],
) -> Result<(), String> {
    let Some(key) = unknown.next() else { return Ok(()) };
    let known: Vec<String> = own.iter().chain(struct_fields::<C>()).map(|k| format!("`{k}`")).collect();
    Err(format!("unknown key `{key}`; a bot's table takes {}", known.join(", ")))
}

/// The field names a derived `Deserialize` of a struct passes to `deserialize_struct` (empty
/// for anything else).
fn struct_fields<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::value::Error;
    use serde::de::{Error as _, Visitor};

    struct Fields(std::cell::Cell<&'static [&'static str]>);

    impl<'de> serde::Deserializer<'de> for &Fields {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
            Err(Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Error> {
            self.0.set(fields);
            Err(Error::custom("only the fields were asked for"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    let fields = Fields(std::cell::Cell::new(&[]));
    // Always an error: the point is what it recorded on the way.
    let _ = T::deserialize(&fields);
    fields.0.get()
}

/// How a Telegram bot gets its updates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TelegramMode {
    /// Telegram posts them to `/channels/telegram/{chain}/webhook` (register it with
    /// `setWebhook` and the `webhook_secret`).
    #[default]
    Webhook,
    /// The server long-polls `getUpdates` (no public URL needed).
    Polling,
}

/// One `[[channels.telegram]]` table: `chain` (the chain's slug), `mode` (`webhook` or
/// `polling`), and the bot's own keys (see `regulars_telegram::TelegramConfig`: `token`,
/// `webhook_secret`, `bot_username`, `api_url`, `mini_app_url`, …); any other key is an error
/// naming it. Secrets never reach `Debug`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawTelegramBot")]
pub struct TelegramBotSettings {
    /// `chain`.
    pub chain: String,
    /// `mode`.
    pub mode: TelegramMode,
    /// The bot's settings.
    pub bot: regulars_telegram::TelegramConfig,
}

/// A Telegram bot's table as read (see [`RawBot`] for why).
#[derive(Deserialize)]
struct RawTelegramBot {
    chain: String,
    #[serde(default)]
    mode: TelegramMode,
    #[serde(flatten)]
    bot: regulars_telegram::TelegramConfig,
    #[serde(flatten)]
    unknown: std::collections::BTreeMap<String, serde::de::IgnoredAny>,
}

impl TryFrom<RawTelegramBot> for TelegramBotSettings {
    type Error = String;

    fn try_from(raw: RawTelegramBot) -> Result<Self, String> {
        refuse_unknown_keys::<regulars_telegram::TelegramConfig>(raw.unknown.keys(), &["chain", "mode"])?;
        Ok(Self { chain: raw.chain, mode: raw.mode, bot: raw.bot })
    }
}

/// `[server]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// `server.listen`.
    pub listen: SocketAddr,
    /// `server.public_url`: the server's public HTTPS root (`https://loyalty.example.com`),
    /// where messengers that fetch images by URL (Viber) find the card's QR at `/media/…`.
    pub public_url: Option<String>,
}

/// `[auth]`: how long sign-ins last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// `auth.session_idle_minutes` (240): a session unused this long ends.
    pub session_idle_minutes: u32,
    /// `auth.session_max_hours` (168): a password session ends this long after sign-in,
    /// used or not.
    pub session_max_hours: u32,
    /// `auth.terminal_session_max_hours` (12): a PIN session on a terminal lasts a shift.
    pub terminal_session_max_hours: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self { session_idle_minutes: 240, session_max_hours: 168, terminal_session_max_hours: 12 }
    }
}

/// `[demo]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoConfig {
    /// `demo.seed_when_empty`.
    pub seed_when_empty: bool,
    /// `demo.pos_source`.
    pub pos_source: bool,
    /// `demo.allow_public` (false): serve the demo accounts and POS secret, which are
    /// published in the README, on a non-loopback address anyway.
    pub allow_public: bool,
}

/// `[pos]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PosConfig {
    /// `[[pos.sources]]`.
    pub sources: Vec<PosSourceSettings>,
}

/// The driver of a POS source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PosKind {
    /// The generic signed webhook (`regulars-pos-webhook`).
    Webhook,
    /// Octopos (`regulars-octopos`).
    Octopos,
}

/// One `[[pos.sources]]` table. `Debug` shows the secrets as `***`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosSourceSettings {
    /// `name`: `/pos/{name}/webhook`.
    pub name: String,
    /// `kind`.
    pub kind: PosKind,
    /// `chain`: the slug of the chain the source reports for.
    pub chain: String,
    /// `secrets`: active `whsec_…` secrets, newest first.
    pub secrets: Vec<regulars_core::pos::signature::WebhookSecret>,
    /// `tolerance_secs`.
    #[serde(default = "default_tolerance")]
    pub tolerance_secs: u32,
    /// `cafes`: the POS's cafe reference → regulars cafe id.
    #[serde(default)]
    pub cafes: std::collections::BTreeMap<String, i64>,
    /// `max_amount`: the largest sale, refund, line or discount, in major units of its
    /// currency.
    #[serde(default = "default_max_amount")]
    pub max_amount: u64,
    /// `max_amount_by_currency`: `max_amount` for particular currencies (`{ EUR = 20000 }`).
    #[serde(default)]
    pub max_amount_by_currency: std::collections::BTreeMap<regulars_core::money::Currency, u64>,
    /// `max_quantity`: the most units of one receipt line.
    #[serde(default = "default_max_quantity")]
    pub max_quantity: u32,
    /// `max_age_days`: how many days before its arrival a sale or refund may have happened.
    #[serde(default = "default_max_age_days")]
    pub max_age_days: u32,
}

fn default_max_amount() -> u64 {
    regulars_core::pos::DEFAULT_MAX_AMOUNT
}

fn default_max_quantity() -> u32 {
    regulars_core::pos::DEFAULT_MAX_QUANTITY
}

fn default_max_age_days() -> u32 {
    regulars_core::pos::DEFAULT_MAX_AGE_DAYS
}

fn default_tolerance() -> u32 {
    regulars_core::pos::signature::DEFAULT_TOLERANCE_SECS
}

impl PosSourceSettings {
    /// The driver-level settings (name, secrets, tolerance, limits).
    #[must_use]
    pub fn signed(&self) -> regulars_core::pos::signature::SignedSourceConfig {
        regulars_core::pos::signature::SignedSourceConfig {
            name: self.name.clone(),
            secrets: self.secrets.clone(),
            tolerance_secs: self.tolerance_secs,
            limits: regulars_core::pos::SaleLimits {
                max_amount: self.max_amount,
                max_amount_by_currency: self.max_amount_by_currency.clone(),
                max_quantity: self.max_quantity,
                max_age_days: self.max_age_days,
            },
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `log.filter`.
    pub filter: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self { listen: SocketAddr::from(([127, 0, 0, 1], 8080)), public_url: None }
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self { seed_when_empty: true, pos_source: true, allow_public: false }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { filter: "info".into() }
    }
}

/// The sections environment variables may set; anything else under `REGULARS_` (such as
/// `REGULARS_CONFIG` or test settings) is not configuration.
const SECTIONS: [&str; 9] =
    ["server_", "database_", "demo_", "log_", "identity_", "pos_", "channels_", "outbox_", "auth_"];

impl Config {
    /// Loads the configuration from `file` (if any) and the process environment.
    ///
    /// # Errors
    /// A message naming the offending key and where it came from.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        Self::from_figment(&Self::figment(file, Env::prefixed("REGULARS_")))
    }

    fn figment(file: Option<&Path>, env: Env) -> Figment {
        // Defaults come from `#[serde(default)]`; providers only override.
        let mut figment = Figment::new();
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment.merge(
            // Keys arrive here as written (upper case); figment lowercases them afterwards.
            env.filter(|key| SECTIONS.iter().any(|s| key.as_str().to_ascii_lowercase().starts_with(s)))
                .map(|key| key.as_str().replacen('_', ".", 1).into()),
        )
    }

    fn from_figment(figment: &Figment) -> anyhow::Result<Self> {
        let config: Self =
            figment.extract().map_err(|e| anyhow::anyhow!(describe(&e))).context("invalid configuration")?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.auth.session_idle_minutes == 0
            || self.auth.session_max_hours == 0
            || self.auth.terminal_session_max_hours == 0
        {
            bail!("invalid configuration: auth: session lifetimes must be at least 1");
        }
        if self.database.pool_size == 0 {
            bail!("invalid configuration: database.pool_size must be at least 1");
        }
        self.database.url.target().context("invalid configuration")?;
        if let Some(url) = &self.server.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            bail!("invalid configuration: server.public_url: expected `https://…`, got `{url}`");
        }
        let mut names = std::collections::HashSet::new();
        for (i, source) in self.pos.sources.iter().enumerate() {
            if !names.insert(source.name.as_str()) {
                bail!("invalid configuration: pos.sources[{i}].name: `{}` is used twice", source.name);
            }
            let signed = source.signed();
            let checked = signed.verifier(regulars_core::pos::signature::HeaderNames::STANDARD).and(signed.limits());
            checked.map_err(|e| match e {
                regulars_core::Error::InvalidInput { field, reason } => {
                    anyhow::anyhow!("invalid configuration: pos.sources[{i}].{field}: {reason}")
                }
                other => anyhow::anyhow!("invalid configuration: pos.sources[{i}]: {other}"),
            })?;
        }
        Ok(())
    }
}

/// One line per problem, each naming the key and the source (file or variable).
fn describe(error: &figment::Error) -> String {
    error
        .clone()
        .into_iter()
        .map(|e| {
            let key = if e.path.is_empty() { "(top level)".to_owned() } else { e.path.join(".") };
            let source = match &e.metadata {
                // Name the exact variable: the key path joined by `_` is its name by construction.
                Some(m) if m.name.contains("environment") => {
                    format!(" (from REGULARS_{})", e.path.join("_").to_ascii_uppercase())
                }
                Some(m) => {
                    format!(" (from {})", m.source.as_ref().map_or_else(|| m.name.to_string(), ToString::to_string))
                }
                None => String::new(),
            };
            format!("{key}: {}{source}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
#[expect(clippy::result_large_err, reason = "figment::Jail closures must return figment::Error")]
mod tests {
    use super::*;

    fn load_file(toml: &str) -> anyhow::Result<Config> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("regulars.toml");
        std::fs::write(&path, toml).unwrap();
        Config::from_figment(&Config::figment(Some(&path), Env::prefixed("REGULARS_NOTHING_")))
    }

    #[test]
    fn defaults_serve_sqlite_on_localhost() {
        let config = Config::from_figment(&Config::figment(None, Env::prefixed("REGULARS_NOTHING_"))).unwrap();
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database.url.to_string(), "sqlite://data/regulars.db");
        assert!(config.demo.seed_when_empty);
    }

    #[test]
    fn environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("regulars.toml", "[database]\nurl = \"sqlite://a.db\"\npool_size = 4\n")?;
            jail.set_env("REGULARS_DATABASE_URL", "sqlite://b.db");
            jail.set_env("REGULARS_CONFIG", "ignored.toml");
            jail.set_env("REGULARS_TEST_POSTGRES_URL", "postgres://ignored");
            let config =
                Config::from_figment(&Config::figment(Some(Path::new("regulars.toml")), Env::prefixed("REGULARS_")))
                    .map_err(|e| e.to_string())?;
            assert_eq!(config.database.url.to_string(), "sqlite://b.db");
            assert_eq!(config.database.pool_size, 4);
            Ok(())
        });
    }

    #[test]
    fn bad_values_name_their_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("REGULARS_DATABASE_POOL_SIZE", "lots");
            let err = Config::from_figment(&Config::figment(None, Env::prefixed("REGULARS_"))).unwrap_err();
            let text = format!("{err:#}");
            assert!(text.contains("database.pool_size"), "{text}");
            assert!(text.contains("REGULARS_DATABASE_POOL_SIZE"), "{text}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "[server]\nlisten = \"not an address\"\n")?;
            let err =
                Config::from_figment(&Config::figment(Some(Path::new("bad.toml")), Env::prefixed("REGULARS_NOTHING_")))
                    .unwrap_err();
            assert!(format!("{err:#}").contains("server.listen"), "{err:#}");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_and_bad_urls_are_refused() {
        let err = load_file("[database]\nurll = \"sqlite://x.db\"\n").unwrap_err();
        assert!(format!("{err:#}").contains("urll"), "{err:#}");
        let err = load_file("[database]\nurl = \"mysql://x\"\n").unwrap_err();
        assert!(format!("{err:#}").contains("database.url"), "{err:#}");
        let err = load_file("[database]\npool_size = 0\n").unwrap_err();
        assert!(format!("{err:#}").contains("database.pool_size"), "{err:#}");
    }

    #[test]
    fn pos_sources_are_checked_and_their_secrets_hidden() {
        let source = |name: &str, secret: &str| {
            format!(
                "[[pos.sources]]\nname = \"{name}\"\nkind = \"webhook\"\nchain = \"demo\"\n\
                 secrets = [\"{secret}\"]\ncafes = {{ dorcol = 1 }}\n"
            )
        };
        let good = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
        let config = load_file(&source("till", good)).unwrap();
        assert_eq!(config.pos.sources[0].cafes["dorcol"], 1);
        assert_eq!(config.pos.sources[0].tolerance_secs, 300);
        assert!(!format!("{config:?}").contains("C2FVsBQIhrsc"), "secrets never reach Debug");
        let twice = load_file(&format!("{}{}", source("till", good), source("till", good))).unwrap_err();
        assert!(format!("{twice:#}").contains("pos.sources[1].name"), "{twice:#}");
        let bad_name = load_file(&source("Till!", good)).unwrap_err();
        assert!(format!("{bad_name:#}").contains("pos.sources[0].name"), "{bad_name:#}");
        let bad_secret = load_file(&source("till", "whsec_???")).unwrap_err();
        assert!(format!("{bad_secret:#}").contains("secrets"), "{bad_secret:#}");
        let unknown_kind = load_file(&source("till", good).replace("\"webhook\"", "\"square\"")).unwrap_err();
        assert!(format!("{unknown_kind:#}").contains("kind"), "{unknown_kind:#}");
    }

    #[test]
    fn pos_source_limits_have_defaults_and_are_checked() {
        let source = |extra: &str| {
            format!(
                "[[pos.sources]]\nname = \"till\"\nkind = \"octopos\"\nchain = \"demo\"\n\
                 secrets = [\"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD\"]\ncafes = {{ dorcol = 1 }}\n{extra}"
            )
        };
        let defaults = load_file(&source("")).unwrap().pos.sources[0].signed().limits().unwrap();
        assert_eq!(defaults, regulars_core::pos::SaleLimits::default());
        assert_eq!((defaults.max_amount, defaults.max_quantity, defaults.max_age_days), (1_000_000, 10_000, 30));
        let set = load_file(&source(
            "max_amount = 5000\nmax_age_days = 7\nmax_quantity = 50\nmax_amount_by_currency = { EUR = 100 }",
        ))
        .unwrap();
        let limits = set.pos.sources[0].signed().limits().unwrap();
        let eur = regulars_core::money::Currency::new("EUR").unwrap();
        assert_eq!((limits.max_minor(eur), limits.max_age_days, limits.max_quantity), (10_000, 7, 50));
        for (extra, key) in [
            ("max_age_days = 0", "pos.sources[0].max_age_days"),
            ("max_amount = 0", "pos.sources[0].max_amount"),
            ("max_quantity = 0", "pos.sources[0].max_quantity"),
            ("max_amount_by_currency = { EUR = 0 }", "pos.sources[0].max_amount_by_currency.EUR"),
            ("max_amount_by_currency = { eur = 10 }", "max_amount_by_currency"),
            ("max_amount_per_sale = 10", "max_amount_per_sale"),
        ] {
            let err = load_file(&source(extra)).unwrap_err();
            assert!(format!("{err:#}").contains(key), "{extra}: {err:#}");
        }
    }

    #[test]
    fn bots_are_read_per_messenger_and_their_secrets_hidden() {
        let config = load_file(
            r#"
[[channels.telegram]]
chain = "demo"
mode = "polling"
token = "123456789:AAHk3Vq-Tsecret_part_of_the_token"
webhook_secret = "s3cr3t_Webhook-token"
bot_username = "regulars_demo_bot"

[[channels.whatsapp]]
chain = "demo"
phone_number_id = "106540352242922"
access_token = "EAAGm0PX4ZCpsBAsecret_access_token"
app_secret = "6f2bd1c0e2d2a1b1a3f4e5d6c7b8a9f0"
verify_token = "regulars-verify-1"
[channels.whatsapp.templates.earned]
name = "loyalty_update"
language = "en_US"

[[channels.viber]]
chain = "demo"
auth_token = "4b1d0a3e5c7f9a2b-8e6d4c2a0f1e3b5d-7a9c1e3f5b7d9e1a"
sender_name = "Demo Coffee"
uri = "regularsdemo"
"#,
        )
        .unwrap();
        let channels = &config.channels;
        assert_eq!((channels.telegram[0].chain.as_str(), channels.telegram[0].mode), ("demo", TelegramMode::Polling));
        assert_eq!(channels.whatsapp[0].bot.templates["earned"].name, "loyalty_update");
        assert_eq!(channels.viber[0].bot.sender_name, "Demo Coffee");
        let debug = format!("{config:?}");
        for secret in ["secret_part", "secret_access_token", "6f2bd1c0e2d2", "s3cr3t_Webhook", "4b1d0a3e5c7f9a2b"] {
            assert!(!debug.contains(secret), "{secret} reached Debug");
        }
        let bad = load_file("[[channels.telegram]]\nchain = \"demo\"\ntoken = \"nope\"\n").unwrap_err();
        let text = format!("{bad:#}");
        assert!(text.contains("channels.telegram"), "{text}");
        assert!(!text.contains("nope"), "a refused token is not quoted: {text}");
        let unknown = load_file("[channels.signal]\n").unwrap_err();
        assert!(format!("{unknown:#}").contains("signal"), "{unknown:#}");
    }

    #[test]
    fn the_outbox_age_limit_is_in_hours_and_0_turns_it_off() {
        let day = Some(std::time::Duration::from_secs(24 * 3600));
        assert_eq!(load_file("").unwrap().outbox.settings().max_age, day, "a day by default");
        let week = load_file("[outbox]\nmax_age_hours = 168\n").unwrap().outbox.settings();
        assert_eq!(week.max_age, Some(std::time::Duration::from_secs(168 * 3600)));
        assert_eq!(load_file("[outbox]\nmax_age_hours = 0\n").unwrap().outbox.settings().max_age, None);
        let err = load_file("[outbox]\nmax_age = 1\n").unwrap_err();
        assert!(format!("{err:#}").contains("max_age"), "{err:#}");
    }

    #[test]
    fn a_misspelled_key_in_a_bot_table_stops_start_up() {
        let telegram = "[[channels.telegram]]\nchain = \"demo\"\ntoken = \"123456789:AAHk3Vq-Tsecret_part_of_the_token\"\n\
                        webhook_secret = \"s3cr3t_Webhook-token\"\nbot_username = \"regulars_demo_bot\"\n";
        let whatsapp = "[[channels.whatsapp]]\nchain = \"demo\"\nphone_number_id = \"106540352242922\"\n\
                        access_token = \"EAAGm0PX4ZCpsBAsecret_access_token\"\napp_secret = \"6f2bd1c0e2d2\"\n\
                        verify_token = \"regulars-verify-1\"\n";
        let viber = "[[channels.viber]]\nchain = \"demo\"\nauth_token = \"4b1d0a3e5c7f9a2b-8e6d4c2a0f1e3b5d\"\n\
                     sender_name = \"Demo\"\nuri = \"regularsdemo\"\n";
        for table in [telegram, whatsapp, viber] {
            assert!(load_file(table).is_ok(), "{table}");
        }
        for (table, typo, kind, expected) in [
            (telegram, "request_timout_ms = 900", "telegram", "`request_timeout_ms`"),
            (telegram, "mod = \"polling\"", "telegram", "`mode`"),
            (whatsapp, "api_verison = \"v22.0\"", "whatsapp", "`api_version`"),
            (viber, "sender_avatr = \"https://a.example/a.png\"", "viber", "`sender_avatar`"),
            (viber, "chian = \"demo\"", "viber", "`chain`"),
        ] {
            let err = load_file(&format!("{table}{typo}\n")).unwrap_err();
            let text = format!("{err:#}");
            let key = typo.split(' ').next().unwrap();
            assert!(text.contains(&format!("unknown key `{key}`")), "{typo}: {text}");
            assert!(text.contains(&format!("channels.{kind}")), "names the table: {text}");
            assert!(text.contains(expected), "lists the keys the table takes: {text}");
            for secret in ["secret_part", "secret_access_token", "6f2bd1c0e2d2", "4b1d0a3e5c7f9a2b"] {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
        }
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let err =
            Config::from_figment(&Config::figment(Some(Path::new("/nonexistent/regulars.toml")), Env::prefixed("X_")));
        assert!(err.is_err());
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("REGULARS_DATABASE_URL", "postgres://app:hunter2@db/regulars");
            let config =
                Config::from_figment(&Config::figment(None, Env::prefixed("REGULARS_"))).map_err(|e| e.to_string())?;
            assert!(!format!("{config:?}").contains("hunter2"));
            Ok(())
        });
    }
}
