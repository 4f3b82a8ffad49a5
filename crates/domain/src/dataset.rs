//! Bộ dữ liệu — a whole recorded history as rows, handed from a producer (the demo generator,
//! an importer) to a bulk loader in [`Batch`]es, so that a national history never has to be in
//! memory at once. Rows carry explicit ids chosen by the producer; the loader stores them as
//! they are (and derives search keys itself).

use serde::{Deserialize, Serialize};

use crate::dates::{Date, Period};
use crate::locality::{Locality, LocalityId};
use crate::org::{ClosureRow, Lineage, OrgId, OrgName, OrgUnit, ParentLink};
use crate::person::{Person, PersonId, StatusSpell};
use crate::pipeline::projection::Projection;
use crate::pipeline::{Event, Proposer};

/// A unit with the unit that holds its history today (see [`crate::org::current_heir`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRow {
    pub unit: OrgUnit,
    pub heir: Option<OrgId>,
}

/// The commune (commune-level grassroots committee) a locality lies in, over a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalityCommune {
    pub locality: LocalityId,
    pub commune: OrgId,
    pub period: Period,
}

/// Dân số — a locality's population in a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalityPopulation {
    pub locality: LocalityId,
    pub year: i32,
    pub population: i64,
}

/// The branch that serves a locality over a period (several localities may share one branch:
/// chi bộ sinh hoạt ghép).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalityService {
    pub locality: LocalityId,
    pub branch: OrgId,
    pub period: Period,
}

/// One status spell of a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonSpell {
    pub person: PersonId,
    pub spell: StatusSpell,
}

/// Hồ sơ — one admission case, with the projections of its derived state exactly as the store
/// would have written them after its last event ([`crate::pipeline::projection::project`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRow {
    pub id: i64,
    pub person: PersonId,
    pub origin_branch: OrgId,
    pub opened_on: Date,
    pub proposed_by: Proposer,
    /// One per event recorded.
    pub version: i64,
    /// Who recorded the events (`updated_by`; `actor` of the events).
    pub actor: String,
    /// `updated_at` / `recorded_at`, the same instant for the whole dataset.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub projection: Projection,
}

/// One event of a case (`event.id` and `event.seq` as the store would have given them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEventRow {
    pub case: i64,
    pub event: Event,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// The tables a dataset fills, in load order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    OrgUnit,
    OrgName,
    OrgLink,
    OrgLineage,
    OrgClosure,
    Locality,
    LocalityCommune,
    LocalityPopulation,
    LocalityService,
    Person,
    PersonStatus,
    PipelineCase,
    PipelineEvent,
}

impl Table {
    pub const ALL: [Table; 13] = [
        Table::OrgUnit,
        Table::OrgName,
        Table::OrgLink,
        Table::OrgLineage,
        Table::OrgClosure,
        Table::Locality,
        Table::LocalityCommune,
        Table::LocalityPopulation,
        Table::LocalityService,
        Table::Person,
        Table::PersonStatus,
        Table::PipelineCase,
        Table::PipelineEvent,
    ];

    /// The table's name in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::OrgUnit => "org_unit",
            Table::OrgName => "org_name",
            Table::OrgLink => "org_link",
            Table::OrgLineage => "org_lineage",
            Table::OrgClosure => "org_closure",
            Table::Locality => "locality",
            Table::LocalityCommune => "locality_commune",
            Table::LocalityPopulation => "locality_population",
            Table::LocalityService => "locality_service",
            Table::Person => "person",
            Table::PersonStatus => "person_status",
            Table::PipelineCase => "pipeline_case",
            Table::PipelineEvent => "pipeline_event",
        }
    }

    /// Position in [`Table::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Rows of one table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "table", content = "rows", rename_all = "snake_case")]
pub enum Batch {
    OrgUnits(Vec<UnitRow>),
    OrgNames(Vec<OrgName>),
    OrgLinks(Vec<ParentLink>),
    OrgLineage(Vec<Lineage>),
    OrgClosure(Vec<ClosureRow>),
    Localities(Vec<Locality>),
    LocalityCommunes(Vec<LocalityCommune>),
    LocalityPopulation(Vec<LocalityPopulation>),
    LocalityService(Vec<LocalityService>),
    People(Vec<Person>),
    PersonStatus(Vec<PersonSpell>),
    Cases(Vec<CaseRow>),
    CaseEvents(Vec<CaseEventRow>),
}

impl Batch {
    pub fn table(&self) -> Table {
        match self {
            Batch::OrgUnits(_) => Table::OrgUnit,
            Batch::OrgNames(_) => Table::OrgName,
            Batch::OrgLinks(_) => Table::OrgLink,
            Batch::OrgLineage(_) => Table::OrgLineage,
            Batch::OrgClosure(_) => Table::OrgClosure,
            Batch::Localities(_) => Table::Locality,
            Batch::LocalityCommunes(_) => Table::LocalityCommune,
            Batch::LocalityPopulation(_) => Table::LocalityPopulation,
            Batch::LocalityService(_) => Table::LocalityService,
            Batch::People(_) => Table::Person,
            Batch::PersonStatus(_) => Table::PersonStatus,
            Batch::Cases(_) => Table::PipelineCase,
            Batch::CaseEvents(_) => Table::PipelineEvent,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Batch::OrgUnits(v) => v.len(),
            Batch::OrgNames(v) => v.len(),
            Batch::OrgLinks(v) => v.len(),
            Batch::OrgLineage(v) => v.len(),
            Batch::OrgClosure(v) => v.len(),
            Batch::Localities(v) => v.len(),
            Batch::LocalityCommunes(v) => v.len(),
            Batch::LocalityPopulation(v) => v.len(),
            Batch::LocalityService(v) => v.len(),
            Batch::People(v) => v.len(),
            Batch::PersonStatus(v) => v.len(),
            Batch::Cases(v) => v.len(),
            Batch::CaseEvents(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Row counts per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCounts(pub [u64; 13]);

impl TableCounts {
    pub fn add(&mut self, table: Table, n: u64) {
        self.0[table.index()] += n;
    }
    pub fn get(&self, table: Table) -> u64 {
        self.0[table.index()]
    }
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
    /// `(table name, rows)` in load order.
    pub fn rows(&self) -> Vec<(&'static str, u64)> {
        Table::ALL
            .iter()
            .map(|t| (t.as_str(), self.get(*t)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_in_order() {
        for (i, t) in Table::ALL.iter().enumerate() {
            assert_eq!(t.index(), i);
        }
        let mut c = TableCounts::default();
        c.add(Table::Person, 3);
        c.add(Table::OrgUnit, 2);
        assert_eq!(c.total(), 5);
        assert_eq!(c.rows()[0], ("org_unit", 2));
        assert!(Batch::People(vec![]).is_empty());
    }
}
