//! Dữ liệu mẫu — realistic, reproducible demo data for ketnap: the party organization of
//! Vietnam over 2016–2026 on the real administrative units (`data/`), with the A Lù + Ngải Thầu
//! merger (1/3/2020) and the reform of 1/7/2025, localities with population and serving
//! branches, and people with dated party histories.
//!
//! Pure: no I/O. [`generate`] hands the rows out in [`Batch`]es, province by province, so a
//! national dataset (≈5,6 million members) never has to be in memory at once. The same seed
//! gives the same rows. The code scheme and the modelling choices are in `docs/demo-data.md`.

mod cases;
mod data;
mod history;
mod names;
mod people;
mod regions;
mod structure;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use ketnap_domain::Date;
use ketnap_domain::dataset::{
    Batch, LocalityCommune, LocalityPopulation, LocalityService, TableCounts, UnitRow,
};
use ketnap_domain::dates::Period;
use ketnap_domain::org::{ClosureRow, OrgId, OrgKind, OrgName, OrgUnit, PathSegment, Sector};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use data::RefData;

/// Where the history starts.
pub const START: Date = ymd(2016, 1, 1);
/// A Lù and Ngải Thầu (huyện Bát Xát, Lào Cai) merge into A Lù.
pub const ALU_MERGER: Date = ymd(2020, 3, 1);
/// The two-level local government: districts dissolved, communes and provinces merged.
pub const REFORM: Date = ymd(2025, 7, 1);
/// The provincial "Khối các cơ quan" committees become "các cơ quan Đảng".
pub const CQ_RENAME: Date = ymd(2025, 2, 1);
/// The default end of the generated history ("today" for the demo; fixed so that a seed
/// always gives the same rows).
pub const DEFAULT_UNTIL: Date = ymd(2026, 11, 25);
/// Members nationally at the end (domain spec §7).
pub const NATIONAL_MEMBERS: f64 = 5_600_000.0;

const fn ymd(y: i32, m: u32, d: u32) -> Date {
    match Date::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => Date::MIN,
    }
}

/// How much to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scale {
    /// The 2025 province of Lào Cai (legacy Lào Cai + Yên Bái) with few villages and people:
    /// loads in seconds; used by tests and the default demo.
    Small,
    /// The same province at its realistic size.
    Province,
    /// All 34 provinces.
    National,
}

impl Scale {
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::Province => "province",
            Scale::National => "national",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Scale::Small, Scale::Province, Scale::National]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// Rows the generator produces with the default end date (measured; for progress bars).
    pub fn estimated_rows(self) -> u64 {
        match self {
            Scale::Small => 117_000,
            Scale::Province => 480_000,
            Scale::National => 28_000_000,
        }
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub scale: Scale,
    pub seed: u64,
    /// The history ends (and "today" is) on this date.
    pub until: Date,
}

impl Config {
    pub fn new(scale: Scale, seed: u64) -> Self {
        Self {
            scale,
            seed,
            until: DEFAULT_UNTIL,
        }
    }
}

/// The generator's own failure (the reference data did not fit together).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DemoError {
    Data(String),
}

impl std::fmt::Display for DemoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DemoError::Data(m) => write!(f, "demo reference data: {m}"),
        }
    }
}

impl std::error::Error for DemoError {}

/// A generation failure: the generator's, or the sink's (which stops the generation).
#[derive(Debug)]
pub enum GenError<E> {
    Demo(DemoError),
    Sink(E),
}

impl<E> From<DemoError> for GenError<E> {
    fn from(e: DemoError) -> Self {
        GenError::Demo(e)
    }
}

impl<E: std::fmt::Display> std::fmt::Display for GenError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GenError::Demo(e) => e.fmt(f),
            GenError::Sink(e) => e.fmt(f),
        }
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> std::error::Error for GenError<E> {}

/// Knobs that differ between scales.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Params {
    pub small: bool,
    pub villages_cap: Option<usize>,
    pub member_factor: f64,
}

impl Params {
    fn for_scale(s: Scale) -> Self {
        match s {
            Scale::Small => Params {
                small: true,
                villages_cap: Some(3),
                member_factor: 0.15,
            },
            Scale::Province | Scale::National => Params {
                small: false,
                villages_cap: None,
                member_factor: 1.0,
            },
        }
    }
}

/// Id counters, shared by all provinces of a run.
#[derive(Debug, Default)]
pub(crate) struct Ids {
    org: i64,
    loc: i64,
    person: i64,
}

impl Ids {
    pub fn next_org(&mut self) -> OrgId {
        self.org += 1;
        self.org
    }
    pub fn next_loc(&mut self) -> i64 {
        self.loc += 1;
        self.loc
    }
    pub fn next_person(&mut self) -> i64 {
        self.person += 1;
        self.person
    }
}

