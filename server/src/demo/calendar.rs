//! When the demo practice is open: weekdays, minus the public holidays a US dental office closes
//! for (observed on the nearest weekday when they fall on a weekend).

use app::model::OdDate;
use chrono::{Datelike, NaiveDate, Weekday};

/// The office sees patients that day.
pub fn is_open(day: OdDate) -> bool {
    let d = day.get();
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !is_holiday(d)
}

/// Closing time in minutes after midnight: early on Fridays and on Christmas Eve and New Year's Eve.
pub fn closing_minutes(day: OdDate) -> i64 {
    let d = day.get();
    let short = d.weekday() == Weekday::Fri || (d.month() == 12 && matches!(d.day(), 24 | 31));
    if short { 14 * 60 } else { 17 * 60 }
}

fn is_holiday(d: NaiveDate) -> bool {
    let year = d.year();
    let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day).map(observed);
    let holidays = [
        fixed(1, 1),
        nth_weekday_from_end(year, 5, Weekday::Mon),
        fixed(7, 4),
        nth_weekday(year, 9, Weekday::Mon, 1),
        nth_weekday(year, 11, Weekday::Thu, 4),
        fixed(12, 25),
        // New Year's Day of next year observed on Friday Dec 31.
        NaiveDate::from_ymd_opt(year + 1, 1, 1).map(observed),
    ];
    holidays.into_iter().flatten().any(|h| h == d)
}

/// A holiday on Saturday is taken on Friday, on Sunday on Monday.
fn observed(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d.pred_opt().unwrap_or(d),
        Weekday::Sun => d.succ_opt().unwrap_or(d),
        _ => d,
    }
}

fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
}

fn nth_weekday_from_end(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    (1..=5).rev().find_map(|n| NaiveDate::from_weekday_of_month_opt(year, month, weekday, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> OdDate {
        OdDate::parse(s).unwrap()
    }

    #[test]
    fn weekends_and_holidays_are_closed() {
        assert!(!is_open(day("2026-11-28")), "Saturday");
        assert!(!is_open(day("2026-11-29")), "Sunday");
        assert!(!is_open(day("2026-11-26")), "Thanksgiving");
        assert!(is_open(day("2026-11-27")));
        assert!(!is_open(day("2026-12-25")));
        assert!(!is_open(day("2026-05-25")), "Memorial Day");
        assert!(!is_open(day("2026-09-07")), "Labor Day");
        assert!(!is_open(day("2026-07-03")), "July 4th on a Saturday is observed on Friday");
        assert!(!is_open(day("2027-12-31")), "New Year's Day 2028 on a Saturday is observed on Friday");
        assert!(is_open(day("2026-12-31")));
        assert!(!is_open(day("2027-01-01")));
    }

    #[test]
    fn short_days() {
        assert_eq!(closing_minutes(day("2026-11-27")), 14 * 60, "Friday");
        assert_eq!(closing_minutes(day("2026-12-24")), 14 * 60);
        assert_eq!(closing_minutes(day("2026-12-30")), 17 * 60);
    }
}
