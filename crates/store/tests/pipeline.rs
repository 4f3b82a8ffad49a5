//! The admission pipeline through `Store`, on SQLite and on PostgreSQL: the whole path from the
//! source list to official member, refusals with nothing written, the person's status spells,
//! a correction, the due list of a subtree, optimistic locking, the events import, courses and
//! the holiday calendar.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{Days, NaiveDate};
use common::{d, tree};
use ketnap_domain::calendar::{Holiday, HolidayKind};
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PersonId, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_domain::pipeline::{
    DecisionLevel, DocumentRef, DossierDoc, DueKind, EventKind, FormCode, Introducer, Proposer,
    Stage,
};
use ketnap_domain::sensitive::Sensitive;
use ketnap_store::pipeline_api::{
    CaseId, CourseKind, DueGroup, ImportCase, ImportRow, NewCase, NewCourse, NewEvent,
};
use ketnap_store::testing::test_stores;
use ketnap_store::{Store, StoreError};

type R<T = ()> = Result<T, StoreError>;

const BRANCH: &str = "X02692.01";
const NAMES: [&str; 9] = ["Páo", "Sử", "Chá", "Dế", "Lầu", "Mỷ", "Nhè", "Pó", "Tráng"];

fn person(name: &str, birth: NaiveDate) -> Person {
    Person {
        id: 0,
        cccd: None,
        full_name: name.into(),
        sex: Sex::Male,
        birth_date: Sensitive::new(birth),
        ethnic_group: Sensitive::new(EthnicGroup::parse("08").unwrap_or_default()),
        religion: Sensitive::new(Religion::None),
        education: GeneralEducation::UpperSecondary,
        qualification: ProfessionalQualification::None,
        political_theory: PoliticalTheory::None,
        occupation: Occupation::Farmer,
        youth_union: true,
        residence_locality: None,
    }
}

/// The tree of `common` and nine official members of branch X02692.01 (from 2016): the first
/// is the mentor, the next two introduce.
struct World {
    branch: i64,
    members: Vec<PersonId>,
}

impl World {
    fn mentor(&self) -> PersonId {
        self.members[0]
    }
}

async fn world(s: &Store) -> R<World> {
    let t = tree(s).await?;
    let branch = t.branches[0];
    let mut members = vec![];
    for i in 0..9 {
        let id = s
            .person_create(
                &person(&format!("Vàng A {}", NAMES[i as usize]), d(1970 + i, 3, 1)),
                "test",
            )
            .await?;
        s.person_add_status(
            id,
            PartyStatus::Official,
            Some(branch),
            d(2016, 1, 1),
            "test",
        )
        .await?;
        members.push(id);
    }
    // An official member of the Ngải Thầu branch.
    let other = s
        .person_create(&person("Lý Seo Chử", d(1975, 1, 1)), "test")
        .await?;
    s.person_add_status(
        other,
        PartyStatus::Official,
        Some(t.nt_branch),
        d(2016, 1, 1),
        "test",
    )
    .await?;
    Ok(World { branch, members })
}

fn ev(date: NaiveDate, kind: EventKind) -> NewEvent {
    NewEvent::new(date, kind)
}

fn with_doc(mut e: NewEvent, form: Option<FormCode>, number: &str) -> NewEvent {
    e.document = Some(DocumentRef {
        form,
        number: number.into(),
        date: Some(e.date),
    });
    e
}

fn member(person: PersonId) -> Introducer {
    Introducer::Member {
        person,
        official_since: d(2016, 1, 1),
        worked_together_since: d(2015, 1, 1),
    }
}

fn vote(official: u32, present: u32, in_favour: u32) -> EventKind {
    EventKind::BranchVoted {
        official_members: official,
        present,
        in_favour,
        against: present - in_favour,
    }
}

async fn open(s: &Store, p: PersonId, branch: &str, date: NaiveDate) -> R<CaseId> {
    s.case_open(
        &NewCase {
            person_id: p,
            branch_code: branch.into(),
            date,
            proposed_by: Proposer::YouthUnion,
            document: None,
        },
        "test",
    )
    .await
}

async fn rec(s: &Store, case: CaseId, e: NewEvent) -> R<i64> {
    Ok(s.case_record(case, &e, None, "test").await?.event.id)
}

/// Records the steps from the mentor to the comments (the course on `course`, the application
/// on `app`, the rest after it): the case is then ready for the branch vote on `app + 52`.
async fn to_vote(s: &Store, w: &World, case: CaseId, course: NaiveDate, app: NaiveDate) -> R {
    let after = |n: u64| app.checked_add_days(Days::new(n)).unwrap_or(app);
    rec(
        s,
        case,
        with_doc(
            ev(course, EventKind::MentorAssigned { mentor: w.mentor() }),
            None,
            "13-NQ/CB",
        ),
    )
    .await?;
    rec(
        s,
        case,
        ev(
            course,
            EventKind::CourseCompleted {
                certificate_no: "CN-0457".into(),
                issued: course,
                reserved_class: None,
            },
        ),
    )
    .await?;
    rec(
        s,
        case,
        with_doc(
            ev(app, EventKind::ApplicationSubmitted),
            Some(FormCode::Knd1),
            "đơn",
        ),
    )
    .await?;
    rec(
        s,
        case,
        with_doc(
            ev(after(3), EventKind::HistorySubmitted),
            Some(FormCode::Knd2),
            "lý lịch",
        ),
    )
    .await?;
    rec(
        s,
        case,
        with_doc(
            ev(
                after(30),
                EventKind::HistoryVerified {
                    conclusion_ok: true,
                },
            ),
            None,
            "KL-05",
        ),
    )
    .await?;
    for (i, p) in [w.members[1], w.members[2]].into_iter().enumerate() {
        rec(
            s,
            case,
            with_doc(
                ev(
                    after(35),
                    EventKind::Introduced {
                        introducer: member(p),
                    },
                ),
                Some(FormCode::Knd3),
                &format!("GT-{i}"),
            ),
        )
        .await?;
    }
    rec(
        s,
        case,
        with_doc(
            ev(after(42), EventKind::CommentsCollected),
            Some(FormCode::Knd5),
            "TH-1",
        ),
    )
    .await?;
    Ok(())
}

