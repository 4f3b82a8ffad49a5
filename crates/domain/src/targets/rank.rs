//! Xếp hạng — ranking sub-organizations by achievement.
//!
//! **Competition ranking** ("1, 2, 2, 4"): equal rates (compared exactly, as fractions) share a
//! rank and the next rank skips — what a published list of units reads like. Units without a
//! target are not ranked (`rank = None`) and come last. Ties are listed by code for stability.

use serde::Serialize;

use super::rate::Rate;

/// One ranked unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RankEntry {
    pub code: String,
    pub rate: Rate,
    /// 1-based competition rank; `None` without a target.
    pub rank: Option<usize>,
}

/// Ranks `(code, rate)` pairs, best first.
pub fn rank(units: Vec<(String, Rate)>) -> Vec<RankEntry> {
    let mut units = units;
    units.sort_by(|a, b| b.1.cmp_exact(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut out: Vec<RankEntry> = Vec::with_capacity(units.len());
    for (i, (code, rate)) in units.into_iter().enumerate() {
        let rank = if rate.target <= 0 {
            None
        } else {
            match out.last() {
                Some(prev) if prev.rank.is_some() && prev.rate.cmp_exact(&rate).is_eq() => {
                    prev.rank
                }
                _ => Some(i + 1),
            }
        };
        out.push(RankEntry { code, rate, rank });
    }
    out
}
