//! The fill benchmark's replay (`cargo bench -p server --bench fill`): the same eight weeks of
//! openings at the demo practice, offered and answered through the real use cases on a
//! simulated clock, with the features under test on or off. Only the features change between
//! runs; the openings, the patients and how each patient answers each opening do not.
//!
//! **The openings.** Each open weekday, one per clinic, in a random operatory at a random start
//! (9:00 to 16:00, on the ten minutes) where the office's book is free, 30, 60, 90 or 120 minutes
//! long (20, 40, 25 and 15 in a hundred). Staff offer it either the evening before (half of them)
//! or that morning, 1½ to 5 hours ahead, by text, to the first six patients the picker lists as
//! fitting and reachable: in the asking order with ranking on, in the ASAP list's order without.
//!
//! **The patients** (a model seeded by the run's seed, documented here because the figures
//! depend on it). Each patient has fixed traits:
//! - how keen they are: 20 in a hundred take an offer that suits them 55% of the time, 45 in a
//!   hundred 25%, and the other 35 only 6% (they rarely read these texts);
//! - a part of the day they prefer (half mornings, half afternoons): an opening in it is 1.4 times
//!   as likely to be taken, one outside it 0.6 times;
//! - whether they would rather text back than open a link (45 in a hundred).
//!
//! For each opening a patient is texted about, whether they want it is one draw from
//! (seed, patient, opening start), the same in every run. Those who want it answer after a delay
//! set by their keenness (2–20, 10–90 or 30–240 minutes): by opening the link and booking; or,
//! for those who would rather reply, by texting YES a few minutes after the text when booking by
//! reply is on, and otherwise by opening the link only half the time, twice as late. Of those who
//! do not want it, one in four declines on the link page; the rest never answer. A patient who
//! gets a numbered list in reply to YES answers 1.

use super::carrier::DemoCarrier;
use super::practice::dt;
use crate::clock::{FixedClock, OfficeClock, ZoneMinutes};
use crate::service::{Actor, OfferRequest, OfferTarget, Services};
use crate::sms::OutboxProvider;
use crate::store::{self, Store};
use app::domain::Span;
use app::domain::answer::PatientAnswer;
use app::domain::channels::SendMode;
use app::domain::confirmation::LinkFrom;
use app::domain::length::appointment_minutes;
use app::domain::occupancy::occupies_time;
use app::model::{OdDate, OdDateTime, OpeningState};
use app::view::day::{AsapListQuery, CandidateKey};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::sync::Arc;

/// What a run has on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Features {
    /// Waves ask patients in the asking order (else the ASAP list's order).
    pub ranking: bool,
    /// A claim that takes part of an opening offers the rest on.
    pub splitting: bool,
    /// Patients can book by texting YES.
    pub reply_claims: bool,
}

/// What a run filled.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FillFigures {
    /// Openings staff offered, and their chair minutes.
    pub openings: usize,
    pub offered_minutes: i64,
    /// Chair minutes booked, over every part of every opening.
    pub filled_minutes: i64,
    /// Openings staff offered of which at least a part was booked.
    pub openings_filled: usize,
    /// Bookings (a split opening's parts each count).
    pub bookings: usize,
    pub texts: i64,
    /// From an opening's first text to its booking, over the bookings.
    pub median_minutes_to_fill: Option<i64>,
}

impl FillFigures {
    /// Booked chair minutes over offered ones, in percent.
    pub fn fill_rate(&self) -> f64 {
        if self.offered_minutes == 0 { 0.0 } else { 100.0 * self.filled_minutes as f64 / self.offered_minutes as f64 }
    }

    pub fn texts_per_booking(&self) -> Option<f64> {
        (self.bookings > 0).then(|| self.texts as f64 / self.bookings as f64)
    }
}

/// The first Monday of the replay; the book of the demo practice is made around four weeks later.
const FIRST_DAY: &str = "2031-03-03";
const WEEKS: i64 = 8;
/// Patients staff offer each opening to.
const ASKED: usize = 6;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Offer(usize),
    View { code: String },
    Answer { code: String, accept: bool },
    Reply { phone: String, body: String },
    Sweep,
}

#[derive(Clone, Debug)]
struct PlannedOpening {
    clinic: i64,
    op: i64,
    span: Span,
}

