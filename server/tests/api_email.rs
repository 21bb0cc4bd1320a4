//! Email as a second channel: the picker's send modes, the email queue (sent once, its own daily
//! limit), the offer reached by email and claimed from its link, the unsubscribe link, and the
//! REST API's JSON left exactly as it was.

mod harness;

use harness::{TestServer, chicago, fixture};
use serde_json::{Value, json};
use sqlx::Row;
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 09:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    a_patient_no_text_can_reach_gets_the_offer_by_email_and_books_it,
    each_send_mode_picks_its_channels,
    an_unsubscribe_link_asks_and_one_click_stops_emails,
    an_email_interrupted_while_handed_over_is_not_sent_again,
    the_confirmation_goes_back_the_way_the_patient_answered_with_the_address,
);

/// Four patients on clinic 1's ASAP list, 30 minutes each: no mobile but an email (8001); both,
/// preferring email (8002); a mobile only (8003); an email they opted out of and no mobile (8004).
async fn contactable_patients(s: &TestServer) {
    let patient = |num: i64, phone: &str, email: &str, prefers: &str| {
        json!({"PatNum": num, "LName": format!("Mailer{num}"), "FName": format!("Pat{num}"), "WirelessPhone": phone,
            "TxtMsgOk": "Yes", "ClinicNum": 1, "Email": email, "PreferContactMethod": prefers})
    };
    let patients = vec![
        patient(8001, "", "pat8001@example.com", "None"),
        patient(8002, "(555) 300-8002", "pat8002@example.com", "Email"),
        patient(8003, "(555) 300-8003", "", "TextMessage"),
        patient(8004, "", "pat8004@example.com", "Email"),
    ];
    let appointments: Vec<Value> = (8001..=8004)
        .map(|p| json!({"AptNum": p * 10, "PatNum": p, "AptStatus": "UnschedList", "Pattern": "XXXXXX", "Op": 1, "ProvNum": 1,
            "AptDateTime": "2031-04-20 09:00:00", "ClinicNum": 1, "Priority": "ASAP"}))
        .collect();
    let opt_outs = vec![json!({"PatNum": 8004, "OptOutEmail": 1})];
    s.import(&json!({"patients": patients, "appointments": appointments, "commoptouts": opt_outs}).to_string()).await;
}

async fn offer_from_picker(s: &TestServer, apts: &[i64], mode: &str) -> Value {
    s.add_user("boss", true, "").await;
    let client = s.signed_in("boss").await;
    let recipients: Vec<Value> = apts.iter().map(|a| json!({"Appointment": a})).collect();
    let (status, body) = s
        .server_fn(&client, "offer", json!({"op": 1, "start": "2031-03-17 13:00:00", "recipients": recipients, "send_mode": mode}))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// (patient, text status, response, note, email status or None) of each offer, by patient.
async fn offers(s: &TestServer) -> Vec<(i64, i64, i64, String, Option<i64>)> {
    let mut conn = s.store.pool().acquire().await.unwrap();
    sqlx::query(
        "SELECT c.patnum, c.smssendstatus, c.responsestatus, c.note, e.emailsendstatus FROM asapcomm c \
         LEFT JOIN asapemail e ON e.asapcommnum = c.asapcommnum WHERE c.patnum >= 8001 ORDER BY c.patnum",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get::<Option<i64>, _>(4)))
    .collect()
}

