//! Entry points shared by the cargo-fuzz targets (fuzz/) and the corpus
//! replay test that runs in `make test`: each takes arbitrary bytes and
//! must return (errors are fine) without panicking, and checks the
//! invariant of its parser.

use crate::claude::settings::{apply, render, OwnedKey};
use serde_json::{Map, Value};

/// Settings bytes: parse; if it parses, patch every owned key and check
/// that every other key survives, in order, through render and re-parse.
pub fn settings_patch(data: &[u8]) {
    let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(data) else { return };
    if root.get("env").is_some_and(|e| !e.is_object()) {
        return;
    }
    let mut patched = root.clone();
    let patch: Vec<_> =
        OwnedKey::ALL.iter().enumerate().map(|(i, k)| (*k, (i % 3 != 0).then(|| format!("v{i}")))).collect();
    apply(&mut patched, &patch);
    let reparsed: Map<String, Value> = serde_json::from_slice(&render(&patched)).expect("our output parses");
    let foreign = |m: &Map<String, Value>| -> Vec<(String, Value)> {
        m.iter()
            .filter(|(k, _)| *k != "env" && !OwnedKey::is_owned_top(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    assert_eq!(foreign(&root), foreign(&reparsed), "a foreign top-level key changed");
    let env = |m: &Map<String, Value>| -> Vec<(String, Value)> {
        m.get("env")
            .and_then(Value::as_object)
            .map(|e| {
                e.iter().filter(|(k, _)| !OwnedKey::is_owned_env(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(env(&root), env(&reparsed), "a foreign env key changed");
}

/// Token cache bytes: a token or an error message that never quotes input.
pub fn token_cache(data: &[u8]) {
    if let Err(message) = crate::sso::cache::parse_token(data) {
        assert!(message.len() < 200, "error messages stay short");
    }
}

/// AWS config text: profiles or a parse error.
pub fn aws_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (config, credentials) = (std::path::Path::new("config"), std::path::Path::new("credentials"));
    let _ = crate::aws::profiles::AwsProfiles::parse(Some(text), None, config, credentials);
    let _ = crate::aws::profiles::AwsProfiles::parse(None, Some(text), config, credentials);
}

/// Preset text: a preset or an error naming the file.
pub fn preset(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = std::path::Path::new("team.toml");
    if let Err(e) = crate::preset::Preset::parse(text, path, crate::catalog::Catalog::builtin()) {
        assert!(e.to_string().starts_with("preset team.toml"), "errors name the file");
    }
}

/// Transcript bytes: every line is a message, nothing or malformed, the
/// same each time; and the incremental index reading the file in two
/// parts (the first ending mid-line, as while Claude Code writes) counts
/// what one read of the whole file counts.
pub fn transcript(data: &[u8]) {
    use crate::claude::usage::{parse_line, UsageIndex, Zone};
    for line in data.split(|b| *b == b'\n') {
        let first = parse_line(line.trim_ascii(), "p");
        if let Ok(Some(m)) = &first {
            assert!(m.tokens.cache_write_1h <= m.tokens.cache_write, "1-hour writes are part of all writes");
        }
        assert_eq!(first, parse_line(line.trim_ascii(), "p"), "parsing is deterministic");
    }
    let Ok(dir) = tempfile::tempdir() else { return };
    let (whole, parts) = (dir.path().join("whole"), dir.path().join("parts"));
    let cut = data.first().map_or(0, |b| usize::from(*b) * data.len() / 256);
    let write = |root: &std::path::Path, bytes: &[u8], append: bool| {
        let file = root.join("project").join("s.jsonl");
        std::fs::create_dir_all(file.parent().expect("has a parent")).expect("temp folder");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(append)
            .write(true)
            .truncate(!append)
            .open(&file)
            .expect("temp file");
        std::io::Write::write_all(&mut f, bytes).expect("write temp file");
    };
    write(&whole, data, false);
    let mut one = UsageIndex::default();
    one.refresh(&whole).expect("reads its own temp folder");
    write(&parts, &data[..cut], false);
    let mut two = UsageIndex::default();
    two.refresh(&parts).expect("reads its own temp folder");
    write(&parts, &data[cut..], true);
    two.refresh(&parts).expect("reads its own temp folder");
    let zone = Zone::utc();
    assert_eq!(one.buckets(&zone), two.buckets(&zone), "reading in two parts counts the same");
    assert_eq!(one.malformed_lines, two.malformed_lines, "and finds the same malformed lines");
}

/// AWS INI text: parse and render give the text back byte for byte; `set`
/// then `get` returns the value; editing or removing one section leaves
/// every line outside it byte for byte.
pub fn config_edit(data: &[u8]) {
    use crate::aws::ini::{IniDoc, Section};
    use crate::names::{ProfileName, SsoSessionName};
    let Ok(text) = std::str::from_utf8(data) else { return };
    let doc = IniDoc::parse(text);
    assert_eq!(doc.render(), text, "parse and render round-trip");
    // The value: the text's last line, which may hold anything but a line break.
    let value = text.rsplit('\n').next().unwrap_or_default().replace('\r', "");
    let sections = [
        Section::config_profile(&ProfileName::new("default").expect("valid")),
        Section::config_profile(&ProfileName::new("a").expect("valid")),
        Section::credentials_profile(&ProfileName::new("a").expect("valid")),
        Section::sso_session(&SsoSessionName::new("corp").expect("valid")),
    ];
    for section in &sections {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let (before, after) = match doc.find_section(section) {
            Some(r) => (lines[..r.start].concat(), lines[r.end..].concat()),
            None => (text.to_string(), String::new()),
        };
        for key in ["region", "credential_process", "s3"] {
            let mut edited = doc.clone();
            edited.set(section, key, &value).expect("a valid key and a value without line breaks");
            assert_eq!(edited.get(section, key), Some(value.trim()), "set then get returns the value");
            let out = edited.render();
            // Appending to a file without a final newline adds one to its last line.
            let kept = out.starts_with(&before)
                || (out.starts_with(before.trim_end_matches(['\r', '\n'])) && !before.ends_with('\n'));
            assert!(kept, "lines before the section are kept byte for byte");
            assert!(out.ends_with(&after), "lines after the section are kept byte for byte");
            let mut removed = edited.clone();
            removed.remove_key(section, key);
            assert!(removed.render().ends_with(&after), "removing a key keeps the lines after the section");
        }
        let mut gone = doc.clone();
        if gone.remove_section(section) {
            assert_eq!(gone.render(), before + &after, "removing a section removes only its lines");
        }
    }
}
