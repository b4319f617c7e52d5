//! IAM Identity Center OIDC: client registration, the two logins
//! (authorization code with PKCE, and device code), and the silent
//! refresh, writing the same files as AWS CLI v2 and botocore
//! (`~/.aws/sso/cache/`), so every tool shares one session.
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
/// The bounds of the polling interval, whatever the service asks: a zero
/// or tiny one would hammer it, a huge one would outlast the code.
const MIN_INTERVAL: Duration = Duration::from_secs(1);
const MAX_INTERVAL: Duration = Duration::from_secs(30);

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
    #[error("the operating system gave no random bytes ({0})")]
    Random(String),
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

/// The grant a client registration is for. AWS CLI v2 caches both kinds
/// under the same file name and tells them apart by `grantTypes`: a
/// registration listing `authorization_code` is used only by the PKCE
/// login, any other only by the device-code login (awscli/botocore/utils.py
/// `BaseSSOTokenFetcher._is_registration_for_auth_code`, aws-cli v2 branch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    AuthorizationCode,
    DeviceCode,
}

/// The grants of a PKCE registration, its default scope and the redirect
/// URI it registers (no port: the port is chosen per login and named in
/// the authorize and CreateToken calls), as AWS CLI v2's
/// `SSOTokenFetcherAuth` and `AuthCodeFetcher.redirect_uri_without_port`.
pub const AUTH_CODE_GRANTS: [&str; 2] = ["authorization_code", "refresh_token"];
pub const DEFAULT_SCOPE: &str = "sso:account:access";
pub const REGISTERED_REDIRECT_URI: &str = "http://127.0.0.1/oauth/callback";

/// A registration from the cache for `grant` that is still good for a
/// while, if any. One with an empty id or secret counts as none.
pub fn cached_registration(
    target: &SessionTarget,
    cache_dir: &Path,
    now: OffsetDateTime,
    grant: Grant,
) -> Option<Registration> {
    let bytes =
        crate::bounded_read::read(&target.registration_path(cache_dir), crate::bounded_read::MAX_FILE_BYTES).ok()?;
    let v: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    let expires_at = parse_timestamp(v.get("expiresAt")?.as_str()?)?;
    let for_auth_code = v
        .get("grantTypes")
        .and_then(Value::as_array)
        .is_some_and(|g| g.iter().any(|t| t.as_str() == Some("authorization_code")));
    if for_auth_code != (grant == Grant::AuthorizationCode) {
        return None;
    }
    let client_id = v.get("clientId").and_then(Value::as_str).filter(|s| !s.is_empty())?;
    let client_secret = v.get("clientSecret").and_then(Value::as_str).filter(|s| !s.is_empty())?;
    // botocore treats a registration as expired 15 minutes early.
    (expires_at - now > time::Duration::minutes(15)).then(|| Registration {
        client_id: client_id.to_string(),
        client_secret: Secret::new(client_secret),
        expires_at,
    })
}

