//! Hồ sơ — the dossier checklist: each step lists the documents it needs (forms 1-KNĐ … of
//! Hướng dẫn 12-HD/BTCTW), and is blocked until they are on file (`dossier.missing`).
//!
//! A step that has not happened is reported by `order.requires`; this rule reports a step that
//! happened without its document on file (no number recorded), and the recognition documents
//! that are filed on their own (10-, 11-, 12-KNĐ).

use serde::Serialize;

use super::{Ctx, Refusal, RuleTemplate, Source};
use crate::pipeline::events::{DossierDoc, FormCode, Introducer, StepKind};
use crate::pipeline::state::CaseState;

pub const MISSING: RuleTemplate = RuleTemplate {
    id: "dossier.missing",
    source: Source::Forms,
    article_2016: "hồ sơ kết nạp đảng viên và công nhận đảng viên chính thức (mẫu 1-KNĐ … 13-KNĐ; confirm point)",
    article_2021: "hồ sơ kết nạp đảng viên và công nhận đảng viên chính thức, phụ lục mẫu (1-KNĐ … 13-KNĐ; confirm point)",
    title_vi: "Bước tiếp theo chỉ thực hiện khi hồ sơ của nó đã đủ",
    title_en: "A step goes ahead only when the documents it needs are on file",
};

/// Một mục trong danh mục hồ sơ — one line of a case's dossier checklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    pub doc: DossierDoc,
    pub form: Option<FormCode>,
    /// The step that cannot go ahead without it.
    pub needed_by_step: StepKind,
    /// How many are needed (2 member introductions, else 1) and how many are on file.
    pub needed: u32,
    pub on_file: u32,
    /// Whether the step that produces it was recorded.
    pub recorded: bool,
    pub present: bool,
}

/// The checklist of a case under a grassroots committee (8-KNĐ included); see
/// [`checklist_with`] for a grassroots branch.
pub fn checklist(state: &CaseState) -> Vec<ChecklistItem> {
    checklist_with(state, true)
}

