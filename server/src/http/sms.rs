//! The SMS provider's callbacks: delivery reports and incoming texts, each signed with the
//! account's auth token (`X-Twilio-Signature`). Unsigned or wrongly signed posts are refused
//! and change nothing.

use super::AppState;
use super::error::plain_text;
use crate::sms::signature_matches;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

pub const STATUS_PATH: &str = "/sms/twilio/status";
pub const INBOUND_PATH: &str = "/sms/twilio/inbound";

/// What the webhooks need to check a signature: the token, and our address as the provider
/// calls it (the signature covers the full URL).
#[derive(Clone, Debug)]
pub struct WebhookAuth {
    pub auth_token: String,
    pub public_url: String,
}

pub fn routes() -> Router<AppState> {
    Router::new().route(STATUS_PATH, post(status)).route(INBOUND_PATH, post(inbound))
}

/// The form fields of a signed post, or the response that refuses it.
fn verified(state: &AppState, path: &str, headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, Response> {
    let Some(auth) = &state.sms_webhook else {
        return Err(plain_text(StatusCode::NOT_FOUND, "This server does not use an SMS provider with callbacks.".into()));
    };
    let params: Vec<(String, String)> = match serde_urlencoded::from_bytes(body) {
        Ok(p) => p,
        Err(_) => return Err(plain_text(StatusCode::BAD_REQUEST, "The body must be a form (application/x-www-form-urlencoded).".into())),
    };
    let presented = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or("");
    let url = format!("{}{path}", auth.public_url);
    if presented.is_empty() || !signature_matches(&auth.auth_token, &url, &params, presented) {
        tracing::warn!(path, "SMS callback with a missing or wrong signature refused");
        return Err(plain_text(StatusCode::FORBIDDEN, "The X-Twilio-Signature header is missing or does not match.".into()));
    }
    Ok(params)
}

fn field<'a>(params: &'a [(String, String)], name: &str) -> &'a str {
    params.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

async fn status(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let params = match verified(&state, STATUS_PATH, &headers, &body) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let sid = field(&params, "MessageSid");
    let status = field(&params, "MessageStatus");
    if sid.is_empty() || status.is_empty() {
        return plain_text(StatusCode::BAD_REQUEST, "MessageSid and MessageStatus are required.".into());
    }
    match state.services.delivery_report(sid, status, field(&params, "ErrorCode")).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}

async fn inbound(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let params = match verified(&state, INBOUND_PATH, &headers, &body) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let from = field(&params, "From");
    if from.is_empty() {
        return plain_text(StatusCode::BAD_REQUEST, "From is required.".into());
    }
    match state.services.incoming_text(from, field(&params, "Body")).await {
        Ok(reply) => twiml(reply.as_deref()),
        Err(e) => super::error::ApiError::from(e).into_response(),
    }
}

/// The provider texts `reply` back to the sender; no reply is an empty response.
fn twiml(reply: Option<&str>) -> Response {
    let mut r = (StatusCode::OK, crate::sms::twilio::messaging_response(reply)).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"));
    r
}
