// People (one record per person, keyed by CCCD when known) and their party status over time.
// Included per engine by `engine!` (see mod.rs): `DB` and `BACKEND` name the engine.
//
// Sensitive values (CCCD, birth date, ethnicity, religion) never reach an error message or a
// log line here; the audit trail keeps them as data.

use ketnap_domain::dates::OPEN_END;
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PersonId, PoliticalTheory,
    ProfessionalQualification, Religion, Sex, StatusSpell, check_spells, looks_like_cccd,
};
use ketnap_domain::org::OrgId;
use ketnap_domain::sensitive::Sensitive;
use ketnap_domain::text::{fold, name_sort_key};
use ketnap_domain::{Date, Period, Violation};
use serde_json::json;
use sqlx::{AssertSqlSafe, Pool, Row, Transaction};

use crate::error::{Result, StoreError, decode};
use crate::model::*;

type Tx<'a> = Transaction<'a, DB>;

const PERSON_SQL: &str = "SELECT id, cccd, full_name, sex, birth_date, ethnic_group, religion, education, \
     qualification, political_theory, occupation, youth_union, residence_locality_id FROM person";

/// Orders by the Vietnamese name key byte by byte on both engines (the key is folded ASCII).
const SORT: &str = match BACKEND {
    crate::db::Backend::Postgres => "p.sort_key COLLATE \"C\", p.id",
    crate::db::Backend::Sqlite => "p.sort_key, p.id",
};

pub fn person(r: &<DB as sqlx::Database>::Row) -> Result<Person> {
    let cccd: Option<String> = r.try_get("cccd")?;
    Ok(Person {
        id: r.try_get("id")?,
        cccd: cccd.map(Sensitive::new),
        full_name: r.try_get("full_name")?,
        sex: decode("sex", &r.try_get::<String, _>("sex")?, Sex::parse)?,
        birth_date: Sensitive::new(r.try_get("birth_date")?),
        ethnic_group: Sensitive::new(decode("ethnic group", &r.try_get::<String, _>("ethnic_group")?, EthnicGroup::parse)?),
        religion: Sensitive::new(decode("religion", &r.try_get::<String, _>("religion")?, Religion::parse)?),
        education: decode("education", &r.try_get::<String, _>("education")?, GeneralEducation::parse)?,
        qualification: decode("qualification", &r.try_get::<String, _>("qualification")?, ProfessionalQualification::parse)?,
        political_theory: decode("political theory", &r.try_get::<String, _>("political_theory")?, PoliticalTheory::parse)?,
        occupation: decode("occupation", &r.try_get::<String, _>("occupation")?, Occupation::parse)?,
        youth_union: r.try_get("youth_union")?,
        residence_locality: r.try_get("residence_locality_id")?,
    })
}

fn status(s: &str) -> Result<PartyStatus> {
    decode("party status", s, PartyStatus::parse)
}

async fn statuses(pool: &Pool<DB>, id: PersonId) -> Result<Vec<StatusView>> {
    sqlx::query(
        "SELECT s.status, s.valid_from, s.valid_to, u.id, u.code, u.name FROM person_status s \
         LEFT JOIN org_unit u ON u.id = s.org_id WHERE s.person_id = $1 ORDER BY s.valid_from",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let org: Option<i64> = r.try_get("id")?;
        Ok(StatusView {
            status: status(&r.try_get::<String, _>("status")?)?,
            branch: match org {
                Some(id) => Some(OrgRef { id, code: r.try_get("code")?, name: r.try_get("name")? }),
                None => None,
            },
            period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?),
        })
    })
    .collect()
}

/// A person with their status history.
pub async fn by_id(pool: &Pool<DB>, id: PersonId) -> Result<Option<PersonRecord>> {
    let sql = format!("{PERSON_SQL} WHERE id = $1");
    let Some(r) = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await? else { return Ok(None) };
    let person = person(&r)?;
    let statuses = statuses(pool, id).await?;
    Ok(Some(PersonRecord { person, statuses }))
}

/// The person holding this CCCD, if any.
pub async fn by_cccd(pool: &Pool<DB>, cccd: &str) -> Result<Option<PersonRecord>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM person WHERE cccd = $1").bind(cccd.trim()).fetch_optional(pool).await?;
    match id {
        Some(id) => by_id(pool, id).await,
        None => Ok(None),
    }
}

