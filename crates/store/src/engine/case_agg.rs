// Open pipeline cases per unit, stage and closure interval (`open_case_agg`, migration 0013,
// docs/decisions.md §14): what the forecast of a running year reads instead of probing every
// branch below a province. Included per engine by `engine!` (see mod.rs).
//
// A case open in branch B at stage S counts once in the row (A, from, to, S) of every closure
// row (A, B, from, to) — B's own row included. Kept exact in the writer's transaction:
// [`case_changed`] by every write of a case, [`closure_leaving`]/[`closure_arrived`] around
// the closure rows a structure operation rewrites, [`rebuild_in`] with the other aggregates.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use ketnap_domain::Date;
use ketnap_domain::org::OrgId;
use sqlx::{AssertSqlSafe, Pool, Row};

use crate::error::Result;

type Conn = <DB as sqlx::Database>::Connection;

/// Branches per statement.
const CHUNK: usize = 500;

/// A case's place in the counts: open in a branch at a stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenAt<'a> {
    pub branch: OrgId,
    pub stage: &'a str,
}

const UPSERT: &str = "INSERT INTO open_case_agg (org_id, valid_from, valid_to, stage, n) ";
const ADD: &str = " ON CONFLICT (org_id, valid_from, valid_to, stage) DO UPDATE SET n = open_case_agg.n + excluded.n";

/// A case moved from `before` to `after` (`None`: not open — created, closed or reopened).
pub async fn case_changed(conn: &mut Conn, before: Option<OpenAt<'_>>, after: Option<OpenAt<'_>>) -> Result<()> {
    let mut w = super::writes::Writes::new();
    gather_case_changed(&mut w, before, after);
    w.run(conn).await?;
    Ok(())
}

/// [`case_changed`] gathered into `w` (it reads nothing: the closure is joined in the SQL). The
/// rows are written in key order: on PostgreSQL two writers under one unit then lock their
/// common rows in the same order and never wait for each other.
pub fn gather_case_changed(w: &mut super::writes::Writes, before: Option<OpenAt<'_>>, after: Option<OpenAt<'_>>) {
    use super::writes::Arg;
    if before == after {
        return;
    }
    if let (Some(b), Some(a)) = (&before, &after)
        && b.branch == a.branch
    {
        let sql = format!(
            "{UPSERT} SELECT c.ancestor_id, c.valid_from, c.valid_to, s.stage, s.n FROM org_closure c \
             CROSS JOIN (SELECT CAST($2 AS TEXT) AS stage, CAST(-1 AS BIGINT) AS n \
             UNION ALL SELECT CAST($3 AS TEXT), CAST(1 AS BIGINT)) AS s WHERE c.descendant_id = $1 \
             ORDER BY 1, 2, 3, 4{ADD}"
        );
        w.push(&sql, vec![Arg::from(a.branch), b.stage.into(), a.stage.into()]);
        return;
    }
    let mut parts = vec![];
    let mut args: Vec<Arg> = vec![];
    for (side, sign) in [(before, -1_i64), (after, 1)] {
        if let Some(at) = side {
            let k = args.len();
            parts.push(format!(
                "SELECT c.ancestor_id AS org_id, c.valid_from, c.valid_to, CAST(${} AS TEXT) AS stage, CAST(${} AS BIGINT) AS n \
                 FROM org_closure c WHERE c.descendant_id = ${}",
                k + 2,
                k + 3,
                k + 1
            ));
            args.extend([Arg::from(at.branch), at.stage.into(), sign.into()]);
        }
    }
    let sql = format!(
        "{UPSERT} SELECT org_id, valid_from, valid_to, stage, CAST(SUM(n) AS BIGINT) FROM ({}) AS d \
         WHERE true GROUP BY org_id, valid_from, valid_to, stage ORDER BY 1, 2, 3, 4{ADD}",
        parts.join(" UNION ALL ")
    );
    w.push(&sql, args);
}

