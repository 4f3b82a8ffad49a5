//! Property tests of the pipeline: valid histories give consistent states, dates never run
//! backwards, the order events are handed over in does not matter, and a correction means the
//! same as having recorded the corrected event in the first place.

use chrono::Days;
use proptest::prelude::*;

use super::events::{CommitteeLevel, DossierDoc, Event, EventKind, Introducer, StepKind};
use super::rules::{self, check, order, record, replay};
use super::state::{CaseState, Stage};
use super::testkit::{Gaps, INTRO_A, MENTOR, d, facts, happy_path_with};
use crate::calendar::{Calendar, add_months};

fn arb_gaps() -> impl Strategy<Value = Gaps> {
    (
        (
            0u64..60,
            0u64..60,
            0u64..60,
            0u64..30,
            0u64..60,
            0u64..30,
            0u64..30,
            0u64..30,
        ),
        (
            0u64..60,
            0u64..30,
            0u64..60,
            0u64..=38,
            0u64..200,
            0u64..30,
            0u64..=38,
            0u64..60,
        ),
    )
        .prop_map(|(a, b)| Gaps {
            mentor: a.0,
            course: a.1,
            application: a.2,
            history: a.3,
            verified: a.4,
            intro_a: a.5,
            intro_b: a.6,
            comments: a.7,
            vote: b.0,
            committee: b.1,
            decision: b.2,
            ceremony: b.3,
            new_member_course: b.4,
            docs_before_end: b.5,
            recognition_vote: b.6,
            recognition_decided: b.7,
        })
}

/// A start between 01/08/2016 and the end of 2026: every rule set gets its turn.
fn arb_start() -> impl Strategy<Value = crate::dates::Date> {
    (0u64..3800).prop_map(|n| d(2016, 8, 1) + Days::new(n))
}

/// The invariants every derived state keeps.
fn assert_consistent(s: &CaseState) -> Result<(), TestCaseError> {
    let dt = &s.dates;
    // Dates never run backwards along the procedure.
    let chain = [
        dt.listed,
        dt.application,
        dt.history_submitted,
        dt.history_verified,
        dt.branch_vote,
        dt.committee_resolution,
        dt.decision,
        dt.ceremony,
        dt.recognition_vote,
        dt.recognition,
    ];
    let present: Vec<_> = chain.iter().flatten().collect();
    for w in present.windows(2) {
        prop_assert!(w[0] <= w[1], "dates run backwards: {:?}", chain);
    }
    // (The course is not in the chain: it may be taken again before the vote when the
    // certificate would expire.)
    // Derived dates.
    prop_assert_eq!(dt.probation_end, dt.ceremony.map(|c| add_months(c, 12)));
    if dt.recognition.is_some() {
        prop_assert_eq!(dt.official_from, dt.probation_end);
    }
    if s.readmission.is_none() {
        prop_assert_eq!(dt.party_age_from, dt.decision);
    }
    // Stage and dates agree.
    let p = s.progress();
    prop_assert_eq!(p >= Stage::Official, dt.recognition.is_some());
    prop_assert_eq!(p >= Stage::Probationary, dt.ceremony.is_some());
    prop_assert_eq!(p >= Stage::Admitted, dt.decision.is_some());
    prop_assert_eq!(p >= Stage::BranchApproved, dt.branch_vote.is_some());
    if p >= Stage::Introduced {
        prop_assert!(s.introductions_complete());
        prop_assert!(s.verification.is_some_and(|v| v.ok));
    }
    if p >= Stage::Applied {
        prop_assert!(dt.application.is_some());
    }
    if let (Some(c), Some(v)) = (&s.certificate, s.branch_vote) {
        // A passing branch vote always used a valid certificate … unless a later course
        // replaced it, which the order rule forbids after the vote.
        prop_assert!(rules::certificate::valid_on(c.issued, v.date));
    }
    if let Some(v) = s.branch_vote {
        prop_assert!(rules::votes::two_thirds(v.in_favour, v.official_members));
    }
    // The effective events are sorted and the last event is the latest.
    let eff = s.effective_events();
    for w in eff.windows(2) {
        prop_assert!((w[0].date, w[0].seq) <= (w[1].date, w[1].seq));
    }
    prop_assert_eq!(s.last_event, eff.iter().map(|e| e.date).max());
    prop_assert_eq!(
        s.exceptions.len(),
        eff.iter()
            .filter(|e| e.step() == StepKind::ExceptionGranted)
            .count()
    );
    if matches!(s.stage, Stage::Paused | Stage::TransferredOut) {
        prop_assert!(s.resume_stage.is_some_and(|r| r.is_progress()));
    } else {
        prop_assert!(s.resume_stage.is_none());
    }
    Ok(())
}

