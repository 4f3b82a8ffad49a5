//! `ketnap report NAME --org CODE --period P [--as-of DATE] [--rebase] --format table|json|csv|narrative|xlsx
//! [--target N] [--subject TEXT] [--out FILE]` and `ketnap report --list`.

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use ketnap_domain::Date;
use ketnap_domain::reports::{REPORTS, ReportPeriod, Structure, Table, narrative};
use ketnap_store::Store;
use ketnap_store::reports_api::ReportRequest;

use crate::output::{parse_date, today};

/// How a report is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    #[default]
    Table,
    Json,
    Csv,
    /// The Vietnamese paragraph the press writes (admissions only; see --target, --subject).
    Narrative,
    /// An Excel workbook (needs --out FILE).
    Xlsx,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The report: admissions, recognitions, candidates, membership, coverage (see --list).
    name: Option<String>,
    /// List the reports and stop.
    #[arg(long)]
    list: bool,
    /// The unit (its code).
    #[arg(long)]
    org: Option<String>,
    /// 2024 (a year), 2024-06 (a month), 2024-H1, 2024-Q2, 2020-2025 (a term). Membership and
    /// coverage are on the period's last day (or --as-of); default: the current year.
    #[arg(long, value_parser = parse_period)]
    period: Option<ReportPeriod>,
    /// Count up to this day only (and the same day last year); the date of membership/coverage.
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// Re-base onto today's structure (merged units' history included) instead of the
    /// structure as it was.
    #[arg(long)]
    rebase: bool,
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// The plan for the period, for "đạt X% kế hoạch" in --format narrative.
    #[arg(long)]
    target: Option<i64>,
    /// Who admitted, in the narrative ("toàn tỉnh"); default: the unit's name.
    #[arg(long)]
    subject: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Submit the report upward: store it frozen (printed with its submission number).
    #[arg(long)]
    submit: bool,
    /// List the reports --org submitted, each with the figures changed since
    /// ("số đã báo cáo → số hiện nay").
    #[arg(long)]
    submissions: bool,
}

fn parse_period(s: &str) -> Result<ReportPeriod, String> {
    ReportPeriod::parse(s).map_err(|v| v.message)
}

