//! Việc cần làm — the home page of those who keep cases: what is overdue, due within 7 and 30
//! days, stalled cases and expiring certificates under the user's unit (`Store::due_list`),
//! each with a one-tap link to the case's next-step form.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnap_store::pipeline_api::DueGroup;
use serde::Deserialize;

use super::{Ctx, PQuery, PageResult, fmt_date, parse_date, render};
use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct TodoQuery {
    pub org: Option<String>,
    pub as_of: Option<String>,
    pub lang: Option<String>,
}

pub struct DueLine {
    pub case_id: i64,
    pub name: String,
    pub branch: String,
    pub stage: String,
    pub what: String,
    pub due: String,
    /// `?step=…#next` when the item is about a step.
    pub href: String,
}

pub struct Group {
    pub code: &'static str,
    pub label: String,
    pub badge: &'static str,
    pub lines: Vec<DueLine>,
}

#[derive(Template)]
#[template(path = "ui/todo.html")]
pub struct TodoPage {
    pub ctx: Ctx,
    pub title: String,
    pub unit_code: String,
    pub unit_name: String,
    pub as_of: String,
    pub groups: Vec<Group>,
    pub total: usize,
    pub can_write: bool,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<TodoQuery>,
) -> PageResult<Response> {
    let unit = ctx.unit(&state, q.org.as_deref()).await?;
    let on = q.as_of.as_deref().and_then(parse_date).unwrap_or(ctx.today);
    let rows = state.store.due_list(&unit.code, on, 6).await?;
    let l = ctx.lang;
    let groups: Vec<Group> = DueGroup::ALL
        .iter()
        .map(|g| Group {
            code: g.as_str(),
            label: l.pick(g.label_vi(), g.label_en()).to_string(),
            badge: match g {
                DueGroup::Overdue => "red",
                DueGroup::ThisWeek | DueGroup::Certificate => "warn",
                _ => "",
            },
            lines: rows
                .iter()
                .filter(|r| r.group == *g)
                .map(|r| DueLine {
                    case_id: r.case_id,
                    name: r.person.full_name.clone(),
                    branch: r.branch.name.clone(),
                    stage: l.pick(r.stage.label_vi(), r.stage.label_en()).to_string(),
                    what: l.pick(&r.item.message_vi, &r.item.message_en).to_string(),
                    due: r.item.due_date.map(fmt_date).unwrap_or_default(),
                    href: match r.item.step {
                        Some(s) => format!("/cases/{}?step={}#next", r.case_id, s.as_str()),
                        None => format!("/cases/{}#next", r.case_id),
                    },
                })
                .collect(),
        })
        .collect();
    let page = TodoPage {
        title: ctx.t("todo.title").to_string(),
        unit_code: unit.code,
        unit_name: unit.name,
        as_of: fmt_date(on),
        total: rows.len(),
        groups,
        can_write: ctx.p.allows(ketnap_domain::access::Permission::WriteCases),
        ctx,
    };
    render(&page)
}
