// The coverage facts of every locality over time (`locality_fact`, migration 0016,
// docs/decisions.md §14): what a coverage report reads instead of probing each locality's
// residents and serving branch. Included per engine by `engine!` (see mod.rs).
//
// A locality's spells are a pure function of its rows ([`locality_spells`]); the store
// recomputes them for the localities a write can touch, in the writer's transaction, and
// rewrites those whose spells changed:
// - a person's member spells ([`people_changed`]): where they live, and the localities served
//   by every branch whose member time changed;
// - a person's residence ([`refresh`] of the old and the new locality);
// - a locality, its commune, its service ([`refresh`], [`branches_changed`]).
// Structure operations change neither (they rewrite the closure, which the report joins).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures_util::TryStreamExt;
use ketnap_domain::Date;
use ketnap_domain::locality::{LocalityId, LocalityKind};
use ketnap_domain::org::OrgId;
use ketnap_domain::reports::coverage_spells::{LocalityRecord, LocalitySpell, ServingBranch, locality_spells};
use ketnap_domain::reports::{LocalityFact, Structure};
use sqlx::{AssertSqlSafe, Pool, Row};

use crate::error::{Result, StoreError};

type Conn = <DB as sqlx::Database>::Connection;

/// Localities or branches per statement.
const CHUNK: usize = 400;

const MEMBER: &str = "('probationary', 'official')";

fn kind_of(s: &str) -> Result<LocalityKind> {
    LocalityKind::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown locality kind {s:?}")))
}

/// `WHERE col IN (…)` for a chunk, or nothing for every row.
fn filter(col: &str, ids: Option<&[i64]>) -> String {
    match ids {
        Some(ids) => format!(" WHERE {col} IN ({})", super::super::placeholders(1, ids.len())),
        None => String::new(),
    }
}

fn and_filter(col: &str, ids: Option<&[i64]>) -> String {
    match ids {
        Some(ids) => format!(" AND {col} IN ({})", super::super::placeholders(1, ids.len())),
        None => String::new(),
    }
}

