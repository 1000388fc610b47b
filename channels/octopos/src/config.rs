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
//! | `max_amount`     | integer          | 1000000 | the largest sale, refund, line or discount, in major units of its currency (`max_amount_by_currency` overrides it per currency, e.g. `{ EUR = 20000 }`) |
//! | `max_quantity`   | integer          | 10000   | the most units of one receipt line |
//! | `max_age_days`   | integer          | 30      | how many days before its arrival a sale or refund may have happened, 1-3650 (one dated more than a day after its arrival is always refused) |
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

use crate::webhook::ASSUMED_HEADERS;
use regulars_core::pos::signature::SignedSourceConfig;

/// One Octopos source: the shared signed-source settings (`name`, `secrets`,
/// `tolerance_secs`, the `max_*` limits). `Debug` shows the secrets as `***`.
pub type OctoposConfig = SignedSourceConfig;

/// The verifier for a source of this driver.
pub(crate) fn verifier(
    config: &OctoposConfig,
) -> regulars_core::Result<regulars_core::pos::signature::WebhookVerifier> {
    config.verifier(ASSUMED_HEADERS)
}

#[cfg(test)]
mod tests {
    use regulars_core::pos::signature::WebhookSecret;

    use super::*;

    #[test]
    fn every_key_is_checked() {
        let secret = || WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        assert!(OctoposConfig::new("octopos", vec![secret()]).verifier(ASSUMED_HEADERS).is_ok());
        let field = |c: &OctoposConfig| match c.verifier(ASSUMED_HEADERS).unwrap_err() {
            regulars_core::Error::InvalidInput { field, .. } => field,
            other => panic!("{other}"),
        };
        assert_eq!(field(&OctoposConfig::new("Octopos", vec![secret()])), "name");
        assert_eq!(field(&OctoposConfig::new("octopos", vec![])), "secrets");
        let slow = OctoposConfig { tolerance_secs: 3600, ..OctoposConfig::new("octopos", vec![secret()]) };
        assert_eq!(field(&slow), "tolerance_secs");
    }
}
