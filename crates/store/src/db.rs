//! The two engines behind one code path. SQL is written once with `$N` placeholders (both
//! engines accept them) and [`on_db!`] expands a block for each pool type.

use std::str::FromStr;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{PgPool, SqlitePool};

use crate::error::{Result, StoreError};

/// Which engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// How often [`Db::start_checkpoints`] checkpoints the SQLite write-ahead log.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Largest size the SQLite write-ahead log keeps once checkpointed: a load or a rebuild writes
/// gigabytes through it, and a log left that large is read back in full by the next process to
/// open the database (pages then come from the log, not the mapped file: reads up to 2× slower,
/// docs/benchmarks.md).
pub const WAL_SIZE_LIMIT: &str = "67108864";

/// The running checkpoint task of a SQLite store; [`Checkpoints::stop`] ends it with its
/// connection closed, dropping the guard aborts it.
#[derive(Debug)]
pub struct Checkpoints {
    stop: tokio::sync::watch::Sender<bool>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Checkpoints {
    /// Stops the task and waits until its connection is closed: then the pool's last connection
    /// to close folds the log into the file and deletes it (SQLite does so only when no other
    /// connection is open).
    pub async fn stop(&self) {
        let _ = self.stop.send(true);
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

impl Drop for Checkpoints {
    fn drop(&mut self) {
        if let Some(task) = self.task.get_mut().ok().and_then(Option::take) {
            task.abort();
        }
    }
}

/// A connection pool on one of the two engines.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the engine's pool; the block is compiled once per engine.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    /// Connects to `sqlite://PATH` (created if missing; `sqlite::memory:` for a private
    /// in-memory database) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            let memory = url.contains(":memory:");
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(url.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(false)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory")
                // The WAL is copied back into the file by a background task (see
                // [`Db::start_checkpoints`]), not by whichever write crosses the threshold.
                .pragma("wal_autocheckpoint", if memory { "1000" } else { "0" })
                .pragma("journal_size_limit", WAL_SIZE_LIMIT)
                // Reads map the file instead of copying its pages into each connection's cache:
                // the pool's 8 connections share the operating system's pages (coverage of a
                // province 33–37 → 27–28 ms p50 on the national demo, docs/benchmarks.md).
                .pragma("mmap_size", "17179869184");
            let pool = SqlitePoolOptions::new()
                // No ping before lending a connection: a connection to a local file does not go
                // stale, and the ping is a round trip to the connection's worker thread, as
                // long as many a statement it precedes.
                .test_before_acquire(false)
                .max_connections(if memory { 1 } else { 8 })
                .min_connections(if memory { 1 } else { 0 })
                .idle_timeout(if memory {
                    None
                } else {
                    Some(Duration::from_secs(600))
                })
                .max_lifetime(if memory {
                    None
                } else {
                    Some(Duration::from_secs(3600))
                })
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts =
                PgConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(url.to_string()))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(StoreError::BadUrl(url.to_string()))
        }
    }

