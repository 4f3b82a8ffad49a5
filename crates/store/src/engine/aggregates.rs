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
use ketnap_domain::reports::{EventFact, FactKind, Counted, candidacies_ended, counted, row_days, row_ids};
use ketnap_domain::targets::SourceHistory;
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

fn unreadable_counts() -> StoreError {
    StoreError::Corrupt("a candidacy_hist row holds unreadable counts".into())
}

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
    Ok(SpellRow {
        person: r.try_get("person_id")?,
        spell: spell_of(r)?,
        who: who_of(r)?,
    })
}

/// The status spell of a `FACT_SQL` row.
fn spell_of(r: &<DB as sqlx::Database>::Row) -> Result<StatusSpell> {
    let status: String = r.try_get("status")?;
    let to: Date = r.try_get("valid_to")?;
    Ok(StatusSpell {
        status: PartyStatus::parse(&status).ok_or_else(|| bad("status"))?,
        branch: r.try_get("org_id")?,
        period: Period {
            from: r.try_get("valid_from")?,
            to: (to != ketnap_domain::dates::OPEN_END).then_some(to),
        },
    })
}

/// The person's characteristics in a `FACT_SQL` row (dated on their birth: each fact sets its
/// own date).
fn who_of(r: &<DB as sqlx::Database>::Row) -> Result<EventFact> {
    let s = |k: &str| -> Result<String> { Ok(r.try_get::<String, _>(k)?) };
    Ok(EventFact {
        date: r.try_get("birth_date")?,
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
    })
}

/// The facts of one person from their spells and characteristics.
fn person_facts(rows: &[SpellRow]) -> Vec<Fact> {
    let Some(first) = rows.first() else {
        return vec![];
    };
    let spells: Vec<StatusSpell> = rows.iter().map(|r| r.spell).collect();
    facts_from(&first.who, &spells)
}

