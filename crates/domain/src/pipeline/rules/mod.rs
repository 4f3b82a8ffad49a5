//! Quy tắc — the rules that judge each event of a case, as data versioned by effective date.
//!
//! One file per rule family (`age.rs`, `votes.rs`, `deadlines.rs`…), so "where is the 2/3 rule"
//! is answered by the file name. Each rule is a [`RuleTemplate`]: a stable id, the document it
//! comes from (Charter, implementing rules, guidance, forms) and the article under each
//! numbering. The [`RuleSet`] in force on the event's date turns it into a [`RuleDef`] naming the
//! regulation of that period. A refusal is data ([`Refusal`]): rule id, regulation, article, the
//! concrete facts, and messages in Vietnamese and English.
//!
//! [`check`] judges one event against the case as recorded and the facts the store knows
//! ([`Facts`]); it also re-checks, without facts, the events dated after it (a back-dated or
//! corrected event must not make a later one invalid).

pub mod age;
pub mod certificate;
pub mod deadlines;
pub mod dossier;
pub mod education;
pub mod integrity;
pub mod introducers;
pub mod mentor;
pub mod order;
pub mod votes;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::events::{CommitteeLevel, Event, EventId};
use super::state::{CaseState, GrantedException, order_key};
use crate::calendar::Calendar;
use crate::dates::{Date, Period};
use crate::org::OrgKind;
use crate::person::{GeneralEducation, PersonId};
use crate::sensitive::Sensitive;

/// Which document of a rule set a rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Điều lệ Đảng (2011).
    Charter,
    /// Quy định thi hành Điều lệ Đảng (29-QĐ/TW, 24-QĐ/TW, 232-QĐ/TW, 294-QĐ/TW).
    Implementing,
    /// Hướng dẫn một số vấn đề cụ thể thi hành Điều lệ Đảng (01-HD/TW).
    Guidance,
    /// Hướng dẫn nghiệp vụ công tác đảng viên and its forms (12-HD/BTCTW).
    Forms,
    /// ketnap's own data-integrity rules (no regulation).
    Ketnap,
}

/// A rule as written once: the article under each numbering of the implementing rules
/// (`article_2016`: QĐ 29-QĐ/TW and HD 01-HD/TW 2016; `article_2021`: QĐ 24-QĐ/TW and later,
/// which renumbered the points as 1.1.1, 1.1.2…).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleTemplate {
    pub id: &'static str,
    pub source: Source,
    pub article_2016: &'static str,
    pub article_2021: &'static str,
    pub title_vi: &'static str,
    pub title_en: &'static str,
}

/// Quy tắc — a rule as in force over a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleDef {
    pub id: &'static str,
    pub regulation: &'static str,
    pub article: &'static str,
    pub in_force: Period,
    pub title_vi: &'static str,
    pub title_en: &'static str,
}

/// The numbers a rule set uses (the same in every version found so far, kept as data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Params {
    /// Đủ 18 tuổi (tính theo tháng).
    pub min_age_months: i32,
    /// Đủ 60 tuổi (tính theo tháng); above it needs the provincial committee.
    pub max_age_months: i32,
    /// Validity of the awareness-course certificate.
    pub certificate_years: u32,
    /// Introducers must have worked with the applicant this long.
    pub introducer_months: i32,
    /// Thời kỳ dự bị.
    pub probation_months: u32,
    /// Ceremony within this many working days of receiving the decision.
    pub ceremony_working_days: u32,
    /// Recognition vote within this many working days after probation ends.
    pub recognition_working_days: u32,
    /// Admission decision within this many working days of the branch resolution.
    pub decision_working_days: u32,
    /// … extendable in special cases by at most this many.
    pub decision_extension_working_days: u32,
    /// Recognition decision within this many working days of the branch resolution.
    pub recognition_decision_working_days: u32,
}

