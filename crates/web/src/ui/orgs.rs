//! Tổ chức — the tree as of a date, one unit's page (units below, members, localities,
//! coverage, lineage of mergers and splits) and, for committee staff, the structure forms:
//! create a unit below (thành lập), rename (đổi tên), move (điều chuyển), merge (hợp nhất,
//! sáp nhập), split (chia tách), dissolve (giải thể). Each form becomes the JSON body of
//! `POST /api/v1/org/operations` and goes the API's way — [`OperationRequest::from_json`],
//! [`to_operation`], [`check_operation`], then `Store::org_apply` (one transaction, as
//! `ketnap org …` does): a refusal is shown on the form that was sent, with each field and rule,
//! and nothing is written.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use ketnap_domain::access::Permission;
use ketnap_domain::org::{OrgKind, Sector};
use ketnap_domain::reports::{ReportPeriod, Structure, Table};
use ketnap_store::OrgRecord;
use ketnap_store::reports_api::ReportRequest;
use serde::Deserialize;
use serde_json::{Value, json};

use super::candidates::Opt;
use super::{Ctx, PForm, PQuery, PageError, PageResult, fmt_date, parse_date, redirect, render};
use crate::AppState;
use crate::api::org::{OperationRequest, check_operation, to_operation};
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
pub struct TreeQuery {
    pub root: Option<String>,
    pub as_of: Option<String>,
    pub depth: Option<i32>,
}

pub struct Node {
    pub code: String,
    pub name: String,
    pub kind: String,
    /// Indentation level (0 for the root).
    pub depth: i32,
}

#[derive(Template)]
#[template(path = "ui/orgs.html")]
pub struct TreePage {
    pub ctx: Ctx,
    pub title: String,
    pub root: String,
    pub as_of: String,
    pub depth: i32,
    pub nodes: Vec<Node>,
}

impl TreePage {
    pub fn indent(&self, depth: &i32) -> String {
        format!("padding-left:{}rem", f64::from(*depth) * 1.1)
    }
}

/// `GET /orgs?root=&as_of=&depth=`: the tree under a unit of the user's subtree, in
/// depth-first order.
pub async fn tree(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<TreeQuery>,
) -> PageResult<Response> {
    let unit = ctx.unit(&state, q.root.as_deref()).await?;
    let on = q.as_of.as_deref().and_then(parse_date).unwrap_or(ctx.today);
    let depth = q.depth.unwrap_or(2).clamp(1, 4);
    let flat = state.store.org_subtree(unit.id, on, depth).await?;
    // Depth-first order: children after their parent.
    let mut nodes = vec![];
    let mut stack: Vec<&ketnap_store::TreeNode> = flat.iter().filter(|n| n.depth == 0).collect();
    while let Some(n) = stack.pop() {
        nodes.push(Node {
            code: n.code.clone(),
            name: n.name.clone(),
            kind: ctx.lang.pick(n.kind.label_vi(), n.kind.label_en()).into(),
            depth: n.depth,
        });
        let mut kids: Vec<&ketnap_store::TreeNode> = flat
            .iter()
            .filter(|c| c.parent_id == Some(n.id) && c.depth == n.depth + 1)
            .collect();
        kids.sort_by(|a, b| b.code.cmp(&a.code));
        stack.extend(kids);
    }
    let page = TreePage {
        title: ctx.t("org.title").into(),
        root: unit.code,
        as_of: fmt_date(on),
        depth,
        nodes,
        ctx,
    };
    render(&page)
}

pub struct Edge {
    pub code: String,
    pub name: String,
    pub date: String,
    pub kind: &'static str,
}

