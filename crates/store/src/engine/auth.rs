// Sign-in and access control: users, sessions (only token hashes are stored), API tokens,
// failed sign-ins for the lockout, the subtree checks the web layer makes before every
// request, dossier views in the audit trail, and the audit trail read by subtree. Included
// per engine by `engine!`; times are Unix seconds.

use ketnap_domain::org::OrgId;
use ketnap_domain::person::PersonId;
use ketnap_domain::{Date, Violation};
use serde_json::json;
use sqlx::{AssertSqlSafe, Pool, Row};

use crate::auth_api::{ApiToken, TokenInfo, UserRow};
use crate::error::{Result, StoreError};
use crate::model::AuditEntry;

const USER_SQL: &str = "SELECT a.id, a.username, a.password_hash, a.role, a.org_id, u.code AS org_code, u.name AS org_name, \
     a.disabled, a.created_at, a.created_by \
     FROM app_user a LEFT JOIN org_unit u ON u.id = a.org_id";

fn user(r: &<DB as sqlx::Database>::Row) -> Result<UserRow> {
    Ok(UserRow {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        password_hash: r.try_get("password_hash")?,
        role: r.try_get("role")?,
        org_id: r.try_get("org_id")?,
        org_code: r.try_get("org_code")?,
        org_name: r.try_get("org_name")?,
        disabled: r.try_get("disabled")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
    })
}

// ---- users --------------------------------------------------------------------------------

/// Creates a user (the username is already normalized, the password hashed); refused with
/// `user.exists` when the name is taken.
pub async fn user_create(
    pool: &Pool<DB>,
    username: &str,
    password_hash: Option<&str>,
    role: &str,
    org_id: Option<OrgId>,
    now: i64,
    actor: &str,
) -> Result<i64> {
    let mut tx = super::org::begin_write(pool).await?;
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM app_user WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(StoreError::from(Violation::new(
            "username",
            "user.exists",
            format!("there is already a user {username:?}"),
        )));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO app_user (username, password_hash, role, org_id, disabled, created_at, created_by, password_set_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $6) RETURNING id",
    )
    .bind(username)
    .bind(password_hash)
    .bind(role)
    .bind(org_id)
    .bind(false)
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *tx)
    .await?;
    let detail = json!({"role": role, "org_id": org_id, "password": password_hash.is_some()});
    super::audit::record_in(&mut tx, actor, "user.create", "app_user", username, &detail.to_string()).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn user_by_name(pool: &Pool<DB>, username: &str) -> Result<Option<UserRow>> {
    let sql = format!("{USER_SQL} WHERE a.username = $1");
    let row = sqlx::query(AssertSqlSafe(sql)).bind(username).fetch_optional(pool).await?;
    row.as_ref().map(user).transpose()
}

