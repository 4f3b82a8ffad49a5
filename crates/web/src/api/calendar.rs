//! `/api/v1/holidays` and `/api/v1/difficult-areas`: the working-day calendar the deadlines
//! count on (public holidays, the Tết break announced each year, substitute days, worked
//! Saturdays) and the units designated difficult areas (where the education rule's exception
//! applies) — data an administrator keeps up to date.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Datelike;
use ketnap_domain::calendar::{Holiday, HolidayKind};
use ketnap_domain::{Date, Period};
use ketnap_store::pipeline_api::{DifficultArea, HolidayEntry};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::actor::Actor;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiDate, ApiJson, ApiPath, ApiQuery, as_of_or_today};

/// A date in the path: `YYYY-MM-DD` (or `dd/mm/yyyy`), four-digit year.
fn path_date(s: &str) -> ApiResult<Date> {
    serde_json::from_value::<ApiDate>(serde_json::Value::String(s.to_string()))
        .map(|d| d.0)
        .map_err(|e| ApiError::bad_request("date", e.to_string()))
}

// ---- GET /api/v1/holidays ---------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidaysQuery {
    /// One year (all years without it).
    pub year: Option<i32>,
}

#[derive(Debug, Serialize)]
pub struct HolidaysResponse {
    pub year: Option<i32>,
    pub count: usize,
    /// In date order; `source` is `shipped` (data/holidays.csv) or `admin`.
    pub holidays: Vec<HolidayEntry>,
}

pub async fn holidays(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<HolidaysQuery>,
) -> ApiResult<Json<HolidaysResponse>> {
    if let Some(y) = q.year
        && !(1800..=9999).contains(&y)
    {
        return Err(ApiError::bad_request("year", "expected a four-digit year"));
    }
    let holidays = state.store.holidays_list(q.year).await?;
    Ok(Json(HolidaysResponse {
        year: q.year,
        count: holidays.len(),
        holidays,
    }))
}

// ---- PUT/DELETE /api/v1/holidays/{date} -------------------------------------------------------

/// `{"name", "kind"?}`: `holiday` (default), `tet`, `substitute` (nghỉ bù) or
/// `working_saturday` (làm bù).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayRequest {
    pub name: String,
    #[serde(default)]
    pub kind: Option<HolidayKind>,
}

pub async fn holiday_set(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(date): ApiPath<String>,
    ApiJson(body): ApiJson<HolidayRequest>,
) -> ApiResult<Json<HolidayEntry>> {
    let date = path_date(&date)?;
    let h = Holiday {
        date,
        name: body.name,
        kind: body.kind.unwrap_or(HolidayKind::Holiday),
    };
    state.store.holiday_upsert(&h, actor.as_str()).await?;
    let entry = state
        .store
        .holidays_list(Some(date.year()))
        .await?
        .into_iter()
        .find(|e| e.holiday.date == date)
        .ok_or_else(|| {
            tracing::error!("a holiday just written cannot be read back");
            ApiError::Internal
        })?;
    Ok(Json(entry))
}

pub async fn holiday_delete(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(date): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let date = path_date(&date)?;
    if state.store.holiday_delete(date, actor.as_str()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound {
            what: "holiday",
            key: date.format("%Y-%m-%d").to_string(),
        })
    }
}

// ---- /api/v1/difficult-areas ------------------------------------------------------------------

/// `{"from", "to"?, "basis"}`: the period of the designation and the decision it comes from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaRequest {
    pub from: ApiDate,
    #[serde(default)]
    pub to: Option<ApiDate>,
    pub basis: String,
}

/// `PUT /api/v1/difficult-areas/{org_code}`: 201 when the designation is recorded, 200 when the
/// same designation (period and basis) is already there; an overlapping one is refused.
pub async fn area_set(
    State(state): State<AppState>,
    p: Principal,
    actor: Actor,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<AreaRequest>,
) -> ApiResult<(StatusCode, Json<DifficultArea>)> {
    let org = p.check_code(&state, &code).await?;
    let period = Period::new(body.from.0, body.to.map(|d| d.0))?;
    let basis = body.basis.trim().to_string();
    let same = |a: &DifficultArea| a.org.id == org.id && a.period == period;
    if let Some(a) = state
        .store
        .difficult_areas(period.from)
        .await?
        .into_iter()
        .find(|a| same(a) && a.basis == basis)
    {
        return Ok((StatusCode::OK, Json(a)));
    }
    state
        .store
        .difficult_area_set(&org.code, period, &basis, actor.as_str())
        .await?;
    let a = state
        .store
        .difficult_areas(period.from)
        .await?
        .into_iter()
        .find(same)
        .ok_or_else(|| {
            tracing::error!("a difficult-area designation just written cannot be read back");
            ApiError::Internal
        })?;
    Ok((StatusCode::CREATED, Json(a)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreasQuery {
    pub as_of: Option<ApiDate>,
}

#[derive(Debug, Serialize)]
pub struct AreasResponse {
    pub as_of: Date,
    pub count: usize,
    pub areas: Vec<DifficultArea>,
}

/// The designations in force; a user confined to a subtree sees those inside it.
pub async fn areas(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AreasQuery>,
) -> ApiResult<Json<AreasResponse>> {
    let on = as_of_or_today(q.as_of);
    let mut areas = vec![];
    for a in state.store.difficult_areas(on).await? {
        if p.check_org(&state, a.org.id, &a.org.code).await.is_ok() {
            areas.push(a);
        }
    }
    Ok(Json(AreasResponse {
        as_of: on,
        count: areas.len(),
        areas,
    }))
}
