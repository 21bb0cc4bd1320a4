//! The slot picker's ASAP list comes a page at a time: the day brings the first page, the list's
//! server function the rest, narrowed to a name or to those who fit the chosen time; every patient
//! once, in the list's order.

mod harness;

use harness::{TestServer, chicago, fixture};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 07:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    the_asap_list_comes_a_page_at_a_time,
    bad_list_requests_are_refused_with_a_reason,
);

/// 120 more patients on clinic 1's ASAP list: even ones need 60 minutes, odd ones 30; every kind
/// of appointment status with dates that tie, and 30 recalls after them (ten due the same day).
async fn long_list(s: &TestServer) {
    const STATUSES: [&str; 5] = ["UnschedList", "Planned", "Broken", "UnschedList", "Scheduled"];
    let patients: Vec<Value> = (0..120)
        .map(|i| json!({"PatNum": 7000 + i, "LName": format!("Longlist{i:03}"), "FName": "Pat",
            // One without a phone, so the list has a reason to show.
            "WirelessPhone": if i == 5 { String::new() } else { format!("555{:07}", 3_000_000 + i) },
            "TxtMsgOk": "Yes", "ClinicNum": 1}))
        .collect();
    let appointments: Vec<Value> = (0..120)
        .map(|i| json!({"AptNum": 70_000 + i, "PatNum": 7000 + i, "AptStatus": STATUSES[i % 5],
            "Pattern": if i % 2 == 0 { "XXXXXXXXXXXX" } else { "XXXXXX" }, "Op": 1, "ProvNum": 1,
            "AptDateTime": format!("2030-12-{:02} 09:00:00", 1 + i % 28), "ClinicNum": 1, "Priority": "ASAP"}))
        .collect();
    let recalls: Vec<Value> = (0..30)
        .map(|i| json!({"RecallNum": 9000 + i, "PatNum": 7000 + i, "RecallTypeNum": 1,
            "DateDue": format!("2031-0{}-{:02}", 4 + i % 2, if i < 10 { 1 } else { 1 + i }), "Priority": "ASAP", "IsDisabled": "false"}))
        .collect();
    s.import(&json!({"patients": patients, "appointments": appointments, "recalls": recalls}).to_string()).await;
}

