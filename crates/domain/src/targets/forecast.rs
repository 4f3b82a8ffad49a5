//! Dự báo — the admissions expected by the end of a period from the cases in the pipeline.
//!
//! For each stage: `open cases × conversion × share finishing in time`, where conversion is the
//! historical share of cases at that stage that went on to be admitted, and the share finishing in
//! time is 1 when the typical time from that stage to admission fits in the days left, otherwise
//! `days left / typical days` (a linear approximation). The sum is rounded to the nearest whole
//! person, and every stage's contribution is kept as the basis shown to users.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dates::Date;
use crate::pipeline::Stage;
use crate::text::vi;

/// Open cases at a stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StageCount {
    pub stage: Stage,
    pub count: i64,
}

/// What history says about a stage: conversion to admission (per mille) and typical days to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StageHistory {
    pub stage: Stage,
    pub conversion_permille: i64,
    pub typical_days: i64,
    /// Whether the figures were measured on this unit's history (`false`: defaults).
    pub measured: bool,
}

impl StageHistory {
    /// Defaults used where the unit's history is too thin (documented in `docs/decisions.md`):
    /// the further a case has progressed, the likelier and sooner its admission.
    pub fn default_for(stage: Stage) -> Option<Self> {
        let (conversion_permille, typical_days) = match stage {
            Stage::Source => (300, 300),
            Stage::Applied => (600, 180),
            Stage::Verified => (750, 120),
            Stage::Introduced => (800, 90),
            Stage::BranchApproved => (900, 60),
            Stage::CommitteeApproved => (950, 30),
            _ => return None,
        };
        Some(Self {
            stage,
            conversion_permille,
            typical_days,
            measured: false,
        })
    }
}

/// Measures the source stage (quần chúng ưu tú) from ended candidate spells
/// `(from, to, admitted)`: conversion = admitted / ended, typical days = the median length of the
/// admitted ones. `None` below `min_cases` ended spells (too thin a history: defaults apply).
pub fn measure_source(outcomes: &[(Date, Date, bool)], min_cases: usize) -> Option<StageHistory> {
    let mut history = SourceHistory::default();
    for (f, t, admitted) in outcomes {
        history.add(*f, *t, *admitted);
    }
    measure_source_counts(&history, min_cases)
}

/// Ended candidacies summed up: how many, and the admitted ones by length in days (what the
/// pre-aggregates keep, so that three years of a nation's history are a few thousand counts).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceHistory {
    pub ended: i64,
    /// Admitted candidacies by days from listing to admission.
    pub admitted_days: BTreeMap<i64, i64>,
}

impl SourceHistory {
    pub fn add(&mut self, from: Date, to: Date, admitted: bool) {
        self.ended += 1;
        if admitted {
            *self
                .admitted_days
                .entry((to - from).num_days())
                .or_insert(0) += 1;
        }
    }

    /// Adds counts read from elsewhere (`ended` spells; `n` admitted after `days`).
    pub fn merge(&mut self, other: &SourceHistory) {
        self.ended += other.ended;
        for (d, n) in &other.admitted_days {
            *self.admitted_days.entry(*d).or_insert(0) += n;
        }
    }
}

/// [`measure_source`] on counts: the median is the `⌊k/2⌋`-th (0-based) of the `k` admitted
/// lengths in ascending order, as on the sorted list.
pub fn measure_source_counts(h: &SourceHistory, min_cases: usize) -> Option<StageHistory> {
    if h.ended < min_cases.max(1) as i64 {
        return None;
    }
    let converted: i64 = h.admitted_days.values().sum();
    let mut left = converted / 2;
    let mut typical_days = 0;
    for (d, n) in &h.admitted_days {
        if left < *n {
            typical_days = *d;
            break;
        }
        left -= n;
    }
    Some(StageHistory {
        stage: Stage::Source,
        conversion_permille: converted * 1000 / h.ended,
        typical_days,
        measured: true,
    })
}

/// One stage's contribution.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ForecastLine {
    pub stage: Stage,
    pub count: i64,
    pub conversion_permille: i64,
    pub typical_days: i64,
    pub measured: bool,
    /// Expected admissions from this stage before the end of the period.
    pub expected: f64,
    /// `3 × Đã làm đơn xin vào Đảng × 60% (khoảng 180 ngày)`.
    pub text: String,
}

/// Dự báo đến cuối kỳ.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Forecast {
    pub days_left: i64,
    /// Expected additional admissions, rounded.
    pub expected_extra: i64,
    pub basis: Vec<ForecastLine>,
    /// `dự kiến thêm 5 (…basis…)`.
    pub text: String,
}

/// Forecasts additional admissions in the `days_left` days of a period. `history` supplies
/// measured figures per stage; stages missing from it use [`StageHistory::default_for`].
/// Stages that cannot lead to an admission (paused, withdrawn, members…) contribute nothing.
pub fn forecast(counts: &[StageCount], history: &[StageHistory], days_left: i64) -> Forecast {
    let days_left = days_left.max(0);
    let mut basis = Vec::new();
    for c in counts.iter().filter(|c| c.count > 0) {
        let h = history
            .iter()
            .find(|h| h.stage == c.stage)
            .copied()
            .or_else(|| StageHistory::default_for(c.stage));
        let Some(h) = h else { continue };
        let in_time = if h.typical_days <= days_left {
            1.0
        } else if h.typical_days > 0 {
            days_left as f64 / h.typical_days as f64
        } else {
            1.0
        };
        let expected = c.count as f64 * h.conversion_permille as f64 / 1000.0 * in_time;
        let text = format!(
            "{} × {} × {} (khoảng {} ngày{})",
            vi::number(c.count),
            c.stage.label_vi(),
            vi::percent(h.conversion_permille as f64 / 10.0, 1),
            vi::number(h.typical_days),
            if h.measured { "" } else { ", mặc định" }
        );
        basis.push(ForecastLine {
            stage: c.stage,
            count: c.count,
            conversion_permille: h.conversion_permille,
            typical_days: h.typical_days,
            measured: h.measured,
            expected,
            text,
        });
    }
    let total: f64 = basis.iter().map(|l| l.expected).sum();
    let expected_extra = total.round() as i64;
    let text = if basis.is_empty() {
        format!("dự kiến thêm {} (không có hồ sơ đang xét)", expected_extra)
    } else {
        format!(
            "dự kiến thêm {} ({}; còn {} ngày)",
            vi::number(expected_extra),
            basis
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            vi::number(days_left)
        )
    };
    Forecast {
        days_left,
        expected_extra,
        basis,
        text,
    }
}
