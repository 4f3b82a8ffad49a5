//! Tuổi đời — the applicant's age at the branch vote, counted in whole months
//! (Charter Art. 1 clause 2; QĐ 29-QĐ/TW point 1.1, QĐ 24-QĐ/TW point 1.1.1–1.1.2).
//!
//! "Đủ 18 tuổi đến đủ 60 tuổi (tính theo tháng) tại thời điểm chi bộ xét kết nạp": the age is
//! the number of whole months from the birth date to the vote ([`crate::dates::months_between`]),
//! so a person is 18 from the day they complete 216 months and stays "60" until they complete
//! 721 months. Admitting someone over 60 needs the written consent of the committee directly
//! under the Central Committee (provincial level) before the deciding committee decides
//! (HD 01-HD/TW point 1.1), recorded as an exception for `age.max`.

use super::{Ctx, Refusal, RuleTemplate, Source, dmy, years_months};
use crate::dates::{Date, months_between};
use crate::pipeline::events::{CommitteeLevel, StepKind};

pub const MIN: RuleTemplate = RuleTemplate {
    id: "age.min",
    source: Source::Implementing,
    article_2016: "điểm 1.1 a (Điều lệ Điều 1 khoản 2)",
    article_2021: "điểm 1.1.1 (Điều lệ Điều 1 khoản 2)",
    title_vi: "Tại thời điểm chi bộ xét kết nạp, người vào Đảng phải đủ 18 tuổi (tính theo tháng)",
    title_en: "When the branch considers admission the applicant must be 18 full years old, counted by month",
};

pub const MAX: RuleTemplate = RuleTemplate {
    id: "age.max",
    source: Source::Implementing,
    article_2016: "điểm 1.1 b; Hướng dẫn 01-HD/TW điểm 1.1",
    article_2021: "điểm 1.1.2; Hướng dẫn 01-HD/TW điểm 1.1 (confirm point)",
    title_vi: "Kết nạp người trên 60 tuổi (tính theo tháng) phải được cấp ủy trực thuộc Trung ương đồng ý bằng văn bản trước khi quyết định",
    title_en: "Admitting someone over 60 (counted by month) needs the written consent of the provincial-level committee before the decision",
};

/// Who must approve admitting someone over 60.
pub const OVER_60_LEVEL: CommitteeLevel = CommitteeLevel::Provincial;

