//! Figures as people read them: numbers, money, shares, changes and dates in the viewer's
//! language, times in the cafe's timezone.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use regulars_i18n::{LanguageIdentifier, format_date, format_integer, format_money, format_time};

/// An integer with the locale's grouping.
#[must_use]
pub fn integer(lang: &LanguageIdentifier, n: i64) -> String {
    format_integer(lang, n)
}

/// An amount of money.
#[must_use]
pub fn money(lang: &LanguageIdentifier, minor: i64, currency: &str) -> String {
    format_money(lang, minor, currency)
}

/// `part` of `whole` as a whole percentage (`42%`); a dash when `whole` is 0.
#[must_use]
pub fn share(lang: &LanguageIdentifier, part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "–".to_owned();
    }
    let percent = (part * 1000 / whole + 5) / 10;
    percent_text(lang, percent)
}

fn percent_text(lang: &LanguageIdentifier, percent: i64) -> String {
    // Russian and Serbian write a space before the sign (CLDR); a no-break one keeps it.
    match lang.language.as_str() {
        "ru" | "sr" => format!("{}\u{a0}%", format_integer(lang, percent)),
        _ => format!("{}%", format_integer(lang, percent)),
    }
}

/// How a figure moved against the previous period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `+12%`, `−3%`, or empty when there is nothing to compare with.
    pub text: String,
    /// `up`, `down` or `flat`: the CSS class.
    pub direction: &'static str,
}

/// The change from `before` to `now` in whole percent.
#[must_use]
pub fn change(lang: &LanguageIdentifier, now: i64, before: i64) -> Change {
    if before == 0 {
        let direction = if now > 0 { "up" } else { "flat" };
        return Change { text: String::new(), direction };
    }
    let percent = ((now - before) * 100).div_euclid(before.abs());
    let direction = match percent {
        p if p > 0 => "up",
        p if p < 0 => "down",
        _ => "flat",
    };
    let sign = if percent > 0 {
        "+"
    } else if percent < 0 {
        "\u{2212}"
    } else {
        ""
    };
    Change { text: format!("{sign}{}", percent_text(lang, percent.abs())), direction }
}

/// The local calendar day of `at` at a cafe in `tz`.
#[must_use]
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// A date spelled out (`December 3, 2026`).
#[must_use]
pub fn date(lang: &LanguageIdentifier, day: NaiveDate) -> String {
    format_date(lang, day)
}

/// A short day label for charts: `12/3` in English, `3.12.` elsewhere.
#[must_use]
pub fn short_day(lang: &LanguageIdentifier, day: NaiveDate) -> String {
    match lang.language.as_str() {
        "en" => format!("{}/{}", day.month(), day.day()),
        _ => format!("{}.{}.", day.day(), day.month()),
    }
}

/// A month for charts and grids: `12/2026` in English, `12.2026.` elsewhere.
#[must_use]
pub fn short_month(lang: &LanguageIdentifier, first_day: NaiveDate) -> String {
    match lang.language.as_str() {
        "en" => format!("{}/{}", first_day.month(), first_day.year()),
        _ => format!("{:02}.{}.", first_day.month(), first_day.year()),
    }
}

/// The locale's decimal separator.
#[must_use]
pub fn decimal_separator(lang: &LanguageIdentifier) -> char {
    match lang.language.as_str() {
        "ru" | "sr" => ',',
        _ => '.',
    }
}

/// A moment in the cafe's timezone: date and time of day.
#[must_use]
pub fn moment(lang: &LanguageIdentifier, at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    format!("{} {}", format_date(lang, local.date_naive()), format_time(lang, local.time()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(tag: &str) -> LanguageIdentifier {
        tag.parse().unwrap()
    }

    #[test]
    fn shares_and_changes_read_naturally() {
        assert_eq!(share(&lang("en"), 1, 3), "33%");
        assert_eq!(share(&lang("ru"), 2, 3), "67\u{a0}%");
        assert_eq!(share(&lang("en"), 1, 0), "–");
        assert_eq!(change(&lang("en"), 120, 100), Change { text: "+20%".into(), direction: "up" });
        assert_eq!(change(&lang("en"), 75, 100), Change { text: "\u{2212}25%".into(), direction: "down" });
        assert_eq!(change(&lang("en"), 5, 0).text, "");
    }

    #[test]
    fn days_follow_the_cafe() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T23:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(local_day(at, chrono_tz::Europe::Belgrade), NaiveDate::from_ymd_opt(2026, 12, 4).unwrap());
        assert_eq!(short_day(&lang("en"), NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()), "12/4");
        assert_eq!(short_day(&lang("sr-Latn"), NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()), "4.12.");
    }
}
