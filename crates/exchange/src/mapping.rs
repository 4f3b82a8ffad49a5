//! Spreadsheet imports with a column mapping (issue E): a CSV or XLSX file whose headers are
//! whatever the committee's spreadsheet uses ("Họ và tên", "Số CCCD", "ngay sinh"…) is mapped
//! onto ketnap's columns — suggested from the header names with or without diacritics, given
//! explicitly, or saved under a name for next time — then imported by the **same** importers as
//! the CSV files of docs/import-format.md (rows checked by the same rules, all or nothing, a dry
//! run that reports what would be created or updated). Row numbers in errors are the
//! spreadsheet's. Errors carry the offending value except for sensitive columns (CCCD, birth
//! date, ethnic group, religion), whose values are never echoed.

use std::collections::{BTreeMap, HashMap};

use ketnap_domain::targets::{TargetKind, TargetPeriod};
use ketnap_domain::text::fold;
use ketnap_store::Store;
use ketnap_store::exchange_api::TargetRow;
use serde::Serialize;

use crate::sheet::{self, Cell, Format, Limits, Sheet};
use crate::{ExchangeError, ImportOptions, Kind, NoProgress, RowError};

/// What a mapped file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MappedKind {
    Orgs,
    Localities,
    People,
    /// People who are party members: `status` defaults to `official` when not given.
    Members,
    /// People on a source list: `status` defaults to `candidate` when not given.
    Candidates,
    /// Pipeline events (docs/import-format.md, "events").
    Events,
    /// Targets: `org`, `period`, `kind`, `assigned`, `registered`.
    Targets,
}

impl MappedKind {
    pub const ALL: [MappedKind; 7] = [
        MappedKind::Orgs,
        MappedKind::Localities,
        MappedKind::People,
        MappedKind::Members,
        MappedKind::Candidates,
        MappedKind::Events,
        MappedKind::Targets,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MappedKind::Orgs => "orgs",
            MappedKind::Localities => "localities",
            MappedKind::People => "people",
            MappedKind::Members => "members",
            MappedKind::Candidates => "candidates",
            MappedKind::Events => "events",
            MappedKind::Targets => "targets",
        }
    }

    pub fn parse(s: &str) -> Option<MappedKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn table(self) -> Option<Kind> {
        match self {
            MappedKind::Orgs => Some(Kind::Orgs),
            MappedKind::Localities => Some(Kind::Localities),
            MappedKind::People | MappedKind::Members | MappedKind::Candidates => Some(Kind::People),
            MappedKind::Events | MappedKind::Targets => None,
        }
    }

    /// ketnap's columns for this kind: (required, optional).
    pub fn columns(self) -> (Vec<&'static str>, Vec<&'static str>) {
        match self {
            MappedKind::Events => (
                vec!["case", "date", "kind"],
                vec![
                    "person_id",
                    "cccd",
                    "branch",
                    "data",
                    "document_form",
                    "document_number",
                    "document_date",
                    "corrects",
                    "reason",
                ],
            ),
            MappedKind::Targets => (
                vec!["org", "period"],
                vec!["kind", "assigned", "registered"],
            ),
            MappedKind::Members | MappedKind::Candidates => {
                let (r, o) = crate::csvio::columns(Kind::People);
                (r.to_vec(), o.to_vec())
            }
            k => {
                let (r, o) = crate::csvio::columns(k.table().unwrap_or(Kind::People));
                (r.to_vec(), o.to_vec())
            }
        }
    }

    fn default_status(self) -> Option<&'static str> {
        match self {
            MappedKind::Members => Some("official"),
            MappedKind::Candidates => Some("candidate"),
            _ => None,
        }
    }
}

/// Columns whose values are personal data: never echoed in errors (the person's sensitive
/// fields, and an event's `data`).
pub fn is_sensitive(column: &str) -> bool {
    ketnap_domain::sensitive::is_sensitive_field(column) || column == "data"
}

