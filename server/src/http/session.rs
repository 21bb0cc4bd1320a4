//! Staff sessions: the sign-in and sign-out routes, the office portal's embed sign-in, and the
//! check in front of every staff page and server function. Without a session a page redirects
//! to sign-in (keeping where the user was going) and a server function answers 401 with nothing
//! else; a write from another site is refused.

use super::AppState;
use super::csrf::is_cross_site;
use crate::service::SignIn;
use app::model::AppError;
use app::ui::signin::{SignInForm, render_sign_in_page};
use cookie::{Cookie, SameSite};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

pub const SESSION_COOKIE: &str = "asap_session";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin", get(sign_in_page).post(sign_in))
        .route("/signout", post(sign_out))
        .route("/embed", get(embed))
}

/// Paths anyone may reach: their own checks (API keys, link codes, signatures) or nothing private.
fn is_public(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/signin" | "/signout" | "/embed" | "/favicon.svg" | "/patient.css" | "/embed.js")
        || ["/api/", "/asap/", "/sms/", "/pkg/"].iter().any(|p| path.starts_with(p))
}

/// The value of one cookie from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

fn server_fn_refusal(status: StatusCode, error: AppError) -> Response {
    let body = serde_json::to_string(&error).unwrap_or_default();
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// A `next` that stays on this site: a path, never `//host` or a full URL.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !n.contains(['\r', '\n']) => n.to_string(),
        _ => "/".to_string(),
    }
}

fn escape_query(value: &str) -> String {
    serde_urlencoded::to_string([("next", value)]).unwrap_or_default()
}

/// In front of everything: who is signed in, and refusal where nobody is.
pub async fn check_session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if is_public(&path) {
        return next.run(request).await;
    }
    let token = cookie(request.headers(), SESSION_COOKIE);
    let caller = match token {
        Some(t) => match state.services.session_caller(&t).await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "session check failed");
                return (StatusCode::SERVICE_UNAVAILABLE, "The server cannot check your session right now. Try again shortly.")
                    .into_response();
            }
        },
        None => None,
    };
    if path.starts_with(app::api::SERVER_FN_PREFIX) {
        if is_cross_site(request.headers()) {
            return server_fn_refusal(StatusCode::FORBIDDEN, AppError::Forbidden("Requests from other sites are refused.".into()));
        }
        let Some(caller) = caller else {
            return server_fn_refusal(StatusCode::UNAUTHORIZED, AppError::Unauthorized("Your session has ended. Sign in again.".into()));
        };
        request.extensions_mut().insert(caller);
        return next.run(request).await;
    }
    match caller {
        Some(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        None if matches!(*request.method(), Method::GET | Method::HEAD) => {
            let wanted = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
            Redirect::to(&format!("/signin?{}", escape_query(&wanted))).into_response()
        }
        None => (StatusCode::UNAUTHORIZED, "Sign in first.").into_response(),
    }
}

/// `Set-Cookie` for a new session. Embedded sessions live in the portal's iframe, where only a
/// `SameSite=None; Secure; Partitioned` cookie is sent.
fn session_cookie(token: &str, https: bool, embedded: bool) -> HeaderValue {
    let cookie = Cookie::build((SESSION_COOKIE, token)).http_only(true).path("/");
    let cookie = if embedded {
        cookie.same_site(SameSite::None).secure(true).partitioned(true)
    } else {
        cookie.same_site(SameSite::Lax).secure(https)
    };
    set_cookie(cookie.build())
}

fn cleared_cookie(https: bool) -> HeaderValue {
    let cookie = Cookie::build((SESSION_COOKIE, "")).http_only(true).path("/").same_site(SameSite::Lax).secure(https);
    set_cookie(cookie.max_age(cookie::time::Duration::ZERO).build())
}

/// The `Set-Cookie` value; a token is base64url and a name plain ASCII, so it is always a valid
/// header value, and an empty one (no cookie set) otherwise.
fn set_cookie(cookie: Cookie<'_>) -> HeaderValue {
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn page(status: StatusCode, html: String, frame_ancestors: &str) -> Response {
    let mut r = (status, html).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(csp) = HeaderValue::from_str(&format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {frame_ancestors}"
    )) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    r
}

#[derive(serde::Deserialize, Default)]
struct SignInQuery {
    next: Option<String>,
    embed: Option<String>,
}

async fn sign_in_page(State(state): State<AppState>, Query(q): Query<SignInQuery>) -> Response {
    let message = q.embed.as_deref().map(|_| "The office portal's sign-in link did not work. Sign in here instead.".to_string());
    let form = SignInForm { next: safe_next(q.next.as_deref()), username: String::new(), message };
    page(StatusCode::OK, render_sign_in_page(form, &state.stylesheet), &state.services.access.frame_ancestors)
}

