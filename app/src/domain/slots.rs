//! Open time: provider schedule time in an operatory, minus what occupies it.
//! The Slots endpoint and the calendar grid both use these functions.

use super::Span;
use crate::model::{OdDateTime, Slot};
use chrono::Timelike;
use std::collections::HashMap;

/// A provider's scheduled time in one operatory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderTime {
    pub op_num: i64,
    pub prov_num: i64,
    pub span: Span,
}

/// Time an appointment or a no-schedule blockout holds in one operatory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occupied {
    pub op_num: i64,
    pub span: Span,
}

/// Open ranges at least `min_minutes` long, none starting before `not_before`,
/// ordered by start time and then operatory.
pub fn open_slots(
    provider_time: &[ProviderTime],
    occupied: &[Occupied],
    min_minutes: i64,
    not_before: OdDateTime,
) -> Vec<Slot> {
    let mut by_op: HashMap<i64, Vec<Span>> = HashMap::new();
    for o in occupied {
        by_op.entry(o.op_num).or_default().push(o.span);
    }
    let min_minutes = min_minutes.max(1);
    let mut slots: Vec<Slot> = provider_time
        .iter()
        .flat_map(|pt| {
            let taken = by_op.get(&pt.op_num).map(Vec::as_slice).unwrap_or(&[]);
            let window = Span::new(pt.span.start.max(not_before), pt.span.end);
            let free = if window.is_empty() { Vec::new() } else { window.subtract(taken) };
            free.into_iter()
                .filter(move |f| f.minutes() >= min_minutes)
                .map(move |f| Slot {
                    date_time_start: f.start,
                    date_time_end: f.end,
                    prov_num: pt.prov_num,
                    op_num: pt.op_num,
                })
        })
        .collect();
    slots.sort_by_key(|s| (s.date_time_start, s.op_num, s.prov_num));
    slots
}

/// The first whole increment at or after `at` (10:03 with 10 minutes gives 10:10).
pub fn round_up_to_increment(at: OdDateTime, increment_minutes: i64) -> OdDateTime {
    let step = increment_minutes.max(1) * 60;
    let rem = i64::from(at.get().num_seconds_from_midnight()) % step;
    if rem == 0 { at } else { OdDateTime::new(at.get() + chrono::Duration::seconds(step - rem)) }
}

/// Every start time, `step` minutes apart from the span's start, where `minutes` fit in `free`.
pub fn fitting_starts(free: &Span, minutes: i64, step: i64) -> Vec<OdDateTime> {
    let step = step.max(1);
    let mut starts = Vec::new();
    let mut at = free.start;
    while at.plus_minutes(minutes) <= free.end {
        starts.push(at);
        at = at.plus_minutes(step);
    }
    starts
}

/// Minutes free from `start` in one operatory: up to the end of the free span holding it,
/// or 0 when `start` is not free.
pub fn free_minutes_at(free: &[Span], start: OdDateTime) -> i64 {
    free.iter()
        .filter(|f| f.start <= start && start < f.end)
        .map(|f| start.minutes_until(f.end))
        .max()
        .unwrap_or(0)
}

/// Whether something `minutes` long can start at `start` in an operatory with these free spans.
pub fn fits_at(free: &[Span], start: OdDateTime, minutes: i64) -> bool {
    fits_opening(minutes, free_minutes_at(free, start))
}

/// Whether a patient whose visit takes `minutes` can be offered an opening with `free` minutes.
/// A visit of unknown length (no pattern) fits nothing: the office would not know what to book.
pub fn fits_opening(minutes: i64, free: i64) -> bool {
    minutes > 0 && minutes <= free
}

/// What is left of an opening after a claim took `taken` from its start: the time from the end
/// of the claimed visit to the end of the opening, when there is any. A claim always starts at
/// the opening's start; one that does not (the book moved under it) leaves nothing to split.
pub fn rest_of_opening(opening: Span, taken: Span) -> Option<Span> {
    let rest = Span::new(taken.end, opening.end);
    (taken.start == opening.start && taken.end > taken.start && !rest.is_empty()).then_some(rest)
}

