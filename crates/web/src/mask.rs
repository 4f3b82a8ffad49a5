//! Che thông tin nhạy cảm — what the API shows of sensitive personal data (CCCD, birth date,
//! ethnicity, religion). This is the one place that decides it.
//!
//! Until sign-in and roles exist (a later issue), the API is open to whoever reaches the server,
//! so it discloses the least: the CCCD with all but its last three digits hidden, the birth
//! year instead of the date, and no ethnicity or religion. When roles arrive, [`Disclosure`]
//! is chosen from the signed-in user's role here, and the views below follow it.

use chrono::Datelike;
use ketnap_domain::Date;
use ketnap_domain::sensitive::Sensitive;

/// How much sensitive data a response may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disclosure {
    /// Masked CCCD, birth year only, no ethnicity or religion.
    Masked,
}

impl Disclosure {
    /// The disclosure for the current request (no roles yet: always masked).
    pub fn current() -> Self {
        Disclosure::Masked
    }

    /// The CCCD as shown: `*********345`.
    pub fn cccd(self, cccd: &Sensitive<String>) -> String {
        match self {
            Disclosure::Masked => {
                let s = cccd.expose();
                let n = s.chars().count();
                let keep = 3.min(n);
                let tail: String = s.chars().skip(n - keep).collect();
                format!("{}{tail}", "*".repeat(n - keep))
            }
        }
    }

    /// The birth date as shown: the year only.
    pub fn birth_year(self, birth: &Sensitive<Date>) -> i32 {
        match self {
            Disclosure::Masked => birth.expose().year(),
        }
    }

    /// Names of the fields left out of person views.
    pub fn withheld(self) -> &'static [&'static str] {
        match self {
            Disclosure::Masked => &["birth_date", "ethnic_group", "religion"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cccd_keeps_last_three_digits() {
        let c = Sensitive::new("010301012345".to_string());
        assert_eq!(Disclosure::Masked.cccd(&c), "*********345");
        assert_eq!(Disclosure::Masked.cccd(&Sensitive::new("12".into())), "12");
    }
}
