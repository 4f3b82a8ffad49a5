//! Reports on both engines (issue C items 4–6): admissions as was and re-based across the
//! A Lù + Ngải Thầu merger (1/3/2020), recognitions, membership with population, coverage.

mod common;

use common::{d, rules, tree};
use ketnap_domain::locality::{LocalityKind, NewLocality};
use ketnap_domain::org::{Operation, Target};
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_domain::reports::{ReportPeriod, Structure};
use ketnap_domain::sensitive::Sensitive;
use ketnap_store::reports_api::ReportRequest;
use ketnap_store::testing::test_stores;
use ketnap_store::{Store, StoreError};

fn person(n: usize, sex: Sex, birth: chrono::NaiveDate, residence: Option<i64>) -> Person {
    Person {
        id: 0,
        cccd: None,
        full_name: format!(
            "Giàng Thị {}",
            [
                "Sú", "Mai", "Lan", "Hoa", "Pà", "Dợ", "Chà", "Sì", "Mỷ", "Xuân"
            ][n % 10]
        ),
        sex,
        birth_date: Sensitive::new(birth),
        ethnic_group: Sensitive::new(EthnicGroup::parse("08").unwrap_or_default()),
        religion: Sensitive::new(if n == 0 {
            Religion::Protestant
        } else {
            Religion::None
        }),
        education: GeneralEducation::UpperSecondary,
        qualification: ProfessionalQualification::None,
        political_theory: PoliticalTheory::None,
        occupation: Occupation::Farmer,
        youth_union: true,
        residence_locality: residence,
    }
}

/// A member admitted in `branch` on `on`, optionally recognized a year later.
async fn admit(
    s: &Store,
    n: usize,
    sex: Sex,
    branch: i64,
    on: chrono::NaiveDate,
    recognized: bool,
    residence: Option<i64>,
) -> Result<i64, StoreError> {
    let id = s
        .person_create(&person(n, sex, d(1995, 1, 1), residence), "test")
        .await?;
    s.person_add_status(
        id,
        PartyStatus::Candidate,
        Some(branch),
        d(2018, 1, 1),
        "test",
    )
    .await?;
    s.person_add_status(id, PartyStatus::Probationary, Some(branch), on, "test")
        .await?;
    if recognized {
        let off = on.checked_add_months(chrono::Months::new(12)).unwrap_or(on);
        s.person_add_status(id, PartyStatus::Official, Some(branch), off, "test")
            .await?;
    }
    Ok(id)
}

fn req(code: &str, period: &str, structure: Structure) -> ReportRequest {
    ReportRequest {
        org_code: code.into(),
        period: ReportPeriod::parse(period).unwrap_or_else(|_| ReportPeriod {
            label: String::new(),
            kind: ketnap_domain::reports::PeriodKind::Year,
            from: d(2000, 1, 1),
            to: d(2000, 1, 2),
        }),
        as_of: None,
        structure,
        today: d(2026, 1, 1),
    }
}

