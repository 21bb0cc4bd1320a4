//! The query parameters every list endpoint and page shares: date ranges, paging and numbers.
//! Each parser turns the raw text into a value or a message that says what to send instead.

use crate::model::{OdDate, OdDateTime};

/// Default and largest page size of every list.
pub const MAX_LIMIT: i64 = 100;

/// How far back `GET /asapcomms` looks when no start is given.
pub const DEFAULT_HISTORY_DAYS: i64 = 7;

/// How far ahead `GET /appointments/Slots` looks when no range is given.
pub const DEFAULT_SLOT_DAYS: i64 = 14;

/// `Offset`/`Limit` after checking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub offset: i64,
    pub limit: i64,
}

impl Default for Paging {
    fn default() -> Self {
        Paging { offset: 0, limit: MAX_LIMIT }
    }
}

pub fn paging(offset: Option<&str>, limit: Option<&str>) -> Result<Paging, String> {
    let offset = match offset {
        None => 0,
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(n) if n >= 0 => n,
            _ => return Err(format!("Offset must be a whole number 0 or more, not '{raw}'.")),
        },
    };
    let limit = match limit {
        None => MAX_LIMIT,
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => return Err(format!("Limit must be a whole number from 1 to {MAX_LIMIT}, not '{raw}'.")),
        },
    };
    Ok(Paging { offset, limit })
}

/// A key such as `ClinicNum` or `ProvNum`: a whole number, 0 or more.
pub fn key_number(name: &str, raw: &str) -> Result<i64, String> {
    match raw.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(format!("{name} must be a whole number, not '{raw}'.")),
    }
}

pub fn optional_key(name: &str, raw: Option<&str>) -> Result<Option<i64>, String> {
    raw.map(|r| key_number(name, r)).transpose()
}

pub fn date_param(name: &str, raw: &str) -> Result<OdDate, String> {
    OdDate::parse(raw.trim()).map_err(|_| format!("{name} is not a valid date: '{raw}'. Use yyyy-MM-dd."))
}

/// Whether `entry_range` falls back on today for a bound the request left out.
pub fn entry_range_needs_today(date: Option<&str>, date_start: Option<&str>, date_end: Option<&str>) -> bool {
    date.is_none() && (date_start.is_none() || date_end.is_none())
}

/// `GET /asapcomms` range on DateTimeEntry, half-open `[start, end)`.
/// `date` is that day; `dateStart` defaults to today − 7 days; `dateEnd` (exclusive) defaults to
/// the midnight that ends today, so today's rows are included.
pub fn entry_range(
    date: Option<&str>,
    date_start: Option<&str>,
    date_end: Option<&str>,
    today: OdDate,
) -> Result<(OdDateTime, OdDateTime), String> {
    if let Some(day) = date {
        if date_start.is_some() || date_end.is_some() {
            return Err("Give either date, or dateStart and/or dateEnd, not both.".into());
        }
        let day = date_param("date", day)?;
        return Ok((day.start(), day.add_days(1).start()));
    }
    let start = match date_start {
        Some(raw) => date_param("dateStart", raw)?,
        None => today.add_days(-DEFAULT_HISTORY_DAYS),
    };
    let end = match date_end {
        Some(raw) => date_param("dateEnd", raw)?.start(),
        None => today.add_days(1).start(),
    };
    if start.start() > end {
        return Err(format!("dateStart ({start}) is after dateEnd ({}).", end.date()));
    }
    Ok((start.start(), end))
}

