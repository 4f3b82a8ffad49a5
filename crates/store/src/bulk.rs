//! Bulk load of a whole dataset (demo data, benchmarks) into an empty database: the [`Store`]
//! facade and its audit description. The SQL (multi-row INSERT on SQLite, COPY on PostgreSQL)
//! is in `engine/bulk.rs`.

use ketnap_domain::dataset::{Batch, TableCounts};

use crate::{Db, Result, Store, engine};

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
    /// Loads the batches received from `batches` (explicit ids, as produced) into an empty
    /// database, in one transaction; refuses a database that already holds organizations,
    /// localities or people. `progress` gets the rows loaded so far after each batch.
    pub async fn load_dataset(
        &self,
        batches: tokio::sync::mpsc::Receiver<Batch>,
        audit: &BulkAudit,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<TableCounts> {
        dispatch!(self, bulk::load(batches, audit, progress))
    }
}
