// CSV import/export support: a checked batch of writes applied in one transaction (every step
// re-checked by the same rules as single writes, refusals collected by row), and the flat
// as-of-date reads the export writes. Included per engine by `engine!` (see mod.rs).

use std::collections::HashMap;

use chrono::{Datelike, Utc};
use ketnap_domain::locality::LocalityKind;
use ketnap_domain::org::{ClosureRow, NewUnit, Operation, OrgId, OrgKind, Sector, UnitFacts, plan};
use ketnap_domain::person::PartyStatus;
use ketnap_domain::text::fold;
use ketnap_domain::{Date, Period, Violation};
use serde_json::json;
use sqlx::{AssertSqlSafe, Pool, Row, Transaction};

use crate::batch::*;
use crate::error::{Result, StoreError, decode};
use crate::model::PopulationFigure;

type Tx<'a> = Transaction<'a, DB>;

/// Applies `batch` in one transaction. Every step runs (so every refusal is reported, by row);
/// the transaction commits only when no step was refused and `dry_run` is false. One audit row
/// records the import with its summary; each step leaves its own audit row as well.
pub async fn apply(pool: &Pool<DB>, batch: &Batch, actor: &str, dry_run: bool) -> Result<BatchOutcome> {
    let mut tx = super::org::begin_write(pool).await?;
    let mut created: Vec<Option<i64>> = vec![None; batch.steps.len()];
    let mut errors = vec![];
    for (i, s) in batch.steps.iter().enumerate() {
        match step(&mut tx, batch, &s.step, &created, actor).await {
            Ok(id) => created[i] = id,
            Err(StoreError::Rule(d)) => errors.push(StepError { step: i, row: s.row, violations: d.violations().to_vec() }),
            Err(StoreError::NotFound { what, key }) => errors.push(StepError {
                step: i,
                row: s.row,
                violations: vec![Violation::new("", "import.ref.unknown", format!("{what} {key} not found"))],
            }),
            Err(e) => return Err(e),
        }
    }
    let written = errors.is_empty() && !dry_run;
    if written {
        let d = json!({"source": batch.source, "steps": batch.steps.len(), "summary": batch.summary});
        super::audit::record_in(&mut tx, actor, &format!("import.{}", batch.kind), "import", &batch.kind, &d.to_string())
            .await?;
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(BatchOutcome { errors, written })
}

fn resolve(r: BatchRef<i64>, batch: &Batch, created: &[Option<i64>]) -> Result<i64> {
    match r {
        BatchRef::Id(id) => Ok(id),
        BatchRef::Step(j) => match created.get(j).copied().flatten() {
            Some(id) => Ok(id),
            None => {
                let row = batch.steps.get(j).map_or(0, |s| s.row);
                Err(Violation::new("", "import.ref.refused", format!("refers to row {row}, which was refused")).into())
            }
        },
    }
}

async fn step(tx: &mut Tx<'_>, batch: &Batch, s: &Step, created: &[Option<i64>], actor: &str) -> Result<Option<i64>> {
    Ok(match s {
        Step::CreateOrg { code, name, kind, sector, parent, period } => {
            let parent = parent.map(|p| resolve(p, batch, created)).transpose()?;
            Some(create_org(tx, code, name, *kind, *sector, parent, *period, actor).await?)
        }
        Step::CreateLocality(n) => Some(super::locality::create_in(tx, n, actor).await?),
        Step::UpdateLocality { locality, name, kind } => {
            super::locality::update_in(tx, resolve(*locality, batch, created)?, name, *kind, actor).await?;
            None
        }
        Step::MoveLocality { locality, commune, from } => {
            super::locality::move_in(tx, resolve(*locality, batch, created)?, *commune, *from, actor).await?;
            None
        }
        Step::CloseLocality { locality, at } => {
            super::locality::close_in(tx, resolve(*locality, batch, created)?, *at, actor).await?;
            None
        }
        Step::SetPopulation { locality, year, population } => {
            super::locality::set_population_in(tx, resolve(*locality, batch, created)?, *year, *population, actor).await?;
            None
        }
        Step::SetService { locality, branch, from } => {
            super::locality::set_service_in(tx, resolve(*locality, batch, created)?, *branch, *from, actor).await?;
            None
        }
        Step::CreatePerson(p) => Some(super::person::create_in(tx, p, actor).await?),
        Step::UpdatePerson(p) => {
            super::person::update_in(tx, p, actor).await?;
            None
        }
        Step::AddStatus { person, status, branch, from } => {
            super::person::add_status_in(tx, resolve(*person, batch, created)?, *status, *branch, *from, actor).await?;
            None
        }
    })
}

/// Creates a unit existing over `period` under `parent` (both checked by the domain's plan for
/// a creation), with its name, parent link, closure rows, heir and journal entries.
async fn create_org(
    tx: &mut Tx<'_>,
    code: &str,
    name: &str,
    kind: OrgKind,
    sector: Sector,
    parent: Option<OrgId>,
    period: Period,
    actor: &str,
) -> Result<OrgId> {
    let mut facts = HashMap::new();
    let mut parent_period = None;
    if let Some(p) = parent
        && let Some(f) = super::locality::org_facts(tx, p).await?
    {
        parent_period = Some(f.period);
        facts.insert(
            p,
            UnitFacts { id: p, code: f.code, kind: f.kind, period: f.period, parent: None, children: vec![], last_change: f.period.from },
        );
    }
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM org_unit WHERE code_key = $1")
        .bind(code.trim().to_ascii_uppercase())
        .fetch_one(&mut **tx)
        .await?;
    let unit = NewUnit { code: code.trim().to_string(), name: name.trim().to_string(), kind, sector, parent };
    let op = Operation::Create { unit, date: period.from };
    plan(&op, &facts, &|_| taken > 0)?;
    if let Some(pp) = parent_period
        && period.end_or_max() > pp.end_or_max()
    {
        return Err(Violation::new(
            "valid_to",
            "org.import.outlives_parent",
            format!("the unit would exist {period} but its superior ends {}", pp.end_or_max()),
        )
        .into());
    }
    let (code, name) = (code.trim(), name.trim());
    let end = period.end_or_max();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO org_unit (code, code_key, name, kind, sector, valid_from, valid_to) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(code)
    .bind(code.to_ascii_uppercase())
    .bind(name)
    .bind(kind.as_str())
    .bind(sector.as_str())
    .bind(period.from)
    .bind(end)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO org_name (unit_id, name, search_key, valid_from, valid_to) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(name)
        .bind(fold(name))
        .bind(period.from)
        .bind(end)
        .execute(&mut **tx)
        .await?;
    let mut rows = vec![ClosureRow { ancestor: id, descendant: id, depth: 0, period }];
    let mut heir = Some(id);
    if let Some(p) = parent {
        sqlx::query("INSERT INTO org_link (child_id, parent_id, valid_from, valid_to) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(p)
            .bind(period.from)
            .bind(end)
            .execute(&mut **tx)
            .await?;
        // The new unit's ancestors are its superior's, one level further, during its life.
        for r in sqlx::query("SELECT ancestor_id, depth, valid_from, valid_to FROM org_closure WHERE descendant_id = $1")
            .bind(p)
            .fetch_all(&mut **tx)
            .await?
        {
            let pp = Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?);
            if let Some(i) = pp.intersect(&period) {
                rows.push(ClosureRow { ancestor: r.try_get("ancestor_id")?, descendant: id, depth: r.try_get::<i32, _>("depth")? + 1, period: i });
            }
        }
        if !period.is_open() {
            // Dissolved without successor: its history passes to its superior's heir.
            heir = sqlx::query_scalar("SELECT heir_id FROM org_unit WHERE id = $1").bind(p).fetch_optional(&mut **tx).await?.flatten();
        }
    } else if !period.is_open() {
        heir = None;
    }
    super::org::insert_closure(tx, &rows).await?;
    sqlx::query("UPDATE org_unit SET heir_id = $1 WHERE id = $2").bind(heir).bind(id).execute(&mut **tx).await?;
    let mut ops = vec![op];
    if let Some(to) = period.to {
        ops.push(Operation::Dissolve { unit: id, date: to });
    }
    for op in ops {
        let payload = serde_json::to_string(&op).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let op_id: i64 = sqlx::query_scalar(
            "INSERT INTO org_operation (op, date, payload, actor, recorded_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(op.name())
        .bind(op.date())
        .bind(&payload)
        .bind(actor)
        .bind(Utc::now())
        .fetch_one(&mut **tx)
        .await?;
        super::audit::record_in(tx, actor, &format!("org.{}", op.name()), "org_operation", &op_id.to_string(), &payload).await?;
    }
    Ok(id)
}

/// Units existing on `as_of` (all, or the subtree of `root` with its superiors), with the name
/// and superior in force that day and since when each holds.
pub async fn org_rows(pool: &Pool<DB>, root: Option<OrgId>, as_of: Date) -> Result<Vec<OrgExport>> {
    let scope = if root.is_some() {
        " AND (u.id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $2 AND valid_from <= $1 AND valid_to > $1) \
         OR u.id IN (SELECT ancestor_id FROM org_closure WHERE descendant_id = $2 AND valid_from <= $1 AND valid_to > $1))"
    } else {
        ""
    };
    let sql = format!(
        "SELECT u.id, u.code, n.name, u.kind, u.sector, u.valid_from, u.valid_to, n.valid_from AS name_from, \
         l.parent_id, l.valid_from AS link_from FROM org_unit u \
         JOIN org_name n ON n.unit_id = u.id AND n.valid_from <= $1 AND n.valid_to > $1 \
         LEFT JOIN org_link l ON l.child_id = u.id AND l.valid_from <= $1 AND l.valid_to > $1 \
         WHERE u.valid_from <= $1 AND u.valid_to > $1{scope} ORDER BY u.code"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(as_of);
    if let Some(r) = root {
        q = q.bind(r);
    }
    q.fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let parent: Option<i64> = r.try_get("parent_id")?;
            let link_from: Option<Date> = r.try_get("link_from")?;
            Ok(OrgExport {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                kind: decode("organization kind", &r.try_get::<String, _>("kind")?, OrgKind::parse)?,
                sector: decode("sector", &r.try_get::<String, _>("sector")?, Sector::parse)?,
                period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?),
                name_from: r.try_get("name_from")?,
                parent: parent.zip(link_from),
            })
        })
        .collect()
}

