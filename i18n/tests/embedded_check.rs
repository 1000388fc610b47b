//! The built-in locales pass the translator's checker.

#[test]
fn embedded_locales_are_clean() {
    let report = regulars_i18n::check_embedded();
    assert!(report.is_ok(), "{report}");
    for locale in ["en", "ru", "he", "sr-Latn", "sr-Cyrl"] {
        assert!(report.locales.iter().any(|l| l == locale), "{locale} missing from {:?}", report.locales);
    }
    assert!(report.messages > 100, "only {} English messages", report.messages);
    assert!(report.files >= 25, "only {} files", report.files);
}
