//! Open Dental's date and time formats, as newtypes that can only hold valid values.
//!
//! Open Dental writes local wall-clock time with no offset: `yyyy-MM-dd`, `HH:mm:ss` and
//! `yyyy-MM-dd HH:mm:ss`. "Never" is the minimum date-time `0001-01-01 00:00:00`.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Why a date or time string was refused; the message says which format to use.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {what}. Use {format}.")]
pub struct FormatError {
    pub value: String,
    pub what: &'static str,
    pub format: &'static str,
}

fn format_error(value: &str, what: &'static str, format: &'static str) -> FormatError {
    let mut shown: String = value.chars().take(40).collect();
    // Cut by characters, not bytes: a cut inside a multi-byte character would panic.
    if shown.len() < value.len() {
        shown.push('…');
    }
    FormatError { value: shown, what, format }
}

/// Checks the exact shape (digits and separators at fixed places) before chrono parses,
/// because chrono alone accepts single-digit fields such as `2023-1-5`.
fn has_shape(s: &str, shape: &str) -> bool {
    s.len() == shape.len()
        && s.bytes().zip(shape.bytes()).all(|(c, p)| match p {
            b'9' => c.is_ascii_digit(),
            other => c == other,
        })
}

/// The number written at `from..from + len`, which `has_shape` has checked is ASCII digits.
/// Reading fields directly instead of through a format string is several times faster (lists
/// decode five dates per row) and keeps chrono's format parser out of the browser bundle.
fn digits(s: &str, from: usize, len: usize) -> u32 {
    s.as_bytes()[from..from + len].iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'))
}

/// A calendar date, `yyyy-MM-dd` on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OdDate(NaiveDate);

impl OdDate {
    pub const FORMAT: &'static str = "yyyy-MM-dd";

    pub fn parse(s: &str) -> Result<Self, FormatError> {
        let s = s.trim();
        if !has_shape(s, "9999-99-99") {
            return Err(format_error(s, "date", Self::FORMAT));
        }
        let num = |from, len| digits(s, from, len);
        NaiveDate::from_ymd_opt(num(0, 4) as i32, num(5, 2), num(8, 2))
            .map(OdDate)
            .ok_or_else(|| format_error(s, "date", Self::FORMAT))
    }

    pub fn new(date: NaiveDate) -> Self {
        OdDate(date)
    }

    pub fn get(self) -> NaiveDate {
        self.0
    }

    /// The first moment of this day.
    pub fn start(self) -> OdDateTime {
        OdDateTime(self.0.and_time(NaiveTime::MIN))
    }

    pub fn add_days(self, days: i64) -> Self {
        OdDate(self.0 + Duration::days(days))
    }

    pub fn is_never(self) -> bool {
        self.0.year() <= 1
    }

    /// `Thu`.
    pub fn weekday_short(self) -> &'static str {
        &self.weekday_name()[..3]
    }

    /// `Thursday`.
    pub fn weekday_name(self) -> &'static str {
        const NAMES: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
        NAMES[self.0.weekday().num_days_from_monday() as usize]
    }

    /// `November`.
    pub fn month_name(self) -> &'static str {
        const NAMES: [&str; 12] = [
            "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
            "December",
        ];
        NAMES[self.0.month0() as usize]
    }
}

/// Writes `n` as exactly `out.len()` digits (years 1–9999, and two-digit fields, fit).
fn put_digits(out: &mut [u8], mut n: u32) {
    for place in out.iter_mut().rev() {
        *place = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// `yyyy-MM-dd HH:mm:ss` into a fixed buffer: the API writes five of these per row, and the
/// general formatting machinery was a seventh of a list request's time.
fn wire_text(date: NaiveDate, time: NaiveTime) -> [u8; 19] {
    let mut b = *b"0000-00-00 00:00:00";
    put_digits(&mut b[0..4], date.year().clamp(0, 9999) as u32);
    put_digits(&mut b[5..7], date.month());
    put_digits(&mut b[8..10], date.day());
    put_digits(&mut b[11..13], time.hour());
    put_digits(&mut b[14..16], time.minute());
    put_digits(&mut b[17..19], time.second());
    b
}

fn write_ascii(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    // Only ASCII digits and separators are ever written into the buffer.
    f.write_str(std::str::from_utf8(bytes).map_err(|_| fmt::Error)?)
}

impl fmt::Display for OdDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_ascii(f, &wire_text(self.0, NaiveTime::MIN)[..10])
    }
}

