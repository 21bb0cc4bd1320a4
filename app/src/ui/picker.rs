//! `/`: the slot picker. One clinic's day by operatory; pick an opening and ASAP patients,
//! preview the text, and send. The grid follows the WAI-ARIA grid pattern: one tab stop,
//! arrow keys move, Enter or Space picks.

use super::focus_when_shown;
use crate::domain::datetext::{day, span_text, when};
use crate::api::{load_asap_list, load_day, send_offer, withdraw_opening};
use crate::domain::channels::{SendDetail, SendMode};
use crate::view::day::{
    ASAP_LIST_PAGE_SIZE, AsapListPage, AsapListQuery, Candidate, CandidateKey, DayBoard, DayQuery, ItemKind, OfferMessage, OpColumn,
    OpeningSummary, PickerOffer,
};
use crate::model::OpeningState;
use crate::domain::Span;
use crate::domain::slots::{fits_opening, free_minutes_at, offers_made_text};
use crate::domain::datetext::time_text;
use crate::domain::template::{check_message, fill_patient_tags, fill_slot_tags, segment_note};
use crate::model::{OdDate, OdDateTime};
use chrono::Timelike;
use leptos::prelude::*;
use leptos::reactive::computed::Selector;
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
        let detail = offers_made_text(offers);
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
    // Kept above the board too: the next send is usually by the same channel.
    let send_mode = RwSignal::new(SendMode::Text);
    // Which opening's withdrawal awaits a yes, and what the last one did: a live re-read of the
    // day must not close the question or lose the answer.
    let withdrawal = Withdrawal { confirming: RwSignal::new(None), message: RwSignal::new(None) };
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
                            view! { <Board board=b reload outcome stale send_mode withdrawal/> }.into_any()
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

/// What staff are putting together: the opening (its start cell and end), who gets it, and how.
/// Every part of the page reads and writes the same signals.
#[derive(Clone, Copy)]
struct Pick {
    /// (column, row) of the opening's start.
    selected: RwSignal<Option<(usize, usize)>>,
    /// The end staff chose; None: as far as the time is free.
    end: RwSignal<Option<OdDateTime>>,
    /// Counts picks of a start, so the ASAP list preselects once for each.
    generation: RwSignal<u64>,
    recipients: RwSignal<Vec<CandidateKey>>,
    send_mode: RwSignal<SendMode>,
    rows: StoredValue<Vec<OdDateTime>>,
    /// Free minutes from each cell, by column then row.
    free: StoredValue<Vec<Vec<i64>>>,
    increment: i64,
}

/// A column's run of rows in the day grid; one cell is a run of one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct CellRun {
    column: usize,
    first: usize,
    last: usize,
}

impl CellRun {
    fn cell(column: usize, row: usize) -> Option<CellRun> {
        Some(CellRun { column, first: row, last: row })
    }
}

/// Whether the cell `key` (a run of one row) lies in the run `within`.
fn cell_in_run(key: &Option<CellRun>, within: &Option<CellRun>) -> bool {
    match (key, within) {
        (Some(cell), Some(run)) => cell.column == run.column && cell.first >= run.first && cell.last <= run.last,
        _ => false,
    }
}

impl Pick {
    fn cell_free(&self, c: usize, r: usize) -> i64 {
        self.free.with_value(|f| f.get(c).and_then(|col| col.get(r)).copied().unwrap_or(0))
    }

    /// The opening as chosen: start, end, and the most it could run to.
    fn opening(&self) -> Option<(usize, OdDateTime, OdDateTime, i64)> {
        let (c, r) = self.selected.get()?;
        let start = self.rows.with_value(|rs| rs.get(r).copied())?;
        let free = self.cell_free(c, r);
        let latest = start.plus_minutes(free);
        let end = self.end.get().filter(|e| *e > start && *e <= latest).unwrap_or(latest);
        Some((c, start, end, free))
    }

    /// The opening's length in minutes: what a patient must fit.
    fn minutes(&self) -> Option<i64> {
        self.opening().map(|(_, start, end, _)| start.minutes_until(end))
    }

