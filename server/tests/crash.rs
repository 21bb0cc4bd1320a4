//! kill -9 during a mixed write load (offers over the API, claims on patient links, office-data
//! imports from the command line, the sender texting), then a restart: every request answered
//! 2xx is there, SQLite's integrity check and the scheduling rules hold, and the sender goes
//! on without texting anyone twice or forgetting a text. `ASAP_CRASH_ROUNDS` (default 1) sets
//! how many kill points; each is random (`ASAP_CRASH_SEED`).

mod harness;

use harness::processes::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use server::store::Store;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};


#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_load_loses_nothing_answered_and_sends_nothing_twice() {
    let rounds = env_num("ASAP_CRASH_ROUNDS", 1);
    let seed = env_num("ASAP_CRASH_SEED", 17);
    let dir = std::env::temp_dir().join(format!("asap-crash-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db_url = format!("sqlite://{}", dir.join("asap.db").display());
    for file in office_files(&dir) {
        let status = import(&db_url, &file).status().expect("import runs");
        assert!(status.success(), "import {}", file.display());
    }
    let store = Store::connect(&db_url).await.expect("store");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let mut office_bookings = Vec::new();
    let mut survived = 0;
    for round in 0..rounds {
        let mut rng = StdRng::seed_from_u64(seed + round);
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = server(&db_url, port).spawn().expect("server starts");
        wait_ready(&http, &base, &mut child).await;

        // The load, until the kill.
        let answered = Arc::new(Mutex::new(Answered::default()));
        let day = chrono::NaiveDate::from_ymd_opt(2031, 3, 18).expect("date") + chrono::Duration::days(round as i64 % 40);
        let mut clients = Vec::new();
        for client in 0..32_u64 {
            let (http, base, answered, store) = (http.clone(), base.clone(), answered.clone(), store.clone());
            let mut rng = StdRng::seed_from_u64(seed * 1000 + round * 100 + client);
            clients.push(tokio::spawn(async move {
                loop {
                    if client % 4 == 0 {
                        claim_one(&http, &base, &store, &answered).await;
                    } else {
                        offer_one(&http, &base, KEY, &mut rng, day, &answered).await;
                    }
                }
            }));
        }
        let booking = 80000 + round as i64;
        office_bookings.push(booking);
        let booking_file = dir.join(format!("booking-{round}.json"));
        let slot = format!("{day} {}:00:00", rng.random_range(13..16));
        std::fs::write(
            &booking_file,
            json!({"appointments": [{"AptNum": booking, "PatNum": 105, "AptStatus": "Scheduled", "Pattern": "XXXXXX",
                "Op": 1, "ProvNum": 1, "AptDateTime": slot, "ClinicNum": 1, "Priority": "Normal"}]})
            .to_string(),
        )
        .expect("write");
        let kill_after = Duration::from_millis(rng.random_range(300..2500));
        tokio::time::sleep(kill_after / 2).await;
        let mut importer = import(&db_url, &booking_file).spawn().expect("import starts");
        tokio::time::sleep(kill_after / 2).await;
        // kill -9: no shutdown, no flush, whatever was in flight is cut.
        child.kill().expect("kill -9");
        let _ = child.wait();
        let _ = importer.kill();
        let _ = importer.wait();
        for c in clients {
            c.abort();
        }
        let answered = std::mem::take(&mut *answered.lock().expect("answers"));

        // Held texts are given up on once their lease runs out; then the server comes back.
        tokio::time::sleep(Duration::from_secs(LEASE_SECONDS + 1)).await;
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = server(&db_url, port).spawn().expect("server restarts");
        wait_ready(&http, &base, &mut child).await;

        for (num, body) in &answered.offers {
            let r = http.get(format!("{base}/api/v1/asapcomms/{num}")).header("Authorization", KEY).send().await.expect("GET");
            assert_eq!(r.status().as_u16(), 200, "round {round}: offer {num} was answered 201 before the kill");
            let now: Value = r.json().await.expect("json");
            for field in ["PatNum", "ScheduleNum", "FKey", "DateTimeOrig", "TemplateText"] {
                assert_eq!(now[field], body[field], "round {round}: offer {num}'s {field}");
            }
        }
        for code in &answered.claims {
            // Answered means written: the offer has its outcome, whichever it was.
            let status = response_of(&store, code).await;
            assert!(![1, 2, 3].contains(&status), "round {round}: a claim answered before the kill left ResponseStatus {status}");
        }
        // The sender picks up what was due or interrupted; nothing stays queued.
        let started = Instant::now();
        while queued_texts(&store).await > 0 {
            assert!(started.elapsed() < Duration::from_secs(30), "round {round}: texts still queued after the restart");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let broken = broken_rules(&store, &office_bookings).await;
        assert!(broken.is_empty(), "round {round} (seed {}), killed after {kill_after:?}: {broken:#?}", seed + round);
        eprintln!(
            "kill round {round}: killed after {kill_after:?} with {} offers and {} claims answered; all there, every rule holds",
            answered.offers.len(),
            answered.claims.len()
        );
        survived += 1;
        child.kill().expect("stop");
        let _ = child.wait();
    }
    eprintln!("{survived} of {rounds} kill rounds survived");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// `server backup FILE` while the server takes offers: the copy opens, passes SQLite's check
/// and the scheduling rules, and holds every offer answered before the backup began.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_the_live_database_holds_every_row() {
    let dir = std::env::temp_dir().join(format!("asap-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db_url = format!("sqlite://{}", dir.join("asap.db").display());
    for file in office_files(&dir) {
        assert!(import(&db_url, &file).status().expect("import runs").success());
    }
    let http = reqwest::Client::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = server(&db_url, port).spawn().expect("server starts");
    wait_ready(&http, &base, &mut child).await;
    let answered = Arc::new(Mutex::new(Answered::default()));
    let day = chrono::NaiveDate::from_ymd_opt(2031, 3, 20).expect("date");
    let mut clients = Vec::new();
    for client in 0..8_u64 {
        let (http, base, answered) = (http.clone(), base.clone(), answered.clone());
        let mut rng = StdRng::seed_from_u64(client);
        clients.push(tokio::spawn(async move {
            loop {
                offer_one(&http, &base, KEY, &mut rng, day, &answered).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    let before: Vec<i64> = answered.lock().expect("answers").offers.iter().map(|(n, _)| *n).collect();
    let copy = dir.join("copy.db");
    let status = server(&db_url, 0).arg("backup").arg(&copy).status().expect("backup runs");
    assert!(status.success(), "backup");
    let refused = server(&db_url, 0).arg("backup").arg(&copy).status().expect("backup runs");
    assert!(!refused.success(), "an existing file is not overwritten");
    for c in clients {
        c.abort();
    }
    child.kill().expect("stop");
    let _ = child.wait();

    let restored = Store::connect(&format!("sqlite://{}", copy.display())).await.expect("the copy opens");
    let broken = broken_rules(&restored, &[]).await;
    assert!(broken.is_empty(), "{broken:#?}");
    let mut conn = restored.pool().acquire().await.expect("conn");
    let kept: Vec<i64> = sqlx::query_scalar("SELECT asapcommnum FROM asapcomm").fetch_all(&mut *conn).await.expect("offers");
    let missing: Vec<&i64> = before.iter().filter(|n| !kept.contains(n)).collect();
    assert!(!before.is_empty() && missing.is_empty(), "{} offers answered before the backup; missing from it: {missing:?}", before.len());
    let patients: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM patient").fetch_one(&mut *conn).await.expect("patients");
    assert!(patients >= PATIENTS, "patients in the copy: {patients}");
    drop(conn);
    restored.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
