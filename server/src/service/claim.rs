//! The patient's answer to an offer, above all the claim: the one place where an opening is
//! taken. From the operatory's lock to the commit it is one transaction that reads each row once
//! (the offer, the operatory, the appointment or recall), decides with the pure rule
//! `domain::answer::on_answer`, and writes with guards whose outcome is checked:
//!
//! - the appointment is moved in (or made from the recall), and its chair time is recorded in
//!   `placement`, which the database refuses to let overlap another placed appointment;
//! - the offer becomes AcceptedAndMoved only from the status read, and the database allows one
//!   such offer per opening;
//! - the opening closes only if it is still open;
//! - every other open opening on that time closes, and the patient's other offers for the same
//!   appointment are answered.
//!
//! With Open Dental in charge of the book, the claim first reads that operatory's day there and
//! takes it in, so a time the front desk booked a moment ago reads as taken; the claim's moves
//! are queued for Open Dental in the same transaction (`writeback`).
//!
//! A guard that finds its row changed, or a database rule that refuses a write, means another
//! writer got there between the read and the write (a delivery report, the link being opened,
//! another server process): nothing is kept, and the answer is tried again from the start, a few
//! times, before the patient is told to try again. Exactly one winner per opening therefore
//! rests on the lock, and where the lock is not enough, on the database.

use super::closeout::{close_filled_in, close_opening_in};
use super::offer::first_blocker;
use super::patient::{page_after, plausible_code};
use super::{ServiceError, ServiceResult, Services};
use crate::store::answers::{self, PatientOfferRow};
use crate::store::sending::{Channel, OffersOf};
use app::domain::confirmation::{Booking, LinkFrom, confirmation_channels, confirmation_email, confirmation_subject, confirmation_text};
use crate::store::{StoreError, WriteTx, book, office, opening, table};
use app::domain::Span;
use app::domain::answer::{AnswerOutcome, PatientAnswer, is_claimable, link_has_ended, on_answer};
use app::domain::length::{appointment_minutes, recall_appointment_pattern};
use app::domain::occupancy::occupies_time;
use app::domain::datetext::time_text;
use app::model::{
    Appointment, AptStatus, FKeyType, OdDateTime, OpeningState, Operatory, Preferences, Priority, ResponseStatus, TimePattern,
};
use app::view::patient::PatientPage;

/// How many times an answer that lost a race to another writer is tried again.
const ATTEMPTS: usize = 3;

/// `POST /asap/{code}`: the patient's answer, and the page that follows it.
/// `from`: which message's link the patient opened; a booking is confirmed that way.
pub async fn answer(services: &Services, code: &str, answer: PatientAnswer, from: LinkFrom) -> ServiceResult<PatientPage> {
    if !plausible_code(code) {
        return Ok(PatientPage::Ended);
    }
    let asked = std::time::Instant::now();
    let page = answer_with_retries(services, code, answer, from).await;
    if answer == PatientAnswer::Accept {
        let result = match &page {
            Ok(PatientPage::Booked { .. }) => "booked",
            Ok(PatientPage::Taken { .. }) => "taken",
            _ => "other",
        };
        crate::telemetry::claim(result, asked.elapsed());
    }
    page
}

async fn answer_with_retries(services: &Services, code: &str, answer: PatientAnswer, from: LinkFrom) -> ServiceResult<PatientPage> {
    let office_book = recheck(services, code, answer).await?;
    for _ in 0..ATTEMPTS {
        match attempt(services, code, answer, from, office_book.as_ref()).await {
            Ok(Answered::Ended) => return Ok(PatientPage::Ended),
            Ok(Answered::Recorded { offer, prefs, now }) => return page_after(services, &prefs, offer, now).await,
            Err(Failure::Lost(why)) => tracing::warn!(why, "an answer met another write to its opening; trying again"),
            Err(Failure::Service(e)) => return Err(e),
        }
    }
    Err(ServiceError::Conflict(
        "Your answer could not be recorded because the opening changed at the same moment. Please open the link again.".into(),
    ))
}

