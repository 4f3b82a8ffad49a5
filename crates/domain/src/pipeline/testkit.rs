//! Test support: a complete, valid case (the happy path) and the facts that make it pass.

use chrono::{Days, NaiveDate};

use super::events::{
    DecisionLevel, DossierDoc, Event, EventKind, FormCode, Introducer, Proposer, StepKind,
};
use super::rules::{Facts, MemberFact, Refusal};
use crate::calendar::add_months;
use crate::dates::Date;
use crate::org::OrgKind;
use crate::person::{GeneralEducation, PersonId};
use crate::sensitive::Sensitive;

pub const MENTOR: PersonId = 101;
pub const INTRO_A: PersonId = 102;
pub const INTRO_B: PersonId = 103;

pub fn d(y: i32, m: u32, day: u32) -> Date {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// Facts under which the happy path is accepted: a branch under a grassroots committee with 9
/// official members, a committee of 7, a candidate born 10/04/1990 with upper-secondary
/// education who is a Youth Union member, mentor and introducers official since 2010.
pub fn facts() -> Facts {
    let mut f = Facts::new(OrgKind::Branch);
    f.birth_date = Some(Sensitive::new(d(1990, 4, 10)));
    f.education = Some(GeneralEducation::UpperSecondary);
    f.youth_union_member = true;
    f.branch_official_members = Some(9);
    f.committee_members = Some(7);
    for p in [MENTOR, INTRO_A, INTRO_B] {
        f.people.insert(
            p,
            MemberFact {
                official: true,
                official_since: Some(d(2010, 1, 1)),
            },
        );
    }
    f
}

/// The same for a grassroots branch (chi bộ cơ sở: no committee step).
pub fn grassroots_branch_facts() -> Facts {
    let mut f = facts();
    f.branch_kind = OrgKind::GrassrootsBranch;
    f.committee_members = None;
    f
}

/// Days between the steps of the happy path.
#[derive(Clone, Copy, Debug)]
pub struct Gaps {
    pub mentor: u64,
    pub course: u64,
    pub application: u64,
    pub history: u64,
    pub verified: u64,
    pub intro_a: u64,
    pub intro_b: u64,
    pub comments: u64,
    pub vote: u64,
    pub committee: u64,
    pub decision: u64,
    /// Calendar days from the decision to the ceremony (≤ 38 stays within 30 working days).
    pub ceremony: u64,
    pub new_member_course: u64,
    /// Days before the end of probation the recognition documents are filed.
    pub docs_before_end: u64,
    /// Calendar days after the end of probation for the recognition vote (≤ 38).
    pub recognition_vote: u64,
    pub recognition_decided: u64,
}

pub const GAPS: Gaps = Gaps {
    mentor: 7,
    course: 30,
    application: 14,
    history: 3,
    verified: 30,
    intro_a: 5,
    intro_b: 0,
    comments: 7,
    vote: 10,
    committee: 7,
    decision: 14,
    ceremony: 10,
    new_member_course: 90,
    docs_before_end: 5,
    recognition_vote: 3,
    recognition_decided: 10,
};

struct Builder {
    events: Vec<Event>,
}

impl Builder {
    fn push(&mut self, date: Date, kind: EventKind, doc: Option<(Option<FormCode>, &str)>) {
        let n = self.events.len() as i64 + 1;
        let mut e = Event::new(n, n, date, kind, "test");
        if let Some((form, number)) = doc {
            e = e.with_document(form, number);
        }
        self.events.push(e);
    }
}

fn member(person: PersonId) -> Introducer {
    Introducer::Member {
        person,
        official_since: d(2010, 1, 1),
        worked_together_since: d(2015, 1, 1),
    }
}

/// A complete case from the source list to official membership, starting on `start`.
pub fn happy_path(start: Date) -> Vec<Event> {
    happy_path_with(start, &GAPS)
}

/// The happy path with chosen gaps.
pub fn happy_path_with(start: Date, g: &Gaps) -> Vec<Event> {
    let mut b = Builder { events: vec![] };
    let mut t = start;
    let mut step = |days: u64| {
        t = t + Days::new(days);
        t
    };
    b.push(
        step(0),
        EventKind::SourceListed {
            proposed_by: Proposer::YouthUnion,
        },
        Some((None, "12-NQ/CB")),
    );
    b.push(
        step(g.mentor),
        EventKind::MentorAssigned { mentor: MENTOR },
        Some((None, "13-NQ/CB")),
    );
    let course = step(g.course);
    b.push(
        course,
        EventKind::CourseCompleted {
            certificate_no: "CN-0457".into(),
            issued: course,
            reserved_class: None,
        },
        None,
    );
    b.push(
        step(g.application),
        EventKind::ApplicationSubmitted,
        Some((Some(FormCode::Knd1), "đơn")),
    );
    b.push(
        step(g.history),
        EventKind::HistorySubmitted,
        Some((Some(FormCode::Knd2), "lý lịch")),
    );
    b.push(
        step(g.verified),
        EventKind::HistoryVerified {
            conclusion_ok: true,
        },
        Some((None, "KL-05")),
    );
    b.push(
        step(g.intro_a),
        EventKind::Introduced {
            introducer: member(INTRO_A),
        },
        Some((Some(FormCode::Knd3), "GT-1")),
    );
    b.push(
        step(g.intro_b),
        EventKind::Introduced {
            introducer: member(INTRO_B),
        },
        Some((Some(FormCode::Knd3), "GT-2")),
    );
    b.push(
        step(g.comments),
        EventKind::CommentsCollected,
        Some((Some(FormCode::Knd5), "TH-1")),
    );
    b.push(
        step(g.vote),
        EventKind::BranchVoted {
            official_members: 9,
            present: 9,
            in_favour: 8,
            against: 1,
        },
        Some((Some(FormCode::Knd6), "20-NQ/CB")),
    );
    b.push(
        step(g.committee),
        EventKind::CommitteeResolved {
            members: 7,
            in_favour: 6,
        },
        Some((Some(FormCode::Knd8), "31-NQ/ĐU")),
    );
    b.push(
        step(g.decision),
        EventKind::AdmissionDecided {
            level: DecisionLevel::DirectSuperior,
            received: None,
        },
        Some((Some(FormCode::Knd9), "1234-QĐ/HU")),
    );
    let ceremony = step(g.ceremony);
    b.push(ceremony, EventKind::CeremonyHeld, Some((None, "BB-01")));
    b.push(
        step(g.new_member_course),
        EventKind::NewMemberCourseCompleted {
            certificate_no: "ĐVM-88".into(),
        },
        None,
    );
    let end = add_months(ceremony, 12);
    let filed = (end - Days::new(g.docs_before_end)).max(t);
    for doc in [
        DossierDoc::SelfReview,
        DossierDoc::MentorReview,
        DossierDoc::RecognitionComments,
    ] {
        b.push(
            filed,
            EventKind::DocumentFiled { doc },
            Some((doc.form(), "x")),
        );
    }
    let vote = end + Days::new(g.recognition_vote);
    b.push(
        vote,
        EventKind::RecognitionVoted {
            official_members: 9,
            present: 8,
            in_favour: 8,
            against: 0,
        },
        Some((Some(FormCode::Knd13), "40-NQ/CB")),
    );
    b.push(
        vote + Days::new(g.recognition_decided),
        EventKind::RecognitionDecided,
        Some((None, "77-QĐ/HU")),
    );
    b.events
}

/// The happy path up to the admission decision, the decision dated `decided`.
pub fn happy_path_until_decision(decided: Date) -> Vec<Event> {
    let probe = happy_path(decided);
    let i = step_index(&probe, StepKind::AdmissionDecided);
    let offset = probe[i].date - decided;
    let start = decided - offset;
    let mut events = happy_path(start);
    events.truncate(i + 1);
    assert_eq!(events[i].date, decided);
    events
}

/// Index of the first event of a step.
pub fn step_index(events: &[Event], step: StepKind) -> usize {
    events
        .iter()
        .position(|e| e.step() == step)
        .unwrap_or_else(|| panic!("no {step:?} in the events"))
}

/// The rule ids of a check's refusals (empty when accepted).
pub fn rule_ids(r: Result<(), Vec<Refusal>>) -> Vec<&'static str> {
    r.err()
        .map(|v| v.iter().map(|r| r.rule_id).collect())
        .unwrap_or_default()
}
