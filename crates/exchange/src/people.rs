//! `people` CSV: demographics (`cccd,full_name,sex,birth_date,ethnic_group,religion,education,
//! qualification,political_theory,occupation,youth_union,residence_code`) and the current
//! status (`status,status_from,branch_code`).
//!
//! People are matched by CCCD, or — when the row has none, or nobody holds it — by name
//! (diacritics ignored) and birth date among records without a CCCD. A matched record is
//! updated when its demographics differ; its status gets a new spell from `status_from` when the
//! file's status or branch differ from the one recorded on that date. Blank `cccd` and
//! `residence_code` keep what is recorded.

use std::collections::HashMap;

use ketnap_domain::org::OrgId;
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PersonId, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_domain::sensitive::Sensitive;
use ketnap_domain::text::fold;
use ketnap_domain::{Date, DomainError};
use ketnap_store::batch::{BatchRef, PersonExport, Step};
use ketnap_store::{PersonRecord, Store};

use crate::csvio::{self, Row, Table};
use crate::labels::{codes, parse_bool};
use crate::localities::Orgs;
use crate::{ExchangeError, Kind, Plan, Progress, RowError};

struct Parsed {
    row: usize,
    person: Person,
    /// The row gives a residence (otherwise the recorded one is kept).
    residence_given: bool,
    status: Option<(PartyStatus, Date, Option<OrgId>)>,
}

fn person_column(field: &str) -> &'static str {
    match field {
        "cccd" => "cccd",
        "birth_date" => "birth_date",
        "residence_locality" => "residence_code",
        _ => "full_name",
    }
}

fn status_column(field: &str) -> &'static str {
    match field {
        "branch" => "branch_code",
        "from" => "status_from",
        f if f.ends_with(".branch") => "branch_code",
        _ => "status",
    }
}

async fn parse(
    store: &Store,
    table: &Table,
    rec: &csvio::Record,
    orgs: &mut Orgs<'_>,
    localities: &mut HashMap<String, Option<i64>>,
    today: Date,
) -> Result<Result<Parsed, Vec<RowError>>, ExchangeError> {
    let mut r = Row::new(table, rec);
    let cccd = r.get("cccd");
    let name = r
        .required("full_name")
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "));
    let sex = r.parse("sex", Sex::parse, &codes(Sex::ALL, Sex::as_str));
    let birth = r.date("birth_date", true);
    let ethnic = r.parse(
        "ethnic_group",
        EthnicGroup::parse,
        "the 54 groups' codes 01–54 or names",
    );
    let religion = r.parse(
        "religion",
        Religion::parse,
        &codes(Religion::ALL, Religion::as_str),
    );
    let education = r.parse(
        "education",
        GeneralEducation::parse,
        &codes(GeneralEducation::ALL, GeneralEducation::as_str),
    );
    let qualification = r.parse(
        "qualification",
        ProfessionalQualification::parse,
        &codes(
            ProfessionalQualification::ALL,
            ProfessionalQualification::as_str,
        ),
    );
    let theory = r.parse(
        "political_theory",
        PoliticalTheory::parse,
        &codes(PoliticalTheory::ALL, PoliticalTheory::as_str),
    );
    let occupation = r.parse(
        "occupation",
        Occupation::parse,
        &codes(Occupation::ALL, Occupation::as_str),
    );
    let youth = r.get("youth_union");
    let youth_union = parse_bool(youth).unwrap_or_else(|| {
        r.error(
            "youth_union",
            "csv.bool",
            format!("{youth:?} is not yes/no (use true/false, 1/0, có/không)"),
        );
        false
    });
    let residence_code = r.get("residence_code");
    let mut residence = None;
    if !residence_code.is_empty() {
        let key = residence_code.to_ascii_uppercase();
        let id = match localities.get(&key) {
            Some(id) => *id,
            None => {
                let id = store.locality_by_code(residence_code).await?.map(|l| l.id);
                localities.insert(key, id);
                id
            }
        };
        if id.is_none() {
            r.error(
                "residence_code",
                "import.ref.unknown",
                format!("no locality with code {residence_code}"),
            );
        }
        residence = id;
    }
    let status_text = r.get("status");
    let status = if status_text.is_empty() {
        None
    } else {
        let st = r.parse(
            "status",
            PartyStatus::parse,
            &codes(PartyStatus::ALL, PartyStatus::as_str),
        );
        let from = r.date("status_from", true);
        let branch_code = r.get("branch_code");
        let branch = if branch_code.is_empty() {
            if st.is_some_and(PartyStatus::needs_branch) {
                r.error(
                    "branch_code",
                    "person.status.branch",
                    format!("a {} belongs to a branch", status_text),
                );
            }
            None
        } else {
            orgs.resolve(&mut r, "branch_code", branch_code).await?
        };
        st.zip(from).map(|(s, f)| (s, f, branch))
    };
    let (
        Some(full_name),
        Some(sex),
        Some(birth),
        Some(ethnic),
        Some(religion),
        Some(education),
        Some(qualification),
        Some(theory),
        Some(occupation),
    ) = (
        name,
        sex,
        birth,
        ethnic,
        religion,
        education,
        qualification,
        theory,
        occupation,
    )
    else {
        return Ok(Err(r.errors));
    };
    let person = Person {
        id: 0,
        cccd: (!cccd.is_empty()).then(|| Sensitive::new(cccd.to_string())),
        full_name,
        sex,
        birth_date: Sensitive::new(birth),
        ethnic_group: Sensitive::new(ethnic),
        religion: Sensitive::new(religion),
        education,
        qualification,
        political_theory: theory,
        occupation,
        youth_union,
        residence_locality: residence,
    };
    if let Err(DomainError::Invalid(vs)) = person.validate(today) {
        for v in vs {
            r.errors.push(RowError::from_violation(
                r.row(),
                person_column(&v.field),
                &v,
            ));
        }
    }
    if r.errors.is_empty() {
        Ok(Ok(Parsed {
            row: rec.row,
            person,
            residence_given: !residence_code.is_empty(),
            status,
        }))
    } else {
        Ok(Err(r.errors))
    }
}

