//! The ASAP history page's one server function. It hands the URL's filters to the same
//! service (and the same validation) as `GET /api/v1/asapcomms`.

use crate::model::AppError;
use crate::view::history::*;
use leptos::prelude::*;

#[server(prefix = "/ui-api", endpoint = "history", input = crate::api::codec::NamedJson)]
pub async fn load_history(query: HistoryQuery) -> Result<HistoryPage, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.history(&caller, query).await)
}