/// Header names a committee's spreadsheet may use for each of ketnap's columns, folded
/// (diacritics removed, lower case). The column's own name is always accepted.
fn synonyms(kind: MappedKind, column: &str) -> &'static [&'static str] {
    let people = matches!(
        kind,
        MappedKind::People | MappedKind::Members | MappedKind::Candidates
    );
    match column {
        "full_name" => &[
            "ho va ten",
            "ho ten",
            "ho va ten khai sinh",
            "ten",
            "full name",
            "name",
        ],
        "cccd" => &[
            "so cccd",
            "cccd",
            "can cuoc cong dan",
            "so can cuoc cong dan",
            "so can cuoc",
            "so dinh danh",
            "so dinh danh ca nhan",
            "cmnd cccd",
            "so cmnd cccd",
            "ma dinh danh",
        ],
        "sex" => &["gioi tinh", "gioi", "nam nu", "gender"],
        "birth_date" => &[
            "ngay sinh",
            "ngay thang nam sinh",
            "sinh ngay",
            "ngay thang nam sinh dd mm yyyy",
            "date of birth",
            "dob",
        ],
        "ethnic_group" => &["dan toc", "ethnicity"],
        "religion" => &["ton giao"],
        "education" => &[
            "giao duc pho thong",
            "trinh do giao duc pho thong",
            "trinh do van hoa",
            "van hoa",
            "hoc van",
        ],
        "qualification" => &[
            "chuyen mon",
            "trinh do chuyen mon",
            "chuyen mon nghiep vu",
            "trinh do chuyen mon nghiep vu",
        ],
        "political_theory" => &["ly luan chinh tri", "trinh do ly luan chinh tri", "llct"],
        "occupation" => &["nghe nghiep", "nghe nghiep linh vuc", "linh vuc cong tac"],
        "youth_union" => &["doan vien", "doan vien tncs", "doan vien tncs ho chi minh"],
        "residence_code" => &[
            "ma dia ban cu tru",
            "ma noi cu tru",
            "noi cu tru",
            "dia ban cu tru",
            "ma thon",
        ],
        "status" => &[
            "tinh trang",
            "trang thai",
            "doi tuong",
            "tinh trang dang vien",
        ],
        "status_from" => &[
            "tu ngay",
            "tinh trang tu ngay",
            "ngay ket nap",
            "ngay bat dau",
        ],
        "branch_code" if people => &[
            "ma chi bo",
            "chi bo",
            "chi bo sinh hoat",
            "ma chi bo sinh hoat",
        ],
        "branch_code" => &[
            "ma chi bo phu trach",
            "chi bo phu trach",
            "ma chi bo",
            "chi bo",
        ],
        "branch_from" => &["phu trach tu ngay", "chi bo tu ngay"],
        "code" => &["ma", "ma don vi", "ma to chuc", "ma dia ban", "ky hieu"],
        "name" => &["ten", "ten don vi", "ten to chuc", "ten dia ban", "ten goi"],
        "kind" if kind == MappedKind::Events => {
            &["buoc", "su kien", "loai su kien", "buoc quy trinh"]
        }
        "kind" if kind == MappedKind::Targets => &["loai chi tieu", "chi tieu"],
        "kind" => &["loai", "loai hinh", "loai to chuc", "loai dia ban"],
        "sector" => &["linh vuc", "khoi", "loai hinh don vi"],
        "parent_code" => &[
            "ma cap tren",
            "cap tren",
            "ma don vi cap tren",
            "truc thuoc",
            "ma truc thuoc",
        ],
        "valid_from" => &["tu ngay", "ngay thanh lap", "hieu luc tu", "ngay bat dau"],
        "valid_to" => &["den ngay", "ngay giai the", "ngay ket thuc", "hieu luc den"],
        "commune_code" => &["ma xa", "xa", "ma dang bo xa", "ma xa phuong", "xa phuong"],
        "population_year" => &["nam dan so", "nam thong ke"],
        "population" => &["dan so", "so dan", "so nhan khau"],
        "case" => &["ho so", "ma ho so", "so ho so"],
        "person_id" => &["ma nguoi", "ma ca nhan"],
        "branch" => &["chi bo", "ma chi bo"],
        "date" => &["ngay", "ngay thuc hien"],
        "data" => &["du lieu", "chi tiet"],
        "document_form" => &["mau", "mau bieu", "bieu mau", "mau so"],
        "document_number" => &[
            "so van ban",
            "so quyet dinh",
            "so nghi quyet",
            "so hieu van ban",
        ],
        "document_date" => &["ngay van ban", "ngay ky"],
        "corrects" => &["dinh chinh", "sua su kien"],
        "reason" => &["ly do"],
        "org" => &["ma don vi", "don vi", "ma to chuc", "ma"],
        "period" => &["nam", "ky", "nhiem ky", "giai doan"],
        "assigned" => &["chi tieu giao", "giao", "so giao"],
        "registered" => &["chi tieu dang ky", "dang ky", "so dang ky"],
        _ => &[],
    }
}