#[tokio::test]
async fn reports_as_was_and_rebased() -> Result<(), StoreError> {
    for t in test_stores().await? {
        let s = &t.store;
        let tr = tree(s).await?;
        let (b1, b2) = (tr.branches[0], tr.branches[1]);
        // Localities: two villages of A Lù served by one combined branch, one village with a
        // branch of its own, one Ngải Thầu village with its own branch; populations.
        let mut loc = vec![];
        for (code, commune) in [
            ("V1", tr.alu),
            ("V2", tr.alu),
            ("V3", tr.alu),
            ("V4", tr.nt),
            ("V5", tr.alu),
        ] {
            let id = s
                .locality_create(
                    &NewLocality {
                        code: code.into(),
                        name: format!("Thôn {code}"),
                        kind: LocalityKind::Village,
                        commune,
                        from: d(2016, 1, 1),
                    },
                    "test",
                )
                .await?;
            s.locality_set_population(id, 2019, 500, "test").await?;
            loc.push(id);
        }
        s.locality_set_service(loc[0], Some(b1), d(2016, 1, 1), "test")
            .await?;
        s.locality_set_service(loc[1], Some(b1), d(2016, 1, 1), "test")
            .await?;
        s.locality_set_service(loc[2], Some(b2), d(2016, 1, 1), "test")
            .await?;
        s.locality_set_service(loc[3], Some(tr.nt_branch), d(2016, 1, 1), "test")
            .await?;

        // 2019: one admission in A Lù, two in Ngải Thầu (one a woman), all recognized in 2020.
        admit(s, 0, Sex::Female, b1, d(2019, 5, 10), true, Some(loc[0])).await?;
        admit(
            s,
            1,
            Sex::Female,
            tr.nt_branch,
            d(2019, 6, 1),
            true,
            Some(loc[3]),
        )
        .await?;
        admit(
            s,
            2,
            Sex::Male,
            tr.nt_branch,
            d(2019, 7, 1),
            true,
            Some(loc[3]),
        )
        .await?;
        // 1/3/2020: Ngải Thầu merges into A Lù.
        s.org_apply(
            &Operation::Merge {
                sources: vec![tr.nt],
                into: Target::Existing(tr.alu),
                date: d(2020, 3, 1),
            },
            "test",
        )
        .await?;
        // 2020: three admissions in A Lù; one probationary moves branch (not an admission).
        admit(s, 3, Sex::Female, b1, d(2020, 4, 1), false, Some(loc[0])).await?;
        admit(s, 4, Sex::Male, b2, d(2020, 5, 1), false, Some(loc[2])).await?;
        let mover = admit(s, 5, Sex::Female, b2, d(2020, 6, 1), false, None).await?;
        s.person_add_status(
            mover,
            PartyStatus::Probationary,
            Some(b1),
            d(2020, 9, 1),
            "test",
        )
        .await?;

        let total = |r: &ketnap_domain::reports::BreakdownReport| r.count("total");
        // As was, 2019: A Lù admitted 1, Ngải Thầu 2, the district 3.
        let alu19 = s
            .report_breakdown(&req("X02692", "2019", Structure::AsWas), false)
            .await?;
        assert_eq!(total(&alu19), 1, "{:?}", t.backend());
        assert_eq!(alu19.structure, Structure::AsWas);
        let nt19 = s
            .report_breakdown(&req("X02693", "2019", Structure::AsWas), false)
            .await?;
        assert_eq!((total(&nt19), nt19.count("women")), (2, 1));
        let nt20 = s
            .report_breakdown(&req("X02693", "2020", Structure::AsWas), false)
            .await?;
        assert_eq!(
            nt20.notes,
            ["X02693 kết thúc hoạt động ngày 01/03/2020: số liệu từ ngày này thuộc đơn vị kế thừa"]
        );
        assert!(nt19.notes.is_empty());
        let h19 = s
            .report_breakdown(&req("H082", "2019", Structure::AsWas), false)
            .await?;
        assert_eq!(total(&h19), 3);
        // Re-based onto today's structure: today's A Lù holds Ngải Thầu's history.
        let alu19r = s
            .report_breakdown(&req("X02692", "2019", Structure::Rebased), false)
            .await?;
        assert_eq!((total(&alu19r), alu19r.count("women")), (3, 2));
        assert!(
            alu19r
                .structure_vi
                .starts_with("Quy đổi theo cơ cấu tổ chức hiện nay")
        );
        // Ngải Thầu no longer exists: a re-based report on it is refused, with the reason.
        let r = s
            .report_breakdown(&req("X02693", "2019", Structure::Rebased), false)
            .await;
        assert_eq!(rules(&r), ["report.rebase.ended"]);

        // 2020 against 2019 (as was): 3 admissions (the move is not one) vs 1 → 300%.
        let alu20 = s
            .report_breakdown(&req("X02692", "2020", Structure::AsWas), false)
            .await?;
        let row = alu20
            .rows
            .first()
            .map(|r| (r.current, r.previous, r.percent_vi.clone()));
        assert_eq!(row, Some((3, 1, "300%".to_string())));
        assert_eq!(alu20.count("women"), 2);
        assert_eq!(alu20.count("religious"), 0);
        assert_eq!(alu19.count("religious"), 1);
        assert_eq!(alu20.count("ethnic_minority"), 3);
        assert_eq!(alu20.count("age.18_30"), 3);
        // Half-year and month periods; as-of cuts the period.
        let h1 = s
            .report_breakdown(&req("X02692", "2020-H1", Structure::AsWas), false)
            .await?;
        assert_eq!(total(&h1), 3);
        let m = s
            .report_breakdown(&req("X02692", "2020-04", Structure::AsWas), false)
            .await?;
        assert_eq!(total(&m), 1);
        let mut cut = req("X02692", "2020", Structure::AsWas);
        cut.as_of = Some(d(2020, 4, 30));
        assert_eq!(total(&s.report_breakdown(&cut, false).await?), 1);

        // Recognitions in 2020: the three of 2019, all in A Lù after the merger (as was).
        let rec = s
            .report_breakdown(&req("X02692", "2020", Structure::AsWas), true)
            .await?;
        assert_eq!((rec.report.as_str(), total(&rec)), ("recognitions", 3));

        // Candidates in the pipeline: nobody is still a candidate at the end of 2020; at the
        // end of 2018 everyone admitted later was (listed 1/1/2018): 4 in A Lù as was, 6 re-based.
        let c20 = s
            .report_candidates(&req("X02692", "2020", Structure::AsWas))
            .await?;
        assert_eq!(c20.count("total"), 0);
        let c18 = s
            .report_candidates(&req("X02692", "2018", Structure::AsWas))
            .await?;
        assert_eq!((c18.count("total"), c18.report.as_str()), (4, "candidates"));
        let c18r = s
            .report_candidates(&req("X02692", "2018", Structure::Rebased))
            .await?;
        assert_eq!((c18r.count("total"), c18r.count("women")), (6, 4));
        assert_eq!(
            c18r.rows[0].previous, 0,
            "a year earlier (2017) nobody was listed"
        );

        // Membership at the end of 2020, by branch: 6 members, 3 probationary.
        let mem = s
            .report_membership(&req("X02692", "2020", Structure::AsWas))
            .await?;
        assert_eq!(mem.total.members, 6);
        assert_eq!(
            (mem.total.counts.probationary, mem.total.counts.official),
            (3, 3)
        );
        assert_eq!(mem.rows.len(), 5, "{:?}", mem.rows);
        let b1row = mem.rows.iter().find(|r| r.counts.code == "X02692.01");
        assert_eq!(b1row.map(|r| r.members), Some(3));
        // Members at the end of 2019 under today's A Lù (re-based): 3, as was 1.
        let mem19 = s
            .report_membership(&req("X02692", "2019", Structure::AsWas))
            .await?;
        assert_eq!(mem19.total.members, 1);
        let mem19r = s
            .report_membership(&req("X02692", "2019", Structure::Rebased))
            .await?;
        assert_eq!(mem19r.total.members, 3);
        // Population by commune: the district in 2019 has 5 villages × 500.
        let hm = s
            .report_membership(&req("H082", "2019", Structure::AsWas))
            .await?;
        assert_eq!(hm.total.counts.population, Some(2500));
        assert_eq!(hm.total.ratio_vi, "0,12%");

        // Coverage of A Lù's villages at the end of 2019 (as was): V1+V2 combined, V3 own,
        // V5 no branch; residents: V1 only.
        let cov = s
            .report_coverage(&req("X02692", "2019", Structure::AsWas))
            .await?;
        let v = &cov.rows[0];
        assert_eq!(
            (
                v.total,
                v.with_branch,
                v.with_own_branch,
                v.combined,
                v.no_member
            ),
            (4, 3, 1, 2, 3),
            "{:?}",
            t.backend()
        );
        assert_eq!(v.members_but_no_own_branch, 1);
        assert_eq!(
            cov.combined_branches.sentence_vi,
            "1 chi bộ sinh hoạt ghép: 1 ghép 2 thôn"
        );
        assert_eq!(v.sentence_vi, "3/4 Thôn, bản có chi bộ");
        let covh = s
            .report_coverage(&req("H082", "2019", Structure::AsWas))
            .await?;
        assert_eq!(covh.rows[0].total, 5);
    }
    Ok(())
}

