//! People (one record per person) and their party status over time.

pub mod attributes;
pub mod cccd;
mod status;

pub use attributes::{
    EthnicGroup, GeneralEducation, Occupation, PoliticalTheory, ProfessionalQualification,
    Religion, Sex,
};
pub use cccd::{Cccd, validate_cccd};
pub use status::{PartyStatus, StatusSpell, check_spells};

use serde::{Deserialize, Serialize};

use crate::dates::Date;
use crate::error::{DomainError, Violation};
use crate::sensitive::Sensitive;

/// Surrogate key of a person.
pub type PersonId = i64;

/// A person known to ketnap: a candidate, a member, a mentor or an introducer. The fields are
/// those the official statistics break down by (domain spec §5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    /// Số định danh cá nhân / CCCD — 12-digit citizen ID, when known.
    pub cccd: Option<Sensitive<String>>,
    pub full_name: String,
    pub sex: Sex,
    pub birth_date: Sensitive<Date>,
    /// Dân tộc — ethnic group, one of the 54.
    pub ethnic_group: Sensitive<EthnicGroup>,
    /// Tôn giáo — religion.
    pub religion: Sensitive<Religion>,
    /// Trình độ giáo dục phổ thông — general education.
    pub education: GeneralEducation,
    /// Trình độ chuyên môn — professional qualification.
    pub qualification: ProfessionalQualification,
    /// Lý luận chính trị — political theory.
    pub political_theory: PoliticalTheory,
    /// Nghề nghiệp / lĩnh vực — occupation or sector.
    pub occupation: Occupation,
    /// Đoàn viên — Youth Union member.
    pub youth_union: bool,
    /// Nơi cư trú — residence locality.
    pub residence_locality: Option<i64>,
}

impl Person {
    /// Checks the record: name, CCCD against sex and birth date, plausible birth date.
    pub fn validate(&self, today: Date) -> Result<(), DomainError> {
        let mut errs: Vec<Violation> = vec![];
        let name = self.full_name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            errs.push(Violation::new(
                "full_name",
                "person.name.format",
                "full name must be 1–120 characters",
            ));
        } else if name.chars().any(|c| c.is_ascii_digit() || c.is_control()) {
            errs.push(Violation::new(
                "full_name",
                "person.name.format",
                "full name must not contain digits or control characters",
            ));
        }
        let birth = *self.birth_date.expose();
        if birth > today {
            errs.push(Violation::new(
                "birth_date",
                "person.birth_date.future",
                "birth date is in the future",
            ));
        } else if crate::dates::months_between(birth, today) > 130 * 12 {
            errs.push(Violation::new(
                "birth_date",
                "person.birth_date.plausible",
                "birth date is more than 130 years ago",
            ));
        }
        if let Some(c) = &self.cccd
            && let Err(e) = validate_cccd(c.expose(), self.sex, birth)
        {
            errs.extend(e);
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(errs))
        }
    }

    /// The family name (họ), middle names (tên đệm) and given name (tên).
    pub fn name_parts(&self) -> (&str, String, &str) {
        crate::text::name_parts(&self.full_name)
    }
}

/// Whether `s` looks like a CCCD (12 digits) rather than a name, for search boxes.
pub fn looks_like_cccd(s: &str) -> bool {
    let s = s.trim();
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    pub(crate) fn sample() -> Person {
        Person {
            id: 1,
            cccd: Some(Sensitive::new("010301012345".into())),
            full_name: "Lò Thị Mai".into(),
            sex: Sex::Female,
            birth_date: Sensitive::new(NaiveDate::from_ymd_opt(2001, 4, 9).unwrap_or_default()),
            ethnic_group: Sensitive::new(EthnicGroup::parse("03").unwrap_or_default()),
            religion: Sensitive::new(Religion::None),
            education: GeneralEducation::UpperSecondary,
            qualification: ProfessionalQualification::College,
            political_theory: PoliticalTheory::None,
            occupation: Occupation::Farmer,
            youth_union: true,
            residence_locality: None,
        }
    }

    #[test]
    fn valid_person_passes() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default();
        assert_eq!(sample().validate(today), Ok(()));
    }

    #[test]
    fn cccd_sex_mismatch_names_the_digit() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default();
        let mut p = sample();
        p.sex = Sex::Male;
        let e = p.validate(today).unwrap_err();
        let v = &e.violations()[0];
        assert_eq!((v.field.as_str(), v.rule), ("cccd", "cccd.sex_century"));
        assert!(v.message.contains("4th digit"), "{}", v.message);
        // The error message never carries the CCCD itself.
        assert!(!v.message.contains("010301012345"));
    }

    #[test]
    fn debug_redacts_sensitive_fields() {
        let s = format!("{:?}", sample());
        assert!(!s.contains("010301012345"));
        assert!(!s.contains("2001"));
        assert!(s.contains("Lò Thị Mai"));
    }
}
