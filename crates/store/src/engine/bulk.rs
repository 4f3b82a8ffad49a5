// Bulk load of a whole dataset (demo data, benchmarks) into an empty database: explicit ids,
// one transaction, secondary indexes dropped during the load and rebuilt after it. SQLite takes
// multi-row INSERTs (at most `MAX_BINDS` values per statement); PostgreSQL takes COPY (text
// format). Included per engine by `engine!` (see mod.rs): `DB` and `BACKEND` name the engine.

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;

use ketnap_domain::Date;
use ketnap_domain::dataset::{Batch, Table, TableCounts};
use ketnap_domain::text::{fold, name_sort_key};
use ketnap_domain::Violation;
use sqlx::{AssertSqlSafe, Pool, Row, Transaction};

use crate::bulk::{BulkAudit, Feed};
use crate::engine::MAX_BINDS;
use crate::error::{Result, StoreError};

type Tx<'a> = Transaction<'a, DB>;

/// One value of a row, as both engines need it.
enum Val<'a> {
    Int(i64),
    Text(Cow<'a, str>),
    Date(Date),
    Bool(bool),
    Null,
}

fn columns(t: Table) -> &'static [&'static str] {
    match t {
        Table::OrgUnit => &["id", "code", "code_key", "name", "kind", "sector", "valid_from", "valid_to", "heir_id"],
        Table::OrgName => &["unit_id", "name", "search_key", "valid_from", "valid_to"],
        Table::OrgLink => &["child_id", "parent_id", "valid_from", "valid_to"],
        Table::OrgLineage => &["predecessor_id", "successor_id", "date", "kind", "is_primary"],
        Table::OrgClosure => &["ancestor_id", "descendant_id", "depth", "valid_from", "valid_to"],
        Table::Locality => &["id", "code", "code_key", "name", "search_key", "kind", "valid_from", "valid_to"],
        Table::LocalityCommune => &["locality_id", "org_id", "valid_from", "valid_to"],
        Table::LocalityPopulation => &["locality_id", "year", "population"],
        Table::LocalityService => &["locality_id", "branch_id", "valid_from", "valid_to"],
        Table::Person => &[
            "id",
            "cccd",
            "full_name",
            "search_key",
            "sort_key",
            "sex",
            "birth_date",
            "ethnic_group",
            "religion",
            "education",
            "qualification",
            "political_theory",
            "occupation",
            "youth_union",
            "residence_locality_id",
        ],
        Table::PersonStatus => &["person_id", "status", "org_id", "valid_from", "valid_to"],
        Table::PipelineCase => &[
            "id",
            "person_id",
            "branch_id",
            "origin_branch_id",
            "opened_on",
            "proposed_by",
            "version",
            "updated_by",
            "updated_at",
            "stage",
            "is_open",
            "mentor_id",
            "last_event_on",
            "deadline_on",
            "certificate_issued",
        ],
        Table::PipelineEvent => &[
            "id", "case_id", "seq", "date", "kind", "payload", "doc_form", "doc_number", "doc_date", "actor", "corrects", "reason", "recorded_at",
        ],
    }
}

fn t(s: &str) -> Val<'_> {
    Val::Text(Cow::Borrowed(s))
}
fn owned<'a>(s: String) -> Val<'a> {
    Val::Text(Cow::Owned(s))
}
fn opt(v: Option<i64>) -> Val<'static> {
    v.map_or(Val::Null, Val::Int)
}
fn opt_date(v: Option<Date>) -> Val<'static> {
    v.map_or(Val::Null, Val::Date)
}
/// A timestamp as both engines read it back (RFC 3339, microseconds).
fn instant(t: &chrono::DateTime<chrono::Utc>) -> Val<'static> {
    owned(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, false))
}

