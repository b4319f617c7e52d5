//! Claude Code's `settings.json`: read, patch only the keys the app owns,
//! write atomically.
//!
//! Claude Code writes this file too (`/model`, its own Bedrock setup), with
//! no lock. So every write re-reads the file, applies our change to what is
//! there now, and only replaces the file if nobody changed it meanwhile
//! (else it starts over). Keys we do not own keep their value and order.

use crate::atomic_file::{Exchange, PreparedWrite, WriteError};
use serde::Serialize;
use serde_json::{Map, Value};
use std::io;
use std::path::{Path, PathBuf};

/// A key of `settings.json` the app may change. Every other key is the
/// user's or Claude Code's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum OwnedKey {
    UseBedrock,
    AwsProfile,
    AwsRegion,
    RegionPrefix,
    Model,
    DefaultOpus,
    DefaultSonnet,
    DefaultHaiku,
    DefaultFable,
    SmallFastModel,
    SmallFastModelRegion,
    /// Only ever re-homed into the geography when the user set it.
    SubagentModel,
    EffortLevel,
    MaxOutputTokens,
    MaxThinkingTokens,
    AuthRefresh,
    CredentialExport,
    /// An LLM gateway in front of Bedrock (`ANTHROPIC_BEDROCK_BASE_URL`).
    BedrockBaseUrl,
    /// `CLAUDE_CODE_SKIP_BEDROCK_AUTH`: no SigV4, the gateway authenticates.
    SkipBedrockAuth,
    /// A Bedrock API key (`AWS_BEARER_TOKEN_BEDROCK`): a secret, written
    /// only on the user's explicit choice (see [`OwnedKey::is_secret`]).
    BearerToken,
    /// The switches of the providers bedrock-tray does not manage (see
    /// [`OwnedKey::RIVAL_PROVIDERS`]): read, and removed when the user
    /// picks the Anthropic API, never written.
    UseFoundry,
    UseAnthropicAws,
    UseAnthropicGoogleCloud,
    UseMantle,
    UseVertex,
}

impl OwnedKey {
    pub const ALL: [OwnedKey; 20] = [
        OwnedKey::UseBedrock,
        OwnedKey::AwsProfile,
        OwnedKey::AwsRegion,
        OwnedKey::RegionPrefix,
        OwnedKey::Model,
        OwnedKey::DefaultOpus,
        OwnedKey::DefaultSonnet,
        OwnedKey::DefaultHaiku,
        OwnedKey::DefaultFable,
        OwnedKey::SmallFastModel,
        OwnedKey::SmallFastModelRegion,
        OwnedKey::SubagentModel,
        OwnedKey::EffortLevel,
        OwnedKey::MaxOutputTokens,
        OwnedKey::MaxThinkingTokens,
        OwnedKey::AuthRefresh,
        OwnedKey::CredentialExport,
        OwnedKey::BedrockBaseUrl,
        OwnedKey::SkipBedrockAuth,
        OwnedKey::BearerToken,
    ];

    /// The switches that send Claude Code to a provider bedrock-tray does
    /// not manage, in the order Claude Code tries them. Claude Code 2.1.332
    /// picks its provider as: `CLAUDE_CODE_USE_BEDROCK`, then
    /// `_FOUNDRY`, `_ANTHROPIC_AWS`, `_ANTHROPIC_GOOGLE_CLOUD`, `_MANTLE`,
    /// `_VERTEX`, else the Anthropic API (its provider function, read from
    /// the npm package's binary). So Bedrock wins over all of them, and
    /// any of them beats the Anthropic API. Not in [`OwnedKey::ALL`]: no
    /// selection of ours holds them.
    pub const RIVAL_PROVIDERS: [OwnedKey; 5] = [
        OwnedKey::UseFoundry,
        OwnedKey::UseAnthropicAws,
        OwnedKey::UseAnthropicGoogleCloud,
        OwnedKey::UseMantle,
        OwnedKey::UseVertex,
    ];

