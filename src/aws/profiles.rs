//! AWS profiles and sso-sessions, read with the AWS SDK's own profile
//! parser so that we see `~/.aws/config` exactly as the SDKs do.

use crate::names::{ProfileName, Region};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_runtime::env_config::section::EnvConfigSections;
use aws_types::os_shim_internal::{Env, Fs};
use serde::Serialize;
use std::io;
use std::path::{Path, PathBuf};

/// How a profile gets its credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CredentialSource {
    /// IAM Identity Center through an `[sso-session]` block (refreshable).
    Sso {
        sso_session: String,
        start_url: String,
        sso_region: String,
        account_id: Option<String>,
        role_name: Option<String>,
        /// `sso_registration_scopes`, split at commas.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        registration_scopes: Vec<String>,
    },
    /// IAM Identity Center with `sso_start_url` on the profile (legacy:
    /// cannot refresh, re-login every 8 hours or so).
    LegacySso { start_url: String, sso_region: String, account_id: Option<String>, role_name: Option<String> },
    /// `aws_access_key_id` in the config or credentials file.
    StaticKeys,
    /// `credential_process`.
    Process { command: String },
    /// `role_arn` with a `source_profile` or `credential_source`.
    AssumeRole { role_arn: String, source_profile: Option<String> },
    /// Nothing the app recognises (e.g. region-only profiles).
    Other,
}

impl CredentialSource {
    /// The string whose SHA-1 names the token cache file, as AWS CLI v2 and
    /// botocore compute it: the sso-session name, else the start URL.
    pub fn sso_cache_key(&self) -> Option<&str> {
        match self {
            CredentialSource::Sso { sso_session, .. } => Some(sso_session),
            CredentialSource::LegacySso { start_url, .. } => Some(start_url),
            _ => None,
        }
    }

    pub fn is_sso(&self) -> bool {
        self.sso_cache_key().is_some()
    }

    /// The SSO start URL and region, for SSO profiles.
    pub fn sso_portal(&self) -> Option<(&str, &str)> {
        match self {
            CredentialSource::Sso { start_url, sso_region, .. }
            | CredentialSource::LegacySso { start_url, sso_region, .. } => Some((start_url, sso_region)),
            _ => None,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            CredentialSource::Sso { .. } => "sso",
            CredentialSource::LegacySso { .. } => "sso (legacy)",
            CredentialSource::StaticKeys => "static keys",
            CredentialSource::Process { .. } => "credential process",
            CredentialSource::AssumeRole { .. } => "assume role",
            CredentialSource::Other => "other",
        }
    }
}

/// One profile as the app needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AwsProfile {
    pub name: String,
    pub region: Option<String>,
    pub credentials: CredentialSource,
}

/// `~/.aws/config` (and the credentials file) could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProfilesError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    /// Carries the SDK parser's message, which names the line.
    #[error("{} is not a valid AWS config file: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("sso-session {session:?} named by profile {profile:?} is not defined in {}", path.display())]
    MissingSsoSession { profile: String, session: String, path: PathBuf },
}

/// All profiles of the config and credentials files, sorted by name.
#[derive(Debug, Clone, Default)]
pub struct AwsProfiles {
    profiles: Vec<AwsProfile>,
    /// Broken profiles (e.g. a dangling sso_session), kept so that one bad
    /// block does not hide the good ones.
    pub problems: Vec<String>,
    pub config_path: PathBuf,
}

impl AwsProfiles {
    /// Reads `config` and `credentials`; a missing file is an empty one.
    ///
    /// # Errors
    /// [`ProfilesError`] when a file exists but cannot be read or parsed.
    pub fn load(config: &Path, credentials: &Path) -> Result<Self, ProfilesError> {
        let config_text = read_optional(config)?;
        let credentials_text = read_optional(credentials)?;
        Self::parse(config_text.as_deref(), credentials_text.as_deref(), config, credentials)
    }

