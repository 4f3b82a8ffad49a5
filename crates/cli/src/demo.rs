//! `ketnap demo`: generates realistic demo data (`crates/demo`, `docs/demo-data.md`) and bulk
//! loads it into an empty database, generation and load running side by side.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ketnap_demo::{Config, GenError, Scale};
use ketnap_domain::dataset::TableCounts;
use ketnap_store::Store;
use ketnap_store::bulk::{BulkAudit, Feed};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScaleArg {
    /// The 2025 province of Lào Cai (legacy Lào Cai + Yên Bái), reduced: seconds.
    Small,
    /// The same province at its realistic size.
    Province,
    /// All 34 provinces, ≈5,6 million members: minutes.
    National,
}

impl From<ScaleArg> for Scale {
    fn from(s: ScaleArg) -> Self {
        match s {
            ScaleArg::Small => Scale::Small,
            ScaleArg::Province => Scale::Province,
            ScaleArg::National => Scale::National,
        }
    }
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// How much to generate.
    #[arg(long, value_enum, default_value_t = ScaleArg::Small)]
    scale: ScaleArg,
    /// The same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// What a load did, for the summary and for `ketnap bench`.
#[derive(Clone, Debug)]
pub struct LoadReport {
    pub scale: Scale,
    pub seed: u64,
    pub counts: TableCounts,
    /// Generation and load together (they run side by side).
    pub elapsed: Duration,
}

impl LoadReport {
    pub fn rows(&self) -> u64 {
        self.counts.total()
    }

    pub fn rows_per_sec(&self) -> f64 {
        self.rows() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Raised inside the generator when the loader stopped listening.
#[derive(Debug)]
struct LoaderGone;

impl std::fmt::Display for LoaderGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the loader stopped")
    }
}

/// Generates the dataset for `scale`/`seed` and loads it into `store` (which must be empty);
/// `progress` (if any) gets the rows loaded so far.
pub async fn load(
    store: &Store,
    scale: Scale,
    seed: u64,
    actor: &str,
    progress: Option<&ProgressBar>,
) -> Result<LoadReport> {
    let cfg = Config::new(scale, seed);
    let started = Instant::now();
    let (tx, rx) = tokio::sync::mpsc::channel::<Feed>(8);
    let generator = tokio::task::spawn_blocking(move || {
        let r = ketnap_demo::generate(&cfg, |b| {
            tx.blocking_send(Feed::Rows(b)).map_err(|_| LoaderGone)
        });
        if r.is_ok() {
            // Everything was sent: the loader may commit.
            let _ = tx.blocking_send(Feed::End);
        }
        r
    });
    let audit = BulkAudit {
        actor: actor.to_string(),
        action: "demo.load".into(),
        entity_key: format!("{}/seed={seed}", scale.as_str()),
        detail: serde_json::json!({ "scale": scale.as_str(), "seed": seed, "until": cfg.until }),
    };
    let bar = progress.cloned();
    let loaded = store
        .load_dataset(rx, &audit, &move |n| {
            if let Some(b) = &bar {
                if n > b.length().unwrap_or(0) {
                    b.set_length(n);
                }
                b.set_position(n);
            }
        })
        .await;
    let generated = generator
        .await
        .map_err(|e| anyhow!("the demo generator stopped: {e}"))?;
    match (loaded, generated) {
        (Ok(counts), Ok(_)) => Ok(LoadReport {
            scale,
            seed,
            counts,
            elapsed: started.elapsed(),
        }),
        // The generator's own failure explains an incomplete feed better than the loader can.
        (_, Err(GenError::Demo(e))) => Err(e.into()),
        (Err(e), _) => Err(e.into()),
        (Ok(_), Err(GenError::Sink(e))) => Err(anyhow!("{e}")),
    }
}

/// A progress bar on a terminal (stderr), hidden otherwise.
pub fn progress_bar(scale: Scale) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(scale.estimated_rows()), target);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{bar:40}] {human_pos}/{human_len} rows ({per_sec}, ~{eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// `1.234.567` (Vietnamese digit grouping).
fn grouped(n: u64) -> String {
    ketnap_domain::text::vi::number(i64::try_from(n).unwrap_or(i64::MAX))
}

pub async fn run(store: &Store, a: DemoArgs, actor: &str) -> Result<()> {
    let scale: Scale = a.scale.into();
    let bar = progress_bar(scale);
    let r = load(store, scale, a.seed, actor, Some(&bar)).await;
    bar.finish_and_clear();
    let r = r?;
    println!(
        "Demo data loaded ({} backend): scale {}, seed {}",
        store.backend().as_str(),
        r.scale.as_str(),
        r.seed
    );
    for (table, n) in r.counts.rows() {
        println!("  {table:<22}{:>14}", grouped(n));
    }
    println!("  {:<22}{:>14}", "total", grouped(r.rows()));
    println!(
        "Generated and loaded in {:.1} s: {} rows/s",
        r.elapsed.as_secs_f64(),
        grouped(r.rows_per_sec().round() as u64)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped_the_vietnamese_way() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(2287), "2.287");
        assert_eq!(grouped(5_600_000), "5.600.000");
    }
}
