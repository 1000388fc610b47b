//! Where Fluent sources come from: the files embedded at build time, or a directory on disk
//! laid out as `<dir>/<lang>/<area>.ftl`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::I18nError;

/// One Fluent file compiled into the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedFile {
    /// Locale directory name, e.g. `ru` or `sr-Cyrl`.
    pub locale: &'static str,
    /// File name, e.g. `bot.ftl`.
    pub area: &'static str,
    /// The Fluent source.
    pub source: &'static str,
}

/// Every `i18n/locales/<lang>/<area>.ftl` compiled into this crate, sorted by locale then area;
/// for tools and tests that want the sources themselves.
#[must_use]
pub fn embedded_sources() -> &'static [EmbeddedFile] {
    EMBEDDED
}

/// Every `locales/<lang>/<area>.ftl` of this crate, sorted by locale then area.
static EMBEDDED: &[EmbeddedFile] = include!(concat!(env!("OUT_DIR"), "/embedded_locales.rs"));

/// The repository path the embedded files were read from; findings about them point there so a
/// translator can open the file that needs fixing.
pub(crate) const EMBEDDED_ROOT: &str = "i18n/locales";

/// One Fluent file of one locale, with its text.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    /// Directory name of the locale, e.g. `ru` or `sr-Cyrl`.
    pub(crate) locale: String,
    /// File name, e.g. `bot.ftl`; files of the same name are compared across locales.
    pub(crate) area: String,
    /// Where the file lives (or lived, for embedded files), for messages to people.
    pub(crate) path: PathBuf,
    /// The Fluent source.
    pub(crate) text: String,
}

/// The embedded locale files.
pub(crate) fn embedded_files() -> Vec<SourceFile> {
    EMBEDDED
        .iter()
        .map(|file| SourceFile {
            locale: file.locale.to_owned(),
            area: file.area.to_owned(),
            path: Path::new(EMBEDDED_ROOT).join(file.locale).join(file.area),
            text: file.source.to_owned(),
        })
        .collect()
}

/// Reads every `<dir>/<lang>/*.ftl`, sorted by locale then area. Other files and loose files
/// directly under `dir` are ignored, so a README next to the locales does no harm.
pub(crate) fn read_dir_files(dir: &Path) -> Result<Vec<SourceFile>, I18nError> {
    let io = |path: &Path, source: std::io::Error| I18nError::Io { path: path.to_path_buf(), source };
    let mut files = Vec::new();
    for lang in fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let lang = lang.map_err(|e| io(dir, e))?;
        let lang_path = lang.path();
        if !lang_path.is_dir() {
            continue;
        }
        let locale = lang.file_name().to_string_lossy().into_owned();
        for entry in fs::read_dir(&lang_path).map_err(|e| io(&lang_path, e))? {
            let path = entry.map_err(|e| io(&lang_path, e))?.path();
            if path.extension().is_none_or(|ext| ext != "ftl") || !path.is_file() {
                continue;
            }
            let text = fs::read_to_string(&path).map_err(|e| io(&path, e))?;
            let area = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            files.push(SourceFile { locale: locale.clone(), area, path, text });
        }
    }
    files.sort_by(|a, b| (&a.locale, &a.area).cmp(&(&b.locale, &b.area)));
    Ok(files)
}

/// Lays `overrides` over `base`: a file of the same locale and area replaces the base file
/// whole, any other file is added. This is how a translator's directory patches the built-in
/// locales without having to copy all of them.
pub(crate) fn overlay(mut base: Vec<SourceFile>, overrides: Vec<SourceFile>) -> Vec<SourceFile> {
    for file in overrides {
        match base.iter_mut().find(|b| b.locale == file.locale && b.area == file.area) {
            Some(existing) => *existing = file,
            None => base.push(file),
        }
    }
    base.sort_by(|a, b| (&a.locale, &a.area).cmp(&(&b.locale, &b.area)));
    base
}

/// 1-based line number of byte offset `pos` in `text`.
pub(crate) fn line_of(text: &str, pos: usize) -> usize {
    let end = pos.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// 1-based line where message or term `id` (`-name` for terms) is defined in `text`. Fluent
/// entries always start at column 0 with the id, so a line scan is exact without spans.
pub(crate) fn entry_line(text: &str, id: &str) -> Option<usize> {
    text.lines()
        .position(|line| line.strip_prefix(id).is_some_and(|rest| rest.trim_start().starts_with('=')))
        .map(|index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_are_one_based() {
        let text = "a = 1\nb = 2\nc = 3\n";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 6), 2);
        assert_eq!(line_of(text, text.find('c').unwrap()), 3);
        assert_eq!(line_of(text, 10_000), 4);
    }

    #[test]
    fn entry_lines_match_whole_ids() {
        let text = "# c\nwelcome-back = Hi\nwelcome = Hello\n    .title = T\n-brand = X\n";
        assert_eq!(entry_line(text, "welcome"), Some(3));
        assert_eq!(entry_line(text, "welcome-back"), Some(2));
        assert_eq!(entry_line(text, "-brand"), Some(5));
        assert_eq!(entry_line(text, "title"), None);
    }

    #[test]
    fn embedded_table_holds_english() {
        assert!(EMBEDDED.iter().any(|f| f.locale == "en" && f.area == "bot.ftl"));
    }

    #[test]
    fn overlay_replaces_same_file_and_adds_new() {
        let file = |locale: &str, area: &str, text: &str| SourceFile {
            locale: locale.into(),
            area: area.into(),
            path: PathBuf::from(format!("{locale}/{area}")),
            text: text.into(),
        };
        let merged = overlay(
            vec![file("en", "bot.ftl", "old"), file("ru", "bot.ftl", "ru")],
            vec![file("en", "bot.ftl", "new"), file("de", "bot.ftl", "de")],
        );
        let texts: Vec<_> = merged.iter().map(|f| (f.locale.as_str(), f.text.as_str())).collect();
        assert_eq!(texts, vec![("de", "de"), ("en", "new"), ("ru", "ru")]);
    }
}