    /// Parses config and credentials contents (`None`: the file is absent);
    /// the paths are only named in errors.
    ///
    /// # Errors
    /// [`ProfilesError::Parse`] naming the file and line.
    pub fn parse(
        config_text: Option<&str>,
        credentials_text: Option<&str>,
        config: &Path,
        credentials: &Path,
    ) -> Result<Self, ProfilesError> {
        let mut files = EnvConfigFiles::builder();
        if let Some(text) = config_text {
            files = files.with_contents(EnvConfigFileKind::Config, text);
        }
        if let Some(text) = credentials_text {
            files = files.with_contents(EnvConfigFileKind::Credentials, text);
        }
        if config_text.is_none() && credentials_text.is_none() {
            return Ok(Self { config_path: config.to_path_buf(), ..Self::default() });
        }
        let sections = parse_sections(&files.build()).map_err(|message| {
            // The SDK names the file it parsed "<contents>"-style; point at ours.
            let path = if message.contains("credentials") && credentials_text.is_some() && config_text.is_none() {
                credentials.to_path_buf()
            } else {
                config.to_path_buf()
            };
            ProfilesError::Parse { path, message }
        })?;
        Ok(Self::from_sections(&sections, config))
    }

    fn from_sections(sections: &EnvConfigSections, config: &Path) -> Self {
        let mut names: Vec<&str> = sections.profiles().collect();
        names.sort_unstable();
        let mut profiles = Vec::new();
        let mut problems = Vec::new();
        for name in names {
            let Some(p) = sections.get_profile(name) else { continue };
            let get = |k: &str| p.get(k).map(str::to_string);
            let credentials = if let Some(session) = p.get("sso_session") {
                match sections.sso_session(session) {
                    Some(s) => CredentialSource::Sso {
                        sso_session: session.to_string(),
                        start_url: s.get("sso_start_url").unwrap_or_default().to_string(),
                        sso_region: s.get("sso_region").unwrap_or_default().to_string(),
                        account_id: get("sso_account_id"),
                        role_name: get("sso_role_name"),
                        registration_scopes: s
                            .get("sso_registration_scopes")
                            .map(|v| {
                                v.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
                            })
                            .unwrap_or_default(),
                    },
                    None => {
                        problems.push(
                            ProfilesError::MissingSsoSession {
                                profile: name.to_string(),
                                session: session.to_string(),
                                path: config.to_path_buf(),
                            }
                            .to_string(),
                        );
                        CredentialSource::Other
                    }
                }
            } else if let Some(url) = p.get("sso_start_url") {
                CredentialSource::LegacySso {
                    start_url: url.to_string(),
                    sso_region: get("sso_region").unwrap_or_default(),
                    account_id: get("sso_account_id"),
                    role_name: get("sso_role_name"),
                }
            } else if let Some(command) = p.get("credential_process") {
                CredentialSource::Process { command: command.to_string() }
            } else if let Some(role_arn) = p.get("role_arn") {
                CredentialSource::AssumeRole { role_arn: role_arn.to_string(), source_profile: get("source_profile") }
            } else if p.get("aws_access_key_id").is_some() {
                CredentialSource::StaticKeys
            } else {
                CredentialSource::Other
            };
            profiles.push(AwsProfile { name: name.to_string(), region: get("region"), credentials });
        }
        Self { profiles, problems, config_path: config.to_path_buf() }
    }

    pub fn all(&self) -> &[AwsProfile] {
        &self.profiles
    }

    pub fn get(&self, name: &str) -> Option<&AwsProfile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    pub fn names(&self) -> Vec<String> {
        self.profiles.iter().map(|p| p.name.clone()).collect()
    }

    /// Looks up a profile by a validated name.
    ///
    /// # Errors
    /// [`UnknownProfile`] listing the profiles that exist.
    pub fn require(&self, name: &ProfileName) -> Result<&AwsProfile, UnknownProfile> {
        self.get(name.as_str()).ok_or_else(|| UnknownProfile {
            name: name.to_string(),
            path: self.config_path.clone(),
            valid: self.names(),
        })
    }

    /// The region a profile sets, validated.
    pub fn region_of(&self, name: &str) -> Option<Region> {
        self.get(name)?.region.as_deref().and_then(|r| Region::new(r).ok())
    }
}

/// A profile name that is not in the config.
#[derive(Debug, Clone, thiserror::Error)]
#[error("no AWS profile {name:?} in {}; {}", path.display(), choices(valid))]
pub struct UnknownProfile {
    pub name: String,
    pub path: PathBuf,
    pub valid: Vec<String>,
}

