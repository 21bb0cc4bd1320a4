//! The asking order for an opening: the picker's list of those who fit, ranked from their
//! answers on record with the reasons in words, and the waves going out in that order.

mod harness;

use harness::{TestServer, chicago, fixture};
use serde_json::{Value, json};
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 09:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    the_list_for_an_opening_is_in_the_asking_order_with_its_reasons,
    waves_go_out_in_the_asking_order,
    an_opening_in_another_clinics_operatory_is_refused,
    nobody_is_offered_the_same_opening_twice,
);

/// Three 60-minute patients waiting since 2031-01-10: Keen took both earlier offers (Monday
/// afternoons) and is Dr Ruiz's, whose operatory the opening is in; Shy turned down three and
/// was texted on Saturday; New has never been asked.
async fn patients(s: &TestServer) {
    let patient = |num: i64, first: &str| {
        json!({"PatNum": num, "LName": "Ranktest", "FName": first, "WirelessPhone": format!("(555) 401-{num}"),
            "TxtMsgOk": "Yes", "ClinicNum": 1})
    };
    let apt = |num: i64, prov: i64| {
        json!({"AptNum": num * 10, "PatNum": num, "AptStatus": "UnschedList", "Pattern": "XXXXXXXXXXXX", "Op": 1, "ProvNum": prov,
            "AptDateTime": "2031-01-10 09:00:00", "ClinicNum": 1, "Priority": "ASAP"})
    };
    let past_offer = |num: i64, pat: i64, response: &str, sent: &str| {
        json!({"AsapCommNum": num, "FKey": pat * 10, "FKeyType": "UnscheduledAppt", "ScheduleNum": 9301, "PatNum": pat, "ClinicNum": 1,
            "DateTimeEntry": "2031-03-09 08:00:00", "DateTimeExpire": "2031-03-10 13:00:00", "DateTimeSmsScheduled": sent,
            "SmsSendStatus": "SendSuccessful", "DateTimeSmsSent": sent, "ResponseStatus": response,
            "DateTimeOrig": "2031-01-10 09:00:00", "TemplateText": "", "Note": ""})
    };
    s.import(
        &json!({
            "patients": [patient(7101, "Keen"), patient(7102, "Shy"), patient(7103, "New")],
            "appointments": [apt(7101, 1), apt(7102, 2), apt(7103, 2)],
            "schedules": [{"ScheduleNum": 9301, "SchedDate": "2031-03-10", "StartTime": "13:00:00", "StopTime": "14:00:00",
                "SchedType": "WebSchedASAP", "ProvNum": 0, "BlockoutType": 0, "Note": "", "operatories": "1"}],
            "asapcomms": [
                past_offer(930101, 7101, "AcceptedAndMoved", "2031-03-09 08:00:00"),
                past_offer(930102, 7101, "AcceptedAndMoved", "2031-03-09 08:05:00"),
                past_offer(930201, 7102, "Declined", "2031-03-09 08:00:00"),
                past_offer(930202, 7102, "Declined", "2031-03-09 08:05:00"),
                past_offer(930203, 7102, "Declined", "2031-03-15 08:00:00"),
            ],
        })
        .to_string(),
    )
    .await;
}

async fn boss(s: &TestServer) -> reqwest::Client {
    s.add_user("boss", true, "").await;
    s.signed_in("boss").await
}

fn list_query(op: i64, start: &str) -> Value {
    json!({"query": {"clinic": 1, "name": "Ranktest", "fits_minutes": 60, "offset": 0, "opening_op": op, "opening_start": start}})
}

