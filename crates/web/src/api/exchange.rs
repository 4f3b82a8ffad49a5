//! `/api/v1/imports/{kind}` (spreadsheet upload with column mapping and dry run) and
//! `/api/v1/export/{list}` (members and candidates keyed by CCCD, CSV or XLSX), issue E.
//!
//! Uploads have their own body limit ([`UPLOAD_LIMIT`], 20 MiB) instead of the API's 1 MiB:
//! [`body_limit`] picks the limit by path for the whole application.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ketnap_domain::access::Permission;
use ketnap_exchange::mapping::{MappedKind, MappedOptions, Mapping, parse_mapping};
use ketnap_exchange::national::ListKind;
use ketnap_exchange::sheet::Limits;
use ketnap_exchange::{ExchangeError, ImportOptions};
use serde::Deserialize;

use crate::AppState;
use crate::actor::Actor;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiDate, ApiPath, ApiQuery, as_of_or_today};
use crate::mask::Disclosure;

/// The largest spreadsheet accepted by `POST /api/v1/imports/{kind}` (20 MiB).
pub const UPLOAD_LIMIT: usize = 20 << 20;

/// The path prefix of uploads (the larger body limit).
pub const UPLOAD_PREFIX: &str = "/api/v1/imports/";

fn too_large(limit: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        Json(serde_json::json!({
            "error": "payload_too_large",
            "message": format!("the body is larger than {limit} bytes; split the file"),
        })),
    )
        .into_response()
}

/// The request body limit of the application: [`UPLOAD_LIMIT`] for uploads, [`crate::BODY_LIMIT`]
/// for everything else. A declared length over it is refused at once; a body that grows past it
/// while read fails its extraction with 413.
pub async fn body_limit(req: Request, next: Next) -> Response {
    let limit = if req.uri().path().starts_with(UPLOAD_PREFIX) {
        UPLOAD_LIMIT
    } else {
        crate::BODY_LIMIT
    };
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit);
    }
    let req = req.map(|b| Body::new(http_body_util::Limited::new(b, limit)));
    next.run(req).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// Check every row and write nothing (default false).
    pub dry_run: Option<bool>,
    /// A saved mapping's name, or the mapping itself (JSON, or `col=Header;…`).
    pub mapping: Option<String>,
    /// The worksheet of an XLSX file (default the first).
    pub sheet: Option<String>,
    /// Save the mapping used under this name (when the import has no errors).
    pub save_mapping: Option<String>,
}

