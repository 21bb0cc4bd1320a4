//! `GET /ui-api/events`: the changes a signed-in page hears of, as server-sent events. A page
//! that lost the stream reconnects with the last event id it had and gets what it missed (or a
//! `reset` telling it to read afresh when that is no longer kept).

use super::AppState;
use crate::service::ChangeBatch;
use app::view::access::Caller;
use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

pub const PATH: &str = "/ui-api/events";

fn change_event(batch: &ChangeBatch) -> Event {
    Event::default().event("change").id(batch.last.to_string()).data(serde_json::to_string(batch).unwrap_or_default())
}

fn reset_event() -> Event {
    Event::default().event("reset").data("{}")
}

pub async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut receiver = state.services.changes.subscribe();
    let last_seen = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
    let services = state.services.clone();
    let clinics = caller.clinics.clone();
    let stream = async_stream::stream! {
        // Back after losing the stream: first what happened meanwhile.
        if let Some(after) = last_seen {
            match services.changes_since(after).await {
                Ok(Some(batch)) if !batch.changes.is_empty() => {
                    let mine = batch.for_clinics(clinics.as_deref());
                    if !mine.changes.is_empty() {
                        yield Ok(change_event(&mine));
                    }
                }
                Ok(Some(_)) => {}
                _ => yield Ok(reset_event()),
            }
        }
        loop {
            match receiver.recv().await {
                Ok(batch) => {
                    let mine = batch.for_clinics(clinics.as_deref());
                    if !mine.changes.is_empty() {
                        yield Ok(change_event(&mine));
                    }
                }
                // This page fell behind: it reads afresh.
                Err(RecvError::Lagged(_)) => yield Ok(reset_event()),
                Err(RecvError::Closed) => break,
            }
        }
    };
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
}