/// (channel: 0 text, 1 email, 2 and 3 a confirmation by either; to, subject, body, html, link)
/// of every outbox message, oldest first.
async fn outbox(s: &TestServer) -> Vec<(i64, String, String, String, String, String)> {
    let mut conn = s.store.pool().acquire().await.unwrap();
    sqlx::query(
        "SELECT channel, CASE WHEN channel IN (1, 3) THEN toaddress ELSE tophone END, subject, body, bodyhtml, link \
         FROM outboxmessage ORDER BY messagenum",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
    .collect()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

// SmsSendStatus and ResponseStatus as stored.
const DO_NOT_SEND: i64 = 1;
const NOT_ATTEMPTED: i64 = 2;
const SUCCESSFUL: i64 = 3;
const UNABLE_TO_SEND: i64 = 0;
const AWAITING_TRANSMIT: i64 = 1;
const PENDING_RSVP: i64 = 2;

async fn a_patient_no_text_can_reach_gets_the_offer_by_email_and_books_it(s: Arc<TestServer>) {
    contactable_patients(&s).await;
    offer_from_picker(&s, &[80010], "preferred").await;
    let rows = offers(&s).await;
    let (_, sms, response, note, email) = &rows[0];
    assert_eq!((*sms, *response, *email), (DO_NOT_SEND, AWAITING_TRANSMIT, Some(NOT_ATTEMPTED)), "{note}");
    assert!(note.contains("valid wireless phone") && note.contains("Sending by email instead."), "{note}");

    let round = s.services().send_due_texts().await.unwrap();
    assert_eq!(round.sent, 1, "{round:?}");
    let sent = outbox(&s).await;
    assert_eq!(sent.len(), 1);
    let (channel, to, subject, body, html, link) = &sent[0];
    assert_eq!((*channel, to.as_str()), (1, "pat8001@example.com"));
    assert!(subject.starts_with("An earlier appointment at "), "{subject}");
    assert!(body.contains("Dear Pat8001,") && body.contains(link.as_str()) && body.contains("03/17/2031 at 1:00 PM"), "{body}");
    assert!(body.contains("/unsubscribe"), "the plain part names the unsubscribe link: {body}");
    assert!(html.contains(&format!("href=\"{link}\"")) && html.contains("Unsubscribe"), "{html}");
    let rows = offers(&s).await;
    assert_eq!((rows[0].2, rows[0].4), (PENDING_RSVP, Some(SUCCESSFUL)), "the email reached the patient: the offer is Sent");
    // A second round sends nothing again.
    assert_eq!(s.services().send_due_texts().await.unwrap().sent, 0);
    assert_eq!(outbox(&s).await.len(), 1);
    // The history row carries the email: its status and when it went.
    let client = s.signed_in("boss").await;
    let (status, page) = s.server_fn(&client, "history", json!({"query": {"date": "2031-03-17"}})).await;
    assert_eq!(status, 200, "{page}");
    let row = page["rows"].as_array().unwrap().iter().find(|r| r["comm"]["PatNum"] == 8001).expect("the offer's row").clone();
    assert_eq!((row["email_status"].as_str(), row["comm"]["SmsSendStatus"].as_str()), (Some("SendSuccessful"), Some("DoNotSend")), "{row}");
    assert_ne!(row["email_sent"], "0001-01-01 00:00:00", "{row}");

    // The API's JSON is the same shape as a texted offer's: no email field, text status as it is.
    let num = s.scalar("SELECT asapcommnum FROM asapcomm WHERE patnum = 8001").await;
    let by_email: Value = s.get(&format!("/api/v1/asapcomms/{num}")).await.json().await.unwrap();
    let texted: Value = s
        .post("/api/v1/asapcomms", r#"{"op": 2, "aptNum": 80030, "dateTimeStart": "2031-03-18 13:00:00"}"#)
        .await
        .json()
        .await
        .unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&by_email), keys(&texted));
    assert_eq!(by_email["SmsSendStatus"], "DoNotSend");
    assert_eq!(by_email["ResponseStatus"], "PendingRsvp");

    // The email's link books the opening, exactly as a text's does.
    let path = link.trim_start_matches("https://asap.example.test").to_string();
    let r = browser().post(s.url(&path)).header("Sec-Fetch-Site", "same-origin").form(&[("answer", "accept")]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let page = s.http.get(s.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("You're booked"), "{page}");
    assert_eq!(s.text("SELECT aptdatetime FROM appointment WHERE aptnum = 80010").await, "2031-03-17 13:00:00");

    // The confirmation goes by the channel the offer reached the patient by, once.
    s.services().send_due_texts().await.unwrap();
    assert_eq!(s.services().send_due_texts().await.unwrap().sent, 0);
    let sent: Vec<_> = outbox(&s).await.into_iter().filter(|m| m.1 == "pat8001@example.com").collect();
    assert_eq!(sent.len(), 2, "the offer and its confirmation: {sent:?}");
    let (channel, to, subject, body, _, _) = &sent[1];
    assert_eq!((*channel, to.as_str(), subject.as_str()), (3, "pat8001@example.com", "Booked: 03/17/2031 at 1:00 PM"), "a confirmation email");
    assert!(body.starts_with("Dear Pat8001,") && body.contains("1:00 PM, for about 30 minutes"), "{body}");
}

async fn the_confirmation_goes_back_the_way_the_patient_answered_with_the_address(s: Arc<TestServer>) {
    contactable_patients(&s).await;
    s.import(
        &json!({"clinics": [{"ClinicNum": 1, "Description": "Maple Grove Dental - North", "Abbr": "North",
            "Address": "120 Commercial St NE", "Address2": "Suite 200", "City": "Salem", "State": "OR", "Zip": "97301"}]})
        .to_string(),
    )
    .await;
    // 8002 can be texted and emailed: the offer goes both ways.
    offer_from_picker(&s, &[80020], "both").await;
    s.clock.set(chicago("2031-03-17 09:10:00"));
    assert_eq!(s.services().send_due_texts().await.unwrap().sent, 2);
    let sent = outbox(&s).await;
    let email = sent.iter().find(|m| m.0 == 1).expect("the offer's email");
    let text = sent.iter().find(|m| m.0 == 0).expect("the offer's text");
    assert!(email.5.ends_with("?via=email"), "the email's link says it is the email's: {}", email.5);
    assert!(!text.5.contains('?'), "the text's link stays bare: {}", text.5);

    // The patient opens the email's link and books from its page.
    let path = email.5.trim_start_matches("https://asap.example.test").to_string();
    let page = s.http.get(s.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("action=\"/asap/") && page.contains("?via=email\""), "the answer keeps the link's via: {page}");
    assert!(page.contains("120 Commercial St NE, Suite 200, Salem, OR 97301"), "the page gives the office's address: {page}");
    let r = browser().post(s.url(&path)).header("Sec-Fetch-Site", "same-origin").form(&[("answer", "accept")]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert!(r.headers()["location"].to_str().unwrap().ends_with("?via=email"));

    // Confirmed by email only, with the address.
    s.services().send_due_texts().await.unwrap();
    let confirmations: Vec<_> = outbox(&s).await.into_iter().filter(|m| m.0 >= 2).collect();
    assert_eq!(confirmations.len(), 1, "one confirmation, by the channel answered from: {confirmations:?}");
    let (channel, to, _, body, _, _) = &confirmations[0];
    assert_eq!((*channel, to.as_str()), (3, "pat8002@example.com"));
    assert!(body.contains("Maple Grove Dental - North:\n120 Commercial St NE, Suite 200, Salem, OR 97301"), "{body}");
}

async fn each_send_mode_picks_its_channels(s: Arc<TestServer>) {
    contactable_patients(&s).await;
    // Text and email: whoever can be texted is texted, whoever can be emailed is emailed.
    offer_from_picker(&s, &[80010, 80020, 80030, 80040], "both").await;
    let rows = offers(&s).await;
    let channels: Vec<(i64, i64, Option<i64>)> = rows.iter().map(|r| (r.0, r.1, r.4)).collect();
    assert_eq!(
        channels,
        vec![
            (8001, DO_NOT_SEND, Some(NOT_ATTEMPTED)),
            (8002, NOT_ATTEMPTED, Some(NOT_ATTEMPTED)),
            (8003, NOT_ATTEMPTED, Some(DO_NOT_SEND)),
            (8004, DO_NOT_SEND, Some(DO_NOT_SEND)),
        ]
    );
    // Nobody can reach 8004: both reasons are kept, and the offer is Unable to send.
    assert_eq!(rows[3].2, UNABLE_TO_SEND);
    assert!(rows[3].3.contains("wireless phone") && rows[3].3.contains("opted out of automated email"), "{}", rows[3].3);
    // Waves go per patient, whatever the channel: four minutes later all three have theirs.
    s.clock.set(chicago("2031-03-17 09:10:00"));
    let round = s.services().send_due_texts().await.unwrap();
    assert_eq!(round.sent, 4, "two emails and two texts: {round:?}");
    let sent = outbox(&s).await;
    let mut to: Vec<&str> = sent.iter().map(|m| m.1.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["+15553008002", "+15553008003", "pat8001@example.com", "pat8002@example.com"]);

    // The opening fills: what is still queued for any channel is not sent.
    let later = offer_from_picker_again(&s, &[80020], "email").await;
    assert!(later.is_some());
    // A text and an email for one offer are one of each, not a message sent twice.
    assert_eq!(s.violations("2031-03-17 09:10:00", &[]).await, Vec::<String>::new());
}

/// A second opening, offered by email only to a patient whose email then waits for its wave.
async fn offer_from_picker_again(s: &TestServer, apts: &[i64], mode: &str) -> Option<Value> {
    let client = s.signed_in("boss").await;
    let recipients: Vec<Value> = apts.iter().map(|a| json!({"Appointment": a})).collect();
    let (status, body) = s
        .server_fn(&client, "offer", json!({"op": 2, "start": "2031-03-17 15:00:00", "recipients": recipients, "send_mode": mode}))
        .await;
    assert_eq!(status, 200, "{body}");
    let schedule = body["schedule_num"].as_i64()?;
    let (status, _) = s.server_fn(&client, "withdraw", json!({"schedule_num": schedule})).await;
    assert_eq!(status, 200);
    let email = s
        .scalar(&format!(
            "SELECT e.emailsendstatus FROM asapemail e JOIN asapcomm c ON c.asapcommnum = e.asapcommnum WHERE c.schedulenum = {schedule}"
        ))
        .await;
    assert_eq!(email, DO_NOT_SEND, "a withdrawn opening's queued email is not sent");
    Some(body)
}

async fn an_unsubscribe_link_asks_and_one_click_stops_emails(s: Arc<TestServer>) {
    contactable_patients(&s).await;
    offer_from_picker(&s, &[80010], "email").await;
    s.services().send_due_texts().await.unwrap();
    let code = s.text("SELECT shortguid FROM asapcomm WHERE patnum = 8001").await;
    let path = format!("/asap/{code}/unsubscribe");

    // A visit (a mail scanner follows links) only asks.
    let page = browser().get(s.url(&path)).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("Stop these emails"));
    assert_eq!(s.scalar("SELECT COUNT(*) FROM commoptout WHERE patnum = 8001 AND optoutemail <> 0").await, 0);

    // The mail client's one-click POST (RFC 8058) comes from elsewhere, and is honoured.
    let r = browser()
        .post(s.url(&path))
        .header("Sec-Fetch-Site", "cross-site")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("won't email you"));
    assert_eq!(s.scalar("SELECT optoutemail FROM commoptout WHERE patnum = 8001").await, 1);

    // The next offer is not emailed, and says why.
    offer_from_picker_again_plain(&s).await;
    let note = s.text("SELECT note FROM asapcomm WHERE patnum = 8001 ORDER BY asapcommnum DESC LIMIT 1").await;
    assert!(note.contains("opted out of automated email"), "{note}");

    // An unknown code learns nothing.
    let r = browser().post(s.url("/asap/AAAAAAAAAAAAAAAAAAAAAA/unsubscribe")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

async fn offer_from_picker_again_plain(s: &TestServer) {
    let client = s.signed_in("boss").await;
    let (status, body) = s
        .server_fn(&client, "offer", json!({"op": 2, "start": "2031-03-17 15:00:00", "recipients": [{"Appointment": 80010}], "send_mode": "email"}))
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn an_email_interrupted_while_handed_over_is_not_sent_again(s: Arc<TestServer>) {
    use server::store::sending::{Channel, lease_due, mark_send_started};
    contactable_patients(&s).await;
    offer_from_picker(&s, &[80010], "email").await;
    let num = s.scalar("SELECT asapcommnum FROM asapcomm WHERE patnum = 8001").await;
    // A sender leases the email and marks it started, then stops (a kill) before recording.
    let lease = 1_000;
    let at = app::model::OdDateTime::parse("2031-03-17 09:00:00").unwrap();
    let mut conn = s.store.pool().acquire().await.unwrap();
    assert_eq!(lease_due(&mut conn, s.store.backend(), Channel::Email, at, lease, 10).await.unwrap(), vec![num]);
    assert!(mark_send_started(&mut conn, Channel::Email, num, lease, at).await.unwrap());
    drop(conn);
    let (released, unknown) = s.services().recover_interrupted_sends().await.unwrap();
    assert_eq!((released, unknown), (0, 1));
    assert_eq!(s.services().send_due_texts().await.unwrap().sent, 0, "never sent a second time");
    let note = s.text(&format!("SELECT note FROM asapemail WHERE asapcommnum = {num}")).await;
    assert!(note.contains("not sent again"), "{note}");
    assert_eq!(s.scalar(&format!("SELECT responsestatus FROM asapcomm WHERE asapcommnum = {num}")).await, PENDING_RSVP);
}
