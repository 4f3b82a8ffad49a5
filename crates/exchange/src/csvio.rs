//! Reading CSV files: UTF-8 with or without BOM, a header row naming the columns (any order,
//! case ignored), one record per row, numbered as a spreadsheet numbers them. Errors about a
//! sensitive column (CCCD, birth date, ethnic group, religion) never quote the cell.

use std::collections::HashMap;

use ketnap_domain::Date;
use ketnap_domain::sensitive::is_sensitive_field;

use crate::{ExchangeError, Kind, RowError};

/// The columns of each kind: (required, optional), in the order export writes them.
pub fn columns(kind: Kind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        Kind::Orgs => (
            &[
                "code",
                "name",
                "kind",
                "sector",
                "parent_code",
                "valid_from",
            ],
            &["valid_to"],
        ),
        Kind::Localities => (
            &["code", "name", "kind", "commune_code", "valid_from"],
            &[
                "valid_to",
                "population_year",
                "population",
                "branch_code",
                "branch_from",
            ],
        ),
        Kind::People => (
            &[
                "full_name",
                "sex",
                "birth_date",
                "ethnic_group",
                "religion",
                "education",
                "qualification",
                "political_theory",
                "occupation",
            ],
            &[
                "cccd",
                "youth_union",
                "residence_code",
                "status",
                "status_from",
                "branch_code",
            ],
        ),
    }
}

/// The columns export writes, in order.
pub fn header(kind: Kind) -> Vec<&'static str> {
    let (required, optional) = columns(kind);
    match kind {
        // The identity number first, as on the forms.
        Kind::People => std::iter::once("cccd")
            .chain(required.iter().copied())
            .chain(optional.iter().copied().skip(1))
            .collect(),
        _ => required.iter().chain(optional).copied().collect(),
    }
}

/// A data row: its number (the header is row 1) and its fields.
pub struct Record {
    pub row: usize,
    fields: csv::StringRecord,
}

/// A whole file, read and checked for shape.
pub struct Table {
    index: HashMap<String, usize>,
    pub rows: Vec<Record>,
}

