//! Sending texts: one provider trait, a local outbox (the default, for the demo and trying the
//! product out) and an HTTP provider in the shape of Twilio's Messages API.

mod outbox;
pub mod twilio;

pub use outbox::OutboxProvider;
pub use twilio::{TwilioProvider, TwilioSettings, signature, signature_matches};

use app::model::OdDateTime;

/// One text to hand to the provider.
#[derive(Clone, Debug)]
pub struct OutgoingText {
    pub asap_comm_num: i64,
    pub clinic_num: i64,
    /// E.164, such as `+15553010101`.
    pub to: String,
    pub body: String,
    /// The patient's link inside the body, kept apart for the outbox page ("" for a confirmation).
    pub link: String,
    /// A booking's confirmation, not an offer.
    pub confirmation: bool,
    /// The "gap gone" notice (no link).
    pub notice: bool,
}

/// What became of a hand-over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Delivered at once (the local outbox).
    Delivered { message_id: String },
    /// The provider took the text; a delivery report follows.
    Accepted { message_id: String },
    /// The provider refused it; it was not sent.
    Rejected { reason: String },
    /// The provider was never reached; nothing was sent and trying again is safe.
    NotSent { reason: String },
    /// The request may or may not have reached the provider; sending again could text twice.
    Unknown { reason: String },
}

#[async_trait::async_trait]
pub trait SmsProvider: Send + Sync + 'static {
    /// A short name for logs and the settings page.
    fn name(&self) -> &'static str;
    async fn send(&self, text: &OutgoingText, now: OdDateTime) -> SendOutcome;
}

/// A word a patient can text back, as carriers and Twilio understand them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keyword {
    /// STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT: no more texts.
    Stop,
    /// START, UNSTOP: texts again.
    Start,
    /// HELP, INFO: who is texting and how to reach them.
    Help,
    /// YES, Y: books the offer waiting for this number's answer (or, with none waiting, texts
    /// again, as carriers read YES).
    Yes,
    /// 1 to 9: a choice from the numbered list texted (1 alone is also a yes).
    Number(u32),
}

/// The keyword a whole message is, ignoring case, spaces and trailing punctuation.
pub fn keyword(body: &str) -> Option<Keyword> {
    let word: String = body
        .trim()
        .trim_end_matches(['.', '!', '?'])
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    match word.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" => Some(Keyword::Stop),
        "START" | "UNSTOP" => Some(Keyword::Start),
        "HELP" | "INFO" => Some(Keyword::Help),
        "YES" | "Y" => Some(Keyword::Yes),
        digit if digit.len() == 1 => digit.parse::<u32>().ok().filter(|n| (1..=9).contains(n)).map(Keyword::Number),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_whole_messages_in_any_case() {
        assert_eq!(keyword("STOP"), Some(Keyword::Stop));
        assert_eq!(keyword(" stop. "), Some(Keyword::Stop));
        assert_eq!(keyword("Stop All"), Some(Keyword::Stop));
        assert_eq!(keyword("unsubscribe"), Some(Keyword::Stop));
        assert_eq!(keyword("Start"), Some(Keyword::Start));
        assert_eq!(keyword("help?"), Some(Keyword::Help));
        assert_eq!(keyword("please stop texting me"), None);
        assert_eq!(keyword(""), None);
        assert_eq!(keyword(" yes! "), Some(Keyword::Yes));
        assert_eq!(keyword("y"), Some(Keyword::Yes));
        assert_eq!(keyword(" 1 "), Some(Keyword::Number(1)));
        assert_eq!(keyword("3."), Some(Keyword::Number(3)));
        assert_eq!(keyword("0"), None);
        assert_eq!(keyword("10"), None);
        assert_eq!(keyword("yes please"), None, "only a whole-message yes books");
    }
}
