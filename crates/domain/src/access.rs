//! Phân quyền — who may do what: roles, the permissions each role has, which sensitive fields a
//! role sees, and the password, username and lockout rules. Pure: the web layer asks
//! [`allows`] before every endpoint and checks the organization subtree itself (a user acts
//! only on their own unit and the units below it, `docs/decisions.md` §15).

use serde::{Deserialize, Serialize};

/// Vai trò — a user's role. Every role but [`Role::Admin`] is confined to the subtree of the
/// user's organization unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Quản trị hệ thống — system administrator: everything, users, the national calendar.
    Admin,
    /// Cán bộ ban tổ chức cấp ủy — committee staff (province or commune organization board):
    /// candidates, events, members, targets, structure operations, reports and the audit trail
    /// of their unit and below.
    CommitteeStaff,
    /// Bí thư chi bộ — branch secretary: the candidates, events and members of their branch.
    BranchSecretary,
    /// Trung tâm chính trị — political centre: courses and certificates in its area, and the
    /// course status of the candidates there.
    PoliticalCentre,
    /// Lãnh đạo (xem) — leader: reports and dashboards only; personal data masked.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::CommitteeStaff,
        Role::BranchSecretary,
        Role::PoliticalCentre,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CommitteeStaff => "committee_staff",
            Role::BranchSecretary => "branch_secretary",
            Role::PoliticalCentre => "political_centre",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
    }

    /// The Vietnamese name, for pages and messages.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị hệ thống",
            Role::CommitteeStaff => "Cán bộ ban tổ chức cấp ủy",
            Role::BranchSecretary => "Bí thư chi bộ",
            Role::PoliticalCentre => "Trung tâm chính trị",
            Role::Viewer => "Lãnh đạo (chỉ xem báo cáo)",
        }
    }

    /// Whether the role is confined to the subtree of the user's unit (every role but admin).
    pub fn is_scoped(self) -> bool {
        self != Role::Admin
    }
}

/// Quyền — what an endpoint needs. The subtree is checked separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Any signed-in user (the endpoint list, one's own account).
    SignedIn,
    /// The organization tree, units, their history, localities.
    ReadStructure,
    /// Structure operations: create, rename, move, merge, split, dissolve.
    ChangeStructure,
    /// People: search and the person's record (a dossier view is audited).
    ReadPeople,
    /// Candidates' cases, what is due, mentors.
    ReadCases,
    /// Open cases, record events, import events.
    WriteCases,
    ReadCourses,
    /// Create courses, enrol, record completions and certificates.
    WriteCourses,
    /// Reports, statistics, targets and achievement.
    ReadReports,
    SetTargets,
    /// The working-day calendar and the difficult areas.
    ReadCalendar,
    /// Public holidays and the Tết schedule (national data).
    WriteCalendar,
    /// Designate a unit a difficult area.
    DesignateAreas,
    /// The audit trail.
    ReadAudit,
    /// Users and API tokens.
    ManageUsers,
}

impl Permission {
    pub const ALL: [Permission; 15] = [
        Permission::SignedIn,
        Permission::ReadStructure,
        Permission::ChangeStructure,
        Permission::ReadPeople,
        Permission::ReadCases,
        Permission::WriteCases,
        Permission::ReadCourses,
        Permission::WriteCourses,
        Permission::ReadReports,
        Permission::SetTargets,
        Permission::ReadCalendar,
        Permission::WriteCalendar,
        Permission::DesignateAreas,
        Permission::ReadAudit,
        Permission::ManageUsers,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::SignedIn => "signed_in",
            Permission::ReadStructure => "read_structure",
            Permission::ChangeStructure => "change_structure",
            Permission::ReadPeople => "read_people",
            Permission::ReadCases => "read_cases",
            Permission::WriteCases => "write_cases",
            Permission::ReadCourses => "read_courses",
            Permission::WriteCourses => "write_courses",
            Permission::ReadReports => "read_reports",
            Permission::SetTargets => "set_targets",
            Permission::ReadCalendar => "read_calendar",
            Permission::WriteCalendar => "write_calendar",
            Permission::DesignateAreas => "designate_areas",
            Permission::ReadAudit => "read_audit",
            Permission::ManageUsers => "manage_users",
        }
    }
}

