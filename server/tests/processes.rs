//! Several server processes on one PostgreSQL behind the test's own round-robin client: a
//! session made on one works on the others, the per-key rate limit holds for the key as a whole,
//! offers and claims go to any process, the senders of all of them text each offer once, and
//! killing one mid-load loses nothing. `ASAP_PROCESSES` (default 2) sets how many.

mod harness;

use harness::processes::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use server::store::Store;
use std::io::Write;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const RATE: u32 = 20;
const LOAD_KEYS: usize = 40;

fn keys() -> String {
    let mut keys: Vec<String> = (0..LOAD_KEYS).map(|i| format!("load{i}/customer")).collect();
    keys.push("crash-dev/crash-customer".into());
    keys.push("limited/customer".into());
    keys.join(",")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_processes_on_one_postgresql_share_the_work_exactly_once() {
    let Some(db) = harness::PostgresDatabase::create().await else {
        eprintln!("skipped: PostgreSQL is not available (set ASAP_TEST_POSTGRES_URL)");
        return;
    };
    let count = env_num("ASAP_PROCESSES", 2) as usize;
    let dir = std::env::temp_dir().join(format!("asap-processes-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for file in office_files(&dir) {
        assert!(import(&db.url, &file).status().expect("import runs").success());
    }
    let mut add_user = server(&db.url, 0).args(["user", "add", "several"]).stdin(Stdio::piped()).spawn().expect("user add");
    add_user.stdin.take().expect("stdin").write_all(b"several processes 1\n").expect("password");
    assert!(add_user.wait().expect("user add").success());

    let mut processes: Vec<(Child, String)> = Vec::new();
    for _ in 0..count {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let child = server(&db.url, port).env("ASAP_API_KEYS", keys()).env("ASAP_RATE_LIMIT", RATE.to_string()).spawn().expect("server");
        processes.push((child, base));
    }
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    for (child, base) in processes.iter_mut() {
        wait_ready(&http, base, child).await;
    }
    let bases: Vec<String> = processes.iter().map(|(_, b)| b.clone()).collect();

    // A session made on one process opens the pages on every other.
    let browser = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let r = browser
        .post(format!("{}/signin", bases[0]))
        .form(&[("username", "several"), ("password", "several processes 1"), ("next", "/")])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status().as_u16(), 303, "signed in on the first process");
    for base in &bases {
        let r = browser.get(format!("{base}/history")).send().await.expect("history");
        assert_eq!(r.status().as_u16(), 200, "{base} knows the session");
    }

    // The rate limit is the key's, whichever process is asked: 3 seconds at 50 requests a second.
    let started = chrono::Utc::now().timestamp();
    let mut allowed = 0;
    let mut refused = 0;
    for i in 0..150 {
        let base = &bases[i % bases.len()];
        let r = http.get(format!("{base}/api/v1/operatories")).header("Authorization", "ODFHIR limited/customer").send().await.expect("GET");
        match r.status().as_u16() {
            200 => allowed += 1,
            429 => refused += 1,
            other => panic!("rate-limited request answered {other}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = chrono::Utc::now().timestamp() - started + 1;
    assert!(
        allowed <= RATE as i64 * seconds && refused > 0,
        "{allowed} allowed and {refused} refused over {seconds} s at {RATE}/s for the key across {count} processes"
    );

    // Offers and claims to any process; one process is killed in the middle.
    let store = Store::connect(&db.url).await.expect("store");
    let answered = Arc::new(Mutex::new(Answered::default()));
    let day = chrono::NaiveDate::from_ymd_opt(2031, 3, 19).expect("date");
    let mut clients = Vec::new();
    for client in 0..16_usize {
        let (http, bases, answered, store) = (http.clone(), bases.clone(), answered.clone(), store.clone());
        let mut rng = StdRng::seed_from_u64(client as u64);
        clients.push(tokio::spawn(async move {
            for turn in 0.. {
                let base = &bases[(client + turn) % bases.len()];
                if client % 4 == 0 {
                    claim_one(&http, base, &store, &answered).await;
                } else {
                    let key = format!("ODFHIR load{}/customer", (client * 7 + turn) % LOAD_KEYS);
                    offer_one(&http, base, &key, &mut rng, day, &answered).await;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (mut victim, _) = processes.remove(0);
    victim.kill().expect("kill -9");
    let _ = victim.wait();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for c in clients {
        c.abort();
    }
    let answered = std::mem::take(&mut *answered.lock().expect("answers"));
    let survivor = processes[0].1.clone();

    // The survivors' senders finish the texts, including those the killed process held.
    let started = Instant::now();
    while queued_texts(&store).await > 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "texts still queued a minute after the kill");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for (i, (num, body)) in answered.offers.iter().enumerate() {
        let key = format!("ODFHIR load{}/customer", i % LOAD_KEYS);
        let mut r = http.get(format!("{survivor}/api/v1/asapcomms/{num}")).header("Authorization", &key).send().await.expect("GET");
        while r.status().as_u16() == 429 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            r = http.get(format!("{survivor}/api/v1/asapcomms/{num}")).header("Authorization", &key).send().await.expect("GET");
        }
        assert_eq!(r.status().as_u16(), 200, "offer {num} answered 201 by some process");
        let now: serde_json::Value = r.json().await.expect("json");
        assert_eq!(now["PatNum"], body["PatNum"]);
    }
    for code in &answered.claims {
        let status = response_of(&store, code).await;
        assert!(![1, 2, 3].contains(&status), "a claim answered 303 left ResponseStatus {status}");
    }
    let broken = broken_rules(&store, &[]).await;
    let mut conn = store.pool().acquire().await.expect("conn");
    let texts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outboxmessage").fetch_one(&mut *conn).await.expect("texts");
    drop(conn);
    assert!(broken.is_empty(), "{broken:#?}");
    eprintln!(
        "{count} processes: {} offers and {} claims answered, {texts} texts each sent once, rate limit {allowed} allowed / {refused} refused; every rule holds",
        answered.offers.len(),
        answered.claims.len()
    );
    for (mut child, _) in processes {
        let _ = child.kill();
        let _ = child.wait();
    }
    store.close().await;
    db.drop_it().await;
    let _ = std::fs::remove_dir_all(&dir);
}