/// Pác Nặm (scenarios §2): 9 combined branches — 8 serve 2 villages each, 1 serves 3 — and
/// Thuận Châu style "x/y bản có chi bộ", through the public Store API.
#[tokio::test]
async fn coverage_combined_branches_pac_nam() -> Result<(), StoreError> {
    use ketnap_domain::org::{NewUnit, OrgKind, Sector};
    for t in test_stores().await? {
        let s = &t.store;
        let tr = tree(s).await?;
        let mut branches = vec![];
        for i in 0..9 {
            let unit = NewUnit {
                code: format!("X02692.G{i}"),
                name: format!("Chi bộ ghép {i}"),
                kind: OrgKind::Branch,
                sector: Sector::Village,
                parent: Some(tr.alu),
            };
            let ids = s
                .org_apply(
                    &Operation::Create {
                        unit,
                        date: d(2016, 1, 1),
                    },
                    "test",
                )
                .await?;
            branches.extend(ids.first().copied());
        }
        // 8 × 2 + 1 × 3 = 19 villages in combined branches, 2 with their own, 1 with none.
        let mut served: Vec<Option<i64>> = vec![];
        for (i, b) in branches.iter().enumerate() {
            for _ in 0..(if i == 8 { 3 } else { 2 }) {
                served.push(Some(*b));
            }
        }
        served.extend([Some(tr.branches[0]), Some(tr.branches[1]), None]);
        for (i, b) in served.iter().enumerate() {
            let id = s
                .locality_create(
                    &NewLocality {
                        code: format!("PN{i:02}"),
                        name: format!("Bản {i}"),
                        kind: LocalityKind::Village,
                        commune: tr.alu,
                        from: d(2016, 1, 1),
                    },
                    "test",
                )
                .await?;
            if let Some(b) = b {
                s.locality_set_service(id, Some(*b), d(2017, 1, 1), "test")
                    .await?;
            }
        }
        let mut r = req("X02692", "2023", Structure::AsWas);
        r.as_of = Some(d(2023, 6, 30));
        let cov = s.report_coverage(&r).await?;
        assert_eq!(
            cov.combined_branches.sentence_vi,
            "9 chi bộ sinh hoạt ghép: 8 ghép 2 thôn, 1 ghép 3 thôn",
            "{:?}",
            t.backend()
        );
        assert_eq!(cov.combined_branches.by_size, [(2, 8), (3, 1)]);
        let v = &cov.rows[0];
        assert_eq!(v.sentence_vi, "21/22 Thôn, bản có chi bộ");
        assert_eq!(
            (v.with_own_branch, v.combined, v.without_own_branch),
            (2, 19, 20)
        );
        // Before the services began (2016) no village had a branch.
        let mut early = req("X02692", "2016", Structure::AsWas);
        early.as_of = Some(d(2016, 6, 1));
        let cov16 = s.report_coverage(&early).await?;
        assert_eq!(cov16.rows[0].sentence_vi, "0/22 Thôn, bản có chi bộ");
        assert_eq!(cov16.combined_branches.total, 0);
    }
    Ok(())
}