/// Whether `role` has `permission` (the subtree is checked separately).
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission as P;
    match role {
        Role::Admin => true,
        Role::CommitteeStaff => !matches!(permission, P::WriteCalendar | P::ManageUsers),
        Role::BranchSecretary => matches!(
            permission,
            P::SignedIn
                | P::ReadStructure
                | P::ReadPeople
                | P::ReadCases
                | P::WriteCases
                | P::ReadCourses
                | P::ReadCalendar
        ),
        Role::PoliticalCentre => matches!(
            permission,
            P::SignedIn
                | P::ReadStructure
                | P::ReadPeople
                | P::ReadCases
                | P::ReadCourses
                | P::WriteCourses
                | P::ReadCalendar
        ),
        Role::Viewer => matches!(
            permission,
            P::SignedIn | P::ReadStructure | P::ReadReports | P::ReadCalendar
        ),
    }
}

/// A sensitive field of a person (Nghị định 13/2023: sensitive personal data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveField {
    /// Số CCCD — shown as `*********345` when masked.
    Cccd,
    /// Ngày sinh — the birth year only when masked.
    BirthDate,
    /// Dân tộc — left out when masked.
    EthnicGroup,
    /// Tôn giáo — left out when masked.
    Religion,
}

/// The sensitive fields `role` sees masked. The people who keep the dossier (branch
/// secretaries, committee staff) see them in full; the others — including the system
/// administrator, who manages accounts, not dossiers — see them masked.
pub fn masked_fields(role: Role) -> &'static [SensitiveField] {
    match role {
        Role::CommitteeStaff | Role::BranchSecretary => &[],
        Role::Admin | Role::PoliticalCentre | Role::Viewer => &[
            SensitiveField::Cccd,
            SensitiveField::BirthDate,
            SensitiveField::EthnicGroup,
            SensitiveField::Religion,
        ],
    }
}

// ---- passwords, usernames, lockout ----------------------------------------------------------

/// The shortest password accepted (characters).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted (characters; bounds the hashing work an attacker can ask for).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Why a password or username is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("the password must have at most {MAX_PASSWORD_CHARS} characters")]
    PasswordTooLong,
    #[error("the password must not be the username")]
    PasswordIsUsername,
    #[error(
        "a username is 2 to 64 characters: lowercase letters a-z, digits, '.', '_' or '-', starting with a letter"
    )]
    BadUsername,
}

/// Checks a new password: at least 10 characters, at most 256, not the username.
pub fn check_password(username: &str, password: &str) -> Result<(), CredentialError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(CredentialError::PasswordTooShort);
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(CredentialError::PasswordTooLong);
    }
    if password.trim().eq_ignore_ascii_case(username.trim()) {
        return Err(CredentialError::PasswordIsUsername);
    }
    Ok(())
}

/// The canonical form of a username (trimmed, lowercase), or why it is refused.
pub fn normalize_username(s: &str) -> Result<String, CredentialError> {
    let u = s.trim().to_ascii_lowercase();
    let ok_len = (2..=64).contains(&u.len());
    let ok_first = u.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok_len && ok_first && ok_chars {
        Ok(u)
    } else {
        Err(CredentialError::BadUsername)
    }
}

/// Failed sign-ins counted per username.
pub const LOCKOUT_FAILURES: usize = 5;
/// The window the failures are counted in (seconds): 15 minutes.
pub const LOCKOUT_WINDOW_SECS: i64 = 15 * 60;
/// How long a username stays locked after the last counted failure (seconds): 15 minutes.
pub const LOCKOUT_SECS: i64 = 15 * 60;
/// A session ends after this long without a request (seconds): 12 hours.
pub const SESSION_IDLE_SECS: i64 = 12 * 3600;
/// A session ends this long after sign-in whatever its use (seconds): 7 days.
pub const SESSION_MAX_SECS: i64 = 7 * 24 * 3600;

