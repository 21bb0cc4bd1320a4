//! The hours automated texts may go out (AutomaticCommunicationTimeStart/End), and how much
//! real time passes between two of the office's wall-clock times.

use crate::model::{OdDateTime, OdTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendWindow {
    pub start: OdTime,
    pub end: OdTime,
}

impl SendWindow {
    pub fn new(start: OdTime, end: OdTime) -> Self {
        SendWindow { start, end }
    }

    /// Equal start and end turn the window off: any time is allowed.
    pub fn is_off(&self) -> bool {
        self.start == self.end
    }

    pub fn allows(&self, at: OdDateTime) -> bool {
        let t = at.time();
        if self.is_off() {
            true
        } else if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            // A window across midnight, such as 20:00 to 06:00.
            t >= self.start || t < self.end
        }
    }

    /// `now` if texting is allowed now, otherwise the next moment the window opens.
    pub fn next_allowed(&self, now: OdDateTime) -> OdDateTime {
        if self.allows(now) {
            return now;
        }
        let today_start = OdDateTime::from_parts(now.date(), self.start);
        if now < today_start {
            today_start
        } else {
            OdDateTime::from_parts(now.date().add_days(1), self.start)
        }
    }
}

/// Real minutes between two wall-clock times of the office. Across a daylight-saving change the
/// wall clock jumps, so this is not always their plain difference; the server answers it with
/// the office's time zone.
pub trait Elapsed {
    fn minutes_between(&self, from: OdDateTime, to: OdDateTime) -> i64;
}

/// Wall-clock difference: right in every zone without daylight saving, and in tests.
pub struct WallMinutes;

impl Elapsed for WallMinutes {
    fn minutes_between(&self, from: OdDateTime, to: OdDateTime) -> i64 {
        from.minutes_until(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> OdTime {
        OdTime::parse(s).unwrap()
    }
    fn dt(s: &str) -> OdDateTime {
        OdDateTime::parse(s).unwrap()
    }

    #[test]
    fn inside_the_window_sends_now() {
        let w = SendWindow::new(t("08:00:00"), t("21:00:00"));
        assert_eq!(w.next_allowed(dt("2031-03-17 10:04:14")), dt("2031-03-17 10:04:14"));
        assert_eq!(w.next_allowed(dt("2031-03-17 08:00:00")), dt("2031-03-17 08:00:00"));
    }

    #[test]
    fn before_and_after_the_window_waits_for_it() {
        let w = SendWindow::new(t("08:00:00"), t("21:00:00"));
        assert_eq!(w.next_allowed(dt("2031-03-17 06:30:00")), dt("2031-03-17 08:00:00"));
        assert_eq!(w.next_allowed(dt("2031-03-17 21:00:00")), dt("2031-03-18 08:00:00"));
        assert_eq!(w.next_allowed(dt("2031-12-31 23:59:59")), dt("2032-01-01 08:00:00"));
    }

    #[test]
    fn equal_times_turn_the_window_off() {
        let w = SendWindow::new(t("00:00:00"), t("00:00:00"));
        assert!(w.is_off());
        assert_eq!(w.next_allowed(dt("2031-03-17 03:00:00")), dt("2031-03-17 03:00:00"));
    }

    #[test]
    fn window_across_midnight() {
        let w = SendWindow::new(t("20:00:00"), t("06:00:00"));
        assert!(w.allows(dt("2031-03-17 23:00:00")));
        assert!(w.allows(dt("2031-03-17 05:59:59")));
        assert_eq!(w.next_allowed(dt("2031-03-17 12:00:00")), dt("2031-03-17 20:00:00"));
    }
}
