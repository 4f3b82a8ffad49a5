//! Hồ sơ phát triển đảng viên — the admission cases of a province: every person whose current
//! status is `candidate` gets an open case in their branch, with a rule-valid event history up
//! to a random stage (at most the admission decision); every probationary member admitted 12–14
//! months before the end gets a case ending at the ceremony (the recognition is then due or
//! overdue). Mentors and introducers are official members of the branch on the day; the branch
//! vote counts the branch's official members on its date. The case rows carry the projections
//! the store computes ([`ketnap_domain::pipeline::projection::project`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ketnap_domain::Date;
use ketnap_domain::calendar::Calendar;
use ketnap_domain::dataset::{CaseEventRow, CaseRow, PersonSpell};
use ketnap_domain::org::{OrgId, OrgKind};
use ketnap_domain::person::{GeneralEducation, PartyStatus, Person, PersonId};
use ketnap_domain::pipeline::projection::project;
use ketnap_domain::pipeline::rules::votes::two_thirds_needed;
use ketnap_domain::pipeline::{
    CaseState, CommitteeLevel, DecisionLevel, Event, EventKind, FormCode, Introducer, Proposer,
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::{REFORM, add_days};

/// Who records the generated events.
pub const ACTOR: &str = "demo";

/// An official spell in a branch: `(person, from, to)` (`to` = open end when open).
type Official = (PersonId, Date, Date);

/// Someone who gets a case.
#[derive(Clone, Copy, Debug)]
struct Subject {
    person: PersonId,
    branch: OrgId,
    listed: Date,
    /// The ceremony (probationary members): the case ends there.
    ceremony: Option<Date>,
    education: GeneralEducation,
}

/// What the cases need from a province's people, gathered as their batches go by.
#[derive(Debug, Default)]
pub struct Collector {
    officials: HashMap<OrgId, Vec<Official>>,
    subjects: Vec<Subject>,
}

impl Collector {
    /// Takes note of one batch of people and their spells (a person's spells are contiguous
    /// and in date order).
    pub fn add(&mut self, people: &[Person], spells: &[PersonSpell], until: Date) {
        let edu: HashMap<PersonId, GeneralEducation> =
            people.iter().map(|p| (p.id, p.education)).collect();
        for s in spells {
            if s.spell.status == PartyStatus::Official
                && let Some(b) = s.spell.branch
            {
                self.officials.entry(b).or_default().push((
                    s.person,
                    s.spell.period.from,
                    s.spell.period.end_or_max(),
                ));
            }
        }
        let mut i = 0;
        while i < spells.len() {
            let person = spells[i].person;
            let mut j = i;
            while j < spells.len() && spells[j].person == person {
                j += 1;
            }
            let mine = &spells[i..j];
            i = j;
            let Some(last) = mine.last().map(|s| s.spell) else {
                continue;
            };
            let (Some(branch), true) = (last.branch, last.period.is_open()) else {
                continue;
            };
            let education = edu
                .get(&person)
                .copied()
                .unwrap_or(GeneralEducation::UpperSecondary);
            match last.status {
                PartyStatus::Candidate => self.subjects.push(Subject {
                    person,
                    branch,
                    listed: last.period.from,
                    ceremony: None,
                    education,
                }),
                PartyStatus::Probationary => {
                    let c = last.period.from;
                    let back = |m: u32| until.checked_sub_months(chrono::Months::new(m));
                    let recent =
                        back(14).is_some_and(|lo| c > lo) && back(12).is_some_and(|hi| c <= hi);
                    let prev = mine.len().checked_sub(2).map(|k| mine[k].spell);
                    if recent
                        && let Some(p) = prev
                        && p.status == PartyStatus::Candidate
                        && p.branch == Some(branch)
                        && p.period.to == Some(c)
                    {
                        self.subjects.push(Subject {
                            person,
                            branch,
                            listed: p.period.from,
                            ceremony: Some(c),
                            education,
                        });
                    }
                }
                _ => {}
            }
        }
    }
}

/// Case and event ids, shared by all provinces of a run.
#[derive(Debug, Default)]
pub struct CaseIds {
    case: i64,
    event: i64,
}

/// The official members of a branch on a day, except `not`.
fn officials_on(list: &[Official], d: Date, not: &[PersonId]) -> Vec<(PersonId, Date)> {
    list.iter()
        .filter(|(p, from, to)| *from <= d && d < *to && !not.contains(p))
        .map(|(p, from, _)| (*p, *from))
        .collect()
}

const PROPOSERS: [Proposer; 4] = [
    Proposer::YouthUnion,
    Proposer::WomensUnion,
    Proposer::FarmersUnion,
    Proposer::TradeUnion,
];

struct Case<'a> {
    events: Vec<Event>,
    actor: &'a str,
    ids: &'a mut CaseIds,
}

impl Case<'_> {
    fn push(&mut self, date: Date, kind: EventKind, doc: Option<(Option<FormCode>, String)>) {
        self.ids.event += 1;
        let seq = self.events.len() as i64 + 1;
        let mut e = Event::new(self.ids.event, seq, date, kind, self.actor);
        if let Some((form, number)) = doc {
            e = e.with_document(form, &number);
        }
        self.events.push(e);
    }
}

