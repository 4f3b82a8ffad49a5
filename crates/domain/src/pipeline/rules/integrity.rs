//! Toàn vẹn dữ liệu — ketnap's own rules for the event history: ids are unique, a correction or
//! retraction names an event that exists and gives a reason, and an exception names a rule the
//! regulations allow exceptions to, approved at a level that may grant it.

use super::{Refusal, RuleSet, RuleTemplate, Source, age, deadlines, education};
use crate::pipeline::events::{CommitteeLevel, Event, EventKind};
use crate::pipeline::state::CaseState;

pub const EVENT_ID: RuleTemplate = RuleTemplate {
    id: "event.id",
    source: Source::Ketnap,
    article_2016: "sự kiện có mã duy nhất",
    article_2021: "sự kiện có mã duy nhất",
    title_vi: "Mỗi sự kiện có một mã riêng",
    title_en: "Every event has its own id",
};

pub const CORRECTION_TARGET: RuleTemplate = RuleTemplate {
    id: "correction.target",
    source: Source::Ketnap,
    article_2016: "đính chính, hủy bỏ",
    article_2021: "đính chính, hủy bỏ",
    title_vi: "Đính chính hoặc hủy bỏ phải chỉ đúng một sự kiện còn hiệu lực",
    title_en: "A correction or retraction must name an event still in effect",
};

pub const CORRECTION_REASON: RuleTemplate = RuleTemplate {
    id: "correction.reason",
    source: Source::Ketnap,
    article_2016: "đính chính, hủy bỏ",
    article_2021: "đính chính, hủy bỏ",
    title_vi: "Đính chính hoặc hủy bỏ phải nêu lý do",
    title_en: "A correction or retraction must give its reason",
};

pub const EXCEPTION_RULE: RuleTemplate = RuleTemplate {
    id: "exception.rule",
    source: Source::Ketnap,
    article_2016: "ngoại lệ theo quy định",
    article_2021: "ngoại lệ theo quy định",
    title_vi: "Chỉ ghi nhận ngoại lệ mà quy định cho phép, với người phê duyệt đủ thẩm quyền và căn cứ",
    title_en: "Only exceptions the regulations allow, approved at a competent level, with their basis",
};

/// The rules that admit a recorded exception, with the lowest level that may grant it.
pub const EXCEPTIONS: &[(&str, CommitteeLevel)] = &[
    ("age.max", age::OVER_60_LEVEL),
    ("education.min", education::DIFFICULT_AREA_LEVEL),
    ("deadline.ceremony", deadlines::CEREMONY_EXCEPTION_LEVEL),
    (
        "deadline.recognition",
        deadlines::RECOGNITION_EXCEPTION_LEVEL,
    ),
];

fn refuse(
    rules: &RuleSet,
    t: &RuleTemplate,
    facts: Vec<(&str, String)>,
    vi: String,
    en: String,
) -> Refusal {
    let def = rules.def(t);
    Refusal {
        rule_id: def.id,
        regulation: def.regulation,
        article: def.article,
        facts: facts.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        message_vi: vi,
        message_en: en,
        event_id: None,
    }
}

