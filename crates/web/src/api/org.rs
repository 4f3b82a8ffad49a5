//! `/api/v1/org/…`: the organization tree as of a date, one unit, its history, its children,
//! and structure operations (with unit codes instead of ids).

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ketnap_domain::org::{NewUnit, Operation, OrgId, OrgKind, Sector, SplitPart, Target};
use ketnap_domain::{Date, Violation};
use ketnap_store::{OrgHistory, OrgRecord, OrgRef, Store, TreeNode};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::actor::Actor;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiDate, ApiJson, ApiPath, ApiQuery, as_of_or_today, from_value};

/// The most units one tree response carries; a larger tree is cut (`truncated: true`), so ask
/// for a smaller `depth` or a lower `root`.
pub const MAX_TREE_UNITS: usize = 20_000;

/// Levels shown below the national roots when no `root` is given.
pub const DEFAULT_DEPTH: i32 = 2;

fn vi_date(d: Date) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A unit by code, or 404.
async fn unit_by_code(store: &Store, code: &str) -> ApiResult<OrgRecord> {
    store
        .org_by_code(code)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            what: "organization",
            key: code.to_string(),
        })
}

/// A unit by code that exists on `on`, or 404 saying when it existed.
pub(crate) async fn unit_on(store: &Store, code: &str, on: Date) -> ApiResult<OrgRecord> {
    let u = unit_by_code(store, code).await?;
    if u.period.contains(on) {
        Ok(u)
    } else {
        Err(ApiError::NotOnDate {
            message: format!(
                "organization {} did not exist on {} (it existed {}); ask for another as_of",
                u.code,
                vi_date(on),
                u.period
            ),
        })
    }
}

// ---- GET /api/v1/org/tree -----------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeQuery {
    /// Code of the unit to start from; the national roots when absent.
    pub root: Option<String>,
    pub as_of: Option<ApiDate>,
    /// Levels below the root: 2 by default without `root`, all with it.
    pub depth: Option<i32>,
}

/// The tree as a flat list ordered by depth then code; `parent_id` links the units.
#[derive(Debug, Serialize)]
pub struct TreeResponse {
    pub as_of: Date,
    pub root: Option<String>,
    /// The depth asked for; `null` for the whole subtree.
    pub depth: Option<i32>,
    pub count: usize,
    pub truncated: bool,
    pub units: Vec<TreeNode>,
}

/// Without `root`, a user confined to a subtree gets their own unit as the root.
pub async fn tree(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<TreeQuery>,
) -> ApiResult<Json<TreeResponse>> {
    let on = as_of_or_today(q.as_of);
    if let Some(d) = q.depth
        && d < 0
    {
        return Err(ApiError::bad_request(
            "depth",
            format!("expected a whole number of levels, 0 or more; got {d}"),
        ));
    }
    let store = &state.store;
    let own = p.scope().map(|_| p.org_code());
    let root = q
        .root
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .or(own.as_deref());
    let (roots, depth) = match root {
        Some(code) => {
            let u = unit_on(store, code, on).await?;
            p.check_org(&state, u.id, &u.code).await?;
            let depth = if q.root.is_some() {
                q.depth
            } else {
                Some(q.depth.unwrap_or(DEFAULT_DEPTH))
            };
            (vec![u.id], depth)
        }
        None => (
            store.org_roots(on).await?,
            Some(q.depth.unwrap_or(DEFAULT_DEPTH)),
        ),
    };
    let mut units = vec![];
    let mut truncated = false;
    for r in roots {
        units.extend(store.org_subtree(r, on, depth.unwrap_or(i32::MAX)).await?);
        if units.len() > MAX_TREE_UNITS {
            units.truncate(MAX_TREE_UNITS);
            truncated = true;
            break;
        }
    }
    Ok(Json(TreeResponse {
        as_of: on,
        root: root.map(str::to_ascii_uppercase),
        depth,
        count: units.len(),
        truncated,
        units,
    }))
}

