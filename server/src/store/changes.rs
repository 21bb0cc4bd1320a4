//! The change feed (asapchange, written by triggers) and the history's counts (asapcommcount,
//! with the deltas writers append in asapcommdelta).

use super::asapcomm::AsapCommRange;
use super::table::{Sql, from_row};
use super::{Backend, StoreResult};
use app::model::OdDate;
use sqlx::AnyConnection;

/// One change, as the triggers noted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeRow {
    pub change_num: i64,
    pub kind: i64,
    pub clinic_num: i64,
    pub day: String,
    pub slot_day: String,
}

from_row!(ChangeRow { change_num: "changenum", kind: "kind", clinic_num: "clinicnum", day: "day", slot_day: "slotday" });

pub const CHANGE_OFFER: i64 = 1;
pub const CHANGE_OPENING: i64 = 2;
pub const CHANGE_APPOINTMENT: i64 = 3;
pub const CHANGE_OFFICE: i64 = 4;
pub const CHANGE_OUTBOX: i64 = 5;

/// Changes after `after`, oldest first.
pub async fn changes_after(conn: &mut AnyConnection, after: i64, limit: i64) -> StoreResult<Vec<ChangeRow>> {
    Ok(sqlx::query_as(
        "SELECT changenum, kind, clinicnum, day, slotday FROM asapchange WHERE changenum > $1 ORDER BY changenum LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

pub async fn last_change(conn: &mut AnyConnection) -> StoreResult<i64> {
    let n: Option<i64> = sqlx::query_scalar("SELECT MAX(changenum) FROM asapchange").fetch_one(conn).await?;
    Ok(n.unwrap_or(0))
}

/// Forgets changes older than `before` (Unix seconds); pages that were away longer read afresh.
pub async fn prune_changes(conn: &mut AnyConnection, before: i64) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM asapchange WHERE at < $1").bind(before).execute(conn).await?.rows_affected())
}

/// Folds the appended deltas into the counts. On PostgreSQL one statement moves them (a delta
/// committed meanwhile is either moved whole or left for next time); callers serialise folds.
pub async fn fold_count_deltas(conn: &mut AnyConnection, backend: Backend) -> StoreResult<u64> {
    match backend {
        Backend::Postgres => {
            let done = sqlx::query(
                "WITH moved AS (DELETE FROM asapcommdelta RETURNING day, clinicnum, responsestatus, smssendstatus, n) \
                 INSERT INTO asapcommcount (day, clinicnum, responsestatus, smssendstatus, n) \
                 SELECT day, clinicnum, responsestatus, smssendstatus, SUM(n) FROM moved \
                 GROUP BY day, clinicnum, responsestatus, smssendstatus \
                 ON CONFLICT (day, clinicnum, responsestatus, smssendstatus) DO UPDATE SET n = asapcommcount.n + excluded.n",
            )
            .execute(conn)
            .await?;
            Ok(done.rows_affected())
        }
        Backend::Sqlite => {
            // One writer at a time: the two statements see the same deltas.
            let max: Option<i64> = sqlx::query_scalar("SELECT MAX(deltanum) FROM asapcommdelta").fetch_one(&mut *conn).await?;
            let Some(max) = max else { return Ok(0) };
            let done = sqlx::query(
                "INSERT INTO asapcommcount (day, clinicnum, responsestatus, smssendstatus, n) \
                 SELECT day, clinicnum, responsestatus, smssendstatus, SUM(n) FROM asapcommdelta WHERE deltanum <= $1 \
                 GROUP BY day, clinicnum, responsestatus, smssendstatus \
                 ON CONFLICT (day, clinicnum, responsestatus, smssendstatus) DO UPDATE SET n = asapcommcount.n + excluded.n",
            )
            .bind(max)
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM asapcommdelta WHERE deltanum <= $1").bind(max).execute(conn).await?;
            Ok(done.rows_affected())
        }
    }
}

/// Offer counts per (day, response status, send status) over `[first, last]` in the range's
/// clinics, counts and deltas together, so they are exact at any moment.
pub async fn offer_counts_by_day(
    conn: &mut AnyConnection,
    first: OdDate,
    last: OdDate,
    clinics: &AsapCommRange,
) -> StoreResult<Vec<(OdDate, i64, i64, i64)>> {
    let mut sql = Sql::new(
        "SELECT day, responsestatus, smssendstatus, CAST(SUM(n) AS BIGINT) AS n FROM ( \
           SELECT day, clinicnum, responsestatus, smssendstatus, n FROM asapcommcount WHERE day >= $1 AND day <= $2 \
           UNION ALL \
           SELECT day, clinicnum, responsestatus, smssendstatus, n FROM asapcommdelta WHERE day >= $1 AND day <= $2 \
         ) c WHERE 1 = 1",
    );
    sql.bind_value(first).bind_value(last);
    clinics.push_clinics(&mut sql);
    sql.push(" GROUP BY day, responsestatus, smssendstatus ORDER BY day");
    sql.fetch_all(conn).await
}
