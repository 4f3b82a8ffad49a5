//! Crash safety (issue E): the real `ketnap` binary, killed with SIGKILL at random moments.
//!
//! - During a large import: a people file (status spells that feed the pre-aggregates) while
//!   another process sets targets. After every kill: no partial import (a round's people are
//!   all there or none are).
//! - During event writes: a `ketnap serve` receiving pipeline events from `ketnap soak`
//!   clients (100 % writes) is killed mid-stream. After every kill: every acknowledged event
//!   is there (0 lost updates), at most one unacknowledged write per client was applied, and a
//!   new server starts on the same database.
//!
//! After every kill `ketnap aggregates verify` finds no difference between the pre-aggregates
//! and a recomputation, and on SQLite `PRAGMA integrity_check` says ok. On SQLite and
//! PostgreSQL.
//!
//! More rounds: `KETNAP_CRASH_ROUNDS=50 cargo test -p ketnap --test crash`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ketnap_store::testing::{TestDb, postgres, sqlite};
use ketnap_store::{Db, Store};

const ORGS: &str = "code,name,kind,sector,parent_code,valid_from
TW,Trung ương,central,nation,,2016-01-01
T01,Đảng bộ tỉnh Một,provincial_committee,province,TW,2016-01-01
H01,Đảng bộ huyện Một,direct_committee,district,T01,2016-01-01
X01,Đảng bộ xã Một,grassroots_committee,commune,H01,2016-01-01
X01.01,Chi bộ thôn Một,branch,village,X01,2016-01-01
";

const ROWS: usize = 1500;

fn people(round: usize) -> String {
    let mut s = String::from(
        "cccd,full_name,sex,birth_date,ethnic_group,religion,education,qualification,political_theory,occupation,status,status_from,branch_code\n",
    );
    for i in 0..ROWS {
        // 001 Hà Nội, 0 = male born 19xx, 90 = 1990; the last six digits are unique per round.
        s.push_str(&format!(
            "001090{:02}{:04},Nguyễn {},male,1990-01-01,01,none,upper_secondary,none,none,farmer,probationary,2024-{:02}-01,X01.01\n",
            round, i, syllables(round * 10_000 + i), 1 + i % 12
        ));
    }
    s
}

