//! `/api/v1/people`: search by name (diacritics ignored) or CCCD, and one person with their
//! status history. Sensitive fields pass through [`crate::mask`]; the query string (which may
//! hold a CCCD) is never logged.

use axum::Json;
use axum::extract::State;
use ketnap_domain::Date;
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, PersonId, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_store::{OrgRef, PersonHit, PersonQuery, StatusView};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiDate, ApiPath, ApiQuery, as_of_or_today};
use crate::mask::Disclosure;

/// Results per search unless `limit` says otherwise.
pub const DEFAULT_LIMIT: i64 = 50;
/// The most results one search returns.
pub const MAX_LIMIT: i64 = 500;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeopleQuery {
    /// A name or part of one (diacritics ignored), or a 12-digit CCCD.
    pub q: Option<String>,
    /// Only people whose branch on `as_of` is under this unit.
    pub org: Option<String>,
    pub as_of: Option<ApiDate>,
    pub limit: Option<i64>,
}

/// A person found, as shown.
#[derive(Debug, Serialize)]
pub struct PersonHitView {
    pub id: PersonId,
    pub full_name: String,
    pub sex: Sex,
    pub birth_year: i32,
    /// Status on the date asked.
    pub status: Option<PartyStatus>,
    pub branch: Option<OrgRef>,
}

impl PersonHitView {
    fn new(h: PersonHit, d: Disclosure) -> Self {
        Self {
            id: h.id,
            birth_year: d.birth_year(&h.birth_date),
            full_name: h.full_name,
            sex: h.sex,
            status: h.status,
            branch: h.branch,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PeopleResponse {
    pub as_of: Date,
    pub org: Option<OrgRef>,
    pub limit: i64,
    pub count: usize,
    pub people: Vec<PersonHitView>,
}

/// `GET /api/v1/people?q=…&org=CODE&as_of=&limit=`. A user confined to a subtree searches
/// inside it: `org` must be in it, and without `org` the search is limited to their unit.
pub async fn search(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> ApiResult<Json<PeopleResponse>> {
    let on = as_of_or_today(q.as_of);
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            "limit",
            format!("expected a whole number from 1 to {MAX_LIMIT}"),
        ));
    }
    let text =
        q.q.as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .to_string();
    let org_code = q.org.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if text.is_empty() && org_code.is_none() {
        return Err(ApiError::bad_request(
            "q",
            "give a name or a 12-digit CCCD to search for, or an org to list",
        ));
    }
    let org = match org_code {
        Some(code) => {
            let u = super::org::unit_on(&state.store, code, on).await?;
            p.check_org(&state, u.id, &u.code).await?;
            Some(u)
        }
        None => None,
    };
    let hits = state
        .store
        .person_search(&PersonQuery {
            text,
            scope: org.as_ref().map(|u| u.id).or(p.scope()),
            as_of: on,
            limit,
        })
        .await?;
    let d = p.disclosure();
    let people: Vec<PersonHitView> = hits.into_iter().map(|h| PersonHitView::new(h, d)).collect();
    Ok(Json(PeopleResponse {
        as_of: on,
        org: org.map(|u| OrgRef {
            id: u.id,
            code: u.code,
            name: u.name,
        }),
        limit,
        count: people.len(),
        people,
    }))
}

/// One person as shown, with the party status history.
#[derive(Debug, Serialize)]
pub struct PersonView {
    pub id: PersonId,
    pub full_name: String,
    pub sex: Sex,
    pub birth_year: i32,
    /// In full for the dossier's keepers, else masked (`*********345`); `null` when unknown.
    pub cccd: Option<String>,
    /// Only for the dossier's keepers (branch secretary, committee staff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ethnic_group: Option<EthnicGroup>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub religion: Option<Religion>,
    pub education: GeneralEducation,
    pub qualification: ProfessionalQualification,
    pub political_theory: PoliticalTheory,
    pub occupation: Occupation,
    pub youth_union: bool,
    pub residence_locality: Option<i64>,
    /// Oldest first.
    pub statuses: Vec<StatusView>,
    /// Fields not shown at this disclosure level.
    pub withheld: &'static [&'static str],
}

/// `GET /api/v1/people/{id}`: 404 outside the user's subtree; every view is audited
/// (`person.view`).
pub async fn person(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<PersonId>,
) -> ApiResult<Json<PersonView>> {
    p.check_person(&state, id).await?;
    let r = state
        .store
        .person_by_id(id)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            what: "person",
            key: id.to_string(),
        })?;
    let d = p.disclosure();
    state
        .store
        .audit_view(&p.actor(), "person.view", "person", &id.to_string(), "{}")
        .await?;
    let full = d == Disclosure::Full;
    let p = r.person;
    Ok(Json(PersonView {
        id: p.id,
        birth_year: d.birth_year(&p.birth_date),
        birth_date: d.birth_date(&p.birth_date),
        ethnic_group: full.then(|| *p.ethnic_group.expose()),
        religion: full.then(|| *p.religion.expose()),
        cccd: p.cccd.as_ref().map(|c| d.cccd(c)),
        full_name: p.full_name,
        sex: p.sex,
        education: p.education,
        qualification: p.qualification,
        political_theory: p.political_theory,
        occupation: p.occupation,
        youth_union: p.youth_union,
        residence_locality: p.residence_locality,
        statuses: r.statuses,
        withheld: d.withheld(),
    }))
}
