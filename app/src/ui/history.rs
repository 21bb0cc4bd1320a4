//! `/history`: every ASAP offer in a range, what happened to its text, and the answer.
//! The filters live in the URL; the form is a plain GET form, so the page also works
//! without JavaScript, and the browser's back button restores the previous filters.

use crate::domain::datetext::{day, span_text, when};
use crate::api::{load_clinics, load_history, withdraw_offer};
use crate::view::history::{HistoryDay, HistoryPage, HistoryQuery, HistoryRow};
use crate::domain::template::fill_patient_tags;
use crate::model::OpeningState;
use crate::model::{AppError, Clinic, ResponseStatus, SmsSendStatus};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};


#[component]
pub fn HistoryPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| HistoryQuery::from_pairs(|k| m.get(k))));
    // Bumped when the server says offers in view changed; the page re-reads with the same filters.
    let tick = RwSignal::new(0u64);
    // The days and clinic the page shows, so a change elsewhere does not make it read again.
    let shown: RwSignal<Option<(String, String)>> = RwSignal::new(None);
    // Which messages are expanded, kept above the table so a live re-read does not fold them.
    provide_context(OpenMessages(RwSignal::new(std::collections::HashSet::new())));
    // Taking one offer back: which row asks to confirm, and what the last withdrawal said. Kept
    // above the table so the page's re-read does not lose them.
    let withdrawal = OfferWithdrawal { confirming: RwSignal::new(None), message: RwSignal::new(None), tick };
    provide_context(withdrawal);
    let data = Resource::new(move || (query.get(), tick.get()), |(q, _)| load_history(q));
    let read_again = super::live::debounced_tick(tick);
    super::live::on_changes(move |heard| {
        let Some(batch) = heard else { return read_again() };
        let clinic = query.get_untracked().clinic_num.and_then(|c| c.parse::<i64>().ok());
        let (first, last) = shown.get_untracked().unwrap_or_default();
        if batch.touches(&[crate::view::changes::kind::OFFER], clinic, &first, &last) {
            read_again();
        }
    });

    view! {
        <section class="page history">
            <h1>"ASAP history"</h1>
            <Filters query/>
            {move || withdrawal.message.get().map(|m| match m {
                Ok(text) => view! { <p class="notice ok" role="status" id="offer-withdrawn" tabindex="-1">{text}</p> }.into_any(),
                Err(text) => view! { <p class="notice error" role="alert" id="offer-withdrawn" tabindex="-1">{text}</p> }.into_any(),
            })}
            <Transition fallback=|| view! { <p role="status" class="loading">"Loading ASAP messages…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => {
                            shown.set(Some((page.first_day.to_string(), page.last_day.to_string())));
                            view! { <HistoryBody page query=query.get_untracked()/> }.into_any()
                        }
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ErrorNotice(error: AppError) -> impl IntoView {
    view! {
        <div role="alert" class="notice error">
            <p><strong>"These filters cannot be shown. "</strong>{error.message().to_string()}</p>
            <p><a href="/history">"Show the last 7 days"</a></p>
        </div>
    }
}

#[component]
fn Filters(query: Memo<HistoryQuery>) -> impl IntoView {
    // Read once: the live updates re-read the rows, never the form someone may be using.
    let clinics = Resource::new(|| (), |_| load_clinics());
    let value = move |f: fn(&HistoryQuery) -> Option<String>| move || f(&query.get()).unwrap_or_default();
    let navigate = use_navigate();
    // Without JavaScript the form is a plain GET; with it, the URL keeps only what is set.
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else { return };
            let Ok(data) = web_sys::FormData::new_with_form(&form) else { return };
            ev.prevent_default();
            let q = HistoryQuery::from_pairs(|k| data.get(k).as_string());
            navigate(&q.href(), Default::default());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&ev, &navigate);
    };
    view! {
        <form method="GET" action="/history" class="filters" aria-label="Filter ASAP messages" on:submit=on_submit>
            <div class="field">
                <label for="f-clinic">"Clinic"</label>
                <Suspense fallback=move || view! { <ClinicSelect query clinics=Vec::new()/> }>
                    {move || Suspend::new(async move {
                        view! { <ClinicSelect query clinics=clinics.await.unwrap_or_default()/> }
                    })}
                </Suspense>
            </div>
            <div class="field">
                <label for="f-date">"Day"</label>
                <input type="date" id="f-date" name="date" prop:value=value(|q| q.date.clone())/>
            </div>
            <div class="field">
                <label for="f-start">"From"</label>
                <input type="date" id="f-start" name="dateStart" prop:value=value(|q| q.date_start.clone())/>
            </div>
            <div class="field">
                <label for="f-through">"Through"</label>
                <input type="date" id="f-through" name="dateThrough" prop:value=value(|q| q.date_through.clone())/>
            </div>
            <StatusSelect id="f-status" label="Status" name="ResponseStatus" any="Any status" query
                current=|q| q.response_status.clone()
                options=ResponseStatus::ALL.iter().map(|s| (s.name(), s.label())).collect()/>
            <StatusSelect id="f-send" label="Text" name="SmsSendStatus" any="Any send status" query
                current=|q| q.sms_send_status.clone()
                options=SmsSendStatus::ALL.iter().map(|s| (s.name(), s.label())).collect()/>
            <div class="field">
                <label for="f-order">"Order"</label>
                <select id="f-order" name="order" prop:value=move || query.get().order.unwrap_or_default()>
                    <option value="" selected=move || query.get().newest_first()>"Newest first"</option>
                    <option value="oldest" selected=move || !query.get().newest_first()>"Oldest first"</option>
                </select>
            </div>
            {move || query.get().schedule_num.map(|n| view! { <input type="hidden" name="ScheduleNum" value=n/> })}
            <div class="filter-actions">
                <button type="submit">"Show"</button>
                <a href="/history">"Reset"</a>
            </div>
        </form>
    }
}

