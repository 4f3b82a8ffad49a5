#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
//! The organization store suite, run on SQLite and on PostgreSQL.

use chrono::NaiveDate;
use ketnap_domain::org::{NewUnit, Operation, OrgKind, Sector, SplitPart, Target};
use ketnap_store::testing::test_stores;
use ketnap_store::{Store, StoreError};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

fn new(code: &str, name: &str, kind: OrgKind, sector: Sector, parent: Option<i64>) -> NewUnit {
    NewUnit {
        code: code.into(),
        name: name.into(),
        kind,
        sector,
        parent,
    }
}

async fn create(s: &Store, u: NewUnit, date: NaiveDate) -> i64 {
    let ids = s
        .org_apply(&Operation::Create { unit: u, date }, "test")
        .await;
    match ids.as_deref() {
        Ok([id]) => *id,
        other => panic!("create failed: {other:?}"),
    }
}

async fn codes(s: &Store, root: i64, on: NaiveDate) -> Vec<String> {
    let mut v: Vec<String> = s
        .org_subtree(root, on, 99)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|n| n.code)
        .collect();
    v.sort();
    v
}

/// A Lù and Ngải Thầu (Bát Xát, Lào Cai) merged into A Lù in March 2020; the district level
/// went on 1/7/2025.
#[tokio::test]
async fn merger_and_reform_as_of_dates() -> Result<(), StoreError> {
    for t in test_stores().await? {
        let s = &t.store;
        let start = d(2016, 1, 1);
        let tw = create(
            s,
            new("TW", "Trung ương", OrgKind::Central, Sector::Nation, None),
            start,
        )
        .await;
        let lc = create(
            s,
            new(
                "T10",
                "Đảng bộ tỉnh Lào Cai",
                OrgKind::ProvincialCommittee,
                Sector::Province,
                Some(tw),
            ),
            start,
        )
        .await;
        let bx = create(
            s,
            new(
                "H082",
                "Đảng bộ huyện Bát Xát",
                OrgKind::DirectCommittee,
                Sector::District,
                Some(lc),
            ),
            start,
        )
        .await;
        let alu = create(
            s,
            new(
                "X02692",
                "Đảng bộ xã A Lù",
                OrgKind::GrassrootsCommittee,
                Sector::Commune,
                Some(bx),
            ),
            start,
        )
        .await;
        let nt = create(
            s,
            new(
                "X02693",
                "Đảng bộ xã Ngải Thầu",
                OrgKind::GrassrootsCommittee,
                Sector::Commune,
                Some(bx),
            ),
            start,
        )
        .await;
        let pc = create(
            s,
            new(
                "X02692.01",
                "Chi bộ thôn Phìn Chải",
                OrgKind::Branch,
                Sector::Village,
                Some(alu),
            ),
            start,
        )
        .await;
        let _ks = create(
            s,
            new(
                "X02693.01",
                "Chi bộ thôn Khoa San Chải",
                OrgKind::Branch,
                Sector::Village,
                Some(nt),
            ),
            start,
        )
        .await;

        s.org_apply(
            &Operation::Merge {
                sources: vec![nt],
                into: Target::Existing(alu),
                date: d(2020, 3, 1),
            },
            "test",
        )
        .await?;

        assert_eq!(
            codes(s, bx, d(2019, 12, 31)).await,
            ["H082", "X02692", "X02692.01", "X02693", "X02693.01"]
        );
        assert_eq!(
            codes(s, bx, d(2020, 3, 1)).await,
            ["H082", "X02692", "X02692.01", "X02693.01"]
        );
        assert_eq!(
            codes(s, alu, d(2020, 6, 1)).await,
            ["X02692", "X02692.01", "X02693.01"]
        );

        let h = s.org_history(nt).await?.ok_or(StoreError::NotFound {
            what: "org",
            key: "nt".into(),
        })?;
        assert_eq!(h.unit.period.to, Some(d(2020, 3, 1)));
        assert_eq!(h.successors.len(), 1);
        assert_eq!(h.successors[0].unit.code, "X02692");
        assert_eq!(
            h.unit.heir.as_ref().map(|r| r.code.as_str()),
            Some("X02692")
        );
        let ha = s.org_history(alu).await?.ok_or(StoreError::NotFound {
            what: "org",
            key: "alu".into(),
        })?;
        assert_eq!(ha.predecessors[0].unit.code, "X02693");

        // The 2025 reform: communes move under the province, the district is dissolved.
        let reform = d(2025, 7, 1);
        s.org_apply(
            &Operation::Move {
                unit: alu,
                new_parent: lc,
                date: reform,
            },
            "test",
        )
        .await?;
        s.org_apply(
            &Operation::Dissolve {
                unit: bx,
                date: reform,
            },
            "test",
        )
        .await?;
        assert_eq!(
            codes(s, lc, d(2025, 12, 31)).await,
            ["T10", "X02692", "X02692.01", "X02693.01"]
        );
        assert_eq!(
            codes(s, lc, d(2019, 12, 31)).await,
            ["H082", "T10", "X02692", "X02692.01", "X02693", "X02693.01"]
        );
        let tree = s.org_subtree(tw, d(2025, 12, 31), 99).await?;
        let branch = tree
            .iter()
            .find(|n| n.id == pc)
            .map(|n| (n.depth, n.parent_id));
        assert_eq!(branch, Some((3, Some(alu))));
        // The dissolved district's history now belongs to the province it sat in.
        let hb = s.org_by_id(bx).await?.and_then(|u| u.heir).map(|r| r.code);
        assert_eq!(hb.as_deref(), Some("T10"));
        // Counting by closure equals counting by recursion.
        for on in [d(2019, 12, 31), d(2025, 12, 31)] {
            assert_eq!(
                s.org_subtree_count(tw, on).await?,
                s.org_subtree_count_recursive(tw, on).await?
            );
        }
        // Depth 0 and 1 come from the parent links, deeper levels from the closure: the same
        // nodes in the same order, before and after the merger and the reform (and for a root
        // that no longer exists: nothing).
        for root in [tw, lc, bx, alu, nt] {
            for on in [
                d(2019, 12, 31),
                d(2020, 3, 1),
                d(2025, 6, 30),
                d(2025, 12, 31),
            ] {
                let deep = s.org_subtree(root, on, 99).await?;
                for depth in [0, 1] {
                    let cut: Vec<_> = deep.iter().filter(|n| n.depth <= depth).cloned().collect();
                    assert_eq!(
                        s.org_subtree(root, on, depth).await?,
                        cut,
                        "root {root} on {on} to depth {depth} ({:?})",
                        t.backend()
                    );
                }
            }
        }
        // Renames keep the old name for the past.
        s.org_apply(
            &Operation::Rename {
                unit: pc,
                name: "Chi bộ thôn Phìn Chải 1".into(),
                date: d(2026, 1, 1),
            },
            "test",
        )
        .await?;
        let before = s.org_subtree(pc, d(2025, 12, 31), 0).await?;
        let after = s.org_subtree(pc, d(2026, 1, 2), 0).await?;
        assert_eq!(before[0].name, "Chi bộ thôn Phìn Chải");
        assert_eq!(after[0].name, "Chi bộ thôn Phìn Chải 1");
        // Every write left an audit row.
        assert_eq!(
            s.audit_recent(None, 100).await?.len(),
            11,
            "{:?}",
            t.backend()
        );
    }
    Ok(())
}

