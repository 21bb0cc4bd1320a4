//! How dates and times read for people, in texts, notes and pages: the US forms Open Dental uses
//! ([Date] `08/28/2023`, [Time] `2:00 PM`) and the longer ones built from them. One place, so a
//! text, the history and the patient's page never write the same moment two ways. "Never"
//! (`0001-01-01`) reads as blank wherever a page may show it.

use crate::model::{OdDate, OdDateTime};
use chrono::{Datelike, Timelike};

/// `08/28/2023`, as Open Dental writes [Date].
pub fn date_text(d: OdDate) -> String {
    let d = d.get();
    format!("{:02}/{:02}/{:04}", d.month(), d.day(), d.year())
}

/// `2:00 PM`, as Open Dental writes [Time].
pub fn time_text(at: OdDateTime) -> String {
    let (pm, hour) = at.get().hour12();
    format!("{hour}:{:02} {}", at.get().minute(), if pm { "PM" } else { "AM" })
}

/// `Thu 11/26`, for notes that say when a text will go.
pub fn short_day(d: OdDate) -> String {
    format!("{} {}", d.weekday_short(), &date_text(d)[..5])
}

/// `Thu 11/26/2026`, or blank for never.
pub fn day(d: OdDate) -> String {
    if d.is_never() {
        return String::new();
    }
    format!("{} {}", d.weekday_short(), date_text(d))
}

/// `Thu 11/26/2026 2:00 PM`, or blank for never.
pub fn when(at: OdDateTime) -> String {
    match at.known() {
        Some(at) => format!("{} {}", day(at.date()), time_text(at)),
        None => String::new(),
    }
}

/// `2:00 PM–3:00 PM`, or blank when the start is never.
pub fn span_text(start: OdDateTime, end: OdDateTime) -> String {
    if start.known().is_none() {
        return String::new();
    }
    format!("{}–{}", time_text(start), time_text(end))
}

/// `Thursday, November 26, 2026`.
pub fn long_date(d: OdDate) -> String {
    format!("{}, {} {}, {}", d.weekday_name(), d.month_name(), d.get().day(), d.get().year())
}

/// `Thursday, November 26 at 2:00 PM`.
pub fn long_when(at: OdDateTime) -> String {
    let d = at.date();
    format!("{}, {} {} at {}", d.weekday_name(), d.month_name(), d.get().day(), time_text(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> OdDateTime {
        OdDateTime::parse(s).unwrap()
    }

    #[test]
    fn each_form_of_a_moment() {
        let t = at("2026-11-26 14:05:00");
        assert_eq!(date_text(t.date()), "11/26/2026");
        assert_eq!(time_text(t), "2:05 PM");
        assert_eq!(time_text(at("2026-11-26 00:30:00")), "12:30 AM");
        assert_eq!(time_text(at("2026-11-26 12:00:00")), "12:00 PM");
        assert_eq!(time_text(at("2023-10-18 09:05:00")), "9:05 AM", "no leading zero");
        assert_eq!(date_text(at("2025-06-17 13:30:00").date()), "06/17/2025", "leading zeros");
        assert_eq!(short_day(t.date()), "Thu 11/26");
        assert_eq!(day(t.date()), "Thu 11/26/2026");
        assert_eq!(when(t), "Thu 11/26/2026 2:05 PM");
        assert_eq!(span_text(t, at("2026-11-26 15:10:00")), "2:05 PM–3:10 PM");
        assert_eq!(long_date(t.date()), "Thursday, November 26, 2026");
        assert_eq!(long_when(t), "Thursday, November 26 at 2:05 PM");
    }

    #[test]
    fn never_reads_as_blank() {
        assert_eq!(when(OdDateTime::never()), "");
        assert_eq!(day(OdDate::parse("0001-01-01").unwrap()), "");
        assert_eq!(span_text(OdDateTime::never(), OdDateTime::never()), "");
    }
}
