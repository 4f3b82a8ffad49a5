//! The admission pipeline from the command line: `ketnap candidate …` (source list, events,
//! case view, lists, mentors), `ketnap due`, `ketnap course …`, `ketnap holiday …`,
//! `ketnap difficult-area …` and `ketnap import events` (docs/import-format.md, "events").
//!
//! A refused event prints each broken rule: its id, the regulation and article, the messages in
//! Vietnamese and English and the facts; nothing is written and the command fails.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use ketnap_domain::calendar::{Holiday, HolidayKind};
use ketnap_domain::person::PartyStatus;
use ketnap_domain::pipeline::rules::template;
use ketnap_domain::pipeline::{
    CommitteeLevel, DecisionLevel, DocumentRef, DossierDoc, EventKind, FormCode, Proposer, Refusal,
    ReservedClass, RuleSet, Stage, StepKind,
};
use ketnap_domain::{Date, Period};
use ketnap_store::pipeline_api::{
    CaseView, CourseKind, DueGroup, DueRow, ImportReport, NewCase, NewCourse, NewEvent, Recorded,
};
use ketnap_store::{Store, StoreError};
use serde_json::{Map, Value, json};

use crate::output::{Format, parse_date, print_json, today, vi_date};

fn code_parser<T: Copy>(
    what: &'static str,
    parse: fn(&str) -> Option<T>,
    all: &'static [T],
    code: fn(T) -> &'static str,
) -> impl Fn(&str) -> Result<T, String> + Clone {
    move |s: &str| {
        parse(s).ok_or_else(|| {
            let codes: Vec<&str> = all.iter().map(|v| code(*v)).collect();
            format!("{s:?} is not a {what}: use {}", codes.join(", "))
        })
    }
}

fn parse_proposer(s: &str) -> Result<Proposer, String> {
    code_parser("proposer", Proposer::parse, Proposer::ALL, Proposer::as_str)(s)
}
fn parse_stage(s: &str) -> Result<Stage, String> {
    code_parser("stage", Stage::parse, Stage::ALL, Stage::as_str)(s)
}
fn parse_step(s: &str) -> Result<StepKind, String> {
    code_parser(
        "event kind",
        StepKind::parse,
        StepKind::ALL,
        StepKind::as_str,
    )(s)
}
fn parse_course_kind(s: &str) -> Result<CourseKind, String> {
    code_parser(
        "course kind",
        CourseKind::parse,
        CourseKind::ALL,
        CourseKind::as_str,
    )(s)
}
fn parse_reserved(s: &str) -> Result<ReservedClass, String> {
    code_parser(
        "reserved class",
        ReservedClass::parse,
        ReservedClass::ALL,
        ReservedClass::as_str,
    )(s)
}
fn parse_holiday_kind(s: &str) -> Result<HolidayKind, String> {
    code_parser(
        "holiday kind",
        HolidayKind::parse,
        HolidayKind::ALL,
        HolidayKind::as_str,
    )(s)
}

