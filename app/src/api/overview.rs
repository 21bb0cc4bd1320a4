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
}

#[server(prefix = "/ui-api", endpoint = "overview")]
pub async fn load_office_overview() -> Result<OfficeOverview, AppError> {
    crate::api::port::port()?.overview().await
}

/// The clinics, for filters and pickers.
#[server(prefix = "/ui-api", endpoint = "clinics")]
pub async fn load_clinics() -> Result<Vec<crate::model::Clinic>, AppError> {
    crate::api::port::port()?.clinics().await
}
