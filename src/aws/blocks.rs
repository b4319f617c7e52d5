//! Ensures whole `[sso-session]` and `[profile]` blocks in `~/.aws/config`
//! for onboarding, through the line-preserving editor of
//! [`crate::aws::ini`]: every other line, comment and profile stays
//! byte for byte; the old file is backed up first; a block that already
//! exists with other values is never changed silently.

use crate::atomic_file::{write_atomic, WriteError};
use crate::aws::ini::{EditError, IniDoc, Section};
use std::path::{Path, PathBuf};

/// A section to ensure and its properties in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub section: Section,
    pub properties: Vec<(String, String)>,
}

/// What happened to one block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockOutcome {
    Added,
    AlreadyPresent,
    /// Differing values were replaced in place (only with `force`); the
    /// block's other settings stay.
    Replaced,
}

/// Why the config was not changed.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("[{header}] in {} differs from what onboarding would write ({detail}); nothing was changed: rerun with --force to replace it, or pick another name", path.display())]
    Conflict { header: String, detail: String, path: PathBuf },
    #[error("cannot back up {}: {source}", path.display())]
    Backup { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("{} changed while it was being edited; nothing was written: run the command again", path.display())]
    Changed { path: PathBuf },
}

/// Adds each block that is missing; a block that exists with the same
/// values is left alone, one with other values is an error unless `force`
/// (then those values are replaced). When anything changes, the old file
/// is first copied to `config.bak-<stamp>`.
///
/// # Errors
/// [`BlockError`]; the config is unchanged on error.
pub fn ensure(path: &Path, blocks: &[Block], force: bool, stamp: &str) -> Result<Vec<BlockOutcome>, BlockError> {
    let original = match crate::bounded_read::read_to_string(path, crate::bounded_read::MAX_FILE_BYTES) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(BlockError::Read { path: path.into(), source }),
    };
    let mut doc = IniDoc::parse(original.as_deref().unwrap_or_default());
    let mut outcomes = Vec::new();
    for block in blocks {
        let exists = doc.find_section(&block.section).is_some();
        let differing: Vec<&(String, String)> =
            block.properties.iter().filter(|(k, v)| doc.get(&block.section, k) != Some(v.as_str())).collect();
        let outcome = match (exists, differing.is_empty()) {
            (false, _) => BlockOutcome::Added,
            (true, true) => BlockOutcome::AlreadyPresent,
            (true, false) if force => BlockOutcome::Replaced,
            (true, false) => {
                let detail = differing
                    .iter()
                    .map(|(k, v)| format!("{k} is {}, want {v}", doc.get(&block.section, k).unwrap_or("unset")))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(BlockError::Conflict {
                    header: block.section.as_str().to_string(),
                    detail,
                    path: path.into(),
                });
            }
        };
        for (k, v) in differing {
            doc.set(&block.section, k, v)?;
        }
        outcomes.push(outcome);
    }
    let text = doc.render();
    if original.as_deref().unwrap_or_default() == text {
        return Ok(outcomes);
    }
    if let Some(old) = &original {
        let backup = crate::atomic_file::backup_path(path, stamp);
        write_atomic(&backup, old.as_bytes(), 0o600)
            .map_err(|e| BlockError::Backup { path: backup.clone(), source: e.source })?;
    }
    // Compare-and-swap: another program's edit since we read is never lost.
    let prepared = crate::atomic_file::PreparedWrite::new(path, text.as_bytes(), 0o600)?;
    match prepared.exchange_if(original.as_deref().map(str::as_bytes))? {
        crate::atomic_file::Exchange::Replaced => Ok(outcomes),
        crate::atomic_file::Exchange::Changed(_) => Err(BlockError::Changed { path: path.into() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Block {
        Block {
            section: Section::sso_session(&crate::names::SsoSessionName::new("corp").unwrap()),
            properties: vec![
                ("sso_start_url".into(), "https://corp.awsapps.com/start".into()),
                ("sso_region".into(), "eu-west-1".into()),
                ("sso_registration_scopes".into(), "sso:account:access".into()),
            ],
        }
    }

    const EXISTING: &str = "# my config\n[default]\nregion = us-east-1 ; inline\n\n[profile other]\n  region=eu-west-1\n# trailing comment";

    #[test]
    fn adding_keeps_everything_else_byte_for_byte_and_backs_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, EXISTING).unwrap();
        let out = ensure(&path, &[session()], false, "20261125T000000Z").unwrap();
        assert_eq!(out, [BlockOutcome::Added]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(EXISTING), "the old text is a prefix:\n{text}");
        assert!(text.ends_with("\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n"), "{text}");
        assert_eq!(std::fs::read_to_string(dir.path().join("config.bak-20261125T000000Z")).unwrap(), EXISTING);
        // Again: nothing to do, nothing written.
        assert_eq!(ensure(&path, &[session()], false, "x").unwrap(), [BlockOutcome::AlreadyPresent]);
        assert!(!dir.path().join("config.bak-x").exists());
    }

    #[test]
    fn a_differing_block_is_refused_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let before = "[sso-session corp]\nsso_start_url = https://other.awsapps.com/start\nsso_region = eu-west-1\n\n[profile keep]\nregion = x\n";
        std::fs::write(&path, before).unwrap();
        let err = ensure(&path, &[session()], false, "s").unwrap_err().to_string();
        assert!(err.contains("sso_start_url is https://other.awsapps.com/start") && err.contains("--force"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
        assert_eq!(ensure(&path, &[session()], true, "s").unwrap(), [BlockOutcome::Replaced]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"), "{text}");
        assert!(text.ends_with("\n\n[profile keep]\nregion = x\n"), "{text}");
    }

    #[test]
    fn forcing_replaces_only_the_differing_values_and_keeps_the_users_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let before = "[sso-session corp] # ours\nsso_region = us-east-1\n# why we use this session\nsso_start_url = https://corp.awsapps.com/start\nmy_setting = 1\n";
        std::fs::write(&path, before).unwrap();
        assert_eq!(ensure(&path, &[session()], true, "s").unwrap(), [BlockOutcome::Replaced]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "[sso-session corp] # ours\nsso_region = eu-west-1\n# why we use this session\nsso_start_url = https://corp.awsapps.com/start\nmy_setting = 1\nsso_registration_scopes = sso:account:access\n"
        );
    }

    #[test]
    fn missing_file_is_created_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aws/config");
        ensure(&path, &[session()], false, "s").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
