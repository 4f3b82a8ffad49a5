//! The plain HTML front page (Vietnamese, English in small print): what ketnap holds and the
//! API's endpoints. Rendered with askama, which escapes every value. The full UI comes later.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use ketnap_domain::org::OrgKind;
use ketnap_domain::person::PartyStatus;

use crate::AppState;
use crate::api::ENDPOINTS;
use crate::error::{ApiError, ApiResult};
use crate::extract::today;

/// A number with `.` between thousands, as Vietnamese writes it (`2.287`).
pub fn vi_number(n: i64) -> String {
    ketnap_domain::text::vi::number(n)
}

/// A unit on the page, with a link to it in the API.
pub struct UnitLink {
    pub code: String,
    pub name: String,
    pub kind_vi: String,
    pub children: Vec<UnitLink>,
}

/// A count with its label.
pub struct CountRow {
    pub label: String,
    pub key: String,
    pub count: String,
}

pub struct EndpointRow {
    pub method: &'static str,
    pub path: &'static str,
    /// A link to try, empty for endpoints that need a body.
    pub href: String,
    pub about_vi: &'static str,
    pub about_en: &'static str,
}

#[derive(Template)]
#[template(path = "index.html")]
pub struct IndexPage {
    pub today: String,
    pub backend: &'static str,
    pub empty: bool,
    pub units_total: String,
    pub localities_total: String,
    pub people_total: String,
    pub units_by_kind: Vec<CountRow>,
    pub people_by_status: Vec<CountRow>,
    pub roots: Vec<UnitLink>,
    pub endpoints: Vec<EndpointRow>,
}

/// Count rows in the domain's order, labelled in Vietnamese (`describe` gives the position and
/// the label of a known key; unknown keys go last, labelled by the key).
fn rows(
    counts: &std::collections::BTreeMap<String, i64>,
    describe: impl Fn(&str) -> Option<(Option<usize>, &'static str)>,
) -> Vec<CountRow> {
    let mut v: Vec<(usize, CountRow)> = counts
        .iter()
        .map(|(k, n)| {
            let (pos, label) = describe(k).map_or((None, k.as_str()), |(p, l)| (p, l));
            (
                pos.unwrap_or(usize::MAX),
                CountRow {
                    label: label.to_string(),
                    key: k.clone(),
                    count: vi_number(*n),
                },
            )
        })
        .collect();
    v.sort_by_key(|(p, _)| *p);
    v.into_iter().map(|(_, r)| r).collect()
}

fn kind_vi(kind: OrgKind) -> String {
    kind.label_vi().to_string()
}

/// `GET /`.
pub async fn index(State(state): State<AppState>) -> ApiResult<Html<String>> {
    let on = today();
    let store = &state.store;
    let stats = crate::api::stats::load(&state, on).await?;
    let mut roots = vec![];
    for id in store.org_roots(on).await? {
        let nodes = store.org_subtree(id, on, 1).await?;
        let Some(root) = nodes.iter().find(|n| n.depth == 0) else {
            continue;
        };
        roots.push(UnitLink {
            code: root.code.clone(),
            name: root.name.clone(),
            kind_vi: kind_vi(root.kind),
            children: nodes
                .iter()
                .filter(|n| n.depth == 1)
                .map(|n| UnitLink {
                    code: n.code.clone(),
                    name: n.name.clone(),
                    kind_vi: kind_vi(n.kind),
                    children: vec![],
                })
                .collect(),
        });
    }
    let example_code = roots
        .first()
        .and_then(|r| r.children.first().map(|c| c.code.clone()))
        .or_else(|| roots.first().map(|r| r.code.clone()))
        .unwrap_or_else(|| "TW".into());
    let date = on.format("%Y-%m-%d").to_string();
    let endpoints = ENDPOINTS
        .iter()
        .map(|e| EndpointRow {
            method: e.method,
            path: e.path,
            href: e
                .example
                .replace("{code}", &example_code)
                .replace("{date}", &date),
            about_vi: e.about_vi,
            about_en: e.about_en,
        })
        .collect();
    let page = IndexPage {
        today: on.format("%d/%m/%Y").to_string(),
        backend: store.backend().as_str(),
        empty: stats.units_total == 0 && !store.has_units().await?,
        units_total: vi_number(stats.units_total),
        localities_total: vi_number(stats.localities_total),
        people_total: vi_number(stats.people_total),
        units_by_kind: rows(&stats.units_by_kind, |k| {
            OrgKind::parse(k).map(|x| (OrgKind::ALL.iter().position(|a| *a == x), x.label_vi()))
        }),
        people_by_status: rows(&stats.people_by_status, |k| {
            PartyStatus::parse(k)
                .map(|x| (PartyStatus::ALL.iter().position(|a| *a == x), x.label_vi()))
        }),
        roots,
        endpoints,
    };
    page.render().map(Html).map_err(|e| {
        tracing::error!(error = %e, "front page template failed");
        ApiError::Internal
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_vietnamese_style() {
        assert_eq!(vi_number(0), "0");
        assert_eq!(vi_number(999), "999");
        assert_eq!(vi_number(2287), "2.287");
        assert_eq!(vi_number(5_600_000), "5.600.000");
        assert_eq!(vi_number(-1234), "-1.234");
    }
}
