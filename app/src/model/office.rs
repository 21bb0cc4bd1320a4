//! The office data behind the ASAP rules, with Open Dental's table and column names.
//! The same structs are the rows of an import file and the objects the read endpoints return.

use super::{
    AptStatus, ContactMethod, OdBool, OdDate, OdDateTime, OdTime, Priority, SchedType, TimePattern, TxtMsgOk,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Clinic {
    pub clinic_num: i64,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub abbr: String,
    #[serde(default)]
    pub phone: String,
    /// The physical treating address, as Open Dental's clinic holds it.
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub address2: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub zip: String,
}

/// The office a patient deals with: a clinic's name, phone and address, each falling back to the
/// practice's where the clinic has none (or there are no clinics).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeIdentity {
    pub name: String,
    pub phone: String,
    /// One line, "333 Blackwood St, Suite 2, Salem, OR 97301"; empty when none is on file.
    pub address: String,
}

impl OfficeIdentity {
    pub fn of(clinic: Option<&Clinic>, prefs: &Preferences) -> OfficeIdentity {
        let or_practice = |own: Option<&String>, practice: &String| own.filter(|v| !v.trim().is_empty()).unwrap_or(practice).trim().to_string();
        let clinic_address = clinic.map(|c| address_line(&c.address, &c.address2, &c.city, &c.state, &c.zip)).filter(|a| !a.is_empty());
        OfficeIdentity {
            name: or_practice(clinic.map(|c| &c.description), &prefs.practice_title),
            phone: or_practice(clinic.map(|c| &c.phone), &prefs.practice_phone),
            address: clinic_address.unwrap_or_else(|| {
                address_line(&prefs.practice_address, &prefs.practice_address2, &prefs.practice_city, &prefs.practice_st, &prefs.practice_zip)
            }),
        }
    }
}

/// A postal address on one line: street, second line, city, then state and zip together.
pub fn address_line(street: &str, street2: &str, city: &str, state: &str, zip: &str) -> String {
    let state_zip = [state.trim(), zip.trim()].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ");
    [street.trim(), street2.trim(), city.trim(), state_zip.as_str()].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(", ")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Operatory {
    pub operatory_num: i64,
    pub op_name: String,
    #[serde(default)]
    pub abbrev: String,
    #[serde(default)]
    pub item_order: i64,
    #[serde(default)]
    pub is_hidden: OdBool,
    #[serde(default)]
    pub clinic_num: i64,
    #[serde(default)]
    pub prov_dentist: i64,
    #[serde(default)]
    pub prov_hygienist: i64,
    #[serde(default)]
    pub is_hygiene: OdBool,
    #[serde(default)]
    pub is_web_sched: OdBool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Provider {
    pub prov_num: i64,
    #[serde(default)]
    pub abbr: String,
    #[serde(default)]
    pub f_name: String,
    #[serde(default)]
    pub l_name: String,
    #[serde(default)]
    pub is_secondary: OdBool,
    #[serde(default)]
    pub is_hidden: OdBool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Patient {
    pub pat_num: i64,
    pub l_name: String,
    pub f_name: String,
    /// As entered at the front desk; whether a text can reach it is decided when offering.
    #[serde(default)]
    pub wireless_phone: String,
    #[serde(default = "txt_msg_ok_unknown")]
    pub txt_msg_ok: TxtMsgOk,
    #[serde(default)]
    pub clinic_num: i64,
    /// As entered at the front desk; whether mail can reach it is decided when offering.
    #[serde(default)]
    pub email: String,
    #[serde(default = "contact_method_none")]
    pub prefer_contact_method: ContactMethod,
}

fn contact_method_none() -> ContactMethod {
    ContactMethod::None
}

fn txt_msg_ok_unknown() -> TxtMsgOk {
    TxtMsgOk::Unknown
}

/// Opt-out flags on automated messages (bit flags, Open Dental's CommOptOutType).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CommOptOut {
    pub pat_num: i64,
    #[serde(default)]
    pub opt_out_sms: i64,
    #[serde(default)]
    pub opt_out_email: i64,
}

impl CommOptOut {
    pub const ALL: i64 = 1;
    pub const WEB_SCHED_ASAP: i64 = 32;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Appointment {
    pub apt_num: i64,
    pub pat_num: i64,
    pub apt_status: AptStatus,
    /// One character per 5 minutes.
    pub pattern: TimePattern,
    /// OperatoryNum; 0 when not on the schedule.
    #[serde(default)]
    pub op: i64,
    #[serde(default)]
    pub prov_num: i64,
    #[serde(default = "OdDateTime::never")]
    pub apt_date_time: OdDateTime,
    #[serde(default)]
    pub clinic_num: i64,
    #[serde(default = "priority_normal")]
    pub priority: Priority,
    /// On a scheduled appointment: the planned appointment it was made from.
    #[serde(default)]
    pub next_apt_num: i64,
}

fn priority_normal() -> Priority {
    Priority::Normal
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RecallType {
    pub recall_type_num: i64,
    #[serde(default)]
    pub description: String,
    /// One character per AppointmentTimeIncrement minutes.
    pub time_pattern: TimePattern,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Recall {
    pub recall_num: i64,
    pub pat_num: i64,
    pub recall_type_num: i64,
    pub date_due: OdDate,
    #[serde(default = "priority_normal")]
    pub priority: Priority,
    #[serde(default)]
    pub is_disabled: OdBool,
}

/// A row of Open Dental's definition table; blockout types are category 25.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Definition {
    pub def_num: i64,
    pub category: i64,
    pub item_name: String,
    /// For blockout types, flags such as `NS` (no scheduling).
    #[serde(default)]
    pub item_value: String,
    #[serde(default)]
    pub item_order: i64,
    #[serde(default)]
    pub is_hidden: OdBool,
}

impl Definition {
    pub const BLOCKOUT_CATEGORY: i64 = 25;
}

/// A list of OperatoryNums written `"5,6"`, as Open Dental's API does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OpList(pub Vec<i64>);

impl OpList {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(OpList(Vec::new()));
        }
        s.split(',')
            .map(|part| {
                part.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("`{s}` is not a list of OperatoryNums such as \"5,6\""))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(OpList)
    }
}

impl fmt::Display for OpList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(i64::to_string).collect();
        f.write_str(&parts.join(","))
    }
}

impl Serialize for OpList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for OpList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        OpList::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for OpList {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .description(Some("Comma-separated OperatoryNums."))
            .examples([serde_json::json!("5,6")])
            .into()
    }
}
#[cfg(feature = "ssr")]
impl utoipa::ToSchema for OpList {}

