//! Codes and Vietnamese labels accepted in CSV files for the organization enums (the other
//! enums carry their labels in the domain: `code_enum!`).

use ketnap_domain::org::{OrgKind, Sector};
use ketnap_domain::text::fold;

/// Vietnamese label of a sector.
pub fn sector_label_vi(s: Sector) -> &'static str {
    match s {
        Sector::Nation => "Toàn quốc",
        Sector::Province => "Tỉnh, thành phố",
        Sector::District => "Huyện, quận, thị xã, thành phố thuộc tỉnh",
        Sector::Commune => "Xã",
        Sector::Ward => "Phường",
        Sector::Township => "Thị trấn",
        Sector::SpecialZone => "Đặc khu",
        Sector::Village => "Thôn, bản",
        Sector::ResidentialGroup => "Tổ dân phố",
        Sector::Agency => "Cơ quan",
        Sector::StateEnterprise => "Doanh nghiệp nhà nước",
        Sector::PrivateEnterprise => "Doanh nghiệp ngoài nhà nước",
        Sector::Cooperative => "Hợp tác xã",
        Sector::School => "Trường học",
        Sector::Health => "Y tế",
        Sector::PublicService => "Đơn vị sự nghiệp",
        Sector::Military => "Quân đội",
        Sector::BorderGuard => "Biên phòng",
        Sector::Police => "Công an",
        Sector::Other => "Khác",
    }
}

/// A sector by code (`commune`) or Vietnamese label (`Xã`, diacritics and case ignored).
pub fn parse_sector(s: &str) -> Option<Sector> {
    let t = s.trim();
    Sector::parse(t).or_else(|| {
        let f = fold(t);
        Sector::ALL
            .into_iter()
            .find(|x| fold(sector_label_vi(*x)) == f)
    })
}

/// An organization kind by code (`branch`) or Vietnamese label (`Chi bộ trực thuộc`).
pub fn parse_org_kind(s: &str) -> Option<OrgKind> {
    let t = s.trim();
    OrgKind::parse(t).or_else(|| {
        let f = fold(t);
        OrgKind::ALL.into_iter().find(|k| fold(k.label_vi()) == f)
    })
}

/// A yes/no value: `true/false`, `1/0`, `yes/no`, `x`/blank, `có/không`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match fold(s).as_str() {
        "" | "0" | "false" | "no" | "n" | "khong" => Some(false),
        "1" | "true" | "yes" | "y" | "x" | "co" => Some(true),
        _ => None,
    }
}

/// The accepted codes of an enum, for error messages.
pub fn codes<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str) -> String {
    all.iter().map(|v| code(*v)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels() {
        assert_eq!(parse_sector("xa"), Some(Sector::Commune));
        assert_eq!(parse_sector("Phường"), Some(Sector::Ward));
        assert_eq!(parse_sector("special_zone"), Some(Sector::SpecialZone));
        assert_eq!(parse_org_kind("Chi bộ trực thuộc"), Some(OrgKind::Branch));
        assert_eq!(
            parse_org_kind("dang bo co so"),
            Some(OrgKind::GrassrootsCommittee)
        );
        assert_eq!(parse_org_kind("chi bo"), None);
        for s in Sector::ALL {
            assert_eq!(parse_sector(sector_label_vi(s)), Some(s));
        }
        assert_eq!(parse_bool("Có"), Some(true));
        assert_eq!(parse_bool(""), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}
