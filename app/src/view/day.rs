//! The slot picker: one clinic's day (operatories, free time, openings) and its ASAP list.

use crate::domain::Span;
use crate::domain::channels::{SendDetail, SendMode};
use crate::model::OpeningState;
use crate::model::{AsapComm, Clinic, OdDate, OdDateTime, Operatory};
use serde::{Deserialize, Serialize};

/// `/?clinic=1&date=2031-03-17`, raw so a bad value comes back as a message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DayQuery {
    pub clinic: Option<String>,
    pub date: Option<String>,
}

impl DayQuery {
    pub fn href(clinic: i64, date: OdDate) -> String {
        format!("/?clinic={clinic}&date={date}")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CandidateKey {
    Appointment(i64),
    Recall(i64),
}

/// Someone on the ASAP list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub key: CandidateKey,
    pub pat_num: i64,
    /// `LName, FName`.
    pub patient: String,
    pub f_name: String,
    /// Unscheduled, Planned, Scheduled, Broken or Recall.
    pub kind: String,
    pub minutes: i64,
    /// The appointment's time, or the recall's due date.
    pub original: OdDateTime,
    /// That date in words ("was Mon 11/02/2026 9:00 AM", "set for …", "booked …", "due …").
    #[serde(default)]
    pub date_words: String,
    /// The appointment's provider ("Ana Ruiz"); empty for a recall.
    #[serde(default)]
    pub provider: String,
    /// Why a text cannot reach this patient; None when it can.
    pub not_textable: Option<String>,
    /// What the patient would get under each send mode ("text to (555) 010-2231", "email to
    /// a…@example.com", "nothing: no mobile number, no email address"), and whether anything
    /// reaches them.
    #[serde(default)]
    pub send_details: Vec<SendDetail>,
    /// When this appointment or recall was last offered an opening; never if not.
    pub last_offered: OdDateTime,
    /// That last offer in words: when, for which opening, and the answer ("offered Mon 11/30
    /// 4:13 PM for Tue 12/01 9:00 AM: Declined time slot").
    #[serde(default)]
    pub last_offer: Option<String>,
    /// Texts and emails they have had today against the daily limit; None when none.
    #[serde(default)]
    pub messages_today: Option<String>,
    /// The appointment's provider (ProvNum); 0 for a recall.
    #[serde(default)]
    pub prov_num: i64,
    /// Why they stand where they do in the asking order for the chosen opening, every input in
    /// words ("accepted 2 of 3 earlier offers · waiting 41 days · …"); None when the list is
    /// not ranked for an opening.
    #[serde(default)]
    pub rank: Option<String>,
    /// The chosen opening was offered to this appointment or recall already, and the offer
    /// stands (waiting for an answer, or turned down): its answer in words. Not offered again.
    #[serde(default)]
    pub offered_this_time: Option<String>,
}

impl Candidate {
    /// What this patient would get under `mode`, and whether it reaches them.
    pub fn details(&self, mode: SendMode) -> Option<&SendDetail> {
        self.send_details.iter().find(|d| d.mode == mode)
    }
}

/// The message of one send, as staff edited it in the panel; the tags are filled per patient.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferMessage {
    pub text: String,
    pub email_subject: String,
    pub email_body: String,
}

/// The slot picker's Send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickerOffer {
    pub op: i64,
    pub start: String,
    /// The opening's end as chosen in the panel; None: as long as the longest visit chosen.
    pub end: Option<String>,
    pub recipients: Vec<CandidateKey>,
    pub send_mode: SendMode,
    /// None: the clinic's templates.
    pub message: Option<OfferMessage>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemKind {
    Appointment,
    /// A blockout whose type has the `NS` flag.
    BlockingBlockout,
    Blockout,
    /// A Web Sched ASAP opening already offered.
    Opening,
}

/// Something drawn in an operatory's column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridItem {
    pub kind: ItemKind,
    pub span: Span,
    pub label: String,
    pub detail: String,
    /// Offers made on a Web Sched ASAP opening; 0 for anything else.
    pub offers: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpColumn {
    pub op: Operatory,
    /// Provider abbreviations scheduled in this operatory today.
    pub providers: String,
    pub provider_time: Vec<Span>,
    /// Open time (the `/appointments/Slots` rule), never before now.
    pub free: Vec<Span>,
    pub items: Vec<GridItem>,
}

