//! The admission pipeline in the store (issue B): candidates' cases and their append-only events,
//! awareness courses, the working-day calendar and the due list — a second `impl Store` block
//! (SQL in `engine/pipeline.rs`, `engine/pipeline_read.rs`, `engine/courses.rs`,
//! `engine/holidays.rs`).
//!
//! Every write runs in one transaction: the event is judged by [`ketnap_domain::pipeline::check`]
//! against the case's recorded events and the [`Facts`](ketnap_domain::pipeline::Facts) the
//! database knows on the event's date; a refusal comes back as [`StoreError::Refused`] and
//! nothing is written. An accepted event is appended, the person's status spells are brought in
//! step with the case (candidate → probationary from the ceremony → official from the end of
//! probation; removed, deceased, transferred), the case's projections are rewritten, and one
//! audit row is recorded per write.
//!
//! Facts taken from the database (decisions recorded in `docs/decisions.md` §9):
//! - birth date, general education and Youth Union membership from the person record;
//!   trade-union membership is not recorded (always `false`: the trade union's introduction is
//!   refused until it is);
//! - the branch (and its kind) on the event's date from the case (transfers move it);
//! - official members of the branch on the date: `person_status` spells `official` in it;
//! - a mentor must be official **in the candidate's branch** on the date; an introducer must be
//!   official **in any branch** (the Charter asks for an official member who worked with the
//!   applicant, not one of the same branch); "official since" is the start of the unbroken run
//!   of official spells;
//! - the difficult-area flag: the residence locality's commune on the date (or, without a
//!   residence, the branch), or any unit above it, is designated in `difficult_area` on the date,
//!   or is a special zone (đặc khu: an island);
//! - the grassroots committee's size is not recorded: the number in the resolution is used.

pub(crate) mod due;
pub(crate) mod spells;

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use ketnap_domain::calendar::{Calendar, Holiday};
use ketnap_domain::org::OrgId;
use ketnap_domain::person::{PersonId, Sex};
use ketnap_domain::pipeline::{
    CaseState, ChecklistItem, DocumentRef, DueItem, EventId, EventKind, Proposer, Refusal,
    ReservedClass, Stage,
};
use ketnap_domain::{Date, Period};
use serde::{Deserialize, Serialize};

use crate::model::OrgRef;
use crate::{Db, Result, Store, StoreError, engine};

pub use due::DueGroup;

/// Surrogate key of a case (hồ sơ phát triển đảng viên).
pub type CaseId = i64;
/// Surrogate key of a course.
pub type CourseId = i64;

/// A person put on a branch's source list: opens a case and records its first event
/// (`source_listed`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    pub person_id: PersonId,
    /// The branch (chi bộ) keeping the source list; it must hold members on `date`.
    pub branch_code: String,
    /// The date of the listing (the branch's decision).
    pub date: Date,
    pub proposed_by: Proposer,
    /// The branch's decision or list, when numbered.
    #[serde(default)]
    pub document: Option<DocumentRef>,
}

/// An event to append to a case; the store assigns its id, its place (`seq`) and records the
/// actor and time. JSON: `{"date": "2024-05-02", "kind": "branch_voted", "official_members": 9,
/// …, "document": {"form": "6-KNĐ", "number": "20-NQ/CB", "date": null}}` — the fields of the
/// kind sit beside `kind` (see [`EventKind`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    /// The date of the act (meeting, decision, ceremony…), not of data entry.
    pub date: Date,
    #[serde(flatten)]
    pub kind: EventKind,
    #[serde(default)]
    pub document: Option<DocumentRef>,
    /// For a correction or a retraction: the recorded event it replaces or voids.
    #[serde(default)]
    pub corrects: Option<EventId>,
    /// Why (required for corrections and retractions).
    #[serde(default)]
    pub reason: Option<String>,
}

impl NewEvent {
    /// A plain event: no document, not a correction.
    pub fn new(date: Date, kind: EventKind) -> Self {
        NewEvent {
            date,
            kind,
            document: None,
            corrects: None,
            reason: None,
        }
    }
}

/// One recorded event of a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    pub id: EventId,
    pub case_id: CaseId,
    /// Insertion order within the case (1, 2, …).
    pub seq: i64,
    pub date: Date,
    #[serde(flatten)]
    pub kind: EventKind,
    pub document: Option<DocumentRef>,
    pub actor: String,
    pub corrects: Option<EventId>,
    pub reason: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// What appending an event did: the event, the case's new version (for the next
