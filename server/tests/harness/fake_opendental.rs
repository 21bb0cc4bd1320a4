//! A fake Open Dental API on loopback, for the tests: it answers the routes the sync and the
//! write-back use as Open Dental's own API pages document them, from rows the test puts in, and
//! it records every request and every write. It is modelled on the documentation, not on this
//! server's client. Shapes and rules, by page (https://www.opendental.com/site/…):
//!
//! - apiimplementation.html: `Authorization: ODFHIR {DeveloperKey}/{CustomerKey}` (401 without);
//!   lists take `Offset` and answer at most 100 rows; booleans are "true"/"false" strings; enums
//!   are names; "0001-01-01" is an empty date. Throttling exists but its answer is not documented:
//!   the fake's `throttle` answers HTTP 429 with `Retry-After`.
//! - apiappointments.html: `GET /appointments` (`PatNum`, `AptStatus`, `Op`, `date`, `dateStart`,
//!   `dateEnd`, `ClinicNum`, `DateTStamp`: only rows altered after it), each row with
//!   `serverDateTime`; `POST /appointments` (requires `PatNum`, `Op`, `AptDateTime`; 201 with a
//!   `location` header and the object); `PUT /appointments/{AptNum}` (only the fields given
//!   change; 404 "Appointment not found").
//! - apipatients.html: `GET /patients/Simple` (`DateTStamp`, `Offset`), rows with `serverDateTime`.
//! - apiproviders.html: `GET /providers` (`DateTStamp`), rows with `serverDateTime`.
//! - apischedules.html: `GET /schedules` (`date` default today, `dateStart`, `dateEnd`,
//!   `SchedType`), every value a string, `operatories` "5,6", sorted by StartTime.
//! - apioperatories.html, apiclinics.html, apidefinitions.html (`Category`, `includeHidden`,
//!   `isHidden`), apirecalltypes.html, apirecalls.html (`PUT /recalls/{RecallNum}`),
//!   apipreferences.html (`PrefName`).
//!
//! Rows are kept in the documented JSON shape; the test adds and changes them through `put`,
//! which stamps `DateTStamp` with the fake's clock (the real clock plus `skew`).

#![allow(dead_code)]

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const DEV_KEY: &str = "fake-dev";
pub const CUSTOMER_KEY: &str = "fake-customer";
const PAGE: usize = 100;

/// One request as the fake saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: String,
}

