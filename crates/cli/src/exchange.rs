//! `ketnap import` / `ketnap export`: CSV files of organizations, localities and people
//! (format: docs/import-format.md).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ketnap_domain::Date;
use ketnap_exchange::{ExchangeError, ImportOptions, Kind, Progress};
use ketnap_store::Store;

use crate::output::{Format, parse_date, print_json, today};

/// How many bad rows are printed; the rest are counted.
const MAX_ERRORS_SHOWN: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Organization units: code,name,kind,sector,parent_code,valid_from[,valid_to].
    Orgs,
    /// Localities: code,name,kind,commune_code,valid_from,… (population, serving branch).
    Localities,
    /// People: cccd,full_name,sex,birth_date,… and the current status and branch.
    People,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Orgs => Kind::Orgs,
            KindArg::Localities => Kind::Localities,
            KindArg::People => Kind::People,
        }
    }
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    kind: KindArg,
    /// The CSV file (UTF-8, with or without BOM).
    file: PathBuf,
    /// Check every row and report what would be created or updated; write nothing.
    #[arg(long)]
    dry_run: bool,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// What to export.
    #[arg(value_enum)]
    kind: KindArg,
    /// Only this unit's subtree (orgs: with its superiors, so the file imports on its own).
    #[arg(long)]
    org: Option<String>,
    /// The date of the view (default: today).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// Write to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// A progress bar on a terminal (standard error); hidden otherwise.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Bar(ProgressBar::with_draw_target(None, target))
    }
}

impl Progress for Bar {
    fn phase(&self, name: &str, len: u64) {
        let template = if len > 0 {
            "{msg:16} [{bar:40}] {pos}/{len} ({eta})"
        } else {
            "{spinner} {msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.0.set_style(style.progress_chars("=> "));
        }
        self.0.set_message(name.to_string());
        self.0.set_position(0);
        if len > 0 {
            self.0.set_length(len);
        } else {
            self.0
                .enable_steady_tick(std::time::Duration::from_millis(120));
        }
    }

    fn inc(&self, n: u64) {
        self.0.inc(n);
    }
}

pub async fn import(store: &Store, a: ImportArgs, actor: &str) -> Result<()> {
    let data =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let opts = ImportOptions {
        dry_run: a.dry_run,
        actor: actor.to_string(),
        source: a.file.display().to_string(),
    };
    let bar = Bar::new();
    let result = ketnap_exchange::import(store, a.kind.into(), &data, &opts, &bar).await;
    bar.0.finish_and_clear();
    match result {
        Ok(r) => {
            if a.format == Format::Json {
                return print_json(&r);
            }
            let outcome = if r.dry_run {
                "dry run: nothing written"
            } else if r.written {
                "written"
            } else {
                "nothing to change"
            };
            println!(
                "{}: {} rows — created {}, updated {}, unchanged {} ({outcome})",
                r.kind, r.rows, r.created, r.updated, r.unchanged
            );
            Ok(())
        }
        Err(ExchangeError::Invalid(errors)) => {
            let mut err = std::io::stderr().lock();
            for e in errors.iter().take(MAX_ERRORS_SHOWN) {
                writeln!(err, "{}: {e}", a.file.display())?;
            }
            if errors.len() > MAX_ERRORS_SHOWN {
                writeln!(err, "… and {} more", errors.len() - MAX_ERRORS_SHOWN)?;
            }
            let rows = {
                let mut r: Vec<usize> = errors.iter().map(|e| e.row).collect();
                r.dedup();
                r.len()
            };
            bail!(
                "{} error(s) in {rows} row(s) of {}; nothing was written",
                errors.len(),
                a.file.display()
            )
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export(store: &Store, a: ExportArgs) -> Result<()> {
    let as_of = a.as_of.unwrap_or_else(today);
    let kind: Kind = a.kind.into();
    match &a.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let n = ketnap_exchange::export(
                store,
                kind,
                a.org.as_deref(),
                as_of,
                std::io::BufWriter::new(file),
            )
            .await?;
            eprintln!("{}: {n} rows written to {}", kind.as_str(), path.display());
        }
        None => {
            let out = std::io::stdout();
            ketnap_exchange::export(store, kind, a.org.as_deref(), as_of, out).await?;
        }
    }
    Ok(())
}
