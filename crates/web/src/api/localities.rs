//! `/api/v1/localities`: localities (thôn, bản, tổ dân phố, trường học…) in a commune or a
//! subtree as of a date, and one locality's history.

use axum::Json;
use axum::extract::State;
use ketnap_domain::Date;
use ketnap_store::{LocalityHistory, LocalityView, OrgRef};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiDate, ApiPath, ApiQuery, as_of_or_today};

/// The most localities one list carries (`truncated: true` beyond).
pub const MAX_LOCALITIES: usize = 20_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalitiesQuery {
    /// Code of a commune, or of any unit above: its localities and those of every commune
    /// under it.
    pub org: Option<String>,
    pub as_of: Option<ApiDate>,
}

#[derive(Debug, Serialize)]
pub struct LocalitiesResponse {
    pub as_of: Date,
    pub org: OrgRef,
    pub count: usize,
    pub truncated: bool,
    pub localities: Vec<LocalityView>,
}

/// `GET /api/v1/localities?org=CODE&as_of=`.
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<LocalitiesQuery>,
) -> ApiResult<Json<LocalitiesResponse>> {
    let on = as_of_or_today(q.as_of);
    let Some(code) = q.org.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
        return Err(ApiError::bad_request(
            "org",
            "required: the code of a commune or of a unit above it",
        ));
    };
    let u = super::org::unit_on(&state.store, code, on).await?;
    p.check_org(&state, u.id, &u.code).await?;
    let mut localities = state.store.localities_in(u.id, on).await?;
    let truncated = localities.len() > MAX_LOCALITIES;
    localities.truncate(MAX_LOCALITIES);
    Ok(Json(LocalitiesResponse {
        as_of: on,
        org: OrgRef {
            id: u.id,
            code: u.code,
            name: u.name,
        },
        count: localities.len(),
        truncated,
        localities,
    }))
}

/// `GET /api/v1/localities/{code}`: communes, population by year and serving branches over
/// time.
/// 404 unless the locality's commune or a branch serving it is in the user's subtree.
pub async fn history(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<LocalityHistory>> {
    let not_found = || ApiError::NotFound {
        what: "locality",
        key: code.clone(),
    };
    if let Some(scope) = p.scope() {
        let today = crate::extract::today();
        let mut inside = false;
        for u in state.store.locality_units(&code, today).await? {
            if state.store.org_in_scope(scope, u, today).await? {
                inside = true;
                break;
            }
        }
        if !inside {
            return Err(not_found());
        }
    }
    let l = state
        .store
        .locality_by_code(&code)
        .await?
        .ok_or_else(not_found)?;
    let h = state
        .store
        .locality_history(l.id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(h))
}
