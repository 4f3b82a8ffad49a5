//! The admission pipeline as a user runs it: the built binary over a fresh SQLite file —
//! orgs and people imported, a candidate put on the source list, the steps up to the branch
//! vote, a refused vote (rule id, regulation, messages, nothing written), `ketnap due --format
//! json`, and `ketnap import events`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Output;

mod common;
use common::write;

const ACTOR: &str = "thư ký chi bộ";

fn ketnap(db: &str, args: &[&str]) -> Output {
    common::ketnap_as(ACTOR, db, args)
}

fn ok(db: &str, args: &[&str]) -> String {
    common::ok_as(ACTOR, db, args)
}

fn setup(dir: &Path) -> String {
    let db = format!("sqlite://{}", dir.join("ketnap.db").display());
    let orgs = write(
        dir,
        "orgs.csv",
        "code,name,kind,sector,parent_code,valid_from\n\
         TW,Trung ương,central,nation,,2016-01-01\n\
         T10,Đảng bộ tỉnh Lào Cai,provincial_committee,province,TW,2016-01-01\n\
         X02692,Đảng bộ xã A Lù,grassroots_committee,commune,T10,2016-01-01\n\
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
        "Giàng A Dình,male,1998-05-10,Mông,none,upper_secondary,none,none,farmer,yes,,,\n",
    );
    people
        .push_str("Thào A Chá,male,1999-07-20,Mông,none,upper_secondary,none,none,farmer,yes,,,\n");
    let people = write(dir, "people.csv", &people);
    ok(&db, &["import", "orgs", &orgs]);
    ok(&db, &["import", "people", &people]);
    db
}

