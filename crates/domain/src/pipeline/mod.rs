//! Công tác phát triển đảng viên — the admission pipeline as a pure, rule-checked state machine.
//!
//! A candidate's case (hồ sơ phát triển đảng viên) is an append-only list of dated
//! [`Event`]s, from the source list to official membership (domain spec §4). Its
//! [`CaseState`] is derived from the events, never stored as a counter that can drift. Each new
//! event is judged by [`check`] against the rules in force on its date ([`RuleSet`]); a refusal
//! is data ([`Refusal`]) naming the rule, the regulation, the article and the facts. [`due`]
//! lists what is due on a date; [`dossier`] gives the checklist of documents.
//!
//! - `events.rs` — what can happen (every step, pause, transfer, exception, correction).
//! - `state.rs` — folding the effective events into a state.
//! - `rules/` — one file per rule family (`age.rs`, `votes.rs`, `deadlines.rs`…).
//! - `due.rs` — deadlines in working days and months, overdue and stalled cases.
//! - `forms.rs` — the dossier forms (3-, 5-, 6-, 8-, 9-, 16-KNĐ) pre-filled from a case.
//!
//! No I/O: the store loads the events and the [`Facts`], calls [`check`] inside its write
//! transaction, and appends the event when it is accepted.

pub mod due;
pub mod events;
pub mod forms;
pub mod projection;
pub mod rules;
pub mod state;

#[cfg(test)]
mod proptests;
#[cfg(test)]
pub(crate) mod testkit;

pub use due::{DueItem, DueKind, DueOptions, due_items, due_items_with};
pub use events::{
    CommitteeLevel, DecisionLevel, DocumentRef, DossierDoc, Event, EventId, EventKind, FormCode,
    Introducer, Proposer, ReservedClass, StepKind,
};
pub use rules::dossier::{self, ChecklistItem, checklist, checklist_with};
pub use rules::{Facts, MemberFact, Refusal, RuleDef, RuleSet, catalogue, check, record, replay};
pub use state::{CaseState, KeyDates, Stage};
