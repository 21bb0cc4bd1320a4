//! The tests' fake Open Dental (`tests/harness/fake_opendental.rs`) as a program, for the
//! Playwright suite: it serves Open Dental's documented API on one port, holding the example
//! office with provider hours on every day of the next 30 (from today on its clock, in the zone
//! given), and takes the test's changes on a second port:
//! `PUT /control/{resource}/{key}` with a row in Open Dental's shape.
//!
//! `fake_opendental API_PORT CONTROL_PORT OFFICE_JSON TIME_ZONE`

#[path = "../tests/harness/fake_opendental.rs"]
mod fake;

use axum::extract::{Path, State};
use axum::routing::put;
use fake::FakeOpenDental;
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, api_port, control_port, office, zone] = args.as_slice() else {
        return Err("usage: fake_opendental API_PORT CONTROL_PORT OFFICE_JSON TIME_ZONE".into());
    };
    let zone: chrono_tz::Tz = zone.parse().map_err(|e| format!("time zone: {e}"))?;
    let office = std::fs::read_to_string(office).map_err(|e| format!("{office}: {e}"))?;
    let fake = FakeOpenDental::start_on(&format!("127.0.0.1:{api_port}")).await;
    fake.load_office(&office);
    fake.preference("AutomaticCommunicationTimeStart", "00:00:00");
    fake.preference("AutomaticCommunicationTimeEnd", "00:00:00");
    let today = chrono::Utc::now().with_timezone(&zone).date_naive();
    for day in 0..30 {
        let date = today + chrono::Duration::days(day);
        for (i, (prov, ops)) in [(1, "1,3"), (2, "2")].iter().enumerate() {
            let key = 700_000 + day * 10 + i as i64;
            fake.put(
                "schedules",
                key,
                json!({"ScheduleNum": key.to_string(), "SchedDate": date.to_string(), "StartTime": "07:00:00", "StopTime": "20:00:00",
                       "SchedType": "Provider", "ProvNum": prov.to_string(), "BlockoutType": "0", "Note": "", "operatories": ops,
                       "EmployeeNum": "0"}),
            );
        }
    }
    let control = axum::Router::new()
        .route(
            "/control/{resource}/{key}",
            put(|State(fake): State<FakeOpenDental>, Path((resource, key)): Path<(String, i64)>, axum::Json(row): axum::Json<Value>| async move {
                let resource: &'static str = match resource.as_str() {
                    "appointments" => "appointments",
                    "schedules" => "schedules",
                    "patients" => "patients",
                    _ => return (axum::http::StatusCode::NOT_FOUND, "appointments, schedules or patients").into_response(),
                };
                fake.put(resource, key, row);
                axum::http::StatusCode::NO_CONTENT.into_response()
            }),
        )
        .with_state(fake.clone());
    use axum::response::IntoResponse;
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{control_port}")).await.map_err(|e| e.to_string())?;
    println!("fake Open Dental at {} (control on port {control_port})", fake.url);
    axum::serve(listener, control).await.map_err(|e| e.to_string())
}