    /// The provider a [`OwnedKey::RIVAL_PROVIDERS`] switch selects, named as
    /// Claude Code 2.1.332 names it; `None` for every other key.
    pub fn rival_label(self) -> Option<&'static str> {
        Some(match self {
            OwnedKey::UseFoundry => "Microsoft Foundry",
            OwnedKey::UseAnthropicAws => "Claude Platform on AWS",
            OwnedKey::UseAnthropicGoogleCloud => "Claude Platform on Google Cloud",
            OwnedKey::UseMantle => "Amazon Bedrock (Mantle)",
            OwnedKey::UseVertex => "Google Vertex AI",
            _ => return None,
        })
    }

    /// The key's name; env keys live under `env`.
    pub fn name(self) -> &'static str {
        match self {
            OwnedKey::UseBedrock => "CLAUDE_CODE_USE_BEDROCK",
            OwnedKey::AwsProfile => "AWS_PROFILE",
            OwnedKey::AwsRegion => "AWS_REGION",
            OwnedKey::Model => "ANTHROPIC_MODEL",
            OwnedKey::DefaultOpus => "ANTHROPIC_DEFAULT_OPUS_MODEL",
            OwnedKey::DefaultSonnet => "ANTHROPIC_DEFAULT_SONNET_MODEL",
            OwnedKey::DefaultHaiku => "ANTHROPIC_DEFAULT_HAIKU_MODEL",
            OwnedKey::DefaultFable => "ANTHROPIC_DEFAULT_FABLE_MODEL",
            OwnedKey::RegionPrefix => "ANTHROPIC_BEDROCK_REGION_PREFIX",
            OwnedKey::SmallFastModel => "ANTHROPIC_SMALL_FAST_MODEL",
            OwnedKey::SmallFastModelRegion => "ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION",
            OwnedKey::SubagentModel => "CLAUDE_CODE_SUBAGENT_MODEL",
            OwnedKey::EffortLevel => "CLAUDE_CODE_EFFORT_LEVEL",
            OwnedKey::MaxOutputTokens => "CLAUDE_CODE_MAX_OUTPUT_TOKENS",
            OwnedKey::MaxThinkingTokens => "MAX_THINKING_TOKENS",
            OwnedKey::AuthRefresh => "awsAuthRefresh",
            OwnedKey::CredentialExport => "awsCredentialExport",
            OwnedKey::BedrockBaseUrl => "ANTHROPIC_BEDROCK_BASE_URL",
            OwnedKey::SkipBedrockAuth => "CLAUDE_CODE_SKIP_BEDROCK_AUTH",
            OwnedKey::BearerToken => "AWS_BEARER_TOKEN_BEDROCK",
            OwnedKey::UseFoundry => "CLAUDE_CODE_USE_FOUNDRY",
            OwnedKey::UseAnthropicAws => "CLAUDE_CODE_USE_ANTHROPIC_AWS",
            OwnedKey::UseAnthropicGoogleCloud => "CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD",
            OwnedKey::UseMantle => "CLAUDE_CODE_USE_MANTLE",
            OwnedKey::UseVertex => "CLAUDE_CODE_USE_VERTEX",
        }
    }

    /// Whether the key's value is a secret: never shown, logged or
    /// reported as it is, only as [`redacted`].
    pub fn is_secret(self) -> bool {
        self == OwnedKey::BearerToken
    }

    /// The value as it may be shown: a secret's is [`redacted`].
    pub fn shown(self, value: &str) -> String {
        if self.is_secret() {
            redacted(value)
        } else {
            value.to_string()
        }
    }

    /// Whether the key lives under `env` (else at the top level).
    pub fn in_env(self) -> bool {
        !matches!(self, OwnedKey::AuthRefresh | OwnedKey::CredentialExport)
    }

    /// The path as users see it (`env.AWS_REGION`).
    pub fn display(self) -> String {
        if self.in_env() {
            format!("env.{}", self.name())
        } else {
            self.name().to_string()
        }
    }

    pub fn is_owned_env(name: &str) -> bool {
        Self::ALL.iter().any(|k| k.in_env() && k.name() == name)
    }
    pub fn is_owned_top(name: &str) -> bool {
        Self::ALL.iter().any(|k| !k.in_env() && k.name() == name)
    }
}

