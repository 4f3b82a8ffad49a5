//! Pre-aggregated admissions and recognitions (table `report_agg`, docs/decisions.md §14): what
//! is kept for which unit, how a fact becomes counts, and how a date range splits into the part
//! the aggregates answer and the edges read from the facts. Pure; the SQL is in
//! `engine/aggregates.rs`.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use ketnap_domain::Date;
use ketnap_domain::org::{OrgId, OrgKind};
use ketnap_domain::reports::{Counted, FactKind};

/// What `report_agg` keeps for a unit (admissions also per day at both levels).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Committees above the grassroots: every row of the form per year, the total per month.
    Full,
    /// Grassroots committees and branches, sub-committees: the total per month.
    Totals,
    /// Branches: nothing (reports read their few facts directly).
    None,
}

impl Level {
    pub fn of(kind: OrgKind) -> Level {
        match kind {
            OrgKind::Central | OrgKind::ProvincialCommittee | OrgKind::DirectCommittee => {
                Level::Full
            }
            OrgKind::GrassrootsCommittee | OrgKind::GrassrootsBranch | OrgKind::SubCommittee => {
                Level::Totals
            }
            OrgKind::Branch => Level::None,
        }
    }
}

/// The period code of a month: `YYYYMM`.
pub fn month_code(d: Date) -> i32 {
    d.year() * 100 + d.month() as i32
}

/// The period code of a day's admission total: `YYYYMMDD` (8 digits, so never inside a range
/// of month codes; its last two digits are never `00`, so never a year's rows).
pub fn day_code(d: Date) -> i32 {
    d.year() * 10_000 + d.month() as i32 * 100 + d.day() as i32
}

/// The period code of a year's rows: `YYYY00`.
pub fn year_code(year: i32) -> i32 {
    year * 100
}

/// One counted fact with the rows it counts in, and the day whose structure attributes it
/// (an admission's or recognition's own date; a candidacy's first day).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fact {
    pub counted: Counted,
    pub rows: Vec<&'static str>,
    pub attributed_on: Date,
}

/// An ancestor of a branch over a period (a closure row with the ancestor's kind).
#[derive(Clone, Copy, Debug)]
pub struct AncestorSpan {
    pub ancestor: OrgId,
    pub from: Date,
    pub to: Date,
    pub level: Level,
}

/// The key of a `report_agg` row.
pub type AggKey = (OrgId, FactKind, i32, &'static str);

/// Counts being added up before they are written.
#[derive(Debug, Default)]
pub struct Acc(pub HashMap<AggKey, i64>);

impl Acc {
    /// Adds `sign` × the fact to every unit above its branch on its attribution date.
    /// Candidacies count every row per month at both levels (the forecast of a commune reads
    /// them); admissions and recognitions as described on [`Level`].
    pub fn add(&mut self, f: &Fact, ancestors: &[AncestorSpan], sign: i64) {
        let date = f.counted.date;
        let on = f.attributed_on;
        let kind = f.counted.kind;
        let month = month_code(date);
        let year = year_code(date.year());
        for a in ancestors
            .iter()
            .filter(|a| a.from <= on && on < a.to && a.level != Level::None)
        {
            if kind == FactKind::Candidacy {
                for r in &f.rows {
                    *self.0.entry((a.ancestor, kind, month, r)).or_insert(0) += sign;
                }
                continue;
            }
            *self
                .0
                .entry((a.ancestor, kind, month, "total"))
                .or_insert(0) += sign;
            if kind == FactKind::Admission {
                // The days of the running month (achievement to date, pace) read these.
                *self
                    .0
                    .entry((a.ancestor, kind, day_code(date), "total"))
                    .or_insert(0) += sign;
            }
            if a.level == Level::Full {
                for r in &f.rows {
                    *self.0.entry((a.ancestor, kind, year, r)).or_insert(0) += sign;
                }
            }
        }
    }

    /// The entries that change something (non-zero).
    pub fn changes(&self) -> impl Iterator<Item = (&AggKey, i64)> {
        self.0
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|(k, n)| (k, *n))
    }
}

/// A date range `[from, to)` cut into the edges read from the facts and the whole months (or
/// years) in between that the aggregates answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Days before the first whole unit (or the whole range when it holds none).
    pub head: Option<(Date, Date)>,
    /// The first and last whole unit's period code (months `YYYYMM`, years `YYYY00`).
    pub middle: Option<(i32, i32)>,
    /// Days after the last whole unit.
    pub tail: Option<(Date, Date)>,
}

