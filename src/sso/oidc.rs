//! IAM Identity Center OIDC: client registration, the device-code login,
//! and the silent refresh, writing the same files as AWS CLI v2 and
//! botocore (`~/.aws/sso/cache/`), so every tool shares one session.
//!
//! Formats follow botocore's `SSOTokenFetcher` and `SSOTokenProvider`
//! (awscli/botocore/utils.py and botocore/tokens.py): the registration is
//! cached under `sha1(json.dumps({"tool": "botocore", "startUrl", "region",
//! "scopes", "session_name"}, sort_keys=True))`, the token under
//! `sha1(session name, else start URL)`.

use crate::names::Region;
use crate::secret::Secret;
use crate::sso::cache::{format_cli_timestamp, parse_timestamp, SsoToken};
use aws_config::retry::RetryConfig;
use aws_sdk_ssooidc::error::{ProvideErrorMetadata, SdkError};
use serde_json::{Map, Value};
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

/// The RFC 8628 additions to the polling interval on `slow_down`, and its
/// default when the service names none (both as botocore uses them).
const SLOW_DOWN_DELAY: Duration = Duration::from_secs(5);
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// The SSO session a login or refresh is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTarget {
    /// `None` for legacy `sso_start_url` profiles.
    pub session_name: Option<String>,
    pub start_url: String,
    pub region: Region,
    /// `sso_registration_scopes` (none for legacy profiles).
    pub scopes: Option<Vec<String>>,
}

impl SessionTarget {
    /// The token file, as AWS CLI v2 names it.
    pub fn token_path(&self, cache_dir: &Path) -> PathBuf {
        let key = self.session_name.as_deref().unwrap_or(&self.start_url);
        cache_dir.join(crate::sso::cache::token_file_name(key))
    }

    /// The registration file, as botocore names it.
    pub fn registration_path(&self, cache_dir: &Path) -> PathBuf {
        // json.dumps(args, sort_keys=True) with Python's default separators.
        let json = |v: &Value| serde_json::to_string(v).expect("JSON value");
        let scopes = match &self.scopes {
            Some(s) => format!("[{}]", s.iter().map(|x| json(&Value::from(x.as_str()))).collect::<Vec<_>>().join(", ")),
            None => "null".into(),
        };
        let session = self.session_name.as_deref().map_or("null".to_string(), |s| json(&Value::from(s)));
        let args = format!(
            "{{\"region\": {}, \"scopes\": {scopes}, \"session_name\": {session}, \"startUrl\": {}, \"tool\": \"botocore\"}}",
            json(&Value::from(self.region.as_str())),
            json(&Value::from(self.start_url.as_str())),
        );
        cache_dir.join(format!("{:x}.json", Sha1::digest(args.as_bytes())))
    }
}

/// Why a login or refresh failed; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the refresh token was refused (it expired or was revoked): log in again")]
    InvalidGrant,
    #[error("the sign-in request expired before it was approved: start the login again")]
    Expired,
    #[error("the sign-in was denied in the browser")]
    Denied,
    #[error("the client registration is no longer valid: log in again")]
    InvalidClient,
    #[error("cannot reach IAM Identity Center ({0}): check the network and the SSO region")]
    Unreachable(String),
    #[error("IAM Identity Center answered {code}: {message}")]
    Service { code: String, message: String },
    #[error("this session cannot be refreshed silently ({0}): log in")]
    NotRefreshable(&'static str),
    #[error("cannot write {}: {message}", path.display())]
    Write { path: PathBuf, message: String },
}

