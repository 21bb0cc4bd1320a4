//! The ASAP history's server function on a large range: counts from the counts table (before and
//! after the sweep folds them) agree with the rows, pages found by key walk forwards and
//! backwards through every row exactly once, and a page chosen by number is the same page.

mod harness;

use harness::{TestServer, chicago, fixture};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-20 09:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    counts_and_pages_agree_with_the_rows,
);

/// 250 offers over three days in two clinics, with a spread of statuses.
async fn load(s: &TestServer) {
    let statuses = [("PendingRsvp", "SendSuccessful"), ("Declined", "SendSuccessful"), ("UnableToSend", "DoNotSend"), ("AcceptedAndMoved", "SendSuccessful"), ("Failed", "SendFailed")];
    let rows: Vec<Value> = (0..250)
        .map(|i| {
            let (response, send) = statuses[i % statuses.len()];
            json!({"AsapCommNum": 5000 + i, "FKey": 1001, "FKeyType": "ScheduledAppt", "ScheduleNum": 9001, "PatNum": 101,
                "ClinicNum": 1 + (i % 2), "DateTimeEntry": format!("2031-03-{:02} {:02}:{:02}:00", 17 + i % 3, 8 + (i / 60) % 10, i % 60),
                "DateTimeExpire": "2031-03-30 09:00:00", "DateTimeSmsScheduled": "2031-03-17 08:00:00", "SmsSendStatus": send,
                "DateTimeSmsSent": "0001-01-01 00:00:00", "ResponseStatus": response, "DateTimeOrig": "2031-03-28 09:00:00",
                "TemplateText": "", "Note": ""})
        })
        .collect();
    s.import(&json!({"asapcomms": rows}).to_string()).await;
}

async fn page(s: &TestServer, client: &reqwest::Client, query: Value) -> Value {
    let (status, body) = s.server_fn(client, "history", json!({"query": query})).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn nums(page: &Value) -> Vec<i64> {
    page["rows"].as_array().unwrap().iter().map(|r| r["comm"]["AsapCommNum"].as_i64().unwrap()).collect()
}

async fn counts_and_pages_agree_with_the_rows(s: Arc<TestServer>) {
    load(&s).await;
    s.add_user("boss", true, "").await;
    let client = s.signed_in("boss").await;
    let range = json!({"date_start": "2031-03-17", "date_through": "2031-03-19"});
    for fold in [false, true] {
        if fold {
            s.services().tidy_counts_and_changes().await.unwrap();
        }
        let first = page(&s, &client, range.clone()).await;
        assert_eq!(first["matching"], 250, "fold {fold}");
        assert_eq!(first["totals"]["offers"], 250);
        assert_eq!(first["totals"]["declined"], 50);
        assert_eq!(first["totals"]["unable"], 50);
        assert_eq!(first["totals"]["filled"], 50);
        assert_eq!(first["totals"]["sent"], 150, "sent = SendSuccessful");
        assert_eq!(first["days"].as_array().unwrap().len(), 3);
        let clinic = page(&s, &client, json!({"date_start": "2031-03-17", "date_through": "2031-03-19", "clinic_num": "2", "response_status": "Declined"})).await;
        assert_eq!(clinic["matching"], 25);
    }
    // Walk forwards by key.
    let mut seen = Vec::new();
    let mut query = range.clone();
    let mut pages = Vec::new();
    loop {
        let p = page(&s, &client, query.clone()).await;
        seen.extend(nums(&p));
        pages.push(p.clone());
        match p["next"].as_str() {
            Some(key) => {
                query = json!({"date_start": "2031-03-17", "date_through": "2031-03-19", "after": key, "page": (pages.len() + 1).to_string()});
            }
            None => break,
        }
    }
    assert_eq!(pages.len(), 3);
    assert_eq!(seen.len(), 250);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 250, "no row twice");
    // Newest first throughout.
    let entries: Vec<String> = pages.iter().flat_map(|p| p["rows"].as_array().unwrap().iter().map(|r| r["comm"]["DateTimeEntry"].as_str().unwrap().to_string())).collect();
    let mut sorted = entries.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(entries, sorted);
    // And back: the previous page of page 3 is page 2.
    let back = page(&s, &client, json!({"date_start": "2031-03-17", "date_through": "2031-03-19", "before": pages[2]["previous"], "page": "2"})).await;
    assert_eq!(nums(&back), nums(&pages[1]));
    assert!(back["previous"].is_string());
    // A page chosen by its number (no key) is the same page, whichever way the history is read
    // and with the status and clinic filters: it starts from the day the counts put it on.
    for n in 2..=3 {
        let jumped = page(&s, &client, json!({"date_start": "2031-03-17", "date_through": "2031-03-19", "page": n.to_string()})).await;
        assert_eq!(nums(&jumped), nums(&pages[n - 1]), "page {n} by number");
    }
    for order in ["newest", "oldest"] {
        for filters in [json!({}), json!({"response_status": "Declined"}), json!({"clinic_num": "2", "sms_send_status": "SendSuccessful"})] {
            let mut base = json!({"date_start": "2031-03-17", "date_through": "2031-03-19", "order": order});
            for (k, v) in filters.as_object().unwrap() {
                base[k] = v.clone();
            }
            let mut walked = Vec::new();
            let mut query = base.clone();
            loop {
                let p = page(&s, &client, query.clone()).await;
                walked.push(nums(&p));
                let Some(key) = p["next"].as_str() else { break };
                query = base.clone();
                query["after"] = json!(key);
                query["page"] = json!((walked.len() + 1).to_string());
            }
            for (i, expected) in walked.iter().enumerate().skip(1) {
                let mut by_number = base.clone();
                by_number["page"] = json!((i + 1).to_string());
                let jumped = page(&s, &client, by_number).await;
                assert_eq!(&nums(&jumped), expected, "page {} by number, {order} first, {filters}", i + 1);
            }
        }
    }
    // A made-up key is refused in words.
    let (status, body) = s.server_fn(&client, "history", json!({"query": {"after": "yesterday|x"}})).await;
    assert_eq!(status, 400, "{body}");
}