#[derive(Default)]
pub struct Book {
    /// Resource name ("appointments", "patients", …) → key → (row, DateTStamp).
    pub tables: HashMap<&'static str, BTreeMap<i64, (Map<String, Value>, NaiveDateTime)>>,
    pub preferences: BTreeMap<String, String>,
    pub seen: Vec<Seen>,
    /// Answers to give instead of the real one, next requests first: (status, Retry-After).
    pub faults: Vec<(u16, Option<u64>)>,
    /// How long each answer waits before it is worked out.
    pub delay: Duration,
    /// How long the answer to a write waits after the write took effect (a lost answer, when
    /// the caller goes away meanwhile).
    pub answer_delay: Duration,
    /// Added to the real clock: Open Dental's server clock need not agree with ours.
    pub skew: chrono::Duration,
    /// After the first page of the next list read, these rows are added (the list shifts under
    /// the reader, as the pagination page warns it may).
    pub insert_after_first_page: Vec<(&'static str, i64, Map<String, Value>)>,
    /// After the first page of the next list read, these rows go (the list shifts back).
    pub remove_after_first_page: Vec<(&'static str, i64)>,
    next_apt_num: i64,
}

impl Book {
    pub fn now(&self) -> NaiveDateTime {
        chrono::Local::now().naive_local() + self.skew
    }
}

#[derive(Clone)]
pub struct FakeOpenDental {
    pub book: Arc<Mutex<Book>>,
    pub url: String,
    task: Arc<tokio::task::JoinHandle<()>>,
}

impl FakeOpenDental {
    pub async fn start() -> FakeOpenDental {
        Self::start_on("127.0.0.1:0").await
    }

    /// On a given address (the Playwright suite's fixed port).
    pub async fn start_on(addr: &str) -> FakeOpenDental {
        let book = Arc::new(Mutex::new(Book { next_apt_num: 500_000, ..Book::default() }));
        let app = Router::new()
            .route("/api/v1/appointments", get(list_appointments).post(post_appointment))
            .route("/api/v1/appointments/ASAP", get(list_asap))
            .route("/api/v1/appointments/{num}", get(get_appointment).put(put_appointment))
            .route("/api/v1/patients/Simple", get(|s: Shared, h: HeaderMap, q: Params| list(s, h, q, "patients", "/patients/Simple")))
            .route("/api/v1/providers", get(|s: Shared, h: HeaderMap, q: Params| list(s, h, q, "providers", "/providers")))
            .route("/api/v1/operatories", get(|s: Shared, h: HeaderMap, q: Params| list(s, h, q, "operatories", "/operatories")))
            .route("/api/v1/clinics", get(|s: Shared, h: HeaderMap, q: Params| list(s, h, q, "clinics", "/clinics")))
            .route("/api/v1/definitions", get(list_definitions))
            .route("/api/v1/recalltypes", get(|s: Shared, h: HeaderMap, q: Params| list(s, h, q, "recalltypes", "/recalltypes")))
            .route("/api/v1/recalls", get(|s: Shared, h: HeaderMap, q: Params| list(s, h, q, "recalls", "/recalls")))
            .route("/api/v1/recalls/{num}", axum::routing::put(put_recall))
            .route("/api/v1/schedules", get(list_schedules))
            .route("/api/v1/preferences", get(list_preferences))
            .with_state(book.clone());
        let listener = tokio::net::TcpListener::bind(addr).await.expect("fake Open Dental binds");
        let addr = listener.local_addr().expect("address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeOpenDental { book, url: format!("http://{addr}/api/v1"), task: Arc::new(task) }
    }

    pub fn key() -> String {
        format!("{DEV_KEY}/{CUSTOMER_KEY}")
    }

    /// Adds or replaces a row of `resource`, stamped now.
    pub fn put(&self, resource: &'static str, key: i64, row: Value) {
        let mut book = self.book.lock().expect("book");
        let now = book.now();
        let Value::Object(map) = row else { panic!("a row is a JSON object") };
        book.tables.entry(resource).or_default().insert(key, (map, now));
    }

    pub fn remove(&self, resource: &'static str, key: i64) {
        self.book.lock().expect("book").tables.entry(resource).or_default().remove(&key);
    }

    pub fn row(&self, resource: &'static str, key: i64) -> Option<Map<String, Value>> {
        self.book.lock().expect("book").tables.get(resource).and_then(|t| t.get(&key)).map(|(r, _)| r.clone())
    }

    pub fn rows(&self, resource: &'static str) -> usize {
        self.book.lock().expect("book").tables.get(resource).map_or(0, BTreeMap::len)
    }

    pub fn preference(&self, name: &str, value: &str) {
        self.book.lock().expect("book").preferences.insert(name.into(), value.into());
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.book.lock().expect("book").seen.clone()
    }

    pub fn forget_seen(&self) {
        self.book.lock().expect("book").seen.clear();
    }

    /// The writes (POST and PUT) seen so far.
    pub fn writes(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.method != "GET").collect()
    }

    /// The next answers are these statuses instead (429 comes with `Retry-After: 1`).
    pub fn fail_next(&self, statuses: &[u16]) {
        let mut book = self.book.lock().expect("book");
        book.faults.extend(statuses.iter().map(|s| (*s, (*s == 429).then_some(1))));
    }

    pub fn set_delay(&self, delay: Duration) {
        self.book.lock().expect("book").delay = delay;
    }

    pub fn set_skew(&self, skew: chrono::Duration) {
        self.book.lock().expect("book").skew = skew;
    }

    /// Fills the fake from an import file of this server's format (the example office), in
    /// Open Dental's documented shapes.
    pub fn load_office(&self, import_json: &str) {
        let data: Value = serde_json::from_str(import_json).expect("office JSON");
        let s = |v: &Value| Value::String(match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        });
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        for c in data["clinics"].as_array().into_iter().flatten() {
            // apiclinics.html's example row: the physical, billing and pay-to addresses, each in five fields.
            self.put("clinics", c["ClinicNum"].as_i64().unwrap_or(0), json!({"ClinicNum": c["ClinicNum"], "Description": text(&c["Description"]),
                "Address": text(&c["Address"]), "Address2": text(&c["Address2"]), "City": text(&c["City"]), "State": text(&c["State"]),
                "Zip": text(&c["Zip"]), "BillingAddress": "", "BillingAddress2": "", "BillingCity": "", "BillingState": "", "BillingZip": "",
                "PayToAddress": "", "PayToAddress2": "", "PayToCity": "", "PayToState": "", "PayToZip": "",
                "Phone": text(&c["Phone"]), "Abbr": text(&c["Abbr"]), "IsHidden": "false"}));
        }
        for p in data["providers"].as_array().into_iter().flatten() {
            self.put("providers", p["ProvNum"].as_i64().unwrap_or(0), json!({"ProvNum": p["ProvNum"], "Abbr": text(&p["Abbr"]),
                "FName": text(&p["FName"]), "LName": text(&p["LName"]), "IsSecondary": "false", "IsHidden": "false", "ProvStatus": "Active"}));
        }
        for o in data["operatories"].as_array().into_iter().flatten() {
            let mut row = o.as_object().cloned().unwrap_or_default();
            for flag in ["IsHidden", "IsHygiene", "IsWebSched"] {
                let on = row.get(flag).is_some_and(|v| v == "true" || v == &Value::Bool(true));
                row.insert(flag.into(), Value::String(on.to_string()));
            }
            self.put("operatories", o["OperatoryNum"].as_i64().unwrap_or(0), Value::Object(row));
        }
        for p in data["patients"].as_array().into_iter().flatten() {
            let mut row = p.as_object().cloned().unwrap_or_default();
            row.entry("TxtMsgOk").or_insert(json!("Unknown"));
            row.entry("ClinicNum").or_insert(json!(0));
            // apipatients.html: every patient carries Email (may be "") and PreferContactMethod.
            row.entry("Email").or_insert(json!(""));
            row.entry("PreferContactMethod").or_insert(json!("None"));
            row.insert("PatStatus".into(), json!("Patient"));
            self.put("patients", p["PatNum"].as_i64().unwrap_or(0), Value::Object(row));
        }
        for a in data["appointments"].as_array().into_iter().flatten() {
            let mut row = a.as_object().cloned().unwrap_or_default();
            row.entry("Priority").or_insert(json!("Normal"));
            row.entry("Op").or_insert(json!(0));
            row.entry("AptDateTime").or_insert(json!("0001-01-01 00:00:00"));
            row.entry("ClinicNum").or_insert(json!(0));
            row.entry("ProvNum").or_insert(json!(0));
            row.insert("IsHygiene".into(), json!("false"));
            self.put("appointments", a["AptNum"].as_i64().unwrap_or(0), Value::Object(row));
        }
        for t in data["recalltypes"].as_array().into_iter().flatten() {
            self.put("recalltypes", t["RecallTypeNum"].as_i64().unwrap_or(0), t.clone());
        }
        for r in data["recalls"].as_array().into_iter().flatten() {
            let mut row = r.as_object().cloned().unwrap_or_default();
            row.entry("Priority").or_insert(json!("Normal"));
            let disabled = row.get("IsDisabled").is_some_and(|v| v == "true" || v == &Value::Bool(true));
            row.insert("IsDisabled".into(), Value::String(disabled.to_string()));
            self.put("recalls", r["RecallNum"].as_i64().unwrap_or(0), Value::Object(row));
        }
        for d in data["definitions"].as_array().into_iter().flatten() {
            self.put("definitions", d["DefNum"].as_i64().unwrap_or(0), json!({"DefNum": d["DefNum"], "ItemName": d["ItemName"],
                "ItemValue": d["ItemValue"], "Category": d["Category"], "isHidden": "false"}));
        }
        for sched in data["schedules"].as_array().into_iter().flatten() {
            let mut row = Map::new();
            for (k, v) in sched.as_object().into_iter().flatten() {
                row.insert(k.clone(), s(v));
            }
            for (k, default) in [("ProvNum", "0"), ("BlockoutType", "0"), ("Note", ""), ("operatories", ""), ("EmployeeNum", "0")] {
                row.entry(k).or_insert(json!(default));
            }
            self.put("schedules", sched["ScheduleNum"].as_i64().unwrap_or(0), Value::Object(row));
        }
        for (name, value) in data["preferences"].as_object().into_iter().flatten() {
            if name != "TimeZone" {
                self.preference(name, &s(value).as_str().unwrap_or_default().to_string());
            }
        }
    }
}

impl Drop for FakeOpenDental {
    fn drop(&mut self) {
        if Arc::strong_count(&self.task) == 1 {
            self.task.abort();
        }
    }
}

type Shared = State<Arc<Mutex<Book>>>;
type Params = Query<HashMap<String, String>>;

fn text(status: StatusCode, message: &str) -> Response {
    (status, message.to_string()).into_response()
}

/// The checks every request goes through: the key, the recorded request, injected faults and
/// delay. `Err` is the answer to give instead.
async fn admit(book: &Arc<Mutex<Book>>, headers: &HeaderMap, method: &str, path: &str, query: &HashMap<String, String>, body: &str) -> Result<(), Response> {
    let (fault, delay) = {
        let mut b = book.lock().expect("book");
        let mut q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        q.sort();
        b.seen.push(Seen { method: method.into(), path: path.into(), query: q.join("&"), body: body.into() });
        let fault = if b.faults.is_empty() { None } else { Some(b.faults.remove(0)) };
        (fault, b.delay)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if auth != format!("ODFHIR {DEV_KEY}/{CUSTOMER_KEY}") {
        return Err(text(StatusCode::UNAUTHORIZED, "Invalid API key"));
    }
    if let Some((status, retry)) = fault {
        let mut r = text(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), "fault injected by the test");
        if let Some(s) = retry {
            r.headers_mut().insert(header::RETRY_AFTER, s.to_string().parse().expect("header"));
        }
        return Err(r);
    }
    Ok(())
}

fn stamp_text(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn parse_stamp(s: &str) -> Result<NaiveDateTime, Response> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default()))
        .map_err(|_| text(StatusCode::BAD_REQUEST, "DateTStamp format must be yyyy-MM-dd HH:mm:ss"))
}

