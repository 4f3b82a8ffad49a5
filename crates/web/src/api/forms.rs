//! `/api/v1/cases/{id}/forms`: the dossier forms of a case (3-, 5-, 6-, 8-, 9-, 16-KNĐ)
//! pre-filled from what is recorded — which are ready and what the others still need, and one
//! form as a DOCX file (`…/forms/6-KND.docx`; the `.docx` suffix is optional, `6-KNĐ`
//! percent-encoded works too).
//!
//! A case outside the user's subtree is a 404. A form the case is not ready for is a 422
//! `form_incomplete` naming the missing fields (Vietnamese and English labels). A printed form
//! shows personal data: it is audited (`case.print`, with the form), as a case view is; roles
//! that see sensitive fields masked get birth years only.

use axum::Json;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ketnap_domain::Date;
use ketnap_domain::pipeline::forms::{FormStatus, PrintForm};
use ketnap_exchange::forms::{self, PrintError};
use ketnap_store::pipeline_api::CaseId;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiDate, ApiPath, ApiQuery, as_of_or_today};
use crate::mask::Disclosure;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormsQuery {
    /// The date the structure is judged on for forms not yet dated (default today).
    pub as_of: Option<ApiDate>,
}

/// One form of the list, with where to download it when it is ready.
#[derive(Debug, Serialize)]
pub struct FormView {
    #[serde(flatten)]
    pub status: FormStatus,
    /// `/api/v1/cases/7/forms/6-KND.docx` when ready.
    pub href: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FormsResponse {
    pub case_id: CaseId,
    pub as_of: Date,
    pub forms: Vec<FormView>,
}

/// The download path of a form.
pub fn href(case_id: CaseId, form: PrintForm) -> String {
    format!("/api/v1/cases/{case_id}/forms/{}.docx", form.slug())
}

/// `GET /api/v1/cases/{id}/forms`: every printable form, ready or with its missing fields.
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<CaseId>,
    ApiQuery(q): ApiQuery<FormsQuery>,
) -> ApiResult<Json<FormsResponse>> {
    p.check_case(&state, id).await?;
    let as_of = as_of_or_today(q.as_of);
    let list = forms::list(&state.store, id, as_of).await?;
    Ok(Json(FormsResponse {
        case_id: id,
        as_of,
        forms: list
            .into_iter()
            .map(|status| FormView {
                href: status.ready.then(|| href(id, status.form)),
                status,
            })
            .collect(),
    }))
}

/// `GET /api/v1/cases/{id}/forms/{form}.docx`: the form as a Word document.
pub async fn docx(
    State(state): State<AppState>,
    p: Principal,
    ApiPath((id, form)): ApiPath<(CaseId, String)>,
    ApiQuery(q): ApiQuery<FormsQuery>,
) -> ApiResult<Response> {
    p.check_case(&state, id).await?;
    let code = form.strip_suffix(".docx").unwrap_or(&form);
    let form = PrintForm::parse(code).ok_or_else(|| ApiError::NotFound {
        what: "form",
        key: code.to_string(),
    })?;
    let as_of = as_of_or_today(q.as_of);
    let mask = p.disclosure() == Disclosure::Masked;
    let printed = forms::print(&state.store, id, form, as_of, mask, &p.actor())
        .await
        .map_err(|e| match e {
            PrintError::Incomplete { form, missing } => ApiError::FormIncomplete {
                form: form.code(),
                missing,
            },
            PrintError::Store(s) => s.into(),
            PrintError::Io(e) => {
                tracing::error!(error = %e, "writing a DOCX form");
                ApiError::Internal
            }
        })?;
    let mut res = (StatusCode::OK, printed.bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(ketnap_exchange::docx::CONTENT_TYPE),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", printed.file_name))
    {
        h.insert(CONTENT_DISPOSITION, v);
    }
    // Personal data: not for shared caches.
    h.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(res)
}
