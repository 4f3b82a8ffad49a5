//! Chỉ tiêu phát triển đảng viên — targets for admitting new members, and the arithmetic the
//! press quotes: achievement ("2.287/2.022, đạt 113%"), pace, forecast, ranking, reconciliation.
//!
//! Pure: the store supplies the counts, this module does the maths and the Vietnamese wording.
//!
//! # Periods
//! A target is for a calendar year (`2024`) or for a 5-year term (nhiệm kỳ, `2020-2025`). A term
//! `A–B` covers the calendar years `A ..= B-1`, i.e. `[A-01-01, B-01-01)`, so that consecutive
//! terms (2020–2025, 2025–2030) tile without overlap and each holds exactly five years.
//!
//! # Percent wording (the press's rule, reproduced from `scenarios.md`)
//! Rates are computed exactly on integers and **truncated, never rounded**:
//! - [`Rate::text`] — the headline of a sentence ("đạt 113% kế hoạch"): at or above 100% the
//!   percentage is written as a whole number, truncated (2.287/2.022 = 113,1… → `113%`,
//!   14/6 = 233,3… → `233%`); below 100% with one decimal, truncated, `,0` dropped
//!   (215/400 = 53,75 → `53,7%`).
//! - [`Rate::text_precise`] — rankings and tables: always one decimal, truncated, `,0` dropped
//!   (`150%`, `149%`, `121,6%`), so close units stay distinguishable.

mod forecast;
mod rank;
mod rate;

#[cfg(test)]
mod tests;

pub use forecast::{
    Forecast, ForecastLine, SourceHistory, StageCount, StageHistory, forecast, measure_source,
    measure_source_counts,
};
pub use rank::{RankEntry, rank};
pub use rate::{Pace, Rate, pace};

use serde::{Deserialize, Serialize};

use crate::dates::{Date, Period};
use crate::error::Violation;
use crate::text::vi;

crate::code_enum!(
    /// Loại chỉ tiêu — what a target counts.
    TargetKind {
        /// Số đảng viên mới kết nạp trong kỳ — admissions in the period.
        Admissions = "admissions" / "Kết nạp đảng viên mới",
        /// Mỗi năm kết nạp ít nhất N — at least N admissions in every year of the period.
        AdmissionsPerYear = "admissions_per_year" / "Kết nạp ít nhất mỗi năm",
        /// Tỷ lệ đảng viên/dân số ≥ x% — value in basis points (600 = 6%).
        MemberRatio = "member_ratio" / "Tỷ lệ đảng viên/dân số",
    }
);

crate::code_enum!(
    /// Nguồn chỉ tiêu — who set the figure.
    TargetSource {
        /// Chỉ tiêu giao — assigned by the superior.
        Assigned = "assigned" / "Chỉ tiêu giao",
        /// Chỉ tiêu đăng ký — registered by the unit itself.
        Registered = "registered" / "Chỉ tiêu đăng ký",
    }
);

/// Kỳ chỉ tiêu — a calendar year or a 5-year term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum TargetPeriod {
    /// Năm — a calendar year.
    Year(i32),
    /// Nhiệm kỳ — a term `start–end` (years `start ..= end-1`).
    Term { start: i32, end: i32 },
}

impl TargetPeriod {
    /// Parses `2024`, `2020-2025` or `2020–2025`.
    pub fn parse(s: &str) -> Result<Self, Violation> {
        let bad = || {
            Violation::new(
                "period",
                "target.period",
                format!("`{s}` is not a year (2024) or a term (2020-2025)"),
            )
        };
        let s = s.trim();
        let year = |y: &str| -> Result<i32, Violation> {
            let y: i32 = y.trim().parse().map_err(|_| bad())?;
            if (1930..=2200).contains(&y) {
                Ok(y)
            } else {
                Err(bad())
            }
        };
        match s.split_once(['-', '–']) {
            None => Ok(Self::Year(year(s)?)),
            Some((a, b)) => {
                let (start, end) = (year(a)?, year(b)?);
                if end <= start {
                    return Err(bad());
                }
                Ok(Self::Term { start, end })
            }
        }
    }

    /// The dates covered, half-open.
    pub fn dates(&self) -> Period {
        let jan1 = |y: i32| Date::from_ymd_opt(y, 1, 1).unwrap_or(Date::MIN);
        match *self {
            Self::Year(y) => Period {
                from: jan1(y),
                to: Some(jan1(y + 1)),
            },
            Self::Term { start, end } => Period {
                from: jan1(start),
                to: Some(jan1(end)),
            },
        }
    }

