//! Trạng thái hồ sơ — the state of a case, derived by folding its effective events.
//!
//! The effective events are the recorded ones with corrections applied (a correction takes the
//! place — id and insertion order — of the event it corrects) and retracted events removed,
//! sorted by `(date, seq, id)`. Deriving is pure and deterministic: the same set of events gives
//! the same state whatever order they are handed over in.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::events::{
    CommitteeLevel, DecisionLevel, DossierDoc, Event, EventId, EventKind, Introducer, Proposer,
    ReservedClass, StepKind,
};
use super::rules::RuleSet;
use crate::calendar::add_months;
use crate::dates::Date;
use crate::org::OrgId;
use crate::person::PersonId;

crate::code_enum!(
    /// Giai đoạn — where a case stands.
    ///
    /// The first ten are the progress of the procedure, in order; the others are the states a
    /// case can leave it for (a pause and a transfer remember the progress to resume at).
    Stage {
        /// No source listing (yet, or any more after a retraction).
        NotStarted = "not_started" / "Chưa vào danh sách nguồn",
        /// Quần chúng ưu tú trong danh sách nguồn — on the source list (mentor and course are
        /// flags, see [`CaseState::mentor`] and [`CaseState::certificate`]).
        Source = "source" / "Quần chúng ưu tú (nguồn)",
        /// Đã làm đơn — applied (1-KNĐ).
        Applied = "applied" / "Đã làm đơn xin vào Đảng",
        /// Đã thẩm tra lý lịch — history verified with a positive conclusion.
        Verified = "verified" / "Đã thẩm tra lý lịch",
        /// Đã được giới thiệu — verified and the introductions are complete.
        Introduced = "introduced" / "Đã được giới thiệu",
        /// Chi bộ đề nghị kết nạp — the branch resolution (6-KNĐ) passed.
        BranchApproved = "branch_approved" / "Chi bộ đề nghị kết nạp",
        /// Đảng ủy cơ sở đề nghị kết nạp — the grassroots committee's resolution (8-KNĐ).
        CommitteeApproved = "committee_approved" / "Đảng ủy cơ sở đề nghị kết nạp",
        /// Có quyết định kết nạp — admission decided (9-KNĐ), ceremony pending.
        Admitted = "admitted" / "Có quyết định kết nạp",
        /// Đảng viên dự bị — probationary member, from the ceremony.
        Probationary = "probationary" / "Đảng viên dự bị",
        /// Đảng viên chính thức — official member.
        Official = "official" / "Đảng viên chính thức",
        /// Xóa tên — not recognized and removed from the rolls.
        Removed = "removed" / "Xóa tên",
        /// Rút khỏi danh sách nguồn — withdrawn.
        Withdrawn = "withdrawn" / "Rút khỏi danh sách nguồn",
        /// Tạm dừng (đi làm ăn xa) — paused.
        Paused = "paused" / "Tạm dừng (đi làm ăn xa)",
        /// Chuyển đi — transferred to another branch.
        TransferredOut = "transferred_out" / "Đã chuyển đi",
        /// Từ trần — died.
        Deceased = "deceased" / "Từ trần",
    }
);

impl Stage {
    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Stage::NotStarted => "not on the source list",
            Stage::Source => "on the source list",
            Stage::Applied => "applied",
            Stage::Verified => "history verified",
            Stage::Introduced => "introduced",
            Stage::BranchApproved => "approved by the branch",
            Stage::CommitteeApproved => "approved by the grassroots committee",
            Stage::Admitted => "admission decided",
            Stage::Probationary => "probationary member",
            Stage::Official => "official member",
            Stage::Removed => "removed from the rolls",
            Stage::Withdrawn => "withdrawn",
            Stage::Paused => "paused (moved away to work)",
            Stage::TransferredOut => "transferred out",
            Stage::Deceased => "deceased",
        }
    }

    /// Whether the stage is a step of the procedure (not a pause, transfer or end).
    pub fn is_progress(self) -> bool {
        self <= Stage::Official
    }

    /// Whether the case is open and moving (listed, not yet official, not paused or ended).
    pub fn is_active(self) -> bool {
        (Stage::Source..=Stage::Probationary).contains(&self)
    }

    /// Whether nothing more can happen in this case (official, removed, withdrawn, deceased).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Stage::Official | Stage::Removed | Stage::Withdrawn | Stage::Deceased
        )
    }
}