/// The facts that `spells` make for a person of characteristics `who`.
fn facts_from(who: &EventFact, spells: &[StatusSpell]) -> Vec<Fact> {
    let mut facts: Vec<Fact> = counted(spells)
        .into_iter()
        .map(|c| {
            let mut who = who.clone();
            who.date = c.date;
            Fact {
                counted: c,
                rows: row_ids(&who),
                attributed_on: c.date,
            }
        })
        .collect();
    facts.extend(candidacies_ended(spells).into_iter().map(|c| Fact {
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

/// A person's characteristics and status spells as stored (in date order), read before the
/// spells change, with the units above their branches: [`spells_changed`] computes the facts
/// before and after from them.
pub struct PersonSpells {
    pub spells: Vec<StatusSpell>,
    /// `None` when there is no such person.
    who: Option<EventFact>,
    /// The units above each branch of the spells and of the branches asked for.
    up: HashMap<OrgId, Vec<AncestorSpan>>,
    /// Where the person lives and the coverage of that locality and of every locality the
    /// same branches serve: what the coverage check of added member time reads.
    pub served: super::coverage_agg::Served,
}

/// [`PersonSpells`] of `person`, with the units above `also` (the branches the new spells may
/// name) and the localities they serve, in one statement.
pub async fn person_spells(conn: &mut Conn, person: PersonId, also: &[OrgId]) -> Result<PersonSpells> {
    use super::coverage_agg::{SERVED_NULLS, served_part};
    // The branches of the stored spells and `also`.
    let branches = format!(
        "SELECT org_id FROM person_status WHERE person_id = $1{}",
        (0..also.len())
            .map(|i| format!(" UNION SELECT CAST(${} AS BIGINT)", i + 2))
            .collect::<String>()
    );
    let sql = format!(
        "SELECT 0 AS part, s.status, s.org_id, s.valid_from, s.valid_to, CAST(NULL AS TEXT) AS kind, p.sex, \
         p.birth_date, p.ethnic_group, p.religion, p.education, p.qualification, p.political_theory, p.occupation, \
         p.youth_union, CAST(NULL AS BIGINT) AS ancestor_id, {SERVED_NULLS} \
         FROM person p LEFT JOIN person_status s ON s.person_id = p.id WHERE p.id = $1 \
         UNION ALL \
         SELECT 1, NULL, c.descendant_id, c.valid_from, c.valid_to, u.kind, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
         NULL, NULL, c.ancestor_id, {SERVED_NULLS} FROM org_closure c JOIN org_unit u ON u.id = c.ancestor_id \
         WHERE c.descendant_id IN ({branches}) \
         UNION ALL {} \
         ORDER BY 1, 4",
        served_part("2, NULL, NULL", "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL", &branches)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(person);
    for b in also {
        q = q.bind(*b);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let mut out = PersonSpells {
        spells: Vec::with_capacity(rows.len()),
        who: None,
        up: HashMap::new(),
        served: Default::default(),
    };
    for r in &rows {
        match r.try_get::<i32, _>("part")? {
            1 => take_ancestor(&mut out.up, r, "org_id")?,
            2 => out.served.take(r)?,
            _ => {
                if out.who.is_none() {
                    out.who = Some(who_of(r)?);
                }
                if r.try_get::<Option<String>, _>("status")?.is_some() {
                    out.spells.push(spell_of(r)?);
                }
            }
        }
    }
    let mut served: Vec<OrgId> = out.spells.iter().filter_map(|s| s.branch).chain(also.iter().copied()).collect();
    served.sort_unstable();
    served.dedup();
    out.served.branches = served;
    Ok(out)
}

/// Gathers into `w` what the aggregates need when the person of `before` gets the spells
/// `after`: the facts on both sides computed here, the candidacy months to update read now.
/// Nothing when the facts are the same.
pub async fn spells_changed(conn: &mut Conn, before: &PersonSpells, after: &[StatusSpell], w: &mut super::writes::Writes) -> Result<()> {
    let Some(who) = &before.who else {
        return Ok(());
    };
    let gone = facts_from(who, &before.spells);
    let new = facts_from(who, after);
    if gone == new {
        return Ok(());
    }
    let acc = netted(conn, &gone, &new, Some(&before.up)).await?;
    gather(conn, &acc, w).await
}

/// The counts that change when the facts `gone` give way to `new`, netted in one pass over the
/// units above their branches.
/// `known`: units above some branches already read (the others are read now).
async fn netted(conn: &mut Conn, gone: &[Fact], new: &[Fact], known: Option<&HashMap<OrgId, Vec<AncestorSpan>>>) -> Result<Acc> {
    let branches: Vec<OrgId> = gone
        .iter()
        .chain(new)
        .map(|f| f.counted.branch)
        .filter(|b| known.is_none_or(|k| !k.contains_key(b)))
        .collect();
    let mut up = match branches.is_empty() {
        true => HashMap::new(),
        false => ancestors(conn, Some(&branches)).await?,
    };
    if let Some(k) = known {
        for (b, spans) in k {
            up.entry(*b).or_insert_with(|| spans.clone());
        }
    }
    let mut acc = Acc::default();
    for (facts, sign) in [(gone, -1), (new, 1)] {
        for f in facts {
            acc.add(f, up.get(&f.counted.branch).map_or(&[][..], Vec::as_slice), sign);
        }
    }
    Ok(acc)
}

/// Adds a closure row (the branch in column `branch`, `ancestor_id`, `valid_from`, `valid_to`,
/// the ancestor's `kind`) to `out`.
fn take_ancestor(out: &mut HashMap<OrgId, Vec<AncestorSpan>>, r: &<DB as sqlx::Database>::Row, branch: &str) -> Result<()> {
    let kind: String = r.try_get("kind")?;
    let level = Level::of(OrgKind::parse(&kind).ok_or_else(|| bad("unit kind"))?);
    out.entry(r.try_get(branch)?).or_default().push(AncestorSpan {
        ancestor: r.try_get("ancestor_id")?,
        from: r.try_get("valid_from")?,
        to: r.try_get("valid_to")?,
        level,
    });
    Ok(())
}

/// The units above `branches` (the branch itself included) over time, with their level; all
/// branches when `None`.
async fn ancestors(conn: &mut Conn, branches: Option<&[OrgId]>) -> Result<HashMap<OrgId, Vec<AncestorSpan>>> {
    const SQL: &str = "SELECT c.descendant_id, c.ancestor_id, c.valid_from, c.valid_to, u.kind \
         FROM org_closure c JOIN org_unit u ON u.id = c.ancestor_id";
    let mut out: HashMap<OrgId, Vec<AncestorSpan>> = HashMap::new();
    let mut take = |r: &<DB as sqlx::Database>::Row| take_ancestor(&mut out, r, "descendant_id");
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

/// Writes counts into `report_agg` and `candidacy_hist` (added to what is there; `fresh`: both
/// tables are empty, as in a rebuild).
async fn write(conn: &mut Conn, acc: &Acc, fresh: bool) -> Result<()> {
    let mut changes: Vec<(&crate::aggregates::AggKey, i64)> = acc.changes().collect();
    // In the primary key's order: a rebuild writes millions of rows, and inserting them in hash
    // order into the key's b-tree thrashes SQLite's page cache (hours instead of seconds).
    let key = |k: &crate::aggregates::AggKey| (k.0, k.1.as_str(), k.2, k.3);
    changes.sort_unstable_by(|(a, _), (b, _)| key(a).cmp(&key(b)));
    let (hist, rows): (Vec<_>, Vec<_>) = changes.into_iter().partition(|(k, _)| k.1 == FactKind::Candidacy);
    // The candidacy months first, then the other counts: on PostgreSQL every writer takes the
    // rows' locks in this order ([`gather`] too), so two writers never wait for each other.
    let mut months: BTreeMap<(OrgId, i32), Vec<(&'static str, i64)>> = BTreeMap::new();
    for ((org, _, period, row), n) in hist {
        months.entry((*org, *period)).or_default().push((*row, n));
    }
    write_hist(conn, months, fresh).await?;
    const COLS: usize = 5;
    for chunk in rows.chunks(super::super::MAX_BINDS / COLS) {
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

/// [`write`] for the few counts of one write, gathered into `w`: the `candidacy_hist` rows to
/// change are read (on PostgreSQL created and locked) now, their new counts written with `w`.
async fn gather(conn: &mut Conn, acc: &Acc, w: &mut super::writes::Writes) -> Result<()> {
    use super::writes::Arg;
    let mut changes: Vec<(&crate::aggregates::AggKey, i64)> = acc.changes().collect();
    let key = |k: &crate::aggregates::AggKey| (k.0, k.1.as_str(), k.2, k.3);
    changes.sort_unstable_by(|(a, _), (b, _)| key(a).cmp(&key(b)));
    let (hist, rows): (Vec<_>, Vec<_>) = changes.into_iter().partition(|(k, _)| k.1 == FactKind::Candidacy);
    if !rows.is_empty() {
        let sql = format!(
            "INSERT INTO report_agg (org_id, kind, period, row_id, n) VALUES {} \
             ON CONFLICT (org_id, kind, period, row_id) DO UPDATE SET n = report_agg.n + excluded.n",
            super::super::row_placeholders(rows.len(), 5)
        );
        let mut args = Vec::with_capacity(rows.len() * 5);
        for ((org, kind, period, row), n) in rows {
            args.extend([Arg::from(*org), kind.as_str().into(), (*period).into(), (*row).into(), n.into()]);
        }
        w.push(&sql, args);
    }
    let mut months: BTreeMap<(OrgId, i32), Vec<(&'static str, i64)>> = BTreeMap::new();
    for ((org, _, period, row), n) in hist {
        months.entry((*org, *period)).or_default().push((*row, n));
    }
    if months.is_empty() {
        return Ok(());
    }
    let keys: Vec<(OrgId, i32)> = months.keys().copied().collect();
    let mut current = hist_rows(conn, &keys).await?;
    let sql = format!(
        "INSERT INTO candidacy_hist (org_id, period, counts) VALUES {} \
         ON CONFLICT (org_id, period) DO UPDATE SET counts = excluded.counts",
        super::super::row_placeholders(keys.len(), 3)
    );
    let mut args = Vec::with_capacity(keys.len() * 3);
    for k in &keys {
        args.extend([Arg::from(k.0), k.1.into(), merged(&mut current, &months, k).into()]);
    }
    w.push(&sql, args);
    Ok(())
}

/// The counts text of the `candidacy_hist` row `key`: what `current` holds for it plus the
/// changes of `months`.
fn merged(
    current: &mut HashMap<(OrgId, i32), BTreeMap<String, i64>>,
    months: &BTreeMap<(OrgId, i32), Vec<(&'static str, i64)>>,
    key: &(OrgId, i32),
) -> String {
    let mut counts = current.remove(key).unwrap_or_default();
    for (row, n) in months.get(key).into_iter().flatten() {
        *counts.entry((*row).to_string()).or_insert(0) += n;
    }
    crate::aggregates::encode_counts(counts.iter().map(|(r, n)| (r.as_str(), *n)))
}

/// The counts of the `candidacy_hist` rows of `keys`. On PostgreSQL the missing rows are
/// created and all of them locked by the same statement (concurrent writers of a month wait
/// for each other instead of losing counts); SQLite's writer is alone.
async fn hist_rows(conn: &mut Conn, keys: &[(OrgId, i32)]) -> Result<HashMap<(OrgId, i32), BTreeMap<String, i64>>> {
    let q = match BACKEND {
        crate::db::Backend::Postgres => {
            let sql = format!(
                "INSERT INTO candidacy_hist (org_id, period, counts) VALUES {} \
                 ON CONFLICT (org_id, period) DO UPDATE SET counts = candidacy_hist.counts RETURNING org_id, period, counts",
                (0..keys.len())
                    .map(|i| format!("(${}, ${}, '')", 2 * i + 1, 2 * i + 2))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (org, period) in keys {
                q = q.bind(*org).bind(*period);
            }
            q
        }
        crate::db::Backend::Sqlite => {
            // Every (unit, month) of the units and months asked: the few extra rows are ignored.
            let orgs: std::collections::BTreeSet<OrgId> = keys.iter().map(|k| k.0).collect();
            let periods: std::collections::BTreeSet<i32> = keys.iter().map(|k| k.1).collect();
            let sql = format!(
                "SELECT org_id, period, counts FROM candidacy_hist WHERE org_id IN ({}) AND period IN ({})",
                super::super::placeholders(1, orgs.len()),
                super::super::placeholders(1 + orgs.len(), periods.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for o in orgs {
                q = q.bind(o);
            }
            for p in periods {
                q = q.bind(p);
            }
            q
        }
    };
    let mut out = HashMap::new();
    for r in q.fetch_all(&mut *conn).await? {
        let text: String = r.try_get("counts")?;
        let counts = crate::aggregates::decode_counts(&text).ok_or_else(unreadable_counts)?;
        out.insert((r.try_get("org_id")?, r.try_get("period")?), counts);
    }
    Ok(out)
}

/// Adds counts to the `candidacy_hist` rows of (unit, month). Unless `fresh`, each row is read
/// ([`hist_rows`]: on PostgreSQL created and locked in key order) and rewritten.
async fn write_hist(conn: &mut Conn, months: BTreeMap<(OrgId, i32), Vec<(&'static str, i64)>>, fresh: bool) -> Result<()> {
    let keys: Vec<(OrgId, i32)> = months.keys().copied().collect();
    const COLS: usize = 3;
    for chunk in keys.chunks(super::super::MAX_BINDS / COLS) {
        let mut current = if fresh { HashMap::new() } else { hist_rows(conn, chunk).await? };
        let sql = format!(
            "INSERT INTO candidacy_hist (org_id, period, counts) VALUES {} \
             ON CONFLICT (org_id, period) DO UPDATE SET counts = excluded.counts",
            super::super::values_list(BACKEND, chunk.len(), COLS)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for key in chunk {
            q = q.bind(key.0).bind(key.1).bind(merged(&mut current, &months, key));
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
    write(conn, &acc, false).await
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
    let acc = netted(conn, &gone, &new, None).await?;
    write(conn, &acc, false).await
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
    sqlx::query("DELETE FROM candidacy_hist").execute(&mut *conn).await?;
    write(conn, &acc, true).await?;
    super::case_agg::rebuild_in(conn).await?;
    super::coverage_agg::rebuild_in(conn).await?;
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
    let mut rows = sqlx::query("SELECT org_id, period, counts FROM candidacy_hist").fetch(&mut *conn);
    while let Some(r) = rows.try_next().await? {
        let text: String = r.try_get("counts")?;
        let counts = crate::aggregates::decode_counts(&text).ok_or_else(unreadable_counts)?;
        let (org, period): (OrgId, i32) = (r.try_get("org_id")?, r.try_get("period")?);
        for (row, n) in counts {
            stored.insert((org, FactKind::Candidacy.as_str().to_string(), period, row), n);
        }
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
    let (open_compared, open_diffs) = super::case_agg::verify_in(&mut conn).await?;
    compared += open_compared;
    diffs.extend(open_diffs);
    let (localities, locality_diffs) = super::coverage_agg::verify_in(&mut conn).await?;
    compared += localities;
    diffs.extend(locality_diffs);
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

/// The totals of `kind` per unit of `ids` and per group of code ranges (each range inclusive,
/// month rows excluded from day ranges). SQLite reads every group in one statement (a ranking
/// reads this year's and last year's admissions to date at once: a round trip to its worker
/// thread less); PostgreSQL one statement per group, as four index scans in one statement cost
/// enough for its planner to start parallel workers (27–29 ms instead of 5–6 for a province's
/// running ranking). Units without any row are left out.
pub async fn totals_many(pool: &Pool<DB>, ids: &[OrgId], kind: FactKind, groups: &[Vec<(i32, i32)>]) -> Result<Vec<(OrgId, usize, i64)>> {
    let batches: Vec<Vec<usize>> = match BACKEND {
        crate::db::Backend::Sqlite => vec![(0..groups.len()).collect()],
        crate::db::Backend::Postgres => (0..groups.len()).map(|g| vec![g]).collect(),
    };
    let mut out = vec![];
    for batch in batches {
        out.extend(totals_of_groups(pool, ids, kind, groups, &batch).await?);
    }
    Ok(out)
}

/// [`totals_many`] for the groups `which`, in one statement.
async fn totals_of_groups(pool: &Pool<DB>, ids: &[OrgId], kind: FactKind, groups: &[Vec<(i32, i32)>], which: &[usize]) -> Result<Vec<(OrgId, usize, i64)>> {
    let ranges: Vec<(usize, (i32, i32))> = which
        .iter()
        .filter_map(|g| groups.get(*g).map(|rs| (*g, rs)))
        .flat_map(|(g, rs)| rs.iter().map(move |r| (g, *r)))
        .collect();
    if ids.is_empty() || ranges.is_empty() {
        return Ok(vec![]);
    }
    let list = super::super::placeholders(2 + 2 * ranges.len(), ids.len());
    let parts: Vec<String> = ranges
        .iter()
        .enumerate()
        .map(|(i, (g, _))| {
            format!(
                "SELECT org_id, CAST({g} AS BIGINT) AS g, n FROM report_agg WHERE kind = $1 AND row_id = 'total' AND period >= ${} \
                 AND period <= ${} AND period % 100 <> 0 AND org_id IN ({list})",
                2 + 2 * i,
                3 + 2 * i
            )
        })
        .collect();
    // One row in all (see `one_row_per_answer`): `unit=g:n` joined.
    let per_unit = format!(
        "SELECT org_id, g, COALESCE(CAST(SUM(n) AS BIGINT), 0) AS n FROM ({}) AS r GROUP BY org_id, g",
        parts.join(" UNION ALL ")
    );
    let sql = crate::aggregates::one_row_per_answer(&per_unit, "org_id", "CAST(g AS TEXT) || ':' || CAST(n AS TEXT)");
    let mut q = sqlx::query_scalar::<_, Option<String>>(AssertSqlSafe(sql)).bind(kind.as_str());
    for (_, (a, b)) in &ranges {
        q = q.bind(*a).bind(*b);
    }
    for id in ids {
        q = q.bind(*id);
    }
    let text = q.fetch_one(pool).await?.unwrap_or_default();
    let mut out = vec![];
    crate::aggregates::each_unit(&text, |org, g_n| {
        crate::aggregates::each_count(g_n, |g, n| out.push((org, g.parse::<usize>().unwrap_or(0), n)))
    })
    .ok_or_else(|| bad("unit totals"))?;
    Ok(out)
}

/// The ended candidacies of each unit of `ids` from month code `a` to `b` (inclusive), summed
/// over the months into the forecast's history (units without any are left out).
pub async fn candidacy_months_many(pool: &Pool<DB>, ids: &[OrgId], a: i32, b: i32) -> Result<Vec<(OrgId, SourceHistory)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    // One row in all: per unit its months' counts joined (see `one_row_per_answer`; 36 months ×
    // 80 units as rows cost more in thread switches than in SQL).
    let per_unit = format!(
        "SELECT org_id, string_agg(counts, ',') AS counts FROM candidacy_hist \
         WHERE period >= $1 AND period <= $2 AND counts <> '' AND org_id IN ({}) GROUP BY org_id",
        super::super::placeholders(3, ids.len())
    );
    let sql = crate::aggregates::one_row_per_answer(&per_unit, "org_id", "counts");
    let mut q = sqlx::query_scalar::<_, Option<String>>(AssertSqlSafe(sql)).bind(a).bind(b);
    for id in ids {
        q = q.bind(*id);
    }
    let text = q.fetch_one(pool).await?.unwrap_or_default();
    let mut out: HashMap<OrgId, SourceHistory> = HashMap::new();
    crate::aggregates::each_unit(&text, |org, counts| {
        if counts.is_empty() {
            return Some(());
        }
        let h = out.entry(org).or_default();
        crate::aggregates::each_count(counts, |row, n| {
            if row == "total" {
                h.ended += n;
            } else if let Some(days) = row_days(row) {
                *h.admitted_days.entry(days).or_insert(0) += n;
            }
        })
    })
    .ok_or_else(unreadable_counts)?;
    Ok(out.into_iter().collect())
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
