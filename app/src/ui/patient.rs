//! `/asap/{code}`: the page behind the link in an ASAP text. Rendered on the server as a small
//! standalone document with plain forms, so it works without JavaScript, loads fast on a phone,
//! and needs none of the staff pages' code. It shows only this patient's own offers.

use crate::domain::confirmation::LinkFrom;
use crate::domain::datetext::{long_date, long_when, time_text};
use crate::domain::template::phone_text;
use crate::view::patient::{LaterVisit, OpeningForPatient, PatientPage};
use leptos::prelude::*;

#[component]
fn OpeningFacts(opening: OpeningForPatient) -> impl IntoView {
    view! {
        <dl class="facts">
            <dt>"Office"</dt><dd>{opening.office_name.clone()}</dd>
            {(!opening.office_address.is_empty()).then(|| view! { <dt>"Address"</dt><dd>{opening.office_address.clone()}</dd> })}
            <dt>"Date"</dt><dd>{long_date(opening.start.date())}</dd>
            <dt>"Time"</dt><dd>{time_text(opening.start)}</dd>
            <dt>"Length"</dt><dd>{format!("About {} minutes", opening.minutes)}</dd>
        </dl>
    }
}

#[component]
fn OtherOpenings(others: Vec<OpeningForPatient>) -> impl IntoView {
    (!others.is_empty()).then(|| {
        view! {
            <section class="others" aria-labelledby="others-title">
                <h2 id="others-title">"Other openings offered to you"</h2>
                <ul>
                    {others.into_iter().map(|o| view! {
                        <li><a href=format!("/asap/{}", o.code)>{format!("{} – {}", long_when(o.start), o.office_name)}</a></li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

/// The patient's later visits: each can go on the list for earlier openings.
#[component]
fn LaterVisits(code: String, later: Vec<LaterVisit>) -> impl IntoView {
    (!later.is_empty()).then(|| {
        view! {
            <section class="later" aria-labelledby="later-title">
                <h2 id="later-title">"Your other visits"</h2>
                <ul>
                    {later.into_iter().map(|v| {
                        let when = format!("{} ({} minutes)", long_when(v.start), v.minutes);
                        if v.on_list {
                            view! { <li><strong>{when}</strong>" · We'll text you if an earlier time opens up."</li> }.into_any()
                        } else {
                            view! {
                                <li>
                                    <strong>{when}</strong>
                                    <form method="post" action=format!("/asap/{code}/earlier") class="answer">
                                        <input type="hidden" name="apt" value=v.apt_num.to_string()/>
                                        <button type="submit" class="stop">"Tell me about earlier openings for this visit"</button>
                                    </form>
                                </li>
                            }.into_any()
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
fn CallUs(opening: OpeningForPatient) -> impl IntoView {
    let phone = phone_text(&opening.office_phone);
    let tel: String = opening.office_phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    (!tel.is_empty()).then(|| view! {
        <p class="call">"Questions? Call " {opening.office_name.clone()} " at " <a href=format!("tel:{tel}")>{phone}</a> "."</p>
    })
}

#[component]
pub fn PatientPageBody(page: PatientPage, #[prop(optional)] from: LinkFrom) -> impl IntoView {
    let title = page.title();
    let body = match page {
        PatientPage::Offer { f_name, opening, others } => {
            // The answer keeps the link's `via`: the booking is confirmed the way it came.
            let action = format!("/asap/{}{}", opening.code, from.query());
            let accept = if others.is_empty() {
                view! {
                    <p class="lead">{format!("Hi {f_name}, an earlier appointment has opened up. Would you like it?")}</p>
                    <OpeningFacts opening=opening.clone()/>
                    <form method="post" action=action.clone() class="answer">
                        <button type="submit" name="answer" value="accept" class="accept">"Yes, book me in"</button>
                    </form>
                }
                .into_any()
            } else {
                // Several openings offered to this patient: they pick one, as in Open Dental.
                let choices: Vec<OpeningForPatient> = std::iter::once(opening.clone()).chain(others).collect();
                view! {
                    <p class="lead">{format!("Hi {f_name}, {} earlier appointments have opened up. Choose the one you would like.", choices.len())}</p>
                    <form method="post" action=action.clone() class="answer choices">
                        <fieldset>
                            <legend>"Choose a time"</legend>
                            {choices.into_iter().enumerate().map(|(i, o)| view! {
                                <label class="choice">
                                    <input type="radio" name="choice" value=o.code.clone() checked=i == 0 required=true/>
                                    <span>
                                        <strong>{long_when(o.start)}</strong>
                                        <span class="small">{format!("About {} minutes · {}", o.minutes, o.office_name)}</span>
                                    </span>
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <button type="submit" name="answer" value="accept" class="accept">"Book the time I chose"</button>
                    </form>
                }
                .into_any()
            };
            view! {
                {accept}
                <form method="post" action=action.clone() class="answer">
                    <button type="submit" name="answer" value="decline" class="decline">"No, thanks"</button>
                </form>
                <form method="post" action=action class="answer">
                    <button type="submit" name="answer" value="stop" class="stop">"Don't offer me this appointment again"</button>
                </form>
                <p class="small">"The first patient to say yes gets the time. If you say no, nothing changes."</p>
                <CallUs opening/>
            }
            .into_any()
        }
        PatientPage::Booked { f_name, opening, later } => view! {
            <p class="lead ok" role="status">{format!("You're booked, {f_name}. We look forward to seeing you on {}.", long_when(opening.start))}</p>
            <OpeningFacts opening=opening.clone()/>
            <p class="small">"There is nothing more to do: the office has your new time."</p>
            <LaterVisits code=opening.code.clone() later/>
            <CallUs opening/>
        }
        .into_any(),
        PatientPage::Declined { f_name, opening, stopped, others, later } => view! {
            <p class="lead" role="status">{if stopped {
                format!("Thanks, {f_name}. We won't offer you openings for this appointment again.")
            } else {
                format!("Thanks, {f_name}. We'll keep you on our list for earlier openings.")
            }}</p>
            <OtherOpenings others/>
            <LaterVisits code=opening.code.clone() later/>
            <CallUs opening/>
        }
        .into_any(),
        PatientPage::Moved { f_name, opening } => view! {
            <p class="lead" role="status">{format!("{f_name}, you already took another opening for this appointment, so this one is no longer needed.")}</p>
            <CallUs opening/>
        }
        .into_any(),
        PatientPage::Withdrawn { f_name, opening, others } => view! {
            <p class="lead" role="status">{format!("Sorry, {f_name}: the office is no longer offering the {} opening. You stay on our list for earlier openings.", long_when(opening.start))}</p>
            <OtherOpenings others/>
            <CallUs opening/>
        }
        .into_any(),
        PatientPage::Taken { f_name, opening, others } => view! {
            <p class="lead" role="status">{format!("Sorry, {f_name}: the {} opening was taken just before you answered. You stay on our list for earlier openings.", long_when(opening.start))}</p>
            <OtherOpenings others/>
            <CallUs opening/>
        }
        .into_any(),
        PatientPage::Ended => view! {
            <p class="lead">"This link has ended: the opening it was for has passed or is no longer offered. Your current appointment has not changed."</p>
            <p class="small">"If you were expecting something else, please call your dental office."</p>
        }
        .into_any(),
        PatientPage::Unsubscribe { f_name, code } => view! {
            <p class="lead">{format!("{f_name}, do you want to stop getting emails about earlier appointment openings?")}</p>
            <form method="post" action=format!("/asap/{code}/unsubscribe") class="answer">
                <button type="submit" name="List-Unsubscribe" value="One-Click" class="stop">"Stop these emails"</button>
            </form>
            <p class="small">"Your appointments do not change. The office can still reach you by phone or text."</p>
        }
        .into_any(),
        PatientPage::Unsubscribed { f_name } => view! {
            <p class="lead ok" role="status">{format!("Done, {f_name}: we won't email you about earlier openings again.")}</p>
            <p class="small">"Your appointments have not changed. To hear about openings by email again, please call your dental office."</p>
        }
        .into_any(),
    };
    view! {
        <main>
            <h1>{title}</h1>
            {body}
        </main>
    }
}

/// The whole document, ready to send.
#[cfg(feature = "ssr")]
pub fn render_patient_page(page: PatientPage, from: LinkFrom) -> String {
    let title = page.title();
    let owner = Owner::new();
    let body = owner.with(|| view! { <PatientPageBody page from/> }.to_html());
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"/patient.css\"></head><body>{body}</body></html>"
    )
}