    /// The first day of the period.
    pub fn start(&self) -> Date {
        self.dates().from
    }

    /// The day after the period.
    pub fn end_exclusive(&self) -> Date {
        self.dates().end_or_max()
    }

    /// Number of calendar years covered.
    pub fn years(&self) -> i64 {
        match *self {
            Self::Year(_) => 1,
            Self::Term { start, end } => i64::from(end - start),
        }
    }

    /// The same period one year earlier (for "cùng kỳ năm trước").
    pub fn previous_year(&self) -> Self {
        match *self {
            Self::Year(y) => Self::Year(y - 1),
            Self::Term { start, end } => Self::Term {
                start: start - 1,
                end: end - 1,
            },
        }
    }

    /// Vietnamese label: `năm 2024`, `nhiệm kỳ 2020–2025`.
    pub fn label_vi(&self) -> String {
        match *self {
            Self::Year(y) => format!("năm {y}"),
            Self::Term { start, end } => format!("nhiệm kỳ {start}–{end}"),
        }
    }
}

impl std::fmt::Display for TargetPeriod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::Year(y) => write!(f, "{y}"),
            Self::Term { start, end } => write!(f, "{start}-{end}"),
        }
    }
}

impl From<TargetPeriod> for String {
    fn from(p: TargetPeriod) -> String {
        p.to_string()
    }
}

impl TryFrom<String> for TargetPeriod {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).map_err(|v| v.message)
    }
}

/// Chỉ tiêu — the target of one unit for one kind and period; both figures kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub kind: TargetKind,
    pub period: TargetPeriod,
    /// Chỉ tiêu giao (by the superior).
    pub assigned: Option<i64>,
    /// Chỉ tiêu đăng ký (by the unit).
    pub registered: Option<i64>,
}

impl Target {
    /// The figure achievement is measured against: the registered one when there is one (the
    /// press ranks sub-organizations "over the registered target"), else the assigned one.
    pub fn basis(&self) -> Option<(TargetSource, i64)> {
        match (self.registered, self.assigned) {
            (Some(r), _) => Some((TargetSource::Registered, r)),
            (None, Some(a)) => Some((TargetSource::Assigned, a)),
            (None, None) => None,
        }
    }

    /// The figure for one source.
    pub fn value(&self, source: TargetSource) -> Option<i64> {
        match source {
            TargetSource::Assigned => self.assigned,
            TargetSource::Registered => self.registered,
        }
    }
}

/// Checks a target value for its kind: counts ≥ 0, ratios in basis points 0..=10 000.
pub fn check_value(kind: TargetKind, value: i64) -> Result<(), Violation> {
    let max = match kind {
        TargetKind::MemberRatio => 10_000,
        _ => 10_000_000,
    };
    if (0..=max).contains(&value) {
        Ok(())
    } else {
        Err(Violation::new(
            "value",
            "target.value",
            format!("{value} is out of range 0..={max} for {}", kind.as_str()),
        ))
    }
}

/// Parses a target value as typed by a user: a count (`2022`, `2.022`) or, for a ratio, a
/// percentage (`6`, `6%`, `6,5`) returned in basis points.
pub fn parse_value(kind: TargetKind, s: &str) -> Result<i64, Violation> {
    let bad = || {
        Violation::new(
            "value",
            "target.value",
            format!("`{s}` is not a valid value"),
        )
    };
    let t = s.trim().trim_end_matches('%').trim();
    let v = match kind {
        TargetKind::MemberRatio => {
            let (int, frac) = t.split_once([',', '.']).unwrap_or((t, ""));
            if frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            let int: i64 = int.parse().map_err(|_| bad())?;
            let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
            int * 100 + frac
        }
        _ => t.replace('.', "").parse().map_err(|_| bad())?,
    };
    check_value(kind, v)?;
    Ok(v)
}

/// Writes a value of a kind: `2.022` or `6%`.
pub fn value_text(kind: TargetKind, v: i64) -> String {
    match kind {
        TargetKind::MemberRatio => vi::percent(v as f64 / 100.0, 2),
        _ => vi::number(v),
    }
}

/// Tỷ lệ đảng viên/dân số — a members/population target judged on a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RatioCheck {
    /// The target in hundredths of a percent (600 = 6%).
    pub target: i64,
    pub members: i64,
    /// The population of the unit's localities (latest figure not after the date); none when
    /// no population is recorded.
    pub population: Option<i64>,
    /// The ratio reached, in hundredths of a percent, truncated; none without population.
    pub actual: Option<i64>,
    pub met: Option<bool>,
    /// `tỷ lệ đảng viên/dân số 6,08% (225/3.700), mục tiêu 6% — đạt`.
    pub text: String,
}

