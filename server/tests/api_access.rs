//! Nobody gets in without the right to: staff sign-in with slow-down and lock-out, sessions that
//! end, writes from other sites refused, clinic restrictions on pages, server functions and API
//! keys, stored API keys (hashed, revocable), the embed token, and the audit trail.

mod harness;

use harness::{PASSWORD, TestServer, browser_client, chicago, fixture};
use serde_json::{Value, json};
use server::service::Actor;
use server::service::credentials::{EmbedClaims, sign_embed_token};
use std::sync::Arc;

fn now() -> chrono::DateTime<chrono::Utc> {
    chicago("2031-03-17 09:00:00")
}

const EMBED_SECRET: &str = "portal shared secret";

fn configure(s: &mut server::config::Settings) {
    s.embed_secret = EMBED_SECRET.into();
    s.frame_ancestors = "'self' https://portal.example.test".into();
}

macro_rules! access_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                harness::run_with(harness::Db::Sqlite, &fixture("example-office.json"), super::now(), super::configure, |s| super::$name(s)).await
            })+
            use super::*;
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                harness::run_with(harness::Db::Postgres, &fixture("example-office.json"), super::now(), super::configure, |s| super::$name(s)).await
            })+
            use super::*;
        }
    };
}

access_tests!(
    without_a_session_pages_redirect_and_server_functions_refuse,
    sign_in_sets_a_safe_cookie_and_opens_the_pages,
    wrong_passwords_slow_down_then_lock_whether_or_not_the_user_exists,
    sessions_end_when_idle_at_full_lifetime_and_on_password_change,
    writes_from_other_sites_are_refused,
    a_clinic_restricted_user_sees_and_changes_only_their_clinics,
    api_keys_are_stored_hashed_limited_to_clinics_and_revocable,
    the_portal_token_signs_in_once,
    the_audit_trail_records_who_did_what_and_cannot_be_changed,
    malformed_server_function_calls_get_a_4xx,
);

async fn without_a_session_pages_redirect_and_server_functions_refuse(s: Arc<TestServer>) {
    let client = browser_client();
    for path in ["/", "/history?ClinicNum=1&date=2031-03-17", "/outbox", "/overview", "/users", "/audit", "/no-such-page"] {
        let r = client.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "{path}");
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("/signin?next="), "{path} → {to}");
        assert!(r.text().await.unwrap().is_empty(), "a redirect says nothing else");
    }
    let r = client.get(s.url("/history?ClinicNum=1")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/signin?next=%2Fhistory%3FClinicNum%3D1");
    for name in ["history", "day", "asap-list", "offer", "withdraw", "withdraw-offer", "messages", "messages-save", "messages-reset", "outbox", "outbox-reply", "overview", "reckoning-save", "clinics", "me", "users", "users/add", "users/change", "audit"] {
        let (status, body) = s.server_fn(&client, name, json!({})).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(body, json!({"Unauthorized": "Your session has ended. Sign in again."}), "{name} reveals nothing");
    }
    // The sign-in page, the patient's page, the API (with its key) and health need no session.
    assert_eq!(client.get(s.url("/signin")).send().await.unwrap().status().as_u16(), 200);
    assert_eq!(client.get(s.url("/healthz")).send().await.unwrap().status().as_u16(), 200);
    assert_eq!(s.get("/api/v1/operatories").await.status().as_u16(), 200);
}

