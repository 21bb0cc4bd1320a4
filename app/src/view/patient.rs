//! What the patient's page (`/asap/{code}`) shows: the offer behind the link and its outcome.

use crate::model::OdDateTime;

/// One opening as the patient sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpeningForPatient {
    /// The link code of this patient's offer for it.
    pub code: String,
    pub office_name: String,
    pub office_phone: String,
    /// On one line; empty when none is on file.
    pub office_address: String,
    pub start: OdDateTime,
    pub minutes: i64,
}

/// A later visit of the patient's, which they can ask to hear of earlier openings for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaterVisit {
    pub apt_num: i64,
    pub start: OdDateTime,
    pub minutes: i64,
    /// Already on the ASAP list (Priority ASAP): they will hear of earlier openings for it.
    pub on_list: bool,
}

/// What the page says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatientPage {
    /// The opening is free: accept, decline, or ask not to be offered this appointment again.
    Offer { f_name: String, opening: OpeningForPatient, others: Vec<OpeningForPatient> },
    /// Accepted: the appointment is now in this opening.
    /// `later`: their visits still ahead, each of which they can ask to hear of earlier openings for.
    Booked { f_name: String, opening: OpeningForPatient, later: Vec<LaterVisit> },
    /// Declined (`stopped`: and no more offers for this appointment).
    Declined { f_name: String, opening: OpeningForPatient, stopped: bool, others: Vec<OpeningForPatient>, later: Vec<LaterVisit> },
    /// The patient already took another opening for this appointment.
    Moved { f_name: String, opening: OpeningForPatient },
    /// Someone else took it (or the office booked the time) before this patient answered.
    Taken { f_name: String, opening: OpeningForPatient, others: Vec<OpeningForPatient> },
    /// The office took the opening, or this patient's offer of it, back.
    Withdrawn { f_name: String, opening: OpeningForPatient, others: Vec<OpeningForPatient> },
    /// The link is unknown or has ended: the same page either way.
    Ended,
    /// From an email's footer: stop ASAP emails? (A visit alone changes nothing: mail
    /// scanners open links.)
    Unsubscribe { f_name: String, code: String },
    /// ASAP emails stopped.
    Unsubscribed { f_name: String },
}

impl PatientPage {
    pub fn title(&self) -> &'static str {
        match self {
            PatientPage::Offer { .. } => "An earlier appointment is available",
            PatientPage::Booked { .. } => "Your appointment is booked",
            PatientPage::Declined { .. } => "Thank you for letting us know",
            PatientPage::Moved { .. } => "You already have an earlier appointment",
            PatientPage::Taken { .. } => "This opening was just taken",
            PatientPage::Withdrawn { .. } => "This opening is no longer offered",
            PatientPage::Ended => "This link is no longer active",
            PatientPage::Unsubscribe { .. } => "Stop these emails?",
            PatientPage::Unsubscribed { .. } => "You will get no more of these emails",
        }
    }
}
