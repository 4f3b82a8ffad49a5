// Backup and restore (issue E): a logical dump of every table, written by ketnap itself from
// one consistent snapshot, and its restore into an empty database of the same engine.
// Included per engine.
//
// The dump is JSON lines (docs/deployment.md): a header (format, version, engine, applied
// migrations), then per table a line naming it and its columns, its rows as JSON arrays in
// primary-key order, and a line with its row count; then an end line with the totals. A file
// without its end line (a backup cut short) is refused by restore.

use std::io::{BufRead, Write};

use futures_util::TryStreamExt;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Pool, Transaction};

use crate::exchange_api::DumpSummary;

use crate::error::{Result, StoreError};

/// The `format` of a ketnap dump's header line.
use crate::exchange_api::{DUMP_FORMAT as FORMAT, DUMP_VERSION as VERSION};

fn quote(ident: &str) -> Result<String> {
    // Table and column names come from the catalogue; refuse anything that is not a plain
    // identifier rather than quoting arbitrary text into SQL.
    if !ident.is_empty()
        && ident
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(format!("\"{ident}\""))
    } else {
        Err(StoreError::Corrupt(format!("unexpected identifier {ident:?}")))
    }
}

fn io(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("backup file: {e}"))
}

/// The application tables (every table but the migration journal), sorted by name.
pub async fn tables(tx: &mut Transaction<'_, DB>) -> Result<Vec<String>> {
    let sql = match BACKEND {
        crate::db::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' ORDER BY name"
        }
        crate::db::Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name"
        }
    };
    Ok(sqlx::query_scalar(sql).fetch_all(&mut **tx).await?)
}

/// A table's columns in their declared order.
async fn columns(tx: &mut Transaction<'_, DB>, table: &str) -> Result<Vec<String>> {
    let sql = match BACKEND {
        crate::db::Backend::Sqlite => "SELECT name FROM pragma_table_info($1) ORDER BY cid",
        crate::db::Backend::Postgres => {
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    Ok(sqlx::query_scalar(sql).bind(table).fetch_all(&mut **tx).await?)
}

/// A table's primary-key columns in key order (empty when it has none).
async fn primary_key(tx: &mut Transaction<'_, DB>, table: &str) -> Result<Vec<String>> {
    let sql = match BACKEND {
        crate::db::Backend::Sqlite => "SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk",
        crate::db::Backend::Postgres => {
            "SELECT a.attname::text FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = to_regclass(quote_ident($1)) AND i.indisprimary \
             ORDER BY array_position(i.indkey::int2[], a.attnum)"
        }
    };
    Ok(sqlx::query_scalar(sql).bind(table).fetch_all(&mut **tx).await?)
}

/// The versions of the applied migrations.
pub async fn migrations(tx: &mut Transaction<'_, DB>) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(&mut **tx)
        .await?)
}

async fn snapshot(pool: &Pool<DB>) -> Result<Transaction<'static, DB>> {
    match BACKEND {
        // A read transaction: in WAL mode it sees one snapshot from its first read on, while
        // the server keeps writing.
        crate::db::Backend::Sqlite => Ok(pool.begin().await?),
        crate::db::Backend::Postgres => {
            let mut tx = pool.begin().await?;
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute(&mut *tx)
                .await?;
            // Timestamps are written in UTC whatever the server's zone.
            sqlx::query("SET LOCAL TimeZone = 'UTC'").execute(&mut *tx).await?;
            Ok(tx)
        }
    }
}

