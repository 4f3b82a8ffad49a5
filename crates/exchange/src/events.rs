//! Reading the events CSV (docs/import-format.md, "events") into rows for
//! [`Store::events_import`]: every row is parsed and every problem reported (row, column, rule);
//! the rules of the procedure are then applied by the store.
//!
//! Used by `ketnap import events` and `POST /api/v1/import/events`. CCCDs are looked up, never
//! echoed.

use ketnap_domain::person::looks_like_cccd;
use ketnap_domain::pipeline::{DocumentRef, EventKind, FormCode, StepKind};
use ketnap_store::Store;
use ketnap_store::pipeline_api::{ImportCase, ImportError, ImportRow, NewEvent};
use serde_json::{Map, Value};

use ketnap_store::StoreError;

/// `ImportCase` from the `case` column: digits are a recorded case, anything else names a new
/// case of the file.
pub fn import_case(s: &str) -> ImportCase {
    match s.trim().parse::<i64>() {
        Ok(id) => ImportCase::Recorded(id),
        Err(_) => ImportCase::New(s.trim().to_string()),
    }
}

const REQUIRED: &[&str] = &["case", "date", "kind"];
const OPTIONAL: &[&str] = &[
    "person_id",
    "cccd",
    "branch",
    "data",
    "document_form",
    "document_number",
    "document_date",
    "corrects",
    "reason",
];

/// The parsed rows and the problems found (nothing is imported when there is any).
pub struct Parsed {
    pub rows: Vec<ImportRow>,
    pub errors: Vec<ImportError>,
}

fn error(row: usize, column: &str, rule: &str, message: impl Into<String>) -> ImportError {
    ImportError {
        row,
        column: column.to_string(),
        rule: rule.to_string(),
        message: message.into(),
        refusal: None,
    }
}

/// Splits CSV text into records (RFC 4180: `"` quotes, `""` inside quotes, CRLF or LF).
/// Returns the records with the row number each starts on, counting records (a spreadsheet's
/// row numbers), or the row where a quote is left open.
pub fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, usize> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = vec![];
    let mut field = String::new();
    let mut rec: Vec<String> = vec![];
    let mut quoted = false;
    let mut at_start = true;
    let mut chars = text.chars().peekable();
    let mut row = 1;
    let mut push_rec = |rec: &mut Vec<String>, field: &mut String, row: &mut usize| {
        rec.push(std::mem::take(field));
        let r = std::mem::take(rec);
        if !(r.len() == 1 && r[0].trim().is_empty()) {
            out.push((*row, r));
        }
        *row += 1;
    };
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            ',' => {
                rec.push(std::mem::take(&mut field));
                at_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                push_rec(&mut rec, &mut field, &mut row);
                at_start = true;
            }
            _ => {
                field.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return Err(row);
    }
    if !field.is_empty() || !rec.is_empty() {
        push_rec(&mut rec, &mut field, &mut row);
    }
    Ok(out)
}

