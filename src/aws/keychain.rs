//! Static AWS keys kept in the OS keyring (Secret Service, macOS Keychain,
//! Windows Credential Manager), and the short-lived STS sessions made from
//! them, as aws-vault does: the long-term key never leaves the keyring except
//! to call STS GetSessionToken; other processes only ever see the session.
//!
//! Entries live under the service `bedrock-tray`, account
//! `aws:<profile>:long-term` and `aws:<profile>:session`. Both are small JSON
//! documents (Windows Credential Manager holds at most 1280 bytes per entry).

use crate::names::ProfileName;
use crate::secret::Secret;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

const SERVICE: &str = "bedrock-tray";

/// A cached session is handed out until this long before it expires, so a
/// caller never receives credentials that lapse mid-request.
pub const REFRESH_BEFORE: Duration = Duration::minutes(5);

/// A keyring failure, with the fix.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    #[error("no OS keyring is available ({detail}): {fix}")]
    Unavailable { detail: String, fix: &'static str },
    #[error("keyring entry for profile {profile} is unreadable: run `bedrock-tray credentials set --profile {profile}` again")]
    Corrupt { profile: String },
}

fn start_hint() -> &'static str {
    if cfg!(target_os = "linux") {
        "start a Secret Service in your D-Bus session (e.g. `gnome-keyring-daemon --unlock --components=secrets`, or log in to a desktop session) and check DBUS_SESSION_BUS_ADDRESS"
    } else if cfg!(target_os = "macos") {
        "unlock the login keychain (Keychain Access)"
    } else {
        "check that Windows Credential Manager is running"
    }
}

fn unavailable(e: keyring::Error) -> KeychainError {
    // Only the error kind and the platform message; neither holds the secret.
    KeychainError::Unavailable { detail: e.to_string(), fix: start_hint() }
}

/// A long-term access key pair. Not `Serialize`: [`Keychain::set_long_term`]
/// writes it, exposing the secret there only.
#[derive(Clone, Deserialize)]
pub struct LongTermKey {
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

impl std::fmt::Debug for LongTermKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LongTermKey").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// Temporary credentials, in the shape of the AWS process-credential JSON.
/// Not `Serialize`: [`session_json`] and [`export_json`] render it.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SessionCredentials {
    pub version: u8,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    /// RFC 3339.
    pub expiration: String,
}

impl SessionCredentials {
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.expiration, &time::format_description::well_known::Rfc3339).ok()
    }

    /// Whether the session may still be handed out at `now`.
    pub fn is_fresh(&self, now: OffsetDateTime) -> bool {
        self.expires_at().is_some_and(|exp| exp - now > REFRESH_BEFORE)
    }
}

/// Where secrets are kept: the OS keyring, or a map in tests.
pub trait SecretStore {
    /// # Errors
    /// The store is unavailable.
    fn get(&self, account: &str) -> Result<Option<String>, KeychainError>;
    /// # Errors
    /// The store is unavailable.
    fn set(&self, account: &str, value: &str) -> Result<(), KeychainError>;
    /// Returns whether an entry existed.
    /// # Errors
    /// The store is unavailable.
    fn delete(&self, account: &str) -> Result<bool, KeychainError>;
}

/// The platform keyring through the `keyring` crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeyring;

/// How many times a keyring call is tried before its error is reported.
pub const KEYRING_ATTEMPTS: u32 = 5;

/// Runs `op` until it succeeds, fails for good, or has been tried
/// [`KEYRING_ATTEMPTS`] times, sleeping 20, 40, 80, 160 ms between tries.
/// AWS clients run `credential_process` in parallel, and gnome-keyring
/// under load answers some of those concurrent D-Bus calls with "no
/// result found" (its `default` alias read back as `/`) or a D-Bus
/// failure, although the next call succeeds: those
/// (`NoStorageAccess`, `PlatformFailure`) are retried; `NoEntry`, bad
/// arguments and the like are answers and returned at once.
pub fn retry_transient<T>(mut op: impl FnMut() -> keyring::Result<T>) -> keyring::Result<T> {
    let mut attempt = 1;
    loop {
        match op() {
            Err(keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_))
                if attempt < KEYRING_ATTEMPTS =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10 << attempt));
                attempt += 1;
            }
            other => return other,
        }
    }
}