/// What one attempt did.
enum Answered {
    /// The link is unknown or has ended.
    Ended,
    /// Committed; `offer` as read under the lock.
    Recorded { offer: PatientOfferRow, prefs: Preferences, now: OdDateTime },
}

/// Why an attempt kept nothing.
enum Failure {
    /// A guarded write or a database rule found the row changed since it was read.
    Lost(&'static str),
    Service(ServiceError),
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Store(s) if s.is_claim_conflict() => Failure::Lost("the database refused a second claim on this time"),
            ServiceError::Store(s) if s.is_retryable() => Failure::Lost("the database broke a deadlock with another writer"),
            other => Failure::Service(other),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::from(ServiceError::Store(e))
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::from(StoreError::Database(e))
    }
}

/// A guarded write changed the row it was meant to, or the attempt is lost.
fn held(changed: bool, why: &'static str) -> Result<(), Failure> {
    if changed { Ok(()) } else { Err(Failure::Lost(why)) }
}

/// With Open Dental in charge of the book, its appointments in the offer's operatory that day,
/// read before anything is locked (a slow Open Dental holds up no one else), for an accept that
/// can still take the time. None: nothing to re-check, or Open Dental did not answer in time
/// (the claim then goes ahead on the local copy).
async fn recheck(services: &Services, code: &str, answer: PatientAnswer) -> ServiceResult<Option<OfficeDay>> {
    let Some(od) = &services.opendental else { return Ok(None) };
    if answer != PatientAnswer::Accept {
        return Ok(None);
    }
    let offer = {
        let mut conn = services.store.pool().acquire().await?;
        answers::offer_by_code(&mut conn, code).await?
    };
    let Some(offer) = offer.filter(|o| is_claimable(o.opening, o.response_status, o.send_status)) else { return Ok(None) };
    let day = super::sync::operatory_day(od, offer.operatory_num, offer.span.start.date(), services.sync.recheck_within).await;
    Ok(day.map(|appointments| OfficeDay { operatory_num: offer.operatory_num, appointments }))
}

/// Open Dental's appointments in one operatory on the claimed day.
struct OfficeDay {
    operatory_num: i64,
    appointments: Vec<Appointment>,
}

