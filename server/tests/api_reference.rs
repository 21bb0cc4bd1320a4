//! The reference page's own examples, reproduced through the real server, plus every parameter,
//! default and error of `GET /asapcomms/{n}`, `GET /asapcomms` and auth.

mod harness;

use harness::{KEY, TestServer, chicago, fixture};
use serde_json::{Value, json};
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    // The moment of the reference's appointment POST example.
    chicago("2023-10-16 09:01:25")
}

on_both_backends!(fixture("reference-examples.json"), now();
    get_one_matches_the_reference_example,
    get_one_errors,
    auth_is_required,
    list_matches_the_reference_examples,
    list_defaults_are_the_last_seven_days_through_today,
    list_parameter_errors,
    list_paging,
    list_is_in_key_order_when_entry_times_are_not,
    bodies_are_exactly_what_serde_writes,
    post_appointment_matches_the_reference_example,
    post_recall_matches_the_reference_example,
    openapi_is_served_and_matches_the_snapshot,
);

async fn text(r: reqwest::Response) -> (u16, String, String) {
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ct, r.text().await.unwrap_or_default())
}

fn reference_192() -> Value {
    json!({
        "AsapCommNum": 192, "FKey": 539, "FKeyType": "ScheduledAppt", "ScheduleNum": 3523, "PatNum": 1771,
        "ClinicNum": 1, "DateTimeEntry": "2023-08-24 10:04:14", "DateTimeExpire": "2023-09-20 09:00:00",
        "DateTimeSmsScheduled": "2023-09-14 10:04:14", "SmsSendStatus": "SendSuccessful",
        "DateTimeSmsSent": "2023-09-14 10:04:14", "ResponseStatus": "PendingRsvp",
        "DateTimeOrig": "2023-09-26 10:00:00",
        "TemplateText": "[NameF], an appointment opening has become available on 08/28/2023 at 2:00 PM at SouthSide Dental. Visit [AsapURL] to reserve it.",
        "Note": ""
    })
}

const FIELD_ORDER: [&str; 15] = [
    "AsapCommNum", "FKey", "FKeyType", "ScheduleNum", "PatNum", "ClinicNum", "DateTimeEntry", "DateTimeExpire",
    "DateTimeSmsScheduled", "SmsSendStatus", "DateTimeSmsSent", "ResponseStatus", "DateTimeOrig", "TemplateText", "Note",
];

fn assert_field_order(body: &str) {
    let positions: Vec<usize> =
        FIELD_ORDER.iter().map(|f| body.find(&format!("\"{f}\"")).unwrap_or_else(|| panic!("{f} missing"))).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "fields out of order: {body}");
}

async fn get_one_matches_the_reference_example(s: Arc<TestServer>) {
    let (status, ct, body) = text(s.get("/api/v1/asapcomms/192").await).await;
    assert_eq!(status, 200, "{body}");
    assert!(ct.starts_with("application/json"), "{ct}");
    assert_field_order(&body);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), reference_192());
}

async fn get_one_errors(s: Arc<TestServer>) {
    let (status, ct, body) = text(s.get("/api/v1/asapcomms/abc").await).await;
    assert_eq!((status, ct.as_str()), (400, "text/plain; charset=utf-8"));
    assert_eq!(body, "AsapCommNum must be a whole number, not 'abc'.");
    let (status, _, body) = text(s.get("/api/v1/asapcomms/193").await).await;
    assert_eq!((status, body.as_str()), (404, "AsapComm 193 does not exist."));
    let (status, _, body) = text(s.get("/api/v1/asapcommz").await).await;
    assert_eq!(status, 404);
    assert!(body.contains("openapi.json"), "{body}");
}

async fn auth_is_required(s: Arc<TestServer>) {
    let r = s.http.get(s.url("/api/v1/asapcomms/192")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.headers()["www-authenticate"], "ODFHIR");
    assert!(r.text().await.unwrap().contains("Authorization header is missing"));
    for bad in ["Bearer test-dev/test-customer", "ODFHIR test-dev/wrong", "ODFHIR", "ODFHIR test-dev"] {
        let r = s.http.get(s.url("/api/v1/asapcomms/192")).header("Authorization", bad).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{bad}");
        assert!(!r.text().await.unwrap().is_empty());
    }
    let r = s.http.get(s.url("/api/v1/asapcomms/192")).header("Authorization", KEY.to_lowercase().replace("test-dev/test-customer", "test-dev/test-customer")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "the scheme is not case-sensitive");
}

