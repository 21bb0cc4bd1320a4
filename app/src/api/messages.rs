//! ASAP Message Setup's server functions (administrators only).

use crate::model::AppError;
use crate::view::messages::{MessageSetup, MessageSetupChange};
use leptos::prelude::*;

/// One level's messages: a clinic's, or the whole office's (clinic 0, the default).
#[server(prefix = "/ui-api", endpoint = "messages", input = crate::api::codec::NamedJson)]
pub async fn load_message_setup(#[server(default)] clinic: Option<i64>) -> Result<MessageSetup, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.message_setup(&caller, clinic.unwrap_or(0)).await)
}

#[server(prefix = "/ui-api", endpoint = "messages-save", input = crate::api::codec::NamedJson)]
pub async fn save_message_setup(change: MessageSetupChange) -> Result<MessageSetup, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.save_message_setup(&caller, change).await)
}

/// Removes a level's own messages: a clinic follows the whole office again.
#[server(prefix = "/ui-api", endpoint = "messages-reset", input = crate::api::codec::NamedJson)]
pub async fn reset_message_setup(clinic: i64) -> Result<MessageSetup, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.reset_message_setup(&caller, clinic).await)
}
