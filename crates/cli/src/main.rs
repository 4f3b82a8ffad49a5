//! `ketnap` — the command line of ketnap (công tác phát triển đảng viên).

mod aggregates;
mod backup;
mod bench;
mod bench_pipeline;
mod bench_reports;
mod demo;
mod dossier;
mod exchange;
mod org;
mod output;
mod pipeline;
mod report;
mod serve;
mod soak;
mod stats;
mod targets;
mod user;
mod xlsx;

use anyhow::Result;
use clap::{Parser, Subcommand};
use ketnap_store::Store;

/// ketnap: party-member development — organizations, candidates, targets and reports.
#[derive(Parser, Debug)]
#[command(name = "ketnap", version, about)]
struct Cli {
    /// Database: sqlite://PATH (embedded, the default) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "KETNAP_DB",
        default_value = "sqlite://ketnap.db"
    )]
    db: String,
    /// Who is acting, recorded in the audit trail for writes made from the command line.
    #[arg(long, global = true, env = "KETNAP_ACTOR")]
    actor: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The organization tree: show it as of a date, its history, and change it.
    #[command(subcommand)]
    Org(org::OrgCommand),
    /// Counts of units by kind, localities by kind and people by status, as of a date.
    Stats(stats::StatsArgs),
    /// Import a CSV file of orgs, localities or people — or `import events FILE` (admission
    /// pipeline events) — (docs/import-format.md); nothing is written when any row is refused.
    Import(pipeline::ImportCommand),
    /// Export orgs, localities or people as CSV, as of a date, optionally for one subtree.
    Export(exchange::ExportArgs),
    /// Load realistic demo data into an empty database (docs/demo-data.md).
    Demo(demo::DemoArgs),
    /// Candidates: the source list, the events of the admission procedure, a case, lists.
    #[command(subcommand)]
    Candidate(pipeline::CandidateCommand),
    /// The dossier forms of a case (3-, 5-, 6-, 8-, 9-, 16-KNĐ) pre-filled from what is
    /// recorded: list them (`forms`) or print one as DOCX (`print`).
    #[command(subcommand)]
    Dossier(dossier::DossierCommand),
    /// What is due in a subtree: overdue, this week, this month, stalled, certificates.
    Due(pipeline::DueArgs),
    /// Party-awareness and new-member courses: create, enrol, record completion.
    #[command(subcommand)]
    Course(pipeline::CourseCommand),
    /// The working-day calendar: public holidays, Tết, substitute days.
    #[command(subcommand)]
    Holiday(pipeline::HolidayCommand),
    /// Mountainous, island, ethnic-minority or especially difficult areas (education rule).
    #[command(subcommand)]
    DifficultArea(pipeline::AreaCommand),
    /// Reports: admissions and recognitions breakdowns (Biểu 2-BTCTW), membership, coverage —
    /// as the structure was or re-based onto today's (`ketnap report --list`).
    Report(report::ReportArgs),
    /// Targets (chỉ tiêu giao / đăng ký) for a year or a term, and their achievement: rate,
    /// pace, forecast, ranking of sub-organizations, reconciliation.
    #[command(subcommand)]
    Target(targets::TargetCommand),
    /// The pre-aggregated report counts: compare them with a recomputation from the facts
    /// (`verify`), or recompute them (`rebuild`).
    #[command(subcommand)]
    Aggregates(aggregates::AggregatesCommand),
    /// Benchmarks with their baselines, measured in the same run (see docs/benchmarks.md).
    Bench(bench::BenchArgs),
    /// Start the HTTP server: JSON API under /api/v1, /health, and a front page.
    Serve(serve::ServeArgs),
    /// A bounded mixed load (reads and writes, many clients) against `ketnap serve` instances
    /// on this database, then the checks: errors, lost updates, pre-aggregates. WRITES events.
    Soak(soak::SoakArgs),
    /// Web accounts: add (with a role and a unit), list, disable, API tokens.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Write a consistent backup of the whole database while the server runs (docs/deployment.md).
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty database of the same engine (docs/deployment.md).
    Restore(backup::RestoreArgs),
}

/// The actor recorded for command-line writes.
pub fn actor(cli_actor: &Option<String>) -> String {
    cli_actor.clone().unwrap_or_else(|| {
        let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        format!("cli:{user}")
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KETNAP_LOG")
                .unwrap_or_else(|_| "warn,sqlx=error,ketnap=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", output::describe(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let actor = actor(&cli.actor);
    let store = Store::open(&cli.db).await?;
    let r = match cli.command {
        Command::Org(c) => org::run(&store, c, &actor).await,
        Command::Stats(a) => stats::run(&store, a).await,
        Command::Import(c) => pipeline::import(&store, c, &actor).await,
        Command::Export(a) => exchange::export(&store, a).await,
        Command::Demo(a) => demo::run(&store, a, &actor).await,
        Command::Candidate(c) => pipeline::candidate(&store, c, &actor).await,
        Command::Dossier(c) => dossier::run(&store, c, &actor).await,
        Command::Due(a) => pipeline::due(&store, a).await,
        Command::Course(c) => pipeline::course(&store, c, &actor).await,
        Command::Holiday(c) => pipeline::holiday(&store, c, &actor).await,
        Command::DifficultArea(c) => pipeline::area(&store, c, &actor).await,
        Command::Report(a) => report::run(&store, a, &actor).await,
        Command::Target(c) => targets::run(&store, c, &actor).await,
        Command::Bench(a) => bench::run(&store, a).await,
        Command::Aggregates(c) => aggregates::run(&store, c, &actor).await,
        Command::Serve(a) => serve::run(&store, a, &actor).await,
        Command::Soak(a) => soak::run(&store, &cli.db, a, &actor).await,
        Command::User(c) => user::run(&store, c, &actor).await,
        Command::Backup(a) => backup::backup(&store, a).await,
        Command::Restore(a) => backup::restore(&store, a).await,
    };
    store.close().await;
    r
}
