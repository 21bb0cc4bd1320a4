//! Four weeks of the practice using the product, run through the real use cases on a simulated
//! clock: staff offer openings from the slot picker's data, the sender texts them in waves, and
//! patients open their links and answer (or don't), the first acceptance wins, and the sweep
//! closes what started or expired. Every status, time and blockout in the demo is one the product
//! itself produced.

use super::calendar::{closing_minutes, is_open};
use super::carrier::DemoCarrier;
use super::practice::dt;
use crate::clock::{FixedClock, OfficeClock, ZoneMinutes};
use crate::service::{Actor, OfferRequest, OfferTarget, Services};
use crate::sms::OutboxProvider;
use crate::store::{self, Store};
use app::view::day::{AsapListQuery, CandidateKey, DayQuery};
use app::domain::answer::PatientAnswer;
use app::domain::channels::SendMode;
use app::model::{OdDate, OdDateTime, Preferences};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::sync::Arc;

/// Office hours in which staff offer openings.
const DESK_OPENS: i64 = 7 * 60 + 30;
const DESK_CLOSES: i64 = 17 * 60 + 30;
/// Simulated days of history before today.
pub const HISTORY_DAYS: i64 = 27;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// Staff look at this clinic's day and offer an opening.
    Offer { clinic: i64, day: OdDate },
    /// A patient opens the link in their text.
    View { code: String },
    /// A patient answers.
    Answer { code: String, answer: u8 },
    /// The close-out sweep.
    Sweep,
}

/// What the simulation did.
#[derive(Clone, Debug, Default)]
pub struct Simulated {
    pub openings: usize,
    pub texts: usize,
    pub claims: usize,
}

pub struct Simulation {
    services: Services,
    clock: Arc<FixedClock>,
    zone: ZoneMinutes,
    rng: StdRng,
    events: BinaryHeap<Reverse<(OdDateTime, u64, Event)>>,
    seq: u64,
    reacted: HashSet<i64>,
    done: Simulated,
    /// The staff who offer openings, with the clinics each may use.
    staff: Vec<(Actor, Option<Vec<i64>>)>,
}

impl Simulation {
    /// The office on a clock the simulation moves; texts through the demo carrier, links to `public_url`.
    pub fn new(
        store: &Store,
        office: &OfficeClock,
        prefs: &Preferences,
        public_url: String,
        seed: u64,
        staff: Vec<(Actor, Option<Vec<i64>>)>,
    ) -> Simulation {
        let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
        let office = office.with_clock(clock.clone());
        let zone = ZoneMinutes(office.zone(prefs));
        let carrier = Arc::new(DemoCarrier::new(OutboxProvider::new(store.clone())));
        let services = Services::new(store.clone(), office, public_url).with_sms(carrier);
        Simulation {
            services,
            clock,
            zone,
            rng: StdRng::seed_from_u64(seed),
            events: BinaryHeap::new(),
            seq: 0,
            reacted: HashSet::new(),
            done: Simulated::default(),
            staff,
        }
    }

    fn at(&mut self, when: OdDateTime, event: Event) {
        self.seq += 1;
        self.events.push(Reverse((when, self.seq, event)));
    }

    fn set_clock(&self, local: OdDateTime) {
        self.clock.set(self.zone.instant(local));
    }

    /// Plans the weeks up to `now`: openings on past open days, and the ones being offered now
    /// for today and the next open day.
    pub fn plan(&mut self, now: OdDateTime, clinics: &[i64]) {
        let today = now.date();
        for offset in -HISTORY_DAYS..=0 {
            let day = today.add_days(offset);
            if !is_open(day) {
                continue;
            }
            for &clinic in clinics {
                for _ in 0..self.rng.random_range(1..=3) {
                    let mut entry = dt(day, self.rng.random_range(DESK_OPENS..14 * 60));
                    if offset == 0 {
                        // Today: only what the office has done so far.
                        if now.time() < super::practice::hm(DESK_OPENS) {
                            continue;
                        }
                        entry = now.plus_minutes(-self.rng.random_range(5..240)).max(dt(day, DESK_OPENS));
                    }
                    if entry < now {
                        self.at(entry, Event::Offer { clinic, day });
                    }
                }
            }
        }
        // Openings for the next open day, offered in the last office hours before now: after
        // hours and on weekends the demo still has offers in flight.
        let next = (1..10).map(|n| today.add_days(n)).find(|d| is_open(*d)).unwrap_or(today.add_days(1));
        let desk = last_desk_time(now);
        for &clinic in clinics {
            for _ in 0..self.rng.random_range(1..=2) {
                let entry = desk.plus_minutes(-self.rng.random_range(0..90)).max(dt(desk.date(), DESK_OPENS));
                if entry < now {
                    self.at(entry, Event::Offer { clinic, day: next });
                }
            }
        }
        // The sweep runs through the day, as the server's does.
        let mut t = dt(today.add_days(-HISTORY_DAYS), 0);
        while t < now {
            self.at(t, Event::Sweep);
            t = t.plus_minutes(30);
        }
    }

