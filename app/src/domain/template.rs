//! Filling the ASAP text template. Slot tags are filled when the offer is made; the patient
//! tags ([NameF], [AsapURL]) stay until the text is sent.

use super::datetext::{date_text, time_text};
use crate::model::OdDateTime;

/// A ten-digit number as `(555) 123-0000`; anything else as given.
pub fn phone_text(raw: &str) -> String {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 10 {
        format!("({}) {}-{}", &digits[0..3], &digits[3..6], &digits[6..])
    } else {
        raw.trim().to_string()
    }
}

pub fn fill_slot_tags(template: &str, slot_start: OdDateTime, office_name: &str, office_phone: &str) -> String {
    template
        .replace("[Date]", &date_text(slot_start.date()))
        .replace("[Time]", &time_text(slot_start))
        .replace("[OfficeName]", office_name)
        .replace("[OfficePhone]", &phone_text(office_phone))
}

pub fn fill_patient_tags(text: &str, name_f: &str, asap_url: &str) -> String {
    text.replace("[NameF]", name_f).replace("[AsapURL]", asap_url)
}

/// The tags an ASAP message may hold; anything else in brackets is a typo the patient would see.
pub const ASAP_TAGS: [(&str, &str); 6] = [
    ("[NameF]", "the patient's first name"),
    ("[AsapURL]", "the link where the patient accepts or declines"),
    ("[Date]", "the opening's date"),
    ("[Time]", "the opening's start time"),
    ("[OfficeName]", "the clinic's name, or the practice's"),
    ("[OfficePhone]", "the clinic's phone, or the practice's"),
];

/// Longest text accepted; the SMS providers cap a message near ten segments.
pub const MAX_TEXT_CHARS: usize = 1_000;
/// Segments past which a text costs more than it is worth and reads as spam.
pub const TEXT_SEGMENTS_WARNING: usize = 3;
/// Longest email subject and body.
pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_EMAIL_CHARS: usize = 10_000;

