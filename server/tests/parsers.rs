//! Property tests for every parser that reads outside input: dates, date-times, times, time
//! patterns, phone numbers, query parameters, the POST body (through the real server), the import
//! file and embed tokens. None may panic; what they accept they read back unchanged; what they
//! refuse gets a message. `PROPTEST_CASES` sets the inputs per property (default 256).

mod harness;

use app::domain::params::{entry_range, key_number, paging};
use app::model::{OdDate, OdDateTime, OdTime, TimePattern, WirelessPhone};
use harness::{Db, TestServer, chicago, fixture};
use proptest::prelude::*;
use server::service::credentials::{EmbedClaims, EmbedError, sign_embed_token, verify_embed_token};

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9 :/+()\\-.TZ]{0,24}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?",
        "[X/x| ]{0,40}",
    ]
}

/// Cases come from PROPTEST_CASES; a failure prints its smallest input instead of saving it.
fn config() -> ProptestConfig {
    ProptestConfig { failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn dates_read_back_what_they_write(y in 1i32..=9999, m in 1u32..=12, d in 1u32..=31) {
        if let Some(day) = chrono::NaiveDate::from_ymd_opt(y, m, d) {
            let date = OdDate::new(day);
            let text = date.to_string();
            prop_assert_eq!(OdDate::parse(&text).ok(), Some(date));
            prop_assert_eq!(text, day.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn date_times_read_back_what_they_write(secs in 0i64..253_402_300_799) {
        let at = chrono::DateTime::from_timestamp(secs, 0).expect("in range").naive_utc();
        let value = OdDateTime::new(at);
        let text = value.to_string();
        prop_assert_eq!(OdDateTime::parse(&text).ok(), Some(value));
        prop_assert_eq!(text, at.format("%Y-%m-%d %H:%M:%S").to_string());
        let time = OdTime::new(at.time());
        prop_assert_eq!(OdTime::parse(&time.to_string()).ok(), Some(time));
    }

    #[test]
    fn any_text_as_a_date_time_or_pattern_is_read_or_refused(raw in any_text()) {
        if let Ok(d) = OdDate::parse(&raw) {
            prop_assert_eq!(OdDate::parse(&d.to_string()).ok(), Some(d));
        }
        if let Ok(t) = OdDateTime::parse(&raw) {
            prop_assert_eq!(OdDateTime::parse(&t.to_string()).ok(), Some(t));
        }
        if let Ok(t) = OdTime::parse(&raw) {
            prop_assert_eq!(OdTime::parse(&t.to_string()).ok(), Some(t));
        }
        match TimePattern::parse(&raw) {
            Ok(p) => prop_assert_eq!(TimePattern::parse(p.as_str()).ok(), Some(p)),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn patterns_of_x_and_slash_keep_their_length(p in "[X/]{1,200}") {
        if let Ok(pattern) = TimePattern::parse(&p) {
            prop_assert_eq!(pattern.increments() as usize, p.len());
        }
    }

    #[test]
    fn phone_numbers_are_read_to_one_form(raw in any_text()) {
        if let Some(phone) = WirelessPhone::parse(&raw) {
            let e164 = phone.e164();
            prop_assert!(e164.starts_with('+') && e164[1..].chars().all(|c| c.is_ascii_digit()), "{}", e164);
            prop_assert_eq!(WirelessPhone::parse(e164), Some(phone.clone()));
        }
    }

    #[test]
    fn north_american_numbers_in_any_usual_form(area in 200u32..1000, exchange in 200u32..1000, line in 0u32..10000, form in 0usize..4) {
        let raw = match form {
            0 => format!("({area}) {exchange}-{line:04}"),
            1 => format!("{area}-{exchange}-{line:04}"),
            2 => format!("1 {area} {exchange} {line:04}"),
            _ => format!("+1{area}{exchange}{line:04}"),
        };
        let expected = format!("+1{area}{exchange}{line:04}");
        prop_assert_eq!(WirelessPhone::parse(&raw).map(|p| p.e164().to_string()), Some(expected));
    }

    #[test]
    fn query_parameters_are_read_or_refused_by_name(offset in proptest::option::of(any_text()), limit in proptest::option::of(any_text()),
            date in proptest::option::of(any_text()), start in proptest::option::of(any_text()), clinic in any_text()) {
        match paging(offset.as_deref(), limit.as_deref()) {
            Ok(p) => prop_assert!(p.offset >= 0 && (1..=100).contains(&p.limit)),
            Err(e) => prop_assert!(e.contains("Offset") || e.contains("Limit"), "{}", e),
        }
        let today = OdDate::parse("2031-03-17").expect("date");
        match entry_range(date.as_deref(), start.as_deref(), None, today) {
            Ok((from, to)) => prop_assert!(from < to),
            Err(e) => prop_assert!(e.contains("date"), "{}", e),
        }
        if let Err(e) = key_number("ClinicNum", &clinic) {
            prop_assert!(e.starts_with("ClinicNum"), "{}", e);
        }
    }

    #[test]
    fn import_files_are_read_or_refused_with_a_reason(raw in prop_oneof![any::<String>(), json_value().prop_map(|v| v.to_string())]) {
        if let Err(e) = server::import::parse(&raw) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn embed_tokens_verify_only_as_signed(sub in "[a-z.]{1,20}", nonce in "[A-Za-z0-9]{8,40}", ttl in 1i64..=300,
            secret in "[ -~]{1,40}", flip in any::<prop::sample::Index>(), junk in any::<String>()) {
        let now = 2_000_000_000;
        let claims = EmbedClaims { sub, exp: now + ttl, nonce, origin: "https://portal.example.com".into() };
        let token = sign_embed_token(&secret, &claims);
        prop_assert_eq!(verify_embed_token(&secret, &token, now), Ok(claims.clone()));
        prop_assert_eq!(verify_embed_token(&secret, &token, now + ttl), Err(EmbedError::Expired));
        let other_secret = format!("{}!", secret);
        prop_assert!(verify_embed_token(&other_secret, &token, now).is_err());
        // Any one character changed breaks it.
        let mut bytes = token.clone().into_bytes();
        let i = flip.index(bytes.len());
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(bytes).expect("ascii");
        if changed != token {
            prop_assert!(verify_embed_token(&secret, &changed, now).is_err());
        }
        prop_assert!(verify_embed_token(&secret, &junk, now).is_err());
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
        any_text().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let key = prop_oneof![
            Just("op".to_string()),
            Just("aptNum".to_string()),
            Just("recallNum".to_string()),
            Just("dateTimeStart".to_string()),
            Just("patients".to_string()),
            Just("appointments".to_string()),
            Just("PatNum".to_string()),
            "[a-zA-Z]{1,10}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(key, inner, 0..5).prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// POST bodies, query strings and webhook bodies through the real server: a clear 4xx for
/// everything malformed, never a 5xx, and a refused POST changes nothing.
#[test]
fn requests_are_answered_in_words_and_refusals_change_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let Some(server) = runtime.block_on(TestServer::start(Db::Sqlite, &fixture("example-office.json"), chicago("2031-03-17 07:00:00")))
    else {
        return;
    };
    let body = prop_oneof![
        any::<String>(),
        json_value().prop_map(|v| v.to_string()),
        (0i64..4, prop_oneof![Just(1001i64), Just(1002), any::<i64>()], any_text())
            .prop_map(|(op, apt, start)| serde_json::json!({"op": op, "aptNum": apt, "dateTimeStart": start}).to_string()),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let tried = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&body, |body| {
        tried.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        runtime.block_on(async {
            let before = server.snapshot().await;
            let r = server.post("/api/v1/asapcomms", &body).await;
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            prop_assert!(status < 500, "{} for {}: {}", status, body, text);
            if status != 201 {
                prop_assert!((400..500).contains(&status) && !text.trim().is_empty(), "{} for {}: {}", status, body, text);
                prop_assert_eq!(server.snapshot().await, before, "refused {} yet changed something", body);
            }
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!("POST bodies tried: {}", tried.into_inner());

    // Query strings on the list, the slots and the ASAP list; bodies on the provider's webhooks.
    let query = prop::collection::vec(
        (prop_oneof![
            prop::sample::select(vec!["date", "dateStart", "dateEnd", "ClinicNum", "Offset", "Limit", "OpNum", "ProvNum"]).prop_map(String::from),
            "[a-zA-Z%]{1,8}",
        ], any_text()),
        0..5,
    );
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let result = runner.run(&(query, any::<String>()), |(pairs, form)| {
        runtime.block_on(async {
            let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            for path in ["/api/v1/asapcomms", "/api/v1/appointments/Slots", "/api/v1/appointments/ASAP", "/api/v1/schedules"] {
                let r = server.get(&format!("{path}?{q}")).await;
                let status = r.status().as_u16();
                let text = r.text().await.unwrap_or_default();
                prop_assert!(status == 200 || ((400..500).contains(&status) && !text.trim().is_empty()), "{} {}?{}: {}", status, path, q, text);
            }
            for hook in ["/sms/twilio/status", "/sms/twilio/inbound"] {
                let r = server.http.post(server.url(hook)).header("Content-Type", "application/x-www-form-urlencoded").body(form.clone()).send().await;
                let status = r.map(|r| r.status().as_u16()).unwrap_or(0);
                prop_assert!((400..500).contains(&status), "{} {} with {:?}", status, hook, form);
            }
            Ok(())
        })
    });
    runtime.block_on(server.stop());
    if let Err(e) = result {
        panic!("{e}");
    }
}
