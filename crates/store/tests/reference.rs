//! The store must behave exactly like the domain's in-memory reference `Tree`: the same random
//! operation sequences are applied to both (on SQLite and PostgreSQL), and every outcome (accepted,
//! or refused with the same rule ids) and every as-of tree, name and heir must agree.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};
use ketnap_domain::org::{NewUnit, Operation, OrgKind, Sector, SplitPart, Target, Tree};
use ketnap_store::testing::test_stores;
use ketnap_store::{Store, StoreError};

/// A small deterministic generator (xorshift64*), enough to pick operations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<T: Clone>(&mut self, v: &[T]) -> Option<T> {
        if v.is_empty() {
            None
        } else {
            Some(v[self.below(v.len())].clone())
        }
    }
}

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2016, 1, 1).unwrap_or_default()
}

/// Units of `kind` existing on `on`, by code.
fn existing(t: &Tree, on: NaiveDate, kinds: &[OrgKind]) -> Vec<String> {
    t.units
        .iter()
        .filter(|u| u.period.contains(on) && kinds.contains(&u.kind))
        .map(|u| u.code.clone())
        .collect()
}

/// An operation written with codes, resolved to ids on each side.
#[derive(Clone, Debug)]
enum CodeOp {
    Create {
        code: String,
        kind: OrgKind,
        parent: String,
    },
    Rename {
        code: String,
        name: String,
    },
    Move {
        code: String,
        to: String,
    },
    MergeInto {
        sources: Vec<String>,
        into: String,
    },
    MergeNew {
        sources: Vec<String>,
        code: String,
        kind: OrgKind,
        parent: String,
    },
    Split {
        source: String,
        parts: Vec<(String, Vec<String>)>,
        continues: bool,
        parent: String,
        kind: OrgKind,
    },
    Dissolve {
        code: String,
    },
}

fn gen_op(r: &mut Rng, t: &Tree, on: NaiveDate, n: usize) -> Option<CodeOp> {
    let communes = existing(t, on, &[OrgKind::GrassrootsCommittee]);
    let districts = existing(t, on, &[OrgKind::DirectCommittee]);
    let branches = existing(t, on, &[OrgKind::Branch]);
    let provinces = existing(t, on, &[OrgKind::ProvincialCommittee]);
    let children = |code: &str| -> Vec<String> {
        let Some(u) = t.by_code(code) else {
            return vec![];
        };
        t.links
            .iter()
            .filter(|l| l.parent == u.id && l.period.contains(on))
            .filter_map(|l| t.unit(l.child).map(|c| c.code.clone()))
            .collect()
    };
    Some(match r.below(10) {
        0 | 1 => CodeOp::Create {
            code: format!("B{n}"),
            kind: OrgKind::Branch,
            parent: r.pick(&communes)?,
        },
        2 => CodeOp::Create {
            code: format!("X{n}"),
            kind: OrgKind::GrassrootsCommittee,
            parent: r.pick(&districts).or(r.pick(&provinces))?,
        },
        3 => CodeOp::Rename {
            code: r.pick(&branches).or(r.pick(&communes))?,
            name: format!("Tên mới {n}"),
        },
        4 => {
            // Sometimes an invalid move (a branch under a district) to compare refusals.
            let code = r.pick(&branches)?;
            let to = if r.below(5) == 0 {
                r.pick(&districts)?
            } else {
                r.pick(&communes)?
            };
            CodeOp::Move { code, to }
        }
        5 => {
            let a = r.pick(&communes)?;
            let b = r.pick(&communes)?;
            CodeOp::MergeInto {
                sources: vec![a],
                into: b,
            }
        }
        6 => {
            let a = r.pick(&communes)?;
            let b = r.pick(&communes)?;
            CodeOp::MergeNew {
                sources: vec![a, b],
                code: format!("X{n}"),
                kind: OrgKind::GrassrootsCommittee,
                parent: r.pick(&provinces)?,
            }
        }
        7 => {
            let source = r.pick(&communes)?;
            let kids = children(&source);
            let (mut p1, mut p2) = (vec![], vec![]);
            for k in kids {
                if r.below(2) == 0 {
                    p1.push(k)
                } else {
                    p2.push(k)
                }
            }
            let continues = r.below(3) == 0;
            CodeOp::Split {
                source,
                parts: vec![(format!("X{n}a"), p1), (format!("X{n}b"), p2)],
                continues,
                parent: r.pick(&provinces)?,
                kind: OrgKind::GrassrootsCommittee,
            }
        }
        8 => {
            let d = r.pick(&districts)?;
            let p = r.pick(&provinces)?;
            let kids = children(&d);
            if kids.is_empty() || r.below(2) == 0 {
                CodeOp::Dissolve { code: d }
            } else {
                CodeOp::Move {
                    code: r.pick(&kids)?,
                    to: p,
                }
            }
        }
        _ => CodeOp::Dissolve {
            code: r.pick(&branches)?,
        },
    })
}