#[tokio::test]
async fn refusals_name_the_rule_and_write_nothing() -> Result<(), StoreError> {
    for t in test_stores().await? {
        let s = &t.store;
        let start = d(2016, 1, 1);
        let tw = create(
            s,
            new("TW", "Trung ương", OrgKind::Central, Sector::Nation, None),
            start,
        )
        .await;
        let p = create(
            s,
            new(
                "T01",
                "Đảng bộ Thành phố Hà Nội",
                OrgKind::ProvincialCommittee,
                Sector::Province,
                Some(tw),
            ),
            start,
        )
        .await;
        let x = create(
            s,
            new(
                "X1",
                "Đảng bộ xã Một",
                OrgKind::GrassrootsCommittee,
                Sector::Commune,
                Some(p),
            ),
            start,
        )
        .await;
        let b1 = create(
            s,
            new(
                "X1.01",
                "Chi bộ 1",
                OrgKind::Branch,
                Sector::Village,
                Some(x),
            ),
            start,
        )
        .await;
        let audit_before = s.audit_recent(None, 100).await?.len();

        let rule = |r: Result<Vec<i64>, StoreError>| match r {
            Err(StoreError::Rule(e)) => e.violations().iter().map(|v| v.rule).collect::<Vec<_>>(),
            other => panic!("expected a refusal, got {other:?}"),
        };
        // Duplicate code, case-insensitive.
        let dup = s
            .org_apply(
                &Operation::Create {
                    unit: new(
                        "x1",
                        "Khác",
                        OrgKind::GrassrootsCommittee,
                        Sector::Commune,
                        Some(p),
                    ),
                    date: start,
                },
                "t",
            )
            .await;
        assert_eq!(rule(dup), ["org.code.unique"]);
        // A branch cannot sit directly under a province.
        let bad = s
            .org_apply(
                &Operation::Move {
                    unit: b1,
                    new_parent: p,
                    date: d(2020, 1, 1),
                },
                "t",
            )
            .await;
        assert_eq!(rule(bad), ["org.parent.kind"]);
        // A committee with branches cannot be dissolved.
        let bad = s
            .org_apply(
                &Operation::Dissolve {
                    unit: x,
                    date: d(2020, 1, 1),
                },
                "t",
            )
            .await;
        assert_eq!(rule(bad), ["org.dissolve.has_children"]);
        // A split must give every branch to a part, and name exactly one primary.
        let bad = s
            .org_apply(
                &Operation::Split {
                    source: x,
                    parts: vec![
                        SplitPart {
                            target: Target::New(new(
                                "X2",
                                "Xã Hai",
                                OrgKind::GrassrootsCommittee,
                                Sector::Commune,
                                Some(p),
                            )),
                            children: vec![],
                            primary: true,
                        },
                        SplitPart {
                            target: Target::New(new(
                                "X3",
                                "Xã Ba",
                                OrgKind::GrassrootsCommittee,
                                Sector::Commune,
                                Some(p),
                            )),
                            children: vec![],
                            primary: true,
                        },
                    ],
                    source_continues: false,
                    date: d(2020, 1, 1),
                },
                "t",
            )
            .await;
        assert_eq!(
            rule(bad),
            ["org.split.one_primary", "org.split.children_assigned"]
        );
        // Out of order: an operation before the unit's last change.
        s.org_apply(
            &Operation::Rename {
                unit: b1,
                name: "Chi bộ Một".into(),
                date: d(2021, 1, 1),
            },
            "t",
        )
        .await?;
        let bad = s
            .org_apply(
                &Operation::Rename {
                    unit: b1,
                    name: "Chi bộ I".into(),
                    date: d(2020, 1, 1),
                },
                "t",
            )
            .await;
        assert_eq!(rule(bad), ["org.date.in_order"]);
        assert_eq!(s.audit_recent(None, 100).await?.len(), audit_before + 1);
        assert!(
            s.org_by_code("X2").await?.is_none(),
            "nothing partial written"
        );

        // A valid split: X1 → X2 (primary, takes the branch) and X3.
        let ids = s
            .org_apply(
                &Operation::Split {
                    source: x,
                    parts: vec![
                        SplitPart {
                            target: Target::New(new(
                                "X2",
                                "Xã Hai",
                                OrgKind::GrassrootsCommittee,
                                Sector::Commune,
                                Some(p),
                            )),
                            children: vec![b1],
                            primary: true,
                        },
                        SplitPart {
                            target: Target::New(new(
                                "X3",
                                "Xã Ba",
                                OrgKind::GrassrootsCommittee,
                                Sector::Commune,
                                Some(p),
                            )),
                            children: vec![],
                            primary: false,
                        },
                    ],
                    source_continues: false,
                    date: d(2022, 1, 1),
                },
                "t",
            )
            .await?;
        assert_eq!(ids.len(), 2);
        let tree = s.org_subtree(ids[0], d(2022, 1, 1), 9).await?;
        assert_eq!(
            tree.iter().map(|n| n.code.as_str()).collect::<Vec<_>>(),
            ["X2", "X1.01"]
        );
        assert_eq!(
            s.org_by_id(x)
                .await?
                .and_then(|u| u.heir)
                .map(|h| h.code)
                .as_deref(),
            Some("X2")
        );
    }
    Ok(())
}
