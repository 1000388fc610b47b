//! Choosing the language to speak to a guest in.
//!
//! Order: the language the guest picked in the bot, else the language code their messenger
//! reports (Telegram's `language_code`, Viber's `sender.language`), else the chain's default,
//! else English. Each candidate is matched against the available locales with Fluent's
//! filtering (`ru-RU` finds `ru`, `sr-Latn-RS` finds `sr-Latn`); a candidate that matches
//! nothing is skipped rather than forced onto a neighbour.
//!
//! Serbian: a bare `sr` (or `sr-RS`, `sr-ME`) means Serbian Latin here. CLDR would infer
//! Cyrillic, but guests in cafes overwhelmingly write Latin in messengers, and the Cyrillic
//! locale stays one tap away in the language menu. Only an explicit `sr-Cyrl` selects it.

use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use unic_langid::LanguageIdentifier;
use unic_langid::subtags::Script;

/// The language spoken when nothing else matches; every complete catalog has it.
pub const FALLBACK_LANGUAGE: &str = "en";

/// Parses a language code as messengers send it (`ru`, `ru-RU`, `pt_BR`, `iw`, `sr-Latn-RS`)
/// into a canonical identifier: deprecated codes replaced (`iw` -> `he`, `in` -> `id`,
/// `ji` -> `yi`, `sh` -> `sr-Latn`) and bare Serbian made Latin (see the module docs).
/// `None` for empty or malformed input.
#[must_use]
pub fn parse_language(code: &str) -> Option<LanguageIdentifier> {
    let code = code.trim().replace('_', "-");
    if code.is_empty() {
        return None;
    }
    let mut lang: LanguageIdentifier = code.parse().ok()?;
    // Messengers still send ISO 639 codes that were withdrawn decades ago (old Android reports
    // Hebrew as `iw`); map them so the guest gets their language and not the chain default.
    let replacement = match lang.language.as_str() {
        "iw" => Some("he"),
        "in" => Some("id"),
        "ji" => Some("yi"),
        "sh" => Some("sr"),
        _ => None,
    };
    if let Some(replacement) = replacement {
        lang.language = replacement.parse().ok()?;
    }
    if lang.language.as_str() == "sr" && lang.script.is_none() {
        lang.script = Some(Script::from_bytes(b"Latn").ok()?);
    }
    if lang.language.as_str() == "und" {
        return None;
    }
    Some(lang)
}

/// Picks the best available locale for `code`, or `None` if no available locale fits.
#[must_use]
pub fn best_match(code: &str, available: &[LanguageIdentifier]) -> Option<LanguageIdentifier> {
    let requested = parse_language(code)?;
    negotiate_languages(&[requested], available, None, NegotiationStrategy::Filtering).first().map(|l| (*l).clone())
}

/// Negotiates the guest's language among `available`: the guest's own choice, else the
/// messenger's language code, else the chain default, else English. Never fails: the last
/// resort is [`FALLBACK_LANGUAGE`] even if the catalog lacks it, so callers always get a tag.
#[must_use]
pub fn negotiate_among(
    available: &[LanguageIdentifier],
    guest_choice: Option<&str>,
    messenger_code: Option<&str>,
    chain_default: &str,
) -> LanguageIdentifier {
    [guest_choice, messenger_code, Some(chain_default)]
        .into_iter()
        .flatten()
        .find_map(|code| best_match(code, available))
        .unwrap_or_else(fallback_language)
}

/// [`FALLBACK_LANGUAGE`] as an identifier.
#[must_use]
pub fn fallback_language() -> LanguageIdentifier {
    unic_langid::langid!("en")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(tags: &[&str]) -> Vec<LanguageIdentifier> {
        tags.iter().map(|t| t.parse().unwrap()).collect()
    }

    #[test]
    fn parses_messenger_codes() {
        assert_eq!(parse_language("iw").unwrap().to_string(), "he");
        assert_eq!(parse_language("iw-IL").unwrap().to_string(), "he-IL");
        assert_eq!(parse_language("pt_BR").unwrap().to_string(), "pt-BR");
        assert_eq!(parse_language("sr").unwrap().to_string(), "sr-Latn");
        assert_eq!(parse_language("sr-RS").unwrap().to_string(), "sr-Latn-RS");
        assert_eq!(parse_language("sr-Cyrl-RS").unwrap().to_string(), "sr-Cyrl-RS");
        assert_eq!(parse_language("sh").unwrap().to_string(), "sr-Latn");
        assert_eq!(parse_language(""), None);
        assert_eq!(parse_language("  "), None);
        assert_eq!(parse_language("not a tag!"), None);
    }

    #[test]
    fn best_match_does_not_cross_scripts() {
        let available = ids(&["en", "sr-Latn", "sr-Cyrl"]);
        assert_eq!(best_match("sr-Cyrl-RS", &available).unwrap().to_string(), "sr-Cyrl");
        assert_eq!(best_match("sr-Latn-RS", &available).unwrap().to_string(), "sr-Latn");
        assert_eq!(best_match("de", &available), None);
    }
}
