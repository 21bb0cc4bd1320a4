//! Half-open time spans `[start, end)` on the office's wall clock.

use crate::model::OdDateTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub start: OdDateTime,
    pub end: OdDateTime,
}

impl Span {
    pub fn new(start: OdDateTime, end: OdDateTime) -> Self {
        Span { start, end }
    }

    pub fn starting_at(start: OdDateTime, minutes: i64) -> Self {
        Span { start, end: start.plus_minutes(minutes) }
    }

    pub fn minutes(&self) -> i64 {
        self.start.minutes_until(self.end)
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// An opening must lie within one day: an offer whose opening would run past midnight is
    /// refused.
    pub fn within_one_day(&self) -> bool {
        self.end.date() == self.start.date()
    }

    /// The earliest an opening overlapping `self` can start. Openings lie within one day, so none
    /// that starts before the day `self` starts on can reach it: a search for overlapping openings
    /// reads that day, not every opening before it.
    pub fn earliest_overlapping_opening_start(&self) -> OdDateTime {
        self.start.date().start()
    }

    /// Two spans share time. Touching ends (09:00–10:00 and 10:00–11:00) do not overlap.
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// `other` lies wholly inside `self`.
    pub fn contains(&self, other: &Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// What is left of `self` after taking out every span in `taken`, in time order.
    pub fn subtract(&self, taken: &[Span]) -> Vec<Span> {
        let mut cuts: Vec<&Span> = taken.iter().filter(|t| t.overlaps(self)).collect();
        cuts.sort();
        let mut free = Vec::new();
        let mut cursor = self.start;
        for cut in cuts {
            if cut.start > cursor {
                free.push(Span::new(cursor, cut.start));
            }
            if cut.end > cursor {
                cursor = cut.end;
            }
        }
        if cursor < self.end {
            free.push(Span::new(cursor, self.end));
        }
        free
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opening_overlapping_a_span_starts_on_its_day() {
        let taken = Span::new(at("09:00"), at("10:00"));
        assert_eq!(taken.earliest_overlapping_opening_start().to_string(), "2031-03-17 00:00:00");
        assert!(taken.within_one_day());
        let to_midnight = Span::starting_at(at("23:00"), 60);
        assert!(!to_midnight.within_one_day(), "an opening ending at midnight runs into the next day");
        assert!(Span::starting_at(at("23:00"), 59).within_one_day());
    }

    fn at(hm: &str) -> OdDateTime {
        OdDateTime::parse(&format!("2031-03-17 {hm}:00")).unwrap()
    }

    fn span(a: &str, b: &str) -> Span {
        Span::new(at(a), at(b))
    }

    #[test]
    fn overlap_is_half_open() {
        assert!(span("09:00", "10:00").overlaps(&span("09:30", "09:40")));
        assert!(span("09:00", "10:00").overlaps(&span("08:00", "09:01")));
        assert!(!span("09:00", "10:00").overlaps(&span("10:00", "11:00")));
        assert!(!span("09:00", "10:00").overlaps(&span("08:00", "09:00")));
    }

    #[test]
    fn subtract_leaves_the_free_pieces() {
        let day = span("08:00", "17:00");
        let free = day.subtract(&[span("12:00", "13:00"), span("09:00", "10:00"), span("09:30", "10:30")]);
        assert_eq!(free, vec![span("08:00", "09:00"), span("10:30", "12:00"), span("13:00", "17:00")]);
        assert_eq!(day.subtract(&[span("07:00", "18:00")]), vec![]);
        assert_eq!(day.subtract(&[]), vec![day]);
    }

    #[test]
    fn minutes_and_containment() {
        assert_eq!(Span::starting_at(at("14:00"), 50).end, at("14:50"));
        assert_eq!(span("14:00", "14:50").minutes(), 50);
        assert!(span("08:00", "17:00").contains(&span("16:00", "17:00")));
        assert!(!span("08:00", "17:00").contains(&span("16:30", "17:30")));
    }
}
