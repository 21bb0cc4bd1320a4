//! The SMTP provider against a fake SMTP server on loopback (see `harness/fake_smtp.rs`): what
//! reaches the server, what the message looks like to a mail client, and which outcome each of
//! the server's answers becomes.

#[path = "harness/fake_smtp.rs"]
mod fake_smtp;

use app::model::OdDateTime;
use base64::Engine;
use fake_smtp::{Config, EndOfData, FakeSmtp, Login};
use server::email::{EmailProvider, OutgoingEmail, SmtpProvider, calendar_file, html_body};
use server::sms::SendOutcome;

const FROM: &str = "asap@office.example";
const PATIENT: &str = "lan.nguyen@patient.example";
const OFFICE: &str = "Smith, Jones & Co Dental";
const LINK: &str = "https://asap.office.example/asap/k3Yb7";
const UNSUBSCRIBE: &str = "https://asap.office.example/unsubscribe?t=Zq81&c=1";
const SUBJECT: &str = "An earlier appointment opened up at Smith, Jones & Co Dental this Thursday";

fn email(text: &str) -> OutgoingEmail {
    OutgoingEmail {
        asap_comm_num: 7,
        clinic_num: 1,
        to: PATIENT.into(),
        from_name: OFFICE.into(),
        subject: SUBJECT.into(),
        text: text.into(),
        html: html_body(text, LINK, Some(UNSUBSCRIBE)),
        link: LINK.into(),
        unsubscribe: Some(UNSUBSCRIBE.into()),
        calendar: None,
        confirmation: false,
    }
}

fn offer() -> OutgoingEmail {
    email(&format!("Lan, a 9:00 AM opening on Thursday is yours if you want it.\n\nVisit {LINK} to reserve it."))
}

async fn send(url: &str, email: &OutgoingEmail) -> SendOutcome {
    let provider = SmtpProvider::new(url, FROM).expect("a usable SMTP URL");
    provider.send(email, OdDateTime::parse("2031-03-17 09:00:00").unwrap()).await
}

fn plain_url(fake: &FakeSmtp) -> String {
    format!("smtp://127.0.0.1:{}", fake.port())
}

/// The only message the fake took, as text (the tests below also check it is 7-bit).
fn only_message(fake: &FakeSmtp) -> String {
    let messages = fake.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    String::from_utf8(messages[0].data.clone()).expect("the mail data is text")
}

/// A MIME entity: headers (unfolded, RFC 5322 §2.2.3) and the body as sent.
struct Entity {
    headers: Vec<(String, String)>,
    body: String,
}

