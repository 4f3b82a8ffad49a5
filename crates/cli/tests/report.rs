//! `ketnap report` on the small demo: admissions as was vs re-based across the 2025 reform,
//! membership against `ketnap stats`, CSV and --out, --list.

#![allow(clippy::expect_used, clippy::panic)]

use std::process::Command;

fn ketnap(db: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("KETNAP_DB")
        .output()
        .expect("run ketnap");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(db: &str, args: &[&str]) -> serde_json::Value {
    let (ok, out, err) = ketnap(db, args);
    assert!(ok, "{args:?}: {err}");
    serde_json::from_str(&out).expect("json")
}

fn row(v: &serde_json::Value, id: &str) -> (i64, i64) {
    let r = v["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["id"] == id))
        .cloned()
        .unwrap_or_default();
    (
        r["current"].as_i64().unwrap_or(-1),
        r["previous"].as_i64().unwrap_or(-1),
    )
}

#[test]
fn reports_on_the_small_demo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let (ok, _, err) = ketnap(&db, &["demo", "--scale", "small", "--seed", "1"]);
    assert!(ok, "demo failed: {err}");

    // T15 (today's Lào Cai) exists from 1/7/2025: as it was, it admitted nobody in 2024…
    let as_was = json(
        &db,
        &[
            "report",
            "admissions",
            "--org",
            "T15",
            "--period",
            "2024",
            "--format",
            "json",
        ],
    );
    assert_eq!(as_was["structure"], "as_was");
    assert_eq!(row(&as_was, "total"), (0, 0));
    let note = as_was["notes"][0].as_str().unwrap_or_default();
    assert!(
        note.starts_with("T15 được thành lập ngày 01/07/2025"),
        "{as_was}"
    );
    // …re-based, it holds the history of the old Lào Cai (T10.L) and Yên Bái (T15.L).
    let rebased = json(
        &db,
        &[
            "report",
            "admissions",
            "--org",
            "T15",
            "--period",
            "2024",
            "--rebase",
            "--format",
            "json",
        ],
    );
    assert_eq!(rebased["structure"], "rebased");
    let lc = json(
        &db,
        &[
            "report",
            "admissions",
            "--org",
            "T10.L",
            "--period",
            "2024",
            "--format",
            "json",
        ],
    );
    let yb = json(
        &db,
        &[
            "report",
            "admissions",
            "--org",
            "T15.L",
            "--period",
            "2024",
            "--format",
            "json",
        ],
    );
    let (t, p) = row(&rebased, "total");
    assert!(t > 0 && p > 0, "{rebased}");
    assert_eq!(t, row(&lc, "total").0 + row(&yb, "total").0);
    assert_eq!(p, row(&lc, "total").1 + row(&yb, "total").1);
    for id in [
        "women",
        "ethnic_minority",
        "age.18_30",
        "occupation.pupil_student",
    ] {
        assert_eq!(row(&rebased, id).0, row(&lc, id).0 + row(&yb, id).0, "{id}");
    }
    // The breakdowns add up to the total.
    let bands: i64 = [
        "age.18_30",
        "age.31_40",
        "age.41_50",
        "age.51_60",
        "age.over_60",
    ]
    .iter()
    .map(|id| row(&rebased, id).0)
    .sum();
    assert_eq!(bands, t);
    let edu: i64 = [
        "education.primary",
        "education.lower_secondary",
        "education.upper_secondary",
    ]
    .iter()
    .map(|id| row(&rebased, id).0)
    .sum();
    assert_eq!(edu, t);

    // Membership on 31/12/2025 agrees with `ketnap stats` (every member is under T15 then).
    let stats = json(&db, &["stats", "--as-of", "2025-12-31", "--format", "json"]);
    let by_status = |s: &str| {
        stats["people_by_status"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p[0] == s))
            .and_then(|p| p[1].as_i64())
            .unwrap_or(0)
    };
    let mem = json(
        &db,
        &[
            "report",
            "membership",
            "--org",
            "T15",
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        mem["total"]["members"].as_i64(),
        Some(by_status("probationary") + by_status("official")),
        "{stats}"
    );
    assert_eq!(
        mem["total"]["probationary"].as_i64(),
        Some(by_status("probationary"))
    );

    // Candidates in the pipeline on that day agree with the candidate count.
    let cand = json(
        &db,
        &[
            "report",
            "candidates",
            "--org",
            "T15",
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
        ],
    );
    assert_eq!(row(&cand, "total").0, by_status("candidate"), "{cand}");

    // Coverage, CSV to a file, and the list of reports.
    let cov = json(
        &db,
        &[
            "report",
            "coverage",
            "--org",
            "T15",
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
        ],
    );
    assert!(
        cov["rows"].as_array().is_some_and(|r| !r.is_empty()),
        "{cov}"
    );
    let out = dir.path().join("a.csv");
    let (ok, _, err) = ketnap(
        &db,
        &[
            "report",
            "admissions",
            "--org",
            "T15",
            "--period",
            "2024",
            "--rebase",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap_or_default(),
        ],
    );
    assert!(ok, "{err}");
    let csv = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(
        csv.starts_with("id,Chỉ tiêu,Kỳ này,Cùng kỳ năm trước,% so sánh,Tỷ lệ\r\ntotal,Tổng số,"),
        "{csv}"
    );
    // XLSX: the header block, then one line a row, figures as numbers equal to the JSON's.
    let xlsx_path = dir.path().join("a.xlsx");
    let xlsx_arg = xlsx_path.to_str().unwrap_or_default();
    let (ok, _, err) = ketnap(
        &db,
        &[
            "report",
            "admissions",
            "--org",
            "T15",
            "--period",
            "2024",
            "--rebase",
            "--format",
            "xlsx",
            "--out",
            xlsx_arg,
        ],
    );
    assert!(ok, "{err}");
    check_xlsx(&xlsx_path, &rebased);
    let (ok, _, err) = ketnap(
        &db,
        &["report", "admissions", "--org", "T15", "--format", "xlsx"],
    );
    assert!(!ok && err.contains("--out"), "{err}");
    for name in ["membership", "coverage", "candidates", "recognitions"] {
        let p = dir.path().join(format!("{name}.xlsx"));
        let (ok, _, err) = ketnap(
            &db,
            &[
                "report",
                name,
                "--org",
                "T15",
                "--as-of",
                "2025-12-31",
                "--format",
                "xlsx",
                "--out",
                p.to_str().unwrap_or_default(),
            ],
        );
        assert!(ok && p.exists(), "{name}: {err}");
    }

    // Narrative: the paragraph the press writes, from the same figures.
    let (ok, text, err) = ketnap(
        &db,
        &[
            "report",
            "admissions",
            "--org",
            "T15",
            "--period",
            "2024",
            "--rebase",
            "--format",
            "narrative",
            "--subject",
            "toàn tỉnh",
            "--target",
            "10",
        ],
    );
    assert!(ok, "{err}");
    let total = row(&rebased, "total").0;
    assert!(
        text.starts_with(&format!(
            "Kết thúc năm 2024, toàn tỉnh đã kết nạp {}/10 đảng viên mới, đạt ",
            ketnap_domain::text::vi::number(total)
        )),
        "{text}"
    );
    let (ok, _, err) = ketnap(
        &db,
        &[
            "report",
            "membership",
            "--org",
            "T15",
            "--format",
            "narrative",
        ],
    );
    assert!(!ok && err.contains("admissions"), "{err}");
    let (ok, out, _) = ketnap(&db, &["report", "--list"]);
    assert!(
        ok && out.contains("admissions") && out.contains("coverage"),
        "{out}"
    );
    let (ok, _, err) = ketnap(
        &db,
        &[
            "report",
            "admissions",
            "--org",
            "T15",
            "--period",
            "2024-13",
        ],
    );
    assert!(!ok && err.contains("is not a period"), "{err}");
}

/// Reads the workbook back and compares every row with the JSON report.
fn check_xlsx(path: &std::path::Path, report: &serde_json::Value) {
    use calamine::{Data, Reader, open_workbook_auto};
    let mut wb = open_workbook_auto(path).expect("open xlsx");
    let range = wb.worksheet_range("admissions").expect("sheet");
    let cell = |r: usize, c: usize| range.get_value((r as u32, c as u32)).cloned();
    let title = report["title_vi"].as_str().unwrap_or_default();
    match cell(0, 0) {
        Some(Data::String(s)) => assert!(s.starts_with(title), "{s}"),
        other => panic!("title cell: {other:?}"),
    }
    let structure = report["structure_vi"].as_str().unwrap_or_default();
    let header_row = (0..20)
        .find(|r| cell(*r, 0) == Some(Data::String("id".into())))
        .expect("column headers");
    assert!(
        (0..header_row).any(|r| cell(r, 0) == Some(Data::String(structure.into()))),
        "structure line"
    );
    let rows = report["rows"].as_array().expect("rows");
    for (i, r) in rows.iter().enumerate() {
        let at = header_row + 1 + i;
        assert_eq!(
            cell(at, 0),
            Some(Data::String(r["id"].as_str().unwrap_or_default().into()))
        );
        for (col, key) in [(2, "current"), (3, "previous")] {
            assert_eq!(
                cell(at, col),
                Some(Data::Float(r[key].as_f64().unwrap_or(-1.0))),
                "{} {key}",
                r["id"]
            );
        }
        for (col, key) in [(4, "percent"), (5, "share")] {
            match (cell(at, col), r[key].as_f64()) {
                // One decimal shown, so within 0,05 points.
                (Some(Data::Float(x)), Some(p)) => {
                    assert!(
                        (x * 100.0 - p).abs() < 0.051,
                        "{} {key}: {x} vs {p}",
                        r["id"]
                    )
                }
                (Some(Data::String(s)), None) => assert_eq!(s, "–"),
                other => panic!("{} {key}: {other:?}", r["id"]),
            }
        }
    }
    assert_eq!(cell(header_row + 1 + rows.len(), 0), None);
}