/// A schedule row: provider time, a blockout, or a Web Sched ASAP opening.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Schedule {
    pub schedule_num: i64,
    pub sched_date: OdDate,
    pub start_time: OdTime,
    pub stop_time: OdTime,
    pub sched_type: SchedType,
    #[serde(default)]
    pub prov_num: i64,
    /// DefNum of the blockout type; 0 for other kinds.
    #[serde(default)]
    pub blockout_type: i64,
    /// The blockout type's name (read-only; ignored on import).
    #[serde(rename = "blockoutType", default)]
    pub blockout_type_name: String,
    #[serde(default)]
    pub note: String,
    #[serde(rename = "operatories", default)]
    pub operatories: OpList,
    #[serde(default)]
    pub employee_num: i64,
}

/// An open time range in an operatory, as `GET /appointments/Slots` returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct Slot {
    pub date_time_start: OdDateTime,
    pub date_time_end: OdDateTime,
    pub prov_num: i64,
    pub op_num: i64,
}

/// The preferences the ASAP rules read, with Open Dental's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    pub practice_title: String,
    pub practice_phone: String,
    /// The practice's physical treating address (Open Dental's PracticeAddress, PracticeAddress2,
    /// PracticeCity, PracticeST, PracticeZip), for offices without clinics.
    pub practice_address: String,
    pub practice_address2: String,
    pub practice_city: String,
    pub practice_st: String,
    pub practice_zip: String,
    /// Minutes per character of a recall time pattern (5, 10 or 15).
    pub appointment_time_increment: i64,
    pub web_sched_asap_text_template: String,
    pub web_sched_asap_email_subj: String,
    pub web_sched_asap_email_template: String,
    /// Most ASAP texts one patient may get in a day (and, counted apart, emails).
    pub web_sched_asap_text_limit: i64,
    pub automatic_communication_time_start: OdTime,
    pub automatic_communication_time_end: OdTime,
    /// IANA zone name; empty means the server's configured zone.
    pub time_zone: String,
    /// Whether a patient who booked an opening gets a confirmation (this server's own setting).
    pub asap_confirm_booking: bool,
}

impl Preferences {
    /// Open Dental's default ends "Visit [AsapURL] to reserve it."; patients here can also book
    /// by replying, and the default says so.
    pub const DEFAULT_TEMPLATE: &'static str =
        "[NameF], an appointment opening has become available on [Date] at [Time] at [OfficeName]. Reply YES to book, or tap [AsapURL]";
    pub const DEFAULT_EMAIL_SUBJECT: &'static str = "An earlier appointment at [OfficeName]";
    pub const DEFAULT_EMAIL_TEMPLATE: &'static str = "Dear [NameF],\n\nAn appointment opening has become available on [Date] at [Time] at [OfficeName]. You asked to hear about earlier times.\n\nVisit [AsapURL] to reserve it; the first patient to answer gets it. Questions? Call us at [OfficePhone].";

