//! Names: of people (by sex, birth year, ethnic group and region, from the frequency lists in
//! `data/` and the naming patterns of `data/people_stats.md` §7), and of villages, schools and
//! enterprises.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::data::RefData;
use crate::regions::Region;

/// Items with cumulative weights, drawn by binary search.
#[derive(Clone, Debug)]
pub struct Weighted<T> {
    items: Vec<T>,
    cum: Vec<f64>,
}

impl<T: Copy> Weighted<T> {
    pub fn new(pairs: impl IntoIterator<Item = (T, f64)>) -> Self {
        let mut items = vec![];
        let mut cum = vec![];
        let mut total = 0.0;
        for (t, w) in pairs {
            if w > 0.0 {
                total += w;
                items.push(t);
                cum.push(total);
            }
        }
        Self { items, cum }
    }

    /// One item (`None` only when empty).
    pub fn pick(&self, rng: &mut ChaCha8Rng) -> Option<T> {
        let total = *self.cum.last()?;
        let x = rng.random::<f64>() * total;
        let i = self.cum.partition_point(|c| *c <= x);
        self.items.get(i.min(self.items.len() - 1)).copied()
    }
}

fn one<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    if list.is_empty() {
        return "";
    }
    list[rng.random_range(0..list.len())]
}

const OTHER_KINH_FAMILY: &[&str] = &[
    "Trương", "Đinh", "Đoàn", "Mai", "Đào", "Hà", "Cao", "Trịnh", "Lương", "Lâm", "Lưu", "Thái",
    "Châu", "Tô", "Tạ", "Phùng", "Vương", "Chu", "Triệu", "Kiều", "Lại", "Quách", "Tống", "Đàm",
    "Lục", "La", "Hứa", "Khúc", "Nghiêm", "Văn",
];
const TAY_FAMILY: &[&str] = &[
    "Hoàng", "Nông", "Bế", "Ma", "Lục", "Đàm", "Lương", "Triệu", "Hà", "Vi", "Lăng", "Lý", "Lưu",
    "Đinh", "Hoàng", "Nông",
];
const THAI_FAMILY: &[&str] = &[
    "Lò", "Lường", "Quàng", "Cầm", "Tòng", "Vi", "Hà", "Lê", "Điêu", "Sầm", "Lù", "Lộc", "Lò",
    "Lường",
];
const THAI_GIVEN: [&[&str]; 2] = [
    &[
        "Ún", "Khăm", "Phiêng", "Panh", "Inh", "Xuân", "Thanh", "Sơn", "Chung", "Biên", "Tiến",
        "Pọn", "Hặc", "Ngọc",
    ],
    &[
        "Pọm", "Ón", "Xuân", "Sương", "Inh", "Ánh", "Hoa", "Thơm", "Lả", "Bua", "Mai", "Hương",
        "Ỏn", "Dịu",
    ],
];
const MONG_FAMILY: &[&str] = &[
    "Giàng", "Vàng", "Sùng", "Thào", "Lầu", "Vừ", "Mùa", "Hờ", "Lý", "Ly", "Mua", "Cứ", "Hạng",
    "Tráng", "Sình", "Giàng", "Vàng", "Sùng",
];
const MONG_MIDDLE_M: &[&str] = &["A", "Seo", "Văn", "Chứ", "Mí", "A", "A", "Seo", "Văn"];
const MONG_GIVEN: [&[&str]; 2] = [
    &[
        "Páo", "Sử", "Lềnh", "Chứ", "Dính", "Pổng", "Chá", "Sính", "Tủa", "Lử", "Sang", "Chư",
        "Pó", "Su", "Dế", "Nhìa", "Chính", "Lâu", "Giống", "Sà", "Dũng", "Thắng", "Páo", "Sử",
    ],
    &[
        "Mai", "Máy", "Sú", "Dở", "Pà", "Chi", "Xá", "Mỷ", "Sủ", "Dung", "Lan", "Hoa", "Say",
        "Súa", "Nhè", "Lìa", "Mái", "Dợ",
    ],
];
const DAO_FAMILY: &[&str] = &[
    "Bàn", "Triệu", "Đặng", "Chảo", "Lý", "Phùng", "Tẩn", "Lò", "Chu", "Sần", "Ly", "Phàn", "Bàn",
    "Triệu",
];
const DAO_MIDDLE: [&[&str]; 2] = [
    &[
        "Văn", "Tiến", "Quý", "Láo", "Kim", "Phúc", "Tả", "Văn", "Văn",
    ],
    &["Thị", "Thị", "Thị", "Mùi", "Tả"],
];
const DAO_GIVEN: [&[&str]; 2] = [
    &[
        "Quý", "Kiều", "Phin", "Dình", "Sinh", "Chài", "Vảng", "Chàn", "Cao", "Lở", "Lai", "Hin",
        "Thành", "Minh",
    ],
    &[
        "Mẩy", "Xuân", "Liều", "Chài", "Khe", "Nái", "Lở", "Mai", "Hoa", "Lan", "Kiều", "Phây",
        "Sửu",
    ],
];
const MUONG_FAMILY: &[&str] = &[
    "Bùi", "Đinh", "Quách", "Hà", "Xa", "Cao", "Bạch", "Bùi", "Đinh",
];
const HOA_FAMILY: &[&str] = &[
    "Lý", "Trần", "Lâm", "Trương", "Quách", "Tăng", "Châu", "Mã", "Hứa", "Lưu", "Thái", "Diệp",
];
const KHMER_FAMILY: &[&str] = &[
    "Thạch", "Danh", "Sơn", "Kim", "Lâm", "Châu", "Lý", "Thạch", "Danh", "Sơn", "Thạch",
];
const KHMER_GIVEN: [&[&str]; 2] = [
    &[
        "Sóc",
        "Phol",
        "Sa Rết",
        "Chanh",
        "Thươl",
        "Sô Phal",
        "Mách",
        "Phanh",
        "Rươne",
        "Đa",
        "Sa Vươl",
        "Kha",
        "Ri",
        "Sây",
        "Thi",
        "Sang",
    ],
    &[
        "Sa Ra",
        "Sa Phô",
        "Chăn Đa",
        "Ny",
        "Sóc Kha",
        "Mây",
        "Sương",
        "Phni",
        "Ra Ny",
        "Thy",
        "Kim Loan",
        "Sa Vy",
        "Nương",
        "Sa Rên",
    ],
];
const CHAM_FAMILY: &[&str] = &[
    "Thập", "Đạo", "Từ", "Đàng", "Quảng", "Lưu", "Bá", "Châu", "Sử", "Thông", "Hán", "Kiều",
];
const EDE_CLAN: &[&str] = &[
    "Niê",
    "Mlô",
    "Êban",
    "Byă",
    "Ksơr",
    "Buôn Yă",
    "Hwing",
    "Adrơng",
    "Êñuôl",
    "Ktla",
    "Knul",
    "Mđrăng",
    "Niê Kdăm",
    "Kbuôr",
];
const MNONG_CLAN: &[&str] = &[
    "Bing",
    "Krông",
    "Nie",
    "Mlô",
    "Nơ Trang",
    "Bu Krông",
    "Ja",
    "Lơng",
];
const HIGHLAND_GIVEN: [&[&str]; 2] = [
    &[
        "Bih", "Ngông", "Khăp", "Blăk", "Jen", "Yơn", "Thuyên", "Phi", "Dhiêng", "Nguôn", "Wai",
        "Dlang", "Bhiông", "Kông", "Hun", "Sum", "Tlang", "Ju", "Bun", "Kim",
    ],
    &[
        "Hen", "Bơ", "Tlang", "Nguyên", "Ngăm", "Juin", "Nga", "Blim", "Duôn", "Lê", "Liên",
        "Đinh", "Mai", "Xuân", "Ly", "Hương", "Hoa", "Thu",
    ],
];
const GIARAI_FAMILY: &[&str] = &[
    "Ksor",
    "Rơ Châm",
    "Siu",
    "Rah Lan",
    "Nay",
    "Kpă",
    "Puih",
    "Rơ Mah",
    "Ksor",
    "Siu",
];
const COHO_FAMILY: &[&str] = &[
    "Ka",
    "Cil",
    "Liêng Hót",
    "Bon Niêng",
    "Kră Jăn",
    "Ndu",
    "Lơ Mu",
    "Con Sơ",
    "Đa Cát",
];
const RAGLAY_FAMILY: &[&str] = &["Pi Năng", "Chamaléa", "Katơr", "Mang", "Cao", "Pinăng"];
const STIENG_FAMILY: &[&str] = &["Điểu", "Lâm", "Touneh", "Ya", "Đào", "Điểu"];
const HRE_FAMILY: &[&str] = &["Đinh", "Phạm", "Đinh", "Hồ", "Đinh"];
const COTU_FAMILY: &[&str] = &[
    "Bhríu", "A Rất", "Briu", "Alăng", "Ating", "Zơrâm", "Pơloong", "Clâu", "Bling",
];
const TAOI_FAMILY: &[&str] = &["Hồ", "Kăn", "Pả", "Căn", "Hồ", "Hồ", "Kray", "Lê", "Nguyễn"];
const BANA_GIVEN: &[&str] = &[
    "Thiu", "Blang", "Phiên", "Hmưn", "Kông", "Pớt", "Lơ", "Nhong", "Đươl", "Rin", "Hyưk", "Khôi",
    "Ngọc", "Thuận", "Lenh", "Huynh", "Dếp", "Hyuh",
];