/// Runs the eight weeks on an empty database, with `features`; `seed` draws the openings and
/// the patients alike in every run.
pub async fn replay(store: &Store, office: &OfficeClock, features: Features, seed: u64) -> Result<FillFigures, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let first = OdDate::parse(FIRST_DAY).map_err(|e| err(&e))?;
    let data = super::practice::office(first.add_days(28));
    let clinics: Vec<i64> = data.clinics.iter().map(|c| c.clinic_num).collect();
    let mut tx = store.begin_write().await.map_err(|e| err(&e))?;
    crate::import::write_all(&mut tx, &data, &crate::progress::Progress::hidden()).await.map_err(|e| err(&e))?;
    store.sync_identity_counters(&mut tx).await.map_err(|e| err(&e))?;
    let prefs = store::office::preferences(&mut tx).await.map_err(|e| err(&e))?;
    let message = store::templates::for_clinic(&mut tx, 0, &prefs).await.map_err(|e| err(&e))?.message;
    let switches = store::templates::Switches { confirm_booking: true, split_openings: features.splitting, gap_gone_notice: false };
    store::templates::save(&mut tx, store::templates::WHOLE_OFFICE, &message, switches).await.map_err(|e| err(&e))?;
    tx.commit().await.map_err(|e| err(&e))?;

    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let office = office.with_clock(clock.clone());
    let zone = ZoneMinutes(office.zone(&prefs));
    let carrier = Arc::new(DemoCarrier::new(OutboxProvider::new(store.clone())));
    let services = Services::new(store.clone(), office, "https://asap.example.test".into())
        .with_sms(carrier)
        .with_ranked_waves(features.ranking);
    let mut run = Replay {
        services,
        clock,
        zone,
        features,
        seed,
        events: BinaryHeap::new(),
        seq: 0,
        reacted: HashSet::new(),
        openings: Vec::new(),
    };
    run.plan(first, &clinics).await?;
    run.run(last_moment(first)).await?;
    run.figures().await
}

struct Replay {
    services: Services,
    clock: Arc<FixedClock>,
    zone: ZoneMinutes,
    features: Features,
    seed: u64,
    events: BinaryHeap<Reverse<(OdDateTime, u64, Event)>>,
    seq: u64,
    reacted: HashSet<i64>,
    openings: Vec<PlannedOpening>,
}

impl Replay {
    fn at(&mut self, when: OdDateTime, event: Event) {
        self.seq += 1;
        self.events.push(Reverse((when, self.seq, event)));
    }

    /// One opening per clinic and open weekday, where the office's book (before any claim) is
    /// free; openings never overlap, so every one is still free when it is offered.
    async fn plan(&mut self, first: OdDate, clinics: &[i64]) -> Result<(), String> {
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut conn = self.services.store.pool().acquire().await.map_err(|e| e.to_string())?;
        let ops = store::office::operatories(&mut conn, None).await.map_err(|e| e.to_string())?;
        for offset in 0..7 * WEEKS {
            let day = first.add_days(offset);
            if !super::calendar::is_open(day) || chrono::Datelike::weekday(&day.get()).number_from_monday() > 5 {
                continue;
            }
            for &clinic in clinics {
                let in_clinic: Vec<i64> = ops.iter().filter(|o| o.clinic_num == clinic && !o.is_hidden.0).map(|o| o.operatory_num).collect();
                if in_clinic.is_empty() {
                    continue;
                }
                let minutes = match rng.random_range(0..100) {
                    0..20 => 30,
                    20..60 => 60,
                    60..85 => 90,
                    _ => 120,
                };
                // Every free place for it (in the book as it stands before any claim), on the
                // ten minutes; one drawn from them.
                let taken: Vec<(i64, Span)> = store::book::appointments_in_operatories(&mut conn, &in_clinic, day.add_days(-1).start(), day.add_days(1).start())
                    .await
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .filter(|a| occupies_time(a.apt_status))
                    .map(|a| (a.op, Span::starting_at(a.apt_date_time, appointment_minutes(&a.pattern))))
                    .collect();
                // Blockouts (lunch, meetings) count as taken too.
                let mut taken = taken;
                for &op in &in_clinic {
                    let filter = store::book::ScheduleFilter {
                        date_start: day,
                        date_end: day,
                        sched_type: Some(app::model::SchedType::Blockout),
                        blockout_def_num: None,
                        prov_num: None,
                        operatory_num: Some(op),
                        offset: 0,
                        limit: i64::MAX,
                    };
                    for block in store::book::schedules(&mut conn, &filter).await.map_err(|e| e.to_string())? {
                        let span = Span::new(OdDateTime::from_parts(day, block.start_time), OdDateTime::from_parts(day, block.stop_time));
                        taken.push((op, span));
                    }
                }
                let mut places = Vec::new();
                for &op in &in_clinic {
                    for step in 0..=(7 * 60 - minutes) / 10 {
                        let span = Span::starting_at(dt(day, 9 * 60 + 10 * step), minutes);
                        let clear = !taken.iter().any(|(o, t)| *o == op && t.overlaps(&span))
                            && !self.openings.iter().any(|o| o.op == op && o.span.overlaps(&span));
                        if clear {
                            places.push((op, span));
                        }
                    }
                }
                if places.is_empty() {
                    continue;
                }
                let (op, span) = places[rng.random_range(0..places.len())];
                let entry = if rng.random_bool(0.5) {
                    dt(previous_open_day(day), 16 * 60 + 30)
                } else {
                    span.start.plus_minutes(-rng.random_range(90..=300)).max(dt(day, 7 * 60 + 30))
                };
                self.openings.push(PlannedOpening { clinic, op, span });
                self.at(entry, Event::Offer(self.openings.len() - 1));
            }
        }
        let (mut t, end) = (dt(first.add_days(-1), 0), last_moment(first));
        while t < end {
            self.at(t, Event::Sweep);
            t = t.plus_minutes(30);
        }
        Ok(())
    }