/// Các mốc thời gian — the key dates of a case (`None` until the step happens).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KeyDates {
    pub listed: Option<Date>,
    pub mentor_assigned: Option<Date>,
    pub course_completed: Option<Date>,
    /// Ngày cấp giấy chứng nhận — of the certificate that counts (the latest course).
    pub certificate_issued: Option<Date>,
    pub application: Option<Date>,
    pub history_submitted: Option<Date>,
    pub history_verified: Option<Date>,
    /// When the introductions became complete.
    pub introductions_complete: Option<Date>,
    pub comments: Option<Date>,
    pub branch_vote: Option<Date>,
    pub committee_resolution: Option<Date>,
    /// Ngày quyết định kết nạp.
    pub decision: Option<Date>,
    /// When the branch received the decision (the decision date when not recorded).
    pub decision_received: Option<Date>,
    /// Ngày vào Đảng — the ceremony; probation starts here.
    pub ceremony: Option<Date>,
    /// End of the 12 months of probation: ceremony + 12 months (Charter Art. 5, clause 1) —
    /// the day the member becomes official when recognized (QĐ 24-QĐ/TW point 4.2.2).
    pub probation_end: Option<Date>,
    pub new_member_course: Option<Date>,
    pub recognition_vote: Option<Date>,
    /// Ngày quyết định công nhận đảng viên chính thức.
    pub recognition: Option<Date>,
    /// Ngày chính thức — official from the end of probation even when the branch met or the
    /// committee approved late (QĐ 29 point 4.2 b; QĐ 24 point 4.2.2).
    pub official_from: Option<Date>,
    /// Tuổi đảng tính từ — the date of the admission decision (Charter Art. 5, clause 4;
    /// QĐ 24 point 4.5.1, confirmed), or for a re-admitted member the first admission decision
    /// (point 4.5.2). Counts once the member is recognized as official.
    pub party_age_from: Option<Date>,
    /// Start of the current (or last) pause.
    pub paused: Option<Date>,
    pub transferred_out: Option<Date>,
    /// When the case ended (withdrawn, removed, deceased).
    pub ended: Option<Date>,
}

/// Giấy chứng nhận nhận thức về Đảng — the certificate that counts (the latest course).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Certificate {
    pub number: String,
    pub issued: Date,
    pub reserved_class: Option<ReservedClass>,
}

/// Kết luận thẩm tra lý lịch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub date: Date,
    pub ok: bool,
}

/// One introduction on record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Introduction {
    pub event_id: EventId,
    pub date: Date,
    pub introducer: Introducer,
    /// Whether its document (3-KNĐ, or the resolution's number) is on file.
    pub documented: bool,
}

/// A vote of the branch (admission or recognition).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct VoteRecord {
    pub date: Date,
    pub official_members: u32,
    pub present: u32,
    pub in_favour: u32,
    pub against: u32,
}

/// The grassroots committee's resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CommitteeRecord {
    pub date: Date,
    pub members: u32,
    pub in_favour: u32,
}

/// An exception on record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantedException {
    pub event_id: EventId,
    pub date: Date,
    pub rule_id: String,
    pub approved_by: String,
    pub level: CommitteeLevel,
    pub basis: String,
}

/// Kết nạp lại — the re-admission approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ReAdmission {
    pub date: Date,
    pub first_decision: Option<Date>,
}

/// A transfer between branches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Transfer {
    pub date: Date,
    /// `true` for a transfer out, `false` for a transfer back in.
    pub out: bool,
    pub branch: OrgId,
}

