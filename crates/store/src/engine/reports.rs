// Report facts (issue C items 4–6): admissions and recognitions with the person's
// characteristics, members by child unit, localities with their service. Included per engine.
//
// Structure (docs/decisions.md §13): *as was* joins the fact's branch to `org_closure` with the
// closure row valid on the fact's date; *re-based* maps the branch to its `heir_id` (the
// current unit holding its history) and joins the heir to the closure valid today. Both start
// with an index range on `org_closure (ancestor_id, valid_from, …)` and reach the facts through
// `person_status (org_id, valid_from)` / `org_unit (heir_id)` / `locality_commune (org_id, …)`.

use ketnap_domain::Date;
use ketnap_domain::locality::LocalityKind;
use ketnap_domain::org::OrgId;
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PoliticalTheory, ProfessionalQualification,
    Religion, Sex,
};
use ketnap_domain::reports::{EventFact, LocalityFact, Structure, UnitCounts};
use sqlx::{AssertSqlSafe, Pool, Row};

use crate::error::{Result, StoreError};

fn decode<T>(what: &str, v: &str, f: fn(&str) -> Option<T>) -> Result<T> {
    f(v).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} code in a person record")))
}

/// The person's characteristics, after the `date` column.
const FACT_COLS: &str = "p.sex, p.birth_date, p.ethnic_group, p.religion, p.education, \
     p.qualification, p.political_theory, p.occupation, p.youth_union";

/// `FROM … WHERE` joining the closure of `$1` to the branches: `s` is the status spell, the
/// closure row is valid on `date_expr` (as was) or on `$4` = today through the heir (re-based).
fn unit_join(structure: Structure, date_expr: &str, today: &str) -> String {
    match structure {
        Structure::AsWas => format!(
            "org_closure c JOIN person_status s ON s.org_id = c.descendant_id \
             AND c.valid_from <= {date_expr} AND c.valid_to > {date_expr}"
        ),
        Structure::Rebased => format!(
            "org_closure c JOIN org_unit h ON h.heir_id = c.descendant_id \
             JOIN person_status s ON s.org_id = h.id AND c.valid_from <= {today} AND c.valid_to > {today}"
        ),
    }
}

/// Admissions (`recognitions = false`: a `probationary` spell not following a `probationary`
/// or `transferred_out` spell — those are moves and transfers in) or recognitions (an
/// `official` spell directly following a `probationary` one) under `org`, the spell starting
/// in `[from, to)`.
pub async fn events(
    pool: &Pool<DB>,
    org: OrgId,
    from: Date,
    to: Date,
    today: Date,
    structure: Structure,
    recognitions: bool,
) -> Result<Vec<EventFact>> {
    let (status, before, prior) = if recognitions {
        ("official", "EXISTS", "q.status = 'probationary'")
    } else {
        (
            "probationary",
            "NOT EXISTS",
            "q.status IN ('probationary', 'transferred_out')",
        )
    };
    let sql = format!(
        "SELECT s.valid_from AS date, {FACT_COLS} FROM {units} JOIN person p ON p.id = s.person_id \
         WHERE c.ancestor_id = $1 AND s.status = '{status}' AND s.valid_from >= $2 AND s.valid_from < $3 \
         AND {before} (SELECT 1 FROM person_status q WHERE q.person_id = s.person_id \
         AND q.valid_to = s.valid_from AND {prior})",
        units = unit_join(structure, "s.valid_from", "$4"),
    );
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(org)
        .bind(from)
        .bind(to);
    if structure == Structure::Rebased {
        q = q.bind(today);
    }
    q.fetch_all(pool).await?.iter().map(fact).collect()
}

