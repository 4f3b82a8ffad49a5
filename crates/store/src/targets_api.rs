//! Targets (issue C, items 1–3): setting assigned/registered targets, and the achievement report
//! of a unit — admitted/target with the press's wording, pace, forecast from the pipeline,
//! ranking of its sub-organizations and reconciliation of their assigned targets. A fourth
//! `impl Store` block; the SQL is in `engine/targets.rs`, the arithmetic in
//! [`ketnap_domain::targets`].

use std::collections::HashMap;

use chrono::{Datelike, Months};
use ketnap_domain::Date;
use ketnap_domain::org::{OrgId, OrgKind};
use ketnap_domain::pipeline::Stage;
use ketnap_domain::targets::{
    self, Forecast, Pace, Rate, Reconciliation, SourceHistory, StageCount, Target, TargetKind,
    TargetPeriod, TargetSource,
};
use ketnap_domain::text::vi;
use serde::Serialize;

use crate::aggregates::{Level, day_code, split_months};
use crate::model::OrgRef;
use crate::{Db, Result, Store, StoreError, engine};
use ketnap_domain::reports::FactKind;

/// Units per statement when many are read at once.
const CHUNK: usize = 500;

/// Procedure order, furthest first (reads best in the forecast's basis).
fn sort_stages(counts: &mut [StageCount]) {
    counts.sort_by_key(|c| std::cmp::Reverse(Stage::ALL.iter().position(|s| *s == c.stage)));
}

/// Whether `as_of` falls inside the period (pace and forecast are computed).
fn period_running(period: TargetPeriod, as_of: Date) -> bool {
    period.start() <= as_of && as_of < period.end_exclusive()
}

/// Ended candidate spells needed before the source stage is measured rather than defaulted.
pub const MIN_HISTORY: usize = 20;

/// The whole months before the current one whose ended candidacies measure the source stage.
pub const HISTORY_MONTHS: u32 = 36;

/// Achievement of one unit for one period (admissions).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetLine {
    pub org: OrgRef,
    pub period: TargetPeriod,
    pub period_label: String,
    /// Chỉ tiêu giao.
    pub assigned: Option<i64>,
    /// Chỉ tiêu đăng ký.
    pub registered: Option<i64>,
    /// Which figure the rate is measured against (registered if any, else assigned).
    pub basis: Option<TargetSource>,
    /// Admitted from the period's start to `as_of` (or its end).
    pub admitted: i64,
    pub rate: Option<Rate>,
    /// Headline wording (`113%`, `53,7%`), `–` without a target.
    pub rate_text: String,
    /// Table wording (`121,6%`).
    pub rate_precise: String,
    /// `2.287/2.022, đạt 113%`.
    pub summary: String,
    /// Only while the period is running on `as_of`.
    pub pace: Option<Pace>,
    /// Only while the period is running on `as_of`.
    pub forecast: Option<Forecast>,
    /// Rank among the siblings listed (competition ranking), when children are listed.
    pub rank: Option<usize>,
    /// The unit's other targets for the period (per-year minimum, member ratio).
    pub other_targets: Vec<Target>,
    /// "Ít nhất N mỗi năm", judged year by year (when the unit has such a target).
    pub per_year: Option<PerYear>,
    /// Members/population against the unit's ratio target (when it has one), on `as_of` or
    /// the period's last day.
    pub member_ratio: Option<targets::RatioCheck>,
}

/// The check of an "at least N a year" target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PerYear {
    pub minimum: i64,
    /// Admissions per year of the period, up to `as_of` (the current year so far).
    pub years: Vec<(i32, i64)>,
    /// Completed years below the minimum.
    pub short: Vec<(i32, i64)>,
    /// `ít nhất 10/năm: 2020: 15, 2021: 10, 2022: 8 — chưa đạt năm 2022`.
    pub text: String,
}

/// A unit's achievement with, optionally, its children ranked and reconciled.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetReport {
    pub as_of: Date,
    /// Which structure the counts follow (as it was, or re-based), in Vietnamese.
    pub structure: String,
    pub unit: TargetLine,
    /// Direct sub-organizations on `as_of`, best rate first.
    pub children: Vec<TargetLine>,
    /// Children's assigned targets against the unit's assigned target (when children listed).
    pub reconciliation: Option<Reconciliation>,
}

