//! The rest of an opening: when a claim takes only part of it (a 60-minute visit into a 90-minute
//! gap), the time left becomes a new opening with its own blockout, offered to the next patients
//! who fit it, in the claim's own transaction. A clinic can turn this off on the ASAP setup page.
//!
//! Who is asked comes from the same list and asking order the picker shows for that time: as
//! many patients as the opening was offered to, leaving out the winner and anyone who turned
//! this opening down. It is worked out inside the winning claim's transaction, so only the
//! winner of a race pays for it; each patient is then read again under the locks, and one no
//! longer on the list or no longer fitting is left out.
//!
//! The rest is not offered when another open opening already covers part of it, when something
//! in the book now blocks it, or when nobody fits: the time is simply free again, as before.

use super::offer::{OfferSetting, OfferTarget, Placed, Placing, candidate};
use super::{Actor, ServiceError, ServiceResult, Services};
use crate::store::{self, WriteTx};
use crate::store::answers::PatientOfferRow;
use app::domain::Span;
use app::domain::channels::SendMode;
use app::domain::slots::fits_opening;
use crate::store::templates::ClinicMessages;
use app::model::{OdDateTime, Preferences, ResponseStatus};
use app::view::access::actions;
use app::view::day::CandidateKey;
use sqlx::AnyConnection;

/// Who the rest of an opening goes to, and how.
pub(super) struct RestPlan {
    pub(super) rest: Span,
    targets: Vec<OfferTarget>,
    send_mode: SendMode,
    offered_by: String,
    setting: OfferSetting,
}

impl Services {
    /// The plan for the time `offer`'s claim would leave, when the clinic splits openings and
    /// the claimed visit is shorter than the opening. `visit_minutes`: the claimed visit's length.
    /// `prefs` and `clinic`: the office's settings and the clinic's messages, as the claim read them.
    pub(super) async fn plan_rest(
        &self,
        conn: &mut AnyConnection,
        offer: &PatientOfferRow,
        visit_minutes: i64,
        prefs: &Preferences,
        clinic: &ClinicMessages,
    ) -> ServiceResult<Option<RestPlan>> {
        let taken = Span::starting_at(offer.span.start, visit_minutes);
        let Some(rest) = app::domain::slots::rest_of_opening(offer.span, taken) else { return Ok(None) };
        if !clinic.split_openings {
            return Ok(None);
        }
        let setting = OfferSetting::read_with(conn, prefs.clone(), offer.operatory_num, clinic.message.clone()).await?;
        let Some(opening) = store::opening::opening(conn, offer.schedule_num).await? else { return Ok(None) };
        let answers = store::opening::answers_to(conn, offer.schedule_num).await?;
        let turned_down: Vec<i64> = answers
            .iter()
            .filter(|(_, r)| matches!(r, ResponseStatus::Declined | ResponseStatus::DeclinedStopComm))
            .map(|(p, _)| *p)
            .collect();
        let asked = answers.len().max(1);
        let fitting = self
            .fitting_in_asking_order(conn, setting.op.clinic_num, setting.op.operatory_num, rest, opening.send_mode, &setting.prefs)
            .await?;
        let targets = fitting
            .into_iter()
            .filter(|(_, pat_num)| *pat_num != offer.pat_num && !turned_down.contains(pat_num))
            .take(asked)
            .map(|(key, _)| match key {
                CandidateKey::Appointment(n) => OfferTarget::Appointment(n),
                CandidateKey::Recall(n) => OfferTarget::Recall(n),
            })
            .collect();
        Ok(Some(RestPlan { rest, targets, send_mode: opening.send_mode, offered_by: opening.offered_by, setting }))
    }

    /// Offers the time the claim left, in the claim's transaction (which holds the operatory's
    /// lock). `taken`: the winner's chair time. Returns the new opening, if one was placed.
    pub(super) async fn offer_the_rest(
        &self,
        tx: &mut WriteTx,
        offer: &PatientOfferRow,
        taken: Span,
        plan: RestPlan,
        now: OdDateTime,
    ) -> ServiceResult<Option<Placed>> {
        let Some(rest) = app::domain::slots::rest_of_opening(offer.span, taken).filter(|r| *r == plan.rest) else { return Ok(None) };
        let op = &plan.setting.op;
        if !store::opening::open_openings_overlapping(tx, op.operatory_num, rest).await?.is_empty() {
            tracing::info!(schedule_num = offer.schedule_num, "the rest of the opening is already offered");
            return Ok(None);
        }
        let mut candidates = Vec::with_capacity(plan.targets.len());
        for target in &plan.targets {
            match candidate(tx, *target, &plan.setting.prefs).await {
                Ok(c) if c.pat_num != offer.pat_num && fits_opening(c.minutes, rest.minutes()) => candidates.push(c),
                // Taken off the list, or changed, since the plan: not asked.
                Ok(_) | Err(ServiceError::NotFound(_) | ServiceError::BadRequest(_)) => {}
                Err(e) => return Err(e),
            }
        }
        if candidates.is_empty() {
            return Ok(None);
        }
        let placing = Placing {
            start: rest.start,
            end: Some(rest.end),
            send_mode: plan.send_mode,
            offered_by: &plan.offered_by,
            parent: offer.schedule_num,
        };
        // `place_offers` refuses a time that is not free before it writes anything: the claim
        // stands, and the time is simply free again.
        let placed = match self.place_offers(tx, &plan.setting, &placing, candidates, now).await {
            Ok(placed) => placed,
            Err(ServiceError::Conflict(why)) => {
                tracing::info!(schedule_num = offer.schedule_num, why, "the rest of the opening is not free");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let detail = format!(
            "opening {}: {} {}–{} in {}, the rest of opening {}, to {} {}",
            placed.schedule_num,
            rest.start.date(),
            app::domain::datetext::time_text(rest.start),
            app::domain::datetext::time_text(rest.end),
            op.op_name,
            offer.schedule_num,
            placed.created.len(),
            if placed.created.len() == 1 { "patient" } else { "patients" }
        );
        let actor = Actor { user_num: 0, name: "automatic, after a claim".into() };
        self.audit_in(tx, &actor, actions::OFFER_REST, &detail, op.clinic_num).await?;
        tracing::info!(schedule_num = placed.schedule_num, parent = offer.schedule_num, offers = placed.created.len(), "rest of an opening offered");
        Ok(Some(placed))
    }
}
