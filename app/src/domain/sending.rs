//! The checks made at the moment a queued text is due: the opening must still be open, the
//! patient still reachable, the office inside its texting hours, the opening at least 30 minutes
//! away, and the patient under the daily limit. A text that cannot go yet is rescheduled (with a
//! Note saying when and why), never dropped; one that can never go is closed with a reason.

use super::SendWindow;
use super::send_window::Elapsed;
use crate::model::OpeningState;
use super::channels::{NotEmailable, email_reachable};
use super::offer::{MIN_LEAD_MINUTES, NotTextable, Timing, text_reachable};
use super::datetext::{short_day, time_text};
use crate::model::{OdDateTime, ResponseStatus, SmsSendStatus, TxtMsgOk};

/// Where a due message goes, with what the channel's own rules read.
#[derive(Clone, Debug)]
pub enum DueTo<'a> {
    Text { wireless_phone: &'a str, txt_msg_ok: TxtMsgOk, opt_out_sms: i64 },
    Email { email: &'a str, opt_out_email: i64 },
}

impl DueTo<'_> {
    /// Why the channel cannot reach the patient, as the Note; None when it can. The same rule
    /// as when the offer was made: opt-outs and addresses may have changed since.
    fn unreachable(&self) -> Option<String> {
        match self {
            DueTo::Text { wireless_phone, txt_msg_ok, opt_out_sms } => {
                text_reachable(wireless_phone, *txt_msg_ok, *opt_out_sms).err().map(|why| why.note())
            }
            DueTo::Email { email, opt_out_email } => email_reachable(email, *opt_out_email).err().map(|why| why.note()),
        }
    }

    /// The Note for a message its timing stops, in its channel's words.
    fn timing_note(&self, why: Timing) -> String {
        match self {
            DueTo::Text { .. } => NotTextable::from(why).note(),
            DueTo::Email { .. } => NotEmailable::from(why).note(),
        }
    }

    fn plural(&self) -> &'static str {
        match self {
            DueTo::Text { .. } => "texts",
            DueTo::Email { .. } => "emails",
        }
    }
}

/// Everything the send-time check reads, gathered by the sender.
#[derive(Clone, Debug)]
pub struct DueText<'a> {
    pub opening: OpeningState,
    pub slot_start: OdDateTime,
    pub to: DueTo<'a>,
    /// ASAP messages of this channel already sent (or being sent) to the patient on the
    /// office's today.
    pub sent_today: i64,
    pub limit: i64,
}

/// What to do with a due text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendDecision {
    SendNow,
    /// Not yet: due again at `until`, with this Note.
    Wait { until: OdDateTime, note: String },
    /// Never: close the offer with these statuses and Note.
    Cancel { send: SmsSendStatus, response: ResponseStatus, note: String },
}

/// Open Dental's Note when a queued text is dropped because the opening was filled.
pub const TAKEN_NOTE: &str = "Not sending because the time slot has been taken by another appointment.";

/// Why a queued text of an opening that is no longer open will not go out.
pub fn closed_opening_note(state: OpeningState) -> &'static str {
    match state {
        OpeningState::Filled | OpeningState::Booked => TAKEN_NOTE,
        OpeningState::Withdrawn => "Not sending because the office withdrew the opening.",
        OpeningState::Lapsed | OpeningState::Open => "Not sending because the opening started before the text could go out.",
    }
}

/// A booking's confirmation goes at once, whatever the hour (the patient has just booked) and
/// outside the daily limit (it is not an offer); only a patient the channel cannot reach, or who
/// opted out of it, gets none.
pub fn decide_confirmation(to: &DueTo<'_>) -> SendDecision {
    match to.unreachable() {
        None => SendDecision::SendNow,
        Some(note) => SendDecision::Cancel { send: SmsSendStatus::DoNotSend, response: ResponseStatus::AcceptedAndMoved, note },
    }
}

pub fn decide_send(text: &DueText<'_>, now: OdDateTime, window: &SendWindow, elapsed: &dyn Elapsed) -> SendDecision {
    let cancel = |response: ResponseStatus, note: String| SendDecision::Cancel { send: SmsSendStatus::DoNotSend, response, note };
    if text.opening != OpeningState::Open {
        return cancel(ResponseStatus::Failed, closed_opening_note(text.opening).into());
    }
    if let Some(note) = text.to.unreachable() {
        return cancel(ResponseStatus::UnableToSend, note);
    }
    let unable = |why: Timing| cancel(ResponseStatus::UnableToSend, text.to.timing_note(why));
    let too_soon = |at: OdDateTime| elapsed.minutes_between(at, text.slot_start) < MIN_LEAD_MINUTES;
    let send_at = window.next_allowed(now);
    if too_soon(send_at) {
        return unable(Timing::TooSoon { send_at });
    }
    if text.sent_today >= text.limit {
        let tomorrow = window.next_allowed(now.date().add_days(1).start());
        if too_soon(tomorrow) {
            return unable(Timing::DailyLimit { limit: text.limit, day: now.date() });
        }
        return SendDecision::Wait {
            until: tomorrow,
            note: format!(
                "The patient has had the limit of {} ASAP {} today: will go {} at {}.",
                text.limit,
                text.to.plural(),
                short_day(tomorrow.date()),
                time_text(tomorrow)
            ),
        };
    }
    if send_at != now {
        return SendDecision::Wait { until: send_at, note: super::waves::waiting_note(send_at, window) };
    }
    SendDecision::SendNow
}

