//! Sensitive personal data (CCCD, religion, ethnicity, birth date): a wrapper whose `Debug` and
//! `Display` never show the value, so it cannot reach a log by accident.

use serde::{Deserialize, Serialize};

/// A value that must not be logged. Read it deliberately with [`Sensitive::expose`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(v: T) -> Self {
        Self(v)
    }
    /// The value itself: call sites that use it are few and reviewed.
    pub fn expose(&self) -> &T {
        &self.0
    }
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> std::fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The fields of a person (and the CSV columns of the same names) that hold sensitive personal
/// data: a message about one of them names the row, the field and the rule, never the value.
pub const SENSITIVE_FIELDS: [&str; 4] = ["cccd", "birth_date", "ethnic_group", "religion"];

/// Whether a field or column holds sensitive personal data ([`SENSITIVE_FIELDS`]).
pub fn is_sensitive_field(name: &str) -> bool {
    SENSITIVE_FIELDS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn never_printed() {
        let s = Sensitive::new("015090001234".to_string());
        assert_eq!(format!("{s:?} {s}"), "<redacted> <redacted>");
        assert_eq!(s.expose(), "015090001234");
        assert!(is_sensitive_field("religion") && is_sensitive_field("cccd"));
        assert!(!is_sensitive_field("full_name"));
    }
}