/// Localities existing on `as_of` (all, or those in communes under `root`), with the commune,
/// the latest population up to that year and the serving branch in force that day.
pub async fn locality_rows(pool: &Pool<DB>, root: Option<OrgId>, as_of: Date) -> Result<Vec<LocalityExport>> {
    let scope = if root.is_some() {
        " AND c.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $3 AND valid_from <= $1 AND valid_to > $1)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT l.code, l.name, l.kind, l.valid_from, l.valid_to, c.org_id AS commune_id, cu.code AS commune_code, \
         c.valid_from AS commune_from, p.year, p.population, s.branch_id, bu.code AS branch_code, s.valid_from AS service_from \
         FROM locality l \
         JOIN locality_commune c ON c.locality_id = l.id AND c.valid_from <= $1 AND c.valid_to > $1 \
         JOIN org_unit cu ON cu.id = c.org_id \
         LEFT JOIN locality_service s ON s.locality_id = l.id AND s.valid_from <= $1 AND s.valid_to > $1 \
         LEFT JOIN org_unit bu ON bu.id = s.branch_id \
         LEFT JOIN locality_population p ON p.locality_id = l.id AND p.year = \
           (SELECT MAX(p2.year) FROM locality_population p2 WHERE p2.locality_id = l.id AND p2.year <= $2) \
         WHERE l.valid_from <= $1 AND l.valid_to > $1{scope} ORDER BY cu.code, l.code"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(as_of).bind(as_of.year());
    if let Some(r) = root {
        q = q.bind(r);
    }
    q.fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let year: Option<i32> = r.try_get("year")?;
            let population: Option<i64> = r.try_get("population")?;
            let branch: Option<i64> = r.try_get("branch_id")?;
            Ok(LocalityExport {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                kind: decode("locality kind", &r.try_get::<String, _>("kind")?, LocalityKind::parse)?,
                period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?),
                commune: (r.try_get("commune_id")?, r.try_get("commune_code")?, r.try_get("commune_from")?),
                population: year.zip(population).map(|(year, population)| PopulationFigure { year, population }),
                branch: match branch {
                    Some(b) => Some((b, r.try_get("branch_code")?, r.try_get("service_from")?)),
                    None => None,
                },
            })
        })
        .collect()
}

