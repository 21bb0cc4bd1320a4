//! The Open Dental badge under the header: how old this server's copy of the office's book is,
//! red once three sync intervals have passed without a pass finishing. Shown only where Open
//! Dental is set up; pointing at it says why it is red and what waits to be written there.

use crate::api::load_sync_status;
use crate::view::sync::SyncStatus;
use leptos::prelude::*;

#[component]
pub fn SyncBadge() -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let status = Resource::new(move || tick.get(), |_| load_sync_status());
    // Read again every half minute, so "N min ago" keeps counting on a page left open.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t = t.wrapping_add(1)), std::time::Duration::from_secs(30)) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                status.await.ok().filter(|s: &SyncStatus| s.configured).map(|s| {
                    let class = if s.stale() { "sync-badge stale" } else { "sync-badge" };
                    let summary = s.summary();
                    let shown = (!summary.is_empty()).then_some(summary);
                    view! {
                        <p class=class role="status" title=s.detail()>
                            <span class="dot" aria-hidden="true"></span>
                            {s.text()}
                            {shown.map(|d| view! { <span class="sync-detail">" — " {d}</span> })}
                        </p>
                    }
                })
            })}
        </Transition>
    }
}
