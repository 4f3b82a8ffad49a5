// Targets (chỉ tiêu) and the counts achievement is measured with. Included per engine by
// `engine!` (see mod.rs): `DB` and `BACKEND` name the engine.
//
// Admissions are counted from `person_status` spells (decision in docs/decisions.md, "Targets"):
// an admission is a `probationary` spell that does not continue a membership (no `probationary`
// or `transferred_out` spell of the same person ends on its start date), dated by its start (the
// ceremony, as the pipeline writes it) and attributed to the unit whose subtree holds the
// spell's branch on that date (org_closure).

use ketnap_domain::Date;
use ketnap_domain::org::OrgId;
use ketnap_domain::targets::{Target, TargetKind, TargetPeriod, TargetSource};
use serde_json::json;
use sqlx::{Pool, Row};

use crate::error::{Result, decode};

/// Admissions in `[$2, $3)` under `$1`, as the structure was on each admission's date. The
/// same rule as the admissions breakdown (engine/reports.rs): a spell following a
/// `probationary` (a move) or `transferred_out` (a transfer in) spell is not an admission.
const ADMISSIONS: &str = "FROM org_closure c JOIN person_status s ON s.org_id = c.descendant_id \
     AND c.valid_from <= s.valid_from AND c.valid_to > s.valid_from \
     WHERE c.ancestor_id = $1 AND s.status = 'probationary' AND s.valid_from >= $2 AND s.valid_from < $3 \
     AND NOT EXISTS (SELECT 1 FROM person_status p WHERE p.person_id = s.person_id \
                 AND p.valid_to = s.valid_from AND p.status IN ('probationary', 'transferred_out'))";

/// The same re-based onto the structure of `$4` (today): the spell's branch is mapped to its heir
/// (the unit holding its history today) and the heir must be under `$1` on `$4`.
const ADMISSIONS_REBASED: &str = "FROM person_status s \
     WHERE s.status = 'probationary' AND s.valid_from >= $2 AND s.valid_from < $3 \
     AND EXISTS (SELECT 1 FROM org_unit h JOIN org_closure c ON c.descendant_id = h.heir_id \
                 WHERE h.id = s.org_id AND c.ancestor_id = $1 AND c.valid_from <= $4 AND c.valid_to > $4) \
     AND NOT EXISTS (SELECT 1 FROM person_status p WHERE p.person_id = s.person_id \
                 AND p.valid_to = s.valid_from AND p.status IN ('probationary', 'transferred_out'))";

/// Sets one figure (assigned or registered; `None` clears it) of a unit's target, keeping the
/// other; one audit row. Returns the target as stored.
pub async fn set(
    pool: &Pool<DB>,
    org: OrgId,
    kind: TargetKind,
    period: TargetPeriod,
    source: TargetSource,
    value: Option<i64>,
    actor: &str,
) -> Result<Target> {
    let mut tx = super::org::begin_write(pool).await?;
    super::imports::lock_targets(&mut tx, org).await?;
    let key = period.to_string();
    let row = sqlx::query("SELECT assigned, registered FROM org_target WHERE org_id = $1 AND kind = $2 AND period = $3")
        .bind(org)
        .bind(kind.as_str())
        .bind(&key)
        .fetch_optional(&mut *tx)
        .await?;
    let before = match &row {
        Some(r) => Some((
            r.try_get::<Option<i64>, _>("assigned")?,
            r.try_get::<Option<i64>, _>("registered")?,
        )),
        None => None,
    };
    let (mut assigned, mut registered) = before.unwrap_or((None, None));
    match source {
        TargetSource::Assigned => assigned = value,
        TargetSource::Registered => registered = value,
    }
    let dates = period.dates();
    if before.is_some() {
        sqlx::query("UPDATE org_target SET assigned = $1, registered = $2 WHERE org_id = $3 AND kind = $4 AND period = $5")
            .bind(assigned)
            .bind(registered)
            .bind(org)
            .bind(kind.as_str())
            .bind(&key)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO org_target (org_id, kind, period, period_from, period_to, assigned, registered) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(org)
        .bind(kind.as_str())
        .bind(&key)
        .bind(dates.from)
        .bind(dates.end_or_max())
        .bind(assigned)
        .bind(registered)
        .execute(&mut *tx)
        .await?;
    }
    let detail = json!({
        "kind": kind.as_str(), "period": key, "source": source.as_str(), "value": value,
        "before": before.map(|(a, r)| json!({"assigned": a, "registered": r})),
    });
    super::audit::record_in(
        &mut tx,
        actor,
        "target.set",
        "target",
        &format!("{org}/{}/{key}", kind.as_str()),
        &detail.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(Target {
        kind,
        period,
        assigned,
        registered,
    })
}

/// All targets of a unit for a period (every kind).
pub async fn of_unit(pool: &Pool<DB>, org: OrgId, period: TargetPeriod) -> Result<Vec<Target>> {
    let rows = sqlx::query("SELECT kind, assigned, registered FROM org_target WHERE org_id = $1 AND period = $2 ORDER BY kind")
        .bind(org)
        .bind(period.to_string())
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Target {
                kind: decode(
                    "target kind",
                    &r.try_get::<String, _>("kind")?,
                    TargetKind::parse,
                )?,
                period,
                assigned: r.try_get("assigned")?,
                registered: r.try_get("registered")?,
            })
        })
        .collect()
}