/// A header as compared: folded, punctuation and underscores as spaces.
fn key(header: &str) -> String {
    let f = fold(header);
    let spaced: String = f
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// ketnap column → the file's header.
pub type Mapping = BTreeMap<String, String>;

/// A suggested or checked mapping and what it leaves out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MappingCheck {
    pub mapping: Mapping,
    /// The file's headers mapped to nothing (ignored by the import).
    pub ignored_columns: Vec<String>,
    /// Required columns of ketnap the mapping does not provide.
    pub missing: Vec<String>,
}

/// Suggests a mapping from the file's headers: first exact matches of a column's name or one of
/// its Vietnamese names (diacritics and case ignored), then a header *containing* a name as
/// whole words (the longest such name wins). Each header serves one column.
pub fn suggest(kind: MappedKind, headers: &[String]) -> MappingCheck {
    complete(kind, headers, &Mapping::new())
}

/// `given` completed by suggestions for the columns it leaves out.
pub fn complete(kind: MappedKind, headers: &[String], given: &Mapping) -> MappingCheck {
    let (required, optional) = kind.columns();
    let all: Vec<&str> = required.iter().chain(&optional).copied().collect();
    let keys: Vec<String> = headers.iter().map(|h| key(h)).collect();
    let mut mapping = Mapping::new();
    let mut used = vec![false; headers.len()];
    for (col, header) in given {
        if let Some(i) = headers.iter().position(|h| h.trim() == header.trim()) {
            mapping.insert(col.clone(), headers[i].clone());
            used[i] = true;
        } else if let Some(i) = keys.iter().position(|k| *k == key(header)) {
            mapping.insert(col.clone(), headers[i].clone());
            used[i] = true;
        }
    }
    let names = |col: &str| -> Vec<String> {
        std::iter::once(key(col))
            .chain(synonyms(kind, col).iter().map(|s| s.to_string()))
            .collect()
    };
    // Exact matches.
    for col in &all {
        if mapping.contains_key(*col) {
            continue;
        }
        let n = names(col);
        if let Some(i) = (0..headers.len()).find(|i| !used[*i] && n.contains(&keys[*i])) {
            mapping.insert(col.to_string(), headers[i].clone());
            used[i] = true;
        }
    }
    // Containment: "Họ và tên đảng viên" holds "ho va ten".
    let mut candidates: Vec<(usize, usize, &str)> = vec![];
    for col in &all {
        if mapping.contains_key(*col) {
            continue;
        }
        for n in names(col) {
            if n.len() < 3 {
                continue;
            }
            for (i, k) in keys.iter().enumerate() {
                if !used[i] && format!(" {k} ").contains(&format!(" {n} ")) {
                    candidates.push((n.len(), i, col));
                }
            }
        }
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i, col) in candidates {
        if !used[i] && !mapping.contains_key(col) {
            mapping.insert(col.to_string(), headers[i].clone());
            used[i] = true;
        }
    }
    let ignored_columns = headers
        .iter()
        .zip(&used)
        .filter(|(h, u)| !**u && !h.trim().is_empty())
        .map(|(h, _)| h.clone())
        .collect();
    let missing = required
        .iter()
        .filter(|c| !mapping.contains_key(**c))
        .filter(|c| !(kind.default_status().is_some() && **c == "status"))
        .map(|c| c.to_string())
        .collect();
    MappingCheck {
        mapping,
        ignored_columns,
        missing,
    }
}

/// Parses a mapping given as JSON (`{"full_name": "Họ và tên"}`) or as
/// `full_name=Họ và tên;cccd=Số CCCD`.
pub fn parse_mapping(kind: MappedKind, text: &str) -> Result<Mapping, String> {
    let t = text.trim();
    let m: Mapping = if t.starts_with('{') {
        serde_json::from_str(t)
            .map_err(|e| format!("the mapping is not a JSON object of text: {e}"))?
    } else {
        let mut m = Mapping::new();
        for part in t.split(';').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?}: expected column=Header"))?;
            m.insert(k.trim().to_string(), v.trim().to_string());
        }
        m
    };
    let (required, optional) = kind.columns();
    for k in m.keys() {
        if !required.contains(&k.as_str()) && !optional.contains(&k.as_str()) {
            return Err(format!(
                "{k:?} is not a column of {}; columns are: {}",
                kind.as_str(),
                required
                    .iter()
                    .chain(&optional)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    Ok(m)
}

/// One refused row of a mapped import: the spreadsheet's row, ketnap's column and the file's
/// header, the rule, the message, and the value (withheld for sensitive columns).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MappedError {
    pub row: usize,
    pub column: String,
    /// The file's header the column was read from.
    pub header: Option<String>,
    pub rule: String,
    pub message: String,
    /// The cell's value; `None` for sensitive columns and errors without a cell.
    pub value: Option<String>,
}

impl std::fmt::Display for MappedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}", self.row)?;
        if !self.column.is_empty() {
            write!(f, ", column {}", self.column)?;
            if let Some(h) = &self.header {
                write!(f, " ({h:?})")?;
            }
        }
        write!(f, ": {} [{}]", self.message, self.rule)
    }
}

