//! Structure operations (create, rename, move, merge, split, dissolve) planned as changes.
//!
//! [`plan`] checks an [`Operation`] against the facts of the units it touches, as of the
//! operation's date, and returns the [`Change`]s that carry it out. The store applies them in
//! one transaction; the in-memory [`super::memory::Tree`] applies them in tests. Operations apply
//! in date order per unit: one dated before a unit's latest recorded change is refused, so the
//! past never contradicts what was recorded after it.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{LineageKind, OrgId, OrgKind, Sector};
use crate::dates::{Date, Period};
use crate::error::{DomainError, Violation};

/// A unit to be created by an operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub sector: Sector,
    /// The superior organization; `None` only for the central root.
    pub parent: Option<OrgId>,
}

/// Where merged or split units go: an existing unit, or a unit created by the operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Existing(OrgId),
    New(NewUnit),
}

/// One part of a split: where it goes and which of the source's children follow it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitPart {
    pub target: Target,
    pub children: Vec<OrgId>,
    /// The part that inherits the source's history when reports are re-based.
    pub primary: bool,
}

/// A dated change to the structure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    /// Thành lập — create a unit.
    Create { unit: NewUnit, date: Date },
    /// Đổi tên — rename from `date`.
    Rename {
        unit: OrgId,
        name: String,
        date: Date,
    },
    /// Điều chuyển — move under another superior from `date`.
    Move {
        unit: OrgId,
        new_parent: OrgId,
        date: Date,
    },
    /// Sáp nhập — `sources` end on `date`; their children and history pass to `into`.
    Merge {
        sources: Vec<OrgId>,
        into: Target,
        date: Date,
    },
    /// Chia tách — `source`'s children are shared among `parts`; the source ends unless
    /// `source_continues` (it then keeps the children not listed in any part).
    Split {
        source: OrgId,
        parts: Vec<SplitPart>,
        source_continues: bool,
        date: Date,
    },
    /// Giải thể — dissolve a unit that has no subordinate units left.
    Dissolve { unit: OrgId, date: Date },
}

impl Operation {
    pub fn date(&self) -> Date {
        match self {
            Operation::Create { date, .. }
            | Operation::Rename { date, .. }
            | Operation::Move { date, .. }
            | Operation::Merge { date, .. }
            | Operation::Split { date, .. }
            | Operation::Dissolve { date, .. } => *date,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Operation::Create { .. } => "create",
            Operation::Rename { .. } => "rename",
            Operation::Move { .. } => "move",
            Operation::Merge { .. } => "merge",
            Operation::Split { .. } => "split",
            Operation::Dissolve { .. } => "dissolve",
        }
    }

    /// Every existing unit the operation names (the store loads their facts before [`plan`]).
    pub fn units_named(&self) -> Vec<OrgId> {
        let target_id = |t: &Target| match t {
            Target::Existing(id) => Some(*id),
            Target::New(n) => n.parent,
        };
        match self {
            Operation::Create { unit, .. } => unit.parent.into_iter().collect(),
            Operation::Rename { unit, .. } | Operation::Dissolve { unit, .. } => vec![*unit],
            Operation::Move {
                unit, new_parent, ..
            } => vec![*unit, *new_parent],
            Operation::Merge { sources, into, .. } => {
                sources.iter().copied().chain(target_id(into)).collect()
            }
            Operation::Split { source, parts, .. } => std::iter::once(*source)
                .chain(parts.iter().filter_map(|p| target_id(&p.target)))
                .collect(),
        }
    }

    /// Codes of the units the operation would create (checked for uniqueness).
    pub fn new_codes(&self) -> Vec<&str> {
        fn code(t: &Target) -> Option<&str> {
            match t {
                Target::New(n) => Some(n.code.as_str()),
                Target::Existing(_) => None,
            }
        }
        match self {
            Operation::Create { unit, .. } => vec![unit.code.as_str()],
            Operation::Merge { into, .. } => code(into).into_iter().collect(),
            Operation::Split { parts, .. } => {
                parts.iter().filter_map(|p| code(&p.target)).collect()
            }
            _ => vec![],
        }
    }
}