    /// Runs every planned event up to `now`, sending texts as they fall due.
    pub async fn run(mut self, now: OdDateTime) -> Result<Simulated, String> {
        let mut last_send_check = OdDateTime::never();
        loop {
            let next_event = self.events.peek().map(|Reverse((t, _, _))| *t);
            let Some((t, texts_due)) = next_moment(&self.services, next_event).await? else { break };
            if t > now {
                break;
            }
            self.set_clock(t);
            if texts_due {
                let round = self.services.send_due_texts().await.map_err(|e| e.to_string())?;
                self.done.texts += round.sent;
                self.plan_reactions(last_send_check, t).await?;
                last_send_check = t;
            }
            while let Some(Reverse((when, _, _))) = self.events.peek() {
                if *when > t {
                    break;
                }
                let Some(Reverse((_, _, event))) = self.events.pop() else { break };
                self.handle(event, t).await?;
            }
        }
        // Now: the reactions planned for later have not happened yet.
        self.set_clock(now);
        let round = self.services.send_due_texts().await.map_err(|e| e.to_string())?;
        self.done.texts += round.sent;
        self.services.sweep().await.map_err(|e| e.to_string())?;
        Ok(self.done)
    }

    async fn handle(&mut self, event: Event, t: OdDateTime) -> Result<(), String> {
        match event {
            Event::Offer { clinic, day } => self.offer(clinic, day, t).await,
            Event::View { code } => crate::service::patient::view(&self.services, &code).await.map(|_| ()).map_err(|e| e.to_string()),
            Event::Answer { code, answer } => {
                let answer = match answer {
                    0 => PatientAnswer::Accept,
                    1 => PatientAnswer::Decline,
                    _ => PatientAnswer::StopOffers,
                };
                let page = crate::service::claim::answer(&self.services, &code, answer, app::domain::confirmation::LinkFrom::Text).await.map_err(|e| e.to_string())?;
                if matches!(page, app::view::patient::PatientPage::Booked { .. }) && answer == PatientAnswer::Accept {
                    self.done.claims += 1;
                }
                Ok(())
            }
            Event::Sweep => self.services.sweep().await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }

    /// A practice manager picks a free time in the clinic's day and offers it to the patients
    /// on the ASAP list who fit, as the slot picker suggests.
    async fn offer(&mut self, clinic: i64, day: OdDate, t: OdDateTime) -> Result<(), String> {
        let board = self
            .services
            .day(&DayQuery { clinic: Some(clinic.to_string()), date: Some(day.to_string()) }, None)
            .await
            .map_err(|e| e.to_string())?;
        let earliest = t.plus_minutes(60);
        let latest_start = dt(day, closing_minutes(day) - 30);
        let mut spans: Vec<(i64, OdDateTime, i64)> = Vec::new();
        for col in &board.columns {
            for free in &col.free {
                let start = free.start.max(earliest);
                let start = round_up(start, board.increment);
                let minutes = start.minutes_until(free.end);
                if minutes >= 30 && start <= latest_start {
                    spans.push((col.op.operatory_num, start, minutes));
                }
            }
        }
        if spans.is_empty() {
            return Ok(());
        }
        let (op, start, free) = spans[self.rng.random_range(0..spans.len())];
        let wanted = self.rng.random_range(3..=7);
        // The list as the picker shows it once a time is chosen: those who fit, in the list's order.
        let fitting = self
            .services
            .asap_list_page(&AsapListQuery { clinic, fits_minutes: Some(free), ..Default::default() }, None)
            .await
            .map_err(|e| e.to_string())?;
        let targets: Vec<OfferTarget> = fitting
            .candidates
            .iter()
            // Staff mostly pick patients a text can reach, now and then one who cannot, and skip
            // some for reasons of their own.
            .filter(|c| {
                let roll = self.rng.random_range(0..100);
                roll < 70 && (c.not_textable.is_none() || roll < 4)
            })
            .take(wanted)
            .map(|c| match c.key {
                CandidateKey::Appointment(n) => OfferTarget::Appointment(n),
                CandidateKey::Recall(n) => OfferTarget::Recall(n),
            })
            .collect();
        if targets.is_empty() {
            return Ok(());
        }
        let staff: Vec<&(Actor, Option<Vec<i64>>)> =
            self.staff.iter().filter(|(_, clinics)| clinics.as_ref().is_none_or(|c| c.contains(&clinic))).collect();
        let Some((by, clinics)) = staff.get(self.rng.random_range(0..staff.len().max(1))).map(|s| (*s).clone()) else { return Ok(()) };
        let request = OfferRequest {
            op,
            date_time_start: start.to_string(),
            date_time_end: None,
            targets,
            by,
            clinics,
            send_mode: SendMode::Preferred,
            message: None,
        };
        match self.services.offer(request).await {
            Ok(_) => {
                self.done.openings += 1;
                // The sweep closes it when it starts, if nobody took it.
                self.at(start, Event::Sweep);
                Ok(())
            }
            // Someone else's offer or a claim took the time a moment ago: the manager moves on.
            Err(crate::service::ServiceError::Conflict(_)) | Err(crate::service::ServiceError::BadRequest(_)) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Decides how each patient who just got a text will react, and when.
    async fn plan_reactions(&mut self, since: OdDateTime, now: OdDateTime) -> Result<(), String> {
        let sent = {
            let mut conn = self.services.store.pool().acquire().await.map_err(|e| e.to_string())?;
            store::sending::texts_sent_since(&mut conn, since).await.map_err(|e| e.to_string())?
        };
        for (num, code) in sent {
            if !self.reacted.insert(num) {
                continue;
            }
            let roll = self.rng.random_range(0..100);
            let view_after = self.rng.random_range(2..120);
            let view_at = now.plus_minutes(view_after);
            match roll {
                0..=39 => {}
                40..=59 => self.at(view_at, Event::View { code }),
                60..=76 => {
                    self.at(view_at, Event::View { code: code.clone() });
                    let accept_at = view_at.plus_minutes(self.rng.random_range(1..6));
                    self.at(accept_at, Event::Answer { code, answer: 0 });
                }
                77..=91 => {
                    self.at(view_at, Event::View { code: code.clone() });
                    let at = view_at.plus_minutes(self.rng.random_range(1..4));
                    self.at(at, Event::Answer { code, answer: 1 });
                }
                92..=94 => {
                    self.at(view_at, Event::View { code: code.clone() });
                    let at = view_at.plus_minutes(self.rng.random_range(1..4));
                    self.at(at, Event::Answer { code, answer: 2 });
                }
                _ => {
                    // Seen much later, when the opening may be gone.
                    let late = now.plus_minutes(self.rng.random_range(240..2000));
                    self.at(late, Event::View { code });
                }
            }
        }
        Ok(())
    }
}

/// When the simulated clock moves to next: the soonest of `next_event` and the next queued text or
/// email, and whether messages are due then. None when nothing is left to happen.
pub(super) async fn next_moment(services: &Services, next_event: Option<OdDateTime>) -> Result<Option<(OdDateTime, bool)>, String> {
    let next_text = services.next_text_due().await.map_err(|e| e.to_string())?;
    let t = match (next_event, next_text) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => return Ok(None),
    };
    Ok(Some((t, next_text.is_some_and(|due| due <= t))))
}

fn round_up(t: OdDateTime, increment: i64) -> OdDateTime {
    app::domain::slots::round_up_to_increment(t, increment.max(5))
}

/// The last moment before `now` that someone was at the front desk of an open day.
fn last_desk_time(now: OdDateTime) -> OdDateTime {
    let mut day = now.date();
    for _ in 0..14 {
        if is_open(day) {
            let opens = dt(day, DESK_OPENS);
            let closes = dt(day, DESK_CLOSES);
            if now >= opens {
                return now.min(closes);
            }
        }
        day = day.add_days(-1);
    }
    now
}
