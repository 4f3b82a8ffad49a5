//! Biểu 2-BTCTW "Thống kê đảng viên mới kết nạp": the breakdown rows, computed from facts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::facts::count_rows;

use crate::dates::{Date, months_between};
use crate::person::{
    EthnicGroup, GeneralEducation, Occupation, PoliticalTheory, ProfessionalQualification,
    Religion, Sex,
};
use crate::text::vi;

/// One counted event (an admission, or a recognition as official member) with the person's
/// characteristics as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFact {
    /// The day it happened (the ceremony for an admission; the end of probation for a
    /// recognition).
    pub date: Date,
    pub sex: Sex,
    pub birth_date: Date,
    pub ethnic_group: EthnicGroup,
    pub religion: Religion,
    pub education: GeneralEducation,
    pub qualification: ProfessionalQualification,
    pub political_theory: PoliticalTheory,
    pub occupation: Occupation,
    pub youth_union: bool,
}

/// Age bands of the form (domain spec §5), by whole years at the event's date.
pub const AGE_BANDS: [(&str, &str, &str, i32, i32); 5] = [
    ("age.18_30", "Từ 18 đến 30 tuổi", "Aged 18–30", 0, 30),
    ("age.31_40", "Từ 31 đến 40 tuổi", "Aged 31–40", 31, 40),
    ("age.41_50", "Từ 41 đến 50 tuổi", "Aged 41–50", 41, 50),
    ("age.51_60", "Từ 51 đến 60 tuổi", "Aged 51–60", 51, 60),
    ("age.over_60", "Trên 60 tuổi", "Over 60", 61, i32::MAX),
];

/// The row id of the age band of someone born on `birth` on `on`. Whole years (tuổi tròn): a
/// person is 31 from their 31st birthday; "over 60" from the 61st (confirm against the form's
/// instructions; the admission rule's "over 60" — 721 months — is a different question).
pub fn age_band(birth: Date, on: Date) -> &'static str {
    let years = months_between(birth, on).div_euclid(12);
    AGE_BANDS
        .iter()
        .find(|(_, _, _, lo, hi)| (*lo..=*hi).contains(&years))
        .map_or("age.18_30", |b| b.0)
}

/// A row definition: stable id, labels, and which facts it counts.
pub struct RowDef {
    pub id: String,
    pub label_vi: String,
    pub label_en: String,
    /// Indentation level in the form (0 = a heading figure, 1 = a line under a group).
    pub level: u8,
    test: Box<dyn Fn(&EventFact) -> bool + Send + Sync>,
}

impl RowDef {
    fn new(
        id: impl Into<String>,
        vi: impl Into<String>,
        en: impl Into<String>,
        level: u8,
        test: impl Fn(&EventFact) -> bool + Send + Sync + 'static,
    ) -> Self {
        RowDef {
            id: id.into(),
            label_vi: vi.into(),
            label_en: en.into(),
            level,
            test: Box::new(test),
        }
    }
    pub fn counts(&self, f: &EventFact) -> bool {
        (self.test)(f)
    }
}

fn en_of(id: &str) -> String {
    id.rsplit('.')
        .next()
        .unwrap_or(id)
        .replace('_', " ")
        .to_string()
}

/// The rows of Biểu 2-BTCTW in order (stable ids: `total`, `women`, `ethnic_minority`,
/// `religious`, `youth_union`, `age.*`, `education.*`, `qualification.*`, `theory.*`,
/// `occupation.*`, the last parts being the codes of the person attributes).
pub fn rows() -> Vec<RowDef> {
    let mut v = vec![
        RowDef::new("total", "Tổng số", "Total", 0, |_| true),
        RowDef::new("women", "Nữ", "Women", 1, |f| f.sex.is_female()),
        RowDef::new(
            "ethnic_minority",
            "Dân tộc thiểu số",
            "Ethnic minorities",
            1,
            |f| f.ethnic_group.is_minority(),
        ),
        RowDef::new("religious", "Tôn giáo", "Religious believers", 1, |f| {
            f.religion.is_believer()
        }),
        RowDef::new(
            "youth_union",
            "Đoàn viên thanh niên",
            "Youth Union members",
            1,
            |f| f.youth_union,
        ),
    ];
    for (id, vi, en, _, _) in AGE_BANDS {
        v.push(RowDef::new(id, vi, en, 1, move |f| {
            age_band(f.birth_date, f.date) == id
        }));
    }
    for &e in GeneralEducation::ALL {
        v.push(RowDef::new(
            format!("education.{}", e.as_str()),
            format!("Giáo dục phổ thông: {}", e.label_vi()),
            format!("General education: {}", en_of(e.as_str())),
            1,
            move |f| f.education == e,
        ));
    }
    for &q in ProfessionalQualification::ALL {
        v.push(RowDef::new(
            format!("qualification.{}", q.as_str()),
            format!("Chuyên môn: {}", q.label_vi()),
            format!("Qualification: {}", en_of(q.as_str())),
            1,
            move |f| f.qualification == q,
        ));
    }
    for &t in PoliticalTheory::ALL {
        v.push(RowDef::new(
            format!("theory.{}", t.as_str()),
            format!("Lý luận chính trị: {}", t.label_vi()),
            format!("Political theory: {}", en_of(t.as_str())),
            1,
            move |f| f.political_theory == t,
        ));
    }
    for &o in Occupation::ALL {
        v.push(RowDef::new(
            format!("occupation.{}", o.as_str()),
            format!("Nghề nghiệp: {}", o.label_vi()),
            format!("Occupation: {}", en_of(o.as_str())),
            1,
            move |f| f.occupation == o,
        ));
    }
    v
}

