// Writes gathered in Rust and sent to the database in one round trip. On SQLite the statements
// go in one call, the driver running them in turn on its worker thread (each statement of a
// write otherwise costs a hand-over to that thread and back, more than the SQL of most); on
// PostgreSQL they become the parts of one statement (data-modifying `WITH` clauses). Each part
// then sees the data as it was before the statement, so the parts must not depend on each
// other's effects: gathered writes touch different rows, and what must read a write's result
// runs after [`Writes::run`].

use chrono::{DateTime, Utc};
use ketnap_domain::Date;
use sqlx::AssertSqlSafe;

use crate::error::Result;

type Conn = <DB as sqlx::Database>::Connection;

/// A value bound to a gathered statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Int(Option<i64>),
    Int32(i32),
    Text(Option<String>),
    Bool(bool),
    Day(Option<Date>),
    Time(DateTime<Utc>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}

impl From<i32> for Arg {
    fn from(v: i32) -> Self {
        Arg::Int32(v)
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

impl From<Date> for Arg {
    fn from(v: Date) -> Self {
        Arg::Day(Some(v))
    }
}

impl From<Option<Date>> for Arg {
    fn from(v: Option<Date>) -> Self {
        Arg::Day(v)
    }
}

impl From<DateTime<Utc>> for Arg {
    fn from(v: DateTime<Utc>) -> Self {
        Arg::Time(v)
    }
}

/// Statements to run together, each written with its own `$1…$n`.
#[derive(Debug, Default)]
pub struct Writes {
    parts: Vec<String>,
    args: Vec<Arg>,
    /// The part whose `RETURNING` rows [`Writes::run`] gives back.
    returning: Option<usize>,
}

impl Writes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a statement and its values.
    pub fn push(&mut self, sql: &str, args: Vec<Arg>) {
        self.parts.push(renumber(sql, self.args.len()));
        self.args.extend(args);
    }

    /// Adds the statement (one at most) whose `RETURNING` rows [`Writes::run`] gives back.
    pub fn push_returning(&mut self, sql: &str, args: Vec<Arg>) {
        self.returning = Some(self.parts.len());
        self.push(sql, args);
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Runs the statements in one round trip; the rows of the `RETURNING` part, if any.
    pub async fn run(self, conn: &mut Conn) -> Result<Vec<<DB as sqlx::Database>::Row>> {
        if self.parts.is_empty() {
            return Ok(vec![]);
        }
        let sql = match BACKEND {
            _ if self.parts.len() == 1 => self.parts.join(""),
            crate::db::Backend::Sqlite => self.parts.join(";\n"),
            crate::db::Backend::Postgres => {
                let parts: Vec<String> = self
                    .parts
                    .iter()
                    .enumerate()
                    .map(|(i, p)| format!("w{i} AS ({p})"))
                    .collect();
                let last = match self.returning {
                    Some(i) => format!("SELECT * FROM w{i}"),
                    None => "SELECT 1".to_string(),
                };
                format!("WITH {} {last}", parts.join(", "))
            }
        };
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for a in self.args {
            q = match a {
                Arg::Int(v) => q.bind(v),
                Arg::Int32(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Day(v) => q.bind(v),
                Arg::Time(v) => q.bind(v),
            };
        }
        let rows = q.fetch_all(&mut *conn).await?;
        Ok(if self.returning.is_some() { rows } else { vec![] })
    }
}

/// `sql` with every `$k` made `$(k + offset)`.
fn renumber(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut n: usize = 0;
        let mut digits = false;
        while let Some(&(_, d)) = chars.peek() {
            let Some(v) = d.to_digit(10) else { break };
            n = n * 10 + v as usize;
            digits = true;
            chars.next();
        }
        if digits {
            out.push_str(&(n + offset).to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::renumber;

    #[test]
    fn placeholders_are_shifted() {
        assert_eq!(renumber("SELECT $1, $12 FROM t WHERE a = $2", 3), "SELECT $4, $15 FROM t WHERE a = $5");
        assert_eq!(renumber("SELECT $1", 0), "SELECT $1");
        assert_eq!(renumber("SELECT '$' || $1", 10), "SELECT '$' || $11");
    }
}
