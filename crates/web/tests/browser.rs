//! Browser tests: the real server on a random port over a throwaway SQLite database, then a
//! throwaway PostgreSQL schema (when reachable; required under `CI=true`), driven in
//! headless Chromium (Debian's `/usr/bin/chromium`) through `/usr/bin/chromedriver` with
//! fantoccini. Skipped with a printed reason when chromedriver is missing — except under
//! `CI=true`, where that is a failure (`.ci/run` installs `chromium` and `chromium-driver`).
//! Screenshots of the main pages at phone (390 px) and desktop (1280 px) widths go to
//! `target/screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use ketnap_store::testing::{TestDb, test_stores};
use ketnap_web::testing::{SAMPLE_PASSWORD, Sample, sample};
use serde_json::json;
use tokio::net::TcpListener;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// The chromedriver process, killed when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether the browser can run here; `None` (and a printed reason) to skip.
fn browser_available() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let missing: Vec<&str> = [CHROMEDRIVER, CHROMIUM]
        .into_iter()
        .filter(|p| !std::path::Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        !ci,
        "CI=true but {missing:?} missing: .ci/run installs chromium and chromium-driver"
    );
    eprintln!(
        "SKIPPED browser tests: {missing:?} not installed (apt-get install -y chromium chromium-driver)"
    );
    false
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[allow(clippy::zombie_processes)] // killed and waited for by `Driver::drop`
async fn start_driver() -> (Driver, String) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (Driver(child), url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on {port}");
}

async fn browser(driver: &str, width: u32) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     format!("--window-size={width},900"), "--lang=vi"],
        }),
    );
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver)
        .await
        .expect("a browser session");
    c.set_window_size(width, 900).await.unwrap();
    c
}

