//! Tỷ lệ đạt — achievement rates, truncated the way the press writes them, and pace.

use serde::Serialize;

use crate::dates::Date;
use crate::text::vi;

/// Tỷ lệ — `admitted / target`, kept as the exact fraction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rate {
    pub admitted: i64,
    pub target: i64,
}

impl Rate {
    /// A rate; `target = 0` gives a rate without a percentage.
    pub fn new(admitted: i64, target: i64) -> Self {
        Self { admitted, target }
    }

    /// The percentage in tenths, truncated towards zero (215/400 → 537). `None` for target 0.
    pub fn tenths(&self) -> Option<i64> {
        if self.target <= 0 {
            return None;
        }
        let t = i128::from(self.admitted) * 1000 / i128::from(self.target);
        i64::try_from(t).ok()
    }

    /// The whole percentage, truncated (2.287/2.022 → 113).
    pub fn whole(&self) -> Option<i64> {
        self.tenths().map(|t| t / 10)
    }

    /// The percentage as a float (for JSON consumers; not used for wording).
    pub fn percent(&self) -> Option<f64> {
        (self.target > 0).then(|| self.admitted as f64 * 100.0 / self.target as f64)
    }

    /// Headline wording: whole and truncated from 100% up (`113%`, `233%`), one truncated
    /// decimal below (`53,7%`). `–` without a target.
    pub fn text(&self) -> String {
        match self.tenths() {
            None => "–".into(),
            Some(t) if t >= 1000 => format!("{}%", vi::number(t / 10)),
            Some(t) => tenths_text(t),
        }
    }

    /// Table wording: one truncated decimal, `,0` dropped (`150%`, `121,6%`, `53,7%`).
    pub fn text_precise(&self) -> String {
        self.tenths().map_or_else(|| "–".into(), tenths_text)
    }

    /// `2.287/2.022`.
    pub fn fraction(&self) -> String {
        format!("{}/{}", vi::number(self.admitted), vi::number(self.target))
    }

    /// The sentence fragment the press writes: `2.287/2.022, đạt 113%`.
    pub fn summary(&self) -> String {
        if self.target <= 0 {
            return format!("{} (chưa có chỉ tiêu)", vi::number(self.admitted));
        }
        format!("{}, đạt {}", self.fraction(), self.text())
    }

    /// Over-fulfilment in whole points ("vượt 13%"), when at or above the target.
    pub fn exceeded_by(&self) -> Option<i64> {
        self.whole().filter(|w| *w >= 100).map(|w| w - 100)
    }

    /// Exact comparison of two rates (cross-multiplied); a rate without a target sorts lowest.
    pub fn cmp_exact(&self, other: &Rate) -> std::cmp::Ordering {
        match (self.target > 0, other.target > 0) {
            (false, false) => std::cmp::Ordering::Equal,
            (false, true) => std::cmp::Ordering::Less,
            (true, false) => std::cmp::Ordering::Greater,
            (true, true) => (i128::from(self.admitted) * i128::from(other.target))
                .cmp(&(i128::from(other.admitted) * i128::from(self.target))),
        }
    }
}

fn tenths_text(t: i64) -> String {
    let sign = if t < 0 { "-" } else { "" };
    let a = t.abs();
    if a % 10 == 0 {
        format!("{sign}{}%", vi::number(a / 10))
    } else {
        format!("{sign}{},{}%", vi::number(a / 10), a % 10)
    }
}

/// Tiến độ — admissions so far against last year's at the same date and an even spread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pace {
    pub as_of: Date,
    /// Admitted from the period start to `as_of` (inclusive).
    pub admitted: i64,
    /// Admitted in the previous year's period up to the same day (cùng kỳ năm trước).
    pub same_date_last_year: Option<i64>,
    /// `admitted - same_date_last_year`.
    pub vs_last_year: Option<i64>,
    /// What an even spread of the target over the period would have reached by `as_of`
    /// (truncated).
    pub even_spread: Option<i64>,
    /// `admitted - even_spread`.
    pub vs_even_spread: Option<i64>,
    /// Share of the period elapsed, in tenths of a percent.
    pub elapsed_tenths: i64,
    /// Vietnamese wording.
    pub text: String,
}

/// Computes the pace at `as_of` for a period `[start, end)`.
pub fn pace(
    start: Date,
    end: Date,
    as_of: Date,
    admitted: i64,
    same_date_last_year: Option<i64>,
    target: Option<i64>,
) -> Pace {
    let total = (end - start).num_days().max(1);
    let elapsed = ((as_of - start).num_days() + 1).clamp(0, total);
    let even_spread = target.map(|t| {
        let v = i128::from(t) * i128::from(elapsed) / i128::from(total);
        i64::try_from(v).unwrap_or(i64::MAX)
    });
    let vs_last_year = same_date_last_year.map(|l| admitted - l);
    let vs_even_spread = even_spread.map(|e| admitted - e);
    let signed = |d: i64| {
        if d >= 0 {
            format!("+{}", vi::number(d))
        } else {
            vi::number(d)
        }
    };
    let mut text = format!("đến {}: {}", vi::date(as_of), vi::number(admitted));
    if let (Some(l), Some(d)) = (same_date_last_year, vs_last_year) {
        text.push_str(&format!(
            "; cùng kỳ năm trước {} ({})",
            vi::number(l),
            signed(d)
        ));
    }
    if let (Some(e), Some(d)) = (even_spread, vs_even_spread) {
        text.push_str(&format!(
            "; theo tiến độ đều {} ({})",
            vi::number(e),
            signed(d)
        ));
    }
    Pace {
        as_of,
        admitted,
        same_date_last_year,
        vs_last_year,
        even_spread,
        vs_even_spread,
        elapsed_tenths: elapsed * 1000 / total,
        text,
    }
}