/// A filter over one status enum: member names in the URL, labels on screen.
#[component]
fn StatusSelect(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    any: &'static str,
    query: Memo<HistoryQuery>,
    current: fn(&HistoryQuery) -> Option<String>,
    options: Vec<(&'static str, &'static str)>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name prop:value=move || current(&query.get()).unwrap_or_default()>
                <option value="" selected=move || current(&query.get()).is_none()>{any}</option>
                {options.into_iter().map(|(member, text)| view! {
                    <option value=member selected=move || current(&query.get()).as_deref() == Some(member)>{text}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn ClinicSelect(query: Memo<HistoryQuery>, clinics: Vec<Clinic>) -> impl IntoView {
    let current = query.get_untracked().clinic_num;
    // A clinic named in the URL but not (yet) in the list stays selectable, so the form never
    // silently drops it.
    let unknown = current.clone().filter(|c| !clinics.iter().any(|k| k.clinic_num.to_string() == *c));
    view! {
        // `selected` renders the server's choice; `prop:value` follows the URL (back button).
        <select id="f-clinic" name="ClinicNum" prop:value=move || query.get().clinic_num.unwrap_or_else(|| "all".into())>
            <option value="all" selected=current.is_none()>"All clinics"</option>
            {unknown.map(|c| view! { <option value=c.clone() selected=true>{format!("Clinic {c}")}</option> })}
            {clinics.into_iter().map(|c| {
                let num = c.clinic_num.to_string();
                let selected = current.as_deref() == Some(num.as_str());
                let label = if c.abbr.is_empty() { c.description.clone() } else { format!("{} ({})", c.description, c.abbr) };
                view! { <option value=num selected=selected>{label}</option> }
            }).collect_view()}
        </select>
    }
}

#[component]
fn HistoryBody(page: HistoryPage, query: HistoryQuery) -> impl IntoView {
    let range = if page.first_day == page.last_day {
        day(page.first_day)
    } else {
        format!("{} – {}", day(page.first_day), day(page.last_day))
    };
    let t = page.totals.clone();
    let n = |count: i64, one: &'static str, many: &'static str| view! { <li><span class="n">{count}</span>{if count == 1 { one } else { many }}</li> };
    // Opened from one opening's "See these offers": say so, and how to see everything again.
    let one_opening = query.schedule_num.is_some().then(|| {
        let all = HistoryQuery { schedule_num: None, ..query.clone() };
        view! { <p class="filtered">"Showing the offers of one opening. "<A href=all.href()>"Show all offers"</A></p> }
    });
    view! {
        {one_opening}
        <p class="range" aria-live="polite">{format!("{range}: {} matching {}", page.matching, if page.matching == 1 { "offer" } else { "offers" })}</p>
        <ul class="totals" aria-label="Totals for the range">
            {n(t.offers, " offer", " offers")}
            {n(t.sent, " text sent", " texts sent")}
            {n(t.filled, " opening filled", " openings filled")}
            {n(t.declined, " declined", " declined")}
            {n(t.unable, " unable to send", " unable to send")}
        </ul>
        <DayChart days=page.days.clone()/>
        {if page.rows.is_empty() {
            view! { <p class="empty" role="status">"No ASAP messages in this range."</p> }.into_any()
        } else {
            view! { <HistoryTable rows=page.rows.clone()/> }.into_any()
        }}
        <Pager page=page.page page_count=page.page_count next=page.next.clone() previous=page.previous.clone() query/>
    }
}

#[component]
fn DayChart(days: Vec<HistoryDay>) -> impl IntoView {
    if days.is_empty() {
        return ().into_any();
    }
    let max = days.iter().map(|d| d.sent.max(d.accepted).max(d.failed)).max().unwrap_or(1).max(1) as f64;
    let slot = 24.0;
    let height = 80.0;
    let width = slot * days.len() as f64;
    let summary = format!(
        "Per day over {} days: {} sent, {} accepted, {} not delivered.",
        days.len(),
        days.iter().map(|d| d.sent).sum::<i64>(),
        days.iter().map(|d| d.accepted).sum::<i64>(),
        days.iter().map(|d| d.failed).sum::<i64>()
    );
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = i as f64 * slot;
            let bar = |n: i64, dx: f64, class: &'static str, what: &'static str| {
                let h = (n as f64 / max) * height;
                view! {
                    <rect class=class x=x + dx y=height - h width="6" height=h.max(0.0)>
                        <title>{format!("{}: {n} {what}", day(d.day))}</title>
                    </rect>
                }
            };
            // The day of the month under its bars (the caption gives the months).
            let label = d.day.get().format("%-d").to_string();
            view! {
                <g>
                    {bar(d.sent, 3.0, "bar-sent", "sent")}
                    {bar(d.accepted, 10.0, "bar-accepted", "accepted")}
                    {bar(d.failed, 17.0, "bar-failed", "not delivered")}
                    <text class="day-label" x=x + slot / 2.0 y=height + 12.0 text-anchor="middle" aria-hidden="true">{label}</text>
                </g>
            }
        })
        .collect_view();
    let first = day(days[0].day);
    let last = day(days[days.len() - 1].day);
    view! {
        <figure class="chart">
            <div class="chart-scroll">
                <svg role="img" aria-label=summary.clone() viewBox=format!("0 0 {width} {}", height + 16.0) width=width height=height + 16.0
                    preserveAspectRatio="none">
                    {bars}
                </svg>
            </div>
            <figcaption>
                <span class="key key-sent">"Sent"</span>
                <span class="key key-accepted">"Accepted"</span>
                <span class="key key-failed">"Not delivered"</span>
                <span class="chart-range">{format!("{first} – {last}")}</span>
            </figcaption>
        </figure>
    }
    .into_any()
}

#[component]
fn HistoryTable(rows: Vec<HistoryRow>) -> impl IntoView {
    view! {
        <p class="scroll-hint table-hint muted">"The table is wider than the screen: scroll it sideways for the Opening, Link ends and Note columns."</p>
        <div class="table-scroll" tabindex="0" role="region" aria-label="ASAP messages">
            <table class="history-table">
                <caption class="visually-hidden">"ASAP messages, one row per offer"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Patient"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Messages and answer"</th>
                        <th scope="col">"Clinic"</th>
                        <th scope="col">"Offered for"</th>
                        <th scope="col">"Opening"</th>
                        <th scope="col">"Entered"</th>
                        <th scope="col">"Link ends"</th>
                        <th scope="col">"Note"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.clone() key=|r| (r.comm.asap_comm_num, r.comm.response_status, r.comm.sms_send_status) let:row>
                        <Row row/>
                    </For>
                </tbody>
            </table>
        </div>
    }
}

/// Each step the offer went through, with its time: scheduled or sent, delivered, viewed, and
/// its outcome.
fn timeline(row: &HistoryRow) -> Vec<(&'static str, String)> {
    let c = &row.comm;
    let mut steps = Vec::new();
    if let Some(sent) = c.date_time_sms_sent.known() {
        let what = match c.sms_send_status {
            SmsSendStatus::SendFailed => "Not delivered",
            SmsSendStatus::SentAwaitingReceipt => "Sent",
            _ => "Sent",
        };
        steps.push((what, when(sent)));
    } else if c.sms_send_status == SmsSendStatus::SendNotAttempted {
        steps.push(("Will send", when(c.date_time_sms_scheduled)));
    }
    if let Some(sent) = row.email_sent.known() {
        let what = if row.email_status == Some(SmsSendStatus::SendFailed) { "Email not delivered" } else { "Emailed" };
        steps.push((what, when(sent)));
    } else if row.email_status == Some(SmsSendStatus::SendNotAttempted) {
        steps.push(("Will email", when(row.email_scheduled)));
    }
    if let Some(at) = row.delivered.known() {
        if c.sms_send_status == SmsSendStatus::SendSuccessful {
            steps.push(("Delivered", when(at)));
        }
    }
    if let Some(at) = row.viewed.known() {
        steps.push(("Viewed", when(at)));
    }
    if let Some(at) = row.responded.known() {
        let what = match c.response_status {
            _ if !row.withdrawn_by.is_empty() => "Withdrawn",
            ResponseStatus::AcceptedAndMoved | ResponseStatus::AcceptedAndNotAvailable => "Accepted",
            ResponseStatus::Declined | ResponseStatus::DeclinedStopComm => "Declined",
            ResponseStatus::Expired => "Expired",
            ResponseStatus::ChoseDifferentSlot => "Took another opening",
            _ => "Answered",
        };
        steps.push((what, when(at)));
    }
    steps
}

/// A sent offer still waiting for an answer whose opening is gone says so beside its status.
fn opening_gone(row: &HistoryRow) -> Option<&'static str> {
    let waiting = matches!(row.comm.response_status, ResponseStatus::AwaitingTransmit | ResponseStatus::PendingRsvp | ResponseStatus::Viewed);
    match row.opening? {
        OpeningState::Open => None,
        _ if !waiting => None,
        OpeningState::Filled => Some("Opening filled"),
        OpeningState::Withdrawn => Some("Opening withdrawn"),
        OpeningState::Lapsed => Some("Opening passed"),
        OpeningState::Booked => Some("Booked by the office"),
    }
}

/// One patient's offer taken back from its row, asked twice first.
#[derive(Clone, Copy)]
struct OfferWithdrawal {
    confirming: RwSignal<Option<i64>>,
    message: RwSignal<Option<Result<String, String>>>,
    tick: RwSignal<u64>,
}

/// "Withdraw…" on an offer still waiting for the patient, then the question.
#[component]
fn WithdrawOfferButton(num: i64, patient: String) -> impl IntoView {
    let Some(w) = use_context::<OfferWithdrawal>() else { return ().into_any() };
    let action = Action::new(|n: &i64| withdraw_offer(*n));
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            w.message.set(Some(result.map_err(|e| e.message().to_string())));
            w.tick.update(|n| *n += 1);
            // The row is drawn again: the keyboard goes to what happened.
            super::focus_when_shown("offer-withdrawn");
        }
    });
    let asking = move || w.confirming.get() == Some(num);
    view! {
        <button type="button" class="secondary withdraw-offer" id=format!("withdraw-offer-{num}") disabled=move || action.pending().get()
            aria-expanded=move || asking().to_string() on:click=move |_| w.confirming.set(Some(num))>
            "Withdraw…"
        </button>
        {move || asking().then(|| view! {
            <div class="confirm-withdraw" role="group" aria-label=format!("Confirm withdrawing {patient}'s offer")
                on:keydown=move |ev| if ev.key() == "Escape" { w.confirming.set(None); super::focus_when_shown(format!("withdraw-offer-{num}")); }>
                <p>{format!("Withdraw {patient}'s offer? Their link stops booking this time: it will say the time is no longer offered. Nothing more is sent to them, and they are not told unless they open it. Others keep theirs.")}</p>
                <button type="button" class="danger" disabled=move || action.pending().get()
                    on:click=move |_| { w.confirming.set(None); action.dispatch(num); }>"Yes, withdraw it"</button>
                <button type="button" class="secondary"
                    on:click=move |_| { w.confirming.set(None); super::focus_when_shown(format!("withdraw-offer-{num}")); }>"Keep it"</button>
            </div>
        })}
    }
    .into_any()
}

