//! Profiles whose secret access key sits in plain text in `~/.aws/credentials`
//! or `~/.aws/config`, so doctor and the dashboard can offer to move it into
//! the OS keyring (`bedrock-tray credentials import`). Only profile names
//! leave this module, never a value.

use crate::aws::ini::IniDoc;
use crate::paths::Paths;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One profile with a plaintext secret key, and the file holding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaintextKey {
    pub profile: String,
    pub file: PathBuf,
}

/// The profile a section header names: `[NAME]` in the credentials file;
/// `[default]` or `[profile NAME]` in the config file.
fn profile_of(header: &str, config_file: bool) -> Option<String> {
    let name = if config_file {
        if header == "default" {
            "default"
        } else {
            header.strip_prefix("profile")?.trim_start_matches([' ', '\t'])
        }
    } else {
        header
    };
    (!name.is_empty()).then(|| name.to_string())
}

fn scan(path: &Path, config_file: bool, out: &mut Vec<PlaintextKey>) {
    // Unreadable or missing: nothing to report here (the profile loader
    // reports broken files).
    let Ok(text) = crate::bounded_read::read_to_string(path, crate::bounded_read::MAX_FILE_BYTES) else {
        return;
    };
    let doc = IniDoc::parse(&text);
    for header in doc.sections_setting("aws_secret_access_key") {
        let Some(profile) = profile_of(&header, config_file) else {
            continue;
        };
        if !out.iter().any(|k| k.profile == profile && k.file == path) {
            out.push(PlaintextKey { profile, file: path.to_path_buf() });
        }
    }
}

/// Every profile with a non-empty `aws_secret_access_key` in either file,
/// credentials file first, in file order.
pub fn find(paths: &Paths) -> Vec<PlaintextKey> {
    let mut out = Vec::new();
    scan(&paths.aws_credentials, false, &mut out);
    scan(&paths.aws_config, true, &mut out);
    out
}

/// The names of [`find`]'s profiles, each once.
pub fn profiles(paths: &Paths) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for k in find(paths) {
        if !names.contains(&k.profile) {
            names.push(k.profile);
        }
    }
    names
}

/// Why an import changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("neither {} nor {} has aws_access_key_id and aws_secret_access_key for profile {profile}: nothing to import", credentials.display(), config.display())]
    NothingToImport { profile: String, credentials: PathBuf, config: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("profile {profile} in {} holds temporary credentials (an ASIA… key with a session token): they expire within hours and cannot be made into sessions; nothing was changed: import the user's long-term AKIA… key instead, or keep using the tool that writes these", path.display())]
    Temporary { profile: String, path: PathBuf },
    #[error(transparent)]
    Keychain(#[from] crate::aws::keychain::KeychainError),
    #[error(transparent)]
    Write(#[from] crate::atomic_file::WriteError),
    #[error(transparent)]
    Edit(#[from] crate::aws::ini::EditError),
}

/// What replaces a secret value in the backups we write.
pub const REDACTED: &str = "REDACTED-by-bedrock-tray";

/// Keys whose values are secret.
const SECRET_KEYS: [&str; 2] = ["aws_secret_access_key", "aws_session_token"];

/// The secret key name a line sets, if any (`key = value`, any spacing).
fn secret_setting(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    SECRET_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k)).then_some((key, value.trim()))
}

/// `text` (an AWS config or credentials file) with every secret value
/// replaced by [`REDACTED`]; every other line as it was.
pub fn redact_secrets(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| match secret_setting(line) {
            Some((key, value)) if !value.is_empty() => {
                let end = if line.ends_with("\r\n") {
                    "\r\n"
                } else if line.ends_with('\n') {
                    "\n"
                } else {
                    ""
                };
                format!("{key} = {REDACTED}{end}")
            }
            _ => line.to_string(),
        })
        .collect()
}

/// Backups beside the AWS config and credentials files
/// (`<file>.bak-<stamp>`, see [`crate::atomic_file::backup_path`]) that
/// still hold a secret value: older versions of `credentials import` (and
/// onboarding's backups of a config with keys) kept them in clear.
pub fn backups_with_secrets(paths: &Paths) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for file in [&paths.aws_credentials, &paths.aws_config] {
        let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else { continue };
        let prefix = format!("{}.bak-", name.to_string_lossy());
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .map(|e| e.path())
            .filter(|p| {
                crate::bounded_read::read_to_string(p, crate::bounded_read::MAX_FILE_BYTES)
                    .is_ok_and(|t| t.lines().filter_map(secret_setting).any(|(_, v)| !v.is_empty() && v != REDACTED))
            })
            .collect();
        found.sort();
        out.extend(found);
    }
    out
}

/// Where an imported key came from, and the backup of that file (its
/// secret values redacted).
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub from: PathBuf,
    pub backup: PathBuf,
}

