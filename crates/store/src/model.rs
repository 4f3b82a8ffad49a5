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

// ---- localities and people (views) ---------------------------------------------------------

/// A locality as of a date: its commune, the latest population figure and the serving branch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocalityView {
    pub id: ketnap_domain::locality::LocalityId,
    pub code: String,
    pub name: String,
    pub kind: ketnap_domain::locality::LocalityKind,
    pub period: Period,
    pub commune: OrgRef,
    /// The figure of the latest year up to the date asked, with its year.
    pub population: Option<PopulationFigure>,
    /// Chi bộ phụ trách — the branch that serves the locality on the date, if any.
    pub branch: Option<OrgRef>,
}

/// Dân số — population of a locality for a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PopulationFigure {
    pub year: i32,
    pub population: i64,
}

/// A dated link from a locality to an organization (its commune or its serving branch).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrgSpell {
    pub org: OrgRef,
    pub period: Period,
}

/// Everything recorded about a locality: communes, population by year, serving branches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocalityHistory {
    pub locality: ketnap_domain::locality::Locality,
    pub communes: Vec<OrgSpell>,
    pub populations: Vec<PopulationFigure>,
    pub service: Vec<OrgSpell>,
}

/// A person's status over a period, with the branch (as a reference).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusView {
    pub status: ketnap_domain::person::PartyStatus,
    pub branch: Option<OrgRef>,
    pub period: Period,
}

/// A person with their whole status history (oldest first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonRecord {
    pub person: ketnap_domain::person::Person,
    pub statuses: Vec<StatusView>,
}

/// A person found by a search or listed in a branch, with the status on the date asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonHit {
    pub id: ketnap_domain::person::PersonId,
    pub full_name: String,
    pub sex: ketnap_domain::person::Sex,
    pub birth_date: ketnap_domain::sensitive::Sensitive<Date>,
    pub status: Option<ketnap_domain::person::PartyStatus>,
    pub branch: Option<OrgRef>,
}

/// A people search: by name (diacritics ignored) or by exact CCCD, optionally inside an org
/// subtree on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonQuery {
    /// A name, part of a name, or a 12-digit CCCD.
    pub text: String,
    /// Only people whose branch on `as_of` is under this unit (itself included).
    pub scope: Option<OrgId>,
    pub as_of: Date,
    pub limit: i64,
}
