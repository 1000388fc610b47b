//! Fitting text into a platform's limits, the same way on every channel: lengths counted in
//! UTF-16 code units (Telegram's and Viber's unit; a limit in those also holds in characters),
//! cuts ending in `…`, and the numbered lines that stand for buttons a platform cannot show
//! kept whole while the text before them is cut.

/// What a cut text ends with.
pub const ELLIPSIS: char = '…';

/// The length of `text` in UTF-16 code units.
#[must_use]
pub fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `text` cut to at most `max` UTF-16 code units (hence characters), ending with `…` when cut.
#[must_use]
pub fn cut(text: &str, max: usize) -> String {
    if units(text) <= max {
        return text.to_owned();
    }
    let mut kept = String::new();
    let mut used = 1; // the ellipsis
    for c in text.chars() {
        used += c.len_utf16();
        if used > max {
            break;
        }
        kept.push(c);
    }
    let mut kept = kept.trim_end().to_owned();
    kept.push(ELLIPSIS);
    kept
}

/// `lines` as a paragraph to put under a text: a blank line, then one line each; empty for no
/// lines.
#[must_use]
pub fn paragraph(lines: &[String]) -> String {
    if lines.is_empty() { String::new() } else { format!("\n\n{}", lines.join("\n")) }
}

/// `text`, then `lines` (a blank line apart), within `max`: the text is cut first, so every
/// line stays while there is room for them.
#[must_use]
pub fn with_lines(text: &str, lines: &[String], max: usize) -> String {
    if lines.is_empty() {
        return cut(text, max);
    }
    let tail = paragraph(lines);
    let room = max.saturating_sub(units(&tail));
    if room == 0 {
        return cut(&format!("{text}{tail}"), max);
    }
    format!("{}{tail}", cut(text, room))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_count_utf16_units_and_end_with_an_ellipsis() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("hello world", 8), "hello w…");
        assert_eq!(cut("hello world", 7), "hello…");
        assert_eq!(cut("☕😀😀😀", 5), "☕😀…");
        assert!(units(&cut(&"я".repeat(5000), 4096)) <= 4096);
    }

    #[test]
    fn lines_stay_whole_and_the_text_is_cut_first() {
        let lines = vec!["1. Card".to_owned(), "2. History".to_owned()];
        assert_eq!(with_lines("Menu", &lines, 100), "Menu\n\n1. Card\n2. History");
        let fitted = with_lines(&"x".repeat(100), &lines, 40);
        assert!(units(&fitted) <= 40 && fitted.ends_with("1. Card\n2. History"), "{fitted}");
        assert_eq!(with_lines("Menu", &[], 3), "Me…");
        assert_eq!(paragraph(&[]), "");
    }
}
