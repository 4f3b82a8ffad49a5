//! `ketnap report … --format xlsx --out FILE` (issue 4 item 8): the writer lives in
//! [`ketnap_web::ui::xlsx`], shared with the pages' download button.

use std::path::Path;

use anyhow::Result;
use ketnap_domain::reports::Table;

/// Writes `head` (one line a row, merged across the table) and `table` to `path`.
pub fn write(path: &Path, sheet: &str, head: &[&str], table: &Table) -> Result<()> {
    std::fs::write(path, ketnap_web::ui::xlsx::to_bytes(sheet, head, table)?)?;
    Ok(())
}
