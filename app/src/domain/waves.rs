//! Texts for one opening go out in waves: the first wave to the best-placed patients on the ASAP
//! list, the next after a gap if nobody has claimed the opening yet. As in Open Dental, the gap
//! depends on how soon the opening is: 1 minute when it starts within 2 hours, 2 within 12 hours,
//! 4 within 48 hours, 8 otherwise. Wave size and gaps are settings; one text per wave is the default.

use super::SendWindow;
use super::offer::MIN_LEAD_MINUTES;
use super::send_window::Elapsed;
use crate::model::OdDateTime;
use std::fmt;

/// How texts for one opening are spaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WavePlan {
    /// Texts per wave (at least 1).
    pub size: usize,
    /// `(hours, minutes)`: when the opening starts less than `hours` after the first text, waves
    /// are `minutes` apart. Checked in order; the first match wins.
    pub gaps: Vec<(i64, i64)>,
    /// The gap when no entry of `gaps` matches.
    pub longest_gap: i64,
}

impl Default for WavePlan {
    fn default() -> Self {
        WavePlan { size: 1, gaps: vec![(2, 1), (12, 2), (48, 4)], longest_gap: 8 }
    }
}

impl WavePlan {
    /// Minutes between waves when the opening starts `lead_minutes` after the first text.
    pub fn gap_minutes(&self, lead_minutes: i64) -> i64 {
        self.gaps
            .iter()
            .find(|(hours, _)| lead_minutes < hours * 60)
            .map_or(self.longest_gap, |(_, minutes)| *minutes)
    }

    /// The wave of the text at `index` in ASAP list order (0 = the first wave).
    pub fn wave_of(&self, index: usize) -> i64 {
        (index / self.size.max(1)) as i64
    }

    /// Reads `2h=1m,12h=2m,48h=4m,8m`: gaps by how soon the opening is, the last one for the rest.
    pub fn parse_gaps(size: usize, text: &str) -> Result<WavePlan, String> {
        if size == 0 {
            return Err("the wave size must be at least 1 text".into());
        }
        let how = "Write the gaps as `2h=1m,12h=2m,48h=4m,8m`: under 2 hours 1 minute apart, …, otherwise 8 minutes.";
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        let Some((last, rules)) = parts.split_last() else { return Err(how.into()) };
        let minutes = |s: &str| -> Result<i64, String> {
            let n = s.strip_suffix('m').unwrap_or(s).trim();
            match n.parse::<i64>() {
                Ok(m) if (0..=24 * 60).contains(&m) => Ok(m),
                _ => Err(format!("`{s}` is not a number of minutes from 0 to 1440. {how}")),
            }
        };
        let mut gaps = Vec::new();
        let mut previous = 0;
        for rule in rules {
            let (hours, gap) = rule.split_once('=').ok_or_else(|| format!("`{rule}` has no `=`. {how}"))?;
            let hours = hours.trim();
            let h = hours.strip_suffix('h').unwrap_or(hours).trim();
            let h = match h.parse::<i64>() {
                Ok(h) if h > previous && h <= 24 * 365 => h,
                _ => return Err(format!("`{hours}` must be a whole number of hours, each larger than the one before. {how}")),
            };
            previous = h;
            gaps.push((h, minutes(gap)?));
        }
        if last.contains('=') {
            return Err(format!("the last gap (`{last}`) is for every later opening and takes no hours. {how}"));
        }
        Ok(WavePlan { size, gaps, longest_gap: minutes(last)? })
    }
}

impl fmt::Display for WavePlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (hours, minutes) in &self.gaps {
            write!(f, "{hours}h={minutes}m,")?;
        }
        write!(f, "{}m", self.longest_gap)
    }
}

/// When one text of an opening is due, or why it cannot go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlannedSend {
    /// Due at this time; `moved` says the texting hours pushed it later than its wave.
    At { at: OdDateTime, wave: i64, moved: bool },
    /// By the time it could go, the opening would start in less than 30 minutes.
    TooLate { at: OdDateTime },
}

/// When the text of wave `wave` is due: the first text's time plus the gaps, moved into the
/// texting hours, and never less than 30 minutes before the opening.
pub fn plan_send(
    first: OdDateTime,
    slot_start: OdDateTime,
    wave: i64,
    plan: &WavePlan,
    window: &SendWindow,
    elapsed: &dyn Elapsed,
) -> PlannedSend {
    let gap = plan.gap_minutes(elapsed.minutes_between(first, slot_start));
    let due = first.plus_minutes(gap * wave);
    let at = window.next_allowed(due);
    if elapsed.minutes_between(at, slot_start) < MIN_LEAD_MINUTES {
        return PlannedSend::TooLate { at };
    }
    PlannedSend::At { at, wave, moved: at != due }
}

