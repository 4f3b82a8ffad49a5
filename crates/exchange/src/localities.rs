//! `localities` CSV: `code,name,kind,commune_code,valid_from[,valid_to,population_year,
//! population,branch_code,branch_from]` — localities on a date with their commune, the latest
//! population figure and the serving branch.
//!
//! Import creates new localities; for recorded ones it corrects name and kind, moves the
//! locality when the file puts it in another commune from `valid_from`, closes it on
//! `valid_to`, records the population figure, and changes the serving branch from
//! `branch_from` (a blank `branch_code` with a `branch_from` stops the service then).

use std::collections::HashMap;

use ketnap_domain::Date;
use ketnap_domain::locality::{
    LocalityKind, NewLocality, check_locality_code, check_locality_name, check_population,
};
use ketnap_domain::org::OrgId;
use ketnap_store::Store;
use ketnap_store::batch::{BatchRef, LocalityExport, Step};

use crate::csvio::{self, Row, Table};
use crate::labels::codes;
use crate::{ExchangeError, Kind, Plan, Progress, RowError};

struct Parsed {
    row: usize,
    code: String,
    name: String,
    kind: LocalityKind,
    commune: OrgId,
    from: Date,
    to: Option<Date>,
    population: Option<(i32, i64)>,
    /// `Some((branch, from))`: served by `branch` from `from`; `Some((None, from))`: no branch
    /// from `from`; `None`: the file says nothing of the service.
    service: Option<(Option<OrgId>, Date)>,
}

/// Resolves organization codes once each.
pub(crate) struct Orgs<'a> {
    store: &'a Store,
    cache: HashMap<String, Option<OrgId>>,
}

impl<'a> Orgs<'a> {
    pub fn new(store: &'a Store) -> Self {
        Self {
            store,
            cache: HashMap::new(),
        }
    }

    /// The id of the unit with `code`, or a refusal on `column`.
    pub async fn resolve(
        &mut self,
        r: &mut Row<'_>,
        column: &str,
        code: &str,
    ) -> Result<Option<OrgId>, ExchangeError> {
        let key = code.to_ascii_uppercase();
        let id = match self.cache.get(&key) {
            Some(id) => *id,
            None => {
                let id = self.store.org_by_code(code).await?.map(|u| u.id);
                self.cache.insert(key, id);
                id
            }
        };
        if id.is_none() {
            r.error(
                column,
                "import.ref.unknown",
                format!("no organization with code {code}"),
            );
        }
        Ok(id)
    }
}

async fn parse(
    table: &Table,
    rec: &csvio::Record,
    orgs: &mut Orgs<'_>,
) -> Result<Result<Parsed, Vec<RowError>>, ExchangeError> {
    let mut r = Row::new(table, rec);
    let code = r.required("code").map(str::to_string);
    if let Some(Err(v)) = code.as_deref().map(check_locality_code) {
        r.errors.push(RowError::from_violation(r.row(), "code", &v));
    }
    let name = r.required("name").map(str::to_string);
    if let Some(Err(v)) = name.as_deref().map(check_locality_name) {
        r.errors.push(RowError::from_violation(r.row(), "name", &v));
    }
    let kind = r.parse(
        "kind",
        LocalityKind::parse,
        &codes(LocalityKind::ALL, LocalityKind::as_str),
    );
    let commune = match r.required("commune_code") {
        Some(c) => orgs.resolve(&mut r, "commune_code", c).await?,
        None => None,
    };
    let from = r.date("valid_from", true);
    let to = r.date("valid_to", false);
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        r.error(
            "valid_to",
            "period.order",
            format!("end date {t} must be after start date {f}"),
        );
    }
    let year = r.int("population_year");
    let pop = r.int("population");
    let population = match (year, pop) {
        (Some(y), Some(p)) => {
            let y = i32::try_from(y).unwrap_or(i32::MAX);
            match check_population(y, p) {
                Ok(()) => Some((y, p)),
                Err(v) => {
                    let col = if v.field == "year" {
                        "population_year"
                    } else {
                        "population"
                    };
                    r.errors.push(RowError::from_violation(r.row(), col, &v));
                    None
                }
            }
        }
        (None, None) => None,
        (Some(_), None) => {
            r.error(
                "population",
                "locality.population.pair",
                "population_year is given without population",
            );
            None
        }
        (None, Some(_)) => {
            r.error(
                "population_year",
                "locality.population.pair",
                "population is given without population_year",
            );
            None
        }
    };
    let branch_code = r.get("branch_code");
    let branch = if branch_code.is_empty() {
        None
    } else {
        orgs.resolve(&mut r, "branch_code", branch_code).await?
    };
    let branch_from = r.date("branch_from", false);
    let service = match (branch_code.is_empty(), branch, branch_from.or(from)) {
        (false, Some(b), Some(f)) => Some((Some(b), f)),
        (true, _, Some(f)) if branch_from.is_some() => Some((None, f)),
        _ => None,
    };
    match (code, name, kind, commune, from) {
        (Some(code), Some(name), Some(kind), Some(commune), Some(from)) if r.errors.is_empty() => {
            Ok(Ok(Parsed {
                row: rec.row,
                code,
                name,
                kind,
                commune,
                from,
                to,
                population,
                service,
            }))
        }
        _ => Ok(Err(r.errors)),
    }
}

