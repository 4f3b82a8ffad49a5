//! The pre-aggregates stay exact (issue C, docs/decisions.md §14), on SQLite and PostgreSQL:
//! after the small demo is loaded, and after a random sequence of writes — admissions,
//! recognitions, transfers, changes of a person's characteristics, corrections of ceremony
//! events, merges and moves of units, cases opened, withdrawn and transferred, members moving
//! house, localities changing branch or commune or ending — the tables equal a recomputation
//! from the facts, and
//! every breakdown and count read through it equals the plain reading of the facts.

mod common;

use chrono::{Datelike, Days, NaiveDate};
use common::{d, dataset, load};
use ketnap_domain::org::{Operation, OrgId, Target};
use ketnap_domain::person::{EthnicGroup, GeneralEducation, PartyStatus, Religion};
use ketnap_domain::pipeline::EventKind;
use ketnap_domain::reports::{ReportPeriod, Structure};
use ketnap_domain::sensitive::Sensitive;
use ketnap_store::reports_api::ReportRequest;
use ketnap_store::testing::test_stores;
use ketnap_store::{Store, StoreError, on_db};

type R<T = ()> = Result<T, StoreError>;

/// A small deterministic generator (the test must not depend on a crate's sequence).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<T: Clone>(&mut self, v: &[T]) -> Option<T> {
        (!v.is_empty()).then(|| v[self.below(v.len())].clone())
    }
}

async fn ids(s: &Store, sql: &str) -> R<Vec<i64>> {
    let sql = sql.to_string();
    Ok(
        on_db!(s.db(), p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await?),
    )
}

async fn code(s: &Store, id: OrgId) -> R<String> {
    Ok(s.org_by_id(id).await?.map(|u| u.code).unwrap_or_default())
}

/// The table equals a recomputation.
async fn exact(s: &Store, when: &str) -> R {
    let check = s.verify_aggregates(10).await?;
    assert!(
        check.diffs.is_empty(),
        "{} {when}: {:?}",
        s.backend().as_str(),
        check.diffs
    );
    assert!(check.compared > 0);
    Ok(())
}

/// Breakdowns and counts through the aggregates equal the plain reading, for the nation,
/// every province and some communes, over whole years, a term, a month and cut periods.
async fn same_reports(s: &Store, rng: &mut Lcg) -> R<usize> {
    let today = ketnap_demo::DEFAULT_UNTIL;
    let mut units = ids(s, "SELECT id FROM org_unit WHERE kind IN ('central', 'provincial_committee', 'direct_committee') ORDER BY id").await?;
    let communes = ids(
        s,
        "SELECT id FROM org_unit WHERE kind = 'grassroots_committee' ORDER BY id",
    )
    .await?;
    for _ in 0..6 {
        units.extend(rng.pick(&communes));
    }
    let mut compared = 0;
    for unit in units {
        let c = code(s, unit).await?;
        for period in [
            "2016",
            "2019",
            "2020",
            "2021",
            "2024",
            "2025",
            "2020-2025",
            "2024-06",
        ] {
            let Ok(p) = ReportPeriod::parse(period) else {
                continue;
            };
            for as_of in [None, Some(p.from + Days::new(200))] {
                let req = ReportRequest {
                    org_code: c.clone(),
                    period: p.clone(),
                    as_of: as_of.filter(|a| *a < p.to),
                    structure: Structure::AsWas,
                    today,
                };
                for recognitions in [false, true] {
                    let fast = s.report_breakdown(&req, recognitions).await?;
                    let slow = s.report_breakdown_naive(&req, recognitions).await?;
                    assert_eq!(
                        fast,
                        slow,
                        "{} {c} {period} {as_of:?}",
                        s.backend().as_str()
                    );
                    compared += 1;
                }
            }
        }
        // Achievement and ranking of the children, closed and running years.
        for (year, as_of) in [
            (2024, today),
            (2025, today),
            (2026, today),
            (2026, d(2026, 3, 15)),
        ] {
            let period = ketnap_domain::targets::TargetPeriod::Year(year);
            let fast = s.target_report(unit, period, as_of, true, None).await?;
            let slow = s
                .facts_only()
                .target_report(unit, period, as_of, true, None)
                .await?;
            assert_eq!(
                fast,
                slow,
                "{} {c} targets {year} on {as_of}",
                s.backend().as_str()
            );
            // The unit's line is the same whether its children are asked for or not (with
            // them, its open cases are summed from theirs).
            let alone = s.target_report(unit, period, as_of, false, None).await?;
            assert_eq!(fast.unit, alone.unit, "{c} {year} on {as_of}");
            compared += 1;
        }
        for _ in 0..3 {
            // The forecast's history of ended candidacies over any window.
            let from = d(2016, 1, 1) + Days::new(rng.below(3500) as u64);
            let to = from + Days::new(rng.below(1200) as u64);
            assert_eq!(
                s.source_history_for(&[unit], from, to).await?,
                s.facts_only().source_history_for(&[unit], from, to).await?,
                "{} {c} candidacies [{from}, {to})",
                s.backend().as_str()
            );
            compared += 1;
        }
        // Coverage of localities through the spells kept per locality, against probing each
        // locality, on both structures.
        for on in [d(2019, 6, 30), d(2025, 7, 1), d(2026, 3, 15), today] {
            for structure in [Structure::AsWas, Structure::Rebased] {
                let req = ReportRequest {
                    org_code: c.clone(),
                    period: ReportPeriod::parse(&on.year().to_string())
                        .map_err(StoreError::from)?,
                    as_of: Some(on),
                    structure,
                    today,
                };
                match (
                    s.report_coverage(&req).await,
                    s.facts_only().report_coverage(&req).await,
                ) {
                    (Ok(fast), Ok(slow)) => {
                        assert_eq!(
                            fast,
                            slow,
                            "{} coverage {c} on {on} {structure:?}",
                            s.backend().as_str()
                        );
                        compared += 1;
                    }
                    // A unit merged away has no re-based report, either way.
                    (Err(StoreError::Rule(_)), Err(StoreError::Rule(_)))
                        if structure == Structure::Rebased => {}
                    (a, b) => {
                        return Err(StoreError::Corrupt(format!(
                            "coverage {c} on {on} {structure:?} differs: {a:?} / {b:?}"
                        )));
                    }
                }
            }
        }
        for _ in 0..5 {
            let from = d(2016, 1, 1) + Days::new(rng.below(3500) as u64);
            let to = from + Days::new(rng.below(800) as u64);
            assert_eq!(
                s.admitted_between(unit, from, to, None).await?,
                s.admitted_between_naive(unit, from, to, None).await?,
                "{} {c} [{from}, {to})",
                s.backend().as_str()
            );
            compared += 1;
        }
    }
    Ok(compared)
}

