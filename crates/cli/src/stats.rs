//! `ketnap stats`: counts as of a date.

use anyhow::Result;
use clap::Args;
use ketnap_domain::Date;
use ketnap_store::Store;

use crate::output::{Format, parse_date, print_json, today, vi_date};

#[derive(Args, Debug)]
pub struct StatsArgs {
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub async fn run(store: &Store, a: StatsArgs) -> Result<()> {
    let on = a.as_of.unwrap_or_else(today);
    let s = store.stats(on).await?;
    if a.format == Format::Json {
        return print_json(&s);
    }
    println!("As of {}", vi_date(on));
    for (title, rows) in [
        ("Units by kind", &s.units_by_kind),
        ("Localities by kind", &s.localities_by_kind),
        ("People by status", &s.people_by_status),
    ] {
        println!("{title}:");
        for (k, n) in rows {
            println!("  {k:<24} {n:>10}");
        }
    }
    println!("People on record: {}", s.people_total);
    Ok(())
}
