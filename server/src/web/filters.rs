//! What the pages' filters share: the days a `since`/`until` pair stands for in a cafe's
//! timezone, and the guest a typed card code names.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use regulars_core::guest::Guest;
use regulars_core::{Error, ErrorKind};

use super::viewer::Viewer;
use crate::app::AppState;

fn day(field: &str, text: Option<&str>) -> Result<Option<NaiveDate>, Error> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Error::invalid(field, "a date like 2026-12-03")),
    }
}

/// The start and the end of a filter's days, each when given.
pub type DayBounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The moments a `since` and an `until` day of a filter stand for in `tz`: the start of
/// `since`, and the end of `until` (the start of the day after), either missing when not given.
///
/// # Errors
/// [`Error::InvalidInput`] naming `since` or `until` for text that is not a date.
pub fn day_bounds(tz: chrono_tz::Tz, since: Option<&str>, until: Option<&str>) -> Result<DayBounds, Error> {
    let local_midnight = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()).earliest().map(|t| t.with_timezone(&Utc))
    };
    let since = day("since", since)?.and_then(local_midnight);
    let until = day("until", until)?.and_then(|d| local_midnight(d.succ_opt().unwrap_or(d)));
    Ok((since, until))
}

/// The guest whose card code (public id, any case) is `card`, when one is given.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` when no guest of the viewer's chain has it.
pub async fn guest_by_card(
    state: &AppState,
    viewer: &Viewer,
    field: &str,
    card: Option<&str>,
) -> Result<Option<Guest>, Error> {
    let Some(card) = card.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    match state.store.guest_by_public_id(viewer.chain.id, &card.to_uppercase()).await {
        Ok(guest) => Ok(Some(guest)),
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::InvalidInput) => {
            Err(Error::invalid(field, "no guest has this card code"))
        }
        Err(e) => Err(e),
    }
}
