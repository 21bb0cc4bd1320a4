//! `/messages`: ASAP Message Setup (administrators). The text and email a clinic's offers carry,
//! the whole office's as the default, and whether a booking is confirmed; checked and previewed
//! as they are typed.

use crate::api::{load_message_setup, reset_message_setup, save_message_setup};
use crate::domain::template::{
    ASAP_TAGS, check_message, fill_patient_tags, fill_slot_tags, segment_note,
};
use crate::view::day::OfferMessage;
use crate::view::messages::{MessageSetup, MessageSetupChange, WHOLE_OFFICE};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn MessagesPage() -> impl IntoView {
    let query = use_query_map();
    let clinic = Memo::new(move |_| query.with(|q| q.get("clinic").and_then(|c| c.parse::<i64>().ok())));
    let reload = RwSignal::new(0u64);
    let setup = Resource::new(move || (clinic.get(), reload.get()), |(c, _)| load_message_setup(c));
    // Kept above the form, so what a save or removal did survives the re-read that follows it.
    let result: RwSignal<Option<Result<String, String>>> = RwSignal::new(None);
    view! {
        <section class="page messages-setup">
            <h1>"ASAP Message Setup"</h1>
            <p class="muted">"The text and email each offer carries, and the confirmation a patient gets after booking. \
                A clinic without messages of its own sends the whole office's. In the slot picker, staff can still change the message for one send."</p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading the messages…"</p> }>
                {move || Suspend::new(async move {
                    match setup.await {
                        Ok(s) => view! { <SetupForm setup=s reload result/> }.into_any(),
                        Err(e) => view! { <p role="alert" class="notice error">{e.message().to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SetupForm(setup: MessageSetup, reload: RwSignal<u64>, result: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    let navigate = use_navigate();
    let clinic_num = setup.clinic_num;
    let text = RwSignal::new(setup.message.text.clone());
    let subject = RwSignal::new(setup.message.email_subject.clone());
    let body = RwSignal::new(setup.message.email_body.clone());
    let confirm = RwSignal::new(setup.confirm_booking);
    let split = RwSignal::new(setup.split_openings);
    let gap_gone = RwSignal::new(setup.gap_gone_notice);
    let save = Action::new(|c: &MessageSetupChange| save_message_setup(c.clone()));
    let reset = Action::new(|n: &i64| reset_message_setup(*n));
    Effect::new(move |_| {
        if let Some(r) = save.value().get() {
            result.set(Some(r.map(|_| "Saved. The next offers carry these messages.".to_string()).map_err(|e| e.message().to_string())));
            reload.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(r) = reset.value().get() {
            result.set(Some(r.map(|_| "Removed. These are the messages now in use.".to_string()).map_err(|e| e.message().to_string())));
            reload.update(|n| *n += 1);
        }
    });
    let problem = move || {
        check_message(&text.get(), &subject.get(), &body.get(), true).err().map(|p| p.to_string())
    };
    let (office_name, office_phone, link, at) = (setup.office_name.clone(), setup.office_phone.clone(), setup.link_example.clone(), setup.preview_at);
    let fill = StoredValue::new(move |t: &str| fill_patient_tags(&fill_slot_tags(t, at, &office_name, &office_phone), "Alex", &link));
    let fill = move |t: &str| fill.with_value(|f| f(t));
    let level = if clinic_num == WHOLE_OFFICE {
        "the whole office".to_string()
    } else {
        setup.clinics.iter().find(|c| c.clinic_num == clinic_num).map_or_else(|| format!("clinic {clinic_num}"), |c| c.description.clone())
    };
    let own = setup.own;
    view! {
        <form class="card setup-form" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(MessageSetupChange {
                clinic_num,
                message: OfferMessage { text: text.get_untracked(), email_subject: subject.get_untracked(), email_body: body.get_untracked() },
                confirm_booking: confirm.get_untracked(),
                split_openings: split.get_untracked(),
                gap_gone_notice: gap_gone.get_untracked(),
            });
        }>
            <div class="field">
                <label for="setup-clinic">"Messages for"</label>
                <select id="setup-clinic" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    result.set(None);
                    navigate(&if v == "0" { "/messages".to_string() } else { format!("/messages?clinic={v}") }, Default::default());
                }>
                    <option value="0" selected=clinic_num == WHOLE_OFFICE>"The whole office (every clinic without its own)"</option>
                    {setup.clinics.iter().map(|c| view! {
                        <option value=c.clinic_num.to_string() selected=c.clinic_num == clinic_num>{c.description.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <p class="source" role="status">{setup.source.clone()}</p>
            <label for="setup-text">"Text message"</label>
            <textarea id="setup-text" rows="4" maxlength="1000" prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            {move || {
                let (note, long) = segment_note(&fill(&text.get()));
                view! { <p class="muted segments" class:warn=long>{format!("With a name and link filled in: {note}")}</p> }
            }}
            {move || (!text.get().to_uppercase().contains("YES")).then(|| view! {
                <p class="muted reply-hint">
                    "Patients can also book by texting back YES. To tell them, end the text with \u{201c}Reply YES to book, or tap [AsapURL]\u{201d}."
                </p>
            })}
            <label for="setup-subject">"Email subject"</label>
            <input id="setup-subject" type="text" maxlength="200" prop:value=move || subject.get()
                on:input=move |ev| subject.set(event_target_value(&ev))/>
            <label for="setup-body">"Email"</label>
            <textarea id="setup-body" rows="8" maxlength="10000" prop:value=move || body.get()
                on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            <label class="check">
                <input type="checkbox" prop:checked=move || confirm.get() on:change=move |ev| confirm.set(event_target_checked(&ev))/>
                " Send a confirmation after a patient books (by the channel the offer reached them)"
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=move || split.get() on:change=move |ev| split.set(event_target_checked(&ev))/>
                " When a patient books only part of an opening, offer the time left to the next patients who fit it"
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=move || gap_gone.get() on:change=move |ev| gap_gone.set(event_target_checked(&ev))/>
                " When an opening is filled, text those who were offered it and have not answered that it was taken (one short text, within the texting hours and the daily limit)"
            </label>
            <details class="tags">
                <summary>"Tags you can use"</summary>
                <dl>
                    {ASAP_TAGS.iter().map(|(tag, meaning)| view! { <dt><code>{*tag}</code></dt><dd>{*meaning}</dd> }).collect_view()}
                </dl>
            </details>
            {move || problem().map(|p| view! { <p class="notice error" role="alert">{p}</p> })}
            {move || result.get().map(|r| match r {
                Ok(t) => view! { <p class="notice ok" role="status">{t}</p> }.into_any(),
                Err(t) => view! { <p class="notice error" role="alert">{t}</p> }.into_any(),
            })}
            <div class="actions">
                <button type="submit" disabled=move || problem().is_some() || save.pending().get()>{format!("Save for {level}")}</button>
                {own.then(|| view! {
                    <button type="button" class="secondary" disabled=move || reset.pending().get() on:click=move |_| { reset.dispatch(clinic_num); }>
                        {if clinic_num == WHOLE_OFFICE { "Remove these, use the office's preferences" } else { "Remove these, use the whole office's" }}
                    </button>
                })}
            </div>
        </form>
        <section class="card" aria-labelledby="setup-preview">
            <h2 id="setup-preview">"Preview (a patient named Alex)"</h2>
            <h3 class="preview-title">"Text"</h3>
            <p class="preview" aria-label="Text preview">{move || fill(&text.get())}</p>
            <h3 class="preview-title">"Email"</h3>
            <div class="preview email" aria-label="Email preview">
                <p><strong>{move || fill(&subject.get())}</strong></p>
                <p class="email-body">{move || fill(&body.get())}</p>
            </div>
        </section>
    }
}
