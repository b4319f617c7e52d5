//! Claude Code's settings layers: which file's value of each owned key is
//! in effect, and which files override the one we write.
//!
//! Claude Code merges, key by key (and `env` entry by entry), from highest
//! to lowest precedence: managed settings (IT policy), its command line
//! (`--settings`, which we cannot see), the project's
//! `.claude/settings.local.json`, the project's `.claude/settings.json`,
//! and the user's `settings.json` (under `CLAUDE_CONFIG_DIR`). Sources:
//! <https://code.claude.com/docs/en/settings> ("Settings precedence") and
//! <https://code.claude.com/docs/en/managed-settings>; the managed folders
//! (`/etc/claude-code`, `/Library/Application Support/ClaudeCode`,
//! `C:\Program Files\ClaudeCode`) and the `managed-settings.d` drop-in folder
//! are strings of Claude Code 2.1.332 itself. Drop-ins (`*.json`, not
//! hidden) are merged in name order on top of `managed-settings.json`, so
//! for a single value the last file by name wins.
//!
//! Managed settings delivered by MDM (plist, registry) or from the
//! claude.ai console are not files here and are not seen.

use crate::claude::settings::{OwnedKey, SettingsDoc, SettingsError};
use crate::paths::Paths;
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// A settings layer, in Claude Code's order of precedence (highest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// The organisation's managed settings file or a drop-in beside it.
    Managed,
    /// `DIR/.claude/settings.local.json`: one user, one project.
    ProjectLocal,
    /// `DIR/.claude/settings.json`: shared with the project's team.
    Project,
    /// The user's `settings.json`: every project.
    User,
}

impl Layer {
    /// How the layer is named to users.
    pub fn describe(self) -> &'static str {
        match self {
            Layer::Managed => "your organisation's managed settings",
            Layer::ProjectLocal => "the project's local settings",
            Layer::Project => "the project's shared settings",
            Layer::User => "your user settings",
        }
    }
}

/// The managed settings file of this OS (Claude Code 2.1.332's paths).
pub fn default_managed_settings() -> PathBuf {
    if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/ClaudeCode/managed-settings.json")
    } else if cfg!(windows) {
        PathBuf::from(r"C:\Program Files\ClaudeCode\managed-settings.json")
    } else {
        PathBuf::from("/etc/claude-code/managed-settings.json")
    }
}

/// A project's local settings file, where `use --project` writes.
pub fn project_local_file(dir: &Path) -> PathBuf {
    dir.join(".claude").join("settings.local.json")
}

/// A project's shared settings file.
pub fn project_shared_file(dir: &Path) -> PathBuf {
    dir.join(".claude").join("settings.json")
}

/// One file read, with its layer.
#[derive(Debug, Clone)]
pub struct LayerFile {
    pub layer: Layer,
    pub doc: SettingsDoc,
}

/// Where the value in effect of one key comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The key as users see it (`env.ANTHROPIC_MODEL`).
    pub key: String,
    /// The value; a secret's (`AWS_BEARER_TOKEN_BEDROCK`) only as its
    /// fingerprint (see [`OwnedKey::shown`]).
    pub value: String,
    pub layer: Layer,
    pub path: PathBuf,
}

/// Every layer that applies to one place (the user's default, or a
/// project folder), highest precedence first.
#[derive(Debug, Clone)]
pub struct Layers {
    /// Files in precedence order, highest first; missing files included
    /// (as empty documents), so the list says where Claude Code looks.
    pub files: Vec<LayerFile>,
    /// Files that exist but could not be used, each with the reason.
    /// Claude Code skips such a file too, so the others still apply.
    pub unreadable: Vec<String>,
}

