//! Việc đến hạn — what is due for a case on a date: the next steps (with their deadline where
//! the regulations set one, in working days via [`Calendar`] or in months), what is overdue,
//! stalled cases (no event for N months) and certificates about to expire before the vote.
//! Pure: the same state, date and calendar give the same list.

use serde::Serialize;

use super::events::StepKind;
use super::rules::{certificate, deadlines, dmy, order};
use super::state::{CaseState, Stage};
use crate::calendar::{Calendar, add_months};
use crate::dates::Date;

crate::code_enum!(
    /// Loại việc đến hạn — kind of a due item.
    DueKind {
        /// Bước tiếp theo — a step still to take, without a legal time limit.
        NextStep = "next_step" / "Bước tiếp theo",
        /// Quyết định kết nạp — the competent committee's decision (60 working days).
        Decision = "decision" / "Quyết định kết nạp",
        /// Lễ kết nạp — within 30 working days of receiving the decision.
        Ceremony = "ceremony" / "Lễ kết nạp",
        /// Lớp bồi dưỡng đảng viên mới — before the recognition vote.
        NewMemberCourse = "new_member_course" / "Lớp bồi dưỡng đảng viên mới",
        /// Xét công nhận chính thức — within 30 working days after probation.
        RecognitionVote = "recognition_vote" / "Xét công nhận đảng viên chính thức",
        /// Quyết định công nhận — within 30 working days of the branch resolution.
        RecognitionDecision = "recognition_decision" / "Quyết định công nhận đảng viên chính thức",
        /// Giấy chứng nhận sắp hết hạn — the awareness certificate expires before a vote is held.
        CertificateExpiring = "certificate_expiring" / "Giấy chứng nhận sắp hết hạn",
        /// Giấy chứng nhận đã hết hạn — the course must be taken again before the vote.
        CertificateExpired = "certificate_expired" / "Giấy chứng nhận đã hết hạn",
        /// Hồ sơ không có hoạt động — no event for N months.
        Stalled = "stalled" / "Hồ sơ không có hoạt động",
    }
);

/// Một việc đến hạn — one thing due for a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DueItem {
    pub kind: DueKind,
    /// The step it concerns, where there is one.
    pub step: Option<StepKind>,
    /// The last day allowed (or, for a stalled case, the day it became stalled); `None` when the
    /// regulations set no limit.
    pub due_date: Option<Date>,
    pub overdue: bool,
    /// The rule that sets the limit.
    pub rule_id: Option<&'static str>,
    pub message_vi: String,
    pub message_en: String,
}

/// Parameters of the due list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueOptions {
    /// A case with no event for this many months is stalled (0: never).
    pub stall_months: u32,
    /// Warn this many days before the awareness certificate stops counting.
    pub certificate_warning_days: u32,
}

impl Default for DueOptions {
    fn default() -> Self {
        DueOptions {
            stall_months: 6,
            certificate_warning_days: 90,
        }
    }
}

/// What is due for the case on `today` (certificate warning 90 days ahead).
pub fn due_items(
    state: &CaseState,
    today: Date,
    cal: &Calendar,
    stall_months: u32,
) -> Vec<DueItem> {
    due_items_with(
        state,
        today,
        cal,
        &DueOptions {
            stall_months,
            ..DueOptions::default()
        },
    )
}

