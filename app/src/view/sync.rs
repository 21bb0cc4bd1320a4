//! How up to date this server's copy of the office's Open Dental is, for the badge on every
//! staff page: "Open Dental last synced 3 min ago", red once it is three sync intervals old.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// False when this server keeps its own book (no Open Dental set up): no badge.
    pub configured: bool,
    /// Unix seconds of the last pass that finished; 0 for none yet.
    pub last_success: i64,
    pub now: i64,
    /// Seconds between passes.
    pub interval: i64,
    /// Why the last pass failed, when it did after the last success.
    pub error: String,
    /// Bookings made here that Open Dental has not been told of yet.
    pub waiting_writes: i64,
    /// Bookings Open Dental refused (each noted on its offer in the history).
    pub refused_writes: i64,
}

impl SyncStatus {
    /// Whole minutes since the last finished pass; None before the first.
    pub fn minutes_ago(&self) -> Option<i64> {
        (self.last_success > 0).then(|| (self.now - self.last_success).max(0) / 60)
    }

    /// Three intervals without a finished pass (or none ever): the book may be out of date.
    pub fn stale(&self) -> bool {
        self.last_success == 0 || self.now - self.last_success > 3 * self.interval.max(1)
    }

    /// The badge's words.
    pub fn text(&self) -> String {
        let Some(seconds) = (self.last_success > 0).then(|| (self.now - self.last_success).max(0)) else {
            return "Open Dental not synced yet".into();
        };
        match seconds / 60 {
            // A short interval can make a copy seconds old already stale: say the seconds then.
            0 if self.stale() => format!("Open Dental last synced {seconds} s ago"),
            0 => "Open Dental last synced just now".into(),
            1 => "Open Dental last synced 1 min ago".into(),
            m if m < 120 => format!("Open Dental last synced {m} min ago"),
            m => format!("Open Dental last synced {} h ago", m / 60),
        }
    }

    /// A few words after the badge's: what is wrong, short enough for a phone.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.stale() && !self.error.is_empty() {
            parts.push("Open Dental is not answering; times here may be out of date".to_string());
        } else if self.stale() {
            parts.push("times here may be out of date".to_string());
        }
        if self.waiting_writes > 0 {
            parts.push(format!("{} booking{} waiting to be written there", self.waiting_writes, if self.waiting_writes == 1 { "" } else { "s" }));
        }
        if self.refused_writes > 0 {
            parts.push(format!(
                "{} booking{} Open Dental refused (see the Note in the ASAP history)",
                self.refused_writes,
                if self.refused_writes == 1 { "" } else { "s" }
            ));
        }
        parts.join(" · ")
    }

    /// The whole story, for pointing at the badge: the last error as Open Dental gave it.
    pub fn detail(&self) -> String {
        let mut parts = Vec::new();
        if !self.error.is_empty() {
            parts.push(format!("Last attempt failed: {}", self.error));
        }
        if self.stale() {
            parts.push(
                "Until Open Dental answers, the slot picker may show time it has since booked, and a claim is checked against \
                 Open Dental only when it answers in time."
                    .into(),
            );
        }
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(ago: i64) -> SyncStatus {
        SyncStatus { configured: true, last_success: if ago < 0 { 0 } else { 100_000 - ago }, now: 100_000, interval: 60, ..Default::default() }
    }

    #[test]
    fn the_badge_says_how_old_the_copy_is_and_turns_red_past_three_intervals() {
        assert_eq!(status(-1).text(), "Open Dental not synced yet");
        assert!(status(-1).stale());
        assert_eq!(status(30).text(), "Open Dental last synced just now");
        let quick = SyncStatus { interval: 5, ..status(25) };
        assert_eq!(quick.text(), "Open Dental last synced 25 s ago", "stale within the minute");
        assert_eq!(quick.summary(), "times here may be out of date");
        let down = SyncStatus { error: "Open Dental could not be reached".into(), waiting_writes: 2, ..status(600) };
        assert_eq!(down.summary(), "Open Dental is not answering; times here may be out of date · 2 bookings waiting to be written there");
        assert_eq!(status(90).text(), "Open Dental last synced 1 min ago");
        assert_eq!(status(180).text(), "Open Dental last synced 3 min ago");
        assert!(!status(180).stale(), "exactly three intervals is not yet stale");
        assert!(status(181).stale());
        assert_eq!(status(3 * 3600).text(), "Open Dental last synced 3 h ago");
    }
}
