//! Open Dental's API objects as its pages document them, and their translation into this
//! server's office data. Shapes, per page (https://www.opendental.com/site/…):
//!
//! - booleans are the strings `"true"`/`"false"` (apiimplementation.html, "Data Types");
//! - enums are written by name; dates `yyyy-MM-dd`, date-times `yyyy-MM-dd HH:mm:ss`;
//! - Schedules write every value, numbers included, as a string, and their operatories as a
//!   comma-separated string (apischedules.html);
//! - each object of Appointments, Patients (`/patients/Simple`) and Providers carries
//!   `serverDateTime`, the cursor for the next `DateTStamp` read (apiappointments.html).
//!
//! Fields this server does not keep are ignored; a row that cannot be read is reported by key
//! and left out, never half-read.

use app::model::{
    ContactMethod, Appointment, AptStatus, Clinic, Definition, OdBool, OdDate, OdDateTime, OdTime, OpList, Operatory, Patient, Priority, Provider,
    Recall, RecallType, SchedType, Schedule, TimePattern, TxtMsgOk,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// A number written as a JSON number or, as Schedules write them, as a string.
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(i64),
        Text(String),
    }
    match Either::deserialize(d)? {
        Either::Number(n) => Ok(n),
        Either::Text(s) if s.trim().is_empty() => Ok(0),
        Either::Text(s) => s.trim().parse().map_err(|_| serde::de::Error::custom(format!("`{s}` is not a whole number"))),
    }
}

/// Text, with a missing value (`null`) read as empty.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A date-time, or "never" for an empty string.
fn date_time<'de, D: Deserializer<'de>>(d: D) -> Result<OdDateTime, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        return Ok(OdDateTime::never());
    }
    OdDateTime::parse(&s).map_err(serde::de::Error::custom)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OdAppointment {
    #[serde(deserialize_with = "number")]
    pub apt_num: i64,
    #[serde(deserialize_with = "number")]
    pub pat_num: i64,
    pub apt_status: AptStatus,
    pub pattern: String,
    #[serde(default, deserialize_with = "number")]
    pub op: i64,
    #[serde(default, deserialize_with = "number")]
    pub prov_num: i64,
    #[serde(default = "OdDateTime::never", deserialize_with = "date_time")]
    pub apt_date_time: OdDateTime,
    #[serde(default, deserialize_with = "number")]
    pub clinic_num: i64,
    #[serde(default = "normal")]
    pub priority: Priority,
    #[serde(default, deserialize_with = "number")]
    pub next_apt_num: i64,
    #[serde(rename = "serverDateTime", default)]
    pub server_date_time: String,
}

fn normal() -> Priority {
    Priority::Normal
}

