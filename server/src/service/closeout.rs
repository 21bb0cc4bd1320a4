//! Closing openings: filled by a patient, withdrawn by staff, started with nobody taking it, or
//! booked by the office another way. Every route removes the blockout, stops the texts still
//! queued, and leaves no offer that can take the time.

use super::offer::first_blocker;
use super::{Actor, ServiceError, ServiceResult, Services};
use app::view::access::actions;
use crate::store::{self, WriteTx};
use crate::store::opening::OpeningRow;
use crate::store::sending::OffersOf;
use app::model::OpeningState;
use app::domain::sending::closed_opening_note;
use app::domain::status::may_withdraw_offer;
use app::domain::datetext::time_text;
use app::model::{OdDateTime, ResponseStatus};

/// Closes one opening inside the caller's transaction. False when it was already closed.
pub(super) async fn close_opening_in(
    tx: &mut WriteTx,
    schedule_num: i64,
    state: OpeningState,
    now: OdDateTime,
    by: &str,
    winner: i64,
    apt_num: i64,
) -> ServiceResult<bool> {
    let closing = store::opening::Closing { state, at: now, by, winner, apt_num, taken_stop: OdDateTime::never() };
    close_in(tx, schedule_num, &closing).await
}

/// Closes one opening as filled by `winner`, whose appointment takes the chair until
/// `taken_stop`. False when it was already closed.
pub(super) async fn close_filled_in(
    tx: &mut WriteTx,
    schedule_num: i64,
    now: OdDateTime,
    winner: i64,
    apt_num: i64,
    taken_stop: OdDateTime,
) -> ServiceResult<bool> {
    let closing = store::opening::Closing { state: OpeningState::Filled, at: now, by: "", winner, apt_num, taken_stop };
    close_in(tx, schedule_num, &closing).await
}

async fn close_in(tx: &mut WriteTx, schedule_num: i64, closing: &store::opening::Closing<'_>) -> ServiceResult<bool> {
    let (state, now, winner) = (closing.state, closing.at, closing.winner);
    if !store::opening::close_opening(tx, schedule_num, closing).await? {
        return Ok(false);
    }
    store::book::delete_schedule(tx, schedule_num).await?;
    store::sending::cancel_queued_texts(tx, OffersOf::Opening(schedule_num), ResponseStatus::Failed, closed_opening_note(state)).await?;
    store::sending::cancel_queued_emails(tx, OffersOf::Opening(schedule_num), ResponseStatus::Failed, closed_opening_note(state)).await?;
    let at = time_text(now);
    let note = match state {
        OpeningState::Filled => format!("The opening was filled by another patient at {at}."),
        OpeningState::Withdrawn => format!("The office withdrew the opening at {at}."),
        OpeningState::Booked => format!("The office booked this time another way (noticed at {at})."),
        OpeningState::Lapsed | OpeningState::Open => "The opening started before anyone took it.".to_string(),
    };
    store::opening::note_unanswered_offers(tx, schedule_num, &note, winner).await?;
    Ok(true)
}

/// What one sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub lapsed: usize,
    pub expired: u64,
    pub released: u64,
    pub unknown: u64,
}

impl Services {
    /// Staff take an opening back: its texts still queued are not sent, the blockout goes, and
    /// its offers can no longer take the time.
    pub async fn withdraw_opening(&self, schedule_num: i64, by: &Actor, clinics: Option<&[i64]>) -> ServiceResult<OpeningRow> {
        let operatory = {
            let mut conn = self.store.pool().acquire().await?;
            let opening = store::opening::opening(&mut conn, schedule_num).await?;
            // Another clinic's opening is as unknown as one that never existed.
            match opening.filter(|o| clinics.is_none_or(|c| c.contains(&o.clinic_num))) {
                Some(o) => o.operatory_num,
                None => return Err(ServiceError::not_found(format!("Opening {schedule_num} does not exist."))),
            }
        };
        let mut tx = self.store.begin_write().await?;
        self.store.lock_operatory(&mut tx, operatory).await?;
        let prefs = store::office::preferences(&mut tx).await?;
        let now = self.clock.now(&prefs);
        let opening = store::opening::opening(&mut tx, schedule_num)
            .await?
            .ok_or_else(|| ServiceError::not_found(format!("Opening {schedule_num} does not exist.")))?;
        if opening.state != OpeningState::Open {
            return Err(ServiceError::Conflict(format!(
                "This opening can no longer be withdrawn: it is {} already.",
                opening.state.label().to_lowercase()
            )));
        }
        close_opening_in(&mut tx, schedule_num, OpeningState::Withdrawn, now, &by.name, 0, 0).await?;
        let detail = format!("opening {schedule_num}: {} {}", opening.span.start.date(), time_text(opening.span.start));
        self.audit_in(&mut tx, by, actions::WITHDRAW, &detail, opening.clinic_num).await?;
        let closed = store::opening::opening(&mut tx, schedule_num).await?.unwrap_or(opening);
        tx.commit().await?;
        tracing::info!(schedule_num, "opening withdrawn");
        Ok(closed)
    }

