//! Concurrent writers (issue E item 5), on SQLite and PostgreSQL: 8 tasks × 50 writes — pipeline
//! events on one shared case with optimistic locking, and targets of one shared unit. The only
//! failures allowed are optimistic-lock conflicts, each saying who changed the case and when.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{d, tree};
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_domain::pipeline::{EventKind, Proposer};
use ketnap_domain::sensitive::Sensitive;
use ketnap_domain::targets::{TargetKind, TargetPeriod, TargetSource};
use ketnap_store::StoreError;
use ketnap_store::pipeline_api::{NewCase, NewEvent};
use ketnap_store::testing::test_stores;

type R = Result<(), Box<dyn std::error::Error>>;

const TASKS: usize = 8;
const WRITES: usize = 50;

fn person(name: &str) -> Person {
    Person {
        id: 0,
        cccd: None,
        full_name: name.into(),
        sex: Sex::Male,
        birth_date: Sensitive::new(d(1995, 4, 1)),
        ethnic_group: Sensitive::new(EthnicGroup::parse("08").unwrap_or_default()),
        religion: Sensitive::new(Religion::None),
        education: GeneralEducation::UpperSecondary,
        qualification: ProfessionalQualification::None,
        political_theory: PoliticalTheory::None,
        occupation: Occupation::Farmer,
        youth_union: true,
        residence_locality: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_fail_only_by_optimistic_conflicts() -> R {
    for db in test_stores().await? {
        let s = db.store.clone();
        let t = tree(&s).await?;
        let branch = t.branches[0];
        let code = s.org_by_id(branch).await?.ok_or("no branch")?.code;
        let mentor = s.person_create(&person("Đảng viên Một"), "test").await?;
        s.person_add_status(
            mentor,
            PartyStatus::Official,
            Some(branch),
            d(2016, 1, 1),
            "test",
        )
        .await?;
        let candidate = s.person_create(&person("Quần chúng Một"), "test").await?;
        let case = s
            .case_open(
                &NewCase {
                    person_id: candidate,
                    branch_code: code,
                    date: d(2024, 3, 1),
                    proposed_by: Proposer::YouthUnion,
                    document: None,
                },
                "test",
            )
            .await?;
        let ok = Arc::new(AtomicUsize::new(0));
        let conflicts = Arc::new(AtomicUsize::new(0));
        let mut handles = vec![];
        for task in 0..TASKS {
            let s = s.clone();
            let (ok, conflicts) = (ok.clone(), conflicts.clone());
            let unit = t.alu;
            handles.push(tokio::spawn(async move {
                let mut version = 1;
                let mut other: Vec<String> = vec![];
                for i in 0..WRITES {
                    if i % 2 == 0 {
                        let ev = NewEvent {
                            date: d(2024, 3, 2),
                            kind: EventKind::MentorAssigned { mentor },
                            document: None,
                            corrects: None,
                            reason: None,
                        };
                        match s
                            .case_record(case, &ev, Some(version), &format!("task{task}"))
                            .await
                        {
                            Ok(r) => {
                                version = r.version;
                                ok.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e @ StoreError::Conflict { .. }) => {
                                let msg = e.to_string();
                                if let StoreError::Conflict { actual, by, .. } = &e {
                                    version = *actual;
                                    if !(by.starts_with("task")
                                        && msg.contains("was changed by")
                                        && msg.contains("reload"))
                                    {
                                        other.push(msg);
                                    }
                                }
                                conflicts.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => other.push(format!("event: {e}")),
                        }
                    } else {
                        let value = (task * 1000 + i) as i64;
                        let source = if task % 2 == 0 {
                            TargetSource::Assigned
                        } else {
                            TargetSource::Registered
                        };
                        match s
                            .target_set(
                                unit,
                                TargetKind::Admissions,
                                TargetPeriod::Year(2025),
                                source,
                                Some(value),
                                &format!("task{task}"),
                            )
                            .await
                        {
                            Ok(_) => {
                                ok.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => other.push(format!("target: {e}")),
                        }
                    }
                }
                other
            }));
        }
        let mut errors = vec![];
        for h in handles {
            errors.extend(h.await?);
        }
        let (ok, conflicts) = (
            ok.load(Ordering::Relaxed),
            conflicts.load(Ordering::Relaxed),
        );
        eprintln!(
            "{}: {} writes, {ok} written, {conflicts} optimistic-lock conflicts, {} other errors",
            db.backend().as_str(),
            TASKS * WRITES,
            errors.len()
        );
        assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(5)]);
        assert_eq!(ok + conflicts, TASKS * WRITES);
        // Every event written is on the case, in order, with no gap.
        let view = s.case_get(case, d(2025, 1, 1), None).await?;
        let events = ok - TASKS * WRITES / 2;
        assert_eq!(view.events.len(), 1 + events, "events on the case");
    }
    Ok(())
}

/// SQLite: while another connection holds the write lock (here for 300 ms; in life the
/// checkpoint task's connection opening, or another request's write), the sign-in writes —
/// creating a user, issuing a token, disabling a user — wait their turn. A
/// transaction begun as a reader and upgraded at its first write cannot wait (SQLite returns
/// "database is locked" at once to avoid a deadlock): that failed a CLI `user add` one run in
/// ~150, and CI once. The writes therefore take the lock up front.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_writes_wait_for_the_write_lock() -> R {
    use ketnap_domain::access::Role;
    use ketnap_store::auth_api::NewUser;
    use sqlx::Connection;

    let db = ketnap_store::testing::sqlite().await?;
    let s = &db.store;
    let new = |name: &str| NewUser {
        username: name.into(),
        password: None,
        role: Role::Admin,
        org_code: None,
    };
    s.user_create(&new("truoc"), 1_700_000_000, "test").await?;
    for round in 0..3 {
        let mut other = sqlx::SqliteConnection::connect(&db.url).await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut other).await?;
        let release = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            sqlx::query("COMMIT").execute(&mut other).await?;
            other.close().await
        });
        let now = 1_700_000_100 + round;
        match round {
            0 => drop(s.user_create(&new("sau"), now, "test").await?),
            1 => drop(s.token_create("truoc", "may", now, "test").await?),
            _ => drop(s.user_disable("truoc", "test").await?),
        }
        release.await??;
    }
    assert!(s.user_by_name("truoc").await?.is_some_and(|u| u.disabled));
    Ok(())
}
