//! A province's organization history built directly, fact by fact, in date order per unit —
//! the same facts `ketnap_domain::org::Tree::apply` would record for the operations, without
//! re-planning each one (a national history has ~300k units).

use std::collections::HashMap;

use ketnap_domain::Date;
use ketnap_domain::dates::Period;
use ketnap_domain::org::{
    ClosureRow, Lineage, LineageKind, OrgId, OrgKind, OrgName, OrgUnit, ParentLink, PathSegment,
    Sector, closure_rows, current_heir,
};

#[derive(Clone, Debug, Default)]
pub struct History {
    pub units: Vec<OrgUnit>,
    pub names: Vec<OrgName>,
    pub links: Vec<ParentLink>,
    pub lineage: Vec<Lineage>,
    idx: HashMap<OrgId, usize>,
    open_link: HashMap<OrgId, usize>,
    open_name: HashMap<OrgId, usize>,
    /// Current subordinate units of each unit (open links only).
    kids: HashMap<OrgId, Vec<OrgId>>,
}

impl History {
    pub fn unit(&self, id: OrgId) -> Option<&OrgUnit> {
        self.idx.get(&id).map(|&i| &self.units[i])
    }

    /// The subordinate units `id` has now (as built so far).
    pub fn children(&self, id: OrgId) -> Vec<OrgId> {
        self.kids.get(&id).cloned().unwrap_or_default()
    }

    /// Thành lập — a unit existing from `from`, under `parent`.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        &mut self,
        id: OrgId,
        code: String,
        name: String,
        kind: OrgKind,
        sector: Sector,
        parent: Option<OrgId>,
        from: Date,
    ) {
        self.open_name.insert(id, self.names.len());
        self.names.push(OrgName {
            unit: id,
            name: name.clone(),
            period: Period::starting(from),
        });
        self.idx.insert(id, self.units.len());
        self.units.push(OrgUnit {
            id,
            code,
            name,
            kind,
            sector,
            period: Period::starting(from),
        });
        if let Some(p) = parent {
            self.open(id, p, from);
        }
    }

    fn open(&mut self, child: OrgId, parent: OrgId, from: Date) {
        self.open_link.insert(child, self.links.len());
        self.links.push(ParentLink {
            child,
            parent,
            period: Period::starting(from),
        });
        self.kids.entry(parent).or_default().push(child);
    }

    fn close_link(&mut self, child: OrgId, at: Date) {
        if let Some(i) = self.open_link.remove(&child) {
            let l = &mut self.links[i];
            l.period.to = Some(at);
            let parent = l.parent;
            if let Some(k) = self.kids.get_mut(&parent) {
                k.retain(|c| *c != child);
            }
        }
    }

    /// Giải thể / end of a unit on `at`: its existence, name and parent link end.
    pub fn close(&mut self, id: OrgId, at: Date) {
        if let Some(&i) = self.idx.get(&id) {
            self.units[i].period.to = Some(at);
        }
        if let Some(i) = self.open_name.remove(&id) {
            self.names[i].period.to = Some(at);
        }
        self.close_link(id, at);
    }

    /// Điều chuyển — under `parent` from `at`.
    pub fn move_to(&mut self, id: OrgId, parent: OrgId, at: Date) {
        self.close_link(id, at);
        self.open(id, parent, at);
    }

    /// Đổi tên — `name` from `at`.
    pub fn rename(&mut self, id: OrgId, name: String, at: Date) {
        if let Some(i) = self.open_name.remove(&id) {
            self.names[i].period.to = Some(at);
        }
        self.open_name.insert(id, self.names.len());
        self.names.push(OrgName {
            unit: id,
            name: name.clone(),
            period: Period::starting(at),
        });
        if let Some(&i) = self.idx.get(&id) {
            self.units[i].name = name;
        }
    }

    pub fn add_lineage(
        &mut self,
        predecessor: OrgId,
        successor: OrgId,
        date: Date,
        kind: LineageKind,
        primary: bool,
    ) {
        self.lineage.push(Lineage {
            predecessor,
            successor,
            date,
            kind,
            primary,
        });
    }

    /// The heir of every unit (see [`current_heir`]).
    pub fn heirs(&self) -> HashMap<OrgId, Option<OrgId>> {
        let mut primary: HashMap<OrgId, OrgId> = HashMap::new();
        for l in &self.lineage {
            if l.primary {
                primary.entry(l.predecessor).or_insert(l.successor);
            }
        }
        let mut last_parent: HashMap<OrgId, (Date, OrgId)> = HashMap::new();
        for l in &self.links {
            let e = last_parent
                .entry(l.child)
                .or_insert((l.period.from, l.parent));
            if l.period.from >= e.0 {
                *e = (l.period.from, l.parent);
            }
        }
        // Units outside this history (the central root) are open.
        let is_open = |x: OrgId| self.unit(x).is_none_or(|u| u.period.is_open());
        self.units
            .iter()
            .map(|u| {
                let h = current_heir(u.id, &is_open, &|x| primary.get(&x).copied(), &|x| {
                    last_parent.get(&x).map(|p| p.1)
                });
                (u.id, h)
            })
            .collect()
    }

    /// Closure rows of every unit here; ancestors outside (the central root) come from
    /// `external`.
    pub fn closure(&self, external: &HashMap<OrgId, Vec<PathSegment>>) -> Vec<ClosureRow> {
        let units: Vec<(OrgId, Period)> = self.units.iter().map(|u| (u.id, u.period)).collect();
        closure_rows(&units, &self.links, external)
    }
}
