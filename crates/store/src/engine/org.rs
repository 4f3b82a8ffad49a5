// Organization tree: reads as of a date, lineage, and operations. Included per engine by
// `engine!` (see mod.rs): `DB` and `BACKEND` name the engine.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use ketnap_domain::dates::OPEN_END;
use ketnap_domain::org::{
    Change, ChildFacts, ClosureRow, LineageKind, OrgId, OrgKind, Operation, ParentLink, PathSegment,
    Sector, UnitFacts, UnitRef, closure_rows, paths_from_closure, plan,
};
use ketnap_domain::text::fold;
use ketnap_domain::{Date, Period};
use sqlx::{AssertSqlSafe, Pool, Row, Transaction};

use crate::engine::placeholders;
use crate::error::{Result, StoreError, decode};
use crate::model::*;

type Tx<'a> = Transaction<'a, DB>;

fn kind(s: &str) -> Result<OrgKind> {
    decode("organization kind", s, OrgKind::parse)
}
fn sector(s: &str) -> Result<Sector> {
    decode("sector", s, Sector::parse)
}

const RECORD_SQL: &str = "SELECT u.id, u.code, u.name, u.kind, u.sector, u.valid_from, u.valid_to, \
     h.id AS heir_id, h.code AS heir_code, h.name AS heir_name \
     FROM org_unit u LEFT JOIN org_unit h ON h.id = u.heir_id";

fn record(r: &<DB as sqlx::Database>::Row) -> Result<OrgRecord> {
    let heir_id: Option<i64> = r.try_get("heir_id")?;
    Ok(OrgRecord {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        kind: kind(&r.try_get::<String, _>("kind")?)?,
        sector: sector(&r.try_get::<String, _>("sector")?)?,
        period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?),
        heir: match heir_id {
            Some(id) => Some(OrgRef { id, code: r.try_get("heir_code")?, name: r.try_get("heir_name")? }),
            None => None,
        },
    })
}

/// A unit by code (case-insensitive), whatever its dates.
pub async fn by_code(pool: &Pool<DB>, code: &str) -> Result<Option<OrgRecord>> {
    let sql = format!("{RECORD_SQL} WHERE u.code_key = $1");
    let row = sqlx::query(AssertSqlSafe(sql)).bind(code.trim().to_ascii_uppercase()).fetch_optional(pool).await?;
    row.as_ref().map(record).transpose()
}