impl OidcError {
    /// Whether retrying later may help (network, throttling, 5xx), as
    /// opposed to needing a new login.
    pub fn is_transient(&self) -> bool {
        matches!(self, OidcError::Unreachable(_))
            || matches!(self, OidcError::Service { code, .. } if code.contains("InternalServer") || code.contains("Throttl") || code.contains("SlowDown"))
    }
}

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(err: SdkError<E>) -> OidcError {
    match &err {
        SdkError::ServiceError(e) => match e.err().code() {
            Some("InvalidGrantException") => OidcError::InvalidGrant,
            Some("ExpiredTokenException") => OidcError::Expired,
            Some("AccessDeniedException") => OidcError::Denied,
            Some("InvalidClientException") => OidcError::InvalidClient,
            code => OidcError::Service {
                code: code.unwrap_or("an unknown error").to_string(),
                message: e.err().message().unwrap_or_default().to_string(),
            },
        },
        _ => OidcError::Unreachable(crate::sso::client::innermost(&err)),
    }
}

/// An OIDC client for the SSO region; unsigned, honours
/// `AWS_ENDPOINT_URL_SSO_OIDC`, never hangs on a dead connection.
pub async fn client(region: &Region) -> aws_sdk_ssooidc::Client {
    client_with(region, Duration::from_secs(10), 3, None).await
}

/// An OIDC client with its own per-attempt timeout, number of SDK attempts
/// (the watcher retries on its own schedule, so it asks for one) and,
/// where given, endpoint.
pub async fn client_with(
    region: &Region,
    attempt_timeout: Duration,
    attempts: u32,
    endpoint_url: Option<&str>,
) -> aws_sdk_ssooidc::Client {
    let retry = RetryConfig::standard().with_max_attempts(attempts.max(1));
    let sdk = crate::sso::client::config(region, attempt_timeout, retry).await;
    let mut config = aws_sdk_ssooidc::config::Builder::from(&sdk);
    if let Some(url) = endpoint_url {
        config = config.endpoint_url(url);
    }
    aws_sdk_ssooidc::Client::from_conf(config.build())
}

/// A client registration (botocore's cached form).
#[derive(Debug, Clone)]
pub struct Registration {
    pub client_id: String,
    pub client_secret: Secret,
    pub expires_at: OffsetDateTime,
}

/// A registration from the cache that is still good for a while, if any.
pub fn cached_registration(target: &SessionTarget, cache_dir: &Path, now: OffsetDateTime) -> Option<Registration> {
    let bytes =
        crate::bounded_read::read(&target.registration_path(cache_dir), crate::bounded_read::MAX_FILE_BYTES).ok()?;
    let v: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    let expires_at = parse_timestamp(v.get("expiresAt")?.as_str()?)?;
    // botocore treats a registration as expired 15 minutes early.
    (expires_at - now > time::Duration::minutes(15)).then(|| Registration {
        client_id: v.get("clientId").and_then(Value::as_str).unwrap_or_default().to_string(),
        client_secret: Secret::new(v.get("clientSecret").and_then(Value::as_str).unwrap_or_default()),
        expires_at,
    })
}

/// Registers a new public client and caches it where botocore would.
///
/// # Errors
/// [`OidcError`] from the service or the cache write.
pub async fn register(
    client: &aws_sdk_ssooidc::Client,
    target: &SessionTarget,
    cache_dir: &Path,
) -> Result<Registration, OidcError> {
    let name = target.session_name.clone().unwrap_or_else(|| OffsetDateTime::now_utc().unix_timestamp().to_string());
    let mut request = client.register_client().client_name(format!("botocore-client-{name}")).client_type("public");
    if let Some(scopes) = &target.scopes {
        request = request.set_scopes(Some(scopes.clone()));
    }
    let out = request.send().await.map_err(classify)?;
    let registration = Registration {
        client_id: out.client_id().unwrap_or_default().to_string(),
        client_secret: Secret::new(out.client_secret().unwrap_or_default()),
        expires_at: OffsetDateTime::from_unix_timestamp(out.client_secret_expires_at())
            .unwrap_or_else(|_| OffsetDateTime::now_utc() + time::Duration::days(90)),
    };
    let mut file = Map::new();
    file.insert("clientId".into(), registration.client_id.clone().into());
    file.insert("clientSecret".into(), registration.client_secret.expose().into());
    file.insert("expiresAt".into(), format_cli_timestamp(registration.expires_at).into());
    if let Some(scopes) = &target.scopes {
        file.insert("scopes".into(), scopes.clone().into());
    }
    write_private_json(&target.registration_path(cache_dir), &file)?;
    Ok(registration)
}

