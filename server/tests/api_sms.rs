//! Texts through a Twilio-shaped HTTP provider (a fake one on loopback), its signed delivery
//! reports, and the words patients text back. On the example office, clock at 2031-03-17 09:00.

mod harness;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use harness::{Db, TestServer, chicago, fixture};
use serde_json::{Value, json};
use server::config::{Settings, SmsProviderKind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const TOKEN: &str = "test-auth-token";
const SID: &str = "ACtest0001";
const PUBLIC: &str = "https://asap.example.test";

/// How the fake provider answers the next sends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Accept,
    Refuse,
    Fail,
}

#[derive(Default)]
struct Fake {
    received: Mutex<Vec<Vec<(String, String)>>>,
    mode: Mutex<Option<Mode>>,
    count: AtomicUsize,
}

async fn messages(State(fake): State<Arc<Fake>>, Path(sid): Path<String>, headers: HeaderMap, body: String) -> impl IntoResponse {
    use base64::Engine;
    let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}")));
    if sid != SID || headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"code": 20003, "message": "Authenticate"}))).into_response();
    }
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap();
    fake.received.lock().unwrap().push(form);
    let n = fake.count.fetch_add(1, Ordering::SeqCst) + 1;
    match fake.mode.lock().unwrap().unwrap_or(Mode::Accept) {
        Mode::Accept => (StatusCode::CREATED, axum::Json(json!({"sid": format!("SM{n:032}"), "status": "queued"}))).into_response(),
        Mode::Refuse => {
            (StatusCode::BAD_REQUEST, axum::Json(json!({"code": 21211, "message": "The 'To' number is not a valid phone number."})))
                .into_response()
        }
        Mode::Fail => (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response(),
    }
}

async fn start_fake() -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake::default());
    let app = axum::Router::new().route("/2010-04-01/Accounts/{sid}/Messages.json", post(messages)).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (fake, format!("http://{addr}"))
}

fn twilio(base: String) -> impl FnOnce(&mut Settings) {
    move |s: &mut Settings| {
        s.sms_provider = SmsProviderKind::Twilio;
        s.twilio_base_url = base;
        s.twilio_account_sid = SID.into();
        s.twilio_auth_token = TOKEN.into();
        s.twilio_from = "+15550142200".into();
    }
}

macro_rules! sms_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::run(super::Db::Sqlite, super::$name).await }
            )+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::run(super::Db::Postgres, super::$name).await }
            )+
        }
    };
}

sms_tests!(
    texts_go_through_the_provider_and_delivery_reports_move_forward_only,
    callbacks_without_the_right_signature_change_nothing,
    refusals_failures_and_unreachable_providers_are_recorded_as_such,
    stop_start_and_help_from_the_patient,
);

async fn run<F, Fut>(db: Db, body: F)
where
    F: FnOnce(Arc<TestServer>, Arc<Fake>, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (fake, base) = start_fake().await;
    let Some(server) =
        TestServer::start_with(db, &fixture("example-office.json"), chicago("2031-03-17 09:00:00"), twilio(base.clone()), None).await
    else {
        eprintln!("skipped: {db:?} is not available");
        return;
    };
    let server = Arc::new(server);
    body(server.clone(), fake, base).await;
    if let Ok(server) = Arc::try_unwrap(server) {
        server.stop().await;
    }
}