impl SecretStore for OsKeyring {
    fn get(&self, account: &str) -> Result<Option<String>, KeychainError> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(unavailable)?;
        match retry_transient(|| entry.get_password()) {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }
    fn set(&self, account: &str, value: &str) -> Result<(), KeychainError> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(unavailable)?;
        retry_transient(|| entry.set_password(value)).map_err(unavailable)
    }
    fn delete(&self, account: &str) -> Result<bool, KeychainError> {
        let entry = keyring::Entry::new(SERVICE, account).map_err(unavailable)?;
        match retry_transient(|| entry.delete_credential()) {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }
}

fn long_term_account(profile: &ProfileName) -> String {
    format!("aws:{}:long-term", profile.as_str())
}

fn session_account(profile: &ProfileName) -> String {
    format!("aws:{}:session", profile.as_str())
}

/// Typed access to one profile's entries.
pub struct Keychain<S: SecretStore> {
    pub store: S,
}

impl<S: SecretStore> Keychain<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// # Errors
    /// Keyring unavailable or entry unreadable.
    pub fn long_term(&self, profile: &ProfileName) -> Result<Option<LongTermKey>, KeychainError> {
        let Some(raw) = self.store.get(&long_term_account(profile))? else { return Ok(None) };
        serde_json::from_str(&raw).map(Some).map_err(|_| KeychainError::Corrupt { profile: profile.to_string() })
    }

    /// Stores the key and drops any session made from a previous key.
    /// # Errors
    /// Keyring unavailable.
    pub fn set_long_term(&self, profile: &ProfileName, key: &LongTermKey) -> Result<(), KeychainError> {
        let json = serde_json::json!({
            "access_key_id": key.access_key_id,
            "secret_access_key": key.secret_access_key.expose(),
        });
        self.store.set(&long_term_account(profile), &json.to_string())?;
        self.store.delete(&session_account(profile))?;
        Ok(())
    }

    /// A cached session, if there is one (fresh or not). An unreadable
    /// cache entry counts as none.
    /// # Errors
    /// Keyring unavailable.
    pub fn session(&self, profile: &ProfileName) -> Result<Option<SessionCredentials>, KeychainError> {
        let Some(raw) = self.store.get(&session_account(profile))? else { return Ok(None) };
        Ok(serde_json::from_str(&raw).ok())
    }

    /// # Errors
    /// Keyring unavailable.
    pub fn set_session(&self, profile: &ProfileName, s: &SessionCredentials) -> Result<(), KeychainError> {
        self.store.set(&session_account(profile), &session_json(s))
    }

    /// Removes both entries; returns whether anything was there.
    /// # Errors
    /// Keyring unavailable.
    pub fn remove(&self, profile: &ProfileName) -> Result<bool, KeychainError> {
        let a = self.store.delete(&long_term_account(profile))?;
        let b = self.store.delete(&session_account(profile))?;
        Ok(a || b)
    }
}

/// The process-credential JSON of a session (the only place secrets are
/// rendered, for stdout and for the keyring).
pub fn session_json(s: &SessionCredentials) -> String {
    serde_json::json!({
        "Version": 1,
        "AccessKeyId": s.access_key_id,
        "SecretAccessKey": s.secret_access_key.expose(),
        "SessionToken": s.session_token.expose(),
        "Expiration": s.expiration,
    })
    .to_string()
}

/// The JSON Claude Code's `awsCredentialExport` command must print: the
/// session under `Credentials`, as `aws sts get-session-token` prints it.
/// This is not the `credential_process` shape (which is flat and has
/// `Version`). Source: Claude Code's Amazon Bedrock guide, "Advanced
/// credential configuration"
/// (<https://code.claude.com/docs/en/amazon-bedrock#advanced-credential-configuration>):
/// `{"Credentials": {"AccessKeyId", "SecretAccessKey", "SessionToken"}}`,
/// with an optional ISO 8601 `Expiration` that newer versions cache until.
pub fn export_json(s: &SessionCredentials) -> String {
    serde_json::json!({
        "Credentials": {
            "AccessKeyId": s.access_key_id,
            "SecretAccessKey": s.secret_access_key.expose(),
            "SessionToken": s.session_token.expose(),
            "Expiration": s.expiration,
        }
    })
    .to_string()
}