/// What the user must do to approve a login. The device code stays inside.
#[derive(Debug, Clone)]
pub struct DeviceAuthorization {
    device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_at: OffsetDateTime,
    pub interval: Duration,
}

/// Starts a device authorization.
///
/// # Errors
/// [`OidcError`] from the service.
pub async fn start_device_authorization(
    client: &aws_sdk_ssooidc::Client,
    registration: &Registration,
    target: &SessionTarget,
    now: OffsetDateTime,
) -> Result<DeviceAuthorization, OidcError> {
    let out = client
        .start_device_authorization()
        .client_id(&registration.client_id)
        .client_secret(registration.client_secret.expose())
        .start_url(&target.start_url)
        .send()
        .await
        .map_err(classify)?;
    Ok(DeviceAuthorization {
        device_code: Secret::new(out.device_code().unwrap_or_default()),
        user_code: out.user_code().unwrap_or_default().to_string(),
        verification_uri: out.verification_uri().unwrap_or_default().to_string(),
        verification_uri_complete: out.verification_uri_complete().unwrap_or_default().to_string(),
        expires_at: now + time::Duration::seconds(i64::from(out.expires_in())),
        interval: match out.interval() {
            n if n > 0 => Duration::from_secs(n as u64),
            _ => DEFAULT_INTERVAL,
        },
    })
}

/// A token as CreateToken returns it.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_in: i64,
}

/// Polls CreateToken until the user approves, honouring `interval` and
/// `slow_down`, until the authorization expires.
///
/// # Errors
/// [`OidcError::Expired`], [`OidcError::Denied`] or the service's error.
pub async fn poll_for_token(
    client: &aws_sdk_ssooidc::Client,
    registration: &Registration,
    authorization: &DeviceAuthorization,
) -> Result<IssuedToken, OidcError> {
    let mut interval = authorization.interval;
    loop {
        if OffsetDateTime::now_utc() > authorization.expires_at {
            return Err(OidcError::Expired);
        }
        let result = client
            .create_token()
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .grant_type("urn:ietf:params:oauth:grant-type:device_code")
            .device_code(authorization.device_code.expose())
            .send()
            .await;
        match result {
            Ok(out) => {
                return Ok(IssuedToken {
                    access_token: Secret::new(out.access_token().unwrap_or_default()),
                    refresh_token: out.refresh_token().map(Secret::new),
                    expires_in: i64::from(out.expires_in()),
                })
            }
            Err(SdkError::ServiceError(e)) if e.err().is_authorization_pending_exception() => {}
            Err(SdkError::ServiceError(e)) if e.err().is_slow_down_exception() => interval += SLOW_DOWN_DELAY,
            Err(e) => return Err(classify(e)),
        }
        tokio::time::sleep(interval).await;
    }
}

/// Exchanges a refresh token for a new access token.
///
/// # Errors
/// [`OidcError::NotRefreshable`] when the file lacks what a refresh needs,
/// [`OidcError::InvalidGrant`] when the refresh token is dead (log in), or
/// the service's error.
pub async fn refresh(
    client: &aws_sdk_ssooidc::Client,
    token: &SsoToken,
    now: OffsetDateTime,
) -> Result<IssuedToken, OidcError> {
    let refresh_token = token.refresh_token.as_ref().ok_or(OidcError::NotRefreshable("no refresh token"))?;
    let client_id = token.client_id.as_deref().ok_or(OidcError::NotRefreshable("no client registration"))?;
    let client_secret = token.client_secret.as_ref().ok_or(OidcError::NotRefreshable("no client registration"))?;
    if token.registration_expires_at.is_some_and(|t| t <= now) {
        return Err(OidcError::NotRefreshable("the client registration expired"));
    }
    let out = client
        .create_token()
        .client_id(client_id)
        .client_secret(client_secret.expose())
        .grant_type("refresh_token")
        .refresh_token(refresh_token.expose())
        .send()
        .await
        .map_err(classify)?;
    Ok(IssuedToken {
        access_token: Secret::new(out.access_token().unwrap_or_default()),
        // Without a new one the old refresh token stays valid (botocore keeps it).
        refresh_token: out.refresh_token().map(Secret::new).or_else(|| Some(refresh_token.clone())),
        expires_in: i64::from(out.expires_in()),
    })
}

