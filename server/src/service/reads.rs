//! The read use cases behind the REST API's GET endpoints. Each takes the raw query
//! parameters, checks them with the shared rules in `app::domain::params`, and reads.

use super::{ServiceError, ServiceResult, Services};
use crate::store::table;
use crate::store;
use crate::store::asapcomm::AsapCommRange;
use crate::store::book::ScheduleFilter;
use app::domain::asap_list::{CandidateKind, asap_order_key};
use app::domain::length::appointment_minutes;
use app::domain::occupancy::{blocks_scheduling, occupies_time};
use app::domain::params::{
    DEFAULT_SLOT_DAYS, Paging, day_range, entry_range, entry_range_needs_today, key_number, optional_key, paging,
};
use app::domain::slots::{Occupied, ProviderTime, open_slots};
use app::domain::Span;
use app::model::{Appointment, OdDate, OdDateTime, Operatory, SchedType, Schedule, Slot};
use sqlx::AnyConnection;

/// Query parameters as sent. Names match case-insensitively, so `clinicnum` finds `ClinicNum`;
/// a name given twice is an error rather than a guess.
#[derive(Clone, Debug, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn get(&self, name: &str) -> ServiceResult<Option<&str>> {
        let mut found = self.0.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name));
        let first = found.next();
        if found.next().is_some() {
            return Err(ServiceError::bad_request(format!("{name} is given more than once. Give it once.")));
        }
        Ok(first.map(|(_, v)| v.as_str()))
    }

    fn paging(&self) -> ServiceResult<Paging> {
        paging(self.get("Offset")?, self.get("Limit")?).map_err(ServiceError::BadRequest)
    }

    fn key(&self, name: &str) -> ServiceResult<Option<i64>> {
        optional_key(name, self.get(name)?).map_err(ServiceError::BadRequest)
    }
}

/// A key from the URL path (`/asapcomms/{AsapCommNum}`).
pub fn path_key(name: &str, raw: &str) -> ServiceResult<i64> {
    key_number(name, raw).map_err(ServiceError::BadRequest)
}

/// A `ClinicNum` filter must name a clinic (0, "no clinic", always exists).
async fn require_clinic(conn: &mut AnyConnection, clinic: Option<i64>) -> ServiceResult<()> {
    match clinic {
        Some(c) if c != 0 && !table::exists::<app::model::Clinic>(conn, c).await? => {
            Err(ServiceError::not_found(format!("Clinic {c} does not exist.")))
        }
        _ => Ok(()),
    }
}

async fn require_provider(conn: &mut AnyConnection, prov: Option<i64>) -> ServiceResult<()> {
    match prov {
        Some(p) if !table::exists::<app::model::Provider>(conn, p).await? => {
            Err(ServiceError::not_found(format!("Provider {p} does not exist.")))
        }
        _ => Ok(()),
    }
}

/// A clinic named in the query must be one the caller may see.
fn allow_clinic(clinic: Option<i64>, allowed: Option<&[i64]>) -> ServiceResult<()> {
    match (clinic, allowed) {
        (Some(c), Some(list)) if !list.contains(&c) => Err(ServiceError::Forbidden(format!("Clinic {c} is not one you have access to."))),
        _ => Ok(()),
    }
}

fn sees(allowed: Option<&[i64]>, clinic: i64) -> bool {
    allowed.is_none_or(|list| list.contains(&clinic))
}

fn page<T>(items: Vec<T>, p: Paging) -> Vec<T> {
    items.into_iter().skip(p.offset as usize).take(p.limit as usize).collect()
}

impl Services {
    /// One AsapComm as response bytes (see `store::asapcomm::asapcomm_json`); another clinic's is as
    /// unknown to a restricted caller as a missing one.
    pub async fn asapcomm_json(&self, num: i64, allowed: Option<&[i64]>) -> ServiceResult<Vec<u8>> {
        let mut conn = self.store.pool().acquire().await?;
        store::asapcomm::asapcomm_json(&mut conn, num)
            .await?
            .filter(|(clinic, _)| sees(allowed, *clinic))
            .map(|(_, body)| body)
            .ok_or_else(|| ServiceError::not_found(format!("AsapComm {num} does not exist.")))
    }

    /// `GET /asapcomms` as response bytes.
    pub async fn asapcomms_json(&self, params: &Params, allowed: Option<&[i64]>) -> ServiceResult<Vec<u8>> {
        let mut conn = self.store.pool().acquire().await?;
        let range = self.unchecked_asapcomm_range(&mut conn, params, allowed).await?;
        let page = store::asapcomm::asapcomms_json(&mut conn, &range).await?;
        // A clinic with offers on the page exists; only an empty page needs the look-up that
        // tells "no offers" from "no such clinic".
        if page == b"[]" {
            require_clinic(&mut conn, range.clinic_num).await?;
        }
        Ok(page)
    }

    /// `GET /asapcomms` filters, checked. Shared with the history page. `allowed` is the caller's
    /// clinic restriction: another clinic named is refused; none named means only the allowed ones.
    pub async fn asapcomm_range(
        &self,
        conn: &mut AnyConnection,
        params: &Params,
        allowed: Option<&[i64]>,
    ) -> ServiceResult<AsapCommRange> {
        let range = self.unchecked_asapcomm_range(conn, params, allowed).await?;
        require_clinic(conn, range.clinic_num).await?;
        Ok(range)
    }

