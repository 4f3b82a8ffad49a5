//! Reports as XLSX — for `ketnap report … --format xlsx --out FILE` and the pages' download
//! button (moved here from the CLI so that both write the same file): the report's header block
//! (title, unit, period, structure — merged across the table's width), the column headers,
//! then the rows, figures written as numbers with number formats (`#,##0`, `0.0%`) so that
//! Excel shows them with the reader's separators (Vietnamese: `2.287`, `53,7%`).

use ketnap_domain::reports::Table;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

/// What writing a workbook can fail with.
#[derive(Debug, thiserror::Error)]
pub enum XlsxWriteError {
    #[error(transparent)]
    Xlsx(#[from] XlsxError),
    #[error("the table is too wide for a worksheet")]
    TooWide(#[from] std::num::TryFromIntError),
}

/// A cell as the reports write it, read back as a number: `2.287` → 2287, `53,7%` → 0.537
/// (a percentage, as the fraction a spreadsheet stores). `None` for text and for `–`.
pub fn vi_value(cell: &str) -> Option<(f64, bool)> {
    let (body, percent) = match cell.strip_suffix('%') {
        Some(b) => (b, true),
        None => (cell, false),
    };
    let unsigned = body.strip_prefix('-').unwrap_or(body);
    let (int, frac) = match unsigned.split_once(',') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let mut groups = int.split('.');
    let first = groups.next()?;
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(first) || (first.len() > 3 && int.contains('.')) {
        return None;
    }
    if !groups.all(|g| g.len() == 3 && digits(g)) {
        return None;
    }
    if frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    let plain = format!(
        "{}{}{}",
        if body.starts_with('-') { "-" } else { "" },
        int.replace('.', ""),
        frac.map(|f| format!(".{f}")).unwrap_or_default()
    );
    let x: f64 = plain.parse().ok()?;
    Some(if percent {
        (x / 100.0, true)
    } else {
        (x, false)
    })
}

/// The workbook of `head` (one line a row, merged across the table) and `table`, as bytes.
pub fn to_bytes(sheet: &str, head: &[&str], table: &Table) -> Result<Vec<u8>, XlsxWriteError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    // Sheet names: at most 31 characters.
    ws.set_name(sheet.chars().take(31).collect::<String>())?;
    let width = u16::try_from(table.header.len().max(1))?;
    let title = Format::new().set_bold().set_font_size(13);
    let note = Format::new().set_italic().set_align(FormatAlign::Left);
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let count = Format::new()
        .set_num_format("#,##0")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let percent = Format::new()
        .set_num_format("0.0%")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let text = Format::new().set_border(rust_xlsxwriter::FormatBorder::Thin);

    let mut row: u32 = 0;
    for (i, line) in head.iter().enumerate() {
        let f = if i == 0 { &title } else { &note };
        if width > 1 {
            ws.merge_range(row, 0, row, width - 1, line, f)?;
        } else {
            ws.write_string_with_format(row, 0, *line, f)?;
        }
        row += 1;
    }
    if !head.is_empty() {
        row += 1;
    }
    for (c, h) in table.header.iter().enumerate() {
        ws.write_string_with_format(row, u16::try_from(c)?, h, &bold)?;
    }
    row += 1;
    for line in &table.rows {
        for (c, cell) in line.iter().enumerate() {
            let col = u16::try_from(c)?;
            // The first column is a key (id, code), text even when it looks like a number.
            match (c > 0).then(|| vi_value(cell)).flatten() {
                Some((x, true)) => ws.write_number_with_format(row, col, x, &percent)?,
                Some((x, false)) => ws.write_number_with_format(row, col, x, &count)?,
                None => ws.write_string_with_format(row, col, cell, &text)?,
            };
        }
        row += 1;
    }
    for c in 0..width {
        let longest = std::iter::once(&table.header)
            .chain(&table.rows)
            .filter_map(|l| l.get(usize::from(c)))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(8);
        ws.set_column_width(c, (longest.clamp(8, 60) + 2) as f64)?;
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vietnamese_figures() {
        assert_eq!(vi_value("2.287"), Some((2287.0, false)));
        assert_eq!(vi_value("0"), Some((0.0, false)));
        assert_eq!(vi_value("-1.200"), Some((-1200.0, false)));
        assert_eq!(vi_value("113%"), Some((1.13, true)));
        assert_eq!(
            vi_value("53,7%").map(|(x, p)| ((x * 1000.0).round(), p)),
            Some((537.0, true))
        );
        assert_eq!(vi_value("1.234,5"), Some((1234.5, false)));
        for text in [
            "–",
            "Tổng số",
            "age.18_30",
            "12.34",
            "1234.567",
            "",
            "%",
            "T15",
        ] {
            assert_eq!(vi_value(text), None, "{text}");
        }
    }
}
