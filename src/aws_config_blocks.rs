//! Adds `[sso-session]` and `[profile]` blocks to `~/.aws/config` without
//! disturbing anything else: every other line, comment and profile stays
//! byte for byte; the old file is backed up first; a block that already
//! exists with other content is never overwritten silently.

use crate::atomic_file::{write_atomic, WriteError};
use std::path::{Path, PathBuf};

/// A section to ensure: its header (`sso-session corp`, `profile dev`) and
/// its properties in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub header: String,
    pub properties: Vec<(String, String)>,
}

impl Block {
    fn render(&self) -> String {
        let mut out = format!("[{}]\n", self.header);
        for (k, v) in &self.properties {
            out.push_str(&format!("{k} = {v}\n"));
        }
        out
    }
}

/// What happened to one block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockOutcome {
    Added,
    AlreadyPresent,
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
    Write(#[from] WriteError),
}

/// One section as found in the text: header, line range, properties.
struct Found {
    start: usize,
    end: usize,
    properties: Vec<(String, String)>,
}

/// Finds `[header]` (also `[ header ]`) and its `key = value` lines. Lines
/// are split keeping their endings so the text can be reassembled exactly.
fn find(lines: &[&str], header: &str) -> Option<Found> {
    let norm = |h: &str| h.split_whitespace().collect::<Vec<_>>().join(" ");
    let want = norm(header);
    let is_header = |l: &str| l.trim_start().starts_with('[');
    let start = lines.iter().position(|l| {
        let t = l.trim();
        t.starts_with('[') && t.ends_with(']') && norm(&t[1..t.len() - 1]) == want
    })?;
    let end = lines[start + 1..].iter().position(|l| is_header(l)).map_or(lines.len(), |i| start + 1 + i);
    let properties = lines[start + 1..end]
        .iter()
        .filter_map(|l| {
            let t = l.trim();
            if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
                return None;
            }
            let (k, v) = t.split_once('=')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    Some(Found { start, end, properties })
}

/// Ensures every block is present in the config at `path`.
///
/// Blocks already present with the same properties are left alone; a
/// present block that differs is an error unless `force`, which replaces
/// it in place. Before any change the current file is copied to
/// `config.bak-<timestamp>`.
///
/// # Errors
/// [`BlockError`]; the config is unchanged on error.
pub fn ensure(path: &Path, blocks: &[Block], force: bool, stamp: &str) -> Result<Vec<BlockOutcome>, BlockError> {
    let original = match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(BlockError::Read { path: path.into(), source }),
    };
    let mut text = original.clone().unwrap_or_default();
    let mut outcomes = Vec::new();
    for block in blocks {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        match find(&lines, &block.header) {
            None => {
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                if !text.is_empty() && !text.ends_with("\n\n") {
                    text.push('\n');
                }
                text.push_str(&block.render());
                outcomes.push(BlockOutcome::Added);
            }
            Some(found) => {
                let same = block.properties.iter().all(|(k, v)| found.properties.iter().any(|(fk, fv)| fk == k && fv == v));
                if same {
                    outcomes.push(BlockOutcome::AlreadyPresent);
                    continue;
                }
                if !force {
                    let detail = block
                        .properties
                        .iter()
                        .filter(|(k, v)| !found.properties.iter().any(|(fk, fv)| fk == k && fv == v))
                        .map(|(k, v)| {
                            let has = found.properties.iter().find(|(fk, _)| fk == k).map_or("unset", |(_, fv)| fv.as_str());
                            format!("{k} is {has}, want {v}")
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    return Err(BlockError::Conflict { header: block.header.clone(), detail, path: path.into() });
                }
                // Keep a blank separator line if the old block ended with one.
                let trailing_blank = lines[..found.end].last().is_some_and(|l| l.trim().is_empty()) && found.end < lines.len();
                let mut rebuilt: String = lines[..found.start].concat();
                rebuilt.push_str(&block.render());
                if trailing_blank {
                    rebuilt.push('\n');
                }
                rebuilt.push_str(&lines[found.end..].concat());
                text = rebuilt;
                outcomes.push(BlockOutcome::Replaced);
            }
        }
    }
    if original.as_deref() == Some(text.as_str()) {
        return Ok(outcomes);
    }
    if let Some(old) = &original {
        let backup = path.with_file_name(format!(
            "{}.bak-{stamp}",
            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
        ));
        write_atomic(&backup, old.as_bytes(), 0o600).map_err(|e| BlockError::Backup { path: backup.clone(), source: e.source })?;
    }
    write_atomic(path, text.as_bytes(), 0o600)?;
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Block {
        Block {
            header: "sso-session corp".into(),
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
    fn missing_file_is_created_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aws/config");
        ensure(&path, &[session()], false, "s").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