/// The checklist; `needs_committee`: whether the branch is under a grassroots committee.
pub fn checklist_with(state: &CaseState, needs_committee: bool) -> Vec<ChecklistItem> {
    use DossierDoc as D;
    use StepKind as S;
    let mut items = vec![];
    let mut add = |doc: D, by: S, recorded: bool| {
        let present = state.documents.contains_key(&doc);
        items.push(ChecklistItem {
            doc,
            form: doc.form(),
            needed_by_step: by,
            needed: 1,
            on_file: u32::from(present),
            recorded: recorded || present,
            present,
        });
    };
    add(
        D::Application,
        S::HistoryVerified,
        state.has_step(S::ApplicationSubmitted),
    );
    add(
        D::History,
        S::HistoryVerified,
        state.has_step(S::HistorySubmitted),
    );
    add(
        D::AwarenessCertificate,
        S::BranchVoted,
        state.has_step(S::CourseCompleted),
    );
    add(
        D::VerificationRecord,
        S::BranchVoted,
        state.verification.is_some_and(|v| v.ok),
    );
    let by_org = |youth: bool| {
        state.introductions.iter().any(|i| match i.introducer {
            Introducer::YouthUnion { .. } => youth,
            Introducer::TradeUnion { .. } => !youth,
            Introducer::Member { .. } => false,
        })
    };
    if by_org(true) {
        add(D::YouthUnionIntroduction, S::BranchVoted, true);
    }
    if by_org(false) {
        add(D::TradeUnionIntroduction, S::BranchVoted, true);
    }
    add(
        D::Comments,
        S::BranchVoted,
        state.has_step(S::CommentsCollected),
    );
    if needs_committee {
        add(
            D::BranchResolution,
            S::CommitteeResolved,
            state.has_step(S::BranchVoted),
        );
        add(
            D::CommitteeResolution,
            S::AdmissionDecided,
            state.has_step(S::CommitteeResolved),
        );
    } else {
        add(
            D::BranchResolution,
            S::AdmissionDecided,
            state.has_step(S::BranchVoted),
        );
    }
    add(
        D::AdmissionDecision,
        S::CeremonyHeld,
        state.has_step(S::AdmissionDecided),
    );
    add(
        D::NewMemberCertificate,
        S::RecognitionVoted,
        state.has_step(S::NewMemberCourseCompleted),
    );
    add(D::SelfReview, S::RecognitionVoted, false);
    add(D::MentorReview, S::RecognitionVoted, false);
    add(D::RecognitionComments, S::RecognitionVoted, false);
    add(
        D::RecognitionResolution,
        S::RecognitionDecided,
        state.has_step(S::RecognitionVoted),
    );
    // Member introductions (3-KNĐ): one per member introducer, 1 or 2 needed.
    let needed = state.member_introductions_needed();
    let mut people: Vec<_> = state
        .introductions
        .iter()
        .filter(|i| i.documented && !i.introducer.is_organization())
        .filter_map(|i| match i.introducer {
            Introducer::Member { person, .. } => Some(person),
            _ => None,
        })
        .collect();
    people.sort_unstable();
    people.dedup();
    let on_file = people.len().min(needed);
    let pos = items
        .iter()
        .position(|i| i.doc == D::Comments)
        .unwrap_or(items.len());
    items.insert(
        pos,
        ChecklistItem {
            doc: D::MemberIntroduction,
            form: D::MemberIntroduction.form(),
            needed_by_step: S::BranchVoted,
            needed: u32::try_from(needed).unwrap_or(2),
            on_file: u32::try_from(on_file).unwrap_or(0),
            recorded: state.member_introducers().len() >= needed,
            present: on_file >= needed,
        },
    );
    items
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Refusal>) {
    let step = ctx.event.step();
    let needs_committee = ctx
        .needs_committee
        .unwrap_or(ctx.before.has_step(StepKind::CommitteeResolved));
    let missing: Vec<ChecklistItem> = checklist_with(ctx.before, needs_committee)
        .into_iter()
        .filter(|i| {
            i.needed_by_step == step
                && !i.present
                && (i.recorded
                    || (i.doc.is_filed_separately() && ctx.before.dates.ceremony.is_some()))
        })
        .collect();
    if missing.is_empty() {
        return;
    }
    let vi: Vec<String> = missing.iter().map(|i| i.doc.describe_vi()).collect();
    let en: Vec<String> = missing.iter().map(|i| i.doc.describe_en()).collect();
    let codes: Vec<&str> = missing.iter().map(|i| i.doc.as_str()).collect();
    out.push(ctx.refuse(
        &MISSING,
        vec![
            ("step", step.as_str().to_string()),
            ("missing", codes.join(", ")),
        ],
        format!(
            "Hồ sơ còn thiếu {} — cần có trước bước \"{}\"",
            vi.join(", "),
            step.label_vi()
        ),
        format!(
            "The dossier lacks {} — needed before the {}",
            en.join(", "),
            step.label_en()
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::pipeline::events::{Event, EventKind};
    use crate::pipeline::rules::check;
    use crate::pipeline::testkit::{d, facts, happy_path, rule_ids, step_index};

    #[test]
    fn checklist_fills_along_the_happy_path() {
        let events = happy_path(d(2023, 3, 1));
        let empty = checklist(&CaseState::default());
        assert!(empty.iter().all(|i| !i.present));
        assert!(
            empty
                .iter()
                .any(|i| i.doc == DossierDoc::MemberIntroduction && i.needed == 2)
        );
        let full = checklist(&CaseState::derive(&events));
        assert!(full.iter().all(|i| i.present), "{full:?}");
        // A grassroots branch has no 8-KNĐ line.
        let gb = checklist_with(&CaseState::derive(&events), false);
        assert!(!gb.iter().any(|i| i.doc == DossierDoc::CommitteeResolution));
        assert!(gb.iter().any(|i| i.doc == DossierDoc::BranchResolution
            && i.needed_by_step == StepKind::AdmissionDecided));
    }

    #[test]
    fn a_step_without_its_document_blocks_the_next() {
        let events = happy_path(d(2023, 3, 1));
        let v = step_index(&events, StepKind::HistoryVerified);
        let prefix: Vec<Event> = events[..v]
            .iter()
            .cloned()
            .map(|mut e| {
                if e.step() == StepKind::ApplicationSubmitted {
                    e.document = None;
                }
                e
            })
            .collect();
        let s = CaseState::derive(&prefix);
        let item = checklist(&s)
            .into_iter()
            .find(|i| i.doc == DossierDoc::Application);
        assert!(item.is_some_and(|i| i.recorded && !i.present));
        let err = check(&events[v], &s, &facts(), &Calendar::shipped()).err();
        assert_eq!(
            rule_ids(Err(err.clone().unwrap_or_default())),
            vec!["dossier.missing"]
        );
        assert!(
            err.as_ref()
                .and_then(|v| v.first())
                .is_some_and(|r| r.message_en.contains("application (1-KNĐ)")),
            "{err:?}"
        );
    }

    #[test]
    fn recognition_needs_the_filed_documents() {
        let events = happy_path(d(2022, 3, 1));
        let i = step_index(&events, StepKind::RecognitionVoted);
        let prefix: Vec<Event> = events[..i]
            .iter()
            .filter(|e| {
                !matches!(
                    e.kind,
                    EventKind::DocumentFiled {
                        doc: DossierDoc::MentorReview
                    }
                )
            })
            .cloned()
            .collect();
        let s = CaseState::derive(&prefix);
        let err = check(&events[i], &s, &facts(), &Calendar::shipped()).err();
        let r = err.as_ref().and_then(|v| v.first());
        assert_eq!(r.map(|r| r.rule_id), Some("dossier.missing"));
        assert!(r.is_some_and(|r| r.message_vi.contains("11-KNĐ")), "{r:?}");
    }
}
