//! The Vietnamese paragraph the press writes about an admissions report (issue 4 item 7):
//! "Kết thúc năm 2024, toàn tỉnh đã kết nạp 2.287/2.022 đảng viên mới, đạt 113% kế hoạch,
//! vượt 13%. Trong đó, 1.100 đảng viên là nữ; …". Rows that are zero are left out.

use chrono::Datelike;

use super::{BreakdownReport, PeriodKind};
use crate::targets::Rate;
use crate::text::vi;

/// "Kết thúc năm 2024" for a whole calendar year, "Từ ngày 01/01/2024 đến ngày 30/06/2024"
/// otherwise.
fn opening(r: &BreakdownReport) -> String {
    let p = &r.period;
    let whole_year = p.kind == PeriodKind::Year
        && p.from.month() == 1
        && p.from.day() == 1
        && p.to.year() == p.from.year() + 1
        && p.to.month() == 1
        && p.to.day() == 1;
    if whole_year {
        format!("Kết thúc năm {}", p.from.year())
    } else {
        format!(
            "Từ ngày {} đến ngày {}",
            vi::date(p.from),
            vi::date(p.last_day())
        )
    }
}

/// The paragraph for an admissions report. `subject` is who admitted ("toàn tỉnh", "Đảng bộ
/// xã Nậm Mả"); `target` the plan for the period, when there is one.
pub fn narrative(r: &BreakdownReport, subject: &str, target: Option<i64>) -> String {
    let total = r.count("total");
    let mut out = format!("{}, {subject} đã kết nạp ", opening(r));
    match target.filter(|t| *t > 0) {
        Some(t) => {
            let rate = Rate::new(total, t);
            out.push_str(&format!(
                "{} đảng viên mới, đạt {} kế hoạch",
                rate.fraction(),
                rate.text()
            ));
            if let Some(over) = rate.exceeded_by().filter(|o| *o > 0) {
                out.push_str(&format!(", vượt {over}%"));
            }
        }
        None => out.push_str(&format!("{} đảng viên mới", vi::number(total))),
    }
    out.push('.');
    if total == 0 {
        return out;
    }

    let characteristics: Vec<String> = [
        ("women", "là nữ"),
        ("ethnic_minority", "là người dân tộc thiểu số"),
        ("occupation.pupil_student", "là học sinh, sinh viên"),
        (
            "occupation.private_economic",
            "làm việc trong các đơn vị kinh tế tư nhân",
        ),
    ]
    .iter()
    .filter_map(|(id, words)| {
        let n = r.count(id);
        (n > 0).then(|| format!("{} đảng viên {words}", vi::number(n)))
    })
    .collect();
    if !characteristics.is_empty() {
        out.push_str(&format!(" Trong đó, {}.", characteristics.join("; ")));
    }

    let upper = r.count("education.upper_secondary");
    if upper > 0 {
        out.push_str(&format!(
            " Về trình độ giáo dục phổ thông, {} đảng viên mới ({}) có trình độ trung học phổ thông.",
            vi::number(upper),
            Rate::new(upper, total).text()
        ));
    }

    let qualifications: Vec<String> = [
        ("qualification.doctorate", "tiến sĩ"),
        ("qualification.master", "thạc sĩ"),
        ("qualification.university", "đại học"),
        ("qualification.college", "cao đẳng"),
        ("qualification.intermediate", "trung cấp"),
        ("qualification.elementary", "sơ cấp"),
    ]
    .iter()
    .filter_map(|(id, words)| {
        let n = r.count(id);
        (n > 0).then(|| format!("{} {words}", vi::number(n)))
    })
    .collect();
    if !qualifications.is_empty() {
        out.push_str(&format!(
            " Về trình độ chuyên môn, có {}.",
            qualifications.join(", ")
        ));
    }

    let previous = r
        .rows
        .iter()
        .find(|row| row.id == "total")
        .map_or(0, |row| row.previous);
    if previous > 0 {
        let cmp = Rate::new(total, previous).text_precise();
        let change = match total.cmp(&previous) {
            std::cmp::Ordering::Greater => format!(
                "tăng {} đảng viên (bằng {cmp})",
                vi::number(total - previous)
            ),
            std::cmp::Ordering::Less => format!(
                "giảm {} đảng viên (bằng {cmp})",
                vi::number(previous - total)
            ),
            std::cmp::Ordering::Equal => "không thay đổi".to_string(),
        };
        out.push_str(&format!(
            " So với cùng kỳ năm trước ({} đảng viên), {change}.",
            vi::number(previous)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::{BreakdownRow, ReportPeriod, Structure, UnitRef};

    fn row(id: &str, current: i64, previous: i64) -> BreakdownRow {
        BreakdownRow {
            id: id.to_string(),
            label_vi: id.to_string(),
            label_en: id.to_string(),
            level: 0,
            current,
            previous,
            percent: None,
            share: None,
            current_vi: vi::number(current),
            previous_vi: vi::number(previous),
            percent_vi: String::new(),
            share_vi: String::new(),
        }
    }

    fn report(period: &str, rows: &[(&str, i64, i64)]) -> Result<BreakdownReport, String> {
        let period = ReportPeriod::parse(period).map_err(|v| v.message)?;
        Ok(BreakdownReport {
            report: "admissions".into(),
            title_vi: "Thống kê đảng viên mới kết nạp".into(),
            org: UnitRef {
                code: "LC".into(),
                name: "Đảng bộ tỉnh Lào Cai".into(),
            },
            compared_with: period.previous(),
            period,
            structure: Structure::AsWas,
            structure_vi: String::new(),
            notes: vec![],
            rows: rows.iter().map(|(i, c, p)| row(i, *c, *p)).collect(),
        })
    }

    const LAO_CAI: &[(&str, i64, i64)] = &[
        ("total", 2287, 0),
        ("women", 1100, 0),
        ("ethnic_minority", 1452, 0),
        ("occupation.pupil_student", 65, 0),
        ("occupation.private_economic", 85, 0),
        ("education.upper_secondary", 1810, 0),
        ("qualification.master", 40, 0),
        ("qualification.university", 754, 0),
        ("qualification.college", 303, 0),
        ("qualification.intermediate", 198, 0),
        ("qualification.elementary", 0, 0),
        ("religious", 0, 0),
    ];

    #[test]
    fn reproduces_the_press_sentences() -> Result<(), String> {
        type Case<'a> = (
            &'a str,
            &'a str,
            &'a [(&'a str, i64, i64)],
            Option<i64>,
            &'a str,
        );
        let cases: &[Case] = &[
            (
                "2024",
                "toàn tỉnh",
                LAO_CAI,
                Some(2022),
                "Kết thúc năm 2024, toàn tỉnh đã kết nạp 2.287/2.022 đảng viên mới, đạt 113% kế hoạch, vượt 13%. \
                 Trong đó, 1.100 đảng viên là nữ; 1.452 đảng viên là người dân tộc thiểu số; \
                 65 đảng viên là học sinh, sinh viên; 85 đảng viên làm việc trong các đơn vị kinh tế tư nhân. \
                 Về trình độ giáo dục phổ thông, 1.810 đảng viên mới (79,1%) có trình độ trung học phổ thông. \
                 Về trình độ chuyên môn, có 40 thạc sĩ, 754 đại học, 303 cao đẳng, 198 trung cấp.",
            ),
            // Nậm Mả: 14 against 6 → 233%, vượt 133%; the village's 6 women; zero rows skipped.
            (
                "2024",
                "Đảng bộ xã Nậm Mả",
                &[("total", 14, 7), ("women", 6, 3), ("ethnic_minority", 0, 0)],
                Some(6),
                "Kết thúc năm 2024, Đảng bộ xã Nậm Mả đã kết nạp 14/6 đảng viên mới, đạt 233% kế hoạch, vượt 133%. \
                 Trong đó, 6 đảng viên là nữ. \
                 So với cùng kỳ năm trước (7 đảng viên), tăng 7 đảng viên (bằng 200%).",
            ),
            // Pác Nặm mid-term: below plan, no "vượt"; a part of a year; a decrease.
            (
                "2023-H1",
                "huyện Pác Nặm",
                &[("total", 215, 230)],
                Some(400),
                "Từ ngày 01/01/2023 đến ngày 30/06/2023, huyện Pác Nặm đã kết nạp 215/400 đảng viên mới, đạt 53,7% kế hoạch. \
                 So với cùng kỳ năm trước (230 đảng viên), giảm 15 đảng viên (bằng 93,4%).",
            ),
            // Without a target: just the count.
            (
                "2024",
                "toàn tỉnh",
                &[("total", 2287, 2287), ("women", 1100, 900)],
                None,
                "Kết thúc năm 2024, toàn tỉnh đã kết nạp 2.287 đảng viên mới. \
                 Trong đó, 1.100 đảng viên là nữ. \
                 So với cùng kỳ năm trước (2.287 đảng viên), không thay đổi.",
            ),
            (
                "2024",
                "toàn tỉnh",
                &[("total", 0, 0)],
                Some(10),
                "Kết thúc năm 2024, toàn tỉnh đã kết nạp 0/10 đảng viên mới, đạt 0% kế hoạch.",
            ),
        ];
        for (period, subject, rows, target, want) in cases {
            let r = report(period, rows)?;
            assert_eq!(narrative(&r, subject, *target), *want, "{subject} {period}");
        }
        Ok(())
    }
}
