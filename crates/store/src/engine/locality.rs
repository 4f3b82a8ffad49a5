// Localities (địa bàn): creation inside a commune, moves between communes, closing, population
// by year, and the branch that serves each (chi bộ sinh hoạt ghép: at most three at once).
// Included per engine by `engine!` (see mod.rs): `DB` and `BACKEND` name the engine.

use chrono::Datelike;
use ketnap_domain::dates::OPEN_END;
use ketnap_domain::locality::{
    Locality, LocalityId, LocalityKind, NewLocality, check_commune, check_population, check_service,
};
use ketnap_domain::org::{OrgId, OrgKind, Sector};
use ketnap_domain::text::fold;
use ketnap_domain::{Date, Period, Violation};
use serde_json::json;
use sqlx::{AssertSqlSafe, Pool, Row, Transaction};

use crate::error::{Result, StoreError, decode};
use crate::model::*;

type Tx<'a> = Transaction<'a, DB>;

fn kind(s: &str) -> Result<LocalityKind> {
    decode("locality kind", s, LocalityKind::parse)
}

const LOCALITY_SQL: &str = "SELECT id, code, name, kind, valid_from, valid_to FROM locality";

fn locality(r: &<DB as sqlx::Database>::Row) -> Result<Locality> {
    Ok(Locality {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        kind: kind(&r.try_get::<String, _>("kind")?)?,
        period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?),
    })
}

fn key(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// A locality by code (case-insensitive), whatever its dates.
pub async fn by_code(pool: &Pool<DB>, code: &str) -> Result<Option<Locality>> {
    let sql = format!("{LOCALITY_SQL} WHERE code_key = $1");
    let row = sqlx::query(AssertSqlSafe(sql)).bind(key(code)).fetch_optional(pool).await?;
    row.as_ref().map(locality).transpose()
}

/// A locality by id.
pub async fn by_id(pool: &Pool<DB>, id: LocalityId) -> Result<Option<Locality>> {
    let sql = format!("{LOCALITY_SQL} WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(locality).transpose()
}

async fn load(tx: &mut Tx<'_>, id: LocalityId) -> Result<Locality> {
    let sql = format!("{LOCALITY_SQL} WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **tx).await?;
    match row {
        Some(r) => locality(&r),
        None => Err(StoreError::NotFound { what: "locality", key: id.to_string() }),
    }
}

/// What the rules need to know of an organization unit.
pub struct OrgFacts {
    pub id: OrgId,
    pub code: String,
    pub kind: OrgKind,
    pub sector: Sector,
    pub period: Period,
}

/// An organization unit's code, kind, sector and existence, inside a write transaction.
pub async fn org_facts(tx: &mut Tx<'_>, id: OrgId) -> Result<Option<OrgFacts>> {
    let Some(r) = sqlx::query("SELECT id, code, kind, sector, valid_from, valid_to FROM org_unit WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(OrgFacts {
        id,
        code: r.try_get("code")?,
        kind: decode("organization kind", &r.try_get::<String, _>("kind")?, OrgKind::parse)?,
        sector: decode("sector", &r.try_get::<String, _>("sector")?, Sector::parse)?,
        period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?),
    }))
}

/// The unit `id`, which must exist on `on`; refusals name `field`.
pub async fn org_on(tx: &mut Tx<'_>, id: OrgId, on: Date, field: &str) -> Result<OrgFacts> {
    match org_facts(tx, id).await? {
        Some(f) if f.period.contains(on) => Ok(f),
        Some(f) => Err(Violation::new(
            field,
            "org.unit.exists_at",
            format!("{} does not exist on {on} (it exists {})", f.code, f.period),
        )
        .into()),
        None => Err(Violation::new(field, "org.unit.unknown", format!("no organization with id {id}")).into()),
    }
}

fn exists_on(l: &Locality, on: Date, field: &str) -> Result<()> {
    if l.period.contains(on) {
        Ok(())
    } else {
        Err(Violation::new(
            field,
            "locality.exists_at",
            format!("locality {} does not exist on {on} (it exists {})", l.code, l.period),
        )
        .into())
    }
}