impl Layers {
    /// Reads the layers for `project` (a folder), or for the user's
    /// default when `None`. The user file must be readable; a broken
    /// managed or project file is listed in `unreadable` instead.
    ///
    /// # Errors
    /// The user settings file cannot be read or parsed.
    pub fn read(paths: &Paths, project: Option<&Path>) -> Result<Self, SettingsError> {
        let mut files = Vec::new();
        let mut unreadable = Vec::new();
        let mut push = |layer: Layer, path: &Path, files: &mut Vec<LayerFile>| match SettingsDoc::read(path) {
            Ok(doc) => files.push(LayerFile { layer, doc }),
            Err(e) => unreadable.push(e.to_string()),
        };
        for path in managed_files(&paths.managed_settings).into_iter().rev() {
            push(Layer::Managed, &path, &mut files);
        }
        if let Some(dir) = project {
            push(Layer::ProjectLocal, &project_local_file(dir), &mut files);
            push(Layer::Project, &project_shared_file(dir), &mut files);
        }
        files.push(LayerFile { layer: Layer::User, doc: SettingsDoc::read(&paths.claude_settings)? });
        Ok(Self { files, unreadable })
    }

    /// The value in effect of `key` and the file it comes from.
    pub fn effective(&self, key: OwnedKey) -> Option<Source> {
        self.files.iter().find_map(|f| {
            f.doc.get(key).map(|value| Source {
                key: key.display(),
                value: key.shown(&value),
                layer: f.layer,
                path: f.doc.path.clone(),
            })
        })
    }

    /// Every owned key that is set somewhere, with its source.
    pub fn sources(&self) -> Vec<Source> {
        OwnedKey::ALL.iter().filter_map(|k| self.effective(*k)).collect()
    }

    /// The keys a layer above `target` sets: whatever we write into
    /// `target` for them has no effect.
    pub fn overridden_above(&self, target: Layer) -> Vec<Source> {
        self.sources().into_iter().filter(|s| s.layer < target).collect()
    }

    /// The keys the organisation's managed settings fix.
    pub fn fixed_by_policy(&self) -> Vec<OwnedKey> {
        OwnedKey::ALL.into_iter().filter(|k| self.effective(*k).is_some_and(|s| s.layer == Layer::Managed)).collect()
    }

    /// The owned keys (and the other providers' switches) in effect as one
    /// settings document, so everything that reads a [`SettingsDoc`] (the
    /// selection) reads the merged view.
    /// Its path is the highest-precedence file that sets anything.
    pub fn merged(&self) -> SettingsDoc {
        self.merged_from(|_| true)
    }

    /// Like [`Layers::merged`], over the layers `keep` selects.
    pub fn merged_from(&self, keep: impl Fn(Layer) -> bool) -> SettingsDoc {
        let mut root = Map::new();
        let mut env = Map::new();
        for key in OwnedKey::ALL.into_iter().chain(OwnedKey::RIVAL_PROVIDERS) {
            let Some(value) = self.files.iter().filter(|f| keep(f.layer)).find_map(|f| f.doc.get(key)) else {
                continue;
            };
            if key.in_env() {
                env.insert(key.name().to_string(), Value::String(value));
            } else {
                root.insert(key.name().to_string(), Value::String(value));
            }
        }
        if !env.is_empty() {
            root.insert("env".into(), Value::Object(env));
        }
        let path = self.files.last().map(|f| f.doc.path.clone()).unwrap_or_default();
        SettingsDoc { path, original: None, root }
    }
}

/// The owned keys of `top` over those of `below`, as one document: what
/// a project's local file and what it inherits make together.
pub fn overlay(top: &SettingsDoc, below: &SettingsDoc) -> SettingsDoc {
    let layers = Layers {
        files: vec![
            LayerFile { layer: Layer::ProjectLocal, doc: top.clone() },
            LayerFile { layer: Layer::User, doc: below.clone() },
        ],
        unreadable: Vec::new(),
    };
    SettingsDoc { path: top.path.clone(), ..layers.merged() }
}

