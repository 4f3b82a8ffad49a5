//! Tổ chức — the tree as of a date, one unit's page (units below, members, localities,
//! coverage, lineage of mergers and splits) and, for committee staff, the rename form (other
//! structure operations go through `POST /api/v1/org/operations`; the same checks apply).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use ketnap_domain::access::Permission;
use ketnap_domain::reports::{ReportPeriod, Structure, Table};
use ketnap_store::reports_api::ReportRequest;
use serde::Deserialize;
use serde_json::json;

use super::{Ctx, PForm, PQuery, PageError, PageResult, fmt_date, parse_date, redirect, render};
use crate::AppState;
use crate::api::org::{OperationRequest, check_operation, to_operation};
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
pub struct TreeQuery {
    pub root: Option<String>,
    pub as_of: Option<String>,
    pub depth: Option<i32>,
}

pub struct Node {
    pub code: String,
    pub name: String,
    pub kind: String,
    /// Indentation level (0 for the root).
    pub depth: i32,
}

#[derive(Template)]
#[template(path = "ui/orgs.html")]
pub struct TreePage {
    pub ctx: Ctx,
    pub title: String,
    pub root: String,
    pub as_of: String,
    pub depth: i32,
    pub nodes: Vec<Node>,
}

impl TreePage {
    pub fn indent(&self, depth: &i32) -> String {
        format!("padding-left:{}rem", f64::from(*depth) * 1.1)
    }
}

/// `GET /orgs?root=&as_of=&depth=`: the tree under a unit of the user's subtree, in
/// depth-first order.
pub async fn tree(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<TreeQuery>,
) -> PageResult<Response> {
    let unit = ctx.unit(&state, q.root.as_deref()).await?;
    let on = q.as_of.as_deref().and_then(parse_date).unwrap_or(ctx.today);
    let depth = q.depth.unwrap_or(2).clamp(1, 4);
    let flat = state.store.org_subtree(unit.id, on, depth).await?;
    // Depth-first order: children after their parent.
    let mut nodes = vec![];
    let mut stack: Vec<&ketnap_store::TreeNode> = flat.iter().filter(|n| n.depth == 0).collect();
    while let Some(n) = stack.pop() {
        nodes.push(Node {
            code: n.code.clone(),
            name: n.name.clone(),
            kind: n.kind.label_vi().into(),
            depth: n.depth,
        });
        let mut kids: Vec<&ketnap_store::TreeNode> = flat
            .iter()
            .filter(|c| c.parent_id == Some(n.id) && c.depth == n.depth + 1)
            .collect();
        kids.sort_by(|a, b| b.code.cmp(&a.code));
        stack.extend(kids);
    }
    let page = TreePage {
        title: ctx.t("org.title").into(),
        root: unit.code,
        as_of: fmt_date(on),
        depth,
        nodes,
        ctx,
    };
    render(&page)
}

pub struct Edge {
    pub code: String,
    pub name: String,
    pub date: String,
    pub kind: &'static str,
}

#[derive(Template)]
#[template(path = "ui/unit.html")]
pub struct UnitPage {
    pub ctx: Ctx,
    pub title: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub period: String,
    pub children: Vec<Node>,
    pub localities: Vec<(String, String, String)>,
    pub members: Option<Table>,
    pub coverage: Vec<String>,
    pub names: Vec<(String, String)>,
    pub parents: Vec<(String, String, String)>,
    pub predecessors: Vec<Edge>,
    pub successors: Vec<Edge>,
    pub can_change: bool,
    pub error: String,
}

fn period_text(p: &ketnap_domain::Period) -> String {
    let to = p.to.map_or_else(|| "…".to_string(), fmt_date);
    format!("{} – {}", fmt_date(p.from), to)
}

