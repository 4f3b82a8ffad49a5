//! ketnap's persistence: SQLite (embedded default) and PostgreSQL (server) behind one
//! [`Store`]. The SQL lives once in [`engine`] and is compiled for both drivers.

pub mod aggregates;
pub mod batch;
mod calendar_cache;
pub mod db;
pub mod engine;
pub mod error;
pub mod model;
pub mod testing;

pub use db::{Backend, Db};
pub use error::{Result, StoreError};
pub use model::*;

use ketnap_domain::Date;
use ketnap_domain::org::{Operation, OrgId};

/// Calls `engine::<backend>::$path(pool, args…)` on the store's engine.
macro_rules! dispatch {
    ($self:expr, $($path:ident)::+ ( $($arg:expr),* $(,)? )) => {
        match &$self.db {
            Db::Sqlite(p) => engine::sqlite::$($path)::+(p, $($arg),*).await,
            Db::Postgres(p) => engine::postgres::$($path)::+(p, $($arg),*).await,
        }
    };
}

/// The persistence facade used by the CLI and the web layer.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    /// SQLite's background checkpoints, stopped by [`Store::close`] or when the last clone of
    /// the store is dropped.
    checkpoints: Option<std::sync::Arc<db::Checkpoints>>,
    /// Read admissions and recognitions from the facts only, not from the pre-aggregates
    /// (the baseline of benchmarks and of the exactness tests).
    facts_only: bool,
}

impl Store {
    /// Connects to `sqlite://PATH` or `postgres://…` and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        let store = Self {
            checkpoints: db.start_checkpoints().map(std::sync::Arc::new),
            db,
            facts_only: false,
        };
        dispatch!(store, aggregates::run_pending_rebuild())?;
        Ok(store)
    }

    /// The same store reading admissions and recognitions from the facts only (plain SQL over
    /// the status spells of the subtree), never from the pre-aggregates: the baseline.
    pub fn facts_only(&self) -> Store {
        Store {
            db: self.db.clone(),
            checkpoints: self.checkpoints.clone(),
            facts_only: true,
        }
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Stops the checkpoint task, then closes the pool (on SQLite the last connection to close
    /// folds the write-ahead log into the file and deletes it).
    pub async fn close(&self) {
        if let Some(c) = &self.checkpoints {
            c.stop().await;
        }
        self.db.close().await
    }

    // ---- organizations -------------------------------------------------------------------

    pub async fn org_by_code(&self, code: &str) -> Result<Option<OrgRecord>> {
        dispatch!(self, org::by_code(code))
    }

    /// A unit by code, or `NotFound`.
    pub async fn org_required(&self, code: &str) -> Result<OrgRecord> {
        self.org_by_code(code)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "organization",
                key: code.to_string(),
            })
    }

    pub async fn org_by_id(&self, id: OrgId) -> Result<Option<OrgRecord>> {
        dispatch!(self, org::by_id(id))
    }

    pub async fn org_roots(&self, as_of: Date) -> Result<Vec<OrgId>> {
        dispatch!(self, org::roots(as_of))
    }

    /// The tree under `root` on `as_of`, at most `max_depth` levels deep.
    pub async fn org_subtree(
        &self,
        root: OrgId,
        as_of: Date,
        max_depth: i32,
    ) -> Result<Vec<TreeNode>> {
        dispatch!(self, org::subtree(root, as_of, max_depth))
    }

    pub async fn org_subtree_count(&self, root: OrgId, as_of: Date) -> Result<i64> {
        dispatch!(self, org::subtree_count(root, as_of))
    }

    /// Baseline for benchmarks: the same count by recursion over parent links.
    pub async fn org_subtree_count_recursive(&self, root: OrgId, as_of: Date) -> Result<i64> {
        dispatch!(self, org::subtree_count_recursive(root, as_of))
    }

    pub async fn org_history(&self, id: OrgId) -> Result<Option<OrgHistory>> {
        dispatch!(self, org::history(id))
    }

    /// Checks and applies a structure operation; returns the ids of units it created.
    pub async fn org_apply(&self, op: &Operation, actor: &str) -> Result<Vec<OrgId>> {
        dispatch!(self, org::apply(op, actor))
    }

    // ---- statistics -----------------------------------------------------------------------

    /// Units by kind, localities by kind and people by status on `on`.
    pub async fn stats(&self, on: Date) -> Result<Stats> {
        dispatch!(self, stats::stats(on))
    }

    // ---- web: health and first-run checks (engine/web_queries.rs) ------------------------

    /// One round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<()> {
        dispatch!(self, web_queries::ping())
    }

    /// Whether any organization unit was ever recorded (an empty database offers demo data).
    pub async fn has_units(&self) -> Result<bool> {
        dispatch!(self, web_queries::has_units())
    }

    // ---- audit ----------------------------------------------------------------------------

    pub async fn audit_recent(
        &self,
        entity: Option<(&str, &str)>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        dispatch!(self, audit::recent(entity, limit))
    }
}

// Localities, people and import batches: a second `impl Store` (uses `dispatch!` above).
mod localities_people;

// The admission pipeline: cases, events, courses, calendar, due list — another `impl Store`
// (SQL in engine/pipeline.rs, pipeline_read.rs, courses.rs, holidays.rs).
pub mod pipeline_api;

// Targets, achievement, pace, forecast and ranking (issue C items 1–3): another `impl Store`
// (SQL in engine/targets.rs).
pub mod targets_api;

// Reports (issue C items 4–6): breakdowns, membership, coverage — another `impl Store`
// (SQL in engine/reports.rs).
pub mod reports_api;

// Bulk load of whole datasets: a third `impl Store` (SQL in engine/bulk.rs).
pub mod bulk;

// Sign-in, sessions, API tokens, lockout, subtree checks, dossier views (issue D): another
// `impl Store` (SQL in engine/auth.rs).
pub mod auth_api;

// Backup and restore, saved import mappings, targets import (issue E): another `impl Store`
// (SQL in engine/backup.rs and engine/imports.rs).
pub mod exchange_api;
