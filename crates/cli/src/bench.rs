//! `ketnap bench`: measured figures with their baselines, run in the same process.
//!
//! Subtree "as of a date" through the closure table is compared with the naive way (a recursive
//! walk of the parent links at request time) on the same database, for a national, a provincial
//! and a commune root, before and after the 2025 reform. Reported: p50/p95 per query and the
//! ratio baseline/closure.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Args;
use ketnap_domain::Date;
use ketnap_store::Store;
use serde::Serialize;

use crate::output::{Format, parse_date, print_json};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Roots to measure (codes); default: TW, T15 and the first commune under T15.
    #[arg(long = "root")]
    roots: Vec<String>,
    /// Dates of the structure to query (default 2019-12-31 and 2025-12-31).
    #[arg(long = "as-of", value_parser = parse_date)]
    dates: Vec<Date>,
    /// Repetitions per query (after 3 warm-up runs).
    #[arg(long, default_value_t = 30)]
    pub(crate) iterations: usize,
    /// Only one family: `subtree`, `pipeline` (event writes and due lists), `writes` (event
    /// writes only) or `reports` (default: all).
    #[arg(long)]
    only: Option<String>,
    /// Reports: the nation's and a province's codes.
    #[arg(long, default_value = "TW")]
    pub(crate) nation: String,
    #[arg(long, default_value = "T15")]
    pub(crate) province: String,
    /// Reports: the closed year of the breakdowns (the ranking uses the year after).
    #[arg(long, default_value_t = 2024)]
    pub(crate) year: i32,
    /// Reports: only the questions whose label holds this text (e.g. `running`, `coverage`).
    #[arg(long)]
    pub(crate) question: Option<String>,
    /// Pipeline: open cases that get their next step recorded (WRITES to the database).
    #[arg(long, default_value_t = 200)]
    cases: usize,
    /// Pipeline: seed for picking the cases.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: Format,
}

/// Percentiles of a set of timings.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Timing {
    pub p50_ms: f64,
    pub p95_ms: f64,
}

/// Times `f` `n` times after 3 warm-ups.
pub async fn time<F, Fut, T>(n: usize, mut f: F) -> Result<Timing>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    for _ in 0..3 {
        f().await?;
    }
    let mut v: Vec<Duration> = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let t = Instant::now();
        f().await?;
        v.push(t.elapsed());
    }
    v.sort();
    let pick = |q: f64| {
        v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1].as_secs_f64() * 1000.0
    };
    Ok(Timing {
        p50_ms: pick(0.50),
        p95_ms: pick(0.95),
    })
}

#[derive(Debug, Serialize)]
struct SubtreeRow {
    root: String,
    as_of: Date,
    units: i64,
    closure_count: Timing,
    closure_fetch: Timing,
    recursive_count: Timing,
    /// recursive p50 / closure-count p50.
    speedup: f64,
}

pub async fn run(store: &Store, a: BenchArgs) -> Result<()> {
    match a.only.as_deref() {
        None => {
            subtree(store, &a).await?;
            reports(store, &a).await?;
            crate::bench_pipeline::run(store, a.iterations, a.cases, a.seed, true, a.format).await
        }
        Some("subtree") => subtree(store, &a).await,
        Some("reports") => reports(store, &a).await,
        Some("pipeline") => {
            crate::bench_pipeline::run(store, a.iterations, a.cases, a.seed, true, a.format).await
        }
        Some("writes") => {
            crate::bench_pipeline::run(store, a.iterations, a.cases, a.seed, false, a.format).await
        }
        Some(other) => {
            bail!("--only takes subtree, pipeline, writes or reports, not {other}")
        }
    }
}

async fn reports(store: &Store, a: &BenchArgs) -> Result<()> {
    crate::bench_reports::run(store, a, crate::output::today()).await
}

async fn subtree(store: &Store, a: &BenchArgs) -> Result<()> {
    let dates = if a.dates.is_empty() {
        vec![
            parse_date("2019-12-31").map_err(anyhow::Error::msg)?,
            parse_date("2025-12-31").map_err(anyhow::Error::msg)?,
        ]
    } else {
        a.dates.clone()
    };
    let mut roots = a.roots.clone();
    if roots.is_empty() {
        roots.push("TW".into());
        if let Some(p) = store.org_by_code("T15").await? {
            roots.push(p.code.clone());
            let on = dates.last().copied().unwrap_or(p.period.from);
            if let Some(c) = store
                .org_subtree(p.id, on, 1)
                .await?
                .into_iter()
                .find(|n| n.sector.is_commune_level())
            {
                roots.push(c.code);
            }
        }
    }
    let mut rows = vec![];
    for code in &roots {
        let u = store.org_required(code).await?;
        for &on in &dates {
            if !u.period.contains(on) {
                continue;
            }
            let units = store.org_subtree_count(u.id, on).await?;
            let check = store.org_subtree_count_recursive(u.id, on).await?;
            if units != check {
                bail!(
                    "closure count {units} differs from the recursive count {check} for {code} on {on}"
                );
            }
            let closure_count = time(a.iterations, || async {
                Ok(store.org_subtree_count(u.id, on).await?)
            })
            .await?;
            let closure_fetch = time(a.iterations, || async {
                Ok(store.org_subtree(u.id, on, i32::MAX).await?.len())
            })
            .await?;
            let recursive_count = time(a.iterations, || async {
                Ok(store.org_subtree_count_recursive(u.id, on).await?)
            })
            .await?;
            rows.push(SubtreeRow {
                root: code.clone(),
                as_of: on,
                units,
                speedup: recursive_count.p50_ms / closure_count.p50_ms.max(1e-6),
                closure_count,
                closure_fetch,
                recursive_count,
            });
        }
    }
    let backend = store.backend().as_str();
    match a.format {
        Format::Json => print_json(&serde_json::json!({ "backend": backend, "subtree": rows })),
        Format::Table => {
            println!(
                "Subtree as of a date on {backend} ({} iterations): closure table vs recursive walk (baseline)",
                a.iterations
            );
            println!(
                "{:<10} {:<10} {:>8}  {:>17}  {:>17}  {:>17}  {:>8}",
                "root",
                "as of",
                "units",
                "closure count p50/p95",
                "closure fetch p50/p95",
                "recursive p50/p95",
                "ratio"
            );
            for r in &rows {
                println!(
                    "{:<10} {:<10} {:>8}  {:>8.3}/{:<8.3}  {:>8.3}/{:<8.3}  {:>8.3}/{:<8.3}  {:>7.1}x",
                    r.root,
                    r.as_of,
                    r.units,
                    r.closure_count.p50_ms,
                    r.closure_count.p95_ms,
                    r.closure_fetch.p50_ms,
                    r.closure_fetch.p95_ms,
                    r.recursive_count.p50_ms,
                    r.recursive_count.p95_ms,
                    r.speedup
                );
            }
            Ok(())
        }
    }
}
