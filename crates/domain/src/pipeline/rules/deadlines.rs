//! Thời hạn — time limits in working days (ngày làm việc, [`Calendar`]) and months.
//!
//! - Ceremony within 30 working days of receiving the admission decision; later only with the
//!   consent of the committee directly above (QĐ 29/24 point 4.1) — `deadline.ceremony`.
//! - Probation is 12 months from the ceremony (Charter Art. 5 clause 1); the branch considers
//!   recognition only once they have passed — `probation.twelve_months` — and within 30 working
//!   days after (point 4.2 a / 4.2.1) — `deadline.recognition`. The member is official from the
//!   end of probation even when the branch or the committee is late (point 4.2 b / 4.2.2).
//! - The competent committee decides admission within 60 working days of the branch
//!   resolution (extendable by at most 30), and recognition within 30 working days (point
//!   4.3.1) — `deadline.decision`, `deadline.recognition_decision`: these bind the committee,
//!   not the candidate, so they feed the due list and never refuse an event.
//!
//! "Within N working days from day D" counts from the day after D; the N-th working day is the
//! last one allowed ([`Calendar::add_working_days`]).

use super::{Ctx, Refusal, RuleSet, RuleTemplate, Source, dmy};
use crate::calendar::Calendar;
use crate::dates::Date;
use crate::pipeline::events::{CommitteeLevel, StepKind};
use crate::pipeline::state::CaseState;

pub const CEREMONY: RuleTemplate = RuleTemplate {
    id: "deadline.ceremony",
    source: Source::Implementing,
    article_2016: "điểm 4.1 (Điều lệ Điều 5 khoản 1)",
    article_2021: "điểm 4.1 (Điều lệ Điều 5 khoản 1)",
    title_vi: "Chi bộ tổ chức lễ kết nạp trong 30 ngày làm việc kể từ ngày nhận quyết định; quá hạn phải được cấp ủy cấp trên trực tiếp đồng ý",
    title_en: "The branch holds the ceremony within 30 working days of receiving the decision; later needs the consent of the committee directly above",
};

pub const PROBATION: RuleTemplate = RuleTemplate {
    id: "probation.twelve_months",
    source: Source::Charter,
    article_2016: "Điều 5 khoản 1; Quy định 29-QĐ/TW điểm 4.2",
    article_2021: "Điều 5 khoản 1; Quy định thi hành Điều lệ điểm 4.2",
    title_vi: "Thời kỳ dự bị 12 tháng tính từ ngày lễ kết nạp; chi bộ xét công nhận chính thức sau khi hết 12 tháng",
    title_en: "Probation is 12 months from the ceremony; the branch considers recognition only after they have passed",
};

pub const RECOGNITION: RuleTemplate = RuleTemplate {
    id: "deadline.recognition",
    source: Source::Implementing,
    article_2016: "điểm 4.2 a",
    article_2021: "điểm 4.2.1",
    title_vi: "Trong 30 ngày làm việc kể từ ngày hết 12 tháng dự bị, chi bộ phải xét công nhận chính thức",
    title_en: "Within 30 working days after the 12 months of probation the branch must consider recognition",
};

pub const DECISION: RuleTemplate = RuleTemplate {
    id: "deadline.decision",
    source: Source::Implementing,
    article_2016: "điểm 4.3.1",
    article_2021: "điểm 4.3.1",
    title_vi: "Cấp ủy có thẩm quyền quyết định kết nạp trong 60 ngày làm việc kể từ ngày chi bộ có nghị quyết (gia hạn tối đa 30 ngày làm việc)",
    title_en: "The competent committee decides admission within 60 working days of the branch resolution (extendable by at most 30)",
};

pub const RECOGNITION_DECISION: RuleTemplate = RuleTemplate {
    id: "deadline.recognition_decision",
    source: Source::Implementing,
    article_2016: "điểm 4.3.1",
    article_2021: "điểm 4.3.1",
    title_vi: "Cấp ủy có thẩm quyền quyết định công nhận chính thức trong 30 ngày làm việc kể từ ngày chi bộ có nghị quyết",
    title_en: "The competent committee decides recognition within 30 working days of the branch resolution",
};

/// Who may allow a late ceremony (cấp ủy cấp trên trực tiếp).
pub const CEREMONY_EXCEPTION_LEVEL: CommitteeLevel = CommitteeLevel::DirectSuperior;
/// Who may record a late recognition vote (no approval is written in the regulations: ketnap
/// asks for the grassroots committee's, so that lateness is explained, never silent).
pub const RECOGNITION_EXCEPTION_LEVEL: CommitteeLevel = CommitteeLevel::GrassrootsCommittee;

/// Last day for the ceremony: 30 working days after the decision was received.
pub fn ceremony_deadline(s: &CaseState, cal: &Calendar) -> Option<Date> {
    let r = s.dates.decision_received?;
    Some(cal.add_working_days(r, RuleSet::for_date(r).params.ceremony_working_days))
}

