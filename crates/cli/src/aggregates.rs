//! `ketnap aggregates verify|rebuild`: the pre-aggregated admissions and recognitions
//! (docs/decisions.md §14) against a recomputation from the facts.

use anyhow::{Result, bail};
use clap::Subcommand;
use ketnap_domain::text::vi;
use ketnap_store::Store;

use crate::output::{Format, print_json};

#[derive(Subcommand, Debug)]
pub enum AggregatesCommand {
    /// Recompute the counts from the facts and compare; exits with an error when any differs.
    Verify {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Recompute the counts from the facts and replace the table (one transaction, audited).
    Rebuild,
}

pub async fn run(store: &Store, c: AggregatesCommand, actor: &str) -> Result<()> {
    match c {
        AggregatesCommand::Verify { format } => {
            let check = store.verify_aggregates(20).await?;
            if format == Format::Json {
                print_json(&check)?;
            } else {
                println!(
                    "{} counts recomputed from the facts; {} differ from report_agg",
                    vi::number(check.compared as i64),
                    vi::number(check.diffs.len() as i64)
                );
                for (org, kind, period, row, stored, expected) in &check.diffs {
                    println!(
                        "  unit {org} {kind} {period} {row}: stored {stored}, recomputed {expected}"
                    );
                }
            }
            if !check.diffs.is_empty() {
                bail!("the pre-aggregates differ from the facts: run `ketnap aggregates rebuild`");
            }
            Ok(())
        }
        AggregatesCommand::Rebuild => {
            let n = store.rebuild_aggregates(actor).await?;
            println!("report_agg rebuilt: {} rows", vi::number(n as i64));
            Ok(())
        }
    }
}
