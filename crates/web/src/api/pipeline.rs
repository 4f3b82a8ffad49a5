//! `/api/v1/cases`, `/api/v1/due`, `/api/v1/mentors`, `/api/v1/import/events`: the admission
//! pipeline (issue B) over HTTP — open a case on a branch's source list, record the events of
//! the procedure (checked by the rules in force on their date), read a case, list cases, what is
//! due, mentor workload, and the bulk import of events from CSV.
//!
//! A refusal by the admission rules is a 422 with `refusals` (rule id, regulation, article,
//! facts, messages in Vietnamese and English); a stale `expected_version` is a 409. Event
//! bodies and CSV files carry personal data: they are never logged.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header::{CONTENT_TYPE, ETAG, IF_MATCH, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use ketnap_domain::person::{PartyStatus, PersonId};
use ketnap_domain::pipeline::{DocumentRef, EventId, EventKind, Proposer, Stage, StepKind};
use ketnap_domain::{Date, Violation};
use ketnap_store::pipeline_api::{
    CaseId, CaseSummary, CaseView, DueGroup, DueRow, ImportReport, MentorLoad, NewCase, NewEvent,
    PersonBrief, Recorded,
};
use ketnap_store::{OrgRef, Store};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::AppState;
use crate::actor::Actor;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ImportReportView};
use crate::extract::{ApiDate, ApiJson, ApiPath, ApiQuery, as_of_or_today, from_value};

/// Cases per list unless `limit` says otherwise.
pub const DEFAULT_LIMIT: i64 = 100;
/// The most cases one list returns.
pub const MAX_LIMIT: i64 = 1000;
/// Months without an event after which a case is stalled, unless `stall_months` says otherwise.
pub const DEFAULT_STALL_MONTHS: u32 = 6;
/// The largest `stall_months` accepted (10 years).
pub const MAX_STALL_MONTHS: u32 = 120;

fn org_ref(u: ketnap_store::OrgRecord) -> OrgRef {
    OrgRef {
        id: u.id,
        code: u.code,
        name: u.name,
    }
}

/// `"7"` as an entity tag: the case's version.
fn etag(version: i64) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        h.insert(ETAG, v);
    }
    h
}

fn parse_stage(s: Option<&str>) -> ApiResult<Option<Stage>> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    Stage::parse(s).map(Some).ok_or_else(|| {
        let codes: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
        ApiError::bad_request(
            "stage",
            format!("unknown stage {s:?}; expected one of: {}", codes.join(", ")),
        )
    })
}

fn check_limit(limit: Option<i64>) -> ApiResult<i64> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::bad_request(
            "limit",
            format!("expected a whole number from 1 to {MAX_LIMIT}"),
        ))
    }
}

// ---- POST /api/v1/cases ---------------------------------------------------------------------

/// Đưa vào danh sách nguồn — `{"person_id","branch_code","date","proposed_by","document"?}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    pub person_id: PersonId,
    /// The branch keeping the source list.
    pub branch_code: String,
    /// The date of the listing.
    pub date: ApiDate,
    pub proposed_by: Proposer,
    /// The branch's decision or list: `{"form"?, "number", "date"?}`.
    #[serde(default)]
    pub document: Option<DocumentRef>,
}

/// What opening a case returns (201).
#[derive(Debug, Serialize)]
pub struct OpenResponse {
    pub id: CaseId,
    pub version: i64,
    pub stage: Stage,
    pub person: PersonBrief,
    pub branch: OrgRef,
    pub opened_on: Date,
    /// Where to read the case.
    pub href: String,
}

pub async fn open(
    State(state): State<AppState>,
    p: Principal,
    actor: Actor,
    ApiJson(body): ApiJson<OpenRequest>,
) -> ApiResult<(StatusCode, HeaderMap, Json<OpenResponse>)> {
    p.check_code(&state, &body.branch_code).await?;
    let new = NewCase {
        person_id: body.person_id,
        branch_code: body.branch_code.trim().to_string(),
        date: body.date.0,
        proposed_by: body.proposed_by,
        document: body.document,
    };
    let id = state.store.case_open(&new, actor.as_str()).await?;
    let v = state.store.case_get(id, new.date, None).await?;
    let href = format!("/api/v1/cases/{id}");
    let mut headers = etag(v.case.version);
    if let Ok(l) = HeaderValue::from_str(&href) {
        headers.insert(LOCATION, l);
    }
    Ok((
        StatusCode::CREATED,
        headers,
        Json(OpenResponse {
            id,
            version: v.case.version,
            stage: v.state.stage,
            person: v.person,
            branch: v.case.branch,
            opened_on: v.case.opened_on,
            href,
        }),
    ))
}