    /// Rows of the free run holding the chosen start: where Start may move to.
    fn start_rows(&self) -> Vec<usize> {
        let Some((c, r)) = self.selected.get() else { return Vec::new() };
        let step = self.increment.max(5);
        let mut first = r;
        while first > 0 && self.cell_free(c, first - 1) == self.cell_free(c, first) + step {
            first -= 1;
        }
        let mut last = r;
        while self.cell_free(c, last + 1) > 0 && self.cell_free(c, last + 1) == self.cell_free(c, last) - step {
            last += 1;
        }
        (first..=last).collect()
    }

    /// The opening's cells as one column's run of rows: `CellRun { column, first, last }`.
    fn opening_run(&self) -> Option<CellRun> {
        let (column, start, end, _) = self.opening()?;
        self.rows.with_value(|rs| {
            let first = rs.iter().position(|t| *t >= start)?;
            let last = rs.iter().rposition(|t| *t < end)?;
            (first <= last).then_some(CellRun { column, first, last })
        })
    }

    /// A new start: the end follows the free time, and the list preselects again.
    fn choose_start(&self, c: usize, r: usize) {
        if self.cell_free(c, r) > 0 {
            self.selected.set(Some((c, r)));
            self.end.set(None);
            self.generation.update(|g| *g += 1);
        }
    }
}

