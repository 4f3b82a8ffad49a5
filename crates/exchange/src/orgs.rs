//! `orgs` CSV: `code,name,kind,sector,parent_code,valid_from[,valid_to]` — a flat view of the
//! units on a date, superiors before their subordinates.
//!
//! Import creates the units not yet recorded (a unit exists from `valid_from`, under
//! `parent_code`, until `valid_to` when given). A unit already recorded must match the file on
//! the row's `valid_from` (name, superior, kind, sector, end): structure changes are dated
//! operations with lineage (`ketnap org rename|move|merge|split|dissolve`), not CSV edits.

use std::collections::HashMap;

use ketnap_domain::org::{OrgId, OrgKind, Sector, check_code, check_name};
use ketnap_domain::{Date, Period};
use ketnap_store::batch::{BatchRef, OrgExport, Step};
use ketnap_store::{OrgRecord, Store};

use crate::csvio::{self, Row, Table};
use crate::labels::{codes, parse_org_kind, parse_sector};
use crate::{ExchangeError, Kind, Plan, Progress, RowError, row_starts};

struct Parsed {
    row: usize,
    code: String,
    name: String,
    kind: OrgKind,
    sector: Sector,
    parent: Option<String>,
    period: Period,
}

fn column(field: &str) -> &'static str {
    match field {
        "unit.code" | "code" => "code",
        "unit.name" | "name" => "name",
        "unit.parent" | "parent" => "parent_code",
        "valid_to" => "valid_to",
        "" => "",
        _ => "valid_from",
    }
}

fn parse(table: &Table, rec: &csvio::Record) -> Result<Parsed, Vec<RowError>> {
    let mut r = Row::new(table, rec);
    let code = r.required("code").map(str::to_string);
    if let Some(Err(v)) = code.as_deref().map(|c| check_code(c, "code")) {
        r.errors.push(RowError::from_violation(r.row(), "code", &v));
    }
    let name = r.required("name").map(str::to_string);
    if let Some(Err(v)) = name.as_deref().map(|n| check_name(n, "name")) {
        r.errors.push(RowError::from_violation(r.row(), "name", &v));
    }
    let kind = r.parse(
        "kind",
        parse_org_kind,
        &codes(&OrgKind::ALL, OrgKind::as_str),
    );
    let sector = r.parse("sector", parse_sector, &codes(&Sector::ALL, Sector::as_str));
    let parent = Some(r.get("parent_code"))
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    let from = r.date("valid_from", true);
    let to = r.date("valid_to", false);
    let period = from.and_then(|f| match Period::new(f, to) {
        Ok(p) => Some(p),
        Err(v) => {
            r.error("valid_to", v.rule, v.message);
            None
        }
    });
    match (code, name, kind, sector, period) {
        (Some(code), Some(name), Some(kind), Some(sector), Some(period)) if r.errors.is_empty() => {
            Ok(Parsed {
                row: rec.row,
                code,
                name,
                kind,
                sector,
                parent,
                period,
            })
        }
        _ => Err(r.errors),
    }
}

/// Works out the import of an `orgs` file.
pub(crate) async fn plan(
    store: &Store,
    table: &Table,
    progress: &dyn Progress,
) -> Result<Plan, ExchangeError> {
    let mut plan = Plan::default();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut parsed = vec![];
    for rec in &table.rows {
        match parse(table, rec) {
            Ok(p) => {
                let key = p.code.to_ascii_uppercase();
                if let Some(prev) = first_row.get(&key) {
                    plan.errors.push(RowError::new(
                        p.row,
                        "code",
                        "import.duplicate",
                        format!("code {} already appears on row {prev}", p.code),
                    ));
                } else {
                    first_row.insert(key, p.row);
                    parsed.push(p);
                }
            }
            Err(e) => plan.errors.extend(e),
        }
    }
    let mut created: HashMap<String, usize> = HashMap::new();
    let mut lookups: HashMap<String, Option<OrgId>> = HashMap::new();
    for p in parsed {
        progress.inc(1);
        if let Some(u) = store.org_by_code(&p.code).await? {
            lookups.insert(p.code.to_ascii_uppercase(), Some(u.id));
            match differences(store, &u, &p).await? {
                None => plan.unchanged += 1,
                Some(e) => plan.errors.push(e),
            }
            continue;
        }
        let parent = match &p.parent {
            None => None,
            Some(pc) => {
                let key = pc.to_ascii_uppercase();
                if let Some(step) = created.get(&key) {
                    Some(BatchRef::Step(*step))
                } else {
                    let id = match lookups.get(&key) {
                        Some(id) => *id,
                        None => {
                            let id = store.org_by_code(pc).await?.map(|u| u.id);
                            lookups.insert(key.clone(), id);
                            id
                        }
                    };
                    match (id, first_row.get(&key)) {
                        (Some(id), _) => Some(BatchRef::Id(id)),
                        (None, Some(r)) if *r > p.row => {
                            plan.errors.push(RowError::new(
                                p.row,
                                "parent_code",
                                "import.ref.order",
                                format!("superior {pc} is defined later in the file (row {r}): list superiors first"),
                            ));
                            continue;
                        }
                        (None, Some(r)) => {
                            plan.errors.push(RowError::new(
                                p.row,
                                "parent_code",
                                "import.ref.refused",
                                format!("superior {pc} (row {r}) is refused"),
                            ));
                            continue;
                        }
                        (None, None) => {
                            plan.errors.push(RowError::new(
                                p.row,
                                "parent_code",
                                "import.ref.unknown",
                                format!("no organization with code {pc}, in the database or earlier in the file"),
                            ));
                            continue;
                        }
                    }
                }
            }
        };
        let step = Step::CreateOrg {
            code: p.code.clone(),
            name: p.name.clone(),
            kind: p.kind,
            sector: p.sector,
            parent,
            period: p.period,
        };
        let i = plan.push(p.row, step, column);
        created.insert(p.code.to_ascii_uppercase(), i);
        plan.created += 1;
    }
    Ok(plan)
}

