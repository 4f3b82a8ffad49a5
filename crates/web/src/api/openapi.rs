//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 description of the API generated from the route
//! table itself ([`super::ROUTES`]), so that no route can be left out of it: each route's
//! method and path (axum `{id}` placeholders become path parameters), a summary
//! ([`SUMMARIES`], which a test keeps in step with the table), the security requirement (session
//! cookie with the CSRF header for writes, or an API token; none for the public sign-in), the
//! permission and reach (`x-ketnap-permission`, `x-ketnap-reach`, `x-ketnap-roles`) and the
//! error bodies the API really returns ([`crate::error`]). Request and success bodies are
//! described as JSON objects; docs/api.md has their fields.

use std::sync::OnceLock;

use axum::Json;
use ketnap_domain::access::{self, Role};
use serde_json::{Map, Value, json};

use super::{ENDPOINTS, ROUTES, Reach, Route};

/// One line per route of [`ROUTES`]: (method, path, summary). English, with the Vietnamese term
/// where it is the word the users know. A test fails on a route without one or a line without
/// a route.
pub const SUMMARIES: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/api/v1/login",
        "Sign in (đăng nhập): session cookie and CSRF token",
    ),
    ("POST", "/api/v1/logout", "Sign out (đăng xuất)"),
    (
        "GET",
        "/api/v1/me",
        "The signed-in user, role, permissions and CSRF token",
    ),
    (
        "POST",
        "/api/v1/me/password",
        "Change one's password (đổi mật khẩu)",
    ),
    ("GET", "/api/v1/users", "List users (người dùng)"),
    (
        "POST",
        "/api/v1/users",
        "Create a user with a role on a unit",
    ),
    (
        "POST",
        "/api/v1/users/{username}/disable",
        "Disable a user (khóa): sessions end, tokens revoked",
    ),
    (
        "POST",
        "/api/v1/users/{username}/tokens",
        "Create an API token, shown once",
    ),
    (
        "GET",
        "/api/v1/users/{username}/tokens",
        "List a user's API tokens (never the tokens themselves)",
    ),
    (
        "POST",
        "/api/v1/users/{username}/tokens/{id}/revoke",
        "Revoke one API token (thu hồi mã API)",
    ),
    (
        "POST",
        "/api/v1/users/{username}/password",
        "Reset a user's password (đặt lại mật khẩu): every session ends",
    ),
    (
        "POST",
        "/api/v1/users/{username}/enable",
        "Enable a disabled user again (mở khóa)",
    ),
    (
        "GET",
        "/api/v1/audit",
        "Audit trail of a subtree (nhật ký): changes and dossier views",
    ),
    (
        "GET",
        "/api/v1/openapi.json",
        "This OpenAPI 3.1 document, generated from the route table",
    ),
    ("GET", "/api/v1", "The list of endpoints"),
    (
        "GET",
        "/api/v1/org/tree",
        "The organization tree (cây tổ chức) as of a date",
    ),
    (
        "POST",
        "/api/v1/org/operations",
        "A structure operation: create (thành lập), rename (đổi tên), move (điều chuyển), merge (hợp nhất, sáp nhập), split (chia tách), dissolve (giải thể)",
    ),
    (
        "GET",
        "/api/v1/org/{code}",
        "One party organization (tổ chức đảng) with its heir today",
    ),
    (
        "GET",
        "/api/v1/org/{code}/history",
        "A unit's history: names, superiors, predecessors, successors",
    ),
    (
        "GET",
        "/api/v1/org/{code}/children",
        "The units directly under a unit as of a date",
    ),
    (
        "GET",
        "/api/v1/stats",
        "National counts (số liệu): units, localities, people by status",
    ),
    (
        "GET",
        "/api/v1/reports",
        "The reports that can be asked for",
    ),
    (
        "GET",
        "/api/v1/reports/{name}",
        "A report (báo cáo): admissions form 2-BTCTW, recognitions, candidates, membership, coverage",
    ),
    (
        "POST",
        "/api/v1/reports/{name}/submit",
        "Submit a report upward (gửi báo cáo), kept frozen",
    ),
    (
        "GET",
        "/api/v1/report-submissions",
        "Reports a unit submitted, optionally compared with today's figures",
    ),
    (
        "GET",
        "/api/v1/targets",
        "Admission targets (chỉ tiêu) and achievement, ranking, reconciliation",
    ),
    (
        "PUT",
        "/api/v1/targets",
        "Set a unit's assigned or registered target",
    ),
    (
        "GET",
        "/api/v1/localities",
        "Localities (địa bàn: thôn, bản, tổ dân phố) of a commune or subtree",
    ),
    (
        "GET",
        "/api/v1/localities/{code}",
        "A locality's history: communes, population, serving branches",
    ),
    (
        "GET",
        "/api/v1/people",
        "Search people by name (diacritics optional) or CCCD",
    ),
    (
        "GET",
        "/api/v1/people/{id}",
        "One person with their party status history (sensitive fields masked by role); audited as a dossier view",
    ),
    (
        "GET",
        "/api/v1/people/{id}/audit",
        "A person's audit trail: changes and dossier views",
    ),
    (
        "GET",
        "/api/v1/cases",
        "Candidates' cases (hồ sơ phát triển đảng viên) under a unit",
    ),
    (
        "POST",
        "/api/v1/cases",
        "Put a person on a branch's source list (danh sách nguồn): opens a case",
    ),
    (
        "GET",
        "/api/v1/cases/{id}",
        "One case: timeline, state, dossier checklist, what is due; audited as a view",
    ),
    (
        "POST",
        "/api/v1/cases/{id}/events",
        "Record a step of the admission procedure, checked by the rules in force on its date",
    ),
    (
        "GET",
        "/api/v1/cases/{id}/forms",
        "The dossier forms (biểu mẫu 3-, 5-, 6-, 8-, 9-, 16-KNĐ): ready, or the fields they lack",
    ),
    (
        "GET",
        "/api/v1/cases/{id}/forms/{form}",
        "One dossier form pre-filled, as DOCX ({form} = 6-KND.docx); 422 `form_incomplete` names the missing fields",
    ),
    (
        "GET",
        "/api/v1/due",
        "What is due (việc đến hạn): overdue, this week, this month, stalled, certificates",
    ),
    (
        "GET",
        "/api/v1/mentors",
        "Mentor workload (đảng viên giúp đỡ)",
    ),
    (
        "POST",
        "/api/v1/import/events",
        "Import pipeline events from CSV; all or nothing",
    ),
    (
        "GET",
        "/api/v1/courses",
        "Courses (lớp bồi dưỡng) of the political centres under a unit",
    ),
    (
        "POST",
        "/api/v1/courses",
        "Create an awareness (nhận thức về Đảng) or new-member course",
    ),
    (
        "GET",
        "/api/v1/courses/{id}/enrolments",
        "The people enrolled in a course",
    ),
    (
        "POST",
        "/api/v1/courses/{id}/enrolments",
        "Enrol a person with an open case (ghi danh)",
    ),
    (
        "POST",
        "/api/v1/courses/{id}/completions",
        "Record completion and the certificate (giấy chứng nhận): an event of the case",
    ),
    (
        "GET",
        "/api/v1/holidays",
        "The working-day calendar: holidays, Tết, substitute days",
    ),
    (
        "PUT",
        "/api/v1/holidays/{date}",
        "Add or change a day of the calendar",
    ),
    (
        "DELETE",
        "/api/v1/holidays/{date}",
        "Remove a day from the calendar",
    ),
    (
        "POST",
        "/api/v1/imports/{kind}",
        "Import a CSV/XLSX spreadsheet with column mapping and dry run",
    ),
    (
        "GET",
        "/api/v1/export/{list}",
        "Members or candidates keyed by CCCD (CSV/XLSX) for the national database",
    ),
    (
        "GET",
        "/api/v1/difficult-areas",
        "Difficult areas (vùng khó khăn) in force on a date",
    ),
    (
        "PUT",
        "/api/v1/difficult-areas/{org_code}",
        "Designate a unit a difficult area over a period",
    ),
];

