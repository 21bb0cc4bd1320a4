//! The "gap gone" notice: when an opening is filled, those texted about it who have not answered
//! get one short text saying it was taken (a clinic turns it on; off by default). It goes once,
//! inside the texting hours, and counts toward the daily limit.

mod harness;

use harness::{TestServer, chicago, fixture};
use serde_json::{Value, json};
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 09:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    those_texted_are_told_once_that_the_opening_was_taken,
    nobody_is_told_unless_the_clinic_turns_it_on,
);

async fn boss(s: &TestServer) -> reqwest::Client {
    s.add_user("boss", true, "").await;
    s.signed_in("boss").await
}

async fn turn_on(s: &TestServer, client: &reqwest::Client) {
    let (_, setup) = s.server_fn(client, "messages", json!({"clinic": 1})).await;
    assert_eq!(setup["gap_gone_notice"], false, "off by default");
    let change = json!({"change": {"clinic_num": 1, "message": setup["message"], "confirm_booking": true,
        "split_openings": true, "gap_gone_notice": true}});
    let (status, saved) = s.server_fn(client, "messages-save", change).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["gap_gone_notice"], true);
}

/// Offers operatory `op` at `start` to these appointments (the asap_patients' 30-minute ones).
async fn offer(s: &TestServer, client: &reqwest::Client, op: i64, start: &str, apts: &[i64]) -> i64 {
    let recipients: Vec<Value> = apts.iter().map(|a| json!({"Appointment": a})).collect();
    let (status, body) =
        s.server_fn(client, "offer", json!({"op": op, "start": start, "recipients": recipients, "send_mode": "text"})).await;
    assert_eq!(status, 200, "{body}");
    body["schedule_num"].as_i64().expect("schedule")
}

async fn send_at(s: &TestServer, at: &str) {
    s.clock.set(chicago(at));
    s.services().send_due_texts().await.expect("send");
}

async fn code(s: &TestServer, schedule: i64, apt: i64) -> String {
    s.text(&format!("SELECT shortguid FROM asapcomm WHERE schedulenum = {schedule} AND fkey = {apt}")).await
}

/// Notices in the outbox, by the patient's offer.
async fn notices(s: &TestServer) -> Vec<i64> {
    let mut conn = s.store.pool().acquire().await.expect("conn");
    sqlx::query_scalar("SELECT asapcommnum FROM outboxmessage WHERE channel = 6 ORDER BY asapcommnum")
        .fetch_all(&mut *conn)
        .await
        .expect("outbox")
}

async fn those_texted_are_told_once_that_the_opening_was_taken(s: Arc<TestServer>) {
    let apts = s.asap_patients(4).await;
    let client = boss(&s).await;
    turn_on(&s, &client).await;
    // Four patients texted about 13:00; the fourth also about another opening, so that a notice
    // would be their third text today (the office's limit is two).
    let opening = offer(&s, &client, 1, "2031-03-17 13:00:00", &apts).await;
    offer(&s, &client, 2, "2031-03-17 14:00:00", &apts[3..]).await;
    send_at(&s, "2031-03-17 09:00:00").await;
    send_at(&s, "2031-03-17 10:00:00").await;
    // The third turns it down; the first takes it.
    assert_eq!(s.answer_link(&code(&s, opening, apts[2]).await, "decline").await.status().as_u16(), 303);
    assert_eq!(s.answer_link(&code(&s, opening, apts[0]).await, "accept").await.status().as_u16(), 303);
    send_at(&s, "2031-03-17 10:05:00").await;

    // Only the second is told: not the winner, not the one who declined, not the one at the limit.
    let told = notices(&s).await;
    let second = s.scalar(&format!("SELECT asapcommnum FROM asapcomm WHERE schedulenum = {opening} AND fkey = {}", apts[1])).await;
    assert_eq!(told, [second]);
    let body = s.text("SELECT body FROM outboxmessage WHERE channel = 6").await;
    assert!(body.ends_with("the Mon 03/17 1:00 PM opening we texted you about has been taken. You stay on our list for the next one; no need to reply."), "{body}");
    let fourth = s.scalar(&format!("SELECT asapcommnum FROM asapcomm WHERE schedulenum = {opening} AND fkey = {}", apts[3])).await;
    assert!(s.text(&format!("SELECT note FROM gonetext WHERE asapcommnum = {fourth}")).await.contains("limit of 2 ASAP texts today"));

    // Once: later sends, and the sweep, send nothing more.
    send_at(&s, "2031-03-17 11:00:00").await;
    s.services().sweep().await.expect("sweep");
    send_at(&s, "2031-03-17 12:00:00").await;
    assert_eq!(notices(&s).await, [second]);
    let broken = s.violations("2031-03-17 09:00:00", &[]).await;
    assert!(broken.is_empty(), "{broken:#?}");
}

async fn nobody_is_told_unless_the_clinic_turns_it_on(s: Arc<TestServer>) {
    let apts = s.asap_patients(2).await;
    let client = boss(&s).await;
    let opening = offer(&s, &client, 1, "2031-03-17 13:00:00", &apts).await;
    send_at(&s, "2031-03-17 09:00:00").await;
    send_at(&s, "2031-03-17 10:00:00").await;
    assert_eq!(s.answer_link(&code(&s, opening, apts[0]).await, "accept").await.status().as_u16(), 303);
    send_at(&s, "2031-03-17 10:05:00").await;
    assert_eq!(s.scalar("SELECT COUNT(*) FROM gonetext").await, 0);
    assert!(notices(&s).await.is_empty());
}
