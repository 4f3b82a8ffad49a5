//! Lớp bồi dưỡng, người dùng, nhật ký — the political centre's courses (list, new course,
//! enrolments; enrol a candidate, record completion and the certificate — the store calls of
//! `ketnap course enrol|complete` and of the API), the administrator's users pages (create,
//! disable and enable, password reset, API tokens created and revoked one by one) and the audit trail of the user's unit.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use ketnap_domain::access::{Permission, Role};
use ketnap_domain::pipeline::Stage;
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
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub unit: String,
    pub starts: String,
    pub ends: String,
    pub enrolled: i64,
    pub completed: i64,
}

/// One enrolment as listed (birth year only, as in every list).
pub struct EnrolLine {
    pub course: String,
    pub person_id: i64,
    pub name: String,
    pub born: i32,
    pub enrolled: String,
    /// `số … ngày dd/mm/yyyy` once completed.
    pub certificate: String,
}

#[derive(Template)]
#[template(path = "ui/courses.html")]
pub struct CoursesPage {
    pub ctx: Ctx,
    pub title: String,
    pub org: String,
    pub courses: Vec<CourseLine>,
    pub enrolments: Vec<EnrolLine>,
    pub kinds: Vec<Opt>,
    /// Courses to enrol in.
    pub course_opts: Vec<Opt>,
    /// People with an open case who may take a course (`person id`).
    pub candidates: Vec<Opt>,
    /// Enrolments not completed yet (`course:person`).
    pub pending: Vec<Opt>,
    pub can_write: bool,
    /// The form refused (`create`, `enrol`, `complete`), empty when none.
    pub error_op: &'static str,
    /// Each problem: field, rule, message.
    pub errors: Vec<String>,
    /// What was typed in the refused form.
    pub form: Vec<(String, String)>,
    /// The form just done (`?ok=`).
    pub done: String,
    pub today: String,
}

impl CoursesPage {
    /// A value typed in the refused form `op`.
    pub fn v(&self, op: &str, name: &str) -> &str {
        if self.error_op != op {
            return "";
        }
        super::typed(&self.form, name)
    }
}

/// A refused course form.
#[derive(Default)]
pub struct CourseRefusal {
    pub op: &'static str,
    pub errors: Vec<String>,
    pub form: Vec<(String, String)>,
}

/// Courses whose enrolments the page lists (the newest).
const ENROLMENT_COURSES: usize = 20;

