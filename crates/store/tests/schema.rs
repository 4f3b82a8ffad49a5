//! The two migration trees must describe the same schema: same tables, same columns.

use std::collections::BTreeSet;

use ketnap_store::Db;
use ketnap_store::testing::{postgres, sqlite};
use sqlx::Row;

#[tokio::test]
async fn sqlite_and_postgres_schemas_match() -> Result<(), Box<dyn std::error::Error>> {
    let lite = sqlite().await?;
    let Some(pg) = postgres().await? else {
        return Ok(());
    };
    let mut a = BTreeSet::new();
    if let Db::Sqlite(p) = lite.store.db() {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
        )
        .fetch_all(p)
        .await?;
        for t in tables {
            for r in sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info({t})")))
                .fetch_all(p)
                .await?
            {
                a.insert((t.clone(), r.try_get::<String, _>("name")?));
            }
        }
    }
    let mut b = BTreeSet::new();
    if let Db::Postgres(p) = pg.store.db() {
        for r in sqlx::query(
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
        )
        .fetch_all(p)
        .await?
        {
            b.insert((r.try_get::<String, _>("t")?, r.try_get::<String, _>("c")?));
        }
    }
    assert!(!a.is_empty());
    let only_sqlite: Vec<_> = a.difference(&b).collect();
    let only_pg: Vec<_> = b.difference(&a).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_pg:?}"
    );
    Ok(())
}