/// Why an opening's chosen Start/End cannot be offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpeningLengthProblem {
    EndNotAfterStart { start: OdDateTime, end: OdDateTime },
    /// The longest visit chosen does not fit into the opening.
    TooShort { minutes: i64, longest_visit: i64 },
    PastMidnight { minutes: i64, start: OdDateTime },
}

impl std::fmt::Display for OpeningLengthProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use super::datetext::time_text;
        match self {
            OpeningLengthProblem::EndNotAfterStart { start, end } => {
                write!(f, "The opening ends at {} but starts at {}. Choose an end after the start.", time_text(*end), time_text(*start))
            }
            OpeningLengthProblem::TooShort { minutes, longest_visit } => write!(
                f,
                "The opening is {minutes} minutes, but a chosen patient needs {longest_visit}. Lengthen the opening or leave that patient out."
            ),
            OpeningLengthProblem::PastMidnight { minutes, start } => {
                write!(f, "An opening of {minutes} minutes from {start} would run past midnight. Choose an earlier time.")
            }
        }
    }
}

/// The opening offered: from `start` to the `end` staff chose, or, without one (the REST API),
/// as long as the longest visit offered into it. Every visit offered must fit.
pub fn opening_span(start: OdDateTime, end: Option<OdDateTime>, longest_visit: i64) -> Result<Span, OpeningLengthProblem> {
    let span = match end {
        Some(end) if end <= start => return Err(OpeningLengthProblem::EndNotAfterStart { start, end }),
        Some(end) => Span::new(start, end),
        None => Span::starting_at(start, longest_visit),
    };
    let minutes = span.minutes();
    if !span.within_one_day() {
        return Err(OpeningLengthProblem::PastMidnight { minutes, start });
    }
    if longest_visit > minutes {
        return Err(OpeningLengthProblem::TooShort { minutes, longest_visit });
    }
    Ok(span)
}

/// "1 patient offered", "3 patients offered": how an opening reads in the grid. Their messages
/// may still wait for a wave or the messaging hours, so it does not say "sent".
pub fn offers_made_text(offers: i64) -> String {
    format!("{offers} {} offered", if offers == 1 { "patient" } else { "patients" })
}

#[cfg(test)]
mod fit_tests {
    use super::*;

    #[test]
    fn the_rest_of_an_opening_runs_from_the_claimed_visit_to_its_end() {
        let opening = Span::new(at("09:00"), at("10:30"));
        assert_eq!(rest_of_opening(opening, Span::new(at("09:00"), at("10:00"))), Some(Span::new(at("10:00"), at("10:30"))));
        assert_eq!(rest_of_opening(opening, opening), None, "a visit that fills the opening leaves nothing");
        assert_eq!(rest_of_opening(opening, Span::new(at("09:00"), at("11:00"))), None, "nor one longer than it");
        assert_eq!(rest_of_opening(opening, Span::new(at("09:30"), at("10:00"))), None, "a claim not at the start splits nothing");
        assert_eq!(rest_of_opening(opening, Span::new(at("09:00"), at("09:00"))), None, "a visit of no length takes nothing");
    }

    fn at(hm: &str) -> OdDateTime {
        OdDateTime::parse(&format!("2031-03-17 {hm}:00")).unwrap()
    }

    #[test]
    fn free_minutes_run_to_the_end_of_the_span() {
        let free = [Span::new(at("08:00"), at("10:00")), Span::new(at("10:45"), at("12:00"))];
        assert_eq!(free_minutes_at(&free, at("08:00")), 120);
        assert_eq!(free_minutes_at(&free, at("09:30")), 30);
        assert_eq!(free_minutes_at(&free, at("10:00")), 0, "the end is not inside");
        assert_eq!(free_minutes_at(&free, at("10:20")), 0);
        assert_eq!(free_minutes_at(&free, at("10:45")), 75);
    }

    #[test]
    fn fits_needs_the_whole_length() {
        let free = [Span::new(at("08:00"), at("10:00"))];
        assert!(fits_at(&free, at("09:00"), 60));
        assert!(!fits_at(&free, at("09:10"), 60));
        assert!(!fits_at(&free, at("09:00"), 0));
        assert!(!fits_at(&[], at("09:00"), 10));
        assert!(fits_opening(60, 60));
        assert!(!fits_opening(70, 60));
        assert!(!fits_opening(0, 60), "a visit of unknown length fits nothing");
    }