/// A candidate event of a random kind near `around`.
fn candidate(
    kind: u8,
    id: i64,
    around: crate::dates::Date,
    offset: u64,
    existing: &[Event],
) -> Event {
    let date = around + Days::new(offset);
    let mut e = match kind % 12 {
        0 => Event::new(
            id,
            id,
            date,
            EventKind::MentorAssigned { mentor: MENTOR },
            "p",
        ),
        1 => Event::new(
            id,
            id,
            date,
            EventKind::ExceptionGranted {
                rule_id: [
                    "deadline.ceremony",
                    "age.max",
                    "vote.two_thirds",
                    "deadline.recognition",
                ][usize::from(kind / 12) % 4]
                    .into(),
                approved_by: "Ban Thường vụ".into(),
                level: CommitteeLevel::Provincial,
                basis: "CV 9".into(),
            },
            "p",
        ),
        2 => Event::new(id, id, date, EventKind::Paused, "p"),
        3 => Event::new(id, id, date, EventKind::Resumed, "p"),
        4 => Event::new(
            id,
            id,
            date,
            EventKind::TransferredOut { to_branch: 77 },
            "p",
        ),
        5 => Event::new(
            id,
            id,
            date,
            EventKind::TransferredIn { from_branch: 77 },
            "p",
        ),
        6 => Event::new(
            id,
            id,
            date,
            EventKind::DocumentFiled {
                doc: DossierDoc::SelfReview,
            },
            "p",
        ),
        7 => Event::new(
            id,
            id,
            date,
            EventKind::Introduced {
                introducer: Introducer::YouthUnion {
                    resolution_no: "5-NQ/ĐTN".into(),
                },
            },
            "p",
        ),
        8 => Event::new(id, id, date, EventKind::Withdrawn, "p"),
        9 => Event::new(
            id,
            id,
            date,
            EventKind::CourseCompleted {
                certificate_no: "CN-2".into(),
                issued: date,
                reserved_class: None,
            },
            "p",
        ),
        // A correction of an existing event: same content, moved by `offset` days (may break
        // the order and be refused).
        10 => {
            let i = usize::from(kind) % existing.len().max(1);
            match existing.get(i) {
                Some(t) if t.kind != EventKind::Retracted => {
                    let mut c = t.clone();
                    c.id = id;
                    c.seq = id;
                    c.date = t.date + Days::new(offset % 5);
                    c.corrects = Some(t.id);
                    c.reason = Some("sửa ngày".into());
                    c
                }
                _ => Event::new(id, id, date, EventKind::Paused, "p"),
            }
        }
        _ => {
            let i = usize::from(kind) % existing.len().max(1);
            let mut r = Event::new(id, id, date, EventKind::Retracted, "p");
            r.corrects = existing.get(i).map(|t| t.id);
            r.reason = Some("nhập nhầm".into());
            r
        }
    };
    if e.step() == StepKind::Introduced {
        e = e.with_document(None, "x");
    }
    e
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any happy path with random gaps is accepted event by event, and every state on the way
    /// is consistent.
    #[test]
    fn valid_happy_paths_are_accepted_and_consistent(start in arb_start(), gaps in arb_gaps()) {
        let cal = Calendar::shipped();
        let events = happy_path_with(start, &gaps);
        let mut s = CaseState::default();
        for e in &events {
            let r = check(e, &s, &facts(), &cal);
            prop_assert!(r.is_ok(), "{:?} refused: {:?}", e.step(), r);
            s = s.apply(e.clone());
            assert_consistent(&s)?;
        }
        prop_assert_eq!(s.stage, Stage::Official);
    }

    /// Random extra events on a random prefix: whatever is accepted keeps the state consistent,
    /// and replaying what was accepted gives the same state.
    #[test]
    fn accepted_events_keep_the_state_consistent(
        start in arb_start(),
        gaps in arb_gaps(),
        cut in 1usize..20,
        extras in prop::collection::vec((any::<u8>(), 0u64..120), 1..12),
    ) {
        let cal = Calendar::shipped();
        let events = happy_path_with(start, &gaps);
        let cut = cut.min(events.len());
        let mut s = CaseState::default();
        for e in &events[..cut] {
            s = record(&s, e.clone(), &facts(), &cal).map_err(|r| TestCaseError::fail(format!("{r:?}")))?;
        }
        for (n, (kind, offset)) in extras.into_iter().enumerate() {
            let around = s.last_event.unwrap_or(start);
            let e = candidate(kind, 1000 + n as i64, around, offset, s.events());
            if let Ok(next) = record(&s, e, &facts(), &cal) {
                s = next;
                assert_consistent(&s)?;
            }
        }
        let again = replay(s.events(), |_, _| facts(), &cal);
        prop_assert!(again.is_ok(), "replay refused {:?}", again.err());
        prop_assert_eq!(again.ok().map(|a| a.derived_only()), Some(s.clone().derived_only()));
    }

    /// The derived state does not depend on the order the events are handed over in.
    #[test]
    fn insertion_order_does_not_matter(
        shuffled in (arb_start(), arb_gaps())
            .prop_flat_map(|(s, g)| Just(happy_path_with(s, &g)).prop_shuffle()),
    ) {
        let mut in_order = shuffled.clone();
        in_order.sort_by_key(|e| e.seq);
        prop_assert_eq!(CaseState::derive(&in_order), CaseState::derive(&shuffled));
    }

    /// A correction replacing an event means the same as having recorded the corrected event.
    #[test]
    fn correction_equals_recording_the_corrected_event(
        start in arb_start(),
        gaps in arb_gaps(),
        pick in 0usize..40,
        shift in 0u64..40,
        number in "[A-Z0-9-]{1,8}",
    ) {
        let events = happy_path_with(start, &gaps);
        let i = pick % events.len();
        let mut fixed = events[i].clone();
        fixed.date = fixed.date + Days::new(shift);
        fixed.document = Some(super::events::DocumentRef {
            form: None,
            number: number.clone(),
            date: Some(fixed.date),
        });
        fixed.actor = "secretary".into();
        let mut as_recorded = events.clone();
        as_recorded[i] = fixed.clone();
        let mut correction = fixed.clone();
        correction.id = 5000;
        correction.seq = 5000;
        let mut with_correction = events.clone();
        with_correction.push(correction.correcting(events[i].id, "sai số văn bản"));
        prop_assert_eq!(
            CaseState::derive(&with_correction).derived_only(),
            CaseState::derive(&as_recorded).derived_only()
        );
        // And the check accepts the correction exactly when the history with the corrected
        // event recorded in the first place is accepted.
        let cal = Calendar::shipped();
        let c = with_correction.last().cloned();
        let via_correction = c.map(|c| check(&c, &CaseState::derive(&events), &facts(), &cal).is_ok());
        let from_start = replay(&as_recorded, |_, _| facts(), &cal).is_ok();
        prop_assert_eq!(via_correction, Some(from_start));
    }

    /// Dates never run backwards: a step dated before one of the steps it follows is refused
    /// with `order.not_before`.
    #[test]
    fn dates_never_run_backwards(start in arb_start(), gaps in arb_gaps(), pick in 1usize..40, back in 1u64..400) {
        let events = happy_path_with(start, &gaps);
        let k = 1 + pick % (events.len() - 1);
        let s = CaseState::derive(&events[..k]);
        let e = &events[k];
        let latest = order::prerequisites(e.step(), Some(true))
            .into_iter()
            .filter_map(|p| match p {
                order::Prereq::Step(st) => s.step_date(st),
                order::Prereq::VerifiedOk => s.verification.map(|v| v.date),
            })
            .max();
        prop_assume!(latest.is_some());
        let mut early = e.clone();
        early.date = latest.unwrap_or(e.date) - Days::new(back);
        if let EventKind::CourseCompleted { issued, .. } = &mut early.kind {
            *issued = early.date;
        }
        let ids = super::testkit::rule_ids(check(&early, &s, &facts(), &Calendar::shipped()));
        prop_assert!(ids.contains(&"order.not_before"), "{:?}: {:?}", e.step(), ids);
    }
}

