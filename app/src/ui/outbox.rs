//! `/outbox`: the texts and emails the local outbox "delivered", newest first. Someone trying the product
//! opens a link here as the patient would from their phone.

use crate::domain::datetext::when;
use crate::domain::template::phone_text;
use crate::api::{load_outbox, reply_as_patient};
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
            <p class="muted">"Texts and emails the server sent while it uses the local outbox instead of an SMS provider or a mail server, newest first. Open a link to see the offer as the patient does, or reply to a text as the patient would (YES books it)."</p>
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
    let may_reply = page.provider == "outbox";
    view! {
        <ol class="messages" aria-label="Messages, newest first">
            {page.messages.into_iter().map(|m| {
                let channel = if m.email_subject.is_some() { "email" } else { "text" };
                // A text goes to a number, shown as the office writes numbers; an email to its address.
                let to = if m.email_subject.is_some() { m.to_phone.clone() } else { phone_text(m.to_phone.trim_start_matches("+1")) };
                let what = if m.from_patient { "Reply from" } else if m.email_subject.is_some() { "Email to" } else { "Text to" };
                // An offer's text can be answered here as the patient would from their phone.
                let answerable = may_reply && m.email_subject.is_none() && !m.from_patient && !m.link.is_empty();
                let message_num = m.message_num;
                view! {
                    <li class="message-card" class:email=m.email_subject.is_some() class:from-patient=m.from_patient
                        data-asapcommnum=m.asap_comm_num data-channel=channel>
                        <p class="meta">
                            <strong>{if m.patient.is_empty() { to.clone() } else { m.patient.clone() }}</strong>
                            {format!(" · {what} {} · {}", to, when(m.sent_at))}
                            {(!m.clinic.is_empty()).then(|| format!(" · {}", m.clinic))}
                        </p>
                        {m.email_subject.clone().map(|subject| view! { <p class="subject"><strong>{subject}</strong></p> })}
                        <p class="bubble">
                            {web_addresses(&m.body).into_iter().map(|(text, is_link)| if is_link {
                                view! { <a href=text.clone() target="_blank" rel="noopener">{text.clone()}</a> }.into_any()
                            } else {
                                text.into_any()
                            }).collect_view()}
                        </p>
                        {answerable.then(|| view! { <ReplyForm message_num/> })}
                    </li>
                }
            }).collect_view()}
        </ol>
        {older.map(|n| view! { <nav class="pager" aria-label="Pages"><A href=format!("/outbox?before={n}")>"Older messages →"</A></nav> })}
    }
    .into_any()
}

/// Texting back as the patient: YES books the offer, a number picks from a list, STOP and HELP
/// do what they do from a phone.
#[component]
fn ReplyForm(message_num: i64) -> impl IntoView {
    let body = RwSignal::new(String::new());
    let send = Action::new(move |text: &String| reply_as_patient(message_num, text.clone()));
    let id = format!("reply-{message_num}");
    view! {
        <form class="reply-form" on:submit=move |ev| {
            ev.prevent_default();
            send.dispatch(body.get_untracked());
        }>
            <label for=id.clone()>"Reply as the patient"</label>
            <input id=id type="text" maxlength="160" placeholder="YES" autocomplete="off"
                prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))/>
            <button type="submit" class="secondary" disabled=move || send.pending().get() || body.get().trim().is_empty()>"Send reply"</button>
            {move || send.value().get().map(|r| match r {
                Ok(t) => view! { <p class="notice ok" role="status">{t}</p> }.into_any(),
                Err(e) => view! { <p class="notice error" role="alert">{e.message().to_string()}</p> }.into_any(),
            })}
        </form>
    }
}

/// The body cut into plain text and web addresses (true), so every link in a message (the offer,
/// an email's unsubscribe line) can be opened from here as the patient would.
fn web_addresses(body: &str) -> Vec<(String, bool)> {
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(at) = ["https://", "http://"].iter().filter_map(|scheme| rest.find(scheme)).min() {
        let end = rest[at..].find(char::is_whitespace).map_or(rest.len(), |n| at + n);
        // A sentence's full stop or a closing bracket after the address is not part of it.
        let end = at + rest[at..end].trim_end_matches(['.', ',', ')', ';', ':', '!', '?']).len();
        if at > 0 {
            parts.push((rest[..at].to_string(), false));
        }
        parts.push((rest[at..end].to_string(), true));
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        parts.push((rest.to_string(), false));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::web_addresses;

    #[test]
    fn every_web_address_in_a_message_is_a_link() {
        let body = "Visit https://x.test/asap/abc?via=email to reserve it.\n--\nUnsubscribe: https://x.test/asap/abc/unsubscribe";
        assert_eq!(
            web_addresses(body),
            vec![
                ("Visit ".to_string(), false),
                ("https://x.test/asap/abc?via=email".to_string(), true),
                (" to reserve it.\n--\nUnsubscribe: ".to_string(), false),
                ("https://x.test/asap/abc/unsubscribe".to_string(), true),
            ]
        );
        assert_eq!(web_addresses("Visit http://x.test/a."), vec![("Visit ".into(), false), ("http://x.test/a".into(), true), (".".into(), false)]);
        assert_eq!(web_addresses("no link"), vec![("no link".into(), false)]);
    }
}
