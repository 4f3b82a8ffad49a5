//! The two engines behind one code path. SQL is written once with `$N` placeholders (both
//! engines accept them) and [`on_db!`] expands a block for each pool type.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
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
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(url.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(false)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-65536")
                .pragma("temp_store", "memory")
                // Reads map the file instead of copying its pages into each connection's cache:
                // the pool's 8 connections share the operating system's pages (coverage of a
                // province 33–37 → 27–28 ms p50 on the national demo, docs/benchmarks.md).
                .pragma("mmap_size", "17179869184");
            let memory = url.contains(":memory:");
            let pool = SqlitePoolOptions::new()
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
