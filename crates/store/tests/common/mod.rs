//! A small organization tree shared by the locality and people suites.
#![allow(dead_code)]

use std::convert::Infallible;

use chrono::NaiveDate;
use ketnap_demo::{Config, Scale, generate};
use ketnap_domain::dataset::{Batch, TableCounts};
use ketnap_domain::org::{NewUnit, Operation, OrgKind, Sector};
use ketnap_store::bulk::{BulkAudit, Feed};
use ketnap_store::{Store, StoreError};

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

pub async fn create(
    s: &Store,
    code: &str,
    name: &str,
    kind: OrgKind,
    sector: Sector,
    parent: Option<i64>,
    date: NaiveDate,
) -> Result<i64, StoreError> {
    let unit = NewUnit {
        code: code.into(),
        name: name.into(),
        kind,
        sector,
        parent,
    };
    let ids = s
        .org_apply(&Operation::Create { unit, date }, "test")
        .await?;
    ids.first()
        .copied()
        .ok_or_else(|| StoreError::Corrupt("no id".into()))
}

/// Ids of the tree: province, district, two communes (A Lù, Ngải Thầu), four branches of A Lù,
/// one branch of Ngải Thầu.
pub struct Tree {
    pub province: i64,
    pub district: i64,
    pub alu: i64,
    pub nt: i64,
    pub branches: Vec<i64>,
    pub nt_branch: i64,
}

pub async fn tree(s: &Store) -> Result<Tree, StoreError> {
    let start = d(2016, 1, 1);
    let tw = create(
        s,
        "TW",
        "Trung ương",
        OrgKind::Central,
        Sector::Nation,
        None,
        start,
    )
    .await?;
    let province = create(
        s,
        "T10",
        "Đảng bộ tỉnh Lào Cai",
        OrgKind::ProvincialCommittee,
        Sector::Province,
        Some(tw),
        start,
    )
    .await?;
    let district = create(
        s,
        "H082",
        "Đảng bộ huyện Bát Xát",
        OrgKind::DirectCommittee,
        Sector::District,
        Some(province),
        start,
    )
    .await?;
    let alu = create(
        s,
        "X02692",
        "Đảng bộ xã A Lù",
        OrgKind::GrassrootsCommittee,
        Sector::Commune,
        Some(district),
        start,
    )
    .await?;
    let nt = create(
        s,
        "X02693",
        "Đảng bộ xã Ngải Thầu",
        OrgKind::GrassrootsCommittee,
        Sector::Commune,
        Some(district),
        start,
    )
    .await?;
    let mut branches = vec![];
    for (i, name) in [
        "Chi bộ thôn Phìn Chải",
        "Chi bộ thôn Phìn Ngan",
        "Chi bộ thôn Sín Chải",
        "Chi bộ thôn Ngải Trồ",
    ]
    .iter()
    .enumerate()
    {
        branches.push(
            create(
                s,
                &format!("X02692.0{}", i + 1),
                name,
                OrgKind::Branch,
                Sector::Village,
                Some(alu),
                start,
            )
            .await?,
        );
    }
    let nt_branch = create(
        s,
        "X02693.01",
        "Chi bộ thôn Khoa San Chải",
        OrgKind::Branch,
        Sector::Village,
        Some(nt),
        start,
    )
    .await?;
    Ok(Tree {
        province,
        district,
        alu,
        nt,
        branches,
        nt_branch,
    })
}

/// The rule ids of a refusal (empty when it is not a rule refusal).
pub fn rules<T: std::fmt::Debug>(r: &Result<T, StoreError>) -> Vec<&'static str> {
    match r {
        Err(StoreError::Rule(d)) => d.violations().iter().map(|v| v.rule).collect(),
        _ => vec![],
    }
}

/// The `small` demo dataset (seed 1) as batches, with its row counts.
pub fn dataset() -> (Vec<Batch>, TableCounts) {
    let mut batches = vec![];
    let counts = generate(
        &Config::new(Scale::Small, 1),
        |b| -> Result<(), Infallible> {
            batches.push(b);
            Ok(())
        },
    )
    .unwrap_or_default();
    (batches, counts)
}

pub fn audit() -> BulkAudit {
    BulkAudit {
        actor: "test".into(),
        action: "demo.load".into(),
        entity_key: "small/seed=1".into(),
        detail: serde_json::json!({"scale": "small", "seed": 1}),
    }
}

pub async fn load(s: &Store, batches: Vec<Batch>) -> Result<TableCounts, StoreError> {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let feeder = tokio::spawn(async move {
        for b in batches {
            if tx.send(Feed::Rows(b)).await.is_err() {
                return;
            }
        }
        let _ = tx.send(Feed::End).await;
    });
    let r = s.load_dataset(rx, &audit(), &|_| {}).await;
    let _ = feeder.await;
    r
}