/// `expected_version`) and its stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recorded {
    pub event: EventRecord,
    pub version: i64,
    pub stage: Stage,
}

/// A person as the pipeline shows them: name and the masked bits only (no CCCD, birth year
/// instead of the date, no ethnicity or religion).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PersonBrief {
    pub id: PersonId,
    pub full_name: String,
    pub sex: Sex,
    pub birth_year: i32,
    pub youth_union: bool,
}

/// The case row: where it is, since when, its version and who changed it last.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaseInfo {
    pub id: CaseId,
    pub person_id: PersonId,
    /// The branch the case is in now (transfers move it).
    pub branch: OrgRef,
    /// The branch that put the person on its source list.
    pub origin_branch: OrgRef,
    pub opened_on: Date,
    pub proposed_by: Proposer,
    /// +1 with every event: pass it back as `expected_version` to detect concurrent changes.
    pub version: i64,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// Everything about one case as of a date: the timeline, the derived state, the dossier
/// checklist and what is due.
#[derive(Clone, Debug, Serialize)]
pub struct CaseView {
    pub case: CaseInfo,
    pub person: PersonBrief,
    pub mentor: Option<PersonBrief>,
    /// Every recorded event (corrections and retractions included), in insertion order.
    pub events: Vec<EventRecord>,
    pub state: CaseState,
    /// Whether the branch sits under a grassroots committee (8-KNĐ needed).
    pub needs_committee: bool,
    pub checklist: Vec<ChecklistItem>,
    pub as_of: Date,
    /// What is due on `as_of` (stalled after 6 months without an event).
    pub due: Vec<DueItem>,
    /// The rule set in force on `as_of` (`2016`, `2021`, `2022`, `2025-01`, `2025-07`).
    pub rule_set: &'static str,
}

/// One line of a case list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaseSummary {
    pub id: CaseId,
    pub person: PersonBrief,
    pub branch: OrgRef,
    pub stage: Stage,
    pub opened_on: Date,
    pub last_event_on: Date,
    pub mentor_id: Option<PersonId>,
    /// The earliest time limit pending, when one is.
    pub deadline_on: Option<Date>,
    pub version: i64,
}

/// One thing due, for one case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DueRow {
    pub group: DueGroup,
    pub case_id: CaseId,
    pub person: PersonBrief,
    pub branch: OrgRef,
    pub stage: Stage,
    pub item: DueItem,
}

/// How many open cases one mentor follows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MentorLoad {
    pub mentor: PersonBrief,
    /// The mentor's branch on the date asked (none when they are no longer a member).
    pub branch: Option<OrgRef>,
    /// Whether the mentor is an official member on the date asked.
    pub official: bool,
    /// Candidates before the ceremony (source list to admission decision).
    pub candidates: i64,
    /// Probationary members (the mentor keeps helping through probation).
    pub probationary: i64,
    /// Paused or transferred-out cases still assigned to them.
    pub inactive: i64,
}

/// Mentor workload in a subtree: one row per mentor (most loaded first) and the active cases
/// without one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MentorWorkload {
    pub as_of: Date,
    pub rows: Vec<MentorLoad>,
    pub without_mentor: i64,
}

ketnap_domain::code_enum!(
    /// Loại lớp — the kind of course a political centre runs.
    CourseKind {
        /// Lớp bồi dưỡng nhận thức về Đảng (certificate CN-NTVĐ): completing it records
        /// `course_completed`.
        Awareness = "awareness" / "Bồi dưỡng nhận thức về Đảng",
        /// Lớp bồi dưỡng lý luận chính trị cho đảng viên mới: records
        /// `new_member_course_completed`.
        NewMember = "new_member" / "Bồi dưỡng lý luận chính trị cho đảng viên mới",
    }
);

/// A course to create.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCourse {
    pub kind: CourseKind,
    /// The committee whose political centre (Trung tâm chính trị) runs the course.
    pub org_code: String,
    pub name: String,
    /// A class reserved for upper-secondary pupils or private-sector workers.
    #[serde(default)]
    pub reserved_class: Option<ReservedClass>,
    pub starts_on: Date,
    pub ends_on: Date,
}

/// A course with its counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Course {
    pub id: CourseId,
    pub kind: CourseKind,
    pub org: OrgRef,
    pub name: String,
    pub reserved_class: Option<ReservedClass>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub enrolled: i64,
    pub completed: i64,
}

