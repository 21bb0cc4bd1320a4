//! The rules that shape one AsapComm: what it points at, when it expires, and whether and when
//! its text may be sent.

use super::SendWindow;
use crate::model::{AptStatus, CommOptOut, FKeyType, OdDate, OdDateTime, TxtMsgOk, WirelessPhone};

/// An offer expires a week after the opening starts.
pub const EXPIRY_DAYS: i64 = 7;

/// A text must reach the patient at least this long before the opening starts.
pub const MIN_LEAD_MINUTES: i64 = 30;

pub fn fkey_type_for_appointment(status: AptStatus) -> FKeyType {
    match status {
        AptStatus::Scheduled => FKeyType::ScheduledAppt,
        AptStatus::UnschedList => FKeyType::UnscheduledAppt,
        AptStatus::Broken => FKeyType::Broken,
        _ => FKeyType::PlannedAppt,
    }
}

pub fn expiry(slot_start: OdDateTime) -> OdDateTime {
    slot_start.plus_minutes(EXPIRY_DAYS * 24 * 60)
}

/// The original time of what is being moved: the appointment's time, or the recall's due date at midnight.
pub fn recall_orig(date_due: OdDate) -> OdDateTime {
    date_due.start()
}

/// Everything the texting decision looks at, gathered by the caller.
#[derive(Clone, Debug)]
pub struct TextingFacts<'a> {
    pub wireless_phone: &'a str,
    pub txt_msg_ok: TxtMsgOk,
    /// CommOptOut.OptOutSms flags; 0 when the patient has no opt-out row.
    pub opt_out_sms: i64,
    /// The patient answered an earlier offer for the same appointment or recall with "stop".
    pub declined_stop_before: bool,
    /// ASAP texts already scheduled or sent to this patient on the day this one would go out.
    pub texts_that_day: i64,
    pub text_limit: i64,
    pub slot_start: OdDateTime,
}

/// Why an offer is recorded without a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotTextable {
    OptedOut,
    TextingRefused,
    NoWirelessPhone,
    DeclinedBefore,
    TooSoon { send_at: OdDateTime },
    DailyLimit { limit: i64, day: OdDate },
}

impl NotTextable {
    /// The AsapComm Note, in plain words.
    pub fn note(&self) -> String {
        match self {
            NotTextable::OptedOut => {
                "Not sending text because the patient has opted out of automated messaging.".into()
            }
            NotTextable::TextingRefused => {
                "Not sending text because the patient does not allow text messages.".into()
            }
            NotTextable::NoWirelessPhone => {
                "Not sending text because the patient does not have a valid wireless phone number.".into()
            }
            NotTextable::DeclinedBefore => {
                "Not sending text because the patient asked not to be contacted about this appointment again.".into()
            }
            NotTextable::TooSoon { send_at } => format!(
                "Not sending text because the time slot starts less than {MIN_LEAD_MINUTES} minutes after the text could be sent ({}).",
                super::datetext::when(*send_at)
            ),
            NotTextable::DailyLimit { limit, day } => format!(
                "Not sending text because the patient has already been sent the limit of {limit} ASAP texts for {}.",
                super::datetext::date_text(*day)
            ),
        }
    }
}

impl NotTextable {
    /// A few words for the send details: why this patient gets no text.
    pub fn short(&self) -> &'static str {
        match self {
            NotTextable::OptedOut => "opted out of texts",
            NotTextable::TextingRefused => "does not accept texts",
            NotTextable::NoWirelessPhone => "no mobile number",
            NotTextable::DeclinedBefore => "asked not to be contacted about this appointment",
            NotTextable::TooSoon { .. } => "too close to the opening to text",
            NotTextable::DailyLimit { .. } => "reached today's text limit",
        }
    }
}

/// Decides whether the offer is texted. On success gives the moment the text is due:
/// `now`, moved into the allowed hours.
pub fn texting_decision(
    facts: &TextingFacts<'_>,
    now: OdDateTime,
    window: &SendWindow,
) -> Result<OdDateTime, NotTextable> {
    text_reachable(facts.wireless_phone, facts.txt_msg_ok, facts.opt_out_sms)?;
    offer_timing(facts.declined_stop_before, now, window, facts.slot_start, facts.texts_that_day, facts.text_limit)
        .map_err(NotTextable::from)
}

/// Whether a text can reach the patient at all: no opt-out of ASAP texts, texting allowed, and
/// a number a text can go to. Checked when offering and again when the text is due.
pub fn text_reachable(wireless_phone: &str, txt_msg_ok: TxtMsgOk, opt_out_sms: i64) -> Result<(), NotTextable> {
    if opt_out_sms & (CommOptOut::ALL | CommOptOut::WEB_SCHED_ASAP) != 0 {
        return Err(NotTextable::OptedOut);
    }
    if txt_msg_ok == TxtMsgOk::No {
        return Err(NotTextable::TextingRefused);
    }
    if WirelessPhone::parse(wireless_phone).is_none() {
        return Err(NotTextable::NoWirelessPhone);
    }
    Ok(())
}

impl From<Timing> for NotTextable {
    fn from(t: Timing) -> Self {
        match t {
            Timing::DeclinedBefore => NotTextable::DeclinedBefore,
            Timing::TooSoon { send_at } => NotTextable::TooSoon { send_at },
            Timing::DailyLimit { limit, day } => NotTextable::DailyLimit { limit, day },
        }
    }
}

