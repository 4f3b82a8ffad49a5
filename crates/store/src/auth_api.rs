//! Sign-in and access control in the store (another `impl Store`; SQL in engine/auth.rs):
//! users with a role and a unit, passwords hashed with argon2id, sessions and API tokens of
//! which only a SHA-256 is stored, the lockout after repeated failures, the subtree checks, and
//! the audit trail's dossier views and reads. Times are Unix seconds, passed in by the caller
//! (so tests can move the clock).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use ketnap_domain::access::{
    self, LOCKOUT_SECS, LOCKOUT_WINDOW_SECS, Role, SESSION_IDLE_SECS, SESSION_MAX_SECS,
};
use ketnap_domain::org::OrgId;
use ketnap_domain::person::PersonId;
use ketnap_domain::{Date, Violation};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Result, StoreError, decode};
use crate::model::{AuditEntry, OrgRef};
use crate::{Db, Store, engine};

/// A user as stored (engine rows; see [`User`] for the view).
#[derive(Clone, Debug)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: Option<String>,
    pub role: String,
    pub org_id: Option<OrgId>,
    pub org_code: Option<String>,
    pub org_name: Option<String>,
    pub disabled: bool,
    pub created_at: i64,
    pub created_by: String,
}

/// A live API token (engine rows).
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub user_id: i64,
    pub last_used: Option<i64>,
}

/// Mã API — an API token as an administrator sees it (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used: Option<DateTime<Utc>>,
    pub revoked: bool,
}

impl ApiToken {
    pub(crate) fn from_parts(
        id: i64,
        name: String,
        created_at: i64,
        last_used: Option<i64>,
        revoked: bool,
    ) -> Self {
        ApiToken {
            id,
            name,
            created_at: DateTime::from_timestamp(created_at, 0).unwrap_or_default(),
            last_used: last_used.and_then(|t| DateTime::from_timestamp(t, 0)),
            revoked,
        }
    }
}

/// Người dùng — a user: a role confined to the subtree of a unit (admin: everything).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The unit whose subtree confines the user (`None` only for an administrator).
    pub org: Option<OrgRef>,
    pub disabled: bool,
    /// Whether the user can sign in with a password (else API tokens only).
    pub has_password: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl User {
    fn from_row(r: UserRow) -> Result<Self> {
        Ok(User {
            id: r.id,
            role: decode("role", &r.role, Role::parse)?,
            org: match (r.org_id, r.org_code, r.org_name) {
                (Some(id), Some(code), Some(name)) => Some(OrgRef { id, code, name }),
                _ => None,
            },
            disabled: r.disabled,
            has_password: r.password_hash.is_some(),
            created_at: DateTime::from_timestamp(r.created_at, 0).unwrap_or_default(),
            created_by: r.created_by,
            username: r.username,
        })
    }
}

/// A user to create.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    /// Checked by [`access::check_password`]; `None` for a token-only account.
    pub password: Option<String>,
    pub role: Role,
    /// Required for every role but admin.
    pub org_code: Option<String>,
}

/// A session just opened: the cookie's token (shown once, stored hashed) and its CSRF token.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub user: User,
}

/// What a sign-in attempt gives.
#[derive(Clone, Debug)]
pub enum Login {
    Ok(NewSession),
    /// Wrong username or password (which one is not said).
    Invalid,
    /// Too many failures: locked until this time (Unix seconds).
    Locked {
        until: i64,
    },
}

/// A signed-in session.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    pub token_hash: String,
}

/// What a password change gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordChange {
    Changed,
    /// The current password given is wrong.
    WrongCurrent,
}

/// 256 random bits, as 64 lowercase hex digits.
pub fn random_token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| StoreError::Corrupt(format!("no randomness: {e}")))?;
    Ok(hex(&b))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The SHA-256 of a token, as hex: what the database keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// An argon2id hash (PHC string) of a password. Slow on purpose: call from a blocking task.
pub fn hash_password(password: &str) -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| StoreError::Corrupt(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&b)
        .map_err(|e| StoreError::Corrupt(format!("cannot make a salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Corrupt(format!("cannot hash a password: {e}")))
}

/// Whether `password` matches the stored hash (false for a hash that does not parse).
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Hashes on a blocking thread (argon2 takes tens of milliseconds).
async fn hash_blocking(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| StoreError::Corrupt(format!("hashing task failed: {e}")))?
}

async fn verify_blocking(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false)
}

