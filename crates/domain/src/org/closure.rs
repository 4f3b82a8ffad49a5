//! The effective-dated closure table: for each unit, each ancestor at each depth, over the
//! period in which that ancestor is above it. "All units under X on D" is then one indexed
//! lookup: `ancestor = X AND from <= D AND to > D` (see docs/decisions.md).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{OrgId, ParentLink};
use crate::dates::{Date, Period};

/// `ancestor` is `depth` levels above `descendant` during `period` (depth 0: the unit itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ClosureRow {
    pub ancestor: OrgId,
    pub descendant: OrgId,
    pub depth: i32,
    pub period: Period,
}

/// A unit's chain of superiors (nearest first) during a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathSegment {
    pub period: Period,
    pub ancestors: Vec<OrgId>,
}

struct Paths<'a> {
    links: HashMap<OrgId, Vec<ParentLink>>,
    existence: HashMap<OrgId, Period>,
    external: &'a HashMap<OrgId, Vec<PathSegment>>,
    memo: HashMap<OrgId, Vec<PathSegment>>,
}

impl Paths<'_> {
    fn of(&mut self, u: OrgId, depth: usize) -> Vec<PathSegment> {
        if let Some(p) = self.external.get(&u) {
            return p.clone();
        }
        if let Some(p) = self.memo.get(&u) {
            return p.clone();
        }
        let mut segs = vec![];
        // Depth is bounded by the kind hierarchy (7 levels); the guard protects against
        // corrupt cyclic data.
        if depth < 32 {
            let links = self.links.get(&u).cloned().unwrap_or_default();
            for l in &links {
                for s in self.of(l.parent, depth + 1) {
                    if let Some(i) = l.period.intersect(&s.period) {
                        let mut anc = Vec::with_capacity(s.ancestors.len() + 1);
                        anc.push(l.parent);
                        anc.extend_from_slice(&s.ancestors);
                        segs.push(PathSegment {
                            period: i,
                            ancestors: anc,
                        });
                    }
                }
            }
            // Days of existence with no parent: the unit is a root then.
            if let Some(ex) = self.existence.get(&u).copied() {
                let mut covered: Vec<Period> = links
                    .iter()
                    .filter_map(|l| l.period.intersect(&ex))
                    .collect();
                covered = crate::dates::coalesce(covered);
                let mut cursor = ex.from;
                for c in &covered {
                    if c.from > cursor {
                        segs.push(PathSegment {
                            period: Period {
                                from: cursor,
                                to: Some(c.from),
                            },
                            ancestors: vec![],
                        });
                    }
                    cursor = c.end_or_max();
                }
                if cursor < ex.end_or_max() {
                    segs.push(PathSegment {
                        period: Period::from_stored(cursor, ex.end_or_max()),
                        ancestors: vec![],
                    });
                }
            }
        }
        segs.sort_by_key(|s| s.period);
        self.memo.insert(u, segs.clone());
        segs
    }
}

/// Closure rows for `units` (id and existence), from their parent `links`. Ancestors outside
/// `units` must be given in `external` (their own path segments); this is how the store
/// recomputes one subtree after an operation without touching the rest.
pub fn closure_rows(
    units: &[(OrgId, Period)],
    links: &[ParentLink],
    external: &HashMap<OrgId, Vec<PathSegment>>,
) -> Vec<ClosureRow> {
    let mut by_child: HashMap<OrgId, Vec<ParentLink>> = HashMap::new();
    for l in links {
        by_child.entry(l.child).or_default().push(*l);
    }
    let mut paths = Paths {
        links: by_child,
        existence: units.iter().copied().collect(),
        external,
        memo: HashMap::new(),
    };
    let mut out = vec![];
    for &(u, period) in units {
        out.push(ClosureRow {
            ancestor: u,
            descendant: u,
            depth: 0,
            period,
        });
        let mut rows: HashMap<(OrgId, i32), Vec<Period>> = HashMap::new();
        for seg in paths.of(u, 0) {
            for (k, a) in seg.ancestors.iter().enumerate() {
                rows.entry((*a, k as i32 + 1)).or_default().push(seg.period);
            }
        }
        for ((a, depth), ps) in rows {
            for period in crate::dates::coalesce(ps) {
                out.push(ClosureRow {
                    ancestor: a,
                    descendant: u,
                    depth,
                    period,
                });
            }
        }
    }
    out.sort();
    out
}

