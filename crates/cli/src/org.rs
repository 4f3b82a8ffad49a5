//! `ketnap org …`: the organization tree as of a date, lineage, and structure operations.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use ketnap_domain::Date;
use ketnap_domain::org::{NewUnit, Operation, OrgKind, Sector, SplitPart, Target};
use ketnap_store::{OrgRecord, Store, TreeNode};

use crate::output::{Format, parse_date, print_json, today, vi_date};

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Show the tree as of a date (default: today). Without --root, starts at the national
    /// root and shows 2 levels unless --depth says otherwise.
    Tree {
        /// Code of the unit to start from.
        #[arg(long)]
        root: Option<String>,
        /// Date of the structure to show (YYYY-MM-DD or dd/mm/yyyy).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        /// Levels below the root to show.
        #[arg(long)]
        depth: Option<i32>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// A unit's history: names, superiors, predecessors, successors, and today's heir.
    History {
        code: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Create a unit (thành lập).
    Create {
        #[command(flatten)]
        unit: NewUnitArgs,
        #[arg(long, value_parser = parse_date)]
        date: Date,
    },
    /// Rename a unit from a date (đổi tên).
    Rename {
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_date)]
        date: Date,
    },
    /// Move a unit under another superior from a date (điều chuyển).
    Move {
        code: String,
        #[arg(long)]
        to: String,
        #[arg(long, value_parser = parse_date)]
        date: Date,
    },
    /// Merge units (sáp nhập): into an existing unit (--into) or a new one (--new-code …).
    Merge {
        /// Codes of the units that end.
        #[arg(required = true)]
        sources: Vec<String>,
        /// An existing unit that absorbs the sources.
        #[arg(long, conflicts_with = "new_code")]
        into: Option<String>,
        #[command(flatten)]
        new: OptionalNewUnit,
        #[arg(long, value_parser = parse_date)]
        date: Date,
    },
    /// Split a unit (chia tách) into new units of the same kind under the same superior.
    /// Each --part is CODE=NAME:CHILD,CHILD…; --primary names the part that inherits history.
    Split {
        code: String,
        #[arg(long = "part", required = true)]
        parts: Vec<String>,
        #[arg(long)]
        primary: Option<String>,
        /// The source continues (keeps the children not given to a part).
        #[arg(long)]
        continues: bool,
        #[arg(long, value_parser = parse_date)]
        date: Date,
    },
    /// Dissolve a unit with no subordinate units left (giải thể).
    Dissolve {
        code: String,
        #[arg(long, value_parser = parse_date)]
        date: Date,
    },
}

#[derive(Args, Debug)]
pub struct NewUnitArgs {
    #[arg(long)]
    code: String,
    #[arg(long)]
    name: String,
    /// central, provincial_committee, direct_committee, grassroots_committee,
    /// grassroots_branch, sub_committee, branch.
    #[arg(long, value_parser = parse_kind)]
    kind: OrgKind,
    /// commune, ward, village, school, enterprise… (see docs/import-format.md).
    #[arg(long, value_parser = parse_sector)]
    sector: Sector,
    /// Code of the superior organization.
    #[arg(long)]
    parent: Option<String>,
}

#[derive(Args, Debug)]
pub struct OptionalNewUnit {
    /// Code of the new merged unit.
    #[arg(long)]
    new_code: Option<String>,
    #[arg(long, requires = "new_code")]
    new_name: Option<String>,
    #[arg(long, requires = "new_code", value_parser = parse_kind)]
    kind: Option<OrgKind>,
    #[arg(long, requires = "new_code", value_parser = parse_sector)]
    sector: Option<Sector>,
    #[arg(long, requires = "new_code")]
    parent: Option<String>,
}

fn parse_kind(s: &str) -> Result<OrgKind, String> {
    OrgKind::parse(s).ok_or_else(|| {
        format!(
            "unknown kind {s:?}; one of: {}",
            OrgKind::ALL.map(|k| k.as_str()).join(", ")
        )
    })
}

fn parse_sector(s: &str) -> Result<Sector, String> {
    Sector::parse(s).ok_or_else(|| {
        format!(
            "unknown sector {s:?}; one of: {}",
            Sector::ALL.map(|k| k.as_str()).join(", ")
        )
    })
}

