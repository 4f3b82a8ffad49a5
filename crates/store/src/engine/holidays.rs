// The working-day calendar (`holiday`: the shipped years loaded on first use, then edited by
// administrators) and the difficult-area designations. Included per engine by `engine!`.

use std::collections::BTreeSet;

use chrono::{Datelike, Utc};
use ketnap_domain::calendar::{Calendar, Holiday, HolidayKind};
use ketnap_domain::org::OrgId;
use ketnap_domain::{Date, Period, Violation};
use serde_json::json;
use sqlx::{Pool, Row, Transaction};

use crate::error::{Result, decode};
use crate::model::OrgRef;
use crate::pipeline_api::{DifficultArea, HolidayEntry, shipped_holidays};

type Tx<'a> = Transaction<'a, DB>;

/// The actor of writes ketnap makes on its own (loading the shipped calendar).
const SYSTEM: &str = "ketnap";

fn entry(r: &<DB as sqlx::Database>::Row) -> Result<HolidayEntry> {
    Ok(HolidayEntry {
        holiday: Holiday {
            date: r.try_get("date")?,
            name: r.try_get("name")?,
            kind: decode(
                "holiday kind",
                &r.try_get::<String, _>("kind")?,
                HolidayKind::parse,
            )?,
        },
        source: r.try_get("source")?,
        updated_by: r.try_get("updated_by")?,
    })
}

async fn load<'e, E>(e: E) -> Result<Vec<HolidayEntry>>
where
    E: sqlx::Executor<'e, Database = DB>,
{
    sqlx::query("SELECT date, name, kind, source, updated_by FROM holiday ORDER BY date")
        .fetch_all(e)
        .await?
        .iter()
        .map(entry)
        .collect()
}

/// Shipped days of the years the table has nothing of (every year has days off, so a year
/// without any row was never loaded).
fn missing(rows: &[HolidayEntry]) -> Vec<&'static Holiday> {
    let years: BTreeSet<i32> = rows.iter().map(|h| h.holiday.date.year()).collect();
    shipped_holidays()
        .iter()
        .filter(|h| !years.contains(&h.date.year()))
        .collect()
}