/// An [`EventFact`] from a row of `FACT_COLS` (`date` = the day counted).
fn fact(r: &<DB as sqlx::Database>::Row) -> Result<EventFact> {
    Ok(EventFact {
        date: r.try_get("date")?,
        sex: decode("sex", &r.try_get::<String, _>("sex")?, Sex::parse)?,
        birth_date: r.try_get("birth_date")?,
        ethnic_group: decode(
            "ethnic group",
            &r.try_get::<String, _>("ethnic_group")?,
            EthnicGroup::parse,
        )?,
        religion: decode(
            "religion",
            &r.try_get::<String, _>("religion")?,
            Religion::parse,
        )?,
        education: decode(
            "education",
            &r.try_get::<String, _>("education")?,
            GeneralEducation::parse,
        )?,
        qualification: decode(
            "qualification",
            &r.try_get::<String, _>("qualification")?,
            ProfessionalQualification::parse,
        )?,
        political_theory: decode(
            "political theory",
            &r.try_get::<String, _>("political_theory")?,
            PoliticalTheory::parse,
        )?,
        occupation: decode(
            "occupation",
            &r.try_get::<String, _>("occupation")?,
            Occupation::parse,
        )?,
        youth_union: r.try_get("youth_union")?,
    })
}

/// Candidates (quần chúng ưu tú on a source list: a `candidate` spell) under `org` on `on`,
/// with `on` as their date (their age is counted on it).
pub async fn candidates(
    pool: &Pool<DB>,
    org: OrgId,
    on: Date,
    today: Date,
    structure: Structure,
) -> Result<Vec<EventFact>> {
    let sql = format!(
        "SELECT s.valid_from AS date, {FACT_COLS} FROM {units} JOIN person p ON p.id = s.person_id \
         WHERE c.ancestor_id = $1 AND s.status = 'candidate' AND s.valid_from <= $2 AND s.valid_to > $2",
        units = unit_join(structure, "$2", "$3"),
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org).bind(on);
    if structure == Structure::Rebased {
        q = q.bind(today);
    }
    q.fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let mut f = fact(r)?;
            f.date = on;
            Ok(f)
        })
        .collect()
}

/// The units a membership report has one row for: the children of `org` on `on` (as was) or
/// today (re-based); the unit itself when it has none. (id, code, name), by code.
pub async fn report_units(
    pool: &Pool<DB>,
    org: OrgId,
    on: Date,
) -> Result<Vec<(OrgId, String, String)>> {
    let rows = sqlx::query(
        "SELECT u.id, u.code, u.name FROM org_closure k JOIN org_unit u ON u.id = k.descendant_id \
         WHERE k.ancestor_id = $1 AND k.depth = 1 AND k.valid_from <= $2 AND k.valid_to > $2 ORDER BY u.code",
    )
    .bind(org)
    .bind(on)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("code")?, r.try_get("name")?)))
        .collect()
}