fn parse_date(name: &str, s: &str) -> Result<NaiveDate, Response> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| text(StatusCode::BAD_REQUEST, &format!("{name} format must be yyyy-MM-dd")))
}

fn offset_of(q: &HashMap<String, String>) -> Result<usize, Response> {
    match q.get("Offset") {
        Some(o) => o.parse().map_err(|_| text(StatusCode::BAD_REQUEST, "Offset must be a number")),
        None => Ok(0),
    }
}

/// One page of the rows that pass `keep`, in the table's order, each with `serverDateTime`
/// when the resource documents it.
fn page_of(
    book: &Arc<Mutex<Book>>,
    resource: &'static str,
    q: &HashMap<String, String>,
    stamped: bool,
    keep: impl Fn(&Map<String, Value>, NaiveDateTime) -> bool,
) -> Result<Response, Response> {
    let offset = offset_of(q)?;
    let mut b = book.lock().expect("book");
    let now = stamp_text(b.now());
    let since = match q.get("DateTStamp") {
        Some(s) => Some(parse_stamp(s)?),
        None => None,
    };
    let rows: Vec<Value> = b
        .tables
        .get(resource)
        .into_iter()
        .flat_map(|t| t.values())
        .filter(|(row, at)| since.is_none_or(|s| *at > s) && keep(row, *at))
        .skip(offset)
        .take(PAGE)
        .map(|(row, at)| {
            let mut out = Map::new();
            if stamped {
                out.insert("serverDateTime".into(), Value::String(now.clone()));
            }
            out.extend(row.clone());
            out.insert("DateTStamp".into(), Value::String(stamp_text(*at)));
            Value::Object(out)
        })
        .collect();
    if offset == 0 && !rows.is_empty() {
        // Only a read of the same resource shifts under its reader.
        let at = b.now();
        let (inserts, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut b.insert_after_first_page).into_iter().partition(|(r, _, _)| *r == resource);
        b.insert_after_first_page = kept;
        for (res, key, row) in inserts {
            b.tables.entry(res).or_default().insert(key, (row, at));
        }
        let (removals, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut b.remove_after_first_page).into_iter().partition(|(r, _)| *r == resource);
        b.remove_after_first_page = kept;
        for (res, key) in removals {
            b.tables.entry(res).or_default().remove(&key);
        }
    }
    Ok(axum::Json(Value::Array(rows)).into_response())
}

