//! Effective dating: every fact that can change holds for a half-open range of civil dates.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Violation;

/// A civil date (no time zone): all effective dating in ketnap is by day.
pub type Date = NaiveDate;

/// The date stored for an open end (`to = None`) in databases, so that "as of D" is the index
/// friendly `from <= D AND to > D` on both engines.
pub const OPEN_END: Date = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Khoảng hiệu lực — an effective period `[from, to)`; `to = None` means still in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Period {
    pub from: Date,
    pub to: Option<Date>,
}

impl Period {
    /// A period, refused when it would be empty or reversed.
    pub fn new(from: Date, to: Option<Date>) -> Result<Self, Violation> {
        match to {
            Some(t) if t <= from => Err(Violation::new(
                "to",
                "period.order",
                format!("end date {t} must be after start date {from}"),
            )),
            _ => Ok(Self { from, to }),
        }
    }

    /// An open-ended period starting on `from`.
    pub fn starting(from: Date) -> Self {
        Self { from, to: None }
    }

    /// Whether the fact holds on day `d`.
    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && self.to.is_none_or(|t| d < t)
    }

    /// Whether the period is still open.
    pub fn is_open(&self) -> bool {
        self.to.is_none()
    }

    /// The end as a date, with [`OPEN_END`] for an open period.
    pub fn end_or_max(&self) -> Date {
        self.to.unwrap_or(OPEN_END)
    }

    /// Converts a stored end date back to an `Option` (the [`OPEN_END`] sentinel → `None`).
    pub fn from_stored(from: Date, to: Date) -> Self {
        Self {
            from,
            to: if to >= OPEN_END { None } else { Some(to) },
        }
    }

    /// The common part of two periods, if any.
    pub fn intersect(&self, other: &Period) -> Option<Period> {
        let from = self.from.max(other.from);
        let to = match (self.to, other.to) {
            (None, None) => None,
            (Some(a), None) | (None, Some(a)) => Some(a),
            (Some(a), Some(b)) => Some(a.min(b)),
        };
        match to {
            Some(t) if t <= from => None,
            _ => Some(Period { from, to }),
        }
    }

    /// Whether the two periods share at least one day.
    pub fn overlaps(&self, other: &Period) -> bool {
        self.intersect(other).is_some()
    }

    /// Whether `other` starts exactly where this one ends.
    pub fn meets(&self, other: &Period) -> bool {
        self.to == Some(other.from)
    }

    /// The same period cut to end on `at` (exclusive). `None` when nothing would remain.
    pub fn closed_at(&self, at: Date) -> Option<Period> {
        if at <= self.from {
            None
        } else {
            Some(Period {
                from: self.from,
                to: Some(self.to.map_or(at, |t| t.min(at))),
            })
        }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to {
            Some(t) => write!(f, "[{}, {})", self.from, t),
            None => write!(f, "[{}, …)", self.from),
        }
    }
}

/// Merges adjacent or overlapping periods of the same value into one; input need not be sorted.
pub fn coalesce(mut periods: Vec<Period>) -> Vec<Period> {
    periods.sort();
    let mut out: Vec<Period> = Vec::with_capacity(periods.len());
    for p in periods {
        if let Some(last) = out.last_mut() {
            let last_end = last.end_or_max();
            if p.from <= last_end {
                if p.end_or_max() > last_end {
                    last.to = p.to;
                }
                continue;
            }
        }
        out.push(p);
    }
    out
}

/// Parses `YYYY-MM-DD` or the Vietnamese `dd/mm/yyyy`.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// Whole months from `birth` to `on` (age counted by month).
pub fn months_between(birth: Date, on: Date) -> i32 {
    use chrono::Datelike;
    let mut m = (on.year() - birth.year()) * 12 + on.month() as i32 - birth.month() as i32;
    if on.day() < birth.day() {
        m -= 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn half_open() {
        let p =
            Period::new(d(2020, 3, 1), Some(d(2025, 7, 1))).unwrap_or(Period::starting(d(1, 1, 1)));
        assert!(p.contains(d(2020, 3, 1)));
        assert!(p.contains(d(2025, 6, 30)));
        assert!(!p.contains(d(2025, 7, 1)));
        assert!(!p.contains(d(2020, 2, 29)));
    }

    #[test]
    fn reversed_period_is_refused() {
        let err = Period::new(d(2020, 3, 1), Some(d(2020, 3, 1))).unwrap_err();
        assert_eq!(err.rule, "period.order");
    }

    #[test]
    fn dates_both_formats() {
        assert_eq!(parse_date("2019-12-31"), Some(d(2019, 12, 31)));
        assert_eq!(parse_date("31/12/2019"), Some(d(2019, 12, 31)));
        assert_eq!(parse_date("31/02/2019"), None);
    }

    #[test]
    fn months() {
        assert_eq!(months_between(d(2006, 5, 2), d(2024, 5, 2)), 216);
        assert_eq!(months_between(d(2006, 5, 3), d(2024, 5, 2)), 215);
    }

    fn arb_period() -> impl Strategy<Value = Period> {
        (0i64..4000, prop::option::of(1i64..2000)).prop_map(|(a, len)| {
            let from = d(2015, 1, 1) + chrono::Days::new(a as u64);
            Period {
                from,
                to: len.map(|l| from + chrono::Days::new(l as u64)),
            }
        })
    }

    proptest! {
        #[test]
        fn intersection_is_contained_in_both(a in arb_period(), b in arb_period(), off in 0i64..6000) {
            let day = d(2015, 1, 1) + chrono::Days::new(off as u64);
            let both = a.contains(day) && b.contains(day);
            let i = a.intersect(&b);
            prop_assert_eq!(both, i.is_some_and(|p| p.contains(day)));
            prop_assert_eq!(a.overlaps(&b), b.overlaps(&a));
        }

        #[test]
        fn coalesce_keeps_days_and_removes_overlap(ps in prop::collection::vec(arb_period(), 0..8), off in 0i64..6000) {
            let day = d(2015, 1, 1) + chrono::Days::new(off as u64);
            let out = coalesce(ps.clone());
            prop_assert_eq!(ps.iter().any(|p| p.contains(day)), out.iter().any(|p| p.contains(day)));
            for w in out.windows(2) {
                prop_assert!(w[0].end_or_max() < w[1].from);
            }
        }

        #[test]
        fn closed_at_never_extends(p in arb_period(), off in 0i64..6000) {
            let at = d(2015, 1, 1) + chrono::Days::new(off as u64);
            if let Some(c) = p.closed_at(at) {
                prop_assert!(c.from == p.from && c.end_or_max() <= p.end_or_max() && c.end_or_max() <= at);
            } else {
                prop_assert!(at <= p.from);
            }
        }

        #[test]
        fn stored_round_trip(p in arb_period()) {
            prop_assert_eq!(Period::from_stored(p.from, p.end_or_max()), p);
        }
    }
}