async fn unit_page(state: &AppState, ctx: Ctx, code: &str, error: String) -> PageResult<UnitPage> {
    let u = ctx.p.check_code(state, code).await?;
    let on = ctx.today;
    let kids = state.store.org_subtree(u.id, on, 1).await?;
    let history = state.store.org_history(u.id).await?;
    let localities = state.store.localities_in(u.id, on).await?;
    let req = ReportRequest {
        org_code: u.code.clone(),
        period: ReportPeriod::parse(&chrono::Datelike::year(&on).to_string())
            .map_err(|v| PageError::Api(ApiError::bad_request("period", v.message)))?,
        as_of: Some(on),
        structure: Structure::AsWas,
        today: on,
    };
    let members = state
        .store
        .report_membership(&req)
        .await
        .ok()
        .map(|r| r.table());
    let coverage = match state.store.report_coverage(&req).await {
        Ok(r) => {
            let mut v: Vec<String> = r.rows.iter().map(|x| x.sentence_vi.clone()).collect();
            v.push(r.combined_branches.sentence_vi.clone());
            v
        }
        Err(_) => vec![],
    };
    let edge = |e: &ketnap_store::LineageEdge| Edge {
        code: e.unit.code.clone(),
        name: e.unit.name.clone(),
        date: fmt_date(e.date),
        kind: match e.kind {
            ketnap_domain::org::LineageKind::Merge => "hợp nhất / sáp nhập",
            ketnap_domain::org::LineageKind::Split => "chia tách",
        },
    };
    Ok(UnitPage {
        title: u.name.clone(),
        code: u.code.clone(),
        name: u.name.clone(),
        kind: u.kind.label_vi().into(),
        period: period_text(&u.period),
        children: kids
            .iter()
            .filter(|n| n.depth == 1)
            .map(|n| Node {
                code: n.code.clone(),
                name: n.name.clone(),
                kind: n.kind.label_vi().into(),
                depth: 1,
            })
            .collect(),
        localities: localities
            .iter()
            .map(|l| {
                (
                    l.name.clone(),
                    l.code.clone(),
                    l.branch
                        .as_ref()
                        .map(|b| b.name.clone())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        members,
        coverage,
        names: history
            .as_ref()
            .map(|h| {
                h.names
                    .iter()
                    .map(|n| (n.name.clone(), period_text(&n.period)))
                    .collect()
            })
            .unwrap_or_default(),
        parents: history
            .as_ref()
            .map(|h| {
                h.parents
                    .iter()
                    .map(|p| {
                        (
                            p.parent.code.clone(),
                            p.parent.name.clone(),
                            period_text(&p.period),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        predecessors: history
            .as_ref()
            .map(|h| h.predecessors.iter().map(edge).collect())
            .unwrap_or_default(),
        successors: history
            .as_ref()
            .map(|h| h.successors.iter().map(edge).collect())
            .unwrap_or_default(),
        can_change: ctx.p.allows(Permission::ChangeStructure),
        error,
        ctx,
    })
}

/// `GET /orgs/{code}`: 403 outside the user's subtree.
pub async fn unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let page = unit_page(&state, ctx, &code, String::new()).await?;
    render(&page)
}

/// `POST /orgs/{code}/rename` (`name`, `date`): the rename operation, checked like the API's.
pub async fn rename(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: PForm,
) -> PageResult<Response> {
    let u = ctx.p.check_code(&state, &code).await?;
    let date = parse_date(form.get("date")).unwrap_or(ctx.today);
    let body = json!({"op": "rename", "code": u.code, "name": form.get("name"),
                      "date": date.format("%Y-%m-%d").to_string()});
    let outcome = async {
        let req = OperationRequest::from_json(body)?;
        let op = to_operation(&state.store, req).await?;
        check_operation(&state, &ctx.p, &op).await?;
        state.store.org_apply(&op, &ctx.p.actor()).await?;
        Ok::<(), ApiError>(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(redirect(&format!("/orgs/{}", u.code))),
        Err(
            e @ (ApiError::Refused(_) | ApiError::BadRequest { .. } | ApiError::Forbidden { .. }),
        ) => {
            let msg = match &e {
                ApiError::Refused(v) => v
                    .iter()
                    .map(|x| format!("[{}] {}", x.rule, x.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            };
            let page = unit_page(&state, ctx, &code, msg).await?;
            super::render_status(e.status(), &page)
        }
        Err(e) => Err(PageError::Api(e)),
    }
}
