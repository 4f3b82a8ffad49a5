//! Bulk load of the `small` demo dataset, run on SQLite and on PostgreSQL.

use chrono::NaiveDate;
use ketnap_domain::dataset::{Batch, Table};
use ketnap_domain::org::{NewUnit, Operation, OrgKind, Sector};
use ketnap_store::bulk::Feed;
use ketnap_store::testing::test_stores;
use ketnap_store::{Store, StoreError, on_db};

mod common;

use common::{audit, dataset, load};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

async fn rows(s: &Store, table: &str) -> Result<i64, StoreError> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    Ok(
        on_db!(s.db(), p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(p).await?),
    )
}

async fn indexes(s: &Store) -> Result<i64, StoreError> {
    let sql = match s.backend() {
        ketnap_store::Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'",
        ketnap_store::Backend::Postgres => {
            "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema()"
        }
    };
    Ok(on_db!(s.db(), p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await?))
}

#[tokio::test]
async fn small_demo_loads_on_both_engines() -> Result<(), StoreError> {
    let (batches, counts) = dataset();
    assert!(counts.get(Table::Person) > 1000);
    for t in test_stores().await? {
        let s = &t.store;
        let backend = s.backend().as_str();
        let loaded = load(s, batches.clone()).await?;
        assert_eq!(loaded, counts, "{backend}");
        for table in Table::ALL {
            assert_eq!(
                rows(s, table.as_str()).await?,
                counts.get(table) as i64,
                "{backend} {}",
                table.as_str()
            );
        }

        // The closure table answers like the recursive walk, before and after the reform.
        for (code, on) in [
            ("TW", d(2019, 12, 31)),
            ("TW", d(2025, 12, 31)),
            ("T10.L", d(2019, 12, 31)),
            ("T15", d(2025, 12, 31)),
            ("H082", d(2019, 12, 31)),
            ("X02692.L", d(2020, 6, 1)),
            ("X02701", d(2025, 12, 31)),
        ] {
            let u = s.org_required(code).await?;
            let closure = s.org_subtree_count(u.id, on).await?;
            let recursive = s.org_subtree_count_recursive(u.id, on).await?;
            assert_eq!(closure, recursive, "{backend} {code} {on}");
            assert!(closure > 1, "{backend} {code} {on}");
        }
        let tree_2019 = s
            .org_subtree(s.org_required("H082").await?.id, d(2019, 12, 31), 1)
            .await?;
        let codes: Vec<&str> = tree_2019.iter().map(|n| n.code.as_str()).collect();
        assert!(
            codes.contains(&"X02692.L") && codes.contains(&"X02698.L"),
            "{codes:?}"
        );
        let ngai_thau = s.org_required("X02698.L").await?;
        assert_eq!(ngai_thau.heir.map(|h| h.code), Some("X02701".to_string()));

        // One audit row, without personal data.
        let audit = s
            .audit_recent(Some(("dataset", "small/seed=1")), 10)
            .await?;
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].action, "demo.load");
        assert!(
            audit[0].detail.contains("\"person\""),
            "{}",
            audit[0].detail
        );
        if let Some(Batch::People(p)) = batches.iter().find(|b| matches!(b, Batch::People(_))) {
            let c = p[0]
                .cccd
                .as_ref()
                .map(|c| c.expose().clone())
                .unwrap_or_default();
            assert!(!audit[0].detail.contains(&c) && !audit[0].detail.contains(&p[0].full_name));
        }

        // Statistics see the people.
        let st = s.stats(d(2026, 1, 1)).await?;
        assert!(
            st.people_by_status
                .iter()
                .any(|(k, n)| k == "official" && *n > 1000),
            "{backend}"
        );

        // Ordinary writes continue after the loaded ids (identity sequences reset).
        let max: i64 = on_db!(s.db(), p => sqlx::query_scalar::<_, i64>("SELECT MAX(id) FROM org_unit").fetch_one(p).await?);
        let parent = s.org_required("T15").await?.id;
        let unit = NewUnit {
            code: "T15.TEST".into(),
            name: "Chi bộ thử nghiệm".into(),
            kind: OrgKind::GrassrootsBranch,
            sector: Sector::Other,
            parent: Some(parent),
        };
        let ids = s
            .org_apply(
                &Operation::Create {
                    unit,
                    date: d(2026, 3, 1),
                },
                "test",
            )
            .await?;
        assert!(
            ids.iter().all(|id| *id > max),
            "{backend}: {ids:?} after {max}"
        );

        // A second load is refused and writes nothing.
        let before = rows(s, "person").await?;
        match load(s, batches.clone()).await {
            Err(StoreError::Rule(e)) => assert_eq!(e.violations()[0].rule, "bulk.empty_database"),
            other => panic!("{backend}: expected a refusal, got {other:?}"),
        }
        assert_eq!(rows(s, "person").await?, before);
    }
    Ok(())
}

