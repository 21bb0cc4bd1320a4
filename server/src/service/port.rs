//! The pages' view of the use cases (the `AsapPort` the server functions call).

use super::Services;
use app::api::{
    AsapPort, CandidateKey, DayBoard, DayQuery, HistoryPage, HistoryQuery, OfficeOverview, OfferOutcome, OpeningSummary,
    OutboxPage,
};
use app::model::AppError;

#[async_trait::async_trait]
impl AsapPort for Services {
    async fn overview(&self) -> Result<OfficeOverview, AppError> {
        Ok(Services::overview(self).await?)
    }

    async fn clinics(&self) -> Result<Vec<app::model::Clinic>, AppError> {
        let mut conn = self.store.pool().acquire().await.map_err(crate::service::ServiceError::from)?;
        Ok(crate::store::clinics(&mut conn).await.map_err(crate::service::ServiceError::from)?)
    }

    async fn history(&self, query: HistoryQuery) -> Result<HistoryPage, AppError> {
        Ok(Services::history(self, &query).await?)
    }

    async fn day(&self, query: DayQuery) -> Result<DayBoard, AppError> {
        Ok(Services::day(self, &query).await?)
    }

    async fn offer(&self, op: i64, start: String, recipients: Vec<CandidateKey>) -> Result<OfferOutcome, AppError> {
        Ok(Services::offer_from_picker(self, op, start, recipients, "Slot picker").await?)
    }

    async fn withdraw(&self, schedule_num: i64) -> Result<OpeningSummary, AppError> {
        let row = Services::withdraw_opening(self, schedule_num, "Slot picker").await?;
        let mut conn = self.store.pool().acquire().await.map_err(crate::service::ServiceError::from)?;
        let mut list = self.opening_summaries(&mut conn, vec![row]).await?;
        list.pop().ok_or_else(|| AppError::Internal("The withdrawn opening could not be read back.".into()))
    }

    async fn outbox(&self, before: Option<i64>) -> Result<OutboxPage, AppError> {
        Ok(Services::outbox(self, before).await?)
    }
}
