//! Which channels carry one offer. Staff choose a send mode, as in Open Dental: text, email,
//! both, or the patient's preferred contact method. Each channel then has its own rules (opt-outs,
//! a reachable number or address, the lead time, the daily limit), and a patient whom no chosen
//! channel reaches is still offered the opening, with a Note that says why nothing was sent.

use super::SendWindow;
use super::offer::{MIN_LEAD_MINUTES, NotTextable, Timing, offer_timing};
use crate::model::{CommOptOut, ContactMethod, EmailAddress, OdDate, OdDateTime};
use serde::{Deserialize, Serialize};

/// How an opening is sent to the patients chosen for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SendMode {
    /// A text only (Open Dental's API and this server's `POST /asapcomms` always text).
    #[default]
    #[serde(rename = "text")]
    Text,
    #[serde(rename = "email")]
    Email,
    #[serde(rename = "both")]
    TextAndEmail,
    /// The patient's preferred contact method; the other channel when that one cannot reach them.
    #[serde(rename = "preferred")]
    Preferred,
}

impl SendMode {
    pub const ALL: [SendMode; 4] = [SendMode::Text, SendMode::Email, SendMode::TextAndEmail, SendMode::Preferred];

    /// The words the send panel shows.
    pub fn label(self) -> &'static str {
        match self {
            SendMode::Text => "Text",
            SendMode::Email => "Email",
            SendMode::TextAndEmail => "Text and email",
            SendMode::Preferred => "Preferred contact method",
        }
    }

    /// The value a form sends.
    pub fn key(self) -> &'static str {
        match self {
            SendMode::Text => "text",
            SendMode::Email => "email",
            SendMode::TextAndEmail => "both",
            SendMode::Preferred => "preferred",
        }
    }

    pub fn from_key(key: &str) -> Option<SendMode> {
        SendMode::ALL.into_iter().find(|m| m.key() == key)
    }

    /// Whether some patient may get an email: every mode but a text-only send.
    pub fn may_email(self) -> bool {
        self != SendMode::Text
    }
}

/// Everything the emailing decision looks at, gathered by the caller.
#[derive(Clone, Debug)]
pub struct EmailFacts<'a> {
    pub email: &'a str,
    /// CommOptOut.OptOutEmail flags; 0 when the patient has no opt-out row.
    pub opt_out_email: i64,
    /// The patient answered an earlier offer for the same appointment or recall with "stop".
    pub declined_stop_before: bool,
    /// ASAP emails already scheduled or sent to this patient on the day this one would go out.
    pub emails_that_day: i64,
    /// The daily limit, the same number as for texts (`WebSchedAsapTextLimit`), counted apart.
    pub limit: i64,
    pub slot_start: OdDateTime,
}

/// Why an offer is not emailed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotEmailable {
    OptedOut,
    NoAddress,
    DeclinedBefore,
    TooSoon { send_at: OdDateTime },
    DailyLimit { limit: i64, day: OdDate },
}

impl NotEmailable {
    /// The Note, in plain words.
    pub fn note(&self) -> String {
        match self {
            NotEmailable::OptedOut => "Not sending email because the patient has opted out of automated email.".into(),
            NotEmailable::NoAddress => "Not sending email because the patient does not have a valid email address.".into(),
            NotEmailable::DeclinedBefore => {
                "Not sending email because the patient asked not to be contacted about this appointment again.".into()
            }
            NotEmailable::TooSoon { send_at } => format!(
                "Not sending email because the time slot starts less than {MIN_LEAD_MINUTES} minutes after the email could be sent ({}).",
                super::datetext::when(*send_at)
            ),
            NotEmailable::DailyLimit { limit, day } => {
                format!("Not sending email because the patient has already been sent the limit of {limit} ASAP emails for {}.", super::datetext::date_text(*day))
            }
        }
    }

    /// A few words for the send details: why this patient gets no email.
    pub fn short(&self) -> &'static str {
        match self {
            NotEmailable::OptedOut => "opted out of email",
            NotEmailable::NoAddress => "no email address",
            NotEmailable::DeclinedBefore => "asked not to be contacted about this appointment",
            NotEmailable::TooSoon { .. } => "too close to the opening to email",
            NotEmailable::DailyLimit { .. } => "reached today's email limit",
        }
    }
}

