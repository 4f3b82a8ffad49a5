//! Who is acting, for the audit trail of writes made through the API.
//!
//! Until sign-in exists (a later issue), every API write is recorded as [`API_ACTOR`]. This is
//! the one place to change: replace the body of [`Actor::from_request_parts`] with the session
//! lookup and every handler that takes an [`Actor`] records the signed-in user.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The actor recorded for API writes while there is no authentication.
pub const API_ACTOR: &str = "api";

/// Người thực hiện — the actor of a request, as recorded in the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor(pub String);

impl Actor {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = Infallible;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Actor(API_ACTOR.to_string()))
    }
}
