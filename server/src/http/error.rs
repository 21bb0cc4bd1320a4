//! The one mapping from failures to REST responses: a status and a plain-text explanation a
//! person can act on. Internal faults are logged (inside the request's span, so with its id)
//! and the client learns nothing private.

use crate::service::ServiceError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    NotFound(String),
    Unauthorized(String),
    Forbidden(String),
    TooManyRequests { retry_after_secs: u64 },
    Unavailable(String),
    Internal(String),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::BadRequest(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::NotFound(message.into())
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::BadRequest(m) => ApiError::BadRequest(m),
            ServiceError::NotFound(m) => ApiError::NotFound(m),
            // The reference lists 400 for a slot that cannot be booked.
            ServiceError::Conflict(m) => ApiError::BadRequest(m),
            ServiceError::Forbidden(m) => ApiError::Forbidden(m),
            ServiceError::Store(e) => ApiError::Internal(e.to_string()),
        }
    }
}

pub fn plain_text(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::BadRequest(m) => plain_text(StatusCode::BAD_REQUEST, m),
            ApiError::NotFound(m) => plain_text(StatusCode::NOT_FOUND, m),
            ApiError::Unauthorized(m) => {
                let mut r = plain_text(StatusCode::UNAUTHORIZED, m);
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("ODFHIR"));
                r
            }
            ApiError::Forbidden(m) => plain_text(StatusCode::FORBIDDEN, m),
            ApiError::TooManyRequests { retry_after_secs } => {
                let mut r = plain_text(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("Too many requests for this API key. Wait {retry_after_secs} s and try again."),
                );
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                r
            }
            ApiError::Unavailable(m) => plain_text(StatusCode::SERVICE_UNAVAILABLE, m),
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, "request failed");
                plain_text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The server could not complete the request. Quote this response's X-Request-Id when reporting it."
                        .into(),
                )
            }
        }
    }
}
