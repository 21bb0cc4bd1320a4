//! Staff users, sign-in attempts, sessions, embed tokens, API keys and the audit trail.

use super::StoreResult;
use app::view::access::AuditEvent;
use app::model::OdDateTime;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

/// A clinic list as stored: empty for every clinic, else "1,3".
pub fn clinics_text(clinics: &Option<Vec<i64>>) -> String {
    match clinics {
        None => String::new(),
        Some(list) => list.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
    }
}

/// Reads a stored clinic list; a value that is not a list of numbers allows nothing.
pub fn clinics_from_text(raw: &str) -> Option<Vec<i64>> {
    if raw.trim().is_empty() {
        return None;
    }
    Some(raw.split(',').filter_map(|c| c.trim().parse::<i64>().ok()).collect())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRow {
    pub user_num: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub is_disabled: bool,
    pub clinics: Option<Vec<i64>>,
    pub password_changed_at: i64,
}

impl<'r> sqlx::FromRow<'r, AnyRow> for UserRow {
    fn from_row(r: &'r AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(UserRow {
            user_num: r.try_get("usernum")?,
            username: r.try_get("username")?,
            display_name: r.try_get("displayname")?,
            password_hash: r.try_get("passwordhash")?,
            is_admin: r.try_get::<i64, _>("isadmin")? != 0,
            is_disabled: r.try_get::<i64, _>("isdisabled")? != 0,
            clinics: clinics_from_text(&r.try_get::<String, _>("clinics")?),
            password_changed_at: r.try_get("passwordchangedat")?,
        })
    }
}

const USER_COLUMNS: &str = "u.usernum, u.username, u.displayname, u.passwordhash, u.isadmin, u.isdisabled, u.clinics, u.passwordchangedat";

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
    pub clinics: &'a Option<Vec<i64>>,
    pub now: i64,
}

pub async fn insert_user(conn: &mut AnyConnection, u: &NewUser<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO staffuser (username, displayname, passwordhash, isadmin, clinics, passwordchangedat, createdat) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING usernum",
    )
    .bind(u.username)
    .bind(u.display_name)
    .bind(u.password_hash)
    .bind(i64::from(u.is_admin))
    .bind(clinics_text(u.clinics))
    .bind(u.now)
    .fetch_one(conn)
    .await?)
}

pub async fn user_by_name(conn: &mut AnyConnection, username: &str) -> StoreResult<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM staffuser u WHERE u.username = $1");
    Ok(sqlx::query_as(&sql).bind(username).fetch_optional(conn).await?)
}

pub async fn user_by_num(conn: &mut AnyConnection, num: i64) -> StoreResult<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM staffuser u WHERE u.usernum = $1");
    Ok(sqlx::query_as(&sql).bind(num).fetch_optional(conn).await?)
}

pub async fn users(conn: &mut AnyConnection) -> StoreResult<Vec<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM staffuser u ORDER BY u.username");
    Ok(sqlx::query_as(&sql).fetch_all(conn).await?)
}

/// Active administrators other than `except`.
pub async fn other_active_admins(conn: &mut AnyConnection, except: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM staffuser WHERE isadmin = 1 AND isdisabled = 0 AND usernum <> $1")
        .bind(except)
        .fetch_one(conn)
        .await?)
}