/// The first day on which a person born on `birth` has completed `months` whole months.
pub fn completes_months(birth: Date, months: i32) -> Date {
    let m = u32::try_from(months.max(0)).unwrap_or(0);
    let c = crate::calendar::add_months(birth, m);
    if months_between(birth, c) < months {
        c.succ_opt().unwrap_or(c)
    } else {
        c
    }
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Refusal>) {
    let Some(facts) = ctx.facts else { return };
    let e = ctx.event;
    let p = ctx.params();
    let birth = facts.birth_date.as_ref().map(|b| *b.expose());
    match e.step() {
        StepKind::BranchVoted => {
            let Some(birth) = birth else {
                out.push(ctx.refuse(
                    &MIN,
                    vec![("birth_date", "unknown".into())],
                    "Chưa có ngày sinh của người vào Đảng: không tính được tuổi tại ngày chi bộ xét".into(),
                    "The applicant's birth date is not recorded: the age at the branch vote cannot be computed".into(),
                ));
                return;
            };
            let months = months_between(birth, e.date);
            if months < p.min_age_months {
                let (vi, en) = years_months(months);
                // The month only: the exact day would give the birth date away in a message
                // that may be shown or logged beyond the dossier.
                let from = completes_months(birth, p.min_age_months).format("%m/%Y");
                out.push(ctx.refuse(
                    &MIN,
                    vec![
                        ("age_months", months.to_string()),
                        ("branch_vote_date", dmy(e.date)),
                        ("eligible_from_month", from.to_string()),
                    ],
                    format!(
                        "Tại ngày chi bộ xét {} người vào Đảng mới {vi} (tính theo tháng), chưa đủ 18 tuổi; đủ 18 tuổi trong tháng {from}",
                        dmy(e.date)
                    ),
                    format!(
                        "On the branch vote {} the applicant is {en} old (counted by month), under 18; 18 in {from}",
                        dmy(e.date)
                    ),
                ));
            }
        }
        StepKind::AdmissionDecided => {
            let (Some(birth), Some(vote)) = (birth, ctx.before.dates.branch_vote) else {
                return;
            };
            let months = months_between(birth, vote);
            if months <= p.max_age_months {
                return;
            }
            let granted = ctx.before.exception_for(MAX.id);
            let store_ok = facts
                .over_60_approved_level
                .is_none_or(|l| l >= OVER_60_LEVEL);
            let ok = granted.is_some_and(|x| x.level >= OVER_60_LEVEL) && store_ok;
            if ok {
                return;
            }
            let (vi, en) = years_months(months);
            let level = granted.map(|x| x.level).or(facts.over_60_approved_level);
            let (have_vi, have_en) = match level {
                Some(l) => (
                    format!("chỉ có ý kiến của cấp \"{}\"", l.label_vi()),
                    format!("only the \"{}\" level approved it", l.as_str()),
                ),
                None => (
                    "chưa có văn bản đồng ý".to_string(),
                    "no written consent is on record".to_string(),
                ),
            };
            out.push(ctx.refuse(
                &MAX,
                vec![
                    ("age_months", months.to_string()),
                    ("branch_vote_date", dmy(vote)),
                    (
                        "approved_level",
                        level.map_or("none".to_string(), |l| l.as_str().to_string()),
                    ),
                ],
                format!(
                    "Người vào Đảng {vi} tại ngày chi bộ xét {} (trên 60 tuổi): phải được cấp ủy trực thuộc Trung ương đồng ý bằng văn bản trước khi quyết định kết nạp; {have_vi}",
                    dmy(vote)
                ),
                format!(
                    "The applicant was {en} old at the branch vote {} (over 60): the provincial-level committee must consent in writing before the decision; {have_en}",
                    dmy(vote)
                ),
            ));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::pipeline::events::{Event, EventKind};
    use crate::pipeline::rules::{Facts, check};
    use crate::pipeline::state::CaseState;
    use crate::pipeline::testkit::{d, facts, happy_path, rule_ids, step_index};
    use crate::sensitive::Sensitive;
    use chrono::Months;

    fn with_birth(b: Date) -> Facts {
        let mut f = facts();
        f.birth_date = Some(Sensitive::new(b));
        f
    }

    fn minus_months(x: Date, m: u32) -> Date {
        x.checked_sub_months(Months::new(m)).unwrap_or(x)
    }

    #[test]
    fn min_age_both_sides() {
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::BranchVoted);
        let vote = events[i].date;
        let s = CaseState::derive(&events[..i]);
        let cal = Calendar::shipped();
        let exactly_18 = minus_months(vote, 216);
        assert_eq!(months_between(exactly_18, vote), 216);
        let cases = [
            ("exactly 18 by month", exactly_18, true),
            (
                "18 years minus one day",
                exactly_18.succ_opt().unwrap_or(vote),
                false,
            ),
            ("18 years minus one month", minus_months(vote, 215), false),
            ("18 years and one month", minus_months(vote, 217), true),
        ];
        for (name, birth, ok) in cases {
            let r = check(&events[i], &s, &with_birth(birth), &cal);
            assert_eq!(r.is_ok(), ok, "{name}: {r:?}");
            if !ok {
                assert_eq!(rule_ids(r), vec!["age.min"], "{name}");
            }
        }
        let mut f = facts();
        f.birth_date = None;
        assert_eq!(rule_ids(check(&events[i], &s, &f, &cal)), vec!["age.min"]);
    }

    #[test]
    fn min_age_message_has_the_facts() {
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::BranchVoted);
        let vote = events[i].date;
        let s = CaseState::derive(&events[..i]);
        let birth = minus_months(vote, 215);
        let err = check(&events[i], &s, &with_birth(birth), &Calendar::shipped()).err();
        let Some(r) = err.as_ref().and_then(|v| v.first()) else {
            panic!("not refused")
        };
        assert!(
            r.message_vi.contains("17 tuổi 11 tháng"),
            "{}",
            r.message_vi
        );
        assert!(r.message_en.contains(&dmy(vote)), "{}", r.message_en);
        let month = completes_months(birth, 216).format("%m/%Y").to_string();
        assert!(r.message_en.contains(&month), "{}", r.message_en);
        assert!(r.regulation.contains("24-QĐ/TW") && r.article.contains("1.1.1"));
        assert!(
            !r.message_en.contains(&dmy(birth)),
            "the birth date itself stays out"
        );
        let day = dmy(completes_months(birth, 216));
        assert!(!r.message_vi.contains(&day) && !r.message_en.contains(&day));
    }

    #[test]
    fn completes_months_on_leap_day() {
        let birth = d(2008, 2, 29);
        let day = completes_months(birth, 216);
        assert_eq!(months_between(birth, day), 216);
        assert_eq!(months_between(birth, day.pred_opt().unwrap_or(day)), 215);
        assert_eq!(day, d(2026, 3, 1));
    }

    #[test]
    fn max_age_needs_provincial_consent() {
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::AdmissionDecided);
        let vote = events[step_index(&events, StepKind::BranchVoted)].date;
        let s = CaseState::derive(&events[..i]);
        let cal = Calendar::shipped();
        let exactly_60 = minus_months(vote, 720);
        let over_60 = minus_months(vote, 721);
        assert!(check(&events[i], &s, &with_birth(exactly_60), &cal).is_ok());
        let just_over = exactly_60.pred_opt().unwrap_or(exactly_60);
        assert_eq!(months_between(just_over, vote), 720, "still 60 by month");
        assert!(check(&events[i], &s, &with_birth(just_over), &cal).is_ok());
        assert_eq!(
            rule_ids(check(&events[i], &s, &with_birth(over_60), &cal)),
            vec!["age.max"]
        );
        let grant = |level| {
            Event::new(
                900,
                900,
                vote,
                EventKind::ExceptionGranted {
                    rule_id: "age.max".into(),
                    approved_by: "Ban Thường vụ Tỉnh ủy Lào Cai".into(),
                    level,
                    basis: "Công văn 123-CV/TU".into(),
                },
                "x",
            )
        };
        let with_prov = s.apply(grant(CommitteeLevel::Provincial));
        assert!(check(&events[i], &with_prov, &with_birth(over_60), &cal).is_ok());
        // A lower level does not count (recorded unchecked: the exception rule refuses it).
        let with_low = s.apply(grant(CommitteeLevel::DirectSuperior));
        assert_eq!(
            rule_ids(check(&events[i], &with_low, &with_birth(over_60), &cal)),
            vec!["age.max"]
        );
        // The store's record of the approving level wins over the event's.
        let mut f = with_birth(over_60);
        f.over_60_approved_level = Some(CommitteeLevel::GrassrootsCommittee);
        assert_eq!(
            rule_ids(check(&events[i], &with_prov, &f, &cal)),
            vec!["age.max"]
        );
    }
}