/// Writes every table's rows from one consistent snapshot to `out`.
pub async fn dump(pool: &Pool<DB>, out: &mut (dyn Write + Send)) -> Result<DumpSummary> {
    let mut tx = snapshot(pool).await?;
    let tables = tables(&mut tx).await?;
    let header = json!({
        "format": FORMAT, "version": VERSION, "backend": BACKEND.as_str(),
        "migrations": migrations(&mut tx).await?,
        "created_at": chrono::Utc::now().to_rfc3339(),
    });
    writeln!(out, "{header}").map_err(io)?;
    let mut summary = DumpSummary::default();
    for table in &tables {
        let cols = columns(&mut tx, table).await?;
        let quoted = cols.iter().map(|c| quote(c)).collect::<Result<Vec<_>>>()?;
        let key = primary_key(&mut tx, table).await?;
        let row = match BACKEND {
            crate::db::Backend::Sqlite => format!("json_array({})", quoted.join(", ")),
            crate::db::Backend::Postgres => format!("json_build_array({})::text", quoted.join(", ")),
        };
        let order = if key.is_empty() {
            match BACKEND {
                crate::db::Backend::Sqlite => "rowid".to_string(),
                crate::db::Backend::Postgres => "1".to_string(),
            }
        } else {
            key.iter().map(|c| quote(c)).collect::<Result<Vec<_>>>()?.join(", ")
        };
        writeln!(out, "{}", json!({"table": table, "columns": cols})).map_err(io)?;
        let sql = format!("SELECT {row} FROM {} ORDER BY {order}", quote(table)?);
        let mut n = 0u64;
        {
            let mut rows = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).fetch(&mut *tx);
            while let Some(line) = rows.try_next().await? {
                writeln!(out, "{line}").map_err(io)?;
                n += 1;
            }
        }
        writeln!(out, "{}", json!({"end_table": table, "rows": n})).map_err(io)?;
        summary.tables.push((table.clone(), n));
        summary.rows += n;
    }
    writeln!(
        out,
        "{}",
        json!({"end": true, "tables": tables.len(), "rows": summary.rows})
    )
    .map_err(io)?;
    out.flush().map_err(io)?;
    tx.commit().await?;
    Ok(summary)
}

fn bad(line: usize, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("backup file, line {line}: {what}"))
}