/// The records of `ids` (every locality when `None`).
async fn records(conn: &mut Conn, ids: Option<&[LocalityId]>) -> Result<BTreeMap<LocalityId, LocalityRecord>> {
    let mut out: BTreeMap<LocalityId, LocalityRecord> = BTreeMap::new();
    let mut rows: Vec<(String, i64, i64, Date, Date, String)> = vec![];
    {
        let sql = format!(
            "SELECT 'l' AS t, id AS loc, CAST(0 AS BIGINT) AS ref, valid_from, valid_to, kind FROM locality{} \
             UNION ALL SELECT 'c', locality_id, org_id, valid_from, valid_to, '' FROM locality_commune{} \
             UNION ALL SELECT 's', locality_id, branch_id, valid_from, valid_to, '' FROM locality_service{} \
             UNION ALL SELECT 'r', p.residence_locality_id, CAST(0 AS BIGINT), s.valid_from, s.valid_to, '' \
              FROM person p JOIN person_status s ON s.person_id = p.id AND s.status IN {MEMBER} \
              WHERE p.residence_locality_id IS NOT NULL{}",
            filter("id", ids),
            filter("locality_id", ids),
            filter("locality_id", ids),
            and_filter("p.residence_locality_id", ids),
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in ids.unwrap_or_default() {
            q = q.bind(*id);
        }
        let mut s = q.fetch(&mut *conn);
        while let Some(r) = s.try_next().await? {
            rows.push((
                r.try_get("t")?,
                r.try_get("loc")?,
                r.try_get("ref")?,
                r.try_get("valid_from")?,
                r.try_get("valid_to")?,
                r.try_get("kind")?,
            ));
        }
    }
    for (t, loc, _, from, to, kind) in &rows {
        if t == "l" {
            out.insert(
                *loc,
                LocalityRecord {
                    kind: kind_of(kind)?,
                    valid: (*from, *to),
                    communes: vec![],
                    service: vec![],
                    branches: BTreeMap::new(),
                    residents: vec![],
                },
            );
        }
    }
    let mut branches: BTreeSet<OrgId> = BTreeSet::new();
    for (t, loc, id, from, to, _) in rows {
        let Some(rec) = out.get_mut(&loc) else { continue };
        match t.as_str() {
            "c" => rec.communes.push((id, (from, to))),
            "s" => {
                rec.service.push((id, (from, to)));
                branches.insert(id);
            }
            "r" => rec.residents.push((from, to)),
            _ => {}
        }
    }
    let serving = serving_branches(conn, branches.into_iter().collect::<Vec<_>>(), ids.is_none()).await?;
    for rec in out.values_mut() {
        for (b, _) in &rec.service {
            if let Some(s) = serving.get(b) {
                rec.branches.insert(*b, s.clone());
            }
        }
    }
    Ok(out)
}

/// What the store holds of `branches` (every branch when `all`): the service intervals of the
/// localities they serve and their members' status spells.
async fn serving_branches(conn: &mut Conn, branches: Vec<OrgId>, all: bool) -> Result<HashMap<OrgId, ServingBranch>> {
    let mut out: HashMap<OrgId, ServingBranch> = HashMap::new();
    let chunks: Vec<Option<&[OrgId]>> = if all {
        vec![None]
    } else {
        branches.chunks(CHUNK).map(Some).collect()
    };
    for chunk in chunks {
        if chunk.is_some_and(<[OrgId]>::is_empty) {
            continue;
        }
        let sql = format!(
            "SELECT 'v' AS t, branch_id AS b, valid_from, valid_to FROM locality_service{} \
             UNION ALL SELECT 'm', org_id, valid_from, valid_to FROM person_status WHERE status IN {MEMBER} \
              AND org_id IS NOT NULL{}",
            filter("branch_id", chunk),
            and_filter("org_id", chunk),
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk.unwrap_or_default() {
            q = q.bind(*id);
        }
        let mut s = q.fetch(&mut *conn);
        while let Some(r) = s.try_next().await? {
            let t: String = r.try_get("t")?;
            let e = out.entry(r.try_get("b")?).or_default();
            let i = (r.try_get("valid_from")?, r.try_get("valid_to")?);
            if t == "v" { e.served.push(i) } else { e.members.push(i) }
        }
    }
    Ok(out)
}

type Stored = BTreeMap<LocalityId, Vec<LocalitySpell>>;

fn spell_of(r: &<DB as sqlx::Database>::Row) -> Result<(LocalityId, LocalitySpell)> {
    let branch: OrgId = r.try_get("branch_id")?;
    Ok((
        r.try_get("locality_id")?,
        LocalitySpell {
            from: r.try_get("valid_from")?,
            to: r.try_get("valid_to")?,
            commune: r.try_get("commune_id")?,
            fact: LocalityFact {
                kind: kind_of(&r.try_get::<String, _>("kind")?)?,
                has_resident_member: r.try_get::<i32, _>("residents")? != 0,
                branch: (branch != 0).then_some(branch),
                branch_serves: r.try_get("serves")?,
                branch_has_member: r.try_get::<i32, _>("branch_members")? != 0,
            },
        },
    ))
}

const COLUMNS: &str = "locality_id, valid_from, commune_id, branch_id, valid_to, kind, serves, residents, branch_members";

/// The stored spells of `ids` (every locality when `None`), in the order [`locality_spells`]
/// gives them.
async fn stored(conn: &mut Conn, ids: Option<&[LocalityId]>) -> Result<Stored> {
    let sql = format!("SELECT {COLUMNS} FROM locality_fact{}", filter("locality_id", ids));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for id in ids.unwrap_or_default() {
        q = q.bind(*id);
    }
    let mut out: Stored = BTreeMap::new();
    let mut s = q.fetch(&mut *conn);
    while let Some(r) = s.try_next().await? {
        let (loc, spell) = spell_of(&r)?;
        out.entry(loc).or_default().push(spell);
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| (a.from, a.commune, a.fact.branch).cmp(&(b.from, b.commune, b.fact.branch)));
    }
    Ok(out)
}

/// Deletes the spells of `ids` and writes `spells`.
async fn write(conn: &mut Conn, ids: &[LocalityId], spells: &[(LocalityId, &LocalitySpell)]) -> Result<()> {
    for chunk in ids.chunks(CHUNK) {
        let sql = format!("DELETE FROM locality_fact WHERE locality_id IN ({})", super::super::placeholders(1, chunk.len()));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *conn).await?;
    }
    const COLS: usize = 9;
    for chunk in spells.chunks(super::super::MAX_BINDS / COLS) {
        let sql = format!(
            "INSERT INTO locality_fact ({COLUMNS}) VALUES {}",
            super::super::values_list(BACKEND, chunk.len(), COLS)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (loc, s) in chunk {
            q = q
                .bind(*loc)
                .bind(s.from)
                .bind(s.commune)
                .bind(s.fact.branch.unwrap_or(0))
                .bind(s.to)
                .bind(s.fact.kind.as_str())
                .bind(s.fact.branch_serves)
                .bind(i32::from(s.fact.has_resident_member))
                .bind(i32::from(s.fact.branch_has_member));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Recomputes the spells of `ids` and rewrites those that changed.
pub async fn refresh(conn: &mut Conn, ids: &[LocalityId]) -> Result<()> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(CHUNK) {
        if chunk.is_empty() {
            continue;
        }
        let recs = records(conn, Some(chunk)).await?;
        let before = stored(conn, Some(chunk)).await?;
        let mut changed = vec![];
        let mut spells: Vec<(LocalityId, LocalitySpell)> = vec![];
        for id in chunk {
            let now = recs.get(id).map(locality_spells).unwrap_or_default();
            if before.get(id).map_or(&[][..], Vec::as_slice) != now.as_slice() {
                changed.push(*id);
                spells.extend(now.into_iter().map(|s| (*id, s)));
            }
        }
        if !changed.is_empty() {
            let refs: Vec<(LocalityId, &LocalitySpell)> = spells.iter().map(|(l, s)| (*l, s)).collect();
            write(conn, &changed, &refs).await?;
        }
    }
    Ok(())
}

/// After the service or the members of `branches` changed: refreshes every locality they
/// ever served, and `also`.
pub async fn branches_changed(conn: &mut Conn, branches: &[OrgId], also: &[LocalityId]) -> Result<()> {
    let mut ids = also.to_vec();
    for chunk in branches.chunks(CHUNK) {
        let sql = format!(
            "SELECT DISTINCT locality_id FROM locality_service WHERE branch_id IN ({})",
            super::super::placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_scalar::<DB, i64>(AssertSqlSafe(sql));
        for b in chunk {
            q = q.bind(*b);
        }
        ids.extend(q.fetch_all(&mut *conn).await?);
    }
    refresh(conn, &ids).await
}

/// After a locality, its commune or its service changed: it and every locality served by a
/// branch that ever served it (their `serves` counts).
pub async fn locality_changed(conn: &mut Conn, id: LocalityId) -> Result<()> {
    let mut ids: Vec<LocalityId> = sqlx::query_scalar(
        "SELECT DISTINCT locality_id FROM locality_service WHERE branch_id IN \
         (SELECT branch_id FROM locality_service WHERE locality_id = $1)",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    ids.push(id);
    refresh(conn, &ids).await
}

/// After `person`'s member spells changed in `branches` (the branches whose member time
/// differs): where they live and what those branches serve.
pub async fn people_changed(conn: &mut Conn, person: i64, branches: &[OrgId]) -> Result<()> {
    if branches.is_empty() {
        return Ok(());
    }
    let home: Option<Option<LocalityId>> = sqlx::query_scalar("SELECT residence_locality_id FROM person WHERE id = $1")
        .bind(person)
        .fetch_optional(&mut *conn)
        .await?;
    let also: Vec<LocalityId> = home.flatten().into_iter().collect();
    branches_changed(conn, branches, &also).await
}

/// Recomputes the whole table.
pub async fn rebuild_in(conn: &mut Conn) -> Result<()> {
    sqlx::query("DELETE FROM locality_fact").execute(&mut *conn).await?;
    let recs = records(conn, None).await?;
    let mut spells: Vec<(LocalityId, LocalitySpell)> = vec![];
    for (id, r) in &recs {
        spells.extend(locality_spells(r).into_iter().map(|s| (*id, s)));
    }
    let refs: Vec<(LocalityId, &LocalitySpell)> = spells.iter().map(|(l, s)| (*l, s)).collect();
    write(conn, &[], &refs).await
}

/// Compares the table with a recomputation: the localities compared and the differences, as
/// (locality, `locality_fact`, 0, the first differing spell, stored spells, expected spells).
pub async fn verify_in(conn: &mut Conn) -> Result<(u64, Vec<(OrgId, String, i32, String, i64, i64)>)> {
    let recs = records(conn, None).await?;
    let mut have = stored(conn, None).await?;
    let mut diffs = vec![];
    for (id, r) in &recs {
        let want = locality_spells(r);
        let got = have.remove(id).unwrap_or_default();
        if got != want {
            let first = got
                .iter()
                .zip(&want)
                .find(|(a, b)| a != b)
                .map_or_else(|| "spell count".to_string(), |(a, b)| format!("stored {a:?} expected {b:?}"));
            diffs.push((*id, "locality_fact".to_string(), 0, first, got.len() as i64, want.len() as i64));
        }
    }
    for (id, got) in have {
        diffs.push((id, "locality_fact".to_string(), 0, "no such locality".to_string(), got.len() as i64, 0));
    }
    Ok((recs.len() as u64, diffs))
}

/// What a coverage report counts: the facts of the localities under `org` on `as_of`, with
/// the structure as it was (`AsWas`) or as it is on `today` (`Rebased`: the communes whose
/// heir is under `org`). Localities with the same facts come back as one row with their
/// number (SQLite's driver hands rows over one by one); a branch's id is kept where the
/// report needs it, for a branch serving several localities.
pub async fn facts(pool: &Pool<DB>, org: OrgId, as_of: Date, today: Date, structure: Structure) -> Result<Vec<LocalityFact>> {
    let (cjoin, commune, on) = match structure {
        Structure::AsWas => ("", "c.descendant_id", as_of),
        Structure::Rebased => ("JOIN org_unit h ON h.heir_id = c.descendant_id", "h.id", today),
    };
    let sql = format!(
        "SELECT f.kind, MIN(f.branch_id) AS branch_id, f.residents, f.serves, f.branch_members, COUNT(*) AS n \
         FROM org_closure c {cjoin} JOIN locality_fact f ON f.commune_id = {commune} AND f.valid_to > $2 AND f.valid_from <= $2 \
         WHERE c.ancestor_id = $1 AND c.valid_from <= $3 AND c.valid_to > $3 \
         GROUP BY f.kind, f.residents, f.serves, f.branch_members, CASE WHEN f.branch_id = 0 THEN 0 ELSE 1 END, \
         CASE WHEN f.serves > 1 THEN f.branch_id END"
    );
    let mut out = vec![];
    for r in sqlx::query(AssertSqlSafe(sql)).bind(org).bind(as_of).bind(on).fetch_all(pool).await? {
        let branch: OrgId = r.try_get("branch_id")?;
        let fact = LocalityFact {
            kind: kind_of(&r.try_get::<String, _>("kind")?)?,
            has_resident_member: r.try_get::<i32, _>("residents")? != 0,
            branch: (branch != 0).then_some(branch),
            branch_serves: r.try_get("serves")?,
            branch_has_member: r.try_get::<i32, _>("branch_members")? != 0,
        };
        let n: i64 = r.try_get("n")?;
        out.extend(std::iter::repeat_n(fact, usize::try_from(n).unwrap_or(0)));
    }
    Ok(out)
}