async fn id_of(store: &Store, code: &str) -> Result<i64> {
    Ok(store.org_required(code).await?.id)
}

async fn new_unit(store: &Store, a: NewUnitArgs) -> Result<NewUnit> {
    let parent = match &a.parent {
        Some(p) => Some(id_of(store, p).await?),
        None => None,
    };
    Ok(NewUnit {
        code: a.code,
        name: a.name,
        kind: a.kind,
        sector: a.sector,
        parent,
    })
}

pub async fn run(store: &Store, cmd: OrgCommand, actor: &str) -> Result<()> {
    let op = match cmd {
        OrgCommand::Tree {
            root,
            as_of,
            depth,
            format,
        } => return tree(store, root, as_of, depth, format).await,
        OrgCommand::History { code, format } => return history(store, &code, format).await,
        OrgCommand::Create { unit, date } => Operation::Create {
            unit: new_unit(store, unit).await?,
            date,
        },
        OrgCommand::Rename { code, name, date } => Operation::Rename {
            unit: id_of(store, &code).await?,
            name,
            date,
        },
        OrgCommand::Move { code, to, date } => Operation::Move {
            unit: id_of(store, &code).await?,
            new_parent: id_of(store, &to).await?,
            date,
        },
        OrgCommand::Merge {
            sources,
            into,
            new,
            date,
        } => {
            let mut ids = vec![];
            for s in &sources {
                ids.push(id_of(store, s).await?);
            }
            let into = match (into, new.new_code) {
                (Some(code), _) => Target::Existing(id_of(store, &code).await?),
                (None, Some(code)) => {
                    let first = store.org_required(&sources[0]).await?;
                    let parent = match new.parent {
                        Some(p) => Some(id_of(store, &p).await?),
                        None => None,
                    };
                    Target::New(NewUnit {
                        name: new
                            .new_name
                            .context("--new-name is required with --new-code")?,
                        code,
                        kind: new.kind.unwrap_or(first.kind),
                        sector: new.sector.unwrap_or(first.sector),
                        parent: parent.or(parent_on(store, first.id, date).await?),
                    })
                }
                (None, None) => {
                    bail!("say where the units go: --into CODE or --new-code CODE --new-name NAME")
                }
            };
            Operation::Merge {
                sources: ids,
                into,
                date,
            }
        }
        OrgCommand::Split {
            code,
            parts,
            primary,
            continues,
            date,
        } => {
            let src = store.org_required(&code).await?;
            let parent = parent_on(store, src.id, date).await?;
            let mut out = vec![];
            for p in &parts {
                let (head, children) = p.split_once(':').unwrap_or((p.as_str(), ""));
                let Some((pcode, pname)) = head.split_once('=') else {
                    bail!("--part {p:?}: write CODE=NAME:CHILD,CHILD…");
                };
                let mut kids = vec![];
                for c in children.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                    kids.push(id_of(store, c).await?);
                }
                out.push(SplitPart {
                    target: Target::New(NewUnit {
                        code: pcode.trim().to_string(),
                        name: pname.trim().to_string(),
                        kind: src.kind,
                        sector: src.sector,
                        parent,
                    }),
                    children: kids,
                    primary: primary
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(pcode.trim())),
                });
            }
            Operation::Split {
                source: src.id,
                parts: out,
                source_continues: continues,
                date,
            }
        }
        OrgCommand::Dissolve { code, date } => Operation::Dissolve {
            unit: id_of(store, &code).await?,
            date,
        },
    };
    let created = store.org_apply(&op, actor).await?;
    let mut names = vec![];
    for id in created {
        if let Some(u) = store.org_by_id(id).await? {
            names.push(format!("{} ({})", u.code, u.name));
        }
    }
    if names.is_empty() {
        println!("done: {} on {}", op.name(), vi_date(op.date()));
    } else {
        println!(
            "done: {} on {}; created {}",
            op.name(),
            vi_date(op.date()),
            names.join(", ")
        );
    }
    Ok(())
}

async fn parent_on(store: &Store, id: i64, date: Date) -> Result<Option<i64>> {
    let day_before = date.pred_opt().unwrap_or(date);
    let node = store.org_subtree(id, day_before, 0).await?;
    Ok(node.first().and_then(|n| n.parent_id))
}

