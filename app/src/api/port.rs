use crate::api::OfficeOverview;
use crate::model::AppError;
use std::sync::Arc;

/// What the pages need from the server. The server crate implements it over the database and
/// provides it to every request through Leptos context.
#[async_trait::async_trait]
pub trait AsapPort: Send + Sync + 'static {
    async fn overview(&self) -> Result<OfficeOverview, AppError>;
}

pub type SharedPort = Arc<dyn AsapPort>;

/// The port provided for this request.
pub fn port() -> Result<SharedPort, AppError> {
    leptos::prelude::use_context::<SharedPort>()
        .ok_or_else(|| AppError::Internal("The service is not available to this request.".into()))
}