async fn attempt(
    services: &Services,
    code: &str,
    answer: PatientAnswer,
    from: LinkFrom,
    office_day: Option<&OfficeDay>,
) -> Result<Answered, Failure> {
    // The operatory's lock is taken before anything is read for the decision; which operatory
    // that is, is the one read made outside it.
    let located = {
        let mut conn = services.store.pool().acquire().await.map_err(StoreError::from)?;
        answers::offer_by_code(&mut conn, code).await?
    };
    let Some(located) = located else { return Ok(Answered::Ended) };
    let operatory_num = located.operatory_num;
    let mut tx = services.store.begin_write().await?;
    services.store.lock_operatory(&mut tx, operatory_num).await?;
    // Open Dental's day is taken into the local copy where this lock covers it; an appointment
    // there whose copy here sits in another operatory (another lock's) still counts against the
    // time below.
    let elsewhere = match office_day.filter(|d| d.operatory_num == operatory_num) {
        Some(day) => super::sync::take_in_operatory_day(&mut tx, operatory_num, &day.appointments).await?,
        None => Vec::new(),
    };

    let prefs = office::preferences(&mut tx).await?;
    let now = services.clock.now(&prefs);
    let Some(offer) = answers::offer_by_code(&mut tx, code).await?.filter(|o| !link_has_ended(now, o.span.start, o.expire)) else {
        return Ok(Answered::Ended);
    };
    held(offer.operatory_num == operatory_num, "the offer's operatory changed before its lock was taken")?;
    let op = office::operatory(&mut tx, offer.operatory_num).await?;
    let target = claim_target(&mut tx, &offer, &prefs).await?;
    let time_is_free = match (&op, &target) {
        (Some(op), Some(t)) => {
            let chair = t.chair_time(offer.span.start);
            let own = t.own_appointment();
            let booked_there = elsewhere.iter().any(|a| {
                occupies_time(a.apt_status) && !own.contains(&a.apt_num) && Span::starting_at(a.apt_date_time, appointment_minutes(&a.pattern)).overlaps(&chair)
            });
            let blockout_types = office::blockout_types(&mut tx).await?;
            !booked_there && first_blocker(&mut tx, op, chair, &own, &blockout_types).await?.is_none()
        }
        _ => false,
    };

    let outcome = on_answer(offer.opening, offer.response_status, offer.send_status, answer, time_is_free);
    let mut rest_offered = None;
    match (outcome, op, &target) {
        (AnswerOutcome::TakeTheSlot, Some(op), Some(target)) => {
            let clinic = crate::store::templates::for_clinic(&mut tx, op.clinic_num, &prefs).await?;
            let claiming = Claiming { prefs: &prefs, clinic, now, from };
            let closed = take_the_slot(services, &mut tx, &offer, &op, target, &claiming).await?;
            let taken = target.chair_time(offer.span.start);
            let mut asked_again = Vec::new();
            // Who the rest goes to is worked out only by the claim that won: in a race, the
            // others never pay for it.
            if let Some(plan) = services.plan_rest(&mut tx, &offer, taken.minutes(), &prefs, &claiming.clinic).await? {
                if let Some(placed) = services.offer_the_rest(&mut tx, &offer, taken, plan, now).await? {
                    asked_again = placed.created.iter().map(|c| c.pat_num).collect();
                    rest_offered = Some((placed.created.len(), offer.clinic_num));
                }
            }
            tell_the_gap_is_gone(&mut tx, &offer, &op, &closed, &asked_again, &claiming).await?;
        }
        (AnswerOutcome::TakeTheSlot, _, _) => return Err(Failure::Lost("the claim's operatory or appointment is gone")),
        (AnswerOutcome::Taken, _, _) => {
            let changed = answers::set_response(
                &mut tx,
                offer.asap_comm_num,
                offer.response_status,
                ResponseStatus::AcceptedAndNotAvailable,
                now,
                Some("Accepted after the opening was taken."),
            )
            .await?;
            held(changed, "the offer's status changed while it was answered")?;
            // Still open, yet its time is not free: the office booked it another way. (When the
            // appointment or recall itself is gone, the time may well be free for others.)
            if offer.opening == OpeningState::Open && target.is_some() {
                close_opening_in(&mut tx, offer.schedule_num, OpeningState::Booked, now, "", 0, 0).await?;
                tracing::info!(schedule_num = offer.schedule_num, "opening closed: its time was booked another way");
            }
        }
        (AnswerOutcome::Record(status), _, _) => {
            let changed = answers::set_response(&mut tx, offer.asap_comm_num, offer.response_status, status, now, None).await?;
            held(changed, "the offer's status changed while it was answered")?;
        }
        (AnswerOutcome::AlreadyAnswered(_), _, _) => {}
    }
    tx.commit().await?;
    if let Some((offers, clinic_num)) = rest_offered {
        crate::telemetry::opening_offered(true, clinic_num, offers);
    }
    if matches!(outcome, AnswerOutcome::TakeTheSlot) {
        crate::telemetry::opening_filled();
        // The confirmation is queued: the sender takes it now.
        services.sender_wake.notify_one();
        if services.opendental.is_some() {
            services.writeback_wake.notify_one();
        }
    }
    Ok(Answered::Recorded { offer, prefs, now })
}

/// What the winning claim reads once, under its lock, for everything it writes: the office's
/// settings, the clinic's messages and switches, the moment, and how the patient answered.
struct Claiming<'a> {
    prefs: &'a Preferences,
    clinic: crate::store::templates::ClinicMessages,
    now: OdDateTime,
    from: LinkFrom,
}

