//! Logging in and refreshing, one at a time per SSO session.
//!
//! Parallel credential callers each opening a browser tab is a known storm
//! in other tools: here every login takes a per-session lock, and a login
//! that waited for another one finds the fresh token and stops there.

use crate::aws::profiles::{AwsProfile, CredentialSource};
use crate::names::Region;
use crate::paths::Paths;
use crate::sso::cache::{read_token, SessionState, SessionStatus};
use crate::sso::oidc::{self, DeviceAuthorization, OidcError, SessionTarget};
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
pub struct SessionLock {
    _file: File,
}

/// Waits for, then takes, the session's login lock.
///
/// # Errors
/// [`LoginError::Lock`].
pub async fn lock_session(paths: &Paths, target: &SessionTarget) -> Result<SessionLock, LoginError> {
    let key = target.session_name.as_deref().unwrap_or(&target.start_url);
    let dir = paths.app_dir.join("locks");
    let path = dir.join(format!("login-{:x}.lock", Sha1::digest(key.as_bytes())));
    let err = |source| LoginError::Lock { path: path.clone(), source };
    crate::atomic_file::create_private_dir(&dir).map_err(err)?;
    let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(err)?;
    let file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .map_err(|e| err(std::io::Error::other(e.to_string())))?
        .map_err(err)?;
    Ok(SessionLock { _file: file })
}

/// What the user sees during a device-code login.
pub trait LoginPrompt {
    /// The code to confirm and the page to confirm it on.
    fn show(&mut self, authorization: &DeviceAuthorization);
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

/// The native device-code login (no AWS CLI needed). Writes the token
/// exactly where and how the AWS CLI would; nothing is written unless the
/// login completes.
///
/// # Errors
/// [`LoginError`].
pub async fn device_login(
    paths: &Paths,
    target: &SessionTarget,
    prompt: &mut (dyn LoginPrompt + Send),
    open_browser: bool,
) -> Result<LoginOutcome, LoginError> {
    let token_path = target.token_path(&paths.sso_cache_dir);
    let before = read_token(&token_path).ok().map(|t| t.access_token);
    let _lock = lock_session(paths, target).await?;
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
    let registration = match oidc::cached_registration(target, &paths.sso_cache_dir, now) {
        Some(r) => {
            tracing::debug!(client_id = %r.client_id, "reusing the cached client registration");
            r
        }
        None => {
            let r = oidc::register(&client, target, &paths.sso_cache_dir).await?;
            tracing::info!(client_id = %r.client_id, "registered a new OIDC client");
            r
        }
    };
    let authorization = oidc::start_device_authorization(&client, &registration, target, now).await?;
    tracing::info!(user_code = %authorization.user_code, interval = ?authorization.interval, "waiting for approval in the browser");
    prompt.show(&authorization);
    if open_browser {
        open_in_browser(&authorization.verification_uri_complete);
    }
    let issued = oidc::poll_for_token(&client, &registration, &authorization).await?;
    let previous = read_token(&token_path).ok().map(|t| t.raw);
    let now = OffsetDateTime::now_utc();
    oidc::write_token(&token_path, previous.as_ref(), target, &issued, &registration, now)?;
    tracing::info!(path = %token_path.display(), expires_in = issued.expires_in, token = ?issued.access_token, "signed in");
    Ok(LoginOutcome::LoggedIn { expires_at: now + time::Duration::seconds(issued.expires_in) })
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
    let _lock = lock_session(paths, target).await?;
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
    let _lock = lock_session(paths, target).await?;
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

/// Opens a URL in the user's browser without a shell. Only http(s) URLs are
/// opened; anything else from the service is ignored.
pub fn open_in_browser(url: &str) {
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
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
