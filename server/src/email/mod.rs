//! Sending email: one provider trait beside the SMS one, a local outbox (the default, for the
//! demo and trying the product out) and SMTP.

mod outbox;
pub mod smtp;

pub use outbox::OutboxEmailProvider;
pub use smtp::SmtpProvider;

use crate::sms::SendOutcome;
use app::model::OdDateTime;

/// One email to hand to the provider: a plain-text and an HTML part of the same message.
#[derive(Clone, Debug)]
pub struct OutgoingEmail {
    pub asap_comm_num: i64,
    pub clinic_num: i64,
    pub to: String,
    /// The office's name, shown as the sender's.
    pub from_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The patient's link inside the body, kept apart for the outbox page.
    pub link: String,
    /// Where one click (RFC 8058) or a visit stops ASAP emails to this patient; None for a
    /// booking's confirmation, which is not a list the patient joined.
    pub unsubscribe: Option<String>,
    /// An iCalendar file (RFC 5545) of the booked appointment, attached to a confirmation.
    pub calendar: Option<String>,
    /// A booking's confirmation, not an offer.
    pub confirmation: bool,
}

#[async_trait::async_trait]
pub trait EmailProvider: Send + Sync + 'static {
    /// A short name for logs and the settings page.
    fn name(&self) -> &'static str;
    async fn send(&self, email: &OutgoingEmail, now: OdDateTime) -> SendOutcome;
}

/// The HTML part: the text's paragraphs, escaped, with the link as a button a thumb can hit,
/// and the unsubscribe link in the footer.
pub fn html_body(text: &str, link: &str, unsubscribe: Option<&str>) -> String {
    use html_escape::{encode_double_quoted_attribute as attr, encode_text as esc};
    let mut body = String::new();
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let escaped = esc(paragraph).replace('\n', "<br>");
        // The link itself reads as a link inside the paragraph too.
        let escaped = if link.is_empty() { escaped } else { escaped.replace(&*esc(link), &format!("<a href=\"{}\">{}</a>", attr(link), esc(link))) };
        body.push_str(&format!("<p style=\"margin:0 0 16px\">{escaped}</p>\n"));
    }
    if !link.is_empty() {
        body.push_str(&format!(
            "<p style=\"margin:24px 0\"><a href=\"{}\" style=\"background:#0b6e4f;color:#fff;padding:12px 20px;border-radius:6px;\
             text-decoration:none;font-weight:600\">See the opening</a></p>\n",
            attr(link)
        ));
    }
    if let Some(unsubscribe) = unsubscribe {
        body.push_str(&format!(
            "<p style=\"font-size:13px;color:#555\">Don't want these emails? <a href=\"{}\">Unsubscribe</a>.</p>\n",
            attr(unsubscribe)
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html><body style=\"font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;color:#1b1b1b\">\n\
         {body}</body></html>\n"
    )
}

/// The booked appointment as an iCalendar file (RFC 5545), so the patient's calendar has the
/// new time. Times are written in UTC, which every calendar reads without a time-zone table.
pub fn calendar_file(uid: &str, start: chrono::DateTime<chrono::Utc>, minutes: i64, office: &app::model::OfficeIdentity) -> String {
    use icalendar::{Calendar, Component, Event, EventLike};
    let mut event = Event::new();
    let location = if office.address.is_empty() { office.name.clone() } else { format!("{}, {}", office.name, office.address) };
    event
        .uid(uid)
        .summary(&format!("Dental appointment at {}", office.name))
        .starts(start)
        .ends(start + chrono::Duration::minutes(minutes.max(5)))
        .location(&location);
    if !office.phone.trim().is_empty() {
        event.description(&format!("Questions or changes: call {} at {}.", office.name, app::domain::template::phone_text(&office.phone)));
    }
    Calendar::new().push(event.done()).done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_part_escapes_the_text_and_links_the_offer() {
        let html = html_body("Lan, a <time> opened.\n\nVisit https://x.test/asap/abc to reserve it.", "https://x.test/asap/abc", Some("https://x.test/u?a=1&b=2"));
        assert!(html.contains("Lan, a &lt;time&gt; opened."), "{html}");
        assert!(html.contains("<a href=\"https://x.test/asap/abc\">https://x.test/asap/abc</a>"), "{html}");
        assert!(html.contains("href=\"https://x.test/u?a=1&amp;b=2\""), "{html}");
    }

    #[test]
    fn the_calendar_file_holds_the_booked_time() {
        let start = chrono::DateTime::parse_from_rfc3339("2031-03-17T18:00:00Z").unwrap().with_timezone(&chrono::Utc);
        let office = app::model::OfficeIdentity { name: "Northside Dental".into(), phone: "5551230000".into(), address: "1 Main St".into() };
        let ics = calendar_file("asap-42@example.test", start, 40, &office);
        for line in ["BEGIN:VCALENDAR", "BEGIN:VEVENT", "UID:asap-42@example.test", "DTSTART:20310317T180000Z", "DTEND:20310317T184000Z", "LOCATION:Northside Dental\\, 1 Main St"] {
            assert!(ics.contains(line), "{line} in {ics}");
        }
        assert!(ics.contains("\r\n"), "lines end in CRLF");
    }
}
