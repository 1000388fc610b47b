//! The [`Localizer`]: every locale's Fluent bundle, message formatting with per-message
//! fallback, and hot reload of a translator's override directory.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::memoizer::MemoizerKind;
use fluent_bundle::{FluentArgs, FluentError, FluentResource, FluentValue};
use intl_memoizer::Memoizable;
use unic_langid::LanguageIdentifier;

use crate::bilingual::compose_bilingual;
use crate::convention::Convention;
use crate::error::I18nError;
use crate::negotiate::{fallback_language, negotiate_among, parse_language};
use crate::numbers::localize_number_text;
use crate::outline::outline;
use crate::source::{SourceFile, embedded_files, entry_line, overlay, read_dir_files};

type Bundle = FluentBundle<FluentResource>;

/// Where a [`Localizer`] reads its Fluent files from; kept so [`Localizer::reload`] reads the
/// same place again.
#[derive(Debug, Clone)]
enum Origin {
    Embedded,
    /// Embedded files with a directory's files laid over them.
    Overlay(PathBuf),
    /// Only the directory.
    Directory(PathBuf),
}

/// All loaded bundles, swapped whole on reload so a reader never sees a half-loaded state.
struct Catalog {
    bundles: BTreeMap<String, (LanguageIdentifier, Bundle)>,
    languages: Vec<LanguageIdentifier>,
}

/// Formats messages in every loaded locale. Cheap to share (`Arc<Localizer>`): formatting takes
/// a read lock only long enough to clone an `Arc`.
///
/// Message lookup falls back per message, so a locale that lacks one new message still speaks
/// its language everywhere else: the requested locale, then the chain default (with
/// [`Localizer::format_for_chain`]), then English, then the message id itself (logged with
/// `tracing::warn!`). Formatting never panics and never fails.
pub struct Localizer {
    origin: Origin,
    catalog: RwLock<Arc<Catalog>>,
}

impl std::fmt::Debug for Localizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Localizer").field("origin", &self.origin).field("languages", &self.languages()).finish()
    }
}

impl Localizer {
    /// The locales compiled into the binary; needs no files at run time.
    ///
    /// # Errors
    /// Only if an embedded file is broken, which the crate's tests rule out.
    pub fn embedded() -> Result<Self, I18nError> {
        Self::load(Origin::Embedded)
    }

    /// The embedded locales with every `<dir>/<lang>/<area>.ftl` laid over them: a file replaces
    /// the embedded file of the same locale and area, a new locale directory adds a locale.
    /// [`Localizer::reload`] re-reads `dir`, so translators see edits without a rebuild.
    ///
    /// # Errors
    /// If `dir` cannot be read or a file in it is broken.
    pub fn with_overrides(dir: impl Into<PathBuf>) -> Result<Self, I18nError> {
        Self::load(Origin::Overlay(dir.into()))
    }

    /// Only the locales in `dir` (laid out as `<dir>/<lang>/<area>.ftl`), nothing embedded.
    ///
    /// # Errors
    /// If `dir` cannot be read or a file in it is broken.
    pub fn from_dir(dir: impl Into<PathBuf>) -> Result<Self, I18nError> {
        Self::load(Origin::Directory(dir.into()))
    }

    /// Reads the sources again and swaps them in. On error the previous catalog stays in
    /// service, so a translator's typo never takes the bot's texts down.
    ///
    /// # Errors
    /// If the sources cannot be read or are broken; run the checker for every finding.
    pub fn reload(&self) -> Result<(), I18nError> {
        let catalog = build_catalog(read_origin(&self.origin)?)?;
        *self.catalog.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(catalog);
        tracing::info!(origin = ?self.origin, "reloaded Fluent locales");
        Ok(())
    }

    fn load(origin: Origin) -> Result<Self, I18nError> {
        let catalog = build_catalog(read_origin(&origin)?)?;
        Ok(Self { origin, catalog: RwLock::new(Arc::new(catalog)) })
    }

    fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.catalog.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The loaded locales, sorted by tag (`en`, `he`, `ru`, `sr-Cyrl`, `sr-Latn` built in).
    #[must_use]
    pub fn languages(&self) -> Vec<LanguageIdentifier> {
        self.catalog().languages.clone()
    }

