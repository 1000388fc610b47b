//! Settings of one Octopos source.
//!
//! Keys read (one table per source in the server's configuration; other keys of that table,
//! such as the server's `kind`, `chain` or location mapping, are left to the server):
//!
//! | key              | type             | default | meaning                                              |
//! |------------------|------------------|---------|------------------------------------------------------|
//! | `name`           | string           | —       | the source's name: `/pos/{name}/webhook`, 1-32 of `a-z0-9-_` |
//! | `secrets`        | array of strings | —       | active `whsec_<base64>` webhook secrets from the Octopos back office, newest first |
//! | `tolerance_secs` | integer          | 300     | how far the signature timestamp may be from now, 1-900 |
//!
//! ```
//! let config: regulars_octopos::OctoposConfig = toml::from_str(r#"
//!     name = "octopos"
//!     secrets = ["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"]
//!     tolerance_secs = 120
//! "#)?;
//! assert_eq!(format!("{:?}", config.secrets), "[WebhookSecret(***)]");
//! # Ok::<(), toml::de::Error>(())
//! ```

use regulars_core::Result;
use regulars_core::pos::signature::{DEFAULT_TOLERANCE_SECS, WebhookSecret, WebhookVerifier};
use regulars_core::pos::validate_source_name;
use serde::Deserialize;

use crate::webhook::ASSUMED_HEADERS;

/// One Octopos source. `Debug` shows the secrets as `***`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OctoposConfig {
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

impl OctoposConfig {
    /// A source named `name` accepting `secrets`, with the default tolerance.
    #[must_use]
    pub fn new(name: impl Into<String>, secrets: Vec<WebhookSecret>) -> Self {
        Self { name: name.into(), secrets, tolerance_secs: DEFAULT_TOLERANCE_SECS }
    }

    /// Checks every key and builds the verifier.
    pub(crate) fn verifier(&self) -> Result<WebhookVerifier> {
        validate_source_name(&self.name)?;
        Ok(WebhookVerifier::new(self.secrets.clone(), self.tolerance_secs)?.with_header_names(ASSUMED_HEADERS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_checked() {
        let secret = || WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        assert!(OctoposConfig::new("octopos", vec![secret()]).verifier().is_ok());
        let field = |c: &OctoposConfig| match c.verifier().unwrap_err() {
            regulars_core::Error::InvalidInput { field, .. } => field,
            other => panic!("{other}"),
        };
        assert_eq!(field(&OctoposConfig::new("Octopos", vec![secret()])), "name");
        assert_eq!(field(&OctoposConfig::new("octopos", vec![])), "secrets");
        let slow = OctoposConfig { tolerance_secs: 3600, ..OctoposConfig::new("octopos", vec![secret()]) };
        assert_eq!(field(&slow), "tolerance_secs");
    }
}