/// `PROGRAM credential-process --profile NAME [--export]`. Profile names
/// are validated ([`ProfileName`]: letters, digits and `- _ . @ +` only),
/// so the name is one shell word as it stands and needs no quoting.
pub fn credential_process_command(program: &str, profile: &ProfileName, export: bool) -> String {
    let mut cmd = format!("{program} credential-process --profile {}", profile.as_str());
    if export {
        cmd.push_str(" --export");
    }
    cmd
}

/// Whether a command is one of ours (see [`credential_process_command`]),
/// and for which profile: `bedrock-tray` (any folder, `.exe` on Windows)
/// then `credential-process`. Other tools have a subcommand of that name
/// too (granted's `granted credential-process --profile X`); they are not
/// ours.
pub fn credential_process_profile(command: &str) -> Option<&str> {
    let words = shlex::split(command)?;
    let program = words.first()?;
    let file = program.rsplit(['/', '\\']).next().unwrap_or(program);
    let stem = file.strip_suffix(".exe").or_else(|| file.strip_suffix(".EXE")).unwrap_or(file);
    if stem != "bedrock-tray" || words.get(1).map(String::as_str) != Some("credential-process") {
        return None;
    }
    let at = words.iter().rposition(|w| w == "--profile")?;
    let name = words.get(at + 1)?;
    // Profile names are plain words, so the name appears in `command` as
    // it is, after the last `--profile`: return that text.
    let raw: Vec<&str> = command.split_whitespace().collect();
    let raw_at = raw.iter().rposition(|w| *w == "--profile")?;
    raw.get(raw_at + 1).copied().filter(|w| *w == name.as_str())
}

/// Errors of [`session_from_sts`].
#[derive(Debug, thiserror::Error)]
pub enum StsError {
    #[error("STS GetSessionToken failed for profile {profile}: {detail}; check the key with `bedrock-tray credentials set --profile {profile}`")]
    Call { profile: String, detail: String },
    #[error("STS returned no credentials for profile {profile}")]
    Empty { profile: String },
}

/// An MFA device serial or code that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MfaError {
    #[error("invalid MFA device serial {0:?}: use the device's ARN (arn:aws:iam::ACCOUNT:mfa/NAME) or a hardware token's serial number")]
    BadSerial(String),
    #[error("invalid MFA code: enter the 6 digits your authenticator shows now")]
    BadCode,
    #[error("profile {profile} needs an MFA code and there is no terminal to ask for it: run `bedrock-tray credentials unlock --profile {profile}` (or set BEDROCK_TRAY_MFA_CODE)")]
    CodeNeeded { profile: String },
}

/// Checks an MFA device serial the way STS does (9 to 256 characters of
/// `[\w+=/:,.@-]`), so it is safe as one value in `~/.aws/config`.
///
/// # Errors
/// [`MfaError::BadSerial`].
pub fn check_mfa_serial(serial: &str) -> Result<&str, MfaError> {
    let ok = (9..=256).contains(&serial.len())
        && serial.chars().all(|c| c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c));
    if ok {
        Ok(serial)
    } else {
        Err(MfaError::BadSerial(serial.to_string()))
    }
}

/// Checks a TOTP code: six digits, as STS requires.
///
/// # Errors
/// [`MfaError::BadCode`] (the code is not echoed back).
pub fn check_mfa_code(code: &str) -> Result<&str, MfaError> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(MfaError::BadCode)
    }
}

/// The MFA device and the current code from it.
#[derive(Debug, Clone, Copy)]
pub struct Mfa<'a> {
    pub serial: &'a str,
    pub code: &'a str,
}

/// The per-profile lock around a session refresh, released on drop.
/// Many SDK clients start at once (Claude Code, its subagents, the AWS
/// CLI) and each runs `credential-process` when the cached session has
/// run out; the lock makes them wait for one STS call and share its
/// result instead of each making their own (and, with MFA, each asking
/// for a code).
pub struct RefreshLock {
    _file: std::fs::File,
}