// ---- GET /api/v1/cases ------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesQuery {
    /// The unit whose subtree to list (required).
    pub org: String,
    /// Only cases at this stage (closed ones included); every open case without it.
    pub stage: Option<String>,
    pub as_of: Option<ApiDate>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct CasesResponse {
    pub org: OrgRef,
    pub as_of: Date,
    pub stage: Option<Stage>,
    pub limit: i64,
    pub count: usize,
    pub cases: Vec<CaseSummary>,
}

pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<CasesQuery>,
) -> ApiResult<Json<CasesResponse>> {
    let on = as_of_or_today(q.as_of);
    let stage = parse_stage(q.stage.as_deref())?;
    let limit = check_limit(q.limit)?;
    let org = org_ref(p.check_code(&state, &q.org).await?);
    let cases = state.store.cases_in(&org.code, on, stage, limit).await?;
    Ok(Json(CasesResponse {
        org,
        as_of: on,
        stage,
        limit,
        count: cases.len(),
        cases,
    }))
}

// ---- GET /api/v1/cases/{id} -------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseQuery {
    pub as_of: Option<ApiDate>,
    /// Only if the case's branch is under this unit on `as_of` (404 otherwise).
    pub org: Option<String>,
}

/// `GET /api/v1/cases/{id}`: 404 outside the user's subtree; every view is audited
/// (`case.view`).
pub async fn case(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<CaseId>,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> ApiResult<(HeaderMap, Json<CaseView>)> {
    p.check_case(&state, id).await?;
    let on = as_of_or_today(q.as_of);
    let scope = match q.org.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(state.store.org_required(code).await?.id),
        None => None,
    };
    let v = state.store.case_get(id, on, scope).await?;
    state
        .store
        .audit_view(
            &p.actor(),
            "case.view",
            "pipeline_case",
            &id.to_string(),
            "{}",
        )
        .await?;
    Ok((etag(v.case.version), Json(v)))
}

// ---- POST /api/v1/cases/{id}/events -----------------------------------------------------------

/// The version in `If-Match` (`"7"`, `7` or `W/"7"`; `*` means any version).
fn if_match(headers: &HeaderMap) -> ApiResult<Option<i64>> {
    let Some(v) = headers.get(IF_MATCH) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::bad_request(
            "If-Match",
            "expected the case's version as an entity tag, e.g. If-Match: \"7\"",
        )
    };
    let s = v.to_str().map_err(|_| bad())?.trim();
    if s == "*" {
        return Ok(None);
    }
    let s = s.strip_prefix("W/").unwrap_or(s);
    let s = s
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(s);
    match s.parse::<i64>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(bad()),
    }
}

/// Takes `expected_version` out of the body (a whole number from 1, or null).
fn body_version(m: &mut Map<String, Value>) -> ApiResult<Option<i64>> {
    match m.remove("expected_version") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(v) if v >= 1 => Ok(Some(v)),
            _ => Err(ApiError::bad_request(
                "expected_version",
                "expected the case's version, a whole number from 1",
            )),
        },
        Some(_) => Err(ApiError::bad_request(
            "expected_version",
            "expected the case's version, a whole number from 1",
        )),
    }
}

/// The event date: `YYYY-MM-DD` or `dd/mm/yyyy`, rewritten as `YYYY-MM-DD`.
fn take_date(m: &mut Map<String, Value>) -> ApiResult<Date> {
    let v = m
        .get("date")
        .cloned()
        .ok_or_else(|| ApiError::bad_request("date", "missing field `date`"))?;
    let d: ApiDate = serde_json::from_value(v).map_err(|e| {
        let msg = e.to_string();
        ApiError::bad_request("date", msg)
    })?;
    m.insert(
        "date".into(),
        Value::String(d.0.format("%Y-%m-%d").to_string()),
    );
    Ok(d.0)
}