async fn courses_page(
    state: &AppState,
    ctx: Ctx,
    org: Option<&str>,
    refused: CourseRefusal,
    done: String,
) -> PageResult<CoursesPage> {
    let l = ctx.lang;
    let unit = ctx.unit(state, org).await?;
    let courses = state.store.courses_list(Some(&unit.code)).await?;
    let can_write = ctx.p.allows(Permission::WriteCourses);
    let mut enrolments = vec![];
    let mut pending = vec![];
    for c in courses.iter().take(ENROLMENT_COURSES) {
        if c.enrolled == 0 {
            continue;
        }
        for e in state.store.course_enrolments(c.id).await? {
            let certificate = match (&e.certificate_no, e.issued) {
                (Some(n), Some(d)) => format!("{n} · {}", fmt_date(d)),
                (Some(n), None) => n.clone(),
                _ => String::new(),
            };
            let value = format!("{}:{}", c.id, e.person.id);
            if certificate.is_empty() {
                pending.push(Opt {
                    selected: refused.op == "complete"
                        && refused
                            .form
                            .iter()
                            .any(|(k, v)| k == "enrolment" && *v == value),
                    value,
                    label: format!(
                        "{} — {} ({})",
                        c.name, e.person.full_name, e.person.birth_year
                    ),
                });
            }
            enrolments.push(EnrolLine {
                course: c.name.clone(),
                person_id: e.person.id,
                name: e.person.full_name,
                born: e.person.birth_year,
                enrolled: fmt_date(e.enrolled_on),
                certificate,
            });
        }
    }
    let typed = |name: &str| {
        refused
            .form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut candidates = vec![];
    if can_write && ctx.p.allows(Permission::ReadCases) {
        let chosen = typed("person");
        for c in state
            .store
            .cases_in(&unit.code, ctx.today, None, 1000)
            .await?
        {
            let awareness = (Stage::Source..=Stage::Introduced).contains(&c.stage);
            if !awareness && c.stage != Stage::Probationary {
                continue;
            }
            let value = c.person.id.to_string();
            candidates.push(Opt {
                selected: refused.op == "enrol" && value == chosen,
                label: format!(
                    "{} ({}) — {} · {}",
                    c.person.full_name,
                    c.person.birth_year,
                    c.branch.name,
                    ctx.lang.pick(c.stage.label_vi(), c.stage.label_en())
                ),
                value,
            });
        }
    }
    let chosen_course = typed("course");
    Ok(CoursesPage {
        title: ctx.t("courses.title").into(),
        course_opts: courses
            .iter()
            .map(|c| Opt {
                value: c.id.to_string(),
                label: format!(
                    "{} ({}, {} – {})",
                    c.name,
                    super::in_lang(l, c.kind.label_vi(), c.kind.code_in_words()),
                    fmt_date(c.starts_on),
                    fmt_date(c.ends_on)
                ),
                selected: refused.op == "enrol" && c.id.to_string() == chosen_course,
            })
            .collect(),
        courses: courses
            .into_iter()
            .map(|c| CourseLine {
                id: c.id,
                name: c.name,
                kind: super::in_lang(l, c.kind.label_vi(), c.kind.code_in_words()),
                unit: c.org.name,
                starts: fmt_date(c.starts_on),
                ends: fmt_date(c.ends_on),
                enrolled: c.enrolled,
                completed: c.completed,
            })
            .collect(),
        enrolments,
        kinds: CourseKind::ALL
            .iter()
            .map(|k| Opt {
                value: k.as_str().into(),
                label: super::in_lang(l, k.label_vi(), k.code_in_words()),
                selected: false,
            })
            .collect(),
        candidates,
        pending,
        can_write,
        org: unit.code,
        error_op: refused.op,
        errors: refused.errors,
        form: refused.form,
        done,
        today: fmt_date(ctx.today),
        ctx,
    })
}

#[derive(Debug, Deserialize)]
pub struct CoursesQuery {
    pub org: Option<String>,
    /// The form just done.
    pub ok: Option<String>,
}

/// `GET /courses?org=`.
pub async fn courses(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<CoursesQuery>,
) -> PageResult<Response> {
    let page = courses_page(
        &state,
        ctx,
        q.org.as_deref(),
        CourseRefusal::default(),
        q.ok.unwrap_or_default(),
    )
    .await?;
    render(&page)
}

/// What a course form ends in when refused: the status and each problem.
type Problems = (StatusCode, Vec<String>);

fn problem(field: &str, rule: &str, message: &str) -> Problems {
    (
        StatusCode::BAD_REQUEST,
        vec![format!("{field}: [{rule}] {message}")],
    )
}

/// A store or check error as problems to show on the form; others pass through.
fn problems_of(e: ApiError) -> Result<Problems, PageError> {
    match e {
        ApiError::Refused(v) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            v.iter()
                .map(|x| format!("{}: [{}] {}", x.field, x.rule, x.message))
                .collect(),
        )),
        ApiError::RulesRefused(v) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            v.iter()
                .map(|r| {
                    format!(
                        "[{}] {} ({}, {})",
                        r.rule_id, r.message_vi, r.regulation, r.article
                    )
                })
                .collect(),
        )),
        e @ (ApiError::BadRequest { .. } | ApiError::Conflict { .. }) => {
            Ok((e.status(), vec![e.to_string()]))
        }
        other => Err(PageError::Api(other)),
    }
}

/// Shows the courses page again with the problems on the form `op` (or, done, goes back to
/// it).
async fn course_outcome(
    state: &AppState,
    ctx: Ctx,
    org: &str,
    op: &'static str,
    form: PForm,
    outcome: Result<(), Problems>,
) -> PageResult<Response> {
    match outcome {
        Ok(()) => Ok(redirect(&format!("/courses?org={org}&ok={op}"))),
        Err((status, errors)) => {
            let refused = CourseRefusal {
                op,
                errors,
                form: form
                    .0
                    .into_iter()
                    .filter(|(k, _)| k != "csrf_token")
                    .collect(),
            };
            let page = courses_page(state, ctx, Some(org), refused, String::new()).await?;
            super::render_status(status, &page)
        }
    }
}

