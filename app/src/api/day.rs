//! The slot picker's server functions: read one clinic's day, and offer an opening.

use crate::domain::channels::SendMode;
use crate::model::AppError;
use crate::view::day::*;
use leptos::prelude::*;

#[server(prefix = "/ui-api", endpoint = "day", input = crate::api::codec::NamedJson)]
pub async fn load_day(query: DayQuery) -> Result<DayBoard, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.day(&caller, query).await)
}

/// More of the ASAP list: the next page, or those matching a name or fitting the chosen time.
#[server(prefix = "/ui-api", endpoint = "asap-list", input = crate::api::codec::NamedJson)]
pub async fn load_asap_list(query: AsapListQuery) -> Result<AsapListPage, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.asap_list(&caller, query).await)
}

/// `send_mode` may be left out: a text, as the REST API sends. Without `end` the opening is as
/// long as the longest visit chosen; without `message`, the clinic's templates go.
#[server(prefix = "/ui-api", endpoint = "offer", input = crate::api::codec::NamedJson)]
pub async fn send_offer(
    op: i64,
    start: String,
    recipients: Vec<CandidateKey>,
    #[server(default)] send_mode: SendMode,
    #[server(default)] end: Option<String>,
    #[server(default)] message: Option<OfferMessage>,
) -> Result<OfferOutcome, AppError> {
    let caller = crate::api::port::caller()?;
    let offer = PickerOffer { op, start, end, recipients, send_mode, message };
    crate::api::port::answer(crate::api::port::port()?.offer(&caller, offer).await)
}

/// Takes an opening back: its queued texts are not sent and its blockout goes.
#[server(prefix = "/ui-api", endpoint = "withdraw", input = crate::api::codec::NamedJson)]
pub async fn withdraw_opening(schedule_num: i64) -> Result<OpeningSummary, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.withdraw(&caller, schedule_num).await)
}