/// A unit by id.
pub async fn by_id(pool: &Pool<DB>, id: OrgId) -> Result<Option<OrgRecord>> {
    let sql = format!("{RECORD_SQL} WHERE u.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(record).transpose()
}

/// The units with no superior on `as_of` (normally the central root).
pub async fn roots(pool: &Pool<DB>, as_of: Date) -> Result<Vec<OrgId>> {
    let rows = sqlx::query(
        "SELECT u.id FROM org_unit u WHERE u.valid_from <= $1 AND u.valid_to > $1 AND NOT EXISTS \
         (SELECT 1 FROM org_link l WHERE l.child_id = u.id AND l.valid_from <= $1 AND l.valid_to > $1) ORDER BY u.code",
    )
    .bind(as_of)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// All units under `root` (itself included) on `as_of`, down to `max_depth` levels, with the
/// names and parents in force that day; ordered by depth, then code. One indexed read of the
/// closure table: no recursion.
pub async fn subtree(pool: &Pool<DB>, root: OrgId, as_of: Date, max_depth: i32) -> Result<Vec<TreeNode>> {
    if max_depth <= 1 {
        return shallow(pool, root, as_of, max_depth).await;
    }
    let rows = sqlx::query(
        "SELECT u.id, u.code, n.name, u.kind, u.sector, l.parent_id, c.depth \
         FROM org_closure c \
         JOIN org_unit u ON u.id = c.descendant_id \
         JOIN org_name n ON n.unit_id = c.descendant_id AND n.valid_from <= $2 AND n.valid_to > $2 \
         LEFT JOIN org_link l ON l.child_id = c.descendant_id AND l.valid_from <= $2 AND l.valid_to > $2 \
         WHERE c.ancestor_id = $1 AND c.valid_from <= $2 AND c.valid_to > $2 AND c.depth <= $3 \
         ORDER BY c.depth, u.code",
    )
    .bind(root)
    .bind(as_of)
    .bind(max_depth)
    .fetch_all(pool)
    .await?;
    rows.iter().map(tree_node).collect()
}

/// [`subtree`] to depth 0 or 1: the root from its own closure row, its direct sub-organizations
/// from the parent links (the closure rows of a province span its whole history; its children
/// on a day are a few dozen links).
async fn shallow(pool: &Pool<DB>, root: OrgId, as_of: Date, max_depth: i32) -> Result<Vec<TreeNode>> {
    let rows = sqlx::query(
        "SELECT u.id, u.code, n.name, u.kind, u.sector, l.parent_id, 0 AS depth \
         FROM org_closure c \
         JOIN org_unit u ON u.id = c.descendant_id \
         JOIN org_name n ON n.unit_id = c.descendant_id AND n.valid_from <= $2 AND n.valid_to > $2 \
         LEFT JOIN org_link l ON l.child_id = c.descendant_id AND l.valid_from <= $2 AND l.valid_to > $2 \
         WHERE c.descendant_id = $1 AND c.depth = 0 AND c.ancestor_id = $1 AND c.valid_from <= $2 AND c.valid_to > $2 \
         UNION ALL \
         SELECT u.id, u.code, n.name, u.kind, u.sector, l.parent_id, 1 AS depth \
         FROM org_link l \
         JOIN org_unit u ON u.id = l.child_id \
         JOIN org_name n ON n.unit_id = l.child_id AND n.valid_from <= $2 AND n.valid_to > $2 \
         WHERE $3 >= 1 AND l.parent_id = $1 AND l.valid_from <= $2 AND l.valid_to > $2 \
         ORDER BY 7, 2",
    )
    .bind(root)
    .bind(as_of)
    .bind(max_depth)
    .fetch_all(pool)
    .await?;
    rows.iter().map(tree_node).collect()
}

fn tree_node(r: &<DB as sqlx::Database>::Row) -> Result<TreeNode> {
    Ok(TreeNode {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        kind: kind(&r.try_get::<String, _>("kind")?)?,
        sector: sector(&r.try_get::<String, _>("sector")?)?,
        parent_id: r.try_get("parent_id")?,
        depth: r.try_get("depth")?,
    })
}

/// How many units are under `root` on `as_of` (itself included).
pub async fn subtree_count(pool: &Pool<DB>, root: OrgId, as_of: Date) -> Result<i64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM org_closure WHERE ancestor_id = $1 AND valid_from <= $2 AND valid_to > $2",
    )
    .bind(root)
    .bind(as_of)
    .fetch_one(pool)
    .await?;
    Ok(n)
}

/// The same count the naive way: a recursive walk of the parent links at request time. Kept as
/// the benchmark baseline for [`subtree_count`].
pub async fn subtree_count_recursive(pool: &Pool<DB>, root: OrgId, as_of: Date) -> Result<i64> {
    let n: i64 = sqlx::query_scalar(
        "WITH RECURSIVE t(id) AS (SELECT CAST($1 AS BIGINT) \
         UNION ALL SELECT l.child_id FROM org_link l JOIN t ON l.parent_id = t.id \
         WHERE l.valid_from <= $2 AND l.valid_to > $2) SELECT COUNT(*) FROM t",
    )
    .bind(root)
    .bind(as_of)
    .fetch_one(pool)
    .await?;
    Ok(n)
}

fn org_ref(id: i64, code: String, name: String) -> OrgRef {
    OrgRef { id, code, name }
}

