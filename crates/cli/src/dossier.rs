//! `ketnap dossier forms|print`: the dossier forms of a case (3-, 5-, 6-, 8-, 9-, 16-KNĐ)
//! pre-filled from what is recorded, as DOCX files.
//!
//! `forms` lists them with what each still needs; `print` writes one (`--form 6-KNĐ` or
//! `6-KND`), or — when the case lacks data the form needs — lists the missing fields, writes no
//! file and fails. A print is recorded in the audit trail (`case.print`) like a dossier view.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use clap::{Args, Subcommand};
use ketnap_domain::Date;
use ketnap_domain::pipeline::forms::PrintForm;
use ketnap_exchange::forms::{self, PrintError};
use ketnap_store::Store;
use serde_json::json;

use crate::output::{Format, parse_date, print_json, today};

fn parse_form(s: &str) -> Result<PrintForm, String> {
    PrintForm::parse(s).ok_or_else(|| {
        let codes: Vec<&str> = PrintForm::ALL.iter().map(|f| f.code()).collect();
        format!(
            "{s:?} is not a form ketnap prints: use {} (KND for KNĐ is fine)",
            codes.join(", ")
        )
    })
}

#[derive(Subcommand, Debug)]
pub enum DossierCommand {
    /// The printable forms of a case: ready, or the recorded data each still needs.
    Forms {
        #[arg(long = "case")]
        case: i64,
        /// Judge the structure as of this date (default today).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print one form as DOCX; refused (no file, non-zero exit) with the missing fields when
    /// the case is not ready for it.
    Print(PrintArgs),
}

#[derive(Args, Debug)]
pub struct PrintArgs {
    #[arg(long = "case")]
    pub case: i64,
    /// 3-KNĐ, 5-KNĐ, 6-KNĐ, 8-KNĐ, 9-KNĐ or 16-KNĐ (or 6-KND…).
    #[arg(long, value_parser = parse_form)]
    pub form: PrintForm,
    /// The DOCX file to write.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// Print birth years only (as roles that see sensitive fields masked get them).
    #[arg(long)]
    pub mask_birth_date: bool,
}

pub async fn run(store: &Store, c: DossierCommand, actor: &str) -> Result<()> {
    match c {
        DossierCommand::Forms {
            case,
            as_of,
            format,
        } => {
            let as_of = as_of.unwrap_or_else(today);
            let list = forms::list(store, case, as_of).await?;
            if format == Format::Json {
                return print_json(&json!({ "case_id": case, "as_of": as_of, "forms": list }));
            }
            println!("Biểu mẫu của hồ sơ #{case} / forms of case #{case}:");
            for f in &list {
                let state = if !f.applicable {
                    "không áp dụng / not applicable".to_string()
                } else if f.ready {
                    format!("sẵn sàng / ready ({} trang)", f.pages)
                } else {
                    "còn thiếu / missing:".to_string()
                };
                println!("  {:<7} {:<68} {state}", f.form.code(), f.form.title_vi());
                if f.applicable && !f.ready {
                    for m in &f.missing {
                        println!("            - {} [{}]", m.label_vi, m.field);
                    }
                }
            }
            Ok(())
        }
        DossierCommand::Print(a) => {
            let as_of = a.as_of.unwrap_or_else(today);
            match forms::print(store, a.case, a.form, as_of, a.mask_birth_date, actor).await {
                Ok(p) => {
                    std::fs::write(&a.out, &p.bytes)
                        .with_context(|| format!("writing {}", a.out.display()))?;
                    println!(
                        "{} of case #{} written to {} ({} page(s), {} bytes)",
                        p.form,
                        a.case,
                        a.out.display(),
                        p.pages,
                        p.bytes.len()
                    );
                    Ok(())
                }
                Err(PrintError::Incomplete { form, missing }) => {
                    let lines: Vec<String> = forms::describe_missing(&missing)
                        .into_iter()
                        .map(|l| format!("  - {l}"))
                        .collect();
                    Err(anyhow!(
                        "{form} of case #{} cannot be printed yet; nothing was written. Record first:\n{}",
                        a.case,
                        lines.join("\n")
                    ))
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}