fn create_column(field: &str) -> &'static str {
    match field {
        "code" => "code",
        "name" => "name",
        "commune" => "commune_code",
        _ => "valid_from",
    }
}
fn update_column(field: &str) -> &'static str {
    if field == "name" { "name" } else { "kind" }
}
fn move_column(field: &str) -> &'static str {
    if field == "commune" {
        "commune_code"
    } else {
        "valid_from"
    }
}
fn close_column(_: &str) -> &'static str {
    "valid_to"
}
fn population_column(field: &str) -> &'static str {
    if field == "year" {
        "population_year"
    } else {
        "population"
    }
}
fn service_column(field: &str) -> &'static str {
    if field == "branch" {
        "branch_code"
    } else {
        "branch_from"
    }
}

/// Works out the import of a `localities` file.
pub(crate) async fn plan(
    store: &Store,
    table: &Table,
    progress: &dyn Progress,
) -> Result<Plan, ExchangeError> {
    let mut plan = Plan::default();
    let mut orgs = Orgs::new(store);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for rec in &table.rows {
        progress.inc(1);
        let p = match parse(table, rec, &mut orgs).await? {
            Ok(p) => p,
            Err(e) => {
                plan.errors.extend(e);
                continue;
            }
        };
        let key = p.code.to_ascii_uppercase();
        if let Some(prev) = seen.insert(key, p.row) {
            plan.errors.push(RowError::new(
                p.row,
                "code",
                "import.duplicate",
                format!("code {} already appears on row {prev}", p.code),
            ));
            continue;
        }
        let row = p.row;
        let Some(l) = store.locality_by_code(&p.code).await? else {
            let new = NewLocality {
                code: p.code.clone(),
                name: p.name.clone(),
                kind: p.kind,
                commune: p.commune,
                from: p.from,
            };
            let i = plan.push(row, Step::CreateLocality(new), create_column);
            let me = BatchRef::Step(i);
            if let Some((year, population)) = p.population {
                plan.push(
                    row,
                    Step::SetPopulation {
                        locality: me,
                        year,
                        population,
                    },
                    population_column,
                );
            }
            if let Some((Some(branch), from)) = p.service {
                plan.push(
                    row,
                    Step::SetService {
                        locality: me,
                        branch: Some(branch),
                        from,
                    },
                    service_column,
                );
            }
            if let Some(at) = p.to {
                plan.push(row, Step::CloseLocality { locality: me, at }, close_column);
            }
            plan.created += 1;
            continue;
        };
        let h = store.locality_history(l.id).await?;
        let me = BatchRef::Id(l.id);
        let before = plan.steps.len();
        if l.name != p.name.trim() || l.kind != p.kind {
            plan.push(
                row,
                Step::UpdateLocality {
                    locality: me,
                    name: p.name.clone(),
                    kind: p.kind,
                },
                update_column,
            );
        }
        let commune_then = h
            .as_ref()
            .and_then(|h| h.communes.iter().find(|c| c.period.contains(p.from)))
            .map(|c| c.org.id);
        if commune_then != Some(p.commune) {
            plan.push(
                row,
                Step::MoveLocality {
                    locality: me,
                    commune: p.commune,
                    from: p.from,
                },
                move_column,
            );
        }
        if let Some((year, population)) = p.population {
            let recorded = h
                .as_ref()
                .and_then(|h| h.populations.iter().find(|x| x.year == year))
                .map(|x| x.population);
            if recorded != Some(population) {
                plan.push(
                    row,
                    Step::SetPopulation {
                        locality: me,
                        year,
                        population,
                    },
                    population_column,
                );
            }
        }
        if let Some((branch, from)) = p.service {
            let then = h
                .as_ref()
                .and_then(|h| h.service.iter().find(|s| s.period.contains(from)))
                .map(|s| s.org.id);
            if then != branch {
                plan.push(
                    row,
                    Step::SetService {
                        locality: me,
                        branch,
                        from,
                    },
                    service_column,
                );
            }
        }
        if let Some(at) = p.to
            && l.period.to != Some(at)
        {
            if l.period.is_open() {
                plan.push(row, Step::CloseLocality { locality: me, at }, close_column);
            } else {
                plan.errors.push(RowError::new(
                    row,
                    "valid_to",
                    "import.locality.end",
                    format!("locality {} is recorded as existing {}; an end date cannot be changed by import", l.code, l.period),
                ));
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

/// Writes the localities; each row's dates start no earlier than the rows it refers to
/// (`starts`: the organization rows' start dates).
pub(crate) fn write<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    rows: &[LocalityExport],
    starts: &HashMap<OrgId, Date>,
) -> Result<usize, ExchangeError> {
    w.write_record(csvio::header(Kind::Localities))?;
    for l in rows {
        let (commune, commune_code, commune_from) = &l.commune;
        let from = l
            .period
            .from
            .max(*commune_from)
            .max(starts.get(commune).copied().unwrap_or(l.period.from));
        let (branch, branch_from) = match &l.branch {
            Some((b, code, since)) => {
                let f = (*since)
                    .max(from)
                    .max(starts.get(b).copied().unwrap_or(*since));
                (code.as_str(), csvio::date(f))
            }
            None => ("", String::new()),
        };
        let (year, pop) = l
            .population
            .map(|p| (p.year.to_string(), p.population.to_string()))
            .unwrap_or_default();
        w.write_record(csvio::safe_record([
            l.code.as_str(),
            l.name.as_str(),
            l.kind.as_str(),
            commune_code.as_str(),
            &csvio::date(from),
            &l.period.to.map(csvio::date).unwrap_or_default(),
            &year,
            &pop,
            branch,
            &branch_from,
        ]))?;
    }
    Ok(rows.len())
}
