//! What differs by province: region, border, ethnic mix and religion mix (legacy province codes).
//!
//! The ethnic mixes are rounded shares of the 2019 census by province as commonly published
//! (heuristic, demo-grade; codes of `data/ethnic_groups.csv`: 01 Kinh, 02 Tày, 03 Thái, 05
//! Khmer, 06 Mường, 07 Nùng, 08 Mông, 09 Dao, 10 Gia Rai, 12 Ê Đê, 13 Ba Na, 14 Xơ Đăng …).
//! Provinces not listed are lowland: almost all Kinh, with the national small groups.

/// Broad region, for naming habits (thôn/bản/buôn/ấp, Hoàng/Huỳnh) and defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    NorthMountain,
    NorthDelta,
    NorthCentral,
    SouthCentral,
    Highlands,
    Southeast,
    Mekong,
}

impl Region {
    /// Whether Hoàng/Vũ (north) or Huỳnh/Võ (south) is the usual spelling; 0 = north, 1 = centre,
    /// 2 = south.
    pub fn north_south(self) -> u8 {
        match self {
            Region::NorthMountain | Region::NorthDelta => 0,
            Region::NorthCentral | Region::SouthCentral | Region::Highlands => 1,
            Region::Southeast | Region::Mekong => 2,
        }
    }
}

/// Population shares (%) of declared religions (the rest: none).
#[derive(Clone, Copy, Debug, Default)]
pub struct Religions {
    pub catholic: f64,
    pub protestant: f64,
    pub buddhist: f64,
    pub cao_dai: f64,
    pub hoa_hao: f64,
    pub other: f64,
}

#[derive(Clone, Copy, Debug)]
pub struct Profile {
    pub region: Region,
    /// Has a land border or a coastline: a provincial border-guard committee.
    pub border: bool,
    pub ethnic: &'static [(u8, f64)],
    pub religions: Religions,
}

const LOWLAND: &[(u8, f64)] = &[(1, 98.6), (4, 0.4), (6, 0.4), (2, 0.2), (7, 0.2), (5, 0.2)];

/// Cao Đài and Hòa Hảo are southern religions: zero unless a province sets them (and see
/// [`profile`] for the southern defaults).
fn rel(catholic: f64, protestant: f64, buddhist: f64) -> Religions {
    Religions {
        catholic,
        protestant,
        buddhist,
        cao_dai: 0.0,
        hoa_hao: 0.0,
        // Set from `data/religions.csv` by the caller.
        other: 0.0,
    }
}

