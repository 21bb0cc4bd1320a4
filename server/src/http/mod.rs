//! The HTTP surface: the Open Dental-compatible REST API under `/api/v1`, the pages and their
//! server functions, health checks, and the layers every request passes through.

pub mod api;
mod assets;
pub mod auth;
pub mod csrf;
pub mod error;
mod events;
mod health;
pub mod metrics;
mod patient;
mod server_fns;
pub mod session;
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
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Shared by every handler. Every request's extractor takes a copy, so it is one reference
/// count, not a copy of every setting.
#[derive(Clone)]
pub struct AppState(Arc<AppSettings>);

impl AppState {
    pub fn new(settings: AppSettings) -> AppState {
        AppState(Arc::new(settings))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppSettings;
    fn deref(&self) -> &AppSettings {
        &self.0
    }
}

/// What the handlers share: the services and this server's settings.
pub struct AppSettings {
    pub services: Services,
    pub leptos_options: LeptosOptions,
    pub api_keys: Arc<ApiKeys>,
    /// Set when an SMS provider with signed callbacks is configured.
    pub sms_webhook: Option<sms::WebhookAuth>,
    /// Served over https (the public URL says so): cookies are Secure and HSTS is sent.
    pub https: bool,
    /// The stylesheet's address in this build (its name carries a hash of its content).
    pub stylesheet: String,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request bodies larger than this are refused (413) before anything reads them.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// The staff pages' policy: scripts only from this site, plus the hydration script carrying this
/// response's nonce; WebAssembly allowed to compile; no plugins; forms post only here.
fn page_csp(nonce: &str, frame_ancestors: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors {frame_ancestors}"
    )
}

/// Builds the whole application.
pub use assets::{build_hashes, pages_problem, stylesheet_href};

pub fn router(state: AppState, frame_ancestors: &str) -> Router {
    let port: SharedPort = Arc::new(state.services.clone());
    let ancestors = frame_ancestors.to_string();
    let stylesheet = app::ui::StylesheetHref(state.stylesheet.clone());
    let hashed = state.leptos_options.hash_files;
    let site_root = state.leptos_options.site_root.to_string();
    let page_context = move || {
        provide_context(port.clone());
        provide_context(stylesheet.clone());
        // The policy names this response's nonce, which Leptos puts on its hydration script.
        if let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), leptos::prelude::use_context::<leptos_axum::ResponseOptions>()) {
            if let Ok(value) = HeaderValue::from_str(&page_csp(&nonce, &ancestors)) {
                response.insert_header(header::CONTENT_SECURITY_POLICY, value);
            }
        }
    };
    let routes = generate_route_list(app::ui::App);
    let options = state.leptos_options.clone();

    // Everything else (the API, static files): nothing but what it is may run or frame it.
    let csp = HeaderValue::from_str(&format!(
        "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors {frame_ancestors}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'self'; object-src 'none'; base-uri 'self'"));
    let hsts = state.https.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"));

    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            // The route's template (`/asap/{code}`), never the path or query: both can carry a
            // patient's link code.
            let route = request.extensions().get::<axum::extract::MatchedPath>().map_or("unmatched", |p| p.as_str());
            tracing::info_span!("request", id = %id, method = %request.method(), route = %route)
        })
        // One line per answered request (status and latency), inside the span that carries its id.
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // Pages with their own needs (staff pages, the patient's page, sign-in) set their own.
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Patient links carry a code; no page should hand it on in a Referer.
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, hsts))
        .layer(CompressionLayer::new());

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route(events::PATH, get(events::events))
        .nest(api::BASE, api::routes())
        .merge(patient::routes())
        .merge(sms::routes())
        .merge(session::routes())
        .merge(assets::routes(&site_root, hashed))
        .leptos_routes_with_context(&state, routes, page_context.clone(), move || app::ui::shell(options.clone()))
        .fallback(file_and_error_handler_with_context::<AppState, _>(page_context, app::ui::shell))
        .layer(axum::middleware::from_fn(server_fns::error_statuses))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::check_session))
        .layer(layers)
        // Outermost, so what it times and counts is what the client got (sign-in refusals too).
        .layer(axum::middleware::from_fn(metrics::record_request))
        .with_state(state)
}