// ---- GET /api/v1/org/{code} and /history --------------------------------------------------

pub async fn unit(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<OrgRecord>> {
    let u = unit_by_code(&state.store, &code).await?;
    p.check_org(&state, u.id, &u.code).await?;
    Ok(Json(u))
}

pub async fn history(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<OrgHistory>> {
    let u = unit_by_code(&state.store, &code).await?;
    p.check_org(&state, u.id, &u.code).await?;
    let h = state
        .store
        .org_history(u.id)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            what: "organization",
            key: code.clone(),
        })?;
    Ok(Json(h))
}

// ---- GET /api/v1/org/{code}/children ------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildrenQuery {
    pub as_of: Option<ApiDate>,
}

#[derive(Debug, Serialize)]
pub struct ChildrenResponse {
    pub as_of: Date,
    pub unit: OrgRef,
    pub children: Vec<TreeNode>,
}

pub async fn children(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<ChildrenQuery>,
) -> ApiResult<Json<ChildrenResponse>> {
    let on = as_of_or_today(q.as_of);
    let u = unit_on(&state.store, &code, on).await?;
    p.check_org(&state, u.id, &u.code).await?;
    let nodes = state.store.org_subtree(u.id, on, 1).await?;
    let name = nodes
        .iter()
        .find(|n| n.depth == 0)
        .map_or_else(|| u.name.clone(), |n| n.name.clone());
    Ok(Json(ChildrenResponse {
        as_of: on,
        unit: OrgRef {
            id: u.id,
            code: u.code,
            name,
        },
        children: nodes.into_iter().filter(|n| n.depth == 1).collect(),
    }))
}

// ---- POST /api/v1/org/operations ----------------------------------------------------------

/// Thành lập — `{"op":"create","code","name","kind","sector","parent_code","date"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub sector: Sector,
    /// The superior organization; absent only for the central root.
    pub parent_code: Option<String>,
    pub date: ApiDate,
}

/// Đổi tên — `{"op":"rename","code","name","date"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameRequest {
    pub code: String,
    pub name: String,
    pub date: ApiDate,
}

/// Điều chuyển — `{"op":"move","code","new_parent_code","date"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    pub code: String,
    pub new_parent_code: String,
    pub date: ApiDate,
}

/// A unit created by a merge or a split. Kind, sector and superior default to those of the
/// (first) source, the superior as it was the day before the operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUnitRequest {
    pub code: String,
    pub name: String,
    pub kind: Option<OrgKind>,
    pub sector: Option<Sector>,
    pub parent_code: Option<String>,
}

/// Sáp nhập — `{"op":"merge","sources":[codes],"into_code"|"new":{…},"date"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    pub sources: Vec<String>,
    pub into_code: Option<String>,
    pub new: Option<NewUnitRequest>,
    pub date: ApiDate,
}

/// One part of a split: a new unit (`code`, `name`, optional `kind`/`sector`/`parent_code`)
/// or an existing one (`into_code`), the source's children that go to it, and whether it
/// inherits the source's history.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitPartRequest {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<OrgKind>,
    pub sector: Option<Sector>,
    pub parent_code: Option<String>,
    pub into_code: Option<String>,
    #[serde(default)]
    pub children: Vec<String>,
    #[serde(default)]
    pub primary: bool,
}

/// Chia tách — `{"op":"split","source_code","parts":[…],"source_continues","date"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    pub source_code: String,
    pub parts: Vec<SplitPartRequest>,
    #[serde(default)]
    pub source_continues: bool,
    pub date: ApiDate,
}

/// Giải thể — `{"op":"dissolve","code","date"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DissolveRequest {
    pub code: String,
    pub date: ApiDate,
}

/// A structure operation as the API takes it: units named by code.
#[derive(Debug)]
pub enum OperationRequest {
    Create(CreateRequest),
    Rename(RenameRequest),
    Move(MoveRequest),
    Merge(MergeRequest),
    Split(SplitRequest),
    Dissolve(DissolveRequest),
}

