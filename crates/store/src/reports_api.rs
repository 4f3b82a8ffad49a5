//! Reports in the store (issue C items 4–6): the facts are read by the SQL of
//! `engine/reports.rs`, the figures computed by the pure functions of
//! [`ketnap_domain::reports`]. Every report names the structure it used.

use ketnap_domain::Date;
use ketnap_domain::Violation;
use ketnap_domain::reports::{
    BreakdownReport, CoverageReport, MembershipReport, ReportPeriod, Structure, UnitRef, coverage,
    membership,
};

use std::collections::BTreeMap;

use ketnap_domain::reports::FactKind;
use ketnap_domain::reports::facts::count_rows;

use crate::aggregates::{Level, merge_counts, split_years};
use crate::model::OrgRecord;
use crate::{Db, Result, Store, engine};

/// What a report is asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRequest {
    pub org_code: String,
    /// The period (admissions, recognitions); the date reports use its last day.
    pub period: ReportPeriod,
    /// Cuts the period at this day; the date of membership and coverage.
    pub as_of: Option<Date>,
    pub structure: Structure,
    /// Today: the structure a re-based report maps onto.
    pub today: Date,
}

impl ReportRequest {
    /// The period actually counted (cut at `as_of`), refused when `as_of` is before it starts.
    pub fn counted_period(&self) -> Result<ReportPeriod> {
        match self.as_of {
            None => Ok(self.period.clone()),
            Some(d) => self.period.until(d).ok_or_else(|| {
                Violation::new(
                    "as_of",
                    "report.as_of.before_period",
                    format!(
                        "as-of date {d} is before the period {} starts",
                        self.period.label
                    ),
                )
                .into()
            }),
        }
    }

    /// The date of a membership or coverage report: `as_of`, else the period's last day.
    pub fn date(&self) -> Date {
        self.as_of.unwrap_or_else(|| self.period.last_day())
    }
}

/// The outcome of [`Store::verify_aggregates`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AggregateCheck {
    /// Non-zero counts recomputed from the facts.
    pub compared: u64,
    /// (unit id, kind, period code, row id, stored, recomputed) where they differ.
    pub diffs: Vec<(i64, String, i32, String, i64, i64)>,
}

impl Store {
    /// The unit by code; re-based reports need a unit that exists today.
    async fn report_unit(&self, req: &ReportRequest) -> Result<OrgRecord> {
        let u = self.org_required(&req.org_code).await?;
        if req.structure == Structure::Rebased && !u.period.contains(req.today) {
            return Err(Violation::new(
                "org",
                "report.rebase.ended",
                format!(
                    "{} no longer exists: a re-based report is for a unit of today's structure (its history is held by its heir)",
                    u.code
                ),
            )
            .into());
        }
        Ok(u)
    }

    /// Admissions (`recognitions = false`) or recognitions as official members, broken down
    /// as in Biểu 2-BTCTW, with the same period last year. Counted on the structure as it was,
    /// a committee above the grassroots reads whole years from the pre-aggregates
    /// (docs/decisions.md §14); everything else reads the facts.
    pub async fn report_breakdown(
        &self,
        req: &ReportRequest,
        recognitions: bool,
    ) -> Result<BreakdownReport> {
        self.breakdown_with(req, recognitions, true).await
    }

    /// The same report read from the facts only (the baseline the pre-aggregates are
    /// measured and checked against).
    pub async fn report_breakdown_naive(
        &self,
        req: &ReportRequest,
        recognitions: bool,
    ) -> Result<BreakdownReport> {
        self.breakdown_with(req, recognitions, false).await
    }

    async fn breakdown_with(
        &self,
        req: &ReportRequest,
        recognitions: bool,
        aggregated: bool,
    ) -> Result<BreakdownReport> {
        let u = self.report_unit(req).await?;
        let period = req.counted_period()?;
        let previous = period.previous();
        let use_agg =
            aggregated && req.structure == Structure::AsWas && Level::of(u.kind) == Level::Full;
        let kind = if recognitions {
            FactKind::Recognition
        } else {
            FactKind::Admission
        };
        let mut counts = vec![];
        for p in [&period, &previous] {
            let mut c = BTreeMap::new();
            let (edges, middle) = if use_agg {
                let s = split_years(p.from, p.to);
                (vec![s.head, s.tail], s.middle)
            } else {
                (vec![Some((p.from, p.to))], None)
            };
            for (a, b) in edges.into_iter().flatten() {
                let f = dispatch!(
                    self,
                    reports::events(u.id, a, b, req.today, req.structure, recognitions)
                )?;
                merge_counts(&mut c, &count_rows(&f));
            }
            if let Some((a, b)) = middle {
                let m = dispatch!(self, aggregates::year_rows(u.id, kind, a, b))?;
                merge_counts(&mut c, &m);
            }
            counts.push(c);
        }
        let notes = existence_note(&u, &period, req.structure);
        let mut r = BreakdownReport::from_counts(
            if recognitions {
                "recognitions"
            } else {
                "admissions"
            },
            UnitRef {
                code: u.code,
                name: u.name,
            },
            period,
            previous,
            req.structure,
            req.today,
            &counts[0],
            &counts[1],
        );
        r.notes = notes;
        Ok(r)
    }

