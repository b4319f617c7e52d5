//! The session cache behind `credential-process`: a cached STS session is
//! handed out while it is fresh; else one process at a time (under the
//! profile's refresh lock) exchanges the keyring's long-term key for a new
//! session, with an MFA code when the profile has an `mfa_serial`, and
//! caches it in the keyring.

use crate::aws::ini::{IniDoc, Section};
use crate::aws::keychain::{
    self, Keychain, KeychainError, LockError, Mfa, MfaError, SecretStore, SessionCredentials, StsError,
};
use crate::aws::profiles::{AwsProfile, CredentialSource};
use crate::names::{ProfileName, Region};
use crate::secret::Secret;
use crate::sso::cache::{read_token, token_path};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Errors of the session cache.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("no key for profile {profile} in the OS keyring: run `bedrock-tray credentials set --profile {profile}`")]
    NoKey { profile: String },
    #[error("cannot read {}: {source}", path.display())]
    ReadConfig { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    #[error(transparent)]
    Sts(#[from] StsError),
    #[error(transparent)]
    Lock(#[from] LockError),
    /// No MFA code to be had, or one that is not six digits.
    #[error(transparent)]
    Mfa(#[from] MfaError),
    /// Asking for the MFA code failed.
    #[error(transparent)]
    Prompt(std::io::Error),
    #[error("profile {profile} names no sso_account_id and sso_role_name: choose a role with `bedrock-tray accounts --profile {profile}`")]
    SsoWithoutRole { profile: String },
    #[error("not signed in to IAM Identity Center for profile {profile} ({reason}): run `bedrock-tray login --profile {profile}`")]
    SsoSignedOut { profile: String, reason: String },
    #[error("IAM Identity Center gave no credentials for profile {profile}'s role: {message}")]
    SsoRole { profile: String, message: String },
}

/// Where STS is called: the region and an endpoint override, if any, and
/// how long a call may take.
#[derive(Debug, Clone)]
pub struct StsEndpoint {
    pub region: String,
    pub endpoint: Option<String>,
    /// One attempt (see [`keychain::STS_ATTEMPT_TIMEOUT`]).
    pub attempt_timeout: std::time::Duration,
    /// All attempts together (see [`keychain::STS_OPERATION_TIMEOUT`]).
    pub operation_timeout: std::time::Duration,
}

impl StsEndpoint {
    /// `AWS_REGION` (else `AWS_DEFAULT_REGION`, else us-east-1) and
    /// `AWS_ENDPOINT_URL_STS` (else `AWS_ENDPOINT_URL`), as AWS clients
    /// that run `credential_process` pass them down.
    pub fn from_env() -> Self {
        let region = std::env::var("AWS_REGION")
            .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|_| "us-east-1".to_string());
        let endpoint = std::env::var("AWS_ENDPOINT_URL_STS").or_else(|_| std::env::var("AWS_ENDPOINT_URL")).ok();
        Self {
            region,
            endpoint,
            attempt_timeout: keychain::STS_ATTEMPT_TIMEOUT,
            operation_timeout: keychain::STS_OPERATION_TIMEOUT,
        }
    }
}

/// The profile's `mfa_serial` in the AWS config file, if any.
///
/// # Errors
/// The file exists but cannot be read.
pub fn mfa_serial_of(aws_config: &Path, profile: &ProfileName) -> Result<Option<String>, SessionError> {
    let text = match crate::bounded_read::read_to_string(aws_config, crate::bounded_read::MAX_FILE_BYTES) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(SessionError::ReadConfig { path: aws_config.to_path_buf(), source }),
    };
    let doc = IniDoc::parse(&text);
    Ok(doc.get(&Section::config_profile(profile), "mfa_serial").filter(|s| !s.is_empty()).map(str::to_string))
}

/// The cached session, if it may still be handed out at `now`.
///
/// # Errors
/// The keyring cannot be read.
pub fn fresh_session<S: SecretStore>(
    kc: &Keychain<S>,
    profile: &ProfileName,
    now: OffsetDateTime,
) -> Result<Option<SessionCredentials>, KeychainError> {
    Ok(kc.session(profile)?.filter(|s| s.is_fresh(now)))
}

/// Calls STS for a new session (with MFA when `mfa` is given) and caches it.
///
/// # Errors
/// No long-term key, the STS call fails, or the keyring cannot be written.
pub fn new_session<S: SecretStore>(
    kc: &Keychain<S>,
    profile: &ProfileName,
    sts: &StsEndpoint,
    duration_seconds: i32,
    mfa: Option<Mfa<'_>>,
) -> Result<SessionCredentials, SessionError> {
    let key = kc.long_term(profile)?.ok_or_else(|| SessionError::NoKey { profile: profile.to_string() })?;
    let session = keychain::session_from_sts(profile, &key, sts, duration_seconds, mfa)?;
    kc.set_session(profile, &session)?;
    Ok(session)
}

/// A session for `credential-process` when the cache had none fresh: takes
/// the profile's refresh lock under `app_dir`, hands out what whoever held
/// it before cached, else makes a new session. `ask_code` gives the MFA
/// code when the profile (per `aws_config`) has an `mfa_serial`; `None`:
/// no code to be had.
///
/// # Errors
/// See [`SessionError`].
#[allow(clippy::too_many_arguments)]
pub fn renew<S: SecretStore>(
    kc: &Keychain<S>,
    profile: &ProfileName,
    app_dir: &Path,
    aws_config: &Path,
    sts: &StsEndpoint,
    duration_seconds: i32,
    now: impl Fn() -> OffsetDateTime,
    ask_code: impl FnOnce(&ProfileName) -> std::io::Result<Option<String>>,
) -> Result<SessionCredentials, SessionError> {
    let _lock = keychain::lock_refresh(app_dir, profile)?;
    // Whoever held the lock before us has probably just cached a session.
    if let Some(session) = fresh_session(kc, profile, now())? {
        return Ok(session);
    }
    match mfa_serial_of(aws_config, profile)? {
        None => new_session(kc, profile, sts, duration_seconds, None),
        Some(serial) => {
            let code = ask_code(profile)
                .map_err(SessionError::Prompt)?
                .ok_or_else(|| MfaError::CodeNeeded { profile: profile.to_string() })?;
            let code = keychain::check_mfa_code(&code)?;
            new_session(kc, profile, sts, duration_seconds, Some(Mfa { serial: &serial, code }))
        }
    }
}

/// Role credentials for an SSO profile (what `aws configure export-credentials`
/// gives): GetRoleCredentials with the profile's cached IAM Identity Center
/// token, for its `sso_account_id` and `sso_role_name`.
/// `credential-process --export` serves these to Claude Code under scoped
/// credentials, and caches them in the keyring like STS sessions.
///
/// # Errors
/// Not an SSO profile with a role, no valid token (sign in again), or the
/// portal refused.
pub async fn sso_role_session(
    sso_cache_dir: &Path,
    profile: &AwsProfile,
    now: OffsetDateTime,
) -> Result<SessionCredentials, SessionError> {
    let (sso_region, account_id, role_name) = match &profile.credentials {
        CredentialSource::Sso { sso_region, account_id: Some(a), role_name: Some(r), .. }
        | CredentialSource::LegacySso { sso_region, account_id: Some(a), role_name: Some(r), .. } => (sso_region, a, r),
        _ => return Err(SessionError::SsoWithoutRole { profile: profile.name.clone() }),
    };
    let signed_out = |reason: String| SessionError::SsoSignedOut { profile: profile.name.clone(), reason };
    let path = token_path(sso_cache_dir, &profile.credentials).ok_or_else(|| signed_out("no token".into()))?;
    let token = read_token(&path).map_err(|e| signed_out(e.to_string()))?;
    if token.expires_at <= now {
        return Err(signed_out("the session has expired".into()));
    }
    let region = Region::new(sso_region)
        .map_err(|e| SessionError::SsoRole { profile: profile.name.clone(), message: e.to_string() })?;
    let client = crate::sso::accounts::portal_client(&region).await;
    let out = client
        .get_role_credentials()
        .access_token(token.access_token.expose())
        .account_id(account_id)
        .role_name(role_name)
        .send()
        .await
        .map_err(|e| SessionError::SsoRole {
            profile: profile.name.clone(),
            message: crate::sso::client::innermost(&e),
        })?;
    let missing = || SessionError::SsoRole { profile: profile.name.clone(), message: "incomplete answer".into() };
    let creds = out.role_credentials().ok_or_else(missing)?;
    let expiration = OffsetDateTime::from_unix_timestamp(creds.expiration() / 1000).map_err(|_| missing())?;
    Ok(SessionCredentials {
        version: 1,
        access_key_id: creds.access_key_id().ok_or_else(missing)?.to_string(),
        secret_access_key: Secret::new(creds.secret_access_key().ok_or_else(missing)?.to_string()),
        session_token: Secret::new(creds.session_token().ok_or_else(missing)?.to_string()),
        expiration: crate::sso::cache::format_rfc3339(expiration),
    })
}

/// Asks for the MFA code on the terminal `tty` (the controlling terminal:
/// credential-process's stdin and stdout belong to the AWS client that runs
/// it). Only when the terminal is in canonical (line) mode: a full-screen
/// program such as Claude Code keeps it raw, and there no newline ever
/// ends the line, so this returns `None` (the caller then names `credentials
/// unlock`) rather than block with the refresh lock held. Echo is off while
/// the code is typed, and the line read is capped.
///
/// # Errors
/// The terminal cannot be written, read or reset.
#[cfg(unix)]
pub fn ask_code_on_tty(tty: &std::fs::File, profile: &ProfileName) -> std::io::Result<Option<String>> {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
    use std::io::{BufRead, Write};
    /// Puts the terminal's modes back however the read ends.
    struct Restore<'a>(&'a std::fs::File, rustix::termios::Termios);
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            let _ = tcsetattr(self.0, OptionalActions::Now, &self.1);
        }
    }
    let Ok(saved) = tcgetattr(tty) else { return Ok(None) };
    if !saved.local_modes.contains(LocalModes::ICANON) {
        return Ok(None);
    }
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    tcsetattr(tty, OptionalActions::Now, &quiet)?;
    let _restore = Restore(tty, saved);
    let mut out = tty;
    write!(out, "bedrock-tray: MFA code for profile {profile}: ")?;
    out.flush()?;
    let mut line = String::new();
    // A code is six digits: no need to hold more than a short line.
    std::io::BufReader::new(std::io::Read::take(tty, 64)).read_line(&mut line)?;
    writeln!(out)?;
    Ok(Some(line.trim().to_string()))
}