pub async fn set_password(conn: &mut AnyConnection, num: i64, hash: &str, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE staffuser SET passwordhash = $1, passwordchangedat = $2 WHERE usernum = $3")
        .bind(hash)
        .bind(now)
        .bind(num)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_user_access(conn: &mut AnyConnection, num: i64, is_admin: bool, is_disabled: bool, clinics: &Option<Vec<i64>>) -> StoreResult<()> {
    sqlx::query("UPDATE staffuser SET isadmin = $1, isdisabled = $2, clinics = $3 WHERE usernum = $4")
        .bind(i64::from(is_admin))
        .bind(i64::from(is_disabled))
        .bind(clinics_text(clinics))
        .bind(num)
        .execute(conn)
        .await?;
    Ok(())
}

/// (failures, last failure, locked until) for a user name as typed.
pub async fn sign_in_attempts(conn: &mut AnyConnection, username: &str) -> StoreResult<(i64, i64, i64)> {
    let row = sqlx::query_as("SELECT failures, lastfailure, lockeduntil FROM signinattempt WHERE username = $1")
        .bind(username)
        .fetch_optional(conn)
        .await?;
    Ok(row.unwrap_or((0, 0, 0)))
}

pub async fn record_failed_sign_in(conn: &mut AnyConnection, username: &str, failures: i64, now: i64, locked_until: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO signinattempt (username, failures, lastfailure, lockeduntil) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (username) DO UPDATE SET failures = excluded.failures, lastfailure = excluded.lastfailure, \
         lockeduntil = excluded.lockeduntil",
    )
    .bind(username)
    .bind(failures)
    .bind(now)
    .bind(locked_until)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn clear_sign_in_attempts(conn: &mut AnyConnection, username: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM signinattempt WHERE username = $1").bind(username).execute(conn).await?;
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub user: UserRow,
    pub created_at: i64,
    pub last_seen: i64,
    pub embedded: bool,
    pub portal_origin: String,
}

pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_num: i64,
    now: i64,
    embedded: bool,
    portal_origin: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO staffsession (tokenhash, usernum, createdat, lastseen, embedded, portalorigin) VALUES ($1, $2, $3, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_num)
    .bind(now)
    .bind(i64::from(embedded))
    .bind(portal_origin)
    .execute(conn)
    .await?;
    Ok(())
}

impl<'r> sqlx::FromRow<'r, AnyRow> for SessionRow {
    fn from_row(r: &'r AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(SessionRow {
            user: UserRow::from_row(r)?,
            created_at: r.try_get("createdat")?,
            last_seen: r.try_get("lastseen")?,
            embedded: r.try_get::<i64, _>("embedded")? != 0,
            portal_origin: r.try_get("portalorigin")?,
        })
    }
}

pub async fn session(conn: &mut AnyConnection, token_hash: &str) -> StoreResult<Option<SessionRow>> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, s.createdat, s.lastseen, s.embedded, s.portalorigin FROM staffsession s \
         JOIN staffuser u ON u.usernum = s.usernum WHERE s.tokenhash = $1"
    );
    Ok(sqlx::query_as(&sql).bind(token_hash).fetch_optional(conn).await?)
}

pub async fn touch_session(conn: &mut AnyConnection, token_hash: &str, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE staffsession SET lastseen = $1 WHERE tokenhash = $2").bind(now).bind(token_hash).execute(conn).await?;
    Ok(())
}

pub async fn delete_session(conn: &mut AnyConnection, token_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM staffsession WHERE tokenhash = $1").bind(token_hash).execute(conn).await?;
    Ok(())
}

/// Signs a user out everywhere (password changed, account disabled).
pub async fn delete_user_sessions(conn: &mut AnyConnection, user_num: i64) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM staffsession WHERE usernum = $1").bind(user_num).execute(conn).await?.rows_affected())
}

pub async fn delete_stale_sessions(conn: &mut AnyConnection, idle_before: i64, created_before: i64) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM staffsession WHERE lastseen < $1 OR createdat < $2")
        .bind(idle_before)
        .bind(created_before)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Records an embed token's nonce as used; false when it was used before.
pub async fn use_embed_nonce(conn: &mut AnyConnection, nonce: &str, expires_at: i64, now: i64) -> StoreResult<bool> {
    sqlx::query("DELETE FROM embedtoken WHERE expiresat < $1").bind(now).execute(&mut *conn).await?;
    let done = sqlx::query("INSERT INTO embedtoken (nonce, expiresat) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING")
        .bind(nonce)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRow {
    pub name: String,
    pub developer_key: String,
    pub clinics: Option<Vec<i64>>,
    pub created_at: i64,
    pub revoked_at: i64,
}

impl<'r> sqlx::FromRow<'r, AnyRow> for ApiKeyRow {
    fn from_row(r: &'r AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(ApiKeyRow {
            name: r.try_get("name")?,
            developer_key: r.try_get("developerkey")?,
            clinics: clinics_from_text(&r.try_get::<String, _>("clinics")?),
            created_at: r.try_get("createdat")?,
            revoked_at: r.try_get("revokedat")?,
        })
    }
}

