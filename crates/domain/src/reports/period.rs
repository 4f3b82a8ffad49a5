//! The period a report covers: a year, a half, a quarter, a month or a 5-year term (nhiệm kỳ).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::dates::Date;
use crate::error::Violation;

/// What kind of period a [`ReportPeriod`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Year,
    Half,
    Quarter,
    Month,
    Term,
    /// One day (a report on a date: candidates in the pipeline).
    Day,
}

/// Kỳ báo cáo — the days `[from, to)` a report counts, with the text it was asked as.
///
/// Accepted forms (decision recorded in `docs/decisions.md` §13):
/// - `2024` — the calendar year;
/// - `2024-06` — the month of June 2024 (not a half: halves are `2024-H1`, `2024-H2`);
/// - `2024-Q2` — a quarter;
/// - `2020-2025` — a term (nhiệm kỳ): the five calendar years 2020…2024, i.e. `[1/1/2020,
///   1/1/2025)`, so that consecutive terms 2020–2025 and 2025–2030 do not overlap (confirm
///   against the congress dates; "from the start of the term to date" is `--as-of`).
///
/// `as_of` (optional) cuts the period at that day inclusive ("đến ngày"), and the comparison
/// period ("cùng kỳ năm trước") is cut at the same day one year earlier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPeriod {
    pub label: String,
    pub kind: PeriodKind,
    pub from: Date,
    /// Exclusive end.
    pub to: Date,
}

fn ymd(y: i32, m: u32, d: u32) -> Option<Date> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn bad(s: &str) -> Violation {
    Violation::new(
        "period",
        "report.period.format",
        format!(
            "{s:?} is not a period: use 2024, 2024-06 (a month), 2024-H1, 2024-Q2 or 2020-2025 (a term)"
        ),
    )
}

