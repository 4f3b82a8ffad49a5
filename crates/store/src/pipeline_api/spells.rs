//! Pure helpers between a case's derived state and the database: the person's status spells
//! the case implies, bringing the recorded spells in step with them, the branch on a date, and
//! the projections stored on the case row.

use ketnap_domain::Date;
use ketnap_domain::Period;
use ketnap_domain::Violation;
use ketnap_domain::dates::OPEN_END;
use ketnap_domain::org::OrgId;
use ketnap_domain::person::{PartyStatus, StatusSpell, check_spells};
use ketnap_domain::pipeline::{CaseState, EventKind};

// The projections are the domain's (the demo generator writes the same rows).
#[allow(unused_imports)]
pub use ketnap_domain::pipeline::projection::{
    Projection, branch_on, current_branch, is_open, project,
};

/// A status spell the case implies: from `from` until the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Want {
    pub status: PartyStatus,
    pub branch: Option<OrgId>,
    pub from: Date,
}

/// A recorded spell (`to` = [`OPEN_END`] when open).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spell {
    pub status: PartyStatus,
    pub branch: Option<OrgId>,
    pub from: Date,
    pub to: Date,
}

impl Spell {
    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && d < self.to
    }
}

/// The status spells the case implies for its person, in date order: `candidate` in the
/// branch from the listing; `probationary` from the ceremony; `official` from the end of
/// probation once recognized; `removed` when not recognized or withdrawn; `deceased`;
/// `transferred_out` while a transfer is pending, then the same status in the receiving branch
/// from the transfer in. Paused cases keep their status. Nothing when the listing was retracted.
pub fn case_spells(state: &CaseState, origin: OrgId) -> Vec<Want> {
    use PartyStatus as P;
    let mut out: Vec<Want> = vec![];
    let mut branch = origin;
    let mut listed = false;
    let mut admitted = false;
    for e in state.effective_events() {
        let d = e.date;
        let mut push = |status, branch: Option<OrgId>, from| {
            out.push(Want {
                status,
                branch,
                from,
            })
        };
        match &e.kind {
            EventKind::SourceListed { .. } if !listed => {
                listed = true;
                push(P::Candidate, Some(branch), d);
            }
            EventKind::CeremonyHeld => {
                admitted = true;
                push(P::Probationary, Some(branch), d);
            }
            EventKind::RecognitionDecided => push(
                P::Official,
                Some(branch),
                state.dates.official_from.unwrap_or(d).min(d),
            ),
            EventKind::NotRecognized { .. } | EventKind::Withdrawn => push(P::Removed, None, d),
            EventKind::Deceased => push(P::Deceased, None, d),
            EventKind::TransferredOut { to_branch } => {
                push(P::TransferredOut, None, d);
                branch = *to_branch;
            }
            EventKind::TransferredIn { .. } => {
                let status = if admitted {
                    P::Probationary
                } else {
                    P::Candidate
                };
                push(status, Some(branch), d);
            }
            _ => {}
        }
    }
    if !listed {
        return vec![];
    }
    out.sort_by_key(|w| w.from);
    // Two changes on one day: the later event wins.
    let mut dedup: Vec<Want> = vec![];
    for w in out {
        match dedup.last_mut() {
            Some(last) if last.from == w.from => *last = w,
            _ => dedup.push(w),
        }
    }
    // A spell repeating the one before it adds nothing.
    dedup.dedup_by(|b, a| a.status == b.status && a.branch == b.branch);
    dedup
}