    /// The guest's language among the loaded locales: `guest_choice` (what they picked in the
    /// bot), else `messenger_code` (`ru-RU`, `sr-Latn-RS`, the old Hebrew `iw`, ...), else
    /// `chain_default`, else English. See [`crate::negotiate`] for the matching rules.
    #[must_use]
    pub fn negotiate(
        &self,
        guest_choice: Option<&str>,
        messenger_code: Option<&str>,
        chain_default: &str,
    ) -> LanguageIdentifier {
        negotiate_among(&self.catalog().languages, guest_choice, messenger_code, chain_default)
    }

    /// Formats message `id` (or `id.attribute`) in `lang`, falling back to English for a
    /// message `lang` lacks, and to `id` itself if English lacks it too.
    #[must_use]
    pub fn format(&self, lang: &LanguageIdentifier, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        self.format_in(&[lang], id, args)
    }

    /// Like [`Localizer::format`], but falls back to the chain's default language before
    /// English: a Serbian chain's Russian guest sees Serbian for a message not yet translated to
    /// Russian, which the staff at that cafe can at least explain.
    #[must_use]
    pub fn format_for_chain(
        &self,
        lang: &LanguageIdentifier,
        chain_default: &LanguageIdentifier,
        id: &str,
        args: Option<&FluentArgs<'_>>,
    ) -> String {
        self.format_in(&[lang, chain_default], id, args)
    }

    fn format_in(&self, preferred: &[&LanguageIdentifier], id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let catalog = self.catalog();
        let english = fallback_language();
        for lang in preferred.iter().copied().chain([&english]) {
            match catalog.resolve(lang, id, args) {
                Ok(text) => return text,
                Err(I18nError::Format { output, errors, locale, .. }) => {
                    // The text is still usable (Fluent writes `{$name}` for a missing
                    // variable); falling back would not fix missing arguments.
                    tracing::warn!(%locale, id, ?errors, "Fluent reported errors while formatting");
                    return output;
                }
                Err(_) => {}
            }
        }
        tracing::warn!(id, preferred = ?preferred.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "message missing in every fallback locale; showing its id");
        id.to_owned()
    }

    /// Formats `id` in exactly the locale that best matches `lang`, without fallback, and
    /// reports every problem: for tests, previews in the portal and the checker's users.
    ///
    /// # Errors
    /// [`I18nError::MissingMessage`] if the locale lacks the message or no loaded locale matches
    /// `lang`; [`I18nError::Format`] if Fluent reported errors (e.g. a variable not passed).
    pub fn try_format(
        &self,
        lang: &LanguageIdentifier,
        id: &str,
        args: Option<&FluentArgs<'_>>,
    ) -> Result<String, I18nError> {
        self.catalog().resolve(lang, id, args)
    }

    /// Whether the locale matching `lang` has message `id` (or `id.attribute`) itself.
    #[must_use]
    pub fn has_message(&self, lang: &LanguageIdentifier, id: &str) -> bool {
        matches!(self.try_format(lang, id, None), Ok(_) | Err(I18nError::Format { .. }))
    }

    /// Formats `id` in two languages and composes one message of both, each block in its own
    /// direction, with a divider between (see [`crate::bilingual`]).
    #[must_use]
    pub fn format_bilingual(
        &self,
        first: &LanguageIdentifier,
        second: &LanguageIdentifier,
        id: &str,
        args: Option<&FluentArgs<'_>>,
    ) -> String {
        compose_bilingual(first, &self.format(first, id, args), second, &self.format(second, id, args))
    }
}

impl Catalog {
    /// The bundle for `lang`: the exact tag, else the nearest loaded locale (`ru-RU` -> `ru`).
    fn bundle(&self, lang: &LanguageIdentifier) -> Option<&Bundle> {
        if let Some((_, bundle)) = self.bundles.get(&lang.to_string()) {
            return Some(bundle);
        }
        let matched = crate::negotiate::best_match(&lang.to_string(), &self.languages)?;
        self.bundles.get(&matched.to_string()).map(|(_, bundle)| bundle)
    }

    fn resolve(&self, lang: &LanguageIdentifier, id: &str, args: Option<&FluentArgs<'_>>) -> Result<String, I18nError> {
        let missing = || I18nError::MissingMessage { locale: lang.to_string(), id: id.to_owned() };
        let bundle = self.bundle(lang).ok_or_else(missing)?;
        let (message_id, attribute) = match id.split_once('.') {
            Some((message, attribute)) => (message, Some(attribute)),
            None => (id, None),
        };
        let message = bundle.get_message(message_id).ok_or_else(missing)?;
        let pattern = match attribute {
            Some(attribute) => message.get_attribute(attribute).map(|a| a.value()),
            None => message.value(),
        }
        .ok_or_else(missing)?;
        let mut errors = Vec::new();
        let output = bundle.format_pattern(pattern, args, &mut errors).into_owned();
        if errors.is_empty() {
            Ok(output)
        } else {
            Err(I18nError::Format {
                locale: lang.to_string(),
                id: id.to_owned(),
                errors: errors.iter().map(ToString::to_string).collect(),
                output,
            })
        }
    }
}

