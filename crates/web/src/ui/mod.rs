//! Trang web — the server-rendered HTML application (issue D part 2). Every page works without
//! JavaScript (one small first-party script only shows the fields a step needs); one
//! hand-written stylesheet ([`CSS`]); Vietnamese first, English with `?lang=en`.
//!
//! [`PAGES`] lists every page with its method, [`Permission`] and [`Reach`], like the API's
//! route table: [`routes`] is built from it and puts each page behind [`page_guard`] — no
//! session: to the sign-in form; no permission: a 403 page; a form post without the session's
//! CSRF token: 403. Handlers check the subtree with the same `Principal::check_*` methods as
//! the API (a unit outside it: 403; a person or case outside it: a 404 page). The page matrix
//! test (`crates/web/tests/pages.rs`) iterates over [`PAGES`].

pub mod admin;
pub mod candidates;
pub mod chart;
pub mod i18n;
pub mod orgs;
pub mod people;
pub mod reports;
pub mod search;
pub mod targets;
pub mod todo;
pub mod xlsx;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use ketnap_domain::Date;
use ketnap_domain::access::Permission;
use ketnap_store::{OrgRecord, StoreError};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::api::Reach;
use crate::auth::{Principal, Via, cookie, same_secret};
use crate::error::ApiError;
use crate::extract::today;
use i18n::LANG_COOKIE;
pub use i18n::Lang;

/// The stylesheet, hand-written (no framework), served at `/static/ketnap.css`.
pub const CSS: &str = include_str!("../../static/ketnap.css");
/// The one script: progressive enhancement of the next-step form.
pub const JS: &str = include_str!("../../static/ketnap.js");

// ---- the page table -------------------------------------------------------------------------

/// One page: the table [`routes`] is built from.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub method: &'static str,
    pub path: &'static str,
    pub permission: Permission,
    pub reach: Reach,
    pub handler: fn() -> MethodRouter<AppState>,
}

const fn pg(
    method: &'static str,
    path: &'static str,
    permission: Permission,
    reach: Reach,
    handler: fn() -> MethodRouter<AppState>,
) -> Page {
    Page {
        method,
        path,
        permission,
        reach,
        handler,
    }
}

use Permission as P;
use Reach::{Subtree, Unscoped};