fn statuses(rec: &ketnap_store::PersonRecord) -> Vec<(PartyStatus, NaiveDate, Option<NaiveDate>)> {
    rec.statuses
        .iter()
        .map(|s| (s.status, s.period.from, s.period.to))
        .collect()
}

/// Everything a refused write must leave as it was.
async fn snapshot(s: &Store, case: CaseId, p: PersonId) -> R<(usize, i64, i64, String)> {
    let v = s.case_get(case, d(2030, 1, 1), None).await?;
    let audit = s.audit_recent(None, 1).await?;
    let st = s
        .person_by_id(p)
        .await?
        .map(|r| format!("{:?}", statuses(&r)))
        .unwrap_or_default();
    Ok((
        v.events.len(),
        v.case.version,
        audit.first().map_or(0, |a| a.id),
        st,
    ))
}

fn refused(r: &R<impl std::fmt::Debug>) -> Vec<&'static str> {
    match r {
        Err(StoreError::Refused(v)) => v.iter().map(|x| x.rule_id).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn source_list_to_official_member() -> R {
    for t in test_stores().await? {
        let s = &t.store;
        let w = world(s).await?;
        let cand = s
            .person_create(&person("Giàng A Dình", d(1998, 5, 10)), "test")
            .await?;
        let case = open(s, cand, BRANCH, d(2023, 3, 1)).await?;
        let v = s.case_get(case, d(2023, 3, 1), None).await?;
        assert_eq!(v.state.stage, Stage::Source, "{:?}", t.backend());
        assert_eq!(v.case.version, 1);
        let p = s.person_by_id(cand).await?.unwrap();
        assert_eq!(
            statuses(&p),
            vec![(PartyStatus::Candidate, d(2023, 3, 1), None)]
        );

        rec(
            s,
            case,
            with_doc(
                ev(
                    d(2023, 3, 8),
                    EventKind::MentorAssigned { mentor: w.mentor() },
                ),
                None,
                "13-NQ/CB",
            ),
        )
        .await?;
        // The awareness course through the course API.
        let course = s
            .course_create(
                &NewCourse {
                    kind: CourseKind::Awareness,
                    org_code: "H082".into(),
                    name: "Lớp bồi dưỡng nhận thức về Đảng khóa 1/2023".into(),
                    reserved_class: None,
                    starts_on: d(2023, 3, 20),
                    ends_on: d(2023, 4, 5),
                },
                "test",
            )
            .await?;
        s.course_enrol(course, cand, d(2023, 3, 15), "test").await?;
        let done = s
            .course_complete(course, cand, "CN-0457", d(2023, 4, 7), "test")
            .await?;
        assert_eq!(done.event.case_id, case);
        let list = s.course_enrolments(course).await?;
        assert!(list[0].completed && list[0].event_id == Some(done.event.id));

        rec(
            s,
            case,
            with_doc(
                ev(d(2023, 4, 21), EventKind::ApplicationSubmitted),
                Some(FormCode::Knd1),
                "đơn",
            ),
        )
        .await?;
        rec(
            s,
            case,
            with_doc(
                ev(d(2023, 4, 24), EventKind::HistorySubmitted),
                Some(FormCode::Knd2),
                "LL",
            ),
        )
        .await?;
        rec(
            s,
            case,
            with_doc(
                ev(
                    d(2023, 5, 24),
                    EventKind::HistoryVerified {
                        conclusion_ok: true,
                    },
                ),
                None,
                "KL-05",
            ),
        )
        .await?;
        for (i, p) in [w.members[1], w.members[2]].into_iter().enumerate() {
            rec(
                s,
                case,
                with_doc(
                    ev(
                        d(2023, 5, 29),
                        EventKind::Introduced {
                            introducer: member(p),
                        },
                    ),
                    Some(FormCode::Knd3),
                    &format!("GT-{i}"),
                ),
            )
            .await?;
        }
        rec(
            s,
            case,
            with_doc(
                ev(d(2023, 6, 5), EventKind::CommentsCollected),
                Some(FormCode::Knd5),
                "TH-1",
            ),
        )
        .await?;
        // 5 of 9 is refused (two thirds of all official members, not of those present).
        let before = snapshot(s, case, cand).await?;
        let r = s
            .case_record(
                case,
                &with_doc(
                    ev(d(2023, 6, 15), vote(9, 7, 5)),
                    Some(FormCode::Knd6),
                    "20-NQ/CB",
                ),
                None,
                "test",
            )
            .await;
        assert_eq!(refused(&r), ["vote.two_thirds"]);
        if let Err(StoreError::Refused(v)) = &r {
            assert!(v[0].regulation.contains("Điều lệ") && v[0].article.contains("Điều 4"));
            assert!(v[0].message_vi.contains("5/9") && v[0].message_en.contains("5 of 9"));
        }
        assert_eq!(snapshot(s, case, cand).await?, before, "nothing written");
        let v = rec(
            s,
            case,
            with_doc(
                ev(d(2023, 6, 15), vote(9, 9, 8)),
                Some(FormCode::Knd6),
                "20-NQ/CB",
            ),
        )
        .await;
        v?;
        rec(
            s,
            case,
            with_doc(
                ev(
                    d(2023, 6, 22),
                    EventKind::CommitteeResolved {
                        members: 7,
                        in_favour: 6,
                    },
                ),
                Some(FormCode::Knd8),
                "31-NQ/ĐU",
            ),
        )
        .await?;
        rec(
            s,
            case,
            with_doc(
                ev(
                    d(2023, 7, 6),
                    EventKind::AdmissionDecided {
                        level: DecisionLevel::DirectSuperior,
                        received: None,
                    },
                ),
                Some(FormCode::Knd9),
                "1234-QĐ/HU",
            ),
        )
        .await?;
        let ceremony = rec(
            s,
            case,
            with_doc(ev(d(2023, 7, 16), EventKind::CeremonyHeld), None, "BB-01"),
        )
        .await?;
        let p = s.person_by_id(cand).await?.unwrap();
        assert_eq!(
            statuses(&p),
            vec![
                (PartyStatus::Candidate, d(2023, 3, 1), Some(d(2023, 7, 16))),
                (PartyStatus::Probationary, d(2023, 7, 16), None),
            ]
        );
        // A correction: the ceremony was held two days earlier. The spells follow.
        let mut fix = with_doc(ev(d(2023, 7, 14), EventKind::CeremonyHeld), None, "BB-01");
        fix.corrects = Some(ceremony);
        fix.reason = Some("ngày ghi nhầm".into());
        let r = s.case_record(case, &fix, None, "test").await?;
        assert_eq!(r.event.corrects, Some(ceremony));
        let p = s.person_by_id(cand).await?.unwrap();
        assert_eq!(
            statuses(&p),
            vec![
                (PartyStatus::Candidate, d(2023, 3, 1), Some(d(2023, 7, 14))),
                (PartyStatus::Probationary, d(2023, 7, 14), None),
            ]
        );
        let v = s.case_get(case, d(2023, 8, 1), None).await?;
        assert_eq!(v.state.dates.ceremony, Some(d(2023, 7, 14)));
        assert_eq!(v.state.dates.probation_end, Some(d(2024, 7, 14)));
        // A correction without a reason is refused.
        let mut bad = ev(d(2023, 7, 13), EventKind::CeremonyHeld);
        bad.corrects = Some(ceremony);
        assert_eq!(
            refused(&s.case_record(case, &bad, None, "test").await),
            ["correction.reason"]
        );
        // The probationary member is now counted among the branch's members.
        let members = s.branch_members(w.branch, d(2023, 8, 1)).await?;
        assert!(
            members
                .iter()
                .any(|m| m.id == cand && m.status == Some(PartyStatus::Probationary))
        );

        // The new-member course, then the recognition documents, vote and decision.
        let nm = s
            .course_create(
                &NewCourse {
                    kind: CourseKind::NewMember,
                    org_code: "H082".into(),
                    name: "Lớp đảng viên mới 2023".into(),
                    reserved_class: None,
                    starts_on: d(2023, 10, 2),
                    ends_on: d(2023, 10, 12),
                },
                "test",
            )
            .await?;
        s.course_enrol(nm, cand, d(2023, 10, 1), "test").await?;
        s.course_complete(nm, cand, "ĐVM-88", d(2023, 10, 14), "test")
            .await?;
        for (doc, form) in [
            (DossierDoc::SelfReview, FormCode::Knd10),
            (DossierDoc::MentorReview, FormCode::Knd11),
            (DossierDoc::RecognitionComments, FormCode::Knd12),
        ] {
            rec(
                s,
                case,
                with_doc(
                    ev(d(2024, 7, 9), EventKind::DocumentFiled { doc }),
                    Some(form),
                    "x",
                ),
            )
            .await?;
        }
        let rv = EventKind::RecognitionVoted {
            official_members: 9,
            present: 8,
            in_favour: 8,
            against: 0,
        };
        rec(
            s,
            case,
            with_doc(ev(d(2024, 7, 19), rv), Some(FormCode::Knd13), "40-NQ/CB"),
        )
        .await?;
        let before = s.case_get(case, d(2024, 7, 20), None).await?;
        let last = s
            .case_record(
                case,
                &with_doc(
                    ev(d(2024, 7, 29), EventKind::RecognitionDecided),
                    None,
                    "77-QĐ/HU",
                ),
                Some(before.case.version),
                "test",
            )
            .await?;
        assert_eq!(last.stage, Stage::Official);
        assert_eq!(last.version, before.case.version + 1);
        let p = s.person_by_id(cand).await?.unwrap();
        assert_eq!(
            statuses(&p),
            vec![
                (PartyStatus::Candidate, d(2023, 3, 1), Some(d(2023, 7, 14))),
                (
                    PartyStatus::Probationary,
                    d(2023, 7, 14),
                    Some(d(2024, 7, 14))
                ),
                (PartyStatus::Official, d(2024, 7, 14), None),
            ],
            "official from the end of probation"
        );
        let v = s.case_get(case, d(2024, 8, 1), None).await?;
        assert_eq!(v.state.stage, Stage::Official);
        assert!(v.checklist.iter().all(|i| i.present), "{:?}", v.checklist);
        assert!(v.due.is_empty());
        assert_eq!(v.mentor.as_ref().map(|m| m.id), Some(w.mentor()));
        // Closed: not in the open list, listed by stage; the projection equals the recomputation.
        assert!(
            s.cases_in("X02692", d(2024, 8, 1), None, 100)
                .await?
                .is_empty()
        );
        let off = s
            .cases_in("X02692", d(2024, 8, 1), Some(Stage::Official), 100)
            .await?;
        assert_eq!(off.len(), 1);
        assert_eq!(off[0].stage, v.state.stage);
        assert_eq!(off[0].mentor_id, v.state.mentor);
        assert_eq!(Some(off[0].last_event_on), v.state.last_event);
        assert_eq!(off[0].version, v.case.version);
        // Scope: visible under the district, not under Ngải Thầu.
        let (nt, h) = (
            s.org_required("X02693").await?.id,
            s.org_required("H082").await?.id,
        );
        assert!(s.case_get(case, d(2024, 8, 1), Some(h)).await.is_ok());
        assert!(matches!(
            s.case_get(case, d(2024, 8, 1), Some(nt)).await,
            Err(StoreError::NotFound { .. })
        ));
        // Every write left an audit row.
        let audit = s
            .audit_recent(Some(("pipeline_case", &case.to_string())), 100)
            .await?;
        assert_eq!(
            audit.iter().filter(|a| a.action == "case.event").count(),
            v.events.len()
        );
        // The closed case cannot take another step.
        let r = s
            .case_record(case, &ev(d(2024, 9, 1), EventKind::Paused), None, "test")
            .await;
        assert!(matches!(r, Err(StoreError::Refused(_))), "{r:?}");
    }
    Ok(())
}

#[tokio::test]
async fn refusals_write_nothing() -> R {
    for t in test_stores().await? {
        let s = &t.store;
        let w = world(s).await?;
        // An expired certificate: issued 01/09/2016, expired 01/09/2021, vote 22/11/2021.
        let a = s
            .person_create(&person("Sùng A Lử", d(1990, 1, 1)), "test")
            .await?;
        let ca = open(s, a, BRANCH, d(2016, 8, 1)).await?;
        to_vote(s, &w, ca, d(2016, 9, 1), d(2021, 10, 1)).await?;
        let before = snapshot(s, ca, a).await?;
        let r = s
            .case_record(
                ca,
                &with_doc(
                    ev(d(2021, 11, 22), vote(9, 9, 9)),
                    Some(FormCode::Knd6),
                    "1",
                ),
                None,
                "test",
            )
            .await;
        assert_eq!(refused(&r), ["certificate.valid"], "{:?}", t.backend());
        if let Err(StoreError::Refused(v)) = &r {
            assert!(
                v[0].message_en.contains("expired 01/09/2021"),
                "{}",
                v[0].message_en
            );
            assert!(
                v[0].facts
                    .contains(&("expired".into(), "01/09/2021".into()))
            );
        }
        assert_eq!(snapshot(s, ca, a).await?, before);

        // Under 18 at the vote (17 years 11 months), counted by month.
        let b = s
            .person_create(&person("Thào A Chá", d(2005, 7, 20)), "test")
            .await?;
        let cb = open(s, b, BRANCH, d(2022, 9, 1)).await?;
        to_vote(s, &w, cb, d(2022, 10, 1), d(2023, 5, 1)).await?;
        let before = snapshot(s, cb, b).await?;
        let r = s
            .case_record(
                cb,
                &with_doc(ev(d(2023, 7, 10), vote(9, 9, 9)), Some(FormCode::Knd6), "2"),
                None,
                "test",
            )
            .await;
        assert_eq!(refused(&r), ["age.min"]);
        if let Err(StoreError::Refused(v)) = &r {
            assert!(
                v[0].message_vi.contains("17 tuổi 11 tháng"),
                "{}",
                v[0].message_vi
            );
            // The message gives the month only, never the birth date.
            assert!(!v[0].message_en.contains("20/07/2005"));
        }
        assert_eq!(snapshot(s, cb, b).await?, before);
        // On the birthday the vote passes.
        rec(
            s,
            cb,
            with_doc(ev(d(2023, 7, 20), vote(9, 9, 9)), Some(FormCode::Knd6), "2"),
        )
        .await?;

        // The vote's member count must be the records' (9 official members, not 8).
        let c = s
            .person_create(&person("Hầu A Vàng", d(1995, 2, 2)), "test")
            .await?;
        let cc = open(s, c, BRANCH, d(2023, 1, 3)).await?;
        to_vote(s, &w, cc, d(2023, 2, 1), d(2023, 3, 1)).await?;
        let r = s
            .case_record(
                cc,
                &with_doc(ev(d(2023, 4, 24), vote(8, 8, 6)), Some(FormCode::Knd6), "3"),
                None,
                "test",
            )
            .await;
        assert!(refused(&r).contains(&"vote.counts"), "{r:?}");

        // A mentor who is not an official member of the branch (a member of another branch).
        let other = s
            .person_search(&ketnap_store::PersonQuery {
                text: "Lý Seo Chử".into(),
                scope: None,
                as_of: d(2024, 1, 1),
                limit: 5,
            })
            .await?[0]
            .id;
        let r = s
            .case_record(
                cc,
                &ev(d(2023, 4, 24), EventKind::MentorAssigned { mentor: other }),
                None,
                "test",
            )
            .await;
        assert_eq!(refused(&r), ["mentor.official"]);
        // As an introducer they count as official (any branch); refused only because two
        // members already introduced the applicant.
        let r = s
            .case_record(
                cc,
                &ev(
                    d(2023, 4, 24),
                    EventKind::Introduced {
                        introducer: member(other),
                    },
                ),
                None,
                "test",
            )
            .await;
        let ids = refused(&r);
        assert!(
            ids.contains(&"introducer.count") && !ids.contains(&"introducer.official"),
            "{r:?}"
        );
        // Unknown people are store refusals, not rule refusals.
        let r = s
            .case_record(
                cc,
                &ev(
                    d(2023, 4, 24),
                    EventKind::MentorAssigned { mentor: 999_999 },
                ),
                None,
                "test",
            )
            .await;
        assert!(
            matches!(&r, Err(StoreError::Rule(e)) if e.violations()[0].rule == "pipeline.person.unknown"),
            "{r:?}"
        );

        // Opening a second case for someone with an open one, or for a member, is refused.
        let r = open(s, c, "X02692.02", d(2023, 5, 1)).await;
        assert!(
            matches!(&r, Err(StoreError::Rule(e)) if e.violations()[0].rule == "case.open.duplicate"),
            "{r:?}"
        );
        let r = open(s, w.members[3], BRANCH, d(2023, 5, 1)).await;
        assert!(
            matches!(&r, Err(StoreError::Rule(e)) if e.violations()[0].rule == "case.open.member"),
            "{r:?}"
        );
        let r = open(s, w.members[3], "X02692", d(2023, 5, 1)).await;
        assert!(
            matches!(&r, Err(StoreError::Rule(e)) if e.violations()[0].rule == "case.branch.kind"),
            "{r:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn optimistic_lock_conflict() -> R {
    for t in test_stores().await? {
        let s = &t.store;
        let w = world(s).await?;
        let p = s
            .person_create(&person("Ly A Sình", d(1999, 9, 9)), "test")
            .await?;
        let case = open(s, p, BRANCH, d(2024, 1, 2)).await?;
        let seen = s.case_get(case, d(2024, 1, 2), None).await?.case.version;
        // Someone else records the mentor meanwhile.
        s.case_record(
            case,
            &ev(
                d(2024, 1, 9),
                EventKind::MentorAssigned { mentor: w.mentor() },
            ),
            None,
            "bà Lan",
        )
        .await?;
        let before = snapshot(s, case, p).await?;
        let r = s
            .case_record(
                case,
                &ev(d(2024, 1, 10), EventKind::Paused),
                Some(seen),
                "ông Minh",
            )
            .await;
        match &r {
            Err(StoreError::Conflict {
                expected,
                actual,
                by,
                ..
            }) => {
                assert_eq!((*expected, *actual), (seen, seen + 1), "{:?}", t.backend());
                assert_eq!(by, "bà Lan");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains("changed by bà Lan") && msg.contains("reload"),
            "{msg}"
        );
        assert_eq!(snapshot(s, case, p).await?, before);
        let ok = s
            .case_record(
                case,
                &ev(d(2024, 1, 10), EventKind::Paused),
                Some(seen + 1),
                "ông Minh",
            )
            .await?;
        assert_eq!((ok.version, ok.stage), (seen + 2, Stage::Paused));
    }
    Ok(())
}

#[tokio::test]
async fn due_list_of_a_subtree() -> R {
    for t in test_stores().await? {
        let s = &t.store;
        let w = world(s).await?;
        let today = d(2024, 10, 1);
        // 1. Probation ended 14/07/2024; no recognition vote within 30 working days: overdue.
        let a = s
            .person_create(&person("Giàng A Dình", d(1998, 5, 10)), "test")
            .await?;
        let ca = open(s, a, BRANCH, d(2023, 3, 1)).await?;
        to_vote(s, &w, ca, d(2023, 3, 20), d(2023, 4, 3)).await?;
        rec(
            s,
            ca,
            with_doc(
                ev(d(2023, 5, 25), vote(9, 9, 8)),
                Some(FormCode::Knd6),
                "20",
            ),
        )
        .await?;
        rec(
            s,
            ca,
            with_doc(
                ev(
                    d(2023, 6, 1),
                    EventKind::CommitteeResolved {
                        members: 7,
                        in_favour: 5,
                    },
                ),
                Some(FormCode::Knd8),
                "31",
            ),
        )
        .await?;
        rec(
            s,
            ca,
            with_doc(
                ev(
                    d(2023, 7, 6),
                    EventKind::AdmissionDecided {
                        level: DecisionLevel::DirectSuperior,
                        received: None,
                    },
                ),
                Some(FormCode::Knd9),
                "9",
            ),
        )
        .await?;
        rec(
            s,
            ca,
            with_doc(ev(d(2023, 7, 14), EventKind::CeremonyHeld), None, "BB"),
        )
        .await?;
        rec(
            s,
            ca,
            ev(
                d(2023, 10, 14),
                EventKind::NewMemberCourseCompleted {
                    certificate_no: "ĐVM-1".into(),
                },
            ),
        )
        .await?;
        rec(
            s,
            ca,
            with_doc(
                ev(
                    d(2024, 7, 1),
                    EventKind::DocumentFiled {
                        doc: DossierDoc::SelfReview,
                    },
                ),
                Some(FormCode::Knd10),
                "x",
            ),
        )
        .await?;
        // 2. Listed in January, course in February, nothing since: stalled.
        let b = s
            .person_create(&person("Thào Seo Lềnh", d(2000, 2, 2)), "test")
            .await?;
        let cb = open(s, b, "X02692.02", d(2024, 1, 5)).await?;
        rec(
            s,
            cb,
            ev(
                d(2024, 2, 1),
                EventKind::CourseCompleted {
                    certificate_no: "CN-9".into(),
                    issued: d(2024, 2, 1),
                    reserved_class: None,
                },
            ),
        )
        .await?;
        // 3. Certificate issued 15/11/2019 expires 15/11/2024, before any vote: expiring.
        let c = s
            .person_create(&person("Vừ A Tủa", d(1993, 3, 3)), "test")
            .await?;
        let cc = open(s, c, BRANCH, d(2019, 10, 1)).await?;
        rec(
            s,
            cc,
            ev(
                d(2019, 11, 15),
                EventKind::CourseCompleted {
                    certificate_no: "CN-7".into(),
                    issued: d(2019, 11, 15),
                    reserved_class: None,
                },
            ),
        )
        .await?;
        rec(
            s,
            cc,
            with_doc(
                ev(d(2024, 8, 1), EventKind::ApplicationSubmitted),
                Some(FormCode::Knd1),
                "đơn",
            ),
        )
        .await?;
        // 4. Stalled too, but in Ngải Thầu (outside X02692).
        let e = s
            .person_create(&person("Lò Văn Ơn", d(2001, 4, 4)), "test")
            .await?;
        let ce = open(s, e, "X02693.01", d(2024, 1, 8)).await?;

        let rows = s.due_list("X02692", today, 6).await?;
        let got: Vec<(CaseId, DueGroup, DueKind)> = rows
            .iter()
            .map(|r| (r.case_id, r.group, r.item.kind))
            .collect();
        assert!(
            got.contains(&(ca, DueGroup::Overdue, DueKind::RecognitionVote)),
            "{:?}: {got:?}",
            t.backend()
        );
        assert!(
            got.contains(&(cb, DueGroup::Stalled, DueKind::Stalled)),
            "{got:?}"
        );
        assert!(
            got.contains(&(cc, DueGroup::Certificate, DueKind::CertificateExpiring)),
            "{got:?}"
        );
        assert!(!got.iter().any(|g| g.0 == ce), "{got:?}");
        assert!(
            rows.windows(2).all(|w| w[0].group <= w[1].group),
            "grouped in order"
        );
        let overdue = rows.iter().find(|r| r.case_id == ca).unwrap();
        assert_eq!(overdue.item.rule_id, Some("deadline.recognition"));
        assert_eq!(overdue.person.full_name, "Giàng A Dình");
        assert_eq!(overdue.branch.code, BRANCH);
        // The district sees Ngải Thầu's case as well; without stalling it is gone.
        let all = s.due_list("H082", today, 6).await?;
        assert!(
            all.iter()
                .any(|r| r.case_id == ce && r.group == DueGroup::Stalled)
        );
        let quiet = s.due_list("H082", today, 0).await?;
        assert!(!quiet.iter().any(|r| r.group == DueGroup::Stalled));
        // Earlier, the recognition vote was only due (within 30 days), not overdue.
        let early = s.due_list("X02692", d(2024, 8, 1), 6).await?;
        assert!(
            early
                .iter()
                .any(|r| r.case_id == ca && r.group == DueGroup::ThisMonth),
            "{early:?}"
        );

        // Lists and mentor workload for the same subtree.
        let open_cases = s.cases_in("X02692", today, None, 100).await?;
        assert_eq!(open_cases.len(), 3);
        let prob = s
            .cases_in("X02692", today, Some(Stage::Probationary), 100)
            .await?;
        assert_eq!(prob.iter().map(|c| c.id).collect::<Vec<_>>(), vec![ca]);
        let load = s.mentor_workload("X02692", today).await?;
        assert_eq!(load.rows.len(), 1);
        assert_eq!(
            (
                load.rows[0].mentor.id,
                load.rows[0].probationary,
                load.rows[0].candidates
            ),
            (w.mentor(), 1, 0)
        );
        assert!(load.rows[0].official);
        assert_eq!(load.without_mentor, 2);
    }
    Ok(())
}

#[tokio::test]
async fn events_import_all_or_nothing() -> R {
    for t in test_stores().await? {
        let s = &t.store;
        let w = world(s).await?;
        let a = s
            .person_create(&person("Giàng A Páo", d(1996, 6, 6)), "test")
            .await?;
        let b = s
            .person_create(&person("Sùng Thị Mai", d(1997, 7, 7)), "test")
            .await?;
        let row = |row: usize, case: ImportCase, person: Option<PersonId>, e: NewEvent| ImportRow {
            row,
            case,
            person_id: person,
            branch_code: person.map(|_| BRANCH.to_string()),
            event: e,
        };
        let listed = || EventKind::SourceListed {
            proposed_by: Proposer::YouthUnion,
        };
        let course = |date: NaiveDate| EventKind::CourseCompleted {
            certificate_no: "CN-1".into(),
            issued: date,
            reserved_class: None,
        };
        let key = |k: &str| ImportCase::New(k.into());
        let good = vec![
            row(2, key("A"), Some(a), ev(d(2024, 1, 5), listed())),
            row(
                3,
                key("A"),
                None,
                ev(
                    d(2024, 1, 12),
                    EventKind::MentorAssigned { mentor: w.mentor() },
                ),
            ),
            row(4, key("A"), None, ev(d(2024, 2, 1), course(d(2024, 2, 1)))),
            row(5, key("B"), Some(b), ev(d(2024, 1, 6), listed())),
            row(
                6,
                key("A"),
                None,
                with_doc(
                    ev(d(2024, 2, 20), EventKind::ApplicationSubmitted),
                    Some(FormCode::Knd1),
                    "đơn",
                ),
            ),
        ];
        // B applies before the course: refused on its row; A's rows are fine, yet nothing is written.
        let mut bad = good.clone();
        bad.push(row(
            7,
            key("B"),
            None,
            with_doc(
                ev(d(2024, 2, 2), EventKind::ApplicationSubmitted),
                Some(FormCode::Knd1),
                "đơn",
            ),
        ));
        let audit_before = s.audit_recent(None, 1).await?.first().map(|x| x.id);
        let r = s.events_import(&bad, "events.csv", "test", false).await?;
        assert!(!r.written, "{:?}", t.backend());
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert_eq!(
            (
                r.errors[0].row,
                r.errors[0].column.as_str(),
                r.errors[0].rule.as_str()
            ),
            (7, "kind", "order.requires")
        );
        assert!(
            r.errors[0]
                .refusal
                .as_ref()
                .is_some_and(|x| !x.message_vi.is_empty())
        );
        assert!(
            s.cases_in("X02692", d(2024, 3, 1), None, 100)
                .await?
                .is_empty(),
            "no case written"
        );
        assert!(
            s.person_by_id(a).await?.unwrap().statuses.is_empty(),
            "no status written"
        );
        assert_eq!(
            s.audit_recent(None, 1).await?.first().map(|x| x.id),
            audit_before
        );
        // A bad reference is reported on its row too.
        let mut unknown = good.clone();
        unknown[1] = row(
            3,
            key("A"),
            None,
            ev(
                d(2024, 1, 12),
                EventKind::MentorAssigned { mentor: 424_242 },
            ),
        );
        let r = s
            .events_import(&unknown, "events.csv", "test", false)
            .await?;
        assert_eq!(
            (
                r.errors[0].row,
                r.errors[0].column.as_str(),
                r.errors[0].rule.as_str()
            ),
            (3, "data", "pipeline.person.unknown")
        );

        // A dry run reports and writes nothing; the real run writes both cases.
        let r = s.events_import(&good, "events.csv", "test", true).await?;
        assert!(r.errors.is_empty() && !r.written, "{:?}", r.errors);
        assert_eq!((r.cases_created, r.events_created), (2, 5));
        assert!(
            s.cases_in("X02692", d(2024, 3, 1), None, 100)
                .await?
                .is_empty()
        );
        let r = s.events_import(&good, "events.csv", "test", false).await?;
        assert!(r.written && r.errors.is_empty(), "{:?}", r.errors);
        let cases = s.cases_in("X02692", d(2024, 3, 1), None, 100).await?;
        assert_eq!(cases.len(), 2);
        let ca = cases.iter().find(|c| c.person.id == a).unwrap();
        assert_eq!(ca.stage, Stage::Applied);
        let v = s.case_get(ca.id, d(2024, 3, 1), None).await?;
        assert_eq!(v.events.len(), 4);
        assert_eq!(v.case.version, 4);
        assert_eq!(
            statuses(&s.person_by_id(a).await?.unwrap()),
            vec![(PartyStatus::Candidate, d(2024, 1, 5), None)]
        );
        // Rows for a recorded case go through the same checks.
        let more = vec![row(
            2,
            ImportCase::Recorded(ca.id),
            None,
            with_doc(
                ev(d(2024, 2, 23), EventKind::HistorySubmitted),
                Some(FormCode::Knd2),
                "LL",
            ),
        )];
        let r = s.events_import(&more, "more.csv", "test", false).await?;
        assert!(r.written, "{:?}", r.errors);
        assert_eq!(
            s.case_get(ca.id, d(2024, 3, 1), None).await?.events.len(),
            5
        );
        // A second import of the first file is refused: the people already have open cases.
        let r = s.events_import(&good, "events.csv", "test", false).await?;
        assert!(
            r.errors
                .iter()
                .any(|e| e.rule == "case.open.duplicate" && e.row == 2),
            "{:?}",
            r.errors
        );
    }
    Ok(())
}

#[tokio::test]
async fn holidays_are_data() -> R {
    for t in test_stores().await? {
        let s = &t.store;
        let y2024 = s.holidays_list(Some(2024)).await?;
        assert!(
            y2024
                .iter()
                .any(|h| h.holiday.kind == HolidayKind::Tet && h.source == "shipped"),
            "{:?}",
            t.backend()
        );
        let cal = s.calendar().await?;
        assert!(!cal.is_working_day(d(2024, 2, 12)));
        // An extra day off moves working-day deadlines: 10 working days after Fri 01/03/2024.
        let before = cal.add_working_days(d(2024, 3, 1), 10);
        assert_eq!(before, d(2024, 3, 15));
        // Another server on the same database has read (and keeps) the calendar too.
        let other = Store::open(&t.url).await?;
        assert_eq!(
            other.calendar().await?.add_working_days(d(2024, 3, 1), 10),
            before
        );
        s.holiday_upsert(
            &Holiday {
                date: d(2024, 3, 5),
                name: "Nghỉ đột xuất".into(),
                kind: HolidayKind::Holiday,
            },
            "admin",
        )
        .await?;
        assert_eq!(
            s.calendar().await?.add_working_days(d(2024, 3, 1), 10),
            d(2024, 3, 18)
        );
        // The edit replaced the calendar's version token: the other server sees it at once.
        assert_eq!(
            other.calendar().await?.add_working_days(d(2024, 3, 1), 10),
            d(2024, 3, 18)
        );
        let listed = s.holidays_list(Some(2024)).await?;
        assert!(listed.iter().any(|h| h.holiday.date == d(2024, 3, 5)
            && h.source == "admin"
            && h.updated_by == "admin"));
        assert!(s.holiday_delete(d(2024, 3, 5), "admin").await?);
        assert!(!s.holiday_delete(d(2024, 3, 5), "admin").await?);
        assert_eq!(
            s.calendar().await?.add_working_days(d(2024, 3, 1), 10),
            before
        );
        assert_eq!(
            other.calendar().await?.add_working_days(d(2024, 3, 1), 10),
            before
        );
        // Both edits are audited.
        let audit = s.audit_recent(Some(("holiday", "2024-03-05")), 10).await?;
        assert_eq!(audit.len(), 2);
    }
    Ok(())
}

#[tokio::test]
async fn courses_check_their_class() -> R {
    for t in test_stores().await? {
        let s = &t.store;
        world(s).await?;
        let p = s
            .person_create(&person("Hờ A Chang", d(2006, 1, 1)), "test")
            .await?;
        let course = s
            .course_create(
                &NewCourse {
                    kind: CourseKind::Awareness,
                    org_code: "H082".into(),
                    name: "Lớp học sinh THPT".into(),
                    reserved_class: Some(
                        ketnap_domain::pipeline::ReservedClass::UpperSecondaryPupils,
                    ),
                    starts_on: d(2024, 3, 1),
                    ends_on: d(2024, 3, 10),
                },
                "test",
            )
            .await?;
        let r = s.course_enrol(course, p, d(2024, 2, 1), "test").await;
        assert!(
            matches!(&r, Err(StoreError::Rule(e)) if e.violations()[0].rule == "course.enrol.no_case"),
            "{:?}",
            t.backend()
        );
        open(s, p, BRANCH, d(2024, 1, 10)).await?;
        let r = s.course_enrol(course, p, d(2024, 2, 1), "test").await;
        assert!(
            matches!(&r, Err(StoreError::Rule(e)) if e.violations()[0].rule == "course.reserved_class"),
            "{r:?}"
        );
        let mut pupil = s.person_by_id(p).await?.unwrap().person;
        pupil.occupation = Occupation::PupilStudent;
        s.person_update(&pupil, "test").await?;
        s.course_enrol(course, p, d(2024, 2, 1), "test").await?;
        let done = s
            .course_complete(course, p, "CN-THPT-1", d(2024, 3, 12), "test")
            .await?;
        match &done.event.kind {
            EventKind::CourseCompleted {
                reserved_class,
                issued,
                ..
            } => {
                assert_eq!(
                    *reserved_class,
                    Some(ketnap_domain::pipeline::ReservedClass::UpperSecondaryPupils)
                );
                assert_eq!(*issued, d(2024, 3, 12));
            }
            other => panic!("{other:?}"),
        }
        let list = s.courses_list(Some("T10")).await?;
        assert_eq!((list.len(), list[0].enrolled, list[0].completed), (1, 1, 1));
    }
    Ok(())
}

#[tokio::test]
async fn transfers_and_withdrawal_keep_statuses_in_step() -> R {
    for t in test_stores().await? {
        let s = &t.store;
        world(s).await?;
        let p = s
            .person_create(&person("Tẩn A Lở", d(2000, 8, 8)), "test")
            .await?;
        let case = open(s, p, BRANCH, d(2024, 1, 2)).await?;
        let to = s.org_required("X02692.02").await?.id;
        let from = s.org_required(BRANCH).await?.id;
        // Not to the same branch, nor to a unit that is not a branch.
        let same = s
            .case_record(
                case,
                &ev(d(2024, 2, 1), EventKind::TransferredOut { to_branch: from }),
                None,
                "test",
            )
            .await;
        assert!(
            matches!(&same, Err(StoreError::Rule(e)) if e.violations()[0].rule == "pipeline.transfer.same"),
            "{same:?}"
        );
        let out = s
            .case_record(
                case,
                &ev(d(2024, 2, 1), EventKind::TransferredOut { to_branch: to }),
                None,
                "test",
            )
            .await?;
        assert_eq!(out.stage, Stage::TransferredOut, "{:?}", t.backend());
        // The receiving branch sees the case waiting, and records the transfer in.
        let waiting = s.cases_in("X02692.02", d(2024, 2, 2), None, 10).await?;
        assert_eq!(waiting.iter().map(|c| c.id).collect::<Vec<_>>(), vec![case]);
        s.case_record(
            case,
            &ev(
                d(2024, 2, 10),
                EventKind::TransferredIn { from_branch: from },
            ),
            None,
            "test",
        )
        .await?;
        let rec = s.person_by_id(p).await?.unwrap();
        let spells: Vec<_> = rec
            .statuses
            .iter()
            .map(|x| {
                (
                    x.status,
                    x.branch.as_ref().map(|b| b.code.clone()),
                    x.period.from,
                )
            })
            .collect();
        assert_eq!(
            spells,
            vec![
                (
                    PartyStatus::Candidate,
                    Some(BRANCH.to_string()),
                    d(2024, 1, 2)
                ),
                (PartyStatus::TransferredOut, None, d(2024, 2, 1)),
                (
                    PartyStatus::Candidate,
                    Some("X02692.02".to_string()),
                    d(2024, 2, 10)
                ),
            ]
        );
        // Withdrawn: taken off the list (removed), the case closed; a new case may open later.
        s.case_record(case, &ev(d(2024, 5, 1), EventKind::Withdrawn), None, "test")
            .await?;
        let last = s
            .person_by_id(p)
            .await?
            .unwrap()
            .statuses
            .last()
            .map(|x| (x.status, x.period.from));
        assert_eq!(last, Some((PartyStatus::Removed, d(2024, 5, 1))));
        assert!(
            s.cases_in("X02692", d(2024, 6, 1), None, 10)
                .await?
                .is_empty()
        );
        let again = open(s, p, BRANCH, d(2025, 3, 1)).await?;
        assert_ne!(again, case);
        let last = s
            .person_by_id(p)
            .await?
            .unwrap()
            .statuses
            .last()
            .map(|x| (x.status, x.period.from));
        assert_eq!(last, Some((PartyStatus::Candidate, d(2025, 3, 1))));
    }
    Ok(())
}