fn reference_list() -> Value {
    json!([
        {"AsapCommNum": 1224, "FKey": 11543, "FKeyType": "ScheduledAppt", "ScheduleNum": 13651, "PatNum": 11775, "ClinicNum": 4,
         "DateTimeEntry": "2023-09-01 10:04:25", "DateTimeExpire": "2023-09-08 10:00:00", "DateTimeSmsScheduled": "0001-01-01 00:00:00",
         "SmsSendStatus": "DoNotSend", "DateTimeSmsSent": "0001-01-01 00:00:00", "ResponseStatus": "UnableToSend",
         "DateTimeOrig": "2023-09-24 10:00:00",
         "TemplateText": "[NameF], an appointment opening has become available on 09/04/2023 at 2:00 PM at NorthSide Dental. Visit [AsapURL] to reserve it.",
         "Note": "Not sending text because the patient has opted out of automated messaging."},
        {"AsapCommNum": 1225, "FKey": 11642, "FKeyType": "UnscheduledAppt", "ScheduleNum": 13619, "PatNum": 11774, "ClinicNum": 4,
         "DateTimeEntry": "2023-09-01 10:04:25", "DateTimeExpire": "2023-09-08 10:00:00", "DateTimeSmsScheduled": "2023-09-01 10:04:25",
         "SmsSendStatus": "SendSuccessful", "DateTimeSmsSent": "2023-09-01 10:04:25", "ResponseStatus": "PendingRsvp",
         "DateTimeOrig": "2023-10-25 09:00:00",
         "TemplateText": "[NameF], an appointment opening has become available on 09/04/2023 at 2:00 PM at NorthSide Dental. Visit [AsapURL] to reserve it.",
         "Note": ""},
        {"AsapCommNum": 1226, "FKey": 11836, "FKeyType": "PlannedAppt", "ScheduleNum": 3459, "PatNum": 11768, "ClinicNum": 4,
         "DateTimeEntry": "2023-09-01 10:04:25", "DateTimeExpire": "2023-09-08 10:00:00", "DateTimeSmsScheduled": "2023-09-01 10:06:25",
         "SmsSendStatus": "DoNotSend", "DateTimeSmsSent": "2023-09-01 10:06:25", "ResponseStatus": "Failed",
         "DateTimeOrig": "2023-10-21 10:00:00",
         "TemplateText": "[NameF], an appointment opening has become available on 09/04/2023 at 2:00 PM at NorthSide Dental. Visit [AsapURL] to reserve it.",
         "Note": "Not sending because the time slot has been taken by another appointment."}
    ])
}