/// The batch's rows as values, row after row (`columns(table).len()` values each).
fn values(b: &Batch) -> Vec<Val<'_>> {
    let mut v: Vec<Val<'_>> = Vec::with_capacity(b.len() * columns(b.table()).len());
    match b {
        Batch::OrgUnits(rows) => {
            for r in rows {
                let u = &r.unit;
                v.extend([
                    Val::Int(u.id),
                    t(&u.code),
                    owned(u.code.to_ascii_uppercase()),
                    t(&u.name),
                    t(u.kind.as_str()),
                    t(u.sector.as_str()),
                    Val::Date(u.period.from),
                    Val::Date(u.period.end_or_max()),
                    opt(r.heir),
                ]);
            }
        }
        Batch::OrgNames(rows) => {
            for r in rows {
                v.extend([Val::Int(r.unit), t(&r.name), owned(fold(&r.name)), Val::Date(r.period.from), Val::Date(r.period.end_or_max())]);
            }
        }
        Batch::OrgLinks(rows) => {
            for r in rows {
                v.extend([Val::Int(r.child), Val::Int(r.parent), Val::Date(r.period.from), Val::Date(r.period.end_or_max())]);
            }
        }
        Batch::OrgLineage(rows) => {
            for r in rows {
                v.extend([Val::Int(r.predecessor), Val::Int(r.successor), Val::Date(r.date), t(r.kind.as_str()), Val::Bool(r.primary)]);
            }
        }
        Batch::OrgClosure(rows) => {
            for r in rows {
                v.extend([
                    Val::Int(r.ancestor),
                    Val::Int(r.descendant),
                    Val::Int(i64::from(r.depth)),
                    Val::Date(r.period.from),
                    Val::Date(r.period.end_or_max()),
                ]);
            }
        }
        Batch::Localities(rows) => {
            for r in rows {
                v.extend([
                    Val::Int(r.id),
                    t(&r.code),
                    owned(r.code.trim().to_ascii_uppercase()),
                    t(&r.name),
                    owned(fold(&r.name)),
                    t(r.kind.as_str()),
                    Val::Date(r.period.from),
                    Val::Date(r.period.end_or_max()),
                ]);
            }
        }
        Batch::LocalityCommunes(rows) => {
            for r in rows {
                v.extend([Val::Int(r.locality), Val::Int(r.commune), Val::Date(r.period.from), Val::Date(r.period.end_or_max())]);
            }
        }
        Batch::LocalityPopulation(rows) => {
            for r in rows {
                v.extend([Val::Int(r.locality), Val::Int(i64::from(r.year)), Val::Int(r.population)]);
            }
        }
        Batch::LocalityService(rows) => {
            for r in rows {
                v.extend([Val::Int(r.locality), Val::Int(r.branch), Val::Date(r.period.from), Val::Date(r.period.end_or_max())]);
            }
        }
        Batch::People(rows) => {
            for p in rows {
                v.extend([
                    Val::Int(p.id),
                    p.cccd.as_ref().map_or(Val::Null, |c| t(c.expose().trim())),
                    t(&p.full_name),
                    owned(fold(&p.full_name)),
                    owned(name_sort_key(&p.full_name)),
                    t(p.sex.as_str()),
                    Val::Date(*p.birth_date.expose()),
                    t(p.ethnic_group.expose().code()),
                    t(p.religion.expose().as_str()),
                    t(p.education.as_str()),
                    t(p.qualification.as_str()),
                    t(p.political_theory.as_str()),
                    t(p.occupation.as_str()),
                    Val::Bool(p.youth_union),
                    opt(p.residence_locality),
                ]);
            }
        }
        Batch::PersonStatus(rows) => {
            for r in rows {
                let s = &r.spell;
                v.extend([
                    Val::Int(r.person),
                    t(s.status.as_str()),
                    opt(s.branch),
                    Val::Date(s.period.from),
                    Val::Date(s.period.end_or_max()),
                ]);
            }
        }
        Batch::Cases(rows) => {
            for c in rows {
                let p = &c.projection;
                v.extend([
                    Val::Int(c.id),
                    Val::Int(c.person),
                    Val::Int(p.branch_id),
                    Val::Int(c.origin_branch),
                    Val::Date(c.opened_on),
                    t(c.proposed_by.as_str()),
                    Val::Int(c.version),
                    t(&c.actor),
                    instant(&c.recorded_at),
                    t(p.stage.as_str()),
                    Val::Bool(p.is_open),
                    opt(p.mentor_id),
                    Val::Date(p.last_event_on),
                    opt_date(p.deadline_on),
                    opt_date(p.certificate_issued),
                ]);
            }
        }
        Batch::CaseEvents(rows) => {
            for r in rows {
                let e = &r.event;
                let doc = e.document.as_ref();
                // The payload as the store writes it (`insert_event`).
                let payload = serde_json::to_string(&e.kind).unwrap_or_default();
                v.extend([
                    Val::Int(e.id),
                    Val::Int(r.case),
                    Val::Int(e.seq),
                    Val::Date(e.date),
                    t(e.kind.step().as_str()),
                    owned(payload),
                    doc.and_then(|d| d.form).map_or(Val::Null, |f| t(f.as_str())),
                    doc.map_or(Val::Null, |d| t(d.number.trim())),
                    opt_date(doc.and_then(|d| d.date)),
                    t(&e.actor),
                    opt(e.corrects),
                    e.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map_or(Val::Null, t),
                    instant(&r.recorded_at),
                ]);
            }
        }
    }
    v
}