impl crate::error_kind::HasKind for SessionError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        match self {
            SessionError::Mfa(e) => e.kind(),
            _ => crate::error_kind::ErrorKind::BrokenEnvironment,
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A pseudo-terminal: the master end (the "user") and the slave end
    /// (the program's terminal).
    fn pty() -> (std::fs::File, std::fs::File) {
        use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let path = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(name.as_bytes());
        let slave = std::fs::File::options().read(true).write(true).open(path).unwrap();
        (std::fs::File::from(master), slave)
    }

    #[test]
    fn mfa_prompt_is_skipped_on_a_raw_terminal() {
        use rustix::termios::{tcgetattr, tcsetattr, OptionalActions};
        let (mut master, slave) = pty();
        let mut raw = tcgetattr(&slave).unwrap();
        raw.make_raw();
        tcsetattr(&slave, OptionalActions::Now, &raw).unwrap();
        // What a user might type into Claude Code: it must not be taken as
        // the code (and with nothing typed, reading would never end).
        master.write_all(b"123456\n").unwrap();
        let profile = ProfileName::new("dev").unwrap();
        assert_eq!(ask_code_on_tty(&slave, &profile).unwrap(), None, "raw mode: no prompt");
    }

    #[test]
    fn mfa_prompt_reads_a_line_with_echo_off_on_a_canonical_terminal() {
        use rustix::termios::{tcgetattr, LocalModes};
        let (master, slave) = pty();
        assert!(tcgetattr(&slave).unwrap().local_modes.contains(LocalModes::ECHO), "a fresh pty echoes");
        let user = std::thread::spawn(move || {
            let mut master = master;
            let mut seen = Vec::new();
            let mut buf = [0u8; 256];
            // Type the code once the prompt is shown, then collect the screen
            // up to the newline the prompt prints after the code.
            while !String::from_utf8_lossy(&seen).contains("profile dev: ") {
                let n = master.read(&mut buf).unwrap();
                seen.extend_from_slice(&buf[..n]);
            }
            master.write_all(b"654321\n").unwrap();
            while !String::from_utf8_lossy(&seen).contains("profile dev: ") || !seen.ends_with(b"\n") {
                let n = master.read(&mut buf).unwrap();
                seen.extend_from_slice(&buf[..n]);
            }
            (String::from_utf8_lossy(&seen).into_owned(), master)
        });
        let profile = ProfileName::new("dev").unwrap();
        let code = ask_code_on_tty(&slave, &profile).unwrap();
        // The master end stays open: a pty whose master is closed answers EIO.
        let (screen, _master) = user.join().unwrap();
        assert_eq!(code.as_deref(), Some("654321"));
        assert!(!screen.contains("654321"), "the code was echoed: {screen:?}");
        assert!(tcgetattr(&slave).unwrap().local_modes.contains(LocalModes::ECHO), "echo is back on");
    }

