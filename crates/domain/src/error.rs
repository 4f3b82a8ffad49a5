//! Domain errors: every refusal names the field, the rule and the facts.

use serde::Serialize;

/// One broken rule: which field, which rule (a stable id), and a message with the facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub field: String,
    pub rule: &'static str,
    pub message: String,
}

impl Violation {
    pub fn new(field: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} [{}]", self.field, self.message, self.rule)
    }
}

/// What the domain refuses.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    #[error("{}", join(.0))]
    Invalid(Vec<Violation>),
}

fn join(v: &[Violation]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<Violation> for DomainError {
    fn from(v: Violation) -> Self {
        DomainError::Invalid(vec![v])
    }
}

impl DomainError {
    pub fn violations(&self) -> &[Violation] {
        match self {
            DomainError::Invalid(v) => v,
        }
    }
}
