// Pre-aggregated admissions, recognitions and ended candidacies: reading, keeping exact, rebuilding, verifying
// (`report_agg`; the policy and the arithmetic are in crate::aggregates, the counting rule in
// ketnap_domain::reports::facts). Included per engine by `engine!` (see mod.rs).
//
// Every write that can change a fact goes through [`refresh_people`] (or, for a structure
// operation, [`subtract`]/[`add`] around the closure rebuild) in the writer's transaction, so
// the aggregates commit or roll back with the facts.

use std::collections::{BTreeMap, HashMap};

use futures_util::TryStreamExt;
use ketnap_domain::org::{OrgId, OrgKind};
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, PersonId, PoliticalTheory,
    ProfessionalQualification, Religion, Sex, StatusSpell,
};
use ketnap_domain::reports::{EventFact, FactKind, Counted, candidacies_ended, counted, row_ids};
use ketnap_domain::{Date, Period};
use sqlx::{AssertSqlSafe, Pool, Row};

use crate::aggregates::{Acc, AncestorSpan, Fact, Level};
use crate::error::{Result, StoreError};

type Conn = <DB as sqlx::Database>::Connection;

/// Persons per statement when reading several people's facts.
const PEOPLE_CHUNK: usize = 500;

const FACT_SQL: &str = "SELECT s.person_id, s.status, s.org_id, s.valid_from, s.valid_to, p.sex, p.birth_date, \
     p.ethnic_group, p.religion, p.education, p.qualification, p.political_theory, p.occupation, p.youth_union \
     FROM person_status s JOIN person p ON p.id = s.person_id";

fn bad(what: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} code in a person record"))
}

/// One row of `FACT_SQL`: the person, a spell, and the characteristics.
struct SpellRow {
    person: PersonId,
    spell: StatusSpell,
    who: EventFact,
}

fn spell_row(r: &<DB as sqlx::Database>::Row) -> Result<SpellRow> {
    let status: String = r.try_get("status")?;
    let to: Date = r.try_get("valid_to")?;
    let s = |k: &str| -> Result<String> { Ok(r.try_get::<String, _>(k)?) };
    Ok(SpellRow {
        person: r.try_get("person_id")?,
        spell: StatusSpell {
            status: PartyStatus::parse(&status).ok_or_else(|| bad("status"))?,
            branch: r.try_get("org_id")?,
            period: Period {
                from: r.try_get("valid_from")?,
                to: (to != ketnap_domain::dates::OPEN_END).then_some(to),
            },
        },
        who: EventFact {
            date: r.try_get("valid_from")?,
            sex: Sex::parse(&s("sex")?).ok_or_else(|| bad("sex"))?,
            birth_date: r.try_get("birth_date")?,
            ethnic_group: EthnicGroup::parse(&s("ethnic_group")?).ok_or_else(|| bad("ethnic group"))?,
            religion: Religion::parse(&s("religion")?).ok_or_else(|| bad("religion"))?,
            education: GeneralEducation::parse(&s("education")?).ok_or_else(|| bad("education"))?,
            qualification: ProfessionalQualification::parse(&s("qualification")?)
                .ok_or_else(|| bad("qualification"))?,
            political_theory: PoliticalTheory::parse(&s("political_theory")?)
                .ok_or_else(|| bad("political theory"))?,
            occupation: Occupation::parse(&s("occupation")?).ok_or_else(|| bad("occupation"))?,
            youth_union: r.try_get("youth_union")?,
        },
    })
}

/// The facts of one person from their spells and characteristics.
fn person_facts(rows: &[SpellRow]) -> Vec<Fact> {
    let Some(first) = rows.first() else {
        return vec![];
    };
    let spells: Vec<StatusSpell> = rows.iter().map(|r| r.spell).collect();
    let mut facts: Vec<Fact> = counted(&spells)
        .into_iter()
        .map(|c| {
            let mut who = first.who.clone();
            who.date = c.date;
            Fact {
                counted: c,
                rows: row_ids(&who),
                attributed_on: c.date,
            }
        })
        .collect();
    facts.extend(candidacies_ended(&spells).into_iter().map(|c| Fact {
        counted: Counted {
            kind: FactKind::Candidacy,
            date: c.to,
            branch: c.branch,
        },
        rows: c.rows(),
        attributed_on: c.from,
    }));
    facts
}

