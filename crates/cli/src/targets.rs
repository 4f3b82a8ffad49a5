//! `ketnap target set|list`: targets (chỉ tiêu) and their achievement.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use ketnap_domain::Date;
use ketnap_domain::targets::{self, TargetKind, TargetPeriod, TargetSource};
use ketnap_domain::text::vi;
use ketnap_store::Store;
use ketnap_store::targets_api::{TargetLine, TargetReport};

use crate::output::{Format, parse_date, print_json, today, vi_date};

#[derive(Subcommand, Debug)]
pub enum TargetCommand {
    /// Set a unit's assigned (giao) or registered (đăng ký) target for a year or a term.
    Set(SetArgs),
    /// A unit's targets and achievement: admitted/target, rate, pace, forecast; with
    /// `--children`, its sub-organizations ranked and the reconciliation of their targets.
    List(ListArgs),
}

#[derive(Args, Debug)]
pub struct SetArgs {
    /// Unit code.
    #[arg(long)]
    org: String,
    /// A year (`2024`) or a term (`2020-2025`).
    #[arg(long, value_parser = parse_period)]
    period: TargetPeriod,
    /// admissions | admissions_per_year | member_ratio (value in %, e.g. `6` or `6,5`).
    #[arg(long, default_value = "admissions", value_parser = parse_kind)]
    kind: TargetKind,
    /// The figure assigned by the superior (`none` clears it).
    #[arg(long, conflicts_with = "registered")]
    assigned: Option<String>,
    /// The figure registered by the unit (`none` clears it).
    #[arg(long)]
    registered: Option<String>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Unit code.
    #[arg(long)]
    org: String,
    /// A year (`2024`) or a term (`2020-2025`).
    #[arg(long, value_parser = parse_period)]
    period: TargetPeriod,
    /// Also list the direct sub-organizations, ranked.
    #[arg(long)]
    children: bool,
    /// Count up to this date (default: today).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// Re-base onto today's structure (merged units' history included) instead of the
    /// structure as it was on each admission's date.
    #[arg(long)]
    rebase: bool,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

fn parse_period(s: &str) -> Result<TargetPeriod, String> {
    TargetPeriod::parse(s).map_err(|v| v.message)
}

fn parse_kind(s: &str) -> Result<TargetKind, String> {
    TargetKind::parse(s).ok_or_else(|| {
        format!("{s:?} is not a target kind (admissions, admissions_per_year, member_ratio)")
    })
}

pub async fn run(store: &Store, c: TargetCommand, actor: &str) -> Result<()> {
    match c {
        TargetCommand::Set(a) => set(store, a, actor).await,
        TargetCommand::List(a) => list(store, a).await,
    }
}

async fn set(store: &Store, a: SetArgs, actor: &str) -> Result<()> {
    let (source, raw) = match (&a.assigned, &a.registered) {
        (Some(v), None) => (TargetSource::Assigned, v),
        (None, Some(v)) => (TargetSource::Registered, v),
        _ => bail!("give exactly one of --assigned N or --registered N"),
    };
    let value = if raw.eq_ignore_ascii_case("none") {
        None
    } else {
        Some(targets::parse_value(a.kind, raw).map_err(|v| anyhow::anyhow!(v.message))?)
    };
    let unit = store.org_required(&a.org).await?;
    let t = store
        .target_set(unit.id, a.kind, a.period, source, value, actor)
        .await?;
    let show = |v: Option<i64>| v.map_or("–".to_string(), |v| targets::value_text(a.kind, v));
    println!(
        "{} {} ({}, {}): giao {}, đăng ký {}",
        unit.code,
        a.period.label_vi(),
        a.kind.label_vi(),
        a.kind.as_str(),
        show(t.assigned),
        show(t.registered)
    );
    Ok(())
}

async fn list(store: &Store, a: ListArgs) -> Result<()> {
    let unit = store.org_required(&a.org).await?;
    let as_of = a.as_of.unwrap_or_else(today);
    let rep = store
        .target_report(unit.id, a.period, as_of, a.children, a.rebase.then(today))
        .await?;
    if a.format == Format::Json {
        return print_json(&rep);
    }
    print_table(&rep);
    Ok(())
}

fn figure(v: Option<i64>) -> String {
    v.map_or("–".into(), vi::number)
}

fn print_table(rep: &TargetReport) {
    let u = &rep.unit;
    println!(
        "{} — {} ({}), đến {}",
        u.org.code,
        u.org.name,
        u.period_label,
        vi_date(rep.as_of)
    );
    println!("  ({})", rep.structure);
    println!(
        "  Chỉ tiêu: giao {}, đăng ký {}",
        figure(u.assigned),
        figure(u.registered)
    );
    println!("  Kết nạp: {}", u.summary);
    if let Some(p) = &u.pace {
        println!("  Tiến độ: {}", p.text);
    }
    if let Some(f) = &u.forecast {
        println!("  Dự báo: {}", f.text);
    }
    for t in &u.other_targets {
        let show = |v: Option<i64>| v.map_or("–".to_string(), |v| targets::value_text(t.kind, v));
        println!(
            "  {}: giao {}, đăng ký {}",
            t.kind.label_vi(),
            show(t.assigned),
            show(t.registered)
        );
    }
    if let Some(p) = &u.per_year {
        println!("  Mỗi năm: {}", p.text);
    }
    if let Some(r) = &u.member_ratio {
        println!("  Tỷ lệ: {}", r.text);
    }
    if !rep.children.is_empty() {
        println!();
        println!(
            "  {:>4}  {:<14} {:<36} {:>8} {:>8} {:>8} {:>9}",
            "Hạng", "Mã", "Đơn vị", "Giao", "Đăng ký", "Kết nạp", "Tỷ lệ"
        );
        for c in &rep.children {
            print_child(c);
        }
    }
    if let Some(r) = &rep.reconciliation {
        println!();
        println!("  Đối chiếu chỉ tiêu giao: {}", r.text);
    }
}

fn print_child(c: &TargetLine) {
    let name: String = c.org.name.chars().take(36).collect();
    println!(
        "  {:>4}  {:<14} {:<36} {:>8} {:>8} {:>8} {:>9}",
        c.rank.map_or("–".into(), |r| r.to_string()),
        c.org.code,
        name,
        figure(c.assigned),
        figure(c.registered),
        vi::number(c.admitted),
        c.rate_precise
    );
}
