//! Thứ tự các bước — the order of the procedure (domain spec §4): each step needs the steps
//! before it (`order.requires`), is dated on or after them (`order.not_before`), fits the stage
//! the case is in (`order.stage`), and the grassroots-committee step exists only where there is
//! a grassroots committee (`order.committee_step`).

use super::{Ctx, Refusal, RuleTemplate, Source, dmy};
use crate::dates::Date;
use crate::pipeline::events::{EventKind, StepKind};
use crate::pipeline::state::{CaseState, Stage};

pub const REQUIRES: RuleTemplate = RuleTemplate {
    id: "order.requires",
    source: Source::Guidance,
    article_2016: "điểm 3 (thủ tục kết nạp đảng viên; confirm point) — Điều lệ Điều 4",
    article_2021: "điểm 3 (thủ tục kết nạp đảng viên; confirm point) — Điều lệ Điều 4",
    title_vi: "Bước trước phải được thực hiện trước",
    title_en: "The previous steps of the procedure must come first",
};

pub const NOT_BEFORE: RuleTemplate = RuleTemplate {
    id: "order.not_before",
    source: Source::Guidance,
    article_2016: "điểm 3 (thủ tục kết nạp đảng viên; confirm point) — Điều lệ Điều 4",
    article_2021: "điểm 3 (thủ tục kết nạp đảng viên; confirm point) — Điều lệ Điều 4",
    title_vi: "Ngày của một bước không được trước ngày của bước trước nó",
    title_en: "A step cannot be dated before the step it follows",
};

pub const STAGE: RuleTemplate = RuleTemplate {
    id: "order.stage",
    source: Source::Charter,
    article_2016: "Điều 4, Điều 5",
    article_2021: "Điều 4, Điều 5",
    title_vi: "Bước phải phù hợp với giai đoạn của hồ sơ",
    title_en: "The step must fit the stage the case is in",
};

pub const COMMITTEE_STEP: RuleTemplate = RuleTemplate {
    id: "order.committee_step",
    source: Source::Charter,
    article_2016: "Điều 4 khoản 3",
    article_2021: "Điều 4 khoản 3",
    title_vi: "Chỉ chi bộ trực thuộc đảng ủy cơ sở mới có bước đảng ủy cơ sở xét duyệt",
    title_en: "Only a branch under a grassroots committee has the committee's resolution step",
};

/// A prerequisite of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prereq {
    Step(StepKind),
    /// A history verification with a positive conclusion.
    VerifiedOk,
}

/// The steps a step needs before it. `needs_committee`: whether the branch is under a
/// grassroots committee (`None`: unknown, the committee step is then not required).
pub fn prerequisites(step: StepKind, needs_committee: Option<bool>) -> Vec<Prereq> {
    use Prereq::{Step, VerifiedOk};
    use StepKind as S;
    match step {
        S::SourceListed | S::Retracted => vec![],
        S::TransferredIn => vec![Step(S::TransferredOut)],
        S::Resumed => vec![Step(S::Paused)],
        S::MentorAssigned
        | S::CourseCompleted
        | S::Withdrawn
        | S::Paused
        | S::TransferredOut
        | S::ReAdmissionApproved
        | S::ExceptionGranted
        | S::Deceased => vec![Step(S::SourceListed)],
        S::ApplicationSubmitted => vec![Step(S::SourceListed), Step(S::CourseCompleted)],
        S::HistorySubmitted | S::Introduced | S::CommentsCollected => {
            vec![Step(S::ApplicationSubmitted)]
        }
        S::HistoryVerified => vec![Step(S::ApplicationSubmitted), Step(S::HistorySubmitted)],
        S::BranchVoted => vec![
            Step(S::MentorAssigned),
            Step(S::CourseCompleted),
            Step(S::ApplicationSubmitted),
            Step(S::HistorySubmitted),
            VerifiedOk,
            Step(S::CommentsCollected),
        ],
        S::CommitteeResolved => vec![Step(S::BranchVoted)],
        S::AdmissionDecided => {
            let mut v = vec![Step(S::BranchVoted)];
            if needs_committee == Some(true) {
                v.push(Step(S::CommitteeResolved));
            }
            v
        }
        S::CeremonyHeld => vec![Step(S::AdmissionDecided)],
        S::NewMemberCourseCompleted | S::DocumentFiled | S::NotRecognized => {
            vec![Step(S::CeremonyHeld)]
        }
        S::RecognitionVoted => vec![Step(S::CeremonyHeld), Step(S::NewMemberCourseCompleted)],
        S::RecognitionDecided => vec![Step(S::RecognitionVoted)],
    }
}

