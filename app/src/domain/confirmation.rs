//! The confirmation a patient gets once they booked an opening (Open Dental's Web Sched Notify):
//! what it says, by text and by email, and by which: the channel the patient answered from.

use super::datetext::{date_text, time_text};
use super::template::phone_text;
use crate::model::OdDateTime;

/// Which message's link the patient opened. The email's link says so (`?via=email`); a text's
/// link stays bare, to keep the text short.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LinkFrom {
    #[default]
    Text,
    Email,
    /// No link: the patient texted back YES (or a number). The reply to that text says the
    /// result, so no confirmation is queued besides it.
    Reply,
}

impl LinkFrom {
    /// From the link's `via` query value; anything but "email" is the bare text link.
    pub fn parse(via: Option<&str>) -> LinkFrom {
        match via.map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("email") => LinkFrom::Email,
            _ => LinkFrom::Text,
        }
    }

    /// What the link carries after its path.
    pub fn query(self) -> &'static str {
        match self {
            LinkFrom::Text | LinkFrom::Reply => "",
            LinkFrom::Email => "?via=email",
        }
    }
}

/// Which channels the confirmation goes by, as (text, email): the one the patient answered from,
/// when the offer reached them that way; otherwise (a link passed on, or typed in) every channel
/// the offer reached them by, so the booking is never left unconfirmed.
pub fn confirmation_channels(reached_by_text: bool, reached_by_email: bool, from: LinkFrom) -> (bool, bool) {
    match from {
        LinkFrom::Reply => (false, false),
        LinkFrom::Text if reached_by_text => (true, false),
        LinkFrom::Email if reached_by_email => (false, true),
        _ => (reached_by_text, reached_by_email),
    }
}

/// What the confirmation is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking<'a> {
    pub f_name: &'a str,
    pub start: OdDateTime,
    pub minutes: i64,
    pub office_name: &'a str,
    pub office_phone: &'a str,
    /// On one line; empty when none is on file.
    pub office_address: &'a str,
}

/// " (333 Blackwood St, Salem, OR 97301)", or nothing when no address is on file.
fn address_note(b: &Booking<'_>) -> String {
    if b.office_address.trim().is_empty() { String::new() } else { format!(" ({})", b.office_address.trim()) }
}

/// The text: short enough for one or two segments.
pub fn confirmation_text(b: &Booking<'_>) -> String {
    let mut text = format!(
        "{}, you're booked at {}{} on {} at {}.",
        b.f_name,
        b.office_name,
        address_note(b),
        date_text(b.start.date()),
        time_text(b.start)
    );
    if !b.office_phone.trim().is_empty() {
        text.push_str(&format!(" Questions? Call {}.", phone_text(b.office_phone)));
    }
    text
}

/// The email's subject.
pub fn confirmation_subject(b: &Booking<'_>) -> String {
    format!("Booked: {} at {}", date_text(b.start.date()), time_text(b.start))
}

/// The email's plain-text body (its HTML part is made from it).
pub fn confirmation_email(b: &Booking<'_>) -> String {
    let place = if b.office_address.trim().is_empty() { String::new() } else { format!("\n{}", b.office_address.trim()) };
    let mut body = format!(
        "Dear {},\n\nYou're booked at {}:{}\n\n{} at {}, for about {} minutes.\n\nThe attached calendar file adds the time to your calendar.",
        b.f_name,
        b.office_name,
        place,
        date_text(b.start.date()),
        time_text(b.start),
        b.minutes
    );
    if !b.office_phone.trim().is_empty() {
        body.push_str(&format!("\n\nQuestions, or need to change it? Call us at {}.", phone_text(b.office_phone)));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booking(phone: &'static str) -> Booking<'static> {
        Booking {
            f_name: "Lan",
            start: OdDateTime::parse("2031-03-17 13:00:00").unwrap(),
            minutes: 40,
            office_name: "Northside Dental",
            office_phone: phone,
            office_address: "",
        }
    }

    #[test]
    fn the_confirmation_says_when_and_where() {
        assert_eq!(
            confirmation_text(&booking("5551230000")),
            "Lan, you're booked at Northside Dental on 03/17/2031 at 1:00 PM. Questions? Call (555) 123-0000."
        );
        assert_eq!(confirmation_text(&booking("")), "Lan, you're booked at Northside Dental on 03/17/2031 at 1:00 PM.");
        assert_eq!(confirmation_subject(&booking("")), "Booked: 03/17/2031 at 1:00 PM");
        let email = confirmation_email(&booking("5551230000"));
        assert!(email.starts_with("Dear Lan,") && email.contains("for about 40 minutes") && email.contains("(555) 123-0000"), "{email}");
    }

    #[test]
    fn the_confirmation_gives_the_address_where_one_is_on_file() {
        let b = Booking { office_address: "120 Commercial St NE, Salem, OR 97301", ..booking("") };
        assert_eq!(
            confirmation_text(&b),
            "Lan, you're booked at Northside Dental (120 Commercial St NE, Salem, OR 97301) on 03/17/2031 at 1:00 PM."
        );
        assert!(confirmation_email(&b).contains("You're booked at Northside Dental:\n120 Commercial St NE, Salem, OR 97301\n\n03/17/2031"));
    }

    #[test]
    fn the_confirmation_goes_back_the_way_the_patient_answered() {
        use LinkFrom::{Email, Text};
        // (reached by text, reached by email, answered from) → (confirm by text, by email)
        let cases = [
            ((true, true, Text), (true, false)),
            ((true, true, Email), (false, true)),
            ((true, false, Text), (true, false)),
            ((false, true, Email), (false, true)),
            // The link came another way than the offer reached them: every channel that did.
            ((true, false, Email), (true, false)),
            ((false, true, Text), (false, true)),
            ((false, false, Text), (false, false)),
            ((false, false, Email), (false, false)),
        ];
        for ((text, email, from), want) in cases {
            assert_eq!(confirmation_channels(text, email, from), want, "{text} {email} {from:?}");
        }
        assert_eq!(confirmation_channels(true, true, LinkFrom::Reply), (false, false), "the reply to their YES says it");
        assert_eq!(LinkFrom::parse(Some(" Email ")), Email);
        assert_eq!(LinkFrom::parse(Some("sms")), Text);
        assert_eq!(LinkFrom::parse(None), Text);
        assert_eq!(format!("/asap/x{}", Email.query()), "/asap/x?via=email");
    }
}