/// The booked patient's confirmation (Open Dental's Web Sched Notify), by the channel they
/// answered from (`confirmation_channels`), in the claim's transaction: it goes exactly once, and
/// only if the booking holds.
async fn queue_confirmation(tx: &mut WriteTx, offer: &PatientOfferRow, op: &Operatory, taken: Span, claiming: &Claiming<'_>) -> Result<(), Failure> {
    let (prefs, from, now) = (claiming.prefs, claiming.from, claiming.now);
    if !claiming.clinic.confirm_booking {
        return Ok(());
    }
    let (reached_by_text, reached_by_email) = crate::store::sending::channels_that_reached(tx, offer.asap_comm_num).await?;
    let (by_text, by_email) = confirmation_channels(reached_by_text, reached_by_email, from);
    if !by_text && !by_email {
        return Ok(());
    }
    let office = office::identity(tx, op.clinic_num, prefs).await?;
    let booking = Booking {
        f_name: &offer.f_name,
        start: taken.start,
        minutes: taken.start.minutes_until(taken.end),
        office_name: &office.name,
        office_phone: &office.phone,
        office_address: &office.address,
    };
    if by_text {
        crate::store::sending::queue_confirmation(tx, Channel::ConfirmText, offer.asap_comm_num, "", &confirmation_text(&booking), now).await?;
    }
    if by_email {
        let (subject, body) = (confirmation_subject(&booking), confirmation_email(&booking));
        crate::store::sending::queue_confirmation(tx, Channel::ConfirmEmail, offer.asap_comm_num, &subject, &body, now).await?;
    }
    Ok(())
}

/// What an accepted offer moves into the slot: the ASAP appointment, or a new appointment made
/// from the recall.
pub(super) struct ClaimTarget {
    pub(super) apt: Option<Appointment>,
    pub(super) recall_num: Option<i64>,
    pub(super) pat_num: i64,
    pub(super) pattern: TimePattern,
}

impl ClaimTarget {
    /// The chair time the appointment takes from `start`; the opening may be longer.
    fn chair_time(&self, start: OdDateTime) -> Span {
        Span::starting_at(start, appointment_minutes(&self.pattern))
    }

    /// The appointment itself, where it holds time now: it never blocks its own new time.
    fn own_appointment(&self) -> Vec<i64> {
        self.apt.iter().filter(|a| occupies_time(a.apt_status)).map(|a| a.apt_num).collect()
    }
}

/// None when the appointment or recall is no longer on the ASAP list (the office changed it).
async fn claim_target(tx: &mut sqlx::AnyConnection, offer: &PatientOfferRow, prefs: &Preferences) -> ServiceResult<Option<ClaimTarget>> {
    if offer.f_key_type == FKeyType::Recall {
        let Some(recall) = office::recall(tx, offer.f_key).await? else { return Ok(None) };
        if recall.priority != Priority::ASAP || recall.is_disabled.0 {
            return Ok(None);
        }
        let Some(kind) = office::recall_type(tx, recall.recall_type_num).await? else { return Ok(None) };
        let pattern = recall_appointment_pattern(&kind.time_pattern, prefs.appointment_time_increment);
        return Ok(Some(ClaimTarget { apt: None, recall_num: Some(recall.recall_num), pat_num: recall.pat_num, pattern }));
    }
    let Some(apt) = book::appointment(tx, offer.f_key).await? else { return Ok(None) };
    let on_list = apt.priority == Priority::ASAP
        && matches!(apt.apt_status, AptStatus::Scheduled | AptStatus::UnschedList | AptStatus::Broken | AptStatus::Planned);
    if !on_list || apt.pat_num != offer.pat_num {
        return Ok(None);
    }
    let pattern = apt.pattern.clone();
    Ok(Some(ClaimTarget { apt: Some(apt), recall_num: None, pat_num: offer.pat_num, pattern }))
}