/// Restores a dump into this database, which must be empty and at the same migrations; one
/// transaction: on any problem nothing is written.
pub async fn restore(pool: &Pool<DB>, input: &mut (dyn BufRead + Send)) -> Result<DumpSummary> {
    let mut tx = match BACKEND {
        crate::db::Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        crate::db::Backend::Postgres => pool.begin().await?,
    };
    let mut lines = input.lines().enumerate().map(|(i, l)| (i + 1, l));
    let mut next = move || -> Result<Option<(usize, Value)>> {
        match lines.next() {
            None => Ok(None),
            Some((n, Err(e))) => Err(bad(n, e)),
            Some((n, Ok(text))) => serde_json::from_str(&text)
                .map(|v| Some((n, v)))
                .map_err(|e| bad(n, format!("not JSON ({e})"))),
        }
    };
    let Some((_, header)) = next()? else {
        return Err(bad(1, "the file is empty"));
    };
    if header["format"] != FORMAT || header["version"] != VERSION {
        return Err(bad(1, "not a ketnap dump (format ketnap-dump, version 1)"));
    }
    if header["backend"] != BACKEND.as_str() {
        return Err(bad(
            1,
            format!(
                "the dump was written from {}; restore it into a {} database (docs/deployment.md)",
                header["backend"], header["backend"]
            ),
        ));
    }
    let ours = migrations(&mut tx).await?;
    let theirs: Vec<i64> = serde_json::from_value(header["migrations"].clone())
        .map_err(|e| bad(1, format!("migrations: {e}")))?;
    if ours != theirs {
        return Err(bad(
            1,
            format!(
                "the dump was written at migrations {theirs:?}, this database is at {ours:?}: restore with the ketnap version that wrote it"
            ),
        ));
    }
    let known = tables(&mut tx).await?;
    for t in &known {
        let sql = format!("SELECT 1 FROM {} LIMIT 1", quote(t)?);
        let any: Option<i32> = sqlx::query_scalar(AssertSqlSafe(sql)).fetch_optional(&mut *tx).await?;
        if any.is_some() {
            return Err(StoreError::Corrupt(format!(
                "the database is not empty (table {t} has rows): restore only into a new database"
            )));
        }
    }
    let mut summary = DumpSummary::default();
    let mut seen = std::collections::HashSet::new();
    loop {
        let Some((n, line)) = next()? else {
            return Err(bad(0, "the dump ends without its end line: it was cut short"));
        };
        if line["end"] == true {
            if line["rows"] != summary.rows || line["tables"] != summary.tables.len() {
                return Err(bad(n, "the totals do not match the rows read"));
            }
            break;
        }
        let Some(table) = line["table"].as_str().map(str::to_string) else {
            return Err(bad(n, "expected a table line"));
        };
        if !known.contains(&table) || !seen.insert(table.clone()) {
            return Err(bad(n, format!("unknown or repeated table {table:?}")));
        }
        let cols: Vec<String> = serde_json::from_value(line["columns"].clone())
            .map_err(|e| bad(n, format!("columns: {e}")))?;
        let ours = columns(&mut tx, &table).await?;
        if cols != ours {
            return Err(bad(n, format!("the columns of {table} differ from this database's")));
        }
        let quoted = cols.iter().map(|c| quote(c)).collect::<Result<Vec<_>>>()?;
        let chunk = (crate::engine::MAX_BINDS / cols.len().max(1)).clamp(1, 2000);
        let mut rows: Vec<Vec<Value>> = Vec::with_capacity(chunk);
        let mut count = 0u64;
        loop {
            let Some((m, v)) = next()? else {
                return Err(bad(n, format!("table {table} is cut short")));
            };
            if v.get("end_table").is_some() {
                if v["end_table"] != table.as_str() || v["rows"] != count {
                    return Err(bad(m, format!("the row count of {table} does not match")));
                }
                break;
            }
            let Value::Array(values) = v else {
                return Err(bad(m, "expected a row (a JSON array)"));
            };
            if values.len() != cols.len() {
                return Err(bad(m, format!("{} values for {} columns", values.len(), cols.len())));
            }
            rows.push(values);
            count += 1;
            if rows.len() == chunk {
                insert(&mut tx, &table, &cols, &quoted, &rows).await?;
                rows.clear();
            }
        }
        if !rows.is_empty() {
            insert(&mut tx, &table, &cols, &quoted, &rows).await?;
        }
        summary.tables.push((table.clone(), count));
        summary.rows += count;
    }
    if next()?.is_some() {
        return Err(bad(0, "text after the end line"));
    }
    if BACKEND == crate::db::Backend::Postgres {
        reset_sequences(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(summary)
}

async fn insert(
    tx: &mut Transaction<'_, DB>,
    table: &str,
    cols: &[String],
    quoted: &[String],
    rows: &[Vec<Value>],
) -> Result<()> {
    match BACKEND {
        crate::db::Backend::Sqlite => {
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {}",
                quote(table)?,
                quoted.join(", "),
                crate::engine::values_list(BACKEND, rows.len(), cols.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for row in rows {
                for v in row {
                    q = match v {
                        Value::Null => q.bind(None::<i64>),
                        Value::Bool(b) => q.bind(i64::from(*b)),
                        Value::Number(x) => match x.as_i64() {
                            Some(i) => q.bind(i),
                            None => q.bind(x.as_f64().unwrap_or(0.0)),
                        },
                        Value::String(s) => q.bind(s.clone()),
                        other => q.bind(other.to_string()),
                    };
                }
            }
            q.execute(&mut **tx).await?;
        }
        crate::db::Backend::Postgres => {
            let objects: Vec<Value> = rows
                .iter()
                .map(|row| {
                    Value::Object(cols.iter().cloned().zip(row.iter().cloned()).collect())
                })
                .collect();
            let sql = format!(
                "INSERT INTO {t} ({c}) OVERRIDING SYSTEM VALUE SELECT {c} FROM json_populate_recordset(NULL::{t}, $1::json)",
                t = quote(table)?,
                c = quoted.join(", ")
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(Value::Array(objects).to_string())
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// After explicit ids were inserted, the identity sequences continue after the largest.
async fn reset_sequences(tx: &mut Transaction<'_, DB>) -> Result<()> {
    let identity: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
    )
    .fetch_all(&mut **tx)
    .await?;
    for (t, c) in identity {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({c}) FROM {t}), 0) + 1, false)",
            c = quote(&c)?,
            t = quote(&t)?
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(quote(&t)?)
            .bind(&c)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Every table's rows as text lines in key order (tests compare two databases with it).
pub async fn table_rows(pool: &Pool<DB>) -> Result<Vec<(String, Vec<String>)>> {
    let mut buf = Vec::new();
    dump(pool, &mut buf).await?;
    let text = String::from_utf8(buf).map_err(io)?;
    let mut out: Vec<(String, Vec<String>)> = vec![];
    for line in text.lines().skip(1) {
        if line.starts_with("{\"table\"") || line.starts_with("{\"columns\"") {
            let v: Value = serde_json::from_str(line).map_err(io)?;
            out.push((v["table"].as_str().unwrap_or("").to_string(), vec![]));
        } else if line.starts_with('[')
            && let Some(last) = out.last_mut()
        {
            last.1.push(line.to_string());
        }
    }
    Ok(out)
}