pub async fn user_by_id(pool: &Pool<DB>, id: i64) -> Result<Option<UserRow>> {
    let sql = format!("{USER_SQL} WHERE a.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(user).transpose()
}

/// Every user, by username.
pub async fn users(pool: &Pool<DB>) -> Result<Vec<UserRow>> {
    let sql = format!("{USER_SQL} ORDER BY a.username");
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await?;
    rows.iter().map(user).collect()
}

/// Disables (or enables) a user; disabling ends their sessions and revokes their tokens.
/// `false` when there is no such user.
pub async fn user_set_disabled(pool: &Pool<DB>, username: &str, disabled: bool, actor: &str) -> Result<bool> {
    let mut tx = super::org::begin_write(pool).await?;
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM app_user WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(id) = id else {
        return Ok(false);
    };
    sqlx::query("UPDATE app_user SET disabled = $1 WHERE id = $2")
        .bind(disabled)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if disabled {
        sqlx::query("DELETE FROM app_session WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("UPDATE api_token SET revoked = $1 WHERE user_id = $2")
            .bind(true)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let action = if disabled { "user.disable" } else { "user.enable" };
    super::audit::record_in(&mut tx, actor, action, "app_user", username, "{}").await?;
    tx.commit().await?;
    Ok(true)
}

/// Sets a user's password hash and ends their other sessions (all of them when `keep` is
/// `None`).
pub async fn user_set_password(
    pool: &Pool<DB>,
    id: i64,
    hash: &str,
    now: i64,
    keep: Option<&str>,
    actor: &str,
) -> Result<()> {
    let mut tx = super::org::begin_write(pool).await?;
    let username: Option<String> = sqlx::query_scalar("SELECT username FROM app_user WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(username) = username else {
        return Err(StoreError::NotFound { what: "user", key: id.to_string() });
    };
    sqlx::query("UPDATE app_user SET password_hash = $1, password_set_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM app_session WHERE user_id = $1 AND token_hash <> $2")
        .bind(id)
        .bind(keep.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    super::audit::record_in(&mut tx, actor, "user.password", "app_user", &username, "{}").await?;
    tx.commit().await?;
    Ok(())
}

// ---- sessions -----------------------------------------------------------------------------

pub async fn session_create(pool: &Pool<DB>, token_hash: &str, user_id: i64, csrf: &str, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO app_session (token_hash, user_id, csrf_token, created_at, last_seen) VALUES ($1, $2, $3, $4, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

/// The session's user id, CSRF token, creation and last-seen times.
pub async fn session_get(pool: &Pool<DB>, token_hash: &str) -> Result<Option<(i64, String, i64, i64)>> {
    let row = sqlx::query("SELECT user_id, csrf_token, created_at, last_seen FROM app_session WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(r) => Ok(Some((r.try_get("user_id")?, r.try_get("csrf_token")?, r.try_get("created_at")?, r.try_get("last_seen")?))),
        None => Ok(None),
    }
}

pub async fn session_touch(pool: &Pool<DB>, token_hash: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE app_session SET last_seen = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn session_delete(pool: &Pool<DB>, token_hash: &str) -> Result<bool> {
    let r = sqlx::query("DELETE FROM app_session WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
    Ok(r.rows_affected() > 0)
}

/// Deletes the sessions idle since before `idle_before` or created before `created_before`.
pub async fn sessions_purge(pool: &Pool<DB>, idle_before: i64, created_before: i64) -> Result<u64> {
    let r = sqlx::query("DELETE FROM app_session WHERE last_seen < $1 OR created_at < $2")
        .bind(idle_before)
        .bind(created_before)
        .execute(pool)
        .await?;
    Ok(r.rows_affected())
}

// ---- API tokens ---------------------------------------------------------------------------

pub async fn token_create(pool: &Pool<DB>, user_id: i64, username: &str, name: &str, token_hash: &str, now: i64, actor: &str) -> Result<i64> {
    let mut tx = super::org::begin_write(pool).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_token (user_id, name, token_hash, created_at, last_used, revoked) VALUES ($1, $2, $3, $4, NULL, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(now)
    .bind(false)
    .fetch_one(&mut *tx)
    .await?;
    let detail = json!({"token_id": id, "name": name});
    super::audit::record_in(&mut tx, actor, "user.token", "app_user", username, &detail.to_string()).await?;
    tx.commit().await?;
    Ok(id)
}

/// A live token's id, name and user id.
pub async fn token_get(pool: &Pool<DB>, token_hash: &str) -> Result<Option<TokenInfo>> {
    let row = sqlx::query("SELECT id, name, user_id, last_used FROM api_token WHERE token_hash = $1 AND revoked = $2")
        .bind(token_hash)
        .bind(false)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(r) => Ok(Some(TokenInfo {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            user_id: r.try_get("user_id")?,
            last_used: r.try_get("last_used")?,
        })),
        None => Ok(None),
    }
}

pub async fn token_touch(pool: &Pool<DB>, id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE api_token SET last_used = $1 WHERE id = $2").bind(now).bind(id).execute(pool).await?;
    Ok(())
}

/// A user's tokens, newest first (revoked ones included).
pub async fn tokens_of(pool: &Pool<DB>, user_id: i64) -> Result<Vec<ApiToken>> {
    let rows = sqlx::query("SELECT id, name, created_at, last_used, revoked FROM api_token WHERE user_id = $1 ORDER BY id DESC")
        .bind(user_id)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ApiToken::from_parts(
                r.try_get("id")?,
                r.try_get("name")?,
                r.try_get("created_at")?,
                r.try_get("last_used")?,
                r.try_get("revoked")?,
            ))
        })
        .collect()
}

/// Revokes one live token of a user; `false` when the user has no such live token.
pub async fn token_revoke(pool: &Pool<DB>, user_id: i64, username: &str, token_id: i64, actor: &str) -> Result<bool> {
    let mut tx = super::org::begin_write(pool).await?;
    let r = sqlx::query("UPDATE api_token SET revoked = $1 WHERE id = $2 AND user_id = $3 AND revoked = $4")
        .bind(true)
        .bind(token_id)
        .bind(user_id)
        .bind(false)
        .execute(&mut *tx)
        .await?;
    if r.rows_affected() == 0 {
        return Ok(false);
    }
    let detail = json!({"token_id": token_id});
    super::audit::record_in(&mut tx, actor, "user.token_revoke", "app_user", username, &detail.to_string()).await?;
    tx.commit().await?;
    Ok(true)
}

// ---- failed sign-ins ----------------------------------------------------------------------

pub async fn failures_since(pool: &Pool<DB>, username: &str, since: i64) -> Result<Vec<i64>> {
    let v: Vec<i64> = sqlx::query_scalar("SELECT at FROM login_failure WHERE username = $1 AND at >= $2 ORDER BY at")
        .bind(username)
        .bind(since)
        .fetch_all(pool)
        .await?;
    Ok(v)
}

/// Records a failure and forgets those older than `forget_before` (for every username).
pub async fn failure_record(pool: &Pool<DB>, username: &str, now: i64, forget_before: i64) -> Result<()> {
    let mut tx = super::org::begin_write(pool).await?;
    sqlx::query("DELETE FROM login_failure WHERE at < $1").bind(forget_before).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO login_failure (username, at) VALUES ($1, $2)")
        .bind(username)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn failures_clear(pool: &Pool<DB>, username: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failure WHERE username = $1").bind(username).execute(pool).await?;
    Ok(())
}

// ---- subtree checks (as of `today`; a unit that no longer exists counts as its heir) -------

/// The closure rows under `$1` on `$2`, as a subquery yielding `descendant_id`.
const UNDER: &str = "SELECT c.descendant_id FROM org_closure c WHERE c.ancestor_id = $1 AND c.valid_from <= $2 AND c.valid_to > $2";

/// Whether `target` is `scope` or under it today (a unit that no longer exists: its heir).
pub async fn org_in_scope(pool: &Pool<DB>, scope: OrgId, target: OrgId, today: Date) -> Result<bool> {
    let sql = format!("SELECT 1 FROM org_unit u WHERE u.id = $3 AND COALESCE(u.heir_id, u.id) IN ({UNDER})");
    let hit: Option<i32> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(scope)
        .bind(today)
        .bind(target)
        .fetch_optional(pool)
        .await?;
    Ok(hit.is_some())
}

/// The ids of the people in scope: a status (candidate, member…) in force today in a unit
/// under `$1`, or a case whose branch is under `$1`.
fn people_under() -> String {
    format!(
        "SELECT ps.person_id FROM person_status ps JOIN org_unit u ON u.id = ps.org_id \
         WHERE ps.valid_from <= $2 AND ps.valid_to > $2 AND COALESCE(u.heir_id, u.id) IN ({UNDER}) \
         UNION SELECT pc.person_id FROM pipeline_case pc JOIN org_unit u ON u.id = pc.branch_id \
         WHERE COALESCE(u.heir_id, u.id) IN ({UNDER})"
    )
}

pub async fn person_in_scope(pool: &Pool<DB>, scope: OrgId, person: PersonId, today: Date) -> Result<bool> {
    let sql = format!("SELECT 1 FROM person p WHERE p.id = $3 AND p.id IN ({})", people_under());
    let hit: Option<i32> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(scope)
        .bind(today)
        .bind(person)
        .fetch_optional(pool)
        .await?;
    Ok(hit.is_some())
}

/// The branch a case is in now, if there is such a case.
pub async fn case_branch(pool: &Pool<DB>, case_id: i64) -> Result<Option<OrgId>> {
    let v: Option<i64> = sqlx::query_scalar("SELECT branch_id FROM pipeline_case WHERE id = $1")
        .bind(case_id)
        .fetch_optional(pool)
        .await?;
    Ok(v)
}

/// The unit whose political centre runs a course, if there is such a course.
pub async fn course_org(pool: &Pool<DB>, course_id: i64) -> Result<Option<OrgId>> {
    let v: Option<i64> = sqlx::query_scalar("SELECT org_id FROM course WHERE id = $1")
        .bind(course_id)
        .fetch_optional(pool)
        .await?;
    Ok(v)
}

/// The units a locality belongs to: its latest commune and the branches that serve it now.
pub async fn locality_units(pool: &Pool<DB>, code: &str, today: Date) -> Result<Vec<OrgId>> {
    let v: Vec<i64> = sqlx::query_scalar(
        "SELECT x.org_id FROM (SELECT lc.org_id, lc.valid_from FROM locality l JOIN locality_commune lc ON lc.locality_id = l.id \
         WHERE l.code_key = $1 ORDER BY lc.valid_from DESC LIMIT 1) x \
         UNION SELECT ls.branch_id FROM locality l JOIN locality_service ls ON ls.locality_id = l.id \
         WHERE l.code_key = $1 AND ls.valid_from <= $2 AND ls.valid_to > $2",
    )
    .bind(code.trim().to_ascii_uppercase())
    .bind(today)
    .fetch_all(pool)
    .await?;
    Ok(v)
}

// ---- audit: dossier views and reads by subtree --------------------------------------------

/// Records a read of personal data (a person's record, a case) in the audit trail.
pub async fn audit_view(pool: &Pool<DB>, actor: &str, action: &str, entity: &str, key: &str, detail: &str) -> Result<()> {
    let mut tx = super::org::begin_write(pool).await?;
    super::audit::record_in(&mut tx, actor, action, entity, key, detail).await?;
    tx.commit().await?;
    Ok(())
}

const AUDIT_COLS: &str = "a.id, a.at, a.actor, a.action, a.entity, a.entity_key, a.detail";

fn audit_entry(r: &<DB as sqlx::Database>::Row) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_key: r.try_get("entity_key")?,
        detail: r.try_get("detail")?,
    })
}

/// The latest audit rows about things under `scope` today (people, cases, courses,
/// designations, targets, localities), newest first. Rows about national data (holidays,
/// imports, datasets, users, structure operations) are not tied to a unit and are not listed.
pub async fn audit_under(pool: &Pool<DB>, scope: OrgId, today: Date, limit: i64) -> Result<Vec<AuditEntry>> {
    let sql = format!(
        "SELECT {AUDIT_COLS} FROM audit_log a WHERE \
         (a.entity = 'person' AND a.entity_key IN (SELECT CAST(x.person_id AS TEXT) FROM ({people}) x)) \
         OR (a.entity = 'pipeline_case' AND a.entity_key IN (SELECT CAST(pc.id AS TEXT) FROM pipeline_case pc JOIN org_unit u ON u.id = pc.branch_id WHERE COALESCE(u.heir_id, u.id) IN ({UNDER}))) \
         OR (a.entity = 'course' AND a.entity_key IN (SELECT CAST(k.id AS TEXT) FROM course k JOIN org_unit u ON u.id = k.org_id WHERE COALESCE(u.heir_id, u.id) IN ({UNDER}))) \
         OR (a.entity = 'org_unit' AND a.entity_key IN (SELECT CAST(x.descendant_id AS TEXT) FROM ({UNDER}) x)) \
         OR (a.entity = 'target' AND EXISTS (SELECT 1 FROM ({UNDER}) x WHERE a.entity_key LIKE CAST(x.descendant_id AS TEXT) || '/%')) \
         OR (a.entity = 'locality' AND a.entity_key IN (SELECT l.code FROM locality l JOIN locality_commune lc ON lc.locality_id = l.id \
             WHERE lc.valid_from <= $2 AND lc.valid_to > $2 AND lc.org_id IN ({UNDER}))) \
         ORDER BY a.id DESC LIMIT $3",
        people = people_under(),
    );
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(scope).bind(today).bind(limit).fetch_all(pool).await?;
    rows.iter().map(audit_entry).collect()
}

/// Every audit row, newest first (for a user whose scope is everything).
pub async fn audit_all(pool: &Pool<DB>, limit: i64) -> Result<Vec<AuditEntry>> {
    let sql = format!("SELECT {AUDIT_COLS} FROM audit_log a ORDER BY a.id DESC LIMIT $1");
    let rows = sqlx::query(AssertSqlSafe(sql)).bind(limit).fetch_all(pool).await?;
    rows.iter().map(audit_entry).collect()
}

/// The audit rows about a person and their cases (changes and views), newest first.
pub async fn audit_person(pool: &Pool<DB>, person: PersonId, limit: i64) -> Result<Vec<AuditEntry>> {
    let sql = format!(
        "SELECT {AUDIT_COLS} FROM audit_log a WHERE (a.entity = 'person' AND a.entity_key = $1) \
         OR (a.entity = 'pipeline_case' AND a.entity_key IN (SELECT CAST(pc.id AS TEXT) FROM pipeline_case pc WHERE pc.person_id = $2)) \
         ORDER BY a.id DESC LIMIT $3"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(person.to_string())
        .bind(person)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(audit_entry).collect()
}
