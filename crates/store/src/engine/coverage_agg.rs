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
use ketnap_domain::reports::coverage_spells::{
    ClassCounts, Interval, LocalityRecord, LocalitySpell, ServingBranch, added_time_covered, class_counts, fact_of_class,
    locality_spells, member_time_added, member_time_changed,
};
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

/// Parses `from/to,…` (ISO dates, as both engines cast a date to text).
fn spans(text: &str) -> Result<Vec<Interval>> {
    let bad = || StoreError::Corrupt(format!("unreadable date spans {text:?}"));
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (a, b) = p.split_once('/').ok_or_else(bad)?;
            let d = |x: &str| Date::parse_from_str(x, "%Y-%m-%d").map_err(|_| bad());
            Ok((d(a)?, d(b)?))
        })
        .collect()
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
    // One row per (what, locality, branch) with its spans joined (`from/to,…`): a village's
    // residents have hundreds of status spells, and SQLite's driver hands rows over one by one.
    let mut rows: Vec<(String, i64, i64, Vec<Interval>, String)> = vec![];
    {
        let sql = format!(
            "SELECT t, loc, ref, string_agg(CAST(valid_from AS TEXT) || '/' || CAST(valid_to AS TEXT), ',') AS spans, \
             MIN(kind) AS kind FROM ( \
             SELECT 'l' AS t, id AS loc, CAST(0 AS BIGINT) AS ref, valid_from, valid_to, kind FROM locality{} \
             UNION ALL SELECT 'c', locality_id, org_id, valid_from, valid_to, '' FROM locality_commune{} \
             UNION ALL SELECT 's', locality_id, branch_id, valid_from, valid_to, '' FROM locality_service{} \
             UNION ALL SELECT 'r', p.residence_locality_id, CAST(0 AS BIGINT), s.valid_from, s.valid_to, '' \
              FROM person p JOIN person_status s ON s.person_id = p.id AND s.status IN {MEMBER} \
              WHERE p.residence_locality_id IS NOT NULL{}) AS u GROUP BY t, loc, ref",
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
                spans(&r.try_get::<String, _>("spans")?)?,
                r.try_get("kind")?,
            ));
        }
    }
    for (t, loc, _, spans, kind) in &rows {
        if let ("l", Some(valid)) = (t.as_str(), spans.first()) {
            out.insert(
                *loc,
                LocalityRecord {
                    kind: kind_of(kind)?,
                    valid: *valid,
                    communes: vec![],
                    service: vec![],
                    branches: BTreeMap::new(),
                    residents: vec![],
                },
            );
        }
    }
    let mut branches: BTreeSet<OrgId> = BTreeSet::new();
    for (t, loc, id, spans, _) in rows {
        let Some(rec) = out.get_mut(&loc) else { continue };
        match t.as_str() {
            "c" => rec.communes.extend(spans.into_iter().map(|i| (id, i))),
            "s" => {
                rec.service.extend(spans.into_iter().map(|i| (id, i)));
                branches.insert(id);
            }
            "r" => rec.residents.extend(spans),
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
            "SELECT t, b, string_agg(CAST(valid_from AS TEXT) || '/' || CAST(valid_to AS TEXT), ',') AS spans FROM ( \
             SELECT 'v' AS t, branch_id AS b, valid_from, valid_to FROM locality_service{} \
             UNION ALL SELECT 'm', org_id, valid_from, valid_to FROM person_status WHERE status IN {MEMBER} \
              AND org_id IS NOT NULL{}) AS u GROUP BY t, b",
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
            let v = spans(&r.try_get::<String, _>("spans")?)?;
            if t == "v" { e.served.extend(v) } else { e.members.extend(v) }
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
        v.sort_by_key(|a| (a.from, a.commune, a.fact.branch));
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
            // The communes the changed localities were and are in.
            let mut communes: Vec<OrgId> = spells.iter().map(|(_, s)| s.commune).collect();
            for id in &changed {
                communes.extend(before.get(id).into_iter().flatten().map(|s| s.commune));
            }
            communes_changed(conn, communes).await?;
        }
    }
    Ok(())
}