/// Every page of the application with the permission it needs.
pub const PAGES: &[Page] = &[
    pg("GET", "/home", P::SignedIn, Unscoped, || get(home)),
    pg("GET", "/todo", P::ReadCases, Subtree, || get(todo::page)),
    pg("GET", "/candidates", P::ReadCases, Subtree, || {
        get(candidates::list)
    }),
    pg("GET", "/candidates/board", P::ReadCases, Subtree, || {
        get(candidates::board)
    }),
    pg("GET", "/candidates/new", P::WriteCases, Subtree, || {
        get(candidates::new_form)
    }),
    pg("POST", "/candidates/new", P::WriteCases, Subtree, || {
        post(candidates::new_submit)
    }),
    pg("GET", "/cases/{id}", P::ReadCases, Subtree, || {
        get(candidates::case_page)
    }),
    pg("POST", "/cases/{id}/events", P::WriteCases, Subtree, || {
        post(candidates::record_step)
    }),
    pg("GET", "/people/{id}", P::ReadPeople, Subtree, || {
        get(people::page)
    }),
    pg("GET", "/orgs", P::ReadStructure, Subtree, || {
        get(orgs::tree)
    }),
    pg("GET", "/orgs/{code}", P::ReadStructure, Subtree, || {
        get(orgs::unit)
    }),
    pg(
        "POST",
        "/orgs/{code}/rename",
        P::ChangeStructure,
        Subtree,
        || post(orgs::rename),
    ),
    pg(
        "POST",
        "/orgs/{code}/create",
        P::ChangeStructure,
        Subtree,
        || post(orgs::create),
    ),
    pg(
        "POST",
        "/orgs/{code}/move",
        P::ChangeStructure,
        Subtree,
        || post(orgs::move_unit),
    ),
    pg(
        "POST",
        "/orgs/{code}/merge",
        P::ChangeStructure,
        Subtree,
        || post(orgs::merge),
    ),
    pg(
        "POST",
        "/orgs/{code}/split",
        P::ChangeStructure,
        Subtree,
        || post(orgs::split),
    ),
    pg(
        "POST",
        "/orgs/{code}/dissolve",
        P::ChangeStructure,
        Subtree,
        || post(orgs::dissolve),
    ),
    pg("GET", "/targets", P::ReadReports, Subtree, || {
        get(targets::grid)
    }),
    pg("POST", "/targets", P::SetTargets, Subtree, || {
        post(targets::save)
    }),
    pg("GET", "/dashboard", P::ReadReports, Subtree, || {
        get(targets::dashboard)
    }),
    pg("GET", "/reports", P::ReadReports, Subtree, || {
        get(reports::page)
    }),
    pg(
        "GET",
        "/reports/{name}/xlsx",
        P::ReadReports,
        Subtree,
        || get(reports::xlsx),
    ),
    pg("GET", "/search", P::ReadStructure, Subtree, || {
        get(search::page)
    }),
    pg("GET", "/courses", P::ReadCourses, Subtree, || {
        get(admin::courses)
    }),
    pg("POST", "/courses", P::WriteCourses, Subtree, || {
        post(admin::course_create)
    }),
    pg("POST", "/courses/enrol", P::WriteCourses, Subtree, || {
        post(admin::course_enrol)
    }),
    pg(
        "POST",
        "/courses/complete",
        P::WriteCourses,
        Subtree,
        || post(admin::course_complete),
    ),
    pg("GET", "/admin/users", P::ManageUsers, Unscoped, || {
        get(admin::users)
    }),
    pg("POST", "/admin/users", P::ManageUsers, Unscoped, || {
        post(admin::user_create)
    }),
    pg(
        "GET",
        "/admin/users/{username}",
        P::ManageUsers,
        Unscoped,
        || get(admin::user_page),
    ),
    pg(
        "POST",
        "/admin/users/{username}/disable",
        P::ManageUsers,
        Unscoped,
        || post(admin::user_disable),
    ),
    pg(
        "POST",
        "/admin/users/{username}/enable",
        P::ManageUsers,
        Unscoped,
        || post(admin::user_enable),
    ),
    pg(
        "POST",
        "/admin/users/{username}/password",
        P::ManageUsers,
        Unscoped,
        || post(admin::user_password),
    ),
    pg(
        "POST",
        "/admin/users/{username}/tokens",
        P::ManageUsers,
        Unscoped,
        || post(admin::token_create),
    ),
    pg(
        "POST",
        "/admin/users/{username}/tokens/{id}/revoke",
        P::ManageUsers,
        Unscoped,
        || post(admin::token_revoke),
    ),
    pg("GET", "/audit", P::ReadAudit, Subtree, || get(admin::audit)),
];

/// The pages, each behind [`page_guard`] with its permission, and the static files.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/static/ketnap.css", get(css))
        .route("/static/ketnap.js", get(js));
    for page in PAGES {
        let permission = page.permission;
        let method_router = (page.handler)().route_layer(axum::middleware::from_fn(
            move |req: Request, next: Next| page_guard(permission, req, next),
        ));
        router = router.route(page.path, method_router);
    }
    router
}

async fn css() -> Response {
    static_file(CSS, "text/css; charset=utf-8")
}

async fn js() -> Response {
    static_file(JS, "text/javascript; charset=utf-8")
}

fn static_file(body: &'static str, ct: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(ct)),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /home`: where signing in leads — what is due for those who keep cases, the dashboard
/// for the others, the users for an administrator without a unit.
pub async fn home(ctx: Ctx) -> Response {
    let to = if ctx.p.allows(P::ReadCases) {
        "/todo"
    } else if ctx.p.allows(P::ReadReports) {
        "/dashboard"
    } else {
        "/search"
    };
    redirect(to)
}

/// A 303 to `to`.
/// The value of field `name` among a form's (name, value) pairs, exactly as typed; `""` when
/// absent (a refused form's values shown again, a password).
pub fn typed<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A code's label in the page's language: the Vietnamese one, or the English words.
pub fn in_lang(l: Lang, vi: &str, en: String) -> String {
    match l {
        Lang::Vi => vi.to_string(),
        Lang::En => en,
    }
}

pub fn redirect(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::SEE_OTHER, [(LOCATION, v)]).into_response(),
        Err(_) => PageError::Api(ApiError::Internal).into_response(),
    }
}

