//! Output helpers shared by commands: formats, dates, error descriptions.

use clap::ValueEnum;
use ketnap_domain::Date;
use ketnap_store::StoreError;

/// How a command prints its result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    #[default]
    Table,
    /// JSON (stable field names, for scripts).
    Json,
}

/// Parses a date argument: `YYYY-MM-DD` or `dd/mm/yyyy`.
pub fn parse_date(s: &str) -> Result<Date, String> {
    ketnap_domain::dates::parse_date(s)
        .ok_or_else(|| format!("{s:?} is not a date (use YYYY-MM-DD or dd/mm/yyyy)"))
}

/// Today, as a civil date (local clock).
pub fn today() -> Date {
    chrono::Local::now().date_naive()
}

/// Vietnamese date format, `dd/mm/yyyy`.
pub fn vi_date(d: Date) -> String {
    ketnap_domain::text::vi::date(d)
}

/// Prints a value as pretty JSON.
pub fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// One line per broken rule for refusals; the plain message otherwise.
pub fn describe(e: &anyhow::Error) -> String {
    if let Some(StoreError::Rule(d)) = e.downcast_ref::<StoreError>() {
        let lines: Vec<String> = d
            .violations()
            .iter()
            .map(|v| format!("  - {}: {} [rule {}]", v.field, v.message, v.rule))
            .collect();
        return format!("refused:\n{}", lines.join("\n"));
    }
    format!("{e:#}")
}