/// A hash to verify against when the user does not exist, so that the answer takes as long.
fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2xq9Gk6xJ6mK3m0eQkGxw0b1Yb4bG0sQ0m5t3Zy8U3Q"
}

fn credential(field: &str, e: access::CredentialError) -> StoreError {
    let rule = match e {
        access::CredentialError::BadUsername => "user.username",
        access::CredentialError::PasswordTooShort => "password.too_short",
        access::CredentialError::PasswordTooLong => "password.too_long",
        access::CredentialError::PasswordIsUsername => "password.is_username",
    };
    StoreError::from(Violation::new(field, rule, e.to_string()))
}

macro_rules! dispatch_auth {
    ($self:expr, $f:ident ( $($arg:expr),* $(,)? )) => {
        match $self.db() {
            Db::Sqlite(p) => engine::sqlite::auth::$f(p, $($arg),*).await,
            Db::Postgres(p) => engine::postgres::auth::$f(p, $($arg),*).await,
        }
    };
}

impl Store {
    // ---- users ----------------------------------------------------------------------------

    /// Creates a user after checking the username, the password rules and the unit.
    pub async fn user_create(&self, new: &NewUser, now: i64, actor: &str) -> Result<User> {
        let username =
            access::normalize_username(&new.username).map_err(|e| credential("username", e))?;
        let hash = match &new.password {
            Some(p) => {
                access::check_password(&username, p).map_err(|e| credential("password", e))?;
                Some(hash_blocking(p.clone()).await?)
            }
            None => None,
        };
        let code = new
            .org_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let org = match code {
            Some(code) => Some(self.org_by_code(code).await?.ok_or_else(|| {
                StoreError::from(Violation::new(
                    "org",
                    "org.unit.unknown",
                    format!("no organization with code {code:?}"),
                ))
            })?),
            None if new.role.is_scoped() => {
                return Err(StoreError::from(Violation::new(
                    "org",
                    "user.org.required",
                    format!(
                        "a {} works in the subtree of a unit: give its code",
                        new.role.as_str()
                    ),
                )));
            }
            None => None,
        };
        let role = new.role.as_str();
        let org_id = org.map(|o| o.id);
        let id = dispatch_auth!(
            self,
            user_create(&username, hash.as_deref(), role, org_id, now, actor)
        )?;
        self.user_by_id(id).await?.ok_or(StoreError::NotFound {
            what: "user",
            key: username,
        })
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        dispatch_auth!(self, user_by_id(id))?
            .map(User::from_row)
            .transpose()
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let u = username.trim().to_ascii_lowercase();
        dispatch_auth!(self, user_by_name(&u))?
            .map(User::from_row)
            .transpose()
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        dispatch_auth!(self, users())?
            .into_iter()
            .map(User::from_row)
            .collect()
    }

    /// Disables a user (ends their sessions, revokes their tokens); `false` if unknown.
    pub async fn user_disable(&self, username: &str, actor: &str) -> Result<bool> {
        let u = username.trim().to_ascii_lowercase();
        dispatch_auth!(self, user_set_disabled(&u, true, actor))
    }

    /// Enables a disabled user again (their revoked tokens stay revoked); `false` if unknown.
    pub async fn user_enable(&self, username: &str, actor: &str) -> Result<bool> {
        let u = username.trim().to_ascii_lowercase();
        dispatch_auth!(self, user_set_disabled(&u, false, actor))
    }

    /// Sets a password (an administrator's reset, or the demo); ends every session.
    pub async fn user_set_password(
        &self,
        username: &str,
        password: &str,
        now: i64,
        actor: &str,
    ) -> Result<()> {
        let u = self.user_named(username).await?;
        access::check_password(&u.username, password).map_err(|e| credential("password", e))?;
        let hash = hash_blocking(password.to_string()).await?;
        dispatch_auth!(self, user_set_password(u.id, &hash, now, None, actor))
    }

    // ---- sign-in and sessions -------------------------------------------------------------

