//! Biểu quyết — the branch's votes (admission, recognition) and the grassroots committee's.
//!
//! A branch resolution needs at least two thirds of **all** official members of the branch in
//! favour, not two thirds of those present (Charter Art. 4 clause 3; Art. 5 for recognition); a
//! grassroots committee's resolution needs two thirds of its members. The majority is computed
//! in integers — `3 · in_favour ≥ 2 · total` — never from a typed percentage: 6 of 9 passes, 5 of
//! 9 fails, 2 of 3 passes.

use super::{Ctx, Refusal, RuleTemplate, Source};
use crate::pipeline::events::EventKind;

pub const COUNTS: RuleTemplate = RuleTemplate {
    id: "vote.counts",
    source: Source::Charter,
    article_2016: "Điều 4 khoản 3 (số đảng viên chính thức, có mặt, tán thành, không tán thành)",
    article_2021: "Điều 4 khoản 3 (số đảng viên chính thức, có mặt, tán thành, không tán thành)",
    title_vi: "Số liệu biểu quyết phải nhất quán: tán thành + không tán thành ≤ có mặt ≤ tổng số",
    title_en: "The vote counts must be consistent: in favour + against ≤ present ≤ total",
};

pub const TWO_THIRDS: RuleTemplate = RuleTemplate {
    id: "vote.two_thirds",
    source: Source::Charter,
    article_2016: "Điều 4 khoản 3 (kết nạp); Điều 5 (công nhận chính thức; confirm clause)",
    article_2021: "Điều 4 khoản 3 (kết nạp); Điều 5 (công nhận chính thức; confirm clause)",
    title_vi: "Nghị quyết của chi bộ phải được ít nhất hai phần ba tổng số đảng viên chính thức tán thành",
    title_en: "The branch resolution needs at least two thirds of all official members in favour",
};

pub const COMMITTEE_TWO_THIRDS: RuleTemplate = RuleTemplate {
    id: "committee.two_thirds",
    source: Source::Charter,
    article_2016: "Điều 4 khoản 3",
    article_2021: "Điều 4 khoản 3",
    title_vi: "Nghị quyết của đảng ủy cơ sở phải được ít nhất hai phần ba tổng số cấp ủy viên tán thành",
    title_en: "The grassroots committee's resolution needs at least two thirds of its members in favour",
};

/// Whether `in_favour` is at least two thirds of `total` (`3·in_favour ≥ 2·total`).
pub fn two_thirds(in_favour: u32, total: u32) -> bool {
    3 * u64::from(in_favour) >= 2 * u64::from(total)
}

/// The smallest number in favour that makes two thirds of `total`.
pub fn two_thirds_needed(total: u32) -> u32 {
    u32::try_from((2 * u64::from(total)).div_ceil(3)).unwrap_or(u32::MAX)
}

