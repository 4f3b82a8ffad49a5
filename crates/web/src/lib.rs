//! ketnap's HTTP layer: the JSON API under `/api/v1`, `/health`, and a plain front page.
//!
//! [`router`] builds the application for a [`Store`]; [`serve`] runs it on a listener until
//! Ctrl-C or SIGTERM. Requests are traced by method, matched route, status and latency only:
//! never the query string or the body, which may hold personal data (CCCD).

pub mod actor;
pub mod api;
pub mod auth;
pub mod error;
pub mod extract;
pub mod mask;
pub mod pages;
pub mod testing;
pub mod ui;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::MatchedPath;
use axum::http::header::CONTENT_TYPE;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ketnap_store::Store;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

pub use error::{ApiError, WebError};

/// The largest request body accepted (1 MiB).
pub const BODY_LIMIT: usize = 1 << 20;

/// How long a request may take before it is answered with 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    /// Seconds added to the system clock (tests move time forward to expire sessions).
    pub clock_offset: Arc<AtomicI64>,
    /// Whether the session cookie is marked `Secure` (set `KETNAP_COOKIE_SECURE=1` behind
    /// HTTPS).
    pub secure_cookies: bool,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            clock_offset: Arc::new(AtomicI64::new(0)),
            secure_cookies: std::env::var("KETNAP_COOKIE_SECURE").is_ok_and(|v| v == "1"),
        }
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        chrono::Utc::now().timestamp() + self.clock_offset.load(Ordering::Relaxed)
    }
}

/// The whole application: pages, health, API, with tracing, gzip, a body limit, a timeout and
/// a panic guard.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::index))
        .route("/health", get(api::health::health))
        .route("/login", get(pages::login_form).post(pages::login_submit))
        .route("/logout", axum::routing::post(pages::logout_submit))
        .merge(api::routes())
        .merge(ui::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(CatchPanicLayer::custom(panicked))
        // BODY_LIMIT, or api::exchange::UPLOAD_LIMIT for spreadsheet uploads.
        .layer(axum::middleware::from_fn(api::exchange::body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(json_for_bare_errors))
        // Pages, JSON and CSV gzipped for slow rural connections (a branch's "Việc cần làm" is
        // ~4 KB instead of ~10); spreadsheets and DOCX are zip files already.
        .layer(
            CompressionLayer::new().compress_when(DefaultPredicate::new().and(
                NotForContentType::const_new("application/vnd.openxmlformats"),
            )),
        )
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(make_span)
                .on_request(())
                .on_response(on_response)
                .on_failure(()),
        )
        .with_state(state)
}

/// Serves the application on `listener` until Ctrl-C or SIGTERM, then finishes the requests in
/// flight and returns.
pub async fn serve(listener: TcpListener, store: Store) -> Result<(), WebError> {
    serve_until(listener, store, shutdown_signal()).await
}

/// Like [`serve`], stopping gracefully when `shutdown` completes (tests use a channel).
pub async fn serve_until(
    listener: TcpListener,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    let app = router(AppState::new(store));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// Completes on Ctrl-C, or on SIGTERM where there are signals.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// The span of a request: method and matched route only (never the URI, whose query string may
/// hold a CCCD); status and latency are recorded when the response is ready.
fn make_span(req: &Request<Body>) -> Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("<unmatched>", MatchedPath::as_str);
    tracing::info_span!(
        "http",
        method = %req.method(),
        route = %route,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    )
}

fn on_response(res: &Response, latency: Duration, span: &Span) {
    span.record("status", res.status().as_u16());
    span.record("latency_ms", latency.as_millis() as u64);
    if res.status().is_server_error() {
        tracing::warn!("response");
    } else {
        tracing::info!("response");
    }
}

async fn not_found() -> ApiError {
    ApiError::NotFound {
        what: "route",
        key: "for this path".into(),
    }
}

async fn method_not_allowed() -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path does not accept this method",
    )
}

fn panicked(_payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    // The payload may quote input; it is not logged.
    tracing::error!("a handler panicked");
    ApiError::Internal.into_response()
}

fn error_response(status: StatusCode, error: &'static str, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "error": error, "message": message })),
    )
        .into_response()
}

/// Middleware answers without a JSON body (timeout, body limit): give them one, so every error
/// the API returns has the same shape.
async fn json_for_bare_errors(res: Response) -> Response {
    let status = res.status();
    let is_error = status.is_client_error() || status.is_server_error();
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/html"));
    if !is_error || is_json {
        return res;
    }
    match status {
        StatusCode::SERVICE_UNAVAILABLE => error_response(
            status,
            "timeout",
            "the request took too long and was abandoned",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => error_response(
            status,
            "payload_too_large",
            &format!("the body is larger than {BODY_LIMIT} bytes"),
        ),
        _ => error_response(
            status,
            "error",
            status.canonical_reason().unwrap_or("error"),
        ),
    }
}
