// Spreadsheet imports (issue E): saved column mappings, and targets written all or nothing.
// Included per engine.

use serde_json::json;
use sqlx::{Pool, Row};

use crate::error::Result;
use crate::exchange_api::TargetRow;

/// Saves (or replaces) a named mapping for a kind of file; one audit row.
pub async fn mapping_save(
    pool: &Pool<DB>,
    kind: &str,
    name: &str,
    mapping: &str,
    actor: &str,
) -> Result<()> {
    let mut tx = super::org::begin_write(pool).await?;
    sqlx::query("DELETE FROM import_mapping WHERE kind = $1 AND name = $2")
        .bind(kind)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO import_mapping (name, kind, mapping, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(name)
    .bind(kind)
    .bind(mapping)
    .bind(actor)
    .bind(chrono::Utc::now().timestamp())
    .execute(&mut *tx)
    .await?;
    super::audit::record_in(&mut tx, actor, "import.mapping.save", "import_mapping", &format!("{kind}/{name}"), mapping)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A saved mapping (its JSON text).
pub async fn mapping_get(pool: &Pool<DB>, kind: &str, name: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT mapping FROM import_mapping WHERE kind = $1 AND name = $2")
        .bind(kind)
        .bind(name)
        .fetch_optional(pool)
        .await?)
}

/// Every saved mapping: (kind, name, mapping JSON, updated_by, updated_at).
pub async fn mappings(pool: &Pool<DB>) -> Result<Vec<(String, String, String, String, i64)>> {
    sqlx::query("SELECT kind, name, mapping, updated_by, updated_at FROM import_mapping ORDER BY kind, name")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
            ))
        })
        .collect()
}

/// Serialises writers of one unit's targets: PostgreSQL runs them concurrently (READ
/// COMMITTED), and two first writes of the same target would both insert (a unique-key
/// violation) or one would overwrite the other's figure. SQLite writers are already serialised
/// by `BEGIN IMMEDIATE`.
pub async fn lock_targets(tx: &mut sqlx::Transaction<'_, DB>, org: ketnap_domain::org::OrgId) -> Result<()> {
    if BACKEND == crate::db::Backend::Postgres {
        // Key space: 0x6b6e_0000_0000_0000 + unit id ("kn" for ketnap targets).
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(0x6b6e_0000_0000_0000_i64 + org)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Writes targets in one transaction (rolled back on a dry run); returns (created, updated,
/// unchanged). One audit row per change and one for the file.
pub async fn targets_import(
    pool: &Pool<DB>,
    rows: &[TargetRow],
    source: &str,
    actor: &str,
    dry_run: bool,
) -> Result<(usize, usize, usize)> {
    let mut tx = super::org::begin_write(pool).await?;
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    let mut units: Vec<_> = rows.iter().map(|t| t.org).collect();
    units.sort_unstable();
    units.dedup();
    for org in units {
        lock_targets(&mut tx, org).await?;
    }
    for t in rows {
        let key = t.period.to_string();
        let before = sqlx::query("SELECT assigned, registered FROM org_target WHERE org_id = $1 AND kind = $2 AND period = $3")
            .bind(t.org)
            .bind(t.kind.as_str())
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| -> Result<(Option<i64>, Option<i64>)> { Ok((r.try_get(0)?, r.try_get(1)?)) })
            .transpose()?;
        let (old_a, old_r) = before.unwrap_or((None, None));
        let (a, r) = (t.assigned.or(old_a), t.registered.or(old_r));
        match before {
            Some(_) if (a, r) == (old_a, old_r) => {
                unchanged += 1;
                continue;
            }
            Some(_) => {
                sqlx::query("UPDATE org_target SET assigned = $1, registered = $2 WHERE org_id = $3 AND kind = $4 AND period = $5")
                    .bind(a)
                    .bind(r)
                    .bind(t.org)
                    .bind(t.kind.as_str())
                    .bind(&key)
                    .execute(&mut *tx)
                    .await?;
                updated += 1;
            }
            None => {
                let dates = t.period.dates();
                sqlx::query(
                    "INSERT INTO org_target (org_id, kind, period, period_from, period_to, assigned, registered) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(t.org)
                .bind(t.kind.as_str())
                .bind(&key)
                .bind(dates.from)
                .bind(dates.end_or_max())
                .bind(a)
                .bind(r)
                .execute(&mut *tx)
                .await?;
                created += 1;
            }
        }
        let detail = json!({
            "kind": t.kind.as_str(), "period": key, "assigned": a, "registered": r, "import": source,
            "before": before.map(|(a, r)| json!({"assigned": a, "registered": r})),
        });
        let entity_key = format!("{}/{}/{key}", t.org, t.kind.as_str());
        super::audit::record_in(&mut tx, actor, "target.set", "target", &entity_key, &detail.to_string())
            .await?;
    }
    let summary = json!({"rows": rows.len(), "created": created, "updated": updated, "unchanged": unchanged});
    super::audit::record_in(&mut tx, actor, "import", "batch", &format!("targets:{source}"), &summary.to_string())
        .await?;
    if dry_run || created + updated == 0 {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok((created, updated, unchanged))
}