async fn sign_in_sets_a_safe_cookie_and_opens_the_pages(s: Arc<TestServer>) {
    s.add_user("dana", false, "").await;
    let client = browser_client();
    let r = client
        .post(s.url("/signin"))
        .form(&[("username", "Dana"), ("password", PASSWORD), ("next", "/history?ClinicNum=1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/history?ClinicNum=1", "back to where they were going");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("asap_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(cookie.contains("Secure"), "the test server's public URL is https: {cookie}");
    // The token itself is not what the database keeps.
    let token = cookie.trim_start_matches("asap_session=").split(';').next().unwrap().to_string();
    let mut conn = s.store.pool().acquire().await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staffsession WHERE tokenhash = $1").bind(&token).fetch_one(&mut *conn).await.unwrap();
    assert_eq!(stored, 0);
    drop(conn);
    let (status, me) = s.server_fn(&client, "me", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "dana");
    let (status, page) = s.server_fn(&client, "history", json!({"query": {"clinic_num": "1"}})).await;
    assert_eq!(status, 200, "{page}");
    // A redirect to another site after sign-in is not followed.
    let r = browser_client()
        .post(s.url("/signin"))
        .form(&[("username", "dana"), ("password", PASSWORD), ("next", "//evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
    // Signing out ends the session.
    let r = client.post(s.url("/signout")).header("Sec-Fetch-Site", "same-origin").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(s.server_fn(&client, "me", json!({})).await.0, 401);
}

async fn sign_in(s: &TestServer, username: &str, password: &str) -> (u16, String) {
    let r = browser_client()
        .post(s.url("/signin"))
        .form(&[("username", username), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn wrong_passwords_slow_down_then_lock_whether_or_not_the_user_exists(s: Arc<TestServer>) {
    s.add_user("dana", false, "").await;
    for name in ["dana", "nobody"] {
        let start = now();
        s.clock.set(start);
        for i in 1..=4 {
            let (status, page) = sign_in(&s, name, "wrong password 1").await;
            assert_eq!(status, 401, "{name} try {i}");
            assert!(page.contains("The user name or password is not right."), "{name} try {i}");
        }
        let (_, page) = sign_in(&s, name, "wrong password 1").await;
        assert!(page.contains("not right"), "the fifth failure is still just wrong");
        // Now each try must wait.
        let (_, page) = sign_in(&s, name, "wrong password 1").await;
        assert!(page.contains("Wait 30 seconds"), "{name}: {page}");
        for i in 6..=10 {
            s.clock.set(start + chrono::Duration::seconds(31 * i));
            let (_, page) = sign_in(&s, name, "wrong password 1").await;
            if i < 10 {
                assert!(page.contains("not right"), "{name} try {i}");
            } else {
                assert!(page.contains("locked for 15 minutes"), "{name} try {i}: {page}");
            }
        }
        // Even the right password is refused while locked.
        let (status, page) = sign_in(&s, name, PASSWORD).await;
        assert_eq!(status, 401);
        assert!(page.contains("locked for"), "{page}");
        s.clock.set(start + chrono::Duration::seconds(31 * 10 + 15 * 60 + 1));
        let (status, _) = sign_in(&s, name, PASSWORD).await;
        assert_eq!(status, if name == "dana" { 303 } else { 401 }, "{name} after the lock");
    }
}

async fn sessions_end_when_idle_at_full_lifetime_and_on_password_change(s: Arc<TestServer>) {
    let admin = s.add_user("boss", true, "").await;
    let dana = s.add_user("dana", false, "").await;
    let start = now();
    let client = s.signed_in("dana").await;
    s.clock.set(start + chrono::Duration::minutes(29));
    assert_eq!(s.server_fn(&client, "me", json!({})).await.0, 200, "used within the idle time");
    s.clock.set(start + chrono::Duration::minutes(29 + 31));
    assert_eq!(s.server_fn(&client, "me", json!({})).await.0, 401, "idle for 31 minutes");
    // Kept busy, a session still ends after 12 hours.
    let t0 = start + chrono::Duration::hours(1);
    s.clock.set(t0);
    let client = s.signed_in("dana").await;
    for step in 1..=35 {
        s.clock.set(t0 + chrono::Duration::minutes(20 * step));
        let status = s.server_fn(&client, "me", json!({})).await.0;
        assert_eq!(status, if 20 * step <= 12 * 60 { 200 } else { 401 }, "after {} minutes", 20 * step);
    }
    // A password reset signs the user out everywhere.
    let a = s.signed_in("dana").await;
    let b = s.signed_in("dana").await;
    let boss = s.signed_in("boss").await;
    let (status, body) = s
        .server_fn(&boss, "users/change", json!({"user_num": dana.user_num, "change": {"ResetPassword": "a brand new password"}}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(s.server_fn(&a, "me", json!({})).await.0, 401);
    assert_eq!(s.server_fn(&b, "me", json!({})).await.0, 401);
    assert_eq!(s.server_fn(&boss, "me", json!({})).await.0, 200);
    // Disabling does too; the last administrator cannot be disabled.
    let c = browser_client();
    c.post(s.url("/signin")).form(&[("username", "dana"), ("password", "a brand new password"), ("next", "/")]).send().await.unwrap();
    assert_eq!(s.server_fn(&c, "me", json!({})).await.0, 200);
    s.server_fn(&boss, "users/change", json!({"user_num": dana.user_num, "change": "Disable"})).await;
    assert_eq!(s.server_fn(&c, "me", json!({})).await.0, 401);
    let (status, body) = s.server_fn(&boss, "users/change", json!({"user_num": admin.user_num, "change": "Disable"})).await;
    assert_eq!(status, 409, "{body}");
    // Staff cannot manage users.
    s.server_fn(&boss, "users/change", json!({"user_num": dana.user_num, "change": "Enable"})).await;
    let dana_client = browser_client();
    dana_client.post(s.url("/signin")).form(&[("username", "dana"), ("password", "a brand new password"), ("next", "/")]).send().await.unwrap();
    let (status, _) = s.server_fn(&dana_client, "users", json!({})).await;
    assert_eq!(status, 403);
}

async fn writes_from_other_sites_are_refused(s: Arc<TestServer>) {
    s.add_user("dana", false, "").await;
    let client = s.signed_in("dana").await;
    let offer = json!({"op": 1, "start": "2031-03-17 13:00:00", "recipients": [{"Appointment": 1001}]});
    for (header, value) in [("Sec-Fetch-Site", "cross-site"), ("Origin", "https://evil.example")] {
        let r = client.post(s.url("/ui-api/offer")).header(header, value).json(&offer).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403, "{header}: {value}");
    }
    let before = s.snapshot().await;
    assert_eq!(s.snapshot().await, before);
    let r = client.post(s.url("/signout")).header("Sec-Fetch-Site", "cross-site").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = browser_client()
        .post(s.url("/signin"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("username", "dana"), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403, "no signing a browser in from another site");
    // The same offer from the page itself goes through.
    let (status, body) = s.server_fn(&client, "offer", offer).await;
    assert_eq!(status, 200, "{body}");
}

async fn a_clinic_restricted_user_sees_and_changes_only_their_clinics(s: Arc<TestServer>) {
    s.add_user("south", false, "2").await;
    // An opening in clinic 1 made by someone else.
    let r = s.post("/api/v1/asapcomms", r#"{"op": 1, "aptNum": 1001, "dateTimeStart": "2031-03-17 13:00:00"}"#).await;
    let north: Value = r.json().await.unwrap();
    let client = s.signed_in("south").await;
    let (status, clinics) = s.server_fn(&client, "clinics", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(clinics.as_array().unwrap().iter().map(|c| c["ClinicNum"].as_i64().unwrap()).collect::<Vec<_>>(), vec![2]);
    let (status, body) = s.server_fn(&client, "day", json!({"query": {"clinic": "1", "date": "2031-03-17"}})).await;
    assert_eq!(status, 403, "{body}");
    let (status, board) = s.server_fn(&client, "day", json!({"query": {"date": "2031-03-17"}})).await;
    assert_eq!(status, 200);
    assert_eq!(board["clinic_num"], 2, "the picker opens on their clinic");
    let (status, _) = s.server_fn(&client, "history", json!({"query": {"clinic_num": "1"}})).await;
    assert_eq!(status, 403);
    let (status, page) = s.server_fn(&client, "history", json!({"query": {"date": "2031-03-17"}})).await;
    assert_eq!(status, 200);
    assert_eq!(page["matching"], 0, "clinic 1's offer is not in their history: {page}");
    // The page's filters are named as the page names them, not as the REST API's parameters.
    let (status, said) = s.server_fn(&client, "history", json!({"query": {"date_start": "2031-13-40"}})).await;
    assert_eq!(status, 400);
    assert!(said.to_string().contains("The From date '2031-13-40' is not a date. Pick one in the calendar"), "{said}");
    let (status, said) = s.server_fn(&client, "history", json!({"query": {"date": "2031-03-17", "date_through": "2031-03-18"}})).await;
    assert_eq!(status, 400);
    assert!(said.to_string().contains("Choose one Day, or a From–Through range, not both."), "{said}");
    let (status, _) = s.server_fn(&client, "offer", json!({"op": 1, "start": "2031-03-17 14:00:00", "recipients": [{"Appointment": 1001}]})).await;
    assert_eq!(status, 403);
    let (status, _) = s.server_fn(&client, "withdraw", json!({"schedule_num": north["ScheduleNum"]})).await;
    assert_eq!(status, 404, "another clinic's opening is as unknown as none");
    let (status, _) = s.server_fn(&client, "outbox", json!({"before": null})).await;
    assert_eq!(status, 200);
    // The page itself.
    let r = client.get(s.url("/?clinic=1&date=2031-03-17")).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("does not have access to clinic 1"), "the picker says so");
}

async fn api_keys_are_stored_hashed_limited_to_clinics_and_revocable(s: Arc<TestServer>) {
    let pair = s.services().add_api_key(&Actor::command_line(), "south-sync", "2").await.unwrap();
    let (dev, cust) = pair.split_once('/').unwrap();
    assert!(cust.len() >= 40);
    let mut conn = s.store.pool().acquire().await.unwrap();
    let row: (String, String) = {
        use sqlx::Row;
        let r = sqlx::query("SELECT developerkey, keyhash FROM apikey WHERE name = 'south-sync'").fetch_one(&mut *conn).await.unwrap();
        (r.try_get(0).unwrap(), r.try_get(1).unwrap())
    };
    drop(conn);
    assert_eq!(row.0, dev);
    assert!(!row.1.contains(cust), "only a hash of the customer key is kept");
    let key = format!("ODFHIR {pair}");
    let get = |path: &str| s.http.get(s.url(path)).header("Authorization", key.clone()).send();
    assert_eq!(get("/api/v1/asapcomms?ClinicNum=1").await.unwrap().status().as_u16(), 403);
    assert_eq!(get("/api/v1/asapcomms?ClinicNum=2").await.unwrap().status().as_u16(), 200);
    let north = s.post("/api/v1/asapcomms", r#"{"op": 1, "aptNum": 1001, "dateTimeStart": "2031-03-17 13:00:00"}"#).await;
    let north: Value = north.json().await.unwrap();
    let all: Value = get("/api/v1/asapcomms").await.unwrap().json().await.unwrap();
    assert!(all.as_array().unwrap().iter().all(|c| c["ClinicNum"] == 2), "{all}");
    assert_eq!(get(&format!("/api/v1/asapcomms/{}", north["AsapCommNum"])).await.unwrap().status().as_u16(), 404);
    let ops: Value = get("/api/v1/operatories").await.unwrap().json().await.unwrap();
    assert_eq!(ops.as_array().unwrap().len(), 1, "only clinic 2's operatory");
    let r = s
        .http
        .post(s.url("/api/v1/asapcomms"))
        .header("Authorization", &key)
        .body(r#"{"op": 1, "aptNum": 1001, "dateTimeStart": "2031-03-17 14:00:00"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    s.services().revoke_api_key(&Actor::command_line(), "south-sync").await.unwrap();
    assert_eq!(get("/api/v1/asapcomms").await.unwrap().status().as_u16(), 401, "a revoked key no longer works");
    assert!(s.services().revoke_api_key(&Actor::command_line(), "south-sync").await.is_err());
}

fn token(sub: &str, exp_in: i64, nonce: &str, origin: &str) -> String {
    let exp = now().timestamp() + exp_in;
    sign_embed_token(EMBED_SECRET, &EmbedClaims { sub: sub.into(), exp, nonce: nonce.into(), origin: origin.into() })
}

async fn the_portal_token_signs_in_once(s: Arc<TestServer>) {
    s.add_user("dana", false, "").await;
    let client = browser_client();
    let good = token("dana", 120, "nonce-0001", "https://portal.example.test");
    let r = client.get(s.url(&format!("/embed?token={good}&next=/history"))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/history", "the token is dropped from the address");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    for attr in ["HttpOnly", "SameSite=None", "Secure", "Partitioned"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let (status, me) = s.server_fn(&client, "me", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(me["embedded"], true);
    assert_eq!(me["portal_origin"], "https://portal.example.test");
    for bad in [
        good.clone(),                                                                   // used once already
        token("dana", -1, "nonce-0002", "https://portal.example.test"),                 // expired
        token("dana", 3600, "nonce-0003", "https://portal.example.test"),               // too long-lived
        token("dana", 120, "nonce-0004", "https://evil.example"),                       // not on the allow-list
        token("nobody", 120, "nonce-0005", "https://portal.example.test"),              // no such user
        format!("{}x", token("dana", 120, "nonce-0006", "https://portal.example.test")), // signature changed
        "garbage".to_string(),
    ] {
        let c = browser_client();
        let r = c.get(s.url(&format!("/embed?token={bad}&next=/"))).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303);
        assert!(r.headers()["location"].to_str().unwrap().starts_with("/signin?embed=failed"), "{bad}");
        assert!(r.headers().get("set-cookie").is_none());
    }
}

async fn the_audit_trail_records_who_did_what_and_cannot_be_changed(s: Arc<TestServer>) {
    s.add_user("boss", true, "").await;
    s.add_user("dana", false, "").await;
    sign_in(&s, "dana", "not the password").await;
    let dana = s.signed_in("dana").await;
    let (status, outcome) =
        s.server_fn(&dana, "offer", json!({"op": 1, "start": "2031-03-17 13:00:00", "recipients": [{"Appointment": 1001}]})).await;
    assert_eq!(status, 200, "{outcome}");
    let (status, _) = s.server_fn(&dana, "withdraw", json!({"schedule_num": outcome["schedule_num"]})).await;
    assert_eq!(status, 200);
    let boss = s.signed_in("boss").await;
    let (status, page) = s.server_fn(&boss, "audit", json!({"query": {}})).await;
    assert_eq!(status, 200, "{page}");
    let lines: Vec<(String, String)> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["username"].as_str().unwrap().to_string(), e["action"].as_str().unwrap().to_string()))
        .collect();
    for want in [("dana", "sign-in failed"), ("dana", "sign-in"), ("dana", "offered opening"), ("dana", "withdrew opening"), ("boss", "sign-in")] {
        assert!(lines.contains(&(want.0.to_string(), want.1.to_string())), "{want:?} in {lines:?}");
    }
    assert!(lines.iter().any(|(u, a)| u == "server command line" && a == "added user"));
    let (status, filtered) = s.server_fn(&boss, "audit", json!({"query": {"user": "dana", "action": "offered opening"}})).await;
    assert_eq!(status, 200);
    assert_eq!(filtered["events"].as_array().unwrap().len(), 1);
    // The history shows who offered the opening.
    let (_, history) = s.server_fn(&boss, "history", json!({"query": {"schedule_num": outcome["schedule_num"].to_string()}})).await;
    assert_eq!(history["rows"][0]["offered_by"], "dana");
    // Not an administrator: no audit trail.
    assert_eq!(s.server_fn(&dana, "audit", json!({"query": {}})).await.0, 403);
    // Append-only, even for someone with the database in hand.
    let mut conn = s.store.pool().acquire().await.unwrap();
    assert!(sqlx::query("UPDATE auditevent SET username = 'x'").execute(&mut *conn).await.is_err());
    assert!(sqlx::query("DELETE FROM auditevent").execute(&mut *conn).await.is_err());
}

async fn malformed_server_function_calls_get_a_4xx(s: Arc<TestServer>) {
    s.add_user("dana", false, "").await;
    let client = s.signed_in("dana").await;
    for (name, body) in [
        ("day", json!({"query": 5})),
        ("day", json!({"query": {"clinic": 5}})),
        ("offer", json!({"op": "one", "start": "x", "recipients": []})),
        ("history", json!("not an object")),
    ] {
        let (status, answer) = s.server_fn(&client, name, body.clone()).await;
        assert!((400..500).contains(&status), "{name} {body}: {status} {answer}");
    }
    let (status, answer) = s.server_fn(&client, "day", json!({"query": {"clinic": "abc"}})).await;
    assert_eq!(status, 400, "{answer}");
    // A decoding error names the argument at fault.
    let (status, answer) = s.server_fn(&client, "offer", json!({"op": "one", "start": "x", "recipients": []})).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("op: invalid type"), "{answer}");
}