/// Moves `profile`'s plaintext key into the OS keyring: the keyring first,
/// then a backup of the file, then the key's lines removed from it, then
/// `credential_process = <program> credential-process --profile P` in
/// `~/.aws/config`. The credentials file is searched first, as the AWS
/// clients read it first.
///
/// # Errors
/// [`ImportError`]; the files are unchanged unless the keyring step
/// succeeded.
pub fn import<S: crate::aws::keychain::SecretStore>(
    paths: &Paths,
    kc: &crate::aws::keychain::Keychain<S>,
    profile: &crate::names::ProfileName,
    program: &str,
) -> Result<Imported, ImportError> {
    use crate::aws::ini::Section;
    let sources = [
        (&paths.aws_credentials, Section::credentials_profile(profile)),
        (&paths.aws_config, Section::config_profile(profile)),
    ];
    let mut found = None;
    for (path, section) in sources {
        let text = match crate::bounded_read::read_to_string(path, crate::bounded_read::MAX_FILE_BYTES) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(ImportError::Read { path: path.clone(), source }),
        };
        let doc = IniDoc::parse(&text);
        if let (Some(id), Some(secret)) =
            (doc.get(&section, "aws_access_key_id"), doc.get(&section, "aws_secret_access_key"))
        {
            let key = crate::aws::keychain::LongTermKey {
                access_key_id: id.to_string(),
                secret_access_key: crate::secret::Secret::new(secret.to_string()),
            };
            found = Some((path, section, text, key));
            break;
        }
    }
    let Some((path, section, text, key)) = found else {
        return Err(ImportError::NothingToImport {
            profile: profile.to_string(),
            credentials: paths.aws_credentials.clone(),
            config: paths.aws_config.clone(),
        });
    };
    let doc = IniDoc::parse(&text);
    if key.access_key_id.starts_with("ASIA") || doc.get(&section, "aws_session_token").is_some_and(|t| !t.is_empty()) {
        return Err(ImportError::Temporary { profile: profile.to_string(), path: path.clone() });
    }
    let previous = kc.long_term(profile)?;
    kc.set_long_term(profile, &key)?;
    match move_out_of_file(paths, profile, program, path, &section, &text) {
        Ok(backup) => Ok(Imported { from: path.clone(), backup }),
        Err(e) => {
            // Undo what was done, so a failed import changes nothing: the
            // file as it was (if it was edited), the keyring as it was.
            if crate::bounded_read::read_to_string(path, crate::bounded_read::MAX_FILE_BYTES).ok().as_deref()
                != Some(text.as_str())
            {
                let _ = crate::atomic_file::write_atomic(path, text.as_bytes(), 0o600);
            }
            let _ = match previous {
                Some(old) => kc.set_long_term(profile, &old),
                None => kc.remove(profile).map(|_| ()),
            };
            Err(e)
        }
    }
}

/// The file steps of [`import`]: a redacted backup, the key's lines out of
/// the file, `credential_process` into the config. Returns the backup.
fn move_out_of_file(
    paths: &Paths,
    profile: &crate::names::ProfileName,
    program: &str,
    path: &Path,
    section: &crate::aws::ini::Section,
    text: &str,
) -> Result<PathBuf, ImportError> {
    use crate::aws::ini::{edit_file, EditError};
    let stamp = crate::atomic_file::backup_stamp(time::OffsetDateTime::now_utc());
    let backup = crate::atomic_file::backup_path(path, &stamp);
    // The backup keeps the file's shape, not its secrets: the key is in the
    // keyring now, and a plaintext copy would outlive the import for ever.
    crate::atomic_file::write_atomic(&backup, redact_secrets(text).as_bytes(), 0o600)?;
    edit_file(path, |doc: &mut IniDoc| {
        for k in ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"] {
            doc.remove_key(section, k);
        }
        if doc.section_is_empty(section) {
            doc.remove_section(section);
        }
        Ok::<_, EditError>(true)
    })?;
    set_credential_process(paths, profile, program, None)?;
    Ok(backup)
}

/// Points `profile` at our keyring in `~/.aws/config`:
/// `credential_process = <program> credential-process --profile P`, and
/// `mfa_serial` when given. Returns whether the file changed.
///
/// # Errors
/// The config cannot be read or written.
pub fn set_credential_process(
    paths: &Paths,
    profile: &crate::names::ProfileName,
    program: &str,
    mfa_serial: Option<&str>,
) -> Result<bool, crate::aws::ini::EditError> {
    use crate::aws::ini::{edit_file, EditError, Section};
    let section = Section::config_profile(profile);
    let value = crate::aws::keychain::credential_process_command(program, profile, false);
    edit_file(&paths.aws_config, |doc: &mut IniDoc| {
        let mut changed = doc.set(&section, "credential_process", &value)?;
        if let Some(serial) = mfa_serial {
            changed |= doc.set(&section, "mfa_serial", serial)?;
        }
        Ok::<_, EditError>(changed)
    })
}

