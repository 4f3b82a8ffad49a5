//! `ketnap soak`: a bounded mixed load of reads and writes against `ketnap serve` instances on
//! one database, then the checks that nothing went wrong (issue E, "soak").
//!
//! - starts `--servers N` child processes of this binary (`ketnap serve` on a free port each)
//!   on the same `--db`, or uses running servers given with `--url`;
//! - creates a committee-staff account scoped to one unit (`--org`, default the first province
//!   with open cases) and disables it afterwards; each of the `--clients` signs in on one server
//!   and sends its requests to every server in turn with the same session (sessions live in the
//!   database, so they must work on all of them);
//! - reads: the branch "Việc cần làm" page and due list, a commune's case list, a case, the
//!   running year's achievement with pace and forecast of a commune's branches, a province's
//!   admissions breakdown; writes (`--write-percent`): the next step of the client's own open
//!   cases (application, personal history, verification, comments; else the mentor assigned
//!   again) through the JSON API with the version it read (optimistic locking);
//! - afterwards: the pre-aggregates are compared with a recomputation (0 differences), every
//!   case written is re-read and must carry at least the version of its last acknowledged write
//!   (no lost update; a newer one is a write whose answer was lost, counted apart), and the report lists requests, errors and p50/p95/p99 per operation.
//!
//! Errors are transport failures, 5xx, and 4xx other than 409 (a conflict, counted apart) and
//! 422 (a step refused by a rule, counted apart). The exit status is non-zero when any check
//! fails. The run WRITES pipeline events: use a copy of the data (the demo, for instance).

use std::collections::{BTreeMap, HashMap};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use ketnap_domain::Date;
use ketnap_domain::access::Role;
use ketnap_domain::org::OrgKind;
use ketnap_domain::pipeline::{CaseState, EventKind, Stage};
use ketnap_store::Store;
use ketnap_store::auth_api::NewUser;
use ketnap_store::pipeline_api::NewEvent;
use serde::Serialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::bench_pipeline::{Tail, next_step, tail};
use crate::output::{Format, print_json, today};

#[derive(Args, Debug)]
pub struct SoakArgs {
    /// How long the load runs: `90s`, `10m`, `1h`.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    duration: Duration,
    /// Concurrent clients, each with its own session.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// `ketnap serve` instances started on `--db` for the run.
    #[arg(long, default_value_t = 2)]
    servers: usize,
    /// Running servers to use instead (repeatable, `http://HOST:PORT`); they must serve the
    /// database given with `--db`, which the checks read.
    #[arg(long)]
    url: Vec<String>,
    /// The unit whose subtree the clients work in (default: the first province with open
    /// cases).
    #[arg(long)]
    org: Option<String>,
    /// Share of requests that write, in percent.
    #[arg(long, default_value_t = 10)]
    write_percent: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// `90s`, `10m`, `1h` or a number of seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (n, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{s}`: expected a duration such as 90s, 10m or 1h"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{s}`: the unit must be s, m or h")),
    };
    if secs == 0 {
        return Err("the duration must be at least 1 s".into());
    }
    Ok(Duration::from_secs(secs))
}

/// What the clients work on.
#[derive(Clone, Debug)]
struct Scope {
    province: String,
    year: i32,
    communes: Vec<String>,
    branches: Vec<String>,
    cases: Vec<i64>,
}

/// The operations of the mix, with their weights among reads.
const READS: [(&str, u32); 6] = [
    ("todo page (HTML)", 25),
    ("due list", 20),
    ("case list", 15),
    ("case", 15),
    ("targets + forecast", 15),
    ("breakdown", 10),
];
const WRITE: &str = "event write";

/// What one client saw.
#[derive(Default)]
struct ClientLog {
    times: HashMap<&'static str, Vec<Duration>>,
    errors: HashMap<&'static str, usize>,
    /// Event writes answered with success (acknowledged).
    writes_ok: usize,
    conflicts: usize,
    refused: usize,
    /// A sample of error messages (status and path; no bodies: they may hold personal data).
    samples: Vec<String>,
    /// The version of each case after this client's last acknowledged write.
    written: HashMap<i64, i64>,
    servers_used: usize,
}