/// Rebuilds a unit's path segments from its closure rows (self row included): the inverse of
/// [`closure_rows`] for one unit.
pub fn paths_from_closure(rows: &[ClosureRow]) -> Vec<PathSegment> {
    let Some(own) = rows.iter().find(|r| r.depth == 0) else {
        return vec![];
    };
    let mut bounds: Vec<Date> = rows
        .iter()
        .flat_map(|r| [r.period.from, r.period.end_or_max()])
        .filter(|d| own.period.contains(*d) || *d == own.period.end_or_max())
        .collect();
    bounds.push(own.period.from);
    bounds.sort();
    bounds.dedup();
    let mut segs: Vec<PathSegment> = vec![];
    for w in bounds.windows(2) {
        let (from, to) = (w[0], w[1]);
        let mut anc: Vec<&ClosureRow> = rows
            .iter()
            .filter(|r| r.depth > 0 && r.period.contains(from))
            .collect();
        anc.sort_by_key(|r| r.depth);
        let ancestors: Vec<OrgId> = anc.iter().map(|r| r.ancestor).collect();
        let period = Period::from_stored(from, to);
        match segs.last_mut() {
            Some(last) if last.ancestors == ancestors && last.period.meets(&period) => {
                last.period.to = period.to
            }
            _ => segs.push(PathSegment { period, ancestors }),
        }
    }
    segs
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32) -> Date {
        NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn move_of_a_middle_unit_moves_its_subtree() {
        // 1 root, 2 and 3 under 1; 4 under 2 until 2020, then under 3; 5 under 4 throughout.
        let units = [
            (1, Period::starting(d(2016, 1))),
            (2, Period::starting(d(2016, 1))),
            (3, Period::starting(d(2016, 1))),
            (4, Period::starting(d(2016, 1))),
            (5, Period::starting(d(2016, 1))),
        ];
        let links = [
            ParentLink {
                child: 2,
                parent: 1,
                period: Period::starting(d(2016, 1)),
            },
            ParentLink {
                child: 3,
                parent: 1,
                period: Period::starting(d(2016, 1)),
            },
            ParentLink {
                child: 4,
                parent: 2,
                period: Period {
                    from: d(2016, 1),
                    to: Some(d(2020, 3)),
                },
            },
            ParentLink {
                child: 4,
                parent: 3,
                period: Period::starting(d(2020, 3)),
            },
            ParentLink {
                child: 5,
                parent: 4,
                period: Period::starting(d(2016, 1)),
            },
        ];
        let rows = closure_rows(&units, &links, &HashMap::new());
        let under = |a: OrgId, on: Date| {
            let mut v: Vec<OrgId> = rows
                .iter()
                .filter(|r| r.ancestor == a && r.period.contains(on))
                .map(|r| r.descendant)
                .collect();
            v.sort();
            v
        };
        assert_eq!(under(2, d(2019, 1)), vec![2, 4, 5]);
        assert_eq!(under(2, d(2021, 1)), vec![2]);
        assert_eq!(under(3, d(2021, 1)), vec![3, 4, 5]);
        // The root's row for 5 is one coalesced period despite the move below it.
        assert_eq!(
            rows.iter()
                .filter(|r| r.ancestor == 1 && r.descendant == 5)
                .count(),
            1
        );

        // Rebuilding 4's subtree from the closure of its new parent gives the same rows.
        let ext: HashMap<OrgId, Vec<PathSegment>> = [2, 3]
            .into_iter()
            .map(|p| {
                let own: Vec<ClosureRow> =
                    rows.iter().filter(|r| r.descendant == p).copied().collect();
                (p, paths_from_closure(&own))
            })
            .collect();
        let part = closure_rows(&units[3..], &links[2..], &ext);
        let expect: Vec<ClosureRow> = rows.iter().filter(|r| r.descendant >= 4).copied().collect();
        assert_eq!(part, expect);
    }
}
