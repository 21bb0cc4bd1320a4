//! The picker's send panel beyond choosing patients: the opening's Start/End, the message
//! edited for one send, and ASAP Message Setup (a clinic's own messages, the whole office's,
//! checked as a send is, for administrators only).

mod harness;

use harness::{TestServer, chicago, fixture};
use serde_json::{Value, json};
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 09:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    the_opening_runs_to_the_end_staff_chose,
    a_message_edited_for_one_send_goes_with_that_send_only,
    message_setup_sets_a_clinic_and_the_whole_office,
    message_setup_is_for_administrators_and_checks_what_it_saves,
    one_patients_offer_is_withdrawn_and_the_others_keep_theirs,
);

/// Two 30-minute patients on clinic 1's list (op 1) and one on clinic 2's (op 3), all textable
/// with an email address.
async fn patients(s: &TestServer) {
    let patient = |num: i64, clinic: i64| {
        json!({"PatNum": num, "LName": format!("Panel{num}"), "FName": format!("Pat{num}"), "WirelessPhone": format!("(555) 301-{num}"),
            "TxtMsgOk": "Yes", "ClinicNum": clinic, "Email": format!("pat{num}@example.com"), "PreferContactMethod": "TextMessage"})
    };
    let apt = |num: i64, clinic: i64, op: i64| {
        json!({"AptNum": num * 10, "PatNum": num, "AptStatus": "UnschedList", "Pattern": "XXXXXX", "Op": op, "ProvNum": 1,
            "AptDateTime": "2031-04-20 09:00:00", "ClinicNum": clinic, "Priority": "ASAP"})
    };
    s.import(&json!({
        "patients": [patient(7001, 1), patient(7002, 1), patient(7003, 2)],
        "appointments": [apt(7001, 1, 1), apt(7002, 1, 1), apt(7003, 2, 3)],
    }).to_string())
    .await;
}

async fn boss(s: &TestServer) -> reqwest::Client {
    s.add_user("boss", true, "").await;
    s.signed_in("boss").await
}

fn offer(op: i64, apt: i64, extra: Value) -> Value {
    let mut body = json!({"op": op, "start": "2031-03-17 13:00:00", "recipients": [{"Appointment": apt}], "send_mode": "text"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body
}

async fn the_opening_runs_to_the_end_staff_chose(s: Arc<TestServer>) {
    patients(&s).await;
    let client = boss(&s).await;
    let (status, body) = s.server_fn(&client, "offer", offer(1, 70010, json!({"end": "2031-03-17 14:10:00"}))).await;
    assert_eq!(status, 200, "{body}");
    let schedule = body["schedule_num"].as_i64().unwrap();
    let (start, stop) = (
        s.text(&format!("SELECT starttime FROM schedule WHERE schedulenum = {schedule}")).await,
        s.text(&format!("SELECT stoptime FROM schedule WHERE schedulenum = {schedule}")).await,
    );
    assert_eq!((start.as_str(), stop.as_str()), ("13:00:00", "14:10:00"), "the blockout covers the chosen 70 minutes");

    // Without an end, the opening is as long as the longest visit, as the REST API makes it.
    let (status, body) = s.server_fn(&client, "offer", offer(1, 70020, json!({"start": "2031-03-17 15:00:00"}))).await;
    assert_eq!(status, 200, "{body}");
    let schedule = body["schedule_num"].as_i64().unwrap();
    assert_eq!(s.text(&format!("SELECT stoptime FROM schedule WHERE schedulenum = {schedule}")).await, "15:30:00");

    let before = s.scalar("SELECT COUNT(*) FROM asapcomm").await;
    for (end, says) in [
        ("2031-03-17 16:20:00", "The opening is 20 minutes, but a chosen patient needs 30"),
        ("2031-03-17 15:00:00", "Choose an end after the start"),
        ("half past one", "end is not a valid date and time: 'half past one'"),
    ] {
        let (status, body) = s.server_fn(&client, "offer", offer(1, 70020, json!({"start": "2031-03-17 16:00:00", "end": end}))).await;
        assert_eq!(status, 400, "{end}: {body}");
        assert!(body.to_string().contains(says), "{end}: {body}");
    }
    assert_eq!(s.scalar("SELECT COUNT(*) FROM asapcomm").await, before, "a refused send creates nothing");
}

async fn a_message_edited_for_one_send_goes_with_that_send_only(s: Arc<TestServer>) {
    patients(&s).await;
    let client = boss(&s).await;
    let message = json!({"text": "[NameF]: a chair at [Time] at [OfficeName]. Book at [AsapURL]", "email_subject": "Chair at [Time]",
        "email_body": "Hello [NameF], book at [AsapURL]"});
    let (status, body) = s.server_fn(&client, "offer", offer(1, 70010, json!({"send_mode": "both", "message": message}))).await;
    assert_eq!(status, 200, "{body}");
    let num = body["offers"][0]["AsapCommNum"].as_i64().unwrap();
    assert_eq!(body["offers"][0]["TemplateText"], "[NameF]: a chair at 1:00 PM at Maple Grove Dental - North. Book at [AsapURL]");
    assert_eq!(s.text(&format!("SELECT subject FROM asapemail WHERE asapcommnum = {num}")).await, "Chair at 1:00 PM");

    // The next send, without a message, carries the clinic's template again.
    let (status, body) = s.server_fn(&client, "offer", offer(1, 70020, json!({"start": "2031-03-17 15:00:00"}))).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["offers"][0]["TemplateText"].as_str().unwrap().contains("an appointment opening has become available"), "{body}");

    let before = s.scalar("SELECT COUNT(*) FROM asapcomm").await;
    for (message, says) in [
        (json!({"text": "Call us at [OfficePhone]", "email_subject": "x", "email_body": "[AsapURL]"}), "The text has no [AsapURL]"),
        (json!({"text": "[Nmae], see [AsapURL]", "email_subject": "x", "email_body": "[AsapURL]"}), "holds [Nmae], which is not a tag"),
        (json!({"text": "[AsapURL]", "email_subject": "", "email_body": "[AsapURL]"}), "The email subject is empty"),
    ] {
        let (status, body) =
            s.server_fn(&client, "offer", offer(1, 70020, json!({"start": "2031-03-17 16:00:00", "send_mode": "both", "message": message}))).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.to_string().contains(says), "{says}: {body}");
    }
    assert_eq!(s.scalar("SELECT COUNT(*) FROM asapcomm").await, before, "a refused send creates nothing");
}

