//! The overview page: what the office data holds and whether ASAP texting pays.

use crate::domain::earnings::{Earned, Reckoning};
use crate::domain::outcomes::WeekOutcome;
use serde::{Deserialize, Serialize};

/// A one-glance summary of the office data the server holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeOverview {
    pub practice_title: String,
    pub clinics: i64,
    pub operatories: i64,
    pub patients: i64,
    pub asap_appointments: i64,
    pub asap_recalls: i64,
    pub offers_last_7_days: i64,
    /// Per clinic and week, newest week first.
    pub outcomes: Vec<WeekOutcome>,
    /// What ASAP texting earned per clinic, by week (the last twelve) and by month (the last six),
    /// newest first.
    #[serde(default)]
    pub earned_weeks: Vec<Earned>,
    #[serde(default)]
    pub earned_months: Vec<Earned>,
    /// The values the earnings are reckoned with.
    #[serde(default)]
    pub reckoning: Reckoning,
    /// The caller may change them (administrators).
    #[serde(default)]
    pub may_set_reckoning: bool,
}
