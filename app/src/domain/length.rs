//! How long an offered opening must be, from the time pattern.

use crate::model::TimePattern;

/// Appointment patterns always use five minutes a character, whatever the office's increment.
pub const APPOINTMENT_MINUTES_PER_CHAR: i64 = 5;

pub fn appointment_minutes(pattern: &TimePattern) -> i64 {
    pattern.increments() * APPOINTMENT_MINUTES_PER_CHAR
}

/// Recall type patterns use the office's AppointmentTimeIncrement a character.
pub fn recall_minutes(pattern: &TimePattern, time_increment: i64) -> i64 {
    pattern.increments() * valid_increment(time_increment)
}

/// Open Dental allows 5, 10 or 15 minutes; anything else falls back to its default of 10.
pub fn valid_increment(minutes: i64) -> i64 {
    if matches!(minutes, 5 | 10 | 15) { minutes } else { 10 }
}

/// The appointment made from a recall: each character of the recall type's pattern (one
/// AppointmentTimeIncrement) becomes as many five-minute characters, so the length is kept.
pub fn recall_appointment_pattern(pattern: &TimePattern, time_increment: i64) -> TimePattern {
    let per_char = (valid_increment(time_increment) / APPOINTMENT_MINUTES_PER_CHAR) as usize;
    let text: String = pattern.as_str().chars().flat_map(|c| std::iter::repeat_n(c, per_char)).collect();
    // Capped to a day, like any appointment pattern; a recall type is never that long in practice.
    let capped: String = text.chars().take(TimePattern::MAX_LEN).collect();
    TimePattern::parse(&capped).unwrap_or_else(|_| pattern.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appointment_pattern_is_five_minutes_a_character() {
        assert_eq!(appointment_minutes(&TimePattern::parse("//XXXXXX//").unwrap()), 50);
        assert_eq!(appointment_minutes(&TimePattern::parse("X").unwrap()), 5);
    }

    #[test]
    fn recall_pattern_uses_the_office_increment() {
        let prophy = TimePattern::parse("/XXXX/").unwrap();
        assert_eq!(recall_minutes(&prophy, 10), 60);
        assert_eq!(recall_minutes(&prophy, 15), 90);
        assert_eq!(recall_minutes(&prophy, 7), 60, "an invalid increment falls back to 10");
    }

    #[test]
    fn a_recall_becomes_an_appointment_of_the_same_length() {
        let prophy = TimePattern::parse("/XXXX/").unwrap();
        let apt = recall_appointment_pattern(&prophy, 10);
        assert_eq!(apt.as_str(), "//XXXXXXXX//");
        assert_eq!(appointment_minutes(&apt), recall_minutes(&prophy, 10));
        assert_eq!(appointment_minutes(&recall_appointment_pattern(&prophy, 15)), 90);
        assert_eq!(recall_appointment_pattern(&prophy, 5).as_str(), "/XXXX/");
    }
}