/// The Note on a text that waits for the texting hours, saying when it will go and why.
pub fn waiting_note(at: OdDateTime, window: &SendWindow) -> String {
    use super::datetext::{short_day, time_text};
    format!(
        "Waiting for texting hours ({}–{}): will go {} at {}.",
        time_text(OdDateTime::from_parts(at.date(), window.start)),
        time_text(OdDateTime::from_parts(at.date(), window.end)),
        short_day(at.date()),
        time_text(at)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::send_window::WallMinutes;
    use crate::model::OdTime;

    fn dt(s: &str) -> OdDateTime {
        OdDateTime::parse(s).unwrap()
    }

    fn window() -> SendWindow {
        SendWindow::new(OdTime::parse("08:00:00").unwrap(), OdTime::parse("21:00:00").unwrap())
    }

    #[test]
    fn gaps_follow_how_soon_the_opening_is() {
        let p = WavePlan::default();
        assert_eq!(p.gap_minutes(30), 1);
        assert_eq!(p.gap_minutes(119), 1);
        assert_eq!(p.gap_minutes(120), 2);
        assert_eq!(p.gap_minutes(11 * 60 + 59), 2);
        assert_eq!(p.gap_minutes(12 * 60), 4);
        assert_eq!(p.gap_minutes(47 * 60), 4);
        assert_eq!(p.gap_minutes(48 * 60), 8);
        assert_eq!(p.gap_minutes(30 * 24 * 60), 8);
    }

    #[test]
    fn waves_group_texts_in_list_order() {
        let one = WavePlan::default();
        assert_eq!((one.wave_of(0), one.wave_of(1), one.wave_of(5)), (0, 1, 5));
        let three = WavePlan { size: 3, ..WavePlan::default() };
        assert_eq!((three.wave_of(0), three.wave_of(2), three.wave_of(3), three.wave_of(7)), (0, 0, 1, 2));
    }

    #[test]
    fn each_wave_waits_its_gap() {
        let p = WavePlan::default();
        let first = dt("2031-03-17 10:00:00");
        // The opening is 3 hours away: 2 minutes apart.
        let slot = dt("2031-03-17 13:00:00");
        assert_eq!(plan_send(first, slot, 0, &p, &window(), &WallMinutes), PlannedSend::At { at: first, wave: 0, moved: false });
        assert_eq!(plan_send(first, slot, 4, &p, &window(), &WallMinutes), PlannedSend::At { at: dt("2031-03-17 10:08:00"), wave: 4, moved: false });
    }

    #[test]
    fn a_wave_after_hours_moves_to_the_next_morning() {
        let p = WavePlan::default();
        let first = dt("2031-03-17 20:58:00");
        let slot = dt("2031-03-19 09:00:00");
        // 36 hours away: 4 minutes apart; the second wave would be 21:02, after hours.
        assert_eq!(
            plan_send(first, slot, 1, &p, &window(), &WallMinutes),
            PlannedSend::At { at: dt("2031-03-18 08:00:00"), wave: 1, moved: true }
        );
        assert!(waiting_note(dt("2031-03-18 08:00:00"), &window()).contains("will go Tue 03/18 at 8:00 AM"));
    }

    #[test]
    fn never_less_than_thirty_minutes_before_the_opening() {
        let p = WavePlan::default();
        let first = dt("2031-03-17 10:00:00");
        let slot = dt("2031-03-17 10:40:00");
        assert!(matches!(plan_send(first, slot, 0, &p, &window(), &WallMinutes), PlannedSend::At { .. }));
        assert!(matches!(plan_send(first, slot, 10, &p, &window(), &WallMinutes), PlannedSend::At { .. }));
        assert_eq!(plan_send(first, slot, 11, &p, &window(), &WallMinutes), PlannedSend::TooLate { at: dt("2031-03-17 10:11:00") });
        // An evening offer for an opening early next morning cannot wait for the window.
        let late = plan_send(dt("2031-03-17 22:00:00"), dt("2031-03-18 08:15:00"), 0, &p, &window(), &WallMinutes);
        assert_eq!(late, PlannedSend::TooLate { at: dt("2031-03-18 08:00:00") });
    }

    #[test]
    fn gap_settings_read_and_write_back() {
        let p = WavePlan::parse_gaps(1, "2h=1m,12h=2m,48h=4m,8m").unwrap();
        assert_eq!(p, WavePlan::default());
        assert_eq!(p.to_string(), "2h=1m,12h=2m,48h=4m,8m");
        assert_eq!(WavePlan::parse_gaps(2, "5").unwrap(), WavePlan { size: 2, gaps: vec![], longest_gap: 5 });
        for bad in ["", "2h=1m", "12h=2m,2h=1m,8m", "2h:1m,8m", "2h=-1m,8m", "x", "2h=1m,8m,9m"] {
            assert!(WavePlan::parse_gaps(1, bad).is_err(), "{bad}");
        }
        assert!(WavePlan::parse_gaps(0, "8m").is_err());
    }
}