    /// The same, without checking that the clinic exists.
    async fn unchecked_asapcomm_range(
        &self,
        conn: &mut AnyConnection,
        params: &Params,
        allowed: Option<&[i64]>,
    ) -> ServiceResult<AsapCommRange> {
        let (date, date_start, date_end) = (params.get("date")?, params.get("dateStart")?, params.get("dateEnd")?);
        let today = if entry_range_needs_today(date, date_start, date_end) {
            self.clock.today(&store::office::preferences(conn).await?)
        } else {
            // Not used: the request gave every bound.
            OdDate::new(chrono::NaiveDate::MIN)
        };
        let (start, end) = entry_range(date, date_start, date_end, today).map_err(ServiceError::BadRequest)?;
        let clinic_num = params.key("ClinicNum")?;
        allow_clinic(clinic_num, allowed)?;
        let p = params.paging()?;
        Ok(AsapCommRange {
            start,
            end,
            clinic_num,
            clinics: allowed.map(<[i64]>::to_vec),
            offset: p.offset,
            limit: p.limit,
        })
    }


    /// `GET /appointments/ASAP`, in ASAP list order.
    pub async fn asap_appointments(&self, params: &Params, allowed: Option<&[i64]>) -> ServiceResult<Vec<Appointment>> {
        let mut conn = self.store.pool().acquire().await?;
        let clinic = params.key("ClinicNum")?;
        allow_clinic(clinic, allowed)?;
        require_clinic(&mut conn, clinic).await?;
        let prov = params.key("ProvNum")?;
        require_provider(&mut conn, prov).await?;
        let paging = params.paging()?;
        let mut list = store::book::asap_appointments(&mut conn, clinic, prov).await?;
        list.retain(|a| sees(allowed, a.clinic_num));
        list.sort_by_key(|a| asap_order_key(CandidateKind::Appointment(a.apt_status), a.apt_date_time, a.apt_num));
        Ok(page(list, paging))
    }

