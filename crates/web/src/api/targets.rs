//! `/api/v1/targets`: targets (chỉ tiêu giao / đăng ký) for a year or a term, and their
//! achievement — admitted/target with the press's wording, pace, forecast, ranking of the
//! sub-organizations and reconciliation of their assigned targets.

use axum::Json;
use axum::extract::State;
use ketnap_domain::targets::{Target, TargetKind, TargetPeriod, TargetSource};
use ketnap_store::OrgRef;
use ketnap_store::targets_api::TargetReport;
use serde::{Deserialize, Deserializer, Serialize};

use crate::AppState;
use crate::actor::Actor;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiDate, ApiJson, ApiQuery, as_of_or_today, today};

/// A present field, `null` included: `Some(None)` clears, absent leaves unchanged.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

fn period(s: &str) -> ApiResult<TargetPeriod> {
    TargetPeriod::parse(s).map_err(|v| ApiError::bad_request("period", v.message))
}

// ---- PUT /api/v1/targets --------------------------------------------------------------------

/// `{"org", "period": "2024"|"2020-2025", "kind"?, "assigned"?: N|null, "registered"?: N|null}`;
/// a `member_ratio` value is in basis points (600 = 6%).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRequest {
    pub org: String,
    pub period: String,
    #[serde(default)]
    pub kind: Option<TargetKind>,
    #[serde(default, deserialize_with = "present")]
    pub assigned: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub registered: Option<Option<i64>>,
}

#[derive(Debug, Serialize)]
pub struct TargetResponse {
    pub org: OrgRef,
    pub target: Target,
}

pub async fn put(
    State(state): State<AppState>,
    p: Principal,
    actor: Actor,
    ApiJson(body): ApiJson<TargetRequest>,
) -> ApiResult<Json<TargetResponse>> {
    let period = period(&body.period)?;
    let kind = body.kind.unwrap_or(TargetKind::Admissions);
    if body.assigned.is_none() && body.registered.is_none() {
        return Err(ApiError::bad_request(
            "assigned",
            "give `assigned` and/or `registered` (a number, or null to clear)",
        ));
    }
    let unit = p.check_code(&state, &body.org).await?;
    let mut target = None;
    for (source, value) in [
        (TargetSource::Assigned, body.assigned),
        (TargetSource::Registered, body.registered),
    ] {
        if let Some(v) = value {
            target = Some(
                state
                    .store
                    .target_set(unit.id, kind, period, source, v, actor.as_str())
                    .await?,
            );
        }
    }
    let target = target.ok_or(ApiError::Internal)?;
    Ok(Json(TargetResponse {
        org: OrgRef {
            id: unit.id,
            code: unit.code,
            name: unit.name,
        },
        target,
    }))
}

// ---- GET /api/v1/targets --------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsQuery {
    pub org: String,
    pub period: String,
    /// List the direct sub-organizations, ranked, with the reconciliation.
    #[serde(default)]
    pub children: Option<bool>,
    pub as_of: Option<ApiDate>,
    /// Re-base onto today's structure (merged units' history included).
    #[serde(default)]
    pub rebase: Option<bool>,
}

pub async fn get(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<TargetsQuery>,
) -> ApiResult<Json<TargetReport>> {
    let period = period(&q.period)?;
    let unit = p.check_code(&state, &q.org).await?;
    let rep = state
        .store
        .target_report(
            unit.id,
            period,
            as_of_or_today(q.as_of),
            q.children.unwrap_or(false),
            q.rebase.unwrap_or(false).then(today),
        )
        .await?;
    Ok(Json(rep))
}
