//! Entry points shared by the cargo-fuzz targets (fuzz/) and the corpus
//! replay test that runs in `make test`: each takes arbitrary bytes and
//! must return (errors are fine) without panicking, and checks the
//! invariant of its parser.

use crate::claude_settings::{apply, render, OwnedKey};
use serde_json::{Map, Value};

/// Settings bytes: parse; if it parses, patch every owned key and check
/// that every other key survives, in order, through render and re-parse.
pub fn settings_patch(data: &[u8]) {
    let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(data) else { return };
    if root.get("env").is_some_and(|e| !e.is_object()) {
        return;
    }
    let mut patched = root.clone();
    let patch: Vec<_> = OwnedKey::ALL
        .iter()
        .enumerate()
        .map(|(i, k)| (*k, (i % 3 != 0).then(|| format!("v{i}"))))
        .collect();
    apply(&mut patched, &patch);
    let reparsed: Map<String, Value> = serde_json::from_slice(&render(&patched)).expect("our output parses");
    let foreign = |m: &Map<String, Value>| -> Vec<(String, Value)> {
        m.iter().filter(|(k, _)| *k != "env" && !OwnedKey::is_owned_top(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    assert_eq!(foreign(&root), foreign(&reparsed), "a foreign top-level key changed");
    let env = |m: &Map<String, Value>| -> Vec<(String, Value)> {
        m.get("env")
            .and_then(Value::as_object)
            .map(|e| e.iter().filter(|(k, _)| !OwnedKey::is_owned_env(k)).map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };
    assert_eq!(env(&root), env(&reparsed), "a foreign env key changed");
}

/// Token cache bytes: a token or an error message that never quotes input.
pub fn token_cache(data: &[u8]) {
    if let Err(message) = crate::sso_cache::parse_token(data) {
        assert!(message.len() < 200, "error messages stay short");
    }
}

/// AWS config text: profiles or a parse error.
pub fn aws_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (config, credentials) = (std::path::Path::new("config"), std::path::Path::new("credentials"));
    let _ = crate::aws_profiles::AwsProfiles::parse(Some(text), None, config, credentials);
    let _ = crate::aws_profiles::AwsProfiles::parse(None, Some(text), config, credentials);
}

/// Preset text: a preset or an error naming the file.
pub fn preset(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = std::path::Path::new("team.toml");
    if let Err(e) = crate::preset::Preset::parse(text, path, crate::catalog::Catalog::builtin()) {
        assert!(e.to_string().starts_with("preset team.toml"), "errors name the file");
    }
}