/// Decides whether the offer may be emailed. On success gives the moment the email is due: `now`,
/// moved into the office's messaging hours (the same hours as texts).
pub fn emailing_decision(facts: &EmailFacts<'_>, now: OdDateTime, window: &SendWindow) -> Result<OdDateTime, NotEmailable> {
    email_reachable(facts.email, facts.opt_out_email)?;
    offer_timing(facts.declined_stop_before, now, window, facts.slot_start, facts.emails_that_day, facts.limit)
        .map_err(NotEmailable::from)
}

/// Whether an email can reach the patient at all: no opt-out of ASAP email, and an address mail
/// can go to. Checked when offering and again when the email is due.
pub fn email_reachable(email: &str, opt_out_email: i64) -> Result<(), NotEmailable> {
    if opt_out_email & (CommOptOut::ALL | CommOptOut::WEB_SCHED_ASAP) != 0 {
        return Err(NotEmailable::OptedOut);
    }
    if EmailAddress::parse(email).is_none() {
        return Err(NotEmailable::NoAddress);
    }
    Ok(())
}

impl From<Timing> for NotEmailable {
    fn from(t: Timing) -> Self {
        match t {
            Timing::DeclinedBefore => NotEmailable::DeclinedBefore,
            Timing::TooSoon { send_at } => NotEmailable::TooSoon { send_at },
            Timing::DailyLimit { limit, day } => NotEmailable::DailyLimit { limit, day },
        }
    }
}

/// What each channel does for one patient under a send mode. `None`: the mode does not use that
/// channel for this patient; `Some(Err)`: it would, and cannot (the reason goes in the Note).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelPlan {
    pub text: Option<Result<OdDateTime, NotTextable>>,
    pub email: Option<Result<OdDateTime, NotEmailable>>,
}

impl ChannelPlan {
    pub fn texts(&self) -> bool {
        matches!(self.text, Some(Ok(_)))
    }

    pub fn emails(&self) -> bool {
        matches!(self.email, Some(Ok(_)))
    }

    /// Whether anything at all reaches the patient.
    pub fn reaches(&self) -> bool {
        self.texts() || self.emails()
    }
}

/// Applies the send mode to the two channels' own decisions.
///
/// `Preferred` follows the patient's PreferContactMethod: Email prefers email, TextMessage and
/// WirelessPh prefer a text; any other preference (none, a landline, mail, "see notes") prefers a
/// text, the channel Web Sched ASAP is built on. When the preferred channel cannot reach the
/// patient, the other one is used and the reason kept for the Note; when neither can, both
/// reasons are kept.
pub fn plan_channels(
    mode: SendMode,
    prefers: ContactMethod,
    text: Result<OdDateTime, NotTextable>,
    email: Result<OdDateTime, NotEmailable>,
) -> ChannelPlan {
    match mode {
        SendMode::Text => ChannelPlan { text: Some(text), email: None },
        SendMode::Email => ChannelPlan { text: None, email: Some(email) },
        SendMode::TextAndEmail => ChannelPlan { text: Some(text), email: Some(email) },
        SendMode::Preferred => {
            let email_first = prefers == ContactMethod::Email;
            match (email_first, text.is_ok(), email.is_ok()) {
                (true, _, true) => ChannelPlan { text: None, email: Some(email) },
                (false, true, _) => ChannelPlan { text: Some(text), email: None },
                // The other channel, with the reason the preferred one could not be used.
                _ => ChannelPlan { text: Some(text), email: Some(email) },
            }
        }
    }
}

/// The send details line for one patient, as staff read it before sending: "text to (555)
/// 010-2231 · email to a…@example.com", or "no message (opted out of texts, no email address)".
pub fn send_details(plan: &ChannelPlan, wireless_phone: &str, email: &str) -> String {
    let mut parts = Vec::new();
    if plan.texts() {
        parts.push(format!("text to {}", super::template::phone_text(wireless_phone)));
    }
    if plan.emails() {
        let to = EmailAddress::parse(email).map_or_else(|| email.trim().to_string(), |a| a.masked());
        parts.push(format!("email to {to}"));
    }
    if !parts.is_empty() {
        return parts.join(" · ");
    }
    let mut why = Vec::new();
    if let Some(Err(e)) = &plan.text {
        why.push(e.short());
    }
    if let Some(Err(e)) = &plan.email {
        why.push(e.short());
    }
    format!("no message ({})", why.join(", "))
}