/// What is wrong with a message template, in words staff can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateProblem {
    Empty { what: &'static str },
    NoLink { what: &'static str },
    TooLong { what: &'static str, chars: usize, max: usize },
    UnknownTag { what: &'static str, tag: String },
}

impl std::fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateProblem::Empty { what } => write!(f, "The {what} is empty. Write the message the patient gets."),
            TemplateProblem::NoLink { what } => {
                write!(f, "The {what} has no [AsapURL]. Without the link the patient cannot accept the opening.")
            }
            TemplateProblem::TooLong { what, chars, max } => {
                write!(f, "The {what} is {chars} characters long. Keep it to {max}.")
            }
            TemplateProblem::UnknownTag { what, tag } => write!(
                f,
                "The {what} holds {tag}, which is not a tag. Use {}.",
                ASAP_TAGS.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// The first bracketed word that is not one of `ASAP_TAGS`.
fn unknown_tag(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open..];
        let Some(close) = after.find(']') else { return None };
        let tag = &after[..=close];
        let word = &tag[1..tag.len() - 1];
        // Only tag-shaped words: "[x]" in prose or "[ ]" are left alone.
        let tag_shaped = word.len() > 1 && word.chars().all(|c| c.is_ascii_alphanumeric());
        if tag_shaped && !ASAP_TAGS.iter().any(|(t, _)| t.eq_ignore_ascii_case(tag)) {
            return Some(tag.to_string());
        }
        rest = &after[close + 1..];
    }
    None
}

fn check_body(what: &'static str, text: &str, max: usize) -> Result<(), TemplateProblem> {
    if text.trim().is_empty() {
        return Err(TemplateProblem::Empty { what });
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(TemplateProblem::TooLong { what, chars, max });
    }
    if let Some(tag) = unknown_tag(text) {
        return Err(TemplateProblem::UnknownTag { what, tag });
    }
    if !text.contains("[AsapURL]") {
        return Err(TemplateProblem::NoLink { what });
    }
    Ok(())
}

/// A message staff may send or save: the text always (it is what Open Dental keeps on the offer),
/// and the email's subject and body when it may go by email.
pub fn check_message(text: &str, email_subject: &str, email_body: &str, with_email: bool) -> Result<(), TemplateProblem> {
    check_text_template(text)?;
    if with_email { check_email_template(email_subject, email_body) } else { Ok(()) }
}

/// A text template: not empty, within length, known tags only, with the link.
fn check_text_template(text: &str) -> Result<(), TemplateProblem> {
    check_body("text", text, MAX_TEXT_CHARS)
}

/// An email subject and body. The subject needs no link; the body does.
fn check_email_template(subject: &str, body: &str) -> Result<(), TemplateProblem> {
    let what = "email subject";
    if subject.trim().is_empty() {
        return Err(TemplateProblem::Empty { what });
    }
    let chars = subject.chars().count();
    if chars > MAX_SUBJECT_CHARS {
        return Err(TemplateProblem::TooLong { what, chars, max: MAX_SUBJECT_CHARS });
    }
    if let Some(tag) = unknown_tag(subject) {
        return Err(TemplateProblem::UnknownTag { what, tag });
    }
    check_body("email", body, MAX_EMAIL_CHARS)
}

/// GSM 03.38's basic characters, one septet each.
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Its extension table: two septets each (an escape, then the character).
const GSM7_EXTENDED: &str = "^{}\\[~]|€\u{c}";

/// How many SMS segments a text takes: 160 GSM-7 septets in one, 153 per part when split;
/// any character outside GSM-7 makes the whole text UCS-2, 70 in one and 67 per part.
pub fn sms_segments(text: &str) -> usize {
    let septets: Option<usize> = text
        .chars()
        .map(|c| {
            if GSM7_BASIC.contains(c) {
                Some(1)
            } else if GSM7_EXTENDED.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .sum();
    let (units, single, part) = match septets {
        Some(n) => (n, 160, 153),
        // UTF-16 code units: an emoji is two.
        None => (text.encode_utf16().count(), 70, 67),
    };
    match units {
        0 => 0,
        n if n <= single => 1,
        n => n.div_ceil(part),
    }
}

/// A text's length as staff read it before sending, and whether it is long enough to flag:
/// "114 characters, 1 segment", or "…, 4 segments: long texts cost more and may arrive in pieces".
pub fn segment_note(filled: &str) -> (String, bool) {
    let segments = sms_segments(filled);
    let long = segments > TEXT_SEGMENTS_WARNING;
    let note = format!(
        "{} characters, {segments} {}{}",
        filled.chars().count(),
        if segments == 1 { "segment" } else { "segments" },
        if long { ": long texts cost more and may arrive in pieces" } else { "" }
    );
    (note, long)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_notes_flag_long_texts() {
        assert_eq!(segment_note("Hi [link]"), ("9 characters, 1 segment".to_string(), false));
        assert_eq!(
            segment_note(&"a".repeat(500)),
            ("500 characters, 4 segments: long texts cost more and may arrive in pieces".to_string(), true)
        );
    }

    #[test]
    fn segments_follow_gsm7_and_ucs2() {
        assert_eq!(sms_segments(""), 0);
        assert_eq!(sms_segments(&"a".repeat(160)), 1);
        assert_eq!(sms_segments(&"a".repeat(161)), 2);
        assert_eq!(sms_segments(&"a".repeat(306)), 2);
        assert_eq!(sms_segments(&"a".repeat(307)), 3);
        // The euro sign is in the extension table: two septets.
        assert_eq!(sms_segments(&"€".repeat(80)), 1);
        assert_eq!(sms_segments(&"€".repeat(81)), 2);
        // One character outside GSM-7 turns the whole text into UCS-2.
        assert_eq!(sms_segments(&format!("{}ł", "a".repeat(69))), 1);
        assert_eq!(sms_segments(&format!("{}ł", "a".repeat(70))), 2);
        assert_eq!(sms_segments(&format!("{}ł", "a".repeat(134))), 3);
        assert_eq!(sms_segments("Hi \u{1F600}"), 1);
    }

    #[test]
    fn templates_need_the_link_and_known_tags() {
        assert_eq!(check_text_template("[NameF], visit [AsapURL]"), Ok(()));
        assert_eq!(check_text_template("  "), Err(TemplateProblem::Empty { what: "text" }));
        assert_eq!(check_text_template("Call [OfficePhone]"), Err(TemplateProblem::NoLink { what: "text" }));
        assert_eq!(
            check_text_template("[NmaeF], visit [AsapURL]"),
            Err(TemplateProblem::UnknownTag { what: "text", tag: "[NmaeF]".into() })
        );
        // Brackets in prose are not tags.
        assert_eq!(check_text_template("Reply [ ] or [1] at [AsapURL]"), Ok(()));
        assert!(matches!(check_text_template(&format!("[AsapURL]{}", "a".repeat(1000))), Err(TemplateProblem::TooLong { .. })));
        assert_eq!(check_email_template("", "x [AsapURL]"), Err(TemplateProblem::Empty { what: "email subject" }));
        assert_eq!(check_email_template("Opening at [Time]", "no link"), Err(TemplateProblem::NoLink { what: "email" }));
        assert_eq!(check_email_template("Opening at [Time]", "Visit [AsapURL]"), Ok(()));
        assert_eq!(check_message("[AsapURL]", "", "", false), Ok(()), "a text-only send needs no email");
        assert_eq!(check_message("[AsapURL]", "", "", true), Err(TemplateProblem::Empty { what: "email subject" }));
        assert_eq!(check_message("no link", "x", "[AsapURL]", true), Err(TemplateProblem::NoLink { what: "text" }));
        assert_eq!(
            TemplateProblem::NoLink { what: "text" }.to_string(),
            "The text has no [AsapURL]. Without the link the patient cannot accept the opening."
        );
    }

    #[test]
    fn slot_tags_are_filled_and_patient_tags_kept() {
        let template = "[NameF], an appointment opening has become available on [Date] at [Time] at [OfficeName]. Visit [AsapURL] to reserve it. Call [OfficePhone].";
        let text = fill_slot_tags(template, OdDateTime::parse("2023-10-18 14:00:00").unwrap(), "Southern Office", "5551230000");
        assert_eq!(
            text,
            "[NameF], an appointment opening has become available on 10/18/2023 at 2:00 PM at Southern Office. Visit [AsapURL] to reserve it. Call (555) 123-0000."
        );
        assert_eq!(
            fill_patient_tags(&text, "Lan", "https://x.test/asap/abc"),
            "Lan, an appointment opening has become available on 10/18/2023 at 2:00 PM at Southern Office. Visit https://x.test/asap/abc to reserve it. Call (555) 123-0000."
        );
    }
}
