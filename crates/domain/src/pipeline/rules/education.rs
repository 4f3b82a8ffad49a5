//! Trình độ học vấn — the applicant's general education (Charter Art. 1 clause 2; QĐ 29 point
//! 1.2, QĐ 24 point 1.2.1–1.2.2; HD 01-HD/TW point 1.2).
//!
//! The rule is a lower-secondary diploma (tốt nghiệp THCS) or above, judged at the branch vote.
//! For people living in mountainous, island, ethnic-minority or especially difficult areas the
//! Secretariat's guidance allows less (primary), and other specific cases may be allowed by the
//! provincial-level committee; either way ketnap needs the exception recorded (who approved, on
//! what basis) — it is never silently allowed.

use super::{Ctx, Refusal, RuleTemplate, Source};
use crate::person::GeneralEducation;
use crate::pipeline::events::{CommitteeLevel, StepKind};

pub const MIN: RuleTemplate = RuleTemplate {
    id: "education.min",
    source: Source::Implementing,
    article_2016: "điểm 1.2 a, b; Hướng dẫn 01-HD/TW điểm 1.2",
    article_2021: "điểm 1.2.1, 1.2.2; Hướng dẫn 01-HD/TW điểm 1.2 (confirm point)",
    title_vi: "Người vào Đảng phải tốt nghiệp trung học cơ sở trở lên; vùng miền núi, hải đảo, dân tộc thiểu số, đặc biệt khó khăn theo hướng dẫn của Ban Bí thư",
    title_en: "The applicant must have completed lower secondary school; difficult areas follow the Secretariat's guidance",
};

/// The lowest level that may record the difficult-area exception.
pub const DIFFICULT_AREA_LEVEL: CommitteeLevel = CommitteeLevel::GrassrootsCommittee;
/// The level that may allow other specific cases (HD 01-HD/TW point 1.2 b, confirm).
pub const OTHER_CASE_LEVEL: CommitteeLevel = CommitteeLevel::Provincial;

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Refusal>) {
    let Some(facts) = ctx.facts else { return };
    if ctx.event.step() != StepKind::BranchVoted {
        return;
    }
    let edu = facts.education;
    if edu.is_some_and(|e| e >= GeneralEducation::LowerSecondary) {
        return;
    }
    let Some(edu) = edu else {
        out.push(ctx.refuse(
            &MIN,
            vec![("education", "unknown".into())],
            "Chưa có trình độ học vấn của người vào Đảng (hoặc chưa hết tiểu học)".into(),
            "The applicant's general education is not recorded (or below primary)".into(),
        ));
        return;
    };
    let needed = if facts.difficult_area {
        DIFFICULT_AREA_LEVEL
    } else {
        OTHER_CASE_LEVEL
    };
    if ctx.exception(MIN.id, needed).is_some() {
        return;
    }
    let area = if facts.difficult_area { "yes" } else { "no" };
    let (vi, en) = if facts.difficult_area {
        (
            format!(
                "Người vào Đảng có trình độ {} (chưa tốt nghiệp THCS); ở vùng khó khăn được xét theo hướng dẫn của Ban Bí thư nhưng phải ghi nhận ngoại lệ (cấp {} trở lên, có căn cứ)",
                edu.label_vi(),
                needed.label_vi()
            ),
            format!(
                "The applicant has {} education only (no lower-secondary diploma); a difficult area allows it under the Secretariat's guidance, but the exception must be recorded (approved at the {} level or above, with its basis)",
                edu.as_str(),
                needed.as_str()
            ),
        )
    } else {
        (
            format!(
                "Người vào Đảng có trình độ {} (chưa tốt nghiệp THCS) và không ở vùng miền núi, hải đảo, dân tộc thiểu số, đặc biệt khó khăn; trường hợp cụ thể khác phải được cấp {} cho phép",
                edu.label_vi(),
                needed.label_vi()
            ),
            format!(
                "The applicant has {} education only (no lower-secondary diploma) and does not live in a mountainous, island, ethnic-minority or especially difficult area; another specific case needs the {} level's approval",
                edu.as_str(),
                needed.as_str()
            ),
        )
    };
    out.push(ctx.refuse(
        &MIN,
        vec![
            ("education", edu.as_str().to_string()),
            ("difficult_area", area.to_string()),
            ("required_level", needed.as_str().to_string()),
        ],
        vi,
        en,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::pipeline::events::{Event, EventKind};
    use crate::pipeline::rules::check;
    use crate::pipeline::state::CaseState;
    use crate::pipeline::testkit::{d, facts, happy_path, rule_ids, step_index};

    #[test]
    fn education_table() {
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::BranchVoted);
        let s = CaseState::derive(&events[..i]);
        let grant = |level| {
            s.apply(Event::new(
                900,
                900,
                events[i - 1].date,
                EventKind::ExceptionGranted {
                    rule_id: "education.min".into(),
                    approved_by: "Đảng ủy xã A Lù".into(),
                    level,
                    basis: "Hướng dẫn 01-HD/TW điểm 1.2".into(),
                },
                "x",
            ))
        };
        let low = grant(CommitteeLevel::GrassrootsCommittee);
        let high = grant(CommitteeLevel::Provincial);
        use GeneralEducation as G;
        // (education, difficult area, state, accepted)
        let table = [
            (Some(G::UpperSecondary), false, &s, true),
            (Some(G::LowerSecondary), false, &s, true),
            (Some(G::Primary), false, &s, false),
            (Some(G::Primary), true, &s, false),
            (Some(G::Primary), true, &low, true),
            (Some(G::Primary), false, &low, false),
            (Some(G::Primary), false, &high, true),
            (None, true, &high, false),
        ];
        for (n, (edu, area, state, ok)) in table.into_iter().enumerate() {
            let mut f = facts();
            f.education = edu;
            f.difficult_area = area;
            let r = check(&events[i], state, &f, &Calendar::shipped());
            assert_eq!(r.is_ok(), ok, "row {n}: {r:?}");
            if !ok {
                assert_eq!(rule_ids(r), vec!["education.min"], "row {n}");
            }
        }
    }
}
