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
//! | `max_amount`     | integer          | 1000000 | the largest sale, refund, line or discount, in major units of its currency (`max_amount_by_currency` overrides it per currency, e.g. `{ EUR = 20000 }`) |
//! | `max_quantity`   | integer          | 10000   | the most units of one receipt line |
//! | `max_age_days`   | integer          | 30      | how many days before its arrival a sale or refund may have happened, 1-3650 (one dated more than a day after its arrival is always refused) |
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

use regulars_core::pos::signature::HeaderNames;
use regulars_core::pos::signature::SignedSourceConfig;

/// One generic webhook source: the shared signed-source settings (`name`, `secrets`,
/// `tolerance_secs`, the `max_*` limits). `Debug` shows the secrets as `***`.
pub type WebhookConfig = SignedSourceConfig;

/// The verifier for a source of this driver.
pub(crate) fn verifier(
    config: &WebhookConfig,
) -> regulars_core::Result<regulars_core::pos::signature::WebhookVerifier> {
    config.verifier(HeaderNames::STANDARD)
}

#[cfg(test)]
mod tests {
    use regulars_core::pos::signature::WebhookSecret;

    use super::*;

    #[test]
    fn every_key_is_checked() {
        let secret = || WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        assert!(WebhookConfig::new("demo", vec![secret()]).verifier(HeaderNames::STANDARD).is_ok());
        let field = |c: WebhookConfig| match c.verifier(HeaderNames::STANDARD).unwrap_err() {
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