const OPS: &str = "create, rename, move, merge, split, dissolve";

impl OperationRequest {
    /// Reads `{"op": "...", …}`; errors name the field (`parts[1].children`, `kind`, …).
    pub fn from_json(v: serde_json::Value) -> ApiResult<Self> {
        let serde_json::Value::Object(mut map) = v else {
            return Err(ApiError::bad_request(
                "body",
                format!("expected a JSON object with \"op\" one of: {OPS}"),
            ));
        };
        let op = match map.remove("op") {
            Some(serde_json::Value::String(s)) => s,
            Some(_) | None => {
                return Err(ApiError::bad_request(
                    "op",
                    format!("expected a string, one of: {OPS}"),
                ));
            }
        };
        let v = serde_json::Value::Object(map);
        Ok(match op.as_str() {
            "create" => OperationRequest::Create(from_value(v)?),
            "rename" => OperationRequest::Rename(from_value(v)?),
            "move" => OperationRequest::Move(from_value(v)?),
            "merge" => OperationRequest::Merge(from_value(v)?),
            "split" => OperationRequest::Split(from_value(v)?),
            "dissolve" => OperationRequest::Dissolve(from_value(v)?),
            other => {
                return Err(ApiError::bad_request(
                    "op",
                    format!("unknown operation {other:?}; expected one of: {OPS}"),
                ));
            }
        })
    }
}

/// Resolves codes to units, collecting a violation per unknown code so that one response
/// names every problem.
struct Resolver<'a> {
    store: &'a Store,
    cache: HashMap<String, OrgRecord>,
    errors: Vec<Violation>,
}

impl<'a> Resolver<'a> {
    fn new(store: &'a Store) -> Self {
        Self {
            store,
            cache: HashMap::new(),
            errors: vec![],
        }
    }

    async fn unit(&mut self, code: &str, field: &str) -> ApiResult<Option<OrgRecord>> {
        let key = code.trim().to_ascii_uppercase();
        if let Some(u) = self.cache.get(&key) {
            return Ok(Some(u.clone()));
        }
        match self.store.org_by_code(code).await? {
            Some(u) => {
                self.cache.insert(key, u.clone());
                Ok(Some(u))
            }
            None => {
                self.errors.push(Violation::new(
                    field,
                    "org.unit.unknown",
                    format!("no organization with code {:?}", code.trim()),
                ));
                Ok(None)
            }
        }
    }

    async fn id(&mut self, code: &str, field: &str) -> ApiResult<Option<OrgId>> {
        Ok(self.unit(code, field).await?.map(|u| u.id))
    }

    async fn opt_id(&mut self, code: Option<&str>, field: &str) -> ApiResult<Option<OrgId>> {
        match code {
            Some(c) => self.id(c, field).await,
            None => Ok(None),
        }
    }

    fn refuse(&mut self, field: &str, rule: &'static str, message: impl Into<String>) {
        self.errors.push(Violation::new(field, rule, message));
    }

    /// The superior of `id` the day before `date` (where units created by an operation go by
    /// default).
    async fn parent_before(&self, id: OrgId, date: Date) -> ApiResult<Option<OrgId>> {
        let day_before = date.pred_opt().unwrap_or(date);
        let node = self.store.org_subtree(id, day_before, 0).await?;
        Ok(node.first().and_then(|n| n.parent_id))
    }

    /// Codes resolved, or a 422 naming every unknown code.
    fn finish<T>(self, v: Option<T>) -> ApiResult<T> {
        match v {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(ApiError::Refused(self.errors)),
        }
    }
}

