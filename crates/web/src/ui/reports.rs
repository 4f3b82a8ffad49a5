//! Báo cáo — every report (admissions and recognitions per Biểu 2-BTCTW, candidates,
//! membership, coverage) with its period and structure (as it was, or re-based onto today's),
//! the table on the page, downloads (CSV and JSON from `GET /api/v1/reports/{name}`, XLSX
//! from `GET /reports/{name}/xlsx`) and a print view (`print=1`, with the print stylesheet).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use ketnap_domain::reports::{REPORTS, ReportPeriod, Structure, Table};
use ketnap_store::reports_api::ReportRequest;
use serde::Deserialize;

use super::candidates::Opt;
use super::{Ctx, PQuery, PageError, PageResult, fmt_date, parse_date, render};
use crate::AppState;
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub name: Option<String>,
    pub org: Option<String>,
    pub period: Option<String>,
    pub as_of: Option<String>,
    pub rebase: Option<String>,
    pub print: Option<String>,
}

/// The report's heading lines and its table (the same heading the CLI writes).
pub async fn build(
    state: &AppState,
    name: &str,
    req: &ReportRequest,
) -> PageResult<(Vec<String>, Table)> {
    let s = &state.store;
    let (head, table) = match name {
        "admissions" | "recognitions" => {
            let r = s.report_breakdown(req, name == "recognitions").await?;
            let mut head = vec![
                format!("{} — {} ({})", r.title_vi, r.org.name, r.org.code),
                format!(
                    "Kỳ này: {}; cùng kỳ: {}",
                    r.period.label_vi(),
                    r.compared_with.label_vi()
                ),
                r.structure_vi.clone(),
            ];
            head.extend(r.notes.iter().cloned());
            (head, r.table())
        }
        "candidates" => {
            let r = s.report_candidates(req).await?;
            (
                vec![
                    format!("{} — {} ({})", r.title_vi, r.org.name, r.org.code),
                    format!(
                        "Ngày {}; so với ngày {}",
                        fmt_date(r.period.from),
                        fmt_date(r.compared_with.from)
                    ),
                    r.structure_vi.clone(),
                ],
                r.table(),
            )
        }
        "membership" => {
            let r = s.report_membership(req).await?;
            (
                vec![
                    format!(
                        "Số lượng đảng viên — {} ({}) ngày {}",
                        r.org.name,
                        r.org.code,
                        fmt_date(r.as_of)
                    ),
                    r.structure_vi.clone(),
                ],
                r.table(),
            )
        }
        "coverage" => {
            let r = s.report_coverage(req).await?;
            let mut head = vec![
                format!(
                    "Địa bàn — {} ({}) ngày {}",
                    r.org.name,
                    r.org.code,
                    fmt_date(r.as_of)
                ),
                r.structure_vi.clone(),
            ];
            head.extend(r.rows.iter().map(|row| row.sentence_vi.clone()));
            head.push(r.combined_branches.sentence_vi.clone());
            (head, r.table())
        }
        other => {
            return Err(PageError::Api(ApiError::NotFound {
                what: "report",
                key: other.to_string(),
            }));
        }
    };
    Ok((head, table))
}

/// The request of the query, the unit checked against the user's subtree (403 outside).
async fn request(
    state: &AppState,
    ctx: &Ctx,
    q: &ReportQuery,
) -> PageResult<(ReportRequest, String, bool)> {
    let unit = ctx.unit(state, q.org.as_deref()).await?;
    let period_text = q
        .period
        .clone()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| ctx.today.year().to_string());
    let period = ReportPeriod::parse(period_text.trim())
        .map_err(|v| PageError::Api(ApiError::bad_request("period", v.message)))?;
    let rebase = matches!(q.rebase.as_deref(), Some("true" | "1" | "on"));
    Ok((
        ReportRequest {
            org_code: unit.code,
            period,
            as_of: q.as_of.as_deref().and_then(parse_date),
            structure: if rebase {
                Structure::Rebased
            } else {
                Structure::AsWas
            },
            today: ctx.today,
        },
        period_text.trim().to_string(),
        rebase,
    ))
}

#[derive(Template)]
#[template(path = "ui/reports.html")]
pub struct ReportsPage {
    pub ctx: Ctx,
    pub title: String,
    pub reports: Vec<Opt>,
    pub name: String,
    pub org: String,
    pub period: String,
    pub as_of: String,
    pub rebase: bool,
    pub head: Vec<String>,
    pub table: Table,
    pub query: String,
    pub print: bool,
}

impl ReportsPage {
    /// Whether a column holds figures (right-aligned).
    pub fn numeric(&self, cell: &str) -> bool {
        super::xlsx::vi_value(cell).is_some() || cell == "–"
    }
}

/// `GET /reports?name=&org=&period=&as_of=&rebase=&print=`.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<ReportQuery>,
) -> PageResult<Response> {
    let name = q.name.clone().unwrap_or_else(|| "admissions".into());
    let (req, period, rebase) = request(&state, &ctx, &q).await?;
    let (head, table) = build(&state, &name, &req).await?;
    let mut qs = form_urlencoded::Serializer::new(String::new());
    qs.append_pair("org", &req.org_code);
    qs.append_pair("period", &period);
    if let Some(d) = req.as_of {
        qs.append_pair("as_of", &d.format("%Y-%m-%d").to_string());
    }
    if rebase {
        qs.append_pair("rebase", "true");
    }
    let page = ReportsPage {
        title: ctx.t("rep.title").into(),
        reports: REPORTS
            .iter()
            .map(|(n, vi, en)| Opt {
                value: (*n).into(),
                label: ctx.lang.pick(vi, en).into(),
                selected: *n == name,
            })
            .collect(),
        org: req.org_code.clone(),
        as_of: req.as_of.map(fmt_date).unwrap_or_default(),
        query: qs.finish(),
        period,
        rebase,
        head,
        table,
        print: q.print.is_some(),
        name,
        ctx,
    };
    render(&page)
}

/// `GET /reports/{name}/xlsx?org=&period=&as_of=&rebase=`: the report as a workbook.
pub async fn xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(name): Path<String>,
    PQuery(q): PQuery<ReportQuery>,
) -> PageResult<Response> {
    let (req, period, _) = request(&state, &ctx, &q).await?;
    let (head, table) = build(&state, &name, &req).await?;
    let lines: Vec<&str> = head.iter().map(String::as_str).collect();
    let bytes = super::xlsx::to_bytes(&name, &lines, &table).map_err(|e| {
        tracing::error!(error = %e, "xlsx failed");
        PageError::Api(ApiError::Internal)
    })?;
    let file = format!(
        "attachment; filename=\"{name}-{}-{}.xlsx\"",
        req.org_code
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "_"),
        period.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    Ok((
        [
            (
                CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (CONTENT_DISPOSITION, file),
        ],
        bytes,
    )
        .into_response())
}
