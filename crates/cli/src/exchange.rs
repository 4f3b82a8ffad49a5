//! `ketnap import` / `ketnap export`: CSV files of organizations, localities and people
//! (format: docs/import-format.md).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ketnap_domain::Date;
use ketnap_exchange::mapping::{MappedKind, MappedOptions, Mapping, parse_mapping};
use ketnap_exchange::national::ListKind;
use ketnap_exchange::{ExchangeError, ImportOptions, Kind, Progress};
use ketnap_store::Store;

use crate::output::{Format, parse_date, print_json, today};

/// How many bad rows are printed; the rest are counted.
const MAX_ERRORS_SHOWN: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Organization units: code,name,kind,sector,parent_code,valid_from[,valid_to].
    Orgs,
    /// Localities: code,name,kind,commune_code,valid_from,… (population, serving branch).
    Localities,
    /// People: cccd,full_name,sex,birth_date,… and the current status and branch.
    People,
    /// Party members (people; status `official` unless the file says): import from a mapped
    /// spreadsheet; export the list keyed by CCCD for the national party-member database.
    Members,
    /// Candidates (people; status `candidate` unless the file says): as for members.
    Candidates,
    /// Targets: org,period,kind,assigned,registered (import only).
    Targets,
}

impl KindArg {
    /// The plain CSV kind, when there is one.
    fn table(self) -> Option<Kind> {
        match self {
            KindArg::Orgs => Some(Kind::Orgs),
            KindArg::Localities => Some(Kind::Localities),
            KindArg::People => Some(Kind::People),
            _ => None,
        }
    }

    fn mapped(self) -> MappedKind {
        match self {
            KindArg::Orgs => MappedKind::Orgs,
            KindArg::Localities => MappedKind::Localities,
            KindArg::People => MappedKind::People,
            KindArg::Members => MappedKind::Members,
            KindArg::Candidates => MappedKind::Candidates,
            KindArg::Targets => MappedKind::Targets,
        }
    }
}

/// Spreadsheet options of an import: a mapping of columns, a worksheet.
#[derive(Args, Debug, Default)]
pub struct MappingArgs {
    /// Map ketnap's columns onto the file's headers: a saved mapping's name, JSON
    /// (`{"full_name":"Họ và tên"}`), `full_name=Họ và tên;cccd=Số CCCD`, or @FILE.json; columns
    /// left out are suggested from the headers (Vietnamese, diacritics optional). Used for
    /// every .xlsx file; `--mapping auto` asks for suggestions on a CSV file.
    #[arg(long)]
    pub mapping: Option<String>,
    /// Save the mapping used under this name, for next time (`--mapping NAME`).
    #[arg(long)]
    pub save_mapping: Option<String>,
    /// The worksheet of an .xlsx file (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Print the mapping that would be used (suggested and given) and stop.
    #[arg(long)]
    pub suggest: bool,
}

impl MappingArgs {
    pub fn wanted(&self) -> bool {
        self.mapping.is_some()
            || self.save_mapping.is_some()
            || self.sheet.is_some()
            || self.suggest
    }
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    kind: KindArg,
    /// The file: CSV (UTF-8, with or without BOM) or .xlsx.
    file: PathBuf,
    /// Check every row and report what would be created or updated; write nothing.
    #[arg(long)]
    dry_run: bool,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    // The fields of `MappingArgs`, spelled out: clap does not detect an `Option` of flattened
    // arguments that itself flattens more.
    /// Map ketnap's columns onto the file's headers: a saved mapping's name, JSON
    /// (`{"full_name":"Họ và tên"}`), `full_name=Họ và tên;cccd=Số CCCD`, or @FILE.json; columns
    /// left out are suggested from the headers (Vietnamese, diacritics optional). Used for
    /// every .xlsx file; `--mapping auto` asks for suggestions on a CSV file.
    #[arg(long)]
    mapping: Option<String>,
    /// Save the mapping used under this name, for next time (`--mapping NAME`).
    #[arg(long)]
    save_mapping: Option<String>,
    /// The worksheet of an .xlsx file (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// Print the mapping that would be used (suggested and given) and stop.
    #[arg(long)]
    suggest: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// What to export.
    #[arg(value_enum)]
    kind: KindArg,
    /// Only this unit's subtree (orgs: with its superiors, so the file imports on its own).
    #[arg(long)]
    org: Option<String>,
    /// The date of the view (default: today).
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// Write to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// members and candidates: `csv` (default) or `xlsx` (needs --out).
    #[arg(long, value_enum, default_value_t)]
    format: FileFormat,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    #[default]
    Csv,
    Xlsx,
}