impl Table {
    pub fn read(data: &[u8], kind: Kind) -> Result<Table, ExchangeError> {
        let text = std::str::from_utf8(data).map_err(|e| {
            let line = data[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            ExchangeError::Invalid(vec![RowError::new(
                line,
                "",
                "csv.encoding",
                "the file is not UTF-8 text (save it as \"CSV UTF-8\")",
            )])
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers = rdr.headers()?.clone();
        let (required, optional) = columns(kind);
        let mut errors = vec![];
        let mut index = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            let name = h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
            if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
                errors.push(RowError::new(
                    1,
                    &name,
                    "csv.column.unknown",
                    format!(
                        "unknown column {name:?} for {}; columns are: {}",
                        kind.as_str(),
                        required
                            .iter()
                            .chain(optional)
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            } else if index.insert(name.clone(), i).is_some() {
                errors.push(RowError::new(
                    1,
                    &name,
                    "csv.column.duplicate",
                    format!("column {name:?} appears twice"),
                ));
            }
        }
        for r in required {
            if !index.contains_key(*r) {
                errors.push(RowError::new(
                    1,
                    r,
                    "csv.column.missing",
                    format!("required column {r:?} is missing"),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ExchangeError::Invalid(errors));
        }
        let mut rows = vec![];
        for (i, rec) in rdr.records().enumerate() {
            match rec {
                Ok(fields) => {
                    let row = fields.position().map_or(i + 2, |p| p.line() as usize);
                    if fields.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    if fields.len() > headers.len()
                        && fields
                            .iter()
                            .skip(headers.len())
                            .any(|f| !f.trim().is_empty())
                    {
                        errors.push(RowError::new(
                            row,
                            "",
                            "csv.fields",
                            format!(
                                "the row has {} fields, the header {}",
                                fields.len(),
                                headers.len()
                            ),
                        ));
                        continue;
                    }
                    rows.push(Record { row, fields });
                }
                Err(e) => {
                    let row = e.position().map_or(i + 2, |p| p.line() as usize);
                    errors.push(RowError::new(
                        row,
                        "",
                        "csv.syntax",
                        format!("unreadable CSV: {e}"),
                    ));
                }
            }
        }
        if !errors.is_empty() {
            return Err(ExchangeError::Invalid(errors));
        }
        Ok(Table { index, rows })
    }

    /// The trimmed value of `column` in `rec` ("" when absent).
    pub fn get<'a>(&self, rec: &'a Record, column: &str) -> &'a str {
        self.index
            .get(column)
            .and_then(|i| rec.fields.get(*i))
            .map_or("", |v| unescape_cell(v.trim()))
    }
}

/// Collects a row's refusals while its fields are parsed.
pub struct Row<'a> {
    pub table: &'a Table,
    pub rec: &'a Record,
    pub errors: Vec<RowError>,
}

impl<'a> Row<'a> {
    pub fn new(table: &'a Table, rec: &'a Record) -> Self {
        Self {
            table,
            rec,
            errors: vec![],
        }
    }

    pub fn row(&self) -> usize {
        self.rec.row
    }

    pub fn get(&self, column: &str) -> &'a str {
        self.table.get(self.rec, column)
    }

    pub fn error(&mut self, column: &str, rule: &str, message: impl Into<String>) {
        self.errors
            .push(RowError::new(self.rec.row, column, rule, message));
    }

    /// A value that must be present.
    pub fn required(&mut self, column: &str) -> Option<&'a str> {
        let v = self.get(column);
        if v.is_empty() {
            self.error(column, "csv.required", format!("{column} is required"));
            None
        } else {
            Some(v)
        }
    }

    /// A code or label parsed by `parse`, naming the accepted codes when it fails.
    pub fn parse<T>(
        &mut self,
        column: &str,
        parse: impl Fn(&str) -> Option<T>,
        accepted: &str,
    ) -> Option<T> {
        let v = self.required(column)?;
        let r = parse(v);
        if r.is_none() {
            // Personal data (religion, ethnic group…) is never echoed: the row, the column and
            // the rule say where and why.
            let what = if is_sensitive_field(column) {
                "the value".to_string()
            } else {
                format!("{v:?}")
            };
            self.error(
                column,
                "csv.code",
                format!("{what} is not one of: {accepted}"),
            );
        }
        r
    }

    /// A date, `YYYY-MM-DD` or `dd/mm/yyyy`; `None` when blank and not required.
    pub fn date(&mut self, column: &str, required: bool) -> Option<Date> {
        let v = self.get(column);
        if v.is_empty() {
            if required {
                self.error(column, "csv.required", format!("{column} is required"));
            }
            return None;
        }
        let d = ketnap_domain::dates::parse_date(v);
        if d.is_none() {
            let what = if is_sensitive_field(column) {
                "the value".to_string()
            } else {
                format!("{v:?}")
            };
            self.error(
                column,
                "csv.date",
                format!("{what} is not a date (use YYYY-MM-DD or dd/mm/yyyy)"),
            );
        }
        d
    }

    /// An optional whole number.
    pub fn int(&mut self, column: &str) -> Option<i64> {
        let v = self.get(column);
        if v.is_empty() {
            return None;
        }
        // Thousands separators are common in Vietnamese figures (2.287): accept '.', ',' and spaces.
        let digits: String = v
            .chars()
            .filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}'))
            .collect();
        let n = digits.parse::<i64>().ok();
        if n.is_none() {
            self.error(column, "csv.number", format!("{v:?} is not a whole number"));
        }
        n
    }
}

/// Formats a date the way export writes it.
pub fn date(d: Date) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Characters that make a spreadsheet read a cell as a formula (CSV/formula injection):
/// `= + - @`, tab and carriage return.
fn starts_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A cell as export writes it: a value a spreadsheet would run as a formula gets a leading
/// apostrophe (shown as text, never evaluated); [`unescape_cell`] takes it off on import, so
/// export → import still gives the same data.
pub fn safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if starts_formula(s) || (s.starts_with('\'') && starts_formula(&s[1..])) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The inverse of [`safe_cell`]: `'=…` → `=…`.
pub fn unescape_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest)
            if starts_formula(rest) || rest.starts_with('\'') && starts_formula(&rest[1..]) =>
        {
            rest
        }
        _ => s,
    }
}

/// A whole record through [`safe_cell`].
pub fn safe_record<'a>(fields: impl IntoIterator<Item = &'a str>) -> Vec<SafeCell<'a>> {
    fields.into_iter().map(|f| SafeCell(safe_cell(f))).collect()
}

/// A cell made safe by [`safe_cell`], as bytes for the CSV writer.
pub struct SafeCell<'a>(std::borrow::Cow<'a, str>);

impl AsRef<[u8]> for SafeCell<'_> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}
