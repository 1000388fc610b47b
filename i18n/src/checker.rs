//! The translator's checker: compares every locale with English and reports what would show a
//! guest a wrong or missing text. The server exposes it as `regulars i18n check [DIR]` and
//! exits non-zero unless [`CheckReport::is_ok`]; the crate's tests run it over the built-in
//! locales.
//!
//! Each locale is a directory `<lang>/` of `<area>.ftl` files; each file is compared with the
//! English file of the same name. Findings:
//! - syntax errors, with the line Fluent's parser stopped at;
//! - message ids and attributes missing from, or extra in, a translation;
//! - variables a translation uses that the English message does not (the code only passes the
//!   variables English uses, so such a placeholder would print as `{$name}`);
//! - plural selectors missing a CLDR category the locale distinguishes (Russian few and many,
//!   Hebrew two and many, Serbian few); the default variant counts as `other`;
//! - ids defined twice in one locale, references to messages or terms the locale lacks, whole
//!   files missing or extra, and locale directories that are not language tags.
//!
//! How the CLI uses it:
//!
//! ```
//! use std::path::Path;
//!
//! let dir: Option<&Path> = None; // `regulars i18n check [DIR]`
//! let report = match dir {
//!     Some(dir) => regulars_i18n::check_dir(dir),
//!     None => regulars_i18n::check_embedded(),
//! };
//! // One finding per line, then a summary such as `ok: 5 locales (...), 25 files, ...`.
//! let text = report.to_string();
//! assert!(text.starts_with("ok: "), "{text}");
//! let exit_code = if report.is_ok() { 0 } else { 1 };
//! assert_eq!(exit_code, 0);
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::localizer::parse_locale_dir;
use crate::negotiate::FALLBACK_LANGUAGE;
use crate::outline::{FileOutline, MessageOutline, outline};
use crate::plural::plural_categories;
use crate::source::{SourceFile, embedded_files, read_dir_files};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FindingKind {
    /// The locales directory or a file in it could not be read.
    Io,
    /// A locale directory name is not a language tag.
    InvalidLocale,
    /// The file does not parse.
    Syntax,
    /// English has a file this locale lacks.
    MissingFile,
    /// This locale has a file English lacks.
    ExtraFile,
    /// English has a message this translation lacks.
    MissingMessage,
    /// This translation has a message English lacks.
    ExtraMessage,
    /// English has an attribute (`.label`) this translation lacks.
    MissingAttribute,
    /// This translation has an attribute English lacks.
    ExtraAttribute,
    /// The translation uses a `$variable` the English message does not pass.
    UnknownVariable,
    /// A plural selector lacks a category the locale's plural rules produce.
    MissingPluralCategory,
    /// An id is defined twice in one locale.
    DuplicateMessage,
    /// A reference to a message or term the locale does not define.
    UnknownReference,
}

impl FindingKind {
    /// A short stable name, e.g. `missing-message`, for output and scripts.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Io => "io",
            Self::InvalidLocale => "invalid-locale",
            Self::Syntax => "syntax",
            Self::MissingFile => "missing-file",
            Self::ExtraFile => "extra-file",
            Self::MissingMessage => "missing-message",
            Self::ExtraMessage => "extra-message",
            Self::MissingAttribute => "missing-attribute",
            Self::ExtraAttribute => "extra-attribute",
            Self::UnknownVariable => "unknown-variable",
            Self::MissingPluralCategory => "missing-plural-category",
            Self::DuplicateMessage => "duplicate-message",
            Self::UnknownReference => "unknown-reference",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem, located as precisely as the checker can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file to fix.
    pub path: PathBuf,
    /// 1-based line in `path`, when the problem has one (a missing message has none).
    pub line: Option<usize>,
    /// What kind of problem.
    pub kind: FindingKind,
    /// What is wrong, for a person.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}: {}", self.kind, self.message)
    }
}

/// The result of a check: every finding plus what was looked at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Every problem found, ordered by file and line.
    pub findings: Vec<Finding>,
    /// Locale directory names checked.
    pub locales: Vec<String>,
    /// Number of `.ftl` files read.
    pub files: usize,
    /// Number of English messages every locale was compared against.
    pub messages: usize,
}