/// The summary of a route, when [`SUMMARIES`] has one.
pub fn summary(method: &str, path: &str) -> Option<&'static str> {
    SUMMARIES
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map(|(_, _, s)| *s)
}

/// Every `error` code an error body can carry: [`crate::error::ApiError::code`] and the
/// router's own answers (unknown method, timeout, a bare status).
pub const ERROR_CODES: &[&str] = &[
    "bad_request",
    "payload_too_large",
    "unsupported_media_type",
    "not_found",
    "refused",
    "import_refused",
    "form_incomplete",
    "conflict",
    "unauthorized",
    "bad_credentials",
    "forbidden",
    "csrf",
    "locked",
    "unavailable",
    "internal",
    "method_not_allowed",
    "timeout",
    "error",
];

/// The names of a path's `{placeholders}`, in order.
pub fn path_params(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect()
}

fn path_param(name: &str) -> Value {
    let (schema, about) = match name {
        "id" => (
            json!({"type": "integer", "format": "int64", "minimum": 1}),
            "The record's number",
        ),
        "date" => (
            json!({"type": "string", "format": "date"}),
            "A date, YYYY-MM-DD (dd/mm/yyyy accepted)",
        ),
        "code" | "org_code" => (
            json!({"type": "string"}),
            "A unit or locality code (case-insensitive)",
        ),
        "username" => (json!({"type": "string"}), "A username"),
        "name" => (
            json!({"type": "string", "enum": ["admissions", "recognitions", "candidates", "membership", "coverage"]}),
            "The report",
        ),
        "kind" => (
            json!({"type": "string", "enum": ["orgs", "localities", "people", "members", "candidates", "events", "targets"]}),
            "What the file holds",
        ),
        "form" => (
            json!({"type": "string"}),
            "A dossier form's file name (6-KND.docx)",
        ),
        "list" => (
            json!({"type": "string", "enum": ["members", "candidates"]}),
            "Which list",
        ),
        _ => (json!({"type": "string"}), ""),
    };
    json!({"name": name, "in": "path", "required": true, "description": about, "schema": schema})
}

