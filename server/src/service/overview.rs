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
        // What it earned: the last six months, by month, and the last twelve weeks, by week.
        let months_from = app::domain::earnings::Period::Month.start_of(today).add_days(-5 * 31);
        let months_from = app::domain::earnings::Period::Month.start_of(months_from);
        let earned = store::opening::earned_since(&mut conn, months_from.start(), allowed).await?;
        let reckoning = store::templates::reckoning(&mut conn).await?;
        let name = |c: i64| clinic_names.get(&c).cloned().unwrap_or_else(|| if c == 0 { prefs.practice_title.clone() } else { format!("Clinic {c}") });
        let weeks_since = app::domain::outcomes::week_start(today).add_days(-7 * 11).start();
        let recent: Vec<_> = earned.iter().filter(|o| o.offered_at >= weeks_since).cloned().collect();
        let earned_weeks = app::domain::earnings::earned(&recent, app::domain::earnings::Period::Week, &reckoning, name);
        let earned_months = app::domain::earnings::earned(&earned, app::domain::earnings::Period::Month, &reckoning, name);
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
            earned_weeks,
            earned_months,
            reckoning,
            may_set_reckoning: false,
        })
    }

    /// Administrators set the values the earnings are reckoned with; audited.
    pub async fn save_reckoning(
        &self,
        caller: &app::view::access::Caller,
        r: app::domain::earnings::Reckoning,
    ) -> ServiceResult<app::domain::earnings::Reckoning> {
        super::access::require_admin(caller, "change the values the earnings are reckoned with")?;
        let most = 100_000_000; // $1,000,000: beyond any visit or text
        for (what, cents) in [("A recall visit's value", r.recall_visit_cents), ("Another visit's value", r.treatment_visit_cents), ("A text's price", r.text_cents)] {
            if !(0..=most).contains(&cents) {
                return Err(super::ServiceError::bad_request(format!("{what} must be between $0 and $1,000,000.")));
            }
        }
        let mut tx = self.store.begin_write().await?;
        store::templates::save_reckoning(&mut tx, &r).await?;
        let detail = format!(
            "a recall visit {}, another visit {}, a text {}",
            app::domain::earnings::dollars(r.recall_visit_cents),
            app::domain::earnings::dollars(r.treatment_visit_cents),
            app::domain::earnings::dollars(r.text_cents)
        );
        self.audit_in(&mut tx, &super::Actor::staff(caller), app::view::access::actions::RECKONING_CHANGED, &detail, 0).await?;
        tx.commit().await?;
        Ok(r)
    }
}
