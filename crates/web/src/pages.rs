//! The plain HTML front page (Vietnamese, English in small print): what ketnap holds and the
//! API's endpoints. Rendered with askama, which escapes every value. The full UI comes later.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::header::{HOST, LOCATION, ORIGIN, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use ketnap_domain::org::OrgKind;
use ketnap_domain::person::PartyStatus;
use ketnap_store::auth_api::Login;
use serde::Deserialize;

use crate::AppState;
use crate::api::ENDPOINTS;
use crate::auth::{
    Principal, SESSION_COOKIE, Via, clear_cookie, cookie, same_secret, session_cookie,
};
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
    /// `username (role)` when signed in.
    pub signed_in: Option<String>,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: String,
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

/// `GET /`: the national figures and the top of the tree for those who may see them
/// (administrators, users of a root unit); a sign-in link for everyone else.
pub async fn index(
    State(state): State<AppState>,
    principal: Option<Principal>,
) -> ApiResult<Html<String>> {
    let on = today();
    let store = &state.store;
    let national = match &principal {
        Some(p) => p.check_national(&state).await.is_ok(),
        None => false,
    };
    let stats = if national {
        crate::api::stats::load(&state, on).await?
    } else {
        crate::api::stats::StatsResponse::empty(on)
    };
    let root_ids = if national {
        store.org_roots(on).await?
    } else {
        vec![]
    };
    let mut roots = vec![];
    for id in root_ids {
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
        empty: !store.has_units().await?,
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
        signed_in: principal.as_ref().map(|p| {
            format!(
                "{} ({}, {})",
                p.user.username,
                p.role().label_vi(),
                p.org_code()
            )
        }),
        csrf: match principal.as_ref().map(|p| &p.via) {
            Some(Via::Session { csrf, .. }) => csrf.clone(),
            _ => String::new(),
        },
    };
    page.render().map(Html).map_err(|e| {
        tracing::error!(error = %e, "front page template failed");
        ApiError::Internal
    })
}

// ---- sign-in and sign-out forms ------------------------------------------------------------

#[derive(Template)]
#[template(
    source = r#"<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Đăng nhập — ketnap</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto}label{display:block;margin:.5rem 0}.err{color:#a50e0e}</style>
</head><body><h1>ketnap</h1>
{% if !error.is_empty() %}<p class="err">{{ error }}</p>{% endif %}
<form method="post" action="/login">
<label>Tên đăng nhập <small>username</small><br><input name="username" autocomplete="username" required></label>
<label>Mật khẩu <small>password</small><br><input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Đăng nhập <small>sign in</small></button>
</form></body></html>"#,
    ext = "html"
)]
pub struct LoginPage {
    pub error: String,
}

fn login_page(status: StatusCode, error: &str) -> Response {
    match (LoginPage {
        error: error.to_string(),
    })
    .render()
    {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "login template failed");
            ApiError::Internal.into_response()
        }
    }
}

/// `GET /login`.
pub async fn login_form() -> Response {
    login_page(StatusCode::OK, "")
}

/// A form post must come from this site: `Origin` (or `Sec-Fetch-Site`), when the browser
/// sends it, must be this host (protects the sign-in form, which has no session yet).
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
}

/// `POST /login` (form): on success the session cookie and a redirect to `/`.
pub async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers) {
        return ApiError::Csrf.into_response();
    }
    let now = state.now();
    match state.store.login(&form.username, &form.password, now).await {
        Ok(Login::Ok(s)) => (
            StatusCode::SEE_OTHER,
            [
                (SET_COOKIE, session_cookie(&s.token, state.secure_cookies)),
                (LOCATION, "/home".to_string()),
            ],
        )
            .into_response(),
        Ok(Login::Invalid) => login_page(
            StatusCode::UNAUTHORIZED,
            "Sai tên đăng nhập hoặc mật khẩu. (Wrong username or password.)",
        ),
        Ok(Login::Locked { until }) => login_page(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Đăng nhập sai quá nhiều lần: tài khoản bị khóa {} phút. (Too many failures: locked.)",
                ((until - now) + 59) / 60
            ),
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    pub csrf_token: String,
}

/// `POST /logout` (form with the session's `csrf_token`): ends the session, back to `/login`.
pub async fn logout_submit(
    State(state): State<AppState>,
    principal: Option<Principal>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    if let Some(Principal {
        via: Via::Session { csrf, .. },
        ..
    }) = &principal
        && !same_secret(&form.csrf_token, csrf)
    {
        return ApiError::Csrf.into_response();
    }
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && principal.is_some()
        && let Err(e) = state.store.logout(&token).await
    {
        return ApiError::from(e).into_response();
    }
    (
        StatusCode::SEE_OTHER,
        [
            (SET_COOKIE, clear_cookie(state.secure_cookies)),
            (LOCATION, "/login".to_string()),
        ],
    )
        .into_response()
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