/// Query parameters named in the endpoint list ([`ENDPOINTS`]) for this route.
fn query_params(route: &Route) -> Vec<Value> {
    let Some(e) = ENDPOINTS
        .iter()
        .find(|e| e.method == route.method && e.path.split('?').next() == Some(route.path))
    else {
        return vec![];
    };
    let Some((_, query)) = e.path.split_once('?') else {
        return vec![];
    };
    query
        .split('&')
        .filter_map(|pair| {
            let (name, example) = pair.split_once('=').unwrap_or((pair, ""));
            (!name.is_empty()).then(|| {
                let mut p = json!({"name": name, "in": "query", "required": false,
                                   "schema": {"type": "string"}});
                if !example.is_empty() {
                    p["description"] = Value::String(format!("e.g. {example}"));
                }
                p
            })
        })
        .collect()
}

fn operation_id(route: &Route) -> String {
    let mut id = route.method.to_ascii_lowercase();
    for seg in route.path.trim_start_matches("/api/v1").split('/') {
        let seg: String = seg
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let seg = seg.trim_matches('_');
        if !seg.is_empty() {
            id.push('_');
            id.push_str(seg);
        }
    }
    id
}

fn tag(path: &str) -> String {
    path.trim_start_matches("/api/v1")
        .trim_start_matches('/')
        .split(['/', '.'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("api")
        .to_string()
}

fn reach_str(r: Reach) -> &'static str {
    match r {
        Reach::Public => "public",
        Reach::Unscoped => "unscoped",
        Reach::Subtree => "subtree",
        Reach::National => "national",
    }
}

fn changes_something(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS")
}

fn error_ref(name: &str, description: &str) -> Value {
    json!({"description": description,
           "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}})
}

fn request_body(route: &Route) -> Option<Value> {
    if !changes_something(route.method) {
        return None;
    }
    let object = json!({"application/json": {"schema": {"type": "object"}}});
    Some(match route.path {
        "/api/v1/import/events" => {
            json!({"required": true, "content": {"text/csv": {"schema": {"type": "string"}}}})
        }
        "/api/v1/imports/{kind}" => json!({"required": true, "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "contentMediaType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}}
        }}),
        // Routes that read nothing from the body.
        "/api/v1/logout"
        | "/api/v1/users/{username}/disable"
        | "/api/v1/users/{username}/enable"
        | "/api/v1/users/{username}/tokens/{id}/revoke"
        | "/api/v1/reports/{name}/submit"
        | "/api/v1/holidays/{date}"
            if route.method != "PUT" =>
        {
            return None;
        }
        _ => {
            json!({"required": true, "description": "A JSON object; its fields are listed in docs/api.md", "content": object})
        }
    })
}

