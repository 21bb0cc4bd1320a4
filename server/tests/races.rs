//! Races on SQLite and PostgreSQL: many clients at once claiming, offering, withdrawing and
//! importing office bookings on the same operatory time, with the sender and the close-out
//! sweep running in the middle. After each round the scheduling rules (`server check`) must
//! hold. `ASAP_RACE_ROUNDS` (default 1) and `ASAP_RACE_CLIENTS` (default 64) make it longer.

mod harness;

use harness::processes::env_num;
use harness::{TestServer, chicago, fixture};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use sqlx::Row;
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 09:00:00")
}

on_both_backends!(fixture("example-office.json"), now();
    claims_offers_withdrawals_and_imports_at_once_keep_every_rule,
);

/// (operatory, start): overlapping times in operatory 1, separate ones in operatory 2.
const SLOTS: &[(i64, &str)] = &[
    (1, "2031-03-17 13:00:00"),
    (1, "2031-03-17 13:15:00"),
    (1, "2031-03-17 14:00:00"),
    (1, "2031-03-17 15:00:00"),
    (2, "2031-03-17 13:00:00"),
    (2, "2031-03-17 14:30:00"),
];

/// One thing a client does in the race.
#[derive(Clone, Debug)]
enum Step {
    Offer { apt: i64, slot: usize },
    Claim { link: String },
    View { link: String },
    Withdraw { slot: usize },
    Book { apt: i64, slot: usize },
    Send,
    Sweep,
}

async fn claims_offers_withdrawals_and_imports_at_once_keep_every_rule(s: Arc<TestServer>) {
    // A 5xx in the race is a bug; its log line says which.
    server::init_tracing(server::config::LogFormat::Text);
    let rounds = env_num("ASAP_RACE_ROUNDS", 1);
    let clients = env_num("ASAP_RACE_CLIENTS", 64) as usize;
    let seed = env_num("ASAP_RACE_SEED", 20311317);
    let patients = s.asap_patients(60).await;
    let mut office_bookings = Vec::new();
    // Office hours for every day of the run, before any opening takes a schedule key.
    for round in 1..rounds {
        office_hours_on(&s, day_of(round), round as i64).await;
    }
    for round in 0..rounds {
        let day = day_of(round);
        let mut rng = StdRng::seed_from_u64(seed + round);
        let at = |slot: usize| SLOTS[slot].1.replace("2031-03-17", &day.to_string());
        s.clock.set(chicago(&format!("{day} 09:00:00")));

        // First wave: offers for every slot from a shuffled ASAP list, all at once, then texted.
        let first: Vec<Step> = (0..clients).map(|i| Step::Offer { apt: patients[rng.random_range(0..patients.len())], slot: i % SLOTS.len() }).collect();
        run_all(&s, first, &at).await;
        s.services().send_due_texts().await.expect("send");
        s.clock.set(chicago(&format!("{day} 10:30:00")));
        s.services().send_due_texts().await.expect("send");

        // Then everything at once: every texted patient claims (or only looks), more offers,
        // withdrawals, office bookings on the same time, the sender and the sweep.
        let links = outbox_links(&s).await;
        let mut steps: Vec<Step> = Vec::new();
        for link in links {
            steps.push(if rng.random_bool(0.8) { Step::Claim { link } } else { Step::View { link } });
        }
        for _ in 0..clients / 4 {
            steps.push(Step::Offer { apt: patients[rng.random_range(0..patients.len())], slot: rng.random_range(0..SLOTS.len()) });
        }
        for _ in 0..2 {
            steps.push(Step::Withdraw { slot: rng.random_range(0..SLOTS.len()) });
        }
        for i in 0..2 {
            let apt = 70000 + round as i64 * 10 + i;
            office_bookings.push(apt);
            steps.push(Step::Book { apt, slot: rng.random_range(0..SLOTS.len()) });
        }
        for _ in 0..3 {
            steps.push(Step::Send);
            steps.push(Step::Sweep);
        }
        // A fixed shuffle, so a failing seed can be run again.
        for i in (1..steps.len()).rev() {
            steps.swap(i, rng.random_range(0..=i));
        }
        run_all(&s, steps, &at).await;

        // The day ends: every opening has started, the sweep closes what is left.
        s.clock.set(chicago(&format!("{day} 18:00:00")));
        s.services().sweep().await.expect("sweep");
        let broken = s.violations(&format!("{day} 18:00:00"), &office_bookings).await;
        if !broken.is_empty() {
            dump(&s).await;
        }
        assert!(broken.is_empty(), "round {round} (seed {}): {broken:#?}", seed + round);
        let (filled, offers) = tally(&s).await;
        eprintln!("race round {round} on {:?}: {offers} offers, {filled} openings filled, every rule holds", s.store.backend());
    }
}

/// Runs the steps on as many concurrent clients, each answer checked to be a clear one.
async fn run_all(s: &Arc<TestServer>, steps: Vec<Step>, at: &impl Fn(usize) -> String) {
    let tasks: Vec<_> = steps
        .into_iter()
        .map(|step| {
            let s = s.clone();
            let start = match &step {
                Step::Offer { slot, .. } | Step::Withdraw { slot } | Step::Book { slot, .. } => at(*slot),
                _ => String::new(),
            };
            tokio::spawn(async move { run_step(&s, step, &start).await })
        })
        .collect();
    for t in tasks {
        t.await.expect("client task");
    }
}

