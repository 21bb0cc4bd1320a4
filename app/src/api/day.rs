//! The slot picker's server functions: read one clinic's day, and offer an opening.

use crate::domain::Span;
use crate::domain::answer::OpeningState;
use crate::model::{AppError, AsapComm, Clinic, OdDate, OdDateTime, Operatory};
use leptos::prelude::*;
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
    /// Why a text cannot reach this patient; None when it can.
    pub not_textable: Option<String>,
    /// When this appointment or recall was last offered an opening; never if not.
    pub last_offered: OdDateTime,
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
    pub candidates: Vec<Candidate>,
    /// The text template with the office filled in; [Date] and [Time] follow the opening.
    pub template: String,
    pub office_name: String,
    pub office_phone: String,
    /// Openings offered on this day in this clinic, by start time.
    pub openings: Vec<OpeningSummary>,
}

/// What Send created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferOutcome {
    pub schedule_num: i64,
    pub offers: Vec<AsapComm>,
}

#[server(prefix = "/ui-api", endpoint = "day", input = crate::api::codec::NamedJson)]
pub async fn load_day(query: DayQuery) -> Result<DayBoard, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.day(&caller, query).await)
}

#[server(prefix = "/ui-api", endpoint = "offer", input = crate::api::codec::NamedJson)]
pub async fn send_offer(op: i64, start: String, recipients: Vec<CandidateKey>) -> Result<OfferOutcome, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.offer(&caller, op, start, recipients).await)
}

/// Takes an opening back: its queued texts are not sent and its blockout goes.
#[server(prefix = "/ui-api", endpoint = "withdraw", input = crate::api::codec::NamedJson)]
pub async fn withdraw_opening(schedule_num: i64) -> Result<OpeningSummary, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.withdraw(&caller, schedule_num).await)
}
