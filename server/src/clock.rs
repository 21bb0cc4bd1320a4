//! The office's wall clock. Open Dental keeps local time with no offset, so "now", "today" and
//! the texting hours are all read in the office's time zone.

use app::model::{OdDate, OdDateTime, Preferences};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::sync::{Arc, Mutex};

pub trait Clock: Send + Sync + 'static {
    fn now_utc(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_utc(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved; tests use it to make "now" certain.
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        FixedClock(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut now) = self.0.lock() {
            *now = at;
        }
    }
}

impl Clock for FixedClock {
    fn now_utc(&self) -> DateTime<Utc> {
        self.0.lock().map(|now| *now).unwrap_or_else(|poisoned| *poisoned.into_inner())
    }
}

#[derive(Clone)]
pub struct OfficeClock {
    clock: Arc<dyn Clock>,
    fallback_zone: Tz,
}

impl OfficeClock {
    pub fn new(clock: Arc<dyn Clock>, fallback_zone: Tz) -> Self {
        OfficeClock { clock, fallback_zone }
    }

    /// The zone the TimeZone preference names, or the configured one.
    pub fn zone(&self, prefs: &Preferences) -> Tz {
        prefs.time_zone.parse::<Tz>().unwrap_or(self.fallback_zone)
    }

    pub fn now(&self, prefs: &Preferences) -> OdDateTime {
        let local = self.clock.now_utc().with_timezone(&self.zone(prefs));
        OdDateTime::new(local.naive_local())
    }

    pub fn today(&self, prefs: &Preferences) -> OdDate {
        self.now(prefs).date()
    }
}

/// Reads an IANA zone name, with a message naming the problem.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| format!("`{name}` is not an IANA time zone name such as America/Chicago"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn now_is_read_in_the_office_zone() {
        let fixed = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2031, 3, 17, 3, 30, 0).unwrap()));
        let clock = OfficeClock::new(fixed, Tz::UTC);
        let chicago = Preferences { time_zone: "America/Chicago".into(), ..Preferences::default() };
        assert_eq!(clock.now(&chicago).to_string(), "2031-03-16 22:30:00");
        assert_eq!(clock.today(&chicago).to_string(), "2031-03-16");
        let unset = Preferences::default();
        assert_eq!(clock.today(&unset).to_string(), "2031-03-17");
        let bad = Preferences { time_zone: "Mars/Olympus".into(), ..Preferences::default() };
        assert_eq!(clock.today(&bad).to_string(), "2031-03-17");
        assert!(parse_zone("Mars/Olympus").is_err());
    }
}
