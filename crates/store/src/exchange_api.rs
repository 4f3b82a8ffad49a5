//! Backup and restore, saved import mappings and the targets import (issue E): the `impl Store`
//! over `engine/backup.rs` and `engine/imports.rs`.

use std::io::{BufRead, Write};

use ketnap_domain::org::OrgId;
use ketnap_domain::targets::{TargetKind, TargetPeriod};

use crate::engine;
use crate::{Db, Result, Store, StoreError};

/// The `format` of a ketnap dump's header line.
pub const DUMP_FORMAT: &str = "ketnap-dump";
/// The version of the dump format.
pub const DUMP_VERSION: i64 = 1;

/// What a dump or a restore handled.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DumpSummary {
    /// Rows per table, by table name.
    pub tables: Vec<(String, u64)>,
    pub rows: u64,
}

/// One row of a targets file: `None` keeps the recorded figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetRow {
    pub row: usize,
    pub org: OrgId,
    pub kind: TargetKind,
    pub period: TargetPeriod,
    pub assigned: Option<i64>,
    pub registered: Option<i64>,
}

/// A saved column mapping of a spreadsheet import.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SavedMapping {
    pub kind: String,
    pub name: String,
    /// ketnap column → the file's header, as JSON text.
    pub mapping: String,
    pub updated_by: String,
    pub updated_at: i64,
}

impl Store {
    /// Writes a logical dump of every table from one consistent snapshot (SQLite: a read
    /// transaction in WAL mode; PostgreSQL: REPEATABLE READ READ ONLY), while others write.
    pub async fn backup(&self, out: &mut (dyn Write + Send)) -> Result<DumpSummary> {
        dispatch!(self, backup::dump(out))
    }

    /// Restores a dump of [`Store::backup`] into this database, which must be empty (freshly
    /// migrated) and on the same engine and migrations; one transaction.
    pub async fn restore(&self, input: &mut (dyn BufRead + Send)) -> Result<DumpSummary> {
        dispatch!(self, backup::restore(input))
    }

    /// SQLite only: a copy of the database file taken with `VACUUM INTO` (a consistent
    /// snapshot, usable as the database itself). `path` must not exist.
    pub async fn backup_sqlite_file(&self, path: &std::path::Path) -> Result<()> {
        let Db::Sqlite(pool) = &self.db else {
            return Err(StoreError::Corrupt(
                "a database-file backup is for SQLite; PostgreSQL writes a dump (docs/deployment.md)".into(),
            ));
        };
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Corrupt("the backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Every table's rows as text lines in key order (tests compare databases with it).
    pub async fn table_rows(&self) -> Result<Vec<(String, Vec<String>)>> {
        dispatch!(self, backup::table_rows())
    }

    pub async fn mapping_save(
        &self,
        kind: &str,
        name: &str,
        mapping: &str,
        actor: &str,
    ) -> Result<()> {
        dispatch!(self, imports::mapping_save(kind, name, mapping, actor))
    }

    pub async fn mapping_get(&self, kind: &str, name: &str) -> Result<Option<String>> {
        dispatch!(self, imports::mapping_get(kind, name))
    }

    pub async fn mappings(&self) -> Result<Vec<SavedMapping>> {
        let rows = dispatch!(self, imports::mappings())?;
        Ok(rows
            .into_iter()
            .map(
                |(kind, name, mapping, updated_by, updated_at)| SavedMapping {
                    kind,
                    name,
                    mapping,
                    updated_by,
                    updated_at,
                },
            )
            .collect())
    }

    /// Sets targets from a file in one transaction: (created, updated, unchanged).
    pub async fn targets_import(
        &self,
        rows: &[TargetRow],
        source: &str,
        actor: &str,
        dry_run: bool,
    ) -> Result<(usize, usize, usize)> {
        for t in rows {
            for v in [t.assigned, t.registered].into_iter().flatten() {
                ketnap_domain::targets::check_value(t.kind, v)
                    .map_err(|v| StoreError::Rule(ketnap_domain::DomainError::Invalid(vec![v])))?;
            }
        }
        dispatch!(self, imports::targets_import(rows, source, actor, dry_run))
    }
}
