//! Right-to-left rendering: isolation marks around placeables, direction marks in bilingual
//! messages.

use regulars_i18n::{FluentArgs, LanguageIdentifier, Localizer, TextDirection, text_direction};

const FSI: char = '\u{2068}';
const PDI: char = '\u{2069}';

fn lang(tag: &str) -> LanguageIdentifier {
    tag.parse().unwrap()
}

#[test]
fn hebrew_with_a_latin_name_keeps_isolation_marks() {
    let i18n = Localizer::embedded().unwrap();
    let mut args = FluentArgs::new();
    args.set("name", "Alex");
    args.set("chain", "Kafeterija 21");
    let text = i18n.format(&lang("he"), "bot-welcome", Some(&args));
    assert!(text.contains(&format!("{FSI}Alex{PDI}")), "{text:?}");
    assert!(text.contains(&format!("{FSI}Kafeterija 21{PDI}")), "{text:?}");
    assert!(text.contains("ברוכים הבאים"), "{text:?}");
    // Numbers are isolated as well, so "20" cannot swap places with the Hebrew around it.
    let mut args = FluentArgs::new();
    args.set("balance", 20);
    let text = i18n.format(&lang("he"), "bot-card-balance", Some(&args));
    assert!(text.contains(&format!("{FSI}20{PDI}")), "{text:?}");
}

#[test]
fn direction_of_the_shipped_locales() {
    let i18n = Localizer::embedded().unwrap();
    for lang in i18n.languages() {
        let expected =
            if lang.language.as_str() == "he" { TextDirection::RightToLeft } else { TextDirection::LeftToRight };
        assert_eq!(text_direction(&lang), expected, "{lang}");
    }
}

#[test]
fn bilingual_broadcast_marks_each_block() {
    let i18n = Localizer::embedded().unwrap();
    let mut args = FluentArgs::new();
    args.set("name", "Dana");
    args.set("chain", "Kafeterija");
    let text = i18n.format_bilingual(&lang("ru"), &lang("he"), "notify-birthday", Some(&args));
    let (russian, hebrew) = text.split_once(regulars_i18n::DEFAULT_DIVIDER).expect("divider present");
    let lines = |block: &str| block.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect::<Vec<_>>();
    assert!(!lines(russian).is_empty() && !lines(hebrew).is_empty());
    for line in lines(russian) {
        assert!(line.starts_with('\u{200E}'), "Russian line without LRM: {line:?}");
        assert!(line.contains("С днём рождения"), "{line:?}");
    }
    for line in lines(hebrew) {
        assert!(line.starts_with('\u{200F}'), "Hebrew line without RLM: {line:?}");
        assert!(line.contains("יום הולדת שמח"), "{line:?}");
        assert!(line.contains(&format!("{FSI}Dana{PDI}")), "{line:?}");
    }
}