    /// Every preference name an import file may set.
    pub const NAMES: &'static [&'static str] = &[
        "PracticeTitle",
        "PracticePhone",
        "PracticeAddress",
        "PracticeAddress2",
        "PracticeCity",
        "PracticeST",
        "PracticeZip",
        "AppointmentTimeIncrement",
        "WebSchedAsapTextTemplate",
        "WebSchedAsapEmailSubj",
        "WebSchedAsapEmailTemplate",
        "WebSchedAsapTextLimit",
        "AutomaticCommunicationTimeStart",
        "AutomaticCommunicationTimeEnd",
        "TimeZone",
        "AsapConfirmBooking",
    ];
}

impl Default for Preferences {
    fn default() -> Self {
        let seven = chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap_or_default();
        let nine_pm = chrono::NaiveTime::from_hms_opt(21, 0, 0).unwrap_or_default();
        Preferences {
            practice_title: "Dental Office".into(),
            practice_phone: String::new(),
            practice_address: String::new(),
            practice_address2: String::new(),
            practice_city: String::new(),
            practice_st: String::new(),
            practice_zip: String::new(),
            appointment_time_increment: 10,
            web_sched_asap_text_template: Self::DEFAULT_TEMPLATE.into(),
            web_sched_asap_email_subj: Self::DEFAULT_EMAIL_SUBJECT.into(),
            web_sched_asap_email_template: Self::DEFAULT_EMAIL_TEMPLATE.into(),
            web_sched_asap_text_limit: 2,
            automatic_communication_time_start: OdTime::new(seven),
            automatic_communication_time_end: OdTime::new(nine_pm),
            time_zone: String::new(),
            asap_confirm_booking: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_office_is_the_clinics_where_it_has_its_own_and_the_practices_otherwise() {
        let prefs = Preferences {
            practice_title: "Riverside Dental".into(),
            practice_phone: "5550142200".into(),
            practice_address: "1 River Rd".into(),
            practice_city: "Salem".into(),
            practice_st: "OR".into(),
            practice_zip: "97301".into(),
            ..Preferences::default()
        };
        let bare = Clinic { clinic_num: 2, description: "Northgate".into(), abbr: String::new(), phone: String::new(), address: String::new(), address2: String::new(), city: String::new(), state: String::new(), zip: String::new() };
        let own = Clinic { phone: " 5550142202 ".into(), address: "333 Blackwood St".into(), address2: "Suite 2".into(), city: "Keizer".into(), state: "OR".into(), zip: "97303".into(), ..bare.clone() };
        assert_eq!(
            OfficeIdentity::of(None, &prefs),
            OfficeIdentity { name: "Riverside Dental".into(), phone: "5550142200".into(), address: "1 River Rd, Salem, OR 97301".into() }
        );
        assert_eq!(
            OfficeIdentity::of(Some(&bare), &prefs),
            OfficeIdentity { name: "Northgate".into(), phone: "5550142200".into(), address: "1 River Rd, Salem, OR 97301".into() }
        );
        assert_eq!(
            OfficeIdentity::of(Some(&own), &prefs),
            OfficeIdentity { name: "Northgate".into(), phone: "5550142202".into(), address: "333 Blackwood St, Suite 2, Keizer, OR 97303".into() }
        );
        assert_eq!(address_line("", "", "", "", ""), "");
        assert_eq!(address_line("", "", "Salem", "", "97301"), "Salem, 97301");
    }

    #[test]
    fn op_list_reads_and_writes_comma_separated_numbers() {
        assert_eq!(OpList::parse("5, 6").unwrap(), OpList(vec![5, 6]));
        assert_eq!(OpList::parse("").unwrap(), OpList(vec![]));
        assert_eq!(OpList(vec![1, 3]).to_string(), "1,3");
        assert!(OpList::parse("5,x").is_err());
        assert!(OpList::parse("0").is_err());
    }

    #[test]
    fn appointment_rows_default_optional_fields() {
        let row: Appointment = serde_json::from_str(
            r#"{"AptNum":1,"PatNum":2,"AptStatus":"UnschedList","Pattern":"/XX/"}"#,
        )
        .unwrap();
        assert_eq!(row.priority, Priority::Normal);
        assert!(row.apt_date_time.is_never());
        assert!(serde_json::from_str::<Appointment>(r#"{"AptNum":1,"PatNum":2,"AptStatus":"Gone","Pattern":"X"}"#).is_err());
    }
}
