//! `/`: the slot picker. One clinic's day by operatory; pick an opening and ASAP patients,
//! preview the text, and send. The grid follows the WAI-ARIA grid pattern: one tab stop,
//! arrow keys move, Enter or Space picks.

use crate::domain::datetext::{day, span_text, when};
use crate::api::{load_asap_list, load_day, send_offer, withdraw_opening};
use crate::domain::channels::SendMode;
use crate::view::day::{ASAP_LIST_PAGE_SIZE, AsapListPage, AsapListQuery, Candidate, CandidateKey, DayBoard, DayQuery, ItemKind, OpColumn, OpeningSummary};
use crate::model::OpeningState;
use crate::domain::Span;
use crate::domain::slots::{fits_opening, free_minutes_at, offers_sent_text};
use crate::domain::datetext::time_text;
use crate::domain::template::{fill_patient_tags, fill_slot_tags};
use crate::model::{OdDate, OdDateTime};
use chrono::Timelike;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

/// What one grid cell shows.
#[derive(Clone, Debug, PartialEq, Eq)]
struct CellView {
    state: &'static str,
    text: String,
    name: String,
    free_minutes: i64,
}

/// The state of the cell `[t, t + increment)` in one operatory. Appointments and blocking
/// blockouts win over openings, which win over plain free time.
fn cell_view(col: &OpColumn, t: OdDateTime, increment: i64, board_date: OdDate) -> CellView {
    let cell = Span::starting_at(t, increment);
    let free_minutes = free_minutes_at(&col.free, t);
    let at = format!("{}, {} {}", col.op.op_name, day(board_date), time_text(t));
    let first = |kind: ItemKind| col.items.iter().find(|i| i.kind == kind && i.span.overlaps(&cell));
    let label_if_starts = |span: &Span, label: &str| {
        if span.start >= t && span.start < cell.end { label.to_string() } else { String::new() }
    };
    if let Some(a) = first(ItemKind::Appointment) {
        return CellView {
            state: "busy",
            text: label_if_starts(&a.span, &a.label),
            name: format!("{at}, appointment: {} ({})", a.label, a.detail),
            free_minutes: 0,
        };
    }
    if let Some(b) = first(ItemKind::BlockingBlockout) {
        return CellView {
            state: "blocked",
            text: label_if_starts(&b.span, &b.label),
            name: format!("{at}, blockout {}: {}", b.label, b.detail),
            free_minutes: 0,
        };
    }
    let free_text = |m: i64| format!("{m} minutes free");
    if let Some(o) = first(ItemKind::Opening) {
        // Openings offered separately over the same time read as one: what the office sent out there.
        let offers: i64 = col.items.iter().filter(|i| i.kind == ItemKind::Opening && i.span.overlaps(&cell)).map(|i| i.offers).sum();
        let detail = offers_sent_text(offers);
        return CellView {
            state: "opening",
            text: label_if_starts(&o.span, &format!("ASAP · {detail}")),
            name: format!("{at}, ASAP opening ({detail}){}", if free_minutes > 0 { format!(", {}", free_text(free_minutes)) } else { String::new() }),
            free_minutes,
        };
    }
    if let Some(b) = first(ItemKind::Blockout) {
        return CellView {
            state: if free_minutes > 0 { "soft" } else { "closed" },
            text: label_if_starts(&b.span, &b.label),
            name: format!("{at}, blockout {} ({}){}", b.label, b.detail, if free_minutes > 0 { format!(", {}", free_text(free_minutes)) } else { String::new() }),
            free_minutes,
        };
    }
    if free_minutes > 0 {
        return CellView { state: "free", text: String::new(), name: format!("{at}, {}", free_text(free_minutes)), free_minutes };
    }
    let scheduled = col.provider_time.iter().any(|p| p.overlaps(&cell));
    CellView {
        state: "closed",
        text: String::new(),
        name: format!("{at}, {}", if scheduled { "past" } else { "no provider scheduled" }),
        free_minutes: 0,
    }
}

fn row_times(board: &DayBoard) -> Vec<OdDateTime> {
    let mut rows = Vec::new();
    let mut t = board.grid_start;
    while t < board.grid_end {
        rows.push(t);
        t = t.plus_minutes(board.increment.max(5));
    }
    rows
}