async fn along_closure(conn: &mut Conn, branches: &[OrgId], sign: i64) -> Result<()> {
    for chunk in branches.chunks(CHUNK) {
        let sql = format!(
            "{UPSERT} SELECT c.ancestor_id, c.valid_from, c.valid_to, k.stage, CAST($1 * COUNT(*) AS BIGINT) \
             FROM org_closure c JOIN pipeline_case k ON k.branch_id = c.descendant_id \
             WHERE k.is_open = $2 AND c.descendant_id IN ({}) \
             GROUP BY c.ancestor_id, c.valid_from, c.valid_to, k.stage{ADD}",
            super::super::placeholders(3, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(sign).bind(true);
        for b in chunk {
            q = q.bind(*b);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Before the closure rows of `units` are deleted: their open cases leave the counts.
pub async fn closure_leaving(conn: &mut Conn, units: &[OrgId]) -> Result<()> {
    along_closure(conn, units, -1).await
}

/// After the closure rows of `units` were written again: their open cases come back.
pub async fn closure_arrived(conn: &mut Conn, units: &[OrgId]) -> Result<()> {
    along_closure(conn, units, 1).await
}

/// What the table should hold, from the cases and the closure.
const EXPECTED: &str = "SELECT c.ancestor_id AS org_id, c.valid_from, c.valid_to, k.stage, CAST(COUNT(*) AS BIGINT) AS n \
     FROM pipeline_case k JOIN org_closure c ON c.descendant_id = k.branch_id WHERE k.is_open = $1 \
     GROUP BY c.ancestor_id, c.valid_from, c.valid_to, k.stage";

/// Recomputes the table from the cases.
pub async fn rebuild_in(conn: &mut Conn) -> Result<()> {
    sqlx::query("DELETE FROM open_case_agg").execute(&mut *conn).await?;
    let sql = format!("{UPSERT} SELECT org_id, valid_from, valid_to, stage, n FROM ({EXPECTED}) AS e WHERE true ORDER BY org_id, valid_from, valid_to, stage");
    sqlx::query(AssertSqlSafe(sql)).bind(true).execute(&mut *conn).await?;
    Ok(())
}

type Key = (OrgId, Date, Date, String);

async fn counts(conn: &mut Conn, sql: &str, open: Option<bool>) -> Result<HashMap<Key, i64>> {
    let mut q = sqlx::query(AssertSqlSafe(sql.to_string()));
    if let Some(o) = open {
        q = q.bind(o);
    }
    let mut out = HashMap::new();
    let mut rows = q.fetch(&mut *conn);
    while let Some(r) = rows.try_next().await? {
        let n: i64 = r.try_get("n")?;
        if n != 0 {
            out.insert((r.try_get("org_id")?, r.try_get("valid_from")?, r.try_get("valid_to")?, r.try_get("stage")?), n);
        }
    }
    Ok(out)
}

/// Compares the table with a recomputation: the rows compared and the differences, as
/// (unit, `open_case <from>..<to>`, 0, stage, stored, expected).
pub async fn verify_in(conn: &mut Conn) -> Result<(u64, Vec<(OrgId, String, i32, String, i64, i64)>)> {
    let expected = counts(conn, EXPECTED, Some(true)).await?;
    let mut stored = counts(conn, "SELECT org_id, valid_from, valid_to, stage, n FROM open_case_agg", None).await?;
    let what = |f: &Date, t: &Date| format!("open_case {f}..{t}");
    let mut diffs = vec![];
    for ((org, f, t, stage), n) in &expected {
        let s = stored.remove(&(*org, *f, *t, stage.clone())).unwrap_or(0);
        if s != *n {
            diffs.push((*org, what(f, t), 0, stage.clone(), s, *n));
        }
    }
    for ((org, f, t, stage), s) in stored {
        diffs.push((org, what(&f, &t), 0, stage, s, 0));
    }
    Ok((expected.len() as u64, diffs))
}

/// The open cases under each unit of `ids` on `as_of`, by stage.
pub async fn open_cases_many(pool: &Pool<DB>, ids: &[OrgId], as_of: Date) -> Result<Vec<(OrgId, String, i64)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    // One row in all: per unit its stages' counts (`stage:n,…`), see `one_row_per_answer`.
    let per_unit = format!(
        "SELECT org_id, string_agg(stage || ':' || CAST(n AS TEXT), ',') AS counts FROM \
         (SELECT org_id, stage, CAST(SUM(n) AS BIGINT) AS n FROM open_case_agg \
          WHERE org_id IN ({}) AND valid_from <= $1 AND valid_to > $1 GROUP BY org_id, stage HAVING SUM(n) <> 0) AS t \
         GROUP BY org_id",
        super::super::placeholders(2, ids.len())
    );
    let sql = crate::aggregates::one_row_per_answer(&per_unit, "org_id", "counts");
    let mut q = sqlx::query_scalar::<_, Option<String>>(AssertSqlSafe(sql)).bind(as_of);
    for id in ids {
        q = q.bind(*id);
    }
    let text = q.fetch_one(pool).await?.unwrap_or_default();
    let mut out = vec![];
    crate::aggregates::each_unit(&text, |org, counts| {
        crate::aggregates::each_count(counts, |stage, n| out.push((org, stage.to_string(), n)))
    })
    .ok_or_else(|| crate::error::StoreError::Corrupt("unreadable open case counts".into()))?;
    Ok(out)
}