/// A name for a number (names hold no digits): one syllable per digit.
fn syllables(n: usize) -> String {
    const S: [&str; 10] = [
        "An", "Bình", "Chi", "Dũng", "Em", "Giang", "Hà", "Khoa", "Lan", "Minh",
    ];
    n.to_string()
        .bytes()
        .map(|b| S[(b - b'0') as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

fn ketnap(db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ketnap"));
    c.arg("--db").arg(db).env("KETNAP_ACTOR", "crash-test");
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

async fn count(s: &Store, round: usize) -> i64 {
    let like = format!("001090{round:02}%");
    let sql = "SELECT COUNT(*) FROM person WHERE cccd LIKE $1";
    match s.db() {
        Db::Sqlite(p) => sqlx::query_scalar(sql)
            .bind(like)
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql)
            .bind(like)
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

async fn integrity(s: &Store) {
    if let Db::Sqlite(p) = s.db() {
        let r: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(p)
            .await
            .unwrap();
        assert_eq!(r, "ok");
    }
}

fn verify(db: &str, what: &str) {
    let out = ketnap(db)
        .args(["aggregates", "verify"])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("; 0 differ"),
        "{what}: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

async fn crash_rounds(t: &TestDb, dir: &std::path::Path) {
    let db = t.url.as_str();
    let orgs = dir.join("orgs.csv");
    std::fs::write(&orgs, ORGS).unwrap();
    let out = ketnap(db)
        .args(["import", "orgs"])
        .arg(&orgs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Round 0 runs to the end: how long an import takes.
    let file = dir.join("people0.csv");
    std::fs::write(&file, people(0)).unwrap();
    let start = Instant::now();
    let out = ketnap(db)
        .args(["import", "people"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let full = start.elapsed();
    assert_eq!(count(&t.store, 0).await, ROWS as i64);
    let rounds = rounds();
    let mut rng = Lcg(t.url.len() as u64 * 7919);
    let (mut killed, mut finished) = (0, 0);
    for round in 1..=rounds {
        let file = dir.join(format!("people{round}.csv"));
        std::fs::write(&file, people(round)).unwrap();
        let mut import = ketnap(db)
            .args(["import", "people"])
            .arg(&file)
            .spawn()
            .unwrap();
        let mut targets = ketnap(db)
            .args([
                "target",
                "set",
                "--org",
                "X01",
                "--period",
                "2025",
                "--assigned",
            ])
            .arg((round * 10).to_string())
            .spawn()
            .unwrap();
        let wait = Duration::from_millis(50 + rng.below(full.as_millis() as u64 * 6 / 5));
        std::thread::sleep(wait);
        let _ = targets.kill();
        let _ = targets.wait();
        let exited = import.try_wait().unwrap().is_some();
        let _ = import.kill();
        let status = import.wait().unwrap();
        let n = count(&t.store, round).await;
        let what = format!(
            "{} round {round} after {wait:?} (exited: {exited}, {status})",
            t.backend().as_str()
        );
        assert!(
            n == 0 || n == ROWS as i64,
            "{what}: partial import of {n} rows"
        );
        if n == 0 {
            killed += 1;
        } else {
            finished += 1;
        }
        integrity(&t.store).await;
        verify(db, &what);
    }
    eprintln!(
        "{}: {rounds} rounds with SIGKILL ({killed} imports killed mid-way, {finished} had committed), {ROWS} rows each, full import {full:?}",
        t.backend().as_str()
    );
    // A killed import can simply be run again.
    let file = dir.join("people1.csv");
    let out = ketnap(db)
        .args(["import", "people"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&t.store, 1).await, ROWS as i64);
    verify(db, "after re-running");
    integrity(&t.store).await;
}

fn rounds() -> usize {
    std::env::var("KETNAP_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6)
}

/// `ketnap serve` on a free port: the child and its URL (from its first line).
fn serve(db: &str) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = ketnap(db)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("KETNAP_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .strip_prefix("ketnap listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .trim()
        .to_string();
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

async fn kill_server_during_event_writes(t: &TestDb) {
    let db = t.url.as_str();
    let out = ketnap(db)
        .args(["demo", "--scale", "small"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clients = 4;
    let mut rng = Lcg(t.url.len() as u64 * 104_729);
    let (mut acknowledged, mut unacknowledged) = (0, 0);
    let rounds = rounds().div_ceil(2);
    for round in 1..=rounds {
        let (mut server, url) = serve(db);
        let soak = ketnap(db)
            .args([
                "soak",
                "--url",
                &url,
                "--duration",
                "4s",
                "--write-percent",
                "100",
            ])
            .args([
                "--clients",
                &clients.to_string(),
                "--seed",
                &round.to_string(),
            ])
            .args(["--format", "json"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let wait = Duration::from_millis(1200 + rng.below(2000));
        std::thread::sleep(wait);
        server.kill().unwrap();
        let _ = server.wait();
        let out = soak.wait_with_output().unwrap();
        let what = format!(
            "{} round {round}, server killed after {wait:?}",
            t.backend().as_str()
        );
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!(
                "{what}: no report: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}"));
        assert!(n("writes_acknowledged") > 0, "{what}: {r}");
        assert!(
            n("errors") > 0,
            "{what}: the server was killed mid-run: {r}"
        );
        assert_eq!(n("lost_updates"), 0, "{what}: {r}");
        assert!(n("applied_unacknowledged") <= clients, "{what}: {r}");
        assert_eq!(n("aggregate_differences"), 0, "{what}: {r}");
        acknowledged += n("writes_acknowledged");
        unacknowledged += n("applied_unacknowledged");
        integrity(&t.store).await;
        verify(db, &what);
    }
    // A new server starts and serves on the database the killed ones left.
    let (mut server, url) = serve(db);
    let health = reqwest::get(format!("{url}/health")).await;
    let _ = server.kill();
    let _ = server.wait();
    assert!(health.unwrap().status().is_success());
    eprintln!(
        "{}: {rounds} servers killed during event writes: {acknowledged} acknowledged writes all kept, {unacknowledged} applied without their answer, 0 differences in the pre-aggregates",
        t.backend().as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_a_server_during_event_writes_loses_no_acknowledged_write() {
    let lite = sqlite().await.unwrap();
    kill_server_during_event_writes(&lite).await;
    if let Some(pg) = postgres().await.unwrap() {
        kill_server_during_event_writes(&pg).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_imports_and_writes_leaves_a_consistent_database() {
    let dir = tempfile::tempdir().unwrap();
    let lite = sqlite().await.unwrap();
    crash_rounds(&lite, dir.path()).await;
    if let Some(pg) = postgres().await.unwrap() {
        let dir = tempfile::tempdir().unwrap();
        crash_rounds(&pg, dir.path()).await;
    }
}
