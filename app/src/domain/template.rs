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

#[cfg(test)]
mod tests {
    use super::*;

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