#[derive(serde::Deserialize)]
struct SignInBody {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn sign_in(State(state): State<AppState>, headers: HeaderMap, body: Result<Form<SignInBody>, axum::extract::rejection::FormRejection>) -> Response {
    let frame_ancestors = state.services.access.frame_ancestors.clone();
    // A page on another site must not sign the browser in as someone else.
    if is_cross_site(&headers) {
        return (StatusCode::FORBIDDEN, "Sign in from this site's own sign-in page.").into_response();
    }
    let Ok(Form(body)) = body else {
        let form = SignInForm { next: "/".into(), username: String::new(), message: Some("Fill in the form to sign in.".into()) };
        return page(StatusCode::BAD_REQUEST, render_sign_in_page(form, &state.stylesheet), &frame_ancestors);
    };
    let next = safe_next(Some(&body.next));
    match state.services.sign_in(&body.username, &body.password).await {
        Ok(SignIn::Signed { token, .. }) => {
            let mut r = Redirect::to(&next).into_response();
            r.headers_mut().insert(header::SET_COOKIE, session_cookie(&token, state.https, false));
            r
        }
        Ok(SignIn::Refused(message)) => {
            let form = SignInForm { next, username: body.username.chars().take(100).collect(), message: Some(message) };
            page(StatusCode::UNAUTHORIZED, render_sign_in_page(form, &state.stylesheet), &frame_ancestors)
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            let form = SignInForm { next, username: String::new(), message: Some("Signing in is not possible right now. Try again shortly.".into()) };
            page(StatusCode::SERVICE_UNAVAILABLE, render_sign_in_page(form, &state.stylesheet), &frame_ancestors)
        }
    }
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if is_cross_site(&headers) {
        return (StatusCode::FORBIDDEN, "Sign out from this site's own pages.").into_response();
    }
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let caller = state.services.session_caller(&token).await.ok().flatten();
        if let Err(e) = state.services.sign_out(&token, caller.as_ref()).await {
            tracing::error!(error = %e, "sign-out failed");
        }
    }
    let mut r = Redirect::to("/signin").into_response();
    r.headers_mut().insert(header::SET_COOKIE, cleared_cookie(state.https));
    r
}

#[derive(serde::Deserialize)]
struct EmbedQuery {
    #[serde(default)]
    token: String,
    next: Option<String>,
}

/// `/embed?token=…&next=/history`: the portal's iframe starts here. The token is exchanged for a
/// session and dropped from the address by the redirect.
async fn embed(State(state): State<AppState>, Query(q): Query<EmbedQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    match state.services.embed_sign_in(&q.token).await {
        Ok(Ok((session, _))) => {
            let mut r = Redirect::to(&next).into_response();
            r.headers_mut().insert(header::SET_COOKIE, session_cookie(&session, state.https, true));
            r
        }
        Ok(Err(why)) => {
            tracing::warn!("{why}");
            Redirect::to(&format!("/signin?embed=failed&{}", escape_query(&next))).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "embed sign-in failed");
            (StatusCode::SERVICE_UNAVAILABLE, "Signing in is not possible right now. Try again shortly.").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/history?ClinicNum=1")), "/history?ClinicNum=1");
        assert_eq!(safe_next(Some("//evil.example/x")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn public_paths_are_only_those_with_their_own_checks() {
        for p in ["/healthz", "/api/v1/asapcomms", "/asap/abc", "/pkg/asap.wasm", "/signin", "/sms/twilio/status"] {
            assert!(is_public(p), "{p}");
        }
        for p in ["/", "/history", "/outbox", "/overview", "/users", "/audit", "/ui-api/history", "/anything"] {
            assert!(!is_public(p), "{p}");
        }
    }

    #[test]
    fn cookies_carry_the_attributes_browsers_need() {
        let plain = session_cookie("tok", false, false);
        assert_eq!(plain.to_str().unwrap(), "asap_session=tok; HttpOnly; SameSite=Lax; Path=/");
        let secure = session_cookie("tok", true, false);
        assert_eq!(secure.to_str().unwrap(), "asap_session=tok; HttpOnly; SameSite=Lax; Secure; Path=/");
        let embedded = session_cookie("tok", false, true);
        assert_eq!(embedded.to_str().unwrap(), "asap_session=tok; HttpOnly; SameSite=None; Partitioned; Secure; Path=/");
        let cleared = cleared_cookie(false);
        assert_eq!(cleared.to_str().unwrap(), "asap_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0");
    }

    #[test]
    fn reads_one_cookie() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; asap_session=tok; b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