fn year_of(s: &str) -> Option<i32> {
    (s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
        .filter(|y| (1900..=2100).contains(y))
}

impl ReportPeriod {
    /// Parses `2024`, `2024-06`, `2024-H1`, `2024-Q3` or `2020-2025`.
    pub fn parse(s: &str) -> Result<Self, Violation> {
        let t = s.trim();
        let label = t.to_string();
        let mk = |kind, from: Option<Date>, to: Option<Date>| match (from, to) {
            (Some(from), Some(to)) if from < to => Ok(ReportPeriod {
                label: label.clone(),
                kind,
                from,
                to,
            }),
            _ => Err(bad(s)),
        };
        if let Some(y) = year_of(t) {
            return mk(PeriodKind::Year, ymd(y, 1, 1), ymd(y + 1, 1, 1));
        }
        let (a, b) = t.split_once('-').ok_or_else(|| bad(s))?;
        let y = year_of(a).ok_or_else(|| bad(s))?;
        let up = b.to_ascii_uppercase();
        if let Some(end) = year_of(b) {
            if end <= y || end - y > 10 {
                return Err(bad(s));
            }
            return mk(PeriodKind::Term, ymd(y, 1, 1), ymd(end, 1, 1));
        }
        if let Some(h) = up.strip_prefix('H') {
            return match h {
                "1" => mk(PeriodKind::Half, ymd(y, 1, 1), ymd(y, 7, 1)),
                "2" => mk(PeriodKind::Half, ymd(y, 7, 1), ymd(y + 1, 1, 1)),
                _ => Err(bad(s)),
            };
        }
        if let Some(q) = up.strip_prefix('Q') {
            let q: u32 = q.parse().map_err(|_| bad(s))?;
            if !(1..=4).contains(&q) {
                return Err(bad(s));
            }
            let from = ymd(y, 3 * q - 2, 1);
            let to = if q == 4 {
                ymd(y + 1, 1, 1)
            } else {
                ymd(y, 3 * q + 1, 1)
            };
            return mk(PeriodKind::Quarter, from, to);
        }
        if b.len() == 2 && b.chars().all(|c| c.is_ascii_digit()) {
            let m: u32 = b.parse().map_err(|_| bad(s))?;
            if !(1..=12).contains(&m) {
                return Err(bad(s));
            }
            let to = if m == 12 {
                ymd(y + 1, 1, 1)
            } else {
                ymd(y, m + 1, 1)
            };
            return mk(PeriodKind::Month, ymd(y, m, 1), to);
        }
        Err(bad(s))
    }

    /// The period cut at `as_of` inclusive (unchanged when `as_of` is at or after its end);
    /// `None` when `as_of` is before it starts.
    pub fn until(&self, as_of: Date) -> Option<ReportPeriod> {
        if as_of < self.from {
            return None;
        }
        let to = as_of.succ_opt().map_or(self.to, |n| n.min(self.to));
        Some(ReportPeriod { to, ..self.clone() })
    }

    /// Cùng kỳ năm trước — the same days one year earlier (a term: the previous term of the
    /// same length, since "last year" of a five-year term means little).
    pub fn previous(&self) -> ReportPeriod {
        // A term's length comes from its label ("2020-2025"): a term cut at a date keeps it.
        let term = || {
            let (a, b) = self.label.split_once('-')?;
            Some((a.trim().parse::<i32>().ok()?, b.trim().parse::<i32>().ok()?))
        };
        let years = match self.kind {
            PeriodKind::Term => term()
                .map(|(a, b)| b - a)
                .filter(|n| *n > 0)
                .unwrap_or(self.to.year() - self.from.year()),
            _ => 1,
        };
        let back = |d: Date| {
            d.with_year(d.year() - years)
                .or_else(|| ymd(d.year() - years, d.month(), 28))
                .unwrap_or(d)
        };
        let label = match self.kind {
            PeriodKind::Term => match term() {
                Some((a, b)) => format!("{}-{}", a - years, b - years),
                None => format!("{}-{}", self.from.year() - years, self.to.year() - years),
            },
            _ => format!("{} (-1)", self.label),
        };
        ReportPeriod {
            label,
            kind: self.kind,
            from: back(self.from),
            to: back(self.to),
        }
    }

    /// The last day counted.
    pub fn last_day(&self) -> Date {
        self.to.pred_opt().unwrap_or(self.to)
    }

    /// `01/01/2024 – 31/12/2024`.
    pub fn label_vi(&self) -> String {
        format!(
            "{} – {}",
            crate::text::vi::date(self.from),
            crate::text::vi::date(self.last_day())
        )
    }

    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && d < self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        ymd(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn parses_the_forms() -> Result<(), Violation> {
        let y = ReportPeriod::parse("2024")?;
        assert_eq!(
            (y.kind, y.from, y.to),
            (PeriodKind::Year, d(2024, 1, 1), d(2025, 1, 1))
        );
        let m = ReportPeriod::parse("2024-06")?;
        assert_eq!(
            (m.kind, m.from, m.to),
            (PeriodKind::Month, d(2024, 6, 1), d(2024, 7, 1))
        );
        let dec = ReportPeriod::parse("2024-12")?;
        assert_eq!(dec.to, d(2025, 1, 1));
        let h = ReportPeriod::parse("2023-h1")?;
        assert_eq!((h.from, h.to), (d(2023, 1, 1), d(2023, 7, 1)));
        let q = ReportPeriod::parse("2024-Q4")?;
        assert_eq!((q.from, q.to), (d(2024, 10, 1), d(2025, 1, 1)));
        let t = ReportPeriod::parse("2020-2025")?;
        assert_eq!(
            (t.kind, t.from, t.to),
            (PeriodKind::Term, d(2020, 1, 1), d(2025, 1, 1))
        );
        for bad in [
            "24",
            "2024-13",
            "2024-00",
            "2025-2020",
            "2024-H3",
            "2024-Q5",
            "x",
            "2024-6",
        ] {
            assert!(ReportPeriod::parse(bad).is_err(), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn as_of_and_same_period_last_year() -> Result<(), Violation> {
        let t = ReportPeriod::parse("2020-2025")?;
        let cut = t.until(d(2023, 6, 30)).ok_or_else(|| bad("cut"))?;
        assert_eq!(cut.to, d(2023, 7, 1));
        assert_eq!(cut.label_vi(), "01/01/2020 – 30/06/2023");
        assert_eq!(t.previous().label, "2015-2020");
        assert_eq!(t.previous().from, d(2015, 1, 1));
        // Cut at a date, the comparison is the previous term cut at the same point.
        let cut_prev = cut.previous();
        assert_eq!(cut_prev.label, "2015-2020");
        assert_eq!((cut_prev.from, cut_prev.to), (d(2015, 1, 1), d(2018, 7, 1)));
        let y = ReportPeriod::parse("2024")?;
        assert!(y.until(d(2023, 12, 31)).is_none());
        assert_eq!(y.until(d(2030, 1, 1)), Some(y.clone()));
        let p = y
            .until(d(2024, 2, 29))
            .ok_or_else(|| bad("cut"))?
            .previous();
        assert_eq!((p.from, p.to), (d(2023, 1, 1), d(2023, 3, 1)));
        Ok(())
    }
}