impl Entity {
    /// Headers end at the first empty line (RFC 5322 §2.1); a part may have none (RFC 2046 §5.1.1).
    fn parse(raw: &str) -> Entity {
        let (head, body) = if let Some(body) = raw.strip_prefix("\r\n") { ("", body) } else { raw.split_once("\r\n\r\n").expect("a blank line after the headers") };
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.split("\r\n").filter(|l| !l.is_empty()) {
            if line.starts_with([' ', '\t']) {
                headers.last_mut().expect("a continuation follows a header").1.push_str(line);
            } else {
                let (name, value) = line.split_once(':').expect("a header line is `name: value`");
                headers.push((name.to_string(), value.to_string()));
            }
        }
        let headers = headers.into_iter().map(|(n, v)| (n, v.trim().to_string())).collect();
        Entity { headers, body: body.to_string() }
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    /// The one value of a header that RFC 5322 §3.6 allows once.
    fn one(&self, name: &str) -> &str {
        match self.all(name)[..] {
            [value] => value,
            ref found => panic!("expected one {name} header, found {found:?} in {:?}", self.headers),
        }
    }

    fn media_type(&self) -> String {
        self.one("Content-Type").split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
    }

    /// A Content-Type parameter (RFC 2045 §5.1), quoted or not.
    fn param(&self, param: &str) -> Option<String> {
        self.one("Content-Type").split(';').skip(1).find_map(|p| {
            let (name, value) = p.split_once('=')?;
            name.trim().eq_ignore_ascii_case(param).then(|| value.trim().trim_matches('"').to_string())
        })
    }

    /// The body parts of a multipart entity (RFC 2046 §5.1.1): the CRLF before each delimiter
    /// belongs to it, the preamble and the epilogue are not parts.
    fn parts(&self) -> Vec<Entity> {
        let boundary = self.param("boundary").expect("a multipart Content-Type names its boundary");
        let (body, delimiter) = (format!("\r\n{}", self.body), format!("\r\n--{boundary}"));
        let mut pieces = body.split(&delimiter);
        pieces.next();
        let mut parts = Vec::new();
        for piece in pieces {
            if piece.starts_with("--") {
                return parts;
            }
            let (_padding, part) = piece.split_once("\r\n").expect("a delimiter line ends in CRLF");
            parts.push(Entity::parse(part));
        }
        panic!("no close delimiter `--{boundary}--`");
    }

    /// The body with its Content-Transfer-Encoding (RFC 2045 §6) undone.
    fn decoded(&self) -> String {
        let encoding = self.all("Content-Transfer-Encoding").first().map(|e| e.to_ascii_lowercase()).unwrap_or_else(|| "7bit".into());
        let bytes = match encoding.as_str() {
            "7bit" | "8bit" => self.body.clone().into_bytes(),
            "base64" => {
                let compact: String = self.body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                base64::engine::general_purpose::STANDARD.decode(compact).expect("valid base64")
            }
            "quoted-printable" => quoted_printable(&self.body),
            other => panic!("unexpected Content-Transfer-Encoding {other}"),
        };
        String::from_utf8(bytes).expect("the part's charset is UTF-8")
    }
}

/// RFC 2045 §6.7: `=` CRLF is a soft line break, `=XX` an octet.
fn quoted_printable(body: &str) -> Vec<u8> {
    let (mut out, bytes) = (Vec::new(), body.as_bytes());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes[i + 1..].starts_with(b"\r\n") => i += 3,
            b'=' => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("two hex digits after =");
                out.push(u8::from_str_radix(hex, 16).expect("two hex digits after ="));
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// A display name as a mail client shows it: RFC 2047 §2 encoded-words (`=?charset?B|Q?…?=`)
/// decoded, the space between them dropped (§6.2); a quoted-string (RFC 5322 §3.2.4) unquoted;
/// else the atoms as they are.
fn phrase(raw: &str) -> String {
    if raw.starts_with("=?") {
        return raw.split_whitespace().map(encoded_word).collect();
    }
    match raw.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => raw.to_string(),
    }
}

fn encoded_word(raw: &str) -> String {
    let word = raw.strip_prefix("=?").and_then(|w| w.strip_suffix("?=")).unwrap_or_else(|| panic!("not an encoded-word: {raw}"));
    let mut fields = word.splitn(3, '?');
    let (charset, encoding, text) = (fields.next().unwrap_or_default(), fields.next().expect("an encoding"), fields.next().expect("encoded text"));
    assert!(charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("us-ascii"), "{raw}");
    let bytes = match encoding.to_ascii_uppercase().as_str() {
        "B" => base64::engine::general_purpose::STANDARD.decode(text).expect("RFC 2047 §4.1 base64"),
        // RFC 2047 §4.2: quoted-printable, with `_` for a space.
        "Q" => quoted_printable(&text.replace('_', "=20")),
        other => panic!("unknown RFC 2047 encoding {other}"),
    };
    String::from_utf8(bytes).expect("UTF-8")
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

#[tokio::test]
async fn a_message_the_server_takes_is_delivered_to_the_patient_alone() {
    let fake = FakeSmtp::start(Config::default()).await;
    let outcome = send(&plain_url(&fake), &offer()).await;
    // The id is the server's reply text to the end of DATA, which names its queue entry.
    assert!(matches!(&outcome, SendOutcome::Delivered { message_id } if message_id.contains("FAKE1")), "{outcome:?}");
    let messages = fake.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].from, FROM);
    assert_eq!(messages[0].to, vec![PATIENT.to_string()]);
    let commands = fake.commands();
    assert!(commands.first().is_some_and(|c| c.starts_with("EHLO ")), "{commands:?}");
    assert_eq!(commands.last().map(String::as_str), Some("QUIT"), "the client says goodbye: {commands:?}");
}

#[tokio::test]
async fn the_message_is_multipart_alternative_with_the_text_before_the_html() {
    let fake = FakeSmtp::start(Config::default()).await;
    let email = offer();
    send(&plain_url(&fake), &email).await;
    let message = Entity::parse(&only_message(&fake));
    assert_eq!(message.one("MIME-Version"), "1.0", "RFC 2045 §4");
    assert_eq!(message.media_type(), "multipart/alternative");
    let parts = message.parts();
    // RFC 2046 §5.1.4: alternatives go from the plainest to the richest, and readers show the
    // last one they can.
    let types: Vec<String> = parts.iter().map(Entity::media_type).collect();
    assert_eq!(types, ["text/plain", "text/html"]);
    for part in &parts {
        assert_eq!(part.param("charset").map(|c| c.to_ascii_lowercase()).as_deref(), Some("utf-8"), "{:?}", part.headers);
    }
    assert_eq!(parts[0].decoded(), crlf(&email.text));
    assert_eq!(parts[1].decoded(), crlf(&email.html));
    assert!(parts[1].decoded().contains(&format!("href=\"{LINK}\"")));
}