/// The latest start of the locality's spells in `tables` (changes of one kind apply in date
/// order: a move after the last move, a service change after the last service change).
async fn last_change(tx: &mut Tx<'_>, id: LocalityId, tables: &[&str]) -> Result<Option<Date>> {
    let mut last = None;
    for table in tables {
        let sql = format!("SELECT MAX(valid_from) FROM {table} WHERE locality_id = $1");
        let d: Option<Date> = sqlx::query_scalar(AssertSqlSafe(sql)).bind(id).fetch_one(&mut **tx).await?;
        last = last.max(d);
    }
    Ok(last)
}

fn in_order(l: &Locality, last: Option<Date>, date: Date, field: &str) -> Result<()> {
    match last {
        Some(d) if date <= d => Err(Violation::new(
            field,
            "locality.date.in_order",
            format!(
                "locality {} already has a change recorded from {d}; changes apply in date order, so {date} must be later",
                l.code
            ),
        )
        .into()),
        _ => Ok(()),
    }
}

fn detail(v: serde_json::Value) -> String {
    v.to_string()
}

/// Creates a locality inside a commune-level committee; returns its id.
pub async fn create_in(tx: &mut Tx<'_>, new: &NewLocality, actor: &str) -> Result<LocalityId> {
    new.validate()?;
    let code = new.code.trim();
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM locality WHERE code_key = $1")
        .bind(key(code))
        .fetch_one(&mut **tx)
        .await?;
    if taken > 0 {
        return Err(Violation::new(
            "code",
            "locality.code.unique",
            format!("locality code {code} is already used (codes are never reused)"),
        )
        .into());
    }
    let commune = org_on(tx, new.commune, new.from, "commune").await?;
    check_commune(&commune.code, commune.kind, commune.sector)?;
    let name = new.name.trim();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO locality (code, code_key, name, search_key, kind, valid_from, valid_to) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(code)
    .bind(key(code))
    .bind(name)
    .bind(fold(name))
    .bind(new.kind.as_str())
    .bind(new.from)
    .bind(OPEN_END)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO locality_commune (locality_id, org_id, valid_from, valid_to) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(commune.id)
        .bind(new.from)
        .bind(OPEN_END)
        .execute(&mut **tx)
        .await?;
    super::coverage_agg::refresh(tx, &[id]).await?;
    let after = json!({"code": code, "name": name, "kind": new.kind.as_str(), "commune": commune.code, "from": new.from});
    super::audit::record_in(tx, actor, "locality.create", "locality", code, &detail(json!({"before": null, "after": after})))
        .await?;
    Ok(id)
}

/// Corrects a locality's name and kind (they are not dated); returns whether anything changed.
pub async fn update_in(tx: &mut Tx<'_>, id: LocalityId, name: &str, new_kind: LocalityKind, actor: &str) -> Result<bool> {
    ketnap_domain::locality::check_locality_name(name)?;
    let l = load(tx, id).await?;
    let name = name.trim();
    if l.name == name && l.kind == new_kind {
        return Ok(false);
    }
    sqlx::query("UPDATE locality SET name = $1, search_key = $2, kind = $3 WHERE id = $4")
        .bind(name)
        .bind(fold(name))
        .bind(new_kind.as_str())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if l.kind != new_kind {
        super::coverage_agg::refresh(tx, &[id]).await?;
    }
    let d = json!({"before": {"name": l.name, "kind": l.kind.as_str()}, "after": {"name": name, "kind": new_kind.as_str()}});
    super::audit::record_in(tx, actor, "locality.update", "locality", &l.code, &detail(d)).await?;
    Ok(true)
}