/// How a secret is shown: at most its last four characters, so a user can
/// tell two keys apart without the key being readable.
pub fn redacted(secret: &str) -> String {
    crate::aws::api_key::fingerprint(secret)
}

/// Why the settings file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{} is not valid JSON (line {line}, column {column}: {message}); fix it by hand, nothing was written", path.display())]
    Parse { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{} must hold a JSON object at the top level; nothing was written", path.display())]
    NotAnObject { path: PathBuf },
    #[error("\"env\" in {} must be a JSON object; nothing was written", path.display())]
    EnvNotAnObject { path: PathBuf },
    #[error("{} is {size} bytes, too large for a settings file; nothing was written", path.display())]
    TooLarge { path: PathBuf, size: u64 },
    #[error("{} kept changing while we tried to write it; try again", path.display())]
    Contended { path: PathBuf },
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Larger than any real settings file by far; refusing keeps memory bounded.
pub const MAX_SETTINGS_BYTES: u64 = 16 * 1024 * 1024;

/// The settings document as read, with the bytes it came from.
#[derive(Debug, Clone)]
pub struct SettingsDoc {
    pub path: PathBuf,
    /// `None` when the file does not exist.
    pub original: Option<Vec<u8>>,
    pub root: Map<String, Value>,
}

impl SettingsDoc {
    /// Reads and checks a settings file; a missing file is an empty document.
    ///
    /// # Errors
    /// [`SettingsError`] naming the file (and line and column for bad JSON).
    pub fn read(path: &Path) -> Result<Self, SettingsError> {
        let original = read_bytes(path)?;
        let root = match &original {
            None => Map::new(),
            Some(bytes) => parse(path, bytes)?,
        };
        Ok(Self { path: path.to_path_buf(), original, root })
    }

    /// The `env` object (empty if absent).
    pub fn env(&self) -> Option<&Map<String, Value>> {
        self.root.get("env").and_then(Value::as_object)
    }

    /// The value of an owned key, if it is a string (numbers are shown as
    /// their text: users write `"MAX_THINKING_TOKENS": 10000` too).
    pub fn get(&self, key: OwnedKey) -> Option<String> {
        let value = if key.in_env() { self.env()?.get(key.name())? } else { self.root.get(key.name())? };
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>, SettingsError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(SettingsError::Read {
                path: path.to_path_buf(),
                source: io::Error::new(io::ErrorKind::IsADirectory, "a folder is in the way"),
            })
        }
        Ok(m) if m.len() > MAX_SETTINGS_BYTES => {
            return Err(SettingsError::TooLarge { path: path.to_path_buf(), size: m.len() })
        }
        _ => {}
    }
    match crate::bounded_read::read(path, MAX_SETTINGS_BYTES) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SettingsError::Read { path: path.to_path_buf(), source }),
    }
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Map<String, Value>, SettingsError> {
    // An empty file is what `touch` leaves; treat it as `{}`.
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| SettingsError::Parse {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    let Value::Object(root) = value else {
        return Err(SettingsError::NotAnObject { path: path.to_path_buf() });
    };
    if root.get("env").is_some_and(|env| !env.is_object()) {
        return Err(SettingsError::EnvNotAnObject { path: path.to_path_buf() });
    }
    Ok(root)
}

fn strip_position(message: &str) -> String {
    message.split(" at line ").next().unwrap_or(message).to_string()
}

/// One change to an owned key: set it to a string, or remove it.
pub type Patch = Vec<(OwnedKey, Option<String>)>;

/// What a patch did to one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Applies `patch` to `root`, touching nothing else, and reports what
/// changed. New keys go at the end of their object; existing keys keep
/// their place; removals keep the order of the rest.
pub fn apply(root: &mut Map<String, Value>, patch: &Patch) -> Vec<Change> {
    let mut changes = Vec::new();
    for (key, new) in patch {
        let old_value = if key.in_env() {
            root.get("env").and_then(|e| e.get(key.name())).cloned()
        } else {
            root.get(key.name()).cloned()
        };
        let new_value = new.clone().map(Value::String);
        if old_value == new_value {
            continue;
        }
        let target = if key.in_env() {
            let env = root.entry("env").or_insert_with(|| Value::Object(Map::new()));
            // `read` refuses a non-object env; a caller's own map gets one.
            if !env.is_object() {
                *env = Value::Object(Map::new());
            }
            env.as_object_mut().expect("env is an object")
        } else {
            &mut *root
        };
        match new {
            Some(v) => {
                target.insert(key.name().to_string(), Value::String(v.clone()));
            }
            None => {
                target.shift_remove(key.name());
            }
        }
        changes.push(Change {
            key: key.display(),
            old: old_value.map(|v| key.shown(&v.as_str().map_or_else(|| v.to_string(), str::to_string))),
            new: new.as_deref().map(|v| key.shown(v)),
        });
    }
    changes
}

/// Serialises settings as Claude Code does: 2-space indent, trailing newline.
pub fn render(root: &Map<String, Value>) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(root).expect("a JSON map always serialises");
    out.push(b'\n');
    out
}

