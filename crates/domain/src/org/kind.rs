//! Kinds of party organizations and the sectors they work in.

use serde::{Deserialize, Serialize};

/// The level of a party organization in the tree (domain spec §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Trung ương — the national root (Ban Chấp hành Trung ương); one unit, code `TW`.
    Central,
    /// Đảng bộ tỉnh / thành phố (Tỉnh ủy, Thành ủy) — provincial committee.
    ProvincialCommittee,
    /// Đảng bộ cấp trên trực tiếp của cơ sở — a committee directly under the province: the
    /// district committees (huyện, thị xã, thành phố thuộc tỉnh; abolished 1/7/2025) and their
    /// equivalents (Đảng bộ Khối, Quân sự, Công an, Biên phòng tỉnh…).
    DirectCommittee,
    /// Đảng bộ cơ sở — grassroots committee, with branches below it (led by a Đảng ủy).
    GrassrootsCommittee,
    /// Chi bộ cơ sở — grassroots branch, with no branches below it.
    GrassrootsBranch,
    /// Đảng bộ bộ phận — sub-committee inside a grassroots committee.
    SubCommittee,
    /// Chi bộ trực thuộc — a branch under a grassroots committee or sub-committee.
    Branch,
}

impl OrgKind {
    pub const ALL: [OrgKind; 7] = [
        OrgKind::Central,
        OrgKind::ProvincialCommittee,
        OrgKind::DirectCommittee,
        OrgKind::GrassrootsCommittee,
        OrgKind::GrassrootsBranch,
        OrgKind::SubCommittee,
        OrgKind::Branch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Central => "central",
            OrgKind::ProvincialCommittee => "provincial_committee",
            OrgKind::DirectCommittee => "direct_committee",
            OrgKind::GrassrootsCommittee => "grassroots_committee",
            OrgKind::GrassrootsBranch => "grassroots_branch",
            OrgKind::SubCommittee => "sub_committee",
            OrgKind::Branch => "branch",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            OrgKind::Central => "Trung ương",
            OrgKind::ProvincialCommittee => "Đảng bộ tỉnh/thành phố",
            OrgKind::DirectCommittee => "Đảng bộ cấp trên cơ sở",
            OrgKind::GrassrootsCommittee => "Đảng bộ cơ sở",
            OrgKind::GrassrootsBranch => "Chi bộ cơ sở",
            OrgKind::SubCommittee => "Đảng bộ bộ phận",
            OrgKind::Branch => "Chi bộ trực thuộc",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            OrgKind::Central => "Central Committee",
            OrgKind::ProvincialCommittee => "Provincial committee",
            OrgKind::DirectCommittee => "Committee above grassroots",
            OrgKind::GrassrootsCommittee => "Grassroots committee",
            OrgKind::GrassrootsBranch => "Grassroots branch",
            OrgKind::SubCommittee => "Sub-committee",
            OrgKind::Branch => "Branch",
        }
    }

    /// Which kinds may be this kind's parent. The grassroots level sits under a direct committee
    /// (before 1/7/2025, or in sectors such as the armed forces) or directly under the province.
    pub fn allowed_parents(self) -> &'static [OrgKind] {
        match self {
            OrgKind::Central => &[],
            OrgKind::ProvincialCommittee => &[OrgKind::Central],
            OrgKind::DirectCommittee => &[OrgKind::ProvincialCommittee],
            OrgKind::GrassrootsCommittee | OrgKind::GrassrootsBranch => {
                &[OrgKind::DirectCommittee, OrgKind::ProvincialCommittee]
            }
            OrgKind::SubCommittee => &[OrgKind::GrassrootsCommittee],
            OrgKind::Branch => &[OrgKind::GrassrootsCommittee, OrgKind::SubCommittee],
        }
    }

    /// Whether party members are kept directly in units of this kind (branches are where
    /// members belong and meet).
    pub fn holds_members(self) -> bool {
        matches!(self, OrgKind::GrassrootsBranch | OrgKind::Branch)
    }

    /// Whether this is a grassroots organization (tổ chức cơ sở đảng).
    pub fn is_grassroots(self) -> bool {
        matches!(
            self,
            OrgKind::GrassrootsCommittee | OrgKind::GrassrootsBranch
        )
    }
}

