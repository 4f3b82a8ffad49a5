//! Căn cước công dân (CCCD) — the 12-digit citizen identity number (domain spec §6).
//!
//! Digits 1–3: province of birth registration; digit 4: sex and century of birth (20th century
//! male 0 / female 1, 21st 2/3, 22nd 4/5, 23rd 6/7, 24th 8/9); digits 5–6: the last two digits
//! of the birth year; digits 7–12: random.

use chrono::Datelike;

use super::Sex;
use crate::dates::Date;
use crate::error::Violation;

/// A CCCD number whose format was checked.
pub type Cccd = String;

/// Province codes used in digits 1–3: `0` followed by the GSO province code (the 63 provinces
/// before 1/7/2025; the 34 after kept codes from this set).
pub const PROVINCE_CODES: [&str; 63] = [
    "01", "02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "19", "20", "22", "24", "25",
    "26", "27", "30", "31", "33", "34", "35", "36", "37", "38", "40", "42", "44", "45", "46", "48",
    "49", "51", "52", "54", "56", "58", "60", "62", "64", "66", "67", "68", "70", "72", "74", "75",
    "77", "79", "80", "82", "83", "84", "86", "87", "89", "91", "92", "93", "94", "95", "96",
];

/// The 4th digit for a sex and birth year, or `None` outside 1900–2399.
pub fn sex_century_digit(sex: Sex, birth_year: i32) -> Option<u8> {
    if !(1900..2400).contains(&birth_year) {
        return None;
    }
    let century = (birth_year / 100 - 19) as u8;
    Some(century * 2 + u8::from(sex == Sex::Female))
}

/// Checks a CCCD against the person's sex and birth date. Messages name the digit and what it
/// says, never the number itself.
pub fn validate_cccd(cccd: &str, sex: Sex, birth: Date) -> Result<(), Vec<Violation>> {
    let b = cccd.as_bytes();
    if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
        return Err(vec![Violation::new(
            "cccd",
            "cccd.format",
            "CCCD must be exactly 12 digits",
        )]);
    }
    let mut errs = vec![];
    let province = &cccd[1..3];
    if b[0] != b'0' || !PROVINCE_CODES.contains(&province) {
        errs.push(Violation::new(
            "cccd",
            "cccd.province",
            format!(
                "CCCD digits 1–3 ({}) are not a province code of the official list",
                &cccd[0..3]
            ),
        ));
    }
    let d4 = b[3] - b'0';
    let year = birth.year();
    let says_sex = if d4 % 2 == 1 { "female" } else { "male" };
    let says_century = 1900 + 100 * i32::from(d4 / 2);
    match sex_century_digit(sex, year) {
        Some(expected) if expected == d4 => {}
        _ => errs.push(Violation::new(
            "cccd",
            "cccd.sex_century",
            format!(
                "CCCD 4th digit {d4} says {says_sex} born {says_century}–{}, record says {} born {year}",
                says_century + 99,
                sex.as_str()
            ),
        )),
    }
    let yy = u32::from(b[4] - b'0') * 10 + u32::from(b[5] - b'0');
    if yy != year.rem_euclid(100) as u32 {
        errs.push(Violation::new(
            "cccd",
            "cccd.birth_year",
            format!("CCCD digits 5–6 ({yy:02}) say birth year ..{yy:02}, record says {year}"),
        ));
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn d(y: i32) -> Date {
        NaiveDate::from_ymd_opt(y, 6, 15).unwrap_or_default()
    }

    fn rules(r: Result<(), Vec<Violation>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.rule)
            .collect()
    }

    #[test]
    fn table() {
        // (cccd, sex, year, broken rules)
        let cases: &[(&str, Sex, i32, &[&str])] = &[
            ("001085001234", Sex::Male, 1985, &[]),
            ("001185001234", Sex::Female, 1985, &[]),
            ("015203001234", Sex::Male, 2003, &[]),
            ("015303001234", Sex::Female, 2003, &[]),
            ("015303001234", Sex::Male, 2003, &["cccd.sex_century"]),
            ("015085001234", Sex::Male, 2085, &["cccd.sex_century"]),
            ("001086001234", Sex::Male, 1985, &["cccd.birth_year"]),
            ("003085001234", Sex::Male, 1985, &["cccd.province"]),
            ("101085001234", Sex::Male, 1985, &["cccd.province"]),
            ("00108500123", Sex::Male, 1985, &["cccd.format"]),
            ("00108500123a", Sex::Male, 1985, &["cccd.format"]),
            ("0010850012345", Sex::Male, 1985, &["cccd.format"]),
            (
                "001185001234",
                Sex::Male,
                1984,
                &["cccd.sex_century", "cccd.birth_year"],
            ),
        ];
        for (c, s, y, want) in cases {
            assert_eq!(
                rules(validate_cccd(c, *s, d(*y))),
                want.to_vec(),
                "{c} {s:?} {y}"
            );
        }
    }

    #[test]
    fn message_says_what_digit_four_means() {
        let e = validate_cccd("001185001234", Sex::Male, d(1985))
            .err()
            .unwrap_or_default();
        assert_eq!(
            e[0].message,
            "CCCD 4th digit 1 says female born 1900–1999, record says male born 1985"
        );
    }

    proptest! {
        #[test]
        fn generated_numbers_validate(p in 0usize..63, female in any::<bool>(), year in 1900i32..2100, rest in 0u32..1_000_000) {
            let sex = if female { Sex::Female } else { Sex::Male };
            let d4 = sex_century_digit(sex, year).unwrap_or(0);
            let c = format!("0{}{}{:02}{:06}", PROVINCE_CODES[p], d4, year % 100, rest);
            prop_assert_eq!(validate_cccd(&c, sex, d(year)), Ok(()));
            let other = if female { Sex::Male } else { Sex::Female };
            prop_assert!(validate_cccd(&c, other, d(year)).is_err());
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}", year in -3000i32..5000) {
            let day = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
            let _ = validate_cccd(&s, Sex::Male, day);
        }
    }
}