/// Trạng thái hồ sơ — the derived state of one case. Build it with [`CaseState::derive`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaseState {
    pub stage: Stage,
    /// For a paused or transferred case: the progress to resume at.
    pub resume_stage: Option<Stage>,
    /// The furthest step of the procedure reached (a progress stage, whatever happened after:
    /// a withdrawn candidate who had applied has `reached == Applied`).
    pub reached: Stage,
    pub proposed_by: Option<Proposer>,
    /// The current mentor (đảng viên theo dõi, giúp đỡ).
    pub mentor: Option<PersonId>,
    /// Every mentor assignment, in order.
    pub mentors: Vec<(Date, PersonId)>,
    pub certificate: Option<Certificate>,
    pub verification: Option<Verification>,
    pub introductions: Vec<Introduction>,
    pub branch_vote: Option<VoteRecord>,
    pub committee: Option<CommitteeRecord>,
    pub decision_level: Option<DecisionLevel>,
    pub recognition_vote: Option<VoteRecord>,
    pub exceptions: Vec<GrantedException>,
    pub readmission: Option<ReAdmission>,
    pub transfers: Vec<Transfer>,
    /// Documents on file (with the date of the event that brought them); member introductions
    /// are counted in [`CaseState::introductions`].
    pub documents: BTreeMap<DossierDoc, Date>,
    pub dates: KeyDates,
    /// Date of the latest effective event.
    pub last_event: Option<Date>,
    /// The effective events, sorted by `(date, seq, id)`.
    pub effective: Vec<Event>,
    #[serde(skip)]
    events: Vec<Event>,
    #[serde(skip)]
    aliases: BTreeMap<EventId, EventId>,
    #[serde(skip)]
    retracted: BTreeSet<EventId>,
    #[serde(skip)]
    steps: BTreeMap<StepKind, Date>,
}

impl Default for CaseState {
    fn default() -> Self {
        CaseState::derive(&[])
    }
}

impl CaseState {
    /// The state of a case from all its recorded events (corrections and retractions
    /// included), in any order.
    pub fn derive(events: &[Event]) -> CaseState {
        let mut raw = events.to_vec();
        raw.sort_by_key(|e| (e.seq, e.id));
        let (effective, aliases, retracted) = resolve(&raw);
        fold(effective, raw, aliases, retracted)
    }

    /// The state from already-effective events (no corrections among them), e.g. a prefix of
    /// another state's [`CaseState::effective`].
    pub(crate) fn from_effective(effective: &[Event]) -> CaseState {
        let mut eff = effective.to_vec();
        eff.sort_by_key(order_key);
        fold(eff.clone(), eff, BTreeMap::new(), BTreeSet::new())
    }

    /// The state with one more event, unchecked (see [`super::record`] for the checked way).
    pub fn apply(&self, event: Event) -> CaseState {
        let mut events = self.events.clone();
        events.push(event);
        CaseState::derive(&events)
    }

    /// All recorded events, sorted by insertion order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The effective events, sorted by `(date, seq, id)`.
    pub fn effective_events(&self) -> &[Event] {
        &self.effective
    }

    /// Whether an event with this id was recorded (as an event, correction or retraction).
    pub fn contains_id(&self, id: EventId) -> bool {
        self.events.iter().any(|e| e.id == id)
    }

    /// The event a correction chain leads back to (`id` itself for an original event).
    pub fn root_of(&self, id: EventId) -> EventId {
        self.aliases.get(&id).copied().unwrap_or(id)
    }

    /// Whether the event (or the one its correction chain leads to) was retracted.
    pub fn is_retracted(&self, id: EventId) -> bool {
        self.retracted.contains(&self.root_of(id))
    }

    /// The effective version of an event, by its id or the id of one of its corrections.
    pub fn effective_event(&self, id: EventId) -> Option<&Event> {
        let root = self.root_of(id);
        self.effective.iter().find(|e| e.id == root)
    }

    /// The date of the latest effective event of this step.
    pub fn step_date(&self, step: StepKind) -> Option<Date> {
        self.steps.get(&step).copied()
    }

    /// Whether an effective event of this step exists.
    pub fn has_step(&self, step: StepKind) -> bool {
        self.steps.contains_key(&step)
    }

