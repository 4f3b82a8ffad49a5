//! `ketnap backup FILE` / `ketnap restore FILE` (docs/deployment.md): a logical dump of every
//! table from one consistent snapshot, taken while the server runs, and its restore into an
//! empty database of the same engine.

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use ketnap_domain::text::vi;
use ketnap_store::Store;

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// Where to write the dump (JSON lines). Written to FILE.partial, then renamed: a backup
    /// cut short never has the final name.
    file: PathBuf,
    /// SQLite only: write a copy of the database file instead (`VACUUM INTO`), usable as
    /// `--db sqlite://FILE` directly.
    #[arg(long)]
    sqlite_file: bool,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A dump written by `ketnap backup` (same engine, same ketnap version).
    file: PathBuf,
}

pub async fn backup(store: &Store, a: BackupArgs) -> Result<()> {
    if a.file.exists() {
        bail!("{} exists: choose a new file name", a.file.display());
    }
    let mut partial = a.file.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    if a.sqlite_file {
        store.backup_sqlite_file(&partial).await?;
        std::fs::rename(&partial, &a.file)?;
        eprintln!("database file copied to {}", a.file.display());
        return Ok(());
    }
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let mut out = BufWriter::new(file);
    let summary = store.backup(&mut out).await?;
    let file = out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&partial, &a.file)?;
    eprintln!(
        "{} rows of {} tables written to {}",
        vi::number(summary.rows as i64),
        summary.tables.len(),
        a.file.display()
    );
    Ok(())
}

pub async fn restore(store: &Store, a: RestoreArgs) -> Result<()> {
    let file = std::fs::File::open(&a.file)
        .with_context(|| format!("cannot read {}", a.file.display()))?;
    let mut input = BufReader::new(file);
    let summary = store.restore(&mut input).await?;
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "{} rows of {} tables restored from {}",
        vi::number(summary.rows as i64),
        summary.tables.len(),
        a.file.display()
    )?;
    Ok(())
}
