//! Starts the real server on a random port against a fresh database, on SQLite or PostgreSQL.
//!
//! PostgreSQL tests need `ASAP_TEST_POSTGRES_URL` (a server where the test user may create
//! databases); the test script starts a throw-away cluster and sets it. Without it they are
//! skipped with a note, unless `ASAP_TEST_REQUIRE_POSTGRES=1`, when they fail.

#![allow(dead_code)]

pub mod fake_opendental;
pub mod processes;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use server::clock::{FixedClock, OfficeClock};
use server::config::{LogFormat, Settings};
use server::store::Store;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub const KEY: &str = "ODFHIR test-dev/test-customer";
/// The password every test user gets.
pub const PASSWORD: &str = "test password 123";

/// Keeps cookies, does not follow redirects: each answer shows as the browser got it.
pub fn browser_client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Store,
    pub clock: Arc<FixedClock>,
    pub office_clock: OfficeClock,
    app: Option<server::App>,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

/// Office wall-clock time in America/Chicago (the fixtures' zone) as a UTC instant.
pub fn chicago(local: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S").expect("test time");
    chrono_tz::America::Chicago.from_local_datetime(&naive).single().expect("unambiguous").with_timezone(&Utc)
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn postgres_admin_url() -> Option<String> {
    match std::env::var("ASAP_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("ASAP_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("ASAP_TEST_POSTGRES_URL is not set but ASAP_TEST_REQUIRE_POSTGRES=1");
            }
            None
        }
    }
}

fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url.split_once('?').map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// A fresh database on the test PostgreSQL, for tests that run server processes on it.
pub struct PostgresDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

impl PostgresDatabase {
    /// `None` when no test PostgreSQL is set.
    pub async fn create() -> Option<PostgresDatabase> {
        use sqlx::Connection;
        let admin_url = postgres_admin_url()?;
        let name = format!("asap_test_{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
        sqlx::any::install_default_drivers();
        let mut admin = sqlx::AnyConnection::connect(&admin_url).await.expect("connect to test PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
        admin.close().await.ok();
        Some(PostgresDatabase { url: with_database(&admin_url, &name), admin_url, name })
    }

    pub async fn drop_it(self) {
        use sqlx::Connection;
        if let Ok(mut admin) = sqlx::AnyConnection::connect(&self.admin_url).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut admin).await;
        }
    }
}

impl TestServer {
    /// A server on a fresh database holding `fixture_json`, its clock stopped at `now`.
    /// `None` when this backend is not available here.
    pub async fn start(db: Db, fixture_json: &str, now: DateTime<Utc>) -> Option<TestServer> {
        Self::start_with(db, fixture_json, now, |_| {}, None).await
    }

