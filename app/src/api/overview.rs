//! The overview page's server functions.

use crate::model::AppError;
use crate::view::overview::*;
use leptos::prelude::*;

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

/// Sets the values the earnings are reckoned with (administrators).
#[server(prefix = "/ui-api", endpoint = "reckoning-save", input = crate::api::codec::NamedJson)]
pub async fn save_reckoning(reckoning: crate::domain::earnings::Reckoning) -> Result<crate::domain::earnings::Reckoning, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.save_reckoning(&caller, reckoning).await)
}
