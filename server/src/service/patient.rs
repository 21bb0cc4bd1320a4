//! What the patient sees behind the link in a text: opening it (which marks the offer Viewed)
//! and the page after an answer. The answer itself is `claim`.

use super::{ServiceResult, Services};
use crate::store;
use crate::store::answers::PatientOfferRow;
use app::domain::answer::{LATER_VISITS_SHOWN, OTHER_OPENINGS_SHOWN, link_has_ended, may_ask_for_earlier, on_view};
use app::domain::length::{appointment_minutes, recall_minutes};
use app::model::{AptStatus, CommOptOut, FKeyType, OdDateTime, OpeningState, Preferences, Priority, ResponseStatus};
use app::view::patient::{LaterVisit, OpeningForPatient, PatientPage};
use sqlx::AnyConnection;

/// A link code is 22 letters and digits; anything else cannot be one and is not looked up.
pub fn plausible_code(code: &str) -> bool {
    code.len() == super::SHORT_GUID_LEN && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `GET /asap/{code}`: what the patient sees; opening the link marks the offer Viewed. Only that
/// mark takes the write lock; the page is read afterwards like any other page, so a patient
/// looking again (or at a long list of offers) never holds up offers and answers.
pub async fn view(services: &Services, code: &str) -> ServiceResult<PatientPage> {
    let Some((prefs, now, offer)) = live_offer(services, code).await? else { return Ok(PatientPage::Ended) };
    if let Some(next) = on_view(offer.opening, offer.response_status) {
        // Moves only from the status just read: an answer recorded meanwhile stays (and this
        // mark then changes nothing, which is right).
        let mut tx = services.store.begin_write().await?;
        store::answers::set_response(&mut tx, offer.asap_comm_num, offer.response_status, next, now, None).await?;
        tx.commit().await?;
    }
    page_after(services, &prefs, offer, now).await
}

/// The offer behind a link that still works, with the office's settings and its time now; None
/// for an unknown or ended link (both get the same page).
async fn live_offer(services: &Services, code: &str) -> ServiceResult<Option<(Preferences, OdDateTime, PatientOfferRow)>> {
    let mut conn = services.store.pool().acquire().await?;
    let prefs = store::office::preferences(&mut conn).await?;
    let now = services.clock.now(&prefs);
    let offer = if plausible_code(code) { store::answers::offer_by_code(&mut conn, code).await? } else { None };
    Ok(offer.filter(|o| !link_has_ended(now, o.span.start, o.expire)).map(|o| (prefs, now, o)))
}

/// An email's unsubscribe link. A visit asks; `confirm` (the page's button, or a mail client's
/// one-click POST, RFC 8058) writes the patient's email opt-out. The link works as long as the
/// offer is on record, since a footer is read long after the opening has passed; an unknown code
/// gets the same page as an ended link.
pub async fn unsubscribe_email(services: &Services, code: &str, confirm: bool) -> ServiceResult<PatientPage> {
    let offer = if plausible_code(code) {
        let mut conn = services.store.pool().acquire().await?;
        store::answers::offer_by_code(&mut conn, code).await?
    } else {
        None
    };
    let Some(offer) = offer else { return Ok(PatientPage::Ended) };
    if !confirm {
        return Ok(PatientPage::Unsubscribe { f_name: offer.f_name, code: offer.short_guid });
    }
    let mut tx = services.store.begin_write().await?;
    services.store.lock_patient(&mut tx, offer.pat_num).await?;
    let mut opt_outs = store::office::opt_outs(&mut tx, offer.pat_num).await?;
    opt_outs.opt_out_email |= CommOptOut::ALL;
    store::table::upsert(&mut tx, &opt_outs).await?;
    tx.commit().await?;
    tracing::info!(asap_comm_num = offer.asap_comm_num, "email opt-out recorded from an unsubscribe link");
    Ok(PatientPage::Unsubscribed { f_name: offer.f_name })
}

/// The offer an accept takes: the link's own, or another of the same patient's offers that the
/// page listed as a choice. A code belonging to anyone else is refused as unknown, so one link
/// can never claim for another patient.
pub async fn offer_to_accept(services: &Services, code: &str, choice: &str) -> ServiceResult<String> {
    let choice = choice.trim();
    if choice.is_empty() || choice == code {
        return Ok(code.to_string());
    }
    let refused = || super::ServiceError::bad_request("That time is not one offered to you. Choose one of the times on the page.");
    if !plausible_code(code) || !plausible_code(choice) {
        return Err(refused());
    }
    let mut conn = services.store.pool().acquire().await?;
    let linked = store::answers::offer_by_code(&mut conn, code).await?;
    let chosen = store::answers::offer_by_code(&mut conn, choice).await?;
    match (linked, chosen) {
        (Some(l), Some(c)) if l.pat_num == c.pat_num => Ok(c.short_guid),
        _ => Err(refused()),
    }
}

/// The patient's page once whatever they did is committed, read outside the write lock.
pub(super) async fn page_after(services: &Services, prefs: &Preferences, offer: PatientOfferRow, now: OdDateTime) -> ServiceResult<PatientPage> {
    let mut conn = services.store.pool().acquire().await?;
    let offer = store::answers::offer_by_num(&mut conn, offer.asap_comm_num).await?.unwrap_or(offer);
    let opening = opening_for_patient(&mut conn, prefs, &offer).await?;
    let mut others = Vec::new();
    for other in store::answers::open_offers_of_patient(&mut conn, offer.pat_num, now, offer.asap_comm_num, OTHER_OPENINGS_SHOWN).await? {
        others.push(opening_for_patient(&mut conn, prefs, &other).await?);
    }
    let f_name = if offer.f_name.is_empty() { "there".to_string() } else { offer.f_name.clone() };
    // Only after an answer: the visits a patient can put on the list for earlier openings.
    let later = match offer.response_status {
        ResponseStatus::AcceptedAndMoved | ResponseStatus::Declined | ResponseStatus::DeclinedStopComm => {
            later_visits(&mut conn, offer.pat_num, now).await?
        }
        _ => Vec::new(),
    };
    Ok(match offer.response_status {
        ResponseStatus::AcceptedAndMoved => PatientPage::Booked { f_name, opening, later },
        ResponseStatus::Declined => PatientPage::Declined { f_name, opening, stopped: false, others, later },
        ResponseStatus::DeclinedStopComm => PatientPage::Declined { f_name, opening, stopped: true, others, later },
        ResponseStatus::Viewed | ResponseStatus::PendingRsvp if offer.opening == OpeningState::Open => {
            PatientPage::Offer { f_name, opening, others }
        }
        ResponseStatus::ChoseDifferentSlot => PatientPage::Moved { f_name, opening },
        // The opening withdrawn, or this patient's offer of it, whatever became of the opening since.
        _ if offer.withdrawn || offer.opening == OpeningState::Withdrawn => {
            PatientPage::Withdrawn { f_name, opening, others }
        }
        _ => PatientPage::Taken { f_name, opening, others },
    })
}

/// The patient's booked visits still ahead, each of which they can ask to hear of earlier
/// openings for.
async fn later_visits(conn: &mut AnyConnection, pat_num: i64, now: OdDateTime) -> ServiceResult<Vec<LaterVisit>> {
    let apts = store::book::patient_appointments_after(conn, pat_num, AptStatus::Scheduled, now, LATER_VISITS_SHOWN).await?;
    Ok(apts
        .into_iter()
        .map(|a| LaterVisit { apt_num: a.apt_num, start: a.apt_date_time, minutes: appointment_minutes(&a.pattern), on_list: a.priority == Priority::ASAP })
        .collect())
}

/// `POST /asap/{code}/earlier`: the patient asks to hear of earlier openings for one of their
/// later visits. It goes on the ASAP list (Priority ASAP), the audit trail records it, and with
/// Open Dental in charge of the book the change is written back there. The link is the key, as
/// for an answer: only the link's own patient's visits can be put on the list, and only while the
/// link lasts.
pub async fn ask_for_earlier(services: &Services, code: &str, apt_num: i64) -> ServiceResult<PatientPage> {
    let Some((prefs, now, offer)) = live_offer(services, code).await? else { return Ok(PatientPage::Ended) };
    let refused = || {
        super::ServiceError::bad_request("That visit cannot be put on the list for earlier openings from here. Please call your dental office.")
    };
    let mut tx = services.store.begin_write().await?;
    services.store.lock_patient(&mut tx, offer.pat_num).await?;
    let apt = store::book::appointment(&mut tx, apt_num).await?.filter(|a| a.pat_num == offer.pat_num).ok_or_else(refused)?;
    if !may_ask_for_earlier(apt.apt_status, apt.apt_date_time, now) {
        return Err(refused());
    }
    if apt.priority != Priority::ASAP {
        store::book::set_appointment_priority(&mut tx, apt_num, Priority::ASAP).await?;
        let detail = format!(
            "appointment {apt_num} ({}) of patient {}, from the page of offer {}",
            app::domain::datetext::when(apt.apt_date_time),
            offer.pat_num,
            offer.asap_comm_num
        );
        let actor = super::Actor { user_num: 0, name: "patient, from their offer link".into() };
        services.audit_in(&mut tx, &actor, app::view::access::actions::ASKED_FOR_EARLIER, &detail, apt.clinic_num).await?;
        if services.opendental.is_some() {
            super::writeback::queue_asap_priority(&mut tx, services, apt_num, offer.asap_comm_num, apt.clinic_num).await?;
        }
        tx.commit().await?;
        if services.opendental.is_some() {
            services.writeback_wake.notify_one();
        }
        tracing::info!(apt_num, "a patient put a later visit on the ASAP list");
    }
    page_after(services, &prefs, offer, now).await
}

/// One opening as the patient sees it: the office, the time, and how long their own visit is.
async fn opening_for_patient(conn: &mut AnyConnection, prefs: &Preferences, offer: &PatientOfferRow) -> ServiceResult<OpeningForPatient> {
    let clinic_num = store::office::operatory(conn, offer.operatory_num).await?.map_or(0, |op| op.clinic_num);
    let office = store::office::identity(conn, clinic_num, prefs).await?;
    Ok(OpeningForPatient {
        code: offer.short_guid.clone(),
        office_name: office.name,
        office_phone: office.phone,
        office_address: office.address,
        start: offer.span.start,
        minutes: visit_minutes(conn, prefs, offer).await?,
    })
}

/// How long the patient's own visit is, not the whole opening (which may be longer).
pub(super) async fn visit_minutes(conn: &mut AnyConnection, prefs: &Preferences, offer: &PatientOfferRow) -> ServiceResult<i64> {
    let own = match offer.f_key_type {
        FKeyType::Recall => match store::office::recall(conn, offer.f_key).await? {
            Some(r) => store::office::recall_type(conn, r.recall_type_num)
                .await?
                .map(|t| recall_minutes(&t.time_pattern, prefs.appointment_time_increment)),
            None => None,
        },
        _ => store::book::appointment(conn, offer.f_key).await?.map(|a| appointment_minutes(&a.pattern)),
    };
    Ok(own.filter(|m| *m > 0 && *m <= offer.span.minutes()).unwrap_or_else(|| offer.span.minutes()))
}