#[component]
fn Board(
    board: DayBoard,
    reload: RwSignal<u64>,
    outcome: RwSignal<Option<Result<(i64, String, bool), String>>>,
    stale: RwSignal<bool>,
    send_mode: RwSignal<SendMode>,
    withdrawal: Withdrawal,
) -> impl IntoView {
    let board = StoredValue::new(board);
    let rows = StoredValue::new(board.with_value(row_times));
    let n_rows = rows.with_value(Vec::len);
    let n_cols = board.with_value(|b| b.columns.len());
    // (column, row) of the keyboard focus.
    let focus = RwSignal::new((0usize, 0usize));
    let shown_patient: RwSignal<Option<CandidateKey>> = RwSignal::new(None);

    let views = StoredValue::new(board.with_value(|b| {
        b.columns
            .iter()
            .map(|c| rows.with_value(|rs| rs.iter().map(|t| cell_view(c, *t, b.increment, b.date)).collect::<Vec<_>>()))
            .collect::<Vec<_>>()
    }));
    let pick = Pick {
        selected: RwSignal::new(None),
        end: RwSignal::new(None),
        generation: RwSignal::new(0),
        recipients: RwSignal::new(Vec::new()),
        send_mode,
        rows,
        free: StoredValue::new(views.with_value(|v| v.iter().map(|col| col.iter().map(|c| c.free_minutes).collect()).collect())),
        increment: board.with_value(|b| b.increment),
    };
    // Each cell follows only its own part of the choice, so a click re-renders the few cells it
    // changes rather than every cell of the day (several hundred on a busy clinic's grid).
    let chosen_cell = Selector::new(move || pick.selected.get());
    let opening_cells = Selector::new_with_fn(move || pick.opening_run(), cell_in_run);
    // Every ASAP-list patient this page has loaded, so a choice outlives the list page it was made on.
    let known: StoredValue<Vec<Candidate>> = StoredValue::new(board.with_value(|b| b.asap_list.candidates.clone()));
    let candidate = move |key: CandidateKey| known.with_value(|all| all.iter().find(|c| c.key == key).cloned());

    // A shorter opening keeps only the recipients who still fit it.
    Effect::new(move |_| {
        if let Some(minutes) = pick.minutes() {
            pick.recipients.update(|list| list.retain(|k| candidate(*k).is_some_and(|x| fits_opening(x.minutes, minutes))));
        }
    });
    let select = move |c: usize, r: usize| {
        if pick.cell_free(c, r) > 0 {
            outcome.set(None);
            pick.choose_start(c, r);
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
    // The keyboard enters the grid at the first time that can be offered, not at the top left.
    if let Some((c, r)) = first_free_cell(&views.get_value()) {
        focus.set((c, r));
    }

    // The day changed on the server: shown at once unless someone is in the middle of an offer.
    Effect::new(move |_| {
        if stale.get() && pick.selected.get().is_none() && pick.recipients.get().is_empty() {
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
                {(n_cols > 4).then(|| view! { <p class="scroll-hint muted">{format!("{n_cols} operatories: scroll sideways to see them all.")}</p> })}
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
                                        let (chosen, in_opening) = (chosen_cell.clone(), opening_cells.clone());
                                        let chosen_here = chosen_cell.clone();
                                        let class = move || {
                                            let mut cls = format!("cell {state}");
                                            if chosen.selected(&Some((c, r))) { cls.push_str(" selected"); }
                                            if in_opening.selected(&CellRun::cell(c, r)) { cls.push_str(" in-opening"); }
                                            if let Some(k) = shown_patient.get() {
                                                if let Some(x) = candidate(k) {
                                                    if fits_opening(x.minutes, pick.cell_free(c, r)) { cls.push_str(" fits"); }
                                                }
                                            }
                                            cls
                                        };
                                        view! {
                                            <div class=class role="gridcell" id=format!("cell-{c}-{r}")
                                                data-op=op_num data-start=t.to_string() data-free=v.free_minutes
                                                tabindex=move || if focus.get() == (c, r) { "0" } else { "-1" }
                                                aria-selected=move || chosen_here.selected(&Some((c, r))).to_string()
                                                aria-label=v.name.clone()
                                                title=v.name.clone()
                                                on:focus=move |_| focus.set((c, r))
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
                <OfferPanel board pick outcome reload known/>
                <AsapList board pick shown_patient known/>
                <OpeningsToday board reload withdrawal/>
            </div>
        </div>
    }
}

/// The first cell, row by row, that can be offered.
fn first_free_cell(views: &[Vec<CellView>]) -> Option<(usize, usize)> {
    let rows = views.first().map_or(0, Vec::len);
    (0..rows).find_map(|r| (0..views.len()).find(|c| views[*c][r].free_minutes > 0).map(|c| (c, r)))
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

/// Moves the keyboard to an element once drawn, unless it is already somewhere on the page.
fn focus_if_lost(id: &'static str) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        let lost = document().active_element().is_none_or(|el| el.tag_name().eq_ignore_ascii_case("body"));
        if lost {
            focus_when_shown(id);
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

/// Chosen patients the send details list unfolded; more are folded under their summary.
const SEND_DETAILS_OPEN_UP_TO: usize = 8;

#[component]
fn OfferPanel(
    board: StoredValue<DayBoard>,
    pick: Pick,
    outcome: RwSignal<Option<Result<(i64, String, bool), String>>>,
    reload: RwSignal<u64>,
    known: StoredValue<Vec<Candidate>>,
) -> impl IntoView {
    // A re-read of the day (the one after a send, or a live one) draws this panel anew and the
    // keyboard falls to the page: it goes back to the outcome shown.
    if outcome.get_untracked().is_some() {
        focus_if_lost("offer-outcome");
    }
    let send_mode = pick.send_mode;
    let recipients = pick.recipients;
    // The message for this send, prefilled from the clinic's templates; sent only when edited.
    let text = RwSignal::new(board.with_value(|b| b.template.clone()));
    let subject = RwSignal::new(board.with_value(|b| b.email_subject.clone()));
    let body = RwSignal::new(board.with_value(|b| b.email_template.clone()));
    let edited = move || {
        board.with_value(|b| text.get() != b.template || subject.get() != b.email_subject || body.get() != b.email_template)
    };
    let send = Action::new(move |offer: &PickerOffer| {
        let o = offer.clone();
        send_offer(o.op, o.start, o.recipients, o.send_mode, o.end, o.message)
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
                    pick.selected.set(None);
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
    // Each chosen patient with what this send mode gives them; those it cannot reach first, so
    // nobody misses them. Read by the list, the preview and the Send button: worked out once.
    let details = Memo::new(move |_| {
        let mode = send_mode.get();
        let mut rows: Vec<(Candidate, SendDetail)> = chosen()
            .into_iter()
            .map(|c| {
                let detail = c.details(mode).cloned().unwrap_or_else(|| SendDetail { mode, line: "no message".into(), by_text: false, by_email: false });
                (c, detail)
            })
            .collect();
        rows.sort_by_key(|(_, d)| d.reaches());
        rows
    });
    let reached = move || details.with(|rows| rows.iter().filter(|(_, d)| d.reaches()).count());
    // Whose message the preview shows: staff pick among those chosen; the first reached otherwise.
    let preview_for: RwSignal<Option<CandidateKey>> = RwSignal::new(None);
    let preview = move || {
        let (_, start, _, _) = pick.opening()?;
        let people: Vec<(Candidate, SendDetail)> = details.get().into_iter().filter(|(_, d)| d.reaches()).collect();
        let (c, detail) = people.iter().find(|(c, _)| Some(c.key) == preview_for.get()).or_else(|| people.first())?.clone();
        let (name, phone, link) = board.with_value(|b| (b.office_name.clone(), b.office_phone.clone(), b.link_example.clone()));
        let fill = |t: &str| fill_patient_tags(&fill_slot_tags(t, start, &name, &phone), &c.f_name, &link);
        let texted = detail.by_text.then(|| fill(&text.get()));
        let emailed = detail.by_email.then(|| (fill(&subject.get()), fill(&body.get())));
        Some((c.patient.clone(), texted, emailed))
    };
    let problem = move || {
        check_message(&text.get(), &subject.get(), &body.get(), send_mode.get().may_email()).err().map(|p| p.to_string())
    };
    let blocked = move || {
        if pick.opening().is_none() || recipients.get().is_empty() {
            return Some(String::new());
        }
        if reached() == 0 {
            return Some(format!(
                "{} reaches none of the chosen patients. Choose another way to send, or other patients.",
                send_mode.get().label()
            ));
        }
        problem()
    };
    view! {
        <section class="card offer" aria-labelledby="offer-title">
            <h2 id="offer-title">"Offer an opening"</h2>
            {move || match pick.opening() {
                None => view! { <p class="muted">"Pick a free time in the grid (click it, or use the arrow keys and Enter)."</p> }.into_any(),
                Some((c, start, end, free)) => {
                    let op = board.with_value(|b| b.columns[c].op.clone());
                    let step = pick.increment.max(5);
                    let starts = pick.start_rows();
                    let ends: Vec<OdDateTime> = (1..=free / step).map(|k| start.plus_minutes(k * step)).collect();
                    let latest = start.plus_minutes(free);
                    view! {
                        <p class="chosen" aria-live="polite">
                            <strong>{format!("{}, {}", op.op_name, day(start.date()))}</strong>
                            {format!(" — {}, {} minutes (up to {free} minutes free until {})", span_text(start, end), start.minutes_until(end), time_text(latest))}
                        </p>
                        <div class="opening-times">
                            <label for="opening-start">"Start"</label>
                                <select id="opening-start" on:change=move |ev| {
                                    if let Ok(r) = event_target_value(&ev).parse::<usize>() {
                                        let keep_end = pick.opening().map(|(_, _, e, _)| e);
                                        pick.selected.set(Some((c, r)));
                                        pick.end.set(keep_end);
                                    }
                                }>
                                    {starts.into_iter().map(|r| {
                                        let t = pick.rows.with_value(|rs| rs[r]);
                                        view! { <option value=r.to_string() selected=t == start>{time_text(t)}</option> }
                                    }).collect_view()}
                                </select>
                            <label for="opening-end">"End"</label>
                                <select id="opening-end" on:change=move |ev| {
                                    if let Ok(t) = OdDateTime::parse(&event_target_value(&ev)) { pick.end.set(Some(t)); }
                                }>
                                    {ends.into_iter().map(|t| view! {
                                        <option value=t.to_string() selected=t == end>{format!("{} ({} min)", time_text(t), start.minutes_until(t))}</option>
                                    }).collect_view()}
                                </select>
                        </div>
                    }.into_any()
                }
            }}
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
                let rows = details.get();
                if rows.is_empty() {
                    return view! { <p class="muted">"No patients chosen yet."</p> }.into_any();
                }
                let unreached = rows.iter().filter(|(_, d)| !d.reaches()).count();
                let n = rows.len();
                view! {
                    // A long list is folded, so the message and Send stay in sight; its summary
                    // still says how many get nothing.
                    <details class="send-details" open={n <= SEND_DETAILS_OPEN_UP_TO}>
                        <summary>{format!("Send details: {n} {} chosen, {}", if n == 1 { "patient" } else { "patients" }, if unreached == 0 {
                            "each can be reached: one message at a time, in the asking order, until someone books".to_string()
                        } else {
                            format!("{unreached} will get no message (still offered, and it is recorded)")
                        })}</summary>
                        <ul>
                            {rows.into_iter().map(|(c, detail)| {
                                let (line, reaches) = (detail.line.clone(), detail.reaches());
                                let key = c.key;
                                view! {
                                    <li class:warn=!reaches>
                                        <strong>{c.patient.clone()}</strong>{format!(": {line}")}
                                        {reaches.then(|| view! {
                                            <button type="button" class="link-button" aria-pressed=move || (preview_for.get() == Some(key)).to_string()
                                                on:click=move |_| preview_for.set(Some(key))>
                                                <span class="visually-hidden">{format!("Preview {}'s message", c.patient)}</span>
                                                <span aria-hidden="true">"Preview"</span>
                                            </button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </details>
                }.into_any()
            }}
            <details class="message-edit">
                <summary>{move || if edited() { "Message for this send (edited)" } else { "Message for this send" }}</summary>
                <p class="muted">"Changes apply to this send only. Tags: [NameF], [AsapURL], [Date], [Time], [OfficeName], [OfficePhone]."</p>
                <label for="offer-text">"Text"</label>
                <textarea id="offer-text" rows="4" maxlength="1000" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <label for="offer-subject">"Email subject"</label>
                <input id="offer-subject" type="text" maxlength="200" prop:value=move || subject.get()
                    on:input=move |ev| subject.set(event_target_value(&ev))/>
                <label for="offer-body">"Email"</label>
                <textarea id="offer-body" rows="6" maxlength="10000" prop:value=move || body.get()
                    on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                <button type="button" class="secondary" disabled=move || !edited() on:click=move |_| {
                    board.with_value(|b| { text.set(b.template.clone()); subject.set(b.email_subject.clone()); body.set(b.email_template.clone()); });
                }>"Use the clinic's message"</button>
            </details>
            {move || problem().map(|p| view! { <p class="notice error" role="alert">{p}</p> })}
            {move || preview().map(|(patient, texted, emailed)| view! {
                <div>
                    {texted.map(|t| {
                        let (note, long) = segment_note(&t);
                        view! {
                            <h3 class="preview-title">{format!("Text preview ({patient})")}</h3>
                            <p class="preview" aria-label="Text preview">{t}</p>
                            <p class="muted segments" class:warn=long>{note}</p>
                        }
                    })}
                    {emailed.map(|(subject, body)| view! {
                        <h3 class="preview-title">{format!("Email preview ({patient})")}</h3>
                        <div class="preview email" aria-label="Email preview">
                            <p><strong>{subject}</strong></p>
                            <p class="email-body">{body}</p>
                        </div>
                    })}
                </div>
            })}
            {move || blocked().filter(|why| !why.is_empty()).map(|why| view! { <p class="notice warn">{why}</p> })}
            <button type="button"
                disabled=move || blocked().is_some() || send.pending().get()
                on:click=move |_| {
                    if let Some((c, start, end, _)) = pick.opening() {
                        let op = board.with_value(|b| b.columns[c].op.operatory_num);
                        let message = edited().then(|| OfferMessage { text: text.get_untracked(), email_subject: subject.get_untracked(), email_body: body.get_untracked() });
                        send.dispatch(PickerOffer {
                            op,
                            start: start.to_string(),
                            end: Some(end.to_string()),
                            recipients: recipients.get_untracked(),
                            send_mode: send_mode.get_untracked(),
                            message,
                        });
                    }
                }>
                // The count on the button: a send to 36 patients should not look like a send to one.
                {move || match (send.pending().get(), recipients.with(Vec::len)) {
                    (true, _) => "Sending…".to_string(),
                    (false, 0) => "Send offers".to_string(),
                    (false, 1) => "Send offers to 1 patient".to_string(),
                    (false, n) => format!("Send offers to {n} patients"),
                }}
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

#[derive(Clone, Copy)]
struct Withdrawal {
    confirming: RwSignal<Option<i64>>,
    message: RwSignal<Option<Result<String, String>>>,
}

/// The openings offered on this day and what became of them; open ones can be withdrawn.
#[component]
fn OpeningsToday(board: StoredValue<DayBoard>, reload: RwSignal<u64>, withdrawal: Withdrawal) -> impl IntoView {
    let openings = board.with_value(|b| b.openings.clone());
    let withdraw = Action::new(|n: &i64| withdraw_opening(*n));
    let Withdrawal { confirming, message } = withdrawal;
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
                                        <button type="button" class="secondary withdraw" id=format!("withdraw-{n}") disabled=move || withdraw.pending().get()
                                            aria-expanded=move || (confirming.get() == Some(n)).to_string()
                                            on:click=move |_| confirming.set(Some(n))>
                                            "Withdraw…"
                                        </button>
                                    })}
                                    // Withdrawing cannot be undone (patients may already hold the text), so it is asked twice.
                                    {move || (confirming.get() == Some(n)).then(|| view! {
                                        <div class="confirm-withdraw" role="group" aria-label="Confirm withdrawing this opening"
                                            on:keydown=move |ev| if ev.key() == "Escape" { confirming.set(None); focus_when_shown(format!("withdraw-{n}")); }>
                                            <p>"Withdraw this opening? Messages not yet sent will not go, and a patient who opens their link is told it is gone. This cannot be undone."</p>
                                            <button type="button" class="danger" disabled=move || withdraw.pending().get()
                                                on:click=move |_| { confirming.set(None); withdraw.dispatch(n); }>"Yes, withdraw it"</button>
                                            <button type="button" class="secondary"
                                                on:click=move |_| { confirming.set(None); focus_when_shown(format!("withdraw-{n}")); }>"Keep it"</button>
                                        </div>
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
/// and to a name when staff type one. Picking a time puts the list in the asking order for it
/// and preselects those who fit, whom the send mode reaches, and who were not offered that time
/// already; the others stay in their places, each saying why it is not chosen.
#[component]
fn AsapList(
    board: StoredValue<DayBoard>,
    pick: Pick,
    shown_patient: RwSignal<Option<CandidateKey>>,
    known: StoredValue<Vec<Candidate>>,
) -> impl IntoView {
    let recipients = pick.recipients;
    let clinic = board.with_value(|b| b.clinic_num);
    let page = RwSignal::new(board.with_value(|b| b.asap_list.clone()));
    // The opening length the page shown was narrowed to.
    let page_fits: RwSignal<Option<i64>> = RwSignal::new(None);
    let name = RwSignal::new(String::new());
    let fits = Memo::new(move |_| pick.minutes());
    // The chosen opening's operatory and start: the list is put in the asking order for it.
    let opening_at = Memo::new(move |_| {
        let (column, start, _, _) = pick.opening()?;
        board.with_value(|b| b.columns.get(column).map(|c| (c.op.operatory_num, start)))
    });
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
        opening_op: opening_at.get_untracked().map(|(op, _)| op),
        opening_start: opening_at.get_untracked().map(|(_, start)| start),
    };
    // A new name or a new opening starts the list again from its first page.
    Effect::new(move |before: Option<(String, Option<i64>, Option<(i64, OdDateTime)>)>| {
        let now = (name.get().trim().to_string(), fits.get(), opening_at.get());
        if before.as_ref().is_some_and(|b| *b != now) {
            load.dispatch(query(0));
        }
        now
    });
    Effect::new(move |_| {
        let Some((q, result)) = load.value().get() else { return };
        // An answer to a question no longer asked (typing went on) is dropped.
        let asked_for = q.opening_op.zip(q.opening_start);
        if q.name != name.get_untracked().trim() || q.fits_minutes != fits.get_untracked() || asked_for != opening_at.get_untracked() {
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
                page_fits.set(q.fits_minutes);
            }
            Err(e) => problem.set(Some(e.message().to_string())),
        }
    });
    let reaches = move |c: &Candidate| c.details(pick.send_mode.get()).is_some_and(SendDetail::reaches);
    // One entry per patient, the first in the list's order: a patient with two appointments on
    // the list would otherwise get two messages for one opening.
    let fitting_and_reached = move || {
        let minutes = fits.get();
        page.with(|p| {
            let mut patients = std::collections::HashSet::new();
            p.candidates
                .iter()
                .filter(|c| {
                    minutes.is_some_and(|m| fits_opening(c.minutes, m)) && reaches(c) && c.offered_this_time.is_none() && patients.insert(c.pat_num)
                })
                .map(|c| c.key)
                .collect::<Vec<_>>()
        })
    };
    // Once per picked start, when the list for it is here: those who fit and can be reached.
    let preselected_for = StoredValue::new(0u64);
    Effect::new(move |_| {
        let generation = pick.generation.get();
        if generation != preselected_for.get_value() && fits.get().is_some() && page_fits.get() == fits.get() && name.get().trim().is_empty() {
            preselected_for.set_value(generation);
            recipients.set(fitting_and_reached());
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
    // The list in the server's order (the asking order once a time is chosen), each ranked row
    // with its place in it. The order does not move with the send mode or the next page.
    let ordered = move || {
        let mut place = 0;
        page.with(|p| {
            p.candidates
                .iter()
                .map(|c| {
                    let n = c.rank.is_some().then(|| {
                        place += 1;
                        place
                    });
                    (n, c.clone())
                })
                .collect::<Vec<_>>()
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
            {move || opening_at.get().is_some().then(|| view! {
                <p class="muted asap-order-note">
                    "Those who fit come first, numbered in the order they would be asked: one message at a time, \
                     a few minutes apart, until someone books. The line under each name gives every reason for the place."
                </p>
            })}
            {move || fits.get().is_some().then(|| view! {
                <div class="choose-buttons">
                    <button type="button" class="secondary choose-all" on:click=move |_| recipients.set(fitting_and_reached())>
                        "Choose all shown who fit and can be reached"
                    </button>
                    <button type="button" class="secondary choose-none" on:click=move |_| recipients.set(Vec::new())>"Choose none"</button>
                </div>
            })}
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
                        <For each=ordered key=|(n, c)| (c.key, *n) let:row>
                            <CandidateRow c=row.1 place=row.0 pick shown_patient/>
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
fn CandidateRow(c: Candidate, place: Option<usize>, pick: Pick, shown_patient: RwSignal<Option<CandidateKey>>) -> impl IntoView {
    let key = c.key;
    let minutes = c.minutes;
    let recipients = pick.recipients;
    let offered_already = c.offered_this_time.clone();
    let may_choose = offered_already.is_none();
    let fits = move || pick.minutes().is_some_and(|m| fits_opening(minutes, m));
    let id = match key {
        CandidateKey::Appointment(n) => format!("cand-apt-{n}"),
        CandidateKey::Recall(n) => format!("cand-recall-{n}"),
    };
    let meta = format!(
        "{} · {} min{} · {}{}",
        c.kind,
        minutes,
        if c.provider.is_empty() { String::new() } else { format!(" · {}", c.provider) },
        c.date_words,
        match (&c.last_offer, c.last_offered.known()) {
            (Some(last), _) => format!(" · {last}"),
            (None, Some(at)) => format!(" · offered {}", when(at)),
            (None, None) => String::new(),
        }
    );
    let patient = c.patient.clone();
    let details = c.clone();
    // What the chosen send mode gives this patient, when it gives them nothing.
    let why = move || details.details(pick.send_mode.get()).filter(|d| !d.reaches()).map(|d| d.line.clone());
    view! {
        <li class=move || if fits() { "fits" } else { "" } data-patnum=c.pat_num>
            <input type="checkbox" id=id.clone()
                disabled=move || !fits() || !may_choose
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
            {c.rank.clone().map(|why| view! {
                <span class="rank">
                    {place.map(|n| view! { <span class="place">{format!("No. {n}")}</span>" · " })}
                    {why.split(" · ").enumerate().map(|(i, r)| view! {
                        {(i > 0).then_some(" · ")}<span class="reason">{r.to_string()}</span>
                    }).collect_view()}
                </span>
            })}
            {offered_already.map(|w| view! { <span class="why">{w}</span> })}
            {c.messages_today.clone().map(|t| view! { <span class="today">{t}</span> })}
            {move || why().map(|w| view! { <span class="why">{w}</span> })}
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
