//! `ketnap bench` — the admission pipeline at scale, each figure with its baseline:
//!
//! - **event write**: the next step of N open cases picked at random (seeded), recorded through
//!   `Store::case_record` (rules, facts, spells, projections, audit; committed — the bench
//!   WRITES these N events, so run it on a throwaway copy of the database), against the same
//!   event row appended by a plain INSERT in a transaction that is rolled back;
//! - **admission ceremony write**: the same for N cases at the admitted stage, whose
//!   ceremony makes the candidate a member (status spells, admissions per unit, coverage);
//! - **due list** for a province (T15) and the nation (TW) through `Store::due_list` (open
//!   cases picked by their projected columns), against the naive way (every open case's events
//!   loaded and judged in Rust); both must give the same rows.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use ketnap_domain::Date;
use ketnap_domain::pipeline::{CaseState, EventKind, FormCode, Stage};
use ketnap_store::Store;
use ketnap_store::pipeline_api::{DueRow, NewEvent};
use serde::Serialize;

use crate::bench::{Timing, time};
use crate::output::{Format, print_json};

/// p50/p95/p99 of single measurements.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Tail {
    pub n: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

pub(crate) fn tail(mut v: Vec<Duration>) -> Tail {
    v.sort();
    let pick = |q: f64| {
        if v.is_empty() {
            return 0.0;
        }
        v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1].as_secs_f64() * 1000.0
    };
    Tail {
        n: v.len(),
        p50_ms: pick(0.50),
        p95_ms: pick(0.95),
        p99_ms: pick(0.99),
    }
}

/// splitmix64: a seeded shuffle without another dependency.
fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut z = seed;
    let mut next = || {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = z;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    };
    for i in (1..v.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// The next step of a case that needs no other person (application, history, verification,
/// comments), dated `on`; `None` for other stages.
pub(crate) fn next_step(s: &CaseState, on: Date, id: i64) -> Option<NewEvent> {
    let d = &s.dates;
    let doc = |form: Option<FormCode>, n: &str| ketnap_domain::pipeline::DocumentRef {
        form,
        number: format!("{n}-{id}"),
        date: Some(on),
    };
    let (kind, document) = match s.stage {
        Stage::Source if s.mentor.is_some() && s.certificate.is_some() => (
            EventKind::ApplicationSubmitted,
            doc(Some(FormCode::Knd1), "Đ"),
        ),
        Stage::Applied if d.history_submitted.is_none() => {
            (EventKind::HistorySubmitted, doc(Some(FormCode::Knd2), "LL"))
        }
        Stage::Applied if s.verification.is_none() => (
            EventKind::HistoryVerified {
                conclusion_ok: true,
            },
            doc(None, "KL"),
        ),
        Stage::Introduced if d.comments.is_none() => (
            EventKind::CommentsCollected,
            doc(Some(FormCode::Knd5), "TH"),
        ),
        _ => return None,
    };
    let mut e = NewEvent::new(on, kind);
    e.document = Some(document);
    Some(e)
}

#[derive(Debug, Serialize)]
struct WriteFigures {
    open_cases: usize,
    refused: usize,
    case_record: Tail,
    plain_insert: Tail,
    /// case_record p50 / plain insert p50.
    ratio: f64,
}

#[derive(Debug, Serialize)]
struct DueFigures {
    root: String,
    as_of: Date,
    rows: usize,
    due_list: Timing,
    naive: Timing,
    /// naive p50 / due_list p50.
    ratio: f64,
}

fn key(rows: &[DueRow]) -> Vec<(i64, String, Option<Date>)> {
    let mut v: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.case_id,
                format!("{:?}/{:?}", r.group, r.item.kind),
                r.item.due_date,
            )
        })
        .collect();
    v.sort();
    v
}

