//! `GET /health`: the server answers and the database completes a round trip.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;
use crate::error::ApiError;

/// `{"status":"ok","db":"sqlite|postgres"}` after a real query; 503 with a JSON error when the
/// database does not answer.
pub async fn health(State(state): State<AppState>) -> Response {
    let db = state.store.backend().as_str();
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ok", "db": db }))).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database round trip failed");
            ApiError::Unavailable.into_response()
        }
    }
}
