//! `ketnap bench --only reports` — the reports of issue C, each timed through the store's
//! public calls twice in the same run: with the pre-aggregates (`report_agg`) and with the
//! facts only (the same question answered by plain SQL over the status spells of the subtree,
//! [`Store::facts_only`]). Both answers must be equal; the ratio is baseline p50 / p50.
//!
//! - admissions breakdown (Biểu 2-BTCTW, with the same period last year) for the nation, a
//!   province and a commune, for a closed year;
//! - achievement and ranking of every child of a province (after the 2025 reform: its
//!   communes) for a closed year, and for the running year (pace and forecast included);
//! - coverage of a province's localities on a date (the spells kept per locality,
//!   `locality_fact`, against probing each locality's residents and branch).

use anyhow::{Result, bail};
use ketnap_domain::Date;
use ketnap_domain::reports::{ReportPeriod, Structure};
use ketnap_domain::targets::TargetPeriod;
use ketnap_store::Store;
use ketnap_store::reports_api::ReportRequest;
use serde::Serialize;

use crate::bench::{Timing, time};
use crate::output::{Format, print_json};

#[derive(Debug, Serialize)]
struct Row {
    question: String,
    /// Rows of the answer (report lines, ranked units, localities).
    size: usize,
    aggregated: Timing,
    facts_only: Option<Timing>,
    /// facts-only p50 / aggregated p50.
    speedup: Option<f64>,
}

fn row(question: String, size: usize, fast: Timing, slow: Option<Timing>) -> Row {
    Row {
        question,
        size,
        aggregated: fast,
        speedup: slow.map(|s| s.p50_ms / fast.p50_ms.max(1e-6)),
        facts_only: slow,
    }
}

/// A commune-level unit (grassroots committee) under `province` on `on`, the first by code
/// that admitted someone in the year.
async fn a_commune(store: &Store, province: &str, on: Date, year: i32) -> Result<Option<String>> {
    let p = store.org_required(province).await?;
    for n in store.org_subtree(p.id, on, 4).await? {
        if n.kind != ketnap_domain::org::OrgKind::GrassrootsCommittee {
            continue;
        }
        let from = Date::from_ymd_opt(year, 1, 1).unwrap_or(on);
        let to = Date::from_ymd_opt(year + 1, 1, 1).unwrap_or(on);
        if store.admitted_between(n.id, from, to, None).await? > 0 {
            return Ok(Some(n.code));
        }
    }
    Ok(None)
}

pub async fn run(store: &Store, args: &crate::bench::BenchArgs, today: Date) -> Result<()> {
    let (iterations, year, format) = (args.iterations, args.year, args.format);
    let (nation, province) = (args.nation.as_str(), args.province.as_str());
    let question = args.question.as_deref();
    let wanted = |label: &str| question.is_none_or(|q| label.contains(q));
    let plain = store.facts_only();
    let mut rows = vec![];
    let mid = Date::from_ymd_opt(year, 6, 30).unwrap_or(today);
    let commune = a_commune(store, province, mid, year).await?;
    let period = ReportPeriod::parse(&year.to_string()).map_err(|v| anyhow::anyhow!("{v}"))?;
    for code in [
        Some(nation.to_string()),
        Some(province.to_string()),
        commune,
    ]
    .into_iter()
    .flatten()
    {
        let label = format!("admissions breakdown {code} {year}");
        if !wanted(&label) {
            continue;
        }
        let req = ReportRequest {
            org_code: code.clone(),
            period: period.clone(),
            as_of: None,
            structure: Structure::AsWas,
            today,
        };
        let a = store.report_breakdown(&req, false).await?;
        let b = plain.report_breakdown(&req, false).await?;
        if a != b {
            bail!(
                "the admissions breakdown of {code} for {year} differs between the pre-aggregates and the facts"
            );
        }
        let fast = time(iterations, || async {
            Ok(store.report_breakdown(&req, false).await?)
        })
        .await?;
        let slow = time(iterations.min(10), || async {
            Ok(plain.report_breakdown(&req, false).await?)
        })
        .await?;
        rows.push(row(
            format!("{label} ({} admitted)", a.count("total")),
            a.rows.len(),
            fast,
            Some(slow),
        ));
    }
    let p = store.org_required(province).await?;
    for (label, period, as_of) in [
        (
            format!("{} (closed)", year + 1),
            TargetPeriod::Year(year + 1),
            today,
        ),
        (
            format!("{} running, on {today}", today.format("%Y")),
            TargetPeriod::Year(chrono::Datelike::year(&today)),
            today,
        ),
    ] {
        let label = format!("achievement and ranking of {province}'s children, {label}");
        if !wanted(&label) {
            continue;
        }
        let a = store.target_report(p.id, period, as_of, true, None).await?;
        let b = plain.target_report(p.id, period, as_of, true, None).await?;
        if serde_json::to_value(&a)? != serde_json::to_value(&b)? {
            bail!(
                "the achievement of {province}'s children for {label} differs between the pre-aggregates and the facts"
            );
        }
        let fast = time(iterations, || async {
            Ok(store.target_report(p.id, period, as_of, true, None).await?)
        })
        .await?;
        let slow = time(iterations.min(10), || async {
            Ok(plain.target_report(p.id, period, as_of, true, None).await?)
        })
        .await?;
        rows.push(row(label, a.children.len(), fast, Some(slow)));
    }
    let label = format!("coverage {province} on {today}");
    if wanted(&label) {
        let req = ReportRequest {
            org_code: province.to_string(),
            period: ReportPeriod::parse(&today.format("%Y").to_string())
                .map_err(|v| anyhow::anyhow!("{v}"))?,
            as_of: Some(today),
            structure: Structure::AsWas,
            today,
        };
        let c = store.report_coverage(&req).await?;
        if plain.report_coverage(&req).await? != c {
            bail!(
                "the coverage of {province} differs between the spells kept per locality and the facts"
            );
        }
        let t = time(iterations, || async {
            Ok(store.report_coverage(&req).await?)
        })
        .await?;
        let slow = time(iterations.min(10), || async {
            Ok(plain.report_coverage(&req).await?)
        })
        .await?;
        let localities = c.rows.iter().map(|r| r.total).sum::<i64>();
        rows.push(row(
            label,
            usize::try_from(localities).unwrap_or(0),
            t,
            Some(slow),
        ));
    }

    if format == Format::Json {
        return print_json(&rows);
    }
    println!(
        "Reports ({}, {iterations} runs after 3 warm-ups; facts-only baseline ≤ 10 runs)",
        store.backend().as_str()
    );
    println!(
        "{:<72} {:>6} {:>9} {:>9} {:>10} {:>10} {:>8}",
        "question", "rows", "agg p50", "agg p95", "facts p50", "facts p95", "speedup"
    );
    for r in &rows {
        let (s50, s95, x) = match (r.facts_only, r.speedup) {
            (Some(s), Some(x)) => (
                format!("{:.2}", s.p50_ms),
                format!("{:.2}", s.p95_ms),
                format!("{x:.1}×"),
            ),
            _ => ("–".into(), "–".into(), "–".into()),
        };
        println!(
            "{:<72} {:>6} {:>9.2} {:>9.2} {:>10} {:>10} {:>8}",
            r.question, r.size, r.aggregated.p50_ms, r.aggregated.p95_ms, s50, s95, x
        );
    }
    Ok(())
}
