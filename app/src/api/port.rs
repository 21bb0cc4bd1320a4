//! The port the server functions call: the server implements it, the pages never see it.

use crate::view::access::{AuditPage, AuditQuery, Caller, NewStaffUser, StaffUser, UserChange};
use crate::view::day::{AsapListPage, AsapListQuery, DayBoard, DayQuery, OfferOutcome, OpeningSummary, PickerOffer};
use crate::view::history::{HistoryPage, HistoryQuery};
use crate::view::messages::{MessageSetup, MessageSetupChange};
use crate::view::outbox::OutboxPage;
use crate::view::overview::OfficeOverview;
use crate::view::sync::SyncStatus;
use crate::model::AppError;
use std::sync::Arc;

/// What the pages need from the server. The server crate implements it over the database and
/// provides it to every request through Leptos context. Every method is told who is asking.
#[async_trait::async_trait]
pub trait AsapPort: Send + Sync + 'static {
    async fn overview(&self, caller: &Caller) -> Result<OfficeOverview, AppError>;
    async fn save_reckoning(&self, caller: &Caller, reckoning: crate::domain::earnings::Reckoning) -> Result<crate::domain::earnings::Reckoning, AppError>;
    async fn clinics(&self, caller: &Caller) -> Result<Vec<crate::model::Clinic>, AppError>;
    async fn history(&self, caller: &Caller, query: HistoryQuery) -> Result<HistoryPage, AppError>;
    async fn day(&self, caller: &Caller, query: DayQuery) -> Result<DayBoard, AppError>;
    async fn asap_list(&self, caller: &Caller, query: AsapListQuery) -> Result<AsapListPage, AppError>;
    async fn offer(&self, caller: &Caller, offer: PickerOffer) -> Result<OfferOutcome, AppError>;
    async fn withdraw(&self, caller: &Caller, schedule_num: i64) -> Result<OpeningSummary, AppError>;
    /// Takes back one patient's offer; says what was done.
    async fn withdraw_offer(&self, caller: &Caller, asap_comm_num: i64) -> Result<String, AppError>;
    async fn outbox(&self, caller: &Caller, before: Option<i64>) -> Result<OutboxPage, AppError>;
    /// Texts `body` back to the outbox text `message_num` as its patient would; the server's
    /// answer, in words.
    async fn outbox_reply(&self, caller: &Caller, message_num: i64, body: String) -> Result<String, AppError>;
    async fn users(&self, caller: &Caller) -> Result<Vec<StaffUser>, AppError>;
    async fn add_user(&self, caller: &Caller, user: NewStaffUser) -> Result<StaffUser, AppError>;
    async fn change_user(&self, caller: &Caller, user_num: i64, change: UserChange) -> Result<StaffUser, AppError>;
    async fn audit(&self, caller: &Caller, query: AuditQuery) -> Result<AuditPage, AppError>;
    async fn sync_status(&self, caller: &Caller) -> Result<SyncStatus, AppError>;
    async fn message_setup(&self, caller: &Caller, clinic_num: i64) -> Result<MessageSetup, AppError>;
    async fn save_message_setup(&self, caller: &Caller, change: MessageSetupChange) -> Result<MessageSetup, AppError>;
    async fn reset_message_setup(&self, caller: &Caller, clinic_num: i64) -> Result<MessageSetup, AppError>;
}

pub type SharedPort = Arc<dyn AsapPort>;

/// The port provided for this request.
pub fn port() -> Result<SharedPort, AppError> {
    leptos::prelude::use_context::<SharedPort>()
        .ok_or_else(|| AppError::Internal("The service is not available to this request.".into()))
}

/// The signed-in user this request comes from; the server's session check put it on the request.
pub fn caller() -> Result<Caller, AppError> {
    let caller = leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<Caller>().cloned());
    answer(caller.ok_or_else(|| AppError::Unauthorized("Your session has ended. Sign in again.".into())))
}

/// Hands a result back with the HTTP status its error calls for (400, 401, 403, 404, 409…),
/// instead of the framework's blanket 500.
pub fn answer<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(e.status()) {
                options.set_status(status);
            }
        }
    }
    result
}