/// Moves a locality to another commune from `from` (the 2025 reform moved villages).
pub async fn move_in(tx: &mut Tx<'_>, id: LocalityId, commune: OrgId, from: Date, actor: &str) -> Result<()> {
    let l = load(tx, id).await?;
    exists_on(&l, from, "from")?;
    let last = last_change(tx, id, &["locality_commune"]).await?;
    in_order(&l, last, from, "from")?;
    let target = org_on(tx, commune, from, "commune").await?;
    check_commune(&target.code, target.kind, target.sector)?;
    let current: Option<(i64, String)> = sqlx::query(
        "SELECT c.org_id, u.code FROM locality_commune c JOIN org_unit u ON u.id = c.org_id \
         WHERE c.locality_id = $1 AND c.valid_from <= $2 AND c.valid_to > $2",
    )
    .bind(id)
    .bind(from)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| Ok::<_, sqlx::Error>((r.try_get("org_id")?, r.try_get("code")?)))
    .transpose()?;
    if current.as_ref().is_some_and(|(c, _)| *c == commune) {
        return Err(Violation::new(
            "commune",
            "locality.move.same_commune",
            format!("locality {} is already in {} on {from}", l.code, target.code),
        )
        .into());
    }
    sqlx::query("UPDATE locality_commune SET valid_to = $1 WHERE locality_id = $2 AND valid_from < $1 AND valid_to > $1")
        .bind(from)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO locality_commune (locality_id, org_id, valid_from, valid_to) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(commune)
        .bind(from)
        .bind(l.period.end_or_max())
        .execute(&mut **tx)
        .await?;
    super::coverage_agg::refresh(tx, &[id]).await?;
    let d = json!({"before": {"commune": current.map(|c| c.1)}, "after": {"commune": target.code, "from": from}});
    super::audit::record_in(tx, actor, "locality.move", "locality", &l.code, &detail(d)).await?;
    Ok(())
}

/// Ends a locality's existence (and its commune and service spells) on `at`.
pub async fn close_in(tx: &mut Tx<'_>, id: LocalityId, at: Date, actor: &str) -> Result<()> {
    let l = load(tx, id).await?;
    if !l.period.is_open() {
        return Err(Violation::new("at", "locality.close.closed", format!("locality {} already ended ({})", l.code, l.period)).into());
    }
    if at <= l.period.from {
        return Err(Violation::new(
            "at",
            "period.order",
            format!("end date {at} must be after the locality's start {}", l.period.from),
        )
        .into());
    }
    let last = last_change(tx, id, &["locality_commune", "locality_service"]).await?;
    in_order(&l, last, at, "at")?;
    sqlx::query("UPDATE locality SET valid_to = $1 WHERE id = $2").bind(at).bind(id).execute(&mut **tx).await?;
    for table in ["locality_commune", "locality_service"] {
        let sql = format!("UPDATE {table} SET valid_to = $1 WHERE locality_id = $2 AND valid_to > $1");
        sqlx::query(AssertSqlSafe(sql)).bind(at).bind(id).execute(&mut **tx).await?;
    }
    super::coverage_agg::locality_changed(tx, id).await?;
    let d = json!({"before": {"period": l.period}, "after": {"period": Period { from: l.period.from, to: Some(at) }}});
    super::audit::record_in(tx, actor, "locality.close", "locality", &l.code, &detail(d)).await?;
    Ok(())
}

/// Records the population of a year (replacing a figure recorded for that year).
pub async fn set_population_in(tx: &mut Tx<'_>, id: LocalityId, year: i32, population: i64, actor: &str) -> Result<()> {
    check_population(year, population)?;
    let l = load(tx, id).await?;
    let before: Option<i64> = sqlx::query_scalar("SELECT population FROM locality_population WHERE locality_id = $1 AND year = $2")
        .bind(id)
        .bind(year)
        .fetch_optional(&mut **tx)
        .await?;
    if before.is_some() {
        sqlx::query("UPDATE locality_population SET population = $1 WHERE locality_id = $2 AND year = $3")
            .bind(population)
            .bind(id)
            .bind(year)
            .execute(&mut **tx)
            .await?;
    } else {
        sqlx::query("INSERT INTO locality_population (locality_id, year, population) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(year)
            .bind(population)
            .execute(&mut **tx)
            .await?;
    }
    let d = json!({"year": year, "before": before, "after": population});
    super::audit::record_in(tx, actor, "locality.population", "locality", &l.code, &detail(d)).await?;
    Ok(())
}

/// The most localities other than `except` that `branch` serves at once during `[from, to)`.
async fn served_at_once(tx: &mut Tx<'_>, branch: OrgId, except: LocalityId, from: Date, to: Date) -> Result<usize> {
    let spells: Vec<(Date, Date)> = sqlx::query(
        "SELECT valid_from, valid_to FROM locality_service WHERE branch_id = $1 AND locality_id <> $2 \
         AND valid_to > $3 AND valid_from < $4",
    )
    .bind(branch)
    .bind(except)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("valid_from")?, r.try_get("valid_to")?)))
    .collect::<Result<_>>()?;
    // The count can only rise where a spell starts: check `from` and every later start.
    let points = std::iter::once(from).chain(spells.iter().map(|s| s.0).filter(|d| *d > from));
    Ok(points.map(|t| spells.iter().filter(|(a, b)| *a <= t && t < *b).count()).max().unwrap_or(0))
}