/// Until when (Unix seconds) a username is locked, given the times of its recent failed
/// sign-ins: [`LOCKOUT_FAILURES`] failures within [`LOCKOUT_WINDOW_SECS`] lock it for
/// [`LOCKOUT_SECS`] after the last of them. `None` when it is not locked at `now`.
pub fn locked_until(failures: &[i64], now: i64) -> Option<i64> {
    let mut recent: Vec<i64> = failures
        .iter()
        .copied()
        .filter(|t| *t <= now && now - *t < LOCKOUT_WINDOW_SECS + LOCKOUT_SECS)
        .collect();
    recent.sort_unstable();
    // Any run of LOCKOUT_FAILURES failures inside one window locks from its last one.
    let mut until = None;
    for w in recent.windows(LOCKOUT_FAILURES) {
        if let (Some(first), Some(last)) = (w.first(), w.last())
            && last - first < LOCKOUT_WINDOW_SECS
        {
            until = Some(last + LOCKOUT_SECS);
        }
    }
    until.filter(|u| *u > now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_has_everything_and_others_have_less() {
        for p in Permission::ALL {
            assert!(allows(Role::Admin, p), "{p:?}");
        }
        for r in Role::ALL {
            assert!(allows(r, Permission::SignedIn));
            assert!(allows(r, Permission::ReadStructure));
            assert!(allows(r, Permission::ReadCalendar));
            if r != Role::Admin {
                assert!(!allows(r, Permission::ManageUsers), "{r:?}");
                assert!(!allows(r, Permission::WriteCalendar), "{r:?}");
            }
        }
    }

    #[test]
    fn the_matrix_of_the_issue() {
        use Permission as P;
        let staff = Role::CommitteeStaff;
        for p in [
            P::ReadCases,
            P::WriteCases,
            P::ReadPeople,
            P::SetTargets,
            P::ChangeStructure,
            P::ReadReports,
            P::ReadAudit,
            P::DesignateAreas,
        ] {
            assert!(allows(staff, p), "{p:?}");
        }
        let sec = Role::BranchSecretary;
        assert!(allows(sec, P::WriteCases) && allows(sec, P::ReadPeople));
        assert!(!allows(sec, P::ReadReports) && !allows(sec, P::SetTargets));
        assert!(!allows(sec, P::ChangeStructure) && !allows(sec, P::WriteCourses));
        let centre = Role::PoliticalCentre;
        assert!(allows(centre, P::WriteCourses) && allows(centre, P::ReadCases));
        assert!(!allows(centre, P::WriteCases) && !allows(centre, P::ReadReports));
        let viewer = Role::Viewer;
        assert!(allows(viewer, P::ReadReports));
        for p in [
            P::ReadPeople,
            P::ReadCases,
            P::WriteCases,
            P::ReadAudit,
            P::SetTargets,
        ] {
            assert!(!allows(viewer, p), "{p:?}");
        }
    }

    #[test]
    fn masking_per_role() {
        assert!(masked_fields(Role::BranchSecretary).is_empty());
        assert!(masked_fields(Role::CommitteeStaff).is_empty());
        for r in [Role::Viewer, Role::PoliticalCentre, Role::Admin] {
            assert!(masked_fields(r).contains(&SensitiveField::Cccd));
            assert!(masked_fields(r).contains(&SensitiveField::Religion));
        }
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert!(!r.label_vi().is_empty());
        }
        assert_eq!(Role::parse(" Viewer "), Some(Role::Viewer));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn passwords_and_usernames() {
        assert_eq!(
            check_password("lan", "short"),
            Err(CredentialError::PasswordTooShort)
        );
        assert_eq!(
            check_password("lan", "ngắn-quá9"),
            Err(CredentialError::PasswordTooShort)
        );
        assert!(check_password("lan", "mật-khẩu-đủ-dài").is_ok());
        assert_eq!(
            check_password("administrator", "Administrator"),
            Err(CredentialError::PasswordIsUsername)
        );
        assert_eq!(
            check_password("lan", &"x".repeat(257)),
            Err(CredentialError::PasswordTooLong)
        );
        assert_eq!(normalize_username(" Chibo.01 "), Ok("chibo.01".into()));
        for bad in ["", "a", "1abc", "bà-lan", "a b", &"a".repeat(65)] {
            assert_eq!(
                normalize_username(bad),
                Err(CredentialError::BadUsername),
                "{bad}"
            );
        }
    }

    #[test]
    fn five_failures_in_fifteen_minutes_lock_for_fifteen() {
        let t0 = 1_000_000;
        let four: Vec<i64> = (0..4).map(|i| t0 + i * 60).collect();
        assert_eq!(locked_until(&four, t0 + 300), None);
        let mut five = four.clone();
        five.push(t0 + 600);
        assert_eq!(locked_until(&five, t0 + 601), Some(t0 + 600 + LOCKOUT_SECS));
        assert_eq!(locked_until(&five, t0 + 600 + LOCKOUT_SECS), None);
        // Spread over more than the window: no lock.
        let spread: Vec<i64> = (0..5).map(|i| t0 + i * 300).collect();
        assert_eq!(locked_until(&spread, t0 + 1201), None);
        // Failures in the future (clock skew between servers) do not count.
        assert_eq!(locked_until(&[t0 + 10; 5], t0), None);
    }
}
