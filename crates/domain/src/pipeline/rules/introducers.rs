//! Người giới thiệu — who may introduce the applicant (Charter Art. 4, clauses 1–2).
//!
//! Two official members (not probationary) who have worked or studied with the applicant in
//! the same unit for at least 12 months; or, for a Youth Union member, the Youth Union grassroots
//! executive's resolution (4-KNĐ) and one official member; where there is no Youth Union
//! organization, for a trade-union member, the trade-union executive's resolution and one
//! official member. Each introducer is judged on the introduction date; the count is judged again
//! at the branch vote.

use super::{Ctx, Refusal, RuleTemplate, Source, dmy};
use crate::dates::months_between;
use crate::pipeline::events::{EventKind, Introducer, StepKind};

pub const OFFICIAL: RuleTemplate = RuleTemplate {
    id: "introducer.official",
    source: Source::Charter,
    article_2016: "Điều 4 khoản 1, khoản 2",
    article_2021: "Điều 4 khoản 1, khoản 2",
    title_vi: "Người giới thiệu phải là đảng viên chính thức tại ngày giới thiệu",
    title_en: "An introducer must be an official (not probationary) member on the introduction date",
};

pub const WORKED_12_MONTHS: RuleTemplate = RuleTemplate {
    id: "introducer.worked_12_months",
    source: Source::Charter,
    article_2016: "Điều 4 khoản 2",
    article_2021: "Điều 4 khoản 2",
    title_vi: "Người giới thiệu phải cùng công tác, học tập với người vào Đảng ít nhất 12 tháng",
    title_en: "An introducer must have worked or studied with the applicant for at least 12 months",
};

pub const COUNT: RuleTemplate = RuleTemplate {
    id: "introducer.count",
    source: Source::Charter,
    article_2016: "Điều 4 khoản 1",
    article_2021: "Điều 4 khoản 1",
    title_vi: "Hai đảng viên chính thức giới thiệu, hoặc Ban Chấp hành Đoàn (Công đoàn) cơ sở và một đảng viên chính thức",
    title_en: "Two official members introduce, or the Youth Union (trade-union) executive and one official member",
};

pub const YOUTH_UNION_MEMBER: RuleTemplate = RuleTemplate {
    id: "introducer.youth_union_member",
    source: Source::Charter,
    article_2016: "Điều 4 khoản 1",
    article_2021: "Điều 4 khoản 1",
    title_vi: "Ban Chấp hành Đoàn cơ sở chỉ giới thiệu người vào Đảng là đoàn viên",
    title_en: "The Youth Union executive introduces only a Youth Union member",
};

