//! Repair of the commands we wrote whose program moved: after an upgrade,
//! a move of the app or a switch from the build folder to the package, an
//! `awsAuthRefresh`, `awsCredentialExport` or `credential_process` of ours
//! may name a `bedrock-tray` that is gone (or a bare one that a minimal
//! `PATH` does not find). `bedrock-tray repair` and the tray app at start
//! point each of them at the installed CLI ([`crate::program_path`]),
//! keeping their arguments. Commands that are not ours are never touched.

use crate::aws::ini::{edit_file, EditError, IniDoc, Section};
use crate::claude::settings::{self, OwnedKey, SettingsError};
use crate::paths::Paths;
use crate::program_path::{retarget, runs_ours, ProgramPathError};
use serde::Serialize;
use std::path::PathBuf;

/// One command pointed at the installed CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repaired {
    /// The file it lives in.
    pub file: PathBuf,
    /// `awsAuthRefresh`, `awsCredentialExport` or `[profile P] credential_process`.
    pub setting: String,
    pub old: String,
    pub new: String,
}

/// Why a repair could not be done; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    #[error(transparent)]
    Program(#[from] ProgramPathError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    AwsConfig(#[from] EditError),
}

impl crate::error_kind::HasKind for RepairError {
    fn kind(&self) -> crate::error_kind::ErrorKind {
        crate::error_kind::ErrorKind::BrokenEnvironment
    }
}

/// The subcommand each of our written commands runs.
const OURS: [(OwnedKey, &str); 2] =
    [(OwnedKey::AuthRefresh, "login"), (OwnedKey::CredentialExport, "credential-process")];

/// Points every command of ours in `settings.json` and `~/.aws/config` at
/// `program` (a shell word, see [`crate::program_path::cli_program`]).
/// Returns what changed; nothing when all of them name it already.
///
/// # Errors
/// [`RepairError`]: a file cannot be read, parsed or written.
pub fn run(paths: &Paths, program: &str) -> Result<Vec<Repaired>, RepairError> {
    let mut out = Vec::new();
    if paths.claude_settings.exists() {
        let changes = settings::update(&paths.claude_settings, |doc| {
            let patch: settings::Patch = OURS
                .iter()
                .filter_map(|(key, sub)| {
                    let cmd = doc.get(*key).filter(|c| runs_ours(c, sub))?;
                    Some((*key, Some(retarget(&cmd, program)?)))
                })
                .collect();
            Ok::<_, SettingsError>(patch)
        })?;
        out.extend(changes.into_iter().filter_map(|c| {
            Some(Repaired { file: paths.claude_settings.clone(), setting: c.key, old: c.old?, new: c.new? })
        }));
    }
    if paths.aws_config.exists() {
        let mut found = Vec::new();
        edit_file(&paths.aws_config, |doc: &mut IniDoc| {
            for header in doc.sections_setting("credential_process") {
                let section = Section::existing(&header);
                let Some(cmd) = doc.get(&section, "credential_process").map(str::to_string) else { continue };
                if !runs_ours(&cmd, "credential-process") {
                    continue;
                }
                if let Some(new) = retarget(&cmd, program) {
                    doc.set(&section, "credential_process", &new)?;
                    found.push(Repaired {
                        file: paths.aws_config.clone(),
                        setting: format!("[{header}] credential_process"),
                        old: cmd,
                        new,
                    });
                }
            }
            Ok::<_, EditError>(!found.is_empty())
        })?;
        out.extend(found);
    }
    Ok(out)
}

/// Every command of ours that is written, with where it is: what `doctor`
/// checks can run.
pub fn written_commands(paths: &Paths) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(doc) = settings::SettingsDoc::read(&paths.claude_settings) {
        for (key, sub) in OURS {
            if let Some(cmd) = doc.get(key).filter(|c| runs_ours(c, sub)) {
                out.push((key.name().to_string(), cmd));
            }
        }
    }
    if let Ok(text) = std::fs::read_to_string(&paths.aws_config) {
        let doc = IniDoc::parse(&text);
        for header in doc.sections_setting("credential_process") {
            if let Some(cmd) = doc.get(&Section::existing(&header), "credential_process") {
                if runs_ours(cmd, "credential-process") {
                    out.push((format!("[{header}] credential_process"), cmd.to_string()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repoints_ours_and_leaves_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under_home(dir.path());
        std::fs::create_dir_all(paths.claude_settings.parent().unwrap()).unwrap();
        std::fs::create_dir_all(paths.aws_config.parent().unwrap()).unwrap();
        std::fs::write(
            &paths.claude_settings,
            r#"{"awsAuthRefresh": "/gone/bedrock-tray login --profile dev", "awsCredentialExport": "my-export", "hooks": {}}"#,
        )
        .unwrap();
        std::fs::write(
            &paths.aws_config,
            "[profile kc]\ncredential_process = bedrock-tray credential-process --profile kc\n\n[profile other]\ncredential_process = /bin/vault-export\n",
        )
        .unwrap();
        let done = run(&paths, "/usr/bin/bedrock-tray").unwrap();
        assert_eq!(done.len(), 2, "one in each file: {done:?}");
        let settings = std::fs::read_to_string(&paths.claude_settings).unwrap();
        assert!(settings.contains(r#""awsAuthRefresh": "/usr/bin/bedrock-tray login --profile dev""#), "{settings}");
        assert!(settings.contains(r#""awsCredentialExport": "my-export""#), "not ours: kept");
        let config = std::fs::read_to_string(&paths.aws_config).unwrap();
        assert!(config.contains("credential_process = /usr/bin/bedrock-tray credential-process --profile kc\n"));
        assert!(config.contains("credential_process = /bin/vault-export\n"), "not ours: kept");
        assert!(run(&paths, "/usr/bin/bedrock-tray").unwrap().is_empty(), "a second run changes nothing");
        assert_eq!(written_commands(&paths).len(), 2);
    }
}
