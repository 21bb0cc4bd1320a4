use super::{ServiceResult, Services};
use crate::store::{self, count};
use app::api::OfficeOverview;

impl Services {
    pub async fn overview(&self) -> ServiceResult<OfficeOverview> {
        let mut conn = self.store.pool().acquire().await?;
        let prefs = store::preferences(&mut conn).await?;
        let since = self.clock.today(&prefs).add_days(-7).start();
        let offers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM asapcomm WHERE datetimeentry >= $1")
            .bind(since.to_string())
            .fetch_one(&mut *conn)
            .await?;
        // Eight whole weeks, this one included.
        let since = app::domain::outcomes::week_start(self.clock.today(&prefs)).add_days(-7 * 7).start();
        let facts = store::opening_facts_since(&mut conn, since, None).await?;
        let clinic_names: std::collections::HashMap<i64, String> =
            store::clinics(&mut conn).await?.into_iter().map(|c| (c.clinic_num, c.description)).collect();
        let outcomes = app::domain::outcomes::week_outcomes(&facts, |c| {
            clinic_names.get(&c).cloned().unwrap_or_else(|| if c == 0 { prefs.practice_title.clone() } else { format!("Clinic {c}") })
        });
        Ok(OfficeOverview {
            practice_title: prefs.practice_title,
            clinics: count(&mut conn, "SELECT COUNT(*) FROM clinic").await?,
            operatories: count(&mut conn, "SELECT COUNT(*) FROM operatory").await?,
            patients: count(&mut conn, "SELECT COUNT(*) FROM patient").await?,
            asap_appointments: store::asap_appointments(&mut conn, None, None).await?.len() as i64,
            asap_recalls: store::asap_recalls(&mut conn).await?.len() as i64,
            offers_last_7_days: offers,
            outcomes,
        })
    }
}