/// One person enrolled in a course.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Enrolment {
    pub course_id: CourseId,
    pub person: PersonBrief,
    /// The case the completion is recorded in.
    pub case_id: CaseId,
    pub enrolled_on: Date,
    pub completed: bool,
    pub certificate_no: Option<String>,
    pub issued: Option<Date>,
    /// The `course_completed` (or `new_member_course_completed`) event recorded.
    pub event_id: Option<EventId>,
}

/// One day of the working-day calendar, and where it comes from (`shipped`: data/holidays.csv;
/// `admin`: entered or changed by an administrator).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HolidayEntry {
    #[serde(flatten)]
    pub holiday: Holiday,
    pub source: String,
    pub updated_by: String,
}

/// A unit designated mountainous, island, ethnic-minority or especially difficult over a
/// period (the education rule's exception applies to people living there).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DifficultArea {
    pub org: OrgRef,
    pub period: Period,
    /// The decision that designates it (e.g. "QĐ 861/QĐ-TTg").
    pub basis: String,
}

/// Which case an imported row belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ImportCase {
    /// A recorded case.
    Recorded(CaseId),
    /// A case the file creates, named by a key of the file's choosing; its first row is the
    /// `source_listed` event with the person and the branch.
    New(String),
}

/// One row of an events import (docs/import-format.md, "events").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportRow {
    /// The row as a spreadsheet numbers it (header = 1).
    pub row: usize,
    pub case: ImportCase,
    /// For the first row of a new case.
    pub person_id: Option<PersonId>,
    /// For the first row of a new case.
    pub branch_code: Option<String>,
    pub event: NewEvent,
}

/// One refused row: where, which rule, why — with the rule's full refusal when the admission
/// rules refused it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportError {
    pub row: usize,
    pub column: String,
    pub rule: String,
    pub message: String,
    pub refusal: Option<Refusal>,
}

/// What an events import did (or, on a dry run or any refusal, would have done).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub cases_created: usize,
    pub events_created: usize,
    pub errors: Vec<ImportError>,
    pub dry_run: bool,
    /// Whether anything was committed (false on refusals and dry runs).
    pub written: bool,
}

/// The CSV column an import error of this rule points at (the rule's message says what).
pub fn import_column(rule_id: &str) -> &'static str {
    match rule_id.split('.').next() {
        Some("vote" | "committee" | "introducer" | "mentor" | "exception") => "data",
        Some("event" | "correction") => "corrects",
        Some("dossier") => "document_number",
        Some("order") => "kind",
        Some("education") => "person_id",
        _ => "date",
    }
}

/// The calendar shipped with ketnap (`data/holidays.csv`), loaded into the `holiday` table
/// year by year on first use.
pub(crate) fn shipped_holidays() -> &'static [Holiday] {
    static SHIPPED: OnceLock<Vec<Holiday>> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        Calendar::parse_csv(include_str!("../../../data/holidays.csv")).unwrap_or_default()
    })
}

impl Store {
    // ---- cases and events ---------------------------------------------------------------

    /// Puts a person on a branch's source list: opens a case and records `source_listed`
    /// (checked like any event), and starts the person's `candidate` spell in the branch from
    /// `date` (kept when they already are a candidate there). Refused (`StoreError::Rule`) when
    /// the person already has an open case (`case.open.duplicate`), is a probationary or
    /// official member on the date (`case.open.member`), or the branch does not hold members
    /// on the date (`case.branch.kind`, `org.unit.exists_at`).
    pub async fn case_open(&self, new: &NewCase, actor: &str) -> Result<CaseId> {
        dispatch!(self, pipeline::open(new, actor))
    }

    /// Appends an event to a case after checking it against the regulations in force on its
    /// date and the facts the database holds (see the module documentation).
    ///
    /// - [`StoreError::Refused`]: the rules refused it (rule id, regulation, article, facts,
    ///   messages); nothing was written.
    /// - [`StoreError::Conflict`]: `expected_version` is given and the case has changed since
    ///   (who changed it and when); nothing was written.
    /// - [`StoreError::Rule`]: a reference is wrong (unknown mentor or introducer, a transfer
    ///   to a unit that is not a branch on the date…) or the person's status history would
    ///   break (`person.status.*`, `pipeline.status.conflict`).
    pub async fn case_record(
        &self,
        case_id: CaseId,
        event: &NewEvent,
        expected_version: Option<i64>,
        actor: &str,
    ) -> Result<Recorded> {
        dispatch!(
            self,
            pipeline::record(case_id, event, expected_version, actor)
        )
    }

