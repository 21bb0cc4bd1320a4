//! The whole loop on the example office: offers are texted (to the local outbox) in waves at
//! allowed hours, patients open their link and answer, the first claim wins, and openings are
//! closed out when filled, withdrawn, booked by the office or started. The office clock is
//! stopped at 2031-03-17 07:00 (America/Chicago) and moved by each test.

mod harness;

use harness::{TestServer, chicago, fixture};
use serde_json::{Value, json};
use server::store;
use sqlx::Row;
use std::sync::Arc;
use std::time::Instant;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 07:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    texts_go_out_with_the_name_and_link_filled_in,
    waves_go_out_one_gap_apart_and_stop_when_filled,
    texts_wait_for_texting_hours_and_say_so,
    the_daily_limit_is_checked_again_when_a_text_is_due,
    opening_the_link_marks_the_offer_viewed,
    the_page_lists_the_soonest_other_openings,
    a_link_cannot_book_another_patients_offer,
    accepting_moves_the_appointment_and_closes_the_opening,
    a_recall_claim_makes_an_appointment_from_its_pattern,
    fifty_simultaneous_claims_give_exactly_one_winner,
    declines_and_stop_requests_are_recorded,
    withdrawing_stops_queued_texts_and_removes_the_blockout,
    an_import_that_books_the_time_closes_the_opening,
    an_import_cannot_overwrite_an_openings_blockout,
    openings_close_when_they_start_and_offers_expire,
    unknown_and_ended_links_get_the_same_page,
    a_restart_mid_wave_sends_nothing_twice_and_forgets_nothing,
    a_second_offer_at_the_same_time_joins_the_opening,
    answers_from_another_site_or_without_a_button_are_refused,
);

async fn post_offer(s: &TestServer, op: i64, target: &str, start: &str) -> Value {
    let body = format!(r#"{{"op": {op}, {target}, "dateTimeStart": "{start}"}}"#);
    let r = s.post("/api/v1/asapcomms", &body).await;
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(status, 201, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn comm(s: &TestServer, num: i64) -> Value {
    let r = s.get(&format!("/api/v1/asapcomms/{num}")).await;
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}

/// (AsapCommNum, link, body) of every outbox message, oldest first.
async fn outbox(s: &TestServer) -> Vec<(i64, String, String)> {
    let mut conn = s.store.pool().acquire().await.unwrap();
    sqlx::query("SELECT asapcommnum, link, body FROM outboxmessage ORDER BY messagenum")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get::<i64, _>(0).unwrap(), r.try_get::<String, _>(1).unwrap(), r.try_get::<String, _>(2).unwrap()))
        .collect()
}

async fn send(s: &TestServer) -> server::service::SendRound {
    s.services().send_due_texts().await.expect("send round")
}

/// The path part of a patient link.
fn path_of(link: &str) -> String {
    link.trim_start_matches("https://asap.example.test").to_string()
}

/// A browser-like client that does not follow redirects, so each answer's status shows.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn answer(s: &TestServer, path: &str, answer: &str) -> (u16, String) {
    let r = browser()
        .post(s.url(path))
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("answer", answer)])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let page = if status == 303 { s.http.get(s.url(path)).send().await.unwrap().text().await.unwrap() } else { r.text().await.unwrap() };
    (status, page)
}

async fn texts_go_out_with_the_name_and_link_filled_in(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    let c = post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    let num = c["AsapCommNum"].as_i64().unwrap();
    assert_eq!(c["SmsSendStatus"], "SendNotAttempted");
    let round = send(&s).await;
    assert_eq!(round.sent, 1, "{round:?}");
    let sent = comm(&s, num).await;
    assert_eq!(sent["SmsSendStatus"], "SendSuccessful");
    assert_eq!(sent["ResponseStatus"], "PendingRsvp");
    assert_eq!(sent["DateTimeSmsSent"], "2031-03-17 09:00:00");
    let messages = outbox(&s).await;
    assert_eq!(messages.len(), 1);
    let (for_comm, link, body) = &messages[0];
    assert_eq!(*for_comm, num);
    assert!(body.starts_with("Lan, an appointment opening has become available on 03/17/2031 at 1:00 PM"), "{body}");
    assert!(body.contains(link.as_str()), "{body}");
    // The link code: 22 letters and digits, unrelated to the AsapCommNum.
    let code = link.rsplit('/').next().unwrap();
    assert!(link.starts_with("https://asap.example.test/asap/"), "{link}");
    assert_eq!(code.len(), 22);
    assert!(code.chars().all(|c| c.is_ascii_alphanumeric()));
    // Sending again sends nothing.
    assert_eq!(send(&s).await.sent, 0);
    assert_eq!(outbox(&s).await.len(), 1);
}