/// What a mapped import did, would do (dry run), or why it wrote nothing (`errors`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MappedReport {
    pub kind: String,
    pub format: Option<Format>,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub dry_run: bool,
    pub written: bool,
    pub mapping: Mapping,
    pub ignored_columns: Vec<String>,
    pub errors: Vec<MappedError>,
}

/// How a mapped import runs.
#[derive(Clone, Debug, Default)]
pub struct MappedOptions {
    pub import: ImportOptions,
    /// Columns given explicitly (completed by suggestions).
    pub mapping: Mapping,
    /// The worksheet (XLSX); default the first.
    pub sheet: Option<String>,
    pub limits: Limits,
}

/// A whole file's values for ketnap's columns, in file order, with each row's number.
struct Mapped {
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

fn apply(kind: MappedKind, sheet: &Sheet, mapping: &Mapping) -> Mapped {
    let index: HashMap<&str, usize> = sheet
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let mut cols: Vec<(String, Option<usize>)> = mapping
        .iter()
        .map(|(c, h)| (c.clone(), index.get(h.as_str()).copied()))
        .collect();
    let default_status = kind.default_status();
    if default_status.is_some() && !mapping.contains_key("status") {
        cols.push(("status".into(), None));
    }
    let rows = sheet
        .rows
        .iter()
        .map(|(row, cells)| {
            let values = cols
                .iter()
                .map(|(c, i)| {
                    let cell = i.and_then(|i| cells.get(i)).cloned().unwrap_or_default();
                    value(c, &cell, default_status)
                })
                .collect();
            (*row, values)
        })
        .collect();
    Mapped {
        header: cols.into_iter().map(|(c, _)| c).collect(),
        rows,
    }
}

fn value(column: &str, cell: &Cell, default_status: Option<&str>) -> String {
    let t = crate::csvio::unescape_cell(cell.text.trim());
    // Excel drops the leading zero of a CCCD typed as a number (001… Hà Nội).
    if column == "cccd"
        && cell.number
        && (9..12).contains(&t.len())
        && t.bytes().all(|b| b.is_ascii_digit())
    {
        return format!("{t:0>12}");
    }
    if column == "status"
        && t.is_empty()
        && let Some(s) = default_status
    {
        return s.to_string();
    }
    t.to_string()
}

/// The mapped rows as the CSV the existing importers read, and for each CSV line where a
/// record starts, the spreadsheet's row.
fn to_csv(m: &Mapped) -> Result<(Vec<u8>, HashMap<usize, usize>), ExchangeError> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(&m.header)?;
    w.flush()?;
    let mut lines = HashMap::new();
    let mut line = 2;
    for (row, values) in &m.rows {
        lines.insert(line, *row);
        w.write_record(values)?;
        w.flush()?;
        line = w.get_ref().iter().filter(|b| **b == b'\n').count() + 1;
    }
    let data = w
        .into_inner()
        .map_err(|e| ExchangeError::Csv(e.to_string()))?;
    Ok((data, lines))
}

