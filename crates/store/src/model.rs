//! What the store returns: plain, serializable views shared by both engines.

use ketnap_domain::org::{LineageKind, OrgId, OrgKind, Sector};
use ketnap_domain::{Date, Period};
use serde::Serialize;

/// A unit in a tree as of a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TreeNode {
    pub id: OrgId,
    pub code: String,
    /// The name in force on the date asked.
    pub name: String,
    pub kind: OrgKind,
    pub sector: Sector,
    pub parent_id: Option<OrgId>,
    /// Levels below the root asked for (0 for the root).
    pub depth: i32,
}

/// A short reference to a unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrgRef {
    pub id: OrgId,
    pub code: String,
    pub name: String,
}

/// A unit with its whole record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrgRecord {
    pub id: OrgId,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub sector: Sector,
    pub period: Period,
    /// The unit that holds this unit's history today (itself while it exists).
    pub heir: Option<OrgRef>,
}

/// A dated name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NameSpell {
    pub name: String,
    pub period: Period,
}

/// A dated superior.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParentSpell {
    pub parent: OrgRef,
    pub period: Period,
}

/// A lineage edge seen from one side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineageEdge {
    pub unit: OrgRef,
    pub date: Date,
    pub kind: LineageKind,
    pub primary: bool,
}

/// Everything recorded about a unit over time: names, superiors, predecessors, successors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrgHistory {
    pub unit: OrgRecord,
    pub names: Vec<NameSpell>,
    pub parents: Vec<ParentSpell>,
    pub predecessors: Vec<LineageEdge>,
    pub successors: Vec<LineageEdge>,
}

/// Counts as of a date (for `ketnap stats`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub as_of: Option<Date>,
    pub units_by_kind: Vec<(String, i64)>,
    pub localities_by_kind: Vec<(String, i64)>,
    pub people_by_status: Vec<(String, i64)>,
    pub people_total: i64,
}

/// One audited write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    /// JSON detail of the change (may hold personal data: the audit trail is access-controlled
    /// data, never a log).
    pub detail: String,
}
