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

/// Runs gathered statements against a scratch table on one of `pool`'s connections and checks
/// what they did (a test of this engine, called by `db::tests`).
#[cfg(test)]
pub async fn exercise(pool: &sqlx::Pool<DB>) -> Result<()> {
    use crate::error::StoreError;
    use sqlx::Row;
    let fail = |what: &str| Err(StoreError::Corrupt(what.to_string()));
    let mut conn = pool.acquire().await?;
    sqlx::query("CREATE TEMPORARY TABLE writes_check (k BIGINT PRIMARY KEY, v TEXT NOT NULL, d DATE)")
        .execute(&mut *conn)
        .await?;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default();
    // Three statements, the values of each numbered from $1: bound in turn.
    let mut w = Writes::new();
    w.push("INSERT INTO writes_check (k, v, d) VALUES ($1, $2, $3)", vec![Arg::from(1_i64), "a".into(), day.into()]);
    w.push_returning(
        "INSERT INTO writes_check (k, v, d) VALUES ($1, $2, $3) RETURNING k, v",
        vec![Arg::from(2_i64), "b".into(), Option::<Date>::None.into()],
    );
    w.push(
        "INSERT INTO writes_check (k, v) VALUES ($1, $2), ($3, $4)",
        vec![Arg::from(3_i64), "c".into(), 4_i64.into(), "d".into()],
    );
    let rows = w.run(&mut conn).await?;
    if rows.len() != 1 || rows[0].try_get::<i64, _>("k")? != 2 || rows[0].try_get::<String, _>("v")? != "b" {
        return fail("the RETURNING part's row");
    }
    let all: Vec<(i64, String, Option<Date>)> = sqlx::query_as("SELECT k, v, d FROM writes_check ORDER BY k")
        .fetch_all(&mut *conn)
        .await?;
    let want = vec![
        (1, "a".to_string(), Some(day)),
        (2, "b".to_string(), None),
        (3, "c".to_string(), None),
        (4, "d".to_string(), None),
    ];
    if all != want {
        return fail("the rows written");
    }
    // Without a RETURNING part nothing comes back; a failing part fails the whole call, and in
    // a transaction nothing of it stays.
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    let mut w = Writes::new();
    w.push("UPDATE writes_check SET v = $1 WHERE k = $2", vec![Arg::from("x"), 1_i64.into()]);
    w.push("INSERT INTO writes_check (k, v) VALUES ($1, $2)", vec![Arg::from(2_i64), "dup".into()]);
    let failed = w.run(&mut conn).await.is_err();
    sqlx::query("ROLLBACK").execute(&mut *conn).await?;
    if !failed {
        return fail("a duplicate key in a gathered part was accepted");
    }
    let v: String = sqlx::query_scalar("SELECT v FROM writes_check WHERE k = 1").fetch_one(&mut *conn).await?;
    if v != "a" {
        return fail("a part before the failing one stayed");
    }
    let mut w = Writes::new();
    w.push("UPDATE writes_check SET v = $1 WHERE k = $2", vec![Arg::from("y"), 3_i64.into()]);
    if !w.run(&mut conn).await?.is_empty() {
        return fail("rows without a RETURNING part");
    }
    sqlx::query("DROP TABLE writes_check").execute(&mut *conn).await?;
    Ok(())
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
