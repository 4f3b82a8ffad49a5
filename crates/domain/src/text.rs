//! Vietnamese text helpers: diacritic-insensitive search keys, name parts and sort keys.

use unicode_normalization::UnicodeNormalization;

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
