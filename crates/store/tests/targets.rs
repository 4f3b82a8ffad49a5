//! Targets on SQLite and PostgreSQL: a province and its three sub-organizations get assigned and
//! registered targets, admissions are recorded as people with status spells through the public
//! Store API, and the report gives achievement, ranking, reconciliation and pace.

mod common;

use common::{create, d};
use ketnap_domain::org::{OrgKind, Sector};
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_domain::pipeline::Proposer;
use ketnap_domain::sensitive::Sensitive;
use ketnap_domain::targets::{TargetKind, TargetPeriod, TargetSource};
use ketnap_store::pipeline_api::NewCase;
use ketnap_store::testing::test_stores;
use ketnap_store::{Store, StoreError};

fn person(n: usize) -> Person {
    Person {
        id: 0,
        cccd: None,
        full_name: format!(
            "Lò Thị {}",
            ["Mai", "Lan", "Hoa", "Đào", "Cúc", "Huệ", "Hồng"][n % 7]
        ),
        sex: Sex::Female,
        birth_date: Sensitive::new(d(1998, 1, 1 + (n % 28) as u32)),
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

/// A candidate from `on` minus ~6 months, admitted (probationary) on `on` in `branch`.
async fn admit(s: &Store, n: usize, branch: i64, on: chrono::NaiveDate) -> Result<i64, StoreError> {
    let id = s.person_create(&person(n), "test").await?;
    let before = on - chrono::Days::new(180);
    s.person_add_status(id, PartyStatus::Candidate, Some(branch), before, "test")
        .await?;
    s.person_add_status(id, PartyStatus::Probationary, Some(branch), on, "test")
        .await?;
    Ok(id)
}

#[tokio::test]
async fn achievement_ranking_reconciliation() -> Result<(), StoreError> {
    let y2024 = TargetPeriod::Year(2024);
    for t in test_stores().await? {
        let s = &t.store;
        let b = t.backend();
        let start = d(2016, 1, 1);
        let tw = create(
            s,
            "TW",
            "Trung ương",
            OrgKind::Central,
            Sector::Nation,
            None,
            start,
        )
        .await?;
        let lc = create(
            s,
            "T10",
            "Đảng bộ tỉnh Lào Cai",
            OrgKind::ProvincialCommittee,
            Sector::Province,
            Some(tw),
            start,
        )
        .await?;
        let mut kids = vec![];
        let mut branches = vec![];
        for (code, name) in [
            ("BP", "Đảng bộ Biên phòng tỉnh"),
            ("MK", "Đảng bộ huyện Mường Khương"),
            ("BT", "Đảng bộ huyện Bảo Thắng"),
        ] {
            let k = create(
                s,
                code,
                name,
                OrgKind::DirectCommittee,
                Sector::District,
                Some(lc),
                start,
            )
            .await?;
            let x = create(
                s,
                &format!("{code}.X"),
                &format!("Đảng bộ xã 1 {code}"),
                OrgKind::GrassrootsCommittee,
                Sector::Commune,
                Some(k),
                start,
            )
            .await?;
            let br = create(
                s,
                &format!("{code}.X.01"),
                &format!("Chi bộ 1 {code}"),
                OrgKind::Branch,
                Sector::Village,
                Some(x),
                start,
            )
            .await?;
            kids.push(k);
            branches.push(br);
        }
        let (bp, mk, bt) = (kids[0], kids[1], kids[2]);

        // Targets: the province is assigned 10 and registers 12; its children are assigned
        // 2 + 4 + 3 = 9 (one short of 10) and register 2, 4 and 5.
        let a = TargetSource::Assigned;
        let r = TargetSource::Registered;
        let k = TargetKind::Admissions;
        s.target_set(lc, k, y2024, a, Some(10), "test").await?;
        let lc_target = s.target_set(lc, k, y2024, r, Some(12), "test").await?;
        assert_eq!(
            (lc_target.assigned, lc_target.registered),
            (Some(10), Some(12)),
            "{b:?}"
        );
        for (unit, assigned, registered) in [(bp, 2, 2), (mk, 4, 4), (bt, 3, 5)] {
            s.target_set(unit, k, y2024, a, Some(assigned), "test")
                .await?;
            s.target_set(unit, k, y2024, r, Some(registered), "test")
                .await?;
        }
        let term = TargetPeriod::Term {
            start: 2020,
            end: 2025,
        };
        s.target_set(lc, k, term, a, Some(20), "test").await?;
        s.target_set(lc, TargetKind::AdmissionsPerYear, term, a, Some(10), "test")
            .await?;
        assert!(
            s.target_set(lc, TargetKind::MemberRatio, term, a, Some(20_000), "test")
                .await
                .is_err()
        );

        // Admissions in 2024: BP 3, MK 5, BT 6 → 14; two more in 2023 (in the term, not the year).
        let mut n = 0;
        for (i, count) in [3usize, 5, 6].iter().enumerate() {
            for j in 0..*count {
                n += 1;
                admit(s, n, branches[i], d(2024, 2 + j as u32, 10)).await?;
            }
        }
        n += 1;
        admit(s, n, branches[0], d(2023, 3, 1)).await?;
        n += 1;
        let moved = admit(s, n, branches[1], d(2023, 4, 1)).await?;
        // A transfer in 2024 continues a membership: not an admission.
        s.person_add_status(
            moved,
            PartyStatus::Probationary,
            Some(branches[2]),
            d(2024, 5, 1),
            "test",
        )
        .await?;
        // An official member since 2016 whose record starts then: not an admission.
        let old = s.person_create(&person(99), "test").await?;
        s.person_add_status(old, PartyStatus::Official, Some(branches[0]), start, "test")
            .await?;

        let rep = s
            .target_report(lc, y2024, d(2025, 1, 15), true, None)
            .await?;
        assert_eq!(rep.unit.admitted, 14, "{b:?}");
        assert_eq!(rep.unit.summary, "14/12, đạt 116%", "{b:?}");
        assert!(
            rep.unit.pace.is_none() && rep.unit.forecast.is_none(),
            "{b:?}"
        );
        let got: Vec<(&str, i64, Option<usize>, &str)> = rep
            .children
            .iter()
            .map(|c| {
                (
                    c.org.code.as_str(),
                    c.admitted,
                    c.rank,
                    c.rate_precise.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("BP", 3, Some(1), "150%"),
                ("MK", 5, Some(2), "125%"),
                ("BT", 6, Some(3), "120%")
            ],
            "{b:?}"
        );
        let rec = rep.reconciliation.as_ref();
        assert_eq!(rec.and_then(|r| r.difference), Some(-1), "{b:?}");
        assert_eq!(
            rec.map(|r| r.text.as_str()),
            Some("Tổng chỉ tiêu các đơn vị trực thuộc 9 thấp hơn chỉ tiêu của đơn vị 10 (thiếu 1)"),
            "{b:?}"
        );

        // The term: 16 of 20 → 80%; the per-year minimum is carried along.
        let rep = s
            .target_report(lc, term, d(2024, 12, 31), false, None)
            .await?;
        assert_eq!(rep.unit.summary, "16/20, đạt 80%", "{b:?}");
        assert_eq!(rep.unit.other_targets.len(), 1, "{b:?}");
        assert_eq!(
            rep.unit.per_year.as_ref().map(|p| p.text.as_str()),
            Some(
                "ít nhất 10/năm: 2020: 0, 2021: 0, 2022: 0, 2023: 2, 2024: 14 — chưa đạt năm 2020, 2021, 2022, 2023"
            ),
            "{b:?}"
        );
        assert!(
            rep.children.is_empty() && rep.reconciliation.is_none(),
            "{b:?}"
        );

        // A candidate on MK's source list: the forecast counts the open case.
        let cand = s.person_create(&person(77), "test").await?;
        s.case_open(
            &NewCase {
                person_id: cand,
                branch_code: "MK.X.01".into(),
                date: d(2024, 4, 1),
                proposed_by: Proposer::YouthUnion,
                document: None,
            },
            "test",
        )
        .await?;

        // Pace mid-2024: Feb–Jun admissions so far; the same date in 2023 had 2.
        let rep = s
            .target_report(mk, y2024, d(2024, 4, 30), false, None)
            .await?;
        let pace = rep.unit.pace.as_ref();
        assert_eq!(rep.unit.admitted, 3, "{b:?}");
        assert_eq!(pace.and_then(|p| p.same_date_last_year), Some(1), "{b:?}");
        assert_eq!(pace.and_then(|p| p.even_spread), Some(1), "{b:?}");
        let forecast = rep.unit.forecast.as_ref().map(|f| f.text.as_str());
        assert_eq!(
            forecast,
            Some(
                "dự kiến thêm 0 (1 × Quần chúng ưu tú (nguồn) × 30% (khoảng 300 ngày, mặc định); còn 245 ngày)"
            ),
            "{b:?}"
        );

        // Ranked together, each child's open cases (read for all children at once; on
        // PostgreSQL branch by branch) are those counted for it alone, and the province's are
        // their sum.
        let rep = s
            .target_report(lc, y2024, d(2024, 4, 30), true, None)
            .await?;
        let basis = |l: &ketnap_store::targets_api::TargetLine| -> Vec<(String, i64)> {
            let mut v: Vec<(String, i64)> = l
                .forecast
                .iter()
                .flat_map(|f| f.basis.iter())
                .map(|b| (b.stage.as_str().to_string(), b.count))
                .collect();
            v.sort();
            v
        };
        let mut all = 0;
        for k in &rep.children {
            let mut alone: Vec<(String, i64)> = s
                .open_cases_by_stage(k.org.id, d(2024, 4, 30))
                .await?
                .into_iter()
                .map(|c| (c.stage.as_str().to_string(), c.count))
                .collect();
            alone.sort();
            all += alone.iter().map(|(_, n)| n).sum::<i64>();
            assert_eq!(basis(k), alone, "{} {b:?}", k.org.code);
        }
        assert_eq!(all, 1, "{b:?}");
        assert_eq!(
            basis(&rep.unit).iter().map(|(_, n)| n).sum::<i64>(),
            all,
            "{b:?}"
        );

        // Re-based onto today's structure (no merger here): the same figures, and it says so.
        let rep = s
            .target_report(lc, y2024, d(2025, 1, 15), true, Some(d(2026, 1, 1)))
            .await?;
        assert_eq!(rep.unit.admitted, 14, "{b:?}");
        assert_eq!(rep.children.len(), 3, "{b:?}");
        assert!(
            rep.structure
                .starts_with("Quy đổi theo cơ cấu tổ chức ngày 01/01/2026"),
            "{b:?}"
        );

        // Audit: one row per write.
        let audit = s.audit_recent(None, 200).await?;
        assert_eq!(
            audit.iter().filter(|e| e.action == "target.set").count(),
            10,
            "{b:?}"
        );
    }
    Ok(())
}