fn read_origin(origin: &Origin) -> Result<Vec<SourceFile>, I18nError> {
    match origin {
        Origin::Embedded => Ok(embedded_files()),
        Origin::Overlay(dir) => Ok(overlay(embedded_files(), read_dir_files(dir)?)),
        Origin::Directory(dir) => read_dir_files(dir),
    }
}

fn build_catalog(files: Vec<SourceFile>) -> Result<Catalog, I18nError> {
    let mut bundles: BTreeMap<String, (LanguageIdentifier, Bundle)> = BTreeMap::new();
    for file in files {
        let lang = parse_locale_dir(&file.locale)?;
        let (_, bundle) = bundles.entry(lang.to_string()).or_insert_with(|| (lang.clone(), new_bundle(lang)));
        add_file(bundle, file)?;
    }
    let languages = bundles.values().map(|(lang, _)| lang.clone()).collect();
    Ok(Catalog { bundles, languages })
}

/// A locale directory name as a tag. Unlike messenger codes, directory names are taken
/// literally (no `sr` -> `sr-Latn` guess): the name is what the translator chose.
pub(crate) fn parse_locale_dir(name: &str) -> Result<LanguageIdentifier, I18nError> {
    let invalid = || I18nError::InvalidLocale { name: name.to_owned() };
    let lang: LanguageIdentifier = name.parse().map_err(|_| invalid())?;
    if parse_language(name).is_none() {
        return Err(invalid());
    }
    Ok(lang)
}

fn new_bundle(lang: LanguageIdentifier) -> Bundle {
    let mut bundle = Bundle::new_concurrent(vec![lang]);
    // Isolation marks (U+2068..U+2069) around every placeable keep a Latin name or a number
    // from flipping the surrounding Hebrew; it is Fluent's default and must stay on.
    bundle.set_use_isolating(true);
    bundle.set_formatter(Some(localize_value));
    // NUMBER() only; registering it twice is the only failure and this bundle is new.
    bundle.add_builtins().ok();
    bundle
}

fn add_file(bundle: &mut Bundle, file: SourceFile) -> Result<(), I18nError> {
    let SourceFile { path, text, .. } = file;
    let resource = match FluentResource::try_new(text) {
        Ok(resource) => resource,
        Err((resource, _)) => {
            // The checker's outline places the error on the line a translator must fix.
            let outlined = outline(resource.source());
            let first = outlined.syntax_errors.first();
            return Err(I18nError::InvalidSource {
                line: first.map_or(1, |e| e.line),
                message: first.map_or_else(String::new, |e| e.message.clone()),
                path,
            });
        }
    };
    let source = resource.source().to_owned();
    bundle.add_resource(resource).map_err(|errors| {
        let first = errors.first();
        let line = match first {
            Some(FluentError::Overriding { id, .. }) => entry_line(&source, id).unwrap_or(1),
            _ => 1,
        };
        I18nError::InvalidSource { path, line, message: first.map_or_else(String::new, ToString::to_string) }
    })
}

/// A bundle's number conventions, memoized per bundle by Fluent's intl memoizer, which is the
/// only place a formatter callback can learn the bundle's language.
struct NumberConvention(Convention);

impl Memoizable for NumberConvention {
    type Args = ();
    type Error = std::convert::Infallible;

    fn construct(lang: LanguageIdentifier, (): Self::Args) -> Result<Self, Self::Error> {
        Ok(Self(Convention::of(&lang)))
    }
}

/// Fluent's formatter hook: numbers in the bundle's local style, everything else as Fluent
/// writes it.
fn localize_value<M: MemoizerKind>(value: &FluentValue<'_>, memoizer: &M) -> Option<String> {
    let FluentValue::Number(number) = value else {
        return None;
    };
    memoizer
        .with_try_get_threadsafe::<NumberConvention, _, _>((), |convention| {
            localize_number_text(convention.0, &number.as_string(), number.options.use_grouping)
        })
        .ok()
}