/// `YYYY-MM-DD`, as the drivers store dates (chrono's formatter is slow in bulk).
fn iso_date(d: Date, out: &mut Vec<u8>) {
    use chrono::Datelike;
    let y = d.year().clamp(0, 9999) as u32;
    let m = d.month();
    let day = d.day();
    for x in [y / 1000, y / 100 % 10, y / 10 % 10, y % 10] {
        out.push(b'0' + x as u8);
    }
    out.extend_from_slice(&[b'-', b'0' + (m / 10) as u8, b'0' + (m % 10) as u8, b'-', b'0' + (day / 10) as u8, b'0' + (day % 10) as u8]);
}

fn date_text(d: Date) -> String {
    let mut b = Vec::with_capacity(10);
    iso_date(d, &mut b);
    String::from_utf8(b).unwrap_or_default()
}

type Stmt = sqlx::query::Query<'static, DB, <DB as sqlx::Database>::Arguments>;

/// One statement of the load, ready to run, with the rows it writes.
enum Work {
    Insert(Stmt, Table, u64),
    Copy(String, Vec<u8>, Table, u64),
}

/// Multi-row INSERTs (SQLite): owned values move into the statement's arguments.
fn build_inserts(table: Table, vals: Vec<Val<'_>>, sql_cache: &mut HashMap<(Table, usize), String>, out: &mut std::collections::VecDeque<Work>) {
    let cols = columns(table);
    let per = (MAX_BINDS / cols.len()).max(1) * cols.len();
    let mut it = vals.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<Val<'_>> = it.by_ref().take(per).collect();
        let rows = chunk.len() / cols.len();
        let sql = sql_cache
            .entry((table, rows))
            .or_insert_with(|| format!("INSERT INTO {} ({}) VALUES {}", table.as_str(), cols.join(", "), crate::engine::values_list(BACKEND, rows, cols.len())))
            .clone();
        let mut q: Stmt = sqlx::query::<DB>(AssertSqlSafe(sql));
        for v in chunk {
            q = match v {
                Val::Int(i) => q.bind(i),
                Val::Text(Cow::Owned(s)) => q.bind(s),
                Val::Text(Cow::Borrowed(s)) => q.bind(s.to_string()),
                Val::Date(d) => q.bind(date_text(d)),
                Val::Bool(b) => q.bind(b),
                Val::Null => q.bind(None::<i64>),
            };
        }
        out.push_back(Work::Insert(q, table, rows as u64));
    }
}

/// Appends `s` to a COPY text-format buffer, escaped.
fn copy_text(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

/// The rows in PostgreSQL's COPY text format.
fn copy_rows(table: Table, vals: &[Val<'_>]) -> Vec<u8> {
    use std::io::Write;
    let cols = columns(table).len();
    let mut out: Vec<u8> = Vec::with_capacity(vals.len() * 12);
    for (i, v) in vals.iter().enumerate() {
        match v {
            Val::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Val::Text(s) => copy_text(&mut out, s),
            Val::Date(d) => iso_date(*d, &mut out),
            Val::Bool(b) => out.push(if *b { b't' } else { b'f' }),
            Val::Null => out.extend_from_slice(b"\\N"),
        }
        out.push(if (i + 1) % cols == 0 { b'\n' } else { b'\t' });
    }
    out
}

/// COPY … FROM STDIN, where the driver has it (PostgreSQL).
trait CopyIn: sqlx::Database {
    fn copy_in<'c>(conn: &'c mut Self::Connection, statement: &'c str, data: Vec<u8>) -> impl Future<Output = Result<u64>> + Send + 'c;
}

impl CopyIn for sqlx::Postgres {
    async fn copy_in<'c>(conn: &'c mut Self::Connection, statement: &'c str, data: Vec<u8>) -> Result<u64> {
        let mut copy = conn.copy_in_raw(statement).await?;
        copy.send(data).await?;
        Ok(copy.finish().await?)
    }
}

impl CopyIn for sqlx::Sqlite {
    async fn copy_in<'c>(_: &'c mut Self::Connection, _: &'c str, _: Vec<u8>) -> Result<u64> {
        Err(StoreError::Corrupt("COPY is a PostgreSQL statement".into()))
    }
}

