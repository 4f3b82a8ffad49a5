//! An in-memory organization history: the reference implementation of applying [`Change`]s,
//! used by property tests, by the demo generator, and to check a whole history's invariants.

use std::collections::HashMap;

use super::ops::{Change, ChildFacts, Operation, UnitFacts, UnitRef, plan};
use super::{Lineage, OrgId, OrgName, OrgUnit, ParentLink, current_heir};
use crate::dates::{Date, Period};
use crate::error::{DomainError, Violation};

/// A whole organization history held in memory.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub units: Vec<OrgUnit>,
    pub names: Vec<OrgName>,
    pub links: Vec<ParentLink>,
    pub lineage: Vec<Lineage>,
    index: HashMap<OrgId, usize>,
    codes: HashMap<String, OrgId>,
}

impl Tree {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn unit(&self, id: OrgId) -> Option<&OrgUnit> {
        self.index.get(&id).map(|&i| &self.units[i])
    }

    pub fn by_code(&self, code: &str) -> Option<&OrgUnit> {
        self.codes
            .get(&code.to_ascii_uppercase())
            .and_then(|id| self.unit(*id))
    }

    fn next_id(&self) -> OrgId {
        self.units.iter().map(|u| u.id).max().unwrap_or(0) + 1
    }

    /// The facts [`plan`] needs about `id` on `date` (see [`UnitFacts::last_change`] for what
    /// counts as a recorded change).
    pub fn facts(&self, id: OrgId, date: Date) -> Option<UnitFacts> {
        let u = self.unit(id)?;
        let parent = self.parent_at(id, date);
        let children = self
            .links
            .iter()
            .filter(|l| l.parent == id && l.period.contains(date))
            .filter_map(|l| {
                self.unit(l.child).map(|c| ChildFacts {
                    id: c.id,
                    kind: c.kind,
                })
            })
            .collect();
        let last_change = self
            .names
            .iter()
            .filter(|n| n.unit == id)
            .map(|n| n.period.from)
            .chain(
                self.links
                    .iter()
                    .filter(|l| l.child == id)
                    .map(|l| l.period.from),
            )
            .chain(
                self.links
                    .iter()
                    .filter(|l| l.parent == id)
                    .flat_map(|l| [Some(l.period.from), l.period.to.and_then(|t| t.pred_opt())])
                    .flatten(),
            )
            .chain(self.lineage.iter().filter_map(|l| {
                if l.successor == id {
                    Some(l.date)
                } else if l.predecessor == id {
                    l.date.pred_opt()
                } else {
                    None
                }
            }))
            .chain(std::iter::once(u.period.from))
            .max()
            .unwrap_or(u.period.from);
        Some(UnitFacts {
            id,
            code: u.code.clone(),
            kind: u.kind,
            period: u.period,
            parent,
            children,
            last_change,
        })
    }

    pub fn parent_at(&self, id: OrgId, date: Date) -> Option<OrgId> {
        self.links
            .iter()
            .find(|l| l.child == id && l.period.contains(date))
            .map(|l| l.parent)
    }

    pub fn name_at(&self, id: OrgId, date: Date) -> Option<&str> {
        self.names
            .iter()
            .find(|n| n.unit == id && n.period.contains(date))
            .map(|n| n.name.as_str())
    }

    /// Plans and applies `op`; returns the ids of the units it created.
    pub fn apply(&mut self, op: &Operation) -> Result<Vec<OrgId>, DomainError> {
        let date = op.date();
        let facts: HashMap<OrgId, UnitFacts> = op
            .units_named()
            .into_iter()
            .filter_map(|id| self.facts(id, date).map(|f| (id, f)))
            .collect();
        let changes = plan(op, &facts, &|c| {
            self.codes.contains_key(&c.to_ascii_uppercase())
        })?;
        Ok(self.apply_changes(&changes))
    }

    /// Applies planned changes (the same primitive steps the store performs).
    pub fn apply_changes(&mut self, changes: &[Change]) -> Vec<OrgId> {
        let mut created: Vec<OrgId> = vec![];
        let resolve = |r: UnitRef, created: &[OrgId]| match r {
            UnitRef::Existing(id) => Some(id),
            UnitRef::New(i) => created.get(i).copied(),
        };
        for c in changes {
            match c {
                Change::CreateUnit {
                    code,
                    name,
                    kind,
                    sector,
                    from,
                } => {
                    let id = self.next_id();
                    self.insert_unit(OrgUnit {
                        id,
                        code: code.clone(),
                        name: name.clone(),
                        kind: *kind,
                        sector: *sector,
                        period: Period::starting(*from),
                    });
                    created.push(id);
                }
                Change::CloseUnit { unit, at } => {
                    if let Some(&i) = self.index.get(unit)
                        && let Some(p) = self.units[i].period.closed_at(*at)
                    {
                        self.units[i].period = p;
                    }
                    close(&mut self.names, |n| n.unit == *unit, |n| &mut n.period, *at);
                    close(
                        &mut self.links,
                        |l| l.child == *unit,
                        |l| &mut l.period,
                        *at,
                    );
                }
                Change::Rename { unit, name, at } => {
                    close(&mut self.names, |n| n.unit == *unit, |n| &mut n.period, *at);
                    self.names.push(OrgName {
                        unit: *unit,
                        name: name.clone(),
                        period: Period::starting(*at),
                    });
                    if let Some(&i) = self.index.get(unit) {
                        self.units[i].name = name.clone();
                    }
                }
                Change::CloseLink { child, at } => close(
                    &mut self.links,
                    |l| l.child == *child,
                    |l| &mut l.period,
                    *at,
                ),
                Change::OpenLink {
                    child,
                    parent,
                    from,
                } => {
                    if let (Some(child), Some(parent)) =
                        (resolve(*child, &created), resolve(*parent, &created))
                    {
                        self.links.push(ParentLink {
                            child,
                            parent,
                            period: Period::starting(*from),
                        });
                    }
                }
                Change::AddLineage {
                    predecessor,
                    successor,
                    date,
                    kind,
                    primary,
                } => {
                    if let Some(successor) = resolve(*successor, &created) {
                        self.lineage.push(Lineage {
                            predecessor: *predecessor,
                            successor,
                            date: *date,
                            kind: *kind,
                            primary: *primary,
                        });
                    }
                }
            }
        }
        created
    }

