//! `/outbox`: the texts and emails the local outbox "delivered", newest first. Someone trying the product
//! opens a link here as the patient would from their phone.

use crate::domain::datetext::when;
use crate::api::load_outbox;
use crate::view::outbox::OutboxPage;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;


#[component]
pub fn OutboxPage() -> impl IntoView {
    let query = use_query_map();
    let before = Memo::new(move |_| query.with(|q| q.get("before").and_then(|b| b.trim().parse::<i64>().ok())));
    let tick = RwSignal::new(0u64);
    let data = Resource::new(move || (before.get(), tick.get()), |(b, _)| load_outbox(b));
    let read_again = super::live::debounced_tick(tick);
    super::live::on_changes(move |heard| match heard {
        Some(batch) if !batch.changes.iter().any(|c| c.kind == crate::view::changes::kind::OUTBOX) => {}
        _ => read_again(),
    });
    view! {
        <section class="page outbox">
            <h1>"Outbox"</h1>
            <p class="muted">"Texts and emails the server sent while it uses the local outbox instead of an SMS provider or a mail server, newest first. Open a link to see the offer as the patient does."</p>
            <Transition fallback=|| view! { <p role="status" class="loading">"Loading messages…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => view! { <Messages page/> }.into_any(),
                        Err(e) => view! { <p role="alert" class="notice error">{e.message().to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Messages(page: OutboxPage) -> impl IntoView {
    if page.messages.is_empty() {
        let why = if page.provider == "outbox" || page.email_provider == "outbox" {
            "No messages yet. Offer an opening in the slot picker; its texts and emails appear here as they go out.".to_string()
        } else {
            format!("Texts go through the {} provider and emails through {}, so nothing is kept here.", page.provider, page.email_provider)
        };
        return view! { <p class="empty" role="status">{why}</p> }.into_any();
    }
    let older = page.older;
    view! {
        <ol class="messages" aria-label="Messages, newest first">
            {page.messages.into_iter().map(|m| {
                let (before_link, after_link) = match m.body.split_once(m.link.as_str()) {
                    Some((a, b)) if !m.link.is_empty() => (a.to_string(), b.to_string()),
                    _ => (m.body.clone(), String::new()),
                };
                let has_link = !m.link.is_empty() && m.body.contains(m.link.as_str());
                let channel = if m.email_subject.is_some() { "email" } else { "text" };
                view! {
                    <li class="message-card" class:email=m.email_subject.is_some() data-asapcommnum=m.asap_comm_num data-channel=channel>
                        <p class="meta">
                            <strong>{if m.patient.is_empty() { m.to_phone.clone() } else { m.patient.clone() }}</strong>
                            {format!(" · {} to {} · {}", if m.email_subject.is_some() { "Email" } else { "Text" }, m.to_phone, when(m.sent_at))}
                            {(!m.clinic.is_empty()).then(|| format!(" · {}", m.clinic))}
                        </p>
                        {m.email_subject.clone().map(|subject| view! { <p class="subject"><strong>{subject}</strong></p> })}
                        <p class="bubble">
                            {before_link}
                            {has_link.then(|| view! { <a href=m.link.clone() target="_blank" rel="noopener">{m.link.clone()}</a> })}
                            {after_link}
                        </p>
                    </li>
                }
            }).collect_view()}
        </ol>
        {older.map(|n| view! { <nav class="pager" aria-label="Pages"><A href=format!("/outbox?before={n}")>"Older messages →"</A></nav> })}
    }
    .into_any()
}