/// `POST /courses` (`org`, `kind`, `name`, `starts_on`, `ends_on`).
pub async fn course_create(
    State(state): State<AppState>,
    ctx: Ctx,
    form: PForm,
) -> PageResult<Response> {
    let unit = ctx.unit(&state, form.opt("org")).await?;
    let outcome = match (
        parse_date(form.get("starts_on")),
        parse_date(form.get("ends_on")),
    ) {
        (None, _) => Err(problem("starts_on", "form.date", "dd/mm/yyyy")),
        (_, None) => Err(problem("ends_on", "form.date", "dd/mm/yyyy")),
        (Some(starts_on), Some(ends_on)) => {
            let new = NewCourse {
                kind: CourseKind::parse(form.get("kind")).unwrap_or(CourseKind::Awareness),
                org_code: unit.code.clone(),
                name: form.get("name").into(),
                reserved_class: None,
                starts_on,
                ends_on,
            };
            match state.store.course_create(&new, &ctx.p.actor()).await {
                Ok(_) => Ok(()),
                Err(e) => Err(problems_of(ApiError::from(e))?),
            }
        }
    };
    course_outcome(&state, ctx, &unit.code, "create", form, outcome).await
}

/// The course of a form field: a number, and a course in the user's subtree (404 otherwise,
/// as in the API).
async fn course_of(state: &AppState, ctx: &Ctx, s: &str) -> PageResult<Result<i64, Problems>> {
    let Ok(id) = s.trim().parse::<i64>() else {
        return Ok(Err(problem(
            "course",
            "form.required",
            "chọn một lớp (choose a course)",
        )));
    };
    ctx.p.check_course(state, id).await?;
    Ok(Ok(id))
}

/// The person of a form field: a number, and a person in the user's subtree (404 otherwise).
async fn person_of(state: &AppState, ctx: &Ctx, s: &str) -> PageResult<Result<i64, Problems>> {
    let Ok(id) = s.trim().parse::<i64>() else {
        return Ok(Err(problem(
            "person",
            "form.required",
            "chọn một người (choose a person)",
        )));
    };
    ctx.p.check_person(state, id).await?;
    Ok(Ok(id))
}

/// Checks and enrols (`enrol` form).
async fn enrol(state: &AppState, ctx: &Ctx, form: &PForm) -> PageResult<Result<(), Problems>> {
    let course = match course_of(state, ctx, form.get("course")).await? {
        Ok(c) => c,
        Err(p) => return Ok(Err(p)),
    };
    let person = match person_of(state, ctx, form.get("person")).await? {
        Ok(p) => p,
        Err(p) => return Ok(Err(p)),
    };
    let date = match form.opt("date") {
        None => ctx.today,
        Some(d) => match parse_date(d) {
            Some(d) => d,
            None => return Ok(Err(problem("date", "form.date", "dd/mm/yyyy"))),
        },
    };
    match state
        .store
        .course_enrol(course, person, date, &ctx.p.actor())
        .await
    {
        Ok(()) => Ok(Ok(())),
        Err(e) => Ok(Err(problems_of(ApiError::from(e))?)),
    }
}

/// `POST /courses/enrol` (`org`, `course`, `person`, `date`): ghi danh a person with an open
/// case (`Store::course_enrol`, as `ketnap course enrol` and `POST
/// /api/v1/courses/{id}/enrolments`).
pub async fn course_enrol(
    State(state): State<AppState>,
    ctx: Ctx,
    form: PForm,
) -> PageResult<Response> {
    let unit = ctx.unit(&state, form.opt("org")).await?;
    let outcome = enrol(&state, &ctx, &form).await?;
    course_outcome(&state, ctx, &unit.code, "enrol", form, outcome).await
}

