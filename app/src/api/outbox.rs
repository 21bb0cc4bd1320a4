//! The local outbox: texts the demo "delivered", newest first, for staff to read and open.

use crate::model::AppError;
use crate::view::outbox::*;
use leptos::prelude::*;

#[server(prefix = "/ui-api", endpoint = "outbox", input = crate::api::codec::NamedJson)]
pub async fn load_outbox(before: Option<i64>) -> Result<OutboxPage, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.outbox(&caller, before).await)
}
