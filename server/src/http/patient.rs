//! `/asap/{code}`: the patient's page. No sign-in: the code in the link is the only key, and the
//! page shows nothing but that patient's own offers. Plain HTML and forms, no script.

use super::AppState;
use crate::service::ServiceError;
use app::domain::answer::PatientAnswer;
use app::ui::patient::render_patient_page;
use app::view::patient::PatientPage;
use axum::extract::{Path, Query, State};
use app::domain::confirmation::LinkFrom;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router};
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/asap/{code}", get(show).post(answer))
        .route("/asap/{code}/unsubscribe", get(unsubscribe_page).post(unsubscribe))
        .route("/asap/{code}/earlier", axum::routing::post(earlier))
}

/// The page allows nothing but its own stylesheet and form posts back to itself.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn page_response(status: StatusCode, page: PatientPage, from: LinkFrom) -> Response {
    let mut response = (status, render_patient_page(page, from)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    // The page names the patient: never kept by a shared cache or the browser's history cache.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn failure(e: ServiceError) -> Response {
    match e {
        ServiceError::Store(cause) => {
            tracing::error!(error = %cause, "patient page failed");
            let mut r = (
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, this page cannot be shown right now. Please try again in a minute, or call your dental office.",
            )
                .into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
            r
        }
        ServiceError::Conflict(message) => (StatusCode::CONFLICT, message).into_response(),
        other => (StatusCode::BAD_REQUEST, other.to_string()).into_response(),
    }
}

/// The link's query: `via=email` on the email's link.
#[derive(serde::Deserialize, Default)]
struct LinkQuery {
    via: Option<String>,
}

fn link_from(query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>) -> LinkFrom {
    LinkFrom::parse(query.as_ref().ok().and_then(|Query(q)| q.via.as_deref()))
}

async fn show(state: State<AppState>, Path(code): Path<String>, query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>) -> Response {
    let from = link_from(query);
    match crate::service::patient::view(&state.services, &code).await {
        Ok(PatientPage::Ended) => page_response(StatusCode::NOT_FOUND, PatientPage::Ended, from),
        Ok(page) => page_response(StatusCode::OK, page, from),
        Err(e) => failure(e),
    }
}

#[derive(serde::Deserialize)]
struct AnswerForm {
    #[serde(default)]
    answer: String,
    /// Which of the patient's openings an accept takes, when the page offered several.
    #[serde(default)]
    choice: String,
}

async fn answer(
    state: State<AppState>,
    Path(code): Path<String>,
    query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    form: Result<Form<AnswerForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let from = link_from(query);
    // A form on another site cannot answer for the patient.
    if super::csrf::is_cross_site(&headers) {
        return (StatusCode::FORBIDDEN, "This answer did not come from the offer page. Open the link in your text again.")
            .into_response();
    }
    let Some((answer, choice)) = form.ok().and_then(|Form(f)| PatientAnswer::parse(&f.answer).map(|a| (a, f.choice))) else {
        return (
            StatusCode::BAD_REQUEST,
            "Please answer with one of the buttons on the offer page: book, no thanks, or don't offer again.",
        )
            .into_response();
    };
    // Declining is for the link's own offer; booking may take another time the page offered.
    let code = if answer == PatientAnswer::Accept {
        match crate::service::patient::offer_to_accept(&state.services, &code, &choice).await {
            Ok(code) => code,
            Err(e) => return failure(e),
        }
    } else {
        code
    };
    match crate::service::claim::answer(&state.services, &code, answer, from).await {
        // Back to the page, which now shows the outcome; reloading it does not answer twice.
        Ok(PatientPage::Ended) => page_response(StatusCode::NOT_FOUND, PatientPage::Ended, from),
        Ok(_) => Redirect::to(&format!("/asap/{code}{}", from.query())).into_response(),
        Err(e) => failure(e),
    }
}

#[derive(serde::Deserialize)]
struct EarlierForm {
    apt: String,
}

/// The patient asks to hear of earlier openings for a later visit of theirs.
async fn earlier(
    state: State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    form: Result<Form<EarlierForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if super::csrf::is_cross_site(&headers) {
        return (StatusCode::FORBIDDEN, "This request did not come from your offer page. Open the link in your text again.")
            .into_response();
    }
    let Some(apt_num) = form.ok().and_then(|Form(f)| f.apt.trim().parse::<i64>().ok()) else {
        return (StatusCode::BAD_REQUEST, "Please use the button beside one of your visits on the page.").into_response();
    };
    match crate::service::patient::ask_for_earlier(&state.services, &code, apt_num).await {
        Ok(PatientPage::Ended) => page_response(StatusCode::NOT_FOUND, PatientPage::Ended, LinkFrom::Text),
        Ok(_) => Redirect::to(&format!("/asap/{code}")).into_response(),
        Err(e) => failure(e),
    }
}

async fn unsubscribe_page(state: State<AppState>, Path(code): Path<String>) -> Response {
    unsubscribed(crate::service::patient::unsubscribe_email(&state.services, &code, false).await)
}

/// The one-click POST of RFC 8058 comes from the mail provider, not from this site's page, so
/// it is not held to the same-site check the answers are: the code in the link is its key.
async fn unsubscribe(state: State<AppState>, Path(code): Path<String>) -> Response {
    unsubscribed(crate::service::patient::unsubscribe_email(&state.services, &code, true).await)
}

fn unsubscribed(result: Result<PatientPage, ServiceError>) -> Response {
    match result {
        Ok(PatientPage::Ended) => page_response(StatusCode::NOT_FOUND, PatientPage::Ended, LinkFrom::Email),
        Ok(page) => page_response(StatusCode::OK, page, LinkFrom::Email),
        Err(e) => failure(e),
    }
}
