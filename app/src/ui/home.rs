use crate::api::load_office_overview;
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
                        }.into_any(),
                        Err(e) => view! { <p role="alert" class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <RefreshButton/>
        </section>
    }
}

/// Re-reads the overview through the server function, proving the round trip from the browser.
#[component]
fn RefreshButton() -> impl IntoView {
    let refresh = Action::new(|_: &()| load_office_overview());
    let result = refresh.value();
    view! {
        <button type="button" on:click=move |_| { refresh.dispatch(()); }>"Check the server"</button>
        <p role="status" aria-live="polite">
            {move || result.get().map(|r| match r {
                Ok(o) => format!("The server answered: {} patients on file.", o.patients),
                Err(e) => format!("The server could not answer: {e}"),
            })}
        </p>
    }
}