async fn message_setup_sets_a_clinic_and_the_whole_office(s: Arc<TestServer>) {
    patients(&s).await;
    let client = boss(&s).await;
    let (status, setup) = s.server_fn(&client, "messages", json!({"clinic": 1})).await;
    assert_eq!(status, 200, "{setup}");
    assert_eq!(setup["own"], false);
    assert!(setup["message"]["text"].as_str().unwrap().contains("[AsapURL]"));

    let save = |clinic: i64, text: &str| {
        json!({"change": {"clinic_num": clinic, "message": {"text": text, "email_subject": "Opening at [Time]", "email_body": "Book: [AsapURL]"},
            "confirm_booking": false}})
    };
    let (status, body) = s.server_fn(&client, "messages-save", save(0, "Office-wide: [AsapURL]")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = s.server_fn(&client, "messages-save", save(1, "North only: [AsapURL]")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["own"].as_bool(), body["source"].as_str()), (Some(true), Some("Set for this clinic here.")));

    // Clinic 1 sends its own; clinic 2 has none and sends the whole office's.
    let (_, north) = s.server_fn(&client, "offer", offer(1, 70010, json!({}))).await;
    assert_eq!(north["offers"][0]["TemplateText"], "North only: [AsapURL]", "{north}");
    let (_, south) = s.server_fn(&client, "offer", offer(3, 70030, json!({}))).await;
    assert_eq!(south["offers"][0]["TemplateText"], "Office-wide: [AsapURL]", "{south}");
    let (_, day) = s.server_fn(&client, "day", json!({"query": {"clinic": "1", "date": "2031-03-17"}})).await;
    assert_eq!(day["template"], "North only: [AsapURL]", "the picker prefills the clinic's own");

    // Removing clinic 1's own: it follows the office again.
    let (status, body) = s.server_fn(&client, "messages-reset", json!({"clinic": 1})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["own"], false);
    assert_eq!(body["message"]["text"], "Office-wide: [AsapURL]");
    assert_eq!(body["confirm_booking"], false);
    assert_eq!(s.scalar("SELECT COUNT(*) FROM auditevent WHERE action = 'changed ASAP messages'").await, 3, "two saves and a removal");
}

async fn message_setup_is_for_administrators_and_checks_what_it_saves(s: Arc<TestServer>) {
    s.add_user("desk", false, "").await;
    let desk = s.signed_in("desk").await;
    for (name, body) in [
        ("messages", json!({"clinic": 1})),
        ("messages-reset", json!({"clinic": 1})),
        ("messages-save", json!({"change": {"clinic_num": 1, "message": {"text": "[AsapURL]", "email_subject": "x", "email_body": "[AsapURL]"}, "confirm_booking": true}})),
    ] {
        let (status, answer) = s.server_fn(&desk, name, body).await;
        assert_eq!(status, 403, "{name}: {answer}");
        assert!(answer.to_string().contains("Only administrators can change the ASAP messages"), "{answer}");
    }
    let client = boss(&s).await;
    let (status, body) = s.server_fn(&client, "messages", json!({"clinic": 99})).await;
    assert_eq!(status, 404, "{body}");
    for (message, says) in [
        (json!({"text": "no link", "email_subject": "x", "email_body": "[AsapURL]"}), "The text has no [AsapURL]"),
        (json!({"text": "[AsapURL]", "email_subject": "x", "email_body": "no link"}), "The email has no [AsapURL]"),
        (json!({"text": "[AsapURL] [Tiem]", "email_subject": "x", "email_body": "[AsapURL]"}), "[Tiem]"),
    ] {
        let (status, body) =
            s.server_fn(&client, "messages-save", json!({"change": {"clinic_num": 0, "message": message, "confirm_booking": true}})).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.to_string().contains(says), "{says}: {body}");
    }
    assert_eq!(s.scalar("SELECT COUNT(*) FROM clinicpref").await, 0, "nothing refused was saved");
}

