//! Projections — what a case row stores of its derived state (stage, open, mentor, last event,
//! earliest pending time limit, certificate), rewritten on every event by the store and written
//! directly by producers of whole datasets (the demo generator), so both give the same rows.

use super::due::{DueKind, due_items};
use super::events::EventKind;
use super::state::{CaseState, Stage};
use crate::calendar::Calendar;
use crate::dates::Date;
use crate::org::OrgId;
use crate::person::PersonId;

/// The branch of the case on `date`: the origin, or where the last transfer out dated on or
/// before `date` sent it.
pub fn branch_on(state: &CaseState, origin: OrgId, date: Date) -> OrgId {
    let mut branch = origin;
    for e in state.effective_events() {
        if e.date > date {
            break;
        }
        if let EventKind::TransferredOut { to_branch } = e.kind {
            branch = to_branch;
        }
    }
    branch
}

/// The branch the case is in now.
pub fn current_branch(state: &CaseState, origin: OrgId) -> OrgId {
    let mut branch = origin;
    for e in state.effective_events() {
        if let EventKind::TransferredOut { to_branch } = e.kind {
            branch = to_branch;
        }
    }
    branch
}

/// What the case row stores of the derived state (rewritten on every event).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Projection {
    pub branch_id: OrgId,
    pub stage: Stage,
    pub is_open: bool,
    pub mentor_id: Option<PersonId>,
    pub last_event_on: Date,
    /// The earliest time limit pending (decision, ceremony, new-member course, recognition).
    pub deadline_on: Option<Date>,
    /// The awareness certificate's issue date while it must still count (before the vote).
    pub certificate_issued: Option<Date>,
}

/// Whether a case in this stage is still open (listed, not official, removed, withdrawn or
/// deceased).
pub fn is_open(stage: Stage) -> bool {
    stage != Stage::NotStarted && !stage.is_closed()
}

/// The projections of a state.
pub fn project(state: &CaseState, origin: OrgId, opened_on: Date, cal: &Calendar) -> Projection {
    let last = state.last_event.unwrap_or(opened_on);
    let deadline_on = due_items(state, last, cal, 0)
        .into_iter()
        .filter(|i| {
            matches!(
                i.kind,
                DueKind::Decision
                    | DueKind::Ceremony
                    | DueKind::NewMemberCourse
                    | DueKind::RecognitionVote
                    | DueKind::RecognitionDecision
            )
        })
        .filter_map(|i| i.due_date)
        .min();
    let certificate_issued = if state.stage.is_active() && state.stage < Stage::BranchApproved {
        state.certificate.as_ref().map(|c| c.issued)
    } else {
        None
    };
    Projection {
        branch_id: current_branch(state, origin),
        stage: state.stage,
        is_open: is_open(state.stage),
        mentor_id: state.mentor,
        last_event_on: last,
        deadline_on,
        certificate_issued,
    }
}
