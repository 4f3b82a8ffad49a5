//! The JSON API under `/api/v1`, one file per resource.

pub mod auth;
pub mod calendar;
pub mod courses;
pub mod exchange;
pub mod forms;
pub mod health;
pub mod localities;
pub mod openapi;
pub mod org;
pub mod people;
pub mod pipeline;
pub mod reports;
pub mod stats;
pub mod targets;

use axum::Router;
use axum::routing::{MethodRouter, delete, get, post, put};
use ketnap_domain::access::Permission;
use serde::Serialize;

use crate::AppState;

/// One endpoint of the API, as listed on the front page and at `GET /api/v1`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    /// An example request; `{code}` stands for a unit code and `{date}` for a date.
    pub example: &'static str,
    pub about_vi: &'static str,
    pub about_en: &'static str,
}

/// Every endpoint, in the order the front page lists them.
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "GET",
        path: "/health",
        example: "/health",
        about_vi: "Tình trạng máy chủ và cơ sở dữ liệu",
        about_en: "Server and database health",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/org/tree?root=CODE&as_of=YYYY-MM-DD&depth=N",
        example: "/api/v1/org/tree?as_of={date}&depth=2",
        about_vi: "Cây tổ chức đảng tại một ngày",
        about_en: "The organization tree as of a date",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/org/{code}",
        example: "/api/v1/org/{code}",
        about_vi: "Một tổ chức đảng (kèm đơn vị kế thừa hiện nay)",
        about_en: "One unit, with the unit that holds its history today",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/org/{code}/history",
        example: "/api/v1/org/{code}/history",
        about_vi: "Lịch sử: tên, cấp trên, tiền thân, kế thừa",
        about_en: "History: names, superiors, predecessors, successors",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/org/{code}/children?as_of=YYYY-MM-DD",
        example: "/api/v1/org/{code}/children?as_of={date}",
        about_vi: "Các tổ chức trực thuộc tại một ngày",
        about_en: "Subordinate units as of a date",
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/org/operations",
        example: "",
        about_vi: "Thành lập, đổi tên, điều chuyển, sáp nhập, chia tách, giải thể (JSON)",
        about_en: "Create, rename, move, merge, split, dissolve (JSON body)",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/reports",
        example: "/api/v1/reports",
        about_vi: "Danh sách báo cáo",
        about_en: "The reports that can be asked for",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/reports/{name}?org=CODE&period=2024|2024-06|2024-H1|2020-2025&as_of=YYYY-MM-DD&rebase=true&format=json|csv|narrative&target=N&subject=",
        example: "/api/v1/reports/admissions?org={code}&period=2024",
        about_vi: "Báo cáo: kết nạp theo Biểu 2-BTCTW, công nhận chính thức, số lượng đảng viên, địa bàn (theo cơ cấu tại thời điểm hoặc quy đổi theo cơ cấu hiện nay)",
        about_en: "Reports: admissions (form 2-BTCTW), recognitions, membership, coverage (structure as it was, or re-based onto today's)",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/stats?as_of=YYYY-MM-DD",
        example: "/api/v1/stats?as_of={date}",
        about_vi: "Số liệu: tổ chức theo loại, địa bàn theo loại, người theo tình trạng",
        about_en: "Counts: units by kind, localities by kind, people by status",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/localities?org=CODE&as_of=YYYY-MM-DD",
        example: "/api/v1/localities?org={code}&as_of={date}",
        about_vi: "Địa bàn (thôn, bản, tổ dân phố…) của một xã hoặc một cây con, kèm chi bộ phụ trách",
        about_en: "Localities of a commune or subtree, with population and serving branch",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/localities/{code}",
        example: "",
        about_vi: "Lịch sử một địa bàn: xã, dân số theo năm, chi bộ phụ trách",
        about_en: "A locality's history: communes, population by year, serving branches",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/people?q=NAME|CCCD&org=CODE&as_of=YYYY-MM-DD&limit=N",
        example: "/api/v1/people?org={code}&limit=20",
        about_vi: "Tìm người theo tên (không dấu cũng được) hoặc số CCCD",
        about_en: "Find people by name (diacritics optional) or CCCD",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/people/{id}",
        example: "",
        about_vi: "Một người và lịch sử tình trạng đảng viên (thông tin nhạy cảm được che)",
        about_en: "One person with their party status history (sensitive fields masked)",
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/cases",
        example: "",
        about_vi: "Đưa quần chúng ưu tú vào danh sách nguồn của chi bộ (mở hồ sơ)",
        about_en: "Put a person on a branch's source list (opens a case)",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/cases?org=CODE&stage=&as_of=YYYY-MM-DD&limit=N",
        example: "/api/v1/cases?org={code}&as_of={date}",
        about_vi: "Các hồ sơ phát triển đảng viên trong một tổ chức (theo giai đoạn)",
        about_en: "Candidates' cases under a unit (optionally at one stage)",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/cases/{id}?as_of=YYYY-MM-DD",
        example: "",
        about_vi: "Một hồ sơ: các sự kiện, trạng thái, danh mục tài liệu, việc đến hạn",
        about_en: "One case: timeline, state, dossier checklist, what is due",
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/cases/{id}/events",
        example: "",
        about_vi: "Ghi một bước của quy trình, kiểm tra theo quy định có hiệu lực vào ngày đó",
        about_en: "Record a step, checked by the rules in force on its date (If-Match: version)",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/cases/{id}/forms?as_of=YYYY-MM-DD",
        example: "",
        about_vi: "Biểu mẫu hồ sơ (3, 5, 6, 8, 9, 16-KNĐ): mẫu nào in được, mẫu nào còn thiếu dữ liệu gì",
        about_en: "The dossier forms (3-, 5-, 6-, 8-, 9-, 16-KNĐ): which are ready, what the others lack",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/cases/{id}/forms/{form}?as_of=YYYY-MM-DD",
        example: "",
        about_vi: "In một biểu mẫu điền sẵn thành tệp DOCX ({form} = 6-KND.docx); thiếu dữ liệu: lỗi 422 nêu các trường",
        about_en: "One form pre-filled as DOCX ({form} = 6-KND.docx); 422 naming the missing fields when the case is not ready",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/due?org=CODE&as_of=YYYY-MM-DD&stall_months=N",
        example: "/api/v1/due?org={code}&as_of={date}",
        about_vi: "Việc đến hạn: quá hạn, trong tuần, trong tháng, hồ sơ đứng yên, giấy chứng nhận",
        about_en: "What is due: overdue, this week, this month, stalled, certificates",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/mentors?org=CODE&as_of=YYYY-MM-DD",
        example: "/api/v1/mentors?org={code}&as_of={date}",
        about_vi: "Số quần chúng, đảng viên dự bị mỗi đảng viên được phân công giúp đỡ",
        about_en: "Mentor workload: candidates and probationary members per mentor",
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/import/events?dry_run=true|false",
        example: "",
        about_vi: "Nhập sự kiện từ tệp CSV (text/csv); lỗi theo từng dòng, không ghi gì nếu có lỗi",
        about_en: "Import events from CSV (text/csv): row-level errors, nothing written on error",
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/imports/{kind}?dry_run=true|false&mapping=NAME|JSON&sheet=&save_mapping=NAME",
        example: "",
        about_vi: "Nhập tệp CSV/XLSX (tổ chức, địa bàn, người, đảng viên, quần chúng, sự kiện, chỉ tiêu) với ánh xạ cột, chạy thử",
        about_en: "Import a CSV/XLSX file (orgs, localities, people, members, candidates, events, targets) with column mapping and dry run",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/export/{list}?org=CODE&as_of=YYYY-MM-DD&format=csv|xlsx",
        example: "/api/v1/export/members?org={code}",
        about_vi: "Danh sách đảng viên / quần chúng theo số CCCD để đối chiếu với CSDL đảng viên",
        about_en: "Members or candidates keyed by CCCD, for the national party-member database",
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/courses",
        example: "",
        about_vi: "Mở lớp bồi dưỡng nhận thức về Đảng / đảng viên mới",
        about_en: "Create an awareness or new-member course",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/courses?org=CODE",
        example: "/api/v1/courses?org={code}",
        about_vi: "Các lớp bồi dưỡng của trung tâm chính trị",
        about_en: "Courses of the political centres under a unit",
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/courses/{id}/enrolments",
        example: "",
        about_vi: "Ghi danh học viên",
        about_en: "Enrol a person with an open case",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/courses/{id}/enrolments",
        example: "",
        about_vi: "Danh sách học viên của lớp",
        about_en: "The people enrolled in a course",
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/courses/{id}/completions",
        example: "",
        about_vi: "Ghi nhận hoàn thành lớp và giấy chứng nhận",
        about_en: "Record completion and the certificate (an event of the case)",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/holidays?year=YYYY",
        example: "/api/v1/holidays",
        about_vi: "Lịch ngày nghỉ (lễ, Tết, nghỉ bù, làm bù) để tính ngày làm việc",
        about_en: "The working-day calendar: holidays, Tết, substitute days, worked Saturdays",
    },
    Endpoint {
        method: "PUT",
        path: "/api/v1/holidays/{date}",
        example: "",
        about_vi: "Thêm hoặc sửa một ngày nghỉ",
        about_en: "Add or change a day of the calendar",
    },
    Endpoint {
        method: "DELETE",
        path: "/api/v1/holidays/{date}",
        example: "",
        about_vi: "Xóa một ngày khỏi lịch",
        about_en: "Remove a day from the calendar",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/difficult-areas?as_of=YYYY-MM-DD",
        example: "/api/v1/difficult-areas?as_of={date}",
        about_vi: "Vùng khó khăn (miền núi, hải đảo, dân tộc thiểu số) có hiệu lực",
        about_en: "Difficult areas (mountain, island, ethnic-minority) in force",
    },
    Endpoint {
        method: "PUT",
        path: "/api/v1/difficult-areas/{org_code}",
        example: "",
        about_vi: "Xác định một đơn vị là vùng khó khăn trong một thời kỳ",
        about_en: "Designate a unit a difficult area over a period",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/targets?org=CODE&period=2024|2020-2025&children=true&as_of=YYYY-MM-DD&rebase=true",
        example: "/api/v1/targets?org={code}&period=2024&children=true",
        about_vi: "Chỉ tiêu và kết quả: kết nạp/chỉ tiêu, tỷ lệ, tiến độ, dự báo, xếp hạng, đối chiếu",
        about_en: "Targets and achievement: admitted/target, rate, pace, forecast, ranking, reconciliation",
    },
    Endpoint {
        method: "PUT",
        path: "/api/v1/targets",
        example: "",
        about_vi: "Đặt chỉ tiêu giao hoặc đăng ký của một đơn vị cho một năm hoặc nhiệm kỳ",
        about_en: "Set a unit's assigned or registered target for a year or a term",
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/login",
        example: "",
        about_vi: "Đăng nhập (tên đăng nhập, mật khẩu): cookie phiên và mã CSRF",
        about_en: "Sign in (username, password): session cookie and CSRF token",
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/logout",
        example: "",
        about_vi: "Đăng xuất",
        about_en: "Sign out",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/me",
        example: "/api/v1/me",
        about_vi: "Người dùng đang đăng nhập, vai trò, quyền",
        about_en: "The signed-in user, role and permissions",
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/me/password",
        example: "",
        about_vi: "Đổi mật khẩu",
        about_en: "Change one's password",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/users",
        example: "/api/v1/users",
        about_vi: "Người dùng (quản trị): tạo, liệt kê, khóa, cấp mã API",
        about_en: "Users (administrators): create, list, disable, API tokens",
    },
    Endpoint {
        method: "POST",
        path: "/api/v1/users/{username}/password",
        example: "",
        about_vi: "Đặt lại mật khẩu của một người dùng (quản trị); mọi phiên đăng nhập kết thúc",
        about_en: "Reset a user's password (administrators); every session ends",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/users/{username}/tokens",
        example: "",
        about_vi: "Các mã API của một người dùng; thu hồi từng mã: POST …/tokens/{id}/revoke",
        about_en: "A user's API tokens; revoke one: POST …/tokens/{id}/revoke",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/audit?org=CODE&limit=N",
        example: "/api/v1/audit?org={code}",
        about_vi: "Nhật ký: ai đã sửa, ai đã xem hồ sơ",
        about_en: "Audit trail: who changed what, who viewed which dossier",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/people/{id}/audit",
        example: "",
        about_vi: "Nhật ký của một người (sửa đổi và lượt xem hồ sơ)",
        about_en: "A person's audit trail (changes and dossier views)",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1/openapi.json",
        example: "/api/v1/openapi.json",
        about_vi: "Tài liệu API (OpenAPI 3.1), sinh từ bảng định tuyến",
        about_en: "The OpenAPI 3.1 document, generated from the route table",
    },
    Endpoint {
        method: "GET",
        path: "/api/v1",
        example: "/api/v1",
        about_vi: "Danh sách các điểm cuối API",
        about_en: "This list of endpoints, as JSON",
    },
];