async fn offer(s: &TestServer, target: &str, start: &str) -> i64 {
    let r = s.post("/api/v1/asapcomms", &format!(r#"{{"op": 1, {target}, "dateTimeStart": "{start}"}}"#)).await;
    assert_eq!(r.status().as_u16(), 201);
    r.json::<Value>().await.unwrap()["AsapCommNum"].as_i64().unwrap()
}

async fn comm(s: &TestServer, num: i64) -> Value {
    s.get(&format!("/api/v1/asapcomms/{num}")).await.json().await.unwrap()
}

/// Posts a provider callback, signed as the provider signs it (or with `signature` if given).
async fn callback(s: &TestServer, path: &str, params: &[(&str, &str)], signature: Option<&str>) -> reqwest::Response {
    let owned: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let sig = signature.map(str::to_string).unwrap_or_else(|| server::sms::signature(TOKEN, &format!("{PUBLIC}{path}"), &owned));
    s.http.post(s.url(path)).header("X-Twilio-Signature", sig).form(&owned).send().await.unwrap()
}

async fn status(s: &TestServer, sid: &str, status: &str) -> u16 {
    callback(s, "/sms/twilio/status", &[("MessageSid", sid), ("MessageStatus", status), ("AccountSid", SID)], None)
        .await
        .status()
        .as_u16()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

async fn texts_go_through_the_provider_and_delivery_reports_move_forward_only(s: Arc<TestServer>, fake: Arc<Fake>, _: String) {
    let a = offer(&s, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    let b = offer(&s, r#""recallNum": 501"#, "2031-03-17 14:00:00").await;
    let round = s.services().send_due_texts().await.unwrap();
    assert_eq!(round.sent, 2, "{round:?}");
    let sent = fake.received.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    let to_lan = sent.iter().find(|f| field(f, "To") == "+15552010101").expect("a text to Lan");
    assert_eq!(field(to_lan, "From"), "+15550142200");
    assert!(field(to_lan, "Body").starts_with("Lan, an appointment opening"), "{to_lan:?}");
    assert!(field(to_lan, "Body").contains("https://asap.example.test/asap/"));
    assert_eq!(field(to_lan, "StatusCallback"), "https://asap.example.test/sms/twilio/status");
    let ca = comm(&s, a).await;
    assert_eq!(ca["SmsSendStatus"], "SentAwaitingReceipt", "the provider took it; the receipt comes later");
    assert_eq!(ca["ResponseStatus"], "PendingRsvp");
    let sid_of = |n: i64| {
        let s = s.clone();
        async move {
            let mut conn = s.store.pool().acquire().await.unwrap();
            sqlx::query_scalar::<_, String>("SELECT providermessageid FROM asapcomm WHERE asapcommnum = $1")
                .bind(n)
                .fetch_one(&mut *conn)
                .await
                .unwrap()
        }
    };
    let (sid_a, sid_b) = (sid_of(a).await, sid_of(b).await);
    assert!(sid_a.starts_with("SM"));
    // "sent" says nothing new; "delivered" completes it; repeats and late "failed" change nothing.
    assert_eq!(status(&s, &sid_a, "sent").await, 204);
    assert_eq!(comm(&s, a).await["SmsSendStatus"], "SentAwaitingReceipt");
    assert_eq!(status(&s, &sid_a, "delivered").await, 204);
    assert_eq!(comm(&s, a).await["SmsSendStatus"], "SendSuccessful");
    assert_eq!(status(&s, &sid_a, "delivered").await, 204);
    assert_eq!(status(&s, &sid_a, "failed").await, 204);
    assert_eq!(comm(&s, a).await["SmsSendStatus"], "SendSuccessful");
    // Out of order: "failed" first, then a stray "delivered".
    assert_eq!(status(&s, &sid_b, "undelivered").await, 204);
    assert_eq!(status(&s, &sid_b, "delivered").await, 204);
    let cb = comm(&s, b).await;
    assert_eq!(cb["SmsSendStatus"], "SendFailed");
    assert_eq!(cb["ResponseStatus"], "Failed");
    assert!(cb["Note"].as_str().unwrap().contains("could not deliver"), "{cb}");
    // A report for a message we never sent is harmless.
    assert_eq!(status(&s, "SMunknown", "delivered").await, 204);
}

async fn callbacks_without_the_right_signature_change_nothing(s: Arc<TestServer>, _: Arc<Fake>, _: String) {
    let a = offer(&s, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    s.services().send_due_texts().await.unwrap();
    let before = comm(&s, a).await;
    let mut conn = s.store.pool().acquire().await.unwrap();
    let sid: String = sqlx::query_scalar("SELECT providermessageid FROM asapcomm WHERE asapcommnum = $1")
        .bind(a)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let params = [("MessageSid", sid.as_str()), ("MessageStatus", "delivered")];
    let forged = callback(&s, "/sms/twilio/status", &params, Some("bm90IHRoZSBzaWduYXR1cmU=")).await;
    assert_eq!(forged.status().as_u16(), 403);
    let r = s.http.post(s.url("/sms/twilio/status")).form(&params).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403, "no signature at all");
    let stop = callback(&s, "/sms/twilio/inbound", &[("From", "+15552010101"), ("Body", "STOP")], Some("AAAA")).await;
    assert_eq!(stop.status().as_u16(), 403);
    assert_eq!(comm(&s, a).await, before);
    let mut conn = s.store.pool().acquire().await.unwrap();
    let optouts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM commoptout WHERE patnum = 101").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(optouts, 0);
}

async fn refusals_failures_and_unreachable_providers_are_recorded_as_such(s: Arc<TestServer>, fake: Arc<Fake>, _: String) {
    *fake.mode.lock().unwrap() = Some(Mode::Refuse);
    let a = offer(&s, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    s.services().send_due_texts().await.unwrap();
    let ca = comm(&s, a).await;
    assert_eq!(ca["SmsSendStatus"], "SendFailed");
    assert_eq!(ca["ResponseStatus"], "Failed");
    assert!(ca["Note"].as_str().unwrap().contains("not a valid phone number"), "{ca}");

    *fake.mode.lock().unwrap() = Some(Mode::Fail);
    let b = offer(&s, r#""recallNum": 501"#, "2031-03-17 14:00:00").await;
    s.services().send_due_texts().await.unwrap();
    let cb = comm(&s, b).await;
    assert_eq!(cb["SmsSendStatus"], "SentAwaitingReceipt", "a 500 may or may not have sent it: {cb}");
    assert!(cb["Note"].as_str().unwrap().contains("may or may not have gone out"), "{cb}");
    let calls = fake.count.load(Ordering::SeqCst);
    s.clock.set(chicago("2031-03-17 10:00:00"));
    s.services().send_due_texts().await.unwrap();
    assert_eq!(fake.count.load(Ordering::SeqCst), calls, "an unknown outcome is never sent blindly again");
}

async fn stop_start_and_help_from_the_patient(s: Arc<TestServer>, _: Arc<Fake>, _: String) {
    let r = callback(&s, "/sms/twilio/inbound", &[("From", "+15552010101"), ("Body", "Stop"), ("To", "+15550142200")], None).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "text/xml; charset=utf-8");
    let a = offer(&s, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    let ca = comm(&s, a).await;
    assert_eq!(ca["SmsSendStatus"], "DoNotSend");
    assert_eq!(ca["Note"], "Not sending text because the patient has opted out of automated messaging.");
    let r = callback(&s, "/sms/twilio/inbound", &[("From", "+15552010101"), ("Body", "START")], None).await;
    assert_eq!(r.status().as_u16(), 200);
    let b = offer(&s, r#""aptNum": 1001"#, "2031-03-17 15:30:00").await;
    assert_eq!(comm(&s, b).await["SmsSendStatus"], "SendNotAttempted");
    // A STOP that arrives after an offer was queued still stops its text.
    callback(&s, "/sms/twilio/inbound", &[("From", "+15552010101"), ("Body", "unsubscribe")], None).await;
    s.services().send_due_texts().await.unwrap();
    assert_eq!(comm(&s, b).await["SmsSendStatus"], "DoNotSend");
    let help = callback(&s, "/sms/twilio/inbound", &[("From", "+15552010101"), ("Body", "help")], None).await;
    let xml = help.text().await.unwrap();
    assert!(xml.contains("<Message>Maple Grove Dental - North"), "{xml}");
    assert!(xml.contains("(555) 123-0000"), "{xml}");
    // Anything else gets no reply and changes nothing.
    let other = callback(&s, "/sms/twilio/inbound", &[("From", "+15552010199"), ("Body", "see you then")], None).await;
    assert_eq!(other.text().await.unwrap(), r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#);
}
