//! The patient's side of an offer: opening the link, accepting, declining. Accepting is one
//! transaction under the operatory's lock: re-check the time, move the appointment in (or make
//! one from the recall), close the opening and every other opening on that time.

use super::closeout::close_opening_in;
use super::offer::{first_blocker, office_identity};
use super::{ServiceError, ServiceResult, Services};
use crate::store::{self, PatientOfferRow, WriteTx};
use sqlx::AnyConnection;
use app::domain::Span;
use app::domain::answer::{AnswerOutcome, OTHER_OPENINGS_SHOWN, OpeningState, PatientAnswer, link_has_ended, on_answer, on_view};
use app::domain::length::{appointment_minutes, recall_appointment_pattern};
use app::domain::occupancy::occupies_time;
use app::domain::template::time_text;
use app::model::{Appointment, AptStatus, FKeyType, OdDateTime, Preferences, Priority, ResponseStatus};
use app::view::patient::{OpeningForPatient, PatientPage};

/// A link code is 22 letters and digits; anything else cannot be one and is not looked up.
pub fn plausible_code(code: &str) -> bool {
    code.len() == super::SHORT_GUID_LEN && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Services {
    /// `GET /asap/{code}`: what the patient sees; opening the link marks the offer Viewed.
    /// Only that mark takes the write lock; the page is read afterwards like any other page, so a
    /// patient looking again (or at a long list of offers) never holds up offers and answers.
    pub async fn patient_view(&self, code: &str) -> ServiceResult<PatientPage> {
        let (prefs, now, offer) = {
            let mut conn = self.store.pool().acquire().await?;
            let prefs = store::preferences(&mut conn).await?;
            let now = self.clock.now(&prefs);
            // Unknown and ended links take the same path to the same page.
            let offer = if plausible_code(code) { store::offer_by_code(&mut conn, code).await? } else { None };
            (prefs, now, offer)
        };
        let Some(offer) = offer.filter(|o| !link_has_ended(now, o.span.start, o.expire)) else {
            return Ok(PatientPage::Ended);
        };
        if let Some(next) = on_view(offer.opening, offer.response_status) {
            // Moves only from the status just read: an answer recorded meanwhile stays.
            let mut tx = self.store.begin_write().await?;
            store::set_response(&mut tx, offer.asap_comm_num, offer.response_status, next, now, None).await?;
            tx.commit().await?;
        }
        self.page_after(&prefs, offer, now).await
    }

    /// `POST /asap/{code}`: the patient's answer.
    pub async fn patient_answer(&self, code: &str, answer: PatientAnswer) -> ServiceResult<PatientPage> {
        if !plausible_code(code) {
            return Ok(PatientPage::Ended);
        }
        // Find the operatory first: its lock is taken before anything is read for the decision.
        let operatory = {
            let mut conn = self.store.pool().acquire().await?;
            match store::offer_by_code(&mut conn, code).await? {
                Some(o) => o.operatory_num,
                None => return Ok(PatientPage::Ended),
            }
        };
        let mut tx = self.store.begin_write().await?;
        self.store.lock_operatory(&mut tx, operatory).await?;
        let prefs = store::preferences(&mut tx).await?;
        let now = self.clock.now(&prefs);
        let Some(offer) = store::offer_by_code(&mut tx, code).await?.filter(|o| !link_has_ended(now, o.span.start, o.expire))
        else {
            return Ok(PatientPage::Ended);
        };

        let target = self.claim_target(&mut tx, &offer, &prefs).await?;
        let time_is_free = match &target {
            Some(t) => first_blocker_for(&mut tx, &offer, t).await?.is_none(),
            None => false,
        };
        let outcome = on_answer(offer.opening, offer.response_status, offer.sms_send_status, answer, time_is_free);
        let mut taken_by_office = false;
        match outcome {
            AnswerOutcome::TakeTheSlot => {
                let target = target.ok_or_else(|| ServiceError::Conflict("The appointment is no longer on the ASAP list.".into()))?;
                self.take_the_slot(&mut tx, &offer, &target, &prefs, now).await?;
            }
            AnswerOutcome::Taken => {
                let note = "Accepted after the opening was taken.";
                store::set_response(&mut tx, offer.asap_comm_num, offer.response_status, ResponseStatus::AcceptedAndNotAvailable, now, Some(note))
                    .await?;
                // Still open, yet its time is not free: the office booked it another way.
                if offer.opening == OpeningState::Open {
                    taken_by_office = true;
                    close_opening_in(&mut tx, offer.schedule_num, OpeningState::Booked, now, "", 0, 0).await?;
                }
            }
            AnswerOutcome::Record(status) => {
                store::set_response(&mut tx, offer.asap_comm_num, offer.response_status, status, now, None).await?;
            }
            AnswerOutcome::AlreadyAnswered(_) => {}
        }
        tx.commit().await?;
        if matches!(outcome, AnswerOutcome::TakeTheSlot) || taken_by_office {
            tracing::info!(asap_comm_num = offer.asap_comm_num, schedule_num = offer.schedule_num, ?outcome, "opening answered");
        }
        self.page_after(&prefs, offer, now).await
    }

    /// The patient's page once whatever they did is committed, read outside the write lock.
    async fn page_after(&self, prefs: &Preferences, offer: PatientOfferRow, now: OdDateTime) -> ServiceResult<PatientPage> {
        let mut conn = self.store.pool().acquire().await?;
        let offer = store::offer_by_num(&mut conn, offer.asap_comm_num).await?.unwrap_or(offer);
        self.page_for(&mut conn, prefs, &offer, now).await
    }

    /// What the accept would move: the ASAP appointment, or a new appointment from the recall.
    /// None when it is no longer on the ASAP list (the office changed it meanwhile).
    async fn claim_target(&self, tx: &mut WriteTx, offer: &PatientOfferRow, prefs: &Preferences) -> ServiceResult<Option<ClaimTarget>> {
        if offer.f_key_type == FKeyType::Recall {
            let Some(recall) = store::recall(tx, offer.f_key).await? else { return Ok(None) };
            if recall.priority != Priority::ASAP || recall.is_disabled.0 {
                return Ok(None);
            }
            let Some(kind) = store::recall_type(tx, recall.recall_type_num).await? else { return Ok(None) };
            let pattern = recall_appointment_pattern(&kind.time_pattern, prefs.appointment_time_increment);
            return Ok(Some(ClaimTarget { apt: None, recall_num: Some(recall.recall_num), pat_num: recall.pat_num, pattern }));
        }
        let Some(apt) = store::appointment(tx, offer.f_key).await? else { return Ok(None) };
        let on_list = apt.priority == Priority::ASAP
            && matches!(apt.apt_status, AptStatus::Scheduled | AptStatus::UnschedList | AptStatus::Broken | AptStatus::Planned);
        if !on_list || apt.pat_num != offer.pat_num {
            return Ok(None);
        }
        let pattern = apt.pattern.clone();
        Ok(Some(ClaimTarget { apt: Some(apt), recall_num: None, pat_num: offer.pat_num, pattern }))
    }

    async fn take_the_slot(
        &self,
        tx: &mut WriteTx,
        offer: &PatientOfferRow,
        target: &ClaimTarget,
        prefs: &Preferences,
        now: OdDateTime,
    ) -> ServiceResult<()> {
        let op = store::operatory(tx, offer.operatory_num)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("Operatory {} does not exist.", offer.operatory_num)))?;
        let start = offer.span.start;
        let apt_num = match &target.apt {
            Some(apt) => {
                store::move_appointment_into(tx, apt.apt_num, &op, start).await?;
                apt.apt_num
            }
            None => {
                self.store.lock_new_appointment_keys(tx).await?;
                let apt_num = store::next_apt_num(tx).await?;
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
                store::upsert_appointment(tx, &apt).await?;
                if let Some(recall) = target.recall_num {
                    store::set_recall_priority(tx, recall, Priority::Normal).await?;
                }
                apt_num
            }
        };
        let note = format!(
            "Appointment made for {} {} in {} (AptNum {apt_num}).",
            start.date(),
            time_text(start),
            op.op_name
        );
        store::set_response(tx, offer.asap_comm_num, offer.response_status, ResponseStatus::AcceptedAndMoved, now, Some(&note)).await?;
        // This opening, and any other open one on that time in the operatory, is filled.
        let taken = Span::starting_at(start, appointment_minutes(&target.pattern));
        let mut closing = store::open_openings_overlapping(tx, op.operatory_num, taken).await?;
        if !closing.iter().any(|o| o.schedule_num == offer.schedule_num) {
            if let Some(own) = store::opening(tx, offer.schedule_num).await? {
                closing.push(own);
            }
        }
        for opening in closing {
            close_opening_in(tx, opening.schedule_num, OpeningState::Filled, now, "", offer.asap_comm_num, apt_num).await?;
        }
        // Offers for the same appointment or recall on other openings are answered by this one.
        let sibling_note = format!("The patient took another opening ({} {}).", start.date(), time_text(start));
        store::close_sibling_offers(tx, offer.f_key, offer.f_key_type, offer.asap_comm_num, now, &sibling_note).await?;
        let _ = prefs;
        Ok(())
    }

    /// The page for an offer after whatever just happened to it.
    async fn page_for(&self, conn: &mut AnyConnection, prefs: &Preferences, offer: &PatientOfferRow, now: OdDateTime) -> ServiceResult<PatientPage> {
        let opening = self.opening_for_patient(conn, prefs, offer).await?;
        let others = self.other_openings(conn, prefs, offer, now).await?;
        let f_name = if offer.f_name.is_empty() { "there".to_string() } else { offer.f_name.clone() };
        Ok(match offer.response_status {
            ResponseStatus::AcceptedAndMoved => PatientPage::Booked { f_name, opening },
            ResponseStatus::Declined => PatientPage::Declined { f_name, opening, stopped: false, others },
            ResponseStatus::DeclinedStopComm => PatientPage::Declined { f_name, opening, stopped: true, others },
            ResponseStatus::Viewed | ResponseStatus::PendingRsvp if offer.opening == OpeningState::Open => {
                PatientPage::Offer { f_name, opening, others }
            }
            ResponseStatus::ChoseDifferentSlot => PatientPage::Moved { f_name, opening },
            _ => PatientPage::Taken { f_name, opening, others },
        })
    }

    async fn opening_for_patient(&self, conn: &mut AnyConnection, prefs: &Preferences, offer: &PatientOfferRow) -> ServiceResult<OpeningForPatient> {
        let (office_name, office_phone) = match store::operatory(conn, offer.operatory_num).await? {
            Some(op) => office_identity(conn, &op, prefs).await?,
            None => (prefs.practice_title.clone(), prefs.practice_phone.clone()),
        };
        // How long the patient's own visit is, not the whole opening (which may be longer).
        let own = match offer.f_key_type {
            FKeyType::Recall => match store::recall(conn, offer.f_key).await? {
                Some(r) => store::recall_type(conn, r.recall_type_num)
                    .await?
                    .map(|t| app::domain::length::recall_minutes(&t.time_pattern, prefs.appointment_time_increment)),
                None => None,
            },
            _ => store::appointment(conn, offer.f_key).await?.map(|a| appointment_minutes(&a.pattern)),
        };
        let minutes = own.filter(|m| *m > 0 && *m <= offer.span.minutes()).unwrap_or_else(|| offer.span.minutes());
        Ok(OpeningForPatient { code: offer.short_guid.clone(), office_name, office_phone, start: offer.span.start, minutes })
    }

    async fn other_openings(
        &self,
        conn: &mut AnyConnection,
        prefs: &Preferences,
        offer: &PatientOfferRow,
        now: OdDateTime,
    ) -> ServiceResult<Vec<OpeningForPatient>> {
        let mut list = Vec::new();
        for other in store::open_offers_of_patient(conn, offer.pat_num, now, offer.asap_comm_num, OTHER_OPENINGS_SHOWN).await? {
            list.push(self.opening_for_patient(conn, prefs, &other).await?);
        }
        Ok(list)
    }
}

/// What an accepted offer moves into the slot.
struct ClaimTarget {
    apt: Option<Appointment>,
    recall_num: Option<i64>,
    pat_num: i64,
    pattern: app::model::TimePattern,
}

/// What stands in the way of the claimed appointment in its operatory, if anything. Only the
/// appointment's own length must be free; the opening may be longer.
async fn first_blocker_for(tx: &mut WriteTx, offer: &PatientOfferRow, target: &ClaimTarget) -> ServiceResult<Option<String>> {
    let Some(op) = store::operatory(tx, offer.operatory_num).await? else { return Ok(Some("the operatory is gone".into())) };
    let span = Span::starting_at(offer.span.start, appointment_minutes(&target.pattern));
    let own: Vec<i64> = target.apt.iter().filter(|a| occupies_time(a.apt_status)).map(|a| a.apt_num).collect();
    first_blocker(tx, &op, span, &own).await
}
