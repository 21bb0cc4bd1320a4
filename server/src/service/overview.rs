//! The overview page: the office data at a glance and the weekly ASAP outcomes.

use super::{ServiceResult, Services};
use crate::store;
use crate::store::office::count;
use app::view::overview::OfficeOverview;

impl Services {
    /// The office at a glance; a restricted caller sees their clinics only.
    pub async fn overview(&self, allowed: Option<&[i64]>) -> ServiceResult<OfficeOverview> {
        let mut conn = self.store.pool().acquire().await?;
        let prefs = store::office::preferences(&mut conn).await?;
        let today = self.clock.today(&prefs);
        // ClinicNums only ever come from the database, so they are safe in the SQL text.
        let only = |column: &str| match allowed {
            Some(list) if list.is_empty() => " AND 1 = 0".to_string(),
            Some(list) => format!(" AND {column} IN ({})", list.iter().map(i64::to_string).collect::<Vec<_>>().join(",")),
            None => String::new(),
        };
        let since = today.add_days(-7).start();
        let offers: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM asapcomm WHERE datetimeentry >= $1{}", only("clinicnum")))
            .bind(since.to_string())
            .fetch_one(&mut *conn)
            .await?;
        // Eight whole weeks, this one included.
        let weeks_from = app::domain::outcomes::week_start(today).add_days(-7 * 7).start();
        let facts = store::opening::opening_facts_since(&mut conn, weeks_from, allowed).await?;
        let clinic_names: std::collections::HashMap<i64, String> =
            store::office::clinics(&mut conn).await?.into_iter().map(|c| (c.clinic_num, c.description)).collect();
        let outcomes = app::domain::outcomes::week_outcomes(&facts, |c| {
            clinic_names.get(&c).cloned().unwrap_or_else(|| if c == 0 { prefs.practice_title.clone() } else { format!("Clinic {c}") })
        });
        let allowed_clinic = |c: i64| allowed.is_none_or(|a| a.contains(&c));
        let asap_appointments = store::book::asap_appointments(&mut conn, None, None).await?.iter().filter(|a| allowed_clinic(a.clinic_num)).count();
        Ok(OfficeOverview {
            practice_title: prefs.practice_title.clone(),
            clinics: count(&mut conn, &format!("SELECT COUNT(*) FROM clinic WHERE 1 = 1{}", only("clinicnum"))).await?,
            operatories: count(&mut conn, &format!("SELECT COUNT(*) FROM operatory WHERE 1 = 1{}", only("clinicnum"))).await?,
            patients: count(&mut conn, &format!("SELECT COUNT(*) FROM patient WHERE 1 = 1{}", only("clinicnum"))).await?,
            asap_appointments: asap_appointments as i64,
            asap_recalls: count(
                &mut conn,
                &format!(
                    "SELECT COUNT(*) FROM recall r JOIN patient p ON p.patnum = r.patnum WHERE r.priority = 1 AND r.isdisabled = 0{}",
                    only("p.clinicnum")
                ),
            )
            .await?,
            offers_last_7_days: offers,
            outcomes,
        })
    }
}
