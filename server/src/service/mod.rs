//! Use cases. HTTP handlers, server functions, the command line and the workers all call these;
//! they own the transactions. One file per use case:
//!
//! | file | use case |
//! |---|---|
//! | `offer` | offer an opening: its blockout and one AsapComm per patient |
//! | `claim` | a patient's answer, above all the claim: the one place an opening is taken |
//! | `patient` | the patient's page: opening the link, the page after an answer |
//! | `sending` | send due texts exactly once, in waves, at allowed hours |
//! | `inbound` | delivery reports and replies (STOP, START, HELP) from the SMS provider |
//! | `closeout` | withdraw, lapse and booked-elsewhere closing; the close-out sweep |
//! | `reads` | the REST API's GET endpoints |
//! | `history`, `day`, `outbox`, `overview` | the staff pages' reads |
//! | `access`, `credentials` | sign-in, sessions, embed tokens, users, API keys, audit |
//! | `changes` | what changed, pushed to open pages |
//! | `operating` | the figures the operators' metrics read at each scrape |
//! | `port` | the pages' port (`app::api::AsapPort`) over the above |
//!
//! `Services` carries what they share (store, clock, SMS provider, settings); `claim` and
//! `patient` take it as an argument, the rest are its methods, each in its use case's file.

mod access;
mod asking_order;
mod changes;
pub mod claim;
mod closeout;
pub mod credentials;
mod day;
mod history;
mod inbound;
mod messages;
mod offer;
mod operating;
mod outbox;
mod overview;
pub mod patient;
mod port;
mod reads;
mod sending;
mod split;
pub mod sync;
pub mod writeback;

pub use access::{AccessSettings, Actor, SignIn};
pub use patient::plausible_code;
pub use changes::{Change, ChangeBatch, ChangeFeed};
pub use closeout::{SweepReport, close_booked_openings};
pub use offer::{OfferRequest, OfferTarget};
pub use reads::{Occupancy, Params, path_key};
pub use sending::{SendRound, UNKNOWN_OUTCOME_NOTE};

use crate::clock::OfficeClock;
use crate::opendental::OpenDental;
use crate::email::{EmailProvider, OutboxEmailProvider};
use crate::sms::{OutboxProvider, SmsProvider};
use crate::store::{self, Store, StoreError};
use app::domain::waves::WavePlan;
use app::model::{AppError, Preferences};
use std::sync::Arc;

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
    /// The caller may not do this (another clinic, or not an administrator).
    #[error("{0}")]
    Forbidden(String),
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
            ServiceError::Forbidden(m) => AppError::Forbidden(m),
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
    pub sms: Arc<dyn SmsProvider>,
    pub email: Arc<dyn EmailProvider>,
    pub waves: WavePlan,
    /// Whether an offer to several patients asks them in the asking order (ranked from their
    /// answers on record), or in the ASAP list's order as Open Dental does.
    pub ranked_waves: bool,
    /// Seconds a sender may hold a text while handing it to the provider; after that the
    /// hand-over is taken to have been interrupted.
    pub send_lease_seconds: i64,
    /// Woken when new texts are queued, so the sender does not wait for its next look.
    pub sender_wake: Arc<tokio::sync::Notify>,
    /// Woken when a claim queues writes for Open Dental.
    pub writeback_wake: Arc<tokio::sync::Notify>,
    pub access: AccessSettings,
    /// What changed, for this process's open pages.
    pub changes: ChangeFeed,
    /// The office's Open Dental, when this server keeps in step with one.
    pub opendental: Option<Arc<OpenDental>>,
    pub sync: SyncSettings,
}

/// How this server keeps in step with Open Dental.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncSettings {
    /// Between the starts of two sync passes.
    pub interval: std::time::Duration,
    /// How long a claim waits for Open Dental to confirm the time is still free before it goes
    /// ahead on the local copy.
    pub recheck_within: std::time::Duration,
    /// How long a write-back worker holds a booking it is delivering.
    pub write_lease: std::time::Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            interval: std::time::Duration::from_secs(60),
            recheck_within: std::time::Duration::from_secs(3),
            write_lease: std::time::Duration::from_secs(600),
        }
    }
}

impl Services {
    /// Texts and emails go to the local outbox until another provider is given.
    pub fn new(store: Store, clock: OfficeClock, public_url: String) -> Self {
        let sms = Arc::new(OutboxProvider::new(store.clone()));
        let email = Arc::new(OutboxEmailProvider::new(store.clone()));
        Services {
            store,
            clock,
            public_url,
            sms,
            email,
            waves: WavePlan::default(),
            ranked_waves: true,
            send_lease_seconds: sending::DEFAULT_LEASE_SECONDS,
            sender_wake: Arc::new(tokio::sync::Notify::new()),
            writeback_wake: Arc::new(tokio::sync::Notify::new()),
            access: AccessSettings::default(),
            changes: ChangeFeed::default(),
            opendental: None,
            sync: SyncSettings::default(),
        }
    }

    /// Keeps in step with this Open Dental.
    pub fn with_opendental(mut self, opendental: Arc<OpenDental>, sync: SyncSettings) -> Self {
        self.opendental = Some(opendental);
        self.sync = sync;
        self
    }

    /// Where keys of new appointments start: a range of this server's own while Open Dental
    /// hands out the office's keys.
    pub fn appointment_key_floor(&self) -> i64 {
        if self.opendental.is_some() { store::opendental::LOCAL_KEY_FLOOR } else { 1 }
    }

    pub fn with_access(mut self, access: AccessSettings) -> Self {
        self.access = access;
        self
    }

    pub fn with_sms(mut self, sms: Arc<dyn SmsProvider>) -> Self {
        self.sms = sms;
        self
    }

    pub fn with_email(mut self, email: Arc<dyn EmailProvider>) -> Self {
        self.email = email;
        self
    }

    pub fn with_waves(mut self, waves: WavePlan) -> Self {
        self.waves = waves;
        self
    }

    /// `false`: waves go in the ASAP list's order, not the asking order.
    pub fn with_ranked_waves(mut self, ranked: bool) -> Self {
        self.ranked_waves = ranked;
        self
    }

    /// The office's preferences.
    pub async fn prefs(&self) -> ServiceResult<Preferences> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(store::office::preferences(&mut conn).await?)
    }
}

/// Letters and digits in a patient link code: 22 of 62 symbols is 131 bits.
pub const SHORT_GUID_LEN: usize = 22;

impl Services {
    /// A patient's link as long as the real ones, for counting a text's segments in previews.
    pub fn link_example(&self) -> String {
        format!("{}/asap/{}", self.public_url, "x".repeat(SHORT_GUID_LEN))
    }
}

/// A new patient link code from a cryptographically secure generator (reseeded from the
/// operating system), unrelated to any key, so a link cannot be guessed or worked out from another.
pub fn new_short_guid() -> String {
    use rand::Rng;
    rand::rng().sample_iter(&rand::distr::Alphanumeric).take(SHORT_GUID_LEN).map(char::from).collect()
}