#[derive(Template)]
#[template(path = "ui/unit.html")]
pub struct UnitPage {
    pub ctx: Ctx,
    pub title: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub period: String,
    pub children: Vec<Node>,
    pub localities: Vec<(String, String, String)>,
    pub members: Option<Table>,
    pub coverage: Vec<String>,
    pub names: Vec<(String, String)>,
    pub parents: Vec<(String, String, String)>,
    pub predecessors: Vec<Edge>,
    pub successors: Vec<Edge>,
    pub can_change: bool,
    /// The structure form that was refused (`create`, `rename`, `move`, `merge`, `split`,
    /// `dissolve`), empty when none.
    pub error_op: String,
    /// Each problem: field, rule and message.
    pub errors: Vec<String>,
    /// The values typed in the refused form (shown again).
    pub form: Vec<(String, String)>,
    /// The operation just done (`?ok=`).
    pub done: bool,
    pub kinds: Vec<Opt>,
    pub sectors: Vec<Opt>,
    pub today: String,
}

impl UnitPage {
    /// A value typed in the refused form `op` (empty for the other forms).
    pub fn v(&self, op: &str, name: &str) -> &str {
        if self.error_op != op {
            return "";
        }
        super::typed(&self.form, name)
    }

    /// A value typed in part `i` of the refused split form.
    pub fn part(&self, i: &str, field: &str) -> &str {
        self.v("split", &format!("part{i}_{field}"))
    }

    /// Whether `op` is the refused form.
    pub fn failed(&self, op: &str) -> bool {
        self.error_op == op
    }
}

/// A refused structure form: which one, its problems, what was typed.
#[derive(Default)]
pub struct Refused {
    pub op: &'static str,
    pub errors: Vec<String>,
    pub form: Vec<(String, String)>,
}

/// The Vietnamese name of a sector (lĩnh vực, loại hình).
pub fn sector_label(s: Sector) -> &'static str {
    match s {
        Sector::Nation => "Toàn quốc",
        Sector::Province => "Tỉnh, thành phố",
        Sector::District => "Huyện, quận, thị xã (đến 30/6/2025)",
        Sector::Commune => "Xã",
        Sector::Ward => "Phường",
        Sector::Township => "Thị trấn (đến 30/6/2025)",
        Sector::SpecialZone => "Đặc khu",
        Sector::Village => "Thôn, bản, ấp, buôn",
        Sector::ResidentialGroup => "Tổ dân phố, khu phố",
        Sector::Agency => "Cơ quan",
        Sector::StateEnterprise => "Doanh nghiệp nhà nước",
        Sector::PrivateEnterprise => "Doanh nghiệp ngoài nhà nước",
        Sector::Cooperative => "Hợp tác xã",
        Sector::School => "Trường học",
        Sector::Health => "Y tế",
        Sector::PublicService => "Đơn vị sự nghiệp",
        Sector::Military => "Quân đội",
        Sector::BorderGuard => "Biên phòng",
        Sector::Police => "Công an",
        Sector::Other => "Khác",
    }
}

fn period_text(p: &ketnap_domain::Period) -> String {
    let to = p.to.map_or_else(|| "…".to_string(), fmt_date);
    format!("{} – {}", fmt_date(p.from), to)
}

