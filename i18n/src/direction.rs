//! Writing direction of a language.

use unic_langid::LanguageIdentifier;

/// The direction a language is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextDirection {
    /// Left to right (English, Russian, Serbian, ...).
    LeftToRight,
    /// Right to left (Hebrew, Arabic, Persian, ...).
    RightToLeft,
}

impl TextDirection {
    /// The HTML `dir` attribute value: `ltr` or `rtl`, for the portal and the Mini App.
    #[must_use]
    pub fn as_html_dir(self) -> &'static str {
        match self {
            Self::LeftToRight => "ltr",
            Self::RightToLeft => "rtl",
        }
    }

    /// The invisible strong mark of this direction (U+200E LRM or U+200F RLM). Placed first on
    /// a line it makes the messenger lay the whole line out in this direction, whatever the
    /// line starts with (a Latin name, a number).
    #[must_use]
    pub fn mark(self) -> char {
        match self {
            Self::LeftToRight => '\u{200E}',
            Self::RightToLeft => '\u{200F}',
        }
    }
}

/// The direction `lang` is written in. The script subtag wins when present (`az-Arab` is RTL,
/// `ku-Latn` is not); otherwise the language decides.
#[must_use]
pub fn text_direction(lang: &LanguageIdentifier) -> TextDirection {
    if let Some(script) = lang.script {
        return match script.as_str() {
            "Arab" | "Hebr" | "Syrc" | "Thaa" | "Nkoo" | "Adlm" | "Rohg" => TextDirection::RightToLeft,
            _ => TextDirection::LeftToRight,
        };
    }
    match lang.language.as_str() {
        "he" | "iw" | "yi" | "ji" | "ar" | "fa" | "ur" | "ps" | "sd" | "ug" | "dv" | "ckb" => {
            TextDirection::RightToLeft
        }
        _ => TextDirection::LeftToRight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unic_langid::langid;

    #[test]
    fn hebrew_is_rtl_and_others_ltr() {
        assert_eq!(text_direction(&langid!("he")), TextDirection::RightToLeft);
        assert_eq!(text_direction(&langid!("he-IL")), TextDirection::RightToLeft);
        assert_eq!(text_direction(&langid!("ar")), TextDirection::RightToLeft);
        assert_eq!(text_direction(&langid!("ru")), TextDirection::LeftToRight);
        assert_eq!(text_direction(&langid!("sr-Cyrl")), TextDirection::LeftToRight);
        assert_eq!(text_direction(&langid!("en")), TextDirection::LeftToRight);
        assert_eq!(text_direction(&langid!("az-Arab")), TextDirection::RightToLeft);
        assert_eq!(TextDirection::RightToLeft.as_html_dir(), "rtl");
    }
}
