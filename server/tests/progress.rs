//! Progress of `server import` as an operator sees it: a bar with the count, rate and time left
//! on a terminal (run under `script`, which gives the command a pseudo-terminal), and plain log
//! lines when the output goes to a file or a pipe.

mod harness;

use harness::fixture;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

const PATIENTS: usize = 3000;

/// The example office with `PATIENTS` more patients, written to a temporary file.
fn large_office(dir: &std::path::Path) -> PathBuf {
    let mut office: Value = serde_json::from_str(&fixture("example-office.json")).unwrap();
    let patients = office["patients"].as_array_mut().unwrap();
    for i in 0..PATIENTS {
        patients.push(json!({"PatNum": 900_000 + i, "LName": "Progress", "FName": format!("P{i}"), "WirelessPhone": "", "TxtMsgOk": "No", "ClinicNum": 1}));
    }
    let path = dir.join("office.json");
    std::fs::write(&path, serde_json::to_string(&office).unwrap()).unwrap();
    path
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("asap-progress-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn import(dir: &std::path::Path, file: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.env("ASAP_DATABASE_URL", format!("sqlite://{}/asap.db", dir.display())).env("RUST_LOG", "info").arg("import").arg(file);
    command
}

#[test]
fn plain_lines_when_not_at_a_terminal() {
    let dir = temp_dir();
    let file = large_office(&dir);
    let out = import(&dir, &file).output().expect("import runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("import: read ") && text.contains(" rows ("), "how much was read: {text}");
    assert!(text.contains("import: written and committed ("), "a closing line with the count and time: {text}");
    assert!(!text.contains('\u{1b}'), "no terminal control codes in a log: {text:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bar_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let dir = temp_dir();
    let file = large_office(&dir);
    let command = format!(
        "ASAP_DATABASE_URL=sqlite://{}/asap.db {} import {}",
        dir.display(),
        env!("CARGO_BIN_EXE_server"),
        file.display()
    );
    // `script` runs the command on a pseudo-terminal and copies what it draws to stdout.
    let out = Command::new("script").args(["-q", "-e", "-c", &command, "/dev/null"]).output().expect("script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let total = fixture_rows() + PATIENTS;
    assert!(text.contains(&format!("/{}", group_thousands(total))), "the bar counts against the total of {total}: {text:?}");
    assert!(text.contains("rows/s") || text.contains("/s,"), "the rate: {text:?}");
    assert!(text.contains("written and committed"), "the bar ends with the outcome: {text:?}");
    assert!(text.contains("=") && text.contains('['), "a bar is drawn: {text:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn fixture_rows() -> usize {
    let office: Value = serde_json::from_str(&fixture("example-office.json")).unwrap();
    let prefs = office["preferences"].as_object().map_or(0, |p| p.len());
    office.as_object().unwrap().iter().filter(|(k, _)| *k != "preferences").map(|(_, v)| v.as_array().map_or(0, Vec::len)).sum::<usize>() + prefs
}

/// indicatif's human_len: 12,345.
fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
