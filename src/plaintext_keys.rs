//! Profiles whose secret access key sits in plain text in `~/.aws/credentials`
//! or `~/.aws/config`, so doctor and the dashboard can offer to move it into
//! the OS keyring (`bedrock-tray credentials import`). Only profile names
//! leave this module, never a value.

use crate::aws_config_edit::IniDoc;
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
            header
                .strip_prefix("profile")?
                .trim_start_matches([' ', '\t'])
        }
    } else {
        header
    };
    (!name.is_empty()).then(|| name.to_string())
}

fn scan(path: &Path, config_file: bool, out: &mut Vec<PlaintextKey>) {
    // Unreadable or missing: nothing to report here (the profile loader
    // reports broken files).
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let doc = IniDoc::parse(&text);
    for header in doc.sections() {
        let Some(profile) = profile_of(&header, config_file) else {
            continue;
        };
        let section = crate::aws_config_edit::Section::raw(&header);
        if doc
            .get(&section, "aws_secret_access_key")
            .is_some_and(|v| !v.is_empty())
            && !out.iter().any(|k| k.profile == profile && k.file == path)
        {
            out.push(PlaintextKey {
                profile,
                file: path.to_path_buf(),
            });
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

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
        let paths = Paths::from_lookup(|k| (k == "HOME").then(|| OsString::from(home))).unwrap();
        assert_eq!(
            profiles(&paths),
            ["default", "both", "spaced"],
            "each profile once, in file order"
        );
        let found = find(&paths);
        assert_eq!(
            found.len(),
            4,
            "both files are reported for `both`: {found:?}"
        );
        let json = serde_json::to_string(&found).unwrap();
        assert!(!json.contains("s3cr3t"), "names and files only: {json}");
    }

    #[test]
    fn missing_files_mean_no_keys() {
        let dir = tempfile::tempdir().unwrap();
        let paths =
            Paths::from_lookup(|k| (k == "HOME").then(|| OsString::from(dir.path()))).unwrap();
        assert!(profiles(&paths).is_empty());
    }
}