type Segments = BTreeMap<OrgId, Vec<ClassCounts>>;

/// The counts of every commune from spells.
fn segments_of<'a>(spells: impl IntoIterator<Item = &'a LocalitySpell>) -> Segments {
    let mut by: BTreeMap<OrgId, Vec<&LocalitySpell>> = BTreeMap::new();
    for s in spells {
        by.entry(s.commune).or_default().push(s);
    }
    by.into_iter().map(|(c, v)| (c, class_counts(v))).collect()
}

/// The stored counts of `communes` (all when `None`).
async fn stored_segments(conn: &mut Conn, communes: Option<&[OrgId]>) -> Result<Segments> {
    let sql = format!("SELECT commune_id, valid_from, valid_to, counts FROM commune_coverage{}", filter("commune_id", communes));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for id in communes.unwrap_or_default() {
        q = q.bind(*id);
    }
    let mut out: Segments = BTreeMap::new();
    let mut s = q.fetch(&mut *conn);
    while let Some(r) = s.try_next().await? {
        let text: String = r.try_get("counts")?;
        out.entry(r.try_get("commune_id")?).or_default().push(ClassCounts {
            from: r.try_get("valid_from")?,
            to: r.try_get("valid_to")?,
            counts: crate::aggregates::decode_counts(&text).ok_or_else(unreadable)?,
        });
    }
    for v in out.values_mut() {
        v.sort_by_key(|c| c.from);
    }
    Ok(out)
}

fn unreadable() -> StoreError {
    StoreError::Corrupt("a commune_coverage row holds unreadable counts".into())
}