/// `POST /api/v1/imports/{kind}`: a CSV or XLSX file (detected from its bytes) of `orgs`,
/// `localities`, `people`, `members`, `candidates`, `events` or `targets`. 201 when written, 200
/// on a dry run or when nothing changed, 422 `import_refused` with every row error.
pub async fn upload(
    State(state): State<AppState>,
    p: Principal,
    actor: Actor,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let Some(kind) = MappedKind::parse(&kind) else {
        return Err(ApiError::NotFound {
            what: "import kind",
            key: kind,
        });
    };
    let needed = match kind {
        MappedKind::Orgs | MappedKind::Localities => Permission::ChangeStructure,
        MappedKind::Targets => Permission::SetTargets,
        _ => Permission::WriteCases,
    };
    if !p.allows(needed) {
        return Err(ApiError::forbidden(format!(
            "your role may not import {}",
            kind.as_str()
        )));
    }
    // A file's rows may name any unit: bulk imports are for administrators and users of a root
    // unit (a commune's staff use /api/v1/import/events and the single writes).
    p.check_national(&state).await?;
    let body = body.map_err(|r| ApiError::Body {
        status: r.status(),
        message: if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the body is larger than {UPLOAD_LIMIT} bytes; split the file")
        } else {
            "the request body could not be read".into()
        },
    })?;
    let mapping: Mapping = match q.mapping.as_deref().map(str::trim) {
        None | Some("") | Some("auto") => Mapping::new(),
        Some(m) if m.starts_with('{') || m.contains('=') => {
            parse_mapping(kind, m).map_err(|e| ApiError::bad_request("mapping", e))?
        }
        Some(name) => {
            let text = state
                .store
                .mapping_get(kind.as_str(), name)
                .await?
                .ok_or_else(|| ApiError::NotFound {
                    what: "saved mapping",
                    key: name.to_string(),
                })?;
            parse_mapping(kind, &text).map_err(|e| ApiError::bad_request("mapping", e))?
        }
    };
    let opts = MappedOptions {
        import: ImportOptions {
            dry_run: q.dry_run.unwrap_or(false),
            actor: actor.as_str().to_string(),
            source: format!("POST {UPLOAD_PREFIX}{}", kind.as_str()),
        },
        mapping,
        sheet: q.sheet.clone(),
        limits: Limits {
            max_file: UPLOAD_LIMIT,
            ..Limits::default()
        },
    };
    let report = ketnap_exchange::mapping::import_mapped(&state.store, kind, &body, &opts)
        .await
        .map_err(|e| match e {
            ExchangeError::Store(s) => ApiError::from(s),
            other => ApiError::bad_request("body", other.to_string()),
        })?;
    if !report.errors.is_empty() {
        let mut v = serde_json::to_value(&report).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("error".into(), "import_refused".into());
            o.insert(
                "message".into(),
                format!("{} error(s); nothing was written", report.errors.len()).into(),
            );
        }
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(v)).into_response());
    }
    if let Some(name) = q.save_mapping.as_deref().filter(|n| !n.trim().is_empty()) {
        let text = serde_json::to_string(&report.mapping).unwrap_or_default();
        state
            .store
            .mapping_save(kind.as_str(), name.trim(), &text, actor.as_str())
            .await?;
    }
    let status = if report.written {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    pub org: Option<String>,
    pub as_of: Option<ApiDate>,
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// `GET /api/v1/export/{list}?org=&as_of=&format=csv|xlsx`: `members` or `candidates` keyed by
/// CCCD for the national party-member database. Roles that see personal data masked elsewhere
/// get it masked here too (CCCD's last three digits, birth year, no ethnic group or religion).
pub async fn export(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(list): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let Some(kind) = ListKind::parse(&list) else {
        return Err(ApiError::NotFound {
            what: "list",
            key: list,
        });
    };
    let xlsx = match q.format.as_deref() {
        None | Some("csv") => false,
        Some("xlsx") => true,
        Some(_) => return Err(ApiError::bad_request("format", "csv or xlsx")),
    };
    let org = match &q.org {
        Some(code) => Some(p.check_code(&state, code).await?.code),
        None => match p.scope() {
            Some(id) => state.store.org_by_id(id).await?.map(|o| o.code),
            None => None,
        },
    };
    let as_of = as_of_or_today(q.as_of);
    let mut l = ketnap_exchange::national::list(&state.store, kind, org.as_deref(), as_of)
        .await
        .map_err(|e| match e {
            ExchangeError::Store(s) => ApiError::from(s),
            other => ApiError::bad_request("org", other.to_string()),
        })?;
    if p.disclosure() == Disclosure::Masked {
        for r in &mut l.rows {
            let n = r[0].chars().count();
            r[0] = format!(
                "{}{}",
                "*".repeat(n.saturating_sub(3)),
                r[0].chars().skip(n.saturating_sub(3)).collect::<String>()
            );
            r[3] = r[3].chars().take(4).collect();
            r[4].clear();
            r[5].clear();
        }
    }
    let name = format!("{}-{as_of}", kind.as_str());
    let (bytes, ct, ext) = if xlsx {
        let b = ketnap_exchange::national::write_xlsx(&l)
            .map_err(|e| ApiError::bad_request("format", e.to_string()))?;
        (
            b,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        let mut b = vec![];
        ketnap_exchange::national::write_csv(&l, &mut b)
            .map_err(|e| ApiError::bad_request("format", e.to_string()))?;
        (b, "text/csv; charset=utf-8", "csv")
    };
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.{ext}\"")) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&l.without_cccd.to_string()) {
        h.insert("x-ketnap-without-cccd", v);
    }
    Ok(res)
}
