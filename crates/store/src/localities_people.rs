//! The [`Store`] facade for localities, people and import batches (SQL in
//! `engine/locality.rs`, `engine/person.rs`, `engine/exchange.rs`).

use ketnap_domain::Date;
use ketnap_domain::locality::{Locality, LocalityId, LocalityKind, NewLocality};
use ketnap_domain::org::OrgId;
use ketnap_domain::person::{PartyStatus, Person, PersonId};

use crate::batch::{Batch, BatchOutcome, LocalityExport, OrgExport, PersonExport};
use crate::model::*;
use crate::{Db, Result, Store, engine};

impl Store {
    // ---- localities -------------------------------------------------------------------------

    /// Creates a locality inside a commune-level committee, existing from `new.from`.
    pub async fn locality_create(&self, new: &NewLocality, actor: &str) -> Result<LocalityId> {
        dispatch!(self, locality::create(new, actor))
    }

    /// Corrects a locality's name and kind; returns whether anything changed.
    pub async fn locality_update(
        &self,
        id: LocalityId,
        name: &str,
        kind: LocalityKind,
        actor: &str,
    ) -> Result<bool> {
        dispatch!(self, locality::update(id, name, kind, actor))
    }

    /// Moves a locality to another commune from `from`.
    pub async fn locality_move(
        &self,
        id: LocalityId,
        commune: OrgId,
        from: Date,
        actor: &str,
    ) -> Result<()> {
        dispatch!(self, locality::move_to(id, commune, from, actor))
    }

    /// Ends a locality on `at`.
    pub async fn locality_close(&self, id: LocalityId, at: Date, actor: &str) -> Result<()> {
        dispatch!(self, locality::close(id, at, actor))
    }

    /// Records the population of a year.
    pub async fn locality_set_population(
        &self,
        id: LocalityId,
        year: i32,
        population: i64,
        actor: &str,
    ) -> Result<()> {
        dispatch!(self, locality::set_population(id, year, population, actor))
    }

    /// Makes `branch` serve the locality from `from`; `None` stops the current service then.
    pub async fn locality_set_service(
        &self,
        id: LocalityId,
        branch: Option<OrgId>,
        from: Date,
        actor: &str,
    ) -> Result<()> {
        dispatch!(self, locality::set_service(id, branch, from, actor))
    }

    pub async fn locality_by_code(&self, code: &str) -> Result<Option<Locality>> {
        dispatch!(self, locality::by_code(code))
    }

    pub async fn locality_by_id(&self, id: LocalityId) -> Result<Option<Locality>> {
        dispatch!(self, locality::by_id(id))
    }

    /// Localities in communes under `org` (a commune, or any unit above) on `as_of`.
    pub async fn localities_in(&self, org: OrgId, as_of: Date) -> Result<Vec<LocalityView>> {
        dispatch!(self, locality::in_org(org, as_of))
    }

    pub async fn locality_history(&self, id: LocalityId) -> Result<Option<LocalityHistory>> {
        dispatch!(self, locality::history(id))
    }

    // ---- people -----------------------------------------------------------------------------

    /// Creates a person (the record's `id` is ignored).
    pub async fn person_create(&self, p: &Person, actor: &str) -> Result<PersonId> {
        dispatch!(self, person::create(p, actor))
    }

    /// Replaces a person's record (by `p.id`); returns whether anything changed.
    pub async fn person_update(&self, p: &Person, actor: &str) -> Result<bool> {
        dispatch!(self, person::update(p, actor))
    }

    /// Starts a status spell from `from`, ending the open one there.
    pub async fn person_add_status(
        &self,
        person: PersonId,
        status: PartyStatus,
        branch: Option<OrgId>,
        from: Date,
        actor: &str,
    ) -> Result<()> {
        dispatch!(
            self,
            person::add_status(person, status, branch, from, actor)
        )
    }

    pub async fn person_by_id(&self, id: PersonId) -> Result<Option<PersonRecord>> {
        dispatch!(self, person::by_id(id))
    }

    /// Since when `person` has been an official member without a break, on `on` (`None` when
    /// not official that day, or unknown). Used to fill an introducer's or mentor's standing.
    pub async fn official_since(
        &self,
        person: PersonId,
        on: ketnap_domain::Date,
    ) -> Result<Option<ketnap_domain::Date>> {
        let Some(rec) = self.person_by_id(person).await? else {
            return Ok(None);
        };
        let mut since = None;
        for s in &rec.statuses {
            if s.period.from > on {
                break;
            }
            since = match (s.status, since) {
                (ketnap_domain::person::PartyStatus::Official, None) => Some(s.period.from),
                (ketnap_domain::person::PartyStatus::Official, Some(x)) => Some(x),
                _ => None,
            };
        }
        Ok(since)
    }

    pub async fn person_by_cccd(&self, cccd: &str) -> Result<Option<PersonRecord>> {
        dispatch!(self, person::by_cccd(cccd))
    }

    /// People with this name (diacritics ignored) and birth date.
    pub async fn person_ids_by_name_birth(
        &self,
        full_name: &str,
        birth: Date,
    ) -> Result<Vec<PersonId>> {
        dispatch!(self, person::ids_by_name_birth(full_name, birth))
    }

    /// Search by name (diacritic-insensitive) or exact CCCD, optionally in an org subtree.
    pub async fn person_search(&self, q: &PersonQuery) -> Result<Vec<PersonHit>> {
        dispatch!(self, person::search(q))
    }

    /// Probationary and official members of a branch on `as_of`.
    pub async fn branch_members(&self, branch: OrgId, as_of: Date) -> Result<Vec<PersonHit>> {
        dispatch!(self, person::branch_members(branch, as_of))
    }

    // ---- import / export --------------------------------------------------------------------

    /// Applies a checked batch in one transaction (nothing is written if any step is refused,
    /// nor on a dry run).
    pub async fn batch_apply(
        &self,
        batch: &Batch,
        actor: &str,
        dry_run: bool,
    ) -> Result<BatchOutcome> {
        dispatch!(self, exchange::apply(batch, actor, dry_run))
    }

    pub async fn export_orgs(&self, root: Option<OrgId>, as_of: Date) -> Result<Vec<OrgExport>> {
        dispatch!(self, exchange::org_rows(root, as_of))
    }

    pub async fn export_localities(
        &self,
        root: Option<OrgId>,
        as_of: Date,
    ) -> Result<Vec<LocalityExport>> {
        dispatch!(self, exchange::locality_rows(root, as_of))
    }

    pub async fn export_people(
        &self,
        root: Option<OrgId>,
        as_of: Date,
    ) -> Result<Vec<PersonExport>> {
        dispatch!(self, exchange::person_rows(root, as_of))
    }
}
