//! Who is asked first for an opening: a score for each fitting patient, from the office's own
//! records, with every input shown in words beside the name.
//!
//! Only what staff and the patient could both see and find fair goes in: how they answered
//! earlier offers, how long they have waited, how often they were asked this week, how well
//! their visit fits the gap, whether the opening is with their provider, and when they have
//! accepted before. Nothing about the patient themselves (age, balance, insurance) is an input.

use crate::domain::asap_list::CandidateKind;
use crate::model::{AptStatus, OdDate, OdDateTime, Operatory, ResponseStatus};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

/// One patient's answers on record, the same whatever the opening: the server reads it from the
/// offers on record, and the picker ranks against the opening staff choose.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerHistory {
    pub accepted: u32,
    pub declined: u32,
    pub unanswered: u32,
    /// Accepted offers by their opening's weekday, Monday first.
    pub accepted_by_weekday: [u32; 7],
    /// Accepted offers by their opening's part of the day: morning, afternoon, evening.
    pub accepted_by_part_of_day: [u32; 3],
    /// Offers texted or emailed to them in the last seven days.
    pub offers_this_week: u32,
}

impl AnswerHistory {
    /// Counts one accepted offer for an opening that started at `start`.
    pub fn add_accepted(&mut self, start: OdDateTime) {
        self.accepted += 1;
        // An offer imported without its opening has no time to learn a pattern from.
        let Some(start) = start.known() else { return };
        let at = start.get();
        self.accepted_by_weekday[at.weekday().num_days_from_monday() as usize] += 1;
        self.accepted_by_part_of_day[part_of_day(chrono::Timelike::hour(&at)) as usize] += 1;
    }
}

/// How a patient answered one offer, as the ranking counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Accepted,
    Declined,
    /// The offer's time passed, or the opening was filled, without a word from them.
    Unanswered,
}

/// What one offer on record says of the patient; None when it says nothing: it never reached
/// them (not sent, failed), it is still open, staff took it back, or the time was gone before
/// they could have taken it.
pub fn answer_of(status: ResponseStatus, link_ended: bool, withdrawn_by_staff: bool) -> Option<Answer> {
    use ResponseStatus::*;
    match status {
        AcceptedAndMoved | AcceptedAndNotAvailable => Some(Answer::Accepted),
        Declined | DeclinedStopComm | ChoseDifferentSlot => Some(Answer::Declined),
        Expired if withdrawn_by_staff => None,
        Expired => Some(Answer::Unanswered),
        PendingRsvp | Viewed if link_ended => Some(Answer::Unanswered),
        UnableToSend | AwaitingTransmit | PendingRsvp | Viewed | ViewedNotAvailable | Failed => None,
    }
}

impl AnswerHistory {
    /// Counts one offer on record, for an opening that started at `start`.
    pub fn add(&mut self, answer: Answer, start: OdDateTime) {
        match answer {
            Answer::Accepted => self.add_accepted(start),
            Answer::Declined => self.declined += 1,
            Answer::Unanswered => self.unanswered += 1,
        }
    }
}

/// One offer on record, as the asking order reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OfferOnRecord {
    pub pat_num: i64,
    pub response_status: ResponseStatus,
    pub slot_start: OdDateTime,
    pub expire: OdDateTime,
    pub withdrawn_by_staff: bool,
    /// When its text or its email went; never if neither did.
    pub messaged_at: OdDateTime,
}

/// Each patient's answers from their offers on record, as of `now`.
pub fn histories(offers: &[OfferOnRecord], now: OdDateTime) -> std::collections::HashMap<i64, AnswerHistory> {
    let week_ago = now.plus_minutes(-7 * 24 * 60);
    let mut by_patient: std::collections::HashMap<i64, AnswerHistory> = std::collections::HashMap::new();
    for o in offers {
        let history = by_patient.entry(o.pat_num).or_default();
        let ended = crate::domain::answer::link_has_ended(now, o.slot_start, o.expire);
        if let Some(answer) = answer_of(o.response_status, ended, o.withdrawn_by_staff) {
            history.add(answer, o.slot_start);
        }
        if o.messaged_at.known().is_some_and(|at| at >= week_ago && at <= now) {
            history.offers_this_week += 1;
        }
    }
    by_patient
}

