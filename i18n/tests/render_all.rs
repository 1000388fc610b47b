//! Every locale renders every message without a Fluent error, for the representative numbers
//! 0, 1, 2, 5, 11, 21, 100 (they hit every CLDR category of the shipped locales). The messages
//! and the variables each takes are read from the English sources, so a message added later is
//! covered without touching this test.

use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast::{CallArguments, Entry, Expression, InlineExpression, Pattern, PatternElement};
use regulars_i18n::{FluentArgs, LanguageIdentifier, Localizer, embedded_sources, plural};

const NUMBERS: [i64; 7] = [0, 1, 2, 5, 11, 21, 100];

/// Message id (`id` or `id.attribute`) -> variables it uses, from every English file.
fn english_messages() -> BTreeMap<String, BTreeSet<String>> {
    let mut messages = BTreeMap::new();
    for file in embedded_sources().iter().filter(|f| f.locale == "en") {
        let resource = fluent_syntax::parser::parse(file.source).expect("English parses");
        for entry in &resource.body {
            let Entry::Message(message) = entry else { continue };
            let mut variables = BTreeSet::new();
            if let Some(value) = &message.value {
                collect_pattern(value, &mut variables);
                messages.insert(message.id.name.to_owned(), variables.clone());
            }
            for attribute in &message.attributes {
                let mut attribute_variables = BTreeSet::new();
                collect_pattern(&attribute.value, &mut attribute_variables);
                messages.insert(format!("{}.{}", message.id.name, attribute.id.name), attribute_variables);
            }
        }
    }
    messages
}

fn collect_pattern(pattern: &Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            collect_expression(expression, out);
        }
    }
}

fn collect_expression(expression: &Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        Expression::Inline(inline) => collect_inline(inline, out),
        Expression::Select { selector, variants } => {
            collect_inline(selector, out);
            for variant in variants {
                collect_pattern(&variant.value, out);
            }
        }
    }
}

fn collect_inline(inline: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        InlineExpression::FunctionReference { arguments, .. } => collect_arguments(arguments, out),
        InlineExpression::TermReference { arguments: Some(arguments), .. } => collect_arguments(arguments, out),
        InlineExpression::Placeable { expression } => collect_expression(expression, out),
        _ => {}
    }
}

fn collect_arguments(arguments: &CallArguments<&str>, out: &mut BTreeSet<String>) {
    for argument in &arguments.positional {
        collect_inline(argument, out);
    }
    for argument in &arguments.named {
        collect_inline(&argument.value, out);
    }
}

#[test]
fn every_locale_renders_every_message() {
    let i18n = Localizer::embedded().expect("embedded locales load");
    let messages = english_messages();
    assert!(messages.len() > 100, "expected the full catalog, found {}", messages.len());
    let languages = i18n.languages();
    assert_eq!(languages.len(), 5, "{languages:?}");

    let mut failures = Vec::new();
    let mut rendered = 0_usize;
    for lang in &languages {
        for (id, variables) in &messages {
            for n in NUMBERS {
                let mut args = FluentArgs::new();
                for variable in variables {
                    args.set(variable.clone(), n);
                }
                match i18n.try_format(lang, id, Some(&args)) {
                    Ok(text) if text.trim().is_empty() => failures.push(format!("{lang} {id} n={n}: empty")),
                    Ok(text) if text.contains("{$") || text.contains("{ $") => {
                        failures.push(format!("{lang} {id} n={n}: unresolved placeholder in {text:?}"));
                    }
                    Ok(_) => rendered += 1,
                    Err(error) => failures.push(format!("{lang} {id} n={n}: {error}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(rendered, languages.len() * messages.len() * NUMBERS.len());
}

#[test]
fn strings_render_too() {
    // Names and formatted prices arrive as strings; a selector on them must fall to its default.
    let i18n = Localizer::embedded().unwrap();
    for lang in i18n.languages() {
        for (id, variables) in english_messages() {
            let mut args = FluentArgs::new();
            for variable in &variables {
                args.set(variable.clone(), "Ana");
            }
            if let Err(error) = i18n.try_format(&lang, &id, Some(&args)) {
                panic!("{lang} {id}: {error}");
            }
        }
    }
}

/// Numbers in the same CLDR category get the same wording (so the selector really selects by
/// category), and the word forms are the ones each language needs.
#[test]
fn plural_forms_follow_cldr_categories() {
    let i18n = Localizer::embedded().unwrap();
    let render = |lang: &LanguageIdentifier, n: i64| {
        let mut args = FluentArgs::new();
        args.set("balance", n);
        i18n.try_format(lang, "staff-guest-balance", Some(&args)).unwrap().replace(&n.to_string(), "N")
    };
    for lang in i18n.languages() {
        let mut by_category: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for n in [1, 2, 3, 5, 11, 20, 21, 22, 25, 100, 101, 102, 111] {
            by_category.entry(plural::plural_category(&lang, n)).or_default().insert(render(&lang, n));
        }
        for (category, texts) in &by_category {
            assert_eq!(texts.len(), 1, "{lang}: numbers in [{category}] render differently: {texts:?}");
        }
    }
    let (ru, sr, he): (LanguageIdentifier, LanguageIdentifier, LanguageIdentifier) =
        ("ru".parse().unwrap(), "sr-Latn".parse().unwrap(), "he".parse().unwrap());
    assert!(render(&ru, 21).ends_with("N\u{2069} балл"), "{}", render(&ru, 21));
    assert!(render(&ru, 3).ends_with("N\u{2069} балла"), "{}", render(&ru, 3));
    assert!(render(&ru, 11).ends_with("N\u{2069} баллов"), "{}", render(&ru, 11));
    assert!(render(&sr, 21).ends_with("N\u{2069} poen"), "{}", render(&sr, 21));
    assert!(render(&sr, 22).ends_with("N\u{2069} poena"), "{}", render(&sr, 22));
    assert!(render(&he, 2).contains("שתי נקודות"), "{}", render(&he, 2));
    assert_ne!(render(&he, 20), render(&he, 2));
}