fn operation(route: &Route) -> Value {
    let mut op = Map::new();
    op.insert("operationId".into(), Value::String(operation_id(route)));
    op.insert(
        "summary".into(),
        Value::String(summary(route.method, route.path).unwrap_or("").into()),
    );
    op.insert("tags".into(), json!([tag(route.path)]));
    let mut params: Vec<Value> = path_params(route.path)
        .into_iter()
        .map(path_param)
        .collect();
    params.extend(query_params(route));
    if route.method == "POST" && route.path == "/api/v1/cases/{id}/events" {
        params.push(
            json!({"name": "If-Match", "in": "header", "required": false,
            "description": "The case's version as an entity tag (\"7\"); a stale one is a 409",
            "schema": {"type": "string"}}),
        );
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if let Some(body) = request_body(route) {
        op.insert("requestBody".into(), body);
    }
    let security = match route.permission {
        None => json!([]),
        Some(_) if changes_something(route.method) => {
            json!([{"sessionCookie": [], "csrfToken": []}, {"bearerToken": []}])
        }
        Some(_) => json!([{"sessionCookie": []}, {"bearerToken": []}]),
    };
    op.insert("security".into(), security);
    op.insert(
        "x-ketnap-permission".into(),
        route
            .permission
            .map_or(Value::Null, |p| Value::String(p.as_str().into())),
    );
    op.insert(
        "x-ketnap-reach".into(),
        Value::String(reach_str(route.reach).into()),
    );
    let roles: Vec<&str> = match route.permission {
        None => vec![],
        Some(p) => Role::ALL
            .into_iter()
            .filter(|r| access::allows(*r, p))
            .map(Role::as_str)
            .collect(),
    };
    op.insert("x-ketnap-roles".into(), json!(roles));
    let mut responses = Map::new();
    responses.insert(
        "2XX".into(),
        json!({"description": "Success: a JSON object (204 without a body for sign-out, password change and calendar removal; CSV or XLSX where `format` asks for it)",
               "content": {"application/json": {"schema": {"type": "object"}}}}),
    );
    responses.insert(
        "400".into(),
        json!({"$ref": "#/components/responses/BadRequest"}),
    );
    if route.permission.is_some() {
        responses.insert(
            "401".into(),
            json!({"$ref": "#/components/responses/Unauthorized"}),
        );
        responses.insert(
            "403".into(),
            json!({"$ref": "#/components/responses/Forbidden"}),
        );
    } else {
        responses.insert(
            "401".into(),
            json!({"$ref": "#/components/responses/BadCredentials"}),
        );
        responses.insert(
            "429".into(),
            json!({"$ref": "#/components/responses/Locked"}),
        );
    }
    responses.insert(
        "404".into(),
        json!({"$ref": "#/components/responses/NotFound"}),
    );
    if changes_something(route.method) {
        responses.insert(
            "413".into(),
            json!({"$ref": "#/components/responses/PayloadTooLarge"}),
        );
        responses.insert(
            "415".into(),
            json!({"$ref": "#/components/responses/UnsupportedMediaType"}),
        );
    }
    if route.permission.is_some() {
        responses.insert(
            "422".into(),
            json!({"$ref": "#/components/responses/Refused"}),
        );
    }
    if route.path == "/api/v1/cases/{id}/events" {
        responses.insert(
            "409".into(),
            json!({"$ref": "#/components/responses/Conflict"}),
        );
    }
    responses.insert(
        "500".into(),
        json!({"$ref": "#/components/responses/Internal"}),
    );
    responses.insert(
        "503".into(),
        json!({"$ref": "#/components/responses/Unavailable"}),
    );
    op.insert("responses".into(), Value::Object(responses));
    Value::Object(op)
}

fn components() -> Value {
    let violation = json!({
        "type": "object", "additionalProperties": false,
        "required": ["field", "rule", "message"],
        "properties": {
            "field": {"type": "string", "description": "The field at fault (`parts[0].children[1]`, `date`…)"},
            "rule": {"type": "string", "description": "A stable rule id (`org.unit.exists_at`, `course.enrol.stage`…)"},
            "message": {"type": "string"}
        }
    });
    let refusal = json!({
        "type": "object", "additionalProperties": false,
        "required": ["rule_id", "regulation", "article", "facts", "message_vi", "message_en"],
        "properties": {
            "rule_id": {"type": "string"},
            "regulation": {"type": "string", "description": "The regulation (Điều lệ, Quy định, Hướng dẫn) the rule comes from"},
            "article": {"type": "string"},
            "facts": {"type": "object", "additionalProperties": {"type": "string"}, "description": "The facts judged, in the rule's order"},
            "message_vi": {"type": "string"},
            "message_en": {"type": "string"},
            "event_id": {"type": "integer", "description": "Another recorded event the refusal is about"}
        }
    });
    let error_body = json!({
        "type": "object", "additionalProperties": false,
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "enum": ERROR_CODES, "description": "A stable code (docs/api.md, Errors)"},
            "message": {"type": "string"},
            "field": {"type": "string", "description": "400 `bad_request`: the parameter or body field at fault"},
            "violations": {"type": "array", "items": {"$ref": "#/components/schemas/Violation"},
                           "description": "422 `refused`: every rule broken; nothing was written"}
        }
    });
    let rules_refused = json!({
        "type": "object", "additionalProperties": false,
        "required": ["error", "message", "refusals"],
        "properties": {
            "error": {"const": "refused"},
            "message": {"type": "string"},
            "refusals": {"type": "array", "items": {"$ref": "#/components/schemas/Refusal"}}
        }
    });
    let conflict = json!({
        "type": "object", "additionalProperties": false,
        "required": ["error", "message", "expected", "actual", "by", "at"],
        "properties": {
            "error": {"const": "conflict"},
            "message": {"type": "string"},
            "expected": {"type": "integer", "description": "The version sent"},
            "actual": {"type": "integer", "description": "The case's version now"},
            "by": {"type": "string", "description": "Who changed it"},
            "at": {"type": "string", "format": "date-time"}
        }
    });
    let import_error = json!({
        "type": "object",
        "required": ["row", "column", "rule", "message"],
        "properties": {
            "row": {"type": "integer"},
            "column": {"type": "string"},
            "header": {"type": ["string", "null"]},
            "rule": {"type": "string"},
            "message": {"type": "string"},
            "value": {"type": ["string", "null"]},
            "refusal": {"$ref": "#/components/schemas/Refusal"}
        }
    });
    let import_refused = json!({
        "type": "object",
        "required": ["error", "message", "rows", "dry_run", "written", "errors"],
        "description": "The import's report with `error`; spreadsheet imports add `kind`, `format`, counts, `mapping` and `ignored_columns`",
        "properties": {
            "error": {"const": "import_refused"},
            "message": {"type": "string"},
            "rows": {"type": "integer"},
            "dry_run": {"type": "boolean"},
            "written": {"type": "boolean"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ImportError"}}
        }
    });
    let form_incomplete = json!({
        "type": "object", "additionalProperties": false,
        "required": ["error", "message", "form", "missing"],
        "properties": {
            "error": {"const": "form_incomplete"},
            "message": {"type": "string"},
            "form": {"type": "string", "description": "The dossier form (6-KNĐ…)"},
            "missing": {"type": "array", "items": {
                "type": "object", "additionalProperties": false,
                "required": ["field", "label_vi", "label_en"],
                "properties": {
                    "field": {"type": "string"},
                    "label_vi": {"type": "string"},
                    "label_en": {"type": "string"}
                }
            }}
        }
    });
    let plain = |description: &str| error_ref("Error", description);
    json!({
        "securitySchemes": {
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "ketnap_session",
                "description": "The session of POST /api/v1/login (12 h idle, 7 days at most)"},
            "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                "description": "The session's CSRF token (from /login or /me), on every write made with the session cookie"},
            "bearerToken": {"type": "http", "scheme": "bearer",
                "description": "An API token (`ketnap_…`, `ketnap user token NAME`); no CSRF token needed"}
        },
        "schemas": {
            "Error": error_body,
            "Violation": violation,
            "Refusal": refusal,
            "RulesRefused": rules_refused,
            "Conflict": conflict,
            "ImportError": import_error,
            "ImportRefused": import_refused,
            "FormIncomplete": form_incomplete
        },
        "responses": {
            "BadRequest": plain("`bad_request`: a bad parameter or body field (`field` names it)"),
            "Unauthorized": plain("`unauthorized`: no valid session cookie or API token"),
            "BadCredentials": plain("`bad_credentials`: wrong username or password"),
            "Forbidden": plain("`forbidden`: the role does not allow this, or the unit named is outside the user's subtree; `csrf`: a cookie-authenticated write without the session's X-CSRF-Token"),
            "NotFound": plain("`not_found`: an unknown code, id or route, or a person, case, course or locality outside the user's subtree"),
            "PayloadTooLarge": plain("`payload_too_large`: a body over 1 MiB (20 MiB for spreadsheet imports)"),
            "UnsupportedMediaType": plain("`unsupported_media_type`: a body that is not JSON (CSV for the events import)"),
            "Locked": plain("`locked`: too many failed sign-ins for this username"),
            "Internal": plain("`internal`: a server failure; details in the server log only"),
            "Unavailable": plain("`unavailable` or `timeout`: the database does not answer, or the request ran over 30 s"),
            "Conflict": error_ref("Conflict", "`conflict`: the case changed since the version sent; nothing was written"),
            "Refused": {
                "description": "`refused`: a rule is broken (`violations`, or the admission rules' `refusals`); `import_refused`: rows of an import are; nothing was written. `form_incomplete`: a dossier form the case is not ready for, with the data it lacks",
                "content": {"application/json": {"schema": {"oneOf": [
                    {"$ref": "#/components/schemas/Error"},
                    {"$ref": "#/components/schemas/RulesRefused"},
                    {"$ref": "#/components/schemas/ImportRefused"},
                    {"$ref": "#/components/schemas/FormIncomplete"}
                ]}}}
            }
        }
    })
}

