//! How an offer's statuses may change. Delivery reports and patient answers arrive out of
//! order, so a status only ever moves forward.

use crate::model::{OpeningState, ResponseStatus, SmsSendStatus};

fn send_rank(s: SmsSendStatus) -> u8 {
    match s {
        SmsSendStatus::DoNotSend => 0,
        SmsSendStatus::SendNotAttempted => 1,
        SmsSendStatus::SentAwaitingReceipt => 2,
        SmsSendStatus::SendSuccessful | SmsSendStatus::SendFailed => 3,
    }
}

/// A send status may advance, never go back; `DoNotSend` is final.
pub fn send_status_may_move(from: SmsSendStatus, to: SmsSendStatus) -> bool {
    from != SmsSendStatus::DoNotSend && send_rank(to) > send_rank(from)
}

/// True once the offer has an outcome nothing can change.
pub fn is_closed(s: ResponseStatus) -> bool {
    matches!(
        s,
        ResponseStatus::UnableToSend
            | ResponseStatus::ViewedNotAvailable
            | ResponseStatus::AcceptedAndMoved
            | ResponseStatus::AcceptedAndNotAvailable
            | ResponseStatus::Declined
            | ResponseStatus::ChoseDifferentSlot
            | ResponseStatus::Expired
            | ResponseStatus::Failed
            | ResponseStatus::DeclinedStopComm
    )
}

fn response_rank(s: ResponseStatus) -> u8 {
    match s {
        ResponseStatus::AwaitingTransmit => 0,
        ResponseStatus::PendingRsvp => 1,
        ResponseStatus::Viewed => 2,
        _ => 3,
    }
}

/// Open statuses move forward (Sending → Sent → Viewed → an outcome); closed ones never move.
pub fn response_may_move(from: ResponseStatus, to: ResponseStatus) -> bool {
    !is_closed(from) && response_rank(to) > response_rank(from)
}

/// Still waiting for the patient: may be closed when the opening is filled, withdrawn or expires.
pub fn is_pending(s: ResponseStatus) -> bool {
    !is_closed(s)
}

/// Why staff cannot take back one patient's offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferNotWithdrawable {
    /// The patient answered it (or it ended another way): its outcome stands.
    Answered(ResponseStatus),
    /// Its opening is no longer open: nothing is left to take back.
    OpeningClosed(OpeningState),
}

impl std::fmt::Display for OfferNotWithdrawable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OfferNotWithdrawable::Answered(s) => {
                write!(f, "This offer can no longer be withdrawn: it is \"{}\" already.", s.label())
            }
            OfferNotWithdrawable::OpeningClosed(s) => {
                let state = match s {
                    OpeningState::Filled => "filled",
                    OpeningState::Withdrawn => "withdrawn",
                    OpeningState::Lapsed => "past",
                    OpeningState::Booked => "booked by the office",
                    OpeningState::Open => "open",
                };
                write!(f, "This offer can no longer be withdrawn: its opening is {state} already.")
            }
        }
    }
}

/// Staff may take back one patient's offer while the patient has not answered it and its
/// opening is still open; the opening stays offered to the others.
pub fn may_withdraw_offer(response: ResponseStatus, opening: OpeningState) -> Result<(), OfferNotWithdrawable> {
    if is_closed(response) {
        return Err(OfferNotWithdrawable::Answered(response));
    }
    if opening != OpeningState::Open {
        return Err(OfferNotWithdrawable::OpeningClosed(opening));
    }
    Ok(())
}

/// An offer for an opening that keeps the same appointment or recall from being offered that
/// opening again: one still waiting for the patient (a second would text them twice about one
/// time) or one they turned down. One that never reached them, or that staff took back, does not.
pub fn rules_out_another_offer(s: ResponseStatus) -> bool {
    is_pending(s) || matches!(s, ResponseStatus::Declined | ResponseStatus::DeclinedStopComm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opening_is_offered_once_to_each_appointment_unless_the_offer_never_reached() {
        use ResponseStatus::*;
        for blocks in [AwaitingTransmit, PendingRsvp, Viewed, Declined, DeclinedStopComm] {
            assert!(rules_out_another_offer(blocks), "{blocks:?}");
        }
        for again in [UnableToSend, Failed, Expired] {
            assert!(!rules_out_another_offer(again), "{again:?}: may be offered again");
        }
    }

    #[test]
    fn only_an_unanswered_offer_of_an_open_opening_can_be_withdrawn() {
        for waiting in [ResponseStatus::AwaitingTransmit, ResponseStatus::PendingRsvp, ResponseStatus::Viewed] {
            assert_eq!(may_withdraw_offer(waiting, OpeningState::Open), Ok(()));
            assert_eq!(
                may_withdraw_offer(waiting, OpeningState::Filled),
                Err(OfferNotWithdrawable::OpeningClosed(OpeningState::Filled))
            );
        }
        for answered in [ResponseStatus::Declined, ResponseStatus::AcceptedAndMoved, ResponseStatus::Expired, ResponseStatus::UnableToSend] {
            assert_eq!(may_withdraw_offer(answered, OpeningState::Open), Err(OfferNotWithdrawable::Answered(answered)));
        }
        assert_eq!(
            may_withdraw_offer(ResponseStatus::Declined, OpeningState::Open).unwrap_err().to_string(),
            "This offer can no longer be withdrawn: it is \"Declined time slot\" already."
        );
    }

    #[test]
    fn send_status_moves_forward_only() {
        assert!(send_status_may_move(SmsSendStatus::SendNotAttempted, SmsSendStatus::SentAwaitingReceipt));
        assert!(send_status_may_move(SmsSendStatus::SentAwaitingReceipt, SmsSendStatus::SendSuccessful));
        assert!(send_status_may_move(SmsSendStatus::SendNotAttempted, SmsSendStatus::SendFailed));
        assert!(!send_status_may_move(SmsSendStatus::SendSuccessful, SmsSendStatus::SentAwaitingReceipt));
        assert!(!send_status_may_move(SmsSendStatus::SendSuccessful, SmsSendStatus::SendFailed));
        assert!(!send_status_may_move(SmsSendStatus::DoNotSend, SmsSendStatus::SendSuccessful));
    }

    #[test]
    fn response_moves_forward_and_outcomes_are_final() {
        assert!(response_may_move(ResponseStatus::AwaitingTransmit, ResponseStatus::PendingRsvp));
        assert!(response_may_move(ResponseStatus::PendingRsvp, ResponseStatus::Viewed));
        assert!(response_may_move(ResponseStatus::Viewed, ResponseStatus::AcceptedAndMoved));
        assert!(response_may_move(ResponseStatus::PendingRsvp, ResponseStatus::Expired));
        assert!(!response_may_move(ResponseStatus::Viewed, ResponseStatus::PendingRsvp));
        assert!(!response_may_move(ResponseStatus::AcceptedAndMoved, ResponseStatus::Declined));
        assert!(!response_may_move(ResponseStatus::UnableToSend, ResponseStatus::PendingRsvp));
        assert!(is_pending(ResponseStatus::Viewed));
        assert!(!is_pending(ResponseStatus::Expired));
    }
}