/// A Web Sched ASAP opening on the day, and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningSummary {
    pub schedule_num: i64,
    pub operatory: String,
    pub span: Span,
    pub state: OpeningState,
    pub offered_at: OdDateTime,
    pub offered_by: String,
    pub offers: i64,
    pub sent: i64,
    /// Texts still queued (later waves, or waiting for texting hours).
    pub waiting: i64,
    pub viewed: i64,
    pub declined: i64,
    /// Who took it (`LName, FName`), when filled.
    pub taken_by: Option<String>,
    pub closed_at: OdDateTime,
    pub closed_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayBoard {
    pub clinics: Vec<Clinic>,
    pub clinic_num: i64,
    pub date: OdDate,
    pub today: OdDate,
    pub now: OdDateTime,
    /// Minutes per grid row (AppointmentTimeIncrement).
    pub increment: i64,
    pub grid_start: OdDateTime,
    pub grid_end: OdDateTime,
    pub columns: Vec<OpColumn>,
    /// The first page of the clinic's ASAP list; the rest comes from `load_asap_list`.
    pub asap_list: AsapListPage,
    /// The text template with the office filled in; [Date] and [Time] follow the opening.
    pub template: String,
    /// The email's subject and body templates, as the text's.
    #[serde(default)]
    pub email_subject: String,
    #[serde(default)]
    pub email_template: String,
    pub office_name: String,
    pub office_phone: String,
    /// A link as long as the ones texts carry, so the panel counts a text's segments right.
    #[serde(default)]
    pub link_example: String,
    /// Openings offered on this day in this clinic, by start time.
    pub openings: Vec<OpeningSummary>,
}

/// How many ASAP-list patients one page shows: a group's list can run to thousands, and the
/// page (possibly inside an office portal's iframe) should stay light.
pub const ASAP_LIST_PAGE_SIZE: usize = 50;

/// Which part of a clinic's ASAP list to show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsapListQuery {
    pub clinic: i64,
    /// Part of the patient's name, any case; empty for everyone.
    pub name: String,
    /// Only patients whose appointment fits this many free minutes.
    pub fits_minutes: Option<i64>,
    /// How many matching patients to skip (the ones already shown).
    pub offset: usize,
    /// The chosen opening's operatory and start: with `fits_minutes`, those who fit are put in
    /// the asking order for it, each with the reasons.
    #[serde(default)]
    pub opening_op: Option<i64>,
    #[serde(default)]
    pub opening_start: Option<OdDateTime>,
}

/// One page of a clinic's ASAP list, in the list's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsapListPage {
    pub candidates: Vec<Candidate>,
    pub offset: usize,
    /// Patients matching the query's name and fit.
    pub matching: usize,
    /// Everyone on the clinic's list.
    pub total: usize,
}

impl AsapListPage {
    /// The page `query` asks for out of the whole list (already in the list's order).
    pub fn select(all: Vec<Candidate>, query: &AsapListQuery) -> Self {
        use crate::domain::asap_list::name_matches;
        use crate::domain::slots::fits_opening;
        let total = all.len();
        let matching: Vec<Candidate> = all
            .into_iter()
            .filter(|c| name_matches(&c.patient, &query.name))
            .filter(|c| query.fits_minutes.is_none_or(|free| fits_opening(c.minutes, free)))
            .collect();
        AsapListPage {
            matching: matching.len(),
            candidates: matching.into_iter().skip(query.offset).take(ASAP_LIST_PAGE_SIZE).collect(),
            offset: query.offset,
            total,
        }
    }

    /// Whether more matching patients follow this page.
    pub fn has_more(&self) -> bool {
        self.offset + self.candidates.len() < self.matching
    }
}

/// What Send created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferOutcome {
    pub schedule_num: i64,
    pub offers: Vec<AsapComm>,
    /// When the opening's first text or email is due; None when no message will go.
    #[serde(default)]
    pub first_message_at: Option<OdDateTime>,
    /// How many of these offers no message will reach (still offered, and recorded).
    #[serde(default)]
    pub unreached: usize,
    /// How many of those chosen already had an offer for this opening, and were not offered it
    /// again.
    #[serde(default)]
    pub already_offered: usize,
}