/// Unit codes: never given twice; numbered children `{prefix}.{NN}`.
#[derive(Debug, Default)]
pub(crate) struct Codes {
    used: HashSet<String>,
    counters: HashMap<String, u32>,
}

impl Codes {
    /// Claims a code (case-insensitively unique over all time).
    pub fn take(&mut self, code: &str) -> Result<(), DemoError> {
        if self.used.insert(code.to_ascii_uppercase()) {
            Ok(())
        } else {
            Err(DemoError::Data(format!("code {code} generated twice")))
        }
    }

    /// The next free `{prefix}.{NN}` (NN from 01; three digits past 99).
    pub fn next(&mut self, prefix: &str) -> String {
        let n = self.counters.entry(prefix.to_string()).or_insert(0);
        loop {
            *n += 1;
            let c = format!("{prefix}.{n:02}");
            if !self.used.contains(&c.to_ascii_uppercase()) {
                return c;
            }
        }
    }

    /// The next locality code `{base}.{tag}{NN}` (localities have their own code space).
    pub fn tag(&mut self, base: &str, tag: &str) -> String {
        let n = self.counters.entry(format!("{base}.{tag}")).or_insert(0);
        *n += 1;
        format!("{base}.{tag}{n:02}")
    }
}

pub(crate) fn add_days(d: Date, n: i64) -> Date {
    d.checked_add_signed(chrono::TimeDelta::days(n))
        .unwrap_or(d)
}

/// A day in `[from, to)`; `from` when the range is empty.
pub(crate) fn rand_date(rng: &mut ChaCha8Rng, from: Date, to: Date) -> Date {
    let days = (to - from).num_days();
    if days <= 1 {
        return from;
    }
    add_days(from, rng.random_range(0..days))
}

