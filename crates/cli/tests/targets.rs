#![allow(clippy::expect_used, clippy::unwrap_used)]
//! `ketnap target set|list` on the demo: targets for Bát Xát district (2024) and two of its
//! communes; the list shows the achievement, ranks the communes and reconciles the targets.

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
fn targets_on_the_demo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let (ok, _, err) = ketnap(&db, &["demo", "--scale", "small", "--seed", "1"]);
    assert!(ok, "demo failed: {err}");

    let (ok, out, err) = ketnap(
        &db,
        &[
            "target",
            "set",
            "--org",
            "H082",
            "--period",
            "2024",
            "--assigned",
            "40",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("giao 40, đăng ký –"), "{out}");

    let list = |db: &str| {
        let (ok, out, err) = ketnap(
            db,
            &[
                "target",
                "list",
                "--org",
                "H082",
                "--period",
                "2024",
                "--children",
                "--as-of",
                "2025-01-15",
                "--format",
                "json",
            ],
        );
        assert!(ok, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).expect("json")
    };
    let v = list(&db);
    let admitted = v["unit"]["admitted"].as_i64().unwrap();
    assert!(admitted > 0, "{v}");
    let summary = v["unit"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(&format!("{admitted}/40, đạt ")),
        "{summary}"
    );
    let kids: Vec<String> = v["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["org"]["code"].as_str().unwrap().to_string())
        .collect();
    assert!(kids.len() >= 2, "{v}");

    for (code, n) in [(&kids[0], "5"), (&kids[1], "10")] {
        let (ok, _, err) = ketnap(
            &db,
            &[
                "target",
                "set",
                "--org",
                code,
                "--period",
                "2024",
                "--assigned",
                n,
            ],
        );
        assert!(ok, "{err}");
    }
    let v = list(&db);
    assert_eq!(v["reconciliation"]["children_sum"], 15, "{v}");
    assert_eq!(v["reconciliation"]["difference"], -25, "{v}");
    let ranked: Vec<&serde_json::Value> = v["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["rank"].is_null())
        .collect();
    assert_eq!(ranked.len(), 2, "{v}");
    assert_eq!(ranked[0]["rank"], 1, "{v}");

    let (ok, out, err) = ketnap(
        &db,
        &[
            "target",
            "list",
            "--org",
            "H082",
            "--period",
            "2024",
            "--children",
            "--as-of",
            "2025-01-15",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains(
            "Đối chiếu chỉ tiêu giao: Tổng chỉ tiêu các đơn vị trực thuộc 15 thấp hơn chỉ tiêu của đơn vị 40 (thiếu 25)"
        ),
        "{out}"
    );
    assert!(out.contains(&format!("Kết nạp: {summary}")), "{out}");

    let (ok, _, err) = ketnap(
        &db,
        &[
            "target",
            "set",
            "--org",
            "H082",
            "--period",
            "2025-2020",
            "--assigned",
            "1",
        ],
    );
    assert!(!ok && err.contains("2025-2020"), "{err}");
    let (ok, _, err) = ketnap(&db, &["target", "set", "--org", "H082", "--period", "2024"]);
    assert!(!ok && err.contains("--assigned"), "{err}");
}