/// Full names of well-known leaders the generator must not produce.
const AVOID: &[&str] = &[
    "Hồ Chí Minh",
    "Võ Nguyên Giáp",
    "Nguyễn Phú Trọng",
    "Tô Lâm",
    "Lương Cường",
    "Phạm Minh Chính",
    "Trần Thanh Mẫn",
    "Nguyễn Xuân Phúc",
    "Võ Văn Thưởng",
    "Vương Đình Huệ",
    "Nguyễn Tấn Dũng",
    "Trần Đại Quang",
    "Nguyễn Thị Kim Ngân",
    "Trần Cẩm Tú",
    "Nguyễn Sinh Hùng",
    "Trương Tấn Sang",
    "Nông Đức Mạnh",
    "Trương Thị Mai",
    "Võ Thị Ánh Xuân",
];

/// Draws Vietnamese full names.
#[derive(Clone, Debug)]
pub struct PersonNames {
    family: Weighted<&'static str>,
    other_family_share: f64,
    given: [Weighted<&'static str>; 2],
    middle: [[Weighted<&'static str>; 2]; 2],
}

impl PersonNames {
    pub fn new(d: &RefData) -> Self {
        let w = |v: &Vec<(&'static str, f64)>| Weighted::new(v.iter().copied());
        Self {
            family: w(&d.family_names),
            other_family_share: d.other_family_share,
            given: [w(&d.given[0]), w(&d.given[1])],
            middle: [
                [w(&d.middle[0][0]), w(&d.middle[0][1])],
                [w(&d.middle[1][0]), w(&d.middle[1][1])],
            ],
        }
    }

    fn kinh_family(&self, rng: &mut ChaCha8Rng, region: Region) -> &'static str {
        let total = 100.0 - self.other_family_share;
        if rng.random::<f64>() * 100.0 >= total {
            return one(rng, OTHER_KINH_FAMILY);
        }
        let f = self.family.pick(rng).unwrap_or("Nguyễn");
        let ns = region.north_south();
        match f {
            "Hoàng/Huỳnh" => {
                let p_north = [0.95, 0.55, 0.15][usize::from(ns)];
                if rng.random_bool(p_north) {
                    "Hoàng"
                } else {
                    "Huỳnh"
                }
            }
            "Vũ/Võ" => {
                let p_north = [0.9, 0.25, 0.1][usize::from(ns)];
                if rng.random_bool(p_north) {
                    "Vũ"
                } else {
                    "Võ"
                }
            }
            f => f,
        }
    }

    /// Kinh-pattern middle and given names (also used by groups with Kinh-style names).
    fn kinh_rest(&self, rng: &mut ChaCha8Rng, female: bool, birth_year: i32) -> String {
        let s = usize::from(female);
        let x: f64 = rng.random();
        // Words after the family name: 1 (given only), 2 or 3 — older people have fewer
        // two-word middles and more Văn / Thị (people_stats.md §3–4).
        let (one_word, three_words) = match (female, birth_year) {
            (false, y) if y < 1980 => (0.03, 0.07),
            (false, _) => (0.025, 0.166),
            (true, y) if y < 1975 => (0.01, 0.25),
            (true, y) if y < 1990 => (0.01, 0.45),
            (true, _) => (0.011, 0.673),
        };
        let given = self.given[s].pick(rng).unwrap_or("An");
        if x < one_word {
            return given.to_string();
        }
        let old_middle = match (female, birth_year) {
            (false, y) if y < 1975 => 0.55,
            (false, y) if y < 1990 => 0.3,
            (true, y) if y < 1975 => 0.9,
            (true, y) if y < 1990 => 0.7,
            _ => 0.0,
        };
        let m1 = if rng.random_bool(old_middle) {
            if female { "Thị" } else { "Văn" }
        } else {
            self.middle[s][0].pick(rng).unwrap_or("Văn")
        };
        if x < one_word + three_words {
            let mut m2 = self.middle[s][1].pick(rng).unwrap_or("Minh");
            if m2 == m1 || m2 == given {
                m2 = if female { "Thu" } else { "Minh" };
            }
            format!("{m1} {m2} {given}")
        } else {
            format!("{m1} {given}")
        }
    }

    fn kinh_style(
        &self,
        rng: &mut ChaCha8Rng,
        family: &str,
        female: bool,
        birth_year: i32,
        vt: f64,
    ) -> String {
        // `vt`: extra chance of the plain "Văn"/"Thị" pattern, common among minorities.
        if rng.random_bool(vt) {
            let s = usize::from(female);
            let g = self.given[s].pick(rng).unwrap_or("An");
            return format!("{family} {} {g}", if female { "Thị" } else { "Văn" });
        }
        format!("{family} {}", self.kinh_rest(rng, female, birth_year))
    }

    /// A full name for a person of ethnic group `ethnic` (code 1–54).
    pub fn full_name(
        &self,
        rng: &mut ChaCha8Rng,
        ethnic: u8,
        female: bool,
        birth_year: i32,
        region: Region,
    ) -> String {
        for _ in 0..8 {
            let n = self.draw(rng, ethnic, female, birth_year, region);
            if !AVOID.contains(&n.as_str()) {
                return n;
            }
        }
        format!("{} Thị Hoa", one(rng, TAY_FAMILY))
    }

    fn draw(
        &self,
        rng: &mut ChaCha8Rng,
        ethnic: u8,
        female: bool,
        birth_year: i32,
        region: Region,
    ) -> String {
        let s = usize::from(female);
        match ethnic {
            // Tày, Nùng, Sán Chay, Giáy, Bố Y, La Chí, Pà Thẻn, Cơ Lao, Pu Péo.
            2 | 7 | 15 | 25 | 38 | 46 | 47 | 49 | 51 => {
                let f = one(rng, TAY_FAMILY);
                self.kinh_style(rng, f, female, birth_year, 0.5)
            }
            // Thái and neighbouring groups.
            3 | 29 | 33 | 34 | 37 | 39 | 42 | 45 => {
                let f = one(rng, THAI_FAMILY);
                if rng.random_bool(0.45) {
                    let g = one(rng, THAI_GIVEN[s]);
                    format!("{f} {} {g}", if female { "Thị" } else { "Văn" })
                } else {
                    self.kinh_style(rng, f, female, birth_year, 0.5)
                }
            }
            8 => {
                let f = one(rng, MONG_FAMILY);
                let m = if female {
                    "Thị"
                } else {
                    one(rng, MONG_MIDDLE_M)
                };
                let g = one(rng, MONG_GIVEN[s]);
                format!("{f} {m} {g}")
            }
            // Dao and the small northern groups.
            9 | 11 | 35 | 40 | 41 | 43 | 44 | 48 | 50 | 53 => {
                let f = one(rng, DAO_FAMILY);
                let m = one(rng, DAO_MIDDLE[s]);
                let g = one(rng, DAO_GIVEN[s]);
                format!("{f} {m} {g}")
            }
            6 => {
                let f = one(rng, MUONG_FAMILY);
                self.kinh_style(rng, f, female, birth_year, 0.4)
            }
            4 => {
                let f = one(rng, HOA_FAMILY);
                self.kinh_style(rng, f, female, birth_year, 0.0)
            }
            5 => {
                let f = one(rng, KHMER_FAMILY);
                let g = one(rng, KHMER_GIVEN[s]);
                if female && rng.random_bool(0.6) {
                    format!("{f} Thị {g}")
                } else {
                    format!("{f} {g}")
                }
            }
            17 => {
                let f = one(rng, CHAM_FAMILY);
                self.kinh_style(rng, f, female, birth_year, 0.5)
            }
            // Ê Đê, Mnông: given name first with the Y / H' prefix, clan name last.
            12 | 20 => {
                let clan = one(rng, if ethnic == 12 { EDE_CLAN } else { MNONG_CLAN });
                let g = one(rng, HIGHLAND_GIVEN[s]);
                if female {
                    format!("H'{g} {clan}")
                } else {
                    format!("Y {g} {clan}")
                }
            }
            10 | 16 | 22 | 28 | 32 | 36 => {
                let f = one(
                    rng,
                    match ethnic {
                        10 => GIARAI_FAMILY,
                        16 | 36 => COHO_FAMILY,
                        _ => STIENG_FAMILY,
                    },
                );
                let g = one(rng, HIGHLAND_GIVEN[s]);
                if female && rng.random_bool(0.5) {
                    format!("{f} H'{g}")
                } else {
                    format!("{f} {g}")
                }
            }
            21 => {
                let f = one(rng, RAGLAY_FAMILY);
                self.kinh_style(rng, f, female, birth_year, 0.6)
            }
            19 | 30 => {
                let f = one(rng, HRE_FAMILY);
                self.kinh_style(rng, f, female, birth_year, 0.6)
            }
            26 => {
                let f = one(rng, COTU_FAMILY);
                if rng.random_bool(0.5) {
                    format!("{f} {}", one(rng, HIGHLAND_GIVEN[s]))
                } else {
                    self.kinh_style(rng, f, female, birth_year, 0.5)
                }
            }
            23 | 31 => {
                let f = one(rng, TAOI_FAMILY);
                self.kinh_style(rng, f, female, birth_year, 0.6)
            }
            // Ba Na, Xơ Đăng, Gié Triêng, Brâu, Rơ Măm: "A …" for men, "Y …" for women.
            13 | 14 | 27 | 52 | 54 => {
                if rng.random_bool(0.65) {
                    let g = one(rng, BANA_GIVEN);
                    format!("{} {g}", if female { "Y" } else { "A" })
                } else {
                    let f = if rng.random_bool(0.6) {
                        "Đinh"
                    } else {
                        "Nguyễn"
                    };
                    self.kinh_style(rng, f, female, birth_year, 0.6)
                }
            }
            // Kinh, Sán Dìu, Thổ, Chu Ru… and any other: the national pattern.
            _ => {
                let f = self.kinh_family(rng, region);
                format!("{f} {}", self.kinh_rest(rng, female, birth_year))
            }
        }
    }
}

const HV: &[&str] = &[
    "An",
    "Bình",
    "Hòa",
    "Phú",
    "Tân",
    "Thành",
    "Lợi",
    "Hưng",
    "Thịnh",
    "Phúc",
    "Lộc",
    "Đông",
    "Tây",
    "Trung",
    "Thượng",
    "Hạ",
    "Xuân",
    "Yên",
    "Long",
    "Quang",
    "Minh",
    "Đức",
    "Thái",
    "Vĩnh",
    "Mỹ",
    "Hiệp",
    "Hải",
    "Sơn",
    "Thủy",
    "Lâm",
    "Cát",
    "Đồng",
    "Kim",
    "Ngọc",
    "Phong",
    "Khánh",
    "Tiến",
    "Hồng",
    "Châu",
    "Lạc",
    "Điền",
    "Khê",
    "Tú",
    "Nghĩa",
    "Thuận",
    "Trường",
    "Hà",
    "Định",
];
const NW1: &[&str] = &[
    "Nà", "Phìn", "Sín", "Lũng", "Khe", "Pà", "Nậm", "Cốc", "Ta", "Sán", "Tả", "Séo", "Lao",
    "Mường", "Púng", "Hồ", "Ngải", "Chu", "Pắc", "Khuổi", "Bó", "Cò", "Hua", "Co", "Huổi", "Pá",
    "Hát", "Làng", "Na", "Nả",
];
const NW2: &[&str] = &[
    "Lằng", "Chải", "Phìn", "Pả", "Thàng", "Mú", "Sung", "Chư", "Pao", "Cáng", "Lìn", "Khương",
    "Tủng", "Dền", "Ngài", "Sảng", "Ván", "Chồ", "Lùng", "Nọi", "Pho", "Lè", "Mòn", "Hẩu", "Luông",
    "Xa", "Mạ", "Tông", "Khoang", "Nhùng", "Páo", "Phổ", "Pấu", "Hin", "Kéo",
];
const HL1: &[&str] = &[
    "Ko", "Tơ", "Ia", "Đăk", "Kon", "Dơng", "Krông", "Ea", "Chư", "Kơ", "Pơ", "Jut", "Đê", "H'",
];
const HL2: &[&str] = &[
    "Tam", "Kriêng", "Bông", "Klăh", "Mrông", "Rông", "Dliê", "Wang", "Brăh", "Tuk", "Blang",
    "Tuôr", "Kô", "Bir", "Trang", "Ring", "Hra", "Sút",
];
const KH1: &[&str] = &[
    "Tà", "Trà", "Sóc", "Prey", "Bưng", "Ô", "Xẻo", "Rạch", "Cà", "Thốt", "Sà", "Kom", "Ba",
];
const KH2: &[&str] = &[
    "Lọt", "Sa", "Vẹt", "Tum", "Chông", "Rùm", "Ròm", "Cháy", "Bon", "Mẹt", "Nốt", "Ri", "Xoài",
];

/// How the villages of a commune are named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VillageStyle {
    /// Thôn / xóm with Sino-Vietnamese names or numbers (Kinh north and centre).
    KinhNorth,
    /// Ấp (Kinh south).
    KinhSouth,
    /// Thôn / bản with names from the northern mountain languages.
    Mountain { ban: bool },
    /// Buôn / plei / làng (Central Highlands groups).
    Highland,
    /// Ấp / phum / sóc (Khmer).
    Khmer,
    /// Tổ dân phố / khu phố / tiểu khu (wards and towns).
    Urban { prefix: &'static str },
}

impl VillageStyle {
    /// The style for a commune of `kind` whose dominant group is `ethnic`.
    pub fn pick(kind: &str, ethnic: u8, region: Region, province: &str) -> Self {
        if kind == "phường" || kind == "thị trấn" {
            let prefix = match (region, province) {
                (_, "14") => "Tiểu khu",
                (Region::Southeast | Region::Mekong, _) => "Khu phố",
                _ => "Tổ dân phố",
            };
            return VillageStyle::Urban { prefix };
        }
        match ethnic {
            1 | 4 | 18 | 24 | 17 => match region {
                Region::Southeast | Region::Mekong => VillageStyle::KinhSouth,
                _ => VillageStyle::KinhNorth,
            },
            5 => VillageStyle::Khmer,
            e if crate::regions::highland_group(e) => VillageStyle::Highland,
            _ => VillageStyle::Mountain {
                ban: matches!(province, "11" | "12" | "14" | "17"),
            },
        }
    }

    pub fn residential(self) -> bool {
        matches!(self, VillageStyle::Urban { .. })
    }

    /// The `n`-th village name (1-based); callers retry on duplicates.
    pub fn village(self, rng: &mut ChaCha8Rng, n: usize) -> String {
        let pair = |rng: &mut ChaCha8Rng, a: &[&str], b: &[&str]| {
            let x = one(rng, a);
            let mut y = one(rng, b);
            if x == y {
                y = b[0];
            }
            format!("{x} {y}")
        };
        match self {
            VillageStyle::Urban { prefix } => format!("{prefix} {n}"),
            VillageStyle::KinhNorth => match rng.random_range(0..10) {
                0..=1 => format!("Thôn {n}"),
                2 => format!("Xóm {}", pair(rng, HV, HV)),
                _ => format!("Thôn {}", pair(rng, HV, HV)),
            },
            VillageStyle::KinhSouth => match rng.random_range(0..10) {
                0..=2 => format!("Ấp {n}"),
                _ => format!("Ấp {}", pair(rng, HV, HV)),
            },
            VillageStyle::Mountain { ban } => {
                let p = if ban || rng.random_bool(0.15) {
                    "Bản"
                } else {
                    "Thôn"
                };
                format!("{p} {}", pair(rng, NW1, NW2))
            }
            VillageStyle::Highland => {
                let p = one(rng, &["Buôn", "Plei", "Làng", "Buôn", "Thôn"]);
                let a = one(rng, HL1);
                let b = one(rng, HL2);
                if a.ends_with('\'') {
                    format!("{p} {a}{b}")
                } else {
                    format!("{p} {a} {b}")
                }
            }
            VillageStyle::Khmer => {
                let p = if rng.random_bool(0.8) { "Ấp" } else { "Phum" };
                format!("{p} {}", pair(rng, KH1, KH2))
            }
        }
    }
}

/// "Chi bộ thôn Phìn Chải" for "Thôn Phìn Chải"; combined branches list the others after a
/// dash ("Chi bộ thôn Phìn Chải - Sín Chải").
pub fn branch_name_for(villages: &[&str]) -> String {
    let mut out = String::from("Chi bộ ");
    let first_prefix = villages
        .first()
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or("");
    for (i, v) in villages.iter().enumerate() {
        if i == 0 {
            out.push_str(&lower_first_word(v));
        } else {
            out.push_str(" - ");
            let prefix = v.split_whitespace().next().unwrap_or("");
            let numbered = v
                .split_whitespace()
                .last()
                .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()));
            if prefix == first_prefix && !numbered {
                out.push_str(v[prefix.len()..].trim_start());
            } else {
                out.push_str(&lower_first_word(v));
            }
        }
    }
    out
}

/// Lower-cases a leading "Thôn/Bản/Ấp/Buôn/Xóm/…" but keeps "Tổ dân phố", "Khu phố" as they are.
fn lower_first_word(v: &str) -> String {
    for p in [
        "Thôn ", "Bản ", "Ấp ", "Buôn ", "Xóm ", "Plei ", "Làng ", "Phum ",
    ] {
        if let Some(rest) = v.strip_prefix(p) {
            return format!("{}{rest}", p.to_lowercase());
        }
    }
    v.to_string()
}

/// An enterprise or cooperative name.
pub fn enterprise_name(rng: &mut ChaCha8Rng, cooperative: bool, place: &str) -> String {
    let a = one(rng, HV);
    let mut b = one(rng, HV);
    if a == b {
        b = "Phát";
    }
    if cooperative {
        let what = one(
            rng,
            &[
                "Nông nghiệp",
                "Chè",
                "Dịch vụ nông nghiệp",
                "Rau an toàn",
                "Chăn nuôi",
                "Dược liệu",
            ],
        );
        format!("Hợp tác xã {what} {place}")
    } else {
        let form = one(
            rng,
            &[
                "Công ty TNHH",
                "Công ty TNHH",
                "Công ty Cổ phần",
                "Doanh nghiệp tư nhân",
            ],
        );
        format!("{form} {a} {b}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn names_have_diacritics_and_patterns() {
        let d = RefData::load().unwrap();
        let n = PersonNames::new(&d);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let kinh: Vec<String> = (0..200)
            .map(|_| n.full_name(&mut rng, 1, true, 1970, Region::NorthDelta))
            .collect();
        assert!(kinh.iter().filter(|s| s.contains(" Thị ")).count() > 120);
        let mong = n.full_name(&mut rng, 8, false, 1995, Region::NorthMountain);
        assert!(MONG_FAMILY.iter().any(|f| mong.starts_with(f)), "{mong}");
        let ede = n.full_name(&mut rng, 12, true, 1995, Region::Highlands);
        assert!(ede.starts_with("H'"), "{ede}");
        for s in kinh.iter().chain([&mong, &ede]) {
            assert!(s.split_whitespace().count() >= 2, "{s}");
        }
    }

    #[test]
    fn branch_names() {
        assert_eq!(
            branch_name_for(&["Thôn Phìn Chải"]),
            "Chi bộ thôn Phìn Chải"
        );
        assert_eq!(
            branch_name_for(&["Thôn Phìn Chải", "Thôn Sín Chải"]),
            "Chi bộ thôn Phìn Chải - Sín Chải"
        );
        assert_eq!(branch_name_for(&["Tổ dân phố 3"]), "Chi bộ Tổ dân phố 3");
        assert_eq!(
            branch_name_for(&["Tổ dân phố 3", "Tổ dân phố 4"]),
            "Chi bộ Tổ dân phố 3 - Tổ dân phố 4"
        );
    }
}