/// Checks and records a completion (`complete` form).
async fn complete(state: &AppState, ctx: &Ctx, form: &PForm) -> PageResult<Result<(), Problems>> {
    let (c, p) = form.get("enrolment").split_once(':').unwrap_or(("", ""));
    let course = match course_of(state, ctx, c).await? {
        Ok(c) => c,
        Err(_) => {
            return Ok(Err(problem(
                "enrolment",
                "form.required",
                "chọn một học viên chưa hoàn thành (choose an enrolment not completed)",
            )));
        }
    };
    let person = match person_of(state, ctx, p).await? {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let number = form.get("certificate_no");
    if number.is_empty() {
        return Ok(Err(problem(
            "certificate_no",
            "course.certificate",
            "nhập số giấy chứng nhận (the certificate's number is required)",
        )));
    }
    let Some(issued) = parse_date(form.get("issued")) else {
        return Ok(Err(problem("issued", "form.date", "dd/mm/yyyy")));
    };
    match state
        .store
        .course_complete(course, person, number, issued, &ctx.p.actor())
        .await
    {
        Ok(_) => Ok(Ok(())),
        Err(e) => Ok(Err(problems_of(ApiError::from(e))?)),
    }
}

/// `POST /courses/complete` (`org`, `enrolment` = `course:person`, `certificate_no`,
/// `issued`): completion and the certificate, an event of the person's case checked by the
/// admission rules (`Store::course_complete`, as `ketnap course complete` and `POST
/// /api/v1/courses/{id}/completions`).
pub async fn course_complete(
    State(state): State<AppState>,
    ctx: Ctx,
    form: PForm,
) -> PageResult<Response> {
    let unit = ctx.unit(&state, form.opt("org")).await?;
    let outcome = complete(&state, &ctx, &form).await?;
    course_outcome(&state, ctx, &unit.code, "complete", form, outcome).await
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

/// A role in the page's language.
fn role_label(l: super::Lang, r: Role) -> String {
    super::in_lang(l, r.label_vi(), ketnap_domain::text::code_words(r.as_str()))
}

async fn users_page(state: &AppState, ctx: Ctx, error: String) -> PageResult<UsersPage> {
    let users = state.store.users().await?;
    Ok(UsersPage {
        title: ctx.t("users.title").into(),
        users: users
            .into_iter()
            .map(|u| UserLine {
                username: u.username,
                role: role_label(ctx.lang, u.role),
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
                label: role_label(ctx.lang, *r),
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
        password: Some(form.raw("password"))
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        role,
        org_code: form.opt("org").map(str::to_string),
    };
    match state
        .store
        .user_create(&new, state.now(), &ctx.p.actor())
        .await
    {
        Ok(_) => Ok(redirect("/admin/users")),
        Err(e) => {
            let (status, msg) = refusal_of(ApiError::from(e))?;
            let page = users_page(&state, ctx, msg).await?;
            super::render_status(status, &page)
        }
    }
}

/// A refusal an administrator can act on (status and message), or the error itself.
fn refusal_of(e: ApiError) -> Result<(StatusCode, String), PageError> {
    match e {
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
            Ok((e.status(), msg))
        }
        other => Err(PageError::Api(other)),
    }
}

/// `POST /admin/users/{username}/disable`: sessions end, tokens are revoked.
pub async fn user_disable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
) -> PageResult<Response> {
    if !state.store.user_disable(&username, &ctx.p.actor()).await? {
        return Err(no_user(&username));
    }
    Ok(redirect("/admin/users"))
}

fn no_user(username: &str) -> PageError {
    PageError::Api(ApiError::NotFound {
        what: "user",
        key: username.to_string(),
    })
}

/// One API token as the user page lists it.
pub struct TokenLine {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "ui/user.html")]
pub struct UserPage {
    pub ctx: Ctx,
    pub title: String,
    pub username: String,
    pub role: String,
    pub org: String,
    pub disabled: bool,
    pub has_password: bool,
    pub created: String,
    pub tokens: Vec<TokenLine>,
    /// A token just created: shown this once.
    pub new_token: String,
    /// What was just done (`password`, `revoked`, `enabled`), from `?ok=`.
    pub done: String,
    pub error: String,
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    pub ok: Option<String>,
}

/// Giờ Việt Nam (UTC+7), `dd/mm/yyyy hh:mm`.
fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    (t + chrono::Duration::hours(7))
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

async fn user_page_of(
    state: &AppState,
    ctx: Ctx,
    username: &str,
    new_token: String,
    done: String,
    error: String,
) -> PageResult<UserPage> {
    let u = state
        .store
        .user_by_name(username)
        .await?
        .ok_or_else(|| no_user(username))?;
    let tokens = state.store.tokens(&u.username).await?;
    Ok(UserPage {
        title: format!("{} — {}", ctx.t("users.title"), u.username),
        role: role_label(ctx.lang, u.role),
        org: u
            .org
            .map(|o| format!("{} ({})", o.name, o.code))
            .unwrap_or_default(),
        disabled: u.disabled,
        has_password: u.has_password,
        created: format!("{} · {}", local_time(u.created_at), u.created_by),
        tokens: tokens
            .into_iter()
            .map(|t| TokenLine {
                id: t.id,
                name: t.name,
                created: local_time(t.created_at),
                last_used: t.last_used.map(local_time).unwrap_or_default(),
                revoked: t.revoked,
            })
            .collect(),
        username: u.username,
        new_token,
        done,
        error,
        ctx,
    })
}

/// The user page after an action (usernames are `a-z0-9._-`, safe in a path).
fn user_url(username: &str, done: &str) -> String {
    match ketnap_domain::access::normalize_username(username) {
        Ok(u) => format!("/admin/users/{u}?ok={done}"),
        Err(_) => "/admin/users".into(),
    }
}

/// The user page again with a refused form's message.
async fn user_refused(
    state: &AppState,
    ctx: Ctx,
    username: &str,
    status: StatusCode,
    msg: String,
) -> PageResult<Response> {
    let page = user_page_of(state, ctx, username, String::new(), String::new(), msg).await?;
    super::render_status(status, &page)
}

/// The user page again with the store's refusal of a form (other errors are passed on).
async fn user_refused_by(
    state: &AppState,
    ctx: Ctx,
    username: &str,
    e: ketnap_store::StoreError,
) -> PageResult<Response> {
    let (status, msg) = refusal_of(ApiError::from(e))?;
    user_refused(state, ctx, username, status, msg).await
}

/// `GET /admin/users/{username}`: the account, password reset, API tokens (create, revoke).
pub async fn user_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
    PQuery(q): PQuery<DoneQuery>,
) -> PageResult<Response> {
    let done = match q.ok.as_deref() {
        Some(d @ ("password" | "revoked" | "enabled")) => d.to_string(),
        _ => String::new(),
    };
    let page = user_page_of(&state, ctx, &username, String::new(), done, String::new()).await?;
    render(&page)
}

/// `POST /admin/users/{username}/enable`.
pub async fn user_enable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
) -> PageResult<Response> {
    if !state.store.user_enable(&username, &ctx.p.actor()).await? {
        return Err(no_user(&username));
    }
    Ok(redirect(&user_url(&username, "enabled")))
}

