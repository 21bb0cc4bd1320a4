//! The AsapComm object exactly as Open Dental's API returns it, and the POST body that creates one.

use super::{FKeyType, OdDateTime, ResponseStatus, SmsSendStatus};
use serde::{Deserialize, Serialize};

/// One ASAP offer: a text message telling one patient about one opening.
/// The fields and their order are those of Open Dental's AsapComms API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "PascalCase")]
pub struct AsapComm {
    pub asap_comm_num: i64,
    /// AptNum or RecallNum, as FKeyType says.
    pub f_key: i64,
    pub f_key_type: FKeyType,
    /// The Web Sched ASAP blockout (schedule row) that holds the opening.
    pub schedule_num: i64,
    pub pat_num: i64,
    /// The operatory's clinic; 0 when clinics are not used.
    pub clinic_num: i64,
    pub date_time_entry: OdDateTime,
    pub date_time_expire: OdDateTime,
    pub date_time_sms_scheduled: OdDateTime,
    pub sms_send_status: SmsSendStatus,
    pub date_time_sms_sent: OdDateTime,
    pub response_status: ResponseStatus,
    /// When the appointment was originally scheduled, or the recall's due date.
    pub date_time_orig: OdDateTime,
    /// The message with [NameF] and [AsapURL] still to be filled when it is sent.
    pub template_text: String,
    pub note: String,
}

/// What `POST /asapcomms` takes. Numbers may also be sent as numeric strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAsapComm {
    /// OperatoryNum of the opening.
    #[serde(default, deserialize_with = "lenient_num::deserialize")]
    pub op: Option<i64>,
    /// The ASAP appointment to offer the opening for. This or recallNum.
    #[serde(default, deserialize_with = "lenient_num::deserialize", skip_serializing_if = "Option::is_none")]
    pub apt_num: Option<i64>,
    /// The ASAP recall to offer the opening for. This or aptNum.
    #[serde(default, deserialize_with = "lenient_num::deserialize", skip_serializing_if = "Option::is_none")]
    pub recall_num: Option<i64>,
    /// Start of the opening, yyyy-MM-dd HH:mm:ss.
    #[serde(default)]
    pub date_time_start: Option<String>,
}

/// Accepts `12`, `"12"` or null for an optional whole number, with a message naming what is wrong.
pub mod lenient_num {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a whole number"))),
            Some(serde_json::Value::String(s)) => s
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| serde::de::Error::custom(format!("`{s}` is not a whole number"))),
            Some(other) => Err(serde::de::Error::custom(format!("{other} is not a whole number"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference_example() -> AsapComm {
        AsapComm {
            asap_comm_num: 192,
            f_key: 539,
            f_key_type: FKeyType::ScheduledAppt,
            schedule_num: 3523,
            pat_num: 1771,
            clinic_num: 1,
            date_time_entry: OdDateTime::parse("2023-08-24 10:04:14").unwrap(),
            date_time_expire: OdDateTime::parse("2023-09-20 09:00:00").unwrap(),
            date_time_sms_scheduled: OdDateTime::parse("2023-09-14 10:04:14").unwrap(),
            sms_send_status: SmsSendStatus::SendSuccessful,
            date_time_sms_sent: OdDateTime::parse("2023-09-14 10:04:14").unwrap(),
            response_status: ResponseStatus::PendingRsvp,
            date_time_orig: OdDateTime::parse("2023-09-26 10:00:00").unwrap(),
            template_text: "[NameF], an appointment opening has become available on 08/28/2023 at 2:00 PM at SouthSide Dental. Visit [AsapURL] to reserve it.".into(),
            note: String::new(),
        }
    }

    #[test]
    fn serialises_the_reference_fields_in_order() {
        let json = serde_json::to_string(&reference_example()).unwrap();
        let expected = r#"{"AsapCommNum":192,"FKey":539,"FKeyType":"ScheduledAppt","ScheduleNum":3523,"PatNum":1771,"ClinicNum":1,"DateTimeEntry":"2023-08-24 10:04:14","DateTimeExpire":"2023-09-20 09:00:00","DateTimeSmsScheduled":"2023-09-14 10:04:14","SmsSendStatus":"SendSuccessful","DateTimeSmsSent":"2023-09-14 10:04:14","ResponseStatus":"PendingRsvp","DateTimeOrig":"2023-09-26 10:00:00","TemplateText":"[NameF], an appointment opening has become available on 08/28/2023 at 2:00 PM at SouthSide Dental. Visit [AsapURL] to reserve it.","Note":""}"#;
        assert_eq!(json, expected);
        let back: AsapComm = serde_json::from_str(&json).unwrap();
        assert_eq!(back, reference_example());
    }

    #[test]
    fn post_body_reads_numbers_or_numeric_strings() {
        let body: NewAsapComm =
            serde_json::from_str(r#"{"op": "2", "aptNum": 11939, "dateTimeStart": "2023-10-18 14:00:00"}"#).unwrap();
        assert_eq!(body.op, Some(2));
        assert_eq!(body.apt_num, Some(11939));
        assert_eq!(body.recall_num, None);
        assert!(serde_json::from_str::<NewAsapComm>(r#"{"op": 2.5}"#).is_err());
        assert!(serde_json::from_str::<NewAsapComm>(r#"{"opp": 2}"#).is_err());
    }
}