/// Since when a patient on the list has waited: a broken or unscheduled appointment since its
/// time, a recall since it fell due. A scheduled appointment wanting an earlier time, a planned
/// one, or a date still ahead says nothing of the wait.
pub fn waiting_since(kind: CandidateKind, original: OdDateTime, today: OdDate) -> Option<OdDate> {
    match kind {
        CandidateKind::Appointment(AptStatus::Broken | AptStatus::UnschedList) | CandidateKind::Recall => {
            original.known().map(OdDateTime::date).filter(|d| *d <= today)
        }
        CandidateKind::Appointment(_) => None,
    }
}

/// When a scheduled appointment that wants an earlier time is booked for; None for everyone
/// else.
pub fn booked_for(kind: CandidateKind, original: OdDateTime) -> Option<OdDate> {
    match kind {
        CandidateKind::Appointment(AptStatus::Scheduled) => original.known().map(OdDateTime::date),
        _ => None,
    }
}

/// The provider whose chair time an opening in this operatory is: its hygienist in a hygiene
/// operatory, else its dentist; 0 when none is set.
pub fn opening_provider(op: &Operatory) -> i64 {
    if op.is_hygiene.0 { op.prov_hygienist } else { op.prov_dentist }
}

/// One opening as a patient's fit for it is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpeningFit {
    pub start: OdDateTime,
    /// The opening's length.
    pub minutes: i64,
    /// The provider whose chair time it is; 0 when unknown.
    pub prov_num: i64,
}

/// One patient on the list, as the ranking needs them beside their history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// Their visit's length.
    pub visit_minutes: i64,
    /// Their appointment's provider; 0 for a recall or when unknown.
    pub prov_num: i64,
    /// Since when they have waited: the broken or unscheduled appointment's date, the recall's
    /// due date; None when the records do not say (a scheduled appointment wanting an earlier one).
    pub since: Option<OdDate>,
    /// A scheduled appointment's date, for one who wants an earlier time (`booked_for`).
    pub booked_for: Option<OdDate>,
}

/// The inputs of `rank` for one patient and one opening, on `today`.
pub fn facts_for(history: &AnswerHistory, patient: Waiting, opening: OpeningFit, today: OdDate) -> RankFacts {
    let at = opening.start.get();
    RankFacts {
        accepted: history.accepted,
        declined: history.declined,
        unanswered: history.unanswered,
        days_waiting: patient.since.map(|since| (today.get() - since.get()).num_days().max(0)),
        booked_for: patient.booked_for.map(|d| (d, (d.get() - opening.start.date().get()).num_days())),
        offers_this_week: history.offers_this_week,
        idle_minutes: opening.minutes - patient.visit_minutes,
        same_provider: opening.prov_num != 0 && opening.prov_num == patient.prov_num,
        accepted_same_weekday: history.accepted_by_weekday[at.weekday().num_days_from_monday() as usize],
        accepted_same_part_of_day: history.accepted_by_part_of_day[part_of_day(chrono::Timelike::hour(&at)) as usize],
        opening_weekday: weekday_name(at.weekday()),
        opening_part_of_day: part_of_day(chrono::Timelike::hour(&at)).name(),
    }
}

fn weekday_name(day: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match day {
        Mon => "Monday",
        Tue => "Tuesday",
        Wed => "Wednesday",
        Thu => "Thursday",
        Fri => "Friday",
        Sat => "Saturday",
        Sun => "Sunday",
    }
}

