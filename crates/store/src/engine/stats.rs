// Counts as of a date, for `ketnap stats` and the API. Included per engine.

use ketnap_domain::Date;
use sqlx::{Pool, Row};

use crate::error::Result;
use crate::model::Stats;

async fn counts(pool: &Pool<DB>, sql: &'static str, on: Date) -> Result<Vec<(String, i64)>> {
    sqlx::query(sql)
        .bind(on)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
        .collect()
}

/// Units by kind, localities by kind and people by status on `on`.
pub async fn stats(pool: &Pool<DB>, on: Date) -> Result<Stats> {
    let units_by_kind = counts(
        pool,
        "SELECT kind, COUNT(*) FROM org_unit WHERE valid_from <= $1 AND valid_to > $1 GROUP BY kind ORDER BY kind",
        on,
    )
    .await?;
    let localities_by_kind = counts(
        pool,
        "SELECT kind, COUNT(*) FROM locality WHERE valid_from <= $1 AND valid_to > $1 GROUP BY kind ORDER BY kind",
        on,
    )
    .await?;
    let people_by_status = counts(
        pool,
        "SELECT status, COUNT(*) FROM person_status WHERE valid_from <= $1 AND valid_to > $1 GROUP BY status ORDER BY status",
        on,
    )
    .await?;
    let people_total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM person").fetch_one(pool).await?;
    Ok(Stats { as_of: Some(on), units_by_kind, localities_by_kind, people_by_status, people_total })
}
