//! Persistence: one store over SQLite (the embedded default) or PostgreSQL.
//!
//! Both backends go through sqlx's `Any` driver with the same SQL: `$n` placeholders, integer and
//! text columns only, and `ON CONFLICT … DO UPDATE` upserts, which both understand. The few real
//! differences (how a writer locks, how identity counters move) live in this module.
//!
//! One module per group of tables, called by its name (`store::book::appointment`), so a call
//! says which file holds it. `table` holds the column lists and the statement builder they share.

pub mod access;
pub mod answers;
pub mod asapcomm;
pub mod board;
pub mod book;
pub mod changes;
pub mod history;
pub mod invariants;
pub mod office;
pub mod opendental;
pub mod opening;
pub mod sending;
pub mod table;
pub mod templates;
pub mod write_turn;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database URL `{0}` is not supported; use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("could not create the database folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database holds a value this server cannot read: {0}")]
    Corrupt(String),
    /// A write shared a commit with others, and that commit failed.
    #[error("{0}")]
    NotSaved(String),
}

impl StoreError {
    /// A unique or primary-key constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// One of the claim's invariants refused the write: a second winner for an opening (unique
    /// index), or chair time overlapping another placed appointment (PostgreSQL's exclusion
    /// constraint, 23P01; SQLite's trigger, SQLITE_CONSTRAINT_TRIGGER 1811).
    pub fn is_claim_conflict(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                e.is_unique_violation() || matches!(e.code().as_deref(), Some("23P01") | Some("1811"))
            }
            _ => false,
        }
    }

    /// PostgreSQL gave up on the transaction to break a deadlock (40P01) or a serialization
    /// conflict (40001): nothing was written, and the same work may simply be tried again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("40P01") | Some("40001")))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The database handle shared by the HTTP handlers, the server functions and the workers.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time. Writers in this process queue here, in order, instead
    /// of polling SQLite's busy handler (which made latency spiky and could time out), and
    /// writers queued together share a commit.
    write_turn: write_turn::WriteTurn,
    /// The SQLite database's file, for its size and the free space beside it.
    sqlite_file: Option<std::path::PathBuf>,
}

/// What `Store::migration_state` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MigrationState {
    pub applied: usize,
    pub known: usize,
    pub unknown_applied: usize,
}

/// A write transaction; on SQLite it also holds this process's write turn until it ends.
pub struct WriteTx {
    /// Present from the start until `commit` or the drop takes it.
    tx: Option<Transaction<'static, Any>>,
    turn: Option<write_turn::TurnHeld>,
}

impl WriteTx {
    /// Commits, and returns once the work is in the database: on SQLite possibly together with
    /// other writers' work, in one commit.
    pub async fn commit(mut self) -> StoreResult<()> {
        let Some(tx) = self.tx.take() else { return Ok(()) };
        match self.turn.take() {
            // On a task of its own: a request that goes away mid-commit must not cut short the
            // commit, or the wait, of the writers whose work shares its transaction.
            Some(turn) => tokio::spawn(turn.commit(tx))
                .await
                .unwrap_or_else(|e| Err(StoreError::NotSaved(format!("the write was not saved: {e}")))),
            None => Ok(tx.commit().await?),
        }
    }

    fn transaction(&self) -> &Transaction<'static, Any> {
        self.tx.as_ref().expect("a write transaction is present until it commits")
    }
}