const PARAMS: Params = Params {
    min_age_months: 18 * 12,
    max_age_months: 60 * 12,
    certificate_years: 5,
    introducer_months: 12,
    probation_months: 12,
    ceremony_working_days: 30,
    recognition_working_days: 30,
    decision_working_days: 60,
    decision_extension_working_days: 30,
    recognition_decision_working_days: 30,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Numbering {
    V2016,
    V2021,
}

/// Bộ quy tắc — the regulations in force over a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSet {
    pub id: &'static str,
    pub in_force: Period,
    pub charter: &'static str,
    pub implementing: &'static str,
    pub guidance: &'static str,
    pub forms: &'static str,
    numbering: Numbering,
    pub params: Params,
}

const fn ymd(y: i32, m: u32, d: u32) -> Date {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(x) => x,
        None => NaiveDate::MIN,
    }
}

const CHARTER: &str = "Điều lệ Đảng Cộng sản Việt Nam (2011)";

static RULE_SETS: [RuleSet; 5] = [
    RuleSet {
        id: "2016",
        in_force: Period {
            from: ymd(2016, 7, 25),
            to: Some(ymd(2021, 7, 30)),
        },
        charter: CHARTER,
        implementing: "Quy định 29-QĐ/TW (25/7/2016) thi hành Điều lệ Đảng",
        guidance: "Hướng dẫn 01-HD/TW (20/9/2016) một số vấn đề cụ thể thi hành Điều lệ Đảng",
        forms: "Hướng dẫn 12-HD/BTCTW (17/5/2012) nghiệp vụ công tác đảng viên",
        numbering: Numbering::V2016,
        params: PARAMS,
    },
    RuleSet {
        id: "2021",
        in_force: Period {
            from: ymd(2021, 7, 30),
            to: Some(ymd(2022, 1, 18)),
        },
        charter: CHARTER,
        implementing: "Quy định 24-QĐ/TW (30/7/2021) thi hành Điều lệ Đảng",
        guidance: "Hướng dẫn 01-HD/TW (28/9/2021) một số vấn đề cụ thể thi hành Điều lệ Đảng",
        forms: "Hướng dẫn 12-HD/BTCTW (17/5/2012) nghiệp vụ công tác đảng viên",
        numbering: Numbering::V2021,
        params: PARAMS,
    },
    RuleSet {
        id: "2022",
        in_force: Period {
            from: ymd(2022, 1, 18),
            to: Some(ymd(2025, 1, 20)),
        },
        charter: CHARTER,
        implementing: "Quy định 24-QĐ/TW (30/7/2021) thi hành Điều lệ Đảng",
        guidance: "Hướng dẫn 01-HD/TW (28/9/2021) một số vấn đề cụ thể thi hành Điều lệ Đảng",
        forms: "Hướng dẫn 12-HD/BTCTW (18/01/2022) nghiệp vụ công tác đảng viên",
        numbering: Numbering::V2021,
        params: PARAMS,
    },
    RuleSet {
        id: "2025-01",
        in_force: Period {
            from: ymd(2025, 1, 20),
            to: Some(ymd(2025, 7, 1)),
        },
        charter: CHARTER,
        implementing: "Quy định 232-QĐ/TW (20/01/2025) thi hành Điều lệ Đảng",
        guidance: "Hướng dẫn 01-HD/TW (28/9/2021) một số vấn đề cụ thể thi hành Điều lệ Đảng (confirm: still applied with QĐ 232)",
        forms: "Hướng dẫn 12-HD/BTCTW (18/01/2022) nghiệp vụ công tác đảng viên",
        numbering: Numbering::V2021,
        params: PARAMS,
    },
    RuleSet {
        id: "2025-07",
        in_force: Period {
            from: ymd(2025, 7, 1),
            to: None,
        },
        charter: CHARTER,
        implementing: "Quy định 294-QĐ/TW (26/5/2025) thi hành Điều lệ Đảng (confirm point numbering)",
        guidance: "Hướng dẫn thi hành Quy định 294-QĐ/TW (confirm number; 01-HD/TW 2021 until replaced)",
        forms: "Hướng dẫn 12-HD/BTCTW (18/01/2022) nghiệp vụ công tác đảng viên (confirm: forms after 1/7/2025)",
        numbering: Numbering::V2021,
        params: PARAMS,
    },
];

