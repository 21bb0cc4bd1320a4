use crate::model::AppError;
use leptos::prelude::*;
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
}

/// Whether ASAP texting pays: one clinic's openings in one week (Monday to Sunday, by when they
/// were offered).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekOutcome {
    pub week_start: crate::model::OdDate,
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

#[server(prefix = "/ui-api", endpoint = "overview", input = crate::api::codec::NamedJson)]
pub async fn load_office_overview() -> Result<OfficeOverview, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.overview(&caller).await)
}

/// The clinics, for filters and pickers.
#[server(prefix = "/ui-api", endpoint = "clinics", input = crate::api::codec::NamedJson)]
pub async fn load_clinics() -> Result<Vec<crate::model::Clinic>, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.clinics(&caller).await)
}
