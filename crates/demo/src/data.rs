//! The reference data shipped with ketnap (`data/*.csv`, see `data/README.md`), parsed once.
//! Codes stay strings with their leading zeros.

use std::collections::HashMap;

use crate::DemoError;

const UNITS_2025: &str = include_str!("../../../data/units_2025.csv");
const UNITS_LEGACY: &str = include_str!("../../../data/units_legacy.csv");
const LEGACY_TO_2025: &str = include_str!("../../../data/units_legacy_to_2025.csv");
const ETHNIC_GROUPS: &str = include_str!("../../../data/ethnic_groups.csv");
const FAMILY_NAMES: &str = include_str!("../../../data/family_names.csv");
const GIVEN_NAMES: &str = include_str!("../../../data/given_names.csv");
const MIDDLE_NAMES: &str = include_str!("../../../data/middle_names.csv");
const RELIGIONS: &str = include_str!("../../../data/religions.csv");

/// An administrative unit of either list.
#[derive(Clone, Debug)]
pub struct Unit {
    pub code: &'static str,
    pub name: &'static str,
    pub short: &'static str,
    /// Lowercase Vietnamese type: `tỉnh`, `thành phố`, `huyện`, `quận`, `thị xã`, `xã`,
    /// `phường`, `thị trấn`, `đặc khu`.
    pub kind: &'static str,
    pub parent: &'static str,
    /// Population (2025 list only; blank or implausible values are `None`).
    pub population: Option<i64>,
}

