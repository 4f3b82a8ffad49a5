//! Chỉ tiêu và tổng quan — the targets grid of a unit and its children (assigned vs registered,
//! admitted, rate, rank, reconciliation) with the form committee staff set them with
//! (`Store::target_set`), and the dashboard: achievement, pace, forecast, ranking, a chart of
//! admitted against target and the breakdown of the new members, each child a drill-down link.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::Datelike;
use ketnap_domain::access::Permission;
use ketnap_domain::reports::{ReportPeriod, Structure};
use ketnap_domain::targets::{TargetKind, TargetPeriod, TargetSource};
use ketnap_store::reports_api::ReportRequest;
use ketnap_store::targets_api::{TargetLine, TargetReport};
use serde::Deserialize;

use super::chart::{Bar, bars};
use super::{Ctx, PForm, PQuery, PageError, PageResult, fmt_date, fmt_n, redirect, render};
use crate::AppState;
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
pub struct TargetsQuery {
    pub org: Option<String>,
    pub period: Option<String>,
    pub saved: Option<String>,
}

fn period_of(ctx: &Ctx, s: Option<&str>) -> PageResult<TargetPeriod> {
    let text = s
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map_or_else(|| ctx.today.year().to_string(), str::to_string);
    TargetPeriod::parse(&text)
        .map_err(|v| PageError::Api(ApiError::bad_request("period", v.message)))
}

/// One line of the grid as shown.
pub struct Line {
    pub code: String,
    pub name: String,
    pub assigned: String,
    pub registered: String,
    pub admitted: String,
    pub rate: String,
    pub summary: String,
    pub rank: String,
}

