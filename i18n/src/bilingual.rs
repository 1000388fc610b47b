//! Two languages in one message, e.g. a broadcast in Russian, a divider, then Hebrew.
//!
//! Messengers pick each line's direction from its first strong character (Unicode bidi rule
//! P2/P3, applied per paragraph, and a line break ends a paragraph). A Hebrew line that starts
//! with "Latte" or "20%" would therefore be laid out left to right, and a Russian line that
//! starts with a Hebrew cafe name right to left. The composer starts every non-empty line with
//! the invisible mark of its block's direction (RLM for Hebrew, LRM for Russian), which fixes
//! the layout of each block independently. Marks only, no embeddings: an unclosed embedding
//! would leak into the next block.

use unic_langid::LanguageIdentifier;

use crate::direction::{TextDirection, text_direction};

/// The line between the two languages: box-drawing characters are direction-neutral and
/// render in every messenger font.
pub const DEFAULT_DIVIDER: &str = "──────────";

/// Marks every non-empty line of `text` with `direction`'s strong mark, so each line renders in
/// that direction. Lines that already start with that mark are left alone, so the function is
/// idempotent.
#[must_use]
pub fn mark_lines(text: &str, direction: TextDirection) -> String {
    let mark = direction.mark();
    text.split('\n')
        .map(
            |line| {
                if line.trim().is_empty() || line.starts_with(mark) { line.to_owned() } else { format!("{mark}{line}") }
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

/// Composes two texts, each in its own language, into one message: the first block, a blank
/// line, [`DEFAULT_DIVIDER`], a blank line, the second block. Each block renders in its own
/// direction (see the module docs).
#[must_use]
pub fn compose_bilingual(
    first_lang: &LanguageIdentifier,
    first: &str,
    second_lang: &LanguageIdentifier,
    second: &str,
) -> String {
    compose_bilingual_with(first_lang, first, second_lang, second, DEFAULT_DIVIDER)
}

/// [`compose_bilingual`] with a divider of the caller's choice (e.g. a chain's own ornament).
#[must_use]
pub fn compose_bilingual_with(
    first_lang: &LanguageIdentifier,
    first: &str,
    second_lang: &LanguageIdentifier,
    second: &str,
    divider: &str,
) -> String {
    let first = mark_lines(first.trim_end(), text_direction(first_lang));
    let second = mark_lines(second.trim_end(), text_direction(second_lang));
    format!("{first}\n\n{divider}\n\n{second}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use unic_langid::langid;

    const LRM: char = '\u{200E}';
    const RLM: char = '\u{200F}';

    #[test]
    fn each_block_gets_its_own_direction() {
        let text = compose_bilingual(
            &langid!("ru"),
            "Скидка 20% на латте\nДо пятницы",
            &langid!("he"),
            "Latte בהנחה של 20%\nעד יום שישי",
        );
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(lines.len(), 7, "{text:?}");
        assert!(lines[0].starts_with(LRM) && lines[1].starts_with(LRM));
        assert_eq!(lines[2], "");
        assert_eq!(lines[3], DEFAULT_DIVIDER);
        assert_eq!(lines[4], "");
        assert!(lines[5].starts_with(RLM) && lines[6].starts_with(RLM));
        assert!(lines[5].ends_with("20%"));
    }

    #[test]
    fn marking_is_idempotent_and_skips_blank_lines() {
        let once = mark_lines("שלום\n\nעולם", TextDirection::RightToLeft);
        assert_eq!(once, format!("{RLM}שלום\n\n{RLM}עולם"));
        assert_eq!(mark_lines(&once, TextDirection::RightToLeft), once);
    }

    #[test]
    fn custom_divider_is_used() {
        let text = compose_bilingual_with(&langid!("en"), "Hi", &langid!("sr-Latn"), "Zdravo", "* * *");
        assert_eq!(text, format!("{LRM}Hi\n\n* * *\n\n{LRM}Zdravo"));
    }
}