/// When the clinic has it on, those texted about the openings this claim closed who have not
/// answered are told, once, that the time was taken; not those just asked about the rest of it.
async fn tell_the_gap_is_gone(
    tx: &mut WriteTx,
    offer: &PatientOfferRow,
    op: &Operatory,
    closed: &[i64],
    asked_again: &[i64],
    claiming: &Claiming<'_>,
) -> Result<(), Failure> {
    let now = claiming.now;
    if !claiming.clinic.gap_gone_notice {
        return Ok(());
    }
    let office = office::identity(tx, op.clinic_num, claiming.prefs).await?;
    let body = |start: OdDateTime| app::domain::sending::gap_gone_text(&office.name, start);
    let told = crate::store::sending::queue_gap_gone(tx, closed, offer.asap_comm_num, asked_again, &body, now).await?;
    if told > 0 {
        tracing::info!(schedule_num = offer.schedule_num, told, "those texted about a filled opening are told it is gone");
    }
    Ok(())
}

/// The claim's writes, each checked; the caller commits. The openings it closed.
async fn take_the_slot(
    services: &Services,
    tx: &mut WriteTx,
    offer: &PatientOfferRow,
    op: &Operatory,
    target: &ClaimTarget,
    claiming: &Claiming<'_>,
) -> Result<Vec<i64>, Failure> {
    let (start, from, now) = (offer.span.start, claiming.from, claiming.now);
    let apt_num = match &target.apt {
        Some(apt) => {
            held(book::move_appointment_into(tx, apt.apt_num, op, start).await?, "the appointment is gone")?;
            apt.apt_num
        }
        None => {
            services.store.lock_new_appointment_keys(tx).await?;
            let apt_num = book::next_apt_num(tx, services.appointment_key_floor()).await?;
            let prov_num = if op.is_hygiene.0 && op.prov_hygienist != 0 { op.prov_hygienist } else { op.prov_dentist };
            let apt = Appointment {
                apt_num,
                pat_num: target.pat_num,
                apt_status: AptStatus::Scheduled,
                pattern: target.pattern.clone(),
                op: op.operatory_num,
                prov_num,
                apt_date_time: start,
                clinic_num: op.clinic_num,
                priority: Priority::Normal,
                next_apt_num: 0,
            };
            table::upsert(tx, &apt).await?;
            if let Some(recall) = target.recall_num {
                office::set_recall_priority(tx, recall, Priority::Normal).await?;
            }
            apt_num
        }
    };
    let taken = target.chair_time(start);
    book::place(tx, apt_num, op.operatory_num, taken).await?;
    if services.opendental.is_some() {
        super::writeback::queue_claim(tx, services, offer, op, target, apt_num, start).await?;
    }

    let by_reply = if from == LinkFrom::Reply { " Booked by a text reply." } else { "" };
    let note = format!("Appointment made for {} in {}.{by_reply}", app::domain::datetext::when(start), op.op_name);
    let changed =
        answers::set_response(tx, offer.asap_comm_num, offer.response_status, ResponseStatus::AcceptedAndMoved, now, Some(&note))
            .await?;
    held(changed, "the offer's status changed while it was claimed")?;
    queue_confirmation(tx, offer, op, taken, claiming).await?;

    // This opening closes as filled, and so does any other open one on that time.
    held(
        close_filled_in(tx, offer.schedule_num, now, offer.asap_comm_num, apt_num, taken.end).await?,
        "the opening closed while it was claimed",
    )?;
    let mut closed = vec![offer.schedule_num];
    for other in opening::open_openings_overlapping(tx, op.operatory_num, taken).await? {
        if close_filled_in(tx, other.schedule_num, now, offer.asap_comm_num, apt_num, taken.end).await? {
            closed.push(other.schedule_num);
        }
    }
    // Offers for the same appointment or recall on other openings are answered by this one.
    let sibling_note = format!("The patient took another opening ({} {}).", start.date(), time_text(start));
    answers::close_sibling_offers(tx, offer.f_key, offer.f_key_type, offer.asap_comm_num, now, &sibling_note).await?;
    let siblings = OffersOf::SiblingsOf { f_key: offer.f_key, f_key_type: offer.f_key_type, winner: offer.asap_comm_num };
    crate::store::sending::cancel_queued_emails(tx, siblings, ResponseStatus::ChoseDifferentSlot, &sibling_note).await?;
    tracing::info!(asap_comm_num = offer.asap_comm_num, schedule_num = offer.schedule_num, apt_num, "opening claimed");
    Ok(closed)
}