/// An inclusive range of days (`/appointments/Slots`, `/schedules`): `date` alone, or
/// `dateStart`/`dateEnd` with the missing end filled from `default_days` after the start.
pub fn day_range(
    date: Option<&str>,
    date_start: Option<&str>,
    date_end: Option<&str>,
    today: OdDate,
    default_days: i64,
) -> Result<(OdDate, OdDate), String> {
    if let Some(day) = date {
        if date_start.is_some() || date_end.is_some() {
            return Err("Give either date, or dateStart and/or dateEnd, not both.".into());
        }
        let day = date_param("date", day)?;
        return Ok((day, day));
    }
    let start = match date_start {
        Some(raw) => date_param("dateStart", raw)?,
        None => today,
    };
    let end = match date_end {
        Some(raw) => date_param("dateEnd", raw)?,
        None => start.add_days(default_days.max(1) - 1),
    };
    if start > end {
        return Err(format!("dateStart ({start}) is after dateEnd ({end})."));
    }
    if end.get().signed_duration_since(start.get()).num_days() > 366 {
        return Err("The date range is longer than a year. Ask for a shorter range.".into());
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> OdDate {
        OdDate::parse(s).unwrap()
    }

    fn dt(s: &str) -> OdDateTime {
        OdDateTime::parse(s).unwrap()
    }

    #[test]
    fn paging_defaults_and_bounds() {
        assert_eq!(paging(None, None), Ok(Paging { offset: 0, limit: 100 }));
        assert_eq!(paging(Some("20"), Some("5")), Ok(Paging { offset: 20, limit: 5 }));
        assert!(paging(Some("-1"), None).unwrap_err().contains("Offset"));
        assert!(paging(None, Some("0")).unwrap_err().contains("Limit"));
        assert!(paging(None, Some("101")).unwrap_err().contains("1 to 100"));
        assert!(paging(None, Some("ten")).is_err());
    }

    #[test]
    fn only_a_missing_bound_needs_today() {
        assert!(entry_range_needs_today(None, None, None));
        assert!(entry_range_needs_today(None, Some("2023-09-01"), None));
        assert!(entry_range_needs_today(None, None, Some("2023-09-01")));
        assert!(!entry_range_needs_today(None, Some("2023-09-01"), Some("2023-09-02")));
        assert!(!entry_range_needs_today(Some("2023-09-01"), None, None));
    }

    #[test]
    fn entry_range_defaults_to_the_last_seven_days_through_today() {
        let (start, end) = entry_range(None, None, None, d("2023-09-14")).unwrap();
        assert_eq!(start, dt("2023-09-07 00:00:00"));
        assert_eq!(end, dt("2023-09-15 00:00:00"));
    }

    #[test]
    fn entry_range_date_is_one_day_and_excludes_the_others() {
        let (start, end) = entry_range(Some("2023-09-14"), None, None, d("2030-01-01")).unwrap();
        assert_eq!((start, end), (dt("2023-09-14 00:00:00"), dt("2023-09-15 00:00:00")));
        assert!(entry_range(Some("2023-09-14"), Some("2023-09-01"), None, d("2030-01-01")).is_err());
        assert!(entry_range(Some("2023-09-14"), None, Some("2023-09-20"), d("2030-01-01")).is_err());
    }

    #[test]
    fn entry_range_end_is_exclusive_and_checked() {
        let (start, end) = entry_range(None, Some("2023-09-01"), Some("2023-09-14"), d("2030-01-01")).unwrap();
        assert_eq!((start, end), (dt("2023-09-01 00:00:00"), dt("2023-09-14 00:00:00")));
        let err = entry_range(None, Some("2023-09-15"), Some("2023-09-14"), d("2030-01-01")).unwrap_err();
        assert!(err.contains("after"));
        let err = entry_range(None, Some("2023-9-1"), None, d("2030-01-01")).unwrap_err();
        assert_eq!(err, "dateStart is not a valid date: '2023-9-1'. Use yyyy-MM-dd.");
    }

    #[test]
    fn day_range_is_inclusive_with_a_default_length() {
        assert_eq!(day_range(None, None, None, d("2031-03-01"), 14), Ok((d("2031-03-01"), d("2031-03-14"))));
        assert_eq!(day_range(Some("2031-03-05"), None, None, d("2031-03-01"), 14), Ok((d("2031-03-05"), d("2031-03-05"))));
        assert!(day_range(None, Some("2031-03-05"), Some("2031-03-04"), d("2031-03-01"), 1).is_err());
        assert!(day_range(None, Some("2030-01-01"), Some("2031-03-04"), d("2031-03-01"), 1).is_err());
    }

    #[test]
    fn keys_are_whole_numbers() {
        assert_eq!(key_number("ClinicNum", "4"), Ok(4));
        assert_eq!(key_number("ClinicNum", "x").unwrap_err(), "ClinicNum must be a whole number, not 'x'.");
        assert!(key_number("ClinicNum", "-3").is_err());
    }
}
