//! In biểu mẫu — the dossier forms of a case as DOCX files, for the CLI (`ketnap dossier`), the
//! JSON API (`/api/v1/cases/{id}/forms`) and the case page.
//!
//! [`source`] gathers from the store what the pure `ketnap_domain::pipeline::forms` fills the
//! forms from: the case's events, the candidate (name, birth date, residence), the member
//! introducers (name, birth date, status spells) and, for each date a form needs, the branch
//! of the case and the organizations above it with the names they had on that date. [`print`]
//! renders one form, writes it as DOCX ([`crate::docx`]) and records the print in the audit
//! trail (`case.print`: a form shows personal data, as a dossier view does); a form that cannot
//! be filled yet is refused with the fields that are missing ([`PrintError::Incomplete`]) and
//! nothing is written or audited.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use ketnap_domain::Date;
use ketnap_domain::org::OrgId;
use ketnap_domain::person::PersonId;
use ketnap_domain::pipeline::forms::{
    self, FormPerson, FormSource, FormSpell, FormStatus, FormUnit, MissingField, PrintForm,
    RenderOptions,
};
use ketnap_store::pipeline_api::CaseView;
use ketnap_store::{OrgHistory, PersonRecord, Store, StoreError};

/// Why a form was not printed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The case lacks recorded data the form needs (nothing was written).
    #[error(
        "{form} cannot be printed yet; record first: {}",
        .missing.iter().map(|m| m.label_vi).collect::<Vec<_>>().join("; ")
    )]
    Incomplete {
        form: PrintForm,
        missing: Vec<MissingField>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the DOCX file: {0}")]
    Io(#[from] std::io::Error),
}

/// A printed form.
#[derive(Clone, Debug)]
pub struct Printed {
    pub form: PrintForm,
    /// `ho-so-7-6-KND.docx`.
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub pages: usize,
}

fn form_person(rec: &PersonRecord, residence: Option<String>) -> FormPerson {
    FormPerson {
        id: rec.person.id,
        full_name: rec.person.full_name.clone(),
        birth_date: *rec.person.birth_date.expose(),
        residence,
        spells: rec
            .statuses
            .iter()
            .map(|s| FormSpell {
                status: s.status,
                branch: s.branch.as_ref().map(|b| b.name.clone()),
                period: s.period,
            })
            .collect(),
    }
}

async fn person(store: &Store, id: PersonId) -> Result<Option<FormPerson>, StoreError> {
    let Some(rec) = store.person_by_id(id).await? else {
        return Ok(None);
    };
    let residence = match rec.person.residence_locality {
        Some(l) => store.locality_by_id(l).await?.map(|l| l.name),
        None => None,
    };
    Ok(Some(form_person(&rec, residence)))
}

/// The unit `id` and the organizations above it on `on`, the unit first, each with the name in
/// force that day.
async fn chain(
    store: &Store,
    cache: &mut HashMap<OrgId, Option<OrgHistory>>,
    id: OrgId,
    on: Date,
) -> Result<Vec<FormUnit>, StoreError> {
    let mut out = vec![];
    let mut next = Some(id);
    // The tree is at most 7 levels deep; the bound only guards against a corrupt cycle.
    while let Some(id) = next.filter(|_| out.len() < 12) {
        let h = match cache.entry(id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(store.org_history(id).await?),
        };
        let Some(h) = h.as_ref() else {
            break;
        };
        let name = h
            .names
            .iter()
            .find(|n| n.period.contains(on))
            .or_else(|| h.names.iter().rfind(|n| n.period.from <= on))
            .map_or_else(|| h.unit.name.clone(), |n| n.name.clone());
        out.push(FormUnit {
            id,
            name,
            kind: h.unit.kind,
        });
        next = h
            .parents
            .iter()
            .find(|p| p.period.contains(on))
            .map(|p| p.parent.id);
    }
    Ok(out)
}

/// What the forms of a case are filled from, as of `as_of`.
pub async fn source(store: &Store, case_id: i64, as_of: Date) -> Result<FormSource, StoreError> {
    let view = store.case_get(case_id, as_of, None).await?;
    source_from(store, &view).await
}

/// [`source`] from a case already read (the case page has it), as of its `as_of`.
pub async fn source_from(store: &Store, view: &CaseView) -> Result<FormSource, StoreError> {
    let (case_id, as_of) = (view.case.id, view.as_of);
    let candidate =
        person(store, view.case.person_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "person",
                key: view.case.person_id.to_string(),
            })?;
    let origin = view.case.origin_branch.id;
    let mut cache = HashMap::new();
    let mut chains = BTreeMap::new();
    for (unit, date) in forms::chain_requests(&view.state, origin, as_of) {
        chains.insert((unit, date), chain(store, &mut cache, unit, date).await?);
    }
    let mut people = BTreeMap::new();
    for id in forms::people_requests(&view.state) {
        if let Some(p) = person(store, id).await? {
            people.insert(id, p);
        }
    }
    Ok(FormSource {
        case_id,
        candidate,
        origin_branch: origin,
        state: view.state.clone(),
        as_of,
        chains,
        people,
    })
}

/// Every printable form of the case: ready, or what is missing.
pub async fn list(store: &Store, case_id: i64, as_of: Date) -> Result<Vec<FormStatus>, StoreError> {
    Ok(forms::statuses(&source(store, case_id, as_of).await?))
}

/// Prints one form as DOCX and records `case.print` for `actor` in the audit trail; refused
/// with the missing fields when the case lacks data the form needs. `mask_birth_date`: print
/// birth years only (roles that see sensitive fields masked).
pub async fn print(
    store: &Store,
    case_id: i64,
    form: PrintForm,
    as_of: Date,
    mask_birth_date: bool,
    actor: &str,
) -> Result<Printed, PrintError> {
    let src = source(store, case_id, as_of).await?;
    let doc = forms::render(&src, form, RenderOptions { mask_birth_date }).map_err(|m| {
        PrintError::Incomplete {
            form,
            missing: m.into_iter().map(MissingField::from).collect(),
        }
    })?;
    let bytes = crate::docx::write(&doc)?;
    let detail = serde_json::json!({ "form": form.code(), "pages": doc.pages.len() });
    store
        .audit_view(
            actor,
            "case.print",
            "pipeline_case",
            &case_id.to_string(),
            &detail.to_string(),
        )
        .await?;
    Ok(Printed {
        form,
        file_name: doc.file_name("docx"),
        pages: doc.pages.len(),
        bytes,
    })
}

/// The missing fields of a refusal, for messages: `branch_vote (Nghị quyết của chi bộ: …)`.
pub fn describe_missing(missing: &[MissingField]) -> Vec<String> {
    missing
        .iter()
        .map(|m| format!("{} — {} ({})", m.field, m.label_vi, m.label_en))
        .collect()
}