/// The statements that write batch `b`.
fn build(b: &Batch, sql_cache: &mut HashMap<(Table, usize), String>, out: &mut std::collections::VecDeque<Work>) {
    if b.is_empty() {
        return;
    }
    let table = b.table();
    let vals = values(b);
    match BACKEND {
        crate::db::Backend::Sqlite => build_inserts(table, vals, sql_cache, out),
        crate::db::Backend::Postgres => {
            let data = copy_rows(table, &vals);
            let stmt = format!("COPY {} ({}) FROM STDIN", table.as_str(), columns(table).join(", "));
            out.push_back(Work::Copy(stmt, data, table, b.len() as u64));
        }
    }
}

async fn run(tx: &mut Tx<'_>, w: Work) -> Result<(Table, u64)> {
    match w {
        Work::Insert(q, table, rows) => {
            q.execute(&mut **tx).await?;
            Ok((table, rows))
        }
        Work::Copy(stmt, data, table, rows) => {
            <DB as CopyIn>::copy_in(&mut **tx, &stmt, data).await?;
            Ok((table, rows))
        }
    }
}

/// The secondary (non-unique) indexes of the loaded tables: `(name, CREATE statement)`.
async fn secondary_indexes(tx: &mut Tx<'_>) -> Result<Vec<(String, String)>> {
    let tables: Vec<String> = Table::ALL.iter().map(|t| format!("'{}'", t.as_str())).collect();
    let sql = match BACKEND {
        crate::db::Backend::Sqlite => format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({}) ORDER BY name",
            tables.join(", ")
        ),
        crate::db::Backend::Postgres => format!(
            "SELECT indexname::text AS name, indexdef::text AS sql FROM pg_indexes WHERE schemaname = current_schema() \
             AND indexdef NOT LIKE 'CREATE UNIQUE%' AND tablename IN ({}) ORDER BY indexname",
            tables.join(", ")
        ),
    };
    sqlx::query(AssertSqlSafe(sql))
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<String, _>("name")?, r.try_get::<String, _>("sql")?)))
        .collect()
}

