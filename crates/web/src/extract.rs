//! Request extractors whose rejections are [`ApiError`]s: a bad query string or body becomes a
//! JSON 400 naming the field and what is expected, never axum's plain-text rejection.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use chrono::Datelike;
use ketnap_domain::Date;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::ApiError;

/// The field an error is about: the path where deserializing failed, extended by the name in
/// serde's "missing field `x`" (reported at the enclosing object); `root` for the whole input.
fn field_of(path: &serde_path_to_error::Path, message: &str, root: &str) -> String {
    let p = path.to_string();
    let at_root = p.is_empty() || p == "." || p == "?";
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (at_root, missing) {
        (true, Some(m)) => m.to_string(),
        (false, Some(m)) => format!("{p}.{m}"),
        (true, None) => root.to_string(),
        (false, None) => p,
    }
}

/// Query parameters deserialized into `T`; errors name the parameter. Define `T` with
/// `#[serde(deny_unknown_fields)]` so a misspelt parameter is reported rather than ignored.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        parse_query(q).map(ApiQuery)
    }
}

/// Parses a query string into `T`, with the failing parameter named in the error.
pub fn parse_query<T: DeserializeOwned>(q: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let message = e.inner().to_string();
        ApiError::bad_request(field_of(e.path(), &message, "query"), message)
    })
}

/// A JSON request body deserialized into `T`; malformed JSON, a wrong type or an unknown value
/// becomes a 400 naming the field (`parts[0].code`), a missing or wrong content type a 415, a
/// body over the limit a 413.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            let essence = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        })
        .unwrap_or(false)
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::Body {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "expected a JSON body with Content-Type: application/json".into(),
            });
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| ApiError::Body {
                status: r.status(),
                message: if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    format!("the body is larger than {} bytes", crate::BODY_LIMIT)
                } else {
                    "the request body could not be read".into()
                },
            })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON into `T`, naming the failing field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v: T = serde_path_to_error::deserialize(&mut de).map_err(|e| json_error(&e))?;
    de.end()
        .map_err(|e| ApiError::bad_request("body", format!("malformed JSON: {e}")))?;
    Ok(v)
}

/// Deserializes a JSON value into `T`, naming the failing field (prefixed with `prefix`).
pub fn from_value<T: DeserializeOwned>(v: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(v).map_err(|e| json_error(&e))
}

fn json_error(e: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let inner = e.inner();
    if inner.is_syntax() || inner.is_eof() {
        ApiError::bad_request("body", format!("malformed JSON: {inner}"))
    } else {
        let message = inner.to_string();
        ApiError::bad_request(field_of(e.path(), &message, "body"), message)
    }
}

/// A path parameter; a malformed one (e.g. invalid percent-encoding) is a JSON 400.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|r| ApiError::bad_request("path", r.body_text()))
    }
}

/// A civil date in a query or body: `YYYY-MM-DD` (or the Vietnamese `dd/mm/yyyy`). A bad
/// value fails with a message saying what is expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiDate(pub Date);

impl<'de> Deserialize<'de> for ApiDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // A four-digit year is required: chrono would read "1/1/16" as the year 16.
        ketnap_domain::dates::parse_date(&s)
            .filter(|d| (1800..=9999).contains(&d.year()))
            .map(ApiDate)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "expected a date YYYY-MM-DD (or dd/mm/yyyy) with a four-digit year, got {s:?}"
                ))
            })
    }
}

/// Today's civil date on the server (the default for `as_of`).
pub fn today() -> Date {
    chrono::Local::now().date_naive()
}

/// `as_of` or today.
pub fn as_of_or_today(d: Option<ApiDate>) -> Date {
    d.map_or_else(today, |d| d.0)
}