    /// Staff take back one patient's offer: the patient's link no longer takes the time, what is
    /// still queued for them is not sent, and the opening stays offered to the others.
    pub async fn withdraw_offer(&self, asap_comm_num: i64, by: &Actor, clinics: Option<&[i64]>) -> ServiceResult<String> {
        let unknown = || ServiceError::not_found(format!("Offer {asap_comm_num} does not exist."));
        let operatory = {
            let mut conn = self.store.pool().acquire().await?;
            let offer = store::answers::offer_by_num(&mut conn, asap_comm_num).await?;
            // Another clinic's offer is as unknown as one that never existed.
            offer.filter(|o| clinics.is_none_or(|c| c.contains(&o.clinic_num))).ok_or_else(unknown)?.operatory_num
        };
        let mut tx = self.store.begin_write().await?;
        // The operatory's lock keeps a claim from taking the time while the offer is withdrawn.
        self.store.lock_operatory(&mut tx, operatory).await?;
        let prefs = store::office::preferences(&mut tx).await?;
        let now = self.clock.now(&prefs);
        let offer = store::answers::offer_by_num(&mut tx, asap_comm_num).await?.ok_or_else(unknown)?;
        may_withdraw_offer(offer.response_status, offer.opening).map_err(|why| ServiceError::Conflict(why.to_string()))?;
        let note = format!("{} withdrew this offer at {}: the patient's link no longer books this time.", by.name, time_text(now));
        let done = store::answers::withdraw_offer(&mut tx, asap_comm_num, offer.response_status, &by.name, now, &note).await?;
        if !done {
            return Err(ServiceError::Conflict("The patient answered this offer a moment ago. Read the page again to see how.".into()));
        }
        store::sending::cancel_queued_texts(&mut tx, OffersOf::One(asap_comm_num), ResponseStatus::Expired, &note).await?;
        store::sending::cancel_queued_emails(&mut tx, OffersOf::One(asap_comm_num), ResponseStatus::Expired, &note).await?;
        let when = format!("{} {}", offer.span.start.date(), time_text(offer.span.start));
        let detail = format!("offer {asap_comm_num} to patient {} for the opening at {when}", offer.pat_num);
        self.audit_in(&mut tx, by, actions::WITHDRAW_OFFER, &detail, offer.clinic_num).await?;
        tx.commit().await?;
        tracing::info!(asap_comm_num, "offer withdrawn");
        Ok(format!("Withdrew {}'s offer for {}.", offer.f_name, app::domain::datetext::when(offer.span.start)))
    }

    /// Openings that have started are closed; offers past DateTimeExpire expire; texts whose
    /// sender stopped mid-way are recovered. Safe to run from several processes at once.
    pub async fn sweep(&self) -> ServiceResult<SweepReport> {
        let mut report = SweepReport::default();
        let (released, unknown) = self.recover_interrupted_sends().await?;
        report.released = released;
        report.unknown = unknown;
        let prefs = self.prefs().await?;
        loop {
            let now = self.clock.now(&prefs);
            let mut tx = self.store.begin_write().await?;
            let started = store::opening::started_open_openings(&mut tx, now, 100).await?;
            let batch = started.len();
            for opening in started {
                self.store.lock_operatory(&mut tx, opening.operatory_num).await?;
                if close_opening_in(&mut tx, opening.schedule_num, OpeningState::Lapsed, now, "", 0, 0).await? {
                    report.lapsed += 1;
                }
            }
            report.expired += store::answers::expire_offers(&mut tx, now).await?;
            tx.commit().await?;
            if batch < 100 {
                break;
            }
        }
        self.tidy_counts_and_changes().await?;
        crate::telemetry::openings_lapsed(report.lapsed);
        if report.lapsed > 0 || report.expired > 0 {
            tracing::info!(lapsed = report.lapsed, expired = report.expired, "openings and offers closed out");
        }
        Ok(report)
    }
}

impl Services {
    /// Folds the history's count deltas, and forgets changes older than an hour.
    pub async fn tidy_counts_and_changes(&self) -> ServiceResult<()> {
        let mut tx = self.store.begin_write().await?;
        self.store.lock_counts(&mut tx).await?;
        store::changes::fold_count_deltas(&mut tx, self.store.backend()).await?;
        store::changes::prune_changes(&mut tx, self.clock.unix_now() - 3600).await?;
        store::access::prune_api_rates(&mut tx, self.clock.unix_now() - 60).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// After office data changed (an import): every open opening whose time is no longer free is
/// closed as booked by the office, in the same transaction as the change.
pub async fn close_booked_openings(tx: &mut WriteTx, now: OdDateTime) -> ServiceResult<usize> {
    let mut closed = 0;
    let blockout_types = store::office::blockout_types(tx).await?;
    for opening in store::opening::all_open_openings(tx).await? {
        let Some(op) = store::office::operatory(tx, opening.operatory_num).await? else {
            close_opening_in(tx, opening.schedule_num, OpeningState::Booked, now, "", 0, 0).await?;
            closed += 1;
            continue;
        };
        if first_blocker(tx, &op, opening.span, &[], &blockout_types).await?.is_some() {
            close_opening_in(tx, opening.schedule_num, OpeningState::Booked, now, "", 0, 0).await?;
            closed += 1;
        }
    }
    Ok(closed)
}