/// Members on `as_of` under each of `units` (re-based: through the heir, structure of `today`).
pub async fn member_counts(
    pool: &Pool<DB>,
    units: &[(OrgId, String, String)],
    as_of: Date,
    today: Date,
    structure: Structure,
) -> Result<Vec<UnitCounts>> {
    let mut out = Vec::with_capacity(units.len());
    // The unit structure is read on `$3`: the date itself (as was) or today (re-based).
    let (join, on) = match structure {
        Structure::AsWas => ("JOIN person_status s ON s.org_id = c.descendant_id", as_of),
        Structure::Rebased => (
            "JOIN org_unit h ON h.heir_id = c.descendant_id JOIN person_status s ON s.org_id = h.id",
            today,
        ),
    };
    let members = format!(
        "SELECT \
         COALESCE(SUM(CASE WHEN s.status = 'probationary' THEN 1 ELSE 0 END), 0) AS probationary, \
         COALESCE(SUM(CASE WHEN s.status = 'official' THEN 1 ELSE 0 END), 0) AS official, \
         COALESCE(SUM(CASE WHEN p.sex = 'female' THEN 1 ELSE 0 END), 0) AS women, \
         COALESCE(SUM(CASE WHEN p.ethnic_group <> '01' THEN 1 ELSE 0 END), 0) AS minority, \
         COALESCE(SUM(CASE WHEN p.religion <> 'none' THEN 1 ELSE 0 END), 0) AS religious \
         FROM org_closure c {join} JOIN person p ON p.id = s.person_id \
         WHERE c.ancestor_id = $1 AND c.valid_from <= $3 AND c.valid_to > $3 \
         AND s.valid_from <= $2 AND s.valid_to > $2 AND s.status IN ('probationary', 'official')"
    );
    let cjoin = match structure {
        Structure::AsWas => "JOIN locality_commune lc ON lc.org_id = c.descendant_id",
        Structure::Rebased => {
            "JOIN org_unit h ON h.heir_id = c.descendant_id JOIN locality_commune lc ON lc.org_id = h.id"
        }
    };
    let population = format!(
        "SELECT CAST(SUM(lp.population) AS BIGINT) AS population FROM org_closure c {cjoin} \
         JOIN locality_population lp ON lp.locality_id = lc.locality_id \
         WHERE c.ancestor_id = $1 AND c.valid_from <= $3 AND c.valid_to > $3 \
         AND lc.valid_from <= $2 AND lc.valid_to > $2 \
         AND lp.year = (SELECT MAX(y.year) FROM locality_population y WHERE y.locality_id = lc.locality_id AND y.year <= $4)"
    );
    let year: i32 = chrono::Datelike::year(&as_of);
    for (id, code, name) in units {
        let r = sqlx::query(AssertSqlSafe(members.clone()))
            .bind(*id)
            .bind(as_of)
            .bind(on)
            .fetch_one(pool)
            .await?;
        let pop: Option<i64> = sqlx::query_scalar(AssertSqlSafe(population.clone()))
            .bind(*id)
            .bind(as_of)
            .bind(on)
            .bind(year)
            .fetch_one(pool)
            .await?;
        out.push(UnitCounts {
            code: code.clone(),
            name: name.clone(),
            probationary: r.try_get("probationary")?,
            official: r.try_get("official")?,
            women: r.try_get("women")?,
            ethnic_minority: r.try_get("minority")?,
            religious: r.try_get("religious")?,
            population: pop,
        });
    }
    Ok(out)
}

