//! ketnap's domain: the vocabulary and rules of *công tác phát triển đảng viên* (party-member
//! development), free of I/O. Everything that changes over time carries a half-open effective
//! [`Period`]; structure changes are [`org::Operation`]s with lineage, never edits.
//!
//! The glossary of `domain.md` is the vocabulary: English names in code, the Vietnamese term in
//! the first doc comment.

pub mod access;
pub mod calendar;
pub mod dataset;
pub mod dates;
pub mod error;
pub mod locality;
pub mod org;
pub mod person;
pub mod pipeline;
pub mod reports;
pub mod sensitive;
pub mod targets;
pub mod text;

pub use dates::{Date, Period};
pub use error::{DomainError, Violation};