/// Ids of the people with this name (diacritics and case ignored) and birth date.
pub async fn ids_by_name_birth(pool: &Pool<DB>, full_name: &str, birth: Date) -> Result<Vec<PersonId>> {
    Ok(sqlx::query_scalar("SELECT id FROM person WHERE search_key = $1 AND birth_date = $2 ORDER BY id")
        .bind(fold(full_name))
        .bind(birth)
        .fetch_all(pool)
        .await?)
}

/// Validates the record and the facts it refers to: CCCD held by nobody else, residence known.
async fn check(tx: &mut Tx<'_>, p: &Person, except: Option<PersonId>) -> Result<()> {
    p.validate(chrono::Local::now().date_naive())?;
    let mut errs = vec![];
    if let Some(c) = &p.cccd {
        let other: Option<i64> = sqlx::query_scalar("SELECT id FROM person WHERE cccd = $1")
            .bind(c.expose().as_str())
            .fetch_optional(&mut **tx)
            .await?;
        if other.is_some_and(|o| Some(o) != except) {
            errs.push(Violation::new(
                "cccd",
                "person.cccd.unique",
                "another person on record already has this CCCD (one record per person)",
            ));
        }
    }
    if let Some(l) = p.residence_locality {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM locality WHERE id = $1").bind(l).fetch_one(&mut **tx).await?;
        if n == 0 {
            errs.push(Violation::new("residence_locality", "person.residence.unknown", format!("no locality with id {l}")));
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(ketnap_domain::DomainError::Invalid(errs).into()) }
}

fn audit_view(p: &Person) -> serde_json::Value {
    // The audit trail is access-controlled data: it keeps the values, including sensitive ones.
    serde_json::to_value(p).unwrap_or(serde_json::Value::Null)
}

async fn write_person(tx: &mut Tx<'_>, p: &Person, id: Option<PersonId>) -> Result<PersonId> {
    let name = p.full_name.split_whitespace().collect::<Vec<_>>().join(" ");
    let sql = match id {
        None => "INSERT INTO person (cccd, full_name, search_key, sort_key, sex, birth_date, ethnic_group, religion, \
                 education, qualification, political_theory, occupation, youth_union, residence_locality_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        Some(_) => "UPDATE person SET cccd = $1, full_name = $2, search_key = $3, sort_key = $4, sex = $5, birth_date = $6, \
                 ethnic_group = $7, religion = $8, education = $9, qualification = $10, political_theory = $11, \
                 occupation = $12, youth_union = $13, residence_locality_id = $14 WHERE id = $15 RETURNING id",
    };
    let mut q = sqlx::query_scalar::<DB, i64>(sql)
        .bind(p.cccd.as_ref().map(|c| c.expose().trim().to_string()))
        .bind(&name)
        .bind(fold(&name))
        .bind(name_sort_key(&name))
        .bind(p.sex.as_str())
        .bind(*p.birth_date.expose())
        .bind(p.ethnic_group.expose().code())
        .bind(p.religion.expose().as_str())
        .bind(p.education.as_str())
        .bind(p.qualification.as_str())
        .bind(p.political_theory.as_str())
        .bind(p.occupation.as_str())
        .bind(p.youth_union)
        .bind(p.residence_locality);
    if let Some(id) = id {
        q = q.bind(id);
    }
    Ok(q.fetch_one(&mut **tx).await?)
}

/// Creates a person (the record's `id` is ignored); returns the new id.
pub async fn create_in(tx: &mut Tx<'_>, p: &Person, actor: &str) -> Result<PersonId> {
    check(tx, p, None).await?;
    let id = write_person(tx, p, None).await?;
    let mut after = p.clone();
    after.id = id;
    let d = json!({"before": null, "after": audit_view(&after)});
    super::audit::record_in(tx, actor, "person.create", "person", &id.to_string(), &d.to_string()).await?;
    Ok(id)
}

async fn load(tx: &mut Tx<'_>, id: PersonId) -> Result<Person> {
    let sql = format!("{PERSON_SQL} WHERE id = $1");
    match sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **tx).await? {
        Some(r) => person(&r),
        None => Err(StoreError::NotFound { what: "person", key: id.to_string() }),
    }
}