/// Turns a request with codes into the domain operation with ids.
pub async fn to_operation(store: &Store, req: OperationRequest) -> ApiResult<Operation> {
    let mut r = Resolver::new(store);
    let op = match req {
        OperationRequest::Create(c) => {
            let parent = r.opt_id(c.parent_code.as_deref(), "parent_code").await?;
            let missing_parent = c.parent_code.is_some() && parent.is_none();
            (!missing_parent).then_some(Operation::Create {
                unit: NewUnit {
                    code: c.code,
                    name: c.name,
                    kind: c.kind,
                    sector: c.sector,
                    parent,
                },
                date: c.date.0,
            })
        }
        OperationRequest::Rename(c) => r.id(&c.code, "code").await?.map(|unit| Operation::Rename {
            unit,
            name: c.name,
            date: c.date.0,
        }),
        OperationRequest::Move(c) => {
            let unit = r.id(&c.code, "code").await?;
            let new_parent = r.id(&c.new_parent_code, "new_parent_code").await?;
            unit.zip(new_parent)
                .map(|(unit, new_parent)| Operation::Move {
                    unit,
                    new_parent,
                    date: c.date.0,
                })
        }
        OperationRequest::Merge(c) => merge(&mut r, c).await?,
        OperationRequest::Split(c) => split(&mut r, c).await?,
        OperationRequest::Dissolve(c) => {
            r.id(&c.code, "code")
                .await?
                .map(|unit| Operation::Dissolve {
                    unit,
                    date: c.date.0,
                })
        }
    };
    r.finish(op)
}

async fn merge(r: &mut Resolver<'_>, c: MergeRequest) -> ApiResult<Option<Operation>> {
    let date = c.date.0;
    let mut sources = vec![];
    let mut first: Option<OrgRecord> = None;
    for (i, code) in c.sources.iter().enumerate() {
        if let Some(u) = r.unit(code, &format!("sources[{i}]")).await? {
            sources.push(u.id);
            first.get_or_insert(u);
        }
    }
    let into = match (c.into_code, c.new) {
        (Some(code), None) => r.id(&code, "into_code").await?.map(Target::Existing),
        (None, Some(n)) => {
            let parent = match n.parent_code.as_deref() {
                Some(p) => r.id(p, "new.parent_code").await?,
                None => match &first {
                    Some(f) => r.parent_before(f.id, date).await?,
                    None => None,
                },
            };
            let kind = n.kind.or(first.as_ref().map(|f| f.kind));
            let sector = n.sector.or(first.as_ref().map(|f| f.sector));
            match (kind, sector) {
                (Some(kind), Some(sector)) => Some(Target::New(NewUnit {
                    code: n.code,
                    name: n.name,
                    kind,
                    sector,
                    parent,
                })),
                _ => {
                    r.refuse(
                        "new.kind",
                        "org.merge.new_kind",
                        "give the new unit's kind and sector (no source to take them from)",
                    );
                    None
                }
            }
        }
        _ => {
            r.refuse(
                "into_code",
                "org.merge.target",
                "say where the units go: either \"into_code\" (an existing unit) or \"new\" (a unit to create), not both",
            );
            None
        }
    };
    Ok(into.map(|into| Operation::Merge {
        sources,
        into,
        date,
    }))
}

async fn split(r: &mut Resolver<'_>, c: SplitRequest) -> ApiResult<Option<Operation>> {
    let date = c.date.0;
    let Some(src) = r.unit(&c.source_code, "source_code").await? else {
        return Ok(None);
    };
    let default_parent = r.parent_before(src.id, date).await?;
    let mut parts = vec![];
    for (i, p) in c.parts.into_iter().enumerate() {
        let field = format!("parts[{i}]");
        let mut children = vec![];
        for (j, code) in p.children.iter().enumerate() {
            if let Some(id) = r.id(code, &format!("{field}.children[{j}]")).await? {
                children.push(id);
            }
        }
        let target = match (p.into_code, p.code, p.name) {
            (Some(code), None, None) => r
                .id(&code, &format!("{field}.into_code"))
                .await?
                .map(Target::Existing),
            (None, Some(code), Some(name)) => {
                let parent = match p.parent_code.as_deref() {
                    Some(pc) => r.id(pc, &format!("{field}.parent_code")).await?,
                    None => default_parent,
                };
                Some(Target::New(NewUnit {
                    code,
                    name,
                    kind: p.kind.unwrap_or(src.kind),
                    sector: p.sector.unwrap_or(src.sector),
                    parent,
                }))
            }
            _ => {
                r.refuse(
                    &field,
                    "org.split.part",
                    "a part is either a new unit (\"code\" and \"name\") or an existing one (\"into_code\")",
                );
                None
            }
        };
        if let Some(target) = target {
            parts.push(SplitPart {
                target,
                children,
                primary: p.primary,
            });
        }
    }
    Ok(Some(Operation::Split {
        source: src.id,
        parts,
        source_continues: c.source_continues,
        date,
    }))
}

