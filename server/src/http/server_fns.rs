//! Server functions answer errors with the status they call for. The framework answers every
//! error 500 (including a malformed request it could not decode); the body is our `AppError`,
//! which says what kind of error it is, so the status follows from it.

use app::model::AppError;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Error bodies are short; anything longer is left as it is.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn error_statuses(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with(app::api::SERVER_FN_PREFIX) {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "The server could not complete the request.").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