/// Dropped without a commit (an error, or the request went away): its work is undone.
impl Drop for WriteTx {
    fn drop(&mut self) {
        if let (Some(tx), Some(turn)) = (self.tx.take(), self.turn.take()) {
            turn.abandon(tx);
        }
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Transaction<'static, Any>;
    fn deref(&self) -> &Self::Target {
        self.transaction()
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.tx.as_mut().expect("a write transaction is present until it commits")
    }
}

/// A connection that sat idle for a while is pinged before use (the database may have restarted
/// or a firewall dropped it); one in steady use is not, which saves a round trip per request.
fn check_if_idle_long(
    conn: &mut sqlx::AnyConnection,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> futures::future::BoxFuture<'_, Result<bool, sqlx::Error>> {
    Box::pin(async move {
        if meta.idle_for > Duration::from_secs(10) {
            sqlx::Connection::ping(conn).await?;
        }
        Ok(true)
    })
}

/// SQLite counts every allocation under one process-wide lock unless told not to; with eight
/// connections reading at once that lock is where they queue. Only possible before SQLite
/// starts, so it is done once, before the first connection.
fn sqlite_without_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int; SQLite refuses it (SQLITE_MISUSE, which
        // changes nothing) once it has started.
        let _ = unsafe { libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int) };
    });
}

