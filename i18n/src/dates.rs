//! Dates and times in a locale's style: `November 22, 2026` (en), `22 ноября 2026 г.` (ru),
//! `22 בנובמבר 2026` (he), `22. novembar 2026.` (sr-Latn), `22. новембар 2026.` (sr-Cyrl).
//! Other languages get ISO 8601 (`2026-11-22`), unambiguous in every culture.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use unic_langid::LanguageIdentifier;

use crate::convention::Convention;

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
// Russian dates take the genitive: "22 ноября", not "22 ноябрь".
const RU_MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const HE_MONTHS: [&str; 12] =
    ["ינואר", "פברואר", "מרץ", "אפריל", "מאי", "יוני", "יולי", "אוגוסט", "ספטמבר", "אוקטובר", "נובמבר", "דצמבר"];
const SR_LATN_MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "mart",
    "april",
    "maj",
    "jun",
    "jul",
    "avgust",
    "septembar",
    "oktobar",
    "novembar",
    "decembar",
];
const SR_CYRL_MONTHS: [&str; 12] = [
    "јануар",
    "фебруар",
    "март",
    "април",
    "мај",
    "јун",
    "јул",
    "август",
    "септембар",
    "октобар",
    "новембар",
    "децембар",
];

/// Formats a calendar date with the month spelled out, in the locale's order.
#[must_use]
pub fn format_date(lang: &LanguageIdentifier, date: NaiveDate) -> String {
    let (day, year) = (date.day(), date.year());
    let month = date.month0() as usize;
    match Convention::of(lang) {
        Convention::English => format!("{} {day}, {year}", EN_MONTHS[month]),
        Convention::Russian => format!("{day} {} {year}\u{A0}г.", RU_MONTHS[month]),
        // The ב prefix ("in") is how Hebrew writes a date: 22 בנובמבר.
        Convention::Hebrew => format!("{day} ב{} {year}", HE_MONTHS[month]),
        Convention::SerbianLatin => format!("{day}. {} {year}.", SR_LATN_MONTHS[month]),
        Convention::SerbianCyrillic => format!("{day}. {} {year}.", SR_CYRL_MONTHS[month]),
        Convention::Neutral => date.format("%Y-%m-%d").to_string(),
    }
}

/// Formats a time of day: `9:05 AM` in English, 24-hour `09:05` elsewhere (`9:05` in Hebrew).
#[must_use]
pub fn format_time(lang: &LanguageIdentifier, time: NaiveTime) -> String {
    let (hour, minute) = (time.hour(), time.minute());
    match Convention::of(lang) {
        Convention::English => {
            let (is_pm, hour12) = time.hour12();
            format!("{hour12}:{minute:02}\u{A0}{}", if is_pm { "PM" } else { "AM" })
        }
        Convention::Hebrew => format!("{hour}:{minute:02}"),
        _ => format!("{hour:02}:{minute:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unic_langid::langid;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn dates_in_each_locale() {
        assert_eq!(format_date(&langid!("en"), date()), "November 22, 2026");
        assert_eq!(format_date(&langid!("ru"), date()), "22 ноября 2026\u{A0}г.");
        assert_eq!(format_date(&langid!("he"), date()), "22 בנובמבר 2026");
        assert_eq!(format_date(&langid!("sr-Latn"), date()), "22. novembar 2026.");
        assert_eq!(format_date(&langid!("sr-Cyrl"), date()), "22. новембар 2026.");
        assert_eq!(format_date(&langid!("de"), date()), "2026-11-22");
        let january = NaiveDate::from_ymd_opt(2027, 1, 3).unwrap();
        assert_eq!(format_date(&langid!("ru"), january), "3 января 2027\u{A0}г.");
    }

    #[test]
    fn times_in_each_locale() {
        let morning = NaiveTime::from_hms_opt(9, 5, 0).unwrap();
        let evening = NaiveTime::from_hms_opt(21, 30, 0).unwrap();
        assert_eq!(format_time(&langid!("en"), morning), "9:05\u{A0}AM");
        assert_eq!(format_time(&langid!("en"), evening), "9:30\u{A0}PM");
        assert_eq!(format_time(&langid!("ru"), morning), "09:05");
        assert_eq!(format_time(&langid!("he"), morning), "9:05");
        assert_eq!(format_time(&langid!("sr-Latn"), evening), "21:30");
    }
}