/// The page-level check: signed in (else to `/login`), the page's permission (else a 403
/// page), and for a form post authenticated by the session cookie the session's CSRF token in
/// the `csrf_token` field (else 403). Remembers `?lang=` in a cookie.
pub async fn page_guard(permission: Permission, req: Request, next: Next) -> Response {
    let lang = lang_of_query(req.uri().query());
    let Some(p) = req.extensions().get::<Principal>().cloned() else {
        return redirect("/login");
    };
    if !p.allows(permission) {
        return error_page(
            StatusCode::FORBIDDEN,
            lang.unwrap_or_default(),
            &format!(
                "Vai trò của bạn ({}) không có quyền này. Your role does not allow this ({}).",
                p.role().label_vi(),
                permission.as_str()
            ),
        );
    }
    let req = if req.method() != Method::GET && req.method() != Method::HEAD {
        match check_form_csrf(&p, req).await {
            Ok(r) => r,
            Err(res) => return *res,
        }
    } else {
        req
    };
    let mut res = next.run(req).await;
    if let Some(l) = lang
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
            l.code()
        ))
    {
        res.headers_mut().append(SET_COOKIE, v);
    }
    res
}

/// Reads the form body, checks its `csrf_token` against the session's, and puts the body back.
async fn check_form_csrf(p: &Principal, req: Request) -> Result<Request, Box<Response>> {
    let Via::Session { csrf, .. } = &p.via else {
        // An API token: a browser never sends it by itself.
        return Ok(req);
    };
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, crate::BODY_LIMIT)
        .await
        .map_err(|_| Box::new(error_page(StatusCode::PAYLOAD_TOO_LARGE, Lang::Vi, "")))?;
    let sent = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if !same_secret(sent.trim(), csrf) {
        return Err(Box::new(error_page(
            StatusCode::FORBIDDEN,
            Lang::Vi,
            "Biểu mẫu đã hết hạn hoặc không hợp lệ (thiếu mã CSRF): tải lại trang và gửi lại. The form is stale or forged (CSRF token missing or wrong).",
        )));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn lang_of_query(q: Option<&str>) -> Option<Lang> {
    form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

// ---- what every page knows ------------------------------------------------------------------

/// A link of the navigation bar.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// What every page needs: who is asking, in which language, the CSRF token for forms, the
/// navigation for their role.
pub struct Ctx {
    pub p: Principal,
    pub lang: Lang,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    /// `username · role · unit`.
    pub who: String,
    /// The current path and query with the other language (`?lang=en`).
    pub lang_href: String,
    pub today: Date,
}

impl Ctx {
    /// The catalog's text.
    pub fn t(&self, key: &'static str) -> &'static str {
        self.lang.t(key)
    }

    /// The user's unit code, or for an administrator the first root of the tree.
    pub async fn home_org(&self, state: &AppState) -> Result<String, PageError> {
        if let Some(o) = &self.p.user.org {
            return Ok(o.code.clone());
        }
        let roots = state.store.org_roots(self.today).await?;
        for r in roots {
            if let Some(u) = state.store.org_by_id(r).await? {
                return Ok(u.code);
            }
        }
        Err(PageError::Api(ApiError::NotFound {
            what: "organization",
            key: "root".into(),
        }))
    }

    /// The unit a page is about: `org` from the query (checked: 403 outside the subtree) or
    /// the user's own.
    pub async fn unit(&self, state: &AppState, org: Option<&str>) -> Result<OrgRecord, PageError> {
        let code = match org.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => c.to_string(),
            None => self.home_org(state).await?,
        };
        Ok(self.p.check_code(state, &code).await?)
    }
}

const NAV: &[(&str, &str, Permission)] = &[
    ("/todo", "nav.todo", P::ReadCases),
    ("/candidates", "nav.candidates", P::ReadCases),
    ("/dashboard", "nav.dashboard", P::ReadReports),
    ("/targets", "nav.targets", P::ReadReports),
    ("/reports", "nav.reports", P::ReadReports),
    ("/orgs", "nav.orgs", P::ReadStructure),
    ("/search", "nav.search", P::ReadStructure),
    ("/courses", "nav.courses", P::ReadCourses),
    ("/audit", "nav.audit", P::ReadAudit),
    ("/admin/users", "nav.users", P::ManageUsers),
];

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let p = parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or(PageError::Api(ApiError::Unauthorized))?;
        let lang = lang_of_query(parts.uri.query())
            .or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(|c| Lang::parse(&c)))
            .unwrap_or_default();
        let path = parts.uri.path().to_string();
        let nav = NAV
            .iter()
            .filter(|(_, _, perm)| p.allows(*perm))
            .map(|(href, key, _)| NavItem {
                href,
                label: lang.t(key),
                active: path == *href || (path.starts_with(href) && *href != "/"),
            })
            .collect();
        let other: Vec<(String, String)> =
            form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
                .filter(|(k, _)| k != "lang")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &other {
            q.append_pair(k, v);
        }
        q.append_pair("lang", lang.other().code());
        let lang_href = format!("{path}?{}", q.finish());
        let csrf = match &p.via {
            Via::Session { csrf, .. } => csrf.clone(),
            Via::Token { .. } => String::new(),
        };
        let who = format!(
            "{} · {} · {}",
            p.user.username,
            match lang {
                Lang::Vi => p.role().label_vi(),
                Lang::En => p.role().as_str(),
            },
            p.org_code()
        );
        Ok(Ctx {
            p,
            lang,
            csrf,
            nav,
            who,
            lang_href,
            today: today(),
        })
    }
}