/// Why a reachable patient's message still cannot go, the same for every channel.
pub(super) enum Timing {
    DeclinedBefore,
    TooSoon { send_at: OdDateTime },
    DailyLimit { limit: i64, day: OdDate },
}

/// What every channel checks once the patient can be reached: no "stop" for this appointment, the
/// lead time before the opening, and the day's limit (`sent_that_day` counted per channel). On
/// success, when the message is due: `now`, moved into the messaging hours.
pub(super) fn offer_timing(
    declined_stop_before: bool,
    now: OdDateTime,
    window: &SendWindow,
    slot_start: OdDateTime,
    sent_that_day: i64,
    limit: i64,
) -> Result<OdDateTime, Timing> {
    if declined_stop_before {
        return Err(Timing::DeclinedBefore);
    }
    let send_at = window.next_allowed(now);
    if send_at.minutes_until(slot_start) < MIN_LEAD_MINUTES {
        return Err(Timing::TooSoon { send_at });
    }
    if sent_that_day >= limit {
        return Err(Timing::DailyLimit { limit, day: send_at.date() });
    }
    Ok(send_at)
}

/// The day whose texts count against the daily limit: the day this text would go out.
pub fn limit_day(now: OdDateTime, window: &SendWindow) -> OdDate {
    window.next_allowed(now).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OdTime;

    fn dt(s: &str) -> OdDateTime {
        OdDateTime::parse(s).unwrap()
    }

    fn window() -> SendWindow {
        SendWindow::new(OdTime::parse("08:00:00").unwrap(), OdTime::parse("21:00:00").unwrap())
    }

    fn textable() -> TextingFacts<'static> {
        TextingFacts {
            wireless_phone: "(555) 201-0101",
            txt_msg_ok: TxtMsgOk::Yes,
            opt_out_sms: 0,
            declined_stop_before: false,
            texts_that_day: 0,
            text_limit: 2,
            slot_start: dt("2031-03-17 14:00:00"),
        }
    }

    #[test]
    fn fkey_type_follows_the_appointment_status() {
        assert_eq!(fkey_type_for_appointment(AptStatus::Scheduled), FKeyType::ScheduledAppt);
        assert_eq!(fkey_type_for_appointment(AptStatus::UnschedList), FKeyType::UnscheduledAppt);
        assert_eq!(fkey_type_for_appointment(AptStatus::Broken), FKeyType::Broken);
        assert_eq!(fkey_type_for_appointment(AptStatus::Planned), FKeyType::PlannedAppt);
        assert_eq!(fkey_type_for_appointment(AptStatus::Complete), FKeyType::PlannedAppt);
    }

    #[test]
    fn expires_a_week_after_the_opening() {
        assert_eq!(expiry(dt("2023-10-18 14:00:00")), dt("2023-10-25 14:00:00"));
        assert_eq!(recall_orig(OdDate::parse("2025-05-18").unwrap()), dt("2025-05-18 00:00:00"));
    }

    #[test]
    fn textable_patient_is_sent_now_or_when_the_window_opens() {
        assert_eq!(texting_decision(&textable(), dt("2031-03-17 10:04:14"), &window()), Ok(dt("2031-03-17 10:04:14")));
        let evening = TextingFacts { slot_start: dt("2031-03-18 14:00:00"), ..textable() };
        assert_eq!(texting_decision(&evening, dt("2031-03-17 22:00:00"), &window()), Ok(dt("2031-03-18 08:00:00")));
    }

    #[test]
    fn each_reason_not_to_text() {
        let now = dt("2031-03-17 10:00:00");
        let w = window();
        let cases = [
            (TextingFacts { opt_out_sms: CommOptOut::WEB_SCHED_ASAP, ..textable() }, NotTextable::OptedOut),
            (TextingFacts { opt_out_sms: CommOptOut::ALL, ..textable() }, NotTextable::OptedOut),
            (TextingFacts { txt_msg_ok: TxtMsgOk::No, ..textable() }, NotTextable::TextingRefused),
            (TextingFacts { wireless_phone: "", ..textable() }, NotTextable::NoWirelessPhone),
            (TextingFacts { declined_stop_before: true, ..textable() }, NotTextable::DeclinedBefore),
            (
                TextingFacts { slot_start: dt("2031-03-17 10:29:00"), ..textable() },
                NotTextable::TooSoon { send_at: now },
            ),
            (
                TextingFacts { texts_that_day: 2, ..textable() },
                NotTextable::DailyLimit { limit: 2, day: now.date() },
            ),
        ];
        for (facts, reason) in cases {
            assert_eq!(texting_decision(&facts, now, &w), Err(reason.clone()));
            assert!(reason.note().starts_with("Not sending text because"));
        }
    }

    #[test]
    fn unknown_texting_consent_and_other_opt_outs_still_text() {
        let now = dt("2031-03-17 10:00:00");
        let facts = TextingFacts { txt_msg_ok: TxtMsgOk::Unknown, opt_out_sms: 2 | 4, ..textable() };
        assert!(texting_decision(&facts, now, &window()).is_ok());
        let exactly_thirty = TextingFacts { slot_start: dt("2031-03-17 10:30:00"), ..textable() };
        assert!(texting_decision(&exactly_thirty, now, &window()).is_ok());
    }
}
