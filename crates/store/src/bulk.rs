//! Bulk load of a whole dataset (demo data, benchmarks) into an empty database: the [`Store`]
//! facade and its audit description. The SQL (multi-row INSERT on SQLite, COPY on PostgreSQL)
//! is in `engine/bulk.rs`.

use ketnap_domain::dataset::{Batch, TableCounts};

use crate::{Db, Result, Store, engine};

/// What a producer sends to [`Store::load_dataset`]: rows, then `End` once everything was
/// sent. A feed that stops without `End` (the producer failed) loads nothing.
#[derive(Clone, Debug)]
pub enum Feed {
    Rows(Batch),
    End,
}

/// How the load is recorded in the audit trail (one row; `detail` gets the row counts added).
/// Never put personal data in it.
#[derive(Clone, Debug)]
pub struct BulkAudit {
    pub actor: String,
    /// e.g. `demo.load`.
    pub action: String,
    /// e.g. `small/seed=1`.
    pub entity_key: String,
    /// A JSON object (e.g. scale and seed).
    pub detail: serde_json::Value,
}

impl Store {
    /// Loads the batches received from `feed` (explicit ids, as produced) into an empty
    /// database, in one transaction committed when [`Feed::End`] arrives; refuses a database
    /// that already holds organizations, localities or people. `progress` gets the rows loaded
    /// so far after each batch.
    pub async fn load_dataset(
        &self,
        feed: tokio::sync::mpsc::Receiver<Feed>,
        audit: &BulkAudit,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<TableCounts> {
        dispatch!(self, bulk::load(feed, audit, progress))
    }
}