pub const TRADE_UNION_MEMBER: RuleTemplate = RuleTemplate {
    id: "introducer.trade_union_member",
    source: Source::Charter,
    article_2016: "Điều 4 khoản 1",
    article_2021: "Điều 4 khoản 1",
    title_vi: "Ban Chấp hành Công đoàn cơ sở chỉ giới thiệu người vào Đảng là đoàn viên công đoàn",
    title_en: "The trade-union executive introduces only a trade-union member",
};

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Refusal>) {
    let e = ctx.event;
    let s = ctx.before;
    let date = e.date;
    if e.step() == StepKind::BranchVoted && !s.introductions_complete() {
        let members = s.member_introducers().len();
        let orgs = s.organization_introductions();
        out.push(ctx.refuse(
            &COUNT,
            vec![
                ("member_introducers", members.to_string()),
                ("organization_introductions", orgs.to_string()),
            ],
            format!(
                "Chưa đủ người giới thiệu: {members} đảng viên chính thức, {orgs} nghị quyết của Ban Chấp hành Đoàn (Công đoàn); cần hai đảng viên chính thức, hoặc nghị quyết và một đảng viên chính thức"
            ),
            format!(
                "The introductions are incomplete: {members} official member(s) and {orgs} executive resolution(s); two official members are needed, or a resolution and one official member"
            ),
        ));
    }
    let EventKind::Introduced { introducer } = &e.kind else {
        return;
    };
    match introducer {
        Introducer::Member {
            person,
            official_since,
            worked_together_since,
        } => {
            if let Some(f) = ctx.facts {
                let known = f.people.get(person);
                let official = match known {
                    Some(m) => m.official,
                    None => *official_since <= date,
                };
                if !official {
                    let since = known
                        .and_then(|m| m.official_since)
                        .unwrap_or(*official_since);
                    out.push(ctx.refuse(
                        &OFFICIAL,
                        vec![
                            ("introducer", person.to_string()),
                            ("introduction_date", dmy(date)),
                            ("official_since", dmy(since)),
                        ],
                        format!(
                            "Người giới thiệu (mã {person}) không phải đảng viên chính thức của chi bộ tại ngày giới thiệu {} (chính thức từ {})",
                            dmy(date),
                            dmy(since)
                        ),
                        format!(
                            "Introducer #{person} is not an official member of the branch on the introduction date {} (official since {})",
                            dmy(date),
                            dmy(since)
                        ),
                    ));
                }
            }
            let months = months_between(*worked_together_since, date);
            if months < ctx.params().introducer_months {
                let from = super::age::completes_months(
                    *worked_together_since,
                    ctx.params().introducer_months,
                );
                out.push(ctx.refuse(
                    &WORKED_12_MONTHS,
                    vec![
                        ("introducer", person.to_string()),
                        ("worked_together_since", dmy(*worked_together_since)),
                        ("months", months.max(0).to_string()),
                        ("introduction_date", dmy(date)),
                    ],
                    format!(
                        "Người giới thiệu (mã {person}) cùng công tác với người vào Đảng từ {}, mới {} tháng tại ngày giới thiệu {}; cần ít nhất 12 tháng (từ {})",
                        dmy(*worked_together_since),
                        months.max(0),
                        dmy(date),
                        dmy(from)
                    ),
                    format!(
                        "Introducer #{person} has worked with the applicant since {}: {} months on the introduction date {}; at least 12 are needed (from {})",
                        dmy(*worked_together_since),
                        months.max(0),
                        dmy(date),
                        dmy(from)
                    ),
                ));
            }
            if s.member_introducers().contains(person) {
                out.push(ctx.refuse(
                    &COUNT,
                    vec![("introducer", person.to_string())],
                    format!("Đảng viên (mã {person}) đã giới thiệu người này"),
                    format!("Member #{person} has already introduced this applicant"),
                ));
            } else if s.introductions_complete() {
                out.push(complete(ctx));
            }
        }
        Introducer::YouthUnion { .. } | Introducer::TradeUnion { .. } => {
            let youth = matches!(introducer, Introducer::YouthUnion { .. });
            if let Some(f) = ctx.facts {
                if youth && !f.youth_union_member {
                    out.push(ctx.refuse(
                        &YOUTH_UNION_MEMBER,
                        vec![("youth_union_member", "no".into())],
                        "Người vào Đảng không phải đoàn viên: Ban Chấp hành Đoàn cơ sở không thể giới thiệu".into(),
                        "The applicant is not a Youth Union member: the Youth Union executive cannot introduce them".into(),
                    ));
                }
                if !youth && !f.trade_union_member {
                    out.push(ctx.refuse(
                        &TRADE_UNION_MEMBER,
                        vec![("trade_union_member", "no".into())],
                        "Người vào Đảng không phải đoàn viên công đoàn: Ban Chấp hành Công đoàn cơ sở không thể giới thiệu".into(),
                        "The applicant is not a trade-union member: the trade-union executive cannot introduce them".into(),
                    ));
                }
            }
            if s.organization_introductions() >= 1 {
                out.push(ctx.refuse(
                    &COUNT,
                    vec![(
                        "organization_introductions",
                        s.organization_introductions().to_string(),
                    )],
                    "Đã có nghị quyết giới thiệu của tổ chức Đoàn (Công đoàn)".into(),
                    "An executive resolution already introduces this applicant".into(),
                ));
            } else if s.introductions_complete() {
                out.push(complete(ctx));
            }
        }
    }
}

