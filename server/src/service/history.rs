//! The ASAP history page: the `GET /asapcomms` range and clinic checks, plus the page's own
//! status filters, paging and counts.

use super::{Params, ServiceError, ServiceResult, Services};
use crate::store::{self, HistoryFilter};
use app::api::{HISTORY_PAGE_SIZE, HistoryPage, HistoryQuery};
use app::domain::params::{date_param, key_number};
use app::model::{OdDate, ResponseStatus, SmsSendStatus};

/// Days the chart draws at most; a longer range shows its last days.
const CHART_DAYS: usize = 92;

impl Services {
    pub async fn history(&self, q: &HistoryQuery, allowed: Option<&[i64]>) -> ServiceResult<HistoryPage> {
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
        range.limit = HISTORY_PAGE_SIZE;
        range.offset = (page - 1) * HISTORY_PAGE_SIZE;
        let filter = HistoryFilter { range, response_status, sms_send_status, schedule_num, newest_first: q.newest_first() };

        let matching = store::history_matching(&mut conn, &filter).await?;
        let page_count = ((matching + HISTORY_PAGE_SIZE - 1) / HISTORY_PAGE_SIZE).max(1);
        let rows = store::history_rows(&mut conn, &filter).await?;
        let totals = store::history_totals(&mut conn, &filter).await?;
        let mut days = store::history_days(&mut conn, &filter).await?;
        if days.len() > CHART_DAYS {
            days.drain(..days.len() - CHART_DAYS);
        }
        Ok(HistoryPage {
            rows,
            matching,
            page,
            page_count,
            first_day: filter.range.start.date(),
            last_day: filter.range.end.date().add_days(-1),
            totals,
            days,
        })
    }
}