async fn the_list_for_an_opening_is_in_the_asking_order_with_its_reasons(s: Arc<TestServer>) {
    patients(&s).await;
    let client = boss(&s).await;
    let (status, page) = s.server_fn(&client, "asap-list", list_query(1, "2031-03-17 13:00:00")).await;
    assert_eq!(status, 200, "{page}");
    let shown: Vec<(&str, &str)> = page["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| (c["f_name"].as_str().unwrap_or(""), c["rank"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(shown.iter().map(|(name, _)| *name).collect::<Vec<_>>(), ["Keen", "New", "Shy"], "{page:#}");
    assert_eq!(
        shown[0].1,
        "accepted 2 of 2 earlier offers · waiting 66 days · not asked in the last 7 days · fills the time exactly · same provider · \
         accepted 2 offers on a Monday · accepted 2 offers in the afternoon"
    );
    assert_eq!(shown[1].1, "no earlier offers · waiting 66 days · not asked in the last 7 days · fills the time exactly");
    assert_eq!(shown[2].1, "accepted 0 of 3 earlier offers · waiting 66 days · asked 1 time in the last 7 days · fills the time exactly");

    // A longer opening leaves chair time idle, and says so; the order holds.
    let (_, page) = s.server_fn(&client, "asap-list", json!({"query": {"clinic": 1, "name": "Ranktest", "fits_minutes": 90, "offset": 0,
        "opening_op": 1, "opening_start": "2031-03-17 13:00:00"}})).await;
    assert!(page["candidates"][0]["rank"].as_str().unwrap_or("").contains("leaves 30 min of it unused"), "{page:#}");

    // Without an opening the list keeps the ASAP list's order and gives no reasons.
    let (_, page) = s.server_fn(&client, "asap-list", json!({"query": {"clinic": 1, "name": "Ranktest", "fits_minutes": 60, "offset": 0}})).await;
    assert!(page["candidates"].as_array().expect("candidates").iter().all(|c| c["rank"].is_null()), "{page:#}");
}

async fn waves_go_out_in_the_asking_order(s: Arc<TestServer>) {
    patients(&s).await;
    let client = boss(&s).await;
    let recipients = json!([{"Appointment": 71020}, {"Appointment": 71030}, {"Appointment": 71010}]);
    let (status, body) = s
        .server_fn(&client, "offer", json!({"op": 1, "start": "2031-03-17 13:00:00", "recipients": recipients, "send_mode": "text"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let order: Vec<i64> = body["offers"].as_array().expect("offers").iter().map(|o| o["PatNum"].as_i64().unwrap_or(0)).collect();
    assert_eq!(order, [7101, 7103, 7102], "made in the asking order, whatever order staff ticked them in");
    let schedule = body["schedule_num"].as_i64().expect("schedule");
    let mut waves = Vec::new();
    for pat in [7101, 7102, 7103] {
        waves.push(s.scalar(&format!("SELECT wave FROM asapcomm WHERE schedulenum = {schedule} AND patnum = {pat}")).await);
    }
    // By patient number: Keen (7101) is in the first wave, and nobody is in an earlier one.
    assert!(waves[0] <= waves[1] && waves[0] <= waves[2], "Keen goes first: {waves:?}");
}

async fn an_opening_in_another_clinics_operatory_is_refused(s: Arc<TestServer>) {
    patients(&s).await;
    let client = boss(&s).await;
    let (status, body) = s.server_fn(&client, "asap-list", list_query(3, "2031-03-17 13:00:00")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("operatory 3 is not one of this clinic's"), "{body}");
}

async fn nobody_is_offered_the_same_opening_twice(s: Arc<TestServer>) {
    patients(&s).await;
    let client = boss(&s).await;
    let offer = |recipients: Value| {
        let s = s.clone();
        let client = client.clone();
        async move { s.server_fn(&client, "offer", json!({"op": 1, "start": "2031-03-17 13:00:00", "recipients": recipients, "send_mode": "text"})).await }
    };
    let (status, first) = offer(json!([{"Appointment": 71010}, {"Appointment": 71030}])).await;
    assert_eq!(status, 200, "{first}");

    // The list for that time says who has an offer already, and why they are not chosen again.
    let (_, page) = s.server_fn(&client, "asap-list", list_query(1, "2031-03-17 13:00:00")).await;
    let flagged: Vec<(&str, Option<&str>)> = page["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| (c["f_name"].as_str().unwrap_or(""), c["offered_this_time"].as_str()))
        .collect();
    assert!(flagged.contains(&("Keen", Some("already offered this time: Sending"))), "{flagged:?}");
    assert!(flagged.contains(&("Shy", None)), "{flagged:?}");

    // Keen and Shy chosen: only Shy is offered, and the panel says why Keen was not.
    let (status, second) = offer(json!([{"Appointment": 71010}, {"Appointment": 71020}])).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["offers"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["offers"][0]["PatNum"], 7102);
    assert_eq!(second["already_offered"], 1);
    assert_eq!(s.scalar("SELECT COUNT(*) FROM asapcomm WHERE patnum = 7101 AND schedulenum <> 9301").await, 1, "one offer for Keen");

    // Only Keen: refused in words, by the picker (409) and by the API.
    let (status, body) = offer(json!([{"Appointment": 71010}])).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("already has an offer for this opening"), "{body}");
    let r = s.post("/api/v1/asapcomms", r#"{"op": 1, "aptNum": 71010, "dateTimeStart": "2031-03-17 13:00:00"}"#).await;
    // The API answers a time it cannot book with 400, as Open Dental's reference lists.
    let status = r.status().as_u16();
    assert_eq!(status, 400, "{}", r.text().await.unwrap_or_default());
}
