//! Progress of long work run from the command line (`server import`, `server backup`, the first
//! `server sync`): a bar with the count, the rate and the time left when standard error is a
//! terminal (indicatif), otherwise a plain log line every few seconds, which a journal or a
//! container log keeps readably. Work started by the running server reports nothing.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Between two plain lines.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

pub struct Progress {
    inner: Option<Inner>,
}

struct Inner {
    /// What the work is ("import", "backup", "sync").
    label: &'static str,
    /// What is counted ("rows", "bytes").
    unit: &'static str,
    bar: Option<ProgressBar>,
    total: AtomicU64,
    done: AtomicU64,
    stage: Mutex<String>,
    started: Instant,
    last_line: Mutex<Instant>,
}

impl Progress {
    /// Reports nothing: for work the server does by itself, and for tests.
    pub fn hidden() -> Progress {
        Progress { inner: None }
    }

    /// A bar when standard error is a terminal, plain log lines otherwise. `total`: how many
    /// `unit`s the work holds, when known.
    pub fn start(label: &'static str, unit: &'static str, total: Option<u64>) -> Progress {
        Self::start_on(std::io::stderr().is_terminal(), label, unit, total)
    }

    pub fn start_on(terminal: bool, label: &'static str, unit: &'static str, total: Option<u64>) -> Progress {
        let bar = terminal.then(|| {
            let bar = match total {
                Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            };
            bar.set_style(style(label, unit, total.is_some()));
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let now = Instant::now();
        Progress {
            inner: Some(Inner {
                label,
                unit,
                bar,
                total: AtomicU64::new(total.unwrap_or(0)),
                done: AtomicU64::new(0),
                stage: Mutex::new(String::new()),
                started: now,
                last_line: Mutex::new(now),
            }),
        }
    }

    /// What part of the work is under way ("patients", "/appointments").
    pub fn stage(&self, stage: &str) {
        let Some(inner) = &self.inner else { return };
        if let Ok(mut s) = inner.stage.lock() {
            stage.clone_into(&mut s);
        }
        if let Some(bar) = &inner.bar {
            bar.set_message(stage.to_string());
        }
    }

    pub fn advance(&self, n: u64) {
        let Some(inner) = &self.inner else { return };
        let done = inner.done.fetch_add(n, Ordering::Relaxed) + n;
        inner.show(done);
    }

    /// The total, once it is known better than at the start.
    pub fn set_total(&self, total: u64) {
        let Some(inner) = &self.inner else { return };
        inner.total.store(total, Ordering::Relaxed);
        if let Some(bar) = &inner.bar {
            bar.set_length(total);
        }
    }

    pub fn set_position(&self, done: u64) {
        let Some(inner) = &self.inner else { return };
        inner.done.store(done, Ordering::Relaxed);
        inner.show(done);
    }

    /// Ends the bar (or the lines) with what was done.
    pub fn finish(&self, summary: &str) {
        let Some(inner) = &self.inner else { return };
        match &inner.bar {
            Some(bar) => {
                bar.abandon_with_message(summary.to_string());
                // indicatif leaves the cursor at the end of the finished bar; what the command
                // prints next starts on a line of its own.
                eprintln!();
            }
            None => {
                let done = inner.done.load(Ordering::Relaxed);
                let seconds = inner.started.elapsed().as_secs_f64();
                tracing::info!("{}: {summary} ({done} {} in {seconds:.1} s)", inner.label, inner.unit);
            }
        }
    }
}

fn style(label: &str, unit: &'static str, known_total: bool) -> ProgressStyle {
    let template = if known_total {
        format!("{label} {{msg:>14}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit}, {{rate}}, {{eta}} left")
    } else {
        format!("{label} {{spinner}} {{msg:>14}} {{human_pos}} {unit}, {{rate}}, {{elapsed}}")
    };
    ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("rate", move |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0} {unit}/s", state.per_sec());
        })
        .progress_chars("=> ")
}

impl Inner {
    /// The bar moved to `done`, or a plain line when one is due.
    fn show(&self, done: u64) {
        match &self.bar {
            Some(bar) => bar.set_position(done),
            None => self.plain_line_if_due(done),
        }
    }

    fn plain_line_if_due(&self, done: u64) {
        let Ok(mut last) = self.last_line.try_lock() else { return };
        if last.elapsed() < PLAIN_EVERY {
            return;
        }
        *last = Instant::now();
        let stage = self.stage.lock().map(|s| s.clone()).unwrap_or_default();
        let total = self.total.load(Ordering::Relaxed);
        tracing::info!("{}", plain_line(self.label, self.unit, &stage, done, total, self.started.elapsed()));
    }
}

/// "import patients: 12000 of 50000 rows (24%), 8500 rows/s, about 4 s left"
fn plain_line(label: &str, unit: &str, stage: &str, done: u64, total: u64, elapsed: Duration) -> String {
    let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
    let head = if stage.is_empty() { label.to_string() } else { format!("{label} {stage}") };
    if total > 0 {
        let left = total.saturating_sub(done) as f64 / rate.max(0.001);
        format!(
            "{head}: {done} of {total} {unit} ({}%), {rate:.0} {unit}/s, about {left:.0} s left",
            (done * 100).checked_div(total).unwrap_or(0)
        )
    } else {
        format!("{head}: {done} {unit}, {rate:.0} {unit}/s, {:.0} s so far", elapsed.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_line_gives_the_count_rate_and_time_left() {
        let line = plain_line("import", "rows", "patients", 12_000, 48_000, Duration::from_secs(4));
        assert_eq!(line, "import patients: 12000 of 48000 rows (25%), 3000 rows/s, about 12 s left");
        let line = plain_line("sync", "rows", "/appointments", 500, 0, Duration::from_secs(2));
        assert_eq!(line, "sync /appointments: 500 rows, 250 rows/s, 2 s so far");
    }

    #[test]
    fn hidden_progress_does_nothing() {
        let p = Progress::hidden();
        p.stage("x");
        p.advance(5);
        p.finish("done");
    }
}