/// [`due_items`] with every parameter.
pub fn due_items_with(
    state: &CaseState,
    today: Date,
    cal: &Calendar,
    opts: &DueOptions,
) -> Vec<DueItem> {
    let mut out = vec![];
    let stage = state.stage;
    if stage.is_closed() || matches!(stage, Stage::NotStarted | Stage::TransferredOut) {
        return out;
    }
    if let Some(last) = state.last_event
        && opts.stall_months > 0
    {
        let since = add_months(last, opts.stall_months);
        if today >= since {
            let paused = if stage == Stage::Paused {
                (" (đang tạm dừng)", " (paused)")
            } else {
                ("", "")
            };
            out.push(DueItem {
                kind: DueKind::Stalled,
                step: None,
                due_date: Some(since),
                overdue: true,
                rule_id: None,
                message_vi: format!(
                    "Không có hoạt động từ {} (quá {} tháng){}",
                    dmy(last),
                    opts.stall_months,
                    paused.0
                ),
                message_en: format!(
                    "No event since {} (over {} months){}",
                    dmy(last),
                    opts.stall_months,
                    paused.1
                ),
            });
        }
    }
    if stage == Stage::Paused {
        return out;
    }
    if stage < Stage::BranchApproved {
        before_vote(state, today, opts, &mut out);
    }
    let deadline = |kind: DueKind,
                    step: StepKind,
                    rule: &'static str,
                    due: Date,
                    since_vi: String,
                    since_en: String,
                    excused: bool,
                    out: &mut Vec<DueItem>| {
        let late = today > due;
        let overdue = late && !excused;
        let (late_vi, late_en) = match (late, excused) {
            (true, false) => (" — đã quá hạn", " — overdue"),
            (true, true) => (" — quá hạn đã được cho phép", " — late, exception recorded"),
            _ => ("", ""),
        };
        out.push(DueItem {
            kind,
            step: Some(step),
            due_date: Some(due),
            overdue,
            rule_id: Some(rule),
            message_vi: format!(
                "{}: hạn cuối {} ({since_vi}){late_vi}",
                step.label_vi(),
                dmy(due)
            ),
            message_en: format!(
                "{}: due by {} ({since_en}){late_en}",
                step.label_en(),
                dmy(due)
            ),
        });
    };
    match stage {
        Stage::BranchApproved | Stage::CommitteeApproved => {
            if let (Some(due), Some(v)) = (
                deadlines::decision_deadline(state, cal),
                state.dates.branch_vote,
            ) {
                let p = super::rules::RuleSet::for_date(v).params;
                deadline(
                    DueKind::Decision,
                    StepKind::AdmissionDecided,
                    deadlines::DECISION.id,
                    due,
                    format!(
                        "{} ngày làm việc từ nghị quyết chi bộ {}, gia hạn tối đa {} ngày làm việc",
                        p.decision_working_days,
                        dmy(v),
                        p.decision_extension_working_days
                    ),
                    format!(
                        "{} working days from the branch resolution of {}, extendable by at most {}",
                        p.decision_working_days,
                        dmy(v),
                        p.decision_extension_working_days
                    ),
                    false,
                    &mut out,
                );
            }
        }
        Stage::Admitted => {
            if let (Some(due), Some(r)) = (
                deadlines::ceremony_deadline(state, cal),
                state.dates.decision_received,
            ) {
                let excused = state.exception_for(deadlines::CEREMONY.id).is_some();
                deadline(
                    DueKind::Ceremony,
                    StepKind::CeremonyHeld,
                    deadlines::CEREMONY.id,
                    due,
                    format!("30 ngày làm việc từ ngày nhận quyết định {}", dmy(r)),
                    format!("30 working days from receiving the decision on {}", dmy(r)),
                    excused,
                    &mut out,
                );
            }
        }
        Stage::Probationary => {
            let end = state.dates.probation_end;
            if state.dates.new_member_course.is_none()
                && let Some(end) = end
            {
                deadline(
                    DueKind::NewMemberCourse,
                    StepKind::NewMemberCourseCompleted,
                    deadlines::PROBATION.id,
                    end,
                    "cần có trước khi xét công nhận chính thức".into(),
                    "needed before the recognition vote".into(),
                    false,
                    &mut out,
                );
            }
            match (state.dates.recognition_vote, end) {
                (None, Some(end)) => {
                    if let Some(due) = deadlines::recognition_deadline(state, cal) {
                        let excused = state.exception_for(deadlines::RECOGNITION.id).is_some();
                        deadline(
                            DueKind::RecognitionVote,
                            StepKind::RecognitionVoted,
                            deadlines::RECOGNITION.id,
                            due,
                            format!(
                                "hết 12 tháng dự bị ngày {}, trong 30 ngày làm việc",
                                dmy(end)
                            ),
                            format!("probation ends {}, then within 30 working days", dmy(end)),
                            excused,
                            &mut out,
                        );
                    }
                }
                (Some(v), _) => {
                    if let Some(due) = deadlines::recognition_decision_deadline(state, cal) {
                        deadline(
                            DueKind::RecognitionDecision,
                            StepKind::RecognitionDecided,
                            deadlines::RECOGNITION_DECISION.id,
                            due,
                            format!("30 ngày làm việc từ nghị quyết chi bộ {}", dmy(v)),
                            format!("30 working days from the branch resolution of {}", dmy(v)),
                            false,
                            &mut out,
                        );
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
    out.sort_by_key(|i| (i.due_date.is_none(), i.due_date, i.kind));
    out
}

/// Items before the branch vote: the certificate's validity and the steps still missing.
fn before_vote(state: &CaseState, today: Date, opts: &DueOptions, out: &mut Vec<DueItem>) {
    if let Some(c) = &state.certificate {
        let expires = certificate::expires(c.issued);
        let last = certificate::last_valid_day(c.issued);
        if today >= expires {
            out.push(DueItem {
                kind: DueKind::CertificateExpired,
                step: Some(StepKind::CourseCompleted),
                due_date: Some(last),
                overdue: true,
                rule_id: Some(certificate::VALID.id),
                message_vi: format!(
                    "Giấy chứng nhận số {} cấp ngày {} đã hết hạn ngày {}: phải học lại lớp bồi dưỡng nhận thức về Đảng trước khi chi bộ xét",
                    c.number,
                    dmy(c.issued),
                    dmy(expires)
                ),
                message_en: format!(
                    "Certificate {} issued {} expired {}: the awareness course must be taken again before the branch vote",
                    c.number,
                    dmy(c.issued),
                    dmy(expires)
                ),
            });
        } else if (expires - today).num_days() <= i64::from(opts.certificate_warning_days) {
            out.push(DueItem {
                kind: DueKind::CertificateExpiring,
                step: Some(StepKind::BranchVoted),
                due_date: Some(last),
                overdue: false,
                rule_id: Some(certificate::VALID.id),
                message_vi: format!(
                    "Giấy chứng nhận số {} hết hạn ngày {}: chi bộ phải xét kết nạp chậm nhất ngày {}",
                    c.number,
                    dmy(expires),
                    dmy(last)
                ),
                message_en: format!(
                    "Certificate {} expires {}: the branch must vote by {}",
                    c.number,
                    dmy(expires),
                    dmy(last)
                ),
            });
        }
    }
    let mut next: Vec<StepKind> = order::prerequisites(StepKind::BranchVoted, None)
        .into_iter()
        .filter_map(|p| match p {
            order::Prereq::Step(k) => (!state.has_step(k)).then_some(k),
            order::Prereq::VerifiedOk => {
                (!state.verification.is_some_and(|v| v.ok)).then_some(StepKind::HistoryVerified)
            }
        })
        .collect();
    if !state.introductions_complete() {
        next.push(StepKind::Introduced);
    }
    next.sort();
    next.dedup();
    if next.is_empty() {
        next.push(StepKind::BranchVoted);
    }
    for step in next {
        out.push(DueItem {
            kind: DueKind::NextStep,
            step: Some(step),
            due_date: None,
            overdue: false,
            rule_id: None,
            message_vi: format!("Bước tiếp theo: {}", step.label_vi()),
            message_en: format!("Next step: {}", step.label_en()),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::events::{Event, EventKind};
    use crate::pipeline::testkit::{d, happy_path, happy_path_until_decision, step_index};

    fn kinds(v: &[DueItem]) -> Vec<(DueKind, bool)> {
        v.iter().map(|i| (i.kind, i.overdue)).collect()
    }

    #[test]
    fn ceremony_due_across_tet() {
        let cal = Calendar::shipped();
        let s = CaseState::derive(&happy_path_until_decision(d(2024, 1, 26)));
        let on_last = due_items(&s, d(2024, 3, 15), &cal, 0);
        assert_eq!(kinds(&on_last), vec![(DueKind::Ceremony, false)]);
        assert_eq!(on_last[0].due_date, Some(d(2024, 3, 15)));
        let next_day = due_items(&s, d(2024, 3, 16), &cal, 0);
        assert_eq!(kinds(&next_day), vec![(DueKind::Ceremony, true)]);
        assert!(next_day[0].message_en.contains("overdue"));
        // With the consent of the committee above it is late but not overdue.
        let excused = s.apply(Event::new(
            900,
            900,
            d(2024, 3, 1),
            EventKind::ExceptionGranted {
                rule_id: "deadline.ceremony".into(),
                approved_by: "Ban Thường vụ Huyện ủy".into(),
                level: crate::pipeline::CommitteeLevel::DirectSuperior,
                basis: "CV 7".into(),
            },
            "x",
        ));
        let late = due_items(&excused, d(2024, 3, 16), &cal, 0);
        assert_eq!(kinds(&late), vec![(DueKind::Ceremony, false)]);
        assert!(late[0].message_en.contains("exception recorded"));
    }

    #[test]
    fn recognition_overdue_after_thirty_working_days() {
        let cal = Calendar::shipped();
        let events = happy_path(d(2022, 11, 1));
        let i = step_index(&events, StepKind::RecognitionVoted);
        let s = CaseState::derive(&events[..i]);
        let Some(last) = deadlines::recognition_deadline(&s, &cal) else {
            panic!("no deadline")
        };
        assert_eq!(
            kinds(&due_items(&s, last, &cal, 0)),
            vec![(DueKind::RecognitionVote, false)]
        );
        let after = last.succ_opt().unwrap_or(last);
        assert_eq!(
            kinds(&due_items(&s, after, &cal, 0)),
            vec![(DueKind::RecognitionVote, true)]
        );
        // Once the branch has voted, the committee's decision is due.
        let voted = CaseState::derive(&events[..=i]);
        assert_eq!(
            kinds(&due_items(&voted, events[i].date, &cal, 0)),
            vec![(DueKind::RecognitionDecision, false)]
        );
        // Official: nothing.
        assert!(due_items(&CaseState::derive(&events), after, &cal, 1).is_empty());
    }

    #[test]
    fn stalled_and_certificate_items() {
        let cal = Calendar::shipped();
        let events = happy_path(d(2019, 1, 7));
        let i = step_index(&events, StepKind::HistorySubmitted);
        let s = CaseState::derive(&events[..i]);
        let Some(last) = s.last_event else {
            panic!("no events")
        };
        // Not yet stalled one day before N months, stalled on the day.
        let n = 6;
        let stalled_on = add_months(last, n);
        let before = due_items(&s, stalled_on.pred_opt().unwrap_or(stalled_on), &cal, n);
        assert!(!before.iter().any(|x| x.kind == DueKind::Stalled));
        let on = due_items(&s, stalled_on, &cal, n);
        assert!(on.iter().any(|x| x.kind == DueKind::Stalled && x.overdue));
        // Next steps without a limit.
        assert!(
            on.iter()
                .any(|x| x.kind == DueKind::NextStep && x.step == Some(StepKind::HistorySubmitted))
        );
        assert!(
            on.iter()
                .any(|x| x.kind == DueKind::NextStep && x.step == Some(StepKind::Introduced))
        );
        // The certificate: warned within 90 days of expiry, expired after.
        let Some(issued) = s.certificate.as_ref().map(|c| c.issued) else {
            panic!("no certificate")
        };
        let x = certificate::expires(issued);
        let warn = due_items(&s, x - chrono::Days::new(90), &cal, 0);
        assert!(warn.iter().any(|i| i.kind == DueKind::CertificateExpiring
            && i.due_date == Some(certificate::last_valid_day(issued))));
        let quiet = due_items(&s, x - chrono::Days::new(91), &cal, 0);
        assert!(!quiet.iter().any(|i| i.kind == DueKind::CertificateExpiring));
        let gone = due_items(&s, x, &cal, 0);
        assert!(
            gone.iter()
                .any(|i| i.kind == DueKind::CertificateExpired && i.overdue)
        );
    }

    #[test]
    fn paused_case_only_stalls() {
        let cal = Calendar::shipped();
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::HistorySubmitted);
        let s = CaseState::derive(&events[..i]).apply(Event::new(
            800,
            800,
            events[i - 1].date,
            EventKind::Paused,
            "x",
        ));
        assert!(due_items(&s, events[i - 1].date, &cal, 3).is_empty());
        let later = add_months(events[i - 1].date, 3);
        assert_eq!(
            kinds(&due_items(&s, later, &cal, 3)),
            vec![(DueKind::Stalled, true)]
        );
    }

    #[test]
    fn decision_due_sixty_working_days_after_the_vote() {
        let cal = Calendar::shipped();
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::BranchVoted);
        let s = CaseState::derive(&events[..=i]);
        let items = due_items(&s, events[i].date, &cal, 0);
        assert_eq!(kinds(&items), vec![(DueKind::Decision, false)]);
        assert_eq!(
            items[0].due_date,
            Some(cal.add_working_days(events[i].date, 60))
        );
    }
}
