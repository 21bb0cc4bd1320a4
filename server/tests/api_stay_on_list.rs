//! Staying on the list: from the page after booking or declining, a patient with a later visit
//! asks to hear of earlier openings for it. It goes on the ASAP list (Priority ASAP) with an
//! audit entry; the link is the only key, and it reaches only that patient's own visits.

mod harness;

use harness::{TestServer, chicago, fixture};
use serde_json::json;
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 09:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    a_patient_puts_a_later_visit_on_the_list_from_their_page,
);

/// Pat 7301 waits for an unscheduled hour (on the ASAP list) and has a cleaning booked on 2 April
/// (not on it); pat 7302 has a visit of their own.
async fn patients(s: &TestServer) {
    let patient = |num: i64| json!({"PatNum": num, "LName": "Staytest", "FName": format!("P{num}"),
        "WirelessPhone": format!("(555) 402-{num}"), "TxtMsgOk": "Yes", "ClinicNum": 1});
    let apt = |num: i64, pat: i64, status: &str, at: &str, priority: &str| json!({"AptNum": num, "PatNum": pat, "AptStatus": status,
        "Pattern": "XXXXXX", "Op": 2, "ProvNum": 1, "AptDateTime": at, "ClinicNum": 1, "Priority": priority});
    s.import(
        &json!({
            "patients": [patient(7301), patient(7302)],
            "appointments": [
                apt(73010, 7301, "UnschedList", "2031-01-10 09:00:00", "ASAP"),
                apt(73011, 7301, "Scheduled", "2031-04-02 10:00:00", "Normal"),
                apt(73021, 7302, "Scheduled", "2031-04-03 10:00:00", "Normal"),
            ],
        })
        .to_string(),
    )
    .await;
}

async fn earlier(s: &TestServer, code: &str, apt: &str, site: &str) -> u16 {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let r = client.post(s.url(&format!("/asap/{code}/earlier"))).header("Sec-Fetch-Site", site).form(&[("apt", apt)]).send().await.expect("post");
    r.status().as_u16()
}

async fn a_patient_puts_a_later_visit_on_the_list_from_their_page(s: Arc<TestServer>) {
    patients(&s).await;
    let r = s.post("/api/v1/asapcomms", r#"{"op": 1, "aptNum": 73010, "dateTimeStart": "2031-03-17 13:00:00"}"#).await;
    assert_eq!(r.status().as_u16(), 201);
    s.services().send_due_texts().await.expect("send");
    let code = s.text("SELECT shortguid FROM asapcomm WHERE fkey = 73010").await;

    // Before an answer the page offers the opening only.
    let page = s.http.get(s.url(&format!("/asap/{code}"))).send().await.expect("page").text().await.expect("body");
    assert!(!page.contains("Your other visits"), "{page}");
    assert_eq!(s.answer_link(&code, "decline").await.status().as_u16(), 303);
    let page = s.http.get(s.url(&format!("/asap/{code}"))).send().await.expect("page").text().await.expect("body");
    assert!(page.contains("Your other visits") && page.contains("Tell me about earlier openings for this visit"), "{page}");
    assert!(page.contains(r#"value="73011""#), "{page}");
    assert!(!page.contains("73021"), "another patient's visit is never shown");

    // Refused: another site's form, another patient's visit, nonsense; nothing changes.
    assert_eq!(earlier(&s, &code, "73011", "cross-site").await, 403);
    assert_eq!(earlier(&s, &code, "73021", "same-origin").await, 400);
    assert_eq!(earlier(&s, &code, "seven", "same-origin").await, 400);
    assert_eq!(earlier(&s, "AAAAAAAAAAAAAAAAAAAAAA", "73011", "same-origin").await, 404);
    assert_eq!(s.scalar("SELECT COUNT(*) FROM appointment WHERE priority = 1 AND aptnum IN (73011, 73021)").await, 0);

    // Asked: on the list, audited once, and the page says so (asking again changes nothing).
    assert_eq!(earlier(&s, &code, "73011", "same-origin").await, 303);
    assert_eq!(earlier(&s, &code, "73011", "same-origin").await, 303);
    assert_eq!(s.scalar("SELECT priority FROM appointment WHERE aptnum = 73011").await, app::model::Priority::ASAP.as_i64());
    assert_eq!(s.scalar("SELECT COUNT(*) FROM auditevent WHERE action = 'patient asked for earlier openings'").await, 1);
    let page = s.http.get(s.url(&format!("/asap/{code}"))).send().await.expect("page").text().await.expect("body");
    assert!(page.contains("We&#x27;ll text you if an earlier time opens up") || page.contains("We'll text you if an earlier time opens up"), "{page}");
    let list = s.get("/api/v1/appointments/ASAP?ClinicNum=1").await.text().await.expect("list");
    assert!(list.contains("73011"), "now on the ASAP list: {list}");
}
