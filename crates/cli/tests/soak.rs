//! `ketnap soak` (issue E): two `ketnap serve` instances on one PostgreSQL database (and on one
//! SQLite file), many clients with sessions used on both servers, mixed reads and event writes;
//! the command itself checks 0 errors, 0 lost updates and the pre-aggregates against a
//! recomputation, and exits non-zero otherwise. A short run here; the documented run is 10
//! minutes at 64 clients (docs/benchmarks.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use ketnap_store::testing::{TestDb, test_stores};

fn ketnap(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("KETNAP_ACTOR", "soak-test")
        .output()
        .expect("ketnap runs")
}

async fn soak_on(t: &TestDb) {
    let db = t.url.as_str();
    let out = ketnap(db, &["demo", "--scale", "small"]);
    assert!(
        out.status.success(),
        "demo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = ketnap(
        db,
        &[
            "soak",
            "--duration",
            "6s",
            "--clients",
            "6",
            "--servers",
            "2",
            "--write-percent",
            "30",
            "--format",
            "json",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "soak failed: {stderr}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}"));
    assert_eq!(n("servers"), 2);
    assert_eq!(n("errors"), 0, "{r}");
    assert_eq!(n("lost_updates"), 0);
    assert_eq!(
        n("applied_unacknowledged"),
        0,
        "no write without its answer"
    );
    assert_eq!(n("aggregate_differences"), 0);
    assert_eq!(
        n("sessions_on_every_server"),
        6,
        "one session works on both servers"
    );
    assert!(n("requests") > 50, "{r}");
    assert!(n("writes_acknowledged") > 0, "{r}");
    assert!(n("aggregate_rows_compared") > 0);
    // Every operation of the mix ran and has its percentiles.
    let ops: Vec<&str> = r["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["operation"].as_str().unwrap())
        .collect();
    for op in [
        "event write",
        "todo page (HTML)",
        "targets + forecast",
        "all",
    ] {
        assert!(ops.contains(&op), "{op} missing from {ops:?}");
    }
    // The soak account is disabled afterwards.
    let out = ketnap(db, &["user", "list"]);
    let users = String::from_utf8_lossy(&out.stdout);
    let soak: Vec<&str> = users.lines().filter(|l| l.starts_with("soak")).collect();
    assert_eq!(soak.len(), 1, "{users}");
    assert!(soak[0].contains("[disabled]"), "{users}");
}

#[tokio::test]
async fn two_servers_on_one_database_soak_without_errors() {
    for t in test_stores().await.unwrap() {
        soak_on(&t).await;
    }
}

#[test]
fn bad_arguments_are_refused_clearly() {
    let t = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", t.path().join("x.db").display());
    let out = ketnap(&db, &["soak", "--duration", "ten minutes"]);
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("duration"), "{e}");
    let out = ketnap(&db, &["soak", "--duration", "2s", "--clients", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--clients"));
    // An empty database: no organizations to work on.
    let out = ketnap(&db, &["soak", "--duration", "2s"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no organizations"));
}