/// Registers a new public client for `grant` and caches it where, and as,
/// AWS CLI v2 would.
///
/// # Errors
/// [`OidcError`] from the service or the cache write.
pub async fn register(
    client: &aws_sdk_ssooidc::Client,
    target: &SessionTarget,
    cache_dir: &Path,
    grant: Grant,
) -> Result<Registration, OidcError> {
    let name = target.session_name.clone().unwrap_or_else(|| OffsetDateTime::now_utc().unix_timestamp().to_string());
    let mut request = client.register_client().client_name(format!("botocore-client-{name}")).client_type("public");
    let mut scopes = target.scopes.clone();
    if grant == Grant::AuthorizationCode {
        // RegisterClient as SSOTokenFetcherAuth._register_client sends it.
        scopes = Some(scopes.unwrap_or_else(|| vec![DEFAULT_SCOPE.to_string()]));
        request = request
            .set_grant_types(Some(AUTH_CODE_GRANTS.iter().map(ToString::to_string).collect()))
            .redirect_uris(REGISTERED_REDIRECT_URI)
            .issuer_url(&target.start_url);
    }
    if let Some(scopes) = &scopes {
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
    if let Some(scopes) = &scopes {
        file.insert("scopes".into(), scopes.clone().into());
    }
    if grant == Grant::AuthorizationCode {
        file.insert("grantTypes".into(), AUTH_CODE_GRANTS.to_vec().into());
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
            n if n > 0 => Duration::from_secs(n as u64).clamp(MIN_INTERVAL, MAX_INTERVAL),
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

/// Polls CreateToken until the user approves, honouring `interval` (within
/// bounds) and `slow_down`, retrying transient errors, until the
/// authorization expires.
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
            Err(SdkError::ServiceError(e)) if e.err().is_slow_down_exception() => {
                interval = (interval + SLOW_DOWN_DELAY).min(MAX_INTERVAL * 2)
            }
            Err(e) => {
                // A network blip or a 5xx while the user approves must not
                // waste their approval: retry until the code expires.
                let e = classify(e);
                if !e.is_transient() {
                    return Err(e);
                }
                tracing::debug!("polling for the token failed, retrying: {e}");
            }
        }
        tokio::time::sleep(interval).await;
    }
}

/// A PKCE pair (RFC 7636): the verifier stays with us until CreateToken,
/// the challenge goes into the authorize URL.
#[derive(Debug, Clone)]
pub struct Pkce {
    verifier: Secret,
    /// `BASE64URL(SHA256(verifier))`, unpadded.
    pub challenge: String,
}

impl Pkce {
    /// A fresh pair: 64 characters from RFC 7636's unreserved set, as AWS
    /// CLI v2 draws them (`SSOTokenFetcherAuth.__init__`), from the OS's
    /// random source.
    ///
    /// # Errors
    /// [`OidcError::Random`] when the OS has no randomness to give.
    pub fn new() -> Result<Self, OidcError> {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
        let mut verifier = String::with_capacity(64);
        while verifier.len() < 64 {
            for b in random_bytes::<64>()? {
                // 198 = 3 × 66: the bytes above are rejected so every
                // character is equally likely.
                if usize::from(b) < 3 * ALPHABET.len() && verifier.len() < 64 {
                    verifier.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
                }
            }
        }
        Ok(Self::from_verifier(verifier))
    }

    /// The pair for a given verifier.
    pub fn from_verifier(verifier: String) -> Self {
        use base64::Engine as _;
        let challenge =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
        Self { verifier: Secret::new(verifier), challenge }
    }
}

/// `N` bytes from the OS's random source.
///
/// # Errors
/// [`OidcError::Random`].
pub fn random_bytes<const N: usize>() -> Result<[u8; N], OidcError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| OidcError::Random(e.to_string()))?;
    Ok(bytes)
}

/// A fresh `state` for one authorization: 128 random bits, URL-safe.
///
/// # Errors
/// [`OidcError::Random`].
pub fn new_state() -> Result<String, OidcError> {
    use base64::Engine as _;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<16>()?))
}

/// The SSO-OIDC endpoint for `region`: `endpoint_url` if given, else
/// `AWS_ENDPOINT_URL_SSO_OIDC`, else `AWS_ENDPOINT_URL`, else the SDK's
/// own rules (`https://oidc.REGION.amazonaws.com`, other partitions too).
/// The authorize page is not an API operation, so its URL is built on this
/// base, as AWS CLI v2 does (`_get_base_authorization_uri`).
pub async fn endpoint(region: &Region, endpoint_url: Option<&str>) -> String {
    use aws_sdk_ssooidc::config::endpoint::{DefaultResolver, Params, ResolveEndpoint as _};
    let configured = endpoint_url.map(str::to_string).or_else(configured_endpoint);
    let default = format!("https://oidc.{region}.amazonaws.com");
    let Ok(params) = Params::builder().region(region.as_str()).set_endpoint(configured.clone()).build() else {
        return configured.unwrap_or(default);
    };
    match DefaultResolver::new().resolve_endpoint(&params).await {
        Ok(e) => e.url().trim_end_matches('/').to_string(),
        Err(_) => configured.unwrap_or(default),
    }
}

