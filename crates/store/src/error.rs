//! Store errors: a refused rule (from the domain) or a database failure.

use ketnap_domain::{DomainError, Violation};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The domain refused the change; nothing was written.
    #[error(transparent)]
    Rule(#[from] DomainError),
    /// Something named does not exist.
    #[error("{what} {key} not found")]
    NotFound { what: &'static str, key: String },
    /// The database URL is not one ketnap understands.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    BadUrl(String),
    /// Stored data that does not decode (a corrupt or foreign database).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The admission rules refused the event (rule id, regulation, article, facts, messages in
    /// Vietnamese and English); nothing was written. Displayed as the rule ids only: the
    /// messages carry facts of the dossier, rendered by the CLI and the web, never logged.
    #[error("refused by rule(s) {}", refusal_ids(.0))]
    Refused(Vec<ketnap_domain::pipeline::Refusal>),
    /// The record changed since the caller read it (optimistic locking); nothing was written.
    #[error(
        "{what} {key} was changed by {by} at {at} (version {actual}, you had version {expected}): reload it and try again"
    )]
    Conflict {
        what: &'static str,
        key: String,
        expected: i64,
        actual: i64,
        by: String,
        at: chrono::DateTime<chrono::Utc>,
    },
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<Violation> for StoreError {
    fn from(v: Violation) -> Self {
        StoreError::Rule(v.into())
    }
}

fn refusal_ids(r: &[ketnap_domain::pipeline::Refusal]) -> String {
    r.iter().map(|x| x.rule_id).collect::<Vec<_>>().join(", ")
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Decodes a stored code with `parse`, or reports corrupt data.
pub(crate) fn decode<T>(what: &str, s: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} {s:?}")))
}
