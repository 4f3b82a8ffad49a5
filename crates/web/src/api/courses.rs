//! `/api/v1/courses`: awareness and new-member courses run by political centres — create, list,
//! enrol candidates, record completion and the certificate (an event of the person's case,
//! checked by the admission rules like any other).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ketnap_domain::Date;
use ketnap_domain::person::PersonId;
use ketnap_domain::pipeline::ReservedClass;
use ketnap_store::OrgRef;
use ketnap_store::pipeline_api::{Course, CourseId, CourseKind, Enrolment, NewCourse, Recorded};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::actor::Actor;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiDate, ApiJson, ApiPath, ApiQuery, today};

fn course_not_found(id: CourseId) -> ApiError {
    ApiError::NotFound {
        what: "course",
        key: id.to_string(),
    }
}

/// A course by id among those listed (there is no lookup by id in the store).
async fn find_course(state: &AppState, org: Option<&str>, id: CourseId) -> ApiResult<Course> {
    state
        .store
        .courses_list(org)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| course_not_found(id))
}

// ---- POST /api/v1/courses -------------------------------------------------------------------

/// `{"kind"?, "org_code", "name", "reserved_class"?, "starts_on", "ends_on"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseRequest {
    /// `awareness` (default) or `new_member`.
    #[serde(default)]
    pub kind: Option<CourseKind>,
    /// The committee whose political centre runs the course.
    pub org_code: String,
    pub name: String,
    /// `upper_secondary_pupils` or `private_sector_workers`.
    #[serde(default)]
    pub reserved_class: Option<ReservedClass>,
    pub starts_on: ApiDate,
    pub ends_on: ApiDate,
}

pub async fn create(
    State(state): State<AppState>,
    p: Principal,
    actor: Actor,
    ApiJson(body): ApiJson<CourseRequest>,
) -> ApiResult<(StatusCode, Json<Course>)> {
    let org_code = body.org_code.trim().to_string();
    p.check_code(&state, &org_code).await?;
    let new = NewCourse {
        kind: body.kind.unwrap_or(CourseKind::Awareness),
        org_code: org_code.clone(),
        name: body.name,
        reserved_class: body.reserved_class,
        starts_on: body.starts_on.0,
        ends_on: body.ends_on.0,
    };
    let id = state.store.course_create(&new, actor.as_str()).await?;
    let course = find_course(&state, Some(&org_code), id).await?;
    Ok((StatusCode::CREATED, Json(course)))
}

// ---- GET /api/v1/courses --------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoursesQuery {
    /// Courses of the centres of units under this one (all courses without it).
    pub org: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CoursesResponse {
    pub org: Option<OrgRef>,
    pub count: usize,
    /// Newest first.
    pub courses: Vec<Course>,
}

/// Without `org`, a user confined to a subtree gets the courses of their unit and below.
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<CoursesQuery>,
) -> ApiResult<Json<CoursesResponse>> {
    let own = p.scope().map(|_| p.org_code());
    let code = q
        .org
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .or(own.as_deref());
    let org = match code {
        Some(code) => {
            let u = p.check_code(&state, code).await?;
            Some(OrgRef {
                id: u.id,
                code: u.code,
                name: u.name,
            })
        }
        None => None,
    };
    let courses = state
        .store
        .courses_list(org.as_ref().map(|o| o.code.as_str()))
        .await?;
    Ok(Json(CoursesResponse {
        org,
        count: courses.len(),
        courses,
    }))
}

// ---- /api/v1/courses/{id}/enrolments ----------------------------------------------------------

/// `{"person_id", "date"?}` (the enrolment date, today by default).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub person_id: PersonId,
    pub date: Option<ApiDate>,
}

pub async fn enrol(
    State(state): State<AppState>,
    p: Principal,
    actor: Actor,
    ApiPath(id): ApiPath<CourseId>,
    ApiJson(body): ApiJson<EnrolRequest>,
) -> ApiResult<(StatusCode, Json<Enrolment>)> {
    p.check_course(&state, id).await?;
    p.check_person(&state, body.person_id).await?;
    let date = body.date.map_or_else(today, |d| d.0);
    state
        .store
        .course_enrol(id, body.person_id, date, actor.as_str())
        .await?;
    let e = state
        .store
        .course_enrolments(id)
        .await?
        .into_iter()
        .find(|e| e.person.id == body.person_id)
        .ok_or_else(|| {
            tracing::error!("an enrolment just written cannot be read back");
            ApiError::Internal
        })?;
    Ok((StatusCode::CREATED, Json(e)))
}

#[derive(Debug, Serialize)]
pub struct EnrolmentsResponse {
    pub course_id: CourseId,
    pub count: usize,
    pub enrolments: Vec<Enrolment>,
}

pub async fn enrolments(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<CourseId>,
) -> ApiResult<Json<EnrolmentsResponse>> {
    p.check_course(&state, id).await?;
    let enrolments = state.store.course_enrolments(id).await?;
    if enrolments.is_empty() {
        // An empty course, or none at all: tell them apart.
        find_course(&state, None, id).await?;
    }
    Ok(Json(EnrolmentsResponse {
        course_id: id,
        count: enrolments.len(),
        enrolments,
    }))
}

// ---- POST /api/v1/courses/{id}/completions ----------------------------------------------------

/// `{"person_id", "certificate_no", "issued"}`: the certificate (its validity counts from
/// `issued`, which is also the date of the event recorded in the person's case).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompletionRequest {
    pub person_id: PersonId,
    pub certificate_no: String,
    pub issued: ApiDate,
}

pub async fn complete(
    State(state): State<AppState>,
    p: Principal,
    actor: Actor,
    ApiPath(id): ApiPath<CourseId>,
    ApiJson(body): ApiJson<CompletionRequest>,
) -> ApiResult<(StatusCode, Json<Recorded>)> {
    p.check_course(&state, id).await?;
    p.check_person(&state, body.person_id).await?;
    let number = body.certificate_no.trim();
    if number.is_empty() {
        return Err(ApiError::bad_request(
            "certificate_no",
            "the certificate's number is required",
        ));
    }
    let issued: Date = body.issued.0;
    let r = state
        .store
        .course_complete(id, body.person_id, number, issued, actor.as_str())
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}
