//! Coverage of localities (địa bàn): without members, without a branch of their own, served by
//! a combined branch (chi bộ sinh hoạt ghép).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Structure, Table, UnitRef};
use crate::dates::Date;
use crate::locality::LocalityKind;
use crate::org::OrgId;
use crate::text::vi;

/// What the store knows of one locality on the date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalityFact {
    pub kind: LocalityKind,
    /// Whether a member (probationary or official on the date) resides in the locality.
    pub has_resident_member: bool,
    /// The branch serving it on the date, if any.
    pub branch: Option<OrgId>,
    /// How many localities that branch serves on the date (1 = a branch of its own).
    pub branch_serves: i64,
    /// Whether that branch has a member (probationary or official) on the date.
    pub branch_has_member: bool,
}

impl LocalityFact {
    /// Whether the locality has a party member: for villages and residential groups, a member
    /// resides there; for schools, health stations, enterprises…, its serving branch has members
    /// (they work there).
    pub fn has_member(&self) -> bool {
        if self.kind.is_residential() {
            self.has_resident_member
        } else {
            self.branch.is_some() && self.branch_has_member
        }
    }
}

/// One kind of locality.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageRow {
    pub kind: LocalityKind,
    pub label_vi: String,
    pub total: i64,
    /// Served by a branch (of its own or combined): "391/391 bản có chi bộ".
    pub with_branch: i64,
    /// Served by a branch serving only it.
    pub with_own_branch: i64,
    /// Served by a combined branch.
    pub combined: i64,
    /// Chưa có chi bộ riêng: no branch of its own (combined or not served).
    pub without_own_branch: i64,
    /// Chưa có đảng viên: see [`LocalityFact::has_member`].
    pub no_member: i64,
    /// Có đảng viên nhưng chưa có chi bộ riêng.
    pub members_but_no_own_branch: i64,
    /// `391/391 Thôn, bản có chi bộ`.
    pub sentence_vi: String,
}

/// Combined branches by how many localities they serve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CombinedBranches {
    pub total: i64,
    /// (localities served, branches) ascending.
    pub by_size: Vec<(i64, i64)>,
    /// `9 chi bộ sinh hoạt ghép: 8 ghép 2 thôn, 1 ghép 3 thôn`.
    pub sentence_vi: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageReport {
    pub report: String,
    pub org: UnitRef,
    pub as_of: Date,
    pub structure: Structure,
    pub structure_vi: String,
    pub rows: Vec<CoverageRow>,
    pub combined_branches: CombinedBranches,
}

/// Counts the localities by kind and the combined branches by size.
pub fn coverage(
    org: UnitRef,
    as_of: Date,
    structure: Structure,
    today: Date,
    facts: &[LocalityFact],
) -> CoverageReport {
    let mut rows: Vec<CoverageRow> = vec![];
    for &kind in LocalityKind::ALL {
        let of: Vec<&LocalityFact> = facts.iter().filter(|f| f.kind == kind).collect();
        if of.is_empty() {
            continue;
        }
        let n = |p: &dyn Fn(&LocalityFact) -> bool| of.iter().filter(|f| p(f)).count() as i64;
        let total = of.len() as i64;
        let with_branch = n(&|f| f.branch.is_some());
        let with_own_branch = n(&|f| f.branch.is_some() && f.branch_serves <= 1);
        let combined = n(&|f| f.branch.is_some() && f.branch_serves > 1);
        let members_but_no_own_branch =
            n(&|f| f.has_member() && !(f.branch.is_some() && f.branch_serves <= 1));
        rows.push(CoverageRow {
            kind,
            label_vi: kind.label_vi().to_string(),
            total,
            with_branch,
            with_own_branch,
            combined,
            without_own_branch: total - with_own_branch,
            no_member: n(&|f| !f.has_member()),
            members_but_no_own_branch,
            sentence_vi: format!(
                "{}/{} {} có chi bộ",
                vi::number(with_branch),
                vi::number(total),
                kind.label_vi()
            ),
        });
    }
    // Each combined branch once, by the number of localities it serves.
    let mut sizes: BTreeMap<OrgId, i64> = BTreeMap::new();
    for f in facts {
        if let Some(b) = f.branch
            && f.branch_serves > 1
        {
            sizes.insert(b, f.branch_serves);
        }
    }
    let mut by: BTreeMap<i64, i64> = BTreeMap::new();
    for s in sizes.values() {
        *by.entry(*s).or_default() += 1;
    }
    let total = sizes.len() as i64;
    // "thôn" when every combined locality is a village or residential group (the press's
    // wording); "địa bàn" otherwise.
    let word = if facts
        .iter()
        .filter(|f| f.branch.is_some() && f.branch_serves > 1)
        .all(|f| f.kind.is_residential())
    {
        "thôn"
    } else {
        "địa bàn"
    };
    let parts: Vec<String> = by
        .iter()
        .map(|(size, n)| format!("{} ghép {} {word}", vi::number(*n), size))
        .collect();
    let sentence_vi = if total == 0 {
        "Không có chi bộ sinh hoạt ghép".to_string()
    } else {
        format!(
            "{} chi bộ sinh hoạt ghép: {}",
            vi::number(total),
            parts.join(", ")
        )
    };
    CoverageReport {
        report: "coverage".into(),
        org,
        as_of,
        structure,
        structure_vi: structure.note_vi(today),
        rows,
        combined_branches: CombinedBranches {
            total,
            by_size: by.into_iter().collect(),
            sentence_vi,
        },
    }
}

impl CoverageReport {
    pub fn table(&self) -> Table {
        Table {
            header: [
                "Loại địa bàn",
                "Tổng số",
                "Có chi bộ",
                "Chi bộ riêng",
                "Sinh hoạt ghép",
                "Chưa có chi bộ riêng",
                "Chưa có đảng viên",
                "Có đảng viên, chưa có chi bộ riêng",
            ]
            .map(String::from)
            .to_vec(),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    let mut v = vec![r.label_vi.clone()];
                    v.extend(
                        [
                            r.total,
                            r.with_branch,
                            r.with_own_branch,
                            r.combined,
                            r.without_own_branch,
                            r.no_member,
                            r.members_but_no_own_branch,
                        ]
                        .map(vi::number),
                    );
                    v
                })
                .collect(),
        }
    }
}