    /// `GET /appointments/Slots`: provider time in each operatory minus what occupies it.
    pub async fn slots(&self, params: &Params, allowed: Option<&[i64]>) -> ServiceResult<Vec<Slot>> {
        let mut conn = self.store.pool().acquire().await?;
        let prefs = store::office::preferences(&mut conn).await?;
        let now = self.clock.now(&prefs);
        let (first, last) = day_range(
            params.get("date")?,
            params.get("dateStart")?,
            params.get("dateEnd")?,
            now.date(),
            DEFAULT_SLOT_DAYS,
        )
        .map_err(ServiceError::BadRequest)?;
        let length = match params.get("lengthMinutes")? {
            None => 1,
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(n) if (1..=1440).contains(&n) => n,
                _ => {
                    return Err(ServiceError::bad_request(format!(
                        "lengthMinutes must be a whole number of minutes from 1 to 1440, not '{raw}'."
                    )));
                }
            },
        };
        let prov = params.key("ProvNum")?;
        require_provider(&mut conn, prov).await?;
        let op_num = params.key("OpNum")?;
        let ops: Vec<Operatory> = match op_num {
            Some(n) => vec![
                store::office::operatory(&mut conn, n)
                    .await?
                    .filter(|o| sees(allowed, o.clinic_num))
                    .ok_or_else(|| ServiceError::not_found(format!("Operatory {n} does not exist.")))?,
            ],
            None => store::office::operatories(&mut conn, None)
                .await?
                .into_iter()
                .filter(|o| !o.is_hidden.0 && sees(allowed, o.clinic_num))
                .collect(),
        };
        let paging = params.paging()?;
        let board = self.occupancy(&mut conn, &ops, first, last).await?;
        let provider_time: Vec<ProviderTime> =
            board.provider_time.into_iter().filter(|pt| prov.is_none_or(|p| pt.prov_num == p)).collect();
        Ok(page(open_slots(&provider_time, &board.occupied, length, now), paging))
    }

    /// Provider time and what occupies it, for the given operatories and days. The slot list
    /// and the slot picker both read it, so they cannot disagree.
    pub async fn occupancy(
        &self,
        conn: &mut AnyConnection,
        ops: &[Operatory],
        first: app::model::OdDate,
        last: app::model::OdDate,
    ) -> ServiceResult<Occupancy> {
        let types = store::office::blockout_types(conn).await?;
        let op_nums: Vec<i64> = ops.iter().map(|o| o.operatory_num).collect();
        let mut provider_time = Vec::new();
        let mut occupied = Vec::new();
        let mut blocks_out = Vec::new();
        for (block, op) in store::book::schedule_blocks(conn, first, last, ops).await? {
            let span = Span::new(
                OdDateTime::from_parts(block.sched_date, block.start_time),
                OdDateTime::from_parts(block.sched_date, block.stop_time),
            );
            match block.sched_type {
                SchedType::Provider => provider_time.push(ProviderTime { op_num: op, prov_num: block.prov_num, span }),
                SchedType::Blockout => {
                    let blocking = types
                        .iter()
                        .find(|d| d.def_num == block.blockout_type)
                        .is_some_and(|d| blocks_scheduling(&d.item_value));
                    if blocking {
                        occupied.push(Occupied { op_num: op, span });
                    }
                    blocks_out.push((block, op, blocking));
                }
                SchedType::WebSchedASAP => blocks_out.push((block, op, false)),
                _ => {}
            }
        }
        let apts = store::book::appointments_in_operatories(
            conn,
            &op_nums,
            first.add_days(-1).start(),
            last.add_days(1).start(),
        )
        .await?;
        let mut appointments = Vec::new();
        for apt in apts {
            if !occupies_time(apt.apt_status) {
                continue;
            }
            let span = Span::starting_at(apt.apt_date_time, appointment_minutes(&apt.pattern));
            occupied.push(Occupied { op_num: apt.op, span });
            appointments.push(apt);
        }
        Ok(Occupancy { provider_time, occupied, blockouts: blocks_out, appointments })
    }

    /// Whether a schedule row belongs to what the caller may see: linked to one of their
    /// clinics' operatories, or to no operatory at all.
    async fn schedule_visible(&self, conn: &mut AnyConnection, s: &Schedule, allowed: Option<&[i64]>) -> ServiceResult<bool> {
        let Some(list) = allowed else { return Ok(true) };
        if s.operatories.0.is_empty() {
            return Ok(true);
        }
        for op in &s.operatories.0 {
            if store::office::operatory(conn, *op).await?.is_some_and(|o| list.contains(&o.clinic_num)) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// `GET /schedules`.
    pub async fn schedules(&self, params: &Params, allowed: Option<&[i64]>) -> ServiceResult<Vec<Schedule>> {
        let mut conn = self.store.pool().acquire().await?;
        let prefs = store::office::preferences(&mut conn).await?;
        let today = self.clock.today(&prefs);
        let (date_start, date_end) =
            day_range(params.get("date")?, params.get("dateStart")?, params.get("dateEnd")?, today, 1)
                .map_err(ServiceError::BadRequest)?;
        let sched_type = match params.get("SchedType")? {
            None => None,
            Some(raw) => Some(
                raw.trim()
                    .parse::<i64>()
                    .ok()
                    .and_then(SchedType::from_i64)
                    .map_or_else(|| SchedType::parse(raw), Ok)
                    .map_err(|e| ServiceError::bad_request(format!("SchedType: {e}")))?,
            ),
        };
        let blockout_def_num = params.key("BlockoutDefNum")?;
        let prov_num = params.key("ProvNum")?;
        let p = params.paging()?;
        let filter = ScheduleFilter {
            date_start,
            date_end,
            sched_type,
            blockout_def_num,
            prov_num,
            operatory_num: None,
            offset: p.offset,
            limit: p.limit,
        };
        let all = store::book::schedules(&mut conn, &filter).await?;
        if allowed.is_none() {
            return Ok(all);
        }
        let mut visible = Vec::with_capacity(all.len());
        for s in all {
            if self.schedule_visible(&mut conn, &s, allowed).await? {
                visible.push(s);
            }
        }
        Ok(visible)
    }

    pub async fn schedule(&self, num: i64, allowed: Option<&[i64]>) -> ServiceResult<Schedule> {
        let mut conn = self.store.pool().acquire().await?;
        let missing = || ServiceError::not_found(format!("Schedule {num} does not exist."));
        let s = store::book::schedule(&mut conn, num).await?.ok_or_else(missing)?;
        if !self.schedule_visible(&mut conn, &s, allowed).await? {
            return Err(missing());
        }
        Ok(s)
    }

    /// `GET /operatories`, in ItemOrder within each clinic.
    pub async fn operatories(&self, params: &Params, allowed: Option<&[i64]>) -> ServiceResult<Vec<Operatory>> {
        let mut conn = self.store.pool().acquire().await?;
        let clinic = params.key("ClinicNum")?;
        allow_clinic(clinic, allowed)?;
        require_clinic(&mut conn, clinic).await?;
        let p = params.paging()?;
        let mut list = store::office::operatories(&mut conn, clinic).await?;
        list.retain(|o| sees(allowed, o.clinic_num));
        Ok(page(list, p))
    }

    pub async fn operatory(&self, num: i64, allowed: Option<&[i64]>) -> ServiceResult<Operatory> {
        let mut conn = self.store.pool().acquire().await?;
        store::office::operatory(&mut conn, num)
            .await?
            .filter(|o| sees(allowed, o.clinic_num))
            .ok_or_else(|| ServiceError::not_found(format!("Operatory {num} does not exist.")))
    }
}

/// Everything that takes or gives time in a set of operatories over some days.
pub struct Occupancy {
    pub provider_time: Vec<ProviderTime>,
    pub occupied: Vec<Occupied>,
    /// Blockouts and Web Sched ASAP openings, with their operatory and whether they block.
    pub blockouts: Vec<(Schedule, i64, bool)>,
    /// Appointments that hold time.
    pub appointments: Vec<Appointment>,
}
