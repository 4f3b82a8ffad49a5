//! `ketnap serve`: the HTTP server (JSON API, health, front page) on an address.

use anyhow::{Context, Result};
use clap::Args;
use ketnap_store::Store;
use tokio::net::TcpListener;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the line printed on start tells which).
    #[arg(long, env = "KETNAP_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
}

/// Binds, prints `ketnap listening on http://ADDR` (the one line on stdout), and serves until
/// Ctrl-C or SIGTERM.
pub async fn run(store: &Store, a: ServeArgs) -> Result<()> {
    let listener = TcpListener::bind(&a.addr)
        .await
        .with_context(|| format!("cannot listen on {}", a.addr))?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    if !store.has_units().await? {
        eprintln!(
            "The database holds no organizations yet: load demo data with `ketnap demo --scale small`."
        );
    }
    println!("ketnap listening on http://{addr}");
    ketnap_web::serve(listener, store.clone()).await?;
    Ok(())
}