/// What a route is about, for the subtree rule (and the access-control matrix test).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Open to everyone (signing in, the OpenAPI document).
    Public,
    /// Not about a unit (the endpoint list, one's own account, the calendar, users).
    Unscoped,
    /// About a unit, person, case or course: only inside the user's subtree.
    Subtree,
    /// National figures: administrators and users of a root unit only.
    National,
}

/// One route of `/api/v1`: the table [`routes`] is built from, so that every route has its
/// permission (`None`: public) and the access-control matrix test covers every one.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub method: &'static str,
    /// The axum path (`{id}` placeholders).
    pub path: &'static str,
    pub permission: Option<Permission>,
    pub reach: Reach,
    pub handler: fn() -> MethodRouter<AppState>,
}

const fn r(
    method: &'static str,
    path: &'static str,
    permission: Permission,
    reach: Reach,
    handler: fn() -> MethodRouter<AppState>,
) -> Route {
    Route {
        method,
        path,
        permission: Some(permission),
        reach,
        handler,
    }
}

use Permission as P;
use Reach::{National, Subtree, Unscoped};

/// Every route of `/api/v1` with the permission it needs.
pub const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/api/v1/login",
        permission: None,
        reach: Reach::Public,
        handler: || post(auth::login),
    },
    // The OpenAPI document of this table (generated from it): public, like the sign-in.
    Route {
        method: "GET",
        path: "/api/v1/openapi.json",
        permission: None,
        reach: Reach::Public,
        handler: || get(openapi::openapi),
    },
    r("POST", "/api/v1/logout", P::SignedIn, Unscoped, || {
        post(auth::logout)
    }),
    r("GET", "/api/v1/me", P::SignedIn, Unscoped, || get(auth::me)),
    r("POST", "/api/v1/me/password", P::SignedIn, Unscoped, || {
        post(auth::password)
    }),
    r("GET", "/api/v1/users", P::ManageUsers, Unscoped, || {
        get(auth::users)
    }),
    r("POST", "/api/v1/users", P::ManageUsers, Unscoped, || {
        post(auth::user_create)
    }),
    r(
        "POST",
        "/api/v1/users/{username}/disable",
        P::ManageUsers,
        Unscoped,
        || post(auth::user_disable),
    ),
    r(
        "POST",
        "/api/v1/users/{username}/enable",
        P::ManageUsers,
        Unscoped,
        || post(auth::user_enable),
    ),
    r(
        "POST",
        "/api/v1/users/{username}/password",
        P::ManageUsers,
        Unscoped,
        || post(auth::user_password_reset),
    ),
    r(
        "POST",
        "/api/v1/users/{username}/tokens",
        P::ManageUsers,
        Unscoped,
        || post(auth::token_create),
    ),
    r(
        "GET",
        "/api/v1/users/{username}/tokens",
        P::ManageUsers,
        Unscoped,
        || get(auth::tokens),
    ),
    r(
        "POST",
        "/api/v1/users/{username}/tokens/{id}/revoke",
        P::ManageUsers,
        Unscoped,
        || post(auth::token_revoke),
    ),
    r("GET", "/api/v1/audit", P::ReadAudit, Subtree, || {
        get(auth::audit)
    }),
    r("GET", "/api/v1", P::SignedIn, Unscoped, || get(index)),
    r("GET", "/api/v1/org/tree", P::ReadStructure, Subtree, || {
        get(org::tree)
    }),
    r(
        "POST",
        "/api/v1/org/operations",
        P::ChangeStructure,
        Subtree,
        || post(org::operation),
    ),
    r(
        "GET",
        "/api/v1/org/{code}",
        P::ReadStructure,
        Subtree,
        || get(org::unit),
    ),
    r(
        "GET",
        "/api/v1/org/{code}/history",
        P::ReadStructure,
        Subtree,
        || get(org::history),
    ),
    r(
        "GET",
        "/api/v1/org/{code}/children",
        P::ReadStructure,
        Subtree,
        || get(org::children),
    ),
    r("GET", "/api/v1/stats", P::ReadReports, National, || {
        get(stats::stats)
    }),
    r("GET", "/api/v1/reports", P::ReadReports, Unscoped, || {
        get(reports::list)
    }),
    r(
        "GET",
        "/api/v1/reports/{name}",
        P::ReadReports,
        Subtree,
        || get(reports::report),
    ),
    // Submitting a report upward is the committee staff's act, as setting targets is.
    r(
        "POST",
        "/api/v1/reports/{name}/submit",
        P::SetTargets,
        Subtree,
        || post(reports::submit),
    ),
    r(
        "GET",
        "/api/v1/report-submissions",
        P::ReadReports,
        Subtree,
        || get(reports::submissions),
    ),
    r("GET", "/api/v1/targets", P::ReadReports, Subtree, || {
        get(targets::get)
    }),
    r("PUT", "/api/v1/targets", P::SetTargets, Subtree, || {
        put(targets::put)
    }),
    r(
        "GET",
        "/api/v1/localities",
        P::ReadStructure,
        Subtree,
        || get(localities::list),
    ),
    r(
        "GET",
        "/api/v1/localities/{code}",
        P::ReadStructure,
        Subtree,
        || get(localities::history),
    ),
    r("GET", "/api/v1/people", P::ReadPeople, Subtree, || {
        get(people::search)
    }),
    r("GET", "/api/v1/people/{id}", P::ReadPeople, Subtree, || {
        get(people::person)
    }),
    r(
        "GET",
        "/api/v1/people/{id}/audit",
        P::ReadAudit,
        Subtree,
        || get(auth::person_audit),
    ),
    r("GET", "/api/v1/cases", P::ReadCases, Subtree, || {
        get(pipeline::list)
    }),
    r("POST", "/api/v1/cases", P::WriteCases, Subtree, || {
        post(pipeline::open)
    }),
    r("GET", "/api/v1/cases/{id}", P::ReadCases, Subtree, || {
        get(pipeline::case)
    }),
    r(
        "POST",
        "/api/v1/cases/{id}/events",
        P::WriteCases,
        Subtree,
        || post(pipeline::record),
    ),
    // The dossier forms need what the case page needs (a print is audited as a view).
    r(
        "GET",
        "/api/v1/cases/{id}/forms",
        P::ReadCases,
        Subtree,
        || get(forms::list),
    ),
    // `{form}` is `6-KND.docx` (matchit has no suffixes after a parameter).
    r(
        "GET",
        "/api/v1/cases/{id}/forms/{form}",
        P::ReadCases,
        Subtree,
        || get(forms::docx),
    ),
    r("GET", "/api/v1/due", P::ReadCases, Subtree, || {
        get(pipeline::due)
    }),
    r("GET", "/api/v1/mentors", P::ReadCases, Subtree, || {
        get(pipeline::mentors)
    }),
    r(
        "POST",
        "/api/v1/import/events",
        P::WriteCases,
        Subtree,
        || post(pipeline::import_events),
    ),
    r("GET", "/api/v1/courses", P::ReadCourses, Subtree, || {
        get(courses::list)
    }),
    r("POST", "/api/v1/courses", P::WriteCourses, Subtree, || {
        post(courses::create)
    }),
    r(
        "GET",
        "/api/v1/courses/{id}/enrolments",
        P::ReadCourses,
        Subtree,
        || get(courses::enrolments),
    ),
    r(
        "POST",
        "/api/v1/courses/{id}/enrolments",
        P::WriteCourses,
        Subtree,
        || post(courses::enrol),
    ),
    r(
        "POST",
        "/api/v1/courses/{id}/completions",
        P::WriteCourses,
        Subtree,
        || post(courses::complete),
    ),
    r("GET", "/api/v1/holidays", P::ReadCalendar, Unscoped, || {
        get(calendar::holidays)
    }),
    r(
        "PUT",
        "/api/v1/holidays/{date}",
        P::WriteCalendar,
        Unscoped,
        || put(calendar::holiday_set),
    ),
    r(
        "DELETE",
        "/api/v1/holidays/{date}",
        P::WriteCalendar,
        Unscoped,
        || delete(calendar::holiday_delete),
    ),
    r(
        "POST",
        "/api/v1/imports/{kind}",
        P::WriteCases,
        National,
        || {
            post(exchange::upload)
                .layer(axum::extract::DefaultBodyLimit::max(exchange::UPLOAD_LIMIT))
        },
    ),
    r(
        "GET",
        "/api/v1/export/{list}",
        P::ReadPeople,
        Subtree,
        || get(exchange::export),
    ),
    r(
        "GET",
        "/api/v1/difficult-areas",
        P::ReadCalendar,
        Subtree,
        || get(calendar::areas),
    ),
    r(
        "PUT",
        "/api/v1/difficult-areas/{org_code}",
        P::DesignateAreas,
        Subtree,
        || put(calendar::area_set),
    ),
];

/// The routes of `/api/v1` (paths are absolute, so the router is merged, not nested), built
/// from [`ROUTES`]: each behind [`crate::auth::guard`] with its permission.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for route in ROUTES {
        let permission = route.permission;
        let method_router = (route.handler)().route_layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                crate::auth::guard(permission, req, next)
            },
        ));
        router = router.route(route.path, method_router);
    }
    router
}

async fn index() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "version": "v1", "endpoints": ENDPOINTS }))
}