impl Store {
    /// Connects, creating a SQLite file (and its folder) on first use, and applies migrations.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        let store = Self::connect_unmigrated(url).await?;
        store.backend.migrator().run(&store.pool).await?;
        Ok(store)
    }

    /// Connects without applying migrations: for `server doctor`, which reports on the database
    /// as it finds it.
    pub async fn connect_unmigrated(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url) = normalise_url(url)?;
        if backend == Backend::Sqlite {
            sqlite_without_memory_statistics();
        }
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .test_before_acquire(false)
                    .before_acquire(check_if_idle_long)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // WAL lets pages and the API read while a writer commits;
                            // the busy timeout makes a second writer wait instead of failing.
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .test_before_acquire(false)
                    .before_acquire(check_if_idle_long)
                    .connect_with(options)
                    .await?
            }
        };
        let sqlite_file = (backend == Backend::Sqlite).then(|| sqlite_file_of(&url)).flatten();
        Ok(Store { pool, backend, write_turn: write_turn::WriteTurn::default(), sqlite_file })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Database reachable and every migration this build knows applied.
    pub async fn ready(&self) -> StoreResult<()> {
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&self.pool)
            .await?;
        let known = self.backend.migrator().iter().count() as i64;
        if applied < known {
            return Err(StoreError::Corrupt(format!("{applied} of {known} migrations applied")));
        }
        Ok(())
    }

    /// One connection attempt, without a pool's retries, so the reason it fails (refused, bad
    /// password, no such database) comes back as it is.
    pub async fn try_connect_once(url: &str) -> StoreResult<()> {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let (_, url) = normalise_url(url)?;
        let conn = sqlx::AnyConnection::connect(&url).await?;
        conn.close().await?;
        Ok(())
    }

    /// Migrations applied to this database, how many this build knows, and whether the database
    /// holds one this build does not know (it was migrated by a newer version).
    pub async fn migration_state(&self) -> StoreResult<MigrationState> {
        // A database never migrated has no table yet.
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(&self.pool)
            .await
            .unwrap_or_default();
        let known: Vec<i64> = self.backend.migrator().iter().map(|m| m.version).collect();
        Ok(MigrationState {
            applied: applied.len(),
            known: known.len(),
            unknown_applied: applied.iter().filter(|v| !known.contains(v)).count(),
        })
    }

    /// The database's clock, as Unix seconds (PostgreSQL: the server's; SQLite: this machine's).
    pub async fn database_unix_time(&self) -> StoreResult<f64> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT CAST((julianday('now') - 2440587.5) * 86400.0 AS REAL)",
            Backend::Postgres => "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)",
        };
        Ok(sqlx::query_scalar(sql).fetch_one(&self.pool).await?)
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue instead of failing half-way.
    pub async fn begin_write(&self) -> StoreResult<WriteTx> {
        let asked = std::time::Instant::now();
        let tx = match self.backend {
            Backend::Sqlite => {
                // On a task of its own, so a request that goes away while it waits, or while it
                // joins a batch, leaves the batch whole: the task's WriteTx, never handed back,
                // is dropped and undoes only its own part.
                let (turn, pool) = (self.write_turn.clone(), self.pool.clone());
                tokio::spawn(async move {
                    let (turn, open) = turn.take().await;
                    let (turn, open) = match open {
                        Some(tx) => turn.enter(tx).await,
                        None => (turn, None),
                    };
                    let tx = match open {
                        Some(tx) => tx,
                        None => pool.begin_with("BEGIN IMMEDIATE").await?,
                    };
                    Ok::<WriteTx, StoreError>(WriteTx { tx: Some(tx), turn: Some(turn) })
                })
                .await
                .unwrap_or_else(|e| Err(StoreError::NotSaved(format!("no write turn: {e}"))))?
            }
            Backend::Postgres => WriteTx { tx: Some(self.pool.begin().await?), turn: None },
        };
        crate::telemetry::write_wait(asked.elapsed());
        Ok(tx)
    }

    /// Commits made through SQLite's write turn since the start (each may carry several writes).
    pub fn write_commits(&self) -> usize {
        self.write_turn.commits()
    }

    /// This process's pool: connections in use, idle, and the most it opens.
    pub fn pool_figure(&self) -> crate::telemetry::PoolFigure {
        let size = self.pool.size();
        let idle = self.pool.num_idle() as u32;
        crate::telemetry::PoolFigure { in_use: size.saturating_sub(idle), idle, max: self.pool.options().get_max_connections() }
    }

    /// The SQLite file's size (with its write-ahead log) and its file system's free and total
    /// space; None on PostgreSQL, whose host watches its own disks.
    pub fn disk_figure(&self) -> Option<crate::telemetry::DiskFigure> {
        let file = self.sqlite_file.as_ref()?;
        let size_of = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let wal = std::path::PathBuf::from(format!("{}-wal", file.display()));
        let (free_bytes, total_bytes) = file_system_space(file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))?;
        Some(crate::telemetry::DiskFigure { database_bytes: size_of(file) + size_of(&wal), free_bytes, total_bytes })
    }

    /// Serialises writers that change what occupies an operatory's time. SQLite already holds
    /// the database write lock; PostgreSQL takes a transaction-scoped advisory lock per operatory.
    pub async fn lock_operatory(&self, tx: &mut WriteTx, operatory_num: i64) -> StoreResult<()> {
        self.advisory_lock(tx, ADVISORY_LOCK_OPERATORY, operatory_num).await
    }

    /// Serialises offers to one patient, so the daily text limit holds under concurrent offers.
    pub async fn lock_patient(&self, tx: &mut WriteTx, pat_num: i64) -> StoreResult<()> {
        self.advisory_lock(tx, ADVISORY_LOCK_PATIENT, pat_num).await
    }

    /// Serialises the making of new appointment keys (MAX + 1) on PostgreSQL; SQLite's single
    /// writer already does.
    pub async fn lock_new_appointment_keys(&self, tx: &mut WriteTx) -> StoreResult<()> {
        self.advisory_lock(tx, ADVISORY_LOCK_APPOINTMENT_KEYS, 0).await
    }

    /// One process at a time folds the history's count deltas (PostgreSQL; SQLite has one writer).
    pub async fn lock_counts(&self, tx: &mut WriteTx) -> StoreResult<()> {
        self.advisory_lock(tx, ADVISORY_LOCK_COUNTS, 0).await
    }

    async fn advisory_lock(&self, tx: &mut WriteTx, space: i32, key: i64) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            // Wrapped in a sub-select: the Any driver cannot carry PostgreSQL's `void` result type.
            // Keys above i32 wrap; a shared lock between two keys only costs a short wait.
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1, $2)) AS taken")
                .bind(space)
                .bind(key as i32)
                .execute(&mut ***tx)
                .await?;
        }
        Ok(())
    }

    /// After rows were written with explicit keys, moves PostgreSQL's identity counters past
    /// them (SQLite's AUTOINCREMENT follows by itself). Only ever forward, and only when the
    /// written keys reach the counter: a counter set back to the highest *committed* key would
    /// hand out again the keys that offers being made at this moment already hold.
    pub async fn sync_identity_counters(&self, tx: &mut WriteTx) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            for (table, column) in [("schedule", "schedulenum"), ("asapcomm", "asapcommnum")] {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), written) FROM \
                     (SELECT MAX({column}) AS written FROM {table}) w WHERE written IS NOT NULL AND written >= \
                     COALESCE(pg_sequence_last_value(pg_get_serial_sequence('{table}', '{column}')::regclass), 0)"
                );
                sqlx::query(&sql).execute(&mut ***tx).await?;
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The first key of two-key advisory locks taken on operatories.
const ADVISORY_LOCK_OPERATORY: i32 = 0x0A5A_0001;
const ADVISORY_LOCK_PATIENT: i32 = 0x0A5A_0002;
const ADVISORY_LOCK_APPOINTMENT_KEYS: i32 = 0x0A5A_0003;
const ADVISORY_LOCK_COUNTS: i32 = 0x0A5A_0004;

