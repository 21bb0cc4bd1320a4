//! How an offer's statuses may change. Delivery reports and patient answers arrive out of
//! order, so a status only ever moves forward.

use crate::model::{ResponseStatus, SmsSendStatus};

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

#[cfg(test)]
mod tests {
    use super::*;

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