impl Line {
    fn of(t: &TargetLine) -> Self {
        Line {
            code: t.org.code.clone(),
            name: t.org.name.clone(),
            assigned: t.assigned.map(|v| v.to_string()).unwrap_or_default(),
            registered: t.registered.map(|v| v.to_string()).unwrap_or_default(),
            admitted: fmt_n(t.admitted),
            rate: t.rate_text.clone(),
            summary: t.summary.clone(),
            rank: t.rank.map(|r| r.to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "ui/targets.html")]
pub struct GridPage {
    pub ctx: Ctx,
    pub title: String,
    pub period: String,
    pub unit: Line,
    pub children: Vec<Line>,
    pub reconciliation: String,
    pub balanced: bool,
    pub structure: String,
    pub can_set: bool,
    pub saved: bool,
}

async fn report(
    state: &AppState,
    ctx: &Ctx,
    org: Option<&str>,
    period: TargetPeriod,
) -> PageResult<TargetReport> {
    let unit = ctx.unit(state, org).await?;
    Ok(state
        .store
        .target_report(unit.id, period, ctx.today, true, None)
        .await?)
}

/// `GET /targets?org=&period=`.
pub async fn grid(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<TargetsQuery>,
) -> PageResult<Response> {
    let period = period_of(&ctx, q.period.as_deref())?;
    let rep = report(&state, &ctx, q.org.as_deref(), period).await?;
    let page = GridPage {
        title: ctx.t("tgt.title").into(),
        period: period.to_string(),
        unit: Line::of(&rep.unit),
        children: rep.children.iter().map(Line::of).collect(),
        reconciliation: rep
            .reconciliation
            .as_ref()
            .map(|r| r.text.clone())
            .unwrap_or_default(),
        balanced: rep.reconciliation.as_ref().is_some_and(|r| r.balanced),
        structure: rep.structure.clone(),
        can_set: ctx.p.allows(Permission::SetTargets),
        saved: q.saved.is_some(),
        ctx,
    };
    render(&page)
}

/// `POST /targets`: `org`, `period` and `assigned:CODE` / `registered:CODE` for the unit and
/// its children; only changed figures are written (an emptied field clears the figure).
pub async fn save(State(state): State<AppState>, ctx: Ctx, form: PForm) -> PageResult<Response> {
    let period = period_of(&ctx, form.opt("period"))?;
    let rep = report(&state, &ctx, form.opt("org"), period).await?;
    let actor = ctx.p.actor();
    for line in std::iter::once(&rep.unit).chain(&rep.children) {
        for (source, field, current) in [
            (TargetSource::Assigned, "assigned", line.assigned),
            (TargetSource::Registered, "registered", line.registered),
        ] {
            let name = format!("{field}:{}", line.org.code);
            if !form.has(&name) {
                continue;
            }
            let raw = form.get(&name).replace('.', "");
            let value = if raw.is_empty() {
                None
            } else {
                Some(raw.parse::<i64>().map_err(|_| {
                    PageError::Api(ApiError::bad_request(
                        name.clone(),
                        "expected a whole number",
                    ))
                })?)
            };
            if value == current {
                continue;
            }
            let unit = ctx.p.check_code(&state, &line.org.code).await?;
            state
                .store
                .target_set(
                    unit.id,
                    TargetKind::Admissions,
                    period,
                    source,
                    value,
                    &actor,
                )
                .await?;
        }
    }
    Ok(redirect(&format!(
        "/targets?org={}&period={}&saved=1",
        rep.unit.org.code, period
    )))
}

#[derive(Template)]
#[template(path = "ui/dashboard.html")]
pub struct DashPage {
    pub ctx: Ctx,
    pub title: String,
    pub period: String,
    pub unit: Line,
    pub as_of: String,
    pub pace: String,
    pub forecast: String,
    pub children: Vec<Line>,
    pub chart: String,
    pub breakdown: String,
    pub structure: String,
}

/// `GET /dashboard?org=&period=`.
pub async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<TargetsQuery>,
) -> PageResult<Response> {
    let period = period_of(&ctx, q.period.as_deref())?;
    let rep = report(&state, &ctx, q.org.as_deref(), period).await?;
    let chart = bars(
        ctx.t("dash.chart"),
        &rep.children
            .iter()
            .map(|c| Bar {
                label: c.org.name.clone(),
                value: c.admitted as f64,
                mark: c.registered.or(c.assigned).map(|v| v as f64),
                text: match c.registered.or(c.assigned) {
                    Some(t) => format!("{}/{} {}", fmt_n(c.admitted), fmt_n(t), c.rate_text),
                    None => fmt_n(c.admitted),
                },
            })
            .collect::<Vec<_>>(),
    );
    // The breakdown of the new members of the period (first-level rows).
    let breakdown = match ReportPeriod::parse(&period.to_string()) {
        Ok(rp) => {
            let req = ReportRequest {
                org_code: rep.unit.org.code.clone(),
                period: rp,
                as_of: None,
                structure: Structure::AsWas,
                today: ctx.today,
            };
            match state.store.report_breakdown(&req, false).await {
                Ok(r) => bars(
                    ctx.t("dash.breakdown"),
                    &r.rows
                        .iter()
                        .filter(|row| row.level == 1)
                        .map(|row| Bar {
                            label: ctx.lang.pick(&row.label_vi, &row.label_en).to_string(),
                            value: row.current as f64,
                            mark: None,
                            text: format!("{} ({})", row.current_vi, row.percent_vi),
                        })
                        .collect::<Vec<_>>(),
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "dashboard breakdown unavailable");
                    String::new()
                }
            }
        }
        Err(_) => String::new(),
    };
    let page = DashPage {
        title: ctx.t("dash.title").into(),
        period: period.to_string(),
        unit: Line::of(&rep.unit),
        as_of: fmt_date(rep.as_of),
        pace: rep
            .unit
            .pace
            .as_ref()
            .map(|p| p.text.clone())
            .unwrap_or_default(),
        forecast: rep
            .unit
            .forecast
            .as_ref()
            .map(|f| f.text.clone())
            .unwrap_or_default(),
        children: rep.children.iter().map(Line::of).collect(),
        chart,
        breakdown,
        structure: rep.structure.clone(),
        ctx,
    };
    render(&page)
}