async fn list(State(book): Shared, headers: HeaderMap, Query(q): Params, resource: &'static str, path: &'static str) -> Response {
    if let Err(r) = admit(&book, &headers, "GET", path, &q, "").await {
        return r;
    }
    let stamped = matches!(resource, "patients" | "providers");
    let pat = q.get("PatNum").and_then(|p| p.parse::<i64>().ok());
    page_of(&book, resource, &q, stamped, |row, _| pat.is_none_or(|p| row.get("PatNum").and_then(Value::as_i64) == Some(p)))
        .unwrap_or_else(|r| r)
}

async fn list_definitions(State(book): Shared, headers: HeaderMap, Query(q): Params) -> Response {
    if let Err(r) = admit(&book, &headers, "GET", "/definitions", &q, "").await {
        return r;
    }
    let category = q.get("Category").and_then(|c| c.parse::<i64>().ok());
    let hidden = q.get("includeHidden").is_some_and(|h| h == "true");
    page_of(&book, "definitions", &q, false, |row, _| {
        category.is_none_or(|c| row.get("Category").and_then(Value::as_i64) == Some(c)) && (hidden || row.get("isHidden") != Some(&json!("true")))
    })
    .unwrap_or_else(|r| r)
}

async fn list_preferences(State(book): Shared, headers: HeaderMap, Query(q): Params) -> Response {
    if let Err(r) = admit(&book, &headers, "GET", "/preferences", &q, "").await {
        return r;
    }
    let b = book.lock().expect("book");
    let rows: Vec<Value> = b
        .preferences
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| q.get("PrefName").is_none_or(|w| w == *name))
        .map(|(i, (name, value))| json!({"PrefNum": i + 1, "PrefName": name, "ValueString": value}))
        .collect();
    axum::Json(Value::Array(rows)).into_response()
}