/// Admissions in `[from, to)` under `org` (itself included), as the structure was, or with
/// `rebased_on`, re-based onto the structure of that day.
pub async fn admitted(pool: &Pool<DB>, org: OrgId, from: Date, to: Date, rebased_on: Option<Date>) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) {}", if rebased_on.is_some() { ADMISSIONS_REBASED } else { ADMISSIONS });
    let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(org).bind(from).bind(to);
    if let Some(d) = rebased_on {
        q = q.bind(d);
    }
    let n: i64 = q.fetch_one(pool).await?;
    Ok(n)
}

// ---- the same for many units at once (a ranking of a unit's children) ----------------------

/// `IN (…)` placeholders for `ids` starting at `$start`.
fn id_list(start: usize, ids: &[OrgId]) -> String {
    super::super::placeholders(start, ids.len())
}

/// Every target of each unit of `ids` for a period.
pub async fn of_units(pool: &Pool<DB>, ids: &[OrgId], period: TargetPeriod) -> Result<Vec<(OrgId, Target)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT org_id, kind, assigned, registered FROM org_target WHERE period = $1 AND org_id IN ({}) ORDER BY org_id, kind",
        id_list(2, ids)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(period.to_string());
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("org_id")?,
                Target {
                    kind: decode("target kind", &r.try_get::<String, _>("kind")?, TargetKind::parse)?,
                    period,
                    assigned: r.try_get("assigned")?,
                    registered: r.try_get("registered")?,
                },
            ))
        })
        .collect()
}

/// Admissions in `[from, to)` under each unit of `ids` (as the structure was), in one query.
pub async fn admitted_many(pool: &Pool<DB>, ids: &[OrgId], from: Date, to: Date) -> Result<Vec<(OrgId, i64)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    // The same text as for one unit: the dates become `$1`/`$2`, the units `$3…`.
    let from_clause = ADMISSIONS
        .replace("c.ancestor_id = $1", "c.ancestor_id IN (@units)")
        .replace("$2", "$1")
        .replace("$3", "$2")
        .replace("@units", &id_list(3, ids));
    let sql = format!("SELECT c.ancestor_id AS org, COUNT(*) AS n {from_clause} GROUP BY c.ancestor_id");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to);
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("org")?, r.try_get("n")?)))
        .collect()
}

/// Branches under the units beyond which PostgreSQL's own join is left to count open cases.
const FEW_BRANCHES: usize = 20_000;