/// Everything recorded about a unit: names, superiors, predecessors and successors.
pub async fn history(pool: &Pool<DB>, id: OrgId) -> Result<Option<OrgHistory>> {
    let Some(unit) = by_id(pool, id).await? else { return Ok(None) };
    let names = sqlx::query("SELECT name, valid_from, valid_to FROM org_name WHERE unit_id = $1 ORDER BY valid_from")
        .bind(id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(NameSpell { name: r.try_get("name")?, period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?) })
        })
        .collect::<Result<Vec<_>>>()?;
    let parents = sqlx::query(
        "SELECT p.id, p.code, p.name, l.valid_from, l.valid_to FROM org_link l JOIN org_unit p ON p.id = l.parent_id \
         WHERE l.child_id = $1 ORDER BY l.valid_from",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(ParentSpell {
            parent: org_ref(r.try_get("id")?, r.try_get("code")?, r.try_get("name")?),
            period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?),
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let edges = |sql: &'static str| async move {
        sqlx::query(sql)
            .bind(id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(LineageEdge {
                    unit: org_ref(r.try_get("id")?, r.try_get("code")?, r.try_get("name")?),
                    date: r.try_get("date")?,
                    kind: decode("lineage kind", &r.try_get::<String, _>("kind")?, LineageKind::parse)?,
                    primary: r.try_get("is_primary")?,
                })
            })
            .collect::<Result<Vec<_>>>()
    };
    let predecessors = edges(
        "SELECT u.id, u.code, u.name, g.date, g.kind, g.is_primary FROM org_lineage g \
         JOIN org_unit u ON u.id = g.predecessor_id WHERE g.successor_id = $1 ORDER BY g.date, u.code",
    )
    .await?;
    let successors = edges(
        "SELECT u.id, u.code, u.name, g.date, g.kind, g.is_primary FROM org_lineage g \
         JOIN org_unit u ON u.id = g.successor_id WHERE g.predecessor_id = $1 ORDER BY g.date, u.code",
    )
    .await?;
    Ok(Some(OrgHistory { unit, names, parents, predecessors, successors }))
}

/// Begins a write transaction (on SQLite, `BEGIN IMMEDIATE`: the write lock is taken up front,
/// so concurrent writers queue instead of failing on lock upgrade).
pub async fn begin_write(pool: &Pool<DB>) -> Result<Tx<'static>> {
    Ok(match BACKEND {
        crate::db::Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        crate::db::Backend::Postgres => pool.begin().await?,
    })
}

async fn facts(tx: &mut Tx<'_>, id: OrgId, date: Date) -> Result<Option<UnitFacts>> {
    let Some(r) = sqlx::query("SELECT id, code, kind, valid_from, valid_to FROM org_unit WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    let parent: Option<i64> = sqlx::query_scalar(
        "SELECT parent_id FROM org_link WHERE child_id = $1 AND valid_from <= $2 AND valid_to > $2",
    )
    .bind(id)
    .bind(date)
    .fetch_optional(&mut **tx)
    .await?;
    let children = sqlx::query(
        "SELECT u.id, u.kind FROM org_link l JOIN org_unit u ON u.id = l.child_id \
         WHERE l.parent_id = $1 AND l.valid_from <= $2 AND l.valid_to > $2 ORDER BY u.id",
    )
    .bind(id)
    .bind(date)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|c| Ok(ChildFacts { id: c.try_get("id")?, kind: kind(&c.try_get::<String, _>("kind")?)? }))
    .collect::<Result<Vec<_>>>()?;
    // What counts as a recorded change mirrors `Tree::facts` (the reference): the unit's own
    // names and links, links starting under it, and lineage into it count from their date;
    // links ending under it and lineage out of it count from the day before.
    let on_day: Option<Date> = sqlx::query_scalar(
        "SELECT MAX(d) FROM (SELECT MAX(valid_from) AS d FROM org_name WHERE unit_id = $1 \
         UNION ALL SELECT MAX(valid_from) AS d FROM org_link WHERE child_id = $1 \
         UNION ALL SELECT MAX(valid_from) AS d FROM org_link WHERE parent_id = $1 \
         UNION ALL SELECT MAX(date) AS d FROM org_lineage WHERE successor_id = $1) x",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let day_after: Option<Date> = sqlx::query_scalar(
        "SELECT MAX(d) FROM (SELECT MAX(valid_to) AS d FROM org_link WHERE parent_id = $1 AND valid_to < $2 \
         UNION ALL SELECT MAX(date) AS d FROM org_lineage WHERE predecessor_id = $1) x",
    )
    .bind(id)
    .bind(OPEN_END)
    .fetch_one(&mut **tx)
    .await?;
    let last = on_day.max(day_after.and_then(|d| d.pred_opt()));
    let period = Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?);
    Ok(Some(UnitFacts {
        id,
        code: r.try_get("code")?,
        kind: kind(&r.try_get::<String, _>("kind")?)?,
        period,
        parent,
        children,
        last_change: last.unwrap_or(period.from).max(period.from),
    }))
}