/// Whether a recorded unit matches the row on the row's `valid_from`; the refusal otherwise.
async fn differences(
    store: &Store,
    u: &OrgRecord,
    p: &Parsed,
) -> Result<Option<RowError>, ExchangeError> {
    let on = p.period.from;
    let mut diffs: Vec<(&str, String)> = vec![];
    if u.kind != p.kind {
        diffs.push((
            "kind",
            format!("kind {} (file: {})", u.kind.as_str(), p.kind.as_str()),
        ));
    }
    if u.sector != p.sector {
        diffs.push((
            "sector",
            format!("sector {} (file: {})", u.sector.as_str(), p.sector.as_str()),
        ));
    }
    if !u.period.contains(on) {
        diffs.push((
            "valid_from",
            format!("existing {} (file: from {on})", u.period),
        ));
    } else if let Some(h) = store.org_history(u.id).await? {
        let name = h
            .names
            .iter()
            .find(|n| n.period.contains(on))
            .map(|n| n.name.as_str());
        if name != Some(p.name.trim()) {
            diffs.push((
                "name",
                format!("name {:?} (file: {:?})", name.unwrap_or(""), p.name),
            ));
        }
        let parent = h
            .parents
            .iter()
            .find(|l| l.period.contains(on))
            .map(|l| l.parent.code.to_ascii_uppercase());
        if parent != p.parent.as_ref().map(|c| c.to_ascii_uppercase()) {
            diffs.push((
                "parent_code",
                format!(
                    "superior {} (file: {})",
                    parent.as_deref().unwrap_or("none"),
                    p.parent.as_deref().unwrap_or("none")
                ),
            ));
        }
    }
    if p.period.to.is_some() && p.period.to != u.period.to {
        diffs.push((
            "valid_to",
            format!(
                "existing {} (file: until {})",
                u.period,
                p.period.end_or_max()
            ),
        ));
    }
    let Some((col, _)) = diffs.first() else {
        return Ok(None);
    };
    let what = diffs
        .iter()
        .map(|d| d.1.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    Ok(Some(RowError::new(
        p.row,
        col,
        "import.org.differs",
        format!(
            "{} is recorded differently on {on}: {what}; structure changes are dated operations (ketnap org rename, move, merge, split, dissolve)",
            u.code
        ),
    )))
}

/// Writes the units, each superior before its subordinates (depth first, by code).
pub(crate) fn write<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    units: &[OrgExport],
) -> Result<usize, ExchangeError> {
    w.write_record(csvio::header(Kind::Orgs))?;
    let starts = row_starts(units);
    let by_id: HashMap<OrgId, &OrgExport> = units.iter().map(|u| (u.id, u)).collect();
    let mut children: HashMap<Option<OrgId>, Vec<&OrgExport>> = HashMap::new();
    for u in units {
        let parent = u.parent.map(|p| p.0).filter(|p| by_id.contains_key(p));
        children.entry(parent).or_default().push(u);
    }
    for v in children.values_mut() {
        v.sort_by(|a, b| a.code.cmp(&b.code));
    }
    let mut stack: Vec<&OrgExport> = children
        .get(&None)
        .map(|v| v.iter().rev().copied().collect())
        .unwrap_or_default();
    let mut n = 0;
    while let Some(u) = stack.pop() {
        let parent = u
            .parent
            .and_then(|p| by_id.get(&p.0))
            .map(|p| p.code.as_str())
            .unwrap_or("");
        let from: Date = starts.get(&u.id).copied().unwrap_or(u.period.from);
        let to = u.period.to.map(csvio::date).unwrap_or_default();
        w.write_record(csvio::safe_record([
            u.code.as_str(),
            u.name.as_str(),
            u.kind.as_str(),
            u.sector.as_str(),
            parent,
            &csvio::date(from),
            &to,
        ]))?;
        n += 1;
        if let Some(c) = children.get(&Some(u.id)) {
            stack.extend(c.iter().rev());
        }
    }
    Ok(n)
}
