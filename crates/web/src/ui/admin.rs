//! Lớp bồi dưỡng, người dùng, nhật ký — the political centre's courses (list, new course),
//! the administrator's users page (create, disable) and the audit trail of the user's unit.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use ketnap_domain::access::{Permission, Role};
use ketnap_store::auth_api::NewUser;
use ketnap_store::pipeline_api::{CourseKind, NewCourse};
use serde::Deserialize;

use super::candidates::Opt;
use super::{Ctx, PForm, PQuery, PageError, PageResult, fmt_date, parse_date, redirect, render};
use crate::AppState;
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
pub struct OrgQuery {
    pub org: Option<String>,
}

pub struct CourseLine {
    pub name: String,
    pub kind: String,
    pub unit: String,
    pub starts: String,
    pub ends: String,
    pub enrolled: i64,
    pub completed: i64,
}

#[derive(Template)]
#[template(path = "ui/courses.html")]
pub struct CoursesPage {
    pub ctx: Ctx,
    pub title: String,
    pub org: String,
    pub courses: Vec<CourseLine>,
    pub kinds: Vec<Opt>,
    pub can_write: bool,
    pub error: String,
}

async fn courses_page(
    state: &AppState,
    ctx: Ctx,
    org: Option<&str>,
    error: String,
) -> PageResult<CoursesPage> {
    let unit = ctx.unit(state, org).await?;
    let courses = state.store.courses_list(Some(&unit.code)).await?;
    Ok(CoursesPage {
        title: ctx.t("courses.title").into(),
        courses: courses
            .into_iter()
            .map(|c| CourseLine {
                name: c.name,
                kind: c.kind.label_vi().into(),
                unit: c.org.name,
                starts: fmt_date(c.starts_on),
                ends: fmt_date(c.ends_on),
                enrolled: c.enrolled,
                completed: c.completed,
            })
            .collect(),
        kinds: CourseKind::ALL
            .iter()
            .map(|k| Opt {
                value: k.as_str().into(),
                label: k.label_vi().into(),
                selected: false,
            })
            .collect(),
        can_write: ctx.p.allows(Permission::WriteCourses),
        org: unit.code,
        error,
        ctx,
    })
}

/// `GET /courses?org=`.
pub async fn courses(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<OrgQuery>,
) -> PageResult<Response> {
    let page = courses_page(&state, ctx, q.org.as_deref(), String::new()).await?;
    render(&page)
}