fn choices(valid: &[String]) -> String {
    if valid.is_empty() {
        "it has no profiles: run `bedrock-tray onboard` or `aws configure sso`".to_string()
    } else {
        format!("choose one of: {}", valid.join(", "))
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, ProfilesError> {
    match crate::bounded_read::read(path, crate::bounded_read::MAX_FILE_BYTES) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| ProfilesError::Parse { path: path.to_path_buf(), message: "it is not UTF-8 text".into() }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ProfilesError::Read { path: path.to_path_buf(), source }),
    }
}

/// Runs the SDK's async loader to completion on the current thread: with
/// in-memory contents it never awaits I/O.
fn parse_sections(files: &EnvConfigFiles) -> Result<EnvConfigSections, String> {
    let fs = Fs::from_slice(&[]);
    let env = Env::from_slice(&[]);
    let fut = aws_config::profile::load(&fs, &env, files, None);
    poll_ready(fut).map_err(|e| {
        // The useful part ("on line 3: ...") is in the source error.
        let message = crate::sso::client::innermost(&e);
        // "error parsing  on line 4:\n  Profile definition must end with ']'"
        // (the in-memory source has no path) -> "line 4: Profile ...".
        let message = message.replace(":\n", ": ");
        match message.find("on line ") {
            Some(i) => message[i + 3..].split_whitespace().collect::<Vec<_>>().join(" "),
            None => message,
        }
    })
}

fn poll_ready<F: std::future::Future>(fut: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        // Not reached with in-memory sources; yield rather than spin hot.
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_device_for_a_config_file_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        assert!(std::process::Command::new("mkfifo").arg(&config).status().unwrap().success());
        let credentials = dir.path().join("credentials");
        let e = AwsProfiles::load(&config, &credentials).expect_err("a FIFO is refused");
        assert!(e.to_string().contains("not a regular file"), "{e}");
        std::fs::remove_file(&config).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &config).unwrap();
        let e = AwsProfiles::load(&config, &credentials).expect_err("/dev/zero is refused");
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    fn load(config: &str) -> Result<AwsProfiles, ProfilesError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, config).unwrap();
        AwsProfiles::load(&path, &dir.path().join("credentials"))
    }

    #[test]
    fn recognises_every_credential_kind() {
        let p = load(
            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n\
             [profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = eu-central-1\n\n\
             [profile old]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-east-1\n\n\
             [profile keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n\n\
             [profile proc]\ncredential_process = /bin/echo hi\n\n\
             [profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = keys\n\n\
             [default]\nregion = us-east-1\n",
        )
        .unwrap();
        assert_eq!(p.names(), ["default", "dev", "keys", "old", "proc", "role"]);
        let dev = p.get("dev").unwrap();
        assert_eq!(dev.region.as_deref(), Some("eu-central-1"));
        assert_eq!(dev.credentials.sso_cache_key(), Some("corp"));
        assert_eq!(p.get("old").unwrap().credentials.sso_cache_key(), Some("https://old.awsapps.com/start"));
        assert_eq!(p.get("keys").unwrap().credentials, CredentialSource::StaticKeys);
        assert!(matches!(p.get("proc").unwrap().credentials, CredentialSource::Process { .. }));
        assert!(matches!(p.get("role").unwrap().credentials, CredentialSource::AssumeRole { .. }));
        assert_eq!(p.get("default").unwrap().credentials, CredentialSource::Other);
    }

    #[test]
    fn broken_config_names_file_and_line() {
        let err = load("[profile ok]\nregion = eu-west-1\nthis line is not a property\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("config") && msg.contains("line 3"), "{msg}");
    }

    #[test]
    fn dangling_sso_session_is_a_problem_not_a_failure() {
        let p = load("[profile a]\nsso_session = nope\n[profile b]\nregion = us-east-1\n").unwrap();
        assert_eq!(p.names(), ["a", "b"]);
        assert!(p.problems[0].contains("\"nope\""), "{:?}", p.problems);
    }

    #[test]
    fn missing_files_mean_no_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let p = AwsProfiles::load(&dir.path().join("c"), &dir.path().join("k")).unwrap();
        assert!(p.all().is_empty());
        let e = p.require(&ProfileName::new("dev").unwrap()).unwrap_err().to_string();
        assert!(e.contains("onboard"), "{e}");
    }
}
