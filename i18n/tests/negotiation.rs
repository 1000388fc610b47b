//! Choosing the guest's language among the built-in locales.

use regulars_i18n::Localizer;

fn negotiate(guest: Option<&str>, messenger: Option<&str>, chain: &str) -> String {
    let i18n = Localizer::embedded().unwrap();
    i18n.negotiate(guest, messenger, chain).to_string()
}

#[test]
fn guest_choice_wins() {
    assert_eq!(negotiate(Some("he"), Some("ru-RU"), "sr-Latn"), "he");
    assert_eq!(negotiate(Some("sr-Cyrl"), Some("en-US"), "en"), "sr-Cyrl");
}

#[test]
fn messenger_code_is_next() {
    assert_eq!(negotiate(None, Some("ru-RU"), "sr-Latn"), "ru");
    assert_eq!(negotiate(None, Some("ru"), "en"), "ru");
    assert_eq!(negotiate(None, Some("en-GB"), "ru"), "en");
    assert_eq!(negotiate(None, Some("sr-Latn-RS"), "en"), "sr-Latn");
    assert_eq!(negotiate(None, Some("sr-Cyrl-RS"), "en"), "sr-Cyrl");
    assert_eq!(negotiate(None, Some("he-IL"), "en"), "he");
    // Old Android and some Viber clients still report Hebrew by its withdrawn code.
    assert_eq!(negotiate(None, Some("iw"), "en"), "he");
    assert_eq!(negotiate(None, Some("iw_IL"), "en"), "he");
}

#[test]
fn bare_serbian_means_latin() {
    assert_eq!(negotiate(None, Some("sr"), "en"), "sr-Latn");
    assert_eq!(negotiate(None, Some("sr-RS"), "en"), "sr-Latn");
    assert_eq!(negotiate(None, None, "sr"), "sr-Latn");
}

#[test]
fn unknown_or_broken_codes_fall_through() {
    // German is not shipped: the chain default applies, not a random neighbour.
    assert_eq!(negotiate(None, Some("de-DE"), "ru"), "ru");
    assert_eq!(negotiate(Some("xx-invalid-!!"), Some(""), "he"), "he");
    assert_eq!(negotiate(Some("fr"), Some("de"), "it"), "en");
    assert_eq!(negotiate(None, None, ""), "en");
}