/// A wall-clock time of day, `HH:mm:ss` on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OdTime(NaiveTime);

impl OdTime {
    pub const FORMAT: &'static str = "HH:mm:ss";

    pub fn parse(s: &str) -> Result<Self, FormatError> {
        let s = s.trim();
        if !has_shape(s, "99:99:99") {
            return Err(format_error(s, "time", Self::FORMAT));
        }
        let num = |from, len| digits(s, from, len);
        NaiveTime::from_hms_opt(num(0, 2), num(3, 2), num(6, 2))
            .map(OdTime)
            .ok_or_else(|| format_error(s, "time", Self::FORMAT))
    }

    pub fn new(time: NaiveTime) -> Self {
        OdTime(time)
    }

    pub fn get(self) -> NaiveTime {
        self.0
    }

    pub fn minutes_since_midnight(self) -> i64 {
        i64::from(self.0.num_seconds_from_midnight()) / 60
    }
}

impl fmt::Display for OdTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_ascii(f, &wire_text(NaiveDate::MIN, self.0)[11..])
    }
}

/// A local wall-clock date and time, `yyyy-MM-dd HH:mm:ss` on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OdDateTime(NaiveDateTime);

impl OdDateTime {
    pub const FORMAT: &'static str = "yyyy-MM-dd HH:mm:ss";

    pub fn parse(s: &str) -> Result<Self, FormatError> {
        let s = s.trim();
        if !has_shape(s, "9999-99-99 99:99:99") {
            return Err(format_error(s, "date-time", Self::FORMAT));
        }
        let num = |from, len| digits(s, from, len);
        NaiveDate::from_ymd_opt(num(0, 4) as i32, num(5, 2), num(8, 2))
            .and_then(|d| d.and_hms_opt(num(11, 2), num(14, 2), num(17, 2)))
            .map(OdDateTime)
            .ok_or_else(|| format_error(s, "date-time", Self::FORMAT))
    }

    /// Open Dental's "never": `0001-01-01 00:00:00`.
    pub fn never() -> Self {
        OdDateTime(NaiveDateTime::new(
            NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN),
            NaiveTime::MIN,
        ))
    }

    pub fn is_never(self) -> bool {
        self.0.year() <= 1
    }

    pub fn new(value: NaiveDateTime) -> Self {
        // Sub-second precision is not part of the wire format; dropping it keeps a value
        // equal to itself after a round trip through the database or JSON.
        OdDateTime(value.with_nanosecond(0).unwrap_or(value))
    }

    pub fn from_parts(date: OdDate, time: OdTime) -> Self {
        OdDateTime(date.0.and_time(time.0))
    }

    pub fn get(self) -> NaiveDateTime {
        self.0
    }

    pub fn date(self) -> OdDate {
        OdDate(self.0.date())
    }

    pub fn time(self) -> OdTime {
        OdTime(self.0.time())
    }

    pub fn plus_minutes(self, minutes: i64) -> Self {
        OdDateTime(self.0 + Duration::minutes(minutes))
    }

    /// Whole minutes from `self` to `later` (negative when `later` is earlier).
    pub fn minutes_until(self, later: OdDateTime) -> i64 {
        (later.0 - self.0).num_minutes()
    }

    /// Whole seconds from `self` to `later` (negative when `later` is earlier).
    pub fn seconds_until(self, later: OdDateTime) -> i64 {
        (later.0 - self.0).num_seconds()
    }

    /// `None` for "never", so pages can show a blank instead of year 1.
    pub fn known(self) -> Option<Self> {
        (!self.is_never()).then_some(self)
    }
}

impl fmt::Display for OdDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_ascii(f, &wire_text(self.0.date(), self.0.time()))
    }
}

macro_rules! string_serde {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let text = self.wire_bytes();
                serializer.serialize_str(std::str::from_utf8(&text[..]).map_err(serde::ser::Error::custom)?)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                <$ty>::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        impl std::str::FromStr for $ty {
            type Err = FormatError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$ty>::parse(s)
            }
        }
    };
}