// ---- candidate ----------------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum CandidateCommand {
    /// Put a person on a branch's source list (quần chúng ưu tú): opens a case.
    Add {
        /// The person's id (see `ketnap import people`).
        #[arg(long)]
        person: i64,
        /// Code of the branch keeping the source list.
        #[arg(long)]
        branch: String,
        #[arg(long, value_parser = parse_date)]
        date: Date,
        /// youth_union, womens_union, farmers_union, veterans, trade_union, militia, school,
        /// enterprise, emulation_movement, other.
        #[arg(long, value_parser = parse_proposer)]
        proposed_by: Proposer,
        /// Number of the branch's decision or list.
        #[arg(long)]
        document: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// A case: timeline, dossier checklist, what is due, and the rules that apply.
    Show {
        case: i64,
        /// The date to judge what is due (default: today).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Record an event of the procedure, checked against the regulations in force on its date.
    Event(Box<EventArgs>),
    /// The open cases under a unit (or those at one stage).
    List {
        #[arg(long)]
        org: String,
        /// source, applied, verified, introduced, branch_approved, committee_approved, admitted,
        /// probationary, official, removed, withdrawn, paused, transferred_out, deceased.
        #[arg(long, value_parser = parse_stage)]
        stage: Option<Stage>,
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        #[arg(long, default_value_t = 500)]
        limit: i64,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// How many candidates and probationary members each mentor follows.
    Mentors {
        #[arg(long)]
        org: String,
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

/// `ketnap candidate event CASE KIND --date D …`: the kind's fields come from the flags below
/// or from `--json` (the same object as the API and the import's `data` column; flags win).
#[derive(Args, Debug)]
pub struct EventArgs {
    case: i64,
    /// source_listed, mentor_assigned, course_completed, application_submitted,
    /// history_submitted, history_verified, introduced, comments_collected, branch_voted,
    /// committee_resolved, admission_decided, ceremony_held, new_member_course_completed,
    /// document_filed, recognition_voted, recognition_decided, not_recognized, withdrawn,
    /// paused, resumed, transferred_out, transferred_in, re_admission_approved,
    /// exception_granted, deceased, retracted.
    #[arg(value_parser = parse_step)]
    kind: StepKind,
    /// The date of the act (meeting, decision, ceremony…).
    #[arg(long, value_parser = parse_date)]
    date: Date,
    /// The kind's fields as a JSON object, e.g. '{"official_members":9,"present":9,"in_favour":8,"against":1}'.
    #[arg(long)]
    json: Option<String>,
    /// The document's form code (1-KNĐ … 13-KNĐ, CN-NTVĐ).
    #[arg(long)]
    form: Option<String>,
    /// The document's number (số văn bản).
    #[arg(long)]
    number: Option<String>,
    /// The date on the document (default: --date).
    #[arg(long, value_parser = parse_date)]
    doc_date: Option<Date>,
    /// Correct (or, with kind `retracted`, void) this recorded event; needs --reason.
    #[arg(long)]
    corrects: Option<i64>,
    #[arg(long)]
    reason: Option<String>,
    /// Refuse if the case changed since this version (shown by `candidate show`).
    #[arg(long)]
    expected_version: Option<i64>,
    /// source_listed: who proposed the candidate.
    #[arg(long)]
    proposed_by: Option<String>,
    /// mentor_assigned: the mentor's person id.
    #[arg(long)]
    mentor: Option<i64>,
    /// course_completed, new_member_course_completed: the certificate number.
    #[arg(long)]
    certificate_no: Option<String>,
    /// course_completed: the certificate's issue date (default: --date).
    #[arg(long, value_parser = parse_date)]
    issued: Option<Date>,
    /// course_completed: upper_secondary_pupils or private_sector_workers.
    #[arg(long)]
    reserved_class: Option<String>,
    /// history_verified: the conclusion, ok or not_ok.
    #[arg(long)]
    conclusion: Option<String>,
    /// introduced: the introducing official member's person id.
    #[arg(long)]
    introducer: Option<i64>,
    /// introduced: since when the introducer has worked with the applicant.
    #[arg(long, value_parser = parse_date)]
    worked_since: Option<Date>,
    /// introduced: since when the introducer is official (default: from the records).
    #[arg(long, value_parser = parse_date)]
    official_since: Option<Date>,
    /// introduced: the Youth Union executive's resolution number (4-KNĐ).
    #[arg(long)]
    youth_union_resolution: Option<String>,
    /// introduced: the trade-union executive's resolution number.
    #[arg(long)]
    trade_union_resolution: Option<String>,
    /// branch_voted, recognition_voted: official members of the branch (default: the records).
    #[arg(long)]
    official_members: Option<u32>,
    #[arg(long)]
    present: Option<u32>,
    #[arg(long)]
    in_favour: Option<u32>,
    #[arg(long)]
    against: Option<u32>,
    /// committee_resolved: members of the grassroots committee.
    #[arg(long)]
    members: Option<u32>,
    /// admission_decided: authorised_grassroots, direct_superior, provincial;
    /// exception_granted: branch … central.
    #[arg(long)]
    level: Option<String>,
    /// admission_decided: when the branch received the decision.
    #[arg(long, value_parser = parse_date)]
    received: Option<Date>,
    /// document_filed: self_review, mentor_review, recognition_comments, …
    #[arg(long)]
    doc: Option<String>,
    /// not_recognized: the grounds.
    #[arg(long)]
    grounds: Option<String>,
    /// transferred_out: code of the receiving branch.
    #[arg(long)]
    to_branch: Option<String>,
    /// transferred_in: code of the sending branch.
    #[arg(long)]
    from_branch: Option<String>,
    /// re_admission_approved: the date of the first admission decision.
    #[arg(long, value_parser = parse_date)]
    first_decision: Option<Date>,
    /// exception_granted: the rule id (age.max, education.min, deadline.ceremony,
    /// deadline.recognition).
    #[arg(long)]
    rule: Option<String>,
    /// exception_granted: who approved it.
    #[arg(long)]
    approved_by: Option<String>,
    /// exception_granted: its basis (document number, guidance point).
    #[arg(long)]
    basis: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub async fn candidate(store: &Store, c: CandidateCommand, actor: &str) -> Result<()> {
    match c {
        CandidateCommand::Add {
            person,
            branch,
            date,
            proposed_by,
            document,
            format,
        } => {
            let new = NewCase {
                person_id: person,
                branch_code: branch,
                date,
                proposed_by,
                document: document.map(|number| DocumentRef {
                    form: None,
                    number,
                    date: Some(date),
                }),
            };
            let id = refused_or(store.case_open(&new, actor).await, format)?;
            if format == Format::Json {
                return print_json(&json!({"case_id": id}));
            }
            println!(
                "case #{id} opened: person #{person} on the source list of {} from {}",
                new.branch_code,
                vi_date(date)
            );
            Ok(())
        }
        CandidateCommand::Show {
            case,
            as_of,
            format,
        } => {
            let v = store
                .case_get(case, as_of.unwrap_or_else(today), None)
                .await?;
            if format == Format::Json {
                return print_json(&v);
            }
            print_case(&v);
            Ok(())
        }
        CandidateCommand::Event(a) => event(store, *a, actor).await,
        CandidateCommand::List {
            org,
            stage,
            as_of,
            limit,
            format,
        } => {
            let as_of = as_of.unwrap_or_else(today);
            let rows = store.cases_in(&org, as_of, stage, limit).await?;
            if format == Format::Json {
                return print_json(&rows);
            }
            println!(
                "{} case(s) under {org} on {}{}",
                rows.len(),
                vi_date(as_of),
                stage
                    .map(|s| format!(", stage {}", s.as_str()))
                    .unwrap_or_default()
            );
            for r in rows {
                println!(
                    "  #{:<7} {:<18} {:<16} {:<32} opened {}  last {}{}",
                    r.id,
                    r.stage.as_str(),
                    r.branch.code,
                    r.person.full_name,
                    vi_date(r.opened_on),
                    vi_date(r.last_event_on),
                    r.deadline_on
                        .map(|d| format!("  limit {}", vi_date(d)))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        CandidateCommand::Mentors { org, as_of, format } => {
            let w = store
                .mentor_workload(&org, as_of.unwrap_or_else(today))
                .await?;
            if format == Format::Json {
                return print_json(&w);
            }
            println!(
                "Mentors under {org} on {} (candidates / probationary / paused or transferred):",
                vi_date(w.as_of)
            );
            for r in &w.rows {
                println!(
                    "  #{:<7} {:<32} {:<16} {:>3} / {:>3} / {:>3}{}",
                    r.mentor.id,
                    r.mentor.full_name,
                    r.branch.as_ref().map(|b| b.code.as_str()).unwrap_or("-"),
                    r.candidates,
                    r.probationary,
                    r.inactive,
                    if r.official {
                        ""
                    } else {
                        "  (not an official member on the date)"
                    }
                );
            }
            println!("Active cases without a mentor: {}", w.without_mentor);
            Ok(())
        }
    }
}

/// The event's fields as JSON: `--json`, then the flags.
async fn event_kind(store: &Store, a: &EventArgs) -> Result<EventKind> {
    let mut m: Map<String, Value> = match &a.json {
        Some(text) => match serde_json::from_str::<Value>(text).context("--json")? {
            Value::Object(m) => m,
            _ => bail!("--json must be a JSON object"),
        },
        None => Map::new(),
    };
    m.insert("kind".into(), json!(a.kind.as_str()));
    let mut set = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    if let Some(v) = &a.proposed_by {
        set(
            "proposed_by",
            json!(parse_proposer(v).map_err(|e| anyhow!(e))?),
        );
    }
    if let Some(v) = a.mentor {
        set("mentor", json!(v));
    }
    if let Some(v) = &a.certificate_no {
        set("certificate_no", json!(v));
    }
    if a.kind == StepKind::CourseCompleted {
        set("issued", json!(a.issued.unwrap_or(a.date)));
    }
    if let Some(v) = &a.reserved_class {
        set(
            "reserved_class",
            json!(parse_reserved(v).map_err(|e| anyhow!(e))?),
        );
    }
    if let Some(v) = &a.conclusion {
        let ok = match ketnap_domain::text::fold(v).as_str() {
            "ok" | "yes" | "true" | "dat" | "1" => true,
            "not_ok" | "no" | "false" | "khong dat" | "0" => false,
            _ => bail!("--conclusion {v:?}: use ok or not_ok"),
        };
        set("conclusion_ok", json!(ok));
    }
    if let Some(person) = a.introducer {
        let since = match a.official_since {
            Some(d) => d,
            None => official_since(store, person, a.date)
                .await?
                .unwrap_or(a.date),
        };
        let worked = a
            .worked_since
            .context("--worked-since is needed with --introducer")?;
        set(
            "introducer",
            json!({"by": "member", "person": person, "official_since": since, "worked_together_since": worked}),
        );
    }
    if let Some(v) = &a.youth_union_resolution {
        set(
            "introducer",
            json!({"by": "youth_union", "resolution_no": v}),
        );
    }
    if let Some(v) = &a.trade_union_resolution {
        set(
            "introducer",
            json!({"by": "trade_union", "resolution_no": v}),
        );
    }
    for (k, v) in [
        ("present", a.present),
        ("in_favour", a.in_favour),
        ("against", a.against),
        ("members", a.members),
        ("official_members", a.official_members),
    ] {
        if let Some(v) = v {
            set(k, json!(v));
        }
    }
    if matches!(a.kind, StepKind::BranchVoted | StepKind::RecognitionVoted)
        && !m.contains_key("official_members")
    {
        // Computed from the records, not typed: all official members of the branch that day.
        let view = store.case_get(a.case, a.date, None).await?;
        let branch = view.case.branch.id;
        let n = store
            .branch_members(branch, a.date)
            .await?
            .iter()
            .filter(|p| p.status == Some(PartyStatus::Official))
            .count();
        m.insert("official_members".into(), json!(n));
    }
    if let Some(v) = &a.level {
        let code = if a.kind == StepKind::ExceptionGranted {
            CommitteeLevel::parse(v).map(|l| l.as_str())
        } else {
            DecisionLevel::parse(v).map(|l| l.as_str())
        };
        m.insert(
            "level".into(),
            json!(code.ok_or_else(|| anyhow!("--level {v:?} is not a level"))?),
        );
    }
    if let Some(v) = a.received {
        m.insert("received".into(), json!(v));
    }
    if let Some(v) = &a.doc {
        let d =
            DossierDoc::parse(v).ok_or_else(|| anyhow!("--doc {v:?} is not a dossier document"))?;
        m.insert("doc".into(), json!(d));
    }
    if let Some(v) = &a.grounds {
        m.insert("grounds".into(), json!(v));
    }
    if let Some(code) = &a.to_branch {
        m.insert(
            "to_branch".into(),
            json!(store.org_required(code).await?.id),
        );
    }
    if let Some(code) = &a.from_branch {
        m.insert(
            "from_branch".into(),
            json!(store.org_required(code).await?.id),
        );
    }
    if let Some(v) = a.first_decision {
        m.insert("first_decision".into(), json!(v));
    }
    if let Some(v) = &a.rule {
        m.insert("rule_id".into(), json!(v));
    }
    if let Some(v) = &a.approved_by {
        m.insert("approved_by".into(), json!(v));
    }
    if let Some(v) = &a.basis {
        m.insert("basis".into(), json!(v));
    }
    serde_json::from_value(Value::Object(m))
        .map_err(|e| anyhow!("the {} event's fields: {e}", a.kind.as_str()))
}

/// Since when the person is an official member without a break, from the records.
async fn official_since(store: &Store, person: i64, on: Date) -> Result<Option<Date>> {
    Ok(store.official_since(person, on).await?)
}

async fn event(store: &Store, a: EventArgs, actor: &str) -> Result<()> {
    let kind = event_kind(store, &a).await?;
    let form = match &a.form {
        Some(f) => {
            Some(FormCode::parse(f).ok_or_else(|| anyhow!("--form {f:?} is not a form code"))?)
        }
        None => None,
    };
    let document = a.number.as_ref().map(|n| DocumentRef {
        form,
        number: n.clone(),
        date: Some(a.doc_date.unwrap_or(a.date)),
    });
    if document.is_none() && form.is_some() {
        bail!("--form needs --number");
    }
    let new = NewEvent {
        date: a.date,
        kind,
        document,
        corrects: a.corrects,
        reason: a.reason.clone(),
    };
    let r: Recorded = refused_or(
        store
            .case_record(a.case, &new, a.expected_version, actor)
            .await,
        a.format,
    )?;
    if a.format == Format::Json {
        return print_json(&r);
    }
    println!(
        "recorded event #{} ({}, {}) in case #{}: stage {} ({}), version {}",
        r.event.id,
        r.event.kind.step().as_str(),
        vi_date(r.event.date),
        a.case,
        r.stage.as_str(),
        r.stage.label_vi(),
        r.version
    );
    Ok(())
}

/// Prints refusals (stderr, or stdout as JSON) and fails; passes other results on.
fn refused_or<T>(r: Result<T, StoreError>, format: Format) -> Result<T> {
    match r {
        Ok(v) => Ok(v),
        Err(StoreError::Refused(rs)) => {
            if format == Format::Json {
                print_json(&json!({"refused": rs}))?;
            } else {
                let mut err = std::io::stderr().lock();
                writeln!(err, "refused — nothing was written:")?;
                for r in &rs {
                    write_refusal(&mut err, r, "  ")?;
                }
            }
            bail!("refused by {} rule(s); nothing was written", rs.len())
        }
        Err(e) => Err(e.into()),
    }
}

fn write_refusal(w: &mut impl Write, r: &Refusal, indent: &str) -> std::io::Result<()> {
    writeln!(
        w,
        "{indent}[{}] {} — {}",
        r.rule_id, r.regulation, r.article
    )?;
    writeln!(w, "{indent}  vi: {}", r.message_vi)?;
    writeln!(w, "{indent}  en: {}", r.message_en)?;
    if !r.facts.is_empty() {
        let facts: Vec<String> = r.facts.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(w, "{indent}  facts: {}", facts.join(", "))?;
    }
    Ok(())
}

fn print_case(v: &CaseView) {
    let s = &v.state;
    let p = &v.person;
    println!(
        "Case #{} — {} ({}, born {}) — {} {}",
        v.case.id,
        p.full_name,
        p.sex.as_str(),
        p.birth_year,
        v.case.branch.code,
        v.case.branch.name
    );
    println!(
        "Stage: {} ({}) · on the list since {} (proposed by {}) · version {} · last change by {} at {}",
        s.stage.as_str(),
        s.stage.label_vi(),
        vi_date(v.case.opened_on),
        v.case.proposed_by.as_str(),
        v.case.version,
        v.case.updated_by,
        v.case.updated_at.format("%d/%m/%Y %H:%M UTC")
    );
    if let Some(m) = &v.mentor {
        println!("Mentor: #{} {}", m.id, m.full_name);
    }
    let rs = RuleSet::for_date(v.as_of);
    println!(
        "Rules in force on {} (set {}): {}; {}; {}",
        vi_date(v.as_of),
        rs.id,
        rs.implementing,
        rs.guidance,
        rs.forms
    );
    println!("Timeline:");
    for e in &v.events {
        let doc = e
            .document
            .as_ref()
            .map(|d| {
                format!(
                    "  [{}{}]",
                    d.form.map(|f| format!("{f} ")).unwrap_or_default(),
                    d.number
                )
            })
            .unwrap_or_default();
        let corr = match (e.corrects, &e.reason) {
            (Some(t), Some(r)) => format!("  (corrects #{t}: {r})"),
            (Some(t), None) => format!("  (corrects #{t})"),
            _ => String::new(),
        };
        let step = e.kind.step();
        println!(
            "  #{:<6} {}  {:<28} {}{doc}{corr}  by {}",
            e.id,
            vi_date(e.date),
            step.as_str(),
            step.label_vi(),
            e.actor
        );
    }
    let d = &s.dates;
    let key: Vec<String> = [
        ("branch vote", d.branch_vote),
        ("decision", d.decision),
        ("ceremony", d.ceremony),
        ("probation ends", d.probation_end),
        ("official from", d.official_from),
        ("party age from", d.party_age_from),
    ]
    .iter()
    .filter_map(|(k, v)| v.map(|v| format!("{k} {}", vi_date(v))))
    .collect();
    if !key.is_empty() {
        println!("Key dates: {}", key.join(" · "));
    }
    println!(
        "Dossier checklist ({}):",
        if v.needs_committee {
            "branch under a grassroots committee"
        } else {
            "grassroots branch"
        }
    );
    for i in &v.checklist {
        let mark = if i.present {
            "x"
        } else if i.recorded {
            "!"
        } else {
            " "
        };
        let count = if i.needed > 1 {
            format!(" {}/{}", i.on_file, i.needed)
        } else {
            String::new()
        };
        println!(
            "  [{mark}] {}{count} — needed before: {}",
            i.doc.describe_vi(),
            i.needed_by_step.label_vi()
        );
    }
    println!("Due on {}:", vi_date(v.as_of));
    if v.due.is_empty() {
        println!("  nothing");
    }
    for i in &v.due {
        let flag = if i.overdue { "OVERDUE" } else { "due" };
        println!(
            "  {flag:<7} {}  {}",
            i.due_date.map(vi_date).unwrap_or_else(|| "-".into()),
            i.message_vi
        );
        println!("                     {}", i.message_en);
        if let Some(t) = i.rule_id.and_then(template) {
            let def = RuleSet::for_date(v.as_of).def(t);
            println!(
                "                     rule {}: {} — {}, {}",
                def.id, def.title_en, def.regulation, def.article
            );
        }
    }
}

// ---- due ----------------------------------------------------------------------------------

#[derive(Args, Debug)]
pub struct DueArgs {
    /// Code of the unit whose subtree to list.
    #[arg(long)]
    org: String,
    /// The date to judge (default: today).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// A case with no event for this many months is stalled (0: never).
    #[arg(long, default_value_t = 6)]
    stall_months: u32,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub async fn due(store: &Store, a: DueArgs) -> Result<()> {
    let as_of = a.as_of.unwrap_or_else(today);
    let rows = store.due_list(&a.org, as_of, a.stall_months).await?;
    let mut groups: BTreeMap<DueGroup, Vec<&DueRow>> = BTreeMap::new();
    for r in &rows {
        groups.entry(r.group).or_default().push(r);
    }
    if a.format == Format::Json {
        let counts: Map<String, Value> = DueGroup::ALL
            .iter()
            .map(|g| {
                (
                    g.as_str().to_string(),
                    json!(groups.get(g).map_or(0, Vec::len)),
                )
            })
            .collect();
        return print_json(&json!({
            "org": a.org, "as_of": as_of, "stall_months": a.stall_months,
            "counts": counts, "rows": rows,
        }));
    }
    println!(
        "Due under {} on {} (stalled after {} months): {} item(s)",
        a.org,
        vi_date(as_of),
        a.stall_months,
        rows.len()
    );
    for g in DueGroup::ALL {
        let Some(items) = groups.get(&g) else {
            continue;
        };
        println!("{} / {} ({})", g.label_vi(), g.label_en(), items.len());
        for r in items {
            println!(
                "  #{:<7} {:<32} {:<16} {:<14} {}  {}",
                r.case_id,
                r.person.full_name,
                r.branch.code,
                r.stage.as_str(),
                r.item.due_date.map(vi_date).unwrap_or_else(|| "-".into()),
                r.item.message_vi
            );
            println!("{:>84}{}", "", r.item.message_en);
        }
    }
    Ok(())
}

// ---- courses -----------------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum CourseCommand {
    /// Create a course at the political centre of a unit.
    Add {
        /// Code of the committee whose political centre runs the course.
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        /// awareness (nhận thức về Đảng) or new_member (đảng viên mới).
        #[arg(long, value_parser = parse_course_kind, default_value = "awareness")]
        kind: CourseKind,
        /// upper_secondary_pupils or private_sector_workers.
        #[arg(long, value_parser = parse_reserved)]
        reserved_class: Option<ReservedClass>,
        #[arg(long, value_parser = parse_date)]
        start: Date,
        #[arg(long, value_parser = parse_date)]
        end: Date,
    },
    /// Enrol a person with an open case.
    Enrol {
        course: i64,
        #[arg(long)]
        person: i64,
        #[arg(long, value_parser = parse_date)]
        date: Option<Date>,
    },
    /// Record completion and the certificate (an event in the person's case).
    Complete {
        course: i64,
        #[arg(long)]
        person: i64,
        #[arg(long)]
        certificate_no: String,
        #[arg(long, value_parser = parse_date)]
        issued: Date,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Courses (of centres under a unit).
    List {
        #[arg(long)]
        org: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// The people enrolled in a course.
    Show {
        course: i64,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

pub async fn course(store: &Store, c: CourseCommand, actor: &str) -> Result<()> {
    match c {
        CourseCommand::Add {
            org,
            name,
            kind,
            reserved_class,
            start,
            end,
        } => {
            let id = store
                .course_create(
                    &NewCourse {
                        kind,
                        org_code: org,
                        name,
                        reserved_class,
                        starts_on: start,
                        ends_on: end,
                    },
                    actor,
                )
                .await?;
            println!("course #{id} created");
        }
        CourseCommand::Enrol {
            course,
            person,
            date,
        } => {
            store
                .course_enrol(course, person, date.unwrap_or_else(today), actor)
                .await?;
            println!("person #{person} enrolled in course #{course}");
        }
        CourseCommand::Complete {
            course,
            person,
            certificate_no,
            issued,
            format,
        } => {
            let r = refused_or(
                store
                    .course_complete(course, person, &certificate_no, issued, actor)
                    .await,
                format,
            )?;
            if format == Format::Json {
                return print_json(&r);
            }
            println!(
                "course #{course} completed by person #{person}: event #{} in case #{}, stage {}",
                r.event.id,
                r.event.case_id,
                r.stage.as_str()
            );
        }
        CourseCommand::List { org, format } => {
            let v = store.courses_list(org.as_deref()).await?;
            if format == Format::Json {
                return print_json(&v);
            }
            for c in v {
                println!(
                    "  #{:<6} {:<10} {} – {}  {:<16} {}{}  enrolled {}, completed {}",
                    c.id,
                    c.kind.as_str(),
                    vi_date(c.starts_on),
                    vi_date(c.ends_on),
                    c.org.code,
                    c.name,
                    c.reserved_class
                        .map(|r| format!(" [{}]", r.as_str()))
                        .unwrap_or_default(),
                    c.enrolled,
                    c.completed
                );
            }
        }
        CourseCommand::Show { course, format } => {
            let v = store.course_enrolments(course).await?;
            if format == Format::Json {
                return print_json(&v);
            }
            for e in v {
                println!(
                    "  #{:<7} {:<32} case #{:<7} {}",
                    e.person.id,
                    e.person.full_name,
                    e.case_id,
                    match (&e.certificate_no, e.issued) {
                        (Some(n), Some(d)) => format!("certificate {n} of {}", vi_date(d)),
                        _ => format!("enrolled {}", vi_date(e.enrolled_on)),
                    }
                );
            }
        }
    }
    Ok(())
}

// ---- holidays and difficult areas ---------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum HolidayCommand {
    /// The days off (and worked Saturdays) of the working-day calendar.
    List {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Add or change a day: holiday, tet, substitute (nghỉ bù) or working_saturday (làm bù).
    Set {
        #[arg(value_parser = parse_date)]
        date: Date,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_holiday_kind, default_value = "holiday")]
        kind: HolidayKind,
    },
    /// Remove a day.
    Remove {
        #[arg(value_parser = parse_date)]
        date: Date,
    },
}

pub async fn holiday(store: &Store, c: HolidayCommand, actor: &str) -> Result<()> {
    match c {
        HolidayCommand::List { year, format } => {
            let v = store.holidays_list(year).await?;
            if format == Format::Json {
                return print_json(&v);
            }
            for h in v {
                println!(
                    "  {}  {:<16} {}  ({})",
                    vi_date(h.holiday.date),
                    h.holiday.kind.as_str(),
                    h.holiday.name,
                    h.source
                );
            }
        }
        HolidayCommand::Set { date, name, kind } => {
            store
                .holiday_upsert(&Holiday { date, name, kind }, actor)
                .await?;
            println!("{} set ({})", vi_date(date), kind.as_str());
        }
        HolidayCommand::Remove { date } => {
            if store.holiday_delete(date, actor).await? {
                println!("{} removed", vi_date(date));
            } else {
                println!("{} was not in the calendar", vi_date(date));
            }
        }
    }
    Ok(())
}

#[derive(Subcommand, Debug)]
pub enum AreaCommand {
    /// Designate a unit (a commune, or any unit above) as a mountainous, island,
    /// ethnic-minority or especially difficult area over a period.
    Set {
        code: String,
        #[arg(long, value_parser = parse_date)]
        from: Date,
        #[arg(long, value_parser = parse_date)]
        to: Option<Date>,
        /// The decision that designates it.
        #[arg(long)]
        basis: String,
    },
    /// The designations in force on a date.
    List {
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

pub async fn area(store: &Store, c: AreaCommand, actor: &str) -> Result<()> {
    match c {
        AreaCommand::Set {
            code,
            from,
            to,
            basis,
        } => {
            store
                .difficult_area_set(&code, Period { from, to }, &basis, actor)
                .await?;
            println!("{code} designated a difficult area from {}", vi_date(from));
        }
        AreaCommand::List { as_of, format } => {
            let v = store.difficult_areas(as_of.unwrap_or_else(today)).await?;
            if format == Format::Json {
                return print_json(&v);
            }
            for a in v {
                println!(
                    "  {:<16} {:<40} {}  ({})",
                    a.org.code, a.org.name, a.period, a.basis
                );
            }
        }
    }
    Ok(())
}

// ---- import events ------------------------------------------------------------------------

/// `ketnap import orgs|localities|people FILE` (the exchange formats) or
/// `ketnap import events FILE` (admission pipeline events).
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ImportCommand {
    #[command(subcommand)]
    events: Option<ImportSub>,
    #[command(flatten)]
    table: Option<crate::exchange::ImportArgs>,
}

#[derive(Subcommand, Debug)]
enum ImportSub {
    /// Events of candidates' cases (case,person_id,branch,date,kind,data,…): every row checked
    /// by the admission rules; nothing written if any row is refused.
    Events(ImportEventsArgs),
}

pub async fn import(store: &Store, c: ImportCommand, actor: &str) -> Result<()> {
    match (c.events, c.table) {
        (Some(ImportSub::Events(a)), _) => import_events(store, a, actor).await,
        (None, Some(a)) => crate::exchange::import(store, a, actor).await,
        (None, None) => bail!("say what to import: orgs, localities, people or events"),
    }
}

/// How many bad rows are printed; the rest are counted.
const MAX_ERRORS_SHOWN: usize = 50;

#[derive(Args, Debug)]
pub struct ImportEventsArgs {
    /// The file: CSV (UTF-8, with or without BOM): case,person_id,branch,date,kind,data,… — or
    /// .xlsx, or other headers with --mapping.
    file: PathBuf,
    /// Check every row; write nothing.
    #[arg(long)]
    dry_run: bool,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[command(flatten)]
    mapping: crate::exchange::MappingArgs,
}

pub async fn import_events(store: &Store, a: ImportEventsArgs, actor: &str) -> Result<()> {
    let data =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    if a.mapping.wanted()
        || ketnap_exchange::sheet::Format::detect(&data) == ketnap_exchange::sheet::Format::Xlsx
    {
        return crate::exchange::import_mapped(
            store,
            ketnap_exchange::mapping::MappedKind::Events,
            &a.file,
            &data,
            a.dry_run,
            a.format,
            &a.mapping,
            actor,
        )
        .await;
    }
    let name = a.file.display().to_string();
    let parsed = ketnap_exchange::events::read_events(store, &data).await?;
    let report = if parsed.errors.is_empty() {
        store
            .events_import(&parsed.rows, &name, actor, a.dry_run)
            .await?
    } else {
        ImportReport {
            rows: parsed.rows.len() + parsed.errors.len(),
            errors: parsed.errors,
            dry_run: a.dry_run,
            ..ImportReport::default()
        }
    };
    if a.format == Format::Json {
        print_json(&report)?;
    }
    if !report.errors.is_empty() {
        if a.format != Format::Json {
            let mut err = std::io::stderr().lock();
            for e in report.errors.iter().take(MAX_ERRORS_SHOWN) {
                writeln!(
                    err,
                    "{name}: row {}, column {}: {} [{}]",
                    e.row, e.column, e.message, e.rule
                )?;
                if let Some(r) = &e.refusal {
                    write_refusal(&mut err, r, "    ")?;
                }
            }
            if report.errors.len() > MAX_ERRORS_SHOWN {
                writeln!(err, "… and {} more", report.errors.len() - MAX_ERRORS_SHOWN)?;
            }
        }
        let mut rows: Vec<usize> = report.errors.iter().map(|e| e.row).collect();
        rows.sort_unstable();
        rows.dedup();
        bail!(
            "{} error(s) in {} row(s) of {name}; nothing was written",
            report.errors.len(),
            rows.len()
        );
    }
    if a.format != Format::Json {
        let outcome = if report.dry_run {
            "dry run: nothing written"
        } else {
            "written"
        };
        println!(
            "events: {} rows — cases created {}, events recorded {} ({outcome})",
            report.rows, report.cases_created, report.events_created
        );
    }
    Ok(())
}