fn first_of_month(y: i32, m: u32) -> Option<Date> {
    NaiveDate::from_ymd_opt(y, m, 1)
}

/// Splits `[from, to)` at whole months.
pub fn split_months(from: Date, to: Date) -> Split {
    split(
        from,
        to,
        |d| {
            if d.day() == 1 {
                Some(d)
            } else if d.month() == 12 {
                first_of_month(d.year() + 1, 1)
            } else {
                first_of_month(d.year(), d.month() + 1)
            }
        },
        |d| first_of_month(d.year(), d.month()),
        |a, b| {
            // a = first whole month start, b = end (exclusive, a first of month).
            let last = b.pred_opt()?;
            Some((month_code(a), month_code(last)))
        },
    )
}

/// Splits `[from, to)` at whole years.
pub fn split_years(from: Date, to: Date) -> Split {
    split(
        from,
        to,
        |d| {
            if d.ordinal() == 1 {
                Some(d)
            } else {
                first_of_month(d.year() + 1, 1)
            }
        },
        |d| first_of_month(d.year(), 1),
        |a, b| {
            let last = b.pred_opt()?;
            Some((year_code(a.year()), year_code(last.year())))
        },
    )
}

fn split(
    from: Date,
    to: Date,
    ceil: impl Fn(Date) -> Option<Date>,
    floor: impl Fn(Date) -> Option<Date>,
    codes: impl Fn(Date, Date) -> Option<(i32, i32)>,
) -> Split {
    let whole = |a: Date, b: Date| if a < b { Some((a, b)) } else { None };
    if from >= to {
        return Split {
            head: None,
            middle: None,
            tail: None,
        };
    }
    match (ceil(from), floor(to)) {
        (Some(a), Some(b)) if a < b => Split {
            head: whole(from, a),
            middle: codes(a, b),
            tail: whole(b, to),
        },
        _ => Split {
            head: Some((from, to)),
            middle: None,
            tail: None,
        },
    }
}

/// The counts of a `candidacy_hist` row: `row:n` pairs joined by commas, in row order, zeros
/// left out (row ids never hold `:` or `,`).
pub fn encode_counts<'a>(counts: impl IntoIterator<Item = (&'a str, i64)>) -> String {
    let mut out = String::new();
    for (row, n) in counts.into_iter().filter(|(_, n)| *n != 0) {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(row);
        out.push(':');
        out.push_str(&n.to_string());
    }
    out
}

/// Calls `f` with every pair [`encode_counts`] wrote, without copying; `None` (after some calls)
/// for text it cannot have written.
pub fn each_count(text: &str, mut f: impl FnMut(&str, i64)) -> Option<()> {
    if text.is_empty() {
        return Some(());
    }
    for pair in text.split(',') {
        let (row, n) = pair.rsplit_once(':')?;
        if row.is_empty() || row.contains(':') {
            return None;
        }
        f(row, n.parse::<i64>().ok()?);
    }
    Some(())
}

/// The SQL that folds a per-unit answer into one row: `unit=value` joined by `;` (`NULL` when
/// `inner` has no row). SQLite's driver hands every row from its worker thread to the task on its
/// own, and when the rows come out of a GROUP BY one at a time each costs a thread wake-up: 80
/// rows of a province's communes took 1,1–1,6 ms against 0,2–0,6 ms of SQL (docs/benchmarks.md,
/// seventh sitting). `unit` is an integer column of `inner`, `value` text without `;` or `=`.
pub fn one_row_per_answer(inner: &str, unit: &str, value: &str) -> String {
    format!(
        "SELECT string_agg(CAST({unit} AS TEXT) || '=' || {value}, ';') AS units FROM ({inner}) AS per_unit"
    )
}

/// Calls `f` with every `(unit, value)` of what [`one_row_per_answer`]'s SQL built (a unit may
/// come more than once); `None` (after some calls) for text it cannot have built, or when `f`
/// says so.
pub fn each_unit(text: &str, mut f: impl FnMut(OrgId, &str) -> Option<()>) -> Option<()> {
    if text.is_empty() {
        return Some(());
    }
    for part in text.split(';') {
        let (unit, value) = part.split_once('=')?;
        f(unit.parse::<OrgId>().ok()?, value)?;
    }
    Some(())
}

/// Reads what [`encode_counts`] wrote; `None` for text it cannot have written.
pub fn decode_counts(text: &str) -> Option<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    each_count(text, |row, n| *out.entry(row.to_string()).or_insert(0) += n)?;
    Some(out)
}

