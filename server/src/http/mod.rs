//! The HTTP surface: the Open Dental-compatible REST API under `/api/v1`, the pages and their
//! server functions, health checks, and the layers every request passes through.

pub mod api;
pub mod auth;
pub mod csrf;
pub mod error;
mod health;
mod patient;
pub mod sms;

use crate::service::Services;
use app::api::SharedPort;
use auth::ApiKeys;
use axum::Router;
use axum::extract::{FromRef, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub leptos_options: LeptosOptions,
    pub api_keys: Arc<ApiKeys>,
    /// Set when an SMS provider with signed callbacks is configured.
    pub sms_webhook: Option<sms::WebhookAuth>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Builds the whole application.
pub fn router(state: AppState, frame_ancestors: &str) -> Router {
    let port: SharedPort = Arc::new(state.services.clone());
    let page_context = move || provide_context(port.clone());
    let routes = generate_route_list(app::ui::App);
    let options = state.leptos_options.clone();

    let csp = HeaderValue::from_str(&format!(
        "frame-ancestors {frame_ancestors}; object-src 'none'; base-uri 'self'"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'self'; object-src 'none'; base-uri 'self'"));

    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            // The path only: query strings can carry patient link codes and dates.
            tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path())
        })
        // One line per answered request (status and latency), inside the span that carries its id.
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        // Pages with stricter needs (the patient's page) set their own.
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Patient links carry a code; no page should hand it on in a Referer.
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(CompressionLayer::new());

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest(api::BASE, api::routes())
        .merge(patient::routes())
        .merge(sms::routes())
        .leptos_routes_with_context(&state, routes, page_context.clone(), move || app::ui::shell(options.clone()))
        .fallback(file_and_error_handler_with_context::<AppState, _>(page_context, app::ui::shell))
        .layer(layers)
        .with_state(state)
}