impl RuleSet {
    /// Every rule set, oldest first.
    pub fn all() -> &'static [RuleSet] {
        &RULE_SETS
    }

    /// The rule set in force on `d`. Events before 25/7/2016 are judged by the 2016 set, which
    /// restated the 2011 rules on these points (ketnap covers 2016 onwards).
    pub fn for_date(d: Date) -> &'static RuleSet {
        RULE_SETS
            .iter()
            .rev()
            .find(|s| s.in_force.from <= d)
            .unwrap_or(&RULE_SETS[0])
    }

    /// The rule as this set states it.
    pub fn def(&self, t: &RuleTemplate) -> RuleDef {
        RuleDef {
            id: t.id,
            regulation: match t.source {
                Source::Charter => self.charter,
                Source::Implementing => self.implementing,
                Source::Guidance => self.guidance,
                Source::Forms => self.forms,
                Source::Ketnap => "ketnap",
            },
            article: match self.numbering {
                Numbering::V2016 => t.article_2016,
                Numbering::V2021 => t.article_2021,
            },
            in_force: self.in_force,
            title_vi: t.title_vi,
            title_en: t.title_en,
        }
    }

    /// Every rule of this set.
    pub fn rules(&self) -> Vec<RuleDef> {
        TEMPLATES.iter().map(|t| self.def(t)).collect()
    }
}

/// Every rule template, by family.
pub static TEMPLATES: &[&RuleTemplate] = &[
    &age::MIN,
    &age::MAX,
    &education::MIN,
    &certificate::VALID,
    &introducers::OFFICIAL,
    &introducers::WORKED_12_MONTHS,
    &introducers::COUNT,
    &introducers::YOUTH_UNION_MEMBER,
    &introducers::TRADE_UNION_MEMBER,
    &mentor::OFFICIAL,
    &votes::COUNTS,
    &votes::TWO_THIRDS,
    &votes::COMMITTEE_TWO_THIRDS,
    &order::REQUIRES,
    &order::NOT_BEFORE,
    &order::STAGE,
    &order::COMMITTEE_STEP,
    &deadlines::CEREMONY,
    &deadlines::PROBATION,
    &deadlines::RECOGNITION,
    &deadlines::DECISION,
    &deadlines::RECOGNITION_DECISION,
    &dossier::MISSING,
    &integrity::EVENT_ID,
    &integrity::CORRECTION_TARGET,
    &integrity::CORRECTION_REASON,
    &integrity::EXCEPTION_RULE,
];

/// The template of a rule id.
pub fn template(id: &str) -> Option<&'static RuleTemplate> {
    TEMPLATES.iter().copied().find(|t| t.id == id)
}

/// Every rule of every rule set (for documentation and the API).
pub fn catalogue() -> Vec<RuleDef> {
    RULE_SETS.iter().flat_map(|s| s.rules()).collect()
}

/// Từ chối — a refused event: which rule, where it is written, the facts, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub rule_id: &'static str,
    pub regulation: &'static str,
    pub article: &'static str,
    /// The concrete facts that failed, as (name, value) with dates `dd/mm/yyyy`.
    pub facts: Vec<(String, String)>,
    pub message_vi: String,
    pub message_en: String,
    /// The event the refusal is about when it is not the one submitted: a later event that the
    /// submitted one (back-dated, corrected or retracting) would make invalid.
    pub event_id: Option<EventId>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] {} ({}, {})",
            self.rule_id, self.message_en, self.regulation, self.article
        )
    }
}

/// What the store knows about a person who mentors or introduces, on the event's date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberFact {
    /// Official (not probationary) member of the candidate's branch on the date.
    pub official: bool,
    /// Since when they are an official member, if known.
    pub official_since: Option<Date>,
}

/// Dữ kiện — what the store knows that the events do not carry, as of the event's date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub birth_date: Option<Sensitive<Date>>,
    pub education: Option<GeneralEducation>,
    /// Lives in a mountainous, island, ethnic-minority or especially difficult area.
    pub difficult_area: bool,
    /// Đoàn viên — a Youth Union member.
    pub youth_union_member: bool,
    /// Đoàn viên công đoàn — a trade-union member.
    pub trade_union_member: bool,
    /// The kind of the candidate's branch (a grassroots branch has no committee step).
    pub branch_kind: OrgKind,
    /// Official members of the branch on the date.
    pub branch_official_members: Option<u32>,
    /// Members of the grassroots committee (đảng ủy cơ sở) on the date.
    pub committee_members: Option<u32>,
    /// Mentors and introducers named by the event.
    pub people: BTreeMap<PersonId, MemberFact>,
    /// The level that approved admitting someone over 60, from the store's own records.
    pub over_60_approved_level: Option<CommitteeLevel>,
}