    /// Adds a unit with its first name (used by loaders and generators that build a history
    /// directly); links are added with [`Tree::add_link`].
    pub fn insert_unit(&mut self, u: OrgUnit) {
        self.names.push(OrgName {
            unit: u.id,
            name: u.name.clone(),
            period: u.period,
        });
        self.codes.insert(u.code.to_ascii_uppercase(), u.id);
        self.index.insert(u.id, self.units.len());
        self.units.push(u);
    }

    pub fn add_link(&mut self, link: ParentLink) {
        self.links.push(link);
    }

    /// Units existing on `date` with their parent then.
    pub fn as_of(&self, date: Date) -> Vec<(OrgId, Option<OrgId>)> {
        self.units
            .iter()
            .filter(|u| u.period.contains(date))
            .map(|u| (u.id, self.parent_at(u.id, date)))
            .collect()
    }

    /// The unit that holds `id`'s history today (see [`current_heir`]).
    pub fn heir(&self, id: OrgId) -> Option<OrgId> {
        current_heir(
            id,
            &|x| self.unit(x).is_some_and(|u| u.period.is_open()),
            &|x| {
                self.lineage
                    .iter()
                    .find(|l| l.predecessor == x && l.primary)
                    .map(|l| l.successor)
            },
            &|x| {
                self.links
                    .iter()
                    .filter(|l| l.child == x)
                    .max_by_key(|l| l.period.from)
                    .map(|l| l.parent)
            },
        )
    }

    /// Checks the invariants of an effective-dated tree; returns every breach found.
    /// - a link lies within the existence of both its child and its parent;
    /// - a unit's links do not overlap, and cover every day it exists (roots excepted);
    /// - each parent's kind is allowed for the child's kind.
    pub fn check_invariants(&self) -> Vec<Violation> {
        let mut out = vec![];
        let mut by_child: HashMap<OrgId, Vec<&ParentLink>> = HashMap::new();
        for l in &self.links {
            by_child.entry(l.child).or_default().push(l);
        }
        for u in &self.units {
            let mut ls = by_child.remove(&u.id).unwrap_or_default();
            ls.sort_by_key(|l| l.period);
            let is_root = u.kind.allowed_parents().is_empty();
            if is_root && !ls.is_empty() {
                out.push(Violation::new(
                    &u.code,
                    "org.invariant.root",
                    "a root has no parent",
                ));
            }
            for w in ls.windows(2) {
                if w[0].period.overlaps(&w[1].period) {
                    out.push(Violation::new(
                        &u.code,
                        "org.invariant.one_parent",
                        format!("parent links {} and {} overlap", w[0].period, w[1].period),
                    ));
                }
            }
            let mut cursor = u.period.from;
            for l in &ls {
                if l.period.intersect(&u.period) != Some(l.period) {
                    out.push(Violation::new(
                        &u.code,
                        "org.invariant.link_within_unit",
                        format!("link {} outside existence {}", l.period, u.period),
                    ));
                }
                match self.unit(l.parent) {
                    Some(p) => {
                        if l.period.intersect(&p.period) != Some(l.period) {
                            out.push(Violation::new(
                                &u.code,
                                "org.invariant.link_within_parent",
                                format!(
                                    "link {} outside {}'s existence {}",
                                    l.period, p.code, p.period
                                ),
                            ));
                        }
                        if !u.kind.allowed_parents().contains(&p.kind) {
                            out.push(Violation::new(
                                &u.code,
                                "org.invariant.parent_kind",
                                format!("{} under {}", u.kind.as_str(), p.kind.as_str()),
                            ));
                        }
                    }
                    None => out.push(Violation::new(
                        &u.code,
                        "org.invariant.parent_exists",
                        format!("unknown parent {}", l.parent),
                    )),
                }
                if !is_root && l.period.from != cursor {
                    out.push(Violation::new(
                        &u.code,
                        "org.invariant.parent_cover",
                        format!("no parent from {cursor} to {}", l.period.from),
                    ));
                }
                cursor = l.period.end_or_max();
            }
            if !is_root && cursor != u.period.end_or_max() {
                out.push(Violation::new(
                    &u.code,
                    "org.invariant.parent_cover",
                    format!("no parent from {cursor} within {}", u.period),
                ));
            }
        }
        for (child, _) in by_child {
            out.push(Violation::new(
                child.to_string(),
                "org.invariant.child_exists",
                "link from an unknown unit",
            ));
        }
        out
    }
}

/// Ends, on `at`, the open fact matching `pick` (there is at most one).
fn close<T>(
    items: &mut [T],
    pick: impl Fn(&T) -> bool,
    period: impl Fn(&mut T) -> &mut Period,
    at: Date,
) {
    for it in items.iter_mut() {
        if pick(it) {
            let p = period(it);
            if (p.contains(at) || (p.is_open() && p.from >= at))
                && let Some(c) = p.closed_at(at)
            {
                *p = c;
            }
        }
    }
}
