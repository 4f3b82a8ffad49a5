//! `ketnap user`: accounts for the web (người dùng) — add, list, disable/enable, password reset,
//! API tokens created, listed and revoked one by one — and the
//! demo accounts `ketnap serve --demo` creates.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use ketnap_domain::access::Role;
use ketnap_domain::org::OrgKind;
use ketnap_store::Store;
use ketnap_store::auth_api::NewUser;

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user with a role confined to the subtree of a unit (admin: everything).
    Add(AddArgs),
    /// List the users.
    List,
    /// Disable a user: their sessions end and their API tokens stop working.
    Disable { username: String },
    /// Enable a disabled user again (tokens revoked by disabling stay revoked).
    Enable { username: String },
    /// Reset a user's password (read from the first line of standard input); every session of
    /// the user ends.
    Password { username: String },
    /// List a user's API tokens (id, name, created, last used, revoked).
    Tokens { username: String },
    /// Revoke one API token of a user (its id from `ketnap user tokens`); the others keep
    /// working.
    Revoke { username: String, id: i64 },
    /// Create an API token for an integration (`Authorization: Bearer …`); printed once, only
    /// its hash is kept.
    Token {
        username: String,
        /// Recorded as the actor of its writes (`token:NAME`); the username by default.
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct AddArgs {
    username: String,
    /// admin, committee_staff, branch_secretary, political_centre or viewer.
    #[arg(long)]
    role: String,
    /// The unit whose subtree the user works in (required for every role but admin).
    #[arg(long)]
    org: Option<String>,
    /// Read the password (at least 10 characters) from the first line of standard input;
    /// without it the account signs in with API tokens only.
    #[arg(long)]
    password_stdin: bool,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn parse_role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        anyhow!("unknown role {s:?}: one of {}", all.join(", "))
    })
}

pub async fn run(store: &Store, c: UserCommand, actor: &str) -> Result<()> {
    match c {
        UserCommand::Add(a) => {
            let role = parse_role(&a.role)?;
            let password = if a.password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let u = store
                .user_create(
                    &NewUser {
                        username: a.username,
                        password,
                        role,
                        org_code: a.org,
                    },
                    now(),
                    actor,
                )
                .await?;
            println!(
                "created {} ({}, {}){}",
                u.username,
                u.role.as_str(),
                u.org.as_ref().map_or("every unit".to_string(), |o| format!(
                    "{} {}",
                    o.code, o.name
                )),
                if u.has_password {
                    ""
                } else {
                    " — no password: use `ketnap user token`"
                }
            );
        }
        UserCommand::List => {
            for u in store.users().await? {
                println!(
                    "{:<16} {:<17} {:<12} {}{}",
                    u.username,
                    u.role.as_str(),
                    u.org.as_ref().map_or("-", |o| o.code.as_str()),
                    u.org.as_ref().map_or("", |o| o.name.as_str()),
                    if u.disabled { "  [disabled]" } else { "" }
                );
            }
        }
        UserCommand::Disable { username } => {
            if !store.user_disable(&username, actor).await? {
                bail!("no user {username:?}");
            }
            println!("disabled {username}");
        }
        UserCommand::Enable { username } => {
            if !store.user_enable(&username, actor).await? {
                bail!("no user {username:?}");
            }
            println!("enabled {username}");
        }
        UserCommand::Password { username } => {
            let password = read_password()?;
            store
                .user_set_password(&username, &password, now(), actor)
                .await?;
            println!("password reset for {username}; their sessions have ended");
        }
        UserCommand::Tokens { username } => {
            let tokens = store.tokens(&username).await?;
            if tokens.is_empty() {
                println!("{username} has no API token");
            }
            for t in tokens {
                println!(
                    "{:>5}  {:<24} created {}  last used {}{}",
                    t.id,
                    t.name,
                    t.created_at.format("%d/%m/%Y %H:%M UTC"),
                    t.last_used.map_or("never".to_string(), |u| u
                        .format("%d/%m/%Y %H:%M UTC")
                        .to_string()),
                    if t.revoked { "  [revoked]" } else { "" }
                );
            }
        }
        UserCommand::Revoke { username, id } => {
            if !store.token_revoke(&username, id, actor).await? {
                bail!(
                    "{username} has no live API token {id} (see `ketnap user tokens {username}`)"
                );
            }
            println!("revoked token {id} of {username}");
        }
        UserCommand::Token { username, name } => {
            let name = name.unwrap_or_else(|| username.trim().to_ascii_lowercase());
            let token = store.token_create(&username, &name, now(), actor).await?;
            eprintln!(
                "API token for {username} (shown once; send it as `Authorization: Bearer TOKEN`):"
            );
            println!("{token}");
        }
    }
    Ok(())
}

/// A password from the first line of standard input (prompted on a terminal).
fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        eprintln!("Password (at least 10 characters), then Enter:");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        bail!("no password on standard input");
    }
    Ok(p)
}

/// The demo accounts' password (printed by `ketnap serve --demo`).
pub const DEMO_PASSWORD: &str = "ketnap-demo-2026";

/// Creates one demo user per role when the database has no user yet, on units of the small
/// demo that exist today: the province (`admin`, `tinh`, `trungtam`, `lanhdao`), a commune
/// (`xa`) and one of its branches (`chibo`). Returns the accounts created, for the banner.
pub async fn demo_users(store: &Store, actor: &str) -> Result<Vec<(String, Role, String)>> {
    if !store.users().await?.is_empty() {
        return Ok(vec![]);
    }
    let today = chrono::Local::now().date_naive();
    let province = match store.org_by_code("T15").await? {
        Some(u) => u,
        None => {
            let root = store
                .org_roots(today)
                .await?
                .first()
                .copied()
                .ok_or_else(|| anyhow!("no organization to attach demo users to"))?;
            let nodes = store.org_subtree(root, today, 1).await?;
            let pick = nodes
                .iter()
                .find(|n| n.depth == 1)
                .or(nodes.first())
                .ok_or_else(|| anyhow!("no organization to attach demo users to"))?;
            store.org_required(&pick.code).await?
        }
    };
    let under = store.org_subtree(province.id, today, 3).await?;
    // A commune committee with a village branch under it (Y Tý if it is there).
    let communes: Vec<_> = under
        .iter()
        .filter(|n| n.depth == 1 && n.kind == OrgKind::GrassrootsCommittee)
        .collect();
    let commune = communes
        .iter()
        .find(|n| n.code == "X02701")
        .or(communes.first())
        .copied();
    let branch = commune.and_then(|c| {
        under
            .iter()
            .find(|n| n.parent_id == Some(c.id) && n.kind == OrgKind::Branch)
    });
    let commune_code = commune.map_or(province.code.clone(), |c| c.code.clone());
    let branch_code = branch.map_or(commune_code.clone(), |b| b.code.clone());
    let accounts = [
        ("admin", Role::Admin, province.code.clone()),
        ("tinh", Role::CommitteeStaff, province.code.clone()),
        ("xa", Role::CommitteeStaff, commune_code),
        ("chibo", Role::BranchSecretary, branch_code),
        ("trungtam", Role::PoliticalCentre, province.code.clone()),
        ("lanhdao", Role::Viewer, province.code.clone()),
    ];
    let mut out = vec![];
    for (name, role, org) in accounts {
        store
            .user_create(
                &NewUser {
                    username: name.into(),
                    password: Some(DEMO_PASSWORD.into()),
                    role,
                    org_code: Some(org.clone()),
                },
                now(),
                actor,
            )
            .await?;
        out.push((name.to_string(), role, org));
    }
    Ok(out)
}
