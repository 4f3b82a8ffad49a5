// Reads of the admission pipeline: one case, the cases of a subtree, the due list, mentor
// workload. Subtrees come from the closure table on the date asked; a branch that no longer
// exists then counts under its heir. Included per engine by `engine!`.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Days, Months};
use ketnap_domain::Date;
use ketnap_domain::calendar::Calendar;
use ketnap_domain::org::{OrgId, OrgKind};
use ketnap_domain::person::{PartyStatus, PersonId, Sex};
use ketnap_domain::pipeline::{
    CaseState, DueOptions, Event, RuleSet, Stage, checklist_with, due_items,
};
use sqlx::{AssertSqlSafe, Pool, Row};

use crate::engine::placeholders;
use crate::error::{Result, decode};
use crate::model::OrgRef;
use crate::pipeline_api::due::{MONTH_DAYS, classify};
use crate::pipeline_api::{
    CaseId, CaseInfo, CaseSummary, CaseView, DueRow, MentorLoad, MentorWorkload, PersonBrief,
};

use super::pipeline::{CASE_COLS, EVENT_COLS, case_row, event_record, to_event};

/// The branches under `$1` on `$2`, and the ended branches whose heir is under it.
const SUBTREE: &str = "(SELECT oc.descendant_id FROM org_closure oc \
     WHERE oc.ancestor_id = $1 AND oc.valid_from <= $2 AND oc.valid_to > $2 \
     UNION SELECT b.id FROM org_closure oc JOIN org_unit b ON b.heir_id = oc.descendant_id \
     WHERE oc.ancestor_id = $1 AND oc.valid_from <= $2 AND oc.valid_to > $2 AND b.valid_to <= $2)";

const SUMMARY_COLS: &str = "c.id, c.person_id, c.branch_id, c.stage, c.opened_on, c.last_event_on, c.mentor_id, \
     c.deadline_on, c.version, p.full_name, p.sex, p.birth_date, p.youth_union, b.code AS branch_code, b.name AS branch_name";

const SUMMARY_FROM: &str = "FROM pipeline_case c JOIN person p ON p.id = c.person_id JOIN org_unit b ON b.id = c.branch_id";

/// Branch code, then the Vietnamese name key byte by byte on both engines.
const ORDER: &str = match BACKEND {
    crate::db::Backend::Postgres => "b.code_key, p.sort_key COLLATE \"C\", c.id",
    crate::db::Backend::Sqlite => "b.code_key, p.sort_key, c.id",
};

fn brief(r: &<DB as sqlx::Database>::Row, id: &str) -> Result<PersonBrief> {
    let birth: Date = r.try_get("birth_date")?;
    Ok(PersonBrief {
        id: r.try_get(id)?,
        full_name: r.try_get("full_name")?,
        sex: decode("sex", &r.try_get::<String, _>("sex")?, Sex::parse)?,
        birth_year: birth.year(),
        youth_union: r.try_get("youth_union")?,
    })
}

fn stage(s: &str) -> Result<Stage> {
    decode("stage", s, Stage::parse)
}

fn summary(r: &<DB as sqlx::Database>::Row) -> Result<CaseSummary> {
    Ok(CaseSummary {
        id: r.try_get("id")?,
        person: brief(r, "person_id")?,
        branch: OrgRef {
            id: r.try_get("branch_id")?,
            code: r.try_get("branch_code")?,
            name: r.try_get("branch_name")?,
        },
        stage: stage(&r.try_get::<String, _>("stage")?)?,
        opened_on: r.try_get("opened_on")?,
        last_event_on: r.try_get("last_event_on")?,
        mentor_id: r.try_get("mentor_id")?,
        deadline_on: r.try_get("deadline_on")?,
        version: r.try_get("version")?,
    })
}

/// The events of many cases, by case, in insertion order.
async fn events_of(pool: &Pool<DB>, ids: &[CaseId]) -> Result<HashMap<CaseId, Vec<Event>>> {
    let mut out: HashMap<CaseId, Vec<Event>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT {EVENT_COLS} FROM pipeline_event WHERE case_id IN ({}) ORDER BY case_id, seq",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(pool).await? {
            let e = event_record(&r)?;
            out.entry(e.case_id).or_default().push(to_event(&e));
        }
    }
    Ok(out)
}