/// Could not take the refresh lock.
#[derive(Debug, thiserror::Error)]
#[error("cannot take the credential refresh lock {}: {source}", path.display())]
pub struct LockError {
    pub path: std::path::PathBuf,
    pub source: std::io::Error,
}

/// How long [`lock_refresh`] waits for another process's refresh: its STS
/// call (at most [`STS_OPERATION_TIMEOUT`]) and the user typing an MFA code.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Waits (at most [`LOCK_WAIT`]) for, then takes, the refresh lock of
/// `profile` under `<app_dir>/locks`.
///
/// # Errors
/// [`LockError`] when the folder or file cannot be created or locked, or
/// another process held it all that time (`TimedOut`).
pub fn lock_refresh(app_dir: &std::path::Path, profile: &ProfileName) -> Result<RefreshLock, LockError> {
    lock_refresh_within(app_dir, profile, LOCK_WAIT)
}

/// [`lock_refresh`] with a given deadline.
///
/// # Errors
/// See [`lock_refresh`].
pub fn lock_refresh_within(
    app_dir: &std::path::Path,
    profile: &ProfileName,
    wait: std::time::Duration,
) -> Result<RefreshLock, LockError> {
    let dir = app_dir.join("locks");
    // Profile names are file-name safe (letters, digits, - _ . @ +).
    let path = dir.join(format!("credentials-{}.lock", profile.as_str()));
    let err = |source| LockError { path: path.clone(), source };
    crate::atomic_file::create_private_dir(&dir).map_err(err)?;
    let file = std::fs::File::options().create(true).truncate(false).write(true).open(&path).map_err(err)?;
    // Polled rather than a blocking lock(), which has no deadline: a holder
    // stuck for good must not stall every AWS client of the profile.
    let deadline = std::time::Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(RefreshLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("another credential-process held it for {} s; try again", wait.as_secs()),
                )))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(err(e)),
        }
    }
}

/// The longest one STS attempt may take (connect, send, answer), and all
/// attempts with their retries together. The SDK sets only a connect
/// timeout by default, so a server that accepts and never answers would
/// hold the refresh lock for ever.
pub const STS_ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// See [`STS_ATTEMPT_TIMEOUT`].
pub const STS_OPERATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Exchanges a long-term key for a session with STS GetSessionToken, with
/// the MFA device and code when the profile has one. The endpoint comes
/// from `sts` (e.g. `AWS_ENDPOINT_URL_STS`), else the SDK default; no
/// shared config file is read. Bounded by `sts`'s timeouts.
///
/// # Errors
/// The call fails or returns nothing.
pub fn session_from_sts(
    profile: &ProfileName,
    key: &LongTermKey,
    sts: &crate::aws::credential_process::StsEndpoint,
    duration_seconds: i32,
    mfa: Option<Mfa<'_>>,
) -> Result<SessionCredentials, StsError> {
    let creds = aws_sdk_sts::config::Credentials::new(
        key.access_key_id.clone(),
        key.secret_access_key.expose().to_string(),
        None,
        None,
        "bedrock-tray-keyring",
    );
    let mut conf = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new(sts.region.clone()))
        .timeout_config(
            aws_sdk_sts::config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(sts.attempt_timeout)
                .operation_timeout(sts.operation_timeout)
                .build(),
        )
        .credentials_provider(creds);
    if let Some(url) = sts.endpoint.as_deref() {
        conf = conf.endpoint_url(url);
    }
    let client = aws_sdk_sts::Client::from_conf(conf.build());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StsError::Call { profile: profile.to_string(), detail: e.to_string() })?;
    let mut call = client.get_session_token().duration_seconds(duration_seconds);
    if let Some(m) = mfa {
        call = call.serial_number(m.serial).token_code(m.code);
    }
    let out = rt.block_on(call.send()).map_err(|e| StsError::Call {
        profile: profile.to_string(),
        detail: aws_sdk_sts::error::DisplayErrorContext(&e).to_string(),
    })?;
    let c = out.credentials.ok_or_else(|| StsError::Empty { profile: profile.to_string() })?;
    let exp = OffsetDateTime::from_unix_timestamp(c.expiration.secs())
        .map_err(|_| StsError::Empty { profile: profile.to_string() })?;
    Ok(SessionCredentials {
        version: 1,
        access_key_id: c.access_key_id,
        secret_access_key: Secret::new(c.secret_access_key),
        session_token: Secret::new(c.session_token),
        expiration: exp.format(&time::format_description::well_known::Rfc3339).expect("formattable"),
    })
}

