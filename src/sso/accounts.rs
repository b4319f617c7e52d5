//! The accounts and roles an SSO session can reach (IAM Identity Center
//! portal ListAccounts / ListAccountRoles), for onboarding and for
//! `bedrock-tray accounts`.
//!
//! With hundreds of accounts these APIs answer HTTP 429: pages are fetched
//! at most 100 at a time, role listings run a few at a time, the SDK's
//! standard retry backs off with jitter, and the result is cached.

use crate::atomic_file::write_atomic;
use crate::names::Region;
use crate::secret::Secret;
use aws_config::retry::RetryConfig;
use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Role listings in flight at once: enough to be quick, few enough not to
/// provoke throttling.
const PARALLEL_ROLE_LISTINGS: usize = 4;

/// One role in one account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AccountRole {
    pub account_name: String,
    pub account_id: String,
    pub role_name: String,
    pub email: Option<String>,
}

/// Why the listing failed; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("profile {0:?} does not use IAM Identity Center (SSO): nothing to list")]
    NotSso(String),
    #[error("{0}")]
    NoToken(#[from] crate::sso::cache::TokenFileError),
    #[error("profile {0:?} has an invalid sso_region")]
    BadRegion(String),
    #[error("the SSO session is no longer valid: log in again (bedrock-tray login)")]
    SessionExpired,
    #[error("IAM Identity Center kept answering 'too many requests' after retries: try again in a minute")]
    Throttled,
    #[error("cannot reach IAM Identity Center ({0}): check the network and the SSO region")]
    Unreachable(String),
    #[error("IAM Identity Center refused the request: {0}")]
    Service(String),
    #[error("listing accounts and roles took more than {} s: try again, or check the network", .0.as_secs())]
    TimedOut(Duration),
}

/// The longest a whole listing (every page of accounts, then of each
/// account's roles) may take: each call has its own timeout, but a service
/// that keeps handing out next tokens would otherwise page forever.
pub const LIST_DEADLINE: Duration = Duration::from_secs(120);

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(err: SdkError<E>) -> AccountsError {
    match &err {
        SdkError::ServiceError(e) => match e.err().code() {
            Some("UnauthorizedException") => AccountsError::SessionExpired,
            Some("TooManyRequestsException") => AccountsError::Throttled,
            code => AccountsError::Service(format!(
                "{}: {}",
                code.unwrap_or("unknown error"),
                e.err().message().unwrap_or_default()
            )),
        },
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            AccountsError::Unreachable(crate::sso::client::innermost(&err))
        }
        _ => AccountsError::Service(crate::sso::client::innermost(&err)),
    }
}

/// A portal client for `sso_region`. Calls are unsigned (the bearer token
/// authorises them); `AWS_ENDPOINT_URL_SSO` is honoured as by every SDK.
pub async fn portal_client(sso_region: &Region) -> aws_sdk_sso::Client {
    let retry = RetryConfig::standard()
        .with_max_attempts(6)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(8));
    aws_sdk_sso::Client::new(&crate::sso::client::config(sso_region, Duration::from_secs(5), retry).await)
}

/// Lists every (account, role) pair the token can reach, sorted by account
/// name and role.
///
/// # Errors
/// [`AccountsError`], e.g. an expired session or persistent throttling.
pub async fn list(client: &aws_sdk_sso::Client, token: &Secret) -> Result<Vec<AccountRole>, AccountsError> {
    tokio::time::timeout(LIST_DEADLINE, list_all(client, token))
        .await
        .unwrap_or(Err(AccountsError::TimedOut(LIST_DEADLINE)))
}

async fn list_all(client: &aws_sdk_sso::Client, token: &Secret) -> Result<Vec<AccountRole>, AccountsError> {
    let mut accounts = Vec::new();
    let mut pages =
        client.list_accounts().access_token(token.expose()).max_results(100).into_paginator().items().send();
    while let Some(account) = pages.next().await {
        accounts.push(account.map_err(classify)?);
    }

    let limit = Arc::new(tokio::sync::Semaphore::new(PARALLEL_ROLE_LISTINGS));
    let mut tasks = tokio::task::JoinSet::new();
    for account in accounts {
        let (client, token, limit) = (client.clone(), token.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await.expect("semaphore never closes");
            let account_id = account.account_id().unwrap_or_default().to_string();
            let mut roles = Vec::new();
            let mut pages = client
                .list_account_roles()
                .access_token(token.expose())
                .account_id(&account_id)
                .max_results(100)
                .into_paginator()
                .items()
                .send();
            while let Some(role) = pages.next().await {
                let role = role.map_err(classify)?;
                roles.push(AccountRole {
                    account_name: account.account_name().unwrap_or(&account_id).to_string(),
                    account_id: account_id.clone(),
                    role_name: role.role_name().unwrap_or_default().to_string(),
                    email: account.email_address().map(str::to_string),
                });
            }
            Ok::<_, AccountsError>(roles)
        });
    }
    let mut all = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        all.extend(joined.map_err(|e| AccountsError::Service(e.to_string()))??);
    }
    all.sort();
    Ok(all)
}

