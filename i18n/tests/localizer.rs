//! Formatting with fallback, override directories and reload.

use std::fs;
use std::path::Path;

use regulars_i18n::{ErrorKind, FluentArgs, LanguageIdentifier, Localizer, format_money};

fn lang(tag: &str) -> LanguageIdentifier {
    tag.parse().unwrap()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn formats_in_the_requested_locale_with_local_numbers() {
    let i18n = Localizer::embedded().unwrap();
    let mut args = FluentArgs::new();
    args.set("points", 12);
    args.set("balance", 1250);
    args.set("amount", format_money(&lang("sr-Latn"), 123_450, "RSD"));
    let text = i18n.format(&lang("sr-Latn"), "notify-points-earned", Some(&args));
    assert!(text.contains("1.234,50\u{A0}RSD"), "{text:?}");
    assert!(text.contains("\u{2068}1.250\u{2069} poena"), "{text:?}");
    let text = i18n.format(&lang("ru"), "notify-points-earned", Some(&args));
    assert!(text.contains("\u{2068}1\u{A0}250\u{2069} баллов"), "{text:?}");
    // A regional tag finds its language.
    assert_eq!(i18n.format(&lang("ru-RU"), "bot-menu-card", None), i18n.format(&lang("ru"), "bot-menu-card", None));
}

#[test]
fn attributes_are_addressed_with_a_dot() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "en/x.ftl", "button = Save\n    .title = Save the guest\n");
    let i18n = Localizer::from_dir(dir.path()).unwrap();
    assert_eq!(i18n.format(&lang("en"), "button.title", None), "Save the guest");
    assert_eq!(i18n.format(&lang("en"), "button.nope", None), "button.nope");
}

#[test]
fn missing_message_yields_its_id_and_never_panics() {
    let i18n = Localizer::embedded().unwrap();
    assert_eq!(i18n.format(&lang("he"), "no-such-message", None), "no-such-message");
    assert_eq!(i18n.format(&lang("xx"), "no-such-message", None), "no-such-message");
    let error = i18n.try_format(&lang("he"), "no-such-message", None).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::MissingMessage);
    // A variable the caller forgot: Fluent's best effort, reported by try_format.
    let text = i18n.format(&lang("en"), "bot-welcome-back", None);
    assert!(text.contains("Welcome back"), "{text}");
    assert_eq!(i18n.try_format(&lang("en"), "bot-welcome-back", None).unwrap_err().kind(), ErrorKind::Format);
}

#[test]
fn falls_back_per_message_to_chain_default_then_english() {
    let dir = tempfile::tempdir().unwrap();
    // A Russian bot.ftl with a single message: every other bot message is missing in Russian.
    write(dir.path(), "ru/bot.ftl", "bot-menu-help = Помощь!\n");
    let i18n = Localizer::with_overrides(dir.path()).unwrap();
    let (ru, he, en) = (lang("ru"), lang("he"), lang("en"));
    assert_eq!(i18n.format(&ru, "bot-menu-help", None), "Помощь!");
    assert_eq!(i18n.format(&ru, "bot-menu-card", None), i18n.format(&en, "bot-menu-card", None));
    assert_eq!(i18n.format_for_chain(&ru, &he, "bot-menu-card", None), "הכרטיס שלי");
    // Other Russian areas are still the embedded ones.
    assert_eq!(i18n.format(&ru, "staff-confirm", None), "Подтвердить");
}

#[test]
fn override_dir_adds_a_locale_and_reload_picks_up_edits() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "de/bot.ftl", "bot-menu-card = Meine Karte\n");
    let i18n = Localizer::with_overrides(dir.path()).unwrap();
    assert_eq!(i18n.negotiate(None, Some("de-AT"), "en").to_string(), "de");
    assert_eq!(i18n.format(&lang("de"), "bot-menu-card", None), "Meine Karte");
    assert_eq!(i18n.format(&lang("de"), "bot-menu-help", None), "Help");

    write(dir.path(), "de/bot.ftl", "bot-menu-card = Meine Treuekarte\n");
    i18n.reload().unwrap();
    assert_eq!(i18n.format(&lang("de"), "bot-menu-card", None), "Meine Treuekarte");

    // A broken edit is refused and the last good texts stay in service.
    write(dir.path(), "de/bot.ftl", "bot-menu-card = { $oops\n");
    let error = i18n.reload().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidSource);
    assert!(error.to_string().contains("de/bot.ftl:1"), "{error}");
    assert_eq!(i18n.format(&lang("de"), "bot-menu-card", None), "Meine Treuekarte");
}

#[test]
fn broken_or_missing_directories_are_errors() {
    assert_eq!(Localizer::from_dir("/nonexistent/locales").unwrap_err().kind(), ErrorKind::Io);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "en/a.ftl", "a = A\n");
    write(dir.path(), "en/b.ftl", "\n\na = again\n");
    let error = Localizer::from_dir(dir.path()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidSource);
    assert!(error.to_string().contains("b.ftl:3"), "{error}");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "not a tag!/a.ftl", "a = A\n");
    assert_eq!(Localizer::from_dir(dir.path()).unwrap_err().kind(), ErrorKind::InvalidLocale);
}

#[test]
fn localizer_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Localizer>();
    let i18n = std::sync::Arc::new(Localizer::embedded().unwrap());
    let handles: Vec<_> = ["en", "ru", "he", "sr-Latn"]
        .into_iter()
        .map(|tag| {
            let i18n = std::sync::Arc::clone(&i18n);
            std::thread::spawn(move || i18n.format(&lang(tag), "bot-menu-card", None))
        })
        .collect();
    let texts: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(texts, ["My card", "Моя карта", "הכרטיס שלי", "Moja kartica"]);
}

/// A writer that collects log output in memory, for asserting on warnings.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn missing_message_is_logged_as_a_warning() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    let i18n = Localizer::embedded().unwrap();
    let text = tracing::subscriber::with_default(subscriber, || i18n.format(&lang("ru"), "bot-no-such", None));
    assert_eq!(text, "bot-no-such");
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("WARN") && log.contains("bot-no-such"), "{log}");
}
