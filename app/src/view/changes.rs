//! What changed, as the server pushes it to open pages (`/ui-api/events`).

use serde::{Deserialize, Serialize};

/// Server-sent events come from here.
pub const EVENTS_PATH: &str = "/ui-api/events";

/// What a change touched.
pub mod kind {
    pub const OFFER: i64 = 1;
    pub const OPENING: i64 = 2;
    pub const APPOINTMENT: i64 = 3;
    pub const OFFICE: i64 = 4;
    pub const OUTBOX: i64 = 5;
}

/// One change: its kind, clinic, and the day it concerns (an offer's entry day; an opening's or
/// appointment's day); `slot_day` is an offer's opening day, or an appointment's previous day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: i64,
    pub clinic: i64,
    pub day: String,
    pub slot_day: String,
}

/// The changes seen in one look, with the newest change number (the event id).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeBatch {
    pub last: i64,
    pub changes: Vec<Change>,
}

impl ChangeBatch {
    /// Only what a user limited to `clinics` may hear of (office-wide changes name no clinic).
    pub fn for_clinics(&self, clinics: Option<&[i64]>) -> ChangeBatch {
        let Some(list) = clinics else { return self.clone() };
        ChangeBatch {
            last: self.last,
            changes: self.changes.iter().filter(|c| c.kind == kind::OFFICE || list.contains(&c.clinic)).cloned().collect(),
        }
    }

    /// Whether any change of these kinds concerns the clinic (None: any) on a day in `[first, last]`.
    pub fn touches(&self, kinds: &[i64], clinic: Option<i64>, first: &str, last: &str) -> bool {
        self.changes.iter().any(|c| {
            kinds.contains(&c.kind)
                && clinic.is_none_or(|n| n == c.clinic)
                && ((c.day.as_str() >= first && c.day.as_str() <= last) || (c.slot_day.as_str() >= first && c.slot_day.as_str() <= last))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: i64, clinic: i64, day: &str, slot_day: &str) -> Change {
        Change { kind, clinic, day: day.into(), slot_day: slot_day.into() }
    }

    #[test]
    fn pages_hear_only_what_concerns_them() {
        let batch = ChangeBatch {
            last: 9,
            changes: vec![change(kind::OFFER, 1, "2031-03-17", "2031-03-20"), change(kind::OFFICE, 0, "", "")],
        };
        assert!(batch.touches(&[kind::OFFER], Some(1), "2031-03-17", "2031-03-17"));
        assert!(batch.touches(&[kind::OFFER], None, "2031-03-20", "2031-03-20"), "the opening's day counts too");
        assert!(!batch.touches(&[kind::OFFER], Some(2), "2031-03-17", "2031-03-17"));
        assert!(!batch.touches(&[kind::OPENING], None, "2031-03-01", "2031-03-31"));
        let restricted = batch.for_clinics(Some(&[2]));
        assert_eq!(restricted.changes, vec![change(kind::OFFICE, 0, "", "")]);
        assert_eq!(batch.for_clinics(None), batch);
    }
}