async fn run_step(s: &TestServer, step: Step, start: &str) {
    let patient = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    match step {
        Step::Offer { apt, slot } => {
            let body = format!(r#"{{"op": {}, "aptNum": {apt}, "dateTimeStart": "{start}"}}"#, SLOTS[slot].0);
            let r = s.post("/api/v1/asapcomms", &body).await;
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            // Taken or booked time, a patient already offered: refused in words, never a 5xx.
            assert!(status == 201 || status == 400 || status == 409, "offer {body}: {status} {text}");
            assert!(!text.is_empty());
        }
        Step::Claim { link } | Step::View { link } if link.is_empty() => {}
        Step::Claim { link } => {
            let r = patient.post(s.url(&link)).header("Sec-Fetch-Site", "same-origin").form(&[("answer", "accept")]).send().await.expect("claim");
            let status = r.status().as_u16();
            assert!(status == 303 || status == 404 || status == 409, "claim {link}: {status}");
        }
        Step::View { link } => {
            let r = patient.get(s.url(&link)).send().await.expect("view");
            let status = r.status().as_u16();
            assert!(status == 200 || status == 404, "view {link}: {status}");
        }
        Step::Withdraw { slot } => {
            let schedule = opening_at(s, SLOTS[slot].0, start).await;
            if let Some(schedule) = schedule {
                let manager = server::service::Actor { user_num: 1, name: "race.manager".into() };
                // Already filled or withdrawn by another client: refused with a reason.
                let _ = s.services().withdraw_opening(schedule, &manager, None).await;
            }
        }
        Step::Book { apt, slot } => {
            let booking = json!({"appointments": [{"AptNum": apt, "PatNum": 105, "AptStatus": "Scheduled", "Pattern": "XXXXXX",
                "Op": SLOTS[slot].0, "ProvNum": 1, "AptDateTime": start, "ClinicNum": 1, "Priority": "Normal"}]});
            s.import(&booking.to_string()).await;
        }
        Step::Send => {
            s.services().send_due_texts().await.expect("send round");
        }
        Step::Sweep => {
            s.services().sweep().await.expect("sweep");
        }
    }
}

/// The day a round plays on: 2031-03-17 and the days after.
fn day_of(round: u64) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2031, 3, 17).expect("date") + chrono::Duration::days(round as i64)
}

/// The fixture's provider hours and blockouts of the 17th, on another day.
async fn office_hours_on(s: &TestServer, day: chrono::NaiveDate, round: i64) {
    let office: serde_json::Value = serde_json::from_str(&fixture("example-office.json")).expect("fixture");
    let schedules: Vec<serde_json::Value> = office["schedules"]
        .as_array()
        .expect("schedules")
        .iter()
        .filter(|s| s["SchedDate"] == "2031-03-17")
        .enumerate()
        .map(|(i, s)| {
            let mut s = s.clone();
            s["ScheduleNum"] = json!(80000 + round * 100 + i as i64);
            s["SchedDate"] = json!(day.to_string());
            s
        })
        .collect();
    s.import(&json!({ "schedules": schedules }).to_string()).await;
}

/// The open opening at this operatory and time, if any.
async fn opening_at(s: &TestServer, op: i64, start: &str) -> Option<i64> {
    let mut conn = s.store.pool().acquire().await.expect("conn");
    sqlx::query_scalar::<_, i64>("SELECT schedulenum FROM asapopening WHERE operatorynum = $1 AND slotstart = $2 AND state = 1")
        .bind(op)
        .bind(start)
        .fetch_optional(&mut *conn)
        .await
        .expect("opening")
}

/// Patient-page paths of every text in the outbox.
async fn outbox_links(s: &TestServer) -> Vec<String> {
    let mut conn = s.store.pool().acquire().await.expect("conn");
    sqlx::query("SELECT link FROM outboxmessage ORDER BY messagenum")
        .fetch_all(&mut *conn)
        .await
        .expect("outbox")
        .iter()
        .map(|r| r.try_get::<String, _>(0).unwrap_or_default().trim_start_matches("https://asap.example.test").to_string())
        .collect()
}

/// (openings filled, offers) so far.
async fn tally(s: &TestServer) -> (i64, i64) {
    let mut conn = s.store.pool().acquire().await.expect("conn");
    let filled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM asapopening WHERE state = 2").fetch_one(&mut *conn).await.expect("count");
    let offers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM asapcomm").fetch_one(&mut *conn).await.expect("count");
    (filled, offers)
}

/// Every offer and opening, to see how a broken rule came about.
async fn dump(s: &TestServer) {
    let mut conn = s.store.pool().acquire().await.expect("conn");
    for sql in [
        "SELECT schedulenum, operatorynum, slotstart, slotstop, state, winner, aptnum, closedby FROM asapopening ORDER BY schedulenum",
        "SELECT asapcommnum, schedulenum, patnum, slotstart, responsestatus, smssendstatus, note FROM asapcomm ORDER BY asapcommnum",
    ] {
        for r in sqlx::query(sql).fetch_all(&mut *conn).await.expect("dump") {
            let cols: Vec<String> = (0..r.len())
                .map(|i| r.try_get::<i64, _>(i).map(|n| n.to_string()).or_else(|_| r.try_get::<String, _>(i)).unwrap_or_default())
                .collect();
            eprintln!("{}", cols.join(" | "));
        }
    }
}