fn resolve(op: &CodeOp, on: NaiveDate, id: &dyn Fn(&str) -> Option<i64>) -> Option<Operation> {
    let nu = |code: &str, kind: OrgKind, parent: &str| -> Option<NewUnit> {
        Some(NewUnit {
            code: code.into(),
            name: format!("Đơn vị {code}"),
            kind,
            sector: sector(kind),
            parent: Some(id(parent)?),
        })
    };
    Some(match op {
        CodeOp::Create { code, kind, parent } => Operation::Create {
            unit: nu(code, *kind, parent)?,
            date: on,
        },
        CodeOp::Rename { code, name } => Operation::Rename {
            unit: id(code)?,
            name: name.clone(),
            date: on,
        },
        CodeOp::Move { code, to } => Operation::Move {
            unit: id(code)?,
            new_parent: id(to)?,
            date: on,
        },
        CodeOp::MergeInto { sources, into } => Operation::Merge {
            sources: sources.iter().map(|s| id(s)).collect::<Option<Vec<_>>>()?,
            into: Target::Existing(id(into)?),
            date: on,
        },
        CodeOp::MergeNew {
            sources,
            code,
            kind,
            parent,
        } => Operation::Merge {
            sources: sources.iter().map(|s| id(s)).collect::<Option<Vec<_>>>()?,
            into: Target::New(nu(code, *kind, parent)?),
            date: on,
        },
        CodeOp::Split {
            source,
            parts,
            continues,
            parent,
            kind,
        } => Operation::Split {
            source: id(source)?,
            parts: parts
                .iter()
                .enumerate()
                .map(|(i, (code, kids))| {
                    Some(SplitPart {
                        target: Target::New(nu(code, *kind, parent)?),
                        children: kids.iter().map(|k| id(k)).collect::<Option<Vec<_>>>()?,
                        primary: i == 0,
                    })
                })
                .collect::<Option<Vec<_>>>()?,
            source_continues: *continues,
            date: on,
        },
        CodeOp::Dissolve { code } => Operation::Dissolve {
            unit: id(code)?,
            date: on,
        },
    })
}

fn sector(kind: OrgKind) -> Sector {
    match kind {
        OrgKind::Central => Sector::Nation,
        OrgKind::ProvincialCommittee => Sector::Province,
        OrgKind::DirectCommittee => Sector::District,
        OrgKind::GrassrootsCommittee | OrgKind::GrassrootsBranch => Sector::Commune,
        OrgKind::SubCommittee | OrgKind::Branch => Sector::Village,
    }
}

