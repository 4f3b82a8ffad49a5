//! Lists of members and candidates keyed by CCCD, for exchange with the national party-member
//! database (CSV and XLSX). One row per person holding the status on the date in a branch of
//! the subtree; people without a CCCD cannot be matched there and are counted, not listed.
//! Cells a spreadsheet would run as formulas are written as text (CSV: a leading apostrophe;
//! XLSX: string cells).

use ketnap_domain::Date;
use ketnap_domain::person::PartyStatus;
use ketnap_store::Store;
use serde::Serialize;

use crate::{ExchangeError, csvio};

/// Which list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Đảng viên: probationary and official members.
    Members,
    /// Quần chúng ưu tú: candidates on a source list.
    Candidates,
}

impl ListKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "members" => Some(Self::Members),
            "candidates" => Some(Self::Candidates),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Members => "members",
            Self::Candidates => "candidates",
        }
    }

    fn holds(self, s: PartyStatus) -> bool {
        match self {
            Self::Members => matches!(s, PartyStatus::Probationary | PartyStatus::Official),
            Self::Candidates => s == PartyStatus::Candidate,
        }
    }
}

/// The columns of the list, in order.
pub const HEADER: [&str; 9] = [
    "cccd",
    "full_name",
    "sex",
    "birth_date",
    "ethnic_group",
    "religion",
    "status",
    "status_from",
    "branch_code",
];

/// The rows of a list and the people left out for want of a CCCD.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NationalList {
    pub kind: Option<ListKind>,
    pub as_of: Option<Date>,
    pub rows: Vec<Vec<String>>,
    pub without_cccd: usize,
}

/// The list of `kind` on `as_of`, for everything or the subtree of `org`, ordered by CCCD.
pub async fn list(
    store: &Store,
    kind: ListKind,
    org: Option<&str>,
    as_of: Date,
) -> Result<NationalList, ExchangeError> {
    let root = match org {
        Some(code) => Some(store.org_required(code).await?.id),
        None => None,
    };
    let people = store.export_people(root, as_of).await?;
    let mut out = NationalList {
        kind: Some(kind),
        as_of: Some(as_of),
        ..NationalList::default()
    };
    for x in &people {
        let Some((status, since, branch)) = &x.status else {
            continue;
        };
        if !kind.holds(*status) {
            continue;
        }
        let Some(cccd) = &x.person.cccd else {
            out.without_cccd += 1;
            continue;
        };
        let p = &x.person;
        out.rows.push(vec![
            cccd.expose().clone(),
            p.full_name.clone(),
            p.sex.as_str().to_string(),
            csvio::date(*p.birth_date.expose()),
            p.ethnic_group.expose().code().to_string(),
            p.religion.expose().as_str().to_string(),
            status.as_str().to_string(),
            csvio::date(*since),
            branch.as_ref().map(|(_, c)| c.clone()).unwrap_or_default(),
        ]);
    }
    out.rows.sort();
    Ok(out)
}

/// Writes the list as CSV (UTF-8 with a BOM, so that Excel reads the diacritics).
pub fn write_csv(list: &NationalList, mut out: impl std::io::Write) -> Result<(), ExchangeError> {
    out.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    for r in &list.rows {
        w.write_record(csvio::safe_record(r.iter().map(String::as_str)))?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the list as an XLSX workbook (every cell a string: never a formula; the CCCD keeps
/// its leading zero).
pub fn write_xlsx(list: &NationalList) -> Result<Vec<u8>, ExchangeError> {
    let x = |e: rust_xlsxwriter::XlsxError| ExchangeError::Csv(format!("XLSX: {e}"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(list.kind.map_or("list", |k| k.as_str()))
        .map_err(x)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(x)?;
    }
    for (r, row) in list.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v.as_str())
                .map_err(x)?;
        }
    }
    ws.set_column_width(0, 14).map_err(x)?;
    ws.set_column_width(1, 28).map_err(x)?;
    wb.save_to_buffer().map_err(x)
}
