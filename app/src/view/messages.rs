//! ASAP Message Setup: the text and email one clinic (or the whole office) sends, and whether a
//! booking is confirmed.

use super::day::OfferMessage;
use crate::model::Clinic;
use serde::{Deserialize, Serialize};

/// The whole office, as a level of the setup: what every clinic without its own messages sends.
pub const WHOLE_OFFICE: i64 = 0;

/// One level's messages as the setup page shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSetup {
    pub clinics: Vec<Clinic>,
    /// The level shown: a clinic, or `WHOLE_OFFICE`.
    pub clinic_num: i64,
    pub message: OfferMessage,
    pub confirm_booking: bool,
    /// A claim that takes only part of an opening leaves the rest offered to the next patients
    /// who fit it.
    pub split_openings: bool,
    /// When an opening is filled, those texted about it who have not answered are told.
    pub gap_gone_notice: bool,
    /// Where the shown messages come from, in words ("set for this clinic").
    pub source: String,
    /// This level has messages of its own, which can be removed.
    pub own: bool,
    /// For the preview: the level's office name and phone, and a link as long as a real one.
    pub office_name: String,
    pub office_phone: String,
    pub link_example: String,
    /// An example opening for the preview's [Date] and [Time]: tomorrow at 9:00 AM.
    pub preview_at: crate::model::OdDateTime,
}

/// A level's new messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSetupChange {
    pub clinic_num: i64,
    pub message: OfferMessage,
    pub confirm_booking: bool,
    /// Absent from an older client: on, as by default.
    #[serde(default = "on")]
    pub split_openings: bool,
    /// Absent from an older client: off, as by default.
    #[serde(default)]
    pub gap_gone_notice: bool,
}

fn on() -> bool {
    true
}
