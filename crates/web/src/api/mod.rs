//! The JSON API under `/api/v1`, one file per resource.

pub mod health;
pub mod localities;
pub mod org;
pub mod people;
pub mod stats;

use axum::Router;
use axum::routing::{get, post};
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
        method: "GET",
        path: "/api/v1",
        example: "/api/v1",
        about_vi: "Danh sách các điểm cuối API",
        about_en: "This list of endpoints, as JSON",
    },
];

/// The routes of `/api/v1` (paths are absolute, so the router is merged, not nested).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1", get(index))
        .route("/api/v1/org/tree", get(org::tree))
        .route("/api/v1/org/operations", post(org::operation))
        .route("/api/v1/org/{code}", get(org::unit))
        .route("/api/v1/org/{code}/history", get(org::history))
        .route("/api/v1/org/{code}/children", get(org::children))
        .route("/api/v1/stats", get(stats::stats))
        .route("/api/v1/localities", get(localities::list))
        .route("/api/v1/localities/{code}", get(localities::history))
        .route("/api/v1/people", get(people::search))
        .route("/api/v1/people/{id}", get(people::person))
}

async fn index() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "version": "v1", "endpoints": ENDPOINTS }))
}
