//! An HTTP provider in the shape of Twilio's Messages API: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`
//! with HTTP basic auth and a form body, answering `201` with the message's `sid`. Delivery reports
//! and incoming texts come back as form posts signed with `X-Twilio-Signature`.

use super::{OutgoingText, SendOutcome, SmsProvider};
use app::model::OdDateTime;
use base64::Engine;
use hmac::{Hmac, Mac};
use std::time::Duration;

/// Everything comes from configuration; nothing here is specific to one account.
#[derive(Clone, Debug)]
pub struct TwilioSettings {
    /// `https://api.twilio.com`, or a compatible service.
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: String,
    /// The number texts come from, E.164.
    pub from: String,
    /// Where delivery reports are posted (our `/sms/twilio/status`), when reachable from outside.
    pub status_callback: Option<String>,
}

pub struct TwilioProvider {
    settings: TwilioSettings,
    http: reqwest::Client,
}

impl TwilioProvider {
    pub fn new(settings: TwilioSettings) -> Result<Self, String> {
        for (name, value) in [
            ("base URL", &settings.base_url),
            ("account SID", &settings.account_sid),
            ("auth token", &settings.auth_token),
            ("sender number", &settings.from),
        ] {
            if value.trim().is_empty() {
                return Err(format!("the SMS provider's {name} is not set"));
            }
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| format!("the SMS provider's HTTP client could not start: {e}"))?;
        Ok(TwilioProvider { settings, http })
    }

    /// Reads the account (Twilio's REST API, "Fetch an Account resource":
    /// `GET /2010-04-01/Accounts/{AccountSid}.json`): the provider is reachable and takes the SID
    /// and token, without sending anything.
    pub async fn check_account(&self) -> Result<(), String> {
        let url = format!("{}/2010-04-01/Accounts/{}.json", self.settings.base_url.trim_end_matches('/'), self.settings.account_sid);
        let response = self
            .http
            .get(&url)
            .basic_auth(&self.settings.account_sid, Some(&self.settings.auth_token))
            .send()
            .await
            .map_err(|e| format!("could not reach {}: {}", self.settings.base_url, crate::with_causes(&e)))?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            401 | 403 => Err("the provider refused the account SID and auth token".into()),
            404 => Err(format!("the provider knows no account {}", self.settings.account_sid)),
            status => Err(format!("the provider answered {status}")),
        }
    }

    fn messages_url(&self) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.settings.base_url.trim_end_matches('/'),
            self.settings.account_sid
        )
    }
}

#[async_trait::async_trait]
impl SmsProvider for TwilioProvider {
    fn name(&self) -> &'static str {
        "twilio"
    }

    async fn send(&self, text: &OutgoingText, _now: OdDateTime) -> SendOutcome {
        let mut form = vec![("To", text.to.as_str()), ("From", self.settings.from.as_str()), ("Body", text.body.as_str())];
        if let Some(cb) = &self.settings.status_callback {
            form.push(("StatusCallback", cb.as_str()));
        }
        let response = self
            .http
            .post(self.messages_url())
            .basic_auth(&self.settings.account_sid, Some(&self.settings.auth_token))
            .form(&form)
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            // Refused before anything was sent: safe to try again later.
            Err(e) if e.is_connect() => return SendOutcome::NotSent { reason: format!("could not connect to the SMS provider: {e}") },
            Err(e) if e.is_timeout() => {
                return SendOutcome::Unknown { reason: "the SMS provider did not answer in time".into() };
            }
            Err(e) => return SendOutcome::Unknown { reason: format!("the request to the SMS provider failed: {e}") },
        };
        let status = response.status();
        let body: serde_json::Value = match response.json().await {
            Ok(v) => v,
            Err(_) if status.is_success() => {
                return SendOutcome::Unknown { reason: format!("the SMS provider answered {status} without a message id") };
            }
            Err(_) => serde_json::Value::Null,
        };
        let message = body.get("message").and_then(|m| m.as_str()).unwrap_or("").to_string();
        match status.as_u16() {
            200..=299 => match body.get("sid").and_then(|s| s.as_str()) {
                Some(sid) if !sid.is_empty() => SendOutcome::Accepted { message_id: sid.to_string() },
                _ => SendOutcome::Unknown { reason: format!("the SMS provider answered {status} without a message id") },
            },
            // Too many requests: the provider did not take it.
            429 => SendOutcome::NotSent { reason: format!("the SMS provider asked to slow down ({status})") },
            400..=499 => SendOutcome::Rejected {
                reason: if message.is_empty() {
                    format!("the SMS provider refused the text ({status})")
                } else {
                    format!("the SMS provider refused the text: {message}")
                },
            },
            _ => SendOutcome::Unknown { reason: format!("the SMS provider answered {status}") },
        }
    }
}

/// `X-Twilio-Signature`: base64 of HMAC-SHA1 over the full URL followed by each form field's
/// name and value, sorted by name, keyed with the auth token.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut data = String::from(url);
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Compares in constant time, so the answer's timing says nothing about the right signature.
pub fn signature_matches(auth_token: &str, url: &str, params: &[(String, String)], presented: &str) -> bool {
    use subtle::ConstantTimeEq;
    let expected = signature(auth_token, url, params);
    !auth_token.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.trim().as_bytes()))
}

/// Twilio's answer to an incoming message (TwiML, "Messaging Response"): `<Message>` texts
/// `reply` back to the sender; without a reply the response is empty and nothing is sent.
pub fn messaging_response(reply: Option<&str>) -> String {
    const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    match reply {
        Some(text) => format!("{HEAD}<Response><Message>{}</Message></Response>", xml_text(text)),
        None => format!("{HEAD}<Response></Response>"),
    }
}

/// Text as XML 1.0 character data: markup escaped, and the characters XML 1.0 does not allow
/// at all (most control characters, lone surrogates cannot occur in a `str`) left out.
fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn replies_are_twiml_with_the_text_escaped() {
        assert_eq!(messaging_response(None), "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>");
        assert_eq!(
            messaging_response(Some("Tom & Jerry's <b>\"ok\"</b>\nbye\u{0}\u{1b}")),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>Tom &amp; Jerry&apos;s &lt;b&gt;&quot;ok&quot;&lt;/b&gt;\nbye</Message></Response>"
        );
    }

    use super::*;

    #[test]
    fn signature_matches_twilios_documented_example() {
        // The example from Twilio's webhook security documentation.
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let token = "12345";
        assert_eq!(signature(token, url, &params), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(signature_matches(token, url, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        assert!(!signature_matches(token, url, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgR="));
        assert!(!signature_matches("", url, &params, &signature("", url, &params)));
    }
}
