//! What the breakdown reports count, in one place for the plain SQL and the pre-aggregates.
//!
//! - [`counted`]: which of a person's status spells are an admission (kết nạp) or a
//!   recognition as official member (công nhận chính thức) — the same rule as the SQL of the
//!   store's naive path;
//! - [`row_ids`]: which rows of Biểu 2-BTCTW one fact counts in (the pre-aggregates keep a count
//!   per row id; [`breakdown_counts`](super::breakdown::breakdown_counts) builds the form from
//!   such counts).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};

use crate::dates::Date;
use crate::org::OrgId;
use crate::person::{
    GeneralEducation, Occupation, PartyStatus, PoliticalTheory, ProfessionalQualification,
    StatusSpell,
};

use super::breakdown::{AGE_BANDS, EventFact, age_band};

/// What a counted fact is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactKind {
    /// Kết nạp — the start of a probationary membership.
    Admission,
    /// Công nhận đảng viên chính thức — probationary → official.
    Recognition,
    /// The end of a candidacy (đối tượng kết nạp, quần chúng ưu tú), admitted or not: the
    /// history the forecast measures the source stage on ([`candidacies_ended`]).
    Candidacy,
}

impl FactKind {
    pub const ALL: [FactKind; 3] = [
        FactKind::Admission,
        FactKind::Recognition,
        FactKind::Candidacy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Admission => "admission",
            FactKind::Recognition => "recognition",
            FactKind::Candidacy => "candidacy",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An admission or recognition found in a person's spells: when and in which branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Counted {
    pub kind: FactKind,
    pub date: Date,
    pub branch: OrgId,
}

/// The admissions and recognitions in a person's spells (in any order), by date.
///
/// An admission is a `probationary` spell that does not continue a membership: no
/// `probationary` (a move between branches) or `transferred_out` (a transfer back in) spell of
/// the person ends on its start. A recognition is an `official` spell that starts where a
/// `probationary` one ends. Spells without a branch are not counted.
pub fn counted(spells: &[StatusSpell]) -> Vec<Counted> {
    let ends_on = |d: Date, statuses: &[PartyStatus]| {
        spells
            .iter()
            .any(|q| q.period.to == Some(d) && statuses.contains(&q.status))
    };
    let mut out: Vec<Counted> = spells
        .iter()
        .filter_map(|s| {
            let branch = s.branch?;
            let from = s.period.from;
            let kind = match s.status {
                PartyStatus::Probationary
                    if !ends_on(
                        from,
                        &[PartyStatus::Probationary, PartyStatus::TransferredOut],
                    ) =>
                {
                    FactKind::Admission
                }
                PartyStatus::Official if ends_on(from, &[PartyStatus::Probationary]) => {
                    FactKind::Recognition
                }
                _ => return None,
            };
            Some(Counted {
                kind,
                date: from,
                branch,
            })
        })
        .collect();
    out.sort();
    out
}

/// A candidate spell that ended: from, to, its branch, and whether the person was admitted on
/// its last day (the next spell is `probationary`). Counted on `to`, attributed to the units
/// above the branch as the structure was on `from`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CandidacyEnd {
    pub from: Date,
    pub to: Date,
    pub branch: OrgId,
    pub admitted: bool,
}

impl CandidacyEnd {
    /// Days from the start of the candidacy to its end.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days()
    }

    /// The rows it counts in: `total` (ended), and for an admission `d<days>` (the length),
    /// from which the conversion and the median time are read back
    /// ([`crate::targets::measure_source_counts`]).
    pub fn rows(&self) -> Vec<&'static str> {
        let mut v = vec!["total"];
        if self.admitted {
            v.push(days_row(self.days()));
        }
        v
    }
}

/// The candidate spells of a person (in any order) that ended, with their outcome.
pub fn candidacies_ended(spells: &[StatusSpell]) -> Vec<CandidacyEnd> {
    let mut out: Vec<CandidacyEnd> = spells
        .iter()
        .filter(|s| s.status == PartyStatus::Candidate)
        .filter_map(|s| {
            let to = s.period.to?;
            let branch = s.branch?;
            let admitted = spells
                .iter()
                .any(|n| n.period.from == to && n.status == PartyStatus::Probationary);
            Some(CandidacyEnd {
                from: s.period.from,
                to,
                branch,
                admitted,
            })
        })
        .collect();
    out.sort();
    out
}

/// The row id `d<days>` of an admitted candidacy's length (interned: one string per distinct
/// length ever seen).
pub fn days_row(days: i64) -> &'static str {
    static ROWS: OnceLock<Mutex<HashMap<i64, &'static str>>> = OnceLock::new();
    let mut rows = ROWS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    rows.entry(days)
        .or_insert_with(|| Box::leak(format!("d{days}").into_boxed_str()))
}

