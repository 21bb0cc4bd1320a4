//! The local outbox: texts the demo "delivered", newest first, for staff to read and open.

use crate::model::AppError;
use crate::view::outbox::*;
use leptos::prelude::*;

#[server(prefix = "/ui-api", endpoint = "outbox", input = crate::api::codec::NamedJson)]
pub async fn load_outbox(before: Option<i64>) -> Result<OutboxPage, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.outbox(&caller, before).await)
}

/// Replies to a text in the outbox as its patient would from their phone (YES, a number, STOP,
/// HELP): the way to try booking by reply while texts go to the outbox.
#[server(prefix = "/ui-api", endpoint = "outbox-reply", input = crate::api::codec::NamedJson)]
pub async fn reply_as_patient(message_num: i64, body: String) -> Result<String, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.outbox_reply(&caller, message_num, body).await)
}
