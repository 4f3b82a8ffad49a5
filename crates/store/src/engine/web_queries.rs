// Small reads the web layer needs: a database round trip for health checks, and whether any
// organization unit exists yet (to offer demo data). Included per engine.

use sqlx::Pool;

use crate::error::Result;

/// One round trip to the database (`SELECT 1`).
pub async fn ping(pool: &Pool<DB>) -> Result<()> {
    let _: i32 = sqlx::query_scalar("SELECT 1").fetch_one(pool).await?;
    Ok(())
}

/// Whether any organization unit was ever recorded.
pub async fn has_units(pool: &Pool<DB>) -> Result<bool> {
    let row: Option<i32> = sqlx::query_scalar("SELECT 1 FROM org_unit LIMIT 1").fetch_optional(pool).await?;
    Ok(row.is_some())
}