#[tokio::test]
async fn the_headers_name_the_office_the_patient_and_the_one_click_unsubscribe() {
    let fake = FakeSmtp::start(Config::default()).await;
    send(&plain_url(&fake), &offer()).await;
    let message = Entity::parse(&only_message(&fake));
    // The comma and the ampersand are specials (RFC 5322 §3.2.3), so the display name cannot go
    // bare: lettre writes it as an RFC 2047 encoded-word, where a quoted-string would do too.
    let (name, address) = message.one("From").rsplit_once(' ').expect("display-name angle-addr (RFC 5322 §3.4)");
    assert_eq!((phrase(name).as_str(), address), (OFFICE, format!("<{FROM}>").as_str()));
    assert_eq!(message.one("To"), PATIENT);
    assert_eq!(message.one("Subject"), SUBJECT, "folded, then unfolded back");
    assert_eq!(message.one("List-Unsubscribe"), format!("<{UNSUBSCRIBE}>"), "RFC 2369 §2: a URL in angle brackets");
    assert_eq!(message.one("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click", "RFC 8058 §3.1");
    chrono::DateTime::parse_from_rfc2822(message.one("Date")).expect("an RFC 5322 §3.3 date");
    assert!(message.all("Bcc").is_empty());
}

/// A booking's confirmation: no list to leave, so no List-Unsubscribe (RFC 2369 §3.6 is for
/// lists), and the appointment attached as an iCalendar file beside the two alternatives
/// (RFC 2046 §5.1.3: multipart/mixed; RFC 2183: Content-Disposition; RFC 5545 §8.1: text/calendar).
#[tokio::test]
async fn a_confirmation_attaches_the_calendar_file_and_has_no_unsubscribe() {
    let fake = FakeSmtp::start(Config::default()).await;
    let start = chrono::DateTime::parse_from_rfc3339("2031-03-20T14:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let office = app::model::OfficeIdentity { name: OFFICE.into(), phone: "5551230000".into(), address: "12 Elm St, Salem, OR 97301".into() };
    let ics = calendar_file("asap-7@office.example", start, 40, &office);
    let text = "Dear Lan,\n\nYou're booked for Thursday at 9:00 AM.";
    let confirmation = OutgoingEmail {
        subject: "Booked: 03/20/2031 at 9:00 AM".into(),
        text: text.into(),
        html: html_body(text, "", None),
        link: String::new(),
        unsubscribe: None,
        calendar: Some(ics.clone()),
        confirmation: true,
        ..offer()
    };
    let outcome = send(&plain_url(&fake), &confirmation).await;
    assert!(matches!(outcome, SendOutcome::Delivered { .. }), "{outcome:?}");
    let message = Entity::parse(&only_message(&fake));
    assert!(message.all("List-Unsubscribe").is_empty() && message.all("List-Unsubscribe-Post").is_empty(), "{:?}", message.headers);
    assert_eq!(message.media_type(), "multipart/mixed");
    let parts = message.parts();
    assert_eq!(parts.iter().map(Entity::media_type).collect::<Vec<_>>(), ["multipart/alternative", "text/calendar"]);
    let alternatives = parts[0].parts();
    assert_eq!(alternatives.iter().map(Entity::media_type).collect::<Vec<_>>(), ["text/plain", "text/html"]);
    assert_eq!(alternatives[0].decoded(), crlf(text));
    let calendar = &parts[1];
    let disposition = calendar.one("Content-Disposition");
    assert!(disposition.to_ascii_lowercase().starts_with("attachment") && disposition.contains("appointment.ics"), "{disposition}");
    assert_eq!(calendar.param("method").as_deref(), Some("PUBLISH"), "RFC 5546 §1.4: a calendar sent for information");
    assert_eq!(calendar.decoded(), ics, "the iCalendar lines arrive as written, CRLF and all");
    assert!(calendar.decoded().contains("DTSTART:20310320T140000Z"));
}

/// RFC 5322 §3.6.4 says every message SHOULD carry a Message-ID, and mailbox providers count one
/// missing against the sender.
#[tokio::test]
async fn the_message_has_a_message_id() {
    let fake = FakeSmtp::start(Config::default()).await;
    send(&plain_url(&fake), &offer()).await;
    let message = Entity::parse(&only_message(&fake));
    let id = message.one("Message-ID");
    assert!(id.starts_with('<') && id.ends_with('>') && id.contains('@'), "msg-id is <left@right>: {id}");
}

/// A server without 8BITMIME (RFC 6152) takes 7-bit data only (RFC 5321 §2.4), in lines of at
/// most 1000 octets with the CRLF (§4.5.3.1.6); a line of the text that starts with a period
/// must survive the dot-stuffing (§4.5.2).
#[tokio::test]
async fn accented_text_long_lines_and_leading_periods_arrive_intact_over_7_bit() {
    let fake = FakeSmtp::start(Config::default()).await;
    let long = "Zoë, the hygienist — and Dr. Núñez — ".repeat(60);
    let email = email(&format!("{long}\n.\n..and a line with a leading period\n\nVisit {LINK}."));
    let outcome = send(&plain_url(&fake), &email).await;
    assert!(matches!(outcome, SendOutcome::Delivered { .. }), "{outcome:?}");
    let raw = only_message(&fake);
    assert!(raw.is_ascii(), "8-bit data sent to a server that did not offer 8BITMIME");
    assert!(!raw.replace("\r\n", "").contains(['\r', '\n']), "a bare CR or LF (RFC 5321 §2.3.8)");
    assert!(raw.split("\r\n").all(|l| l.len() <= 998), "a line over 998 characters");
    let parts = Entity::parse(&raw).parts();
    assert_eq!(parts[0].decoded(), crlf(&email.text));
    assert_eq!(parts[1].decoded(), crlf(&email.html));
}

#[tokio::test]
async fn a_permanent_refusal_at_the_end_of_data_is_rejected() {
    let fake = FakeSmtp::start(Config { end_of_data: EndOfData::Reply(550), ..Config::default() }).await;
    let outcome = send(&plain_url(&fake), &offer()).await;
    assert!(matches!(outcome, SendOutcome::Rejected { .. }), "{outcome:?}");
    assert!(fake.messages().is_empty());
}

#[tokio::test]
async fn a_transient_refusal_at_the_end_of_data_is_not_sent() {
    let fake = FakeSmtp::start(Config { end_of_data: EndOfData::Reply(451), ..Config::default() }).await;
    let outcome = send(&plain_url(&fake), &offer()).await;
    assert!(matches!(outcome, SendOutcome::NotSent { .. }), "{outcome:?}");
    assert!(fake.messages().is_empty());
}

#[tokio::test]
async fn a_refused_connection_is_not_sent() {
    // A port that was just free and has no listener: the connection is refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let outcome = send(&format!("smtp://127.0.0.1:{port}"), &offer()).await;
    assert!(matches!(outcome, SendOutcome::NotSent { .. }), "{outcome:?}");
}

#[tokio::test]
async fn an_address_that_cannot_take_mail_is_rejected_without_calling_the_server() {
    let fake = FakeSmtp::start(Config::default()).await;
    let outcome = send(&plain_url(&fake), &OutgoingEmail { to: "lan at patient.example".into(), ..offer() }).await;
    assert!(matches!(outcome, SendOutcome::Rejected { .. }), "{outcome:?}");
    assert!(fake.commands().is_empty(), "{:?}", fake.commands());
}

/// With `tls=required` the mail must not travel in the clear: a server that does not offer
/// STARTTLS (RFC 3207 §4) gets no MAIL command at all.
#[tokio::test]
async fn tls_required_refuses_a_server_without_starttls() {
    let fake = FakeSmtp::start(Config::default()).await;
    let outcome = send(&format!("{}?tls=required", plain_url(&fake)), &offer()).await;
    assert!(matches!(outcome, SendOutcome::NotSent { .. }), "{outcome:?}");
    assert!(fake.messages().is_empty());
    assert!(!fake.commands().iter().any(|c| c.starts_with("MAIL")), "{:?}", fake.commands());
}

/// RFC 3207 §4: a server may offer STARTTLS and then answer 454; the client must not carry on
/// in the clear.
#[tokio::test]
async fn tls_required_refuses_a_server_whose_starttls_fails() {
    let fake = FakeSmtp::start(Config { starttls: true, ..Config::default() }).await;
    let outcome = send(&format!("{}?tls=required", plain_url(&fake)), &offer()).await;
    assert!(matches!(outcome, SendOutcome::NotSent { .. }), "{outcome:?}");
    let commands = fake.commands();
    assert!(commands.contains(&"STARTTLS".to_string()), "{commands:?}");
    assert!(!commands.iter().any(|c| c.starts_with("MAIL")), "{commands:?}");
}

#[tokio::test]
async fn settings_that_cannot_work_stop_the_start_naming_the_variable() {
    for url in ["http://x", "not a url", "smtp://127.0.0.1:2525?tls=sometimes"] {
        let error = SmtpProvider::new(url, FROM).err().unwrap_or_else(|| panic!("{url} was taken"));
        assert!(error.contains("ASAP_SMTP_URL"), "{url}: {error}");
    }
    for from in ["", "asap", "asap at office.example"] {
        let error = SmtpProvider::new("smtp://127.0.0.1:2525", from).err().unwrap_or_else(|| panic!("{from:?} was taken"));
        assert!(error.contains("ASAP_EMAIL_FROM"), "{from:?}: {error}");
    }
}

/// lettre sends the credentials even though this connection is not encrypted: it leaves that
/// to the URL (`smtps://` or `?tls=required`).
/// The password's URL escapes are undone before it is sent.
#[tokio::test]
async fn credentials_in_the_url_are_sent_with_auth_plain() {
    let fake = FakeSmtp::start(Config { auth: &["PLAIN", "LOGIN"], ..Config::default() }).await;
    let url = format!("smtp://front-desk:p%40ss%20w%3Ard@127.0.0.1:{}", fake.port());
    let outcome = send(&url, &offer()).await;
    assert!(matches!(outcome, SendOutcome::Delivered { .. }), "{outcome:?}");
    assert_eq!(fake.logins(), vec![Login { mechanism: "PLAIN".into(), user: "front-desk".into(), pass: "p@ss w:rd".into() }]);
    assert_eq!(fake.messages().len(), 1);
}

#[tokio::test]
async fn a_server_that_offers_only_login_gets_the_credentials_through_login() {
    let fake = FakeSmtp::start(Config { auth: &["LOGIN"], ..Config::default() }).await;
    let outcome = send(&format!("smtp://front-desk:secret@127.0.0.1:{}", fake.port()), &offer()).await;
    assert!(matches!(outcome, SendOutcome::Delivered { .. }), "{outcome:?}");
    assert_eq!(fake.logins(), vec![Login { mechanism: "LOGIN".into(), user: "front-desk".into(), pass: "secret".into() }]);
}

/// A 535 (RFC 4954 §6) is a 5xx, but the fault is the office's password, not the patient's
/// address: the email is not sent now and is tried again once the settings are fixed.
#[tokio::test]
async fn wrong_credentials_send_nothing_and_wait() {
    let fake = FakeSmtp::start(Config { auth: &["PLAIN", "LOGIN"], accept_credentials: false, ..Config::default() }).await;
    let outcome = send(&format!("smtp://front-desk:wrong@127.0.0.1:{}", fake.port()), &offer()).await;
    assert!(matches!(&outcome, SendOutcome::NotSent { reason } if reason.contains("ASAP_SMTP_URL")), "{outcome:?}");
    assert!(fake.messages().is_empty());
    assert!(!fake.commands().iter().any(|c| c.starts_with("MAIL")), "{:?}", fake.commands());
}

/// Credentials for a server that offers no AUTH (RFC 4954 §3): lettre stops rather than send
/// unauthenticated, a client-side error that the provider reports as not sent.
#[tokio::test]
async fn credentials_for_a_server_without_auth_send_nothing() {
    let fake = FakeSmtp::start(Config::default()).await;
    let outcome = send(&format!("smtp://front-desk:secret@127.0.0.1:{}", fake.port()), &offer()).await;
    assert!(matches!(outcome, SendOutcome::NotSent { .. }), "{outcome:?}");
    assert!(!fake.commands().iter().any(|c| c.starts_with("MAIL")), "{:?}", fake.commands());
}

/// A server that took the data and never answered may or may not deliver it (RFC 5321 §6.1), so
/// the provider gives up after its timeout with `Unknown` (lettre's own timeout covers only the
/// connection; the provider bounds the whole send).
#[tokio::test]
async fn a_server_that_never_answers_the_end_of_data_is_unknown() {
    let fake = FakeSmtp::start(Config { end_of_data: EndOfData::Silent, ..Config::default() }).await;
    let provider = SmtpProvider::new(&plain_url(&fake), FROM).expect("a usable SMTP URL").with_timeout(std::time::Duration::from_secs(2));
    let at = OdDateTime::parse("2031-03-17 09:00:00").unwrap();
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(10), provider.send(&offer(), at))
        .await
        .expect("the provider gave up within its timeout");
    assert!(matches!(outcome, SendOutcome::Unknown { .. }), "{outcome:?}");
    assert!(fake.messages().is_empty());
}
