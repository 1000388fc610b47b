//! Settings of one generic webhook source.
//!
//! Keys read (one table per source in the server's configuration, e.g. `[[pos.sources]]`;
//! other keys of that table, such as the server's `kind`, `chain` or cafe mapping, are left
//! to the server):
//!
//! | key              | type             | default | meaning                                              |
//! |------------------|------------------|---------|------------------------------------------------------|
//! | `name`           | string           | —       | the source's name: `/pos/{name}/webhook`, 1-32 of `a-z0-9-_` |
//! | `secrets`        | array of strings | —       | active `whsec_<base64>` secrets, newest first; two during a rotation |
//! | `tolerance_secs` | integer          | 300     | how far the signature timestamp may be from now, 1-900 |
//!
//! Secrets never appear in `Debug` output or in our error messages. A TOML *syntax* error
//! report from the `toml` crate quotes the offending line, though: print only its `message()`.
//!
//! ```
//! let config: regulars_pos_webhook::WebhookConfig = toml::from_str(r#"
//!     name = "demo"
//!     secrets = ["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"]
//! "#)?;
//! assert_eq!(config.tolerance_secs, 300);
//! assert_eq!(format!("{:?}", config.secrets), "[WebhookSecret(***)]");
//! # Ok::<(), toml::de::Error>(())
//! ```

use regulars_core::Result;
use regulars_core::pos::signature::{DEFAULT_TOLERANCE_SECS, WebhookSecret, WebhookVerifier};
use regulars_core::pos::validate_source_name;
use serde::Deserialize;

/// One generic webhook source. `Debug` shows the secrets as `***`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WebhookConfig {
    /// See the module docs: `name`.
    pub name: String,
    /// See the module docs: `secrets`.
    pub secrets: Vec<WebhookSecret>,
    /// See the module docs: `tolerance_secs`.
    #[serde(default = "default_tolerance")]
    pub tolerance_secs: u32,
}

fn default_tolerance() -> u32 {
    DEFAULT_TOLERANCE_SECS
}

impl WebhookConfig {
    /// A source named `name` accepting `secrets`, with the default tolerance.
    #[must_use]
    pub fn new(name: impl Into<String>, secrets: Vec<WebhookSecret>) -> Self {
        Self { name: name.into(), secrets, tolerance_secs: DEFAULT_TOLERANCE_SECS }
    }

    /// Checks every key and builds the verifier.
    ///
    /// # Errors
    /// [`regulars_core::Error::InvalidInput`] naming `name`, `secrets` or `tolerance_secs`.
    pub(crate) fn verifier(&self) -> Result<WebhookVerifier> {
        validate_source_name(&self.name)?;
        WebhookVerifier::new(self.secrets.clone(), self.tolerance_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_checked() {
        let secret = || WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        assert!(WebhookConfig::new("demo", vec![secret()]).verifier().is_ok());
        let field = |c: WebhookConfig| match c.verifier().unwrap_err() {
            regulars_core::Error::InvalidInput { field, .. } => field,
            other => panic!("{other}"),
        };
        assert_eq!(field(WebhookConfig::new("Demo", vec![secret()])), "name");
        assert_eq!(field(WebhookConfig::new("demo", vec![])), "secrets");
        assert_eq!(
            field(WebhookConfig { tolerance_secs: 0, ..WebhookConfig::new("demo", vec![secret()]) }),
            "tolerance_secs"
        );
    }

    #[test]
    fn a_bad_secret_in_toml_is_refused() {
        let err = toml::from_str::<WebhookConfig>("name = \"demo\"\nsecrets = [\"whsec_???\"]").unwrap_err();
        // The message is ours; the `toml` crate adds the offending line itself (see the
        // module docs), so the server reports such errors without the snippet.
        assert_eq!(err.message(), "expected `whsec_` followed by base64");
    }
}
