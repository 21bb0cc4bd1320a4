//! What a patient's answer on the claim page does to their offer. The opening's state decides
//! whether the answer can still take the time; the offer's status only ever moves forward.

use crate::model::{OdDateTime, OpeningState, ResponseStatus, SmsSendStatus};
use serde::{Deserialize, Serialize};

/// What the patient did on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PatientAnswer {
    Accept,
    Decline,
    /// "Don't offer me this appointment again."
    StopOffers,
}

impl PatientAnswer {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "accept" => Some(PatientAnswer::Accept),
            "decline" => Some(PatientAnswer::Decline),
            "stop" => Some(PatientAnswer::StopOffers),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PatientAnswer::Accept => "accept",
            PatientAnswer::Decline => "decline",
            PatientAnswer::StopOffers => "stop",
        }
    }
}

/// Still waiting for the patient: the text is out (or on its way) and they have not answered.
pub fn awaits_answer(response: ResponseStatus) -> bool {
    matches!(response, ResponseStatus::AwaitingTransmit | ResponseStatus::PendingRsvp | ResponseStatus::Viewed)
}

/// The patient can have received the link: it was sent, or its outcome is unknown.
pub fn link_may_have_reached(send: SmsSendStatus) -> bool {
    matches!(send, SmsSendStatus::SendSuccessful | SmsSendStatus::SentAwaitingReceipt)
}

/// The offer can still take its opening.
pub fn is_claimable(opening: OpeningState, response: ResponseStatus, send: SmsSendStatus) -> bool {
    opening == OpeningState::Open && awaits_answer(response) && link_may_have_reached(send)
}

/// How many of the patient's other open offers their page lists, soonest first: enough to choose
/// from, short enough to read on a phone, and the page costs the same however many offers a
/// patient has collected.
pub const OTHER_OPENINGS_SHOWN: i64 = 5;

/// Opening the link: `Viewed` while the opening is there, `ViewedNotAvailable` once it is gone.
/// None when the status stays as it is.
pub fn on_view(opening: OpeningState, response: ResponseStatus) -> Option<ResponseStatus> {
    match response {
        ResponseStatus::AwaitingTransmit | ResponseStatus::PendingRsvp if opening == OpeningState::Open => {
            Some(ResponseStatus::Viewed)
        }
        ResponseStatus::AwaitingTransmit | ResponseStatus::PendingRsvp | ResponseStatus::Viewed
            if opening != OpeningState::Open =>
        {
            Some(ResponseStatus::ViewedNotAvailable)
        }
        _ => None,
    }
}

/// The result of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// Accepted and the time is free: move the appointment in and close the opening.
    TakeTheSlot,
    /// Accepted, but the opening is gone (or its time was booked meanwhile).
    Taken,
    /// The new status to record.
    Record(ResponseStatus),
    /// Nothing changes: the offer already has this answer or a final one.
    AlreadyAnswered(ResponseStatus),
}

/// Decides what `answer` does. `time_is_free` is whether the opening's time is still free in
/// the operatory (checked under the operatory's lock by the caller).
pub fn on_answer(
    opening: OpeningState,
    response: ResponseStatus,
    send: SmsSendStatus,
    answer: PatientAnswer,
    time_is_free: bool,
) -> AnswerOutcome {
    match answer {
        PatientAnswer::Accept => {
            if is_claimable(opening, response, send) {
                if time_is_free { AnswerOutcome::TakeTheSlot } else { AnswerOutcome::Taken }
            } else if awaits_answer(response) || response == ResponseStatus::ViewedNotAvailable {
                AnswerOutcome::Taken
            } else {
                AnswerOutcome::AlreadyAnswered(response)
            }
        }
        PatientAnswer::Decline => {
            if awaits_answer(response) || response == ResponseStatus::ViewedNotAvailable {
                AnswerOutcome::Record(ResponseStatus::Declined)
            } else {
                AnswerOutcome::AlreadyAnswered(response)
            }
        }
        PatientAnswer::StopOffers => {
            // Saying "do not offer again" after a plain decline is allowed: it says more.
            if awaits_answer(response)
                || matches!(response, ResponseStatus::ViewedNotAvailable | ResponseStatus::Declined)
            {
                AnswerOutcome::Record(ResponseStatus::DeclinedStopComm)
            } else {
                AnswerOutcome::AlreadyAnswered(response)
            }
        }
    }
}

/// The offer's link no longer leads anywhere: the opening has started or the offer expired.
/// Such links get the same page as a link that never existed.
pub fn link_has_ended(now: OdDateTime, slot_start: OdDateTime, expire: OdDateTime) -> bool {
    now >= slot_start || (expire.known().is_some() && now >= expire)
}

/// Whether a patient may ask, from their offer page, to hear of earlier openings for this
/// appointment of theirs: one booked (Scheduled) and still ahead. Broken, unscheduled and planned
/// ones are the office's to put on the list; past ones are done.
pub fn may_ask_for_earlier(status: crate::model::AptStatus, start: OdDateTime, now: OdDateTime) -> bool {
    status == crate::model::AptStatus::Scheduled && start > now
}

/// At most this many later visits on the page: enough for any family's book, short on a phone.
pub const LATER_VISITS_SHOWN: i64 = 3;

