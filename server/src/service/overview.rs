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
        Ok(OfficeOverview {
            practice_title: prefs.practice_title,
            clinics: count(&mut conn, "SELECT COUNT(*) FROM clinic").await?,
            operatories: count(&mut conn, "SELECT COUNT(*) FROM operatory").await?,
            patients: count(&mut conn, "SELECT COUNT(*) FROM patient").await?,
            asap_appointments: store::asap_appointments(&mut conn, None, None).await?.len() as i64,
            asap_recalls: store::asap_recalls(&mut conn).await?.len() as i64,
            offers_last_7_days: offers,
        })
    }
}
