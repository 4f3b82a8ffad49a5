//! `/api/v1/login`, `/logout`, `/me`, `/me/password`, `/users`, `/audit`: signing in and out,
//! one's own account, users and API tokens (administrators), and the audit trail.
//! Passwords and tokens are never logged nor echoed (a new API token is shown once).

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use ketnap_domain::access::{Permission, Role};
use ketnap_domain::person::PersonId;
use ketnap_store::AuditEntry;
use ketnap_store::auth_api::{ApiToken, Login, NewUser, PasswordChange, User};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Principal, Via, clear_cookie, session_cookie};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, today};

fn set_cookie(value: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(SET_COOKIE, v);
    }
    h
}

// ---- POST /api/v1/login -----------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

// Not Debug: it holds a password.
impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The signed-in user, as `/login` and `/me` show them.
#[derive(Debug, Serialize)]
pub struct MeResponse {
    pub user: User,
    pub role_vi: &'static str,
    /// `session` or `token`.
    pub via: &'static str,
    /// The session's CSRF token: send it as `X-CSRF-Token` with every write (sessions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    pub permissions: Vec<&'static str>,
}

fn me_of(user: User, via: &'static str, csrf: Option<String>) -> MeResponse {
    MeResponse {
        role_vi: user.role.label_vi(),
        permissions: Permission::ALL
            .iter()
            .filter(|p| ketnap_domain::access::allows(user.role, **p))
            .map(|p| p.as_str())
            .collect(),
        user,
        via,
        csrf_token: csrf,
    }
}

/// Signs in with a password: the session cookie (`HttpOnly`, `SameSite=Lax`) and the CSRF
/// token. A wrong username or password is a 401 that does not say which; after 5 failures in
/// 15 minutes the username is locked for 15 minutes (429).
pub async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<(HeaderMap, Json<MeResponse>)> {
    let now = state.now();
    match state
        .store
        .login(&body.username, &body.password, now)
        .await?
    {
        Login::Ok(s) => Ok((
            set_cookie(&session_cookie(&s.token, state.secure_cookies)),
            Json(me_of(s.user, "session", Some(s.csrf))),
        )),
        Login::Invalid => Err(ApiError::BadCredentials),
        Login::Locked { until } => Err(ApiError::Locked {
            minutes: ((until - now) + 59) / 60,
        }),
    }
}

/// Ends the session (the cookie is cleared); 204. With an API token, nothing to end: 204.
pub async fn logout(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<(StatusCode, HeaderMap)> {
    if let Via::Session { token, .. } = &p.via {
        state.store.logout(token).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        set_cookie(&clear_cookie(state.secure_cookies)),
    ))
}

/// `GET /api/v1/me`.
pub async fn me(p: Principal) -> Json<MeResponse> {
    let (via, csrf) = match p.via {
        Via::Session { csrf, .. } => ("session", Some(csrf)),
        Via::Token { .. } => ("token", None),
    };
    Json(me_of(p.user, via, csrf))
}

// ---- POST /api/v1/me/password -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Changes one's own password (at least 10 characters); the other sessions end, this one
/// stays. 204; 422 `password.current` for a wrong current password, `password.too_short`…
/// for a weak new one.
pub async fn password(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<PasswordRequest>,
) -> ApiResult<StatusCode> {
    let keep = match &p.via {
        Via::Session { token, .. } => Some(ketnap_store::auth_api::token_hash(token)),
        Via::Token { .. } => None,
    };
    match state
        .store
        .password_change(
            p.user.id,
            &body.current_password,
            &body.new_password,
            keep.as_deref(),
            state.now(),
        )
        .await?
    {
        PasswordChange::Changed => Ok(StatusCode::NO_CONTENT),
        PasswordChange::WrongCurrent => {
            Err(ApiError::Refused(vec![ketnap_domain::Violation::new(
                "current_password",
                "password.current",
                "the current password is wrong",
            )]))
        }
    }
}

// ---- /api/v1/users ------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRequest {
    pub username: String,
    pub role: Role,
    /// The unit whose subtree the user works in (required for every role but admin).
    #[serde(default)]
    pub org: Option<String>,
    /// At least 10 characters; leave out for an account used with API tokens only.
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct UsersResponse {
    pub count: usize,
    pub users: Vec<User>,
}

/// `POST /api/v1/users` (administrators): 201 with the user.
pub async fn user_create(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<UserRequest>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let u = state
        .store
        .user_create(
            &NewUser {
                username: body.username,
                password: body.password,
                role: body.role,
                org_code: body.org,
            },
            state.now(),
            &p.actor(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(u)))
}

/// `GET /api/v1/users` (administrators).
pub async fn users(State(state): State<AppState>) -> ApiResult<Json<UsersResponse>> {
    let users = state.store.users().await?;
    Ok(Json(UsersResponse {
        count: users.len(),
        users,
    }))
}

fn no_user(name: &str) -> ApiError {
    ApiError::NotFound {
        what: "user",
        key: name.to_string(),
    }
}

/// The user as an administrator's answer (404 when there is none).
async fn user_named(state: &AppState, name: &str) -> ApiResult<Json<User>> {
    let u = state
        .store
        .user_by_name(name)
        .await?
        .ok_or_else(|| no_user(name))?;
    Ok(Json(u))
}

