//! Quần chúng ưu tú — the candidates' pages: the list with filters, the board by stage, the
//! "add a candidate" form (creates the person and opens the case, as `POST /api/v1/cases`
//! does after the person exists), and the case page: timeline, dossier checklist, what is due
//! and the next-step form. The form is read by the API's own event reader
//! ([`crate::api::pipeline::read_event`]) and recorded by `Store::case_record`; a refusal of
//! the admission rules is shown with its rule id, regulation, article and message.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use ketnap_domain::Date;
use ketnap_domain::access::Permission;
use ketnap_domain::person::attributes::ETHNIC_GROUPS;
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_domain::pipeline::{DecisionLevel, DossierDoc, DueKind, Proposer, Stage, StepKind};
use ketnap_domain::sensitive::Sensitive;
use ketnap_domain::text::fold;
use ketnap_store::pipeline_api::{CaseSummary, CaseView, NewCase};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    Ctx, PForm, PQuery, PageError, PageResult, fmt_date, parse_date, redirect, render,
    render_status,
};
use crate::AppState;
use crate::error::ApiError;

/// An `<option>`.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn opts<T: Copy + PartialEq>(
    all: &[T],
    value: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    selected: &str,
) -> Vec<Opt> {
    all.iter()
        .map(|x| Opt {
            value: value(*x).to_string(),
            label: label(*x).to_string(),
            selected: value(*x) == selected,
        })
        .collect()
}

// ---- list and board ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub org: Option<String>,
    pub stage: Option<String>,
    pub q: Option<String>,
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub born: i32,
    pub branch: String,
    pub stage: String,
    pub stage_code: &'static str,
    pub opened: String,
    pub last: String,
    pub deadline: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "ui/candidates.html")]
pub struct ListPage {
    pub ctx: Ctx,
    pub title: String,
    pub unit_code: String,
    pub unit_name: String,
    pub q: String,
    pub stages: Vec<Opt>,
    pub rows: Vec<Row>,
    pub can_write: bool,
}

async fn rows_for(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    stage: Option<Stage>,
    q: &str,
) -> PageResult<Vec<Row>> {
    let cases: Vec<CaseSummary> = state.store.cases_in(code, ctx.today, stage, 1000).await?;
    let key = fold(q);
    let l = ctx.lang;
    Ok(cases
        .into_iter()
        .filter(|c| key.is_empty() || fold(&c.person.full_name).contains(&key))
        .map(|c| Row {
            id: c.id,
            born: c.person.birth_year,
            name: c.person.full_name,
            branch: c.branch.name,
            stage: l.pick(c.stage.label_vi(), c.stage.label_en()).to_string(),
            stage_code: c.stage.as_str(),
            opened: fmt_date(c.opened_on),
            last: fmt_date(c.last_event_on),
            overdue: c.deadline_on.is_some_and(|d| d < ctx.today),
            deadline: c.deadline_on.map(fmt_date).unwrap_or_default(),
        })
        .collect())
}

/// `GET /candidates?org=&stage=&q=`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<ListQuery>,
) -> PageResult<Response> {
    let unit = ctx.unit(&state, q.org.as_deref()).await?;
    let stage = q.stage.as_deref().and_then(Stage::parse);
    let text = q.q.clone().unwrap_or_default();
    let rows = rows_for(&state, &ctx, &unit.code, stage, &text).await?;
    let l = ctx.lang;
    let mut stages = vec![Opt {
        value: String::new(),
        label: ctx.t("common.all").to_string(),
        selected: stage.is_none(),
    }];
    stages.extend(Stage::ALL.iter().skip(1).map(|s| Opt {
        value: s.as_str().into(),
        label: l.pick(s.label_vi(), s.label_en()).into(),
        selected: Some(*s) == stage,
    }));
    let page = ListPage {
        title: ctx.t("cand.title").into(),
        unit_code: unit.code,
        unit_name: unit.name,
        q: text,
        stages,
        rows,
        can_write: ctx.p.allows(Permission::WriteCases),
        ctx,
    };
    render(&page)
}