/// One random write through the store's public interface; returns what it did.
async fn random_write(s: &Store, rng: &mut Lcg, step: usize) -> R<&'static str> {
    let open_end = ketnap_domain::dates::OPEN_END;
    let open_of = |status: &str| {
        format!(
            "SELECT person_id FROM person_status WHERE status = '{status}' AND valid_to = '{open_end}' \
             AND valid_from < '2026-06-01' ORDER BY person_id"
        )
    };
    let branches = ids(
        s,
        "SELECT id FROM org_unit WHERE kind = 'branch' AND valid_to > '2026-01-01' ORDER BY id",
    )
    .await?;
    // A day after the person's last status started.
    let day = |p: i64| async move {
        let last: NaiveDate = on_db!(s.db(), q => sqlx::query_scalar(
            "SELECT MAX(valid_from) FROM person_status WHERE person_id = $1").bind(p).fetch_one(q).await?);
        R::Ok(last + Days::new(20 + (step * 3) as u64))
    };
    match rng.below(13) {
        0 => {
            // Admit a candidate.
            let Some(p) = rng.pick(&ids(s, &open_of("candidate")).await?) else {
                return Ok("none");
            };
            let branch = current_branch(s, p).await?;
            s.person_add_status(p, PartyStatus::Probationary, branch, day(p).await?, "test")
                .await?;
            Ok("admission")
        }
        1 => {
            // Recognize a probationary member.
            let Some(p) = rng.pick(&ids(s, &open_of("probationary")).await?) else {
                return Ok("none");
            };
            let branch = current_branch(s, p).await?;
            s.person_add_status(p, PartyStatus::Official, branch, day(p).await?, "test")
                .await?;
            Ok("recognition")
        }
        2 => {
            // A probationary member moves to another branch (not an admission).
            let Some(p) = rng.pick(&ids(s, &open_of("probationary")).await?) else {
                return Ok("none");
            };
            let to = rng.pick(&branches);
            s.person_add_status(p, PartyStatus::Probationary, to, day(p).await?, "test")
                .await?;
            Ok("move")
        }
        3 => {
            // A member's characteristics are corrected.
            let Some(p) = rng.pick(&ids(s, "SELECT DISTINCT person_id FROM person_status WHERE status = 'probationary' ORDER BY person_id").await?) else {
                return Ok("none");
            };
            let Some(rec) = s.person_by_id(p).await? else {
                return Ok("none");
            };
            let mut person = rec.person.clone();
            // Sex and birth year stay (the CCCD encodes them); the birth month can cross an
            // age band's boundary.
            person.youth_union = !person.youth_union;
            person.ethnic_group = Sensitive::new(
                EthnicGroup::parse(&format!("{}", 1 + rng.below(54))).unwrap_or_default(),
            );
            person.religion = Sensitive::new(if rng.below(2) == 0 {
                Religion::Buddhism
            } else {
                Religion::None
            });
            person.education = GeneralEducation::ALL[rng.below(GeneralEducation::ALL.len())];
            let birth = *person.birth_date.expose();
            person.birth_date = Sensitive::new(
                NaiveDate::from_ymd_opt(birth.year(), 1 + rng.below(12) as u32, 1).unwrap_or(birth),
            );
            s.person_update(&person, "test").await?;
            Ok("characteristics")
        }
        4 => {
            // A ceremony recorded with the wrong date is corrected (the spells follow).
            let cases = ids(
                s,
                "SELECT e.id FROM pipeline_event e WHERE e.kind = 'ceremony_held' ORDER BY e.id",
            )
            .await?;
            let Some(ev) = rng.pick(&cases) else {
                return Ok("none");
            };
            let case: i64 = on_db!(s.db(), p => sqlx::query_scalar("SELECT case_id FROM pipeline_event WHERE id = $1").bind(ev).fetch_one(p).await?);
            let view = s.case_get(case, ketnap_demo::DEFAULT_UNTIL, None).await?;
            let Some(e) = view.events.iter().find(|e| e.id == ev) else {
                return Ok("none");
            };
            if view.events.iter().any(|x| x.corrects == Some(ev))
                || !matches!(e.kind, EventKind::CeremonyHeld)
            {
                return Ok("none");
            }
            let mut fix = ketnap_store::pipeline_api::NewEvent {
                date: e.date - Days::new(2),
                kind: e.kind.clone(),
                document: e.document.clone(),
                corrects: Some(ev),
                reason: Some("ngày ghi nhầm".into()),
            };
            if fix.date.year() != e.date.year() && rng.below(2) == 0 {
                fix.date = e.date + Days::new(1);
            }
            match s.case_record(case, &fix, None, "test").await {
                Ok(_) => Ok("correction"),
                // A correction the rules refuse (e.g. before the decision) changes nothing.
                Err(StoreError::Rule(_)) => Ok("refused correction"),
                Err(e) => Err(e),
            }
        }
        5 => {
            // Two communes of one province merge (as of a date in the past).
            let communes = ids(s, "SELECT id FROM org_unit WHERE kind = 'grassroots_committee' AND valid_to > '2026-01-01' ORDER BY id").await?;
            let Some(a) = rng.pick(&communes) else {
                return Ok("none");
            };
            let siblings = on_db!(s.db(), p => sqlx::query_scalar::<_, i64>(
                "SELECT c2.descendant_id FROM org_closure c1 JOIN org_closure c2 ON c2.ancestor_id = c1.ancestor_id \
                 AND c2.depth = 1 AND c2.valid_to > '2026-01-01' JOIN org_unit u ON u.id = c2.descendant_id \
                 AND u.kind = 'grassroots_committee' AND u.valid_to > '2026-01-01' \
                 WHERE c1.descendant_id = $1 AND c1.depth = 1 AND c1.valid_to > '2026-01-01' AND c2.descendant_id <> $1 \
                 ORDER BY c2.descendant_id").bind(a).fetch_all(p).await?);
            let Some(b) = rng.pick(&siblings) else {
                return Ok("none");
            };
            let date = d(2025, 8 + rng.below(5) as u32, 1 + rng.below(28) as u32);
            match s
                .org_apply(
                    &Operation::Merge {
                        sources: vec![b],
                        into: Target::Existing(a),
                        date,
                    },
                    "test",
                )
                .await
            {
                Ok(_) => Ok("merge"),
                Err(StoreError::Rule(e)) => {
                    eprintln!("merge refused: {e:?}");
                    Ok("refused merge")
                }
                Err(e) => Err(e),
            }
        }
        6 => {
            // A candidate withdraws, or their case moves to another branch (the open cases by
            // stage follow).
            let Some(case) = rng.pick(
                &ids(
                    s,
                    "SELECT id FROM pipeline_case WHERE is_open = TRUE ORDER BY id",
                )
                .await?,
            ) else {
                return Ok("none");
            };
            let last: NaiveDate = on_db!(s.db(), p => sqlx::query_scalar(
                "SELECT last_event_on FROM pipeline_case WHERE id = $1").bind(case).fetch_one(p).await?);
            let (kind, what) = match (rng.below(2), rng.pick(&branches)) {
                (0, Some(to_branch)) => {
                    (EventKind::TransferredOut { to_branch }, "case transferred")
                }
                _ => (EventKind::Withdrawn, "case withdrawn"),
            };
            let event = ketnap_store::pipeline_api::NewEvent {
                date: last + Days::new(3),
                kind,
                document: None,
                corrects: None,
                reason: None,
            };
            match s.case_record(case, &event, None, "test").await {
                Ok(_) => Ok(what),
                Err(StoreError::Rule(_) | StoreError::Refused(_)) => Ok("refused case event"),
                Err(e) => Err(e),
            }
        }
        7 => {
            // Someone without an open case and not a member is put on a source list.
            let people = ids(
                s,
                "SELECT p.id FROM person p WHERE NOT EXISTS (SELECT 1 FROM pipeline_case k WHERE k.person_id = p.id AND k.is_open = TRUE) \
                 AND NOT EXISTS (SELECT 1 FROM person_status m WHERE m.person_id = p.id AND m.status IN ('probationary', 'official')) ORDER BY p.id",
            )
            .await?;
            let (Some(person), Some(branch)) = (rng.pick(&people), rng.pick(&branches)) else {
                return Ok("none");
            };
            let new = ketnap_store::pipeline_api::NewCase {
                person_id: person,
                branch_code: code(s, branch).await?,
                date: d(2026, 2, 1) + Days::new(rng.below(200) as u64),
                proposed_by: ketnap_domain::pipeline::Proposer::YouthUnion,
                document: None,
            };
            match s.case_open(&new, "test").await {
                Ok(_) => Ok("case opened"),
                Err(StoreError::Rule(_) | StoreError::Refused(_)) => Ok("refused case"),
                Err(e) => Err(e),
            }
        }
        12 => {
            // A candidate living in a village without a member is admitted: the village's
            // first resident member (the coverage spells change, not only the counts). Every
            // other time through a case at the admitted stage, whose ceremony makes the member
            // (the write that reads the coverage with the person's spells).
            let empty = ids(
                s,
                "SELECT id FROM locality WHERE id NOT IN (SELECT p.residence_locality_id FROM person p \
                 JOIN person_status st ON st.person_id = p.id AND st.status IN ('probationary', 'official') \
                 WHERE p.residence_locality_id IS NOT NULL) ORDER BY id",
            )
            .await?;
            let admitted = ids(
                s,
                "SELECT id FROM pipeline_case WHERE is_open AND stage = 'admitted' ORDER BY id",
            )
            .await?;
            let by_case = step.is_multiple_of(2) && !admitted.is_empty();
            let (Some(l), Some(picked)) = (
                rng.pick(&empty),
                rng.pick(&match by_case {
                    true => admitted,
                    false => ids(s, &open_of("candidate")).await?,
                }),
            ) else {
                return Ok("none");
            };
            let p = match by_case {
                true => {
                    s.case_get(picked, ketnap_demo::DEFAULT_UNTIL, None)
                        .await?
                        .case
                        .person_id
                }
                false => picked,
            };
            let Some(rec) = s.person_by_id(p).await? else {
                return Ok("none");
            };
            let mut person = rec.person.clone();
            person.residence_locality = Some(l);
            s.person_update(&person, "test").await?;
            if by_case {
                let view = s.case_get(picked, ketnap_demo::DEFAULT_UNTIL, None).await?;
                let Some(last) = view.state.last_event else {
                    return Ok("none");
                };
                let ceremony = ketnap_store::pipeline_api::NewEvent::new(
                    (last + Days::new(1)).min(ketnap_demo::DEFAULT_UNTIL),
                    EventKind::CeremonyHeld,
                );
                s.case_record(picked, &ceremony, Some(view.case.version), "test")
                    .await?;
                return Ok("first member by ceremony");
            }
            let branch = current_branch(s, p).await?;
            s.person_add_status(p, PartyStatus::Probationary, branch, day(p).await?, "test")
                .await?;
            Ok("first member")
        }
        9 => {
            // A member moves house (the coverage of both villages follows).
            let people = ids(s, "SELECT DISTINCT person_id FROM person_status WHERE status IN ('probationary', 'official') ORDER BY person_id").await?;
            let places = ids(s, "SELECT id FROM locality ORDER BY id").await?;
            let (Some(p), Some(l)) = (rng.pick(&people), rng.pick(&places)) else {
                return Ok("none");
            };
            let Some(rec) = s.person_by_id(p).await? else {
                return Ok("none");
            };
            let mut person = rec.person.clone();
            person.residence_locality = if rng.below(5) == 0 { None } else { Some(l) };
            s.person_update(&person, "test").await?;
            Ok("residence")
        }
        10 => {
            // Another branch (or none) serves a locality from a date: combined branches form
            // and split.
            let places = ids(
                s,
                "SELECT id FROM locality WHERE valid_to > '2026-06-01' ORDER BY id",
            )
            .await?;
            let Some(l) = rng.pick(&places) else {
                return Ok("none");
            };
            let branch = if rng.below(4) == 0 {
                None
            } else {
                rng.pick(&branches)
            };
            let date = d(2026, 1 + rng.below(5) as u32, 1 + rng.below(28) as u32);
            match s.locality_set_service(l, branch, date, "test").await {
                Ok(()) => Ok("service"),
                Err(StoreError::Rule(_)) => Ok("refused service"),
                Err(e) => Err(e),
            }
        }
        11 => {
            // A village moves to another commune, or ends.
            let places = ids(
                s,
                "SELECT id FROM locality WHERE valid_to > '2026-06-01' ORDER BY id",
            )
            .await?;
            let communes = ids(s, "SELECT id FROM org_unit WHERE kind = 'grassroots_committee' AND valid_to > '2026-06-01' ORDER BY id").await?;
            let (Some(l), Some(c)) = (rng.pick(&places), rng.pick(&communes)) else {
                return Ok("none");
            };
            let date = d(2026, 1 + rng.below(5) as u32, 1 + rng.below(28) as u32);
            let done = if rng.below(3) == 0 {
                s.locality_close(l, date, "test")
                    .await
                    .map(|()| "locality closed")
            } else {
                s.locality_move(l, c, date, "test")
                    .await
                    .map(|()| "locality moved")
            };
            match done {
                Ok(what) => Ok(what),
                Err(StoreError::Rule(_)) => Ok("refused locality change"),
                Err(e) => Err(e),
            }
        }
        _ => {
            // A branch moves to another commune (from a date in the past).
            let communes = ids(s, "SELECT id FROM org_unit WHERE kind = 'grassroots_committee' AND valid_to > '2026-01-01' ORDER BY id").await?;
            let (Some(b), Some(c)) = (rng.pick(&branches), rng.pick(&communes)) else {
                return Ok("none");
            };
            let date = d(2025, 8 + rng.below(5) as u32, 1 + rng.below(28) as u32);
            match s
                .org_apply(
                    &Operation::Move {
                        unit: b,
                        new_parent: c,
                        date,
                    },
                    "test",
                )
                .await
            {
                Ok(_) => Ok("move unit"),
                Err(StoreError::Rule(e)) => {
                    eprintln!("move refused: {e:?}");
                    Ok("refused move")
                }
                Err(e) => Err(e),
            }
        }
    }
}

