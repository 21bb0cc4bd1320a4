//! The alerts and the dashboard in `deploy/` speak of metrics the server exports: every name
//! they use is one `server/src/telemetry.rs` defines, and the dashboard shows each of them.
//! (The files' syntax is checked by promtool in scripts/check-deploy.)

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()))
}

/// The metric names defined in telemetry.rs (`pub const NAME: &str = "…";`).
fn exported() -> BTreeSet<String> {
    read("server/src/telemetry.rs")
        .lines()
        .filter(|l| l.starts_with("pub const ") && l.contains(": &str = \""))
        .filter_map(|l| l.split('"').nth(1).map(str::to_string))
        .collect()
}

/// Every metric-like word in a file, with a histogram's `_bucket`, `_count` and `_sum` taken off.
fn used(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if word.starts_with("asap_") || word.starts_with("http_requests") || word.starts_with("http_request_") {
            let base = ["_bucket", "_count", "_sum"].iter().find_map(|s| word.strip_suffix(s)).unwrap_or(word);
            names.insert(base.to_string());
        }
    }
    names
}

#[test]
fn alerts_and_dashboard_use_only_exported_metrics() {
    let exported = exported();
    assert!(exported.len() > 20, "telemetry.rs defines the metrics: {exported:?}");
    for file in ["deploy/prometheus/alerts.yml", "deploy/grafana/asap.json"] {
        let unknown: Vec<_> = used(&read(file)).difference(&exported).cloned().collect();
        assert!(unknown.is_empty(), "{file} uses metrics the server does not export: {unknown:?}");
    }
}

#[test]
fn the_dashboard_shows_every_metric() {
    // The scrape's own cost is for whoever tunes the scrape interval, not for the dashboard.
    let not_shown = BTreeSet::from(["asap_metrics_scrape_duration_seconds".to_string()]);
    let missing: Vec<_> = exported().difference(&used(&read("deploy/grafana/asap.json"))).filter(|m| !not_shown.contains(*m)).cloned().collect();
    assert!(missing.is_empty(), "deploy/grafana/asap.json shows nothing of {missing:?}");
}