/// Checks and carries out a structure operation in one transaction: the changes, the journal
/// entry with lineage, the closure rows of every unit whose ancestry moved, the heirs, and the
/// audit row. Returns the ids of the units created.
pub async fn apply(pool: &Pool<DB>, op: &Operation, actor: &str) -> Result<Vec<OrgId>> {
    let mut tx = begin_write(pool).await?;
    let date = op.date();
    let mut fs = HashMap::new();
    for id in op.units_named() {
        if let Some(f) = facts(&mut tx, id, date).await? {
            fs.insert(id, f);
        }
    }
    let mut taken = HashSet::new();
    for code in op.new_codes() {
        let key = code.trim().to_ascii_uppercase();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM org_unit WHERE code_key = $1")
            .bind(&key)
            .fetch_one(&mut *tx)
            .await?;
        if n > 0 {
            taken.insert(key);
        }
    }
    let changes = plan(op, &fs, &|c| taken.contains(&c.trim().to_ascii_uppercase()))?;

    let payload = serde_json::to_string(op).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let op_id: i64 = sqlx::query_scalar(
        "INSERT INTO org_operation (op, date, payload, actor, recorded_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(op.name())
    .bind(date)
    .bind(&payload)
    .bind(actor)
    .bind(Utc::now())
    .fetch_one(&mut *tx)
    .await?;

    // The facts attributed from the operation on (admissions, recognitions, candidacies
    // started) under the units it moves
    // leave the pre-aggregates now and come back under their new ancestors after the closure
    // is rebuilt (docs/decisions.md §14).
    let touched: Vec<OrgId> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CloseUnit { unit, .. } => Some(*unit),
            Change::CloseLink { child, .. } => Some(*child),
            Change::OpenLink { child: UnitRef::Existing(id), .. } => Some(*id),
            _ => None,
        })
        .collect();
    let people = super::aggregates::people_below(&mut tx, &touched, date).await?;
    let facts: Vec<_> = super::aggregates::facts_of(&mut tx, &people)
        .await?
        .into_values()
        .flatten()
        .filter(|f| f.attributed_on >= date)
        .collect();
    super::aggregates::subtract(&mut tx, &facts).await?;

    let created = apply_changes(&mut tx, &changes, op_id).await?;
    let mut moved: HashSet<OrgId> = created.iter().copied().collect();
    let mut closed = vec![];
    for c in &changes {
        match c {
            Change::CloseUnit { unit, .. } => {
                moved.insert(*unit);
                closed.push(*unit);
            }
            Change::CloseLink { child, .. } => {
                moved.insert(*child);
            }
            Change::OpenLink { child: UnitRef::Existing(id), .. } => {
                moved.insert(*id);
            }
            _ => {}
        }
    }
    rebuild_closure(&mut tx, &moved.into_iter().collect::<Vec<_>>()).await?;
    for unit in closed {
        refresh_heirs(&mut tx, unit).await?;
    }
    super::aggregates::add(&mut tx, &facts).await?;
    super::audit::record_in(&mut tx, actor, &format!("org.{}", op.name()), "org_operation", &op_id.to_string(), &payload)
        .await?;
    tx.commit().await?;
    Ok(created)
}