impl Store {
    /// Sets the assigned or registered figure of a unit's target (`None` clears it).
    pub async fn target_set(
        &self,
        org: OrgId,
        kind: TargetKind,
        period: TargetPeriod,
        source: TargetSource,
        value: Option<i64>,
        actor: &str,
    ) -> Result<Target> {
        if let Some(v) = value {
            targets::check_value(kind, v)
                .map_err(|v| StoreError::Rule(ketnap_domain::DomainError::Invalid(vec![v])))?;
        }
        dispatch!(self, targets::set(org, kind, period, source, value, actor))
    }

    /// Every target of a unit for a period.
    pub async fn targets_of(&self, org: OrgId, period: TargetPeriod) -> Result<Vec<Target>> {
        dispatch!(self, targets::of_unit(org, period))
    }

    /// Admissions under `org` with a start date in `[from, to)`: under the structure as it was
    /// on each admission's date, or with `rebased_on`, re-based onto that day's structure.
    ///
    /// On the structure as it was, a committee or grassroots unit reads its whole months from
    /// the pre-aggregates and the days around them from the facts (docs/decisions.md §14).
    pub async fn admitted_between(
        &self,
        org: OrgId,
        from: Date,
        to: Date,
        rebased_on: Option<Date>,
    ) -> Result<i64> {
        let n = self.admitted_for(&[org], from, to, rebased_on).await?;
        Ok(n.get(&org).copied().unwrap_or(0))
    }

    /// [`Self::admitted_between`] for many units with a few queries: units above the branches
    /// read their whole months and the days around them from the pre-aggregates, branches are
    /// read from the facts in one query.
    pub async fn admitted_for(
        &self,
        units: &[OrgId],
        from: Date,
        to: Date,
        rebased_on: Option<Date>,
    ) -> Result<HashMap<OrgId, i64>> {
        if rebased_on.is_some() {
            let mut out: HashMap<OrgId, i64> = units.iter().map(|u| (*u, 0)).collect();
            if from < to {
                for u in units {
                    let n = self
                        .admitted_between_naive(*u, from, to, rebased_on)
                        .await?;
                    out.insert(*u, n);
                }
            }
            return Ok(out);
        }
        let levels = self.by_level(units).await?;
        self.admitted_split(&levels, from, to).await
    }

    /// [`Self::admitted_for`] on the structure as it was, the units already split by level.
    async fn admitted_split(
        &self,
        levels: &(Vec<OrgId>, Vec<OrgId>),
        from: Date,
        to: Date,
    ) -> Result<HashMap<OrgId, i64>> {
        Ok(self
            .admitted_spans(levels, &[(from, to)])
            .await?
            .pop()
            .unwrap_or_default())
    }

    /// The admissions under each unit in each of `spans` (`[from, to)`), one map per span: the
    /// units above the branches read every span's whole months and edge days in one statement.
    async fn admitted_spans(
        &self,
        (aggregated, plain): &(Vec<OrgId>, Vec<OrgId>),
        spans: &[(Date, Date)],
    ) -> Result<Vec<HashMap<OrgId, i64>>> {
        let zero: HashMap<OrgId, i64> = aggregated.iter().chain(plain).map(|u| (*u, 0)).collect();
        let mut out = vec![zero; spans.len()];
        let mut groups = Vec::with_capacity(spans.len());
        for (i, &(from, to)) in spans.iter().enumerate() {
            let mut codes: Vec<(i32, i32)> = vec![];
            if from < to {
                for chunk in plain.chunks(CHUNK) {
                    for (id, n) in dispatch!(self, targets::admitted_many(chunk, from, to))? {
                        *out[i].entry(id).or_insert(0) += n;
                    }
                }
                // Whole months from the monthly totals, the days around them from the daily ones.
                let s = split_months(from, to);
                codes.extend(s.middle);
                for (a, b) in [s.head, s.tail].into_iter().flatten() {
                    if let Some(last) = b.pred_opt() {
                        codes.push((day_code(a), day_code(last)));
                    }
                }
            }
            groups.push(codes);
        }
        for chunk in aggregated.chunks(CHUNK) {
            for (id, g, n) in dispatch!(
                self,
                aggregates::totals_many(chunk, FactKind::Admission, &groups)
            )? {
                if let Some(m) = out.get_mut(g) {
                    *m.entry(id).or_insert(0) += n;
                }
            }
        }
        Ok(out)
    }