/// Writes `segments` (after deleting the stored rows of `stale`: (commune, valid_to)).
async fn write_segments(conn: &mut Conn, stale: &[(OrgId, Date)], segments: &[(OrgId, &ClassCounts)]) -> Result<()> {
    for chunk in stale.chunks(CHUNK) {
        let keys: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
        let sql = format!("DELETE FROM commune_coverage WHERE (commune_id, valid_to) IN (VALUES {})", keys.join(","));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (c, to) in chunk {
            q = q.bind(*c).bind(*to);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in segments.chunks(super::super::MAX_BINDS / 4) {
        let sql = format!(
            "INSERT INTO commune_coverage (commune_id, valid_to, valid_from, counts) VALUES {}",
            super::super::values_list(BACKEND, chunk.len(), 4)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (c, seg) in chunk {
            let text = crate::aggregates::encode_counts(seg.counts.iter().map(|(k, n)| (k.as_str(), *n)));
            q = q.bind(*c).bind(seg.to).bind(seg.from).bind(text);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Recomputes the counts of `communes` from their localities' spells and rewrites the rows
/// that changed.
async fn communes_changed(conn: &mut Conn, mut communes: Vec<OrgId>) -> Result<()> {
    communes.sort_unstable();
    communes.dedup();
    for chunk in communes.chunks(CHUNK) {
        let sql = format!("SELECT {COLUMNS} FROM locality_fact WHERE commune_id IN ({})", super::super::placeholders(1, chunk.len()));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        let mut spells = vec![];
        {
            let mut s = q.fetch(&mut *conn);
            while let Some(r) = s.try_next().await? {
                spells.push(spell_of(&r)?.1);
            }
        }
        let now = segments_of(&spells);
        let before = stored_segments(conn, Some(chunk)).await?;
        let mut stale = vec![];
        let mut fresh = vec![];
        for c in chunk {
            let b = before.get(c).map_or(&[][..], Vec::as_slice);
            let a = now.get(c).map_or(&[][..], Vec::as_slice);
            stale.extend(b.iter().filter(|x| !a.contains(x)).map(|x| (*c, x.to)));
            fresh.extend(a.iter().filter(|x| !b.contains(x)).map(|x| (*c, x)));
        }
        write_segments(conn, &stale, &fresh).await?;
        let fresh_keys: Vec<(OrgId, Date)> = fresh.iter().map(|(c, x)| (*c, x.to)).collect();
        units_remove(conn, UnitRows::Segments(&stale)).await?;
        units_add(conn, UnitRows::Segments(&fresh_keys)).await?;
    }
    Ok(())
}

/// A chunk's binds: communes, with the segment's end when rows are picked by segment.
type Binds = Vec<(OrgId, Option<Date>)>;

/// Rows of `unit_coverage`: of commune segments (commune, segment end), of communes, or all.
#[derive(Clone, Copy)]
enum UnitRows<'a> {
    Segments(&'a [(OrgId, Date)]),
    Communes(&'a [OrgId]),
    All,
}

impl UnitRows<'_> {
    /// The chunks and the condition on `x.commune_id`, `x.valid_to` of each: SQL and binds.
    fn chunks(self, commune: &str, seg_to: &str) -> Vec<(String, Binds)> {
        match self {
            UnitRows::Segments(keys) => keys
                .chunks(CHUNK)
                .map(|c| {
                    let v: Vec<String> = (0..c.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
                    (
                        format!("({commune}, {seg_to}) IN (VALUES {})", v.join(",")),
                        c.iter().map(|(id, d)| (*id, Some(*d))).collect(),
                    )
                })
                .collect(),
            UnitRows::Communes(ids) => ids
                .chunks(CHUNK)
                .map(|c| {
                    (
                        format!("{commune} IN ({})", super::super::placeholders(1, c.len())),
                        c.iter().map(|id| (*id, None)).collect(),
                    )
                })
                .collect(),
            UnitRows::All => vec![("1 = 1".to_string(), vec![])],
        }
    }
}

/// Runs the statement `sql(condition)` once per chunk of `rows`, the condition on the
/// columns `commune` and `seg_to`.
async fn per_chunk(conn: &mut Conn, rows: UnitRows<'_>, commune: &str, seg_to: &str, sql: impl Fn(&str) -> String) -> Result<()> {
    for (cond, binds) in rows.chunks(commune, seg_to) {
        if binds.is_empty() && !matches!(rows, UnitRows::All) {
            continue;
        }
        let mut q = sqlx::query(AssertSqlSafe(sql(&cond)));
        for (id, d) in binds {
            q = q.bind(id);
            if let Some(d) = d {
                q = q.bind(d);
            }
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn units_remove(conn: &mut Conn, rows: UnitRows<'_>) -> Result<()> {
    per_chunk(conn, rows, "commune_id", "seg_to", |cond| format!("DELETE FROM unit_coverage WHERE {cond}")).await
}

/// Writes the rows of the commune segments `rows` under every closure row of their commune,
/// over the days both hold.
async fn units_add(conn: &mut Conn, rows: UnitRows<'_>) -> Result<()> {
    let (later, earlier) = match BACKEND {
        crate::db::Backend::Sqlite => ("MAX", "MIN"),
        crate::db::Backend::Postgres => ("GREATEST", "LEAST"),
    };
    per_chunk(conn, rows, "x.commune_id", "x.valid_to", |cond| {
        format!(
            "INSERT INTO unit_coverage (org_id, valid_to, commune_id, seg_to, valid_from, counts) \
             SELECT c.ancestor_id, {earlier}(c.valid_to, x.valid_to), x.commune_id, x.valid_to, \
             {later}(c.valid_from, x.valid_from), x.counts \
             FROM commune_coverage x JOIN org_closure c ON c.descendant_id = x.commune_id \
             AND c.valid_from < x.valid_to AND x.valid_from < c.valid_to WHERE {cond}"
        )
    })
    .await
}

/// Before the closure rows of `units` are deleted (a structure operation): their rows go.
pub async fn closure_leaving(conn: &mut Conn, units: &[OrgId]) -> Result<()> {
    units_remove(conn, UnitRows::Communes(units)).await
}

/// After the closure rows of `units` were written again: their rows come back.
pub async fn closure_arrived(conn: &mut Conn, units: &[OrgId]) -> Result<()> {
    units_add(conn, UnitRows::Communes(units)).await
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

/// A person's member time: `(is member, branch, from, to)` per status spell.
pub type MemberTime = (bool, Option<OrgId>, Date, Date);

/// After `person`'s status spells changed from `before` to `after`: where they live and what
/// the branches whose member time changed serve. When time was only added (an admission, a
/// back-dated start) and the stored spells already count a member on every day added, nothing
/// changes and nothing is recomputed ([`added_time_covered`]).
pub async fn people_changed(conn: &mut Conn, person: i64, before: &[MemberTime], after: &[MemberTime]) -> Result<()> {
    match to_recompute(conn, person, before, after, None).await? {
        Some(work) => recompute(conn, work).await,
        None => Ok(()),
    }
}

/// What [`people_changed`] must recompute once the new spells are written.
#[derive(Debug)]
pub struct Recompute {
    person: i64,
    branches: Vec<OrgId>,
}

/// [`people_changed`]'s check, which reads only the stored coverage (it may run before the new
/// spells are written): `None` when nothing changes, else what [`recompute`] does after.
pub async fn to_recompute(
    conn: &mut Conn,
    person: i64,
    before: &[MemberTime],
    after: &[MemberTime],
    known: Option<&Served>,
) -> Result<Option<Recompute>> {
    let branches = member_time_changed(before.iter().copied(), after.iter().copied());
    let added = member_time_added(before.iter().copied(), after.iter().copied());
    if let Some(added) = &added {
        if added.is_empty() {
            return Ok(None);
        }
        let mut served: Vec<OrgId> = added.iter().filter_map(|(b, _)| *b).collect();
        served.sort_unstable();
        served.dedup();
        let read;
        let k = match known.filter(|k| served.iter().all(|b| k.branches.binary_search(b).is_ok())) {
            // Read with the person's spells, for more branches: the spells of localities that
            // none of `served` serves change nothing in the check.
            Some(k) => k,
            None => {
                read = home_and_served(conn, person, &served).await?;
                &read
            }
        };
        if added_time_covered(&k.spells, k.home, added) {
            return Ok(None);
        }
    }
    Ok(Some(Recompute { person, branches }))
}

/// Where a person lives and the stored spells of that locality and of every locality some
/// `branches` ever served: what [`to_recompute`] checks added member time against, read ahead
/// with the person's status spells ([`served_part`]).
#[derive(Debug, Default)]
pub struct Served {
    /// Sorted.
    pub branches: Vec<OrgId>,
    pub home: Option<LocalityId>,
    pub spells: Vec<(LocalityId, LocalitySpell)>,
}

impl Served {
    /// Takes a row of [`served_part`].
    pub fn take(&mut self, r: &<DB as sqlx::Database>::Row) -> Result<()> {
        self.home = r.try_get("home")?;
        self.spells.push(spell_of(r)?);
        Ok(())
    }
}

/// [`served_part`]'s own columns as NULLs of their types, named, for the other parts of the
/// statement (the first part names the columns).
pub const SERVED_NULLS: &str = "CAST(NULL AS BIGINT) AS home, CAST(NULL AS BIGINT) AS locality_id, \
     CAST(NULL AS BIGINT) AS commune_id, CAST(NULL AS BIGINT) AS branch_id, CAST(NULL AS BIGINT) AS serves, \
     CAST(NULL AS INTEGER) AS residents, CAST(NULL AS INTEGER) AS branch_members";

/// The stored spells of the home of person `$1` and of every locality served by a branch of
/// `branches` (a list or a subquery of branch ids), alone or as a part of a `UNION ALL` whose
/// columns are `lead` (the other parts' columns before), `valid_from`, `valid_to`, `kind`,
/// `middle`, then the columns of [`SERVED_NULLS`] (`lead` and `middle` may be empty).
pub fn served_part(lead: &str, middle: &str, branches: &str) -> String {
    let columns = [
        lead,
        "valid_from, valid_to, kind",
        middle,
        "(SELECT residence_locality_id FROM person WHERE id = $1) AS home, locality_id, commune_id, branch_id, \
         serves, residents, branch_members",
    ]
    .into_iter()
    .filter(|c| !c.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    format!(
        "SELECT {columns} FROM locality_fact WHERE locality_id IN (SELECT residence_locality_id FROM person \
         WHERE id = $1 UNION SELECT locality_id FROM locality_service WHERE branch_id IN ({branches}))"
    )
}

/// Recomputes the localities of [`to_recompute`]'s answer, from the spells as now written.
pub async fn recompute(conn: &mut Conn, work: Recompute) -> Result<()> {
    let home: Option<Option<LocalityId>> = sqlx::query_scalar("SELECT residence_locality_id FROM person WHERE id = $1")
        .bind(work.person)
        .fetch_optional(&mut *conn)
        .await?;
    let also: Vec<LocalityId> = home.flatten().into_iter().collect();
    branches_changed(conn, &work.branches, &also).await
}

/// Where `person` lives (when a stored spell says) and the stored spells of that locality and
/// of every locality `branches` ever served, in one statement.
async fn home_and_served(conn: &mut Conn, person: i64, branches: &[OrgId]) -> Result<Served> {
    let list = match branches.is_empty() {
        true => "SELECT CAST(NULL AS BIGINT)".to_string(),
        false => super::super::placeholders(2, branches.len()),
    };
    let mut q = sqlx::query(AssertSqlSafe(served_part("", "", &list))).bind(person);
    for b in branches {
        q = q.bind(*b);
    }
    let mut out = Served {
        branches: branches.to_vec(),
        ..Served::default()
    };
    for r in q.fetch_all(&mut *conn).await? {
        out.take(&r)?;
    }
    Ok(out)
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
    write(conn, &[], &refs).await?;
    sqlx::query("DELETE FROM commune_coverage").execute(&mut *conn).await?;
    let segments = segments_of(spells.iter().map(|(_, s)| s));
    let flat: Vec<(OrgId, &ClassCounts)> = segments.iter().flat_map(|(c, v)| v.iter().map(|x| (*c, x))).collect();
    write_segments(conn, &[], &flat).await?;
    units_remove(conn, UnitRows::All).await?;
    units_add(conn, UnitRows::All).await
}

/// Compares the table with a recomputation: the localities compared and the differences, as
/// (locality, `locality_fact`, 0, the first differing spell, stored spells, expected spells).
pub async fn verify_in(conn: &mut Conn) -> Result<(u64, Vec<(OrgId, String, i32, String, i64, i64)>)> {
    let recs = records(conn, None).await?;
    let mut have = stored(conn, None).await?;
    let mut diffs = vec![];
    let mut all = vec![];
    for (id, r) in &recs {
        let want = locality_spells(r);
        all.extend(want.iter().cloned());
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
    // The communes' counts against the expected spells.
    let want = segments_of(&all);
    let mut got = stored_segments(conn, None).await?;
    for (c, w) in &want {
        let g = got.remove(c).unwrap_or_default();
        if &g != w {
            let first = g
                .iter()
                .zip(w)
                .find(|(a, b)| a != b)
                .map_or_else(|| "segment count".to_string(), |(a, b)| format!("stored {a:?} expected {b:?}"));
            diffs.push((*c, "commune_coverage".to_string(), 0, first, g.len() as i64, w.len() as i64));
        }
    }
    for (c, g) in got {
        diffs.push((c, "commune_coverage".to_string(), 0, "no locality".to_string(), g.len() as i64, 0));
    }
    // The rows under every unit against the communes' counts and the closure.
    let (later, earlier) = match BACKEND {
        crate::db::Backend::Sqlite => ("MAX", "MIN"),
        crate::db::Backend::Postgres => ("GREATEST", "LEAST"),
    };
    let expected = format!(
        "SELECT c.ancestor_id AS org_id, {earlier}(c.valid_to, x.valid_to) AS valid_to, x.commune_id, x.valid_to AS seg_to, \
         {later}(c.valid_from, x.valid_from) AS valid_from, x.counts \
         FROM commune_coverage x JOIN org_closure c ON c.descendant_id = x.commune_id \
         AND c.valid_from < x.valid_to AND x.valid_from < c.valid_to"
    );
    let mut units: HashMap<(OrgId, Date, OrgId, Date, Date, String), i64> = HashMap::new();
    for (sql, sign) in [(expected.as_str(), 1), ("SELECT org_id, valid_to, commune_id, seg_to, valid_from, counts FROM unit_coverage", -1)] {
        let mut rows = sqlx::query(AssertSqlSafe(sql.to_string())).fetch(&mut *conn);
        while let Some(r) = rows.try_next().await? {
            let key = (
                r.try_get("org_id")?,
                r.try_get("valid_to")?,
                r.try_get("commune_id")?,
                r.try_get("seg_to")?,
                r.try_get("valid_from")?,
                r.try_get("counts")?,
            );
            *units.entry(key).or_insert(0) += sign;
        }
    }
    let compared = units.len() as u64;
    for ((org, to, commune, _, from, counts), n) in units {
        if n != 0 {
            diffs.push((org, "unit_coverage".to_string(), 0, format!("commune {commune} {from}..{to} {counts}"), i64::from(n < 0), i64::from(n > 0)));
        }
    }
    Ok((recs.len() as u64 + want.len() as u64 + compared, diffs))
}

/// What a coverage report counts: the facts of the localities under `org` on `as_of`, with
/// the structure as it was (`AsWas`) or as it is on `today` (`Rebased`: the communes whose
/// heir is under `org`), from the communes' counts by class (`unit_coverage`,
/// `commune_coverage`): one row for the whole subtree, the communes' counts joined.
pub async fn facts(pool: &Pool<DB>, org: OrgId, as_of: Date, today: Date, structure: Structure) -> Result<Vec<LocalityFact>> {
    let text: Option<String> = match structure {
        // The unit's own rows holding the day: one per commune under it that day.
        Structure::AsWas => {
            sqlx::query_scalar(
                "SELECT string_agg(counts, ',') FROM unit_coverage WHERE org_id = $1 AND valid_to > $2 AND valid_from <= $2",
            )
            .bind(org)
            .bind(as_of)
            .fetch_one(pool)
            .await?
        }
        // The communes whose heir is under the unit today, counted on `as_of`.
        Structure::Rebased => {
            sqlx::query_scalar(
                "SELECT string_agg(x.counts, ',') FROM org_closure c JOIN org_unit h ON h.heir_id = c.descendant_id \
                 JOIN commune_coverage x ON x.commune_id = h.id AND x.valid_to > $2 AND x.valid_from <= $2 \
                 WHERE c.ancestor_id = $1 AND c.valid_from <= $3 AND c.valid_to > $3",
            )
            .bind(org)
            .bind(as_of)
            .bind(today)
            .fetch_one(pool)
            .await?
        }
    };
    let counts = crate::aggregates::decode_counts(text.as_deref().unwrap_or_default()).ok_or_else(unreadable)?;
    let mut out = vec![];
    for (class, n) in counts {
        let fact = fact_of_class(&class).ok_or_else(unreadable)?;
        out.extend(std::iter::repeat_n(fact, usize::try_from(n).unwrap_or(0)));
    }
    Ok(out)
}
