//! `server doctor`, run as an operator runs it: on a good configuration it finds no problem
//! and exits 0; on a broken one it names each problem with its fix and exits non-zero. The
//! outside systems are fakes on loopback: the SMTP server (harness/fake_smtp.rs), Open Dental
//! (harness/fake_opendental.rs) and the SMS provider below.

mod harness;
#[path = "harness/fake_smtp.rs"]
mod fake_smtp;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use base64::Engine;
use harness::fake_opendental::FakeOpenDental;
use fake_smtp::{Config, FakeSmtp};
use harness::processes::free_port;
use serde_json::json;
use std::process::Output;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "doctor-test-token";

/// Twilio's REST API, "Fetch an Account resource" (twilio.com/docs/iam/api/account):
/// `GET /2010-04-01/Accounts/{AccountSid}.json` with HTTP basic auth (the Account SID and Auth
/// Token) answers the Account resource; wrong credentials answer 401 with error 20003
/// (twilio.com/docs/errors/20003).
async fn fetch_account(axum::extract::Path(file): axum::extract::Path<String>, headers: HeaderMap) -> impl IntoResponse {
    let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}")));
    let authorised = headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str());
    if !authorised {
        let body = json!({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401});
        return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    let sid = file.trim_end_matches(".json");
    let body = json!({"sid": sid, "friendly_name": "Riverside Family Dental", "status": "active", "type": "Full",
        "date_created": "Thu, 01 Jan 2026 00:00:00 +0000", "uri": format!("/2010-04-01/Accounts/{sid}.json")});
    (StatusCode::OK, axum::Json(body)).into_response()
}

