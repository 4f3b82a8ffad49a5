//! Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng (CN-NTVĐ) — the awareness-course
//! certificate must be valid when the branch votes: 5 years from its issue date.
//!
//! Decision on the boundary: the certificate counts on the days `[issued, issued + 5 years)`.
//! The fifth anniversary of the issue date is the first day it no longer counts ("issued
//! 12/03/2019, expired 12/03/2024"); the last valid day is the day before. Five years of days,
//! the issue day included, and the reading a reviewing committee cannot fault. (The Civil Code's
//! way of counting periods, art. 147–148, would also accept the anniversary itself — a one-day
//! difference to **confirm** with the organization board; change [`expires`] if so.) A certificate
//! issued on 29/02 expires on 28/02 five years later (months clamp to the month's end).

use super::{Ctx, Refusal, RuleSet, RuleTemplate, Source, dmy};
use crate::calendar::add_months;
use crate::dates::Date;
use crate::pipeline::events::{EventKind, StepKind};

pub const VALID: RuleTemplate = RuleTemplate {
    id: "certificate.valid",
    source: Source::Guidance,
    article_2016: "điểm 3 (giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng có giá trị 5 năm; confirm point)",
    article_2021: "điểm 3 (giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng có giá trị 5 năm; confirm point)",
    title_vi: "Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng phải còn giá trị (5 năm kể từ ngày cấp) tại ngày chi bộ xét kết nạp",
    title_en: "The party-awareness course certificate must be valid (5 years from issue) on the day the branch votes",
};

/// The first day the certificate no longer counts (the fifth anniversary of its issue).
pub fn expires(issued: Date) -> Date {
    add_months(
        issued,
        12 * RuleSet::for_date(issued).params.certificate_years,
    )
}

/// The last day a branch vote can use the certificate.
pub fn last_valid_day(issued: Date) -> Date {
    let x = expires(issued);
    x.pred_opt().unwrap_or(x)
}

/// Whether a certificate issued on `issued` counts for a vote on `vote`.
pub fn valid_on(issued: Date, vote: Date) -> bool {
    issued <= vote && vote < expires(issued)
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Refusal>) {
    let e = ctx.event;
    match (&e.kind, e.step()) {
        (EventKind::CourseCompleted { issued, .. }, _) if *issued > e.date => {
            out.push(ctx.refuse(
                &VALID,
                vec![("issued", dmy(*issued)), ("recorded", dmy(e.date))],
                format!(
                    "Giấy chứng nhận ghi ngày cấp {} sau ngày hoàn thành lớp học {}",
                    dmy(*issued),
                    dmy(e.date)
                ),
                format!(
                    "The certificate is dated {}, after the course completion recorded on {}",
                    dmy(*issued),
                    dmy(e.date)
                ),
            ));
        }
        (_, StepKind::BranchVoted) => {
            let Some(c) = &ctx.before.certificate else {
                return; // order.requires reports the missing course
            };
            let vote = e.date;
            if vote < c.issued {
                out.push(ctx.refuse(
                    &VALID,
                    vec![
                        ("certificate_no", c.number.clone()),
                        ("issued", dmy(c.issued)),
                        ("branch_vote_date", dmy(vote)),
                    ],
                    format!(
                        "Giấy chứng nhận số {} cấp ngày {}, sau ngày chi bộ xét {}",
                        c.number,
                        dmy(c.issued),
                        dmy(vote)
                    ),
                    format!(
                        "Certificate {} was issued {}, after the branch vote {}",
                        c.number,
                        dmy(c.issued),
                        dmy(vote)
                    ),
                ));
            } else if !valid_on(c.issued, vote) {
                let x = expires(c.issued);
                out.push(ctx.refuse(
                    &VALID,
                    vec![
                        ("certificate_no", c.number.clone()),
                        ("issued", dmy(c.issued)),
                        ("expired", dmy(x)),
                        ("branch_vote_date", dmy(vote)),
                    ],
                    format!(
                        "Giấy chứng nhận cấp ngày {} đã hết hạn ngày {}, trước ngày chi bộ xét {}",
                        dmy(c.issued),
                        dmy(x),
                        dmy(vote)
                    ),
                    format!(
                        "Certificate issued {} expired {}, before the branch vote {}",
                        dmy(c.issued),
                        dmy(x),
                        dmy(vote)
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
    use crate::pipeline::events::Event;
    use crate::pipeline::rules::check;
    use crate::pipeline::state::CaseState;
    use crate::pipeline::testkit::{d, facts, happy_path, rule_ids, step_index};

    /// The case just before the vote, with the certificate's issue date replaced, and the vote
    /// moved to `vote`.
    fn vote_with(issued: Date, vote: Date) -> Result<(), Vec<Refusal>> {
        let events = happy_path(d(2023, 11, 1));
        let i = step_index(&events, StepKind::BranchVoted);
        let mut prefix: Vec<Event> = events[..i].to_vec();
        for e in &mut prefix {
            if let EventKind::CourseCompleted { issued: x, .. } = &mut e.kind {
                *x = issued;
            }
        }
        let mut v = events[i].clone();
        v.date = vote;
        check(
            &v,
            &CaseState::derive(&prefix),
            &facts(),
            &Calendar::shipped(),
        )
    }

    #[test]
    fn five_years_both_sides() {
        let issued = d(2019, 3, 12);
        assert_eq!(expires(issued), d(2024, 3, 12));
        assert_eq!(last_valid_day(issued), d(2024, 3, 11));
        assert!(vote_with(issued, d(2024, 3, 11)).is_ok(), "last valid day");
        assert_eq!(
            rule_ids(vote_with(issued, d(2024, 3, 12))),
            vec!["certificate.valid"],
            "the fifth anniversary"
        );
        let err = vote_with(issued, d(2024, 5, 2)).err();
        let Some(r) = err.as_ref().and_then(|v| v.first()) else {
            panic!("expired certificate accepted")
        };
        assert_eq!(
            r.message_en,
            "Certificate issued 12/03/2019 expired 12/03/2024, before the branch vote 02/05/2024"
        );
        assert_eq!(
            r.message_vi,
            "Giấy chứng nhận cấp ngày 12/03/2019 đã hết hạn ngày 12/03/2024, trước ngày chi bộ xét 02/05/2024"
        );
        assert!(
            r.facts
                .contains(&("expired".to_string(), "12/03/2024".to_string()))
        );
    }

    #[test]
    fn leap_day_certificate() {
        assert_eq!(expires(d(2020, 2, 29)), d(2025, 2, 28));
        assert!(valid_on(d(2020, 2, 29), d(2025, 2, 27)));
        assert!(!valid_on(d(2020, 2, 29), d(2025, 2, 28)));
        assert!(!valid_on(d(2020, 2, 29), d(2020, 2, 28)));
    }

    #[test]
    fn certificate_cannot_postdate_its_course() {
        let events = happy_path(d(2023, 11, 1));
        let i = step_index(&events, StepKind::CourseCompleted);
        let mut c = events[i].clone();
        if let EventKind::CourseCompleted { issued, .. } = &mut c.kind {
            *issued = c.date.succ_opt().unwrap_or(c.date);
        }
        let s = CaseState::derive(&events[..i]);
        assert_eq!(
            rule_ids(check(&c, &s, &facts(), &Calendar::shipped())),
            vec!["certificate.valid"]
        );
    }
}