/// The recorded person the row is about, if any.
async fn find(
    store: &Store,
    p: &Person,
) -> Result<Result<Option<PersonRecord>, String>, ExchangeError> {
    if let Some(c) = &p.cccd
        && let Some(rec) = store.person_by_cccd(c.expose()).await?
    {
        return Ok(Ok(Some(rec)));
    }
    let mut found = vec![];
    for id in store
        .person_ids_by_name_birth(&p.full_name, *p.birth_date.expose())
        .await?
    {
        if let Some(rec) = store.person_by_id(id).await? {
            // With a CCCD in the row, only a record without one can be the same person.
            if p.cccd.is_none() || rec.person.cccd.is_none() {
                found.push(rec);
            }
        }
    }
    match found.len() {
        0 | 1 => Ok(Ok(found.pop())),
        n => Ok(Err(format!(
            "{n} people on record have this name and birth date and no CCCD to tell them apart; give the CCCD"
        ))),
    }
}

/// Works out the import of a `people` file.
pub(crate) async fn plan(
    store: &Store,
    table: &Table,
    progress: &dyn Progress,
) -> Result<Plan, ExchangeError> {
    let mut plan = Plan::default();
    let mut orgs = Orgs::new(store);
    let mut localities = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let today = chrono::Local::now().date_naive();
    for rec in &table.rows {
        progress.inc(1);
        let p = match parse(store, table, rec, &mut orgs, &mut localities, today).await? {
            Ok(p) => p,
            Err(e) => {
                plan.errors.extend(e);
                continue;
            }
        };
        let row = p.row;
        let (key, col, what) = match &p.person.cccd {
            Some(c) => (format!("cccd:{}", c.expose()), "cccd", "this CCCD"),
            None => (
                format!(
                    "name:{}:{}",
                    fold(&p.person.full_name),
                    p.person.birth_date.expose()
                ),
                "full_name",
                "this name and birth date",
            ),
        };
        if let Some(prev) = seen.insert(key, row) {
            plan.errors.push(RowError::new(
                row,
                col,
                "import.duplicate",
                format!("row {prev} already has {what}"),
            ));
            continue;
        }
        let existing = match find(store, &p.person).await? {
            Ok(e) => e,
            Err(msg) => {
                plan.errors.push(RowError::new(
                    row,
                    "full_name",
                    "import.person.ambiguous",
                    msg,
                ));
                continue;
            }
        };
        let Some(rec) = existing else {
            let i = plan.push(row, Step::CreatePerson(p.person.clone()), person_column);
            if let Some((status, from, branch)) = p.status {
                plan.push(
                    row,
                    Step::AddStatus {
                        person: BatchRef::Step(i),
                        status,
                        branch,
                        from,
                    },
                    status_column,
                );
            }
            plan.created += 1;
            continue;
        };
        let before = plan.steps.len();
        let id: PersonId = rec.person.id;
        let mut wanted = p.person.clone();
        wanted.id = id;
        if wanted.cccd.is_none() {
            wanted.cccd = rec.person.cccd.clone();
        }
        if !p.residence_given {
            wanted.residence_locality = rec.person.residence_locality;
        }
        if wanted != rec.person {
            plan.push(row, Step::UpdatePerson(wanted), person_column);
        }
        if let Some((status, from, branch)) = p.status {
            let then = rec.statuses.iter().find(|s| s.period.contains(from));
            let same = then
                .is_some_and(|s| s.status == status && s.branch.as_ref().map(|b| b.id) == branch);
            if !same {
                plan.push(
                    row,
                    Step::AddStatus {
                        person: BatchRef::Id(id),
                        status,
                        branch,
                        from,
                    },
                    status_column,
                );
            }
        }
        if plan.steps.len() > before {
            plan.updated += 1;
        } else {
            plan.unchanged += 1;
        }
    }
    Ok(plan)
}

/// Writes the people with their status on the export date; `status_from` starts no earlier
/// than the branch's organization row (`starts`).
pub(crate) fn write<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    rows: &[PersonExport],
    starts: &HashMap<OrgId, Date>,
) -> Result<usize, ExchangeError> {
    w.write_record(csvio::header(Kind::People))?;
    for x in rows {
        let p = &x.person;
        let (status, from, branch) = match &x.status {
            Some((s, since, b)) => {
                let f = b
                    .as_ref()
                    .and_then(|(id, _)| starts.get(id))
                    .map_or(*since, |d| (*since).max(*d));
                (
                    s.as_str(),
                    csvio::date(f),
                    b.as_ref().map(|(_, c)| c.as_str()).unwrap_or(""),
                )
            }
            None => ("", String::new(), ""),
        };
        w.write_record(csvio::safe_record([
            p.cccd.as_ref().map(|c| c.expose().as_str()).unwrap_or(""),
            p.full_name.as_str(),
            p.sex.as_str(),
            &csvio::date(*p.birth_date.expose()),
            p.ethnic_group.expose().code(),
            p.religion.expose().as_str(),
            p.education.as_str(),
            p.qualification.as_str(),
            p.political_theory.as_str(),
            p.occupation.as_str(),
            if p.youth_union { "true" } else { "false" },
            x.residence_code.as_deref().unwrap_or(""),
            status,
            &from,
            branch,
        ]))?;
    }
    Ok(rows.len())
}
