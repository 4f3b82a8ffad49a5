//! Who is acting, for the audit trail of writes made through the API: the signed-in user's
//! username, or `token:NAME` for a request authenticated by an API token
//! ([`crate::auth::Principal::actor`]). A request without a principal is refused (401) before
//! it reaches a handler that takes an [`Actor`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::auth::Principal;
use crate::error::ApiError;

/// Người thực hiện — the actor of a request, as recorded in the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor(pub String);

impl Actor {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let p = Principal::from_request_parts(parts, state).await?;
        Ok(Actor(p.actor()))
    }
}
