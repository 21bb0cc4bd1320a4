//! The numbers an office manager uses to judge whether ASAP texting pays: per clinic and week,
//! openings offered and filled, the fill rate, how fast a claim comes, and texts per fill.

use crate::model::OpeningState;
use crate::model::{OdDate, OdDateTime};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether ASAP texting pays: one clinic's openings in one week (Monday to Sunday, by when they
/// were offered).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekOutcome {
    pub week_start: OdDate,
    pub clinic_num: i64,
    pub clinic: String,
    pub offered: i64,
    pub filled: i64,
    /// Median minutes from an opening's first text to the claim, over filled openings.
    pub median_minutes_to_claim: Option<i64>,
    pub texts_sent: i64,
}

impl WeekOutcome {
    /// Percent of offered openings that were filled.
    pub fn fill_rate(&self) -> Option<i64> {
        (self.offered > 0).then(|| (self.filled * 100 + self.offered / 2) / self.offered)
    }

    /// Texts sent per filled opening.
    pub fn texts_per_fill(&self) -> Option<f64> {
        (self.filled > 0).then(|| self.texts_sent as f64 / self.filled as f64)
    }
}

/// One opening as the outcomes read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpeningFacts {
    pub clinic_num: i64,
    pub offered_at: OdDateTime,
    pub state: OpeningState,
    pub closed_at: OdDateTime,
    /// When its first text went out; never if none did.
    pub first_text: OdDateTime,
    pub texts_sent: i64,
}

/// The Monday that starts `day`'s week.
pub fn week_start(day: OdDate) -> OdDate {
    day.add_days(-i64::from(day.get().weekday().num_days_from_monday()))
}

/// Groups openings by (week, clinic), newest week first, clinics in key order. `clinic_name`
/// names each clinic.
pub fn week_outcomes(openings: &[OpeningFacts], clinic_name: impl Fn(i64) -> String) -> Vec<WeekOutcome> {
    let mut groups: BTreeMap<(std::cmp::Reverse<OdDate>, i64), (WeekOutcome, Vec<i64>)> = BTreeMap::new();
    for o in openings {
        let week = week_start(o.offered_at.date());
        let (out, waits) = groups.entry((std::cmp::Reverse(week), o.clinic_num)).or_insert_with(|| {
            let outcome = WeekOutcome {
                week_start: week,
                clinic_num: o.clinic_num,
                clinic: clinic_name(o.clinic_num),
                offered: 0,
                filled: 0,
                median_minutes_to_claim: None,
                texts_sent: 0,
            };
            (outcome, Vec::new())
        });
        out.offered += 1;
        out.texts_sent += o.texts_sent;
        if o.state == OpeningState::Filled {
            out.filled += 1;
            if o.first_text.known().is_some() && o.closed_at.known().is_some() {
                waits.push(o.first_text.minutes_until(o.closed_at).max(0));
            }
        }
    }
    groups
        .into_values()
        .map(|(mut out, mut waits)| {
            waits.sort_unstable();
            out.median_minutes_to_claim = median(&waits);
            out
        })
        .collect()
}

/// The middle of sorted values (the mean of the middle two for an even count).
pub fn median(sorted: &[i64]) -> Option<i64> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> OdDateTime {
        OdDateTime::parse(s).unwrap()
    }

    fn opening(clinic: i64, offered: &str, state: OpeningState, first: &str, closed: &str, texts: i64) -> OpeningFacts {
        OpeningFacts { clinic_num: clinic, offered_at: dt(offered), state, closed_at: dt(closed), first_text: dt(first), texts_sent: texts }
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(week_start(OdDate::parse("2026-11-27").unwrap()).to_string(), "2026-11-23");
        assert_eq!(week_start(OdDate::parse("2026-11-23").unwrap()).to_string(), "2026-11-23");
        assert_eq!(week_start(OdDate::parse("2026-11-29").unwrap()).to_string(), "2026-11-23");
    }

    #[test]
    fn fill_rate_claim_time_and_texts_per_fill() {
        let never = "0001-01-01 00:00:00";
        let list = [
            opening(1, "2026-11-23 09:00:00", OpeningState::Filled, "2026-11-23 09:01:00", "2026-11-23 09:11:00", 3),
            opening(1, "2026-11-24 09:00:00", OpeningState::Filled, "2026-11-24 09:00:00", "2026-11-24 09:30:00", 5),
            opening(1, "2026-11-25 09:00:00", OpeningState::Lapsed, "2026-11-25 09:00:00", "2026-11-25 15:00:00", 4),
            opening(1, "2026-11-26 09:00:00", OpeningState::Withdrawn, never, "2026-11-26 09:05:00", 0),
            opening(2, "2026-11-20 09:00:00", OpeningState::Filled, "2026-11-20 09:00:00", "2026-11-20 09:45:00", 2),
        ];
        let weeks = week_outcomes(&list, |c| format!("Clinic {c}"));
        assert_eq!(weeks.len(), 2);
        let w = &weeks[0];
        assert_eq!((w.week_start.to_string().as_str(), w.clinic_num), ("2026-11-23", 1));
        assert_eq!((w.offered, w.filled, w.texts_sent), (4, 2, 12));
        assert_eq!(w.fill_rate(), Some(50));
        assert_eq!(w.median_minutes_to_claim, Some(20), "10 and 30 minutes");
        assert_eq!(w.texts_per_fill(), Some(6.0));
        assert_eq!(weeks[1].week_start.to_string(), "2026-11-16");
        assert_eq!(weeks[1].median_minutes_to_claim, Some(45));
        assert_eq!(week_outcomes(&[], |_| String::new()), vec![]);
    }
}
