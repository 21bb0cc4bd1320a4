//! What takes up time in an operatory.

use crate::model::AptStatus;

/// Appointments on the Unscheduled List and Planned appointments are not on the schedule, and
/// a broken (missed or cancelled) appointment left on it no longer keeps its chair: none of them
/// hold time. Every other appointment in an operatory does.
pub fn occupies_time(status: AptStatus) -> bool {
    !matches!(status, AptStatus::UnschedList | AptStatus::Planned | AptStatus::Broken)
}

/// A blockout type blocks scheduling when its ItemValue carries the `NS` flag.
/// ItemValue is a list of flags separated by commas or spaces (`"NS"`, `"NS,DontCopy"`).
pub fn blocks_scheduling(item_value: &str) -> bool {
    item_value
        .split(|c: char| c == ',' || c.is_whitespace())
        .any(|flag| flag.eq_ignore_ascii_case("NS"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unscheduled_planned_and_broken_hold_no_time() {
        assert!(!occupies_time(AptStatus::UnschedList));
        assert!(!occupies_time(AptStatus::Planned));
        assert!(!occupies_time(AptStatus::Broken), "a cancelled or missed appointment frees its chair");
        for s in [AptStatus::Scheduled, AptStatus::Complete, AptStatus::PtNote] {
            assert!(occupies_time(s), "{s}");
        }
    }

    #[test]
    fn ns_flag_is_read_from_the_item_value() {
        assert!(blocks_scheduling("NS"));
        assert!(blocks_scheduling("DontCopy,NS"));
        assert!(blocks_scheduling("ns dontcopy"));
        assert!(!blocks_scheduling(""));
        assert!(!blocks_scheduling("NSX"));
        assert!(!blocks_scheduling("DontCopy"));
    }
}
