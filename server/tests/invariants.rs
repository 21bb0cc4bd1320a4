//! The claim's invariants held by the database itself, shown by writing past the service: a
//! second winner for an opening and overlapping chair time for claimed appointments are refused
//! on both backends, while the office's own book (and its imported offer history) may overlap as
//! Open Dental allows. A claim that
//! meets such a refusal (a mistake in the service, simulated here) answers with a clean 409 and
//! leaves nothing half-done.

mod harness;

use harness::{TestServer, chicago, fixture};
use server::store::book;
use server::store::StoreError;
use app::domain::Span;
use app::model::OdDateTime;
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 09:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    a_second_winner_for_an_opening_is_refused,
    claimed_chair_time_never_overlaps_in_an_operatory,
    the_offices_own_book_may_overlap,
    a_claim_the_database_refuses_is_a_clean_conflict,
    a_text_sent_as_its_opening_closes_keeps_the_reason,
);

fn at(s: &str) -> OdDateTime {
    OdDateTime::parse(s).expect("test time")
}

fn span(from: &str, to: &str) -> Span {
    Span::new(at(from), at(to))
}

/// An offer row written straight into the table, as a mistaken server might.
async fn raw_offer(s: &TestServer, schedule_num: i64, guid: &str, response_status: i64, own_opening: i64) -> Result<(), StoreError> {
    let mut conn = s.store.pool().acquire().await?;
    sqlx::query(
        "INSERT INTO asapcomm (fkey, fkeytype, schedulenum, patnum, clinicnum, shortguid, datetimeentry, datetimeexpire, \
         datetimesmsscheduled, smssendstatus, datetimesmssent, responsestatus, datetimeorig, templatetext, ownopening) \
         VALUES (1001, 2, $1, 1, 1, $2, '2031-03-17 08:00:00', '2031-03-18 00:00:00', '0001-01-01 00:00:00', 3, \
         '2031-03-17 08:00:00', $3, '0001-01-01 00:00:00', 'text', $4)",
    )
    .bind(schedule_num)
    .bind(guid)
    .bind(response_status)
    .bind(own_opening)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn a_second_winner_for_an_opening_is_refused(s: Arc<TestServer>) {
    raw_offer(&s, 900, "aaaaaaaaaaaaaaaaaaaaa1", 5, 1).await.expect("the first winner");
    raw_offer(&s, 900, "aaaaaaaaaaaaaaaaaaaaa2", 2, 1).await.expect("any number of waiting offers");
    let second = raw_offer(&s, 900, "aaaaaaaaaaaaaaaaaaaaa3", 5, 1).await.expect_err("a second AcceptedAndMoved on one opening");
    assert!(second.is_claim_conflict(), "{second}");
    raw_offer(&s, 901, "aaaaaaaaaaaaaaaaaaaaa4", 5, 1).await.expect("another opening has its own winner");
    // The office's imported history is its record, taken as it comes.
    raw_offer(&s, 902, "aaaaaaaaaaaaaaaaaaaaa5", 5, 0).await.expect("imported");
    raw_offer(&s, 902, "aaaaaaaaaaaaaaaaaaaaa6", 5, 0).await.expect("imported history may hold two");
}

async fn claimed_chair_time_never_overlaps_in_an_operatory(s: Arc<TestServer>) {
    let mut conn = s.store.pool().acquire().await.unwrap();
    book::place(&mut conn, 7001, 1, span("2031-03-17 13:00:00", "2031-03-17 14:00:00")).await.expect("free time");
    let overlap = book::place(&mut conn, 7002, 1, span("2031-03-17 13:30:00", "2031-03-17 14:30:00"))
        .await
        .expect_err("overlapping time in the same operatory");
    assert!(overlap.is_claim_conflict(), "{overlap}");
    let inside = book::place(&mut conn, 7003, 1, span("2031-03-17 13:10:00", "2031-03-17 13:20:00")).await.expect_err("inside");
    assert!(inside.is_claim_conflict(), "{inside}");
    book::place(&mut conn, 7004, 1, span("2031-03-17 14:00:00", "2031-03-17 15:00:00")).await.expect("back to back is fine");
    book::place(&mut conn, 7005, 2, span("2031-03-17 13:30:00", "2031-03-17 14:30:00")).await.expect("another operatory");
    book::place(&mut conn, 7001, 1, span("2031-03-17 12:30:00", "2031-03-17 13:30:00")).await.expect("an appointment moves over its own time");
    let moved_onto = book::place(&mut conn, 7005, 1, span("2031-03-17 14:30:00", "2031-03-17 15:30:00"))
        .await
        .expect_err("moving onto another's time");
    assert!(moved_onto.is_claim_conflict(), "{moved_onto}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM placement").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(n, 3, "only the accepted placements are stored");
}

async fn the_offices_own_book_may_overlap(s: Arc<TestServer>) {
    // A claim placed appointment 1001 at 13:00; the office then books another patient over it
    // and moves 1001 itself: both imports are taken as they come.
    let mut conn = s.store.pool().acquire().await.unwrap();
    book::place(&mut conn, 1001, 1, span("2031-03-17 13:00:00", "2031-03-17 14:00:00")).await.unwrap();
    drop(conn);
    s.import(
        r#"{"appointments": [
            {"AptNum": 1001, "PatNum": 101, "AptStatus": "Scheduled", "Pattern": "XXXXXXXXXXXX", "Op": 1, "AptDateTime": "2031-03-17 13:00:00", "ClinicNum": 1},
            {"AptNum": 8801, "PatNum": 102, "AptStatus": "Scheduled", "Pattern": "XXXXXX", "Op": 1, "AptDateTime": "2031-03-17 13:30:00", "ClinicNum": 1},
            {"AptNum": 8802, "PatNum": 103, "AptStatus": "Scheduled", "Pattern": "XXXXXX", "Op": 1, "AptDateTime": "2031-03-17 13:30:00", "ClinicNum": 1}
        ]}"#,
    )
    .await;
    let mut conn = s.store.pool().acquire().await.unwrap();
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM placement WHERE aptnum = 1001").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(kept, 1, "still where the claim put it");
    drop(conn);
    s.import(r#"{"appointments": [{"AptNum": 1001, "PatNum": 101, "AptStatus": "Scheduled", "Pattern": "XXXXXXXXXXXX", "Op": 2, "AptDateTime": "2031-03-17 15:00:00", "ClinicNum": 1}]}"#)
        .await;
    let mut conn = s.store.pool().acquire().await.unwrap();
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM placement WHERE aptnum = 1001").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(kept, 0, "the office moved it: its book speaks for it now");
}