async fn list(s: &TestServer, client: &reqwest::Client, query: Value) -> Value {
    let (status, body) = s.server_fn(client, "asap-list", json!({"query": query})).await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

fn names(page: &Value) -> Vec<String> {
    page["candidates"].as_array().unwrap().iter().map(|c| c["patient"].as_str().unwrap().to_string()).collect()
}

/// Each entry as `{"Appointment":n}` or `{"Recall":n}`, with the patient's name.
fn entries(page: &Value) -> Vec<String> {
    page["candidates"].as_array().unwrap().iter().map(|c| format!("{} {}", c["key"], c["patient"])).collect()
}

async fn the_asap_list_comes_a_page_at_a_time(s: Arc<TestServer>) {
    long_list(&s).await;
    s.add_user("boss", true, "").await;
    let client = s.signed_in("boss").await;
    let (status, board) = s.server_fn(&client, "day", json!({"query": {"clinic": "1", "date": "2031-03-17"}})).await;
    assert_eq!(status, 200, "{board}");
    let first = &board["asap_list"];
    let total = first["total"].as_u64().unwrap() as usize;
    assert!(total >= 120, "{first}");
    assert_eq!(first["candidates"].as_array().unwrap().len(), app::view::day::ASAP_LIST_PAGE_SIZE, "the day brings one page");

    // Walking the pages gives everyone once, in the order the whole list has.
    let mut walked = entries(first);
    while walked.len() < total {
        let page = list(&s, &client, json!({"clinic": 1, "name": "", "fits_minutes": null, "offset": walked.len()})).await;
        assert_eq!(page["offset"].as_u64().unwrap() as usize, walked.len());
        assert!(!entries(&page).is_empty(), "a page short of the total: {page}");
        walked.extend(entries(&page));
    }
    assert_eq!(walked.len(), total);
    assert_eq!(walked.iter().collect::<HashSet<_>>().len(), total, "nobody twice");
    let mut conn = s.store.pool().acquire().await.unwrap();
    let prefs = server::store::office::preferences(&mut conn).await.unwrap();
    let whole: Vec<String> = s
        .services()
        .asap_list(&mut conn, 1, &prefs)
        .await
        .unwrap()
        .into_iter()
        .map(|c| format!("{} \"{}\"", serde_json::to_value(c.key).unwrap(), c.patient))
        .collect();
    assert_eq!(walked, whole, "pages read in the database's order, the whole list in the list's rule");
    assert!(walked.iter().any(|e| e.contains("Recall")), "the walk crosses from appointments to recalls");

    // Forty-five free minutes: only the 30-minute visits (and whatever else fits) come back.
    let fits = list(&s, &client, json!({"clinic": 1, "name": "longlist", "fits_minutes": 45, "offset": 0})).await;
    assert_eq!(fits["matching"], 60, "{fits}");
    assert!(fits["candidates"].as_array().unwrap().iter().all(|c| c["minutes"] == 30), "{fits}");
    // A name, any case, any word order.
    let named = list(&s, &client, json!({"clinic": 1, "name": "pat LONGLIST047", "fits_minutes": null, "offset": 0})).await;
    assert_eq!(names(&named), vec!["Longlist047, Pat"]);
    assert_eq!(named["matching"], 1);
    // What may stop a text, and when someone was last offered, come with the page.
    let r = s.post("/api/v1/asapcomms", r#"{"op": 1, "aptNum": 70001, "dateTimeStart": "2031-03-17 13:00:00"}"#).await;
    assert_eq!(r.status().as_u16(), 201);
    let offered = list(&s, &client, json!({"clinic": 1, "name": "longlist001", "fits_minutes": null, "offset": 0})).await;
    assert_eq!(offered["candidates"][0]["last_offered"], "2031-03-17 07:00:00", "{offered}");
    // In words: when, for which opening, and what became of it.
    let last = offered["candidates"][0]["last_offer"].as_str().unwrap_or_default();
    assert!(last.starts_with("offered ") && last.contains("for Mon 03/17 1:00 PM: "), "{last}");
    assert_eq!(offered["candidates"][0]["not_textable"], Value::Null);
    let no_phone = list(&s, &client, json!({"clinic": 1, "name": "longlist005", "fits_minutes": null, "offset": 0})).await;
    assert!(no_phone["candidates"][0]["not_textable"].as_str().unwrap().contains("wireless phone"), "{no_phone}");
    let nobody = list(&s, &client, json!({"clinic": 1, "name": "no such name", "fits_minutes": null, "offset": 0})).await;
    assert_eq!((nobody["matching"].as_u64(), nobody["total"].as_u64()), (Some(0), Some(total as u64)));
    // Past the end is an empty page, not an error.
    let past = list(&s, &client, json!({"clinic": 1, "name": "", "fits_minutes": null, "offset": 100_000})).await;
    assert!(past["candidates"].as_array().unwrap().is_empty());
}

async fn bad_list_requests_are_refused_with_a_reason(s: Arc<TestServer>) {
    s.add_user("south", false, "2").await;
    let client = s.signed_in("south").await;
    let (status, body) = s.server_fn(&client, "asap-list", json!({"query": {"clinic": 1, "name": "", "fits_minutes": null, "offset": 0}})).await;
    assert_eq!(status, 403, "another clinic's list: {body}");
    let (status, body) = s.server_fn(&client, "asap-list", json!({"query": {"clinic": 2, "name": "", "fits_minutes": null, "offset": 0}})).await;
    assert_eq!(status, 200, "their own clinic's list: {body}");
    s.add_user("boss", true, "").await;
    let client = s.signed_in("boss").await;
    for (query, says) in [
        (json!({"clinic": 99, "name": "", "fits_minutes": null, "offset": 0}), "Clinic 99 does not exist"),
        (json!({"clinic": 1, "name": "", "fits_minutes": -5, "offset": 0}), "fits_minutes"),
        (json!({"clinic": 1, "name": "x".repeat(101), "fits_minutes": null, "offset": 0}), "at most 100"),
        (json!({"clinic": "one", "name": "", "fits_minutes": null, "offset": 0}), "clinic"),
        (json!({"clinic": 1, "name": "", "fits_minutes": null, "offset": -1}), "offset"),
    ] {
        let (status, body) = s.server_fn(&client, "asap-list", json!({"query": query})).await;
        assert!((400..500).contains(&status), "{query}: {status} {body}");
        assert!(body.to_string().contains(says), "{query}: {body}");
    }
}
