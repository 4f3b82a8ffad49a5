//! `GET /api/v1/stats?as_of=`: counts of units, localities and people as of a date.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use ketnap_domain::Date;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::extract::{ApiDate, ApiQuery, as_of_or_today};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    pub as_of: Option<ApiDate>,
}

/// Counts keyed by kind or status, in key order.
#[derive(Debug, Serialize)]
pub struct StatsResponse {
    pub as_of: Date,
    pub units_by_kind: BTreeMap<String, i64>,
    pub units_total: i64,
    pub localities_by_kind: BTreeMap<String, i64>,
    pub localities_total: i64,
    pub people_by_status: BTreeMap<String, i64>,
    /// Everyone on record, whatever their status.
    pub people_total: i64,
}

impl StatsResponse {
    /// No counts (the front page before sign-in).
    pub fn empty(as_of: Date) -> Self {
        StatsResponse {
            as_of,
            units_by_kind: BTreeMap::new(),
            units_total: 0,
            localities_by_kind: BTreeMap::new(),
            localities_total: 0,
            people_by_status: BTreeMap::new(),
            people_total: 0,
        }
    }
}

/// National counts: administrators and users of a root unit (403 for the others).
pub async fn stats(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Json<StatsResponse>> {
    p.check_national(&state).await?;
    let on = as_of_or_today(q.as_of);
    Ok(Json(load(&state, on).await?))
}

/// The counts as of `on` (shared with the front page).
pub async fn load(state: &AppState, on: Date) -> ApiResult<StatsResponse> {
    let s = state.store.stats(on).await?;
    let map = |v: Vec<(String, i64)>| v.into_iter().collect::<BTreeMap<_, _>>();
    let units_by_kind = map(s.units_by_kind);
    let localities_by_kind = map(s.localities_by_kind);
    Ok(StatsResponse {
        as_of: on,
        units_total: units_by_kind.values().sum(),
        units_by_kind,
        localities_total: localities_by_kind.values().sum(),
        localities_by_kind,
        people_by_status: map(s.people_by_status),
        people_total: s.people_total,
    })
}
