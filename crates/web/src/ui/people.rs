//! Hồ sơ một người — the person page: identity (CCCD, birth date, ethnic group and religion
//! masked by role through [`crate::mask`], as `GET /api/v1/people/{id}` does), the party status
//! spells with their branches, the person's cases, and for those who read the audit trail the
//! person's audit rows (the query of `GET /api/v1/people/{id}/audit`). Every view is recorded
//! as a dossier view (`person.view`), as in the API.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use ketnap_domain::access::Permission;
use ketnap_domain::person::PartyStatus;

use super::{Ctx, Lang, PageError, PageResult, fmt_date, render};
use crate::AppState;
use crate::error::ApiError;
use crate::mask::Disclosure;

/// Audit rows shown on the page (newest first).
pub const AUDIT_ROWS: i64 = 100;

pub struct SpellLine {
    pub status: &'static str,
    pub status_code: &'static str,
    pub from: String,
    /// The last day of the spell, empty while it runs.
    pub to: String,
    pub branch: String,
    pub branch_code: String,
}

pub struct CaseLine {
    pub id: i64,
    pub branch: String,
    pub stage: String,
    pub opened: String,
    pub last: String,
    pub closed: bool,
}

pub struct AuditLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
}

#[derive(Template)]
#[template(path = "ui/person.html")]
pub struct PersonPage {
    pub ctx: Ctx,
    pub title: String,
    pub id: i64,
    pub name: String,
    pub sex: String,
    /// `dd/mm/yyyy`, or the birth year alone when masked.
    pub birth: String,
    /// Masked (`*********345`) or in full; empty when unknown.
    pub cccd: String,
    /// Empty when withheld.
    pub ethnic: String,
    pub religion: String,
    pub masked: bool,
    pub education: String,
    pub qualification: String,
    pub political_theory: String,
    pub occupation: String,
    pub youth_union: bool,
    pub spells: Vec<SpellLine>,
    pub cases: Vec<CaseLine>,
    pub show_audit: bool,
    pub audit: Vec<AuditLine>,
}

/// The status in the page's language.
pub fn status_label(lang: Lang, s: PartyStatus) -> &'static str {
    lang.t(match s {
        PartyStatus::Candidate => "status.candidate",
        PartyStatus::Probationary => "status.probationary",
        PartyStatus::Official => "status.official",
        PartyStatus::TransferredOut => "status.transferred_out",
        PartyStatus::Removed => "status.removed",
        PartyStatus::Deceased => "status.deceased",
    })
}

fn person_id(s: &str) -> PageResult<i64> {
    s.parse().map_err(|_| {
        PageError::Api(ApiError::NotFound {
            what: "person",
            key: s.to_string(),
        })
    })
}

/// `GET /people/{id}`: 404 outside the user's subtree (as if the person did not exist); the
/// view is audited (`person.view`).
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let id = person_id(&id)?;
    ctx.p.check_person(&state, id).await?;
    let r = state
        .store
        .person_by_id(id)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            what: "person",
            key: id.to_string(),
        })?;
    state
        .store
        .audit_view(
            &ctx.p.actor(),
            "person.view",
            "person",
            &id.to_string(),
            "{}",
        )
        .await?;
    let d = ctx.p.disclosure();
    let full = d == Disclosure::Full;
    let l = ctx.lang;
    let p = &r.person;
    let spells = r
        .statuses
        .iter()
        .map(|s| SpellLine {
            status: status_label(l, s.status),
            status_code: s.status.as_str(),
            from: fmt_date(s.period.from),
            // Periods end exclusively: the spell's last day is the day before.
            to: s
                .period
                .to
                .map(|t| fmt_date(t.pred_opt().unwrap_or(t)))
                .unwrap_or_default(),
            branch: s
                .branch
                .as_ref()
                .map(|b| b.name.clone())
                .unwrap_or_default(),
            branch_code: s
                .branch
                .as_ref()
                .map(|b| b.code.clone())
                .unwrap_or_default(),
        })
        .collect();
    // Only the cases the user may open (a case kept in a branch outside the subtree is not
    // linked, as it would be a 404).
    let mut cases = vec![];
    if ctx.p.allows(Permission::ReadCases) {
        for c in state.store.person_cases(id).await? {
            if ctx.p.check_case(&state, c.id).await.is_err() {
                continue;
            }
            cases.push(CaseLine {
                id: c.id,
                branch: c.branch.name,
                stage: l.pick(c.stage.label_vi(), c.stage.label_en()).into(),
                opened: fmt_date(c.opened_on),
                last: fmt_date(c.last_event_on),
                closed: c.stage.is_closed(),
            });
        }
    }
    let show_audit = ctx.p.allows(Permission::ReadAudit);
    let audit = if show_audit {
        state
            .store
            .audit_person(id, AUDIT_ROWS)
            .await?
            .into_iter()
            .map(|e| AuditLine {
                // Giờ Việt Nam (UTC+7).
                at: (e.at + chrono::Duration::hours(7))
                    .format("%d/%m/%Y %H:%M")
                    .to_string(),
                actor: e.actor,
                action: e.action,
                entity: format!("{} {}", e.entity, e.entity_key),
            })
            .collect()
    } else {
        vec![]
    };
    let page = PersonPage {
        title: format!("{} — {}", ctx.t("person.title"), p.full_name),
        id,
        name: p.full_name.clone(),
        sex: super::in_lang(l, p.sex.label_vi(), p.sex.code_in_words()),
        birth: match d.birth_date(&p.birth_date) {
            Some(b) => fmt_date(b),
            None => d.birth_year(&p.birth_date).to_string(),
        },
        cccd: p.cccd.as_ref().map(|c| d.cccd(c)).unwrap_or_default(),
        ethnic: if full {
            p.ethnic_group.expose().name().into()
        } else {
            String::new()
        },
        religion: if full {
            super::in_lang(
                l,
                p.religion.expose().label_vi(),
                p.religion.expose().code_in_words(),
            )
        } else {
            String::new()
        },
        masked: !full,
        education: super::in_lang(l, p.education.label_vi(), p.education.code_in_words()),
        qualification: super::in_lang(
            l,
            p.qualification.label_vi(),
            p.qualification.code_in_words(),
        ),
        political_theory: super::in_lang(
            l,
            p.political_theory.label_vi(),
            p.political_theory.code_in_words(),
        ),
        occupation: super::in_lang(l, p.occupation.label_vi(), p.occupation.code_in_words()),
        youth_union: p.youth_union,
        spells,
        cases,
        show_audit,
        audit,
        ctx,
    };
    render(&page)
}
