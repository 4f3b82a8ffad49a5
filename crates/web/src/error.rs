//! Errors at the HTTP edge: one [`ApiError`] that every handler returns and that renders as
//! structured JSON. Internals (database errors) go to the server log, never to the client; the
//! client gets a generic message. Logged details never contain request bodies or query strings.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use ketnap_domain::Violation;
use ketnap_domain::pipeline::forms::MissingField;
use ketnap_domain::pipeline::{EventId, Refusal};
use ketnap_store::StoreError;
use ketnap_store::pipeline_api::{ImportError, ImportReport};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

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
    /// The admission rules refused the event (rule id, regulation, article, facts, messages in
    /// Vietnamese and English); nothing was written (422).
    #[error("refused by the admission rules")]
    RulesRefused(Vec<Refusal>),
    /// The record changed since the client read it (optimistic locking); nothing was written
    /// (409).
    #[error("{message}")]
    Conflict {
        message: String,
        expected: i64,
        actual: i64,
        by: String,
        at: DateTime<Utc>,
    },
    /// An events import with row-level errors; nothing was written (422).
    #[error("the import was refused")]
    ImportRefused(ImportReport),
    /// A dossier form the case is not ready for: the recorded data it lacks (422).
    #[error("{form} cannot be printed yet: record {}", .missing.iter().map(|m| m.field).collect::<Vec<_>>().join(", "))]
    FormIncomplete {
        form: &'static str,
        missing: Vec<MissingField>,
    },
    /// No valid session cookie or API token (401).
    #[error(
        "sign in first: a session cookie (POST /api/v1/login) or an API token (Authorization: Bearer …)"
    )]
    Unauthorized,
    /// Wrong username or password (401); which of the two is not said.
    #[error("wrong username or password")]
    BadCredentials,
    /// Signed in, but the role does not allow this, or the unit is outside the user's subtree
    /// (403).
    #[error("{message}")]
    Forbidden { message: String },
    /// A request authenticated by the session cookie that changes something without the
    /// session's CSRF token (`X-CSRF-Token` header, or `csrf_token` in a form) (403).
    #[error("missing or wrong CSRF token: send the session's token in the X-CSRF-Token header")]
    Csrf,
    /// Too many failed sign-ins for this username: locked until `until` (429).
    #[error("too many failed sign-ins: this account is locked for {minutes} more minute(s)")]
    Locked { minutes: i64 },
    /// The database cannot be reached (503).
    #[error("database unavailable")]
    Unavailable,
    /// Anything else: logged on the server, a generic message to the client (500).
    #[error("internal error")]
    Internal,
}

impl ApiError {
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            message: message.into(),
        }
    }

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
            ApiError::Refused(_)
            | ApiError::RulesRefused(_)
            | ApiError::ImportRefused(_)
            | ApiError::FormIncomplete { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Unauthorized | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } | ApiError::Csrf => StatusCode::FORBIDDEN,
            ApiError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
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
            ApiError::Refused(_) | ApiError::RulesRefused(_) => "refused",
            ApiError::ImportRefused(_) => "import_refused",
            ApiError::FormIncomplete { .. } => "form_incomplete",
            ApiError::Conflict { .. } => "conflict",
            ApiError::Unauthorized => "unauthorized",
            ApiError::BadCredentials => "bad_credentials",
            ApiError::Forbidden { .. } => "forbidden",
            ApiError::Csrf => "csrf",
            ApiError::Locked { .. } => "locked",
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

/// One refusal of the admission rules as the API shows it: `facts` is an object whose keys
/// keep the rule's order (a repeated name gets `_2`, `_3`…); `event_id` only when the refusal
/// is about another recorded event than the one submitted.
#[derive(Debug, Serialize)]
pub struct RefusalView {
    pub rule_id: &'static str,
    pub regulation: &'static str,
    pub article: &'static str,
    pub facts: Facts,
    pub message_vi: String,
    pub message_en: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<EventId>,
}

impl From<Refusal> for RefusalView {
    fn from(r: Refusal) -> Self {
        RefusalView {
            rule_id: r.rule_id,
            regulation: r.regulation,
            article: r.article,
            facts: Facts(r.facts),
            message_vi: r.message_vi,
            message_en: r.message_en,
            event_id: r.event_id,
        }
    }
}