/// Whether a settings document holds the value of a secret owned key.
pub fn holds_secret(root: &Map<String, Value>) -> bool {
    let env = root.get("env").and_then(Value::as_object);
    OwnedKey::ALL.iter().filter(|k| k.is_secret()).any(|k| {
        let value = if k.in_env() { env.and_then(|e| e.get(k.name())) } else { root.get(k.name()) };
        value.and_then(Value::as_str).is_some_and(|v| !v.trim().is_empty())
    })
}

/// Reads the file, computes a patch from what is there now, applies it and
/// writes the result atomically, so a concurrent writer's change (Claude
/// Code's `/model`) is merged, not lost: the new file is swapped in only if
/// the one it displaces is the one we read; if someone wrote in between,
/// their version stays and we patch it instead.
///
/// Nothing is written when the patch changes nothing.
///
/// # Errors
/// [`SettingsError`] from reading or writing, or the error `plan` returns;
/// in every case the file on disk holds either its old contents or a
/// complete new version.
pub fn update<E: From<SettingsError>>(
    path: &Path,
    mut plan: impl FnMut(&SettingsDoc) -> Result<Patch, E>,
) -> Result<Vec<Change>, E> {
    let mut doc = SettingsDoc::read(path)?;
    for attempt in 0..40u32 {
        if attempt > 0 {
            // Another writer is mid-change: step aside a little (growing,
            // with jitter so two of us do not collide again in lock-step).
            let jitter =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
            let ms = (1u64 << attempt.min(5)) + u64::from(jitter % 7);
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
        let mut next = doc.clone();
        let patch = plan(&next)?;
        let changes = apply(&mut next.root, &patch);
        if changes.is_empty() && next.original.is_some() {
            return Ok(changes);
        }
        // A file that holds a secret (a Bedrock API key, written on the
        // user's explicit choice) is readable by the user only.
        let prepared = if holds_secret(&next.root) {
            PreparedWrite::private(path, &render(&next.root))
        } else {
            PreparedWrite::new(path, &render(&next.root), 0o600)
        }
        .map_err(SettingsError::from)?;
        // Cheap early check after the slow part (fsync).
        if read_bytes(path)? != doc.original {
            doc = SettingsDoc::read(path)?;
            continue;
        }
        match prepared.exchange_if(doc.original.as_deref()).map_err(SettingsError::from)? {
            Exchange::Replaced => return Ok(changes),
            Exchange::Changed(theirs) => {
                let root = parse(path, &theirs)?;
                doc = SettingsDoc { path: path.to_path_buf(), root, original: Some(theirs) };
            }
        }
    }
    Err(SettingsError::Contended { path: path.to_path_buf() }.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn patch_keeps_foreign_keys_and_order() {
        let mut root = obj(json!({
            "permissions": {"allow": ["Bash(ls)"]},
            "env": {"FOO": "1", "AWS_REGION": "us-east-1", "BAR": 2},
            "hooks": {}, "awsAuthRefresh": "aws sso login --profile a"
        }));
        let changes = apply(
            &mut root,
            &vec![
                (OwnedKey::AwsRegion, Some("eu-central-1".into())),
                (OwnedKey::Model, Some("eu.anthropic.claude-opus-4-6-v1".into())),
                (OwnedKey::AuthRefresh, None),
            ],
        );
        assert_eq!(changes.len(), 3);
        let text = String::from_utf8(render(&root)).unwrap();
        assert_eq!(
            text,
            "{\n  \"permissions\": {\n    \"allow\": [\n      \"Bash(ls)\"\n    ]\n  },\n  \"env\": {\n    \"FOO\": \"1\",\n    \"AWS_REGION\": \"eu-central-1\",\n    \"BAR\": 2,\n    \"ANTHROPIC_MODEL\": \"eu.anthropic.claude-opus-4-6-v1\"\n  },\n  \"hooks\": {}\n}\n"
        );
    }

    #[test]
    fn foreign_numbers_survive_a_rewrite_exactly() {
        // Found by fuzzing: without correctly rounded float parsing a
        // user's -9.7777777777777777770 came back as -9.77777777777778.
        let text = r#"{"a": -9.7777777777777777770, "b": 1e308, "c": 0.1, "d": 18446744073709551615, "e": -0.0}"#;
        let root: Map<String, Value> = serde_json::from_str(text).unwrap();
        let again: Map<String, Value> = serde_json::from_slice(&render(&root)).unwrap();
        assert_eq!(root, again);
        assert_eq!(again["a"].as_f64(), Some(-9.777777777777779));
    }

    #[test]
    fn no_op_patch_reports_nothing() {
        let mut root = obj(json!({"env": {"AWS_REGION": "eu-west-1"}}));
        assert!(apply(&mut root, &vec![(OwnedKey::AwsRegion, Some("eu-west-1".into())), (OwnedKey::Model, None)])
            .is_empty());
    }

    #[test]
    fn bad_files_are_refused_with_position() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("settings.json");
        std::fs::write(&p, "{\n  \"env\": {\n    \"A\": 1,\n  }\n}\n").unwrap();
        let e = SettingsDoc::read(&p).unwrap_err().to_string();
        assert!(e.contains("settings.json") && e.contains("line 4"), "{e}");
        std::fs::write(&p, "{\"env\": []}").unwrap();
        assert!(matches!(SettingsDoc::read(&p), Err(SettingsError::EnvNotAnObject { .. })));
        std::fs::write(&p, "[1]").unwrap();
        assert!(matches!(SettingsDoc::read(&p), Err(SettingsError::NotAnObject { .. })));
        std::fs::write(&p, "").unwrap();
        assert!(SettingsDoc::read(&p).unwrap().root.is_empty(), "an empty file is an empty object");
    }

    #[test]
    fn update_merges_a_concurrent_change() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("settings.json");
        std::fs::write(&p, "{\"env\": {}}").unwrap();
        let mut first = true;
        let changes = update::<SettingsError>(&p, |_| {
            if first {
                // Another writer (Claude Code) adds its key after our read.
                first = false;
                std::fs::write(&p, "{\"env\": {}, \"model\": \"opus\"}").unwrap();
            }
            Ok(vec![(OwnedKey::AwsRegion, Some("eu-west-1".into()))])
        })
        .unwrap();
        assert_eq!(changes.len(), 1);
        let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        assert_eq!(v["model"], "opus", "the other writer's key survives");
        assert_eq!(v["env"]["AWS_REGION"], "eu-west-1");
    }

    #[test]
    fn a_file_holding_a_secret_becomes_private_and_changes_show_no_secret() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("settings.json");
        std::fs::write(&p, "{}").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        update::<SettingsError>(&p, |_| Ok(vec![(OwnedKey::AwsRegion, Some("eu-west-1".into()))])).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o644, "no secret: mode kept");
        let key = "ABSKQmVkcm9ja0FQSUtleS1zZWNyZXQwxyz";
        let changes = update::<SettingsError>(&p, |_| Ok(vec![(OwnedKey::BearerToken, Some(key.into()))])).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600, "the key: user only");
        assert!(!format!("{changes:?}").contains(key) && format!("{changes:?}").contains("wxyz"), "{changes:?}");
    }

    #[test]
    fn new_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new/settings.json");
        update::<SettingsError>(&p, |_| Ok(vec![(OwnedKey::UseBedrock, Some("1".into()))])).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| Value::Number(n.into())),
            "[ -~\\u{e9}\\u{1F600}]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-zA-Z_]{1,8}", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn owned_key() -> impl Strategy<Value = OwnedKey> {
        (0..OwnedKey::ALL.len()).prop_map(|i| OwnedKey::ALL[i])
    }

    fn foreign_keys(map: &Map<String, Value>, owned: fn(&str) -> bool) -> Vec<(String, Value)> {
        map.iter().filter(|(k, _)| !owned(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    proptest! {
        #[test]
        fn foreign_keys_survive_unchanged_and_in_order(
            top in prop::collection::vec(("[a-zA-Z_]{1,10}", json_value()), 0..8),
            env in prop::collection::vec(("[A-Z_]{1,12}", json_value()), 0..8),
            owned_env in prop::collection::vec((owned_key(), "[a-z0-9.:-]{0,10}"), 0..6),
            patch in prop::collection::vec((owned_key(), prop::option::of("[a-z0-9.:-]{1,10}")), 0..10),
        ) {
            let mut root: Map<String, Value> = top.into_iter().filter(|(k, _)| k != "env").collect();
            let mut env_map: Map<String, Value> = env.into_iter().collect();
            for (k, v) in owned_env {
                if k.in_env() { env_map.insert(k.name().into(), Value::String(v)); } else { root.insert(k.name().into(), Value::String(v)); }
            }
            root.insert("env".into(), Value::Object(env_map));
            let text = render(&root);
            let before: Map<String, Value> = serde_json::from_slice(&text).unwrap();

            let mut after = before.clone();
            apply(&mut after, &patch);
            let reparsed: Map<String, Value> = serde_json::from_slice(&render(&after)).unwrap();

            let top_owned: fn(&str) -> bool = |k| k == "env" || OwnedKey::is_owned_top(k);
            prop_assert_eq!(foreign_keys(&before, top_owned), foreign_keys(&reparsed, top_owned));
            let env_of = |m: &Map<String, Value>| m.get("env").and_then(Value::as_object).cloned().unwrap_or_default();
            prop_assert_eq!(foreign_keys(&env_of(&before), OwnedKey::is_owned_env), foreign_keys(&env_of(&reparsed), OwnedKey::is_owned_env));
            // The patch's last word on each key is what the file says.
            for key in OwnedKey::ALL {
                if let Some((_, want)) = patch.iter().rev().find(|(k, _)| *k == key) {
                    let got = if key.in_env() { env_of(&reparsed).get(key.name()).cloned() } else { reparsed.get(key.name()).cloned() };
                    prop_assert_eq!(got, want.clone().map(Value::String));
                }
            }
        }
    }
}
