//! Members on a date by child unit, with members/population (tỷ lệ đảng viên/dân số).

use serde::{Deserialize, Serialize};

use super::{ReportPeriod, Structure, Table, UnitRef, ratio_percent};
use crate::dates::Date;
use crate::text::vi;

/// What the store counts for one unit (a child of the report's unit, or the unit itself).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCounts {
    pub code: String,
    pub name: String,
    pub probationary: i64,
    pub official: i64,
    pub women: i64,
    pub ethnic_minority: i64,
    pub religious: i64,
    /// Population of the communes' localities under the unit (latest year not after the date);
    /// `None` when none is recorded.
    pub population: Option<i64>,
}

/// One line: counts, total, ratio to population, formatted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MembershipRow {
    #[serde(flatten)]
    pub counts: UnitCounts,
    pub members: i64,
    /// Members per 100 inhabitants (%).
    pub members_per_population: Option<f64>,
    pub members_vi: String,
    pub ratio_vi: String,
}

/// The membership report: one row per child unit and a total.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MembershipReport {
    pub report: String,
    pub org: UnitRef,
    pub as_of: Date,
    pub structure: Structure,
    pub structure_vi: String,
    pub rows: Vec<MembershipRow>,
    pub total: MembershipRow,
    /// Unused for a date report; kept so every report names its period the same way.
    pub period: Option<ReportPeriod>,
}

fn row(c: UnitCounts) -> MembershipRow {
    let members = c.probationary + c.official;
    let ratio = c.population.and_then(|p| ratio_percent(members, p));
    MembershipRow {
        members,
        members_per_population: ratio,
        members_vi: vi::number(members),
        ratio_vi: ratio.map_or_else(|| "–".into(), |x| vi::percent(x, 2)),
        counts: c,
    }
}

/// Builds the report; the total adds the children (population: of those that have one).
pub fn membership(
    org: UnitRef,
    as_of: Date,
    structure: Structure,
    today: Date,
    children: Vec<UnitCounts>,
) -> MembershipReport {
    let mut t = UnitCounts {
        code: org.code.clone(),
        name: "Tổng số".into(),
        ..UnitCounts::default()
    };
    for c in &children {
        t.probationary += c.probationary;
        t.official += c.official;
        t.women += c.women;
        t.ethnic_minority += c.ethnic_minority;
        t.religious += c.religious;
        if let Some(p) = c.population {
            t.population = Some(t.population.unwrap_or(0) + p);
        }
    }
    MembershipReport {
        report: "membership".into(),
        org,
        as_of,
        structure,
        structure_vi: structure.note_vi(today),
        rows: children.into_iter().map(row).collect(),
        total: row(t),
        period: None,
    }
}

impl MembershipReport {
    pub fn table(&self) -> Table {
        let line = |r: &MembershipRow| {
            vec![
                r.counts.code.clone(),
                r.counts.name.clone(),
                r.members_vi.clone(),
                vi::number(r.counts.probationary),
                vi::number(r.counts.official),
                vi::number(r.counts.women),
                vi::number(r.counts.ethnic_minority),
                vi::number(r.counts.religious),
                r.counts.population.map_or_else(|| "–".into(), vi::number),
                r.ratio_vi.clone(),
            ]
        };
        Table {
            header: [
                "Mã",
                "Đơn vị",
                "Đảng viên",
                "Dự bị",
                "Chính thức",
                "Nữ",
                "Dân tộc thiểu số",
                "Tôn giáo",
                "Dân số",
                "Đảng viên/dân số",
            ]
            .map(String::from)
            .to_vec(),
            rows: self
                .rows
                .iter()
                .chain(std::iter::once(&self.total))
                .map(line)
                .collect(),
        }
    }
}
