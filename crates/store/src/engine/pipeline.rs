// The admission pipeline: cases and their append-only events, the facts the rules need, and the
// person's status spells kept in step with each case. Included per engine by `engine!` (see
// mod.rs): `DB` and `BACKEND` name the engine.
//
// Personal data (birth dates, names) never reaches an error message or a log line here: the
// refusals are the domain's, and the audit trail keeps the values as data.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use ketnap_domain::calendar::Calendar;
use ketnap_domain::org::{OrgId, OrgKind};
use ketnap_domain::person::{GeneralEducation, PartyStatus, PersonId, StatusSpell};
use ketnap_domain::pipeline::{
    self as pl, CaseState, DocumentRef, Event, EventId, EventKind, Facts, FormCode, Introducer,
    MemberFact, Proposer, StepKind,
};
use ketnap_domain::sensitive::Sensitive;
use ketnap_domain::{Date, Period, Violation};
use serde_json::json;
use sqlx::{AssertSqlSafe, Pool, Row, Transaction};

use crate::error::{Result, StoreError, decode};
use super::writes::{Arg, Writes};
use crate::pipeline_api::spells::{self, Projection, Spell};
use crate::pipeline_api::{
    CaseId, EventRecord, ImportCase, ImportError, ImportReport, ImportRow, NewCase, NewEvent,
    Recorded, import_column,
};

type Tx<'a> = Transaction<'a, DB>;

/// The stored case row.
pub struct CaseRow {
    pub id: CaseId,
    pub person_id: PersonId,
    pub branch_id: OrgId,
    pub origin_branch_id: OrgId,
    pub opened_on: Date,
    pub proposed_by: Proposer,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    /// The stage and openness stored by the last write (what `open_case_agg` counts).
    pub stage: String,
    pub is_open: bool,
}

/// The columns [`case_row`] reads (`c` = `pipeline_case`).
pub const CASE_COLS: &str = "c.id, c.person_id, c.branch_id, c.origin_branch_id, c.opened_on, c.proposed_by, c.version, \
     c.updated_by, c.updated_at, c.stage, c.is_open";

pub fn case_row(r: &<DB as sqlx::Database>::Row) -> Result<CaseRow> {
    Ok(CaseRow {
        id: r.try_get("id")?,
        person_id: r.try_get("person_id")?,
        branch_id: r.try_get("branch_id")?,
        origin_branch_id: r.try_get("origin_branch_id")?,
        opened_on: r.try_get("opened_on")?,
        proposed_by: decode(
            "proposer",
            &r.try_get::<String, _>("proposed_by")?,
            Proposer::parse,
        )?,
        version: r.try_get("version")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
        stage: r.try_get("stage")?,
        is_open: r.try_get("is_open")?,
    })
}

/// The case row, locked for the rest of the transaction (SQLite: the whole database already is).
async fn lock_case(tx: &mut Tx<'_>, id: CaseId) -> Result<CaseRow> {
    let lock = match BACKEND {
        crate::db::Backend::Postgres => " FOR UPDATE",
        crate::db::Backend::Sqlite => "",
    };
    let sql = format!("SELECT {CASE_COLS} FROM pipeline_case c WHERE c.id = $1{lock}");
    match sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    {
        Some(r) => case_row(&r),
        None => Err(StoreError::NotFound {
            what: "case",
            key: id.to_string(),
        }),
    }
}

/// The columns [`event_record`] reads.
pub const EVENT_COLS: &str = "id, case_id, seq, date, kind, payload, doc_form, doc_number, doc_date, actor, corrects, reason, recorded_at";

pub fn event_record(r: &<DB as sqlx::Database>::Row) -> Result<EventRecord> {
    event_record_at(r, "")
}

/// [`event_record`] from columns named with `prefix` (`ev_id`, `ev_seq`, …).
fn event_record_at(r: &<DB as sqlx::Database>::Row, prefix: &str) -> Result<EventRecord> {
    let col = |c: &str| format!("{prefix}{c}");
    let id: i64 = r.try_get(col("id").as_str())?;
    let payload: String = r.try_get(col("payload").as_str())?;
    let kind: EventKind = serde_json::from_str(&payload)
        .map_err(|_| StoreError::Corrupt(format!("event #{id}: the payload does not decode")))?;
    let number: Option<String> = r.try_get(col("doc_number").as_str())?;
    let form: Option<String> = r.try_get(col("doc_form").as_str())?;
    let document = match number {
        Some(number) => Some(DocumentRef {
            form: form
                .as_deref()
                .map(|f| decode("form", f, FormCode::parse))
                .transpose()?,
            number,
            date: r.try_get(col("doc_date").as_str())?,
        }),
        None => None,
    };
    Ok(EventRecord {
        id,
        case_id: r.try_get(col("case_id").as_str())?,
        seq: r.try_get(col("seq").as_str())?,
        date: r.try_get(col("date").as_str())?,
        kind,
        document,
        actor: r.try_get(col("actor").as_str())?,
        corrects: r.try_get(col("corrects").as_str())?,
        reason: r.try_get(col("reason").as_str())?,
        recorded_at: r.try_get(col("recorded_at").as_str())?,
    })
}

/// A case as a write finds it, read in one statement: the row (locked for the transaction),
/// its events in order, what the rules need of the person and of the case's current branch,
/// and the calendar's version.
struct Loaded {
    case: CaseRow,
    records: Vec<EventRecord>,
    known: Known,
    calendar_token: Option<String>,
    /// The id the appended event takes.
    next_event_id: i64,
}

