//! ASAP Message Setup: each clinic's text and email templates and whether it confirms bookings.
//! A value set for the clinic wins; then one set here for the whole office (clinic 0); then the
//! preference table (imported, or synced from Open Dental).

use super::StoreResult;
use app::model::Preferences;
use app::view::day::OfferMessage;
use sqlx::AnyConnection;
use std::collections::HashMap;

pub const TEXT: &str = "WebSchedAsapTextTemplate";
pub const EMAIL_SUBJECT: &str = "WebSchedAsapEmailSubj";
pub const EMAIL_BODY: &str = "WebSchedAsapEmailTemplate";
pub const CONFIRM_BOOKING: &str = "AsapConfirmBooking";
/// Whether the rest of an opening a claim took only part of is offered on (this server's own).
pub const SPLIT_OPENINGS: &str = "AsapSplitOpenings";
/// Whether patients texted about an opening that was filled are told so (this server's own).
pub const GAP_GONE_NOTICE: &str = "AsapGapGoneNotice";
const NAMES: [&str; 6] = [TEXT, EMAIL_SUBJECT, EMAIL_BODY, CONFIRM_BOOKING, SPLIT_OPENINGS, GAP_GONE_NOTICE];

pub use app::view::messages::WHOLE_OFFICE;

/// The messages one clinic sends, and where they were set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClinicMessages {
    pub message: OfferMessage,
    pub confirm_booking: bool,
    /// A claim that takes only part of an opening leaves the rest as a new opening, offered to
    /// the next patients who fit it. On unless turned off.
    pub split_openings: bool,
    /// When an opening is filled, those texted about it who have not answered get one text
    /// saying it was taken. Off unless turned on.
    pub gap_gone_notice: bool,
    /// The level the text template came from: the clinic, the whole office here, or neither.
    pub source: Source,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Clinic,
    WholeOffice,
    Preferences,
}

/// What the office set for reckoning what ASAP texting earned (whole office, in cents).
pub const VALUE_RECALL_VISIT: &str = "AsapValueRecallVisitCents";
pub const VALUE_TREATMENT_VISIT: &str = "AsapValueTreatmentVisitCents";
pub const TEXT_PRICE: &str = "AsapTextPriceCents";

/// The office's reckoning, or its defaults ($150 a recall visit, $300 another visit, 1¢ a text)
/// where nothing is set.
pub async fn reckoning(conn: &mut AnyConnection) -> StoreResult<app::domain::earnings::Reckoning> {
    let set = set_for(conn, WHOLE_OFFICE).await?;
    let cents = |name: &str, default: i64| set.get(name).and_then(|v| v.trim().parse::<i64>().ok()).filter(|v| *v >= 0).unwrap_or(default);
    Ok(app::domain::earnings::Reckoning {
        recall_visit_cents: cents(VALUE_RECALL_VISIT, 15_000),
        treatment_visit_cents: cents(VALUE_TREATMENT_VISIT, 30_000),
        text_cents: cents(TEXT_PRICE, 1),
    })
}

