//! Numbers and money in a locale's style: `1,234.50` (en, he), `1 234,50` (ru, no-break
//! space), `1.234,50` (sr). Fluent's own number output has no grouping; the bundles route every
//! number through the same code, so `{ $points }` reads naturally too.

use unic_langid::LanguageIdentifier;

use crate::convention::Convention;

/// Formats an integer with the locale's grouping, e.g. `12 345` in Russian.
#[must_use]
pub fn format_integer(lang: &LanguageIdentifier, n: i64) -> String {
    localize_number_text(Convention::of(lang), &n.to_string(), true)
}

/// Formats `minor` units of `currency` (ISO 4217, e.g. `RSD`, `ILS`) the way the locale
/// writes prices: `1.234,50 RSD` (sr), `1 234,50 ₽` (ru), `1,234.50 ₪` (he), `$1,234.50` (en).
/// The number of decimals comes from the currency (2 for most, 0 for JPY, 3 for KWD).
#[must_use]
pub fn format_money(lang: &LanguageIdentifier, minor: i64, currency: &str) -> String {
    let convention = Convention::of(lang);
    let currency = currency.trim().to_ascii_uppercase();
    let exponent = currency_exponent(&currency);
    let amount = localize_number_text(convention, &minor_units_text(minor, exponent), true);
    let symbol = currency_symbol(convention, &currency);
    let (sign, digits) = match amount.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", amount.as_str()),
    };
    match convention {
        // English puts a symbol right before the digits and a bare code before, spaced.
        Convention::English | Convention::Neutral => match symbol {
            Some(symbol) => format!("{sign}{symbol}{digits}"),
            None => format!("{sign}{currency}\u{A0}{digits}"),
        },
        // The others write the currency after the amount, joined by a no-break space.
        Convention::Russian | Convention::Hebrew | Convention::SerbianLatin | Convention::SerbianCyrillic => {
            format!("{sign}{digits}\u{A0}{}", symbol.unwrap_or(&currency))
        }
    }
}

/// Decimal places of an ISO 4217 currency: the ISO minor-unit exponent.
#[must_use]
pub fn currency_exponent(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" | "PYG" => 0,
        "KWD" | "BHD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
        _ => 2,
    }
}

/// The symbol a locale writes for a currency, or `None` where it writes the code (RSD in
/// every locale, as CLDR has it).
fn currency_symbol(convention: Convention, currency: &str) -> Option<&'static str> {
    match (convention, currency) {
        (_, "EUR") => Some("€"),
        (_, "ILS") => Some("₪"),
        (_, "GBP") => Some("£"),
        (Convention::Russian, "RUB") => Some("₽"),
        (Convention::English | Convention::Neutral | Convention::Hebrew | Convention::Russian, "USD") => Some("$"),
        (Convention::SerbianLatin | Convention::SerbianCyrillic, "USD") => Some("US$"),
        (Convention::English | Convention::Neutral, "JPY") => Some("¥"),
        _ => None,
    }
}

/// `minor` as a plain decimal string with `exponent` fraction digits: (123450, 2) -> "1234.50".
fn minor_units_text(minor: i64, exponent: u32) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let divisor = 10_u64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let width = exponent as usize;
    format!("{sign}{}.{:0width$}", abs / divisor, abs % divisor)
}

/// Rewrites a plain number text (`-1234.5`, as Rust and Fluent print numbers) with the
/// convention's separators, grouping the integer part by thousands if `grouping`. Text that is
/// not a plain number (`NaN`, `inf`, exponents) is returned unchanged.
pub(crate) fn localize_number_text(convention: Convention, text: &str, grouping: bool) -> String {
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(integer) || fraction.is_some_and(|f| !all_digits(f)) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 4);
    out.push_str(sign);
    let len = integer.len();
    for (i, digit) in integer.chars().enumerate() {
        if grouping && i > 0 && (len - i) % 3 == 0 {
            out.push_str(convention.group_separator());
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push_str(convention.decimal_separator());
        out.push_str(fraction);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use unic_langid::langid;

    #[test]
    fn money_in_each_locale_style() {
        assert_eq!(format_money(&langid!("sr-Latn"), 123_450, "RSD"), "1.234,50\u{A0}RSD");
        assert_eq!(format_money(&langid!("sr-Cyrl"), 123_450, "rsd"), "1.234,50\u{A0}RSD");
        assert_eq!(format_money(&langid!("ru"), 123_450, "RUB"), "1\u{A0}234,50\u{A0}₽");
        assert_eq!(format_money(&langid!("he"), 123_450, "ILS"), "1,234.50\u{A0}₪");
        assert_eq!(format_money(&langid!("en"), 123_450, "USD"), "$1,234.50");
        assert_eq!(format_money(&langid!("en"), 123_450, "RSD"), "RSD\u{A0}1,234.50");
        assert_eq!(format_money(&langid!("en"), -5, "EUR"), "-€0.05");
        assert_eq!(format_money(&langid!("en"), 1500, "JPY"), "¥1,500");
        assert_eq!(format_money(&langid!("ru"), -1_000_000, "EUR"), "-10\u{A0}000,00\u{A0}€");
    }

    #[test]
    fn integers_are_grouped() {
        assert_eq!(format_integer(&langid!("en"), 1_234_567), "1,234,567");
        assert_eq!(format_integer(&langid!("ru"), 1234), "1\u{A0}234");
        assert_eq!(format_integer(&langid!("sr-Latn"), -1234), "-1.234");
        assert_eq!(format_integer(&langid!("he"), 999), "999");
        assert_eq!(format_integer(&langid!("de"), i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn non_numbers_pass_through() {
        assert_eq!(localize_number_text(Convention::Russian, "NaN", true), "NaN");
        assert_eq!(localize_number_text(Convention::Russian, "1e21", true), "1e21");
        assert_eq!(localize_number_text(Convention::Russian, "1234.5", false), "1234,5");
    }
}