impl crate::error_kind::HasKind for ImportError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        crate::error_kind::request_or_environment(matches!(
            self,
            ImportError::NothingToImport { .. } | ImportError::Temporary { .. }
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_secret_keys_in_both_files_and_never_returns_values() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::write(
            home.join(".aws/credentials"),
            "[default]\naws_access_key_id = AKIA1\naws_secret_access_key = s3cr3t-one\n\n[only-id]\naws_access_key_id = AKIA2\n\n[both]\naws_secret_access_key=s3cr3t-two\n",
        )
        .unwrap();
        std::fs::write(
            home.join(".aws/config"),
            "[profile sso]\nsso_session = corp\n[profile both]\naws_secret_access_key = s3cr3t-three\n[profile  spaced]\naws_secret_access_key = s3cr3t-four\n[sso-session corp]\nsso_region = eu-west-1\n[profile empty]\naws_secret_access_key =\n",
        )
        .unwrap();
        let paths = Paths::under_home(home);
        assert_eq!(profiles(&paths), ["default", "both", "spaced"], "each profile once, in file order");
        let found = find(&paths);
        assert_eq!(found.len(), 4, "both files are reported for `both`: {found:?}");
        let json = serde_json::to_string(&found).unwrap();
        assert!(!json.contains("s3cr3t"), "names and files only: {json}");
    }

    #[derive(Default)]
    struct MapStore(std::cell::RefCell<std::collections::HashMap<String, String>>);
    impl crate::aws::keychain::SecretStore for MapStore {
        fn get(&self, a: &str) -> Result<Option<String>, crate::aws::keychain::KeychainError> {
            Ok(self.0.borrow().get(a).cloned())
        }
        fn set(&self, a: &str, v: &str) -> Result<(), crate::aws::keychain::KeychainError> {
            self.0.borrow_mut().insert(a.into(), v.into());
            Ok(())
        }
        fn delete(&self, a: &str) -> Result<bool, crate::aws::keychain::KeychainError> {
            Ok(self.0.borrow_mut().remove(a).is_some())
        }
    }

    #[test]
    fn import_backups_hold_no_secret_and_old_ones_that_do_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::write(
            home.join(".aws/credentials"),
            "[dev]\naws_access_key_id = AKIAX\naws_secret_access_key = hunter2-secret\n[ops]\r\naws_secret_access_key=other-secret\r\naws_session_token = tok-secret\r\n",
        )
        .unwrap();
        let paths = Paths::under_home(home);
        let kc = crate::aws::keychain::Keychain::new(MapStore::default());
        let profile = crate::names::ProfileName::new("dev").unwrap();
        let done = import(&paths, &kc, &profile, "bedrock-tray").unwrap();
        let backup = std::fs::read_to_string(&done.backup).unwrap();
        for secret in ["hunter2", "other-secret", "tok-secret"] {
            assert!(!backup.contains(secret), "{secret} in the backup: {backup}");
        }
        assert!(backup.contains("[dev]\naws_access_key_id = AKIAX\naws_secret_access_key = REDACTED-by-bedrock-tray\n"));
        assert!(backup.contains("[ops]\r\naws_secret_access_key = REDACTED-by-bedrock-tray\r\n"), "{backup}");
        assert!(backups_with_secrets(&paths).is_empty(), "our new backup holds none");

        // A backup an older version left, with the key in clear.
        let old = home.join(".aws/credentials.bak-20260101T000000Z");
        std::fs::write(&old, "[dev]\naws_secret_access_key = hunter2-secret\n").unwrap();
        std::fs::write(home.join(".aws/credentials.bak-notes"), "no keys here\n").unwrap();
        assert_eq!(backups_with_secrets(&paths), [old]);
    }

    #[test]
    fn temporary_keys_are_refused_and_a_failed_import_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        let creds = home.join(".aws/credentials");
        let paths = Paths::under_home(home);
        let kc = crate::aws::keychain::Keychain::new(MapStore::default());
        let profile = crate::names::ProfileName::new("dev").unwrap();

        let temporary = "[dev]\naws_access_key_id = ASIAXAMPLE\naws_secret_access_key = s\naws_session_token = tok\n";
        std::fs::write(&creds, temporary).unwrap();
        let e = import(&paths, &kc, &profile, "bedrock-tray").unwrap_err();
        assert!(matches!(e, ImportError::Temporary { .. }), "{e}");
        assert_eq!(std::fs::read_to_string(&creds).unwrap(), temporary, "nothing changed");
        assert!(kc.long_term(&profile).unwrap().is_none(), "nothing stored");

        // The config cannot be written (a folder in its place): the key
        // goes back into the file and out of the keyring.
        let long_term = "[dev]\naws_access_key_id = AKIAXAMPLE\naws_secret_access_key = s3cr3t\n";
        std::fs::write(&creds, long_term).unwrap();
        std::fs::create_dir_all(home.join(".aws/config")).unwrap();
        assert!(import(&paths, &kc, &profile, "bedrock-tray").is_err());
        assert_eq!(std::fs::read_to_string(&creds).unwrap(), long_term, "the file is as it was");
        assert!(kc.long_term(&profile).unwrap().is_none(), "the keyring is as it was");
    }

    #[test]
    fn missing_files_mean_no_keys() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under_home(dir.path());
        assert!(profiles(&paths).is_empty());
    }
}
