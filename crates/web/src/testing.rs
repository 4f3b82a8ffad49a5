//! For tests of the web layer and of `ketnap serve`: accounts and API tokens made straight in
//! the store, so a test can call the API as a given role.

use ketnap_domain::access::Role;
use ketnap_store::auth_api::NewUser;
use ketnap_store::{Store, StoreError};

/// The name of the tokens made here: writes made with them are audited as `token:api`.
pub const TOKEN_NAME: &str = "api";

/// The actor the audit trail records for requests made with [`admin_token`].
pub const TOKEN_ACTOR: &str = "token:api";

/// Creates `username` with `role` on the unit `org` (when it does not exist yet) and returns a
/// new API token for it.
pub async fn user_token(
    store: &Store,
    username: &str,
    role: Role,
    org: Option<&str>,
) -> Result<String, StoreError> {
    if store.user_by_name(username).await?.is_none() {
        store
            .user_create(
                &NewUser {
                    username: username.to_string(),
                    password: None,
                    role,
                    org_code: org.map(str::to_string),
                },
                chrono::Utc::now().timestamp(),
                "test",
            )
            .await?;
    }
    store
        .token_create(username, TOKEN_NAME, chrono::Utc::now().timestamp(), "test")
        .await
}

/// An administrator's API token (the administrator `test-admin` is created when missing).
pub async fn admin_token(store: &Store) -> Result<String, StoreError> {
    user_token(store, "test-admin", Role::Admin, None).await
}
