//! Throwaway databases for tests, on both engines.
//!
//! [`test_stores`] gives a fresh SQLite file and, when PostgreSQL is reachable, a fresh schema
//! in it (`KETNAP_TEST_PG`, default `postgres://postgres@127.0.0.1:5432/test`). Without
//! PostgreSQL the PostgreSQL half is skipped with a printed reason, except under `CI=true`,
//! where its absence is an error: CI never skips.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::{Db, Result, Store, StoreError};

/// The PostgreSQL server tests use.
pub fn pg_url() -> String {
    std::env::var("KETNAP_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{}_{n}", std::process::id(), t % 1_000_000_000)
}

/// A throwaway database; the SQLite file (and its folder) goes when this is dropped.
pub struct TestDb {
    pub store: Store,
    /// A URL other processes (a spawned server) can open to reach the same data.
    pub url: String,
    _dir: Option<tempdir::Dir>,
}

mod tempdir {
    /// A temporary folder removed on drop (kept small to avoid a dependency).
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A fresh, migrated SQLite database in a temporary file.
pub async fn sqlite() -> Result<TestDb> {
    let dir = std::env::temp_dir().join(unique("ketnap_test"));
    std::fs::create_dir_all(&dir).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let url = format!("sqlite://{}", dir.join("test.db").display());
    let store = Store::open(&url).await?;
    Ok(TestDb {
        store,
        url,
        _dir: Some(tempdir::Dir(dir)),
    })
}

/// A fresh, migrated schema in the test PostgreSQL; `Ok(None)` (with a printed reason) when
/// the server is unreachable outside CI.
pub async fn postgres() -> Result<Option<TestDb>> {
    let base = pg_url();
    let admin = match PgPoolOptions::new().max_connections(1).connect(&base).await {
        Ok(p) => p,
        Err(e) if !in_ci() => {
            eprintln!(
                "SKIP PostgreSQL tests: cannot reach {base} ({e}); set KETNAP_TEST_PG or run under CI=true to require it"
            );
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    drop_stale_schemas(&admin).await?;
    let schema = unique("t");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await?;
    admin.close().await;
    let opts = PgConnectOptions::from_str(&base)
        .map_err(|_| StoreError::BadUrl(base.clone()))?
        .options([("search_path", schema.as_str())]);
    let url = opts.to_url_lossy().to_string();
    let url = if url.contains("search_path") {
        url
    } else {
        format!("{base}?options=-c%20search_path%3D{schema}")
    };
    let store = Store::open(&url).await?;
    Ok(Some(TestDb {
        store,
        url,
        _dir: None,
    }))
}

/// Drops test schemas left by test processes that are gone (`t_<pid>_…` with no such pid).
async fn drop_stale_schemas(admin: &sqlx::PgPool) -> Result<()> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT schema_name::text FROM information_schema.schemata WHERE schema_name LIKE 't\\_%'",
    )
    .fetch_all(admin)
    .await?;
    for name in names {
        let pid = name.split('_').nth(1).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        let safe = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if pid.is_some() && !alive && safe {
            // Another process may be dropping it at the same moment: ignore failures.
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE"
            )))
            .execute(admin)
            .await;
        }
    }
    Ok(())
}

/// A fresh store on every available engine: SQLite always, PostgreSQL when reachable (always
/// under `CI=true`).
pub async fn test_stores() -> Result<Vec<TestDb>> {
    let mut v = vec![sqlite().await?];
    if let Some(pg) = postgres().await? {
        v.push(pg);
    }
    Ok(v)
}

impl TestDb {
    pub fn backend(&self) -> crate::Backend {
        self.store.backend()
    }
}

#[allow(dead_code)]
fn _assert_db_is_send(d: Db) -> impl Send {
    d
}
