//! Localization of regulars: every text a guest, a barista or an owner reads comes from
//! [Fluent](https://projectfluent.org) files in `i18n/locales/<lang>/<area>.ftl`.
//!
//! - **Locales** `en`, `ru`, `he` (right to left), `sr-Latn` and `sr-Cyrl` are compiled into
//!   the binary; [`Localizer::with_overrides`] lays a translator's directory over them and
//!   [`Localizer::reload`] picks up edits without a rebuild.
//! - **Negotiation** ([`Localizer::negotiate`]): the guest's choice, else the messenger's
//!   language code (`ru-RU`, `sr-Latn-RS`, the old Hebrew `iw`), else the chain default, else
//!   English. A bare `sr` means Serbian Latin ([`negotiate`] says why).
//! - **Formatting** ([`Localizer::format`]) falls back per message to the chain default
//!   ([`Localizer::format_for_chain`]) and then English, and never panics: a message missing
//!   everywhere shows its id and logs a warning. Numbers in messages follow the locale
//!   (`1 234` in Russian); [`format_money`], [`format_date`] and [`format_time`] format values
//!   to pass as arguments. Fluent's bidi isolation stays on, so a Latin name inside Hebrew
//!   text renders correctly.
//! - **Bilingual** broadcasts ([`compose_bilingual`], [`Localizer::format_bilingual`]) put two
//!   languages in one message, each block in its own direction.
//! - **Checker** ([`check_dir`], [`check_embedded`]) finds syntax errors, missing or extra ids
//!   and attributes, unknown variables and incomplete plurals; see `TRANSLATING.md`.
//!
//! Areas: `bot.ftl` (guest conversation), `notifications.ftl` (pushed to guests),
//! `staff.ftl` (staff mode in the messenger), `portal.ftl` (owner portal and web POS) and
//! `errors.ftl` (errors shown to people).
//!
//! ```
//! use regulars_i18n::{FluentArgs, Localizer, format_money};
//!
//! let i18n = Localizer::embedded()?;
//! let lang = i18n.negotiate(None, Some("ru-RU"), "sr-Latn");
//! assert_eq!(lang.to_string(), "ru");
//!
//! let mut args = FluentArgs::new();
//! args.set("points", 5);
//! args.set("balance", 1250);
//! args.set("amount", format_money(&lang, 45_000, "RSD"));
//! let text = i18n.format(&lang, "notify-points-earned", Some(&args));
//! assert!(text.contains("баллов"));
//!
//! let report = regulars_i18n::check_embedded();
//! assert!(report.is_ok(), "{report}");
//! # Ok::<(), regulars_i18n::I18nError>(())
//! ```

pub mod bilingual;
pub mod checker;
mod convention;
pub mod dates;
pub mod direction;
mod error;
mod localizer;
pub mod negotiate;
pub mod numbers;
mod outline;
pub mod plural;
mod source;

pub use bilingual::{DEFAULT_DIVIDER, compose_bilingual, compose_bilingual_with};
pub use checker::{CheckReport, Finding, FindingKind, check_dir, check_embedded};
pub use dates::{format_date, format_time};
pub use direction::{TextDirection, text_direction};
pub use error::{ErrorKind, I18nError};
pub use localizer::Localizer;
pub use negotiate::{negotiate_among, parse_language};
pub use numbers::{format_integer, format_money};
pub use source::{EmbeddedFile, embedded_sources};

/// Fluent's argument map: `args.set("points", 5)`; numbers select plural variants.
pub use fluent_bundle::{FluentArgs, FluentValue};
/// A parsed language tag such as `ru` or `sr-Latn-RS`.
pub use unic_langid::LanguageIdentifier;
