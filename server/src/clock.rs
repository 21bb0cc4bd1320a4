//! The office's wall clock. Open Dental keeps local time with no offset, so "now", "today" and
//! the texting hours are all read in the office's time zone.

use app::domain::send_window::Elapsed;
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

    /// The same office on another clock (the demo runs weeks of the office on a simulated one).
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> OfficeClock {
        OfficeClock { clock, fallback_zone: self.fallback_zone }
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

    /// Seconds since the Unix epoch: leases and sessions are real time, not wall-clock time.
    pub fn unix_now(&self) -> i64 {
        self.clock.now_utc().timestamp()
    }

    /// Real minutes between the office's wall-clock times, daylight saving included.
    pub fn elapsed(&self, prefs: &Preferences) -> ZoneMinutes {
        ZoneMinutes(self.zone(prefs))
    }
}

/// Real elapsed time between wall-clock times in one zone.
pub struct ZoneMinutes(pub Tz);

impl ZoneMinutes {
    /// The instant a wall-clock time stands for. A time that happens twice (clocks going back)
    /// is its first occurrence; a time that never happens (clocks going forward) is read as if
    /// the clocks had not moved yet, which lands just after the jump.
    pub fn instant(&self, local: OdDateTime) -> DateTime<Utc> {
        use chrono::offset::LocalResult;
        use chrono::TimeZone;
        match self.0.from_local_datetime(&local.get()) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
            LocalResult::None => {
                let before = local.get() - chrono::Duration::hours(1);
                match self.0.from_local_datetime(&before) {
                    LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc) + chrono::Duration::hours(1),
                    LocalResult::None => Utc.from_utc_datetime(&local.get()),
                }
            }
        }
    }
}

impl Elapsed for ZoneMinutes {
    fn minutes_between(&self, from: OdDateTime, to: OdDateTime) -> i64 {
        (self.instant(to) - self.instant(from)).num_minutes()
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

    fn local(s: &str) -> OdDateTime {
        OdDateTime::parse(s).unwrap()
    }

    #[test]
    fn elapsed_minutes_follow_new_york_clock_changes() {
        let ny = ZoneMinutes(chrono_tz::America::New_York);
        // Spring forward 2027-03-14: 1:50 AM EST to 3:10 AM EDT is 20 minutes.
        assert_eq!(ny.minutes_between(local("2027-03-14 01:50:00"), local("2027-03-14 03:10:00")), 20);
        // A whole spring-forward day is 23 hours, a fall-back day 25.
        assert_eq!(ny.minutes_between(local("2027-03-14 00:00:00"), local("2027-03-15 00:00:00")), 23 * 60);
        assert_eq!(ny.minutes_between(local("2026-11-01 00:00:00"), local("2026-11-02 00:00:00")), 25 * 60);
        // An ordinary day.
        assert_eq!(ny.minutes_between(local("2027-03-16 08:00:00"), local("2027-03-16 21:00:00")), 13 * 60);
        // 2:30 AM does not exist on spring-forward day: it reads as 3:30 AM EDT.
        assert_eq!(ny.instant(local("2027-03-14 02:30:00")), Utc.with_ymd_and_hms(2027, 3, 14, 7, 30, 0).unwrap());
        // 1:30 AM happens twice on fall-back day: the first is EDT.
        assert_eq!(ny.instant(local("2026-11-01 01:30:00")), Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0).unwrap());
    }

    #[test]
    fn texting_hours_open_at_eight_local_on_clock_change_days() {
        use app::domain::SendWindow;
        use app::model::OdTime;
        let window = SendWindow::new(OdTime::parse("08:00:00").unwrap(), OdTime::parse("21:00:00").unwrap());
        let fixed = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2027, 3, 14, 6, 0, 0).unwrap()));
        let clock = OfficeClock::new(fixed.clone(), chrono_tz::America::New_York);
        let prefs = Preferences::default();
        // 1:00 AM EST, before the jump: texts wait for 8:00 AM, which is 11:00 UTC (EDT), not 12:00.
        let now = clock.now(&prefs);
        assert_eq!(now.to_string(), "2027-03-14 01:00:00");
        let opens = window.next_allowed(now);
        assert_eq!(opens.to_string(), "2027-03-14 08:00:00");
        assert_eq!(clock.elapsed(&prefs).instant(opens), Utc.with_ymd_and_hms(2027, 3, 14, 12, 0, 0).unwrap());
        fixed.set(Utc.with_ymd_and_hms(2027, 3, 14, 11, 59, 0).unwrap());
        assert!(!window.allows(clock.now(&prefs)), "7:59 AM EDT is still before the window");
        fixed.set(Utc.with_ymd_and_hms(2027, 3, 14, 12, 0, 0).unwrap());
        assert!(window.allows(clock.now(&prefs)));
        // Fall back 2026-11-01: 8:00 AM EST is 13:00 UTC.
        fixed.set(Utc.with_ymd_and_hms(2026, 11, 1, 12, 59, 0).unwrap());
        assert!(!window.allows(clock.now(&prefs)));
        fixed.set(Utc.with_ymd_and_hms(2026, 11, 1, 13, 0, 0).unwrap());
        assert!(window.allows(clock.now(&prefs)));
    }
}