    /// `units` split into those the pre-aggregates keep monthly counts for and the others
    /// (branches; every unit for a facts-only store).
    async fn by_level(&self, units: &[OrgId]) -> Result<(Vec<OrgId>, Vec<OrgId>)> {
        let mut kinds = vec![];
        if self.facts_only {
            return Ok((vec![], units.to_vec()));
        }
        for chunk in units.chunks(CHUNK) {
            kinds.extend(dispatch!(self, aggregates::kinds(chunk))?);
        }
        Ok(self.split_levels(&kinds))
    }

    /// [`Self::by_level`] for units whose kinds are known.
    fn split_levels(&self, units: &[(OrgId, OrgKind)]) -> (Vec<OrgId>, Vec<OrgId>) {
        let (mut aggregated, mut plain) = (vec![], vec![]);
        for &(id, kind) in units {
            if self.facts_only || Level::of(kind) == Level::None {
                plain.push(id);
            } else {
                aggregated.push(id);
            }
        }
        (aggregated, plain)
    }

    /// The candidacies under each of `units` (structure as on their first day) that ended in
    /// `[from, to)`, summed up for the forecast: whole months from the pre-aggregates, the
    /// edges and the branches from the facts.
    pub async fn source_history_for(
        &self,
        units: &[OrgId],
        from: Date,
        to: Date,
    ) -> Result<HashMap<OrgId, SourceHistory>> {
        if from >= to || units.is_empty() {
            return Ok(HashMap::new());
        }
        let levels = self.by_level(units).await?;
        self.source_history_split(&levels, from, to).await
    }

    /// [`Self::source_history_for`], the units already split by level.
    async fn source_history_split(
        &self,
        (aggregated, plain): &(Vec<OrgId>, Vec<OrgId>),
        from: Date,
        to: Date,
    ) -> Result<HashMap<OrgId, SourceHistory>> {
        if from >= to {
            return Ok(HashMap::new());
        }
        let s = split_months(from, to);
        // The days at the edges from the facts, the whole months from the aggregates: read
        // side by side.
        let mut ranges: Vec<(&[OrgId], Date, Date)> = vec![(plain, from, to)];
        for (a, b) in [s.head, s.tail].into_iter().flatten() {
            ranges.push((aggregated, a, b));
        }
        let edges = async {
            let reads = ranges.into_iter().flat_map(|(ids, a, b)| {
                ids.chunks(CHUNK).map(move |chunk| async move {
                    dispatch!(self, targets::candidate_outcomes_many(chunk, a, b))
                })
            });
            let mut out: HashMap<OrgId, SourceHistory> = HashMap::new();
            for rows in futures_util::future::try_join_all(reads).await? {
                for (id, f, t, admitted) in rows {
                    out.entry(id).or_default().add(f, t, admitted);
                }
            }
            Ok::<_, StoreError>(out)
        };
        let months = async {
            let mut out: Vec<(OrgId, SourceHistory)> = vec![];
            if let Some((a, b)) = s.middle {
                for chunk in aggregated.chunks(CHUNK) {
                    out.extend(dispatch!(
                        self,
                        aggregates::candidacy_months_many(chunk, a, b)
                    )?);
                }
            }
            Ok::<_, StoreError>(out)
        };
        let (mut out, months) = tokio::try_join!(edges, months)?;
        for (id, h) in months {
            out.entry(id).or_default().merge(&h);
        }
        Ok(out)
    }

    /// The same count read from the facts only (the baseline of the pre-aggregates).
    pub async fn admitted_between_naive(
        &self,
        org: OrgId,
        from: Date,
        to: Date,
        rebased_on: Option<Date>,
    ) -> Result<i64> {
        dispatch!(self, targets::admitted(org, from, to, rebased_on))
    }