/// `managed-settings.json` then the `managed-settings.d/*.json` drop-ins
/// beside it in name order (lowest precedence first), hidden files
/// skipped, as Claude Code reads them.
pub fn managed_files(managed_settings: &Path) -> Vec<PathBuf> {
    let mut out = vec![managed_settings.to_path_buf()];
    let Some(dir) = managed_settings.parent().map(|p| p.join("managed-settings.d")) else { return out };
    let Ok(entries) = std::fs::read_dir(&dir) else { return out };
    let mut drop_ins: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with('.') && name.ends_with(".json") && p.is_file()
        })
        .collect();
    drop_ins.sort();
    out.extend(drop_ins);
    out
}

/// The message `status`, `doctor` and the dashboard show for keys a higher
/// layer sets: "set by your organisation's managed settings (FILE): …".
pub fn override_message(overrides: &[Source]) -> Vec<String> {
    let mut by_file: Vec<(Layer, &Path, Vec<&str>)> = Vec::new();
    for s in overrides {
        let name = s.key.strip_prefix("env.").unwrap_or(&s.key);
        match by_file.iter_mut().find(|(_, p, _)| *p == s.path.as_path()) {
            Some((_, _, keys)) => keys.push(name),
            None => by_file.push((s.layer, &s.path, vec![name])),
        }
    }
    by_file
        .into_iter()
        .map(|(layer, path, keys)| {
            format!("set by {} ({}), which wins over ours: {}", layer.describe(), path.display(), keys.join(", "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn higher_layers_win_key_by_key_and_name_their_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Paths::under_home(dir.path());
        paths.managed_settings = dir.path().join("etc/managed-settings.json");
        write(
            &paths.claude_settings,
            r#"{"env": {"ANTHROPIC_MODEL": "user-m", "AWS_REGION": "eu-west-1", "AWS_PROFILE": "dev"}}"#,
        );
        write(&paths.managed_settings, r#"{"env": {"ANTHROPIC_MODEL": "org-m"}}"#);
        // The later drop-in wins over the earlier one and over the base file.
        write(&dir.path().join("etc/managed-settings.d/10-a.json"), r#"{"env": {"AWS_REGION": "us-east-1"}}"#);
        write(&dir.path().join("etc/managed-settings.d/20-b.json"), r#"{"env": {"AWS_REGION": "us-west-2"}}"#);
        write(&dir.path().join("etc/managed-settings.d/.hidden.json"), r#"{"env": {"AWS_REGION": "hidden"}}"#);
        let project = dir.path().join("repo");
        write(&project_local_file(&project), r#"{"env": {"AWS_PROFILE": "prod"}}"#);

        let layers = Layers::read(&paths, Some(&project)).unwrap();
        let model = layers.effective(OwnedKey::Model).unwrap();
        assert_eq!((model.value.as_str(), model.layer), ("org-m", Layer::Managed));
        assert_eq!(model.path, paths.managed_settings);
        let region = layers.effective(OwnedKey::AwsRegion).unwrap();
        assert_eq!(region.value, "us-west-2");
        assert!(region.path.ends_with("20-b.json"));
        let profile = layers.effective(OwnedKey::AwsProfile).unwrap();
        assert_eq!((profile.value.as_str(), profile.layer), ("prod", Layer::ProjectLocal));
        assert_eq!(layers.fixed_by_policy(), vec![OwnedKey::AwsRegion, OwnedKey::Model]);
        assert_eq!(layers.overridden_above(Layer::User).len(), 3);
        assert_eq!(layers.overridden_above(Layer::ProjectLocal).len(), 2);
        assert_eq!(layers.merged().get(OwnedKey::AwsProfile).as_deref(), Some("prod"));

        let user_only = Layers::read(&paths, None).unwrap();
        assert_eq!(user_only.effective(OwnedKey::AwsProfile).unwrap().value, "dev");
    }

    #[test]
    fn a_broken_managed_file_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Paths::under_home(dir.path());
        paths.managed_settings = dir.path().join("etc/managed-settings.json");
        write(&paths.managed_settings, "{ broken");
        let layers = Layers::read(&paths, None).unwrap();
        assert_eq!(layers.unreadable.len(), 1);
        assert!(layers.unreadable[0].contains("managed-settings.json"));
    }
}