impl OfferOutcome {
    /// What the panel says after Send, and whether the messages wait (for the office's messaging
    /// hours, or a later wave): a send after hours must not read as sent.
    pub fn summary(&self) -> (String, bool) {
        use crate::domain::datetext::{short_day, time_text};
        let n = self.offers.len();
        let mut text = format!("Offered to {n} {}.", if n == 1 { "patient" } else { "patients" });
        let offered_at = self.offers.first().map(|o| o.date_time_entry);
        let waits = match (self.first_message_at, offered_at) {
            (Some(first), Some(at)) if at.minutes_until(first) >= 1 => {
                text.push_str(&format!(
                    " Nothing is sent yet: the first message goes {} at {}, inside the office's messaging hours.",
                    short_day(first.date()),
                    time_text(first)
                ));
                true
            }
            (Some(_), _) => {
                text.push_str(" The first messages are going out now.");
                false
            }
            (None, _) => {
                text.push_str(" No message will go out.");
                true
            }
        };
        if self.unreached > 0 && self.unreached < n {
            text.push_str(&format!(
                " {} of them will get no message; the history says why.",
                self.unreached
            ));
        } else if self.unreached > 0 {
            text.push_str(" None of them can be reached this way; the history says why.");
        }
        match self.already_offered {
            0 => {}
            1 => text.push_str(" 1 chosen patient already had an offer for this time and was not offered it again."),
            k => text.push_str(&format!(" {k} chosen patients already had an offer for this time and were not offered it again.")),
        }
        (text, waits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer_at(entry: &str, response: crate::model::ResponseStatus) -> AsapComm {
        let t = |s: &str| OdDateTime::parse(s).unwrap();
        AsapComm {
            asap_comm_num: 1,
            f_key: 1,
            f_key_type: crate::model::FKeyType::UnscheduledAppt,
            schedule_num: 9,
            pat_num: 1,
            clinic_num: 1,
            date_time_entry: t(entry),
            date_time_expire: OdDateTime::never(),
            date_time_sms_scheduled: OdDateTime::never(),
            sms_send_status: crate::model::SmsSendStatus::SendNotAttempted,
            date_time_sms_sent: OdDateTime::never(),
            response_status: response,
            date_time_orig: OdDateTime::never(),
            template_text: String::new(),
            note: String::new(),
        }
    }

    #[test]
    fn a_send_after_hours_says_when_the_first_message_goes() {
        use crate::model::ResponseStatus::{AwaitingTransmit, UnableToSend};
        let t = |s: &str| OdDateTime::parse(s).unwrap();
        let late = OfferOutcome {
            schedule_num: 9,
            offers: vec![offer_at("2031-03-17 21:30:00", AwaitingTransmit), offer_at("2031-03-17 21:30:00", UnableToSend)],
            first_message_at: Some(t("2031-03-18 08:00:00")),
            unreached: 1,
            already_offered: 0,
        };
        let (text, waits) = late.summary();
        assert!(waits);
        assert_eq!(
            text,
            "Offered to 2 patients. Nothing is sent yet: the first message goes Tue 03/18 at 8:00 AM, inside the office's \
             messaging hours. 1 of them will get no message; the history says why."
        );
        let now = OfferOutcome { first_message_at: Some(t("2031-03-17 21:30:00")), unreached: 0, ..late.clone() };
        assert_eq!(now.summary(), ("Offered to 2 patients. The first messages are going out now.".into(), false));
        let nobody = OfferOutcome { first_message_at: None, unreached: 2, ..late };
        assert!(nobody.summary().1);
        assert!(nobody.summary().0.ends_with("None of them can be reached this way; the history says why."), "{}", nobody.summary().0);
        let again = OfferOutcome { already_offered: 2, ..now };
        assert!(again.summary().0.ends_with("2 chosen patients already had an offer for this time and were not offered it again."));
    }

    fn candidate(n: i64, patient: &str, minutes: i64) -> Candidate {
        Candidate {
            key: CandidateKey::Appointment(n),
            pat_num: n,
            patient: patient.into(),
            f_name: patient.split(", ").nth(1).unwrap_or_default().into(),
            kind: "Unscheduled".into(),
            minutes,
            original: OdDateTime::never(),
            date_words: String::new(),
            provider: String::new(),
            not_textable: None,
            send_details: Vec::new(),
            last_offered: OdDateTime::never(),
            last_offer: None,
            messages_today: None,
            prov_num: 0,
            rank: None,
            offered_this_time: None,
        }
    }

    fn list(n: i64) -> Vec<Candidate> {
        (1..=n).map(|i| candidate(i, &format!("Patient{i}, Pat"), if i % 2 == 0 { 60 } else { 30 })).collect()
    }

    fn keys(page: &AsapListPage) -> Vec<i64> {
        page.candidates.iter().map(|c| c.pat_num).collect()
    }

    #[test]
    fn pages_follow_the_list_order() {
        let first = AsapListPage::select(list(120), &AsapListQuery::default());
        assert_eq!((first.total, first.matching, first.candidates.len()), (120, 120, ASAP_LIST_PAGE_SIZE));
        assert_eq!(keys(&first)[..3], [1, 2, 3]);
        assert!(first.has_more());
        let last = AsapListPage::select(list(120), &AsapListQuery { offset: 100, ..Default::default() });
        assert_eq!(keys(&last), (101..=120).collect::<Vec<_>>());
        assert!(!last.has_more());
        let past = AsapListPage::select(list(120), &AsapListQuery { offset: 500, ..Default::default() });
        assert!(past.candidates.is_empty() && !past.has_more());
    }

    #[test]
    fn name_and_fit_narrow_the_list_and_the_count() {
        let q = AsapListQuery { fits_minutes: Some(45), ..Default::default() };
        let page = AsapListPage::select(list(120), &q);
        assert_eq!((page.total, page.matching), (120, 60), "only the 30-minute visits fit 45 minutes");
        assert!(page.candidates.iter().all(|c| c.minutes == 30));
        let q = AsapListQuery { name: "patient11".into(), ..Default::default() };
        assert_eq!(keys(&AsapListPage::select(list(120), &q)), [11, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119]);
    }
}
