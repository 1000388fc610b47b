//! CLDR plural categories a locale distinguishes, as the plural rules Fluent itself uses
//! (`intl_pluralrules`) yield them, so the checker demands exactly what the runtime selects.

use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
use unic_langid::LanguageIdentifier;

/// The CLDR category names in CLDR order; these are the words used as Fluent variant keys.
pub const CATEGORY_NAMES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// The CLDR name of `category`.
#[must_use]
pub fn category_name(category: &PluralCategory) -> &'static str {
    match category {
        PluralCategory::ZERO => "zero",
        PluralCategory::ONE => "one",
        PluralCategory::TWO => "two",
        PluralCategory::FEW => "few",
        PluralCategory::MANY => "many",
        PluralCategory::OTHER => "other",
    }
}

/// The cardinal plural categories `lang` uses, in CLDR order (e.g. `ru`: one, few, many,
/// other; `he`: one, two, many, other with the CLDR 37 data Fluent ships; `sr`: one, few,
/// other). Found the way Fluent finds them: the nearest locale with rules, falling back to
/// English's rules, then probing integers and decimals. Probing instead of a table keeps this
/// in step with whatever rules a future `intl_pluralrules` brings.
#[must_use]
pub fn plural_categories(lang: &LanguageIdentifier) -> Vec<&'static str> {
    let Some(rules) = rules_for(lang) else {
        return vec!["one", "other"];
    };
    let mut seen = [false; CATEGORY_NAMES.len()];
    // Integers up to 1000 reach every integer category of every CLDR rule (they depend on
    // n % 10, n % 100 and small exact values); the decimals reach the fraction categories.
    let integers = (0_u32..=1000).map(|n| rules.select(n));
    let decimals = ["0.5", "1.5", "2.5", "0.1", "1.1", "2.1", "1.0", "5.25"].into_iter().map(|d| rules.select(d));
    for category in integers.chain(decimals).flatten() {
        let name = category_name(&category);
        let index = CATEGORY_NAMES.iter().position(|&n| n == name).unwrap_or(5);
        seen[index] = true;
    }
    CATEGORY_NAMES.iter().zip(seen).filter(|&(_, s)| s).map(|(&n, _)| n).collect()
}

/// The category `n` falls in for `lang` (`"other"` if the locale has no rules).
#[must_use]
pub fn plural_category(lang: &LanguageIdentifier, n: i64) -> &'static str {
    rules_for(lang).and_then(|rules| rules.select(n).ok()).map_or("other", |category| category_name(&category))
}

fn rules_for(lang: &LanguageIdentifier) -> Option<PluralRules> {
    let available = PluralRules::get_locales(PluralRuleType::CARDINAL);
    let english = crate::negotiate::fallback_language();
    let chosen = negotiate_languages(&[lang], &available, Some(&english), NegotiationStrategy::Lookup);
    PluralRules::create((*chosen.first()?).clone(), PluralRuleType::CARDINAL).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use unic_langid::langid;

    #[test]
    fn categories_of_the_shipped_locales() {
        assert_eq!(plural_categories(&langid!("en")), ["one", "other"]);
        assert_eq!(plural_categories(&langid!("ru")), ["one", "few", "many", "other"]);
        assert_eq!(plural_categories(&langid!("sr-Latn")), ["one", "few", "other"]);
        assert_eq!(plural_categories(&langid!("sr-Cyrl")), ["one", "few", "other"]);
        // CLDR 37, the data intl_pluralrules 7 carries, still has Hebrew `many` (20, 30, ...).
        assert_eq!(plural_categories(&langid!("he")), ["one", "two", "many", "other"]);
        assert_eq!(plural_categories(&langid!("ar")), ["zero", "one", "two", "few", "many", "other"]);
    }

    #[test]
    fn russian_and_hebrew_pick_the_cldr_category() {
        let ru = langid!("ru");
        assert_eq!(plural_category(&ru, 1), "one");
        assert_eq!(plural_category(&ru, 21), "one");
        assert_eq!(plural_category(&ru, 2), "few");
        assert_eq!(plural_category(&ru, 5), "many");
        assert_eq!(plural_category(&ru, 11), "many");
        let he = langid!("he");
        assert_eq!(plural_category(&he, 2), "two");
        assert_eq!(plural_category(&he, 20), "many");
        assert_eq!(plural_category(&he, 5), "other");
    }
}