/// Builds the cases of the province; returns the rows.
pub fn build(
    col: &Collector,
    kinds: &dyn Fn(OrgId) -> Option<OrgKind>,
    rng: &mut ChaCha8Rng,
    until: Date,
    cal: &Calendar,
    ids: &mut CaseIds,
) -> (Vec<CaseRow>, Vec<CaseEventRow>) {
    let at: DateTime<Utc> = until.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let mut cases = vec![];
    let mut rows = vec![];
    let empty: Vec<Official> = vec![];
    for s in &col.subjects {
        let officials = col.officials.get(&s.branch).unwrap_or(&empty);
        let needs_committee = kinds(s.branch).is_none_or(|k| k != OrgKind::GrassrootsBranch);
        let case_id = ids.case + 1;
        let mut c = Case {
            events: vec![],
            actor: ACTOR,
            ids,
        };
        let ok = match s.ceremony {
            Some(cer) => admitted(&mut c, s, officials, needs_committee, cer, rng, case_id),
            None => {
                candidate(&mut c, s, officials, needs_committee, until, rng, case_id);
                true
            }
        };
        let events = std::mem::take(&mut c.events);
        if !ok || events.is_empty() {
            // Event ids are not reused: gaps are harmless.
            continue;
        }
        ids.case = case_id;
        let state = CaseState::derive(&events);
        let proposed_by = match events[0].kind {
            EventKind::SourceListed { proposed_by } => proposed_by,
            _ => Proposer::YouthUnion,
        };
        cases.push(CaseRow {
            id: case_id,
            person: s.person,
            origin_branch: s.branch,
            opened_on: s.listed,
            proposed_by,
            version: events.len() as i64,
            actor: ACTOR.to_string(),
            recorded_at: at,
            projection: project(&state, s.branch, s.listed, cal),
        });
        rows.extend(events.into_iter().map(|event| CaseEventRow {
            case: case_id,
            event,
            recorded_at: at,
        }));
    }
    (cases, rows)
}

/// The steps before the branch vote, dated from `dates` (one per step, non-decreasing); stops
/// early (returns false) when the branch has no official member to mentor or introduce.
#[allow(clippy::too_many_arguments)]
fn front(
    c: &mut Case<'_>,
    s: &Subject,
    officials: &[Official],
    dates: &[Date],
    rng: &mut ChaCha8Rng,
    case_id: i64,
) -> bool {
    let n = case_id;
    for (k, &d) in dates.iter().enumerate() {
        match k {
            0 => c.push(
                d,
                EventKind::SourceListed {
                    proposed_by: PROPOSERS[rng.random_range(0..PROPOSERS.len())],
                },
                Some((None, format!("{}-NQ/CB", rng.random_range(1..90)))),
            ),
            1 => {
                let m = officials_on(officials, d, &[s.person]);
                if m.is_empty() {
                    return false;
                }
                let mentor = m[rng.random_range(0..m.len())].0;
                c.push(
                    d,
                    EventKind::MentorAssigned { mentor },
                    Some((None, format!("{}-NQ/CB", rng.random_range(1..90)))),
                );
            }
            2 => c.push(
                d,
                EventKind::CourseCompleted {
                    certificate_no: format!("CN-{n:07}"),
                    issued: d,
                    reserved_class: None,
                },
                None,
            ),
            3 => c.push(
                d,
                EventKind::ApplicationSubmitted,
                Some((Some(FormCode::Knd1), format!("Đ-{n}"))),
            ),
            4 => c.push(
                d,
                EventKind::HistorySubmitted,
                Some((Some(FormCode::Knd2), format!("LL-{n}"))),
            ),
            5 => c.push(
                d,
                EventKind::HistoryVerified {
                    conclusion_ok: true,
                },
                Some((None, format!("KL-{n}"))),
            ),
            6 | 7 => {
                let mut not = vec![s.person];
                not.extend(c.events.iter().filter_map(|e| match &e.kind {
                    EventKind::Introduced {
                        introducer: Introducer::Member { person, .. },
                    } => Some(*person),
                    _ => None,
                }));
                let m = officials_on(officials, d, &not);
                if m.is_empty() {
                    return false;
                }
                let (person, since) = m[rng.random_range(0..m.len())];
                let worked = add_days(d, -rng.random_range(400..1500));
                c.push(
                    d,
                    EventKind::Introduced {
                        introducer: Introducer::Member {
                            person,
                            official_since: since,
                            worked_together_since: worked,
                        },
                    },
                    Some((Some(FormCode::Knd3), format!("GT-{n}-{k}"))),
                );
            }
            8 => {
                if s.education < GeneralEducation::LowerSecondary {
                    c.push(
                        d,
                        EventKind::ExceptionGranted {
                            rule_id: "education.min".into(),
                            approved_by: "Ban Thường vụ Tỉnh ủy".into(),
                            level: CommitteeLevel::Provincial,
                            basis: "HD 01-HD/TW điểm 1.2".into(),
                        },
                        Some((None, format!("CV-{n}"))),
                    );
                }
                c.push(
                    d,
                    EventKind::CommentsCollected,
                    Some((Some(FormCode::Knd5), format!("TH-{n}"))),
                );
            }
            _ => {}
        }
    }
    true
}