/// Reads the file; CCCDs are looked up in the store (and never echoed).
pub async fn read_events(store: &Store, data: &[u8]) -> Result<Parsed, StoreError> {
    let mut errors = vec![];
    let Ok(text) = std::str::from_utf8(data) else {
        errors.push(error(
            1,
            "",
            "csv.encoding",
            "the file is not UTF-8 (save it as CSV UTF-8)",
        ));
        return Ok(Parsed {
            rows: vec![],
            errors,
        });
    };
    let recs = match records(text) {
        Ok(r) => r,
        Err(row) => {
            errors.push(error(row, "", "csv.syntax", "a quoted field is not closed"));
            return Ok(Parsed {
                rows: vec![],
                errors,
            });
        }
    };
    let Some((_, header)) = recs.first() else {
        errors.push(error(1, "", "csv.column.missing", "the file is empty"));
        return Ok(Parsed {
            rows: vec![],
            errors,
        });
    };
    let header: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    for (i, h) in header.iter().enumerate() {
        if !REQUIRED.contains(&h.as_str()) && !OPTIONAL.contains(&h.as_str()) {
            errors.push(error(
                1,
                h,
                "csv.column.unknown",
                format!("unknown column {h:?}"),
            ));
        }
        if header[..i].contains(h) {
            errors.push(error(
                1,
                h,
                "csv.column.duplicate",
                format!("column {h:?} appears twice"),
            ));
        }
    }
    for r in REQUIRED {
        if !header.iter().any(|h| h == r) {
            errors.push(error(
                1,
                r,
                "csv.column.missing",
                format!("column {r:?} is required"),
            ));
        }
    }
    if !errors.is_empty() {
        return Ok(Parsed {
            rows: vec![],
            errors,
        });
    }
    let mut rows = vec![];
    for (row, rec) in recs.iter().skip(1) {
        let row = *row;
        if rec.len() > header.len() {
            errors.push(error(
                row,
                "",
                "csv.fields",
                "the row has more fields than the header",
            ));
            continue;
        }
        let get = |c: &str| -> &str {
            header
                .iter()
                .position(|h| h == c)
                .and_then(|i| rec.get(i))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let before = errors.len();
        let case = get("case");
        if case.is_empty() {
            errors.push(error(
                row,
                "case",
                "csv.required",
                "the case is required (a case id, or a key for a new case)",
            ));
        }
        let date = match ketnap_domain::dates::parse_date(get("date")) {
            Some(d) => Some(d),
            None => {
                errors.push(error(
                    row,
                    "date",
                    "csv.date",
                    format!("{:?} is not a date", get("date")),
                ));
                None
            }
        };
        let step = match StepKind::parse(get("kind")) {
            Some(k) => Some(k),
            None => {
                errors.push(error(
                    row,
                    "kind",
                    "csv.enum",
                    format!("{:?} is not an event kind", get("kind")),
                ));
                None
            }
        };
        let mut person_id = None;
        if !get("person_id").is_empty() {
            match get("person_id").parse::<i64>() {
                Ok(p) => person_id = Some(p),
                Err(_) => errors.push(error(
                    row,
                    "person_id",
                    "csv.number",
                    format!("{:?} is not an id", get("person_id")),
                )),
            }
        }
        let cccd = get("cccd");
        if !cccd.is_empty() {
            if !looks_like_cccd(cccd) {
                errors.push(error(row, "cccd", "csv.cccd", "a CCCD has 12 digits"));
            } else {
                match store.person_by_cccd(cccd).await? {
                    Some(p) if person_id.is_none_or(|id| id == p.person.id) => {
                        person_id = Some(p.person.id)
                    }
                    Some(_) => errors.push(error(
                        row,
                        "cccd",
                        "import.person.mismatch",
                        "the CCCD belongs to another person than person_id",
                    )),
                    None => errors.push(error(
                        row,
                        "cccd",
                        "import.ref.unknown",
                        "nobody on record holds this CCCD",
                    )),
                }
            }
        }
        let mut data: Map<String, Value> = match get("data") {
            "" => Map::new(),
            text => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(m)) => m,
                _ => {
                    errors.push(error(
                        row,
                        "data",
                        "csv.data",
                        "data must be a JSON object, e.g. {\"mentor\": 12}",
                    ));
                    Map::new()
                }
            },
        };
        let mut kind = None;
        if let Some(step) = step {
            data.insert("kind".into(), Value::String(step.as_str().into()));
            match serde_json::from_value::<EventKind>(Value::Object(data)) {
                Ok(k) => kind = Some(k),
                Err(e) => errors.push(error(
                    row,
                    "data",
                    "csv.data",
                    format!("the {} event's fields: {e}", step.as_str()),
                )),
            }
        }
        let form = match get("document_form") {
            "" => None,
            f => match FormCode::parse(f) {
                Some(f) => Some(f),
                None => {
                    errors.push(error(
                        row,
                        "document_form",
                        "csv.enum",
                        format!("{f:?} is not a form code (1-KNĐ … 13-KNĐ, CN-NTVĐ)"),
                    ));
                    None
                }
            },
        };
        let doc_date = match get("document_date") {
            "" => None,
            d => match ketnap_domain::dates::parse_date(d) {
                Some(d) => Some(d),
                None => {
                    errors.push(error(
                        row,
                        "document_date",
                        "csv.date",
                        format!("{d:?} is not a date"),
                    ));
                    None
                }
            },
        };
        let number = get("document_number");
        if number.is_empty() && (form.is_some() || doc_date.is_some()) {
            errors.push(error(
                row,
                "document_number",
                "csv.required",
                "a document needs its number",
            ));
        }
        let corrects = match get("corrects") {
            "" => None,
            c => match c.parse::<i64>() {
                Ok(c) => Some(c),
                Err(_) => {
                    errors.push(error(
                        row,
                        "corrects",
                        "csv.number",
                        format!("{c:?} is not an event id"),
                    ));
                    None
                }
            },
        };
        let reason = Some(get("reason").to_string()).filter(|r| !r.is_empty());
        if errors.len() > before {
            continue;
        }
        let (Some(date), Some(kind)) = (date, kind) else {
            continue;
        };
        rows.push(ImportRow {
            row,
            case: import_case(case),
            person_id,
            branch_code: Some(get("branch").to_string()).filter(|b| !b.is_empty()),
            event: NewEvent {
                date,
                kind,
                document: (!number.is_empty()).then(|| DocumentRef {
                    form,
                    number: number.to_string(),
                    date: doc_date,
                }),
                corrects,
                reason,
            },
        });
    }
    Ok(Parsed { rows, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_commas_and_newlines() {
        let t = "\u{feff}a,b\r\n1,\"x, \"\"y\"\"\"\n\n2,\"multi\nline\"\n";
        let r = records(t).unwrap_or_default();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].1, vec!["1".to_string(), "x, \"y\"".to_string()]);
        assert_eq!(r[2].0, 4, "the blank line counts as a row");
        assert_eq!(r[2].1[1], "multi\nline");
        assert_eq!(records("a\n\"open"), Err(2));
    }
}