async fn a_claim_the_database_refuses_is_a_clean_conflict(s: Arc<TestServer>) {
    let r = s.post("/api/v1/asapcomms", r#"{"op": 1, "aptNum": 1001, "dateTimeStart": "2031-03-17 13:00:00"}"#).await;
    assert_eq!(r.status().as_u16(), 201);
    let offer: serde_json::Value = r.json().await.unwrap();
    let num = offer["AsapCommNum"].as_i64().unwrap();
    let schedule = offer["ScheduleNum"].as_i64().unwrap();
    s.clock.set(chicago("2031-03-17 09:10:00"));
    s.services().send_due_texts().await.expect("send round");
    let mut conn = s.store.pool().acquire().await.unwrap();
    let code: String = sqlx::query_scalar("SELECT shortguid FROM asapcomm WHERE asapcommnum = $1").bind(num).fetch_one(&mut *conn).await.unwrap();
    // A mistaken server placed another appointment on this time without the service seeing it.
    book::place(&mut conn, 9999, 1, span("2031-03-17 13:30:00", "2031-03-17 13:40:00")).await.unwrap();
    drop(conn);

    let r = s.answer_link(&code, "accept").await;
    assert_eq!(r.status().as_u16(), 409, "a refused claim is a conflict, not a 500 and not a booking");
    let text = r.text().await.unwrap();
    assert!(text.contains("open the link again"), "{text}");

    let mut conn = s.store.pool().acquire().await.unwrap();
    let apt: String = sqlx::query_scalar("SELECT aptdatetime FROM appointment WHERE aptnum = 1001").fetch_one(&mut *conn).await.unwrap();
    assert_ne!(apt, "2031-03-17 13:00:00", "the appointment did not move");
    let state: i64 = sqlx::query_scalar("SELECT state FROM asapopening WHERE schedulenum = $1").bind(schedule).fetch_one(&mut *conn).await.unwrap();
    assert_eq!(state, 1, "the opening is still open");
    let winners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM asapcomm WHERE responsestatus = 5").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(winners, 0);
}

/// Found by the kill test: a text being handed to the provider while staff withdrew its opening
/// was recorded as sent with an empty Note, wiping the closing's "why", so the offer read as
/// open to take. The record keeps the closing's Note.
async fn a_text_sent_as_its_opening_closes_keeps_the_reason(s: Arc<TestServer>) {
    use server::store::sending::{Channel, SendRecord, lease_due, mark_send_started, record_send};
    let r = s.post("/api/v1/asapcomms", r#"{"op": 1, "aptNum": 1001, "dateTimeStart": "2031-03-17 13:00:00"}"#).await;
    assert_eq!(r.status().as_u16(), 201);
    let offer: serde_json::Value = r.json().await.unwrap();
    let num = offer["AsapCommNum"].as_i64().unwrap();
    let now = at("2031-03-17 09:10:00");
    s.clock.set(chicago("2031-03-17 09:10:00"));
    let lease = 4_000_000_000;
    let mut conn = s.store.pool().acquire().await.unwrap();
    assert_eq!(lease_due(&mut conn, s.store.backend(), Channel::Text, now, lease, 10).await.unwrap(), vec![num]);
    assert!(mark_send_started(&mut conn, Channel::Text, num, lease, now).await.unwrap());
    drop(conn);
    let schedule = offer["ScheduleNum"].as_i64().unwrap();
    s.services().withdraw_opening(schedule, &server::service::Actor::command_line(), None).await.expect("withdrawn");
    let mut conn = s.store.pool().acquire().await.unwrap();
    let delivered = SendRecord {
        send: app::model::SmsSendStatus::SendSuccessful,
        response: app::model::ResponseStatus::PendingRsvp,
        sent_at: now,
        note: "",
        provider_message_id: "SM1",
    };
    assert!(record_send(&mut conn, num, &delivered).await.unwrap());
    let note: String = sqlx::query_scalar("SELECT note FROM asapcomm WHERE asapcommnum = $1").bind(num).fetch_one(&mut *conn).await.unwrap();
    assert!(note.contains("withdrew"), "{note}");
    drop(conn);
    assert_eq!(s.violations("2031-03-17 09:10:00", &[]).await, Vec::<String>::new());
}
