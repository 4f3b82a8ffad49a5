#![allow(clippy::expect_used)]
//! "Done" for issue A, as a new user would see it: load the demo, then the tree as of 2019 and
//! as of 2025 shows the A Lù merger (3/2020) and the end of the district level (1/7/2025).

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

#[test]
fn demo_tree_before_and_after_the_merger_and_the_reform() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let (ok, out, err) = ketnap(&db, &["demo", "--scale", "small", "--seed", "1"]);
    assert!(ok, "demo failed: {err}");
    assert!(out.contains("org_unit"), "{out}");

    // 2019: Bát Xát district holds both A Lù and Ngải Thầu.
    let (ok, out, err) = ketnap(
        &db,
        &[
            "org",
            "tree",
            "--root",
            "H082",
            "--as-of",
            "2019-12-31",
            "--depth",
            "1",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("X02692.L  Đảng bộ xã A Lù"), "{out}");
    assert!(out.contains("X02698.L  Đảng bộ xã Ngải Thầu"), "{out}");

    // After March 2020: Ngải Thầu is gone, merged into A Lù.
    let (ok, out, _) = ketnap(
        &db,
        &[
            "org",
            "tree",
            "--root",
            "H082",
            "--as-of",
            "2020-06-30",
            "--depth",
            "1",
        ],
    );
    assert!(ok);
    assert!(
        out.contains("X02692.L") && !out.contains("X02698.L"),
        "{out}"
    );
    let (ok, out, _) = ketnap(&db, &["org", "history", "X02698.L"]);
    assert!(ok);
    assert!(out.contains("merge X02692.L"), "{out}");

    // The whole tree in 2019 has districts under the old Lào Cai province (T10.L)…
    let (ok, out, _) = ketnap(&db, &["org", "tree", "--as-of", "2019-12-31"]);
    assert!(ok);
    assert!(
        out.contains("T10.L") && out.contains("H082  Đảng bộ huyện Bát Xát"),
        "{out}"
    );
    // …and at the end of 2025 no district is left: communes sit directly under the new T15.
    let (ok, out, _) = ketnap(
        &db,
        &["org", "tree", "--as-of", "2025-12-31", "--format", "json"],
    );
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let units = v["units"].as_array().expect("units");
    assert!(units.iter().any(|u| u["code"] == "T15"));
    assert!(
        !units.iter().any(|u| u["sector"] == "district"),
        "no district-level unit after 1/7/2025"
    );
    assert!(
        units
            .iter()
            .any(|u| u["code"] == "X02701" && u["depth"] == 2),
        "Y Tý directly under the province"
    );
    // The district's history now belongs to the province.
    let (ok, out, _) = ketnap(&db, &["org", "history", "H082"]);
    assert!(ok);
    assert!(out.contains("History now belongs to: T15"), "{out}");

    // stats as of a date, as JSON.
    let (ok, out, _) = ketnap(&db, &["stats", "--as-of", "2025-12-31", "--format", "json"]);
    assert!(ok);
    let s: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(s["people_total"].as_i64().unwrap_or(0) > 10_000, "{out}");
}