/// Replaces a person's record (by `p.id`); returns whether anything changed.
pub async fn update_in(tx: &mut Tx<'_>, p: &Person, actor: &str) -> Result<bool> {
    let before = load(tx, p.id).await?;
    check(tx, p, Some(p.id)).await?;
    if before == *p {
        return Ok(false);
    }
    let facts_before = super::aggregates::facts_of(tx, &[p.id]).await?;
    write_person(tx, p, Some(p.id)).await?;
    super::aggregates::refresh_people(tx, facts_before).await?;
    if before.residence_locality != p.residence_locality {
        let moved: Vec<i64> = [before.residence_locality, p.residence_locality].into_iter().flatten().collect();
        super::coverage_agg::refresh(tx, &moved).await?;
    }
    let d = json!({"before": audit_view(&before), "after": audit_view(p)});
    super::audit::record_in(tx, actor, "person.update", "person", &p.id.to_string(), &d.to_string()).await?;
    Ok(true)
}

/// Starts a status spell from `from`, ending the person's open spell there. The whole
/// resulting history must pass [`check_spells`]; the branch must hold members on `from`.
pub async fn add_status_in(
    tx: &mut Tx<'_>,
    person: PersonId,
    new_status: PartyStatus,
    branch: Option<OrgId>,
    from: Date,
    actor: &str,
) -> Result<()> {
    load(tx, person).await?;
    let mut spells: Vec<StatusSpell> = sqlx::query("SELECT status, org_id, valid_from, valid_to FROM person_status WHERE person_id = $1 ORDER BY valid_from")
        .bind(person)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| {
            Ok(StatusSpell {
                status: status(&r.try_get::<String, _>("status")?)?,
                branch: r.try_get("org_id")?,
                period: Period::from_stored(r.try_get("valid_from")?, r.try_get("valid_to")?),
            })
        })
        .collect::<Result<_>>()?;
    let old_spells = spells.clone();
    let before = spells.last().copied();
    if let Some(last) = before
        && from <= last.period.from
    {
        return Err(Violation::new(
            "from",
            "person.status.in_order",
            format!("the latest status starts {}; a new status must start later than that, not {from}", last.period.from),
        )
        .into());
    }
    let mut branch_code = None;
    if let Some(b) = branch {
        let f = super::locality::org_on(tx, b, from, "branch").await?;
        if !f.kind.holds_members() {
            return Err(Violation::new(
                "branch",
                "person.status.branch_kind",
                format!("{} is a {}; people belong to branches", f.code, f.kind.as_str()),
            )
            .into());
        }
        branch_code = Some(f.code);
    }
    if let Some(last) = spells.last_mut()
        && last.period.end_or_max() > from
    {
        last.period.to = Some(from);
    }
    spells.push(StatusSpell { status: new_status, branch, period: Period::starting(from) });
    check_spells(&spells)?;
    let facts_before = super::aggregates::facts_of(tx, &[person]).await?;
    sqlx::query("UPDATE person_status SET valid_to = $1 WHERE person_id = $2 AND valid_from < $1 AND valid_to > $1")
        .bind(from)
        .bind(person)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO person_status (person_id, status, org_id, valid_from, valid_to) VALUES ($1, $2, $3, $4, $5)")
        .bind(person)
        .bind(new_status.as_str())
        .bind(branch)
        .bind(from)
        .bind(OPEN_END)
        .execute(&mut **tx)
        .await?;
    super::aggregates::refresh_people(tx, facts_before).await?;
    let member_time = |v: &[StatusSpell]| {
        v.iter()
            .map(|s| (s.status.is_member(), s.branch, s.period.from, s.period.end_or_max()))
            .collect::<Vec<_>>()
    };
    super::coverage_agg::people_changed(tx, person, &member_time(&old_spells), &member_time(&spells)).await?;
    let d = json!({
        "from": from,
        "before": before.map(|s| json!({"status": s.status.as_str(), "branch": s.branch, "period": s.period})),
        "after": {"status": new_status.as_str(), "branch": branch_code},
    });
    super::audit::record_in(tx, actor, "person.status", "person", &person.to_string(), &d.to_string()).await?;
    Ok(())
}