    /// The distinct members who introduced the applicant.
    pub fn member_introducers(&self) -> Vec<PersonId> {
        let mut v: Vec<PersonId> = self
            .introductions
            .iter()
            .filter_map(|i| match i.introducer {
                Introducer::Member { person, .. } => Some(person),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Introductions by an organization (Youth Union or trade union executive).
    pub fn organization_introductions(&self) -> usize {
        self.introductions
            .iter()
            .filter(|i| i.introducer.is_organization())
            .count()
    }

    /// Whether the introductions are complete: two official members, or an organization's
    /// resolution and one official member (Charter Art. 4, clause 1).
    pub fn introductions_complete(&self) -> bool {
        let members = self.member_introducers().len();
        members >= 2 || (members >= 1 && self.organization_introductions() >= 1)
    }

    /// How many member introductions (3-KNĐ) the case needs: 1 with an organization's
    /// resolution, else 2.
    pub fn member_introductions_needed(&self) -> usize {
        if self.organization_introductions() >= 1 {
            1
        } else {
            2
        }
    }

    /// The latest exception granted for a rule.
    pub fn exception_for(&self, rule_id: &str) -> Option<&GrantedException> {
        self.exceptions.iter().rev().find(|x| x.rule_id == rule_id)
    }

    /// The stage of the procedure reached, ignoring a pause, transfer or end.
    pub fn progress(&self) -> Stage {
        self.reached
    }
}

/// The ordering of effective events.
pub(crate) fn order_key(e: &Event) -> (Date, i64, EventId) {
    (e.date, e.seq, e.id)
}

/// Applies corrections and retractions (in insertion order) to the recorded events.
fn resolve(raw: &[Event]) -> (Vec<Event>, BTreeMap<EventId, EventId>, BTreeSet<EventId>) {
    let mut slots: BTreeMap<EventId, Event> = BTreeMap::new();
    for e in raw {
        if e.corrects.is_none() && e.kind != EventKind::Retracted {
            slots.entry(e.id).or_insert_with(|| e.clone());
        }
    }
    let mut aliases = BTreeMap::new();
    let mut retracted = BTreeSet::new();
    for e in raw {
        let Some(target) = e.corrects else { continue };
        let root = aliases.get(&target).copied().unwrap_or(target);
        let Some(slot) = slots.get_mut(&root) else {
            continue;
        };
        aliases.insert(e.id, root);
        if e.kind == EventKind::Retracted {
            slots.remove(&root);
            retracted.insert(root);
        } else {
            // The correction stands in the corrected event's place: same id and insertion
            // order, the corrected content.
            slot.date = e.date;
            slot.kind = e.kind.clone();
            slot.document = e.document.clone();
            slot.actor = e.actor.clone();
        }
    }
    let mut effective: Vec<Event> = slots.into_values().collect();
    effective.sort_by_key(order_key);
    (effective, aliases, retracted)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Active,
    Paused,
    Withdrawn,
    Removed,
    TransferredOut,
    Deceased,
}

fn fold(
    effective: Vec<Event>,
    events: Vec<Event>,
    aliases: BTreeMap<EventId, EventId>,
    retracted: BTreeSet<EventId>,
) -> CaseState {
    let mut s = CaseState {
        stage: Stage::NotStarted,
        resume_stage: None,
        reached: Stage::NotStarted,
        proposed_by: None,
        mentor: None,
        mentors: vec![],
        certificate: None,
        verification: None,
        introductions: vec![],
        branch_vote: None,
        committee: None,
        decision_level: None,
        recognition_vote: None,
        exceptions: vec![],
        readmission: None,
        transfers: vec![],
        documents: BTreeMap::new(),
        dates: KeyDates::default(),
        last_event: None,
        effective: vec![],
        events,
        aliases,
        retracted,
        steps: BTreeMap::new(),
    };
    let mut status = Status::Active;
    for e in &effective {
        let date = e.date;
        s.last_event = Some(s.last_event.map_or(date, |l| l.max(date)));
        s.steps.insert(e.step(), date);
        let documented = e.has_document();
        let doc = |d: DossierDoc, s: &mut CaseState| {
            if documented {
                s.documents.insert(d, date);
            }
        };
        match &e.kind {
            EventKind::SourceListed { proposed_by } => {
                s.proposed_by = Some(*proposed_by);
                s.dates.listed.get_or_insert(date);
            }
            EventKind::MentorAssigned { mentor } => {
                s.mentor = Some(*mentor);
                s.mentors.push((date, *mentor));
                s.dates.mentor_assigned.get_or_insert(date);
            }
            EventKind::CourseCompleted {
                certificate_no,
                issued,
                reserved_class,
            } => {
                s.certificate = Some(Certificate {
                    number: certificate_no.clone(),
                    issued: *issued,
                    reserved_class: *reserved_class,
                });
                s.dates.course_completed = Some(date);
                s.dates.certificate_issued = Some(*issued);
                doc(DossierDoc::AwarenessCertificate, &mut s);
            }
            EventKind::ApplicationSubmitted => {
                s.dates.application = Some(date);
                doc(DossierDoc::Application, &mut s);
            }
            EventKind::HistorySubmitted => {
                s.dates.history_submitted = Some(date);
                doc(DossierDoc::History, &mut s);
            }
            EventKind::HistoryVerified { conclusion_ok } => {
                s.verification = Some(Verification {
                    date,
                    ok: *conclusion_ok,
                });
                s.dates.history_verified = Some(date);
                if *conclusion_ok {
                    doc(DossierDoc::VerificationRecord, &mut s);
                } else {
                    s.documents.remove(&DossierDoc::VerificationRecord);
                }
            }
            EventKind::Introduced { introducer } => {
                let was_complete = s.introductions_complete();
                s.introductions.push(Introduction {
                    event_id: e.id,
                    date,
                    introducer: introducer.clone(),
                    documented,
                });
                match introducer {
                    Introducer::Member { .. } => {}
                    Introducer::YouthUnion { .. } => {
                        doc(DossierDoc::YouthUnionIntroduction, &mut s)
                    }
                    Introducer::TradeUnion { .. } => {
                        doc(DossierDoc::TradeUnionIntroduction, &mut s)
                    }
                }
                if !was_complete && s.introductions_complete() {
                    s.dates.introductions_complete = Some(date);
                }
            }
            EventKind::CommentsCollected => {
                s.dates.comments = Some(date);
                doc(DossierDoc::Comments, &mut s);
            }
            EventKind::BranchVoted {
                official_members,
                present,
                in_favour,
                against,
            } => {
                s.branch_vote = Some(VoteRecord {
                    date,
                    official_members: *official_members,
                    present: *present,
                    in_favour: *in_favour,
                    against: *against,
                });
                s.dates.branch_vote = Some(date);
                doc(DossierDoc::BranchResolution, &mut s);
            }
            EventKind::CommitteeResolved { members, in_favour } => {
                s.committee = Some(CommitteeRecord {
                    date,
                    members: *members,
                    in_favour: *in_favour,
                });
                s.dates.committee_resolution = Some(date);
                doc(DossierDoc::CommitteeResolution, &mut s);
            }
            EventKind::AdmissionDecided { level, received } => {
                s.decision_level = Some(*level);
                s.dates.decision = Some(date);
                s.dates.decision_received = Some(received.unwrap_or(date).max(date));
                doc(DossierDoc::AdmissionDecision, &mut s);
            }
            EventKind::CeremonyHeld => {
                s.dates.ceremony = Some(date);
                let months = RuleSet::for_date(date).params.probation_months;
                s.dates.probation_end = Some(add_months(date, months));
            }
            EventKind::NewMemberCourseCompleted { .. } => {
                s.dates.new_member_course = Some(date);
                doc(DossierDoc::NewMemberCertificate, &mut s);
            }
            EventKind::DocumentFiled { doc: d } => {
                s.documents.insert(*d, date);
            }
            EventKind::RecognitionVoted {
                official_members,
                present,
                in_favour,
                against,
            } => {
                s.recognition_vote = Some(VoteRecord {
                    date,
                    official_members: *official_members,
                    present: *present,
                    in_favour: *in_favour,
                    against: *against,
                });
                s.dates.recognition_vote = Some(date);
                doc(DossierDoc::RecognitionResolution, &mut s);
            }
            EventKind::RecognitionDecided => {
                s.dates.recognition = Some(date);
                s.dates.official_from = s.dates.probation_end;
            }
            EventKind::NotRecognized { .. } => {
                status = Status::Removed;
                s.dates.ended = Some(date);
            }
            EventKind::Withdrawn => {
                status = Status::Withdrawn;
                s.dates.ended = Some(date);
            }
            EventKind::Paused => {
                status = Status::Paused;
                s.dates.paused = Some(date);
            }
            EventKind::Resumed => status = Status::Active,
            EventKind::TransferredOut { to_branch } => {
                status = Status::TransferredOut;
                s.dates.transferred_out = Some(date);
                s.transfers.push(Transfer {
                    date,
                    out: true,
                    branch: *to_branch,
                });
            }
            EventKind::TransferredIn { from_branch } => {
                status = Status::Active;
                s.transfers.push(Transfer {
                    date,
                    out: false,
                    branch: *from_branch,
                });
            }
            EventKind::ReAdmissionApproved { first_decision } => {
                s.readmission = Some(ReAdmission {
                    date,
                    first_decision: *first_decision,
                });
            }
            EventKind::ExceptionGranted {
                rule_id,
                approved_by,
                level,
                basis,
            } => s.exceptions.push(GrantedException {
                event_id: e.id,
                date,
                rule_id: rule_id.clone(),
                approved_by: approved_by.clone(),
                level: *level,
                basis: basis.clone(),
            }),
            EventKind::Deceased => {
                status = Status::Deceased;
                s.dates.ended = Some(date);
            }
            EventKind::Retracted => {}
        }
    }
    if let Some(decision) = s.dates.decision {
        s.dates.party_age_from = Some(
            s.readmission
                .and_then(|r| r.first_decision)
                .unwrap_or(decision),
        );
    }
    let verified = s.verification.is_some_and(|v| v.ok);
    let d = &s.dates;
    let progress = if d.recognition.is_some() {
        Stage::Official
    } else if d.ceremony.is_some() {
        Stage::Probationary
    } else if d.decision.is_some() {
        Stage::Admitted
    } else if d.committee_resolution.is_some() {
        Stage::CommitteeApproved
    } else if d.branch_vote.is_some() {
        Stage::BranchApproved
    } else if verified && s.introductions_complete() {
        Stage::Introduced
    } else if verified {
        Stage::Verified
    } else if d.application.is_some() {
        Stage::Applied
    } else if d.listed.is_some() {
        Stage::Source
    } else {
        Stage::NotStarted
    };
    s.stage = match status {
        Status::Active => progress,
        Status::Paused => Stage::Paused,
        Status::Withdrawn => Stage::Withdrawn,
        Status::Removed => Stage::Removed,
        Status::TransferredOut => Stage::TransferredOut,
        Status::Deceased => Stage::Deceased,
    };
    s.resume_stage = matches!(status, Status::Paused | Status::TransferredOut).then_some(progress);
    s.reached = progress;
    s.effective = effective;
    s
}

#[cfg(test)]
impl CaseState {
    /// The derived part only (recorded events and correction bookkeeping dropped), to compare
    /// two histories that should mean the same.
    pub(crate) fn derived_only(mut self) -> CaseState {
        self.events.clear();
        self.aliases.clear();
        self.retracted.clear();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::testkit::{d, happy_path};

    #[test]
    fn happy_path_walks_every_stage() {
        let events = happy_path(d(2023, 3, 1));
        let mut seen = vec![];
        for n in 0..=events.len() {
            let s = CaseState::derive(&events[..n]);
            if seen.last() != Some(&s.stage) {
                seen.push(s.stage);
            }
        }
        assert_eq!(
            seen,
            vec![
                Stage::NotStarted,
                Stage::Source,
                Stage::Applied,
                Stage::Verified,
                Stage::Introduced,
                Stage::BranchApproved,
                Stage::CommitteeApproved,
                Stage::Admitted,
                Stage::Probationary,
                Stage::Official
            ]
        );
        let s = CaseState::derive(&events);
        let dt = &s.dates;
        assert_eq!(dt.party_age_from, dt.decision);
        assert_eq!(dt.probation_end, dt.ceremony.map(|c| add_months(c, 12)));
        assert_eq!(dt.official_from, dt.probation_end);
        assert_eq!(s.mentor, Some(crate::pipeline::testkit::MENTOR));
        assert_eq!(s.member_introducers().len(), 2);
        assert!(s.introductions_complete());
    }

    #[test]
    fn order_of_handing_over_does_not_matter() {
        let events = happy_path(d(2022, 9, 5));
        let mut rev = events.clone();
        rev.reverse();
        assert_eq!(CaseState::derive(&events), CaseState::derive(&rev));
    }

    #[test]
    fn correction_takes_the_place_of_the_corrected_event() {
        let events = happy_path(d(2022, 9, 5));
        let s = CaseState::derive(&events);
        let Some(app) = s
            .effective_events()
            .iter()
            .find(|e| e.step() == StepKind::ApplicationSubmitted)
            .cloned()
        else {
            panic!("no application")
        };
        let mut fixed = app.clone();
        fixed.date = app.date.pred_opt().unwrap_or(app.date);
        fixed.id = 900;
        fixed.seq = 900;
        let corrected = s.apply(fixed.clone().correcting(app.id, "wrong date on entry"));
        assert_eq!(corrected.dates.application, Some(fixed.date));
        assert_eq!(corrected.root_of(900), app.id);
        assert_eq!(
            corrected.effective_event(900).map(|e| e.seq),
            Some(app.seq),
            "keeps the place of the original"
        );
        // Retracting the correction's id voids the original.
        let mut r = Event::new(901, 901, app.date, EventKind::Retracted, "x");
        r.corrects = Some(900);
        r.reason = Some("entered twice".into());
        let retracted = corrected.apply(r);
        assert!(retracted.is_retracted(app.id));
        assert_eq!(retracted.dates.application, None);
    }

    #[test]
    fn pause_remembers_the_stage() {
        let events = happy_path(d(2021, 10, 4));
        let s = CaseState::derive(&events[..6]);
        let stage = s.stage;
        let paused = s.apply(Event::new(500, 500, d(2022, 6, 1), EventKind::Paused, "x"));
        assert_eq!(paused.stage, Stage::Paused);
        assert_eq!(paused.resume_stage, Some(stage));
        assert_eq!(paused.progress(), stage);
        let back = paused.apply(Event::new(501, 501, d(2022, 9, 1), EventKind::Resumed, "x"));
        assert_eq!(back.stage, stage);
        assert_eq!(back.resume_stage, None);
    }

    #[test]
    fn transfers_and_endings() {
        let events = happy_path(d(2021, 10, 4));
        let i = crate::pipeline::testkit::step_index(&events, StepKind::CeremonyHeld);
        let s = CaseState::derive(&events[..=i]);
        let out = s.apply(Event::new(
            500,
            500,
            d(2023, 1, 9),
            EventKind::TransferredOut { to_branch: 42 },
            "x",
        ));
        assert_eq!(out.stage, Stage::TransferredOut);
        assert_eq!(out.resume_stage, Some(Stage::Probationary));
        let back = out.apply(Event::new(
            501,
            501,
            d(2023, 2, 1),
            EventKind::TransferredIn { from_branch: 42 },
            "x",
        ));
        assert_eq!(back.stage, Stage::Probationary);
        assert_eq!(back.transfers.len(), 2);
        let removed = back.apply(Event::new(
            502,
            502,
            d(2023, 3, 1),
            EventKind::NotRecognized {
                grounds: "vi phạm tư cách đảng viên".into(),
            },
            "x",
        ));
        assert_eq!(removed.stage, Stage::Removed);
        assert_eq!(removed.reached, Stage::Probationary);
        assert_eq!(removed.dates.ended, Some(d(2023, 3, 1)));
        let died = back.apply(Event::new(
            503,
            503,
            d(2023, 3, 2),
            EventKind::Deceased,
            "x",
        ));
        assert_eq!(died.stage, Stage::Deceased);
        assert!(died.stage.is_closed());
    }

    #[test]
    fn readmission_counts_party_age_from_the_first_decision() {
        let events = happy_path(d(2023, 3, 1));
        let first = d(2001, 5, 19);
        let s = CaseState::derive(&events).apply(Event::new(
            600,
            600,
            events[0].date,
            EventKind::ReAdmissionApproved {
                first_decision: Some(first),
            },
            "x",
        ));
        assert_eq!(s.dates.party_age_from, Some(first));
    }

    #[test]
    fn stage_order() {
        assert!(Stage::Source < Stage::Applied && Stage::Probationary < Stage::Official);
        assert!(Stage::Probationary.is_active() && !Stage::Paused.is_active());
        assert!(Stage::Official.is_closed() && !Stage::TransferredOut.is_closed());
        for s in Stage::ALL {
            assert!(!s.label_en().is_empty());
        }
    }
}
