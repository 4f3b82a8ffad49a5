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

pub async fn report(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    p.check_code(&state, &q.org).await?;
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
    let req = ReportRequest {
        org_code: q.org.clone(),
        period,
        as_of,
        structure,
        today,
    };
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
    let (json, table): (serde_json::Value, Table) = match name.as_str() {
        "admissions" | "recognitions" => {
            let r = state
                .store
                .report_breakdown(&req, name == "recognitions")
                .await?;
            (to_value(&r)?, r.table())
        }
        "candidates" => {
            let r = state.store.report_candidates(&req).await?;
            (to_value(&r)?, r.table())
        }
        "membership" => {
            let r = state.store.report_membership(&req).await?;
            (to_value(&r)?, r.table())
        }
        "coverage" => {
            let r = state.store.report_coverage(&req).await?;
            (to_value(&r)?, r.table())
        }
        _ => {
            return Err(ApiError::NotFound {
                what: "report",
                key: name,
            });
        }
    };
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

fn to_value<T: Serialize>(v: &T) -> ApiResult<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| ApiError::bad_request("report", e.to_string()))
}