impl OdDate {
    fn wire_bytes(self) -> [u8; 10] {
        let all = wire_text(self.0, NaiveTime::MIN);
        let mut b = [0; 10];
        b.copy_from_slice(&all[..10]);
        b
    }
}

impl OdTime {
    fn wire_bytes(self) -> [u8; 8] {
        let all = wire_text(NaiveDate::MIN, self.0);
        let mut b = [0; 8];
        b.copy_from_slice(&all[11..]);
        b
    }
}

impl OdDateTime {
    fn wire_bytes(self) -> [u8; 19] {
        wire_text(self.0.date(), self.0.time())
    }
}

string_serde!(OdDate);
string_serde!(OdTime);
string_serde!(OdDateTime);

#[cfg(feature = "ssr")]
mod schema {
    use super::*;
    use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};

    fn string_schema(pattern: &str, example: &str, description: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
            .description(Some(description))
            .examples([serde_json::Value::String(example.to_string())])
            .into()
    }

    impl utoipa::PartialSchema for OdDate {
        fn schema() -> RefOr<Schema> {
            string_schema(r"^\d{4}-\d{2}-\d{2}$", "2023-09-14", "Date, yyyy-MM-dd.")
        }
    }
    impl utoipa::ToSchema for OdDate {}

    impl utoipa::PartialSchema for OdTime {
        fn schema() -> RefOr<Schema> {
            string_schema(r"^\d{2}:\d{2}:\d{2}$", "14:00:00", "Time of day, HH:mm:ss.")
        }
    }
    impl utoipa::ToSchema for OdTime {}

    impl utoipa::PartialSchema for OdDateTime {
        fn schema() -> RefOr<Schema> {
            string_schema(
                r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$",
                "2023-08-24 10:04:14",
                "Office wall-clock date-time, yyyy-MM-dd HH:mm:ss; 0001-01-01 00:00:00 means none.",
            )
        }
    }
    impl utoipa::ToSchema for OdDateTime {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_time_round_trips_the_wire_format() {
        let t = OdDateTime::parse("2023-08-24 10:04:14").unwrap();
        assert_eq!(t.to_string(), "2023-08-24 10:04:14");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2023-08-24 10:04:14\"");
        let back: OdDateTime = serde_json::from_str("\"2023-08-24 10:04:14\"").unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn never_is_year_one() {
        assert_eq!(OdDateTime::never().to_string(), "0001-01-01 00:00:00");
        assert!(OdDateTime::parse("0001-01-01 00:00:00").unwrap().is_never());
        assert_eq!(OdDateTime::never().known(), None);
    }

    #[test]
    fn refuses_loose_shapes_with_the_expected_format() {
        for bad in ["2023-1-05", "2023-01-05T10:00:00", "2023-02-30", "", "yesterday"] {
            assert!(OdDate::parse(bad).is_err(), "{bad}");
        }
        let err = OdDateTime::parse("2023-10-18T14:00:00").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`2023-10-18T14:00:00` is not a valid date-time. Use yyyy-MM-dd HH:mm:ss."
        );
        assert!(OdTime::parse("24:00:00").is_err());
        assert!(OdTime::parse("9:00:00").is_err());
    }

    #[test]
    fn arithmetic_keeps_wall_clock() {
        let t = OdDateTime::parse("2023-10-18 14:00:00").unwrap();
        assert_eq!(t.plus_minutes(7 * 24 * 60).to_string(), "2023-10-25 14:00:00");
        assert_eq!(t.minutes_until(t.plus_minutes(45)), 45);
        assert_eq!(OdDate::parse("2023-12-31").unwrap().add_days(1).to_string(), "2024-01-01");
    }

    #[test]
    fn reads_as_people_write_it() {
        let d = OdDate::parse("2026-11-26").unwrap();
        assert_eq!((d.weekday_short(), d.weekday_name(), d.month_name()), ("Thu", "Thursday", "November"));
        assert_eq!(OdDate::parse("2027-01-03").unwrap().weekday_name(), "Sunday");
        assert_eq!(OdDate::parse("0001-01-01").unwrap().to_string(), "0001-01-01");
        assert_eq!(OdTime::parse("09:05:07").unwrap().to_string(), "09:05:07");
        assert!(OdDate::parse("2023-13-01").is_err());
        assert!(OdTime::parse("12:60:00").is_err());
    }
}
