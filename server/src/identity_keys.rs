//! Where the keys of identity at the till come from.
//!
//! - `[identity]` in the configuration (see [`regulars_core::identity::config`] for every
//!   key): production.
//! - Without it, on SQLite: a key file `identity-keys.toml` beside the database, generated on
//!   first start (mode 0600) and read on every start after, so a demo needs no configuration
//!   and its guests' cards keep working across restarts. Back the file up with the database:
//!   secrets sealed under a lost key can never be opened again.
//! - Without it, on PostgreSQL: start-up stops and names the missing key, because a key
//!   generated on one of several servers would lock the others out.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use regulars_core::identity::config::{IdentityParts, IdentitySettings};
use regulars_storage::Target;

use crate::config::Config;

/// The name of the generated key file.
pub const KEY_FILE: &str = "identity-keys.toml";

/// The identity keys for this configuration, generating the demo key file when allowed.
///
/// # Errors
/// A message naming the bad or missing `identity.*` key, or the key file that cannot be read
/// or written.
pub fn load(config: &Config) -> anyhow::Result<IdentityParts> {
    if !config.identity.secret_keys.is_empty() {
        return config.identity.build().context("invalid configuration");
    }
    let db_path = match config.database.url.target()? {
        Target::Sqlite(path) => path,
        Target::Postgres(_) => bail!(
            "invalid configuration: identity.secret_keys, identity.current_secret_key and identity.deep_link_key \
             are required with PostgreSQL (every server must share them)"
        ),
    };
    let file = key_file_beside(&db_path);
    let settings = if file.exists() { read(&file)? } else { generate(&file)? };
    settings.build().with_context(|| format!("invalid key file {}", file.display()))
}

fn key_file_beside(db: &Path) -> PathBuf {
    db.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).join(KEY_FILE)
}

fn read(file: &Path) -> anyhow::Result<IdentitySettings> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    // Only the message: the toml crate's full error quotes the offending line, key included.
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.message()))
}

fn generate(file: &Path) -> anyhow::Result<IdentitySettings> {
    let settings = IdentitySettings::generate();
    let text = toml::to_string(&settings).context("encoding generated identity keys")?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    write_private(file, &text).with_context(|| format!("writing {}", file.display()))?;
    tracing::warn!(
        file = %file.display(),
        "generated identity keys for this database; back this file up with it, a lost key locks every guest card"
    );
    Ok(settings)
}

#[cfg(unix)]
fn write_private(file: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut out = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(file)?;
    out.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(file: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(file, text)
}

#[cfg(test)]
mod tests {
    use regulars_core::identity::secret::TotpSecret;
    use regulars_core::ids::{ChainId, GuestId};
    use regulars_storage::DatabaseUrl;

    use super::*;

    fn sqlite_config(dir: &Path) -> Config {
        let mut config = Config::default();
        config.database.url = DatabaseUrl::new(format!("sqlite://{}", dir.join("db/regulars.db").display()));
        config
    }

    #[test]
    fn a_demo_key_file_is_generated_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let config = sqlite_config(dir.path());
        let first = load(&config).unwrap();
        let file = dir.path().join("db").join(KEY_FILE);
        assert!(file.exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // A secret sealed by the first start opens after a restart.
        let secret = TotpSecret::generate();
        let sealed = first.keyring.seal(ChainId(1), GuestId(1), &secret).unwrap();
        let second = load(&config).unwrap();
        let opened = second.keyring.open(ChainId(1), GuestId(1), &sealed).unwrap();
        assert_eq!(opened.expose(), secret.expose());
    }

    #[test]
    fn postgres_needs_configured_keys() {
        let mut config = Config::default();
        config.database.url = DatabaseUrl::new("postgres://postgres@127.0.0.1/regulars");
        let err = format!("{:#}", load(&config).unwrap_err());
        assert!(err.contains("identity.secret_keys"), "{err}");
        config.identity = IdentitySettings::generate();
        assert!(load(&config).is_ok(), "configured keys are used");
    }

    #[test]
    fn a_damaged_key_file_names_itself_without_quoting_keys() {
        let dir = tempfile::tempdir().unwrap();
        let config = sqlite_config(dir.path());
        std::fs::create_dir_all(dir.path().join("db")).unwrap();
        std::fs::write(dir.path().join("db").join(KEY_FILE), "deep_link_key = \"c2VjcmV0LXZhbHVl\nbroken").unwrap();
        let err = format!("{:#}", load(&config).unwrap_err());
        assert!(err.contains(KEY_FILE), "{err}");
        assert!(!err.contains("c2VjcmV0LXZhbHVl"), "{err}");
    }
}