/// Reads, maps and imports a spreadsheet (CSV or XLSX) of `kind`. Refused rows are returned in
/// the report's `errors` (nothing was written); `Err` is for failures of the database.
pub async fn import_mapped(
    store: &Store,
    kind: MappedKind,
    data: &[u8],
    opts: &MappedOptions,
) -> Result<MappedReport, ExchangeError> {
    let mut report = MappedReport {
        kind: kind.as_str().to_string(),
        dry_run: opts.import.dry_run,
        ..MappedReport::default()
    };
    let format = Format::detect(data);
    report.format = Some(format);
    let sheet = match sheet::read(data, format, opts.sheet.as_deref(), &opts.limits) {
        Ok(s) => s,
        Err(errors) => {
            report.errors = errors.into_iter().map(|e| plain(e, None)).collect();
            return Ok(report);
        }
    };
    let sheet = choose_header(kind, sheet, &opts.mapping);
    let check = complete(kind, &sheet.headers, &opts.mapping);
    report.mapping = check.mapping.clone();
    report.ignored_columns = check.ignored_columns.clone();
    report.rows = sheet
        .rows
        .iter()
        .filter(|(_, c)| c.iter().any(|c| !c.text.trim().is_empty()))
        .count();
    if !check.missing.is_empty() {
        report.errors = check
            .missing
            .iter()
            .map(|c| MappedError {
                row: sheet.header_row,
                column: c.clone(),
                header: None,
                rule: "csv.column.missing".into(),
                message: format!(
                    "no column of the file maps to {c:?}: name it in the mapping ({c}=Header)"
                ),
                value: None,
            })
            .collect();
        return Ok(report);
    }
    let mapped = apply(kind, &sheet, &check.mapping);
    let cells: HashMap<(usize, &str), &str> = mapped
        .rows
        .iter()
        .flat_map(|(row, values)| {
            mapped
                .header
                .iter()
                .zip(values)
                .map(move |(c, v)| ((*row, c.as_str()), v.as_str()))
        })
        .collect();
    let finish =
        |errors: Vec<RowError>, lines: Option<&HashMap<usize, usize>>| -> Vec<MappedError> {
            let mut out: Vec<MappedError> = errors
                .into_iter()
                .map(|mut e| {
                    if e.row > 1
                        && let Some(l) = lines
                    {
                        e.row = l.get(&e.row).copied().unwrap_or(e.row);
                    } else if e.row == 1 {
                        e.row = sheet.header_row;
                    }
                    let v = cells
                        .get(&(e.row, e.column.as_str()))
                        .map(|v| v.to_string());
                    let header = check.mapping.get(&e.column).cloned();
                    let mut m = plain(e, header);
                    if is_sensitive(&m.column) {
                        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                            m.message = m.message.replace(v, "…");
                        }
                    } else {
                        m.value = v;
                    }
                    m
                })
                .collect();
            out.sort_by_key(|e| e.row);
            out
        };
    match kind {
        MappedKind::Targets => {
            let (rows, errors) = target_rows(store, &mapped).await?;
            if !errors.is_empty() {
                report.errors = finish(errors, None);
                return Ok(report);
            }
            let source = opts.import.source.clone();
            match store
                .targets_import(&rows, &source, &opts.import.actor, opts.import.dry_run)
                .await
            {
                Ok((c, u, n)) => {
                    report.created = c;
                    report.updated = u;
                    report.unchanged = n;
                    report.written = !opts.import.dry_run && c + u > 0;
                }
                Err(ketnap_store::StoreError::Rule(d)) => {
                    report.errors = d
                        .violations()
                        .iter()
                        .map(|v| {
                            plain(
                                RowError::new(0, "assigned", v.rule, v.message.clone()),
                                None,
                            )
                        })
                        .collect();
                }
                Err(e) => return Err(e.into()),
            }
            Ok(report)
        }
        MappedKind::Events => {
            let (csv, lines) = to_csv(&mapped)?;
            let parsed = crate::events::read_events(store, &csv).await?;
            let outcome = if parsed.errors.is_empty() {
                store
                    .events_import(
                        &parsed.rows,
                        &opts.import.source,
                        &opts.import.actor,
                        opts.import.dry_run,
                    )
                    .await?
            } else {
                ketnap_store::pipeline_api::ImportReport {
                    errors: parsed.errors,
                    ..Default::default()
                }
            };
            if !outcome.errors.is_empty() {
                let errors = outcome
                    .errors
                    .into_iter()
                    .map(|e| RowError::new(e.row, &e.column, &e.rule, e.message))
                    .collect();
                report.errors = finish(errors, Some(&lines));
                return Ok(report);
            }
            report.created = outcome.events_created;
            report.written = outcome.written;
            Ok(report)
        }
        _ => {
            let (csv, lines) = to_csv(&mapped)?;
            let table = kind.table().unwrap_or(Kind::People);
            match crate::import(store, table, &csv, &opts.import, &NoProgress).await {
                Ok(r) => {
                    report.created = r.created;
                    report.updated = r.updated;
                    report.unchanged = r.unchanged;
                    report.written = r.written;
                }
                Err(ExchangeError::Invalid(errors)) => {
                    report.errors = finish(errors, Some(&lines));
                }
                Err(e) => return Err(e),
            }
            Ok(report)
        }
    }
}