/// `POST /admin/users/{username}/password` (`password`): an administrator's reset; every
/// session of the user ends.
pub async fn user_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
    form: PForm,
) -> PageResult<Response> {
    match state
        .store
        .user_set_password(&username, form.raw("password"), state.now(), &ctx.p.actor())
        .await
    {
        Ok(()) => Ok(redirect(&user_url(&username, "password"))),
        Err(e) => user_refused_by(&state, ctx, &username, e).await,
    }
}

/// `POST /admin/users/{username}/tokens` (`name`): the page with the new token, shown once
/// (not a redirect, so it is in no URL and no history).
pub async fn token_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
    form: PForm,
) -> PageResult<Response> {
    let name = form
        .opt("name")
        .map(str::to_string)
        .unwrap_or_else(|| username.trim().to_ascii_lowercase());
    if name.chars().count() > 64 {
        let msg = "[name] at most 64 characters".to_string();
        return user_refused(&state, ctx, &username, StatusCode::BAD_REQUEST, msg).await;
    }
    match state
        .store
        .token_create(&username, &name, state.now(), &ctx.p.actor())
        .await
    {
        Ok(token) => {
            let page =
                user_page_of(&state, ctx, &username, token, String::new(), String::new()).await?;
            let mut r = render(&page)?;
            r.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            Ok(r)
        }
        Err(e) => user_refused_by(&state, ctx, &username, e).await,
    }
}

/// `POST /admin/users/{username}/tokens/{id}/revoke`: that token stops working; the others
/// and the user's sessions do not.
pub async fn token_revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((username, id)): Path<(String, String)>,
) -> PageResult<Response> {
    // Not a number: no such token (a page, not a bare 400).
    let gone = || {
        PageError::Api(ApiError::NotFound {
            what: "live token",
            key: format!("{username}/{id}"),
        })
    };
    let Ok(id) = id.parse::<i64>() else {
        return Err(gone());
    };
    if !state
        .store
        .token_revoke(&username, id, &ctx.p.actor())
        .await?
    {
        return Err(gone());
    }
    Ok(redirect(&user_url(&username, "revoked")))
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