pub async fn insert_api_key(
    conn: &mut AnyConnection,
    name: &str,
    developer_key: &str,
    key_hash: &str,
    clinics: &Option<Vec<i64>>,
    now: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO apikey (name, developerkey, keyhash, clinics, createdat) VALUES ($1, $2, $3, $4, $5)")
        .bind(name)
        .bind(developer_key)
        .bind(key_hash)
        .bind(clinics_text(clinics))
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The key with this hash, if it exists and is not revoked.
pub async fn live_api_key(conn: &mut AnyConnection, key_hash: &str) -> StoreResult<Option<ApiKeyRow>> {
    Ok(sqlx::query_as("SELECT name, developerkey, clinics, createdat, revokedat FROM apikey WHERE keyhash = $1 AND revokedat = 0")
        .bind(key_hash)
        .fetch_optional(conn)
        .await?)
}

pub async fn api_keys(conn: &mut AnyConnection) -> StoreResult<Vec<ApiKeyRow>> {
    Ok(sqlx::query_as("SELECT name, developerkey, clinics, createdat, revokedat FROM apikey ORDER BY name").fetch_all(conn).await?)
}

pub async fn revoke_api_key(conn: &mut AnyConnection, name: &str, now: i64) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE apikey SET revokedat = $1 WHERE name = $2 AND revokedat = 0")
        .bind(now)
        .bind(name)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One line for the audit trail.
pub struct AuditEntry<'a> {
    pub at: OdDateTime,
    pub at_unix: i64,
    pub user_num: i64,
    pub username: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
    pub clinic_num: i64,
}

pub async fn insert_audit(conn: &mut AnyConnection, e: &AuditEntry<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO auditevent (at, atunix, usernum, username, action, detail, clinicnum) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.at)
    .bind(e.at_unix)
    .bind(e.user_num)
    .bind(e.username)
    .bind(e.action)
    .bind(e.detail)
    .bind(e.clinic_num)
    .execute(conn)
    .await?;
    Ok(())
}

/// Which audit events to read; dates are office wall-clock text, `to` exclusive.
pub struct AuditFilter {
    pub username: Option<String>,
    pub action: Option<String>,
    pub from: OdDateTime,
    pub to: OdDateTime,
    pub before: Option<i64>,
    pub limit: i64,
}

pub async fn audit_events(conn: &mut AnyConnection, f: &AuditFilter) -> StoreResult<Vec<AuditEvent>> {
    let rows: Vec<(i64, OdDateTime, String, String, String, i64)> = sqlx::query_as(
        "SELECT eventnum, at, username, action, detail, clinicnum FROM auditevent \
         WHERE at >= $1 AND at < $2 AND eventnum < $3 AND ($4 = '' OR username = $4) AND ($5 = '' OR action = $5) \
         ORDER BY eventnum DESC LIMIT $6",
    )
    .bind(f.from)
    .bind(f.to)
    .bind(f.before.unwrap_or(i64::MAX))
    .bind(f.username.clone().unwrap_or_default())
    .bind(f.action.clone().unwrap_or_default())
    .bind(f.limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(event_num, at, username, action, detail, clinic_num)| AuditEvent { event_num, at, username, action, detail, clinic_num })
        .collect())
}

/// One more API request for `key` in this second; how many that makes.
pub async fn count_api_request(conn: &mut AnyConnection, key: &str, second: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO apirate (keyname, unixsecond, n) VALUES ($1, $2, 1) \
         ON CONFLICT (keyname, unixsecond) DO UPDATE SET n = apirate.n + 1 RETURNING n",
    )
    .bind(key)
    .bind(second)
    .fetch_one(conn)
    .await?)
}

pub async fn prune_api_rates(conn: &mut AnyConnection, before: i64) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM apirate WHERE unixsecond < $1").bind(before).execute(conn).await?.rows_affected())
}