/// A progress bar on a terminal (standard error); hidden otherwise.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Bar(ProgressBar::with_draw_target(None, target))
    }
}

impl Progress for Bar {
    fn phase(&self, name: &str, len: u64) {
        let template = if len > 0 {
            "{msg:16} [{bar:40}] {pos}/{len} ({eta})"
        } else {
            "{spinner} {msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.0.set_style(style.progress_chars("=> "));
        }
        self.0.set_message(name.to_string());
        self.0.set_position(0);
        if len > 0 {
            self.0.set_length(len);
        } else {
            self.0
                .enable_steady_tick(std::time::Duration::from_millis(120));
        }
    }

    fn inc(&self, n: u64) {
        self.0.inc(n);
    }
}

pub async fn import(store: &Store, a: ImportArgs, actor: &str) -> Result<()> {
    let data =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let table = a.kind.table();
    let mapping = MappingArgs {
        mapping: a.mapping.clone(),
        save_mapping: a.save_mapping.clone(),
        sheet: a.sheet.clone(),
        suggest: a.suggest,
    };
    if table.is_none()
        || mapping.wanted()
        || ketnap_exchange::sheet::Format::detect(&data) == ketnap_exchange::sheet::Format::Xlsx
    {
        return import_mapped(
            store,
            a.kind.mapped(),
            &a.file,
            &data,
            a.dry_run,
            a.format,
            &mapping,
            actor,
        )
        .await;
    }
    let kind = table.unwrap_or(Kind::People);
    let opts = ImportOptions {
        dry_run: a.dry_run,
        actor: actor.to_string(),
        source: a.file.display().to_string(),
    };
    let bar = Bar::new();
    let result = ketnap_exchange::import(store, kind, &data, &opts, &bar).await;
    bar.0.finish_and_clear();
    match result {
        Ok(r) => {
            if a.format == Format::Json {
                return print_json(&r);
            }
            let outcome = if r.dry_run {
                "dry run: nothing written"
            } else if r.written {
                "written"
            } else {
                "nothing to change"
            };
            println!(
                "{}: {} rows — created {}, updated {}, unchanged {} ({outcome})",
                r.kind, r.rows, r.created, r.updated, r.unchanged
            );
            Ok(())
        }
        Err(ExchangeError::Invalid(errors)) => {
            let mut err = std::io::stderr().lock();
            for e in errors.iter().take(MAX_ERRORS_SHOWN) {
                writeln!(err, "{}: {e}", a.file.display())?;
            }
            if errors.len() > MAX_ERRORS_SHOWN {
                writeln!(err, "… and {} more", errors.len() - MAX_ERRORS_SHOWN)?;
            }
            let rows = {
                let mut r: Vec<usize> = errors.iter().map(|e| e.row).collect();
                r.dedup();
                r.len()
            };
            bail!(
                "{} error(s) in {rows} row(s) of {}; nothing was written",
                errors.len(),
                a.file.display()
            )
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export(store: &Store, a: ExportArgs) -> Result<()> {
    let as_of = a.as_of.unwrap_or_else(today);
    let list = match a.kind {
        KindArg::Members => Some(ListKind::Members),
        KindArg::Candidates => Some(ListKind::Candidates),
        _ => None,
    };
    if let Some(list) = list {
        return export_list(store, list, &a, as_of).await;
    }
    if a.format == FileFormat::Xlsx {
        bail!("--format xlsx is for the members and candidates lists");
    }
    let Some(kind) = a.kind.table() else {
        bail!("targets are not exported (ketnap target list)");
    };
    match &a.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let n = ketnap_exchange::export(
                store,
                kind,
                a.org.as_deref(),
                as_of,
                std::io::BufWriter::new(file),
            )
            .await?;
            eprintln!("{}: {n} rows written to {}", kind.as_str(), path.display());
        }
        None => {
            let out = std::io::stdout();
            ketnap_exchange::export(store, kind, a.org.as_deref(), as_of, out).await?;
        }
    }
    Ok(())
}

/// The members or candidates list keyed by CCCD (CSV or XLSX).
async fn export_list(store: &Store, kind: ListKind, a: &ExportArgs, as_of: Date) -> Result<()> {
    let list = ketnap_exchange::national::list(store, kind, a.org.as_deref(), as_of).await?;
    match (a.format, &a.out) {
        (FileFormat::Xlsx, None) => bail!("--format xlsx needs --out FILE"),
        (FileFormat::Xlsx, Some(path)) => {
            let bytes = ketnap_exchange::national::write_xlsx(&list)?;
            write_new(path, &bytes)?;
        }
        (FileFormat::Csv, Some(path)) => {
            let mut buf = vec![];
            ketnap_exchange::national::write_csv(&list, &mut buf)?;
            write_new(path, &buf)?;
        }
        (FileFormat::Csv, None) => {
            ketnap_exchange::national::write_csv(&list, std::io::stdout().lock())?;
        }
    }
    eprintln!(
        "{}: {} rows keyed by CCCD as of {as_of}{}",
        kind.as_str(),
        list.rows.len(),
        if list.without_cccd > 0 {
            format!(
                "; {} without a CCCD left out (record their CCCD first)",
                list.without_cccd
            )
        } else {
            String::new()
        }
    );
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file renamed into place.
pub fn write_new(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("ketnap-tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The mapping a `--mapping` argument names: a saved name, JSON, `col=Header;…`, or @FILE.
async fn resolve_mapping(store: &Store, kind: MappedKind, spec: Option<&str>) -> Result<Mapping> {
    let Some(spec) = spec
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "auto")
    else {
        return Ok(Mapping::new());
    };
    let text = if let Some(file) = spec.strip_prefix('@') {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))?
    } else if spec.starts_with('{') || spec.contains('=') {
        spec.to_string()
    } else {
        match store.mapping_get(kind.as_str(), spec).await? {
            Some(m) => m,
            None => bail!("no saved mapping {spec:?} for {}", kind.as_str()),
        }
    };
    parse_mapping(kind, &text).map_err(anyhow::Error::msg)
}

/// An import through a column mapping (XLSX, or CSV with other headers).
#[allow(clippy::too_many_arguments)]
pub async fn import_mapped(
    store: &Store,
    kind: MappedKind,
    file: &std::path::Path,
    data: &[u8],
    dry_run: bool,
    format: Format,
    m: &MappingArgs,
    actor: &str,
) -> Result<()> {
    let mapping = resolve_mapping(store, kind, m.mapping.as_deref()).await?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if m.suggest {
        let format = ketnap_exchange::sheet::Format::detect(data);
        let sheet = ketnap_exchange::sheet::read(
            data,
            format,
            m.sheet.as_deref(),
            &ketnap_exchange::sheet::Limits::default(),
        )
        .map_err(|e| {
            anyhow::anyhow!(
                "{}",
                e.iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })?;
        let check = ketnap_exchange::mapping::complete(kind, &sheet.headers, &mapping);
        return print_json(&check);
    }
    let opts = MappedOptions {
        import: ImportOptions {
            dry_run,
            actor: actor.to_string(),
            source: name,
        },
        mapping,
        sheet: m.sheet.clone(),
        limits: ketnap_exchange::sheet::Limits::default(),
    };
    let r = ketnap_exchange::mapping::import_mapped(store, kind, data, &opts).await?;
    if r.errors.is_empty()
        && let Some(save) = &m.save_mapping
    {
        store
            .mapping_save(
                kind.as_str(),
                save,
                &serde_json::to_string(&r.mapping)?,
                actor,
            )
            .await?;
        eprintln!("mapping saved as {save:?} (use --mapping {save})");
    }
    if format == Format::Json {
        print_json(&r)?;
    } else if r.errors.is_empty() {
        let outcome = if r.dry_run {
            "dry run: nothing written"
        } else if r.written {
            "written"
        } else {
            "nothing to change"
        };
        println!(
            "{}: {} rows — created {}, updated {}, unchanged {} ({outcome})",
            r.kind, r.rows, r.created, r.updated, r.unchanged
        );
        let cols: Vec<String> = r.mapping.iter().map(|(k, v)| format!("{k}={v}")).collect();
        eprintln!("mapping: {}", cols.join("; "));
        if !r.ignored_columns.is_empty() {
            eprintln!("ignored columns: {}", r.ignored_columns.join(", "));
        }
    }
    if !r.errors.is_empty() {
        if format != Format::Json {
            let mut err = std::io::stderr().lock();
            for e in r.errors.iter().take(MAX_ERRORS_SHOWN) {
                writeln!(err, "{}: {e}", file.display())?;
            }
            if r.errors.len() > MAX_ERRORS_SHOWN {
                writeln!(err, "… and {} more", r.errors.len() - MAX_ERRORS_SHOWN)?;
            }
        }
        let mut rows: Vec<usize> = r.errors.iter().map(|e| e.row).collect();
        rows.dedup();
        bail!(
            "{} error(s) in {} row(s) of {}; nothing was written",
            r.errors.len(),
            rows.len(),
            file.display()
        );
    }
    Ok(())
}