/// What the records say about one patient who fits one opening.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RankFacts {
    /// Earlier offers they took.
    pub accepted: u32,
    /// Earlier offers they turned down.
    pub declined: u32,
    /// Earlier offers whose opening passed without an answer from them.
    pub unanswered: u32,
    /// Days since their appointment was broken or taken off the book, or since their recall fell
    /// due; None when the records do not say.
    pub days_waiting: Option<i64>,
    /// A scheduled appointment wanting an earlier time: its date, and how many days after the
    /// opening it is. Said in words; it does not change the points.
    pub booked_for: Option<(OdDate, i64)>,
    /// Offers texted or emailed to them in the last seven days.
    pub offers_this_week: u32,
    /// Chair minutes the opening would leave idle around their visit.
    pub idle_minutes: i64,
    /// Their appointment is with the provider whose chair time this is.
    pub same_provider: bool,
    /// Of the offers they took, how many were on the opening's weekday.
    pub accepted_same_weekday: u32,
    /// Of the offers they took, how many were in the opening's part of the day.
    pub accepted_same_part_of_day: u32,
    /// The opening's weekday ("Wednesday") and part of the day ("morning"), for the words.
    pub opening_weekday: &'static str,
    pub opening_part_of_day: &'static str,
}

/// How much each input counts. In one place so the order can be explained and tuned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    /// For a patient who took every earlier offer (the rate is smoothed: one in two with no
    /// history, so a new patient is neither favoured nor held back).
    pub answers: f64,
    /// For the longest wait counted, `wait_cap_days`.
    pub waiting: f64,
    pub wait_cap_days: i64,
    /// Taken off for each offer in the last seven days, up to `asked_cap` offers.
    pub per_offer_this_week: f64,
    pub asked_cap: u32,
    /// Taken off per idle chair minute, up to `idle_cap_minutes`.
    pub per_idle_minute: f64,
    pub idle_cap_minutes: i64,
    pub same_provider: f64,
    /// For a patient whose every acceptance was on the opening's weekday (and in its part of
    /// the day): scaled by the share that was.
    pub same_weekday: f64,
    pub same_part_of_day: f64,
}

pub const WEIGHTS: Weights = Weights {
    answers: 30.0,
    waiting: 25.0,
    wait_cap_days: 180,
    per_offer_this_week: 6.0,
    asked_cap: 4,
    per_idle_minute: 0.25,
    idle_cap_minutes: 60,
    same_provider: 10.0,
    same_weekday: 5.0,
    same_part_of_day: 5.0,
};

/// A patient's place in the asking order, and why, in words staff can read out.
#[derive(Clone, Debug, PartialEq)]
pub struct Rank {
    /// Higher is asked earlier.
    pub points: f64,
    /// Every input, in words: "accepted 2 of 3 earlier offers", "waiting 41 days", …
    pub reasons: Vec<String>,
}

impl Rank {
    /// The reasons on one line, as the picker shows them.
    pub fn reason_line(&self) -> String {
        self.reasons.join(" · ")
    }
}