#[cfg(test)]
mod tests {
    use super::*;
    use OpeningState::*;
    use ResponseStatus as R;
    use SmsSendStatus as S;

    #[test]
    fn states_round_trip() {
        for s in [Open, Filled, Withdrawn, Lapsed, Booked] {
            assert_eq!(OpeningState::from_i64(s.as_i64()), Some(s));
        }
        assert_eq!(OpeningState::from_i64(0), None);
    }

    #[test]
    fn viewing_marks_the_offer_seen_or_taken() {
        assert_eq!(on_view(Open, R::PendingRsvp), Some(R::Viewed));
        assert_eq!(on_view(Open, R::Viewed), None);
        assert_eq!(on_view(Filled, R::PendingRsvp), Some(R::ViewedNotAvailable));
        assert_eq!(on_view(Withdrawn, R::Viewed), Some(R::ViewedNotAvailable));
        assert_eq!(on_view(Open, R::Declined), None);
        assert_eq!(on_view(Filled, R::AcceptedAndMoved), None);
    }

    #[test]
    fn first_accept_takes_the_slot_later_ones_are_told_it_is_gone() {
        assert_eq!(on_answer(Open, R::Viewed, S::SendSuccessful, PatientAnswer::Accept, true), AnswerOutcome::TakeTheSlot);
        assert_eq!(on_answer(Open, R::PendingRsvp, S::SentAwaitingReceipt, PatientAnswer::Accept, true), AnswerOutcome::TakeTheSlot);
        assert_eq!(on_answer(Open, R::Viewed, S::SendSuccessful, PatientAnswer::Accept, false), AnswerOutcome::Taken);
        assert_eq!(on_answer(Filled, R::Viewed, S::SendSuccessful, PatientAnswer::Accept, true), AnswerOutcome::Taken);
        assert_eq!(on_answer(Filled, R::ViewedNotAvailable, S::SendSuccessful, PatientAnswer::Accept, true), AnswerOutcome::Taken);
        assert_eq!(
            on_answer(Filled, R::AcceptedAndMoved, S::SendSuccessful, PatientAnswer::Accept, false),
            AnswerOutcome::AlreadyAnswered(R::AcceptedAndMoved)
        );
        // A text that never went out cannot be answered into the slot.
        assert_eq!(on_answer(Open, R::AwaitingTransmit, S::SendNotAttempted, PatientAnswer::Accept, true), AnswerOutcome::Taken);
    }

    #[test]
    fn declines_are_recorded_and_stop_says_more() {
        assert_eq!(on_answer(Open, R::Viewed, S::SendSuccessful, PatientAnswer::Decline, true), AnswerOutcome::Record(R::Declined));
        assert_eq!(
            on_answer(Open, R::Declined, S::SendSuccessful, PatientAnswer::StopOffers, true),
            AnswerOutcome::Record(R::DeclinedStopComm)
        );
        assert_eq!(
            on_answer(Open, R::DeclinedStopComm, S::SendSuccessful, PatientAnswer::Decline, true),
            AnswerOutcome::AlreadyAnswered(R::DeclinedStopComm)
        );
        assert_eq!(
            on_answer(Filled, R::AcceptedAndMoved, S::SendSuccessful, PatientAnswer::Decline, true),
            AnswerOutcome::AlreadyAnswered(R::AcceptedAndMoved)
        );
    }

    #[test]
    fn claimable_needs_an_open_opening_a_sent_text_and_no_answer() {
        assert!(is_claimable(Open, R::PendingRsvp, S::SendSuccessful));
        assert!(!is_claimable(Open, R::PendingRsvp, S::SendFailed));
        assert!(!is_claimable(Open, R::Declined, S::SendSuccessful));
        assert!(!is_claimable(Lapsed, R::Viewed, S::SendSuccessful));
    }

    #[test]
    fn links_end_when_the_opening_starts_or_the_offer_expires() {
        let t = |s: &str| OdDateTime::parse(s).unwrap();
        let slot = t("2031-03-17 14:00:00");
        let expire = t("2031-03-24 14:00:00");
        assert!(!link_has_ended(t("2031-03-17 13:59:59"), slot, expire));
        assert!(link_has_ended(t("2031-03-17 14:00:00"), slot, expire));
        assert!(link_has_ended(t("2031-03-17 09:00:00"), slot, t("2031-03-17 09:00:00")));
        assert_eq!(PatientAnswer::parse("stop"), Some(PatientAnswer::StopOffers));
        assert_eq!(PatientAnswer::parse("maybe"), None);
    }

    #[test]
    fn only_a_booked_visit_still_ahead_can_be_put_on_the_list_by_the_patient() {
        use crate::model::AptStatus;
        let now = OdDateTime::parse("2031-03-17 09:00:00").unwrap();
        let later = OdDateTime::parse("2031-04-02 10:00:00").unwrap();
        assert!(may_ask_for_earlier(AptStatus::Scheduled, later, now));
        assert!(!may_ask_for_earlier(AptStatus::Scheduled, OdDateTime::parse("2031-03-16 10:00:00").unwrap(), now), "past");
        for other in [AptStatus::UnschedList, AptStatus::Broken, AptStatus::Planned, AptStatus::Complete] {
            assert!(!may_ask_for_earlier(other, later, now), "{other:?}");
        }
    }
}
