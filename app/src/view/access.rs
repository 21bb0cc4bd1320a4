//! Staff users, the signed-in caller, and the audit trail, as the admin pages show them.

use crate::model::{AppError, OdDateTime};
use serde::{Deserialize, Serialize};

/// The signed-in staff user a request comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub user_num: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    /// The clinics this user may see; None for every clinic.
    pub clinics: Option<Vec<i64>>,
    /// Signed in through the office portal's embed token.
    pub embedded: bool,
    /// The portal page's origin when embedded (where resize messages go).
    pub portal_origin: String,
}

impl Caller {
    /// How the user is named on pages and in the audit trail.
    pub fn name(&self) -> &str {
        if self.display_name.trim().is_empty() { &self.username } else { &self.display_name }
    }

    pub fn may_see_clinic(&self, clinic_num: i64) -> bool {
        self.clinics.as_ref().is_none_or(|list| list.contains(&clinic_num))
    }

    /// The refusal for a clinic this user may not see.
    pub fn clinic_refused(clinic_num: i64) -> AppError {
        AppError::Forbidden(format!("Your account does not have access to clinic {clinic_num}. Ask an administrator if you need it."))
    }
}

/// A staff user as the Users page lists them (never the password).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffUser {
    pub user_num: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    pub is_disabled: bool,
    pub clinics: Option<Vec<i64>>,
}

/// What an administrator fills in to add a user.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaffUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub is_admin: bool,
    /// Comma-separated ClinicNums, or empty for every clinic.
    pub clinics: String,
}

/// A change to an existing user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserChange {
    /// A new password; the user is signed out everywhere.
    ResetPassword(String),
    Disable,
    Enable,
    SetAdmin(bool),
    /// Comma-separated ClinicNums, or empty for every clinic.
    SetClinics(String),
}

/// One line of the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub event_num: i64,
    pub at: OdDateTime,
    pub username: String,
    pub action: String,
    pub detail: String,
    pub clinic_num: i64,
}

/// The audit page's filters, raw as in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuditQuery {
    pub user: Option<String>,
    pub action: Option<String>,
    pub date_start: Option<String>,
    pub date_through: Option<String>,
    /// Events older than this EventNum (the next page).
    pub before: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    pub older: Option<i64>,
    /// Every action name, for the filter.
    pub actions: Vec<String>,
    /// Clinic names by number, so events name their clinic.
    #[serde(default)]
    pub clinic_names: Vec<(i64, String)>,
}

impl AuditPage {
    /// The clinic an event belongs to, by name ("" for the practice as a whole).
    pub fn clinic_name(&self, clinic_num: i64) -> String {
        if clinic_num <= 0 {
            return String::new();
        }
        self.clinic_names
            .iter()
            .find(|(n, _)| *n == clinic_num)
            .map_or_else(|| format!("Clinic {clinic_num}"), |(_, name)| name.clone())
    }
}

/// Audit actions, as stored.
pub mod actions {
    pub const SIGN_IN: &str = "sign-in";
    pub const SIGN_IN_FAILED: &str = "sign-in failed";
    pub const SIGN_OUT: &str = "sign-out";
    pub const EMBED_SIGN_IN: &str = "portal sign-in";
    pub const OFFER: &str = "offered opening";
    pub const WITHDRAW: &str = "withdrew opening";
    pub const WITHDRAW_OFFER: &str = "withdrew offer";
    pub const USER_ADDED: &str = "added user";
    pub const USER_CHANGED: &str = "changed user";
    pub const API_KEY_ADDED: &str = "added API key";
    pub const API_KEY_REVOKED: &str = "revoked API key";
    /// Open Dental refused a booking a claim made here (the appointment was deleted there, say).
    pub const OPEN_DENTAL_REFUSED: &str = "Open Dental refused a booking";
    pub const MESSAGES_CHANGED: &str = "changed ASAP messages";
    /// A claim took part of an opening and the rest was offered on, in the claim's transaction.
    pub const OFFER_REST: &str = "offered the rest of an opening";
    /// A patient asked, from their offer page, to hear of earlier openings for a later visit.
    pub const ASKED_FOR_EARLIER: &str = "patient asked for earlier openings";
    pub const RECKONING_CHANGED: &str = "changed the earnings' values";
    pub const ALL: [&str; 16] = [
        SIGN_IN,
        SIGN_IN_FAILED,
        SIGN_OUT,
        EMBED_SIGN_IN,
        OFFER,
        WITHDRAW,
        WITHDRAW_OFFER,
        USER_ADDED,
        USER_CHANGED,
        API_KEY_ADDED,
        API_KEY_REVOKED,
        OPEN_DENTAL_REFUSED,
        MESSAGES_CHANGED,
        OFFER_REST,
        ASKED_FOR_EARLIER,
        RECKONING_CHANGED,
    ];
}