    /// The whole case as of `as_of`: timeline, derived state, checklist and due items. With a
    /// `scope`, a case whose branch is not under that unit on `as_of` is `NotFound`.
    pub async fn case_get(
        &self,
        case_id: CaseId,
        as_of: Date,
        scope: Option<OrgId>,
    ) -> Result<CaseView> {
        let cal = self.calendar().await?;
        dispatch!(self, pipeline_read::get(case_id, as_of, scope, &cal))?.ok_or_else(|| {
            StoreError::NotFound {
                what: "case",
                key: case_id.to_string(),
            }
        })
    }

    /// The cases of branches under `org_code` on `as_of` (a branch ended by then counts under
    /// its heir): with `stage`, those in that stage (closed ones included); without, every open
    /// case (not official, removed, withdrawn or deceased). Ordered by branch code, then name.
    pub async fn cases_in(
        &self,
        org_code: &str,
        as_of: Date,
        stage: Option<Stage>,
        limit: i64,
    ) -> Result<Vec<CaseSummary>> {
        let root = self.org_required(org_code).await?;
        dispatch!(self, pipeline_read::list(root.id, as_of, stage, limit))
    }

    /// Every case of one person (open and closed), oldest first: the person page's links.
    pub async fn person_cases(&self, person_id: PersonId) -> Result<Vec<CaseSummary>> {
        dispatch!(self, pipeline_read::of_person(person_id))
    }

    /// What is due on `as_of` for the open cases under `org_code`, grouped (in this order):
    /// overdue, due within 7 days (`this_week`), within 30 days (`this_month`), stalled (no
    /// event for `stall_months`; 0 = never) and certificates expiring within 90 days or expired
    /// before the branch vote. Steps without a time limit are not listed (see `case_get`).
    /// Deadlines count working days on the `holiday` calendar.
    pub async fn due_list(
        &self,
        org_code: &str,
        as_of: Date,
        stall_months: u32,
    ) -> Result<Vec<DueRow>> {
        let root = self.org_required(org_code).await?;
        let cal = self.calendar().await?;
        dispatch!(self, pipeline_read::due(root.id, as_of, stall_months, &cal))
    }

    /// [`Store::due_list`] the naive way: every open case under `org_code` has its events
    /// loaded and judged in Rust, the projected columns unused (the benchmark's baseline; the
    /// result must be the same).
    pub async fn due_list_naive(
        &self,
        org_code: &str,
        as_of: Date,
        stall_months: u32,
    ) -> Result<Vec<DueRow>> {
        let root = self.org_required(org_code).await?;
        let cal = self.calendar().await?;
        dispatch!(
            self,
            pipeline_read::due_with(root.id, as_of, stall_months, &cal, false)
        )
    }

    /// Open cases in one of `stages`, by id (benchmark support).
    pub async fn open_case_ids(&self, stages: &[Stage]) -> Result<Vec<CaseId>> {
        dispatch!(self, pipeline::open_case_ids(stages))
    }

    /// The baseline of recording an event (benchmark support): the same row appended by a
    /// plain INSERT, no rules, facts or projections, in a transaction that is rolled back.
    pub async fn event_insert_rolled_back(
        &self,
        case_id: CaseId,
        event: &NewEvent,
        actor: &str,
    ) -> Result<()> {
        dispatch!(
            self,
            pipeline::insert_event_rolled_back(case_id, event, actor)
        )
    }

    /// How many open cases each mentor under `org_code` follows on `as_of`.
    pub async fn mentor_workload(&self, org_code: &str, as_of: Date) -> Result<MentorWorkload> {
        let root = self.org_required(org_code).await?;
        dispatch!(self, pipeline_read::mentor_workload(root.id, as_of))
    }

    /// Imports events (bulk entry of cases kept on paper): every row is checked by the same
    /// rules as [`Store::case_record`] — a new case's events through
    /// [`ketnap_domain::pipeline::replay`] — in one transaction; if any row is refused, or on a
    /// dry run, nothing is written. After a refused row, the later rows of the same case are
    /// not checked.
    pub async fn events_import(
        &self,
        rows: &[ImportRow],
        source: &str,
        actor: &str,
        dry_run: bool,
    ) -> Result<ImportReport> {
        dispatch!(self, pipeline::import(rows, source, actor, dry_run))
    }

    // ---- courses ----------------------------------------------------------------------------