impl CheckReport {
    /// `true` if nothing was found; the CLI exits non-zero otherwise.
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.findings.is_empty()
    }

    /// Findings of one kind, for tests and tooling.
    pub fn of_kind(&self, kind: FindingKind) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.kind == kind)
    }
}

impl fmt::Display for CheckReport {
    /// One finding per line, then a summary line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        let scope = format!(
            "{} locales ({}), {} files, {} English messages",
            self.locales.len(),
            self.locales.join(", "),
            self.files,
            self.messages
        );
        if self.is_ok() {
            write!(f, "ok: {scope}, no problems")
        } else {
            let n = self.findings.len();
            write!(f, "{n} problem{} in {scope}", if n == 1 { "" } else { "s" })
        }
    }
}

/// Checks the locales in `dir`, laid out as `<dir>/<lang>/<area>.ftl` with English in
/// `<dir>/en/`. Never fails: an unreadable directory is itself a finding.
#[must_use]
pub fn check_dir(dir: &Path) -> CheckReport {
    match read_dir_files(dir) {
        Ok(files) => check_files(&files),
        Err(error) => CheckReport {
            findings: vec![Finding {
                path: dir.to_path_buf(),
                line: None,
                kind: FindingKind::Io,
                message: error.to_string(),
            }],
            ..CheckReport::default()
        },
    }
}

/// Checks the locales compiled into this binary (paths in findings point at `i18n/locales/`).
#[must_use]
pub fn check_embedded() -> CheckReport {
    check_files(&embedded_files())
}

/// Files of one locale, outlined, by area.
struct Locale<'a> {
    files: BTreeMap<&'a str, (&'a SourceFile, FileOutline)>,
    categories: Vec<&'static str>,
}

fn check_files(files: &[SourceFile]) -> CheckReport {
    let mut findings = Vec::new();
    let mut locales: BTreeMap<&str, Locale<'_>> = BTreeMap::new();
    for file in files {
        let lang = match parse_locale_dir(&file.locale) {
            Ok(lang) => lang,
            Err(error) => {
                let dir = file.path.parent().unwrap_or(&file.path).to_path_buf();
                if !findings.iter().any(|f: &Finding| f.path == dir) {
                    findings.push(finding(dir, None, FindingKind::InvalidLocale, error.to_string()));
                }
                continue;
            }
        };
        let outlined = outline(&file.text);
        for error in &outlined.syntax_errors {
            findings.push(finding(file.path.clone(), Some(error.line), FindingKind::Syntax, error.message.clone()));
        }
        locales
            .entry(file.locale.as_str())
            .or_insert_with(|| Locale { files: BTreeMap::new(), categories: plural_categories(&lang) })
            .files
            .insert(file.area.as_str(), (file, outlined));
    }

    for locale in locales.values() {
        check_locale_alone(locale, &mut findings);
    }
    let english = locales.get(FALLBACK_LANGUAGE);
    match english {
        Some(english) => {
            for (name, locale) in &locales {
                if *name != FALLBACK_LANGUAGE {
                    compare_with_english(english, locale, &mut findings);
                }
            }
        }
        None if !locales.is_empty() => findings.push(finding(
            files.first().and_then(|f| f.path.parent()?.parent()).map(Path::to_path_buf).unwrap_or_default(),
            None,
            FindingKind::MissingFile,
            format!("no `{FALLBACK_LANGUAGE}/` directory: English is the reference every locale is checked against"),
        )),
        None => {}
    }

    findings.sort_by(|a, b| (&a.path, a.line, a.kind).cmp(&(&b.path, b.line, b.kind)));
    CheckReport {
        findings,
        locales: locales.keys().map(|&l| l.to_owned()).collect(),
        files: files.len(),
        messages: english.map_or(0, |e| e.files.values().map(|(_, o)| o.messages.len()).sum()),
    }
}

fn finding(path: PathBuf, line: Option<usize>, kind: FindingKind, message: String) -> Finding {
    Finding { path, line, kind, message }
}