/// The localities of the communes under `org` on `as_of` (re-based: communes whose heir is
/// under `org` today), one fact each: its resident members, its serving branch (the id only
/// matters, and is only exact, for a branch serving several) and how many localities that
/// branch serves on the date.
pub async fn locality_facts(
    pool: &Pool<DB>,
    org: OrgId,
    as_of: Date,
    today: Date,
    structure: Structure,
) -> Result<Vec<LocalityFact>> {
    let (cjoin, on) = match structure {
        Structure::AsWas => (
            "JOIN locality_commune lc ON lc.org_id = c.descendant_id",
            as_of,
        ),
        Structure::Rebased => (
            "JOIN org_unit h ON h.heir_id = c.descendant_id JOIN locality_commune lc ON lc.org_id = h.id",
            today,
        ),
    };
    // On SQLite, localities with the same facts come back as one row with their number (its
    // driver hands rows over one by one, and a province has thousands of localities: 32 → 24 ms
    // for T14); a branch's id is kept where the report needs it, for a branch serving several
    // localities. PostgreSQL sends rows in batches and grouping made it slower (40 → 45 ms).
    let (select, group) = match BACKEND {
        crate::db::Backend::Sqlite => (
            "kind, MIN(branch_id) AS branch_id, residents, serves, branch_members, COUNT(*) AS n",
            "GROUP BY kind, residents, serves, branch_members, CASE WHEN branch_id IS NULL THEN 0 ELSE 1 END, \
             CASE WHEN serves > 1 THEN branch_id END",
        ),
        crate::db::Backend::Postgres => ("kind, branch_id, residents, serves, branch_members, CAST(1 AS BIGINT) AS n", ""),
    };
    let sql = format!(
        // Only whether there is a member matters: EXISTS stops at the first one instead of
        // counting every resident of every village of a province.
        "SELECT {select} FROM ( \
         SELECT l.kind, sv.branch_id, \
         CASE WHEN EXISTS (SELECT 1 FROM person p JOIN person_status s ON s.person_id = p.id \
          AND s.valid_from <= $2 AND s.valid_to > $2 AND s.status IN ('probationary', 'official') \
          WHERE p.residence_locality_id = l.id) THEN 1 ELSE 0 END AS residents, \
         (SELECT COUNT(*) FROM locality_service x WHERE x.branch_id = sv.branch_id \
          AND x.valid_from <= $2 AND x.valid_to > $2) AS serves, \
         CASE WHEN EXISTS (SELECT 1 FROM person_status m WHERE m.org_id = sv.branch_id \
          AND m.valid_from <= $2 AND m.valid_to > $2 AND m.status IN ('probationary', 'official')) \
          THEN 1 ELSE 0 END AS branch_members \
         FROM org_closure c {cjoin} \
         JOIN locality l ON l.id = lc.locality_id AND l.valid_from <= $2 AND l.valid_to > $2 \
         LEFT JOIN locality_service sv ON sv.locality_id = l.id AND sv.valid_from <= $2 AND sv.valid_to > $2 \
         WHERE c.ancestor_id = $1 AND c.valid_from <= $3 AND c.valid_to > $3 \
         AND lc.valid_from <= $2 AND lc.valid_to > $2) AS f {group}"
    );
    let mut facts = vec![];
    for r in sqlx::query(AssertSqlSafe(sql))
        .bind(org)
        .bind(as_of)
        .bind(on)
        .fetch_all(pool)
        .await?
    {
        let branch: Option<OrgId> = r.try_get("branch_id")?;
        let fact = LocalityFact {
            kind: decode(
                "locality kind",
                &r.try_get::<String, _>("kind")?,
                LocalityKind::parse,
            )?,
            has_resident_member: r.try_get::<i32, _>("residents")? != 0,
            branch,
            branch_serves: if branch.is_some() {
                r.try_get("serves")?
            } else {
                0
            },
            branch_has_member: branch.is_some() && r.try_get::<i32, _>("branch_members")? != 0,
        };
        let n: i64 = r.try_get("n")?;
        facts.extend(std::iter::repeat_n(fact, usize::try_from(n).unwrap_or(0)));
    }
    Ok(facts)
}

// ---- reports as submitted upward (frozen) -----------------------------------------------------

/// Stores a submitted report; returns its id. One audit row.
pub async fn submit(
    pool: &Pool<DB>,
    report: &str,
    org: OrgId,
    request: &str,
    payload: &str,
    actor: &str,
) -> Result<i64> {
    let mut tx = super::org::begin_write(pool).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO report_submission (report, org_id, request, payload, actor, submitted_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(report)
    .bind(org)
    .bind(request)
    .bind(payload)
    .bind(actor)
    .bind(chrono::Utc::now())
    .fetch_one(&mut *tx)
    .await?;
    let detail = serde_json::json!({"report": report, "org_id": org, "request": request}).to_string();
    super::audit::record_in(&mut tx, actor, "report.submit", "report_submission", &id.to_string(), &detail).await?;
    tx.commit().await?;
    Ok(id)
}

/// (id, report, org id, request, payload, actor, submitted at) of the submissions of `org`
/// (all when `None`), newest first; one when `id` is given.
pub async fn submissions(
    pool: &Pool<DB>,
    org: Option<OrgId>,
    id: Option<i64>,
) -> Result<Vec<(i64, String, OrgId, String, String, String, chrono::DateTime<chrono::Utc>)>> {
    let rows = sqlx::query(
        "SELECT id, report, org_id, request, payload, actor, submitted_at FROM report_submission \
         WHERE ($1 IS NULL OR org_id = $1) AND ($2 IS NULL OR id = $2) ORDER BY id DESC",
    )
    .bind(org)
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("report")?,
                r.try_get("org_id")?,
                r.try_get("request")?,
                r.try_get("payload")?,
                r.try_get("actor")?,
                r.try_get("submitted_at")?,
            ))
        })
        .collect()
}
