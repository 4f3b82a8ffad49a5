//! Errors at the HTTP edge: one [`ApiError`] that every handler returns and that renders as
//! structured JSON. Internals (database errors) go to the server log, never to the client; the
//! client gets a generic message. Logged details never contain request bodies or query strings.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ketnap_domain::Violation;
use ketnap_store::StoreError;
use serde::Serialize;

/// Lỗi API — what a request can end in, other than success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request itself is malformed: a bad date, an unknown kind, broken JSON (400).
    #[error("{field}: {message}")]
    BadRequest { field: String, message: String },
    /// The body is not JSON or is too large (415, 413); `status` says which.
    #[error("{message}")]
    Body { status: StatusCode, message: String },
    /// Something named does not exist (404).
    #[error("{what} {key} not found")]
    NotFound { what: &'static str, key: String },
    /// A unit exists, but not on the date asked (404, with the facts).
    #[error("{message}")]
    NotOnDate { message: String },
    /// The domain refused the change; nothing was written (422).
    #[error("refused")]
    Refused(Vec<Violation>),
    /// The database cannot be reached (503).
    #[error("database unavailable")]
    Unavailable,
    /// Anything else: logged on the server, a generic message to the client (500).
    #[error("internal error")]
    Internal,
}

impl ApiError {
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Body { status, .. } => *status,
            ApiError::NotFound { .. } | ApiError::NotOnDate { .. } => StatusCode::NOT_FOUND,
            ApiError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code in the `error` field of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::Body { status, .. } if *status == StatusCode::PAYLOAD_TOO_LARGE => {
                "payload_too_large"
            }
            ApiError::Body { status, .. } if *status == StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "unsupported_media_type"
            }
            ApiError::Body { .. } => "bad_request",
            ApiError::NotFound { .. } | ApiError::NotOnDate { .. } => "not_found",
            ApiError::Refused(_) => "refused",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal => "internal",
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub error: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violations: Option<Vec<Violation>>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let error = self.code();
        let body = match self {
            ApiError::BadRequest { field, message } => ErrorBody {
                error,
                message: format!("{field}: {message}"),
                field: Some(field),
                violations: None,
            },
            ApiError::Refused(violations) => ErrorBody {
                error,
                field: None,
                message: "the change was refused; nothing was written".into(),
                violations: Some(violations),
            },
            ApiError::Unavailable => ErrorBody {
                error,
                field: None,
                message: "the database cannot be reached".into(),
                violations: None,
            },
            ApiError::Internal => ErrorBody {
                error,
                field: None,
                message: "internal error; the server log has the details".into(),
                violations: None,
            },
            other => ErrorBody {
                error,
                field: None,
                message: other.to_string(),
                violations: None,
            },
        };
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Rule(d) => ApiError::Refused(d.violations().to_vec()),
            StoreError::NotFound { what, key } => ApiError::NotFound { what, key },
            // Database and decoding failures: the details go to the log only. sqlx errors carry
            // the server's message, not bound values, so no personal data reaches the log.
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::Internal
            }
        }
    }
}

impl From<Violation> for ApiError {
    fn from(v: Violation) -> Self {
        ApiError::Refused(vec![v])
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// Errors of [`crate::serve`]: the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("server I/O error: {0}")]
    Io(#[from] std::io::Error),
}