/// Nậm Mả (scenarios §1): the village branch admitted 6 in 2024, all women; it now has 40
/// members, 13 of them women.
#[tokio::test]
async fn nam_ma_village_branch() -> Result<(), StoreError> {
    for t in test_stores().await? {
        let s = &t.store;
        let tr = tree(s).await?;
        let b = tr.branches[2];
        for i in 0..34 {
            let sex = if i < 7 { Sex::Female } else { Sex::Male };
            let id = s
                .person_create(&person(i + 1, sex, d(1980, 1, 1), None), "test")
                .await?;
            s.person_add_status(id, PartyStatus::Official, Some(b), d(2016, 1, 1), "test")
                .await?;
        }
        for i in 0..6 {
            admit(
                s,
                i + 1,
                Sex::Female,
                b,
                d(2024, 3 + i as u32, 1),
                false,
                None,
            )
            .await?;
        }
        let a = s
            .report_breakdown(&req("X02692.03", "2024", Structure::AsWas), false)
            .await?;
        let women = a.rows.iter().find(|r| r.id == "women");
        assert_eq!(
            women.map(|r| (
                r.current,
                r.current_vi.as_str(),
                r.share_vi.as_str(),
                r.percent_vi.as_str()
            )),
            Some((6, "6", "100%", "–")),
            "{:?}",
            t.backend()
        );
        let m = s
            .report_membership(&req("X02692.03", "2024", Structure::AsWas))
            .await?;
        assert_eq!((m.total.members, m.total.counts.women), (40, 13));
        assert_eq!(m.rows.len(), 1, "a branch reports on itself");
        assert_eq!(m.total.counts.probationary, 6);
        // A school served by this branch has members (they work there); an unserved health
        // station has none.
        for (code, kind) in [
            ("TH1", LocalityKind::School),
            ("YT1", LocalityKind::HealthStation),
        ] {
            let id = s
                .locality_create(
                    &NewLocality {
                        code: code.into(),
                        name: format!("Điểm {code}"),
                        kind,
                        commune: tr.alu,
                        from: d(2016, 1, 1),
                    },
                    "test",
                )
                .await?;
            if kind == LocalityKind::School {
                s.locality_set_service(id, Some(b), d(2016, 1, 1), "test")
                    .await?;
            }
        }
        let cov = s
            .report_coverage(&req("X02692", "2024", Structure::AsWas))
            .await?;
        let by = |k: LocalityKind| {
            cov.rows
                .iter()
                .find(|r| r.kind == k)
                .map(|r| (r.total, r.with_own_branch, r.no_member))
        };
        assert_eq!(by(LocalityKind::School), Some((1, 1, 0)));
        assert_eq!(by(LocalityKind::HealthStation), Some((1, 0, 1)));
    }
    Ok(())
}