pub struct Column {
    pub label: String,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "ui/board.html")]
pub struct BoardPage {
    pub ctx: Ctx,
    pub title: String,
    pub unit_code: String,
    pub unit_name: String,
    pub columns: Vec<Column>,
}

/// `GET /candidates/board?org=`: open cases in one column per stage.
pub async fn board(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<ListQuery>,
) -> PageResult<Response> {
    let unit = ctx.unit(&state, q.org.as_deref()).await?;
    let mut rows = rows_for(&state, &ctx, &unit.code, None, "").await?;
    let l = ctx.lang;
    let columns = Stage::ALL
        .iter()
        .filter(|s| s.is_active() || **s == Stage::Paused)
        .map(|s| {
            let (mine, rest): (Vec<Row>, Vec<Row>) =
                rows.drain(..).partition(|r| r.stage_code == s.as_str());
            rows = rest;
            Column {
                label: l.pick(s.label_vi(), s.label_en()).into(),
                rows: mine,
            }
        })
        .collect();
    let page = BoardPage {
        title: ctx.t("board.title").into(),
        unit_code: unit.code,
        unit_name: unit.name,
        columns,
        ctx,
    };
    render(&page)
}

// ---- add a candidate --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "ui/candidate_new.html")]
pub struct NewPage {
    pub ctx: Ctx,
    pub title: String,
    pub unit_code: String,
    pub error: String,
    pub f: NewValues,
    pub branches: Vec<Opt>,
    pub sexes: Vec<Opt>,
    pub ethnic: Vec<Opt>,
    pub religions: Vec<Opt>,
    pub educations: Vec<Opt>,
    pub qualifications: Vec<Opt>,
    pub occupations: Vec<Opt>,
    pub proposers: Vec<Opt>,
}

/// What the form holds (kept when it is shown again after a refusal).
#[derive(Default)]
pub struct NewValues {
    pub full_name: String,
    pub birth: String,
    pub cccd: String,
    pub youth_union: bool,
    pub date: String,
}

async fn branches_under(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    selected: &str,
) -> PageResult<Vec<Opt>> {
    let u = state.store.org_required(code).await?;
    let nodes = state.store.org_subtree(u.id, ctx.today, 6).await?;
    Ok(nodes
        .into_iter()
        .filter(|n| n.kind.holds_members())
        .map(|n| Opt {
            selected: n.code == selected,
            label: format!("{} ({})", n.name, n.code),
            value: n.code,
        })
        .collect())
}

async fn new_page(
    state: &AppState,
    ctx: Ctx,
    unit_code: String,
    f: NewValues,
    form: Option<&PForm>,
    error: String,
) -> PageResult<NewPage> {
    let sel = |name: &str, default: &str| -> String {
        form.and_then(|f| f.opt(name))
            .unwrap_or(default)
            .to_string()
    };
    let branches = branches_under(state, &ctx, &unit_code, &sel("branch", "")).await?;
    Ok(NewPage {
        title: ctx.t("new.title").into(),
        error,
        sexes: opts(Sex::ALL, Sex::as_str, Sex::label_vi, &sel("sex", "male")),
        ethnic: ETHNIC_GROUPS
            .iter()
            .map(|(code, name)| Opt {
                value: (*code).into(),
                label: (*name).into(),
                selected: *code == sel("ethnic", "01"),
            })
            .collect(),
        religions: opts(
            Religion::ALL,
            Religion::as_str,
            Religion::label_vi,
            &sel("religion", "none"),
        ),
        educations: opts(
            GeneralEducation::ALL,
            GeneralEducation::as_str,
            GeneralEducation::label_vi,
            &sel("education", "upper_secondary"),
        ),
        qualifications: opts(
            ProfessionalQualification::ALL,
            ProfessionalQualification::as_str,
            ProfessionalQualification::label_vi,
            &sel("qualification", "none"),
        ),
        occupations: opts(
            Occupation::ALL,
            Occupation::as_str,
            Occupation::label_vi,
            &sel("occupation", "farmer"),
        ),
        proposers: opts(
            Proposer::ALL,
            Proposer::as_str,
            Proposer::label_vi,
            &sel("proposed_by", "youth_union"),
        ),
        branches,
        unit_code,
        f,
        ctx,
    })
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    pub org: Option<String>,
}

