//! The ASAP history page: its filters, one page of offers, and the counts above the table.

use crate::model::{AsapComm, OdDate, OdDateTime};
use serde::{Deserialize, Serialize};

/// Rows on one page of the history table.
pub const HISTORY_PAGE_SIZE: i64 = 100;

/// The filters as they stand in the URL (`/history?ClinicNum=1&dateStart=…`). Raw text, so a
/// bad value reaches the server and comes back as a message instead of vanishing.
/// `ClinicNum`, `date` and `dateStart` mean what they mean in the API; `dateThrough` is the
/// last day included (the API's `dateEnd` is the day after).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HistoryQuery {
    pub clinic_num: Option<String>,
    pub date: Option<String>,
    pub date_start: Option<String>,
    pub date_through: Option<String>,
    pub response_status: Option<String>,
    pub sms_send_status: Option<String>,
    /// One opening (ScheduleNum), as linked from the slot picker after sending.
    pub schedule_num: Option<String>,
    pub page: Option<String>,
    /// `oldest` for oldest first; newest first otherwise.
    pub order: Option<String>,
    /// The page after the row with this key (`yyyy-MM-dd HH:mm:ss|AsapCommNum`), or before it:
    /// pages are found by key, so page 1000 costs what page 1 does.
    pub after: Option<String>,
    pub before: Option<String>,
}

impl HistoryQuery {
    /// The URL parameter names, in the order the form shows them.
    pub const PARAMS: [&'static str; 11] = [
        "ClinicNum", "date", "dateStart", "dateThrough", "ResponseStatus", "SmsSendStatus", "ScheduleNum", "page", "order",
        "after", "before",
    ];

    pub fn from_pairs<'a>(get: impl Fn(&str) -> Option<String>) -> Self {
        let clean = |name: &str| get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        HistoryQuery {
            clinic_num: clean("ClinicNum").filter(|v| v != "all"),
            date: clean("date"),
            date_start: clean("dateStart"),
            date_through: clean("dateThrough"),
            response_status: clean("ResponseStatus"),
            sms_send_status: clean("SmsSendStatus"),
            schedule_num: clean("ScheduleNum"),
            page: clean("page"),
            order: clean("order"),
            after: clean("after"),
            before: clean("before"),
        }
    }

    /// Back to URL pairs, leaving out what is not set.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let values = [
            &self.clinic_num,
            &self.date,
            &self.date_start,
            &self.date_through,
            &self.response_status,
            &self.sms_send_status,
            &self.schedule_num,
            &self.page,
            &self.order,
            &self.after,
            &self.before,
        ];
        Self::PARAMS.iter().zip(values).filter_map(|(k, v)| v.clone().map(|v| (*k, v))).collect()
    }

    pub fn href(&self) -> String {
        let pairs = self.to_pairs();
        if pairs.is_empty() {
            return "/history".into();
        }
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", url_escape(v))).collect();
        format!("/history?{}", query.join("&"))
    }

    pub fn newest_first(&self) -> bool {
        self.order.as_deref() != Some("oldest")
    }
}

fn url_escape(v: &str) -> String {
    v.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '~' | ':' | '|' => c.to_string(),
            ' ' => "+".into(),
            other => {
                let mut buf = [0u8; 4];
                other.encode_utf8(&mut buf).bytes().map(|b| format!("%{b:02X}")).collect()
            }
        })
        .collect()
}

/// One offer as the history table shows it: the API object and the names around it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub comm: AsapComm,
    /// `LName, FName`.
    pub patient: String,
    pub f_name: String,
    pub clinic: String,
    pub operatory: String,
    pub slot_start: OdDateTime,
    pub slot_stop: OdDateTime,
    /// When the patient opened the link, the carrier confirmed delivery, and the offer got its
    /// outcome (an answer or expiry); never when not (yet).
    pub viewed: OdDateTime,
    pub delivered: OdDateTime,
    pub responded: OdDateTime,
    /// What became of the opening; None for offers imported without one.
    pub opening: Option<crate::model::OpeningState>,
    /// Who offered the opening (a staff user, or "API").
    pub offered_by: String,
    /// Who took this patient's offer back; empty while it stands.
    #[serde(default)]
    pub withdrawn_by: String,
    /// The offer's email, when it had one: its send status, when it is due and when it went.
    #[serde(default)]
    pub email_status: Option<crate::model::SmsSendStatus>,
    #[serde(default = "OdDateTime::never")]
    pub email_scheduled: OdDateTime,
    #[serde(default = "OdDateTime::never")]
    pub email_sent: OdDateTime,
}

impl HistoryRow {
    /// The status badge: its words and tone. A text that was never sent because the opening was
    /// filled or withdrawn is Open Dental's "Failed", but nothing went wrong: it reads "Not sent"
    /// and is not red (its Note says why).
    pub fn badge(&self) -> (&'static str, &'static str) {
        use crate::model::{ResponseStatus, SmsSendStatus};
        let c = &self.comm;
        if !self.withdrawn_by.is_empty() {
            return ("Withdrawn", "muted");
        }
        if c.response_status == ResponseStatus::Failed && c.sms_send_status == SmsSendStatus::DoNotSend {
            return ("Not sent", "muted");
        }
        (c.response_status.label(), c.response_status.tone())
    }

