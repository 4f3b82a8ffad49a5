//! `ketnap dossier forms|print` over a fresh SQLite file: a case taken to the branch vote by
//! the CLI prints 6-KNĐ as a DOCX holding the values (accepting `6-KND`), and refuses 9-KNĐ
//! with the missing fields, a non-zero exit and no file written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::path::Path;
use std::process::Output;

mod common;
use common::write;

const ACTOR: &str = "chibo";

fn ketnap(db: &str, args: &[&str]) -> Output {
    common::ketnap_as(ACTOR, db, args)
}

fn ok(db: &str, args: &[&str]) -> String {
    common::ok_as(ACTOR, db, args)
}

/// Orgs and people imported, case #1 of Nguyễn Thị Hằng taken to the branch vote of 05/03/2024.
fn setup(dir: &Path) -> String {
    let db = format!("sqlite://{}", dir.join("ketnap.db").display());
    let orgs = write(
        dir,
        "orgs.csv",
        "code,name,kind,sector,parent_code,valid_from\n\
         TW,Trung ương,central,nation,,2016-01-01\n\
         T10,Đảng bộ tỉnh Lào Cai,provincial_committee,province,TW,2016-01-01\n\
         H1,Đảng bộ huyện Bát Xát,direct_committee,district,T10,2016-01-01\n\
         X02692,Đảng bộ xã A Lù,grassroots_committee,commune,H1,2016-01-01\n\
         X02692.01,Chi bộ thôn Phìn Chải,branch,village,X02692,2016-01-01\n",
    );
    let mut people = String::from(
        "full_name,sex,birth_date,ethnic_group,religion,education,qualification,political_theory,occupation,youth_union,status,status_from,branch_code\n",
    );
    for n in ["Páo", "Sử", "Chá", "Dế", "Lầu", "Mỷ", "Nhè", "Pó", "Tráng"] {
        people.push_str(&format!(
            "Vàng A {n},male,1970-03-01,Mông,none,upper_secondary,none,none,farmer,no,official,2016-01-01,X02692.01\n"
        ));
    }
    people.push_str(
        "Nguyễn Thị Hằng,female,1998-05-10,Kinh,none,upper_secondary,none,none,farmer,yes,,,\n",
    );
    let people = write(dir, "people.csv", &people);
    ok(&db, &["import", "orgs", &orgs]);
    ok(&db, &["import", "people", &people]);
    ok(
        &db,
        &[
            "candidate",
            "add",
            "--person",
            "10",
            "--branch",
            "X02692.01",
            "--date",
            "2023-11-20",
            "--proposed-by",
            "youth_union",
        ],
    );
    let steps: &[&[&str]] = &[
        &[
            "mentor_assigned",
            "--date",
            "2023-11-27",
            "--mentor",
            "1",
            "--number",
            "13-NQ/CB",
        ],
        &[
            "course_completed",
            "--date",
            "2023-12-27",
            "--certificate-no",
            "CN-0457",
        ],
        &[
            "application_submitted",
            "--date",
            "2024-01-10",
            "--form",
            "1-KNĐ",
            "--number",
            "đơn",
        ],
        &[
            "history_submitted",
            "--date",
            "2024-01-15",
            "--form",
            "2-KND",
            "--number",
            "LL",
        ],
        &[
            "history_verified",
            "--date",
            "2024-02-01",
            "--conclusion",
            "ok",
            "--number",
            "KL-05",
        ],
        &[
            "introduced",
            "--date",
            "2024-02-19",
            "--introducer",
            "2",
            "--worked-since",
            "2015-01-01",
            "--form",
            "3-KNĐ",
            "--number",
            "GT-1",
        ],
        &[
            "introduced",
            "--date",
            "2024-02-19",
            "--introducer",
            "3",
            "--worked-since",
            "2015-01-01",
            "--form",
            "3-KNĐ",
            "--number",
            "GT-2",
        ],
        &[
            "comments_collected",
            "--date",
            "2024-02-26",
            "--form",
            "5-KNĐ",
            "--number",
            "TH-1",
        ],
        &[
            "branch_voted",
            "--date",
            "2024-03-05",
            "--present",
            "9",
            "--in-favour",
            "8",
            "--against",
            "1",
            "--form",
            "6-KNĐ",
            "--number",
            "20-NQ/CB",
        ],
    ];
    for s in steps {
        let mut args = vec!["candidate", "event", "1"];
        args.extend_from_slice(s);
        ok(&db, &args);
    }
    db
}

fn document_xml(path: &Path) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut f = z.by_name("word/document.xml").unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

#[test]
fn dossier_forms_print_and_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let db = setup(dir.path());

    let list: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &[
            "dossier",
            "forms",
            "--case",
            "1",
            "--as-of",
            "2024-03-10",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let forms = list["forms"].as_array().unwrap();
    let ready: Vec<&str> = forms
        .iter()
        .filter(|f| f["ready"] == true)
        .map(|f| f["form"].as_str().unwrap())
        .collect();
    assert_eq!(ready, ["3-KNĐ", "5-KNĐ", "6-KNĐ"], "{list}");
    let table = ok(
        &db,
        &["dossier", "forms", "--case", "1", "--as-of", "2024-03-10"],
    );
    assert!(
        table.contains("6-KNĐ") && table.contains("sẵn sàng / ready"),
        "{table}"
    );
    assert!(
        table
            .contains("- Quyết định kết nạp: ngày quyết định, cấp quyết định [admission_decision]"),
        "{table}"
    );

    // 6-KND (without the Đ) prints 6-KNĐ.
    let out = dir.path().join("6-KND.docx");
    let printed = ok(
        &db,
        &[
            "dossier",
            "print",
            "--case",
            "1",
            "--form",
            "6-KND",
            "--as-of",
            "2024-03-10",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(printed.contains("6-KNĐ of case #1 written to"), "{printed}");
    let xml = document_xml(&out);
    for want in [
        "Mẫu 6-KNĐ",
        "CHI BỘ THÔN PHÌN CHẢI",
        "ĐẢNG BỘ XÃ A LÙ",
        "A Lù, ngày 05 tháng 03 năm 2024",
        "Nguyễn Thị Hằng",
        "Số 20-NQ/CB",
        "8/9",
    ] {
        assert!(xml.contains(want), "{want:?} not in the document");
    }

    // 9-KNĐ: no admission decision yet — refused, the fields listed, no file, non-zero exit.
    let none = dir.path().join("9-KND.docx");
    let r = ketnap(
        &db,
        &[
            "dossier",
            "print",
            "--case",
            "1",
            "--form",
            "9-KNĐ",
            "--as-of",
            "2024-03-10",
            "--out",
            none.to_str().unwrap(),
        ],
    );
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("9-KNĐ of case #1 cannot be printed yet; nothing was written"),
        "{err}"
    );
    assert!(
        err.contains("admission_decision — Quyết định kết nạp: ngày quyết định, cấp quyết định"),
        "{err}"
    );
    assert!(!none.exists(), "no file is written on a refusal");

    // Not a form ketnap prints.
    let r = ketnap(
        &db,
        &[
            "dossier", "print", "--case", "1", "--form", "7-KNĐ", "--out", "x.docx",
        ],
    );
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("is not a form ketnap prints"));
}