#[component]
pub fn PickerPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|m| DayQuery { clinic: m.get("clinic"), date: m.get("date") }));
    let reload = RwSignal::new(0u64);
    let board = Resource::new(move || (query.get(), reload.get()), |(q, _)| load_day(q));
    // Kept above the board, so the result of Send survives the re-read that follows it.
    let outcome: RwSignal<Option<Result<(i64, String, bool), String>>> = RwSignal::new(None);
    // The clinic and day shown, and whether the server has said they changed since.
    let shown: RwSignal<Option<(i64, String)>> = RwSignal::new(None);
    let stale = RwSignal::new(false);
    super::live::on_changes(move |heard| {
        use crate::view::changes::kind;
        let Some((clinic, date)) = shown.get_untracked() else { return };
        if heard.is_none_or(|b| b.touches(&[kind::OFFER, kind::OPENING, kind::APPOINTMENT], Some(clinic), &date, &date)) {
            stale.set(true);
        }
    });

    view! {
        <section class="page picker-page">
            <h1>"Slot picker"</h1>
            <Transition fallback=|| view! { <p role="status" class="loading">"Loading the day…"</p> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Ok(b) => {
                            shown.set(Some((b.clinic_num, b.date.to_string())));
                            stale.set(false);
                            view! { <Board board=b reload outcome stale/> }.into_any()
                        }
                        Err(e) => view! {
                            <div role="alert" class="notice error">
                                <p>{e.message().to_string()}</p>
                                <p><a href="/">"Show today"</a></p>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DayBar(board: DayBoard) -> impl IntoView {
    let navigate = use_navigate();
    let clinic = board.clinic_num;
    let date = board.date;
    let go = move |clinic: i64, date: OdDate| {
        navigate(&DayQuery::href(clinic, date), Default::default());
    };
    let go_clinic = go.clone();
    let go_date = go.clone();
    let go_prev = go.clone();
    let go_next = go.clone();
    let go_today = go.clone();
    let today = board.today;
    view! {
        <form class="picker-bar" method="GET" action="/" aria-label="Choose the day">
            <div class="field">
                <label for="p-clinic">"Clinic"</label>
                <select id="p-clinic" name="clinic" on:change=move |ev| {
                    if let Ok(n) = event_target_value(&ev).parse::<i64>() { go_clinic(n, date) }
                }>
                    {board.clinics.iter().map(|c| {
                        let label = c.description.clone();
                        view! { <option value=c.clinic_num.to_string() selected=c.clinic_num == clinic>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="button" class="secondary" on:click=move |_| go_prev(clinic, date.add_days(-1))
                aria-label="Previous day">"←"</button>
            <div class="field">
                <label for="p-date">"Day"</label>
                <input type="date" id="p-date" name="date" value=date.to_string() on:change=move |ev| {
                    if let Ok(d) = OdDate::parse(&event_target_value(&ev)) { go_date(clinic, d) }
                }/>
            </div>
            <button type="button" class="secondary" on:click=move |_| go_next(clinic, date.add_days(1))
                aria-label="Next day">"→"</button>
            <button type="button" class="secondary" on:click=move |_| go_today(clinic, today)>"Today"</button>
            <noscript><button type="submit">"Show"</button></noscript>
            <strong class="day-title">{day(date)}</strong>
        </form>
    }
}

#[component]
fn Board(
    board: DayBoard,
    reload: RwSignal<u64>,
    outcome: RwSignal<Option<Result<(i64, String, bool), String>>>,
    stale: RwSignal<bool>,
) -> impl IntoView {
    let board = StoredValue::new(board);
    let rows = StoredValue::new(board.with_value(row_times));
    let n_rows = rows.with_value(Vec::len);
    let n_cols = board.with_value(|b| b.columns.len());
    // (column, row) of the keyboard focus and of the chosen opening start.
    let focus = RwSignal::new((0usize, 0usize));
    let selected: RwSignal<Option<(usize, usize)>> = RwSignal::new(None);
    let shown_patient: RwSignal<Option<CandidateKey>> = RwSignal::new(None);
    let recipients: RwSignal<Vec<CandidateKey>> = RwSignal::new(Vec::new());

    let views = StoredValue::new(board.with_value(|b| {
        b.columns
            .iter()
            .map(|c| rows.with_value(|rs| rs.iter().map(|t| cell_view(c, *t, b.increment, b.date)).collect::<Vec<_>>()))
            .collect::<Vec<_>>()
    }));
    let cell_free = move |c: usize, r: usize| views.with_value(|v| v[c][r].free_minutes);
    // Every ASAP-list patient this page has loaded, so a choice outlives the list page it was made on.
    let known: StoredValue<Vec<Candidate>> = StoredValue::new(board.with_value(|b| b.asap_list.candidates.clone()));
    let candidate = move |key: CandidateKey| known.with_value(|all| all.iter().find(|c| c.key == key).cloned());

    // Selecting an opening keeps only the recipients who still fit it.
    let select = move |c: usize, r: usize| {
        if cell_free(c, r) > 0 {
            selected.set(Some((c, r)));
            outcome.set(None);
            let free = cell_free(c, r);
            recipients.update(|list| list.retain(|k| candidate(*k).is_some_and(|x| fits_opening(x.minutes, free))));
        }
    };

    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let (c, r) = focus.get_untracked();
        let (nc, nr) = match ev.key().as_str() {
            "ArrowRight" => ((c + 1).min(n_cols.saturating_sub(1)), r),
            "ArrowLeft" => (c.saturating_sub(1), r),
            "ArrowDown" => (c, (r + 1).min(n_rows.saturating_sub(1))),
            "ArrowUp" => (c, r.saturating_sub(1)),
            "Home" => (0, r),
            "End" => (n_cols.saturating_sub(1), r),
            "PageDown" => (c, (r + 6).min(n_rows.saturating_sub(1))),
            "PageUp" => (c, r.saturating_sub(6)),
            "Enter" | " " => {
                ev.prevent_default();
                select(c, r);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        focus.set((nc, nr));
        focus_cell(nc, nr);
    };

    // The day changed on the server: shown at once unless someone is in the middle of an offer.
    Effect::new(move |_| {
        if stale.get() && selected.get().is_none() && recipients.get().is_empty() {
            reload.update(|n| *n += 1);
        }
    });
    let grid_columns = format!("grid-template-columns: 4.5rem repeat({n_cols}, minmax(7.5rem, 1fr));");
    let b0 = board.get_value();
    let has_ops = n_cols > 0;

    view! {
        <DayBar board=b0.clone()/>
        {move || stale.get().then(|| view! {
            <p class="notice warn" role="status">
                "This day has changed since you opened it. "
                <button type="button" class="secondary" on:click=move |_| reload.update(|n| *n += 1)>"Show the changes"</button>
            </p>
        })}
        <div class="legend" aria-hidden="true">
            <span class="l-free">"Free"</span>
            <span class="l-busy">"Appointment"</span>
            <span class="l-blocked">"Blockout, no appointments"</span>
            <span class="l-soft">"Blockout, appointments allowed"</span>
            <span class="l-opening">"ASAP opening offered"</span>
            <span class="l-closed">"Closed or past"</span>
        </div>
        <div class="picker">
            <div class="day-grid-wrap">
                {if has_ops {
                    view! {
                        <div class="day-grid" role="grid" aria-label=format!("Schedule for {}", day(b0.date))
                            aria-rowcount=(n_rows + 1).to_string() aria-colcount=(n_cols + 1).to_string()
                            style=grid_columns on:keydown=on_key>
                            <div role="row" style="display: contents">
                                <div class="corner" role="columnheader">"Time"</div>
                                {b0.columns.iter().map(|c| view! {
                                    <div class="op-head" role="columnheader">
                                        {c.op.op_name.clone()}
                                        <span class="prov">{if c.providers.is_empty() { "No provider".to_string() } else { c.providers.clone() }}</span>
                                    </div>
                                }).collect_view()}
                            </div>
                            {rows.get_value().into_iter().enumerate().map(|(r, t)| view! {
                                <div role="row" style="display: contents">
                                    <div class="time" role="rowheader">
                                        // Every row is named for screen readers; only whole hours show.
                                        <span class=if t.get().minute() == 0 || r == 0 { "" } else { "visually-hidden" }>{time_text(t)}</span>
                                    </div>
                                    {(0..n_cols).map(|c| {
                                        let v = views.with_value(|v| v[c][r].clone());
                                        let state = v.state;
                                        let op_num = board.with_value(|b| b.columns[c].op.operatory_num);
                                        let class = move || {
                                            let mut cls = format!("cell {state}");
                                            if selected.get() == Some((c, r)) { cls.push_str(" selected"); }
                                            if let Some(k) = shown_patient.get() {
                                                if let Some(x) = candidate(k) {
                                                    let free = views.with_value(|v| v[c][r].free_minutes);
                                                    if fits_opening(x.minutes, free) { cls.push_str(" fits"); }
                                                }
                                            }
                                            cls
                                        };
                                        view! {
                                            <div class=class role="gridcell" id=format!("cell-{c}-{r}")
                                                data-op=op_num data-start=t.to_string() data-free=v.free_minutes
                                                tabindex=move || if focus.get() == (c, r) { "0" } else { "-1" }
                                                aria-selected=move || (selected.get() == Some((c, r))).to_string()
                                                aria-label=v.name.clone()
                                                title=v.name.clone()
                                                on:click=move |_| { focus.set((c, r)); select(c, r); }>
                                                <span class="label">{v.text.clone()}</span>
                                            </div>
                                        }
                                    }).collect_view()}
                                </div>
                            }).collect_view()}
                        </div>
                    }.into_any()
                } else {
                    view! { <p class="empty">"This clinic has no operatories to show."</p> }.into_any()
                }}
            </div>
            <div class="side">
                <OfferPanel board selected recipients outcome reload cell_free rows known/>
                <AsapList board selected recipients shown_patient cell_free known/>
                <OpeningsToday board reload/>
            </div>
        </div>
    }
}

/// Tells the page (and through it an office portal embedding us) that an opening was offered.
fn announce_offer_sent(schedule_num: i64, offers: usize) {
    #[cfg(feature = "hydrate")]
    {
        let detail = format!(r#"{{"scheduleNum":{schedule_num},"offers":{offers}}}"#);
        let init = web_sys::CustomEventInit::new();
        init.set_detail(&wasm_bindgen::JsValue::from_str(&detail));
        if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("asap:offer-sent", &init) {
            let _ = document().dispatch_event(&event);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (schedule_num, offers);
}

/// Moves the keyboard to an element once the view has drawn it.
fn focus_when_shown(id: &'static str) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(el) = document().get_element_by_id(id).and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

fn focus_cell(c: usize, r: usize) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = document().get_element_by_id(&format!("cell-{c}-{r}")) {
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (c, r);
}

#[component]
fn OfferPanel(
    board: StoredValue<DayBoard>,
    selected: RwSignal<Option<(usize, usize)>>,
    recipients: RwSignal<Vec<CandidateKey>>,
    outcome: RwSignal<Option<Result<(i64, String, bool), String>>>,
    reload: RwSignal<u64>,
    cell_free: impl Fn(usize, usize) -> i64 + Copy + Send + Sync + 'static,
    rows: StoredValue<Vec<OdDateTime>>,
    known: StoredValue<Vec<Candidate>>,
) -> impl IntoView {
    let opening = move || {
        selected.get().map(|(c, r)| {
            let start = rows.with_value(|rs| rs[r]);
            let op = board.with_value(|b| b.columns[c].op.clone());
            (op, start, cell_free(c, r))
        })
    };
    let send_mode = RwSignal::new(SendMode::Text);
    let send = Action::new(move |(op, start, keys, mode): &(i64, OdDateTime, Vec<CandidateKey>, SendMode)| {
        send_offer(*op, start.to_string(), keys.clone(), *mode)
    });
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            match result {
                Ok(o) => {
                    announce_offer_sent(o.schedule_num, o.offers.len());
                    let (summary, waits) = o.summary();
                    outcome.set(Some(Ok((o.schedule_num, summary, waits))));
                    // The chosen cell and patients are gone: the keyboard goes to what happened.
                    focus_when_shown("offer-outcome");
                    recipients.set(Vec::new());
                    selected.set(None);
                }
                Err(e) => outcome.set(Some(Err(e.message().to_string()))),
            }
            // Either way the day is read again: a conflict means someone else changed it.
            reload.update(|n| *n += 1);
        }
    });
    let chosen = move || {
        let keys = recipients.get();
        known.with_value(|all| keys.iter().filter_map(|k| all.iter().find(|c| c.key == *k).cloned()).collect::<Vec<_>>())
    };
    // The first chosen patient each channel reaches, for its preview.
    let preview = move || {
        let (_, start, _) = opening()?;
        let mode = send_mode.get();
        let people = chosen();
        let first_by = |word: &str| {
            people.iter().find(|c| c.details(mode).is_some_and(|(line, reaches)| reaches && line.contains(word))).cloned()
        };
        let text = first_by("text to").map(|c| {
            let body = board.with_value(|b| fill_slot_tags(&b.template, start, &b.office_name, &b.office_phone));
            (c.patient.clone(), fill_patient_tags(&body, &c.f_name, "[link]"))
        });
        let email = first_by("email to").map(|c| {
            let (subject, body) = board.with_value(|b| {
                (
                    fill_slot_tags(&b.email_subject, start, &b.office_name, &b.office_phone),
                    fill_slot_tags(&b.email_template, start, &b.office_name, &b.office_phone),
                )
            });
            (c.patient.clone(), fill_patient_tags(&subject, &c.f_name, "[link]"), fill_patient_tags(&body, &c.f_name, "[link]"))
        });
        Some((text, email))
    };
    // Each chosen patient, with what this send mode gives them; those it cannot reach are still
    // offered the opening (and it is recorded), and are listed first so nobody misses them.
    let details = move || {
        let mode = send_mode.get();
        let mut rows: Vec<(String, String, bool)> = chosen()
            .into_iter()
            .map(|c| {
                let (line, reaches) = c.details(mode).map_or_else(
                    || (c.not_textable.as_deref().map_or("text".to_string(), |why| format!("nothing: {}", short_reason(why))), c.not_textable.is_none()),
                    |(l, r)| (l.to_string(), r),
                );
                (c.patient, line, reaches)
            })
            .collect();
        rows.sort_by_key(|(_, _, reaches)| *reaches);
        rows
    };
    view! {
        <section class="card offer" aria-labelledby="offer-title">
            <h2 id="offer-title">"Offer an opening"</h2>
            {move || match opening() {
                None => view! { <p class="muted">"Pick a free time in the grid (click it, or use the arrow keys and Enter)."</p> }.into_any(),
                Some((op, start, free)) => view! {
                    <p class="chosen" aria-live="polite">
                        <strong>{format!("{}, {} {}", op.op_name, day(start.date()), time_text(start))}</strong>
                        {format!(" — up to {free} minutes free")}
                    </p>
                }.into_any(),
            }}
            <p>{move || {
                let n = recipients.get().len();
                match n { 0 => "No patients chosen yet.".to_string(), 1 => "1 patient chosen.".to_string(), n => format!("{n} patients chosen.") }
            }}</p>
            <label class="send-mode">"Send by "
                <select on:change=move |ev| {
                    if let Some(mode) = SendMode::from_key(&event_target_value(&ev)) {
                        send_mode.set(mode);
                    }
                }>
                    {SendMode::ALL.into_iter().map(|mode| view! {
                        <option value=mode.key() selected=move || send_mode.get() == mode>{mode.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            {move || {
                let rows = details();
                (!rows.is_empty()).then(|| {
                    let unreached = rows.iter().filter(|(_, _, reaches)| !reaches).count();
                    view! {
                        <details class="send-details" open=true>
                            <summary>{format!("Send details: {}", if unreached == 0 {
                                "everyone chosen will get a message".to_string()
                            } else {
                                format!("{unreached} of {} will get no message (still offered, and it is recorded)", rows.len())
                            })}</summary>
                            <ul>
                                {rows.into_iter().map(|(patient, line, reaches)| view! {
                                    <li class:warn=!reaches><strong>{patient}</strong>{format!(": {line}")}</li>
                                }).collect_view()}
                            </ul>
                        </details>
                    }
                })
            }}
            {move || preview().map(|(text, email)| view! {
                <div>
                    {text.map(|(patient, body)| view! {
                        <h3 class="preview-title">{format!("Text preview ({patient})")}</h3>
                        <p class="preview" aria-label="Text preview">{body}</p>
                    })}
                    {email.map(|(patient, subject, body)| view! {
                        <h3 class="preview-title">{format!("Email preview ({patient})")}</h3>
                        <div class="preview email" aria-label="Email preview">
                            <p><strong>{subject}</strong></p>
                            <p class="email-body">{body}</p>
                        </div>
                    })}
                </div>
            })}
            <button type="button"
                disabled=move || opening().is_none() || recipients.get().is_empty() || send.pending().get()
                on:click=move |_| {
                    if let Some((op, start, _)) = opening() {
                        send.dispatch((op.operatory_num, start, recipients.get_untracked(), send_mode.get_untracked()));
                    }
                }>
                {move || if send.pending().get() { "Sending…" } else { "Send offers" }}
            </button>
            {move || outcome.get().map(|o| match o {
                Ok((schedule_num, summary, waits)) => view! {
                    <p id="offer-outcome" tabindex="-1" class="notice" class:ok=!waits class:warn=waits role="status">
                        {format!("{summary} ")}
                        <a href=format!("/history?ScheduleNum={schedule_num}")>"See these offers in the ASAP history"</a>
                    </p>
                }.into_any(),
                Err(message) => view! { <p class="notice error" role="alert">{message}</p> }.into_any(),
            })}
        </section>
    }
}

/// "the patient has opted out of automated messaging" from the Note's full sentence.
fn short_reason(note: &str) -> String {
    note.trim_start_matches("Not sending text because ").trim_end_matches('.').to_string()
}

/// The openings offered on this day and what became of them; open ones can be withdrawn.
#[component]
fn OpeningsToday(board: StoredValue<DayBoard>, reload: RwSignal<u64>) -> impl IntoView {
    let openings = board.with_value(|b| b.openings.clone());
    let withdraw = Action::new(|n: &i64| withdraw_opening(*n));
    let message: RwSignal<Option<Result<String, String>>> = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(result) = withdraw.value().get() {
            message.set(Some(match result {
                Ok(o) => Ok(format!("Withdrew the {} opening in {}.", span_text(o.span.start, o.span.end), o.operatory)),
                Err(e) => Err(e.message().to_string()),
            }));
            reload.update(|n| *n += 1);
        }
    });
    view! {
        <section class="card openings" aria-labelledby="openings-title">
            <h2 id="openings-title">{format!("Openings offered this day ({})", openings.len())}</h2>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="notice ok" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="notice error" role="alert">{text}</p> }.into_any(),
            })}
            {if openings.is_empty() {
                view! { <p class="empty">"None yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="opening-list">
                        {openings.into_iter().map(|o| {
                            let n = o.schedule_num;
                            let open = o.state == OpeningState::Open;
                            let what = format!("{} · {}", span_text(o.span.start, o.span.end), o.operatory);
                            let status = opening_status(&o);
                            view! {
                                <li data-schedulenum=n class=format!("opening-{}", o.state.label().to_lowercase().replace(' ', "-"))>
                                    <span class="what">{what}</span>
                                    <span class="state">{status}</span>
                                    <span class="meta">{format!("{} {} offered{}", o.offers, if o.offers == 1 { "patient" } else { "patients" },
                                        if o.offered_by.is_empty() { String::new() } else { format!(" by {}", o.offered_by) })}</span>
                                    <a href=format!("/history?ScheduleNum={n}")>"Offers"</a>
                                    {open.then(|| view! {
                                        <button type="button" class="secondary withdraw" disabled=move || withdraw.pending().get()
                                            on:click=move |_| { withdraw.dispatch(n); }>
                                            "Withdraw"
                                        </button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// What became of an opening, in a few words.
fn opening_status(o: &OpeningSummary) -> String {
    let at = || o.closed_at.known().map(|t| format!(" at {}", time_text(t))).unwrap_or_default();
    match o.state {
        OpeningState::Open => {
            let mut parts = vec![format!("{} sent", o.sent)];
            if o.waiting > 0 {
                parts.push(format!("{} waiting", o.waiting));
            }
            if o.viewed > 0 {
                parts.push(format!("{} viewed", o.viewed));
            }
            if o.declined > 0 {
                parts.push(format!("{} declined", o.declined));
            }
            format!("Offered: {}", parts.join(", "))
        }
        OpeningState::Filled => format!("Filled by {}{}", o.taken_by.clone().unwrap_or_else(|| "a patient".into()), at()),
        OpeningState::Withdrawn => format!("Withdrawn{}{}", at(), if o.closed_by.is_empty() { String::new() } else { format!(" by {}", o.closed_by) }),
        OpeningState::Lapsed => "Started with nobody taking it".into(),
        OpeningState::Booked => format!("Booked by the office{}", at()),
    }
}

/// The clinic's ASAP list, a page at a time: narrowed to those who fit once a time is chosen,
/// and to a name when staff type one.
#[component]
fn AsapList(
    board: StoredValue<DayBoard>,
    selected: RwSignal<Option<(usize, usize)>>,
    recipients: RwSignal<Vec<CandidateKey>>,
    shown_patient: RwSignal<Option<CandidateKey>>,
    cell_free: impl Fn(usize, usize) -> i64 + Copy + Send + Sync + 'static,
    known: StoredValue<Vec<Candidate>>,
) -> impl IntoView {
    let clinic = board.with_value(|b| b.clinic_num);
    let page = RwSignal::new(board.with_value(|b| b.asap_list.clone()));
    let name = RwSignal::new(String::new());
    let fits = Memo::new(move |_| selected.get().map(|(c, r)| cell_free(c, r)));
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let load = Action::new(move |q: &AsapListQuery| {
        let q = q.clone();
        async move { (q.clone(), load_asap_list(q).await) }
    });
    let query = move |offset: usize| AsapListQuery {
        clinic,
        name: name.get_untracked().trim().to_string(),
        fits_minutes: fits.get_untracked(),
        offset,
    };
    // A new name or a new chosen time starts the list again from its first page.
    Effect::new(move |before: Option<(String, Option<i64>)>| {
        let now = (name.get().trim().to_string(), fits.get());
        if before.as_ref().is_some_and(|b| *b != now) {
            load.dispatch(query(0));
        }
        now
    });
    Effect::new(move |_| {
        let Some((q, result)) = load.value().get() else { return };
        // An answer to a question no longer asked (typing went on) is dropped.
        if q.name != name.get_untracked().trim() || q.fits_minutes != fits.get_untracked() {
            return;
        }
        match result {
            Ok(more) => {
                problem.set(None);
                known.update_value(|all| {
                    for c in &more.candidates {
                        if !all.iter().any(|k| k.key == c.key) {
                            all.push(c.clone());
                        }
                    }
                });
                page.update(|p| {
                    if more.offset == 0 {
                        *p = more;
                    } else if more.offset == p.candidates.len() {
                        p.candidates.extend(more.candidates);
                        p.matching = more.matching;
                        p.total = more.total;
                    }
                });
            }
            Err(e) => problem.set(Some(e.message().to_string())),
        }
    });
    let summary = move || {
        page.with(|p| {
            let shown = p.candidates.len();
            let typed = name.get().trim().to_string();
            let mut narrowed = Vec::new();
            if fits.get().is_some() {
                narrowed.push("Fit the chosen time".to_string());
            }
            if !typed.is_empty() {
                narrowed.push(format!("{} like \u{201c}{typed}\u{201d}", if narrowed.is_empty() { "Named" } else { "named" }));
            }
            if narrowed.is_empty() {
                format!("Showing {shown} of {}.", p.total)
            } else {
                format!("{}: {} of {}; showing {shown}.", narrowed.join(" and "), p.matching, p.total)
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="asap-title">
            <h2 id="asap-title">{move || format!("ASAP list ({})", page.with(|p| p.total))}</h2>
            <div class="field asap-find">
                <label for="asap-name">"Find a patient"</label>
                <input type="search" id="asap-name" placeholder="Part of the name" maxlength="100" autocomplete="off"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
            </div>
            <p class="muted asap-count" aria-live="polite">{summary}</p>
            {move || problem.get().map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
            {move || if page.with(|p| p.candidates.is_empty()) {
                let why = if page.with(|p| p.total == 0) {
                    "Nobody in this clinic is on the ASAP list."
                } else {
                    "Nobody on the ASAP list matches."
                };
                view! { <p class="empty">{why}</p> }.into_any()
            } else {
                view! {
                    <ul class="asap-list">
                        <For each=move || page.with(|p| p.candidates.clone()) key=|c| c.key let:c>
                            <CandidateRow c selected recipients shown_patient cell_free/>
                        </For>
                    </ul>
                }.into_any()
            }}
            {move || page.with(AsapListPage::has_more).then(|| {
                let next = page.with(|p| (p.matching - p.offset - p.candidates.len()).min(ASAP_LIST_PAGE_SIZE));
                view! {
                    <button type="button" class="secondary more" disabled=move || load.pending().get()
                        on:click=move |_| { load.dispatch(query(page.with_untracked(|p| p.offset + p.candidates.len()))); }>
                        {format!("Show {next} more")}
                    </button>
                }
            })}
        </section>
    }
}

#[component]
fn CandidateRow(
    c: Candidate,
    selected: RwSignal<Option<(usize, usize)>>,
    recipients: RwSignal<Vec<CandidateKey>>,
    shown_patient: RwSignal<Option<CandidateKey>>,
    cell_free: impl Fn(usize, usize) -> i64 + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let key = c.key;
    let minutes = c.minutes;
    let fits = move || selected.get().is_some_and(|(col, r)| fits_opening(minutes, cell_free(col, r)));
    let id = match key {
        CandidateKey::Appointment(n) => format!("cand-apt-{n}"),
        CandidateKey::Recall(n) => format!("cand-recall-{n}"),
    };
    let meta = format!(
        "{} · {} min · {}{}",
        c.kind,
        minutes,
        match (c.original.known(), c.kind.as_str()) {
            (None, _) => "no date".to_string(),
            // A scheduled appointment is still booked then; a recall falls due; others were set for it.
            (Some(_), "Scheduled") => format!("booked {}", when(c.original)),
            (Some(_), "Recall") => format!("due {}", day(c.original.date())),
            (Some(_), _) => format!("was {}", when(c.original)),
        },
        match (&c.last_offer, c.last_offered.known()) {
            (Some(last), _) => format!(" · {last}"),
            (None, Some(at)) => format!(" · offered {}", when(at)),
            (None, None) => String::new(),
        }
    );
    let patient = c.patient.clone();
    let why = c.not_textable.clone();
    view! {
        <li class=move || if fits() { "fits" } else { "" }>
            <input type="checkbox" id=id.clone()
                disabled=move || !fits()
                prop:checked=move || recipients.get().contains(&key)
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    recipients.update(|list| {
                        list.retain(|k| *k != key);
                        if on { list.push(key); }
                    });
                }/>
            <label for=id class="who">{patient.clone()}</label>
            <span class="meta">{meta}{move || if fits() { " · fits" } else { "" }}</span>
            {why.map(|w| view! { <span class="why">{w}</span> })}
            <button type="button" class="secondary pick-patient"
                aria-pressed=move || (shown_patient.get() == Some(key)).to_string()
                on:click=move |_| shown_patient.update(|s| *s = if *s == Some(key) { None } else { Some(key) })>
                {format!("Show where {} fits", patient)}
            </button>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::day::GridItem;
    use crate::model::{OdBool, Operatory};

    fn at(hm: &str) -> OdDateTime {
        OdDateTime::parse(&format!("2031-03-17 {hm}:00")).unwrap()
    }

    fn column() -> OpColumn {
        OpColumn {
            op: Operatory {
                operatory_num: 1,
                op_name: "Op 1".into(),
                abbrev: String::new(),
                item_order: 0,
                is_hidden: OdBool(false),
                clinic_num: 1,
                prov_dentist: 1,
                prov_hygienist: 0,
                is_hygiene: OdBool(false),
                is_web_sched: OdBool(false),
            },
            providers: "DOC1".into(),
            provider_time: vec![Span::new(at("08:00"), at("17:00"))],
            free: vec![Span::new(at("08:00"), at("10:00")), Span::new(at("13:00"), at("17:00"))],
            items: vec![
                GridItem { kind: ItemKind::Appointment, span: Span::new(at("10:00"), at("10:45")), label: "Kowalski, Piotr".into(), detail: "Scheduled · 45 min".into(), offers: 0 },
                GridItem { kind: ItemKind::BlockingBlockout, span: Span::new(at("12:00"), at("13:00")), label: "Lunch".into(), detail: "no appointments".into(), offers: 0 },
                GridItem { kind: ItemKind::Blockout, span: Span::new(at("15:00"), at("15:30")), label: "Emergency hold".into(), detail: "appointments allowed".into(), offers: 0 },
            ],
        }
    }

    #[test]
    fn cells_name_what_is_there() {
        let c = column();
        let d = OdDate::parse("2031-03-17").unwrap();
        let free = cell_view(&c, at("09:00"), 10, d);
        assert_eq!((free.state, free.free_minutes), ("free", 60));
        assert_eq!(free.name, "Op 1, Mon 03/17/2031 9:00 AM, 60 minutes free");
        let busy = cell_view(&c, at("10:00"), 10, d);
        assert_eq!(busy.state, "busy");
        assert_eq!(busy.text, "Kowalski, Piotr");
        assert_eq!(cell_view(&c, at("10:10"), 10, d).text, "", "the label is on the first cell only");
        assert_eq!(cell_view(&c, at("12:30"), 10, d).state, "blocked");
        assert_eq!(cell_view(&c, at("15:00"), 10, d).state, "soft");
        assert_eq!(cell_view(&c, at("11:00"), 10, d).state, "closed");
        assert_eq!(cell_view(&c, at("07:00"), 10, d).name, "Op 1, Mon 03/17/2031 7:00 AM, no provider scheduled");
        assert!(crate::domain::slots::fits_at(&c.free, at("13:00"), 240));
    }
}