/// A reference to a unit in a plan: an existing one, or the n-th unit the plan creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitRef {
    Existing(OrgId),
    New(usize),
}

/// A primitive change; applying a plan's changes in order carries out the operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// Creates a unit (the n-th new unit of the plan, in order) with its first name.
    CreateUnit {
        code: String,
        name: String,
        kind: OrgKind,
        sector: Sector,
        from: Date,
    },
    /// Ends a unit's existence, its current name and its current parent link on `at`.
    CloseUnit { unit: OrgId, at: Date },
    /// Ends the current name on `at` and starts `name` from `at`.
    Rename { unit: OrgId, name: String, at: Date },
    /// Ends the unit's current parent link on `at`.
    CloseLink { child: OrgId, at: Date },
    /// Starts a parent link from `from`.
    OpenLink {
        child: UnitRef,
        parent: UnitRef,
        from: Date,
    },
    /// Records lineage from a predecessor to a successor.
    AddLineage {
        predecessor: OrgId,
        successor: UnitRef,
        date: Date,
        kind: LineageKind,
        primary: bool,
    },
}

/// A subordinate unit as of the operation date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildFacts {
    pub id: OrgId,
    pub kind: OrgKind,
}

/// What [`plan`] needs to know of a unit, as of the operation date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitFacts {
    pub id: OrgId,
    pub code: String,
    pub kind: OrgKind,
    pub period: Period,
    /// Parent on the operation date.
    pub parent: Option<OrgId>,
    /// Subordinate units on the operation date.
    pub children: Vec<ChildFacts>,
    /// Operations on the unit dated on or before this are refused (`org.date.in_order`). It is
    /// the latest of: the start of any of its names or parent links, of any subordinate's link
    /// under it, and of any lineage into it; and the day before the end of a subordinate's link
    /// under it, or before any lineage from it (those facts need the unit to exist until then).
    pub last_change: Date,
}

fn unit<'a>(
    facts: &'a HashMap<OrgId, UnitFacts>,
    id: OrgId,
    field: &str,
    date: Date,
) -> Result<&'a UnitFacts, Violation> {
    let u = facts.get(&id).ok_or_else(|| {
        Violation::new(
            field,
            "org.unit.unknown",
            format!("no organization with id {id}"),
        )
    })?;
    if !u.period.contains(date) {
        return Err(Violation::new(
            field,
            "org.unit.exists_at",
            format!(
                "{} does not exist on {date} (it exists {})",
                u.code, u.period
            ),
        ));
    }
    Ok(u)
}

fn in_order(u: &UnitFacts, field: &str, date: Date) -> Result<(), Violation> {
    // A recorded end (dissolution, merger) is a change too: nothing may be planned before it.
    let last = u
        .period
        .to
        .map_or(u.last_change, |to| to.max(u.last_change));
    if date <= last {
        return Err(Violation::new(
            field,
            "org.date.in_order",
            format!(
                "{} already has a change recorded from {last}; operations on a unit apply in date order, so {date} must be later",
                u.code
            ),
        ));
    }
    Ok(())
}

/// A unit that others are placed under (or merged into) from `date` on must not have a
/// recorded end: the open-ended links would outlive it.
fn stays_open(u: &UnitFacts, field: &str, date: Date) -> Result<(), Violation> {
    match u.period.to {
        None => Ok(()),
        Some(to) => Err(Violation::new(
            field,
            "org.parent.ends",
            format!(
                "{} ends on {to}; units placed under it from {date} would be left without a superior",
                u.code
            ),
        )),
    }
}

