//! `cargo bench -p server --bench fill`: how many chairs the ASAP texting fills, with and
//! without the asking order, splitting long openings and booking by reply. The same eight weeks
//! of openings at the demo practice are replayed through the real use cases on a simulated
//! clock, once per set of features, each on a fresh SQLite file; the patients' behaviour comes
//! from a seeded model documented in `server/src/demo/replay.rs` (keenness, preferred part of the
//! day, whether they would rather text back, how fast they answer). `ASAP_BENCH_SEED` changes
//! the draw (default 20310303).
//!
//! Prints, side by side: the fill rate (booked chair minutes over offered ones), openings with a
//! booking, bookings, the median minutes from an opening's first text to its booking, and texts
//! per booking.

use server::clock::{OfficeClock, SystemClock};
use server::demo::replay::{Features, replay};
use server::store::Store;
use std::sync::Arc;

mod common;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    common::quiet_logs();
    let seed = common::env_num("ASAP_BENCH_SEED", 20_310_303) as u64;
    let runs = [
        ("none of the three", Features { ranking: false, splitting: false, reply_claims: false }),
        ("asking order only", Features { ranking: true, splitting: false, reply_claims: false }),
        ("splitting only", Features { ranking: false, splitting: true, reply_claims: false }),
        ("booking by reply only", Features { ranking: false, splitting: false, reply_claims: true }),
        ("all three", Features { ranking: true, splitting: true, reply_claims: true }),
    ];
    println!("Fill replay: 8 weeks at the demo practice, seed {seed}");
    println!(
        "{:<24} {:>9} {:>9} {:>9} {:>9} {:>14} {:>12} {:>8}",
        "features", "fill rate", "openings", "with one", "bookings", "min. to fill", "texts/book", "seconds"
    );
    for (name, features) in runs {
        let file = std::env::temp_dir().join(format!("asap-bench-fill-{}.db", std::process::id()));
        common::remove_sqlite(&file);
        let store = Store::connect(&format!("sqlite://{}", file.display())).await.expect("database");
        let clock = OfficeClock::new(Arc::new(SystemClock), chrono_tz::America::Chicago);
        let started = std::time::Instant::now();
        let f = replay(&store, &clock, features, seed).await.expect("replay");
        let took = started.elapsed().as_secs_f64();
        println!(
            "{:<24} {:>8.1}% {:>9} {:>9} {:>9} {:>14} {:>12} {:>8.1}",
            name,
            f.fill_rate(),
            f.openings,
            f.openings_filled,
            f.bookings,
            f.median_minutes_to_fill.map_or("-".into(), |m| m.to_string()),
            f.texts_per_booking().map_or("-".into(), |t| format!("{t:.2}")),
            took
        );
        store.close().await;
        common::remove_sqlite(&file);
    }
}