async fn current_branch(s: &Store, person: i64) -> R<Option<OrgId>> {
    Ok(on_db!(s.db(), p => sqlx::query_scalar::<_, Option<i64>>(
        "SELECT org_id FROM person_status WHERE person_id = $1 ORDER BY valid_from DESC LIMIT 1")
        .bind(person).fetch_one(p).await?))
}

#[tokio::test]
async fn aggregates_equal_the_facts_after_random_writes() -> R {
    let (batches, _) = dataset();
    for db in test_stores().await? {
        let s = &db.store;
        load(s, batches.clone()).await?;
        exact(s, "after the load").await?;
        let mut rng = Lcg(20_261_125);
        let n = same_reports(s, &mut rng).await?;
        assert!(n > 100, "{n} comparisons");
        let mut done: std::collections::BTreeMap<&str, usize> = Default::default();
        for step in 0..60 {
            let what = random_write(s, &mut rng, step).await?;
            *done.entry(what).or_insert(0) += 1;
            if step % 10 == 9 {
                exact(s, &format!("after step {step} ({what})")).await?;
            }
        }
        // The sequence exercised every kind of write.
        for kind in [
            "admission",
            "recognition",
            "characteristics",
            "correction",
            "merge",
            "move unit",
            "case withdrawn",
            "case transferred",
            "case opened",
            "residence",
            "service",
            "locality moved",
            "first member",
            "first member by ceremony",
        ] {
            assert!(
                done.get(kind).copied().unwrap_or(0) > 0,
                "{kind} never happened: {done:?}"
            );
        }
        exact(s, "at the end").await?;
        same_reports(s, &mut rng).await?;
        // A rebuild writes the same table.
        s.rebuild_aggregates("test").await?;
        exact(s, "after a rebuild").await?;
    }
    Ok(())
}