    /// Creates a course run by the political centre of `org_code`.
    pub async fn course_create(&self, new: &NewCourse, actor: &str) -> Result<CourseId> {
        dispatch!(self, courses::create(new, actor))
    }

    /// Enrols a person with an open case (for a new-member course: a probationary member's
    /// case). A reserved class takes only its group (`course.reserved_class`: upper-secondary
    /// pupils are `pupil_student`, private-sector workers `private_economic`).
    pub async fn course_enrol(
        &self,
        course_id: CourseId,
        person_id: PersonId,
        date: Date,
        actor: &str,
    ) -> Result<()> {
        dispatch!(self, courses::enrol(course_id, person_id, date, actor))
    }

    /// Records completion: appends `course_completed` (awareness: certificate number and issue
    /// date, the class reserved if it is) or `new_member_course_completed` to the enrolled
    /// person's case, dated `issued`, checked like any event; marks the enrolment completed.
    pub async fn course_complete(
        &self,
        course_id: CourseId,
        person_id: PersonId,
        certificate_no: &str,
        issued: Date,
        actor: &str,
    ) -> Result<Recorded> {
        dispatch!(
            self,
            courses::complete(course_id, person_id, certificate_no, issued, actor)
        )
    }

    /// Courses run by centres of units under `org_code` (all courses without it), newest first.
    pub async fn courses_list(&self, org_code: Option<&str>) -> Result<Vec<Course>> {
        let root = match org_code {
            Some(c) => Some(self.org_required(c).await?.id),
            None => None,
        };
        dispatch!(self, courses::list(root))
    }

    /// The people enrolled in a course.
    pub async fn course_enrolments(&self, course_id: CourseId) -> Result<Vec<Enrolment>> {
        dispatch!(self, courses::enrolments(course_id))
    }

    // ---- calendar and areas -----------------------------------------------------------------

    /// The working-day calendar from the `holiday` table (shipped years loaded on first use).
    pub async fn calendar(&self) -> Result<Calendar> {
        dispatch!(self, holidays::calendar())
    }

    /// The calendar's days off (and worked Saturdays), of one year or all.
    pub async fn holidays_list(&self, year: Option<i32>) -> Result<Vec<HolidayEntry>> {
        dispatch!(self, holidays::list(year))
    }

    /// Adds or changes one day of the calendar (source `admin`).
    pub async fn holiday_upsert(&self, holiday: &Holiday, actor: &str) -> Result<()> {
        dispatch!(self, holidays::upsert(holiday, actor))
    }

    /// Removes one day from the calendar; returns whether it was there.
    pub async fn holiday_delete(&self, date: Date, actor: &str) -> Result<bool> {
        dispatch!(self, holidays::delete(date, actor))
    }

    /// Designates a unit as a difficult area over `period`, with the decision it comes from.
    pub async fn difficult_area_set(
        &self,
        org_code: &str,
        period: Period,
        basis: &str,
        actor: &str,
    ) -> Result<()> {
        let org = self.org_required(org_code).await?;
        dispatch!(self, holidays::difficult_set(org.id, period, basis, actor))
    }

    /// The difficult-area designations in force on `as_of`.
    pub async fn difficult_areas(&self, as_of: Date) -> Result<Vec<DifficultArea>> {
        dispatch!(self, holidays::difficult_list(as_of))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_event_json_has_the_kind_fields_beside_kind() {
        let text = r#"{"date":"2024-05-02","kind":"branch_voted","official_members":9,"present":9,
            "in_favour":8,"against":1,"document":{"form":"6-KND","number":"20-NQ/CB","date":null}}"#;
        let e: NewEvent = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.kind,
            EventKind::BranchVoted {
                official_members: 9,
                present: 9,
                in_favour: 8,
                against: 1
            }
        );
        assert_eq!(
            e.document.as_ref().and_then(|d| d.form),
            Some(ketnap_domain::pipeline::FormCode::Knd6)
        );
        assert_eq!((e.corrects, e.reason.as_deref()), (None, None));
        let back: NewEvent = serde_json::from_value(serde_json::to_value(&e).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, e);
        let bare: NewEvent =
            serde_json::from_str(r#"{"date":"2024-05-02","kind":"ceremony_held"}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bare, NewEvent::new(bare.date, EventKind::CeremonyHeld));
        assert_eq!(import_column("vote.two_thirds"), "data");
        assert_eq!(import_column("certificate.valid"), "date");
    }
}
