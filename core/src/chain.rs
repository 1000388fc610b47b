//! Chains (tenants) and their cafes.

use chrono::{DateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::ids::{CafeId, ChainId};
use crate::money::Currency;
use crate::{Error, Result};

/// A chain: one brand, one or more cafes, its own guests, staff and programs.
///
/// Every query in regulars is scoped by chain; one server hosts many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain {
    /// Storage identifier.
    pub id: ChainId,
    /// URL-safe unique name, e.g. `demo`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Language for guests who have not chosen one (a BCP 47 tag such as `en` or `sr-Latn`).
    pub default_language: String,
    /// When the chain was created.
    pub created_at: DateTime<Utc>,
}

/// What is needed to create a [`Chain`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewChain {
    /// See [`Chain::slug`].
    pub slug: String,
    /// See [`Chain::name`].
    pub name: String,
    /// See [`Chain::default_language`].
    pub default_language: String,
}

impl NewChain {
    /// Checks the fields a person typed.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        validate_slug("slug", &self.slug)?;
        non_empty("name", &self.name)?;
        non_empty("default_language", &self.default_language)
    }
}

/// A point on the map (WGS 84).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Latitude in degrees, -90..=90.
    pub lat: f64,
    /// Longitude in degrees, -180..=180.
    pub lon: f64,
}

impl GeoPoint {
    /// Checks the coordinates are on Earth.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `location.lat` or `location.lon`.
    pub fn validate(&self) -> Result<()> {
        if !(-90.0..=90.0).contains(&self.lat) {
            return Err(Error::invalid("location.lat", "must be between -90 and 90"));
        }
        if !(-180.0..=180.0).contains(&self.lon) {
            return Err(Error::invalid("location.lon", "must be between -180 and 180"));
        }
        Ok(())
    }
}

/// One opening interval on one weekday, in the cafe's local time.
///
/// `closes` earlier than `opens` means the cafe closes after midnight (a bar open 18:00-02:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningInterval {
    /// The weekday the interval starts on.
    pub day: Weekday,
    /// Local opening time.
    pub opens: NaiveTime,
    /// Local closing time.
    pub closes: NaiveTime,
}

/// A cafe's weekly opening hours. Days without an interval are closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OpeningHours(pub Vec<OpeningInterval>);

impl OpeningHours {
    /// The same hours every day of the week.
    #[must_use]
    pub fn daily(opens: NaiveTime, closes: NaiveTime) -> Self {
        use Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};
        Self(
            [Mon, Tue, Wed, Thu, Fri, Sat, Sun].into_iter().map(|day| OpeningInterval { day, opens, closes }).collect(),
        )
    }

    /// Whether the cafe is open at `at`, judged in the cafe's timezone `tz`.
    #[must_use]
    pub fn is_open_at(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        use chrono::Datelike;
        let local = at.with_timezone(&tz);
        let (today, time) = (local.weekday(), local.time());
        self.0.iter().any(|i| {
            if i.opens <= i.closes {
                i.day == today && i.opens <= time && time < i.closes
            } else {
                // Overnight: the evening part belongs to `day`, the small hours to the next day.
                (i.day == today && time >= i.opens) || (i.day.succ() == today && time < i.closes)
            }
        })
    }
}

/// A cafe: one location of a chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cafe {
    /// Storage identifier.
    pub id: CafeId,
    /// The chain it belongs to.
    pub chain_id: ChainId,
    /// Display name, e.g. `Demo Coffee — Dorćol`.
    pub name: String,
    /// Street address as guests should read it.
    pub address: String,
    /// Where it is, for the location pin.
    pub location: GeoPoint,
    /// IANA timezone; rules such as quiet hours and birthdays use the cafe's local time.
    pub timezone: Tz,
    /// The currency its till reports in.
    pub currency: Currency,
    /// Weekly opening hours.
    pub opening_hours: OpeningHours,
    /// When an owner or manager closed it for good: hidden from guests choosing a cafe, kept
    /// for history and for sales the till still reports.
    #[serde(default)]
    pub archived_at: Option<DateTime<Utc>>,
}

impl Cafe {
    /// Whether guests can still choose it (it is not archived).
    #[must_use]
    pub fn is_open_for_guests(&self) -> bool {
        self.archived_at.is_none()
    }
}

/// What is needed to create a [`Cafe`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCafe {
    /// See [`Cafe::name`].
    pub name: String,
    /// See [`Cafe::address`].
    pub address: String,
    /// See [`Cafe::location`].
    pub location: GeoPoint,
    /// See [`Cafe::timezone`].
    pub timezone: Tz,
    /// See [`Cafe::currency`].
    pub currency: Currency,
    /// See [`Cafe::opening_hours`].
    pub opening_hours: OpeningHours,
}