async fn list(s: &TestServer, query: &str) -> Value {
    let (status, _, body) = text(s.get(&format!("/api/v1/asapcomms{query}")).await).await;
    assert_eq!(status, 200, "{query}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn nums(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|c| c["AsapCommNum"].as_i64().unwrap()).collect()
}

async fn list_matches_the_reference_examples(s: Arc<TestServer>) {
    assert_eq!(list(&s, "?ClinicNum=4&date=2023-09-01").await, reference_list());
    assert_eq!(list(&s, "?ClinicNum=4&dateStart=2023-09-01&dateEnd=2023-09-14").await, reference_list());
    // The end is exclusive: a range ending on the rows' day leaves them out.
    assert_eq!(nums(&list(&s, "?ClinicNum=4&dateStart=2023-08-01&dateEnd=2023-09-01").await), Vec::<i64>::new());
    assert_eq!(nums(&list(&s, "?dateStart=2023-08-01&dateEnd=2023-09-02").await), vec![192, 1224, 1225, 1226]);
    assert_eq!(nums(&list(&s, "?ClinicNum=1&dateStart=2023-08-01&dateEnd=2023-09-02").await), vec![192]);
    assert_eq!(nums(&list(&s, "?ClinicNum=0&dateStart=2023-08-01&dateEnd=2023-09-02").await), Vec::<i64>::new());
}

async fn list_defaults_are_the_last_seven_days_through_today(s: Arc<TestServer>) {
    // Today at the office is 2023-10-16; the default range is [2023-10-09, 2023-10-17).
    let row = |num: i64, entry: &str| {
        json!({"AsapCommNum": num, "FKey": 11939, "FKeyType": "Broken", "ScheduleNum": 52526, "PatNum": 6522, "ClinicNum": 4,
            "DateTimeEntry": entry, "DateTimeExpire": "2023-10-30 14:00:00", "DateTimeSmsScheduled": "0001-01-01 00:00:00",
            "SmsSendStatus": "DoNotSend", "DateTimeSmsSent": "0001-01-01 00:00:00", "ResponseStatus": "UnableToSend",
            "DateTimeOrig": "2023-10-31 16:00:00", "TemplateText": "t", "Note": "n"})
    };
    let data = json!({"asapcomms": [
        row(3001, "2023-10-08 23:59:59"), row(3002, "2023-10-09 00:00:00"), row(3003, "2023-10-16 08:00:00"),
        row(3004, "2023-10-16 23:59:59"), row(3005, "2023-10-17 00:00:00"),
    ]});
    s.import(&data.to_string()).await;
    assert_eq!(nums(&list(&s, "").await), vec![3002, 3003, 3004]);
    assert_eq!(nums(&list(&s, "?dateStart=2023-10-16").await), vec![3003, 3004]);
    assert_eq!(nums(&list(&s, "?dateEnd=2023-10-16").await), vec![3002]);
    assert_eq!(nums(&list(&s, "?date=2023-10-17").await), vec![3005]);
}

async fn list_parameter_errors(s: Arc<TestServer>) {
    let cases: &[(&str, u16, &str)] = &[
        ("?date=2023-09-01&dateStart=2023-09-01", 400, "Give either date, or dateStart and/or dateEnd, not both."),
        ("?date=2023-09-01&dateEnd=2023-09-02", 400, "Give either date, or dateStart and/or dateEnd, not both."),
        ("?date=09/01/2023", 400, "date is not a valid date: '09/01/2023'. Use yyyy-MM-dd."),
        ("?dateStart=2023-02-30", 400, "dateStart is not a valid date: '2023-02-30'. Use yyyy-MM-dd."),
        ("?dateEnd=tomorrow", 400, "dateEnd is not a valid date: 'tomorrow'. Use yyyy-MM-dd."),
        ("?dateStart=2023-09-15&dateEnd=2023-09-14", 400, "dateStart (2023-09-15) is after dateEnd (2023-09-14)."),
        ("?ClinicNum=four", 400, "ClinicNum must be a whole number, not 'four'."),
        ("?ClinicNum=9", 404, "Clinic 9 does not exist."),
        ("?Limit=0", 400, "Limit must be a whole number from 1 to 100, not '0'."),
        ("?Limit=101", 400, "Limit must be a whole number from 1 to 100, not '101'."),
        ("?Offset=-1", 400, "Offset must be a whole number 0 or more, not '-1'."),
        ("?ClinicNum=1&ClinicNum=4", 400, "ClinicNum is given more than once. Give it once."),
    ];
    for (query, want_status, want_body) in cases {
        let (status, ct, body) = text(s.get(&format!("/api/v1/asapcomms{query}")).await).await;
        assert_eq!((status, body.as_str()), (*want_status, *want_body), "{query}");
        assert_eq!(ct, "text/plain; charset=utf-8", "{query}");
    }
}

async fn list_paging(s: Arc<TestServer>) {
    let rows: Vec<Value> = (0..130)
        .map(|i| {
            json!({"AsapCommNum": 5000 + i, "FKey": 1, "FKeyType": "Recall", "ScheduleNum": 1, "PatNum": 7189, "ClinicNum": 1,
                "DateTimeEntry": "2023-10-10 10:00:00", "DateTimeExpire": "2023-10-20 10:00:00",
                "DateTimeSmsScheduled": "0001-01-01 00:00:00", "SmsSendStatus": "DoNotSend",
                "DateTimeSmsSent": "0001-01-01 00:00:00", "ResponseStatus": "UnableToSend",
                "DateTimeOrig": "2023-10-01 00:00:00", "TemplateText": "", "Note": ""})
        })
        .collect();
    s.import(&json!({ "asapcomms": rows }).to_string()).await;
    let first = nums(&list(&s, "?date=2023-10-10").await);
    assert_eq!(first.len(), 100, "the default Limit is 100");
    assert_eq!(first[0], 5000);
    assert!(first.windows(2).all(|w| w[0] < w[1]), "primary key order");
    assert_eq!(nums(&list(&s, "?date=2023-10-10&Offset=100").await), (5100..5130).collect::<Vec<_>>());
    assert_eq!(nums(&list(&s, "?date=2023-10-10&Offset=5&Limit=3").await), vec![5005, 5006, 5007]);
    assert_eq!(nums(&list(&s, "?date=2023-10-10&Offset=500").await), Vec::<i64>::new());
}

/// Keys and entry times usually rise together, but imported history and a clock set back break
/// that: every range, clinic and page must still hold exactly the rows entered in it, by key.
async fn list_is_in_key_order_when_entry_times_are_not(s: Arc<TestServer>) {
    let row = |num: i64, clinic: i64, entry: &str| {
        json!({"AsapCommNum": num, "FKey": 1, "FKeyType": "Recall", "ScheduleNum": 1, "PatNum": 7189, "ClinicNum": clinic,
            "DateTimeEntry": entry, "DateTimeExpire": "2023-10-20 10:00:00",
            "DateTimeSmsScheduled": "0001-01-01 00:00:00", "SmsSendStatus": "DoNotSend",
            "DateTimeSmsSent": "0001-01-01 00:00:00", "ResponseStatus": "UnableToSend",
            "DateTimeOrig": "2023-10-01 00:00:00", "TemplateText": "", "Note": ""})
    };
    // 60 rows over five days, the later keys entered on the earlier days, two clinics.
    let mut rows: Vec<(i64, i64, String)> = (0..60)
        .map(|i| (8000 + i, if i % 3 == 0 { 4 } else { 1 }, format!("2023-10-{:02} {:02}:00:00", 14 - (i % 5), 8 + i % 7)))
        .collect();
    s.import(&json!({ "asapcomms": rows.iter().map(|(n, c, e)| row(*n, *c, e)).collect::<Vec<_>>() }).to_string()).await;
    // An offer moved to another entry day after it was stored.
    s.import(&json!({ "asapcomms": [row(8001, 1, "2023-10-09 12:00:00")] }).to_string()).await;
    rows[1].2 = "2023-10-09 12:00:00".into();
    let cases = [
        ("2023-10-09", "2023-10-15", None, 0, 100),
        ("2023-10-10", "2023-10-15", None, 0, 100),
        ("2023-10-10", "2023-10-12", None, 0, 100),
        ("2023-10-12", "2023-10-13", Some(1), 0, 100),
        ("2023-10-10", "2023-10-15", Some(4), 0, 100),
        ("2023-10-10", "2023-10-15", Some(1), 7, 5),
        ("2023-10-11", "2023-10-14", None, 20, 100),
        ("2023-10-09", "2023-10-10", None, 0, 100),
        ("2023-10-15", "2023-10-20", None, 0, 100),
    ];
    for (start, end, clinic, offset, limit) in cases {
        let want: Vec<i64> = rows
            .iter()
            .filter(|(_, c, e)| e.as_str() >= start && e.as_str() < end && clinic.is_none_or(|k| k == *c))
            .map(|(n, _, _)| *n)
            .skip(offset)
            .take(limit)
            .collect();
        let clinic_param = clinic.map_or(String::new(), |c| format!("&ClinicNum={c}"));
        let query = format!("?dateStart={start}&dateEnd={end}{clinic_param}&Offset={offset}&Limit={limit}");
        assert_eq!(nums(&list(&s, &query).await), want, "{query}");
    }
}

/// GET one and GET many are built by the database on SQLite; they must be byte for byte what
/// serialising the shared struct gives: every member of every enum, and text that needs escaping.
async fn bodies_are_exactly_what_serde_writes(s: Arc<TestServer>) {
    use app::model::{AsapComm, FKeyType, ResponseStatus, SmsSendStatus};
    // NUL is left out: PostgreSQL text cannot hold it.
    let awkward: String = (1u8..0x20).map(char::from).collect::<String>() + "\"quoted\" back\\slash / é ✓ 😀 \u{7f} </script>";
    let count = FKeyType::ALL.len().max(SmsSendStatus::ALL.len()).max(ResponseStatus::ALL.len());
    let rows: Vec<Value> = (0..count)
        .map(|i| {
            json!({"AsapCommNum": 7000 + i, "FKey": 1, "FKeyType": FKeyType::ALL[i % FKeyType::ALL.len()].name(),
                "ScheduleNum": 1, "PatNum": 7189, "ClinicNum": 1,
                "DateTimeEntry": format!("2023-10-11 10:{:02}:00", i), "DateTimeExpire": "2023-10-20 10:00:00",
                "DateTimeSmsScheduled": "0001-01-01 00:00:00", "SmsSendStatus": SmsSendStatus::ALL[i % SmsSendStatus::ALL.len()].name(),
                "DateTimeSmsSent": "2023-10-11 10:00:09", "ResponseStatus": ResponseStatus::ALL[i % ResponseStatus::ALL.len()].name(),
                "DateTimeOrig": "2023-10-01 00:00:00", "TemplateText": awkward, "Note": format!("{awkward} {i}")})
        })
        .collect();
    s.import(&json!({ "asapcomms": rows }).to_string()).await;
    let (status, _, many) = text(s.get("/api/v1/asapcomms?date=2023-10-11").await).await;
    assert_eq!(status, 200, "{many}");
    let parsed: Vec<AsapComm> = serde_json::from_str(&many).expect("the list reads as AsapComms");
    assert_eq!(parsed.len(), count);
    assert_eq!(many, serde_json::to_string(&parsed).unwrap());
    assert_eq!(serde_json::from_str::<Value>(&many).unwrap(), Value::Array(rows.clone()), "the values are the ones stored");
    for (i, want) in rows.iter().enumerate() {
        let (status, ct, one) = text(s.get(&format!("/api/v1/asapcomms/{}", 7000 + i)).await).await;
        assert_eq!((status, ct.as_str()), (200, "application/json"), "{one}");
        let parsed: AsapComm = serde_json::from_str(&one).unwrap();
        assert_eq!(one, serde_json::to_string(&parsed).unwrap());
        assert_eq!(&serde_json::from_str::<Value>(&one).unwrap(), want);
    }
    let (status, _, empty) = text(s.get("/api/v1/asapcomms?date=2023-10-12").await).await;
    assert_eq!((status, empty.as_str()), (200, "[]"));
}

async fn post_appointment_matches_the_reference_example(s: Arc<TestServer>) {
    let r = s.post("/api/v1/asapcomms", r#"{"op": 2, "aptNum": 11939, "dateTimeStart": "2023-10-18 14:00:00"}"#).await;
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(r.headers()["location"], "/api/v1/asapcomms/2374");
    let body = r.text().await.unwrap();
    assert_field_order(&body);
    let want = json!({
        "AsapCommNum": 2374, "FKey": 11939, "FKeyType": "Broken", "ScheduleNum": 52527, "PatNum": 6522, "ClinicNum": 4,
        "DateTimeEntry": "2023-10-16 09:01:25", "DateTimeExpire": "2023-10-25 14:00:00",
        "DateTimeSmsScheduled": "2023-10-16 09:01:25", "SmsSendStatus": "SendNotAttempted",
        "DateTimeSmsSent": "0001-01-01 00:00:00", "ResponseStatus": "AwaitingTransmit",
        "DateTimeOrig": "2023-10-31 16:00:00",
        "TemplateText": "[NameF], an appointment opening has become available on 10/18/2023 at 2:00 PM at Southern Office. Visit [AsapURL] to reserve it.",
        "Note": ""
    });
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), want);
    // The Location answers with the same object.
    assert_eq!(serde_json::from_str::<Value>(&s.get("/api/v1/asapcomms/2374").await.text().await.unwrap()).unwrap(), want);
    // The Web Sched ASAP blockout is there, linked to the one operatory.
    let sched: Value = s.get("/api/v1/schedules/52527").await.json().await.unwrap();
    assert_eq!(sched["SchedType"], "WebSchedASAP");
    assert_eq!(sched["SchedDate"], "2023-10-18");
    assert_eq!(sched["StartTime"], "14:00:00");
    assert_eq!(sched["StopTime"], "15:00:00", "12 pattern characters of 5 minutes");
    assert_eq!(sched["operatories"], "2");
}

