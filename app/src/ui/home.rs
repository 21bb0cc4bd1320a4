//! The overview page: what the office data holds, and per clinic and week whether ASAP texting
//! filled chairs.

use crate::domain::datetext::day;
use crate::api::load_office_overview;
use crate::domain::outcomes::WeekOutcome;
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