/// The length of a `d<days>` row id.
pub fn row_days(row: &str) -> Option<i64> {
    row.strip_prefix('d')?.parse().ok()
}

/// Every row id a fact can count in, built once: `education.<code>` and the like.
struct RowIds {
    education: Vec<String>,
    qualification: Vec<String>,
    theory: Vec<String>,
    occupation: Vec<String>,
    ethnic: Vec<String>,
}

fn ids() -> &'static RowIds {
    static IDS: OnceLock<RowIds> = OnceLock::new();
    IDS.get_or_init(|| RowIds {
        education: GeneralEducation::ALL
            .iter()
            .map(|e| format!("education.{}", e.as_str()))
            .collect(),
        qualification: ProfessionalQualification::ALL
            .iter()
            .map(|e| format!("qualification.{}", e.as_str()))
            .collect(),
        theory: PoliticalTheory::ALL
            .iter()
            .map(|e| format!("theory.{}", e.as_str()))
            .collect(),
        occupation: Occupation::ALL
            .iter()
            .map(|e| format!("occupation.{}", e.as_str()))
            .collect(),
        ethnic: (1..=54u8).map(|n| format!("ethnic.{n:02}")).collect(),
    })
}

fn nth<T: PartialEq>(all: &[T], v: &T, names: &'static [String]) -> &'static str {
    all.iter()
        .position(|x| x == v)
        .and_then(|i| names.get(i))
        .map_or("", String::as_str)
}

/// The rows of Biểu 2-BTCTW a fact counts in: `total`, the characteristic rows that hold, its
/// age band, its education, qualification, political theory and occupation, and for an ethnic
/// minority `ethnic.<code>`.
pub fn row_ids(f: &EventFact) -> Vec<&'static str> {
    let t = ids();
    let mut v: Vec<&'static str> = Vec::with_capacity(11);
    v.push("total");
    if f.sex.is_female() {
        v.push("women");
    }
    if f.ethnic_group.is_minority() {
        v.push("ethnic_minority");
        let code = f.ethnic_group.code();
        if let Some(id) = t
            .ethnic
            .iter()
            .find(|id| id.strip_prefix("ethnic.") == Some(code))
        {
            v.push(id);
        }
    }
    if f.religion.is_believer() {
        v.push("religious");
    }
    if f.youth_union {
        v.push("youth_union");
    }
    v.push(age_band(f.birth_date, f.date));
    v.push(nth(GeneralEducation::ALL, &f.education, &t.education));
    v.push(nth(
        ProfessionalQualification::ALL,
        &f.qualification,
        &t.qualification,
    ));
    v.push(nth(PoliticalTheory::ALL, &f.political_theory, &t.theory));
    v.push(nth(Occupation::ALL, &f.occupation, &t.occupation));
    v.retain(|s| !s.is_empty());
    v
}

/// Counts per row id of a list of facts.
pub fn count_rows(facts: &[EventFact]) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for f in facts {
        for id in row_ids(f) {
            *m.entry(id.to_string()).or_insert(0) += 1;
        }
    }
    m
}