/// One line of the form: this period, the same period last year, and the comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakdownRow {
    pub id: String,
    pub label_vi: String,
    pub label_en: String,
    pub level: u8,
    /// Kỳ này.
    pub current: i64,
    /// Cùng kỳ năm trước.
    pub previous: i64,
    /// % so sánh: current / previous × 100, none when previous is 0.
    pub percent: Option<f64>,
    /// Share of this period's total, in %.
    pub share: Option<f64>,
    pub current_vi: String,
    pub previous_vi: String,
    pub percent_vi: String,
    pub share_vi: String,
}

/// `a / b × 100`, none when `b` is 0.
pub fn ratio_percent(a: i64, b: i64) -> Option<f64> {
    (b != 0).then(|| a as f64 * 100.0 / b as f64)
}

/// A percentage the way the reports write it: one decimal, `,` mark, `–` when undefined.
pub fn percent_vi(p: Option<f64>) -> String {
    p.map_or_else(|| "–".to_string(), |x| vi::percent(x, 1))
}

/// Rows `ethnic.<code>` (level 2, under `ethnic_minority`) for each minority group counted in
/// either period, by code.
fn ethnic_rows(counts: &[&BTreeMap<String, i64>]) -> Vec<RowDef> {
    let mut groups: Vec<EthnicGroup> = counts
        .iter()
        .flat_map(|m| m.iter())
        .filter(|(_, n)| **n != 0)
        .filter_map(|(id, _)| id.strip_prefix("ethnic."))
        .filter_map(EthnicGroup::parse)
        .filter(|g| g.is_minority())
        .collect();
    groups.sort();
    groups.dedup();
    groups
        .into_iter()
        .map(|g| {
            RowDef::new(
                format!("ethnic.{}", g.code()),
                format!("Dân tộc {}", g.name()),
                format!("Ethnic group: {}", g.name()),
                2,
                move |f| f.ethnic_group == g,
            )
        })
        .collect()
}

/// Counts `current` and `previous` facts into the rows of the form (with one row per ethnic
/// minority group present, under "Dân tộc thiểu số").
pub fn breakdown(current: &[EventFact], previous: &[EventFact]) -> Vec<BreakdownRow> {
    breakdown_counts(&count_rows(current), &count_rows(previous))
}

/// The rows of the form from counts per row id (see [`row_ids`](super::facts::row_ids)): how
/// the pre-aggregated path builds the same report as [`breakdown`].
pub fn breakdown_counts(
    current: &BTreeMap<String, i64>,
    previous: &BTreeMap<String, i64>,
) -> Vec<BreakdownRow> {
    let mut defs = rows();
    if let Some(at) = defs.iter().position(|r| r.id == "ethnic_minority") {
        let extra = ethnic_rows(&[current, previous]);
        defs.splice(at + 1..at + 1, extra);
    }
    let get = |m: &BTreeMap<String, i64>, id: &str| m.get(id).copied().unwrap_or(0);
    let total = get(current, "total");
    defs.iter()
        .map(|r| {
            let c = get(current, &r.id);
            let p = get(previous, &r.id);
            let percent = ratio_percent(c, p);
            let share = ratio_percent(c, total);
            BreakdownRow {
                id: r.id.clone(),
                label_vi: r.label_vi.clone(),
                label_en: r.label_en.clone(),
                level: r.level,
                current: c,
                previous: p,
                percent,
                share,
                current_vi: vi::number(c),
                previous_vi: vi::number(p),
                percent_vi: percent_vi(percent),
                share_vi: percent_vi(share),
            }
        })
        .collect()
}
