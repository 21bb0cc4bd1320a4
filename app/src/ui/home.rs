//! The overview page: what the office data holds, and per clinic and week whether ASAP texting
//! filled chairs.

use crate::domain::datetext::day;
use crate::api::{load_office_overview, save_reckoning};
use crate::domain::earnings::{Earned, Period, Reckoning, dollars, earnings_csv};
use crate::domain::outcomes::WeekOutcome;
use crate::model::OdDate;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| load_office_overview());

    view! {
        <section class="page">
            <h1>"Office overview"</h1>
            <Suspense fallback=|| view! { <p role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! {
                            <h2>{o.practice_title}</h2>
                            <dl class="facts" aria-label="Office data">
                                <dt>"Clinics"</dt><dd>{o.clinics}</dd>
                                <dt>"Operatories"</dt><dd>{o.operatories}</dd>
                                <dt>"Patients"</dt><dd>{o.patients}</dd>
                                <dt>"ASAP appointments"</dt><dd>{o.asap_appointments}</dd>
                                <dt>"ASAP recalls"</dt><dd>{o.asap_recalls}</dd>
                                <dt>"Offers in the last 7 days"</dt><dd>{o.offers_last_7_days}</dd>
                            </dl>
                            <Earnings weeks=o.earned_weeks months=o.earned_months reckoning=o.reckoning may_set=o.may_set_reckoning/>
                            <Outcomes weeks=o.outcomes/>
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <RefreshButton/>
        </section>
    }
}

/// Reads the latest counts again, without reloading the page.
#[component]
fn RefreshButton() -> impl IntoView {
    let refresh = Action::new(|_: &()| load_office_overview());
    let result = refresh.value();
    view! {
        <button type="button" on:click=move |_| { refresh.dispatch(()); }>"Refresh"</button>
        <p role="status" aria-live="polite">
            {move || result.get().map(|r| match r {
                Ok(o) => format!(
                    "Up to date: {} appointments and {} recalls on the ASAP list; {} offers in the last 7 days.",
                    o.asap_appointments, o.asap_recalls, o.offers_last_7_days
                ),
                Err(e) => format!("The overview could not be read again: {e}"),
            })}
        </p>
    }
}

/// What ASAP texting earned, per clinic and week or month: a chart of the production booked,
/// the table, and the same as CSV.
#[component]
fn Earnings(weeks: Vec<Earned>, months: Vec<Earned>, reckoning: Reckoning, may_set: bool) -> impl IntoView {
    let period = RwSignal::new(Period::Week);
    let (weeks, months) = (StoredValue::new(weeks), StoredValue::new(months));
    let rows = move || if period.get() == Period::Week { weeks.get_value() } else { months.get_value() };
    let label = move |start: OdDate| match period.get() {
        Period::Week => format!("Week of {}", period_name(Period::Week, start)),
        Period::Month => period_name(Period::Month, start),
    };
    let csv_href = move || format!("data:text/csv;charset=utf-8,{}", percent_encode(&earnings_csv(&rows(), period.get())));
    let csv_name = move || format!("asap-earnings-by-{}.csv", period.get().key());
    view! {
        <h2 id="earnings-title">"What ASAP texting earned"</h2>
        <p class="muted">{format!(
            "Chair time booked from the ASAP list and what it is worth: each visit's procedure fees where the office data has them, \
             otherwise {} a recall visit and {} any other visit. Texts at {} each.",
            dollars(reckoning.recall_visit_cents), dollars(reckoning.treatment_visit_cents), dollars(reckoning.text_cents)
        )}</p>
        <div class="period-switch" role="group" aria-label="Show by">
            <button type="button" class="secondary" aria-pressed=move || (period.get() == Period::Week).to_string()
                on:click=move |_| period.set(Period::Week)>"By week"</button>
            <button type="button" class="secondary" aria-pressed=move || (period.get() == Period::Month).to_string()
                on:click=move |_| period.set(Period::Month)>"By month"</button>
            <a class="button secondary" download=csv_name href=csv_href>"Download CSV"</a>
        </div>
        {move || {
            let list = rows();
            if list.is_empty() {
                return view! { <p class="empty">"Nothing booked from the ASAP list in this time yet."</p> }.into_any();
            }
            view! {
                <EarningsChart rows=list.clone() label=move |d| label(d)/>
                <div class="table-scroll" tabindex="0" role="region" aria-labelledby="earnings-title">
                    <table class="outcomes earnings">
                        <thead>
                            <tr>
                                <th scope="col">{move || if period.get() == Period::Week { "Week of" } else { "Month" }}</th>
                                <th scope="col">"Clinic"</th>
                                <th scope="col" class="num">"Bookings"</th>
                                <th scope="col" class="num">"Chair hours"</th>
                                <th scope="col" class="num">"Production"</th>
                                <th scope="col" class="num">"Texts"</th>
                                <th scope="col" class="num">"Emails"</th>
                                <th scope="col" class="num">"Text cost per booking"</th>
                                <th scope="col" class="num">"Median time to fill"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|r| view! {
                                <tr>
                                    <th scope="row">{period_name(period.get_untracked(), r.period_start)}</th>
                                    <td>{r.clinic.clone()}</td>
                                    <td class="num">{r.bookings}</td>
                                    <td class="num">{format!("{:.1}", r.chair_hours())}</td>
                                    <td class="num">{dollars(r.production_cents)}</td>
                                    <td class="num">{r.texts}</td>
                                    <td class="num">{r.emails}</td>
                                    <td class="num">{r.cost_per_booking_cents().map(dollars).unwrap_or_else(|| "–".into())}</td>
                                    <td class="num">{r.median_minutes_to_fill.map(minutes_text).unwrap_or_else(|| "–".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        {may_set.then(|| view! { <ReckoningForm reckoning/> })}
    }
}

/// Production booked per period, all clinics together, oldest on the left: the trend at a glance.
#[component]
fn EarningsChart(rows: Vec<Earned>, label: impl Fn(OdDate) -> String + 'static) -> impl IntoView {
    let mut totals: Vec<(OdDate, i64)> = Vec::new();
    for r in &rows {
        match totals.iter_mut().find(|(d, _)| *d == r.period_start) {
            Some((_, t)) => *t += r.production_cents,
            None => totals.push((r.period_start, r.production_cents)),
        }
    }
    totals.sort_by_key(|(d, _)| *d);
    let most = totals.iter().map(|(_, t)| *t).max().unwrap_or(0).max(1);
    let (width, height, gap) = (600.0, 140.0, 6.0);
    let bar = (width - gap * (totals.len() as f64 + 1.0)) / totals.len().max(1) as f64;
    let summary = totals.iter().map(|(d, t)| format!("{}: {}", label(*d), dollars(*t))).collect::<Vec<_>>().join("; ");
    view! {
        <figure class="earnings-chart">
            <svg viewBox=format!("0 0 {width} {}", height + 20.0) role="img" aria-label=format!("Production booked, oldest first. {summary}")>
                {totals.iter().enumerate().map(|(i, (d, t))| {
                    let h = height * (*t as f64) / (most as f64);
                    let x = gap + i as f64 * (bar + gap);
                    view! {
                        <g>
                            <title>{format!("{}: {}", label(*d), dollars(*t))}</title>
                            <rect x=x y=height - h width=bar height=h.max(1.0)/>
                            <text x=x + bar / 2.0 y=height + 14.0 text-anchor="middle">{d.to_string()[5..].to_string()}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <figcaption class="muted">"Production booked from the ASAP list, all clinics, oldest on the left."</figcaption>
        </figure>
    }
}

/// Administrators set what a booked visit is worth (where no fees are on record) and a text's price.
#[component]
fn ReckoningForm(reckoning: Reckoning) -> impl IntoView {
    let to_text = |c: i64| format!("{}.{:02}", c / 100, c % 100);
    let (recall, treatment, text) = (
        RwSignal::new(to_text(reckoning.recall_visit_cents)),
        RwSignal::new(to_text(reckoning.treatment_visit_cents)),
        RwSignal::new(to_text(reckoning.text_cents)),
    );
    let save = Action::new(|r: &Reckoning| save_reckoning(*r));
    let problem = RwSignal::new(None::<String>);
    view! {
        <details class="reckoning">
            <summary>"Values used for the earnings"</summary>
            <form on:submit=move |ev| {
                ev.prevent_default();
                match (cents_of(&recall.get_untracked()), cents_of(&treatment.get_untracked()), cents_of(&text.get_untracked())) {
                    (Some(r), Some(t), Some(x)) => {
                        problem.set(None);
                        save.dispatch(Reckoning { recall_visit_cents: r, treatment_visit_cents: t, text_cents: x });
                    }
                    _ => problem.set(Some("Type each amount in dollars, such as 150 or 0.01.".into())),
                }
            }>
                <label for="value-recall">"A recall visit ($)"</label>
                <input id="value-recall" inputmode="decimal" prop:value=move || recall.get() on:input=move |ev| recall.set(event_target_value(&ev))/>
                <label for="value-treatment">"Any other visit ($)"</label>
                <input id="value-treatment" inputmode="decimal" prop:value=move || treatment.get() on:input=move |ev| treatment.set(event_target_value(&ev))/>
                <label for="value-text">"One text ($)"</label>
                <input id="value-text" inputmode="decimal" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
                <button type="submit" disabled=move || save.pending().get()>"Save values"</button>
                {move || problem.get().map(|p| view! { <p class="notice error" role="alert">{p}</p> })}
                {move || save.value().get().map(|r| match r {
                    Ok(_) => view! { <p class="notice ok" role="status">"Saved. Refresh the page to see the earnings with these values."</p> }.into_any(),
                    Err(e) => view! { <p class="notice error" role="alert">{e.message().to_string()}</p> }.into_any(),
                })}
            </form>
        </details>
    }
}

/// "150", "150.5", "0.01" as cents; None for anything else.
fn cents_of(text: &str) -> Option<i64> {
    let t = text.trim().trim_start_matches('$').replace(',', "");
    let (whole, part) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && part.is_empty() || part.len() > 2 || !whole.chars().chain(part.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let part: i64 = if part.is_empty() { 0 } else { format!("{part:0<2}").parse().ok()? };
    whole.checked_mul(100)?.checked_add(part)
}

/// A week by its Monday ("Mon 03/17/2031"), a month by name ("March 2031").
fn period_name(period: Period, start: OdDate) -> String {
    match period {
        Period::Week => day(start),
        Period::Month => month_name(start),
    }
}

/// "March 2031".
fn month_name(d: OdDate) -> String {
    const MONTHS: [&str; 12] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    use chrono::Datelike;
    format!("{} {}", MONTHS[d.get().month0() as usize], d.get().year())
}

/// The CSV, escaped for a data: link.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Openings offered, filled and how fast, per clinic and week.
#[component]
fn Outcomes(weeks: Vec<WeekOutcome>) -> impl IntoView {
    view! {
        <h2 id="outcomes-title">"ASAP outcomes by week"</h2>
        {if weeks.is_empty() {
            view! { <p class="empty">"No openings offered in the last eight weeks."</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll" tabindex="0" role="region" aria-labelledby="outcomes-title">
                    <table class="outcomes">
                        <thead>
                            <tr>
                                <th scope="col">"Week of"</th>
                                <th scope="col">"Clinic"</th>
                                <th scope="col" class="num">"Openings offered"</th>
                                <th scope="col" class="num">"Filled"</th>
                                <th scope="col" class="num">"Fill rate"</th>
                                <th scope="col" class="num">"Median time to claim"</th>
                                <th scope="col" class="num">"Texts per filled opening"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {weeks.into_iter().map(|w| view! {
                                <tr>
                                    <th scope="row">{day(w.week_start)}</th>
                                    <td>{w.clinic.clone()}</td>
                                    <td class="num">{w.offered}</td>
                                    <td class="num">{w.filled}</td>
                                    <td class="num">{w.fill_rate().map(|r| format!("{r}%")).unwrap_or_else(|| "–".into())}</td>
                                    <td class="num">{w.median_minutes_to_claim.map(minutes_text).unwrap_or_else(|| "–".into())}</td>
                                    <td class="num">{w.texts_per_fill().map(|t| format!("{t:.1}")).unwrap_or_else(|| "–".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}

/// `45 min`, `3 h 20 min`, `2 d 4 h`.
fn minutes_text(m: i64) -> String {
    match m {
        m if m < 60 => format!("{m} min"),
        m if m < 24 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} d {} h", m / (24 * 60), (m % (24 * 60)) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_in_dollars() {
        assert_eq!(cents_of("150"), Some(15_000));
        assert_eq!(cents_of("$1,250.5"), Some(125_050));
        assert_eq!(cents_of("0.01"), Some(1));
        assert_eq!(cents_of(".5"), Some(50));
        assert_eq!(cents_of("12.345"), None);
        assert_eq!(cents_of("ten"), None);
        assert_eq!(cents_of(""), None);
        assert_eq!(cents_of("-5"), None);
        assert_eq!(percent_encode("a,b\r\n"), "a%2Cb%0D%0A");
    }
}