    /// Open pipeline cases under each of `ids` (closure on `as_of`), by stage: from
    /// `open_case_agg`, or for a facts-only store from the cases.
    async fn open_cases_of(
        &self,
        ids: &[OrgId],
        as_of: Date,
    ) -> Result<HashMap<OrgId, Vec<StageCount>>> {
        let mut cases: HashMap<OrgId, Vec<StageCount>> = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let rows = if self.facts_only {
                dispatch!(self, targets::open_cases_many(chunk, as_of))?
            } else {
                dispatch!(self, case_agg::open_cases_many(chunk, as_of))?
            };
            for (id, stage, count) in rows {
                if let Some(stage) = Stage::parse(&stage) {
                    cases
                        .entry(id)
                        .or_default()
                        .push(StageCount { stage, count });
                }
            }
        }
        Ok(cases)
    }

    /// Open pipeline cases under `org` on `as_of`, by stage.
    pub async fn open_cases_by_stage(&self, org: OrgId, as_of: Date) -> Result<Vec<StageCount>> {
        let mut counts: Vec<StageCount> = self
            .open_cases_of(&[org], as_of)
            .await?
            .remove(&org)
            .unwrap_or_default();
        sort_stages(&mut counts);
        Ok(counts)
    }

    /// The achievement of `org` for `period` on `as_of`; with `children`, its direct
    /// sub-organizations too (on `as_of`, or on the period's last day when it is over), ranked,
    /// and the reconciliation of assigned targets. With `rebased_on` (normally today), counts
    /// and children follow that day's structure, merged units' history included.
    pub async fn target_report(
        &self,
        org: OrgId,
        period: TargetPeriod,
        as_of: Date,
        children: bool,
        rebased_on: Option<Date>,
    ) -> Result<TargetReport> {
        let rec = self
            .org_by_id(org)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "organization",
                key: org.to_string(),
            })?;
        let structure = match rebased_on {
            Some(d) => format!(
                "Quy đổi theo cơ cấu tổ chức ngày {}, gồm cả số liệu của các đơn vị đã hợp nhất",
                vi::date(d)
            ),
            None if rec.period.from > period.start() => format!(
                "Theo cơ cấu tổ chức tại thời điểm kết nạp; đơn vị có từ ngày {}, số liệu trước đó của các đơn vị tiền thân chỉ có khi quy đổi theo cơ cấu hiện nay",
                vi::date(rec.period.from)
            ),
            None => "Theo cơ cấu tổ chức tại thời điểm kết nạp".to_string(),
        };
        let unit_ref = (
            OrgRef {
                id: rec.id,
                code: rec.code,
                name: rec.name,
            },
            rec.kind,
        );
        if !children {
            let unit = self
                .target_lines(vec![unit_ref], period, as_of, rebased_on, false)
                .await?
                .pop()
                .ok_or_else(|| StoreError::Corrupt("no achievement line for the unit".into()))?;
            return Ok(TargetReport {
                as_of,
                structure,
                unit,
                children: vec![],
                reconciliation: None,
            });
        }
        let on = rebased_on
            .unwrap_or_else(|| as_of.min(period.end_exclusive().pred_opt().unwrap_or(as_of)));
        let tree = self.org_subtree(org, on, 1).await?;
        let refs: Vec<(OrgRef, OrgKind)> = tree
            .into_iter()
            .filter(|n| n.depth == 1)
            .map(|n| {
                (
                    OrgRef {
                        id: n.id,
                        code: n.code,
                        name: n.name,
                    },
                    n.kind,
                )
            })
            .collect();
        // The children and the unit in one pass (the unit's line last). On `as_of` the children
        // partition the unit's subtree (a branch directly under the unit is its own child), so
        // the unit's open cases are theirs summed.
        let mut all = refs;
        all.push(unit_ref);
        let mut kids = self
            .target_lines(all, period, as_of, rebased_on, on == as_of)
            .await?;
        let unit = kids
            .pop()
            .ok_or_else(|| StoreError::Corrupt("no achievement line for the unit".into()))?;
        let ranked = targets::rank(
            kids.iter()
                .map(|k| {
                    (
                        k.org.code.clone(),
                        k.rate.unwrap_or(Rate::new(k.admitted, 0)),
                    )
                })
                .collect(),
        );
        let mut ordered = Vec::with_capacity(kids.len());
        for e in ranked {
            if let Some(i) = kids.iter().position(|k| k.org.code == e.code) {
                let mut k = kids.swap_remove(i);
                k.rank = e.rank;
                ordered.push(k);
            }
        }
        let pairs: Vec<(String, Option<i64>)> = ordered
            .iter()
            .map(|k| (k.org.code.clone(), k.assigned))
            .collect();
        let reconciliation = Some(pairs);
        let kids = ordered;
        let reconciliation = reconciliation.map(|pairs| targets::reconcile(unit.assigned, &pairs));
        Ok(TargetReport {
            as_of,
            structure,
            unit,
            children: kids,
            reconciliation,
        })
    }

    /// The achievement lines of `orgs` with a few queries for all of them (targets, counts,
    /// open cases and candidate history are read for every unit at once, the four reads side by
    /// side on the pool's connections). With `sum_last`, the last unit's open cases are the
    /// others' summed (they partition its subtree) instead of read.
    async fn target_lines(
        &self,
        orgs: Vec<(OrgRef, OrgKind)>,
        period: TargetPeriod,
        as_of: Date,
        rebased_on: Option<Date>,
        sum_last: bool,
    ) -> Result<Vec<TargetLine>> {
        let ids: Vec<OrgId> = orgs.iter().map(|(o, _)| o.id).collect();
        let kinds: Vec<(OrgId, OrgKind)> = orgs.iter().map(|(o, k)| (o.id, *k)).collect();
        let start = period.start();
        let end = period.end_exclusive();
        let upto = end.min(as_of.succ_opt().unwrap_or(end));
        // Which units read the pre-aggregates: asked once for every count below.
        let levels = match rebased_on {
            Some(_) => None,
            None => Some(self.split_levels(&kinds)),
        };
        let running = period_running(period, as_of);
        // While a year runs, the same days of last year are read with this year's (pace).
        let last_year_span = match period {
            TargetPeriod::Year(_) if running => {
                let prev_start = period.previous_year().start();
                let prev_upto = upto
                    .checked_sub_months(Months::new(12))
                    .unwrap_or(prev_start);
                Some((prev_start, prev_upto))
            }
            _ => None,
        };
        let read_targets = async {
            let mut by_unit: HashMap<OrgId, Vec<Target>> = HashMap::new();
            for chunk in ids.chunks(CHUNK) {
                for (id, t) in dispatch!(self, targets::of_units(chunk, period))? {
                    by_unit.entry(id).or_default().push(t);
                }
            }
            Ok::<_, StoreError>(by_unit)
        };
        let read_admitted = async {
            match &levels {
                Some(l) => {
                    let spans: Vec<(Date, Date)> = std::iter::once((start, upto))
                        .chain(last_year_span)
                        .collect();
                    let mut counts = self.admitted_spans(l, &spans).await?.into_iter();
                    Ok((counts.next().unwrap_or_default(), counts.next()))
                }
                None => {
                    let this_year = self.admitted_for(&ids, start, upto, rebased_on).await?;
                    let last_year = match last_year_span {
                        Some((prev_start, prev_upto)) => Some(
                            self.admitted_for(&ids, prev_start, prev_upto, rebased_on)
                                .await?,
                        ),
                        None => None,
                    };
                    Ok::<_, StoreError>((this_year, last_year))
                }
            }
        };
        let read_cases = async {
            if !running {
                return Ok(HashMap::new());
            }
            let (summed, read) = match ids.split_last() {
                Some((last, others)) if sum_last => (Some(*last), others),
                _ => (None, &ids[..]),
            };
            let mut cases = self.open_cases_of(read, as_of).await?;
            if let Some(unit) = summed {
                let mut sum: HashMap<Stage, i64> = HashMap::new();
                for c in cases.values().flatten() {
                    *sum.entry(c.stage).or_insert(0) += c.count;
                }
                let counts = sum
                    .into_iter()
                    .map(|(stage, count)| StageCount { stage, count })
                    .collect();
                cases.insert(unit, counts);
            }
            Ok::<_, StoreError>(cases)
        };
        let read_outcomes = async {
            if !running {
                return Ok(HashMap::new());
            }
            // The source stage is measured on the candidate spells of the unit that ended in the
            // 36 whole months before the current one (whole months: read from the aggregates).
            let month_start = as_of.with_day(1).unwrap_or(as_of);
            let window = month_start
                .checked_sub_months(Months::new(HISTORY_MONTHS))
                .unwrap_or(month_start);
            match &levels {
                Some(l) => self.source_history_split(l, window, month_start).await,
                None => self.source_history_for(&ids, window, month_start).await,
            }
        };
        let (mut targets_by_unit, (admitted, last_year), mut cases, mut outcomes) =
            tokio::try_join!(read_targets, read_admitted, read_cases, read_outcomes)?;
        let mut lines = Vec::with_capacity(orgs.len());
        for (org, _) in orgs {
            let all = targets_by_unit.remove(&org.id).unwrap_or_default();
            let admissions = all.iter().find(|t| t.kind == TargetKind::Admissions);
            let other_targets: Vec<Target> = all
                .iter()
                .filter(|t| t.kind != TargetKind::Admissions)
                .cloned()
                .collect();
            let (assigned, registered) =
                admissions.map_or((None, None), |t| (t.assigned, t.registered));
            let basis = admissions.and_then(Target::basis);
            let admitted = admitted.get(&org.id).copied().unwrap_or(0);
            let rate = basis.map(|(_, t)| Rate::new(admitted, t));
            let (pace, forecast) = if running {
                let before = last_year
                    .as_ref()
                    .map(|m| m.get(&org.id).copied().unwrap_or(0));
                let pace = targets::pace(start, end, as_of, admitted, before, basis.map(|b| b.1));
                let mut counts = cases.remove(&org.id).unwrap_or_default();
                sort_stages(&mut counts);
                let days_left = (end - as_of).num_days() - 1;
                let history: Vec<targets::StageHistory> = targets::measure_source_counts(
                    &outcomes.remove(&org.id).unwrap_or_default(),
                    MIN_HISTORY,
                )
                .into_iter()
                .collect();
                (
                    Some(pace),
                    Some(targets::forecast(&counts, &history, days_left)),
                )
            } else {
                (None, None)
            };
            let per_year = match other_targets
                .iter()
                .find(|t| t.kind == TargetKind::AdmissionsPerYear)
                .and_then(Target::basis)
            {
                Some((_, minimum)) => Some(
                    self.per_year(org.id, period, as_of, minimum, rebased_on)
                        .await?,
                ),
                None => None,
            };
            let member_ratio = match other_targets
                .iter()
                .find(|t| t.kind == TargetKind::MemberRatio)
                .and_then(Target::basis)
            {
                Some((_, goal)) => {
                    let on = as_of.min(end.pred_opt().unwrap_or(end));
                    let unit = [(org.id, org.code.clone(), org.name.clone())];
                    let (structure, today) = match rebased_on {
                        Some(d) => (ketnap_domain::reports::Structure::Rebased, d),
                        None => (ketnap_domain::reports::Structure::AsWas, on),
                    };
                    let c = dispatch!(self, reports::member_counts(&unit, on, today, structure))?;
                    let members = c.first().map_or(0, |u| u.probationary + u.official);
                    let population = c.first().and_then(|u| u.population);
                    Some(targets::ratio_check(goal, members, population))
                }
                None => None,
            };
            let r = rate.unwrap_or(Rate::new(admitted, 0));
            lines.push(TargetLine {
                org,
                period,
                period_label: period.label_vi(),
                assigned,
                registered,
                basis: basis.map(|b| b.0),
                admitted,
                rate,
                rate_text: r.text(),
                rate_precise: r.text_precise(),
                summary: r.summary(),
                pace,
                forecast,
                rank: None,
                other_targets,
                per_year,
                member_ratio,
            });
        }
        Ok(lines)
    }

    async fn per_year(
        &self,
        org: OrgId,
        period: TargetPeriod,
        as_of: Date,
        minimum: i64,
        rebased_on: Option<Date>,
    ) -> Result<PerYear> {
        let (first, last) = match period {
            TargetPeriod::Year(y) => (y, y),
            TargetPeriod::Term { start, end } => (start, end - 1),
        };
        let mut years = Vec::new();
        for y in first..=last.min(as_of.year()) {
            let p = TargetPeriod::Year(y);
            let upto = p.end_exclusive().min(as_of.succ_opt().unwrap_or(as_of));
            let n = self
                .admitted_between(org, p.start(), upto, rebased_on)
                .await?;
            years.push((y, n));
        }
        let short = targets::years_short(minimum, &years, period, as_of);
        let mut text = format!(
            "ít nhất {}/năm: {}",
            vi::number(minimum),
            years
                .iter()
                .map(|(y, n)| format!("{y}: {}", vi::number(*n)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if short.is_empty() {
            text.push_str(" — đạt");
        } else {
            text.push_str(&format!(
                " — chưa đạt năm {}",
                short
                    .iter()
                    .map(|(y, _)| y.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(PerYear {
            minimum,
            years,
            short,
            text,
        })
    }
}

/// The year of a date (re-exported helper for callers building periods).
pub fn year_of(d: Date) -> TargetPeriod {
    TargetPeriod::Year(d.year())
}