/// Whether a row id is one the form has (the age bands and the attribute codes included).
pub fn is_row_id(id: &str) -> bool {
    let t = ids();
    matches!(
        id,
        "total" | "women" | "ethnic_minority" | "religious" | "youth_union"
    ) || AGE_BANDS.iter().any(|b| b.0 == id)
        || [
            &t.education,
            &t.qualification,
            &t.theory,
            &t.occupation,
            &t.ethnic,
        ]
        .iter()
        .any(|l| l.iter().any(|x| x == id))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;
    use crate::dates::Period;
    use crate::person::{EthnicGroup, Religion, Sex};
    use crate::reports::breakdown::{breakdown, rows};

    fn d(y: i32, m: u32, day: u32) -> Date {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    fn spell(status: PartyStatus, branch: i64, from: Date, to: Option<Date>) -> StatusSpell {
        StatusSpell {
            status,
            branch: Some(branch),
            period: Period { from, to },
        }
    }

    #[test]
    fn candidacies_that_ended_with_their_outcome() {
        use PartyStatus::*;
        let spells = [
            spell(Candidate, 7, d(2019, 1, 1), Some(d(2019, 6, 1))),
            spell(Candidate, 8, d(2019, 6, 1), Some(d(2020, 3, 2))),
            spell(Probationary, 8, d(2020, 3, 2), None),
        ];
        let ended = candidacies_ended(&spells);
        assert_eq!(ended.len(), 2);
        // Moved to another branch's list: ended without admission.
        assert!(!ended[0].admitted);
        assert_eq!(ended[0].rows(), vec!["total"]);
        assert!(ended[1].admitted);
        assert_eq!(ended[1].days(), 275);
        assert_eq!(ended[1].rows(), vec!["total", "d275"]);
        assert_eq!(row_days("d275"), Some(275));
        assert_eq!(row_days("total"), None);
        // Still a candidate: not ended.
        assert!(candidacies_ended(&[spell(Candidate, 1, d(2024, 1, 1), None)]).is_empty());
        // The same interned string for the same length.
        assert!(std::ptr::eq(days_row(275), days_row(275)));
    }

    #[test]
    fn admissions_moves_transfers_and_recognitions() {
        use PartyStatus::*;
        let a = d(2020, 3, 2);
        let b = d(2020, 9, 1);
        let c = d(2021, 3, 2);
        let t = d(2023, 1, 1);
        let back = d(2023, 6, 1);
        let spells = [
            spell(Candidate, 1, d(2019, 1, 1), Some(a)),
            spell(Probationary, 1, a, Some(b)),
            // Moved to branch 2 while on probation: not a second admission.
            spell(Probationary, 2, b, Some(c)),
            spell(Official, 2, c, Some(t)),
            StatusSpell {
                status: TransferredOut,
                branch: None,
                period: Period {
                    from: t,
                    to: Some(back),
                },
            },
            // Transferred back in as official: neither.
            spell(Official, 3, back, None),
        ];
        assert_eq!(
            counted(&spells),
            vec![
                Counted {
                    kind: FactKind::Admission,
                    date: a,
                    branch: 1
                },
                Counted {
                    kind: FactKind::Recognition,
                    date: c,
                    branch: 2
                },
            ]
        );
        // A member already official when the records start is neither.
        assert!(counted(&[spell(Official, 1, d(2010, 1, 1), None)]).is_empty());
    }

    fn any_fact() -> impl Strategy<Value = EventFact> {
        (
            (0u32..4000, 0u32..25_000, 1u8..=54, 0usize..8),
            (
                0usize..GeneralEducation::ALL.len(),
                0usize..ProfessionalQualification::ALL.len(),
                0usize..PoliticalTheory::ALL.len(),
                0usize..Occupation::ALL.len(),
                any::<bool>(),
                any::<bool>(),
            ),
        )
            .prop_map(|((day, age, eth, rel), (e, q, t, o, woman, youth))| {
                let date = d(2016, 1, 1) + chrono::Days::new(u64::from(day));
                EventFact {
                    date,
                    sex: if woman { Sex::Female } else { Sex::Male },
                    birth_date: date - chrono::Days::new(u64::from(age) + 6000),
                    ethnic_group: EthnicGroup::parse(&eth.to_string()).unwrap_or_default(),
                    religion: Religion::ALL[rel % Religion::ALL.len()],
                    education: GeneralEducation::ALL[e],
                    qualification: ProfessionalQualification::ALL[q],
                    political_theory: PoliticalTheory::ALL[t],
                    occupation: Occupation::ALL[o],
                    youth_union: youth,
                }
            })
    }

    proptest! {
        /// The row ids of a fact are exactly the form rows whose test holds for it.
        #[test]
        fn row_ids_agree_with_the_form(f in any_fact()) {
            let mut expected: Vec<String> = rows()
                .iter()
                .filter(|r| r.counts(&f))
                .map(|r| r.id.clone())
                .collect();
            if f.ethnic_group.is_minority() {
                expected.push(format!("ethnic.{}", f.ethnic_group.code()));
            }
            expected.sort();
            let mut got: Vec<String> = row_ids(&f).iter().map(|s| s.to_string()).collect();
            got.sort();
            prop_assert_eq!(&got, &expected);
            prop_assert!(got.iter().all(|id| is_row_id(id)));
        }

        /// Counting facts then building the form equals counting each row over the facts.
        #[test]
        fn counts_build_the_same_form(cur in proptest::collection::vec(any_fact(), 0..40),
                                      prev in proptest::collection::vec(any_fact(), 0..40)) {
            let form = breakdown(&cur, &prev);
            for r in &form {
                let direct = |fs: &[EventFact]| fs.iter().filter(|f| {
                    row_ids(f).contains(&r.id.as_str())
                }).count() as i64;
                prop_assert_eq!(r.current, direct(&cur));
                prop_assert_eq!(r.previous, direct(&prev));
            }
        }
    }
}
