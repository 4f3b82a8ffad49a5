//! Working days (ngày làm việc): Monday to Friday except public holidays, including each year's
//! Tết schedule and substitute days off, held as data an administrator maintains
//! (`data/holidays.csv` ships the known years). Time limits "within N working days" count here.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, Weekday};
use serde::{Deserialize, Serialize};

use crate::dates::Date;
use crate::error::Violation;

/// One day off (or, for `WorkingSaturday`, a weekend day worked in exchange).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub date: Date,
    pub name: String,
    pub kind: HolidayKind,
}

crate::code_enum!(
    /// Kind of calendar entry.
    HolidayKind {
        /// Ngày lễ — a public holiday.
        Holiday = "holiday" / "Ngày lễ",
        /// Tết Nguyên Đán — the Lunar New Year break as announced for the year.
        Tet = "tet" / "Tết Nguyên Đán",
        /// Nghỉ bù / hoán đổi — a substitute day off.
        Substitute = "substitute" / "Nghỉ bù",
        /// Làm bù — a Saturday worked in exchange for a bridge day off.
        WorkingSaturday = "working_saturday" / "Làm bù",
    }
);

/// The working-day calendar.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    off: BTreeSet<Date>,
    worked_weekend: BTreeSet<Date>,
    /// Years for which the schedule is known (outside them only weekends and the fixed-date
    /// holidays count, and [`Calendar::is_known_year`] says so).
    years: BTreeSet<i32>,
}

impl Calendar {
    pub fn new(holidays: &[Holiday]) -> Self {
        let mut c = Calendar::default();
        for h in holidays {
            c.years.insert(h.date.year());
            if h.kind == HolidayKind::WorkingSaturday {
                c.worked_weekend.insert(h.date);
            } else {
                c.off.insert(h.date);
            }
        }
        c
    }

    /// Parses the `date,name,kind` CSV shipped as `data/holidays.csv`.
    pub fn parse_csv(text: &str) -> Result<Vec<Holiday>, Violation> {
        let mut out = vec![];
        for (i, line) in text.lines().enumerate().skip(1) {
            let line = line.trim_start_matches('\u{feff}').trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.splitn(3, ',');
            let (Some(d), Some(name), Some(kind)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(Violation::new(
                    format!("row {}", i + 1),
                    "holiday.format",
                    "expected date,name,kind",
                ));
            };
            let date = crate::dates::parse_date(d).ok_or_else(|| {
                Violation::new(
                    format!("row {}, column date", i + 1),
                    "holiday.date",
                    format!("{d:?} is not a date"),
                )
            })?;
            let kind = HolidayKind::parse(kind).ok_or_else(|| {
                Violation::new(
                    format!("row {}, column kind", i + 1),
                    "holiday.kind",
                    format!("{kind:?}: use holiday, tet, substitute or working_saturday"),
                )
            })?;
            out.push(Holiday {
                date,
                name: name.trim().to_string(),
                kind,
            });
        }
        Ok(out)
    }

    /// The calendar shipped with ketnap (`data/holidays.csv`).
    pub fn shipped() -> Self {
        Calendar::new(
            &Self::parse_csv(include_str!("../../../data/holidays.csv")).unwrap_or_default(),
        )
    }

    pub fn is_known_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Whether `d` is a working day.
    pub fn is_working_day(&self, d: Date) -> bool {
        if self.worked_weekend.contains(&d) {
            return true;
        }
        if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) || self.off.contains(&d) {
            return false;
        }
        // Fixed-date holidays hold even in years whose schedule was not entered.
        self.is_known_year(d.year())
            || !matches!((d.month(), d.day()), (1, 1) | (4, 30) | (5, 1) | (9, 2))
    }

    /// The date `n` working days after `start` (the start day itself not counted).
    /// `n = 0` gives `start`.
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            match d.checked_add_days(Days::new(1)) {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days in `(from, to]` (0 when `to <= from`).
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            match d.checked_add_days(Days::new(1)) {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }
}

/// Adds calendar months, clamping to the month's last day (31/1 + 1 month = 28 or 29/2).
pub fn add_months(d: Date, months: u32) -> Date {
    d.checked_add_months(chrono::Months::new(months))
        .unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn shipped_calendar_loads() {
        let c = Calendar::shipped();
        for y in 2016..=2027 {
            assert!(c.is_known_year(y), "{y}");
        }
        assert!(!c.is_working_day(d(2024, 2, 12)), "Tết 2024");
        assert!(c.is_working_day(d(2024, 2, 15)));
        assert!(!c.is_working_day(d(2024, 2, 17)), "Saturday");
    }

    #[test]
    fn thirty_working_days_across_tet() {
        let c = Calendar::shipped();
        // Decision received Fri 26/01/2024; Tết 2024 took Thu 8/2 – Wed 14/2 (5 working days off).
        let due = c.add_working_days(d(2024, 1, 26), 30);
        assert_eq!(due, d(2024, 3, 15));
        assert_eq!(c.working_days_between(d(2024, 1, 26), due), 30);
        // Without the Tết days it would have been a week earlier.
        assert_eq!(
            Calendar::default().add_working_days(d(2024, 1, 26), 30),
            d(2024, 3, 8)
        );
    }

    #[test]
    fn fixed_holidays_outside_known_years() {
        let c = Calendar::shipped();
        assert!(!c.is_working_day(d(2031, 9, 2)));
        assert!(c.is_working_day(d(2031, 9, 3)));
    }

    #[test]
    fn months_clamp() {
        assert_eq!(add_months(d(2024, 1, 31), 1), d(2024, 2, 29));
        assert_eq!(add_months(d(2023, 5, 2), 12), d(2024, 5, 2));
    }

    #[test]
    fn bad_rows_are_named() {
        let e = Calendar::parse_csv("date,name,kind\n2024-13-01,X,holiday\n")
            .err()
            .map(|v| v.field);
        assert_eq!(e.as_deref(), Some("row 2, column date"));
    }

    proptest! {
        #[test]
        fn adding_then_counting_round_trips(off in 0u64..4000, n in 0u32..80) {
            let c = Calendar::shipped();
            let start = d(2016, 1, 1) + Days::new(off);
            let end = c.add_working_days(start, n);
            prop_assert_eq!(c.working_days_between(start, end), n);
            prop_assert!(end >= start);
            if n > 0 { prop_assert!(c.is_working_day(end)); }
        }
    }
}