/// Whether the database already holds organizations, localities or people.
async fn holds_data(tx: &mut Tx<'_>) -> Result<bool> {
    for table in ["org_unit", "locality", "person", "person_status"] {
        let sql = format!("SELECT 1 FROM {table} LIMIT 1");
        if sqlx::query(AssertSqlSafe(sql)).fetch_optional(&mut **tx).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Loads every batch from `feed` into an empty database in one transaction, committed on
/// [`Feed::End`]; returns the rows per table. `progress` is called with the rows loaded so far
/// after each batch.
pub async fn load(
    pool: &Pool<DB>,
    mut feed: tokio::sync::mpsc::Receiver<Feed>,
    audit: &BulkAudit,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<TableCounts> {
    // A connection of its own: settings for the load never reach the pool, and the long
    // statements of a bulk load (index builds) are not logged as slow queries.
    let opts = sqlx::ConnectOptions::disable_statement_logging(pool.connect_options().as_ref().clone());
    let mut conn = <<DB as sqlx::Database>::Connection as sqlx::Connection>::connect_with(&opts).await?;
    if BACKEND == crate::db::Backend::Sqlite {
        for p in ["PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144"] {
            sqlx::query(p).execute(&mut conn).await?;
        }
    }
    let counts = load_in(&mut conn, &mut feed, audit, progress).await;
    // Dropping the receiver stops a producer that is still sending.
    drop(feed);
    let counts = counts?;
    // Statistics for the planner on the new data.
    let after: &[&str] = match BACKEND {
        crate::db::Backend::Sqlite => &["PRAGMA analysis_limit = 1000", "ANALYZE"],
        crate::db::Backend::Postgres => &["ANALYZE"],
    };
    for s in after {
        sqlx::query(AssertSqlSafe(s.to_string())).execute(&mut conn).await?;
    }
    if BACKEND == crate::db::Backend::Sqlite {
        fold_log(&mut conn).await?;
    }
    sqlx::Connection::close(conn).await?;
    Ok(counts)
}

/// SQLite: copies the write-ahead log of a load (the whole database) into the file and empties
/// it. The store's checkpoint task may be copying at the same moment; SQLite then answers
/// "busy" in the result row rather than as an error, so the checkpoint is tried again.
async fn fold_log(conn: &mut <DB as sqlx::Database>::Connection) -> Result<()> {
    let start = std::time::Instant::now();
    while start.elapsed() < FOLD_WAIT {
        let busy: i64 = sqlx::query_scalar("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut *conn)
            .await?;
        if busy == 0 {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Not an error: the data is committed; the log is folded later by the checkpoint task.
    tracing::warn!("the write-ahead log of the load could not be emptied (busy)");
    Ok(())
}

/// How long [`fold_log`] tries: the task's copy of a national load's log (4 GB) takes several
/// seconds, and a "busy" answer comes at once.
const FOLD_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

async fn load_in(
    conn: &mut <DB as sqlx::Database>::Connection,
    feed: &mut tokio::sync::mpsc::Receiver<Feed>,
    audit: &BulkAudit,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<TableCounts> {
    let mut tx: Tx<'_> = match BACKEND {
        crate::db::Backend::Sqlite => sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?,
        crate::db::Backend::Postgres => sqlx::Connection::begin(&mut *conn).await?,
    };
    if holds_data(&mut tx).await? {
        return Err(Violation::new(
            "database",
            "bulk.empty_database",
            "the database already holds organizations, localities or people; a dataset is loaded only into an \
             empty database (use a new SQLite file, or an empty PostgreSQL database)",
        )
        .into());
    }
    let indexes = secondary_indexes(&mut tx).await?;
    for (name, _) in &indexes {
        sqlx::query(AssertSqlSafe(format!("DROP INDEX {name}"))).execute(&mut *tx).await?;
    }
    let mut counts = TableCounts::default();
    let mut sql_cache: HashMap<(Table, usize), String> = HashMap::new();
    let mut queue: std::collections::VecDeque<Work> = std::collections::VecDeque::new();
    let mut ended = false;
    // A pipeline: while one statement runs (in the driver), the next batch is received and
    // its statements are built.
    loop {
        let need = queue.len() < 2 && !ended;
        let next = queue.pop_front();
        if next.is_none() && !need {
            break;
        }
        let exec = async {
            match next {
                Some(w) => run(&mut tx, w).await.map(Some),
                None => Ok(None),
            }
        };
        let more = async {
            if need { Some(feed.recv().await) } else { None }
        };
        let (done, received) = tokio::join!(exec, more);
        if let Some((table, rows)) = done? {
            counts.add(table, rows);
            progress(counts.total());
        }
        match received {
            Some(Some(Feed::Rows(b))) => build(&b, &mut sql_cache, &mut queue),
            Some(Some(Feed::End)) => ended = true,
            // The producer stopped early: roll everything back.
            Some(None) => {
                return Err(Violation::new(
                    "dataset",
                    "bulk.incomplete",
                    "the dataset ended before its producer said it was complete; nothing was loaded",
                )
                .into());
            }
            None => {}
        }
    }
    for (_, create) in &indexes {
        sqlx::query(AssertSqlSafe(create.clone())).execute(&mut *tx).await?;
    }
    if BACKEND == crate::db::Backend::Postgres {
        // Later ordinary inserts take ids after the loaded ones.
        for table in ["org_unit", "locality", "person", "pipeline_case", "pipeline_event"] {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            );
            sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
        }
    }
    let agg_rows = super::aggregates::rebuild_in(&mut tx).await?;
    let mut detail = match &audit.detail {
        serde_json::Value::Object(m) => m.clone(),
        _ => serde_json::Map::new(),
    };
    let rows: serde_json::Map<String, serde_json::Value> =
        counts.rows().into_iter().map(|(t, n)| (t.to_string(), serde_json::Value::from(n))).collect();
    detail.insert("rows".into(), serde_json::Value::Object(rows));
    detail.insert("total".into(), serde_json::Value::from(counts.total()));
    detail.insert("report_agg_rows".into(), serde_json::Value::from(agg_rows));
    let detail = serde_json::Value::Object(detail).to_string();
    super::audit::record_in(&mut tx, &audit.actor, &audit.action, "dataset", &audit.entity_key, &detail).await?;
    tx.commit().await?;
    Ok(counts)
}