/// One row of the report.
#[derive(Debug, Serialize)]
struct OpFigures {
    operation: &'static str,
    requests: usize,
    errors: usize,
    #[serde(flatten)]
    tail: Tail,
}

#[derive(Debug, Serialize)]
struct SoakReport {
    backend: &'static str,
    servers: usize,
    clients: usize,
    seconds: f64,
    unit: String,
    operations: Vec<OpFigures>,
    requests: usize,
    requests_per_second: f64,
    errors: usize,
    conflicts: usize,
    refused: usize,
    error_samples: Vec<String>,
    /// Clients whose one session worked on every server.
    sessions_on_every_server: usize,
    writes_acknowledged: usize,
    cases_written: usize,
    /// Cases whose stored version is older than their last acknowledged write: an
    /// acknowledged write that is not there.
    lost_updates: usize,
    /// Cases whose stored version is newer than their last acknowledged write: a write that
    /// was applied but whose answer never came back (a server killed mid-request). 0 in a run
    /// without failures, where every such write is also counted as an error.
    applied_unacknowledged: usize,
    aggregate_rows_compared: u64,
    aggregate_differences: usize,
}

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, v: &'a [String]) -> Option<&'a str> {
        (!v.is_empty()).then(|| v[self.below(v.len())].as_str())
    }
}

pub async fn run(store: &Store, db: &str, a: SoakArgs, actor: &str) -> Result<()> {
    if a.clients == 0 {
        bail!("--clients must be at least 1");
    }
    if a.write_percent > 100 {
        bail!("--write-percent must be between 0 and 100");
    }
    let on = today();
    let scope = scope(store, a.org.as_deref(), on).await?;
    // Servers.
    let mut children: Vec<Child> = vec![];
    let urls = if a.url.is_empty() {
        if a.servers == 0 {
            bail!("--servers must be at least 1 (or give --url)");
        }
        let mut urls = vec![];
        for _ in 0..a.servers {
            let (child, url) = start_server(db).await?;
            children.push(child);
            urls.push(url);
        }
        urls
    } else {
        a.url
            .iter()
            .map(|u| u.trim_end_matches('/').to_string())
            .collect()
    };
    // The account.
    let stamp = chrono::Utc::now().timestamp_millis();
    let username = format!("soak{stamp}");
    let password = format!("soak-{stamp}-{}", std::process::id());
    store
        .user_create(
            &NewUser {
                username: username.clone(),
                password: Some(password.clone()),
                role: Role::CommitteeStaff,
                org_code: Some(scope.province.clone()),
            },
            chrono::Utc::now().timestamp(),
            actor,
        )
        .await
        .context("creating the soak account")?;
    eprintln!(
        "Soak: {} server(s) on {}, {} clients, {} s, unit {} ({} communes, {} branches, {} open cases to write on); account {username}",
        urls.len(),
        store.backend().as_str(),
        a.clients,
        a.duration.as_secs(),
        scope.province,
        scope.communes.len(),
        scope.branches.len(),
        scope.cases.len()
    );
    let result = load(store, &a, &scope, &urls, &username, &password, on).await;
    for mut c in children {
        let _ = c.kill().await;
    }
    store
        .user_disable(&username, actor)
        .await
        .context("disabling the soak account")?;
    let (logs, elapsed) = result?;
    let report = check(store, &a, &scope, &urls, logs, elapsed).await?;
    match a.format {
        Format::Json => print_json(&report)?,
        _ => print_table(&report),
    }
    let mut failed = vec![];
    if report.errors > 0 {
        failed.push(format!("{} errors", report.errors));
    }
    if report.lost_updates > 0 {
        failed.push(format!("{} lost updates", report.lost_updates));
    }
    if report.aggregate_differences > 0 {
        failed.push(format!(
            "{} differences in the pre-aggregates",
            report.aggregate_differences
        ));
    }
    if report.sessions_on_every_server < a.clients {
        failed.push(format!(
            "{} of {} sessions did not work on every server",
            a.clients - report.sessions_on_every_server,
            a.clients
        ));
    }
    if !failed.is_empty() {
        bail!("the soak failed: {}", failed.join(", "));
    }
    Ok(())
}

