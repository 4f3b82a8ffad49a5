//! Grouping the due items of the domain ([`ketnap_domain::pipeline::due_items`]) for the due
//! list of a subtree.

use chrono::Days;
use ketnap_domain::Date;
use ketnap_domain::pipeline::{DueItem, DueKind};
use serde::Serialize;

/// Nhóm việc đến hạn — where a due item is listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueGroup {
    /// Quá hạn — a time limit has passed (without a recorded exception).
    Overdue,
    /// Đến hạn trong 7 ngày — the last day is within the next 7 days (today included).
    ThisWeek,
    /// Đến hạn trong 30 ngày — the last day is within the next 30 days.
    ThisMonth,
    /// Hồ sơ không có hoạt động — no event for the number of months asked.
    Stalled,
    /// Giấy chứng nhận sắp hết hạn / đã hết hạn — the awareness certificate expires within 90
    /// days, or has expired, before the branch vote.
    Certificate,
}

impl DueGroup {
    pub const ALL: [DueGroup; 5] = [
        DueGroup::Overdue,
        DueGroup::ThisWeek,
        DueGroup::ThisMonth,
        DueGroup::Stalled,
        DueGroup::Certificate,
    ];

    /// Stable code (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            DueGroup::Overdue => "overdue",
            DueGroup::ThisWeek => "this_week",
            DueGroup::ThisMonth => "this_month",
            DueGroup::Stalled => "stalled",
            DueGroup::Certificate => "certificate",
        }
    }

    /// Vietnamese heading.
    pub fn label_vi(self) -> &'static str {
        match self {
            DueGroup::Overdue => "Quá hạn",
            DueGroup::ThisWeek => "Đến hạn trong 7 ngày",
            DueGroup::ThisMonth => "Đến hạn trong 30 ngày",
            DueGroup::Stalled => "Hồ sơ không có hoạt động",
            DueGroup::Certificate => "Giấy chứng nhận sắp hết hạn",
        }
    }

    /// English heading.
    pub fn label_en(self) -> &'static str {
        match self {
            DueGroup::Overdue => "overdue",
            DueGroup::ThisWeek => "due within 7 days",
            DueGroup::ThisMonth => "due within 30 days",
            DueGroup::Stalled => "stalled",
            DueGroup::Certificate => "certificates expiring",
        }
    }
}

/// Days ahead counted as "this week" / "this month" (today is day 0).
pub(crate) const WEEK_DAYS: u64 = 6;
pub(crate) const MONTH_DAYS: u64 = 29;

/// The group of an item on `as_of`, or `None` for what the due list leaves out (steps without
/// a time limit, limits more than 30 days away).
pub(crate) fn classify(item: &DueItem, as_of: Date) -> Option<DueGroup> {
    let ahead = |n: u64| as_of.checked_add_days(Days::new(n)).unwrap_or(as_of);
    match item.kind {
        DueKind::Stalled => Some(DueGroup::Stalled),
        DueKind::CertificateExpiring | DueKind::CertificateExpired => Some(DueGroup::Certificate),
        DueKind::NextStep => None,
        _ if item.overdue => Some(DueGroup::Overdue),
        _ => match item.due_date {
            Some(d) if d <= ahead(WEEK_DAYS) => Some(DueGroup::ThisWeek),
            Some(d) if d <= ahead(MONTH_DAYS) => Some(DueGroup::ThisMonth),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn item(kind: DueKind, due: Option<Date>, overdue: bool) -> DueItem {
        DueItem {
            kind,
            step: None,
            due_date: due,
            overdue,
            rule_id: None,
            message_vi: String::new(),
            message_en: String::new(),
        }
    }

    #[test]
    fn groups() {
        let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap_or_default();
        let today = d(3, 1);
        let c = |k, due, o| classify(&item(k, due, o), today);
        assert_eq!(
            c(DueKind::Ceremony, Some(d(2, 20)), true),
            Some(DueGroup::Overdue)
        );
        assert_eq!(
            c(DueKind::Ceremony, Some(d(3, 7)), false),
            Some(DueGroup::ThisWeek)
        );
        assert_eq!(
            c(DueKind::Ceremony, Some(d(3, 8)), false),
            Some(DueGroup::ThisMonth)
        );
        assert_eq!(
            c(DueKind::Ceremony, Some(d(3, 30)), false),
            Some(DueGroup::ThisMonth)
        );
        assert_eq!(c(DueKind::Ceremony, Some(d(3, 31)), false), None);
        assert_eq!(c(DueKind::NextStep, None, false), None);
        assert_eq!(
            c(DueKind::Stalled, Some(d(1, 1)), true),
            Some(DueGroup::Stalled)
        );
        assert_eq!(
            c(DueKind::CertificateExpired, Some(d(1, 1)), true),
            Some(DueGroup::Certificate)
        );
    }
}