/// A seed for one random stream of one province.
fn stream(seed: u64, code: &str, k: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in code.bytes().chain(k.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = seed ^ h;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Rows per batch for the structure and locality tables.
const ROWS: usize = 10_000;

fn chunked<T: Clone, E>(
    rows: &[T],
    wrap: fn(Vec<T>) -> Batch,
    emit: &mut dyn FnMut(Batch) -> Result<(), GenError<E>>,
) -> Result<(), GenError<E>> {
    for c in rows.chunks(ROWS) {
        emit(wrap(c.to_vec()))?;
    }
    Ok(())
}

/// Generates the dataset, handing each batch to `sink` as soon as it is ready; returns the row
/// counts. A sink error stops the generation and is returned as [`GenError::Sink`].
pub fn generate<E>(
    cfg: &Config,
    mut sink: impl FnMut(Batch) -> Result<(), E>,
) -> Result<TableCounts, GenError<E>> {
    let data = RefData::load()?;
    let names = names::PersonNames::new(&data);
    let params = Params::for_scale(cfg.scale);
    let mut ids = Ids::default();
    let mut codes = Codes::default();
    let mut cccd = people::CccdSerials::new(cfg.seed);
    let mut counts = TableCounts::default();
    let mut case_ids = cases::CaseIds::default();
    let cal = ketnap_domain::calendar::Calendar::shipped();
    let mut emit = |b: Batch| -> Result<(), GenError<E>> {
        counts.add(b.table(), b.len() as u64);
        sink(b).map_err(GenError::Sink)
    };

    // The central root.
    let tw = ids.next_org();
    codes.take("TW")?;
    let root = OrgUnit {
        id: tw,
        code: "TW".into(),
        name: "Ban Chấp hành Trung ương Đảng".into(),
        kind: OrgKind::Central,
        sector: Sector::Nation,
        period: Period::starting(START),
    };
    let name = OrgName {
        unit: tw,
        name: root.name.clone(),
        period: root.period,
    };
    let closure = ClosureRow {
        ancestor: tw,
        descendant: tw,
        depth: 0,
        period: root.period,
    };
    emit(Batch::OrgUnits(vec![UnitRow {
        unit: root,
        heir: Some(tw),
    }]))?;
    emit(Batch::OrgNames(vec![name]))?;
    emit(Batch::OrgClosure(vec![closure]))?;
    let external: HashMap<OrgId, Vec<PathSegment>> = [(
        tw,
        vec![PathSegment {
            period: Period::starting(START),
            ancestors: vec![],
        }],
    )]
    .into();

    let total_pop: f64 = data
        .provinces_2025
        .iter()
        .filter_map(|p| p.population)
        .map(|p| p as f64)
        .sum::<f64>()
        .max(1.0);
    let mut provinces: Vec<&data::Unit> = data
        .provinces_2025
        .iter()
        .filter(|p| cfg.scale == Scale::National || p.code == "15")
        .collect();
    provinces.sort_by_key(|p| p.code);
    for p in provinces {
        let rng = ChaCha8Rng::seed_from_u64(stream(cfg.seed, p.code, 1));
        let group =
            structure::Builder::new(&mut ids, &mut codes, &data, &params, rng, tw).build(p)?;
        emit_structure(&group, &external, &mut emit)?;
        let mut lrng = ChaCha8Rng::seed_from_u64(stream(cfg.seed, p.code, 2));
        emit_localities(&group, cfg.until, &mut lrng, &mut emit)?;
        let target =
            NATIONAL_MEMBERS * p.population.unwrap_or(0) as f64 / total_pop * params.member_factor;
        let prng = ChaCha8Rng::seed_from_u64(stream(cfg.seed, p.code, 3));
        let mut collector = cases::Collector::default();
        people::PeopleGen::new(&group, &names, &mut ids, &mut cccd, prng, cfg.until, target).run(
            &mut |people, spells| {
                collector.add(&people, &spells, cfg.until);
                emit(Batch::People(people))?;
                emit(Batch::PersonStatus(spells))
            },
        )?;
        let mut crng = ChaCha8Rng::seed_from_u64(stream(cfg.seed, p.code, 4));
        let kinds = |id: OrgId| group.h.unit(id).map(|u| u.kind);
        let (case_rows, event_rows) = cases::build(
            &collector,
            &kinds,
            &mut crng,
            cfg.until,
            &cal,
            &mut case_ids,
        );
        drop(collector);
        chunked(&case_rows, Batch::Cases, &mut emit)?;
        chunked(&event_rows, Batch::CaseEvents, &mut emit)?;
    }
    Ok(counts)
}

/// Generates the dataset and throws the rows away: the generator's own cost, for benchmarks
/// (`ketnap bench` compares it with generation plus load).
pub fn dry_run(cfg: &Config) -> Result<TableCounts, DemoError> {
    generate(cfg, |_| Ok::<(), std::convert::Infallible>(())).map_err(|e| match e {
        GenError::Demo(d) => d,
        GenError::Sink(never) => match never {},
    })
}

fn emit_structure<E>(
    g: &structure::Group,
    external: &HashMap<OrgId, Vec<PathSegment>>,
    emit: &mut dyn FnMut(Batch) -> Result<(), GenError<E>>,
) -> Result<(), GenError<E>> {
    let heirs = g.h.heirs();
    let units: Vec<UnitRow> =
        g.h.units
            .iter()
            .map(|u| UnitRow {
                unit: u.clone(),
                heir: heirs.get(&u.id).copied().flatten(),
            })
            .collect();
    chunked(&units, Batch::OrgUnits, emit)?;
    chunked(&g.h.names, Batch::OrgNames, emit)?;
    chunked(&g.h.links, Batch::OrgLinks, emit)?;
    chunked(&g.h.lineage, Batch::OrgLineage, emit)?;
    let closure = g.h.closure(external);
    chunked(&closure, Batch::OrgClosure, emit)
}

fn emit_localities<E>(
    g: &structure::Group,
    until: Date,
    rng: &mut ChaCha8Rng,
    emit: &mut dyn FnMut(Batch) -> Result<(), GenError<E>>,
) -> Result<(), GenError<E>> {
    use chrono::Datelike;
    let locs: Vec<_> = g.locs.iter().map(|l| l.loc.clone()).collect();
    chunked(&locs, Batch::Localities, emit)?;
    let communes: Vec<LocalityCommune> = g
        .locs
        .iter()
        .flat_map(|l| {
            l.communes.iter().map(|(c, p)| LocalityCommune {
                locality: l.loc.id,
                commune: *c,
                period: *p,
            })
        })
        .collect();
    chunked(&communes, Batch::LocalityCommunes, emit)?;
    let mut pops = vec![];
    for l in &g.locs {
        if !l.loc.kind.is_residential() {
            continue;
        }
        for y in START.year()..=until.year() {
            let mid = ymd(y, 7, 1);
            if l.loc.period.from > mid || l.loc.period.to.is_some_and(|t| t < mid) {
                continue;
            }
            let absorbed: i64 = l
                .absorbed
                .iter()
                .filter(|(yy, _)| *yy < y)
                .map(|x| x.1)
                .sum();
            let trend = 1.0 + 0.009 * f64::from(y - 2025);
            let v = ((l.base_population + absorbed) as f64 * trend * rng.random_range(0.99..1.01))
                .round() as i64;
            pops.push(LocalityPopulation {
                locality: l.loc.id,
                year: y,
                population: v.max(1),
            });
        }
    }
    chunked(&pops, Batch::LocalityPopulation, emit)?;
    let service: Vec<LocalityService> = g
        .locs
        .iter()
        .flat_map(|l| {
            l.service.iter().map(|(b, p)| LocalityService {
                locality: l.loc.id,
                branch: *b,
                period: *p,
            })
        })
        .collect();
    chunked(&service, Batch::LocalityService, emit)
}
