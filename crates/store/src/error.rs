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

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Decodes a stored code with `parse`, or reports corrupt data.
pub(crate) fn decode<T>(what: &str, s: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} {s:?}")))
}