pub async fn save_reckoning(conn: &mut AnyConnection, r: &app::domain::earnings::Reckoning) -> StoreResult<()> {
    for (name, value) in [(VALUE_RECALL_VISIT, r.recall_visit_cents), (VALUE_TREATMENT_VISIT, r.treatment_visit_cents), (TEXT_PRICE, r.text_cents)] {
        sqlx::query(
            "INSERT INTO clinicpref (clinicnum, prefname, valuestring) VALUES ($1, $2, $3) \
             ON CONFLICT (clinicnum, prefname) DO UPDATE SET valuestring = excluded.valuestring",
        )
        .bind(WHOLE_OFFICE)
        .bind(name)
        .bind(value.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Values set on the setup page for one level (a clinic, or `WHOLE_OFFICE`).
async fn set_for(conn: &mut AnyConnection, clinic_num: i64) -> StoreResult<HashMap<String, String>> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT prefname, valuestring FROM clinicpref WHERE clinicnum = $1")
        .bind(clinic_num)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// What `clinic_num` sends: its own values, else the office's set here, else the preferences.
pub async fn for_clinic(conn: &mut AnyConnection, clinic_num: i64, prefs: &Preferences) -> StoreResult<ClinicMessages> {
    let own = if clinic_num == WHOLE_OFFICE { HashMap::new() } else { set_for(conn, clinic_num).await? };
    let office = set_for(conn, WHOLE_OFFICE).await?;
    Ok(resolve(&own, &office, prefs))
}

/// One clinic's messages from its own values, the office's and the preferences, in that order.
pub fn resolve(own: &HashMap<String, String>, office: &HashMap<String, String>, prefs: &Preferences) -> ClinicMessages {
    let pick = |name: &str, fallback: &str| own.get(name).or_else(|| office.get(name)).cloned().unwrap_or_else(|| fallback.to_string());
    let confirm = own
        .get(CONFIRM_BOOKING)
        .or_else(|| office.get(CONFIRM_BOOKING))
        .map_or(prefs.asap_confirm_booking, |v| v.trim() == "1");
    let split = own.get(SPLIT_OPENINGS).or_else(|| office.get(SPLIT_OPENINGS)).is_none_or(|v| v.trim() != "0");
    let gap_gone = own.get(GAP_GONE_NOTICE).or_else(|| office.get(GAP_GONE_NOTICE)).is_some_and(|v| v.trim() == "1");
    let source = if own.contains_key(TEXT) {
        Source::Clinic
    } else if office.contains_key(TEXT) {
        Source::WholeOffice
    } else {
        Source::Preferences
    };
    ClinicMessages {
        message: OfferMessage {
            text: pick(TEXT, &prefs.web_sched_asap_text_template),
            email_subject: pick(EMAIL_SUBJECT, &prefs.web_sched_asap_email_subj),
            email_body: pick(EMAIL_BODY, &prefs.web_sched_asap_email_template),
        },
        confirm_booking: confirm,
        split_openings: split,
        gap_gone_notice: gap_gone,
        source,
    }
}

/// Sets one level's messages, all four values together.
/// A level's on/off settings, saved with its messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Switches {
    pub confirm_booking: bool,
    pub split_openings: bool,
    pub gap_gone_notice: bool,
}

pub async fn save(conn: &mut AnyConnection, clinic_num: i64, message: &OfferMessage, switches: Switches) -> StoreResult<()> {
    let flag = |on: bool| if on { "1" } else { "0" };
    let values = [
        (TEXT, message.text.as_str()),
        (EMAIL_SUBJECT, &message.email_subject),
        (EMAIL_BODY, &message.email_body),
        (CONFIRM_BOOKING, flag(switches.confirm_booking)),
        (SPLIT_OPENINGS, flag(switches.split_openings)),
        (GAP_GONE_NOTICE, flag(switches.gap_gone_notice)),
    ];
    for (name, value) in values {
        sqlx::query(
            "INSERT INTO clinicpref (clinicnum, prefname, valuestring) VALUES ($1, $2, $3) \
             ON CONFLICT (clinicnum, prefname) DO UPDATE SET valuestring = excluded.valuestring",
        )
        .bind(clinic_num)
        .bind(name)
        .bind(value)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Forgets one level's messages: the clinic follows the office again, the office its preferences.
pub async fn clear(conn: &mut AnyConnection, clinic_num: i64) -> StoreResult<u64> {
    let mut removed = 0;
    for name in NAMES {
        removed += sqlx::query("DELETE FROM clinicpref WHERE clinicnum = $1 AND prefname = $2")
            .bind(clinic_num)
            .bind(name)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_clinic_wins_then_the_office_then_the_preferences() {
        let prefs = Preferences::default();
        let none = HashMap::new();
        let from_prefs = resolve(&none, &none, &prefs);
        assert_eq!(from_prefs.message.text, prefs.web_sched_asap_text_template);
        assert_eq!((from_prefs.source, from_prefs.confirm_booking), (Source::Preferences, true));
        assert!(from_prefs.split_openings, "openings are split unless a level turns it off");
        assert!(!from_prefs.gap_gone_notice, "no gap-gone notice unless a level turns it on");

        let office = values(&[(TEXT, "Office [AsapURL]"), (CONFIRM_BOOKING, "0"), (SPLIT_OPENINGS, "0")]);
        let from_office = resolve(&none, &office, &prefs);
        assert_eq!((from_office.message.text.as_str(), from_office.source, from_office.confirm_booking), ("Office [AsapURL]", Source::WholeOffice, false));
        assert_eq!(from_office.message.email_subject, prefs.web_sched_asap_email_subj, "unset values fall through");
        assert!(!from_office.split_openings);

        let own = values(&[(TEXT, "Clinic [AsapURL]"), (CONFIRM_BOOKING, "1"), (SPLIT_OPENINGS, "1"), (GAP_GONE_NOTICE, "1")]);
        let from_clinic = resolve(&own, &office, &prefs);
        assert_eq!((from_clinic.message.text.as_str(), from_clinic.source, from_clinic.confirm_booking), ("Clinic [AsapURL]", Source::Clinic, true));
        assert!(from_clinic.split_openings, "the clinic's own value wins over the office's");
        assert!(from_clinic.gap_gone_notice);
    }
}