async fn waves_go_out_one_gap_apart_and_stop_when_filled(s: Arc<TestServer>) {
    let apts = s.asap_patients(3).await;
    s.clock.set(chicago("2031-03-17 10:00:00"));
    // The opening starts in 3 hours: one text per wave, 2 minutes apart.
    let mut nums = Vec::new();
    for apt in &apts {
        nums.push(post_offer(&s, 1, &format!(r#""aptNum": {apt}"#), "2031-03-17 13:00:00").await["AsapCommNum"].as_i64().unwrap());
    }
    let scheduled: Vec<String> = futures_join(&s, &nums).await.iter().map(|c| c["DateTimeSmsScheduled"].as_str().unwrap().to_string()).collect();
    assert_eq!(scheduled, ["2031-03-17 10:00:00", "2031-03-17 10:02:00", "2031-03-17 10:04:00"]);
    let same: Vec<i64> = futures_join(&s, &nums).await.iter().map(|c| c["ScheduleNum"].as_i64().unwrap()).collect();
    assert!(same.iter().all(|n| *n == same[0]), "offers for the same time join one opening: {same:?}");
    assert_eq!(send(&s).await.sent, 1);
    s.clock.set(chicago("2031-03-17 10:02:00"));
    assert_eq!(send(&s).await.sent, 1);
    // The second patient takes it before the third wave.
    let (_, link, _) = outbox(&s).await.pop().unwrap();
    let (status, page) = answer(&s, &path_of(&link), "accept").await;
    assert_eq!(status, 303);
    assert!(page.contains("You&#x27;re booked") || page.contains("booked"), "{page}");
    s.clock.set(chicago("2031-03-17 10:30:00"));
    assert_eq!(send(&s).await.sent, 1, "the third wave is not sent once the opening is filled; the winner's confirmation is");
    let third = comm(&s, nums[2]).await;
    assert_eq!(third["SmsSendStatus"], "DoNotSend");
    assert_eq!(third["ResponseStatus"], "Failed");
    assert_eq!(third["Note"], "Not sending because the time slot has been taken by another appointment.");
    let sent = outbox(&s).await;
    assert_eq!(sent.len(), 3);
    let (to, _, confirmation) = &sent[2];
    assert_eq!(*to, nums[1], "the confirmation goes to the patient who booked");
    assert!(confirmation.contains("you're booked") && confirmation.contains("1:00 PM"), "{confirmation}");
}

async fn futures_join(s: &TestServer, nums: &[i64]) -> Vec<Value> {
    let mut out = Vec::new();
    for n in nums {
        out.push(comm(s, *n).await);
    }
    out
}

async fn texts_wait_for_texting_hours_and_say_so(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 21:30:00"));
    let c = post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-18 14:00:00").await;
    assert_eq!(c["DateTimeSmsScheduled"], "2031-03-18 08:00:00");
    assert!(c["Note"].as_str().unwrap().contains("will go Tue 03/18 at 8:00 AM"), "{c}");
    assert_eq!(send(&s).await.sent, 0, "nothing goes out at night");
    s.clock.set(chicago("2031-03-18 07:59:00"));
    assert_eq!(send(&s).await.sent, 0);
    s.clock.set(chicago("2031-03-18 08:00:00"));
    assert_eq!(send(&s).await.sent, 1);
    let sent = comm(&s, c["AsapCommNum"].as_i64().unwrap()).await;
    assert_eq!(sent["Note"], "", "the waiting note goes once the text is out");
}

async fn the_daily_limit_is_checked_again_when_a_text_is_due(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    // Two texts to patient 101 today, sent.
    for (op, start) in [(1, "2031-03-17 13:30:00"), (3, "2031-03-17 14:30:00")] {
        post_offer(&s, op, r#""aptNum": 1001"#, start).await;
    }
    assert_eq!(send(&s).await.sent, 2);
    // A third offer made for tomorrow's opening is over today's limit: it waits for tomorrow.
    let c = post_offer(&s, 3, r#""aptNum": 1001"#, "2031-03-18 15:00:00").await;
    let num = c["AsapCommNum"].as_i64().unwrap();
    assert_eq!(c["ResponseStatus"], "UnableToSend", "limit at offer time: {c}");
    // The same rule holds when the limit is reached after the offer was queued.
    s.clock.set(chicago("2031-03-18 09:00:00"));
    let a = post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-19 10:00:00").await;
    let b = post_offer(&s, 3, r#""aptNum": 1001"#, "2031-03-19 11:00:00").await;
    assert_eq!(a["ResponseStatus"], "AwaitingTransmit");
    assert_eq!(b["ResponseStatus"], "AwaitingTransmit");
    // Both queued for now; a third sneaks in through an import of a sent text today.
    s.import(
        &json!({"asapcomms": [{"AsapCommNum": 900, "FKey": 1001, "FKeyType": "ScheduledAppt", "ScheduleNum": 9001, "PatNum": 101,
            "ClinicNum": 1, "DateTimeEntry": "2031-03-18 08:30:00", "DateTimeExpire": "2031-03-25 09:00:00",
            "DateTimeSmsScheduled": "2031-03-18 08:30:00", "SmsSendStatus": "SendSuccessful",
            "DateTimeSmsSent": "2031-03-18 08:30:00", "ResponseStatus": "PendingRsvp",
            "DateTimeOrig": "2031-03-28 09:00:00", "TemplateText": "", "Note": ""}]})
        .to_string(),
    )
    .await;
    let round = send(&s).await;
    assert_eq!((round.sent, round.waiting), (1, 1), "{round:?}");
    let waiting = if comm(&s, a["AsapCommNum"].as_i64().unwrap()).await["SmsSendStatus"] == "SendNotAttempted" { a } else { b };
    let w = comm(&s, waiting["AsapCommNum"].as_i64().unwrap()).await;
    assert_eq!(w["DateTimeSmsScheduled"], "2031-03-19 08:00:00");
    assert!(w["Note"].as_str().unwrap().contains("limit of 2 ASAP texts today"), "{w}");
    let _ = num;
}

async fn opening_the_link_marks_the_offer_viewed(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    let c = post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    send(&s).await;
    let (_, link, _) = outbox(&s).await.pop().unwrap();
    let r = s.http.get(s.url(&path_of(&link))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    let page = r.text().await.unwrap();
    assert!(page.contains("Hi Lan"), "{page}");
    assert!(page.contains("Maple Grove Dental - North"), "{page}");
    assert!(page.contains("Monday, March 17, 2031") && page.contains("1:00 PM") && page.contains("About 50 minutes"), "{page}");
    assert!(!page.contains("<script"), "the patient page needs no script");
    assert!(page.len() < 50_000);
    assert!(!page.contains("Nguyen"), "only the first name, nothing else about the patient");
    let viewed = comm(&s, c["AsapCommNum"].as_i64().unwrap()).await;
    assert_eq!(viewed["ResponseStatus"], "Viewed");
}

async fn the_page_lists_the_soonest_other_openings(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    s.import(r#"{"preferences": {"WebSchedAsapTextLimit": 20}}"#).await;
    let mut nums = Vec::new();
    for day in (1..=7).rev() {
        nums.push(post_offer(&s, 1, r#""aptNum": 1001"#, &format!("2031-04-{day:02} 13:00:00")).await["AsapCommNum"].as_i64().unwrap());
    }
    assert_eq!(send(&s).await.sent, 7);
    // The page for the latest opening, 7 April, lists the five soonest others.
    let (_, link, _) = outbox(&s).await.into_iter().find(|(num, _, _)| *num == nums[0]).unwrap();
    let page = s.http.get(s.url(&path_of(&link))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Choose a time"), "the openings are choices: {page}");
    let listed: Vec<u32> = (1..=7).filter(|d| page.contains(&format!("April {d} at 1:00 PM"))).collect();
    assert_eq!(listed, vec![1, 2, 3, 4, 5, 7], "the link's own and the five soonest others");
    assert!(page.find("April 7 at 1:00 PM") < page.find("April 1 at 1:00 PM"), "the link's own first");
    let mut positions = (1..=5).map(|d| page.find(&format!("April {d} at 1:00 PM")).unwrap());
    let first = positions.next().unwrap();
    assert!(positions.fold((true, first), |(ok, prev), p| (ok && p > prev, p)).0, "soonest first");

    // From the 7 April link, the patient books 2 April: that offer is taken, not the link's own.
    let second = s.text(&format!("SELECT shortguid FROM asapcomm WHERE asapcommnum = {}", nums[5])).await;
    let r = browser()
        .post(s.url(&path_of(&link)))
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("answer", "accept"), ("choice", second.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], format!("/asap/{second}"));
    assert_eq!(comm(&s, nums[5]).await["ResponseStatus"], "AcceptedAndMoved", "2 April was booked");
    assert_eq!(s.text("SELECT aptdatetime FROM appointment WHERE aptnum = 1001").await, "2031-04-02 13:00:00");
    assert_ne!(comm(&s, nums[0]).await["ResponseStatus"], "AcceptedAndMoved", "7 April was not");
}

async fn a_link_cannot_book_another_patients_offer(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    let mine = post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    let theirs = post_offer(&s, 1, r#""recallNum": 501"#, "2031-03-18 13:00:00").await;
    send(&s).await;
    let link = outbox(&s).await.into_iter().find(|m| m.0 == mine["AsapCommNum"].as_i64().unwrap()).unwrap().1;
    let other = s.text(&format!("SELECT shortguid FROM asapcomm WHERE asapcommnum = {}", theirs["AsapCommNum"])).await;
    for choice in [other.as_str(), "not-a-code", "ZZZZZZZZZZZZZZZZZZZZZZ"] {
        let r = browser()
            .post(s.url(&path_of(&link)))
            .header("Sec-Fetch-Site", "same-origin")
            .form(&[("answer", "accept"), ("choice", choice)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{choice}");
        assert!(r.text().await.unwrap().contains("not one offered to you"));
    }
    assert_eq!(comm(&s, theirs["AsapCommNum"].as_i64().unwrap()).await["ResponseStatus"], "PendingRsvp", "untouched");
    assert_eq!(comm(&s, mine["AsapCommNum"].as_i64().unwrap()).await["ResponseStatus"], "PendingRsvp", "untouched");
}

async fn accepting_moves_the_appointment_and_closes_the_opening(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    let first = post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    let schedule = first["ScheduleNum"].as_i64().unwrap();
    let other = post_offer(&s, 1, r#""recallNum": 501"#, "2031-03-17 13:00:00").await;
    s.clock.set(chicago("2031-03-17 09:10:00"));
    assert_eq!(send(&s).await.sent, 2);
    let links = outbox(&s).await;
    let link_of = |n: i64| path_of(&links.iter().find(|m| m.0 == n).unwrap().1);
    let (status, page) = answer(&s, &link_of(first["AsapCommNum"].as_i64().unwrap()), "accept").await;
    assert_eq!(status, 303);
    assert!(page.contains("Your appointment is booked"), "{page}");
    let apt = s.text("SELECT aptdatetime || '|' || op || '|' || aptstatus || '|' || priority FROM appointment WHERE aptnum = 1001").await;
    assert_eq!(apt, "2031-03-17 13:00:00|1|1|0", "moved in, Scheduled, Priority Normal");
    let won = comm(&s, first["AsapCommNum"].as_i64().unwrap()).await;
    assert_eq!(won["ResponseStatus"], "AcceptedAndMoved");
    assert!(won["Note"].as_str().unwrap().contains("Appointment made"), "{won}");
    assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM schedule WHERE schedulenum = {schedule}")).await, 0, "blockout removed");
    assert_eq!(s.scalar(&format!("SELECT state FROM asapopening WHERE schedulenum = {schedule}")).await, 2);
    // The other patient opens their link later: the opening is gone.
    let (status, page) = answer(&s, &link_of(other["AsapCommNum"].as_i64().unwrap()), "accept").await;
    assert_eq!(status, 303);
    assert!(page.contains("This opening was just taken"), "{page}");
    let late = comm(&s, other["AsapCommNum"].as_i64().unwrap()).await;
    assert_eq!(late["ResponseStatus"], "AcceptedAndNotAvailable");
    // Accepting twice changes nothing.
    let (_, page) = answer(&s, &link_of(first["AsapCommNum"].as_i64().unwrap()), "accept").await;
    assert!(page.contains("Your appointment is booked"), "{page}");
    assert_eq!(s.scalar("SELECT COUNT(*) FROM appointment WHERE aptdatetime = '2031-03-17 13:00:00'").await, 1);
}

async fn a_recall_claim_makes_an_appointment_from_its_pattern(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    let c = post_offer(&s, 2, r#""recallNum": 501"#, "2031-03-17 14:00:00").await;
    send(&s).await;
    let (_, link, _) = outbox(&s).await.pop().unwrap();
    let (_, page) = answer(&s, &path_of(&link), "accept").await;
    assert!(page.contains("Your appointment is booked"), "{page}");
    let apt = s.text(
        "SELECT patnum || '|' || aptstatus || '|' || pattern || '|' || op || '|' || provnum || '|' || clinicnum || '|' || priority \
         FROM appointment WHERE aptdatetime = '2031-03-17 14:00:00' AND op = 2",
    )
    .await;
    // /XXXX/ at 10 minutes a character is 60 minutes: twelve 5-minute characters; the hygienist.
    assert_eq!(apt, "102|1|//XXXXXXXX//|2|2|1|0");
    assert_eq!(s.scalar("SELECT priority FROM recall WHERE recallnum = 501").await, 0, "the recall is off the ASAP list");
    assert_eq!(comm(&s, c["AsapCommNum"].as_i64().unwrap()).await["ResponseStatus"], "AcceptedAndMoved");
}

async fn fifty_simultaneous_claims_give_exactly_one_winner(s: Arc<TestServer>) {
    let apts = s.asap_patients(50).await;
    s.clock.set(chicago("2031-03-17 07:30:00"));
    let mut nums = Vec::new();
    for apt in &apts {
        nums.push(post_offer(&s, 1, &format!(r#""aptNum": {apt}"#), "2031-03-17 16:00:00").await["AsapCommNum"].as_i64().unwrap());
    }
    // 8 hours ahead: 2 minutes apart from 08:00; by 10:00 every wave is out.
    s.clock.set(chicago("2031-03-17 10:00:00"));
    assert_eq!(send(&s).await.sent, 50);
    let links: Vec<String> = outbox(&s).await.iter().map(|m| path_of(&m.1)).collect();
    let client = browser();
    let started = Instant::now();
    let tasks: Vec<_> = links
        .into_iter()
        .map(|path| {
            let client = client.clone();
            let url = s.url(&path);
            tokio::spawn(async move {
                let t = Instant::now();
                let r = client.post(&url).header("Sec-Fetch-Site", "same-origin").form(&[("answer", "accept")]).send().await.unwrap();
                (r.status().as_u16(), t.elapsed())
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        let (status, took) = t.await.unwrap();
        assert_eq!(status, 303, "every claim gets a clear answer");
        latencies.push(took);
    }
    latencies.sort();
    eprintln!(
        "50-way claim race on {:?}: p50 {:?}, p99 {:?}, all answered in {:?}",
        s.store.backend(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() * 99 / 100],
        started.elapsed()
    );
    let mut winners = 0;
    let mut taken = 0;
    for n in &nums {
        match comm(&s, *n).await["ResponseStatus"].as_str().unwrap() {
            "AcceptedAndMoved" => winners += 1,
            "AcceptedAndNotAvailable" => taken += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((winners, taken), (1, 49));
    assert_eq!(s.scalar("SELECT COUNT(*) FROM appointment WHERE op = 1 AND aptdatetime = '2031-03-17 16:00:00'").await, 1);
}

async fn declines_and_stop_requests_are_recorded(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    let a = post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    let b = post_offer(&s, 2, r#""recallNum": 501"#, "2031-03-17 14:00:00").await;
    send(&s).await;
    let links = outbox(&s).await;
    let link_of = |n: i64| path_of(&links.iter().find(|m| m.0 == n).unwrap().1);
    let (_, page) = answer(&s, &link_of(a["AsapCommNum"].as_i64().unwrap()), "decline").await;
    assert!(page.contains("keep you on our list"), "{page}");
    assert_eq!(comm(&s, a["AsapCommNum"].as_i64().unwrap()).await["ResponseStatus"], "Declined");
    let (_, page) = answer(&s, &link_of(b["AsapCommNum"].as_i64().unwrap()), "stop").await;
    assert!(page.contains("won&#x27;t offer you") || page.contains("won't offer you"), "{page}");
    assert_eq!(comm(&s, b["AsapCommNum"].as_i64().unwrap()).await["ResponseStatus"], "DeclinedStopComm");
    // The next offer for that recall is not texted.
    let c = post_offer(&s, 2, r#""recallNum": 501"#, "2031-03-17 15:00:00").await;
    assert_eq!(c["ResponseStatus"], "UnableToSend");
    // A declined offer can still be turned into "don't offer again"; accepting after declining cannot take the slot.
    let (_, page) = answer(&s, &link_of(a["AsapCommNum"].as_i64().unwrap()), "accept").await;
    assert!(!page.contains("Your appointment is booked"), "{page}");
    assert_eq!(s.scalar("SELECT COUNT(*) FROM appointment WHERE aptdatetime = '2031-03-17 13:00:00'").await, 0);
}

async fn withdrawing_stops_queued_texts_and_removes_the_blockout(s: Arc<TestServer>) {
    let apts = s.asap_patients(2).await;
    s.clock.set(chicago("2031-03-17 10:00:00"));
    let first = post_offer(&s, 1, &format!(r#""aptNum": {}"#, apts[0]), "2031-03-17 13:00:00").await;
    let second = post_offer(&s, 1, &format!(r#""aptNum": {}"#, apts[1]), "2031-03-17 13:00:00").await;
    let schedule = first["ScheduleNum"].as_i64().unwrap();
    assert_eq!(send(&s).await.sent, 1, "only the first wave is due");
    let manager = server::service::Actor { user_num: 7, name: "pat.manager".into() };
    let closed = s.services().withdraw_opening(schedule, &manager, None).await.expect("withdraw");
    assert_eq!(closed.closed_by, "pat.manager");
    assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM schedule WHERE schedulenum = {schedule}")).await, 0);
    let queued = comm(&s, second["AsapCommNum"].as_i64().unwrap()).await;
    assert_eq!(queued["SmsSendStatus"], "DoNotSend");
    assert_eq!(queued["Note"], "Not sending because the office withdrew the opening.");
    s.clock.set(chicago("2031-03-17 11:00:00"));
    assert_eq!(send(&s).await.sent, 0);
    let sent = comm(&s, first["AsapCommNum"].as_i64().unwrap()).await;
    assert!(sent["Note"].as_str().unwrap().contains("withdrew"), "{sent}");
    let (_, link, _) = outbox(&s).await.pop().unwrap();
    let (_, page) = answer(&s, &path_of(&link), "accept").await;
    assert!(page.contains("no longer offering"), "a withdrawn opening says so, not that someone took it: {page}");
    assert!(s.services().withdraw_opening(schedule, &manager, None).await.is_err(), "withdrawing twice says why");
}

async fn an_import_that_books_the_time_closes_the_opening(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    let c = post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    send(&s).await;
    let schedule = c["ScheduleNum"].as_i64().unwrap();
    s.import(
        &json!({"appointments": [{"AptNum": 7777, "PatNum": 105, "AptStatus": "Scheduled", "Pattern": "XXXXXX", "Op": 1,
            "ProvNum": 1, "AptDateTime": "2031-03-17 13:10:00", "ClinicNum": 1, "Priority": "Normal"}]})
        .to_string(),
    )
    .await;
    assert_eq!(s.scalar(&format!("SELECT state FROM asapopening WHERE schedulenum = {schedule}")).await, 5);
    assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM schedule WHERE schedulenum = {schedule}")).await, 0);
    let (_, link, _) = outbox(&s).await.pop().unwrap();
    let (_, page) = answer(&s, &path_of(&link), "accept").await;
    assert!(page.contains("just taken"), "{page}");
    assert_eq!(s.text("SELECT aptdatetime FROM appointment WHERE aptnum = 1001").await, "2031-03-28 09:00:00", "not moved");
}

async fn an_import_cannot_overwrite_an_openings_blockout(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    let c = post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    let schedule = c["ScheduleNum"].as_i64().unwrap();
    let before = s.snapshot().await;
    let file = json!({"schedules": [{"ScheduleNum": schedule, "SchedDate": "2031-03-18", "StartTime": "08:00:00", "StopTime": "17:00:00",
        "SchedType": "Provider", "ProvNum": 1, "BlockoutType": 0, "Note": "", "operatories": "1"}]});
    let data = server::import::parse(&file.to_string()).unwrap();
    let refused = server::import::import(&s.store, &s.office_clock, &data).await.expect_err("refused");
    assert!(refused.to_string().contains("Web Sched ASAP opening"), "{refused}");
    assert_eq!(s.snapshot().await, before, "nothing changed");
}

async fn openings_close_when_they_start_and_offers_expire(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    let c = post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    let schedule = c["ScheduleNum"].as_i64().unwrap();
    send(&s).await;
    s.clock.set(chicago("2031-03-17 13:00:00"));
    let report = s.services().sweep().await.unwrap();
    assert_eq!(report.lapsed, 1);
    assert_eq!(s.scalar(&format!("SELECT COUNT(*) FROM schedule WHERE schedulenum = {schedule}")).await, 0);
    assert_eq!(s.scalar(&format!("SELECT state FROM asapopening WHERE schedulenum = {schedule}")).await, 4);
    // Its link has ended with the slot's start, so the offer does not stay "Sent".
    assert_eq!(report.expired, 1);
    let expired = comm(&s, c["AsapCommNum"].as_i64().unwrap()).await;
    assert_eq!(expired["ResponseStatus"], "Expired");
    assert_eq!(expired["DateTimeExpire"], "2031-03-24 13:00:00", "DateTimeExpire stays as offered");
    s.clock.set(chicago("2031-03-24 13:00:00"));
    assert_eq!(s.services().sweep().await.unwrap().expired, 0, "nothing is expired twice");
}

async fn unknown_and_ended_links_get_the_same_page(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    send(&s).await;
    let (_, link, _) = outbox(&s).await.pop().unwrap();
    s.clock.set(chicago("2031-03-17 13:05:00"));
    let ended = s.http.get(s.url(&path_of(&link))).send().await.unwrap();
    let never = s.http.get(s.url("/asap/AAAAAAAAAAAAAAAAAAAAAA")).send().await.unwrap();
    let malformed = s.http.get(s.url("/asap/x'%3Cscript%3E")).send().await.unwrap();
    assert_eq!(ended.status().as_u16(), 404);
    assert_eq!(never.status().as_u16(), 404);
    assert_eq!(malformed.status().as_u16(), 404);
    let (a, b) = (ended.text().await.unwrap(), never.text().await.unwrap());
    assert_eq!(a, b, "an ended link and one that never existed look the same");
    assert!(a.contains("This link is no longer active"));
    // Answering an ended link changes nothing.
    let r = browser().post(s.url(&path_of(&link))).form(&[("answer", "accept")]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(s.text("SELECT aptdatetime FROM appointment WHERE aptnum = 1001").await, "2031-03-28 09:00:00");
}

async fn a_restart_mid_wave_sends_nothing_twice_and_forgets_nothing(s: Arc<TestServer>) {
    let apts = s.asap_patients(4).await;
    s.clock.set(chicago("2031-03-17 10:00:00"));
    let mut nums = Vec::new();
    for apt in &apts {
        nums.push(post_offer(&s, 1, &format!(r#""aptNum": {apt}"#), "2031-03-17 13:00:00").await["AsapCommNum"].as_i64().unwrap());
    }
    assert_eq!(send(&s).await.sent, 1);
    // 10:04: waves 2 and 3 are due. The sender takes them, starts handing the first to the
    // provider, and the process dies before either is recorded.
    s.clock.set(chicago("2031-03-17 10:04:00"));
    let now_local = app::model::OdDateTime::parse("2031-03-17 10:04:00").unwrap();
    let lease_until = s.office_clock.unix_now() + 60;
    let leased = {
        let mut tx = s.store.begin_write().await.unwrap();
        let nums = store::sending::lease_due(&mut tx, s.store.backend(), store::sending::Channel::Text, now_local, lease_until, 10).await.unwrap();
        assert!(store::sending::mark_send_started(&mut tx, store::sending::Channel::Text, nums[0], lease_until, now_local).await.unwrap());
        tx.commit().await.unwrap();
        nums
    };
    assert_eq!(leased, vec![nums[1], nums[2]]);
    // While the lease holds, nobody else sends them.
    assert_eq!(send(&s).await.sent, 0);
    // Restarted a few minutes later: the lease has run out.
    s.clock.set(chicago("2031-03-17 10:06:00"));
    let (released, unknown) = s.services().recover_interrupted_sends().await.unwrap();
    assert_eq!((released, unknown), (1, 1));
    let round = send(&s).await;
    assert_eq!(round.sent, 2, "the released text and the fourth wave go out: {round:?}");
    let interrupted = comm(&s, nums[1]).await;
    assert_eq!(interrupted["SmsSendStatus"], "SentAwaitingReceipt");
    assert_eq!(interrupted["ResponseStatus"], "PendingRsvp");
    assert!(interrupted["Note"].as_str().unwrap().contains("may or may not have gone out"), "{interrupted}");
    // Each text went to the outbox at most once; none is left queued.
    let mut sent: Vec<i64> = outbox(&s).await.iter().map(|m| m.0).collect();
    sent.sort_unstable();
    assert_eq!(sent, vec![nums[0], nums[2], nums[3]]);
    assert_eq!(s.scalar("SELECT COUNT(*) FROM asapcomm WHERE smssendstatus = 2").await, 0);
    s.clock.set(chicago("2031-03-17 11:00:00"));
    assert_eq!(send(&s).await.handled(), 0);
    assert_eq!(s.services().recover_interrupted_sends().await.unwrap(), (0, 0));
}

async fn a_second_offer_at_the_same_time_joins_the_opening(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    // The recall's 60 minutes, then appointment 1001's 50 fit one opening.
    let a = post_offer(&s, 1, r#""recallNum": 501"#, "2031-03-17 13:00:00").await;
    let b = post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    assert_eq!(a["ScheduleNum"], b["ScheduleNum"]);
    assert_eq!(s.scalar("SELECT COUNT(*) FROM schedule WHERE schedtype = 4").await, 1);
    // A longer offer at the same start does not fit the opening: it gets its own.
    s.import(&json!({"appointments": [{"AptNum": 1010, "PatNum": 101, "AptStatus": "UnschedList", "Pattern": "XXXXXXXXXXXXXXXXXXXX",
        "Op": 1, "ProvNum": 1, "AptDateTime": "2031-02-01 09:00:00", "ClinicNum": 1, "Priority": "ASAP"}]}).to_string()).await;
    let c = post_offer(&s, 1, r#""aptNum": 1010"#, "2031-03-17 13:00:00").await;
    assert_ne!(c["ScheduleNum"], a["ScheduleNum"]);
}

async fn answers_from_another_site_or_without_a_button_are_refused(s: Arc<TestServer>) {
    s.clock.set(chicago("2031-03-17 09:00:00"));
    let c = post_offer(&s, 1, r#""aptNum": 1001"#, "2031-03-17 13:00:00").await;
    send(&s).await;
    let (_, link, _) = outbox(&s).await.pop().unwrap();
    let r = browser()
        .post(s.url(&path_of(&link)))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("answer", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = browser().post(s.url(&path_of(&link))).form(&[("answer", "maybe")]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("buttons"));
    assert_eq!(comm(&s, c["AsapCommNum"].as_i64().unwrap()).await["ResponseStatus"], "PendingRsvp");
}