/// What a successful operation returns (201).
#[derive(Debug, Serialize)]
pub struct OperationResponse {
    pub op: &'static str,
    pub date: Date,
    /// The units the operation created (new units of a create, merge or split).
    pub created: Vec<OrgRecord>,
}

/// The units an operation changes (must be strictly under the user's unit) and the superiors
/// it puts units under (may be the user's unit itself); `None` for a new root.
fn units_touched(op: &Operation) -> (Vec<OrgId>, Vec<Option<OrgId>>) {
    let target_parent = |t: &Target| match t {
        Target::New(n) => (None, Some(n.parent)),
        Target::Existing(id) => (Some(*id), None),
    };
    match op {
        Operation::Create { unit, .. } => (vec![], vec![unit.parent]),
        Operation::Rename { unit, .. } | Operation::Dissolve { unit, .. } => (vec![*unit], vec![]),
        Operation::Move {
            unit, new_parent, ..
        } => (vec![*unit], vec![Some(*new_parent)]),
        Operation::Merge { sources, into, .. } => {
            let (changed, parent) = target_parent(into);
            let mut c = sources.clone();
            c.extend(changed);
            (c, parent.into_iter().collect())
        }
        Operation::Split { source, parts, .. } => {
            let mut changed = vec![*source];
            let mut parents = vec![];
            for part in parts {
                changed.extend(part.children.iter().copied());
                let (c, parent) = target_parent(&part.target);
                changed.extend(c);
                parents.extend(parent);
            }
            (changed, parents)
        }
    }
}

/// A user confined to a subtree changes only units strictly under their own, and puts units
/// only under their own unit or below it (403 otherwise).
pub async fn check_operation(state: &AppState, p: &Principal, op: &Operation) -> ApiResult<()> {
    let Some(scope) = p.scope() else {
        return Ok(());
    };
    let (changed, parents) = units_touched(op);
    for id in changed {
        if id == scope {
            return Err(ApiError::forbidden(format!(
                "your own unit ({}) is changed by its superior, not from inside",
                p.org_code()
            )));
        }
        p.check_org(state, id, &format!("#{id}")).await?;
    }
    for parent in parents {
        match parent {
            Some(id) => p.check_org(state, id, &format!("#{id}")).await?,
            None => {
                return Err(ApiError::forbidden(
                    "only an administrator creates a unit without a superior",
                ));
            }
        }
    }
    Ok(())
}

pub async fn operation(
    State(state): State<AppState>,
    p: Principal,
    actor: Actor,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<(StatusCode, Json<OperationResponse>)> {
    let req = OperationRequest::from_json(body)?;
    let op = to_operation(&state.store, req).await?;
    check_operation(&state, &p, &op).await?;
    let ids = state.store.org_apply(&op, actor.as_str()).await?;
    let mut created = vec![];
    for id in ids {
        if let Some(u) = state.store.org_by_id(id).await? {
            created.push(u);
        }
    }
    Ok((
        StatusCode::CREATED,
        Json(OperationResponse {
            op: op.name(),
            date: op.date(),
            created,
        }),
    ))
}