/// Writes a token file in the AWS CLI's format: keys it does not set are
/// kept from `previous` (so nothing Claude Code or the CLI added is lost),
/// `expiresAt` as `%Y-%m-%dT%H:%M:%SZ`, mode 0600, atomically.
///
/// # Errors
/// [`OidcError::Write`].
pub fn write_token(
    path: &Path,
    previous: Option<&Map<String, Value>>,
    target: &SessionTarget,
    issued: &IssuedToken,
    registration: &Registration,
    now: OffsetDateTime,
) -> Result<(), OidcError> {
    let mut file = previous.cloned().unwrap_or_default();
    file.insert("startUrl".into(), target.start_url.clone().into());
    file.insert("region".into(), target.region.to_string().into());
    file.insert("accessToken".into(), issued.access_token.expose().into());
    file.insert("expiresAt".into(), format_cli_timestamp(now + time::Duration::seconds(issued.expires_in)).into());
    file.insert("clientId".into(), registration.client_id.clone().into());
    file.insert("clientSecret".into(), registration.client_secret.expose().into());
    file.insert("registrationExpiresAt".into(), format_cli_timestamp(registration.expires_at).into());
    match &issued.refresh_token {
        Some(r) => {
            file.insert("refreshToken".into(), r.expose().into());
        }
        None => {
            file.shift_remove("refreshToken");
        }
    }
    write_private_json(path, &file)
}

fn write_private_json(path: &Path, map: &Map<String, Value>) -> Result<(), OidcError> {
    let bytes = serde_json::to_vec(map).expect("a JSON map serialises");
    // 0600 from creation, whatever mode an older file had.
    crate::atomic_file::write_private(path, &bytes)
        .map_err(|e| OidcError::Write { path: path.to_path_buf(), message: e.source.to_string() })
}

/// The registration stored in a token file, for refreshes.
pub fn registration_of(token: &SsoToken) -> Option<Registration> {
    Some(Registration {
        client_id: token.client_id.clone()?,
        client_secret: token.client_secret.clone()?,
        expires_at: token
            .registration_expires_at
            .unwrap_or_else(|| OffsetDateTime::now_utc() + time::Duration::days(1)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_file_name_matches_botocore() {
        // python3 -c 'import hashlib,json; print(hashlib.sha1(json.dumps({"tool":"botocore",
        //   "startUrl":"https://corp.awsapps.com/start","region":"eu-west-1",
        //   "scopes":["sso:account:access"],"session_name":"corp"}, sort_keys=True).encode()).hexdigest())'
        let t = SessionTarget {
            session_name: Some("corp".into()),
            start_url: "https://corp.awsapps.com/start".into(),
            region: Region::new("eu-west-1").unwrap(),
            scopes: Some(vec!["sso:account:access".into()]),
        };
        let expected = std::process::Command::new("python3")
            .arg("-c")
            .arg("import hashlib,json; print(hashlib.sha1(json.dumps({'tool':'botocore','startUrl':'https://corp.awsapps.com/start','region':'eu-west-1','scopes':['sso:account:access'],'session_name':'corp'}, sort_keys=True).encode()).hexdigest())")
            .output()
            .expect("python3 is on every machine this builds on");
        let expected = String::from_utf8(expected.stdout).unwrap();
        assert_eq!(t.registration_path(Path::new("/c")), Path::new("/c").join(format!("{}.json", expected.trim())));
        assert_eq!(t.token_path(Path::new("/c")), Path::new("/c").join(crate::sso::cache::token_file_name("corp")));
    }
}
