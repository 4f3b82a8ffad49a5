//! `ketnap serve`: the HTTP server (JSON API, health, front page) on an address.

use anyhow::{Context, Result};
use clap::Args;
use ketnap_demo::Scale;
use ketnap_store::Store;
use tokio::net::TcpListener;

/// The seed of the demo data `--demo` loads (the same as `ketnap demo`'s default).
const DEMO_SEED: u64 = 1;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the line printed on start tells which).
    #[arg(long, env = "KETNAP_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// When the database holds no organizations yet, load the small demo data set first
    /// (as `ketnap demo --scale small` does).
    #[arg(long)]
    demo: bool,
}

/// Binds, loads the demo data if asked and the database is empty, prints
/// `ketnap listening on http://ADDR` (the one line on stdout), and serves until Ctrl-C or
/// SIGTERM.
pub async fn run(store: &Store, a: ServeArgs, actor: &str) -> Result<()> {
    let listener = TcpListener::bind(&a.addr)
        .await
        .with_context(|| format!("cannot listen on {}", a.addr))?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    if !store.has_units().await? {
        if a.demo {
            eprintln!("The database is empty: loading the small demo data set…");
            let bar = crate::demo::progress_bar(Scale::Small);
            let r = crate::demo::load(store, Scale::Small, DEMO_SEED, actor, Some(&bar)).await;
            bar.finish_and_clear();
            let r = r.context("loading the demo data")?;
            eprintln!(
                "Demo data loaded: {} rows in {:.1} s.",
                r.rows(),
                r.elapsed.as_secs_f64()
            );
        } else {
            eprintln!(
                "The database holds no organizations yet: load demo data with `ketnap demo --scale small` (or start with `ketnap serve --demo`)."
            );
        }
    }
    if a.demo {
        let created = crate::user::demo_users(store, actor)
            .await
            .context("creating the demo users")?;
        if !created.is_empty() {
            eprintln!(
                "Demo accounts (password `{}`), sign in at http://{addr}/login or POST /api/v1/login:",
                crate::user::DEMO_PASSWORD
            );
            for (name, role, org) in &created {
                eprintln!(
                    "  {name:<9} {:<17} {org:<12} {}",
                    role.as_str(),
                    role.label_vi()
                );
            }
        }
    } else if store.users().await?.is_empty() {
        eprintln!(
            "No web accounts yet: create one with `ketnap user add admin --role admin --org TW --password-stdin` (or start with `ketnap serve --demo`)."
        );
    }
    println!("ketnap listening on http://{addr}");
    ketnap_web::serve(listener, store.clone()).await?;
    Ok(())
}
