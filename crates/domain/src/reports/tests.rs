//! Report math without a database: age bands at their boundaries, % so sánh, formatting, and
//! snapshots of small reports.

use chrono::NaiveDate;

use super::*;
use crate::locality::LocalityKind;
use crate::person::{
    EthnicGroup, GeneralEducation, Occupation, PoliticalTheory, ProfessionalQualification,
    Religion, Sex,
};

fn d(y: i32, m: u32, day: u32) -> Date {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
}

fn fact(date: Date, sex: Sex, birth: Date) -> EventFact {
    EventFact {
        date,
        sex,
        birth_date: birth,
        ethnic_group: EthnicGroup::KINH,
        religion: Religion::None,
        education: GeneralEducation::UpperSecondary,
        qualification: ProfessionalQualification::University,
        political_theory: PoliticalTheory::Elementary,
        occupation: Occupation::Farmer,
        youth_union: false,
    }
}

#[test]
fn age_bands_at_their_boundaries() {
    let on = d(2024, 6, 15);
    // 31 from the 31st birthday on, 30 the day before.
    assert_eq!(age_band(d(1993, 6, 15), on), "age.31_40");
    assert_eq!(age_band(d(1993, 6, 16), on), "age.18_30");
    assert_eq!(age_band(d(2006, 6, 15), on), "age.18_30");
    assert_eq!(age_band(d(1983, 6, 16), on), "age.31_40");
    assert_eq!(age_band(d(1983, 6, 15), on), "age.41_50");
    assert_eq!(age_band(d(1973, 6, 15), on), "age.51_60");
    // 60 years and 11 months is still 51–60; over 60 from the 61st birthday.
    assert_eq!(age_band(d(1963, 6, 16), on), "age.51_60");
    assert_eq!(age_band(d(1963, 6, 15), on), "age.over_60");
    // Born on 29 February: a full year on 1 March of a common year.
    assert_eq!(age_band(d(1992, 2, 29), d(2023, 2, 28)), "age.18_30");
    assert_eq!(age_band(d(1992, 2, 29), d(2023, 3, 1)), "age.31_40");
}

#[test]
fn percent_comparison_and_formatting() {
    assert_eq!(percent_vi(ratio_percent(2287, 2022)), "113,1%");
    assert_eq!(percent_vi(ratio_percent(14, 6)), "233,3%");
    assert_eq!(percent_vi(ratio_percent(1100, 2287)), "48,1%");
    // One decimal, rounded (not truncated) — except where f64 makes a tie: 2149/4000.
    assert_eq!(percent_vi(ratio_percent(2149, 4000)), "53,7%");
    assert_eq!(percent_vi(ratio_percent(5, 0)), "–");
    assert_eq!(percent_vi(ratio_percent(0, 7)), "0%");
    assert_eq!(percent_vi(ratio_percent(1216, 1000)), "121,6%");
    assert_eq!(crate::text::vi::number(1100), "1.100");
}

fn small() -> (Vec<EventFact>, Vec<EventFact>) {
    let on = d(2024, 5, 19);
    let mut a = fact(on, Sex::Female, d(2000, 1, 1));
    a.ethnic_group = EthnicGroup::parse("08").unwrap_or_default();
    a.youth_union = true;
    a.occupation = Occupation::PupilStudent;
    let mut b = fact(on, Sex::Male, d(1980, 5, 19));
    b.religion = Religion::Protestant;
    b.ethnic_group = EthnicGroup::parse("08").unwrap_or_default();
    b.occupation = Occupation::PrivateEconomic;
    b.qualification = ProfessionalQualification::Master;
    let c = fact(on, Sex::Female, d(1963, 5, 19));
    let prev = vec![fact(d(2023, 3, 1), Sex::Female, d(1999, 1, 1))];
    (vec![a, b, c], prev)
}

