//! Live pages: the server pushes what changed (server-sent events) and a page reads again only
//! when a change concerns it. Nothing is polled, so an open page costs the server nothing while
//! nothing changes. The browser reconnects by itself after a lost stream and the server replays
//! what was missed, or says `reset` and the page reads afresh.

use crate::view::changes::ChangeBatch;
use leptos::prelude::*;

/// A change that concerns the page, or `None` for "read everything again".
pub type Heard = Option<ChangeBatch>;

/// Calls `hear` for each batch of changes pushed to this page, from hydration until the page
/// goes away. Does nothing on the server.
pub fn on_changes(hear: impl Fn(Heard) + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use futures::StreamExt;
        use futures::future::{AbortHandle, Abortable};
        use gloo_net::eventsource::futures::EventSource;
        Effect::new(move |_| {
            let hear = hear.clone();
            let Ok(mut source) = EventSource::new(crate::view::changes::EVENTS_PATH) else { return };
            let (Ok(changes), Ok(resets)) = (source.subscribe("change"), source.subscribe("reset")) else { return };
            let (abort, registration) = AbortHandle::new_pair();
            let listen = async move {
                let mut events = futures::stream::select(changes, resets);
                while let Some(event) = events.next().await {
                    let Ok((kind, message)) = event else { continue };
                    if kind == "reset" {
                        hear(None);
                    } else if let Some(batch) = message.data().as_string().and_then(|d| serde_json::from_str::<ChangeBatch>(&d).ok()) {
                        hear(Some(batch));
                    }
                }
                drop(source);
            };
            leptos::task::spawn_local(async move {
                let _ = Abortable::new(listen, registration).await;
            });
            on_cleanup(move || abort.abort());
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = hear;
}

/// Bumps `tick` (a page's "read again") at most about once a second however fast changes come,
/// and always after the last of them.
pub fn debounced_tick(tick: RwSignal<u64>) -> impl Fn() + Clone + 'static {
    let pending = RwSignal::new(false);
    move || {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        set_timeout(
            move || {
                pending.set(false);
                tick.update(|t| *t += 1);
            },
            std::time::Duration::from_millis(700),
        );
    }
}