    /// Recomputes the pre-aggregates from the facts (after a restore, or to repair); returns
    /// the rows written.
    pub async fn rebuild_aggregates(&self, actor: &str) -> Result<u64> {
        dispatch!(self, aggregates::rebuild(actor))
    }

    /// Compares the pre-aggregates with a recomputation from the facts: the rows compared and
    /// the differences (at most `limit`).
    pub async fn verify_aggregates(&self, limit: usize) -> Result<AggregateCheck> {
        let (compared, diffs) = dispatch!(self, aggregates::verify(limit))?;
        Ok(AggregateCheck { compared, diffs })
    }

    /// Candidates in the pipeline (quần chúng ưu tú on a source list) on the date, broken
    /// down like the admissions, against the same date a year earlier.
    pub async fn report_candidates(&self, req: &ReportRequest) -> Result<BreakdownReport> {
        let u = self.report_unit(req).await?;
        let on = req.date();
        let a_year_before = on.checked_sub_months(chrono::Months::new(12)).unwrap_or(on);
        let day = |d: Date| ReportPeriod {
            label: d.to_string(),
            kind: ketnap_domain::reports::PeriodKind::Day,
            from: d,
            to: d.succ_opt().unwrap_or(d),
        };
        let current = dispatch!(
            self,
            reports::candidates(u.id, on, req.today, req.structure)
        )?;
        let previous = dispatch!(
            self,
            reports::candidates(u.id, a_year_before, req.today, req.structure)
        )?;
        Ok(BreakdownReport::build(
            "candidates",
            UnitRef {
                code: u.code,
                name: u.name,
            },
            day(on),
            day(a_year_before),
            req.structure,
            req.today,
            &current,
            &previous,
        ))
    }

    /// Members on the date by child unit (the unit itself when it has none), with
    /// members/population.
    pub async fn report_membership(&self, req: &ReportRequest) -> Result<MembershipReport> {
        let u = self.report_unit(req).await?;
        let on = req.date();
        let structure_date = match req.structure {
            Structure::AsWas => on,
            Structure::Rebased => req.today,
        };
        let mut units = dispatch!(self, reports::report_units(u.id, structure_date))?;
        if units.is_empty() {
            units.push((u.id, u.code.clone(), u.name.clone()));
        }
        let counts = dispatch!(
            self,
            reports::member_counts(&units, on, req.today, req.structure)
        )?;
        Ok(membership(
            UnitRef {
                code: u.code,
                name: u.name,
            },
            on,
            req.structure,
            req.today,
            counts,
        ))
    }

    /// Localities under the unit on the date: without members, without a branch of their
    /// own, served by a combined branch.
    pub async fn report_coverage(&self, req: &ReportRequest) -> Result<CoverageReport> {
        let u = self.report_unit(req).await?;
        let on = req.date();
        let facts = dispatch!(
            self,
            reports::locality_facts(u.id, on, req.today, req.structure)
        )?;
        Ok(coverage(
            UnitRef {
                code: u.code,
                name: u.name,
            },
            on,
            req.structure,
            req.today,
            &facts,
        ))
    }
}

/// A note when, counting as the structure was, the unit did not exist over the whole period
/// (its facts before it was founded or after it ended are under other units).
fn existence_note(u: &OrgRecord, period: &ReportPeriod, structure: Structure) -> Vec<String> {
    use ketnap_domain::text::vi;
    if structure == Structure::Rebased {
        return vec![];
    }
    let mut notes = vec![];
    if u.period.from > period.from {
        notes.push(format!(
            "{} được thành lập ngày {}: số liệu trước ngày này thuộc các đơn vị khác (xem theo cơ cấu hiện nay: --rebase)",
            u.code,
            vi::date(u.period.from)
        ));
    }
    if let Some(end) = u.period.to
        && end < period.to
    {
        notes.push(format!(
            "{} kết thúc hoạt động ngày {}: số liệu từ ngày này thuộc đơn vị kế thừa",
            u.code,
            vi::date(end)
        ));
    }
    notes
}
