//! CSV import and export of organizations, localities and people (format: docs/import-format.md),
//! and the dossier forms of a case printed as DOCX (`forms`, `docx`).
//!
//! Import reads the whole file, parses and checks **every** row (row, column, rule, message),
//! resolves references (parent, commune, branch, locality codes; rows may refer to units created
//! earlier in the same file), compares each row with what is recorded, and only then writes the
//! changes as one batch in one transaction — where every step is checked again by the store's
//! rules. Any refusal anywhere: nothing is written. Export writes the same format, so
//! export → import into an empty database → export gives the same file.

mod csvio;
pub mod docx;
pub mod events;
pub mod forms;
mod labels;
mod localities;
pub mod mapping;
pub mod national;
mod orgs;
mod people;
pub mod sheet;
pub mod testing;

use std::collections::HashMap;

use ketnap_domain::org::OrgId;
use ketnap_domain::{Date, Violation};
use ketnap_store::batch::{Batch, BatchStep, OrgExport};
use ketnap_store::{Store, StoreError};
use serde::Serialize;

pub use csvio::{safe_cell, unescape_cell};
pub use labels::{parse_org_kind, parse_sector, sector_label_vi};

/// What a CSV file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Organization units (tổ chức đảng).
    Orgs,
    /// Localities (địa bàn).
    Localities,
    /// People (quần chúng, đảng viên).
    People,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Orgs => "orgs",
            Kind::Localities => "localities",
            Kind::People => "people",
        }
    }
}

/// One refused row: where (row as a spreadsheet numbers it, the header being row 1; column),
/// which rule, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub rule: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "row {}: {} [{}]", self.row, self.message, self.rule)
        } else {
            write!(
                f,
                "row {}, column {}: {} [{}]",
                self.row, self.column, self.message, self.rule
            )
        }
    }
}

impl RowError {
    pub fn new(row: usize, column: &str, rule: &str, message: impl Into<String>) -> Self {
        Self {
            row,
            column: column.to_string(),
            rule: rule.to_string(),
            message: message.into(),
        }
    }

    /// A refusal of the domain or the store. For a sensitive column (CCCD, birth date, ethnic
    /// group, religion) the message is a fixed text per rule, never the domain's, which may
    /// quote digits of the CCCD or the birth year.
    fn from_violation(row: usize, column: &str, v: &Violation) -> Self {
        if ketnap_domain::sensitive::is_sensitive_field(column) {
            return Self::new(row, column, v.rule, sensitive_message(v.rule));
        }
        Self::new(row, column, v.rule, v.message.clone())
    }
}

/// What a rule says about a sensitive value, without the value (personal data must never reach
/// a message that may be logged).
pub(crate) fn sensitive_message(rule: &str) -> String {
    match rule {
        "cccd.format" => "CCCD must be exactly 12 digits".into(),
        "cccd.province" => "CCCD digits 1–3 are not a province code of the official list".into(),
        "cccd.sex_century" => {
            "CCCD 4th digit does not match the sex and the century of birth of the row".into()
        }
        "cccd.birth_year" => "CCCD digits 5–6 do not match the birth year of the row".into(),
        "person.birth_date.future" => "birth date is in the future".into(),
        "person.birth_date.plausible" => "birth date is more than 130 years ago".into(),
        other => format!("the value is refused by rule {other} (not shown: personal data)"),
    }
}

/// Why an import or export did not go through.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// Some rows are refused; nothing was written.
    #[error("{} row error(s); nothing was written", .0.len())]
    Invalid(Vec<RowError>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("CSV: {0}")]
    Csv(String),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl From<csv::Error> for ExchangeError {
    fn from(e: csv::Error) -> Self {
        ExchangeError::Csv(e.to_string())
    }
}

/// What an import did (or, on a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub kind: String,
    /// Data rows read (the header excluded).
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub dry_run: bool,
    /// Whether anything was written (false on a dry run and when every row was unchanged).
    pub written: bool,
}

/// How an import runs.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Check and report what would change, write nothing.
    pub dry_run: bool,
    /// Recorded in the audit trail.
    pub actor: String,
    /// Where the data comes from (a file name), recorded in the audit trail.
    pub source: String,
}

/// Progress of a long import, shown by the CLI on a terminal.
pub trait Progress: Sync {
    /// A new phase of `len` steps (0 when unknown).
    fn phase(&self, _name: &str, _len: u64) {}
    fn inc(&self, _n: u64) {}
}

/// No progress display.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Maps a refused step's violation field to the CSV column it comes from.
type ColumnOf = fn(&str) -> &'static str;

