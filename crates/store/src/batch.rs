//! Batches of checked writes applied in one transaction (CSV import): the steps refer to
//! existing rows by id, or to rows created by an earlier step of the same batch.

use ketnap_domain::locality::{LocalityId, LocalityKind, NewLocality};
use ketnap_domain::org::{OrgId, OrgKind, Sector};
use ketnap_domain::person::{PartyStatus, Person, PersonId};
use ketnap_domain::{Date, Period, Violation};
use serde::Serialize;

/// A unit: existing, or created by the step with this index in the batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BatchRef<T> {
    Id(T),
    Step(usize),
}

/// One write of a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Step {
    /// Creates an organization unit existing over `period`, under `parent`.
    CreateOrg {
        code: String,
        name: String,
        kind: OrgKind,
        sector: Sector,
        parent: Option<BatchRef<OrgId>>,
        period: Period,
    },
    CreateLocality(NewLocality),
    /// Corrects a locality's name and kind (not dated).
    UpdateLocality {
        locality: BatchRef<LocalityId>,
        name: String,
        kind: LocalityKind,
    },
    MoveLocality {
        locality: BatchRef<LocalityId>,
        commune: OrgId,
        from: Date,
    },
    CloseLocality {
        locality: BatchRef<LocalityId>,
        at: Date,
    },
    SetPopulation {
        locality: BatchRef<LocalityId>,
        year: i32,
        population: i64,
    },
    /// Starts service by `branch` from `from`, or stops the current service when `None`.
    SetService {
        locality: BatchRef<LocalityId>,
        branch: Option<OrgId>,
        from: Date,
    },
    CreatePerson(Person),
    UpdatePerson(Person),
    AddStatus {
        person: BatchRef<PersonId>,
        status: PartyStatus,
        branch: Option<OrgId>,
        from: Date,
    },
}

/// A step with the input row it comes from (to report refusals by row).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BatchStep {
    pub row: usize,
    pub step: Step,
}

/// A whole import: its steps and the summary recorded in the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Batch {
    /// What is imported (`orgs`, `localities`, `people`), for the audit row.
    pub kind: String,
    /// Where it comes from (a file name), for the audit row.
    pub source: String,
    /// Counts and other facts recorded in the one audit row of the import.
    pub summary: serde_json::Value,
    pub steps: Vec<BatchStep>,
}

/// A refused step: its index in the batch, its row, and the rules it broke.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepError {
    pub step: usize,
    pub row: usize,
    pub violations: Vec<Violation>,
}

/// What applying a batch did: refusals (then nothing is written), or the ids created.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BatchOutcome {
    pub errors: Vec<StepError>,
    /// Whether the batch was committed (false on refusals and on dry runs).
    pub written: bool,
}

/// An organization unit as exported: the facts in force on the export date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrgExport {
    pub id: OrgId,
    pub code: String,
    /// The name in force on the date.
    pub name: String,
    pub kind: OrgKind,
    pub sector: Sector,
    /// The unit's existence.
    pub period: Period,
    /// Since when the name in force holds.
    pub name_from: Date,
    /// The superior on the date and since when it is.
    pub parent: Option<(OrgId, Date)>,
}

/// A locality as exported: the facts in force on the export date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocalityExport {
    pub code: String,
    pub name: String,
    pub kind: LocalityKind,
    pub period: Period,
    /// The commune on the date and since when the locality lies in it.
    pub commune: (OrgId, String, Date),
    pub population: Option<crate::model::PopulationFigure>,
    /// The serving branch on the date and since when it serves.
    pub branch: Option<(OrgId, String, Date)>,
}

/// A status on the export date: since when, and the branch (id, code).
pub type StatusExport = (PartyStatus, Date, Option<(OrgId, String)>);

/// A person as exported, with the status on the export date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonExport {
    pub person: Person,
    pub residence_code: Option<String>,
    /// Status on the date, since when, and the branch.
    pub status: Option<StatusExport>,
}