/// Last day for the recognition vote: 30 working days after probation ends.
pub fn recognition_deadline(s: &CaseState, cal: &Calendar) -> Option<Date> {
    let p = s.dates.probation_end?;
    Some(cal.add_working_days(p, RuleSet::for_date(p).params.recognition_working_days))
}

/// Last day for the admission decision: 60 working days after the branch resolution.
pub fn decision_deadline(s: &CaseState, cal: &Calendar) -> Option<Date> {
    let v = s.dates.branch_vote?;
    Some(cal.add_working_days(v, RuleSet::for_date(v).params.decision_working_days))
}

/// Last day for the recognition decision: 30 working days after the branch's recognition vote.
pub fn recognition_decision_deadline(s: &CaseState, cal: &Calendar) -> Option<Date> {
    let v = s.dates.recognition_vote?;
    Some(
        cal.add_working_days(
            v,
            RuleSet::for_date(v)
                .params
                .recognition_decision_working_days,
        ),
    )
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Refusal>) {
    let e = ctx.event;
    let s = ctx.before;
    match e.step() {
        StepKind::CeremonyHeld => {
            let (Some(received), Some(last)) =
                (s.dates.decision_received, ceremony_deadline(s, ctx.cal))
            else {
                return;
            };
            if e.date <= last
                || ctx
                    .exception(CEREMONY.id, CEREMONY_EXCEPTION_LEVEL)
                    .is_some()
            {
                return;
            }
            let n = ctx.cal.working_days_between(received, e.date);
            out.push(ctx.refuse(
                &CEREMONY,
                vec![
                    ("decision_received", dmy(received)),
                    ("last_day", dmy(last)),
                    ("ceremony_date", dmy(e.date)),
                    ("working_days", n.to_string()),
                ],
                format!(
                    "Lễ kết nạp ngày {} là ngày làm việc thứ {n} kể từ ngày nhận quyết định {}; hạn cuối {} (30 ngày làm việc). Quá hạn phải được cấp ủy cấp trên trực tiếp đồng ý (ghi nhận ngoại lệ)",
                    dmy(e.date),
                    dmy(received),
                    dmy(last)
                ),
                format!(
                    "The ceremony on {} is working day {n} after the decision was received on {}; the last day was {} (30 working days). Later needs the consent of the committee directly above (record the exception)",
                    dmy(e.date),
                    dmy(received),
                    dmy(last)
                ),
            ));
        }
        StepKind::RecognitionVoted => {
            let (Some(ceremony), Some(end)) = (s.dates.ceremony, s.dates.probation_end) else {
                return;
            };
            if e.date < end {
                out.push(ctx.refuse(
                    &PROBATION,
                    vec![
                        ("ceremony_date", dmy(ceremony)),
                        ("probation_end", dmy(end)),
                        ("vote_date", dmy(e.date)),
                    ],
                    format!(
                        "Chưa hết 12 tháng dự bị: lễ kết nạp ngày {}, hết dự bị ngày {}; chi bộ xét ngày {} là quá sớm",
                        dmy(ceremony),
                        dmy(end),
                        dmy(e.date)
                    ),
                    format!(
                        "Probation has not ended: ceremony {}, probation ends {}; a recognition vote on {} is too early",
                        dmy(ceremony),
                        dmy(end),
                        dmy(e.date)
                    ),
                ));
                return;
            }
            let Some(last) = recognition_deadline(s, ctx.cal) else {
                return;
            };
            if e.date <= last
                || ctx
                    .exception(RECOGNITION.id, RECOGNITION_EXCEPTION_LEVEL)
                    .is_some()
            {
                return;
            }
            let n = ctx.cal.working_days_between(end, e.date);
            out.push(ctx.refuse(
                &RECOGNITION,
                vec![
                    ("probation_end", dmy(end)),
                    ("last_day", dmy(last)),
                    ("vote_date", dmy(e.date)),
                    ("working_days", n.to_string()),
                ],
                format!(
                    "Chi bộ xét công nhận ngày {} là ngày làm việc thứ {n} sau khi hết dự bị ({}); hạn cuối {} (30 ngày làm việc). Ghi nhận lý do chậm (ngoại lệ) trước",
                    dmy(e.date),
                    dmy(end),
                    dmy(last)
                ),
                format!(
                    "The recognition vote on {} is working day {n} after probation ended on {}; the last day was {} (30 working days). Record the reason for the delay (an exception) first",
                    dmy(e.date),
                    dmy(end),
                    dmy(last)
                ),
            ));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::events::{Event, EventKind};
    use crate::pipeline::rules::check;
    use crate::pipeline::testkit::{
        d, facts, happy_path, happy_path_until_decision, rule_ids, step_index,
    };

    fn ceremony_on(
        decided: Date,
        day: Date,
        exception: Option<CommitteeLevel>,
    ) -> Vec<&'static str> {
        let events = happy_path_until_decision(decided);
        let mut s = CaseState::derive(&events);
        if let Some(level) = exception {
            s = s.apply(Event::new(
                900,
                900,
                decided,
                EventKind::ExceptionGranted {
                    rule_id: "deadline.ceremony".into(),
                    approved_by: "Ban Thường vụ Huyện ủy".into(),
                    level,
                    basis: "Công văn 45-CV/HU".into(),
                },
                "x",
            ));
        }
        let c = Event::new(901, 901, day, EventKind::CeremonyHeld, "x");
        rule_ids(check(&c, &s, &facts(), &Calendar::shipped()))
    }

    #[test]
    fn ceremony_within_thirty_working_days_across_tet() {
        // Decision received Fri 26/01/2024; Tết 2024 took five working days (8–14/2).
        let decided = d(2024, 1, 26);
        let cal = Calendar::shipped();
        let last = cal.add_working_days(decided, 30);
        assert_eq!(last, d(2024, 3, 15));
        assert!(
            ceremony_on(decided, last, None).is_empty(),
            "last allowed day"
        );
        // The next working day (Monday 18/03/2024) is late.
        assert_eq!(
            ceremony_on(decided, d(2024, 3, 18), None),
            vec!["deadline.ceremony"]
        );
        // Counting calendar days only or ignoring Tết would have cut a week short:
        assert!(ceremony_on(decided, d(2024, 3, 11), None).is_empty());
        // Late with the consent of the committee directly above.
        assert!(
            ceremony_on(
                decided,
                d(2024, 3, 18),
                Some(CommitteeLevel::DirectSuperior)
            )
            .is_empty()
        );
        assert_eq!(
            ceremony_on(decided, d(2024, 3, 18), Some(CommitteeLevel::Branch)),
            vec!["deadline.ceremony"]
        );
    }

    #[test]
    fn retracting_the_exception_behind_a_late_ceremony_is_refused() {
        let decided = d(2024, 1, 26);
        let mut events = happy_path_until_decision(decided);
        events.push(Event::new(
            900,
            900,
            decided,
            EventKind::ExceptionGranted {
                rule_id: "deadline.ceremony".into(),
                approved_by: "Ban Thường vụ Huyện ủy".into(),
                level: CommitteeLevel::DirectSuperior,
                basis: "Công văn 45-CV/HU".into(),
            },
            "x",
        ));
        events.push(Event::new(
            901,
            901,
            d(2024, 3, 25),
            EventKind::CeremonyHeld,
            "x",
        ));
        let s = CaseState::derive(&events);
        assert_eq!(s.stage, crate::pipeline::Stage::Probationary);
        let mut x = Event::new(902, 902, d(2024, 3, 26), EventKind::Retracted, "x");
        x.corrects = Some(900);
        x.reason = Some("nhập nhầm".into());
        let err = check(&x, &s, &facts(), &Calendar::shipped()).err();
        let r = err.as_ref().and_then(|v| v.first());
        assert_eq!(
            r.map(|r| (r.rule_id, r.event_id)),
            Some(("deadline.ceremony", Some(901)))
        );
        assert!(
            r.is_some_and(|r| r.message_en.starts_with("Later event #901")),
            "{r:?}"
        );
    }

    #[test]
    fn ceremony_refusal_facts() {
        let decided = d(2024, 1, 26);
        let events = happy_path_until_decision(decided);
        let s = CaseState::derive(&events);
        let c = Event::new(901, 901, d(2024, 3, 18), EventKind::CeremonyHeld, "x");
        let err = check(&c, &s, &facts(), &Calendar::shipped()).err();
        let Some(r) = err.as_ref().and_then(|v| v.first()) else {
            panic!("late ceremony accepted")
        };
        assert!(r.message_en.contains("working day 31"), "{}", r.message_en);
        assert!(r.message_vi.contains("15/03/2024"), "{}", r.message_vi);
        assert!(r.facts.contains(&("last_day".into(), "15/03/2024".into())));
    }

    #[test]
    fn recognition_after_twelve_months_and_within_thirty_working_days() {
        let events = happy_path(d(2022, 11, 1));
        let i = step_index(&events, StepKind::RecognitionVoted);
        let s = CaseState::derive(&events[..i]);
        let cal = Calendar::shipped();
        let Some(end) = s.dates.probation_end else {
            panic!("no probation")
        };
        assert_eq!(
            s.dates.ceremony.map(|c| crate::calendar::add_months(c, 12)),
            Some(end)
        );
        let run = |day: Date| {
            let mut e = events[i].clone();
            e.date = day;
            rule_ids(check(&e, &s, &facts(), &cal))
        };
        let Some(last) = recognition_deadline(&s, &cal) else {
            panic!("no deadline")
        };
        assert!(run(end).is_empty(), "on the day probation ends");
        assert_eq!(
            run(end.pred_opt().unwrap_or(end)),
            vec!["probation.twelve_months"]
        );
        assert!(run(last).is_empty(), "last allowed day");
        let mut next = last.succ_opt().unwrap_or(last);
        while !cal.is_working_day(next) {
            next = next.succ_opt().unwrap_or(next);
        }
        assert_eq!(run(next), vec!["deadline.recognition"]);
    }
}