/// `GET /candidates/new?org=`.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PQuery(q): PQuery<NewQuery>,
) -> PageResult<Response> {
    let unit = ctx.unit(&state, q.org.as_deref()).await?;
    let f = NewValues {
        date: fmt_date(ctx.today),
        youth_union: true,
        ..NewValues::default()
    };
    let page = new_page(&state, ctx, unit.code, f, None, String::new()).await?;
    render(&page)
}

/// Reads the person of the form; the first problem found, in the user's language.
fn person_of(form: &PForm, lang: super::Lang) -> Result<(Person, Date), String> {
    let bad = |vi: &str, en: &str| lang.pick(vi, en).to_string();
    let full_name = form.get("full_name").to_string();
    if full_name.chars().count() < 3 {
        return Err(bad("Nhập họ và tên.", "Enter the full name."));
    }
    let birth = parse_date(form.get("birth")).ok_or_else(|| {
        bad(
            "Ngày sinh phải có dạng dd/mm/yyyy.",
            "The birth date must read dd/mm/yyyy.",
        )
    })?;
    let listed = parse_date(form.get("date")).ok_or_else(|| {
        bad(
            "Ngày đưa vào nguồn phải có dạng dd/mm/yyyy.",
            "The listing date must read dd/mm/yyyy.",
        )
    })?;
    let cccd = form.opt("cccd").map(str::to_string);
    if let Some(c) = &cccd
        && !(c.len() == 12 && c.chars().all(|ch| ch.is_ascii_digit()))
    {
        return Err(bad("Số CCCD gồm 12 chữ số.", "A CCCD has 12 digits."));
    }
    let pick = |name: &str| form.get(name).to_string();
    let person = Person {
        id: 0,
        cccd: cccd.map(Sensitive::new),
        full_name,
        sex: Sex::parse(&pick("sex")).unwrap_or(Sex::Male),
        birth_date: Sensitive::new(birth),
        ethnic_group: Sensitive::new(
            EthnicGroup::parse(&pick("ethnic")).unwrap_or(EthnicGroup::KINH),
        ),
        religion: Sensitive::new(Religion::parse(&pick("religion")).unwrap_or(Religion::None)),
        education: GeneralEducation::parse(&pick("education"))
            .unwrap_or(GeneralEducation::UpperSecondary),
        qualification: ProfessionalQualification::parse(&pick("qualification"))
            .unwrap_or(ProfessionalQualification::None),
        political_theory: PoliticalTheory::None,
        occupation: Occupation::parse(&pick("occupation")).unwrap_or(Occupation::Other),
        youth_union: form.has("youth_union"),
        residence_locality: None,
    };
    Ok((person, listed))
}

