//! Tìm kiếm — people (by name without diacritics, "nguyen van a" finds "Nguyễn Văn A", or by
//! CCCD; the store's search keys) and units (by name or code) inside the user's subtree. People
//! only for the roles that may read them; birth year only, as in lists.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use ketnap_domain::access::Permission;
use ketnap_domain::text::fold;
use ketnap_store::PersonQuery;
use serde::Deserialize;

use super::{Ctx, PQuery, PageResult, render};
use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
}

pub struct PersonLine {
    pub id: i64,
    pub name: String,
    pub born: i32,
    pub status: String,
    pub branch: String,
    pub branch_code: String,
}

#[derive(Template)]
#[template(path = "ui/search.html")]
pub struct SearchPage {
    pub ctx: Ctx,
    pub title: String,
    pub q: String,
    pub people: Vec<PersonLine>,
    pub units: Vec<(String, String, String)>,
    pub can_people: bool,
    pub searched: bool,
}

/// `GET /search?q=`.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<SearchQuery>,
) -> PageResult<Response> {
    let text = q.q.unwrap_or_default().trim().to_string();
    let can_people = ctx.p.allows(Permission::ReadPeople);
    let mut people = vec![];
    let mut units = vec![];
    if !text.is_empty() {
        let home = ctx.unit(&state, None).await?;
        if can_people {
            let d = ctx.p.disclosure();
            let hits = state
                .store
                .person_search(&PersonQuery {
                    text: text.clone(),
                    scope: ctx.p.scope(),
                    as_of: ctx.today,
                    limit: 50,
                })
                .await?;
            people = hits
                .into_iter()
                .map(|h| PersonLine {
                    id: h.id,
                    born: d.birth_year(&h.birth_date),
                    status: h
                        .status
                        .map(|s| super::people::status_label(ctx.lang, s).to_string())
                        .unwrap_or_default(),
                    branch: h
                        .branch
                        .as_ref()
                        .map(|b| b.name.clone())
                        .unwrap_or_default(),
                    branch_code: h.branch.map(|b| b.code).unwrap_or_default(),
                    name: h.full_name,
                })
                .collect();
        }
        let key = fold(&text);
        let depth = if ctx.p.scope().is_some() { 6 } else { 3 };
        units = state
            .store
            .org_subtree(home.id, ctx.today, depth)
            .await?
            .into_iter()
            .filter(|n| fold(&n.name).contains(&key) || fold(&n.code) == key)
            .take(50)
            .map(|n| {
                let kind = ctx.lang.pick(n.kind.label_vi(), n.kind.label_en());
                (n.code, n.name, kind.to_string())
            })
            .collect();
    }
    let page = SearchPage {
        title: ctx.t("search.title").into(),
        searched: !text.is_empty(),
        q: text,
        people,
        units,
        can_people,
        ctx,
    };
    render(&page)
}