/// The unit, its communes and branches, and the open cases the writers can advance.
async fn scope(store: &Store, org: Option<&str>, on: Date) -> Result<Scope> {
    let unit = match org {
        Some(code) => store.org_required(code).await?,
        None => {
            let root = *store.org_roots(on).await?.first().ok_or_else(|| {
                anyhow!("the database holds no organizations: load the demo first (`ketnap demo`)")
            })?;
            let kids = store.org_subtree(root, on, 1).await?;
            let mut pick = None;
            for k in kids.iter().filter(|n| n.depth == 1) {
                if !store.cases_in(&k.code, on, None, 1).await?.is_empty() {
                    pick = Some(k.code.clone());
                    break;
                }
            }
            let code = pick.ok_or_else(|| anyhow!("no unit under the root has open cases"))?;
            store.org_required(&code).await?
        }
    };
    let nodes = store.org_subtree(unit.id, on, 4).await?;
    let communes: Vec<String> = nodes
        .iter()
        .filter(|n| n.kind == OrgKind::GrassrootsCommittee)
        .map(|n| n.code.clone())
        .collect();
    let branches: Vec<String> = nodes
        .iter()
        .filter(|n| n.kind == OrgKind::Branch)
        .map(|n| n.code.clone())
        .collect();
    let cases: Vec<i64> = store
        .cases_in(&unit.code, on, None, 20_000)
        .await?
        .into_iter()
        .filter(|c| matches!(c.stage, Stage::Source | Stage::Applied | Stage::Introduced))
        .map(|c| c.id)
        .collect();
    if branches.is_empty() {
        bail!("{} has no branches on {on}", unit.code);
    }
    Ok(Scope {
        province: unit.code,
        year: chrono::Datelike::year(&on),
        communes: if communes.is_empty() {
            vec![unit_code_fallback(&nodes)]
        } else {
            communes
        },
        branches,
        cases,
    })
}

fn unit_code_fallback(nodes: &[ketnap_store::TreeNode]) -> String {
    nodes.first().map(|n| n.code.clone()).unwrap_or_default()
}

/// Starts `ketnap serve` on a free port and waits for its "listening" line.
async fn start_server(db: &str) -> Result<(Child, String)> {
    let exe = std::env::current_exe().context("cannot find the ketnap binary")?;
    let mut child = Command::new(exe)
        .arg("--db")
        .arg(db)
        .arg("serve")
        .arg("--addr")
        .arg("127.0.0.1:0")
        .env("KETNAP_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start `ketnap serve`")?;
    let out = child
        .stdout
        .take()
        .ok_or_else(|| anyhow!("no stdout from `ketnap serve`"))?;
    let mut lines = BufReader::new(out).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .context("`ketnap serve` did not start within 60 s")??
        .ok_or_else(|| anyhow!("`ketnap serve` stopped before listening"))?;
    let url = line
        .strip_prefix("ketnap listening on ")
        .ok_or_else(|| anyhow!("unexpected first line from `ketnap serve`: {line}"))?
        .trim()
        .to_string();
    // Keep reading (and dropping) stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, url))
}

/// A signed-in client.
struct Session {
    cookie: String,
    csrf: String,
}

async fn sign_in(http: &reqwest::Client, url: &str, user: &str, password: &str) -> Result<Session> {
    let r = http
        .post(format!("{url}/api/v1/login"))
        .json(&serde_json::json!({ "username": user, "password": password }))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("sign-in on {url} answered {}", r.status());
    }
    let cookie = r
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ketnap_session="))
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| anyhow!("sign-in on {url} set no session cookie"))?
        .to_string();
    let body: serde_json::Value = r.json().await?;
    let csrf = body
        .get("csrf_token")
        .and_then(|v| v.as_str())
        .ok_or_else(|| anyhow!("sign-in on {url} gave no CSRF token"))?
        .to_string();
    Ok(Session { cookie, csrf })
}