    /// Signs in: checks the lockout, then the password; opens a session on success.
    pub async fn login(&self, username: &str, password: &str, now: i64) -> Result<Login> {
        let name = username.trim().to_ascii_lowercase();
        // Bound the work an attacker can ask for, and what the failure table may hold.
        if name.is_empty() || name.len() > 64 || password.len() > 4 * access::MAX_PASSWORD_CHARS {
            return Ok(Login::Invalid);
        }
        let since = now - LOCKOUT_WINDOW_SECS - LOCKOUT_SECS;
        let failures = dispatch_auth!(self, failures_since(&name, since))?;
        if let Some(until) = access::locked_until(&failures, now) {
            return Ok(Login::Locked { until });
        }
        let row = dispatch_auth!(self, user_by_name(&name))?;
        let (hash, usable) = match &row {
            Some(r) => match &r.password_hash {
                Some(h) => (h.clone(), !r.disabled),
                None => (dummy_hash().to_string(), false),
            },
            None => (dummy_hash().to_string(), false),
        };
        let matches = verify_blocking(hash, password.to_string()).await;
        match row {
            Some(r) if usable && matches => {
                dispatch_auth!(self, failures_clear(&name))?;
                let token = random_token()?;
                let csrf = random_token()?;
                dispatch_auth!(self, session_create(&token_hash(&token), r.id, &csrf, now))?;
                // Sessions past their time are removed now and then: here.
                dispatch_auth!(
                    self,
                    sessions_purge(now - SESSION_IDLE_SECS, now - SESSION_MAX_SECS)
                )?;
                Ok(Login::Ok(NewSession {
                    token,
                    csrf,
                    user: User::from_row(r)?,
                }))
            }
            _ => {
                dispatch_auth!(self, failure_record(&name, now, since))?;
                let mut failures = failures;
                failures.push(now);
                Ok(match access::locked_until(&failures, now) {
                    Some(until) => Login::Locked { until },
                    None => Login::Invalid,
                })
            }
        }
    }

    /// The session of a cookie token, if it is live (not idle for 12 h, not older than 7 days)
    /// and its user is enabled; records the use.
    pub async fn session(&self, token: &str, now: i64) -> Result<Option<Session>> {
        let h = token_hash(token);
        let Some((user_id, csrf, created, last_seen)) = dispatch_auth!(self, session_get(&h))?
        else {
            return Ok(None);
        };
        if now - last_seen >= SESSION_IDLE_SECS || now - created >= SESSION_MAX_SECS {
            dispatch_auth!(self, session_delete(&h))?;
            return Ok(None);
        }
        let Some(user) = self.user_by_id(user_id).await? else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        // One write a minute at most per session.
        if now - last_seen >= 60 {
            dispatch_auth!(self, session_touch(&h, now))?;
        }
        Ok(Some(Session {
            user,
            csrf,
            token_hash: h,
        }))
    }

    /// Ends a session; `false` when there was none.
    pub async fn logout(&self, token: &str) -> Result<bool> {
        dispatch_auth!(self, session_delete(&token_hash(token)))
    }

    /// Changes one's own password: the current one must be given; the other sessions end.
    pub async fn password_change(
        &self,
        user_id: i64,
        current: &str,
        new: &str,
        keep_session: Option<&str>,
        now: i64,
    ) -> Result<PasswordChange> {
        let row = dispatch_auth!(self, user_by_id(user_id))?.ok_or(StoreError::NotFound {
            what: "user",
            key: user_id.to_string(),
        })?;
        let Some(hash) = row.password_hash.clone() else {
            return Ok(PasswordChange::WrongCurrent);
        };
        if current.len() > 4 * access::MAX_PASSWORD_CHARS
            || !verify_blocking(hash, current.to_string()).await
        {
            return Ok(PasswordChange::WrongCurrent);
        }
        access::check_password(&row.username, new).map_err(|e| credential("new_password", e))?;
        let hash = hash_blocking(new.to_string()).await?;
        let actor = row.username.clone();
        dispatch_auth!(
            self,
            user_set_password(user_id, &hash, now, keep_session, &actor)
        )?;
        Ok(PasswordChange::Changed)
    }

    // ---- API tokens -----------------------------------------------------------------------

    /// Creates an API token for a user: returned once, stored hashed.
    pub async fn token_create(
        &self,
        username: &str,
        name: &str,
        now: i64,
        actor: &str,
    ) -> Result<String> {
        let u = self.user_named(username).await?;
        if u.disabled {
            return Err(StoreError::from(Violation::new(
                "username",
                "user.disabled",
                format!("user {:?} is disabled", u.username),
            )));
        }
        let token = format!("ketnap_{}", random_token()?);
        dispatch_auth!(
            self,
            token_create(u.id, &u.username, name, &token_hash(&token), now, actor)
        )?;
        Ok(token)
    }