/// Steps recorded once per case (a mistake is corrected, not recorded again).
fn once(step: StepKind) -> bool {
    use StepKind as S;
    matches!(
        step,
        S::ApplicationSubmitted
            | S::HistorySubmitted
            | S::CommentsCollected
            | S::BranchVoted
            | S::CommitteeResolved
            | S::AdmissionDecided
            | S::CeremonyHeld
            | S::NewMemberCourseCompleted
            | S::RecognitionVoted
            | S::RecognitionDecided
            | S::ReAdmissionApproved
    )
}

fn describe(p: Prereq, s: &CaseState) -> (String, String) {
    match p {
        Prereq::Step(k) => match k.form() {
            Some(f) => (
                format!("{} ({})", k.label_vi(), f.as_str()),
                format!("{} ({})", k.label_en(), f.as_str()),
            ),
            None => (k.label_vi().to_string(), k.label_en().to_string()),
        },
        Prereq::VerifiedOk => match s.verification {
            Some(v) if !v.ok => (
                format!(
                    "kết luận thẩm tra lý lịch đạt yêu cầu (kết luận ngày {} không đạt)",
                    dmy(v.date)
                ),
                format!(
                    "a positive history verification (the conclusion of {} was negative)",
                    dmy(v.date)
                ),
            ),
            _ => (
                "Thẩm tra lý lịch (kết luận đạt)".to_string(),
                "history verification with a positive conclusion".to_string(),
            ),
        },
    }
}

fn prereq_date(p: Prereq, s: &CaseState) -> Option<Date> {
    match p {
        Prereq::Step(k) => s.step_date(k),
        Prereq::VerifiedOk => s.verification.filter(|v| v.ok).map(|v| v.date),
    }
}

