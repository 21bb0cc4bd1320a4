//! `server demo`: a realistic demo practice around today's date, so every page has something
//! true to show. The office data is generated (seeded by the date); the ASAP history is made by
//! running the product's own rules over a simulated clock (see `simulate`).

mod calendar;
mod carrier;
mod practice;
pub mod replay;
mod simulate;

pub use calendar::is_open;

use crate::clock::OfficeClock;
use crate::import;
use crate::service::{Actor, Services};
use app::view::access::NewStaffUser;
use crate::store::{self, Store};
use chrono::Datelike;

/// Fills an empty database. With `if_empty`, a database that already has patients is left alone.
/// `public_url` is where the server will serve the patient links the demo's texts carry.
pub async fn fill(store: &Store, clock: &OfficeClock, public_url: &str, if_empty: bool) -> Result<String, String> {
    let mut conn = store.pool().acquire().await.map_err(|e| e.to_string())?;
    let patients = store::office::count(&mut conn, "SELECT COUNT(*) FROM patient").await.map_err(|e| e.to_string())?;
    drop(conn);
    if patients > 0 {
        return if if_empty {
            Ok(format!("The database already holds {patients} patients; the demo practice was not added."))
        } else {
            Err(format!(
                "the database already holds {patients} patients; the demo fills only an empty database \
                 (use another ASAP_DATABASE_URL, or --if-empty to skip)"
            ))
        };
    }
    let blank = app::model::Preferences::default();
    let now = clock.now(&blank);
    let today = now.date();
    let office = practice::office(today);
    let clinics: Vec<i64> = office.clinics.iter().map(|c| c.clinic_num).collect();
    let mut tx = store.begin_write().await.map_err(|e| e.to_string())?;
    let summary = import::write_all(&mut tx, &office, &crate::progress::Progress::hidden()).await.map_err(|e| e.to_string())?;
    store.sync_identity_counters(&mut tx).await.map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;

    let prefs = {
        let mut conn = store.pool().acquire().await.map_err(|e| e.to_string())?;
        store::office::preferences(&mut conn).await.map_err(|e| e.to_string())?
    };
    let staff = add_staff(store, clock, public_url).await?;
    let seed = u64::from(today.get().num_days_from_ce().unsigned_abs());
    let mut simulation = simulate::Simulation::new(store, clock, &prefs, public_url.to_string(), seed, staff);
    simulation.plan(now, &clinics);
    let done = simulation.run(now).await?;

    // What happened before today is history in the practice system: those visits are complete.
    let mut tx = store.begin_write().await.map_err(|e| e.to_string())?;
    store::book::complete_past_appointments(&mut tx, today.start()).await.map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(format!(
        "Demo practice for {today}: {summary} Simulated {} days of ASAP texting: {} openings offered, {} texts sent, {} filled. \
         Sign in as {DEMO_ADMIN} with the password {DEMO_PASSWORD}.",
        simulate::HISTORY_DAYS + 1,
        done.openings,
        done.texts,
        done.claims
    ))
}

/// The demo's administrator. Made for the demo database only, with a password everyone knows.
pub const DEMO_ADMIN: &str = "demo";
/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "asap-demo-pass";

/// The demo office's staff: an administrator, two all-clinic users and one limited to Northgate.
async fn add_staff(store: &Store, clock: &OfficeClock, public_url: &str) -> Result<Vec<(Actor, Option<Vec<i64>>)>, String> {
    let services = Services::new(store.clone(), clock.clone(), public_url.to_string());
    let mut staff = Vec::new();
    for (username, display, admin, clinics) in [
        (DEMO_ADMIN, "Demo Administrator", true, ""),
        ("marcus", "Marcus Bell (office manager)", true, ""),
        ("dana", "Dana Reyes (front desk)", false, ""),
        ("priya", "Priya Shah (Northgate scheduler)", false, "2"),
    ] {
        let user = services
            .add_user(
                &Actor::command_line(),
                None,
                NewStaffUser {
                    username: username.into(),
                    display_name: display.into(),
                    password: DEMO_PASSWORD.into(),
                    is_admin: admin,
                    clinics: clinics.into(),
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        if username != DEMO_ADMIN {
            staff.push((Actor { user_num: user.user_num, name: user.username }, user.clinics));
        }
    }
    Ok(staff)
}