#[test]
fn breakdown_counts_every_row() {
    let (cur, prev) = small();
    let rows = breakdown(&cur, &prev);
    let get = |id: &str| rows.iter().find(|r| r.id == id).cloned();
    let total = get("total");
    assert_eq!(
        total.as_ref().map(|r| (r.current, r.previous)),
        Some((3, 1))
    );
    assert_eq!(total.map(|r| r.percent_vi), Some("300%".to_string()));
    let women = get("women");
    assert_eq!(
        women.map(|r| (r.current, r.previous, r.percent_vi, r.share_vi)),
        Some((2, 1, "200%".into(), "66,7%".into()))
    );
    assert_eq!(get("ethnic_minority").map(|r| r.current), Some(2));
    assert_eq!(get("religious").map(|r| r.current), Some(1));
    assert_eq!(get("youth_union").map(|r| r.current), Some(1));
    assert_eq!(get("age.18_30").map(|r| r.current), Some(1));
    assert_eq!(get("age.41_50").map(|r| r.current), Some(1));
    assert_eq!(get("age.over_60").map(|r| r.current), Some(1));
    assert_eq!(get("occupation.pupil_student").map(|r| r.current), Some(1));
    assert_eq!(
        get("occupation.private_economic").map(|r| r.current),
        Some(1)
    );
    assert_eq!(get("qualification.master").map(|r| r.current), Some(1));
    assert_eq!(get("qualification.university").map(|r| r.current), Some(2));
    // Row ids are unique and stable in number.
    let mut ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 5 + 1 + 5 + 3 + 7 + 4 + 9);
    // The minority groups present get a row each, right under "Dân tộc thiểu số".
    assert_eq!(ids[2], "ethnic_minority");
    assert_eq!(
        get("ethnic.08").map(|r| (r.label_vi, r.level, r.current, r.previous)),
        Some(("Dân tộc Mông".to_string(), 2, 2, 0))
    );
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), rows.len());
}

#[test]
fn admissions_report_snapshot() -> Result<(), Box<dyn std::error::Error>> {
    let (cur, prev) = small();
    let period = ReportPeriod::parse("2024").map_err(|v| format!("{v:?}"))?;
    let r = BreakdownReport::build(
        "admissions",
        UnitRef {
            code: "X02692".into(),
            name: "Đảng bộ xã A Lù".into(),
        },
        period.clone(),
        period.previous(),
        Structure::AsWas,
        d(2026, 1, 1),
        &cur,
        &prev,
    );
    let mut v = serde_json::to_value(&r)?;
    // Keep the snapshot short: the header and the first two rows.
    if let Some(rows) = v.get_mut("rows").and_then(|x| x.as_array_mut()) {
        rows.truncate(2);
    }
    let expected = serde_json::json!({
        "report": "admissions",
        "title_vi": "Thống kê đảng viên mới kết nạp (Biểu 2-BTCTW)",
        "org": {"code": "X02692", "name": "Đảng bộ xã A Lù"},
        "period": {"label": "2024", "kind": "year", "from": "2024-01-01", "to": "2025-01-01"},
        "compared_with": {"label": "2024 (-1)", "kind": "year", "from": "2023-01-01", "to": "2024-01-01"},
        "structure": "as_was",
        "structure_vi": "Theo cơ cấu tổ chức tại thời điểm phát sinh",
        "notes": [],
        "rows": [
            {"id": "total", "label_vi": "Tổng số", "label_en": "Total", "level": 0,
             "current": 3, "previous": 1, "percent": 300.0, "share": 100.0,
             "current_vi": "3", "previous_vi": "1", "percent_vi": "300%", "share_vi": "100%"},
            {"id": "women", "label_vi": "Nữ", "label_en": "Women", "level": 1,
             "current": 2, "previous": 1, "percent": 200.0, "share": 200.0 / 3.0,
             "current_vi": "2", "previous_vi": "1", "percent_vi": "200%", "share_vi": "66,7%"}
        ]
    });
    assert_eq!(v, expected);
    let t = r.table();
    assert_eq!(t.rows[1], ["women", "  Nữ", "2", "1", "200%", "66,7%"]);
    assert!(t.csv().starts_with(
        "id,Chỉ tiêu,Kỳ này,Cùng kỳ năm trước,% so sánh,Tỷ lệ\r\ntotal,Tổng số,3,1,300%,100%\r\n"
    ));
    Ok(())
}

#[test]
fn press_figures_format() {
    // Lào Cai 2024: 2.287 admitted, 1.100 women — counts only matter here, so build them.
    let on = d(2024, 9, 2);
    let mut cur: Vec<EventFact> = (0..1100)
        .map(|_| fact(on, Sex::Female, d(2000, 1, 1)))
        .collect();
    cur.extend((0..1187).map(|_| fact(on, Sex::Male, d(2000, 1, 1))));
    let rows = breakdown(&cur, &[]);
    assert_eq!(rows[0].current_vi, "2.287");
    assert_eq!(rows[0].percent_vi, "–");
    assert_eq!(rows[1].current_vi, "1.100");
    assert_eq!(rows[1].share_vi, "48,1%");
}