fn branch_vote(
    ctx: &Ctx<'_>,
    out: &mut Vec<Refusal>,
    official: u32,
    present: u32,
    in_favour: u32,
    against: u32,
) {
    let mut problems: Vec<(String, String)> = vec![];
    if official == 0 {
        problems.push((
            "chi bộ không có đảng viên chính thức nào".into(),
            "the branch has no official member".into(),
        ));
    }
    if present > official {
        problems.push((
            format!("số có mặt {present} lớn hơn tổng số đảng viên chính thức {official}"),
            format!("{present} present is more than the {official} official members"),
        ));
    }
    if u64::from(in_favour) + u64::from(against) > u64::from(present) {
        problems.push((
            format!(
                "tán thành {in_favour} + không tán thành {against} lớn hơn số có mặt {present}"
            ),
            format!("{in_favour} in favour + {against} against is more than the {present} present"),
        ));
    }
    if let Some(n) = ctx.facts.and_then(|f| f.branch_official_members)
        && n != official
    {
        problems.push((
            format!("chi bộ có {n} đảng viên chính thức tại ngày họp, nghị quyết ghi {official}"),
            format!(
                "the branch had {n} official members on the day, the resolution says {official}"
            ),
        ));
    }
    if !problems.is_empty() {
        out.push(ctx.refuse(
            &COUNTS,
            vec![
                ("official_members", official.to_string()),
                ("present", present.to_string()),
                ("in_favour", in_favour.to_string()),
                ("against", against.to_string()),
            ],
            format!(
                "Số liệu biểu quyết không nhất quán: {}",
                problems.iter().map(|p| p.0.as_str()).collect::<Vec<_>>().join("; ")
            ),
            format!(
                "The vote counts are inconsistent: {}",
                problems.iter().map(|p| p.1.as_str()).collect::<Vec<_>>().join("; ")
            ),
        ));
    }
    // Judged against the store's count when it differs from the resolution's.
    let total = ctx
        .facts
        .and_then(|f| f.branch_official_members)
        .unwrap_or(official);
    if total > 0 && !two_thirds(in_favour, total) {
        let need = two_thirds_needed(total);
        out.push(ctx.refuse(
            &TWO_THIRDS,
            vec![
                ("official_members", total.to_string()),
                ("in_favour", in_favour.to_string()),
                ("needed", need.to_string()),
            ],
            format!(
                "Chỉ {in_favour}/{total} đảng viên chính thức tán thành; cần ít nhất {need} (hai phần ba tổng số đảng viên chính thức của chi bộ, không phải của số có mặt)"
            ),
            format!(
                "Only {in_favour} of {total} official members in favour; at least {need} are needed (two thirds of all official members of the branch, not of those present)"
            ),
        ));
    }
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Refusal>) {
    if ctx.later {
        return; // a vote's counts do not depend on other events
    }
    match &ctx.event.kind {
        EventKind::BranchVoted {
            official_members,
            present,
            in_favour,
            against,
        }
        | EventKind::RecognitionVoted {
            official_members,
            present,
            in_favour,
            against,
        } => branch_vote(ctx, out, *official_members, *present, *in_favour, *against),
        EventKind::CommitteeResolved { members, in_favour } => {
            let (members, in_favour) = (*members, *in_favour);
            let store = ctx.facts.and_then(|f| f.committee_members);
            if members == 0 || in_favour > members || store.is_some_and(|n| n != members) {
                let detail = match store {
                    Some(n) if n != members => (
                        format!("đảng ủy có {n} ủy viên, nghị quyết ghi {members}"),
                        format!("the committee has {n} members, the resolution says {members}"),
                    ),
                    _ => (
                        format!("tán thành {in_favour} trên tổng số {members} cấp ủy viên"),
                        format!("{in_favour} in favour out of {members} members"),
                    ),
                };
                out.push(ctx.refuse(
                    &COUNTS,
                    vec![
                        ("members", members.to_string()),
                        ("in_favour", in_favour.to_string()),
                    ],
                    format!("Số liệu biểu quyết không nhất quán: {}", detail.0),
                    format!("The vote counts are inconsistent: {}", detail.1),
                ));
            }
            let total = store.unwrap_or(members);
            if total > 0 && !two_thirds(in_favour, total) {
                let need = two_thirds_needed(total);
                out.push(ctx.refuse(
                    &COMMITTEE_TWO_THIRDS,
                    vec![
                        ("members", total.to_string()),
                        ("in_favour", in_favour.to_string()),
                        ("needed", need.to_string()),
                    ],
                    format!(
                        "Chỉ {in_favour}/{total} cấp ủy viên tán thành; cần ít nhất {need} (hai phần ba tổng số cấp ủy viên)"
                    ),
                    format!(
                        "Only {in_favour} of {total} committee members in favour; at least {need} are needed (two thirds of all members)"
                    ),
                ));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::pipeline::events::{Event, StepKind};
    use crate::pipeline::rules::check;
    use crate::pipeline::state::CaseState;
    use crate::pipeline::testkit::{d, facts, happy_path, rule_ids, step_index};

    #[test]
    fn two_thirds_arithmetic() {
        for (f, n, ok) in [
            (6, 9, true),
            (5, 9, false),
            (2, 3, true),
            (1, 3, false),
            (4, 6, true),
            (3, 5, false),
            (4, 5, true),
            (7, 10, true),
            (6, 10, false),
            (0, 0, true),
        ] {
            assert_eq!(two_thirds(f, n), ok, "{f}/{n}");
        }
        assert_eq!(two_thirds_needed(9), 6);
        assert_eq!(two_thirds_needed(10), 7);
        assert_eq!(two_thirds_needed(3), 2);
        assert_eq!(two_thirds_needed(u32::MAX), 2_863_311_530);
        assert!(two_thirds(u32::MAX, u32::MAX));
    }

    fn vote(official: u32, present: u32, in_favour: u32, against: u32) -> Vec<&'static str> {
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::BranchVoted);
        let mut e: Event = events[i].clone();
        e.kind = EventKind::BranchVoted {
            official_members: official,
            present,
            in_favour,
            against,
        };
        let mut f = facts();
        f.branch_official_members = None;
        rule_ids(check(
            &e,
            &CaseState::derive(&events[..i]),
            &f,
            &Calendar::shipped(),
        ))
    }

    #[test]
    fn branch_vote_table() {
        let none: Vec<&str> = vec![];
        assert_eq!(vote(9, 9, 6, 3), none, "6 of 9 passes");
        assert_eq!(vote(9, 9, 5, 4), vec!["vote.two_thirds"], "5 of 9 fails");
        assert_eq!(vote(3, 3, 2, 1), none, "2 of 3 passes");
        // Two thirds of those present is not enough.
        assert_eq!(vote(9, 6, 5, 1), vec!["vote.two_thirds"]);
        assert_eq!(vote(9, 10, 9, 1), vec!["vote.counts"]);
        assert_eq!(vote(9, 8, 6, 3), vec!["vote.counts"]);
        assert_eq!(vote(0, 0, 0, 0), vec!["vote.counts"]);
    }

    #[test]
    fn store_count_is_authoritative() {
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::BranchVoted);
        let mut e = events[i].clone();
        e.kind = EventKind::BranchVoted {
            official_members: 9,
            present: 9,
            in_favour: 6,
            against: 3,
        };
        let mut f = facts();
        f.branch_official_members = Some(10);
        let ids = rule_ids(check(
            &e,
            &CaseState::derive(&events[..i]),
            &f,
            &Calendar::shipped(),
        ));
        assert_eq!(ids, vec!["vote.counts", "vote.two_thirds"]);
    }

    #[test]
    fn committee_table() {
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::CommitteeResolved);
        let s = CaseState::derive(&events[..i]);
        let run = |members, in_favour| {
            let mut e = events[i].clone();
            e.kind = EventKind::CommitteeResolved { members, in_favour };
            let mut f = facts();
            f.committee_members = None;
            rule_ids(check(&e, &s, &f, &Calendar::shipped()))
        };
        assert!(run(9, 6).is_empty());
        assert_eq!(run(9, 5), vec!["committee.two_thirds"]);
        assert!(run(3, 2).is_empty());
        assert_eq!(run(3, 4), vec!["vote.counts"]);
    }
}