/// The profile of a legacy province.
pub fn profile(code: &str) -> Profile {
    use Region::*;
    let (region, border, ethnic, religions): (Region, bool, &'static [(u8, f64)], Religions) =
        match code {
            "01" => (
                NorthDelta,
                false,
                &[(1, 98.6), (6, 0.8), (2, 0.2), (3, 0.1), (4, 0.1)],
                rel(1.5, 0.2, 2.0),
            ),
            "02" => (
                NorthMountain,
                true,
                &[
                    (8, 33.0),
                    (2, 23.0),
                    (9, 15.0),
                    (1, 13.0),
                    (7, 9.0),
                    (25, 2.0),
                    (38, 2.0),
                    (46, 1.0),
                    (43, 0.5),
                    (49, 0.5),
                    (40, 1.0),
                ],
                rel(0.3, 6.0, 0.3),
            ),
            "04" => (
                NorthMountain,
                true,
                &[
                    (2, 41.0),
                    (7, 31.0),
                    (8, 10.0),
                    (9, 10.0),
                    (1, 5.0),
                    (15, 1.0),
                    (43, 0.5),
                ],
                rel(0.5, 2.0, 0.3),
            ),
            "06" => (
                NorthMountain,
                false,
                &[
                    (2, 53.0),
                    (9, 17.0),
                    (1, 12.0),
                    (7, 10.0),
                    (8, 6.0),
                    (4, 0.5),
                ],
                rel(0.3, 1.5, 0.3),
            ),
            "08" => (
                NorthMountain,
                false,
                &[
                    (1, 45.0),
                    (2, 25.0),
                    (9, 11.0),
                    (15, 8.0),
                    (8, 3.0),
                    (7, 2.0),
                    (18, 1.5),
                    (46, 0.5),
                ],
                rel(0.5, 1.0, 0.5),
            ),
            "10" => (
                NorthMountain,
                true,
                &[
                    (1, 34.0),
                    (8, 25.0),
                    (2, 15.0),
                    (9, 14.0),
                    (25, 5.0),
                    (7, 4.0),
                    (40, 1.5),
                    (35, 1.0),
                    (49, 0.3),
                    (38, 0.2),
                ],
                rel(0.5, 5.0, 0.3),
            ),
            "11" => (
                NorthMountain,
                true,
                &[
                    (3, 37.0),
                    (8, 37.0),
                    (1, 18.0),
                    (29, 3.0),
                    (9, 1.0),
                    (35, 0.7),
                    (37, 0.4),
                    (48, 0.2),
                    (50, 0.1),
                ],
                rel(0.3, 8.0, 0.2),
            ),
            "12" => (
                NorthMountain,
                true,
                &[
                    (3, 33.0),
                    (8, 25.0),
                    (1, 14.0),
                    (9, 13.0),
                    (35, 7.0),
                    (42, 1.3),
                    (25, 1.0),
                    (48, 0.6),
                    (41, 2.0),
                    (45, 0.8),
                    (29, 0.5),
                ],
                rel(0.3, 8.0, 0.2),
            ),
            "14" => (
                NorthMountain,
                true,
                &[
                    (3, 53.0),
                    (1, 17.0),
                    (8, 17.0),
                    (6, 7.0),
                    (34, 2.0),
                    (9, 1.5),
                    (29, 1.0),
                    (39, 0.7),
                    (33, 0.8),
                    (37, 0.3),
                ],
                rel(0.3, 3.0, 0.2),
            ),
            "15" => (
                NorthMountain,
                false,
                &[
                    (1, 50.0),
                    (2, 18.0),
                    (9, 12.0),
                    (8, 11.0),
                    (3, 6.0),
                    (6, 1.0),
                    (7, 1.0),
                    (25, 0.5),
                    (29, 0.5),
                ],
                rel(0.8, 3.0, 0.5),
            ),
            "17" => (
                NorthMountain,
                false,
                &[(6, 63.0), (1, 28.0), (3, 4.0), (9, 2.0), (2, 2.0), (8, 1.0)],
                rel(1.0, 0.3, 0.3),
            ),
            "19" => (
                NorthMountain,
                false,
                &[
                    (1, 73.0),
                    (2, 11.0),
                    (7, 5.0),
                    (15, 3.0),
                    (9, 2.0),
                    (18, 2.0),
                    (8, 1.0),
                    (4, 0.5),
                ],
                rel(1.0, 0.3, 1.0),
            ),
            "20" => (
                NorthMountain,
                true,
                &[
                    (7, 42.0),
                    (2, 35.0),
                    (1, 17.0),
                    (9, 4.0),
                    (15, 1.0),
                    (4, 0.5),
                    (8, 0.5),
                ],
                rel(0.5, 0.5, 0.5),
            ),
            "22" => (
                NorthDelta,
                true,
                &[
                    (1, 88.0),
                    (9, 5.0),
                    (2, 3.0),
                    (18, 2.0),
                    (15, 1.0),
                    (4, 0.5),
                    (7, 0.5),
                ],
                rel(2.0, 0.2, 2.0),
            ),
            "24" => (
                NorthMountain,
                false,
                &[
                    (1, 88.0),
                    (7, 5.0),
                    (2, 3.0),
                    (15, 2.0),
                    (18, 1.0),
                    (4, 0.5),
                    (9, 0.5),
                ],
                rel(1.5, 0.3, 0.5),
            ),
            "25" => (
                NorthMountain,
                false,
                &[(1, 85.0), (6, 14.0), (9, 1.0)],
                rel(1.0, 0.2, 0.5),
            ),
            "26" => (
                NorthDelta,
                false,
                &[(1, 97.0), (18, 2.5), (6, 0.5)],
                rel(2.0, 0.2, 0.5),
            ),
            "34" => (
                NorthDelta,
                true,
                &[(1, 99.8), (6, 0.2)],
                rel(10.0, 0.1, 0.5),
            ),
            "35" => (
                NorthDelta,
                false,
                &[(1, 99.8), (6, 0.2)],
                rel(5.0, 0.1, 0.5),
            ),
            "36" => (
                NorthDelta,
                true,
                &[(1, 99.8), (6, 0.2)],
                rel(25.0, 0.1, 0.5),
            ),
            "37" => (
                NorthDelta,
                true,
                &[(1, 98.0), (6, 2.0)],
                rel(15.0, 0.1, 1.0),
            ),
            "38" => (
                NorthCentral,
                true,
                &[(1, 85.0), (6, 9.0), (3, 5.5), (8, 0.3), (9, 0.1), (29, 0.1)],
                rel(3.0, 0.2, 0.5),
            ),
            "40" => (
                NorthCentral,
                true,
                &[
                    (1, 86.0),
                    (3, 10.5),
                    (29, 1.4),
                    (8, 1.2),
                    (6, 0.6),
                    (53, 0.1),
                ],
                rel(5.0, 0.1, 0.3),
            ),
            "42" => (
                NorthCentral,
                true,
                &[(1, 99.8), (6, 0.1), (3, 0.1)],
                rel(6.0, 0.1, 0.3),
            ),
            "44" => (
                NorthCentral,
                true,
                &[(1, 98.0), (23, 1.5), (44, 0.5)],
                rel(7.0, 0.1, 0.3),
            ),
            "45" => (
                NorthCentral,
                true,
                &[(1, 88.0), (23, 10.0), (31, 2.0)],
                rel(4.0, 1.0, 2.0),
            ),
            "46" => (
                NorthCentral,
                true,
                &[(1, 96.0), (31, 3.0), (26, 1.0)],
                rel(3.0, 0.3, 25.0),
            ),
            "48" => (
                SouthCentral,
                true,
                &[(1, 99.0), (26, 0.5), (4, 0.5)],
                rel(3.0, 0.5, 8.0),
            ),
            "49" => (
                SouthCentral,
                true,
                &[(1, 92.0), (26, 4.0), (14, 3.0), (27, 1.0)],
                rel(2.0, 0.5, 4.0),
            ),
            "51" => (
                SouthCentral,
                true,
                &[(1, 88.0), (19, 10.0), (30, 2.0)],
                rel(1.0, 0.3, 2.0),
            ),
            "52" => (
                SouthCentral,
                true,
                &[(1, 98.0), (13, 1.5), (17, 0.5)],
                rel(2.0, 0.5, 3.0),
            ),
            "54" => (
                SouthCentral,
                true,
                &[(1, 95.0), (17, 2.5), (12, 1.5), (13, 1.0)],
                rel(2.0, 1.0, 3.0),
            ),
            "56" => (
                SouthCentral,
                true,
                &[(1, 95.0), (21, 4.0), (4, 0.5), (12, 0.5)],
                rel(4.0, 1.0, 5.0),
            ),
            "58" => (
                SouthCentral,
                true,
                &[(1, 77.0), (17, 12.0), (21, 11.0)],
                rel(3.0, 1.0, 3.0),
            ),
            "60" => (
                SouthCentral,
                true,
                &[(1, 94.0), (17, 3.0), (21, 1.0), (4, 1.0), (16, 1.0)],
                rel(10.0, 0.5, 5.0),
            ),
            "62" => (
                Highlands,
                true,
                &[
                    (1, 47.0),
                    (14, 26.0),
                    (13, 14.0),
                    (27, 7.0),
                    (10, 4.0),
                    (52, 0.5),
                    (54, 0.5),
                    (3, 0.5),
                    (7, 0.5),
                ],
                rel(30.0, 3.0, 1.0),
            ),
            "64" => (
                Highlands,
                true,
                &[(1, 53.0), (10, 34.0), (13, 12.0), (2, 0.5), (7, 0.5)],
                rel(8.0, 15.0, 2.0),
            ),
            "66" => (
                Highlands,
                true,
                &[
                    (1, 65.0),
                    (12, 19.0),
                    (7, 4.0),
                    (2, 3.0),
                    (20, 2.0),
                    (8, 1.5),
                    (10, 1.0),
                    (3, 1.0),
                    (9, 1.0),
                    (6, 1.0),
                    (18, 1.5),
                ],
                rel(8.0, 12.0, 3.0),
            ),
            "67" => (
                Highlands,
                true,
                &[
                    (1, 65.0),
                    (20, 10.0),
                    (7, 6.0),
                    (8, 6.0),
                    (2, 4.0),
                    (12, 2.0),
                    (9, 3.0),
                    (28, 2.0),
                    (3, 1.0),
                    (6, 1.0),
                ],
                rel(6.0, 15.0, 2.0),
            ),
            "68" => (
                Highlands,
                false,
                &[
                    (1, 75.0),
                    (16, 12.0),
                    (28, 3.0),
                    (36, 2.0),
                    (7, 2.0),
                    (2, 2.0),
                    (4, 1.0),
                    (3, 1.0),
                    (9, 1.0),
                    (13, 1.0),
                ],
                rel(20.0, 8.0, 5.0),
            ),
            "70" => (
                Southeast,
                true,
                &[
                    (1, 81.0),
                    (22, 9.0),
                    (7, 3.0),
                    (2, 2.0),
                    (5, 2.0),
                    (20, 1.0),
                    (4, 1.0),
                    (9, 1.0),
                ],
                rel(6.0, 3.0, 5.0),
            ),
            "72" => (
                Southeast,
                true,
                &[(1, 98.0), (5, 1.0), (17, 0.5), (4, 0.5)],
                Religions {
                    cao_dai: 25.0,
                    ..rel(3.0, 0.5, 8.0)
                },
            ),
            "74" => (
                Southeast,
                false,
                &[(1, 98.0), (4, 1.0), (5, 0.5), (2, 0.5)],
                rel(5.0, 0.5, 5.0),
            ),
            "75" => (
                Southeast,
                false,
                &[
                    (1, 94.0),
                    (4, 3.0),
                    (7, 1.0),
                    (32, 0.5),
                    (2, 1.0),
                    (28, 0.5),
                ],
                rel(28.0, 1.5, 6.0),
            ),
            "77" => (
                Southeast,
                true,
                &[(1, 97.0), (32, 1.5), (4, 1.5)],
                rel(18.0, 1.0, 6.0),
            ),
            "79" => (
                Southeast,
                true,
                &[(1, 93.0), (4, 5.5), (5, 0.5), (17, 0.2), (2, 0.4), (7, 0.4)],
                rel(10.0, 1.0, 10.0),
            ),
            "80" => (
                Mekong,
                true,
                &[(1, 99.5), (5, 0.3), (4, 0.2)],
                Religions {
                    cao_dai: 3.0,
                    ..rel(1.0, 0.2, 4.0)
                },
            ),
            "82" => (
                Mekong,
                true,
                &[(1, 99.5), (4, 0.3), (5, 0.2)],
                Religions {
                    cao_dai: 3.0,
                    ..rel(2.0, 0.2, 5.0)
                },
            ),
            "83" => (
                Mekong,
                true,
                &[(1, 99.5), (4, 0.3), (5, 0.2)],
                Religions {
                    cao_dai: 4.0,
                    ..rel(3.0, 0.3, 5.0)
                },
            ),
            "84" => (
                Mekong,
                true,
                &[(1, 67.0), (5, 32.0), (4, 1.0)],
                rel(2.0, 0.3, 30.0),
            ),
            "86" => (
                Mekong,
                false,
                &[(1, 97.5), (5, 2.0), (4, 0.5)],
                Religions {
                    hoa_hao: 1.0,
                    ..rel(3.0, 0.3, 5.0)
                },
            ),
            "87" => (
                Mekong,
                true,
                &[(1, 99.8), (4, 0.1), (5, 0.1)],
                Religions {
                    hoa_hao: 10.0,
                    ..rel(1.0, 0.2, 5.0)
                },
            ),
            "89" => (
                Mekong,
                true,
                &[(1, 94.0), (5, 4.5), (17, 0.6), (4, 0.9)],
                Religions {
                    hoa_hao: 30.0,
                    other: 0.7,
                    ..rel(1.0, 0.2, 5.0)
                },
            ),
            "91" => (
                Mekong,
                true,
                &[(1, 85.0), (5, 12.5), (4, 2.5)],
                Religions {
                    hoa_hao: 3.0,
                    ..rel(2.0, 0.3, 14.0)
                },
            ),
            "92" => (
                Mekong,
                false,
                &[(1, 97.0), (5, 2.0), (4, 1.0)],
                Religions {
                    hoa_hao: 5.0,
                    ..rel(1.5, 0.3, 5.0)
                },
            ),
            "93" => (
                Mekong,
                false,
                &[(1, 95.0), (5, 4.0), (4, 1.0)],
                Religions {
                    hoa_hao: 3.0,
                    ..rel(1.0, 0.3, 6.0)
                },
            ),
            "94" => (
                Mekong,
                true,
                &[(1, 64.0), (5, 30.0), (4, 6.0)],
                rel(1.0, 0.3, 33.0),
            ),
            "95" => (
                Mekong,
                true,
                &[(1, 90.0), (5, 8.0), (4, 2.0)],
                rel(2.0, 0.3, 12.0),
            ),
            "96" => (
                Mekong,
                true,
                &[(1, 97.0), (5, 2.5), (4, 0.5)],
                rel(3.0, 0.3, 4.0),
            ),
            // Bắc Ninh, Hải Dương, Hải Phòng (coastal), Hưng Yên.
            c => (NorthDelta, c == "31", LOWLAND, rel(2.0, 0.1, 1.0)),
        };
    let mut religions = religions;
    if matches!(region, Southeast | Mekong) && religions.cao_dai == 0.0 {
        religions.cao_dai = 1.0;
    }
    if region == Mekong && religions.hoa_hao == 0.0 {
        religions.hoa_hao = 0.5;
    }
    Profile {
        region,
        border,
        ethnic,
        religions,
    }
}

/// Whether an ethnic group is one of the Central Highlands / Trường Sơn groups whose names do
/// not follow the Kinh pattern.
pub fn highland_group(code: u8) -> bool {
    matches!(
        code,
        10 | 12 | 13 | 14 | 16 | 20 | 21 | 22 | 27 | 28 | 32 | 36 | 52 | 54
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_legacy_province_has_a_profile() {
        let d = crate::data::RefData::load().unwrap();
        for p in &d.legacy_provinces {
            let pr = profile(p.code);
            let sum: f64 = pr.ethnic.iter().map(|(_, s)| s).sum();
            assert!((95.0..=101.0).contains(&sum), "{} {sum}", p.code);
            assert!(pr.ethnic.iter().all(|(c, _)| (1..=54).contains(c)));
        }
        assert!(profile("10").border);
        assert_eq!(profile("66").region, Region::Highlands);
    }
}
