//! Logging in and refreshing, one at a time per SSO session.
//!
//! Parallel credential callers each opening a browser tab is a known storm
//! in other tools: here every login takes a per-session lock, and a login
//! that waited for another one finds the fresh token and stops there.

use crate::aws::profiles::{AwsProfile, CredentialSource};
use crate::names::Region;
use crate::paths::Paths;
use crate::sso::cache::{read_token, SessionState, SessionStatus};
use crate::sso::loopback::{Loopback, LoopbackError};
use crate::sso::oidc::{self, DeviceAuthorization, Grant, IssuedToken, OidcError, Registration, SessionTarget};
use sha1::{Digest, Sha1};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

/// Why a login did not complete.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("profile {0:?} does not use IAM Identity Center (SSO): there is nothing to log in to")]
    NotSso(String),
    #[error("profile {profile:?} has an invalid sso_region {region:?}")]
    BadRegion { profile: String, region: String },
    #[error(transparent)]
    Oidc(#[from] OidcError),
    #[error("cannot take the login lock {}: {source}", path.display())]
    Lock { path: PathBuf, source: std::io::Error },
    #[error("another sign-in of this session has held its lock for {} s: try again once it ends", .0.as_secs())]
    LockTimedOut(Duration),
    #[error(transparent)]
    Redirect(#[from] LoopbackError),
    #[error("the login command `{command}` failed ({status}); its output is above")]
    CommandFailed { command: String, status: String },
    #[error("the login command `{command}` did not finish within {seconds} seconds")]
    CommandTimedOut { command: String, seconds: u64 },
    #[error("the login command `{command}` finished but {} holds no valid token", path.display())]
    CommandNoToken { command: String, path: PathBuf },
    #[error("the login command `{command}` finished without writing a new token to {}: check that it logs in to this profile's SSO session", path.display())]
    CommandNoChange { command: String, path: PathBuf },
    #[error("cannot run the login command: {0}")]
    Spawn(std::io::Error),
}

/// The SSO session behind a profile.
///
/// # Errors
/// [`LoginError::NotSso`] or a bad region.
pub fn target_of(profile: &AwsProfile) -> Result<SessionTarget, LoginError> {
    let (session_name, start_url, region, scopes) = match &profile.credentials {
        CredentialSource::Sso { sso_session, start_url, sso_region, registration_scopes, .. } => (
            Some(sso_session.clone()),
            start_url,
            sso_region,
            Some(registration_scopes.clone()).filter(|s| !s.is_empty()),
        ),
        CredentialSource::LegacySso { start_url, sso_region, .. } => (None, start_url, sso_region, None),
        _ => return Err(LoginError::NotSso(profile.name.clone())),
    };
    let region = Region::new(region.as_str())
        .map_err(|_| LoginError::BadRegion { profile: profile.name.clone(), region: region.clone() })?;
    Ok(SessionTarget { session_name, start_url: start_url.clone(), region, scopes })
}

/// An exclusive lock per SSO session, released on drop.
#[derive(Debug)]
pub struct SessionLock {
    _file: File,
}

/// How long a login waits for another login of the same session: longer
/// than a login's own deadline, so a joiner outlasts the login it joins.
pub const LOGIN_LOCK_WAIT: Duration = Duration::from_secs(12 * 60);
/// How long a silent refresh waits for the lock (a login may hold it).
pub const REFRESH_LOCK_WAIT: Duration = Duration::from_secs(60);
/// How long the PKCE login waits for the browser's redirect (AWS CLI v2's
/// `AuthCodeFetcher._OVERALL_TIMEOUT`).
pub const REDIRECT_WAIT: Duration = Duration::from_secs(10 * 60);

/// Waits up to `wait` for, then takes, the session's login lock.
///
/// # Errors
/// [`LoginError::Lock`], [`LoginError::LockTimedOut`].
pub async fn lock_session(paths: &Paths, target: &SessionTarget, wait: Duration) -> Result<SessionLock, LoginError> {
    let key = target.session_name.as_deref().unwrap_or(&target.start_url);
    let dir = paths.app_dir.join("locks");
    let path = dir.join(format!("login-{:x}.lock", Sha1::digest(key.as_bytes())));
    let err = |source| LoginError::Lock { path: path.clone(), source };
    crate::atomic_file::create_private_dir(&dir).map_err(err)?;
    let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(err)?;
    // try_lock in a loop rather than a blocking lock() on a thread: a
    // thread blocked in flock cannot be given up on when the wait ends.
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(SessionLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(err(e)),
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(LoginError::LockTimedOut(wait));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl LoginError {
    /// Whether trying again later may help without a login (network,
    /// throttling, a lock held by a login in progress).
    pub fn is_transient(&self) -> bool {
        match self {
            LoginError::Oidc(e) => e.is_transient(),
            LoginError::LockTimedOut(_) => true,
            _ => false,
        }
    }
}

/// What the user is asked to approve.
#[derive(Debug, Clone, Copy)]
pub enum Approval<'a> {
    /// The authorization code flow: open this page (the authorize URL) in a
    /// browser on this machine; it redirects back to our loopback listener.
    Browser { url: &'a str },
    /// The device-code flow: confirm the code on the page.
    DeviceCode(&'a DeviceAuthorization),
}

/// What the user sees during a login.
pub trait LoginPrompt {
    /// The page to approve the sign-in on (and the code, for a device code).
    fn show(&mut self, approval: Approval<'_>);
}

/// Which OAuth flow a login uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Flow {
    /// Authorization code with PKCE and a loopback redirect: AWS CLI v2's
    /// default since 2.22 (device codes can be phished, and some
    /// organisations block that grant). Falls back to the device code when
    /// no loopback port can be bound, and for legacy `sso_start_url`
    /// profiles, as the AWS CLI does (`do_sso_login`).
    #[default]
    AuthorizationCode,
    /// The device-code flow: approve on any device.
    DeviceCode,
}

/// How a login ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// We logged in; the token file is written.
    LoggedIn { expires_at: OffsetDateTime },
    /// Another login finished while we waited for the lock.
    Joined { expires_at: OffsetDateTime },
}

fn usable(status: &SessionStatus) -> Option<OffsetDateTime> {
    matches!(status.state, SessionState::Valid).then_some(status.expires_at).flatten()
}

/// The native device-code login (no AWS CLI needed): [`login`] with
/// [`Flow::DeviceCode`].
///
/// # Errors
/// [`LoginError`].
pub async fn device_login(
    paths: &Paths,
    target: &SessionTarget,
    prompt: &mut (dyn LoginPrompt + Send),
    open_browser: bool,
) -> Result<LoginOutcome, LoginError> {
    login(paths, target, prompt, open_browser, Flow::DeviceCode).await
}

/// The native login (no AWS CLI needed), by `flow`. Writes the token
/// exactly where and how the AWS CLI would; nothing is written unless the
/// login completes. One login per session at a time: a caller that waited
/// for another login's lock joins its result.
///
/// # Errors
/// [`LoginError`].
pub async fn login(
    paths: &Paths,
    target: &SessionTarget,
    prompt: &mut (dyn LoginPrompt + Send),
    open_browser: bool,
    flow: Flow,
) -> Result<LoginOutcome, LoginError> {
    let token_path = target.token_path(&paths.sso_cache_dir);
    let before = read_token(&token_path).ok().map(|t| t.access_token);
    let _lock = lock_session(paths, target, LOGIN_LOCK_WAIT).await?;
    let now = OffsetDateTime::now_utc();
    // Someone else logged in while we waited: join their result.
    if let Ok(token) = read_token(&token_path) {
        let status = SessionStatus::of_token(&token, token_path.clone(), now);
        if let Some(expires_at) = usable(&status) {
            if before.as_ref() != Some(&token.access_token) {
                return Ok(LoginOutcome::Joined { expires_at });
            }
        }
    }
    let client = oidc::client(&target.region).await;
    let listener = match flow {
        // AWS CLI v2 uses the authorization code only with an sso-session.
        Flow::AuthorizationCode if target.session_name.is_some() => match Loopback::bind().await {
            Ok(l) => Some(l),
            Err(e) => {
                tracing::warn!("{e}; signing in with a device code instead");
                None
            }
        },
        _ => None,
    };
    let (issued, registration) = match listener {
        Some(listener) => pkce_login(&client, paths, target, prompt, open_browser, listener).await?,
        None => device_code_login(&client, paths, target, prompt, open_browser).await?,
    };
    let previous = read_token(&token_path).ok().map(|t| t.raw);
    let now = OffsetDateTime::now_utc();
    oidc::write_token(&token_path, previous.as_ref(), target, &issued, &registration, now)?;
    tracing::info!(path = %token_path.display(), expires_in = issued.expires_in, token = ?issued.access_token, "signed in");
    Ok(LoginOutcome::LoggedIn { expires_at: now + time::Duration::seconds(issued.expires_in) })
}

/// The cached registration for `grant`, or a new one.
async fn registration(
    client: &aws_sdk_ssooidc::Client,
    paths: &Paths,
    target: &SessionTarget,
    grant: Grant,
) -> Result<(Registration, bool), LoginError> {
    match oidc::cached_registration(target, &paths.sso_cache_dir, OffsetDateTime::now_utc(), grant) {
        Some(r) => {
            tracing::debug!(client_id = %r.client_id, "reusing the cached client registration");
            Ok((r, true))
        }
        None => {
            let r = oidc::register(client, target, &paths.sso_cache_dir, grant).await?;
            tracing::info!(client_id = %r.client_id, ?grant, "registered a new OIDC client");
            Ok((r, false))
        }
    }
}

/// Authorization code with PKCE: the authorize URL opened (or shown), the
/// redirect taken on `listener`, the code exchanged with the verifier.
async fn pkce_login(
    client: &aws_sdk_ssooidc::Client,
    paths: &Paths,
    target: &SessionTarget,
    prompt: &mut (dyn LoginPrompt + Send),
    open_browser: bool,
    listener: Loopback,
) -> Result<(IssuedToken, Registration), LoginError> {
    let (registration, cached) = registration(client, paths, target, Grant::AuthorizationCode).await?;
    let pkce = oidc::Pkce::new()?;
    let state = oidc::new_state()?;
    let redirect_uri = listener.redirect_uri();
    let endpoint = oidc::endpoint(&target.region, None).await;
    let url = oidc::authorize_url(&endpoint, &registration, &redirect_uri, &state, target.scopes.as_deref(), &pkce);
    prompt.show(Approval::Browser { url: &url });
    if open_browser {
        open_in_browser(&url);
    }
    let code = listener.wait_for_code(&state, REDIRECT_WAIT).await?;
    match oidc::exchange_code(client, &registration, &code, &pkce, &redirect_uri).await {
        Ok(issued) => Ok((issued, registration)),
        Err(OidcError::InvalidClient) if cached => {
            // Revoked since it was cached: the next login registers anew
            // rather than failing the same way again.
            let _ = std::fs::remove_file(target.registration_path(&paths.sso_cache_dir));
            Err(OidcError::InvalidClient.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// The device-code flow: the code shown (and its page opened), CreateToken
/// polled until the user approves. A cached registration the service no
/// longer knows is replaced once.
async fn device_code_login(
    client: &aws_sdk_ssooidc::Client,
    paths: &Paths,
    target: &SessionTarget,
    prompt: &mut (dyn LoginPrompt + Send),
    open_browser: bool,
) -> Result<(IssuedToken, Registration), LoginError> {
    let (mut registration, cached) = registration(client, paths, target, Grant::DeviceCode).await?;
    let now = OffsetDateTime::now_utc();
    let authorization = match oidc::start_device_authorization(client, &registration, target, now).await {
        Err(OidcError::InvalidClient) if cached => {
            tracing::info!("the cached client registration was refused; registering again");
            registration = oidc::register(client, target, &paths.sso_cache_dir, Grant::DeviceCode).await?;
            oidc::start_device_authorization(client, &registration, target, now).await?
        }
        other => other?,
    };
    tracing::info!(user_code = %authorization.user_code, interval = ?authorization.interval, "waiting for approval in the browser");
    prompt.show(Approval::DeviceCode(&authorization));
    if open_browser {
        open_in_browser(&authorization.verification_uri_complete);
    }
    let issued = oidc::poll_for_token(client, &registration, &authorization).await?;
    Ok((issued, registration))
}

/// How patient one silent refresh is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Per HTTP attempt: a connection that accepts and never answers
    /// fails after this long.
    pub attempt_timeout: Duration,
    /// SDK attempts (its own jittered backoff between them).
    pub attempts: u32,
    /// The SSO-OIDC endpoint; `None` follows `AWS_ENDPOINT_URL_SSO_OIDC`
    /// and the region (an in-process test cannot set the environment
    /// safely).
    pub endpoint_url: Option<String>,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self { attempt_timeout: Duration::from_secs(10), attempts: 3, endpoint_url: None }
    }
}

/// Refreshes a session silently with its refresh token.
///
/// # Errors
/// [`OidcError::NotRefreshable`] / [`OidcError::InvalidGrant`] mean a
/// login is needed; [`OidcError::is_transient`] ones may be retried.
pub async fn refresh(paths: &Paths, target: &SessionTarget) -> Result<OffsetDateTime, LoginError> {
    refresh_at(paths, target, OffsetDateTime::now_utc(), &RefreshPolicy::default()).await
}

/// [`refresh`] at the wall-clock time `now` (the new token expires
/// relative to it, so a watcher on a test clock stays consistent), under
/// `policy`.
///
/// # Errors
/// As [`refresh`].
pub async fn refresh_at(
    paths: &Paths,
    target: &SessionTarget,
    now: OffsetDateTime,
    policy: &RefreshPolicy,
) -> Result<OffsetDateTime, LoginError> {
    let token_path = target.token_path(&paths.sso_cache_dir);
    let _lock = lock_session(paths, target, REFRESH_LOCK_WAIT).await?;
    let token = read_token(&token_path).map_err(|_| OidcError::NotRefreshable("no token file"))?;
    let registration = oidc::registration_of(&token).ok_or(OidcError::NotRefreshable("no client registration"))?;
    let client =
        oidc::client_with(&target.region, policy.attempt_timeout, policy.attempts, policy.endpoint_url.as_deref())
            .await;
    let issued = oidc::refresh(&client, &token, now).await?;
    oidc::write_token(&token_path, Some(&token.raw), target, &issued, &registration, now)?;
    tracing::info!(path = %token_path.display(), expires_in = issued.expires_in, refresh_token = ?issued.refresh_token, "refreshed silently");
    Ok(now + time::Duration::seconds(issued.expires_in))
}

/// The token file's identity: its access token and modification time. A
/// login command succeeded when this changed and the token is valid.
fn token_fingerprint(path: &Path) -> Option<(crate::secret::Secret, Option<std::time::SystemTime>)> {
    let token = read_token(path).ok()?;
    Some((token.access_token, std::fs::metadata(path).and_then(|m| m.modified()).ok()))
}

/// Whether an `awsAuthRefresh` command is our own native login (running
/// it as a command would only wait for ourselves).
pub fn is_native_login_command(command: &str) -> bool {
    crate::program_path::runs_ours(command, "login")
}

/// Runs the settings' `awsAuthRefresh` command the way Claude Code does:
/// through the shell, with the settings' `env`, output streamed to the
/// user (it inherits our stdout and stderr, so the link and code reach
/// them); success is a token file that changed and holds a valid token.
///
/// # Errors
/// [`LoginError`] naming the command and what went wrong.
pub async fn run_refresh_command(
    paths: &Paths,
    target: &SessionTarget,
    command: &str,
    env: &[(String, String)],
    timeout: Duration,
) -> Result<LoginOutcome, LoginError> {
    let token_path = target.token_path(&paths.sso_cache_dir);
    let before = read_token(&token_path).ok().map(|t| t.access_token);
    let _lock = lock_session(paths, target, LOGIN_LOCK_WAIT).await?;
    let unchanged = token_fingerprint(&token_path);
    if let Ok(token) = read_token(&token_path) {
        let status = SessionStatus::of_token(&token, token_path.clone(), OffsetDateTime::now_utc());
        if let (Some(expires_at), true) = (usable(&status), before.as_ref() != Some(&token.access_token)) {
            return Ok(LoginOutcome::Joined { expires_at });
        }
    }
    let mut child = shell_command(command)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(LoginError::Spawn)?;
    let status = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(status) => status.map_err(LoginError::Spawn)?,
        Err(_) => {
            kill_tree(&mut child).await;
            return Err(LoginError::CommandTimedOut {
                command: command.to_string(),
                seconds: timeout.as_secs_f64().ceil() as u64,
            });
        }
    };
    if !status.success() {
        return Err(LoginError::CommandFailed { command: command.to_string(), status: status.to_string() });
    }
    if token_fingerprint(&token_path) == unchanged && unchanged.is_some() {
        return Err(LoginError::CommandNoChange { command: command.to_string(), path: token_path });
    }
    let token = read_token(&token_path).ok();
    let status = token.map(|t| SessionStatus::of_token(&t, token_path.clone(), OffsetDateTime::now_utc()));
    match status
        .as_ref()
        .and_then(|s| matches!(s.state, SessionState::Valid | SessionState::Expiring).then_some(s.expires_at).flatten())
    {
        Some(expires_at) => Ok(LoginOutcome::LoggedIn { expires_at }),
        None => Err(LoginError::CommandNoToken { command: command.to_string(), path: token_path }),
    }
}

/// `command` run by the platform's shell, as Claude Code runs it: `sh -c`,
/// or on Windows `cmd.exe /C` (handed the command line as it stands, since
/// cmd.exe does its own parsing and Rust's argument quoting would add
/// quotes it keeps).
fn shell_command(command: &str) -> tokio::process::Command {
    #[cfg(windows)]
    {
        let mut c = tokio::process::Command::new("cmd.exe");
        c.arg("/C").raw_arg(command);
        c
    }
    #[cfg(not(windows))]
    {
        let mut c = tokio::process::Command::new("sh");
        c.arg("-c").arg(command);
        c
    }
}

/// Kills `child` and every process it started: an `aws sso login` under
/// `sh -c` outlives its shell otherwise, waiting for a browser approval
/// that never comes. Linux finds the descendants through /proc (the child
/// stays in our process group, so Ctrl-C in a terminal still reaches it);
/// elsewhere only the child is killed.
async fn kill_tree(child: &mut tokio::process::Child) {
    #[cfg(target_os = "linux")]
    if let Some(root) = child.id() {
        use rustix::process::{kill_process, Pid, Signal};
        let send = |pids: &[u32], signal: Signal| {
            for pid in pids.iter().filter_map(|p| Pid::from_raw(*p as i32)) {
                let _ = kill_process(pid, signal);
            }
        };
        // Stop what we find (a stopped process cannot fork), look again
        // until nothing new appears, then kill them all.
        let mut tree = Vec::new();
        for _ in 0..5 {
            let found = process_tree(root);
            let new: Vec<u32> = found.iter().copied().filter(|p| !tree.contains(p)).collect();
            if new.is_empty() {
                break;
            }
            send(&new, Signal::STOP);
            tree.extend(new);
        }
        send(&tree, Signal::KILL);
    }
    let _ = child.kill().await;
}

/// `root` and its descendants, from the parent ids in /proc/*/stat.
#[cfg(target_os = "linux")]
fn process_tree(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid));
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    tree
}

/// The hosts a sign-in page may be on: AWS's own domains (the OIDC
/// endpoint `oidc.REGION.amazonaws.com`, the device page
/// `device.sso.REGION.amazonaws.com`, access portals `*.awsapps.com` and
/// `*.app.aws`, and their China-partition twins).
const SIGN_IN_DOMAINS: &[&str] =
    &["amazonaws.com", "amazonaws.com.cn", "awsapps.com", "awsapps.cn", "app.aws", "signin.aws"];

/// Whether `url` may be opened as a sign-in page: https on an AWS sign-in
/// host, or on the SSO-OIDC endpoint configured explicitly
/// (`AWS_ENDPOINT_URL_SSO_OIDC`, as tests do). A URL from anywhere else
/// (a tampered response, a hostile redirect) is never opened.
pub fn is_sign_in_url(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else { return false };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return false;
    }
    let aws = parsed.scheme() == "https"
        && matches!(parsed.host(), Some(url::Host::Domain(host))
            if SIGN_IN_DOMAINS.iter().any(|d| host.len() > d.len() && host.ends_with(d) && host[..host.len() - d.len()].ends_with('.')));
    let configured = oidc::configured_endpoint()
        .and_then(|e| url::Url::parse(&e).ok())
        .is_some_and(|e| e.origin() == parsed.origin());
    aws || configured
}

/// Opens a sign-in URL in the user's browser without a shell; anything
/// [`is_sign_in_url`] refuses is not opened (and says so in the log).
pub fn open_in_browser(url: &str) {
    if !is_sign_in_url(url) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        tracing::warn!("not opening a sign-in page that is not on an AWS sign-in host");
        return;
    }
    let opener: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["rundll32", "url.dll,FileProtocolHandler"]
    } else {
        &["xdg-open"]
    };
    let _ = std::process::Command::new(opener[0])
        .args(&opener[1..])
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