/// A feed that stops without its end marker loads nothing.
#[tokio::test]
async fn an_interrupted_feed_loads_nothing() -> Result<(), StoreError> {
    let (batches, _) = dataset();
    for t in test_stores().await? {
        let s = &t.store;
        let before = indexes(s).await?;
        assert!(before >= 5);
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let first: Vec<Batch> = batches.iter().take(5).cloned().collect();
        let feeder = tokio::spawn(async move {
            for b in first {
                let _ = tx.send(Feed::Rows(b)).await;
            }
        });
        match s.load_dataset(rx, &audit(), &|_| {}).await {
            Err(StoreError::Rule(e)) => assert_eq!(e.violations()[0].rule, "bulk.incomplete"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let _ = feeder.await;
        assert_eq!(rows(s, "org_unit").await?, 0);
        assert_eq!(rows(s, "audit_log").await?, 0);
        // The secondary indexes dropped for the load are back.
        assert_eq!(indexes(s).await?, before, "{}", s.backend().as_str());
    }
    Ok(())
}

/// The demo's cases as loaded: every case row's projected columns equal the projection the
/// store computes from the case's events (what `case_record` would have written).
#[tokio::test]
async fn demo_case_projections_equal_the_recomputation() -> Result<(), StoreError> {
    use ketnap_domain::pipeline::projection::project;
    use ketnap_domain::pipeline::{CaseState, Event, Stage};
    type Row = (
        i64,
        i64,
        i64,
        String,
        bool,
        Option<i64>,
        NaiveDate,
        Option<NaiveDate>,
        Option<NaiveDate>,
        i64,
    );
    for db in test_stores().await? {
        let s = &db.store;
        let (batches, counts) = dataset();
        let loaded = load(s, batches).await?;
        assert_eq!(loaded, counts);
        assert!(counts.get(Table::PipelineCase) > 100);
        assert_eq!(
            rows(s, "pipeline_event").await?,
            counts.get(Table::PipelineEvent) as i64
        );
        let sql = "SELECT id, branch_id, origin_branch_id, stage, is_open, mentor_id, last_event_on, deadline_on, \
                   certificate_issued, version FROM pipeline_case ORDER BY id";
        let cases: Vec<Row> = on_db!(s.db(), p => sqlx::query_as(sql).fetch_all(p).await?);
        assert_eq!(cases.len() as u64, counts.get(Table::PipelineCase));
        let cal = s.calendar().await?;
        let until = ketnap_demo::DEFAULT_UNTIL;
        for (id, branch, origin, stage, open, mentor, last, deadline, cert, version) in cases {
            let v = s.case_get(id, until, None).await?;
            let events: Vec<Event> = v
                .events
                .iter()
                .map(|e| Event {
                    id: e.id,
                    seq: e.seq,
                    date: e.date,
                    kind: e.kind.clone(),
                    document: e.document.clone(),
                    actor: e.actor.clone(),
                    corrects: e.corrects,
                    reason: e.reason.clone(),
                })
                .collect();
            assert_eq!(version, events.len() as i64, "case {id}");
            let state = CaseState::derive(&events);
            let p = project(&state, origin, v.case.opened_on, &cal);
            assert_eq!(
                (
                    branch,
                    Stage::parse(&stage),
                    open,
                    mentor,
                    last,
                    deadline,
                    cert
                ),
                (
                    p.branch_id,
                    Some(p.stage),
                    p.is_open,
                    p.mentor_id,
                    p.last_event_on,
                    p.deadline_on,
                    p.certificate_issued
                ),
                "{:?} case {id}",
                db.backend()
            );
        }
    }
    Ok(())
}