/// Checks that need no reference: duplicates, dangling references, plural completeness.
fn check_locale_alone(locale: &Locale<'_>, findings: &mut Vec<Finding>) {
    let mut defined: BTreeMap<&str, &Path> = BTreeMap::new();
    for (file, outlined) in locale.files.values() {
        for (id, line) in &outlined.duplicates {
            findings.push(finding(
                file.path.clone(),
                Some(*line),
                FindingKind::DuplicateMessage,
                format!("`{id}` is defined twice in this file"),
            ));
        }
        for (id, message) in outlined.messages.iter().chain(&outlined.terms) {
            if let Some(first) = defined.insert(id, &file.path) {
                findings.push(finding(
                    file.path.clone(),
                    Some(message.line),
                    FindingKind::DuplicateMessage,
                    format!("`{id}` is also defined in {}", first.display()),
                ));
            }
        }
    }
    for (file, outlined) in locale.files.values() {
        for (id, message) in outlined.messages.iter().chain(&outlined.terms) {
            for reference in message.references.iter().filter(|r| !defined.contains_key(r.as_str())) {
                findings.push(finding(
                    file.path.clone(),
                    Some(message.line),
                    FindingKind::UnknownReference,
                    format!("`{id}` references `{reference}`, which this locale does not define"),
                ));
            }
            check_plurals(file, id, message, &locale.categories, findings);
        }
    }
}

fn check_plurals(
    file: &SourceFile,
    id: &str,
    message: &MessageOutline,
    categories: &[&str],
    findings: &mut Vec<Finding>,
) {
    for selector in message.selectors.iter().filter(|s| s.names_plural_categories()) {
        let missing: Vec<&str> = categories
            .iter()
            .copied()
            .filter(|&category| !selector.keys.contains(category))
            // The default variant is what Fluent picks for a category without its own variant;
            // it is meant for `other`, so it satisfies exactly that one.
            .filter(|&category| category != "other")
            .collect();
        if !missing.is_empty() {
            findings.push(finding(
                file.path.clone(),
                Some(selector_line(&file.text, message.line, &selector.variable)),
                FindingKind::MissingPluralCategory,
                format!(
                    "`{id}`: the selector on ${} lacks [{}]; {} needs [{}]",
                    selector.variable,
                    missing.join("], ["),
                    file.locale,
                    categories.join("], [")
                ),
            ));
        }
    }
}

/// The line of `$variable ->` at or after the message's line, else the message's line.
fn selector_line(text: &str, from_line: usize, variable: &str) -> usize {
    let needle = format!("${variable}");
    text.lines()
        .enumerate()
        .skip(from_line.saturating_sub(1))
        .find(|(_, line)| line.contains(&needle) && line.contains("->"))
        .map_or(from_line, |(index, _)| index + 1)
}

/// The line where `$variable` first appears at or after `from_line`.
fn variable_line(text: &str, from_line: usize, variable: &str) -> usize {
    let needle = format!("${variable}");
    text.lines()
        .enumerate()
        .skip(from_line.saturating_sub(1))
        .find(|(_, line)| {
            line.match_indices(&needle).any(|(at, _)| {
                // `$name` must not match `$names`.
                line[at + needle.len()..].chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_'))
            })
        })
        .map_or(from_line, |(index, _)| index + 1)
}