/// Open pipeline cases under each unit of `ids` on `as_of`, by stage.
pub async fn open_cases_many(pool: &Pool<DB>, ids: &[OrgId], as_of: Date) -> Result<Vec<(OrgId, String, i64)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    if BACKEND == crate::db::Backend::Postgres
        && let Some(rows) = open_cases_few(pool, ids, as_of).await?
    {
        return Ok(rows);
    }
    let sql = format!(
        // CROSS JOIN: SQLite keeps the closure first (the units' few branches), instead of
        // walking every open case of the country; PostgreSQL plans it like any join.
        "SELECT c.ancestor_id AS org, k.stage, COUNT(*) AS n FROM org_closure c CROSS JOIN pipeline_case k \
         WHERE k.branch_id = c.descendant_id AND k.is_open = $2 AND c.ancestor_id IN ({}) AND c.valid_from <= $1 AND c.valid_to > $1 \
         GROUP BY c.ancestor_id, k.stage",
        id_list(3, ids)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(as_of).bind(true);
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("org")?, r.try_get("stage")?, r.try_get("n")?)))
        .collect()
}

/// PostgreSQL: the open cases of a few thousand branches, probed branch by branch (`None` for a
/// larger subtree). Given the join, its planner scans every open case of the country into a hash
/// table even for a province's 3.859 branches (80–110 ms against about 20).
async fn open_cases_few(pool: &Pool<DB>, ids: &[OrgId], as_of: Date) -> Result<Option<Vec<(OrgId, String, i64)>>> {
    let sql = format!(
        "SELECT ancestor_id, descendant_id FROM org_closure WHERE ancestor_id IN ({}) AND valid_from <= $1 AND valid_to > $1",
        id_list(2, ids)
    );
    let mut q = sqlx::query_as::<DB, (OrgId, OrgId)>(sqlx::AssertSqlSafe(sql)).bind(as_of);
    for id in ids {
        q = q.bind(*id);
    }
    let pairs = q.fetch_all(pool).await?;
    if pairs.len() > FEW_BRANCHES {
        return Ok(None);
    }
    let mut above: std::collections::HashMap<OrgId, Vec<OrgId>> = std::collections::HashMap::new();
    for (ancestor, descendant) in pairs {
        above.entry(descendant).or_default().push(ancestor);
    }
    // One array parameter (its text form: the statement is shared by both engines' code, and
    // only PostgreSQL runs it); thousands of `IN` placeholders cost PostgreSQL 90 ms to plan.
    let array = format!(
        "{{{}}}",
        above.keys().map(|id| id.to_string()).collect::<Vec<_>>().join(",")
    );
    let rows = sqlx::query_as::<DB, (OrgId, String, i64)>(
        "SELECT branch_id, stage, COUNT(*) AS n FROM pipeline_case \
         WHERE is_open = $1 AND branch_id = ANY(CAST($2 AS BIGINT[])) GROUP BY branch_id, stage",
    )
    .bind(true)
    .bind(array)
    .fetch_all(pool)
    .await?;
    let mut counts: std::collections::BTreeMap<(OrgId, String), i64> = std::collections::BTreeMap::new();
    for (branch, stage, n) in rows {
        for a in above.get(&branch).into_iter().flatten() {
            *counts.entry((*a, stage.clone())).or_insert(0) += n;
        }
    }
    Ok(Some(counts.into_iter().map(|((a, stage), n)| (a, stage, n)).collect()))
}

/// Candidate spells under each unit of `ids` (closure on the spell's start) that ended in
/// `[from, to)`, with whether the next spell of the person was `probationary` (admitted): the
/// history the forecast measures the source stage's conversion and time with (the facts side
/// of the `candidacy` pre-aggregates).
pub async fn candidate_outcomes_many(
    pool: &Pool<DB>,
    ids: &[OrgId],
    from: Date,
    to: Date,
) -> Result<Vec<(OrgId, Date, Date, bool)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT c.ancestor_id AS org, s.valid_from, s.valid_to, n.status AS next FROM org_closure c \
         JOIN person_status s ON s.org_id = c.descendant_id AND c.valid_from <= s.valid_from AND c.valid_to > s.valid_from \
         LEFT JOIN person_status n ON n.person_id = s.person_id AND n.valid_from = s.valid_to \
         WHERE c.ancestor_id IN ({}) AND s.status = 'candidate' AND s.valid_to >= $1 AND s.valid_to < $2",
        id_list(3, ids)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to);
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let next: Option<String> = r.try_get("next")?;
            Ok((r.try_get("org")?, r.try_get("valid_from")?, r.try_get("valid_to")?, next.as_deref() == Some("probationary")))
        })
        .collect()
}