/// What one send mode gives one patient, for the send panel: the details line, and by which
/// channels a message reaches them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendDetail {
    pub mode: SendMode,
    pub line: String,
    pub by_text: bool,
    pub by_email: bool,
}

impl SendDetail {
    /// Whether any message reaches the patient.
    pub fn reaches(&self) -> bool {
        self.by_text || self.by_email
    }
}

/// What one patient would get under each send mode.
pub fn details_for_each_mode(
    prefers: ContactMethod,
    text: &Result<OdDateTime, NotTextable>,
    email: &Result<OdDateTime, NotEmailable>,
    wireless_phone: &str,
    address: &str,
) -> Vec<SendDetail> {
    SendMode::ALL
        .into_iter()
        .map(|mode| {
            let plan = plan_channels(mode, prefers, text.clone(), email.clone());
            SendDetail { mode, line: send_details(&plan, wireless_phone, address), by_text: plan.texts(), by_email: plan.emails() }
        })
        .collect()
}

/// Messages a patient has had today against the daily limit (`WebSchedAsapTextLimit`, per
/// channel), so staff don't text the same person three times in a morning: "2 of 2 texts today
/// (no more today) · 1 email today". None when they have had none.
pub fn messages_today(texts: i64, emails: i64, limit: i64) -> Option<String> {
    let mut parts = Vec::new();
    if texts > 0 {
        let full = if texts >= limit { " (no more today)" } else { "" };
        parts.push(format!("{texts} of {limit} {} today{full}", if limit == 1 { "text" } else { "texts" }));
    }
    if emails > 0 {
        let full = if emails >= limit { " (no more today)" } else { "" };
        parts.push(format!("{emails} {} today{full}", if emails == 1 { "email" } else { "emails" }));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OdTime;

    fn dt(s: &str) -> OdDateTime {
        OdDateTime::parse(s).unwrap()
    }

    #[test]
    fn messages_today_count_against_the_limit() {
        assert_eq!(messages_today(0, 0, 2), None);
        assert_eq!(messages_today(1, 0, 2).as_deref(), Some("1 of 2 texts today"));
        assert_eq!(messages_today(2, 1, 2).as_deref(), Some("2 of 2 texts today (no more today) · 1 email today"));
        assert_eq!(messages_today(0, 3, 2).as_deref(), Some("3 emails today (no more today)"));
        assert_eq!(messages_today(1, 0, 1).as_deref(), Some("1 of 1 text today (no more today)"));
    }

    fn window() -> SendWindow {
        SendWindow::new(OdTime::parse("08:00:00").unwrap(), OdTime::parse("21:00:00").unwrap())
    }

    fn facts() -> EmailFacts<'static> {
        EmailFacts {
            email: "ann@example.com",
            opt_out_email: 0,
            declined_stop_before: false,
            emails_that_day: 0,
            limit: 2,
            slot_start: dt("2031-03-17 14:00:00"),
        }
    }

    const NOW: &str = "2031-03-17 10:00:00";

    #[test]
    fn an_email_goes_now_in_hours_or_waits_for_them() {
        assert_eq!(emailing_decision(&facts(), dt(NOW), &window()), Ok(dt(NOW)));
        let tomorrow = EmailFacts { slot_start: dt("2031-03-18 14:00:00"), ..facts() };
        assert_eq!(emailing_decision(&tomorrow, dt("2031-03-17 22:00:00"), &window()), Ok(dt("2031-03-18 08:00:00")));
    }

    #[test]
    fn each_reason_not_to_email() {
        let cases = [
            (EmailFacts { opt_out_email: CommOptOut::ALL, ..facts() }, NotEmailable::OptedOut),
            (EmailFacts { opt_out_email: CommOptOut::WEB_SCHED_ASAP, ..facts() }, NotEmailable::OptedOut),
            (EmailFacts { email: "ann@gmail", ..facts() }, NotEmailable::NoAddress),
            (EmailFacts { email: "", ..facts() }, NotEmailable::NoAddress),
            (EmailFacts { declined_stop_before: true, ..facts() }, NotEmailable::DeclinedBefore),
            (EmailFacts { slot_start: dt("2031-03-17 10:29:00"), ..facts() }, NotEmailable::TooSoon { send_at: dt(NOW) }),
            (EmailFacts { emails_that_day: 2, ..facts() }, NotEmailable::DailyLimit { limit: 2, day: dt(NOW).date() }),
        ];
        for (f, why) in cases {
            assert_eq!(emailing_decision(&f, dt(NOW), &window()), Err(why));
        }
        // Another opt-out flag (say, recall reminders) does not stop an ASAP email.
        assert!(emailing_decision(&EmailFacts { opt_out_email: 2, ..facts() }, dt(NOW), &window()).is_ok());
    }

    /// Every send mode against every combination of: textable or not, has a usable email or
    /// not, and each preferred contact method.
    #[test]
    fn send_mode_resolution_covers_every_combination() {
        let at = dt(NOW);
        let texts = [Ok(at), Err(NotTextable::OptedOut)];
        let emails = [Ok(at), Err(NotEmailable::NoAddress)];
        for prefers in ContactMethod::ALL.iter().copied() {
            for text in &texts {
                for email in &emails {
                    let (t, e) = (text.is_ok(), email.is_ok());
                    for mode in SendMode::ALL {
                        let plan = plan_channels(mode, prefers, text.clone(), email.clone());
                        let what = format!("{mode:?}, prefers {prefers}, textable {t}, emailable {e}: {plan:?}");
                        match mode {
                            SendMode::Text => {
                                assert_eq!((plan.texts(), plan.email.is_none()), (t, true), "{what}");
                            }
                            SendMode::Email => {
                                assert_eq!((plan.emails(), plan.text.is_none()), (e, true), "{what}");
                            }
                            SendMode::TextAndEmail => {
                                assert_eq!((plan.texts(), plan.emails()), (t, e), "{what}");
                            }
                            SendMode::Preferred => {
                                // Exactly one channel when any reaches; the preferred one first.
                                assert_eq!(plan.reaches(), t || e, "{what}");
                                assert!(!(plan.texts() && plan.emails()), "{what}");
                                let wants_email = prefers == ContactMethod::Email;
                                if wants_email && e {
                                    assert!(plan.emails(), "{what}");
                                } else if t {
                                    assert!(plan.texts(), "{what}");
                                } else if e {
                                    assert!(plan.emails(), "{what}");
                                } else {
                                    // Neither: both reasons kept for the Note.
                                    assert!(matches!((&plan.text, &plan.email), (Some(Err(_)), Some(Err(_)))), "{what}");
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn send_details_say_where_each_message_goes_or_why_none() {
        let at = dt(NOW);
        let both = plan_channels(SendMode::TextAndEmail, ContactMethod::None, Ok(at), Ok(at));
        assert_eq!(send_details(&both, "(555) 010-2231", "ann@example.com"), "text to (555) 010-2231 · email to a…@example.com");
        let none = plan_channels(SendMode::Preferred, ContactMethod::None, Err(NotTextable::OptedOut), Err(NotEmailable::NoAddress));
        assert_eq!(send_details(&none, "", ""), "no message (opted out of texts, no email address)");
    }

    #[test]
    fn each_mode_has_its_details_line() {
        let at = dt(NOW);
        let lines = details_for_each_mode(ContactMethod::Email, &Err(NotTextable::NoWirelessPhone), &Ok(at), "", "ann@example.com");
        let by_mode: Vec<(&str, &str, bool, bool, bool)> =
            lines.iter().map(|d| (d.mode.key(), d.line.as_str(), d.by_text, d.by_email, d.reaches())).collect();
        assert_eq!(
            by_mode,
            vec![
                ("text", "no message (no mobile number)", false, false, false),
                ("email", "email to a…@example.com", false, true, true),
                ("both", "email to a…@example.com", false, true, true),
                ("preferred", "email to a…@example.com", false, true, true),
            ]
        );
    }

    #[test]
    fn send_modes_round_trip_through_forms() {
        for mode in SendMode::ALL {
            assert_eq!(SendMode::from_key(mode.key()), Some(mode));
            assert_eq!(serde_json::to_string(&mode).unwrap(), format!("\"{}\"", mode.key()));
        }
        assert_eq!(SendMode::from_key("fax"), None);
    }
}
