//! The outline of a Fluent file, as the checker compares it across locales: which messages and
//! attributes it defines, on which line, which variables each uses, which selectors it has and
//! what it references.

use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast::{
    CallArguments, Entry, Expression, InlineExpression, Pattern, PatternElement, Resource, VariantKey,
};

use crate::plural::CATEGORY_NAMES;
use crate::source::{entry_line, line_of};

/// A syntax error: 1-based line and Fluent's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

/// A select expression on a variable (`{ $count -> ... }` or `{ NUMBER($count) -> ... }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selector {
    pub(crate) variable: String,
    /// Identifier keys (`one`, `few`, `other`, ...); number keys like `[0]` are left out.
    pub(crate) keys: BTreeSet<String>,
    /// Key of the `*[...]` variant.
    pub(crate) default_key: String,
}

impl Selector {
    /// A selector whose keys include a CLDR category other than `other` is choosing by plural.
    pub(crate) fn names_plural_categories(&self) -> bool {
        self.keys.iter().any(|k| k != "other" && CATEGORY_NAMES.contains(&k.as_str()))
    }
}

/// One message (or term) of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MessageOutline {
    /// 1-based line of `id =`.
    pub(crate) line: usize,
    pub(crate) attributes: BTreeSet<String>,
    /// Variables (`$name`) used anywhere in the value or attributes.
    pub(crate) variables: BTreeSet<String>,
    pub(crate) selectors: Vec<Selector>,
    /// Messages (`other-id`) and terms (`-brand`) it references.
    pub(crate) references: BTreeSet<String>,
}

/// One parsed file.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileOutline {
    pub(crate) syntax_errors: Vec<SyntaxError>,
    /// Messages by id, in id order.
    pub(crate) messages: BTreeMap<String, MessageOutline>,
    /// Terms by id including the leading `-`.
    pub(crate) terms: BTreeMap<String, MessageOutline>,
    /// Ids defined more than once in this file, with the line of each repeat.
    pub(crate) duplicates: Vec<(String, usize)>,
}

/// Parses `text` and outlines it; a file with syntax errors is outlined as far as it parses, so
/// one typo does not hide every other finding.
pub(crate) fn outline(text: &str) -> FileOutline {
    let (resource, errors): (Resource<&str>, _) = match fluent_syntax::parser::parse(text) {
        Ok(resource) => (resource, Vec::new()),
        Err((resource, errors)) => (resource, errors),
    };
    let mut file = FileOutline {
        syntax_errors: errors
            .iter()
            .map(|e| SyntaxError {
                line: line_of(text, error_position(text, e.pos.start, e.slice.as_ref().map(|s| s.start))),
                message: e.to_string(),
            })
            .collect(),
        ..FileOutline::default()
    };
    let mut seen_lines: BTreeMap<String, usize> = BTreeMap::new();
    for entry in &resource.body {
        let (id, value, attributes, is_term) = match entry {
            Entry::Message(m) => (m.id.name.to_owned(), m.value.as_ref(), &m.attributes, false),
            Entry::Term(t) => (format!("-{}", t.id.name), Some(&t.value), &t.attributes, true),
            _ => continue,
        };
        let count = seen_lines.entry(id.clone()).or_insert(0);
        *count += 1;
        let line = nth_entry_line(text, &id, *count);
        let mut message = MessageOutline { line, ..MessageOutline::default() };
        if let Some(value) = value {
            walk_pattern(value, &mut message);
        }
        for attribute in attributes {
            message.attributes.insert(attribute.id.name.to_owned());
            walk_pattern(&attribute.value, &mut message);
        }
        let map = if is_term { &mut file.terms } else { &mut file.messages };
        match map.entry(id) {
            std::collections::btree_map::Entry::Occupied(first) => file.duplicates.push((first.key().clone(), line)),
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(message);
            }
        }
    }
    file
}

/// Where to point a translator for a parse error at `pos`. The parser often stops at the start
/// of the line after the mistake (an unclosed `{` is noticed at the next line), so when only
/// whitespace precedes `pos` on its line, point at the last text before it within the broken
/// entry (`entry_start`) instead.
fn error_position(text: &str, pos: usize, entry_start: Option<usize>) -> usize {
    let pos = pos.min(text.len());
    let Some(entry_start) = entry_start.filter(|&start| start < pos) else {
        return pos;
    };
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..pos].trim().is_empty() {
        return pos;
    }
    text[entry_start..pos].trim_end().len() + entry_start - 1
}