/// The sector a unit works in (loại hình): territorial or by kind of institution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// Toàn quốc (the central root).
    Nation,
    /// Tỉnh, thành phố trực thuộc trung ương.
    Province,
    /// Huyện, thị xã, quận, thành phố thuộc tỉnh (district level, until 30/6/2025).
    District,
    /// Xã.
    Commune,
    /// Phường.
    Ward,
    /// Thị trấn (until 30/6/2025).
    Township,
    /// Đặc khu (special zone, from 1/7/2025).
    SpecialZone,
    /// Thôn, bản, ấp, buôn (village branch).
    Village,
    /// Tổ dân phố, tiểu khu, khu phố (residential-group branch).
    ResidentialGroup,
    /// Cơ quan (party, state, mass-organization agencies).
    Agency,
    /// Doanh nghiệp nhà nước (state enterprise).
    StateEnterprise,
    /// Doanh nghiệp ngoài nhà nước / đơn vị kinh tế tư nhân (private economic unit).
    PrivateEnterprise,
    /// Hợp tác xã.
    Cooperative,
    /// Trường học (school, university).
    School,
    /// Bệnh viện, trạm y tế (health).
    Health,
    /// Đơn vị sự nghiệp khác (other public-service unit).
    PublicService,
    /// Quân đội (army, militia command).
    Military,
    /// Biên phòng (border guard).
    BorderGuard,
    /// Công an (police).
    Police,
    /// Other.
    Other,
}

impl Sector {
    pub const ALL: [Sector; 20] = [
        Sector::Nation,
        Sector::Province,
        Sector::District,
        Sector::Commune,
        Sector::Ward,
        Sector::Township,
        Sector::SpecialZone,
        Sector::Village,
        Sector::ResidentialGroup,
        Sector::Agency,
        Sector::StateEnterprise,
        Sector::PrivateEnterprise,
        Sector::Cooperative,
        Sector::School,
        Sector::Health,
        Sector::PublicService,
        Sector::Military,
        Sector::BorderGuard,
        Sector::Police,
        Sector::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Nation => "nation",
            Sector::Province => "province",
            Sector::District => "district",
            Sector::Commune => "commune",
            Sector::Ward => "ward",
            Sector::Township => "township",
            Sector::SpecialZone => "special_zone",
            Sector::Village => "village",
            Sector::ResidentialGroup => "residential_group",
            Sector::Agency => "agency",
            Sector::StateEnterprise => "state_enterprise",
            Sector::PrivateEnterprise => "private_enterprise",
            Sector::Cooperative => "cooperative",
            Sector::School => "school",
            Sector::Health => "health",
            Sector::PublicService => "public_service",
            Sector::Military => "military",
            Sector::BorderGuard => "border_guard",
            Sector::Police => "police",
            Sector::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the sector is a territorial commune-level unit (xã, phường, thị trấn, đặc khu).
    pub fn is_commune_level(self) -> bool {
        matches!(
            self,
            Sector::Commune | Sector::Ward | Sector::Township | Sector::SpecialZone
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(k));
        }
        for s in Sector::ALL {
            assert_eq!(Sector::parse(s.as_str()), Some(s));
        }
        assert_eq!(OrgKind::parse("chi bo"), None);
    }

    #[test]
    fn branches_sit_under_committees() {
        assert!(
            OrgKind::Branch
                .allowed_parents()
                .contains(&OrgKind::GrassrootsCommittee)
        );
        assert!(
            !OrgKind::Branch
                .allowed_parents()
                .contains(&OrgKind::ProvincialCommittee)
        );
        assert!(
            OrgKind::GrassrootsCommittee
                .allowed_parents()
                .contains(&OrgKind::ProvincialCommittee)
        );
    }
}