async fn fake_sms_provider() -> String {
    let app = axum::Router::new().route("/2010-04-01/Accounts/{file}", get(fetch_account));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// `server doctor` with only the given environment (and PATH).
async fn doctor(env: &[(&str, String)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command.arg("doctor").env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        command.env(k, v);
    }
    // The fakes answer on this test's runtime while the command runs on a blocking thread.
    let run = tokio::task::spawn_blocking(move || command.output());
    tokio::time::timeout(std::time::Duration::from_secs(120), run).await.expect("doctor finishes").expect("joined").expect("doctor runs")
}

/// A built site as a build without hashed names leaves it (the test binary has no hash.txt).
fn site_root() -> tempdir::Dir {
    let dir = tempdir::Dir::new();
    std::fs::create_dir_all(dir.path.join("pkg")).unwrap();
    for file in ["asap.js", "asap.wasm", "asap.css"] {
        std::fs::write(dir.path.join("pkg").join(file), b"").unwrap();
    }
    dir
}

mod tempdir {
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!("asap-doctor-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&path).unwrap();
            Dir { path }
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_configuration_has_no_problem() {
    let smtp = FakeSmtp::start(Config::default()).await;
    let od = FakeOpenDental::start().await;
    let sms = fake_sms_provider().await;
    let site = site_root();
    let postgres = harness::PostgresDatabase::create().await;
    let database_url = match &postgres {
        Some(db) => db.url.clone(),
        None => format!("sqlite://{}/asap.db", site.path.display()),
    };
    // A database the server has started on once.
    server::store::Store::connect(&database_url).await.expect("migrate").close().await;
    let env = [
        ("ASAP_DATABASE_URL", database_url),
        ("LEPTOS_SITE_ADDR", format!("0.0.0.0:{}", free_port())),
        ("LEPTOS_SITE_ROOT", site.path.display().to_string()),
        ("ASAP_PUBLIC_URL", "https://asap.riverside-dental.example".into()),
        ("ASAP_EMBED_SECRET", "4f1c9a0e7b2d4c8e9f0a1b2c3d4e5f6071829304a5b6c7d8".into()),
        ("ASAP_FRAME_ANCESTORS", "'self' https://portal.riverside-dental.example".into()),
        ("ASAP_TIMEZONE", "America/Chicago".into()),
        ("ASAP_METRICS_ADDR", "127.0.0.1:9464".into()),
        ("ASAP_SMS_PROVIDER", "twilio".into()),
        ("ASAP_TWILIO_BASE_URL", sms),
        ("ASAP_TWILIO_ACCOUNT_SID", SID.into()),
        ("ASAP_TWILIO_AUTH_TOKEN", TOKEN.into()),
        ("ASAP_TWILIO_FROM", "+15550142200".into()),
        ("ASAP_SMTP_URL", format!("smtp://127.0.0.1:{}", smtp.port())),
        ("ASAP_EMAIL_FROM", "asap@riverside-dental.example".into()),
        ("ASAP_OPENDENTAL_URL", od.url.clone()),
        ("ASAP_OPENDENTAL_KEY", FakeOpenDental::key()),
    ];
    let out = doctor(&env).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("No problems found."), "{text}");
    for check in ["public URL", "embed secret", "frame ancestors", "database", "texts", "email", "Open Dental"] {
        assert!(text.contains(&format!("ok       {check}:")), "{check} is checked and fine:\n{text}");
    }
    if postgres.is_some() {
        assert!(text.contains("ok       clock: within"), "{text}");
    }
    assert!(smtp.commands().iter().any(|c| c.starts_with("EHLO")), "the mail server was greeted");
    assert!(smtp.messages().is_empty(), "nothing was sent");
    assert!(od.seen().iter().any(|s| s.path.contains("/clinics")), "Open Dental was asked");
    if let Some(db) = postgres {
        db.drop_it().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_configuration_names_each_problem_and_its_fix() {
    let sms = fake_sms_provider().await;
    let closed = free_port();
    let site = tempdir::Dir::new();
    let env = [
        ("ASAP_DATABASE_URL", format!("postgres://asap:wrong@127.0.0.1:{closed}/asap")),
        ("LEPTOS_SITE_ADDR", "0.0.0.0:3000".into()),
        ("LEPTOS_SITE_ROOT", site.path.display().to_string()),
        ("ASAP_PUBLIC_URL", "http://asap.riverside-dental.example".into()),
        ("ASAP_EMBED_SECRET", "letmein".into()),
        ("ASAP_FRAME_ANCESTORS", "'self' https://portal.riverside-dental.example;".into()),
        ("ASAP_SMS_PROVIDER", "twilio".into()),
        ("ASAP_TWILIO_BASE_URL", sms),
        ("ASAP_TWILIO_ACCOUNT_SID", SID.into()),
        ("ASAP_TWILIO_AUTH_TOKEN", "not-the-token".into()),
        ("ASAP_TWILIO_FROM", "+15550142200".into()),
        ("ASAP_SMTP_URL", format!("smtp://127.0.0.1:{closed}")),
        ("ASAP_EMAIL_FROM", "asap@riverside-dental.example".into()),
        ("ASAP_OPENDENTAL_URL", "https://api.opendental.com/api/v1".into()),
    ];
    let out = doctor(&env).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    let expected = [
        ("public URL", "plain http"),
        ("embed secret", "7 characters"),
        ("frame ancestors", "not a frame-ancestors source"),
        ("pages", "no pkg folder"),
        ("database", "could not connect"),
        ("texts", "refused the account SID and auth token"),
        ("email", "the mail server"),
        ("Open Dental", "without ASAP_OPENDENTAL_KEY"),
    ];
    for (check, why) in expected {
        let line = text.lines().find(|l| l.starts_with(&format!("PROBLEM  {check}:"))).unwrap_or_else(|| panic!("no problem for {check}:\n{text}"));
        assert!(line.contains(why), "{check}: {line}");
    }
    assert_eq!(text.lines().filter(|l| l.starts_with("PROBLEM")).count(), expected.len(), "{text}");
    assert_eq!(text.lines().filter(|l| l.trim_start().starts_with("fix: ")).count(), expected.len(), "each problem has its fix:\n{text}");
    assert!(text.contains(&format!("{} problems found.", expected.len())), "{text}");
}