/// Why the stage does not allow the step, if it does not.
fn stage_refusal(step: StepKind, ev: &EventKind, s: &CaseState) -> Option<(String, String)> {
    use StepKind as S;
    let stage = s.stage;
    let label = |st: Stage| (st.label_vi(), st.label_en());
    match step {
        S::Retracted => return None,
        S::SourceListed => {
            return (stage != Stage::NotStarted).then(|| {
                (
                    format!(
                        "Người này đã có trong danh sách nguồn (giai đoạn: {})",
                        stage.label_vi()
                    ),
                    format!(
                        "The person is already on the source list (stage: {})",
                        stage.label_en()
                    ),
                )
            });
        }
        S::TransferredIn => {
            return (stage != Stage::TransferredOut).then(|| {
                (
                    format!("Hồ sơ chưa chuyển đi (giai đoạn: {})", stage.label_vi()),
                    format!(
                        "The case was not transferred out (stage: {})",
                        stage.label_en()
                    ),
                )
            });
        }
        S::Resumed => {
            return (stage != Stage::Paused).then(|| {
                (
                    format!(
                        "Hồ sơ không ở trạng thái tạm dừng (giai đoạn: {})",
                        stage.label_vi()
                    ),
                    format!("The case is not paused (stage: {})", stage.label_en()),
                )
            });
        }
        _ => {}
    }
    if stage == Stage::NotStarted {
        // Reported by order.requires (the source listing is missing).
        return None;
    }
    if stage.is_closed() {
        let (vi, en) = label(stage);
        let when = s
            .dates
            .ended
            .or(s.dates.recognition)
            .map(dmy)
            .unwrap_or_default();
        return Some((
            format!("Hồ sơ đã kết thúc ({vi} {when})"),
            format!("The case has ended ({en} {when})"),
        ));
    }
    if stage == Stage::Paused {
        let allowed = matches!(
            step,
            S::Withdrawn
                | S::TransferredOut
                | S::Deceased
                | S::ExceptionGranted
                | S::MentorAssigned
        );
        let since = s.dates.paused.map(dmy).unwrap_or_default();
        return (!allowed).then(|| {
            (
                format!("Hồ sơ đang tạm dừng từ {since}; phải ghi nhận tiếp tục trước"),
                format!("The case is paused since {since}; record its resumption first"),
            )
        });
    }
    if stage == Stage::TransferredOut {
        let since = s.dates.transferred_out.map(dmy).unwrap_or_default();
        return (step != S::Deceased).then(|| {
            (
                format!("Hồ sơ đã chuyển đi ngày {since}; phải ghi nhận chuyển đến trước"),
                format!(
                    "The case was transferred out on {since}; record the transfer back in first"
                ),
            )
        });
    }
    if once(step)
        && let Some(on) = s.step_date(step)
    {
        return Some((
            format!(
                "Bước \"{}\" đã được ghi nhận ngày {}; muốn sửa thì ghi nhận một đính chính",
                step.label_vi(),
                dmy(on)
            ),
            format!(
                "The {} was already recorded on {}; record a correction to change it",
                step.label_en(),
                dmy(on)
            ),
        ));
    }
    let voted = s.dates.branch_vote.map(dmy).unwrap_or_default();
    match step {
        S::CourseCompleted
        | S::ApplicationSubmitted
        | S::HistorySubmitted
        | S::HistoryVerified
        | S::Introduced
        | S::CommentsCollected
        | S::ReAdmissionApproved
            if stage >= Stage::BranchApproved =>
        {
            Some((
                format!(
                    "Chi bộ đã xét đề nghị kết nạp ngày {voted}; không thể bổ sung bước \"{}\"",
                    step.label_vi()
                ),
                format!(
                    "The branch already voted on {voted}; a {} cannot be added now",
                    step.label_en()
                ),
            ))
        }
        S::HistoryVerified if s.verification.is_some_and(|v| v.ok) => Some((
            "Lý lịch đã được thẩm tra với kết luận đạt".to_string(),
            "The history was already verified with a positive conclusion".to_string(),
        )),
        S::Withdrawn | S::Paused if stage >= Stage::Probationary => Some((
            format!(
                "Đảng viên dự bị không thể \"{}\"; dùng chuyển sinh hoạt hoặc không công nhận (xóa tên)",
                step.label_vi()
            ),
            format!(
                "A probationary member cannot have a {}; use a transfer or non-recognition (removal)",
                step.label_en()
            ),
        )),
        S::DocumentFiled => match ev {
            EventKind::DocumentFiled { doc } if !doc.is_filed_separately() => Some((
                format!(
                    "Tài liệu \"{}\" được ghi nhận cùng bước của nó, không nộp riêng",
                    doc.describe_vi()
                ),
                format!(
                    "The {} is recorded with its step, not filed separately",
                    doc.describe_en()
                ),
            )),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Refusal>) {
    let e = ctx.event;
    let s = ctx.before;
    let step = e.step();
    if step == StepKind::Retracted {
        return;
    }
    if let Some((vi, en)) = stage_refusal(step, &e.kind, s) {
        out.push(ctx.refuse(
            &STAGE,
            vec![
                ("step", step.as_str().to_string()),
                ("stage", s.stage.as_str().to_string()),
            ],
            vi,
            en,
        ));
    }
    if step == StepKind::CommitteeResolved && ctx.needs_committee == Some(false) {
        out.push(ctx.refuse(
            &COMMITTEE_STEP,
            vec![("branch_kind", "grassroots_branch".to_string())],
            "Chi bộ cơ sở không có đảng ủy cơ sở xét duyệt: nghị quyết của chi bộ cơ sở trình thẳng cấp ủy có thẩm quyền".to_string(),
            "A grassroots branch has no grassroots committee: its resolution goes straight to the deciding committee".to_string(),
        ));
    }
    let prereqs = prerequisites(step, ctx.needs_committee);
    // A prerequisite absent before the event but present in the case is dated after it: that
    // is order.not_before, not a missing step.
    let mut dated_after: Vec<(String, String, Date)> = vec![];
    let mut missing: Vec<Prereq> = vec![];
    for p in prereqs.iter().copied() {
        if prereq_date(p, s).is_some() {
            continue;
        }
        match prereq_date(p, ctx.whole) {
            Some(d) if d >= e.date => {
                let (vi, en) = describe(p, ctx.whole);
                dated_after.push((vi, en, d));
            }
            _ => missing.push(p),
        }
    }
    // A case that is paused or transferred is reported by order.stage alone.
    if !missing.is_empty() && !matches!(s.stage, Stage::Paused | Stage::TransferredOut) {
        let names: Vec<(String, String)> = missing.iter().map(|p| describe(*p, s)).collect();
        let codes: Vec<String> = missing
            .iter()
            .map(|p| match p {
                Prereq::Step(k) => k.as_str().to_string(),
                Prereq::VerifiedOk => "history_verified_ok".to_string(),
            })
            .collect();
        out.push(ctx.refuse(
            &REQUIRES,
            vec![
                ("step", step.as_str().to_string()),
                ("missing", codes.join(", ")),
            ],
            format!(
                "Chưa có bước trước: {} — phải có trước bước \"{}\"",
                names.iter().map(|n| n.0.as_str()).collect::<Vec<_>>().join(", "),
                step.label_vi()
            ),
            format!(
                "Missing before the {}: {}",
                step.label_en(),
                names.iter().map(|n| n.1.as_str()).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    // Dates never run backwards: the event is on or after each step it follows.
    let mut follows: Vec<(String, String, Date)> = prereqs
        .iter()
        .filter_map(|p| prereq_date(*p, s).map(|d| (describe(*p, s), d)))
        .map(|((vi, en), d)| (vi, en, d))
        .collect();
    // Recorded after it on the same day counts as after it (events order by date, then by
    // insertion).
    let forced = dated_after.iter().any(|(_, _, d)| *d == e.date);
    follows.extend(dated_after);
    if step == StepKind::BranchVoted
        && let Some(d) = s.dates.introductions_complete
    {
        follows.push((
            "giới thiệu người vào Đảng".into(),
            "the introductions".into(),
            d,
        ));
    }
    if step == StepKind::AdmissionDecided
        && let Some(d) = s.dates.committee_resolution
    {
        follows.push((
            StepKind::CommitteeResolved.label_vi().into(),
            StepKind::CommitteeResolved.label_en().into(),
            d,
        ));
    }
    if step == StepKind::CeremonyHeld
        && let Some(d) = s.dates.decision_received
    {
        follows.push((
            "ngày nhận quyết định kết nạp".into(),
            "the receipt of the admission decision".into(),
            d,
        ));
    }
    if let Some((vi, en, d)) = follows
        .into_iter()
        .filter(|(_, _, d)| e.date < *d || (forced && e.date == *d))
        .max_by_key(|(_, _, d)| *d)
    {
        out.push(ctx.refuse(
            &NOT_BEFORE,
            vec![
                ("step", step.as_str().to_string()),
                ("date", dmy(e.date)),
                ("previous_step_date", dmy(d)),
            ],
            format!(
                "Ngày {} của bước \"{}\" trước ngày {} của bước {}",
                dmy(e.date),
                step.label_vi(),
                dmy(d),
                vi
            ),
            format!(
                "The {} dated {} is before the {} of {}",
                step.label_en(),
                dmy(e.date),
                en,
                dmy(d)
            ),
        ));
    }
    if let EventKind::AdmissionDecided {
        received: Some(r), ..
    } = &e.kind
        && *r < e.date
    {
        out.push(ctx.refuse(
            &NOT_BEFORE,
            vec![("decision_date", dmy(e.date)), ("received", dmy(*r))],
            format!(
                "Ngày nhận quyết định {} trước ngày ký quyết định {}",
                dmy(*r),
                dmy(e.date)
            ),
            format!(
                "The decision is recorded as received on {}, before it was signed on {}",
                dmy(*r),
                dmy(e.date)
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::pipeline::events::{Event, EventKind};
    use crate::pipeline::rules::check;
    use crate::pipeline::testkit::{
        d, facts, grassroots_branch_facts, happy_path, rule_ids, step_index,
    };

    fn refused(events: &[Event], e: &Event) -> Vec<&'static str> {
        let s = CaseState::derive(events);
        rule_ids(check(e, &s, &facts(), &Calendar::shipped()))
    }

    #[test]
    fn each_step_needs_the_previous_ones() {
        let events = happy_path(d(2023, 3, 1));
        // Every event of the happy path is refused with order.requires on an empty case, except
        // the source listing.
        for e in &events[1..] {
            let ids = refused(&[], e);
            assert!(ids.contains(&"order.requires"), "{:?}: {ids:?}", e.step());
        }
        assert_eq!(refused(&[], &events[0]), Vec::<&str>::new());
        // The branch vote names what is missing.
        let vote = step_index(&events, StepKind::BranchVoted);
        let without_comments: Vec<Event> = events[..vote]
            .iter()
            .filter(|e| e.step() != StepKind::CommentsCollected)
            .cloned()
            .collect();
        let s = CaseState::derive(&without_comments);
        let err = check(&events[vote], &s, &facts(), &Calendar::shipped()).err();
        let r = err
            .as_ref()
            .and_then(|v| v.iter().find(|r| r.rule_id == "order.requires"));
        assert!(
            r.is_some_and(|r| r.message_en.contains("comments collected (5-KNĐ)")),
            "{r:?}"
        );
    }

    #[test]
    fn not_before_the_previous_step_both_sides() {
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::HistorySubmitted);
        let app = events[step_index(&events, StepKind::ApplicationSubmitted)].date;
        let mut same_day = events[i].clone();
        same_day.date = app;
        assert!(!refused(&events[..i], &same_day).contains(&"order.not_before"));
        let mut day_before = events[i].clone();
        day_before.date = app.pred_opt().unwrap_or(app);
        assert_eq!(refused(&events[..i], &day_before), vec!["order.not_before"]);
    }

    #[test]
    fn stage_refusals() {
        let events = happy_path(d(2023, 3, 1));
        let vote = step_index(&events, StepKind::BranchVoted);
        // A second application.
        let mut again = events[step_index(&events, StepKind::ApplicationSubmitted)].clone();
        again.id = 999;
        again.seq = 999;
        again.date = events[vote - 1].date;
        assert_eq!(refused(&events[..vote], &again), vec!["order.stage"]);
        // Withdrawal of a probationary member.
        let cer = step_index(&events, StepKind::CeremonyHeld);
        let w = Event::new(998, 998, events[cer].date, EventKind::Withdrawn, "x");
        assert_eq!(refused(&events[..=cer], &w), vec!["order.stage"]);
        // Anything after the recognition.
        let last = events.len() - 1;
        let p = Event::new(997, 997, events[last].date, EventKind::Paused, "x");
        assert_eq!(refused(&events, &p), vec!["order.stage"]);
        // A second listing.
        let mut l = events[0].clone();
        l.id = 996;
        l.seq = 996;
        assert_eq!(refused(&events[..3], &l), vec!["order.stage"]);
    }

    #[test]
    fn paused_case_blocks_steps_until_resumed() {
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::HistorySubmitted);
        let mut s = CaseState::derive(&events[..i]);
        let p = Event::new(800, 800, events[i - 1].date, EventKind::Paused, "x");
        s = s.apply(p);
        let mut next = events[i].clone();
        next.date = events[i - 1].date.succ_opt().unwrap_or(next.date);
        let ids = rule_ids(check(&next, &s, &facts(), &Calendar::shipped()));
        assert_eq!(ids, vec!["order.stage"]);
        let r = Event::new(801, 801, next.date, EventKind::Resumed, "x");
        assert!(check(&r, &s, &facts(), &Calendar::shipped()).is_ok());
        s = s.apply(r);
        next.seq = 802;
        assert!(check(&next, &s, &facts(), &Calendar::shipped()).is_ok());
    }

    #[test]
    fn committee_step_only_under_a_grassroots_committee() {
        let events = happy_path(d(2023, 3, 1));
        let c = step_index(&events, StepKind::CommitteeResolved);
        let s = CaseState::derive(&events[..c]);
        let ids = rule_ids(check(
            &events[c],
            &s,
            &grassroots_branch_facts(),
            &Calendar::shipped(),
        ));
        assert_eq!(ids, vec!["order.committee_step"]);
        // A grassroots branch goes from the vote to the decision.
        let dec = step_index(&events, StepKind::AdmissionDecided);
        assert!(
            check(
                &events[dec],
                &s,
                &grassroots_branch_facts(),
                &Calendar::shipped()
            )
            .is_ok()
        );
        // A subordinate branch cannot.
        let ids = rule_ids(check(&events[dec], &s, &facts(), &Calendar::shipped()));
        assert_eq!(ids, vec!["order.requires"]);
    }

    #[test]
    fn back_dating_must_not_break_later_events() {
        let events = happy_path(d(2023, 3, 1));
        let vote = step_index(&events, StepKind::BranchVoted);
        let s = CaseState::derive(&events[..=vote]);
        // Withdrawal dated before the vote: the vote would follow a withdrawal.
        let w = Event::new(
            700,
            700,
            events[vote].date.pred_opt().unwrap_or(events[vote].date),
            EventKind::Withdrawn,
            "x",
        );
        let err = check(&w, &s, &facts(), &Calendar::shipped()).err();
        let r = err.as_ref().and_then(|v| v.first());
        assert_eq!(r.map(|r| r.rule_id), Some("order.stage"));
        assert_eq!(r.and_then(|r| r.event_id), Some(events[vote].id));
        // Retracting the application while the vote stands.
        let app = &events[step_index(&events, StepKind::ApplicationSubmitted)];
        let mut x = Event::new(701, 701, app.date, EventKind::Retracted, "x");
        x.corrects = Some(app.id);
        x.reason = Some("entered for the wrong person".into());
        let err = check(&x, &s, &facts(), &Calendar::shipped()).err();
        assert!(
            err.as_ref()
                .is_some_and(|v| v.iter().all(|r| r.event_id.is_some())),
            "{err:?}"
        );
    }
}
