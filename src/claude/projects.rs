//! The projects Claude Code knows, and those with a selection of their
//! own (owned keys in their `.claude/settings.local.json`, as `use
//! --project` writes them), for the dashboard.
//!
//! Claude Code 2.1.332 keeps the folders it was started in as the keys of
//! `projects` in `.claude.json` (in `$CLAUDE_CONFIG_DIR` when that is set,
//! else in the home folder; seen by running it), but `-p` runs are not
//! recorded there; every run leaves a transcript under
//! `projects/<folder name with / as ->/`, whose entries carry the real
//! `cwd`. Both are read; neither is Claude Code's public API, so a file
//! that cannot be read just adds no project.

use crate::claude::layers::project_local_file;
use crate::claude::settings::{OwnedKey, SettingsDoc};
use crate::paths::Paths;
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// At most this many bytes are read from the start of one transcript to
/// find its `cwd`, and at most this many of `.claude.json`.
const TRANSCRIPT_HEAD_BYTES: u64 = 256 * 1024;
const CLAUDE_JSON_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// A project folder with a selection of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectSelection {
    pub dir: PathBuf,
    /// Its `.claude/settings.local.json`.
    pub file: PathBuf,
    /// The model id it selects, if it sets one.
    pub model_id: Option<String>,
    pub region: Option<String>,
    /// Every owned key the file sets (`env.ANTHROPIC_MODEL`, ...).
    pub keys: Vec<String>,
}

/// Where Claude Code keeps `.claude.json`.
pub fn claude_json(paths: &Paths) -> PathBuf {
    if paths.claude_dir == paths.home.join(".claude") {
        paths.home.join(".claude.json")
    } else {
        paths.claude_dir.join(".claude.json")
    }
}

/// Every folder Claude Code has been started in, as far as its files say.
pub fn known(paths: &Paths) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let path = claude_json(paths);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() <= CLAUDE_JSON_MAX_BYTES) {
        if let Ok(value) = std::fs::read(&path).map(|b| serde_json::from_slice::<serde_json::Value>(&b)) {
            if let Some(projects) = value.ok().as_ref().and_then(|v| v.get("projects")).and_then(|p| p.as_object()) {
                out.extend(projects.keys().map(PathBuf::from));
            }
        }
    }
    if let Ok(folders) = std::fs::read_dir(paths.claude_dir.join("projects")) {
        for folder in folders.filter_map(Result::ok) {
            if let Some(cwd) = transcript_cwd(&folder.path()) {
                out.insert(cwd);
            }
        }
    }
    out.retain(|p| p.is_absolute());
    out
}

/// The `cwd` of the first transcript line in `folder` that has one.
fn transcript_cwd(folder: &Path) -> Option<PathBuf> {
    let files = std::fs::read_dir(folder).ok()?;
    for file in files.filter_map(Result::ok).map(|f| f.path()) {
        if file.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        let Ok(f) = std::fs::File::open(&file) else { continue };
        for line in BufReader::new(f.take(TRANSCRIPT_HEAD_BYTES)).lines() {
            let Ok(line) = line else { break };
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                if let Some(cwd) = v.get("cwd").and_then(|c| c.as_str()) {
                    return Some(PathBuf::from(cwd));
                }
            }
        }
    }
    None
}

/// The known projects whose local settings set any owned key.
pub fn with_selection(paths: &Paths) -> Vec<ProjectSelection> {
    known(paths)
        .into_iter()
        .filter_map(|dir| {
            let file = project_local_file(&dir);
            let doc = SettingsDoc::read(&file).ok()?;
            let keys: Vec<String> =
                OwnedKey::ALL.iter().filter(|k| doc.get(**k).is_some()).map(|k| k.display()).collect();
            (!keys.is_empty()).then(|| ProjectSelection {
                model_id: doc.get(OwnedKey::Model),
                region: doc.get(OwnedKey::AwsRegion),
                dir,
                file,
                keys,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_come_from_claude_json_and_transcripts() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::under_home(home.path());
        let (a, b, c) = (home.path().join("a"), home.path().join("b"), home.path().join("c"));
        std::fs::write(
            claude_json(&paths),
            serde_json::json!({"projects": {a.to_str().unwrap(): {}, c.to_str().unwrap(): {}}}).to_string(),
        )
        .unwrap();
        let transcripts = paths.claude_dir.join("projects/-b");
        std::fs::create_dir_all(&transcripts).unwrap();
        std::fs::write(
            transcripts.join("s.jsonl"),
            format!("{{\"type\":\"queue-operation\"}}\n{{\"type\":\"user\",\"cwd\":{:?}}}\n", b.to_str().unwrap()),
        )
        .unwrap();
        assert_eq!(known(&paths), [a.clone(), b.clone(), c.clone()].into_iter().collect());

        for (dir, text) in
            [(&a, r#"{"env": {"ANTHROPIC_MODEL": "us.x", "FOO": "1"}}"#), (&b, r#"{"env": {"FOO": "1"}}"#)]
        {
            std::fs::create_dir_all(dir.join(".claude")).unwrap();
            std::fs::write(project_local_file(dir), text).unwrap();
        }
        let with = with_selection(&paths);
        assert_eq!(with.len(), 1, "only a sets an owned key: {with:?}");
        assert_eq!((with[0].dir.as_path(), with[0].model_id.as_deref()), (a.as_path(), Some("us.x")));
        assert_eq!(with[0].keys, ["env.ANTHROPIC_MODEL"]);
    }
}
