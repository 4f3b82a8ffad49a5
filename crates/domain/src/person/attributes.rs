//! The characteristics the official statistics break down by (Biểu 2-BTCTW; domain spec §5).

use serde::{Deserialize, Serialize};

/// Declares a closed set of codes with a stable text form and a Vietnamese label.
#[macro_export]
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal / $vi:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// Stable code used in storage, CSV and the API.
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),+ } }
            /// Vietnamese label.
            pub fn label_vi(self) -> &'static str { match self { $($name::$v => $vi),+ } }
            /// The code in words, an English label where none is written (`lower_secondary` →
            /// "Lower secondary").
            pub fn code_in_words(self) -> String { $crate::text::code_words(self.as_str()) }
            /// Parses the code or (diacritics and case ignored) the Vietnamese label.
            pub fn parse(s: &str) -> Option<Self> {
                let t = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == t).or_else(|| {
                    let f = $crate::text::fold(t);
                    Self::ALL.iter().copied().find(|v| $crate::text::fold(v.label_vi()) == f)
                })
            }
        }
    };
}

code_enum!(
    /// Giới tính — sex.
    Sex { Male = "male" / "Nam", Female = "female" / "Nữ" }
);

code_enum!(
    /// Tôn giáo — religion (a believer is counted under "tôn giáo" in the statistics).
    Religion {
        None = "none" / "Không",
        Buddhism = "buddhism" / "Phật giáo",
        Catholic = "catholic" / "Công giáo",
        Protestant = "protestant" / "Tin lành",
        CaoDai = "cao_dai" / "Cao Đài",
        HoaHao = "hoa_hao" / "Phật giáo Hòa Hảo",
        Islam = "islam" / "Hồi giáo",
        Other = "other" / "Tôn giáo khác",
    }
);

impl Religion {
    pub fn is_believer(self) -> bool {
        self != Religion::None
    }
}

code_enum!(
    /// Trình độ giáo dục phổ thông — general education (highest level completed).
    GeneralEducation {
        Primary = "primary" / "Tiểu học",
        LowerSecondary = "lower_secondary" / "Trung học cơ sở",
        UpperSecondary = "upper_secondary" / "Trung học phổ thông",
    }
);

code_enum!(
    /// Trình độ chuyên môn nghiệp vụ — professional qualification.
    ProfessionalQualification {
        None = "none" / "Chưa qua đào tạo",
        Elementary = "elementary" / "Sơ cấp",
        Intermediate = "intermediate" / "Trung cấp",
        College = "college" / "Cao đẳng",
        University = "university" / "Đại học",
        Master = "master" / "Thạc sĩ",
        Doctorate = "doctorate" / "Tiến sĩ",
    }
);

code_enum!(
    /// Trình độ lý luận chính trị — political theory.
    PoliticalTheory {
        None = "none" / "Chưa qua đào tạo",
        Elementary = "elementary" / "Sơ cấp",
        Intermediate = "intermediate" / "Trung cấp",
        Advanced = "advanced" / "Cao cấp",
    }
);

code_enum!(
    /// Nghề nghiệp / lĩnh vực — occupation or sector as the statistics group it.
    Occupation {
        Worker = "worker" / "Công nhân",
        Farmer = "farmer" / "Nông dân",
        PupilStudent = "pupil_student" / "Học sinh, sinh viên",
        PrivateEconomic = "private_economic" / "Đơn vị kinh tế tư nhân",
        ArmedForces = "armed_forces" / "Lực lượng vũ trang",
        CivilServant = "civil_servant" / "Cán bộ, công chức",
        PublicEmployee = "public_employee" / "Viên chức",
        Militia = "militia" / "Dân quân tự vệ",
        Other = "other" / "Khác",
    }
);