/// Scores one patient for one opening with `w`.
pub fn rank(facts: &RankFacts, w: &Weights) -> Rank {
    let mut points = 0.0;
    let mut reasons = Vec::new();

    let asked = facts.accepted + facts.declined + facts.unanswered;
    points += w.answers * (f64::from(facts.accepted) + 1.0) / (f64::from(asked) + 2.0);
    reasons.push(if asked == 0 {
        "no earlier offers".to_string()
    } else {
        let mut words = format!("accepted {} of {} earlier {}", facts.accepted, asked, plural(asked, "offer", "offers"));
        if facts.unanswered > 0 {
            words.push_str(&format!(" ({} unanswered)", facts.unanswered));
        }
        words
    });

    match facts.days_waiting {
        Some(days) if days > 0 => {
            points += w.waiting * days.min(w.wait_cap_days) as f64 / w.wait_cap_days as f64;
            reasons.push(format!("waiting {days} {}", plural(days as u32, "day", "days")));
        }
        Some(_) => reasons.push("waiting since today".into()),
        None => reasons.push(match facts.booked_for {
            Some((day, later)) if later > 0 => {
                format!("booked {later} {} later ({})", plural(later as u32, "day", "days"), crate::domain::datetext::short_day(day))
            }
            Some((day, _)) => format!("booked for {}", crate::domain::datetext::short_day(day)),
            None => "no waiting time on record".into(),
        }),
    }

    if facts.offers_this_week > 0 {
        points -= w.per_offer_this_week * f64::from(facts.offers_this_week.min(w.asked_cap));
        reasons.push(format!(
            "asked {} {} in the last 7 days",
            facts.offers_this_week,
            plural(facts.offers_this_week, "time", "times")
        ));
    } else {
        reasons.push("not asked in the last 7 days".into());
    }

    let idle = facts.idle_minutes.max(0);
    points -= w.per_idle_minute * idle.min(w.idle_cap_minutes) as f64;
    reasons.push(if idle == 0 { "fills the time exactly".into() } else { format!("leaves {idle} min of it unused") });

    if facts.same_provider {
        points += w.same_provider;
        reasons.push("same provider".into());
    }

    if facts.accepted > 0 {
        let share = |n: u32| f64::from(n.min(facts.accepted)) / f64::from(facts.accepted);
        points += w.same_weekday * share(facts.accepted_same_weekday) + w.same_part_of_day * share(facts.accepted_same_part_of_day);
        let day = if facts.opening_weekday.is_empty() { "this weekday" } else { facts.opening_weekday };
        let part = if facts.opening_part_of_day.is_empty() { "this time of day" } else { facts.opening_part_of_day };
        if facts.accepted_same_weekday > 0 {
            let n = facts.accepted_same_weekday;
            reasons.push(format!("accepted {n} {} on a {day}", plural(n, "offer", "offers")));
        }
        if facts.accepted_same_part_of_day > 0 {
            let n = facts.accepted_same_part_of_day;
            reasons.push(format!("accepted {n} {} in the {part}", plural(n, "offer", "offers")));
        }
    }

    Rank { points, reasons }
}

/// Morning, afternoon or evening: when a patient tends to accept is compared by this.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartOfDay {
    Morning = 0,
    Afternoon = 1,
    Evening = 2,
}

impl PartOfDay {
    pub fn name(self) -> &'static str {
        match self {
            PartOfDay::Morning => "morning",
            PartOfDay::Afternoon => "afternoon",
            PartOfDay::Evening => "evening",
        }
    }
}

pub fn part_of_day(hour: u32) -> PartOfDay {
    match hour {
        0..=11 => PartOfDay::Morning,
        12..=16 => PartOfDay::Afternoon,
        _ => PartOfDay::Evening,
    }
}