/// What [`facts_for`] would otherwise read: the person's facts and the kind of one branch.
struct Known {
    branch: OrgId,
    branch_kind: String,
    person: PersonFacts,
}

async fn load_case(tx: &mut Tx<'_>, id: CaseId) -> Result<Loaded> {
    let lock = match BACKEND {
        crate::db::Backend::Postgres => " FOR UPDATE OF c",
        crate::db::Backend::Sqlite => "",
    };
    // The id the next event takes: SQLite's own rule for an append-only table (the write lock
    // is held), PostgreSQL's sequence (a refused event leaves a gap).
    let next_id = match BACKEND {
        crate::db::Backend::Postgres => "(SELECT nextval(pg_get_serial_sequence('pipeline_event', 'id')))",
        crate::db::Backend::Sqlite => "(SELECT COALESCE(MAX(id), 0) + 1 FROM pipeline_event)",
    };
    let events: String = EVENT_COLS
        .split(", ")
        .map(|c| format!("e.{c} AS ev_{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {CASE_COLS}, u.kind AS branch_kind, p.birth_date, p.education, p.youth_union, p.residence_locality_id, \
         (SELECT h.token FROM holiday_version h WHERE h.id = 1) AS calendar_token, {next_id} AS next_event_id, {events} \
         FROM pipeline_case c JOIN person p ON p.id = c.person_id JOIN org_unit u ON u.id = c.branch_id \
         LEFT JOIN pipeline_event e ON e.case_id = c.id WHERE c.id = $1 ORDER BY e.seq{lock}"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
    let Some(first) = rows.first() else {
        return Err(StoreError::NotFound {
            what: "case",
            key: id.to_string(),
        });
    };
    let case = case_row(first)?;
    let known = Known {
        branch: case.branch_id,
        branch_kind: first.try_get("branch_kind")?,
        person: person_facts_row(first)?,
    };
    let calendar_token = first.try_get("calendar_token")?;
    let next_event_id = first.try_get("next_event_id")?;
    let mut records = Vec::with_capacity(rows.len());
    for r in &rows {
        if r.try_get::<Option<i64>, _>("ev_id")?.is_some() {
            records.push(event_record_at(r, "ev_")?);
        }
    }
    Ok(Loaded {
        case,
        records,
        known,
        calendar_token,
        next_event_id,
    })
}

/// The domain's view of a recorded event.
pub fn to_event(e: &EventRecord) -> Event {
    Event {
        id: e.id,
        seq: e.seq,
        date: e.date,
        kind: e.kind.clone(),
        document: e.document.clone(),
        actor: e.actor.clone(),
        corrects: e.corrects,
        reason: e.reason.clone(),
    }
}

/// Now, to the microsecond both engines keep.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The row of a new event with id `id`, as the store keeps it (document number and reason
/// trimmed), and the values of [`INSERT_EVENT`].
fn event_row(id: i64, case_id: CaseId, seq: i64, e: &NewEvent, actor: &str, at: DateTime<Utc>) -> Result<(EventRecord, Vec<Arg>)> {
    let payload = serde_json::to_string(&e.kind)
        .map_err(|_| StoreError::Corrupt("an event payload does not encode".into()))?;
    let kind: EventKind = serde_json::from_str(&payload)
        .map_err(|_| StoreError::Corrupt("an event payload does not decode".into()))?;
    let document = e.document.as_ref().map(|d| DocumentRef {
        form: d.form,
        number: d.number.trim().to_string(),
        date: d.date,
    });
    let reason = e.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
    let args = vec![
        Arg::from(id),
        case_id.into(),
        seq.into(),
        e.date.into(),
        e.kind.step().as_str().into(),
        payload.into(),
        document.as_ref().and_then(|d| d.form).map(|f| f.as_str().to_string()).into(),
        document.as_ref().map(|d| d.number.clone()).into(),
        document.as_ref().and_then(|d| d.date).into(),
        actor.into(),
        e.corrects.into(),
        reason.clone().into(),
        at.into(),
    ];
    let record = EventRecord {
        id,
        case_id,
        seq,
        date: e.date,
        kind,
        document,
        actor: actor.to_string(),
        corrects: e.corrects,
        reason,
        recorded_at: at,
    };
    Ok((record, args))
}

/// Inserts an event row with its id given ([`event_row`]'s values).
const INSERT_EVENT: &str = "INSERT INTO pipeline_event (id, case_id, seq, date, kind, payload, doc_form, doc_number, doc_date, actor, corrects, \
     reason, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

/// Inserts an event row, its id picked by the database (imports, and the baseline of `bench`).
async fn insert_event(
    tx: &mut Tx<'_>,
    case_id: CaseId,
    seq: i64,
    e: &NewEvent,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<EventRecord> {
    let (_, mut args) = event_row(0, case_id, seq, e, actor, at)?;
    args.remove(0);
    // The row as stored comes back with the insert (no second statement to read it).
    let sql = format!(
        "INSERT INTO pipeline_event (case_id, seq, date, kind, payload, doc_form, doc_number, doc_date, actor, corrects, \
         reason, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {EVENT_COLS}"
    );
    let mut w = Writes::new();
    w.push_returning(&sql, args);
    let rows = w.run(tx).await?;
    let row = rows
        .first()
        .ok_or_else(|| StoreError::Corrupt("an event INSERT returned no row".into()))?;
    event_record(row)
}

// ---- facts ---------------------------------------------------------------------------------

struct PersonFacts {
    birth: Date,
    education: GeneralEducation,
    youth_union: bool,
    residence: Option<i64>,
}

async fn person_facts(tx: &mut Tx<'_>, id: PersonId) -> Result<Option<PersonFacts>> {
    let Some(r) = sqlx::query("SELECT birth_date, education, youth_union, residence_locality_id FROM person WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    person_facts_row(&r).map(Some)
}

/// [`PersonFacts`] from a row with `birth_date`, `education`, `youth_union`,
/// `residence_locality_id`.
fn person_facts_row(r: &<DB as sqlx::Database>::Row) -> Result<PersonFacts> {
    Ok(PersonFacts {
        birth: r.try_get("birth_date")?,
        education: decode(
            "education",
            &r.try_get::<String, _>("education")?,
            GeneralEducation::parse,
        )?,
        youth_union: r.try_get("youth_union")?,
        residence: r.try_get("residence_locality_id")?,
    })
}

async fn spells_in(tx: &mut Tx<'_>, person: PersonId) -> Result<Vec<Spell>> {
    sqlx::query("SELECT status, org_id, valid_from, valid_to FROM person_status WHERE person_id = $1 ORDER BY valid_from")
        .bind(person)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| {
            Ok(Spell {
                status: decode("party status", &r.try_get::<String, _>("status")?, PartyStatus::parse)?,
                branch: r.try_get("org_id")?,
                from: r.try_get("valid_from")?,
                to: r.try_get("valid_to")?,
            })
        })
        .collect()
}

/// Whether the person is an official member on `date` (in `branch` when given), and since when
/// (the start of the unbroken run of official spells; for someone not yet official, the start
/// of their next official spell).
fn member_fact(spells: &[Spell], date: Date, branch: Option<OrgId>) -> MemberFact {
    let cur = spells
        .iter()
        .find(|s| s.contains(date))
        .filter(|s| s.status == PartyStatus::Official);
    let official = cur.is_some_and(|s| branch.is_none_or(|b| s.branch == Some(b)));
    let official_since = match cur {
        Some(c) => {
            let mut from = c.from;
            while let Some(p) = spells
                .iter()
                .find(|s| s.to == from && s.from < from && s.status == PartyStatus::Official)
            {
                from = p.from;
            }
            Some(from)
        }
        None => spells
            .iter()
            .filter(|s| s.status == PartyStatus::Official && s.from > date)
            .map(|s| s.from)
            .min(),
    };
    MemberFact {
        official,
        official_since,
    }
}

async fn official_members(tx: &mut Tx<'_>, branch: OrgId, date: Date) -> Result<i64> {
    Ok(sqlx::query_scalar::<DB, i64>(
        "SELECT COUNT(*) FROM person_status WHERE org_id = $1 AND status = $2 AND valid_from <= $3 AND valid_to > $3",
    )
    .bind(branch)
    .bind(PartyStatus::Official.as_str())
    .bind(date)
    .fetch_one(&mut **tx)
    .await?)
}

/// What the database knows, on the event's date, that the rules need (see
/// `crate::pipeline_api` for the choices made).
async fn facts_for(
    tx: &mut Tx<'_>,
    case: &CaseRow,
    state: &CaseState,
    e: &Event,
    known: Option<&Known>,
) -> Result<Facts> {
    let branch = spells::branch_on(state, case.origin_branch_id, e.date);
    let fetched;
    let (kind, p) = match known.filter(|k| k.branch == branch) {
        Some(k) => (k.branch_kind.as_str(), &k.person),
        None => {
            fetched = unit_and_person(tx, case, branch).await?;
            (fetched.0.as_str(), &fetched.1)
        }
    };
    facts_from(tx, branch, kind, p, e).await
}

/// The kind of `branch` and the case's person's facts, in one statement.
async fn unit_and_person(tx: &mut Tx<'_>, case: &CaseRow, branch: OrgId) -> Result<(String, PersonFacts)> {
    let Some(r) = sqlx::query(
        "SELECT (SELECT u.kind FROM org_unit u WHERE u.id = $1) AS unit_kind, \
         p.birth_date, p.education, p.youth_union, p.residence_locality_id FROM person p WHERE p.id = $2",
    )
    .bind(branch)
    .bind(case.person_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Err(StoreError::NotFound {
            what: "person",
            key: case.person_id.to_string(),
        });
    };
    let Some(kind) = r.try_get::<Option<String>, _>("unit_kind")? else {
        return Err(StoreError::NotFound {
            what: "organization",
            key: branch.to_string(),
        });
    };
    Ok((kind, person_facts_row(&r)?))
}

/// The facts of an event from the unit's kind and the person's facts, reading what else the
/// step needs (members of the branch, the commune's area, mentors and introducers).
async fn facts_from(
    tx: &mut Tx<'_>,
    branch: OrgId,
    kind: &str,
    p: &PersonFacts,
    e: &Event,
) -> Result<Facts> {
    let mut f = Facts::new(decode("organization kind", kind, OrgKind::parse)?);
    f.birth_date = Some(Sensitive::new(p.birth));
    f.education = Some(p.education);
    f.youth_union_member = p.youth_union;
    let step = e.step();
    if matches!(step, StepKind::BranchVoted | StepKind::RecognitionVoted) {
        let n = official_members(tx, branch, e.date).await?;
        f.branch_official_members = Some(u32::try_from(n).unwrap_or(u32::MAX));
    }
    if step == StepKind::BranchVoted {
        let commune: Option<i64> = match p.residence {
            Some(l) => sqlx::query_scalar(
                "SELECT org_id FROM locality_commune WHERE locality_id = $1 AND valid_from <= $2 AND valid_to > $2",
            )
            .bind(l)
            .bind(e.date)
            .fetch_optional(&mut **tx)
            .await?,
            None => None,
        };
        f.difficult_area =
            super::holidays::difficult_in(tx, commune.unwrap_or(branch), e.date).await?;
    }
    match &e.kind {
        EventKind::MentorAssigned { mentor } => {
            let s = spells_in(tx, *mentor).await?;
            f.people
                .insert(*mentor, member_fact(&s, e.date, Some(branch)));
        }
        EventKind::Introduced {
            introducer: Introducer::Member { person, .. },
        } => {
            let s = spells_in(tx, *person).await?;
            f.people.insert(*person, member_fact(&s, e.date, None));
        }
        _ => {}
    }
    Ok(f)
}

/// References an event makes must exist: mentor and introducers (not the candidate), the
/// branch a transfer goes to (a branch on the date, another one).
async fn check_refs(
    tx: &mut Tx<'_>,
    case: &CaseRow,
    state: &CaseState,
    e: &NewEvent,
) -> Result<()> {
    match &e.kind {
        EventKind::MentorAssigned { mentor } => person_ref(tx, case, *mentor, "mentor").await,
        EventKind::Introduced {
            introducer: Introducer::Member { person, .. },
        } => person_ref(tx, case, *person, "introducer").await,
        EventKind::TransferredOut { to_branch } => {
            let f = super::locality::org_on(tx, *to_branch, e.date, "to_branch").await?;
            if !f.kind.holds_members() {
                return Err(Violation::new(
                    "to_branch",
                    "pipeline.transfer.branch",
                    format!(
                        "{} is a {}; a case moves to a branch",
                        f.code,
                        f.kind.as_str()
                    ),
                )
                .into());
            }
            if *to_branch == spells::branch_on(state, case.origin_branch_id, e.date) {
                return Err(Violation::new(
                    "to_branch",
                    "pipeline.transfer.same",
                    format!("the case is already in {} on {}", f.code, e.date),
                )
                .into());
            }
            Ok(())
        }
        EventKind::TransferredIn { from_branch } => {
            match super::locality::org_facts(tx, *from_branch).await? {
                Some(_) => Ok(()),
                None => Err(Violation::new(
                    "from_branch",
                    "org.unit.unknown",
                    format!("no organization with id {from_branch}"),
                )
                .into()),
            }
        }
        _ => Ok(()),
    }
}

async fn person_ref(tx: &mut Tx<'_>, case: &CaseRow, id: PersonId, field: &str) -> Result<()> {
    if id == case.person_id {
        return Err(Violation::new(
            field,
            "pipeline.person.self",
            format!("the candidate cannot be their own {field}"),
        )
        .into());
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM person WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    if n == 0 {
        return Err(Violation::new(
            field,
            "pipeline.person.unknown",
            format!("no person with id {id}"),
        )
        .into());
    }
    Ok(())
}

// ---- status spells and projections ---------------------------------------------------------

fn spell_json(s: &Spell) -> serde_json::Value {
    json!({"status": s.status.as_str(), "branch": s.branch, "from": s.from, "to": s.to})
}

/// What [`sync_spells`] leaves to its caller.
#[derive(Debug, Default)]
struct SpellSync {
    /// The detail of the `person.status` audit row the caller writes with its own, when the
    /// spells changed.
    detail: Option<String>,
    /// Coverage to recompute once the gathered writes have run.
    coverage: Option<super::coverage_agg::Recompute>,
}

/// Brings the person's status spells in step with the case after it went from `before` to
/// `after`: the spells' and the aggregates' writes are gathered into `w` (what they need is
/// read now), the coverage check is made against the stored coverage.
async fn sync_spells(
    tx: &mut Tx<'_>,
    case: &CaseRow,
    before: &CaseState,
    after: &CaseState,
    w: &mut Writes,
) -> Result<SpellSync> {
    let b = spells::case_spells(before, case.origin_branch_id);
    let a = spells::case_spells(after, case.origin_branch_id);
    if a == b {
        return Ok(SpellSync::default());
    }
    // The person's spells and characteristics, and the units above every branch the spells
    // before and after name, read together: the facts before and after are computed from them.
    let named: Vec<OrgId> = {
        let mut v: Vec<OrgId> = b.iter().chain(&a).filter_map(|s| s.branch).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let stored = super::aggregates::person_spells(tx, case.person_id, &named).await?;
    let existing: Vec<Spell> = stored
        .spells
        .iter()
        .map(|s| Spell {
            status: s.status,
            branch: s.branch,
            from: s.period.from,
            to: s.period.end_or_max(),
        })
        .collect();
    let Some(mut new) = spells::reconcile(&existing, &b, &a)? else {
        return Ok(SpellSync::default());
    };
    if new == existing {
        return Ok(SpellSync::default());
    }
    new.sort_by_key(|s| s.from);
    for s in existing
        .iter()
        .filter(|s| !new.iter().any(|n| n.from == s.from))
    {
        w.push(
            "DELETE FROM person_status WHERE person_id = $1 AND valid_from = $2",
            vec![Arg::from(case.person_id), s.from.into()],
        );
    }
    for s in &new {
        match existing.iter().find(|o| o.from == s.from) {
            Some(o) if o == s => {}
            Some(_) => w.push(
                "UPDATE person_status SET status = $1, org_id = $2, valid_to = $3 WHERE person_id = $4 AND valid_from = $5",
                vec![
                    Arg::from(s.status.as_str()),
                    s.branch.into(),
                    s.to.into(),
                    case.person_id.into(),
                    s.from.into(),
                ],
            ),
            None => w.push(
                "INSERT INTO person_status (person_id, status, org_id, valid_from, valid_to) VALUES ($1, $2, $3, $4, $5)",
                vec![
                    Arg::from(case.person_id),
                    s.status.as_str().into(),
                    s.branch.into(),
                    s.from.into(),
                    s.to.into(),
                ],
            ),
        }
    }
    let after_spells: Vec<StatusSpell> = new
        .iter()
        .map(|s| StatusSpell {
            status: s.status,
            branch: s.branch,
            period: Period {
                from: s.from,
                to: (s.to != ketnap_domain::dates::OPEN_END).then_some(s.to),
            },
        })
        .collect();
    super::aggregates::spells_changed(tx, &stored, &after_spells, w).await?;
    let member_time = |v: &[Spell]| v.iter().map(|s| (s.status.is_member(), s.branch, s.from, s.to)).collect::<Vec<_>>();
    let coverage =
        super::coverage_agg::to_recompute(
            tx,
            case.person_id,
            &member_time(&existing),
            &member_time(&new),
            Some(&stored.served),
        )
        .await?;
    let detail = json!({
        "case": case.id,
        "before": existing.iter().map(spell_json).collect::<Vec<_>>(),
        "after": new.iter().map(spell_json).collect::<Vec<_>>(),
    });
    Ok(SpellSync {
        detail: Some(detail.to_string()),
        coverage,
    })
}

/// Gathers the case row's update (checked against the version read) and the open-case counts'
/// change into `w`; [`run_saved`] runs them.
fn save_case(w: &mut Writes, case: &CaseRow, p: &Projection, version: i64, actor: &str, at: DateTime<Utc>) {
    w.push_returning(
        "UPDATE pipeline_case SET branch_id = $1, stage = $2, is_open = $3, mentor_id = $4, last_event_on = $5, \
         deadline_on = $6, certificate_issued = $7, version = $8, updated_by = $9, updated_at = $10 \
         WHERE id = $11 AND version = $12 RETURNING version",
        vec![
            Arg::from(p.branch_id),
            p.stage.as_str().into(),
            p.is_open.into(),
            p.mentor_id.into(),
            p.last_event_on.into(),
            p.deadline_on.into(),
            p.certificate_issued.into(),
            version.into(),
            actor.into(),
            at.into(),
            case.id.into(),
            case.version.into(),
        ],
    );
    use super::case_agg::{OpenAt, gather_case_changed};
    let before = case.is_open.then_some(OpenAt {
        branch: case.branch_id,
        stage: &case.stage,
    });
    let after = p.is_open.then_some(OpenAt {
        branch: p.branch_id,
        stage: p.stage.as_str(),
    });
    gather_case_changed(w, before, after);
}

/// Runs the writes gathered by [`save_case`] and the others: the case row must have been
/// updated once.
async fn run_saved(tx: &mut Tx<'_>, w: Writes, case: &CaseRow) -> Result<()> {
    let updated = w.run(tx).await?;
    if updated.len() != 1 {
        return Err(StoreError::Corrupt(format!(
            "case {} changed during the write",
            case.id
        )));
    }
    Ok(())
}

// ---- writes --------------------------------------------------------------------------------

/// Appends one event inside the caller's write transaction: version check, references, facts,
/// the rules, then the event row, the person's spells, the projections and the audit row.
pub async fn append_in(
    tx: &mut Tx<'_>,
    case_id: CaseId,
    new: &NewEvent,
    expected_version: Option<i64>,
    actor: &str,
    cal: &Calendar,
) -> Result<Recorded> {
    let loaded = load_case(tx, case_id).await?;
    append_loaded(tx, loaded, new, expected_version, actor, cal).await
}

/// [`append_in`] for a case already loaded in this transaction.
async fn append_loaded(
    tx: &mut Tx<'_>,
    loaded: Loaded,
    new: &NewEvent,
    expected_version: Option<i64>,
    actor: &str,
    cal: &Calendar,
) -> Result<Recorded> {
    let Loaded {
        case,
        records,
        known,
        next_event_id: loaded_next_id,
        ..
    } = loaded;
    let case_id = case.id;
    if let Some(v) = expected_version
        && v != case.version
    {
        return Err(StoreError::Conflict {
            what: "case",
            key: case_id.to_string(),
            expected: v,
            actual: case.version,
            by: case.updated_by.clone(),
            at: case.updated_at,
        });
    }
    let events: Vec<Event> = records.iter().map(to_event).collect();
    let before = CaseState::derive(&events);
    check_refs(tx, &case, &before, new).await?;
    let seq = records.iter().map(|r| r.seq).max().unwrap_or(0) + 1;
    let at = now();
    // The event's row is written with the others, once the rules accept it.
    let (record, insert) = event_row(loaded_next_id, case_id, seq, new, actor, at)?;
    let id = record.id;
    let event = Event {
        id,
        seq,
        date: new.date,
        kind: new.kind.clone(),
        document: new.document.clone(),
        actor: actor.to_string(),
        corrects: new.corrects,
        reason: new.reason.clone(),
    };
    let facts = facts_for(tx, &case, &before, &event, Some(&known)).await?;
    pl::check(&event, &before, &facts, cal).map_err(StoreError::Refused)?;
    let after = before.apply(event);
    let mut w = Writes::new();
    w.push(INSERT_EVENT, insert);
    let sync = sync_spells(tx, &case, &before, &after, &mut w).await?;
    let proj = spells::project(&after, case.origin_branch_id, case.opened_on, cal);
    let version = case.version + 1;
    save_case(&mut w, &case, &proj, version, actor, at);
    let detail = json!({"event": record, "stage": after.stage, "version": version}).to_string();
    let case_key = case_id.to_string();
    let person_key = case.person_id.to_string();
    let mut rows = vec![("case.event", "pipeline_case", case_key.as_str(), detail.as_str())];
    if let Some(d) = &sync.detail {
        rows.insert(0, ("person.status", "person", person_key.as_str(), d.as_str()));
    }
    super::audit::gather_all(&mut w, actor, &rows);
    run_saved(tx, w, &case).await?;
    if let Some(c) = sync.coverage {
        super::coverage_agg::recompute(tx, c).await?;
    }
    Ok(Recorded {
        event: record,
        version,
        stage: after.stage,
    })
}

/// Checks that a case may be opened and inserts its row (version 0, no events yet).
async fn create_case_in(
    tx: &mut Tx<'_>,
    person: PersonId,
    branch_code: &str,
    date: Date,
    proposed_by: Proposer,
    actor: &str,
) -> Result<CaseId> {
    let code = branch_code.trim().to_ascii_uppercase();
    let branch: Option<i64> = sqlx::query_scalar("SELECT id FROM org_unit WHERE code_key = $1")
        .bind(&code)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(branch) = branch else {
        return Err(Violation::new(
            "branch",
            "case.branch.unknown",
            format!("no organization with code {}", branch_code.trim()),
        )
        .into());
    };
    let f = super::locality::org_on(tx, branch, date, "branch").await?;
    if !f.kind.holds_members() {
        return Err(Violation::new(
            "branch",
            "case.branch.kind",
            format!(
                "{} is a {}; a source list is kept by a branch",
                f.code,
                f.kind.as_str()
            ),
        )
        .into());
    }
    if BACKEND == crate::db::Backend::Postgres {
        // Two concurrent openings for one person: the second waits, then sees the first.
        sqlx::query("SELECT id FROM person WHERE id = $1 FOR UPDATE")
            .bind(person)
            .fetch_optional(&mut **tx)
            .await?;
    }
    if person_facts(tx, person).await?.is_none() {
        return Err(StoreError::NotFound {
            what: "person",
            key: person.to_string(),
        });
    }
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM pipeline_case WHERE person_id = $1 AND is_open = $2 LIMIT 1",
    )
    .bind(person)
    .bind(true)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(c) = open {
        return Err(Violation::new(
            "person",
            "case.open.duplicate",
            format!("person #{person} already has an open case (#{c})"),
        )
        .into());
    }
    if let Some(s) = spells_in(tx, person)
        .await?
        .iter()
        .find(|s| s.contains(date))
        && s.status.is_member()
    {
        return Err(Violation::new(
            "person",
            "case.open.member",
            format!(
                "person #{person} is already a party member ({}) on {date}",
                s.status.as_str()
            ),
        )
        .into());
    }
    let at = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO pipeline_case (person_id, branch_id, origin_branch_id, opened_on, proposed_by, version, updated_by, \
         updated_at, stage, is_open, mentor_id, last_event_on, deadline_on, certificate_issued) \
         VALUES ($1, $2, $2, $3, $4, 0, $5, $6, $7, $8, NULL, $3, NULL, NULL) RETURNING id",
    )
    .bind(person)
    .bind(branch)
    .bind(date)
    .bind(proposed_by.as_str())
    .bind(actor)
    .bind(at)
    .bind(pl::Stage::NotStarted.as_str())
    .bind(true)
    .fetch_one(&mut **tx)
    .await?;
    super::case_agg::case_changed(
        tx,
        None,
        Some(super::case_agg::OpenAt {
            branch,
            stage: pl::Stage::NotStarted.as_str(),
        }),
    )
    .await?;
    let detail = json!({"person": person, "branch": f.code, "date": date, "proposed_by": proposed_by.as_str()});
    super::audit::record_in(
        tx,
        actor,
        "case.open",
        "pipeline_case",
        &id.to_string(),
        &detail.to_string(),
    )
    .await?;
    Ok(id)
}

/// Opens a case and records its `source_listed` event.
pub async fn open_in(
    tx: &mut Tx<'_>,
    new: &NewCase,
    actor: &str,
    cal: &Calendar,
) -> Result<CaseId> {
    let id = create_case_in(
        tx,
        new.person_id,
        &new.branch_code,
        new.date,
        new.proposed_by,
        actor,
    )
    .await?;
    let mut ev = NewEvent::new(
        new.date,
        EventKind::SourceListed {
            proposed_by: new.proposed_by,
        },
    );
    ev.document = new.document.clone();
    append_in(tx, id, &ev, Some(0), actor, cal).await?;
    Ok(id)
}

pub async fn open(pool: &Pool<DB>, new: &NewCase, actor: &str) -> Result<CaseId> {
    let mut tx = super::org::begin_write(pool).await?;
    let cal = super::holidays::calendar_in(&mut tx).await?;
    let id = open_in(&mut tx, new, actor, &cal).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn record(
    pool: &Pool<DB>,
    case_id: CaseId,
    new: &NewEvent,
    expected_version: Option<i64>,
    actor: &str,
) -> Result<Recorded> {
    let mut tx = super::org::begin_write(pool).await?;
    // The case, its events, the facts most steps need and the calendar's version: one
    // statement; the calendar itself is read only when that version is not kept.
    let loaded = load_case(&mut tx, case_id).await?;
    let cal = match super::holidays::cached(&loaded.calendar_token) {
        Some(cal) => cal,
        None => super::holidays::calendar_in(&mut tx).await?,
    };
    let r = append_loaded(&mut tx, loaded, new, expected_version, actor, &cal).await?;
    tx.commit().await?;
    Ok(r)
}

// ---- import --------------------------------------------------------------------------------

/// The import errors a refusal of one row becomes (database failures are passed on).
fn row_errors(row: usize, e: StoreError) -> Result<Vec<ImportError>> {
    Ok(match e {
        StoreError::Refused(rs) => rs
            .into_iter()
            .map(|r| ImportError {
                row,
                column: import_column(r.rule_id).to_string(),
                rule: r.rule_id.to_string(),
                message: r.message_en.clone(),
                refusal: Some(r),
            })
            .collect(),
        StoreError::Rule(d) => d
            .violations()
            .iter()
            .map(|v| ImportError {
                row,
                column: match v.field.as_str() {
                    "mentor" | "introducer" | "to_branch" | "from_branch" => "data".to_string(),
                    "person" => "person_id".to_string(),
                    other => other.to_string(),
                },
                rule: v.rule.to_string(),
                message: v.message.clone(),
                refusal: None,
            })
            .collect(),
        StoreError::NotFound { what, key } => vec![ImportError {
            row,
            column: match what {
                "person" => "person_id",
                "case" => "case",
                _ => "data",
            }
            .to_string(),
            rule: "import.ref.unknown".into(),
            message: format!("{what} {key} not found"),
            refusal: None,
        }],
        other => return Err(other),
    })
}

/// Imports rows in one transaction; see `Store::events_import`.
pub async fn import(
    pool: &Pool<DB>,
    rows: &[ImportRow],
    source: &str,
    actor: &str,
    dry_run: bool,
) -> Result<ImportReport> {
    let mut report = ImportReport {
        rows: rows.len(),
        dry_run,
        ..ImportReport::default()
    };
    let mut index: HashMap<&ImportCase, usize> = HashMap::new();
    let mut groups: Vec<(&ImportCase, Vec<&ImportRow>)> = vec![];
    for r in rows {
        match index.get(&r.case) {
            Some(&i) => {
                if let Some(g) = groups.get_mut(i) {
                    g.1.push(r);
                }
            }
            None => {
                index.insert(&r.case, groups.len());
                groups.push((&r.case, vec![r]));
            }
        }
    }
    let mut tx = super::org::begin_write(pool).await?;
    let cal = super::holidays::calendar_in(&mut tx).await?;
    for (case, group) in groups {
        match case {
            ImportCase::Recorded(id) => {
                import_recorded(&mut tx, *id, &group, actor, &cal, &mut report).await?
            }
            ImportCase::New(key) => {
                import_new(&mut tx, key, &group, actor, &cal, &mut report).await?
            }
        }
    }
    if report.errors.is_empty() && !dry_run {
        let detail = json!({
            "source": source, "rows": report.rows,
            "cases_created": report.cases_created, "events_created": report.events_created,
        });
        super::audit::record_in(
            &mut tx,
            actor,
            "case.import",
            "import",
            source,
            &detail.to_string(),
        )
        .await?;
        tx.commit().await?;
        report.written = true;
    } else {
        tx.rollback().await?;
    }
    Ok(report)
}

async fn import_recorded(
    tx: &mut Tx<'_>,
    case_id: CaseId,
    group: &[&ImportRow],
    actor: &str,
    cal: &Calendar,
    report: &mut ImportReport,
) -> Result<()> {
    let Some(first) = group.first() else {
        return Ok(());
    };
    let case = match lock_case(tx, case_id).await {
        Ok(c) => c,
        Err(e) => {
            report.errors.extend(row_errors(first.row, e)?);
            return Ok(());
        }
    };
    for row in group {
        if row.person_id.is_some_and(|p| p != case.person_id) {
            report.errors.push(ImportError {
                row: row.row,
                column: "person_id".into(),
                rule: "import.case.person".into(),
                message: format!("case {case_id} is not this person's case"),
                refusal: None,
            });
            return Ok(());
        }
        match append_in(tx, case_id, &row.event, None, actor, cal).await {
            Ok(_) => report.events_created += 1,
            Err(e) => {
                report.errors.extend(row_errors(row.row, e)?);
                return Ok(());
            }
        }
    }
    Ok(())
}

async fn import_new(
    tx: &mut Tx<'_>,
    key: &str,
    group: &[&ImportRow],
    actor: &str,
    cal: &Calendar,
    report: &mut ImportReport,
) -> Result<()> {
    let Some(first) = group.first() else {
        return Ok(());
    };
    let err = |row: usize, column: &str, rule: &str, message: String| ImportError {
        row,
        column: column.to_string(),
        rule: rule.to_string(),
        message,
        refusal: None,
    };
    let EventKind::SourceListed { proposed_by } = first.event.kind else {
        report.errors.push(err(
            first.row,
            "kind",
            "import.case.first",
            format!("the first row of new case {key} must be source_listed, with the person and the branch"),
        ));
        return Ok(());
    };
    let (Some(person), Some(branch)) = (first.person_id, first.branch_code.as_deref()) else {
        let column = if first.person_id.is_none() {
            "person_id"
        } else {
            "branch"
        };
        report.errors.push(err(
            first.row,
            column,
            "csv.required",
            format!("new case {key} needs a person and a branch"),
        ));
        return Ok(());
    };
    let case_id =
        match create_case_in(tx, person, branch, first.event.date, proposed_by, actor).await {
            Ok(id) => id,
            Err(e) => {
                report.errors.extend(row_errors(first.row, e)?);
                return Ok(());
            }
        };
    let case = lock_case(tx, case_id).await?;
    let at = now();
    let mut events: Vec<Event> = vec![];
    let mut row_of: HashMap<EventId, usize> = HashMap::new();
    let mut facts: HashMap<EventId, Facts> = HashMap::new();
    let mut prefix = CaseState::default();
    for (i, row) in group.iter().enumerate() {
        if row.person_id.is_some_and(|p| p != person) {
            report.errors.push(err(
                row.row,
                "person_id",
                "import.case.person",
                format!("new case {key} is another person's"),
            ));
            return Ok(());
        }
        if let Err(e) = check_refs(tx, &case, &prefix, &row.event).await {
            report.errors.extend(row_errors(row.row, e)?);
            return Ok(());
        }
        let seq = i64::try_from(i).unwrap_or(i64::MAX - 1) + 1;
        let id = insert_event(tx, case_id, seq, &row.event, actor, at).await?.id;
        let ev = Event {
            id,
            seq,
            date: row.event.date,
            kind: row.event.kind.clone(),
            document: row.event.document.clone(),
            actor: actor.to_string(),
            corrects: row.event.corrects,
            reason: row.event.reason.clone(),
        };
        match facts_for(tx, &case, &prefix, &ev, None).await {
            Ok(f) => {
                facts.insert(id, f);
            }
            Err(e) => {
                report.errors.extend(row_errors(row.row, e)?);
                return Ok(());
            }
        }
        row_of.insert(id, row.row);
        prefix = prefix.apply(ev.clone());
        events.push(ev);
    }
    // The same rules, through the domain's replay of the whole history.
    let state = match pl::replay(
        &events,
        |e, _| {
            facts
                .get(&e.id)
                .cloned()
                .unwrap_or_else(|| Facts::new(OrgKind::Branch))
        },
        cal,
    ) {
        Ok(s) => s,
        Err((id, refusals)) => {
            let row = row_of.get(&id).copied().unwrap_or(first.row);
            report
                .errors
                .extend(row_errors(row, StoreError::Refused(refusals))?);
            return Ok(());
        }
    };
    let mut w = Writes::new();
    let sync = match sync_spells(tx, &case, &CaseState::default(), &state, &mut w).await {
        Ok(d) => d,
        Err(e) => {
            let row = group.last().map_or(first.row, |r| r.row);
            report.errors.extend(row_errors(row, e)?);
            return Ok(());
        }
    };
    let proj = spells::project(&state, case.origin_branch_id, case.opened_on, cal);
    let version = i64::try_from(events.len()).unwrap_or(i64::MAX);
    save_case(&mut w, &case, &proj, version, actor, at);
    run_saved(tx, w, &case).await?;
    if let Some(c) = sync.coverage {
        super::coverage_agg::recompute(tx, c).await?;
    }
    let status_change = sync.detail;
    let case_key = case_id.to_string();
    let person_key = case.person_id.to_string();
    let details: Vec<String> = events
        .iter()
        .map(|e| json!({"event": e, "case": case_id, "import_key": key}).to_string())
        .collect();
    let mut rows: Vec<(&str, &str, &str, &str)> = vec![];
    if let Some(d) = &status_change {
        rows.push(("person.status", "person", person_key.as_str(), d.as_str()));
    }
    rows.extend(details.iter().map(|d| ("case.event", "pipeline_case", case_key.as_str(), d.as_str())));
    for chunk in rows.chunks(super::super::MAX_BINDS / 6) {
        super::audit::record_all_in(tx, actor, chunk).await?;
    }
    report.cases_created += 1;
    report.events_created += events.len();
    Ok(())
}

// ---- benchmark support -----------------------------------------------------------------------

/// Open cases in one of `stages`, by id (for `ketnap bench`).
pub async fn open_case_ids(pool: &Pool<DB>, stages: &[pl::Stage]) -> Result<Vec<CaseId>> {
    let list: Vec<String> = stages.iter().map(|s| format!("'{}'", s.as_str())).collect();
    let sql = format!(
        "SELECT id FROM pipeline_case WHERE is_open = $1 AND stage IN ({}) ORDER BY id",
        list.join(", ")
    );
    Ok(sqlx::query_scalar::<DB, i64>(AssertSqlSafe(sql))
        .bind(true)
        .fetch_all(pool)
        .await?)
}

/// The benchmark's baseline for recording an event: the same event row appended by a plain
/// INSERT (next `seq`), without rules, facts, spells or projections, in a write transaction
/// that is rolled back (nothing stays).
pub async fn insert_event_rolled_back(
    pool: &Pool<DB>,
    case_id: CaseId,
    new: &NewEvent,
    actor: &str,
) -> Result<()> {
    let mut tx = super::org::begin_write(pool).await?;
    let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM pipeline_event WHERE case_id = $1")
        .bind(case_id)
        .fetch_one(&mut *tx)
        .await?;
    insert_event(&mut tx, case_id, seq, new, actor, now()).await?;
    tx.rollback().await?;
    Ok(())
}