    /// SQLite on a file: starts the task that copies the write-ahead log back into the
    /// database file every [`CHECKPOINT_EVERY`] after writes, so that no write pays for it.
    /// SQLite's own automatic checkpoint runs inside the commit that crosses 1.000 pages: a
    /// copy and an fsync of several milliseconds every few dozen writes (an event write's p99
    /// 10–11 ms against 1,1–3,4 ms without, national demo, docs/benchmarks.md). The task has
    /// its own connection and checkpoints only when another connection committed since its last
    /// look (`PRAGMA data_version`): a checkpoint makes every reader drop its page cache, and
    /// one every tick on an idle database made reads up to 2× slower. It stops when the
    /// returned guard is dropped or the pool closed; `None` for PostgreSQL, an in-memory
    /// database or outside a Tokio runtime.
    pub fn start_checkpoints(&self) -> Option<Checkpoints> {
        let Db::Sqlite(pool) = self else {
            return None;
        };
        let opts = pool.connect_options();
        // sqlx names a private in-memory database `file:sqlx-in-memory-N` (no log to copy).
        let name = opts.get_filename().to_string_lossy().into_owned();
        if name.is_empty() || name.contains(":memory:") || name.starts_with("file:sqlx-in-memory-")
        {
            return None;
        }
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let pool = pool.clone();
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = runtime.spawn(async move {
            let mut conn: Option<SqliteConnection> = None;
            let mut seen: Option<i64> = None;
            let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => {
                        if let Some(c) = conn.take() {
                            let _ = sqlx::Connection::close(c).await;
                        }
                        return;
                    }
                }
                if pool.is_closed() {
                    return;
                }
                if conn.is_none() {
                    match opts.connect().await {
                        Ok(c) => conn = Some(c),
                        Err(e) => {
                            tracing::warn!(error = %e, "WAL checkpoint: no connection");
                            continue;
                        }
                    }
                }
                let Some(c) = conn.as_mut() else { continue };
                let version: std::result::Result<i64, sqlx::Error> =
                    sqlx::query_scalar("PRAGMA data_version")
                        .fetch_one(&mut *c)
                        .await;
                let version = match version {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::warn!(error = %e, "WAL checkpoint: data_version failed");
                        conn = None;
                        continue;
                    }
                };
                if seen == Some(version) {
                    continue;
                }
                seen = Some(version);
                // PASSIVE: copies what no reader still needs, never waits for anyone.
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&mut *c)
                    .await
                {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
        });
        Some(Checkpoints {
            stop,
            task: std::sync::Mutex::new(Some(task)),
        })
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations (one tree per engine, kept in step by the parity test).
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch folder, removed however the test ends.
    struct Scratch(std::path::PathBuf);

    impl Scratch {
        fn new(name: &str) -> Result<Self> {
            let dir = std::env::temp_dir().join(format!("ketnap-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(Scratch(dir))
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Closing a store stops its checkpoint task (and the task's connection) before the pool:
    /// the pool's last connection then folds the log into the file and deletes it, and the next
    /// process does not read a log back. With the task still connected the log stays.
    #[tokio::test]
    async fn closing_the_store_leaves_no_log() -> Result<()> {
        let dir = Scratch::new("close")?;
        let path = dir.0.join("t.db");
        let store = crate::Store::open(&format!("sqlite://{}", path.display())).await?;
        // The task connects on its first tick.
        tokio::time::sleep(CHECKPOINT_EVERY).await;
        let wal = dir.0.join("t.db-wal");
        assert!(wal.exists(), "a database in WAL mode has a log while open");
        store.close().await;
        assert!(!wal.exists(), "the log is left behind after close");
        Ok(())
    }

    /// Statements gathered into one round trip, on every engine reachable (PostgreSQL always
    /// under `CI=true`): values bound across them, the `RETURNING` part's rows, all or nothing.
    #[tokio::test]
    async fn gathered_writes_run_together() -> Result<()> {
        for t in crate::testing::test_stores().await? {
            match t.store.db() {
                Db::Sqlite(p) => crate::engine::sqlite::writes::exercise(p).await?,
                Db::Postgres(p) => crate::engine::postgres::writes::exercise(p).await?,
            }
        }
        Ok(())
    }

    /// Size of the database file itself (the write-ahead log aside).
    fn file_len(path: &std::path::Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }

    /// With SQLite's automatic checkpoint off, only the background task moves the log into the
    /// database file: the migrations a new store writes reach the file within a few ticks.
    #[tokio::test]
    async fn the_background_task_checkpoints_the_log() -> Result<()> {
        let dir = Scratch::new("ckpt")?;
        let path = dir.0.join("t.db");
        let db = Db::connect(&format!("sqlite://{}", path.display())).await?;
        db.migrate().await?;
        // Nothing moved yet: the schema is in the log only.
        let before = file_len(&path);
        assert!(
            before <= 4096,
            "the file holds {before} bytes before any checkpoint"
        );
        let guard = db.start_checkpoints();
        assert!(guard.is_some());
        let mut after = before;
        for _ in 0..40 {
            tokio::time::sleep(CHECKPOINT_EVERY / 2).await;
            after = file_len(&path);
            if after > before {
                break;
            }
        }
        assert!(after > before, "the file still holds {after} bytes");
        drop(guard);
        db.close().await;
        drop(dir);
        // No task for a private in-memory database.
        let memory = Db::connect("sqlite::memory:").await?;
        assert!(memory.start_checkpoints().is_none());
        Ok(())
    }
}
