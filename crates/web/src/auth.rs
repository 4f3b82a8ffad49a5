//! Xác thực và phân quyền — who is asking, and may they.
//!
//! [`authenticate`] runs before every request: it resolves a [`Principal`] from an API token
//! (`Authorization: Bearer …`) or the session cookie ([`SESSION_COOKIE`], `HttpOnly`,
//! `SameSite=Lax`; the database keeps only its hash), and refuses an API request that changes
//! something on the strength of the cookie alone without the session's CSRF token in
//! `X-CSRF-Token` (HTML forms carry it as the `csrf_token` field, checked by the page). Each
//! route then passes through [`guard`] with the [`Permission`] the route table
//! ([`crate::api::ROUTES`]) gives it: 401 without a principal, 403 without the permission.
//! The handlers check the organization subtree with the `Principal::check_*` methods: a unit
//! outside it is a 403, a person, case or course outside it a 404 (as if it did not exist).

use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ketnap_domain::access::{self, Permission, Role};
use ketnap_domain::org::OrgId;
use ketnap_domain::person::PersonId;
use ketnap_store::OrgRecord;
use ketnap_store::auth_api::User;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::today;
use crate::mask::Disclosure;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "ketnap_session";
/// The header a cookie-authenticated API write carries the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the principal proved who they are.
#[derive(Clone, Debug)]
pub enum Via {
    /// The session cookie; `csrf` is the session's CSRF token.
    Session { token: String, csrf: String },
    /// An API token (its name is recorded as the actor: `token:NAME`).
    Token { name: String },
}

/// Người dùng đã đăng nhập — the signed-in user of a request.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: User,
    pub via: Via,
}

impl Principal {
    /// What the audit trail records: the username, or `token:NAME` for an API token.
    pub fn actor(&self) -> String {
        match &self.via {
            Via::Session { .. } => self.user.username.clone(),
            Via::Token { name } => format!("token:{name}"),
        }
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn allows(&self, p: Permission) -> bool {
        access::allows(self.user.role, p)
    }

    /// The unit whose subtree confines the user; `None` for an administrator. (A confined
    /// user always has a unit; were it missing, nothing would be in scope.)
    pub fn scope(&self) -> Option<OrgId> {
        self.user
            .role
            .is_scoped()
            .then(|| self.user.org.as_ref().map_or(-1, |o| o.id))
    }

    /// The code of the user's unit (`-` for an administrator without one).
    pub fn org_code(&self) -> String {
        self.user
            .org
            .as_ref()
            .map_or_else(|| "-".to_string(), |o| o.code.clone())
    }

    /// How much sensitive personal data this user's responses carry.
    pub fn disclosure(&self) -> Disclosure {
        Disclosure::for_role(self.user.role)
    }

    fn outside(&self, what: &str) -> ApiError {
        ApiError::forbidden(format!(
            "{what} is outside the subtree of your unit ({})",
            self.org_code()
        ))
    }

    /// A unit by id must be the user's unit or under it today (403 otherwise).
    pub async fn check_org(&self, state: &AppState, org: OrgId, code: &str) -> ApiResult<()> {
        match self.scope() {
            None => Ok(()),
            Some(s) if state.store.org_in_scope(s, org, today()).await? => Ok(()),
            Some(_) => Err(self.outside(&format!("organization {code}"))),
        }
    }

    /// A unit by code: 404 when unknown, 403 outside the subtree.
    pub async fn check_code(&self, state: &AppState, code: &str) -> ApiResult<OrgRecord> {
        let u = state.store.org_required(code.trim()).await?;
        self.check_org(state, u.id, &u.code).await?;
        Ok(u)
    }

    /// A person must have a status in force or a case under the user's unit (404 otherwise).
    pub async fn check_person(&self, state: &AppState, id: PersonId) -> ApiResult<()> {
        match self.scope() {
            None => Ok(()),
            Some(s) if state.store.person_in_scope(s, id, today()).await? => Ok(()),
            Some(_) => Err(ApiError::NotFound {
                what: "person",
                key: id.to_string(),
            }),
        }
    }

    /// A case must be in a branch under the user's unit (404 otherwise, and when unknown).
    pub async fn check_case(&self, state: &AppState, id: i64) -> ApiResult<()> {
        let not_found = || ApiError::NotFound {
            what: "case",
            key: id.to_string(),
        };
        let Some(branch) = state.store.case_branch(id).await? else {
            return Err(not_found());
        };
        match self.scope() {
            None => Ok(()),
            Some(s) if state.store.org_in_scope(s, branch, today()).await? => Ok(()),
            Some(_) => Err(not_found()),
        }
    }

    /// A course must be run for the user's unit or one under it (404 otherwise).
    pub async fn check_course(&self, state: &AppState, id: i64) -> ApiResult<()> {
        let not_found = || ApiError::NotFound {
            what: "course",
            key: id.to_string(),
        };
        let Some(org) = state.store.course_org(id).await? else {
            return Err(not_found());
        };
        match self.scope() {
            None => Ok(()),
            Some(s) if state.store.org_in_scope(s, org, today()).await? => Ok(()),
            Some(_) => Err(not_found()),
        }
    }

    /// National data (counts over the whole database): an administrator, or a user whose
    /// unit is a root of the tree today.
    pub async fn check_national(&self, state: &AppState) -> ApiResult<()> {
        let root = match self.scope() {
            None => true,
            Some(s) => state.store.org_roots(today()).await?.contains(&s),
        };
        if root {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "these are national figures: ask for a report of your unit instead (GET /api/v1/reports/{name}?org=CODE)",
            ))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or(ApiError::Unauthorized)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Principal {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Principal>().cloned())
    }
}

