//! The one error type pages and server functions share. Every message is written for the
//! person who has to act on it; internal failures carry only a reference to the server log.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request cannot be done as asked; the message says what to change.
    #[error("{0}")]
    BadRequest(String),
    /// Something the request names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The time is no longer free, or the offer was already taken.
    #[error("{0}")]
    Conflict(String),
    /// Nobody is signed in (or the session ended): sign in again.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but this user may not do or see this.
    #[error("{0}")]
    Forbidden(String),
    /// The server cannot answer right now (database unreachable, shutting down).
    #[error("{0}")]
    Unavailable(String),
    /// A fault on our side; the message gives the request id to find it in the log.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::Unavailable(_) => 503,
            AppError::Internal(_) => 500,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            AppError::BadRequest(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::Unavailable(m)
            | AppError::Internal(m) => m,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(_) | E::Response(_) => {
                AppError::Unavailable("The server could not be reached. Check the connection and try again.".into())
            }
            E::Args(m) | E::MissingArg(m) | E::Deserialization(m) => {
                AppError::BadRequest(format!("The request is not valid: {m}"))
            }
            other => AppError::Internal(format!("Something went wrong: {other}")),
        }
    }
}