/// The facts of a refusal, serialized as a JSON object in the rule's order.
#[derive(Debug)]
pub struct Facts(pub Vec<(String, String)>);

impl Serialize for Facts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        let mut seen: Vec<&str> = Vec::with_capacity(self.0.len());
        for (k, v) in &self.0 {
            let n = seen.iter().filter(|s| **s == k.as_str()).count();
            seen.push(k);
            if n == 0 {
                map.serialize_entry(k, v)?;
            } else {
                map.serialize_entry(&format!("{k}_{}", n + 1), v)?;
            }
        }
        map.end()
    }
}

/// 422 body of a refusal by the admission rules.
#[derive(Debug, Serialize)]
struct RefusedBody {
    error: &'static str,
    message: String,
    refusals: Vec<RefusalView>,
}

/// 422 body of a dossier form the case is not ready for.
#[derive(Debug, Serialize)]
struct FormIncompleteBody {
    error: &'static str,
    message: String,
    form: &'static str,
    missing: Vec<MissingField>,
}

/// 409 body of an optimistic-locking conflict.
#[derive(Debug, Serialize)]
struct ConflictBody {
    error: &'static str,
    message: String,
    expected: i64,
    actual: i64,
    by: String,
    at: DateTime<Utc>,
}

/// One refused row of an events import, as the API shows it.
#[derive(Debug, Serialize)]
pub struct ImportErrorView {
    pub row: usize,
    pub column: String,
    pub rule: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<RefusalView>,
}

impl From<ImportError> for ImportErrorView {
    fn from(e: ImportError) -> Self {
        ImportErrorView {
            row: e.row,
            column: e.column,
            rule: e.rule,
            message: e.message,
            refusal: e.refusal.map(RefusalView::from),
        }
    }
}

/// What an events import reports (the body of a success, and of a refusal with `error`).
#[derive(Debug, Serialize)]
pub struct ImportReportView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub rows: usize,
    pub cases_created: usize,
    pub events_created: usize,
    pub dry_run: bool,
    pub written: bool,
    pub errors: Vec<ImportErrorView>,
}

impl ImportReportView {
    pub fn new(r: ImportReport, error: Option<&'static str>) -> Self {
        let message = error.map(|_| {
            let mut rows: Vec<usize> = r.errors.iter().map(|e| e.row).collect();
            rows.sort_unstable();
            rows.dedup();
            format!(
                "{} error(s) in {} row(s); nothing was written",
                r.errors.len(),
                rows.len()
            )
        });
        ImportReportView {
            error,
            message,
            rows: r.rows,
            cases_created: r.cases_created,
            events_created: r.events_created,
            dry_run: r.dry_run,
            written: r.written,
            errors: r.errors.into_iter().map(ImportErrorView::from).collect(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let error = self.code();
        let body = match self {
            ApiError::RulesRefused(refusals) => {
                let body = RefusedBody {
                    error,
                    message: format!(
                        "refused by the admission rules ({}); nothing was written",
                        refusals
                            .iter()
                            .map(|r| r.rule_id)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    refusals: refusals.into_iter().map(RefusalView::from).collect(),
                };
                return (status, Json(body)).into_response();
            }
            ApiError::Conflict {
                message,
                expected,
                actual,
                by,
                at,
            } => {
                let body = ConflictBody {
                    error,
                    message,
                    expected,
                    actual,
                    by,
                    at,
                };
                return (status, Json(body)).into_response();
            }
            ApiError::ImportRefused(report) => {
                let body = ImportReportView::new(report, Some(error));
                return (status, Json(body)).into_response();
            }
            ApiError::FormIncomplete { form, missing } => {
                let body = FormIncompleteBody {
                    error,
                    message: format!(
                        "{form} cannot be printed yet; record first: {}",
                        missing
                            .iter()
                            .map(|m| m.label_en)
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    form,
                    missing,
                };
                return (status, Json(body)).into_response();
            }
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
            // Not logged: the messages carry facts of the dossier.
            StoreError::Refused(r) => ApiError::RulesRefused(r),
            ref c @ StoreError::Conflict {
                expected,
                actual,
                ref by,
                at,
                ..
            } => ApiError::Conflict {
                message: c.to_string(),
                expected,
                actual,
                by: by.clone(),
                at,
            },
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