async fn seed_in(tx: &mut Tx<'_>, days: &[&Holiday]) -> Result<()> {
    if days.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    for h in days {
        sqlx::query(
            "INSERT INTO holiday (date, name, kind, source, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (date) DO NOTHING",
        )
        .bind(h.date)
        .bind(&h.name)
        .bind(h.kind.as_str())
        .bind("shipped")
        .bind(SYSTEM)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    bump(tx).await?;
    let years: BTreeSet<i32> = days.iter().map(|h| h.date.year()).collect();
    let key = years
        .iter()
        .map(|y| y.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let detail = json!({"source": "data/holidays.csv", "years": years, "days": days.len()});
    super::audit::record_in(
        tx,
        SYSTEM,
        "holiday.seed",
        "holiday",
        &key,
        &detail.to_string(),
    )
    .await
}

/// The calendar's version token (migration 0014); none before the first day was written.
async fn token<'e, E>(e: E) -> Result<Option<String>>
where
    E: sqlx::Executor<'e, Database = DB>,
{
    Ok(sqlx::query_scalar("SELECT token FROM holiday_version WHERE id = 1")
        .fetch_optional(e)
        .await?)
}

/// The calendar kept for `token`, if any.
pub fn cached(token: &Option<String>) -> Option<Calendar> {
    token.as_deref().and_then(crate::calendar_cache::get)
}

/// Keeps the calendar read under `token` (when the database has one).
fn keep(token: Option<String>, cal: &Calendar) {
    if let Some(t) = token {
        crate::calendar_cache::put(t, cal.clone());
    }
}

/// Gives the calendar a new version token (in the transaction of a write to `holiday`).
async fn bump(tx: &mut Tx<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO holiday_version (id, token) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET token = excluded.token",
    )
    .bind(crate::auth_api::random_token()?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The calendar inside a write transaction (loading shipped years the table lacks): the one
/// kept for the current token, else read and kept.
pub async fn calendar_in(tx: &mut Tx<'_>) -> Result<Calendar> {
    let t = token(&mut **tx).await?;
    if let Some(cal) = cached(&t) {
        return Ok(cal);
    }
    let mut rows = load(&mut **tx).await?;
    let m = missing(&rows);
    let t = if m.is_empty() {
        t
    } else {
        seed_in(tx, &m).await?;
        rows = load(&mut **tx).await?;
        token(&mut **tx).await?
    };
    let cal = Calendar::new(&rows.into_iter().map(|e| e.holiday).collect::<Vec<_>>());
    // Kept under a token that exists only if the transaction commits; otherwise unused.
    keep(t, &cal);
    Ok(cal)
}

/// The calendar (a write transaction only when shipped years must be loaded first).
pub async fn calendar(pool: &Pool<DB>) -> Result<Calendar> {
    let t = token(pool).await?;
    if let Some(cal) = cached(&t) {
        return Ok(cal);
    }
    let rows = load(pool).await?;
    if missing(&rows).is_empty() {
        let cal = Calendar::new(&rows.into_iter().map(|e| e.holiday).collect::<Vec<_>>());
        keep(t, &cal);
        return Ok(cal);
    }
    let mut tx = super::org::begin_write(pool).await?;
    let cal = calendar_in(&mut tx).await?;
    tx.commit().await?;
    Ok(cal)
}

/// The days of one year, or all.
pub async fn list(pool: &Pool<DB>, year: Option<i32>) -> Result<Vec<HolidayEntry>> {
    calendar(pool).await?;
    let rows = load(pool).await?;
    Ok(rows
        .into_iter()
        .filter(|h| year.is_none_or(|y| h.holiday.date.year() == y))
        .collect())
}

async fn one(tx: &mut Tx<'_>, date: Date) -> Result<Option<HolidayEntry>> {
    let r = sqlx::query("SELECT date, name, kind, source, updated_by FROM holiday WHERE date = $1")
        .bind(date)
        .fetch_optional(&mut **tx)
        .await?;
    r.as_ref().map(entry).transpose()
}

/// Adds or changes one day (source `admin`).
pub async fn upsert(pool: &Pool<DB>, h: &Holiday, actor: &str) -> Result<()> {
    let name = h.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Violation::new(
            "name",
            "holiday.name",
            "a holiday needs a name of 1–120 characters",
        )
        .into());
    }
    let mut tx = super::org::begin_write(pool).await?;
    // Shipped years first, so that an edit does not stop the rest of its year from loading.
    calendar_in(&mut tx).await?;
    let before = one(&mut tx, h.date).await?;
    sqlx::query(
        "INSERT INTO holiday (date, name, kind, source, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (date) DO UPDATE SET name = excluded.name, kind = excluded.kind, source = excluded.source, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(h.date)
    .bind(name)
    .bind(h.kind.as_str())
    .bind("admin")
    .bind(actor)
    .bind(Utc::now())
    .execute(&mut *tx)
    .await?;
    bump(&mut tx).await?;
    let detail = json!({
        "before": before.map(|b| b.holiday),
        "after": {"date": h.date, "name": name, "kind": h.kind.as_str()},
    });
    super::audit::record_in(
        &mut tx,
        actor,
        "holiday.set",
        "holiday",
        &h.date.to_string(),
        &detail.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes one day; returns whether it was there.
pub async fn delete(pool: &Pool<DB>, date: Date, actor: &str) -> Result<bool> {
    let mut tx = super::org::begin_write(pool).await?;
    calendar_in(&mut tx).await?;
    let Some(before) = one(&mut tx, date).await? else {
        return Ok(false);
    };
    sqlx::query("DELETE FROM holiday WHERE date = $1")
        .bind(date)
        .execute(&mut *tx)
        .await?;
    bump(&mut tx).await?;
    let detail = json!({"before": before.holiday, "after": null});
    super::audit::record_in(
        &mut tx,
        actor,
        "holiday.delete",
        "holiday",
        &date.to_string(),
        &detail.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Designates a unit as a difficult area over `period`.
pub async fn difficult_set(
    pool: &Pool<DB>,
    org: OrgId,
    period: Period,
    basis: &str,
    actor: &str,
) -> Result<()> {
    let basis = basis.trim();
    if basis.is_empty() {
        return Err(Violation::new(
            "basis",
            "difficult_area.basis",
            "name the decision that designates the area",
        )
        .into());
    }
    if let Some(to) = period.to
        && to <= period.from
    {
        return Err(Violation::new(
            "to",
            "period.order",
            format!("end date {to} must be after start date {}", period.from),
        )
        .into());
    }
    let mut tx = super::org::begin_write(pool).await?;
    let f = super::locality::org_on(&mut tx, org, period.from, "org").await?;
    let overlapping: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM difficult_area WHERE org_id = $1 AND valid_from < $2 AND valid_to > $3",
    )
    .bind(org)
    .bind(period.end_or_max())
    .bind(period.from)
    .fetch_one(&mut *tx)
    .await?;
    if overlapping > 0 {
        return Err(Violation::new(
            "from",
            "difficult_area.overlap",
            format!("{} is already designated over part of {period}", f.code),
        )
        .into());
    }
    sqlx::query(
        "INSERT INTO difficult_area (org_id, valid_from, valid_to, basis) VALUES ($1, $2, $3, $4)",
    )
    .bind(org)
    .bind(period.from)
    .bind(period.end_or_max())
    .bind(basis)
    .execute(&mut *tx)
    .await?;
    let detail = json!({"org": f.code, "period": period, "basis": basis});
    super::audit::record_in(
        &mut tx,
        actor,
        "difficult_area.set",
        "org_unit",
        &org.to_string(),
        &detail.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The designations in force on `as_of`.
pub async fn difficult_list(pool: &Pool<DB>, as_of: Date) -> Result<Vec<DifficultArea>> {
    sqlx::query(
        "SELECT u.id, u.code, u.name, d.valid_from, d.valid_to, d.basis FROM difficult_area d JOIN org_unit u ON u.id = d.org_id \
         WHERE d.valid_from <= $1 AND d.valid_to > $1 ORDER BY u.code_key",
    )
    .bind(as_of)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(DifficultArea {
            org: OrgRef { id: r.try_get("id")?, code: r.try_get("code")?, name: r.try_get("name")? },
            period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?),
            basis: r.try_get("basis")?,
        })
    })
    .collect()
}

/// Whether `unit` (a residence commune or a branch) or any unit above it on `date` is a
/// designated difficult area or a special zone (đặc khu: an island).
pub async fn difficult_in(tx: &mut Tx<'_>, unit: OrgId, date: Date) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM org_closure oc JOIN org_unit u ON u.id = oc.ancestor_id \
         WHERE oc.descendant_id = $1 AND oc.valid_from <= $2 AND oc.valid_to > $2 \
         AND (u.sector = $3 OR EXISTS (SELECT 1 FROM difficult_area d WHERE d.org_id = oc.ancestor_id \
         AND d.valid_from <= $2 AND d.valid_to > $2))",
    )
    .bind(unit)
    .bind(date)
    .bind(ketnap_domain::org::Sector::SpecialZone.as_str())
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}