/// Everything the generator reads from `data/`.
#[derive(Debug)]
pub struct RefData {
    pub provinces_2025: Vec<Unit>,
    pub communes_2025: Vec<Unit>,
    pub legacy_provinces: Vec<Unit>,
    pub legacy_districts: Vec<Unit>,
    pub legacy_communes: Vec<Unit>,
    /// Legacy commune code → 2025 commune codes, in file order (the first is the primary).
    pub commune_targets: HashMap<&'static str, Vec<&'static str>>,
    /// Island district without communes → its 2025 special zone.
    pub island_targets: HashMap<&'static str, &'static str>,
    /// Legacy province code → 2025 province code.
    pub province_target: HashMap<&'static str, &'static str>,
    /// `(code, share %)` of the 54 ethnic groups (2019 census).
    pub ethnic_shares: Vec<(u8, f64)>,
    pub family_names: Vec<(&'static str, f64)>,
    /// Share of people whose family name is outside the 14 listed.
    pub other_family_share: f64,
    /// `[male, female]` given names with their shares.
    pub given: [Vec<(&'static str, f64)>; 2],
    /// `[male, female]` × `[first, second]` middle names with their shares.
    pub middle: [[Vec<(&'static str, f64)>; 2]; 2],
    /// Population shares (%) of: no religion, Catholic, Buddhist, other.
    pub religion_shares: [f64; 4],
}

/// Splits one CSV line (fields may be quoted; quotes inside quoted fields are doubled).
fn fields(line: &'static str) -> Vec<&'static str> {
    let mut out = vec![];
    let bytes = line.as_bytes();
    let mut i = 0;
    while i <= bytes.len() {
        if i < bytes.len() && bytes[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() {
                if bytes[j] == b'"' {
                    if j + 1 < bytes.len() && bytes[j + 1] == b'"' {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j += 1;
            }
            out.push(line.get(start..j).unwrap_or(""));
            // Skip the closing quote and the comma.
            i = j + 2;
        } else {
            let end = line[i..].find(',').map_or(line.len(), |k| i + k);
            out.push(&line[i..end]);
            i = end + 1;
        }
    }
    out
}

fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(fields)
}

fn field(r: &[&'static str], i: usize, file: &str) -> Result<&'static str, DemoError> {
    r.get(i)
        .copied()
        .ok_or_else(|| DemoError::Data(format!("{file}: a row has fewer than {} fields", i + 1)))
}

fn number(s: &str, file: &str) -> Result<f64, DemoError> {
    s.trim()
        .parse::<f64>()
        .map_err(|_| DemoError::Data(format!("{file}: {s:?} is not a number")))
}

impl RefData {
    /// Parses the embedded files.
    pub fn load() -> Result<Self, DemoError> {
        let mut provinces_2025 = vec![];
        let mut communes_2025 = vec![];
        for r in rows(UNITS_2025) {
            let f = "units_2025.csv";
            let u = Unit {
                code: field(&r, 0, f)?,
                name: field(&r, 1, f)?,
                short: field(&r, 2, f)?,
                kind: field(&r, 3, f)?,
                parent: field(&r, 5, f)?,
                population: field(&r, 6, f)?
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|p| *p > 0),
            };
            match field(&r, 4, f)? {
                "1" => provinces_2025.push(u),
                _ => communes_2025.push(u),
            }
        }
        let mut legacy_provinces = vec![];
        let mut legacy_districts = vec![];
        let mut legacy_communes = vec![];
        for r in rows(UNITS_LEGACY) {
            let f = "units_legacy.csv";
            let u = Unit {
                code: field(&r, 0, f)?,
                name: field(&r, 1, f)?,
                short: field(&r, 2, f)?,
                kind: field(&r, 3, f)?,
                parent: field(&r, 5, f)?,
                population: None,
            };
            match field(&r, 4, f)? {
                "1" => legacy_provinces.push(u),
                "2" => legacy_districts.push(u),
                _ => legacy_communes.push(u),
            }
        }
        let mut commune_targets: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        let mut island_targets = HashMap::new();
        let mut province_target = HashMap::new();
        for r in rows(LEGACY_TO_2025) {
            let f = "units_legacy_to_2025.csv";
            let (op, od, ow, np, nw) = (
                field(&r, 0, f)?,
                field(&r, 1, f)?,
                field(&r, 2, f)?,
                field(&r, 3, f)?,
                field(&r, 4, f)?,
            );
            province_target.insert(op, np);
            if ow.is_empty() {
                island_targets.insert(od, nw);
            } else {
                let t = commune_targets.entry(ow).or_default();
                if !t.contains(&nw) {
                    t.push(nw);
                }
            }
        }
        let mut ethnic_shares = vec![];
        for r in rows(ETHNIC_GROUPS) {
            let f = "ethnic_groups.csv";
            let code = field(&r, 0, f)?
                .parse::<u8>()
                .map_err(|_| DemoError::Data(format!("{f}: bad code")))?;
            ethnic_shares.push((code, number(field(&r, 4, f)?, f)?));
        }
        let mut family_names = vec![];
        let mut other_family_share = 0.0;
        for r in rows(FAMILY_NAMES) {
            let f = "family_names.csv";
            let share = number(field(&r, 2, f)?, f)?;
            if field(&r, 0, f)?.is_empty() {
                other_family_share = share;
            } else {
                family_names.push((field(&r, 1, f)?, share));
            }
        }
        let sex = |s: &str| usize::from(s == "female");
        let mut given: [Vec<(&'static str, f64)>; 2] = [vec![], vec![]];
        for r in rows(GIVEN_NAMES) {
            let f = "given_names.csv";
            given[sex(field(&r, 0, f)?)].push((field(&r, 2, f)?, number(field(&r, 4, f)?, f)?));
        }
        let mut middle: [[Vec<(&'static str, f64)>; 2]; 2] = Default::default();
        for r in rows(MIDDLE_NAMES) {
            let f = "middle_names.csv";
            let pos = usize::from(field(&r, 1, f)? == "2");
            middle[sex(field(&r, 0, f)?)][pos]
                .push((field(&r, 3, f)?, number(field(&r, 5, f)?, f)?));
        }
        let mut religion_shares = [0.0; 4];
        for (i, r) in rows(RELIGIONS).enumerate().take(4) {
            religion_shares[i] = number(field(&r, 2, "religions.csv")?, "religions.csv")?;
        }
        let d = RefData {
            provinces_2025,
            communes_2025,
            legacy_provinces,
            legacy_districts,
            legacy_communes,
            commune_targets,
            island_targets,
            province_target,
            ethnic_shares,
            family_names,
            other_family_share,
            given,
            middle,
            religion_shares,
        };
        d.check()?;
        Ok(d)
    }

    fn check(&self) -> Result<(), DemoError> {
        let expect = [
            ("2025 provinces", self.provinces_2025.len(), 34),
            ("2025 communes", self.communes_2025.len(), 3321),
            ("legacy provinces", self.legacy_provinces.len(), 63),
            ("legacy districts", self.legacy_districts.len(), 696),
            ("legacy communes", self.legacy_communes.len(), 10035),
            ("ethnic groups", self.ethnic_shares.len(), 54),
        ];
        for (what, got, want) in expect {
            if got != want {
                return Err(DemoError::Data(format!(
                    "expected {want} {what}, found {got}"
                )));
            }
        }
        for c in &self.legacy_communes {
            if !self.commune_targets.contains_key(c.code) {
                return Err(DemoError::Data(format!(
                    "legacy commune {} has no 2025 commune",
                    c.code
                )));
            }
        }
        if self.given.iter().any(Vec::is_empty) || self.family_names.is_empty() {
            return Err(DemoError::Data("name lists are empty".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_data_parses() {
        let d = RefData::load().unwrap();
        assert_eq!(d.commune_targets["02692"], vec!["02701"]);
        assert_eq!(d.province_target["10"], "15");
        assert_eq!(d.island_targets["755"], "26732");
        assert_eq!(d.religion_shares[0], 86.3);
        assert_eq!(fields(r#"a,"b, c",d"#), vec!["a", "b, c", "d"]);
        assert_eq!(fields("a,,c"), vec!["a", "", "c"]);
    }
}
