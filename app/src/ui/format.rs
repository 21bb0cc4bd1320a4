//! How dates and times read on the pages. The minimum date ("never") is always blank.

use crate::domain::template::time_text;
use crate::model::{OdDate, OdDateTime};

/// `Thu 11/26/2026 2:00 PM`, or blank for never.
pub fn when(at: OdDateTime) -> String {
    match at.known() {
        Some(at) => format!("{} {}", day(at.date()), time_text(at)),
        None => String::new(),
    }
}

/// `Thu 11/26/2026`.
pub fn day(d: OdDate) -> String {
    if d.is_never() {
        return String::new();
    }
    format!("{} {}", d.weekday_short(), d.us_text())
}

/// `2:00 PM–3:00 PM`.
pub fn span_text(start: OdDateTime, end: OdDateTime) -> String {
    if start.known().is_none() {
        return String::new();
    }
    format!("{}–{}", time_text(start), time_text(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_reads_as_blank() {
        assert_eq!(when(OdDateTime::never()), "");
        assert_eq!(day(OdDate::parse("0001-01-01").unwrap()), "");
        assert_eq!(when(OdDateTime::parse("2026-11-26 14:00:00").unwrap()), "Thu 11/26/2026 2:00 PM");
        assert_eq!(
            span_text(OdDateTime::parse("2026-11-26 14:00:00").unwrap(), OdDateTime::parse("2026-11-26 15:10:00").unwrap()),
            "2:00 PM–3:10 PM"
        );
    }
}
