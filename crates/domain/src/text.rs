//! Vietnamese text helpers: diacritic-insensitive search keys, name parts and sort keys.

use unicode_normalization::UnicodeNormalization;

/// A stable code in words, for English labels: `lower_secondary` → "Lower secondary".
pub fn code_words(code: &str) -> String {
    let words = code.replace('_', " ");
    let mut c = words.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A search key: NFD, combining marks removed, `đ`→`d`, lowercase, spaces collapsed.
/// "Nguyễn Văn A" and "nguyen van a" fold to the same key.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            _ => c,
        };
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Whether `code` is a well-formed code: 1–40 characters of A–Z, a–z, 0–9, `.`, `-`, `_`.
pub fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.chars().count() <= 40
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Splits a Vietnamese full name into family name (họ), middle names (tên đệm), given name (tên).
pub fn name_parts(full: &str) -> (&str, String, &str) {
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.len() {
        0 => ("", String::new(), ""),
        1 => ("", String::new(), words[0]),
        n => (words[0], words[1..n - 1].join(" "), words[n - 1]),
    }
}

/// The key that sorts names the Vietnamese way: by given name, then middle, then family name.
pub fn name_sort_key(full: &str) -> String {
    let (family, middle, given) = name_parts(full);
    format!("{}\u{1}{}\u{1}{}", fold(given), fold(&middle), fold(family))
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_in_words() {
        assert_eq!(super::code_words("lower_secondary"), "Lower secondary");
        assert_eq!(super::code_words("farmer"), "Farmer");
        assert_eq!(super::code_words(""), "");
    }

    use super::*;

    #[test]
    fn folds_diacritics_and_d() {
        assert_eq!(fold("Nguyễn Văn A"), "nguyen van a");
        assert_eq!(fold("  Đặng   Thị  Ánh "), "dang thi anh");
        assert_eq!(fold("Cư M’gar"), "cu m’gar");
    }

    #[test]
    fn sorts_by_given_name_first() {
        let mut names = vec!["Trần Văn Bình", "Nguyễn Thị An", "Lê Văn An"];
        names.sort_by_key(|n| name_sort_key(n));
        assert_eq!(names, vec!["Nguyễn Thị An", "Lê Văn An", "Trần Văn Bình"]);
        assert_eq!(
            name_parts("Hoàng Thị Thu Hà"),
            ("Hoàng", "Thị Thu".to_string(), "Hà")
        );
    }
}

/// Vietnamese number formatting: thousands with `.`, decimals with `,` (`2.287`, `53,7`).
pub mod vi {
    use crate::dates::Date;

    /// A whole number with `.` between thousands: `2287` → `2.287`, `-1200` → `-1.200`.
    pub fn number(n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        out
    }

    /// A decimal with `decimals` places, `,` as the decimal mark and `.` for thousands;
    /// trailing zeros after the mark are dropped (`53.75, 1` → `53,8`; `113.0, 1` → `113`).
    pub fn decimal(x: f64, decimals: usize) -> String {
        if !x.is_finite() {
            return "–".into();
        }
        let s = format!("{:.*}", decimals, x.abs());
        let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
        let int: i64 = int.parse().unwrap_or(0);
        let sign = if x < 0.0 && (int != 0 || frac.chars().any(|c| c != '0')) {
            "-"
        } else {
            ""
        };
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            format!("{sign}{}", number(int))
        } else {
            format!("{sign}{},{frac}", number(int))
        }
    }

    /// A percentage: `decimal(x, decimals)` followed by `%`.
    pub fn percent(x: f64, decimals: usize) -> String {
        format!("{}%", decimal(x, decimals))
    }

    /// `dd/mm/yyyy`.
    pub fn date(d: Date) -> String {
        d.format("%d/%m/%Y").to_string()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn press_style() {
            assert_eq!(number(2287), "2.287");
            assert_eq!(number(5_600_000), "5.600.000");
            assert_eq!(number(-1200), "-1.200");
            assert_eq!(number(999), "999");
            assert_eq!(percent(53.7, 1), "53,7%");
            assert_eq!(percent(113.0, 1), "113%");
            assert_eq!(percent(121.6, 1), "121,6%");
            assert_eq!(decimal(1234.5, 2), "1.234,5");
            assert_eq!(
                date(chrono::NaiveDate::from_ymd_opt(2024, 3, 2).unwrap_or_default()),
                "02/03/2024"
            );
        }
    }
}
