//! Reports (issue C): what the press quotes and the official forms ask for, computed by pure
//! functions from facts the store reads, so that every figure can be tested without a database.
//!
//! - `admissions` — Biểu 2-BTCTW "Thống kê đảng viên mới kết nạp": new members by
//!   characteristic, "kỳ này / cùng kỳ năm trước / % so sánh";
//! - `recognitions` — the same breakdown of probationary → official recognitions;
//! - `candidates` — the same breakdown of the candidates on a source list on a date;
//! - `membership` — members on a date by child unit, with members/population;
//! - `coverage` — localities without members, without a branch of their own, served by a
//!   combined branch (chi bộ sinh hoạt ghép).
//!
//! Every report says which structure it counted on ([`Structure`]).

pub mod breakdown;
pub mod coverage;
pub mod coverage_spells;
pub mod facts;
pub mod membership;
pub mod narrative;
pub mod period;

pub use breakdown::{
    BreakdownRow, EventFact, age_band, breakdown, breakdown_counts, percent_vi, ratio_percent,
};
pub use coverage::{CoverageReport, LocalityFact, coverage};
pub use facts::{
    CandidacyEnd, Counted, FactKind, candidacies_ended, counted, days_row, row_days, row_ids,
};
pub use membership::{MembershipReport, UnitCounts, membership};
pub use narrative::narrative;
pub use period::{PeriodKind, ReportPeriod};

use serde::{Deserialize, Serialize};

use crate::dates::Date;

/// The reports ketnap produces: name, Vietnamese title, English summary.
pub const REPORTS: [(&str, &str, &str); 5] = [
    (
        "admissions",
        "Thống kê đảng viên mới kết nạp (Biểu 2-BTCTW)",
        "New members admitted in the period, by characteristic, against the same period last year",
    ),
    (
        "recognitions",
        "Thống kê đảng viên dự bị được công nhận chính thức",
        "Probationary members recognized as official in the period, by characteristic",
    ),
    (
        "candidates",
        "Quần chúng ưu tú trong nguồn phát triển đảng viên",
        "Candidates in the pipeline on a date, by characteristic, against a year earlier",
    ),
    (
        "membership",
        "Số lượng đảng viên theo đơn vị",
        "Members on a date by child unit; members/population",
    ),
    (
        "coverage",
        "Địa bàn chưa có đảng viên, chưa có chi bộ, chi bộ sinh hoạt ghép",
        "Localities without members, without a branch of their own, served by a combined branch",
    ),
];

/// Which structure a report counted on (issue C item 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Structure {
    /// As it was: a fact counts under the units its branch was under on the fact's date.
    AsWas,
    /// Re-based onto today's structure: a fact counts under the units today's heir of its
    /// branch is under today (merged units' history included).
    Rebased,
}

impl Structure {
    pub fn note_vi(self, today: Date) -> String {
        match self {
            Structure::AsWas => "Theo cơ cấu tổ chức tại thời điểm phát sinh".to_string(),
            Structure::Rebased => format!(
                "Quy đổi theo cơ cấu tổ chức hiện nay (ngày {}), gồm cả số liệu của các đơn vị đã hợp nhất",
                crate::text::vi::date(today)
            ),
        }
    }
    pub fn note_en(self) -> &'static str {
        match self {
            Structure::AsWas => "structure as it was when each fact happened",
            Structure::Rebased => {
                "re-based onto today's structure (merged units' history included)"
            }
        }
    }
}

/// The unit a report is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
}

/// The admissions (or recognitions) breakdown for a unit and period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakdownReport {
    pub report: String,
    pub title_vi: String,
    pub org: UnitRef,
    pub period: ReportPeriod,
    pub compared_with: ReportPeriod,
    pub structure: Structure,
    pub structure_vi: String,
    /// Warnings in Vietnamese, e.g. that the unit did not exist over the whole period.
    pub notes: Vec<String>,
    pub rows: Vec<BreakdownRow>,
}

impl BreakdownReport {
    /// Builds the report from the facts of the period and of the comparison period.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        report: &str,
        org: UnitRef,
        period: ReportPeriod,
        compared_with: ReportPeriod,
        structure: Structure,
        today: Date,
        current: &[EventFact],
        previous: &[EventFact],
    ) -> Self {
        Self::from_counts(
            report,
            org,
            period,
            compared_with,
            structure,
            today,
            &facts::count_rows(current),
            &facts::count_rows(previous),
        )
    }

    /// Builds the report from counts per row id (the pre-aggregated path).
    #[allow(clippy::too_many_arguments)]
    pub fn from_counts(
        report: &str,
        org: UnitRef,
        period: ReportPeriod,
        compared_with: ReportPeriod,
        structure: Structure,
        today: Date,
        current: &std::collections::BTreeMap<String, i64>,
        previous: &std::collections::BTreeMap<String, i64>,
    ) -> Self {
        let title_vi = REPORTS
            .iter()
            .find(|r| r.0 == report)
            .map_or(report, |r| r.1)
            .to_string();
        BreakdownReport {
            report: report.to_string(),
            title_vi,
            org,
            period,
            compared_with,
            structure,
            structure_vi: structure.note_vi(today),
            notes: vec![],
            rows: breakdown_counts(current, previous),
        }
    }

    /// The count of a row by id (0 when absent).
    pub fn count(&self, id: &str) -> i64 {
        self.rows
            .iter()
            .find(|r| r.id == id)
            .map_or(0, |r| r.current)
    }

    /// Header and lines, for table and CSV output.
    pub fn table(&self) -> Table {
        Table {
            header: [
                "id",
                "Chỉ tiêu",
                "Kỳ này",
                "Cùng kỳ năm trước",
                "% so sánh",
                "Tỷ lệ",
            ]
            .map(String::from)
            .to_vec(),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.id.clone(),
                        format!("{}{}", "  ".repeat(usize::from(r.level)), r.label_vi),
                        r.current_vi.clone(),
                        r.previous_vi.clone(),
                        r.percent_vi.clone(),
                        r.share_vi.clone(),
                    ]
                })
                .collect(),
        }
    }
}

/// A report as lines of text cells (already formatted the Vietnamese way).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Aligned text columns: figures right-aligned, text left-aligned.
    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut w = vec![0usize; n];
        for line in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in line.iter().enumerate().take(n) {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        for line in std::iter::once(&self.header).chain(&self.rows) {
            let cells: Vec<String> = line
                .iter()
                .enumerate()
                .take(n)
                .map(|(i, c)| {
                    let pad = w[i].saturating_sub(c.chars().count());
                    // Figures to the right, text to the left.
                    let figure = i > 0
                        && c.chars()
                            .next()
                            .is_some_and(|ch| ch.is_ascii_digit() || ch == '–');
                    if figure {
                        format!("{}{c}", " ".repeat(pad))
                    } else {
                        format!("{c}{}", " ".repeat(pad))
                    }
                })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }

    /// RFC 4180 CSV (cells quoted when they hold `,`, `"` or a line break).
    pub fn csv(&self) -> String {
        let q = |c: &String| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        };
        let mut out = String::new();
        for line in std::iter::once(&self.header).chain(&self.rows) {
            out.push_str(&line.iter().map(q).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
        out
    }
}

#[cfg(test)]
mod tests;