impl crate::error_kind::HasKind for LoginError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        crate::error_kind::request_or_environment(matches!(self, LoginError::NotSso(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_aws_sign_in_pages_are_opened() {
        for ok in [
            "https://oidc.eu-west-1.amazonaws.com/authorize?response_type=code",
            "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH",
            "https://d-1234567890.awsapps.com/start/#/device?user_code=ABCD-EFGH",
            "https://ssoins-1234.portal.us-east-1.app.aws/",
        ] {
            assert!(is_sign_in_url(ok), "{ok}");
        }
        for bad in [
            "http://oidc.eu-west-1.amazonaws.com/authorize",
            "https://evil.example/authorize",
            "https://amazonaws.com.evil.example/",
            "https://evilamazonaws.com/",
            "https://user:pw@oidc.eu-west-1.amazonaws.com/",
            "file:///etc/passwd",
            "javascript:alert(1)",
        ] {
            assert!(!is_sign_in_url(bad), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_held_login_lock_is_waited_for_only_until_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under_home(dir.path());
        let target = SessionTarget {
            session_name: Some("corp".into()),
            start_url: "https://corp.awsapps.com/start".into(),
            region: Region::new("eu-west-1").unwrap(),
            scopes: None,
        };
        let held = lock_session(&paths, &target, Duration::from_secs(1)).await.unwrap();
        let second = lock_session(&paths, &target, Duration::from_millis(300)).await;
        assert!(matches!(second, Err(LoginError::LockTimedOut(_))), "gave up at its deadline");
        assert!(second.unwrap_err().is_transient(), "a refresh retries later rather than asking for a login");
        drop(held);
        assert!(lock_session(&paths, &target, Duration::from_millis(300)).await.is_ok(), "free again once released");
    }
}