/// (code, parent code, name) of every unit on `on`, from the reference.
fn reference_view(t: &Tree, on: NaiveDate) -> BTreeSet<(String, String, String)> {
    t.as_of(on)
        .into_iter()
        .filter_map(|(id, parent)| {
            let u = t.unit(id)?;
            let p = parent
                .and_then(|p| t.unit(p))
                .map(|p| p.code.clone())
                .unwrap_or_default();
            Some((
                u.code.clone(),
                p,
                t.name_at(id, on).unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

async fn store_view(s: &Store, root: i64, on: NaiveDate) -> BTreeSet<(String, String, String)> {
    let nodes = s.org_subtree(root, on, 99).await.unwrap_or_default();
    let code = |id: Option<i64>| {
        nodes
            .iter()
            .find(|n| Some(n.id) == id)
            .map(|n| n.code.clone())
            .unwrap_or_default()
    };
    nodes
        .iter()
        .map(|n| (n.code.clone(), code(n.parent_id), n.name.clone()))
        .collect()
}

#[tokio::test]
async fn store_matches_the_reference_tree_on_random_histories() -> Result<(), StoreError> {
    for t in test_stores().await? {
        let s = &t.store;
        for seed in [7u64, 42, 2025] {
            // Each seed gets its own code namespace in the same database.
            let mut tree = Tree::new();
            let mut r = Rng(seed);
            let tag = format!("S{seed}");
            let boot = [
                (format!("{tag}TW"), OrgKind::Central, None),
                (
                    format!("{tag}P1"),
                    OrgKind::ProvincialCommittee,
                    Some(format!("{tag}TW")),
                ),
                (
                    format!("{tag}P2"),
                    OrgKind::ProvincialCommittee,
                    Some(format!("{tag}TW")),
                ),
                (
                    format!("{tag}H1"),
                    OrgKind::DirectCommittee,
                    Some(format!("{tag}P1")),
                ),
                (
                    format!("{tag}H2"),
                    OrgKind::DirectCommittee,
                    Some(format!("{tag}P2")),
                ),
                (
                    format!("{tag}X1"),
                    OrgKind::GrassrootsCommittee,
                    Some(format!("{tag}H1")),
                ),
                (
                    format!("{tag}X2"),
                    OrgKind::GrassrootsCommittee,
                    Some(format!("{tag}H1")),
                ),
                (
                    format!("{tag}X3"),
                    OrgKind::GrassrootsCommittee,
                    Some(format!("{tag}H2")),
                ),
            ];
            for (code, kind, parent) in boot {
                let tid = |c: &str| tree.by_code(c).map(|u| u.id);
                let sid_parent = match &parent {
                    Some(p) => s.org_by_code(p).await?.map(|u| u.id),
                    None => None,
                };
                let top = |p: Option<i64>| NewUnit {
                    code: code.clone(),
                    name: format!("Đơn vị {code}"),
                    kind,
                    sector: sector(kind),
                    parent: p,
                };
                let tp = parent.as_deref().and_then(tid);
                tree.apply(&Operation::Create {
                    unit: top(tp),
                    date: start(),
                })
                .map_err(StoreError::Rule)?;
                s.org_apply(
                    &Operation::Create {
                        unit: top(sid_parent),
                        date: start(),
                    },
                    "test",
                )
                .await?;
            }
            let root_id = s.org_required(&format!("{tag}TW")).await?.id;
            let mut on = start();
            let mut accepted = 0;
            for n in 0..70 {
                on = on + Days::new(1 + r.below(60) as u64);
                let Some(cop) = gen_op(&mut r, &tree, on, n) else {
                    continue;
                };
                let cop = prefix(cop, &tag);
                let Some(top) = resolve(&cop, on, &|c| tree.by_code(c).map(|u| u.id)) else {
                    continue;
                };
                let mut sids = std::collections::HashMap::new();
                for c in codes_of(&cop) {
                    if let Some(u) = s.org_by_code(&c).await? {
                        sids.insert(c, u.id);
                    }
                }
                let Some(sop) = resolve(&cop, on, &|c| sids.get(c).copied()) else {
                    panic!("{cop:?} resolves in the reference but not in the store")
                };
                let a = tree
                    .apply(&top)
                    .map(|_| ())
                    .map_err(|e| e.violations().iter().map(|v| v.rule).collect::<Vec<_>>());
                let b = s
                    .org_apply(&sop, "test")
                    .await
                    .map(|_| ())
                    .map_err(|e| match e {
                        StoreError::Rule(d) => {
                            d.violations().iter().map(|v| v.rule).collect::<Vec<_>>()
                        }
                        other => panic!("database error: {other}"),
                    });
                assert_eq!(a, b, "{:?} seed {seed} step {n}: {cop:?}", t.backend());
                accepted += usize::from(a.is_ok());
            }
            eprintln!(
                "{:?} seed {seed}: {accepted} accepted, {} units",
                t.backend(),
                tree.units.len()
            );
            assert!(
                accepted > 15,
                "the generator should mostly produce valid operations ({accepted})"
            );
            assert!(tree.check_invariants().is_empty());
            // Compare the whole history at every 90 days and at the last date.
            let mut day = start();
            while day <= on {
                assert_eq!(
                    store_view(s, root_id, day).await,
                    reference_view(&tree, day),
                    "{:?} seed {seed} on {day}",
                    t.backend()
                );
                day = day + Days::new(90);
            }
            for u in &tree.units {
                let heir_ref = tree
                    .heir(u.id)
                    .and_then(|h| tree.unit(h))
                    .map(|h| h.code.clone());
                let heir_store = s.org_required(&u.code).await?.heir.map(|h| h.code);
                assert_eq!(heir_store, heir_ref, "{:?} heir of {}", t.backend(), u.code);
            }
        }
    }
    Ok(())
}

fn codes_of(op: &CodeOp) -> Vec<String> {
    match op {
        CodeOp::Create { parent, .. } => vec![parent.clone()],
        CodeOp::Rename { code, .. } | CodeOp::Dissolve { code } => vec![code.clone()],
        CodeOp::Move { code, to } => vec![code.clone(), to.clone()],
        CodeOp::MergeInto { sources, into } => {
            sources.iter().cloned().chain([into.clone()]).collect()
        }
        CodeOp::MergeNew {
            sources, parent, ..
        } => sources.iter().cloned().chain([parent.clone()]).collect(),
        CodeOp::Split {
            source,
            parts,
            parent,
            ..
        } => [source.clone(), parent.clone()]
            .into_iter()
            .chain(parts.iter().flat_map(|(_, k)| k.clone()))
            .collect(),
    }
}

/// New codes made by the generator get the seed's tag so seeds do not collide.
fn prefix(op: CodeOp, tag: &str) -> CodeOp {
    let p = |c: String| {
        if c.starts_with(tag) {
            c
        } else {
            format!("{tag}{c}")
        }
    };
    match op {
        CodeOp::Create { code, kind, parent } => CodeOp::Create {
            code: p(code),
            kind,
            parent,
        },
        CodeOp::MergeNew {
            sources,
            code,
            kind,
            parent,
        } => CodeOp::MergeNew {
            sources,
            code: p(code),
            kind,
            parent,
        },
        CodeOp::Split {
            source,
            parts,
            continues,
            parent,
            kind,
        } => CodeOp::Split {
            source,
            parts: parts.into_iter().map(|(c, k)| (p(c), k)).collect(),
            continues,
            parent,
            kind,
        },
        other => other,
    }
}
