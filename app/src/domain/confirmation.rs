//! The confirmation a patient gets once they booked an opening (Open Dental's Web Sched Notify):
//! what it says, by text and by email. It goes by each channel the offer reached them by.

use super::datetext::{date_text, time_text};
use super::template::phone_text;
use crate::model::OdDateTime;

/// What the confirmation is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking<'a> {
    pub f_name: &'a str,
    pub start: OdDateTime,
    pub minutes: i64,
    pub office_name: &'a str,
    pub office_phone: &'a str,
}

/// The text: short enough for one or two segments.
pub fn confirmation_text(b: &Booking<'_>) -> String {
    let mut text = format!(
        "{}, you're booked at {} on {} at {}.",
        b.f_name,
        b.office_name,
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
    let mut body = format!(
        "Dear {},\n\nYou're booked at {}:\n\n{} at {}, for about {} minutes.\n\nYour earlier appointment time no longer applies. \
         The attached calendar file adds the new time to your calendar.",
        b.f_name,
        b.office_name,
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
}