async fn apply_changes(tx: &mut Tx<'_>, changes: &[Change], op_id: i64) -> Result<Vec<OrgId>> {
    let mut created: Vec<OrgId> = vec![];
    let resolve = |r: UnitRef, created: &[OrgId]| -> Result<OrgId> {
        match r {
            UnitRef::Existing(id) => Ok(id),
            UnitRef::New(i) => created.get(i).copied().ok_or_else(|| StoreError::Corrupt(format!("plan refers to new unit {i}"))),
        }
    };
    for c in changes {
        match c {
            Change::CreateUnit { code, name, kind, sector, from } => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO org_unit (code, code_key, name, kind, sector, valid_from, valid_to) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(code)
                .bind(code.to_ascii_uppercase())
                .bind(name)
                .bind(kind.as_str())
                .bind(sector.as_str())
                .bind(*from)
                .bind(OPEN_END)
                .fetch_one(&mut **tx)
                .await?;
                sqlx::query("UPDATE org_unit SET heir_id = $1 WHERE id = $1").bind(id).execute(&mut **tx).await?;
                insert_name(tx, id, name, *from).await?;
                created.push(id);
            }
            Change::CloseUnit { unit, at } => {
                sqlx::query("UPDATE org_unit SET valid_to = $1 WHERE id = $2 AND valid_to > $1")
                    .bind(*at)
                    .bind(*unit)
                    .execute(&mut **tx)
                    .await?;
                for table in ["org_name WHERE unit_id", "org_link WHERE child_id"] {
                    let sql = format!("UPDATE {table} = $2 AND valid_from < $1 AND valid_to > $1");
                    let sql = sql.replacen("WHERE", "SET valid_to = $1 WHERE", 1);
                    sqlx::query(AssertSqlSafe(sql)).bind(*at).bind(*unit).execute(&mut **tx).await?;
                }
            }
            Change::Rename { unit, name, at } => {
                sqlx::query("UPDATE org_name SET valid_to = $1 WHERE unit_id = $2 AND valid_from < $1 AND valid_to > $1")
                    .bind(*at)
                    .bind(*unit)
                    .execute(&mut **tx)
                    .await?;
                insert_name(tx, *unit, name, *at).await?;
                sqlx::query("UPDATE org_unit SET name = $1 WHERE id = $2").bind(name).bind(*unit).execute(&mut **tx).await?;
            }
            Change::CloseLink { child, at } => {
                sqlx::query("UPDATE org_link SET valid_to = $1 WHERE child_id = $2 AND valid_from < $1 AND valid_to > $1")
                    .bind(*at)
                    .bind(*child)
                    .execute(&mut **tx)
                    .await?;
            }
            Change::OpenLink { child, parent, from } => {
                sqlx::query("INSERT INTO org_link (child_id, parent_id, valid_from, valid_to) VALUES ($1, $2, $3, $4)")
                    .bind(resolve(*child, &created)?)
                    .bind(resolve(*parent, &created)?)
                    .bind(*from)
                    .bind(OPEN_END)
                    .execute(&mut **tx)
                    .await?;
            }
            Change::AddLineage { predecessor, successor, date, kind, primary } => {
                sqlx::query(
                    "INSERT INTO org_lineage (predecessor_id, successor_id, date, kind, is_primary, operation_id) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(*predecessor)
                .bind(resolve(*successor, &created)?)
                .bind(*date)
                .bind(kind.as_str())
                .bind(*primary)
                .bind(op_id)
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(created)
}

async fn insert_name(tx: &mut Tx<'_>, unit: OrgId, name: &str, from: Date) -> Result<()> {
    sqlx::query("INSERT INTO org_name (unit_id, name, search_key, valid_from, valid_to) VALUES ($1, $2, $3, $4, $5)")
        .bind(unit)
        .bind(name)
        .bind(fold(name))
        .bind(from)
        .bind(OPEN_END)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Ids of every unit that was ever under any of `ids` (themselves included).
async fn descendants_ever(tx: &mut Tx<'_>, ids: &[OrgId]) -> Result<Vec<OrgId>> {
    let mut out: HashSet<OrgId> = ids.iter().copied().collect();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT DISTINCT descendant_id FROM org_closure WHERE ancestor_id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_scalar::<DB, i64>(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all(&mut **tx).await?);
    }
    let mut v: Vec<OrgId> = out.into_iter().collect();
    v.sort_unstable();
    Ok(v)
}

/// Recomputes the closure rows of `changed` units and everything ever below them.
async fn rebuild_closure(tx: &mut Tx<'_>, changed: &[OrgId]) -> Result<()> {
    if changed.is_empty() {
        return Ok(());
    }
    let set = descendants_ever(tx, changed).await?;
    let members: HashSet<OrgId> = set.iter().copied().collect();
    let mut units = vec![];
    let mut links = vec![];
    for chunk in set.chunks(500) {
        let ph = placeholders(1, chunk.len());
        let sql = format!("SELECT id, valid_from, valid_to FROM org_unit WHERE id IN ({ph})");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut **tx).await? {
            units.push((r.try_get::<i64, _>("id")?, Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?)));
        }
        let sql = format!("SELECT child_id, parent_id, valid_from, valid_to FROM org_link WHERE child_id IN ({ph})");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut **tx).await? {
            links.push(ParentLink {
                child: r.try_get("child_id")?,
                parent: r.try_get("parent_id")?,
                period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?),
            });
        }
    }
    let outside: HashSet<OrgId> = links.iter().map(|l| l.parent).filter(|p| !members.contains(p)).collect();
    let mut external: HashMap<OrgId, Vec<PathSegment>> = HashMap::new();
    for p in outside {
        let rows = sqlx::query("SELECT ancestor_id, depth, valid_from, valid_to FROM org_closure WHERE descendant_id = $1")
            .bind(p)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| {
                Ok(ClosureRow {
                    ancestor: r.try_get("ancestor_id")?,
                    descendant: p,
                    depth: r.try_get("depth")?,
                    period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        external.insert(p, paths_from_closure(&rows));
    }
    let rows = closure_rows(&units, &links, &external);
    super::case_agg::closure_leaving(tx, &set).await?;
    super::coverage_agg::closure_leaving(tx, &set).await?;
    for chunk in set.chunks(500) {
        let sql = format!("DELETE FROM org_closure WHERE descendant_id IN ({})", placeholders(1, chunk.len()));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut **tx).await?;
    }
    insert_closure(tx, &rows).await?;
    super::case_agg::closure_arrived(tx, &set).await?;
    super::coverage_agg::closure_arrived(tx, &set).await
}

/// Inserts closure rows in multi-row batches of 400 rows (nameless parameters on SQLite:
/// [`crate::engine::values_list`]).
pub async fn insert_closure(tx: &mut Tx<'_>, rows: &[ClosureRow]) -> Result<()> {
    for chunk in rows.chunks(400) {
        let sql = format!(
            "INSERT INTO org_closure (ancestor_id, descendant_id, depth, valid_from, valid_to) VALUES {}",
            crate::engine::values_list(BACKEND, chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            q = q.bind(r.ancestor).bind(r.descendant).bind(r.depth).bind(r.period.from).bind(r.period.end_or_max());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// After `unit` closed: every unit whose history `unit` held passes it to `unit`'s heir.
async fn refresh_heirs(tx: &mut Tx<'_>, unit: OrgId) -> Result<()> {
    let mut cur = unit;
    let mut heir = None;
    for _ in 0..64 {
        let open: Option<Date> = sqlx::query_scalar("SELECT valid_to FROM org_unit WHERE id = $1")
            .bind(cur)
            .fetch_optional(&mut **tx)
            .await?;
        if open.is_some_and(|t| t >= OPEN_END) {
            heir = Some(cur);
            break;
        }
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT successor_id FROM org_lineage WHERE predecessor_id = $1 AND is_primary ORDER BY date DESC LIMIT 1",
        )
        .bind(cur)
        .fetch_optional(&mut **tx)
        .await?;
        let next = match next {
            Some(n) => Some(n),
            None => {
                sqlx::query_scalar("SELECT parent_id FROM org_link WHERE child_id = $1 ORDER BY valid_from DESC LIMIT 1")
                    .bind(cur)
                    .fetch_optional(&mut **tx)
                    .await?
            }
        };
        match next {
            Some(n) => cur = n,
            None => break,
        }
    }
    sqlx::query("UPDATE org_unit SET heir_id = $1 WHERE heir_id = $2 OR id = $2")
        .bind(heir)
        .bind(unit)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