/// The step named by `kind` (code or Vietnamese label), rewritten as its code.
fn take_step(m: &mut Map<String, Value>) -> ApiResult<StepKind> {
    let codes = || {
        StepKind::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let step = match m.get("kind") {
        Some(Value::String(s)) => StepKind::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "kind",
                format!("unknown event kind {s:?}; expected one of: {}", codes()),
            )
        })?,
        Some(_) => {
            return Err(ApiError::bad_request(
                "kind",
                format!("expected a string, one of: {}", codes()),
            ));
        }
        None => {
            return Err(ApiError::bad_request(
                "kind",
                format!("missing field `kind`; one of: {}", codes()),
            ));
        }
    };
    m.insert("kind".into(), Value::String(step.as_str().into()));
    Ok(step)
}

/// Since when `person` has been an official member without a break, on `on`, from the records.
async fn official_since(store: &Store, person: PersonId, on: Date) -> ApiResult<Option<Date>> {
    Ok(store.official_since(person, on).await?)
}

/// A branch given by code (`"X02692.02"`) or id; a code is turned into the id.
async fn branch_field(store: &Store, m: &mut Map<String, Value>, field: &str) -> ApiResult<()> {
    if let Some(Value::String(code)) = m.get(field) {
        let code = code.trim().to_string();
        match store.org_by_code(&code).await? {
            Some(u) => {
                m.insert(field.into(), Value::from(u.id));
            }
            None => {
                return Err(ApiError::Refused(vec![Violation::new(
                    field,
                    "org.unit.unknown",
                    format!("no organization with code {code:?}"),
                )]));
            }
        }
    }
    Ok(())
}

/// What the API fills in that the records know: the official members of the branch for a vote
/// (computed, not typed), an introducer's `official_since`, branches given by code.
async fn fill_from_records(
    store: &Store,
    case_id: CaseId,
    step: StepKind,
    date: Date,
    m: &mut Map<String, Value>,
) -> ApiResult<()> {
    match step {
        StepKind::BranchVoted | StepKind::RecognitionVoted
            if m.get("official_members").is_none_or(Value::is_null) =>
        {
            let v = store.case_get(case_id, date, None).await?;
            let n = store
                .branch_members(v.case.branch.id, date)
                .await?
                .iter()
                .filter(|p| p.status == Some(PartyStatus::Official))
                .count();
            m.insert("official_members".into(), Value::from(n));
        }
        StepKind::Introduced => {
            if let Some(Value::Object(intro)) = m.get_mut("introducer")
                && intro.get("by").and_then(Value::as_str) == Some("member")
                && intro.get("official_since").is_none_or(Value::is_null)
                && let Some(person) = intro.get("person").and_then(Value::as_i64)
            {
                let since = official_since(store, person, date).await?.unwrap_or(date);
                intro.insert(
                    "official_since".into(),
                    Value::String(since.format("%Y-%m-%d").to_string()),
                );
            }
        }
        StepKind::TransferredOut => branch_field(store, m, "to_branch").await?,
        StepKind::TransferredIn => branch_field(store, m, "from_branch").await?,
        _ => {}
    }
    Ok(())
}

/// The first field of `input` that `understood` (the parsed value serialized back) does not
/// have: a misspelt or foreign field, reported rather than ignored.
fn unknown_field(input: &Map<String, Value>, understood: &Value, prefix: &str) -> Option<String> {
    let Value::Object(known) = understood else {
        return None;
    };
    for (k, v) in input {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match (known.get(k), v) {
            (None, _) => return Some(path),
            (Some(kv), Value::Object(inner)) => {
                if let Some(f) = unknown_field(inner, kv, &path) {
                    return Some(f);
                }
            }
            _ => {}
        }
    }
    None
}

/// Takes an optional field out of the body, naming it (and the path inside it) on error.
fn take_field<T: DeserializeOwned>(m: &mut Map<String, Value>, key: &str) -> ApiResult<Option<T>> {
    match m.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => from_value::<T>(v).map(Some).map_err(|e| match e {
            ApiError::BadRequest { field, message } => {
                let field = if field == "body" {
                    key.to_string()
                } else {
                    format!("{key}.{field}")
                };
                ApiError::BadRequest { field, message }
            }
            other => other,
        }),
    }
}

