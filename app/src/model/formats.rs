//! Small value formats from Open Dental's schema, each parsed once at the edge.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An appointment or recall time pattern such as `//XXXX//`: one character per time
/// increment, `X` for provider time and `/` for assistant time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimePattern(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("the time pattern is empty; it needs at least one `X` or `/`")]
    Empty,
    #[error("the time pattern `{0}` has a character other than `X` and `/`")]
    BadCharacter(String),
    #[error("the time pattern is {0} characters long; at most {max} are allowed", max = TimePattern::MAX_LEN)]
    TooLong(usize),
}

impl TimePattern {
    /// A whole day at five minutes a character.
    pub const MAX_LEN: usize = 288;

    pub fn parse(s: &str) -> Result<Self, PatternError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(PatternError::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(PatternError::TooLong(s.len()));
        }
        if !s.chars().all(|c| matches!(c, 'X' | 'x' | '/')) {
            return Err(PatternError::BadCharacter(s.chars().take(40).collect()));
        }
        Ok(TimePattern(s.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Number of time increments the pattern spans.
    pub fn increments(&self) -> i64 {
        self.0.len() as i64
    }
}

impl fmt::Display for TimePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for TimePattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TimePattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        TimePattern::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A mobile number a text can be sent to: the digits of a North American number
/// (10, or 11 starting with 1), or an international `+` number of 8 to 15 digits.
/// Stored as E.164 (`+15552010101`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WirelessPhone(String);

impl WirelessPhone {
    /// `None` when the text cannot be a phone number a text can reach.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let international = raw.starts_with('+');
        let mut digits = String::with_capacity(raw.len());
        for c in raw.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                '+' if digits.is_empty() => {}
                _ => return None,
            }
        }
        let e164 = if international {
            (8..=15).contains(&digits.len()).then(|| format!("+{digits}"))?
        } else if digits.len() == 10 && !digits.starts_with(['0', '1']) {
            format!("+1{digits}")
        } else if digits.len() == 11 && digits.starts_with('1') && !digits[1..].starts_with(['0', '1']) {
            format!("+{digits}")
        } else {
            return None;
        };
        Some(WirelessPhone(e164))
    }

    pub fn e164(&self) -> &str {
        &self.0
    }
}

/// An email address mail can be sent to: one `@`, a local part, and a domain with a dot (an
/// address such as `ann@gmail` was mistyped at the front desk, not an intranet host).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// `None` when the text cannot be an address mail reaches.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let parsed = email_address::EmailAddress::parse_with_options(raw, email_address::Options::default().without_display_text()).ok()?;
        let domain = parsed.domain();
        if !domain.contains('.') || domain.starts_with('[') || domain.ends_with('.') {
            return None;
        }
        Some(EmailAddress(parsed.email().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address as a send preview shows it to staff: the first letter of the mailbox, then
    /// the domain (`a…@example.com`).
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}…@{domain}")
    }
}

/// Open Dental's API writes booleans as the strings `"true"` and `"false"`.
/// Import files may use either those strings or JSON booleans.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OdBool(pub bool);

impl Serialize for OdBool {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.0 { "true" } else { "false" })
    }
}

impl<'de> Deserialize<'de> for OdBool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Bool(bool),
            Text(String),
        }
        match Either::deserialize(deserializer)? {
            Either::Bool(b) => Ok(OdBool(b)),
            Either::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(OdBool(true)),
                "false" => Ok(OdBool(false)),
                _ => Err(serde::de::Error::custom(format!(
                    "`{s}` is not a valid boolean. Use \"true\" or \"false\"."
                ))),
            },
        }
    }
}

#[cfg(feature = "ssr")]
mod schema {
    use super::*;
    use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};

    impl utoipa::PartialSchema for TimePattern {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^[X/]+$"))
                .description(Some("Time pattern, one character per time increment."))
                .examples([serde_json::json!("//XXXX//")])
                .into()
        }
    }
    impl utoipa::ToSchema for TimePattern {}

    impl utoipa::PartialSchema for OdBool {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["true", "false"]))
                .description(Some("Boolean written as a string, as Open Dental does."))
                .into()
        }
    }
    impl utoipa::ToSchema for OdBool {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_accepts_slashes_and_x_only() {
        assert_eq!(TimePattern::parse("//xxXX//").unwrap().as_str(), "//XXXX//");
        assert_eq!(TimePattern::parse("/XX/").unwrap().increments(), 4);
        assert_eq!(TimePattern::parse(""), Err(PatternError::Empty));
        assert!(matches!(TimePattern::parse("XX-X"), Err(PatternError::BadCharacter(_))));
        assert!(matches!(TimePattern::parse(&"X".repeat(289)), Err(PatternError::TooLong(289))));
    }

    #[test]
    fn email_addresses_a_front_desk_types() {
        assert_eq!(EmailAddress::parse(" ann.lee@example.com ").unwrap().as_str(), "ann.lee@example.com");
        assert_eq!(EmailAddress::parse("a+asap@mail.example.org").unwrap().masked(), "a…@mail.example.org");
        for bad in ["", "ann", "ann@", "@example.com", "ann@gmail", "ann lee@example.com", "ann@@example.com", "Ann <ann@example.com>", "ann@example.com."] {
            assert_eq!(EmailAddress::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn phone_normalises_north_american_and_international_numbers() {
        assert_eq!(WirelessPhone::parse("(555) 201-0101").unwrap().e164(), "+15552010101");
        assert_eq!(WirelessPhone::parse("1-555-201-0102").unwrap().e164(), "+15552010102");
        assert_eq!(WirelessPhone::parse("+44 7700 900123").unwrap().e164(), "+447700900123");
        for bad in ["", "555-0101", "(055) 201-0101", "555 201 0101 ext 4", "+12"] {
            assert_eq!(WirelessPhone::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn booleans_read_strings_and_json_booleans() {
        assert_eq!(serde_json::from_str::<OdBool>("\"true\"").unwrap(), OdBool(true));
        assert_eq!(serde_json::from_str::<OdBool>("false").unwrap(), OdBool(false));
        assert!(serde_json::from_str::<OdBool>("\"yes\"").is_err());
        assert_eq!(serde_json::to_string(&OdBool(true)).unwrap(), "\"true\"");
    }
}