#[allow(clippy::too_many_arguments)]
async fn load(
    store: &Store,
    a: &SoakArgs,
    scope: &Scope,
    urls: &[String],
    user: &str,
    password: &str,
    on: Date,
) -> Result<(Vec<ClientLog>, Duration)> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.clients)
        .timeout(Duration::from_secs(60))
        .build()?;
    // Sign every client in first (argon2 is slow on purpose; not part of the load).
    let mut sessions = vec![];
    for i in 0..a.clients {
        sessions.push(sign_in(&http, &urls[i % urls.len()], user, password).await?);
    }
    let start = Instant::now();
    let deadline = start + a.duration;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, session) in sessions.into_iter().enumerate() {
        let mine: Vec<i64> = scope
            .cases
            .iter()
            .copied()
            .skip(i)
            .step_by(a.clients)
            .collect();
        let c = Client {
            http: http.clone(),
            store: store.clone(),
            urls: urls.to_vec(),
            scope: scope.clone(),
            session,
            rng: Rng(a.seed.wrapping_mul(1_000_003).wrapping_add(i as u64)),
            write_percent: a.write_percent,
            on,
            mine,
            index: i,
        };
        tasks.spawn(c.run(deadline));
    }
    let mut logs = vec![];
    while let Some(r) = tasks.join_next().await {
        logs.push(r.context("a soak client stopped")??);
    }
    Ok((logs, start.elapsed()))
}

struct Client {
    http: reqwest::Client,
    store: Store,
    urls: Vec<String>,
    scope: Scope,
    session: Session,
    rng: Rng,
    write_percent: u32,
    on: Date,
    mine: Vec<i64>,
    index: usize,
}

impl Client {
    async fn run(mut self, deadline: Instant) -> Result<ClientLog> {
        let mut log = ClientLog::default();
        let mut worked_on = vec![false; self.urls.len()];
        let mut turn = self.index + 1;
        while Instant::now() < deadline {
            let url = self.urls[turn % self.urls.len()].clone();
            let server = turn % self.urls.len();
            turn += 1;
            let write = (self.rng.below(100) as u32) < self.write_percent;
            let ok = if write && !self.mine.is_empty() {
                self.write(&url, &mut log).await?
            } else {
                self.read(&url, &mut log).await
            };
            if ok {
                worked_on[server] = true;
            }
        }
        log.servers_used = worked_on.iter().filter(|w| **w).count();
        Ok(log)
    }

    /// Sends a request and files its time (to the last byte) and outcome; the body of a 2xx.
    async fn send(
        &self,
        op: &'static str,
        req: reqwest::RequestBuilder,
        log: &mut ClientLog,
    ) -> Option<Vec<u8>> {
        let t = Instant::now();
        let r = req
            .header(reqwest::header::COOKIE, &self.session.cookie)
            .send()
            .await;
        let r = match r {
            Ok(r) => {
                let status = r.status();
                let path = r.url().path().to_string();
                r.bytes().await.map(|body| (status, path, body))
            }
            Err(e) => Err(e),
        };
        let elapsed = t.elapsed();
        match r {
            Ok((status, path, body)) => {
                log.times.entry(op).or_default().push(elapsed);
                if status.is_success() {
                    if op == WRITE {
                        log.writes_ok += 1;
                    }
                    return Some(body.to_vec());
                }
                match status.as_u16() {
                    409 => log.conflicts += 1,
                    422 => log.refused += 1,
                    _ => {
                        *log.errors.entry(op).or_insert(0) += 1;
                        if log.samples.len() < 5 {
                            log.samples.push(format!("{op}: {status} on {path}"));
                        }
                    }
                }
                None
            }
            Err(e) => {
                *log.errors.entry(op).or_insert(0) += 1;
                if log.samples.len() < 5 {
                    log.samples.push(format!("{op}: {}", e.without_url()));
                }
                None
            }
        }
    }