/// The kind's fields (beside `kind`). The kind is an internally tagged enum, where the
/// deserializer loses track of the path: an error at the root is traced to the field whose
/// removal makes it go away or turns it into "missing field" for that very field.
fn parse_kind(m: Map<String, Value>) -> ApiResult<EventKind> {
    match from_value::<EventKind>(Value::Object(m.clone())) {
        Err(ApiError::BadRequest { field, message }) if field == "body" => {
            for k in m.keys().filter(|k| k.as_str() != "kind") {
                let mut without = m.clone();
                without.remove(k);
                let culprit = match serde_json::from_value::<EventKind>(Value::Object(without)) {
                    Ok(_) => true,
                    Err(e) => e.to_string().starts_with(&format!("missing field `{k}`")),
                };
                if culprit {
                    return Err(ApiError::bad_request(k.clone(), message));
                }
            }
            Err(ApiError::BadRequest { field, message })
        }
        other => other,
    }
}

/// Reads an event body: `NewEvent` JSON (the kind's fields beside `kind`) and an optional
/// `expected_version`. Returns the event and the version.
pub async fn read_event(
    store: &Store,
    case_id: CaseId,
    body: Value,
) -> ApiResult<(NewEvent, Option<i64>)> {
    let Value::Object(mut m) = body else {
        return Err(ApiError::bad_request(
            "body",
            "expected a JSON object: {\"date\": \"YYYY-MM-DD\", \"kind\": \"…\", …}",
        ));
    };
    let version = body_version(&mut m)?;
    let date = take_date(&mut m)?;
    let step = take_step(&mut m)?;
    fill_from_records(store, case_id, step, date, &mut m).await?;
    let input = m.clone();
    let document = take_field::<DocumentRef>(&mut m, "document")?;
    let corrects = take_field::<EventId>(&mut m, "corrects")?;
    let reason = take_field::<String>(&mut m, "reason")?;
    m.remove("date");
    let event = NewEvent {
        date,
        kind: parse_kind(m)?,
        document,
        corrects,
        reason,
    };
    let understood = serde_json::to_value(&event).map_err(|e| {
        tracing::error!(error = %e, "an event does not serialize");
        ApiError::Internal
    })?;
    if let Some(f) = unknown_field(&input, &understood, "") {
        return Err(ApiError::bad_request(
            f.clone(),
            format!("unknown field `{f}` for an event of kind {}", step.as_str()),
        ));
    }
    Ok((event, version))
}

pub async fn record(
    State(state): State<AppState>,
    p: Principal,
    actor: Actor,
    ApiPath(id): ApiPath<CaseId>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, HeaderMap, Json<Recorded>)> {
    p.check_case(&state, id).await?;
    let header_version = if_match(&headers)?;
    let (event, body_version) = read_event(&state.store, id, body).await?;
    let expected = match (header_version, body_version) {
        (Some(h), Some(b)) if h != b => {
            return Err(ApiError::bad_request(
                "expected_version",
                format!("If-Match says version {h} but expected_version says {b}"),
            ));
        }
        (h, b) => h.or(b),
    };
    let r = state
        .store
        .case_record(id, &event, expected, actor.as_str())
        .await?;
    let mut headers = etag(r.version);
    if let Ok(l) = HeaderValue::from_str(&format!("/api/v1/cases/{id}")) {
        headers.insert(LOCATION, l);
    }
    Ok((StatusCode::CREATED, headers, Json(r)))
}

// ---- GET /api/v1/due ----------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    pub org: String,
    pub as_of: Option<ApiDate>,
    /// A case with no event for this many months is stalled (0: never; default 6).
    pub stall_months: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct DueResponse {
    pub org: OrgRef,
    pub as_of: Date,
    pub stall_months: u32,
    pub count: usize,
    /// Rows per group: `overdue`, `this_week`, `this_month`, `stalled`, `certificate`.
    pub counts: Map<String, Value>,
    /// Grouped in that order.
    pub rows: Vec<DueRow>,
}