/// `POST /api/v1/users/{username}/disable` (administrators): ends their sessions and revokes
/// their tokens; 200 with the user.
pub async fn user_disable(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<User>> {
    if !state.store.user_disable(&name, &p.actor()).await? {
        return Err(no_user(&name));
    }
    user_named(&state, &name).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Recorded as the actor (`token:NAME`); the username by default.
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Serialize)]
pub struct TokenResponse {
    pub username: String,
    pub name: String,
    /// Shown this once; only its hash is kept.
    pub token: String,
}

/// `POST /api/v1/users/{username}/tokens` (administrators): 201 with the token, shown once.
pub async fn token_create(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(username): ApiPath<String>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> ApiResult<(StatusCode, Json<TokenResponse>)> {
    let name = body
        .name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| username.trim().to_ascii_lowercase());
    if name.chars().count() > 64 {
        return Err(ApiError::bad_request("name", "at most 64 characters"));
    }
    let token = state
        .store
        .token_create(&username, &name, state.now(), &p.actor())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenResponse {
            username: username.trim().to_ascii_lowercase(),
            name,
            token,
        }),
    ))
}

#[derive(Serialize)]
pub struct TokensResponse {
    pub username: String,
    pub count: usize,
    /// Newest first; the tokens themselves are never shown again.
    pub tokens: Vec<ApiToken>,
}

/// `GET /api/v1/users/{username}/tokens` (administrators): the user's tokens, revoked ones
/// included.
pub async fn tokens(
    State(state): State<AppState>,
    ApiPath(username): ApiPath<String>,
) -> ApiResult<Json<TokensResponse>> {
    let tokens = state.store.tokens(&username).await?;
    Ok(Json(TokensResponse {
        username: username.trim().to_ascii_lowercase(),
        count: tokens.len(),
        tokens,
    }))
}

/// `POST /api/v1/users/{username}/tokens/{id}/revoke` (administrators): that token stops
/// working at once, the user's other tokens and sessions do not; 200 with the token list.
pub async fn token_revoke(
    State(state): State<AppState>,
    p: Principal,
    ApiPath((username, id)): ApiPath<(String, i64)>,
) -> ApiResult<Json<TokensResponse>> {
    if !state.store.token_revoke(&username, id, &p.actor()).await? {
        return Err(ApiError::NotFound {
            what: "live token",
            key: format!("{username}/{id}"),
        });
    }
    tokens(State(state), ApiPath(username)).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The new password (at least 10 characters, not the username).
    pub password: String,
}

/// `POST /api/v1/users/{username}/password` (administrators): sets a new password and ends
/// every session of the user; 200 with the user.
pub async fn user_password_reset(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<PasswordResetRequest>,
) -> ApiResult<Json<User>> {
    state
        .store
        .user_set_password(&name, &body.password, state.now(), &p.actor())
        .await?;
    user_named(&state, &name).await
}

/// `POST /api/v1/users/{username}/enable` (administrators): a disabled user may sign in
/// again (revoked tokens stay revoked); 200 with the user.
pub async fn user_enable(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<User>> {
    if !state.store.user_enable(&name, &p.actor()).await? {
        return Err(no_user(&name));
    }
    user_named(&state, &name).await
}

// ---- audit --------------------------------------------------------------------------------------

/// Audit rows per list unless `limit` says otherwise.
pub const DEFAULT_AUDIT_LIMIT: i64 = 100;
/// The most audit rows one list returns.
pub const MAX_AUDIT_LIMIT: i64 = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// The unit whose subtree to list (the user's own unit by default).
    pub org: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitQuery {
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct AuditResponse {
    pub org: Option<String>,
    pub count: usize,
    /// Newest first.
    pub entries: Vec<AuditEntry>,
}

fn audit_limit(limit: Option<i64>) -> ApiResult<i64> {
    let l = limit.unwrap_or(DEFAULT_AUDIT_LIMIT);
    if (1..=MAX_AUDIT_LIMIT).contains(&l) {
        Ok(l)
    } else {
        Err(ApiError::bad_request(
            "limit",
            format!("expected a whole number from 1 to {MAX_AUDIT_LIMIT}"),
        ))
    }
}

/// `GET /api/v1/audit?org=CODE&limit=N`: the audit trail about people, cases, courses,
/// designations, targets and localities under the unit; an administrator without `org` gets
/// every row.
pub async fn audit(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditResponse>> {
    let limit = audit_limit(q.limit)?;
    let org = match q.org.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(p.check_code(&state, code).await?),
        None => None,
    };
    let scope = org.as_ref().map(|o| o.id).or(p.scope());
    let entries = state.store.audit_scoped(scope, today(), limit).await?;
    Ok(Json(AuditResponse {
        org: org
            .map(|o| o.code)
            .or_else(|| p.scope().map(|_| p.org_code())),
        count: entries.len(),
        entries,
    }))
}

/// `GET /api/v1/people/{id}/audit`: who changed or viewed a person's record and cases.
pub async fn person_audit(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<PersonId>,
    ApiQuery(q): ApiQuery<LimitQuery>,
) -> ApiResult<Json<AuditResponse>> {
    let limit = audit_limit(q.limit)?;
    p.check_person(&state, id).await?;
    if state.store.person_by_id(id).await?.is_none() {
        return Err(ApiError::NotFound {
            what: "person",
            key: id.to_string(),
        });
    }
    let entries = state.store.audit_person(id, limit).await?;
    Ok(Json(AuditResponse {
        org: None,
        count: entries.len(),
        entries,
    }))
}