/// Line of the `n`th (1-based) definition of `id`; repeats are what the duplicate check needs.
fn nth_entry_line(text: &str, id: &str, n: usize) -> usize {
    if n <= 1 {
        return entry_line(text, id).unwrap_or(1);
    }
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.strip_prefix(id).is_some_and(|rest| rest.trim_start().starts_with('=')))
        .nth(n - 1)
        .map_or(1, |(index, _)| index + 1)
}

fn walk_pattern(pattern: &Pattern<&str>, out: &mut MessageOutline) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            walk_expression(expression, out);
        }
    }
}

fn walk_expression(expression: &Expression<&str>, out: &mut MessageOutline) {
    match expression {
        Expression::Inline(inline) => walk_inline(inline, out),
        Expression::Select { selector, variants } => {
            walk_inline(selector, out);
            if let Some(variable) = selector_variable(selector) {
                let key_name = |key: &VariantKey<&str>| match key {
                    VariantKey::Identifier { name } => Some((*name).to_owned()),
                    VariantKey::NumberLiteral { .. } => None,
                };
                out.selectors.push(Selector {
                    variable,
                    keys: variants.iter().filter_map(|v| key_name(&v.key)).collect(),
                    default_key: variants
                        .iter()
                        .find(|v| v.default)
                        .map(|v| match &v.key {
                            VariantKey::Identifier { name } | VariantKey::NumberLiteral { value: name } => {
                                (*name).to_owned()
                            }
                        })
                        .unwrap_or_default(),
                });
            }
            for variant in variants {
                walk_pattern(&variant.value, out);
            }
        }
    }
}

/// The variable a selector chooses on: `$n` itself or the first argument of `NUMBER($n)`.
fn selector_variable(selector: &InlineExpression<&str>) -> Option<String> {
    match selector {
        InlineExpression::VariableReference { id } => Some(id.name.to_owned()),
        InlineExpression::FunctionReference { arguments, .. } => {
            arguments.positional.first().and_then(selector_variable)
        }
        _ => None,
    }
}

fn walk_inline(inline: &InlineExpression<&str>, out: &mut MessageOutline) {
    match inline {
        InlineExpression::VariableReference { id } => {
            out.variables.insert(id.name.to_owned());
        }
        InlineExpression::FunctionReference { arguments, .. } => walk_arguments(arguments, out),
        InlineExpression::MessageReference { id, .. } => {
            out.references.insert(id.name.to_owned());
        }
        InlineExpression::TermReference { id, arguments, .. } => {
            out.references.insert(format!("-{}", id.name));
            if let Some(arguments) = arguments {
                walk_arguments(arguments, out);
            }
        }
        InlineExpression::Placeable { expression } => walk_expression(expression, out),
        InlineExpression::StringLiteral { .. } | InlineExpression::NumberLiteral { .. } => {}
    }
}

fn walk_arguments(arguments: &CallArguments<&str>, out: &mut MessageOutline) {
    for argument in &arguments.positional {
        walk_inline(argument, out);
    }
    for argument in &arguments.named {
        walk_inline(&argument.value, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "\
-brand = Regulars
hello = Hi { $name }, welcome to { -brand }!
    .title = { $count ->
        [one] One stamp
       *[other] { $count } stamps
    }
points = { NUMBER($points) ->
    [0] none
    [one] one
    [few] few
   *[many] many
 }
hello = again
";

    #[test]
    fn outlines_messages_variables_and_selectors() {
        let file = outline(SOURCE);
        assert!(file.syntax_errors.is_empty(), "{:?}", file.syntax_errors);
        let hello = &file.messages["hello"];
        assert_eq!(hello.line, 2);
        assert_eq!(hello.variables, BTreeSet::from(["name".to_owned(), "count".to_owned()]));
        assert_eq!(hello.attributes, BTreeSet::from(["title".to_owned()]));
        assert_eq!(hello.references, BTreeSet::from(["-brand".to_owned()]));
        assert_eq!(hello.selectors[0].variable, "count");
        let points = &file.messages["points"];
        assert_eq!(points.line, 7);
        assert_eq!(points.selectors[0].keys, BTreeSet::from(["one".into(), "few".into(), "many".into()]));
        assert_eq!(points.selectors[0].default_key, "many");
        assert!(points.selectors[0].names_plural_categories());
        assert_eq!(file.duplicates, vec![("hello".to_owned(), 13)]);
        assert!(file.terms.contains_key("-brand"));
    }

    #[test]
    fn syntax_errors_carry_lines() {
        let file = outline("ok = fine\nbroken = { $x\nafter = still parsed\n");
        assert_eq!(file.syntax_errors.len(), 1);
        assert_eq!(file.syntax_errors[0].line, 2);
        assert!(file.messages.contains_key("after"));
    }
}
