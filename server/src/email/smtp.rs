//! SMTP through lettre: `ASAP_SMTP_URL` in lettre's URL form (`smtps://user:pass@host:465` for
//! TLS from the first byte, `smtp://user:pass@host:587?tls=required` for STARTTLS that must
//! succeed), `ASAP_EMAIL_FROM` as the sender's address.
//!
//! Outcomes follow RFC 5321: a message is the server's only once it answered 250 after DATA. A
//! 5xx refusal is final (`Rejected`); a 4xx, a connection or TLS failure is "not sent, try
//! again" (so is a refused login: the settings are wrong, not the email); a timeout waiting for
//! that last answer may or may not have delivered (`Unknown`), so the email is not sent twice.

use super::{EmailProvider, OutgoingEmail};
use crate::sms::SendOutcome;
use app::model::OdDateTime;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one hand-over may take, well within the sender's lease.
const TIMEOUT: Duration = Duration::from_secs(30);

pub struct SmtpProvider {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::Address,
    timeout: Duration,
}

impl SmtpProvider {
    /// Checks the settings now, so a mistake stops the start with a message instead of failing
    /// every email later.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())
            .map_err(|e| {
                format!(
                    "ASAP_SMTP_URL is not an SMTP address lettre can use ({e}). Write smtps://USER:PASS@HOST:465, or \
                     smtp://USER:PASS@HOST:587?tls=required; URL-encode special characters in the password."
                )
            })?
            .timeout(Some(TIMEOUT))
            .build();
        let from = from
            .trim()
            .parse::<lettre::Address>()
            .map_err(|e| format!("ASAP_EMAIL_FROM `{from}` is not an email address ({e}). Write it as asap@your-office.example."))?;
        Ok(SmtpProvider { transport, from, timeout: TIMEOUT })
    }

    /// Connects, greets and (with credentials in the URL) logs in, then says goodbye: the
    /// settings work, without sending anything.
    pub async fn check_connection(&self) -> Result<(), String> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err("the mail server answered, but not as an SMTP server that is ready".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// How long one hand-over may take before its outcome counts as unknown.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn message(&self, email: &OutgoingEmail) -> Result<Message, String> {
        let to: Mailbox = email.to.parse().map_err(|e| format!("the address `{}` cannot take mail ({e})", email.to))?;
        // A Message-ID (RFC 5322 §3.6.4: SHOULD) lets the office's mail server and the patient's
        // tell one email from another; lettre writes one only when asked.
        let mut builder = Message::builder()
            .message_id(None)
            .from(Mailbox::new(Some(email.from_name.clone()), self.from.clone()))
            .to(to)
            .subject(email.subject.clone());
        if let Some(unsubscribe) = &email.unsubscribe {
            builder = builder.header(ListUnsubscribe(format!("<{unsubscribe}>"))).header(ListUnsubscribePost);
        }
        let body = MultiPart::alternative_plain_html(email.text.clone(), email.html.clone());
        let body = match &email.calendar {
            None => body,
            Some(ics) => {
                let calendar = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                    .map_err(|e| format!("the calendar file's type could not be written ({e})"))?;
                MultiPart::mixed().multipart(body).singlepart(Attachment::new("appointment.ics".into()).body(ics.clone(), calendar))
            }
        };
        builder.multipart(body).map_err(|e| format!("the email could not be built ({e})"))
    }
}

#[async_trait::async_trait]
impl EmailProvider for SmtpProvider {
    fn name(&self) -> &'static str {
        "smtp"
    }

    async fn send(&self, email: &OutgoingEmail, _now: OdDateTime) -> SendOutcome {
        let message = match self.message(email) {
            Ok(m) => m,
            Err(reason) => return SendOutcome::Rejected { reason },
        };
        // lettre's own timeout covers only the connection; a server that stops answering after
        // the message was handed over would hold the sender forever.
        let sent = match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Ok(sent) => sent,
            Err(_) => {
                let seconds = self.timeout.as_secs_f32();
                return SendOutcome::Unknown { reason: format!("the mail server did not answer within {seconds} seconds") };
            }
        };
        match sent {
            Ok(response) => SendOutcome::Delivered { message_id: response.message().next().unwrap_or_default().chars().take(200).collect() },
            // 530/535 (RFC 4954): the settings' account is refused. That is the office's to fix,
            // not a verdict on this email: it waits and is tried again.
            Err(e) if e.status().is_some_and(|c| matches!(c.to_string().as_str(), "530" | "534" | "535")) => {
                SendOutcome::NotSent { reason: format!("the mail server refused the account in ASAP_SMTP_URL: {e}") }
            }
            Err(e) if e.is_permanent() => SendOutcome::Rejected { reason: format!("the mail server refused it: {e}") },
            Err(e) if e.is_timeout() => SendOutcome::Unknown { reason: format!("the mail server did not answer in time: {e}") },
            Err(e) => SendOutcome::NotSent { reason: format!("the mail server could not take it now: {e}") },
        }
    }
}

/// `List-Unsubscribe` (RFC 2369): where the patient stops these emails.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post` (RFC 8058): a mail client may stop them with one click, by POST.
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}