pub async fn due(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Json<DueResponse>> {
    let on = as_of_or_today(q.as_of);
    let stall_months = q.stall_months.unwrap_or(DEFAULT_STALL_MONTHS);
    if stall_months > MAX_STALL_MONTHS {
        return Err(ApiError::bad_request(
            "stall_months",
            format!("expected a whole number of months from 0 (never) to {MAX_STALL_MONTHS}"),
        ));
    }
    let org = org_ref(p.check_code(&state, &q.org).await?);
    let rows = state.store.due_list(&org.code, on, stall_months).await?;
    let counts = DueGroup::ALL
        .iter()
        .map(|g| {
            (
                g.as_str().to_string(),
                Value::from(rows.iter().filter(|r| r.group == *g).count()),
            )
        })
        .collect();
    Ok(Json(DueResponse {
        org,
        as_of: on,
        stall_months,
        count: rows.len(),
        counts,
        rows,
    }))
}

// ---- GET /api/v1/mentors ----------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentorsQuery {
    pub org: String,
    pub as_of: Option<ApiDate>,
}

#[derive(Debug, Serialize)]
pub struct MentorsResponse {
    pub org: OrgRef,
    pub as_of: Date,
    /// One row per mentor, most loaded first.
    pub mentors: Vec<MentorLoad>,
    /// Active cases without a mentor.
    pub without_mentor: i64,
}

pub async fn mentors(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<MentorsQuery>,
) -> ApiResult<Json<MentorsResponse>> {
    let on = as_of_or_today(q.as_of);
    let org = org_ref(p.check_code(&state, &q.org).await?);
    let w = state.store.mentor_workload(&org.code, on).await?;
    Ok(Json(MentorsResponse {
        org,
        as_of: w.as_of,
        mentors: w.rows,
        without_mentor: w.without_mentor,
    }))
}

// ---- POST /api/v1/import/events -----------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check every row and write nothing (default false).
    pub dry_run: Option<bool>,
}

/// The name the import's audit row records as its source.
pub const IMPORT_SOURCE: &str = "POST /api/v1/import/events";

fn is_csv(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let essence = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            essence == "text/csv" || essence == "application/csv"
        })
}

/// A user confined to a subtree imports only rows of cases (and new cases' branches) under
/// their unit: a row outside it is a 403 naming the row, and nothing is written.
async fn check_import_rows(
    state: &AppState,
    p: &Principal,
    rows: &[ketnap_store::pipeline_api::ImportRow],
) -> ApiResult<()> {
    if p.scope().is_none() {
        return Ok(());
    }
    for r in rows {
        let inside = match (&r.case, r.branch_code.as_deref()) {
            (ketnap_store::pipeline_api::ImportCase::Recorded(id), _) => {
                p.check_case(state, *id).await.is_ok()
            }
            (_, Some(code)) => p.check_code(state, code).await.is_ok(),
            (_, None) => true,
        };
        if !inside {
            return Err(ApiError::forbidden(format!(
                "row {}: the case or branch is outside the subtree of your unit ({}); nothing was written",
                r.row,
                p.org_code()
            )));
        }
    }
    Ok(())
}

pub async fn import_events(
    State(state): State<AppState>,
    p: Principal,
    actor: Actor,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<ImportReportView>)> {
    if !is_csv(&headers) {
        return Err(ApiError::Body {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "expected a CSV body with Content-Type: text/csv".into(),
        });
    }
    let body = body.map_err(|r| ApiError::Body {
        status: r.status(),
        message: if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "the body is larger than {} bytes; split the file",
                crate::BODY_LIMIT
            )
        } else {
            "the request body could not be read".into()
        },
    })?;
    let dry_run = q.dry_run.unwrap_or(false);
    let parsed = ketnap_exchange::events::read_events(&state.store, &body).await?;
    check_import_rows(&state, &p, &parsed.rows).await?;
    let report = if parsed.errors.is_empty() {
        state
            .store
            .events_import(&parsed.rows, IMPORT_SOURCE, actor.as_str(), dry_run)
            .await?
    } else {
        ImportReport {
            rows: parsed.rows.len() + parsed.errors.len(),
            errors: parsed.errors,
            dry_run,
            ..ImportReport::default()
        }
    };
    if !report.errors.is_empty() {
        return Err(ApiError::ImportRefused(report));
    }
    let status = if report.written {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(ImportReportView::new(report, None))))
}