/// Groups rows ordered by person into each person's facts.
fn facts_by_person(rows: Vec<SpellRow>) -> HashMap<PersonId, Vec<Fact>> {
    let mut out: HashMap<PersonId, Vec<Fact>> = HashMap::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        if i == rows.len() || rows[i].person != rows[start].person {
            let facts = person_facts(&rows[start..i]);
            out.insert(rows[start].person, facts);
            start = i;
        }
    }
    out
}

/// The facts of `people` now, by person (people without facts are present with none).
pub async fn facts_of(conn: &mut Conn, people: &[PersonId]) -> Result<HashMap<PersonId, Vec<Fact>>> {
    let mut out: HashMap<PersonId, Vec<Fact>> = people.iter().map(|p| (*p, vec![])).collect();
    for chunk in people.chunks(PEOPLE_CHUNK) {
        let sql = format!(
            "{FACT_SQL} WHERE s.person_id IN ({}) ORDER BY s.person_id, s.valid_from",
            super::super::placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for p in chunk {
            q = q.bind(*p);
        }
        let rows = q.fetch_all(&mut *conn).await?.iter().map(spell_row).collect::<Result<Vec<_>>>()?;
        out.extend(facts_by_person(rows));
    }
    Ok(out)
}

/// The units above `branches` (the branch itself included) over time, with their level; all
/// branches when `None`.
async fn ancestors(conn: &mut Conn, branches: Option<&[OrgId]>) -> Result<HashMap<OrgId, Vec<AncestorSpan>>> {
    const SQL: &str = "SELECT c.descendant_id, c.ancestor_id, c.valid_from, c.valid_to, u.kind \
         FROM org_closure c JOIN org_unit u ON u.id = c.ancestor_id";
    let mut out: HashMap<OrgId, Vec<AncestorSpan>> = HashMap::new();
    let mut take = |r: &<DB as sqlx::Database>::Row| -> Result<()> {
        let kind: String = r.try_get("kind")?;
        let level = Level::of(OrgKind::parse(&kind).ok_or_else(|| bad("unit kind"))?);
        out.entry(r.try_get("descendant_id")?).or_default().push(AncestorSpan {
            ancestor: r.try_get("ancestor_id")?,
            from: r.try_get("valid_from")?,
            to: r.try_get("valid_to")?,
            level,
        });
        Ok(())
    };
    match branches {
        None => {
            let mut rows = sqlx::query(SQL).fetch(&mut *conn);
            while let Some(r) = rows.try_next().await? {
                take(&r)?;
            }
        }
        Some(list) => {
            let mut list = list.to_vec();
            list.sort_unstable();
            list.dedup();
            for chunk in list.chunks(PEOPLE_CHUNK) {
                let sql = format!(
                    "{SQL} WHERE c.descendant_id IN ({})",
                    super::super::placeholders(1, chunk.len())
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for b in chunk {
                    q = q.bind(*b);
                }
                for r in q.fetch_all(&mut *conn).await? {
                    take(&r)?;
                }
            }
        }
    }
    Ok(out)
}

/// Writes counts into `report_agg` (added to what is there).
async fn write(conn: &mut Conn, acc: &Acc) -> Result<()> {
    let mut changes: Vec<(&crate::aggregates::AggKey, i64)> = acc.changes().collect();
    // In the primary key's order: a rebuild writes millions of rows, and inserting them in hash
    // order into the key's b-tree thrashes SQLite's page cache (hours instead of seconds).
    let key = |k: &crate::aggregates::AggKey| (k.0, k.1.as_str(), k.2, k.3);
    changes.sort_unstable_by(|(a, _), (b, _)| key(a).cmp(&key(b)));
    const COLS: usize = 5;
    for chunk in changes.chunks(super::super::MAX_BINDS / COLS) {
        let sql = format!(
            "INSERT INTO report_agg (org_id, kind, period, row_id, n) VALUES {} \
             ON CONFLICT (org_id, kind, period, row_id) DO UPDATE SET n = report_agg.n + excluded.n",
            super::super::values_list(BACKEND, chunk.len(), COLS)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for ((org, kind, period, row), n) in chunk {
            q = q.bind(*org).bind(kind.as_str()).bind(*period).bind(*row).bind(*n);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds (`sign` = 1) or removes (−1) facts from the aggregates, attributing each to the units
/// above its branch on its date as `org_closure` says now.
async fn apply(conn: &mut Conn, facts: &[Fact], sign: i64) -> Result<()> {
    if facts.is_empty() {
        return Ok(());
    }
    let branches: Vec<OrgId> = facts.iter().map(|f| f.counted.branch).collect();
    let up = ancestors(conn, Some(&branches)).await?;
    let mut acc = Acc::default();
    for f in facts {
        acc.add(f, up.get(&f.counted.branch).map_or(&[][..], Vec::as_slice), sign);
    }
    write(conn, &acc).await
}

/// Removes facts (before a structure change moves them).
pub async fn subtract(conn: &mut Conn, facts: &[Fact]) -> Result<()> {
    apply(conn, facts, -1).await
}

/// Adds facts (after a structure change).
pub async fn add(conn: &mut Conn, facts: &[Fact]) -> Result<()> {
    apply(conn, facts, 1).await
}

/// Brings the aggregates in step after `people`'s spells or characteristics changed: `before`
/// is what [`facts_of`] said before the change. Writes nothing when the facts are the same.
pub async fn refresh_people(conn: &mut Conn, before: HashMap<PersonId, Vec<Fact>>) -> Result<()> {
    let people: Vec<PersonId> = before.keys().copied().collect();
    let after = facts_of(conn, &people).await?;
    let mut gone = vec![];
    let mut new = vec![];
    for p in people {
        let b = before.get(&p).map_or(&[][..], Vec::as_slice);
        let a = after.get(&p).map_or(&[][..], Vec::as_slice);
        if a != b {
            gone.extend_from_slice(b);
            new.extend_from_slice(a);
        }
    }
    if gone.is_empty() && new.is_empty() {
        return Ok(());
    }
    // One pass: removals and additions netted before writing.
    let branches: Vec<OrgId> = gone.iter().chain(&new).map(|f| f.counted.branch).collect();
    let up = ancestors(conn, Some(&branches)).await?;
    let mut acc = Acc::default();
    for (facts, sign) in [(&gone, -1), (&new, 1)] {
        for f in facts {
            acc.add(f, up.get(&f.counted.branch).map_or(&[][..], Vec::as_slice), sign);
        }
    }
    write(conn, &acc).await
}

/// People with a spell in a unit that was ever below one of `units`, starting on or after
/// `from` (whose facts a structure change from `from` can move).
pub async fn people_below(conn: &mut Conn, units: &[OrgId], from: Date) -> Result<Vec<PersonId>> {
    let mut out = vec![];
    for chunk in units.chunks(PEOPLE_CHUNK) {
        let sql = format!(
            "SELECT DISTINCT s.person_id FROM person_status s WHERE s.valid_from >= $1 AND s.org_id IN \
             (SELECT c.descendant_id FROM org_closure c WHERE c.ancestor_id IN ({}))",
            super::super::placeholders(2, chunk.len())
        );
        let mut q = sqlx::query_scalar::<DB, i64>(AssertSqlSafe(sql)).bind(from);
        for u in chunk {
            q = q.bind(*u);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// What the aggregates should hold, computed from scratch from every spell.
async fn expected(conn: &mut Conn) -> Result<Acc> {
    let up = ancestors(conn, None).await?;
    let mut acc = Acc::default();
    let sql = format!("{FACT_SQL} ORDER BY s.person_id, s.valid_from");
    let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut *conn);
    let mut person: Vec<SpellRow> = vec![];
    let flush = |person: &mut Vec<SpellRow>, acc: &mut Acc| {
        for f in person_facts(person) {
            acc.add(&f, up.get(&f.counted.branch).map_or(&[][..], Vec::as_slice), 1);
        }
        person.clear();
    };
    while let Some(r) = rows.try_next().await? {
        let row = spell_row(&r)?;
        if person.last().is_some_and(|l| l.person != row.person) {
            flush(&mut person, &mut acc);
        }
        person.push(row);
    }
    flush(&mut person, &mut acc);
    Ok(acc)
}

/// Recomputes the whole table from the facts; returns the rows written.
pub async fn rebuild_in(conn: &mut Conn) -> Result<u64> {
    let acc = expected(conn).await?;
    sqlx::query("DELETE FROM report_agg").execute(&mut *conn).await?;
    write(conn, &acc).await?;
    Ok(acc.changes().count() as u64)
}

/// Rebuilds the aggregates in one transaction, with an audit row.
pub async fn rebuild(pool: &Pool<DB>, actor: &str) -> Result<u64> {
    let mut tx = super::org::begin_write(pool).await?;
    let n = rebuild_in(&mut tx).await?;
    let detail = serde_json::json!({ "rows": n }).to_string();
    super::audit::record_in(&mut tx, actor, "aggregates.rebuild", "report_agg", "all", &detail).await?;
    tx.commit().await?;
    Ok(n)
}

/// Runs the rebuild a migration asked for (`pending_task`), once: the task row is claimed and
/// deleted in the rebuild's transaction, so of several servers starting together one does it.
/// Returns whether this call did.
pub async fn run_pending_rebuild(pool: &Pool<DB>) -> Result<bool> {
    let mut tx = super::org::begin_write(pool).await?;
    let claimed = sqlx::query("DELETE FROM pending_task WHERE name = 'rebuild_report_agg'")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if claimed == 0 {
        return Ok(false);
    }
    let n = rebuild_in(&mut tx).await?;
    if n > 0 {
        // A new, empty database has nothing to record.
        let detail = serde_json::json!({ "rows": n, "reason": "migration" }).to_string();
        super::audit::record_in(&mut tx, "ketnap", "aggregates.rebuild", "report_agg", "all", &detail).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Compares the table with a recomputation: the keys whose counts differ, as
/// (unit, kind, period, row, stored, expected), at most `limit` of them, and the rows compared.
pub async fn verify(pool: &Pool<DB>, limit: usize) -> Result<(u64, Vec<(OrgId, String, i32, String, i64, i64)>)> {
    let mut conn = pool.acquire().await?;
    let acc = expected(&mut conn).await?;
    let mut stored: HashMap<(OrgId, String, i32, String), i64> = HashMap::new();
    let mut rows = sqlx::query("SELECT org_id, kind, period, row_id, n FROM report_agg WHERE n <> 0").fetch(&mut *conn);
    while let Some(r) = rows.try_next().await? {
        stored.insert((r.try_get("org_id")?, r.try_get("kind")?, r.try_get("period")?, r.try_get("row_id")?), r.try_get("n")?);
    }
    drop(rows);
    let mut diffs = vec![];
    let mut compared = 0u64;
    for ((org, kind, period, row), n) in acc.changes() {
        compared += 1;
        let s = stored.remove(&(*org, kind.as_str().to_string(), *period, row.to_string())).unwrap_or(0);
        if s != n {
            diffs.push((*org, kind.as_str().to_string(), *period, row.to_string(), s, n));
        }
    }
    for ((org, kind, period, row), s) in stored {
        diffs.push((org, kind, period, row, s, 0));
    }
    diffs.sort();
    diffs.truncate(limit);
    Ok((compared, diffs))
}

// ---- reading --------------------------------------------------------------------------------

/// The monthly totals of `org` from month code `a` to `b` (inclusive).
pub async fn total(pool: &Pool<DB>, org: OrgId, kind: FactKind, a: i32, b: i32) -> Result<i64> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(n) AS BIGINT) FROM report_agg WHERE org_id = $1 AND kind = $2 AND row_id = 'total' \
         AND period >= $3 AND period <= $4 AND period % 100 <> 0",
    )
    .bind(org)
    .bind(kind.as_str())
    .bind(a)
    .bind(b)
    .fetch_one(pool)
    .await?;
    Ok(n.unwrap_or(0))
}

/// The yearly counts per row of `org` from year code `a` to `b` (inclusive).
pub async fn year_rows(pool: &Pool<DB>, org: OrgId, kind: FactKind, a: i32, b: i32) -> Result<BTreeMap<String, i64>> {
    let rows = sqlx::query(
        "SELECT row_id, CAST(SUM(n) AS BIGINT) AS n FROM report_agg WHERE org_id = $1 AND kind = $2 \
         AND period >= $3 AND period <= $4 AND period % 100 = 0 GROUP BY row_id",
    )
    .bind(org)
    .bind(kind.as_str())
    .bind(a)
    .bind(b)
    .fetch_all(pool)
    .await?;
    let mut out = BTreeMap::new();
    for r in &rows {
        let n: Option<i64> = r.try_get("n")?;
        if let Some(n) = n.filter(|n| *n != 0) {
            out.insert(r.try_get("row_id")?, n);
        }
    }
    Ok(out)
}

/// The monthly totals of each unit of `ids` from month code `a` to `b` (inclusive).
pub async fn totals_many(pool: &Pool<DB>, ids: &[OrgId], kind: FactKind, a: i32, b: i32) -> Result<Vec<(OrgId, i64)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT org_id, CAST(SUM(n) AS BIGINT) AS n FROM report_agg WHERE kind = $1 AND row_id = 'total' \
         AND period >= $2 AND period <= $3 AND period % 100 <> 0 AND org_id IN ({}) GROUP BY org_id",
        super::super::placeholders(4, ids.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(kind.as_str()).bind(a).bind(b);
    for id in ids {
        q = q.bind(*id);
    }
    let mut out = vec![];
    for r in q.fetch_all(pool).await? {
        let n: Option<i64> = r.try_get("n")?;
        out.push((r.try_get("org_id")?, n.unwrap_or(0)));
    }
    Ok(out)
}

/// The monthly counts per row of each unit of `ids` from month code `a` to `b` (inclusive).
pub async fn month_rows_many(
    pool: &Pool<DB>,
    ids: &[OrgId],
    kind: FactKind,
    a: i32,
    b: i32,
) -> Result<Vec<(OrgId, String, i64)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT org_id, row_id, CAST(SUM(n) AS BIGINT) AS n FROM report_agg WHERE kind = $1 \
         AND period >= $2 AND period <= $3 AND period % 100 <> 0 AND org_id IN ({}) GROUP BY org_id, row_id",
        super::super::placeholders(4, ids.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(kind.as_str()).bind(a).bind(b);
    for id in ids {
        q = q.bind(*id);
    }
    let mut out = vec![];
    for r in q.fetch_all(pool).await? {
        let n: Option<i64> = r.try_get("n")?;
        if let Some(n) = n.filter(|n| *n != 0) {
            out.push((r.try_get("org_id")?, r.try_get("row_id")?, n));
        }
    }
    Ok(out)
}

/// The kind of each unit of `ids`.
pub async fn kinds(pool: &Pool<DB>, ids: &[OrgId]) -> Result<Vec<(OrgId, OrgKind)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!("SELECT id, kind FROM org_unit WHERE id IN ({})", super::super::placeholders(1, ids.len()));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    let mut out = vec![];
    for r in q.fetch_all(pool).await? {
        let k: String = r.try_get("kind")?;
        out.push((r.try_get("id")?, OrgKind::parse(&k).ok_or_else(|| bad("unit kind"))?));
    }
    Ok(out)
}