/// The file of a normalised `sqlite://FILE?…` URL (None for an in-memory database).
fn sqlite_file_of(url: &str) -> Option<std::path::PathBuf> {
    let file = url.strip_prefix("sqlite://")?.split('?').next()?;
    (file != ":memory:" && !file.is_empty()).then(|| std::path::PathBuf::from(file))
}

/// Free space (for an unprivileged process) and total size of the file system holding `dir`.
fn file_system_space(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a NUL-terminated string and `stat` a valid statvfs to fill.
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    let block = stat.f_frsize as u64;
    Some((stat.f_bavail as u64 * block, stat.f_blocks as u64 * block))
}

/// Accepts `sqlite://path`, `sqlite:path`, a bare `*.db` path, or `postgres://…`; makes sure a
/// SQLite file (and its folder) may be created.
/// The SQLite file a database URL names, as written (None for PostgreSQL, an in-memory
/// database, or a URL that is neither); touches nothing.
pub fn sqlite_file_in(url: &str) -> Option<std::path::PathBuf> {
    let path = sqlite_part(url.trim())?;
    let file = path.split('?').next().unwrap_or("");
    (!file.is_empty() && file != ":memory:").then(|| std::path::PathBuf::from(file))
}

/// `PATH?QUERY` of a SQLite URL (`sqlite://…`, `sqlite:…` or a bare path).
fn sqlite_part(url: &str) -> Option<&str> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        None
    } else if let Some(rest) = url.strip_prefix("sqlite://") {
        Some(rest)
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        Some(rest)
    } else if !url.contains("://") && !url.is_empty() {
        Some(url)
    } else {
        None
    }
}

fn normalise_url(url: &str) -> StoreResult<(Backend, String)> {
    let url = url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_string()));
    }
    let path = sqlite_part(url).ok_or_else(|| StoreError::UnsupportedUrl(url.to_string()))?;
    let (file, query) = match path.split_once('?') {
        Some((file, query)) => (file, Some(query)),
        None => (path, None),
    };
    if file != ":memory:" {
        if let Some(parent) = Path::new(file).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|source| StoreError::Folder { path: parent.display().to_string(), source })?;
        }
    }
    let query = match query {
        Some(q) if q.contains("mode=") => q.to_string(),
        Some(q) => format!("{q}&mode=rwc"),
        None => "mode=rwc".to_string(),
    };
    Ok((Backend::Sqlite, format!("sqlite://{file}?{query}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_are_made_creatable() {
        let dir = std::env::temp_dir().join(format!("asap-url-{}", std::process::id()));
        let file = dir.join("x.db");
        let (backend, url) = normalise_url(&format!("sqlite://{}", file.display())).unwrap();
        assert_eq!(backend, Backend::Sqlite);
        assert_eq!(url, format!("sqlite://{}?mode=rwc", file.display()));
        assert!(dir.is_dir());
        let _ = std::fs::remove_dir_all(dir);
        assert_eq!(normalise_url("postgres://u@h/db").unwrap().0, Backend::Postgres);
        assert!(matches!(normalise_url("mysql://h/db"), Err(StoreError::UnsupportedUrl(_))));
    }
}
