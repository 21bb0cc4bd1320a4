use crate::api::{
    CandidateKey, DayBoard, DayQuery, HistoryPage, HistoryQuery, OfficeOverview, OfferOutcome, OpeningSummary, OutboxPage,
};
use crate::model::AppError;
use std::sync::Arc;

/// What the pages need from the server. The server crate implements it over the database and
/// provides it to every request through Leptos context.
#[async_trait::async_trait]
pub trait AsapPort: Send + Sync + 'static {
    async fn overview(&self) -> Result<OfficeOverview, AppError>;
    async fn clinics(&self) -> Result<Vec<crate::model::Clinic>, AppError>;
    async fn history(&self, query: HistoryQuery) -> Result<HistoryPage, AppError>;
    async fn day(&self, query: DayQuery) -> Result<DayBoard, AppError>;
    async fn offer(&self, op: i64, start: String, recipients: Vec<CandidateKey>) -> Result<OfferOutcome, AppError>;
    async fn withdraw(&self, schedule_num: i64) -> Result<OpeningSummary, AppError>;
    async fn outbox(&self, before: Option<i64>) -> Result<OutboxPage, AppError>;
}

pub type SharedPort = Arc<dyn AsapPort>;

/// The port provided for this request.
pub fn port() -> Result<SharedPort, AppError> {
    leptos::prelude::use_context::<SharedPort>()
        .ok_or_else(|| AppError::Internal("The service is not available to this request.".into()))
}
