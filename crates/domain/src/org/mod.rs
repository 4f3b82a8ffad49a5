//! The party organization tree (hệ thống tổ chức đảng) as it changes over time.
//!
//! Units ([`OrgUnit`]), their names and their parent links ([`ParentLink`]) each carry an
//! effective [`Period`]. Structure changes are [`Operation`]s that close old facts and open new
//! ones, recording [`Lineage`] from predecessors to successors; nothing is deleted.

mod closure;
mod kind;
mod memory;
mod ops;
#[cfg(test)]
mod scenario_tests;

pub use closure::{ClosureRow, PathSegment, closure_rows, paths_from_closure};
pub use kind::{OrgKind, Sector};
pub use memory::Tree;
pub use ops::{
    Change, ChildFacts, NewUnit, Operation, SplitPart, Target, UnitFacts, UnitRef, check_code,
    check_name, plan,
};

use serde::{Deserialize, Serialize};

use crate::dates::{Date, Period};

/// Surrogate key of an organization unit.
pub type OrgId = i64;

/// Tổ chức đảng — a party organization unit (committee or branch) with its existence period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub id: OrgId,
    /// Stable code, unique over all time (never reused for another unit).
    pub code: String,
    /// Current (latest) name; the dated history is in [`OrgName`].
    pub name: String,
    pub kind: OrgKind,
    pub sector: Sector,
    pub period: Period,
}

/// A dated name of a unit (renames keep the old name for reports on the past).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgName {
    pub unit: OrgId,
    pub name: String,
    pub period: Period,
}

/// The unit's superior organization over a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentLink {
    pub child: OrgId,
    pub parent: OrgId,
    pub period: Period,
}

/// How a predecessor passed into a successor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineageKind {
    /// Sáp nhập — several units became one.
    Merge,
    /// Chia tách — one unit became several.
    Split,
}

impl LineageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineageKind::Merge => "merge",
            LineageKind::Split => "split",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "merge" => Some(LineageKind::Merge),
            "split" => Some(LineageKind::Split),
            _ => None,
        }
    }
}

/// A predecessor → successor edge. `primary` marks the successor that inherits the
/// predecessor's history when reports are re-based onto today's structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lineage {
    pub predecessor: OrgId,
    pub successor: OrgId,
    pub date: Date,
    pub kind: LineageKind,
    pub primary: bool,
}

/// The unit that today holds the history of `unit`: itself while open; otherwise the heir of
/// its primary successor; otherwise (dissolved without successor) the heir of its last parent.
/// `None` when the chain ends nowhere (e.g. a dissolved root).
pub fn current_heir(
    unit: OrgId,
    is_open: &dyn Fn(OrgId) -> bool,
    primary_successor: &dyn Fn(OrgId) -> Option<OrgId>,
    last_parent: &dyn Fn(OrgId) -> Option<OrgId>,
) -> Option<OrgId> {
    let mut cur = unit;
    // Lineage is acyclic by construction (successors start when predecessors end); the bound
    // guards against corrupt data all the same.
    for _ in 0..64 {
        if is_open(cur) {
            return Some(cur);
        }
        cur = primary_successor(cur).or_else(|| last_parent(cur))?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn heir_follows_primary_successors_then_parents() {
        // 1 open; 2 merged into 3, 3 merged into 1; 4 dissolved under 1; 5 dissolved root.
        let open: HashMap<i64, bool> =
            [(1, true), (2, false), (3, false), (4, false), (5, false)].into();
        let succ: HashMap<i64, i64> = [(2, 3), (3, 1)].into();
        let parent: HashMap<i64, i64> = [(4, 1)].into();
        let heir = |u| {
            current_heir(
                u,
                &|x| open.get(&x).copied().unwrap_or(false),
                &|x| succ.get(&x).copied(),
                &|x| parent.get(&x).copied(),
            )
        };
        assert_eq!(heir(1), Some(1));
        assert_eq!(heir(2), Some(1));
        assert_eq!(heir(4), Some(1));
        assert_eq!(heir(5), None);
    }
}