    async fn read(&mut self, url: &str, log: &mut ClientLog) -> bool {
        let total: u32 = READS.iter().map(|r| r.1).sum();
        let mut x = self.rng.below(total as usize) as u32;
        let mut op = READS[0].0;
        for (name, w) in READS {
            if x < w {
                op = name;
                break;
            }
            x -= w;
        }
        let branch = self
            .rng
            .pick(&self.scope.branches)
            .unwrap_or_default()
            .to_string();
        let commune = self
            .rng
            .pick(&self.scope.communes)
            .unwrap_or_default()
            .to_string();
        let path = match op {
            "todo page (HTML)" => format!("/todo?org={branch}"),
            "due list" => format!("/api/v1/due?org={branch}"),
            "case list" => format!("/api/v1/cases?org={commune}&limit=50"),
            "case" => match self.scope.cases.get(self.rng.below(self.scope.cases.len())) {
                Some(id) => format!("/api/v1/cases/{id}"),
                None => format!("/api/v1/cases?org={commune}&limit=50"),
            },
            "targets + forecast" => format!(
                "/api/v1/targets?org={commune}&period={}&children=true",
                self.scope.year
            ),
            _ => format!(
                "/api/v1/reports/admissions?org={}&period={}",
                self.scope.province,
                self.scope.year - 1
            ),
        };
        let req = self.http.get(format!("{url}{path}"));
        self.send(op, req, log).await.is_some()
    }

    /// The next step of one of the client's cases; cases with no step left leave the list.
    async fn write(&mut self, url: &str, log: &mut ClientLog) -> Result<bool> {
        while !self.mine.is_empty() {
            let i = self.rng.below(self.mine.len());
            let id = self.mine[i];
            let view = self.store.case_get(id, self.on, None).await?;
            let step = next_step(&view.state, self.on, id);
            let Some(ev) = step.or_else(|| mentor_again(&view.state, self.on)) else {
                self.mine.swap_remove(i);
                continue;
            };
            let mut body = serde_json::to_value(&ev)?;
            if let Some(m) = body.as_object_mut() {
                m.insert("expected_version".into(), view.case.version.into());
            }
            let req = self
                .http
                .post(format!("{url}/api/v1/cases/{id}/events"))
                .header("x-csrf-token", &self.session.csrf)
                .json(&body);
            let Some(r) = self.send(WRITE, req, log).await else {
                // Refused or in conflict: not this case again.
                self.mine.swap_remove(i);
                return Ok(false);
            };
            let v: serde_json::Value = serde_json::from_slice(&r).unwrap_or_default();
            if let Some(version) = v.get("version").and_then(|v| v.as_i64()) {
                log.written.insert(id, version);
            }
            return Ok(true);
        }
        Ok(self.read(url, log).await)
    }
}

/// When a case has no forward step the soak knows, its mentor is assigned again (phân công
/// lại), a write a branch makes any time before the admission, so a long soak never runs out
/// of writes.
fn mentor_again(s: &CaseState, on: Date) -> Option<NewEvent> {
    let mentor = s.mentor?;
    matches!(
        s.stage,
        Stage::Source
            | Stage::Applied
            | Stage::Verified
            | Stage::Introduced
            | Stage::BranchApproved
            | Stage::CommitteeApproved
    )
    .then(|| NewEvent::new(on, EventKind::MentorAssigned { mentor }))
}