/// Makes `branch` serve the locality from `from` (ending the current service), or, with
/// `None`, stops the current service on `from`.
pub async fn set_service_in(tx: &mut Tx<'_>, id: LocalityId, branch: Option<OrgId>, from: Date, actor: &str) -> Result<()> {
    let l = load(tx, id).await?;
    exists_on(&l, from, "from")?;
    let last = last_change(tx, id, &["locality_service"]).await?;
    in_order(&l, last, from, "from")?;
    let current: Option<(i64, String)> = sqlx::query(
        "SELECT s.branch_id, u.code FROM locality_service s JOIN org_unit u ON u.id = s.branch_id \
         WHERE s.locality_id = $1 AND s.valid_from <= $2 AND s.valid_to > $2",
    )
    .bind(id)
    .bind(from)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| Ok::<_, sqlx::Error>((r.try_get("branch_id")?, r.try_get("code")?)))
    .transpose()?;
    let after = match branch {
        Some(b) => {
            let f = org_on(tx, b, from, "branch").await?;
            if current.as_ref().is_some_and(|(c, _)| *c == b) {
                return Err(Violation::new(
                    "branch",
                    "locality.service.same",
                    format!("{} already serves locality {} on {from}", f.code, l.code),
                )
                .into());
            }
            let end = l.period.end_or_max().min(f.period.end_or_max());
            let n = served_at_once(tx, b, id, from, end).await?;
            check_service(&f.code, f.kind, n)?;
            Some((f.id, f.code, end))
        }
        None if current.is_none() => {
            return Err(Violation::new(
                "branch",
                "locality.service.none",
                format!("no branch serves locality {} on {from}", l.code),
            )
            .into());
        }
        None => None,
    };
    sqlx::query("UPDATE locality_service SET valid_to = $1 WHERE locality_id = $2 AND valid_from < $1 AND valid_to > $1")
        .bind(from)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if let Some((b, _, end)) = &after {
        sqlx::query("INSERT INTO locality_service (locality_id, branch_id, valid_from, valid_to) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(*b)
            .bind(from)
            .bind(*end)
            .execute(&mut **tx)
            .await?;
    }
    super::coverage_agg::locality_changed(tx, id).await?;
    let d = json!({"from": from, "before": {"branch": current.map(|c| c.1)}, "after": {"branch": after.map(|a| a.1)}});
    super::audit::record_in(tx, actor, "locality.service", "locality", &l.code, &detail(d)).await?;
    Ok(())
}

/// Runs one write in its own transaction.
macro_rules! in_tx {
    ($pool:expr, $tx:ident => $body:expr) => {{
        let mut $tx = super::org::begin_write($pool).await?;
        let out = $body;
        $tx.commit().await?;
        Ok(out)
    }};
}

pub async fn create(pool: &Pool<DB>, new: &NewLocality, actor: &str) -> Result<LocalityId> {
    in_tx!(pool, tx => create_in(&mut tx, new, actor).await?)
}

pub async fn update(pool: &Pool<DB>, id: LocalityId, name: &str, kind: LocalityKind, actor: &str) -> Result<bool> {
    in_tx!(pool, tx => update_in(&mut tx, id, name, kind, actor).await?)
}

pub async fn move_to(pool: &Pool<DB>, id: LocalityId, commune: OrgId, from: Date, actor: &str) -> Result<()> {
    in_tx!(pool, tx => move_in(&mut tx, id, commune, from, actor).await?)
}

pub async fn close(pool: &Pool<DB>, id: LocalityId, at: Date, actor: &str) -> Result<()> {
    in_tx!(pool, tx => close_in(&mut tx, id, at, actor).await?)
}

pub async fn set_population(pool: &Pool<DB>, id: LocalityId, year: i32, population: i64, actor: &str) -> Result<()> {
    in_tx!(pool, tx => set_population_in(&mut tx, id, year, population, actor).await?)
}