async fn tree(
    store: &Store,
    root: Option<String>,
    as_of: Option<Date>,
    depth: Option<i32>,
    format: Format,
) -> Result<()> {
    let on = as_of.unwrap_or_else(today);
    let (roots, depth) = match &root {
        Some(code) => {
            let u: OrgRecord = store.org_required(code).await?;
            if !u.period.contains(on) {
                bail!(
                    "{} did not exist on {} (it existed {}); try another --as-of",
                    u.code,
                    vi_date(on),
                    u.period
                );
            }
            (vec![u.id], depth.unwrap_or(i32::MAX))
        }
        None => (store.org_roots(on).await?, depth.unwrap_or(2)),
    };
    let mut nodes: Vec<TreeNode> = vec![];
    for r in roots {
        nodes.extend(store.org_subtree(r, on, depth).await?);
    }
    match format {
        Format::Json => print_json(&serde_json::json!({ "as_of": on, "units": nodes })),
        Format::Table => {
            print_tree(&nodes);
            println!("({} units as of {})", nodes.len(), vi_date(on));
            Ok(())
        }
    }
}

/// Prints nodes (ordered by depth) as an indented tree.
fn print_tree(nodes: &[TreeNode]) {
    use std::collections::HashMap;
    let mut children: HashMap<Option<i64>, Vec<&TreeNode>> = HashMap::new();
    let ids: std::collections::HashSet<i64> = nodes.iter().map(|n| n.id).collect();
    let mut tops = vec![];
    for n in nodes {
        match n.parent_id {
            Some(p) if ids.contains(&p) => children.entry(Some(p)).or_default().push(n),
            _ => tops.push(n),
        }
    }
    let mut stack: Vec<(&TreeNode, usize)> = tops.into_iter().rev().map(|n| (n, 0)).collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    use std::io::Write;
    while let Some((n, level)) = stack.pop() {
        let _ = writeln!(
            out,
            "{}{}  {}  [{}]",
            "  ".repeat(level),
            n.code,
            n.name,
            n.kind.label_vi()
        );
        if let Some(cs) = children.get(&Some(n.id)) {
            for c in cs.iter().rev() {
                stack.push((c, level + 1));
            }
        }
    }
}

async fn history(store: &Store, code: &str, format: Format) -> Result<()> {
    let u = store.org_required(code).await?;
    let Some(h) = store.org_history(u.id).await? else {
        bail!("organization {code} not found")
    };
    if format == Format::Json {
        return print_json(&h);
    }
    let span = |p: &ketnap_domain::Period| match p.to {
        Some(t) => format!(
            "{} – {}",
            vi_date(p.from),
            vi_date(t.pred_opt().unwrap_or(t))
        ),
        None => format!("{} –", vi_date(p.from)),
    };
    println!(
        "{}  {}  [{}]  {}",
        h.unit.code,
        h.unit.name,
        h.unit.kind.label_vi(),
        span(&h.unit.period)
    );
    println!("Names:");
    for n in &h.names {
        println!("  {}  {}", span(&n.period), n.name);
    }
    println!("Superiors:");
    for p in &h.parents {
        println!("  {}  {} {}", span(&p.period), p.parent.code, p.parent.name);
    }
    if !h.predecessors.is_empty() {
        println!("Predecessors:");
        for e in &h.predecessors {
            println!(
                "  {} {} {} {}",
                vi_date(e.date),
                e.kind.as_str(),
                e.unit.code,
                e.unit.name
            );
        }
    }
    if !h.successors.is_empty() {
        println!("Successors:");
        for e in &h.successors {
            let p = if e.primary { " (inherits history)" } else { "" };
            println!(
                "  {} {} {} {}{p}",
                vi_date(e.date),
                e.kind.as_str(),
                e.unit.code,
                e.unit.name
            );
        }
    }
    match &h.unit.heir {
        Some(r) if r.id != h.unit.id => println!("History now belongs to: {} {}", r.code, r.name),
        Some(_) => {}
        None => println!("History now belongs to: (no current unit)"),
    }
    Ok(())
}