/// The "gap gone" notice: once an opening is filled, a patient who was texted about it and has
/// not answered is told, once, that it was taken and that they stay on the list. It is an ASAP
/// text like the offer: it goes only inside the texting hours and counts toward the daily limit,
/// and one that cannot go the same day is dropped (by tomorrow it would be news to nobody).
pub fn decide_notice(to: &DueTo<'_>, sent_today: i64, limit: i64, now: OdDateTime, window: &SendWindow) -> SendDecision {
    let cancel = |note: String| SendDecision::Cancel { send: SmsSendStatus::DoNotSend, response: ResponseStatus::Failed, note };
    if let Some(note) = to.unreachable() {
        return cancel(note);
    }
    if sent_today >= limit {
        return cancel(format!("Not sending: the patient has had the limit of {limit} ASAP texts today."));
    }
    let send_at = window.next_allowed(now);
    if send_at <= now {
        SendDecision::SendNow
    } else if send_at.date() == now.date() {
        SendDecision::Wait { until: send_at, note: format!("Waiting for the texting hours: will go at {}.", time_text(send_at)) }
    } else {
        cancel("Not sending: the texting hours are over for today, and tomorrow the news is stale.".into())
    }
}

/// The notice's words: short, and nothing to answer.
pub fn gap_gone_text(office_name: &str, start: OdDateTime) -> String {
    format!(
        "{office_name}: the {} {} opening we texted you about has been taken. You stay on our list for the next one; no need to reply.",
        short_day(start.date()),
        time_text(start)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CommOptOut, OdTime};
    use crate::domain::send_window::WallMinutes;

    fn dt(s: &str) -> OdDateTime {
        OdDateTime::parse(s).unwrap()
    }

    fn window() -> SendWindow {
        SendWindow::new(OdTime::parse("08:00:00").unwrap(), OdTime::parse("21:00:00").unwrap())
    }

    fn due() -> DueText<'static> {
        DueText {
            opening: OpeningState::Open,
            slot_start: dt("2031-03-17 14:00:00"),
            to: DueTo::Text { wireless_phone: "(555) 201-0101", txt_msg_ok: TxtMsgOk::Yes, opt_out_sms: 0 },
            sent_today: 0,
            limit: 2,
        }
    }

    fn due_email(email: &'static str, opt_out_email: i64) -> DueText<'static> {
        DueText { to: DueTo::Email { email, opt_out_email }, ..due() }
    }

    #[test]
    fn an_email_follows_the_same_rules_in_its_own_words() {
        let now = dt("2031-03-17 10:00:00");
        assert_eq!(decide_send(&due_email("ann@example.com", 0), now, &window(), &WallMinutes), SendDecision::SendNow);
        for (text, why) in [
            (due_email("ann@example.com", CommOptOut::ALL), NotEmailable::OptedOut),
            (due_email("ann@", 0), NotEmailable::NoAddress),
        ] {
            assert_eq!(
                decide_send(&text, now, &window(), &WallMinutes),
                SendDecision::Cancel { send: SmsSendStatus::DoNotSend, response: ResponseStatus::UnableToSend, note: why.note() }
            );
        }
        // A text opt-out does not stop an email, and the email's limit counts emails.
        let limited = DueText { sent_today: 2, slot_start: dt("2031-03-19 14:00:00"), ..due_email("ann@example.com", 0) };
        match decide_send(&limited, now, &window(), &WallMinutes) {
            SendDecision::Wait { note, .. } => assert!(note.contains("limit of 2 ASAP emails today"), "{note}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_due_text_in_hours_goes_now() {
        assert_eq!(decide_send(&due(), dt("2031-03-17 10:00:00"), &window(), &WallMinutes), SendDecision::SendNow);
    }

    #[test]
    fn outside_the_window_it_waits_and_says_until_when() {
        let text = DueText { slot_start: dt("2031-03-18 14:00:00"), ..due() };
        match decide_send(&text, dt("2031-03-17 21:30:00"), &window(), &WallMinutes) {
            SendDecision::Wait { until, note } => {
                assert_eq!(until, dt("2031-03-18 08:00:00"));
                assert_eq!(note, "Waiting for texting hours (8:00 AM–9:00 PM): will go Tue 03/18 at 8:00 AM.");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_daily_limit_moves_it_to_tomorrow_or_closes_it() {
        let text = DueText { sent_today: 2, slot_start: dt("2031-03-19 14:00:00"), ..due() };
        assert!(matches!(
            decide_send(&text, dt("2031-03-17 10:00:00"), &window(), &WallMinutes),
            SendDecision::Wait { until, .. } if until == dt("2031-03-18 08:00:00")
        ));
        let today_only = DueText { sent_today: 2, ..due() };
        match decide_send(&today_only, dt("2031-03-17 10:00:00"), &window(), &WallMinutes) {
            SendDecision::Cancel { send, response, note } => {
                assert_eq!((send, response), (SmsSendStatus::DoNotSend, ResponseStatus::UnableToSend));
                assert!(note.contains("limit of 2 ASAP texts"), "{note}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn too_close_to_the_opening_never_goes() {
        let d = decide_send(&due(), dt("2031-03-17 13:31:00"), &window(), &WallMinutes);
        assert!(matches!(d, SendDecision::Cancel { response: ResponseStatus::UnableToSend, .. }), "{d:?}");
        assert_eq!(decide_send(&due(), dt("2031-03-17 13:30:00"), &window(), &WallMinutes), SendDecision::SendNow);
    }

    #[test]
    fn a_closed_opening_or_an_opt_out_cancels() {
        for (state, note) in [
            (OpeningState::Filled, TAKEN_NOTE),
            (OpeningState::Withdrawn, "Not sending because the office withdrew the opening."),
        ] {
            let text = DueText { opening: state, ..due() };
            assert_eq!(
                decide_send(&text, dt("2031-03-17 10:00:00"), &window(), &WallMinutes),
                SendDecision::Cancel { send: SmsSendStatus::DoNotSend, response: ResponseStatus::Failed, note: note.into() }
            );
        }
        let stopped = DueText { to: DueTo::Text { wireless_phone: "(555) 201-0101", txt_msg_ok: TxtMsgOk::Yes, opt_out_sms: CommOptOut::ALL }, ..due() };
        assert_eq!(
            decide_send(&stopped, dt("2031-03-17 10:00:00"), &window(), &WallMinutes),
            SendDecision::Cancel {
                send: SmsSendStatus::DoNotSend,
                response: ResponseStatus::UnableToSend,
                note: NotTextable::OptedOut.note()
            }
        );
    }

    /// On the night clocks spring forward, 1:50 AM to 3:10 AM is 20 real minutes, not 80.
    struct SpringForward;
    impl Elapsed for SpringForward {
        fn minutes_between(&self, from: OdDateTime, to: OdDateTime) -> i64 {
            from.minutes_until(to) - 60
        }
    }

    #[test]
    fn the_lead_time_is_real_time_across_a_clock_change() {
        let off = SendWindow::new(OdTime::parse("00:00:00").unwrap(), OdTime::parse("00:00:00").unwrap());
        let text = DueText { slot_start: dt("2031-03-09 03:10:00"), ..due() };
        let now = dt("2031-03-09 01:50:00");
        assert_eq!(decide_send(&text, now, &off, &WallMinutes), SendDecision::SendNow);
        assert!(matches!(decide_send(&text, now, &off, &SpringForward), SendDecision::Cancel { .. }));
    }

    #[test]
    fn the_gap_gone_notice_goes_once_in_hours_within_the_limit() {
        use crate::model::OdTime;
        let t = |s: &str| OdDateTime::parse(s).unwrap();
        let window = SendWindow::new(OdTime::parse("08:00:00").unwrap(), OdTime::parse("21:00:00").unwrap());
        let to = DueTo::Text { wireless_phone: "5035550100", txt_msg_ok: TxtMsgOk::Yes, opt_out_sms: 0 };
        assert_eq!(decide_notice(&to, 1, 2, t("2031-03-17 10:00:00"), &window), SendDecision::SendNow);
        assert!(matches!(decide_notice(&to, 2, 2, t("2031-03-17 10:00:00"), &window), SendDecision::Cancel { .. }), "the daily limit");
        assert!(matches!(decide_notice(&to, 0, 2, t("2031-03-17 07:30:00"), &window), SendDecision::Wait { until, .. } if until == t("2031-03-17 08:00:00")));
        assert!(matches!(decide_notice(&to, 0, 2, t("2031-03-17 21:30:00"), &window), SendDecision::Cancel { .. }), "not the next day");
        let opted_out = DueTo::Text { wireless_phone: "5035550100", txt_msg_ok: TxtMsgOk::Yes, opt_out_sms: 1 };
        assert!(matches!(decide_notice(&opted_out, 0, 2, t("2031-03-17 10:00:00"), &window), SendDecision::Cancel { .. }));
        assert_eq!(
            gap_gone_text("Northside Dental", t("2031-03-17 14:00:00")),
            "Northside Dental: the Mon 03/17 2:00 PM opening we texted you about has been taken. You stay on our list for the next one; no need to reply."
        );
    }
}