pub(crate) fn check(e: &Event, state: &CaseState, rules: &RuleSet, out: &mut Vec<Refusal>) {
    if state.contains_id(e.id) {
        out.push(refuse(
            rules,
            &EVENT_ID,
            vec![("id", e.id.to_string())],
            format!("Đã có sự kiện mã #{}", e.id),
            format!("An event #{} is already recorded", e.id),
        ));
    }
    let retraction = e.kind == EventKind::Retracted;
    match e.corrects {
        None if retraction => out.push(refuse(
            rules,
            &CORRECTION_TARGET,
            vec![],
            "Hủy bỏ phải chỉ rõ sự kiện bị hủy".into(),
            "A retraction must name the event it voids".into(),
        )),
        None => {}
        Some(t) => {
            if !state.contains_id(t) {
                out.push(refuse(
                    rules,
                    &CORRECTION_TARGET,
                    vec![("corrects", t.to_string())],
                    format!("Không có sự kiện #{t} để đính chính hoặc hủy bỏ"),
                    format!("There is no event #{t} to correct or retract"),
                ));
            } else if state.is_retracted(t) || state.effective_event(t).is_none() {
                out.push(refuse(
                    rules,
                    &CORRECTION_TARGET,
                    vec![("corrects", t.to_string())],
                    format!("Sự kiện #{t} đã bị hủy bỏ"),
                    format!("Event #{t} was already retracted"),
                ));
            }
            if e.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                out.push(refuse(
                    rules,
                    &CORRECTION_REASON,
                    vec![("corrects", t.to_string())],
                    format!("Đính chính/hủy bỏ sự kiện #{t} phải nêu lý do"),
                    format!("The correction or retraction of event #{t} must give its reason"),
                ));
            }
        }
    }
    if let EventKind::ExceptionGranted {
        rule_id,
        approved_by,
        level,
        basis,
    } = &e.kind
    {
        match EXCEPTIONS.iter().find(|(id, _)| id == rule_id) {
            None => out.push(refuse(
                rules,
                &EXCEPTION_RULE,
                vec![("rule_id", rule_id.clone())],
                format!(
                    "Quy định không cho phép ngoại lệ với quy tắc \"{rule_id}\" (chỉ: {})",
                    EXCEPTIONS.iter().map(|x| x.0).collect::<Vec<_>>().join(", ")
                ),
                format!(
                    "The regulations allow no exception to \"{rule_id}\" (only: {})",
                    EXCEPTIONS.iter().map(|x| x.0).collect::<Vec<_>>().join(", ")
                ),
            )),
            Some((_, min)) if level < min => out.push(refuse(
                rules,
                &EXCEPTION_RULE,
                vec![
                    ("rule_id", rule_id.clone()),
                    ("level", level.as_str().to_string()),
                    ("required_level", min.as_str().to_string()),
                ],
                format!(
                    "Ngoại lệ \"{rule_id}\" phải do cấp \"{}\" trở lên phê duyệt, không phải \"{}\"",
                    min.label_vi(),
                    level.label_vi()
                ),
                format!(
                    "An exception to \"{rule_id}\" must be approved at the {} level or above, not {}",
                    min.as_str(),
                    level.as_str()
                ),
            )),
            Some(_) => {}
        }
        if approved_by.trim().is_empty() || basis.trim().is_empty() {
            out.push(refuse(
                rules,
                &EXCEPTION_RULE,
                vec![("rule_id", rule_id.clone())],
                "Ngoại lệ phải ghi người (cấp ủy) phê duyệt và căn cứ".into(),
                "An exception must name who approved it and its basis".into(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::pipeline::rules::check;
    use crate::pipeline::testkit::{d, facts, happy_path, rule_ids};

    fn exception(rule: &str, level: CommitteeLevel, basis: &str) -> Event {
        Event::new(
            900,
            900,
            d(2023, 3, 20),
            EventKind::ExceptionGranted {
                rule_id: rule.into(),
                approved_by: "Ban Thường vụ Tỉnh ủy".into(),
                level,
                basis: basis.into(),
            },
            "x",
        )
    }

    #[test]
    fn exceptions_table() {
        let s = CaseState::derive(&happy_path(d(2023, 3, 1))[..3]);
        let cal = Calendar::shipped();
        let f = facts();
        let ok = |e: Event| rule_ids(check(&e, &s, &f, &cal));
        let none: Vec<&str> = vec![];
        assert_eq!(
            ok(exception("age.max", CommitteeLevel::Provincial, "CV 1")),
            none
        );
        assert_eq!(
            ok(exception("age.max", CommitteeLevel::Central, "CV 1")),
            none
        );
        assert_eq!(
            ok(exception("age.max", CommitteeLevel::DirectSuperior, "CV 1")),
            vec!["exception.rule"]
        );
        assert_eq!(
            ok(exception(
                "vote.two_thirds",
                CommitteeLevel::Central,
                "CV 1"
            )),
            vec!["exception.rule"]
        );
        assert_eq!(
            ok(exception(
                "education.min",
                CommitteeLevel::GrassrootsCommittee,
                " "
            )),
            vec!["exception.rule"]
        );
    }

    #[test]
    fn corrections_need_a_target_and_a_reason() {
        let events = happy_path(d(2023, 3, 1));
        let s = CaseState::derive(&events[..4]);
        let cal = Calendar::shipped();
        let f = facts();
        let mut fix = events[3].clone();
        fix.id = 901;
        fix.seq = 901;
        let no_reason = {
            let mut e = fix.clone();
            e.corrects = Some(events[3].id);
            e
        };
        assert_eq!(
            rule_ids(check(&no_reason, &s, &f, &cal)),
            vec!["correction.reason"]
        );
        let dangling = fix.clone().correcting(4242, "typo");
        assert_eq!(
            rule_ids(check(&dangling, &s, &f, &cal)),
            vec!["correction.target"]
        );
        let good = fix.clone().correcting(events[3].id, "typo in the number");
        assert!(check(&good, &s, &f, &cal).is_ok());
        let dup = events[2].clone();
        assert_eq!(rule_ids(check(&dup, &s, &f, &cal)), vec!["event.id"]);
        let mut r = Event::new(902, 902, events[3].date, EventKind::Retracted, "x");
        assert_eq!(rule_ids(check(&r, &s, &f, &cal)), vec!["correction.target"]);
        r.corrects = Some(events[3].id);
        r.reason = Some("recorded for the wrong person".into());
        assert!(check(&r, &s, &f, &cal).is_ok());
        let s2 = s.apply(r);
        let again = fix.correcting(events[3].id, "typo");
        assert_eq!(
            rule_ids(check(&again, &s2, &f, &cal)),
            vec!["correction.target"]
        );
    }
}