/// Lào Cai closes 2024 (scenarios §1), through the public Store API: 2.287 admitted, of whom
/// 1.100 women, 1.452 ethnic minorities, 65 pupils/students, 85 in private economic units;
/// more than 79% upper secondary; 40 master's, 754 university, 303 college, 198 intermediate or
/// elementary — and the figures formatted the way the press writes them.
#[tokio::test]
async fn lao_cai_2024_admissions() -> Result<(), StoreError> {
    const N: usize = 2287;
    for t in test_stores().await? {
        let s = &t.store;
        let tr = tree(s).await?;
        let branches = [tr.branches.clone(), vec![tr.nt_branch]].concat();
        // Independent spreads of the characteristics: i ↦ (i × k) mod N is a bijection (N is
        // prime), so each dimension takes its own slice of the people.
        let slot = |i: usize, k: usize| (i * k) % N;
        for i in 0..N {
            let mut p = person(
                i,
                if i < 1100 { Sex::Female } else { Sex::Male },
                d(1996, 1, 1),
                None,
            );
            p.ethnic_group = Sensitive::new(if slot(i, 7) < 1452 {
                EthnicGroup::parse("08").unwrap_or_default()
            } else {
                EthnicGroup::KINH
            });
            p.religion = Sensitive::new(Religion::None);
            p.occupation = match slot(i, 11) {
                0..65 => Occupation::PupilStudent,
                65..150 => Occupation::PrivateEconomic,
                _ => Occupation::Farmer,
            };
            p.education = if slot(i, 13) < 1810 {
                GeneralEducation::UpperSecondary
            } else {
                GeneralEducation::LowerSecondary
            };
            p.qualification = match slot(i, 17) {
                0..40 => ProfessionalQualification::Master,
                40..794 => ProfessionalQualification::University,
                794..1097 => ProfessionalQualification::College,
                1097..1247 => ProfessionalQualification::Intermediate,
                1247..1295 => ProfessionalQualification::Elementary,
                _ => ProfessionalQualification::None,
            };
            let id = s.person_create(&p, "test").await?;
            let on = d(2024, 1 + (i % 12) as u32, 1 + (i % 28) as u32);
            s.person_add_status(
                id,
                PartyStatus::Probationary,
                Some(branches[i % branches.len()]),
                on,
                "test",
            )
            .await?;
        }
        let r = s
            .report_breakdown(&req("T10", "2024", Structure::AsWas), false)
            .await?;
        let cur = |id: &str| {
            r.rows
                .iter()
                .find(|x| x.id == id)
                .map(|x| (x.current_vi.clone(), x.share_vi.clone()))
                .unwrap_or_default()
        };
        assert_eq!(cur("total").0, "2.287", "{:?}", t.backend());
        assert_eq!(cur("women"), ("1.100".into(), "48,1%".into()));
        assert_eq!(cur("ethnic_minority"), ("1.452".into(), "63,5%".into()));
        assert_eq!(cur("ethnic.08").0, "1.452");
        assert_eq!(cur("occupation.pupil_student").0, "65");
        assert_eq!(cur("occupation.private_economic").0, "85");
        assert_eq!(
            cur("education.upper_secondary"),
            ("1.810".into(), "79,1%".into())
        );
        assert_eq!(cur("qualification.master").0, "40");
        assert_eq!(cur("qualification.university").0, "754");
        assert_eq!(cur("qualification.college").0, "303");
        assert_eq!(
            r.count("qualification.intermediate") + r.count("qualification.elementary"),
            198
        );
        // Nothing admitted in 2023 here: the comparison column says so.
        assert_eq!(r.rows[0].percent_vi, "–");
    }
    Ok(())
}