pub async fn create(pool: &Pool<DB>, p: &Person, actor: &str) -> Result<PersonId> {
    let mut tx = super::org::begin_write(pool).await?;
    let id = create_in(&mut tx, p, actor).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(pool: &Pool<DB>, p: &Person, actor: &str) -> Result<bool> {
    let mut tx = super::org::begin_write(pool).await?;
    let changed = update_in(&mut tx, p, actor).await?;
    tx.commit().await?;
    Ok(changed)
}

pub async fn add_status(
    pool: &Pool<DB>,
    person: PersonId,
    new_status: PartyStatus,
    branch: Option<OrgId>,
    from: Date,
    actor: &str,
) -> Result<()> {
    let mut tx = super::org::begin_write(pool).await?;
    add_status_in(&mut tx, person, new_status, branch, from, actor).await?;
    tx.commit().await?;
    Ok(())
}

const HIT_COLS: &str = "p.id, p.full_name, p.sex, p.birth_date, s.status, b.id AS branch_id, b.code AS branch_code, b.name AS branch_name";

fn hit(r: &<DB as sqlx::Database>::Row) -> Result<PersonHit> {
    let st: Option<String> = r.try_get("status")?;
    let b: Option<i64> = r.try_get("branch_id")?;
    Ok(PersonHit {
        id: r.try_get("id")?,
        full_name: r.try_get("full_name")?,
        sex: decode("sex", &r.try_get::<String, _>("sex")?, Sex::parse)?,
        birth_date: Sensitive::new(r.try_get("birth_date")?),
        status: st.as_deref().map(status).transpose()?,
        branch: match b {
            Some(id) => Some(OrgRef { id, code: r.try_get("branch_code")?, name: r.try_get("branch_name")? }),
            None => None,
        },
    })
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Finds people by exact CCCD (when the text looks like one) or by name: every word of the
/// folded query must begin a word of the folded name ("nguyen van a" finds "Nguyễn Văn A" and
/// "Nguyễn Văn Anh"). With a scope, only people whose branch on `as_of` lies under it. Ordered
/// the Vietnamese way (given name, middle, family).
pub async fn search(pool: &Pool<DB>, q: &PersonQuery) -> Result<Vec<PersonHit>> {
    let text = q.text.trim();
    let join = if q.scope.is_some() {
        "JOIN person_status s ON s.person_id = p.id AND s.valid_from <= $1 AND s.valid_to > $1 \
         JOIN org_closure oc ON oc.descendant_id = s.org_id AND oc.ancestor_id = $3 AND oc.valid_from <= $1 AND oc.valid_to > $1"
    } else {
        "LEFT JOIN person_status s ON s.person_id = p.id AND s.valid_from <= $1 AND s.valid_to > $1"
    };
    let mut binds: Vec<String> = vec![];
    let next = if q.scope.is_some() { 4 } else { 3 };
    let filter = if looks_like_cccd(text) {
        binds.push(text.to_string());
        format!("p.cccd = ${next}")
    } else {
        let words: Vec<String> = fold(text).split(' ').filter(|w| !w.is_empty()).map(String::from).collect();
        let mut conds = vec![];
        for (i, w) in words.iter().enumerate() {
            binds.push(format!("% {}%", like_escape(w)));
            conds.push(format!("(' ' || p.search_key) LIKE ${} ESCAPE '\\'", next + i));
        }
        if conds.is_empty() { "1 = 1".to_string() } else { conds.join(" AND ") }
    };
    let sql = format!(
        "SELECT {HIT_COLS} FROM person p {join} LEFT JOIN org_unit b ON b.id = s.org_id WHERE {filter} ORDER BY {SORT} LIMIT $2"
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(q.as_of).bind(q.limit.max(0));
    if let Some(scope) = q.scope {
        query = query.bind(scope);
    }
    for b in binds {
        query = query.bind(b);
    }
    query.fetch_all(pool).await?.iter().map(hit).collect()
}

/// The members (probationary and official) of a branch on `as_of`, in Vietnamese name order.
pub async fn branch_members(pool: &Pool<DB>, branch: OrgId, as_of: Date) -> Result<Vec<PersonHit>> {
    let sql = format!(
        "SELECT {HIT_COLS} FROM person_status s JOIN person p ON p.id = s.person_id JOIN org_unit b ON b.id = s.org_id \
         WHERE s.org_id = $1 AND s.valid_from <= $2 AND s.valid_to > $2 AND s.status IN ($3, $4) ORDER BY {SORT}"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(branch)
        .bind(as_of)
        .bind(PartyStatus::Probationary.as_str())
        .bind(PartyStatus::Official.as_str())
        .fetch_all(pool)
        .await?
        .iter()
        .map(hit)
        .collect()
}