fn appointment_date(row: &Map<String, Value>) -> Option<NaiveDate> {
    row.get("AptDateTime").and_then(Value::as_str).and_then(|s| s.get(..10)).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

async fn list_appointments(State(book): Shared, headers: HeaderMap, Query(q): Params) -> Response {
    if let Err(r) = admit(&book, &headers, "GET", "/appointments", &q, "").await {
        return r;
    }
    let day = |name: &str| q.get(name).map(|d| parse_date(name, d)).transpose();
    let (date, start, end) = match (day("date"), day("dateStart"), day("dateEnd")) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return r,
    };
    let num = |name: &str| q.get(name).and_then(|v| v.parse::<i64>().ok());
    let (pat, op, clinic) = (num("PatNum"), num("Op"), num("ClinicNum"));
    let status = q.get("AptStatus").cloned();
    page_of(&book, "appointments", &q, true, |row, _| {
        let d = appointment_date(row);
        let field = |k: &str| row.get(k).and_then(Value::as_i64);
        date.is_none_or(|x| d == Some(x))
            && start.is_none_or(|x| d.is_some_and(|d| d >= x))
            && end.is_none_or(|x| d.is_some_and(|d| d <= x))
            && pat.is_none_or(|x| field("PatNum") == Some(x))
            && op.is_none_or(|x| field("Op") == Some(x))
            && clinic.is_none_or(|x| field("ClinicNum") == Some(x))
            && status.as_deref().is_none_or(|s| row.get("AptStatus").and_then(Value::as_str) == Some(s))
    })
    .unwrap_or_else(|r| r)
}

