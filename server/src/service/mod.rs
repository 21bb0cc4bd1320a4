//! Use cases. HTTP handlers and server functions both call these; they own the transactions.

mod day;
mod history;
mod offer;
mod overview;
mod reads;

pub use offer::{OfferRequest, OfferTarget};
pub use reads::{Occupancy, Params, path_key};
mod port;

use crate::clock::OfficeClock;
use crate::store::{Store, StoreError};
use app::model::AppError;

/// What a use case can answer besides success. Each client-facing variant carries a message
/// that tells the caller what to change.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// The time is taken or the offer is closed.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ServiceError::BadRequest(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ServiceError::NotFound(message.into())
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        ServiceError::Store(StoreError::Database(e))
    }
}

/// For the pages: client errors keep their message; store faults are logged here with an id the
/// page shows, and nothing private leaves the server.
impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::BadRequest(m) => AppError::BadRequest(m),
            ServiceError::NotFound(m) => AppError::NotFound(m),
            ServiceError::Conflict(m) => AppError::Conflict(m),
            ServiceError::Store(e) => {
                let reference = uuid::Uuid::new_v4().simple().to_string();
                tracing::error!(error = %e, reference = %reference, "page request failed");
                AppError::Internal(format!(
                    "The server could not complete this request. Reference {} in the server log.",
                    &reference[..12]
                ))
            }
        }
    }
}

/// Everything the use cases need, cheap to clone into each request.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub clock: OfficeClock,
    /// Base of the links patients get, without a trailing slash.
    pub public_url: String,
}

impl Services {
    pub fn new(store: Store, clock: OfficeClock, public_url: String) -> Self {
        Services { store, clock, public_url }
    }
}

/// A new patient link code: 16 letters and digits (about 95 bits), so links cannot be guessed.
pub fn new_short_guid() -> String {
    use rand::Rng;
    rand::rng().sample_iter(&rand::distr::Alphanumeric).take(16).map(char::from).collect()
}
