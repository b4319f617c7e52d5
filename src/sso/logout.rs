//! Signing out, as `aws sso logout` does (awscli/customizations/sso/logout.py):
//! the portal's Logout call with the access token (its failure, e.g. for a
//! token already expired, does not stop the rest), then the token file
//! removed, then the role credentials the AWS CLI and botocore cached from
//! that token (`~/.aws/cli/cache`, `"ProviderType": "sso"`). The AWS CLI
//! always signs out of every session; `--profile` narrows it to one.

use crate::aws::profiles::{AwsProfile, AwsProfiles, CredentialSource};
use crate::names::Region;
use crate::paths::Paths;
use crate::sso::cache::read_token;
use crate::sso::login::{self, LoginError};
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a sign-out waits for a sign-in of the same session to end.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// What one sign-out did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogoutReport {
    /// Token files removed.
    pub tokens_removed: usize,
    /// Portal Logout calls that succeeded.
    pub portal_logouts: usize,
    /// Portal Logout calls that failed (the files are removed anyway).
    pub portal_failures: Vec<String>,
    /// Cached role credential files removed.
    pub credentials_removed: usize,
}

/// Why a sign-out could not finish.
#[derive(Debug, thiserror::Error)]
pub enum LogoutError {
    #[error(transparent)]
    Login(#[from] LoginError),
    #[error("cannot remove {}: {source}", path.display())]
    Remove { path: PathBuf, source: std::io::Error },
}

impl crate::error_kind::HasKind for LogoutError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        crate::error_kind::request_or_environment(matches!(self, LogoutError::Login(LoginError::NotSso(_))))
    }
}

/// Where AWS CLI v2 and botocore cache role credentials. `~` is the home,
/// whatever `AWS_CONFIG_FILE` says (botocore's `JSONFileCache` default).
pub fn cli_cache_dir(paths: &Paths) -> PathBuf {
    paths.home.join(".aws").join("cli").join("cache")
}

/// The cache file botocore's `SSOCredentialFetcher._create_cache_key`
/// names for a profile's role: sha1 of the minified, key-sorted JSON of
/// roleName, accountId and sessionName (or startUrl for legacy profiles).
pub fn role_credentials_file(cache_dir: &Path, profile: &AwsProfile) -> Option<PathBuf> {
    let (account, role, key, value) = match &profile.credentials {
        CredentialSource::Sso { sso_session, account_id, role_name, .. } => {
            (account_id.as_ref()?, role_name.as_ref()?, "sessionName", sso_session)
        }
        CredentialSource::LegacySso { start_url, account_id, role_name, .. } => {
            (account_id.as_ref()?, role_name.as_ref()?, "startUrl", start_url)
        }
        _ => return None,
    };
    let mut args = serde_json::Map::new();
    // Sorted: accountId, roleName, sessionName / startUrl.
    args.insert("accountId".into(), account.clone().into());
    args.insert("roleName".into(), role.clone().into());
    args.insert(key.into(), value.clone().into());
    let json = serde_json::to_string(&args).expect("a JSON map serialises");
    Some(cache_dir.join(format!("{:x}.json", Sha1::digest(json.as_bytes()))))
}

/// Signs the session of `profile` out, and every profile sharing it.
///
/// # Errors
/// [`LogoutError`]: not an SSO profile, a login of the session still
/// running, a file that cannot be removed.
pub async fn logout_profile(
    paths: &Paths,
    profiles: &AwsProfiles,
    profile: &AwsProfile,
) -> Result<LogoutReport, LogoutError> {
    let target = login::target_of(profile)?;
    let mut report = LogoutReport::default();
    let _lock = login::lock_session(paths, &target, LOCK_WAIT).await?;
    sign_out_token(&target.token_path(&paths.sso_cache_dir), Some(&target.region), &mut report).await?;
    let cache = cli_cache_dir(paths);
    for other in profiles.all() {
        if login::target_of(other)
            .is_ok_and(|t| t.token_path(&paths.sso_cache_dir) == target.token_path(&paths.sso_cache_dir))
        {
            if let Some(file) = role_credentials_file(&cache, other) {
                report.credentials_removed += usize::from(remove(&file)?);
            }
        }
    }
    Ok(report)
}

/// Signs every session out, as `aws sso logout` does: every token file in
/// the cache, every SSO role credential file.
///
/// # Errors
/// [`LogoutError::Remove`].
pub async fn logout_all(paths: &Paths) -> Result<LogoutReport, LogoutError> {
    let mut report = LogoutReport::default();
    for path in json_files(&paths.sso_cache_dir) {
        // Registration files have no accessToken and stay, as with the CLI.
        if let Ok(token) = read_token(&path) {
            let region = token.region.as_deref().and_then(|r| Region::new(r).ok());
            let _ = token;
            sign_out_token(&path, region.as_ref(), &mut report).await?;
        }
    }
    for path in json_files(&cli_cache_dir(paths)) {
        let sso = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|v| v["ProviderType"] == "sso");
        if sso {
            report.credentials_removed += usize::from(remove(&path)?);
        }
    }
    Ok(report)
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// Calls Logout with the token in `path` (when it has one and a region),
/// then removes the file.
async fn sign_out_token(path: &Path, region: Option<&Region>, report: &mut LogoutReport) -> Result<(), LogoutError> {
    let Ok(token) = read_token(path) else {
        // Nothing to revoke; a corrupt file goes too.
        report.tokens_removed += usize::from(remove(path)?);
        return Ok(());
    };
    let region = region.cloned().or_else(|| token.region.as_deref().and_then(|r| Region::new(r).ok()));
    if let Some(region) = region {
        let client = crate::sso::accounts::portal_client(&region).await;
        match client.logout().access_token(token.access_token.expose()).send().await {
            Ok(_) => report.portal_logouts += 1,
            Err(e) => {
                let why = crate::sso::client::innermost(&e);
                tracing::debug!("the portal's Logout failed (the token may have expired already): {why}");
                report.portal_failures.push(why);
            }
        }
    }
    report.tokens_removed += usize::from(remove(path)?);
    Ok(())
}

/// Removes `path`; `false` when it was not there.
fn remove(path: &Path) -> Result<bool, LogoutError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(LogoutError::Remove { path: path.to_path_buf(), source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_credential_file_names_match_botocore() {
        // python3 -c 'import hashlib,json; print(hashlib.sha1(json.dumps({"roleName":"Developer",
        //   "accountId":"111122223333","sessionName":"corp"}, sort_keys=True, separators=(",",":")).encode()).hexdigest())'
        let profile = AwsProfile {
            name: "dev".into(),
            region: None,
            credentials: CredentialSource::Sso {
                sso_session: "corp".into(),
                start_url: "https://corp.awsapps.com/start".into(),
                sso_region: "eu-west-1".into(),
                account_id: Some("111122223333".into()),
                role_name: Some("Developer".into()),
                registration_scopes: Vec::new(),
            },
        };
        let expected = std::process::Command::new("python3")
            .arg("-c")
            .arg("import hashlib,json; print(hashlib.sha1(json.dumps({'roleName':'Developer','accountId':'111122223333','sessionName':'corp'}, sort_keys=True, separators=(',',':')).encode()).hexdigest())")
            .output()
            .expect("python3 is on every machine this builds on");
        let expected = String::from_utf8(expected.stdout).unwrap();
        assert_eq!(
            role_credentials_file(Path::new("/c"), &profile).unwrap(),
            Path::new("/c").join(format!("{}.json", expected.trim()))
        );
    }
}