/// An import worked out row by row: the batch steps (each with its row and a column mapper)
/// and the counts.
#[derive(Default)]
pub(crate) struct Plan {
    pub steps: Vec<BatchStep>,
    pub columns: Vec<ColumnOf>,
    pub errors: Vec<RowError>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Plan {
    /// Adds a step; returns its index (for references by later steps).
    pub fn push(&mut self, row: usize, step: ketnap_store::batch::Step, column: ColumnOf) -> usize {
        self.steps.push(BatchStep { row, step });
        self.columns.push(column);
        self.steps.len() - 1
    }
}

/// Imports a CSV file's bytes (UTF-8, with or without BOM) of the given kind.
pub async fn import(
    store: &Store,
    kind: Kind,
    data: &[u8],
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, ExchangeError> {
    let table = csvio::Table::read(data, kind)?;
    let rows = table.rows.len();
    progress.phase("checking rows", rows as u64);
    let plan = match kind {
        Kind::Orgs => orgs::plan(store, &table, progress).await?,
        Kind::Localities => localities::plan(store, &table, progress).await?,
        Kind::People => people::plan(store, &table, progress).await?,
    };
    let mut report = ImportReport {
        kind: kind.as_str().to_string(),
        rows,
        created: plan.created,
        updated: plan.updated,
        unchanged: plan.unchanged,
        dry_run: opts.dry_run,
        written: false,
    };
    if plan.steps.is_empty() {
        return match plan.errors.is_empty() {
            true => Ok(report),
            false => Err(ExchangeError::Invalid(sorted(plan.errors))),
        };
    }
    // With refusals already found, the remaining rows still go through the store's checks (in a
    // transaction that is rolled back), so that one run reports every bad row.
    let refused = !plan.errors.is_empty();
    progress.phase(
        if refused || opts.dry_run {
            "checking changes"
        } else {
            "writing"
        },
        0,
    );
    let batch = Batch {
        kind: kind.as_str().to_string(),
        source: opts.source.clone(),
        summary: serde_json::json!({
            "rows": rows, "created": plan.created, "updated": plan.updated, "unchanged": plan.unchanged
        }),
        steps: plan.steps,
    };
    let outcome = store
        .batch_apply(&batch, &opts.actor, opts.dry_run || refused)
        .await?;
    if refused || !outcome.errors.is_empty() {
        let mut errors = plan.errors;
        for e in &outcome.errors {
            let column = plan.columns.get(e.step).copied().unwrap_or(no_column);
            for v in &e.violations {
                errors.push(RowError::from_violation(e.row, column(&v.field), v));
            }
        }
        return Err(ExchangeError::Invalid(sorted(errors)));
    }
    report.written = outcome.written;
    Ok(report)
}

fn no_column(_: &str) -> &'static str {
    ""
}

fn sorted(mut errors: Vec<RowError>) -> Vec<RowError> {
    errors.sort_by_key(|e| e.row);
    errors.dedup();
    errors
}

/// Writes the CSV of `kind` as of `as_of`, for everything or for the subtree of `org` (orgs:
/// with its superiors, so the file imports into an empty database).
pub async fn export(
    store: &Store,
    kind: Kind,
    org: Option<&str>,
    as_of: Date,
    out: impl std::io::Write,
) -> Result<usize, ExchangeError> {
    let root = match org {
        Some(code) => Some(store.org_required(code).await?.id),
        None => None,
    };
    let units = store.export_orgs(root, as_of).await?;
    let mut w = csv::Writer::from_writer(out);
    let n = match kind {
        Kind::Orgs => orgs::write(&mut w, &units)?,
        Kind::Localities => {
            let rows = store.export_localities(root, as_of).await?;
            localities::write(&mut w, &rows, &row_starts(&units))?
        }
        Kind::People => {
            let rows = store.export_people(root, as_of).await?;
            people::write(&mut w, &rows, &row_starts(&units))?
        }
    };
    w.flush()?;
    Ok(n)
}

/// For each exported unit, the date from which its row holds: the latest of its own start, the
/// start of its name and superior in force, and its superior's row start — so that importing
/// the rows in order never refers to a unit before it exists.
pub(crate) fn row_starts(units: &[OrgExport]) -> HashMap<OrgId, Date> {
    let by_id: HashMap<OrgId, &OrgExport> = units.iter().map(|u| (u.id, u)).collect();
    let mut out: HashMap<OrgId, Date> = HashMap::new();
    fn start(
        id: OrgId,
        by_id: &HashMap<OrgId, &OrgExport>,
        out: &mut HashMap<OrgId, Date>,
        depth: u8,
    ) -> Option<Date> {
        if let Some(d) = out.get(&id) {
            return Some(*d);
        }
        let u = by_id.get(&id)?;
        let mut d = u.period.from.max(u.name_from);
        if let Some((p, link_from)) = u.parent {
            d = d.max(link_from);
            // The kind hierarchy bounds the depth; the guard protects against corrupt data.
            if depth < 32
                && let Some(pd) = start(p, by_id, out, depth + 1)
            {
                d = d.max(pd);
            }
        }
        out.insert(id, d);
        Some(d)
    }
    for u in units {
        start(u.id, &by_id, &mut out, 0);
    }
    out
}