impl Facts {
    /// Facts with nothing known but the branch kind.
    pub fn new(branch_kind: OrgKind) -> Self {
        Facts {
            birth_date: None,
            education: None,
            difficult_area: false,
            youth_union_member: false,
            trade_union_member: false,
            branch_kind,
            branch_official_members: None,
            committee_members: None,
            people: BTreeMap::new(),
            over_60_approved_level: None,
        }
    }

    /// Whether the branch sits under a grassroots committee whose resolution (8-KNĐ) is needed.
    pub fn needs_committee(&self) -> bool {
        self.branch_kind != OrgKind::GrassrootsBranch
    }
}

/// What a rule sees when it judges one event.
pub(crate) struct Ctx<'a> {
    /// The event (for a correction: its corrected content in the original's place).
    pub event: &'a Event,
    /// The case as it stood just before the event.
    pub before: &'a CaseState,
    /// The whole case with the event recorded (to tell a missing step from one dated later).
    pub whole: &'a CaseState,
    /// `None` when re-checking a later event (only fact-free rules run).
    pub facts: Option<&'a Facts>,
    pub needs_committee: Option<bool>,
    pub cal: &'a Calendar,
    pub rules: &'static RuleSet,
    /// Whether this is a later event being re-checked.
    pub later: bool,
}

impl Ctx<'_> {
    pub fn params(&self) -> &'static Params {
        &self.rules.params
    }

    /// A refusal under the rule set in force on the event's date.
    pub fn refuse(
        &self,
        t: &RuleTemplate,
        facts: Vec<(&str, String)>,
        message_vi: String,
        message_en: String,
    ) -> Refusal {
        let def = self.rules.def(t);
        let mut facts: Vec<(String, String)> =
            facts.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let (message_vi, message_en, event_id) = if self.later {
            let step = self.event.step();
            facts.insert(0, ("event".into(), format!("#{}", self.event.id)));
            (
                format!(
                    "Sự kiện #{} ({}, {}) sẽ không còn hợp lệ: {message_vi}",
                    self.event.id,
                    step.label_vi(),
                    dmy(self.event.date)
                ),
                format!(
                    "Later event #{} ({}, {}) would become invalid: {message_en}",
                    self.event.id,
                    step.label_en(),
                    dmy(self.event.date)
                ),
                Some(self.event.id),
            )
        } else {
            (message_vi, message_en, None)
        };
        Refusal {
            rule_id: def.id,
            regulation: def.regulation,
            article: def.article,
            facts,
            message_vi,
            message_en,
            event_id,
        }
    }

    /// An exception for `rule_id` on record before the event, approved at `min_level` or above.
    pub fn exception(&self, rule_id: &str, min_level: CommitteeLevel) -> Option<&GrantedException> {
        self.before
            .exception_for(rule_id)
            .filter(|x| x.level >= min_level)
    }
}

/// A date as `dd/mm/yyyy`.
pub fn dmy(d: Date) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// "17 năm 11 tháng" / "17 years 11 months" from a count of months.
pub(crate) fn years_months(months: i32) -> (String, String) {
    let (y, m) = (months.div_euclid(12), months.rem_euclid(12));
    (
        format!("{y} tuổi {m} tháng"),
        format!("{y} years {m} months"),
    )
}

fn run(ctx: &Ctx<'_>, out: &mut Vec<Refusal>) {
    order::check(ctx, out);
    age::check(ctx, out);
    education::check(ctx, out);
    certificate::check(ctx, out);
    introducers::check(ctx, out);
    mentor::check(ctx, out);
    votes::check(ctx, out);
    deadlines::check(ctx, out);
    dossier::check(ctx, out);
}