fn plural(n: u32, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(facts: RankFacts) -> f64 {
        rank(&facts, &WEIGHTS).points
    }

    #[test]
    fn a_new_patient_scores_the_neutral_answer_rate_and_reads_as_new() {
        let r = rank(&RankFacts { days_waiting: Some(0), ..RankFacts::default() }, &WEIGHTS);
        // (0 + 1) / (0 + 2) × 30 = 15; nothing else counts.
        assert_eq!(r.points, 15.0);
        assert_eq!(r.reason_line(), "no earlier offers · waiting since today · not asked in the last 7 days · fills the time exactly");
    }

    #[test]
    fn hand_checked_patient() {
        // Accepted 2 of 3 (1 unanswered), waiting 41 days, asked once this week, 30 minutes
        // idle, same provider, both accepts on this weekday, one in this part of the day.
        let facts = RankFacts {
            accepted: 2,
            declined: 0,
            unanswered: 1,
            days_waiting: Some(41),
            offers_this_week: 1,
            idle_minutes: 30,
            same_provider: true,
            accepted_same_weekday: 2,
            accepted_same_part_of_day: 1,
            booked_for: None,
            opening_weekday: "Tuesday",
            opening_part_of_day: "morning",
        };
        let r = rank(&facts, &WEIGHTS);
        // answers 30 × 3/5 = 18; waiting 25 × 41/180 = 5.694…; asked −6; idle −7.5;
        // provider +10; weekday 5 × 2/2 = 5; part of day 5 × 1/2 = 2.5.
        let expected = 18.0 + 25.0 * 41.0 / 180.0 - 6.0 - 7.5 + 10.0 + 5.0 + 2.5;
        assert!((r.points - expected).abs() < 1e-9, "{} vs {expected}", r.points);
        assert_eq!(
            r.reason_line(),
            "accepted 2 of 3 earlier offers (1 unanswered) · waiting 41 days · asked 1 time in the last 7 days · \
             leaves 30 min of it unused · same provider · accepted 2 offers on a Tuesday · accepted 1 offer in the morning"
        );
    }

    #[test]
    fn a_booked_patient_reads_by_how_much_sooner_the_opening_is() {
        let day = OdDate::parse("2026-12-22").unwrap();
        let base = RankFacts { booked_for: Some((day, 20)), ..RankFacts::default() };
        assert!(rank(&base, &WEIGHTS).reasons.contains(&"booked 20 days later (Tue 12/22)".to_string()));
        let same_day = RankFacts { booked_for: Some((day, 0)), ..RankFacts::default() };
        assert!(rank(&same_day, &WEIGHTS).reasons.contains(&"booked for Tue 12/22".to_string()));
        assert_eq!(points(base), points(RankFacts::default()), "words only: the booking does not change the points");
        let planned = rank(&RankFacts::default(), &WEIGHTS);
        assert!(planned.reasons.contains(&"no waiting time on record".to_string()));
        let opening = OpeningFit { start: OdDateTime::parse("2026-12-02 10:20:00").unwrap(), minutes: 60, prov_num: 0 };
        let booked = Waiting { visit_minutes: 60, prov_num: 0, since: None, booked_for: Some(day) };
        let facts = facts_for(&AnswerHistory::default(), booked, opening, OdDate::parse("2026-12-01").unwrap());
        assert_eq!(facts.booked_for, Some((day, 20)));
        assert_eq!(booked_for(CandidateKind::Appointment(AptStatus::Scheduled), OdDateTime::parse("2026-12-22 09:00:00").unwrap()), Some(day));
        assert_eq!(booked_for(CandidateKind::Appointment(AptStatus::UnschedList), OdDateTime::parse("2026-12-22 09:00:00").unwrap()), None);
    }

    #[test]
    fn each_input_moves_the_score_the_fair_way() {
        let base = RankFacts { accepted: 1, declined: 1, days_waiting: Some(30), idle_minutes: 10, ..RankFacts::default() };
        assert!(points(RankFacts { accepted: 2, ..base }) > points(base), "more accepts, earlier");
        assert!(points(RankFacts { declined: 3, ..base }) < points(base), "more declines, later");
        assert!(points(RankFacts { unanswered: 3, ..base }) < points(base), "never answering, later");
        assert!(points(RankFacts { days_waiting: Some(90), ..base }) > points(base), "waited longer, earlier");
        assert!(points(RankFacts { offers_this_week: 2, ..base }) < points(base), "asked often this week, later");
        assert!(points(RankFacts { idle_minutes: 0, ..base }) > points(base), "a tighter fit, earlier");
        assert!(points(RankFacts { same_provider: true, ..base }) > points(base));
        assert!(points(RankFacts { accepted_same_weekday: 1, ..base }) > points(base));
    }

    #[test]
    fn caps_keep_one_input_from_swamping_the_rest() {
        let base = RankFacts { days_waiting: Some(180), ..RankFacts::default() };
        assert_eq!(points(RankFacts { days_waiting: Some(2000), ..base }), points(base), "waits past the cap count as the cap");
        let asked = |n| points(RankFacts { offers_this_week: n, ..base });
        assert_eq!(asked(4), asked(40), "asking past the cap takes off no more");
        let idle = |m| points(RankFacts { idle_minutes: m, ..base });
        assert_eq!(idle(60), idle(600));
        assert_eq!(idle(-5), idle(0), "a negative gap is a caller's slip, not a bonus");
    }

    #[test]
    fn pattern_shares_never_exceed_the_accepts() {
        let facts = RankFacts { accepted: 1, accepted_same_weekday: 5, accepted_same_part_of_day: 5, ..RankFacts::default() };
        let all = RankFacts { accepted: 1, accepted_same_weekday: 1, accepted_same_part_of_day: 1, ..RankFacts::default() };
        assert_eq!(points(facts), points(all));
    }

    #[test]
    fn unknown_waits_say_so() {
        let r = rank(&RankFacts::default(), &WEIGHTS);
        assert!(r.reasons.contains(&"no waiting time on record".to_string()));
    }

    #[test]
    fn an_opening_is_judged_against_the_patients_history() {
        let at = |s: &str| OdDateTime::parse(s).unwrap();
        let mut history = AnswerHistory { declined: 1, unanswered: 1, offers_this_week: 2, ..AnswerHistory::default() };
        // Two Tuesday mornings and a Thursday afternoon taken before.
        history.add_accepted(at("2026-11-03 09:00:00"));
        history.add_accepted(at("2026-11-10 10:30:00"));
        history.add_accepted(at("2026-11-19 14:00:00"));
        assert_eq!(history.accepted, 3);
        let patient = Waiting { visit_minutes: 60, prov_num: 7, since: Some(OdDate::parse("2026-10-21").unwrap()), booked_for: None };
        // A Tuesday morning, 90 minutes, with their provider.
        let opening = OpeningFit { start: at("2026-12-01 08:00:00"), minutes: 90, prov_num: 7 };
        let facts = facts_for(&history, patient, opening, OdDate::parse("2026-12-01").unwrap());
        assert_eq!(
            facts,
            RankFacts {
                accepted: 3,
                declined: 1,
                unanswered: 1,
                days_waiting: Some(41),
                offers_this_week: 2,
                idle_minutes: 30,
                same_provider: true,
                accepted_same_weekday: 2,
                accepted_same_part_of_day: 2,
                booked_for: None,
                opening_weekday: "Tuesday",
                opening_part_of_day: "morning",
            }
        );
        // Another provider's Friday evening; a wait that starts later than today counts as none.
        let opening = OpeningFit { start: at("2026-12-04 17:30:00"), minutes: 60, prov_num: 8 };
        let later = Waiting { since: Some(OdDate::parse("2026-12-20").unwrap()), ..patient };
        let facts = facts_for(&history, later, opening, OdDate::parse("2026-12-01").unwrap());
        assert_eq!((facts.same_provider, facts.accepted_same_weekday, facts.accepted_same_part_of_day), (false, 0, 0));
        assert_eq!((facts.days_waiting, facts.idle_minutes), (Some(0), 0));
        let unknown = OpeningFit { prov_num: 0, ..opening };
        assert!(!facts_for(&history, Waiting { prov_num: 0, ..patient }, unknown, OdDate::parse("2026-12-01").unwrap()).same_provider);
    }

    #[test]
    fn only_answers_the_patient_gave_or_let_pass_count() {
        use ResponseStatus::*;
        assert_eq!(answer_of(AcceptedAndMoved, false, false), Some(Answer::Accepted));
        assert_eq!(answer_of(AcceptedAndNotAvailable, true, false), Some(Answer::Accepted), "said yes, too late: still a yes");
        assert_eq!(answer_of(Declined, false, false), Some(Answer::Declined));
        assert_eq!(answer_of(DeclinedStopComm, false, false), Some(Answer::Declined));
        assert_eq!(answer_of(Expired, true, false), Some(Answer::Unanswered));
        assert_eq!(answer_of(Expired, true, true), None, "staff took it back");
        assert_eq!(answer_of(PendingRsvp, true, false), Some(Answer::Unanswered));
        assert_eq!(answer_of(PendingRsvp, false, false), None, "still open");
        assert_eq!(answer_of(Viewed, true, false), Some(Answer::Unanswered));
        assert_eq!(answer_of(ViewedNotAvailable, true, false), None, "it was gone when they looked");
        for never_reached in [UnableToSend, AwaitingTransmit, Failed] {
            assert_eq!(answer_of(never_reached, true, false), None);
        }
        let mut history = AnswerHistory::default();
        let at = OdDateTime::parse("2026-11-05 15:00:00").unwrap();
        for answer in [Answer::Accepted, Answer::Declined, Answer::Unanswered, Answer::Unanswered] {
            history.add(answer, at);
        }
        assert_eq!((history.accepted, history.declined, history.unanswered), (1, 1, 2));
        history.add(Answer::Accepted, OdDateTime::never());
        assert_eq!(history.accepted, 2);
        assert_eq!(history.accepted_by_weekday.iter().sum::<u32>(), 1, "no time, no pattern");
        assert_eq!(history.accepted_by_weekday[3], 1, "a Thursday");
        assert_eq!(history.accepted_by_part_of_day[PartOfDay::Afternoon as usize], 1);
    }

    #[test]
    fn histories_from_the_offers_on_record() {
        let at = |s: &str| OdDateTime::parse(s).unwrap();
        let now = at("2026-12-01 12:00:00");
        let offer = |pat_num, response_status, slot: &str, messaged: &str| OfferOnRecord {
            pat_num,
            response_status,
            slot_start: at(slot),
            expire: OdDateTime::never(),
            withdrawn_by_staff: false,
            messaged_at: at(messaged),
        };
        let offers = [
            offer(1, ResponseStatus::AcceptedAndMoved, "2026-11-17 09:00:00", "2026-11-16 08:00:00"),
            offer(1, ResponseStatus::PendingRsvp, "2026-11-20 09:00:00", "2026-11-19 08:00:00"),
            offer(1, ResponseStatus::PendingRsvp, "2026-12-02 09:00:00", "2026-11-30 08:00:00"),
            offer(1, ResponseStatus::Declined, "2026-12-03 09:00:00", "2026-11-28 08:00:00"),
            offer(2, ResponseStatus::AwaitingTransmit, "2026-12-03 09:00:00", "0001-01-01 00:00:00"),
            OfferOnRecord { withdrawn_by_staff: true, ..offer(2, ResponseStatus::Expired, "2026-11-20 09:00:00", "2026-11-19 08:00:00") },
        ];
        let h = histories(&offers, now);
        let one = &h[&1];
        assert_eq!((one.accepted, one.declined, one.unanswered, one.offers_this_week), (1, 1, 1, 2), "{one:?}");
        assert_eq!(one.accepted_by_weekday[1], 1, "a Tuesday");
        let two = &h[&2];
        assert_eq!((two.accepted, two.declined, two.unanswered, two.offers_this_week), (0, 0, 0, 0), "nothing reached them, or staff took it back");
    }

    #[test]
    fn the_wait_counts_from_what_put_them_on_the_list() {
        let at = |s: &str| OdDateTime::parse(s).unwrap();
        let today = OdDate::parse("2026-12-01").unwrap();
        let broken = CandidateKind::Appointment(AptStatus::Broken);
        assert_eq!(waiting_since(broken, at("2026-10-21 09:00:00"), today), Some(OdDate::parse("2026-10-21").unwrap()));
        assert_eq!(waiting_since(CandidateKind::Recall, at("2026-11-01 00:00:00"), today), Some(OdDate::parse("2026-11-01").unwrap()));
        assert_eq!(waiting_since(CandidateKind::Recall, at("2027-02-01 00:00:00"), today), None, "not due yet");
        assert_eq!(waiting_since(CandidateKind::Appointment(AptStatus::Scheduled), at("2026-12-20 09:00:00"), today), None);
        assert_eq!(waiting_since(CandidateKind::Appointment(AptStatus::UnschedList), OdDateTime::never(), today), None);
    }

    #[test]
    fn parts_of_the_day() {
        assert_eq!(part_of_day(8), PartOfDay::Morning);
        assert_eq!(part_of_day(11), PartOfDay::Morning);
        assert_eq!(part_of_day(12), PartOfDay::Afternoon);
        assert_eq!(part_of_day(16), PartOfDay::Afternoon);
        assert_eq!(part_of_day(17), PartOfDay::Evening);
    }
}
