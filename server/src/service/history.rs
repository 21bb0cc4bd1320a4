//! The ASAP history page: the `GET /asapcomms` range and clinic checks, plus the page's own
//! status filters, paging and counts.

use super::{Params, ServiceError, ServiceResult, Services};
use crate::store::history::HistoryCursor;

/// Reads a page key `yyyy-MM-dd HH:mm:ss|AsapCommNum`.
fn cursor(raw: &str, forward: bool) -> ServiceResult<HistoryCursor> {
    let bad = || ServiceError::bad_request(format!("`{raw}` is not a page marker. Use the page links."));
    let (entry, num) = raw.trim().rsplit_once('|').ok_or_else(bad)?;
    let entry = app::model::OdDateTime::parse(entry).map_err(|_| bad())?;
    let num = num.trim().parse::<i64>().map_err(|_| bad())?;
    Ok(HistoryCursor { entry, num, forward })
}
use crate::store;
use crate::store::history::HistoryFilter;
use app::view::history::{HISTORY_PAGE_SIZE, HistoryPage, HistoryQuery};
use app::domain::params::{date_param, key_number};
use app::model::{OdDate, ResponseStatus, SmsSendStatus};

/// The page's dates, checked in the page's words (its fields are Day, From and Through); the
/// REST API's checks after them name the URL parameters an integrator sends.
fn check_page_dates(q: &HistoryQuery) -> ServiceResult<()> {
    let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    for (field, value) in [("Day", &q.date), ("From", &q.date_start), ("Through", &q.date_through)] {
        if let Some(raw) = value.as_deref().filter(|s| !s.trim().is_empty()) {
            if OdDate::parse(raw.trim()).is_err() {
                return Err(ServiceError::bad_request(format!(
                    "The {field} date '{raw}' is not a date. Pick one in the calendar, or type it as 2026-05-01."
                )));
            }
        }
    }
    if given(&q.date) && (given(&q.date_start) || given(&q.date_through)) {
        return Err(ServiceError::bad_request("Choose one Day, or a From–Through range, not both."));
    }
    Ok(())
}

/// Days the chart draws at most; a longer range shows its last days.
const CHART_DAYS: usize = 92;

impl Services {
    pub async fn history(&self, q: &HistoryQuery, allowed: Option<&[i64]>) -> ServiceResult<HistoryPage> {
        check_page_dates(q)?;
        let mut conn = self.store.pool().acquire().await?;
        let mut params = Vec::new();
        if let Some(c) = &q.clinic_num {
            params.push(("ClinicNum".to_string(), c.clone()));
        }
        if let Some(d) = &q.date {
            params.push(("date".to_string(), d.clone()));
        }
        if let Some(d) = &q.date_start {
            params.push(("dateStart".to_string(), d.clone()));
        }
        if let Some(raw) = &q.date_through {
            // The page asks for the last day included; the API's dateEnd is the day after.
            let through = date_param("dateThrough", raw).map_err(ServiceError::BadRequest)?;
            if let Some(start) = q.date_start.as_deref().and_then(|s| OdDate::parse(s.trim()).ok()) {
                if start > through {
                    return Err(ServiceError::bad_request(format!(
                        "The first day ({start}) is after the last day ({through}). Swap them or pick other dates."
                    )));
                }
            }
            params.push(("dateEnd".to_string(), through.add_days(1).to_string()));
        }
        let mut range = self.asapcomm_range(&mut conn, &Params(params), allowed).await?;

        let response_status = q
            .response_status
            .as_deref()
            .map(ResponseStatus::parse)
            .transpose()
            .map_err(|e| ServiceError::bad_request(format!("Status: {e}")))?;
        let sms_send_status = q
            .sms_send_status
            .as_deref()
            .map(SmsSendStatus::parse)
            .transpose()
            .map_err(|e| ServiceError::bad_request(format!("Text: {e}")))?;
        let schedule_num = q
            .schedule_num
            .as_deref()
            .map(|raw| key_number("ScheduleNum", raw))
            .transpose()
            .map_err(ServiceError::BadRequest)?;
        let page = match q.page.as_deref() {
            None => 1,
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(n) if n >= 1 => n,
                _ => return Err(ServiceError::bad_request(format!("page must be a whole number from 1, not '{raw}'."))),
            },
        };
        let cursor = match (q.after.as_deref(), q.before.as_deref()) {
            (Some(_), Some(_)) => return Err(ServiceError::bad_request("Give after or before, not both.")),
            (Some(raw), None) => Some(cursor(raw, true)?),
            (None, Some(raw)) => Some(cursor(raw, false)?),
            (None, None) => None,
        };
        // One row more than a page says whether there is a page beyond.
        range.limit = HISTORY_PAGE_SIZE + 1;
        range.offset = (page - 1) * HISTORY_PAGE_SIZE;
        let filter =
            HistoryFilter { range, response_status, sms_send_status, schedule_num, newest_first: q.newest_first(), cursor: cursor.clone() };

        let store::history::HistoryCounts { matching, totals, mut days, matching_by_day } =
            store::history::history_counts(&mut conn, &filter).await?;
        let page_count = ((matching + HISTORY_PAGE_SIZE - 1) / HISTORY_PAGE_SIZE).max(1);
        // A page chosen by number starts at its day, not after every row before it.
        let read = store::history::jump_to_page(&filter, &matching_by_day);
        let mut rows = store::history::history_rows(&mut conn, read.as_ref().unwrap_or(&filter)).await?;
        let beyond = rows.len() as i64 > HISTORY_PAGE_SIZE;
        let backwards = cursor.as_ref().is_some_and(|c| !c.forward);
        if beyond {
            // The extra row is the farthest from where the page was read from.
            if backwards { rows.remove(0); } else { rows.truncate(HISTORY_PAGE_SIZE as usize); }
        }
        let key = |r: &app::view::history::HistoryRow| format!("{}|{}", r.comm.date_time_entry, r.comm.asap_comm_num);
        let next = if backwards || beyond { rows.last().map(key) } else { None };
        let previous = match &cursor {
            None => (page > 1).then(|| rows.first().map(key)).flatten(),
            Some(c) if c.forward => rows.first().map(key),
            Some(_) => beyond.then(|| rows.first().map(key)).flatten(),
        };
        if days.len() > CHART_DAYS {
            days.drain(..days.len() - CHART_DAYS);
        }
        Ok(HistoryPage {
            rows,
            matching,
            page,
            page_count,
            next,
            previous,
            first_day: filter.range.start.date(),
            last_day: filter.range.end.date().add_days(-1),
            totals,
            days,
        })
    }
}