#[test]
fn membership_totals_and_ratio() -> Result<(), Box<dyn std::error::Error>> {
    let u = |code: &str, p, o, pop| UnitCounts {
        code: code.into(),
        name: code.into(),
        probationary: p,
        official: o,
        women: 1,
        ethnic_minority: 2,
        religious: 0,
        population: pop,
    };
    let r = membership(
        UnitRef {
            code: "X02692".into(),
            name: "A Lù".into(),
        },
        d(2025, 1, 1),
        Structure::Rebased,
        d(2026, 1, 1),
        vec![
            u("a", 2, 110, Some(1900)),
            u("b", 3, 110, Some(1850)),
            u("c", 0, 0, None),
        ],
    );
    assert_eq!(r.total.members, 225);
    assert_eq!(r.total.counts.population, Some(3750));
    assert_eq!(r.total.ratio_vi, "6%");
    assert_eq!(r.rows[0].ratio_vi, "5,89%");
    assert_eq!(r.rows[2].ratio_vi, "–");
    assert_eq!(
        r.structure_vi,
        "Quy đổi theo cơ cấu tổ chức hiện nay (ngày 01/01/2026), gồm cả số liệu của các đơn vị đã hợp nhất"
    );
    let v = serde_json::to_value(&r.rows[1])?;
    assert_eq!(
        v,
        serde_json::json!({"code": "b", "name": "b", "probationary": 3, "official": 110,
            "women": 1, "ethnic_minority": 2, "religious": 0, "population": 1850,
            "members": 113, "members_per_population": 113.0 * 100.0 / 1850.0,
            "members_vi": "113", "ratio_vi": "6,11%"})
    );
    Ok(())
}

#[test]
fn coverage_pak_nam_combined_branches() {
    // 9 combined branches: 8 serve 2 villages, 1 serves 3; 4 villages with their own branch;
    // one village with a resident member but no branch; one with nobody.
    let mut facts = vec![];
    for b in 0..8 {
        for _ in 0..2 {
            facts.push(LocalityFact {
                kind: LocalityKind::Village,
                has_resident_member: true,
                branch: Some(100 + b),
                branch_serves: 2,
                branch_has_member: true,
            });
        }
    }
    for _ in 0..3 {
        facts.push(LocalityFact {
            kind: LocalityKind::Village,
            has_resident_member: false,
            branch: Some(200),
            branch_serves: 3,
            branch_has_member: true,
        });
    }
    for b in 0..4 {
        facts.push(LocalityFact {
            kind: LocalityKind::Village,
            has_resident_member: true,
            branch: Some(300 + b),
            branch_serves: 1,
            branch_has_member: true,
        });
    }
    facts.push(LocalityFact {
        kind: LocalityKind::Village,
        has_resident_member: true,
        branch: None,
        branch_serves: 0,
        branch_has_member: false,
    });
    facts.push(LocalityFact {
        kind: LocalityKind::School,
        has_resident_member: false,
        branch: None,
        branch_serves: 0,
        branch_has_member: false,
    });
    let r = coverage(
        UnitRef {
            code: "H".into(),
            name: "Pác Nặm".into(),
        },
        d(2023, 6, 30),
        Structure::AsWas,
        d(2026, 1, 1),
        &facts,
    );
    assert_eq!(
        r.combined_branches.sentence_vi,
        "9 chi bộ sinh hoạt ghép: 8 ghép 2 thôn, 1 ghép 3 thôn"
    );
    let v = &r.rows[0];
    assert_eq!(
        (
            v.total,
            v.with_branch,
            v.with_own_branch,
            v.combined,
            v.without_own_branch
        ),
        (24, 23, 4, 19, 20)
    );
    assert_eq!((v.no_member, v.members_but_no_own_branch), (3, 17));
    assert_eq!(v.sentence_vi, "23/24 Thôn, bản có chi bộ");
    assert_eq!(r.rows[1].sentence_vi, "0/1 Trường học có chi bộ");
    assert_eq!(r.table().rows[0][1], "24");
}

#[test]
fn combined_branches_of_schools_say_dia_ban() {
    let school = LocalityFact {
        kind: LocalityKind::School,
        has_resident_member: false,
        branch: Some(900),
        branch_serves: 2,
        branch_has_member: true,
    };
    let r = coverage(
        UnitRef {
            code: "X".into(),
            name: "X".into(),
        },
        d(2024, 1, 1),
        Structure::AsWas,
        d(2026, 1, 1),
        &[school.clone(), school],
    );
    assert_eq!(
        r.combined_branches.sentence_vi,
        "1 chi bộ sinh hoạt ghép: 1 ghép 2 địa bàn"
    );
    assert_eq!(
        (r.rows[0].no_member, r.rows[0].members_but_no_own_branch),
        (0, 2)
    );
}
