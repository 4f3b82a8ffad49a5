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
use crate::{Db, Result, Store, StoreError, engine};
use ketnap_domain::org::OrgId;

/// What a report is asked for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
        let use_agg = aggregated
            && !self.facts_only
            && req.structure == Structure::AsWas
            && Level::of(u.kind) == Level::Full;
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
        // The facts-only store probes every locality's residents and branch (the baseline);
        // otherwise the spells kept per locality (`locality_fact`).
        let facts = if self.facts_only {
            dispatch!(
                self,
                reports::locality_facts(u.id, on, req.today, req.structure)
            )?
        } else {
            dispatch!(
                self,
                coverage_agg::facts(u.id, on, req.today, req.structure)
            )?
        };
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

/// A report by name, as JSON and as the table of its official layout.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportOutput {
    pub json: serde_json::Value,
    pub table: ketnap_domain::reports::Table,
}

/// A report as it was submitted upward (frozen).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Submission {
    pub id: i64,
    pub report: String,
    pub org_code: String,
    pub request: ReportRequest,
    pub actor: String,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    /// The report's JSON as sent.
    pub reported: serde_json::Value,
}

/// One figure that changed since the submission: where, as reported, now.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FigureChange {
    /// e.g. `rows[women].current`, `units[X02692.L].official`.
    pub path: String,
    pub reported: Option<f64>,
    pub current: Option<f64>,
}

/// A submitted report against the same request answered from today's facts.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SubmissionComparison {
    pub submission: Submission,
    pub current: serde_json::Value,
    /// The figures that differ ("số đã báo cáo / số hiện nay"); empty when nothing changed.
    pub changes: Vec<FigureChange>,
}

impl Store {
    /// A report by name (`admissions`, `recognitions`, `candidates`, `membership`, `coverage`).
    pub async fn report_by_name(&self, name: &str, req: &ReportRequest) -> Result<ReportOutput> {
        fn out<T: serde::Serialize>(
            r: &T,
            table: ketnap_domain::reports::Table,
        ) -> Result<ReportOutput> {
            let json = serde_json::to_value(r).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(ReportOutput { json, table })
        }
        match name {
            "admissions" | "recognitions" => {
                let r = self.report_breakdown(req, name == "recognitions").await?;
                out(&r, r.table())
            }
            "candidates" => {
                let r = self.report_candidates(req).await?;
                out(&r, r.table())
            }
            "membership" => {
                let r = self.report_membership(req).await?;
                out(&r, r.table())
            }
            "coverage" => {
                let r = self.report_coverage(req).await?;
                out(&r, r.table())
            }
            other => Err(StoreError::NotFound {
                what: "report",
                key: other.to_string(),
            }),
        }
    }

    /// Submits a report upward: computes it and stores it frozen, with who and when.
    pub async fn report_submit(
        &self,
        name: &str,
        req: &ReportRequest,
        actor: &str,
    ) -> Result<Submission> {
        let unit = self.report_unit(req).await?;
        let r = self.report_by_name(name, req).await?;
        let request = serde_json::to_string(req).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id = dispatch!(
            self,
            reports::submit(name, unit.id, &request, &r.json.to_string(), actor)
        )?;
        self.report_submission(id).await
    }

    /// The submissions of a unit (all when `None`), newest first.
    pub async fn report_submissions(&self, org: Option<OrgId>) -> Result<Vec<Submission>> {
        let rows = dispatch!(self, reports::submissions(org, None))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.submission_from(row).await?);
        }
        Ok(out)
    }

    /// One submission.
    pub async fn report_submission(&self, id: i64) -> Result<Submission> {
        let row = dispatch!(self, reports::submissions(None, Some(id)))?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound {
                what: "report submission",
                key: id.to_string(),
            })?;
        self.submission_from(row).await
    }

    /// The submission against the same request answered from today's facts.
    pub async fn report_submission_compare(&self, id: i64) -> Result<SubmissionComparison> {
        let submission = self.report_submission(id).await?;
        let current = self
            .report_by_name(&submission.report, &submission.request)
            .await?
            .json;
        let changes = figure_changes(&submission.reported, &current);
        Ok(SubmissionComparison {
            submission,
            current,
            changes,
        })
    }

    async fn submission_from(
        &self,
        (id, report, org, request, payload, actor, submitted_at): (
            i64,
            String,
            OrgId,
            String,
            String,
            String,
            chrono::DateTime<chrono::Utc>,
        ),
    ) -> Result<Submission> {
        let corrupt =
            |e: serde_json::Error| StoreError::Corrupt(format!("report submission {id}: {e}"));
        let org_code = self
            .org_by_id(org)
            .await?
            .map(|u| u.code)
            .unwrap_or_default();
        Ok(Submission {
            id,
            report,
            org_code,
            request: serde_json::from_str(&request).map_err(corrupt)?,
            actor,
            submitted_at,
            reported: serde_json::from_str(&payload).map_err(corrupt)?,
        })
    }
}

/// The numbers of a report's JSON by path; array items are named by their `id` or `code`.
fn figures(v: &serde_json::Value, path: &str, out: &mut BTreeMap<String, f64>) {
    use serde_json::Value;
    match v {
        Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                out.insert(path.to_string(), x);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                figures(x, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                let name = ["id", "code", "kind"]
                    .iter()
                    .find_map(|k| x.get(k).and_then(Value::as_str))
                    .map_or_else(|| i.to_string(), str::to_string);
                figures(x, &format!("{path}[{name}]"), out);
            }
        }
        _ => {}
    }
}

/// The figures that differ between two answers of the same report.
pub fn figure_changes(
    reported: &serde_json::Value,
    current: &serde_json::Value,
) -> Vec<FigureChange> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    figures(reported, "", &mut a);
    figures(current, "", &mut b);
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        // JSON text does not always give back the last bit of a float: equal within 1e-9.
        .filter(|k| match (a.get(*k), b.get(*k)) {
            (Some(x), Some(y)) => (x - y).abs() > 1e-9 * x.abs().max(1.0),
            _ => true,
        })
        .map(|k| FigureChange {
            path: k.clone(),
            reported: a.get(k).copied(),
            current: b.get(k).copied(),
        })
        .collect()
}