/// `GET /appointments/ASAP`: "An appointment is considered to be on the ASAP list if the
/// Priority field is set to ASAP"; `ClinicNum` ("required only if Clinics are enabled"), `ProvNum`.
async fn list_asap(State(book): Shared, headers: HeaderMap, Query(q): Params) -> Response {
    if let Err(r) = admit(&book, &headers, "GET", "/appointments/ASAP", &q, "").await {
        return r;
    }
    let num = |name: &str| q.get(name).and_then(|v| v.parse::<i64>().ok());
    let (clinic, prov) = (num("ClinicNum"), num("ProvNum"));
    page_of(&book, "appointments", &q, true, |row, _| {
        let field = |k: &str| row.get(k).and_then(Value::as_i64);
        row.get("Priority").and_then(Value::as_str) == Some("ASAP")
            && clinic.is_none_or(|x| field("ClinicNum") == Some(x))
            && prov.is_none_or(|x| field("ProvNum") == Some(x))
    })
    .unwrap_or_else(|r| r)
}

async fn get_appointment(State(book): Shared, headers: HeaderMap, Path(num): Path<i64>) -> Response {
    if let Err(r) = admit(&book, &headers, "GET", &format!("/appointments/{num}"), &HashMap::new(), "").await {
        return r;
    }
    let b = book.lock().expect("book");
    let now = stamp_text(b.now());
    match b.tables.get("appointments").and_then(|t| t.get(&num)) {
        Some((row, at)) => {
            let mut out = row.clone();
            out.insert("serverDateTime".into(), Value::String(now));
            out.insert("DateTStamp".into(), Value::String(stamp_text(*at)));
            axum::Json(Value::Object(out)).into_response()
        }
        None => text(StatusCode::NOT_FOUND, "Appointment not found"),
    }
}

/// The fields `PUT /appointments/{AptNum}` may set (apiappointments.html).
const APPOINTMENT_FIELDS: &[&str] =
    &["AptStatus", "Pattern", "Confirmed", "Op", "Note", "ProvNum", "ProvHyg", "AptDateTime", "ClinicNum", "IsHygiene", "Priority"];

async fn put_appointment(State(book): Shared, headers: HeaderMap, Path(num): Path<i64>, body: String) -> Response {
    if let Err(r) = admit(&book, &headers, "PUT", &format!("/appointments/{num}"), &HashMap::new(), &body).await {
        return r;
    }
    let Ok(Value::Object(changes)) = serde_json::from_str::<Value>(&body) else {
        return text(StatusCode::BAD_REQUEST, "The body is not a JSON object");
    };
    if let Some(p) = changes.get("Priority").and_then(Value::as_str) {
        if !matches!(p, "Normal" | "ASAP") {
            return text(StatusCode::BAD_REQUEST, "Priority must be Normal or ASAP");
        }
    }
    let mut b = book.lock().expect("book");
    let now = b.now();
    let Some((row, at)) = b.tables.get_mut("appointments").and_then(|t| t.get_mut(&num)) else {
        return text(StatusCode::NOT_FOUND, "Appointment not found");
    };
    for (k, v) in changes {
        if APPOINTMENT_FIELDS.contains(&k.as_str()) {
            row.insert(k, v);
        }
    }
    *at = now;
    let mut out = row.clone();
    out.insert("DateTStamp".into(), Value::String(stamp_text(now)));
    axum::Json(Value::Object(out)).into_response()
}

