//! Backup and restore (issue E): a dump written while nothing else runs, restored into a new
//! database of the same engine, gives every table the same rows — the pre-aggregates
//! (`report_agg`), the audit trail and the sessions included — on SQLite and PostgreSQL. A dump
//! cut short, a non-empty target and a foreign file are refused, writing nothing.

mod common;

use common::{dataset, load};
use ketnap_domain::org::OrgId;
use ketnap_domain::targets::{TargetKind, TargetPeriod, TargetSource};
use ketnap_store::testing::{TestDb, postgres, sqlite};
use ketnap_store::{Backend, Store};

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

async fn fresh(backend: Backend) -> R<Option<TestDb>> {
    Ok(match backend {
        Backend::Sqlite => Some(sqlite().await?),
        Backend::Postgres => postgres().await?,
    })
}

async fn some_org(s: &Store) -> R<OrgId> {
    Ok(s.org_roots(chrono::Utc::now().date_naive())
        .await?
        .first()
        .copied()
        .ok_or("no root")?)
}

#[tokio::test]
async fn backup_restore_round_trip_is_identical_on_both_engines() -> R {
    let (batches, _) = dataset();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(src) = fresh(backend).await? else {
            continue;
        };
        let s = &src.store;
        load(s, batches.clone()).await?;
        let root = some_org(s).await?;
        s.target_set(
            root,
            TargetKind::Admissions,
            TargetPeriod::Year(2025),
            TargetSource::Assigned,
            Some(2022),
            "test",
        )
        .await?;
        s.mapping_save("people", "huyen", r#"{"full_name":"Họ và tên"}"#, "test")
            .await?;
        let before = s.table_rows().await?;
        let rows: usize = before.iter().map(|(_, r)| r.len()).sum();
        let agg = before
            .iter()
            .find(|(t, _)| t == "report_agg")
            .map_or(0, |(_, r)| r.len());
        assert!(agg > 0, "{backend:?}: report_agg is empty");
        let mut dump = Vec::new();
        let summary = s.backup(&mut dump).await?;
        assert_eq!(summary.rows as usize, rows);

        // Restored into a new database: every table the same.
        let Some(dst) = fresh(backend).await? else {
            continue;
        };
        let restored = dst.store.restore(&mut dump.as_slice()).await?;
        assert_eq!(restored, summary);
        let after = dst.store.table_rows().await?;
        assert_eq!(before.len(), after.len(), "{backend:?}: tables");
        for ((t, a), (u, b)) in before.iter().zip(&after) {
            assert_eq!(t, u);
            assert!(a == b, "{backend:?}: table {t} differs after restore");
        }
        eprintln!(
            "{backend:?}: {} tables, {rows} rows verified ({agg} in report_agg)",
            before.len()
        );
        // New rows get fresh ids after the restored ones.
        dst.store
            .target_set(
                root,
                TargetKind::Admissions,
                TargetPeriod::Year(2026),
                TargetSource::Assigned,
                Some(10),
                "test",
            )
            .await?;
        let audit = dst.store.audit_recent(None, 1).await?;
        let max_before = s.audit_recent(None, 1).await?;
        assert!(
            audit[0].id > max_before[0].id,
            "{backend:?}: sequences reset"
        );

        // A second restore into the now non-empty database is refused.
        let again = dst.store.restore(&mut dump.as_slice()).await;
        assert!(
            again.is_err(),
            "{backend:?}: restore into a non-empty database"
        );

        // A dump cut short is refused, and nothing is written.
        let Some(empty) = fresh(backend).await? else {
            continue;
        };
        let cut = &dump[..dump.len() * 2 / 3];
        let cut = &cut[..cut.iter().rposition(|b| *b == b'\n').unwrap_or(0) + 1];
        let r = empty.store.restore(&mut &cut[..]).await;
        assert!(r.is_err(), "{backend:?}: a truncated dump");
        let total: usize = empty
            .store
            .table_rows()
            .await?
            .iter()
            .map(|(_, r)| r.len())
            .sum();
        assert_eq!(total, 0, "{backend:?}: a refused restore writes nothing");
        let r = empty.store.restore(&mut &b"not a dump\n"[..]).await;
        assert!(r.is_err());
    }
    Ok(())
}

#[tokio::test]
async fn sqlite_file_backup_with_vacuum_into() -> R {
    let db = sqlite().await?;
    let (batches, _) = dataset();
    load(&db.store, batches).await?;
    let dir = std::env::temp_dir().join(format!("ketnap_vacuum_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("copy.db");
    let _ = std::fs::remove_file(&file);
    db.store.backup_sqlite_file(&file).await?;
    let copy = Store::open(&format!("sqlite://{}", file.display())).await?;
    assert!(copy.table_rows().await? == db.store.table_rows().await?);
    copy.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
