//! Localities (địa bàn): villages, residential groups, schools, health stations, enterprises…
//! inside a commune, with population by year and the branch that serves each.

use serde::{Deserialize, Serialize};

use crate::dates::Period;
use crate::error::Violation;
use crate::org::{OrgKind, Sector};

/// Surrogate key of a locality.
pub type LocalityId = i64;

crate::code_enum!(
    /// Loại địa bàn — kind of locality.
    LocalityKind {
        /// Thôn, bản, ấp, buôn, làng.
        Village = "village" / "Thôn, bản",
        /// Tổ dân phố, tiểu khu, khu phố.
        ResidentialGroup = "residential_group" / "Tổ dân phố, tiểu khu",
        /// Trường học.
        School = "school" / "Trường học",
        /// Trạm y tế.
        HealthStation = "health_station" / "Trạm y tế",
        /// Doanh nghiệp tư nhân.
        PrivateEnterprise = "private_enterprise" / "Doanh nghiệp tư nhân",
        /// Hợp tác xã.
        Cooperative = "cooperative" / "Hợp tác xã",
        /// Đơn vị lực lượng vũ trang.
        ArmedUnit = "armed_unit" / "Đơn vị vũ trang",
        /// Cơ quan, đơn vị sự nghiệp khác.
        Agency = "agency" / "Cơ quan",
    }
);

impl LocalityKind {
    /// Whether population counts for this kind are residents (villages, residential groups).
    pub fn is_residential(self) -> bool {
        matches!(self, LocalityKind::Village | LocalityKind::ResidentialGroup)
    }
}

/// A locality and its existence period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Locality {
    pub id: LocalityId,
    pub code: String,
    pub name: String,
    pub kind: LocalityKind,
    pub period: Period,
}

/// Most localities one branch serves at once: a combined branch (chi bộ sinh hoạt ghép) serves
/// two or three villages that lack members for their own (domain spec §2).
pub const MAX_SERVED_BY_ONE_BRANCH: usize = 3;

/// Checks that `branch` may serve one more locality: it must be a branch (members meet there)
/// and not already serve the maximum on the date.
pub fn check_service(
    branch_code: &str,
    branch_kind: OrgKind,
    already_served: usize,
) -> Result<(), Violation> {
    if !branch_kind.holds_members() {
        return Err(Violation::new(
            "branch",
            "locality.service.branch_kind",
            format!(
                "{branch_code} is a {}; localities are served by branches",
                branch_kind.as_str()
            ),
        ));
    }
    if already_served >= MAX_SERVED_BY_ONE_BRANCH {
        return Err(Violation::new(
            "branch",
            "locality.service.max",
            format!(
                "{branch_code} already serves {already_served} localities; a combined branch serves at most {MAX_SERVED_BY_ONE_BRANCH}"
            ),
        ));
    }
    Ok(())
}

/// Checks that `org` may hold localities: a commune-level grassroots committee (xã, phường,
/// thị trấn, đặc khu).
pub fn check_commune(org_code: &str, kind: OrgKind, sector: Sector) -> Result<(), Violation> {
    if kind.is_grassroots() && sector.is_commune_level() {
        Ok(())
    } else {
        Err(Violation::new(
            "commune",
            "locality.commune.kind",
            format!(
                "{org_code} is not a commune-level grassroots committee ({} / {})",
                kind.as_str(),
                sector.as_str()
            ),
        ))
    }
}

/// Checks a population figure: a whole number from 0 to 10 000 000, for a year 1900–2100.
pub fn check_population(year: i32, population: i64) -> Result<(), Violation> {
    if !(1900..=2100).contains(&year) {
        return Err(Violation::new(
            "year",
            "locality.population.year",
            format!("year {year} is outside 1900–2100"),
        ));
    }
    if !(0..=10_000_000).contains(&population) {
        return Err(Violation::new(
            "population",
            "locality.population.range",
            format!("population {population} is outside 0–10.000.000"),
        ));
    }
    Ok(())
}

/// A locality to be created inside a commune-level committee, existing from `from`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLocality {
    pub code: String,
    pub name: String,
    pub kind: LocalityKind,
    /// The commune-level grassroots committee the locality lies in.
    pub commune: crate::org::OrgId,
    pub from: crate::dates::Date,
}

impl NewLocality {
    /// Checks the code (1–40 of A–Z, 0–9, `.`, `-`, `_`) and the name (1–200 characters).
    pub fn validate(&self) -> Result<(), crate::error::DomainError> {
        let mut errs = vec![];
        if let Err(v) = check_locality_code(&self.code) {
            errs.push(v);
        }
        if let Err(v) = check_locality_name(&self.name) {
            errs.push(v);
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(crate::error::DomainError::Invalid(errs))
        }
    }
}

/// Checks a locality code: 1–40 characters of A–Z, 0–9, `.`, `-`, `_` (unique over all time).
pub fn check_locality_code(code: &str) -> Result<(), Violation> {
    if crate::text::is_code(code) {
        Ok(())
    } else {
        Err(Violation::new(
            "code",
            "locality.code.format",
            format!("code {code:?} must be 1–40 characters of A–Z, 0–9, '.', '-', '_'"),
        ))
    }
}

/// Checks a locality name: not blank, at most 200 characters.
pub fn check_locality_name(name: &str) -> Result<(), Violation> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 {
        return Err(Violation::new(
            "name",
            "locality.name.format",
            "name must be 1–200 characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_branch_serves_at_most_three() {
        assert!(check_service("C1", OrgKind::Branch, 2).is_ok());
        assert_eq!(
            check_service("C1", OrgKind::Branch, 3).map_err(|v| v.rule),
            Err("locality.service.max")
        );
        assert_eq!(
            check_service("X1", OrgKind::GrassrootsCommittee, 0).map_err(|v| v.rule),
            Err("locality.service.branch_kind")
        );
    }

    #[test]
    fn localities_sit_in_communes() {
        assert!(check_commune("X", OrgKind::GrassrootsCommittee, Sector::Commune).is_ok());
        assert!(check_commune("H", OrgKind::DirectCommittee, Sector::District).is_err());
        assert!(check_population(2024, -1).is_err());
        assert!(check_population(2024, 1200).is_ok());
    }

    #[test]
    fn new_locality_codes_and_names() {
        let mut n = NewLocality {
            code: "X02692.T01".into(),
            name: "Thôn Phìn Chải".into(),
            kind: LocalityKind::Village,
            commune: 1,
            from: crate::dates::Date::default(),
        };
        assert!(n.validate().is_ok());
        n.code = "X 1".into();
        n.name = " ".into();
        let rules: Vec<&str> = n
            .validate()
            .err()
            .map(|e| e.violations().iter().map(|v| v.rule).collect())
            .unwrap_or_default();
        assert_eq!(rules, ["locality.code.format", "locality.name.format"]);
    }
}