async fn post_recall_matches_the_reference_example(s: Arc<TestServer>) {
    s.clock.set(chicago("2025-06-02 14:01:03"));
    // Earlier keys so the new rows get the reference's numbers.
    s.import(
        &json!({
            "schedules": [{"ScheduleNum": 170705, "SchedDate": "2025-06-01", "StartTime": "08:00:00", "StopTime": "09:00:00",
                "SchedType": "Provider", "ProvNum": 1, "BlockoutType": 0, "Note": "", "operatories": "4"}],
            "asapcomms": [{"AsapCommNum": 4397, "FKey": 1, "FKeyType": "Recall", "ScheduleNum": 170705, "PatNum": 7189, "ClinicNum": 1,
                "DateTimeEntry": "2025-06-01 10:00:00", "DateTimeExpire": "2025-06-08 10:00:00",
                "DateTimeSmsScheduled": "0001-01-01 00:00:00", "SmsSendStatus": "DoNotSend",
                "DateTimeSmsSent": "0001-01-01 00:00:00", "ResponseStatus": "UnableToSend",
                "DateTimeOrig": "2025-05-18 00:00:00", "TemplateText": "", "Note": ""}]
        })
        .to_string(),
    )
    .await;
    let r = s.post("/api/v1/asapcomms", r#"{"op": 4, "recallNum": 11534, "dateTimeStart": "2025-06-17 13:30:00"}"#).await;
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(r.headers()["location"], "/api/v1/asapcomms/4398");
    let got: Value = r.json().await.unwrap();
    assert_eq!(
        got,
        json!({
            "AsapCommNum": 4398, "FKey": 11534, "FKeyType": "Recall", "ScheduleNum": 170706, "PatNum": 7189, "ClinicNum": 1,
            "DateTimeEntry": "2025-06-02 14:01:03", "DateTimeExpire": "2025-06-24 13:30:00",
            "DateTimeSmsScheduled": "2025-06-02 14:01:03", "SmsSendStatus": "SendNotAttempted",
            "DateTimeSmsSent": "0001-01-01 00:00:00", "ResponseStatus": "AwaitingTransmit",
            "DateTimeOrig": "2025-05-18 00:00:00",
            "TemplateText": "[NameF], an appointment opening has become available on 06/17/2025 at 1:30 PM at Northern Office. Visit [AsapURL] to reserve it.",
            "Note": ""
        })
    );
    let sched: Value = s.get("/api/v1/schedules/170706").await.json().await.unwrap();
    assert_eq!(sched["StopTime"], "14:20:00", "5 characters of the recall type at 10 minutes");
}

async fn openapi_is_served_and_matches_the_snapshot(s: Arc<TestServer>) {
    let r = s.http.get(s.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let served = r.text().await.unwrap();
    let snapshot_path = format!("{}/tests/snapshots/openapi.json", env!("CARGO_MANIFEST_DIR"));
    if std::env::var("ASAP_UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::create_dir_all(format!("{}/tests/snapshots", env!("CARGO_MANIFEST_DIR"))).unwrap();
        std::fs::write(&snapshot_path, &served).unwrap();
    }
    let snapshot = std::fs::read_to_string(&snapshot_path)
        .expect("tests/snapshots/openapi.json is missing: run the tests once with ASAP_UPDATE_SNAPSHOTS=1");
    assert_eq!(served, snapshot, "the API changed: review it and refresh the snapshot with ASAP_UPDATE_SNAPSHOTS=1");
    let doc: Value = serde_json::from_str(&served).unwrap();
    for path in ["/asapcomms", "/asapcomms/{AsapCommNum}", "/appointments/ASAP", "/appointments/Slots", "/schedules", "/operatories"] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
}
