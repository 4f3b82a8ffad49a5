//! A person's party status over time, with the branch they belong to.

use serde::{Deserialize, Serialize};

use crate::dates::Period;
use crate::error::Violation;
use crate::org::OrgId;

crate::code_enum!(
    /// Tình trạng — party status of a person over a period.
    PartyStatus {
        /// Quần chúng ưu tú in a branch's source list (nguồn phát triển đảng viên).
        Candidate = "candidate" / "Quần chúng ưu tú",
        /// Đảng viên dự bị — probationary member (12 months from the ceremony).
        Probationary = "probationary" / "Đảng viên dự bị",
        /// Đảng viên chính thức — official member.
        Official = "official" / "Đảng viên chính thức",
        /// Chuyển sinh hoạt đi — transferred out of the organizations ketnap holds.
        TransferredOut = "transferred_out" / "Đã chuyển sinh hoạt đi",
        /// Xóa tên / khai trừ — removed from the rolls.
        Removed = "removed" / "Đã xóa tên",
        /// Từ trần — deceased.
        Deceased = "deceased" / "Từ trần",
    }
);

impl PartyStatus {
    /// Whether the person counts in member totals (probationary or official).
    pub fn is_member(self) -> bool {
        matches!(self, PartyStatus::Probationary | PartyStatus::Official)
    }

    /// Whether the status ends the person's story in ketnap (no further spell may follow,
    /// except a transfer back in for `TransferredOut`, or re-admission after removal).
    pub fn can_follow(self, next: PartyStatus) -> bool {
        use PartyStatus::*;
        match (self, next) {
            (Deceased, _) => false,
            (Candidate, Candidate | Probationary | Removed | TransferredOut | Deceased) => true,
            (Probationary, Probationary | Official | Removed | TransferredOut | Deceased) => true,
            (Official, Official | Removed | TransferredOut | Deceased) => true,
            (TransferredOut, Candidate | Probationary | Official | Deceased) => true,
            (Removed, Candidate | Deceased) => true,
            _ => false,
        }
    }

    /// Whether a spell of this status must name a branch.
    pub fn needs_branch(self) -> bool {
        matches!(
            self,
            PartyStatus::Candidate | PartyStatus::Probationary | PartyStatus::Official
        )
    }
}

/// One spell: a status held in a branch (or outside any, for ended statuses) over a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusSpell {
    pub status: PartyStatus,
    pub branch: Option<OrgId>,
    pub period: Period,
}

/// Checks a person's spells: contiguous without overlap, allowed successions, a branch where
/// the status needs one; only the last spell may be open.
pub fn check_spells(spells: &[StatusSpell]) -> Result<(), Violation> {
    let mut sorted: Vec<&StatusSpell> = spells.iter().collect();
    sorted.sort_by_key(|s| s.period);
    for (i, s) in sorted.iter().enumerate() {
        if s.status.needs_branch() && s.branch.is_none() {
            return Err(Violation::new(
                format!("status[{i}].branch"),
                "person.status.branch",
                format!("a {} belongs to a branch", s.status.as_str()),
            ));
        }
    }
    for (i, w) in sorted.windows(2).enumerate() {
        let (a, b) = (w[0], w[1]);
        if a.period.overlaps(&b.period) {
            return Err(Violation::new(
                format!("status[{}]", i + 1),
                "person.status.overlap",
                format!("spells {} and {} overlap", a.period, b.period),
            ));
        }
        if !a.period.meets(&b.period) {
            return Err(Violation::new(
                format!("status[{}]", i + 1),
                "person.status.gap",
                format!("spell {} does not start where {} ends", b.period, a.period),
            ));
        }
        if !a.status.can_follow(b.status) {
            return Err(Violation::new(
                format!("status[{}]", i + 1),
                "person.status.succession",
                format!("{} cannot follow {}", b.status.as_str(), a.status.as_str()),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn p(a: (i32, u32), b: Option<(i32, u32)>) -> Period {
        let d = |(y, m): (i32, u32)| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default();
        Period {
            from: d(a),
            to: b.map(d),
        }
    }

    #[test]
    fn member_path() {
        let ok = [
            StatusSpell {
                status: PartyStatus::Candidate,
                branch: Some(7),
                period: p((2021, 1), Some((2022, 5))),
            },
            StatusSpell {
                status: PartyStatus::Probationary,
                branch: Some(7),
                period: p((2022, 5), Some((2023, 5))),
            },
            StatusSpell {
                status: PartyStatus::Official,
                branch: Some(7),
                period: p((2023, 5), None),
            },
        ];
        assert_eq!(check_spells(&ok), Ok(()));
        let mut bad = ok;
        bad[1].status = PartyStatus::Deceased;
        bad[1].branch = None;
        assert_eq!(
            check_spells(&bad).map_err(|v| v.rule),
            Err("person.status.succession")
        );
        let mut gap = ok;
        gap[1].period = p((2022, 6), Some((2023, 5)));
        assert_eq!(
            check_spells(&gap).map_err(|v| v.rule),
            Err("person.status.gap")
        );
        let mut nobranch = ok;
        nobranch[2].branch = None;
        assert_eq!(
            check_spells(&nobranch).map_err(|v| v.rule),
            Err("person.status.branch")
        );
    }
}