/// People (all, or those whose branch on `as_of` is under `root`) with their residence code and
/// their status on `as_of`, in Vietnamese name order.
pub async fn person_rows(pool: &Pool<DB>, root: Option<OrgId>, as_of: Date) -> Result<Vec<PersonExport>> {
    let join = if root.is_some() {
        "JOIN person_status s ON s.person_id = p.id AND s.valid_from <= $1 AND s.valid_to > $1 \
         JOIN org_closure oc ON oc.descendant_id = s.org_id AND oc.ancestor_id = $2 AND oc.valid_from <= $1 AND oc.valid_to > $1"
    } else {
        "LEFT JOIN person_status s ON s.person_id = p.id AND s.valid_from <= $1 AND s.valid_to > $1"
    };
    let order = match BACKEND {
        crate::db::Backend::Postgres => "p.sort_key COLLATE \"C\", p.id",
        crate::db::Backend::Sqlite => "p.sort_key, p.id",
    };
    let sql = format!(
        "SELECT p.id, p.cccd, p.full_name, p.sex, p.birth_date, p.ethnic_group, p.religion, p.education, p.qualification, \
         p.political_theory, p.occupation, p.youth_union, p.residence_locality_id, r.code AS residence_code, \
         s.status, s.valid_from AS status_from, b.id AS branch_id, b.code AS branch_code \
         FROM person p {join} LEFT JOIN org_unit b ON b.id = s.org_id \
         LEFT JOIN locality r ON r.id = p.residence_locality_id ORDER BY {order}"
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(as_of);
    if let Some(r) = root {
        q = q.bind(r);
    }
    q.fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let status: Option<String> = r.try_get("status")?;
            let branch: Option<i64> = r.try_get("branch_id")?;
            let branch = match branch {
                Some(b) => Some((b, r.try_get::<String, _>("branch_code")?)),
                None => None,
            };
            Ok(PersonExport {
                person: super::person::person(r)?,
                residence_code: r.try_get("residence_code")?,
                status: match status {
                    Some(s) => Some((decode("party status", &s, PartyStatus::parse)?, r.try_get("status_from")?, branch)),
                    None => None,
                },
            })
        })
        .collect()
}