    #[test]
    fn an_opening_runs_to_its_end_or_the_longest_visit() {
        assert_eq!(opening_span(at("09:00"), None, 60), Ok(Span::new(at("09:00"), at("10:00"))));
        assert_eq!(opening_span(at("09:00"), Some(at("10:30")), 60), Ok(Span::new(at("09:00"), at("10:30"))));
        assert_eq!(
            opening_span(at("09:00"), Some(at("09:40")), 60),
            Err(OpeningLengthProblem::TooShort { minutes: 40, longest_visit: 60 })
        );
        assert!(matches!(opening_span(at("09:00"), Some(at("09:00")), 10), Err(OpeningLengthProblem::EndNotAfterStart { .. })));
        assert!(matches!(opening_span(at("23:30"), None, 60), Err(OpeningLengthProblem::PastMidnight { minutes: 60, .. })));
        assert_eq!(
            OpeningLengthProblem::TooShort { minutes: 40, longest_visit: 60 }.to_string(),
            "The opening is 40 minutes, but a chosen patient needs 60. Lengthen the opening or leave that patient out."
        );
    }

    #[test]
    fn offer_counts_read_in_words() {
        assert_eq!(offers_made_text(1), "1 patient offered");
        assert_eq!(offers_made_text(7), "7 patients offered");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hm: &str) -> OdDateTime {
        OdDateTime::parse(&format!("2031-03-17 {hm}:00")).unwrap()
    }
    fn span(a: &str, b: &str) -> Span {
        Span::new(at(a), at(b))
    }

    #[test]
    fn schedule_minus_appointments_and_blockouts() {
        let provider = [
            ProviderTime { op_num: 1, prov_num: 1, span: span("08:00", "17:00") },
            ProviderTime { op_num: 2, prov_num: 2, span: span("08:00", "16:00") },
        ];
        let occupied = [
            Occupied { op_num: 1, span: span("09:00", "09:50") },
            Occupied { op_num: 1, span: span("12:00", "13:00") },
            Occupied { op_num: 2, span: span("12:00", "13:00") },
        ];
        let slots = open_slots(&provider, &occupied, 0, at("00:00"));
        let got: Vec<(i64, String, String)> = slots
            .iter()
            .map(|s| (s.op_num, s.date_time_start.time().to_string(), s.date_time_end.time().to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "08:00:00".into(), "09:00:00".into()),
                (2, "08:00:00".into(), "12:00:00".into()),
                (1, "09:50:00".into(), "12:00:00".into()),
                (1, "13:00:00".into(), "17:00:00".into()),
                (2, "13:00:00".into(), "16:00:00".into()),
            ]
        );
    }

    #[test]
    fn minimum_length_and_not_before_trim_the_result() {
        let provider = [ProviderTime { op_num: 1, prov_num: 1, span: span("08:00", "17:00") }];
        let occupied = [Occupied { op_num: 1, span: span("09:00", "16:30") }];
        let long = open_slots(&provider, &occupied, 45, at("00:00"));
        assert_eq!(long.len(), 1);
        assert_eq!(long[0].date_time_start, at("08:00"));
        let later = open_slots(&provider, &occupied, 30, at("08:40"));
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].date_time_start, at("16:30"));
    }

    #[test]
    fn rounding_up_to_the_increment() {
        assert_eq!(round_up_to_increment(at("10:03"), 10), at("10:10"));
        assert_eq!(round_up_to_increment(at("10:10"), 10), at("10:10"));
        assert_eq!(round_up_to_increment(OdDateTime::parse("2031-03-17 10:10:01").unwrap(), 10), at("10:20"));
        assert_eq!(round_up_to_increment(OdDateTime::parse("2031-03-17 23:55:00").unwrap(), 15), OdDateTime::parse("2031-03-18 00:00:00").unwrap());
    }

    #[test]
    fn fitting_starts_step_through_the_free_time() {
        let starts = fitting_starts(&span("13:00", "14:00"), 40, 10);
        assert_eq!(starts, vec![at("13:00"), at("13:10"), at("13:20")]);
        assert!(fitting_starts(&span("13:00", "13:30"), 40, 10).is_empty());
    }
}
