//! Reading a spreadsheet — CSV (UTF-8) or XLSX — into a header and rows of text, each row with
//! the number the spreadsheet shows. Hostile files are refused with a structured error before
//! they can cost memory: an upload limit, and for XLSX (a zip archive) the number of entries and
//! their declared sizes checked before parsing, every entry's real size checked against its
//! declaration, and the parser's panics turned into errors.

use std::io::{Cursor, Read};

use crate::RowError;

/// Limits on what is read (defaults: 20 MiB files, 1000 zip entries, 200 MiB uncompressed,
/// 100 000 rows, 200 columns).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_file: usize,
    pub max_entries: usize,
    pub max_uncompressed: u64,
    pub max_ratio: u64,
    pub max_rows: usize,
    pub max_columns: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file: 20 << 20,
            max_entries: 1000,
            max_uncompressed: 200 << 20,
            max_ratio: 1000,
            max_rows: 100_000,
            max_columns: 200,
        }
    }
}

/// A cell's text, and whether the spreadsheet stored it as a number (a CCCD typed as a number
/// loses its leading zero).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Cell {
    pub text: String,
    pub number: bool,
}

/// A sheet: the header's cells and the data rows with their spreadsheet row numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sheet {
    pub headers: Vec<String>,
    /// The row number of the header (1 unless blank rows precede it).
    pub header_row: usize,
    pub rows: Vec<(usize, Vec<Cell>)>,
}

