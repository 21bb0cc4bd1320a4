//! `/metrics` for Prometheus, on a listener of its own (`ASAP_METRICS_ADDR`) so it is never
//! reachable from the public side, and the layer that times every request by its route template.

use crate::service::Services;
use crate::telemetry;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;

/// Counts and times each request under its route template (`/api/v1/asapcomms/{AsapCommNum}`),
/// never its path: a path can carry a patient's link code. A request no route matched is
/// "unmatched".
pub async fn record_request(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().clone();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    telemetry::http_request(route, method.as_str(), response.status().as_u16(), started.elapsed());
    response
}

#[derive(Clone)]
struct Scrape {
    services: Services,
    handle: PrometheusHandle,
}

/// The metrics listener's whole application: `/metrics` and nothing else.
pub fn router(services: Services, handle: PrometheusHandle) -> Router {
    Router::new().route("/metrics", get(metrics)).with_state(Scrape { services, handle })
}

/// Reads the queue, sync and database figures fresh, then renders everything in Prometheus's
/// text format. If the database cannot be read, the in-process figures are still served (and
/// the failure is logged), so a scrape shows the outage instead of going blank.
async fn metrics(State(scrape): State<Scrape>) -> Response {
    let started = std::time::Instant::now();
    match scrape.services.operating_figures().await {
        Ok(figures) => telemetry::scrape_figures(&figures, started.elapsed()),
        Err(e) => tracing::warn!(error = %e, "metrics: could not read the queue and sync figures"),
    }
    scrape.handle.run_upkeep();
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], scrape.handle.render()).into_response()
}