/// Records `step` of up to `cases` of `ids` (in that order, skipping cases without one), each
/// timed through `Store::case_record` against the same event row inserted and rolled back.
async fn record_steps(
    store: &Store,
    ids: Vec<i64>,
    cases: usize,
    open_cases: usize,
    step: impl Fn(&ketnap_store::pipeline_api::CaseView) -> Option<NewEvent>,
) -> Result<WriteFigures> {
    let on = ketnap_demo::DEFAULT_UNTIL;
    let (mut rec, mut base, mut refused) = (vec![], vec![], 0usize);
    for id in ids {
        if rec.len() >= cases {
            break;
        }
        let v = store.case_get(id, on, None).await?;
        let Some(ev) = step(&v) else {
            continue;
        };
        let t = Instant::now();
        store.event_insert_rolled_back(id, &ev, "bench").await?;
        let b = t.elapsed();
        let t = Instant::now();
        match store
            .case_record(id, &ev, Some(v.case.version), "bench")
            .await
        {
            Ok(_) => {
                rec.push(t.elapsed());
                base.push(b);
            }
            Err(ketnap_store::StoreError::Refused(r)) => {
                refused += 1;
                eprintln!(
                    "case {id} refused: {}",
                    r.iter().map(|x| x.rule_id).collect::<Vec<_>>().join(", ")
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    let case_record = tail(rec);
    let plain_insert = tail(base);
    Ok(WriteFigures {
        open_cases,
        refused,
        ratio: case_record.p50_ms / plain_insert.p50_ms.max(1e-6),
        case_record,
        plain_insert,
    })
}

pub async fn run(
    store: &Store,
    iterations: usize,
    cases: usize,
    seed: u64,
    due_lists: bool,
    format: Format,
) -> Result<()> {
    let on = ketnap_demo::DEFAULT_UNTIL;
    // (a) validating and applying an event.
    let open = store
        .open_case_ids(&[
            Stage::Source,
            Stage::Applied,
            Stage::Verified,
            Stage::Introduced,
            Stage::BranchApproved,
            Stage::CommitteeApproved,
            Stage::Admitted,
            Stage::Probationary,
        ])
        .await?;
    let open_cases = open.len();
    let mut pool = store
        .open_case_ids(&[Stage::Source, Stage::Applied, Stage::Introduced])
        .await?;
    shuffle(&mut pool, seed);
    let write = record_steps(store, pool, cases, open_cases, |v| {
        next_step(&v.state, on, v.case.id)
    })
    .await?;
    // (a') admission ceremonies: the write that makes a member, so the status spells, the
    // admissions counted per unit and the coverage of the member's village and branch change.
    let mut admitted = store.open_case_ids(&[Stage::Admitted]).await?;
    shuffle(&mut admitted, seed ^ 0xA5);
    let ceremony = record_steps(store, admitted, cases, open_cases, |v| {
        let last = v.state.last_event?;
        let day = last.succ_opt().unwrap_or(last).min(on);
        Some(NewEvent::new(day, EventKind::CeremonyHeld))
    })
    .await?;
    // (b) the due list.
    let mut due = vec![];
    let roots: &[&str] = if due_lists { &["T15", "TW"] } else { &[] };
    for root in roots {
        let root = *root;
        if store.org_by_code(root).await?.is_none() {
            continue;
        }
        let fast = store.due_list(root, on, 6).await?;
        let slow = store.due_list_naive(root, on, 6).await?;
        if key(&fast) != key(&slow) {
            bail!(
                "due list for {root}: {} rows, the naive way {} rows",
                fast.len(),
                slow.len()
            );
        }
        let due_list = time(iterations, || async {
            Ok(store.due_list(root, on, 6).await?.len())
        })
        .await?;
        let naive = time(iterations, || async {
            Ok(store.due_list_naive(root, on, 6).await?.len())
        })
        .await?;
        due.push(DueFigures {
            root: root.to_string(),
            as_of: on,
            rows: fast.len(),
            ratio: naive.p50_ms / due_list.p50_ms.max(1e-6),
            due_list,
            naive,
        });
    }
    let backend = store.backend().as_str();
    match format {
        Format::Json => print_json(
            &serde_json::json!({ "backend": backend, "event_write": write, "ceremony_write": ceremony, "due": due }),
        ),
        Format::Table => {
            println!(
                "Pipeline on {backend}: {} open cases; {} events recorded ({} refused)",
                write.open_cases, write.case_record.n, write.refused
            );
            println!(
                "event write p50/p95/p99 ms: case_record {:.3}/{:.3}/{:.3}, plain INSERT (baseline) {:.3}/{:.3}/{:.3}, ratio {:.1}x",
                write.case_record.p50_ms,
                write.case_record.p95_ms,
                write.case_record.p99_ms,
                write.plain_insert.p50_ms,
                write.plain_insert.p95_ms,
                write.plain_insert.p99_ms,
                write.ratio
            );
            println!(
                "admission ceremony write p50/p95/p99 ms ({} recorded, {} refused): case_record {:.3}/{:.3}/{:.3}, plain INSERT (baseline) {:.3}/{:.3}/{:.3}, ratio {:.1}x",
                ceremony.case_record.n,
                ceremony.refused,
                ceremony.case_record.p50_ms,
                ceremony.case_record.p95_ms,
                ceremony.case_record.p99_ms,
                ceremony.plain_insert.p50_ms,
                ceremony.plain_insert.p95_ms,
                ceremony.plain_insert.p99_ms,
                ceremony.ratio
            );
            println!("Due list ({iterations} iterations), p50/p95 ms:");
            for d in &due {
                println!(
                    "{:<5} {} rows={:>7}  due_list {:>9.2}/{:<9.2} naive {:>9.2}/{:<9.2} ratio {:.1}x",
                    d.root,
                    d.as_of,
                    d.rows,
                    d.due_list.p50_ms,
                    d.due_list.p95_ms,
                    d.naive.p50_ms,
                    d.naive.p95_ms,
                    d.ratio
                );
            }
            Ok(())
        }
    }
}