fn compare_with_english(english: &Locale<'_>, locale: &Locale<'_>, findings: &mut Vec<Finding>) {
    for (area, (en_file, en)) in &english.files {
        let Some((file, translated)) = locale.files.get(area) else {
            let lang_dir = locale.files.values().next().and_then(|(f, _)| f.path.parent());
            let path = lang_dir.map_or_else(|| PathBuf::from(area), |dir| dir.join(area));
            findings.push(finding(
                path,
                None,
                FindingKind::MissingFile,
                format!("{area} is missing: its {} messages are shown in English", en.messages.len()),
            ));
            continue;
        };
        for (id, en_message) in &en.messages {
            let Some(message) = translated.messages.get(id) else {
                findings.push(finding(
                    file.path.clone(),
                    None,
                    FindingKind::MissingMessage,
                    format!("`{id}` is missing (English: {}:{})", en_file.path.display(), en_message.line),
                ));
                continue;
            };
            compare_message(file, id, en_message, message, findings);
        }
        for (id, message) in &translated.messages {
            if !en.messages.contains_key(id) {
                findings.push(finding(
                    file.path.clone(),
                    Some(message.line),
                    FindingKind::ExtraMessage,
                    format!("`{id}` is not in English {area}; remove it or add it to English first"),
                ));
            }
        }
    }
    for (area, (file, _)) in &locale.files {
        if !english.files.contains_key(area) {
            findings.push(finding(
                file.path.clone(),
                None,
                FindingKind::ExtraFile,
                format!("English has no {area}; its messages are never shown"),
            ));
        }
    }
}

fn compare_message(
    file: &SourceFile,
    id: &str,
    english: &MessageOutline,
    translated: &MessageOutline,
    findings: &mut Vec<Finding>,
) {
    let line = Some(translated.line);
    for attribute in english.attributes.difference(&translated.attributes) {
        findings.push(finding(
            file.path.clone(),
            line,
            FindingKind::MissingAttribute,
            format!("`{id}` lacks the attribute .{attribute} that English has"),
        ));
    }
    for attribute in translated.attributes.difference(&english.attributes) {
        findings.push(finding(
            file.path.clone(),
            line,
            FindingKind::ExtraAttribute,
            format!("`{id}` has the attribute .{attribute} that English does not"),
        ));
    }
    let unknown: BTreeSet<&String> = translated.variables.difference(&english.variables).collect();
    for variable in unknown {
        let known = english.variables.iter().map(|v| format!("${v}")).collect::<Vec<_>>();
        findings.push(finding(
            file.path.clone(),
            Some(variable_line(&file.text, translated.line, variable)),
            FindingKind::UnknownVariable,
            format!(
                "`{id}` uses ${variable}, which English does not pass (available: {})",
                if known.is_empty() { "none".to_owned() } else { known.join(", ") }
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(locale: &str, area: &str, text: &str) -> SourceFile {
        SourceFile {
            locale: locale.into(),
            area: area.into(),
            path: PathBuf::from(format!("{locale}/{area}")),
            text: text.into(),
        }
    }

    #[test]
    fn clean_locales_pass() {
        let report = check_files(&[
            file("en", "a.ftl", "n = { $n ->\n    [one] one\n   *[other] many\n}\n"),
            file("ru", "a.ftl", "n = { $n ->\n    [one] один\n    [few] два\n    [many] пять\n   *[other] дробь\n}\n"),
        ]);
        assert!(report.is_ok(), "{report}");
        assert_eq!(report.messages, 1);
        assert!(report.to_string().starts_with("ok: 2 locales"));
    }

    #[test]
    fn reports_each_kind_with_lines() {
        let report = check_files(&[
            file("en", "a.ftl", "a = A { $x }\nb = B\n    .label = L\n"),
            file("ru", "a.ftl", "a = А { $y }\nb = Б\nc = В { -brand }\nc = again\n"),
        ]);
        let kinds: Vec<_> = report.findings.iter().map(|f| (f.kind, f.line)).collect();
        assert!(kinds.contains(&(FindingKind::UnknownVariable, Some(1))), "{report}");
        assert!(kinds.contains(&(FindingKind::MissingAttribute, Some(2))), "{report}");
        assert!(kinds.contains(&(FindingKind::ExtraMessage, Some(3))), "{report}");
        assert!(kinds.contains(&(FindingKind::UnknownReference, Some(3))), "{report}");
        assert!(kinds.contains(&(FindingKind::DuplicateMessage, Some(4))), "{report}");
        assert!(!report.is_ok());
    }

    #[test]
    fn variable_line_matches_whole_names() {
        let text = "m = { $names }\n    and { $name }\n";
        assert_eq!(variable_line(text, 1, "name"), 2);
        assert_eq!(variable_line(text, 1, "names"), 1);
    }
}