/// The format of an uploaded file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// XLSX when the bytes are a zip archive (`PK\x03\x04`), CSV otherwise; an old binary
    /// `.xls` (OLE) is recognised to be refused with a useful message.
    pub fn detect(data: &[u8]) -> Format {
        if data.starts_with(b"PK\x03\x04") || data.starts_with(b"\xD0\xCF\x11\xE0") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

fn refuse(rule: &str, message: impl Into<String>) -> Vec<RowError> {
    vec![RowError::new(1, "", rule, message)]
}

/// Reads `data` as `format`; `sheet` picks a worksheet by name (default: the first).
pub fn read(
    data: &[u8],
    format: Format,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<Sheet, Vec<RowError>> {
    if data.len() > limits.max_file {
        return Err(refuse(
            "file.too_large",
            format!(
                "the file has {} bytes, more than the {} allowed: split it",
                data.len(),
                limits.max_file
            ),
        ));
    }
    let sheet = match format {
        Format::Csv => read_csv(data, limits)?,
        Format::Xlsx => read_xlsx(data, sheet, limits)?,
    };
    if sheet.headers.iter().all(|h| h.trim().is_empty()) {
        return Err(refuse("csv.column.missing", "the file has no header row"));
    }
    Ok(sheet)
}

fn too_big(limits: &Limits, rows: usize, cols: usize) -> Option<Vec<RowError>> {
    if rows > limits.max_rows + 1 {
        return Some(refuse(
            "file.too_many_rows",
            format!("more than {} rows: split the file", limits.max_rows),
        ));
    }
    if cols > limits.max_columns {
        return Some(refuse(
            "file.too_many_columns",
            format!(
                "{cols} columns, more than the {} allowed",
                limits.max_columns
            ),
        ));
    }
    None
}

fn read_csv(data: &[u8], limits: &Limits) -> Result<Sheet, Vec<RowError>> {
    let text = std::str::from_utf8(data).map_err(|e| {
        let line = data[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        vec![RowError::new(
            line,
            "",
            "csv.encoding",
            "the file is not UTF-8 text (save it as \"CSV UTF-8\" or as .xlsx)",
        )]
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut out = Sheet::default();
    let mut errors = vec![];
    for (i, rec) in rdr.records().enumerate() {
        match rec {
            Ok(fields) => {
                let row = fields.position().map_or(i + 1, |p| p.line() as usize);
                if let Some(e) = too_big(limits, i + 1, fields.len()) {
                    return Err(e);
                }
                let cells: Vec<Cell> = fields
                    .iter()
                    .map(|f| Cell {
                        text: f.to_string(),
                        number: false,
                    })
                    .collect();
                if out.header_row == 0 {
                    if cells.iter().all(|c| c.text.trim().is_empty()) {
                        continue;
                    }
                    out.header_row = row;
                    out.headers = cells.into_iter().map(|c| c.text).collect();
                } else {
                    out.rows.push((row, cells));
                }
            }
            Err(e) => {
                let row = e.position().map_or(i + 1, |p| p.line() as usize);
                errors.push(RowError::new(
                    row,
                    "",
                    "csv.syntax",
                    "unreadable CSV (a quote not closed, or invalid text)",
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Checks the archive before any parser sees it: entry count, declared sizes and ratios, and
/// that each entry really inflates to no more than it declares.
fn check_zip(data: &[u8], limits: &Limits) -> Result<(), Vec<RowError>> {
    let unreadable = |_| {
        refuse(
            "xlsx.unreadable",
            "the file is not a readable .xlsx workbook",
        )
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(data)).map_err(unreadable)?;
    if zip.len() > limits.max_entries {
        return Err(refuse(
            "xlsx.entries",
            format!(
                "the workbook holds {} parts, more than {}: refused",
                zip.len(),
                limits.max_entries
            ),
        ));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let (size, compressed) = {
            let f = zip.by_index_raw(i).map_err(unreadable)?;
            (f.size(), f.compressed_size())
        };
        total = total.saturating_add(size);
        if total > limits.max_uncompressed
            || size
                > limits
                    .max_ratio
                    .saturating_mul(compressed.max(1))
                    .max(1 << 20)
        {
            return Err(refuse(
                "xlsx.too_large",
                format!(
                    "the workbook would unpack to more than {} bytes (or compresses suspiciously well): refused",
                    limits.max_uncompressed
                ),
            ));
        }
        // The declared size is only a claim: inflate up to it (plus one byte) and compare.
        let mut f = zip.by_index(i).map_err(unreadable)?;
        let mut sink = std::io::sink();
        let n = std::io::copy(&mut (&mut f).take(size.saturating_add(1)), &mut sink)
            .map_err(|_| refuse("xlsx.unreadable", "a part of the workbook is corrupt"))?;
        if n > size {
            return Err(refuse(
                "xlsx.too_large",
                "a part of the workbook unpacks to more than it declares: refused",
            ));
        }
    }
    Ok(())
}

fn excel_date(serial: f64) -> Option<String> {
    // Excel's day 0 is 1899-12-30 (with the 1900 leap-year bug absorbed by that origin).
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let d = base.checked_add_days(chrono::Days::new(serial.floor() as u64))?;
    Some(d.format("%Y-%m-%d").to_string())
}

fn cell_text(c: &calamine::Data) -> Cell {
    use calamine::Data;
    let (text, number) = match c {
        Data::Empty => (String::new(), false),
        Data::String(s) => (s.clone(), false),
        Data::Int(i) => (i.to_string(), true),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                (format!("{}", *f as i64), true)
            } else {
                (f.to_string(), true)
            }
        }
        Data::Bool(b) => (b.to_string(), false),
        Data::DateTime(d) => (excel_date(d.as_f64()).unwrap_or_default(), false),
        Data::DateTimeIso(s) => (s.chars().take(10).collect(), false),
        Data::DurationIso(s) => (s.clone(), false),
        Data::Error(_) => (String::new(), false),
    };
    Cell { text, number }
}

fn read_xlsx(data: &[u8], sheet: Option<&str>, limits: &Limits) -> Result<Sheet, Vec<RowError>> {
    if data.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(refuse(
            "xlsx.format",
            "an old binary .xls workbook: save it as .xlsx (or CSV UTF-8)",
        ));
    }
    // The archive's reader must not take the process down either.
    match std::panic::catch_unwind(|| check_zip(data, limits)) {
        Ok(r) => r?,
        Err(_) => return Err(refuse("xlsx.unreadable", "the workbook is malformed")),
    }
    let wanted = sheet.map(str::to_string);
    // The parser sees only checked input, but a malformed part must still not take the server
    // down: a panic inside it becomes a refusal.
    let parsed = std::panic::catch_unwind(
        move || -> Result<calamine::Range<calamine::Data>, Vec<RowError>> {
            use calamine::Reader;
            let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(data))
                .map_err(|_| {
                    refuse(
                        "xlsx.unreadable",
                        "the file is not a readable .xlsx workbook",
                    )
                })?;
            let names = wb.sheet_names();
            let name = match &wanted {
                Some(w) => names
                    .iter()
                    .find(|n| n.as_str() == w)
                    .cloned()
                    .ok_or_else(|| {
                        refuse(
                            "xlsx.sheet",
                            format!("no sheet named {w:?}; the sheets are: {}", names.join(", ")),
                        )
                    })?,
                None => names
                    .first()
                    .cloned()
                    .ok_or_else(|| refuse("xlsx.sheet", "the workbook has no sheet"))?,
            };
            wb.worksheet_range(&name).map_err(|_| {
                refuse(
                    "xlsx.unreadable",
                    format!("the sheet {name:?} is not readable"),
                )
            })
        },
    );
    let range = match parsed {
        Ok(r) => r?,
        Err(_) => return Err(refuse("xlsx.unreadable", "the workbook is malformed")),
    };
    let (h, w) = range.get_size();
    if let Some(e) = too_big(limits, h, w) {
        return Err(e);
    }
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut out = Sheet::default();
    for (i, cells) in range.rows().enumerate() {
        let row = first_row + i + 1;
        // Columns before the range's first are empty: keep positions as the sheet shows them.
        let cells: Vec<Cell> = std::iter::repeat_n(Cell::default(), first_col)
            .chain(cells.iter().map(cell_text))
            .collect();
        if out.header_row == 0 {
            if cells.iter().all(|c| c.text.trim().is_empty()) {
                continue;
            }
            out.header_row = row;
            out.headers = cells.into_iter().map(|c| c.text).collect();
        } else {
            out.rows.push((row, cells));
        }
    }
    Ok(out)
}