fn parent_fits(kind: OrgKind, parent: Option<&UnitFacts>, field: &str) -> Result<(), Violation> {
    match parent {
        None if kind.allowed_parents().is_empty() => Ok(()),
        None => Err(Violation::new(
            field,
            "org.parent.required",
            format!("a {} needs a superior organization", kind.as_str()),
        )),
        Some(p) if kind.allowed_parents().contains(&p.kind) => Ok(()),
        Some(p) => Err(Violation::new(
            field,
            "org.parent.kind",
            format!(
                "a {} cannot sit under {} ({}); allowed: {}",
                kind.as_str(),
                p.code,
                p.kind.as_str(),
                kind.allowed_parents()
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Checks a code's form: 1–40 characters of letters, digits, `.`, `-`, `_`.
pub fn check_code(code: &str, field: &str) -> Result<(), Violation> {
    if crate::text::is_code(code) {
        Ok(())
    } else {
        Err(Violation::new(
            field,
            "org.code.format",
            format!("code {code:?} must be 1–40 characters of A–Z, 0–9, '.', '-', '_'"),
        ))
    }
}

/// Checks a name: not blank, at most 200 characters.
pub fn check_name(name: &str, field: &str) -> Result<(), Violation> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 {
        return Err(Violation::new(
            field,
            "org.name.format",
            "name must be 1–200 characters",
        ));
    }
    Ok(())
}

struct Planner<'a> {
    facts: &'a HashMap<OrgId, UnitFacts>,
    code_taken: &'a dyn Fn(&str) -> bool,
    date: Date,
    changes: Vec<Change>,
    new_units: usize,
    new_codes: HashSet<String>,
    errors: Vec<Violation>,
}

impl Planner<'_> {
    fn check<T>(&mut self, r: Result<T, Violation>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    /// Resolves a target to a unit reference and its kind, creating it if new.
    fn target(&mut self, t: &Target, field: &str) -> Option<(UnitRef, OrgKind)> {
        match t {
            Target::Existing(id) => {
                let r = unit(self.facts, *id, field, self.date);
                let u = self.check(r)?;
                let open = stays_open(u, field, self.date);
                self.check(open)?;
                Some((UnitRef::Existing(u.id), u.kind))
            }
            Target::New(n) => self.create(n, field).map(|r| (r, n.kind)),
        }
    }

    fn create(&mut self, n: &NewUnit, field: &str) -> Option<UnitRef> {
        let code_ok = self.check(check_code(&n.code, &format!("{field}.code")));
        let name_ok = self.check(check_name(&n.name, &format!("{field}.name")));
        let key = n.code.to_ascii_uppercase();
        if code_ok.is_some() && ((self.code_taken)(&n.code) || !self.new_codes.insert(key)) {
            self.errors.push(Violation::new(
                format!("{field}.code"),
                "org.code.unique",
                format!(
                    "code {} is already used by another organization (codes are never reused)",
                    n.code
                ),
            ));
        }
        let parent = match n.parent {
            Some(p) => {
                let r = unit(self.facts, p, &format!("{field}.parent"), self.date)
                    .and_then(|u| stays_open(u, &format!("{field}.parent"), self.date).map(|()| u));
                Some(self.check(r)?)
            }
            None => None,
        };
        let fits = parent_fits(n.kind, parent, &format!("{field}.parent"));
        self.check(fits)?;
        code_ok?;
        name_ok?;
        let r = UnitRef::New(self.new_units);
        self.new_units += 1;
        self.changes.push(Change::CreateUnit {
            code: n.code.trim().to_string(),
            name: n.name.trim().to_string(),
            kind: n.kind,
            sector: n.sector,
            from: self.date,
        });
        if let Some(p) = parent {
            self.changes.push(Change::OpenLink {
                child: r,
                parent: UnitRef::Existing(p.id),
                from: self.date,
            });
        }
        Some(r)
    }

    fn reparent(&mut self, child: &ChildFacts, to: UnitRef, to_kind: OrgKind, field: &str) {
        if !child.kind.allowed_parents().contains(&to_kind) {
            self.errors.push(Violation::new(
                field,
                "org.parent.kind",
                format!(
                    "subordinate unit {} ({}) cannot sit under a {}",
                    child.id,
                    child.kind.as_str(),
                    to_kind.as_str()
                ),
            ));
            return;
        }
        self.changes.push(Change::CloseLink {
            child: child.id,
            at: self.date,
        });
        self.changes.push(Change::OpenLink {
            child: UnitRef::Existing(child.id),
            parent: to,
            from: self.date,
        });
    }
}

/// Checks `op` against `facts` (the units it names, as of its date) and returns the changes
/// that carry it out. `code_taken` tells whether a code is already used by any unit, ever.
pub fn plan(
    op: &Operation,
    facts: &HashMap<OrgId, UnitFacts>,
    code_taken: &dyn Fn(&str) -> bool,
) -> Result<Vec<Change>, DomainError> {
    let date = op.date();
    let mut p = Planner {
        facts,
        code_taken,
        date,
        changes: vec![],
        new_units: 0,
        new_codes: HashSet::new(),
        errors: vec![],
    };
    match op {
        Operation::Create { unit: n, .. } => {
            p.create(n, "unit");
        }
        Operation::Rename { unit: id, name, .. } => {
            let r = unit(facts, *id, "unit", date);
            if let Some(u) = p.check(r) {
                let ordered = in_order(u, "date", date);
                p.check(ordered);
                let named = check_name(name, "name");
                if p.check(named).is_some() {
                    p.changes.push(Change::Rename {
                        unit: u.id,
                        name: name.trim().to_string(),
                        at: date,
                    });
                }
            }
        }
        Operation::Move {
            unit: id,
            new_parent,
            ..
        } => {
            let r = unit(facts, *id, "unit", date);
            let u = p.check(r);
            let r = unit(facts, *new_parent, "new_parent", date);
            let np = p.check(r);
            if let (Some(u), Some(np)) = (u, np) {
                let ordered = in_order(u, "date", date);
                p.check(ordered);
                // Kinds strictly descend along allowed parents, so a kind-valid move cannot
                // create a cycle.
                let fits = parent_fits(u.kind, Some(np), "new_parent");
                p.check(fits);
                let open = stays_open(np, "new_parent", date);
                p.check(open);
                if u.parent == Some(np.id) {
                    p.errors.push(Violation::new(
                        "new_parent",
                        "org.move.same_parent",
                        format!("{} is already under {} on {date}", u.code, np.code),
                    ));
                }
                if p.errors.is_empty() {
                    if u.parent.is_some() {
                        p.changes.push(Change::CloseLink {
                            child: u.id,
                            at: date,
                        });
                    }
                    p.changes.push(Change::OpenLink {
                        child: UnitRef::Existing(u.id),
                        parent: UnitRef::Existing(np.id),
                        from: date,
                    });
                }
            }
        }
        Operation::Merge { sources, into, .. } => plan_merge(&mut p, sources, into),
        Operation::Split {
            source,
            parts,
            source_continues,
            ..
        } => plan_split(&mut p, *source, parts, *source_continues),
        Operation::Dissolve { unit: id, .. } => {
            let r = unit(facts, *id, "unit", date);
            if let Some(u) = p.check(r) {
                let ordered = in_order(u, "date", date);
                p.check(ordered);
                if !u.children.is_empty() {
                    p.errors.push(Violation::new(
                        "unit",
                        "org.dissolve.has_children",
                        format!(
                            "{} still has {} subordinate unit(s) on {date}: move, merge or dissolve them first",
                            u.code,
                            u.children.len()
                        ),
                    ));
                } else {
                    p.changes.push(Change::CloseUnit {
                        unit: u.id,
                        at: date,
                    });
                }
            }
        }
    }
    if p.errors.is_empty() {
        Ok(p.changes)
    } else {
        Err(DomainError::Invalid(p.errors))
    }
}

fn plan_merge(p: &mut Planner<'_>, sources: &[OrgId], into: &Target) {
    let date = p.date;
    let mut seen = HashSet::new();
    let mut srcs = vec![];
    for (i, s) in sources.iter().enumerate() {
        let field = format!("sources[{i}]");
        if !seen.insert(*s) || matches!(into, Target::Existing(t) if t == s) {
            p.errors.push(Violation::new(
                field,
                "org.merge.distinct",
                "each unit may be named once, and not as the target",
            ));
            continue;
        }
        let r = unit(p.facts, *s, &field, date);
        if let Some(u) = p.check(r) {
            let ordered = in_order(u, &field, date);
            p.check(ordered);
            srcs.push(u);
        }
    }
    let needed = if matches!(into, Target::Existing(_)) {
        1
    } else {
        2
    };
    if sources.len() < needed {
        p.errors.push(Violation::new(
            "sources",
            "org.merge.count",
            "a merge joins at least two units (two sources, or one source into an existing unit)",
        ));
    }
    let Some((target, target_kind)) = p.target(into, "into") else {
        return;
    };
    for (i, u) in srcs.iter().enumerate() {
        if u.kind != target_kind {
            p.errors.push(Violation::new(
                format!("sources[{i}]"),
                "org.merge.same_kind",
                format!(
                    "{} is a {} but the merged unit is a {}",
                    u.code,
                    u.kind.as_str(),
                    target_kind.as_str()
                ),
            ));
        }
    }
    if !p.errors.is_empty() {
        return;
    }
    for u in &srcs {
        for c in &u.children {
            p.reparent(
                c,
                target,
                target_kind,
                &format!("sources.{}.children", u.code),
            );
        }
        p.changes.push(Change::CloseUnit {
            unit: u.id,
            at: date,
        });
        p.changes.push(Change::AddLineage {
            predecessor: u.id,
            successor: target,
            date,
            kind: LineageKind::Merge,
            primary: true,
        });
    }
}

fn plan_split(p: &mut Planner<'_>, source: OrgId, parts: &[SplitPart], source_continues: bool) {
    let date = p.date;
    let r = unit(p.facts, source, "source", date);
    let Some(src) = p.check(r) else { return };
    let ordered = in_order(src, "date", date);
    p.check(ordered);
    if parts.is_empty() || (!source_continues && parts.len() < 2) {
        p.errors.push(Violation::new(
            "parts",
            "org.split.count",
            "a split makes at least two units (two parts, or one part while the source continues)",
        ));
    }
    let primaries = parts.iter().filter(|x| x.primary).count();
    if !source_continues && primaries != 1 {
        p.errors.push(Violation::new(
            "parts",
            "org.split.one_primary",
            format!("exactly one part must be primary (inherit the history); {primaries} are"),
        ));
    }
    let children: HashMap<OrgId, ChildFacts> = src.children.iter().map(|c| (c.id, *c)).collect();
    let mut assigned = HashSet::new();
    for (i, part) in parts.iter().enumerate() {
        for c in &part.children {
            if !children.contains_key(c) {
                p.errors.push(Violation::new(
                    format!("parts[{i}].children"),
                    "org.split.child_of_source",
                    format!("unit {c} is not under {} on {date}", src.code),
                ));
            } else if !assigned.insert(*c) {
                p.errors.push(Violation::new(
                    format!("parts[{i}].children"),
                    "org.split.child_once",
                    format!("unit {c} is given to more than one part"),
                ));
            }
        }
        if matches!(part.target, Target::Existing(t) if t == source) {
            p.errors.push(Violation::new(
                format!("parts[{i}]"),
                "org.split.self",
                "a part cannot be the source itself",
            ));
        }
    }
    if !source_continues {
        let left = src
            .children
            .iter()
            .filter(|c| !assigned.contains(&c.id))
            .count();
        if left > 0 {
            p.errors.push(Violation::new(
                "parts",
                "org.split.children_assigned",
                format!("{left} subordinate unit(s) of {} are given to no part; the source ends, so each must go somewhere", src.code),
            ));
        }
    }
    if !p.errors.is_empty() {
        return;
    }
    for (i, part) in parts.iter().enumerate() {
        let field = format!("parts[{i}]");
        let Some((target, kind)) = p.target(&part.target, &field) else {
            continue;
        };
        for c in &part.children {
            if let Some(cf) = children.get(c) {
                p.reparent(cf, target, kind, &format!("{field}.children"));
            }
        }
        p.changes.push(Change::AddLineage {
            predecessor: src.id,
            successor: target,
            date,
            kind: LineageKind::Split,
            primary: part.primary && !source_continues,
        });
    }
    if !source_continues && p.errors.is_empty() {
        p.changes.push(Change::CloseUnit {
            unit: src.id,
            at: date,
        });
    }
}