async fn check(
    store: &Store,
    a: &SoakArgs,
    scope: &Scope,
    urls: &[String],
    logs: Vec<ClientLog>,
    elapsed: Duration,
) -> Result<SoakReport> {
    let mut times: BTreeMap<&'static str, Vec<Duration>> = BTreeMap::new();
    let mut errors: BTreeMap<&'static str, usize> = BTreeMap::new();
    let (mut conflicts, mut refused, mut sessions_ok, mut writes_acknowledged) = (0, 0, 0, 0);
    let mut samples = vec![];
    let mut written: HashMap<i64, i64> = HashMap::new();
    for l in logs {
        for (op, v) in l.times {
            times.entry(op).or_default().extend(v);
        }
        for (op, n) in l.errors {
            *errors.entry(op).or_insert(0) += n;
        }
        writes_acknowledged += l.writes_ok;
        conflicts += l.conflicts;
        refused += l.refused;
        if l.servers_used == urls.len() {
            sessions_ok += 1;
        }
        samples.extend(l.samples);
        written.extend(l.written);
    }
    samples.truncate(10);
    let mut all = vec![];
    let mut operations = vec![];
    for (op, v) in &times {
        all.extend(v.iter().copied());
        operations.push(OpFigures {
            operation: op,
            requests: v.len(),
            errors: errors.get(op).copied().unwrap_or(0),
            tail: tail(v.clone()),
        });
    }
    let requests = all.len();
    let error_total: usize = errors.values().sum();
    operations.push(OpFigures {
        operation: "all",
        requests,
        errors: error_total,
        tail: tail(all),
    });
    // Counted as answered: a refused (422), conflicting (409) or failed write is timed too, and
    // a write whose connection broke has an error but no time.
    // No lost update: each written case carries at least the version of its last acknowledged
    // write (each client writes only its own cases).
    let (mut lost, mut unacknowledged) = (0, 0);
    let on = today();
    for (id, version) in &written {
        let v = store.case_get(*id, on, None).await?;
        match v.case.version.cmp(version) {
            std::cmp::Ordering::Less => lost += 1,
            std::cmp::Ordering::Greater => unacknowledged += 1,
            std::cmp::Ordering::Equal => {}
        }
    }
    let agg = store.verify_aggregates(20).await?;
    Ok(SoakReport {
        backend: store.backend().as_str(),
        servers: urls.len(),
        clients: a.clients,
        seconds: elapsed.as_secs_f64(),
        unit: scope.province.clone(),
        operations,
        requests,
        requests_per_second: requests as f64 / elapsed.as_secs_f64().max(1e-9),
        errors: error_total,
        conflicts,
        refused,
        error_samples: samples,
        sessions_on_every_server: sessions_ok,
        writes_acknowledged,
        cases_written: written.len(),
        lost_updates: lost,
        applied_unacknowledged: unacknowledged,
        aggregate_rows_compared: agg.compared,
        aggregate_differences: agg.diffs.len(),
    })
}

fn print_table(r: &SoakReport) {
    println!(
        "Soak: {} server(s) on {}, {} clients, {:.0} s, unit {}",
        r.servers, r.backend, r.clients, r.seconds, r.unit
    );
    println!(
        "{:<22} {:>9} {:>7} {:>9} {:>9} {:>9}",
        "operation", "requests", "errors", "p50 ms", "p95 ms", "p99 ms"
    );
    for o in &r.operations {
        println!(
            "{:<22} {:>9} {:>7} {:>9.2} {:>9.2} {:>9.2}",
            o.operation, o.requests, o.errors, o.tail.p50_ms, o.tail.p95_ms, o.tail.p99_ms
        );
    }
    println!(
        "{:.0} requests/s; errors {}; conflicts (409) {}; refused by a rule (422) {}",
        r.requests_per_second, r.errors, r.conflicts, r.refused
    );
    for s in &r.error_samples {
        println!("  {s}");
    }
    println!(
        "sessions that worked on every server: {}/{}",
        r.sessions_on_every_server, r.clients
    );
    println!(
        "writes acknowledged {} on {} cases; lost updates {}; applied but not acknowledged {}",
        r.writes_acknowledged, r.cases_written, r.lost_updates, r.applied_unacknowledged
    );
    println!(
        "pre-aggregates after the soak: {} differences ({} rows compared)",
        r.aggregate_differences, r.aggregate_rows_compared
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("10 parsecs").is_err());
        assert!(parse_duration("m").is_err());
    }
}
