//! The offer rules through `POST /asapcomms` and the read endpoints around it, on the spec's
//! example office (`example-office.json`), with the office clock stopped at 2031-03-17 07:00.

mod harness;

use harness::{TestServer, chicago, fixture};
use serde_json::{Value, json};
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 07:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    conflicts_name_what_is_in_the_way_and_change_nothing,
    half_open_spans_and_non_blocking_blockouts,
    the_asap_appointment_does_not_block_itself,
    texting_decisions_give_reasons,
    send_window_and_lead_time,
    daily_text_limit_holds_under_concurrent_offers,
    declined_stop_is_respected,
    invalid_bodies_are_rejected_and_change_nothing,
    asap_list_order_and_filters,
    slots_are_provider_time_minus_what_occupies_it,
    schedules_endpoints,
    operatories_endpoints,
    import_is_all_or_nothing,
);

async fn post(s: &TestServer, op: i64, target: &str, start: &str) -> (u16, String) {
    let body = format!(r#"{{"op": {op}, {target}, "dateTimeStart": "{start}"}}"#);
    let r = s.post("/api/v1/asapcomms", &body).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

fn comm(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}

async fn conflicts_name_what_is_in_the_way_and_change_nothing(s: Arc<TestServer>) {
    let before = s.snapshot().await;
    // Appointment 1001 is 50 minutes; from 09:30 it would run into appointment 1004 at 10:00.
    let (status, body) = post(&s, 1, r#""aptNum": 1001"#, "2031-03-17 09:30:00").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("appointment 1004"), "{body}");
    assert!(body.contains("Op 1"), "{body}");
    let (status, body) = post(&s, 1, r#""aptNum": 1001"#, "2031-03-17 12:00:00").await;
    assert_eq!(status, 400);
    assert!(body.contains("'Lunch' blockout"), "{body}");
    let (status, body) = post(&s, 2, r#""recallNum": 501"#, "2031-03-17 11:30:00").await;
    assert_eq!(status, 400, "60 minutes from 11:30 runs into lunch in Hyg 1: {body}");
    assert!(body.contains("Lunch"), "{body}");
    assert_eq!(s.snapshot().await, before, "a rejected offer must not change any table");
}

async fn half_open_spans_and_non_blocking_blockouts(s: Arc<TestServer>) {
    // Ends exactly when appointment 1004 starts; starts exactly when it ends.
    assert_eq!(post(&s, 1, r#""aptNum": 1001"#, "2031-03-17 09:10:00").await.0, 201);
    assert_eq!(post(&s, 1, r#""aptNum": 1001"#, "2031-03-17 10:45:00").await.0, 201);
    // Ends exactly when lunch starts.
    assert_eq!(post(&s, 2, r#""recallNum": 501"#, "2031-03-17 11:00:00").await.0, 201);
    // The emergency hold has no NS flag, so it does not block.
    let (status, body) = post(&s, 1, r#""aptNum": 1002"#, "2031-03-17 15:00:00").await;
    assert_eq!(status, 201, "{body}");
}

async fn the_asap_appointment_does_not_block_itself(s: Arc<TestServer>) {
    let (status, body) = post(&s, 1, r#""aptNum": 1001"#, "2031-03-28 09:00:00").await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = post(&s, 1, r#""aptNum": 1002"#, "2031-03-28 09:00:00").await;
    assert_eq!(status, 400, "another patient cannot take appointment 1001's time: {body}");
}

async fn texting_decisions_give_reasons(s: Arc<TestServer>) {
    let cases = [
        (1, r#""aptNum": 1002"#, "UnscheduledAppt", "does not have a valid wireless phone"),
        (3, r#""aptNum": 1003"#, "Broken", "opted out"),
        (1, r#""aptNum": 1005"#, "PlannedAppt", "does not allow text messages"),
    ];
    for (i, (op, target, fkey_type, reason)) in cases.iter().enumerate() {
        let start = format!("2031-03-18 {:02}:00:00", 9 + i);
        let (status, body) = post(&s, *op, target, &start).await;
        assert_eq!(status, 201, "{body}");
        let c = comm(&body);
        assert_eq!(c["FKeyType"], *fkey_type);
        assert_eq!(c["SmsSendStatus"], "DoNotSend");
        assert_eq!(c["ResponseStatus"], "UnableToSend");
        assert_eq!(c["DateTimeSmsScheduled"], "0001-01-01 00:00:00");
        assert!(c["Note"].as_str().unwrap().contains(reason), "{body}");
    }
    // TxtMsgOk Unknown with a valid phone may be texted.
    let (_, body) = post(&s, 2, r#""recallNum": 501"#, "2031-03-18 09:00:00").await;
    let c = comm(&body);
    assert_eq!(c["FKeyType"], "Recall");
    assert_eq!(c["ResponseStatus"], "AwaitingTransmit");
    assert_eq!(c["DateTimeOrig"], "2031-03-20 00:00:00");
    assert_eq!(c["ClinicNum"], 1);
    assert_eq!(c["DateTimeExpire"], "2031-03-25 09:00:00");
    assert!(c["TemplateText"].as_str().unwrap().contains("on 03/18/2031 at 9:00 AM at Maple Grove Dental - North"));
    assert!(c["TemplateText"].as_str().unwrap().contains("[NameF]") && c["TemplateText"].as_str().unwrap().contains("[AsapURL]"));
}

async fn send_window_and_lead_time(s: Arc<TestServer>) {
    // 07:00 is before the 08:00–21:00 window: the text waits for 08:00.
    let (_, body) = post(&s, 1, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    assert_eq!(comm(&body)["DateTimeSmsScheduled"], "2031-03-17 08:00:00");
    assert_eq!(comm(&body)["DateTimeEntry"], "2031-03-17 07:00:00");
    // An opening at 08:20 cannot get a text 30 minutes ahead when texts start at 08:00.
    let (status, body) = post(&s, 3, r#""recallNum": 501"#, "2031-03-17 08:20:00").await;
    assert_eq!(status, 201);
    assert_eq!(comm(&body)["ResponseStatus"], "UnableToSend");
    assert!(comm(&body)["Note"].as_str().unwrap().contains("less than 30 minutes"), "{body}");
    // Exactly 30 minutes is enough.
    s.clock.set(chicago("2031-03-17 09:00:00"));
    let (_, body) = post(&s, 3, r#""recallNum": 501"#, "2031-03-17 09:30:00").await;
    assert_eq!(comm(&body)["ResponseStatus"], "AwaitingTransmit", "{body}");
    assert_eq!(comm(&body)["DateTimeSmsScheduled"], "2031-03-17 09:00:00");
    // In the past: refused.
    let (status, body) = post(&s, 3, r#""recallNum": 501"#, "2031-03-17 08:59:59").await;
    assert_eq!(status, 400);
    assert!(body.contains("in the past"), "{body}");
}

async fn daily_text_limit_holds_under_concurrent_offers(s: Arc<TestServer>) {
    // Six offers to the same patient at once, in two operatories: the limit is two texts a day.
    let mut tasks = Vec::new();
    for i in 0..6 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let op = if i % 2 == 0 { 1 } else { 3 };
            let start = format!("2031-03-19 {:02}:00:00", 8 + i);
            post(&s, op, r#""aptNum": 1001"#, &start).await
        }));
    }
    let mut textable = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 201, "{body}");
        let c = comm(&body);
        if c["ResponseStatus"] == "AwaitingTransmit" {
            textable += 1;
        } else {
            assert!(c["Note"].as_str().unwrap().contains("limit of 2"), "{body}");
        }
    }
    assert_eq!(textable, 2);
}

async fn declined_stop_is_respected(s: Arc<TestServer>) {
    s.import(
        &json!({"asapcomms": [{"AsapCommNum": 77, "FKey": 1001, "FKeyType": "ScheduledAppt", "ScheduleNum": 9001, "PatNum": 101,
            "ClinicNum": 1, "DateTimeEntry": "2031-03-10 09:00:00", "DateTimeExpire": "2031-03-17 09:00:00",
            "DateTimeSmsScheduled": "2031-03-10 09:00:00", "SmsSendStatus": "SendSuccessful",
            "DateTimeSmsSent": "2031-03-10 09:00:10", "ResponseStatus": "DeclinedStopComm",
            "DateTimeOrig": "2031-03-28 09:00:00", "TemplateText": "", "Note": ""}]})
        .to_string(),
    )
    .await;
    let (_, body) = post(&s, 1, r#""aptNum": 1001"#, "2031-03-17 14:00:00").await;
    assert_eq!(comm(&body)["ResponseStatus"], "UnableToSend");
    assert!(comm(&body)["Note"].as_str().unwrap().contains("not to be contacted"), "{body}");
}

async fn invalid_bodies_are_rejected_and_change_nothing(s: Arc<TestServer>) {
    let before = s.snapshot().await;
    let cases: &[(&str, u16, &str)] = &[
        (r#"{"op": 9, "aptNum": 1001, "dateTimeStart": "2031-03-17 14:00:00"}"#, 404, "Operatory 9 does not exist."),
        (r#"{"op": 1, "aptNum": 4242, "dateTimeStart": "2031-03-17 14:00:00"}"#, 404, "Appointment 4242 does not exist."),
        (r#"{"op": 1, "recallNum": 4242, "dateTimeStart": "2031-03-17 14:00:00"}"#, 404, "Recall 4242 does not exist."),
        (r#"{"op": 1, "aptNum": 1004, "dateTimeStart": "2031-03-17 14:00:00"}"#, 400, "Appointment 1004 is not on the ASAP list (its Priority is Normal, not ASAP)."),
        (r#"{"op": 1, "aptNum": 1001, "recallNum": 501, "dateTimeStart": "2031-03-17 14:00:00"}"#, 400, "Give aptNum or recallNum, not both."),
        (r#"{"op": 1, "dateTimeStart": "2031-03-17 14:00:00"}"#, 400, "aptNum or recallNum is required."),
        (r#"{"aptNum": 1001, "dateTimeStart": "2031-03-17 14:00:00"}"#, 400, "op is required: the OperatoryNum of the opening."),
        (r#"{"op": 1, "aptNum": 1001}"#, 400, "dateTimeStart is required, as yyyy-MM-dd HH:mm:ss."),
        (r#"{"op": 1, "aptNum": 1001, "dateTimeStart": "2031-03-17T14:00:00"}"#, 400, "dateTimeStart is not a valid date and time: '2031-03-17T14:00:00'. Use yyyy-MM-dd HH:mm:ss."),
        (r#"{"op": 1, "aptNum": 1001, "dateTimeStart": "2031-03-17 23:30:00"}"#, 400, "An opening of 50 minutes from 2031-03-17 23:30:00 would run past midnight. Choose an earlier time."),
        ("", 400, "The body is empty."),
        ("op=1", 400, "The body is not valid"),
        (r#"{"op": 1, "aptnum": 1001, "dateTimeStart": "2031-03-17 14:00:00"}"#, 400, "unknown field `aptnum`"),
        (r#"{"op": 1.5, "aptNum": 1001, "dateTimeStart": "2031-03-17 14:00:00"}"#, 400, "The body is not valid at op"),
    ];
    for (body, want_status, want) in cases {
        let r = s.post("/api/v1/asapcomms", body).await;
        let status = r.status().as_u16();
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        let text = r.text().await.unwrap();
        assert_eq!(status, *want_status, "{body}: {text}");
        assert!(text.starts_with(want) || text.contains(want), "{body}: {text}");
        assert_eq!(ct, "text/plain; charset=utf-8");
    }
    // String numbers are accepted, as integrators' JSON encoders sometimes send them.
    assert_eq!(s.snapshot().await, before, "rejected requests changed data");
    let (status, _) = post(&s, 1, r#""aptNum": "1001""#, "2031-03-17 14:00:00").await;
    assert_eq!(status, 201);
}

async fn get_json(s: &TestServer, path: &str) -> Value {
    let r = s.get(path).await;
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn status_and_text(s: &TestServer, path: &str) -> (u16, String) {
    let r = s.get(path).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

fn keys(v: &Value, field: &str) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|x| x[field].as_i64().unwrap()).collect()
}

async fn asap_list_order_and_filters(s: Arc<TestServer>) {
    // Unscheduled, then planned, then the rest latest first.
    assert_eq!(keys(&get_json(&s, "/api/v1/appointments/ASAP").await, "AptNum"), vec![1002, 1005, 1001, 1003]);
    assert_eq!(keys(&get_json(&s, "/api/v1/appointments/ASAP?ClinicNum=2").await, "AptNum"), vec![1003]);
    assert_eq!(keys(&get_json(&s, "/api/v1/appointments/ASAP?ProvNum=1&Limit=2&Offset=1").await, "AptNum"), vec![1005, 1001]);
    assert_eq!(status_and_text(&s, "/api/v1/appointments/ASAP?ProvNum=99").await, (404, "Provider 99 does not exist.".into()));
    assert_eq!(status_and_text(&s, "/api/v1/appointments/ASAP?ClinicNum=x").await.0, 400);
    // A planned appointment leaves the list once a scheduled appointment is made from it.
    s.import(
        &json!({"appointments": [{"AptNum": 1006, "PatNum": 105, "AptStatus": "Scheduled", "Pattern": "XXXX", "Op": 3,
            "ProvNum": 1, "AptDateTime": "2031-04-02 09:00:00", "ClinicNum": 2, "Priority": "Normal", "NextAptNum": 1005}]})
        .to_string(),
    )
    .await;
    assert_eq!(keys(&get_json(&s, "/api/v1/appointments/ASAP").await, "AptNum"), vec![1002, 1001, 1003]);
}

fn spans(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| {
            format!(
                "{}-{} op{} prov{}",
                &x["DateTimeStart"].as_str().unwrap()[11..16],
                &x["DateTimeEnd"].as_str().unwrap()[11..16],
                x["OpNum"],
                x["ProvNum"]
            )
        })
        .collect()
}

async fn slots_are_provider_time_minus_what_occupies_it(s: Arc<TestServer>) {
    let all = get_json(&s, "/api/v1/appointments/Slots?date=2031-03-17").await;
    assert_eq!(
        spans(&all),
        [
            "08:00-10:00 op1 prov1", "08:00-12:00 op2 prov2", "08:00-17:00 op3 prov1", "10:45-12:00 op1 prov1",
            "13:00-17:00 op1 prov1", "13:00-16:00 op2 prov2",
        ]
    );
    assert_eq!(all[0]["DateTimeStart"], "2031-03-17 08:00:00");
    let long = get_json(&s, "/api/v1/appointments/Slots?date=2031-03-17&lengthMinutes=120").await;
    assert!(!spans(&long).contains(&"10:45-12:00 op1 prov1".to_string()));
    assert_eq!(spans(&long).len(), 5);
    assert_eq!(spans(&get_json(&s, "/api/v1/appointments/Slots?date=2031-03-17&ProvNum=2").await), ["08:00-12:00 op2 prov2", "13:00-16:00 op2 prov2"]);
    assert_eq!(spans(&get_json(&s, "/api/v1/appointments/Slots?dateStart=2031-03-17&dateEnd=2031-03-17&OpNum=3").await), ["08:00-17:00 op3 prov1"]);
    // The default range starts today and the past is never offered.
    s.clock.set(chicago("2031-03-17 14:05:00"));
    assert_eq!(
        spans(&get_json(&s, "/api/v1/appointments/Slots").await),
        ["14:05-17:00 op1 prov1", "14:05-16:00 op2 prov2", "14:05-17:00 op3 prov1"]
    );
    assert_eq!(get_json(&s, "/api/v1/appointments/Slots?date=2031-03-18").await, json!([]));
    for (q, code) in [("lengthMinutes=0", 400), ("lengthMinutes=abc", 400), ("OpNum=99", 404), ("ProvNum=99", 404), ("date=2031-3-17", 400)] {
        assert_eq!(status_and_text(&s, &format!("/api/v1/appointments/Slots?{q}")).await.0, code, "{q}");
    }
}

async fn schedules_endpoints(s: Arc<TestServer>) {
    assert_eq!(keys(&get_json(&s, "/api/v1/schedules").await, "ScheduleNum"), vec![9001, 9002, 9003, 9004], "default: today");
    let blockouts = get_json(&s, "/api/v1/schedules?date=2031-03-17&SchedType=Blockout").await;
    assert_eq!(keys(&blockouts, "ScheduleNum"), vec![9003, 9004]);
    assert_eq!(blockouts[0]["blockoutType"], "Lunch");
    assert_eq!(blockouts[0]["BlockoutType"], 301);
    assert_eq!(blockouts[0]["operatories"], "1,2");
    assert_eq!(keys(&get_json(&s, "/api/v1/schedules?date=2031-03-17&BlockoutDefNum=302").await, "ScheduleNum"), vec![9004]);
    assert_eq!(keys(&get_json(&s, "/api/v1/schedules?dateStart=2031-03-17&dateEnd=2031-03-18&ProvNum=2").await, "ScheduleNum"), vec![9002]);
    assert_eq!(get_json(&s, "/api/v1/schedules?date=2031-03-18").await, json!([]));
    let one = get_json(&s, "/api/v1/schedules/9001").await;
    assert_eq!(
        one,
        json!({"ScheduleNum": 9001, "SchedDate": "2031-03-17", "StartTime": "08:00:00", "StopTime": "17:00:00",
            "SchedType": "Provider", "ProvNum": 1, "BlockoutType": 0, "blockoutType": "", "Note": "", "operatories": "1,3",
            "EmployeeNum": 0})
    );
    let (status, body) = status_and_text(&s, "/api/v1/schedules?SchedType=Lunch").await;
    assert_eq!(status, 400);
    assert!(body.contains("Provider") && body.contains("WebSchedASAP"), "{body}");
    assert_eq!(status_and_text(&s, "/api/v1/schedules/x").await.0, 400);
    assert_eq!(status_and_text(&s, "/api/v1/schedules/12").await, (404, "Schedule 12 does not exist.".into()));
}

async fn operatories_endpoints(s: Arc<TestServer>) {
    assert_eq!(keys(&get_json(&s, "/api/v1/operatories").await, "OperatoryNum"), vec![1, 2, 3]);
    assert_eq!(keys(&get_json(&s, "/api/v1/operatories?ClinicNum=2").await, "OperatoryNum"), vec![3]);
    assert_eq!(
        get_json(&s, "/api/v1/operatories/2").await,
        json!({"OperatoryNum": 2, "OpName": "Hyg 1", "Abbrev": "H1", "ItemOrder": 1, "IsHidden": "false", "ClinicNum": 1,
            "ProvDentist": 0, "ProvHygienist": 2, "IsHygiene": "true", "IsWebSched": "false"})
    );
    assert_eq!(status_and_text(&s, "/api/v1/operatories?ClinicNum=7").await, (404, "Clinic 7 does not exist.".into()));
    assert_eq!(status_and_text(&s, "/api/v1/operatories/9").await, (404, "Operatory 9 does not exist.".into()));
}

async fn import_is_all_or_nothing(s: Arc<TestServer>) {
    let before = s.snapshot().await;
    let bad = json!({
        "appointments": [
            {"AptNum": 2001, "PatNum": 101, "AptStatus": "Scheduled", "Pattern": "XX", "Op": 1, "AptDateTime": "2031-03-17 16:00:00"},
            {"AptNum": 2002, "PatNum": 999, "AptStatus": "Scheduled", "Pattern": "XX", "Op": 1, "AptDateTime": "2031-03-17 16:30:00"}
        ]
    });
    let data = server::import::parse(&bad.to_string()).expect("well-formed");
    let err = server::import::import(&s.store, &s.office_clock, &data).await.unwrap_err();
    assert_eq!(err.to_string(), "appointments[1].PatNum: 999 does not match any patient");
    assert_eq!(s.snapshot().await, before, "a failed import must change nothing");
    let err = server::import::parse(r#"{"schedules": [{"ScheduleNum": 1, "SchedDate": "2031-03-17", "StartTime": "9:00",
        "StopTime": "10:00:00", "SchedType": "Provider"}]}"#).unwrap_err();
    assert!(err.to_string().starts_with("schedules[0].StartTime"), "{err}");
}
