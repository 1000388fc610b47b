//! Cafes: addresses, whether each is open now, and a location pin.

use chrono::{DateTime, Datelike, NaiveTime, Utc};

use super::Arg;
use super::payload::Payload;
use super::reply::{Phrase, ReplyBody, ReplyButton};
use super::turn::Turn;
use crate::Result;
use crate::chain::Cafe;
use crate::channel::ButtonAction;
use crate::ids::CafeId;

/// Whether a cafe is open, as the guest reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CafeStatus {
    /// Open now, until this local time.
    OpenUntil(NaiveTime),
    /// Closed now; opens next at this local time (today or tomorrow).
    OpensAt(NaiveTime),
    /// Closed today and tomorrow.
    Closed,
}

/// The cafe's status at `now`, judged on its own wall clock.
#[must_use]
pub(crate) fn cafe_status(cafe: &Cafe, now: DateTime<Utc>) -> CafeStatus {
    let local = now.with_timezone(&cafe.timezone);
    let (today, time) = (local.weekday(), local.time());
    let hours = &cafe.opening_hours.0;
    if cafe.opening_hours.is_open_at(now, cafe.timezone) {
        let closes = hours
            .iter()
            .filter(|i| {
                if i.opens <= i.closes {
                    i.day == today && i.opens <= time && time < i.closes
                } else {
                    (i.day == today && time >= i.opens) || (i.day.succ() == today && time < i.closes)
                }
            })
            .map(|i| i.closes)
            .next();
        if let Some(closes) = closes {
            return CafeStatus::OpenUntil(closes);
        }
    }
    let later_today = hours.iter().filter(|i| i.day == today && i.opens > time).map(|i| i.opens).min();
    let tomorrow = hours.iter().filter(|i| i.day == today.succ()).map(|i| i.opens).min();
    later_today.or(tomorrow).map_or(CafeStatus::Closed, CafeStatus::OpensAt)
}

fn status_line(cafe: &Cafe, now: DateTime<Utc>) -> Phrase {
    match cafe_status(cafe, now) {
        CafeStatus::OpenUntil(closes) => Phrase::with("bot-cafe-open-now", vec![("closes", Arg::Time(closes))]),
        CafeStatus::OpensAt(opens) => Phrase::with("bot-cafe-closed-now", vec![("opens", Arg::Time(opens))]),
        CafeStatus::Closed => Phrase::msg("bot-cafe-closed-today"),
    }
}

fn address_line(cafe: &Cafe) -> Phrase {
    Phrase::with(
        "bot-cafe-address",
        vec![("cafe", Arg::Text(cafe.name.clone())), ("address", Arg::Text(cafe.address.clone()))],
    )
}

/// A map link that opens directions on any phone.
fn directions_url(cafe: &Cafe) -> String {
    format!("https://www.google.com/maps/dir/?api=1&destination={},{}", cafe.location.lat, cafe.location.lon)
}

/// Squared distance on a flat projection: enough to order cafes of one city by nearness.
fn nearness(cafe: &Cafe, (lat, lon): (f64, f64)) -> f64 {
    let dx = (cafe.location.lon - lon) * lat.to_radians().cos();
    let dy = cafe.location.lat - lat;
    dx * dx + dy * dy
}

impl Turn<'_> {
    /// Every cafe with its address and whether it is open now; nearest first when the
    /// person shared where they are. One button per cafe sends its pin.
    pub(crate) fn cafes(&mut self, near: Option<(f64, f64)>) -> Result<()> {
        let mut cafes: Vec<&Cafe> = self.catalog.open_cafes().collect();
        if let Some(point) = near {
            cafes.sort_by(|a, b| nearness(a, point).total_cmp(&nearness(b, point)));
        }
        let mut lines = vec![Phrase::msg("bot-cafes-title")];
        let mut buttons = Vec::new();
        for cafe in &cafes {
            lines.push(address_line(cafe));
            lines.push(status_line(cafe, self.now));
            buttons.push(ReplyButton {
                label: Phrase::Verbatim(cafe.name.clone()),
                action: ButtonAction::Payload(Payload::Pin(cafe.id).encode()),
            });
        }
        // The way back first, so it is never the button a small keyboard drops.
        buttons.insert(0, ReplyButton::payload("bot-back", Payload::Menu.encode()));
        self.say(lines, buttons, 1);
        Ok(())
    }

    /// One cafe's pin (where the channel sends locations) and directions.
    pub(crate) async fn pin(&mut self, id: CafeId) -> Result<()> {
        let Some(cafe) = self.catalog.cafe(id).cloned() else { return self.stale().await };
        if self.caps.location {
            self.push(ReplyBody::Location {
                lat: cafe.location.lat,
                lon: cafe.location.lon,
                title: cafe.name.clone(),
                address: cafe.address.clone(),
            });
        }
        let directions =
            ReplyButton { label: Phrase::msg("bot-cafe-directions"), action: ButtonAction::Url(directions_url(&cafe)) };
        let back = ReplyButton::payload("bot-back", Payload::Cafes.encode());
        self.say(vec![address_line(&cafe), status_line(&cafe, self.now)], vec![directions, back], 1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, TimeZone as _, Weekday};

    use super::*;
    use crate::chain::{GeoPoint, OpeningHours, OpeningInterval};
    use crate::ids::ChainId;
    use crate::money::Currency;

    fn t(h: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, 0, 0).unwrap()
    }

    fn cafe(hours: OpeningHours) -> Cafe {
        Cafe {
            id: CafeId(1),
            chain_id: ChainId(1),
            name: "Dorćol".into(),
            address: "Cara Dušana 1".into(),
            location: GeoPoint { lat: 44.82, lon: 20.46 },
            timezone: chrono_tz::Europe::Belgrade,
            currency: Currency::new("RSD").unwrap(),
            opening_hours: hours,
            archived_at: None,
        }
    }

    #[test]
    fn status_says_until_when_or_from_when() {
        let daily = cafe(OpeningHours::daily(t(8), t(20)));
        // Monday 2026-11-23, Belgrade is UTC+1.
        let at = |h: u32| Utc.with_ymd_and_hms(2026, 11, 23, h, 30, 0).unwrap();
        assert_eq!(cafe_status(&daily, at(6)), CafeStatus::OpensAt(t(8)));
        assert_eq!(cafe_status(&daily, at(9)), CafeStatus::OpenUntil(t(20)));
        assert_eq!(cafe_status(&daily, at(20)), CafeStatus::OpensAt(t(8)), "after closing: tomorrow's opening");
        let weekends = cafe(OpeningHours(vec![OpeningInterval { day: Weekday::Sat, opens: t(9), closes: t(14) }]));
        assert_eq!(cafe_status(&weekends, at(9)), CafeStatus::Closed);
        let late = cafe(OpeningHours(vec![OpeningInterval { day: Weekday::Sun, opens: t(18), closes: t(2) }]));
        assert_eq!(
            cafe_status(&late, Utc.with_ymd_and_hms(2026, 11, 23, 0, 30, 0).unwrap()),
            CafeStatus::OpenUntil(t(2))
        );
    }
}
