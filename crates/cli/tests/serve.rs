//! `ketnap serve` as a user runs it: the built binary on a random port over a fresh SQLite
//! file; the listening line, /health, `--demo`, and a clean stop on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `ketnap serve --addr 127.0.0.1:0 --db DB EXTRA…` and reads the listening line.
fn spawn(db: &str, extra: &[&str]) -> (Child, BufReader<ChildStdout>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .args(["serve", "--addr", "127.0.0.1:0", "--db", db])
        .args(extra)
        .env_remove("KETNAP_DB")
        .env_remove("KETNAP_ADDR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("ketnap listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"), "the bound port is printed: {url}");
    (child, out, url)
}

/// Sends SIGTERM and waits for a successful exit; returns the rest of stdout and all stderr.
async fn stop(mut child: Child, mut out: BufReader<ChildStdout>) -> (String, String) {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let status = status.expect("ketnap serve did not stop within 20 s of SIGTERM");
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (rest, err)
}

async fn get_json(url: &str) -> serde_json::Value {
    let res = reqwest::get(url).await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK, "{url}");
    res.json().await.unwrap()
}

/// Signs in as a demo account and returns a client that sends the session cookie.
async fn signed_in(base: &str, user: &str) -> reqwest::Client {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({"username": user, "password": "ketnap-demo-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    let cookie = res.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(reqwest::header::COOKIE, cookie.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(h)
        .build()
        .unwrap()
}

async fn get_with(http: &reqwest::Client, url: &str) -> serde_json::Value {
    let res = http.get(url).send().await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK, "{url}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn serve_prints_its_address_answers_health_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("serve.db").display());
    let (child, out, url) = spawn(&db, &[]);
    let v = get_json(&format!("{url}/health")).await;
    assert_eq!(v, serde_json::json!({"status":"ok","db":"sqlite"}));
    let (rest, err) = stop(child, out).await;
    assert_eq!(rest, "", "exactly one line on stdout");
    assert!(err.contains("ketnap demo --scale small"), "{err}");
}

#[tokio::test]
async fn serve_demo_loads_the_small_demo_into_an_empty_database_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let (child, out, url) = spawn(&db, &["--demo"]);
    // Nothing without signing in.
    let res = reqwest::get(format!("{url}/api/v1/stats")).await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::UNAUTHORIZED);
    let http = signed_in(&url, "admin").await;
    let stats = get_with(&http, &format!("{url}/api/v1/stats")).await;
    assert!(stats["units_total"].as_i64().unwrap() > 100, "{stats}");
    assert!(stats["people_total"].as_i64().unwrap() > 0, "{stats}");
    let tree = get_with(
        &http,
        &format!("{url}/api/v1/org/tree?as_of=2019-12-31&depth=1"),
    )
    .await;
    assert!(tree["count"].as_i64().unwrap() > 1, "{tree}");
    // The admissions paragraph, as text/plain.
    let res = http
        .get(format!(
            "{url}/api/v1/reports/admissions?org=T15&period=2024&rebase=true&format=narrative&target=10"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    assert_eq!(
        res.headers()[reqwest::header::CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    let text = res.text().await.unwrap();
    assert!(text.starts_with("Kết thúc năm 2024, "), "{text}");
    assert!(text.contains("/10 đảng viên mới, đạt "), "{text}");
    let res = http
        .get(format!(
            "{url}/api/v1/reports/membership?org=T15&format=narrative"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::BAD_REQUEST);
    let (rest, err) = stop(child, out).await;
    assert_eq!(rest, "");
    assert!(err.contains("Demo data loaded"), "{err}");
    assert!(
        err.contains("ketnap-demo-2026") && err.contains("chibo"),
        "{err}"
    );

    // A second start finds the data and loads nothing.
    let (child, out, url) = spawn(&db, &["--demo"]);
    // The leader sees the province's report, not the national counts, nor people.
    let leader = signed_in(&url, "lanhdao").await;
    let res = leader
        .get(format!("{url}/api/v1/stats"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::FORBIDDEN);
    let res = leader
        .get(format!("{url}/api/v1/people?org=T15"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::FORBIDDEN);
    let http = signed_in(&url, "admin").await;
    let again = get_with(&http, &format!("{url}/api/v1/stats")).await;
    assert_eq!(again["units_total"], stats["units_total"]);
    let (_, err) = stop(child, out).await;
    assert!(!err.contains("Demo data loaded"), "{err}");
}