/// The branch vote on `d` (false when the branch has no official member that day).
fn vote(c: &mut Case<'_>, officials: &[Official], d: Date, rng: &mut ChaCha8Rng) -> bool {
    let total = officials
        .iter()
        .filter(|(_, f, t)| *f <= d && d < *t)
        .count() as u32;
    if total == 0 {
        return false;
    }
    let need = two_thirds_needed(total);
    let present = rng.random_range(need..=total);
    let in_favour = rng.random_range(need..=present);
    let against = rng.random_range(0..=present - in_favour);
    c.push(
        d,
        EventKind::BranchVoted {
            official_members: total,
            present,
            in_favour,
            against,
        },
        Some((
            Some(FormCode::Knd6),
            format!("{}-NQ/CB", rng.random_range(1..90)),
        )),
    );
    true
}

fn committee(c: &mut Case<'_>, d: Date, rng: &mut ChaCha8Rng) {
    let members = rng.random_range(5..=15);
    let in_favour = rng.random_range(two_thirds_needed(members)..=members);
    c.push(
        d,
        EventKind::CommitteeResolved { members, in_favour },
        Some((
            Some(FormCode::Knd8),
            format!("{}-NQ/ĐU", rng.random_range(1..200)),
        )),
    );
}

fn decision(c: &mut Case<'_>, d: Date, rng: &mut ChaCha8Rng) {
    let level = if d >= REFORM {
        DecisionLevel::AuthorisedGrassroots
    } else {
        DecisionLevel::DirectSuperior
    };
    c.push(
        d,
        EventKind::AdmissionDecided {
            level,
            received: None,
        },
        Some((
            Some(FormCode::Knd9),
            format!("{}-QĐ/ĐU", rng.random_range(1..2000)),
        )),
    );
}

/// A current candidate: steps at typical intervals from the listing, each taken with some
/// chance, until today; at most the admission decision.
fn candidate(
    c: &mut Case<'_>,
    s: &Subject,
    officials: &[Official],
    needs_committee: bool,
    until: Date,
    rng: &mut ChaCha8Rng,
    case_id: i64,
) {
    const GAPS: [(i64, i64); 9] = [
        (0, 1),
        (3, 20),
        (15, 90),
        (7, 30),
        (2, 10),
        (20, 60),
        (3, 15),
        (0, 5),
        (5, 20),
    ];
    let mut dates = vec![];
    let mut d = s.listed;
    for (k, (lo, hi)) in GAPS.iter().enumerate() {
        d = add_days(d, rng.random_range(*lo..*hi));
        if d >= until || (k > 0 && rng.random_bool(0.12)) {
            break;
        }
        dates.push(d);
    }
    let complete = dates.len() == GAPS.len();
    if !front(c, s, officials, &dates, rng, case_id) || !complete {
        return;
    }
    // Vote, committee, decision.
    d = add_days(d, rng.random_range(5..20));
    if d >= until || rng.random_bool(0.2) || !vote(c, officials, d, rng) {
        return;
    }
    if needs_committee {
        d = add_days(d, rng.random_range(3..12));
        if d >= until || rng.random_bool(0.2) {
            return;
        }
        committee(c, d, rng);
    }
    d = add_days(d, rng.random_range(5..25));
    if d >= until || rng.random_bool(0.3) {
        return;
    }
    decision(c, d, rng);
}

/// A probationary member admitted at `ceremony`: the whole path from the listing to the
/// ceremony. False when it does not fit (no official member to mentor, introduce or vote).
fn admitted(
    c: &mut Case<'_>,
    s: &Subject,
    officials: &[Official],
    needs_committee: bool,
    ceremony: Date,
    rng: &mut ChaCha8Rng,
    case_id: i64,
) -> bool {
    let dec = add_days(ceremony, -rng.random_range(5..25));
    let com = add_days(dec, -rng.random_range(5..15));
    let vote_on = add_days(
        if needs_committee { com } else { dec },
        -rng.random_range(3..10),
    );
    if vote_on <= add_days(s.listed, 9) {
        return false;
    }
    let span = (vote_on - s.listed).num_days();
    let mut dates: Vec<Date> = (0..8)
        .map(|_| add_days(s.listed, rng.random_range(1..span)))
        .collect();
    dates.sort();
    dates.insert(0, s.listed);
    if !front(c, s, officials, &dates, rng, case_id) || !vote(c, officials, vote_on, rng) {
        return false;
    }
    if needs_committee {
        committee(c, com, rng);
    }
    decision(c, dec, rng);
    c.push(
        ceremony,
        EventKind::CeremonyHeld,
        Some((None, format!("BB-{case_id}"))),
    );
    true
}
