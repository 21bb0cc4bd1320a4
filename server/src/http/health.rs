//! Liveness and readiness for process supervisors and load balancers.

use super::AppState;
use super::error::plain_text;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

/// The process is up. Touches nothing, so it answers even when the database is down.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and every migration is applied.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.services.store.ready().await {
        Ok(()) => plain_text(StatusCode::OK, "ready".into()),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            plain_text(StatusCode::SERVICE_UNAVAILABLE, "The database is not reachable or not migrated yet.".into())
        }
    }
}