    #[test]
    fn refresh_lock_gives_up_at_its_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let profile = ProfileName::new("dev").unwrap();
        let held = keychain::lock_refresh(dir.path(), &profile).unwrap();
        let e = keychain::lock_refresh_within(dir.path(), &profile, std::time::Duration::from_millis(200))
            .err()
            .expect("the lock is held");
        assert_eq!(e.source.kind(), std::io::ErrorKind::TimedOut, "{e}");
        drop(held);
        assert!(keychain::lock_refresh_within(dir.path(), &profile, std::time::Duration::ZERO).is_ok());
    }

    #[test]
    fn sts_that_never_answers_times_out() {
        // Accepts connections and never answers, as a hung proxy does.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let _keep = std::thread::spawn(move || {
            let mut open = Vec::new();
            for s in listener.incoming() {
                open.push(s);
            }
        });
        let sts = StsEndpoint {
            region: "us-east-1".into(),
            endpoint: Some(url),
            attempt_timeout: std::time::Duration::from_millis(300),
            operation_timeout: std::time::Duration::from_secs(1),
        };
        let key = keychain::LongTermKey {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: Secret::new("s".to_string()),
        };
        let profile = ProfileName::new("dev").unwrap();
        let e = keychain::session_from_sts(&profile, &key, &sts, 900, None).err().expect("no answer, no session");
        assert!(e.to_string().to_lowercase().contains("timeout"), "{e}");
    }
}