#[test]
fn introducer_constant_is_in_the_happy_path() {
    let events = happy_path_with(d(2020, 1, 6), &super::testkit::GAPS);
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::Introduced { introducer: Introducer::Member { person, .. } } if *person == INTRO_A
    )));
}

/// Found by the properties above: a withdrawn candidate keeps the progress reached (the stage
/// order puts `Withdrawn` after `Official`, so progress must not be read from the stage).
#[test]
fn withdrawn_candidate_keeps_the_progress_reached() {
    let cal = Calendar::shipped();
    let events = happy_path_with(d(2016, 8, 1), &super::testkit::GAPS);
    let s = CaseState::derive(&events[..2]);
    let w = Event::new(1000, 1000, events[1].date, EventKind::Withdrawn, "p");
    let s = record(&s, w, &facts(), &cal).unwrap_or_default();
    assert_eq!((s.stage, s.reached), (Stage::Withdrawn, Stage::Source));
    assert!(assert_consistent(&s).is_ok());
}

/// Found by the properties above: the course may be taken again after the application while
/// the vote has not happened (the certificate would otherwise expire).
#[test]
fn course_can_be_retaken_before_the_vote() {
    let cal = Calendar::shipped();
    let events = happy_path_with(d(2016, 8, 1), &super::testkit::GAPS);
    let s = CaseState::derive(&events[..4]);
    let again = events[3].date + Days::new(1);
    let c = Event::new(
        1000,
        1000,
        again,
        EventKind::CourseCompleted {
            certificate_no: "CN-2".into(),
            issued: again,
            reserved_class: None,
        },
        "p",
    );
    let s = record(&s, c, &facts(), &cal).unwrap_or_default();
    assert_eq!(s.dates.certificate_issued, Some(again));
    assert!(assert_consistent(&s).is_ok());
}
