//! kill -9 between a claim's commit and its write-back reaching Open Dental, with the server
//! binary itself and the fake Open Dental on loopback, on SQLite and PostgreSQL: Open Dental makes
//! the appointment, its answer never arrives (the server is killed while it waits), and after the
//! restart the write is delivered again without making a second appointment there.

mod harness;

use harness::fake_opendental::FakeOpenDental;
use harness::processes::*;
use harness::{PostgresDatabase, fixture};
use server::store::Store;
use std::process::Child;
use std::time::{Duration, Instant};

fn synced_server(db_url: &str, port: u16, fake: &FakeOpenDental) -> std::process::Command {
    let mut c = server(db_url, port);
    c.env("ASAP_OPENDENTAL_URL", &fake.url)
        .env("ASAP_OPENDENTAL_KEY", FakeOpenDental::key())
        .env("ASAP_OPENDENTAL_SYNC_SECONDS", "5")
        .env("ASAP_OPENDENTAL_WRITE_LEASE_SECONDS", "2")
        .env("ASAP_TIMEZONE", "America/Chicago");
    c
}

async fn until<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn count(store: &Store, sql: &str) -> i64 {
    let mut conn = store.pool().acquire().await.expect("connection");
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut *conn).await.expect("count")
}

fn kill(mut child: Child) {
    child.kill().expect("kill -9");
    let _ = child.wait();
}

async fn written_once_across_a_kill(db_url: &str) {
    let fake = FakeOpenDental::start().await;
    fake.load_office(&fixture("example-office.json"));
    // Texts at any hour, so the test does not depend on when it runs.
    fake.preference("AutomaticCommunicationTimeStart", "00:00:00");
    fake.preference("AutomaticCommunicationTimeEnd", "00:00:00");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let store = Store::connect(db_url).await.expect("store");

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = synced_server(db_url, port, &fake).spawn().expect("server starts");
    wait_ready(&http, &base, &mut child).await;
    until("the first sync", Duration::from_secs(60), || async { count(&store, "SELECT succeededat FROM odsyncpass").await > 0 }).await;

    let r = http
        .post(format!("{base}/api/v1/asapcomms"))
        .header("Authorization", KEY)
        .body(r#"{"op": 2, "recallNum": 501, "dateTimeStart": "2031-03-18 14:00:00"}"#)
        .send()
        .await
        .expect("offer");
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap_or_default());
    until("the text", Duration::from_secs(30), || async { count(&store, "SELECT COUNT(*) FROM outboxmessage").await == 1 }).await;
    let code: String = {
        let mut conn = store.pool().acquire().await.expect("connection");
        sqlx::query_scalar("SELECT shortguid FROM asapcomm").fetch_one(&mut *conn).await.expect("code")
    };

    // Open Dental makes the appointment at once but answers only after 30 seconds.
    fake.book.lock().expect("book").answer_delay = Duration::from_secs(30);
    let r = http
        .post(format!("{base}/asap/{code}"))
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("answer", "accept")])
        .send()
        .await
        .expect("claim");
    assert_eq!(r.status().as_u16(), 303);
    until("the write-back's POST", Duration::from_secs(30), || async {
        fake.writes().iter().any(|w| w.method == "POST" && w.path == "/appointments")
    })
    .await;
    kill(child);
    fake.book.lock().expect("book").answer_delay = Duration::ZERO;
    assert_eq!(count(&store, "SELECT COUNT(*) FROM odwrite WHERE state = 0").await, 2, "both writes still waiting here");

    // Back up: once the lease runs out, the writes go again; the appointment is found, not made.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = synced_server(db_url, port, &fake).spawn().expect("server restarts");
    wait_ready(&http, &base, &mut child).await;
    until("the writes delivered", Duration::from_secs(60), || async { count(&store, "SELECT COUNT(*) FROM odwrite WHERE state = 0").await == 0 })
        .await;
    kill(child);

    let posts = fake.writes().iter().filter(|w| w.method == "POST").count();
    assert_eq!(posts, 1, "made once in Open Dental");
    let made: Vec<i64> = {
        let book = fake.book.lock().expect("book");
        book.tables["appointments"]
            .iter()
            .filter(|(_, (row, _))| row["PatNum"] == 102 && row["AptDateTime"] == "2031-03-18 14:00:00")
            .map(|(k, _)| *k)
            .collect()
    };
    assert_eq!(made.len(), 1, "one appointment there");
    assert!(fake.writes().iter().any(|w| w.path == "/recalls/501"), "the recall is off the ASAP list there");
    assert_eq!(count(&store, &format!("SELECT COUNT(*) FROM appointment WHERE aptnum = {}", made[0])).await, 1, "the same appointment here");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM appointment WHERE patnum = 102 AND aptdatetime = '2031-03-18 14:00:00'").await, 1);
    assert_eq!(broken_rules(&store, &[]).await, Vec::<String>::new());
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_claim_is_written_there_once_across_a_kill() {
    let dir = std::env::temp_dir().join(format!("asap-od-crash-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    written_once_across_a_kill(&format!("sqlite://{}", dir.join("asap.db").display())).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_claim_is_written_there_once_across_a_kill() {
    let Some(db) = PostgresDatabase::create().await else {
        eprintln!("skipped: PostgreSQL is not available (set ASAP_TEST_POSTGRES_URL)");
        return;
    };
    written_once_across_a_kill(&db.url).await;
    db.drop_it().await;
}

/// `server sync`: one pass from the command line; 0 when it worked, and otherwise not 0 with the
/// reason on standard error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_sync_says_how_it_went() {
    let dir = std::env::temp_dir().join(format!("asap-od-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db_url = format!("sqlite://{}", dir.join("asap.db").display());
    let run = |c: &mut std::process::Command| {
        let out = c.arg("sync").stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).output().expect("runs");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (code, _, err) = run(&mut server(&db_url, 0));
    assert_ne!(code, Some(0));
    assert!(err.contains("Open Dental is not set up: set ASAP_OPENDENTAL_URL and ASAP_OPENDENTAL_KEY"), "{err}");

    let fake = FakeOpenDental::start().await;
    fake.load_office(&fixture("example-office.json"));
    let command = synced_server(&db_url, 0, &fake);
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        let mut command = command;
        run(&mut command)
    })
    .await
    .expect("joins");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("Full pass in"), "{out}");
    assert!(out.contains("Writes to Open Dental: 0 delivered"), "{out}");

    // Open Dental down: not 0, and why.
    let mut down = server(&db_url, 0);
    down.env("ASAP_OPENDENTAL_URL", "http://127.0.0.1:9/api/v1").env("ASAP_OPENDENTAL_KEY", FakeOpenDental::key());
    let (code, _, err) = tokio::task::spawn_blocking(move || run(&mut down)).await.expect("joins");
    assert_ne!(code, Some(0));
    assert!(err.contains("The sync did not finish: Open Dental could not be reached"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
