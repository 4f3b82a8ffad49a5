//! Times the generator alone (no database): `cargo run --release -p ketnap-demo --example
//! generate -- [small|province|national] [seed]`. Prints rows per table and rows/s.

use std::time::Instant;

use chrono::Datelike;
use ketnap_demo::{Config, Scale, generate};
use ketnap_domain::dataset::Batch;
use ketnap_domain::person::{GeneralEducation, Occupation, PartyStatus, Sex};

fn main() {
    let mut args = std::env::args().skip(1);
    let scale = args
        .next()
        .and_then(|s| Scale::parse(&s))
        .unwrap_or(Scale::Small);
    let seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let t = Instant::now();
    let cfg = Config::new(scale, seed);
    let mut max_batch = 0;
    let mut members = 0u64;
    let mut admitted = std::collections::BTreeMap::<i32, u64>::new();
    // Who was admitted in the last full year: [all, women, minorities, believers, pupils,
    // upper-secondary].
    let year = cfg.until.year() - 1;
    let mut last_year = [0u64; 6];
    let mut traits: std::collections::HashMap<i64, [bool; 5]> = Default::default();
    match generate(&cfg, |b: Batch| -> Result<(), std::convert::Infallible> {
        max_batch = max_batch.max(b.len());
        if let Batch::People(v) = &b {
            traits = v
                .iter()
                .map(|p| {
                    (
                        p.id,
                        [
                            p.sex == Sex::Female,
                            p.ethnic_group.expose().is_minority(),
                            p.religion.expose().is_believer(),
                            p.occupation == Occupation::PupilStudent,
                            p.education == GeneralEducation::UpperSecondary,
                        ],
                    )
                })
                .collect();
        }
        if let Batch::PersonStatus(v) = &b {
            let mut prev: Option<(i64, PartyStatus)> = None;
            for s in v {
                // An admission: a probationary spell right after a candidate one.
                if s.spell.status == PartyStatus::Probationary
                    && prev == Some((s.person, PartyStatus::Candidate))
                    && s.spell.period.from.year() == year
                {
                    last_year[0] += 1;
                    if let Some(t) = traits.get(&s.person) {
                        for (i, x) in t.iter().enumerate() {
                            last_year[i + 1] += u64::from(*x);
                        }
                    }
                }
                prev = Some((s.person, s.spell.status));
                if s.spell.status.is_member() && s.spell.period.contains(cfg.until) {
                    members += 1;
                }
                if s.spell.status == PartyStatus::Probationary
                    && s.spell.period.from > ketnap_demo::START
                {
                    *admitted.entry(s.spell.period.from.year()).or_default() += 1;
                }
            }
        }
        Ok(())
    }) {
        Ok(counts) => {
            let secs = t.elapsed().as_secs_f64();
            for (table, n) in counts.rows() {
                println!("{table:<22}{n:>12}");
            }
            println!(
                "{:<22}{:>12}\n{} seed {seed}: generated in {secs:.1} s, {:.0} rows/s (largest batch {max_batch})",
                "total",
                counts.total(),
                scale.as_str(),
                counts.total() as f64 / secs
            );
            println!(
                "members on {}: {members}; probationary spells starting per year (admissions, and splits at mergers): {admitted:?}",
                cfg.until
            );
            let pct = |i: usize| 100.0 * last_year[i] as f64 / last_year[0].max(1) as f64;
            println!(
                "admitted in {year}: {}; women {:.0}%, ethnic minorities {:.0}%, religious believers {:.1}%, pupils/students {}, upper-secondary education {:.0}%",
                last_year[0],
                pct(1),
                pct(2),
                pct(3),
                last_year[4],
                pct(5)
            );
        }
        Err(e) => eprintln!("error: {e}"),
    }
}