/// The OpenAPI 3.1 document of [`ROUTES`].
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(ops) = entry {
            ops.insert(route.method.to_ascii_lowercase(), operation(route));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ketnap API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Party-member development (công tác phát triển đảng viên): organizations, people, the admission pipeline, courses, targets and reports",
            "description": "Generated from the server's route table. Every route but the sign-in needs a session cookie (with X-CSRF-Token on writes) or an API token; a role may only what `x-ketnap-permission` allows, inside its unit's subtree (`x-ketnap-reach`). Request and response fields: docs/api.md."
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": components()
    })
}

/// The handler: the document, built once.
pub async fn openapi() -> Json<Value> {
    static DOC: OnceLock<Value> = OnceLock::new();
    Json(DOC.get_or_init(document).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_summary_and_every_summary_a_route() {
        for r in ROUTES {
            let s = summary(r.method, r.path);
            assert!(
                s.is_some_and(|s| !s.is_empty()),
                "no summary for {} {}: add one to SUMMARIES in crates/web/src/api/openapi.rs",
                r.method,
                r.path
            );
        }
        for (m, p, _) in SUMMARIES {
            assert!(
                ROUTES.iter().any(|r| r.method == *m && r.path == *p),
                "SUMMARIES names {m} {p}, which is not in ROUTES"
            );
        }
    }

    #[test]
    fn the_document_lists_exactly_the_routes() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        let text = serde_json::to_string(&doc).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        let mut listed = vec![];
        for (path, ops) in paths {
            for (method, op) in ops.as_object().unwrap() {
                listed.push((method.to_ascii_uppercase(), path.clone()));
                // Every {placeholder} declared as a required path parameter, and no other.
                let declared: Vec<&str> = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .filter(|p| p["in"] == "path")
                            .map(|p| {
                                assert_eq!(p["required"], true, "{method} {path}");
                                p["name"].as_str().unwrap()
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                assert_eq!(declared, path_params(path), "{method} {path}");
                assert!(!op["summary"].as_str().unwrap().is_empty());
            }
        }
        assert_eq!(listed.len(), ROUTES.len());
        for r in ROUTES {
            assert!(
                listed.iter().any(|(m, p)| m == r.method && p == r.path),
                "{} {} missing",
                r.method,
                r.path
            );
            let op = &paths[r.path][r.method.to_ascii_lowercase()];
            match r.permission {
                None => {
                    assert_eq!(op["security"], json!([]));
                    assert_eq!(op["x-ketnap-permission"], Value::Null);
                }
                Some(p) => {
                    assert_eq!(op["x-ketnap-permission"], p.as_str());
                    assert_eq!(op["security"].as_array().unwrap().len(), 2);
                }
            }
        }
        // Operation ids are unique.
        let mut ids: Vec<String> = ROUTES.iter().map(operation_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ROUTES.len());
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = serde_json::to_string(&doc).unwrap();
        for part in text.split("\"$ref\":\"").skip(1) {
            let target = part.split('"').next().unwrap();
            let pointer = target.trim_start_matches('#');
            assert!(doc.pointer(pointer).is_some(), "dangling {target}");
        }
    }

    /// Real error responses, as the API renders them, match the schemas the document declares.
    #[tokio::test]
    async fn real_error_bodies_match_the_declared_schemas() {
        use axum::response::IntoResponse;
        use chrono::TimeZone;
        use ketnap_domain::Violation;
        use ketnap_domain::pipeline::Refusal;
        use ketnap_store::pipeline_api::{ImportError, ImportReport};

        use crate::error::ApiError;

        let doc = document();
        let refusal = Refusal {
            rule_id: "order.requires",
            regulation: "Hướng dẫn 01-HD/TW",
            article: "điểm 3",
            facts: vec![("step".into(), "branch_voted".into())],
            message_vi: "Chưa có bước trước".into(),
            message_en: "Missing before".into(),
            event_id: Some(3),
        };
        let errors = vec![
            (
                "BadRequest",
                ApiError::bad_request("as_of", "expected a date"),
            ),
            ("Unauthorized", ApiError::Unauthorized),
            ("BadCredentials", ApiError::BadCredentials),
            ("Forbidden", ApiError::forbidden("outside")),
            ("Forbidden", ApiError::Csrf),
            (
                "NotFound",
                ApiError::NotFound {
                    what: "person",
                    key: "7".into(),
                },
            ),
            (
                "NotFound",
                ApiError::NotOnDate {
                    message: "no".into(),
                },
            ),
            ("Locked", ApiError::Locked { minutes: 3 }),
            ("Internal", ApiError::Internal),
            ("Unavailable", ApiError::Unavailable),
            (
                "PayloadTooLarge",
                ApiError::Body {
                    status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    message: "too big".into(),
                },
            ),
            (
                "UnsupportedMediaType",
                ApiError::Body {
                    status: axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    message: "json".into(),
                },
            ),
            (
                "Refused",
                ApiError::Refused(vec![Violation::new("date", "org.unit.exists_at", "m")]),
            ),
            ("Refused", ApiError::RulesRefused(vec![refusal.clone()])),
            (
                "Refused",
                ApiError::ImportRefused(ImportReport {
                    rows: 2,
                    cases_created: 0,
                    events_created: 0,
                    dry_run: false,
                    written: false,
                    errors: vec![ImportError {
                        row: 2,
                        column: "date".into(),
                        rule: "import.date".into(),
                        message: "bad".into(),
                        refusal: Some(refusal),
                    }],
                }),
            ),
            (
                "Refused",
                ApiError::FormIncomplete {
                    form: "6-KNĐ",
                    missing: vec![ketnap_domain::pipeline::forms::MissingField {
                        field: "introducer",
                        label_vi: "Người giới thiệu",
                        label_en: "Introducer",
                    }],
                },
            ),
            (
                "Conflict",
                ApiError::Conflict {
                    message: "changed".into(),
                    expected: 3,
                    actual: 4,
                    by: "xa".into(),
                    at: chrono::Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
                },
            ),
        ];
        for (response, e) in errors {
            let code = e.code();
            assert!(ERROR_CODES.contains(&code), "{code} not in ERROR_CODES");
            let res = e.into_response();
            let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .unwrap();
            let body: Value = serde_json::from_slice(&bytes).unwrap();
            let schema =
                &doc["components"]["responses"][response]["content"]["application/json"]["schema"];
            crate::testing::check_schema(&doc, schema, &body)
                .unwrap_or_else(|m| panic!("{response}: {body} does not match: {m}"));
        }
        // And the checker does refuse what does not match.
        let schema = &doc["components"]["schemas"]["Error"];
        assert!(crate::testing::check_schema(&doc, schema, &json!({"error": "x"})).is_err());
        assert!(
            crate::testing::check_schema(
                &doc,
                schema,
                &json!({"error": "forbidden", "message": "m", "extra": 1})
            )
            .is_err()
        );
    }
}