/// AsapCommNums whose message is expanded.
#[derive(Clone, Copy)]
struct OpenMessages(RwSignal<std::collections::HashSet<i64>>);

#[component]
fn Row(row: HistoryRow) -> impl IntoView {
    let open = use_context::<OpenMessages>().map(|o| o.0);
    let num = row.comm.asap_comm_num;
    let is_open = move || open.is_some_and(|o| o.with(|set| set.contains(&num)));
    let on_toggle = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let now_open = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()).is_some_and(|d| d.open());
            if let Some(o) = open {
                o.update(|set| {
                    if now_open { set.insert(num); } else { set.remove(&num); }
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&ev, open);
    };
    let c = row.comm.clone();
    let badge = row.badge();
    let link_ends = row.link_ends();
    let message = fill_patient_tags(&c.template_text, &row.f_name, "(link to the claim page)");
    let opening_day = row.slot_start.known().map(|s| day(s.date())).unwrap_or_default();
    view! {
        <tr data-asapcommnum=c.asap_comm_num>
            <th scope="row" class="patient">
                {row.patient.clone()}
                <details class="message" prop:open=is_open on:toggle=on_toggle>
                    <summary>"Message"</summary>
                    <p>{message}</p>
                </details>
            </th>
            <td>
                <span class=format!("badge tone-{}", badge.1)>{badge.0}</span>
                {opening_gone(&row).map(|g| view! { <span class="sub gone">{g}</span> })}
                {(!row.withdrawn_by.is_empty()).then(|| view! { <span class="sub withdrawn-by">{format!("by {}", row.withdrawn_by)}</span> })}
                {row.may_withdraw().then(|| view! { <WithdrawOfferButton num patient=row.patient.clone()/> })}
            </td>
            <td class="timeline">
                <ul>
                    {timeline(&row).into_iter().map(|(what, at)| view! { <li><span class="step">{what}</span>" "{at}</li> }).collect_view()}
                </ul>
            </td>
            <td>{row.clinic.clone()}</td>
            <td>
                {c.f_key_type.label()}
                <br/>
                <span class="sub">{when(c.date_time_orig)}</span>
            </td>
            <td>
                {opening_day}
                <br/>
                <span class="sub">{span_text(row.slot_start, row.slot_stop)}" "{row.operatory.clone()}</span>
            </td>
            <td>{when(c.date_time_entry)}</td>
            <td>{when(link_ends)}</td>
            <td class="note">{c.note.clone()}</td>
        </tr>
    }
}

#[component]
fn Pager(page: i64, page_count: i64, next: Option<String>, previous: Option<String>, query: HistoryQuery) -> impl IntoView {
    if next.is_none() && previous.is_none() {
        return ().into_any();
    }
    let link = move |p: i64, after: Option<String>, before: Option<String>| {
        HistoryQuery { page: (p > 1).then(|| p.to_string()), after, before, ..query.clone() }.href()
    };
    let back = previous.map(|key| link((page - 1).max(1), None, if page > 2 { Some(key) } else { None }));
    let on = next.map(|key| link(page + 1, Some(key), None));
    view! {
        <nav class="pager" aria-label="Pages">
            {back.map(|href| view! { <A href=href>"← Previous page"</A> })}
            <span>{format!("Page {page} of {page_count}")}</span>
            {on.map(|href| view! { <A href=href>"Next page →"</A> })}
        </nav>
    }
    .into_any()
}