async fn person_brief(pool: &Pool<DB>, id: PersonId) -> Result<Option<PersonBrief>> {
    let r =
        sqlx::query("SELECT id, full_name, sex, birth_date, youth_union FROM person WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    r.as_ref().map(|r| brief(r, "id")).transpose()
}

/// One case as of `as_of`; `None` when it does not exist or lies outside `scope`.
pub async fn get(
    pool: &Pool<DB>,
    case_id: CaseId,
    as_of: Date,
    scope: Option<OrgId>,
    cal: &Calendar,
) -> Result<Option<CaseView>> {
    let sql = format!(
        "SELECT {CASE_COLS}, p.full_name, p.sex, p.birth_date, p.youth_union, b.code AS branch_code, b.name AS branch_name, \
         b.kind AS branch_kind, o.code AS origin_code, o.name AS origin_name \
         FROM pipeline_case c JOIN person p ON p.id = c.person_id JOIN org_unit b ON b.id = c.branch_id \
         JOIN org_unit o ON o.id = c.origin_branch_id WHERE c.id = $1"
    );
    let Some(r) = sqlx::query(AssertSqlSafe(sql))
        .bind(case_id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    if let Some(root) = scope {
        let sql = format!(
            "SELECT COUNT(*) FROM pipeline_case c WHERE c.id = $3 AND c.branch_id IN {SUBTREE}"
        );
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(root)
            .bind(as_of)
            .bind(case_id)
            .fetch_one(pool)
            .await?;
        if n == 0 {
            return Ok(None);
        }
    }
    let row = case_row(&r)?;
    let kind = decode(
        "organization kind",
        &r.try_get::<String, _>("branch_kind")?,
        OrgKind::parse,
    )?;
    let info = CaseInfo {
        id: row.id,
        person_id: row.person_id,
        branch: OrgRef {
            id: row.branch_id,
            code: r.try_get("branch_code")?,
            name: r.try_get("branch_name")?,
        },
        origin_branch: OrgRef {
            id: row.origin_branch_id,
            code: r.try_get("origin_code")?,
            name: r.try_get("origin_name")?,
        },
        opened_on: row.opened_on,
        proposed_by: row.proposed_by,
        version: row.version,
        updated_by: row.updated_by,
        updated_at: row.updated_at,
    };
    let person = brief(&r, "person_id")?;
    let sql = format!("SELECT {EVENT_COLS} FROM pipeline_event WHERE case_id = $1 ORDER BY seq");
    let events = sqlx::query(AssertSqlSafe(sql))
        .bind(case_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(event_record)
        .collect::<Result<Vec<_>>>()?;
    let state = CaseState::derive(&events.iter().map(to_event).collect::<Vec<_>>());
    let needs_committee = kind != OrgKind::GrassrootsBranch;
    let checklist = checklist_with(&state, needs_committee);
    let due = due_items(&state, as_of, cal, DueOptions::default().stall_months);
    let mentor = match state.mentor {
        Some(m) => person_brief(pool, m).await?,
        None => None,
    };
    Ok(Some(CaseView {
        case: info,
        person,
        mentor,
        events,
        state,
        needs_committee,
        checklist,
        as_of,
        due,
        rule_set: RuleSet::for_date(as_of).id,
    }))
}

/// Cases under `root` on `as_of`: in `stage`, or every open one.
pub async fn list(
    pool: &Pool<DB>,
    root: OrgId,
    as_of: Date,
    stage_filter: Option<Stage>,
    limit: i64,
) -> Result<Vec<CaseSummary>> {
    let filter = if stage_filter.is_some() {
        "c.stage = $3"
    } else {
        "c.is_open = $3"
    };
    let sql = format!(
        "SELECT {SUMMARY_COLS} {SUMMARY_FROM} WHERE c.branch_id IN {SUBTREE} AND {filter} ORDER BY {ORDER} LIMIT $4"
    );
    let q = sqlx::query(AssertSqlSafe(sql)).bind(root).bind(as_of);
    let q = match stage_filter {
        Some(s) => q.bind(s.as_str()),
        None => q.bind(true),
    };
    q.bind(limit.max(0))
        .fetch_all(pool)
        .await?
        .iter()
        .map(summary)
        .collect()
}

/// Every case of one person, oldest first.
pub async fn of_person(pool: &Pool<DB>, person: PersonId) -> Result<Vec<CaseSummary>> {
    let sql = format!("SELECT {SUMMARY_COLS} {SUMMARY_FROM} WHERE c.person_id = $1 ORDER BY c.opened_on, c.id");
    sqlx::query(AssertSqlSafe(sql))
        .bind(person)
        .fetch_all(pool)
        .await?
        .iter()
        .map(summary)
        .collect()
}

/// What is due on `as_of` under `root`. The case projections narrow the cases to read (with
/// margins for holidays edited since they were computed); the domain's `due_items` decides.
pub async fn due(
    pool: &Pool<DB>,
    root: OrgId,
    as_of: Date,
    stall_months: u32,
    cal: &Calendar,
) -> Result<Vec<DueRow>> {
    due_with(pool, root, as_of, stall_months, cal, true).await
}

/// The due list; `prefilter` = false is the naive way (every open case's events loaded and
/// judged in Rust, the projections ignored), the benchmark's baseline.
pub async fn due_with(
    pool: &Pool<DB>,
    root: OrgId,
    as_of: Date,
    stall_months: u32,
    cal: &Calendar,
    prefilter: bool,
) -> Result<Vec<DueRow>> {
    let plus = |d: Date, n: u64| d.checked_add_days(Days::new(n)).unwrap_or(d);
    let minus_months = |d: Date, n: u32| d.checked_sub_months(Months::new(n)).unwrap_or(Date::MIN);
    let deadline_cut = plus(as_of, MONTH_DAYS + 15);
    let stall_cut = if stall_months > 0 {
        plus(minus_months(as_of, stall_months), 3)
    } else {
        Date::from_ymd_opt(1, 1, 1).unwrap_or(Date::MIN)
    };
    let years = RuleSet::for_date(as_of).params.certificate_years;
    let cert_cut = plus(
        minus_months(
            plus(as_of, DueOptions::default().certificate_warning_days.into()),
            12 * years,
        ),
        7,
    );
    let sql = format!(
        "SELECT {SUMMARY_COLS} {SUMMARY_FROM} WHERE c.branch_id IN {SUBTREE} AND c.is_open = $3 {}",
        if prefilter {
            "AND (c.deadline_on <= $4 OR c.last_event_on <= $5 OR c.certificate_issued <= $6)"
        } else {
            "AND $4 IS NOT NULL AND $5 IS NOT NULL AND $6 IS NOT NULL"
        }
    );
    let cases = sqlx::query(AssertSqlSafe(sql))
        .bind(root)
        .bind(as_of)
        .bind(true)
        .bind(deadline_cut)
        .bind(stall_cut)
        .bind(cert_cut)
        .fetch_all(pool)
        .await?
        .iter()
        .map(summary)
        .collect::<Result<Vec<_>>>()?;
    let ids: Vec<CaseId> = cases.iter().map(|c| c.id).collect();
    let mut events = events_of(pool, &ids).await?;
    let mut rows = vec![];
    for c in cases {
        let state = CaseState::derive(&events.remove(&c.id).unwrap_or_default());
        for item in due_items(&state, as_of, cal, stall_months) {
            if let Some(group) = classify(&item, as_of) {
                rows.push(DueRow {
                    group,
                    case_id: c.id,
                    person: c.person.clone(),
                    branch: c.branch.clone(),
                    stage: state.stage,
                    item,
                });
            }
        }
    }
    rows.sort_by(|a, b| {
        (a.group, a.item.due_date, &a.branch.code, a.case_id).cmp(&(
            b.group,
            b.item.due_date,
            &b.branch.code,
            b.case_id,
        ))
    });
    Ok(rows)
}

/// Open cases per mentor under `root` on `as_of`.
pub async fn mentor_workload(pool: &Pool<DB>, root: OrgId, as_of: Date) -> Result<MentorWorkload> {
    let sql = format!(
        "SELECT c.mentor_id, c.stage, COUNT(*) AS n FROM pipeline_case c WHERE c.branch_id IN {SUBTREE} AND c.is_open = $3 \
         GROUP BY c.mentor_id, c.stage"
    );
    let mut counts: BTreeMap<PersonId, (i64, i64, i64)> = BTreeMap::new();
    let mut without_mentor = 0;
    for r in sqlx::query(AssertSqlSafe(sql))
        .bind(root)
        .bind(as_of)
        .bind(true)
        .fetch_all(pool)
        .await?
    {
        let mentor: Option<i64> = r.try_get("mentor_id")?;
        let s = stage(&r.try_get::<String, _>("stage")?)?;
        let n: i64 = r.try_get("n")?;
        match mentor {
            Some(m) => {
                let e = counts.entry(m).or_default();
                match s {
                    Stage::Probationary => e.1 += n,
                    s if s.is_active() => e.0 += n,
                    _ => e.2 += n,
                }
            }
            None if s.is_active() => without_mentor += n,
            None => {}
        }
    }
    let ids: Vec<PersonId> = counts.keys().copied().collect();
    let mut rows = vec![];
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT p.id, p.full_name, p.sex, p.birth_date, p.youth_union, s.status, u.id AS branch_id, u.code AS branch_code, \
             u.name AS branch_name FROM person p \
             LEFT JOIN person_status s ON s.person_id = p.id AND s.valid_from <= $1 AND s.valid_to > $1 \
             LEFT JOIN org_unit u ON u.id = s.org_id WHERE p.id IN ({})",
            placeholders(2, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(as_of);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(pool).await? {
            let mentor = brief(&r, "id")?;
            let status: Option<String> = r.try_get("status")?;
            let branch_id: Option<i64> = r.try_get("branch_id")?;
            let (candidates, probationary, inactive) =
                counts.get(&mentor.id).copied().unwrap_or_default();
            rows.push(MentorLoad {
                official: status.as_deref() == Some(PartyStatus::Official.as_str()),
                branch: match branch_id {
                    Some(id) => Some(OrgRef {
                        id,
                        code: r.try_get("branch_code")?,
                        name: r.try_get("branch_name")?,
                    }),
                    None => None,
                },
                mentor,
                candidates,
                probationary,
                inactive,
            });
        }
    }
    rows.sort_by(|a, b| {
        (
            b.candidates + b.probationary,
            &a.mentor.full_name,
            a.mentor.id,
        )
            .cmp(&(
                a.candidates + a.probationary,
                &b.mentor.full_name,
                b.mentor.id,
            ))
    });
    Ok(MentorWorkload {
        as_of,
        rows,
        without_mentor,
    })
}