    async fn user_named(&self, username: &str) -> Result<User> {
        self.user_by_name(username)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "user",
                key: username.to_string(),
            })
    }

    /// A user's API tokens, newest first, revoked ones included.
    pub async fn tokens(&self, username: &str) -> Result<Vec<ApiToken>> {
        let u = self.user_named(username).await?;
        dispatch_auth!(self, tokens_of(u.id))
    }

    /// Revokes one API token of a user (the others keep working); `false` when the user has no
    /// live token with that id.
    pub async fn token_revoke(&self, username: &str, token_id: i64, actor: &str) -> Result<bool> {
        let u = self.user_named(username).await?;
        dispatch_auth!(self, token_revoke(u.id, &u.username, token_id, actor))
    }

    /// The user and the token's name for a bearer token, if it is live and its user enabled.
    pub async fn token_user(&self, token: &str, now: i64) -> Result<Option<(User, String)>> {
        let Some(t) = dispatch_auth!(self, token_get(&token_hash(token)))? else {
            return Ok(None);
        };
        let Some(user) = self.user_by_id(t.user_id).await? else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        if t.last_used.is_none_or(|l| now - l >= 60) {
            dispatch_auth!(self, token_touch(t.id, now))?;
        }
        Ok(Some((user, t.name)))
    }

    // ---- subtree checks -------------------------------------------------------------------

    /// Whether `target` is `scope` or under it on `today` (a unit that no longer exists is
    /// judged by its heir).
    pub async fn org_in_scope(&self, scope: OrgId, target: OrgId, today: Date) -> Result<bool> {
        dispatch_auth!(self, org_in_scope(scope, target, today))
    }

    /// Whether a person has a status in force on `today` in a unit under `scope`, or a case in
    /// a branch under it.
    pub async fn person_in_scope(
        &self,
        scope: OrgId,
        person: PersonId,
        today: Date,
    ) -> Result<bool> {
        dispatch_auth!(self, person_in_scope(scope, person, today))
    }

    /// The branch a case is in now; `None` when there is no such case.
    pub async fn case_branch(&self, case_id: i64) -> Result<Option<OrgId>> {
        dispatch_auth!(self, case_branch(case_id))
    }

    /// The unit whose political centre runs a course; `None` when there is no such course.
    pub async fn course_org(&self, course_id: i64) -> Result<Option<OrgId>> {
        dispatch_auth!(self, course_org(course_id))
    }

    /// The units a locality belongs to: its latest commune and the branches serving it on
    /// `today` (empty when there is no such locality).
    pub async fn locality_units(&self, code: &str, today: Date) -> Result<Vec<OrgId>> {
        dispatch_auth!(self, locality_units(code, today))
    }

    // ---- audit ----------------------------------------------------------------------------

    /// Records that `actor` read a dossier (`person.view`, `case.view`…).
    pub async fn audit_view(
        &self,
        actor: &str,
        action: &str,
        entity: &str,
        key: &str,
        detail: &str,
    ) -> Result<()> {
        dispatch_auth!(self, audit_view(actor, action, entity, key, detail))
    }

    /// The latest audit rows about things under `scope` on `today` (every row when `scope` is
    /// `None`), newest first.
    pub async fn audit_scoped(
        &self,
        scope: Option<OrgId>,
        today: Date,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        match scope {
            Some(s) => dispatch_auth!(self, audit_under(s, today, limit)),
            None => dispatch_auth!(self, audit_all(limit)),
        }
    }

    /// The audit rows about a person and their cases, newest first.
    pub async fn audit_person(&self, person: PersonId, limit: i64) -> Result<Vec<AuditEntry>> {
        dispatch_auth!(self, audit_person(person, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_tokens_are_random() {
        let h = hash_password("mật-khẩu-đủ-dài").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "mật-khẩu-đủ-dài"));
        assert!(!verify_password(&h, "mật-khẩu-sai-rồi"));
        assert!(!verify_password("not a hash", "x"));
        assert!(!verify_password(dummy_hash(), "anything"));
        let a = random_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token().unwrap());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
