//! What ASAP texting earned, on the overview: chair hours, production (the office's value per
//! visit, as no procedure fees are on record), texts, the text cost per booking and the median
//! time to fill, per clinic by week and by month; the values only administrators set.

mod harness;

use harness::{TestServer, chicago, fixture};
use serde_json::{Value, json};
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 09:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    a_booking_shows_in_the_earnings_by_week_and_month,
);

async fn a_booking_shows_in_the_earnings_by_week_and_month(s: Arc<TestServer>) {
    let apts = s.asap_patients(3).await;
    s.add_user("boss", true, "").await;
    s.add_user("desk", false, "").await;
    let boss = s.signed_in("boss").await;
    let desk = s.signed_in("desk").await;

    // Only an administrator sets the values; nonsense is refused in words.
    let values = json!({"reckoning": {"recall_visit_cents": 12000, "treatment_visit_cents": 25050, "text_cents": 3}});
    let (status, _) = s.server_fn(&desk, "reckoning-save", values.clone()).await;
    assert_eq!(status, 403);
    let (status, body) = s.server_fn(&boss, "reckoning-save", json!({"reckoning": {"recall_visit_cents": -1, "treatment_visit_cents": 0, "text_cents": 0}})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = s.server_fn(&boss, "reckoning-save", values).await;
    assert_eq!(status, 200, "{body}");

    // Three 30-minute patients texted about one opening; the second books it.
    let recipients: Vec<Value> = apts.iter().map(|a| json!({"Appointment": a})).collect();
    let (status, body) = s.server_fn(&boss, "offer", json!({"op": 1, "start": "2031-03-17 13:00:00", "recipients": recipients, "send_mode": "text"})).await;
    assert_eq!(status, 200, "{body}");
    let opening = body["schedule_num"].as_i64().expect("schedule");
    for at in ["2031-03-17 09:00:00", "2031-03-17 10:00:00"] {
        s.clock.set(chicago(at));
        s.services().send_due_texts().await.expect("send");
    }
    let code = s.text(&format!("SELECT shortguid FROM asapcomm WHERE schedulenum = {opening} AND fkey = {}", apts[1])).await;
    assert_eq!(s.answer_link(&code, "accept").await.status().as_u16(), 303);

    // The clock moved past the sessions' idle limit: sign in again.
    let desk = s.signed_in("desk").await;
    let boss = s.signed_in("boss").await;
    let (status, overview) = s.server_fn(&desk, "overview", json!({})).await;
    assert_eq!(status, 200, "{overview}");
    assert_eq!(overview["may_set_reckoning"], false);
    let week = &overview["earned_weeks"][0];
    assert_eq!(week["period_start"], "2031-03-17");
    assert_eq!((week["openings"].as_i64(), week["bookings"].as_i64(), week["chair_minutes"].as_i64()), (Some(1), Some(1), Some(30)));
    assert_eq!((week["production_cents"].as_i64(), week["valued_by_kind"].as_i64()), (Some(25050), Some(1)), "an appointment, at the office's value");
    assert_eq!((week["texts"].as_i64(), week["text_cost_cents"].as_i64()), (Some(3), Some(9)));
    assert!(week["median_minutes_to_fill"].as_i64().is_some());
    let month = &overview["earned_months"][0];
    assert_eq!((month["period_start"].as_str(), month["bookings"].as_i64()), (Some("2031-03-01"), Some(1)));
    let (_, boss_view) = s.server_fn(&boss, "overview", json!({})).await;
    assert_eq!(boss_view["may_set_reckoning"], true);
    assert_eq!(boss_view["reckoning"]["text_cents"], 3);
}
