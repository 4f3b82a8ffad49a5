//! `GET /api/v1/reports` (the list) and
//! `GET /api/v1/reports/{name}?org=CODE&period=2024|2024-06|2024-H1|2020-2025&as_of=&rebase=&format=json|csv|narrative[&target=N&subject=]`:
//! admissions and recognitions breakdowns (Biểu 2-BTCTW), membership, coverage — as the
//! structure was, or re-based onto today's (`rebase=true`). Same figures as `ketnap report`.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use ketnap_domain::reports::{REPORTS, ReportPeriod, Structure, Table, narrative};
use ketnap_store::reports_api::ReportRequest;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiDate, ApiPath, ApiQuery, today};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub org: String,
    pub period: Option<String>,
    pub as_of: Option<ApiDate>,
    #[serde(default)]
    pub rebase: Option<String>,
    pub format: Option<String>,
    /// The plan, for `format=narrative`.
    pub target: Option<i64>,
    /// Who admitted, for `format=narrative` (default: the unit's name).
    pub subject: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ReportInfo {
    pub name: &'static str,
    pub title_vi: &'static str,
    pub about_en: &'static str,
}

/// The reports that can be asked for.
pub async fn list() -> Json<Vec<ReportInfo>> {
    Json(
        REPORTS
            .iter()
            .map(|(name, title_vi, about_en)| ReportInfo {
                name,
                title_vi,
                about_en,
            })
            .collect(),
    )
}

/// The request of a report query (period, structure), refused with the field named.
fn request_of(q: &ReportQuery) -> ApiResult<ReportRequest> {
    let today = today();
    let as_of = q.as_of.map(|d| d.0);
    let period_text = q
        .period
        .clone()
        .unwrap_or_else(|| chrono::Datelike::year(&as_of.unwrap_or(today)).to_string());
    let period = ReportPeriod::parse(&period_text)
        .map_err(|v| ApiError::bad_request("period", v.message))?;
    let structure = match q.rebase.as_deref() {
        None | Some("false") | Some("0") => Structure::AsWas,
        Some("true") | Some("1") | Some("") => Structure::Rebased,
        Some(other) => {
            return Err(ApiError::bad_request(
                "rebase",
                format!("{other:?} is not true or false"),
            ));
        }
    };
    Ok(ReportRequest {
        org_code: q.org.clone(),
        period,
        as_of,
        structure,
        today,
    })
}

pub async fn report(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    p.check_code(&state, &q.org).await?;
    let req = request_of(&q)?;
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some("narrative") => false,
        Some(other) => {
            return Err(ApiError::bad_request(
                "format",
                format!("{other:?} is not json, csv or narrative"),
            ));
        }
    };
    let wants_narrative = q.format.as_deref() == Some("narrative");
    if wants_narrative {
        if name != "admissions" {
            return Err(ApiError::bad_request(
                "format",
                "format=narrative is for the admissions report only".to_string(),
            ));
        }
        let r = state.store.report_breakdown(&req, false).await?;
        let subject = q.subject.clone().unwrap_or_else(|| r.org.name.clone());
        return Ok((
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            narrative(&r, &subject, q.target),
        )
            .into_response());
    }
    let out = state.store.report_by_name(&name, &req).await?;
    let (json, table): (serde_json::Value, Table) = (out.json, out.table);
    if csv {
        Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            table.csv(),
        )
            .into_response())
    } else {
        Ok(Json(json).into_response())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionsQuery {
    pub org: String,
    /// Include each submission's comparison with today's figures.
    #[serde(default)]
    pub compare: Option<bool>,
}

/// `POST /api/v1/reports/{name}/submit?org=&period=&as_of=&rebase=`: the report as sent
/// upward, frozen (later corrections show in the comparison, never in it).
pub async fn submit(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    p.check_code(&state, &q.org).await?;
    let req = request_of(&q)?;
    let sub = state.store.report_submit(&name, &req, &p.actor()).await?;
    Ok((axum::http::StatusCode::CREATED, Json(sub)).into_response())
}

/// `GET /api/v1/report-submissions?org=CODE[&compare=true]`: the reports a unit submitted,
/// newest first, each with "số đã báo cáo / số hiện nay" when `compare=true`.
pub async fn submissions(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<SubmissionsQuery>,
) -> ApiResult<Response> {
    let unit = p.check_code(&state, &q.org).await?;
    let list = state.store.report_submissions(Some(unit.id)).await?;
    if q.compare.unwrap_or(false) {
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            out.push(state.store.report_submission_compare(s.id).await?);
        }
        Ok(Json(out).into_response())
    } else {
        Ok(Json(list).into_response())
    }
}