pub async fn set_service(pool: &Pool<DB>, id: LocalityId, branch: Option<OrgId>, from: Date, actor: &str) -> Result<()> {
    in_tx!(pool, tx => set_service_in(&mut tx, id, branch, from, actor).await?)
}

fn org_ref_opt(r: &<DB as sqlx::Database>::Row, id: &str, code: &str, name: &str) -> Result<Option<OrgRef>> {
    let id: Option<i64> = r.try_get(id)?;
    Ok(match id {
        Some(id) => Some(OrgRef { id, code: r.try_get(code)?, name: r.try_get(name)? }),
        None => None,
    })
}

/// Localities lying, on `as_of`, in a commune under `org` (itself included: a commune gives
/// its own localities), with the latest population up to that year and the serving branch.
/// One indexed read of the closure table.
pub async fn in_org(pool: &Pool<DB>, org: OrgId, as_of: Date) -> Result<Vec<LocalityView>> {
    let rows = sqlx::query(
        "SELECT l.id, l.code, l.name, l.kind, l.valid_from, l.valid_to, \
         cu.id AS commune_id, cu.code AS commune_code, cu.name AS commune_name, \
         bu.id AS branch_id, bu.code AS branch_code, bu.name AS branch_name, p.year, p.population \
         FROM org_closure oc \
         JOIN locality_commune c ON c.org_id = oc.descendant_id AND c.valid_from <= $2 AND c.valid_to > $2 \
         JOIN locality l ON l.id = c.locality_id AND l.valid_from <= $2 AND l.valid_to > $2 \
         JOIN org_unit cu ON cu.id = c.org_id \
         LEFT JOIN locality_service s ON s.locality_id = l.id AND s.valid_from <= $2 AND s.valid_to > $2 \
         LEFT JOIN org_unit bu ON bu.id = s.branch_id \
         LEFT JOIN locality_population p ON p.locality_id = l.id AND p.year = \
           (SELECT MAX(p2.year) FROM locality_population p2 WHERE p2.locality_id = l.id AND p2.year <= $3) \
         WHERE oc.ancestor_id = $1 AND oc.valid_from <= $2 AND oc.valid_to > $2 \
         ORDER BY cu.code, l.code",
    )
    .bind(org)
    .bind(as_of)
    .bind(as_of.year())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let l = locality(r)?;
            let year: Option<i32> = r.try_get("year")?;
            let population: Option<i64> = r.try_get("population")?;
            Ok(LocalityView {
                id: l.id,
                code: l.code,
                name: l.name,
                kind: l.kind,
                period: l.period,
                commune: OrgRef { id: r.try_get("commune_id")?, code: r.try_get("commune_code")?, name: r.try_get("commune_name")? },
                population: year.zip(population).map(|(year, population)| PopulationFigure { year, population }),
                branch: org_ref_opt(r, "branch_id", "branch_code", "branch_name")?,
            })
        })
        .collect()
}

async fn spells(pool: &Pool<DB>, table: &str, col: &str, id: LocalityId) -> Result<Vec<OrgSpell>> {
    let sql = format!(
        "SELECT u.id, u.code, u.name, t.valid_from, t.valid_to FROM {table} t JOIN org_unit u ON u.id = t.{col} \
         WHERE t.locality_id = $1 ORDER BY t.valid_from"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(OrgSpell {
                org: OrgRef { id: r.try_get("id")?, code: r.try_get("code")?, name: r.try_get("name")? },
                period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?),
            })
        })
        .collect()
}

/// Everything recorded about a locality: its communes, population by year, serving branches.
pub async fn history(pool: &Pool<DB>, id: LocalityId) -> Result<Option<LocalityHistory>> {
    let Some(l) = by_id(pool, id).await? else { return Ok(None) };
    let communes = spells(pool, "locality_commune", "org_id", id).await?;
    let service = spells(pool, "locality_service", "branch_id", id).await?;
    let populations = sqlx::query("SELECT year, population FROM locality_population WHERE locality_id = $1 ORDER BY year")
        .bind(id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok(PopulationFigure { year: r.try_get("year")?, population: r.try_get("population")? }))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(LocalityHistory { locality: l, communes, populations, service }))
}