#[test]
fn candidate_events_refusal_and_due_list() {
    let dir = tempfile::tempdir().unwrap();
    let db = setup(dir.path());
    let out = ok(
        &db,
        &[
            "candidate",
            "add",
            "--person",
            "10",
            "--branch",
            "X02692.01",
            "--date",
            "2023-03-01",
            "--proposed-by",
            "youth_union",
        ],
    );
    assert!(out.contains("case #1 opened"), "{out}");
    let steps: &[&[&str]] = &[
        &[
            "mentor_assigned",
            "--date",
            "2023-03-08",
            "--mentor",
            "1",
            "--number",
            "13-NQ/CB",
        ],
        &[
            "course_completed",
            "--date",
            "2023-04-07",
            "--certificate-no",
            "CN-0457",
        ],
        &[
            "application_submitted",
            "--date",
            "2023-04-21",
            "--form",
            "1-KNĐ",
            "--number",
            "đơn",
        ],
        &[
            "history_submitted",
            "--date",
            "2023-04-24",
            "--form",
            "2-KND",
            "--number",
            "LL",
        ],
        &[
            "history_verified",
            "--date",
            "2023-05-24",
            "--conclusion",
            "ok",
            "--number",
            "KL-05",
        ],
        &[
            "introduced",
            "--date",
            "2023-05-29",
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
            "2023-05-29",
            "--json",
            r#"{"introducer":{"by":"member","person":3,"official_since":"2016-01-01","worked_together_since":"2015-01-01"}}"#,
            "--form",
            "3-KNĐ",
            "--number",
            "GT-2",
        ],
        &[
            "comments_collected",
            "--date",
            "2023-06-05",
            "--form",
            "5-KNĐ",
            "--number",
            "TH-1",
        ],
    ];
    for s in steps {
        let mut args = vec!["candidate", "event", "1"];
        args.extend_from_slice(s);
        ok(&db, &args);
    }
    let show = |db: &str| -> serde_json::Value {
        serde_json::from_str(&ok(
            db,
            &[
                "candidate",
                "show",
                "1",
                "--as-of",
                "2023-06-10",
                "--format",
                "json",
            ],
        ))
        .unwrap()
    };
    let before = show(&db);
    assert_eq!(before["state"]["stage"], "introduced");
    assert_eq!(before["case"]["version"], 9);

    // 5 of 9 official members: refused, with the rule, the regulation and both languages.
    let vote = [
        "candidate",
        "event",
        "1",
        "branch_voted",
        "--date",
        "2023-06-15",
        "--present",
        "9",
        "--in-favour",
        "5",
        "--against",
        "4",
        "--form",
        "6-KNĐ",
        "--number",
        "20-NQ/CB",
    ];
    let out = ketnap(&db, &vote);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[vote.two_thirds] Điều lệ Đảng"), "{err}");
    assert!(err.contains("Điều 4 khoản 3"), "{err}");
    assert!(
        err.contains("vi: Chỉ 5/9 đảng viên chính thức tán thành"),
        "{err}"
    );
    assert!(
        err.contains("en: Only 5 of 9 official members in favour"),
        "{err}"
    );
    assert!(
        err.contains("facts: official_members=9, in_favour=5, needed=6"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    let mut json_vote = vote.to_vec();
    json_vote.extend(["--format", "json"]);
    let out = ketnap(&db, &json_vote);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["refused"][0]["rule_id"], "vote.two_thirds");
    assert_eq!(show(&db), before, "nothing was written");

    // The official members are counted from the records, not typed.
    let mut good = vote.to_vec();
    good[9] = "8";
    good[11] = "1";
    let out = ok(&db, &good);
    assert!(out.contains("stage branch_approved"), "{out}");

    // A second candidate, listed and left alone: stalled.
    ok(
        &db,
        &[
            "candidate",
            "add",
            "--person",
            "11",
            "--branch",
            "X02692.01",
            "--date",
            "2022-09-01",
            "--proposed-by",
            "school",
        ],
    );
    let due: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &[
            "due",
            "--org",
            "T10",
            "--as-of",
            "2023-09-01",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(due["org"], "T10");
    assert_eq!(due["counts"]["this_month"], 1, "{due}");
    assert_eq!(due["counts"]["stalled"], 1, "{due}");
    let rows = due["rows"].as_array().unwrap();
    let decision = rows.iter().find(|r| r["case_id"] == 1).unwrap();
    assert_eq!(decision["item"]["kind"], "decision");
    assert_eq!(decision["item"]["rule_id"], "deadline.decision");
    assert_eq!(decision["item"]["due_date"], "2023-09-11");
    assert_eq!(decision["person"]["full_name"], "Giàng A Dình");
    assert!(
        decision["person"].get("birth_date").is_none(),
        "no birth date in the list"
    );
    let stalled = rows.iter().find(|r| r["case_id"] == 2).unwrap();
    assert_eq!(stalled["group"], "stalled");
    // Without stalling, and before the limit comes near, the list is quieter.
    let quiet: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &[
            "due",
            "--org",
            "X02692",
            "--as-of",
            "2023-06-20",
            "--stall-months",
            "0",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(quiet["rows"].as_array().map(Vec::len), Some(0), "{quiet}");
    let table = ok(&db, &["due", "--org", "T10", "--as-of", "2023-09-01"]);
    assert!(
        table.contains("Hồ sơ không có hoạt động / stalled (1)"),
        "{table}"
    );
}

#[test]
fn import_events_writes_nothing_on_a_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = setup(dir.path());
    let bad = write(
        dir.path(),
        "events.csv",
        "case,person_id,branch,date,kind,data,document_form,document_number\n\
         A,10,X02692.01,2024-01-05,source_listed,\"{\"\"proposed_by\"\":\"\"youth_union\"\"}\",,\n\
         A,,,2024-01-12,mentor_assigned,\"{\"\"mentor\"\":1}\",,\n\
         A,,,2024-02-01,application_submitted,,1-KNĐ,đơn\n",
    );
    let out = ketnap(&db, &["import", "events", &bad]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("row 4, column kind:") && err.contains("[order.requires]"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    let list = ok(
        &db,
        &["candidate", "list", "--org", "TW", "--format", "json"],
    );
    assert_eq!(list.trim(), "[]");
    // A parse error names its row and column too.
    let broken = write(
        dir.path(),
        "broken.csv",
        "case,date,kind\nA,31/02/2024,source_listed\n",
    );
    let out = ketnap(&db, &["import", "events", &broken]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("row 2, column date") && err.contains("[csv.date]"),
        "{err}"
    );

    let good = write(
        dir.path(),
        "good.csv",
        "case,person_id,branch,date,kind,data\n\
         A,10,X02692.01,2024-01-05,source_listed,\"{\"\"proposed_by\"\":\"\"youth_union\"\"}\"\n\
         A,,,2024-01-12,mentor_assigned,\"{\"\"mentor\"\":1}\"\n",
    );
    let out = ok(&db, &["import", "events", &good, "--dry-run"]);
    assert!(out.contains("dry run: nothing written"), "{out}");
    let out = ok(&db, &["import", "events", &good]);
    assert!(
        out.contains("cases created 1, events recorded 2 (written)"),
        "{out}"
    );
    let list: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &[
            "candidate",
            "list",
            "--org",
            "TW",
            "--as-of",
            "2024-02-01",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(list[0]["stage"], "source");
    assert_eq!(list[0]["mentor_id"], 1);
}