    async fn run(&mut self, end: OdDateTime) -> Result<(), String> {
        let mut last_send = OdDateTime::never();
        loop {
            let next_event = self.events.peek().map(|Reverse((t, _, _))| *t);
            let Some((t, texts_due)) = super::simulate::next_moment(&self.services, next_event).await? else { break };
            if t > end {
                break;
            }
            self.clock.set(self.zone.instant(t));
            if texts_due {
                self.services.send_due_texts().await.map_err(|e| e.to_string())?;
                self.plan_reactions(last_send, t).await?;
                last_send = t;
            }
            while let Some(Reverse((when, _, _))) = self.events.peek() {
                if *when > t {
                    break;
                }
                let Some(Reverse((_, _, event))) = self.events.pop() else { break };
                self.handle(event, t).await?;
            }
        }
        self.clock.set(self.zone.instant(end));
        self.services.sweep().await.map_err(|e| e.to_string())?;
        Ok(())
    }

    async fn handle(&mut self, event: Event, t: OdDateTime) -> Result<(), String> {
        match event {
            Event::Offer(i) => self.offer(i).await,
            Event::View { code } => crate::service::patient::view(&self.services, &code).await.map(|_| ()).map_err(|e| e.to_string()),
            Event::Answer { code, accept } => {
                let answer = if accept { PatientAnswer::Accept } else { PatientAnswer::Decline };
                crate::service::claim::answer(&self.services, &code, answer, LinkFrom::Text).await.map(|_| ()).map_err(|e| e.to_string())
            }
            Event::Reply { phone, body } => {
                let answer = self.services.incoming_text(&phone, &body).await.map_err(|e| e.to_string())?;
                if answer.is_some_and(|a| a.contains("openings are waiting")) {
                    self.at(t.plus_minutes(2), Event::Reply { phone, body: "1".into() });
                }
                Ok(())
            }
            Event::Sweep => self.services.sweep().await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }

    /// Staff offer the opening to the first six the picker lists as fitting and reachable.
    async fn offer(&mut self, i: usize) -> Result<(), String> {
        let o = self.openings[i].clone();
        let ranked = self.features.ranking;
        let query = AsapListQuery {
            clinic: o.clinic,
            fits_minutes: Some(o.span.minutes()),
            opening_op: ranked.then_some(o.op),
            opening_start: ranked.then_some(o.span.start),
            ..Default::default()
        };
        let page = self.services.asap_list_page(&query, None).await.map_err(|e| e.to_string())?;
        let targets: Vec<OfferTarget> = page
            .candidates
            .iter()
            .filter(|c| c.details(SendMode::Text).is_some_and(|d| d.reaches()) && c.offered_this_time.is_none())
            .take(ASKED)
            .map(|c| match c.key {
                CandidateKey::Appointment(n) => OfferTarget::Appointment(n),
                CandidateKey::Recall(n) => OfferTarget::Recall(n),
            })
            .collect();
        if targets.is_empty() {
            return Ok(());
        }
        let request = OfferRequest {
            op: o.op,
            date_time_start: o.span.start.to_string(),
            date_time_end: Some(o.span.end.to_string()),
            targets,
            by: Actor { user_num: 0, name: "replay".into() },
            clinics: None,
            send_mode: SendMode::Text,
            message: None,
        };
        match self.services.offer(request).await {
            Ok(_) => Ok(()),
            // Not expected: the planned time was free, and the patients were just listed.
            Err(crate::service::ServiceError::Conflict(why) | crate::service::ServiceError::BadRequest(why)) => {
                tracing::warn!(why, "a replayed opening was not offered");
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// How each patient just texted answers, from the model above.
    async fn plan_reactions(&mut self, since: OdDateTime, now: OdDateTime) -> Result<(), String> {
        let mut conn = self.services.store.pool().acquire().await.map_err(|e| e.to_string())?;
        let sent = store::sending::texts_sent_since(&mut conn, since).await.map_err(|e| e.to_string())?;
        for (num, code) in sent {
            if !self.reacted.insert(num) {
                continue;
            }
            let Some(offer) = store::answers::offer_by_num(&mut conn, num).await.map_err(|e| e.to_string())? else { continue };
            let Some(patient) = store::office::patient(&mut conn, offer.pat_num).await.map_err(|e| e.to_string())? else { continue };
            let traits = Traits::of(self.seed, offer.pat_num);
            let start = offer.span.start;
            let morning = chrono::Timelike::hour(&start.get()) < 12;
            let likely = (traits.keenness * if morning == traits.mornings { 1.4 } else { 0.6 }).min(0.9);
            let draw = unit(self.seed, offer.pat_num, start, 1);
            let (low, high) = traits.delay;
            let delay = low + (unit(self.seed, offer.pat_num, start, 2) * (high - low) as f64) as i64;
            if draw < likely {
                if traits.replies {
                    if self.features.reply_claims {
                        let after = 1 + (unit(self.seed, offer.pat_num, start, 3) * 9.0) as i64;
                        self.at(now.plus_minutes(after), Event::Reply { phone: patient.wireless_phone.clone(), body: "YES".into() });
                    } else if unit(self.seed, offer.pat_num, start, 4) < 0.5 {
                        self.at(now.plus_minutes(2 * delay), Event::View { code: code.clone() });
                        self.at(now.plus_minutes(2 * delay + 2), Event::Answer { code, accept: true });
                    }
                } else {
                    self.at(now.plus_minutes(delay), Event::View { code: code.clone() });
                    self.at(now.plus_minutes(delay + 2), Event::Answer { code, accept: true });
                }
            } else if draw < likely + (1.0 - likely) / 4.0 {
                self.at(now.plus_minutes(delay), Event::View { code: code.clone() });
                self.at(now.plus_minutes(delay + 1), Event::Answer { code, accept: false });
            }
        }
        Ok(())
    }

    async fn figures(&self) -> Result<FillFigures, String> {
        let mut conn = self.services.store.pool().acquire().await.map_err(|e| e.to_string())?;
        let rows: Vec<(OdDateTime, OdDateTime, OpeningState, OdDateTime, OdDateTime, OdDateTime, i64)> = sqlx::query_as(
            "SELECT slotstart, slotstop, state, takenstop, firstmessage, closedat, parent FROM asapopening",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
        let mut f = FillFigures::default();
        let mut waits = Vec::new();
        for (start, stop, state, taken_stop, first_message, closed_at, parent) in rows {
            if parent == 0 {
                f.openings += 1;
                f.offered_minutes += start.minutes_until(stop);
                if state == OpeningState::Filled {
                    f.openings_filled += 1;
                }
            }
            if state == OpeningState::Filled {
                f.bookings += 1;
                f.filled_minutes += start.minutes_until(taken_stop.known().unwrap_or(stop));
                if let Some(first) = first_message.known() {
                    waits.push(first.minutes_until(closed_at).max(0));
                }
            }
        }
        waits.sort_unstable();
        f.median_minutes_to_fill = waits.get(waits.len() / 2).copied();
        f.texts = sqlx::query_scalar("SELECT COUNT(*) FROM asapcomm WHERE smssendstatus IN (3, 5)")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok(f)
    }
}

/// One patient's fixed traits, from the seed and their number.
struct Traits {
    /// How likely they take an offer that suits them.
    keenness: f64,
    /// Whether they prefer mornings (else afternoons).
    mornings: bool,
    /// They would rather text back than open a link.
    replies: bool,
    /// The range of minutes they take to answer.
    delay: (i64, i64),
}

impl Traits {
    fn of(seed: u64, pat_num: i64) -> Traits {
        let tier = unit(seed, pat_num, OdDateTime::never(), 10);
        let (keenness, delay) = if tier < 0.20 {
            (0.55, (2, 20))
        } else if tier < 0.65 {
            (0.25, (10, 90))
        } else {
            (0.06, (30, 240))
        };
        Traits {
            keenness,
            mornings: unit(seed, pat_num, OdDateTime::never(), 11) < 0.5,
            replies: unit(seed, pat_num, OdDateTime::never(), 12) < 0.45,
            delay,
        }
    }
}

/// A number in [0, 1) fixed by the seed, the patient, the opening and what it is drawn for.
fn unit(seed: u64, pat_num: i64, at: OdDateTime, what: u64) -> f64 {
    // SplitMix64 over the inputs: cheap, well mixed, and the same on every machine.
    let mut x = seed ^ (pat_num as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ what.wrapping_mul(0xD1B5_4A32_D192_ED03);
    x ^= at.get().and_utc().timestamp() as u64;
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// The replay runs to late on the day after its last week.
fn last_moment(first: OdDate) -> OdDateTime {
    dt(first.add_days(7 * WEEKS), 23 * 60)
}

fn previous_open_day(day: OdDate) -> OdDate {
    (1..10).map(|n| day.add_days(-n)).find(|d| super::calendar::is_open(*d)).unwrap_or(day.add_days(-1))
}
