//! The Open Dental sync badge's server function.

use crate::model::AppError;
use crate::view::sync::SyncStatus;
use leptos::prelude::*;

#[server(prefix = "/ui-api", endpoint = "sync-status", input = crate::api::codec::NamedJson)]
pub async fn load_sync_status() -> Result<SyncStatus, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.sync_status(&caller).await)
}
