//! Which set of formatting conventions (separators, currency placement, month names) a locale
//! follows. Languages without their own entry use neutral conventions: English numbers and
//! ISO 8601 dates, which every reader can parse.

use unic_langid::LanguageIdentifier;

/// Formatting conventions, one per shipped locale plus a neutral default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Convention {
    English,
    Russian,
    Hebrew,
    SerbianLatin,
    SerbianCyrillic,
    Neutral,
}

impl Convention {
    pub(crate) fn of(lang: &LanguageIdentifier) -> Self {
        match lang.language.as_str() {
            "en" => Self::English,
            "ru" => Self::Russian,
            "he" | "iw" => Self::Hebrew,
            "sr" if lang.script.is_some_and(|s| s.as_str() == "Cyrl") => Self::SerbianCyrillic,
            "sr" | "sh" => Self::SerbianLatin,
            _ => Self::Neutral,
        }
    }

    /// Thousands separator. Russian uses a no-break space so a number never wraps mid-way.
    pub(crate) fn group_separator(self) -> &'static str {
        match self {
            Self::English | Self::Hebrew | Self::Neutral => ",",
            Self::Russian => "\u{A0}",
            Self::SerbianLatin | Self::SerbianCyrillic => ".",
        }
    }

    /// Decimal separator.
    pub(crate) fn decimal_separator(self) -> &'static str {
        match self {
            Self::English | Self::Hebrew | Self::Neutral => ".",
            Self::Russian | Self::SerbianLatin | Self::SerbianCyrillic => ",",
        }
    }
}