async fn post_appointment(State(book): Shared, headers: HeaderMap, body: String) -> Response {
    if let Err(r) = admit(&book, &headers, "POST", "/appointments", &HashMap::new(), &body).await {
        return r;
    }
    let Ok(Value::Object(given)) = serde_json::from_str::<Value>(&body) else {
        return text(StatusCode::BAD_REQUEST, "The body is not a JSON object");
    };
    for required in ["PatNum", "Op", "AptDateTime"] {
        if !given.contains_key(required) {
            return text(StatusCode::BAD_REQUEST, &format!("{required} is required."));
        }
    }
    let (num, row, answer_delay) = {
        let mut b = book.lock().expect("book");
        let now = b.now();
        b.next_apt_num += 1;
        let num = b.next_apt_num;
        let mut row = Map::new();
        row.insert("AptNum".into(), json!(num));
        for (k, default) in [("AptStatus", json!("Scheduled")), ("Pattern", json!("/XX/")), ("Priority", json!("Normal")), ("ProvNum", json!(0)), ("ClinicNum", json!(0)), ("IsHygiene", json!("false"))] {
            row.insert(k.into(), default);
        }
        for (k, v) in given {
            row.insert(k, v);
        }
        b.tables.entry("appointments").or_default().insert(num, (row.clone(), now));
        (num, row, b.answer_delay)
    };
    if !answer_delay.is_zero() {
        tokio::time::sleep(answer_delay).await;
    }
    let mut r = (StatusCode::CREATED, axum::Json(Value::Object(row))).into_response();
    r.headers_mut().insert(header::LOCATION, format!("https://api.opendental.com/api/v1/appointments/{num}").parse().expect("header"));
    r
}

async fn put_recall(State(book): Shared, headers: HeaderMap, Path(num): Path<i64>, body: String) -> Response {
    if let Err(r) = admit(&book, &headers, "PUT", &format!("/recalls/{num}"), &HashMap::new(), &body).await {
        return r;
    }
    let Ok(Value::Object(changes)) = serde_json::from_str::<Value>(&body) else {
        return text(StatusCode::BAD_REQUEST, "The body is not a JSON object");
    };
    let mut b = book.lock().expect("book");
    let now = b.now();
    let Some((row, at)) = b.tables.get_mut("recalls").and_then(|t| t.get_mut(&num)) else {
        return text(StatusCode::NOT_FOUND, "Recall not found");
    };
    for (k, v) in changes {
        row.insert(k, v);
    }
    *at = now;
    axum::Json(Value::Object(row.clone())).into_response()
}

async fn list_schedules(State(book): Shared, headers: HeaderMap, Query(q): Params) -> Response {
    if let Err(r) = admit(&book, &headers, "GET", "/schedules", &q, "").await {
        return r;
    }
    let today = book.lock().expect("book").now().date();
    let day = |name: &str| q.get(name).map(|d| parse_date(name, d)).transpose();
    let (date, start, end) = match (day("date"), day("dateStart"), day("dateEnd")) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return r,
    };
    // "date: For a single day. Today's date by default."
    let (first, last) = match (date, start, end) {
        (Some(d), _, _) => (d, d),
        (None, Some(s), Some(e)) => (s, e),
        (None, Some(s), None) => (s, s),
        (None, None, Some(e)) => (e, e),
        (None, None, None) => (today, today),
    };
    let kind = q.get("SchedType").cloned();
    let offset = match offset_of(&q) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let b = book.lock().expect("book");
    let mut rows: Vec<(String, Value)> = b
        .tables
        .get("schedules")
        .into_iter()
        .flat_map(|t| t.values())
        .filter(|(row, _)| {
            let d = row.get("SchedDate").and_then(Value::as_str).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            d.is_some_and(|d| d >= first && d <= last) && kind.as_deref().is_none_or(|k| row.get("SchedType").and_then(Value::as_str) == Some(k))
        })
        .map(|(row, at)| {
            let mut out = row.clone();
            out.insert("DateTStamp".into(), Value::String(stamp_text(*at)));
            (row.get("StartTime").and_then(Value::as_str).unwrap_or_default().to_string(), Value::Object(out))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let page: Vec<Value> = rows.into_iter().map(|(_, v)| v).skip(offset).take(PAGE).collect();
    axum::Json(Value::Array(page)).into_response()
}