async fn one_patients_offer_is_withdrawn_and_the_others_keep_theirs(s: Arc<TestServer>) {
    patients(&s).await;
    let client = boss(&s).await;
    let body = json!({"op": 1, "start": "2031-03-17 13:00:00", "recipients": [{"Appointment": 70010}, {"Appointment": 70020}], "send_mode": "text"});
    let (status, sent) = s.server_fn(&client, "offer", body).await;
    assert_eq!(status, 200, "{sent}");
    let first = s.scalar("SELECT asapcommnum FROM asapcomm WHERE patnum = 7001").await;
    let second = s.scalar("SELECT asapcommnum FROM asapcomm WHERE patnum = 7002").await;
    s.services().send_due_texts().await.unwrap();

    // A text not sent yet (the second wave) is not sent once its offer is withdrawn.
    let queued = s.scalar(&format!("SELECT COUNT(*) FROM asapcomm WHERE asapcommnum = {second} AND smssendstatus = 2")).await == 1;
    let (status, said) = s.server_fn(&client, "withdraw-offer", json!({"asap_comm_num": second})).await;
    assert_eq!(status, 200, "{said}");
    assert_eq!(said, json!("Withdrew Pat7002's offer for Mon 03/17/2031 1:00 PM."));
    let after = s.text(&format!("SELECT responsestatus || '|' || smssendstatus || '|' || withdrawnby FROM asapcomm WHERE asapcommnum = {second}")).await;
    assert!(after.starts_with("9|") && after.ends_with("|boss"), "Expired, by boss: {after}");
    if queued {
        assert_eq!(after, "9|1|boss", "its queued text is not sent");
    }
    assert_eq!(s.scalar("SELECT COUNT(*) FROM auditevent WHERE action = 'withdrew offer'").await, 1);

    // Its link says the office no longer offers the time, and cannot take it.
    let withdrawn_link = format!("/asap/{}", s.text(&format!("SELECT shortguid FROM asapcomm WHERE asapcommnum = {second}")).await);
    let page = s.http.get(s.url(&withdrawn_link)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("no longer offering"), "{page}");
    accept(&s, &withdrawn_link).await;
    assert_eq!(s.text("SELECT aptdatetime FROM appointment WHERE aptnum = 70020").await, "2031-04-20 09:00:00", "not moved");

    // The other patient keeps theirs and can book it; then theirs can no longer be withdrawn.
    let first_link = format!("/asap/{}", s.text(&format!("SELECT shortguid FROM asapcomm WHERE asapcommnum = {first}")).await);
    assert_eq!(accept(&s, &first_link).await, 303);
    assert_eq!(s.text("SELECT aptdatetime FROM appointment WHERE aptnum = 70010").await, "2031-03-17 13:00:00");
    let page = s.http.get(s.url(&withdrawn_link)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("no longer offering"), "once the opening is filled, a withdrawn offer still reads as withdrawn: {page}");
    let (status, said) = s.server_fn(&client, "withdraw-offer", json!({"asap_comm_num": first})).await;
    assert_eq!(status, 409, "{said}");
    assert!(said.to_string().contains("can no longer be withdrawn: it is \\\"Appointment made\\\" already"), "{said}");

    // Another clinic's staff, and an offer that does not exist, learn nothing.
    s.add_user("south", false, "2").await;
    let south = s.signed_in("south").await;
    for (who, n) in [(&south, first), (&client, 999_999)] {
        let (status, said) = s.server_fn(who, "withdraw-offer", json!({"asap_comm_num": n})).await;
        assert_eq!(status, 404, "{said}");
        assert!(said.to_string().contains(&format!("Offer {n} does not exist")), "{said}");
    }
}

/// The patient's "Yes, book me in" on their page; the answer's HTTP status.
async fn accept(s: &TestServer, path: &str) -> u16 {
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = browser.post(s.url(path)).header("Sec-Fetch-Site", "same-origin").form(&[("answer", "accept")]).send().await.unwrap();
    r.status().as_u16()
}