/// A serial or code that is not one is the request's fault; no code to be
/// had (no terminal) is the environment's.
impl crate::error_kind::HasKind for MfaError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        crate::error_kind::request_or_environment(!matches!(self, MfaError::CodeNeeded { .. }))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// An in-memory keyring for tests.
    #[derive(Default)]
    pub(crate) struct MapStore(pub(crate) RefCell<HashMap<String, String>>);
    impl SecretStore for MapStore {
        fn get(&self, a: &str) -> Result<Option<String>, KeychainError> {
            Ok(self.0.borrow().get(a).cloned())
        }
        fn set(&self, a: &str, v: &str) -> Result<(), KeychainError> {
            self.0.borrow_mut().insert(a.into(), v.into());
            Ok(())
        }
        fn delete(&self, a: &str) -> Result<bool, KeychainError> {
            Ok(self.0.borrow_mut().remove(a).is_some())
        }
    }

    fn session(exp: &str) -> SessionCredentials {
        SessionCredentials {
            version: 1,
            access_key_id: "ASIA".into(),
            secret_access_key: Secret::new("s".to_string()),
            session_token: Secret::new("t".to_string()),
            expiration: exp.into(),
        }
    }

    #[test]
    fn transient_keyring_errors_are_retried_a_bounded_number_of_times() {
        let flaky = || keyring::Error::NoStorageAccess("Secret Service: no result found".into());
        let mut calls = 0;
        let got = retry_transient(|| {
            calls += 1;
            if calls < 3 {
                Err(flaky())
            } else {
                Ok("v")
            }
        });
        assert_eq!((got.ok(), calls), (Some("v"), 3), "two transient failures, then the answer");

        let mut calls = 0;
        let got: keyring::Result<()> = retry_transient(|| {
            calls += 1;
            Err(flaky())
        });
        assert!(matches!(got, Err(keyring::Error::NoStorageAccess(_))));
        assert_eq!(calls, KEYRING_ATTEMPTS, "gives up after the bound");

        let mut calls = 0;
        let got: keyring::Result<()> = retry_transient(|| {
            calls += 1;
            Err(keyring::Error::NoEntry)
        });
        assert!(matches!(got, Err(keyring::Error::NoEntry)));
        assert_eq!(calls, 1, "no entry is an answer, not retried");
    }

    #[test]
    fn export_json_has_the_shape_claude_code_reads() {
        let v: serde_json::Value = serde_json::from_str(&export_json(&session("2026-01-01T12:00:00Z"))).unwrap();
        assert_eq!(v["Credentials"]["AccessKeyId"], "ASIA");
        assert_eq!(v["Credentials"]["SecretAccessKey"], "s");
        assert_eq!(v["Credentials"]["SessionToken"], "t");
        assert_eq!(v["Credentials"]["Expiration"], "2026-01-01T12:00:00Z");
        assert!(
            v.get("Version").is_none() && v.get("AccessKeyId").is_none(),
            "nested, not the credential_process shape"
        );
    }

    #[test]
    fn mfa_serials_and_codes_are_checked() {
        assert!(check_mfa_serial("arn:aws:iam::123456789012:mfa/jane.doe").is_ok());
        assert!(check_mfa_serial("GAHT12345678").is_ok(), "hardware serials too");
        for bad in ["", "short", "arn:aws:iam::1:mfa/x\nregion = evil", "arn:aws:iam::123456789012:mfa/a b"] {
            assert!(check_mfa_serial(bad).is_err(), "{bad:?}");
        }
        assert!(check_mfa_code("012345").is_ok());
        for bad in ["12345", "1234567", "12a456", " 123456"] {
            assert_eq!(check_mfa_code(bad), Err(MfaError::BadCode), "{bad:?}");
        }
    }

    #[test]
    fn our_commands_name_their_profile() {
        let p = ProfileName::new("team.dev@x+1").unwrap();
        let cmd = credential_process_command("\"/opt/my apps/bedrock-tray\"", &p, true);
        assert_eq!(cmd, "\"/opt/my apps/bedrock-tray\" credential-process --profile team.dev@x+1 --export");
        assert_eq!(credential_process_profile(&cmd), Some("team.dev@x+1"));
        assert_eq!(credential_process_profile("aws configure export-credentials --profile x"), None);
    }

    #[test]
    fn only_our_program_credential_process_lines_are_ours() {
        assert_eq!(credential_process_profile("granted credential-process --profile x"), None);
        assert_eq!(credential_process_profile("/usr/bin/granted credential-process --profile x"), None);
        assert_eq!(credential_process_profile("aws-vault credential-process --profile x"), None);
        assert_eq!(credential_process_profile("/usr/local/bin/bedrock-tray credential-process --profile x"), Some("x"));
        assert_eq!(credential_process_profile("'/opt/R&D/bedrock-tray' credential-process --profile y"), Some("y"));
        assert_eq!(credential_process_profile("bedrock-tray credential-process --profile z --export"), Some("z"));
    }

    #[cfg(unix)]
    #[test]
    fn program_path_round_trips_through_sh_for_hostile_paths() {
        let dir = tempfile::tempdir().unwrap();
        let profile = ProfileName::new("dev").unwrap();
        let hostile = [
            "/x/a;id>f;/bedrock-tray",
            "/opt/R&D/bedrock-tray",
            "/a b/(c)|d<e>/bedrock-tray",
            "/it's/$HOME/`id`/\"q\"/bedrock-tray",
            "/plain/bin/bedrock-tray",
            "/tab\there/*?[x]~/#/bedrock-tray",
        ];
        for path in hostile {
            let word = crate::program_path::shell_word(std::path::Path::new(path)).unwrap();
            let cmd = credential_process_command(&word, &profile, true);
            // The shell runs `printf` with our command's words as its
            // arguments: each on a line, exactly as given, and nothing else runs.
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf '%s\\n' {cmd}"))
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(out.status.success(), "{path:?}: {}", String::from_utf8_lossy(&out.stderr));
            let words: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
            assert_eq!(words, [path, "credential-process", "--profile", "dev", "--export"], "{cmd}");
            assert_eq!(credential_process_profile(&cmd), Some("dev"), "{cmd}");
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{cmd} wrote a file");
        }
        assert!(
            crate::program_path::shell_word(std::path::Path::new("/a\nb/bedrock-tray")).is_err(),
            "an INI value cannot hold a line break"
        );
    }

    #[test]
    fn session_is_fresh_until_five_minutes_before_expiry() {
        let s = session("2026-01-01T12:00:00Z");
        assert!(s.is_fresh(time::macros::datetime!(2026-01-01 11:54 UTC)));
        assert!(!s.is_fresh(time::macros::datetime!(2026-01-01 11:56 UTC)), "within the refresh window");
        assert!(
            !session("garbage").is_fresh(time::macros::datetime!(2020-01-01 0:00 UTC)),
            "unparsable expiry is never fresh"
        );
    }

    #[test]
    fn new_long_term_key_drops_old_session_and_debug_hides_secret() {
        let kc = Keychain::new(MapStore::default());
        let p = ProfileName::new("dev").unwrap();
        kc.set_session(&p, &session("2026-01-01T12:00:00Z")).unwrap();
        let key =
            LongTermKey { access_key_id: "AKIA1".into(), secret_access_key: Secret::new("topsecret".to_string()) };
        kc.set_long_term(&p, &key).unwrap();
        assert!(kc.session(&p).unwrap().is_none(), "a session from an older key must not outlive it");
        assert_eq!(kc.long_term(&p).unwrap().unwrap().secret_access_key.expose(), "topsecret");
        assert!(!format!("{key:?}").contains("topsecret"));
        assert!(kc.remove(&p).unwrap());
        assert!(kc.long_term(&p).unwrap().is_none());
    }
}