/// The header row: of the first rows (a title or a blank line may come first), the one whose
/// cells map the most columns.
fn choose_header(kind: MappedKind, mut sheet: Sheet, given: &Mapping) -> Sheet {
    let score = |h: &[String]| complete(kind, h, given).mapping.len();
    let mut best = (score(&sheet.headers), None);
    for (j, (_, cells)) in sheet.rows.iter().take(9).enumerate() {
        let texts: Vec<String> = cells.iter().map(|c| c.text.clone()).collect();
        let n = score(&texts);
        if n > best.0 {
            best = (n, Some(j));
        }
    }
    if let Some(j) = best.1 {
        let mut rest = sheet.rows.split_off(j);
        let (row, cells) = rest.remove(0);
        sheet.header_row = row;
        sheet.headers = cells.into_iter().map(|c| c.text).collect();
        sheet.rows = rest;
    }
    sheet
}

fn plain(e: RowError, header: Option<String>) -> MappedError {
    MappedError {
        row: e.row,
        column: e.column,
        header,
        rule: e.rule,
        message: e.message,
        value: None,
    }
}

/// Parses the targets rows: unit codes must exist, periods be years or terms, values counts
/// (or percentages for `member_ratio`); at least one figure per row; no unit, kind and period
/// twice.
async fn target_rows(
    store: &Store,
    m: &Mapped,
) -> Result<(Vec<TargetRow>, Vec<RowError>), ExchangeError> {
    let col = |name: &str| m.header.iter().position(|h| h == name);
    let (org_i, period_i, kind_i, a_i, r_i) = (
        col("org"),
        col("period"),
        col("kind"),
        col("assigned"),
        col("registered"),
    );
    let mut out = vec![];
    let mut errors = vec![];
    let mut seen = std::collections::HashSet::new();
    let mut orgs: HashMap<String, Option<i64>> = HashMap::new();
    for (row, values) in &m.rows {
        let row = *row;
        let get = |i: Option<usize>| i.and_then(|i| values.get(i)).map_or("", |s| s.as_str());
        if values.iter().all(|v| v.is_empty()) {
            continue;
        }
        let mut bad = |column: &str, rule: &str, message: String| {
            errors.push(RowError::new(row, column, rule, message));
        };
        let code = get(org_i);
        let org = if code.is_empty() {
            bad("org", "csv.required", "org is required".into());
            None
        } else {
            let key = code.to_ascii_uppercase();
            let id = match orgs.get(&key) {
                Some(id) => *id,
                None => {
                    let id = store.org_by_code(code).await?.map(|o| o.id);
                    orgs.insert(key, id);
                    id
                }
            };
            if id.is_none() {
                bad(
                    "org",
                    "import.ref.unknown",
                    format!("no unit has the code {code:?}"),
                );
            }
            id
        };
        let period = match TargetPeriod::parse(get(period_i)) {
            Ok(p) => Some(p),
            Err(v) => {
                bad("period", v.rule, v.message);
                None
            }
        };
        let kind_text = get(kind_i);
        let kind = if kind_text.is_empty() {
            Some(TargetKind::Admissions)
        } else {
            let k = TargetKind::parse(kind_text);
            if k.is_none() {
                bad(
                    "kind",
                    "csv.code",
                    format!(
                        "{kind_text:?} is not one of: admissions, admissions_per_year, member_ratio"
                    ),
                );
            }
            k
        };
        let mut figure = |column: &str, i: Option<usize>| -> Option<i64> {
            let v = get(i);
            if v.is_empty() {
                return None;
            }
            match ketnap_domain::targets::parse_value(kind.unwrap_or(TargetKind::Admissions), v) {
                Ok(x) => Some(x),
                Err(e) => {
                    bad(column, e.rule, e.message);
                    None
                }
            }
        };
        let assigned = figure("assigned", a_i);
        let registered = figure("registered", r_i);
        if get(a_i).is_empty() && get(r_i).is_empty() {
            bad(
                "assigned",
                "csv.required",
                "give the assigned or the registered figure (or both)".into(),
            );
        }
        if let (Some(org), Some(period), Some(kind)) = (org, period, kind) {
            if !seen.insert((org, kind, period)) {
                bad(
                    "org",
                    "import.duplicate",
                    "the same unit, kind and period appear on an earlier row".into(),
                );
                continue;
            }
            out.push(TargetRow {
                row,
                org,
                kind,
                period,
                assigned,
                registered,
            });
        }
    }
    Ok((out, errors))
}