/// The spells a person should have after the case went from `before` to `after` (`None`: no
/// change). The spells the case implied before and still recorded are replaced from the first
/// date the two differ; spells recorded by other means after that date are kept. The result
/// must pass the domain's succession rules.
pub fn reconcile(
    existing: &[Spell],
    before: &[Want],
    after: &[Want],
) -> Result<Option<Vec<Spell>>, Violation> {
    if before == after {
        return Ok(None);
    }
    let i = before.iter().zip(after).take_while(|(a, b)| a == b).count();
    let t = match (before.get(i), after.get(i)) {
        (Some(a), Some(b)) => a.from.min(b.from),
        (Some(a), None) => a.from,
        (None, Some(b)) => b.from,
        (None, None) => return Ok(None),
    };
    let owned = |s: &Spell| {
        before.iter().any(|w| {
            w.from >= t && w.from == s.from && w.status == s.status && w.branch == s.branch
        })
    };
    let mut items: Vec<(Spell, bool)> = existing
        .iter()
        .filter(|s| s.from < t || !owned(s))
        .map(|s| (*s, false))
        .collect();
    for w in after.iter().filter(|w| w.from >= t) {
        items.push((
            Spell {
                status: w.status,
                branch: w.branch,
                from: w.from,
                to: OPEN_END,
            },
            true,
        ));
    }
    items.sort_by_key(|(s, new)| (s.from, *new));
    for w in items.windows(2) {
        let ((a, _), (b, _)) = (&w[0], &w[1]);
        if a.from == b.from {
            return Err(Violation::new(
                "date",
                "pipeline.status.conflict",
                format!(
                    "the case would make the person {} from {}, where {} is recorded from the same day",
                    b.status.as_str(),
                    b.from,
                    a.status.as_str()
                ),
            ));
        }
    }
    // A new spell repeating its neighbour merges into the earlier of the two.
    let mut merged: Vec<(Spell, bool)> = vec![];
    for (s, new) in items {
        if let Some((last, last_new)) = merged.last_mut()
            && last.status == s.status
            && last.branch == s.branch
            && (new || *last_new)
        {
            continue;
        }
        merged.push((s, new));
    }
    let n = merged.len();
    let starts: Vec<Date> = merged.iter().map(|(s, _)| s.from).collect();
    let spells: Vec<Spell> = merged
        .into_iter()
        .enumerate()
        .map(|(k, (mut s, _))| {
            s.to = starts.get(k + 1).copied().unwrap_or(OPEN_END);
            s
        })
        .collect();
    debug_assert_eq!(spells.len(), n);
    let domain: Vec<StatusSpell> = spells
        .iter()
        .map(|s| StatusSpell {
            status: s.status,
            branch: s.branch,
            period: Period::from_stored(s.from, s.to),
        })
        .collect();
    check_spells(&domain)?;
    Ok(Some(spells))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use ketnap_domain::pipeline::{Event, Proposer};

    fn d(y: i32, m: u32, day: u32) -> Date {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn ev(id: i64, date: Date, kind: EventKind) -> Event {
        Event::new(id, id, date, kind, "t")
    }

    fn listed(date: Date) -> Event {
        ev(
            1,
            date,
            EventKind::SourceListed {
                proposed_by: Proposer::YouthUnion,
            },
        )
    }

    #[test]
    fn spells_follow_the_case() {
        let s = CaseState::derive(&[
            listed(d(2023, 1, 5)),
            ev(2, d(2024, 3, 1), EventKind::CeremonyHeld),
        ]);
        let w = case_spells(&s, 7);
        assert_eq!(
            w,
            vec![
                Want {
                    status: PartyStatus::Candidate,
                    branch: Some(7),
                    from: d(2023, 1, 5)
                },
                Want {
                    status: PartyStatus::Probationary,
                    branch: Some(7),
                    from: d(2024, 3, 1)
                },
            ]
        );
        let moved = s.apply(ev(
            3,
            d(2024, 6, 1),
            EventKind::TransferredOut { to_branch: 9 },
        ));
        let back = moved.apply(ev(
            4,
            d(2024, 6, 20),
            EventKind::TransferredIn { from_branch: 7 },
        ));
        let w = case_spells(&back, 7);
        assert_eq!(w.len(), 4);
        assert_eq!(w[2].status, PartyStatus::TransferredOut);
        assert_eq!(
            (w[3].status, w[3].branch),
            (PartyStatus::Probationary, Some(9))
        );
        assert_eq!(branch_on(&back, 7, d(2024, 5, 31)), 7);
        assert_eq!(branch_on(&back, 7, d(2024, 6, 1)), 9);
        assert_eq!(current_branch(&back, 7), 9);
    }

    #[test]
    fn reconcile_appends_replaces_and_keeps_others() {
        let cand = Spell {
            status: PartyStatus::Candidate,
            branch: Some(7),
            from: d(2023, 1, 5),
            to: OPEN_END,
        };
        let w_cand = Want {
            status: PartyStatus::Candidate,
            branch: Some(7),
            from: d(2023, 1, 5),
        };
        let w_prob = Want {
            status: PartyStatus::Probationary,
            branch: Some(7),
            from: d(2024, 3, 1),
        };
        // Forward: the ceremony closes the candidate spell.
        let Ok(Some(v)) = reconcile(&[cand], &[w_cand], &[w_cand, w_prob]) else {
            panic!("no change")
        };
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].to, d(2024, 3, 1));
        assert_eq!(v[1].to, OPEN_END);
        // The ceremony's date corrected: the probationary spell moves.
        let moved = Want {
            from: d(2024, 3, 8),
            ..w_prob
        };
        let Ok(Some(v2)) = reconcile(&v, &[w_cand, w_prob], &[w_cand, moved]) else {
            panic!("no change")
        };
        assert_eq!(v2[0].to, d(2024, 3, 8));
        assert_eq!(v2[1].from, d(2024, 3, 8));
        // Retracted: back to a candidate, open again.
        let Ok(Some(v3)) = reconcile(&v2, &[w_cand, moved], &[w_cand]) else {
            panic!("no change")
        };
        assert_eq!(v3, vec![cand]);
        // An earlier candidate spell in the same branch is kept, not split.
        let old = Spell {
            from: d(2022, 1, 1),
            ..cand
        };
        assert_eq!(reconcile(&[old], &[], &[w_cand]), Ok(Some(vec![old])));
        // A spell recorded by other means after the case's change stays.
        let official = Spell {
            status: PartyStatus::Official,
            branch: Some(7),
            from: d(2025, 3, 1),
            to: OPEN_END,
        };
        let prob = Spell {
            status: PartyStatus::Probationary,
            branch: Some(7),
            from: d(2024, 3, 1),
            to: d(2025, 3, 1),
        };
        let c = Spell {
            to: d(2024, 3, 1),
            ..cand
        };
        let w_off_other = Want {
            status: PartyStatus::Official,
            branch: Some(8),
            from: d(2026, 1, 1),
        };
        let r = reconcile(
            &[c, prob, official],
            &[w_cand, w_prob],
            &[w_cand, w_prob, w_off_other],
        );
        let Ok(Some(v4)) = r else { panic!("{r:?}") };
        assert_eq!(v4.len(), 4);
        assert_eq!(v4[2].to, d(2026, 1, 1));
        // A deceased person cannot become a candidate.
        let dead = Spell {
            status: PartyStatus::Deceased,
            branch: None,
            from: d(2020, 1, 1),
            to: OPEN_END,
        };
        assert_eq!(
            reconcile(&[dead], &[], &[w_cand]).map_err(|v| v.rule),
            Err("person.status.succession")
        );
    }
}
