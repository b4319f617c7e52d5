//! Replays every committed fuzz corpus input (fuzz/corpus/<target>/) through
//! the same entry points the fuzzers use, so a regression of any input the
//! fuzzers ever found interesting fails `make test` without libFuzzer.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            panic!("{} panics on {}", target, path.display());
        }
        count += 1;
    }
    assert!(count >= 3, "the {target} corpus holds inputs");
}

#[test]
fn settings_patch_corpus() {
    replay("settings_patch", bedrock_tray::fuzzing::settings_patch);
}

#[test]
fn token_cache_corpus() {
    replay("token_cache", bedrock_tray::fuzzing::token_cache);
}

#[test]
fn aws_config_corpus() {
    replay("aws_config", bedrock_tray::fuzzing::aws_config);
}

#[test]
fn preset_corpus() {
    replay("preset", bedrock_tray::fuzzing::preset);
}

#[test]
fn transcript_corpus() {
    replay("transcript", bedrock_tray::fuzzing::transcript);
}

#[test]
fn config_edit_corpus() {
    replay("config_edit", bedrock_tray::fuzzing::config_edit);
}