/// The 54 official ethnic groups (code, name) — `data/ethnic_groups.csv`.
pub const ETHNIC_GROUPS: [(&str, &str); 54] = [
    ("01", "Kinh"),
    ("02", "Tày"),
    ("03", "Thái"),
    ("04", "Hoa"),
    ("05", "Khmer"),
    ("06", "Mường"),
    ("07", "Nùng"),
    ("08", "Mông"),
    ("09", "Dao"),
    ("10", "Gia Rai"),
    ("11", "Ngái"),
    ("12", "Ê Đê"),
    ("13", "Ba Na"),
    ("14", "Xơ Đăng"),
    ("15", "Sán Chay"),
    ("16", "Cơ Ho"),
    ("17", "Chăm"),
    ("18", "Sán Dìu"),
    ("19", "Hrê"),
    ("20", "Mnông"),
    ("21", "Raglay"),
    ("22", "Xtiêng"),
    ("23", "Bru Vân Kiều"),
    ("24", "Thổ"),
    ("25", "Giáy"),
    ("26", "Cơ Tu"),
    ("27", "Gié Triêng"),
    ("28", "Mạ"),
    ("29", "Khơ Mú"),
    ("30", "Co"),
    ("31", "Tà Ôi"),
    ("32", "Chơ Ro"),
    ("33", "Kháng"),
    ("34", "Xinh Mun"),
    ("35", "Hà Nhì"),
    ("36", "Chu Ru"),
    ("37", "Lào"),
    ("38", "La Chí"),
    ("39", "La Ha"),
    ("40", "Phù Lá"),
    ("41", "La Hủ"),
    ("42", "Lự"),
    ("43", "Lô Lô"),
    ("44", "Chứt"),
    ("45", "Mảng"),
    ("46", "Pà Thẻn"),
    ("47", "Cơ Lao"),
    ("48", "Cống"),
    ("49", "Bố Y"),
    ("50", "Si La"),
    ("51", "Pu Péo"),
    ("52", "Brâu"),
    ("53", "Ơ Đu"),
    ("54", "Rơ Măm"),
];

/// Dân tộc — one of the 54 ethnic groups, by its official two-digit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EthnicGroup(u8);

impl Default for EthnicGroup {
    fn default() -> Self {
        EthnicGroup(1)
    }
}

impl EthnicGroup {
    pub const KINH: EthnicGroup = EthnicGroup(1);

    /// Parses the code (`"03"`, `"3"`) or the name (`"Thái"`, `"thai"`).
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        if let Ok(n) = t.parse::<u8>() {
            return (1..=54).contains(&n).then_some(EthnicGroup(n));
        }
        let f = crate::text::fold(t);
        ETHNIC_GROUPS
            .iter()
            .position(|(_, name)| crate::text::fold(name) == f)
            .map(|i| EthnicGroup(i as u8 + 1))
    }
    pub fn code(self) -> &'static str {
        ETHNIC_GROUPS[usize::from(self.0.clamp(1, 54)) - 1].0
    }
    pub fn name(self) -> &'static str {
        ETHNIC_GROUPS[usize::from(self.0.clamp(1, 54)) - 1].1
    }
    /// Dân tộc thiểu số — every group but the Kinh.
    pub fn is_minority(self) -> bool {
        self.0 != 1
    }
}

impl TryFrom<String> for EthnicGroup {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        EthnicGroup::parse(&s).ok_or_else(|| format!("{s:?} is not one of the 54 ethnic groups"))
    }
}

impl From<EthnicGroup> for String {
    fn from(e: EthnicGroup) -> String {
        e.code().to_string()
    }
}

impl Sex {
    pub fn is_female(self) -> bool {
        self == Sex::Female
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_codes_and_labels() {
        assert_eq!(Religion::parse("protestant"), Some(Religion::Protestant));
        assert_eq!(Religion::parse("tin lanh"), Some(Religion::Protestant));
        assert_eq!(Sex::parse("Nữ"), Some(Sex::Female));
        assert_eq!(Sex::parse("nu"), Some(Sex::Female));
        assert_eq!(
            Occupation::parse("hoc sinh, sinh vien"),
            Some(Occupation::PupilStudent)
        );
        assert_eq!(GeneralEducation::parse("12/12"), None);
        for r in Religion::ALL {
            assert_eq!(Religion::parse(r.as_str()), Some(*r));
        }
    }

    #[test]
    fn ethnic_groups() {
        assert_eq!(EthnicGroup::parse("08").map(|e| e.name()), Some("Mông"));
        assert_eq!(EthnicGroup::parse("mong").map(|e| e.code()), Some("08"));
        assert_eq!(
            EthnicGroup::parse("Bru Vân Kiều").map(|e| e.code()),
            Some("23")
        );
        assert_eq!(EthnicGroup::parse("55"), None);
        assert_eq!(EthnicGroup::parse("0"), None);
        assert!(!EthnicGroup::KINH.is_minority());
        assert!(EthnicGroup::parse("04").is_some_and(|e| e.is_minority()));
    }
}