/// The SSO-OIDC endpoint set in the environment, if any.
pub fn configured_endpoint() -> Option<String> {
    ["AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .map(|v| v.trim().trim_end_matches('/').to_string())
}

/// The authorize URL the user opens, exactly as AWS CLI v2 builds it
/// (`SSOTokenFetcherAuth._get_authorization_uri`): its parameters in this
/// order, percent-encoded like Python's `quote(safe="-._~")`, scopes
/// space-separated, the challenge last.
pub fn authorize_url(
    endpoint: &str,
    registration: &Registration,
    redirect_uri: &str,
    state: &str,
    scopes: Option<&[String]>,
    pkce: &Pkce,
) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    let scopes = match scopes {
        Some(s) if !s.is_empty() => s.join(" "),
        _ => DEFAULT_SCOPE.to_string(),
    };
    let params = [
        ("response_type", "code"),
        ("client_id", registration.client_id.as_str()),
        ("redirect_uri", redirect_uri),
        ("state", state),
        ("code_challenge_method", "S256"),
        ("scopes", scopes.as_str()),
        ("code_challenge", pkce.challenge.as_str()),
    ];
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, QUERY))).collect();
    format!("{}/authorize?{}", endpoint.trim_end_matches('/'), query.join("&"))
}

/// Exchanges an authorization code for a token, proving with the verifier
/// that we started the authorization (CreateToken as
/// `SSOTokenFetcherAuth._create_token_` calls it).
///
/// # Errors
/// [`OidcError`] from the service; [`OidcError::InvalidClient`] means the
/// registration is dead and must be made again.
pub async fn exchange_code(
    client: &aws_sdk_ssooidc::Client,
    registration: &Registration,
    code: &Secret,
    pkce: &Pkce,
    redirect_uri: &str,
) -> Result<IssuedToken, OidcError> {
    let out = client
        .create_token()
        .client_id(&registration.client_id)
        .client_secret(registration.client_secret.expose())
        .grant_type("authorization_code")
        .redirect_uri(redirect_uri)
        .code_verifier(pkce.verifier.expose())
        .code(code.expose())
        .send()
        .await
        .map_err(classify)?;
    Ok(IssuedToken {
        access_token: Secret::new(out.access_token().unwrap_or_default()),
        refresh_token: out.refresh_token().map(Secret::new),
        expires_in: i64::from(out.expires_in()),
    })
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

    #[test]
    fn pkce_and_the_authorize_url_are_what_aws_cli_v2_sends() {
        // RFC 7636 appendix B; the same as AWS CLI v2's urlsafe_b64encode
        // with its final '=' trimmed.
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(pkce.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let registration = Registration {
            client_id: "cid".into(),
            client_secret: Secret::new("cs"),
            expires_at: OffsetDateTime::now_utc(),
        };
        let scopes = ["sso:account:access".to_string(), "codewhisperer:completions".to_string()];
        let url = authorize_url(
            "https://oidc.eu-west-1.amazonaws.com/",
            &registration,
            "http://127.0.0.1:4321/oauth/callback",
            "st",
            Some(&scopes),
            &pkce,
        );
        // python3: percent_encode_sequence (quote, safe "-._~") of the same dict.
        assert_eq!(
            url,
            "https://oidc.eu-west-1.amazonaws.com/authorize?response_type=code&client_id=cid\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A4321%2Foauth%2Fcallback&state=st&code_challenge_method=S256\
             &scopes=sso%3Aaccount%3Aaccess%20codewhisperer%3Acompletions\
             &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let fresh = Pkce::new().unwrap();
        assert_eq!(fresh.verifier.expose().len(), 64);
        assert!(fresh.verifier.expose().bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
        assert_ne!(Pkce::new().unwrap().challenge, fresh.challenge, "a new pair each time");
    }
}