impl OdAppointment {
    pub fn into_model(self) -> Result<Appointment, String> {
        let pattern = TimePattern::parse(&self.pattern).map_err(|e| format!("appointment {}: Pattern: {e}", self.apt_num))?;
        Ok(Appointment {
            apt_num: self.apt_num,
            pat_num: self.pat_num,
            apt_status: self.apt_status,
            pattern,
            op: self.op,
            prov_num: self.prov_num,
            apt_date_time: self.apt_date_time,
            clinic_num: self.clinic_num,
            priority: self.priority,
            next_apt_num: self.next_apt_num,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OdPatient {
    #[serde(deserialize_with = "number")]
    pub pat_num: i64,
    #[serde(default, deserialize_with = "text")]
    pub l_name: String,
    #[serde(default, deserialize_with = "text")]
    pub f_name: String,
    #[serde(default, deserialize_with = "text")]
    pub wireless_phone: String,
    #[serde(default = "unknown")]
    pub txt_msg_ok: TxtMsgOk,
    #[serde(default, deserialize_with = "number")]
    pub clinic_num: i64,
    #[serde(default, deserialize_with = "text")]
    pub email: String,
    /// A member name; one this version does not know reads as "None" rather than losing the patient.
    #[serde(default, deserialize_with = "text")]
    pub prefer_contact_method: String,
    #[serde(rename = "serverDateTime", default)]
    pub server_date_time: String,
}

fn unknown() -> TxtMsgOk {
    TxtMsgOk::Unknown
}

impl OdPatient {
    pub fn into_model(self) -> Patient {
        Patient {
            pat_num: self.pat_num,
            l_name: self.l_name,
            f_name: self.f_name,
            wireless_phone: self.wireless_phone,
            txt_msg_ok: self.txt_msg_ok,
            clinic_num: self.clinic_num,
            email: self.email.trim().to_string(),
            prefer_contact_method: ContactMethod::parse(&self.prefer_contact_method).unwrap_or(ContactMethod::None),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OdProvider {
    #[serde(deserialize_with = "number")]
    pub prov_num: i64,
    #[serde(default, deserialize_with = "text")]
    pub abbr: String,
    #[serde(default, deserialize_with = "text")]
    pub f_name: String,
    #[serde(default, deserialize_with = "text")]
    pub l_name: String,
    #[serde(default)]
    pub is_secondary: OdBool,
    #[serde(default)]
    pub is_hidden: OdBool,
    #[serde(rename = "serverDateTime", default)]
    pub server_date_time: String,
}

impl OdProvider {
    pub fn into_model(self) -> Provider {
        Provider {
            prov_num: self.prov_num,
            abbr: self.abbr,
            f_name: self.f_name,
            l_name: self.l_name,
            is_secondary: self.is_secondary,
            is_hidden: self.is_hidden,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OdClinic {
    #[serde(deserialize_with = "number")]
    pub clinic_num: i64,
    #[serde(default, deserialize_with = "text")]
    pub description: String,
    #[serde(default, deserialize_with = "text")]
    pub abbr: String,
    #[serde(default, deserialize_with = "text")]
    pub phone: String,
    #[serde(default, deserialize_with = "text")]
    pub address: String,
    #[serde(default, deserialize_with = "text")]
    pub address2: String,
    #[serde(default, deserialize_with = "text")]
    pub city: String,
    #[serde(default, deserialize_with = "text")]
    pub state: String,
    #[serde(default, deserialize_with = "text")]
    pub zip: String,
}

impl OdClinic {
    pub fn into_model(self) -> Clinic {
        Clinic {
            clinic_num: self.clinic_num,
            description: self.description,
            abbr: self.abbr,
            phone: self.phone,
            address: self.address,
            address2: self.address2,
            city: self.city,
            state: self.state,
            zip: self.zip,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OdOperatory {
    #[serde(deserialize_with = "number")]
    pub operatory_num: i64,
    #[serde(default, deserialize_with = "text")]
    pub op_name: String,
    #[serde(default, deserialize_with = "text")]
    pub abbrev: String,
    #[serde(default, deserialize_with = "number")]
    pub item_order: i64,
    #[serde(default)]
    pub is_hidden: OdBool,
    #[serde(default, deserialize_with = "number")]
    pub clinic_num: i64,
    #[serde(default, deserialize_with = "number")]
    pub prov_dentist: i64,
    #[serde(default, deserialize_with = "number")]
    pub prov_hygienist: i64,
    #[serde(default)]
    pub is_hygiene: OdBool,
    #[serde(default)]
    pub is_web_sched: OdBool,
}

impl OdOperatory {
    pub fn into_model(self) -> Operatory {
        Operatory {
            operatory_num: self.operatory_num,
            op_name: self.op_name,
            abbrev: self.abbrev,
            item_order: self.item_order,
            is_hidden: self.is_hidden,
            clinic_num: self.clinic_num,
            prov_dentist: self.prov_dentist,
            prov_hygienist: self.prov_hygienist,
            is_hygiene: self.is_hygiene,
            is_web_sched: self.is_web_sched,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OdRecallType {
    #[serde(deserialize_with = "number")]
    pub recall_type_num: i64,
    #[serde(default, deserialize_with = "text")]
    pub description: String,
    #[serde(default, deserialize_with = "text")]
    pub time_pattern: String,
}

impl OdRecallType {
    /// A recall type without a time pattern (Open Dental allows one) cannot say how long its
    /// appointment is, so it is not kept; its recalls cannot be offered an opening.
    pub fn into_model(self) -> Result<RecallType, String> {
        let time_pattern = TimePattern::parse(&self.time_pattern)
            .map_err(|e| format!("recall type {} ({}): TimePattern: {e}", self.recall_type_num, self.description))?;
        Ok(RecallType { recall_type_num: self.recall_type_num, description: self.description, time_pattern })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OdRecall {
    #[serde(deserialize_with = "number")]
    pub recall_num: i64,
    #[serde(deserialize_with = "number")]
    pub pat_num: i64,
    #[serde(deserialize_with = "number")]
    pub recall_type_num: i64,
    pub date_due: OdDate,
    #[serde(default = "normal")]
    pub priority: Priority,
    #[serde(default)]
    pub is_disabled: OdBool,
}

impl OdRecall {
    pub fn into_model(self) -> Recall {
        Recall {
            recall_num: self.recall_num,
            pat_num: self.pat_num,
            recall_type_num: self.recall_type_num,
            date_due: self.date_due,
            priority: self.priority,
            is_disabled: self.is_disabled,
        }
    }
}

/// Definitions write `isHidden` in lower camel case (apidefinitions.html).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OdDefinition {
    #[serde(deserialize_with = "number")]
    pub def_num: i64,
    #[serde(deserialize_with = "number")]
    pub category: i64,
    #[serde(default, deserialize_with = "text")]
    pub item_name: String,
    #[serde(default, deserialize_with = "text")]
    pub item_value: String,
    #[serde(default, deserialize_with = "number")]
    pub item_order: i64,
    #[serde(rename = "isHidden", alias = "IsHidden", default)]
    pub is_hidden: OdBool,
}

impl OdDefinition {
    pub fn into_model(self) -> Definition {
        Definition {
            def_num: self.def_num,
            category: self.category,
            item_name: self.item_name,
            item_value: self.item_value,
            item_order: self.item_order,
            is_hidden: self.is_hidden,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OdSchedule {
    #[serde(deserialize_with = "number")]
    pub schedule_num: i64,
    pub sched_date: OdDate,
    pub start_time: OdTime,
    pub stop_time: OdTime,
    pub sched_type: SchedType,
    #[serde(default, deserialize_with = "number")]
    pub prov_num: i64,
    #[serde(default, deserialize_with = "number")]
    pub blockout_type: i64,
    #[serde(rename = "blockoutType", default, deserialize_with = "text")]
    pub blockout_type_name: String,
    #[serde(default, deserialize_with = "text")]
    pub note: String,
    #[serde(rename = "operatories", default, deserialize_with = "text")]
    pub operatories: String,
    #[serde(default, deserialize_with = "number")]
    pub employee_num: i64,
}

impl OdSchedule {
    pub fn into_model(self) -> Result<Schedule, String> {
        let operatories = OpList::parse(&self.operatories).map_err(|e| format!("schedule {}: operatories: {e}", self.schedule_num))?;
        Ok(Schedule {
            schedule_num: self.schedule_num,
            sched_date: self.sched_date,
            start_time: self.start_time,
            stop_time: self.stop_time,
            sched_type: self.sched_type,
            prov_num: self.prov_num,
            blockout_type: self.blockout_type,
            blockout_type_name: self.blockout_type_name,
            note: self.note,
            operatories,
            employee_num: self.employee_num,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OdPreference {
    pub pref_name: String,
    #[serde(default, deserialize_with = "text")]
    pub value_string: String,
}

/// One page of a list, each row read on its own: the rows that read, and for each that did not,
/// its position and why.
pub fn rows<T: DeserializeOwned>(body: &[u8]) -> Result<(Vec<T>, Vec<String>), String> {
    let values: Vec<serde_json::Value> =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not a JSON list: {e}"))?;
    let mut good = Vec::with_capacity(values.len());
    let mut bad = Vec::new();
    for (i, v) in values.into_iter().enumerate() {
        match serde_path_to_error::deserialize::<_, T>(v) {
            Ok(row) => good.push(row),
            Err(e) => bad.push(format!("row {i}: {}: {}", e.path(), e.inner())),
        }
    }
    Ok((good, bad))
}

/// The newest `serverDateTime` on a page: where the next incremental read starts. Empty when
/// the page has none (an empty page, or a read Open Dental does not stamp).
pub fn server_date_time<'a>(stamps: impl Iterator<Item = &'a str>) -> Option<OdDateTime> {
    stamps.filter_map(|s| OdDateTime::parse(s).ok()).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appointments_read_as_the_page_documents_them() {
        // The example of apiappointments.html, GET (single).
        let body = br#"[{"serverDateTime":"2021-05-04 09:32:45","AptNum":18,"PatNum":17,"AptStatus":"Scheduled",
            "Pattern":"//XXXX//","Confirmed":19,"confirmed":"Not Called","TimeLocked":"false","Op":3,"Note":"",
            "ProvNum":1,"provAbbr":"DOC1","ProvHyg":0,"AptDateTime":"2020-07-31 08:30:00","NextAptNum":0,
            "UnschedStatus":0,"unschedStatus":"","IsNewPatient":"false","ProcDescript":"Seal, Seal","ClinicNum":0,
            "IsHygiene":"false","DateTStamp":"2021-05-03 08:30:12","Priority":"Normal","PatternSecondary":"//////X/"}]"#;
        let (apts, bad) = rows::<OdAppointment>(body).unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        let stamp = server_date_time(apts.iter().map(|r| r.server_date_time.as_str()));
        assert_eq!(stamp, OdDateTime::parse("2021-05-04 09:32:45").ok());
        let apt = apts.into_iter().next().unwrap().into_model().unwrap();
        assert_eq!((apt.apt_num, apt.pat_num, apt.op, apt.apt_status), (18, 17, 3, AptStatus::Scheduled));
        assert_eq!(apt.pattern.as_str(), "//XXXX//");
        assert_eq!(apt.apt_date_time.to_string(), "2020-07-31 08:30:00");
    }

    #[test]
    fn schedules_write_numbers_as_strings() {
        // The blockout example of apischedules.html.
        let body = br#"[{"ScheduleNum":"25884","SchedDate":"2022-03-07","StartTime":"13:30:00","StopTime":"14:00:00",
            "SchedType":"Blockout","ProvNum":"0","BlockoutType":"248","blockoutType":"Staff Meeting",
            "Note":"Weekly Meet","operatories":"5,6","EmployeeNum":"0","DateTStamp":"2022-03-07 08:17:02"}]"#;
        let (schedules, bad) = rows::<OdSchedule>(body).unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        let s = schedules.into_iter().next().unwrap().into_model().unwrap();
        assert_eq!((s.schedule_num, s.blockout_type, s.sched_type), (25884, 248, SchedType::Blockout));
        assert_eq!(s.operatories, OpList(vec![5, 6]));
    }

    #[test]
    fn string_booleans_and_a_bad_row_left_out_by_position() {
        let body = br#"[{"OperatoryNum":1,"OpName":"Dr. Brian Albert","Abbrev":"OP-1","ItemOrder":0,"IsHidden":"false",
            "ProvDentist":1,"ProvHygienist":0,"IsHygiene":"true","ClinicNum":2,"IsWebSched":"false"},
            {"OperatoryNum":"x"}]"#;
        let (ops, bad) = rows::<OdOperatory>(body).unwrap();
        assert_eq!(ops.len(), 1);
        assert!(ops[0].is_hygiene.0 && !ops[0].is_hidden.0);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].starts_with("row 1: OperatoryNum"), "{bad:?}");
        assert!(rows::<OdOperatory>(b"{\"not\": \"a list\"}").is_err());
    }

    #[test]
    fn a_recall_type_without_a_pattern_is_not_kept() {
        let (types, _) = rows::<OdRecallType>(br#"[{"RecallTypeNum":7,"Description":"Exam","DefaultInterval":"6m1d","TimePattern":""}]"#).unwrap();
        let err = types.into_iter().next().unwrap().into_model().unwrap_err();
        assert!(err.starts_with("recall type 7 (Exam): TimePattern"), "{err}");
    }
}
