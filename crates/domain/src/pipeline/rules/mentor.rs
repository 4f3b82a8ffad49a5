//! Đảng viên theo dõi, giúp đỡ — the mentor the branch assigns to a candidate (and who keeps
//! helping through probation) must be an official member of the branch on the assignment date.

use super::{Ctx, Refusal, RuleTemplate, Source, dmy};
use crate::pipeline::events::EventKind;

pub const OFFICIAL: RuleTemplate = RuleTemplate {
    id: "mentor.official",
    source: Source::Guidance,
    article_2016: "điểm 3 (chi bộ phân công đảng viên chính thức giúp đỡ người vào Đảng; confirm point)",
    article_2021: "điểm 3 (chi bộ phân công đảng viên chính thức giúp đỡ người vào Đảng; confirm point)",
    title_vi: "Đảng viên được phân công giúp đỡ phải là đảng viên chính thức của chi bộ",
    title_en: "The mentor must be an official member of the branch",
};

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Refusal>) {
    let (Some(facts), EventKind::MentorAssigned { mentor }) = (ctx.facts, &ctx.event.kind) else {
        return;
    };
    let known = facts.people.get(mentor);
    if known.is_some_and(|m| m.official) {
        return;
    }
    let (vi, en) = match known {
        Some(_) => (
            format!(
                "Đảng viên (mã {mentor}) không phải đảng viên chính thức của chi bộ tại ngày {} (đảng viên dự bị hoặc không sinh hoạt tại chi bộ)",
                dmy(ctx.event.date)
            ),
            format!(
                "Member #{mentor} is not an official member of the branch on {} (probationary, or not in this branch)",
                dmy(ctx.event.date)
            ),
        ),
        None => (
            format!("Người (mã {mentor}) không có trong danh sách đảng viên chính thức của chi bộ"),
            format!("Person #{mentor} is not known as an official member of the branch"),
        ),
    };
    out.push(ctx.refuse(
        &OFFICIAL,
        vec![
            ("mentor", mentor.to_string()),
            ("date", dmy(ctx.event.date)),
        ],
        vi,
        en,
    ));
}

#[cfg(test)]
mod tests {
    use crate::calendar::Calendar;
    use crate::pipeline::events::StepKind;
    use crate::pipeline::rules::{MemberFact, check};
    use crate::pipeline::state::CaseState;
    use crate::pipeline::testkit::{MENTOR, d, facts, happy_path, rule_ids, step_index};

    #[test]
    fn mentor_must_be_official() {
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::MentorAssigned);
        let s = CaseState::derive(&events[..i]);
        let cal = Calendar::shipped();
        assert!(check(&events[i], &s, &facts(), &cal).is_ok());
        let mut f = facts();
        f.people.insert(
            MENTOR,
            MemberFact {
                official: false,
                official_since: None,
            },
        );
        assert_eq!(
            rule_ids(check(&events[i], &s, &f, &cal)),
            vec!["mentor.official"]
        );
        f.people.remove(&MENTOR);
        assert_eq!(
            rule_ids(check(&events[i], &s, &f, &cal)),
            vec!["mentor.official"]
        );
    }
}