fn complete(ctx: &Ctx<'_>) -> Refusal {
    let on = ctx
        .before
        .dates
        .introductions_complete
        .map(dmy)
        .unwrap_or_default();
    ctx.refuse(
        &COUNT,
        vec![("introductions_complete", on.clone())],
        format!("Đã đủ người giới thiệu từ ngày {on}"),
        format!("The introductions were already complete on {on}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::dates::Date;
    use crate::person::PersonId;
    use crate::pipeline::events::Event;
    use crate::pipeline::rules::{Facts, MemberFact, check};
    use crate::pipeline::state::CaseState;
    use crate::pipeline::testkit::{INTRO_A, d, facts, happy_path, rule_ids, step_index};

    fn intro(id: i64, date: Date, introducer: Introducer) -> Event {
        Event::new(id, id, date, EventKind::Introduced { introducer }, "x")
            .with_document(None, "GT-1")
    }

    fn member(person: PersonId, worked: Date) -> Introducer {
        Introducer::Member {
            person,
            official_since: d(2010, 1, 1),
            worked_together_since: worked,
        }
    }

    /// The case just before its first introduction, and that date.
    fn before_intro() -> (CaseState, Date) {
        let events = happy_path(d(2023, 3, 1));
        let i = step_index(&events, StepKind::Introduced);
        (CaseState::derive(&events[..i]), events[i].date)
    }

    fn ids(e: &Event, s: &CaseState, f: &Facts) -> Vec<&'static str> {
        rule_ids(check(e, s, f, &Calendar::shipped()))
    }

    #[test]
    fn twelve_months_both_sides() {
        let (s, on) = before_intro();
        let exactly = on.checked_sub_months(chrono::Months::new(12)).unwrap_or(on);
        let table = [
            (exactly, true),
            (exactly.succ_opt().unwrap_or(on), false),
            (
                on.checked_sub_months(chrono::Months::new(11)).unwrap_or(on),
                false,
            ),
            (on.succ_opt().unwrap_or(on), false),
        ];
        for (worked, ok) in table {
            let r = ids(&intro(900, on, member(INTRO_A, worked)), &s, &facts());
            assert_eq!(r.is_empty(), ok, "worked since {worked}: {r:?}");
            if !ok {
                assert_eq!(r, vec!["introducer.worked_12_months"]);
            }
        }
    }

    #[test]
    fn probationary_introducer_is_refused() {
        let (s, on) = before_intro();
        let mut f = facts();
        f.people.insert(
            INTRO_A,
            MemberFact {
                official: false,
                official_since: None,
            },
        );
        let e = intro(900, on, member(INTRO_A, d(2015, 1, 1)));
        assert_eq!(ids(&e, &s, &f), vec!["introducer.official"]);
        // Unknown to the store: the form's "official since" is judged.
        let mut f = facts();
        f.people.remove(&INTRO_A);
        assert!(ids(&e, &s, &f).is_empty());
        let late = intro(
            900,
            on,
            Introducer::Member {
                person: INTRO_A,
                official_since: on.succ_opt().unwrap_or(on),
                worked_together_since: d(2015, 1, 1),
            },
        );
        assert_eq!(ids(&late, &s, &f), vec!["introducer.official"]);
    }

    #[test]
    fn youth_union_route() {
        let (s, on) = before_intro();
        let yu = intro(
            900,
            on,
            Introducer::YouthUnion {
                resolution_no: "05-NQ/ĐTN".into(),
            },
        );
        assert!(ids(&yu, &s, &facts()).is_empty());
        let mut f = facts();
        f.youth_union_member = false;
        assert_eq!(ids(&yu, &s, &f), vec!["introducer.youth_union_member"]);
        let tu = intro(
            901,
            on,
            Introducer::TradeUnion {
                resolution_no: "02-NQ/CĐ".into(),
            },
        );
        assert_eq!(
            ids(&tu, &s, &facts()),
            vec!["introducer.trade_union_member"]
        );
        // Resolution + one member completes; a second member is one too many.
        let s = s.apply(yu);
        let s = s.apply(intro(902, on, member(INTRO_A, d(2015, 1, 1))));
        assert!(s.introductions_complete());
        let extra = intro(903, on, member(104, d(2015, 1, 1)));
        assert_eq!(ids(&extra, &s, &facts()), vec!["introducer.count"]);
    }

    #[test]
    fn count_at_the_vote() {
        let events = happy_path(d(2023, 3, 1));
        let vote = step_index(&events, StepKind::BranchVoted);
        // Drop one of the two member introductions.
        let mut dropped = false;
        let prefix: Vec<Event> = events[..vote]
            .iter()
            .filter(|e| {
                if e.step() == StepKind::Introduced && !dropped {
                    dropped = true;
                    return false;
                }
                true
            })
            .cloned()
            .collect();
        let s = CaseState::derive(&prefix);
        assert_eq!(ids(&events[vote], &s, &facts()), vec!["introducer.count"]);
        // The same member twice is still one.
        let i = step_index(&events, StepKind::Introduced);
        let mut twice = events[i].clone();
        twice.id = 950;
        twice.seq = 950;
        if let EventKind::Introduced { introducer } = &events[i].kind {
            twice.kind = EventKind::Introduced {
                introducer: introducer.clone(),
            };
        }
        let s1 = CaseState::derive(&events[..=i]);
        assert_eq!(ids(&twice, &s1, &facts()), vec!["introducer.count"]);
    }
}
