//! The order of the ASAP list wherever candidates are shown or texted.
//!
//! Filling a slot from an unscheduled appointment opens no new hole in the schedule, so those
//! come first, then planned appointments, then the rest; each group latest first. Recalls follow.

use crate::model::{AptStatus, OdDateTime};
use std::cmp::Reverse;

/// Who could be offered an opening: an ASAP appointment or an ASAP recall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateKind {
    Appointment(AptStatus),
    Recall,
}

fn group(kind: CandidateKind) -> u8 {
    match kind {
        CandidateKind::Appointment(AptStatus::UnschedList) => 0,
        CandidateKind::Appointment(AptStatus::Planned) => 1,
        CandidateKind::Appointment(_) => 2,
        CandidateKind::Recall => 3,
    }
}

/// Sort key: group first, then the latest date (AptDateTime, or the recall's DateDue) first.
pub fn asap_order_key(kind: CandidateKind, date: OdDateTime, tie_break: i64) -> (u8, Reverse<OdDateTime>, i64) {
    (group(kind), Reverse(date), tie_break)
}

/// Which appointments belong on the ASAP list at all.
pub fn on_asap_list(status: AptStatus) -> bool {
    matches!(status, AptStatus::Scheduled | AptStatus::UnschedList | AptStatus::Broken | AptStatus::Planned)
}

/// Whether `patient` (as the list shows it, `LName, FName`) matches what staff typed: every word
/// typed appears in the name, in any case and order ("smi jo" finds "Smith, John").
pub fn name_matches(patient: &str, typed: &str) -> bool {
    let patient = patient.to_lowercase();
    typed.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).all(|w| patient.contains(&w.to_lowercase()))
}

/// The date beside an ASAP-list entry, in words that fit what it is and whether it has passed: a
/// scheduled appointment is "booked" then and a recall "due"; an appointment off the book "was"
/// set for a past time and is "set for" a later one.
pub fn date_words(kind: CandidateKind, original: OdDateTime, now: OdDateTime) -> String {
    use super::datetext::{day, when};
    let Some(at) = original.known() else { return "no date".into() };
    match kind {
        CandidateKind::Recall => format!("due {}", day(at.date())),
        CandidateKind::Appointment(AptStatus::Scheduled) => format!("booked {}", when(at)),
        CandidateKind::Appointment(_) if at > now => format!("set for {}", when(at)),
        CandidateKind::Appointment(_) => format!("was {}", when(at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_reads_as_what_it_is_and_whether_it_has_passed() {
        let now = OdDateTime::parse("2026-11-30 16:00:00").unwrap();
        let at = |s: &str| OdDateTime::parse(s).unwrap();
        let unscheduled = CandidateKind::Appointment(AptStatus::UnschedList);
        assert_eq!(date_words(unscheduled, at("2026-12-21 09:00:00"), now), "set for Mon 12/21/2026 9:00 AM");
        assert_eq!(date_words(unscheduled, at("2026-11-02 09:00:00"), now), "was Mon 11/02/2026 9:00 AM");
        assert_eq!(date_words(CandidateKind::Appointment(AptStatus::Planned), at("2027-01-04 10:00:00"), now), "set for Mon 01/04/2027 10:00 AM");
        assert_eq!(date_words(CandidateKind::Appointment(AptStatus::Scheduled), at("2026-12-21 09:00:00"), now), "booked Mon 12/21/2026 9:00 AM");
        assert_eq!(date_words(CandidateKind::Recall, at("2026-12-21 00:00:00"), now), "due Mon 12/21/2026");
        assert_eq!(date_words(unscheduled, OdDateTime::never(), now), "no date");
    }

    #[test]
    fn names_match_on_every_typed_word_in_any_case() {
        assert!(name_matches("Smith, John", ""));
        assert!(name_matches("Smith, John", "smith"));
        assert!(name_matches("Smith, John", "jo SMI"));
        assert!(name_matches("Smith, John", "Smith, John"));
        assert!(!name_matches("Smith, John", "smith jane"));
        assert!(name_matches("Øster, Åsa", "øster"));
    }

    fn dt(s: &str) -> OdDateTime {
        OdDateTime::parse(&format!("{s} 09:00:00")).unwrap()
    }

    #[test]
    fn unscheduled_then_planned_then_the_rest_then_recalls() {
        let mut list = vec![
            ("recall old", CandidateKind::Recall, dt("2031-01-01")),
            ("scheduled", CandidateKind::Appointment(AptStatus::Scheduled), dt("2031-03-28")),
            ("broken", CandidateKind::Appointment(AptStatus::Broken), dt("2031-03-01")),
            ("recall new", CandidateKind::Recall, dt("2031-03-20")),
            ("planned", CandidateKind::Appointment(AptStatus::Planned), dt("0001-01-01")),
            ("unsched older", CandidateKind::Appointment(AptStatus::UnschedList), dt("2031-01-10")),
            ("unsched newer", CandidateKind::Appointment(AptStatus::UnschedList), dt("2031-02-10")),
        ];
        list.sort_by_key(|(_, kind, date)| asap_order_key(*kind, *date, 0));
        let names: Vec<&str> = list.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(
            names,
            ["unsched newer", "unsched older", "planned", "scheduled", "broken", "recall new", "recall old"]
        );
    }

    #[test]
    fn only_open_statuses_are_on_the_list() {
        assert!(on_asap_list(AptStatus::Broken));
        assert!(!on_asap_list(AptStatus::Complete));
        assert!(!on_asap_list(AptStatus::PtNote));
    }
}