/// The value of a cookie in the `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The principal of a request, if it has a live API token or session cookie. A bearer token
/// wins over the cookie.
pub async fn principal_of(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<Principal>> {
    let now = state.now();
    if let Some(t) = bearer(headers) {
        return Ok(state
            .store
            .token_user(&t, now)
            .await?
            .map(|(user, name)| Principal {
                user,
                via: Via::Token { name },
            }));
    }
    if let Some(t) = cookie(headers, SESSION_COOKIE) {
        return Ok(state.store.session(&t, now).await?.map(|s| Principal {
            user: s.user,
            via: Via::Session {
                token: t,
                csrf: s.csrf,
            },
        }));
    }
    Ok(None)
}

fn changes_something(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Resolves the principal and checks the CSRF token of cookie-authenticated API writes; runs
/// before every request.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Health checks need no principal, and must answer 503 (not fail here) without a database.
    if req.uri().path() == "/health" {
        return next.run(req).await;
    }
    let p = match principal_of(&state, req.headers()).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if let Some(p) = p {
        if let Via::Session { csrf, .. } = &p.via
            && changes_something(req.method())
            && req.uri().path().starts_with("/api/")
            && req.uri().path() != "/api/v1/login"
        {
            let sent = req
                .headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !same_secret(sent.trim(), csrf) {
                return ApiError::Csrf.into_response();
            }
        }
        req.extensions_mut().insert(p);
    }
    next.run(req).await
}

/// The route-level check: a principal (401) with the route's permission (403).
pub async fn guard(permission: Option<Permission>, req: Request, next: Next) -> Response {
    let Some(permission) = permission else {
        return next.run(req).await;
    };
    match req.extensions().get::<Principal>() {
        None => ApiError::Unauthorized.into_response(),
        Some(p) if !p.allows(permission) => ApiError::forbidden(format!(
            "your role ({}) does not allow this ({})",
            p.role().as_str(),
            permission.as_str()
        ))
        .into_response(),
        Some(_) => next.run(req).await,
    }
}

/// The `Set-Cookie` value that opens a session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        access::SESSION_IDLE_SECS,
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookies_and_bearer_tokens_are_read() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; ketnap_session=abc ; b=2"),
        );
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer  tok "));
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert_eq!(bearer(&h).as_deref(), Some("tok"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Basic xyz"));
        assert_eq!(bearer(&h), None);
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("a", "ab"));
        assert!(session_cookie("t", false).contains("HttpOnly; SameSite=Lax"));
    }
}