    /// Whether staff may still take this patient's offer back.
    pub fn may_withdraw(&self) -> bool {
        self.opening.is_some_and(|o| crate::domain::status::may_withdraw_offer(self.comm.response_status, o).is_ok())
    }

    /// When the patient's link stops working: the offer's expiry, or the opening's start if that
    /// is sooner (a link ends once its time has begun).
    pub fn link_ends(&self) -> OdDateTime {
        match self.slot_start.known() {
            Some(start) if start < self.comm.date_time_expire => start,
            _ => self.comm.date_time_expire,
        }
    }
}

/// Counts over the whole range and clinic (the status filters narrow the rows, not these).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryTotals {
    pub offers: i64,
    pub sent: i64,
    pub filled: i64,
    pub declined: i64,
    pub unable: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryDay {
    pub day: OdDate,
    pub sent: i64,
    pub accepted: i64,
    pub failed: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub rows: Vec<HistoryRow>,
    /// Rows matching every filter, over all pages.
    pub matching: i64,
    pub page: i64,
    pub page_count: i64,
    /// Keys of the pages around this one (`after` for the next, `before` for the previous).
    pub next: Option<String>,
    pub previous: Option<String>,
    pub first_day: OdDate,
    pub last_day: OdDate,
    pub totals: HistoryTotals,
    pub days: Vec<HistoryDay>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AsapComm, FKeyType, ResponseStatus, SmsSendStatus};

    fn row(response: ResponseStatus, send: SmsSendStatus, slot_start: &str, expire: &str) -> HistoryRow {
        let t = |s: &str| OdDateTime::parse(s).unwrap();
        HistoryRow {
            comm: AsapComm {
                asap_comm_num: 1,
                f_key: 1,
                f_key_type: FKeyType::UnscheduledAppt,
                schedule_num: 1,
                pat_num: 1,
                clinic_num: 1,
                date_time_entry: t("2031-03-17 09:00:00"),
                date_time_expire: t(expire),
                date_time_sms_scheduled: OdDateTime::never(),
                sms_send_status: send,
                date_time_sms_sent: OdDateTime::never(),
                response_status: response,
                date_time_orig: OdDateTime::never(),
                template_text: String::new(),
                note: String::new(),
            },
            patient: String::new(),
            f_name: String::new(),
            clinic: String::new(),
            operatory: String::new(),
            slot_start: t(slot_start),
            slot_stop: OdDateTime::never(),
            viewed: OdDateTime::never(),
            delivered: OdDateTime::never(),
            responded: OdDateTime::never(),
            opening: None,
            offered_by: String::new(),
            withdrawn_by: String::new(),
            email_status: None,
            email_scheduled: OdDateTime::never(),
            email_sent: OdDateTime::never(),
        }
    }

    #[test]
    fn a_withdrawn_offer_reads_withdrawn_and_only_a_waiting_one_can_be() {
        use crate::model::OpeningState;
        let waiting = HistoryRow { opening: Some(OpeningState::Open), ..row(ResponseStatus::PendingRsvp, SmsSendStatus::SendSuccessful, "2031-03-17 13:00:00", "2031-03-24 13:00:00") };
        assert!(waiting.may_withdraw());
        let withdrawn = HistoryRow { withdrawn_by: "Dana".into(), ..row(ResponseStatus::Expired, SmsSendStatus::SendSuccessful, "2031-03-17 13:00:00", "2031-03-24 13:00:00") };
        assert_eq!(withdrawn.badge(), ("Withdrawn", "muted"));
        assert!(!HistoryRow { opening: Some(OpeningState::Open), ..withdrawn }.may_withdraw());
        assert!(!HistoryRow { opening: Some(OpeningState::Filled), ..waiting.clone() }.may_withdraw());
        assert!(!HistoryRow { opening: None, ..waiting }.may_withdraw(), "an imported offer has no opening to take back");
    }

    #[test]
    fn a_text_never_sent_because_the_slot_filled_is_not_a_failure() {
        let filled = row(ResponseStatus::Failed, SmsSendStatus::DoNotSend, "2031-03-17 13:00:00", "2031-03-24 13:00:00");
        assert_eq!(filled.badge(), ("Not sent", "muted"));
        let undelivered = row(ResponseStatus::Failed, SmsSendStatus::SendFailed, "2031-03-17 13:00:00", "2031-03-24 13:00:00");
        assert_eq!(undelivered.badge(), ("Failed", "bad"));
    }

    #[test]
    fn the_link_ends_when_the_opening_starts() {
        let r = row(ResponseStatus::PendingRsvp, SmsSendStatus::SendSuccessful, "2031-03-17 13:00:00", "2031-03-24 13:00:00");
        assert_eq!(r.link_ends().to_string(), "2031-03-17 13:00:00");
        let imported = row(ResponseStatus::PendingRsvp, SmsSendStatus::SendSuccessful, "0001-01-01 00:00:00", "2031-03-24 13:00:00");
        assert_eq!(imported.link_ends().to_string(), "2031-03-24 13:00:00");
    }
}
