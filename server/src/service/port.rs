//! The pages' view of the use cases (the `AsapPort` the server functions call). Each call is
//! made for the signed-in caller: their clinics bound what they see and change.

use super::{Actor, ServiceError, Services};
use app::api::AsapPort;
use app::view::access::{AuditPage, AuditQuery, Caller, NewStaffUser, StaffUser, UserChange};
use app::view::day::{AsapListPage, AsapListQuery, DayBoard, DayQuery, OfferOutcome, OpeningSummary, PickerOffer};
use app::view::history::{HistoryPage, HistoryQuery};
use app::view::messages::{MessageSetup, MessageSetupChange};
use app::view::outbox::OutboxPage;
use app::view::overview::OfficeOverview;
use app::view::sync::SyncStatus;
use app::model::AppError;

#[async_trait::async_trait]
impl AsapPort for Services {
    async fn overview(&self, caller: &Caller) -> Result<OfficeOverview, AppError> {
        let mut overview = Services::overview(self, caller.clinics.as_deref()).await?;
        overview.may_set_reckoning = caller.is_admin;
        Ok(overview)
    }

    async fn save_reckoning(&self, caller: &Caller, reckoning: app::domain::earnings::Reckoning) -> Result<app::domain::earnings::Reckoning, AppError> {
        Ok(Services::save_reckoning(self, caller, reckoning).await?)
    }

    async fn clinics(&self, caller: &Caller) -> Result<Vec<app::model::Clinic>, AppError> {
        let mut conn = self.store.pool().acquire().await.map_err(ServiceError::from)?;
        let all = crate::store::office::clinics(&mut conn).await.map_err(ServiceError::from)?;
        Ok(all.into_iter().filter(|c| caller.may_see_clinic(c.clinic_num)).collect())
    }

    async fn history(&self, caller: &Caller, query: HistoryQuery) -> Result<HistoryPage, AppError> {
        Ok(Services::history(self, &query, caller.clinics.as_deref()).await?)
    }

    async fn day(&self, caller: &Caller, query: DayQuery) -> Result<DayBoard, AppError> {
        Ok(Services::day(self, &query, caller.clinics.as_deref()).await?)
    }

    async fn asap_list(&self, caller: &Caller, query: AsapListQuery) -> Result<AsapListPage, AppError> {
        Ok(Services::asap_list_page(self, &query, caller.clinics.as_deref()).await?)
    }

    async fn offer(&self, caller: &Caller, offer: PickerOffer) -> Result<OfferOutcome, AppError> {
        Ok(Services::offer_from_picker(self, offer, caller).await?)
    }

    async fn withdraw(&self, caller: &Caller, schedule_num: i64) -> Result<OpeningSummary, AppError> {
        let row = Services::withdraw_opening(self, schedule_num, &Actor::staff(caller), caller.clinics.as_deref()).await?;
        let mut conn = self.store.pool().acquire().await.map_err(ServiceError::from)?;
        let mut list = self.opening_summaries(&mut conn, vec![row]).await?;
        list.pop().ok_or_else(|| AppError::Internal("The withdrawn opening could not be read back.".into()))
    }

    async fn withdraw_offer(&self, caller: &Caller, asap_comm_num: i64) -> Result<String, AppError> {
        Ok(Services::withdraw_offer(self, asap_comm_num, &Actor::staff(caller), caller.clinics.as_deref()).await?)
    }

    async fn outbox(&self, caller: &Caller, before: Option<i64>) -> Result<OutboxPage, AppError> {
        Ok(Services::outbox(self, before, caller.clinics.as_deref()).await?)
    }

    async fn outbox_reply(&self, caller: &Caller, message_num: i64, body: String) -> Result<String, AppError> {
        Ok(Services::outbox_reply(self, message_num, &body, caller.clinics.as_deref()).await?)
    }

    async fn users(&self, caller: &Caller) -> Result<Vec<StaffUser>, AppError> {
        Ok(Services::users(self, caller).await?)
    }

    async fn add_user(&self, caller: &Caller, user: NewStaffUser) -> Result<StaffUser, AppError> {
        Ok(Services::add_user(self, &Actor::staff(caller), Some(caller), user).await?)
    }

    async fn change_user(&self, caller: &Caller, user_num: i64, change: UserChange) -> Result<StaffUser, AppError> {
        Ok(Services::change_user(self, &Actor::staff(caller), Some(caller), user_num, change).await?)
    }

    async fn audit(&self, caller: &Caller, query: AuditQuery) -> Result<AuditPage, AppError> {
        Ok(Services::audit_page(self, caller, &query).await?)
    }

    async fn sync_status(&self, _caller: &Caller) -> Result<SyncStatus, AppError> {
        Ok(super::sync::status(self).await?)
    }

    async fn message_setup(&self, caller: &Caller, clinic_num: i64) -> Result<MessageSetup, AppError> {
        Ok(Services::message_setup(self, caller, clinic_num).await?)
    }

    async fn save_message_setup(&self, caller: &Caller, change: MessageSetupChange) -> Result<MessageSetup, AppError> {
        Ok(Services::save_message_setup(self, caller, change).await?)
    }

    async fn reset_message_setup(&self, caller: &Caller, clinic_num: i64) -> Result<MessageSetup, AppError> {
        Ok(Services::reset_message_setup(self, caller, clinic_num).await?)
    }
}