/// Adds counts per row id into `into`.
pub fn merge_counts(into: &mut BTreeMap<String, i64>, more: &BTreeMap<String, i64>) {
    for (k, v) in more {
        *into.entry(k.clone()).or_insert(0) += v;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn each_unit_reads_what_the_one_row_sql_builds() {
        let mut seen = vec![];
        let ok = each_unit("12=applied:3,source:1;7=total:2;12=d30:1", |u, v| {
            seen.push((u, v.to_string()));
            Some(())
        });
        assert_eq!(ok, Some(()));
        assert_eq!(
            seen,
            vec![
                (12, "applied:3,source:1".into()),
                (7, "total:2".into()),
                (12, "d30:1".into())
            ]
        );
        assert_eq!(each_unit("", |_, _| None), Some(()));
        for bad in ["12", "x=total:1", "12=a:1;;"] {
            assert_eq!(each_unit(bad, |_, _| Some(())), None, "{bad}");
        }
        assert_eq!(each_unit("1=a:1", |_, _| None), None);
    }

    fn d(y: i32, m: u32, day: u32) -> Date {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn splits_at_months_and_years() {
        assert_eq!(
            split_years(d(2024, 1, 1), d(2025, 1, 1)),
            Split {
                head: None,
                middle: Some((202400, 202400)),
                tail: None
            }
        );
        assert_eq!(
            split_years(d(2024, 1, 1), d(2024, 11, 26)),
            Split {
                head: Some((d(2024, 1, 1), d(2024, 11, 26))),
                middle: None,
                tail: None
            }
        );
        assert_eq!(
            split_months(d(2024, 1, 1), d(2024, 11, 26)),
            Split {
                head: None,
                middle: Some((202401, 202410)),
                tail: Some((d(2024, 11, 1), d(2024, 11, 26)))
            }
        );
        assert_eq!(
            split_months(d(2024, 3, 15), d(2024, 3, 20)),
            Split {
                head: Some((d(2024, 3, 15), d(2024, 3, 20))),
                middle: None,
                tail: None
            }
        );
        assert_eq!(
            split_years(d(2020, 1, 1), d(2026, 1, 1)).middle,
            Some((202000, 202500))
        );
    }

    /// Every day of the range is in exactly one part.
    fn covered(s: &Split, day: Date, months: bool) -> usize {
        let inside = |r: Option<(Date, Date)>| r.is_some_and(|(a, b)| a <= day && day < b) as usize;
        let code = if months {
            month_code(day)
        } else {
            year_code(day.year())
        };
        inside(s.head)
            + inside(s.tail)
            + s.middle.is_some_and(|(a, b)| a <= code && code <= b) as usize
    }

    #[test]
    fn counts_text_reads_back() {
        let text = encode_counts([("d120", 3), ("total", 7), ("d30", 0)]);
        assert_eq!(text, "d120:3,total:7");
        let back = decode_counts(&text).unwrap_or_default();
        assert_eq!(back.get("d120"), Some(&3));
        assert_eq!(back.get("total"), Some(&7));
        assert_eq!(back.len(), 2);
        assert_eq!(decode_counts(""), Some(BTreeMap::new()));
        for bad in ["total", "total:x", ":3", "a:b:3", "total:3,"] {
            assert_eq!(decode_counts(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn counts_text_round_trips(counts in proptest::collection::btree_map("[a-z][a-z0-9]{0,6}", -50i64..50, 0..20)) {
            let text = encode_counts(counts.iter().map(|(k, v)| (k.as_str(), *v)));
            let expected: BTreeMap<String, i64> = counts.into_iter().filter(|(_, v)| *v != 0).collect();
            prop_assert_eq!(decode_counts(&text), Some(expected));
        }

        #[test]
        fn the_parts_cover_the_range_once(a in 0u64..3000, len in 0u64..1200, months: bool) {
            let from = d(2016, 1, 1) + chrono::Days::new(a);
            let to = from + chrono::Days::new(len);
            let s = if months { split_months(from, to) } else { split_years(from, to) };
            let mut day = from - chrono::Days::new(40);
            while day < to + chrono::Days::new(40) {
                let expected = usize::from(from <= day && day < to);
                prop_assert_eq!(covered(&s, day, months), expected, "day {}", day);
                day = day + chrono::Days::new(1);
            }
        }
    }
}
