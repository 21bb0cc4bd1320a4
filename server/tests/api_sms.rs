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
    yes_books_the_waiting_offer_and_a_number_chooses_among_three,
    reply_claims_racing_web_claims_leave_one_winner,
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
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert_eq!(status, 201, "{target} at {start}: {body}");
    serde_json::from_str::<Value>(&body).unwrap()["AsapCommNum"].as_i64().unwrap()
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

/// What the server texts back to an inbound text from `from`.
async fn reply(s: &TestServer, from: &str, body: &str) -> String {
    let r = callback(s, "/sms/twilio/inbound", &[("From", from), ("Body", body), ("To", "+15550142200")], None).await;
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.unwrap()
}

async fn yes_books_the_waiting_offer_and_a_number_chooses_among_three(s: Arc<TestServer>, _: Arc<Fake>, _: String) {
    let lan = "+15552010101";
    // STOP and HELP keep priority: with an offer waiting, they still only stop or help.
    let first = offer(&s, r#""aptNum": 1001"#, "2031-03-18 13:00:00").await;
    s.services().send_due_texts().await.unwrap();
    assert!(reply(&s, lan, "help").await.contains("Reply YES to book one"));
    reply(&s, lan, "STOP").await;
    assert_eq!(s.scalar("SELECT optoutsms FROM commoptout WHERE patnum = 101").await, 1, "opted out of texts");
    reply(&s, lan, "START").await;
    assert_eq!(comm(&s, first).await["ResponseStatus"], "PendingRsvp", "neither books anything");

    // Three openings wait for Lan's answer (two texted today, one tomorrow morning, within the
    // office's two texts a day): YES lists them, most recently texted first.
    let second = offer(&s, r#""aptNum": 1001"#, "2031-03-18 15:30:00").await;
    s.services().send_due_texts().await.unwrap();
    s.clock.set(chicago("2031-03-18 08:00:00"));
    let third = offer(&s, r#""aptNum": 1001"#, "2031-03-18 10:00:00").await;
    s.services().send_due_texts().await.unwrap();
    let list = reply(&s, lan, " yes ").await;
    assert!(list.contains("3 openings are waiting for you at Maple Grove Dental - North. Reply 1 for"), "{list}");
    for num in [first, second, third] {
        assert_eq!(comm(&s, num).await["ResponseStatus"], "PendingRsvp", "a list books nothing");
    }
    let listed: Vec<i64> = {
        let mut conn = s.store.pool().acquire().await.unwrap();
        sqlx::query_scalar("SELECT asapcommnum FROM replylist ORDER BY position").fetch_all(&mut *conn).await.unwrap()
    };
    assert_eq!(listed, [third, second, first]);
    assert_eq!(reply(&s, lan, "7").await, twiml("Please reply with a number from 1 to 3, or tap the link in the text."));

    // "2" books the second on the list, exactly as its link would.
    let booked = reply(&s, lan, "2").await;
    assert!(booked.contains("You&apos;re booked:") || booked.contains("You're booked:"), "{booked}");
    let chosen = comm(&s, listed[1]).await;
    assert_eq!(chosen["ResponseStatus"], "AcceptedAndMoved");
    assert!(chosen["Note"].as_str().unwrap_or("").ends_with("Booked by a text reply."), "{chosen}");
    for other in [listed[0], listed[2]] {
        assert_eq!(comm(&s, other).await["ResponseStatus"], "ChoseDifferentSlot");
    }
    // Nothing waits now: YES says so.
    assert!(reply(&s, lan, "Y").await.contains("no opening is waiting for your answer now"));

}

/// The TwiML a reply comes back in.
fn twiml(text: &str) -> String {
    format!(r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>{text}</Message></Response>"#)
}

/// Twenty patients offered one opening; half answer YES by text and half tap their link, all at once.
async fn reply_claims_racing_web_claims_leave_one_winner(s: Arc<TestServer>, _: Arc<Fake>, _: String) {
    let apts = s.asap_patients(20).await;
    let mut offers = Vec::new();
    for apt in &apts {
        offers.push(offer(&s, &format!(r#""aptNum": {apt}"#), "2031-03-17 13:00:00").await);
    }
    for at in ["2031-03-17 09:00:00", "2031-03-17 10:00:00"] {
        s.clock.set(chicago(at));
        s.services().send_due_texts().await.unwrap();
    }
    let mut tasks = Vec::new();
    for (i, num) in offers.iter().enumerate() {
        let s = s.clone();
        let num = *num;
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let phone = format!("+1555{:03}{:04}", 400 + i / 100, 1000 + i);
                Some(reply(&s, &phone, "YES").await)
            } else {
                let code = s.text(&format!("SELECT shortguid FROM asapcomm WHERE asapcommnum = {num}")).await;
                let status = s.answer_link(&code, "accept").await.status().as_u16();
                assert!(status == 303 || status == 409, "{status}");
                None
            }
        }));
    }
    let mut replies = Vec::new();
    for t in tasks {
        if let Some(r) = t.await.unwrap() {
            replies.push(r);
        }
    }
    assert_eq!(s.scalar("SELECT COUNT(*) FROM asapcomm WHERE responsestatus = 5").await, 1, "one winner");
    let booked_by_reply = replies.iter().filter(|r| r.contains("booked:")).count();
    let winner_replied = s.scalar("SELECT COUNT(*) FROM asapcomm WHERE responsestatus = 5 AND note LIKE '%text reply.'").await;
    assert_eq!(booked_by_reply as i64, winner_replied, "a reply says booked exactly when its claim won: {replies:#?}");
    for r in &replies {
        assert!(r.contains("booked:") || r.contains("just taken") || r.contains("no opening is waiting"), "{r}");
    }
    let broken = s.violations("2031-03-17 09:00:00", &[]).await;
    assert!(broken.is_empty(), "{broken:#?}");
}
