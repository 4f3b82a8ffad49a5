//! Che thông tin nhạy cảm — what the API shows of sensitive personal data (CCCD, birth date,
//! ethnicity, religion). This is the one place that applies it; which roles see what is decided
//! in the domain ([`ketnap_domain::access::masked_fields`]): the people who keep the dossier
//! (branch secretaries, committee staff) see the fields, everyone else sees them masked.

use chrono::Datelike;
use ketnap_domain::Date;
use ketnap_domain::access::{Role, masked_fields};
use ketnap_domain::sensitive::Sensitive;

/// How much sensitive data a response may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disclosure {
    /// Masked CCCD, birth year only, no ethnicity or religion.
    Masked,
    /// Everything (the dossier's keepers).
    Full,
}

impl Disclosure {
    /// The disclosure for a role.
    pub fn for_role(role: Role) -> Self {
        if masked_fields(role).is_empty() {
            Disclosure::Full
        } else {
            Disclosure::Masked
        }
    }

    /// The CCCD as shown: in full, or `*********345`.
    pub fn cccd(self, cccd: &Sensitive<String>) -> String {
        match self {
            Disclosure::Full => cccd.expose().clone(),
            Disclosure::Masked => {
                let s = cccd.expose();
                let n = s.chars().count();
                let keep = 3.min(n);
                let tail: String = s.chars().skip(n - keep).collect();
                format!("{}{tail}", "*".repeat(n - keep))
            }
        }
    }

    /// The birth year (shown at every level).
    pub fn birth_year(self, birth: &Sensitive<Date>) -> i32 {
        birth.expose().year()
    }

    /// The birth date, when shown.
    pub fn birth_date(self, birth: &Sensitive<Date>) -> Option<Date> {
        (self == Disclosure::Full).then(|| *birth.expose())
    }

    /// Names of the fields left out of person views.
    pub fn withheld(self) -> &'static [&'static str] {
        match self {
            Disclosure::Masked => &["birth_date", "ethnic_group", "religion"],
            Disclosure::Full => &[],
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
        assert_eq!(Disclosure::Full.cccd(&c), "010301012345");
    }

    #[test]
    fn roles_choose_the_disclosure() {
        assert_eq!(
            Disclosure::for_role(Role::BranchSecretary),
            Disclosure::Full
        );
        assert_eq!(Disclosure::for_role(Role::CommitteeStaff), Disclosure::Full);
        assert_eq!(Disclosure::for_role(Role::Viewer), Disclosure::Masked);
        assert_eq!(Disclosure::for_role(Role::Admin), Disclosure::Masked);
    }
}