/// Runs the report named in `a`.
pub async fn run(store: &Store, a: ReportArgs, actor: &str) -> Result<()> {
    if a.submissions {
        let Some(org) = a.org.as_deref() else {
            bail!("--submissions needs --org CODE");
        };
        let unit = store.org_required(org).await?;
        let mut out = String::new();
        for s in store.report_submissions(Some(unit.id)).await? {
            let c = store.report_submission_compare(s.id).await?;
            out.push_str(&format!(
                "#{} {} {} {} — gửi {} bởi {}: {}\n",
                s.id,
                s.report,
                s.org_code,
                s.request.period.label_vi(),
                s.submitted_at.format("%d/%m/%Y %H:%M"),
                s.actor,
                if c.changes.is_empty() {
                    "không thay đổi".to_string()
                } else {
                    format!("{} số liệu đã thay đổi", c.changes.len())
                }
            ));
            for ch in &c.changes {
                let f = |x: Option<f64>| {
                    x.map_or("–".to_string(), |v| {
                        ketnap_domain::text::vi::decimal(v, 1)
                    })
                };
                out.push_str(&format!(
                    "    {}: đã báo cáo {} → hiện nay {}\n",
                    ch.path,
                    f(ch.reported),
                    f(ch.current)
                ));
            }
        }
        return emit(&a.out, &out);
    }
    if a.list {
        let mut out = String::new();
        for (name, vi, en) in REPORTS {
            out.push_str(&format!("{name:<14} {vi}\n{:<14} {en}\n", ""));
        }
        return emit(&a.out, &out);
    }
    let Some(name) = a.name.as_deref() else {
        bail!("name a report (ketnap report --list shows them)");
    };
    let Some(org) = a.org.clone() else {
        bail!("--org CODE is required");
    };
    let today = today();
    let period = match &a.period {
        Some(p) => p.clone(),
        None => {
            let y = chrono::Datelike::year(&a.as_of.unwrap_or(today));
            parse_period(&y.to_string()).map_err(anyhow::Error::msg)?
        }
    };
    let req = ReportRequest {
        org_code: org,
        period,
        as_of: a.as_of,
        structure: if a.rebase {
            Structure::Rebased
        } else {
            Structure::AsWas
        },
        today,
    };
    if a.submit {
        let Some(name) = a.name.as_deref() else {
            bail!("name the report to submit");
        };
        let s = store.report_submit(name, &req, actor).await?;
        return emit(
            &a.out,
            &format!(
                "Đã gửi báo cáo {} của {} (số {}); bản đã gửi được giữ nguyên\n",
                s.report, s.org_code, s.id
            ),
        );
    }
    if a.format == ReportFormat::Narrative {
        if name != "admissions" {
            bail!("--format narrative is for the admissions report only");
        }
        let r = store.report_breakdown(&req, false).await?;
        let subject = a.subject.clone().unwrap_or_else(|| r.org.name.clone());
        let text = format!("{}\n", narrative(&r, &subject, a.target));
        return emit(&a.out, &text);
    }
    let (json, table, head): (serde_json::Value, Table, String) = match name {
        "admissions" | "recognitions" => {
            let r = store.report_breakdown(&req, name == "recognitions").await?;
            let head = format!(
                "{} — {} ({})\nKỳ này: {}; cùng kỳ: {}\n{}\n",
                r.title_vi,
                r.org.name,
                r.org.code,
                r.period.label_vi(),
                r.compared_with.label_vi(),
                r.structure_vi
            );
            let head = r.notes.iter().fold(head, |h, n| format!("{h}{n}\n"));
            (serde_json::to_value(&r)?, r.table(), head)
        }
        "candidates" => {
            let r = store.report_candidates(&req).await?;
            let head = format!(
                "{} — {} ({})\nNgày {}; so với ngày {}\n{}\n",
                r.title_vi,
                r.org.name,
                r.org.code,
                crate::output::vi_date(r.period.from),
                crate::output::vi_date(r.compared_with.from),
                r.structure_vi
            );
            (serde_json::to_value(&r)?, r.table(), head)
        }
        "membership" => {
            let r = store.report_membership(&req).await?;
            let head = format!(
                "Số lượng đảng viên — {} ({}) ngày {}\n{}\n",
                r.org.name,
                r.org.code,
                crate::output::vi_date(r.as_of),
                r.structure_vi
            );
            (serde_json::to_value(&r)?, r.table(), head)
        }
        "coverage" => {
            let r = store.report_coverage(&req).await?;
            let mut head = format!(
                "Địa bàn — {} ({}) ngày {}\n{}\n",
                r.org.name,
                r.org.code,
                crate::output::vi_date(r.as_of),
                r.structure_vi
            );
            for row in &r.rows {
                head.push_str(&row.sentence_vi);
                head.push('\n');
            }
            head.push_str(&r.combined_branches.sentence_vi);
            head.push('\n');
            (serde_json::to_value(&r)?, r.table(), head)
        }
        other => bail!("unknown report {other:?} (ketnap report --list shows them)"),
    };
    if a.format == ReportFormat::Xlsx {
        let Some(path) = &a.out else {
            bail!("--format xlsx needs --out FILE");
        };
        let lines: Vec<&str> = head.lines().filter(|l| !l.trim().is_empty()).collect();
        return crate::xlsx::write(path, name, &lines, &table);
    }
    let text = match a.format {
        ReportFormat::Json => format!("{}\n", serde_json::to_string_pretty(&json)?),
        ReportFormat::Csv => table.csv(),
        ReportFormat::Table => format!("{head}\n{}", table.render()),
        ReportFormat::Narrative | ReportFormat::Xlsx => {
            bail!("--format {:?} is not written as text", a.format)
        }
    };
    emit(&a.out, &text)
}

fn emit(out: &Option<std::path::PathBuf>, text: &str) -> Result<()> {
    match out {
        Some(p) => std::fs::write(p, text)?,
        None => print!("{text}"),
    }
    Ok(())
}
