//! The checker finds each kind of planted error in `tests/fixtures/broken`, at the right place.

use std::path::{Path, PathBuf};

use regulars_i18n::{CheckReport, Finding, FindingKind, check_dir};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken")
}

fn report() -> CheckReport {
    check_dir(&fixture_dir())
}

/// 1-based line of the first line in `locale/file` containing `needle`.
fn line_of(locale: &str, file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(fixture_dir().join(locale).join(file)).unwrap();
    text.lines().position(|l| l.contains(needle)).expect("needle in fixture") + 1
}

fn find<'r>(report: &'r CheckReport, kind: FindingKind, locale: &str, file: &str) -> Vec<&'r Finding> {
    let path = fixture_dir().join(locale).join(file);
    report.of_kind(kind).filter(|f| f.path == path).collect()
}

#[test]
fn broken_fixture_is_not_ok() {
    let report = report();
    assert!(!report.is_ok());
    assert_eq!(report.locales, ["en", "he", "ru"]);
    assert_eq!(report.files, 6);
    // Display: one line per finding and a summary line.
    let text = report.to_string();
    assert_eq!(text.lines().count(), report.findings.len() + 1, "{text}");
    assert!(text.lines().last().unwrap().starts_with(&format!("{} problems", report.findings.len())), "{text}");
}

#[test]
fn syntax_error_with_file_and_line() {
    let report = report();
    let found = find(&report, FindingKind::Syntax, "he", "menu.ftl");
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!(found[0].line, Some(line_of("he", "menu.ftl", "BROKEN")), "{report}");
    let rendered = found[0].to_string();
    assert!(rendered.contains(&format!("he/menu.ftl:{}: syntax:", line_of("he", "menu.ftl", "BROKEN"))), "{rendered}");
    // The file's other messages still take part in the comparison: nothing else is reported
    // missing in he/menu.ftl except the broken entry.
    let missing = find(&report, FindingKind::MissingMessage, "he", "menu.ftl");
    assert_eq!(missing.len(), 1, "{report}");
    assert!(missing[0].message.contains("`menu-help`"), "{report}");
}

#[test]
fn missing_and_extra_ids() {
    let report = report();
    let missing = find(&report, FindingKind::MissingMessage, "ru", "app.ftl");
    assert_eq!(missing.len(), 1, "{report}");
    assert!(missing[0].message.contains("`farewell`"), "{}", missing[0]);
    assert!(missing[0].message.contains(&format!("en/app.ftl:{}", line_of("en", "app.ftl", "farewell"))));

    let extra = find(&report, FindingKind::ExtraMessage, "ru", "app.ftl");
    assert_eq!(extra.len(), 1, "{report}");
    assert!(extra[0].message.contains("`ru-only`"));
    assert_eq!(extra[0].line, Some(line_of("ru", "app.ftl", "ru-only =")));

    let attribute = find(&report, FindingKind::MissingAttribute, "ru", "app.ftl");
    assert_eq!(attribute.len(), 1, "{report}");
    assert!(attribute[0].message.contains(".label"));
    assert_eq!(attribute[0].line, Some(line_of("ru", "app.ftl", "item =")));
    // Hebrew is complete in app.ftl.
    assert!(find(&report, FindingKind::MissingMessage, "he", "app.ftl").is_empty(), "{report}");
}

#[test]
fn unknown_variable() {
    let report = report();
    let found = find(&report, FindingKind::UnknownVariable, "ru", "app.ftl");
    assert_eq!(found.len(), 1, "{report}");
    assert!(found[0].message.contains("$nickname") && found[0].message.contains("$name"), "{}", found[0]);
    assert_eq!(found[0].line, Some(line_of("ru", "app.ftl", "$nickname")));
    assert!(find(&report, FindingKind::UnknownVariable, "he", "app.ftl").is_empty(), "{report}");
}

#[test]
fn missing_plural_categories_for_russian_and_hebrew() {
    let report = report();
    let ru = find(&report, FindingKind::MissingPluralCategory, "ru", "app.ftl");
    assert_eq!(ru.len(), 1, "{report}");
    assert!(ru[0].message.contains("[few], [many]"), "{}", ru[0]);
    assert_eq!(ru[0].line, Some(line_of("ru", "app.ftl", "$points ->")));

    let he = find(&report, FindingKind::MissingPluralCategory, "he", "app.ftl");
    assert_eq!(he.len(), 1, "{report}");
    assert!(he[0].message.contains("[two], [many]"), "{}", he[0]);
    // English needs only [one] and [other], which it has.
    assert_eq!(report.of_kind(FindingKind::MissingPluralCategory).count(), 2, "{report}");
}

#[test]
fn unreadable_directory_is_a_finding() {
    let report = check_dir(Path::new("/nonexistent/locales"));
    assert!(!report.is_ok());
    assert_eq!(report.findings[0].kind, FindingKind::Io);
}

#[test]
fn missing_file_and_bad_locale_dir() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("en/a.ftl", "a = A\n");
    write("en/b.ftl", "b = B\n");
    write("ru/a.ftl", "a = А\n");
    write("ru/c.ftl", "c = В\n");
    write("not a locale!/a.ftl", "a = ?\n");
    let report = check_dir(dir.path());
    assert_eq!(report.of_kind(FindingKind::MissingFile).count(), 1, "{report}");
    assert_eq!(report.of_kind(FindingKind::ExtraFile).count(), 1, "{report}");
    assert_eq!(report.of_kind(FindingKind::InvalidLocale).count(), 1, "{report}");
}