/// Judges a members/population target (`target` in hundredths of a percent).
pub fn ratio_check(target: i64, members: i64, population: Option<i64>) -> RatioCheck {
    let goal = value_text(TargetKind::MemberRatio, target);
    let pop = population.filter(|p| *p > 0);
    let actual = pop.map(|p| members.saturating_mul(10_000) / p);
    // Exact comparison: members / population ≥ target / 10 000.
    let met = pop.map(|p| members.saturating_mul(10_000) >= target.saturating_mul(p));
    let text = match (actual, pop, met) {
        (Some(a), Some(p), Some(m)) => format!(
            "tỷ lệ đảng viên/dân số {} ({}/{}), mục tiêu {goal} — {}",
            vi::percent(a as f64 / 100.0, 2),
            vi::number(members),
            vi::number(p),
            if m { "đạt" } else { "chưa đạt" }
        ),
        _ => format!(
            "tỷ lệ đảng viên/dân số: chưa có số dân của địa bàn ({} đảng viên), mục tiêu {goal}",
            vi::number(members)
        ),
    };
    RatioCheck {
        target,
        members,
        population: pop,
        actual,
        met,
        text,
    }
}

/// Đối chiếu — how the children's assigned targets compare with the parent's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The parent's figure (None when the parent has none).
    pub parent: Option<i64>,
    /// Sum of the children's figures.
    pub children_sum: i64,
    /// Children with a figure.
    pub children_with: usize,
    /// Children without a figure (their codes).
    pub children_missing: Vec<String>,
    /// `children_sum - parent` (positive: the children were given more than the parent).
    pub difference: Option<i64>,
    /// Whether the figures agree (and every child has one).
    pub balanced: bool,
    /// Vietnamese wording.
    pub text: String,
}

/// Reconciles the parent's figure with its children's (`(code, figure)` pairs).
pub fn reconcile(parent: Option<i64>, children: &[(String, Option<i64>)]) -> Reconciliation {
    let children_sum: i64 = children.iter().filter_map(|(_, v)| *v).sum();
    let children_with = children.iter().filter(|(_, v)| v.is_some()).count();
    let children_missing: Vec<String> = children
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(c, _)| c.clone())
        .collect();
    let difference = parent.map(|p| children_sum - p);
    let balanced = difference == Some(0) && children_missing.is_empty();
    let mut text = match (parent, difference) {
        (None, _) | (_, None) => format!(
            "Chưa có chỉ tiêu của đơn vị; tổng chỉ tiêu các đơn vị trực thuộc {}",
            vi::number(children_sum)
        ),
        (Some(p), Some(0)) => format!(
            "Tổng chỉ tiêu các đơn vị trực thuộc {} khớp chỉ tiêu của đơn vị",
            vi::number(p)
        ),
        (Some(p), Some(d)) if d < 0 => format!(
            "Tổng chỉ tiêu các đơn vị trực thuộc {} thấp hơn chỉ tiêu của đơn vị {} (thiếu {})",
            vi::number(children_sum),
            vi::number(p),
            vi::number(-d)
        ),
        (Some(p), Some(d)) => format!(
            "Tổng chỉ tiêu các đơn vị trực thuộc {} cao hơn chỉ tiêu của đơn vị {} (thừa {})",
            vi::number(children_sum),
            vi::number(p),
            vi::number(d)
        ),
    };
    if !children_missing.is_empty() {
        text.push_str(&format!(
            "; {} đơn vị chưa có chỉ tiêu",
            vi::number(children_missing.len() as i64)
        ));
    }
    Reconciliation {
        parent,
        children_sum,
        children_with,
        children_missing,
        difference,
        balanced,
        text,
    }
}

/// "Ít nhất N mỗi năm": the years of `period` whose admissions fell short (`(year, admitted)`),
/// given admissions per year. Years after `as_of` are not judged.
pub fn years_short(
    minimum: i64,
    per_year: &[(i32, i64)],
    period: TargetPeriod,
    as_of: Date,
) -> Vec<(i32, i64)> {
    use chrono::Datelike;
    let (first, last) = match period {
        TargetPeriod::Year(y) => (y, y),
        TargetPeriod::Term { start, end } => (start, end - 1),
    };
    (first..=last)
        .filter(|y| *y < as_of.year())
        .map(|y| {
            let n = per_year
                .iter()
                .filter(|(py, _)| *py == y)
                .map(|(_, n)| *n)
                .sum::<i64>();
            (y, n)
        })
        .filter(|(_, n)| *n < minimum)
        .collect()
}
