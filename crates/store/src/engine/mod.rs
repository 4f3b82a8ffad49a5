//! The SQL of ketnap, written once and compiled for each engine.
//!
//! Each file here is plain Rust that refers to the engine as `DB` and `BACKEND`; the
//! [`engine!`] macro includes every file into one module per engine (`sqlite`, `postgres`), so
//! one text serves both and the compiler checks it against both drivers. Where the engines need
//! different SQL (bulk paths: multi-row INSERT vs COPY), the code branches on `BACKEND`.

pub use crate::db::Backend;

/// Builds `$k,$k+1,…` placeholders for `n` values starting at `start` (1-based).
pub fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Builds `($1,$2,$3),($4,$5,$6),…` for `rows` rows of `cols` values.
pub fn row_placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", placeholders(r * cols + 1, cols)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The `VALUES` list of a multi-row INSERT whose only parameters are its rows: `(?,?),(?,?)` on
/// SQLite, where sqlx binds a nameless `?` in constant time but looks every `$N` up by name
/// in a linear list (quadratic in the statement's values), and `($1,$2),($3,$4)` on PostgreSQL.
pub fn values_list(backend: Backend, rows: usize, cols: usize) -> String {
    match backend {
        Backend::Sqlite => {
            let row = format!("({})", vec!["?"; cols].join(","));
            vec![row; rows].join(",")
        }
        Backend::Postgres => row_placeholders(rows, cols),
    }
}

/// SQLite allows 32 766 bound values per statement; PostgreSQL 65 535. Batches stay below both
/// (with nameless parameters on SQLite: [`values_list`]).
pub const MAX_BINDS: usize = 30_000;

macro_rules! engine {
    ($name:ident, $db:ty, $backend:expr) => {
        pub mod $name {
            #![allow(clippy::too_many_arguments)]
            pub type DB = $db;
            pub const BACKEND: super::Backend = $backend;
            pub mod audit {
                use super::*;
                include!("audit.rs");
            }
            pub mod writes {
                use super::*;
                include!("writes.rs");
            }
            pub mod org {
                use super::*;
                include!("org.rs");
            }
            pub mod bulk {
                use super::*;
                include!("bulk.rs");
            }
            pub mod stats {
                use super::*;
                include!("stats.rs");
            }
            pub mod locality {
                use super::*;
                include!("locality.rs");
            }
            pub mod person {
                use super::*;
                include!("person.rs");
            }
            pub mod exchange {
                use super::*;
                include!("exchange.rs");
            }
            pub mod pipeline {
                use super::*;
                include!("pipeline.rs");
            }
            pub mod pipeline_read {
                use super::*;
                include!("pipeline_read.rs");
            }
            pub mod courses {
                use super::*;
                include!("courses.rs");
            }
            pub mod holidays {
                use super::*;
                include!("holidays.rs");
            }
            pub mod targets {
                use super::*;
                include!("targets.rs");
            }
            pub mod reports {
                use super::*;
                include!("reports.rs");
            }
            pub mod aggregates {
                use super::*;
                include!("aggregates.rs");
            }
            pub mod case_agg {
                use super::*;
                include!("case_agg.rs");
            }
            pub mod coverage_agg {
                use super::*;
                include!("coverage_agg.rs");
            }
            pub mod web_queries {
                use super::*;
                include!("web_queries.rs");
            }
            pub mod auth {
                use super::*;
                include!("auth.rs");
            }
            pub mod backup {
                use super::*;
                include!("backup.rs");
            }
            pub mod imports {
                use super::*;
                include!("imports.rs");
            }
        }
    };
}

engine!(sqlite, sqlx::Sqlite, super::Backend::Sqlite);
engine!(postgres, sqlx::Postgres, super::Backend::Postgres);