/// `POST /courses` (`org`, `kind`, `name`, `starts_on`, `ends_on`).
pub async fn course_create(
    State(state): State<AppState>,
    ctx: Ctx,
    form: PForm,
) -> PageResult<Response> {
    let unit = ctx.unit(&state, form.opt("org")).await?;
    let (Some(starts_on), Some(ends_on)) = (
        parse_date(form.get("starts_on")),
        parse_date(form.get("ends_on")),
    ) else {
        let page = courses_page(&state, ctx, Some(&unit.code), "dd/mm/yyyy".into()).await?;
        return super::render_status(StatusCode::BAD_REQUEST, &page);
    };
    let new = NewCourse {
        kind: CourseKind::parse(form.get("kind")).unwrap_or(CourseKind::Awareness),
        org_code: unit.code.clone(),
        name: form.get("name").into(),
        reserved_class: None,
        starts_on,
        ends_on,
    };
    match state.store.course_create(&new, &ctx.p.actor()).await {
        Ok(_) => Ok(redirect(&format!("/courses?org={}", unit.code))),
        Err(e) => match ApiError::from(e) {
            ApiError::Refused(v) => {
                let msg = v
                    .iter()
                    .map(|x| format!("[{}] {}", x.rule, x.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                let page = courses_page(&state, ctx, Some(&unit.code), msg).await?;
                super::render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
            other => Err(PageError::Api(other)),
        },
    }
}

pub struct UserLine {
    pub username: String,
    pub role: String,
    pub org: String,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "ui/users.html")]
pub struct UsersPage {
    pub ctx: Ctx,
    pub title: String,
    pub users: Vec<UserLine>,
    pub roles: Vec<Opt>,
    pub error: String,
}

async fn users_page(state: &AppState, ctx: Ctx, error: String) -> PageResult<UsersPage> {
    let users = state.store.users().await?;
    Ok(UsersPage {
        title: ctx.t("users.title").into(),
        users: users
            .into_iter()
            .map(|u| UserLine {
                username: u.username,
                role: u.role.label_vi().into(),
                org: u
                    .org
                    .map(|o| format!("{} ({})", o.name, o.code))
                    .unwrap_or_default(),
                disabled: u.disabled,
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| Opt {
                value: r.as_str().into(),
                label: r.label_vi().into(),
                selected: *r == Role::BranchSecretary,
            })
            .collect(),
        error,
        ctx,
    })
}

/// `GET /admin/users`.
pub async fn users(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    let page = users_page(&state, ctx, String::new()).await?;
    render(&page)
}

/// `POST /admin/users` (`username`, `password`, `role`, `org`).
pub async fn user_create(
    State(state): State<AppState>,
    ctx: Ctx,
    form: PForm,
) -> PageResult<Response> {
    let Some(role) = Role::parse(form.get("role")) else {
        let page = users_page(&state, ctx, "role?".into()).await?;
        return super::render_status(StatusCode::BAD_REQUEST, &page);
    };
    let new = NewUser {
        username: form.get("username").into(),
        password: form.opt("password").map(str::to_string),
        role,
        org_code: form.opt("org").map(str::to_string),
    };
    match state
        .store
        .user_create(&new, state.now(), &ctx.p.actor())
        .await
    {
        Ok(_) => Ok(redirect("/admin/users")),
        Err(e) => match ApiError::from(e) {
            e @ (ApiError::Refused(_)
            | ApiError::BadRequest { .. }
            | ApiError::NotFound { .. }
            | ApiError::Conflict { .. }) => {
                let msg = match &e {
                    ApiError::Refused(v) => v
                        .iter()
                        .map(|x| format!("[{}] {}", x.rule, x.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                    other => other.to_string(),
                };
                let status = e.status();
                let page = users_page(&state, ctx, msg).await?;
                super::render_status(status, &page)
            }
            other => Err(PageError::Api(other)),
        },
    }
}

/// `POST /admin/users/{username}/disable`.
pub async fn user_disable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
) -> PageResult<Response> {
    state.store.user_disable(&username, &ctx.p.actor()).await?;
    Ok(redirect("/admin/users"))
}

pub struct AuditLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
}

#[derive(Template)]
#[template(path = "ui/audit.html")]
pub struct AuditPage {
    pub ctx: Ctx,
    pub title: String,
    pub org: String,
    pub rows: Vec<AuditLine>,
}

/// `GET /audit?org=`: the rows about people, cases, courses, targets… under the unit (an
/// administrator without `org`: everything).
pub async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<OrgQuery>,
) -> PageResult<Response> {
    let org = match q.org.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(ctx.p.check_code(&state, code).await?),
        None => None,
    };
    let scope = org.as_ref().map(|o| o.id).or(ctx.p.scope());
    let entries = state.store.audit_scoped(scope, ctx.today, 200).await?;
    let page = AuditPage {
        title: ctx.t("audit.title").into(),
        org: org.map(|o| o.code).unwrap_or_else(|| ctx.p.org_code()),
        rows: entries
            .into_iter()
            .map(|e| AuditLine {
                // Giờ Việt Nam (UTC+7).
                at: (e.at + chrono::Duration::hours(7))
                    .format("%d/%m/%Y %H:%M")
                    .to_string(),
                actor: e.actor,
                action: e.action,
                entity: format!("{} {}", e.entity, e.entity_key),
            })
            .collect(),
        ctx,
    };
    render(&page)
}