/// Kiểm tra — judges `event` against the case `state` and the `facts` the store knows on the
/// event's date. `Ok` means it may be recorded; every broken rule is returned otherwise.
///
/// Later events are re-checked without facts (order, certificate validity, time limits,
/// dossier): a back-dated, corrected or retracting event is refused when it would make one of
/// them invalid, naming it in [`Refusal::event_id`].
pub fn check(
    event: &Event,
    state: &CaseState,
    facts: &Facts,
    cal: &Calendar,
) -> Result<(), Vec<Refusal>> {
    let mut out = vec![];
    integrity::check(event, state, RuleSet::for_date(event.date), &mut out);
    if !out.is_empty() {
        return Err(out);
    }
    let needs_committee = Some(facts.needs_committee());
    let root = event.corrects.map_or(event.id, |t| state.root_of(t));
    let old_key = state.effective_event(root).map(order_key);
    let after = state.apply(event.clone());
    let new_pos = after.effective.iter().position(|e| e.id == root);
    if let Some(pos) = new_pos {
        let before = CaseState::from_effective(&after.effective[..pos]);
        let ev = &after.effective[pos];
        let ctx = Ctx {
            event: ev,
            before: &before,
            whole: &after,
            facts: Some(facts),
            needs_committee,
            cal,
            rules: RuleSet::for_date(ev.date),
            later: false,
        };
        run(&ctx, &mut out);
    }
    let new_key = new_pos.map(|p| order_key(&after.effective[p]));
    let from = match (old_key, new_key) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(from) = from {
        for (i, later) in after.effective.iter().enumerate() {
            if later.id == root || order_key(later) <= from {
                continue;
            }
            let found = recheck(&after, i, needs_committee, cal);
            if found.is_empty() {
                continue;
            }
            // Only what the submitted event breaks: a later event that already broke a rule
            // (legacy data) does not block unrelated entries.
            let already: Vec<&str> = state
                .effective
                .iter()
                .position(|e| e.id == later.id)
                .map(|j| recheck(state, j, needs_committee, cal))
                .unwrap_or_default()
                .iter()
                .map(|r| r.rule_id)
                .collect();
            let new: Vec<Refusal> = found
                .into_iter()
                .filter(|r| !already.contains(&r.rule_id))
                .collect();
            if !new.is_empty() {
                out.extend(new);
                break;
            }
        }
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// Re-checks, without facts, the `i`-th effective event of `whole`.
fn recheck(
    whole: &CaseState,
    i: usize,
    needs_committee: Option<bool>,
    cal: &Calendar,
) -> Vec<Refusal> {
    let (Some(later), Some(prefix)) = (whole.effective.get(i), whole.effective.get(..i)) else {
        return vec![];
    };
    let before = CaseState::from_effective(prefix);
    let ctx = Ctx {
        event: later,
        before: &before,
        whole,
        facts: None,
        needs_committee,
        cal,
        rules: RuleSet::for_date(later.date),
        later: true,
    };
    let mut out = vec![];
    run(&ctx, &mut out);
    out
}

/// Ghi nhận — checks the event and returns the new state when it is accepted.
pub fn record(
    state: &CaseState,
    event: Event,
    facts: &Facts,
    cal: &Calendar,
) -> Result<CaseState, Vec<Refusal>> {
    check(&event, state, facts, cal)?;
    Ok(state.apply(event))
}

/// Replays a whole history in insertion order (`seq`), checking every event with the facts
/// `facts_for` gives for it — the path for bulk import: the first refused event stops it, and
/// nothing partial is returned.
pub fn replay<F>(
    events: &[Event],
    mut facts_for: F,
    cal: &Calendar,
) -> Result<CaseState, (EventId, Vec<Refusal>)>
where
    F: FnMut(&Event, &CaseState) -> Facts,
{
    let mut sorted = events.to_vec();
    sorted.sort_by_key(|e| (e.seq, e.id));
    let mut state = CaseState::default();
    for e in sorted {
        let facts = facts_for(&e, &state);
        let id = e.id;
        state = record(&state, e, &facts, cal).map_err(|r| (id, r))?;
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::testkit::{d, facts, happy_path};

    #[test]
    fn rule_sets_cover_time_without_gaps() {
        let sets = RuleSet::all();
        for w in sets.windows(2) {
            assert!(
                w[0].in_force.meets(&w[1].in_force),
                "{} → {}",
                w[0].id,
                w[1].id
            );
        }
        assert_eq!(RuleSet::for_date(d(2016, 7, 24)).id, "2016");
        assert_eq!(RuleSet::for_date(d(2021, 7, 29)).id, "2016");
        assert_eq!(RuleSet::for_date(d(2021, 7, 30)).id, "2021");
        assert_eq!(RuleSet::for_date(d(2022, 1, 18)).id, "2022");
        assert_eq!(RuleSet::for_date(d(2025, 6, 30)).id, "2025-01");
        assert_eq!(RuleSet::for_date(d(2025, 7, 1)).id, "2025-07");
        assert!(RuleSet::for_date(d(2030, 1, 1)).in_force.is_open());
    }

    #[test]
    fn catalogue_ids_are_unique_per_set_and_cite_something() {
        for set in RuleSet::all() {
            let rules = set.rules();
            let mut ids: Vec<&str> = rules.iter().map(|r| r.id).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), rules.len(), "{}", set.id);
            for r in &rules {
                assert!(
                    !r.article.is_empty() && !r.regulation.is_empty(),
                    "{}",
                    r.id
                );
                assert!(!r.title_vi.is_empty() && !r.title_en.is_empty(), "{}", r.id);
            }
        }
        assert_eq!(catalogue().len(), RuleSet::all().len() * TEMPLATES.len());
        let r = RuleSet::for_date(d(2024, 5, 2)).def(&votes::TWO_THIRDS);
        assert!(r.regulation.contains("Điều lệ"));
        let a = RuleSet::for_date(d(2018, 5, 2)).def(&age::MIN);
        let b = RuleSet::for_date(d(2024, 5, 2)).def(&age::MIN);
        assert!(a.regulation.contains("29-QĐ/TW") && b.regulation.contains("24-QĐ/TW"));
        assert_ne!(a.article, b.article);
        assert!(
            RuleSet::for_date(d(2025, 8, 1))
                .def(&age::MIN)
                .regulation
                .contains("294-QĐ/TW")
        );
    }

    #[test]
    fn replay_accepts_the_happy_path_and_names_the_first_refusal() {
        let cal = Calendar::shipped();
        let events = happy_path(d(2023, 3, 1));
        let s = replay(&events, |_, _| facts(), &cal);
        assert!(s.is_ok(), "{:?}", s.err());
        let mut bad = events.clone();
        // Drop the application: the history submission is the first to be refused.
        bad.retain(|e| e.step() != super::super::StepKind::ApplicationSubmitted);
        let err = replay(&bad, |_, _| facts(), &cal).err();
        let Some((id, refusals)) = err else {
            panic!("accepted without an application")
        };
        assert_eq!(
            bad.iter().find(|e| e.id == id).map(|e| e.step()),
            Some(super::super::StepKind::HistorySubmitted)
        );
        assert!(refusals.iter().any(|r| r.rule_id == "order.requires"));
    }

    #[test]
    fn a_grassroots_branch_skips_the_committee() {
        let cal = Calendar::shipped();
        let events: Vec<Event> = happy_path(d(2024, 6, 3))
            .into_iter()
            .filter(|e| e.step() != super::super::StepKind::CommitteeResolved)
            .collect();
        let s = replay(
            &events,
            |_, _| crate::pipeline::testkit::grassroots_branch_facts(),
            &cal,
        );
        assert_eq!(
            s.map(|s| s.stage).map_err(|e| e.1),
            Ok(crate::pipeline::Stage::Official)
        );
    }

    #[test]
    fn every_refusal_names_a_known_rule() {
        let cal = Calendar::shipped();
        let events = happy_path(d(2023, 3, 1));
        // Feed each event to a case that is missing everything before it.
        for e in &events {
            if let Err(rs) = check(e, &CaseState::default(), &facts(), &cal) {
                for r in rs {
                    assert!(template(r.rule_id).is_some(), "{}", r.rule_id);
                    assert!(!r.message_vi.is_empty() && !r.message_en.is_empty());
                }
            }
        }
    }
}