/// The server over a throwaway database with the sample data.
struct Server {
    base: String,
    sample: Sample,
    _db: TestDb,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn server(db: TestDb) -> Server {
    let store = db.store.clone();
    let sample = sample(&store).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(ketnap_web::serve_until(
        listener,
        store.clone(),
        async move {
            let _ = rx.await;
        },
    ));
    Server {
        base: format!("http://{addr}"),
        sample,
        _db: db,
        stop: Some(tx),
    }
}

fn shots_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Whether this run takes the screenshots (the first engine's only: the pages are the same).
static SHOTS: AtomicBool = AtomicBool::new(true);

async fn shot(c: &Client, name: &str) {
    if !SHOTS.load(Ordering::Relaxed) {
        return;
    }
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
}

async fn login(c: &Client, base: &str, user: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(SAMPLE_PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("header.top .who"))
        .await
        .unwrap();
}

async fn logout(c: &Client, base: &str) {
    c.goto(&format!("{base}/home")).await.unwrap();
    c.find(Locator::Css("header.top form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("input[name=username]"))
        .await
        .unwrap();
}

async fn fill(c: &Client, name: &str, value: &str) {
    let e = c
        .find(Locator::Css(&format!("[name=\"{name}\"]")))
        .await
        .unwrap_or_else(|_| panic!("field {name}"));
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn select(c: &Client, name: &str, value: &str) {
    c.find(Locator::Css(&format!("select[name=\"{name}\"]")))
        .await
        .unwrap_or_else(|_| panic!("select {name}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("select {name}={value}: {e}"));
}

async fn text(c: &Client) -> String {
    c.find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Clicks a submit button and waits for the next page to replace this one.
async fn submit(c: &Client, button: &str) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    c.find(Locator::Css(button))
        .await
        .unwrap_or_else(|_| panic!("button {button}"))
        .click()
        .await
        .unwrap();
    for _ in 0..200 {
        if old.tag_name().await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{button}: the page did not change");
}

/// Records a step on the case page through the next-step form; returns the page's text.
async fn step(c: &Client, kind: &str, date: &str, fields: &[(&str, &str)]) -> String {
    select(c, "kind", kind).await;
    fill(c, "date", date).await;
    for (k, v) in fields {
        if let Some(name) = k.strip_prefix("select:") {
            select(c, name, v).await;
        } else {
            fill(c, k, v).await;
        }
    }
    submit(c, "#next-form button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("#timeline"))
        .await
        .unwrap();
    text(c).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secretary_walks_a_candidate_to_admission_staff_set_targets_exports_and_scope() {
    if !browser_available() {
        return;
    }
    let (_driver, driver_url) = start_driver().await;
    for (i, db) in test_stores().await.unwrap().into_iter().enumerate() {
        SHOTS.store(i == 0, Ordering::Relaxed);
        let backend = db.backend().as_str();
        eprintln!("browser walk on {backend}");
        walk(&driver_url, db).await;
    }
}

/// The whole walk on one engine.
async fn walk(driver_url: &str, db: TestDb) {
    let srv = server(db).await;
    let base = srv.base.clone();
    let c = browser(driver_url, 390).await;

    // ---- a branch secretary signs in: what is due is the home page -------------------------
    login(&c, &base, "chibo").await;
    let url = c.current_url().await.unwrap();
    assert!(url.path().ends_with("/todo"), "{url}");
    let t = text(&c).await;
    assert!(t.contains("Việc cần làm"), "{t}");
    shot(&c, "todo-390").await;

    // ---- adds a candidate ------------------------------------------------------------------
    c.goto(&format!("{base}/candidates/new")).await.unwrap();
    fill(&c, "full_name", "Giàng A Dình").await;
    fill(&c, "birth", "10/05/1998").await;
    fill(&c, "cccd", "010098001234").await;
    select(&c, "ethnic", "15").await;
    fill(&c, "date", "01/03/2023").await;
    shot(&c, "candidate-new-390").await;
    submit(&c, "form.stack button[type=submit]").await;
    if c.wait().for_element(Locator::Css("#stage")).await.is_err() {
        panic!("no case page: {}", c.source().await.unwrap());
    }
    let case_url = c.current_url().await.unwrap();
    assert!(case_url.path().starts_with("/cases/"), "{case_url}");
    let t = text(&c).await;
    assert!(t.contains("Giàng A Dình"), "{t}");
    let m: Vec<String> = srv.sample.members.iter().map(|m| m.to_string()).collect();

    // ---- walks them through the procedure ------------------------------------------------
    step(
        &c,
        "mentor_assigned",
        "08/03/2023",
        &[("select:mentor", &m[0]), ("document_number", "13-NQ/CB")],
    )
    .await;
    step(
        &c,
        "course_completed",
        "07/04/2023",
        &[("certificate_no", "CN-0457"), ("issued", "07/04/2023")],
    )
    .await;
    step(
        &c,
        "application_submitted",
        "21/04/2023",
        &[("document_number", "đơn")],
    )
    .await;
    step(
        &c,
        "history_submitted",
        "24/04/2023",
        &[("document_number", "LL")],
    )
    .await;
    step(
        &c,
        "history_verified",
        "24/05/2023",
        &[("document_number", "KL-05")],
    )
    .await;
    for (i, who) in [&m[1], &m[2]].into_iter().enumerate() {
        step(
            &c,
            "introduced",
            "29/05/2023",
            &[
                ("select:introducer_by", "member"),
                ("select:introducer_person", who),
                ("worked_together_since", "01/01/2016"),
                ("document_number", &format!("GT-{i}")),
            ],
        )
        .await;
    }
    let t = step(
        &c,
        "comments_collected",
        "05/06/2023",
        &[("document_number", "TH-1")],
    )
    .await;
    assert!(t.contains("Đã ghi nhận"), "{t}");
    // A 2-of-4 branch vote is refused: the reason is shown with its rule and article.
    let t = step(
        &c,
        "branch_voted",
        "15/06/2023",
        &[
            ("present", "4"),
            ("in_favour", "2"),
            ("against", "2"),
            ("document_number", "20-NQ/CB"),
        ],
    )
    .await;
    let refusal = c
        .find(Locator::Css("#refusal"))
        .await
        .expect("the refusal is shown")
        .text()
        .await
        .unwrap();
    assert!(refusal.contains("vote.two_thirds"), "{refusal}");
    assert!(refusal.contains("Điều"), "{refusal}");
    assert!(t.contains("Không ghi nhận được"), "{t}");
    shot(&c, "case-refused-390").await;
    c.set_window_size(1280, 900).await.unwrap();
    shot(&c, "case-refused-1280").await;
    c.set_window_size(390, 900).await.unwrap();
    // The valid vote, then the committee, the decision and the ceremony.
    step(
        &c,
        "branch_voted",
        "15/06/2023",
        &[
            ("present", "4"),
            ("in_favour", "4"),
            ("against", "0"),
            ("document_number", "20-NQ/CB"),
        ],
    )
    .await;
    step(
        &c,
        "committee_resolved",
        "22/06/2023",
        &[
            ("committee_members", "7"),
            ("in_favour", "6"),
            ("document_number", "31-NQ/ĐU"),
        ],
    )
    .await;
    step(
        &c,
        "admission_decided",
        "06/07/2023",
        &[
            ("select:level", "direct_superior"),
            ("document_number", "1234-QĐ/TU"),
        ],
    )
    .await;
    let t = step(
        &c,
        "ceremony_held",
        "14/07/2023",
        &[("document_number", "BB-01")],
    )
    .await;
    let stage = c
        .find(Locator::Css("#stage"))
        .await
        .unwrap()
        .attr("data-stage")
        .await
        .unwrap();
    assert_eq!(stage.as_deref(), Some("probationary"), "{t}");
    shot(&c, "case-390").await;
    c.set_window_size(1280, 900).await.unwrap();
    shot(&c, "case-1280").await;
    c.goto(&format!("{base}/candidates")).await.unwrap();
    shot(&c, "candidates-1280").await;
    c.goto(&format!("{base}/candidates/board")).await.unwrap();
    shot(&c, "board-1280").await;
    c.goto(&format!("{base}/todo")).await.unwrap();
    shot(&c, "todo-1280").await;
    c.set_window_size(390, 900).await.unwrap();

    // ---- a secretary of another commune cannot reach this case or that person by URL -------
    logout(&c, &base).await;
    login(&c, &base, "chibo2").await;
    c.goto(case_url.as_str()).await.unwrap();
    let t = c.source().await.unwrap();
    assert!(t.contains("404"), "{t}");
    assert!(!t.contains("Giàng A Dình"), "{t}");
    // Their own case is there.
    c.goto(&format!("{base}/cases/{}", srv.sample.outside_case))
        .await
        .unwrap();
    assert!(text(&c).await.contains("Lò Thị Ngoài"));
    logout(&c, &base).await;

    // ---- committee staff set targets and the dashboard changes -----------------------------
    login(&c, &base, "tinh").await;
    c.goto(&format!("{base}/dashboard?org=X1&period=2023"))
        .await
        .unwrap();
    let before = text(&c).await;
    assert!(!before.contains("1/5"), "{before}");
    c.goto(&format!("{base}/targets?org=X1&period=2023"))
        .await
        .unwrap();
    fill(&c, "assigned:X1", "5").await;
    fill(&c, "assigned:X1.01", "3").await;
    fill(&c, "assigned:X1.02", "2").await;
    submit(&c, "#targets-form button[type=submit]").await;
    c.wait().for_element(Locator::Css(".okmsg")).await.unwrap();
    shot(&c, "targets-390").await;
    c.set_window_size(1280, 900).await.unwrap();
    shot(&c, "targets-1280").await;
    c.goto(&format!("{base}/dashboard?org=X1&period=2023"))
        .await
        .unwrap();
    let after = text(&c).await;
    assert!(after.contains("1/5"), "{after}");
    assert!(c.find(Locator::Css(".chart svg")).await.is_ok());
    shot(&c, "dashboard-1280").await;
    c.set_window_size(390, 900).await.unwrap();
    shot(&c, "dashboard-390").await;

    // ---- a report and its export --------------------------------------------------------------
    c.goto(&format!(
        "{base}/reports?name=admissions&org=X1&period=2023"
    ))
    .await
    .unwrap();
    shot(&c, "reports-390").await;
    let href = c
        .find(Locator::Css("a[data-export=csv]"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let cookies = c.get_all_cookies().await.unwrap();
    let session = cookies
        .iter()
        .find(|k| k.name() == "ketnap_session")
        .unwrap()
        .value()
        .to_string();
    let http = reqwest::Client::new();
    let res = http
        .get(format!("{base}{href}"))
        .header("cookie", format!("ketnap_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    assert!(csv.lines().count() > 3, "{csv}");
    let xlsx = c
        .find(Locator::Css("a[data-export=xlsx]"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let res = http
        .get(format!("{base}{xlsx}"))
        .header("cookie", format!("ketnap_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
    c.set_window_size(1280, 900).await.unwrap();
    shot(&c, "reports-1280").await;

    // ---- the other pages, at both widths ----------------------------------------------------
    for (name, path) in [
        ("orgs", "/orgs?root=T10&depth=3"),
        ("unit", "/orgs/X1"),
        ("search", "/search?q=giang+seo"),
        ("courses", "/courses"),
        ("audit", "/audit"),
    ] {
        for w in [390u32, 1280] {
            c.set_window_size(w, 900).await.unwrap();
            c.goto(&format!("{base}{path}")).await.unwrap();
            let src = c.source().await.unwrap();
            assert!(!src.contains("\"error\""), "{path}: {src}");
            shot(&c, &format!("{name}-{w}")).await;
        }
    }
    c.goto(&format!("{base}/search?q=giang+seo")).await.unwrap();
    assert!(text(&c).await.contains("Giàng Seo Phử"));
    // The person page, from the search results: identity and status history.
    c.find(Locator::LinkText("Giàng Seo Phử"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let t = text(&c).await;
    assert!(
        t.contains("Quá trình sinh hoạt đảng") && t.contains("Đảng viên chính thức"),
        "{t}"
    );
    for w in [390u32, 1280] {
        c.set_window_size(w, 900).await.unwrap();
        shot(&c, &format!("person-{w}")).await;
    }
    logout(&c, &base).await;

    // ---- a viewer sees reports but no people --------------------------------------------
    login(&c, &base, "lanhdao").await;
    let url = c.current_url().await.unwrap();
    assert!(url.path().ends_with("/dashboard"), "{url}");
    c.goto(&format!("{base}/cases/{}", srv.sample.outside_case))
        .await
        .unwrap();
    assert!(c.source().await.unwrap().contains("403"));
    logout(&c, &base).await;

    // ---- an administrator's users page ----------------------------------------------------
    login(&c, &base, "admin").await;
    c.set_window_size(390, 900).await.unwrap();
    c.goto(&format!("{base}/admin/users")).await.unwrap();
    assert!(text(&c).await.contains("chibo2"));
    shot(&c, "users-390").await;
    // The user page: a new API token shown once, then revoked.
    c.find(Locator::LinkText("chibo2"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&c, "name", "tich-hop").await;
    submit(&c, "form[action$='/tokens'] button[type=submit]").await;
    let token = c
        .find(Locator::Css("#new-token"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(token.starts_with("ketnap_"), "{token}");
    shot(&c, "user-390").await;
    submit(&c, "form[action$='/revoke'] button[type=submit]").await;
    let t = text(&c).await;
    assert!(t.contains("Đã thu hồi mã API"), "{t}");
    assert!(!c.source().await.unwrap().contains(&token), "shown once");
    c.close().await.unwrap();
}