impl NewCafe {
    /// Checks the fields a person typed.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        non_empty("name", &self.name)?;
        self.location.validate()
    }
}

/// A change to a [`Cafe`]: the fields given are replaced, the rest kept. The currency cannot
/// change (every amount already recorded is in it); open another cafe instead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CafeUpdate {
    /// See [`Cafe::name`].
    pub name: Option<String>,
    /// See [`Cafe::address`].
    pub address: Option<String>,
    /// See [`Cafe::location`].
    pub location: Option<GeoPoint>,
    /// See [`Cafe::timezone`].
    pub timezone: Option<Tz>,
    /// See [`Cafe::opening_hours`].
    pub opening_hours: Option<OpeningHours>,
    /// `true` archives the cafe, `false` opens it again.
    pub archived: Option<bool>,
}

impl CafeUpdate {
    /// Checks the fields a person typed.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        if let Some(name) = &self.name {
            non_empty("name", name)?;
        }
        self.location.as_ref().map_or(Ok(()), GeoPoint::validate)
    }

    /// `cafe` with this change applied, archived or opened again at `now`.
    #[must_use]
    pub fn apply(&self, mut cafe: Cafe, now: DateTime<Utc>) -> Cafe {
        let this = self.clone();
        cafe.name = this.name.unwrap_or(cafe.name);
        cafe.address = this.address.unwrap_or(cafe.address);
        cafe.location = this.location.unwrap_or(cafe.location);
        cafe.timezone = this.timezone.unwrap_or(cafe.timezone);
        cafe.opening_hours = this.opening_hours.unwrap_or(cafe.opening_hours);
        cafe.archived_at = archived_at(cafe.archived_at, this.archived, now);
        cafe
    }
}

/// When a cafe or program is archived after a change asking `archived` of it at `now`:
/// archiving again keeps the first time, `false` restores it, `None` leaves it as it was.
pub(crate) fn archived_at(
    current: Option<DateTime<Utc>>,
    archived: Option<bool>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match archived {
        Some(true) => current.or(Some(now)),
        Some(false) => None,
        None => current,
    }
}

pub(crate) fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(())
}

fn validate_slug(field: &str, slug: &str) -> Result<()> {
    let ok = !slug.is_empty()
        && slug.len() <= 64
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok { Ok(()) } else { Err(Error::invalid(field, "use 1-64 characters of a-z, 0-9 and '-'")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn opening_hours_use_local_time() {
        let hours = OpeningHours::daily(t(8, 0), t(20, 0));
        let tz: Tz = "Europe/Belgrade".parse().unwrap();
        // 06:30 UTC in November is 07:30 in Belgrade: still closed.
        assert!(!hours.is_open_at(Utc.with_ymd_and_hms(2026, 11, 23, 6, 30, 0).unwrap(), tz));
        // 07:30 UTC is 08:30 local: open.
        assert!(hours.is_open_at(Utc.with_ymd_and_hms(2026, 11, 23, 7, 30, 0).unwrap(), tz));
        // 19:00 UTC is 20:00 local: just closed.
        assert!(!hours.is_open_at(Utc.with_ymd_and_hms(2026, 11, 23, 19, 0, 0).unwrap(), tz));
    }

    #[test]
    fn overnight_interval_spans_midnight() {
        let hours = OpeningHours(vec![OpeningInterval { day: Weekday::Fri, opens: t(18, 0), closes: t(2, 0) }]);
        let utc = chrono_tz::UTC;
        // Friday 2026-11-27 23:00, Saturday 01:00 open; Saturday 03:00 and Friday 17:00 closed.
        assert!(hours.is_open_at(Utc.with_ymd_and_hms(2026, 11, 27, 23, 0, 0).unwrap(), utc));
        assert!(hours.is_open_at(Utc.with_ymd_and_hms(2026, 11, 28, 1, 0, 0).unwrap(), utc));
        assert!(!hours.is_open_at(Utc.with_ymd_and_hms(2026, 11, 28, 3, 0, 0).unwrap(), utc));
        assert!(!hours.is_open_at(Utc.with_ymd_and_hms(2026, 11, 27, 17, 0, 0).unwrap(), utc));
    }

    #[test]
    fn slugs_are_checked() {
        let mut c = NewChain { slug: "demo-1".into(), name: "Demo".into(), default_language: "en".into() };
        assert!(c.validate().is_ok());
        c.slug = "Demo!".into();
        let err = c.validate().unwrap_err();
        assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "slug"));
    }
}
