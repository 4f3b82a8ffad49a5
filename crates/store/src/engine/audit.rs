// Audit trail: every write leaves a row (who, when, what, detail). Included per engine.

use chrono::Utc;
use sqlx::{Pool, Row, Transaction};

use crate::error::Result;
use crate::model::AuditEntry;

/// Records one audited write inside the caller's transaction, so the audit row commits or rolls
/// back with the change itself.
pub async fn record_in(
    tx: &mut Transaction<'_, DB>,
    actor: &str,
    action: &str,
    entity: &str,
    entity_key: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (at, actor, action, entity, entity_key, detail) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(Utc::now())
        .bind(actor)
        .bind(action)
        .bind(entity)
        .bind(entity_key)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The audit rows of a write, gathered into `w` to commit with it.
pub fn gather_all(w: &mut super::writes::Writes, actor: &str, rows: &[(&str, &str, &str, &str)]) {
    if rows.is_empty() {
        return;
    }
    let sql = format!(
        "INSERT INTO audit_log (at, actor, action, entity, entity_key, detail) VALUES {}",
        super::super::row_placeholders(rows.len(), 6)
    );
    let at = Utc::now();
    let mut args: Vec<super::writes::Arg> = Vec::with_capacity(rows.len() * 6);
    for (action, entity, key, detail) in rows {
        args.extend([at.into(), actor.into(), (*action).into(), (*entity).into(), (*key).into(), (*detail).into()]);
    }
    w.push(&sql, args);
}

/// Records several audited writes of one action (`(action, entity, entity_key, detail)`, in
/// order) with one statement, inside the caller's transaction.
pub async fn record_all_in(tx: &mut Transaction<'_, DB>, actor: &str, rows: &[(&str, &str, &str, &str)]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO audit_log (at, actor, action, entity, entity_key, detail) VALUES {}",
        super::super::values_list(BACKEND, rows.len(), 6)
    );
    let at = Utc::now();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (action, entity, key, detail) in rows {
        q = q.bind(at).bind(actor).bind(*action).bind(*entity).bind(*key).bind(*detail);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// The latest audit rows, newest first, optionally for one entity.
pub async fn recent(pool: &Pool<DB>, entity: Option<(&str, &str)>, limit: i64) -> Result<Vec<AuditEntry>> {
    let rows = match entity {
        Some((e, k)) => {
            sqlx::query("SELECT id, at, actor, action, entity, entity_key, detail FROM audit_log WHERE entity = $1 AND entity_key = $2 ORDER BY id DESC LIMIT $3")
                .bind(e)
                .bind(k)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }
        None => {
            sqlx::query("SELECT id, at, actor, action, entity, entity_key, detail FROM audit_log ORDER BY id DESC LIMIT $1")
                .bind(limit)
                .fetch_all(pool)
                .await?
        }
    };
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                entity: r.try_get("entity")?,
                entity_key: r.try_get("entity_key")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}