    /// As `start`, with settings changed by `configure` and texts going to `sms` if given.
    pub async fn start_with(
        db: Db,
        fixture_json: &str,
        now: DateTime<Utc>,
        configure: impl FnOnce(&mut Settings),
        sms: Option<Arc<dyn server::sms::SmsProvider>>,
    ) -> Option<TestServer> {
        // ASAP_TEST_LOG=1 (with RUST_LOG) shows the server's log while a test runs.
        if std::env::var_os("ASAP_TEST_LOG").is_some() {
            server::init_tracing(LogFormat::Text);
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (url, cleanup) = match db {
            Db::Sqlite => {
                let path = std::env::temp_dir().join(format!("asap-test-{id}.db"));
                (format!("sqlite://{}", path.display()), Cleanup::File(path))
            }
            Db::Postgres => {
                let admin_url = postgres_admin_url()?;
                let name = format!("asap_test_{}", &id[..16]);
                use sqlx::Connection;
                sqlx::any::install_default_drivers();
                let mut admin = sqlx::AnyConnection::connect(&admin_url).await.expect("connect to test PostgreSQL");
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
                admin.close().await.ok();
                (with_database(&admin_url, &name), Cleanup::Database { admin_url, name })
            }
        };
        let store = Store::connect(&url).await.expect("connect store");
        let clock = Arc::new(FixedClock::new(now));
        let office_clock = OfficeClock::new(clock.clone(), chrono_tz::UTC);
        if !fixture_json.is_empty() {
            let data = server::import::parse(fixture_json).expect("fixture parses");
            server::import::import(&store, &office_clock, &data).await.expect("fixture imports");
        }
        let mut settings = Settings::defaults();
        settings.database_url = url;
        settings.addr = "127.0.0.1:0".parse().expect("addr");
        settings.api_keys = vec!["test-dev/test-customer".into()];
        settings.timezone = None;
        settings.site_root = format!("{}/../target/site", env!("CARGO_MANIFEST_DIR"));
        settings.public_url = Some("https://asap.example.test".into());
        settings.frame_ancestors = "'self'".into();
        settings.rate_limit = 0;
        settings.log_format = LogFormat::Text;
        // Tests drive the sender and the sweep themselves, so each step is certain.
        settings.workers = false;
        configure(&mut settings);
        let app = server::App::start_with_sms(settings, store.clone(), office_clock.clone(), sms).await.expect("server starts");
        Some(TestServer {
            base: format!("http://{}", app.addr),
            http: reqwest::Client::new(),
            store,
            clock,
            office_clock,
            app: Some(app),
            cleanup,
        })
    }

    /// The use cases of the running server, to send due texts or sweep at a moment the test picks.
    pub fn services(&self) -> &server::service::Services {
        &self.app.as_ref().expect("server is running").services
    }

    /// Adds a staff user (by the command line's hand).
    pub async fn add_user(&self, username: &str, admin: bool, clinics: &str) -> app::view::access::StaffUser {
        self.services()
            .add_user(
                &server::service::Actor::command_line(),
                None,
                app::view::access::NewStaffUser {
                    username: username.into(),
                    display_name: String::new(),
                    password: PASSWORD.into(),
                    is_admin: admin,
                    clinics: clinics.into(),
                },
            )
            .await
            .expect("user added")
    }

    /// A browser-like client (cookies kept, redirects not followed) signed in as `username`.
    pub async fn signed_in(&self, username: &str) -> reqwest::Client {
        let client = browser_client();
        let r = client
            .post(self.url("/signin"))
            .form(&[("username", username), ("password", PASSWORD), ("next", "/")])
            .send()
            .await
            .expect("sign in");
        assert_eq!(r.status().as_u16(), 303, "{username} signs in: {}", r.text().await.unwrap_or_default());
        client
    }

    /// Calls a server function as the pages do: a JSON body, a same-origin request.
    pub async fn server_fn(&self, client: &reqwest::Client, name: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let r = client
            .post(self.url(&format!("/ui-api/{name}")))
            .header("Sec-Fetch-Site", "same-origin")
            .json(&body)
            .send()
            .await
            .expect("server function");
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    /// One number the database answers.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let mut conn = self.store.pool().acquire().await.expect("connection");
        sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut *conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// One text the database answers.
    pub async fn text(&self, sql: &str) -> String {
        let mut conn = self.store.pool().acquire().await.expect("connection");
        sqlx::query_scalar::<_, String>(sql).fetch_one(&mut *conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The patient's answer on their link page (`accept`, `decline`, …), as their browser posts
    /// it; redirects are not followed, so the answer's own status shows.
    pub async fn answer_link(&self, code: &str, answer: &str) -> reqwest::Response {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
            .post(self.url(&format!("/asap/{code}")))
            .header("Sec-Fetch-Site", "same-origin")
            .form(&[("answer", answer)])
            .send()
            .await
            .expect("answer")
    }

    /// Where `/metrics` is served, when the test set `metrics_addr`.
    pub fn metrics_url(&self) -> Option<String> {
        self.app.as_ref().and_then(|a| a.metrics_addr).map(|a| format!("http://{a}/metrics"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).header("Authorization", KEY).send().await.expect("GET")
    }

    pub async fn post(&self, path: &str, body: &str) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .header("Authorization", KEY)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("POST")
    }

    /// `count` textable patients on clinic 1's ASAP list, each with an unscheduled 30-minute
    /// appointment (AptNum 20000 + i); their AptNums.
    pub async fn asap_patients(&self, count: i64) -> Vec<i64> {
        use serde_json::json;
        let mut patients = Vec::new();
        let mut appointments = Vec::new();
        let mut apts = Vec::new();
        for i in 0..count {
            let pat = 2000 + i;
            let apt = 20000 + i;
            patients.push(json!({"PatNum": pat, "LName": format!("Test{i:02}"), "FName": format!("Pat{i:02}"),
                "WirelessPhone": format!("(555) 4{:02}-{:04}", i / 100, 1000 + i), "TxtMsgOk": "Yes", "ClinicNum": 1}));
            appointments.push(json!({"AptNum": apt, "PatNum": pat, "AptStatus": "UnschedList", "Pattern": "/XXXX/",
                "Op": 1, "ProvNum": 1, "AptDateTime": format!("2031-02-{:02} 09:00:00", 1 + (i % 27)), "ClinicNum": 1, "Priority": "ASAP"}));
            apts.push(apt);
        }
        self.import(&json!({"patients": patients, "appointments": appointments}).to_string()).await;
        apts
    }

    /// Broken scheduling rules (see `server check`), with openings and offers that started
    /// before `settled_before` expected closed.
    pub async fn violations(&self, settled_before: &str, office_bookings: &[i64]) -> Vec<String> {
        let at = app::model::OdDateTime::parse(settled_before).expect("instant");
        server::store::invariants::broken(&self.store, at, office_bookings).await.expect("rules")
    }

    pub async fn import(&self, json: &str) {
        let data = server::import::parse(json).expect("parses");
        server::import::import(&self.store, &self.office_clock, &data).await.expect("imports");
    }

    /// Every row of the tables an offer writes, as text, to prove a rejected request changed nothing.
    pub async fn snapshot(&self) -> Vec<String> {
        let mut conn = self.store.pool().acquire().await.expect("conn");
        let mut out = Vec::new();
        for sql in [
            "SELECT asapcommnum, fkey, schedulenum, patnum, responsestatus, smssendstatus, note FROM asapcomm ORDER BY asapcommnum",
            "SELECT schedulenum, scheddate, starttime, stoptime, schedtype FROM schedule ORDER BY schedulenum",
            "SELECT schedulenum, operatorynum FROM scheduleop ORDER BY schedulenum, operatorynum",
            "SELECT aptnum, aptstatus, op, aptdatetime FROM appointment ORDER BY aptnum",
        ] {
            use sqlx::Row;
            for row in sqlx::query(sql).fetch_all(&mut *conn).await.expect("snapshot") {
                let cols: Vec<String> = (0..row.len())
                    .map(|i| {
                        row.try_get::<i64, _>(i)
                            .map(|n| n.to_string())
                            .or_else(|_| row.try_get::<String, _>(i))
                            .unwrap_or_default()
                    })
                    .collect();
                out.push(cols.join("|"));
            }
        }
        out
    }

    pub async fn stop(mut self) {
        // A stop that never ends would hang the whole test run; it fails here, naming the step.
        if let Some(app) = self.app.take() {
            tokio::time::timeout(STOP_WITHIN, app.stop())
                .await
                .expect("the server stops (requests in flight, sender, sweeper and change feed) within 60 s")
                .expect("server stops");
        }
        tokio::time::timeout(STOP_WITHIN, self.store.close())
            .await
            .expect("every database connection is handed back and the pool closes within 60 s");
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                use sqlx::Connection;
                if let Ok(mut admin) = sqlx::AnyConnection::connect(admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin).await;
                }
            }
        }
    }
}

/// How long a test body and a server's stop may take before the test fails instead of hanging.
const BODY_WITHIN: Duration = Duration::from_secs(600);
const STOP_WITHIN: Duration = Duration::from_secs(60);

/// Runs one test body against a fresh server; skips when the backend is not available.
pub async fn run<F, Fut>(db: Db, fixture_json: &str, now: DateTime<Utc>, body: F)
where
    F: FnOnce(Arc<TestServer>) -> Fut,
    Fut: Future<Output = ()>,
{
    run_with(db, fixture_json, now, |_| {}, body).await
}

/// As `run`, with the settings changed by `configure`.
pub async fn run_with<F, Fut>(db: Db, fixture_json: &str, now: DateTime<Utc>, configure: impl FnOnce(&mut Settings), body: F)
where
    F: FnOnce(Arc<TestServer>) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(server) = TestServer::start_with(db, fixture_json, now, configure, None).await else {
        eprintln!("skipped: {db:?} is not available (set ASAP_TEST_POSTGRES_URL)");
        return;
    };
    let server = Arc::new(server);
    tokio::time::timeout(BODY_WITHIN, body(server.clone())).await.expect("the test finishes within 10 minutes");
    if let Ok(server) = Arc::try_unwrap(server) {
        server.stop().await;
    }
}

/// Declares each listed `async fn name(s: Arc<TestServer>)` as a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($fixture:expr, $now:expr; $($name:ident),+ $(,)?) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::harness::run($crate::harness::Db::Sqlite, &$fixture, $now, |s| super::$name(s)).await;
            })+
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::harness::run($crate::harness::Db::Postgres, &$fixture, $now, |s| super::$name(s)).await;
            })+
        }
    };
}