/// `POST /candidates/new`: creates the person and opens the case on the branch's source
/// list, then shows the case. A refusal shows the form again with the reason.
pub async fn new_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    form: PForm,
) -> PageResult<Response> {
    let branch = ctx.p.check_code(&state, form.get("branch")).await?;
    let values = NewValues {
        full_name: form.get("full_name").into(),
        birth: form.get("birth").into(),
        cccd: form.get("cccd").into(),
        youth_union: form.has("youth_union"),
        date: form.get("date").into(),
    };
    let home = ctx.home_org(&state).await?;
    let (person, date) = match person_of(&form, ctx.lang) {
        Ok(x) => x,
        Err(msg) => {
            let page = new_page(&state, ctx, home, values, Some(&form), msg).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let actor = ctx.p.actor();
    // A person already on record with this CCCD is not created twice.
    let existing = match person.cccd.as_ref() {
        Some(c) => state.store.person_by_cccd(c.expose()).await?,
        None => None,
    };
    let person_id = match existing {
        Some(r) => r.person.id,
        None => match state.store.person_create(&person, &actor).await {
            Ok(id) => id,
            Err(e) => {
                let msg = refusal_text(ApiError::from(e))?;
                let page = new_page(&state, ctx, home, values, Some(&form), msg).await?;
                return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
            }
        },
    };
    let proposed_by = Proposer::parse(form.get("proposed_by")).unwrap_or(Proposer::Other);
    let new = NewCase {
        person_id,
        branch_code: branch.code.clone(),
        date,
        proposed_by,
        document: None,
    };
    match state.store.case_open(&new, &actor).await {
        Ok(id) => Ok(redirect(&format!("/cases/{id}"))),
        Err(e) => {
            let msg = refusal_text(ApiError::from(e))?;
            let page = new_page(&state, ctx, home, values, Some(&form), msg).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// A refusal as one line of text (rule id and message); other errors pass through.
fn refusal_text(e: ApiError) -> PageResult<String> {
    match e {
        ApiError::Refused(v) => Ok(v
            .iter()
            .map(|x| format!("[{}] {}", x.rule, x.message))
            .collect::<Vec<_>>()
            .join("; ")),
        ApiError::RulesRefused(v) => Ok(v
            .iter()
            .map(|r| {
                format!(
                    "[{}] {} ({}, {})",
                    r.rule_id, r.message_vi, r.regulation, r.article
                )
            })
            .collect::<Vec<_>>()
            .join("; ")),
        ApiError::BadRequest { field, message } => Ok(format!("{field}: {message}")),
        other => Err(PageError::Api(other)),
    }
}

// ---- the case page ----------------------------------------------------------------------------

pub struct EventLine {
    pub id: i64,
    pub date: String,
    pub step: String,
    pub details: String,
    pub document: String,
    pub actor: String,
    pub corrects: Option<i64>,
}

pub struct CheckLine {
    pub label: String,
    pub form: String,
    pub needed: u32,
    pub on_file: u32,
    pub present: bool,
}

/// A dossier form on the case page: a download link when ready, else what it lacks.
pub struct FormLine {
    pub code: &'static str,
    pub title: &'static str,
    pub href: String,
    pub ready: bool,
    pub missing: Vec<String>,
}

pub struct DueView {
    pub what: String,
    pub due: String,
    pub overdue: bool,
}

/// A refusal as shown.
pub struct RefusalLine {
    pub rule_id: String,
    pub regulation: String,
    pub article: String,
    pub message: String,
    pub message_other: String,
    pub facts: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "ui/case.html")]
pub struct CasePage {
    pub ctx: Ctx,
    pub title: String,
    pub id: i64,
    pub version: i64,
    /// The person (`/people/{id}`).
    pub person_id: i64,
    pub name: String,
    pub born: i32,
    pub sex: String,
    pub branch_name: String,
    pub branch_code: String,
    pub stage: String,
    pub stage_code: &'static str,
    pub closed: bool,
    pub mentor: String,
    pub rule_set: &'static str,
    pub opened: String,
    pub events: Vec<EventLine>,
    pub checklist: Vec<CheckLine>,
    /// "In biểu mẫu": the dossier forms that apply to the case.
    pub forms: Vec<FormLine>,
    pub due: Vec<DueView>,
    pub can_write: bool,
    pub steps: Vec<Opt>,
    pub members: Vec<Opt>,
    pub levels: Vec<Opt>,
    pub docs: Vec<Opt>,
    pub refusals: Vec<RefusalLine>,
    pub error: String,
    pub ok: bool,
    pub date: String,
    /// The values typed in the next-step form (kept after a refusal).
    pub form: Vec<(String, String)>,
}

impl CasePage {
    /// A typed value of the next-step form (empty when none).
    pub fn v(&self, name: &str) -> &str {
        super::typed(&self.form, name)
    }
}

#[derive(Debug, Deserialize)]
pub struct CaseQuery {
    pub step: Option<String>,
    pub ok: Option<String>,
}

/// The step the form suggests: asked for, else the first step the due list names.
fn suggested_step(v: &CaseView, asked: Option<&str>) -> Option<StepKind> {
    asked.and_then(StepKind::parse).or_else(|| {
        v.due
            .iter()
            .find(|d| d.kind == DueKind::NextStep && d.step.is_some())
            .or_else(|| v.due.iter().find(|d| d.step.is_some()))
            .and_then(|d| d.step)
    })
}

fn event_details(kind: &ketnap_domain::pipeline::EventKind) -> String {
    let Ok(Value::Object(m)) = serde_json::to_value(kind) else {
        return String::new();
    };
    let mut parts = vec![];
    for (k, v) in m {
        if k == "kind" {
            continue;
        }
        let text = match v {
            Value::Object(inner) => inner
                .iter()
                .map(|(a, b)| format!("{a}: {}", plain(b)))
                .collect::<Vec<_>>()
                .join(", "),
            other => plain(&other),
        };
        parts.push(format!("{k}: {text}"));
    }
    parts.join(" · ")
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => fmt_date(d),
            Err(_) => s.clone(),
        },
        Value::Null => "–".into(),
        other => other.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn case_page_data(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    step: Option<&str>,
    refusals: Vec<RefusalLine>,
    error: String,
    ok: bool,
    form: Vec<(String, String)>,
) -> PageResult<CasePage> {
    let v = state.store.case_get(id, ctx.today, None).await?;
    state
        .store
        .audit_view(
            &ctx.p.actor(),
            "case.view",
            "pipeline_case",
            &id.to_string(),
            "{}",
        )
        .await?;
    let l = ctx.lang;
    let chosen = suggested_step(&v, step);
    let members = state
        .store
        .branch_members(v.case.branch.id, ctx.today)
        .await?
        .into_iter()
        .filter(|m| m.status == Some(PartyStatus::Official))
        .map(|m| Opt {
            value: m.id.to_string(),
            label: m.full_name,
            selected: false,
        })
        .collect();
    let steps = StepKind::ALL
        .iter()
        .filter(|s| **s != StepKind::SourceListed)
        .map(|s| Opt {
            value: s.as_str().into(),
            label: l.pick(s.label_vi(), s.label_en()).into(),
            selected: Some(*s) == chosen,
        })
        .collect();
    let forms = ketnap_domain::pipeline::forms::statuses(
        &ketnap_exchange::forms::source_from(&state.store, &v).await?,
    )
    .into_iter()
    .filter(|f| f.applicable)
    .map(|f| FormLine {
        code: f.form.code(),
        title: l.pick(f.title_vi, f.title_en),
        href: crate::api::forms::href(id, f.form),
        ready: f.ready,
        missing: f
            .missing
            .iter()
            .map(|m| l.pick(m.label_vi, m.label_en).to_string())
            .collect(),
    })
    .collect();
    let date = form
        .iter()
        .find(|(k, _)| k == "date")
        .map(|(_, d)| d.clone())
        .unwrap_or_else(|| fmt_date(ctx.today));
    Ok(CasePage {
        title: format!("{} — {}", ctx.t("case.title"), v.person.full_name),
        id,
        version: v.case.version,
        person_id: v.person.id,
        name: v.person.full_name.clone(),
        born: v.person.birth_year,
        sex: super::in_lang(l, v.person.sex.label_vi(), v.person.sex.code_in_words()),
        branch_name: v.case.branch.name.clone(),
        branch_code: v.case.branch.code.clone(),
        stage: l
            .pick(v.state.stage.label_vi(), v.state.stage.label_en())
            .into(),
        stage_code: v.state.stage.as_str(),
        closed: v.state.stage.is_closed(),
        mentor: v
            .mentor
            .as_ref()
            .map(|m| m.full_name.clone())
            .unwrap_or_default(),
        rule_set: v.rule_set,
        opened: fmt_date(v.case.opened_on),
        events: v
            .events
            .iter()
            .map(|e| EventLine {
                id: e.id,
                date: fmt_date(e.date),
                step: l
                    .pick(e.kind.step().label_vi(), e.kind.step().label_en())
                    .into(),
                details: event_details(&e.kind),
                document: e
                    .document
                    .as_ref()
                    .map(|d| match d.form {
                        Some(f) => format!("{} {}", f.as_str(), d.number),
                        None => d.number.clone(),
                    })
                    .unwrap_or_default(),
                actor: e.actor.clone(),
                corrects: e.corrects,
            })
            .collect(),
        forms,
        checklist: v
            .checklist
            .iter()
            .map(|c| CheckLine {
                label: super::in_lang(l, c.doc.label_vi(), c.doc.code_in_words()),
                form: c.form.map(|f| f.as_str().to_string()).unwrap_or_default(),
                needed: c.needed,
                on_file: c.on_file,
                present: c.present,
            })
            .collect(),
        due: v
            .due
            .iter()
            .map(|d| DueView {
                what: l.pick(&d.message_vi, &d.message_en).into(),
                due: d.due_date.map(fmt_date).unwrap_or_default(),
                overdue: d.overdue,
            })
            .collect(),
        can_write: ctx.p.allows(Permission::WriteCases),
        steps,
        members,
        levels: opts(
            DecisionLevel::ALL,
            DecisionLevel::as_str,
            DecisionLevel::label_vi,
            "authorised_grassroots",
        ),
        docs: opts(
            DossierDoc::ALL,
            DossierDoc::as_str,
            DossierDoc::label_vi,
            "",
        ),
        refusals,
        error,
        ok,
        date,
        form,
        ctx,
    })
}

/// `GET /cases/{id}`: 404 outside the user's subtree; the view is audited (`case.view`).
pub async fn case_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PQuery(q): PQuery<CaseQuery>,
) -> PageResult<Response> {
    let id = case_id(&id)?;
    ctx.p.check_case(&state, id).await?;
    let page = case_page_data(
        &state,
        ctx,
        id,
        q.step.as_deref(),
        vec![],
        String::new(),
        q.ok.is_some(),
        vec![],
    )
    .await?;
    render(&page)
}

fn case_id(s: &str) -> PageResult<i64> {
    s.parse().map_err(|_| {
        PageError::Api(ApiError::NotFound {
            what: "case",
            key: s.to_string(),
        })
    })
}

/// The event body the API reads, from the next-step form.
fn event_json(form: &PForm) -> Result<Value, String> {
    let step = StepKind::parse(form.get("kind")).ok_or("kind: chọn một bước (choose a step)")?;
    let date = parse_date(form.get("date")).ok_or("date: dd/mm/yyyy")?;
    let iso = |d: Date| d.format("%Y-%m-%d").to_string();
    let num = |name: &str| -> Result<Value, String> {
        form.get(name)
            .parse::<u32>()
            .map(Value::from)
            .map_err(|_| format!("{name}: nhập một số (enter a number)"))
    };
    let date_field = |name: &str| -> Result<Value, String> {
        parse_date(form.get(name))
            .map(|d| Value::String(iso(d)))
            .ok_or_else(|| format!("{name}: dd/mm/yyyy"))
    };
    let mut m = Map::new();
    m.insert("date".into(), Value::String(iso(date)));
    m.insert("kind".into(), Value::String(step.as_str().into()));
    match step {
        StepKind::MentorAssigned => {
            m.insert("mentor".into(), num("mentor")?);
        }
        StepKind::CourseCompleted => {
            m.insert("certificate_no".into(), json!(form.get("certificate_no")));
            let issued = form
                .opt("issued")
                .map_or(Ok(Value::String(iso(date))), |_| date_field("issued"))?;
            m.insert("issued".into(), issued);
        }
        StepKind::NewMemberCourseCompleted => {
            m.insert("certificate_no".into(), json!(form.get("certificate_no")));
        }
        StepKind::HistoryVerified => {
            m.insert("conclusion_ok".into(), json!(form.has("conclusion_ok")));
        }
        StepKind::Introduced => {
            let intro = match form.get("introducer_by") {
                "youth_union" | "trade_union" => json!({
                    "by": form.get("introducer_by"),
                    "resolution_no": form.get("resolution_no"),
                }),
                _ => json!({
                    "by": "member",
                    "person": num("introducer_person")?,
                    "worked_together_since": date_field("worked_together_since")?,
                }),
            };
            m.insert("introducer".into(), intro);
        }
        StepKind::BranchVoted | StepKind::RecognitionVoted => {
            m.insert("present".into(), num("present")?);
            m.insert("in_favour".into(), num("in_favour")?);
            m.insert("against".into(), num("against")?);
        }
        StepKind::CommitteeResolved => {
            m.insert("members".into(), num("committee_members")?);
            m.insert("in_favour".into(), num("in_favour")?);
        }
        StepKind::AdmissionDecided => {
            m.insert("level".into(), json!(form.get("level")));
            if form.opt("received").is_some() {
                m.insert("received".into(), date_field("received")?);
            }
        }
        StepKind::NotRecognized => {
            m.insert("grounds".into(), json!(form.get("grounds")));
        }
        StepKind::DocumentFiled => {
            m.insert("doc".into(), json!(form.get("doc")));
        }
        _ => {}
    }
    if let Some(n) = form.opt("document_number") {
        m.insert(
            "document".into(),
            json!({"form": step.form().map(|f| f.as_str()), "number": n, "date": iso(date)}),
        );
    }
    if let Some(r) = form.opt("reason") {
        m.insert("reason".into(), json!(r));
    }
    if let Some(c) = form.opt("corrects") {
        m.insert(
            "corrects".into(),
            c.parse::<i64>()
                .map(Value::from)
                .map_err(|_| "corrects: số sự kiện (event number)".to_string())?,
        );
    }
    if let Ok(v) = form.get("version").parse::<i64>() {
        m.insert("expected_version".into(), Value::from(v));
    }
    Ok(Value::Object(m))
}

/// `POST /cases/{id}/events` (form): records the step; a refusal of the rules shows the case
/// page again (422) with each refusal's rule id, regulation, article, message and facts.
pub async fn record_step(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: PForm,
) -> PageResult<Response> {
    let id = case_id(&id)?;
    ctx.p.check_case(&state, id).await?;
    let kept: Vec<(String, String)> = form
        .0
        .iter()
        .filter(|(k, _)| k != "csrf_token")
        .cloned()
        .collect();
    let step = form.opt("kind").map(str::to_string);
    let body = match event_json(&form) {
        Ok(b) => b,
        Err(msg) => {
            let page =
                case_page_data(&state, ctx, id, step.as_deref(), vec![], msg, false, kept).await?;
            return render_status(StatusCode::BAD_REQUEST, &page);
        }
    };
    let outcome = match crate::api::pipeline::read_event(&state.store, id, body).await {
        Ok((event, version)) => state
            .store
            .case_record(id, &event, version, &ctx.p.actor())
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let l = ctx.lang;
    let (status, refusals, error) = match outcome {
        Ok(_) => return Ok(redirect(&format!("/cases/{id}?ok=1#timeline"))),
        Err(ApiError::RulesRefused(v)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            v.into_iter()
                .map(|r| RefusalLine {
                    rule_id: r.rule_id.into(),
                    regulation: r.regulation.into(),
                    article: r.article.into(),
                    message: l.pick(&r.message_vi, &r.message_en).into(),
                    message_other: l.pick(&r.message_en, &r.message_vi).into(),
                    facts: r.facts,
                })
                .collect(),
            String::new(),
        ),
        Err(ApiError::Refused(v)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            v.into_iter()
                .map(|x| RefusalLine {
                    rule_id: x.rule.into(),
                    regulation: String::new(),
                    article: String::new(),
                    message: x.message,
                    message_other: String::new(),
                    facts: vec![("field".into(), x.field)],
                })
                .collect(),
            String::new(),
        ),
        Err(e @ (ApiError::BadRequest { .. } | ApiError::Conflict { .. })) => {
            (e.status(), vec![], e.to_string())
        }
        Err(other) => return Err(PageError::Api(other)),
    };
    let page = case_page_data(
        &state,
        ctx,
        id,
        step.as_deref(),
        refusals,
        error,
        false,
        kept,
    )
    .await?;
    render_status(status, &page)
}