/// Lists what the SSO session behind `profile` can reach, from the cache
/// when it is younger than an hour unless `refresh`.
///
/// # Errors
/// [`AccountsError`]: not an SSO profile, no valid token, or the portal's.
pub async fn list_for_profile(
    paths: &crate::paths::Paths,
    profile: &crate::aws::profiles::AwsProfile,
    refresh: bool,
    now: OffsetDateTime,
) -> Result<Vec<AccountRole>, AccountsError> {
    let source = &profile.credentials;
    let (start_url, sso_region) = source.sso_portal().ok_or_else(|| AccountsError::NotSso(profile.name.clone()))?;
    if !refresh {
        if let Some(roles) = cached(&paths.app_dir, start_url, time::Duration::hours(1), now) {
            return Ok(roles);
        }
    }
    let token_path =
        crate::sso::cache::token_path(&paths.sso_cache_dir, source).expect("SSO profiles have a token path");
    let token = crate::sso::cache::read_token(&token_path)?;
    if token.expires_at <= now {
        return Err(AccountsError::SessionExpired);
    }
    let region = Region::new(sso_region).map_err(|_| AccountsError::BadRegion(profile.name.clone()))?;
    let roles = list(&portal_client(&region).await, &token.access_token).await?;
    store(&paths.app_dir, start_url, &roles, now);
    Ok(roles)
}

/// The listing cached on disk per start URL, so the wizard and repeated
/// commands do not hit the portal (and its throttling) every time.
#[derive(Debug, Serialize, Deserialize)]
struct CachedListing {
    start_url: String,
    #[serde(with = "time::serde::rfc3339")]
    fetched_at: OffsetDateTime,
    roles: Vec<AccountRole>,
}

fn cache_path(app_dir: &Path, start_url: &str) -> PathBuf {
    app_dir.join("sso-accounts").join(format!("{:x}.json", Sha1::digest(start_url.as_bytes())))
}

/// A cached listing younger than `max_age`, if any.
pub fn cached(
    app_dir: &Path,
    start_url: &str,
    max_age: time::Duration,
    now: OffsetDateTime,
) -> Option<Vec<AccountRole>> {
    let bytes = crate::bounded_read::read(&cache_path(app_dir, start_url), crate::bounded_read::MAX_FILE_BYTES).ok()?;
    let listing: CachedListing = serde_json::from_slice(&bytes).ok()?;
    (listing.start_url == start_url && now - listing.fetched_at < max_age).then_some(listing.roles)
}

/// Stores a listing (best effort: a cache that cannot be written only
/// costs a later request).
pub fn store(app_dir: &Path, start_url: &str, roles: &[AccountRole], now: OffsetDateTime) {
    let listing = CachedListing { start_url: start_url.to_string(), fetched_at: now, roles: roles.to_vec() };
    if let Ok(bytes) = serde_json::to_vec_pretty(&listing) {
        if let Err(e) = write_atomic(&cache_path(app_dir, start_url), &bytes, 0o600) {
            tracing::warn!("cannot cache the account listing: {e}");
        }
    }
}

impl crate::error_kind::HasKind for AccountsError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        crate::error_kind::request_or_environment(matches!(self, AccountsError::NotSso(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_round_trip_honours_age_and_url() {
        let dir = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::now_utc();
        let roles =
            vec![AccountRole { account_name: "a".into(), account_id: "1".into(), role_name: "r".into(), email: None }];
        store(dir.path(), "https://x/start", &roles, now);
        assert_eq!(cached(dir.path(), "https://x/start", time::Duration::hours(1), now).unwrap(), roles);
        assert!(
            cached(dir.path(), "https://x/start", time::Duration::hours(1), now + time::Duration::hours(2)).is_none()
        );
        assert!(cached(dir.path(), "https://y/start", time::Duration::hours(1), now).is_none());
    }
}