/// A report submitted upward stays as it was sent; a later correction shows in the comparison
/// ("số đã báo cáo / số hiện nay") and nowhere else.
#[tokio::test]
async fn submitted_reports_are_frozen() -> Result<(), StoreError> {
    for t in test_stores().await? {
        let s = &t.store;
        let tr = tree(s).await?;
        let b1 = tr.branches[0];
        admit(s, 0, Sex::Female, b1, d(2019, 5, 10), false, None).await?;
        let code = s
            .org_by_id(tr.province)
            .await?
            .map(|u| u.code)
            .unwrap_or_default();
        let r = req(&code, "2019", Structure::AsWas);
        let sub = s.report_submit("admissions", &r, "test").await?;
        assert_eq!(sub.reported["rows"][0]["current"], 1);
        // Found later: one more admission of 2019, recorded after the report was sent.
        admit(s, 1, Sex::Male, b1, d(2019, 9, 2), false, None).await?;
        let again = s.report_submission(sub.id).await?;
        assert_eq!(again.reported, sub.reported, "{}", s.backend().as_str());
        let cmp = s.report_submission_compare(sub.id).await?;
        let total = cmp
            .changes
            .iter()
            .find(|c| c.path == "rows[total].current")
            .map(|c| (c.reported, c.current));
        assert_eq!(total, Some((Some(1.0), Some(2.0))), "{:?}", cmp.changes);
        // Women did not change: not listed.
        assert!(!cmp.changes.iter().any(|c| c.path == "rows[women].current"));
        assert_eq!(s.report_submissions(Some(tr.province)).await?.len(), 1);
        // An unknown report is refused before anything is stored.
        assert!(matches!(
            s.report_submit("nothing", &r, "test").await,
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(s.report_submissions(None).await?.len(), 1);
    }
    Ok(())
}