// ---- query strings and forms ----------------------------------------------------------------

/// Query parameters for a page; a malformed one is a 400 page.
pub struct PQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        crate::extract::parse_query(parts.uri.query().unwrap_or_default())
            .map(PQuery)
            .map_err(PageError::Api)
    }
}

/// A form body (`application/x-www-form-urlencoded`) as name/value pairs, in order.
pub struct PForm(pub Vec<(String, String)>);

impl PForm {
    /// The trimmed value of a field, `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        typed(&self.0, name).trim()
    }

    /// The value exactly as typed (a password: spaces count), `""` when absent.
    pub fn raw(&self, name: &str) -> &str {
        typed(&self.0, name)
    }

    /// The value when given and not empty.
    pub fn opt(&self, name: &str) -> Option<&str> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

impl<S: Send + Sync> FromRequest<S> for PForm {
    type Rejection = PageError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), crate::BODY_LIMIT)
            .await
            .map_err(|_| PageError::Api(ApiError::bad_request("body", "unreadable form")))?;
        Ok(PForm(
            form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}

/// A date typed as `dd/mm/yyyy` (or `yyyy-mm-dd`, as `<input type=date>` sends it).
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
}

/// `dd/mm/yyyy`.
pub fn fmt_date(d: Date) -> String {
    ketnap_domain::text::vi::date(d)
}

/// `2.287`.
pub fn fmt_n(n: i64) -> String {
    ketnap_domain::text::vi::number(n)
}

// ---- errors ---------------------------------------------------------------------------------

/// What a page can end in other than its HTML: an [`ApiError`] shown as an HTML error page
/// with the API's status (no session: to the sign-in form).
#[derive(Debug)]
pub enum PageError {
    Api(ApiError),
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError::Api(e)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::Api(ApiError::from(e))
    }
}

pub type PageResult<T> = Result<T, PageError>;

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError::Api(e) = self;
        let status = e.status();
        match e {
            ApiError::Unauthorized => redirect("/login"),
            ApiError::Internal | ApiError::Unavailable => {
                error_page(status, Lang::Vi, "Lỗi máy chủ. Server error.")
            }
            ApiError::NotFound { .. } => error_page(status, Lang::Vi, ""),
            other => error_page(status, Lang::Vi, &other.to_string()),
        }
    }
}

#[derive(Template)]
#[template(path = "ui/error.html")]
struct ErrorPage<'a> {
    status: u16,
    heading: &'static str,
    heading_en: &'static str,
    message: &'a str,
    lang: Lang,
}

/// An HTML error page with its status (the message is safe to show: no personal data).
pub fn error_page(status: StatusCode, lang: Lang, message: &str) -> Response {
    let (heading, heading_en) = match status {
        StatusCode::NOT_FOUND => (
            i18n::Lang::Vi.t("err.not_found"),
            i18n::Lang::En.t("err.not_found"),
        ),
        StatusCode::FORBIDDEN => (
            i18n::Lang::Vi.t("err.forbidden"),
            i18n::Lang::En.t("err.forbidden"),
        ),
        _ => ("Không thực hiện được.", "This could not be done."),
    };
    let page = ErrorPage {
        status: status.as_u16(),
        heading,
        heading_en,
        message,
        lang,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error template failed");
            (status, "error").into_response()
        }
    }
}

/// Renders a page template.
pub fn render<T: Template>(t: &T) -> PageResult<Response> {
    t.render().map(|h| Html(h).into_response()).map_err(|e| {
        tracing::error!(error = %e, "page template failed");
        PageError::Api(ApiError::Internal)
    })
}

/// Renders a page template with a status other than 200 (a refused form).
pub fn render_status<T: Template>(status: StatusCode, t: &T) -> PageResult<Response> {
    let mut r = render(t)?;
    *r.status_mut() = status;
    Ok(r)
}
