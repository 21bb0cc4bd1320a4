//! The pages' view of the use cases (the `AsapPort` the server functions call).

use super::Services;
use app::api::{AsapPort, OfficeOverview};
use app::model::AppError;

#[async_trait::async_trait]
impl AsapPort for Services {
    async fn overview(&self) -> Result<OfficeOverview, AppError> {
        Ok(Services::overview(self).await?)
    }
}
