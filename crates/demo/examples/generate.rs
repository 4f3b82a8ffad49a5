//! Times the generator alone (no database): `cargo run --release -p ketnap-demo --example
//! generate -- [small|province|national] [seed]`. Prints rows per table and rows/s.

use std::time::Instant;

use chrono::Datelike;
use ketnap_demo::{Config, Scale, generate};
use ketnap_domain::dataset::Batch;
use ketnap_domain::person::PartyStatus;

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
    match generate(&cfg, |b: Batch| -> Result<(), std::convert::Infallible> {
        max_batch = max_batch.max(b.len());
        if let Batch::PersonStatus(v) = &b {
            for s in v {
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
        }
        Err(e) => eprintln!("error: {e}"),
    }
}
