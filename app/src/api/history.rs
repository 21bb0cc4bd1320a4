//! The ASAP history page's server functions: the page, which hands the URL's filters to the same
//! service (and the same validation) as `GET /api/v1/asapcomms`, and taking one offer back.

use crate::model::AppError;
use crate::view::history::*;
use leptos::prelude::*;

#[server(prefix = "/ui-api", endpoint = "history", input = crate::api::codec::NamedJson)]
pub async fn load_history(query: HistoryQuery) -> Result<HistoryPage, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.history(&caller, query).await)
}

/// Takes back one patient's offer: their link no longer takes the time, and what is still queued
/// for them is not sent. The opening stays offered to the others.
#[server(prefix = "/ui-api", endpoint = "withdraw-offer", input = crate::api::codec::NamedJson)]
pub async fn withdraw_offer(asap_comm_num: i64) -> Result<String, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.withdraw_offer(&caller, asap_comm_num).await)
}