async fn unit_page(
    state: &AppState,
    ctx: Ctx,
    code: &str,
    refused: Refused,
    done: bool,
) -> PageResult<UnitPage> {
    let u = ctx.p.check_code(state, code).await?;
    let on = ctx.today;
    let kids = state.store.org_subtree(u.id, on, 1).await?;
    let history = state.store.org_history(u.id).await?;
    let localities = state.store.localities_in(u.id, on).await?;
    let req = ReportRequest {
        org_code: u.code.clone(),
        period: ReportPeriod::parse(&chrono::Datelike::year(&on).to_string())
            .map_err(|v| PageError::Api(ApiError::bad_request("period", v.message)))?,
        as_of: Some(on),
        structure: Structure::AsWas,
        today: on,
    };
    let members = state
        .store
        .report_membership(&req)
        .await
        .ok()
        .map(|r| r.table());
    let coverage = match state.store.report_coverage(&req).await {
        Ok(r) => {
            let mut v: Vec<String> = r.rows.iter().map(|x| x.sentence_vi.clone()).collect();
            v.push(r.combined_branches.sentence_vi.clone());
            v
        }
        Err(_) => vec![],
    };
    let lang = ctx.lang;
    let edge = |e: &ketnap_store::LineageEdge| Edge {
        code: e.unit.code.clone(),
        name: e.unit.name.clone(),
        date: fmt_date(e.date),
        kind: match e.kind {
            ketnap_domain::org::LineageKind::Merge => lang.pick("hợp nhất / sáp nhập", "merger"),
            ketnap_domain::org::LineageKind::Split => lang.pick("chia tách", "split"),
        },
    };
    Ok(UnitPage {
        title: u.name.clone(),
        code: u.code.clone(),
        name: u.name.clone(),
        kind: ctx.lang.pick(u.kind.label_vi(), u.kind.label_en()).into(),
        period: period_text(&u.period),
        children: kids
            .iter()
            .filter(|n| n.depth == 1)
            .map(|n| Node {
                code: n.code.clone(),
                name: n.name.clone(),
                kind: ctx.lang.pick(n.kind.label_vi(), n.kind.label_en()).into(),
                depth: 1,
            })
            .collect(),
        localities: localities
            .iter()
            .map(|l| {
                (
                    l.name.clone(),
                    l.code.clone(),
                    l.branch
                        .as_ref()
                        .map(|b| b.name.clone())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        members,
        coverage,
        names: history
            .as_ref()
            .map(|h| {
                h.names
                    .iter()
                    .map(|n| (n.name.clone(), period_text(&n.period)))
                    .collect()
            })
            .unwrap_or_default(),
        parents: history
            .as_ref()
            .map(|h| {
                h.parents
                    .iter()
                    .map(|p| {
                        (
                            p.parent.code.clone(),
                            p.parent.name.clone(),
                            period_text(&p.period),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        predecessors: history
            .as_ref()
            .map(|h| h.predecessors.iter().map(edge).collect())
            .unwrap_or_default(),
        successors: history
            .as_ref()
            .map(|h| h.successors.iter().map(edge).collect())
            .unwrap_or_default(),
        can_change: ctx.p.allows(Permission::ChangeStructure),
        kinds: OrgKind::ALL
            .iter()
            .filter(|k| k.allowed_parents().contains(&u.kind))
            .map(|k| Opt {
                value: k.as_str().into(),
                label: ctx.lang.pick(k.label_vi(), k.label_en()).into(),
                selected: *k == OrgKind::Branch,
            })
            .collect(),
        sectors: Sector::ALL
            .iter()
            .filter(|s| **s != Sector::Nation)
            .map(|s| Opt {
                value: s.as_str().into(),
                label: sector_label(*s).into(),
                selected: *s == Sector::Village,
            })
            .collect(),
        today: fmt_date(on),
        error_op: refused.op.into(),
        errors: refused.errors,
        form: refused.form,
        done,
        ctx,
    })
}

#[derive(Debug, Deserialize)]
pub struct UnitQuery {
    /// Set after an operation was done.
    pub ok: Option<String>,
}

/// `GET /orgs/{code}`: 403 outside the user's subtree.
pub async fn unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PQuery(q): PQuery<UnitQuery>,
) -> PageResult<Response> {
    let page = unit_page(&state, ctx, &code, Refused::default(), q.ok.is_some()).await?;
    render(&page)
}

/// A problem of a form field before the operation is even built (400).
fn field_error(field: &str, rule: &str, message: &str) -> (StatusCode, Vec<String>) {
    (
        StatusCode::BAD_REQUEST,
        vec![format!("{field}: [{rule}] {message}")],
    )
}

/// The effective date of a form: required, `dd/mm/yyyy` (or `yyyy-mm-dd`), a day on which the
/// unit of the page exists (the unit changed, or the superior of a unit created).
fn effective_date(form: &PForm, u: &OrgRecord) -> Result<String, (StatusCode, Vec<String>)> {
    let Some(d) = parse_date(form.get("date")) else {
        return Err(field_error(
            "date",
            "form.date",
            "ngày hiệu lực phải có dạng dd/mm/yyyy (the effective date must read dd/mm/yyyy)",
        ));
    };
    if !u.period.contains(d) {
        let until = u
            .period
            .to
            .map(|t| format!(" – {}", fmt_date(t.pred_opt().unwrap_or(t))))
            .unwrap_or_else(|| " – …".into());
        let mut e = field_error(
            "date",
            "org.unit.exists_at",
            &format!(
                "{} không tồn tại vào ngày {} (tồn tại {}{}) — {} did not exist on that date",
                u.code,
                fmt_date(d),
                fmt_date(u.period.from),
                until,
                u.code
            ),
        );
        e.0 = StatusCode::UNPROCESSABLE_ENTITY;
        return Err(e);
    }
    Ok(d.format("%Y-%m-%d").to_string())
}

/// Unit codes typed in one field, separated by commas, semicolons or spaces.
fn codes(s: &str) -> Vec<String> {
    s.split([',', ';', ' ', '\n', '\r', '\t'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// Runs a structure form: its JSON body (`build`), then the API's reading, checks and the
/// store's one transaction. Done: to the unit created, or back to the unit. Refused: the unit
/// page again with the problems on the form (the rule's status: 400, 403, 404, 422).
async fn structure_form(
    state: AppState,
    ctx: Ctx,
    code: String,
    op: &'static str,
    form: PForm,
    build: impl FnOnce(&OrgRecord, &PForm) -> Result<Value, (StatusCode, Vec<String>)>,
) -> PageResult<Response> {
    let u = ctx.p.check_code(&state, &code).await?;
    let outcome = match build(&u, &form) {
        Err(e) => Err(e),
        Ok(body) => {
            let applied = async {
                let req = OperationRequest::from_json(body)?;
                let op = to_operation(&state.store, req).await?;
                check_operation(&state, &ctx.p, &op).await?;
                Ok::<Vec<i64>, ApiError>(state.store.org_apply(&op, &ctx.p.actor()).await?)
            }
            .await;
            match applied {
                Ok(created) => Ok(created),
                Err(ApiError::Refused(v)) => Err((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    v.iter()
                        .map(|x| format!("{}: [{}] {}", x.field, x.rule, x.message))
                        .collect(),
                )),
                Err(
                    e @ (ApiError::BadRequest { .. }
                    | ApiError::Forbidden { .. }
                    | ApiError::NotFound { .. }
                    | ApiError::NotOnDate { .. }),
                ) => Err((e.status(), vec![e.to_string()])),
                Err(e) => return Err(PageError::Api(e)),
            }
        }
    };
    match outcome {
        Ok(created) => {
            let mut to = u.code.clone();
            if let Some(id) = created.first()
                && let Some(n) = state.store.org_by_id(*id).await?
            {
                to = n.code;
            }
            Ok(redirect(&format!("/orgs/{to}?ok={op}")))
        }
        Err((status, errors)) => {
            let refused = Refused {
                op,
                errors,
                form: form
                    .0
                    .iter()
                    .filter(|(k, _)| k != "csrf_token")
                    .cloned()
                    .collect(),
            };
            let page = unit_page(&state, ctx, &code, refused, false).await?;
            super::render_status(status, &page)
        }
    }
}

/// `POST /orgs/{code}/rename` (`name`, `date`): đổi tên.
pub async fn rename(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: PForm,
) -> PageResult<Response> {
    structure_form(state, ctx, code, "rename", form, |u, f| {
        Ok(
            json!({"op": "rename", "code": u.code, "name": f.get("name"),
                  "date": effective_date(f, u)?}),
        )
    })
    .await
}

/// `POST /orgs/{code}/create` (`code`, `name`, `kind`, `sector`, `date`): thành lập a unit
/// directly under this one (a branch by default).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: PForm,
) -> PageResult<Response> {
    structure_form(state, ctx, code, "create", form, |u, f| {
        let date = effective_date(f, u)?;
        if f.get("code").is_empty() {
            return Err(field_error("code", "form.required", "nhập mã đơn vị (enter the new unit's code)"));
        }
        Ok(json!({"op": "create", "code": f.get("code"), "name": f.get("name"),
                  "kind": f.opt("kind").unwrap_or("branch"), "sector": f.opt("sector").unwrap_or("village"),
                  "parent_code": u.code, "date": date}))
    })
    .await
}

/// `POST /orgs/{code}/move` (`new_parent_code`, `date`): điều chuyển under another superior.
pub async fn move_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: PForm,
) -> PageResult<Response> {
    structure_form(state, ctx, code, "move", form, |u, f| {
        let date = effective_date(f, u)?;
        if f.get("new_parent_code").is_empty() {
            return Err(field_error(
                "new_parent_code",
                "form.required",
                "nhập mã tổ chức cấp trên mới (enter the new superior's code)",
            ));
        }
        Ok(
            json!({"op": "move", "code": u.code, "new_parent_code": f.get("new_parent_code"),
                  "date": date}),
        )
    })
    .await
}

/// `POST /orgs/{code}/merge` (`others`, `into_code` or `new_code` + `new_name`, `date`): hợp
/// nhất this unit and the others into an existing unit (which may be one of them) or a new
/// one (of this unit's kind and sector, under its superior).
pub async fn merge(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: PForm,
) -> PageResult<Response> {
    structure_form(state, ctx, code, "merge", form, |u, f| {
        let date = effective_date(f, u)?;
        let mut sources = vec![u.code.clone()];
        sources.extend(codes(f.get("others")));
        let mut body = json!({"op": "merge", "sources": sources, "date": date});
        match (f.opt("into_code"), f.opt("new_code")) {
            (Some(into), None) => body["into_code"] = json!(into),
            (None, Some(new)) => {
                body["new"] = json!({"code": new, "name": f.get("new_name")});
            }
            _ => {
                return Err(field_error(
                    "into_code",
                    "org.merge.target",
                    "nhập mã đơn vị tiếp nhận hoặc mã và tên đơn vị mới, không cả hai (give either the receiving unit's code or the new unit's code and name, not both)",
                ));
            }
        }
        Ok(body)
    })
    .await
}

/// The most parts the split form offers.
pub const SPLIT_PARTS: usize = 3;

/// `POST /orgs/{code}/split` (`part{i}_code`, `part{i}_name`, `part{i}_children` for i in
/// 1..=3, `primary` = the part that inherits the history, `continues`, `date`): chia tách
/// into new units of this unit's kind and sector, under its superior.
pub async fn split(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: PForm,
) -> PageResult<Response> {
    structure_form(state, ctx, code, "split", form, |u, f| {
        let date = effective_date(f, u)?;
        let mut parts = vec![];
        for i in 1..=SPLIT_PARTS {
            let (c, n) = (
                f.get(&format!("part{i}_code")),
                f.get(&format!("part{i}_name")),
            );
            let children = codes(f.get(&format!("part{i}_children")));
            if c.is_empty() && n.is_empty() && children.is_empty() {
                continue;
            }
            if c.is_empty() || n.is_empty() {
                return Err(field_error(
                    &format!("part{i}"),
                    "org.split.part",
                    "mỗi đơn vị mới cần mã và tên (each new unit needs a code and a name)",
                ));
            }
            parts.push(json!({"code": c, "name": n, "children": children,
                              "primary": f.get("primary") == i.to_string()}));
        }
        Ok(json!({"op": "split", "source_code": u.code, "parts": parts,
                  "source_continues": f.has("continues"), "date": date}))
    })
    .await
}

/// `POST /orgs/{code}/dissolve` (`date`): giải thể (a unit with no units left below it).
pub async fn dissolve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: PForm,
) -> PageResult<Response> {
    structure_form(state, ctx, code, "dissolve", form, |u, f| {
        Ok(json!({"op": "dissolve", "code": u.code, "date": effective_date(f, u)?}))
    })
    .await
}
